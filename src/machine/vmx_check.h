/* SPDX-License-Identifier: MIT */
/*
 * --vmx-check detectors that watch L1's VMX instructions (docs/vmx-check.md):
 * VMREAD/VMWRITE of an unsupported field, VMRESUME of a clear VMCS, a VMCS
 * used after VMCLEAR, ordinary writes to the current VMCS's region,
 * VM-exit information fields read when the last exit did not define them.
 * They look only at what the watcher sees around each hook call (the
 * instruction, its result, the public VMX API), so src/vmx knows nothing
 * of them.  The stale-translation detector lives in the engine's TLB.
 *
 * Deliberate probes: a test that provokes one of these on purpose writes
 * 1 to port VMX_CHECK_PORT (in VMX root operation) before and 0 after;
 * nothing is reported in between (docs/boot.md).
 */
#ifndef VMXBOX_MACHINE_VMX_CHECK_H
#define VMXBOX_MACHINE_VMX_CHECK_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/intercept.h"
#include "vmx/vmx_api.h"

#define VMX_CHECK_PORT 0xf6
#define VMX_CHECK_EXITS 16

struct vmx_watch;

/* The last VM exit of one VMCS: what its exit-information fields hold. */
struct vmx_check_exit {
	uint64_t vmcs;          /* 0 with !valid: slot unused */
	bool valid;
	uint32_t reason;        /* full exit-reason field */
	uint32_t intr_info;     /* VM-exit interruption information */
	uint32_t idt_info;      /* IDT-vectoring information */
	uint64_t qual;
};

struct vmx_check {
	bool deliberate;        /* between the firmware's port writes 1 and 0 */
	uint64_t cleared;       /* the current VMCS VMCLEARed, else NONE */
	uint64_t cleared_rip;
	uint64_t insn_rip;      /* L1's VMX instruction being executed */
	uint64_t insn_count;    /* and the instruction count there */
	uint64_t region_gpa;    /* VMCS whose region is copied, else NONE */
	uint64_t region_rip;    /* L1's last VMX instruction with that copy */
	uint8_t region[4096];   /* the region as L1 left it at that point */
	/* The other vCPUs' watchers (a ring; NULL with one vCPU): their
	 * VMCLEAR/VMPTRLD write regions back, which may be current here
	 * when L1 broke SDM 25.11.1 (reported as two-processors). */
	struct vmx_watch *next;
	struct vmx_check_exit exits[VMX_CHECK_EXITS];
	unsigned next_exit;     /* round-robin slot when all are used */
};

/* What the detectors need from before the hook call. */
struct vmx_check_pre {
	uint64_t vmcs;          /* current VMCS before */
	uint64_t field;         /* VMREAD/VMWRITE: the encoding register */
};

void vmx_check_init(struct vmx_check *c);
/* Port VMX_CHECK_PORT in root operation: true when it was that port. */
bool vmx_check_port(struct vmx_watch *w, const struct x86_intercept *ic,
		    uint64_t value);
void vmx_check_before(struct vmx_watch *w, struct x86_intercept_ctx *ctx,
		      const struct x86_intercept *ic, struct vmx_check_pre *pre);
void vmx_check_after(struct vmx_watch *w, struct x86_intercept_ctx *ctx,
		     const struct x86_intercept *ic,
		     const struct vmx_check_pre *pre, enum icpt_result r);
/* A VM exit (or an entry failure that loaded the host) of the current VMCS. */
void vmx_check_exit(struct vmx_watch *w, uint64_t vmcs);
/* vmx_shared_vmcs_fn (opaque: the loader's watcher). */
void vmx_check_shared(void *opaque, const struct vmx_shared_vmcs_event *ev);
/* vmxbox itself wrote the current VMCS to its region (snapshot). */
void vmx_check_rebase(struct vmx_watch *w, const struct guest_mem *mem);

#endif
