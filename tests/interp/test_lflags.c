// SPDX-License-Identifier: MIT
/*
 * Interpreter: lazy arithmetic flags (src/engine/interp/lflags.h).  The
 * same instruction bytes run on the interpreter and on the host CPU: the
 * flags PUSHFQ sees (the record made exact), the sixteen SETcc results
 * (computed from the record) and the result must all match the host's.
 * A CMP before the operation leaves a pending record with CF = 0 or 1, so
 * ADC/SBB read their carry and INC/DEC keep CF from a record.  Faults and
 * exceptions after a recorded operation push the exact flags.
 */
#include <check.h>
#include <string.h>
#include <sys/mman.h>

#include "harness.h"

static struct harness h;

static void setup(void) { h_init(&h); }
static void teardown(void) { h_fini(&h); }

/* op rAX, rBX (or op rAX) at 8/16/32/64 bits; logic: AF undefined. */
struct op {
	const char *name;
	uint8_t opc8[2], opc[2];   /* opcode, ModRM (rm = rAX, reg = rBX) */
	bool logic;
};

static const struct op ops[] = {
	{ "add", { 0x00, 0xd8 }, { 0x01, 0xd8 }, false },
	{ "adc", { 0x10, 0xd8 }, { 0x11, 0xd8 }, false },
	{ "sub", { 0x28, 0xd8 }, { 0x29, 0xd8 }, false },
	{ "sbb", { 0x18, 0xd8 }, { 0x19, 0xd8 }, false },
	{ "cmp", { 0x38, 0xd8 }, { 0x39, 0xd8 }, false },
	{ "and", { 0x20, 0xd8 }, { 0x21, 0xd8 }, true },
	{ "or", { 0x08, 0xd8 }, { 0x09, 0xd8 }, true },
	{ "xor", { 0x30, 0xd8 }, { 0x31, 0xd8 }, true },
	{ "test", { 0x84, 0xd8 }, { 0x85, 0xd8 }, true },
	{ "inc", { 0xfe, 0xc0 }, { 0xff, 0xc0 }, false },
	{ "dec", { 0xfe, 0xc8 }, { 0xff, 0xc8 }, false },
	{ "neg", { 0xf6, 0xd8 }, { 0xf7, 0xd8 }, false },
};

static const uint64_t vals[] = {
	0, 1, 0x0f, 0x7f, 0x80, 0xff, 0x8000, 0xffff, 0x7fffffff, 0x80000000,
	0xffffffff, 0x7fffffffffffffffull, 0x8000000000000000ull, ~0ull,
};
#define NVALS (sizeof(vals) / sizeof(vals[0]))

static size_t imm64(uint8_t *p, uint8_t opc, uint64_t v)
{
	p[0] = 0x48;
	p[1] = opc;
	memcpy(p + 2, &v, 8);
	return 10;
}

/* mov rax,a; mov rbx,b; mov rcx,c; mov rdx,1; cmp rcx,rdx; op */
static size_t body(uint8_t *p, const struct op *o, unsigned bits,
		   uint64_t a, uint64_t b, bool carry)
{
	size_t n = 0;

	n += imm64(p + n, 0xb8, a);
	n += imm64(p + n, 0xbb, b);
	n += imm64(p + n, 0xb9, carry ? 0 : 2);   /* rcx < rdx: CF = 1 */
	n += imm64(p + n, 0xba, 1);
	p[n++] = 0x48; p[n++] = 0x39; p[n++] = 0xd1;   /* cmp rcx,rdx */
	if (bits == 16)
		p[n++] = 0x66;
	if (bits == 64)
		p[n++] = 0x48;
	p[n++] = bits == 8 ? o->opc8[0] : o->opc[0];
	p[n++] = bits == 8 ? o->opc8[1] : o->opc[1];
	return n;
}

struct host_out { uint64_t rax, flags; };

/* The body on the host: push rbx; body; mov [rdi],rax; pushfq; pop rax;
 * mov [rdi+8],rax; pop rbx; ret. */
static struct host_out on_host(const uint8_t *code, size_t len)
{
	static uint8_t *page;
	struct host_out out;
	size_t n = 0;

	if (!page) {
		page = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		ck_assert(page != MAP_FAILED);
	}
	page[n++] = 0x53;
	memcpy(page + n, code, len);
	n += len;
	memcpy(page + n, "\x48\x89\x07\x9c\x58\x48\x89\x47\x08\x5b\xc3", 11);
	((void (*)(struct host_out *))(void *)page)(&out);
	return out;
}

/* SDM Vol. 1 Appendix B, on an RFLAGS image. */
static bool ref_cond(uint64_t f, unsigned cc)
{
	bool cf = f & RFLAGS_CF, zf = f & RFLAGS_ZF, sf = f & RFLAGS_SF;
	bool of = f & RFLAGS_OF, pf = f & RFLAGS_PF;
	bool r[8] = { of, cf, zf, cf || zf, sf, pf, sf != of, zf || sf != of };

	return r[cc >> 1] ^ (cc & 1);
}

