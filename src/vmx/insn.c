// SPDX-License-Identifier: MIT
/*
 * The VMX instructions other than VM entry itself (SDM Vol. 3C ch. 31,
 * "VMX instruction reference"): each follows its Operation pseudocode in
 * order - #UD, VM exit in non-root operation, #GP(0), then VMfailInvalid /
 * VMfailValid(n) / VMsucceed.  VMLAUNCH/VMRESUME do their pre-entry checks
 * here and hand over to vmx_vmentry().
 *
 * Results: ICPT_EMULATED after VMsucceed / VMfail (the engine retires the
 * instruction), ICPT_FAULT with cpu->pending_exception, or what
 * vmx_vmexit() / vmx_vmentry() returned.
 */
#include "vmx/insn.h"

#include <string.h>

#include "vmx/shadow.h"
#include "vmx/vmcs.h"

#define X86_UD 6
#define X86_GP 13

static bool compat_mode(const struct cpu_state *s)
{
	return cpu_long_mode(s) && !(s->seg[SEG_CS].ar & SEG_AR_L);
}

/*
 * The #UD conditions common to VMCLEAR, VMPTRLD, VMPTRST, VMREAD, VMWRITE,
 * VMXOFF, VMLAUNCH, VMRESUME, INVEPT, INVVPID (SDM 31.3, each Operation:
 * "IF (not in VMX operation) or (CR0.PE = 0) or (RFLAGS.VM = 1) or
 * (IA32_EFER.LMA = 1 and CS.L = 0) THEN #UD").
 */
static bool common_ud(const struct vmx_vcpu *v, const struct cpu_state *s)
{
	return !v->vmxon || !(s->cr0 & CR0_PE) || (s->rflags & RFLAGS_VM) ||
	       compat_mode(s);
}

/* Exit qualification for VMX instructions (SDM 28.2.1, Table 28-1): the
 * displacement of a memory operand, else undefined (0 here). */
static uint64_t insn_qual(const struct x86_intercept *ic)
{
	return ic->u.vmx.op.is_mem ? (uint64_t)ic->u.vmx.op.disp : 0;
}

/* Operand size of VMREAD/VMWRITE and of the INVEPT/INVVPID register:
 * 64 bits in 64-bit mode, 32 bits otherwise (SDM 31.3). */
static unsigned opsize_bytes(const struct cpu_state *s)
{
	return cpu_64bit_mode(s) ? 8 : 4;
}

static uint64_t gpr_opsize(const struct cpu_state *s, unsigned r)
{
	uint64_t val = s->gpr[r & 15];

	return opsize_bytes(s) == 8 ? val : (uint32_t)val;
}

static int read_op(struct x86_intercept_ctx *ctx, const struct x86_operand *op,
		   void *buf, unsigned len)
{
	return ctx->read_lin(ctx->engine, op->seg, op->ea, buf, len);
}

static int write_op(struct x86_intercept_ctx *ctx,
		    const struct x86_operand *op, const void *buf, unsigned len)
{
	return ctx->write_lin(ctx->engine, op->seg, op->ea, buf, len);
}

/* 4-KByte aligned and within MAXPHYADDR (VMXON, VMCLEAR, VMPTRLD). */
static bool vmcs_addr_ok(const struct vmx_vcpu *v, uint64_t addr)
{
	return (addr & 0xfff) == 0 && vmx_pa_ok(&v->caps, addr);
}

/* SDM 31.3 VMXON: revision identifier matches and bit 31 is clear (VMPTRLD
 * accepts bit 31 with VMCS shadowing: vmx_vmptrld_revision_ok). */
static bool revision_ok(uint32_t rev)
{
	return rev == VMX_REVISION_ID;
}

/* ---- VMXON (SDM 31.3) ------------------------------------------------- */
static enum icpt_result do_vmxon(struct vmx_vcpu *v,
				 struct x86_intercept_ctx *ctx,
				 struct x86_intercept *ic)
{
	struct cpu_state *s = ctx->cpu;
	uint64_t fc = s->msr.feature_control, addr;

