// SPDX-License-Identifier: MIT
/*
 * The XSAVE feature set for the x87 and SSE state components (SDM Vol. 1
 * ch. 13, Vol. 2 XSAVE/XSAVEOPT/XSAVEC/XSAVES/XRSTOR/XRSTORS/XGETBV/
 * XSETBV): XCR0 bits 0 and 1, the standard and compacted formats, the
 * header rules.  XSAVES/XRSTORS (13.11, 13.12) work on XCR0 OR IA32_XSS;
 * vmxbox has no supervisor state component, so IA32_XSS is always 0 and
 * they differ from XSAVEC/XRSTOR (compacted) by their CPL 0 rule, the
 * compacted form XRSTORS requires, and VMX non-root operation's "enable
 * XSAVES/XRSTORS" (the ICPT_XSAVES intercept).
 *
 * XINUSE is derived from the state's content (fxarea.h): a component in
 * its initial configuration is reported not in use.  XSAVEOPT, XSAVEC and
 * XSAVES use that init optimization; the modified optimization of
 * XSAVEOPT and XSAVES is not used (the SDM allows saving a component even
 * when unmodified), so no XRSTOR_INFO is kept and snapshots need no extra
 * state.
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

/* The save of the components in rfbm, after the instruction's checks:
 * standard form (opt: with the init optimization) or compacted. */
static void xsave_area(struct interp *ip, const struct insn *in, uint64_t rfbm,
		       bool opt, bool comp, bool rex_w)
{
	const struct fpu_state *f = &ip->s.fpu;
	unsigned n = fx_xmm_count(ip), len = FXA_XMM + 16 * n;
	uint64_t inuse, save, hdr[2];
	uint8_t area[FXA_SIZE];
	struct fx_area a;

	fx_area_map(ip, in, 64, XSA_SIZE, ACC_WRITE, &a);
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

/* XSAVE, XSAVEOPT (standard form) and XSAVEC (compacted form). */
void sys_xsave(struct interp *ip, const struct insn *in)
{
	bool opt = is_mnemonic(in, ZYDIS_MNEMONIC_XSAVEOPT, ZYDIS_MNEMONIC_XSAVEOPT64);
	bool comp = is_mnemonic(in, ZYDIS_MNEMONIC_XSAVEC, ZYDIS_MNEMONIC_XSAVEC64);
	bool rex_w = is_mnemonic(in, ZYDIS_MNEMONIC_XSAVE64, ZYDIS_MNEMONIC_XSAVEC64) ||
		     in->zi.mnemonic == ZYDIS_MNEMONIC_XSAVEOPT64;

	xsave_checks(ip, opt ? X86_FEAT_XSAVEOPT : comp ? X86_FEAT_XSAVEC :
		     X86_FEAT_XSAVE);
	xsave_area(ip, in, ip->s.xcr0 & edx_eax(&ip->s), opt, comp, rex_w);
}

/*
 * The checks XSAVES and XRSTORS add (SDM Vol. 2 XSAVES/XRSTORS, 26.3):
 * after #UD (no XSAVES, CR4.OSXSAVE clear) and #NM (CR0.TS), #GP(0) at
 * CPL > 0; then, a privilege fault having priority over a VM exit
 * (26.1.1), VMX non-root operation's #UD ("enable XSAVES/XRSTORS" clear)
 * or VM exit (the XSS-exiting bitmap), both before the area's alignment
 * and memory checks.  Returns RFBM = (XCR0 OR IA32_XSS) AND EDX:EAX.
 */
static uint64_t xsaves_checks(struct interp *ip, const struct insn *in,
			      bool restore)
{
	struct x86_intercept ic;

	xsave_checks(ip, X86_FEAT_XSAVES);
	if (cpu_cpl(&ip->s) != 0)
		interp_raise_gp0(ip);
	sys_icpt_fill(ip, in, &ic, ICPT_XSAVES);
	ic.u.xss.restore = restore;
	ic.u.xss.mask = edx_eax(&ip->s);
	op_describe(ip, in, 0, &ic.u.xss.op);
	sys_intercept(ip, &ic);
	return (ip->s.xcr0 | ip->s.msr.xss) & edx_eax(&ip->s);
}

/* XSAVES: the compacted form of XSAVEC over XCR0 OR IA32_XSS. */
void sys_xsaves(struct interp *ip, const struct insn *in)
{
	uint64_t rfbm = xsaves_checks(ip, in, false);

	xsave_area(ip, in, rfbm, false, true,
		   in->zi.mnemonic == ZYDIS_MNEMONIC_XSAVES64);
}

/* The XSAVE header checks of XRSTOR and XRSTORS (SDM 13.8, 13.12, their
 * "Protected Mode Exceptions"); returns the components to load from memory
 * in *load and those to initialize in *init.  XRSTORS takes the compacted
 * form only, with XCOMP_BV within XCR0 OR IA32_XSS. */
static void xrstor_header(struct interp *ip, const uint64_t hdr[8],
			  uint64_t rfbm, bool xrstors, uint64_t *load,
			  uint64_t *init)
{
	uint64_t xcr0 = ip->s.xcr0, bv = hdr[0], comp = hdr[1];

	if (xrstors && !(comp & XCOMP_BV_COMPACTED))
		interp_raise_gp0(ip);
	if (xrstors)
		xcr0 |= ip->s.msr.xss;
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

/* The restore of the components in rfbm, after the instruction's checks. */
static void xrstor_area(struct interp *ip, const struct insn *in, uint64_t rfbm,
			bool xrstors, bool rex_w)
{
	unsigned n = fx_xmm_count(ip);
	struct fpu_state f = ip->s.fpu;
	uint64_t hdr[8], load, init;
	uint8_t area[FXA_SIZE];
	struct fx_area a;

	fx_area_map(ip, in, 64, XSA_SIZE, ACC_READ, &a);
	fx_area_read(ip, &a, XSA_XSTATE_BV, hdr, sizeof(hdr));
	xrstor_header(ip, hdr, rfbm, xrstors, &load, &init);
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

void sys_xrstor(struct interp *ip, const struct insn *in)
{
	xsave_checks(ip, X86_FEAT_XSAVE);
	xrstor_area(ip, in, ip->s.xcr0 & edx_eax(&ip->s), false,
		    in->zi.mnemonic == ZYDIS_MNEMONIC_XRSTOR64);
}

void sys_xrstors(struct interp *ip, const struct insn *in)
{
	uint64_t rfbm = xsaves_checks(ip, in, true);

	xrstor_area(ip, in, rfbm, true,
		    in->zi.mnemonic == ZYDIS_MNEMONIC_XRSTORS64);
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
