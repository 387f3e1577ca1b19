// SPDX-License-Identifier: MIT
/*
 * Every instruction whose amount of work comes from guest data stops within
 * a bound: each REP string instruction (MOVS STOS LODS SCAS CMPS INS OUTS,
 * every address size) with the largest count runs at most INTERP_REP_CHUNK
 * iterations per counted instruction, leaves RIP at itself with RCX/RSI/RDI
 * of the completed iterations, and goes on where it stopped.  A port write
 * the device asks to retry (blocked output with a stop pending) is undone
 * exactly: nothing counted, the next run writes each byte once.
 *
 * The other guest-data-driven work is bounded by construction and listed in
 * docs/security.md (page and EPT walks: fixed depth; task switch: one TSS;
 * VMX MSR lists: count entries, never more than RAM holds).
 */
#include <check.h>
#include <string.h>

#include "devices/io_bus.h"
#include "harness.h"

static struct harness h;

static void setup(void) { h_init(&h); }
static void teardown(void) { h_fini(&h); }

#define G(r) (h.s->gpr[GPR_##r])
#define CHUNK INTERP_REP_CHUNK

enum moved { M_SI = 1, M_DI = 2 };

struct rep_case {
	const char *name;
	uint8_t code[4];
	unsigned len;
	unsigned moved;   /* which index registers advance */
};

/* 64-bit mode, address size 64 (no 0x67) — the table is reused with a 0x67
 * prefix for address size 32. */
static const struct rep_case cases[] = {
	{ "rep movsb",  { 0xf3, 0xa4 }, 2, M_SI | M_DI },
	{ "rep stosb",  { 0xf3, 0xaa }, 2, M_DI },
	{ "rep lodsb",  { 0xf3, 0xac }, 2, M_SI },
	{ "repne scasb", { 0xf2, 0xae }, 2, M_DI },   /* AL=1, memory 0 */
	{ "repe cmpsb", { 0xf3, 0xa6 }, 2, M_SI | M_DI },   /* 0 == 0 */
	{ "rep insb",   { 0xf3, 0x6c }, 2, M_DI },
	{ "rep outsb",  { 0xf3, 0x6e }, 2, M_SI },
	{ "rep movsq",  { 0xf3, 0x48, 0xa5 }, 3, M_SI | M_DI },
	{ "rep insd",   { 0xf3, 0x6d }, 2, M_DI },
	{ "rep outsw",  { 0x66, 0xf3, 0x6f }, 3, M_SI },
};

/* Element size: byte forms 1; otherwise the operand size, 32 by default
 * (16 in real mode), flipped by 0x66, 64 with REX.W. */
static unsigned elem_size(const struct rep_case *c, unsigned asz)
{
	unsigned dflt = asz == 16 ? 2 : 4;

	if (!(c->code[c->len - 1] & 1))
		return 1;
	if (c->code[1] == 0x48)
		return 8;
	if (c->code[0] == 0x66)
		return dflt == 4 ? 2 : 4;
	return dflt;
}

/* Run the REP once more; it must stop after exactly `iters` iterations
 * with RIP still at it and one more instruction counted. */
static void expect_part(const struct rep_case *c, unsigned asz,
			uint64_t rcx0, uint64_t iters, uint64_t rip)
{
	uint64_t amask = asz == 64 ? ~0ull : asz == 32 ? 0xffffffffull : 0xffff;
	uint64_t count0 = h.s->insn_count;
	uint64_t si = G(RSI), di = G(RDI);
	uint64_t adv = iters * elem_size(c, asz);

	ck_assert_msg(h_run(&h, 1) == ENGINE_EXIT_INSN_LIMIT, "%s: exit %s",
		      c->name, engine_exit_reason_name(h.exit.reason));
	ck_assert_msg(h.s->insn_count == count0 + 1, "%s", c->name);
	ck_assert_msg(h.s->rip == rip, "%s/%u: RIP 0x%llx, not at the REP",
		      c->name, asz, (unsigned long long)h.s->rip);
	ck_assert_msg((G(RCX) & amask) == ((rcx0 - iters) & amask),
		      "%s/%u: RCX 0x%llx after a part, want 0x%llx", c->name,
		      asz, (unsigned long long)G(RCX),
		      (unsigned long long)((rcx0 - iters) & amask));
	ck_assert_msg((G(RSI) & amask) == ((si + (c->moved & M_SI ? adv : 0)) & amask),
		      "%s/%u: RSI", c->name, asz);
	ck_assert_msg((G(RDI) & amask) == ((di + (c->moved & M_DI ? adv : 0)) & amask),
		      "%s/%u: RDI", c->name, asz);
}

static void run_case(const struct rep_case *c, unsigned asz)
{
	uint8_t code[8];
	unsigned n = 0;
	uint64_t rcx = asz == 16 ? 0xffff : asz == 32 ? 0xffffffffull : ~0ull;
	uint64_t rip;

	if (asz == 16)
		h_mode16(&h);
	if (asz == 32)
		code[n++] = 0x67;
	memcpy(code + n, c->code, c->len);
	n += c->len;
	h_load(&h, H_CODE, code, n);
	rip = h.s->rip;
	G(RCX) = rcx;
	G(RSI) = asz == 16 ? 0x1000 : H_DATA;
	G(RDI) = asz == 16 ? 0x2000 : H_DATA + 0x100000;
	G(RAX) = 1;
	G(RDX) = 0x80;
	h.s->rflags &= ~RFLAGS_DF;
	/* The first part ends where the count becomes a multiple of CHUNK,
	 * then every part is exactly CHUNK iterations. */
	expect_part(c, asz, rcx, CHUNK - 1, rip);
	expect_part(c, asz, rcx - (CHUNK - 1), CHUNK, rip);
	expect_part(c, asz, rcx - (2 * CHUNK - 1), CHUNK, rip);
}