	if (!ic->u.vmx.op.is_mem || !(s->cr0 & CR0_PE) ||
	    !(s->cr4 & CR4_VMXE) || (s->rflags & RFLAGS_VM) || compat_mode(s))
		return vmx_ud(s);
	if (v->vmxon) {
		if (v->nonroot)
			return vmx_vmexit(v, ctx, EXIT_REASON_VMXON,
					  insn_qual(ic), ic);
		if (cpu_cpl(s) > 0)
			return vmx_gp0(s);
		vmx_fail(v, s, VMXERR_VMXON_IN_ROOT);
		return ICPT_EMULATED;
	}
	/* Not in VMX operation: SDM 24.7 (enabling), 24.8 (fixed bits). We are
	 * never in SMX operation, so only the outside-SMX enable counts. */
	if (cpu_cpl(s) > 0 || !vmx_cr0_ok(&v->caps, s->cr0) ||
	    !vmx_cr4_ok(&v->caps, s->cr4) || !(fc & FEATURE_CONTROL_LOCKED) ||
	    !(fc & FEATURE_CONTROL_VMX_OUTSIDE_SMX))
		return vmx_gp0(s);
	if (read_op(ctx, &ic->u.vmx.op, &addr, 8))
		return ICPT_FAULT;
	if (!vmcs_addr_ok(v, addr) ||
	    !revision_ok(vmcs_region_revision(ctx->mem, addr))) {
		vmx_fail_invalid(s);
		return ICPT_EMULATED;
	}
	v->vmxon = true;
	v->nonroot = false;
	v->vmxon_ptr = addr;
	v->current_vmcs = VMCS_PTR_NONE;
	v->current_region = -1;
	vmx_succeed(s);
	return ICPT_EMULATED;
}

/* ---- VMXOFF (SDM 31.3) ------------------------------------------------ */
static enum icpt_result do_vmxoff(struct vmx_vcpu *v,
				  struct x86_intercept_ctx *ctx,
				  struct x86_intercept *ic)
{
	struct cpu_state *s = ctx->cpu;

	/* Dual-monitor treatment is never active (vmx.h), so no error 23.
	 * The current VMCS is written back so its region stays coherent. */
	vmcs_release_current(v, ctx->mem);
	v->vmxon = false;
	v->vmxon_ptr = VMCS_PTR_NONE;
	vmx_succeed(s);
	return ICPT_EMULATED;
}

/* ---- VMCLEAR (SDM 31.3) ----------------------------------------------- */
static enum icpt_result do_vmclear(struct vmx_vcpu *v,
				   struct x86_intercept_ctx *ctx,
				   struct x86_intercept *ic)
{
	struct cpu_state *s = ctx->cpu;
	uint64_t addr;

	if (read_op(ctx, &ic->u.vmx.op, &addr, 8))
		return ICPT_FAULT;
	if (!vmcs_addr_ok(v, addr))
		vmx_fail(v, s, VMXERR_VMCLEAR_INVALID_ADDR);
	else if (addr == v->vmxon_ptr)
		vmx_fail(v, s, VMXERR_VMCLEAR_VMXON_PTR);
	else {
		vmcs_clear(v, ctx->mem, addr);
		vmx_succeed(s);
	}
	return ICPT_EMULATED;
}

/* ---- VMPTRLD (SDM 31.3) ----------------------------------------------- */
static enum icpt_result do_vmptrld(struct vmx_vcpu *v,
				   struct x86_intercept_ctx *ctx,
				   struct x86_intercept *ic)
{
	struct cpu_state *s = ctx->cpu;
	uint64_t addr;

	if (read_op(ctx, &ic->u.vmx.op, &addr, 8))
		return ICPT_FAULT;
	if (!vmcs_addr_ok(v, addr))
		vmx_fail(v, s, VMXERR_VMPTRLD_INVALID_ADDR);
	else if (addr == v->vmxon_ptr)
		vmx_fail(v, s, VMXERR_VMPTRLD_VMXON_PTR);
	else if (!vmx_vmptrld_revision_ok(&v->caps,
					  vmcs_region_revision(ctx->mem, addr)))
		vmx_fail(v, s, VMXERR_VMPTRLD_BAD_REVISION);
	else {
		vmcs_load(v, ctx->mem, addr);
		vmx_succeed(s);
	}
	return ICPT_EMULATED;
}

/* ---- VMPTRST (SDM 31.3) ----------------------------------------------- */
static enum icpt_result do_vmptrst(struct vmx_vcpu *v,
				   struct x86_intercept_ctx *ctx,
				   struct x86_intercept *ic)
{
	uint64_t ptr = v->current_vmcs;

