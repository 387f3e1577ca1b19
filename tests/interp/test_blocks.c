// SPDX-License-Identifier: MIT
/*
 * The run loop's straight-line blocks (interp.c block_run): a body of
 * simple instructions runs with RIP, the instruction count and the TSC
 * written once at its end.  Whatever can observe them must see the
 * values of one instruction at a time: a fault right after a body (frame
 * RIP, count), an instruction limit inside a body, RDTSC after one, and
 * a program with every simple form run at once, one instruction per run
 * and in uneven slices, which must end in the same state, and the same
 * for bodies ending in Jcc of several conditions (run in line).
 */
#include <check.h>
#include <string.h>

#include "harness.h"

static struct harness h;

static void setup(void) { h_init(&h); }
static void teardown(void) { h_fini(&h); }

#define G(r) (h.s->gpr[GPR_##r])

/* The loop the ALU benchmark runs, then an exit of the test's choice. */
static void alu_loop_then(uint8_t *code, const uint8_t *tail, size_t n)
{
	static const uint8_t loop[] = {
		0xb9, 0x03, 0x00, 0x00, 0x00,   /* mov ecx,3 */
		0x48, 0x01, 0xd8,               /* 1: add rax,rbx */
		0x48, 0x31, 0xc3,               /* xor rbx,rax */
		0xff, 0xc9,                     /* dec ecx */
		0x75, 0xf6,                     /* jnz 1b */
		0x48, 0xff, 0xc0,               /* inc rax */
		0x48, 0x89, 0xc2,               /* mov rdx,rax */
	};

	memcpy(code, loop, sizeof(loop));
	memcpy(code + sizeof(loop), tail, n);
}

#define LOOP_LEN 21u
#define LOOP_INSNS 15u    /* mov + 3 x 4 + inc + mov */

/* The reference: what the loop leaves in RAX, RBX. */
static void alu_loop_ref(uint64_t *a, uint64_t *b)
{
	for (int i = 0; i < 3; i++) {
		*a += *b;
		*b ^= *a;
	}
	*a += 1;
}

static void expect_fault_after_body(const uint8_t *tail, size_t n, int vec,
				    bool err)
{
	uint8_t code[64];
	uint64_t a = 1, b = 2;
	enum engine_exit_reason r;

	alu_loop_then(code, tail, n);
	h_load(&h, H_CODE, code, LOOP_LEN + n);
	G(RAX) = 1;
	G(RBX) = 2;
	r = h_run(&h, 1000);
	alu_loop_ref(&a, &b);
	ck_assert_int_eq(h_fault_vector(&h, r), vec);
	ck_assert_uint_eq(h_fault_rip(&h, r, err), H_CODE + LOOP_LEN);
	ck_assert_uint_eq(h_program_insns(&h, r), LOOP_INSNS);
	ck_assert_uint_eq(G(RAX), a);
	ck_assert_uint_eq(G(RBX), b);
	ck_assert_uint_eq(G(RDX), a);
}

/* A fault in the instruction after a body: the frame holds its RIP, the
 * count holds every instruction before it and nothing after. */
START_TEST(fault_after_body)
{
	static const uint8_t ud2[] = { 0x0f, 0x0b };
	static const uint8_t load[] = { 0x48, 0x8b, 0x16 }; /* mov rdx,[rsi] */
	static const uint8_t div[] = { 0xf7, 0xf1 };        /* div ecx (0) */

	expect_fault_after_body(ud2, sizeof(ud2), X86_UD, false);
	h.s->activity = ACTIVITY_ACTIVE;
	h.s->gpr[GPR_RSP] = H_STACK;
	h.s->insn_count = 0;
	G(RSI) = 0x8000000000000000ull;   /* not canonical: #GP(0) */
	expect_fault_after_body(load, sizeof(load), X86_GP, true);
	h.s->activity = ACTIVITY_ACTIVE;
	h.s->gpr[GPR_RSP] = H_STACK;
	h.s->insn_count = 0;
	/* DIV with register operands only is not simple: it faults. */
	expect_fault_after_body(div, sizeof(div), X86_DE, false);
}
END_TEST

/* mov ecx,5; 1: add rax,rbx; xor rbx,rax; add rsi,7; mov rdi,rsi;
 * dec ecx; jnz 1b; hlt: a body of five, then the Jcc. */
