// SPDX-License-Identifier: MIT
/*
 * The KVM_RUN loop: port I/O and MMIO exits go to the same buses the
 * interpreter uses, HLT/shutdown/internal errors become the engine exits
 * the machine turns into outcomes, latched events are injected when the
 * guest can take them, and guest accesses to the VMX MSRs hand the vCPU
 * to the interpreter.
 */
#include "engine/kvm/kvm_eng.h"

#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>

#include "engine/kvm/kvm_state.h"

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static enum engine_exit_reason __attribute__((format(printf, 3, 4)))
fail(struct engine_exit *out, enum engine_exit_reason r, const char *fmt, ...)
{
	va_list ap;

	if (out) {
		out->reason = r;
		va_start(ap, fmt);
		vsnprintf(out->msg, sizeof(out->msg), fmt, ap);
		va_end(ap);
	}
	return r;
}

/* Write the OUT items left in out_retry; false while a device still
 * asks for a retry. */
static bool flush_out_retry(struct kvm_eng *k)
{
	struct kvm_out_retry *o = &k->out_retry;

	for (; o->done < o->count; o->done++) {
		uint64_t v = 0;

		memcpy(&v, o->data + (size_t)o->done * o->size, o->size);
		if (!io_bus_write(k->cfg.pio, o->port, o->size, v))
			return false;
	}
	o->count = o->done = 0;
	return true;
}

static void do_io(struct kvm_eng *k)
{
	struct kvm_run *run = k->run;
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	size_t bytes = (size_t)run->io.count * run->io.size;

	k->n.io++;
	k->need_completion = true;
	if (run->io.direction == KVM_EXIT_IO_OUT) {
		struct kvm_out_retry *o = &k->out_retry;

		if (bytes > sizeof(o->data))
			bytes = sizeof(o->data);
		o->port = run->io.port;
		o->size = run->io.size;
		o->count = (uint32_t)(bytes / run->io.size);
		o->done = 0;
		memcpy(o->data, data, bytes);
		flush_out_retry(k);
		return;
	}
	for (uint32_t i = 0; i < run->io.count; i++, data += run->io.size) {
		uint64_t v = io_bus_read(k->cfg.pio, run->io.port, run->io.size);

		memcpy(data, &v, run->io.size);
	}
}

static void do_mmio(struct kvm_eng *k)
{
	struct kvm_run *run = k->run;
	uint64_t v = 0;
	unsigned len = run->mmio.len > 8 ? 8 : run->mmio.len;

	k->n.mmio++;
	if (run->mmio.is_write) {
		memcpy(&v, run->mmio.data, len);
		io_bus_write(k->cfg.mmio, run->mmio.phys_addr, len, v);
	} else {
		v = io_bus_read(k->cfg.mmio, run->mmio.phys_addr, len);
		memcpy(run->mmio.data, &v, len);
	}
	k->need_completion = true;
}

void kvm_complete_pending(struct kvm_eng *k)
{
	if (!k->need_completion)
		return;
	k->run->immediate_exit = 1;
	ioctl(k->vcpu_fd, KVM_RUN, 0);
	k->run->immediate_exit = 0;
	k->need_completion = false;
}

/* KVM_GUESTDBG_SINGLESTEP on or off (only when it changes). */
static int set_stepping(struct kvm_eng *k, bool on)
{
	struct kvm_guest_debug dbg = {
		.control = on ? KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP : 0,
	};

	if (k->stepping == on)
		return 0;
	if (ioctl(k->vcpu_fd, KVM_SET_GUEST_DEBUG, &dbg) < 0)
		return -1;
	k->stepping = on;
	/* While stepping, each exit brings RIP and the segments (step_hlt). */
	k->run->kvm_valid_regs = on ? KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS : 0;
	return 0;
}

/* INIT outside VMX operation (KVM never runs VMX): the INIT state, SDM
 * 10.1.1 Table 10-1, as the interpreter takes it. */
static int take_init(struct kvm_eng *k)
{
	struct cpu_state s;
	char why[160];

	kvm_store_state(k, &s);
	cpu_state_init_signal(&s);
	s.init_pending = false;
	k->shadow = s;
	k->halted = false;
	return kvm_load_state(k, &s, why, sizeof(why));
}

/*
 * KVM says so at each exit.  A vCPU halted by vmxbox (step_hlt) has no
 * shadow and nothing being delivered; it takes the interrupt when IF is
 * set.
 */
static bool can_take_interrupt(struct kvm_eng *k)
{
	struct kvm_regs r;

	if (!k->halted)
		return k->run->ready_for_interrupt_injection && k->run->if_flag;
	return ioctl(k->vcpu_fd, KVM_GET_REGS, &r) == 0 && (r.rflags & RFLAGS_IF);
}

