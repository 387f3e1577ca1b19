// SPDX-License-Identifier: MIT
/*
 * Blocks (interp.h struct insn.blk) outlive changes of the fetch state:
 * they are checked against ip->code_gen (decode-cache changes, a code
 * page fetched through another linear page), not against link_gen.  Whatever makes a block's code another one
 * must still be seen: the code page remapped (PTE + INVLPG, CR3 write),
 * the same mapping after a CR3 write, a store into the block's bytes,
 * the same physical page at another linear address (the Jcc's targets
 * are RIPs), another code size.
 */
#include <check.h>
#include <string.h>

#include "harness.h"

static struct harness h;

#define G(r) (h.s->gpr[GPR_##r])

/* PD[3] (linear 0x600000-0x7fffff) -> a page table of 4 KiB pages at
 * PT_GPA, identity-mapped; PTE(lin) is the entry of lin. */
#define PT_GPA 0x500000ull
#define PTE(lin) (PT_GPA + (((lin) >> 12) & 511) * 8)
#define PTE_PRW 7ull    /* present, writable, user */

/* The loop at phys CODE_A, and another one (SUB, ADD RSI,9) at CODE_B:
 * mov ecx,5; 1: add rax,rbx; xor rbx,rax; add rsi,7; dec ecx; jnz 1b;
 * ret - a block of five from the MOV, then the Jcc. */
#define CODE_A 0x603000ull
#define CODE_B 0x604000ull
#define ALIAS  0x605000ull   /* linear, mapped to CODE_A */
static const uint8_t loop_a[] = {
	0xb9, 0x05, 0x00, 0x00, 0x00, 0x48, 0x01, 0xd8, 0x48, 0x31, 0xc3,
	0x48, 0x83, 0xc6, 0x07, 0xff, 0xc9, 0x75, 0xf2, 0xc3,
};
static const uint8_t loop_b[] = {
	0xb9, 0x05, 0x00, 0x00, 0x00, 0x48, 0x29, 0xd8, 0x48, 0x31, 0xc3,
	0x48, 0x83, 0xc6, 0x09, 0xff, 0xc9, 0x75, 0xf2, 0xc3,
};

/* mov ecx,5; mov r8d,1; mov r9d,2; add rsi,7; ret: a block of four.  A
 * store into the 7 drops the decodes that may hold it (from 14 bytes
 * before: mov r9d, add rsi), not the block's first two. */
#define CODE_C 0x606000ull
static const uint8_t code_c[] = {
	0xb9, 0x05, 0x00, 0x00, 0x00, 0x41, 0xb8, 0x01, 0x00, 0x00, 0x00,
	0x41, 0xb9, 0x02, 0x00, 0x00, 0x00, 0x48, 0x83, 0xc6, 0x07, 0xc3,
};

static void setup(void)
{
	h_init(&h);
	h_write64(&h, 0x3000 + 3 * 8, PT_GPA | PTE_PRW);
	for (uint64_t i = 0; i < 512; i++)
		h_write64(&h, PT_GPA + i * 8, (0x600000 + i * 0x1000) | PTE_PRW);
	h_write64(&h, PTE(ALIAS), CODE_A | PTE_PRW);
	h_load(&h, CODE_A, loop_a, sizeof(loop_a));
	h_load(&h, CODE_B, loop_b, sizeof(loop_b));
	h_load(&h, CODE_C, code_c, sizeof(code_c));
}

static void teardown(void) { h_fini(&h); }

struct ref { uint64_t a, b, si; };

/* What one call of a loop leaves (sub: loop_b's SUB, k: its ADD RSI). */
static void ref_loop(struct ref *r, bool sub, uint64_t k)
{
	for (int i = 0; i < 5; i++) {
		r->a = sub ? r->a - r->b : r->a + r->b;
		r->b ^= r->a;
		r->si += k;
	}
}

