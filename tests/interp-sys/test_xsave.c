// SPDX-License-Identifier: MIT
/*
 * FXSAVE/FXRSTOR and the XSAVE family through the whole engine: the
 * legacy-area layout in its 32- and 64-bit formats (ST(i) order, which
 * bytes are left alone), XMM0-7 outside 64-bit mode, the header rules of
 * XSAVE/XSAVEOPT/XSAVEC/XRSTOR (standard and compacted), init
 * optimization, every #GP/#UD/#NM case, XSETBV/XGETBV and CPUID leaf 0DH.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "xsave_area.h"

static struct harness h;


static void setup(void)
{
	h_init(&h);
	/* The SSE component needs SSE in the model (XCR0[1]). */
	cpu_model_set(&h.ip->cfg.model, X86_FEAT_SSE, true);
	h.s->cr4 |= CR4_OSFXSR | CR4_OSXSAVE;
}

static void teardown(void)
{
	h_fini(&h);
}

/* Run one instruction on [RAX = XA_AREA] then HLT; return the fault vector
 * (-1 when it completed). */
static int run1(const uint8_t *insn, size_t len)
{
	G(RAX) = XA_AREA;
	return xa_run1(&h, insn, len);
}

static const uint8_t fxsave64[] = { 0x48, 0x0f, 0xae, 0x00 };
static const uint8_t fxsave[] = { 0x0f, 0xae, 0x00 };
static const uint8_t fxrstor64[] = { 0x48, 0x0f, 0xae, 0x08 };
static const uint8_t fxrstor[] = { 0x0f, 0xae, 0x08 };
/* [rbx] forms: EAX is the feature mask */
static const uint8_t xsave[] = { 0x0f, 0xae, 0x23 };
static const uint8_t xsave64[] = { 0x48, 0x0f, 0xae, 0x23 };
static const uint8_t xrstor[] = { 0x0f, 0xae, 0x2b };
static const uint8_t xrstor64[] = { 0x48, 0x0f, 0xae, 0x2b };
static const uint8_t xsaveopt[] = { 0x0f, 0xae, 0x33 };
static const uint8_t xsavec[] = { 0x0f, 0xc7, 0x23 };
static const uint8_t xsetbv[] = { 0x0f, 0x01, 0xd1 };
static const uint8_t xgetbv[] = { 0x0f, 0x01, 0xd0 };


START_TEST(fxsave64_layout)
{
	xa_distinct_fpu(&h.s->fpu);
	xa_fill(&h);
	ck_assert_int_eq(run1(fxsave64, sizeof(fxsave64)), FAULT_NONE);
	xa_read(&h);
	ck_assert_uint_eq(xa_at(0, 2), 0x027f);
	ck_assert_uint_eq(xa_at(2, 2), 0x1841);
	ck_assert_uint_eq(xa_at(4, 1), 0x5a);
	ck_assert_uint_eq(xa_at(5, 1), XA_FILL);          /* reserved: untouched */
	ck_assert_uint_eq(xa_at(6, 2), 0x7ff);
	ck_assert_uint_eq(xa_at(8, 8), 0x1122334455667788ull);
	ck_assert_uint_eq(xa_at(16, 8), 0x99aabbccddeeff00ull);
	ck_assert_uint_eq(xa_at(24, 4), 0x7fbf);
	ck_assert_uint_eq(xa_at(28, 4), 0xffff);         /* MXCSR_MASK */
	/* ST(i) = R((TOP + i) & 7): slot 0 holds R3, slot 5 holds R0. */
	for (unsigned i = 0; i < 8; i++) {
		ck_assert_mem_eq(xa_mem + 32 + 16 * i, h.s->fpu.st[(3 + i) & 7], 10);
		ck_assert_uint_eq(xa_at(32 + 16 * i + 10, 6), 0xaaaaaaaaaaaaull);
	}
	ck_assert_mem_eq(xa_mem + 160, h.s->fpu.xmm, 256);
	for (unsigned b = 416; b < 512; b++)          /* reserved + available */
		ck_assert_uint_eq(xa_mem[b], XA_FILL);
	ck_assert_uint_eq(h.s->rip, H_CODE + sizeof(fxsave64) + 1);
}
END_TEST

