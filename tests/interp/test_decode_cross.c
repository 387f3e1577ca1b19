// SPDX-License-Identifier: MIT
/*
 * Instructions that cross a page are cached (decode.c, cross_hit): every
 * use fetches the part on the second page again and the cached decode
 * serves only while those bytes are the same.  So a loop decodes one
 * once, and whatever changes the second page is seen at once: its PTE
 * (INVLPG, CR3 write), a store into it, not present any more (#PF with
 * CR2 there), a CS limit that cuts the instruction in 32-bit code.
 */
#include <check.h>
#include <string.h>

#include "harness.h"

static struct harness h;

#define G(r) (h.s->gpr[GPR_##r])

/* PD[3] (linear 0x600000-0x7fffff) -> a page table of 4 KiB pages at
 * PT_GPA, identity-mapped. */
#define PT_GPA 0x500000ull
#define PTE_PRW 7ull    /* present, writable, user */

/* mov eax,0x44332211 at 0x600ffd: b8 11 22 | 33 44 on the next page,
 * then ret; the other page 0x602000 holds 55 66 c3 there. */
#define CROSS 0x600ffdull

static void setup(void)
{
	static const uint8_t head[] = { 0xb8, 0x11, 0x22 };
	static const uint8_t tail1[] = { 0x33, 0x44, 0xc3 };
	static const uint8_t tail2[] = { 0x55, 0x66, 0xc3 };

	h_init(&h);
	h_write64(&h, 0x3000 + 3 * 8, PT_GPA | PTE_PRW);
	for (uint64_t i = 0; i < 512; i++)
		h_write64(&h, PT_GPA + i * 8, (0x600000 + i * 0x1000) | PTE_PRW);
	h_load(&h, 0x602000, tail2, sizeof(tail2));
	h_load(&h, 0x601000, tail1, sizeof(tail1));
	h_load(&h, CROSS, head, sizeof(head));
}

static void teardown(void) { h_fini(&h); }

/*
 * 50 calls of it; hlt; map its second page to 0x602000 (PTE, INVLPG);
 * call; store 0x77 into its last byte; call; map 0x601000 again (PTE,
 * MOV CR3); call; make the second page not present (INVLPG); call.
 */
static const uint8_t prog[] = {
	0xb9, 0x32, 0x00, 0x00, 0x00,                   /* mov ecx,50 */
	0xe8, 0xf3, 0x0f, 0x50, 0x00,                   /* 1: call CROSS */
	0xff, 0xc9,                                     /* dec ecx */
	0x75, 0xf7,                                     /* jnz 1b */
	0x89, 0xc3,                                     /* mov ebx,eax */
	0xf4,                                           /* hlt */
	0x48, 0xc7, 0xc0, 0x03, 0x20, 0x60, 0x00,       /* mov rax,0x602003 */
	0x48, 0x89, 0x04, 0x25, 0x08, 0x00, 0x50, 0x00, /* mov [0x500008],rax */
	0x0f, 0x01, 0x3c, 0x25, 0x00, 0x10, 0x60, 0x00, /* invlpg [0x601000] */
	0xe8, 0xd0, 0x0f, 0x50, 0x00,                   /* call CROSS */
	0x41, 0x89, 0xc0,                               /* mov r8d,eax */
	0xc6, 0x04, 0x25, 0x01, 0x10, 0x60, 0x00, 0x77, /* mov byte [0x601001],0x77 */
	0xe8, 0xc0, 0x0f, 0x50, 0x00,                   /* call CROSS */
	0x41, 0x89, 0xc1,                               /* mov r9d,eax */
	0x48, 0xc7, 0xc0, 0x03, 0x10, 0x60, 0x00,       /* mov rax,0x601003 */
	0x48, 0x89, 0x04, 0x25, 0x08, 0x00, 0x50, 0x00, /* mov [0x500008],rax */
	0x0f, 0x20, 0xd8,                               /* mov rax,cr3 */
	0x0f, 0x22, 0xd8,                               /* mov cr3,rax */
	0xe8, 0xa3, 0x0f, 0x50, 0x00,                   /* call CROSS */
	0x41, 0x89, 0xc2,                               /* mov r10d,eax */
	0x48, 0xc7, 0x04, 0x25, 0x08, 0x00, 0x50, 0x00, /* mov qword [0x500008],0 */
	0x00, 0x00, 0x00, 0x00,
	0x0f, 0x01, 0x3c, 0x25, 0x00, 0x10, 0x60, 0x00, /* invlpg [0x601000] */
	0xe8, 0x87, 0x0f, 0x50, 0x00,                   /* call CROSS */
	0xf4,                                           /* hlt */
};
#define PROG_HLT1 0x10u

