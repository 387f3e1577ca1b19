// SPDX-License-Identifier: MIT
/*
 * The debugger's watchpoints (engine_ops.set_debug, debug.c) on every
 * path the interpreter reads or writes guest memory by: plain operands,
 * the FXSAVE/XSAVE area (fxsave.c maps it itself), string I/O (INS/OUTS),
 * implicit descriptor-table and IDT reads, and what is not an access
 * (CLFLUSH, instruction fetch).  A hit stops the run after the
 * instruction with the watchpoint's kind and the access's kind
 * (docs/gdb.md "What is watched").
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "sysutil.h"

static struct harness h;
static struct io_bus pio;
static uint8_t port_byte;

static uint64_t port_read(void *opaque, uint64_t off, unsigned size)
{
	(void)opaque;
	(void)off;
	(void)size;
	return port_byte;
}

static void port_write(void *opaque, uint64_t off, unsigned size, uint64_t v)
{
	(void)opaque;
	(void)off;
	(void)size;
	port_byte = (uint8_t)v;
}

static void setup(void)
{
	struct io_handler dev = { "port", port_read, port_write, NULL };

	h_init(&h);
	io_bus_init(&pio, "pio");
	ck_assert_int_eq(io_bus_register(&pio, 0x80, 1, &dev), 0);
	h.ip->cfg.pio = &pio;
	port_byte = 0x5a;
	cpu_model_set(&h.ip->cfg.model, X86_FEAT_SSE, true);
	h.s->cr4 |= CR4_OSFXSR | CR4_OSXSAVE;
}

static void teardown(void)
{
	h_fini(&h);
}

/* One watchpoint of kind on [lin, lin+len). */
static void watch(uint64_t lin, uint64_t len, unsigned kind)
{
	struct engine_debug d = { .n_wp = 1 };

	d.wp[0] = (struct engine_watch){ .addr = lin, .len = len, .kind = kind };
	h.eng->ops->set_debug(h.eng, &d);
}

/* Run code (ending in HLT) at H_CODE with a watchpoint set before. */
static enum engine_exit_reason run(const void *code, size_t len)
{
	return su_run(&h, code, len, 100);
}

/* The run stopped on the watchpoint right after the instruction that
 * ends at H_CODE + next, by an access of access_kind. */
static void expect_hit(enum engine_exit_reason r, uint64_t addr,
		       unsigned access_kind, unsigned wp_kind, uint64_t next)
{
	ck_assert_int_eq(r, ENGINE_EXIT_DEBUG);
	ck_assert_int_eq(h.exit.hit.kind, ENGINE_HIT_WATCH);
	ck_assert_uint_eq(h.exit.hit.addr, addr);
	ck_assert_uint_eq(h.exit.hit.watch_kind, access_kind);
	ck_assert_uint_eq(h.exit.hit.wp_kind, wp_kind);
	ck_assert_uint_eq(h.s->rip, H_CODE + next);
}

static void expect_no_hit(enum engine_exit_reason r)
{
	ck_assert_int_eq(r, ENGINE_EXIT_HLT);
}

/* mov (%rsi), %rax; hlt */
static const uint8_t load[] = { 0x48, 0x8b, 0x06, 0xf4 };
/* mov %rax, (%rsi); hlt */
static const uint8_t store[] = { 0x48, 0x89, 0x06, 0xf4 };

START_TEST(read_write_access_kinds)
{
	G(RSI) = H_DATA + 8;
	watch(H_DATA + 12, 4, ENGINE_WATCH_READ);
	expect_hit(run(load, sizeof(load)), H_DATA + 12, ENGINE_WATCH_READ,
		   ENGINE_WATCH_READ, 3);
	/* A read watchpoint ignores writes, a write watchpoint reads. */
	expect_no_hit(run(store, sizeof(store)));
	watch(H_DATA + 8, 1, ENGINE_WATCH_WRITE);
	expect_no_hit(run(load, sizeof(load)));
	expect_hit(run(store, sizeof(store)), H_DATA + 8, ENGINE_WATCH_WRITE,
		   ENGINE_WATCH_WRITE, 3);
	/* An access watchpoint both, and says which access hit it. */
	watch(H_DATA + 15, 1, ENGINE_WATCH_ACCESS);
	expect_hit(run(load, sizeof(load)), H_DATA + 15, ENGINE_WATCH_READ,
		   ENGINE_WATCH_ACCESS, 3);
	expect_hit(run(store, sizeof(store)), H_DATA + 15, ENGINE_WATCH_WRITE,
		   ENGINE_WATCH_ACCESS, 3);
	/* Next to the range: no hit. */
	watch(H_DATA + 16, 8, ENGINE_WATCH_ACCESS);
	expect_no_hit(run(load, sizeof(load)));
}
END_TEST

/* fxsave (%rsi); hlt  /  fxrstor (%rsi); hlt */
static const uint8_t fxsave[] = { 0x0f, 0xae, 0x06, 0xf4 };
static const uint8_t fxrstor[] = { 0x0f, 0xae, 0x0e, 0xf4 };
/* xsave (%rsi); hlt  /  xrstor (%rsi); hlt */
static const uint8_t xsave[] = { 0x0f, 0xae, 0x26, 0xf4 };
static const uint8_t xrstor[] = { 0x0f, 0xae, 0x2e, 0xf4 };

/* XMM0 in the legacy area: byte 160 (fxarea.h FXA_XMM). */
#define XMM0_AT (H_DATA + 160)

