// SPDX-License-Identifier: MIT
/*
 * The interpreter engine: engine_ops and the run loop.
 *
 * Per instruction the loop checks the stop flag and the instruction limit,
 * gives the VMX layer its boundary hook when it asked for one, lets the
 * system side take a pending interrupt, then decodes (decode cache) and
 * executes.  While an instruction executes, s.rip already points past it
 * and insn_rip holds its own address (see interp.h).
 *
 * Faults: a failing access longjmp()s to fault_jmp, set once per batch
 * of instructions (not per instruction: setjmp is not free).  The handler
 * rewinds RIP to the faulting instruction and the system side delivers the
 * exception.
 *
 * Time: the TSC advances by exactly one per retired instruction, so runs
 * are deterministic.  A long REP string instruction counts once per part
 * (interp_rep_cut(), interp.h).
 * The machine's virtual clock (core/vclock.h) is TSC - IA32_TSC_ADJUST,
 * the cycles since reset whatever the guest writes to either MSR: batches
 * end exactly at the next timer deadline, due timers fire at the
 * instruction boundary where virtual time reaches them, and a halted vCPU
 * jumps to the next deadline (idle_wait).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/interp/core.h"
#include "engine/interp/block.h"

#define DR6_BS (1ull << 14)

static void interp_drop_fetch(struct interp *ip)
{
	interp_fetch_drop(ip);
}

/* ---- the run loop ------------------------------------------------------ */

static void exit_with(struct interp *ip, enum engine_exit_reason r)
{
	ip->exit_reason = r;
}

/* After a fault longjmp: rewind to the faulting instruction, deliver. */
static void handle_fault(struct interp *ip)
{
	ip->in_insn = false;
	interp_flags_sync(ip);
	interp_drop_fetch(ip);
	if (ip->state_switched && !ip->s.pending_exception.valid)
		return;
	ip->s.rip = ip->insn_rip;
	if (ip->s.pending_exception.valid)
		interp_deliver_pending(ip);
}

/* Single-step trap after an instruction that began with TF=1 (SDM 17.3.1.4).
 * INT n / INT3 / INTO clear TF on the way in and do not trap. */
static void single_step_trap(struct interp *ip)
{
	ip->db_dr6 |= DR6_BS;
	ip->s.pending_exception = (struct x86_event){
		.valid = true, .type = EVT_HW_EXCEPTION, .vector = X86_DB,
	};
	interp_deliver_pending(ip);
	interp_drop_fetch(ip);
}

/* Bookkeeping after a completed instruction: count, TSC, shadows, TF. */
static void finish_slow(struct interp *ip, const struct insn *in, uint64_t tf)
{
	struct cpu_state *s = &ip->s;

	if (ip->state_switched)
		return;
	s->interruptibility = (s->interruptibility &
			       ~(INTR_BLOCK_STI | INTR_BLOCK_MOV_SS)) |
			      ip->shadow_next;
	if (tf) {
		ZydisMnemonic mn = in->zi.mnemonic;
		bool popf = mn == ZYDIS_MNEMONIC_POPF || mn == ZYDIS_MNEMONIC_POPFD ||
			    mn == ZYDIS_MNEMONIC_POPFQ;

		if ((s->rflags & RFLAGS_TF) || popf)
			single_step_trap(ip);
	}
}

/* One instruction with every per-instruction rule (TF, shadows, hooks). */
static void step(struct interp *ip)
{
	struct cpu_state *s = &ip->s;
	uint64_t tf = s->rflags & RFLAGS_TF;
	const struct insn *in;

	ip->insn_rip = s->rip;
	ip->shadow_next = 0;
	ip->state_switched = false;
	ip->in_insn = true;
	in = interp_decode(ip);
	s->rip = (ip->insn_rip + in->len) & width_mask(in->mode);
	s->rflags &= ~RFLAGS_RF;
	if (!in->lazy)
		interp_flags_sync(ip);
	in->exec(ip, in);
	interp_flags_sync(ip);
	ip->in_insn = false;
	s->insn_count++;
	s->tsc++;
	finish_slow(ip, in, tf);
}

