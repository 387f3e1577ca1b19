// SPDX-License-Identifier: MIT
/*
 * Memory instructions inside block bodies (exec_body.c, block.h): a body
 * handler takes only the host-pointer TLB's hit path; a miss (first touch
 * of a page, a fault, a watched code page) ends the body before that
 * instruction, which runs on the general path with RIP, the count and the
 * TSC of one instruction at a time.
 *  - every memory form, with page changes at varied positions, ends in
 *    the same registers, flags, memory, count and TSC as with the
 *    host-pointer TLB off (every access on the general path), run at once
 *    and in slices;
 *  - a #PF at each memory position of a warm body: frame RIP, count, TSC,
 *    CR2, error code and the registers of the instructions before it;
 *  - a body store into a later instruction of the same body (SMC).
 */
#include <check.h>
#include <string.h>

#include "harness.h"

static struct harness h;

static void setup(void) { h_init(&h); }
static void teardown(void) { h_fini(&h); }

#define G(r) (h.s->gpr[GPR_##r])

/* Every memory form of exec_body.c in a 40-iteration loop of 27
 * instructions (bodies of up to 8), RSI moving 0x408 a pass (a new page
 * every few passes), then HLT. */
static const uint8_t mix[] = {
	0xb9, 0x28, 0x00, 0x00, 0x00,               /* 0x00: mov ecx,0x28 */
	0x48, 0x8b, 0x06,                           /* 0x05: mov rax,[rsi] */
	0x8b, 0x56, 0x08,                           /* 0x08: mov edx,[rsi+0x8] */
	0x48, 0x03, 0x03,                           /* 0x0b: add rax,[rbx] */
	0x2b, 0x53, 0x04,                           /* 0x0e: sub edx,[rbx+0x4] */
	0x48, 0x89, 0x46, 0x10,                     /* 0x11: mov [rsi+0x10],rax */
	0x89, 0x56, 0x18,                           /* 0x15: mov [rsi+0x18],edx */
	0x48, 0x39, 0x03,                           /* 0x18: cmp [rbx],rax */
	0x41, 0x0f, 0x92, 0xc0,                     /* 0x1b: setb r8b */
	0x3b, 0x53, 0x08,                           /* 0x1f: cmp edx,[rbx+0x8] */
	0x49, 0x83, 0xd1, 0x00,                     /* 0x22: adc r9,0x0 */
	0x81, 0x7e, 0x08, 0x34, 0x12, 0x00, 0x00,   /* 0x26: cmp dword [rsi+0x8],0x1234 */
	0x41, 0x0f, 0x94, 0xc2,                     /* 0x2d: sete r10b */
	0x85, 0x53, 0x0c,                           /* 0x31: test [rbx+0xc],edx */
	0x41, 0x0f, 0x95, 0xc3,                     /* 0x34: setne r11b */
	0x48, 0x23, 0x46, 0x20,                     /* 0x38: and rax,[rsi+0x20] */
	0x0b, 0x56, 0x28,                           /* 0x3c: or edx,[rsi+0x28] */
	0x4c, 0x33, 0x63, 0x10,                     /* 0x3f: xor r12,[rbx+0x10] */
	0x48, 0xc7, 0x43, 0x18, 0xfb, 0xff, 0xff, 0xff,
						    /* 0x43: mov qword [rbx+0x18],-5 */
	0xc7, 0x43, 0x20, 0x77, 0x00, 0x00, 0x00,   /* 0x4b: mov dword [rbx+0x20],0x77 */
	0x48, 0x8d, 0xb6, 0x08, 0x04, 0x00, 0x00,   /* 0x52: lea rsi,[rsi+0x408] */
	0x49, 0x01, 0xc5,                           /* 0x59: add r13,rax */
	0x49, 0x01, 0xd6,                           /* 0x5c: add r14,rdx */
	0x4e, 0x89, 0x6c, 0xfb, 0x28,               /* 0x5f: mov [rbx+r15*8+0x28],r13 */
	0x49, 0x83, 0xef, 0x01,                     /* 0x64: sub r15,0x1 */
	0x49, 0x83, 0xe7, 0x07,                     /* 0x68: and r15,0x7 */
	0xff, 0xc9,                                 /* 0x6c: dec ecx */
	0x75, 0x95,                                 /* 0x6e: jne 0x5 */
	0xf4,                                       /* 0x70: hlt */
};
#define MIX_INSNS (1 + 40 * 27)
#define MIX_DATA_END (H_DATA + 0x10000)

