/* SPDX-License-Identifier: MIT */
/*
 * The VMX core as the layers above it see it (machine, snapshot, monitor,
 * cli).  struct vmx_vcpu is opaque here: outside src/vmx (and the VMX
 * core's own unit tests) nothing reads its fields; tests/docs/check_layers.py
 * fails on an include of the core's private header vmx/vmx.h from there.
 *
 * What the upper layers need:
 *  - lifecycle and the intercept hook the engine calls;
 *  - observation: VMX operation, non-root, the current VMCS, a field of any
 *    VMCS L1 has used, the regions with their launch state and counters;
 *  - struct vmx_state: a plain picture of everything needed to continue a
 *    vCPU's VMX operation exactly, exported for snapshots and imported on
 *    restore (the snapshot layer only converts it to and from CBOR).
 */
#ifndef VMXBOX_VMX_VMX_API_H
#define VMXBOX_VMX_VMX_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/cpu_model.h"
#include "engine/intercept.h"
#include "memory/guest_mem.h"
#include "vmx/vmcs_fields.h"

/* "No current VMCS" (SDM 24.1: current-VMCS pointer = FFFFFFFF_FFFFFFFFH). */
#define VMCS_PTR_NONE UINT64_MAX
#define VMX_REGION_SIZE 4096u
/* VMCS regions the core tracks (launch state, counters). */
#define VMX_MAX_REGIONS 16

struct vmx_vcpu;

/* ----- lifecycle (vmx.c) ------------------------------------------------ */
struct vmx_vcpu *vmx_vcpu_create(const struct cpu_model *m);
void vmx_vcpu_destroy(struct vmx_vcpu *v);
/* Leave VMX operation and forget all state (machine reset / INIT). */
void vmx_vcpu_reset(struct vmx_vcpu *v);

extern const struct x86_intercept_ops vmx_intercept_ops;
/* Its vmrw shortcut (insn.c): a register-form VMREAD (write false) or
 * VMWRITE that ends in VMsucceed in root operation is done (true);
 * anything else is left to the intercept hook (false, nothing done). */
bool vmx_vmrw_fast(struct vmx_vcpu *v, struct x86_intercept_ctx *ctx,
		   bool write, unsigned rm, unsigned reg);

/* ----- several vCPUs (vmcs_share.c, docs/smp.md) -------------------------
 * A VMCS is active on the processors that made it current with VMPTRLD
 * and have not VMCLEARed it since (SDM 25.1).  Software must VMCLEAR it on
 * one processor before another makes it current (SDM 25.11.1); breaking
 * that is undefined on hardware.  vmxbox then makes it current with the
 * contents and launch state the region holds in memory (what the owner
 * last wrote back: at its VMCLEAR, VMPTRLD of another VMCS or VMXOFF), the
 * owner keeps its own cached copy, and whichever writes back last wins.
 * Each such VMPTRLD is counted and reported through the hook. */
struct vmx_shared_vmcs_event {
	unsigned loader;              /* the vCPU executing VMPTRLD */
	unsigned owner;               /* a vCPU the VMCS is active on */
	uint64_t gpa;
	bool owner_current;           /* it is the owner's current VMCS */
};
typedef void (*vmx_shared_vmcs_fn)(void *opaque,
				   const struct vmx_shared_vmcs_event *ev);
/* The vCPUs of one machine, by index (= APIC ID). */
void vmx_vcpu_link(struct vmx_vcpu *const *all, unsigned n);
void vmx_set_shared_vmcs_hook(struct vmx_vcpu *v, vmx_shared_vmcs_fn fn,
			      void *opaque);
/* Is the VMCS at gpa active on v? */
bool vmx_vmcs_active(const struct vmx_vcpu *v, uint64_t gpa);
/* VMPTRLDs on v of a VMCS active on another vCPU. */
uint64_t vmx_shared_vmcs_loads(const struct vmx_vcpu *v);

/* ----- observation (vmx_api.c) ------------------------------------------ */
bool vmx_in_operation(const struct vmx_vcpu *v);      /* after VMXON */
bool vmx_in_nonroot(const struct vmx_vcpu *v);        /* an L2 runs */
uint64_t vmx_vmxon_pointer(const struct vmx_vcpu *v); /* VMCS_PTR_NONE: none */
uint64_t vmx_current_vmcs(const struct vmx_vcpu *v);  /* VMCS_PTR_NONE: none */
/* A field of the current VMCS (raw: no access checks; unknown reads 0). */
uint64_t vmx_current_field(const struct vmx_vcpu *v, uint32_t encoding);
/* A field of any VMCS: from the cache for the current one, else from its
 * region in guest memory.  false: unknown field or region not in RAM. */
