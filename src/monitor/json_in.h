/* SPDX-License-Identifier: MIT */
/*
 * A small, bounded JSON reader (RFC 8259) for files vmxbox writes itself
 * (trace-event files read back by `vmxbox report`).  Malformed input gives
 * false and a one-line reason with the byte offset; nesting is limited.
 */
#ifndef VMXBOX_MONITOR_JSON_IN_H
#define VMXBOX_MONITOR_JSON_IN_H

#include <stdbool.h>
#include <stddef.h>

enum json_type { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY,
		 JSON_OBJECT };

struct json_value {
	enum json_type type;
	bool boolean;
	double num;
	char *str;                  /* JSON_STRING, malloc'd */
	size_t n, cap;              /* JSON_ARRAY / JSON_OBJECT items */
	struct json_value *items;
	char **keys;                /* JSON_OBJECT: keys[i] names items[i] */
};

bool json_parse(const char *text, size_t len, struct json_value *out,
		char *err, size_t errlen);
void json_free(struct json_value *v);
/* Member of an object (NULL if absent or not an object). */
const struct json_value *json_get(const struct json_value *obj, const char *key);
const char *json_str(const struct json_value *v);   /* NULL if not a string */
bool json_num(const struct json_value *v, double *out);

#endif
