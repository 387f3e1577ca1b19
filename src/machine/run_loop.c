// SPDX-License-Identifier: MIT
/*
 * The run loop: the vCPU runs in its own thread; the main thread sits in a
 * libev loop that turns SIGINT/SIGTERM and --timeout into a stop request,
 * has serial output written periodically, and wakes up (ev_async) when the
 * vCPU thread's run() returns.
 *
 * The loop never waits for anything the guest controls: serial output is
 * written by the UART's own thread; only the vCPU thread waits for it (for
 * room in the ring, and for the last bytes at the end of the run), and
 * every stop request wakes those waits (machine_kick_vcpu()).
 */
#include "machine/gdb_target.h"
#include "machine/host_clock.h"
#include "machine/machine.h"
#include "machine/pc_serial.h"
#include "machine/snap_machine.h"

#include "machine/monitor_cmds.h"
#include "monitor/trace.h"
#include "monitor/trace_json.h"
#include "vmx/vmx_api.h"

#include <ev.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SERIAL_FLUSH_INTERVAL 0.1   /* seconds */
/* After a stop from outside (signal, --timeout, quit): how long the last
 * serial output may take to reach a reader before it is given up. */
#define SERIAL_DRAIN_ON_STOP 0.3   /* seconds */

/* --trace=vmx of one vCPU: its lines or its tracks in --trace-out. */
struct vcpu_trace {
	struct machine *m;
	unsigned k;
	struct trace_json json;
};

struct run_ctx {
	struct machine *m;
	struct ev_loop *loop;
	ev_async done;
	ev_signal sigint, sigterm, sigusr1;
	ev_timer timeout, flush;
	unsigned signals;
	struct vcpu_trace trace[MACHINE_MAX_CPUS];
};

/* On the vCPU thread, so the loop still handles signals meanwhile: the
 * guest's last output reaches the reader, unless the run was stopped from
 * outside and the reader does not read (then it is given up, reported). */
static void drain_serial(struct machine *m)
{
	int cause;
	bool outside;
	size_t left;

	/* Unkick first: a stop requested from here on kicks the drain. */
	pc_serial_unkick(m);
	cause = atomic_load(&m->stop_cause);
	outside = cause != STOP_NONE && cause != STOP_DEBUG_EXIT;
	pc_serial_drain(m, outside ? SERIAL_DRAIN_ON_STOP : 0, &left);
	if (left && m->cfg.msg_fd >= 0)
		dprintf(m->cfg.msg_fd,
			"vmxbox: serial output: %zu bytes not written (the reader does not read)\n",
			left);
}

static void *vcpu_thread(void *arg)
{
	struct run_ctx *rc = arg;
	struct machine *m = rc->m;

	m->reason = ENGINE_EXIT_STOP;
	if (vcpu_ctl_before_first_run(m)) {
		do {
			pc_serial_unkick(m);
			m->reason = m->cfg.snap ? snap_machine_run(m)
				: machine_run_vcpus(m);
		} while (vcpu_ctl_after_run(m, m->reason));
	} else {
		vcpu_ctl_set_ended(m);
	}
	if (m->cfg.snap)
		snap_machine_run_end(m, m->reason);
	drain_serial(m);
	ev_async_send(rc->loop, &rc->done);
	return NULL;
}

static void on_done(struct ev_loop *loop, ev_async *w, int revents)
{
	ev_break(loop, EVBREAK_ALL);
}

static void on_signal(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct run_ctx *rc = w->data;
	int status = w->signum == SIGINT ? VMXBOX_EXIT_SIGINT
					 : VMXBOX_EXIT_SIGTERM;

	/* A second signal means the engine did not stop: do not hang. */
	if (++rc->signals > 1) {
		if (rc->m->cfg.msg_fd >= 0)
			dprintf(rc->m->cfg.msg_fd,
				"vmxbox: second %s, exiting without waiting for the vCPU\n",
				strsignal(w->signum));
		_exit(status);
	}
	machine_request_stop(rc->m, w->signum == SIGINT ? STOP_SIGINT
							: STOP_SIGTERM);
}

/* SIGUSR1: snapshot now (--snapshot-on=signal). */
static void on_sigusr1(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct run_ctx *rc = w->data;

	snap_machine_signal(rc->m);
}

