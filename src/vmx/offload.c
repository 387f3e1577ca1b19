// SPDX-License-Identifier: MIT
/*
 * L2 offload placement (offload.h, docs/kvm.md "L2 offload: placement").
 *
 * A plain KVM guest exits to user space only for port I/O, MMIO (accesses
 * outside every memory slot), HLT (no in-kernel irqchip), filtered or
 * unknown MSRs, shutdown (triple fault), an interrupt window when asked,
 * and when user space stops KVM_RUN (a timer, an interrupt to deliver).
 * Everything else - CPUID, CR and DR accesses, INVLPG, RDTSC, RDPMC,
 * exceptions, PAUSE, MONITOR/MWAIT, WBINVD, RDRAND, XSETBV, descriptor-
 * table instructions - KVM carries out or delivers in the kernel, and
 * user space never learns it happened.  So a VMCS that asks for a VM exit
 * on any of those (SDM 26.1.3, 26.2) keeps L2 on the interpreter, as does
 * anything the VMCS virtualizes for L2 that a plain guest cannot see
 * (CR read shadows, the virtual APIC, virtual NMIs).
 */
#include "vmx/offload.h"

#include <stdio.h>

#include "core/cpu_state.h"
#include "vmx/vmx.h"

const struct vmx_offload_host vmx_offload_host_kvm = {
	.facts = VMX_OFFLOAD_HOST_MSR_FILTER | VMX_OFFLOAD_HOST_HLT_EXIT |
		 VMX_OFFLOAD_HOST_TIMER | VMX_OFFLOAD_HOST_UNRESTRICTED,
};

static const char *const reason_names[VMX_OFFLOAD_REASON_COUNT] = {
#define VMX_OFFLOAD_NAME(id, name) [VMX_OFFLOAD_##id] = name,
	VMX_OFFLOAD_REASONS(VMX_OFFLOAD_NAME)
#undef VMX_OFFLOAD_NAME
};

const char *vmx_offload_reason_name(enum vmx_offload_reason r)
{
	return (unsigned)r < VMX_OFFLOAD_REASON_COUNT ? reason_names[r] : "?";
}

/* The control words in effect (SDM 25.6.2: secondary and tertiary
 * controls count only when the primary control activates them).  No VM-exit
 * control keeps L2 on the interpreter: the exit is the interpreter's. */
enum { W_PIN, W_PROC, W_PROC2, W_PROC3, W_ENTRY, W_COUNT };

struct offload_in {
	const uint64_t *f;            /* the VMCS by field-table index */
	uint64_t w[W_COUNT];
	uint32_t facts;
};

/*
 * A control whose 1-setting keeps L2 on the interpreter, unless the host
 * has the fact in `unless`.  Controls not listed are fine on KVM: I/O
 * exiting and I/O bitmaps (every port access exits to user space, which
 * looks up the bitmap), external-interrupt and NMI exiting (interrupts
 * and NMIs come from vmxbox's own devices), TSC offsetting (the KVM
 * guest's TSC), EPT (slots built from L1's EPT; violations are MMIO exits
 * on addresses without a slot), VPID (KVM may flush more: allowed, SDM
 * 29.4.3.1), enable RDTSCP/INVPCID/XSAVES/user wait and pause off (the L2
 * VM's CPUID table drops the feature, so KVM raises the #UD the SDM asks
 * for), and the exit and entry controls that load or save state the
 * interpreter moves at the entry and exit itself.
 */
struct ctl_rule {
	uint8_t word;
	uint8_t bit;
	uint8_t reason;
	uint32_t unless;
};

