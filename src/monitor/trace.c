// SPDX-License-Identifier: MIT
#include "monitor/trace.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

void trace_ring_init(struct trace_ring *r)
{
	atomic_init(&r->head, 0);
	atomic_init(&r->tail, 0);
	atomic_init(&r->dropped, 0);
}

bool trace_ring_push(struct trace_ring *r, const struct vmx_trace_event *ev)
{
	uint64_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
	uint64_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);

	if (head - tail >= TRACE_RING_SIZE) {
		atomic_fetch_add_explicit(&r->dropped, 1, memory_order_relaxed);
		return false;
	}
	r->ev[head & (TRACE_RING_SIZE - 1)] = *ev;
	atomic_store_explicit(&r->head, head + 1, memory_order_release);
	return true;
}

bool trace_ring_pop(struct trace_ring *r, struct vmx_trace_event *ev)
{
	uint64_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
	uint64_t head = atomic_load_explicit(&r->head, memory_order_acquire);

	if (tail == head)
		return false;
	*ev = r->ev[tail & (TRACE_RING_SIZE - 1)];
	atomic_store_explicit(&r->tail, tail + 1, memory_order_release);
	return true;
}

void trace_format(const struct vmx_trace_event *ev, const char *reason_name,
		  char *buf, size_t len)
{
	switch (ev->kind) {
	case VMX_TRACE_ENTRY:
		snprintf(buf, len, "vmentry vmcs=0x%" PRIx64 " %s rip=0x%" PRIx64
			 " insn=%" PRIu64, ev->vmcs,
			 ev->launch ? "launch" : "resume", ev->guest_rip,
			 ev->insn_count);
		break;
	case VMX_TRACE_EXIT:
		snprintf(buf, len, "vmexit  vmcs=0x%" PRIx64 " reason=%u %s qual=0x%"
			 PRIx64 " rip=0x%" PRIx64 " insn=%" PRIu64, ev->vmcs,
			 ev->reason & 0xffff, reason_name ? reason_name : "?",
			 ev->qualification, ev->guest_rip, ev->insn_count);
		break;
	case VMX_TRACE_CHECK:
		snprintf(buf, len, "vmx-check vmcs=0x%" PRIx64 " %s rip=0x%"
			 PRIx64 " detail=0x%" PRIx64 " insn=%" PRIu64, ev->vmcs,
			 vmx_check_kind_name(ev->reason) ?
			 vmx_check_kind_name(ev->reason) : "?",
			 ev->guest_rip, ev->qualification, ev->insn_count);
		break;
	default:
		snprintf(buf, len, "vmentry-fail vmcs=0x%" PRIx64 " reason=%u %s qual=0x%"
			 PRIx64 " insn=%" PRIu64, ev->vmcs, ev->reason,
			 reason_name ? reason_name : "?", ev->qualification,
			 ev->insn_count);
		break;
	}
}

static const char *const check_kind_names[VMX_CHECK_KIND_COUNT] = {
	[VMX_CHECK_STALE_TRANSLATION] = "stale-translation",
	[VMX_CHECK_UNSUPPORTED_FIELD] = "unsupported-field",
	[VMX_CHECK_VMRESUME_CLEAR] = "vmresume-clear",
	[VMX_CHECK_AFTER_VMCLEAR] = "used-after-vmclear",
	[VMX_CHECK_TWO_PROCESSORS] = "two-processors",
	[VMX_CHECK_REGION_WRITE] = "vmcs-region-write",
	[VMX_CHECK_EXIT_INFO] = "exit-info-undefined",
};

const char *vmx_check_kind_name(unsigned kind)
{
	return kind < VMX_CHECK_KIND_COUNT ? check_kind_names[kind] : NULL;
}
