// SPDX-License-Identifier: MIT
/*
 * CALL rel32 and RET at the end of a block (block.h block_stack_term) and
 * PUSH/POP of a 64-bit register inside a body (exec_body.c): their stack
 * slot takes only the host-pointer TLB's hit path; a miss (first touch of
 * a page, a fault, a watched code page, a non-canonical return address)
 * ends the block before that instruction, which runs on the general path
 * with RIP, the count and the TSC of one instruction at a time.
 *  - a recursive function with pushes, pops, PUSH RSP and stack operands,
 *    the stack moving over pages, ends in the same registers, flags,
 *    memory, count and TSC as with the host-pointer TLB off, run at once
 *    and in slices;
 *  - a #PF at the PUSH and at the CALL of a warm block: frame RIP, count,
 *    TSC, CR2, error code, the saved RSP and the registers of the
 *    instructions before it;
 *  - a RET of a warm block to a non-canonical address: #GP(0) at the RET;
 *  - a body PUSH into the immediate of its own next instruction (SMC).
 */
#include <check.h>
#include <string.h>

#include "harness.h"

static struct harness h;

static void setup(void) { h_init(&h); }
static void teardown(void) { h_fini(&h); }

#define G(r) (h.s->gpr[GPR_##r])

/* 40 calls of a recursion 6 deep (f(5)..f(0)), RSP 0x208 lower a pass
 * (by POP RSP). */
static const uint8_t mix[] = {
	0xb9, 0x28, 0x00, 0x00, 0x00,               /* 0x00: mov ecx,0x28 */
	0xbf, 0x05, 0x00, 0x00, 0x00,               /* 0x05: mov edi,0x5 */
	0xe8, 0x31, 0x00, 0x00, 0x00,               /* 0x0a: call 0x40 */
	0x49, 0x01, 0xc6,                           /* 0x0f: add r14,rax */
	0x49, 0x01, 0xd7,                           /* 0x12: add r15,rdx */
	0x48, 0x8d, 0x84, 0x24, 0xf8, 0xfd, 0xff,   /* 0x15: lea rax,[rsp-0x208] */
	0xff,
	0x50,                                       /* 0x1d: push rax */
	0x5c,                                       /* 0x1e: pop rsp */
	0x51,                                       /* 0x1f: push rcx */
	0x41, 0x5c,                                 /* 0x20: pop r12 */
	0xff, 0xc9,                                 /* 0x22: dec ecx */
	0x75, 0xdf,                                 /* 0x24: jne 0x5 */
	0xf4,                                       /* 0x26: hlt */
	[0x40] =
	0x53,                                       /* 0x40: push rbx */
	0x55,                                       /* 0x41: push rbp */
	0x89, 0xfb,                                 /* 0x42: mov ebx,edi */
	0x31, 0xc0,                                 /* 0x44: xor eax,eax */
	0x85, 0xff,                                 /* 0x46: test edi,edi */
	0x74, 0x17,                                 /* 0x48: je 0x61 */
	0x8d, 0x7b, 0xff,                           /* 0x4a: lea edi,[rbx-0x1] */
	0xe8, 0xee, 0xff, 0xff, 0xff,               /* 0x4d: call 0x40 */
	0x8d, 0x04, 0x58,                           /* 0x52: lea eax,[rax+rbx*2] */
	0x03, 0x44, 0x24, 0x08,                     /* 0x55: add eax,[rsp+0x8] */
	0x54,                                       /* 0x59: push rsp */
	0x5a,                                       /* 0x5a: pop rdx */
	0x48, 0x89, 0x04, 0x24,                     /* 0x5b: mov [rsp],rax */
	0x01, 0xc8,                                 /* 0x5f: add eax,ecx */
	0x5d,                                       /* 0x61: pop rbp */
	0x5b,                                       /* 0x62: pop rbx */
	0xc3,                                       /* 0x63: ret */
};
/* mov, then per pass 11 + 5 * 17 (f(5)..f(1)) + 9 (f(0)), then HLT */
#define MIX_INSNS (1 + 40 * (11 + 5 * 17 + 9) + 1)
#define MIX_STACK_LO (H_STACK - 0x6000)

struct outcome {
	struct cpu_state s;
	uint64_t mem[(H_STACK - MIX_STACK_LO) / 8];
};

/* Run mix in slices of slice instructions (0: at once) to its HLT, the
 * host-pointer TLB off or on. */
static void mix_run(unsigned slice, bool htlb_off, struct outcome *out)
{
	enum engine_exit_reason r;

	h_fini(&h);
	h_init(&h);
	h.ip->htlb.off = htlb_off;
	h_load(&h, H_CODE, mix, sizeof(mix));
	for (unsigned i = 0; i < 16; i++)
		h.s->gpr[i] = 0x0123456789abcdefull * (i + 1) + i;
	G(RSP) = H_STACK;
	do
		r = h_run(&h, slice ? slice : 100000);
	while (r == ENGINE_EXIT_INSN_LIMIT);
	ck_assert_int_eq(r, ENGINE_EXIT_HLT);
	h.eng->ops->get_state(h.eng, &out->s);
	for (unsigned i = 0; i < sizeof(out->mem) / 8; i++)
		out->mem[i] = h_read64(&h, MIX_STACK_LO + 8 * i);
}

