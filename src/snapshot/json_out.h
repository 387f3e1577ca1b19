/* SPDX-License-Identifier: MIT */
/* A minimal JSON writer for `vmxbox inspect --json` (commas and escaping). */
#ifndef VMXBOX_SNAPSHOT_JSON_OUT_H
#define VMXBOX_SNAPSHOT_JSON_OUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct jout {
	FILE *f;
	unsigned depth;
	bool need_comma[32];
};

void jw_init(struct jout *j, FILE *f);
void jw_obj(struct jout *j);            /* { */
void jw_arr(struct jout *j);            /* [ */
void jw_end_obj(struct jout *j);
void jw_end_arr(struct jout *j);
void jw_key(struct jout *j, const char *k);
void jw_str(struct jout *j, const char *s);
void jw_strn(struct jout *j, const char *s, size_t n);
void jw_uint(struct jout *j, uint64_t v);
/* 64-bit values as "0x..." strings: JSON numbers lose bits above 2^53. */
void jw_hex(struct jout *j, uint64_t v);
/* Byte string as a string of hex digits. */
void jw_bytes_hex(struct jout *j, const uint8_t *p, size_t n);
void jw_bool(struct jout *j, bool b);
void jw_null(struct jout *j);

#endif
