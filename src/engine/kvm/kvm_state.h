/* SPDX-License-Identifier: MIT */
/*
 * The neutral CPU state (core/cpu_state.h) <-> KVM's vCPU structures.
 * Pure functions, no /dev/kvm needed: unit-tested everywhere.
 *
 * Mapping (what KVM does not hold stays in the engine's copy of the state):
 *   kvm_regs       GPRs, RIP, RFLAGS
 *   kvm_sregs      segments (VMX access rights <-> kvm_segment bits),
 *                  GDTR/IDTR, CR0/2/3/4/8, EFER, IA32_APIC_BASE
 *   kvm_xsave      the x87/SSE legacy area (FXSAVE layout, SDM Vol. 1
 *                  Table 10-2) with XSTATE_BV = x87 | SSE; kvm_fpu is not
 *                  used because KVM_SET_FPU leaves XSTATE_BV alone, so the
 *                  values it writes can be lost at the next XRSTOR
 *   kvm_vcpu_events  the event being delivered, pending NMI, interrupt
 *                  shadow (STI / MOV SS) and NMI blocking
 *   kvm_debugregs  DR0-3, DR6, DR7
 *   kvm_msrs       the rows of cpu_msr_table that KVM keeps, and the TSC
 * Not in KVM: FCS/FDS (the 64-bit FXSAVE format has no selectors), the
 * latched external interrupt, INIT, the activity state (no in-kernel
 * local APIC, so KVM cannot hold HLT), pending debug exceptions, the
 * instruction count, PDPTE registers (KVM reloads them from CR3).
 */
#ifndef VMXBOX_ENGINE_KVM_KVM_STATE_H
#define VMXBOX_ENGINE_KVM_KVM_STATE_H

#include <linux/kvm.h>
#include <stddef.h>
#include <stdint.h>

#include "core/cpu_state.h"

#define KVM_MSR_TSC 0x10u

/* XSAVE legacy-area offsets (SDM Vol. 1 Table 10-2, 64-bit format). */
#define XSAVE_FCW      0
#define XSAVE_FSW      2
#define XSAVE_FTW      4
#define XSAVE_FOP      6
#define XSAVE_FIP      8
#define XSAVE_FDP      16
#define XSAVE_MXCSR    24
#define XSAVE_MXCSR_MASK 28
#define XSAVE_ST       32
#define XSAVE_XMM      160
#define XSAVE_HDR_BV   512
#define XSAVE_X87_SSE  3ull     /* XSTATE_BV bits 0 (x87) and 1 (SSE) */

void kvm_regs_from_state(const struct cpu_state *s, struct kvm_regs *r);
void kvm_regs_to_state(const struct kvm_regs *r, struct cpu_state *s);

void kvm_seg_from_state(const struct seg_reg *sr, struct kvm_segment *k);
void kvm_seg_to_state(const struct kvm_segment *k, struct seg_reg *sr);
void kvm_sregs_from_state(const struct cpu_state *s, struct kvm_sregs *sr);
void kvm_sregs_to_state(const struct kvm_sregs *sr, struct cpu_state *s);

/* fpu.st[] holds physical registers R0-R7; XSAVE holds ST(0)-ST(7). */
void kvm_xsave_from_fpu(const struct fpu_state *f, struct kvm_xsave *x);
void kvm_xsave_to_fpu(const struct kvm_xsave *x, struct fpu_state *f);

void kvm_events_from_state(const struct cpu_state *s, struct kvm_vcpu_events *e);
void kvm_events_to_state(const struct kvm_vcpu_events *e, struct cpu_state *s);

void kvm_dregs_from_state(const struct cpu_state *s, struct kvm_debugregs *d);
void kvm_dregs_to_state(const struct kvm_debugregs *d, struct cpu_state *s);

/*
 * The MSRs to move through KVM_GET/SET_MSRS: the rows of cpu_msr_table
 * that KVM lists (kvm_list, from KVM_GET_MSR_INDEX_LIST) and that are not
 * carried elsewhere (EFER, FS/GS base and APIC base travel in kvm_sregs;
 * IA32_FEATURE_CONTROL never reaches KVM: every guest access to it hands
 * the vCPU to the interpreter), plus the TSC.  Returns how many indices
 * were written to out (at most max).
 */
size_t kvm_msr_indices(const uint32_t *kvm_list, size_t kvm_n, uint32_t *out,
		       size_t max);
/* Value of MSR index in s (the TSC included); false if not kept. */
bool kvm_msr_from_state(const struct cpu_state *s, uint32_t index,
			uint64_t *val);
bool kvm_msr_to_state(struct cpu_state *s, uint32_t index, uint64_t val);

#endif
