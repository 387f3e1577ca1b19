// SPDX-License-Identifier: MIT
/* Paging: 4K/2M/1G pages, NX, WP, U/S, SMEP/SMAP, reserved bits, A/D bits,
 * #PF error codes and CR2, the TLB, 32-bit and PAE paging, the EPT hook. */
#include <check.h>
#include <stdlib.h>

#include "sysh.h"

#define PT_P  0x1ull
#define PT_RW 0x2ull
#define PT_US 0x4ull
#define PT_A  0x20ull
#define PT_D  0x40ull
#define PT_PS 0x80ull
#define PT_XD (1ull << 63)

static struct sysh h;

struct xl {
	uint64_t lin;
	unsigned acc;
	uint64_t gpa;
};

static void do_xlate(struct interp *ip, void *arg)
{
	struct xl *x = arg;

	mmu_translate(ip, x->lin, x->acc, false, &x->gpa);
}

/* Translate; returns -1 on success (gpa in *gpa) or the vector. */
static int xlate(uint64_t lin, unsigned acc, uint64_t *gpa)
{
	struct xl x = { lin, acc, 0 };
	int v = sysh_try(&h, do_xlate, &x);

	if (gpa)
		*gpa = x.gpa;
	return v;
}

static uint32_t pf_err(void)
{
	ck_assert(h.s->pending_exception.has_error_code);
	return h.s->pending_exception.error_code;
}

/* lin 0x400000 (PD[2]) -> page table at SH_PT; PT[0] -> 0x500000. */
static void setup(void)
{
	sysh_init(&h);
	sysh_w64(&h, SH_PD + 2 * 8, SH_PT | PT_P | PT_RW | PT_US);
	sysh_w64(&h, SH_PT, 0x500000 | PT_P | PT_RW);
	for (uint64_t i = 2; i < 512; i++)
		sysh_w64(&h, SH_PT + i * 8, (0x500000 + i * 0x1000) | PT_P | PT_RW);
}

static void teardown(void)
{
	sysh_fini(&h);
}

START_TEST(page_4k_and_ad_bits)
{
	uint64_t gpa;

	ck_assert_int_eq(xlate(0x400123, ACC_READ, &gpa), -1);
	ck_assert_uint_eq(gpa, 0x500123);
	ck_assert(sysh_r64(&h, SH_PML4) & PT_A);
	ck_assert(sysh_r64(&h, SH_PDPT) & PT_A);
	ck_assert(sysh_r64(&h, SH_PD + 16) & PT_A);
	ck_assert(sysh_r64(&h, SH_PT) & PT_A);
	ck_assert(!(sysh_r64(&h, SH_PT) & PT_D));
	/* A write sets D, even after a cached read translation. */
	ck_assert_int_eq(xlate(0x400456, ACC_WRITE, &gpa), -1);
	ck_assert_uint_eq(gpa, 0x500456);
	ck_assert(sysh_r64(&h, SH_PT) & PT_D);
}
END_TEST

START_TEST(page_2m_and_1g)
{
	uint64_t gpa;

	sysh_w64(&h, SH_PD + 3 * 8, 0x200000 | PT_P | PT_RW | PT_PS);
	ck_assert_int_eq(xlate(0x6abcde, ACC_READ, &gpa), -1);
	ck_assert_uint_eq(gpa, 0x2abcde);
	sysh_w64(&h, SH_PDPT + 8, 0x40000000 | PT_P | PT_RW | PT_PS);
	ck_assert_int_eq(xlate(0x40123456, ACC_WRITE, &gpa), -1);
	ck_assert_uint_eq(gpa, 0x40123456);
	ck_assert(sysh_r64(&h, SH_PDPT + 8) & PT_D);
	/* 1G page at physical 1G: bits 29:13 reserved when set. */
	sysh_w64(&h, SH_PDPT + 16, 0x40002000 | PT_P | PT_RW | PT_PS);
	ck_assert_int_eq(xlate(0x80000000, ACC_READ, NULL), X86_PF);
	ck_assert_uint_eq(pf_err(), PF_P | PF_RSVD);
}
END_TEST

