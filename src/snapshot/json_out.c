// SPDX-License-Identifier: MIT
#include "snapshot/json_out.h"

#include <inttypes.h>
#include <string.h>

void jw_init(struct jout *j, FILE *f)
{
	memset(j, 0, sizeof(*j));
	j->f = f;
}

/* Before a value: a comma unless first in its container or after a key. */
static void sep(struct jout *j)
{
	if (j->need_comma[j->depth])
		fputc(',', j->f);
	j->need_comma[j->depth] = true;
}

static void open(struct jout *j, char c)
{
	sep(j);
	fputc(c, j->f);
	if (j->depth < 31)
		j->depth++;
	j->need_comma[j->depth] = false;
}

static void close_(struct jout *j, char c)
{
	if (j->depth)
		j->depth--;
	fputc(c, j->f);
	if (!j->depth)
		fputc('\n', j->f);
}

void jw_obj(struct jout *j) { open(j, '{'); }
void jw_arr(struct jout *j) { open(j, '['); }
void jw_end_obj(struct jout *j) { close_(j, '}'); }
void jw_end_arr(struct jout *j) { close_(j, ']'); }

static void raw_str(struct jout *j, const char *s, size_t n)
{
	fputc('"', j->f);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\')
			fprintf(j->f, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(j->f, "\\u%04x", c);
		else
			fputc(c, j->f);
	}
	fputc('"', j->f);
}

void jw_key(struct jout *j, const char *k)
{
	sep(j);
	raw_str(j, k, strlen(k));
	fputc(':', j->f);
	j->need_comma[j->depth] = false;
}

/* After a key the value must not be preceded by a comma; sep() after
 * jw_key sees need_comma == false and then sets it for the next key. */
void jw_strn(struct jout *j, const char *s, size_t n)
{
	sep(j);
	raw_str(j, s, n);
}

void jw_str(struct jout *j, const char *s) { jw_strn(j, s, strlen(s)); }

void jw_uint(struct jout *j, uint64_t v)
{
	sep(j);
	fprintf(j->f, "%" PRIu64, v);
}

void jw_hex(struct jout *j, uint64_t v)
{
	sep(j);
	fprintf(j->f, "\"0x%" PRIx64 "\"", v);
}

void jw_bool(struct jout *j, bool b)
{
	sep(j);
	fputs(b ? "true" : "false", j->f);
}

void jw_null(struct jout *j)
{
	sep(j);
	fputs("null", j->f);
}

void jw_bytes_hex(struct jout *j, const uint8_t *p, size_t n)
{
	sep(j);
	fputc('"', j->f);
	for (size_t i = 0; i < n; i++)
		fprintf(j->f, "%02x", p[i]);
	fputc('"', j->f);
}
