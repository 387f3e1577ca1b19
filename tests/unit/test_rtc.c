// SPDX-License-Identifier: MIT
/*
 * The MC146818 RTC and CMOS RAM on a manually driven virtual clock: the
 * reset state, the date from the epoch, BCD/binary and 12/24 hours,
 * setting the time under SET, UIP, the periodic, update-ended and alarm
 * interrupts on IRQ 8 with register C, the NMI mask bit, CMOS RAM, and
 * --rtc-base's date parser.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "devices/mc146818.h"

#define S 1000000000ull

static struct vclock C;
static struct isa_irq I;
static struct mc146818 R;
static struct io_bus IO;

static void setup(void)
{
	vclock_init(&C, VCLOCK_VIRTUAL);
	io_bus_init(&IO, "pio");
	isa_irq_init(&I, NULL, NULL);
	mc146818_init(&R, &C, &I, RTC_DEFAULT_BASE);
	ck_assert_int_eq(mc146818_attach(&R, &IO), 0);
}

static void teardown(void)
{
	mc146818_destroy(&R);
}

static uint8_t rd(uint8_t idx)
{
	io_bus_write(&IO, 0x70, 1, idx);
	return (uint8_t)io_bus_read(&IO, 0x71, 1);
}

static void wr(uint8_t idx, uint8_t v)
{
	io_bus_write(&IO, 0x70, 1, idx);
	io_bus_write(&IO, 0x71, 1, v);
}

static void run_to(uint64_t t)
{
	while (vclock_next_deadline(&C) <= t) {
		C.manual = vclock_next_deadline(&C);
		vclock_run_due(&C, C.manual);
	}
	C.manual = t;
}

/* "YY-MM-DD hh:mm:ss wN" as the registers read (BCD assumed). */
static void expect_time(const char *want)
{
	char got[64];

	snprintf(got, sizeof(got), "%02x%02x-%02x-%02x %02x:%02x:%02x w%x",
		 rd(RTC_CENTURY), rd(RTC_YEAR), rd(RTC_MONTH), rd(RTC_MDAY),
		 rd(RTC_HOUR), rd(RTC_MIN), rd(RTC_SEC), rd(RTC_WDAY));
	ck_assert_str_eq(got, want);
}

START_TEST(reset_state_and_date)
{
	ck_assert_uint_eq(rd(RTC_REG_A), 0x26);
	ck_assert_uint_eq(rd(RTC_REG_B), 0x02);
	ck_assert_uint_eq(rd(RTC_REG_C), 0x00);
	ck_assert_uint_eq(rd(RTC_REG_D), 0x80);
	expect_time("2025-01-01 00:00:00 w4");        /* a Wednesday */
	C.manual = 3661 * S + S / 2;
	expect_time("2025-01-01 01:01:01 w4");
	C.manual = (31 + 28) * 86400ull * S + 13 * 3600 * S;
	expect_time("2025-03-01 13:00:00 w7");
	/* Binary, 12 hours: 1 PM is 0x81. */
	wr(RTC_REG_B, RTC_B_DM);
	ck_assert_uint_eq(rd(RTC_HOUR), 0x81);
	ck_assert_uint_eq(rd(RTC_MONTH), 3);
	ck_assert_uint_eq(rd(RTC_YEAR), 25);
	ck_assert_uint_eq(rd(RTC_CENTURY), 20);
	/* BCD, 12 hours; midnight is 12 AM. */
	wr(RTC_REG_B, 0);
	ck_assert_uint_eq(rd(RTC_HOUR), 0x81);
	C.manual = 0;
	ck_assert_uint_eq(rd(RTC_HOUR), 0x12);
	ck_assert_int_eq(mc146818_time(&R), RTC_DEFAULT_BASE);
}
END_TEST