	if (write_op(ctx, &ic->u.vmx.op, &ptr, 8))
		return ICPT_FAULT;
	vmx_succeed(ctx->cpu);
	return ICPT_EMULATED;
}

/*
 * The field named by a VMREAD/VMWRITE encoding operand, or -1 when it names
 * no supported component (VMfailValid 12).  Bits 63:32 of a 64-bit encoding
 * operand are part of the operand: set, they name no field.  *hi: the HIGH
 * access of a 64-bit field.
 */
static inline int field_of(const struct vmx_vcpu *v, uint64_t enc, bool *hi)
{
	int i;

	if (enc > UINT32_MAX)
		return -1;
	i = vmcs_field_index((uint32_t)enc, hi);
	if (i < 0)
		return -1;
	if (vmcs_field_table[i].feature != VF_ALWAYS &&
	    !vmx_feature_supported(&v->caps, vmcs_field_table[i].feature))
		return -1;
	return i;
}

/*
 * The VMCS VMREAD/VMWRITE access: the current VMCS in VMX root operation,
 * the shadow VMCS the VMCS link pointer references in non-root operation
 * (the instruction did not exit, so "VMCS shadowing" is 1; SDM 31.3).
 * VMCS_PTR_NONE when that pointer is not valid (VMfailInvalid); VM entry
 * checked a link pointer other than all ones (SDM 27.3.1.5).
 */
static uint64_t rw_target(const struct vmx_vcpu *v)
{
	if (v->nonroot)
		return vmcs_read(v, VMCS_VMCS_LINK_POINTER);
	return v->current_vmcs;
}

/* Field i (HIGH access: hi) of the current VMCS (cached, by slot). */
static inline uint64_t root_read(const struct vmx_vcpu *v, int i, bool hi)
{
	return hi ? vmcs_get(v, (unsigned)i) >> 32 : vmcs_get(v, (unsigned)i);
}

static inline void root_write(struct vmx_vcpu *v, int i, bool hi,
			      uint64_t val)
{
	if (hi)
		v->vmcs[i] = (v->vmcs[i] & 0xffffffffull) | (val << 32);
	else
		vmcs_set(v, (unsigned)i, val);
}

/* Field i (HIGH access: hi) of the VMREAD/VMWRITE target; in root the
 * cached current VMCS by slot, with no second lookup of the encoding. */
static uint64_t rw_read(const struct vmx_vcpu *v, const struct guest_mem *mem,
			uint32_t enc, int i, bool hi)
{
	if (v->nonroot)
		return vmcs_region_read(mem, rw_target(v), enc);
	return root_read(v, i, hi);
}

static void rw_write(struct vmx_vcpu *v, struct guest_mem *mem, uint32_t enc,
		     int i, bool hi, uint64_t val)
{
	if (v->nonroot)
		vmcs_region_write(mem, rw_target(v), enc, val);
	else
		root_write(v, i, hi, val);
}

/* VMREAD stores fields narrower than the operand zero-extended, wider
 * ones truncated (SDM 31.3 VMREAD, Description). */
static inline uint64_t vmread_fit(const struct cpu_state *s, uint64_t val)
{
	return opsize_bytes(s) == 4 ? (uint32_t)val : val;
}

/* ---- VMREAD (SDM 31.3) ------------------------------------------------ */
static enum icpt_result do_vmread(struct vmx_vcpu *v,
				  struct x86_intercept_ctx *ctx,
				  struct x86_intercept *ic)
{
	struct cpu_state *s = ctx->cpu;
	const struct x86_operand *op = &ic->u.vmx.op;
	uint64_t enc = gpr_opsize(s, ic->u.vmx.reg2), val;
	bool hi;
	int i;

	if (rw_target(v) == VMCS_PTR_NONE) {
		vmx_fail_invalid(s);
		return ICPT_EMULATED;
	}
	i = field_of(v, enc, &hi);
	if (i < 0) {
		vmx_fail_valid(v, s, VMXERR_UNSUPPORTED_VMCS_COMPONENT);
		return ICPT_EMULATED;
	}
	val = vmread_fit(s, rw_read(v, ctx->mem, (uint32_t)enc, i, hi));
	if (op->is_mem) {
		if (write_op(ctx, op, &val, opsize_bytes(s)))
			return ICPT_FAULT;
	} else {
		s->gpr[op->reg & 15] = val;
	}
	vmx_succeed(s);
	return ICPT_EMULATED;
}