/* The interrupt controller asserts INTR (core/cpu_intc.h). */
static bool intr_asserted(const struct kvm_eng *k)
{
	return k->cfg.intc.ops && k->cfg.intc.ops->pending(k->cfg.intc.opaque) >= 0;
}

/*
 * Latched events: INIT first, then NMI (KVM queues it and honours NMI
 * blocking), then the external interrupt once the guest can take it
 * (KVM_INTERRUPT needs ready_for_interrupt_injection and IF; otherwise
 * ask for an interrupt-window exit).  A halted vCPU wakes on an
 * interrupt it can take (SDM Vol. 2A HLT); RIP is already past the HLT.
 */
static int inject_events(struct kvm_eng *k)
{
	struct kvm_run *run = k->run;
	struct cpu_state *sh = &k->shadow;

	if (sh->init_pending && take_init(k))
		return -1;
	if (sh->nmi_pending) {
		if (ioctl(k->vcpu_fd, KVM_NMI) < 0)
			return -1;
		sh->nmi_pending = false;
		k->halted = false;
	}
	run->request_interrupt_window = 0;
	k->intr_waiting = false;
	if (!intr_asserted(k))
		return 0;
	if (can_take_interrupt(k)) {
		/* The INTA cycle: the vector leaves IRR for ISR now, as when
		 * the interpreter takes it through the IDT. */
		struct kvm_interrupt irq = {
			.irq = (uint32_t)k->cfg.intc.ops->ack(k->cfg.intc.opaque),
		};

		if (ioctl(k->vcpu_fd, KVM_INTERRUPT, &irq) < 0)
			return -1;
		k->halted = false;
	} else {
		run->request_interrupt_window = 1;
		k->intr_waiting = true;
	}
	return 0;
}

/*
 * An interrupt is waiting for IF or the end of an interrupt shadow.  The
 * software KVM measured here never reports the interrupt window it was
 * asked for (docs/kvm.md), so the vCPU single-steps until KVM says the
 * guest can take the interrupt: correct on any KVM, exact in the count.
 */
static bool waiting_for_window(const struct kvm_eng *k)
{
	return k->intr_waiting;
}

/*
 * Halted: an interrupt it can take wakes it (inject_events); with IF set
 * it waits for the next timer deadline (kvm_clock.c), which may raise
 * one.  True: nothing can wake it, the machine decides.
 */
static bool stays_halted(struct kvm_eng *k)
{
	struct kvm_regs r;

	if (!k->halted)
		return false;
	if (ioctl(k->vcpu_fd, KVM_GET_REGS, &r) < 0 || !(r.rflags & RFLAGS_IF))
		return true;
	if (intr_asserted(k))
		return false;
	return !kvm_clock_idle_wait(k);
}

static uint64_t limit_left(const struct kvm_eng *k)
{
	uint64_t c = kvm_count(k);

	return k->max_insns > c ? k->max_insns - c : 0;
}

/* Single-step near a limit or while an interrupt waits for its window;
 * free-running, a timer kicks the vCPU when the estimate reaches the step
 * window or the clock's next deadline. */
static int prepare_limit(struct kvm_eng *k)
{
	uint64_t left = limit_left(k);
	bool near = k->max_insns && left <= KVM_STEP_WINDOW;

	uint64_t kick = kvm_clock_ns_to_deadline(k);

	if (set_stepping(k, near || waiting_for_window(k)))
		return -1;
	if (k->max_insns && !near &&
	    (left - KVM_STEP_WINDOW) * KVM_NS_PER_INSN < kick)
		kick = (left - KVM_STEP_WINDOW) * KVM_NS_PER_INSN;
	if (!k->stepping && kick != UINT64_MAX)
		kvm_arm_timer(k, kick);
	k->timer_armed = kick != UINT64_MAX;
	return 0;
}

static enum engine_exit_reason shutdown_exit(struct kvm_eng *k,
					     struct engine_exit *out)
{
	struct cpu_state s;

	kvm_store_state(k, &s);
	if (kvm_insn_sets_vmxe(&s, k->cfg.mem))
		return kvm_hand_over(k,
			"the guest set CR4.VMXE before reading IA32_FEATURE_CONTROL "
			"or IA32_VMX_BASIC; KVM raised #GP there and the guest "
			"had no handler, so the interpreter runs it from that MOV to CR4",
			out);
	return fail(out, ENGINE_EXIT_SHUTDOWN, "on kvm");
}

static enum engine_exit_reason internal_error(struct kvm_eng *k,
					      struct engine_exit *out)
{
	static const char *const sub[] = {
		[KVM_INTERNAL_ERROR_EMULATION] = "emulation failure",
		[KVM_INTERNAL_ERROR_SIMUL_EX] = "exception while delivering an exception",
		[KVM_INTERNAL_ERROR_DELIVERY_EV] = "exit while delivering an event",
		[KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON] = "unexpected exit reason",
	};
	uint32_t s = k->run->internal.suberror;