static void same_outcome(const struct outcome *a, const struct outcome *b)
{
	h_same_state(&a->s, &b->s);
	h_same_qwords(a->mem, b->mem, sizeof(a->mem) / 8, MIX_STACK_LO);
}

START_TEST(calls_agree)
{
	static const unsigned slices[] = { 0, 1, 2, 3, 5, 7, 11, 17 };
	static struct outcome ref, got;

	uint64_t r14 = 0x0123456789abcdefull * (GPR_R14 + 1) + GPR_R14;
	uint32_t rbx = (uint32_t)(0x0123456789abcdefull * (GPR_RBX + 1) + GPR_RBX);

	/* f(k) = f(k - 1) + 2k + the caller's EBX ([rsp+8]) + ECX. */
	for (uint32_t ecx = 40; ecx; ecx--) {
		uint32_t f = 0;

		for (uint32_t k = 1; k <= 5; k++)
			f += 2 * k + (k < 5 ? k + 1 : rbx) + ecx;
		r14 += f;
	}
	mix_run(0, true, &ref);
	ck_assert_uint_eq(ref.s.insn_count, MIX_INSNS);
	ck_assert_uint_eq(ref.s.gpr[GPR_RSP], H_STACK - 40 * 0x208);
	ck_assert_uint_eq(ref.s.gpr[GPR_R14], r14);
	/* The last PUSH RSP: f(5) of the last pass, below its return
	 * address and two pushes. */
	ck_assert_uint_eq(ref.s.gpr[GPR_RDX], H_STACK - 39 * 0x208 - 24);
	for (unsigned i = 0; i < sizeof(slices) / sizeof(slices[0]); i++) {
		mix_run(slices[i], false, &got);
		same_outcome(&ref, &got);
	}
	/* The blocks' stack slots hit the TLB. */
	ck_assert_uint_gt(h.ip->tlb.hits, 40 * 40);
}
END_TEST

/* Three passes of a block with a PUSH and a CALL (and a RET, a POP), RSP
 * R9 = 0x800 lower a pass; the PDE of 0x400000-0x5fffff is cleared and
 * #PF is delivered on IST1 (H_STACK), so its frame survives. */
static const uint8_t stack_loop[] = {
	0xbd, 0x03, 0x00, 0x00, 0x00,               /* 0x00: mov ebp,0x3 */
	0x48, 0x83, 0xc1, 0x01,                     /* 0x05: add rcx,0x1 */
	0x50,                                       /* 0x09: push rax */
	0x48, 0x83, 0xc1, 0x02,                     /* 0x0a: add rcx,0x2 */
	0xe8, 0x0d, 0x00, 0x00, 0x00,               /* 0x0e: call 0x20 */
	0x48, 0x83, 0xc1, 0x03,                     /* 0x13: add rcx,0x3 */
	0x5a,                                       /* 0x17: pop rdx */
	0x4c, 0x29, 0xcc,                           /* 0x18: sub rsp,r9 */
	0xff, 0xcd,                                 /* 0x1b: dec ebp */
	0x75, 0xe6,                                 /* 0x1d: jne 0x5 */
	0xf4,                                       /* 0x1f: hlt */
	0x48, 0x83, 0xc1, 0x04,                     /* 0x20: add rcx,0x4 */
	0xc3,                                       /* 0x24: ret */
};
#define STACK_PASS 11u

/* k 0: the PUSH's slot is the first below 0x600000 in the third pass,
 * k 1: the CALL's. */
static void stack_fault_at(unsigned k)
{
	static const struct { uint64_t rsp; unsigned off, idx, rcx; } pos[2] = {
		{ 0x601000, 0x09, 1, 1 }, { 0x601008, 0x0e, 3, 3 },
	};
	enum engine_exit_reason r;
	uint64_t frame;

	h_fini(&h);
	h_init(&h);
	h_write64(&h, 0x3000 + 8 * (0x400000 >> 21), 0);
	h_write64(&h, H_IDT + 16 * X86_PF,
		  h_read64(&h, H_IDT + 16 * X86_PF) | 1ull << 32);
	h_write64(&h, 0x24, H_STACK);           /* TSS (base 0) IST1 */
	h_load(&h, H_CODE, stack_loop, sizeof(stack_loop));
	G(RSP) = pos[k].rsp;
	G(R9) = 0x800;
	G(RAX) = 0x55;
	G(RCX) = 0;
	h.s->tsc = 500;
	r = h_run(&h, 1000);
	ck_assert_int_eq(h_fault_vector(&h, r), X86_PF);
	ck_assert_uint_eq(h_fault_rip(&h, r, true), H_CODE + pos[k].off);
	frame = G(RSP);
	ck_assert_uint_eq(frame, H_STACK - 48);
	ck_assert_uint_eq(h_read64(&h, frame), PF_W);
	/* The RSP of the faulting instruction: after the PUSH for the CALL. */
	ck_assert_uint_eq(h_read64(&h, frame + 32), 0x600000);
	ck_assert_uint_eq(h.s->cr2, 0x5ffff8);
	ck_assert_uint_eq(h_program_insns(&h, r),
			  1 + 2 * STACK_PASS + pos[k].idx);
	/* The HLT of the handler stub retired too. */
	ck_assert_uint_eq(h.s->tsc, 500 + h.s->insn_count);
	ck_assert_uint_eq(G(RCX), 2 * 10 + pos[k].rcx);
	ck_assert_uint_eq(G(RBP), 1);
	ck_assert_uint_eq(G(RDX), 0x55);
}

