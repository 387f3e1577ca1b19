/* SPDX-License-Identifier: MIT */
/*
 * --gdb: the machine as the GDB stub's target (docs/gdb.md).  The stub and
 * its socket live on the event loop; the vCPUs are parked for every
 * register and memory access and released for c/s; breakpoints and
 * watchpoints go to every vCPU's engine (engine_ops.set_debug), whose run
 * then stops with ENGINE_EXIT_DEBUG and parks the vCPU thread.
 */
#ifndef VMXBOX_MACHINE_GDB_TARGET_H
#define VMXBOX_MACHINE_GDB_TARGET_H

#include <stddef.h>

struct ev_loop;
struct machine;

/* Listen on m->cfg.gdb (nothing when NULL); 0, or -1 with err. */
int machine_gdb_start(struct machine *m, struct ev_loop *loop, char *err,
		      size_t errlen);
/* The run is over with exit status `status`: a debugger waiting for a
 * stop gets W status; the socket closes. */
void machine_gdb_finish(struct machine *m, int status);

#endif