	if (s == KVM_INTERNAL_ERROR_EMULATION)
		return kvm_interp_one(k, "KVM could not emulate an instruction", out);
	return fail(out, ENGINE_EXIT_ERROR, "KVM internal error %u (%s)", s,
		    s < sizeof(sub) / sizeof(sub[0]) && sub[s] ? sub[s] : "unknown");
}


/*
 * An MSR KVM would refuse (#GP): the interrupt controller's (APIC base,
 * TSC deadline, x2APIC), else #GP as on the interpreter.  KVM finishes
 * the instruction at the next entry with msr.data / msr.error.
 */
static void intc_msr(struct kvm_eng *k, bool write)
{
	const struct cpu_intc *c = &k->cfg.intc;
	struct kvm_run *run = k->run;
	enum intc_msr_result r = INTC_MSR_NOT_MINE;
	uint64_t v = run->msr.data;

	if (c->ops && write)
		r = c->ops->msr_write(c->opaque, run->msr.index, kvm_guest_tsc(k), v);
	else if (c->ops)
		r = c->ops->msr_read(c->opaque, run->msr.index, kvm_guest_tsc(k), &v);
	run->msr.error = r != INTC_MSR_OK;
	if (!write && r == INTC_MSR_OK)
		run->msr.data = v;
	k->need_completion = true;
}

/* RDMSR/WRMSR exits: the filtered VMX MSRs hand over (VMX begins here),
 * the others go to the interrupt controller. */
static enum engine_exit_reason msr_exit(struct kvm_eng *k,
					struct engine_exit *out, bool write)
{
	char why[160];

	k->n.msr++;
	if (k->run->msr.reason != KVM_MSR_EXIT_REASON_FILTER ||
	    !kvm_handover_msr(k->run->msr.index)) {
		intc_msr(k, write);
		return ENGINE_EXIT_NONE;
	}
	snprintf(why, sizeof(why), "guest %s of MSR 0x%x",
		 write ? "WRMSR" : "RDMSR", k->run->msr.index);
	return kvm_hand_over(k, why, out);
}

/* One exit; ENGINE_EXIT_NONE: go on running. */
static enum engine_exit_reason dispatch(struct kvm_eng *k,
					struct engine_exit *out)
{
	struct kvm_run *run = k->run;

	/* While single-stepping, each of these retired one instruction (an
	 * I/O or MMIO exit comes instead of the step's debug exit). */
	if (k->stepping && (run->exit_reason == KVM_EXIT_DEBUG ||
			    run->exit_reason == KVM_EXIT_IO ||
			    run->exit_reason == KVM_EXIT_MMIO ||
			    run->exit_reason == KVM_EXIT_HLT))
		k->n.steps++;
	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		do_io(k);
		return ENGINE_EXIT_NONE;
	case KVM_EXIT_MMIO:
		do_mmio(k);
		return ENGINE_EXIT_NONE;
	case KVM_EXIT_DEBUG:
	case KVM_EXIT_INTR:
		return ENGINE_EXIT_NONE;
	case KVM_EXIT_IRQ_WINDOW_OPEN:
		k->n.intr_window++;
		return ENGINE_EXIT_NONE;
	case KVM_EXIT_HLT:
		k->n.hlt++;
		k->halted = true;
		return ENGINE_EXIT_NONE;
	case KVM_EXIT_X86_RDMSR:
		return msr_exit(k, out, false);
	case KVM_EXIT_X86_WRMSR:
		return msr_exit(k, out, true);
	case KVM_EXIT_SHUTDOWN:
		return shutdown_exit(k, out);
	case KVM_EXIT_INTERNAL_ERROR:
		return internal_error(k, out);
	case KVM_EXIT_FAIL_ENTRY:
		return fail(out, ENGINE_EXIT_ERROR,
			    "KVM could not enter the guest (hardware reason 0x%llx)",
			    (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
	default:
		return fail(out, ENGINE_EXIT_ERROR,
			    "unexpected KVM exit reason %u", run->exit_reason);
	}
}

/*
 * Time in KVM_RUN outside single-stepping counts as instructions, but
 * never past the start of the step window before a limit: the kick comes
 * a little late, and the last KVM_STEP_WINDOW instructions must be
 * counted one by one so that the limit is met exactly.
 */
static void count_free_run(struct kvm_eng *k, uint64_t ns)
{
	uint64_t cap, c;

	k->n.free_ns += ns;
	if (!k->max_insns || k->max_insns <= KVM_STEP_WINDOW)
		return;
	cap = k->max_insns - KVM_STEP_WINDOW;
	c = kvm_count(k);
	if (c > cap && c - cap <= k->n.free_ns / KVM_NS_PER_INSN)
		k->n.free_ns -= (c - cap) * KVM_NS_PER_INSN;
}

/*
 * A single-stepped HLT does not halt (KVM completes the step instead,
 * and the software KVM measured here halts later, at a random point):
 * while stepping, vmxbox carries out HLT itself.  RIP moves past it, the
 * interrupt shadow ends (an instruction completed) and the vCPU halts
 * until an interrupt it can take (SDM Vol. 2A HLT).  The registers come
 * with the last exit (KVM_CAP_SYNC_REGS).
 */
static bool step_hlt(struct kvm_eng *k)
{
	struct kvm_run *run = k->run;
	struct kvm_vcpu_events ev;
	struct cpu_state s;

	if (!(run->kvm_valid_regs & KVM_SYNC_X86_SREGS))
		return false;
	s = k->shadow;
	kvm_regs_to_state(&run->s.regs.regs, &s);
	kvm_sregs_to_state(&run->s.regs.sregs, &s);
	if (!kvm_insn_is_hlt(&s, k->cfg.mem) ||
	    ioctl(k->vcpu_fd, KVM_GET_VCPU_EVENTS, &ev) < 0)
		return false;
	run->s.regs.regs.rip++;
	run->kvm_dirty_regs |= KVM_SYNC_X86_REGS;
	ev.interrupt.shadow = 0;
	ev.flags = KVM_VCPUEVENT_VALID_SHADOW;
	if (ioctl(k->vcpu_fd, KVM_SET_VCPU_EVENTS, &ev) < 0)
		return false;
	k->halted = true;
	k->n.steps++;
	k->n.hlt++;
	return true;
}

/* One KVM_RUN; ENGINE_EXIT_NONE: go on. */
static enum engine_exit_reason run_once(struct kvm_eng *k,
					struct engine_exit *out)
{
	uint64_t t0, cr8 = 0;
	int ret, err;