static const uint8_t five[] = {
	0xb9, 0x05, 0x00, 0x00, 0x00, 0x48, 0x01, 0xd8, 0x48, 0x31, 0xc3,
	0x48, 0x83, 0xc6, 0x07, 0x48, 0x89, 0xf7, 0xff, 0xc9, 0x75, 0xef,
	0xf4,
};

/* An instruction limit inside a body that already ran once stops after
 * exactly that instruction, with RIP and TSC there. */
START_TEST(limit_inside_body)
{
	h_load(&h, H_CODE, five, sizeof(five));
	ck_assert_int_eq(h_run(&h, 7), ENGINE_EXIT_INSN_LIMIT);
	ck_assert_uint_eq(h.s->rip, H_CODE + 5);
	ck_assert_uint_eq(G(RSI), 7);
	/* The second iteration: stop after add, xor, add rsi. */
	ck_assert_int_eq(h_run(&h, 3), ENGINE_EXIT_INSN_LIMIT);
	ck_assert_uint_eq(h.s->rip, H_CODE + 0xf);
	ck_assert_uint_eq(h.s->insn_count, 10);
	ck_assert_uint_eq(h.s->tsc, 10);
	ck_assert_uint_eq(G(RSI), 14);
	ck_assert_uint_eq(G(RDI), 7);
	ck_assert_int_eq(h_run(&h, 1), ENGINE_EXIT_INSN_LIMIT);
	ck_assert_uint_eq(h.s->rip, H_CODE + 0x12);
	ck_assert_uint_eq(G(RDI), 14);
	ck_assert_uint_eq(G(RCX), 4);
	/* The rest: three more iterations and the tail of this one. */
	ck_assert_int_eq(h_run(&h, 100), ENGINE_EXIT_HLT);
	ck_assert_uint_eq(h.s->insn_count, 1 + 5 * 6 + 1);
	ck_assert_uint_eq(G(RSI), 35);
	ck_assert_uint_eq(G(RDI), 35);
}
END_TEST

/* The batch ends exactly after a body: the Jcc after it is left for the
 * next run, which takes it. */
START_TEST(limit_after_body)
{
	h_load(&h, H_CODE, five, sizeof(five));
	ck_assert_int_eq(h_run(&h, 7), ENGINE_EXIT_INSN_LIMIT);
	ck_assert_int_eq(h_run(&h, 5), ENGINE_EXIT_INSN_LIMIT);
	ck_assert_uint_eq(h.s->rip, H_CODE + 0x14);
	ck_assert_uint_eq(h.s->insn_count, 12);
	ck_assert_uint_eq(G(RCX), 3);
	ck_assert_int_eq(h_run(&h, 1), ENGINE_EXIT_INSN_LIMIT);
	ck_assert_uint_eq(h.s->rip, H_CODE + 5);
	ck_assert_uint_eq(h.s->tsc, 13);
}
END_TEST

/* A Jcc after a body jumps to a page whose instruction faults: the
 * frame holds the target, the count the body and the Jcc. */
START_TEST(branch_after_body_faults)
{
	static const uint8_t code[] = {
		0x48, 0x01, 0xd8,               /* add rax,rbx */
		0x48, 0x31, 0xc3,               /* xor rbx,rax */
		0x0f, 0x85, 0xf4, 0x1f, 0x00, 0x00,  /* jnz +0x1ff4 */
	};
	static const uint8_t ud2[] = { 0x0f, 0x0b };
	enum engine_exit_reason r;

	h_load(&h, H_CODE + 0x2000, ud2, sizeof(ud2));
	h_load(&h, H_CODE, code, sizeof(code));
	/* Twice: the second time the block holds the Jcc (cached now). */
	for (int pass = 0; pass < 2; pass++) {
		h.s->activity = ACTIVITY_ACTIVE;
		h.s->gpr[GPR_RSP] = H_STACK;
		h.s->insn_count = 0;
		h.s->rip = H_CODE;
		G(RAX) = 1;
		G(RBX) = 2;
		r = h_run(&h, 100);
		ck_assert_int_eq(h_fault_vector(&h, r), X86_UD);
		ck_assert_uint_eq(h_fault_rip(&h, r, false), H_CODE + 0x2000);
		ck_assert_uint_eq(h_program_insns(&h, r), 3);
		ck_assert_uint_eq(G(RAX), 3);
	}
}
END_TEST