/* ---- VMWRITE (SDM 31.3) ----------------------------------------------- */
static enum icpt_result do_vmwrite(struct vmx_vcpu *v,
				   struct x86_intercept_ctx *ctx,
				   struct x86_intercept *ic)
{
	struct cpu_state *s = ctx->cpu;
	const struct x86_operand *op = &ic->u.vmx.op;
	uint64_t enc = gpr_opsize(s, ic->u.vmx.reg2), val = 0;
	unsigned len = opsize_bytes(s);
	bool hi;
	int i;

	if (rw_target(v) == VMCS_PTR_NONE) {
		vmx_fail_invalid(s);
		return ICPT_EMULATED;
	}
	/* The primary source is fetched before the field is looked at, as
	 * the operand fetch of any instruction: a fault wins over VMfail. */
	if (op->is_mem) {
		if (read_op(ctx, op, &val, len))
			return ICPT_FAULT;
	} else {
		val = gpr_opsize(s, op->reg);
	}
	i = field_of(v, enc, &hi);
	if (i < 0) {
		vmx_fail_valid(v, s, VMXERR_UNSUPPORTED_VMCS_COMPONENT);
		return ICPT_EMULATED;
	}
	/* IA32_VMX_MISC[29] = 0: exit-information fields are read-only. */
	if (vmcs_field_table[i].access == VMCS_RO) {
		vmx_fail_valid(v, s, VMXERR_VMWRITE_READ_ONLY);
		return ICPT_EMULATED;
	}
	/* Outside 64-bit mode the source has 32 bits; a FULL write of a wider
	 * field clears its high bits (SDM 31.3 VMWRITE, Description). */
	rw_write(v, ctx->mem, (uint32_t)enc, i, hi, val);
	vmx_succeed(s);
	return ICPT_EMULATED;
}

/*
 * A register-form VMREAD/VMWRITE that ends in VMsucceed in VMX root
 * operation, done without building an intercept: every condition of SDM
 * 31.3's Operation that could end it otherwise (#UD, VM exit, #GP(0),
 * VMfailInvalid, VMfailValid 12 or 13) is tested first, and any of them
 * sends it back to vmx_insn_execute(), which takes them in the SDM's
 * order.  Non-root operation (VMCS shadowing) always goes that way.
 */
bool vmx_vmrw_fast(struct vmx_vcpu *v, struct x86_intercept_ctx *ctx,
		   bool write, unsigned rm, unsigned reg)
{
	struct cpu_state *s = ctx->cpu;
	uint64_t enc;
	bool hi;
	int i;

	if (v->nonroot || common_ud(v, s) || cpu_cpl(s) > 0 ||
	    v->current_vmcs == VMCS_PTR_NONE)
		return false;
	enc = gpr_opsize(s, reg);
	i = field_of(v, enc, &hi);
	if (i < 0 || (write && vmcs_field_table[i].access == VMCS_RO))
		return false;
	if (write)
		root_write(v, i, hi, gpr_opsize(s, rm));
	else
		s->gpr[rm & 15] = vmread_fit(s, root_read(v, i, hi));
	vmx_succeed(s);
	return true;
}

/* ---- VMLAUNCH / VMRESUME (SDM 31.3) ----------------------------------- */
static enum icpt_result do_vmentry(struct vmx_vcpu *v,
				   struct x86_intercept_ctx *ctx,
				   struct x86_intercept *ic)
{
	struct cpu_state *s = ctx->cpu;
	bool launch = ic->u.vmx.which == VMXI_VMLAUNCH;

	/* SDM 27.1 (step 4): a shadow VMCS cannot be entered. */
	if (v->current_vmcs == VMCS_PTR_NONE ||
	    vmx_vmcs_is_shadow(ctx->mem, v->current_vmcs)) {
		vmx_fail_invalid(s);
		return ICPT_EMULATED;
	}
	if (s->interruptibility & INTR_BLOCK_MOV_SS) {
		vmx_fail_valid(v, s, VMXERR_ENTRY_MOV_SS_BLOCKING);
		return ICPT_EMULATED;
	}
	if (launch && vmx_current_launched(v)) {
		vmx_fail_valid(v, s, VMXERR_VMLAUNCH_NONCLEAR_VMCS);
		return ICPT_EMULATED;
	}
	if (!launch && !vmx_current_launched(v)) {
		vmx_fail_valid(v, s, VMXERR_VMRESUME_NONLAUNCHED_VMCS);
		return ICPT_EMULATED;
	}
	return vmx_vmentry(v, ctx, ic, launch);
}