/* Without REX.W: 32-bit FIP/FDP with their selectors (SDM Table 3-47). */
START_TEST(fxsave_32bit_format)
{
	xa_distinct_fpu(&h.s->fpu);
	xa_fill(&h);
	ck_assert_int_eq(run1(fxsave, sizeof(fxsave)), FAULT_NONE);
	xa_read(&h);
	ck_assert_uint_eq(xa_at(8, 4), 0x55667788);
	ck_assert_uint_eq(xa_at(12, 2), 0x1234);
	ck_assert_uint_eq(xa_at(14, 2), 0xaaaa);
	ck_assert_uint_eq(xa_at(16, 4), 0xddeeff00);
	ck_assert_uint_eq(xa_at(20, 2), 0x5678);
	ck_assert_uint_eq(xa_at(22, 2), 0xaaaa);
	ck_assert_mem_eq(xa_mem + 160, h.s->fpu.xmm, 256);
}
END_TEST

/* Outside 64-bit mode only XMM0-7 are saved and restored. */
START_TEST(fxsave_32bit_mode_xmm0_7)
{
	struct fpu_state before;

	h_mode32(&h);
	h.s->cr4 |= CR4_OSFXSR;
	xa_distinct_fpu(&h.s->fpu);
	xa_fill(&h);
	ck_assert_int_eq(run1(fxsave, sizeof(fxsave)), FAULT_NONE);
	xa_read(&h);
	ck_assert_mem_eq(xa_mem + 160, h.s->fpu.xmm, 128);
	for (unsigned b = 288; b < 512; b++)
		ck_assert_uint_eq(xa_mem[b], XA_FILL);
	/* FXRSTOR of the XA_FILL pattern leaves XMM8-15 alone. */
	before = h.s->fpu;
	xa_put(&h, 24, 0x1f80, 4);
	ck_assert_int_eq(run1(fxrstor, sizeof(fxrstor)), FAULT_NONE);
	ck_assert_mem_eq(h.s->fpu.xmm[8], before.xmm[8], 128);
	ck_assert_mem_eq(h.s->fpu.xmm[0], before.xmm[0], 128);
}
END_TEST

START_TEST(fxrstor_round_trip)
{
	struct fpu_state want;

	xa_distinct_fpu(&want);
	h.s->fpu = want;
	xa_fill(&h);
	ck_assert_int_eq(run1(fxsave, sizeof(fxsave)), FAULT_NONE);
	memset(&h.s->fpu, 0, sizeof(h.s->fpu));
	ck_assert_int_eq(run1(fxrstor, sizeof(fxrstor)), FAULT_NONE);
	/* The 32-bit format keeps FIP/FDP[31:0] only. */
	want.fip &= 0xffffffff;
	want.fdp &= 0xffffffff;
	xa_fpu_eq(&h.s->fpu, &want, true);

	/* FXRSTOR64 of an FXSAVE64 image: 64-bit pointers, no selectors. */
	xa_distinct_fpu(&want);
	h.s->fpu = want;
	ck_assert_int_eq(run1(fxsave64, sizeof(fxsave64)), FAULT_NONE);
	memset(&h.s->fpu, 0, sizeof(h.s->fpu));
	h.s->fpu.fcs = h.s->fpu.fds = 0x99;
	ck_assert_int_eq(run1(fxrstor64, sizeof(fxrstor64)), FAULT_NONE);
	want.fcs = want.fds = 0;
	xa_fpu_eq(&h.s->fpu, &want, true);
	/* TOP read from the image places ST(i) back into R((TOP+i)&7). */
	xa_put(&h, 2, 0x0000, 2);             /* TOP = 0 */
	ck_assert_int_eq(run1(fxrstor64, sizeof(fxrstor64)), FAULT_NONE);
	xa_read(&h);
	ck_assert_mem_eq(h.s->fpu.st[0], xa_mem + 32, 10);
	ck_assert_mem_eq(h.s->fpu.st[7], xa_mem + 32 + 7 * 16, 10);
}
END_TEST