bool vmx_vmcs_peek(const struct vmx_vcpu *v, const struct guest_mem *mem,
		   uint64_t vmcs, uint32_t encoding, uint64_t *val);
/* A debugger's L2 view (ept.c): an L2 guest-physical address
 * through the current VMCS's EPT when it enables EPT (identity when not),
 * no A/D flags, no exit; false when EPT does not map it. */
bool vmx_peek_l2_gpa(struct vmx_vcpu *v, const struct guest_mem *mem,
		     uint64_t gpa, uint64_t *out);
/* Does the field exist on this vCPU's capabilities (VMREAD error 12 if
 * not)? */
bool vmx_vcpu_field_supported(const struct vmx_vcpu *v, uint32_t encoding);
/* The core's copy of capability MSR 0x480..0x492; false for others. */
bool vmx_vcpu_cap_msr(const struct vmx_vcpu *v, uint32_t index, uint64_t *val);

struct vmx_region_info {
	uint64_t gpa;
	bool launched;
	bool current;
	uint64_t entries;                   /* successful VM entries */
	const uint64_t *exits;              /* [EXIT_REASON_COUNT] by reason */
};
/* Region slot i (0..VMX_MAX_REGIONS-1); false when the slot is unused. */
bool vmx_region_at(const struct vmx_vcpu *v, unsigned i,
		   struct vmx_region_info *out);

/* ----- the controls table (caps.c), for docs and decoders ---------------- */
enum vmx_ctl_word {
	VMX_CTL_PIN, VMX_CTL_PROC, VMX_CTL_PROC2, VMX_CTL_EXIT, VMX_CTL_ENTRY,
	VMX_CTL_PROC3,   /* tertiary: bits 31:0 of the 64-bit word (63:32 are
			  * reserved, never allowed-1 here) */
	VMX_CTL_WORDS
};
/* Every control bit the SDM names, supported or not, and the reserved
 * default1 bits. */
size_t vmx_ctl_row_count(void);
bool vmx_ctl_row(size_t i, unsigned *word, unsigned *bit, const char **name);
/* Row i is a default1 bit (SDM A.2: reported 1 in the non-TRUE MSRs). */
bool vmx_ctl_row_default1(size_t i);
const char *vmx_ctl_word_name(unsigned word);

/* ----- state export / import (vmx_state.c) ------------------------------ */
struct vmx_state_region {
	uint64_t gpa;
	bool launched;
	unsigned slot;        /* place in the core's region cache: replacement
			       * order depends on it */
	uint64_t entries;
	bool active;          /* VMPTRLDed on this vCPU, not VMCLEARed since
			       * (SDM 25.1; several vCPUs, docs/smp.md) */
};

/* A named scalar of the core's bookkeeping (preemption-timer deadline,
 * pending MTF, virtual-NMI blocking, ...).  Names are stable snapshot keys. */
struct vmx_state_scalar {
	const char *name;     /* export: static storage; import: the caller's */
	uint64_t value;
};

#define VMX_STATE_MAX_SCALARS 48

struct vmx_state {
	bool vmxon, non_root;
	uint64_t vmxon_ptr;       /* VMCS_PTR_NONE outside VMX operation */
	uint64_t current_vmcs;    /* VMCS_PTR_NONE when none */
	unsigned n_regions;       /* sorted by gpa, unique */
	struct vmx_state_region regions[VMX_MAX_REGIONS];
	/* The cached current VMCS by field-table index (vmcs_fields.h); only
	 * meaningful when current_vmcs != VMCS_PTR_NONE. */
	uint64_t vmcs[VMCS_FIELD_COUNT];
	unsigned n_scalars;
	struct vmx_state_scalar scalars[VMX_STATE_MAX_SCALARS];
};

/* Everything needed to continue exactly.  Writes the cached current VMCS
 * back to its region in mem first (SDM 25.11.1: VMCS data may be cached;
 * the region then matches a snapshot's memory).  mem NULL: the region
 * stays as it is (several vCPUs: another may VMPTRLD it from memory, and
 * a snapshot must not change what it reads; docs/smp.md). */
void vmx_state_export(struct vmx_vcpu *v, struct guest_mem *mem,
		      struct vmx_state *out);
/* Reset, then load.  Scalars missing from in keep their reset values
 * (older snapshots); unknown scalar names are an error.  0, or -1 with a
 * one-line reason in err. */
int vmx_state_import(struct vmx_vcpu *v, const struct vmx_state *in,
		     char *err, size_t errlen);
/* A scalar by name (NULL if absent). */
const struct vmx_state_scalar *vmx_state_scalar_find(const struct vmx_state *s,
						     const char *name);

#endif
