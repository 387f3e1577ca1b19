// SPDX-License-Identifier: MIT
/*
 * VMX instructions (SDM Vol. 3C ch. 31): the engine only decodes them and
 * hands them to the VMX layer through ICPT_VMX_INSN; without a VMX layer
 * they are invalid opcodes.
 */
#include "engine/interp/core.h"
#include "engine/interp/sys.h"

struct vmx_form {
	ZydisMnemonic mnemonic;
	enum vmx_insn_id id;
	int8_t rm;     /* operand index of the ModRM r/m operand, -1 none */
	int8_t reg2;   /* operand index of the ModRM.reg operand, -1 none */
};

static const struct vmx_form vmx_forms[] = {
	{ ZYDIS_MNEMONIC_VMCALL, VMXI_VMCALL, -1, -1 },
	{ ZYDIS_MNEMONIC_VMCLEAR, VMXI_VMCLEAR, 0, -1 },
	{ ZYDIS_MNEMONIC_VMLAUNCH, VMXI_VMLAUNCH, -1, -1 },
	{ ZYDIS_MNEMONIC_VMPTRLD, VMXI_VMPTRLD, 0, -1 },
	{ ZYDIS_MNEMONIC_VMPTRST, VMXI_VMPTRST, 0, -1 },
	{ ZYDIS_MNEMONIC_VMREAD, VMXI_VMREAD, 0, 1 },
	{ ZYDIS_MNEMONIC_VMRESUME, VMXI_VMRESUME, -1, -1 },
	{ ZYDIS_MNEMONIC_VMWRITE, VMXI_VMWRITE, 1, 0 },
	{ ZYDIS_MNEMONIC_VMXOFF, VMXI_VMXOFF, -1, -1 },
	{ ZYDIS_MNEMONIC_VMXON, VMXI_VMXON, 0, -1 },
	{ ZYDIS_MNEMONIC_INVEPT, VMXI_INVEPT, 1, 0 },
	{ ZYDIS_MNEMONIC_INVVPID, VMXI_INVVPID, 1, 0 },
	{ ZYDIS_MNEMONIC_VMFUNC, VMXI_VMFUNC, -1, -1 },
};

void sys_vmx(struct interp *ip, const struct insn *in)
{
	const struct vmx_form *f = NULL;
	struct x86_intercept ic;

	if (!ip->cfg.icpt || !ip->cfg.icpt->intercept)
		interp_raise(ip, X86_UD);
	for (unsigned i = 0; i < sizeof(vmx_forms) / sizeof(vmx_forms[0]); i++)
		if (vmx_forms[i].mnemonic == in->zi.mnemonic) {
			f = &vmx_forms[i];
			break;
		}
	if (!f)
		interp_raise(ip, X86_UD);
	sys_icpt_fill(ip, in, &ic, ICPT_VMX_INSN);
	ic.u.vmx.which = f->id;
	if (f->rm >= 0)
		op_describe(ip, in, (unsigned)f->rm, &ic.u.vmx.op);
	if (f->reg2 >= 0)
		ic.u.vmx.reg2 = (uint8_t)sys_gpr_of(in, (unsigned)f->reg2);
	if (f->id == VMXI_VMLAUNCH || f->id == VMXI_VMRESUME)
		tlb_note_vm_entry(ip);
	/* All checks (CR4.VMXE, mode, CPL, VM exit in non-root) are the VMX
	 * layer's; if it did not execute the instruction, it does not exist. */
	if (sys_intercept(ip, &ic) != ICPT_EMULATED)
		interp_raise(ip, X86_UD);
	sys_done(ip, in);
}

/*
 * VMREAD/VMWRITE with a register operand go to the VMX layer's shortcut
 * first (x86_intercept_ops.vmrw): it only ever VMsucceeds, which clears
 * every arithmetic flag, so pending lazy flags are dropped, not computed.
 * Anything else (a memory operand, a fault, an exit, a VMfail) takes
 * sys_vmx.  The intercept context must have been set up (it is by the
 * VMXON that any VMREAD needs).
 */
static void sys_vmrw(struct interp *ip, const struct insn *in, bool write)
{
	const struct x86_intercept_ops *ops = ip->cfg.icpt;
	const struct insn_opd *rm = &in->opd[write], *reg = &in->opd[!write];

	if (rm->kind == OPD_GPR && reg->kind == OPD_GPR && ops && ops->vmrw &&
	    ip->icpt.engine == ip &&
	    ops->vmrw(ip->cfg.icpt_opaque, &ip->icpt, write, rm->gpr,
		      reg->gpr)) {
		ip->lf.kind = LF_NONE;
		sys_done(ip, in);
		return;
	}
	sys_vmx(ip, in);
}

static void sys_vmread(struct interp *ip, const struct insn *in)
{
	sys_vmrw(ip, in, false);
}

static void sys_vmwrite(struct interp *ip, const struct insn *in)
{
	sys_vmrw(ip, in, true);
}

/*
 * VMREAD and VMWRITE that complete in place change no paging, mode, CPL or
 * interruptibility state (a VM exit or a fault leaves sys_vmx by longjmp),
 * so they run as ordinary instructions: unlike the other system
 * instructions (exec_system_or_ud) they keep the batch and the fetch page.
 */
const struct exec_entry exec_vmx_table[] = {
	{ ZYDIS_MNEMONIC_VMREAD, sys_vmread, { NULL } },
	{ ZYDIS_MNEMONIC_VMWRITE, sys_vmwrite, { NULL } },
	{ 0, NULL, { NULL } },
};
