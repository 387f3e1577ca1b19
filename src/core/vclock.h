/* SPDX-License-Identifier: MIT */
/*
 * The machine's one virtual clock (docs/platform.md, "Virtual time").
 *
 * Virtual time is a count of nanoseconds since the machine was reset.
 * The engine that runs the vCPU drives it: the interpreter advances it by
 * exactly one per retired instruction (so the TSC, which runs at
 * VCLOCK_HZ = 1 GHz, ticks once per instruction), and when the vCPU is
 * halted it jumps straight to the earliest timer deadline.  Every device
 * that keeps time (local APIC timer, PIT, RTC, ACPI PM timer) and the
 * VMX-preemption timer derive from it, so a run is deterministic and a
 * snapshot resumes exactly: devices store absolute deadlines in virtual
 * time and re-arm them on restore.
 *
 * Timers: a device embeds a struct vtimer and arms it at an absolute
 * deadline.  The engine fires due timers at instruction boundaries
 * (vclock_run_due), earliest first; timers with equal deadlines fire in
 * the order they were armed.  A fire callback may re-arm its timer.
 *
 * --clock=host (VCLOCK_HOST) keeps the same model but paces it by the
 * host's monotonic clock: a halted vCPU sleeps until the deadline instead
 * of jumping, and virtual time that falls behind the wall clock is moved
 * forward at instruction boundaries.  Not deterministic; for interactive
 * use.
 *
 * Not thread-safe: the vCPU thread owns the clock (devices run there).
 */
#ifndef VMXBOX_CORE_VCLOCK_H
#define VMXBOX_CORE_VCLOCK_H

#include <stdbool.h>
#include <stdint.h>

#define VCLOCK_HZ 1000000000ull     /* virtual time unit: 1 ns */
#define VCLOCK_NEVER UINT64_MAX

enum vclock_mode {
	VCLOCK_VIRTUAL,     /* deterministic, jumps over idle time (default) */
	VCLOCK_HOST,        /* paced by the host's monotonic clock */
};

struct vtimer {
	struct vtimer *next;        /* in the clock's armed list */
	uint64_t deadline;          /* virtual ns; valid while armed */
	bool armed;
	void (*fire)(void *opaque, uint64_t now);
	void *opaque;
};

struct vclock {
	/* Virtual time now, from the engine that drives the clock.  NULL:
	 * the clock reads `manual` (unit tests, before an engine exists). */
	uint64_t (*read)(void *opaque);
	void *read_opaque;
	uint64_t manual;
	/* Called when a timer is armed earlier than every armed deadline
	 * so far (the engine shortens its current run of instructions). */
	void (*changed)(void *opaque);
	void *changed_opaque;
	struct vtimer *head;        /* armed timers, by deadline */
	enum vclock_mode mode;
	/* VCLOCK_HOST: virtual time base_vt was host time base_host. */
	bool host_based;
	uint64_t base_vt, base_host;
};

void vclock_init(struct vclock *c, enum vclock_mode mode);
/* "virtual" or "host" (--clock=); false for anything else. */
bool vclock_mode_parse(const char *s, enum vclock_mode *mode);
uint64_t vclock_now(const struct vclock *c);

void vtimer_init(struct vtimer *t, void (*fire)(void *opaque, uint64_t now),
		 void *opaque);
/* Arm (or move) t to fire once virtual time reaches deadline. */
void vtimer_arm(struct vclock *c, struct vtimer *t, uint64_t deadline);
void vtimer_cancel(struct vclock *c, struct vtimer *t);

/* Earliest armed deadline, VCLOCK_NEVER when none. */
static inline uint64_t vclock_next_deadline(const struct vclock *c)
{
	return c->head ? c->head->deadline : VCLOCK_NEVER;
}

/* Fire every timer due at `now` (deadline <= now); returns how many. */
unsigned vclock_run_due(struct vclock *c, uint64_t now);

/*
 * Device clocks.  ticks elapsed at frequency hz in ns nanoseconds
 * (rounded down), and the first nanosecond at which `ticks` ticks have
 * elapsed (rounded up), with 128-bit intermediates.
 */
uint64_t vclock_ns_to_ticks(uint64_t ns, uint64_t hz);
uint64_t vclock_ticks_to_ns(uint64_t ticks, uint64_t hz);

/*
 * VCLOCK_HOST pacing.  vclock_host_target: the virtual time the host
 * clock says it is (the first call makes `now` correspond to the current
 * host time).  vclock_host_rebase: forget the correspondence (after a
 * pause or a restore).  vclock_host_sleep: sleep up to ns host
 * nanoseconds (callers sleep in slices so a stop request is seen).
 */
uint64_t vclock_host_target(struct vclock *c, uint64_t now);
void vclock_host_rebase(struct vclock *c);
void vclock_host_sleep(uint64_t ns);

#endif