static void on_timeout(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct run_ctx *rc = w->data;

	machine_request_stop(rc->m, STOP_TIMEOUT);
}

static void on_flush(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct run_ctx *rc = w->data;

	pc_serial_push(rc->m);
}

static void start_watchers(struct run_ctx *rc)
{
	ev_async_init(&rc->done, on_done);
	ev_async_start(rc->loop, &rc->done);
	ev_signal_init(&rc->sigint, on_signal, SIGINT);
	ev_signal_init(&rc->sigterm, on_signal, SIGTERM);
	rc->sigint.data = rc->sigterm.data = rc;
	ev_signal_start(rc->loop, &rc->sigint);
	ev_signal_start(rc->loop, &rc->sigterm);
	ev_signal_init(&rc->sigusr1, on_sigusr1, SIGUSR1);
	rc->sigusr1.data = rc;
	if (rc->m->cfg.snap)
		ev_signal_start(rc->loop, &rc->sigusr1);
	ev_timer_init(&rc->flush, on_flush, SERIAL_FLUSH_INTERVAL,
		      SERIAL_FLUSH_INTERVAL);
	rc->flush.data = rc;
	ev_timer_start(rc->loop, &rc->flush);
	if (rc->m->cfg.timeout > 0) {
		ev_timer_init(&rc->timeout, on_timeout, rc->m->cfg.timeout, 0);
		rc->timeout.data = rc;
		ev_timer_start(rc->loop, &rc->timeout);
	}
}

static void stop_watchers(struct run_ctx *rc)
{
	ev_async_stop(rc->loop, &rc->done);
	ev_signal_stop(rc->loop, &rc->sigint);
	ev_signal_stop(rc->loop, &rc->sigterm);
	ev_signal_stop(rc->loop, &rc->sigusr1);
	ev_timer_stop(rc->loop, &rc->flush);
	if (rc->m->cfg.timeout > 0)
		ev_timer_stop(rc->loop, &rc->timeout);
}

/* Start the vCPU thread with SIGINT/SIGTERM blocked, so the signals are
 * always delivered to the event-loop thread. */
static int start_vcpu(struct run_ctx *rc, pthread_t *tid)
{
	sigset_t block, old;
	int ret;

	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	ret = pthread_create(tid, NULL, vcpu_thread, rc);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return ret;
}

static void msg(const struct machine *m, const char *text)
{
	if (m->cfg.msg_fd >= 0)
		dprintf(m->cfg.msg_fd, "vmxbox: %s\n", text);
}

/* --trace=vmx: one line per VM entry/exit on the vCPU thread, in order;
 * with several vCPUs each line says whose ("cpu2: "). */
static void print_vmx_event(void *opaque, const struct vmx_trace_event *ev)
{
	struct vcpu_trace *t = opaque;
	struct machine *m = t->m;
	char line[256], who[16] = "";

	trace_format(ev, ev->kind == VMX_TRACE_EXIT
			 ? vmx_exit_reason_name(ev->reason & 0xffff) : NULL,
		     line, sizeof(line));
	if (m->n_cpus > 1)
		snprintf(who, sizeof(who), "cpu%u: ", t->k);
	if (m->cfg.msg_fd >= 0)
		dprintf(m->cfg.msg_fd, "vmxbox: trace: %s%s\n", who, line);
}

/* --trace=vmx: lines on stderr, or with --trace-out a trace-event file;
 * every vCPU (its own process in the file). */
static int start_traces(struct run_ctx *rc, char *err, size_t errlen)
{
	struct machine *m = rc->m;
	struct vcpu_trace *t0 = &rc->trace[0];
	int r;

	if (!m->cfg.trace_vmx || !m->vmx)
		return 0;
	if (m->cfg.trace_out) {
		r = trace_json_open(&t0->json, m->cfg.trace_out, 0);
		if (r) {
			snprintf(err, errlen, "--trace-out=%s: %s", m->cfg.trace_out,
				 strerror(-r));
			msg(m, err);
			return -1;
		}
	}
	for (unsigned k = 0; k < m->n_cpus; k++) {
		struct vcpu_trace *t = &rc->trace[k];
		struct vmx_observer o = { print_vmx_event, t };

		t->m = m;
		t->k = k;
		if (m->cfg.trace_out) {
			if (k)
				trace_json_add_vcpu(&t->json, &t0->json, k);
			o = (struct vmx_observer){ trace_json_event, &t->json };
		}
		vmx_watch_add_observer(m->cpu[k]->watch, &o);
	}
	return 0;
}