START_TEST(fxsave_area)
{
	G(RSI) = H_DATA;
	watch(XMM0_AT, 16, ENGINE_WATCH_WRITE);
	expect_hit(run(fxsave, sizeof(fxsave)), XMM0_AT, ENGINE_WATCH_WRITE,
		   ENGINE_WATCH_WRITE, 3);
	expect_no_hit(run(fxrstor, sizeof(fxrstor)));
	watch(XMM0_AT, 16, ENGINE_WATCH_READ);
	expect_hit(run(fxrstor, sizeof(fxrstor)), XMM0_AT, ENGINE_WATCH_READ,
		   ENGINE_WATCH_READ, 3);
	/* FXSAVE keeps the reserved bytes by reading them here: that is no
	 * read of the guest's. */
	expect_no_hit(run(fxsave, sizeof(fxsave)));
}
END_TEST

START_TEST(fxsave_area_across_pages)
{
	/* The area's second page: XMM0 at 0x...1000 + 32. */
	G(RSI) = H_DATA + 0x1000 - 128;
	watch(H_DATA + 0x1000 + 32, 8, ENGINE_WATCH_ACCESS);
	expect_hit(run(fxsave, sizeof(fxsave)), H_DATA + 0x1000 + 32,
		   ENGINE_WATCH_WRITE, ENGINE_WATCH_ACCESS, 3);
}
END_TEST

START_TEST(xsave_area)
{
	/* The header's XSTATE_BV (byte 512): written by XSAVE, read by
	 * XRSTOR; EDX:EAX = 3 asks for x87 and SSE. */
	h.s->xcr0 = 3;
	G(RSI) = H_DATA;
	G(RAX) = 3;
	G(RDX) = 0;
	watch(H_DATA + 512, 8, ENGINE_WATCH_READ);
	expect_no_hit(run(xsave, sizeof(xsave)));
	expect_hit(run(xrstor, sizeof(xrstor)), H_DATA + 512, ENGINE_WATCH_READ,
		   ENGINE_WATCH_READ, 3);
	watch(H_DATA + 512, 8, ENGINE_WATCH_WRITE);
	expect_hit(run(xsave, sizeof(xsave)), H_DATA + 512, ENGINE_WATCH_WRITE,
		   ENGINE_WATCH_WRITE, 3);
}
END_TEST

/* insb (port DX to ES:RDI); hlt  /  outsb (DS:RSI to port DX); hlt */
static const uint8_t insb[] = { 0x6c, 0xf4 };
static const uint8_t outsb[] = { 0x6e, 0xf4 };

START_TEST(string_io)
{
	G(RDX) = 0x80;
	G(RDI) = H_DATA + 3;
	G(RSI) = H_DATA + 3;
	watch(H_DATA + 3, 1, ENGINE_WATCH_WRITE);
	expect_hit(run(insb, sizeof(insb)), H_DATA + 3, ENGINE_WATCH_WRITE,
		   ENGINE_WATCH_WRITE, 1);
	ck_assert_uint_eq(h_read64(&h, H_DATA) >> 24 & 0xff, 0x5a);
	watch(H_DATA + 3, 1, ENGINE_WATCH_READ);
	expect_hit(run(outsb, sizeof(outsb)), H_DATA + 3, ENGINE_WATCH_READ,
		   ENGINE_WATCH_READ, 1);
}
END_TEST

/* mov $0x10, %eax; mov %eax, %ds; hlt */
static const uint8_t load_ds[] = { 0xb8, 0x10, 0, 0, 0, 0x8e, 0xd8, 0xf4 };
/* int $0x20; (the handler at H_VEC + 16 * 0x20 halts) */
static const uint8_t int20[] = { 0xcd, 0x20, 0xf4 };

START_TEST(descriptor_tables)
{
	uint64_t gdt = h.s->gdtr.base, idt = h.s->idtr.base;

	/* Loading DS reads its GDT entry. */
	watch(gdt + 0x10, 8, ENGINE_WATCH_READ);
	expect_hit(run(load_ds, sizeof(load_ds)), gdt + 0x10,
		   ENGINE_WATCH_READ, ENGINE_WATCH_READ, 7);
	/* INT reads its 16-byte IDT gate; the stop is after the delivery,
	 * at the handler. */
	watch(idt + 0x20 * 16 + 8, 8, ENGINE_WATCH_READ);
	ck_assert_int_eq(run(int20, sizeof(int20)), ENGINE_EXIT_DEBUG);
	ck_assert_uint_eq(h.exit.hit.addr, idt + 0x20 * 16 + 8);
	ck_assert_uint_eq(h.s->rip, H_VEC + 16 * 0x20);
}
END_TEST

/* clflush (%rsi); hlt */
static const uint8_t clflush[] = { 0x0f, 0xae, 0x3e, 0xf4 };

START_TEST(no_access_no_hit)
{
	/* CLFLUSH checks the address but accesses nothing; fetching code is
	 * no data access either. */
	G(RSI) = H_DATA;
	watch(H_DATA, 64, ENGINE_WATCH_ACCESS);
	expect_no_hit(run(clflush, sizeof(clflush)));
	watch(H_CODE, 4, ENGINE_WATCH_ACCESS);
	expect_no_hit(run(clflush, sizeof(clflush)));
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("watch");
	TCase *tc = tcase_create("watch");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, read_write_access_kinds);
	tcase_add_test(tc, fxsave_area);
	tcase_add_test(tc, fxsave_area_across_pages);
	tcase_add_test(tc, xsave_area);
	tcase_add_test(tc, string_io);
	tcase_add_test(tc, descriptor_tables);
	tcase_add_test(tc, no_access_no_hit);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return h_run_suite(suite()) ? EXIT_FAILURE : EXIT_SUCCESS;
}
