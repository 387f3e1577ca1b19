// SPDX-License-Identifier: MIT
#include "monitor/monitor.h"

#include <stdatomic.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/unix_listen.h"
#include "memory/guarded.h"
#include "monitor/proto.h"

/*
 * Whole frames are consumed after every read, so what stays buffered is at
 * most one incomplete frame (header + fewer than MON_FRAME_MAX bytes).  A
 * read takes no more than fits next to it in MON_IN_MAX: a legal maximum
 * frame followed by more requests in the same write is read in pieces.
 */
#define MON_IN_MAX (4u + MON_FRAME_MAX)

struct monitor_client {
	struct monitor *mon;
	int fd;
	ev_io rio, wio;
	uint8_t *in;            /* MON_IN_MAX bytes, guarded: not yet a frame */
	size_t in_len;
	uint64_t skip;          /* bytes of an oversized frame still to discard */
	uint8_t *out;           /* bytes queued for sending */
	size_t out_len, out_off;
	bool tracing;
	uint64_t trace_reasons[2];
};

struct monitor {
	struct monitor_config cfg;
	char *path;
	struct unix_listener sock;
	ev_io accept_io;
	struct monitor_client *clients[MON_MAX_CLIENTS];
	uint64_t dropped_events;
	/* Clients tracing now: read by the vCPU thread (monitor_tracing)
	 * to skip VMX events nobody subscribed to. */
	atomic_uint tracers;
};

static void client_close(struct monitor_client *c)
{
	struct monitor *m = c->mon;

	if (c->tracing)
		atomic_fetch_sub(&m->tracers, 1);
	ev_io_stop(m->cfg.loop, &c->rio);
	ev_io_stop(m->cfg.loop, &c->wio);
	close(c->fd);
	for (unsigned i = 0; i < MON_MAX_CLIENTS; i++)
		if (m->clients[i] == c)
			m->clients[i] = NULL;
	guarded_free(c->in, MON_IN_MAX);
	free(c->out);
	free(c);
}

/* Queue bytes; false if the client's queue would exceed its bound. */
static bool client_queue(struct monitor_client *c, const uint8_t *buf, size_t len)
{
	if (c->out_off == c->out_len) {
		c->out_off = c->out_len = 0;
	}
	if (c->out_len - c->out_off + len > MON_OUTQ_MAX)
		return false;
	if (c->out_off > 0) {
		memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
		c->out_len -= c->out_off;
		c->out_off = 0;
	}
	uint8_t *n = realloc(c->out, c->out_len + len);
	if (!n)
		return false;
	c->out = n;
	memcpy(c->out + c->out_len, buf, len);
	c->out_len += len;
	ev_io_start(c->mon->cfg.loop, &c->wio);
	return true;
}

/* Send one item (ownership taken).  A response that cannot be queued means
 * the client is not reading: drop the client. */
static bool client_send(struct monitor_client *c, cbor_item_t *item, bool droppable)
{
	uint8_t *buf;
	size_t len;
	bool ok = mon_encode_frame(item, &buf, &len);

	cbor_decref(&item);
	if (!ok) {
		cbor_item_t *e = mon_response_error("response too large");
		ok = mon_encode_frame(e, &buf, &len);
		cbor_decref(&e);
		if (!ok)
			return false;
	}
	ok = client_queue(c, buf, len);
	free(buf);
	if (!ok && droppable)
		c->mon->dropped_events++;
	return ok || droppable;
}

static const struct monitor_cmd *find_cmd(const struct monitor *m, const char *name)
{
	for (size_t i = 0; i < m->cfg.nr_cmds; i++)
		if (!strcmp(m->cfg.cmds[i].name, name))
			return &m->cfg.cmds[i];
	return NULL;
}

static cbor_item_t *handle_request(struct monitor_client *c, const cbor_item_t *req)
{
	struct monitor *m = c->mon;
	char name[64], err[256] = "";
	const cbor_item_t *args = mon_map_get(req, "args");

	if (!cbor_isa_map(req))
		return mon_response_error("request must be a CBOR map");
	if (!mon_item_str(mon_map_get(req, "cmd"), name, sizeof(name)))
		return mon_response_error("request needs a text \"cmd\"");
	if (args && !cbor_isa_array(args))
		return mon_response_error("\"args\" must be an array");
	const struct monitor_cmd *cmd = find_cmd(m, name);
	if (!cmd)
		return mon_response_error("unknown command '%s'", name);

	cbor_item_t *empty = NULL;
	if (!args)
		args = empty = cbor_new_definite_array(0);
	cbor_item_t *result = cmd->fn(m->cfg.opaque, c, args, err, sizeof(err));
	if (empty)
		cbor_decref(&empty);
	if (!result)
		return mon_response_error("%s: %s", name, err[0] ? err : "failed");
	return mon_response_ok(result);
}

static void attach_id(cbor_item_t *resp, const cbor_item_t *req)
{
	uint64_t id;

	if (cbor_isa_map(req) && mon_item_u64(mon_map_get(req, "id"), &id))
		mon_map_put_u64(resp, "id", id);
}

static bool process_frame(struct monitor_client *c, const uint8_t *p, size_t len)
{
	char err[128];
	cbor_item_t *req = mon_decode(p, len, err, sizeof(err));
	cbor_item_t *resp;

	if (!req)
		return client_send(c, mon_response_error("bad request: %s", err), false);
	resp = handle_request(c, req);
	attach_id(resp, req);
	cbor_decref(&req);
	return client_send(c, resp, false);
}