struct outcome {
	struct cpu_state s;
	uint64_t mem[(MIX_DATA_END - H_DATA) / 8];
};

/* Run mix in slices of slice instructions (0: at once) to its HLT, the
 * host-pointer TLB off or on. */
static void mix_run(unsigned slice, bool htlb_off, struct outcome *out)
{
	enum engine_exit_reason r;
	uint64_t x = 0x9e3779b97f4a7c15ull;

	h_fini(&h);
	h_init(&h);
	h.ip->htlb.off = htlb_off;
	for (uint64_t a = H_DATA; a < MIX_DATA_END; a += 8) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		h_write64(&h, a, x);
	}
	h_write64(&h, H_DATA + 0x40c, 0x1234ull << 32);   /* one sete hit */
	h_load(&h, H_CODE, mix, sizeof(mix));
	for (unsigned i = 0; i < 16; i++)
		h.s->gpr[i] = 0x0123456789abcdefull * (i + 1) + i;
	G(RSP) = H_STACK;
	G(RSI) = H_DATA + 0x10;
	G(RBX) = H_DATA + 0xe000;
	G(R15) = 5;
	do
		r = h_run(&h, slice ? slice : 100000);
	while (r == ENGINE_EXIT_INSN_LIMIT);
	ck_assert_int_eq(r, ENGINE_EXIT_HLT);
	h.eng->ops->get_state(h.eng, &out->s);
	for (unsigned i = 0; i < sizeof(out->mem) / 8; i++)
		out->mem[i] = h_read64(&h, H_DATA + 8 * i);
}

static void same_outcome(const struct outcome *a, const struct outcome *b)
{
	h_same_state(&a->s, &b->s);
	h_same_qwords(a->mem, b->mem, sizeof(a->mem) / 8, H_DATA);
}

START_TEST(memory_forms_agree)
{
	static const unsigned slices[] = { 0, 1, 2, 3, 5, 7, 11, 26 };
	static struct outcome ref, got;

	mix_run(0, true, &ref);
	ck_assert_uint_eq(ref.s.insn_count, MIX_INSNS + 1);
	ck_assert_uint_eq(ref.s.gpr[GPR_RCX], 0);
	ck_assert_uint_eq(ref.s.gpr[GPR_RSI], H_DATA + 0x10 + 40 * 0x408);
	for (unsigned i = 0; i < sizeof(slices) / sizeof(slices[0]); i++) {
		mix_run(slices[i], false, &got);
		same_outcome(&ref, &got);
	}
	/* The body handlers ran: the TLB served hits. */
	ck_assert_uint_gt(h.ip->tlb.hits, 40 * 10);
}
END_TEST

/* Three passes of a body with four memory accesses (read, write, read
 * for CMP, read) through RSI, RDI, RBX and R8, each pointer moved by its
 * stride in R9..R12 at the end of a pass. */
static const uint8_t four[] = {
	0xbd, 0x03, 0x00, 0x00, 0x00,               /* 0x00: mov ebp,0x3 */
	0x48, 0x8b, 0x06,                           /* 0x05: mov rax,[rsi] */
	0x48, 0x83, 0xc1, 0x01,                     /* 0x08: add rcx,0x1 */
	0x48, 0x89, 0x07,                           /* 0x0c: mov [rdi],rax */
	0x48, 0x83, 0xc1, 0x02,                     /* 0x0f: add rcx,0x2 */
	0x48, 0x39, 0x0b,                           /* 0x13: cmp [rbx],rcx */
	0x48, 0x83, 0xc1, 0x03,                     /* 0x16: add rcx,0x3 */
	0x49, 0x8b, 0x10,                           /* 0x1a: mov rdx,[r8] */
	0x4c, 0x01, 0xce,                           /* 0x1d: add rsi,r9 */
	0x4c, 0x01, 0xd7,                           /* 0x20: add rdi,r10 */
	0x4c, 0x01, 0xdb,                           /* 0x23: add rbx,r11 */
	0x4d, 0x01, 0xe0,                           /* 0x26: add r8,r12 */
	0xff, 0xcd,                                 /* 0x29: dec ebp */
	0x75, 0xd8,                                 /* 0x2b: jne 0x5 */
	0xf4,                                       /* 0x2d: hlt */
};
#define FOUR_PASS 13u
#define PF_PAGE 0x600000ull     /* its page-directory entry is cleared */

