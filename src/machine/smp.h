/* SPDX-License-Identifier: MIT */
/*
 * Multiprocessor machines (--smp=N): the vCPUs and the deterministic
 * scheduler that runs them all on the one vCPU thread (docs/smp.md).
 *
 * Each vCPU has its own engine instance, local APIC (APIC ID = index),
 * VMX layer and VMX watcher.  vCPU 0 is the bootstrap processor and its
 * parts are the machine's own fields (m->eng, m->lapic, m->vmx,
 * m->watch), so a one-vCPU machine is exactly what it always was; the
 * application processors start in the wait-for-SIPI state.
 *
 * The scheduler advances virtual time in rounds of `quantum` nanoseconds
 * (= instructions, the interpreter retires one per nanosecond): in each
 * round every vCPU in index order runs until its virtual time reaches the
 * round's end.  A halted vCPU gives its turn away at once and catches up
 * with the others' time at its next turn; when a whole round passes with
 * no instruction retired and no interrupt signalled, time jumps to the
 * earliest deadline that can wake somebody, and the run ends when there
 * is none.  Everything runs on one host thread in a fixed order, so a run
 * is reproducible instruction for instruction.
 */
#ifndef VMXBOX_MACHINE_SMP_H
#define VMXBOX_MACHINE_SMP_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "devices/apic_bus.h"
#include "devices/io_bus.h"
#include "devices/lapic.h"
#include "engine/engine.h"
#include "machine/vmx_watch.h"

#define MACHINE_MAX_CPUS APIC_BUS_MAX_CPUS
#define SMP_QUANTUM_DEFAULT 1000u    /* instructions per turn */

struct machine;
struct vmx_vcpu;

struct machine_vcpu {
	struct machine *m;
	unsigned index;               /* = initial APIC ID; 0 is the BSP */
	struct engine *eng;
	struct lapic *lapic;
	struct vmx_vcpu *vmx;         /* NULL without VMX */
	struct vmx_watch *watch;
	/* Application processors: storage for lapic and watch, and their
	 * MMIO view (own APIC window, then the machine's bus). */
	struct lapic ap_lapic;
	struct vmx_watch ap_watch;
	struct io_bus mmio;
	/* The virtual-clock hooks its engine installed at create(). */
	uint64_t (*clock_read)(void *opaque);
	void *clock_read_opaque;
	void (*clock_changed)(void *opaque);
	void *clock_changed_opaque;
	struct engine_exit exit;      /* of its last run() */
};

struct smp_sched {
	uint64_t quantum;             /* virtual ns (instructions) per turn */
	uint64_t round_start, round_end;
	unsigned cur;                 /* whose turn it is */
	atomic_uint running;          /* the vCPU inside run(), for kicks */
	atomic_bool kicked;           /* machine_kick_vcpu() since last look */
	uint64_t limit;               /* total-instruction limit, 0 = none */
	bool progress;                /* instructions retired this round */
	bool signalled;               /* an interrupt signalled this round */
	unsigned final_cpu;           /* whose exit ended the run */
	uint64_t switches;            /* turns taken (bench) */
	/* A turn the total limit cut short (a snapshot or step point): the
	 * instruction count of cur where the turn ends, 0 when none.  The
	 * turn goes on to there, as it would have without the cut, even if
	 * cur's clock passed round_end meanwhile (a TSC read catching up with
	 * the other vCPUs moves it): else taking a snapshot would change
	 * the interleaving. */
	uint64_t turn_end;
	struct vmx_vcpu *vmx[MACHINE_MAX_CPUS];  /* for vmx_vcpu_link() */
};

/* The vCPUs' parts beyond the BSP; called from machine_create. */
int smp_create_aps(struct machine *m, char *err, size_t errlen);
void smp_destroy(struct machine *m);
/* Remember the clock hooks vCPU v's engine just installed. */
void smp_save_clock_hooks(struct machine *m, struct machine_vcpu *v);
uint64_t smp_peers_time(void *opaque);
void smp_use_clock(struct machine *m, struct machine_vcpu *v);

/* Run every vCPU until a stop, the limit, a shutdown or an error, or
 * until all are halted with nothing to wake them (ENGINE_EXIT_HLT). */
enum engine_exit_reason smp_run(struct machine *m);

/* Snapshots (smp_snap.c): vCPUs 1..N-1 and the scheduler into s (whose
 * vCPU count is set), and back after vCPU 0 is restored.  Nothing with
 * one vCPU. */
struct snapshot_machine;
bool smp_snap_capture(struct machine *m, struct snapshot_machine *s);
int smp_snap_restore(struct machine *m, const struct snapshot_machine *s,
		     char *err, size_t errlen);

#endif