START_TEST(fx_faults)
{
	struct fpu_state want;
	uint64_t err;

	xa_distinct_fpu(&want);
	h.s->fpu = want;
	xa_fill(&h);
	/* MXCSR bit 16 is reserved: #GP(0), nothing loaded. */
	xa_put(&h, 24, 0x11f80, 4);
	ck_assert_int_eq(run1(fxrstor, sizeof(fxrstor)), X86_GP);
	err = h_read64(&h, h.s->gpr[GPR_RSP]);
	ck_assert_uint_eq(err, 0);
	xa_fpu_eq(&h.s->fpu, &want, true);
	/* Misaligned by 8: #GP(0) for both, memory untouched. */
	h.s->fpu = want;
	G(RAX) = XA_AREA;                                     /* fxsave [rax+8] */
	ck_assert_int_eq(h_fault_vector(&h, su_run(&h, "\x0f\xae\x40\x08\xf4", 5, 4)),
			 X86_GP);
	xa_read(&h);
	ck_assert_uint_eq(xa_at(8, 8), 0xaaaaaaaaaaaaaaaaull);
	/* CR0.TS and CR0.EM: #NM. */
	h.s->cr0 |= CR0_TS;
	ck_assert_int_eq(run1(fxsave, sizeof(fxsave)), X86_NM);
	h.s->cr0 &= ~CR0_TS;
	h.s->cr0 |= CR0_EM;
	ck_assert_int_eq(run1(fxrstor, sizeof(fxrstor)), X86_NM);
	h.s->cr0 &= ~CR0_EM;
	/* Without FXSR in the model: #UD. */
	cpu_model_set(&h.ip->cfg.model, X86_FEAT_FXSR, false);
	ck_assert_int_eq(run1(fxsave, sizeof(fxsave)), X86_UD);
	cpu_model_set(&h.ip->cfg.model, X86_FEAT_FXSR, true);
	/* A save area on a non-present page: #PF with W=1. */
	G(RAX) = 0x7ffffff000ull;
	ck_assert_int_eq(h_fault_vector(&h, su_run(&h, fxsave, sizeof(fxsave), 4)),
			 X86_PF);
	err = h_read64(&h, h.s->gpr[GPR_RSP]);
	ck_assert_uint_eq(err & PF_W, PF_W);
}
END_TEST

/* Set XCR0 with XSETBV at CPL 0. */
static void set_xcr0(uint64_t v)
{
	G(RCX) = 0;
	ck_assert_int_eq(xa_run_rfbm(&h, xsetbv, sizeof(xsetbv), v), FAULT_NONE);
	ck_assert_uint_eq(h.s->xcr0, v);
}

START_TEST(xsave_standard)
{
	set_xcr0(3);
	xa_distinct_fpu(&h.s->fpu);
	xa_fill(&h);
	xa_put(&h, 512, 1ull << 5, 8);                 /* XSTATE_BV bit outside RFBM */
	xa_put(&h, 520, 0x1234, 8);                    /* XCOMP_BV: XSAVE leaves it */
	ck_assert_int_eq(xa_run_rfbm(&h, xsave64, sizeof(xsave64), ~0ull), FAULT_NONE);
	xa_read(&h);
	ck_assert_uint_eq(xa_at(0, 2), 0x027f);
	ck_assert_uint_eq(xa_at(8, 8), 0x1122334455667788ull);
	ck_assert_uint_eq(xa_at(24, 4), 0x7fbf);
	ck_assert_mem_eq(xa_mem + 160, h.s->fpu.xmm, 256);
	ck_assert_uint_eq(xa_at(512, 8), (1ull << 5) | 3);
	ck_assert_uint_eq(xa_at(520, 8), 0x1234);
	ck_assert_uint_eq(xa_at(528, 8), 0xaaaaaaaaaaaaaaaaull);

	/* XSAVE (no REX.W) with RFBM = x87 only: XMM and MXCSR untouched,
	 * XSTATE_BV[1] keeps its memory value. */
	xa_fill(&h);
	xa_put(&h, 512, 2, 8);
	ck_assert_int_eq(xa_run_rfbm(&h, xsave, sizeof(xsave), 1), FAULT_NONE);
	xa_read(&h);
	ck_assert_uint_eq(xa_at(12, 2), 0x1234);             /* FCS: 32-bit format */
	ck_assert_uint_eq(xa_at(24, 8), 0xaaaaaaaaaaaaaaaaull);
	ck_assert_uint_eq(xa_at(160, 8), 0xaaaaaaaaaaaaaaaaull);
	ck_assert_uint_eq(xa_at(512, 8), 3);

	/* Components in their initial configuration: XSAVE still writes
	 * them, XSTATE_BV says "not in use". */
	xa_init_fpu(&h.s->fpu);
	xa_fill(&h);
	xa_put(&h, 512, 0, 8);
	ck_assert_int_eq(xa_run_rfbm(&h, xsave, sizeof(xsave), 3), FAULT_NONE);
	xa_read(&h);
	ck_assert_uint_eq(xa_at(0, 2), 0x037f);
	ck_assert_uint_eq(xa_at(2, 2), 0);
	ck_assert_uint_eq(xa_at(160, 8), 0);
	ck_assert_uint_eq(xa_at(24, 4), 0x1f80);
	ck_assert_uint_eq(xa_at(512, 8), 0);
	/* MXCSR alone out of its reset value makes SSE "in use". */
	h.s->fpu.mxcsr = 0x1fc0;
	ck_assert_int_eq(xa_run_rfbm(&h, xsave, sizeof(xsave), 3), FAULT_NONE);
	xa_read(&h);
	ck_assert_uint_eq(xa_at(512, 8), 2);
}
END_TEST

