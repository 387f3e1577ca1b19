/* SPDX-License-Identifier: MIT */
/*
 * VMX trace events as a Chrome trace-event JSON file (the "JSON Object
 * Format" that the Perfetto UI and chrome://tracing open): one process
 * per vCPU, on it one track for L1 and one per VMCS.  An L2 run is a
 * complete event ("X") on its VMCS's track from the VM entry to the VM
 * exit, named after the exit reason, with the exit qualification (raw and
 * decoded), guest RIP and instruction counts as arguments; failed VM
 * entries are instant events on the L1 track.
 *
 * With several vCPUs (--smp) all go into one file, each its own process.
 *
 * Time is virtual: the timestamp of an event is the vCPU's instruction
 * count at that point, shown as nanoseconds (the interpreter's TSC
 * advances with the instruction count), so the same run always gives the
 * same file.
 */
#ifndef VMXBOX_MONITOR_TRACE_JSON_H
#define VMXBOX_MONITOR_TRACE_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "monitor/trace.h"

#define TRACE_JSON_MAX_VMCS 64

struct trace_json {
	FILE *f;
	unsigned vcpu;
	uint64_t events;
	/* The one that opened f and counts its events: itself, or the
	 * first vCPU's with several vCPUs in one file. */
	struct trace_json *file;
	unsigned n_vmcs;
	uint64_t vmcs[TRACE_JSON_MAX_VMCS];   /* track i+1 is vmcs[i] */
	/* The L2 run in progress: from its VM entry. */
	bool in_l2;
	uint64_t entry_insn, entry_rip, entry_vmcs;
	bool entry_launch;
};

/* Create/truncate path and write the header.  0, or -errno. */
int trace_json_open(struct trace_json *t, const char *path, unsigned vcpu);
/* Another vCPU's tracks in the file t0 opened: process `vcpu`. */
void trace_json_add_vcpu(struct trace_json *t, struct trace_json *t0,
			 unsigned vcpu);
/* An observer callback: opaque is the struct trace_json. */
void trace_json_event(void *opaque, const struct vmx_trace_event *ev);
/* Close the vCPU's L2 run still open at the end (end_insn: its
 * instruction count); the file stays open. */
void trace_json_end_vcpu(struct trace_json *t, uint64_t end_insn);
/* trace_json_end_vcpu(), write the footer, close the file (after the
 * other vCPUs' trace_json_end_vcpu()).  0, or -errno if anything could
 * not be written. */
int trace_json_close(struct trace_json *t, uint64_t end_insn);

#endif
