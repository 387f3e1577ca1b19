// SPDX-License-Identifier: MIT
/*
 * The 8259A pair through its ports: the initialisation sequence,
 * masking, priorities and rotation, EOI commands, automatic EOI, the
 * cascade, edge and level (ELCR) triggering, special mask and special
 * fully nested modes, poll mode and spurious interrupts; the ISA lines'
 * wiring and FERR#/port 0xF0.
 */
#include <check.h>
#include <string.h>

#include "devices/i8259.h"
#include "devices/isa_irq.h"

static struct i8259 P;
static struct io_bus IO;
static unsigned intr_calls;

static void on_intr(void *opaque)
{
	intr_calls++;
}

static void out(uint16_t port, uint8_t v)
{
	io_bus_write(&IO, port, 1, v);
}

static uint8_t in(uint16_t port)
{
	return (uint8_t)io_bus_read(&IO, port, 1);
}

/* Linux's and SeaBIOS's sequence: master at base, slave at base + 8,
 * cascade on IR2, 8086 mode; icw4 lets a test add AEOI/SFNM. */
static void init_pair(uint8_t base, uint8_t icw4)
{
	out(0x20, 0x11);
	out(0x21, base);
	out(0x21, 0x04);
	out(0x21, icw4);
	out(0xa0, 0x11);
	out(0xa1, base + 8);
	out(0xa1, 0x02);
	out(0xa1, 0x01);
}

static void setup(void)
{
	intr_calls = 0;
	io_bus_init(&IO, "pio");
	i8259_init(&P, on_intr, NULL);
	ck_assert_int_eq(i8259_attach(&P, &IO), 0);
	init_pair(0x20, 0x01);
}

static void pulse(unsigned irq)
{
	i8259_set_irq(&P, irq, true);
	i8259_set_irq(&P, irq, false);
}

static uint8_t isr(uint16_t port)
{
	out(port, 0x0b);
	return in(port);
}

static uint8_t irr(uint16_t port)
{
	out(port, 0x0a);
	return in(port);
}

START_TEST(init_and_one_interrupt)
{
	ck_assert_int_eq(i8259_pending(&P), -1);
	ck_assert_uint_eq(in(0x21), 0);          /* ICW1 cleared the mask */
	pulse(1);
	ck_assert_uint_ge(intr_calls, 1);
	ck_assert_uint_eq(irr(0x20), 0x02);      /* edge: latched after the line fell */
	ck_assert_int_eq(i8259_pending(&P), 0x21);
	ck_assert_int_eq(i8259_pending(&P), 0x21);   /* no side effect */
	ck_assert_int_eq(i8259_ack(&P), 0x21);
	ck_assert_uint_eq(irr(0x20), 0);
	ck_assert_uint_eq(isr(0x20), 0x02);
	ck_assert_int_eq(i8259_pending(&P), -1);
	out(0x20, 0x20);                          /* non-specific EOI */
	ck_assert_uint_eq(isr(0x20), 0);
	/* The vector base ignores ICW2's low 3 bits. */
	out(0x20, 0x11);
	out(0x21, 0x37);
	out(0x21, 0x04);
	out(0x21, 0x01);
	pulse(3);
	ck_assert_int_eq(i8259_ack(&P), 0x33);
}
END_TEST

START_TEST(mask_and_priority)
{
	out(0x21, 0x08);                          /* mask IRQ 3 */
	ck_assert_uint_eq(in(0x21), 0x08);
	pulse(3);
	ck_assert_int_eq(i8259_pending(&P), -1);
	ck_assert_uint_eq(intr_calls, 0);
	pulse(5);
	ck_assert_int_eq(i8259_ack(&P), 0x25);
	/* IRQ 3 unmasked: higher priority than 5 in service, it nests. */
	out(0x21, 0x00);
	ck_assert_int_eq(i8259_ack(&P), 0x23);
	ck_assert_uint_eq(isr(0x20), 0x28);
	/* IRQ 6 waits for both. */
	pulse(6);
	ck_assert_int_eq(i8259_pending(&P), -1);
	out(0x20, 0x20);                          /* retires 3, the highest */
	ck_assert_uint_eq(isr(0x20), 0x20);
	ck_assert_int_eq(i8259_pending(&P), -1);
	out(0x20, 0x65);                          /* specific EOI of 5 */
	ck_assert_int_eq(i8259_ack(&P), 0x26);
}
END_TEST

