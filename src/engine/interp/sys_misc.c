// SPDX-License-Identifier: MIT
/*
 * Miscellaneous system instructions: CPUID, HLT, CLI/STI, PAUSE,
 * MONITOR/MWAIT, RDRAND/RDSEED, UD0/1/2, CLAC/STAC,
 * INVLPG, WBINVD/INVD, GETSEC (SDM Vol. 2 instruction reference).
 */
#include "engine/interp/sys.h"

static void require_cpl0(struct interp *ip)
{
	if (cpu_cpl(&ip->s) != 0)
		interp_raise_gp0(ip);
}

/* Instruction with no operands: CPL/UD checks done by the caller, then the
 * intercept, then nothing else happens. */
static void simple_icpt(struct interp *ip, const struct insn *in,
			enum icpt_kind kind)
{
	struct x86_intercept ic;

	sys_icpt_fill(ip, in, &ic, kind);
	sys_intercept(ip, &ic);
	sys_done(ip, in);
}

void sys_cpuid(struct interp *ip, const struct insn *in)
{
	struct cpu_state *s = &ip->s;
	struct x86_intercept ic;
	uint32_t r[4];

	sys_icpt_fill(ip, in, &ic, ICPT_CPUID);
	ic.u.cpuid.leaf = (uint32_t)s->gpr[GPR_RAX];
	ic.u.cpuid.subleaf = (uint32_t)s->gpr[GPR_RCX];
	if (sys_intercept(ip, &ic) == ICPT_EMULATED) {
		sys_done(ip, in);
		return;
	}
	cpu_model_cpuid(&ip->cfg.model, ic.u.cpuid.leaf, ic.u.cpuid.subleaf, r);
	/* OSXSAVE reflects CR4 (SDM CPUID leaf 1 ECX[27]). */
	if (ic.u.cpuid.leaf == 1 && (s->cr4 & CR4_OSXSAVE))
		r[2] |= 1u << 27;
	s->gpr[GPR_RAX] = r[0];
	s->gpr[GPR_RBX] = r[1];
	s->gpr[GPR_RCX] = r[2];
	s->gpr[GPR_RDX] = r[3];
	sys_done(ip, in);
}

void sys_hlt(struct interp *ip, const struct insn *in)
{
	struct x86_intercept ic;

	require_cpl0(ip);
	sys_icpt_fill(ip, in, &ic, ICPT_HLT);
	/* The run loop waits: for an interrupt, or for virtual time to
	 * reach the next timer deadline (interp.c). */
	if (sys_intercept(ip, &ic) == ICPT_CONTINUE)
		ip->s.activity = ACTIVITY_HLT;
	sys_done(ip, in);
}

/*
 * CLI/STI (SDM CLI/STI operation): IF when IOPL allows it (IOPL >= CPL,
 * IOPL = 3 in virtual-8086 mode, always in real mode); else VIF in
 * virtual-8086 mode with CR4.VME and at CPL 3 with CR4.PVI (protected-mode
 * virtual interrupts, SDM 20.4), where STI with VIP set is #GP(0); else
 * #GP(0).  Returns the flag to change.
 */
static uint64_t cli_sti_flag(struct interp *ip, bool sti)
{
	const struct cpu_state *s = &ip->s;
	unsigned iopl = (unsigned)((s->rflags & RFLAGS_IOPL) >> RFLAGS_IOPL_SHIFT);
	bool v86 = s->rflags & RFLAGS_VM;
	bool vif;

	if (!(s->cr0 & CR0_PE) || iopl >= (v86 ? 3 : cpu_cpl(s)))
		return RFLAGS_IF;
	vif = v86 ? (s->cr4 & CR4_VME) : (cpu_cpl(s) == 3 && (s->cr4 & CR4_PVI));
	if (!vif || (sti && (s->rflags & RFLAGS_VIP)))
		interp_raise_gp0(ip);
	return RFLAGS_VIF;
}

void sys_cli(struct interp *ip, const struct insn *in)
{
	ip->s.rflags &= ~cli_sti_flag(ip, false);
	sys_done(ip, in);
}

void sys_sti(struct interp *ip, const struct insn *in)
{
	uint64_t f = cli_sti_flag(ip, true);

	/* Interrupts stay blocked for one more instruction (SDM STI). */
	if (f == RFLAGS_IF && !(ip->s.rflags & RFLAGS_IF))
		ip->shadow_next |= INTR_BLOCK_STI;
	ip->s.rflags |= f;
	sys_done(ip, in);
}

void sys_pause(struct interp *ip, const struct insn *in)
{
	simple_icpt(ip, in, ICPT_PAUSE);
}

