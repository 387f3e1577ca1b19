/* SPDX-License-Identifier: MIT */
/* What monitor_cmds.c shares with monitor_text.c (private to src/machine). */
#ifndef VMXBOX_MACHINE_MONITOR_INT_H
#define VMXBOX_MACHINE_MONITOR_INT_H

#include <ev.h>

#include "monitor/monitor.h"
#include "monitor/trace.h"

struct machine;

/* The opaque of every machine command: the socket's, or a stack one for a
 * text command (mon and loop NULL). */
struct machine_monitor {
	struct machine *m;
	struct monitor *mon;
	struct ev_loop *loop;
	ev_async trace_wake;
	struct trace_ring ring;
	double t0;
};

/* The machine command called name, or NULL. */
const struct monitor_cmd *machine_cmd_find(const char *name);

#endif
