// SPDX-License-Identifier: MIT
/*
 * XSAVES/XRSTORS and IA32_XSS through the whole engine (SDM Vol. 1 13.11,
 * 13.12, Vol. 2 XSAVES/XRSTORS, Vol. 4 IA32_XSS): vmxbox has no
 * supervisor state component, so IA32_XSS holds 0 only and both work on
 * XCR0's x87 and SSE components in the compacted format; CPL 0 only;
 * XRSTORS takes the compacted form only; the ICPT_XSAVES intercept comes
 * after the #UD/#NM/#GP(CPL) checks and before the area's checks.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "xsave_area.h"

static struct harness h;

#define COMPACTED (1ull << 63)

/* The intercept hook: records ICPT_XSAVES, answers `verdict`. */
static struct x86_intercept seen;
static unsigned nseen;
static enum icpt_result verdict;

static enum icpt_result fake_intercept(void *opaque,
				       struct x86_intercept_ctx *ctx,
				       struct x86_intercept *ic)
{
	(void)opaque;
	if (ic->kind != ICPT_XSAVES)
		return ICPT_CONTINUE;
	seen = *ic;
	nseen++;
	if (verdict == ICPT_FAULT)
		ctx->cpu->pending_exception = (struct x86_event){
			.valid = true, .type = EVT_HW_EXCEPTION, .vector = X86_UD,
		};
	return verdict;
}

static const struct x86_intercept_ops fake_ops = {
	.intercept = fake_intercept,
};

static void setup(void)
{
	h_init(&h);
	cpu_model_set(&h.ip->cfg.model, X86_FEAT_SSE, true);
	h.s->cr4 |= CR4_OSFXSR | CR4_OSXSAVE;
	h.s->xcr0 = 3;
	h.ip->cfg.icpt = &fake_ops;
	h.ip->cfg.icpt_opaque = &h;
	nseen = 0;
	verdict = ICPT_CONTINUE;
}

static void teardown(void)
{
	h_fini(&h);
}

/* 0F C7 /5 and /3 on [rbx] */
static const uint8_t xsaves[] = { 0x0f, 0xc7, 0x2b };
static const uint8_t xsaves64[] = { 0x48, 0x0f, 0xc7, 0x2b };
static const uint8_t xrstors[] = { 0x0f, 0xc7, 0x1b };
static const uint8_t xrstors64[] = { 0x48, 0x0f, 0xc7, 0x1b };
/* xsaves [rbx+0x40] (misaligned area), rdmsr, wrmsr */
static const uint8_t xsaves_disp[] = { 0x0f, 0xc7, 0x6b, 0x40 };  /* [rbx+0x40] */
static const uint8_t rdmsr[] = { 0x0f, 0x32 };
static const uint8_t wrmsr[] = { 0x0f, 0x30 };

/* Compacted format, XSTATE_BV = XINUSE AND RFBM, XCOMP_BV = bit 63 OR
 * RFBM; the rest of the header is left alone (SDM 13.11). */
START_TEST(xsaves_compacted)
{
	xa_distinct_fpu(&h.s->fpu);
	xa_fill(&h);
	ck_assert_int_eq(xa_run_rfbm(&h, xsaves64, sizeof(xsaves64), ~0ull), FAULT_NONE);
	xa_read(&h);
	ck_assert_uint_eq(xa_at(0, 2), 0x027f);
	ck_assert_uint_eq(xa_at(8, 8), 0x1122334455667788ull);   /* 64-bit FIP */
	ck_assert_uint_eq(xa_at(24, 4), 0x7fbf);
	ck_assert_mem_eq(xa_mem + 160, h.s->fpu.xmm, 256);
	ck_assert_uint_eq(xa_at(512, 8), 3);
	ck_assert_uint_eq(xa_at(520, 8), COMPACTED | 3);
	ck_assert_uint_eq(xa_at(528, 8), 0xaaaaaaaaaaaaaaaaull);
	ck_assert_uint_eq(h.s->rip, H_CODE + sizeof(xsaves64) + 1);
	/* RFBM = x87 only, 32-bit FIP/FCS format without REX.W. */
	h.s->fpu.fcs = 0x1234;
	xa_fill(&h);
	ck_assert_int_eq(xa_run_rfbm(&h, xsaves, sizeof(xsaves), 1), FAULT_NONE);
	xa_read(&h);
	ck_assert_uint_eq(xa_at(8, 4), 0x55667788);
	ck_assert_uint_eq(xa_at(12, 2), 0x1234);
	ck_assert_uint_eq(xa_at(24, 8), 0xaaaaaaaaaaaaaaaaull);   /* no SSE */
	ck_assert_uint_eq(xa_at(512, 8), 1);
	ck_assert_uint_eq(xa_at(520, 8), COMPACTED | 1);
}
END_TEST

