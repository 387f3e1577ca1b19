/* SPDX-License-Identifier: MIT */
/*
 * Canonical CBOR writer (RFC 8949 4.2.1 "core deterministic encoding":
 * shortest heads, definite lengths; the caller emits map keys in canonical
 * order).  Heads come from libcbor's encoders.  Output goes to a growable
 * buffer or, buffered, to a file descriptor; large byte strings are written
 * straight from their source so guest RAM is never copied twice.
 */
#ifndef VMXBOX_SNAPSHOT_CBOR_OUT_H
#define VMXBOX_SNAPSHOT_CBOR_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct cout {
	uint8_t *buf;
	size_t len, cap;
	int fd;                /* -1: memory only */
	ssize_t (*write)(int fd, const void *buf, size_t len);
	uint64_t total;        /* bytes produced so far */
	int err;               /* first -errno, sticky */
};

void cout_init_mem(struct cout *o);
void cout_init_fd(struct cout *o, int fd,
		  ssize_t (*wr)(int fd, const void *buf, size_t len));
/* Flush (fd mode).  Returns o->err. */
int cout_finish(struct cout *o);
void cout_free(struct cout *o);

void cout_uint(struct cout *o, uint64_t v);
void cout_bool(struct cout *o, bool v);
void cout_null(struct cout *o);
void cout_tag(struct cout *o, uint64_t tag);
void cout_array(struct cout *o, size_t n);
void cout_map(struct cout *o, size_t n);
void cout_text(struct cout *o, const char *s);
void cout_bytes(struct cout *o, const void *p, size_t len);
/* A byte string made of several pieces: head, then raw pieces. */
void cout_bytes_head(struct cout *o, size_t len);
void cout_raw(struct cout *o, const void *p, size_t len);

/* Canonical order of text keys (RFC 8949 4.2.1): shorter first, then
 * bytewise.  qsort-compatible on const char * elements. */
int cbor_text_key_cmp(const char *a, const char *b);

#endif
