/* SPDX-License-Identifier: MIT */
/*
 * L2 offload placement (issue 21, docs/kvm.md "L2 offload: placement"):
 * at a VM entry, may L2 run as a plain KVM guest whose exits vmxbox turns
 * into VM exits into L1, or must it run on the interpreter?
 *
 * L2 may go to KVM only when every VM exit the VMCS asks for (SDM 26.1-
 * 26.2, 26.7) is one KVM reports to user space with enough to build the
 * exit exactly (reason, qualification, instruction length and information,
 * IDT-vectoring information), and when nothing the VMCS makes L2 see
 * (read shadows, virtual APIC, virtual NMIs, ...) differs from what a
 * plain KVM guest sees.  The entry and exit themselves stay on the
 * interpreter (it loads L2's state, then hands it to KVM, and builds the
 * VM exit from the state KVM gives back), so most entry and exit controls
 * do not matter.
 *
 * The decision is a pure function of the VMCS fields and of what the host
 * KVM can do (struct vmx_offload_host): no guest memory, no KVM.  It
 * names the FIRST thing that keeps L2 on the interpreter, in the order
 * of the rule list below (controls, then guest state, then the exits
 * that every L2 may cause whatever the VMCS says).  Public header: the
 * machine, monitor and a future KVM run loop use it.
 */
#ifndef VMXBOX_VMX_OFFLOAD_H
#define VMXBOX_VMX_OFFLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmx/vmcs_fields.h"
#include "vmx/vmx_api.h"

/* What the host KVM can do, as facts a probe of the host would fill in. */
enum vmx_offload_host_fact {
	/* KVM_CAP_X86_USER_SPACE_MSR + KVM_CAP_X86_MSR_FILTER: any RDMSR/
	 * WRMSR L1's MSR bitmap (or its absence) makes exit can be made to
	 * exit to user space (x2APIC MSRs exit without an in-kernel APIC). */
	VMX_OFFLOAD_HOST_MSR_FILTER = 1u << 0,
	/* HLT exits to user space (KVM_EXIT_HLT: no in-kernel irqchip). */
	VMX_OFFLOAD_HOST_HLT_EXIT = 1u << 1,
	/* request_interrupt_window produces KVM_EXIT_IRQ_WINDOW_OPEN. */
	VMX_OFFLOAD_HOST_IRQ_WINDOW = 1u << 2,
	/* A host timer can stop KVM_RUN for the VMX-preemption timer. */
	VMX_OFFLOAD_HOST_TIMER = 1u << 3,
	/* KVM_CAP_TSC_CONTROL: a per-vCPU TSC rate (TSC scaling). */
	VMX_OFFLOAD_HOST_TSC_SCALING = 1u << 4,
	/* The host runs guests with CR0.PE=0 or CR0.PG=0 natively
	 * (kvm_intel unrestricted_guest), not through its emulator. */
	VMX_OFFLOAD_HOST_UNRESTRICTED = 1u << 5,
	/* Instructions that exit unconditionally in VMX non-root operation
	 * (SDM 26.1.2) that KVM carries out in the kernel: a host that could
	 * send them to user space.  No KVM we know of does. */
	VMX_OFFLOAD_HOST_CPUID_EXIT = 1u << 6,
	VMX_OFFLOAD_HOST_VMX_INSN_EXIT = 1u << 7,  /* VMCALL, VMX insns */
	VMX_OFFLOAD_HOST_XSETBV_EXIT = 1u << 8,
	VMX_OFFLOAD_HOST_INVD_EXIT = 1u << 9,
};

struct vmx_offload_host {
	uint32_t facts;       /* enum vmx_offload_host_fact bits */
};

/* Upstream KVM on VMX hardware used as src/engine/kvm uses it (user-space
 * irqchip, MSR filter): what `ctl vms` decides against. */
extern const struct vmx_offload_host vmx_offload_host_kvm;

/* Every reason, in rule order (docs/kvm.md has the table with the why).
 * X(ID, name): the name is the SDM's name of the control or state. */
