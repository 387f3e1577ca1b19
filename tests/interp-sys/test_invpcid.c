// SPDX-License-Identifier: MIT
/*
 * PCID and INVPCID through the whole engine (SDM Vol. 2 INVPCID, MOV to
 * CR0/CR4; Vol. 3A 4.10.1, 4.10.4.1): CPUID advertises both; #UD without
 * the feature, #GP(0) at CPL 3, for a type above 3, reserved descriptor
 * bits, a non-canonical address (type 0) and a non-zero PCID with
 * CR4.PCIDE = 0 (types 0 and 1); and what each type drops from the TLB.
 *
 * The harness maps 0-4 GiB with 2 MiB pages; page 2 (0x400000) holds OLD,
 * page 3 (0x600000) NEW.  A read of 0x400000 caches the translation, then
 * its PDE is pointed at page 3 behind the TLB's back: reading OLD again
 * means the translation survived the INVPCID, NEW that it was dropped.
 */
#include <check.h>
#include <stdlib.h>

#include "sysutil.h"

#define LIN	0x400000ull
#define PDE_LIN	(0x3000ull + 2 * 8)
#define PDE_F	0x87ull			/* P, W, U, PS */
#define PDE_G	0x100ull
#define OLD	0x1111ull
#define NEW	0x2222ull
#define DESC	H_DATA

static struct harness h;

static void setup(void)
{
	h_init(&h);
	h_write64(&h, LIN, OLD);
	h_write64(&h, 0x600000, NEW);
}

static void teardown(void)
{
	h_fini(&h);
}

/* mov rdx, [rsi]; hlt */
static const uint8_t rd[] = { 0x48, 0x8b, 0x16, 0xf4 };
/* invpcid rax, [rbx]; mov rdx, [rsi]; hlt */
static const uint8_t inv_rd[] = { 0x66, 0x0f, 0x38, 0x82, 0x03,
				  0x48, 0x8b, 0x16, 0xf4 };
/* invpcid rax, [rbx]; hlt */
static const uint8_t inv[] = { 0x66, 0x0f, 0x38, 0x82, 0x03, 0xf4 };
static const uint8_t mov_cr0_rax[] = { 0x0f, 0x22, 0xc0, 0xf4 };
static const uint8_t mov_cr4_rax[] = { 0x0f, 0x22, 0xe0, 0xf4 };
static const uint8_t mov_cr3_rax[] = { 0x0f, 0x22, 0xd8, 0xf4 };

static void run_ok(const uint8_t *code, size_t len, uint64_t n)
{
	ck_assert_int_eq(su_run(&h, code, len, n), ENGINE_EXIT_HLT);
	ck_assert_int_eq(h_fault_vector(&h, ENGINE_EXIT_HLT), -1);
}

static int run_vec(const uint8_t *code, size_t len)
{
	return h_fault_vector(&h, su_run(&h, code, len, 3));
}

static void set_desc(uint64_t pcid_word, uint64_t lin)
{
	h_write64(&h, DESC, pcid_word);
	h_write64(&h, DESC + 8, lin);
}

static void mov_cr(const uint8_t *code, uint64_t v)
{
	G(RAX) = v;
	run_ok(code, 4, 2);
}

/* PCIDE on, CR3's PCID = pcid; the TLB then holds LIN -> OLD for it
 * (global with g), and the PDE points at NEW. */
static void cache_then_remap(unsigned pcid, bool g)
{
	h_write64(&h, PDE_LIN, LIN | PDE_F | (g ? PDE_G : 0));
	/* Toggling PGE drops global translations of earlier cases. */
	mov_cr(mov_cr4_rax, h.s->cr4 & ~CR4_PGE);
	mov_cr(mov_cr4_rax, h.s->cr4 | CR4_PCIDE | CR4_PGE);
	mov_cr(mov_cr3_rax, (h.s->cr3 & ~0xfffull) | pcid);   /* flushes it */
	G(RSI) = LIN;
	run_ok(rd, sizeof(rd), 2);
	ck_assert_uint_eq(G(RDX), OLD);
	h_write64(&h, PDE_LIN, 0x600000 | PDE_F | (g ? PDE_G : 0));
}

/* INVPCID type with descriptor (pcid, LIN); what a read of LIN gives. */
static uint64_t invpcid_then_read(uint64_t type, uint64_t pcid)
{
	G(RAX) = type;
	G(RBX) = DESC;
	G(RSI) = LIN;
	set_desc(pcid, LIN);
	run_ok(inv_rd, sizeof(inv_rd), 3);
	return G(RDX);
}

START_TEST(cpuid_advertises_pcid_and_invpcid)
{
	static const uint8_t code[] = {
		0xb8, 1, 0, 0, 0, 0x31, 0xc9, 0x0f, 0xa2, 0x89, 0xcf,
		0xb8, 7, 0, 0, 0, 0x31, 0xc9, 0x0f, 0xa2, 0xf4,
	};

	run_ok(code, sizeof(code), 10);
	ck_assert_uint_eq((G(RDI) >> 17) & 1, 1);      /* 1:ECX.PCID */
	ck_assert_uint_eq((G(RBX) >> 10) & 1, 1);      /* 7:EBX.INVPCID */
}
END_TEST