START_TEST(set_time_under_set)
{
	C.manual = 10 * S;
	wr(RTC_REG_B, RTC_B_SET | RTC_B_24H | RTC_B_UIE);
	ck_assert_uint_eq(rd(RTC_REG_B), RTC_B_SET | RTC_B_24H);  /* UIE cleared */
	wr(RTC_CENTURY, 0x20);
	wr(RTC_YEAR, 0x99);
	wr(RTC_MONTH, 0x12);
	wr(RTC_MDAY, 0x31);
	wr(RTC_HOUR, 0x23);
	wr(RTC_MIN, 0x59);
	wr(RTC_SEC, 0x58);
	C.manual = 20 * S;                             /* stopped: no change */
	expect_time("2099-12-31 23:59:58 w5");
	ck_assert_uint_eq(rd(RTC_REG_A) & RTC_A_UIP, 0);
	wr(RTC_REG_B, RTC_B_24H);                     /* runs from here */
	C.manual = 21 * S;
	expect_time("2099-12-31 23:59:59 w5");
	C.manual = 22 * S - 1;
	ck_assert(rd(RTC_REG_A) & RTC_A_UIP);          /* the last 244 us */
	C.manual = 22 * S - RTC_UIP_NS - 1;
	ck_assert_uint_eq(rd(RTC_REG_A) & RTC_A_UIP, 0);
	C.manual = 22 * S;
	expect_time("2100-01-01 00:00:00 w6");
	/* A time write while running also restarts the second. */
	C.manual = 22 * S + S / 2;
	wr(RTC_SEC, 0x30);
	C.manual = 23 * S + S / 2 - 1;
	ck_assert_uint_eq(rd(RTC_SEC), 0x30);
	C.manual = 23 * S + S / 2;
	ck_assert_uint_eq(rd(RTC_SEC), 0x31);
	/* The divider held (DV 110) stops the time too. */
	wr(RTC_REG_A, 0x66);
	C.manual += 5 * S;
	ck_assert_uint_eq(rd(RTC_SEC), 0x31);
	wr(RTC_REG_A, 0x26);
	/* The day of week is derived from the date. */
	wr(RTC_WDAY, 0x01);
	ck_assert_uint_eq(rd(RTC_WDAY), 6);
}
END_TEST

START_TEST(periodic_interrupt)
{
	/* RS 6: 1024 Hz, 32 cycles of 32.768 kHz. */
	const uint64_t period = vclock_ticks_to_ns(32, 32768);

	ck_assert_uint_eq(vclock_next_deadline(&C), VCLOCK_NEVER);
	wr(RTC_REG_B, RTC_B_24H | RTC_B_PIE);
	ck_assert_uint_eq(vclock_next_deadline(&C), period);
	run_to(period - 1);
	ck_assert(!isa_irq_level(&I, RTC_IRQ));
	run_to(period);
	ck_assert(isa_irq_level(&I, RTC_IRQ));
	/* Pending: nothing armed until C is read. */
	ck_assert_uint_eq(vclock_next_deadline(&C), VCLOCK_NEVER);
	run_to(10 * period);
	ck_assert_uint_eq(rd(RTC_REG_C), RTC_C_IRQF | RTC_C_PF);
	ck_assert(!isa_irq_level(&I, RTC_IRQ));
	ck_assert_uint_eq(rd(RTC_REG_C), 0);
	ck_assert_uint_eq(vclock_next_deadline(&C), vclock_ticks_to_ns(11 * 32, 32768));
	run_to(11 * period);
	ck_assert_uint_eq(R.interrupts, 2);
	rd(RTC_REG_C);
	/* RS 15: 2 Hz; RS 1 is the same as RS 8 (256 Hz). */
	wr(RTC_REG_A, 0x2f);
	ck_assert_uint_eq(vclock_next_deadline(&C), S / 2 * ((11 * period) / (S / 2) + 1));
	wr(RTC_REG_A, 0x21);
	ck_assert_uint_eq(vclock_next_deadline(&C) % vclock_ticks_to_ns(128, 32768), 0);
	/* PF is set without PIE, but raises no IRQ. */
	wr(RTC_REG_B, RTC_B_24H);
	ck_assert_uint_eq(vclock_next_deadline(&C), VCLOCK_NEVER);
	C.manual += S;
	ck_assert_uint_eq(rd(RTC_REG_C), RTC_C_PF | RTC_C_UF);
	ck_assert(!isa_irq_level(&I, RTC_IRQ));
	/* Enabling an interrupt whose flag is already set raises IRQF. */
	C.manual += S;
	wr(RTC_REG_B, RTC_B_24H | RTC_B_UIE);
	ck_assert(isa_irq_level(&I, RTC_IRQ));
	wr(RTC_REG_B, RTC_B_24H);
	ck_assert(!isa_irq_level(&I, RTC_IRQ));
}
END_TEST

