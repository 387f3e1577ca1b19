// SPDX-License-Identifier: MIT
/*
 * The vCPUs of a multiprocessor machine and their scheduler (smp.h,
 * docs/smp.md).
 */
#include "machine/smp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "machine/machine.h"
#include "vmx/vmx_api.h"

void smp_save_clock_hooks(struct machine *m, struct machine_vcpu *v)
{
	v->clock_read = m->clock.read;
	v->clock_read_opaque = m->clock.read_opaque;
	v->clock_changed = m->clock.changed;
	v->clock_changed_opaque = m->clock.changed_opaque;
}

/* The latest virtual time of the vCPUs other than opaque's (engine.h
 * peers_time): its TSC reads catch up with it. */
uint64_t smp_peers_time(void *opaque)
{
	const struct machine_vcpu *self = opaque;
	const struct machine *m = self->m;
	uint64_t latest = 0;

	for (unsigned i = 0; i < m->n_cpus; i++) {
		const struct machine_vcpu *v = m->cpu[i];
		uint64_t t;

		if (!v || v == self || !v->clock_read)
			continue;
		t = v->clock_read(v->clock_read_opaque);
		if (t > latest)
			latest = t;
	}
	return latest;
}

/* The clock reads the running vCPU's time and cuts its batches. */
void smp_use_clock(struct machine *m, struct machine_vcpu *v)
{
	m->clock.read = v->clock_read;
	m->clock.read_opaque = v->clock_read_opaque;
	m->clock.changed = v->clock_changed;
	m->clock.changed_opaque = v->clock_changed_opaque;
}

uint64_t machine_insn_count(struct machine *m)
{
	uint64_t n = 0;

	if (!m->ops->insn_count)
		return 0;
	for (unsigned i = 0; i < m->n_cpus; i++)
		if (m->cpu[i] && m->cpu[i]->eng)
			n += m->ops->insn_count(m->cpu[i]->eng);
	return n;
}

void machine_set_max_insns(struct machine *m, uint64_t limit)
{
	if (m->n_cpus > 1)
		m->sched.limit = limit;
	else if (m->ops->set_max_insns)
		m->ops->set_max_insns(m->eng, limit);
}

void machine_final_state(struct machine *m, struct cpu_state *s)
{
	struct machine_vcpu *v = m->cpu[m->n_cpus > 1 ? m->sched.final_cpu : 0];

	m->ops->get_state(v->eng, s);
}

/* ---- the scheduler ------------------------------------------------------ */

static enum engine_exit_reason finish(struct machine *m,
				      struct machine_vcpu *v,
				      enum engine_exit_reason r)
{
	m->sched.final_cpu = v->index;
	m->exit = v->exit;
	m->exit.reason = r;
	return r;
}

/*
 * A round without progress: every vCPU is halted or waits for a SIPI and
 * nothing was signalled.  Jump to the earliest time a timer can wake one
 * of them; false when there is none (the run ends halted).
 */
static bool idle_jump(struct machine *m)
{
	struct smp_sched *s = &m->sched;
	uint64_t wake = VCLOCK_NEVER;

	for (unsigned i = 0; i < m->n_cpus; i++) {
		const struct engine_exit *x = &m->cpu[i]->exit;

		if (x->reason == ENGINE_EXIT_HLT && x->wake_at < wake)
			wake = x->wake_at;
	}
	if (wake == VCLOCK_NEVER)
		return false;
	if (wake > s->round_end)
		s->round_end = wake;
	return true;
}

/* The current vCPU's turn is over: the next one, or the next round.
 * False: the run ends (every vCPU halted for good). */
static bool next_turn(struct machine *m)
{
	struct smp_sched *s = &m->sched;

	s->switches++;
	if (++s->cur < m->n_cpus)
		return true;
	s->cur = 0;
	if (!s->progress && !s->signalled && !idle_jump(m))
		return false;
	s->round_start = s->round_end;
	s->round_end = s->round_start + s->quantum;
	s->progress = s->signalled = false;
	return true;
}

/*
 * Instructions left in the current vCPU's turn, 0 when it is over: the
 * rest of a turn the total limit cut short (smp_sched.turn_end; at most a
 * quantum, a snapshot's value is not trusted further), else up to the end
 * of the round on its clock.
 */
static uint64_t turn_left(struct machine *m, struct machine_vcpu *v,
			  uint64_t count)
{
	struct smp_sched *s = &m->sched;
	uint64_t now;

	if (s->turn_end) {
		if (s->turn_end <= count)
			return 0;
		return s->turn_end - count < s->quantum ? s->turn_end - count
							: s->quantum;
	}
	now = vclock_now(&m->clock);
	if (now < s->round_start) {
		/* It idled while the others ran. */
		m->ops->idle_until(v->eng, s->round_start);
		now = s->round_start;
	}
	return now < s->round_end ? s->round_end - now : 0;
}

/* Instructions the current vCPU may run of the n left in its turn (>= 1),
 * or 0 when the total limit is reached. */
static uint64_t limit_budget(struct machine *m, uint64_t n)
{
	struct smp_sched *s = &m->sched;
	uint64_t total;

	if (s->limit) {
		total = machine_insn_count(m);
		if (total >= s->limit)
			return 0;
		if (s->limit - total < n)
			n = s->limit - total;
	}
	return n;
}

enum engine_exit_reason smp_run(struct machine *m)
{
	struct smp_sched *s = &m->sched;

	for (;;) {
		struct machine_vcpu *v = m->cpu[s->cur];
		enum engine_exit_reason r;
		uint64_t before, budget, full;

		if (atomic_exchange(&s->kicked, false))
			return finish(m, v, ENGINE_EXIT_STOP);
		smp_use_clock(m, v);
		before = m->ops->insn_count(v->eng);
		full = turn_left(m, v, before);
		if (!full) {
			s->turn_end = 0;
			if (!next_turn(m))
				return finish(m, m->cpu[0], ENGINE_EXIT_HLT);
			continue;
		}
		budget = limit_budget(m, full);
		if (!budget)
			return finish(m, v, ENGINE_EXIT_INSN_LIMIT);
		m->ops->set_max_insns(v->eng, before + budget);
		atomic_store(&s->running, v->index);
		r = m->ops->run(v->eng, &v->exit);
		s->turn_end = 0;
		if (m->ops->insn_count(v->eng) != before)
			s->progress = true;
		switch (r) {
		case ENGINE_EXIT_INSN_LIMIT:
			if (budget < full) {
				/* The total limit: the turn goes on later. */
				s->turn_end = before + full;
				return finish(m, v, r);
			}
			break;
		case ENGINE_EXIT_HLT:
			break;
		case ENGINE_EXIT_STOP:
			/* A kick that found this engine after the scheduler had
			 * already seen it leaves a stale stop: run on. */
			if (atomic_exchange(&s->kicked, false))
				return finish(m, v, r);
			continue;
		default:
			return finish(m, v, r);
		}
		if (!next_turn(m))
			return finish(m, m->cpu[0], ENGINE_EXIT_HLT);
	}
}

/* ---- the application processors ---------------------------------------- */

void smp_destroy(struct machine *m)
{
	for (unsigned i = 1; i < MACHINE_MAX_CPUS; i++) {
		struct machine_vcpu *v = m->cpu[i];

		if (!v)
			continue;
		if (v->eng && v->eng != m->eng)
			m->ops->destroy(v->eng);
		lapic_destroy(&v->ap_lapic);
		vmx_vcpu_destroy(v->vmx);
		free(v);
	}
	free(m->cpu[0]);
}
