// SPDX-License-Identifier: MIT
#include "monitor/client.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "monitor/proto.h"

int mon_client_connect(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "%s: path too long", path);
		return -1;
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		snprintf(err, errlen, "cannot connect to %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

int mon_client_send_raw(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t w = send(fd, p, len, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		len -= w;
	}
	return 0;
}

int mon_client_send(int fd, const cbor_item_t *req)
{
	uint8_t *buf;
	size_t len;

	if (!mon_encode_frame(req, &buf, &len))
		return -1;
	int r = mon_client_send_raw(fd, buf, len);
	free(buf);
	return r;
}

static cbor_item_t *build_arg(const char *s)
{
	char *end;

	if (*s >= '0' && *s <= '9') {
		errno = 0;
		unsigned long long v = strtoull(s, &end, 0);
		if (!errno && *end == '\0')
			return cbor_build_uint64(v);
	}
	return cbor_build_string(s);
}

cbor_item_t *mon_client_build_request(const char *cmd, int argc, char **argv)
{
	cbor_item_t *req = mon_new_map();
	cbor_item_t *args = cbor_new_definite_array(argc);

	for (int i = 0; i < argc; i++) {
		cbor_item_t *a = build_arg(argv[i]);
		cbor_array_push(args, a);
		cbor_decref(&a);
	}
	mon_map_put_str(req, "cmd", cmd);
	mon_map_put(req, "args", args);
	return req;
}

static int recv_exact(int fd, uint8_t *buf, size_t len, int timeout_ms)
{
	while (len) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int pr = poll(&pfd, 1, timeout_ms);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr <= 0)
			return pr == 0 ? -2 : -1;
		ssize_t r = read(fd, buf, len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		buf += r;
		len -= r;
	}
	return 0;
}

cbor_item_t *mon_client_recv(int fd, int timeout_ms, char *err, size_t errlen)
{
	uint8_t hdr[4];
	int r = recv_exact(fd, hdr, 4, timeout_ms);

	if (r < 0) {
		snprintf(err, errlen, r == -2 ? "timed out waiting for vmxbox"
					      : "connection closed by vmxbox");
		return NULL;
	}
	uint32_t n = (uint32_t)hdr[0] << 24 | hdr[1] << 16 | hdr[2] << 8 | hdr[3];
	if (n == 0 || n > MON_FRAME_MAX) {
		snprintf(err, errlen, "bad frame length %u", n);
		return NULL;
	}
	uint8_t *buf = malloc(n);
	if (!buf || recv_exact(fd, buf, n, timeout_ms) < 0) {
		free(buf);
		snprintf(err, errlen, "connection closed mid-message");
		return NULL;
	}
	cbor_item_t *item = mon_decode(buf, n, err, errlen);
	free(buf);
	return item;
}
