/* SPDX-License-Identifier: MIT */
/*
 * Internals shared by the VM-entry, VM-exit, non-root intercept, boundary
 * and EPT files (entry.c exit.c nonroot.c boundary.c ept.c msr_area.c).
 */
#ifndef VMXBOX_VMX_NONROOT_H
#define VMXBOX_VMX_NONROOT_H

#include <stdbool.h>
#include <stdint.h>

#include "vmx/ept_walk.h"
#include "vmx/vmx.h"

/* Everything a VM exit records besides the guest state (SDM 28.2). */
struct vmx_exit_info {
	uint32_t reason;            /* full exit-reason field */
	uint64_t qualification;
	uint32_t intr_info;         /* VM-exit interruption information */
	uint32_t intr_error;
	uint64_t gla;               /* guest-linear address */
	uint64_t gpa;               /* guest-physical address (EPT exits) */
	bool has_gla, has_gpa;
	bool nmi_exit;              /* exit caused directly by an NMI */
	const struct x86_intercept *ic;  /* causing instruction or NULL */
};

/* SDM 28: save guest state, record the exit, load host state. */
enum icpt_result vmx_vmexit_full(struct vmx_vcpu *v,
				 struct x86_intercept_ctx *ctx,
				 const struct vmx_exit_info *ei);

/* SDM 27.8: VM entry failed after the host/control checks passed (exit
 * reason 33 or 34, bit 31 set): load host state, run the VM-exit MSR-load
 * list, stay in root operation. */
enum icpt_result vmx_entry_failed(struct vmx_vcpu *v,
				  struct x86_intercept_ctx *ctx,
				  uint32_t basic_reason, uint64_t qualification);

/* SDM 28.5 host-state loading (no MSR list).  nmi_block: the exit was
 * caused by an NMI. */
void vmx_load_host_state(struct vmx_vcpu *v, struct cpu_state *s,
			 bool nmi_block);

/* SDM 28.7: VMX abort - record the indicator in the VMCS region and shut
 * the logical processor down. */
enum icpt_result vmx_abort(struct vmx_vcpu *v, struct x86_intercept_ctx *ctx,
			   uint32_t indicator);

/* MSR areas (SDM 27.4, 28.4, 28.6).  Return 0 on success or the 1-based
 * index of the failing entry. */
uint32_t vmx_msr_area_load(struct vmx_vcpu *v, struct guest_mem *mem,
			   struct cpu_state *s, uint64_t addr, uint32_t count,
			   bool at_entry);
uint32_t vmx_msr_area_store(struct vmx_vcpu *v, struct guest_mem *mem,
			    const struct cpu_state *s, uint64_t addr,
			    uint32_t count);
/* An MSR value as RDMSR would see it in this state (false: not readable). */
bool vmx_msr_value(const struct vmx_vcpu *v, const struct cpu_state *s,
		   uint32_t index, uint64_t *val);

/* Control words of the current VMCS (secondary = 0 unless activated);
 * inline: VM entries, exits and intercepts read them many times. */
static inline uint32_t vmx_pin(const struct vmx_vcpu *v)
{
	return (uint32_t)vmcs_read(v, VMCS_PIN_BASED_VM_EXEC_CONTROL);
}
static inline uint32_t vmx_proc(const struct vmx_vcpu *v)
{
	return (uint32_t)vmcs_read(v, VMCS_CPU_BASED_VM_EXEC_CONTROL);
}
static inline uint32_t vmx_proc2(const struct vmx_vcpu *v)
{
	if (!(vmx_proc(v) & CPU_ACTIVATE_SECONDARY))
		return 0;
	return (uint32_t)vmcs_read(v, VMCS_SECONDARY_VM_EXEC_CONTROL);
}
/* SDM 25.6.2: with "activate tertiary controls" = 0 the processor
 * behaves as if the tertiary controls were all 0. */
static inline uint64_t vmx_proc3(const struct vmx_vcpu *v)
{
	if (!(vmx_proc(v) & CPU_ACTIVATE_TERTIARY))
		return 0;
	return vmcs_read(v, VMCS_TERTIARY_VM_EXEC_CONTROL);
}
static inline uint32_t vmx_exit_ctls(const struct vmx_vcpu *v)
{
	return (uint32_t)vmcs_read(v, VMCS_VM_EXIT_CONTROLS);
}
static inline uint32_t vmx_entry_ctls(const struct vmx_vcpu *v)
{
	return (uint32_t)vmcs_read(v, VMCS_VM_ENTRY_CONTROLS);
}

/* VM entry / VM exit: invalidate what VPID 0 caches when VPIDs are off
 * (vpid.c, SDM 29.4.3.3).  Call while the VMCS controls are L2's. */
void vmx_tlb_transition(struct vmx_vcpu *v, struct x86_intercept_ctx *ctx,
			bool to_root);

