// SPDX-License-Identifier: MIT
/*
 * MSRs and time: RDMSR/WRMSR (SDM Vol. 2, Vol. 4 MSR list), RDTSC/RDTSCP/
 * RDPMC, SWAPGS, SYSCALL/SYSRET (SDM 5.8.8), SYSENTER/SYSEXIT (SDM 5.8.7).
 */
#include "engine/interp/sys.h"

#define MSR_FEATURE_CONTROL  0x3a
#define MSR_EFER             0xc0000080

static void require_cpl0(struct interp *ip)
{
	if (cpu_cpl(&ip->s) != 0)
		interp_raise_gp0(ip);
}

static void set_edx_eax(struct interp *ip, uint64_t v)
{
	ip->s.gpr[GPR_RAX] = v & 0xffffffffull;
	ip->s.gpr[GPR_RDX] = v >> 32;
}

static uint64_t edx_eax(const struct interp *ip)
{
	return (ip->s.gpr[GPR_RDX] << 32) | (ip->s.gpr[GPR_RAX] & 0xffffffffull);
}

/*
 * The interrupt controller's MSRs (IA32_APIC_BASE, IA32_TSC_DEADLINE,
 * x2APIC): true when it handled the access, #GP when it refused it.
 */
static bool intc_msr(struct interp *ip, uint32_t idx, bool write,
		     uint64_t *v)
{
	const struct cpu_intc *c = &ip->cfg.intc;
	enum intc_msr_result r;

	if (!c->ops)
		return false;
	r = write ? c->ops->msr_write(c->opaque, idx, ip->s.tsc, *v)
		  : c->ops->msr_read(c->opaque, idx, ip->s.tsc, v);
	if (r == INTC_MSR_GP)
		interp_raise_gp0(ip);
	if (r == INTC_MSR_OK && write && idx == 0x1b)
		ip->s.msr.apic_base = *v;   /* the mirror inspect shows */
	return r == INTC_MSR_OK;
}

/* MSRs that exist only with a feature of the model. */
static bool msr_in_model(const struct interp *ip, uint32_t idx)
{
	if (cpu_msr_is_mtrr(idx))
		return cpu_has(&ip->cfg.model, X86_FEAT_MTRR);
	if (idx == MSR_IA32_XSS)
		return cpu_has(&ip->cfg.model, X86_FEAT_XSAVES);
	return true;
}

/*
 * SMP: catch up with the vCPUs that ran ahead in this round before the
 * TSC is read (engine.h peers_time), also for L2 (TSC offsetting and
 * scaling apply to the caught-up value) and for RDMSR(IA32_TSC).
 */
static void tsc_catch_up(struct interp *ip)
{
	if (ip->cfg.peers_time)
		interp_time_catch_up(ip, ip->cfg.peers_time(ip->cfg.peers_time_opaque));
}

void sys_rdmsr(struct interp *ip, const struct insn *in)
{
	uint32_t idx = (uint32_t)ip->s.gpr[GPR_RCX];
	struct x86_intercept ic;
	uint64_t v;

	require_cpl0(ip);
	if (idx == MSR_IA32_TSC)
		tsc_catch_up(ip);
	sys_icpt_fill(ip, in, &ic, ICPT_RDMSR);
	ic.u.msr.index = idx;
	if (sys_intercept(ip, &ic) == ICPT_EMULATED) {
		set_edx_eax(ip, ic.u.msr.value);
		sys_done(ip, in);
		return;
	}
	if (!msr_in_model(ip, idx))
		interp_raise_gp0(ip);
	if (idx == MSR_IA32_TSC)
		v = ip->s.tsc;
	else if (!intc_msr(ip, idx, false, &v) && !cpu_msr_get(&ip->s, idx, &v))
		interp_raise_gp0(ip);
	set_edx_eax(ip, v);
	sys_done(ip, in);
}

/* A new TSC moves an armed TSC-deadline timer (cpu_intc.h). */
static void tsc_written(struct interp *ip)
{
	const struct cpu_intc *c = &ip->cfg.intc;

	if (c->ops && c->ops->tsc_written)
		c->ops->tsc_written(c->opaque, ip->s.tsc);
}

static void write_efer(struct interp *ip, uint64_t v)
{
	struct cpu_state *s = &ip->s;

	if (v & ~cpu_model_efer_valid_bits(&ip->cfg.model))
		interp_raise_gp0(ip);
	/* LME may not change while paging is on; LMA is read-only. */
	if (((v ^ s->efer) & EFER_LME) && (s->cr0 & CR0_PG))
		interp_raise_gp0(ip);
	v = (v & ~EFER_LMA) | (s->efer & EFER_LMA);
	if ((v ^ s->efer) & EFER_NXE)
		interp_mode_changed(ip);
	s->efer = v;
}

