// SPDX-License-Identifier: MIT
/*
 * The 8254 PIT and port 0x61 on a manually driven virtual clock: IRQ 0
 * edges at exact virtual times in modes 0, 2 and 3, counter reads,
 * latches and read-back, access modes and BCD, channel 2's gate and
 * OUT2 through port 0x61, modes 1, 4 and 5; and the ACPI PM timer.
 */
#include <check.h>
#include <string.h>

#include "devices/i8254.h"
#include "devices/pm_timer.h"

static struct vclock C;
static struct isa_irq I;
static struct i8254 P;
static struct io_bus IO;

static void setup(void)
{
	vclock_init(&C, VCLOCK_VIRTUAL);
	io_bus_init(&IO, "pio");
	isa_irq_init(&I, NULL, NULL);
	i8254_init(&P, &C, &I);
	ck_assert_int_eq(i8254_attach(&P, &IO), 0);
}

static void teardown(void)
{
	i8254_destroy(&P);
}

static void out(uint16_t port, uint8_t v)
{
	io_bus_write(&IO, port, 1, v);
}

static uint8_t in(uint16_t port)
{
	return (uint8_t)io_bus_read(&IO, port, 1);
}

/* Low byte first, then high: two reads of one port in a single expression
 * would be unsequenced (C11 6.5p2), and the compiler under ASan did swap them. */
static unsigned in16(uint16_t port)
{
	unsigned lo = in(port);

	return lo | (unsigned)in(port) << 8;
}

static uint64_t ns(uint64_t ticks)
{
	return vclock_ticks_to_ns(ticks, PIT_HZ);
}

/* Run the clock to t, firing every timer due on the way. */
static void run_to(uint64_t t)
{
	while (vclock_next_deadline(&C) <= t) {
		C.manual = vclock_next_deadline(&C);
		vclock_run_due(&C, C.manual);
	}
	C.manual = t;
}

static void program(unsigned ch, uint8_t mode_bits, uint16_t count)
{
	out(0x43, (uint8_t)(ch << 6 | 0x30 | mode_bits));
	out(0x40 + ch, (uint8_t)count);
	out(0x40 + ch, (uint8_t)(count >> 8));
}

static uint16_t latch_read(unsigned ch)
{
	uint16_t v;

	out(0x43, (uint8_t)(ch << 6));
	v = in(0x40 + ch);
	return v | (uint16_t)(in(0x40 + ch) << 8);
}

START_TEST(idle_until_programmed)
{
	ck_assert_uint_eq(vclock_next_deadline(&C), VCLOCK_NEVER);
	run_to(100000000);
	ck_assert_uint_eq(P.edges, 0);
	ck_assert(!isa_irq_level(&I, 0));
}
END_TEST

START_TEST(mode2_rate_generator_irq0)
{
	const uint16_t n = 1193;          /* about 1 kHz */

	C.manual = 5000;
	program(0, 0x04, n);
	ck_assert_uint_eq(vclock_next_deadline(&C), 5000 + ns(n - 1));
	run_to(5000 + ns(n - 1));
	ck_assert(!isa_irq_level(&I, 0));         /* the one-tick low pulse */
	ck_assert_uint_eq(P.edges, 0);
	run_to(5000 + ns(n));
	ck_assert(isa_irq_level(&I, 0));
	ck_assert_uint_eq(P.edges, 1);
	run_to(5000 + ns(100 * n) - 1);
	ck_assert_uint_eq(P.edges, 99);
	run_to(5000 + ns(100 * n));
	ck_assert_uint_eq(P.edges, 100);
	/* The counter counts N..1 within each period. */
	C.manual = 5000 + ns(100 * n + 10);
	ck_assert_uint_eq(latch_read(0), n - 10);
	/* A latch holds its value until read; a second latch is ignored. */
	out(0x43, 0x00);
	C.manual += ns(5);
	out(0x43, 0x00);
	ck_assert_uint_eq(in16(0x40), n - 10);
	/* Without a latch the live value, LSB then MSB. */
	ck_assert_uint_eq(in16(0x40), n - 15);
}
END_TEST

