/* SPDX-License-Identifier: MIT */
/*
 * The machine: guest RAM, the port-I/O and MMIO buses with their devices,
 * the loaded firmware, and one vCPU engine.  machine_run() drives the vCPU
 * in its own thread from a libev event loop that also handles SIGINT,
 * SIGTERM and --timeout.
 */
#ifndef VMXBOX_MACHINE_MACHINE_H
#define VMXBOX_MACHINE_MACHINE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/cpu_model.h"
#include "core/cpu_state.h"
#include "devices/debug_exit.h"
#include "devices/event_port.h"
#include "devices/io_bus.h"
#include "devices/lapic.h"
#include "devices/uart16550.h"
#include "engine/engine.h"
#include "loader/elf_loader.h"
#include "loader/image.h"
#include "machine/exit_status.h"
#include "machine/pc_isa.h"
#include "machine/smp.h"
#include "machine/vcpu_ctl.h"
#include "machine/vmx_watch.h"
#include "memory/guest_mem.h"

struct vmx_vcpu;

struct snap_trigger;
struct pc_platform;

struct machine_config {
	const char *firmware;        /* ELF64 path */
	const char *engine;          /* "auto" (default), "interp", "kvm" */
	const struct engine_ops *engine_ops;  /* if set, overrides engine */
	uint64_t mem_size;           /* bytes; 0 = GUEST_MEM_DEFAULT */
	uint64_t max_insns;          /* 0 = unlimited */
	bool tlb_flush_always;       /* --tlb=flush-always */
	int vmx_check;               /* --vmx-check: 0 off, 1 report, 2 fatal */
	enum debug_exit_mode debug_exit;
	int debug_exit_port;         /* default DEBUG_EXIT_PORT; -1: none */
	unsigned debug_exit_len;     /* ports it claims (QEMU's iosize) */
	double timeout;              /* seconds; 0 = none */
	bool vmx;                    /* advertise VMX to the guest */
	const char *cpu;             /* --cpu=SPEC (cpu_model_parse); NULL = max */
	bool event_port;             /* vmxbox's event port 0xf5 (default on) */
	bool pc_testdev;             /* QEMU's pc-testdev (docs/platform.md) */
	unsigned pci_testdevs;       /* QEMU pci-testdevs from 00:02.0 on */
	bool verbose;
	const char *append;          /* boot command line, may be NULL */
	const char *initrd;          /* --initrd: multiboot module 0 */
	const char *const *modules;  /* --module: further modules */
	unsigned nr_modules;
	int serial_fd;               /* UART output (COM1) */
	bool com_on[3];              /* COM2-COM4 present (machine/pc_serial.h) */
	int com_fd[3];               /* ... their output; -1 discards */
	int msg_fd;                  /* one-line reasons, --verbose reports */
	const char *monitor_path;    /* --monitor=PATH control socket, or NULL */
	const char *gdb;             /* --gdb=tcp::PORT|unix:PATH, or NULL */
	bool gdb_reverse;            /* --reverse: checkpoints for bs/bc */
	uint64_t gdb_interval;       /* --checkpoint-interval (0: default) */
	uint64_t gdb_history_mem;    /* --history-mem bytes (0: default) */
	bool trace_vmx;              /* --trace=vmx: VM entries/exits on msg_fd */
	const char *trace_out;       /* --trace-out=FILE: as Chrome trace JSON */
	bool paused;                 /* --paused: wait for the monitor's resume */
	bool no_vmx_watch;           /* --no-vmx-watch: no counters/traces (bench) */
	struct snap_trigger *snap;   /* --snapshot-on triggers; NULL: none
				      * (src/machine/snap_machine.h) */
	enum vclock_mode clock;      /* --clock=virtual|host */
	bool rtc_base_set;           /* --rtc-base: the RTC's date at reset */
	int64_t rtc_base;            /* ... in Unix seconds (UTC) */
	unsigned smp;                /* --smp=N vCPUs (0 = 1), docs/smp.md */
	uint64_t smp_quantum;        /* --smp-quantum: instructions per turn */
};

void machine_config_default(struct machine_config *c);