void sys_wrmsr(struct interp *ip, const struct insn *in)
{
	uint32_t idx = (uint32_t)ip->s.gpr[GPR_RCX];
	uint64_t v = edx_eax(ip);
	struct x86_intercept ic;

	require_cpl0(ip);
	sys_icpt_fill(ip, in, &ic, ICPT_WRMSR);
	ic.u.msr.index = idx;
	ic.u.msr.value = v;
	if (sys_intercept(ip, &ic) == ICPT_EMULATED) {
		sys_done(ip, in);
		return;
	}
	if (intc_msr(ip, idx, true, &v)) {
		sys_done(ip, in);
		return;
	}
	switch (idx) {
	case MSR_EFER:
		write_efer(ip, v);
		break;
	case MSR_FEATURE_CONTROL:
		if (ip->s.msr.feature_control & 1)   /* locked */
			interp_raise_gp0(ip);
		ip->s.msr.feature_control = v;
		break;
	default:
		/* TSC, TSC_ADJUST, TSC_AUX, PAT, address MSRs, the
		 * stateless ones (BIOS_SIGN_ID...): the rules the VMX
		 * MSR-load lists share (core/cpu_state.c); the MTRRs'
		 * reserved bits depend on the model (core/cpu_mtrr.c). */
		if (!msr_in_model(ip, idx) || (cpu_msr_is_mtrr(idx) &&
		    !cpu_mtrr_write_ok(&ip->cfg.model, idx, v)))
			interp_raise_gp0(ip);
		if (!cpu_msr_write(&ip->s, idx, v))
			interp_raise_gp0(ip);
		if (idx == MSR_IA32_TSC || idx == MSR_IA32_TSC_ADJUST)
			tsc_written(ip);
	}
	sys_done(ip, in);
}

static void tsc_read(struct interp *ip, const struct insn *in, enum icpt_kind k)
{
	struct x86_intercept ic;

	if ((ip->s.cr4 & CR4_TSD) && cpu_cpl(&ip->s) > 0)
		interp_raise_gp0(ip);
	tsc_catch_up(ip);
	sys_icpt_fill(ip, in, &ic, k);
	if (sys_intercept(ip, &ic) == ICPT_EMULATED) {
		sys_done(ip, in);
		return;
	}
	set_edx_eax(ip, ip->s.tsc);
	if (k == ICPT_RDTSCP)
		ip->s.gpr[GPR_RCX] = ip->s.msr.tsc_aux & 0xffffffffull;
	sys_done(ip, in);
}

void sys_rdtsc(struct interp *ip, const struct insn *in)
{
	tsc_read(ip, in, ICPT_RDTSC);
}

void sys_rdtscp(struct interp *ip, const struct insn *in)
{
	if (!cpu_has(&ip->cfg.model, X86_FEAT_RDTSCP))
		interp_raise(ip, X86_UD);
	tsc_read(ip, in, ICPT_RDTSCP);
}

/* RDPID: IA32_TSC_AUX into a register, zero-extended in 64-bit mode
 * (SDM Vol. 2 RDPID); no CPL or CR4.TSD check. */
void sys_rdpid(struct interp *ip, const struct insn *in)
{
	struct x86_intercept ic;

	if (!cpu_has(&ip->cfg.model, X86_FEAT_RDPID))
		interp_raise(ip, X86_UD);
	sys_icpt_fill(ip, in, &ic, ICPT_RDPID);
	if (sys_intercept(ip, &ic) == ICPT_CONTINUE)
		sys_gpr_write(ip, sys_gpr_of(in, 0),
			      ip->s.msr.tsc_aux & 0xffffffffull,
			      in->ops[0].size);
	sys_done(ip, in);
}

void sys_rdpmc(struct interp *ip, const struct insn *in)
{
	struct x86_intercept ic;

	if (!(ip->s.cr4 & CR4_PCE) && cpu_cpl(&ip->s) > 0)
		interp_raise_gp0(ip);
	sys_icpt_fill(ip, in, &ic, ICPT_RDPMC);
	if (sys_intercept(ip, &ic) == ICPT_EMULATED) {
		sys_done(ip, in);
		return;
	}
	/* No performance counters are modelled: every ECX is invalid. */
	interp_raise_gp0(ip);
}

void sys_swapgs(struct interp *ip, const struct insn *in)
{
	struct cpu_state *s = &ip->s;
	uint64_t t;

	if (!cpu_64bit_mode(s))
		interp_raise(ip, X86_UD);
	require_cpl0(ip);
	t = s->seg[SEG_GS].base;
	s->seg[SEG_GS].base = s->msr.kernel_gs_base;
	s->msr.kernel_gs_base = t;
	sys_done(ip, in);
}