START_TEST(rep_bounded_addr64)
{
	run_case(&cases[_i], 64);
}
END_TEST

START_TEST(rep_bounded_addr32)
{
	run_case(&cases[_i], 32);
}
END_TEST

START_TEST(rep_bounded_addr16)
{
	/* Real mode has no REX.W: skip the 64-bit element row. */
	if (cases[_i].code[1] != 0x48)
		run_case(&cases[_i], 16);
}
END_TEST

/* A count below the first cut point completes in one instruction. */
START_TEST(rep_short_completes)
{
	static const uint8_t code[] = { 0xf3, 0xaa };   /* rep stosb */

	h_load(&h, H_CODE, code, sizeof(code));
	G(RCX) = CHUNK - 1;
	G(RDI) = H_DATA;
	ck_assert_int_eq(h_run(&h, 1), ENGINE_EXIT_INSN_LIMIT);
	ck_assert_uint_eq(G(RCX), 0);
	ck_assert_uint_eq(h.s->rip, H_CODE + sizeof(code));
}
END_TEST

/* ---- a device that asks for a write to be retried ---------------------- */

struct sink {
	struct io_bus *bus;
	struct engine *eng;
	uint8_t got[64];
	unsigned n;
	int refuse_at;   /* refuse the write of byte number refuse_at once */
};

static void sink_write(void *opaque, uint64_t off, unsigned size, uint64_t v)
{
	struct sink *k = opaque;

	if ((int)k->n == k->refuse_at) {
		k->refuse_at = -1;
		/* What the UART does when its output is blocked and a stop
		 * is pending: no effect, retry later. */
		k->eng->ops->request_stop(k->eng);
		io_bus_retry_write(k->bus);
		return;
	}
	k->got[k->n++] = (uint8_t)v;
}

static struct io_bus bus;
static struct sink sink;

static void attach_sink(int refuse_at)
{
	struct io_handler hd = { "sink", NULL, sink_write, &sink };

	io_bus_init(&bus, "pio");
	memset(&sink, 0, sizeof(sink));
	sink.bus = &bus;
	sink.eng = h.eng;
	sink.refuse_at = refuse_at;
	ck_assert_int_eq(io_bus_register(&bus, 0x80, 1, &hd), 0);
	h.ip->cfg.pio = &bus;
}

START_TEST(rep_outs_retry_is_exact)
{
	static const uint8_t code[] = { 0xf3, 0x6e };   /* rep outsb */
	uint64_t count0;

	attach_sink(3);
	ck_assert(gmem_write(&h.mem, H_DATA, "0123456789", 10));
	h_load(&h, H_CODE, code, sizeof(code));
	G(RCX) = 10;
	G(RSI) = H_DATA;
	G(RDX) = 0x80;
	count0 = h.s->insn_count;
	ck_assert_int_eq(h_run(&h, 100), ENGINE_EXIT_STOP);
	ck_assert_uint_eq(sink.n, 3);
	ck_assert_uint_eq(G(RCX), 7);
	ck_assert_uint_eq(G(RSI), H_DATA + 3);
	ck_assert_uint_eq(h.s->rip, H_CODE);
	ck_assert_uint_eq(h.s->insn_count, count0);
	ck_assert_uint_eq(h.s->tsc, count0);
	ck_assert_int_eq(h_run(&h, 1), ENGINE_EXIT_INSN_LIMIT);
	ck_assert_uint_eq(sink.n, 10);
	ck_assert(memcmp(sink.got, "0123456789", 10) == 0);
	ck_assert_uint_eq(G(RCX), 0);
	ck_assert_uint_eq(h.s->rip, H_CODE + sizeof(code));
}
END_TEST

START_TEST(out_retry_is_exact)
{
	static const uint8_t code[] = {
		0xe6, 0x80,   /* out 0x80,al */
		0xe6, 0x80,   /* out 0x80,al */
	};
	uint64_t count0;

	attach_sink(1);
	h_load(&h, H_CODE, code, sizeof(code));
	G(RAX) = 'x';
	count0 = h.s->insn_count;
	ck_assert_int_eq(h_run(&h, 100), ENGINE_EXIT_STOP);
	ck_assert_uint_eq(sink.n, 1);
	ck_assert_uint_eq(h.s->rip, H_CODE + 2);
	ck_assert_uint_eq(h.s->insn_count, count0 + 1);
	ck_assert_int_eq(h_run(&h, 1), ENGINE_EXIT_INSN_LIMIT);
	ck_assert_uint_eq(sink.n, 2);
	ck_assert_uint_eq(h.s->rip, H_CODE + 4);
	ck_assert_uint_eq(h.s->insn_count, count0 + 2);
}
END_TEST

static Suite *bounded_suite(void)
{
	Suite *s = suite_create("interp_bounded");
	TCase *tc = tcase_create("bounded");
	int n = (int)(sizeof(cases) / sizeof(cases[0]));

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, rep_bounded_addr64, 0, n);
	tcase_add_loop_test(tc, rep_bounded_addr32, 0, n);
	tcase_add_loop_test(tc, rep_bounded_addr16, 0, n);
	tcase_add_test(tc, rep_short_completes);
	tcase_add_test(tc, rep_outs_retry_is_exact);
	tcase_add_test(tc, out_retry_is_exact);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return h_run_suite(bounded_suite());
}
