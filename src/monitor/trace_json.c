// SPDX-License-Identifier: MIT
/* VMX trace events -> Chrome trace-event JSON (trace_json.h). */
#include "monitor/trace_json.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "vmx/vmcs_decode.h"

/* Timestamps are microseconds in the format; one instruction = 1 ns. */
static void put_ts(FILE *f, const char *key, uint64_t insns)
{
	fprintf(f, "\"%s\":%" PRIu64 ".%03u", key, insns / 1000,
		(unsigned)(insns % 1000));
}

static void begin(struct trace_json *t)
{
	fputs(t->file->events++ ? ",\n" : "\n", t->f);
}

static void thread_name(struct trace_json *t, unsigned tid, const char *name)
{
	begin(t);
	fprintf(t->f, "{\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":%u,"
		"\"tid\":%u,\"args\":{\"name\":\"%s\"}}", t->vcpu, tid, name);
}

/* The track of a VMCS, created (and named) at its first event. */
static unsigned track_of(struct trace_json *t, uint64_t vmcs)
{
	char name[64];

	for (unsigned i = 0; i < t->n_vmcs; i++)
		if (t->vmcs[i] == vmcs)
			return i + 1;
	if (t->n_vmcs == TRACE_JSON_MAX_VMCS)
		return TRACE_JSON_MAX_VMCS;   /* the last track takes the rest */
	t->vmcs[t->n_vmcs++] = vmcs;
	snprintf(name, sizeof(name), "L2, VMCS 0x%" PRIx64, vmcs);
	thread_name(t, t->n_vmcs, name);
	return t->n_vmcs;
}

/* The vCPU's process and its L1 track. */
static void process(struct trace_json *t)
{
	char name[32];

	snprintf(name, sizeof(name), "vCPU %u", t->vcpu);
	begin(t);
	fprintf(t->f, "{\"ph\":\"M\",\"name\":\"process_name\",\"pid\":%u,"
		"\"args\":{\"name\":\"%s\"}}", t->vcpu, name);
	thread_name(t, 0, "L1 (VMX root)");
}

int trace_json_open(struct trace_json *t, const char *path, unsigned vcpu)
{
	memset(t, 0, sizeof(*t));
	t->vcpu = vcpu;
	t->file = t;
	t->f = fopen(path, "w");
	if (!t->f)
		return -errno;
	fputs("{\"displayTimeUnit\":\"ns\",\"otherData\":{\"producer\":\"vmxbox\","
	      "\"clock\":\"virtual: 1 guest instruction = 1 ns\"},\n"
	      "\"traceEvents\":[", t->f);
	process(t);
	return 0;
}

void trace_json_add_vcpu(struct trace_json *t, struct trace_json *t0,
			 unsigned vcpu)
{
	memset(t, 0, sizeof(*t));
	t->vcpu = vcpu;
	t->file = t0;
	t->f = t0->f;
	process(t);
}

/* cat "L2": a run that ended in a VM exit; "L2-open": still running when
 * the trace ended (no exit reason). */
static void l2_run(struct trace_json *t, const struct vmx_trace_event *ev,
		   const char *name, const char *cat, const char *qual_text)
{
	unsigned tid = track_of(t, ev->vmcs);   /* may name a new track */

	begin(t);
	fprintf(t->f, "{\"ph\":\"X\",\"name\":\"%s\",\"cat\":\"%s\",\"pid\":%u,"
		"\"tid\":%u,", name, cat, t->vcpu, tid);
	put_ts(t->f, "ts", t->entry_insn);
	fputc(',', t->f);
	put_ts(t->f, "dur", ev->insn_count - t->entry_insn);
	fprintf(t->f, ",\"args\":{\"vmcs\":\"0x%" PRIx64 "\",\"entry\":\"%s\","
		"\"entry_rip\":\"0x%" PRIx64 "\",\"exit_reason\":%u,"
		"\"qualification\":\"0x%" PRIx64 "\",\"decoded\":\"%s\","
		"\"exit_rip\":\"0x%" PRIx64 "\",\"l2_insns\":%" PRIu64 "}}",
		ev->vmcs, t->entry_launch ? "VMLAUNCH" : "VMRESUME",
		t->entry_rip, ev->reason, ev->qualification, qual_text,
		ev->guest_rip, ev->insn_count - t->entry_insn);
}