START_TEST(update_and_alarm_interrupts)
{
	/* PF is set at the periodic rate whatever PIE says; RS 0 has none. */
	C.manual = S / 8;
	ck_assert_uint_eq(rd(RTC_REG_C), RTC_C_PF);
	wr(RTC_REG_A, 0x20);
	C.manual = S / 4;
	ck_assert_uint_eq(rd(RTC_REG_C), 0);
	wr(RTC_REG_B, RTC_B_24H | RTC_B_UIE);
	ck_assert_uint_eq(vclock_next_deadline(&C), S);
	run_to(S);
	ck_assert_uint_eq(rd(RTC_REG_C), RTC_C_IRQF | RTC_C_UF);
	/* Alarm at 00:00:05 (BCD), update interrupts off. */
	wr(RTC_SEC_ALARM, 0x05);
	wr(RTC_MIN_ALARM, 0x00);
	wr(RTC_HOUR_ALARM, 0x00);
	wr(RTC_REG_B, RTC_B_24H | RTC_B_AIE);
	run_to(5 * S - 1);
	ck_assert(!isa_irq_level(&I, RTC_IRQ));
	run_to(5 * S);
	ck_assert(isa_irq_level(&I, RTC_IRQ));
	ck_assert_uint_eq(rd(RTC_REG_C), RTC_C_IRQF | RTC_C_AF | RTC_C_UF);
	/* "Don't care" seconds and minutes: every second of hour 0. */
	wr(RTC_SEC_ALARM, 0xc0);
	wr(RTC_MIN_ALARM, 0xff);
	run_to(6 * S);
	ck_assert_uint_eq(rd(RTC_REG_C), RTC_C_IRQF | RTC_C_AF | RTC_C_UF);
	/* Hour 1 alarm seen lazily after a long gap without AIE. */
	wr(RTC_REG_B, RTC_B_24H);
	wr(RTC_HOUR_ALARM, 0x01);
	C.manual = 7200 * S;
	ck_assert_uint_eq(rd(RTC_REG_C), RTC_C_AF | RTC_C_UF);
	C.manual = 7201 * S;
	ck_assert_uint_eq(rd(RTC_REG_C), RTC_C_UF);
}
END_TEST

START_TEST(cmos_ram_and_index_port)
{
	wr(0x40, 0x5a);
	wr(0x7f, 0xa5);
	ck_assert_uint_eq(rd(0x40), 0x5a);
	ck_assert_uint_eq(rd(0x7f), 0xa5);
	ck_assert_uint_eq(rd(0xc0), 0x5a);            /* bit 7 is the NMI mask */
	ck_assert(R.nmi_masked);
	rd(0x40);
	ck_assert(!R.nmi_masked);
	ck_assert_uint_eq(io_bus_read(&IO, 0x70, 1), 0xff);
	/* C and D are read-only; A's UIP bit too. */
	wr(RTC_REG_D, 0);
	ck_assert_uint_eq(rd(RTC_REG_D), 0x80);
	wr(RTC_REG_A, 0xa6);
	ck_assert_uint_eq(rd(RTC_REG_A), 0x26);
}
END_TEST

START_TEST(parse_dates)
{
	int64_t t;

	ck_assert(rtc_parse_date("2025-01-01", &t));
	ck_assert_int_eq(t, RTC_DEFAULT_BASE);
	ck_assert(rtc_parse_date("1970-01-01T00:00:00", &t));
	ck_assert_int_eq(t, 0);
	ck_assert(rtc_parse_date("2000-02-29T12:34:56", &t));
	ck_assert_int_eq(t, 951827696);
	ck_assert(rtc_parse_date("1900-03-01", &t));
	ck_assert_int_eq(t, -2203891200ll);
	ck_assert(!rtc_parse_date("2025-02-29", &t));
	ck_assert(!rtc_parse_date("2025-01-01T24:00:00", &t));
	ck_assert(!rtc_parse_date("2025-01-01 00:00:00", &t));
	ck_assert(!rtc_parse_date("2025-01-01T00:00", &t));
	ck_assert(!rtc_parse_date("1899-12-31", &t));
	ck_assert(!rtc_parse_date("now", &t));
	ck_assert(!rtc_parse_date("2025-01-01T00:00:00x", &t));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("rtc");
	TCase *tc = tcase_create("rtc");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, reset_state_and_date);
	tcase_add_test(tc, set_time_under_set);
	tcase_add_test(tc, periodic_interrupt);
	tcase_add_test(tc, update_and_alarm_interrupts);
	tcase_add_test(tc, cmos_ram_and_index_port);
	tcase_add_test(tc, parse_dates);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
