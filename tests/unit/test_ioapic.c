// SPDX-License-Identifier: MIT
/*
 * The I/O APIC with a real local APIC on the APIC bus: registers through
 * IOREGSEL/IOWIN, edge pins (one message per rising edge, lost while
 * masked), level pins with remote IRR cleared by the local APIC's EOI
 * broadcast or the EOI register, destinations, and the ISA lines' wiring
 * (IRQ 0 -> pin 2).
 */
#include <check.h>
#include <string.h>

#include "devices/ioapic.h"
#include "devices/isa_irq.h"
#include "devices/lapic.h"

static struct lapic L;
static struct vclock C;
static struct apic_bus B;
static struct io_bus M;
static struct ioapic IO;

static void sig(void *opaque, enum cpu_signal s, uint8_t vector)
{
}

static void on_eoi(void *opaque, uint8_t vector)
{
	ioapic_eoi(opaque, vector);
}

static void setup(void)
{
	struct lapic_config lc = { .id = 0, .bsp = true, .maxphyaddr = 39 };

	vclock_init(&C, VCLOCK_VIRTUAL);
	apic_bus_init(&B);
	io_bus_init(&M, "mmio");
	ck_assert_int_eq(lapic_init(&L, &lc, &C, &B, &M, sig, NULL), 0);
	lapic_reg_write(&L, APIC_SPIV, APIC_SPIV_ENABLE | 0xff);
	ioapic_init(&IO, &B);
	B.eoi = on_eoi;
	B.eoi_opaque = &IO;
	ck_assert_int_eq(ioapic_attach(&IO, &M, IOAPIC_DEFAULT_BASE), 0);
}

static void teardown(void)
{
	lapic_destroy(&L);
}

static uint32_t rd(unsigned reg)
{
	io_bus_write(&M, IOAPIC_DEFAULT_BASE, 1, reg);
	return (uint32_t)io_bus_read(&M, IOAPIC_DEFAULT_BASE + 0x10, 4);
}

static void wr(unsigned reg, uint32_t v)
{
	io_bus_write(&M, IOAPIC_DEFAULT_BASE, 1, reg);
	io_bus_write(&M, IOAPIC_DEFAULT_BASE + 0x10, 4, v);
}

static void route(unsigned pin, uint64_t re)
{
	wr(0x11 + 2 * pin, (uint32_t)(re >> 32));
	wr(0x10 + 2 * pin, (uint32_t)re);
}

static int take(void)
{
	int v = lapic_intc_ops.pending(&L);

	if (v >= 0)
		ck_assert_int_eq(lapic_intc_ops.ack(&L), v);
	return v;
}

static void eoi(void)
{
	lapic_reg_write(&L, APIC_EOI, 0);
}

START_TEST(registers)
{
	for (unsigned pin = 0; pin < IOAPIC_PINS; pin++) {
		ck_assert_uint_eq(rd(0x10 + 2 * pin), 0x10000);
		ck_assert_uint_eq(rd(0x11 + 2 * pin), 0);
	}
	ck_assert_uint_eq(rd(IOAPIC_REG_VER), 0x00170020);
	ck_assert_uint_eq(rd(IOAPIC_REG_ID), 0);
	wr(IOAPIC_REG_ID, 0xffffffff);
	ck_assert_uint_eq(rd(IOAPIC_REG_ID), 0x0f000000);
	ck_assert_uint_eq(rd(IOAPIC_REG_ARB), 0x0f000000);
	wr(IOAPIC_REG_VER, 0);
	ck_assert_uint_eq(rd(IOAPIC_REG_VER), 0x00170020);
	/* Beyond the table: reads 0, writes go nowhere. */
	wr(0x10 + 2 * IOAPIC_PINS, 0x1234);
	ck_assert_uint_eq(rd(0x10 + 2 * IOAPIC_PINS), 0);
	/* IOREGSEL reads back; IOWIN takes 32-bit accesses only; the window
	 * repeats every 256 bytes. */
	io_bus_write(&M, IOAPIC_DEFAULT_BASE, 4, 0x1ab);
	ck_assert_uint_eq(io_bus_read(&M, IOAPIC_DEFAULT_BASE, 4), 0xab);
	wr(0x12, 0x00012834);
	io_bus_write(&M, IOAPIC_DEFAULT_BASE, 1, 0x12);
	ck_assert_uint_eq(io_bus_read(&M, IOAPIC_DEFAULT_BASE + 0x10, 2), 0);
	ck_assert_uint_eq(io_bus_read(&M, IOAPIC_DEFAULT_BASE + 0x110, 4), 0x12834);
	io_bus_write(&M, IOAPIC_DEFAULT_BASE + 0x10, 1, 0x99);
	ck_assert_uint_eq(rd(0x12), 0x12834);
	/* Delivery status and remote IRR are read-only; the rest is kept. */
	wr(0x12, 0xffffffff);
	ck_assert_uint_eq(rd(0x12), 0xffffafff);
	wr(0x13, 0xff000000);
	ck_assert_uint_eq(rd(0x13), 0xff000000);
	ioapic_reset(&IO);
	ck_assert_uint_eq(rd(0x12), 0x10000);
}
END_TEST

