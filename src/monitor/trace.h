/* SPDX-License-Identifier: MIT */
/*
 * VMX trace events and the lock-free single-producer/single-consumer ring
 * that carries them from the vCPU thread to the event loop.  The vCPU never
 * blocks on it: when the ring is full the event is dropped and counted, so
 * a slow monitor client can never stall the guest.
 */
#ifndef VMXBOX_MONITOR_TRACE_H
#define VMXBOX_MONITOR_TRACE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum vmx_trace_kind {
	VMX_TRACE_ENTRY,        /* successful VM entry (launch or resume) */
	VMX_TRACE_EXIT,         /* VM exit to L1 */
	VMX_TRACE_ENTRY_FAIL,   /* VMfailValid or entry-failure exit */
	VMX_TRACE_CHECK,        /* a --vmx-check report (reason: the kind) */
};

/* What a VMX_TRACE_CHECK event reports (docs/vmx-check.md). */
enum vmx_check_kind {
	VMX_CHECK_STALE_TRANSLATION,
	VMX_CHECK_UNSUPPORTED_FIELD,
	VMX_CHECK_VMRESUME_CLEAR,
	VMX_CHECK_AFTER_VMCLEAR,
	VMX_CHECK_TWO_PROCESSORS,
	VMX_CHECK_REGION_WRITE,
	VMX_CHECK_EXIT_INFO,
	VMX_CHECK_KIND_COUNT
};
/* "stale-translation", ...; NULL when out of range. */
const char *vmx_check_kind_name(unsigned kind);

struct vmx_trace_event {
	uint8_t kind;           /* enum vmx_trace_kind */
	bool launch;            /* ENTRY: VMLAUNCH (else VMRESUME) */
	uint16_t cpu;           /* the vCPU's index (its APIC ID, docs/smp.md) */
	uint32_t reason;        /* EXIT/ENTRY_FAIL: basic exit reason or VM-instruction error */
	uint64_t qualification;
	uint64_t guest_rip;     /* L2 RIP at the exit / entry; CHECK: L1/L2 RIP */
	uint64_t vmcs;          /* guest-physical address of the current VMCS */
	uint64_t insn_count;    /* engine instruction count at the event */
};

/* Observer the VMX core calls for every entry/exit (may be NULL). */
struct vmx_observer {
	void (*event)(void *opaque, const struct vmx_trace_event *ev);
	void *opaque;
};

#define TRACE_RING_SIZE 4096   /* power of two */

struct trace_ring {
	_Atomic uint64_t head;   /* next slot the producer writes */
	_Atomic uint64_t tail;   /* next slot the consumer reads */
	_Atomic uint64_t dropped;
	struct vmx_trace_event ev[TRACE_RING_SIZE];
};

void trace_ring_init(struct trace_ring *r);
/* Producer side (one thread).  False when full (event dropped, counted). */
bool trace_ring_push(struct trace_ring *r, const struct vmx_trace_event *ev);
/* Consumer side (one thread).  False when empty. */
bool trace_ring_pop(struct trace_ring *r, struct vmx_trace_event *ev);

/* One human-readable line, e.g.
 * "vmexit  vmcs=0x201000 reason=10 CPUID qual=0x0 rip=0x401000 insn=1234".
 * reason_name may be NULL. */
void trace_format(const struct vmx_trace_event *ev, const char *reason_name,
		  char *buf, size_t len);

#endif
