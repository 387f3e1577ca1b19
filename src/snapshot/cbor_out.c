// SPDX-License-Identifier: MIT
#include "snapshot/cbor_out.h"

#include <cbor.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define COUT_FD_BUF (1u << 20)
#define COUT_DIRECT (64u << 10)   /* raw pieces this big bypass the buffer */

void cout_init_mem(struct cout *o)
{
	memset(o, 0, sizeof(*o));
	o->fd = -1;
}

void cout_init_fd(struct cout *o, int fd,
		  ssize_t (*wr)(int fd, const void *buf, size_t len))
{
	cout_init_mem(o);
	o->fd = fd;
	o->write = wr ? wr : write;
	o->buf = malloc(COUT_FD_BUF);
	o->cap = COUT_FD_BUF;
	if (!o->buf)
		o->err = -ENOMEM;
}

void cout_free(struct cout *o)
{
	free(o->buf);
	o->buf = NULL;
	o->len = o->cap = 0;
}

static void fd_write_all(struct cout *o, const uint8_t *p, size_t len)
{
	while (len && !o->err) {
		ssize_t n = o->write(o->fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			o->err = -errno;
		} else if (n == 0) {
			o->err = -EIO;
		} else {
			p += n;
			len -= (size_t)n;
		}
	}
}

static void flush(struct cout *o)
{
	if (o->fd >= 0 && o->len) {
		fd_write_all(o, o->buf, o->len);
		o->len = 0;
	}
}

static bool mem_reserve(struct cout *o, size_t more)
{
	if (o->len + more <= o->cap)
		return true;
	size_t cap = o->cap ? o->cap : 4096;

	while (cap < o->len + more) {
		if (cap > SIZE_MAX / 2) {
			o->err = -ENOMEM;
			return false;
		}
		cap *= 2;
	}
	uint8_t *nb = realloc(o->buf, cap);

	if (!nb) {
		o->err = -ENOMEM;
		return false;
	}
	o->buf = nb;
	o->cap = cap;
	return true;
}

void cout_raw(struct cout *o, const void *p, size_t len)
{
	if (o->err || !len)
		return;
	o->total += len;
	if (o->fd >= 0) {
		if (len >= COUT_DIRECT) {
			flush(o);
			fd_write_all(o, p, len);
			return;
		}
		if (o->len + len > o->cap)
			flush(o);
		memcpy(o->buf + o->len, p, len);
		o->len += len;
		return;
	}
	if (!mem_reserve(o, len))
		return;
	memcpy(o->buf + o->len, p, len);
	o->len += len;
}

int cout_finish(struct cout *o)
{
	flush(o);
	return o->err;
}

/* Every head fits in 9 bytes (major type + 8-byte argument). */
#define HEAD(o, call) do {				\
	unsigned char h_[9];				\
	size_t n_ = call;				\
	if (!n_ && !(o)->err)				\
		(o)->err = -EOVERFLOW;			\
	cout_raw(o, h_, n_);				\
} while (0)

void cout_uint(struct cout *o, uint64_t v)   { HEAD(o, cbor_encode_uint(v, h_, 9)); }
void cout_bool(struct cout *o, bool v)       { HEAD(o, cbor_encode_bool(v, h_, 9)); }
void cout_null(struct cout *o)               { HEAD(o, cbor_encode_null(h_, 9)); }
void cout_tag(struct cout *o, uint64_t tag)  { HEAD(o, cbor_encode_tag(tag, h_, 9)); }
void cout_array(struct cout *o, size_t n)    { HEAD(o, cbor_encode_array_start(n, h_, 9)); }
void cout_map(struct cout *o, size_t n)      { HEAD(o, cbor_encode_map_start(n, h_, 9)); }
void cout_bytes_head(struct cout *o, size_t len)
{
	HEAD(o, cbor_encode_bytestring_start(len, h_, 9));
}

void cout_text(struct cout *o, const char *s)
{
	size_t len = strlen(s);

	HEAD(o, cbor_encode_string_start(len, h_, 9));
	cout_raw(o, s, len);
}

void cout_bytes(struct cout *o, const void *p, size_t len)
{
	cout_bytes_head(o, len);
	cout_raw(o, p, len);
}

int cbor_text_key_cmp(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la != lb)
		return la < lb ? -1 : 1;
	return memcmp(a, b, la);
}
