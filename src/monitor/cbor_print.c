// SPDX-License-Identifier: MIT
#include "monitor/cbor_print.h"

#include <inttypes.h>
#include <string.h>

static void json_string(FILE *f, const unsigned char *s, size_t n)
{
	fputc('"', f);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = s[i];

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void string_bytes(const cbor_item_t *item, const unsigned char **p, size_t *n)
{
	if (cbor_string_is_definite(item)) {
		*p = cbor_string_handle(item);
		*n = cbor_string_length(item);
	} else {
		*p = (const unsigned char *)"";
		*n = 0;
	}
}

void cbor_print_json(FILE *f, const cbor_item_t *item)
{
	const unsigned char *p;
	size_t n;

	switch (cbor_typeof(item)) {
	case CBOR_TYPE_UINT:
		fprintf(f, "%" PRIu64, cbor_get_int(item));
		break;
	case CBOR_TYPE_NEGINT:
		/* value = -1 - n */
		if (cbor_get_int(item) == UINT64_MAX)
			fputs("-18446744073709551616", f);
		else
			fprintf(f, "-%" PRIu64, cbor_get_int(item) + 1);
		break;
	case CBOR_TYPE_BYTESTRING:
		fputc('"', f);
		if (cbor_bytestring_is_definite(item))
			for (size_t i = 0; i < cbor_bytestring_length(item); i++)
				fprintf(f, "%02x", cbor_bytestring_handle(item)[i]);
		fputc('"', f);
		break;
	case CBOR_TYPE_STRING:
		string_bytes(item, &p, &n);
		json_string(f, p, n);
		break;
	case CBOR_TYPE_ARRAY:
		fputc('[', f);
		for (size_t i = 0; i < cbor_array_size(item); i++) {
			if (i)
				fputc(',', f);
			cbor_print_json(f, cbor_array_handle(item)[i]);
		}
		fputc(']', f);
		break;
	case CBOR_TYPE_MAP:
		fputc('{', f);
		for (size_t i = 0; i < cbor_map_size(item); i++) {
			struct cbor_pair *pr = &cbor_map_handle(item)[i];

			if (i)
				fputc(',', f);
			if (cbor_isa_string(pr->key)) {
				string_bytes(pr->key, &p, &n);
				json_string(f, p, n);
			} else {
				fputc('"', f);
				if (cbor_isa_uint(pr->key))
					fprintf(f, "%" PRIu64, cbor_get_int(pr->key));
				fputc('"', f);
			}
			fputc(':', f);
			cbor_print_json(f, pr->value);
		}
		fputc('}', f);
		break;
	case CBOR_TYPE_TAG:
		cbor_print_json(f, cbor_tag_item(item));
		break;
	case CBOR_TYPE_FLOAT_CTRL:
		if (cbor_is_bool(item))
			fputs(cbor_get_bool(item) ? "true" : "false", f);
		else if (cbor_float_ctrl_is_ctrl(item))
			fputs("null", f);
		else
			fprintf(f, "%.17g", cbor_float_get_float(item));
		break;
	}
}

static void hexdump(FILE *f, const unsigned char *p, size_t n, unsigned indent)
{
	for (size_t off = 0; off < n; off += 16) {
		fprintf(f, "%*s%08zx ", indent, "", off);
		for (size_t i = off; i < off + 16; i++) {
			if (i < n)
				fprintf(f, " %02x", p[i]);
			else
				fputs("   ", f);
		}
		fputs("  |", f);
		for (size_t i = off; i < off + 16 && i < n; i++)
			fputc(p[i] >= 0x20 && p[i] < 0x7f ? p[i] : '.', f);
		fputs("|\n", f);
	}
}

static bool is_scalar(const cbor_item_t *item)
{
	return !cbor_isa_map(item) && !cbor_isa_array(item) &&
	       !cbor_isa_bytestring(item);
}

static void print_scalar(FILE *f, const cbor_item_t *item)
{
	const unsigned char *p;
	size_t n;

	if (cbor_isa_uint(item)) {
		uint64_t v = cbor_get_int(item);
		if (v >= 256)
			fprintf(f, "0x%" PRIx64, v);
		else
			fprintf(f, "%" PRIu64, v);
	} else if (cbor_isa_string(item)) {
		string_bytes(item, &p, &n);
		fprintf(f, "%.*s", (int)n, (const char *)p);
	} else {
		cbor_print_json(f, item);
	}
}

void cbor_print_human(FILE *f, const cbor_item_t *item, unsigned indent)
{
	if (is_scalar(item)) {
		fprintf(f, "%*s", indent, "");
		print_scalar(f, item);
		fputc('\n', f);
		return;
	}
	if (cbor_isa_bytestring(item)) {
		if (cbor_bytestring_is_definite(item))
			hexdump(f, cbor_bytestring_handle(item),
				cbor_bytestring_length(item), indent);
		return;
	}
	if (cbor_isa_array(item)) {
		for (size_t i = 0; i < cbor_array_size(item); i++) {
			cbor_item_t *e = cbor_array_handle(item)[i];

			if (is_scalar(e)) {
				cbor_print_human(f, e, indent);
			} else {
				fprintf(f, "%*s[%zu]\n", indent, "", i);
				cbor_print_human(f, e, indent + 2);
			}
		}
		return;
	}
	for (size_t i = 0; i < cbor_map_size(item); i++) {
		struct cbor_pair *pr = &cbor_map_handle(item)[i];

		fprintf(f, "%*s", indent, "");
		print_scalar(f, pr->key);
		fputc(':', f);
		if (is_scalar(pr->value)) {
			fputc(' ', f);
			print_scalar(f, pr->value);
			fputc('\n', f);
		} else {
			fputc('\n', f);
			cbor_print_human(f, pr->value, indent + 2);
		}
	}
}
