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

/*
 * How an unsigned value is shown depends on what it is: counts and times
 * in decimal, addresses, registers and VMCS values in hex.  The monitor's
 * replies name counts with these keys (docs/monitor.md); the values of an
 * "exits" map are per-reason counts.
 */
static const char *const count_keys[] = {
	"insns", "uptime_ms", "entries", "entry_failures", "l2_insns",
	"vm_entries", "vm_exits", "vpid", "count", "exits_total",
};

enum radix { RADIX_HEX, RADIX_DEC };

static enum radix radix_of(const cbor_item_t *key, enum radix inherited)
{
	const unsigned char *p;
	size_t n;

	if (!key || !cbor_isa_string(key))
		return inherited;
	string_bytes(key, &p, &n);
	for (size_t i = 0; i < sizeof(count_keys) / sizeof(count_keys[0]); i++)
		if (strlen(count_keys[i]) == n && !memcmp(count_keys[i], p, n))
			return RADIX_DEC;
	return inherited;
}

static enum radix radix_of_children(const cbor_item_t *key, enum radix r)
{
	const unsigned char *p;
	size_t n;

	if (key && cbor_isa_string(key)) {
		string_bytes(key, &p, &n);
		if (n == 5 && !memcmp(p, "exits", 5))
			return RADIX_DEC;
	}
	return r;
}

static void print_scalar(FILE *f, const cbor_item_t *item, enum radix r)
{
	const unsigned char *p;
	size_t n;

	if (cbor_isa_uint(item)) {
		uint64_t v = cbor_get_int(item);

		if (r == RADIX_DEC)
			fprintf(f, "%" PRIu64, v);
		else
			fprintf(f, "0x%" PRIx64, v);
	} else if (cbor_isa_string(item)) {
		string_bytes(item, &p, &n);
		fprintf(f, "%.*s", (int)n, (const char *)p);
	} else {
		cbor_print_json(f, item);
	}
}

static void print_human(FILE *f, const cbor_item_t *item, unsigned indent,
			enum radix r);

static void print_map(FILE *f, const cbor_item_t *item, unsigned indent,
		      enum radix r)
{
	for (size_t i = 0; i < cbor_map_size(item); i++) {
		struct cbor_pair *pr = &cbor_map_handle(item)[i];

		fprintf(f, "%*s", indent, "");
		print_scalar(f, pr->key, RADIX_DEC);
		fputc(':', f);
		if (is_scalar(pr->value)) {
			fputc(' ', f);
			print_scalar(f, pr->value, radix_of(pr->key, r));
			fputc('\n', f);
		} else {
			fputc('\n', f);
			print_human(f, pr->value, indent + 2,
				    radix_of_children(pr->key, r));
		}
	}
}

static void print_human(FILE *f, const cbor_item_t *item, unsigned indent,
			enum radix r)
{
	if (is_scalar(item)) {
		fprintf(f, "%*s", indent, "");
		print_scalar(f, item, r);
		fputc('\n', f);
	} else if (cbor_isa_bytestring(item)) {
		if (cbor_bytestring_is_definite(item))
			hexdump(f, cbor_bytestring_handle(item),
				cbor_bytestring_length(item), indent);
	} else if (cbor_isa_array(item)) {
		for (size_t i = 0; i < cbor_array_size(item); i++) {
			cbor_item_t *e = cbor_array_handle(item)[i];

			if (is_scalar(e)) {
				print_human(f, e, indent, r);
			} else {
				fprintf(f, "%*s[%zu]\n", indent, "", i);
				print_human(f, e, indent + 2, r);
			}
		}
	} else {
		print_map(f, item, indent, r);
	}
}

void cbor_print_human(FILE *f, const cbor_item_t *item, unsigned indent)
{
	print_human(f, item, indent, RADIX_HEX);
}