START_TEST(cascade)
{
	pulse(10);
	ck_assert_uint_eq(irr(0xa0), 0x04);
	ck_assert_uint_eq(irr(0x20), 0x04);
	ck_assert_int_eq(i8259_pending(&P), 0x2a);
	ck_assert_int_eq(i8259_ack(&P), 0x2a);
	ck_assert_uint_eq(isr(0x20), 0x04);
	ck_assert_uint_eq(isr(0xa0), 0x04);
	/* Masking IR2 on the master hides the whole slave. */
	out(0x21, 0x04);
	pulse(12);
	ck_assert_int_eq(i8259_pending(&P), -1);
	out(0x21, 0x00);
	/* IRQ 12 is below IRQ 10 on the slave and IR2 is in service. */
	ck_assert_int_eq(i8259_pending(&P), -1);
	out(0xa0, 0x20);
	out(0x20, 0x20);
	ck_assert_int_eq(i8259_ack(&P), 0x2c);
	/* The slave's mask. */
	out(0xa0, 0x20);
	out(0x20, 0x20);
	out(0xa1, 0x01);
	pulse(8);
	ck_assert_int_eq(i8259_pending(&P), -1);
	ck_assert_uint_eq(in(0xa1), 0x01);
}
END_TEST

START_TEST(level_triggered_via_elcr)
{
	out(0xd0 + 0x400, 0xff);
	out(0xd1 + 0x400, 0xff);
	ck_assert_uint_eq(in(0x4d0), 0xf8);
	ck_assert_uint_eq(in(0x4d1), 0xde);
	i8259_set_irq(&P, 9, true);
	ck_assert_int_eq(i8259_ack(&P), 0x29);
	/* IRR follows the line; after the EOIs it is presented again. */
	ck_assert_uint_eq(irr(0xa0), 0x02);
	out(0xa0, 0x20);
	out(0x20, 0x20);
	ck_assert_int_eq(i8259_pending(&P), 0x29);
	/* Withdrawn before the INTA: the master's IR2 edge is latched, the
	 * slave has nothing, so the INTA returns the slave's IR7 (spurious
	 * IRQ 15) and nothing goes in service. */
	i8259_set_irq(&P, 9, false);
	ck_assert_uint_eq(irr(0xa0), 0);
	ck_assert_int_eq(i8259_pending(&P), 0x2f);
	ck_assert_int_eq(i8259_ack(&P), 0x2f);
	ck_assert_uint_eq(isr(0xa0), 0);
	ck_assert_uint_eq(isr(0x20), 0x04);
	ck_assert_uint_eq(P.spurious, 1);
	out(0x20, 0x20);
	ck_assert_int_eq(i8259_pending(&P), -1);
	/* Edge IRQ 1: the edge stays latched after the line falls. */
	pulse(1);
	ck_assert_int_eq(i8259_pending(&P), 0x21);
	/* A line that is high when it turns level requests. */
	i8259_set_irq(&P, 11, true);
	ck_assert_int_eq(i8259_ack(&P), 0x21);
	out(0x20, 0x20);
	ck_assert_int_eq(i8259_ack(&P), 0x2b);
}
END_TEST