/*
 * The fast path: a batch of instructions with none of the per-instruction
 * events possible (TF clear, no interrupt shadow, no boundary hook).  Any
 * instruction that could change that (system instructions, MOV/POP SS,
 * POPF) sets batch_break.  Batches end at absolute multiples of
 * BATCH_INSNS so pending interrupts are looked at on the same instruction
 * counts whatever the run()/restore history: runs stay deterministic.
 */
#define BATCH_INSNS 1024u

/* Virtual time now (see the top of this file). */
static uint64_t clock_read(void *opaque)
{
	return interp_vtime(opaque);
}

/* A timer was armed before every other deadline: end the batch after
 * this instruction so the next one is cut at the new deadline. */
static void clock_changed(void *opaque)
{
	struct interp *ip = opaque;

	ip->batch_break = true;
}

/* Instructions until virtual time reaches the next deadline (>= 1). */
static uint64_t insns_to_deadline(const struct interp *ip)
{
	uint64_t next, now;

	if (!ip->cfg.clock)
		return UINT64_MAX;
	next = vclock_next_deadline(ip->cfg.clock);
	now = interp_vtime(ip);
	return next > now ? next - now : 1;
}

/* Fire the timers virtual time has reached; true if any fired. */
static bool run_timers(struct interp *ip)
{
	struct vclock *c = ip->cfg.clock;
	uint64_t now;

	if (!c || vclock_next_deadline(c) > (now = interp_vtime(ip)))
		return false;
	return vclock_run_due(c, now) != 0;
}

/*
 * --clock=host: virtual time that fell behind the host clock moves
 * forward (once per batch), so guest timers keep wall-clock pace.
 */
static void host_pace(struct interp *ip)
{
	struct vclock *c = ip->cfg.clock;
	uint64_t now, target;

	if (!c || c->mode != VCLOCK_HOST)
		return;
	now = interp_vtime(ip);
	target = vclock_host_target(c, now);
	if (target > now)
		ip->s.tsc += target - now;
}

#define HOST_SLEEP_SLICE 10000000ull   /* 10 ms: stop requests stay prompt */

/*
 * A halted vCPU (HLT, or L2 in the HLT activity state) waits for the next
 * timer deadline: virtual time jumps there (--clock=host: sleeps up to it
 * in slices), the timer fires at the next boundary and may wake the vCPU.
 * Only an interrupt can end HLT, so with RFLAGS.IF = 0 and no VMX
 * boundary event armed (external-interrupt exiting, preemption timer,
 * windows) nothing a timer does can wake it: false, the run ends halted.
 * A timer that fires into a masked line is waited through like any other
 * (the vCPU stays halted until some timer wakes it or the run is stopped).
 */
/* The next deadline in virtual time: the clock's timers and the VMX
 * layer's preemption timer (a TSC value). */
static uint64_t next_wake(const struct interp *ip)
{
	uint64_t next = ip->cfg.clock ? vclock_next_deadline(ip->cfg.clock)
				      : VCLOCK_NEVER;
	uint64_t t = ip->icpt.timer_tsc;

	if (ip->icpt.boundary_wanted && t != UINT64_MAX) {
		t = t > ip->s.tsc ? interp_vtime(ip) + (t - ip->s.tsc) : interp_vtime(ip);
		if (t < next)
			next = t;
	}
	return next;
}

/* The vCPU waits: HLT, or MWAIT (cpu_state.mwait, activity active). */
static inline bool waiting(const struct cpu_state *s)
{
	return s->activity == ACTIVITY_HLT || s->mwait;
}

/* An interrupt, or a VMX boundary event, can end the wait: HLT and MWAIT
 * take one only with RFLAGS.IF = 1, unless MWAIT's ECX[0] made masked
 * interrupts break events too (SDM Vol. 2 MWAIT). */
static bool intr_can_wake(const struct interp *ip)
{
	return (ip->s.rflags & RFLAGS_IF) || (ip->s.mwait & MWAIT_INTR_BREAK) ||
	       ip->icpt.boundary_wanted;
}