/* ---- VMCALL in VMX root operation (SDM 31.3) -------------------------- */
static enum icpt_result do_vmcall(struct vmx_vcpu *v,
				  struct x86_intercept_ctx *ctx,
				  struct x86_intercept *ic)
{
	/* No dual-monitor treatment (IA32_SMM_MONITOR_CTL[0] is 0): only the
	 * "VMCALL executed in VMX root operation" failure remains. */
	vmx_fail(v, ctx->cpu, VMXERR_VMCALL_IN_ROOT);
	return ICPT_EMULATED;
}

static bool canonical48(uint64_t la)
{
	return (uint64_t)((int64_t)(la << 16) >> 16) == la;
}

/* Tell the engine's TLB what an INVEPT/INVVPID drops. */
static void tlb_inval(struct x86_intercept_ctx *ctx, enum tlb_inval_scope scope,
		      uint16_t vpid, uint64_t eptp, uint64_t linear)
{
	const struct tlb_inval iv = {
		.scope = scope, .vpid = vpid, .ep4ta = eptp & EPTP_EP4TA_MASK,
		.linear = linear,
	};

	if (ctx->tlb_invalidate)
		ctx->tlb_invalidate(ctx->engine, &iv);
}

/* ---- INVEPT (SDM 31.3) ------------------------------------------------ */
static enum icpt_result do_invept(struct vmx_vcpu *v,
				  struct x86_intercept_ctx *ctx,
				  struct x86_intercept *ic)
{
	struct cpu_state *s = ctx->cpu;
	uint64_t type = gpr_opsize(s, ic->u.vmx.reg2), desc[2];
	bool ok = (type == 1 && (v->caps.ept_vpid & EPT_CAP_INVEPT_SINGLE)) ||
		  (type == 2 && (v->caps.ept_vpid & EPT_CAP_INVEPT_ALL));

	if (!ok) {
		vmx_fail(v, s, VMXERR_INVALID_INVEPT_INVVPID_OPERAND);
		return ICPT_EMULATED;
	}
	if (read_op(ctx, &ic->u.vmx.op, desc, 16))
		return ICPT_FAULT;
	if (type == 1 && !vmx_eptp_valid(&v->caps, desc[0])) {
		vmx_fail(v, s, VMXERR_INVALID_INVEPT_INVVPID_OPERAND);
		return ICPT_EMULATED;
	}
	/* Single-context: the combined mappings of the descriptor's EP4TA;
	 * all-context: of every EP4TA; all VPIDs and PCIDs (SDM 29.4.3.1).
	 * vmxbox caches no guest-physical mappings of its own. */
	tlb_inval(ctx, type == 1 ? TLB_INV_EP4TA : TLB_INV_COMBINED, 0,
		  desc[0], 0);
	vmx_succeed(s);
	return ICPT_EMULATED;
}

/* ---- INVVPID (SDM 31.3) ----------------------------------------------- */
static const uint64_t invvpid_type_cap[4] = {
	VPID_CAP_INDIVIDUAL, VPID_CAP_SINGLE, VPID_CAP_ALL,
	VPID_CAP_SINGLE_NONGLOBAL,
};

/* What each INVVPID type drops (SDM 31.3 INVVPID, Description):
 * individual-address, single-context, all-context (every VPID but 0000H),
 * single-context retaining globals. */
static const enum tlb_inval_scope invvpid_scope[4] = {
	TLB_INV_VPID_ADDR, TLB_INV_VPID, TLB_INV_ALL_BUT_VPID0,
	TLB_INV_VPID_NONGLOBAL,
};

static enum icpt_result do_invvpid(struct vmx_vcpu *v,
				   struct x86_intercept_ctx *ctx,
				   struct x86_intercept *ic)
{
	struct cpu_state *s = ctx->cpu;
	uint64_t type = gpr_opsize(s, ic->u.vmx.reg2), desc[2];
	uint16_t vpid;

