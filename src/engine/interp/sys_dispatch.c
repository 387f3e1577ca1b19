// SPDX-License-Identifier: MIT
/*
 * System-instruction dispatch (one table indexed by Zydis mnemonic) and
 * helpers shared by the sys_*.c instruction files.
 */
#include "engine/interp/sys.h"

#include <string.h>

unsigned sys_opsize(const struct insn *in)
{
	return in->zi.operand_width ? in->zi.operand_width : 32;
}

unsigned sys_seg_override(const struct insn *in, unsigned def)
{
	static const struct { ZyanU64 attr; unsigned seg; } map[] = {
		{ ZYDIS_ATTRIB_HAS_SEGMENT_ES, SEG_ES },
		{ ZYDIS_ATTRIB_HAS_SEGMENT_CS, SEG_CS },
		{ ZYDIS_ATTRIB_HAS_SEGMENT_SS, SEG_SS },
		{ ZYDIS_ATTRIB_HAS_SEGMENT_DS, SEG_DS },
		{ ZYDIS_ATTRIB_HAS_SEGMENT_FS, SEG_FS },
		{ ZYDIS_ATTRIB_HAS_SEGMENT_GS, SEG_GS },
	};

	for (unsigned i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (in->zi.attributes & map[i].attr)
			return map[i].seg;
	return def;
}

void sys_icpt_fill(struct interp *ip, const struct insn *in,
		   struct x86_intercept *ic, enum icpt_kind kind)
{
	memset(ic, 0, sizeof(*ic));
	ic->kind = kind;
	ic->rip = ip->insn_rip;
	ic->insn_len = in->len;
	ic->op_size = (uint8_t)sys_opsize(in);
}

void sys_done(struct interp *ip, const struct insn *in)
{
	ip->s.rip = (ip->insn_rip + in->len) & sys_ip_mask(&ip->s);
}

unsigned sys_gpr_of(const struct insn *in, unsigned n)
{
	return (unsigned)ZydisRegisterGetId(in->ops[n].reg.value) & 15;
}

void sys_gpr_write(struct interp *ip, unsigned gpr, uint64_t v, unsigned bits)
{
	uint64_t *r = &ip->s.gpr[gpr & 15];

	if (bits == 64)
		*r = v;
	else if (bits == 32)
		*r = v & 0xffffffffull;
	else if (bits == 16)
		*r = (*r & ~0xffffull) | (v & 0xffff);
	else
		*r = (*r & ~0xffull) | (v & 0xff);
}

/* ---- dispatch ---- */

static const sys_handler sys_table[ZYDIS_MNEMONIC_MAX_VALUE + 1] = {
	[ZYDIS_MNEMONIC_CLTS] = sys_clts,
	[ZYDIS_MNEMONIC_LMSW] = sys_lmsw,
	[ZYDIS_MNEMONIC_SMSW] = sys_smsw,
	[ZYDIS_MNEMONIC_RDMSR] = sys_rdmsr,
	[ZYDIS_MNEMONIC_WRMSR] = sys_wrmsr,
	[ZYDIS_MNEMONIC_RDTSC] = sys_rdtsc,
	[ZYDIS_MNEMONIC_RDTSCP] = sys_rdtscp,
	[ZYDIS_MNEMONIC_RDPID] = sys_rdpid,
	[ZYDIS_MNEMONIC_RDPMC] = sys_rdpmc,
	[ZYDIS_MNEMONIC_SWAPGS] = sys_swapgs,
	[ZYDIS_MNEMONIC_SYSCALL] = sys_syscall,
	[ZYDIS_MNEMONIC_SYSRET] = sys_sysret,
	[ZYDIS_MNEMONIC_SYSENTER] = sys_sysenter,
	[ZYDIS_MNEMONIC_SYSEXIT] = sys_sysexit,
	[ZYDIS_MNEMONIC_IN] = sys_in_out,
	[ZYDIS_MNEMONIC_OUT] = sys_in_out,
	[ZYDIS_MNEMONIC_INSB] = sys_ins_outs,
	[ZYDIS_MNEMONIC_INSW] = sys_ins_outs,
	[ZYDIS_MNEMONIC_INSD] = sys_ins_outs,
	[ZYDIS_MNEMONIC_OUTSB] = sys_ins_outs,
	[ZYDIS_MNEMONIC_OUTSW] = sys_ins_outs,
	[ZYDIS_MNEMONIC_OUTSD] = sys_ins_outs,
	[ZYDIS_MNEMONIC_CPUID] = sys_cpuid,
	[ZYDIS_MNEMONIC_HLT] = sys_hlt,
	[ZYDIS_MNEMONIC_CLI] = sys_cli,
	[ZYDIS_MNEMONIC_STI] = sys_sti,
	[ZYDIS_MNEMONIC_PAUSE] = sys_pause,
	[ZYDIS_MNEMONIC_MONITOR] = sys_monitor,
	[ZYDIS_MNEMONIC_MWAIT] = sys_mwait,
	[ZYDIS_MNEMONIC_XSETBV] = sys_xsetbv,
	[ZYDIS_MNEMONIC_XGETBV] = sys_xgetbv,
	[ZYDIS_MNEMONIC_LAR] = sys_lar_lsl,
	[ZYDIS_MNEMONIC_LSL] = sys_lar_lsl,
	[ZYDIS_MNEMONIC_VERR] = sys_verr_verw,
	[ZYDIS_MNEMONIC_VERW] = sys_verr_verw,
	[ZYDIS_MNEMONIC_ARPL] = sys_arpl,
	[ZYDIS_MNEMONIC_CLFLUSH] = sys_clflush,
	[ZYDIS_MNEMONIC_CLFLUSHOPT] = sys_clflush,
	[ZYDIS_MNEMONIC_FXSAVE] = sys_fxsave,
	[ZYDIS_MNEMONIC_FXSAVE64] = sys_fxsave,
	[ZYDIS_MNEMONIC_FXRSTOR] = sys_fxrstor,
	[ZYDIS_MNEMONIC_FXRSTOR64] = sys_fxrstor,
	[ZYDIS_MNEMONIC_XSAVE] = sys_xsave,
	[ZYDIS_MNEMONIC_XSAVE64] = sys_xsave,
	[ZYDIS_MNEMONIC_XSAVEOPT] = sys_xsave,
	[ZYDIS_MNEMONIC_XSAVEOPT64] = sys_xsave,
	[ZYDIS_MNEMONIC_XSAVEC] = sys_xsave,
	[ZYDIS_MNEMONIC_XSAVEC64] = sys_xsave,
	[ZYDIS_MNEMONIC_XRSTOR] = sys_xrstor,
	[ZYDIS_MNEMONIC_XRSTOR64] = sys_xrstor,
	[ZYDIS_MNEMONIC_XSAVES] = sys_xsaves,
	[ZYDIS_MNEMONIC_XSAVES64] = sys_xsaves,
	[ZYDIS_MNEMONIC_XRSTORS] = sys_xrstors,
	[ZYDIS_MNEMONIC_XRSTORS64] = sys_xrstors,
	[ZYDIS_MNEMONIC_RDRAND] = sys_rdrand,
	[ZYDIS_MNEMONIC_RDSEED] = sys_rdrand,
	[ZYDIS_MNEMONIC_UD0] = sys_ud,
	[ZYDIS_MNEMONIC_UD1] = sys_ud,
	[ZYDIS_MNEMONIC_UD2] = sys_ud,
	[ZYDIS_MNEMONIC_CLAC] = sys_clac_stac,
	[ZYDIS_MNEMONIC_STAC] = sys_clac_stac,
	[ZYDIS_MNEMONIC_INVLPG] = sys_invlpg,
	[ZYDIS_MNEMONIC_INVPCID] = sys_invpcid,
	[ZYDIS_MNEMONIC_WBINVD] = sys_wbinvd,
	[ZYDIS_MNEMONIC_INVD] = sys_wbinvd,
	[ZYDIS_MNEMONIC_GETSEC] = sys_getsec,
	[ZYDIS_MNEMONIC_LGDT] = sys_lgdt_lidt,
	[ZYDIS_MNEMONIC_LIDT] = sys_lgdt_lidt,
	[ZYDIS_MNEMONIC_SGDT] = sys_sgdt_sidt,
	[ZYDIS_MNEMONIC_SIDT] = sys_sgdt_sidt,
	[ZYDIS_MNEMONIC_LLDT] = sys_lldt_ltr,
	[ZYDIS_MNEMONIC_LTR] = sys_lldt_ltr,
	[ZYDIS_MNEMONIC_SLDT] = sys_sldt_str,
	[ZYDIS_MNEMONIC_STR] = sys_sldt_str,
	[ZYDIS_MNEMONIC_VMCALL] = sys_vmx,
	[ZYDIS_MNEMONIC_VMCLEAR] = sys_vmx,
	[ZYDIS_MNEMONIC_VMLAUNCH] = sys_vmx,
	[ZYDIS_MNEMONIC_VMPTRLD] = sys_vmx,
	[ZYDIS_MNEMONIC_VMPTRST] = sys_vmx,
	[ZYDIS_MNEMONIC_VMREAD] = sys_vmx,
	[ZYDIS_MNEMONIC_VMRESUME] = sys_vmx,
	[ZYDIS_MNEMONIC_VMWRITE] = sys_vmx,
	[ZYDIS_MNEMONIC_VMXOFF] = sys_vmx,
	[ZYDIS_MNEMONIC_VMXON] = sys_vmx,
	[ZYDIS_MNEMONIC_INVEPT] = sys_vmx,
	[ZYDIS_MNEMONIC_INVVPID] = sys_vmx,
	[ZYDIS_MNEMONIC_VMFUNC] = sys_vmx,
	[ZYDIS_MNEMONIC_INT] = sys_int,
	[ZYDIS_MNEMONIC_INT1] = sys_int,
	[ZYDIS_MNEMONIC_INT3] = sys_int,
	[ZYDIS_MNEMONIC_INTO] = sys_int,
	[ZYDIS_MNEMONIC_IRET] = sys_iret,
	[ZYDIS_MNEMONIC_IRETD] = sys_iret,
	[ZYDIS_MNEMONIC_IRETQ] = sys_iret,
	[ZYDIS_MNEMONIC_LDS] = sys_lxs,
	[ZYDIS_MNEMONIC_LES] = sys_lxs,
	[ZYDIS_MNEMONIC_LFS] = sys_lxs,
	[ZYDIS_MNEMONIC_LGS] = sys_lxs,
	[ZYDIS_MNEMONIC_LSS] = sys_lxs,
};

static ZydisRegisterClass op_reg_class(const struct insn *in, unsigned n)
{
	if (n >= in->zi.operand_count ||
	    in->ops[n].type != ZYDIS_OPERAND_TYPE_REGISTER)
		return ZYDIS_REGCLASS_INVALID;
	return ZydisRegisterGetClass(in->ops[n].reg.value);
}

/* Instructions whose mnemonic the core shares: pick the system forms. */
static sys_handler shared_mnemonic(const struct insn *in)
{
	switch (in->zi.mnemonic) {
	case ZYDIS_MNEMONIC_MOV:
		if (op_reg_class(in, 0) == ZYDIS_REGCLASS_CONTROL ||
		    op_reg_class(in, 1) == ZYDIS_REGCLASS_CONTROL)
			return sys_mov_cr;
		if (op_reg_class(in, 0) == ZYDIS_REGCLASS_DEBUG ||
		    op_reg_class(in, 1) == ZYDIS_REGCLASS_DEBUG)
			return sys_mov_dr;
		if (op_reg_class(in, 0) == ZYDIS_REGCLASS_SEGMENT)
			return sys_mov_sreg;
		return NULL;
	case ZYDIS_MNEMONIC_POP:
		return op_reg_class(in, 0) == ZYDIS_REGCLASS_SEGMENT ?
		       sys_pop_sreg : NULL;
	case ZYDIS_MNEMONIC_JMP:
	case ZYDIS_MNEMONIC_CALL:
	case ZYDIS_MNEMONIC_RET:
		return in->zi.meta.branch_type == ZYDIS_BRANCH_TYPE_FAR ?
		       sys_far_branch : NULL;
	default:
		return NULL;
	}
}

bool interp_sys_known(const struct insn *in)
{
	static const ZydisMnemonic always_ud[] = {
		ZYDIS_MNEMONIC_GETSEC,     /* SMX is never advertised */
	};

	for (unsigned i = 0; i < sizeof(always_ud) / sizeof(always_ud[0]); i++)
		if (in->zi.mnemonic == always_ud[i])
			return false;
	return ((unsigned)in->zi.mnemonic <= ZYDIS_MNEMONIC_MAX_VALUE &&
		sys_table[in->zi.mnemonic]) || shared_mnemonic(in);
}

bool interp_exec_system(struct interp *ip, const struct insn *in)
{
	sys_handler h = NULL;

	if ((unsigned)in->zi.mnemonic <= ZYDIS_MNEMONIC_MAX_VALUE)
		h = sys_table[in->zi.mnemonic];
	if (!h)
		h = shared_mnemonic(in);
	if (!h)
		return false;
	h(ip, in);
	return true;
}