START_TEST(mode0_interrupt_on_terminal_count)
{
	program(0, 0x00, 1000);
	ck_assert(!i8254_out(&P, 0));
	run_to(ns(999));
	ck_assert(!isa_irq_level(&I, 0));
	ck_assert_uint_eq(latch_read(0), 1);
	run_to(ns(1000));
	ck_assert(isa_irq_level(&I, 0));
	ck_assert_uint_eq(P.edges, 1);
	/* One shot: nothing armed any more; the counter wraps and goes on. */
	ck_assert_uint_eq(vclock_next_deadline(&C), VCLOCK_NEVER);
	C.manual = ns(1003);
	ck_assert_uint_eq(latch_read(0), 65533);
	/* A new control word drives OUT low at once (mode 0). */
	out(0x43, 0x30);
	ck_assert(!isa_irq_level(&I, 0));
	/* Mode 0: the first byte of a count stops it, the second starts. */
	out(0x40, 0x10);
	run_to(ns(5000));
	ck_assert_uint_eq(P.edges, 1);
	out(0x40, 0x00);
	run_to(ns(5000) + ns(0x10));
	ck_assert_uint_eq(P.edges, 2);
}
END_TEST

START_TEST(mode3_square_wave_and_port61)
{
	/* Channel 2, mode 3, N = 100, gate off: OUT2 high, no counting. */
	program(2, 0x06, 100);
	ck_assert_uint_eq(in(0x61) & 0x21, 0x20);
	C.manual = 1000;
	out(0x61, 0x03);                   /* gate 2 on, speaker data */
	ck_assert_uint_eq(in(0x61) & 0x23, 0x23);
	C.manual = 1000 + ns(49);
	ck_assert(in(0x61) & 0x20);
	C.manual = 1000 + ns(50);
	ck_assert(!(in(0x61) & 0x20));
	ck_assert_uint_eq(latch_read(2), 100);   /* counts down by two */
	C.manual = 1000 + ns(100);
	ck_assert(in(0x61) & 0x20);
	/* Odd N: high one tick longer. */
	program(2, 0x06, 5);
	C.manual += ns(2);
	ck_assert(i8254_out(&P, 2));
	C.manual += ns(1);
	ck_assert(!i8254_out(&P, 2));
	/* Gate off in mode 3: OUT high, counting stops. */
	out(0x61, 0x00);
	ck_assert(i8254_out(&P, 2));
	/* Bits 3:2 read back, 7:6 read 0, bit 4 toggles every 15.085 us. */
	out(0x61, 0xfc);
	ck_assert_uint_eq(in(0x61) & 0xcf, 0x0c | 0x00);
	C.manual = 0;
	ck_assert_uint_eq(in(0x61) & 0x10, 0);
	C.manual = PIT_REFRESH_NS;
	ck_assert_uint_eq(in(0x61) & 0x10, 0x10);
	/* The control port reads 0. */
	ck_assert_uint_eq(in(0x43), 0);
}
END_TEST

START_TEST(mode0_gate_pauses_channel2)
{
	program(2, 0x00, 1000);
	ck_assert_uint_eq(latch_read(2), 1000);      /* gate low: held */
	out(0x61, 0x01);
	C.manual = ns(400);
	ck_assert_uint_eq(latch_read(2), 600);
	out(0x61, 0x00);
	C.manual = ns(900);
	ck_assert_uint_eq(latch_read(2), 600);
	out(0x61, 0x01);
	/* 600 ticks left: terminal count 1500 ticks from the start
	 * (within the nanosecond rounding of the pause). */
	C.manual = ns(1498);
	ck_assert(!(in(0x61) & 0x20));
	ck_assert_uint_le(latch_read(2), 3);
	ck_assert_uint_ge(latch_read(2), 1);
	C.manual = ns(1501);
	ck_assert(in(0x61) & 0x20);                  /* terminal count */
}
END_TEST

