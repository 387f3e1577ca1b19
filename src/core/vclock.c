// SPDX-License-Identifier: MIT
#include "core/vclock.h"

#include <string.h>
#include <time.h>

void vclock_init(struct vclock *c, enum vclock_mode mode)
{
	memset(c, 0, sizeof(*c));
	c->mode = mode;
}

bool vclock_mode_parse(const char *s, enum vclock_mode *mode)
{
	if (!strcmp(s, "virtual"))
		*mode = VCLOCK_VIRTUAL;
	else if (!strcmp(s, "host"))
		*mode = VCLOCK_HOST;
	else
		return false;
	return true;
}

uint64_t vclock_now(const struct vclock *c)
{
	return c->read ? c->read(c->read_opaque) : c->manual;
}

void vtimer_init(struct vtimer *t, void (*fire)(void *opaque, uint64_t now),
		 void *opaque)
{
	memset(t, 0, sizeof(*t));
	t->fire = fire;
	t->opaque = opaque;
}

void vtimer_cancel(struct vclock *c, struct vtimer *t)
{
	struct vtimer **p;

	if (!t->armed)
		return;
	for (p = &c->head; *p; p = &(*p)->next)
		if (*p == t) {
			*p = t->next;
			break;
		}
	t->next = NULL;
	t->armed = false;
}

void vtimer_arm(struct vclock *c, struct vtimer *t, uint64_t deadline)
{
	struct vtimer **p;

	vtimer_cancel(c, t);
	t->deadline = deadline;
	t->armed = true;
	/* After every timer with the same deadline: FIFO among equals. */
	for (p = &c->head; *p && (*p)->deadline <= deadline; p = &(*p)->next)
		;
	t->next = *p;
	*p = t;
	if (c->head == t && c->changed)
		c->changed(c->changed_opaque);
}

unsigned vclock_run_due(struct vclock *c, uint64_t now)
{
	unsigned n = 0;

	while (c->head && c->head->deadline <= now) {
		struct vtimer *t = c->head;

		c->head = t->next;
		t->next = NULL;
		t->armed = false;
		n++;
		t->fire(t->opaque, now);
	}
	return n;
}

uint64_t vclock_ns_to_ticks(uint64_t ns, uint64_t hz)
{
	return (uint64_t)((unsigned __int128)ns * hz / VCLOCK_HZ);
}

uint64_t vclock_ticks_to_ns(uint64_t ticks, uint64_t hz)
{
	unsigned __int128 v = (unsigned __int128)ticks * VCLOCK_HZ + hz - 1;

	v /= hz;
	return v > UINT64_MAX ? UINT64_MAX : (uint64_t)v;
}

static uint64_t host_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t vclock_host_target(struct vclock *c, uint64_t now)
{
	uint64_t h = host_ns();

	if (!c->host_based) {
		c->host_based = true;
		c->base_vt = now;
		c->base_host = h;
	}
	return c->base_vt + (h - c->base_host);
}

void vclock_host_rebase(struct vclock *c)
{
	c->host_based = false;
}

void vclock_host_sleep(uint64_t ns)
{
	struct timespec ts = {
		.tv_sec = (time_t)(ns / 1000000000ull),
		.tv_nsec = (long)(ns % 1000000000ull),
	};

	nanosleep(&ts, NULL);
}
