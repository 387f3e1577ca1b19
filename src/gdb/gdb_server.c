// SPDX-License-Identifier: MIT
#include "gdb/gdb_server.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/unix_listen.h"

#define OUTQ_MAX (4u << 20)

struct gdb_server {
	struct gdb_server_config cfg;
	int lfd, cfd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];  /* unix */
	struct unix_listener usock;                              /* unix */
	ev_io accept_w, read_w, write_w;
	struct gdb_stub *stub;
	uint8_t *outq;
	size_t out_len, out_cap;
};

/* ---- the connection ----------------------------------------------------- */

static void conn_close(struct gdb_server *s)
{
	if (s->cfd < 0)
		return;
	ev_io_stop(s->cfg.loop, &s->read_w);
	ev_io_stop(s->cfg.loop, &s->write_w);
	close(s->cfd);
	s->cfd = -1;
	gdb_stub_free(s->stub);
	s->stub = NULL;
	s->out_len = 0;
	if (s->cfg.detach)
		s->cfg.detach(s->cfg.target);
}

static bool flush_out(struct gdb_server *s)
{
	while (s->out_len) {
		ssize_t n = send(s->cfd, s->outq, s->out_len, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			return false;
		}
		memmove(s->outq, s->outq + n, s->out_len - (size_t)n);
		s->out_len -= (size_t)n;
	}
	if (s->out_len)
		ev_io_start(s->cfg.loop, &s->write_w);
	else
		ev_io_stop(s->cfg.loop, &s->write_w);
	return true;
}

/* The stub's output: queued, written as the socket takes it. */
static void queue_out(void *opaque, const uint8_t *buf, size_t len)
{
	struct gdb_server *s = opaque;

	if (s->cfd < 0)
		return;
	if (s->out_len + len > s->out_cap) {
		size_t cap = s->out_cap ? s->out_cap : 4096;
		uint8_t *q;

		while (cap < s->out_len + len)
			cap *= 2;
		if (cap > OUTQ_MAX || !(q = realloc(s->outq, cap))) {
			s->out_len = 0;     /* gdb does not read: give up on it */
			return;
		}
		s->outq = q;
		s->out_cap = cap;
	}
	memcpy(s->outq + s->out_len, buf, len);
	s->out_len += len;
}

static void read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct gdb_server *s = w->data;
	uint8_t buf[4096];
	ssize_t n = recv(s->cfd, buf, sizeof(buf), 0);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		conn_close(s);
		return;
	}
	gdb_stub_input(s->stub, buf, (size_t)n);
	if (s->cfd >= 0 && !flush_out(s))
		conn_close(s);
}

static void write_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct gdb_server *s = w->data;

	if (!flush_out(s))
		conn_close(s);
}

static void accept_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct gdb_server *s = w->data;
	int fd = accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	int one = 1;

	if (fd < 0)
		return;
	if (s->cfd >= 0) {
		close(fd);          /* one debugger at a time */
		return;
	}
	s->stub = gdb_stub_new(s->cfg.ops, s->cfg.target, queue_out, s);
	if (!s->stub) {
		close(fd);
		return;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	s->cfd = fd;
	ev_io_init(&s->read_w, read_cb, fd, EV_READ);
	ev_io_init(&s->write_w, write_cb, fd, EV_WRITE);
	s->read_w.data = s->write_w.data = s;
	ev_io_start(loop, &s->read_w);
	if (s->cfg.attach)
		s->cfg.attach(s->cfg.target);
}

/* ---- listening ---------------------------------------------------------- */

struct spec {
	bool unix_sock;
	char host[256];
	char port[16];
	const char *path;
};

static bool parse_spec(const char *spec, struct spec *p, char *err, size_t errlen)
{
	const char *colon;

	memset(p, 0, sizeof(*p));
	if (!strncmp(spec, "unix:", 5)) {
		p->unix_sock = true;
		p->path = spec + 5;
		if (!p->path[0] || strlen(p->path) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
			snprintf(err, errlen, "--gdb=unix:PATH: PATH empty or too long");
			return false;
		}
		return true;
	}
	if (strncmp(spec, "tcp:", 4) || !(colon = strrchr(spec + 4, ':')) ||
	    (size_t)(colon - (spec + 4)) >= sizeof(p->host) || !colon[1] ||
	    strlen(colon + 1) >= sizeof(p->port) ||
	    strspn(colon + 1, "0123456789") != strlen(colon + 1) ||
	    atol(colon + 1) > 65535) {
		snprintf(err, errlen, "--gdb=%s: expected tcp::PORT, tcp:HOST:PORT or unix:PATH", spec);
		return false;
	}
	memcpy(p->host, spec + 4, (size_t)(colon - (spec + 4)));
	snprintf(p->port, sizeof(p->port), "%s", colon + 1);
	if (!p->host[0])
		snprintf(p->host, sizeof(p->host), "127.0.0.1");
	return true;
}