/* Preemption-timer rate: the timer counts down when TSC bit `rate`
 * changes (IA32_VMX_MISC[4:0], SDM 26.5.1). */
unsigned vmx_preempt_rate(const struct vmx_vcpu *v);
/* Recompute ctx->boundary_wanted from the non-root controls. */
void vmx_update_boundary(struct vmx_vcpu *v, struct x86_intercept_ctx *ctx);

/* TPR shadow (tpr.c): MOV CR8 with "use TPR shadow" and no CR8 exiting,
 * VTPR bits 7:0 (all ones outside RAM). */
enum icpt_result vmx_tpr_mov_cr8(struct vmx_vcpu *v,
				 struct x86_intercept_ctx *ctx,
				 struct x86_intercept *ic);
uint8_t vmx_vtpr_read(const struct vmx_vcpu *v, const struct guest_mem *mem);
/* SDM 27.7.7: a TPR-below-threshold exit is due right after VM entry. */
bool vmx_entry_tpr_exit_due(const struct vmx_vcpu *v,
			    const struct guest_mem *mem);
enum icpt_result vmx_tpr_exit_over_debug_trap(struct vmx_vcpu *v,
					      struct x86_intercept_ctx *ctx);
/* vapic.c: virtual interrupts and x2APIC virtualization (SDM 30). */
void vmx_vintr_evaluate(struct vmx_vcpu *v, struct x86_intercept_ctx *ctx);
void vmx_vintr_tpr_virtualize(struct vmx_vcpu *v,
			      struct x86_intercept_ctx *ctx);
/* TPR virtualization (30.1.2): threshold exit, or PPR virtualization and
 * evaluation with virtual-interrupt delivery. */
void vmx_tpr_virtualize(struct vmx_vcpu *v, struct x86_intercept_ctx *ctx);
void vmx_vintr_entry(struct vmx_vcpu *v, struct x86_intercept_ctx *ctx);
bool vmx_vintr_deliver(struct vmx_vcpu *v, struct x86_intercept_ctx *ctx);
enum icpt_result vmx_x2apic_msr(struct vmx_vcpu *v,
				struct x86_intercept_ctx *ctx,
				struct x86_intercept *ic);
void vmx_eoi_virtualize(struct vmx_vcpu *v, struct x86_intercept_ctx *ctx);
void vmx_self_ipi_virtualize(struct vmx_vcpu *v, struct x86_intercept_ctx *ctx,
			     unsigned vec);
void vmx_apic_write_exit(struct vmx_vcpu *v, struct x86_intercept_ctx *ctx,
			 unsigned offset);
/* ipiv.c, IPI virtualization (30.1.6): does this ICR[31:0] ask for an IPI
 * it virtualizes (fixed, edge, physical, no shorthand, reserved and
 * delivery-status bits clear)?  Then post vec for dest, or the APIC-write
 * exit 300H when the PID-pointer table has no valid entry for dest. */
bool vmx_ipiv_icr_ok(uint32_t icr_lo);
void vmx_ipi_virtualize(struct vmx_vcpu *v, struct x86_intercept_ctx *ctx,
			unsigned vec, uint32_t dest);
/* apic_access.c: "virtualize APIC accesses" (SDM 30.4).  hpa is on the
 * APIC-access page; linear: a linear data access or fetch (else a
 * guest-physical access).  ICPT_CONTINUE with *out redirected to the
 * virtual-APIC page, or ICPT_SWITCHED after an APIC-access exit. */
enum icpt_result vmx_apic_access(struct vmx_vcpu *v,
				 struct x86_intercept_ctx *ctx, uint64_t hpa,
				 unsigned access, bool linear, uint64_t *out);
/* APIC-write emulation of the virtualized write of the last instruction
 * (30.4.3.2), at the boundary after it. */
void vmx_apic_write_emulate(struct vmx_vcpu *v, struct x86_intercept_ctx *ctx);
void vmx_vapic_or_virr(struct vmx_vcpu *v, struct guest_mem *m, unsigned r,
		       uint32_t bits);
void vmx_vapic_raise_rvi(struct vmx_vcpu *v, unsigned vec);
/* posted.c: an acknowledged external interrupt that would exit; true when
 * it was the posted-interrupt notification and was processed (SDM 30.6). */
bool vmx_posted_intr(struct vmx_vcpu *v, struct x86_intercept_ctx *ctx,
		     int vec);
/* nmi_task.c: IRET and NMI blocking (SDM 26.3), event delivery without
 * exit (MTF, SDM 26.5.2), "NMI unblocking due to IRET" (SDM 28.2.3) and
 * NMI blocking by an NMI whose delivery exits (SDM 28.1), task-switch
 * exits (SDM 26.4.2). */
enum icpt_result vmx_nr_iret(struct vmx_vcpu *v, struct x86_intercept_ctx *ctx,
			     struct x86_intercept *ic);