/* XSAVEOPT's init optimization: a component in its initial state is not
 * written and its XSTATE_BV bit is 0; MXCSR is written with RFBM[1]. */
START_TEST(xsaveopt_init_optimization)
{
	set_xcr0(3);
	xa_init_fpu(&h.s->fpu);
	h.s->fpu.xmm[3][0] = 1;
	h.s->fpu.mxcsr = 0x1f80;
	xa_fill(&h);
	xa_put(&h, 512, ~0ull, 8);
	ck_assert_int_eq(xa_run_rfbm(&h, xsaveopt, sizeof(xsaveopt), 3), FAULT_NONE);
	xa_read(&h);
	ck_assert_uint_eq(xa_at(0, 8), 0xaaaaaaaaaaaaaaaaull);   /* x87 not saved */
	ck_assert_uint_eq(xa_at(24, 4), 0x1f80);
	ck_assert_uint_eq(xa_at(28, 4), 0xffff);
	ck_assert_uint_eq(xa_mem[160 + 3 * 16], 1);
	ck_assert_uint_eq(xa_at(512, 8), ~0ull & ~1ull);
	/* Both components initial: only MXCSR (and its mask) is written. */
	h.s->fpu.xmm[3][0] = 0;
	xa_fill(&h);
	ck_assert_int_eq(xa_run_rfbm(&h, xsaveopt, sizeof(xsaveopt), 3), FAULT_NONE);
	xa_read(&h);
	ck_assert_uint_eq(xa_at(24, 8), 0x0000ffff00001f80ull);
	ck_assert_uint_eq(xa_at(160, 8), 0xaaaaaaaaaaaaaaaaull);
	ck_assert_uint_eq(xa_at(0, 8), 0xaaaaaaaaaaaaaaaaull);
	ck_assert_uint_eq(xa_at(512, 8), 0xaaaaaaaaaaaaaaa8ull);
	/* Without XSAVEOPT in the model: #UD. */
	cpu_model_set(&h.ip->cfg.model, X86_FEAT_XSAVEOPT, false);
	ck_assert_int_eq(xa_run_rfbm(&h, xsaveopt, sizeof(xsaveopt), 3), X86_UD);
}
END_TEST

START_TEST(xsavec_compacted)
{
	set_xcr0(3);
	xa_init_fpu(&h.s->fpu);
	h.s->fpu.fsw = 0x3800;       /* x87 in use */
	xa_fill(&h);
	ck_assert_int_eq(xa_run_rfbm(&h, xsavec, sizeof(xsavec), ~0ull), FAULT_NONE);
	xa_read(&h);
	ck_assert_uint_eq(xa_at(2, 2), 0x3800);
	ck_assert_uint_eq(xa_at(24, 8), 0xaaaaaaaaaaaaaaaaull);  /* SSE init: not saved */
	ck_assert_uint_eq(xa_at(512, 8), 1);
	ck_assert_uint_eq(xa_at(520, 8), (1ull << 63) | 3);
	ck_assert_uint_eq(xa_at(528, 8), 0xaaaaaaaaaaaaaaaaull);
	/* RFBM = SSE only, MXCSR not 1F80H: SSE saved with MXCSR. */
	h.s->fpu.mxcsr = 0x1f00;
	xa_fill(&h);
	ck_assert_int_eq(xa_run_rfbm(&h, xsavec, sizeof(xsavec), 2), FAULT_NONE);
	xa_read(&h);
	ck_assert_uint_eq(xa_at(0, 8), 0xaaaaaaaaaaaaaaaaull);
	ck_assert_uint_eq(xa_at(24, 4), 0x1f00);
	ck_assert_uint_eq(xa_at(160, 8), 0);
	ck_assert_uint_eq(xa_at(512, 8), 2);
	ck_assert_uint_eq(xa_at(520, 8), (1ull << 63) | 2);
}
END_TEST