static void check_one(const struct op *o, unsigned bits, uint64_t a,
		      uint64_t b, bool carry)
{
	uint8_t code[128];
	size_t n = body(code, o, bits, a, b, carry);
	struct host_out want = on_host(code, n);
	uint64_t mask = ARITH_FLAGS & ~(o->logic ? RFLAGS_AF : 0);
	uint64_t got;

	/* Guest: the body, SETcc byte [rdi+cc] for every cc, PUSHFQ. */
	for (unsigned cc = 0; cc < 16; cc++) {
		code[n++] = 0x0f;
		code[n++] = (uint8_t)(0x90 + cc);
		code[n++] = 0x47;
		code[n++] = (uint8_t)cc;
	}
	code[n++] = 0x9c;
	h.s->gpr[GPR_RDI] = H_DATA;
	h.s->gpr[GPR_RSP] = H_STACK;
	h.s->rflags = RFLAGS_FIXED1;
	h_exec(&h, code, n, 6 + 16 + 1);
	got = h_read64(&h, H_STACK - 8);
	ck_assert_msg((got & mask) == (want.flags & mask),
		      "%s%u a=%#lx b=%#lx cf=%d: flags %#lx, host %#lx", o->name,
		      bits, (unsigned long)a, (unsigned long)b, carry,
		      (unsigned long)(got & mask),
		      (unsigned long)(want.flags & mask));
	ck_assert_uint_eq(h.s->gpr[GPR_RAX], want.rax);
	ck_assert_uint_eq(h.s->rflags & mask, want.flags & mask);
	for (unsigned cc = 0; cc < 16; cc++) {
		uint8_t set = (uint8_t)h_read64(&h, H_DATA + cc);

		ck_assert_msg(set == ref_cond(want.flags, cc),
			      "%s%u a=%#lx b=%#lx cf=%d: SETcc %u gave %u",
			      o->name, bits, (unsigned long)a,
			      (unsigned long)b, carry, cc, set);
	}
}

START_TEST(record_matches_host)
{
	static const unsigned widths[] = { 8, 16, 32, 64 };
	const struct op *o = &ops[_i];

	for (unsigned w = 0; w < 4; w++)
		for (unsigned i = 0; i < NVALS; i++)
			for (unsigned j = 0; j < NVALS; j++)
				for (int c = 0; c < 2; c++)
					check_one(o, widths[w], vals[i],
						  vals[j], c);
}
END_TEST

/*
 * The Jcc at the end of a block (block.h block_term_run, lflags.h
 * lf_cond_z): a loop of two passes over mov esi,1; the body; Jcc over
 * mov esi,0; add r8,rsi - the second pass runs the body as a block with
 * the Jcc in line (the first built it before the Jcc was decoded).  R8
 * must be twice the host's condition: JL/JGE/JLE/JG in line after a
 * SUB/SBB/CMP/NEG record, through lf_cond_slow after the others.
 */
static void check_jcc(const struct op *o, unsigned bits, uint64_t a,
		      uint64_t b, bool carry, unsigned cc)
{
	uint8_t code[128];
	size_t n = 0, loop, body_n;
	struct host_out want;

	code[n++] = 0xbf; memcpy(code + n, "\x02\0\0\0", 4); n += 4;
	loop = n;
	code[n++] = 0xbe; memcpy(code + n, "\x01\0\0\0", 4); n += 4;
	body_n = body(code + n, o, bits, a, b, carry);
	want = on_host(code + n, body_n);
	n += body_n;
	code[n++] = (uint8_t)(0x70 + cc); code[n++] = 5;
	code[n++] = 0xbe; memcpy(code + n, "\0\0\0\0", 4); n += 4;
	memcpy(code + n, "\x49\x01\xf0\xff\xcf\x75", 6); n += 6;
	code[n] = (uint8_t)(loop - (n + 1)); n++;
	code[n++] = 0xf4;
	h_load(&h, H_CODE, code, n);
	h.s->gpr[GPR_R8] = 0;
	h.s->activity = ACTIVITY_ACTIVE;
	ck_assert_int_eq(h_run(&h, 100), ENGINE_EXIT_HLT);
	ck_assert_msg(h.s->gpr[GPR_R8] == 2u * ref_cond(want.flags, cc),
		      "%s%u a=%#lx b=%#lx cf=%d: J%u %lu of 2 taken", o->name,
		      bits, (unsigned long)a, (unsigned long)b, carry, cc,
		      (unsigned long)h.s->gpr[GPR_R8]);
}

