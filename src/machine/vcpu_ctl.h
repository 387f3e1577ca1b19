/* SPDX-License-Identifier: MIT */
/*
 * Pausing, resuming and single-stepping the vCPU thread from the event loop
 * (monitor commands, snapshots on demand).  The vCPU parks at an
 * instruction boundary: the loop asks the engine to stop, and the vCPU
 * thread, seeing a pause request rather than a stop cause, waits on a
 * condition variable instead of ending the run.
 */
#ifndef VMXBOX_MACHINE_VCPU_CTL_H
#define VMXBOX_MACHINE_VCPU_CTL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "engine/engine.h"

struct machine;

enum vcpu_run_state {
	VCPU_NOT_STARTED,
	VCPU_RUNNING,
	VCPU_PAUSED,
	VCPU_ENDED,
};

struct vcpu_ctl {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	enum vcpu_run_state state;
	bool pause_req;
	uint64_t step_target;    /* absolute insn count to pause at, 0 = none */
	uint64_t user_max_insns; /* the --max-insns limit to restore */
	uint64_t parks;          /* times the vCPU has parked */
	/* Called on the vCPU thread, lock held, each time it parks after a
	 * run() that returned r (the GDB stub's stop replies). */
	void (*on_park)(void *opaque, enum engine_exit_reason r);
	void *on_park_opaque;
};

/* paused: the vCPU parks before its first instruction (--paused). */
void vcpu_ctl_init(struct vcpu_ctl *c, uint64_t user_max_insns, bool paused);
void vcpu_ctl_destroy(struct vcpu_ctl *c);

/* vCPU thread: after engine run() returned `reason`, decide whether to park
 * (and park until resumed/stepped/stopped).  True: call run() again. */
bool vcpu_ctl_after_run(struct machine *m, enum engine_exit_reason reason);
/* vCPU thread, before the first run(): parks if started paused.  True: run. */
bool vcpu_ctl_before_first_run(struct machine *m);
void vcpu_ctl_set_ended(struct machine *m);

/* Event-loop side.  Each returns false with err when not possible. */
bool vcpu_pause(struct machine *m, char *err, size_t errlen);
bool vcpu_resume(struct machine *m, char *err, size_t errlen);
bool vcpu_step(struct machine *m, uint64_t n, char *err, size_t errlen);
/* Without waiting: let a parked vCPU run (n = 0) or run n instructions
 * and park again; *parks gets the park count before it runs (a park
 * after this one has a higher count).  False when it is not parked. */
bool vcpu_release(struct machine *m, uint64_t n, uint64_t *parks);
/* Without waiting: ask the vCPU to park at its next boundary.  True
 * when it is parked already (also when released but not yet running:
 * then it stays parked), so no new park follows. */
bool vcpu_pause_nowait(struct machine *m);
enum vcpu_run_state vcpu_state(struct machine *m);
const char *vcpu_state_name(enum vcpu_run_state s);
/* Wake a parked vCPU so it notices a stop cause. */
void vcpu_ctl_kick(struct machine *m);

#endif
