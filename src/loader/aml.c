// SPDX-License-Identifier: MIT
/* AML encoding (ACPI 6.5 chapter 20) and resource descriptors (6.4). */
#include "loader/aml.h"

#include <string.h>

enum {
	AML_ZERO = 0x00, AML_ONE = 0x01, AML_NAME = 0x08, AML_BYTE = 0x0a,
	AML_WORD = 0x0b, AML_DWORD = 0x0c, AML_QWORD = 0x0e, AML_SCOPE = 0x10,
	AML_BUFFER = 0x11, AML_EXT = 0x5b, AML_DEVICE = 0x82,
};

/* Resource descriptor tags (6.4.2 small, 6.4.3 large). */
enum {
	RES_IRQ = 0x22, RES_IO = 0x47, RES_END = 0x79,
	RES_DWORD = 0x87, RES_WORD = 0x88, RES_QWORD = 0x8a,
};
/* Address space resource types and flags (6.4.3.5, Table 6.49/6.50). */
enum { SPACE_MEM = 0, SPACE_IO = 1, SPACE_BUS = 2 };
#define GEN_PRODUCER_FIXED 0x0c  /* _MAF, _MIF set; _DEC positive; producer */
#define IO_ENTIRE_RANGE    0x03  /* _RNG: ISA and non-ISA ports */
#define MEM_RW             0x01
#define MEM_CACHEABLE      0x02  /* _MEM = 1 */

void aml_bytes(struct aml *a, const void *p, size_t n)
{
	if (a->len + n > sizeof(a->b)) {
		a->overflow = 1;
		return;
	}
	memcpy(a->b + a->len, p, n);
	a->len += n;
}

static void aml_le(struct aml *a, uint64_t v, unsigned n)
{
	uint8_t b[8];

	for (unsigned i = 0; i < n; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	aml_bytes(a, b, n);
}

size_t aml_open(struct aml *a, const uint8_t *op, size_t oplen)
{
	aml_bytes(a, op, oplen);
	return a->len;
}

/* PkgLength (20.2.4) counts its own bytes: one byte below 0x40, else a
 * lead byte (bits 7:6 = following bytes, bits 3:0 the low nibble). */
void aml_close(struct aml *a, size_t mark)
{
	size_t body = a->len - mark, total;
	unsigned n = 1;
	uint8_t enc[4];

	while (n < 4 && (n == 1 ? body + 1 >= 0x40 :
			 body + n >= (size_t)1 << (4 + 8 * (n - 1))))
		n++;
	total = body + n;
	if (a->overflow || a->len + n > sizeof(a->b)) {
		a->overflow = 1;
		return;
	}
	if (n == 1) {
		enc[0] = (uint8_t)total;
	} else {
		enc[0] = (uint8_t)(((n - 1) << 6) | (total & 0xf));
		for (unsigned i = 1; i < n; i++)
			enc[i] = (uint8_t)(total >> (4 + 8 * (i - 1)));
	}
	memmove(a->b + mark + n, a->b + mark, body);
	memcpy(a->b + mark, enc, n);
	a->len += n;
}

size_t aml_scope(struct aml *a, const char *name)
{
	static const uint8_t op = AML_SCOPE;
	size_t mark = aml_open(a, &op, 1);

	aml_bytes(a, name, strlen(name));
	return mark;
}

size_t aml_device(struct aml *a, const char *seg)
{
	static const uint8_t op[2] = { AML_EXT, AML_DEVICE };
	size_t mark = aml_open(a, op, 2);

	aml_bytes(a, seg, 4);
	return mark;
}

static void aml_name(struct aml *a, const char *seg)
{
	static const uint8_t op = AML_NAME;

	aml_bytes(a, &op, 1);
	aml_bytes(a, seg, 4);
}

/* The shortest integer (20.2.3): ZeroOp, OneOp, then byte..qword. */
static void aml_int(struct aml *a, uint64_t v)
{
	static const struct { uint64_t max; uint8_t op; unsigned n; } f[] = {
		{ 0xff, AML_BYTE, 1 }, { 0xffff, AML_WORD, 2 },
		{ 0xffffffff, AML_DWORD, 4 }, { UINT64_MAX, AML_QWORD, 8 },
	};
	unsigned i = 0;

	if (v <= 1) {
		uint8_t op = v ? AML_ONE : AML_ZERO;

		aml_bytes(a, &op, 1);
		return;
	}
	while (v > f[i].max)
		i++;
	aml_bytes(a, &f[i].op, 1);
	aml_le(a, v, f[i].n);
}

void aml_name_int(struct aml *a, const char *seg, uint64_t v)
{
	aml_name(a, seg);
	aml_int(a, v);
}

static unsigned hexval(char c)
{
	return (unsigned)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10) & 0xf;
}

