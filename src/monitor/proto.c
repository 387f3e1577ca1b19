// SPDX-License-Identifier: MIT
#include "monitor/proto.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * A minimal CBOR header walker (RFC 8949 section 3).  It only has to reject
 * what could make libcbor allocate more than the input justifies; libcbor
 * still does the real decoding afterwards.
 */
struct cbor_walk {
	const uint8_t *p, *end;
};

static bool walk_arg(struct cbor_walk *w, uint8_t info, uint64_t *arg)
{
	unsigned n;

	if (info < 24) {
		*arg = info;
		return true;
	}
	switch (info) {
	case 24: n = 1; break;
	case 25: n = 2; break;
	case 26: n = 4; break;
	case 27: n = 8; break;
	default: return false;   /* 28-30 reserved; 31 indefinite, handled by caller */
	}
	if ((size_t)(w->end - w->p) < n)
		return false;
	*arg = 0;
	for (unsigned i = 0; i < n; i++)
		*arg = (*arg << 8) | *w->p++;
	return true;
}

static bool walk_item(struct cbor_walk *w, unsigned depth);

static bool walk_items(struct cbor_walk *w, uint64_t count, unsigned depth)
{
	/* Each item takes at least one byte: a count beyond that is a lie. */
	if (count > (uint64_t)(w->end - w->p))
		return false;
	for (uint64_t i = 0; i < count; i++)
		if (!walk_item(w, depth))
			return false;
	return true;
}

static bool walk_indefinite(struct cbor_walk *w, uint8_t major, unsigned depth)
{
	for (;;) {
		if (w->p >= w->end)
			return false;
		if (*w->p == 0xff) {
			w->p++;
			return true;
		}
		/* Chunks of indefinite strings must be definite strings of the same type. */
		if ((major == 2 || major == 3) &&
		    ((*w->p >> 5) != major || (*w->p & 0x1f) == 31))
			return false;
		if (!walk_item(w, depth))
			return false;
		if (major == 5 && !walk_item(w, depth))
			return false;
	}
}

static bool walk_item(struct cbor_walk *w, unsigned depth)
{
	uint64_t arg;

	if (depth == 0 || w->p >= w->end)
		return false;
	uint8_t ib = *w->p++;
	uint8_t major = ib >> 5, info = ib & 0x1f;

	if (info == 31) {
		if (major == 2 || major == 3 || major == 4 || major == 5)
			return walk_indefinite(w, major, depth - 1);
		return major == 7 ? false : false; /* break outside, or bad */
	}
	if (!walk_arg(w, info, &arg))
		return false;
	switch (major) {
	case 0: case 1: case 7:
		return true;
	case 2: case 3:
		if (arg > (uint64_t)(w->end - w->p))
			return false;
		w->p += arg;
		return true;
	case 4:
		return walk_items(w, arg, depth - 1);
	case 5:
		if (arg > (uint64_t)(w->end - w->p) / 2)
			return false;
		return walk_items(w, arg * 2, depth - 1);
	case 6:
		return walk_item(w, depth - 1);
	}
	return false;
}

bool cbor_bounded_well_formed(const uint8_t *buf, size_t len, unsigned max_depth)
{
	struct cbor_walk w = { buf, buf + len };

	return len > 0 && walk_item(&w, max_depth) && w.p == w.end;
}

cbor_item_t *mon_decode(const uint8_t *buf, size_t len, char *err, size_t errlen)
{
	struct cbor_load_result res;

	if (len > MON_FRAME_MAX) {
		snprintf(err, errlen, "message too large (%zu bytes, max %u)", len,
			 MON_FRAME_MAX);
		return NULL;
	}
	if (!cbor_bounded_well_formed(buf, len, MON_DEPTH_MAX)) {
		snprintf(err, errlen, "not a well-formed CBOR item");
		return NULL;
	}
	cbor_item_t *item = cbor_load(buf, len, &res);
	if (!item || res.error.code != CBOR_ERR_NONE) {
		if (item)
			cbor_decref(&item);
		snprintf(err, errlen, "CBOR decode error %d at byte %zu",
			 (int)res.error.code, res.error.position);
		return NULL;
	}
	return item;
}

bool mon_encode_frame(const cbor_item_t *item, uint8_t **out, size_t *len)
{
	unsigned char *payload = NULL;
	size_t cap = 0;
	size_t n = cbor_serialize_alloc(item, &payload, &cap);

	if (n == 0 || n > MON_FRAME_MAX) {
		free(payload);
		return false;
	}
	uint8_t *buf = malloc(n + 4);
	if (!buf) {
		free(payload);
		return false;
	}
	buf[0] = n >> 24;
	buf[1] = n >> 16;
	buf[2] = n >> 8;
	buf[3] = n;
	memcpy(buf + 4, payload, n);
	free(payload);
	*out = buf;
	*len = n + 4;
	return true;
}

cbor_item_t *mon_map_get(const cbor_item_t *map, const char *key)
{
	if (!map || !cbor_isa_map(map))
		return NULL;
	size_t n = cbor_map_size(map), klen = strlen(key);
	struct cbor_pair *pairs = cbor_map_handle(map);

	for (size_t i = 0; i < n; i++) {
		cbor_item_t *k = pairs[i].key;

		if (cbor_isa_string(k) && cbor_string_is_definite(k) &&
		    cbor_string_length(k) == klen &&
		    !memcmp(cbor_string_handle(k), key, klen))
			return pairs[i].value;
	}
	return NULL;
}

bool mon_map_put(cbor_item_t *map, const char *key, cbor_item_t *value)
{
	cbor_item_t *k = cbor_build_string(key);
	bool ok = k && value &&
		  cbor_map_add(map, (struct cbor_pair){ .key = k, .value = value });

	if (k)
		cbor_decref(&k);
	if (value)
		cbor_decref(&value);
	return ok;
}

bool mon_map_put_str(cbor_item_t *map, const char *key, const char *value)
{
	return mon_map_put(map, key, cbor_build_string(value));
}

bool mon_map_put_u64(cbor_item_t *map, const char *key, uint64_t value)
{
	return mon_map_put(map, key, cbor_build_uint64(value));
}

bool mon_map_put_bool(cbor_item_t *map, const char *key, bool value)
{
	return mon_map_put(map, key, cbor_build_bool(value));
}

bool mon_item_str(const cbor_item_t *item, char *buf, size_t len)
{
	if (!item || !cbor_isa_string(item) || !cbor_string_is_definite(item))
		return false;
	size_t n = cbor_string_length(item);
	if (n >= len || memchr(cbor_string_handle(item), 0, n))
		return false;
	memcpy(buf, cbor_string_handle(item), n);
	buf[n] = '\0';
	return true;
}

bool mon_item_u64(const cbor_item_t *item, uint64_t *out)
{
	if (!item || !cbor_isa_uint(item))
		return false;
	*out = cbor_get_int(item);
	return true;
}

cbor_item_t *mon_new_map(void)
{
	return cbor_new_indefinite_map();
}

cbor_item_t *mon_response_ok(cbor_item_t *result)
{
	cbor_item_t *m = mon_new_map();

	mon_map_put_bool(m, "ok", true);
	mon_map_put(m, "result", result ? result : cbor_new_null());
	return m;
}

cbor_item_t *mon_response_error(const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cbor_item_t *m = mon_new_map();
	mon_map_put_bool(m, "ok", false);
	mon_map_put_str(m, "error", msg);
	return m;
}