static bool idle_wait(struct interp *ip)
{
	struct vclock *c = ip->cfg.clock;
	uint64_t next, now;

	if (!intr_can_wake(ip))
		return false;
	next = next_wake(ip);
	if (next == VCLOCK_NEVER)
		return false;
	now = interp_vtime(ip);
	if (next <= now)
		return true;
	if (c && c->mode == VCLOCK_HOST) {
		uint64_t target = vclock_host_target(c, now);

		if (target < next) {
			uint64_t wait = next - target;

			vclock_host_sleep(wait < HOST_SLEEP_SLICE ? wait
							    : HOST_SLEEP_SLICE);
			target = vclock_host_target(c, now);
			if (target < next) {
				if (target > now)
					ip->s.tsc += target - now;
				return true;
			}
		}
	}
	ip->s.tsc += next - now;
	return true;
}

/*
 * SMP: the vCPU is halted (HLT) or waits for a SIPI.  The machine's
 * scheduler runs the other vCPUs meanwhile and moves this one's time
 * (idle_until), so instead of jumping to the next deadline the run ends
 * with ENGINE_EXIT_HLT and the time a timer could wake it.  True: a
 * deadline is already due, look again at this boundary.
 */
static bool smp_idle(struct interp *ip)
{
	uint64_t next = VCLOCK_NEVER;

	if (waiting(&ip->s) && intr_can_wake(ip))
		next = next_wake(ip);
	if (next != VCLOCK_NEVER && next <= interp_vtime(ip))
		return true;
	ip->wake_at = next;
	exit_with(ip, ENGINE_EXIT_HLT);
	return false;
}

/*
 * MWAIT waits (sys_misc.c): until the monitored line is written (another
 * vCPU's store, seen at its next turn), an interrupt (at the boundary
 * before: it was delivered or caused a VM exit, and the wait ended
 * there), a masked interrupt with ECX[0], or time reaching a timer that
 * can raise one - like HLT.  True: look again at this boundary.
 */
static bool mwait_wait(struct interp *ip)
{
	if (interp_mwait_ended(ip)) {
		ip->s.mwait = 0;
		return true;
	}
	if (ip->cfg.smp)
		return smp_idle(ip);
	if (idle_wait(ip))
		return true;
	exit_with(ip, ENGINE_EXIT_HLT);
	return false;
}

/* Out of line: interp_run()'s setjmp would otherwise keep ip and the
 * loop's values in memory rather than registers (4 % of the ALU loop). */
static __attribute__((noinline)) void run_batch(struct interp *ip)
{
	struct cpu_state *s = &ip->s;
	uint64_t end = (s->insn_count | (BATCH_INSNS - 1)) + 1;
	uint64_t to_timer = insns_to_deadline(ip);
	const struct insn *in;
	uint64_t rip;

	if (end > ip->limit)
		end = ip->limit;
	if (to_timer < end - s->insn_count)
		end = s->insn_count + to_timer;
	s->rflags &= ~RFLAGS_RF;
	ip->shadow_next = 0;
	ip->state_switched = false;
	ip->batch_break = false;
	ip->blk_key_ok = false;
	ip->in_insn = true;
	rip = s->rip;
	ip->insn_rip = rip;
	in = interp_decode(ip);
	for (;;) {
		if (in->simple) {
			const struct insn *next = block_run(ip, &in, &rip, end);

			if (next) {
				in = next;
				if (s->insn_count >= end)
					break;
				continue;
			}
		}
		s->rip = (rip + in->len) & in->ipmask;
		if (!in->lazy)
			interp_flags_sync(ip);
		in->exec(ip, in);
		ip->blk_key_ok = false;     /* it may have changed the key */
		s->insn_count++;
		s->tsc++;
		if (ip->batch_break || s->insn_count >= end)
			break;
		/* The next instruction's own RIP first: a fault in its fetch
		 * or decode rewinds to it. */
		ip->insn_rip = s->rip;
		in = next_insn(ip, in, rip, s->rip);
		rip = ip->insn_rip;
	}
	/* Whatever runs between batches sees exact RFLAGS (lflags.h). */
	interp_flags_sync(ip);
	ip->in_insn = false;
	if (ip->batch_break)
		finish_slow(ip, in, 0);
}

