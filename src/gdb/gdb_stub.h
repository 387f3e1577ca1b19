/* SPDX-License-Identifier: MIT */
/*
 * The GDB remote stub's protocol side (docs/gdb.md): packets in, replies
 * out, against an abstract target (struct gdb_target_ops) that the
 * machine layer implements (src/machine/gdb_target.c).  No sockets and no
 * threads here: gdb_stub_input() takes received bytes, send() gets every
 * byte to write back, and the target reports a stop after a resume with
 * gdb_stub_stopped().  All-stop mode: one stop reply per resume.
 */
#ifndef VMXBOX_GDB_GDB_STUB_H
#define VMXBOX_GDB_GDB_STUB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/cpu_state.h"
#include "gdb/gdb_packet.h"

enum gdb_resume {
	GDB_RESUME_CONTINUE,
	GDB_RESUME_STEP,
	GDB_RESUME_REV_STEP,
	GDB_RESUME_REV_CONTINUE,
};

/* Z/z packet types (GDB manual, "Packets", Z type). */
enum gdb_bp_type {
	GDB_BP_SW = 0,
	GDB_BP_HW = 1,
	GDB_WP_WRITE = 2,
	GDB_WP_READ = 3,
	GDB_WP_ACCESS = 4,
};

enum gdb_stop_kind {
	GDB_STOP_TRAP,        /* step done, breakpoint, debug event: T05 */
	GDB_STOP_INTERRUPT,   /* ^C / pause: T02 */
	GDB_STOP_WATCH,       /* watchpoint: T05 watch/rwatch/awatch */
	GDB_STOP_HISTORY,     /* reverse execution reached the oldest state */
	GDB_STOP_EXITED,      /* the run ended: W */
};

struct gdb_stop {
	enum gdb_stop_kind kind;
	unsigned cpu;                 /* vCPU index (thread cpu + 1) */
	enum gdb_bp_type watch_type;  /* GDB_STOP_WATCH */
	uint64_t addr;                /* GDB_STOP_WATCH: the data address */
	int exit_status;              /* GDB_STOP_EXITED */
};

struct gdb_target_ops {
	unsigned (*nr_cpus)(void *t);
	bool (*get_state)(void *t, unsigned cpu, struct cpu_state *s);
	bool (*set_state)(void *t, unsigned cpu, const struct cpu_state *s);
	/* Linear addresses in the vCPU's current view; bytes done. */
	size_t (*read_mem)(void *t, unsigned cpu, uint64_t addr, uint8_t *buf,
			   size_t len);
	size_t (*write_mem)(void *t, unsigned cpu, uint64_t addr,
			    const uint8_t *buf, size_t len);
	/* 0: done; -1: refused (E reply); 1: type not supported (""). */
	int (*breakpoint)(void *t, bool insert, enum gdb_bp_type type,
			  uint64_t addr, uint64_t len);
	/* Let cpu (or all) run; the stop comes later (gdb_stub_stopped).
	 * False: cannot (E reply). */
	bool (*resume)(void *t, unsigned cpu, enum gdb_resume how);
	/* 0x03 while running: stop soon (then gdb_stub_stopped). */
	void (*interrupt)(void *t);
	/* qRcmd: `monitor CMD` text output into out (NUL-ended). */
	void (*monitor)(void *t, const char *cmd, char *out, size_t outlen);
	/* D: forget breakpoints and let the machine run on; k: end it. */
	void (*detach)(void *t);
	void (*kill)(void *t);
	/* Reverse execution available (bs/bc, ReverseStep+). */
	bool (*can_reverse)(void *t);
};

struct gdb_stub;

typedef void (*gdb_send_fn)(void *opaque, const uint8_t *buf, size_t len);

struct gdb_stub *gdb_stub_new(const struct gdb_target_ops *ops, void *target,
			      gdb_send_fn send, void *send_opaque);
void gdb_stub_free(struct gdb_stub *st);
/* Bytes received from gdb (any cut). */
void gdb_stub_input(struct gdb_stub *st, const uint8_t *buf, size_t len);
/* The target stopped after a resume: send the stop reply it owes. */
void gdb_stub_stopped(struct gdb_stub *st, const struct gdb_stop *why);
/* A resume is outstanding (the target runs for gdb). */
bool gdb_stub_running(const struct gdb_stub *st);
/* Packets handled / rejected (bad checksum, too long) so far. */
void gdb_stub_counts(const struct gdb_stub *st, uint64_t *ok, uint64_t *bad);

#endif