START_TEST(xrstor_forms)
{
	struct fpu_state want;

	set_xcr0(3);
	xa_distinct_fpu(&want);
	h.s->fpu = want;
	xa_fill(&h);
	xa_clear_header(&h);
	ck_assert_int_eq(xa_run_rfbm(&h, xsave64, sizeof(xsave64), 3), FAULT_NONE);
	/* Standard form, XSTATE_BV = 3: everything loads. */
	xa_init_fpu(&h.s->fpu);
	ck_assert_int_eq(xa_run_rfbm(&h, xrstor64, sizeof(xrstor64), 3), FAULT_NONE);
	want.fcs = want.fds = 0;
	xa_fpu_eq(&h.s->fpu, &want, true);
	/* RFBM = 0: nothing changes. */
	xa_init_fpu(&h.s->fpu);
	ck_assert_int_eq(xa_run_rfbm(&h, xrstor64, sizeof(xrstor64), 0), FAULT_NONE);
	ck_assert_uint_eq(h.s->fpu.fcw, FPU_FCW_FINIT);
	ck_assert_uint_eq(h.s->fpu.mxcsr, MXCSR_RESET);
	/* XSTATE_BV = 0: x87 and XMM initialized, MXCSR still loaded from
	 * memory (standard form). */
	h.s->fpu = want;
	xa_put(&h, 512, 0, 8);
	ck_assert_int_eq(xa_run_rfbm(&h, xrstor, sizeof(xrstor), 3), FAULT_NONE);
	ck_assert_uint_eq(h.s->fpu.fcw, 0x037f);
	ck_assert_uint_eq(h.s->fpu.fsw, 0);
	ck_assert_uint_eq(h.s->fpu.fip, 0);
	ck_assert_uint_eq(h.s->fpu.st[4][3], 0);
	ck_assert_uint_eq(h.s->fpu.xmm[15][15], 0);
	ck_assert_uint_eq(h.s->fpu.mxcsr, 0x7fbf);
	/* Compacted: XCOMP_BV = 8000...3, XSTATE_BV = SSE: x87 initialized,
	 * SSE loaded; XSTATE_BV = 0: MXCSR back to 1F80H. */
	h.s->fpu = want;
	xa_put(&h, 512, 2, 8);
	xa_put(&h, 520, (1ull << 63) | 3, 8);
	ck_assert_int_eq(xa_run_rfbm(&h, xrstor, sizeof(xrstor), 3), FAULT_NONE);
	ck_assert_uint_eq(h.s->fpu.fcw, 0x037f);
	ck_assert_uint_eq(h.s->fpu.xmm[15][15], want.xmm[15][15]);
	ck_assert_uint_eq(h.s->fpu.mxcsr, 0x7fbf);
	xa_put(&h, 512, 0, 8);
	ck_assert_int_eq(xa_run_rfbm(&h, xrstor, sizeof(xrstor), 3), FAULT_NONE);
	ck_assert_uint_eq(h.s->fpu.mxcsr, MXCSR_RESET);
	ck_assert_uint_eq(h.s->fpu.xmm[15][15], 0);
	/* Compacted XCOMP_BV without SSE, RFBM with it: SSE initialized. */
	h.s->fpu = want;
	xa_put(&h, 512, 1, 8);
	xa_put(&h, 520, (1ull << 63) | 1, 8);
	ck_assert_int_eq(xa_run_rfbm(&h, xrstor, sizeof(xrstor), 3), FAULT_NONE);
	ck_assert_uint_eq(h.s->fpu.fsw, 0x1841);
	ck_assert_uint_eq(h.s->fpu.xmm[0][0], 0);
	ck_assert_uint_eq(h.s->fpu.mxcsr, MXCSR_RESET);
}
END_TEST