/* RDTSC right after a body reads the TSC of its own instruction. */
START_TEST(tsc_after_body)
{
	static const uint8_t tail[] = {
		0x48, 0x31, 0xff,               /* xor rdi,rdi */
		0x0f, 0x31,                     /* rdtsc */
	};
	uint8_t code[64];
	uint64_t tsc0 = 1000;

	alu_loop_then(code, tail, sizeof(tail));
	h_load(&h, H_CODE, code, LOOP_LEN + sizeof(tail));
	h.s->tsc = tsc0;
	ck_assert_int_eq(h_run(&h, LOOP_INSNS + 2), ENGINE_EXIT_INSN_LIMIT);
	ck_assert_uint_eq((G(RDX) << 32) | (uint32_t)G(RAX),
			  tsc0 + LOOP_INSNS + 1);
	ck_assert_uint_eq(h.s->tsc, tsc0 + LOOP_INSNS + 2);
	ck_assert_uint_eq(h.s->rip, H_CODE + LOOP_LEN + sizeof(tail));
}
END_TEST

/* Every simple form (interp.h struct insn.simple) in a loop body longer
 * than INSN_BLK_MAX; 20 iterations, then HLT. */
static const uint8_t mix[] = {
	0xb9, 0x14, 0x00, 0x00, 0x00,           /* mov ecx,20 */
	0x48, 0x01, 0xd8,                       /* 1: add rax,rbx */
	0x48, 0x11, 0xc2,                       /* adc rdx,rax */
	0x81, 0xde, 0x34, 0x12, 0x00, 0x00,     /* sbb esi,0x1234 */
	0x48, 0x39, 0xd0,                       /* cmp rax,rdx */
	0x48, 0x0f, 0x42, 0xf8,                 /* cmovb rdi,rax */
	0x0f, 0x95, 0xc3,                       /* setne bl */
	0x49, 0x90,                             /* xchg r8,rax */
	0x0f, 0xb6, 0xec,                       /* movzx ebp,ah */
	0x49, 0xf7, 0xda,                       /* neg r10 */
	0x49, 0xff, 0xc2,                       /* inc r10 */
	0x49, 0xf7, 0xd3,                       /* not r11 */
	0x49, 0x09, 0xeb,                       /* or r11,rbp */
	0x49, 0x83, 0xe4, 0x7f,                 /* and r12,0x7f */
	0x49, 0x29, 0xcc,                       /* sub r12,rcx */
	0x41, 0xf6, 0xc4, 0x01,                 /* test r12b,1 */
	0x4c, 0x0f, 0xbe, 0xeb,                 /* movsx r13,bl */
	0x4c, 0x63, 0xf6,                       /* movsxd r14,esi */
	0x00, 0xfc,                             /* add ah,bh */
	0x66, 0x41, 0x81, 0xf7, 0x5a, 0x5a,     /* xor r15w,0x5a5a */
	0x41, 0x28, 0xc7,                       /* sub r15b,al */
	0xff, 0xc9,                             /* dec ecx */
	0x75, 0xb8,                             /* jnz 1b */
	0xf4,                                   /* hlt */
};
#define MIX_INSNS (1 + 20 * 22)

/* Bodies ending in Jcc of other conditions (CF, PF, SF != OF, ZF) that
 * the block runs in line; 40 iterations, then HLT. */
static const uint8_t conds[] = {
	0xb9, 0x28, 0x00, 0x00, 0x00,           /* mov ecx,40 */
	0x83, 0xc0, 0x07,                       /* 1: add eax,7 */
	0x83, 0xf8, 0x64,                       /* cmp eax,100 */
	0x72, 0x03,                             /* jb 2f */
	0x83, 0xe8, 0x5a,                       /* sub eax,90 */
	0x01, 0xc3,                             /* 2: add ebx,eax */
	0xf6, 0xc3, 0x01,                       /* test bl,1 */
	0x7a, 0x02,                             /* jp 3f */
	0xff, 0xc2,                             /* inc edx */
	0x29, 0xde,                             /* 3: sub esi,ebx */
	0x7c, 0x03,                             /* jl 4f */
	0x83, 0xc7, 0x01,                       /* add edi,1 */
	0x41, 0x31, 0xc8,                       /* 4: xor r8d,ecx */
	0x41, 0x83, 0xe0, 0x03,                 /* and r8d,3 */
	0x74, 0x04,                             /* jz 5f */
	0x41, 0x83, 0xc1, 0x01,                 /* add r9d,1 */
	0xff, 0xc9,                             /* 5: dec ecx */
	0x75, 0xd4,                             /* jnz 1b */
	0xf4,                                   /* hlt */
};