bool gdb_spec_valid(const char *spec, char *err, size_t errlen)
{
	struct spec p;

	return parse_spec(spec, &p, err, errlen);
}

static int listen_tcp(struct gdb_server *s, const struct spec *p, char *where,
		      size_t wherelen, char *err, size_t errlen)
{
	struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_PASSIVE }, *ai;
	struct sockaddr_in sa;
	socklen_t salen = sizeof(sa);
	int one = 1, r;

	r = getaddrinfo(p->host, p->port, &hints, &ai);
	if (r) {
		snprintf(err, errlen, "--gdb: %s: %s", p->host, gai_strerror(r));
		return -1;
	}
	s->lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->lfd < 0 ||
	    setsockopt(s->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(s->lfd, ai->ai_addr, ai->ai_addrlen) || listen(s->lfd, 1) ||
	    getsockname(s->lfd, (struct sockaddr *)&sa, &salen)) {
		snprintf(err, errlen, "--gdb: tcp:%s:%s: %s", p->host, p->port,
			 strerror(errno));
		freeaddrinfo(ai);
		return -1;
	}
	freeaddrinfo(ai);
	snprintf(where, wherelen, "tcp:%s:%u", p->host, (unsigned)ntohs(sa.sin_port));
	return 0;
}

/* A leftover socket file nobody accepts on is replaced; anything else
 * at the path is refused (core/unix_listen.c). */
static int listen_unix(struct gdb_server *s, const struct spec *p, char *where,
		       size_t wherelen, char *err, size_t errlen)
{
	char why[256];

	if (unix_listen_open(&s->usock, p->path, 1, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "--gdb: %s", why);
		return -1;
	}
	s->lfd = s->usock.fd;
	snprintf(s->path, sizeof(s->path), "%s", p->path);
	snprintf(where, wherelen, "unix:%s", p->path);
	return 0;
}

int gdb_server_open(struct gdb_server **out, const struct gdb_server_config *cfg,
		    char *where, size_t wherelen, char *err, size_t errlen)
{
	struct gdb_server *s;
	struct spec p;
	int r;

	*out = NULL;
	if (!parse_spec(cfg->spec, &p, err, errlen))
		return -1;
	s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	s->cfg = *cfg;
	s->lfd = s->cfd = -1;
	r = p.unix_sock ? listen_unix(s, &p, where, wherelen, err, errlen)
			: listen_tcp(s, &p, where, wherelen, err, errlen);
	if (r) {
		if (s->lfd >= 0)
			close(s->lfd);
		free(s);
		return -1;
	}
	ev_io_init(&s->accept_w, accept_cb, s->lfd, EV_READ);
	s->accept_w.data = s;
	ev_io_start(cfg->loop, &s->accept_w);
	*out = s;
	return 0;
}

void gdb_server_close(struct gdb_server *s)
{
	if (!s)
		return;
	if (s->cfd >= 0) {
		flush_out(s);
		s->cfg.detach = NULL;   /* the run is over: nothing to resume */
		conn_close(s);
	}
	ev_io_stop(s->cfg.loop, &s->accept_w);
	if (s->path[0])
		unix_listen_close(&s->usock, s->path);
	else
		close(s->lfd);
	free(s->outq);
	free(s);
}

void gdb_server_stopped(struct gdb_server *s, const struct gdb_stop *why)
{
	if (!s || !s->stub)
		return;
	gdb_stub_stopped(s->stub, why);
	if (!flush_out(s))
		conn_close(s);
}

bool gdb_server_connected(const struct gdb_server *s)
{
	return s && s->cfd >= 0;
}

bool gdb_server_running(const struct gdb_server *s)
{
	return s && s->stub && gdb_stub_running(s->stub);
}
