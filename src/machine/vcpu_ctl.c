// SPDX-License-Identifier: MIT
#include "machine/vcpu_ctl.h"

#include <errno.h>
#include <stdio.h>
#include <time.h>

#include "machine/machine.h"

#define PAUSE_WAIT_SECONDS 5

void vcpu_ctl_init(struct vcpu_ctl *c, uint64_t user_max_insns, bool paused)
{
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->cond, NULL);
	/* Started paused: the state is "paused" from the start, so the
	 * monitor never sees it running before the thread parks. */
	c->state = paused ? VCPU_PAUSED : VCPU_NOT_STARTED;
	c->pause_req = paused;
	c->step_target = 0;
	c->user_max_insns = user_max_insns;
}

void vcpu_ctl_destroy(struct vcpu_ctl *c)
{
	pthread_cond_destroy(&c->cond);
	pthread_mutex_destroy(&c->lock);
}

static bool stop_requested(struct machine *m)
{
	return atomic_load(&m->stop_cause) != STOP_NONE;
}

/* The engine limit while stepping: the step target or the user's limit,
 * whichever comes first. */
static void apply_limit(struct machine *m, uint64_t step_target)
{
	uint64_t lim = m->ctl.user_max_insns;

	if (step_target && (!lim || step_target < lim))
		lim = step_target;
	machine_set_max_insns(m, lim);
}

/* Park until resumed, stepped or stopped; called and returns with the lock
 * released.  True: run again. */
static bool park_locked(struct machine *m, bool count,
			enum engine_exit_reason reason)
{
	struct vcpu_ctl *c = &m->ctl;

	c->state = VCPU_PAUSED;
	if (count) {
		c->parks++;
		if (c->on_park)
			c->on_park(c->on_park_opaque, reason);
	}
	pthread_cond_broadcast(&c->cond);
	while (c->pause_req && !c->step_target && !stop_requested(m))
		pthread_cond_wait(&c->cond, &c->lock);
	if (stop_requested(m)) {
		c->state = VCPU_ENDED;
		pthread_cond_broadcast(&c->cond);
		pthread_mutex_unlock(&c->lock);
		return false;
	}
	if (c->step_target)
		apply_limit(m, c->step_target);
	c->state = VCPU_RUNNING;
	pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->lock);
	return true;
}

bool vcpu_ctl_after_run(struct machine *m, enum engine_exit_reason reason)
{
	struct vcpu_ctl *c = &m->ctl;
	uint64_t count = machine_insn_count(m);
	bool park;

	pthread_mutex_lock(&c->lock);
	/* A kick whose pause was already served (a pause before the first
	 * run parks without running, leaving the engine's stop request
	 * behind): nobody wants this stop, run on. */
	if (reason == ENGINE_EXIT_STOP && !c->pause_req && !c->step_target &&
	    !stop_requested(m)) {
		pthread_mutex_unlock(&c->lock);
		return true;
	}
	/* A debugger's breakpoint parks it like a pause. */
	if (reason == ENGINE_EXIT_DEBUG) {
		c->pause_req = true;
		c->step_target = 0;
		apply_limit(m, 0);
	}
	park = !stop_requested(m) &&
	       ((reason == ENGINE_EXIT_STOP && c->pause_req) ||
		reason == ENGINE_EXIT_DEBUG ||
		(reason == ENGINE_EXIT_INSN_LIMIT && c->step_target &&
		 count >= c->step_target &&
		 (!c->user_max_insns || count < c->user_max_insns)));
	if (!park) {
		c->state = VCPU_ENDED;
		pthread_cond_broadcast(&c->cond);
		pthread_mutex_unlock(&c->lock);
		return false;
	}
	if (c->step_target) {
		c->step_target = 0;
		c->pause_req = true;
		apply_limit(m, 0);
	}
	return park_locked(m, true, reason);
}

bool vcpu_ctl_before_first_run(struct machine *m)
{
	struct vcpu_ctl *c = &m->ctl;

	pthread_mutex_lock(&c->lock);
	if (!c->pause_req) {
		c->state = VCPU_RUNNING;
		pthread_mutex_unlock(&c->lock);
		return !stop_requested(m);
	}
	/* Already reported as paused since init: not a new park. */
	return park_locked(m, false, ENGINE_EXIT_STOP);
}

void vcpu_ctl_set_ended(struct machine *m)
{
	pthread_mutex_lock(&m->ctl.lock);
	m->ctl.state = VCPU_ENDED;
	pthread_cond_broadcast(&m->ctl.cond);
	pthread_mutex_unlock(&m->ctl.lock);
}

void vcpu_ctl_kick(struct machine *m)
{
	pthread_mutex_lock(&m->ctl.lock);
	pthread_cond_broadcast(&m->ctl.cond);
	pthread_mutex_unlock(&m->ctl.lock);
}