/* Why the run is being stopped from outside the engine. */
enum machine_stop_cause {
	STOP_NONE,
	STOP_DEBUG_EXIT,
	STOP_SIGINT,
	STOP_SIGTERM,
	STOP_TIMEOUT,
	STOP_MONITOR_QUIT,
	STOP_POWEROFF,               /* guest: shutdown port, ACPI S5 */
	STOP_RESET,                  /* guest: reset register, port 0x92 */
	STOP_VMX_CHECK,              /* --vmx-check=fatal found a bug */
};

struct machine {
	struct machine_config cfg;
	struct guest_mem mem;
	struct io_bus pio, mmio;
	struct uart16550 uart;       /* COM1 */
	struct uart16550 *com[3];    /* COM2-COM4, NULL when absent */
	struct debug_exit dbg;
	struct event_port events;     /* port 0xf5: guest-raised IRQ/NMI/INIT */
	struct pc_platform *pc;       /* fw_cfg, ... (pc_platform.h) */
	struct vclock clock;          /* the one virtual clock (core/vclock.h) */
	struct apic_bus apic_bus;     /* IPIs, IOAPIC messages, EOI broadcast */
	struct lapic lapic;           /* the vCPU's local APIC */
	struct pc_isa isa;            /* IOAPIC, 8259s, ISA lines (pc_isa.h) */
	struct elf_image img;
	enum image_kind img_kind;
	struct cpu_model model;      /* what CPUID advertises (cfg.cpu, cfg.vmx) */
	struct cpu_state boot_state;
	const struct engine_ops *ops;
	struct engine *eng;
	struct vmx_vcpu *vmx;        /* VMX layer of the vCPU; NULL if --vmx=off */
	char engine_why[320];
	struct vmx_watch watch;      /* observes VM entries/exits (vmx_watch.h) */
	struct vcpu_ctl ctl;         /* pause / resume / step (vcpu_ctl.h) */
	struct machine_monitor *mon; /* --monitor state (monitor_cmds.c) */
	struct machine_gdb *gdb;     /* --gdb state (gdb_target.c) */
	/* The vCPUs (smp.h): cpu[0] is the BSP above (eng, lapic, vmx,
	 * watch); more with --smp, all run by the scheduler. */
	unsigned n_cpus;
	struct machine_vcpu *cpu[MACHINE_MAX_CPUS];
	struct smp_sched sched;

	/* Run state. */
	atomic_int stop_cause;       /* enum machine_stop_cause */
	enum engine_exit_reason reason;
	struct engine_exit exit;
	struct cpu_state final_state;
	uint64_t insns;
	double seconds;
};

/*
 * Build the machine and load the firmware.  Returns 0, or the exit status
 * to use (VMXBOX_EXIT_FIRMWARE, _NO_ENGINE, _INTERNAL, _USAGE) with a
 * one-line reason in err.  *out is NULL on failure.
 */
int machine_create(const struct machine_config *cfg, struct machine **out,
		   char *err, size_t errlen);
/* Run until the guest or vmxbox ends it; returns the exit status and
 * writes the one-line reason for vmxbox-decided outcomes to msg_fd. */
int machine_run(struct machine *m);
/* Thread-safe, async-signal-unsafe: record cause (first one wins) and
 * ask the engine to stop. */
void machine_request_stop(struct machine *m, enum machine_stop_cause cause);
/* Ask the engine to stop at the next boundary (pause, snapshot, stop),
 * even when the vCPU thread waits for room in the serial output. */
void machine_kick_vcpu(struct machine *m);
void machine_destroy(struct machine *m);

/* Instructions retired by every vCPU together, and a limit on that total
 * (absolute; 0 = none).  vCPU thread, or while it is parked. */
uint64_t machine_insn_count(struct machine *m);
void machine_set_max_insns(struct machine *m, uint64_t limit);
/* Run the vCPU(s) once (engine run(), or the SMP scheduler). */
enum engine_exit_reason machine_run_vcpus(struct machine *m);
/* The state of the vCPU whose exit ended the run (the BSP's normally). */
void machine_final_state(struct machine *m, struct cpu_state *s);

/* The outcome of a finished run as exit status + reason (reason is empty
 * when the guest chose the status through debug-exit). */
int machine_outcome(const struct machine *m, char *reason, size_t len);

#endif