/* Debugging: one instruction with the breakpoint and watchpoint
 * checks.  True: stop (ENGINE_EXIT_DEBUG). */
static bool debug_step(struct interp *ip)
{
	if (!ip->dbg_hit_valid && interp_break_here(ip)) {
		exit_with(ip, ENGINE_EXIT_DEBUG);
		return true;
	}
	ip->dbg_hit_valid = false;
	step(ip);
	if (!ip->dbg_hit_valid)
		return false;
	exit_with(ip, ENGINE_EXIT_DEBUG);
	return true;
}

static bool can_batch(const struct interp *ip)
{
	return !(ip->s.rflags & RFLAGS_TF) && !ip->icpt.boundary_wanted &&
	       !(ip->s.interruptibility & (INTR_BLOCK_STI | INTR_BLOCK_MOV_SS));
}

static bool boundary_hook(struct interp *ip)
{
	const struct x86_intercept_ops *ops = ip->cfg.icpt;
	enum icpt_result r;

	if (!ops || !ops->boundary)
		return false;
	interp_flags_sync(ip);
	ip->state_switched = false;
	r = ops->boundary(ip->cfg.icpt_opaque, &ip->icpt);
	if (r == ICPT_FAULT && ip->s.pending_exception.valid) {
		interp_deliver_pending(ip);
		r = ICPT_SWITCHED;
	}
	if (r == ICPT_SWITCHED) {
		interp_drop_fetch(ip);
		return true;
	}
	return false;
}

/* Runs instructions until exit_reason is set. */
static void run_until_exit(struct interp *ip)
{
	struct cpu_state *s = &ip->s;

	while (ip->exit_reason == ENGINE_EXIT_NONE) {
		if (atomic_load_explicit(&ip->stop, memory_order_relaxed)) {
			atomic_store(&ip->stop, false);
			exit_with(ip, ENGINE_EXIT_STOP);
			break;
		}
		/* A halted vCPU retires nothing: HLT ends the run first. */
		if (__builtin_expect(s->insn_count >= ip->limit, 0) &&
		    !waiting(s) && s->activity == ACTIVITY_ACTIVE) {
			exit_with(ip, ENGINE_EXIT_INSN_LIMIT);
			break;
		}
		/* Timers first: what they raise is taken at this boundary. */
		run_timers(ip);
		/* INIT outranks MTF, the preemption timer, NMIs and
		 * interrupts (SDM 6.9, 26.7.2). */
		if (__builtin_expect(s->init_pending, 0) &&
		    interp_take_init(ip)) {
			s->mwait = 0;
			interp_drop_fetch(ip);
			continue;
		}
		if (__builtin_expect(ip->icpt.boundary_wanted, 0) &&
		    boundary_hook(ip)) {
			s->mwait = 0;
			continue;
		}
		/* Wait-for-SIPI: only INIT and SIPI are recognised (SDM
		 * Vol. 3A 9.4.1; NMIs and interrupts stay pending). */
		if (__builtin_expect(s->activity == ACTIVITY_WAIT_SIPI, 0) &&
		    ip->cfg.smp) {
			smp_idle(ip);
			break;
		}
		if (interp_check_interrupts(ip)) {
			s->mwait = 0;
			interp_drop_fetch(ip);
			continue;
		}
		if (__builtin_expect(s->mwait, 0)) {
			if (mwait_wait(ip))
				continue;
			break;
		}
		if (__builtin_expect(s->activity != ACTIVITY_ACTIVE, 0)) {
			if (ip->cfg.smp && s->activity != ACTIVITY_SHUTDOWN) {
				if (smp_idle(ip))
					continue;
				break;
			}
			if (s->activity == ACTIVITY_HLT && idle_wait(ip))
				continue;
			exit_with(ip, s->activity == ACTIVITY_HLT ?
				  ENGINE_EXIT_HLT : ENGINE_EXIT_SHUTDOWN);
			break;
		}
		if (__builtin_expect(ip->dbg_active, 0)) {
			if (debug_step(ip))
				break;
		} else if (can_batch(ip)) {
			host_pace(ip);
			run_batch(ip);
		} else {
			step(ip);
		}
	}
}

