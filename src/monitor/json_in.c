// SPDX-License-Identifier: MIT
/* A small, bounded JSON reader (RFC 8259) for vmxbox's own files. */
#include "monitor/json_in.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JSON_MAX_DEPTH 32

struct reader {
	const char *p, *end;
	char *err;
	size_t errlen;
	const char *start;
};

static bool fail(struct reader *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static bool fail(struct reader *r, const char *fmt, ...)
{
	char msg[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(r->err, r->errlen, "JSON at byte %zu: %s",
		 (size_t)(r->p - r->start), msg);
	return false;
}

static void skip_ws(struct reader *r)
{
	while (r->p < r->end && strchr(" \t\r\n", *r->p))
		r->p++;
}

static bool lit(struct reader *r, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n))
		return fail(r, "unexpected text");
	r->p += n;
	return true;
}

/* \uXXXX: ASCII code points as themselves, others as '?' (our files
 * are ASCII). */
static bool hex4(struct reader *r, char *c)
{
	unsigned v = 0;

	if (r->end - r->p < 4)
		return false;
	for (int i = 0; i < 4; i++) {
		char h = *r->p++;

		v <<= 4;
		if (h >= '0' && h <= '9')
			v |= (unsigned)(h - '0');
		else if ((h | 0x20) >= 'a' && (h | 0x20) <= 'f')
			v |= (unsigned)((h | 0x20) - 'a' + 10);
		else
			return false;
	}
	*c = v < 0x80 ? (char)v : '?';
	return true;
}

/* Strings: escapes other than \uXXXX kept simple (\uXXXX above 0x7f
 * becomes '?': our files are ASCII). */
static bool parse_string(struct reader *r, char **out)
{
	size_t cap = 16, n = 0;
	char *s = malloc(cap);

	if (!s)
		return fail(r, "out of memory");
	r->p++;   /* opening quote */
	while (r->p < r->end && *r->p != '"') {
		char c = *r->p++;

		if ((unsigned char)c < 0x20)
			goto bad;
		if (c == '\\') {
			if (r->p >= r->end)
				goto bad;
			c = *r->p++;
			switch (c) {
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case 'r': c = '\r'; break;
			case 'b': c = '\b'; break;
			case 'f': c = '\f'; break;
			case 'u':
				if (!hex4(r, &c))
					goto bad;
				break;
			case '"': case '\\': case '/': break;
			default: goto bad;
			}
		}
		if (n + 2 > cap) {
			char *t = realloc(s, cap *= 2);

			if (!t)
				goto bad;
			s = t;
		}
		s[n++] = c;
	}
	if (r->p >= r->end)
		goto bad;
	r->p++;
	s[n] = '\0';
	*out = s;
	return true;
bad:
	free(s);
	return fail(r, "bad string");
}

static bool parse_value(struct reader *r, struct json_value *v, unsigned depth);

static bool push(struct reader *r, struct json_value *v, struct json_value *item,
		 char *key)
{
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 8;
		struct json_value *t = realloc(v->items, cap * sizeof(*t));
		char **k = v->type == JSON_OBJECT ?
			   realloc(v->keys, cap * sizeof(*k)) : NULL;

		if (t)
			v->items = t;
		if (k)
			v->keys = k;
		if (!t || (v->type == JSON_OBJECT && !k)) {
			free(key);
			json_free(item);
			return fail(r, "out of memory");
		}
		v->cap = cap;
	}
	if (v->type == JSON_OBJECT)
		v->keys[v->n] = key;
	v->items[v->n++] = *item;
	return true;
}

static bool parse_container(struct reader *r, struct json_value *v,
			    unsigned depth, bool object)
{
	char close = object ? '}' : ']';

	v->type = object ? JSON_OBJECT : JSON_ARRAY;
	r->p++;
	skip_ws(r);
	if (r->p < r->end && *r->p == close) {
		r->p++;
		return true;
	}
	for (;;) {
		struct json_value item = { 0 };
		char *key = NULL;

		skip_ws(r);
		if (object) {
			if (r->p >= r->end || *r->p != '"' || !parse_string(r, &key))
				return fail(r, "expected a key");
			skip_ws(r);
			if (r->p >= r->end || *r->p++ != ':') {
				free(key);
				return fail(r, "expected ':'");
			}
		}
		if (!parse_value(r, &item, depth + 1)) {
			free(key);
			return false;
		}
		if (!push(r, v, &item, key))
			return false;
		skip_ws(r);
		if (r->p < r->end && *r->p == ',') {
			r->p++;
			continue;
		}
		if (r->p < r->end && *r->p == close) {
			r->p++;
			return true;
		}
		return fail(r, "expected ',' or '%c'", close);
	}
}

static bool parse_number(struct reader *r, struct json_value *v)
{
	char buf[64];
	size_t n = 0;
	char *end;

	while (r->p < r->end && n < sizeof(buf) - 1 &&
	       strchr("0123456789+-.eE", *r->p))
		buf[n++] = *r->p++;
	buf[n] = '\0';
	errno = 0;
	v->type = JSON_NUMBER;
	v->num = strtod(buf, &end);
	if (!n || *end || errno)
		return fail(r, "bad number");
	return true;
}

static bool parse_value(struct reader *r, struct json_value *v, unsigned depth)
{
	if (depth > JSON_MAX_DEPTH)
		return fail(r, "nested too deep");
	skip_ws(r);
	if (r->p >= r->end)
		return fail(r, "unexpected end");
	switch (*r->p) {
	case '{': return parse_container(r, v, depth, true);
	case '[': return parse_container(r, v, depth, false);
	case '"': v->type = JSON_STRING; return parse_string(r, &v->str);
	case 't': v->type = JSON_BOOL; v->boolean = true; return lit(r, "true");
	case 'f': v->type = JSON_BOOL; return lit(r, "false");
	case 'n': v->type = JSON_NULL; return lit(r, "null");
	default: return parse_number(r, v);
	}
}

bool json_parse(const char *text, size_t len, struct json_value *out,
		char *err, size_t errlen)
{
	struct reader r = { text, text + len, err, errlen, text };

	memset(out, 0, sizeof(*out));
	if (!parse_value(&r, out, 0)) {
		json_free(out);
		return false;
	}
	skip_ws(&r);
	if (r.p != r.end) {
		json_free(out);
		return fail(&r, "text after the value");
	}
	return true;
}

void json_free(struct json_value *v)
{
	for (size_t i = 0; i < v->n; i++) {
		json_free(&v->items[i]);
		if (v->keys)
			free(v->keys[i]);
	}
	free(v->items);
	free(v->keys);
	free(v->str);
	memset(v, 0, sizeof(*v));
}

const struct json_value *json_get(const struct json_value *obj, const char *key)
{
	if (!obj || obj->type != JSON_OBJECT)
		return NULL;
	for (size_t i = 0; i < obj->n; i++)
		if (!strcmp(obj->keys[i], key))
			return &obj->items[i];
	return NULL;
}

const char *json_str(const struct json_value *v)
{
	return v && v->type == JSON_STRING ? v->str : NULL;
}

bool json_num(const struct json_value *v, double *out)
{
	if (!v || v->type != JSON_NUMBER)
		return false;
	*out = v->num;
	return true;
}
