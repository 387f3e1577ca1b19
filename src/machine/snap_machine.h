/* SPDX-License-Identifier: MIT */
/*
 * Snapshots of a running machine: triggers (`vmxbox run --snapshot=PATH
 * --snapshot-on=EVENT`), capture, and restore (`vmxbox restore`).
 *
 * Events (docs/snapshot.md):
 *   exit                 when the run ends, whatever ended it
 *   insns:N              when the instruction count reaches N
 *   vmexit:REASON[:K]    after the K-th (default 1st) VM exit with that
 *                        basic reason (name from the SDM, e.g. CPUID, or a
 *                        number; "any" matches every exit)
 *   vmentry-fail         after a VMLAUNCH/VMRESUME that failed (VMfail or a
 *                        VM-entry-failure exit)
 *   triple-fault         when the vCPU shuts down
 *   signal               on every SIGUSR1
 * With one one-shot event the snapshot is written to PATH; with several
 * events or "signal" every snapshot gets a number: a.snap -> a.1.snap, ...
 *
 * `vmxbox run --pause-on=EVENT` (vmexit:REASON[:K] or vmentry-fail) uses
 * the same triggers to park the vCPU instead (vcpu_ctl.h), for the
 * monitor or gdb to look at the machine at that exact point; it needs no
 * --snapshot path.
 */
#ifndef VMXBOX_MACHINE_SNAP_MACHINE_H
#define VMXBOX_MACHINE_SNAP_MACHINE_H

#include <limits.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "engine/engine.h"
#include "snapshot/snapshot.h"

struct machine;

enum snap_event_kind {
	SNAP_ON_EXIT, SNAP_ON_INSNS, SNAP_ON_VMEXIT, SNAP_ON_VMENTRY_FAIL,
	SNAP_ON_TRIPLE_FAULT, SNAP_ON_SIGNAL,
};

#define SNAP_MAX_EVENTS 16
#define SNAP_REASON_ANY UINT32_MAX

struct snap_event {
	enum snap_event_kind kind;
	uint64_t n;          /* insns: count; vmexit: K */
	uint32_t reason;     /* vmexit: basic exit reason or SNAP_REASON_ANY */
	uint64_t seen;       /* vmexit: matching exits so far */
	bool done;
	bool pause;          /* --pause-on: park the vCPU, no snapshot */
	char spec[64];       /* as given, for the trigger field */
};

struct snap_trigger {
	char path[PATH_MAX];
	unsigned n_events;
	struct snap_event ev[SNAP_MAX_EVENTS];
	unsigned taken;              /* snapshots written */
	bool failed;                 /* a write failed (reported once) */
	/* Set by the VMX hook or SIGUSR1, consumed by the vCPU loop. */
	atomic_bool pending;
	char pending_what[64];
	bool started;
	uint8_t fw_sha256[32];
	bool fw_hashed;
	/* Restored machines have no firmware file: the original's path
	 * (and hash above) go into their snapshots. */
	char fw_path[SNAP_PATH_MAX];
};

/* Add one --snapshot-on=EVENT (comma-separated lists too).  0, or -1 with
 * err set. */
int snap_trigger_add(struct snap_trigger *t, const char *spec, char *err,
		     size_t errlen);
/* Add one --pause-on=EVENT (comma-separated lists too): vmexit:REASON[:K]
 * or vmentry-fail.  0, or -1 with err set. */
int snap_trigger_add_pause(struct snap_trigger *t, const char *spec,
			   char *err, size_t errlen);
/* The events that take snapshots (not --pause-on's). */
unsigned snap_trigger_snapshot_events(const struct snap_trigger *t);
bool snap_trigger_numbered(const struct snap_trigger *t);

/* The whole machine as a snapshot (vCPU must be stopped). */
struct snapshot_machine *snap_machine_capture(struct machine *m,
					      const char *trigger, char *err,
					      size_t errlen);
/* Capture and write to path (monitor `snapshot PATH`).  0, or -1 with
 * err set. */
int snap_machine_write(struct machine *m, const char *path,
		       const char *trigger, char *err, size_t errlen);
/* Capture and write to t's next file name; reports on the machine's
 * message fd.  0 or -1. */
int snap_machine_save(struct machine *m, const char *trigger);

/* The vCPU thread's engine run with triggers: takes the snapshots that
 * are due and goes on after stops that were only for them; returns the
 * first exit the caller must see (run_loop.c, vcpu_ctl). */
enum engine_exit_reason snap_machine_run(struct machine *m);
/* After the last run: the triple-fault and exit snapshots. */
void snap_machine_run_end(struct machine *m, enum engine_exit_reason r);
/* SIGUSR1 (event-loop thread). */
void snap_machine_signal(struct machine *m);
/* Register with a vCPU's VMX watcher (vmexit / vmentry-fail). */
struct vmx_watch;
void snap_machine_watch(struct machine *m, struct vmx_watch *w);

/* Put a decoded snapshot into a machine made by machine_create() with no
 * firmware and the snapshot's RAM size.  0, or -1 with err set. */
int snap_machine_restore(struct machine *m, const struct snapshot_machine *s,
			 char *err, size_t errlen);

#endif
