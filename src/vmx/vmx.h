/* SPDX-License-Identifier: MIT */
/*
 * VMX core, private header (the layers above use vmx/vmx_api.h only):
 * per-vCPU VMX state, the cached current VMCS and the entry points
 * shared between the instruction side (insn.c, intercept.c, vmcs.c, caps.c,
 * msr.c) and the VM-entry / VM-exit / non-root side (entry*.c, exit*.c,
 * ept.c, nonroot.c).  Engine independent: it only sees struct cpu_state,
 * struct guest_mem and the struct x86_intercept_ctx an engine lends it.
 *
 * The machine creates one struct vmx_vcpu per vCPU when --vmx=on and sets
 * engine_config.icpt = &vmx_intercept_ops, icpt_opaque = the vmx_vcpu.
 */
#ifndef VMXBOX_VMX_VMX_H
#define VMXBOX_VMX_VMX_H

#include <stdbool.h>
#include <stdint.h>

#include "core/cpu_model.h"
#include "core/cpu_state.h"
#include "engine/intercept.h"
#include "memory/guest_mem.h"
#include "vmx/vmcs_fields.h"
#include "vmx/vmx_api.h"


/* Our VMCS revision identifier (IA32_VMX_BASIC[30:0]); bit 31 clear. */
#define VMX_REVISION_ID 0x766d7862u   /* "bxmv" */

/* ----- capability MSRs (SDM Appendix A) -------------------------------- */
#define MSR_IA32_FEATURE_CONTROL     0x03a
#define FEATURE_CONTROL_LOCKED       (1ull << 0)
#define FEATURE_CONTROL_VMX_IN_SMX   (1ull << 1)
#define FEATURE_CONTROL_VMX_OUTSIDE_SMX (1ull << 2)

#define MSR_IA32_VMX_BASIC           0x480
#define MSR_IA32_VMX_PINBASED_CTLS   0x481
#define MSR_IA32_VMX_PROCBASED_CTLS  0x482
#define MSR_IA32_VMX_EXIT_CTLS       0x483
#define MSR_IA32_VMX_ENTRY_CTLS      0x484
#define MSR_IA32_VMX_MISC            0x485
#define MSR_IA32_VMX_CR0_FIXED0      0x486
#define MSR_IA32_VMX_CR0_FIXED1      0x487
#define MSR_IA32_VMX_CR4_FIXED0      0x488
#define MSR_IA32_VMX_CR4_FIXED1      0x489
#define MSR_IA32_VMX_VMCS_ENUM       0x48a
#define MSR_IA32_VMX_PROCBASED_CTLS2 0x48b
#define MSR_IA32_VMX_EPT_VPID_CAP    0x48c
#define MSR_IA32_VMX_TRUE_PINBASED_CTLS  0x48d
#define MSR_IA32_VMX_TRUE_PROCBASED_CTLS 0x48e
#define MSR_IA32_VMX_TRUE_EXIT_CTLS  0x48f
#define MSR_IA32_VMX_TRUE_ENTRY_CTLS 0x490
#define MSR_IA32_VMX_VMFUNC          0x491
#define MSR_IA32_VMX_PROCBASED_CTLS3 0x492   /* 64-bit allowed-1 (A.3.4) */
#define MSR_IA32_VMX_FIRST           MSR_IA32_VMX_BASIC
#define MSR_IA32_VMX_LAST            MSR_IA32_VMX_PROCBASED_CTLS3
#define VMX_CAP_MSR_COUNT            (MSR_IA32_VMX_LAST - MSR_IA32_VMX_FIRST + 1)

/* EPTP bits 51:12, the EP4TA that tags combined mappings (SDM 29.4.1). */
#define EPTP_EP4TA_MASK 0x000ffffffffff000ull

