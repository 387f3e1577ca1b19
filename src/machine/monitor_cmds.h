/* SPDX-License-Identifier: MIT */
/*
 * The machine's side of the monitor (docs/monitor.md): the command table
 * served on --monitor=PATH, and the trace pipe from the vCPU thread (VMX
 * watcher observer -> lock-free ring -> ev_async -> subscribed clients).
 */
#ifndef VMXBOX_MACHINE_MONITOR_CMDS_H
#define VMXBOX_MACHINE_MONITOR_CMDS_H

#include <ev.h>
#include <stddef.h>

struct machine;

/* Open the socket (if cfg.monitor_path) and hook the trace pipe into the
 * loop.  0, or -1 with err set. */
int machine_monitor_start(struct machine *m, struct ev_loop *loop, char *err,
			  size_t errlen);
void machine_monitor_stop(struct machine *m);
/*
 * One command line ("regs --cpu=1", "vmcs", "help") run as the monitor
 * would run it, its result as the text `vmxbox ctl` prints, NUL-ended in
 * out: gdb's `monitor CMD` (qRcmd).  Numbers in the line are passed as
 * numbers (0x-hex or decimal), other words as strings.
 */
void machine_monitor_text(struct machine *m, const char *line, char *out,
			  size_t outlen);

#endif