/* Consume whole frames from the input buffer.  False: close the client. */
static bool process_input(struct monitor_client *c)
{
	size_t off = 0;

	while (c->in_len - off >= 4) {
		const uint8_t *p = c->in + off;
		uint32_t n = (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];

		if (n > MON_FRAME_MAX || n == 0) {
			/* Reply, then discard the announced bytes so the
			 * stream stays in sync and the connection survives. */
			if (!client_send(c, mon_response_error(
				"bad request: frame length %u (max %u)", n,
				MON_FRAME_MAX), false))
				return false;
			off += 4;
			size_t avail = c->in_len - off, drop = avail < n ? avail : n;
			off += drop;
			c->skip = n - drop;
			continue;
		}
		if (c->in_len - off - 4 < n)
			break;
		if (!process_frame(c, p + 4, n))
			return false;
		off += 4 + n;
	}
	memmove(c->in, c->in + off, c->in_len - off);
	c->in_len -= off;
	return true;
}

static void client_read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct monitor_client *c = w->data;
	uint8_t buf[65536];
	size_t room = MON_IN_MAX - c->in_len;
	ssize_t r = read(c->fd, buf, room < sizeof(buf) ? room : sizeof(buf));

	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (r <= 0) {
		client_close(c);
		return;
	}
	size_t len = r, start = 0;
	if (c->skip) {
		start = c->skip < len ? c->skip : len;
		c->skip -= start;
	}
	memcpy(c->in + c->in_len, buf + start, len - start);
	c->in_len += len - start;
	if (!process_input(c))
		client_close(c);
}

static void client_write_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct monitor_client *c = w->data;

	while (c->out_off < c->out_len) {
		ssize_t r = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
				 MSG_NOSIGNAL);
		if (r < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (r <= 0) {
			client_close(c);
			return;
		}
		c->out_off += r;
	}
	ev_io_stop(loop, w);
}

static void accept_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct monitor *m = w->data;
	int fd = accept4(m->sock.fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	unsigned slot;

	if (fd < 0)
		return;
	for (slot = 0; slot < MON_MAX_CLIENTS && m->clients[slot]; slot++)
		;
	struct monitor_client *c = slot < MON_MAX_CLIENTS ? calloc(1, sizeof(*c)) : NULL;
	if (c) {
		c->in = guarded_alloc(MON_IN_MAX);
		if (!c->in) {
			free(c);
			c = NULL;
		}
	}
	if (!c) {
		close(fd);   /* too many clients, or no memory */
		return;
	}
	c->mon = m;
	c->fd = fd;
	ev_io_init(&c->rio, client_read_cb, fd, EV_READ);
	ev_io_init(&c->wio, client_write_cb, fd, EV_WRITE);
	c->rio.data = c->wio.data = c;
	ev_io_start(loop, &c->rio);
	m->clients[slot] = c;
}

int monitor_open(struct monitor **out, const struct monitor_config *cfg,
		 char *err, size_t errlen)
{
	struct monitor *m = calloc(1, sizeof(*m));

	if (!m || !(m->path = strdup(cfg->path))) {
		free(m);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	m->cfg = *cfg;
	if (unix_listen_open(&m->sock, cfg->path, 8, err, errlen) < 0) {
		free(m->path);
		free(m);
		return -1;
	}
	ev_io_init(&m->accept_io, accept_cb, m->sock.fd, EV_READ);
	m->accept_io.data = m;
	ev_io_start(cfg->loop, &m->accept_io);
	*out = m;
	return 0;
}

void monitor_close(struct monitor *m)
{
	if (!m)
		return;
	for (unsigned i = 0; i < MON_MAX_CLIENTS; i++)
		if (m->clients[i])
			client_close(m->clients[i]);
	ev_io_stop(m->cfg.loop, &m->accept_io);
	unix_listen_close(&m->sock, m->path);
	free(m->path);
	free(m);
}

unsigned monitor_nr_clients(const struct monitor *m)
{
	unsigned n = 0;

	for (unsigned i = 0; i < MON_MAX_CLIENTS; i++)
		n += m->clients[i] != NULL;
	return n;
}

void monitor_client_set_trace(struct monitor_client *c, bool on,
			      const uint64_t reasons[2])
{
	if (on != c->tracing) {
		if (on)
			atomic_fetch_add(&c->mon->tracers, 1);
		else
			atomic_fetch_sub(&c->mon->tracers, 1);
	}
	c->tracing = on;
	c->trace_reasons[0] = reasons ? reasons[0] : ~0ull;
	c->trace_reasons[1] = reasons ? reasons[1] : ~0ull;
}

void monitor_broadcast_trace(struct monitor *m, unsigned reason, cbor_item_t *ev)
{
	unsigned bit = reason & 127;

	for (unsigned i = 0; i < MON_MAX_CLIENTS; i++) {
		struct monitor_client *c = m->clients[i];

		if (c && c->tracing && (c->trace_reasons[bit / 64] >> (bit % 64)) & 1)
			client_send(c, cbor_incref(ev), true);
	}
	cbor_decref(&ev);
}

bool monitor_tracing(struct monitor *m)
{
	return atomic_load_explicit(&m->tracers, memory_order_relaxed) != 0;
}

uint64_t monitor_dropped_events(const struct monitor *m)
{
	return m->dropped_events;
}
