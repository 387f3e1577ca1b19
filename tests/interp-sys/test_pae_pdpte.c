// SPDX-License-Identifier: MIT
/*
 * The PAE PDPTE registers (SDM 4.4.1): MOV to CR0/CR3/CR4 loads them (and
 * #GP(0) on a reserved bit), the PAE walk uses them and does not re-read
 * the PDPT, the load goes through the EPT hook as a read without a
 * guest-linear address (SDM 26.3, 29.3.3.2).
 */
#include <check.h>
#include <stdlib.h>

#include "engine/interp/sys.h"
#include "sysh.h"

#define PT_P  0x1ull
#define PT_RW 0x2ull

#define PDPT 0x10000ull
#define LIN  0x40203456ull      /* PDPTE 1, PDE 1, PTE 3 */

static struct sysh h;

struct xl {
	uint64_t lin;
	uint64_t gpa;
};

static void do_xlate(struct interp *ip, void *arg)
{
	struct xl *x = arg;

	mmu_translate(ip, x->lin, ACC_READ, false, &x->gpa);
}

/* Translate LIN (after dropping the TLB): -1 and the address, or a vector. */
static int xlate(uint64_t *gpa)
{
	struct xl x = { LIN, 0 };
	int v;

	tlb_flush(h.ip);
	v = sysh_try(&h, do_xlate, &x);
	*gpa = x.gpa;
	return v;
}

struct crw {
	unsigned cr;
	uint64_t val;
};

static void do_cr(struct interp *ip, void *arg)
{
	struct crw *c = arg;

	sys_cr_write(ip, c->cr, c->val);
}

static int mov_cr(unsigned cr, uint64_t val)
{
	struct crw c = { cr, val };

	return sysh_try(&h, do_cr, &c);
}

/* Two PD/PT chains: PDPTE 1 -> 0x11000 -> 0x12000 -> 0x777000, or (after
 * use_second_pd) -> 0x13000 -> 0x14000 -> 0x888000. */
static void setup(void)
{
	sysh_init(&h);
	h.s->efer = EFER_NXE;     /* no LME/LMA: legacy PAE paging */
	h.s->cr4 = CR4_PAE;
	h.s->seg[SEG_CS].ar = SEG_AR_P | SEG_AR_S | SEG_AR_DB | SEG_AR_G | 0xb;
	h.s->pdpte_valid = false;
	sysh_w64(&h, PDPT + 8, 0x11000 | PT_P);
	sysh_w64(&h, 0x11000 + 8, 0x12000 | PT_P | PT_RW);
	sysh_w64(&h, 0x12000 + 3 * 8, 0x777000 | PT_P);
	sysh_w64(&h, 0x13000 + 8, 0x14000 | PT_P | PT_RW);
	sysh_w64(&h, 0x14000 + 3 * 8, 0x888000 | PT_P);
	ck_assert_int_eq(mov_cr(3, PDPT), -1);
}

static void teardown(void)
{
	sysh_fini(&h);
}

static void use_second_pd(void)
{
	sysh_w64(&h, PDPT + 8, 0x13000 | PT_P);
}

START_TEST(mov_cr3_loads_and_walk_uses_registers)
{
	uint64_t gpa = 0;

	ck_assert(h.s->pdpte_valid);
	ck_assert_uint_eq(h.s->pdpte[0], 0);
	ck_assert_uint_eq(h.s->pdpte[1], 0x11000 | PT_P);
	ck_assert_int_eq(xlate(&gpa), -1);
	ck_assert_uint_eq(gpa, 0x777456);
	/* The PDPT in memory changes: the walk keeps using the registers. */
	use_second_pd();
	ck_assert_int_eq(xlate(&gpa), -1);
	ck_assert_uint_eq(gpa, 0x777456);
	/* No accessed flag is written into the PDPTE (SDM 4.8). */
	ck_assert_uint_eq(sysh_r64(&h, PDPT + 8), 0x13000 | PT_P);
	/* MOV to CR3 reloads them. */
	ck_assert_int_eq(mov_cr(3, PDPT), -1);
	ck_assert_uint_eq(h.s->pdpte[1], 0x13000 | PT_P);
	ck_assert_int_eq(xlate(&gpa), -1);
	ck_assert_uint_eq(gpa, 0x888456);
}
END_TEST

