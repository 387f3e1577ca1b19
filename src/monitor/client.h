/* SPDX-License-Identifier: MIT */
/* Blocking client side of the monitor protocol (vmxbox ctl, tests). */
#ifndef VMXBOX_MONITOR_CLIENT_H
#define VMXBOX_MONITOR_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include <cbor.h>

/* Connect to the socket at path.  fd >= 0, or -1 with err set. */
int mon_client_connect(const char *path, char *err, size_t errlen);
/* Send raw bytes (a whole frame, or garbage for tests). 0 or -1. */
int mon_client_send_raw(int fd, const void *buf, size_t len);
/* Send a request map (not consumed). 0 or -1. */
int mon_client_send(int fd, const cbor_item_t *req);
/* Build {"cmd": cmd, "args": [argv...]} where numeric-looking args become
 * unsigned integers (decimal or 0x hex) and the rest text strings. */
cbor_item_t *mon_client_build_request(const char *cmd, int argc, char **argv);
/* Receive one frame and decode it; waits up to timeout_ms (-1 forever).
 * NULL with err on EOF/timeout/bad data. */
cbor_item_t *mon_client_recv(int fd, int timeout_ms, char *err, size_t errlen);

#endif