/* Flat segments loaded by SYSCALL/SYSRET/SYSENTER/SYSEXIT. */
static void flat_seg(struct seg_reg *sr, uint16_t sel, unsigned dpl,
		     bool code, bool l)
{
	sr->sel = sel;
	sr->base = 0;
	sr->limit = 0xffffffffu;
	sr->ar = SEG_AR_P | SEG_AR_S | SEG_AR_G | (dpl << SEG_AR_DPL_SHIFT) |
		 (code ? 0xb : 0x3);
	if (code && l)
		sr->ar |= SEG_AR_L;
	else
		sr->ar |= SEG_AR_DB;
}

void sys_syscall(struct interp *ip, const struct insn *in)
{
	struct cpu_state *s = &ip->s;
	uint16_t sel = (uint16_t)(s->msr.star >> 32);

	if (!cpu_64bit_mode(s) || !(s->efer & EFER_SCE))
		interp_raise(ip, X86_UD);
	s->gpr[GPR_RCX] = ip->insn_rip + in->len;
	s->gpr[GPR_R11] = s->rflags & ~RFLAGS_RF;
	flat_seg(&s->seg[SEG_CS], sel & 0xfffc, 0, true, true);
	flat_seg(&s->seg[SEG_SS], (uint16_t)(sel + 8), 0, false, false);
	s->rflags &= ~(s->msr.sfmask | RFLAGS_RF);
	s->rflags |= RFLAGS_FIXED1;
	s->rip = s->msr.lstar;
}

void sys_sysret(struct interp *ip, const struct insn *in)
{
	struct cpu_state *s = &ip->s;
	uint16_t sel = (uint16_t)(s->msr.star >> 48);
	bool to64 = sys_opsize(in) == 64;

	if (!cpu_64bit_mode(s) || !(s->efer & EFER_SCE))
		interp_raise(ip, X86_UD);
	require_cpl0(ip);
	if (to64 && !lin_canonical(s->gpr[GPR_RCX]))
		interp_raise_gp0(ip);
	s->rflags = (s->gpr[GPR_R11] & 0x3c7fd7ull) | RFLAGS_FIXED1;
	if (to64) {
		flat_seg(&s->seg[SEG_CS], (uint16_t)((sel + 16) | 3), 3, true, true);
		s->rip = s->gpr[GPR_RCX];
	} else {
		flat_seg(&s->seg[SEG_CS], sel | 3, 3, true, false);
		s->rip = s->gpr[GPR_RCX] & 0xffffffffull;
	}
	flat_seg(&s->seg[SEG_SS], (uint16_t)((sel + 8) | 3), 3, false, false);
}

void sys_sysenter(struct interp *ip, const struct insn *in)
{
	struct cpu_state *s = &ip->s;
	uint16_t sel = (uint16_t)s->msr.sysenter_cs;
	bool lm = cpu_long_mode(s);

	if (!(s->cr0 & CR0_PE))
		interp_raise_gp0(ip);
	if (!(sel & 0xfffc))
		interp_raise_gp0(ip);
	s->rflags &= ~(RFLAGS_VM | RFLAGS_IF | RFLAGS_RF);
	flat_seg(&s->seg[SEG_CS], sel & 0xfffc, 0, true, lm);
	flat_seg(&s->seg[SEG_SS], (uint16_t)((sel & 0xfffc) + 8), 0, false, false);
	s->rip = lm ? s->msr.sysenter_eip : s->msr.sysenter_eip & 0xffffffffull;
	s->gpr[GPR_RSP] = lm ? s->msr.sysenter_esp :
			       s->msr.sysenter_esp & 0xffffffffull;
}

void sys_sysexit(struct interp *ip, const struct insn *in)
{
	struct cpu_state *s = &ip->s;
	uint16_t sel = (uint16_t)s->msr.sysenter_cs;
	bool to64 = sys_opsize(in) == 64;

	if (!(s->cr0 & CR0_PE))
		interp_raise_gp0(ip);
	require_cpl0(ip);
	if (!(sel & 0xfffc))
		interp_raise_gp0(ip);
	if (to64 && (!lin_canonical(s->gpr[GPR_RDX]) ||
		     !lin_canonical(s->gpr[GPR_RCX])))
		interp_raise_gp0(ip);
	flat_seg(&s->seg[SEG_CS], (uint16_t)((sel + (to64 ? 32 : 16)) | 3), 3,
		 true, to64);
	flat_seg(&s->seg[SEG_SS], (uint16_t)((sel + (to64 ? 40 : 24)) | 3), 3,
		 false, false);
	s->rip = to64 ? s->gpr[GPR_RDX] : s->gpr[GPR_RDX] & 0xffffffffull;
	s->gpr[GPR_RSP] = to64 ? s->gpr[GPR_RCX] :
				 s->gpr[GPR_RCX] & 0xffffffffull;
}
