// SPDX-License-Identifier: MIT
/* The vmx_insn test's fixture (vmx_insn_fixture.h). */
#include <string.h>

#include "vmx_insn_fixture.h"

struct fake_cpu F;
struct vmx_vcpu *V;

void insn_setup(void)
{
	struct cpu_model m;

	ck_assert_int_eq(fake_init(&F, MEM_SIZE), 0);
	cpu_model_default(&m);
	V = vmx_vcpu_create(&m);
	ck_assert_ptr_nonnull(V);
	memset(&fake_nr, 0, sizeof(fake_nr));
	vmrw_fast_hits = 0;
	gmem_write_u32(&F.mem, VMXON_PA, VMX_REVISION_ID);
	gmem_write_u32(&F.mem, VMCS_A, VMX_REVISION_ID);
	gmem_write_u32(&F.mem, VMCS_B, VMX_REVISION_ID);
}

void insn_teardown(void)
{
	vmx_vcpu_destroy(V);
	fake_destroy(&F);
}

/* Run one intercept with every arithmetic flag set beforehand, so that a
 * VMsucceed/VMfail is visible and a fault leaves them all set. */
unsigned vmrw_fast_hits;

/* As the engine does: a register-form VMREAD/VMWRITE tries the vmrw
 * shortcut first, so every test of one checks the shortcut's answer or
 * its refusal followed by the full path. */
static bool try_vmrw_fast(struct x86_intercept *ic)
{
	bool write = ic->u.vmx.which == VMXI_VMWRITE;

	if (ic->kind != ICPT_VMX_INSN || ic->u.vmx.op.is_mem ||
	    (!write && ic->u.vmx.which != VMXI_VMREAD) ||
	    !vmx_intercept_ops.vmrw(V, &F.ctx, write, ic->u.vmx.op.reg,
				    ic->u.vmx.reg2))
		return false;
	vmrw_fast_hits++;
	return true;
}

enum icpt_result run_p(struct x86_intercept *ic)
{
	F.s.rflags |= VMX_ARITH_FLAGS;
	F.s.pending_exception.valid = false;
	if (try_vmrw_fast(ic))
		return ICPT_EMULATED;
	return vmx_intercept_ops.intercept(V, &F.ctx, ic);
}

enum icpt_result run(struct x86_intercept ic)
{
	return run_p(&ic);
}

enum icpt_result ptr_insn(enum vmx_insn_id w, uint64_t pa)
{
	gmem_write_u64(&F.mem, OPND, pa);
	return run(fake_vmx_mem(w, OPND, DISP, 0));
}

enum icpt_result simple(enum vmx_insn_id w)
{
	return run(fake_vmx_reg(w, 0, 0));
}

void vmxon_ok(void)
{
	ASSERT_SUCCEED(ptr_insn(VMXI_VMXON, VMXON_PA));
	ck_assert(V->vmxon);
}

void load(uint64_t pa)
{
	ASSERT_SUCCEED(ptr_insn(VMXI_VMCLEAR, pa));
	ASSERT_SUCCEED(ptr_insn(VMXI_VMPTRLD, pa));
	ck_assert_uint_eq(V->current_vmcs, pa);
}

/* VMWRITE/VMREAD with register operands: encoding in RAX (ModRM.reg),
 * value in RBX / result in RCX (r/m). */
enum icpt_result vmwrite(uint64_t enc, uint64_t val)
{
	F.s.gpr[GPR_RAX] = enc;
	F.s.gpr[GPR_RBX] = val;
	return run(fake_vmx_reg(VMXI_VMWRITE, GPR_RBX, GPR_RAX));
}

enum icpt_result vmread(uint64_t enc, uint64_t *out)
{
	enum icpt_result r;

	F.s.gpr[GPR_RAX] = enc;
	F.s.gpr[GPR_RCX] = 0x5a5a5a5a5a5a5a5aull;
	r = run(fake_vmx_reg(VMXI_VMREAD, GPR_RCX, GPR_RAX));
	*out = F.s.gpr[GPR_RCX];
	return r;
}

void enter_nonroot(void)
{
	vmxon_ok();
	load(VMCS_A);
	V->nonroot = true;
}