static uint64_t vcpu_insns(struct machine *m, unsigned k)
{
	return m->ops->insn_count ? m->ops->insn_count(m->cpu[k]->eng) : 0;
}

static void finish_traces(struct run_ctx *rc)
{
	struct machine *m = rc->m;
	char line[PATH_MAX + 64];
	int r;

	if (!rc->trace[0].json.f)
		return;
	/* Timestamps are each vCPU's own instruction count. */
	for (unsigned k = 1; k < m->n_cpus; k++)
		trace_json_end_vcpu(&rc->trace[k].json, vcpu_insns(m, k));
	r = trace_json_close(&rc->trace[0].json, vcpu_insns(m, 0));
	if (r) {
		snprintf(line, sizeof(line), "--trace-out=%s: %s", m->cfg.trace_out,
			 strerror(-r));
		msg(m, line);
	}
}

/* --smp: scheduler turns and VMPTRLDs of a VMCS active elsewhere. */
static void report_smp(const struct machine *m)
{
	uint64_t shared = 0;
	char line[256];
	int n;

	n = snprintf(line, sizeof(line), "%u vCPUs, %llu scheduler turns",
		     m->n_cpus, (unsigned long long)m->sched.switches);
	if (m->vmx) {
		for (unsigned k = 0; k < m->n_cpus; k++)
			shared += vmx_shared_vmcs_loads(m->cpu[k]->vmx);
		snprintf(line + n, sizeof(line) - (size_t)n,
			 "; VMPTRLDs of a VMCS active on another vCPU: %llu%s",
			 (unsigned long long)shared,
			 shared ? " (SDM 25.11.1: VMCLEAR it there first)" : "");
	}
	msg(m, line);
}

/* Per VMCS: where its VM entries would have placed L2 on upstream KVM
 * (docs/kvm.md "L2 offload: placement"), counted by the VMX watcher. */
static void report_offload(const struct machine *m)
{
	char line[1024];

	for (unsigned k = 0; m->vmx && k < m->n_cpus; k++) {
		const struct vmx_watch *w = m->cpu[k]->watch;

		for (unsigned i = 0; i < VMX_WATCH_MAX_VMCS; i++) {
			const struct vmx_watch_vmcs *s = &w->vmcs[i];
			size_t n;

			if (!s->entries)
				continue;
			n = (size_t)snprintf(line, sizeof(line),
				"L2 offload on upstream KVM: vCPU %u VMCS 0x%llx: "
				"%llu VM entries, %llu to kvm", k,
				(unsigned long long)s->gpa,
				(unsigned long long)s->entries,
				(unsigned long long)s->offload[VMX_OFFLOAD_NONE]);
			for (unsigned r = 1; r < VMX_OFFLOAD_REASON_COUNT &&
			     n < sizeof(line); r++)
				if (s->offload[r])
					n += (size_t)snprintf(line + n, sizeof(line) - n,
						"; interp for %s: %llu",
						vmx_offload_reason_name(r),
						(unsigned long long)s->offload[r]);
			msg(m, line);
		}
	}
}