START_TEST(not_present_error_codes)
{
	sysh_w64(&h, SH_PT + 8, 0);
	ck_assert_int_eq(xlate(0x401008, ACC_READ, NULL), X86_PF);
	ck_assert_uint_eq(pf_err(), 0);
	ck_assert(h.ip->fault_cr2_valid);
	ck_assert_uint_eq(h.ip->fault_cr2, 0x401008);
	ck_assert_uint_eq(h.s->cr2, 0);   /* written only at delivery */
	ck_assert_int_eq(xlate(0x401008, ACC_WRITE, NULL), X86_PF);
	ck_assert_uint_eq(pf_err(), PF_W);
	ck_assert_int_eq(xlate(0x401000, ACC_FETCH, NULL), X86_PF);
	ck_assert_uint_eq(pf_err(), PF_I);   /* NXE=1 reports I/D */
	/* User-mode access: CPL 3. */
	h.s->seg[SEG_CS].ar |= 3u << SEG_AR_DPL_SHIFT;
	ck_assert_int_eq(xlate(0x401000, ACC_WRITE, NULL), X86_PF);
	ck_assert_uint_eq(pf_err(), PF_W | PF_U);
	/* Implicit supervisor access from CPL 3 has U=0. */
	ck_assert_int_eq(xlate(0x401000, ACC_READ | ACC_SUPER, NULL), X86_PF);
	ck_assert_uint_eq(pf_err(), 0);
}
END_TEST

START_TEST(nx_and_reserved)
{
	sysh_w64(&h, SH_PT, 0x500000 | PT_P | PT_RW | PT_XD);
	ck_assert_int_eq(xlate(0x400000, ACC_READ, NULL), -1);
	ck_assert_int_eq(xlate(0x400000, ACC_FETCH, NULL), X86_PF);
	ck_assert_uint_eq(pf_err(), PF_P | PF_I);
	/* With EFER.NXE=0 bit 63 is reserved (and I/D is not reported). */
	h.s->efer &= ~EFER_NXE;
	tlb_flush(h.ip);
	ck_assert_int_eq(xlate(0x400000, ACC_FETCH, NULL), X86_PF);
	ck_assert_uint_eq(pf_err(), PF_P | PF_RSVD);
	ck_assert_int_eq(xlate(0x400000, ACC_READ, NULL), X86_PF);
	ck_assert_uint_eq(pf_err(), PF_P | PF_RSVD);
	/* Address bits MAXPHYADDR (46 by default) and up are reserved. */
	h.s->efer |= EFER_NXE;
	sysh_w64(&h, SH_PT + 8, (1ull << CPU_MODEL_MAXPHYADDR_DEFAULT) |
		 0x501000 | PT_P);
	ck_assert_int_eq(xlate(0x401000, ACC_WRITE, NULL), X86_PF);
	ck_assert_uint_eq(pf_err(), PF_P | PF_RSVD | PF_W);
	/* PS in a PML4E is reserved. */
	sysh_w64(&h, SH_PML4 + 8, SH_PDPT | PT_P | PT_PS);
	ck_assert_int_eq(xlate(0x8000000000ull, ACC_READ, NULL), X86_PF);
	ck_assert_uint_eq(pf_err(), PF_P | PF_RSVD);
}
END_TEST

START_TEST(write_protect)
{
	uint64_t gpa;

	sysh_w64(&h, SH_PT, 0x500000 | PT_P);   /* read-only */
	ck_assert_int_eq(xlate(0x400000, ACC_WRITE, NULL), X86_PF);
	ck_assert_uint_eq(pf_err(), PF_P | PF_W);
	h.s->cr0 &= ~CR0_WP;
	ck_assert_int_eq(xlate(0x400000, ACC_WRITE, &gpa), -1);
	ck_assert_uint_eq(gpa, 0x500000);
	/* Read-only in a non-leaf level also counts. */
	h.s->cr0 |= CR0_WP;
	sysh_w64(&h, SH_PT, 0x500000 | PT_P | PT_RW);
	sysh_w64(&h, SH_PD + 16, SH_PT | PT_P | PT_US);
	tlb_flush(h.ip);
	ck_assert_int_eq(xlate(0x400000, ACC_WRITE, NULL), X86_PF);
	ck_assert_uint_eq(pf_err(), PF_P | PF_W);
}
END_TEST

