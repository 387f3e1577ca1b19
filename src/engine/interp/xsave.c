// SPDX-License-Identifier: MIT
/*
 * The XSAVE feature set for the x87 and SSE state components (SDM Vol. 1
 * ch. 13, Vol. 2 XSAVE/XSAVEOPT/XSAVEC/XRSTOR/XGETBV/XSETBV): XCR0 bits 0
 * and 1, the standard and compacted formats, the header rules.
 *
 * XINUSE is derived from the state's content (fxarea.h): a component in
 * its initial configuration is reported not in use.  XSAVEOPT and XSAVEC
 * use that init optimization; the modified optimization of XSAVEOPT is
 * not used (the SDM allows saving a component even when unmodified), so
 * no XRSTOR_INFO is kept and snapshots need no extra state.
 */
#include "engine/interp/fxarea.h"

#include <string.h>

/* What the SSE component's "in use" means for the XSAVE family: an XMM
 * register other than 0, or MXCSR other than its initial 1F80H (XSAVEC
 * saves SSE state whenever MXCSR differs from 1F80H, SDM 13.10). */
static uint64_t xinuse(const struct fpu_state *f)
{
	return (fx_x87_in_use(f) ? XFEATURE_X87 : 0) |
	       (fx_sse_in_use(f) || f->mxcsr != MXCSR_RESET ? XFEATURE_SSE : 0);
}

static uint64_t edx_eax(const struct cpu_state *s)
{
	return (s->gpr[GPR_RDX] << 32) | (s->gpr[GPR_RAX] & 0xffffffffull);
}

/* #UD for a feature the model lacks, then the CR4.OSXSAVE/#NM gate. */
static void xsave_checks(struct interp *ip, enum x86_feature f)
{
	if (!cpu_has(&ip->cfg.model, X86_FEAT_XSAVE) ||
	    !cpu_has(&ip->cfg.model, f))
		interp_raise(ip, X86_UD);
	interp_fpu_gate_xsave(ip);
}

static bool is_mnemonic(const struct insn *in, ZydisMnemonic a, ZydisMnemonic b)
{
	return in->zi.mnemonic == a || in->zi.mnemonic == b;
}

/* XSAVE, XSAVEOPT (standard form) and XSAVEC (compacted form). */
void sys_xsave(struct interp *ip, const struct insn *in)
{
	const struct fpu_state *f = &ip->s.fpu;
	bool opt = is_mnemonic(in, ZYDIS_MNEMONIC_XSAVEOPT, ZYDIS_MNEMONIC_XSAVEOPT64);
	bool comp = is_mnemonic(in, ZYDIS_MNEMONIC_XSAVEC, ZYDIS_MNEMONIC_XSAVEC64);
	bool rex_w = is_mnemonic(in, ZYDIS_MNEMONIC_XSAVE64, ZYDIS_MNEMONIC_XSAVEC64) ||
		     in->zi.mnemonic == ZYDIS_MNEMONIC_XSAVEOPT64;
	unsigned n = fx_xmm_count(ip), len = FXA_XMM + 16 * n;
	uint64_t rfbm, inuse, save, hdr[2];
	uint8_t area[FXA_SIZE];
	struct fx_area a;

	xsave_checks(ip, opt ? X86_FEAT_XSAVEOPT : comp ? X86_FEAT_XSAVEC :
		     X86_FEAT_XSAVE);
	fx_area_map(ip, in, 64, XSA_SIZE, ACC_WRITE, &a);
	rfbm = ip->s.xcr0 & edx_eax(&ip->s);
	inuse = xinuse(f) & rfbm;
	save = opt || comp ? inuse : rfbm;
	fx_area_read(ip, &a, 0, area, len);
	fx_area_read(ip, &a, XSA_XSTATE_BV, hdr, 8);
	if (save & XFEATURE_X87)
		fx_put_x87(f, area, rex_w);
	if (save & XFEATURE_SSE)
		fx_put_xmm(f, area, n);
	/* MXCSR belongs to SSE; the standard form stores it with RFBM[1]
	 * even when the XMM registers are not saved (SDM 13.7, 13.9). */
	if (comp ? save & XFEATURE_SSE : rfbm & XFEATURE_SSE)
		fx_put_mxcsr(f, area);
	if (comp) {
		hdr[0] = inuse;
		hdr[1] = XCOMP_BV_COMPACTED | rfbm;
	} else {
		hdr[0] = (hdr[0] & ~rfbm) | inuse;
	}
	fx_area_write(ip, &a, 0, area, len);
	fx_area_write(ip, &a, XSA_XSTATE_BV, hdr, comp ? 16 : 8);
	sys_done(ip, in);
}

/* The XSAVE header checks of XRSTOR (SDM 13.8, XRSTOR "Protected Mode
 * Exceptions"); returns the components to load from memory in *load and
 * those to initialize in *init. */