static const struct ctl_rule ctl_rules[] = {
	/* Virtual-NMI blocking, its IRET unblocking and NMI-window exits
	 * (SDM 25.6.1, 26.7.2) are not KVM's NMI mask. */
	{ W_PIN, 5, VMX_OFFLOAD_VIRTUAL_NMIS, 0 },
	{ W_PIN, 6, VMX_OFFLOAD_PREEMPT_TIMER, VMX_OFFLOAD_HOST_TIMER },
	{ W_PIN, 7, VMX_OFFLOAD_POSTED_INTR, 0 },
	{ W_PROC, 2, VMX_OFFLOAD_INTR_WINDOW, VMX_OFFLOAD_HOST_IRQ_WINDOW },
	{ W_PROC, 7, VMX_OFFLOAD_HLT, VMX_OFFLOAD_HOST_HLT_EXIT },
	{ W_PROC, 9, VMX_OFFLOAD_INVLPG, 0 },
	{ W_PROC, 10, VMX_OFFLOAD_MWAIT, 0 },
	{ W_PROC, 11, VMX_OFFLOAD_RDPMC, 0 },
	{ W_PROC, 12, VMX_OFFLOAD_RDTSC, 0 },
	{ W_PROC, 15, VMX_OFFLOAD_CR3_LOAD, 0 },
	{ W_PROC, 16, VMX_OFFLOAD_CR3_STORE, 0 },
	/* KVM reports only a MOV to CR8 that lowers the TPR
	 * (KVM_EXIT_SET_TPR), never a store. */
	{ W_PROC, 19, VMX_OFFLOAD_CR8_LOAD, 0 },
	{ W_PROC, 20, VMX_OFFLOAD_CR8_STORE, 0 },
	{ W_PROC, 21, VMX_OFFLOAD_TPR_SHADOW, 0 },
	{ W_PROC, 22, VMX_OFFLOAD_NMI_WINDOW, 0 },
	{ W_PROC, 23, VMX_OFFLOAD_MOV_DR, 0 },
	{ W_PROC, 27, VMX_OFFLOAD_MTF, 0 },
	{ W_PROC, 29, VMX_OFFLOAD_MONITOR, 0 },
	{ W_PROC, 30, VMX_OFFLOAD_PAUSE, 0 },
	{ W_PROC2, 0, VMX_OFFLOAD_APIC_ACCESS, 0 },
	{ W_PROC2, 2, VMX_OFFLOAD_DESC_TABLE, 0 },
	{ W_PROC2, 4, VMX_OFFLOAD_X2APIC_MODE, 0 },
	{ W_PROC2, 6, VMX_OFFLOAD_WBINVD, 0 },
	{ W_PROC2, 8, VMX_OFFLOAD_APIC_REG_VIRT, 0 },
	{ W_PROC2, 9, VMX_OFFLOAD_VIRT_INTR, 0 },
	{ W_PROC2, 10, VMX_OFFLOAD_PLE, 0 },
	{ W_PROC2, 11, VMX_OFFLOAD_RDRAND, 0 },
	/* EPTP switching changes the slots under L2 without an exit. */
	{ W_PROC2, 13, VMX_OFFLOAD_VMFUNC, 0 },
	{ W_PROC2, 14, VMX_OFFLOAD_VMCS_SHADOW, 0 },
	{ W_PROC2, 15, VMX_OFFLOAD_ENCLS, 0 },
	{ W_PROC2, 16, VMX_OFFLOAD_RDSEED, 0 },
	{ W_PROC2, 17, VMX_OFFLOAD_PML, 0 },
	{ W_PROC2, 18, VMX_OFFLOAD_EPT_VE, 0 },
	/* Memory slots have no user/supervisor execute split (MBEC) and no
	 * 128-byte write permissions (SPP). */
	{ W_PROC2, 22, VMX_OFFLOAD_MBEC, 0 },
	{ W_PROC2, 23, VMX_OFFLOAD_SPP, 0 },
	{ W_PROC2, 25, VMX_OFFLOAD_TSC_SCALING, VMX_OFFLOAD_HOST_TSC_SCALING },
	{ W_PROC2, 28, VMX_OFFLOAD_ENCLV, 0 },
	{ W_PROC3, 0, VMX_OFFLOAD_LOADIWKEY, 0 },
	{ W_PROC3, 1, VMX_OFFLOAD_HLAT, 0 },
	{ W_PROC3, 2, VMX_OFFLOAD_EPT_PAGING_WRITE, 0 },
	{ W_PROC3, 3, VMX_OFFLOAD_PAGING_VERIFY, 0 },
	{ W_PROC3, 4, VMX_OFFLOAD_IPI_VIRT, 0 },
	{ W_PROC3, 7, VMX_OFFLOAD_SPEC_CTRL, 0 },
	/* Guest state a KVM guest here does not hold (no PT, CET, arch LBR
	 * or PKS for KVM guests on the hosts measured). */
	{ W_ENTRY, 18, VMX_OFFLOAD_LOAD_RTIT, 0 },
	{ W_ENTRY, 20, VMX_OFFLOAD_LOAD_CET, 0 },
	{ W_ENTRY, 21, VMX_OFFLOAD_LOAD_LBR, 0 },
	{ W_ENTRY, 22, VMX_OFFLOAD_LOAD_PKRS, 0 },
};

