/* SPDX-License-Identifier: MIT */
/*
 * The GDB stub's socket (--gdb=tcp::PORT | tcp:HOST:PORT | unix:PATH),
 * served from the machine's libev loop like the monitor: non-blocking,
 * one debugger at a time (a second connection is closed at once), output
 * queued up to a bound.  TCP listens on 127.0.0.1 unless a host is named;
 * a unix socket is created 0600.
 */
#ifndef VMXBOX_GDB_GDB_SERVER_H
#define VMXBOX_GDB_GDB_SERVER_H

#include <stdbool.h>
#include <stddef.h>

#include <ev.h>

#include "gdb/gdb_stub.h"

struct gdb_server;

struct gdb_server_config {
	const char *spec;
	struct ev_loop *loop;
	const struct gdb_target_ops *ops;
	void *target;
	/* A debugger connected (stop the machine) / went away (let it run). */
	void (*attach)(void *target);
	void (*detach)(void *target);
};

/* Syntax check of a --gdb value (no socket made); false with err. */
bool gdb_spec_valid(const char *spec, char *err, size_t errlen);
/* Listen; 0, or -1 with err.  where gets what it listens on (the port
 * actually bound for tcp::0). */
int gdb_server_open(struct gdb_server **out, const struct gdb_server_config *cfg,
		    char *where, size_t wherelen, char *err, size_t errlen);
void gdb_server_close(struct gdb_server *s);
/* Loop thread: the target stopped (a stop reply is sent if owed). */
void gdb_server_stopped(struct gdb_server *s, const struct gdb_stop *why);
bool gdb_server_connected(const struct gdb_server *s);
/* A resume is outstanding: gdb waits for a stop reply. */
bool gdb_server_running(const struct gdb_server *s);

#endif
