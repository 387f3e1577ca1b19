/* SPDX-License-Identifier: MIT */
/*
 * Bounded pull parser over untrusted CBOR.  One head at a time is decoded
 * with libcbor's streaming decoder (cbor_stream_decode), so nothing is
 * allocated from lengths found in the input and byte/text strings are
 * returned as pointers into the input after their length was checked
 * against what is left.  Indefinite-length items, floats and undefined are
 * not part of the snapshot format and are rejected.
 *
 * Errors are sticky: the first one is formatted as "<path>: <message>",
 * where the path ("cpus[0].cr0") is kept by cin_push/cin_pop.
 */
#ifndef VMXBOX_SNAPSHOT_CBOR_IN_H
#define VMXBOX_SNAPSHOT_CBOR_IN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum cin_type {
	CIN_UINT, CIN_NEGINT, CIN_BYTES, CIN_TEXT, CIN_ARRAY, CIN_MAP,
	CIN_TAG, CIN_BOOL, CIN_NULL, CIN_OTHER,
};

struct citem {
	enum cin_type type;
	uint64_t u;              /* uint, negint (-1-u), tag, array/map count */
	bool b;
	const uint8_t *data;     /* bytes / text */
	size_t len;
	const char *other;       /* what an unsupported item was */
};

#define CIN_PATH_MAX 160

struct cin {
	const uint8_t *p;
	size_t len, off;
	bool failed;
	char *err;
	size_t errlen;
	char path[CIN_PATH_MAX];
	size_t path_len;
};

void cin_init(struct cin *c, const uint8_t *p, size_t len, char *err,
	      size_t errlen);
size_t cin_remaining(const struct cin *c);
bool cin_fail(struct cin *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
const char *cin_type_name(enum cin_type t);
/* Printable copy of untrusted text for error messages (cap >= 1). */
void cin_shown(char *dst, size_t cap, const uint8_t *p, size_t len);

/* Path bookkeeping: push returns the old length for cin_pop. */
size_t cin_push(struct cin *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void cin_pop(struct cin *c, size_t old);

bool cin_next(struct cin *c, struct citem *it);
bool cin_peek_null(struct cin *c);   /* consumes it if it is null */

/* Typed reads: false (with the error set) on a type mismatch. */
bool cin_uint(struct cin *c, uint64_t *v);
bool cin_uint_max(struct cin *c, uint64_t max, uint64_t *v);
bool cin_bool(struct cin *c, bool *v);
bool cin_text(struct cin *c, const uint8_t **p, size_t *len);
/* Copy a text string into dst[cap] (NUL terminated, no embedded NULs). */
bool cin_text_copy(struct cin *c, char *dst, size_t cap);
bool cin_bytes(struct cin *c, const uint8_t **p, size_t *len);
/* Array/map head; count must be <= max. */
bool cin_array(struct cin *c, uint64_t max, uint64_t *n);
bool cin_map(struct cin *c, uint64_t max, uint64_t *n);
bool cin_tag(struct cin *c, uint64_t *tag);

/* A map read through a table of known keys: unknown or duplicated keys and
 * missing required ones are errors.  fn reads the value. */
struct cin_key {
	const char *name;
	bool required;
	bool (*fn)(struct cin *c, void *ctx);
};
bool cin_map_table(struct cin *c, const struct cin_key *keys, size_t nkeys,
		   void *ctx);

#endif
