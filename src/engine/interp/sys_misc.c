// SPDX-License-Identifier: MIT
/*
 * Miscellaneous system instructions: CPUID, HLT, CLI/STI, PAUSE,
 * MONITOR/MWAIT, RDRAND/RDSEED, UD0/1/2, CLAC/STAC,
 * INVLPG, WBINVD/INVD, GETSEC (SDM Vol. 2 instruction reference).
 */
#include <string.h>

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

/*
 * MONITOR arms address-range monitoring of the line holding DS:RAX
 * (SDM Vol. 2 MONITOR): translated like a read (#PF), the physical line
 * remembered with its contents.  A line outside RAM (MMIO, the hole)
 * cannot be watched: the monitor stays unarmed and MWAIT returns at once.
 */
void sys_monitor(struct interp *ip, const struct insn *in)
{
	struct cpu_state *s = &ip->s;
	struct x86_intercept ic;
	unsigned seg = SEG_DS;
	uint64_t amask = in->zi.address_width == 64 ? ~0ull :
			 in->zi.address_width == 32 ? 0xffffffffull : 0xffffull;
	const void *line;
	uint64_t gpa;

	if (!cpu_has(&ip->cfg.model, X86_FEAT_MONITOR) || cpu_cpl(s) > 0)
		interp_raise(ip, X86_UD);
	seg = sys_seg_override(in, SEG_DS);
	sys_icpt_fill(ip, in, &ic, ICPT_MONITOR);
	ic.u.monitor.linear = seg_linear(ip, seg, s->gpr[GPR_RAX] & amask, 1,
					 ACC_READ);
	if (sys_intercept(ip, &ic) == ICPT_CONTINUE) {
		mmu_translate(ip, ic.u.monitor.linear, ACC_READ, false, &gpa);
		gpa &= ~(uint64_t)(CPU_MONITOR_LINE - 1);
		line = gmem_ptr(ip->cfg.mem, gpa, CPU_MONITOR_LINE);
		s->monitor_armed = line != NULL;
		s->monitor_gpa = gpa;
		if (line)
			memcpy(s->monitor_line, line, CPU_MONITOR_LINE);
	}
	sys_done(ip, in);
}

/*
 * MWAIT (SDM Vol. 2 MWAIT, Vol. 3A 9.10.4): with the monitor armed, the
 * vCPU waits until the line is written, an interrupt it would take
 * arrives (with ECX[0] also a masked one), an NMI, INIT or a VMX event
 * (the run loop, interp.c).  Without an armed monitor, or when the line
 * was written since MONITOR, it returns at once.  EAX's hints are
 * accepted and ignored: every state is the same wait here.
 */
void sys_mwait(struct interp *ip, const struct insn *in)
{
	struct cpu_state *s = &ip->s;
	struct x86_intercept ic;

	if (!cpu_has(&ip->cfg.model, X86_FEAT_MONITOR) || cpu_cpl(s) > 0)
		interp_raise(ip, X86_UD);
	if ((uint32_t)s->gpr[GPR_RCX] > 1)
		interp_raise_gp0(ip);
	sys_icpt_fill(ip, in, &ic, ICPT_MWAIT);
	ic.u.mwait.armed = s->monitor_armed;
	if (sys_intercept(ip, &ic) != ICPT_CONTINUE) {
		sys_done(ip, in);
		return;
	}
	if (s->monitor_armed && !interp_monitor_written(ip))
		s->mwait = MWAIT_WAITING |
			   ((s->gpr[GPR_RCX] & 1) ? MWAIT_INTR_BREAK : 0);
	s->monitor_armed = false;
	sys_done(ip, in);
}

bool interp_monitor_written(struct interp *ip)
{
	const struct cpu_state *s = &ip->s;
	const void *line = gmem_ptr(ip->cfg.mem, s->monitor_gpa,
				    CPU_MONITOR_LINE);

	return !line || memcmp(line, s->monitor_line, CPU_MONITOR_LINE) != 0;
}

bool interp_mwait_ended(struct interp *ip)
{
	return interp_monitor_written(ip) ||
	       ((ip->s.mwait & MWAIT_INTR_BREAK) && interp_intr_pending(ip) >= 0);
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