static bool wait_state(struct vcpu_ctl *c, enum vcpu_run_state want)
{
	struct timespec dl;

	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += PAUSE_WAIT_SECONDS;
	while (c->state != want && c->state != VCPU_ENDED)
		if (pthread_cond_timedwait(&c->cond, &c->lock, &dl) == ETIMEDOUT)
			return false;
	return c->state == want;
}

bool vcpu_pause(struct machine *m, char *err, size_t errlen)
{
	struct vcpu_ctl *c = &m->ctl;
	bool ok;

	pthread_mutex_lock(&c->lock);
	if (c->state == VCPU_ENDED) {
		pthread_mutex_unlock(&c->lock);
		snprintf(err, errlen, "the run has ended");
		return false;
	}
	c->pause_req = true;
	c->step_target = 0;
	if (c->state != VCPU_PAUSED)
		machine_kick_vcpu(m);
	ok = c->state == VCPU_PAUSED || wait_state(c, VCPU_PAUSED);
	pthread_mutex_unlock(&c->lock);
	if (!ok)
		snprintf(err, errlen, "the vCPU did not stop");
	return ok;
}

bool vcpu_resume(struct machine *m, char *err, size_t errlen)
{
	struct vcpu_ctl *c = &m->ctl;

	pthread_mutex_lock(&c->lock);
	if (c->state == VCPU_ENDED) {
		pthread_mutex_unlock(&c->lock);
		snprintf(err, errlen, "the run has ended");
		return false;
	}
	c->pause_req = false;
	pthread_cond_broadcast(&c->cond);
	/* Return once it really runs, so a status right after says so. */
	if (c->state == VCPU_PAUSED)
		wait_state(c, VCPU_RUNNING);
	pthread_mutex_unlock(&c->lock);
	return true;
}

bool vcpu_step(struct machine *m, uint64_t n, char *err, size_t errlen)
{
	struct vcpu_ctl *c = &m->ctl;
	bool ok;

	if (!m->ops->set_max_insns || !m->ops->insn_count) {
		snprintf(err, errlen, "the %s engine cannot single-step", m->ops->name);
		return false;
	}
	if (n == 0) {
		snprintf(err, errlen, "N must be at least 1");
		return false;
	}
	pthread_mutex_lock(&c->lock);
	if (c->state != VCPU_PAUSED) {
		pthread_mutex_unlock(&c->lock);
		snprintf(err, errlen, "pause the vCPU first");
		return false;
	}
	c->step_target = machine_insn_count(m) + n;
	uint64_t parks = c->parks;
	struct timespec dl;
	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += PAUSE_WAIT_SECONDS;
	pthread_cond_broadcast(&c->cond);
	/* Done when the vCPU has parked once more (or the run ended). */
	ok = true;
	while (c->parks == parks && c->state != VCPU_ENDED)
		if (pthread_cond_timedwait(&c->cond, &c->lock, &dl) == ETIMEDOUT) {
			ok = false;
			break;
		}
	pthread_mutex_unlock(&c->lock);
	if (!ok)
		snprintf(err, errlen, "the step did not finish in %d s", PAUSE_WAIT_SECONDS);
	return ok;
}

bool vcpu_release(struct machine *m, uint64_t n, uint64_t *parks)
{
	struct vcpu_ctl *c = &m->ctl;
	bool ok;

	pthread_mutex_lock(&c->lock);
	ok = c->state == VCPU_PAUSED;
	*parks = c->parks;
	if (ok) {
		if (n)
			c->step_target = machine_insn_count(m) + n;
		else
			c->pause_req = false;
		pthread_cond_broadcast(&c->cond);
	}
	pthread_mutex_unlock(&c->lock);
	return ok;
}

bool vcpu_pause_nowait(struct machine *m)
{
	struct vcpu_ctl *c = &m->ctl;
	bool parked;

	pthread_mutex_lock(&c->lock);
	parked = c->state == VCPU_PAUSED;
	if (c->state != VCPU_ENDED) {
		/* Released but not yet running: it stays parked. */
		c->pause_req = true;
		c->step_target = 0;
		if (!parked)
			machine_kick_vcpu(m);
	}
	pthread_mutex_unlock(&c->lock);
	return parked;
}

enum vcpu_run_state vcpu_state(struct machine *m)
{
	enum vcpu_run_state s;

	pthread_mutex_lock(&m->ctl.lock);
	s = m->ctl.state;
	pthread_mutex_unlock(&m->ctl.lock);
	return s;
}

const char *vcpu_state_name(enum vcpu_run_state s)
{
	static const char *const names[] = {
		[VCPU_NOT_STARTED] = "starting", [VCPU_RUNNING] = "running",
		[VCPU_PAUSED] = "paused", [VCPU_ENDED] = "ended",
	};
	return names[s];
}