/* SDM 4.4.1: a PDPTE with P=1 and a reserved bit (2:1, 8:5, 63:MAXPHYADDR)
 * makes the MOV to CR3 fault #GP(0); CR3 and the registers stay. */
START_TEST(mov_cr3_reserved_bit_gp)
{
	static const uint64_t bad[] = {
		0x13000 | PT_P | PT_RW, 0x13000 | PT_P | (1ull << 5),
		0x13000 | PT_P | (1ull << 8), 0x13000 | PT_P | (1ull << 63),
		0x13000 | PT_P | (1ull << CPU_MODEL_MAXPHYADDR_DEFAULT),
	};
	uint64_t gpa = 0;

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		sysh_w64(&h, PDPT + 0x28, bad[i]);       /* PDPTE 1 at 0x10020 */
		ck_assert_int_eq(mov_cr(3, PDPT + 0x20), X86_GP);
		ck_assert_uint_eq(h.s->pending_exception.error_code, 0);
		ck_assert_uint_eq(h.s->cr3, PDPT);
		ck_assert_uint_eq(h.s->pdpte[1], 0x11000 | PT_P);
	}
	/* Not present: the other bits are not checked. */
	sysh_w64(&h, PDPT + 0x28, 0x13000 | (1ull << 5));
	ck_assert_int_eq(mov_cr(3, PDPT + 0x20), -1);
	ck_assert_uint_eq(h.s->cr3, PDPT + 0x20);
	ck_assert_uint_eq(h.s->pdpte[1], 0x13000 | (1ull << 5));
	ck_assert_int_eq(xlate(&gpa), X86_PF);
	ck_assert_uint_eq(h.s->pending_exception.error_code, 0);
}
END_TEST

/* SDM 4.4.1: MOV to CR4 changing PAE, PGE, PSE or SMEP, and MOV to CR0
 * changing CD, NW or PG reload the PDPTEs; other changes do not. */
START_TEST(mov_cr0_cr4_reload_rules)
{
	use_second_pd();
	ck_assert_int_eq(mov_cr(4, CR4_PAE | CR4_OSFXSR), -1);
	ck_assert_uint_eq(h.s->pdpte[1], 0x11000 | PT_P);
	ck_assert_int_eq(mov_cr(0, h.s->cr0 | CR0_MP), -1);
	ck_assert_uint_eq(h.s->pdpte[1], 0x11000 | PT_P);
	ck_assert_int_eq(mov_cr(4, CR4_PAE | CR4_OSFXSR | CR4_PGE), -1);
	ck_assert_uint_eq(h.s->pdpte[1], 0x13000 | PT_P);
	sysh_w64(&h, PDPT + 8, 0x11000 | PT_P);
	ck_assert_int_eq(mov_cr(0, h.s->cr0 | CR0_CD), -1);
	ck_assert_uint_eq(h.s->pdpte[1], 0x11000 | PT_P);
	/* Paging off and on again (PG changes): loaded. */
	use_second_pd();
	ck_assert_int_eq(mov_cr(0, h.s->cr0 & ~CR0_PG), -1);
	ck_assert_uint_eq(h.s->pdpte[1], 0x11000 | PT_P);
	ck_assert_int_eq(mov_cr(0, h.s->cr0 | CR0_PG), -1);
	ck_assert_uint_eq(h.s->pdpte[1], 0x13000 | PT_P);
	/* Enabling PAE with a bad PDPTE: #GP(0), CR4 unchanged. */
	ck_assert_int_eq(mov_cr(4, CR4_PSE), -1);
	sysh_w64(&h, PDPT, 0x15000 | PT_P | (1ull << 6));
	ck_assert_int_eq(mov_cr(4, CR4_PAE | CR4_PSE), X86_GP);
	ck_assert_uint_eq(h.s->cr4, CR4_PSE);
}
END_TEST

