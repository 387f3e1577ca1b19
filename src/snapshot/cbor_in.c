// SPDX-License-Identifier: MIT
#include "snapshot/cbor_in.h"

#include <cbor.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void cin_init(struct cin *c, const uint8_t *p, size_t len, char *err,
	      size_t errlen)
{
	memset(c, 0, sizeof(*c));
	c->p = p;
	c->len = len;
	c->err = err;
	c->errlen = errlen;
	if (err && errlen)
		err[0] = '\0';
}

size_t cin_remaining(const struct cin *c)
{
	return c->len - c->off;
}

bool cin_fail(struct cin *c, const char *fmt, ...)
{
	if (c->failed)
		return false;
	c->failed = true;
	if (!c->err || !c->errlen)
		return false;
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (c->path_len)
		snprintf(c->err, c->errlen, "%s: %s", c->path, msg);
	else
		snprintf(c->err, c->errlen, "%s", msg);
	return false;
}

size_t cin_push(struct cin *c, const char *fmt, ...)
{
	size_t old = c->path_len;
	size_t room = sizeof(c->path) - old;
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(c->path + old, room, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	c->path_len = (size_t)n >= room ? sizeof(c->path) - 1 : old + (size_t)n;
	return old;
}

void cin_pop(struct cin *c, size_t old)
{
	c->path_len = old;
	c->path[old] = '\0';
}

static const char *const type_names[] = {
	[CIN_UINT] = "unsigned integer", [CIN_NEGINT] = "negative integer",
	[CIN_BYTES] = "byte string", [CIN_TEXT] = "text string",
	[CIN_ARRAY] = "array", [CIN_MAP] = "map", [CIN_TAG] = "tag",
	[CIN_BOOL] = "boolean", [CIN_NULL] = "null", [CIN_OTHER] = "other item",
};

const char *cin_type_name(enum cin_type t)
{
	return (unsigned)t <= CIN_OTHER ? type_names[t] : "?";
}

/* ---- libcbor streaming callbacks: each fills the citem in ctx ---------- */

#define IT(ctx) ((struct citem *)(ctx))

static void on_u8(void *x, uint8_t v)   { IT(x)->type = CIN_UINT; IT(x)->u = v; }
static void on_u16(void *x, uint16_t v) { IT(x)->type = CIN_UINT; IT(x)->u = v; }
static void on_u32(void *x, uint32_t v) { IT(x)->type = CIN_UINT; IT(x)->u = v; }
static void on_u64(void *x, uint64_t v) { IT(x)->type = CIN_UINT; IT(x)->u = v; }
static void on_n8(void *x, uint8_t v)   { IT(x)->type = CIN_NEGINT; IT(x)->u = v; }
static void on_n16(void *x, uint16_t v) { IT(x)->type = CIN_NEGINT; IT(x)->u = v; }
static void on_n32(void *x, uint32_t v) { IT(x)->type = CIN_NEGINT; IT(x)->u = v; }
static void on_n64(void *x, uint64_t v) { IT(x)->type = CIN_NEGINT; IT(x)->u = v; }

static void on_bytes(void *x, cbor_data d, size_t n)
{
	IT(x)->type = CIN_BYTES;
	IT(x)->data = d;
	IT(x)->len = n;
}

static void on_text(void *x, cbor_data d, size_t n)
{
	IT(x)->type = CIN_TEXT;
	IT(x)->data = d;
	IT(x)->len = n;
}

static void on_array(void *x, size_t n) { IT(x)->type = CIN_ARRAY; IT(x)->u = n; }
static void on_map(void *x, size_t n)   { IT(x)->type = CIN_MAP; IT(x)->u = n; }
static void on_tag(void *x, uint64_t v) { IT(x)->type = CIN_TAG; IT(x)->u = v; }
static void on_bool(void *x, bool v)    { IT(x)->type = CIN_BOOL; IT(x)->b = v; }
static void on_null(void *x)            { IT(x)->type = CIN_NULL; }

static void on_other(struct citem *it, const char *what)
{
	it->type = CIN_OTHER;
	it->other = what;
}

static void on_indef_bytes(void *x) { on_other(x, "indefinite-length byte string"); }
static void on_indef_text(void *x)  { on_other(x, "indefinite-length text string"); }
static void on_indef_array(void *x) { on_other(x, "indefinite-length array"); }
static void on_indef_map(void *x)   { on_other(x, "indefinite-length map"); }
static void on_float(void *x, float v)  { on_other(x, "floating-point number"); }
static void on_double(void *x, double v) { on_other(x, "floating-point number"); }
static void on_undef(void *x)       { on_other(x, "undefined"); }
static void on_break(void *x)       { on_other(x, "break"); }

static const struct cbor_callbacks pull_callbacks = {
	.uint8 = on_u8, .uint16 = on_u16, .uint32 = on_u32, .uint64 = on_u64,
	.negint8 = on_n8, .negint16 = on_n16, .negint32 = on_n32,
	.negint64 = on_n64,
	.byte_string = on_bytes, .byte_string_start = on_indef_bytes,
	.string = on_text, .string_start = on_indef_text,
	.array_start = on_array, .indef_array_start = on_indef_array,
	.map_start = on_map, .indef_map_start = on_indef_map,
	.tag = on_tag,
	.float2 = on_float, .float4 = on_float, .float8 = on_double,
	.undefined = on_undef, .null = on_null, .boolean = on_bool,
	.indef_break = on_break,
};

bool cin_next(struct cin *c, struct citem *it)
{
	if (c->failed)
		return false;
	memset(it, 0, sizeof(*it));
	if (c->off >= c->len)
		return cin_fail(c, "truncated: input ends at byte %zu", c->off);
	it->type = CIN_OTHER;
	it->other = "malformed item";
	struct cbor_decoder_result r =
		cbor_stream_decode(c->p + c->off, c->len - c->off,
				   &pull_callbacks, it);

	switch (r.status) {
	case CBOR_DECODER_FINISHED:
		break;
	case CBOR_DECODER_NEDATA:
		return cin_fail(c, "truncated: item at byte %zu needs more data",
				c->off);
	default:
		return cin_fail(c, "malformed CBOR at byte %zu", c->off);
	}
	/* Defensive: never trust the consumed count beyond the input. */
	if (r.read == 0 || r.read > c->len - c->off)
		return cin_fail(c, "malformed CBOR at byte %zu", c->off);
	if ((it->type == CIN_BYTES || it->type == CIN_TEXT) &&
	    (it->data < c->p + c->off ||
	     it->len > (size_t)(c->p + c->off + r.read - it->data)))
		return cin_fail(c, "malformed string at byte %zu", c->off);
	c->off += r.read;
	if (it->type == CIN_OTHER)
		return cin_fail(c, "unsupported CBOR item (%s) at byte %zu",
				it->other, c->off - r.read);
	return true;
}

bool cin_peek_null(struct cin *c)
{
	if (c->failed || c->off >= c->len || c->p[c->off] != 0xf6)
		return false;
	c->off++;
	return true;
}

static bool expect(struct cin *c, struct citem *it, enum cin_type t)
{
	if (!cin_next(c, it))
		return false;
	if (it->type != t)
		return cin_fail(c, "expected %s, got %s", cin_type_name(t),
				cin_type_name(it->type));
	return true;
}

bool cin_uint(struct cin *c, uint64_t *v)
{
	struct citem it;

	if (!expect(c, &it, CIN_UINT))
		return false;
	*v = it.u;
	return true;
}

bool cin_uint_max(struct cin *c, uint64_t max, uint64_t *v)
{
	if (!cin_uint(c, v))
		return false;
	if (*v > max)
		return cin_fail(c, "value %#llx out of range (max %#llx)",
				(unsigned long long)*v, (unsigned long long)max);
	return true;
}

bool cin_bool(struct cin *c, bool *v)
{
	struct citem it;

	if (!expect(c, &it, CIN_BOOL))
		return false;
	*v = it.b;
	return true;
}

bool cin_text(struct cin *c, const uint8_t **p, size_t *len)
{
	struct citem it;

	if (!expect(c, &it, CIN_TEXT))
		return false;
	*p = it.data;
	*len = it.len;
	return true;
}

bool cin_text_copy(struct cin *c, char *dst, size_t cap)
{
	const uint8_t *p;
	size_t len;

	if (!cin_text(c, &p, &len))
		return false;
	if (len >= cap)
		return cin_fail(c, "text of %zu bytes is too long (max %zu)",
				len, cap - 1);
	if (memchr(p, 0, len))
		return cin_fail(c, "text contains a NUL byte");
	memcpy(dst, p, len);
	dst[len] = '\0';
	return true;
}

bool cin_bytes(struct cin *c, const uint8_t **p, size_t *len)
{
	struct citem it;

	if (!expect(c, &it, CIN_BYTES))
		return false;
	*p = it.data;
	*len = it.len;
	return true;
}

static bool counted(struct cin *c, enum cin_type t, uint64_t max, uint64_t *n)
{
	struct citem it;

	if (!expect(c, &it, t))
		return false;
	if (it.u > max)
		return cin_fail(c, "%s of %llu entries is too large (max %llu)",
				cin_type_name(t), (unsigned long long)it.u,
				(unsigned long long)max);
	*n = it.u;
	return true;
}

bool cin_array(struct cin *c, uint64_t max, uint64_t *n)
{
	return counted(c, CIN_ARRAY, max, n);
}

bool cin_map(struct cin *c, uint64_t max, uint64_t *n)
{
	return counted(c, CIN_MAP, max, n);
}

bool cin_tag(struct cin *c, uint64_t *tag)
{
	struct citem it;

	if (!expect(c, &it, CIN_TAG))
		return false;
	*tag = it.u;
	return true;
}

void cin_shown(char *dst, size_t cap, const uint8_t *p, size_t len)
{
	size_t m = len < cap - 1 ? len : cap - 1;

	for (size_t i = 0; i < m; i++)
		dst[i] = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '?';
	dst[m] = '\0';
}

#define CIN_MAX_KEYS 64

bool cin_map_table(struct cin *c, const struct cin_key *keys, size_t nkeys,
		   void *ctx)
{
	bool seen[CIN_MAX_KEYS] = { false };
	uint64_t n;

	if (nkeys > CIN_MAX_KEYS)
		return cin_fail(c, "internal: key table too large");
	/* Every key may appear once, so more entries than keys is an error. */
	if (!cin_map(c, nkeys, &n))
		return false;
	for (uint64_t i = 0; i < n; i++) {
		const uint8_t *k;
		size_t klen, j;

		if (!cin_text(c, &k, &klen))
			return false;
		for (j = 0; j < nkeys; j++)
			if (strlen(keys[j].name) == klen &&
			    !memcmp(keys[j].name, k, klen))
				break;
		if (j == nkeys) {
			char shown[41];

			cin_shown(shown, sizeof(shown), k, klen);
			return cin_fail(c, "unknown key \"%s\"", shown);
		}
		if (seen[j])
			return cin_fail(c, "duplicate key \"%s\"", keys[j].name);
		seen[j] = true;
		size_t old = cin_push(c, c->path_len ? ".%s" : "%s",
				      keys[j].name);
		bool ok = keys[j].fn(c, ctx);

		if (ok)
			cin_pop(c, old);
		if (!ok)
			return cin_fail(c, "invalid value");
	}
	for (size_t j = 0; j < nkeys; j++)
		if (keys[j].required && !seen[j])
			return cin_fail(c, "missing key \"%s\"", keys[j].name);
	return true;
}