/* The access through pointer k (0..3) reaches PF_PAGE in the third pass
 * (0x5ff000, 0x5ff800, 0x600000): #PF there, with the state of the
 * instructions before it. */
static void fault_at(unsigned k)
{
	static const struct { unsigned idx, off; bool write; } pos[4] = {
		{ 0, 0x05, false }, { 2, 0x0c, true },
		{ 4, 0x13, false }, { 6, 0x1a, false },
	};
	static const unsigned rcx_before[4] = { 0, 1, 3, 6 };
	static const int ptr[4] = { GPR_RSI, GPR_RDI, GPR_RBX, GPR_R8 };
	static const int stride[4] = { GPR_R9, GPR_R10, GPR_R11, GPR_R12 };
	enum engine_exit_reason r;

	h_fini(&h);
	h_init(&h);
	h_write64(&h, 0x3000 + 8 * (PF_PAGE >> 21), 0);
	h_load(&h, H_CODE, four, sizeof(four));
	for (unsigned j = 0; j < 4; j++) {
		h.s->gpr[ptr[j]] = H_DATA + 0x100 * j;
		h.s->gpr[stride[j]] = 0;
	}
	h.s->gpr[ptr[k]] = PF_PAGE - 0x1000;
	h.s->gpr[stride[k]] = 0x800;
	G(RCX) = 0;
	h.s->tsc = 500;
	r = h_run(&h, 1000);
	ck_assert_int_eq(h_fault_vector(&h, r), X86_PF);
	ck_assert_uint_eq(h_fault_rip(&h, r, true), H_CODE + pos[k].off);
	ck_assert_uint_eq(h_read64(&h, G(RSP)), pos[k].write ? 2 : 0);
	ck_assert_uint_eq(h.s->cr2, PF_PAGE);
	ck_assert_uint_eq(h_program_insns(&h, r), 1 + 2 * FOUR_PASS + pos[k].idx);
	/* The HLT of the handler stub retired too. */
	ck_assert_uint_eq(h.s->tsc, 500 + h.s->insn_count);
	ck_assert_uint_eq(G(RCX), 2 * 6 + rcx_before[k]);
	ck_assert_uint_eq(G(RBP), 1);
}

START_TEST(page_fault_at_each_position)
{
	for (unsigned k = 0; k < 4; k++)
		fault_at(k);
}
END_TEST

/* A body store (MOV m32, r32 through RDI) into the immediate of the
 * next instruction of the same body, a new value each pass: the code
 * page is watched, so the store leaves the body (also once the
 * host-pointer TLB holds the page) and the ADD runs its new immediate at
 * once. */
START_TEST(store_into_own_body)
{
	static const uint8_t code[] = {
		0xb9, 0x03, 0x00, 0x00, 0x00,       /* 0x00: mov ecx,0x3 */
		0x48, 0x83, 0xc0, 0x01,             /* 0x05: add rax,0x1 */
		0x89, 0x0f,                         /* 0x09: mov [rdi],ecx */
		0x05, 0x01, 0x00, 0x00, 0x01,       /* 0x0b: add eax,0x1000001 */
		0xff, 0xc9,                         /* 0x10: dec ecx */
		0x75, 0xf1,                         /* 0x12: jne 0x5 */
		0xf4,                               /* 0x14: hlt */
	};

	h_load(&h, H_CODE, code, sizeof(code));
	G(RAX) = 0;
	G(RDI) = H_CODE + 0xc;
	ck_assert_int_eq(h_run(&h, 100), ENGINE_EXIT_HLT);
	ck_assert_uint_eq(G(RAX), (1 + 3) + (1 + 2) + (1 + 1));
	ck_assert_uint_eq(h.s->insn_count, 1 + 3 * 5 + 1);
}
END_TEST

static Suite *blocks_mem_suite(void)
{
	Suite *s = suite_create("interp_blocks_mem");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, memory_forms_agree);
	tcase_add_test(tc, page_fault_at_each_position);
	tcase_add_test(tc, store_into_own_body);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return h_run_suite(blocks_mem_suite());
}