START_TEST(auto_eoi_and_rotation)
{
	init_pair(0x20, 0x03);                    /* AEOI on the master */
	pulse(4);
	ck_assert_int_eq(i8259_ack(&P), 0x24);
	ck_assert_uint_eq(isr(0x20), 0);
	/* Rotate in AEOI mode: 4 becomes the lowest, so 5 beats 1. */
	out(0x20, 0x80);
	pulse(4);
	ck_assert_int_eq(i8259_ack(&P), 0x24);
	pulse(1);
	pulse(5);
	ck_assert_int_eq(i8259_ack(&P), 0x25);
	ck_assert_int_eq(i8259_ack(&P), 0x21);
	/* Set priority: IR 6 the lowest, 7 the highest. */
	init_pair(0x20, 0x01);
	out(0x20, 0xc6);
	pulse(0);
	pulse(7);
	ck_assert_int_eq(i8259_ack(&P), 0x27);
	/* Rotate on non-specific EOI retires 7 and makes it the lowest. */
	out(0x20, 0xa0);
	ck_assert_uint_eq(isr(0x20), 0);
	pulse(7);
	ck_assert_int_eq(i8259_ack(&P), 0x20);
	ck_assert_int_eq(i8259_pending(&P), -1);  /* 7 < 0 in service */
	/* Rotate on specific EOI of 0: IR 1 the highest. */
	out(0x20, 0xe0);
	ck_assert_int_eq(i8259_ack(&P), 0x27);
}
END_TEST

START_TEST(special_modes_poll_spurious)
{
	/* Special mask mode: IR 3 in service and masked lets IR 5 in. */
	pulse(3);
	ck_assert_int_eq(i8259_ack(&P), 0x23);
	pulse(5);
	ck_assert_int_eq(i8259_pending(&P), -1);
	out(0x21, 0x08);
	out(0x20, 0x68);                          /* OCW3: SMM on */
	ck_assert_int_eq(i8259_ack(&P), 0x25);
	out(0x20, 0x48);                          /* SMM off */
	out(0x20, 0x65);
	out(0x20, 0x63);
	out(0x21, 0x00);
	/* Poll: the read is the INTA. */
	pulse(6);
	out(0x20, 0x0c);
	ck_assert_uint_eq(in(0x20), 0x86);
	ck_assert_uint_eq(isr(0x20), 0x40);
	out(0x20, 0x0c);
	ck_assert_uint_eq(in(0x21), 0x00);        /* nothing: 0 */
	out(0x20, 0x20);
	/* Spurious: INTA with nothing pending is IR7, ISR untouched. */
	ck_assert_int_eq(i8259_ack(&P), 0x27);
	ck_assert_uint_eq(isr(0x20), 0);
	ck_assert_uint_eq(P.spurious, 1);
	/* Special fully nested: a higher slave IRQ nests in the slave. */
	init_pair(0x20, 0x11);
	pulse(12);
	ck_assert_int_eq(i8259_ack(&P), 0x2c);
	pulse(9);
	ck_assert_int_eq(i8259_ack(&P), 0x29);
	/* A word access reaches both ports: 0x21 is the high byte. */
	io_bus_write(&IO, 0x20, 2, 0xfe00 | 0x0b);
	ck_assert_uint_eq(in(0x21), 0xfe);
	ck_assert_uint_eq(io_bus_read(&IO, 0x20, 2), 0xfe04);
}
END_TEST

START_TEST(isa_lines_and_ferr)
{
	struct isa_irq isa;

	isa_irq_init(&isa, &P, NULL);
	ck_assert_int_eq(isa_irq_attach(&isa, &IO), 0);
	isa_irq_set(&isa, 0, true);
	ck_assert_int_eq(i8259_ack(&P), 0x20);   /* IRQ 0 is the PIC's IR0 */
	out(0x20, 0x20);
	isa_irq_ferr(&isa);
	ck_assert(isa_irq_level(&isa, 13));
	ck_assert_int_eq(i8259_ack(&P), 0x2d);
	io_bus_write(&IO, 0xf0, 1, 0);
	ck_assert(!isa_irq_level(&isa, 13));
	ck_assert_uint_eq(isa.ferr_raised, 1);
	/* Lines 16-23 have no 8259 input. */
	isa_irq_set(&isa, 17, true);
	ck_assert(isa_irq_level(&isa, 17));
	ck_assert_int_eq(i8259_pending(&P), -1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("pic");
	TCase *tc = tcase_create("pic");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, init_and_one_interrupt);
	tcase_add_test(tc, mask_and_priority);
	tcase_add_test(tc, cascade);
	tcase_add_test(tc, level_triggered_via_elcr);
	tcase_add_test(tc, auto_eoi_and_rotation);
	tcase_add_test(tc, special_modes_poll_spurious);
	tcase_add_test(tc, isa_lines_and_ferr);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
