// SPDX-License-Identifier: MIT
#include "devices/serial_out.h"

#include "memory/guarded.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Write all of buf, for the no-thread fallback; errors drop the output. */
static void write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		buf += n;
		len -= (size_t)n;
	}
}

static void ring_free(struct serial_ring *r)
{
	pthread_cond_destroy(&r->space);
	pthread_cond_destroy(&r->work);
	pthread_cond_destroy(&r->idle);
	pthread_mutex_destroy(&r->lock);
	guarded_free(r->buf, SERIAL_OUT_RING);
	free(r);
}

static struct serial_ring *ring_new(int fd)
{
	struct serial_ring *r = calloc(1, sizeof(*r));
	pthread_condattr_t ca;

	if (!r)
		return NULL;
	r->buf = guarded_alloc(SERIAL_OUT_RING);   /* guest bytes */
	if (!r->buf) {
		free(r);
		return NULL;
	}
	r->fd = fd;
	pthread_mutex_init(&r->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&r->space, NULL);
	pthread_cond_init(&r->work, NULL);
	pthread_cond_init(&r->idle, &ca);
	pthread_condattr_destroy(&ca);
	return r;
}

/* One write() of the oldest contiguous bytes, outside the lock. */
static void write_some(struct serial_ring *r)
{
	size_t chunk = SERIAL_OUT_RING - r->head;
	ssize_t n;

	if (chunk > r->len)
		chunk = r->len;
	r->writing = true;
	pthread_mutex_unlock(&r->lock);
	n = write(r->fd, r->buf + r->head, chunk);
	pthread_mutex_lock(&r->lock);
	r->writing = false;
	if (n < 0 && errno == EINTR)
		return;
	if (n <= 0) {
		/* Closed pipe, full disk: drop this and all later output,
		 * as a write error always did. */
		r->failed = true;
		r->len = 0;
	} else {
		r->head = (r->head + (size_t)n) % SERIAL_OUT_RING;
		r->len -= (size_t)n;
		r->written += (uint64_t)n;
	}
	pthread_cond_broadcast(&r->space);
	if (!r->len)
		pthread_cond_broadcast(&r->idle);
}

static void *writer_main(void *arg)
{
	struct serial_ring *r = arg;
	bool orphan;

	pthread_mutex_lock(&r->lock);
	for (;;) {
		while (!r->len && !r->quit)
			pthread_cond_wait(&r->work, &r->lock);
		if (r->quit)
			break;
		write_some(r);
	}
	/* The owner left while we were inside write(): the ring is ours. */
	orphan = r->fd < 0;
	pthread_mutex_unlock(&r->lock);
	if (orphan)
		ring_free(r);
	return NULL;
}

int serial_out_init(struct serial_out *o, int fd)
{
	memset(o, 0, sizeof(*o));
	o->fd = fd;
	if (fd < 0)
		return 0;
	o->r = ring_new(fd);
	if (!o->r)
		return -1;
	if (pthread_create(&o->thread, NULL, writer_main, o->r)) {
		ring_free(o->r);
		o->r = NULL;
		return -1;
	}
	return 0;
}

void serial_out_destroy(struct serial_out *o)
{
	struct serial_ring *r = o->r;
	bool stuck;

	if (!r)
		return;
	pthread_mutex_lock(&r->lock);
	r->quit = true;
	stuck = r->writing;
	/* A writer stuck in write() on a reader that never reads: leave it
	 * the ring to free when (if ever) write() returns. */
	if (stuck)
		r->fd = -1;
	pthread_cond_broadcast(&r->work);
	pthread_mutex_unlock(&r->lock);
	if (stuck) {
		pthread_detach(o->thread);
	} else {
		pthread_join(o->thread, NULL);
		ring_free(r);
	}
	o->r = NULL;
}

bool serial_out_putc(struct serial_out *o, char c)
{
	struct serial_ring *r = o->r;

	if (o->fd < 0 || o->mute)
		return true;
	if (!r) {
		write_all(o->fd, &c, 1);
		return true;
	}
	pthread_mutex_lock(&r->lock);
	while (r->len == SERIAL_OUT_RING && !r->failed) {
		if (r->kicked) {
			r->kicked = false;   /* consumed: the stop is served */
			pthread_mutex_unlock(&r->lock);
			return false;
		}
		pthread_cond_signal(&r->work);
		pthread_cond_wait(&r->space, &r->lock);
	}
	if (!r->failed) {
		r->buf[(r->head + r->len) % SERIAL_OUT_RING] = c;
		r->len++;
		/* Line-buffered like a terminal; big bursts go in halves. */
		if (c == '\n' || r->len == SERIAL_OUT_RING / 2)
			pthread_cond_signal(&r->work);
	}
	pthread_mutex_unlock(&r->lock);
	return true;
}

void serial_out_push(struct serial_out *o)
{
	struct serial_ring *r = o->r;

	if (!r)
		return;
	pthread_mutex_lock(&r->lock);
	if (r->len)
		pthread_cond_signal(&r->work);
	pthread_mutex_unlock(&r->lock);
}

static struct timespec deadline(double seconds)
{
	struct timespec dl;

	clock_gettime(CLOCK_MONOTONIC, &dl);
	dl.tv_sec += (time_t)seconds;
	dl.tv_nsec += (long)((seconds - (double)(time_t)seconds) * 1e9);
	if (dl.tv_nsec >= 1000000000L) {
		dl.tv_sec++;
		dl.tv_nsec -= 1000000000L;
	}
	return dl;
}

bool serial_out_drain(struct serial_out *o, double max_seconds)
{
	struct serial_ring *r = o->r;
	struct timespec dl = deadline(max_seconds);
	bool done;

	if (!r)
		return true;
	pthread_mutex_lock(&r->lock);
	while (r->len && !r->kicked) {
		pthread_cond_signal(&r->work);
		if (max_seconds <= 0)
			pthread_cond_wait(&r->idle, &r->lock);
		else if (pthread_cond_timedwait(&r->idle, &r->lock, &dl) ==
			 ETIMEDOUT)
			break;
	}
	done = !r->len;
	pthread_mutex_unlock(&r->lock);
	return done;
}

void serial_out_kick(struct serial_out *o)
{
	struct serial_ring *r = o->r;

	if (!r)
		return;
	pthread_mutex_lock(&r->lock);
	r->kicked = true;
	pthread_cond_broadcast(&r->space);
	pthread_cond_broadcast(&r->idle);
	pthread_mutex_unlock(&r->lock);
}

void serial_out_unkick(struct serial_out *o)
{
	struct serial_ring *r = o->r;

	if (!r)
		return;
	pthread_mutex_lock(&r->lock);
	r->kicked = false;
	pthread_mutex_unlock(&r->lock);
}

size_t serial_out_pending(struct serial_out *o)
{
	struct serial_ring *r = o->r;
	size_t n;

	if (!r)
		return 0;
	pthread_mutex_lock(&r->lock);
	n = r->len;
	pthread_mutex_unlock(&r->lock);
	return n;
}