static bool block(struct vmx_offload_verdict *out, enum vmx_offload_reason r,
		  uint64_t detail)
{
	out->place = VMX_OFFLOAD_INTERP;
	out->reason = r;
	out->detail = detail;
	return true;
}

static bool lacks(const struct offload_in *in, uint32_t fact)
{
	return !(in->facts & fact);
}

/* RDMSR/WRMSR exit for the MSRs the bitmap names, or all of them without
 * bitmaps, and always outside the bitmap ranges (SDM 26.1.3): a filter
 * catches any such set (4 ranges: read/write x low/high). */
static bool rule_msr(const struct offload_in *in, struct vmx_offload_verdict *out)
{
	return lacks(in, VMX_OFFLOAD_HOST_MSR_FILTER) &&
	       block(out, VMX_OFFLOAD_MSR_EXITS, 0);
}

/* EPTP bit 6: the CPU sets accessed/dirty flags in L1's EPT entries
 * (SDM 29.3.5); KVM's slots set none. */
static bool rule_ept_ad(const struct offload_in *in, struct vmx_offload_verdict *out)
{
	return (in->w[W_PROC2] & CPU2_ENABLE_EPT) &&
	       (in->f[VMCS_IDX_EPT_POINTER] & (1ull << 6)) &&
	       block(out, VMX_OFFLOAD_EPT_AD, 0);
}

/* Unrestricted guest lets L2 run unpaged or in real mode (SDM 27.2.1.1);
 * a KVM without it emulates such code, and fails on much of it. */
static bool rule_real_mode(const struct offload_in *in,
			   struct vmx_offload_verdict *out)
{
	uint64_t cr0 = in->f[VMCS_IDX_GUEST_CR0];

	return (in->w[W_PROC2] & CPU2_UNRESTRICTED_GUEST) &&
	       (cr0 & (CR0_PE | CR0_PG)) != (CR0_PE | CR0_PG) &&
	       lacks(in, VMX_OFFLOAD_HOST_UNRESTRICTED) &&
	       block(out, VMX_OFFLOAD_REAL_MODE, 0);
}

/* XSAVES/XRSTORS exit when a bit of XSS and the bitmap meet (SDM 26.1.3). */
static bool rule_xss(const struct offload_in *in, struct vmx_offload_verdict *out)
{
	return (in->w[W_PROC2] & CPU2_ENABLE_XSAVES) &&
	       in->f[VMCS_IDX_XSS_EXIT_BITMAP] &&
	       block(out, VMX_OFFLOAD_XSS_BITMAP, 0);
}

#define VEC_PF 14
#define VEC_MC 18

/* Can some page fault exit (SDM 26.2)?  With bit 14 set, a #PF exits when
 * PFEC & mask == match (impossible when match has a bit outside mask);
 * with it clear, when they differ (impossible when both are 0). */
static bool pf_can_exit(const struct offload_in *in)
{
	uint32_t mask = (uint32_t)in->f[VMCS_IDX_PAGE_FAULT_ERROR_CODE_MASK];
	uint32_t match = (uint32_t)in->f[VMCS_IDX_PAGE_FAULT_ERROR_CODE_MATCH];

	if (in->f[VMCS_IDX_EXCEPTION_BITMAP] & (1u << VEC_PF))
		return !(match & ~mask);
	return mask || match;
}

/* KVM delivers L2's exceptions through L2's IDT without telling user
 * space.  #MC never exits: vmxbox raises no machine check. */
static bool rule_exceptions(const struct offload_in *in,
			    struct vmx_offload_verdict *out)
{
	uint32_t bm = (uint32_t)in->f[VMCS_IDX_EXCEPTION_BITMAP];

	bm &= ~((1u << VEC_MC) | (1u << VEC_PF));
	if (pf_can_exit(in))
		bm |= 1u << VEC_PF;
	return bm && block(out, VMX_OFFLOAD_EXC_BITMAP,
			   (uint64_t)__builtin_ctz(bm));
}

/* A mask bit makes MOV to CR (and CLTS, LMSW for CR0) that changes it
 * exit, and reads of it return the shadow (SDM 26.1.3, 26.3); KVM does
 * both in the kernel. */