/* EisaId (19.6.35): three letters of 5 bits each, then four hex
 * digits; stored big-endian as the DWordConst's bytes. */
uint32_t aml_eisaid(const char *id)
{
	uint32_t v = ((uint32_t)(id[0] & 0x1f) << 26) |
		     ((uint32_t)(id[1] & 0x1f) << 21) |
		     ((uint32_t)(id[2] & 0x1f) << 16);

	for (int i = 3; i < 7; i++)
		v |= hexval(id[i]) << (4 * (6 - i));
	return __builtin_bswap32(v);
}

void aml_name_eisaid(struct aml *a, const char *seg, const char *id)
{
	static const uint8_t op = AML_DWORD;

	aml_name(a, seg);
	aml_bytes(a, &op, 1);
	aml_le(a, aml_eisaid(id), 4);
}

/* Buffer (WordConst size) { descriptors..., EndTag }: the size is
 * patched in when the template ends. */
void aml_crs_begin(struct aml *a, struct aml_crs *c)
{
	static const uint8_t buf = AML_BUFFER, word = AML_WORD;

	aml_name(a, "_CRS");
	c->buf_mark = aml_open(a, &buf, 1);
	aml_bytes(a, &word, 1);
	c->size_at = a->len;
	aml_le(a, 0, 2);
	c->body = a->len;
}

void aml_crs_end(struct aml *a, struct aml_crs *c)
{
	/* End tag (6.4.2.9): checksum 0 means "treat as correct". */
	static const uint8_t end[2] = { RES_END, 0 };
	size_t n;

	aml_bytes(a, end, 2);
	n = a->len - c->body;
	if (!a->overflow) {
		a->b[c->size_at] = (uint8_t)n;
		a->b[c->size_at + 1] = (uint8_t)(n >> 8);
	}
	aml_close(a, c->buf_mark);
}

/* I/O port descriptor (6.4.2.5): 16-bit decode, fixed base. */
void aml_res_io(struct aml *a, uint16_t base, uint8_t len)
{
	uint8_t d[8] = { RES_IO, 1, (uint8_t)base, (uint8_t)(base >> 8),
			 (uint8_t)base, (uint8_t)(base >> 8), 1, len };

	aml_bytes(a, d, sizeof(d));
}

/* IRQ descriptor without the flags byte (6.4.2.1): edge, active high. */
void aml_res_irq(struct aml *a, unsigned irq)
{
	uint16_t mask = (uint16_t)(1u << (irq & 15));
	uint8_t d[3] = { RES_IRQ, (uint8_t)mask, (uint8_t)(mask >> 8) };

	aml_bytes(a, d, sizeof(d));
}

/* Word/DWord/QWord address space descriptors (6.4.3.5.1-3): header,
 * then granularity, min, max, translation offset and length, each of
 * width bytes. */
static void aml_res_space(struct aml *a, uint8_t tag, unsigned width,
			  uint8_t type, uint8_t type_flags, uint64_t min,
			  uint64_t max)
{
	uint8_t h[6] = { tag, (uint8_t)(3 + 5 * width), 0, type,
			 GEN_PRODUCER_FIXED, type_flags };

	aml_bytes(a, h, sizeof(h));
	aml_le(a, 0, width);
	aml_le(a, min, width);
	aml_le(a, max, width);
	aml_le(a, 0, width);
	aml_le(a, max - min + 1, width);
}

void aml_res_bus(struct aml *a, uint16_t min, uint16_t max)
{
	aml_res_space(a, RES_WORD, 2, SPACE_BUS, 0, min, max);
}

void aml_res_word_io(struct aml *a, uint16_t min, uint16_t max)
{
	aml_res_space(a, RES_WORD, 2, SPACE_IO, IO_ENTIRE_RANGE, min, max);
}

void aml_res_dword_mem(struct aml *a, int cacheable, uint32_t min,
		       uint32_t max)
{
	aml_res_space(a, RES_DWORD, 4, SPACE_MEM,
		      MEM_RW | (cacheable ? MEM_CACHEABLE : 0), min, max);
}

void aml_res_qword_mem(struct aml *a, uint64_t min, uint64_t max)
{
	aml_res_space(a, RES_QWORD, 8, SPACE_MEM, MEM_RW | MEM_CACHEABLE,
		      min, max);
}
