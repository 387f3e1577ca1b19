/* SPDX-License-Identifier: MIT */
/*
 * Device output that never blocks the event loop: a bounded ring drained
 * by its own writer thread, the only thread that ever write()s to the
 * output descriptor, and never while holding the ring's lock.
 *
 * When the ring is full the producer (the vCPU thread, inside a port
 * write) waits for space, so a slow reader slows the guest down but never
 * loses output and never changes what the guest observes (determinism).
 * serial_out_kick() (a stop, pause or snapshot is pending) makes that wait
 * give up: serial_out_putc() returns false and the device asks the engine
 * to retry the instruction later (io_bus_retry_write()).
 */
#ifndef VMXBOX_DEVICES_SERIAL_OUT_H
#define VMXBOX_DEVICES_SERIAL_OUT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SERIAL_OUT_RING (256u * 1024)

/* Shared with the writer thread, which may outlive serial_out_destroy()
 * while stuck in write() on a reader that never reads: it then frees it. */
struct serial_ring {
	int fd;
	pthread_mutex_t lock;
	pthread_cond_t space;    /* producer: the ring has room (or kicked) */
	pthread_cond_t work;     /* writer: something to write (or quit) */
	pthread_cond_t idle;     /* drain: everything written (or kicked) */
	char *buf;
	size_t head, len;        /* bytes [head, head + len) mod ring size */
	bool writing;            /* the writer is inside write() */
	bool kicked;             /* give up waiting: a stop is pending */
	bool quit;               /* the owner is gone */
	bool failed;             /* write() failed: output is discarded */
	uint64_t written;        /* bytes written to fd so far */
};

struct serial_out {
	int fd;                  /* -1: discard */
	/* Discard output for now (gdb reverse execution re-runs what was
	 * already printed).  Set while the vCPU thread is parked. */
	bool mute;
	struct serial_ring *r;   /* NULL: no writer thread, write directly */
	pthread_t thread;
};

/* 0, or -1 when memory or the writer thread could not be had (the output
 * is then written synchronously by the producer, as a fallback). */
int serial_out_init(struct serial_out *o, int fd);
/* Stops the writer; a writer stuck in write() on a reader that never
 * reads is left behind detached (unwritten bytes are dropped). */
void serial_out_destroy(struct serial_out *o);
/* Queue one byte.  False: the ring was full and serial_out_kick() was
 * called while waiting: nothing queued, try again later. */
bool serial_out_putc(struct serial_out *o, char c);
/* Ask the writer to write what is queued (never blocks). */
void serial_out_push(struct serial_out *o);
/* Wait until everything queued is written, at most max_seconds (0: no
 * limit).  False if kicked or out of time first. */
bool serial_out_drain(struct serial_out *o, double max_seconds);
/* Make a waiting putc()/drain() give up; stays set until unkick(). */
void serial_out_kick(struct serial_out *o);
void serial_out_unkick(struct serial_out *o);
/* Bytes queued but not written yet. */
size_t serial_out_pending(struct serial_out *o);

#endif
