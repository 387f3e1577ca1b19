/* SPDX-License-Identifier: MIT */
/*
 * Watching the VMX layer from the machine: a thin wrapper around
 * vmx_intercept_ops that notices every VM entry, VM exit and failed entry by
 * comparing the vCPU's VMX mode before and after each hook call, so
 * tracing, counters and snapshot triggers need nothing from VMX internals.
 * It runs on the vCPU thread; consumers get struct vmx_trace_event.
 */
#ifndef VMXBOX_MACHINE_VMX_WATCH_H
#define VMXBOX_MACHINE_VMX_WATCH_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/intercept.h"
#include "machine/vmx_check.h"
#include "monitor/trace.h"
#include "vmx/offload.h"

struct vmx_vcpu;

#define VMX_WATCH_MAX_VMCS 16
#define VMX_WATCH_MAX_OBSERVERS 4

/* Per-VMCS statistics kept by the watcher. */
struct vmx_watch_vmcs {
	uint64_t gpa;            /* 0 with entries == 0: slot unused */
	uint64_t entries;
	uint64_t entry_failures;
	uint64_t l2_insns;       /* instructions retired in non-root with this VMCS */
	/* --verbose: VM entries by L2 offload placement on upstream KVM
	 * (vmx/offload.h): [VMX_OFFLOAD_NONE] = could run on kvm, else the
	 * reason that kept L2 on the interpreter. */
	uint64_t offload[VMX_OFFLOAD_REASON_COUNT];
};

struct vmx_watch {
	struct vmx_vcpu *vmx;
	unsigned cpu;            /* the vCPU it watches: events carry it */
	const struct x86_intercept_ops *inner;
	struct vmx_observer observers[VMX_WATCH_MAX_OBSERVERS];
	unsigned nr_observers;
	struct vmx_watch_vmcs vmcs[VMX_WATCH_MAX_VMCS];
	uint64_t entry_insn;     /* insn_count at the last VM entry */
	uint64_t entries, exits, entry_failures;
	bool offload;            /* count placements at VM entries (--verbose) */
	/* --vmx-check: one line per hypervisor bug found (NULL: off). */
	void (*check)(void *opaque, const char *line);
	void *check_opaque;
	struct vmx_check vmx_check;   /* the detectors' state (vmx_check.c) */
	/* Every successful VMWRITE: the field's encoding and the VMCS (the
	 * GDB stub's `monitor vmcs-watch`; NULL: nobody asks). */
	void (*vmwrite)(void *opaque, uint32_t encoding, uint64_t vmcs);
	void *vmwrite_opaque;
};

extern const struct x86_intercept_ops vmx_watch_ops;

void vmx_watch_init(struct vmx_watch *w, struct vmx_vcpu *vmx);
/* Returns false when all observer slots are taken. */
bool vmx_watch_add_observer(struct vmx_watch *w, const struct vmx_observer *o);
/* --vmx-check: the line to w->check, the event to the observers (trace). */
void vmx_watch_report(struct vmx_watch *w, const struct vmx_trace_event *ev,
		      const char *line);
const struct vmx_watch_vmcs *vmx_watch_find(const struct vmx_watch *w, uint64_t gpa);

#endif