/* IA32_VMX_EPT_VPID_CAP bits (SDM A.10). */
#define EPT_CAP_EXEC_ONLY     (1ull << 0)
#define EPT_CAP_PWL4          (1ull << 6)
#define EPT_CAP_MT_UC         (1ull << 8)
#define EPT_CAP_MT_WB         (1ull << 14)
#define EPT_CAP_2M_PAGE       (1ull << 16)
#define EPT_CAP_1G_PAGE       (1ull << 17)
#define EPT_CAP_INVEPT        (1ull << 20)
#define EPT_CAP_AD            (1ull << 21)
#define EPT_CAP_ADV_EXIT_INFO (1ull << 22)
#define EPT_CAP_INVEPT_SINGLE (1ull << 25)
#define EPT_CAP_INVEPT_ALL    (1ull << 26)
#define VPID_CAP_INVVPID      (1ull << 32)
#define VPID_CAP_INDIVIDUAL   (1ull << 40)
#define VPID_CAP_SINGLE       (1ull << 41)
#define VPID_CAP_ALL          (1ull << 42)
#define VPID_CAP_SINGLE_NONGLOBAL (1ull << 43)

/* One control word's capability: SDM A.3-A.5. */
struct vmx_ctl_cap {
	uint32_t must1;    /* allowed 0-settings: a 1 here means "must be 1" */
	uint32_t may1;     /* allowed 1-settings: a 0 here means "must be 0" */
};

/*
 * The supported-controls description, derived once (caps.c) from the one
 * table of supported controls and the CPU model.  msr[] holds the values
 * RDMSR returns for 0x480..0x492.  The *_true entries are what VM entry
 * checks against (SDM 27.2.1.1 via A.3.1: with IA32_VMX_BASIC[55]=1 the
 * TRUE MSRs give the allowed settings).
 */
struct vmx_caps {
	struct vmx_ctl_cap pin, proc, proc2, exit, entry;  /* TRUE settings */
	struct vmx_ctl_cap proc3;     /* tertiary bits 31:0 (63:32: none) */
	uint64_t cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
	uint64_t ept_vpid;
	uint64_t vmfunc;
	unsigned maxphyaddr;
	uint64_t msr[VMX_CAP_MSR_COUNT];
};

static inline bool vmx_ctl_ok(const struct vmx_ctl_cap *c, uint32_t val)
{
	return (val & c->must1) == c->must1 && (val & ~c->may1) == 0;
}

/* Known VMCS regions and their launch state (SDM 24.1, 24.11.3). */
struct vmx_region {
	uint64_t gpa;                 /* VMCS_PTR_NONE: slot unused */
	bool launched;                /* launch state: false = "clear" */
	bool active;                  /* VMPTRLDed here, not VMCLEARed since
				       * (SDM 25.1: active on this processor) */
	uint64_t exits[EXIT_REASON_COUNT]; /* VM exits by basic reason */
	uint64_t entries;             /* successful VM entries */
};

/*
 * The control and host-state rows of the VM-entry checks (SDM 27.2) read
 * only control and host-state fields and the capabilities, save the few
 * that read more (RAM, a guest field, L1's mode: they run every time).
 * The last entry that passed them all left those inputs here
 * (entry_checks.c, entry_checks_run_memo); an entry that finds the same
 * values gets the same answer, so it compares instead of running the
 * rows again.  ranges: runs of vmcs[] slots of control and host-state
 * fields; always: the rows that read more, in table order.
 * The guest-state rows (SDM 27.3.1) likewise, once the control memo
 * holds: guest_valid when vmcs[] is from an entry that passed every row;
 * granges: the guest-state slots they read but RIP, RSP and RFLAGS
 * (RFLAGS compared under the bits the rows read); galways: the guest
 * rows that read more (RIP, RAM, the current-VMCS pointer).  aranges:
 * the runs of ranges and granges together (both memos in one compare).
 */
