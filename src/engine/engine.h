/* SPDX-License-Identifier: MIT */
/*
 * vCPU engine interface.  An engine runs one vCPU until an event that needs
 * the machine's attention; port I/O and MMIO are dispatched synchronously to
 * the machine's buses from inside run().
 */
#ifndef VMXBOX_ENGINE_ENGINE_H
#define VMXBOX_ENGINE_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/cpu_intc.h"
#include "core/cpu_model.h"
#include "core/cpu_signal.h"
#include "core/cpu_state.h"
#include "core/vclock.h"
#include "devices/io_bus.h"
#include "engine/intercept.h"
#include "memory/guest_mem.h"

enum engine_exit_reason {
	ENGINE_EXIT_NONE,
	ENGINE_EXIT_HLT,         /* HLT executed; state.activity = HLT */
	ENGINE_EXIT_SHUTDOWN,    /* triple fault / shutdown */
	ENGINE_EXIT_INSN_LIMIT,  /* max_insns reached */
	ENGINE_EXIT_STOP,        /* request_stop() was called */
	ENGINE_EXIT_ERROR,       /* internal error / unsupported; see msg */
	ENGINE_EXIT_DEBUG,       /* a debugger breakpoint/watchpoint: hit */
};

/*
 * Debugger breakpoints and watchpoints (set_debug; the GDB stub through
 * src/machine/gdb_target.c).  Breakpoints are linear addresses of
 * instructions (CS base + RIP); watchpoints linear or guest-physical
 * ranges.
 */
#define ENGINE_DEBUG_MAX_BP 64
#define ENGINE_DEBUG_MAX_WP 16

enum engine_watch_kind {
	ENGINE_WATCH_WRITE = 1,
	ENGINE_WATCH_READ = 2,
	ENGINE_WATCH_ACCESS = 3,     /* = WRITE | READ */
};

struct engine_watch {
	uint64_t addr, len;
	unsigned kind;               /* enum engine_watch_kind */
	bool phys;                   /* guest-physical, else linear */
};

struct engine_debug {
	unsigned n_bp, n_wp;
	/* Stop also at a breakpoint at the vCPU's position (reverse
	 * execution's search from a checkpoint); normally run() goes over
	 * it, since that is where gdb resumes from. */
	bool no_skip;
	uint64_t bp[ENGINE_DEBUG_MAX_BP];
	struct engine_watch wp[ENGINE_DEBUG_MAX_WP];
};

enum engine_debug_hit_kind { ENGINE_HIT_BREAK, ENGINE_HIT_WATCH };

struct engine_debug_hit {
	enum engine_debug_hit_kind kind;
	unsigned watch_kind;         /* the access: ENGINE_WATCH_WRITE/_READ */
	unsigned wp_kind;            /* the watchpoint's kind (it may be _ACCESS) */
	uint64_t addr;               /* the breakpoint, or the watchpoint's start */
	unsigned index;              /* in engine_debug's bp[] or wp[] */
};

struct engine_exit {
	enum engine_exit_reason reason;
	char msg[160];
	/* ENGINE_EXIT_HLT with engine_config.smp: the virtual time at which
	 * a timer could wake the halted vCPU (VCLOCK_NEVER: only an NMI,
	 * INIT or SIPI from another vCPU can). */
	uint64_t wake_at;
	/* ENGINE_EXIT_DEBUG: what stopped it. */
	struct engine_debug_hit hit;
};

struct engine_config {
	struct guest_mem *mem;
	struct io_bus *pio;
	struct io_bus *mmio;
	struct cpu_model model;
	uint64_t max_insns;                    /* 0 = unlimited */
	/* --tlb=flush-always: drop every cached translation at each VM
	 * entry/exit and MOV to CR3 (no tags kept); false: a tagged TLB that
	 * keeps what hardware may keep (SDM 29.4). */
	bool tlb_flush_always;
	/* --vmx-check: check L2's cached translations against the paging
	 * structures when used after L1 ran, and report stale ones through
	 * icpt->tlb_stale. */
	bool tlb_check;
	const struct x86_intercept_ops *icpt;  /* NULL: no VMX layer */
	void *icpt_opaque;
	/*
	 * The x87 FERR# output: called when a waiting x87 instruction finds
	 * an unmasked exception pending while CR0.NE = 0 (SDM Vol. 1 8.7,
	 * "MS-DOS compatibility" mode).  On a PC the platform routes it to
	 * IRQ 13 and port F0h deasserts it (its IGNNE# logic).  The
	 * instruction then executes, as with IGNNE# asserted (what QEMU and
	 * Bochs do).  NULL: no FERR# wiring, the error is ignored.
	 */
	void (*fpu_error)(void *opaque);
	void *fpu_error_opaque;
	/* The processor's interrupt controller (core/cpu_intc.h); ops NULL:
	 * none (INTR never asserted, CR8 a plain register). */
	struct cpu_intc intc;
	/* The machine's virtual clock (core/vclock.h), or NULL.  The engine
	 * drives it: create() installs its read/changed hooks, the engine
	 * fires due timers at instruction boundaries and a halted vCPU waits
	 * for the next deadline. */
	struct vclock *clock;
	/*
	 * Multiprocessor machine (src/machine/smp.c): a halted vCPU (HLT or
	 * wait-for-SIPI) returns ENGINE_EXIT_HLT with wake_at instead of
	 * moving virtual time to the next deadline itself; the machine's
	 * scheduler moves it (idle_until) while the other vCPUs run.
	 */
	bool smp;
	/*
	 * SMP: the latest virtual time of the other vCPUs (the machine's
	 * scheduler runs them one after the other, each up to the end of a
	 * round, so one that ran earlier in the round is ahead).  A read of
	 * the TSC first moves this vCPU's time up to it: TSC values read on
	 * different vCPUs never go backwards, as on hardware whose TSCs are
	 * synchronized (docs/smp.md).  NULL: one vCPU.
	 */
	uint64_t (*peers_time)(void *opaque);
	void *peers_time_opaque;
	/* An application processor: INIT puts it in the wait-for-SIPI state
	 * instead of restarting it at the reset vector (SDM Vol. 3A 9.4.1,
	 * 11.6.1 "INIT"). */
	bool ap;
};