START_TEST(page_fault_at_push_and_call)
{
	stack_fault_at(0);
	stack_fault_at(1);
}
END_TEST

/* f overwrites its return address with RBX, which becomes the
 * non-canonical R13 in the third pass: the fourth RET, whose block is
 * warm, is #GP(0) with RSP still at the slot. */
START_TEST(ret_non_canonical_in_block)
{
	static const uint8_t code[] = {
		0xbd, 0x03, 0x00, 0x00, 0x00,       /* 0x00: mov ebp,0x3 */
		0xe8, 0x16, 0x00, 0x00, 0x00,       /* 0x05: call 0x20 */
		0x48, 0x83, 0xc1, 0x01,             /* 0x0a: add rcx,0x1 */
		0xff, 0xcd,                         /* 0x0e: dec ebp */
		0x49, 0x0f, 0x44, 0xdd,             /* 0x10: cmove rbx,r13 */
		0xeb, 0xef,                         /* 0x14: jmp 0x5 */
		[0x20] =
		0x48, 0x89, 0x1c, 0x24,             /* 0x20: mov [rsp],rbx */
		0xc3,                               /* 0x24: ret */
	};
	enum engine_exit_reason r;

	h_load(&h, H_CODE, code, sizeof(code));
	G(RBX) = H_CODE + 0x0a;
	G(R13) = 1ull << 47;
	G(RCX) = 0;
	h.s->tsc = 100;
	r = h_run(&h, 1000);
	ck_assert_int_eq(h_fault_vector(&h, r), X86_GP);
	ck_assert_uint_eq(h_fault_rip(&h, r, true), H_CODE + 0x24);
	ck_assert_uint_eq(h_read64(&h, G(RSP)), 0);      /* error code */
	ck_assert_uint_eq(h_read64(&h, G(RSP) + 32), H_STACK - 8);
	ck_assert_uint_eq(h_read64(&h, H_STACK - 8), 1ull << 47);
	ck_assert_uint_eq(h_program_insns(&h, r), 1 + 3 * 7 + 2);
	ck_assert_uint_eq(h.s->tsc, 100 + h.s->insn_count);
	ck_assert_uint_eq(G(RCX), 3);
}
END_TEST

/* A body PUSH into the immediate of the next instruction of the same
 * body, RBX = 10, 11, 12: the code page is watched, so the push leaves
 * the body and the MOV loads the value just pushed. */
START_TEST(push_into_own_body)
{
	static const uint8_t code[] = {
		0xb9, 0x03, 0x00, 0x00, 0x00,       /* 0x00: mov ecx,0x3 */
		0x53,                               /* 0x05: push rbx */
		0x48, 0xb8, 0x88, 0x77, 0x66, 0x55, /* 0x06: mov rax,0x1122334455667788 */
		0x44, 0x33, 0x22, 0x11,
		0x5a,                               /* 0x10: pop rdx */
		0x48, 0x01, 0xc6,                   /* 0x11: add rsi,rax */
		0x48, 0x83, 0xc3, 0x01,             /* 0x14: add rbx,0x1 */
		0xff, 0xc9,                         /* 0x18: dec ecx */
		0x75, 0xe9,                         /* 0x1a: jne 0x5 */
		0xf4,                               /* 0x1c: hlt */
	};

	h_load(&h, H_CODE, code, sizeof(code));
	G(RSP) = H_CODE + 0x10;
	G(RBX) = 10;
	G(RSI) = 0;
	ck_assert_int_eq(h_run(&h, 100), ENGINE_EXIT_HLT);
	ck_assert_uint_eq(G(RSI), 10 + 11 + 12);
	ck_assert_uint_eq(G(RDX), 12);
	ck_assert_uint_eq(G(RSP), H_CODE + 0x10);
	ck_assert_uint_eq(h.s->insn_count, 1 + 3 * 7 + 1);
}
END_TEST

static Suite *blocks_calls_suite(void)
{
	Suite *s = suite_create("interp_blocks_calls");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, calls_agree);
	tcase_add_test(tc, page_fault_at_push_and_call);
	tcase_add_test(tc, ret_non_canonical_in_block);
	tcase_add_test(tc, push_into_own_body);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return h_run_suite(blocks_calls_suite());
}