#define VMX_MEMO_RANGES 24
#define VMX_MEMO_ALWAYS 8
#define VMX_MEMO_GALWAYS 8
struct vmx_entry_memo {
	bool ready, off, valid, guest_valid;
	uint16_t n_ranges, n_always, first_guest;
	uint16_t n_granges, n_galways, n_aranges;
	uint16_t arange_start[VMX_MEMO_RANGES], arange_len[VMX_MEMO_RANGES];
	uint16_t range_start[VMX_MEMO_RANGES], range_len[VMX_MEMO_RANGES];
	uint16_t grange_start[VMX_MEMO_RANGES], grange_len[VMX_MEMO_RANGES];
	uint16_t always[VMX_MEMO_ALWAYS];
	uint16_t galways[VMX_MEMO_GALWAYS];
	uint64_t vmcs[VMCS_FIELD_COUNT];
	struct vmx_caps caps;
};

struct vmx_vcpu {
	struct cpu_model model;
	struct vmx_caps caps;

	bool vmxon;                   /* in VMX operation (SDM 24.1) */
	bool nonroot;                 /* VMX non-root operation */
	uint64_t vmxon_ptr;           /* VMXON pointer (SDM 24.11.5) */
	uint64_t current_vmcs;        /* VMCS_PTR_NONE = no current VMCS */
	int current_region;           /* index in regions[], -1 if none */

	/* The cached current VMCS, value by field-table index (vmcs_fields.h).
	 * Flushed to the region on VMCLEAR, VMPTRLD of another VMCS, VMXOFF
	 * and snapshot (vmx_flush_current()). */
	uint64_t vmcs[VMCS_FIELD_COUNT];
	struct vmx_entry_memo entry_memo;   /* entry_checks_run_memo() */

	struct vmx_region regions[VMX_MAX_REGIONS];
	unsigned region_victim;       /* round-robin replacement */

	/*
	 * Dual-monitor treatment of SMIs and SMM (SDM 32.15) is NOT
	 * supported: IA32_VMX_BASIC[49]=0, IA32_SMM_MONITOR_CTL is not
	 * implemented so VMCALL in root always fails with error 1.  The two
	 * pointers are recorded for completeness and stay VMCS_PTR_NONE.
	 */
	uint64_t executive_vmcs_ptr;
	uint64_t smm_transfer_vmcs_ptr;

	/* ---- VM-entry / VM-exit / non-root bookkeeping (entry/exit code
	 * owns this block and may add fields here) ---- */
	uint64_t preempt_deadline;    /* TSC at which the timer fires */
	bool preempt_armed;
	bool mtf_pending;             /* MTF exit due before next insn */
	uint64_t mtf_insn_count;      /* insn_count at VM entry (MTF) */
	bool vnmi_blocked;            /* virtual-NMI blocking (virtual NMIs) */
	bool tpr_exit_pending;        /* a trap-like APIC-virtualization exit
				       * (TPR below threshold, virtualized
				       * EOI, APIC write) is due at the next
				       * boundary (tpr.c, vapic.c) */
	uint32_t trap_exit_reason;    /* its basic reason (0: TPR below
				       * threshold, for older snapshots) */
	uint64_t trap_exit_qual;      /* and its exit qualification */
	bool vintr_pending;           /* a virtual interrupt is recognized
				       * (SDM 30.2.1, vapic.c) */
	bool apic_write_pending;      /* APIC-write emulation due at the next
				       * boundary (SDM 30.4.3.2,
				       * apic_access.c) */
	uint32_t apic_write_offset;   /* of the virtualized write */
	/* The IRET begun at instruction count iret_insn_count removed
	 * (virtual-)NMI blocking: SDM 28.2.3 bit 12 for its fault's exit. */
	bool iret_unblocked_nmi;
	uint64_t iret_insn_count;
	/* PAUSE-loop exiting (ple.c, SDM 26.1.3): TSC of the last PAUSE at
	 * CPL 0 and of the first PAUSE of its loop; ple_seen false until
	 * the first PAUSE at CPL 0 after VM entry. */
	bool ple_seen;
	uint64_t ple_last, ple_first;
	uint32_t last_exit_reason;
	uint64_t exit_count;          /* all exits on this vCPU */