/*
 * call CODE_A; remap it to CODE_B (PTE, INVLPG); call; MOV CR3 (same
 * mapping); call; map CODE_A again (PTE, MOV CR3); call; then 4 times:
 * call CODE_C twice (the second call finds its block built with the new
 * immediate) and increment its ADD's immediate; hlt.  Then twice: call
 * CODE_A, call ALIAS; hlt.
 */
static const uint8_t prog[] = {
	0xe8, 0xfb, 0x2f, 0x50, 0x00,                   /* call CODE_A */
	0x48, 0xc7, 0xc2, 0x03, 0x40, 0x60, 0x00,       /* mov rdx,0x604003 */
	0x48, 0x89, 0x14, 0x25, 0x18, 0x00, 0x50, 0x00, /* mov [0x500018],rdx */
	0x0f, 0x01, 0x3c, 0x25, 0x00, 0x30, 0x60, 0x00, /* invlpg [0x603000] */
	0xe8, 0xdf, 0x2f, 0x50, 0x00,                   /* call CODE_A */
	0x0f, 0x20, 0xda,                               /* mov rdx,cr3 */
	0x0f, 0x22, 0xda,                               /* mov cr3,rdx */
	0xe8, 0xd4, 0x2f, 0x50, 0x00,                   /* call CODE_A */
	0x48, 0xc7, 0xc2, 0x03, 0x30, 0x60, 0x00,       /* mov rdx,0x603003 */
	0x48, 0x89, 0x14, 0x25, 0x18, 0x00, 0x50, 0x00, /* mov [0x500018],rdx */
	0x0f, 0x20, 0xda,                               /* mov rdx,cr3 */
	0x0f, 0x22, 0xda,                               /* mov cr3,rdx */
	0xe8, 0xba, 0x2f, 0x50, 0x00,                   /* call CODE_A */
	0xbf, 0x04, 0x00, 0x00, 0x00,                   /* mov edi,4 */
	0xe8, 0xb0, 0x5f, 0x50, 0x00,                   /* 1: call CODE_C */
	0xe8, 0xab, 0x5f, 0x50, 0x00,                   /* call CODE_C */
	0xfe, 0x04, 0x25, 0x14, 0x60, 0x60, 0x00,       /* inc byte [0x606014] */
	0xff, 0xcf,                                     /* dec edi */
	0x75, 0xeb,                                     /* jnz 1b */
	0xf4,                                           /* hlt */
	0xbf, 0x02, 0x00, 0x00, 0x00,                   /* mov edi,2 */
	0xe8, 0x95, 0x2f, 0x50, 0x00,                   /* 2: call CODE_A */
	0xe8, 0x90, 0x4f, 0x50, 0x00,                   /* call ALIAS */
	0xff, 0xcf,                                     /* dec edi */
	0x75, 0xf2,                                     /* jnz 2b */
	0xf4,                                           /* hlt */
};
#define PROG_HLT1 0x60u

/* Each call runs the code its page maps now, with the bytes it has now. */
START_TEST(block_follows_code_page)
{
	struct ref r = { 1, 2, 0 };

	h_load(&h, H_CODE, prog, sizeof(prog));
	G(RAX) = r.a;
	G(RBX) = r.b;
	G(RSI) = 0;
	ck_assert_int_eq(h_run(&h, 1000), ENGINE_EXIT_HLT);
	ck_assert_uint_eq(h.s->rip, H_CODE + PROG_HLT1 + 1);
	ref_loop(&r, false, 7);
	ref_loop(&r, true, 9);
	ref_loop(&r, true, 9);
	ref_loop(&r, false, 7);
	r.si += 2 * (7 + 8 + 9 + 10);
	ck_assert_uint_eq(G(RAX), r.a);
	ck_assert_uint_eq(G(RBX), r.b);
	ck_assert_uint_eq(G(RSI), r.si);
	ck_assert_uint_eq(G(R9), 2);
	/* 35 of prog up to its HLT, each of the 4 loops 1 + 5 x 5 + 1,
	 * each of the 8 calls of CODE_C 5. */
	ck_assert_uint_eq(h.s->insn_count, 35 + 4 * (1 + 5 * 5 + 1) + 8 * 5);
}
END_TEST