static enum engine_exit_reason interp_run(struct engine *e,
					  struct engine_exit *out)
{
	struct interp *ip = to_interp(e);

	ip->exit_reason = ENGINE_EXIT_NONE;
	ip->exit_msg[0] = '\0';
	ip->limit = ip->max_insns ? ip->max_insns : UINT64_MAX;
	for (;;) {
		if (setjmp(ip->fault_jmp))
			handle_fault(ip);
		if (ip->exit_reason != ENGINE_EXIT_NONE)
			break;
		run_until_exit(ip);
	}
	ip->in_insn = false;
	if (out) {
		out->reason = ip->exit_reason;
		snprintf(out->msg, sizeof(out->msg), "%s", ip->exit_msg);
		out->wake_at = ip->exit_reason == ENGINE_EXIT_HLT ? ip->wake_at
								  : VCLOCK_NEVER;
		if (ip->exit_reason == ENGINE_EXIT_DEBUG) {
			out->hit = ip->dbg_hit;
			/* Reported: the next run() starts afresh. */
			ip->dbg_hit_valid = false;
			ip->dbg_skip_count = ip->s.insn_count;
			ip->dbg_skip_rip = ip->s.rip;
		}
	}
	return ip->exit_reason;
}

/* ---- engine_ops ---------------------------------------------------------- */

static bool interp_probe(char *why, size_t len)
{
	return true;
}

static void read_features(struct interp *ip)
{
	uint32_t r[4];

	cpu_model_cpuid(&ip->cfg.model, 1, 0, r);
	ip->has_cx16 = r[2] & (1u << 13);
	ip->has_popcnt = r[2] & (1u << 23);
	ip->simd_feat = simd_features(r[3], r[2]);
	cpu_model_cpuid(&ip->cfg.model, 0, 0, r);
	if (r[0] >= 7) {
		cpu_model_cpuid(&ip->cfg.model, 7, 0, r);
		ip->has_bmi1 = r[1] & (1u << 3);
	}
	cpu_model_cpuid(&ip->cfg.model, 0x80000000u, 0, r);
	if (r[0] >= 0x80000001u) {
		cpu_model_cpuid(&ip->cfg.model, 0x80000001u, 0, r);
		ip->has_lahf64 = r[2] & 1;
		ip->has_lzcnt = r[2] & (1u << 5);
	}
}

static struct engine *interp_create(const struct engine_config *cfg, char *err,
				    size_t errlen)
{
	struct interp *ip;

	if (!cfg || !cfg->mem) {
		snprintf(err, errlen, "interp: no guest memory");
		return NULL;
	}
	ip = calloc(1, sizeof(*ip));
	if (!ip) {
		snprintf(err, errlen, "interp: out of memory");
		return NULL;
	}
	ip->base.ops = &interp_engine_ops;
	ip->cfg = *cfg;
	ip->max_insns = cfg->max_insns;
	atomic_init(&ip->stop, false);
	ip->link_gen = 1;   /* a fresh decode's links (gen 0) never match */
	ip->code_gen = 1;   /* nor its block */
	cpu_state_reset(&ip->s);
	read_features(ip);
	if (interp_decode_init(ip)) {
		snprintf(err, errlen, "interp: decoder initialisation failed");
		interp_decode_fini(ip);
		free(ip);
		return NULL;
	}
	if (cfg->clock) {
		/* This engine drives the machine's clock. */
		cfg->clock->read = clock_read;
		cfg->clock->read_opaque = ip;
		cfg->clock->changed = clock_changed;
		cfg->clock->changed_opaque = ip;
	}
	interp_icpt_init(ip);   /* the context lent to the VMX hook */
	ip->tlb.flush_always = cfg->tlb_flush_always;
	ip->tlb.check = cfg->tlb_check;
	ip->htlb.off = cfg->tlb_check;
	tlb_flush(ip);
	return &ip->base;
}