/* The init optimization: components in their initial configuration are
 * not written and their XSTATE_BV bits are 0. */
START_TEST(xsaves_init_optimization)
{
	xa_init_fpu(&h.s->fpu);
	xa_fill(&h);
	ck_assert_int_eq(xa_run_rfbm(&h, xsaves, sizeof(xsaves), 3), FAULT_NONE);
	xa_read(&h);
	ck_assert_uint_eq(xa_at(0, 8), 0xaaaaaaaaaaaaaaaaull);
	ck_assert_uint_eq(xa_at(24, 8), 0xaaaaaaaaaaaaaaaaull);
	ck_assert_uint_eq(xa_at(160, 8), 0xaaaaaaaaaaaaaaaaull);
	ck_assert_uint_eq(xa_at(512, 8), 0);
	ck_assert_uint_eq(xa_at(520, 8), COMPACTED | 3);
	/* RFBM beyond XCR0 OR IA32_XSS: only XCR0's bits count. */
	h.s->fpu.xmm[2][0] = 9;
	ck_assert_int_eq(xa_run_rfbm(&h, xsaves, sizeof(xsaves), 0xff), FAULT_NONE);
	xa_read(&h);
	ck_assert_uint_eq(xa_at(512, 8), 2);
	ck_assert_uint_eq(xa_at(520, 8), COMPACTED | 3);
}
END_TEST

START_TEST(xrstors_round_trip_and_init)
{
	struct fpu_state want;

	xa_distinct_fpu(&want);
	h.s->fpu = want;
	xa_fill(&h);
	xa_clear_header(&h);
	ck_assert_int_eq(xa_run_rfbm(&h, xsaves64, sizeof(xsaves64), 3), FAULT_NONE);
	xa_init_fpu(&h.s->fpu);
	ck_assert_int_eq(xa_run_rfbm(&h, xrstors64, sizeof(xrstors64), 3), FAULT_NONE);
	xa_fpu_eq(&h.s->fpu, &want, false);
	/* XSTATE_BV = SSE: x87 initialized, SSE and MXCSR loaded. */
	xa_put(&h, 512, 2, 8);
	ck_assert_int_eq(xa_run_rfbm(&h, xrstors64, sizeof(xrstors64), 3), FAULT_NONE);
	ck_assert_uint_eq(h.s->fpu.fcw, 0x037f);
	ck_assert_uint_eq(h.s->fpu.fip, 0);
	ck_assert_uint_eq(h.s->fpu.xmm[15][15], want.xmm[15][15]);
	ck_assert_uint_eq(h.s->fpu.mxcsr, 0x7fbf);
	/* XSTATE_BV = 0: both initialized, MXCSR 1F80H. */
	xa_put(&h, 512, 0, 8);
	ck_assert_int_eq(xa_run_rfbm(&h, xrstors, sizeof(xrstors), 3), FAULT_NONE);
	ck_assert_uint_eq(h.s->fpu.xmm[15][15], 0);
	ck_assert_uint_eq(h.s->fpu.mxcsr, MXCSR_RESET);
	/* RFBM = 0: nothing changes. */
	h.s->fpu = want;
	ck_assert_int_eq(xa_run_rfbm(&h, xrstors, sizeof(xrstors), 0), FAULT_NONE);
	xa_fpu_eq(&h.s->fpu, &want, false);
}
END_TEST