	/* The machine's other vCPUs (vmcs_share.c): a VMPTRLD of a VMCS
	 * active on one of them is counted and reported. */
	struct vmx_vcpu **peers;      /* all vCPUs, this one included */
	unsigned n_peers, index;
	vmx_shared_vmcs_fn shared_hook;
	void *shared_opaque;
	uint64_t shared_loads;
};

/* vmcs_share.c: VMPTRLD of gpa on v; reports it if active elsewhere. */
void vmx_check_shared_vmcs(struct vmx_vcpu *v, uint64_t gpa);

/* ----- the cached current VMCS (vmcs.c) --------------------------------
 * Raw access for VMX-internal use: no access-type or feature checks.
 * A HIGH encoding (bit 0 set) of a 64-bit field reads/writes bits 63:32.
 * Values are truncated to the field width on write.  Unknown encodings
 * read 0 and writes are ignored.
 *
 * Every VM entry and exit reads and writes a few hundred fields by
 * encoding; almost all of those encodings are compile-time constants.
 * vmcs_read()/vmcs_write() resolve a constant encoding to its slot in
 * vmcs[] at compile time (vmcs_const_index() folds to a number once
 * inlined) and only a run-time encoding goes through the lookup table
 * (vmcs_read_enc()/vmcs_write_enc()).  The cached values are always
 * truncated to their field's width, so a slot read needs no mask. */
uint64_t vmcs_read_enc(const struct vmx_vcpu *v, uint32_t encoding);
void vmcs_write_enc(struct vmx_vcpu *v, uint32_t encoding, uint64_t val);

/* Field-table index of a FULL encoding; -1 if it names no field. */
static inline __attribute__((always_inline)) int
vmcs_const_index(uint32_t encoding)
{
	switch (encoding) {
#define VMCS_IDX_CASE(name, enc, feat) case (enc): return VMCS_IDX_##name;
	VMCS_FIELD_LIST(VMCS_IDX_CASE)
#undef VMCS_IDX_CASE
	}
	return -1;
}

/* The value bits of a field of this width (natural width: 64 bits). */
static inline uint64_t vmcs_wmask(unsigned width)
{
	return width == VMCS_W16 ? 0xffffull :
	       width == VMCS_W32 ? 0xffffffffull : UINT64_MAX;
}

/* Slot access by field-table index (VMCS_IDX_*). */
static inline uint64_t vmcs_get(const struct vmx_vcpu *v, unsigned idx)
{
	return v->vmcs[idx];
}

static inline void vmcs_set(struct vmx_vcpu *v, unsigned idx, uint64_t val)
{
	v->vmcs[idx] = val & vmcs_wmask(vmcs_field_table[idx].width);
}

/* A constant FULL encoding of a listed field: its slot, folded. */
#define VMCS_CONST_SLOT(enc) \
	(__builtin_constant_p(enc) && !((enc) & VMCS_ENC_HIGH) && \
	 vmcs_const_index(enc) >= 0)

static inline __attribute__((always_inline)) uint64_t
vmcs_read(const struct vmx_vcpu *v, uint32_t encoding)
{
	if (VMCS_CONST_SLOT(encoding))
		return v->vmcs[vmcs_const_index(encoding)];
	return vmcs_read_enc(v, encoding);
}

static inline __attribute__((always_inline)) void
vmcs_write(struct vmx_vcpu *v, uint32_t encoding, uint64_t val)
{
	if (VMCS_CONST_SLOT(encoding))
		v->vmcs[vmcs_const_index(encoding)] =
			val & vmcs_wmask(VMCS_ENC_WIDTH(encoding));
	else
		vmcs_write_enc(v, encoding, val);
}