static void entry_failure(struct trace_json *t, const struct vmx_trace_event *ev)
{
	const char *err = vmx_insn_error_name(ev->reason);

	begin(t);
	fprintf(t->f, "{\"ph\":\"i\",\"s\":\"t\",\"name\":\"VM entry failed\","
		"\"cat\":\"L1\",\"pid\":%u,\"tid\":0,", t->vcpu);
	put_ts(t->f, "ts", ev->insn_count);
	fprintf(t->f, ",\"args\":{\"vmcs\":\"0x%" PRIx64 "\",\"reason\":%u,"
		"\"error\":\"%s\"}}", ev->vmcs, ev->reason, err ? err : "");
}

/* A --vmx-check report: an instant event on L1's track. */
static void check_report(struct trace_json *t, const struct vmx_trace_event *ev)
{
	const char *kind = vmx_check_kind_name(ev->reason);

	begin(t);
	fprintf(t->f, "{\"ph\":\"i\",\"s\":\"t\",\"name\":\"vmx-check: %s\","
		"\"cat\":\"vmx-check\",\"pid\":%u,\"tid\":0,",
		kind ? kind : "?", t->vcpu);
	put_ts(t->f, "ts", ev->insn_count);
	fprintf(t->f, ",\"args\":{\"vmcs\":\"0x%" PRIx64 "\",\"rip\":\"0x%"
		PRIx64 "\",\"detail\":\"0x%" PRIx64 "\"}}", ev->vmcs,
		ev->guest_rip, ev->qualification);
}

void trace_json_event(void *opaque, const struct vmx_trace_event *ev)
{
	struct trace_json *t = opaque;
	const char *name;
	char qual[256];

	switch (ev->kind) {
	case VMX_TRACE_ENTRY:
		t->in_l2 = true;
		t->entry_insn = ev->insn_count;
		t->entry_rip = ev->guest_rip;
		t->entry_vmcs = ev->vmcs;
		t->entry_launch = ev->launch;
		break;
	case VMX_TRACE_EXIT:
		if (!t->in_l2)
			break;
		name = vmx_exit_reason_name(ev->reason & EXIT_REASON_BASIC_MASK);
		vmx_exit_qual_decode(qual, sizeof(qual), ev->reason, 0,
				     ev->qualification);
		l2_run(t, ev, name ? name : "exit", "L2", qual);
		t->in_l2 = false;
		break;
	case VMX_TRACE_ENTRY_FAIL:
		entry_failure(t, ev);
		break;
	case VMX_TRACE_CHECK:
		check_report(t, ev);
		break;
	}
}

void trace_json_end_vcpu(struct trace_json *t, uint64_t end_insn)
{
	if (t->f && t->in_l2) {
		/* The run ended inside an L2: show the span up to the end. */
		struct vmx_trace_event ev = {
			.kind = VMX_TRACE_EXIT, .insn_count = end_insn,
			.vmcs = t->entry_vmcs,
		};

		l2_run(t, &ev, "L2 (running at the end)", "L2-open", "");
		t->in_l2 = false;
	}
}

int trace_json_close(struct trace_json *t, uint64_t end_insn)
{
	int err = 0;

	if (!t->f)
		return 0;
	trace_json_end_vcpu(t, end_insn);
	fputs("\n]}\n", t->f);
	if (ferror(t->f))
		err = -EIO;
	if (fclose(t->f) && !err)
		err = -errno;
	t->f = NULL;
	return err;
}