START_TEST(invpcid_fault_rules)
{
	G(RBX) = DESC;
	/* Type above 3; reserved descriptor bits 63:12. */
	set_desc(0, 0);
	G(RAX) = 4;
	ck_assert_int_eq(run_vec(inv, sizeof(inv)), X86_GP);
	G(RAX) = 1ull << 32;          /* the whole register is the type */
	ck_assert_int_eq(run_vec(inv, sizeof(inv)), X86_GP);
	G(RAX) = 3;
	set_desc(0x1000, 0);
	ck_assert_int_eq(run_vec(inv, sizeof(inv)), X86_GP);
	/* Type 0: a non-canonical address. */
	G(RAX) = 0;
	set_desc(0, 0x0000800000000000ull);
	ck_assert_int_eq(run_vec(inv, sizeof(inv)), X86_GP);
	set_desc(0, 0xffff800000000000ull);
	ck_assert_int_eq(run_vec(inv, sizeof(inv)), -1);
	/* PCIDE = 0: types 0 and 1 need PCID 0, types 2 and 3 ignore it. */
	set_desc(5, LIN);
	for (uint64_t t = 0; t < 4; t++) {
		G(RAX) = t;
		ck_assert_int_eq(run_vec(inv, sizeof(inv)), t < 2 ? X86_GP : -1);
	}
	/* With PCIDE = 1 any PCID goes. */
	mov_cr(mov_cr4_rax, h.s->cr4 | CR4_PCIDE);
	for (uint64_t t = 0; t < 4; t++) {
		G(RAX) = t;
		ck_assert_int_eq(run_vec(inv, sizeof(inv)), -1);
	}
	/* A descriptor on an unmapped page: #PF. */
	G(RBX) = 0x200000000ull;
	ck_assert_int_eq(run_vec(inv, sizeof(inv)), X86_PF);
	/* CPL 3: #GP(0). */
	G(RBX) = DESC;
	su_cpl3(&h);
	ck_assert_int_eq(run_vec(inv, sizeof(inv)), X86_GP);
}
END_TEST

START_TEST(invpcid_ud_without_feature)
{
	cpu_model_set(&h.ip->cfg.model, X86_FEAT_INVPCID, false);
	G(RAX) = 0;
	G(RBX) = DESC;
	set_desc(0, 0);
	ck_assert_int_eq(run_vec(inv, sizeof(inv)), X86_UD);
}
END_TEST

/* PCIDE: only in IA-32e mode with CR3[11:0] = 0 (SDM MOV CR4); CR0.PG
 * may not be cleared while it is set (SDM MOV CR0). */
START_TEST(pcide_rules)
{
	G(RAX) = h.s->cr4 | CR4_PCIDE;
	h.s->cr3 |= 1;
	ck_assert_int_eq(run_vec(mov_cr4_rax, sizeof(mov_cr4_rax)), X86_GP);
	h.s->cr3 &= ~0xfffull;
	mov_cr(mov_cr4_rax, h.s->cr4 | CR4_PCIDE);
	ck_assert_uint_ne(h.s->cr4 & CR4_PCIDE, 0);
	/* In compatibility mode clearing PG is allowed without PCIDE only. */
	h.s->seg[SEG_CS].ar &= ~SEG_AR_L;
	h.s->seg[SEG_CS].ar |= SEG_AR_DB;
	G(RAX) = h.s->cr0 & ~CR0_PG;
	ck_assert_int_eq(run_vec(mov_cr0_rax, sizeof(mov_cr0_rax)), X86_GP);
	ck_assert_uint_ne(h.s->cr0 & CR0_PG, 0);
}
END_TEST

START_TEST(type0_drops_the_page_of_that_pcid)
{
	cache_then_remap(1, false);
	ck_assert_uint_eq(invpcid_then_read(0, 2), OLD);   /* other PCID */
	ck_assert_uint_eq(invpcid_then_read(0, 1), NEW);
	/* Not a global translation. */
	cache_then_remap(1, true);
	ck_assert_uint_eq(invpcid_then_read(0, 1), OLD);
}
END_TEST

START_TEST(type1_drops_that_pcid_but_globals)
{
	cache_then_remap(1, false);
	ck_assert_uint_eq(invpcid_then_read(1, 2), OLD);
	ck_assert_uint_eq(invpcid_then_read(1, 1), NEW);
	cache_then_remap(1, true);
	ck_assert_uint_eq(invpcid_then_read(1, 1), OLD);
}
END_TEST

START_TEST(type2_drops_everything)
{
	cache_then_remap(1, true);
	ck_assert_uint_eq(invpcid_then_read(2, 7), NEW);
}
END_TEST

START_TEST(type3_drops_all_but_globals)
{
	cache_then_remap(1, true);
	ck_assert_uint_eq(invpcid_then_read(3, 7), OLD);
	cache_then_remap(1, false);
	ck_assert_uint_eq(invpcid_then_read(3, 7), NEW);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("invpcid");
	TCase *t = tcase_create("invpcid");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, cpuid_advertises_pcid_and_invpcid);
	tcase_add_test(t, invpcid_fault_rules);
	tcase_add_test(t, invpcid_ud_without_feature);
	tcase_add_test(t, pcide_rules);
	tcase_add_test(t, type0_drops_the_page_of_that_pcid);
	tcase_add_test(t, type1_drops_that_pcid_but_globals);
	tcase_add_test(t, type2_drops_everything);
	tcase_add_test(t, type3_drops_all_but_globals);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	SRunner *r = srunner_create(suite());
	int failed;

	srunner_run_all(r, CK_NORMAL);
	failed = srunner_ntests_failed(r);
	srunner_free(r);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