	if (type > 3 || !(v->caps.ept_vpid & invvpid_type_cap[type])) {
		vmx_fail(v, s, VMXERR_INVALID_INVEPT_INVVPID_OPERAND);
		return ICPT_EMULATED;
	}
	if (read_op(ctx, &ic->u.vmx.op, desc, 16))
		return ICPT_FAULT;
	vpid = (uint16_t)desc[0];
	if ((desc[0] >> 16) != 0 ||
	    (type == 0 && (vpid == 0 || !canonical48(desc[1]))) ||
	    ((type == 1 || type == 3) && vpid == 0)) {
		vmx_fail(v, s, VMXERR_INVALID_INVEPT_INVVPID_OPERAND);
		return ICPT_EMULATED;
	}
	tlb_inval(ctx, invvpid_scope[type], vpid, 0, desc[1]);
	vmx_succeed(s);
	return ICPT_EMULATED;
}

/* ---- VMFUNC (SDM 31.3; 26.5.6 EPTP switching) -------------------------- */
static enum icpt_result do_vmfunc(struct vmx_vcpu *v,
				  struct x86_intercept_ctx *ctx,
				  struct x86_intercept *ic)
{
	struct cpu_state *s = ctx->cpu;
	uint32_t proc = (uint32_t)vmcs_read(v, VMCS_CPU_BASED_VM_EXEC_CONTROL);
	uint32_t proc2 = (proc & CPU_ACTIVATE_SECONDARY) ?
		(uint32_t)vmcs_read(v, VMCS_SECONDARY_VM_EXEC_CONTROL) : 0;
	uint32_t func = (uint32_t)s->gpr[GPR_RAX];
	uint32_t index = (uint32_t)s->gpr[GPR_RCX];
	uint64_t eptp;

	/* #UD: outside non-root operation, "enable VM functions" = 0, or
	 * EAX >= 64 (SDM 31.3 VMFUNC, Exceptions). */
	if (!v->vmxon || !v->nonroot || !(proc2 & CPU2_ENABLE_VMFUNC) ||
	    func >= 64)
		return vmx_ud(s);
	/* SDM 26.5.6: a disabled function or a failed EPTP switch exits. */
	if (!((vmcs_read(v, VMCS_VM_FUNCTION_CONTROL) >> func) & 1) ||
	    func != 0 || index >= VMFUNC_EPTP_LIST_ENTRIES)
		return vmx_vmexit(v, ctx, EXIT_REASON_VMFUNC, 0, ic);
	if (!gmem_read_u64(ctx->mem, vmcs_read(v, VMCS_EPTP_LIST_ADDRESS) +
			   8ull * index, &eptp) ||
	    !vmx_eptp_valid(&v->caps, eptp))
		return vmx_vmexit(v, ctx, EXIT_REASON_VMFUNC, 0, ic);
	vmcs_write(v, VMCS_EPT_POINTER, eptp);
	/* SDM 26.5.6.3: with #VE supported, ECX[15:0] is the EPTP index
	 * the next virtualization exception reports. */
	if (vmx_feature_supported(&v->caps, VF_EPT_VE))
		vmcs_write(v, VMCS_EPTP_INDEX, (uint16_t)index);
	/* The engine must forget translations made through the old EPTP. */
	if (ctx->state_changed)
		ctx->state_changed(ctx->engine);
	return ICPT_EMULATED;
}

/* ---- dispatch --------------------------------------------------------- */
typedef enum icpt_result (*insn_fn)(struct vmx_vcpu *,
				    struct x86_intercept_ctx *,
				    struct x86_intercept *);

enum {
	F_STD = 1 << 0,   /* common #UD / VM exit / CPL checks first */
	F_MEM = 1 << 1,   /* r/m must be a memory operand (else #UD) */
	F_EPT = 1 << 2,   /* #UD unless INVEPT is supported */
	F_VPID = 1 << 3,  /* #UD unless INVVPID is supported */
	F_SHADOW = 1 << 4, /* non-root: exits unless VMCS shadowing lets it
			    * reach the shadow VMCS (VMREAD/VMWRITE) */
};

