/* SPDX-License-Identifier: MIT */
/*
 * Private to the GDB target (gdb_target.c: the stub's target and the run
 * plans; gdb_cmds.c: its own `monitor` commands and VMX event stops).
 */
#ifndef VMXBOX_MACHINE_GDB_INT_H
#define VMXBOX_MACHINE_GDB_INT_H

#include <ev.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "engine/engine.h"
#include "gdb/gdb_server.h"
#include "machine/gdb_history.h"
#include "machine/gdb_view.h"
#include "monitor/trace.h"

struct machine;

/*
 * What the vCPU is doing for gdb between a resume and the stop reply.
 * Going backwards (bs/bc) is a series of forward runs from checkpoints,
 * each ended by a park: RUN_REV_SEARCH runs a window [checkpoint, end)
 * with the breakpoints armed and remembers the last hit; RUN_REV_GOTO
 * runs with them off to an exact instruction count, where the stop is
 * reported.
 */
enum run_phase {
	RUN_IDLE,
	RUN_FORWARD,        /* c/s: chunks of `interval` with checkpoints */
	RUN_REV_SEARCH,
	RUN_REV_GOTO,
	RUN_REV_BISECT,     /* SMP reverse step: see rev_step_cpu() */
};

struct run_plan {
	enum run_phase phase;
	bool step;                /* RUN_FORWARD: s, not c */
	int k;                    /* RUN_REV_SEARCH: the checkpoint */
	uint64_t end;             /* RUN_REV_SEARCH: window end */
	bool found;               /* a hit in the window */
	uint64_t hit_at;          /* its instruction count */
	struct gdb_stop stop;     /* RUN_REV_GOTO: the reply at the end */
	char why[160];            /* ... and what `monitor why` says then */
	/* A step (either way) of vCPU step_cpu, whose instruction count was
	 * step_from; RUN_REV_BISECT: the machine count of the probe, and
	 * lo < hi with step_cpu behind step_from at lo (once lo_known),
	 * not at hi. */
	unsigned step_cpu;
	uint64_t step_from;
	uint64_t probe, lo, hi;
	bool lo_known;
};

/* Breakpoints and watchpoints stop only at this level. */
enum gdb_scope { GDB_SCOPE_ANY, GDB_SCOPE_L1, GDB_SCOPE_L2, GDB_SCOPE_VMCS };

/* VMX events that stop the machine (`monitor break ...`). */
struct gdb_events {
	uint64_t vmexit[2];       /* basic exit reasons, bit n of [n / 64] */
	bool vmentry, vmentry_fail;
	bool vmcs_watch;          /* `monitor vmcs-watch FIELD` */
	uint32_t vmcs_field;
	uint64_t vmcs_vmcs;       /* only this VMCS (0: any) */
};

struct machine_gdb {
	struct machine *m;
	struct ev_loop *loop;
	struct gdb_server *srv;
	ev_async parked;
	struct engine_debug dbg;
	bool interrupted;            /* ^C since the last resume */
	uint64_t resume_parks;       /* ctl.parks at the last resume */
	/* --reverse: the furthest instruction count run live; going forward
	 * below it re-runs what was printed already, muted. */
	uint64_t live_max;
	struct gdb_history *hist;    /* --reverse */
	struct run_plan plan;
	bool deferred;               /* a stop to report from the loop */
	struct gdb_stop deferred_stop;
	enum gdb_view view;
	enum gdb_scope scope;
	uint64_t scope_vmcs;         /* GDB_SCOPE_VMCS: the L2 of this VMCS */
	struct gdb_events ev;
	/* Written by the vCPU thread (an event stop; under its park). */
	bool events_armed;
	bool event_hit;
	bool event_is_write;         /* a VMWRITE: "after", like a watchpoint */
	unsigned event_cpu;
	char event_what[128];
	char why[160];               /* the last stop, for `monitor why` */
	/* Written by the vCPU thread as it parks (under ctl.lock). */
	enum engine_exit_reason park_reason;
	struct engine_exit park_exit;
	unsigned park_cpu;
};

/* gdb_cmds.c */
void gdb_monitor(struct machine_gdb *g, const char *cmd, char *out,
		 size_t outlen);
/* Observe every vCPU's VMX events and VMWRITEs. */
void gdb_events_attach(struct machine_gdb *g);
/* The level vCPU cpu runs at now matches the scope. */
bool gdb_in_scope(struct machine_gdb *g, unsigned cpu);
/* Send the breakpoints and watchpoints to every vCPU's engine. */
void gdb_apply_debug(struct machine_gdb *g);

#endif