struct engine;

struct engine_ops {
	const char *name;
	/* Usable on this host?  On false, why says what is missing. */
	bool (*probe)(char *why, size_t len);
	/* Optional: usable but not worth choosing for `auto` (why says why). */
	bool (*auto_ok)(char *why, size_t len);
	struct engine *(*create)(const struct engine_config *cfg, char *err,
				 size_t errlen);
	void (*destroy)(struct engine *e);
	enum engine_exit_reason (*run)(struct engine *e, struct engine_exit *out);
	void (*get_state)(struct engine *e, struct cpu_state *s);
	void (*set_state)(struct engine *e, const struct cpu_state *s);
	/*
	 * The interrupt controller's signals into the vCPU (core/cpu_signal.h):
	 * CPU_SIGNAL_INTR makes the engine sample INTR (cpu_intc pending())
	 * again at the next instruction boundary; NMI and INIT are latched
	 * and recognised there; SIPI (vector) wakes a vCPU waiting for it.
	 * Called from the vCPU thread only: by device models inside run(), or
	 * between run() calls (also from the event loop while the vCPU is
	 * parked by vcpu_ctl, which orders the accesses through its mutex).
	 */
	void (*raise_event)(struct engine *e, enum cpu_signal ev,
			    uint8_t vector);
	/* Thread-safe; makes run() return ENGINE_EXIT_STOP soon. */
	void (*request_stop)(struct engine *e);
	/* Instructions retired so far (interp exact; kvm approximate/0). */
	uint64_t (*insn_count)(struct engine *e);
	/* Change the instruction limit (0 = unlimited). */
	void (*set_max_insns)(struct engine *e, uint64_t max_insns);
	/* Optional: one line on what ran where (--verbose, the monitor). */
	void (*describe)(struct engine *e, char *buf, size_t len);
	/* Translation-cache lookups that hit and missed so far (optional;
	 * vmxbox run -v reports them). */
	void (*tlb_stats)(struct engine *e, uint64_t *hits, uint64_t *misses);
	/*
	 * SMP: the vCPU idled while the others ran: move its virtual time
	 * (its TSC) forward to `vtime` if it is behind.  NULL: the engine
	 * runs one vCPU only.
	 */
	void (*idle_until)(struct engine *e, uint64_t vtime);
	/*
	 * Optional: the debugger's breakpoints and watchpoints (copied;
	 * n_bp = n_wp = 0 turns debugging off).  Between run() calls only.
	 * run() then returns ENGINE_EXIT_DEBUG before an instruction at a
	 * breakpoint and after one that touched a watched range; it goes over
	 * a breakpoint at the vCPU's position at this call (where gdb resumes
	 * from).
	 */
	void (*set_debug)(struct engine *e, const struct engine_debug *d);
	/* Optional; on the vCPU thread inside run() only (an observer of the
	 * instruction being executed): run() returns ENGINE_EXIT_STOP right
	 * after this instruction, not at the end of a batch. */
	void (*stop_after_insn)(struct engine *e);
};

struct engine {
	const struct engine_ops *ops;
};

extern const struct engine_ops interp_engine_ops;
extern const struct engine_ops kvm_engine_ops;

/* Registry: every engine compiled in, in `auto` preference order. */
const struct engine_ops *const *engine_list(void);
const struct engine_ops *engine_find(const char *name);
const char *engine_exit_reason_name(enum engine_exit_reason r);

/* Every engine name vmxbox knows, built in or not (NULL-terminated). */
extern const char *const engine_known_names[];
/*
 * Resolve an --engine value ("auto" or a name).  On success returns the
 * engine and, for "auto", says in why which one was picked and why; on
 * failure returns NULL with a one-line reason in why.
 */
const struct engine_ops *engine_select(const char *name, char *why, size_t len);

#endif