/* Every #GP(0) of XRSTOR leaves the state alone. */
START_TEST(xrstor_faults)
{
	static const struct { unsigned off; uint64_t v; const char *why; } bad[] = {
		{ 512, 1ull << 2, "XSTATE_BV bit not in XCR0" },
		{ 520, 1, "XCOMP_BV without bit 63" },
		{ 528, 1, "header bytes 23:16" },
		{ 24, 0x10000, "MXCSR reserved bit" },
	};
	static const struct { unsigned off; uint64_t v; const char *why; } badc[] = {
		{ 520, (1ull << 63) | 4, "XCOMP_BV bit not in XCR0" },
		{ 512, 3, "XSTATE_BV bit not in XCOMP_BV" },
		{ 536, 1, "header bytes 63:24" },
		{ 568, 1ull << 63, "header byte 63" },
	};
	struct fpu_state want;

	set_xcr0(3);
	xa_distinct_fpu(&want);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		xa_fill(&h);
		xa_clear_header(&h);
		xa_put(&h, 24, 0x1f80, 4);
		xa_put(&h, bad[i].off, bad[i].v, 8);
		h.s->fpu = want;
		ck_assert_msg(xa_run_rfbm(&h, xrstor, sizeof(xrstor), 3) == X86_GP, "%s", bad[i].why);
		xa_fpu_eq(&h.s->fpu, &want, true);
	}
	for (size_t i = 0; i < sizeof(badc) / sizeof(badc[0]); i++) {
		xa_fill(&h);
		xa_clear_header(&h);
		xa_put(&h, 24, 0x1f80, 4);
		xa_put(&h, 520, (1ull << 63) | 1, 8);
		xa_put(&h, badc[i].off, badc[i].v, 8);
		h.s->fpu = want;
		ck_assert_msg(xa_run_rfbm(&h, xrstor, sizeof(xrstor), 3) == X86_GP, "%s", badc[i].why);
		xa_fpu_eq(&h.s->fpu, &want, true);
	}
	/* The compacted form needs XSAVEC. */
	xa_fill(&h);
	xa_clear_header(&h);
	xa_put(&h, 520, (1ull << 63) | 1, 8);
	cpu_model_set(&h.ip->cfg.model, X86_FEAT_XSAVEC, false);
	ck_assert_int_eq(xa_run_rfbm(&h, xrstor, sizeof(xrstor), 3), X86_GP);
	cpu_model_set(&h.ip->cfg.model, X86_FEAT_XSAVEC, true);
	ck_assert_int_eq(xa_run_rfbm(&h, xrstor, sizeof(xrstor), 3), FAULT_NONE);
	/* 64-byte alignment: an FXSAVE-aligned (16) area is not enough. */
	G(RBX) = XA_AREA;                                     /* xsave [rbx+16] */
	ck_assert_int_eq(h_fault_vector(&h, su_run(&h, "\x0f\xae\x63\x10\xf4", 5, 4)),
			 X86_GP);
	/* CR0.TS: #NM; no CR4.OSXSAVE: #UD. */
	h.s->cr0 |= CR0_TS;
	ck_assert_int_eq(xa_run_rfbm(&h, xsave, sizeof(xsave), 3), X86_NM);
	h.s->cr0 &= ~CR0_TS;
	h.s->cr4 &= ~CR4_OSXSAVE;
	ck_assert_int_eq(xa_run_rfbm(&h, xrstor, sizeof(xrstor), 3), X86_UD);
}
END_TEST