static void xrstor_header(struct interp *ip, const uint64_t hdr[8],
			  uint64_t rfbm, uint64_t *load, uint64_t *init)
{
	uint64_t xcr0 = ip->s.xcr0, bv = hdr[0], comp = hdr[1];

	if (!(comp & XCOMP_BV_COMPACTED)) {
		/* Standard form: XSTATE_BV within XCR0, bytes 23:8 zero. */
		if ((bv & ~xcr0) || hdr[1] || hdr[2])
			interp_raise_gp0(ip);
		*load = rfbm & bv;
		*init = rfbm & ~bv;
		return;
	}
	if (!cpu_has(&ip->cfg.model, X86_FEAT_XSAVEC))
		interp_raise_gp0(ip);
	comp &= ~XCOMP_BV_COMPACTED;
	/* Compacted form: XCOMP_BV within XCR0, XSTATE_BV within XCOMP_BV,
	 * bytes 63:16 zero. */
	if ((comp & ~xcr0) || (bv & ~comp))
		interp_raise_gp0(ip);
	for (unsigned i = 2; i < 8; i++)
		if (hdr[i])
			interp_raise_gp0(ip);
	*load = rfbm & comp & bv;
	*init = rfbm & ~(comp & bv);
}

void sys_xrstor(struct interp *ip, const struct insn *in)
{
	bool rex_w = in->zi.mnemonic == ZYDIS_MNEMONIC_XRSTOR64;
	unsigned n = fx_xmm_count(ip);
	struct fpu_state f = ip->s.fpu;
	uint64_t rfbm, hdr[8], load, init;
	uint8_t area[FXA_SIZE];
	struct fx_area a;

	xsave_checks(ip, X86_FEAT_XSAVE);
	fx_area_map(ip, in, 64, XSA_SIZE, ACC_READ, &a);
	rfbm = ip->s.xcr0 & edx_eax(&ip->s);
	fx_area_read(ip, &a, XSA_XSTATE_BV, hdr, sizeof(hdr));
	xrstor_header(ip, hdr, rfbm, &load, &init);
	fx_area_read(ip, &a, 0, area, FXA_XMM + 16 * n);
	/* MXCSR: the standard form loads it with RFBM[1] whatever
	 * XSTATE_BV says; the compacted form with the SSE component, and
	 * initializes it with it (SDM 13.8.1, 13.8.2). */
	if ((hdr[1] & XCOMP_BV_COMPACTED) ? load & XFEATURE_SSE :
	    rfbm & XFEATURE_SSE)
		f.mxcsr = fx_mxcsr_checked(ip, area);
	else if (init & XFEATURE_SSE)
		f.mxcsr = MXCSR_RESET;
	if (load & XFEATURE_X87)
		fx_get_x87(&f, area, rex_w);
	else if (init & XFEATURE_X87)
		fx_init_x87(&f);
	if (load & XFEATURE_SSE)
		fx_get_xmm(&f, area, n);
	else if (init & XFEATURE_SSE)
		memset(f.xmm, 0, 16 * n);
	ip->s.fpu = f;
	sys_done(ip, in);
}

void sys_xsetbv(struct interp *ip, const struct insn *in)
{
	struct cpu_state *s = &ip->s;
	struct x86_intercept ic;
	uint64_t v = edx_eax(s);

	if (!cpu_has(&ip->cfg.model, X86_FEAT_XSAVE) || !(s->cr4 & CR4_OSXSAVE))
		interp_raise(ip, X86_UD);
	/* Privilege faults come before the (unconditional) VM exit,
	 * SDM 26.1.1; the value checks after it. */
	if (cpu_cpl(s) != 0)
		interp_raise_gp0(ip);
	sys_icpt_fill(ip, in, &ic, ICPT_XSETBV);
	if (sys_intercept(ip, &ic) == ICPT_EMULATED) {
		sys_done(ip, in);
		return;
	}
	/* XCR0 only; supported bits only; x87 (bit 0) always set (SDM
	 * XSETBV, 13.3). */
	if ((uint32_t)s->gpr[GPR_RCX] != 0 ||
	    (v & ~cpu_model_xcr0_valid_bits(&ip->cfg.model)) ||
	    !(v & XFEATURE_X87))
		interp_raise_gp0(ip);
	s->xcr0 = v;
	sys_done(ip, in);
}

/* XGETBV: ECX = 0 reads XCR0, ECX = 1 (with XGETBV1) XCR0 AND XINUSE. */
void sys_xgetbv(struct interp *ip, const struct insn *in)
{
	struct cpu_state *s = &ip->s;
	uint32_t ecx = (uint32_t)s->gpr[GPR_RCX];
	uint64_t v;

	if (!cpu_has(&ip->cfg.model, X86_FEAT_XSAVE) || !(s->cr4 & CR4_OSXSAVE))
		interp_raise(ip, X86_UD);
	if (ecx == 0)
		v = s->xcr0;
	else if (ecx == 1 && cpu_has(&ip->cfg.model, X86_FEAT_XGETBV1))
		v = s->xcr0 & xinuse(&s->fpu);
	else
		interp_raise_gp0(ip);
	s->gpr[GPR_RAX] = v & 0xffffffffull;
	s->gpr[GPR_RDX] = v >> 32;
	sys_done(ip, in);
}
