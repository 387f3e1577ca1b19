// SPDX-License-Identifier: MIT
/*
 * INVPCID (SDM Vol. 2 INVPCID; Vol. 3A 4.10.4.1): invalidates the TLB by
 * PCID.  The register operand is the type, the memory operand a 128-bit
 * descriptor (bits 11:0 PCID, 63:12 reserved, 127:64 linear address):
 *   0  individual address: that PCID's non-global translation of the page
 *   1  single context: every non-global translation of that PCID
 *   2  all contexts, global translations included
 *   3  all contexts except global translations
 * In VMX non-root operation the VMX layer decides first: "enable INVPCID"
 * clear is #UD before any other exception, "INVLPG exiting" a VM exit
 * (SDM 26.1.1, 26.1.3) after the CPL check, which stays here.
 */
#include "engine/interp/sys.h"

enum invpcid_type {
	INVPCID_ADDR = 0,
	INVPCID_SINGLE = 1,
	INVPCID_ALL_GLOBAL = 2,
	INVPCID_ALL = 3,
};

/* The checks of SDM INVPCID "Protected Mode Exceptions" on the type and
 * the descriptor, after it was read (#GP(0) each). */
static void check_desc(struct interp *ip, uint64_t type, const uint64_t d[2])
{
	uint16_t pcid = (uint16_t)(d[0] & 0xfff);

	if (type > INVPCID_ALL || (d[0] >> 12))
		interp_raise_gp0(ip);
	if (type <= INVPCID_SINGLE && pcid && !(ip->s.cr4 & CR4_PCIDE))
		interp_raise_gp0(ip);
	if (type == INVPCID_ADDR && !lin_canonical(d[1]))
		interp_raise_gp0(ip);
}

void sys_invpcid(struct interp *ip, const struct insn *in)
{
	struct cpu_state *s = &ip->s;
	struct x86_intercept ic;
	uint64_t type, d[2], ea;
	unsigned seg;

	if (!cpu_has(&ip->cfg.model, X86_FEAT_INVPCID))
		interp_raise(ip, X86_UD);
	/* Not recognised in virtual-8086 mode: #GP(0). */
	if (s->rflags & RFLAGS_VM)
		interp_raise_gp0(ip);
	sys_icpt_fill(ip, in, &ic, ICPT_INVPCID);
	op_describe(ip, in, 1, &ic.u.vmx.op);
	ic.u.vmx.reg2 = (uint8_t)sys_gpr_of(in, 0);
	if (sys_intercept(ip, &ic) != ICPT_CONTINUE) {
		sys_done(ip, in);
		return;
	}
	if (cpu_cpl(s) > 0)
		interp_raise_gp0(ip);
	type = s->gpr[sys_gpr_of(in, 0)];
	if (!cpu_64bit_mode(s))
		type = (uint32_t)type;
	ea = op_ea(ip, in, 1, &seg);
	mem_read(ip, seg, ea, d, sizeof(d));
	check_desc(ip, type, d);
	tlb_invpcid(ip, (unsigned)type, (uint16_t)(d[0] & 0xfff), d[1]);
	sys_done(ip, in);
}