static void report_verbose(const struct machine *m, int status)
{
	char line[512];

	snprintf(line, sizeof(line),
		 "engine %s: %llu instructions in %.3f s, exit status %d, "
		 "serial %llu bytes",
		 m->ops->name, (unsigned long long)m->insns, m->seconds, status,
		 (unsigned long long)m->uart.bytes_out);
	msg(m, line);
	if (m->ops->describe) {
		m->ops->describe(m->eng, line, sizeof(line));
		msg(m, line);
	}
	snprintf(line, sizeof(line),
		 "unhandled port I/O: %llu reads, %llu writes ignored%s",
		 (unsigned long long)m->pio.unhandled_reads,
		 (unsigned long long)m->pio.unhandled_writes,
		 m->pio.unhandled_reads + m->pio.unhandled_writes ? "" : " (none)");
	msg(m, line);
	if (m->pio.unhandled_reads + m->pio.unhandled_writes) {
		snprintf(line, sizeof(line), "last unhandled port 0x%llx",
			 (unsigned long long)m->pio.last_unhandled_addr);
		msg(m, line);
	}
	if (m->pio.probes) {
		snprintf(line, sizeof(line),
			 "port I/O probes of absent devices (COM2-COM4): %llu (all-ones, as on QEMU)",
			 (unsigned long long)m->pio.probes);
		msg(m, line);
	}
	if (m->n_cpus > 1)
		report_smp(m);
	report_offload(m);
	snprintf(line, sizeof(line),
		 "unhandled MMIO: %llu reads, %llu writes ignored",
		 (unsigned long long)m->mmio.unhandled_reads,
		 (unsigned long long)m->mmio.unhandled_writes);
	msg(m, line);
	if (m->ops->tlb_stats) {
		uint64_t hits = 0, misses = 0;

		m->ops->tlb_stats(m->eng, &hits, &misses);
		snprintf(line, sizeof(line),
			 "tlb (%s): %llu hits, %llu misses, hit rate %.2f%%",
			 m->cfg.tlb_flush_always ? "flush-always" : "exact",
			 (unsigned long long)hits, (unsigned long long)misses,
			 hits + misses ? 100.0 * (double)hits / (double)(hits + misses) : 0.0);
		msg(m, line);
	}
}

int machine_run(struct machine *m)
{
	struct run_ctx rc = { .m = m, .loop = ev_default_loop(EVFLAG_AUTO) };
	char reason[400];
	pthread_t tid;
	double t0;
	int status;

	if (!rc.loop) {
		msg(m, "cannot create the event loop");
		return VMXBOX_EXIT_INTERNAL;
	}
	if (machine_monitor_start(m, rc.loop, reason, sizeof(reason)) < 0) {
		msg(m, reason);
		return VMXBOX_EXIT_USAGE;
	}
	if (machine_gdb_start(m, rc.loop, reason, sizeof(reason)) < 0) {
		msg(m, reason);
		machine_monitor_stop(m);
		return VMXBOX_EXIT_USAGE;
	}
	if (start_traces(&rc, reason, sizeof(reason)))
		return VMXBOX_EXIT_USAGE;
	start_watchers(&rc);
	/* After the watchers: seeing this line means signals are handled. */
	if (m->cfg.verbose && !m->cfg.firmware) {
		/* vmxbox restore: the state comes from a snapshot, no image. */
		snprintf(reason, sizeof(reason),
			 "resuming the restored machine: %llu MiB RAM, engine %s (%s)",
			 (unsigned long long)(m->mem.size >> 20), m->ops->name,
			 m->engine_why);
		msg(m, reason);
	} else if (m->cfg.verbose) {
		snprintf(reason, sizeof(reason),
			 "booting %s (%s): entry 0x%llx, image [0x%llx, 0x%llx), %llu MiB RAM, engine %s (%s)",
			 m->cfg.firmware, image_kind_name(m->img_kind),
			 (unsigned long long)m->img.entry,
			 (unsigned long long)m->img.start,
			 (unsigned long long)m->img.end,
			 (unsigned long long)(m->mem.size >> 20), m->ops->name,
			 m->engine_why);
		msg(m, reason);
	}
	t0 = host_monotonic_seconds();
	if (start_vcpu(&rc, &tid)) {
		stop_watchers(&rc);
		msg(m, "cannot start the vCPU thread");
		return VMXBOX_EXIT_INTERNAL;
	}
	ev_run(rc.loop, 0);
	pthread_join(tid, NULL);
	stop_watchers(&rc);
	machine_monitor_stop(m);
	m->seconds = host_monotonic_seconds() - t0;
	finish_traces(&rc);

	if (m->ops->get_state)
		machine_final_state(m, &m->final_state);
	m->insns = machine_insn_count(m);
	status = machine_outcome(m, reason, sizeof(reason));
	machine_gdb_finish(m, status);
	if (reason[0])
		msg(m, reason);
	if (m->cfg.verbose)
		report_verbose(m, status);
	return status;
}