void sys_monitor(struct interp *ip, const struct insn *in)
{
	struct cpu_state *s = &ip->s;
	struct x86_intercept ic;
	unsigned seg = SEG_DS;
	uint64_t amask = in->zi.address_width == 64 ? ~0ull :
			 in->zi.address_width == 32 ? 0xffffffffull : 0xffffull;

	if (!cpu_has(&ip->cfg.model, X86_FEAT_MONITOR) || cpu_cpl(s) > 0)
		interp_raise(ip, X86_UD);
	seg = sys_seg_override(in, SEG_DS);
	sys_icpt_fill(ip, in, &ic, ICPT_MONITOR);
	ic.u.monitor.linear = seg_linear(ip, seg, s->gpr[GPR_RAX] & amask, 1,
					 ACC_READ);
	if (sys_intercept(ip, &ic) == ICPT_CONTINUE) {
		ip->monitor_armed = true;
		ip->monitor_lin = ic.u.monitor.linear;
	}
	sys_done(ip, in);
}

void sys_mwait(struct interp *ip, const struct insn *in)
{
	struct x86_intercept ic;

	if (!cpu_has(&ip->cfg.model, X86_FEAT_MONITOR) || cpu_cpl(&ip->s) > 0)
		interp_raise(ip, X86_UD);
	if ((uint32_t)ip->s.gpr[GPR_RCX] > 1)
		interp_raise_gp0(ip);
	sys_icpt_fill(ip, in, &ic, ICPT_MWAIT);
	ic.u.mwait.armed = ip->monitor_armed;
	/* The optimized state is left at once: an implementation-dependent
	 * break event (SDM Vol. 2 MWAIT; 9.10.4), which a store to the
	 * range or an interrupt would have been. */
	if (sys_intercept(ip, &ic) == ICPT_CONTINUE)
		ip->monitor_armed = false;
	sys_done(ip, in);
}

/* Deterministic "random" numbers: a hash of the instruction count, so runs
 * and snapshot restores repeat exactly. */
static uint64_t det_random(const struct cpu_state *s)
{
	uint64_t z = s->insn_count * 0x9e3779b97f4a7c15ull + s->tsc + 1;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void sys_rdrand(struct interp *ip, const struct insn *in)
{
	bool seed = in->zi.mnemonic == ZYDIS_MNEMONIC_RDSEED;
	struct x86_intercept ic;

	if (!cpu_has(&ip->cfg.model, seed ? X86_FEAT_RDSEED : X86_FEAT_RDRAND))
		interp_raise(ip, X86_UD);
	sys_icpt_fill(ip, in, &ic, seed ? ICPT_RDSEED : ICPT_RDRAND);
	if (sys_intercept(ip, &ic) == ICPT_CONTINUE) {
		sys_gpr_write(ip, sys_gpr_of(in, 0), det_random(&ip->s),
			      in->ops[0].size);
		ip->s.rflags &= ~(RFLAGS_OF | RFLAGS_SF | RFLAGS_ZF |
				  RFLAGS_AF | RFLAGS_PF);
		ip->s.rflags |= RFLAGS_CF;
	}
	sys_done(ip, in);
}

void sys_ud(struct interp *ip, const struct insn *in)
{
	interp_raise(ip, X86_UD);
}

void sys_clac_stac(struct interp *ip, const struct insn *in)
{
	if (!cpu_has(&ip->cfg.model, X86_FEAT_SMAP) || cpu_cpl(&ip->s) > 0)
		interp_raise(ip, X86_UD);
	if (in->zi.mnemonic == ZYDIS_MNEMONIC_STAC)
		ip->s.rflags |= RFLAGS_AC;
	else
		ip->s.rflags &= ~RFLAGS_AC;
	sys_done(ip, in);
}

void sys_invlpg(struct interp *ip, const struct insn *in)
{
	const struct cpu_state *s = &ip->s;
	struct x86_intercept ic;
	unsigned seg;
	uint64_t ea, lin;

	require_cpl0(ip);
	ea = op_ea(ip, in, 0, &seg);
	lin = ea;
	if (!cpu_64bit_mode(s) || seg == SEG_FS || seg == SEG_GS)
		lin += s->seg[seg].base;
	if (!cpu_long_mode(s))
		lin &= 0xffffffffull;
	sys_icpt_fill(ip, in, &ic, ICPT_INVLPG);
	ic.u.invlpg.linear = lin;
	op_describe(ip, in, 0, &ic.u.invlpg.op);
	if (sys_intercept(ip, &ic) == ICPT_CONTINUE)
		tlb_flush_page(ip, lin);
	sys_done(ip, in);
}

void sys_wbinvd(struct interp *ip, const struct insn *in)
{
	require_cpl0(ip);
	simple_icpt(ip, in, in->zi.mnemonic == ZYDIS_MNEMONIC_INVD ?
		    ICPT_INVD : ICPT_WBINVD);
}

void sys_getsec(struct interp *ip, const struct insn *in)
{
	/* SMX is not advertised, so CR4.SMXE can never be 1 (SDM GETSEC). */
	interp_raise(ip, X86_UD);
}