#define VMX_OFFLOAD_REASONS(X) \
	X(NONE,              "none") \
	X(VIRTUAL_NMIS,      "virtual NMIs") \
	X(PREEMPT_TIMER,     "activate VMX-preemption timer") \
	X(POSTED_INTR,       "process posted interrupts") \
	X(INTR_WINDOW,       "interrupt-window exiting") \
	X(HLT,               "HLT exiting") \
	X(INVLPG,            "INVLPG exiting") \
	X(MWAIT,             "MWAIT exiting") \
	X(RDPMC,             "RDPMC exiting") \
	X(RDTSC,             "RDTSC exiting") \
	X(CR3_LOAD,          "CR3-load exiting") \
	X(CR3_STORE,         "CR3-store exiting") \
	X(CR8_LOAD,          "CR8-load exiting") \
	X(CR8_STORE,         "CR8-store exiting") \
	X(TPR_SHADOW,        "use TPR shadow") \
	X(NMI_WINDOW,        "NMI-window exiting") \
	X(MOV_DR,            "MOV-DR exiting") \
	X(MTF,               "monitor trap flag") \
	X(MONITOR,           "MONITOR exiting") \
	X(PAUSE,             "PAUSE exiting") \
	X(APIC_ACCESS,       "virtualize APIC accesses") \
	X(DESC_TABLE,        "descriptor-table exiting") \
	X(X2APIC_MODE,       "virtualize x2APIC mode") \
	X(WBINVD,            "WBINVD exiting") \
	X(APIC_REG_VIRT,     "APIC-register virtualization") \
	X(VIRT_INTR,         "virtual-interrupt delivery") \
	X(PLE,               "PAUSE-loop exiting") \
	X(RDRAND,            "RDRAND exiting") \
	X(VMFUNC,            "enable VM functions") \
	X(VMCS_SHADOW,       "VMCS shadowing") \
	X(ENCLS,             "enable ENCLS exiting") \
	X(RDSEED,            "RDSEED exiting") \
	X(PML,               "enable PML") \
	X(EPT_VE,            "EPT-violation #VE") \
	X(MBEC,              "mode-based execute control for EPT") \
	X(SPP,               "sub-page write permissions for EPT") \
	X(TSC_SCALING,       "use TSC scaling") \
	X(ENCLV,             "enable ENCLV exiting") \
	X(LOADIWKEY,         "LOADIWKEY exiting") \
	X(HLAT,              "enable HLAT") \
	X(EPT_PAGING_WRITE,  "EPT paging-write control") \
	X(PAGING_VERIFY,     "guest-paging verification") \
	X(IPI_VIRT,          "IPI virtualization") \
	X(SPEC_CTRL,         "virtualize IA32_SPEC_CTRL") \
	X(LOAD_RTIT,         "load IA32_RTIT_CTL") \
	X(LOAD_CET,          "load CET state") \
	X(LOAD_LBR,          "load guest IA32_LBR_CTL") \
	X(LOAD_PKRS,         "load PKRS") \
	X(MSR_EXITS,         "RDMSR/WRMSR exiting") \
	X(EPT_AD,            "EPT accessed and dirty flags") \
	X(REAL_MODE,         "unrestricted guest with CR0.PE=0 or CR0.PG=0") \
	X(XSS_BITMAP,        "XSS-exiting bitmap") \
	X(EXC_BITMAP,        "exception bitmap") \
	X(CR0_MASK,          "CR0 guest/host mask") \
	X(CR4_MASK,          "CR4 guest/host mask") \
	X(ACTIVITY,          "activity state") \
	X(PENDING_DBG,       "pending debug exceptions") \
	X(INTERRUPTIBILITY,  "blocking by SMI or enclave interruption") \
	X(EVENT_INJECTION,   "event injection at VM entry") \
	X(PAE_PDPTES,        "PAE paging with EPT") \
	X(CPUID,             "CPUID (exits unconditionally)") \
	X(VMX_INSNS,         "VMCALL and VMX instructions (exit unconditionally)") \
	X(XSETBV,            "XSETBV (exits unconditionally)") \
	X(INVD,              "INVD (exits unconditionally)")

enum vmx_offload_reason {
#define VMX_OFFLOAD_ENUM(id, name) VMX_OFFLOAD_##id,
	VMX_OFFLOAD_REASONS(VMX_OFFLOAD_ENUM)
#undef VMX_OFFLOAD_ENUM
	VMX_OFFLOAD_REASON_COUNT
};

enum vmx_offload_place { VMX_OFFLOAD_KVM, VMX_OFFLOAD_INTERP };

struct vmx_offload_verdict {
	enum vmx_offload_place place;
	enum vmx_offload_reason reason;   /* VMX_OFFLOAD_NONE on KVM */
	/* EXC_BITMAP: the first exception vector that can exit; CR0_MASK /
	 * CR4_MASK: the mask; ACTIVITY: the state; else 0. */
	uint64_t detail;
};

/*
 * The decision.  vmcs: the VMCS fields by field-table index (VMCS_IDX_*,
 * the layout of struct vmx_state.vmcs), as L1 left them for VMLAUNCH /
 * VMRESUME.  Returns out->place.
 */
enum vmx_offload_place vmx_offload_decide(const uint64_t vmcs[VMCS_FIELD_COUNT],
					  const struct vmx_offload_host *host,
					  struct vmx_offload_verdict *out);

/* The same for the VMCS at gpa of vCPU v (its cache when current, else
 * its region).  false: the region is not in guest RAM. */
bool vmx_offload_decide_vmcs(const struct vmx_vcpu *v,
			     const struct guest_mem *mem, uint64_t gpa,
			     const struct vmx_offload_host *host,
			     struct vmx_offload_verdict *out);

/* The same for v's current VMCS (at a VM entry); false: none. */
bool vmx_offload_decide_current(const struct vmx_vcpu *v,
				const struct vmx_offload_host *host,
				struct vmx_offload_verdict *out);

const char *vmx_offload_reason_name(enum vmx_offload_reason r);
/* "kvm" or "interp (REASON[: detail])" into buf; returns buf. */
const char *vmx_offload_format(const struct vmx_offload_verdict *v,
			       char *buf, size_t len);

#endif