/*
 * The same physical code at another linear page: its block's Jcc leaves
 * for RIPs there.  In the second round (nothing new decoded: the block
 * was last built at CODE_A) stop right after the alias's first Jcc
 * (mov edi, a round of 1 + 27 + 1 + 27 + 2, call, 1 + 27, call, the
 * body of five, the Jcc in line): RIP is the alias's loop head.
 */
START_TEST(block_at_alias_keeps_its_rips)
{
	h_load(&h, H_CODE, prog, sizeof(prog));
	ck_assert_int_eq(h_run(&h, 1000), ENGINE_EXIT_HLT);
	h.s->activity = ACTIVITY_ACTIVE;
	ck_assert_int_eq(h_run(&h, 1 + 58 + 28 + 1 + 6), ENGINE_EXIT_INSN_LIMIT);
	ck_assert_uint_eq(h.s->rip, ALIAS + 5);
	ck_assert_uint_eq(G(RCX), 4);
	ck_assert_int_eq(h_run(&h, 1000), ENGINE_EXIT_HLT);
	ck_assert_uint_eq(h.s->rip, H_CODE + sizeof(prog));
}
END_TEST

/*
 * The same bytes in compatibility mode after 64-bit mode ran them as a
 * block: 48 is DEC EAX there, so add rax,rbx is dec eax; add eax,ebx.
 * Run at CODE_A directly (it ends in RET: point RSP at a HLT address).
 */
START_TEST(block_then_compat_mode)
{
	struct cpu_state s;
	uint64_t ret = H_CODE + 0x800;

	h_write64(&h, ret, 0xf4);               /* hlt */
	h_write64(&h, H_STACK - 8, ret);
	for (int pass = 0; pass < 2; pass++) {
		struct ref r = { 1, 2, 0 };

		h.s->activity = ACTIVITY_ACTIVE;
		h.s->rip = CODE_A;
		h.s->gpr[GPR_RSP] = H_STACK - 8;
		G(RAX) = 1;
		G(RBX) = 2;
		ck_assert_int_eq(h_run(&h, 1000), ENGINE_EXIT_HLT);
		ref_loop(&r, false, 7);
		ck_assert_uint_eq(G(RAX), r.a);
	}
	h.eng->ops->get_state(h.eng, &s);
	s.seg[SEG_CS].sel = 0x18;
	s.seg[SEG_CS].ar = (s.seg[SEG_CS].ar & ~SEG_AR_L) | SEG_AR_DB;
	s.activity = ACTIVITY_ACTIVE;
	h.eng->ops->set_state(h.eng, &s);
	h.s->rip = CODE_A;
	h.s->gpr[GPR_RSP] = H_STACK - 8;
	G(RAX) = 1;
	G(RBX) = 2;
	ck_assert_int_eq(h_run(&h, 1000), ENGINE_EXIT_HLT);
	/* 5 x (dec eax; add eax,ebx; dec eax; xor ebx,eax; dec eax;
	 * add esi,7). */
	{
		uint32_t a = 1, b = 2;

		for (int i = 0; i < 5; i++) {
			a = a - 1 + b;
			a -= 1;
			b ^= a;
			a -= 1;
		}
		ck_assert_uint_eq(G(RAX), a);
		ck_assert_uint_eq(G(RBX), b);
	}
}
END_TEST

static Suite *remap_suite(void)
{
	Suite *s = suite_create("interp_blocks_remap");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, block_follows_code_page);
	tcase_add_test(tc, block_at_alias_keeps_its_rips);
	tcase_add_test(tc, block_then_compat_mode);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return h_run_suite(remap_suite());
}