/* Every #GP(0) of XRSTORS leaves the state alone (SDM XRSTORS). */
START_TEST(xrstors_header_faults)
{
	static const struct { unsigned off; uint64_t v; const char *why; } bad[] = {
		{ 520, 3, "standard form (XCOMP_BV[63] = 0)" },
		{ 520, COMPACTED | 4, "XCOMP_BV bit not in XCR0 OR IA32_XSS" },
		{ 520, COMPACTED | (1ull << 8), "XCOMP_BV bit 8 (no supervisor state)" },
		{ 512, 4, "XSTATE_BV bit not in XCOMP_BV" },
		{ 528, 1, "header bytes 23:16" },
		{ 568, 1ull << 63, "header byte 63" },
		{ 24, 0x10000, "MXCSR reserved bit" },
	};
	struct fpu_state want;

	xa_distinct_fpu(&want);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		xa_fill(&h);
		xa_clear_header(&h);
		xa_put(&h, 24, 0x1f80, 8);
		xa_put(&h, 512, 3, 8);
		xa_put(&h, 520, COMPACTED | 3, 8);
		xa_put(&h, bad[i].off, bad[i].v, 8);
		h.s->fpu = want;
		ck_assert_msg(xa_run_rfbm(&h, xrstors, sizeof(xrstors), 3) == X86_GP,
			      "%s", bad[i].why);
		xa_fpu_eq(&h.s->fpu, &want, false);
	}
	/* The same header without the bad field loads. */
	xa_clear_header(&h);
	xa_put(&h, 520, COMPACTED | 3, 8);
	ck_assert_int_eq(xa_run_rfbm(&h, xrstors, sizeof(xrstors), 3), FAULT_NONE);
}
END_TEST

/* #UD (no XSAVES in the model, CR4.OSXSAVE clear), #NM (CR0.TS), then
 * #GP(0) at CPL > 0, then 64-byte alignment. */
START_TEST(xsaves_faults)
{
	ck_assert_int_eq(xa_run_rfbm(&h, xsaves_disp, sizeof(xsaves_disp), 3), FAULT_NONE);
	G(RBX) = XA_AREA + 0x10;
	ck_assert_int_eq(xa_run1(&h, "\x0f\xc7\x6b\x00", 4), X86_GP);
	ck_assert_uint_eq(nseen, 2);    /* offered before the alignment check */
	nseen = 0;
	h.s->cr0 |= CR0_TS;
	ck_assert_int_eq(xa_run_rfbm(&h, xsaves, sizeof(xsaves), 3), X86_NM);
	ck_assert_int_eq(xa_run_rfbm(&h, xrstors, sizeof(xrstors), 3), X86_NM);
	h.s->cr0 &= ~CR0_TS;
	/* At CPL 3 (each fault's delivery returns to CPL 0). */
	su_cpl3(&h);
	ck_assert_int_eq(xa_run_rfbm(&h, xsaves, sizeof(xsaves), 3), X86_GP);
	su_cpl3(&h);
	ck_assert_int_eq(xa_run_rfbm(&h, xrstors, sizeof(xrstors), 3), X86_GP);
	h.s->cr0 |= CR0_TS;                      /* #NM before the CPL #GP */
	su_cpl3(&h);
	ck_assert_int_eq(xa_run_rfbm(&h, xsaves, sizeof(xsaves), 3), X86_NM);
	h.s->cr4 &= ~CR4_OSXSAVE;
	su_cpl3(&h);
	ck_assert_int_eq(xa_run_rfbm(&h, xsaves, sizeof(xsaves), 3), X86_UD);
	ck_assert_int_eq(xa_run_rfbm(&h, xrstors, sizeof(xrstors), 3), X86_UD);
	h.s->cr4 |= CR4_OSXSAVE;
	h.s->cr0 &= ~CR0_TS;
	cpu_model_set(&h.ip->cfg.model, X86_FEAT_XSAVES, false);
	ck_assert_int_eq(xa_run_rfbm(&h, xsaves, sizeof(xsaves), 3), X86_UD);
	ck_assert_int_eq(xa_run_rfbm(&h, xrstors, sizeof(xrstors), 3), X86_UD);
	ck_assert_uint_eq(nseen, 0);
}
END_TEST

