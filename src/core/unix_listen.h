/* SPDX-License-Identifier: MIT */
#ifndef VMXBOX_CORE_UNIX_LISTEN_H
#define VMXBOX_CORE_UNIX_LISTEN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* A listening unix socket created by unix_listen_open(); dev/ino name the
 * socket file it created, so that closing never removes a file some other
 * process put at the same path meanwhile. */
struct unix_listener {
	int fd;
	dev_t dev;
	ino_t ino;
};

/*
 * Listen on a non-blocking, close-on-exec unix stream socket at path,
 * created 0600.  A stale socket (one nobody accepts on) left by a dead run
 * is replaced; anything else at path is refused.  0, or -1 with a message
 * (without prefix: callers say which option it is about) in err.
 */
int unix_listen_open(struct unix_listener *l, const char *path, int backlog,
		     char *err, size_t errlen);

/* Close the socket and remove path if it still is the file we created. */
void unix_listen_close(struct unix_listener *l, const char *path);

#endif