START_TEST(edge_one_message_per_rising_edge)
{
	route(5, 0x40);
	ioapic_set_irq(&IO, 5, true);
	ck_assert_int_eq(take(), 0x40);
	ioapic_set_irq(&IO, 5, true);          /* still high: no edge */
	ck_assert_int_eq(take(), -1);
	eoi();
	ioapic_set_irq(&IO, 5, false);
	ck_assert_int_eq(take(), -1);
	ioapic_set_irq(&IO, 5, true);
	ck_assert_int_eq(take(), 0x40);
	eoi();
	ck_assert_uint_eq(IO.messages, 2);
	/* Edge vectors are not in TMR: their EOI is not broadcast. */
	ck_assert_uint_eq(rd(0x10 + 2 * 5) & IOAPIC_RE_REMOTE_IRR, 0);
}
END_TEST

START_TEST(edge_on_masked_pin_is_lost)
{
	route(5, 0x40 | IOAPIC_RE_MASKED);
	ioapic_set_irq(&IO, 5, true);
	route(5, 0x40);
	ck_assert_int_eq(take(), -1);
	ck_assert_uint_eq(IO.messages, 0);
	ioapic_set_irq(&IO, 5, false);
	ioapic_set_irq(&IO, 5, true);
	ck_assert_int_eq(take(), 0x40);
}
END_TEST

START_TEST(level_remote_irr_and_eoi_broadcast)
{
	route(10, 0x50 | IOAPIC_RE_LEVEL);
	ioapic_set_irq(&IO, 10, true);
	ck_assert_uint_eq(rd(0x10 + 20), 0x50 | IOAPIC_RE_LEVEL | IOAPIC_RE_REMOTE_IRR);
	ck_assert_int_eq(take(), 0x50);
	ck_assert(lapic_vec_test(&L, APIC_TMR, 0x50));
	/* Still asserted, remote IRR set: nothing new. */
	ioapic_set_irq(&IO, 10, true);
	ck_assert_uint_eq(IO.messages, 1);
	/* The EOI clears remote IRR and the asserted pin sends again. */
	eoi();
	ck_assert_uint_eq(IO.messages, 2);
	ck_assert_int_eq(take(), 0x50);
	ck_assert(rd(0x10 + 20) & IOAPIC_RE_REMOTE_IRR);
	/* Deasserted before the EOI: remote IRR clears, nothing is sent. */
	ioapic_set_irq(&IO, 10, false);
	eoi();
	ck_assert_uint_eq(rd(0x10 + 20), 0x50 | IOAPIC_RE_LEVEL);
	ck_assert_uint_eq(IO.messages, 2);
	ck_assert_int_eq(take(), -1);
}
END_TEST

START_TEST(level_masked_then_unmasked_and_eoi_register)
{
	route(11, 0x60 | IOAPIC_RE_LEVEL | IOAPIC_RE_MASKED);
	ioapic_set_irq(&IO, 11, true);
	ck_assert_uint_eq(IO.messages, 0);
	route(11, 0x60 | IOAPIC_RE_LEVEL);      /* unmasking delivers */
	ck_assert_uint_eq(IO.messages, 1);
	ck_assert_int_eq(take(), 0x60);
	/* The EOI register (version 0x20) names the vector. */
	io_bus_write(&M, IOAPIC_DEFAULT_BASE + 0x40, 4, 0x61);
	ck_assert(rd(0x10 + 22) & IOAPIC_RE_REMOTE_IRR);
	io_bus_write(&M, IOAPIC_DEFAULT_BASE + 0x40, 4, 0x60);
	ck_assert_uint_eq(IO.messages, 2);     /* still asserted */
	/* Switching the entry to edge clears remote IRR (Linux's trick). */
	route(11, 0x60 | IOAPIC_RE_MASKED);
	ck_assert_uint_eq(rd(0x10 + 22) & IOAPIC_RE_REMOTE_IRR, 0);
}
END_TEST

START_TEST(destinations_and_modes)
{
	struct isa_irq isa;

	/* Physical destination 1: no such APIC. */
	route(3, 0x44 | (1ull << 56));
	ioapic_set_irq(&IO, 3, true);
	ck_assert_int_eq(take(), -1);
	ck_assert_uint_eq(IO.messages, 1);
	/* Logical, flat: LDR bit 0 set matches destination 0x01. */
	lapic_reg_write(&L, APIC_LDR, 0x01000000);
	route(4, 0x45 | (1u << 11) | (1ull << 56));
	ioapic_set_irq(&IO, 4, true);
	ck_assert_int_eq(take(), 0x45);
	eoi();
	/* Lowest priority to the broadcast destination. */
	route(6, 0x46 | (1u << 8) | (0xffull << 56));
	ioapic_set_irq(&IO, 6, true);
	ck_assert_int_eq(take(), 0x46);
	eoi();
	/* ISA IRQ 0 is pin 2; IRQ 2 itself has no ISA source. */
	isa_irq_init(&isa, NULL, &IO);
	route(2, 0x30);
	route(0, 0x31);
	isa_irq_set(&isa, 0, true);
	ck_assert_int_eq(take(), 0x30);
	ck_assert_uint_eq(isa_irq_gsi(0), 2);
	ck_assert_uint_eq(isa_irq_gsi(9), 9);
	isa_irq_set(&isa, 24, true);            /* no such line: ignored */
	ck_assert_uint_eq(isa.levels, 1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ioapic");
	TCase *tc = tcase_create("ioapic");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, registers);
	tcase_add_test(tc, edge_one_message_per_rising_edge);
	tcase_add_test(tc, edge_on_masked_pin_is_lost);
	tcase_add_test(tc, level_remote_irr_and_eoi_broadcast);
	tcase_add_test(tc, level_masked_then_unmasked_and_eoi_register);
	tcase_add_test(tc, destinations_and_modes);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