/* Offsets in a VMCS region (docs/vmcs-layout.md). */
#define VMCS_OFF_REVISION   0
#define VMCS_OFF_ABORT      4
#define VMCS_OFF_LAUNCH     8
#define VMCS_OFF_LAYOUT     12       /* layout version of the data below */
#define VMCS_OFF_DATA       16       /* 8 bytes per field-table index */
#define VMCS_LAYOUT_VERSION 1
#define VMCS_LAUNCH_CLEAR    0u
#define VMCS_LAUNCH_LAUNCHED 1u

/* Write the cached current VMCS (fields + launch state) back to its region.
 * Regions outside guest RAM are silently not written (as on hardware the
 * writes would go nowhere).  Call before taking a snapshot. */
void vmx_flush_current(struct vmx_vcpu *v, struct guest_mem *mem);
/* The region-table entry of the current VMCS (NULL if none). */
struct vmx_region *vmx_current_region(struct vmx_vcpu *v);
/* Launch state of the current VMCS; vmx_vmentry sets it after VMLAUNCH. */
bool vmx_current_launched(const struct vmx_vcpu *v);
void vmx_set_launched(struct vmx_vcpu *v, bool launched);
/* Count a VM exit against the current VMCS (monitor counters). */
void vmx_count_exit(struct vmx_vcpu *v, uint32_t reason);

/* ----- capabilities (caps.c) -------------------------------------------- */
/* Allowed settings (TRUE MSR) of a control word; NULL if out of range. */
const struct vmx_ctl_cap *vmx_ctl_word_cap(const struct vmx_caps *c,
					   unsigned word);
void vmx_caps_init(struct vmx_caps *c, const struct cpu_model *m);
/* Value of capability MSR 0x480..0x492; false if not one of them. */
bool vmx_caps_msr(const struct vmx_caps *c, uint32_t index, uint64_t *val);
bool vmx_feature_supported(const struct vmx_caps *c, unsigned feature);
/* Does the field with this encoding exist on this vCPU (error 12 if not)? */
bool vmx_field_supported(const struct vmx_caps *c, uint32_t encoding);
/* EPTP value acceptable (SDM 27.2.1.1 EPTP checks; also VMFUNC, INVEPT). */
bool vmx_eptp_valid(const struct vmx_caps *c, uint64_t eptp);
/* CR0/CR4 acceptable in VMX operation (SDM 24.8, A.7, A.8). */
bool vmx_cr0_ok(const struct vmx_caps *c, uint64_t cr0);
bool vmx_cr4_ok(const struct vmx_caps *c, uint64_t cr4);
/* Physical address has no bit set beyond MAXPHYADDR. */
static inline bool vmx_pa_ok(const struct vmx_caps *c, uint64_t pa)
{
	return c->maxphyaddr >= 64 || (pa >> c->maxphyaddr) == 0;
}

/* ----- VMX instruction results (SDM 31.2) ------------------------------- */
#define VMX_ARITH_FLAGS (RFLAGS_CF | RFLAGS_PF | RFLAGS_AF | RFLAGS_ZF | \
			 RFLAGS_SF | RFLAGS_OF)
void vmx_drop_nonroot_events(struct vmx_vcpu *v);
/* VMsucceed: CF=PF=AF=ZF=SF=OF=0 (SDM 31.2, "Conventions"). */
static inline void vmx_succeed(struct cpu_state *s)
{
	s->rflags &= ~VMX_ARITH_FLAGS;
}
/* VMfailInvalid: CF=1, others 0. */
void vmx_fail_invalid(struct cpu_state *s);
/* VMfailValid(err): ZF=1, others 0, VM-instruction error field := err. */
void vmx_fail_valid(struct vmx_vcpu *v, struct cpu_state *s, unsigned err);
/* VMfail(err): VMfailValid if there is a current VMCS, else VMfailInvalid. */
void vmx_fail(struct vmx_vcpu *v, struct cpu_state *s, unsigned err);
/* Raise an exception into s->pending_exception; returns ICPT_FAULT. */
enum icpt_result vmx_raise(struct cpu_state *s, uint8_t vector,
			   bool has_ec, uint32_t ec);
