// SPDX-License-Identifier: MIT
/*
 * Unix listening sockets for the monitor (--monitor=PATH) and the GDB
 * stub (--gdb=unix:PATH): one place for the stale-socket rule and for
 * appearing at the path only once listening.
 */
#include "core/unix_listen.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* A socket at path that nobody accepts on is a leftover of a dead run. */
static int reclaim_stale_socket(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int fd, r, e;

	if (lstat(path, &st) < 0) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "%s exists and is not a socket; refusing to replace it", path);
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	r = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	e = errno;
	close(fd);
	if (r == 0) {
		snprintf(err, errlen, "%s is in use by a running vmxbox", path);
		return -1;
	}
	if (e != ECONNREFUSED) {
		snprintf(err, errlen, "%s: %s", path, strerror(e));
		return -1;
	}
	if (unlink(path) < 0) {
		snprintf(err, errlen, "cannot remove stale socket %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

static int bind_listen(int fd, const char *path, int backlog)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	mode_t old = umask(0177);   /* the socket is born 0600 */
	int r;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (r < 0)
		return -1;
	if (chmod(path, 0600) < 0 || listen(fd, backlog) < 0) {
		unlink(path);
		return -1;
	}
	return 0;
}

/*
 * The socket appears at path only once it listens, so a client that sees
 * the file can connect at once: bind and listen on a private name, then
 * link() it into place (which, unlike rename(), never replaces a socket
 * another vmxbox created meanwhile).  Paths too long for the private name
 * are bound directly.
 */
static int listen_at(int fd, const char *path, int backlog)
{
	char tmp[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int n = snprintf(tmp, sizeof(tmp), "%s.%d~", path, (int)getpid());
	int r, e;

	if (n < 0 || (size_t)n >= sizeof(tmp))
		return bind_listen(fd, path, backlog);
	unlink(tmp);
	if (bind_listen(fd, tmp, backlog) < 0)
		return -1;
	r = link(tmp, path);
	e = errno;
	unlink(tmp);
	errno = e;
	return r;
}

int unix_listen_open(struct unix_listener *l, const char *path, int backlog,
		     char *err, size_t errlen)
{
	struct stat st;

	l->fd = -1;
	l->dev = 0;
	l->ino = 0;
	if (!path[0] || strlen(path) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
		snprintf(err, errlen, "socket path empty or too long (max %zu bytes)",
			 sizeof(((struct sockaddr_un *)0)->sun_path) - 1);
		return -1;
	}
	if (reclaim_stale_socket(path, err, errlen) < 0)
		return -1;
	l->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (l->fd < 0 || listen_at(l->fd, path, backlog) < 0) {
		snprintf(err, errlen, "cannot listen on %s: %s", path, strerror(errno));
		if (l->fd >= 0)
			close(l->fd);
		l->fd = -1;
		return -1;
	}
	if (lstat(path, &st) == 0) {
		l->dev = st.st_dev;
		l->ino = st.st_ino;
	}
	return 0;
}

void unix_listen_close(struct unix_listener *l, const char *path)
{
	struct stat st;

	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
	if (path && lstat(path, &st) == 0 && S_ISSOCK(st.st_mode) &&
	    st.st_dev == l->dev && st.st_ino == l->ino)
		unlink(path);
}
