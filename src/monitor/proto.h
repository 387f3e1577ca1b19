/* SPDX-License-Identifier: MIT */
/*
 * Monitor wire protocol (docs/monitor.md): every message is a 4-byte
 * big-endian length followed by that many bytes of one CBOR item, a map.
 *   request:  { "cmd": tstr, ? "args": [* any], ? "id": uint }
 *   response: { "ok": true, "result": any, ? "id": uint }
 *           / { "ok": false, "error": tstr, ? "id": uint }
 *   event:    { "event": tstr, ... }   (trace stream, unsolicited)
 * Untrusted input is bounded before libcbor sees it: frame size, nesting
 * depth, and every declared length must fit in the bytes that remain.
 */
#ifndef VMXBOX_MONITOR_PROTO_H
#define VMXBOX_MONITOR_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cbor.h>

#define MON_FRAME_MAX (1u << 20)   /* largest request or response payload */
#define MON_DEPTH_MAX 16

/* Checks that buf holds exactly one well-formed CBOR item whose declared
 * lengths all fit in the buffer and whose nesting is <= max_depth. */
bool cbor_bounded_well_formed(const uint8_t *buf, size_t len, unsigned max_depth);

/* Decode one payload (without the length prefix).  NULL + err on failure. */
cbor_item_t *mon_decode(const uint8_t *buf, size_t len, char *err, size_t errlen);

/* Serialize item with its length prefix into a malloc'd buffer. */
bool mon_encode_frame(const cbor_item_t *item, uint8_t **out, size_t *len);

/* Map helpers (key is a text string). */
cbor_item_t *mon_map_get(const cbor_item_t *map, const char *key);
bool mon_map_put(cbor_item_t *map, const char *key, cbor_item_t *value);
bool mon_map_put_str(cbor_item_t *map, const char *key, const char *value);
bool mon_map_put_u64(cbor_item_t *map, const char *key, uint64_t value);
bool mon_map_put_bool(cbor_item_t *map, const char *key, bool value);
/* Copy a text string item into buf (NUL-terminated); false if not text or too long. */
bool mon_item_str(const cbor_item_t *item, char *buf, size_t len);
/* Unsigned integer item -> value; false if not an unsigned int. */
bool mon_item_u64(const cbor_item_t *item, uint64_t *out);

cbor_item_t *mon_new_map(void);
cbor_item_t *mon_response_ok(cbor_item_t *result);   /* takes ownership */
cbor_item_t *mon_response_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

#endif