START_TEST(user_supervisor_smep_smap)
{
	/* Page 0x400000 is supervisor (PT entry without US). */
	h.s->seg[SEG_CS].ar |= 3u << SEG_AR_DPL_SHIFT;
	ck_assert_int_eq(xlate(0x400000, ACC_READ, NULL), X86_PF);
	ck_assert_uint_eq(pf_err(), PF_P | PF_U);
	/* Make it a user page: CPL 3 reads and writes work. */
	sysh_w64(&h, SH_PT, 0x500000 | PT_P | PT_RW | PT_US);
	tlb_flush(h.ip);
	ck_assert_int_eq(xlate(0x400000, ACC_WRITE, NULL), -1);
	/* Supervisor fetch from a user page with SMEP. */
	h.s->seg[SEG_CS].ar &= ~SEG_AR_DPL_MASK;
	h.s->cr4 |= CR4_SMEP;
	ck_assert_int_eq(xlate(0x400000, ACC_FETCH, NULL), X86_PF);
	ck_assert_uint_eq(pf_err(), PF_P | PF_I);
	/* SMAP: supervisor data access to a user page unless EFLAGS.AC. */
	h.s->cr4 |= CR4_SMAP;
	ck_assert_int_eq(xlate(0x400000, ACC_READ, NULL), X86_PF);
	ck_assert_uint_eq(pf_err(), PF_P);
	h.s->rflags |= RFLAGS_AC;
	ck_assert_int_eq(xlate(0x400000, ACC_READ, NULL), -1);
	/* ... but implicit supervisor accesses fault regardless of AC. */
	ck_assert_int_eq(xlate(0x400000, ACC_READ | ACC_SUPER, NULL), X86_PF);
}
END_TEST

START_TEST(tlb_invlpg_and_cr3)
{
	uint64_t gpa;

	ck_assert_int_eq(xlate(0x400000, ACC_READ, &gpa), -1);
	ck_assert_uint_eq(gpa, 0x500000);
	sysh_w64(&h, SH_PT, 0x600000 | PT_P | PT_RW);
	/* Stale until flushed, like the hardware TLB. */
	ck_assert_int_eq(xlate(0x400000, ACC_READ, &gpa), -1);
	ck_assert_uint_eq(gpa, 0x500000);
	tlb_flush_page(h.ip, 0x400000);
	ck_assert_int_eq(xlate(0x400000, ACC_READ, &gpa), -1);
	ck_assert_uint_eq(gpa, 0x600000);
}
END_TEST

static void write_cr3(struct interp *ip, void *arg)
{
	(void)arg;
	/* MOV CR3 semantics without an instruction: flushes the TLB. */
	ip->s.cr3 = SH_PML4;
	tlb_flush(ip);
}

START_TEST(tlb_flush_on_cr3)
{
	uint64_t gpa;

	ck_assert_int_eq(xlate(0x400000, ACC_READ, &gpa), -1);
	sysh_w64(&h, SH_PT, 0x700000 | PT_P | PT_RW);
	ck_assert_int_eq(xlate(0x400000, ACC_READ, &gpa), -1);
	ck_assert_uint_eq(gpa, 0x500000);
	ck_assert_int_eq(sysh_try(&h, write_cr3, NULL), -1);
	ck_assert_int_eq(xlate(0x400000, ACC_READ, &gpa), -1);
	ck_assert_uint_eq(gpa, 0x700000);
}
END_TEST

START_TEST(paging_32bit_pse)
{
	uint64_t gpa;

	h.s->efer = 0;
	h.s->cr4 = CR4_PSE;
	h.s->cr3 = 0x10000;
	h.s->seg[SEG_CS].ar = SEG_AR_P | SEG_AR_S | SEG_AR_DB | SEG_AR_G | 0xb;
	tlb_flush(h.ip);
	/* PDE 1: 4M page at 0xc00000; PDE 2: page table at 0x11000. */
	ck_assert(gmem_write_u32(&h.mem, 0x10004, 0xc00000 | 0x83));
	ck_assert(gmem_write_u32(&h.mem, 0x10008, 0x11000 | 0x3));
	ck_assert(gmem_write_u32(&h.mem, 0x11000 + 5 * 4, 0x345000 | 0x3));
	ck_assert_int_eq(xlate(0x5abcde, ACC_READ, &gpa), -1);
	ck_assert_uint_eq(gpa, 0xdabcde);
	ck_assert_int_eq(xlate(0x805123, ACC_WRITE, &gpa), -1);
	ck_assert_uint_eq(gpa, 0x345123);
	{
		uint32_t pte;

		gmem_read_u32(&h.mem, 0x11000 + 5 * 4, &pte);
		ck_assert_uint_eq(pte & 0x60, 0x60);   /* A and D */
	}
	/* Without CR4.PSE the PS bit is ignored: PDE 1 is a table. */
	h.s->cr4 = 0;
	tlb_flush(h.ip);
	ck_assert_int_eq(xlate(0x400000, ACC_READ, NULL), X86_PF);
	ck_assert_uint_eq(pf_err(), 0);   /* table at 0xc00000 is empty */
	/* No execute-disable in 32-bit paging: fetches have no I/D. */
	ck_assert_int_eq(xlate(0x401000, ACC_FETCH, NULL), X86_PF);
	ck_assert_uint_eq(pf_err(), 0);
}
END_TEST