/* The intercept: after the CPL check, with EDX:EAX and the operand;
 * before the alignment check and the area's faults. */
START_TEST(xsaves_intercept)
{
	G(RBX) = XA_AREA + 0x10;                    /* misaligned: after the hook */
	verdict = ICPT_FAULT;                    /* a VMX #UD */
	ck_assert_int_eq(xa_run1(&h, "\x0f\xc7\x6b\x30", 4), X86_UD);
	ck_assert_uint_eq(nseen, 1);
	ck_assert(!seen.u.xss.restore);
	ck_assert(seen.u.xss.op.is_mem);
	ck_assert_int_eq(seen.u.xss.op.base, GPR_RBX);
	ck_assert_int_eq(seen.u.xss.op.disp, 0x30);
	ck_assert_uint_eq(seen.insn_len, 4);
	verdict = ICPT_CONTINUE;
	ck_assert_int_eq(xa_run_rfbm(&h, xrstors, sizeof(xrstors), 0x100000003ull), X86_GP);
	ck_assert_uint_eq(nseen, 2);
	ck_assert(seen.u.xss.restore);
	ck_assert_uint_eq(seen.u.xss.mask, 0x100000003ull);
}
END_TEST

/* IA32_XSS (DA0H): reads 0, takes 0, #GP for any bit; absent without
 * XSAVES. */
START_TEST(ia32_xss_msr)
{
	G(RCX) = MSR_IA32_XSS;
	G(RAX) = G(RDX) = 0x55;
	ck_assert_int_eq(xa_run1(&h, rdmsr, sizeof(rdmsr)), FAULT_NONE);
	ck_assert_uint_eq(G(RAX) | G(RDX), 0);
	G(RCX) = MSR_IA32_XSS;
	G(RAX) = G(RDX) = 0;
	ck_assert_int_eq(xa_run1(&h, wrmsr, sizeof(wrmsr)), FAULT_NONE);
	for (unsigned bit = 0; bit < 64; bit += 7) {
		G(RCX) = MSR_IA32_XSS;
		G(RAX) = (uint32_t)(1ull << bit);
		G(RDX) = (1ull << bit) >> 32;
		ck_assert_int_eq(xa_run1(&h, wrmsr, sizeof(wrmsr)), X86_GP);
		ck_assert_uint_eq(h.s->msr.xss, 0);
	}
	cpu_model_set(&h.ip->cfg.model, X86_FEAT_XSAVES, false);
	G(RCX) = MSR_IA32_XSS;
	ck_assert_int_eq(xa_run1(&h, rdmsr, sizeof(rdmsr)), X86_GP);
	G(RAX) = G(RDX) = 0;
	ck_assert_int_eq(xa_run1(&h, wrmsr, sizeof(wrmsr)), X86_GP);
}
END_TEST

/* CPUID.(0DH,1): EAX[3] XSAVES; EBX the compacted size for XCR0 OR
 * IA32_XSS; ECX/EDX (supported IA32_XSS bits) 0. */
START_TEST(leaf_d_1)
{
	static const uint8_t cpuid[] = { 0x0f, 0xa2, 0xf4 };

	G(RAX) = 0xd;
	G(RCX) = 1;
	ck_assert_int_eq(su_run(&h, cpuid, 3, 5), ENGINE_EXIT_HLT);
	ck_assert_uint_eq(G(RAX), 0xf);
	ck_assert_uint_eq(G(RBX), 576);
	ck_assert_uint_eq(G(RCX), 0);
	ck_assert_uint_eq(G(RDX), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("interp_sys_xsaves");
	TCase *tc = tcase_create("xsaves");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, xsaves_compacted);
	tcase_add_test(tc, xsaves_init_optimization);
	tcase_add_test(tc, xrstors_round_trip_and_init);
	tcase_add_test(tc, xrstors_header_faults);
	tcase_add_test(tc, xsaves_faults);
	tcase_add_test(tc, xsaves_intercept);
	tcase_add_test(tc, ia32_xss_msr);
	tcase_add_test(tc, leaf_d_1);
	suite_add_tcase(s, tc);
	return h_run_suite(s);
}