static bool rule_cr0_mask(const struct offload_in *in,
			  struct vmx_offload_verdict *out)
{
	uint64_t m = in->f[VMCS_IDX_CR0_GUEST_HOST_MASK];

	return m && block(out, VMX_OFFLOAD_CR0_MASK, m);
}

static bool rule_cr4_mask(const struct offload_in *in,
			  struct vmx_offload_verdict *out)
{
	uint64_t m = in->f[VMCS_IDX_CR4_GUEST_HOST_MASK];

	return m && block(out, VMX_OFFLOAD_CR4_MASK, m);
}

/* Active (0) and HLT (1) are KVM states (the engine keeps HLT itself);
 * shutdown and wait-for-SIPI are not (SDM 25.4.2). */
static bool rule_activity(const struct offload_in *in,
			  struct vmx_offload_verdict *out)
{
	uint64_t a = in->f[VMCS_IDX_GUEST_ACTIVITY_STATE];

	return a > 1 && block(out, VMX_OFFLOAD_ACTIVITY, a);
}

/* A #DB or MTF-like trap the entry leaves pending (SDM 27.7.3): KVM has
 * no field for it. */
static bool rule_pending_dbg(const struct offload_in *in,
			     struct vmx_offload_verdict *out)
{
	return in->f[VMCS_IDX_GUEST_PENDING_DBG_EXCEPTIONS] &&
	       block(out, VMX_OFFLOAD_PENDING_DBG, 0);
}

/* Interruptibility bits 2 (SMI) and 4 (enclave interruption); STI,
 * MOV-SS and NMI blocking travel in kvm_vcpu_events. */
static bool rule_interruptibility(const struct offload_in *in,
				  struct vmx_offload_verdict *out)
{
	return (in->f[VMCS_IDX_GUEST_INTERRUPTIBILITY_INFO] & 0x14) &&
	       block(out, VMX_OFFLOAD_INTERRUPTIBILITY, 0);
}

/* An event injected at entry is delivered through L2's IDT as part of the
 * entry (SDM 27.6); a fault in that delivery must exit with IDT-vectoring
 * information.  The interpreter runs this entry; the next one may go. */
static bool rule_injection(const struct offload_in *in,
			   struct vmx_offload_verdict *out)
{
	return (in->f[VMCS_IDX_VM_ENTRY_INTR_INFO_FIELD] & INTR_INFO_VALID) &&
	       block(out, VMX_OFFLOAD_EVENT_INJECTION, 0);
}

/* PAE paging with EPT takes PDPTEs from the VMCS, not from CR3 (SDM
 * 27.3.2.4); KVM reloads them from memory. */
static bool rule_pae_pdptes(const struct offload_in *in,
			    struct vmx_offload_verdict *out)
{
	return (in->w[W_PROC2] & CPU2_ENABLE_EPT) &&
	       (in->f[VMCS_IDX_GUEST_CR0] & CR0_PG) &&
	       (in->f[VMCS_IDX_GUEST_CR4] & CR4_PAE) &&
	       !(in->w[W_ENTRY] & ENTRY_CTL_IA32E_MODE_GUEST) &&
	       block(out, VMX_OFFLOAD_PAE_PDPTES, 0);
}

/* Instructions that exit whatever the VMCS says (SDM 26.1.2) and that
 * KVM carries out in the kernel (VMX instructions: #UD without nested
 * VMX).  Any L2 may execute them, so only a host that sends them to user
 * space can take any L2. */
static bool rule_cpuid(const struct offload_in *in, struct vmx_offload_verdict *out)
{
	return lacks(in, VMX_OFFLOAD_HOST_CPUID_EXIT) &&
	       block(out, VMX_OFFLOAD_CPUID, 0);
}

static bool rule_vmx_insns(const struct offload_in *in,
			   struct vmx_offload_verdict *out)
{
	return lacks(in, VMX_OFFLOAD_HOST_VMX_INSN_EXIT) &&
	       block(out, VMX_OFFLOAD_VMX_INSNS, 0);
}

static bool rule_xsetbv(const struct offload_in *in, struct vmx_offload_verdict *out)
{
	return lacks(in, VMX_OFFLOAD_HOST_XSETBV_EXIT) &&
	       block(out, VMX_OFFLOAD_XSETBV, 0);
}

static bool rule_invd(const struct offload_in *in, struct vmx_offload_verdict *out)
{
	return lacks(in, VMX_OFFLOAD_HOST_INVD_EXIT) &&
	       block(out, VMX_OFFLOAD_INVD, 0);
}