static void interp_destroy(struct engine *e)
{
	struct interp *ip = to_interp(e);

	if (!e)
		return;
	interp_decode_fini(ip);
	free(ip);
}

static void interp_get_state(struct engine *e, struct cpu_state *s)
{
	struct interp *ip = to_interp(e);

	interp_flags_sync(ip);
	*s = ip->s;
	/* CR8 lives in the interrupt controller's TPR. */
	if (ip->cfg.intc.ops)
		s->cr8 = ip->cfg.intc.ops->cr8_read(ip->cfg.intc.opaque);
}

static void interp_set_state(struct engine *e, const struct cpu_state *s)
{
	struct interp *ip = to_interp(e);

	ip->s = *s;
	ip->lf.kind = LF_NONE;   /* s->rflags is the architectural value */
	tlb_flush(ip);   /* drops the TLB, its tag and the fetch cache */
	/* A restored state may be in VMX non-root operation with boundary
	 * events armed (preemption timer, MTF, windows): ask the VMX layer at
	 * the next boundary; it recomputes boundary_wanted. */
	ip->icpt.boundary_wanted = ip->cfg.icpt != NULL;
}

/*
 * A signal from the interrupt controller: NMI and INIT are latched in the
 * state; all are recognised at the next instruction boundary (the current
 * batch ends after this instruction, and the VMX layer is asked again
 * whether it exits).
 */
static void interp_raise_event(struct engine *e, enum cpu_signal ev,
			       uint8_t vector)
{
	struct interp *ip = to_interp(e);

	switch (ev) {
	case CPU_SIGNAL_INTR:
		break;          /* sampled at the next boundary */
	case CPU_SIGNAL_NMI:
		ip->s.nmi_pending = true;
		break;
	case CPU_SIGNAL_INIT:
		ip->s.init_pending = true;
		break;
	case CPU_SIGNAL_SIPI:
		interp_take_sipi(ip, vector);
		break;
	}
	ip->batch_break = true;
	ip->icpt.boundary_wanted = ip->cfg.icpt != NULL;
}

static void interp_idle_until(struct engine *e, uint64_t t)
{
	interp_time_catch_up(to_interp(e), t);
}

static void interp_request_stop(struct engine *e)
{
	atomic_store(&to_interp(e)->stop, true);
}

static void interp_stop_after_insn(struct engine *e)
{
	struct interp *ip = to_interp(e);

	atomic_store(&ip->stop, true);
	ip->batch_break = true;
}

static uint64_t interp_insn_count(struct engine *e)
{
	return to_interp(e)->s.insn_count;
}

/* The limit is absolute: run() stops once insn_count reaches it. */
static void interp_set_max_insns(struct engine *e, uint64_t max_insns)
{
	struct interp *ip = to_interp(e);

	ip->max_insns = max_insns;
	ip->limit = max_insns ? max_insns : UINT64_MAX;
}

static void interp_tlb_stats(struct engine *e, uint64_t *hits,
			     uint64_t *misses)
{
	*hits = to_interp(e)->tlb.hits;
	*misses = to_interp(e)->tlb.misses;
}

const struct engine_ops interp_engine_ops = {
	.name = "interp",
	.probe = interp_probe,
	.create = interp_create,
	.destroy = interp_destroy,
	.run = interp_run,
	.get_state = interp_get_state,
	.set_state = interp_set_state,
	.request_stop = interp_request_stop,
	.raise_event = interp_raise_event,
	.insn_count = interp_insn_count,
	.set_max_insns = interp_set_max_insns,
	.tlb_stats = interp_tlb_stats,
	.idle_until = interp_idle_until,
	.set_debug = interp_set_debug,
	.stop_after_insn = interp_stop_after_insn,
};