static const struct {
	insn_fn fn;
	uint16_t exit_reason;
	uint8_t flags;
} insn_table[] = {
	[VMXI_VMCALL] = { do_vmcall, EXIT_REASON_VMCALL, 0 },
	[VMXI_VMCLEAR] = { do_vmclear, EXIT_REASON_VMCLEAR, F_STD | F_MEM },
	[VMXI_VMLAUNCH] = { do_vmentry, EXIT_REASON_VMLAUNCH, F_STD },
	[VMXI_VMPTRLD] = { do_vmptrld, EXIT_REASON_VMPTRLD, F_STD | F_MEM },
	[VMXI_VMPTRST] = { do_vmptrst, EXIT_REASON_VMPTRST, F_STD | F_MEM },
	[VMXI_VMREAD] = { do_vmread, EXIT_REASON_VMREAD, F_STD | F_SHADOW },
	[VMXI_VMRESUME] = { do_vmentry, EXIT_REASON_VMRESUME, F_STD },
	[VMXI_VMWRITE] = { do_vmwrite, EXIT_REASON_VMWRITE,
			   F_STD | F_SHADOW },
	[VMXI_VMXOFF] = { do_vmxoff, EXIT_REASON_VMXOFF, F_STD },
	[VMXI_VMXON] = { do_vmxon, EXIT_REASON_VMXON, 0 },
	[VMXI_INVEPT] = { do_invept, EXIT_REASON_INVEPT,
			  F_STD | F_MEM | F_EPT },
	[VMXI_INVVPID] = { do_invvpid, EXIT_REASON_INVVPID,
			   F_STD | F_MEM | F_VPID },
	[VMXI_VMFUNC] = { do_vmfunc, EXIT_REASON_VMFUNC, 0 },
};

/* INVEPT/INVVPID exist only with EPT/VPID and the instruction advertised
 * (SDM 31.3 INVEPT/INVVPID, Exceptions: #UD). */
static bool insn_missing(const struct vmx_vcpu *v, unsigned flags)
{
	const struct vmx_caps *c = &v->caps;

	if ((flags & F_EPT) && (!(c->proc2.may1 & CPU2_ENABLE_EPT) ||
				!(c->ept_vpid & EPT_CAP_INVEPT)))
		return true;
	if ((flags & F_VPID) && (!(c->proc2.may1 & CPU2_ENABLE_VPID) ||
				 !(c->ept_vpid & VPID_CAP_INVVPID)))
		return true;
	return false;
}

/* In VMX non-root operation every one of them exits, except a VMREAD or
 * VMWRITE that VMCS shadowing lets through (SDM 26.1.2, 26.1.3). */
static bool nonroot_exits(const struct vmx_vcpu *v,
			  const struct x86_intercept_ctx *ctx,
			  const struct x86_intercept *ic, unsigned flags)
{
	if (!(flags & F_SHADOW))
		return true;
	return vmx_shadow_vmrw_exits(v, ctx->mem,
				     gpr_opsize(ctx->cpu, ic->u.vmx.reg2),
				     ic->u.vmx.which == VMXI_VMWRITE);
}

enum icpt_result vmx_insn_execute(struct vmx_vcpu *v,
				  struct x86_intercept_ctx *ctx,
				  struct x86_intercept *ic)
{
	struct cpu_state *s = ctx->cpu;
	unsigned which = ic->u.vmx.which, flags;

	if (which >= sizeof(insn_table) / sizeof(insn_table[0]) ||
	    !insn_table[which].fn)
		return vmx_ud(s);
	flags = insn_table[which].flags;

	if (which == VMXI_VMCALL) {
		/* SDM 31.3 VMCALL: the non-root check comes before the
		 * RFLAGS.VM / compatibility-mode #UD. */
		if (!v->vmxon)
			return vmx_ud(s);
		if (v->nonroot)
			return vmx_vmexit(v, ctx, EXIT_REASON_VMCALL, 0, ic);
		if ((s->rflags & RFLAGS_VM) || compat_mode(s))
			return vmx_ud(s);
		if (cpu_cpl(s) > 0)
			return vmx_gp0(s);
	}
	if (flags & F_STD) {
		if (((flags & F_MEM) && !ic->u.vmx.op.is_mem) ||
		    common_ud(v, s) || insn_missing(v, flags))
			return vmx_ud(s);
		if (v->nonroot && nonroot_exits(v, ctx, ic, flags))
			return vmx_vmexit(v, ctx, insn_table[which].exit_reason,
					  insn_qual(ic), ic);
		if (cpu_cpl(s) > 0)
			return vmx_gp0(s);
	}
	return insn_table[which].fn(v, ctx, ic);
}