START_TEST(paging_pae_legacy)
{
	uint64_t gpa;

	h.s->efer = EFER_NXE;
	h.s->cr4 = CR4_PAE;
	h.s->cr3 = 0x10000;
	h.s->seg[SEG_CS].ar = SEG_AR_P | SEG_AR_S | SEG_AR_DB | SEG_AR_G | 0xb;
	tlb_flush(h.ip);
	sysh_w64(&h, 0x10000 + 8, 0x11000 | PT_P);          /* PDPTE 1 */
	sysh_w64(&h, 0x11000 + 8, 0x12000 | PT_P | PT_RW);  /* PDE 1 */
	sysh_w64(&h, 0x12000 + 3 * 8, 0x777000 | PT_P | PT_XD);
	ck_assert_int_eq(xlate(0x40203456, ACC_READ, &gpa), -1);
	ck_assert_uint_eq(gpa, 0x777456);
	ck_assert_int_eq(xlate(0x40203456, ACC_FETCH, NULL), X86_PF);
	ck_assert_uint_eq(pf_err(), PF_P | PF_I);
	/* PAE: bits 62:52 are reserved too. */
	sysh_w64(&h, 0x12000 + 4 * 8, 0x778000 | PT_P | (1ull << 55));
	ck_assert_int_eq(xlate(0x40204000, ACC_READ, NULL), X86_PF);
	ck_assert_uint_eq(pf_err(), PF_P | PF_RSVD);
}
END_TEST

/* ---- EPT hook ---- */

static unsigned ept_calls, ept_walk_calls;
static uint64_t ept_last_gpa, ept_last_gla;

static enum icpt_result fake_translate(void *opaque, struct x86_intercept_ctx *ctx,
				       uint64_t gpa, unsigned access,
				       uint64_t gla, bool gla_valid,
				       bool in_walk, uint64_t *out)
{
	ept_calls++;
	if (in_walk) {
		ept_walk_calls++;
		*out = gpa;
		return ICPT_CONTINUE;
	}
	ept_last_gpa = gpa;
	ept_last_gla = gla;
	if (gpa >= 0x900000 && gpa < 0x901000) {
		/* Simulate an EPT violation VM exit. */
		ctx->cpu->rip = 0xdead000;
		ctx->state_changed(ctx->engine);
		return ICPT_SWITCHED;
	}
	*out = gpa + 0x100000;   /* a simple offset "EPT" */
	return ICPT_CONTINUE;
}

static const struct x86_intercept_ops fake_ops = {
	.translate_gpa = fake_translate,
};

START_TEST(ept_hook_every_access)
{
	uint64_t gpa;

	h.ip->cfg.icpt = &fake_ops;
	ept_calls = ept_walk_calls = 0;
	ck_assert_int_eq(xlate(0x400010, ACC_READ, &gpa), -1);
	ck_assert_uint_eq(gpa, 0x600010);
	ck_assert_uint_eq(ept_last_gpa, 0x500010);   /* with its page offset */
	ck_assert_uint_eq(ept_last_gla, 0x400010);
	/* 4 paging-structure reads + A-bit writes on 4 levels. */
	ck_assert_uint_eq(ept_walk_calls, 8);
	/* A TLB hit needs no hook call; a write re-walks (EPT W check). */
	ept_calls = 0;
	ck_assert_int_eq(xlate(0x400020, ACC_READ, &gpa), -1);
	ck_assert_uint_eq(ept_calls, 0);
	ck_assert_int_eq(xlate(0x400020, ACC_WRITE, &gpa), -1);
	ck_assert_uint_eq(gpa, 0x600020);
	ck_assert_uint_ne(ept_calls, 0);
	/* A VM exit from the hook aborts the access. */
	sysh_w64(&h, SH_PT + 8, 0x900000 | PT_P | PT_RW);
	ck_assert_int_eq(xlate(0x401000, ACC_READ, NULL), -2);
	ck_assert(h.ip->state_switched);
	ck_assert_uint_eq(h.s->rip, 0xdead000);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("paging");
	TCase *tc = tcase_create("paging");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, page_4k_and_ad_bits);
	tcase_add_test(tc, page_2m_and_1g);
	tcase_add_test(tc, not_present_error_codes);
	tcase_add_test(tc, nx_and_reserved);
	tcase_add_test(tc, write_protect);
	tcase_add_test(tc, user_supervisor_smep_smap);
	tcase_add_test(tc, tlb_invlpg_and_cr3);
	tcase_add_test(tc, tlb_flush_on_cr3);
	tcase_add_test(tc, paging_32bit_pse);
	tcase_add_test(tc, paging_pae_legacy);
	tcase_add_test(tc, ept_hook_every_access);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