/* State set from outside (pdpte_valid = false): the walk loads them from
 * CR3 once, then keeps them. */
START_TEST(not_loaded_state_loads_at_first_walk)
{
	uint64_t gpa = 0;

	h.s->pdpte_valid = false;
	h.s->pdpte[1] = 0;
	ck_assert_int_eq(xlate(&gpa), -1);
	ck_assert_uint_eq(gpa, 0x777456);
	ck_assert(h.s->pdpte_valid);
	ck_assert_uint_eq(h.s->pdpte[1], 0x11000 | PT_P);
	use_second_pd();
	ck_assert_int_eq(xlate(&gpa), -1);
	ck_assert_uint_eq(gpa, 0x777456);
}
END_TEST

/* ---- through the EPT hook ---- */

struct call {
	uint64_t gpa;
	unsigned access;
	bool gla_valid, in_walk;
};
static struct call calls[16];
static unsigned ncalls;

static enum icpt_result recording_translate(void *opaque,
					    struct x86_intercept_ctx *ctx,
					    uint64_t gpa, unsigned access,
					    uint64_t gla, bool gla_valid,
					    bool in_walk, uint64_t *out)
{
	(void)opaque;
	(void)ctx;
	(void)gla;
	if (ncalls < 16)
		calls[ncalls++] = (struct call){ gpa, access, gla_valid,
						 in_walk };
	*out = gpa;
	return ICPT_CONTINUE;
}

static const struct x86_intercept_ops ept_ops = {
	.translate_gpa = recording_translate,
};

START_TEST(pdpte_load_is_a_read_without_linear_address)
{
	uint64_t gpa = 0;

	h.ip->cfg.icpt = &ept_ops;
	ncalls = 0;
	ck_assert_int_eq(mov_cr(3, PDPT), -1);
	ck_assert_uint_eq(ncalls, 1);
	ck_assert_uint_eq(calls[0].gpa, PDPT);
	ck_assert_uint_eq(calls[0].access, 1);
	ck_assert(!calls[0].gla_valid);
	ck_assert(!calls[0].in_walk);
	/* The walk: PDE and PTE reads are paging-structure accesses, then
	 * their A-bit writes and the final access; never the PDPT. */
	ncalls = 0;
	ck_assert_int_eq(xlate(&gpa), -1);
	ck_assert_uint_eq(gpa, 0x777456);
	ck_assert_uint_ge(ncalls, 3);
	ck_assert_uint_eq(calls[0].gpa, 0x11008);
	ck_assert(calls[0].in_walk && calls[0].gla_valid);
	ck_assert_uint_eq(calls[1].gpa, 0x12018);
	ck_assert(calls[1].in_walk);
	for (unsigned i = 0; i < ncalls; i++)
		ck_assert_uint_ne(calls[i].gpa & ~0xfffull, PDPT);
	ck_assert_uint_eq(calls[ncalls - 1].gpa, 0x777456);
	ck_assert(!calls[ncalls - 1].in_walk);
	h.ip->cfg.icpt = NULL;
}
END_TEST

int main(void)
{
	Suite *s = suite_create("interp_sys_pae_pdpte");
	TCase *tc = tcase_create("pae_pdpte");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, mov_cr3_loads_and_walk_uses_registers);
	tcase_add_test(tc, mov_cr3_reserved_bit_gp);
	tcase_add_test(tc, mov_cr0_cr4_reload_rules);
	tcase_add_test(tc, not_loaded_state_loads_at_first_walk);
	tcase_add_test(tc, pdpte_load_is_a_read_without_linear_address);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