START_TEST(crossing_decode_cached)
{
	uint64_t misses;
	enum engine_exit_reason r;

	h_load(&h, H_CODE, prog, sizeof(prog));
	ck_assert_int_eq(h_run(&h, 1000), ENGINE_EXIT_HLT);
	ck_assert_uint_eq(h.s->rip, H_CODE + PROG_HLT1 + 1);
	ck_assert_uint_eq(G(RBX), 0x44332211);
	/* Each of the 8 instructions once (not 50 times the crossing one). */
	ck_assert_uint_eq(h.ip->decode_misses, 8);
	misses = h.ip->decode_misses;
	h.s->activity = ACTIVITY_ACTIVE;
	r = h_run(&h, 1000);
	ck_assert_uint_eq(G(R8), 0x66552211);     /* remapped: INVLPG */
	ck_assert_uint_eq(G(R9), 0x77552211);     /* written */
	ck_assert_uint_eq(G(R10), 0x44332211);    /* remapped: CR3 */
	/* The last call faults on the second page: #PF, not present, a
	 * supervisor fetch (I/D with EFER.NXE), CR2 there, at CROSS. */
	ck_assert_int_eq(h_fault_vector(&h, r), X86_PF);
	ck_assert_uint_eq(h_read64(&h, G(RSP)), PF_I);
	ck_assert_uint_eq(h_fault_rip(&h, r, true), CROSS);
	ck_assert_uint_eq(h.s->cr2, 0x601000);
	/* The 17 new instructions up to the last call, the crossing one
	 * after each of the 3 changes, the RET at 0x602002 and the #PF
	 * handler's HLT. */
	ck_assert_uint_eq(h.ip->decode_misses - misses, 17 + 3 + 2);
}
END_TEST

/*
 * 32-bit code, no paging: mov eax,0x44332211 at 0x100ffd, hlt after it.
 * A CS limit that ends inside it (on its second page, or on its first)
 * raises #GP(0) at it also when its decode is cached; IDT gate 13 is a
 * 32-bit one to a HLT.
 */
#define CROSS32 0x100ffdull
#define GP32 0x100800ull

static enum engine_exit_reason run32(uint32_t limit)
{
	h.s->activity = ACTIVITY_ACTIVE;
	h.s->seg[SEG_CS].limit = limit;
	h.s->rip = CROSS32;
	h.s->gpr[GPR_RSP] = H_STACK;
	G(RAX) = 0;
	return h_run(&h, 100);
}

static void expect_gp32(enum engine_exit_reason r)
{
	ck_assert_int_eq(r, ENGINE_EXIT_HLT);
	ck_assert_uint_eq(h.s->rip, GP32 + 1);
	ck_assert_uint_eq(h.s->gpr[GPR_RSP], H_STACK - 16);
	ck_assert_uint_eq(h_read64(&h, H_STACK - 16), CROSS32 << 32);
	ck_assert_uint_eq(G(RAX), 0);
}

START_TEST(crossing_decode_cs_limit)
{
	static const uint8_t code[] = { 0xb8, 0x11, 0x22, 0x33, 0x44, 0xf4 };
	uint64_t misses = 0;

	h_mode32(&h);
	h_write64(&h, H_IDT + 13 * 8, (GP32 & 0xffff) | (0x18ull << 16) |
		  (0x8eull << 40) | ((GP32 >> 16) << 48));
	h_write64(&h, GP32, 0xf4);
	h_load(&h, CROSS32, code, sizeof(code));
	for (int pass = 0; pass < 2; pass++) {
		ck_assert_int_eq(run32(0xffffffff), ENGINE_EXIT_HLT);
		ck_assert_uint_eq(h.s->rip, CROSS32 + sizeof(code));
		ck_assert_uint_eq(G(RAX), 0x44332211);
		if (pass)
			ck_assert_uint_eq(h.ip->decode_misses, misses);
		misses = h.ip->decode_misses;
	}
	expect_gp32(run32(CROSS32 + 3));        /* limit on the second page */
	expect_gp32(run32(CROSS32 + 1));        /* limit on the first page */
	ck_assert_int_eq(run32(0xffffffff), ENGINE_EXIT_HLT);
	ck_assert_uint_eq(G(RAX), 0x44332211);
}
END_TEST

static Suite *cross_suite(void)
{
	Suite *s = suite_create("interp_decode_cross");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, crossing_decode_cached);
	tcase_add_test(tc, crossing_decode_cs_limit);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return h_run_suite(cross_suite());
}
