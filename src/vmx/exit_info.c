// SPDX-License-Identifier: MIT
/*
 * VM-exit qualification and instruction-information builders
 * (SDM 28.2.1 and 28.2.5).
 */
#include "vmx/exit_info.h"

unsigned exit_addr_size_code(unsigned bits)
{
	return bits == 16 ? 0 : bits == 32 ? 1 : 2;
}

uint32_t exit_insn_info_operand(const struct x86_operand *op)
{
	uint32_t info;

	if (!op->is_mem)
		return (1u << 10) | ((uint32_t)(op->reg & 0xf) << 3);
	info = (op->scale_log2 & 3u) |
	       (exit_addr_size_code(op->addr_size) << 7) |
	       ((uint32_t)(op->seg & 7) << 15);
	if (op->index >= 0)
		info |= (uint32_t)(op->index & 0xf) << 18;
	else
		info |= 1u << 22;
	if (op->base >= 0)
		info |= (uint32_t)(op->base & 0xf) << 23;
	else
		info |= 1u << 27;
	return info;
}

static uint32_t vmx_insn_info(const struct x86_intercept *ic)
{
	uint32_t reg2 = (uint32_t)(ic->u.vmx.reg2 & 0xf) << 28;

	switch (ic->u.vmx.which) {
	case VMXI_VMREAD:
	case VMXI_VMWRITE:                     /* Table 28-13 */
		return exit_insn_info_operand(&ic->u.vmx.op) | reg2;
	case VMXI_INVEPT:
	case VMXI_INVVPID:                     /* Table 28-9 */
		return (exit_insn_info_operand(&ic->u.vmx.op) & ~(1u << 10)) |
		       reg2;
	case VMXI_VMCLEAR:
	case VMXI_VMPTRLD:
	case VMXI_VMPTRST:
	case VMXI_VMXON:                       /* Table 28-12 */
		return exit_insn_info_operand(&ic->u.vmx.op);
	default:
		return 0;
	}
}

static uint32_t desc_insn_info(const struct x86_intercept *ic)
{
	unsigned which = ic->u.desc.which;
	uint32_t info = exit_insn_info_operand(&ic->u.desc.op);

	if (which <= DESC_LIDT) {
		/* Table 28-10: always memory; bit 11 operand size 16/32. */
		info &= ~(1u << 10);
		if (ic->op_size != 16)
			info |= 1u << 11;
		return info | ((uint32_t)which << 28);
	}
	return info | ((uint32_t)(which - DESC_SLDT) << 28);   /* Table 28-11 */
}

uint32_t exit_insn_info(const struct x86_intercept *ic)
{
	switch (ic->kind) {
	case ICPT_VMX_INSN:
		return vmx_insn_info(ic);
	case ICPT_INVPCID:                     /* Table 28-9, like INVEPT */
		return (exit_insn_info_operand(&ic->u.vmx.op) & ~(1u << 10)) |
		       ((uint32_t)(ic->u.vmx.reg2 & 0xf) << 28);
	case ICPT_XSAVES:                      /* Table 28-12, like VMCLEAR */
		return exit_insn_info_operand(&ic->u.xss.op) & ~(1u << 10);
	case ICPT_DESC_TABLE:
		return desc_insn_info(ic);
	case ICPT_IO:                          /* Table 28-8: INS/OUTS */
		if (!ic->u.io.string)
			return 0;
		return (exit_addr_size_code(ic->u.io.addr_size) << 7) |
		       ((uint32_t)(ic->u.io.seg & 7) << 15);
	case ICPT_RDRAND:
	case ICPT_RDSEED:                      /* Table 28-14 */
		return ((uint32_t)(ic->u.rand.gpr & 0xf) << 3) |
		       (exit_addr_size_code(ic->op_size) << 11);
	default:
		return 0;
	}
}

uint64_t exit_qual_displacement(const struct x86_operand *op)
{
	return op->is_mem ? (uint64_t)op->disp : 0;
}

uint64_t exit_qual_cr(const struct x86_intercept *ic)
{
	switch (ic->kind) {
	case ICPT_CLTS:
		return CRQ_CLTS << 4;          /* CR number 0 (Table 28-3) */
	case ICPT_LMSW: {
		uint64_t q = 0u | (CRQ_LMSW << 4) |
			     ((uint64_t)ic->u.lmsw.source << 16);

		if (ic->u.lmsw.op.is_mem)
			q |= 1u << 6;
		return q;
	}
	default:
		return (ic->u.cr.cr & 0xfu) |
		       ((ic->u.cr.write ? CRQ_MOV_TO : CRQ_MOV_FROM) << 4) |
		       ((uint64_t)(ic->u.cr.gpr & 0xf) << 8);
	}
}

uint64_t exit_qual_dr(const struct x86_intercept *ic)
{
	return (ic->u.dr.dr & 7u) | (ic->u.dr.write ? 0 : 1u << 4) |
	       ((uint64_t)(ic->u.dr.gpr & 0xf) << 8);
}

uint64_t exit_qual_io(const struct x86_intercept *ic)
{
	return ((ic->u.io.size - 1u) & 7u) | (ic->u.io.in ? 1u << 3 : 0) |
	       (ic->u.io.string ? 1u << 4 : 0) | (ic->u.io.rep ? 1u << 5 : 0) |
	       (ic->u.io.imm ? 1u << 6 : 0) | ((uint64_t)ic->u.io.port << 16);
}