static const uint8_t *prog = mix;
static size_t prog_len = sizeof(mix);

static void mix_start(void)
{
	h_load(&h, H_CODE, prog, prog_len);
	for (unsigned r = 0; r < 16; r++)
		h.s->gpr[r] = 0x0123456789abcdefull * (r + 1) + r;
	h.s->gpr[GPR_RSP] = H_STACK;
}

/* Run prog in slices of slice instructions (0: at once) to its HLT. */
static void mix_run(unsigned slice, struct cpu_state *out)
{
	enum engine_exit_reason r;

	h_fini(&h);
	h_init(&h);
	mix_start();
	do
		r = h_run(&h, slice ? slice : 10000);
	while (r == ENGINE_EXIT_INSN_LIMIT);
	ck_assert_int_eq(r, ENGINE_EXIT_HLT);
	h.eng->ops->get_state(h.eng, out);
}

START_TEST(slices_agree)
{
	static const unsigned slices[] = { 1, 2, 3, 5, 7, 9, 13 };
	struct cpu_state once, sliced;

	prog = mix;
	prog_len = sizeof(mix);
	mix_run(0, &once);
	ck_assert_uint_eq(once.insn_count, MIX_INSNS + 1);
	ck_assert_uint_eq(once.gpr[GPR_RCX], 0);
	for (unsigned i = 0; i < sizeof(slices) / sizeof(slices[0]); i++) {
		mix_run(slices[i], &sliced);
		h_same_state(&once, &sliced);
	}
}
END_TEST

START_TEST(conditions_agree)
{
	static const unsigned slices[] = { 1, 3, 4 };
	struct cpu_state once, sliced;

	prog = conds;
	prog_len = sizeof(conds);
	mix_run(0, &once);
	ck_assert_uint_eq(once.gpr[GPR_RCX], 0);
	for (unsigned i = 0; i < sizeof(slices) / sizeof(slices[0]); i++) {
		mix_run(slices[i], &sliced);
		h_same_state(&once, &sliced);
	}
}
END_TEST

/* The instruction after a body rewrites an immediate inside it: the
 * next pass runs the new bytes (decode cache and block invalidated). */
START_TEST(code_write_after_body)
{
	static const uint8_t code[] = {
		0xb9, 0x03, 0x00, 0x00, 0x00,   /* mov ecx,3 */
		0x48, 0x83, 0xc0, 0x01,         /* 1: add rax,1 */
		0x48, 0x31, 0xdb,               /* xor rbx,rbx */
		0xc6, 0x05, 0xf5, 0xff, 0xff, 0xff, 0x10,
					/* mov byte [rip-11],0x10 (the 1) */
		0xff, 0xc9,                     /* dec ecx */
		0x75, 0xee,                     /* jnz 1b */
		0xf4,                           /* hlt */
	};

	h_load(&h, H_CODE, code, sizeof(code));
	G(RAX) = 0;
	ck_assert_int_eq(h_run(&h, 100), ENGINE_EXIT_HLT);
	ck_assert_uint_eq(G(RAX), 1 + 0x10 + 0x10);
	ck_assert_uint_eq(h.s->insn_count, 1 + 3 * 5 + 1);
}
END_TEST

static Suite *blocks_suite(void)
{
	Suite *s = suite_create("interp_blocks");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, fault_after_body);
	tcase_add_test(tc, limit_inside_body);
	tcase_add_test(tc, limit_after_body);
	tcase_add_test(tc, branch_after_body_faults);
	tcase_add_test(tc, tsc_after_body);
	tcase_add_test(tc, slices_agree);
	tcase_add_test(tc, conditions_agree);
	tcase_add_test(tc, code_write_after_body);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return h_run_suite(blocks_suite());
}