/* After the control bits, in this order. */
static bool (*const state_rules[])(const struct offload_in *,
				   struct vmx_offload_verdict *) = {
	rule_msr, rule_ept_ad, rule_real_mode, rule_xss, rule_exceptions,
	rule_cr0_mask, rule_cr4_mask, rule_activity, rule_pending_dbg,
	rule_interruptibility, rule_injection, rule_pae_pdptes,
	rule_cpuid, rule_vmx_insns, rule_xsetbv, rule_invd,
};

static void effective_controls(const uint64_t *f, uint64_t w[W_COUNT])
{
	uint64_t proc = f[VMCS_IDX_CPU_BASED_VM_EXEC_CONTROL];

	w[W_PIN] = f[VMCS_IDX_PIN_BASED_VM_EXEC_CONTROL];
	w[W_PROC] = proc;
	w[W_PROC2] = (proc & CPU_ACTIVATE_SECONDARY) ?
		     f[VMCS_IDX_SECONDARY_VM_EXEC_CONTROL] : 0;
	w[W_PROC3] = (proc & CPU_ACTIVATE_TERTIARY) ?
		     f[VMCS_IDX_TERTIARY_VM_EXEC_CONTROL] : 0;
	w[W_ENTRY] = f[VMCS_IDX_VM_ENTRY_CONTROLS];
}

enum vmx_offload_place vmx_offload_decide(const uint64_t vmcs[VMCS_FIELD_COUNT],
					  const struct vmx_offload_host *host,
					  struct vmx_offload_verdict *out)
{
	struct offload_in in = { .f = vmcs, .facts = host->facts };
	size_t i;

	effective_controls(vmcs, in.w);
	for (i = 0; i < sizeof(ctl_rules) / sizeof(ctl_rules[0]); i++) {
		const struct ctl_rule *r = &ctl_rules[i];

		if ((in.w[r->word] >> r->bit & 1) && lacks(&in, r->unless) &&
		    block(out, r->reason, 0))
			return out->place;
	}
	for (i = 0; i < sizeof(state_rules) / sizeof(state_rules[0]); i++)
		if (state_rules[i](&in, out))
			return out->place;
	out->place = VMX_OFFLOAD_KVM;
	out->reason = VMX_OFFLOAD_NONE;
	out->detail = 0;
	return out->place;
}

bool vmx_offload_decide_vmcs(const struct vmx_vcpu *v,
			     const struct guest_mem *mem, uint64_t gpa,
			     const struct vmx_offload_host *host,
			     struct vmx_offload_verdict *out)
{
	uint64_t f[VMCS_FIELD_COUNT];

	if (gpa == v->current_vmcs) {
		vmx_offload_decide(v->vmcs, host, out);
		return true;
	}
	for (unsigned i = 0; i < VMCS_FIELD_COUNT; i++)
		if (!vmx_vmcs_peek(v, mem, gpa, vmcs_field_table[i].encoding,
				   &f[i]))
			return false;
	vmx_offload_decide(f, host, out);
	return true;
}

bool vmx_offload_decide_current(const struct vmx_vcpu *v,
				const struct vmx_offload_host *host,
				struct vmx_offload_verdict *out)
{
	if (v->current_vmcs == VMCS_PTR_NONE)
		return false;
	vmx_offload_decide(v->vmcs, host, out);
	return true;
}

const char *vmx_offload_format(const struct vmx_offload_verdict *v,
			       char *buf, size_t len)
{
	const char *name = vmx_offload_reason_name(v->reason);

	if (v->place == VMX_OFFLOAD_KVM)
		snprintf(buf, len, "kvm");
	else if (v->reason == VMX_OFFLOAD_EXC_BITMAP)
		snprintf(buf, len, "interp (%s: vector %llu)", name,
			 (unsigned long long)v->detail);
	else if (v->reason == VMX_OFFLOAD_CR0_MASK ||
		 v->reason == VMX_OFFLOAD_CR4_MASK)
		snprintf(buf, len, "interp (%s 0x%llx)", name,
			 (unsigned long long)v->detail);
	else if (v->reason == VMX_OFFLOAD_ACTIVITY)
		snprintf(buf, len, "interp (%s %llu)", name,
			 (unsigned long long)v->detail);
	else
		snprintf(buf, len, "interp (%s)", name);
	return buf;
}