	if (k->stepping && step_hlt(k))
		return ENGINE_EXIT_NONE;
	k->run->immediate_exit = 0;
	atomic_thread_fence(memory_order_seq_cst);
	if (atomic_load(&k->stop))
		return ENGINE_EXIT_STOP;
	/* Without an in-kernel APIC, KVM takes CR8 from kvm_run at entry and
	 * reports it at exit: the TPR lives in the interrupt controller. */
	if (k->cfg.intc.ops)
		cr8 = k->run->cr8 = k->cfg.intc.ops->cr8_read(k->cfg.intc.opaque);
	t0 = now_ns();
	ret = ioctl(k->vcpu_fd, KVM_RUN, 0);
	err = errno;
	/* Only a MOV to CR8 changes TPR[7:4] (and clears TPR[3:0]). */
	if (k->cfg.intc.ops && k->run->cr8 != cr8)
		k->cfg.intc.ops->cr8_write(k->cfg.intc.opaque, (unsigned)k->run->cr8);
	if (!k->stepping)
		count_free_run(k, now_ns() - t0);
	k->n.runs++;
	k->need_completion = false;
	if (ret < 0 && (err == EINTR || err == EAGAIN)) {
		k->n.kicks++;
		return ENGINE_EXIT_NONE;
	}
	if (ret < 0)
		return fail(out, ENGINE_EXIT_ERROR, "KVM_RUN failed: %s",
			    strerror(err));
	return dispatch(k, out);
}

enum engine_exit_reason kvm_run_loop(struct kvm_eng *k, struct engine_exit *out)
{
	enum engine_exit_reason r = ENGINE_EXIT_NONE;

	if (out) {
		out->reason = ENGINE_EXIT_NONE;
		out->msg[0] = '\0';
	}
	kvm_kick_setup(k);
	while (r == ENGINE_EXIT_NONE) {
		if (atomic_exchange(&k->stop, false)) {
			r = ENGINE_EXIT_STOP;
			break;
		}
		if (k->max_insns && kvm_count(k) >= k->max_insns) {
			r = ENGINE_EXIT_INSN_LIMIT;
			break;
		}
		kvm_clock_run_due(k);
		if (k->out_retry.count && !flush_out_retry(k)) {
			sched_yield();   /* the device is busy: stops still work */
			continue;
		}
		if (inject_events(k) || prepare_limit(k)) {
			r = fail(out, ENGINE_EXIT_ERROR,
				 "cannot inject an event or set up single-stepping: %s",
				 strerror(errno));
			break;
		}
		if (stays_halted(k)) {
			r = ENGINE_EXIT_HLT;
			break;
		}
		if (k->halted)
			continue;   /* woken by a timer, or an interrupt is due */
		r = run_once(k, out);
		if (r == ENGINE_EXIT_STOP)
			atomic_store(&k->stop, false);
	}
	if (k->timer_armed)
		kvm_arm_timer(k, 0);
	if (!atomic_load(&k->on_interp))
		kvm_complete_pending(k);
	if (out)
		out->reason = r;
	return r;
}