static inline enum icpt_result vmx_ud(struct cpu_state *s)
{
	return vmx_raise(s, 6, false, 0);
}
static inline enum icpt_result vmx_gp0(struct cpu_state *s)
{
	return vmx_raise(s, 13, true, 0);
}

/* ----- VM entry / VM exit / non-root side (entry*.c exit*.c nonroot.c) --
 *
 * vmx_vmentry: called by VMLAUNCH/VMRESUME after the checks that come
 *   before entry (#UD, #GP, VMfailInvalid, MOV-SS error 26, launch-state
 *   errors 4/5; SDM 31.3 VMLAUNCH/VMRESUME).  Does the checks of SDM 27.2/
 *   27.3 (VMfailValid 7/8 or a failed-entry VM exit), loads guest state
 *   and returns ICPT_SWITCHED, or ICPT_EMULATED after a VMfail.
 * vmx_vmexit: synthesize a VM exit from non-root operation with this basic
 *   reason and exit qualification; ic (may be NULL) is the instruction or
 *   event that caused it (VM-exit instruction length / information).  For
 *   VMX instructions the caller passes qualification = the displacement of
 *   a memory operand (SDM 28.2.1, Table 28-1), 0 otherwise.
 * vmx_nonroot_intercept: every intercept except ICPT_VMX_INSN while
 *   v->nonroot (the VMX-instruction side calls vmx_vmexit itself).
 * vmx_boundary / vmx_translate_gpa: the x86_intercept_ops callbacks.
 */
enum icpt_result vmx_vmentry(struct vmx_vcpu *v, struct x86_intercept_ctx *ctx,
			     struct x86_intercept *ic, bool launch);
enum icpt_result vmx_vmexit(struct vmx_vcpu *v, struct x86_intercept_ctx *ctx,
			    uint32_t reason, uint64_t qualification,
			    const struct x86_intercept *ic);
enum icpt_result vmx_nonroot_intercept(struct vmx_vcpu *v,
				       struct x86_intercept_ctx *ctx,
				       struct x86_intercept *ic);
enum icpt_result vmx_boundary(struct vmx_vcpu *v, struct x86_intercept_ctx *ctx);

/*
 * The trap-like TPR-below-threshold exit left pending by a MOV to CR8
 * (tpr.c), or the virtualized-EOI / APIC-write exit of a WRMSR (vapic.c,
 * SDM 30.1.4, 30.4.3.3: same class), taken at the next boundary.  It outranks SMI, INIT and every
 * lower event (SDM 30.1.2): boundary.c takes it before MTF, and an INIT
 * latched at the same boundary (intercept.c) stays pending behind it (then
 * blocked in VMX root operation, SDM 24.8).
 */
static inline enum icpt_result vmx_tpr_pending_exit(struct vmx_vcpu *v,
						    struct x86_intercept_ctx *ctx)
{
	uint32_t reason = v->trap_exit_reason ? v->trap_exit_reason :
			  EXIT_REASON_TPR_BELOW_THRESHOLD;
	uint64_t qual = v->trap_exit_qual;

	v->tpr_exit_pending = false;
	v->trap_exit_reason = 0;
	v->trap_exit_qual = 0;
	return vmx_vmexit(v, ctx, reason, qual, NULL);
}
enum icpt_result vmx_translate_gpa(struct vmx_vcpu *v,
				   struct x86_intercept_ctx *ctx, uint64_t gpa,
				   unsigned access, uint64_t gla, bool gla_valid,
				   bool in_walk, uint64_t *out);
/* --vmx-check: EPT translation with no side effect (ept.c). */
bool vmx_probe_gpa(struct vmx_vcpu *v, const struct guest_mem *mem,
		   uint64_t gpa, uint64_t *out);

#endif