/* Signed conditions and a few others after every record kind. */
START_TEST(block_jcc_matches_host)
{
	static const unsigned widths[] = { 8, 16, 32, 64 };
	static const unsigned ccs[] = { 0xc, 0xd, 0xe, 0xf, 0x2, 0x4, 0x6, 0x8 };
	const struct op *o = &ops[_i];

	for (unsigned w = 0; w < 4; w++)
		for (unsigned i = 0; i < NVALS; i++)
			for (unsigned j = 0; j < NVALS; j++)
				for (unsigned c = 0; c < sizeof(ccs) / sizeof(ccs[0]); c++)
					check_jcc(o, widths[w], vals[i], vals[j],
						  (i ^ j ^ c) & 1, ccs[c]);
}
END_TEST

/* A recorded CMP, then #UD: the frame's RFLAGS (RSP+16) is exact. */
static const uint8_t cmp_ud2[] = {
	0x39, 0xd8,             /* cmp eax,ebx */
	0x0f, 0x0b,             /* ud2 */
};

START_TEST(exception_frame_flags)
{
	enum engine_exit_reason r;

	h.s->gpr[GPR_RAX] = 1;
	h.s->gpr[GPR_RBX] = 2;
	h_load(&h, H_CODE, cmp_ud2, sizeof(cmp_ud2));
	r = h_run(&h, 10);
	ck_assert_int_eq(h_fault_vector(&h, r), X86_UD);
	ck_assert_uint_eq(h_read64(&h, h.s->gpr[GPR_RSP] + 16) & ARITH_FLAGS,
			  RFLAGS_CF | RFLAGS_SF | RFLAGS_AF | RFLAGS_PF);
}
END_TEST

/* A recorded ADD, then an ADD to memory that faults (#PF: the harness
 * maps only 0-4 GiB): the faulting ADD changes nothing, the frame (RSP+24
 * past the error code) has the first ADD's flags. */
static const uint8_t add_then_pf[] = {
	0x48, 0xb9, 0, 0, 0, 0, 1, 0, 0, 0,     /* mov rcx,0x100000000 */
	0x01, 0xd8,                             /* add eax,ebx */
	0x48, 0x01, 0x01,                       /* add [rcx],rax */
};

START_TEST(fault_keeps_recorded_flags)
{
	enum engine_exit_reason r;

	h.s->gpr[GPR_RAX] = 0xffffffff;
	h.s->gpr[GPR_RBX] = 1;
	h_load(&h, H_CODE, add_then_pf, sizeof(add_then_pf));
	r = h_run(&h, 10);
	ck_assert_int_eq(h_fault_vector(&h, r), X86_PF);
	ck_assert_uint_eq(h_fault_rip(&h, r, true), H_CODE + 12);
	ck_assert_uint_eq(h_read64(&h, h.s->gpr[GPR_RSP] + 24) & ARITH_FLAGS,
			  RFLAGS_CF | RFLAGS_ZF | RFLAGS_AF | RFLAGS_PF);
	ck_assert_uint_eq(h.s->gpr[GPR_RAX], 0);
}
END_TEST

/* The run stops on the instruction limit right after a recorded DEC
 * (CF kept from a recorded SUB): the state read back is exact; RFLAGS
 * written by set_state is what the next instruction reads. */
static const uint8_t sub_dec[] = {
	0x29, 0xd8,             /* sub eax,ebx: 0 - 1 borrows */
	0xff, 0xcb,             /* dec ebx: 0, CF kept */
	0x0f, 0x94, 0xc1,       /* setz cl */
};

START_TEST(state_reads_and_writes)
{
	struct cpu_state st;

	h.s->gpr[GPR_RAX] = 0;
	h.s->gpr[GPR_RBX] = 1;
	h_exec(&h, sub_dec, sizeof(sub_dec), 2);
	h.eng->ops->get_state(h.eng, &st);
	ck_assert_uint_eq(st.rflags & ARITH_FLAGS,
			  RFLAGS_CF | RFLAGS_ZF | RFLAGS_PF);
	st.rflags = RFLAGS_FIXED1;
	h.eng->ops->set_state(h.eng, &st);
	ck_assert_int_eq(h_run(&h, 1), ENGINE_EXIT_INSN_LIMIT);
	ck_assert_uint_eq(h.s->gpr[GPR_RCX] & 0xff, 0);
	ck_assert_uint_eq(h.s->rflags & ARITH_FLAGS, 0);
}
END_TEST

static Suite *lflags_suite(void)
{
	Suite *s = suite_create("interp_lflags");
	TCase *tc = tcase_create("lflags");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, record_matches_host, 0,
			    sizeof(ops) / sizeof(ops[0]));
	tcase_add_loop_test(tc, block_jcc_matches_host, 0,
			    sizeof(ops) / sizeof(ops[0]));
	tcase_add_test(tc, exception_frame_flags);
	tcase_add_test(tc, fault_keeps_recorded_flags);
	tcase_add_test(tc, state_reads_and_writes);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return h_run_suite(lflags_suite());
}