void vmx_event_delivery(struct vmx_vcpu *v);
void vmx_nmi_unblocking_bit(struct vmx_vcpu *v, struct cpu_state *s,
			    uint32_t reason, uint32_t *intr_info,
			    uint64_t *qualification);
/* ple.c: PAUSE exiting and PAUSE-loop exiting (SDM 26.1.3). */
enum icpt_result vmx_nr_pause(struct vmx_vcpu *v, struct x86_intercept_ctx *ctx,
			      struct x86_intercept *ic);
enum icpt_result vmx_nr_task_switch(struct vmx_vcpu *v,
				    struct x86_intercept_ctx *ctx,
				    struct x86_intercept *ic);

/* PAE PDPTE registers (pdpte.c; SDM 4.4.1, 27.3.1.6, 27.3.2.4, 28.3.4,
 * 28.5.4). */
bool vmx_pdpte_ok(const struct vmx_caps *c, uint64_t pdpte);
/* PAE paging in use: CR0.PG = 1, CR4.PAE = 1, IA32_EFER.LMA = 0. */
bool vmx_pae_paging(uint64_t cr0, uint64_t cr4, uint64_t efer);
/* Read the PDPTEs at CR3 from RAM; false if one has reserved bits set. */
bool vmx_read_pdptes(const struct vmx_caps *c, const struct guest_mem *mem,
		     uint64_t cr3, uint64_t out[4]);
/* VM entry, after the guest control registers and EFER are loaded. */
void vmx_entry_load_pdptes(struct vmx_vcpu *v, const struct guest_mem *mem,
			   struct cpu_state *s);
/* VM exit: guest PDPTEs into the VMCS (EPT and PAE paging only). */
void vmx_exit_save_pdptes(struct vmx_vcpu *v, const struct cpu_state *s);
/* VM exit, after the host control registers: false = VMX abort 2. */
bool vmx_exit_load_host_pdptes(struct vmx_vcpu *v, const struct guest_mem *mem,
			       struct cpu_state *s);

/* Pending debug exceptions field (SDM 25.4.2, Table 25-4). */
#define PENDING_DBG_B0_3       0xfull
#define PENDING_DBG_ENABLED_BP (1ull << 12)
#define PENDING_DBG_BS         (1ull << 14)
#define PENDING_DBG_RTM        (1ull << 16)

/* debug.c: pending debug exceptions after VM entry (SDM 27.7.3), the #DB
 * exit qualification (28.2.1), MTF over debug traps (26.5.2, 28.3.4). */
void vmx_entry_pending_dbg(struct vmx_vcpu *v, struct cpu_state *s);
bool vmx_pending_dbg_due(const struct cpu_state *s);
enum icpt_result vmx_deliver_pending_dbg(struct cpu_state *s);
uint64_t vmx_db_exit_qualification(struct cpu_state *s, uint64_t dr6_bits);
bool vmx_mtf_wins_over(const struct vmx_vcpu *v, const struct cpu_state *s,
		       const struct x86_intercept *ic);
enum icpt_result vmx_mtf_exit_over_debug_trap(struct vmx_vcpu *v,
					      struct x86_intercept_ctx *ctx,
					      uint64_t dr6_bits);
/* boundary.c: an MTF VM exit is due at this boundary (SDM 26.5.2). */
bool vmx_mtf_due(const struct vmx_vcpu *v, const struct cpu_state *s);

/* pml.c: set the EPT accessed/dirty flags of a successful walk with
 * EPTP[6] = 1, with page-modification logging (SDM 29.3.5, 29.3.6);
 * ICPT_CONTINUE, or the page-modification log-full VM exit. */
enum icpt_result vmx_ept_ad_update(struct vmx_vcpu *v,
				   struct x86_intercept_ctx *ctx,
				   const struct ept_walk_result *r,
				   uint64_t gpa, unsigned access);

/* ve.c: an EPT violation (walk r, the exit it would be ei) that is
 * convertible raises #VE into cpu->pending_exception after writing the
 * virtualization-exception information area: true, the caller returns
 * ICPT_FAULT; false, it exits (SDM 26.5.7). */
bool vmx_ept_violation_ve(struct vmx_vcpu *v, struct x86_intercept_ctx *ctx,
			  const struct ept_walk_result *r,
			  const struct vmx_exit_info *ei);

/* EPT walk configuration from the capabilities. */
void vmx_ept_cfg(const struct vmx_vcpu *v, struct ept_walk_cfg *cfg);

/* Segment-field slots (VMCS_IDX_*), indexed by enum x86_seg (ES..TR). */
extern const uint16_t vmx_guest_sel_idx[SEG_COUNT];
extern const uint16_t vmx_guest_base_idx[SEG_COUNT];
extern const uint16_t vmx_guest_limit_idx[SEG_COUNT];
extern const uint16_t vmx_guest_ar_idx[SEG_COUNT];

#endif
