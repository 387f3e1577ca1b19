// SPDX-License-Identifier: MIT
/*
 * The local APIC timer (SDM Vol. 3A 11.5.4): one-shot and periodic modes
 * counting the APIC bus clock (LAPIC_BUS_HZ) divided by the divide
 * configuration register, and TSC-deadline mode (11.5.4.1) comparing
 * IA32_TSC_DEADLINE with the TSC.
 *
 * The current count is not stored: it is computed from timer_start, the
 * virtual time at which the current count began, so it is exact at every
 * instruction.  A one-shot count that ran out stops (timer_stopped) until
 * the next write of the initial count, whatever the mode is changed to.  The vtimer is armed only when an expiry can do something:
 * a masked periodic timer keeps counting (TMCCT is right) but never arms,
 * so a halted vCPU does not spin through interrupts nobody can see.
 */
#include "devices/lapic_internal.h"

static uint64_t now(const struct lapic *l)
{
	return l->clock ? vclock_now(l->clock) : 0;
}

unsigned lapic_timer_mode(const struct lapic *l)
{
	return (lapic_get(l, APIC_LVT_TIMER) >> 17) & 3;
}

/* Divide configuration (11.5.4, Figure 11-10): bits 3,1:0. */
static uint64_t divisor(const struct lapic *l)
{
	uint32_t d = lapic_get(l, APIC_TDCR);
	unsigned idx = (d & 3) | ((d >> 1) & 4);

	return idx == 7 ? 1 : 2ull << idx;
}

/* Nanoseconds of one count (LAPIC_BUS_HZ == VCLOCK_HZ). */
static uint64_t tick_ns(const struct lapic *l)
{
	return divisor(l) * (VCLOCK_HZ / LAPIC_BUS_HZ);
}

static bool counting(const struct lapic *l)
{
	return lapic_timer_mode(l) != APIC_TIMER_TSCDL &&
	       lapic_get(l, APIC_TMICT) != 0 && !l->timer_stopped;
}

static uint64_t period(const struct lapic *l)
{
	return (uint64_t)lapic_get(l, APIC_TMICT) * tick_ns(l);
}

/* Periodic mode: move timer_start to the start of the current period. */
static void catch_up(struct lapic *l, uint64_t t)
{
	uint64_t p = period(l);

	if (lapic_timer_mode(l) == APIC_TIMER_PERIODIC && p &&
	    t - l->timer_start >= p)
		l->timer_start += (t - l->timer_start) / p * p;
}

uint32_t lapic_timer_current(struct lapic *l)
{
	uint64_t t = now(l), elapsed;

	if (!counting(l))
		return 0;
	catch_up(l, t);
	elapsed = t - l->timer_start;
	if (elapsed >= period(l))
		return 0;    /* one-shot: expired */
	return lapic_get(l, APIC_TMICT) - (uint32_t)(elapsed / tick_ns(l));
}

void lapic_timer_restart(struct lapic *l)
{
	uint64_t t;

	if (!l->clock)
		return;
	vtimer_cancel(l->clock, &l->timer);
	if (lapic_timer_mode(l) == APIC_TIMER_TSCDL) {
		if (l->tsc_deadline)
			vtimer_arm(l->clock, &l->timer, l->tsc_deadline_at);
		return;
	}
	if (!counting(l))
		return;
	t = now(l);
	catch_up(l, t);
	if (lapic_timer_mode(l) != APIC_TIMER_PERIODIC) {
		if (t - l->timer_start < period(l))
			vtimer_arm(l->clock, &l->timer,
				   l->timer_start + period(l));
		else
			l->timer_stopped = true;
		return;
	}
	if (!(lapic_get(l, APIC_LVT_TIMER) & APIC_LVT_MASKED))
		vtimer_arm(l->clock, &l->timer, l->timer_start + period(l));
}

void lapic_timer_fire(void *opaque, uint64_t t)
{
	struct lapic *l = opaque;

	l->timer_fires++;
	if (lapic_timer_mode(l) == APIC_TIMER_TSCDL)
		l->tsc_deadline = 0;   /* disarmed once it fires (11.5.4.1) */
	else if (lapic_timer_mode(l) != APIC_TIMER_PERIODIC)
		l->timer_stopped = true;
	lapic_lvt_fire(l, APIC_LVT_TIMER);
	if (lapic_timer_mode(l) == APIC_TIMER_PERIODIC)
		lapic_timer_restart(l);
}

/* A write of the initial count (re)starts the count; ignored in
 * TSC-deadline mode (11.5.4.1). */
void lapic_timer_count_written(struct lapic *l, uint32_t count)
{
	if (lapic_timer_mode(l) == APIC_TIMER_TSCDL)
		return;
	lapic_put(l, APIC_TMICT, count);
	l->timer_start = now(l);
	l->timer_stopped = false;
	lapic_timer_restart(l);
}

/* A new divider: the count goes on from where it is, at the new rate. */
void lapic_timer_divide_written(struct lapic *l, uint32_t tdcr)
{
	uint64_t t = now(l), done = 0;
	bool run = counting(l);

	if (run) {
		catch_up(l, t);
		done = (t - l->timer_start) / tick_ns(l);
		if (done > lapic_get(l, APIC_TMICT))
			done = lapic_get(l, APIC_TMICT);
	}
	lapic_put(l, APIC_TDCR, tdcr);
	if (run) {
		l->timer_start = t - done * tick_ns(l);
		lapic_timer_restart(l);
	}
}

/* Switching into or out of TSC-deadline mode disarms the timer
 * (11.5.4.1); a mask change can (un)arm a periodic timer. */
void lapic_timer_lvt_written(struct lapic *l, uint32_t old_lvt)
{
	unsigned old_mode = (old_lvt >> 17) & 3;

	if ((old_mode == APIC_TIMER_TSCDL) !=
	    (lapic_timer_mode(l) == APIC_TIMER_TSCDL)) {
		lapic_put(l, APIC_TMICT, 0);
		l->tsc_deadline = 0;
	}
	lapic_timer_restart(l);
}

/* IA32_TSC_DEADLINE reads 0 and ignores writes outside TSC-deadline
 * mode (11.5.4.1). */
uint64_t lapic_tsc_deadline_read(struct lapic *l, uint64_t tsc)
{
	(void)tsc;
	if (lapic_timer_mode(l) != APIC_TIMER_TSCDL)
		return 0;
	return l->tsc_deadline;
}

/* When the TSC, now tsc, reaches the deadline: it runs at VCLOCK_HZ,
 * one TSC cycle per virtual ns.  A deadline already passed fires at the
 * next boundary. */
static void tsc_deadline_arm(struct lapic *l, uint64_t tsc)
{
	uint64_t t = now(l), v = l->tsc_deadline;

	l->tsc_deadline_at = v > tsc ? t + (v - tsc) : t;
	lapic_timer_restart(l);
}

void lapic_tsc_deadline_write(struct lapic *l, uint64_t tsc, uint64_t v)
{
	if (lapic_timer_mode(l) != APIC_TIMER_TSCDL)
		return;
	l->tsc_deadline = v;
	tsc_deadline_arm(l, tsc);
}

/* The timer fires when the TSC reaches the deadline, whatever wrote the
 * TSC meanwhile (11.5.4.1): a TSC set forward past it fires it now, one
 * set back delays it. */
void lapic_tsc_written(struct lapic *l, uint64_t tsc)
{
	if (lapic_timer_mode(l) == APIC_TIMER_TSCDL && l->tsc_deadline)
		tsc_deadline_arm(l, tsc);
}