START_TEST(xsetbv_xgetbv)
{
	/* Bit 0 clear, bit 2 (AVX, unsupported), bits 63:32: #GP(0). */
	static const uint64_t bad[] = { 0, 2, 5, 7, 1ull << 32 };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		G(RCX) = 0;
		ck_assert_int_eq(xa_run_rfbm(&h, xsetbv, sizeof(xsetbv), bad[i]), X86_GP);
		ck_assert_uint_eq(h.s->xcr0, 1);
	}
	G(RCX) = 1;
	ck_assert_int_eq(xa_run_rfbm(&h, xsetbv, sizeof(xsetbv), 1), X86_GP);
	set_xcr0(3);
	G(RCX) = 0;
	ck_assert_int_eq(xa_run_rfbm(&h, xgetbv, sizeof(xgetbv), 0), FAULT_NONE);
	ck_assert_uint_eq(G(RAX), 3);
	ck_assert_uint_eq(G(RDX), 0);
	/* ECX = 1: XCR0 AND XINUSE. */
	xa_init_fpu(&h.s->fpu);
	h.s->fpu.fsw = 0x0001;
	G(RCX) = 1;
	ck_assert_int_eq(xa_run_rfbm(&h, xgetbv, sizeof(xgetbv), 0), FAULT_NONE);
	ck_assert_uint_eq(G(RAX), 1);
	G(RCX) = 2;
	ck_assert_int_eq(xa_run_rfbm(&h, xgetbv, sizeof(xgetbv), 0), X86_GP);
	/* SSE in XCR0 needs SSE in the model. */
	cpu_model_set(&h.ip->cfg.model, X86_FEAT_SSE, false);
	set_xcr0(1);
	G(RCX) = 0;
	ck_assert_int_eq(xa_run_rfbm(&h, xsetbv, sizeof(xsetbv), 3), X86_GP);
	/* CPL 3: #GP(0); XGETBV is allowed there. */
	su_cpl3(&h);
	G(RCX) = 0;
	G(RAX) = 1;
	G(RDX) = 0;
	ck_assert_int_eq(h_fault_vector(&h, su_run(&h, xsetbv, sizeof(xsetbv), 4)),
			 X86_GP);
	ck_assert_uint_eq(h_fault_rip(&h, ENGINE_EXIT_HLT, true), H_CODE);
	su_cpl3(&h);
	G(RAX) = 0;
	ck_assert_int_eq(su_run(&h, xgetbv, sizeof(xgetbv), 1), ENGINE_EXIT_INSN_LIMIT);
	ck_assert_uint_eq(G(RAX), 1);
}
END_TEST

START_TEST(osxsave_and_leaf_d)
{
	static const uint8_t cpuid[] = { 0x0f, 0xa2, 0xf4 };

	G(RAX) = 1;
	ck_assert_int_eq(su_run(&h, cpuid, 3, 5), ENGINE_EXIT_HLT);
	ck_assert(G(RCX) & (1u << 27));                  /* OSXSAVE */
	ck_assert(G(RCX) & (1u << 26));                  /* XSAVE */
	ck_assert(G(RDX) & (1u << 24));                  /* FXSR */
	h.s->cr4 &= ~CR4_OSXSAVE;
	G(RAX) = 1;
	ck_assert_int_eq(su_run(&h, cpuid, 3, 5), ENGINE_EXIT_HLT);
	ck_assert(!(G(RCX) & (1u << 27)));
	ck_assert_int_eq(xa_run_rfbm(&h, xgetbv, sizeof(xgetbv), 0), X86_UD);
	ck_assert_int_eq(xa_run_rfbm(&h, xsetbv, sizeof(xsetbv), 1), X86_UD);
	G(RAX) = 0xd;
	G(RCX) = 0;
	ck_assert_int_eq(su_run(&h, cpuid, 3, 5), ENGINE_EXIT_HLT);
	ck_assert_uint_eq(G(RAX), 3);     /* x87 | SSE (SSE on in this test) */
	ck_assert_uint_eq(G(RBX), 576);
	ck_assert_uint_eq(G(RCX), 576);
	ck_assert_uint_eq(G(RDX), 0);
	G(RAX) = 0xd;
	G(RCX) = 1;
	ck_assert_int_eq(su_run(&h, cpuid, 3, 5), ENGINE_EXIT_HLT);
	ck_assert_uint_eq(G(RAX), 0xf);   /* XSAVEOPT, XSAVEC, XGETBV1, XSAVES */
	ck_assert_uint_eq(G(RBX), 576);
	G(RAX) = 0xd;
	G(RCX) = 2;
	ck_assert_int_eq(su_run(&h, cpuid, 3, 5), ENGINE_EXIT_HLT);
	ck_assert_uint_eq(G(RAX) | G(RBX) | G(RCX) | G(RDX), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("interp_sys_xsave");
	TCase *tc = tcase_create("xsave");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, fxsave64_layout);
	tcase_add_test(tc, fxsave_32bit_format);
	tcase_add_test(tc, fxsave_32bit_mode_xmm0_7);
	tcase_add_test(tc, fxrstor_round_trip);
	tcase_add_test(tc, fx_faults);
	tcase_add_test(tc, xsave_standard);
	tcase_add_test(tc, xsaveopt_init_optimization);
	tcase_add_test(tc, xsavec_compacted);
	tcase_add_test(tc, xrstor_forms);
	tcase_add_test(tc, xrstor_faults);
	tcase_add_test(tc, xsetbv_xgetbv);
	tcase_add_test(tc, osxsave_and_leaf_d);
	suite_add_tcase(s, tc);
	return h_run_suite(s);
}