START_TEST(read_back_access_modes_bcd)
{
	program(0, 0x04, 300);
	/* Read-back: status and count of channel 0. */
	C.manual = ns(10);
	out(0x43, 0xc2);
	ck_assert_uint_eq(in(0x40), 0x80 | 0x30 | 0x04);   /* OUT, LSB/MSB, mode 2 */
	ck_assert_uint_eq(in16(0x40), 290);
	/* Status only, after a control word: null count until a count. */
	out(0x43, 0x14);                                    /* ch0, LSB, mode 2 */
	out(0x43, 0xe2);
	ck_assert_uint_eq(in(0x40), 0x40 | 0x80 | 0x10 | 0x04);
	out(0x40, 200);                                     /* LSB only */
	out(0x43, 0xe2);
	ck_assert_uint_eq(in(0x40), 0x80 | 0x10 | 0x04);
	C.manual += ns(7);
	ck_assert_uint_eq(in(0x40), 193);
	/* MSB only: the count is v << 8. */
	out(0x43, 0x24);
	out(0x40, 0x02);
	ck_assert_uint_eq(in(0x40), 0x02);
	/* BCD: 0x1000 counts 1000 decimal, reads in BCD; 0 is 10000. */
	out(0x43, 0x35);
	out(0x40, 0x00);
	out(0x40, 0x10);
	C.manual += ns(1);
	ck_assert_uint_eq(latch_read(0), 0x0999);
	out(0x43, 0x31);
	out(0x40, 0);
	out(0x40, 0);
	C.manual += ns(1);
	ck_assert_uint_eq(latch_read(0), 0x9999);
	/* Mode 6 and 7 are modes 2 and 3. */
	out(0x43, 0x3c);
	out(0x43, 0xe2);
	ck_assert_uint_eq((in(0x40) >> 1) & 7, 2);
}
END_TEST

START_TEST(strobes_and_hardware_triggers)
{
	/* Mode 4 on channel 0: a low pulse at N, its rising edge at N+1. */
	program(0, 0x08, 50);
	run_to(ns(50));
	ck_assert(!isa_irq_level(&I, 0));
	ck_assert_uint_eq(P.edges, 0);
	run_to(ns(51));
	ck_assert_uint_eq(P.edges, 1);
	ck_assert_uint_eq(vclock_next_deadline(&C), VCLOCK_NEVER);
	/* Mode 1 on channel 2: nothing until the gate rises. */
	C.manual = 0;
	program(2, 0x02, 20);
	ck_assert(i8254_out(&P, 2));
	C.manual = ns(100);
	ck_assert(i8254_out(&P, 2));
	out(0x61, 0x01);
	ck_assert(!i8254_out(&P, 2));
	C.manual = ns(119);
	ck_assert(!i8254_out(&P, 2));
	C.manual = ns(120);
	ck_assert(i8254_out(&P, 2));
	/* Mode 5: a strobe 20 ticks after the trigger. */
	out(0x61, 0x00);
	program(2, 0x0a, 20);
	out(0x61, 0x01);
	C.manual += ns(20);
	ck_assert(!i8254_out(&P, 2));
	C.manual += ns(1);
	ck_assert(i8254_out(&P, 2));
}
END_TEST

START_TEST(pm_timer)
{
	struct pm_timer t;

	pm_timer_init(&t, &C);
	ck_assert_int_eq(pm_timer_attach(&t, &IO, PM_TIMER_PORT), 0);
	ck_assert_uint_eq(io_bus_read(&IO, PM_TIMER_PORT, 4), 0);
	C.manual = 1000000000;
	ck_assert_uint_eq(io_bus_read(&IO, PM_TIMER_PORT, 4), 3579545);
	C.manual = 5000000000ull;                     /* 24 bits wrap */
	ck_assert_uint_eq(io_bus_read(&IO, PM_TIMER_PORT, 4), 17897725 & 0xffffff);
	ck_assert_uint_eq(io_bus_read(&IO, PM_TIMER_PORT + 1, 1),
			  ((17897725 & 0xffffff) >> 8) & 0xff);
	C.manual = 279;                               /* < one tick */
	ck_assert_uint_eq(io_bus_read(&IO, PM_TIMER_PORT, 4), 0);
	C.manual = 280;
	ck_assert_uint_eq(io_bus_read(&IO, PM_TIMER_PORT, 4), 1);
	io_bus_write(&IO, PM_TIMER_PORT, 4, 0);       /* read-only */
	ck_assert_uint_eq(io_bus_read(&IO, PM_TIMER_PORT, 4), 1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("pit");
	TCase *tc = tcase_create("pit");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, idle_until_programmed);
	tcase_add_test(tc, mode2_rate_generator_irq0);
	tcase_add_test(tc, mode0_interrupt_on_terminal_count);
	tcase_add_test(tc, mode3_square_wave_and_port61);
	tcase_add_test(tc, mode0_gate_pauses_channel2);
	tcase_add_test(tc, read_back_access_modes_bcd);
	tcase_add_test(tc, strobes_and_hardware_triggers);
	tcase_add_test(tc, pm_timer);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
