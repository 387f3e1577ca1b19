// SPDX-License-Identifier: MIT
/*
 * Fuzz target for the monitor: the request decoder (mon_decode) on the raw
 * bytes, and a whole session: a real monitor on a libev loop, one client
 * connection per input that writes the input as a byte stream (frames,
 * garbage, cut at sizes the input itself picks) while the loop runs.
 * Property: no crash, no sanitizer report, no unbounded memory; every
 * byte the server sends back is a well-formed frame (length <= the frame
 * limit, a CBOR map with "ok") - whatever the client sent, and whether the
 * server keeps or drops the connection.
 */
#include <errno.h>
#include <ev.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "monitor/monitor.h"
#include "monitor/proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static cbor_item_t *cmd_echo(void *opaque, struct monitor_client *c,
			     const cbor_item_t *args, char *err, size_t errlen)
{
	if (cbor_array_size(args) != 1) {
		snprintf(err, errlen, "needs 1 argument");
		return NULL;
	}
	return cbor_copy(cbor_array_handle(args)[0]);
}

static cbor_item_t *cmd_trace(void *opaque, struct monitor_client *c,
			      const cbor_item_t *args, char *err, size_t errlen)
{
	monitor_client_set_trace(c, cbor_array_size(args) == 0, NULL);
	return cbor_build_bool(true);
}

static const struct monitor_cmd cmds[] = {
	{ "echo", "VALUE", "returns its argument", cmd_echo },
	{ "trace", "", "subscribe", cmd_trace },
};

static struct ev_loop *loop;
static struct monitor *mon;
static char path[108];

static void die(const char *what)
{
	fprintf(stderr, "monitor_fuzz: %s\n", what);
	abort();
}

static void cleanup(void)
{
	monitor_close(mon);
}

static void setup(void)
{
	struct monitor_config cfg = { .path = path, .cmds = cmds, .nr_cmds = 2 };
	char err[256];

	snprintf(path, sizeof(path), "/tmp/vmxbox-fuzz-mon-%d.sock", getpid());
	unlink(path);
	loop = ev_loop_new(EVFLAG_AUTO);
	cfg.loop = loop;
	if (!loop || monitor_open(&mon, &cfg, err, sizeof(err)))
		die(err);
	atexit(cleanup);
}

static void pump(void)
{
	for (int i = 0; i < 4; i++)
		ev_run(loop, EVRUN_NOWAIT);
}

/* Check and drop the whole frames received so far. */
static size_t check_replies(uint8_t *buf, size_t len)
{
	size_t off = 0;

	while (len - off >= 4) {
		uint32_t n = (uint32_t)buf[off] << 24 | buf[off + 1] << 16 |
			     buf[off + 2] << 8 | buf[off + 3];
		char err[128];
		cbor_item_t *r;

		if (n == 0 || n > MON_FRAME_MAX)
			die("reply frame length out of range");
		if (len - off - 4 < n)
			break;
		r = mon_decode(buf + off + 4, n, err, sizeof(err));
		if (!r || !cbor_isa_map(r) ||
		    !(mon_map_get(r, "ok") || mon_map_get(r, "event")))
			die("reply is not a response map");
		cbor_decref(&r);
		off += 4 + n;
	}
	memmove(buf, buf + off, len - off);
	return len - off;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t in[MON_FRAME_MAX + 8];
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char err[128];
	size_t off = 0, have = 0;
	cbor_item_t *item;
	int fd;

	if (!loop)
		setup();
	item = mon_decode(data, size, err, sizeof(err));
	if (item)
		cbor_decref(&item);
	else if (!err[0])
		die("decoder rejected without a reason");

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
		die("connect");
	pump();
	for (unsigned k = 0; off < size; k++) {
		size_t chunk = 1 + data[(k * 7) % size] % 251;
		ssize_t w, r;

		if (chunk > size - off)
			chunk = size - off;
		w = send(fd, data + off, chunk, MSG_NOSIGNAL);
		if (w < 0 && errno != EAGAIN)
			break;          /* the server dropped us: fine */
		if (w > 0)
			off += (size_t)w;
		pump();
		while ((r = read(fd, in + have, sizeof(in) - have)) > 0) {
			have += (size_t)r;
			have = check_replies(in, have);
		}
	}
	close(fd);
	pump();
	if (monitor_nr_clients(mon) != 0)
		die("a closed connection is still a client");
	return 0;
}
