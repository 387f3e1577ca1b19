/* SPDX-License-Identifier: MIT */
/*
 * The control socket: a Unix stream socket served from the machine's libev
 * loop.  Commands come from a table the owner passes in (the machine), so
 * this file knows nothing about vCPUs or VMX.  A slow or dead client never
 * stalls the loop: sockets are non-blocking, output is queued up to a bound,
 * trace events to a client whose queue is full are dropped and counted.
 */
#ifndef VMXBOX_MONITOR_MONITOR_H
#define VMXBOX_MONITOR_MONITOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cbor.h>
#include <ev.h>

#define MON_MAX_CLIENTS 16
#define MON_OUTQ_MAX (8u << 20)

struct monitor;
struct monitor_client;

struct monitor_cmd {
	const char *name;
	const char *args;   /* usage of the arguments, e.g. "ADDR LEN" */
	const char *help;
	/* args is the request's "args" array (possibly empty).  Returns the
	 * result (owned by the caller) or NULL with err set. */
	cbor_item_t *(*fn)(void *opaque, struct monitor_client *c,
			   const cbor_item_t *args, char *err, size_t errlen);
};

struct monitor_config {
	const char *path;
	struct ev_loop *loop;
	const struct monitor_cmd *cmds;
	size_t nr_cmds;
	void *opaque;
};

/* Creates the socket (mode 0600).  Refuses if path exists and is not a
 * stale socket (a socket nobody accepts on).  0, or -1 with err set. */
int monitor_open(struct monitor **out, const struct monitor_config *cfg,
		 char *err, size_t errlen);
void monitor_close(struct monitor *m);

unsigned monitor_nr_clients(const struct monitor *m);

/* Trace subscription of one client: on/off and which exit reasons
 * (bit n of reasons[n/64]; all ones = every reason). */
void monitor_client_set_trace(struct monitor_client *c, bool on,
			      const uint64_t reasons[2]);
/* Whether any client traces now; callable from any thread (the vCPU
 * thread skips its VMX events while nobody does: building and dropping
 * a map per event kept the loop thread busy during exit storms). */
bool monitor_tracing(struct monitor *m);
/* Send an event map to every client tracing `reason` (takes ownership). */
void monitor_broadcast_trace(struct monitor *m, unsigned reason, cbor_item_t *ev);
uint64_t monitor_dropped_events(const struct monitor *m);

#endif
