// SPDX-License-Identifier: MIT
/* The DSDT (loader/acpi_dsdt.c, loader/aml.c) walked back as an AML
 * interpreter would (ACPI 6.5 chapter 20: Scope, Device, Name with
 * integers, packages and buffers) into named objects by path; the PCI
 * host bridge's _CRS and the ISA PNP devices' resources decoded (6.4). */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "loader/acpi.h"
#include "loader/aml.h"
#include "memory/guest_mem.h"

#define MAX_OBJ 64

struct obj {
	char path[64];
	uint64_t val;           /* integers */
	const uint8_t *buf;     /* buffers: their bytes */
	size_t len;
};

static struct obj objs[MAX_OBJ];
static unsigned nobj;

static size_t pkglen(const uint8_t *p, size_t *len)
{
	unsigned n = (p[0] >> 6) + 1;

	*len = n == 1 ? p[0] & 0x3f : p[0] & 0xf;
	for (unsigned i = 1; i < n; i++)
		*len |= (size_t)p[i] << (4 + 8 * (i - 1));
	return n;
}

static size_t integer(const uint8_t *p, uint64_t *v)
{
	static const unsigned width[] = { [0x0a] = 1, [0x0b] = 2, [0x0c] = 4,
					  [0x0e] = 8 };
	unsigned n;

	if (p[0] <= 1) {
		*v = p[0];
		return 1;
	}
	ck_assert_msg(p[0] < 0x0f && width[p[0]], "integer op %#x", p[0]);
	n = width[p[0]];
	*v = 0;
	for (unsigned i = 0; i < n; i++)
		*v |= (uint64_t)p[1 + i] << (8 * i);
	return 1 + n;
}

static size_t data_object(const uint8_t *p, struct obj *o)
{
	size_t len, n;

	if (p[0] == 0x11) {                     /* Buffer */
		n = pkglen(p + 1, &len);
		n += integer(p + 1 + n, &o->val);
		o->buf = p + 1 + n;
		o->len = o->val;
		ck_assert_uint_eq(1 + n + o->len, 1 + len);
		return 1 + len;
	}
	if (p[0] == 0x12) {                     /* Package */
		pkglen(p + 1, &len);
		return 1 + len;
	}
	return integer(p, &o->val);
}

static void walk(const uint8_t *p, const uint8_t *end, const char *scope)
{
	while (p < end) {
		char path[64];
		size_t len, n;

		if (p[0] == 0x08) {             /* Name */
			struct obj *o = &objs[nobj++];

			ck_assert_uint_lt(nobj, MAX_OBJ);
			snprintf(o->path, sizeof(o->path), "%s.%.4s", scope, p + 1);
			p += 5 + data_object(p + 5, o);
		} else if (p[0] == 0x10) {      /* Scope (\NAME) */
			n = pkglen(p + 1, &len);
			ck_assert_uint_eq(p[1 + n], '\\');
			snprintf(path, sizeof(path), "\\%.4s", p + 2 + n);
			walk(p + 1 + n + 5, p + 1 + len, path);
			p += 1 + len;
		} else if (p[0] == 0x5b && p[1] == 0x82) {   /* Device */
			n = pkglen(p + 2, &len);
			snprintf(path, sizeof(path), "%s.%.4s", scope, p + 2 + n);
			walk(p + 2 + n + 4, p + 2 + len, path);
			p += 2 + len;
		} else {
			ck_abort_msg("AML opcode %#x in %s", p[0], scope);
		}
	}
	ck_assert_ptr_eq(p, end);
}

static struct guest_mem mem;

static void load_coms(uint64_t ram, uint8_t com_ports)
{
	struct acpi_config c;
	struct acpi_layout lay;
	const uint8_t *d;
	char err[128];
	uint32_t len;

	ck_assert_int_eq(gmem_init(&mem, 4 << 20), 0);
	acpi_config_pc(&c, 1, ram);
	ck_assert_uint_eq(c.com_ports, 1);
	c.com_ports = com_ports;
	ck_assert_int_eq(acpi_build(&mem, &c, &lay, err, sizeof(err)), 0);
	d = gmem_ptr(&mem, lay.dsdt, 36);
	memcpy(&len, d + 4, 4);
	ck_assert_uint_eq(acpi_sum(gmem_ptr(&mem, lay.dsdt, len), len), 0);
	nobj = 0;
	walk(d + 36, d + len, "");
}

static void load(uint64_t ram)
{
	load_coms(ram, 1);
}

static bool has(const char *path)
{
	for (unsigned i = 0; i < nobj; i++)
		if (!strcmp(objs[i].path, path))
			return true;
	return false;
}

static const struct obj *find(const char *path)
{
	for (unsigned i = 0; i < nobj; i++)
		if (!strcmp(objs[i].path, path))
			return &objs[i];
	ck_abort_msg("no %s", path);
	return NULL;
}

static uint64_t le(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

/* One resource descriptor as text: "io 3f8+8", "irq 4", "bus 0-ff",
 * "wio 0-cf7", "mem c 20000000-febfffff" (c: cacheable), "mem64 ...". */
static size_t describe(const uint8_t *p, char *s, size_t n)
{
	unsigned w;

	switch (p[0]) {
	case 0x47:
		snprintf(s, n, "io %lx+%u%s", (long)le(p + 2, 2), p[7],
			 le(p + 2, 2) == le(p + 4, 2) && p[1] == 1 ? "" : "?");
		return 8;
	case 0x22:
		snprintf(s, n, "irq %d", __builtin_ctz((unsigned)le(p + 1, 2)));
		return 3;
	case 0x88: case 0x87: case 0x8a:
		w = p[0] == 0x88 ? 2 : p[0] == 0x87 ? 4 : 8;
		ck_assert_uint_eq(le(p + 1, 2), 3 + 5 * w);
		ck_assert_uint_eq(p[4], 0x0c);          /* producer, fixed */
		/* length = max - min + 1, granularity and offset 0 */
		ck_assert_uint_eq(le(p + 6 + 4 * w, w),
				  le(p + 6 + 2 * w, w) - le(p + 6 + w, w) + 1);
		ck_assert_uint_eq(le(p + 6, w) | le(p + 6 + 3 * w, w), 0);
		snprintf(s, n, "%s%s %lx-%lx",
			 p[3] == 2 ? "bus" : p[3] == 1 ? "wio" :
			 w == 8 ? "mem64" : "mem",
			 p[3] ? "" : p[5] == 3 ? " c" : p[5] == 1 ? "" : " ?",
			 (long)le(p + 6 + w, w), (long)le(p + 6 + 2 * w, w));
		if (p[3] == 1)
			ck_assert_uint_eq(p[5], 3);     /* entire range */
		return 3 + le(p + 1, 2);
	}
	ck_abort_msg("resource tag %#x", p[0]);
	return 0;
}

/* The _CRS at path as one line of descriptors; ends with an end tag. */
static void crs(const char *path, char *out, size_t n)
{
	const struct obj *o = find(path);
	const uint8_t *p = o->buf, *end = o->buf + o->len;
	char one[64];

	out[0] = 0;
	while (p < end && p[0] != 0x79) {
		p += describe(p, one, sizeof(one));
		snprintf(out + strlen(out), n - strlen(out), "%s%s",
			 out[0] ? ", " : "", one);
	}
	ck_assert_uint_eq(end - p, 2);
}

START_TEST(pci0_crs)
{
	char s[512];

	load(512ull << 20);
	ck_assert_uint_eq(find("\\_SB_.PCI0._HID")->val, aml_eisaid("PNP0A03"));
	ck_assert_uint_eq(find("\\_SB_.PCI0._UID")->val, 0);
	ck_assert_uint_eq(find("\\_SB_.PCI0._ADR")->val, 0);
	crs("\\_SB_.PCI0._CRS", s, sizeof(s));
	ck_assert_str_eq(s, "bus 0-ff, io cf8+8, wio 0-cf7, wio d00-ffff, "
			 "mem c a0000-bffff, mem 20000000-febfffff, "
			 "mem64 c 100000000-17fffffff");
	find("._S5_");
	gmem_destroy(&mem);
	/* 6 GiB: 3 GiB low, the rest from 4 GiB (QEMU's split): the
	 * 64-bit window starts at the first 1 GiB boundary above 7 GiB. */
	load(6ull << 30);
	crs("\\_SB_.PCI0._CRS", s, sizeof(s));
	ck_assert_str_eq(s, "bus 0-ff, io cf8+8, wio 0-cf7, wio d00-ffff, "
			 "mem c a0000-bffff, mem c0000000-febfffff, "
			 "mem64 c 1c0000000-23fffffff");
	gmem_destroy(&mem);
}
END_TEST

START_TEST(isa_pnp_devices)
{
	static const struct { const char *dev, *hid, *crs; unsigned uid; } t[] = {
		{ "PIC_", "PNP0000", "io 20+2, io a0+2, irq 2", 0 },
		{ "TMR_", "PNP0100", "io 40+4, irq 0", 0 },
		{ "RTC_", "PNP0B00", "io 70+2, irq 8", 0 },
		{ "COM1", "PNP0501", "io 3f8+8, irq 4", 1 },
	};
	char path[64], s[256];

	load(128ull << 20);
	for (unsigned i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(path, sizeof(path), "\\_SB_.PCI0.%s._HID", t[i].dev);
		ck_assert_uint_eq(find(path)->val, aml_eisaid(t[i].hid));
		snprintf(path, sizeof(path), "\\_SB_.PCI0.%s._UID", t[i].dev);
		ck_assert_uint_eq(find(path)->val, t[i].uid);
		snprintf(path, sizeof(path), "\\_SB_.PCI0.%s._CRS", t[i].dev);
		crs(path, s, sizeof(s));
		ck_assert_str_eq(s, t[i].crs);
	}
	gmem_destroy(&mem);
}
END_TEST

/* COM2-COM4 are PNP0501 devices with _UID 2-4 only when the machine
 * has them (here COM2 and COM4). */
START_TEST(com_ports_as_configured)
{
	char s[256];

	load(128ull << 20);
	ck_assert(has("\\_SB_.PCI0.COM1._HID"));
	ck_assert(!has("\\_SB_.PCI0.COM2._HID"));
	gmem_destroy(&mem);
	load_coms(128ull << 20, 0x0b);
	ck_assert_uint_eq(find("\\_SB_.PCI0.COM2._HID")->val, aml_eisaid("PNP0501"));
	ck_assert_uint_eq(find("\\_SB_.PCI0.COM2._UID")->val, 2);
	crs("\\_SB_.PCI0.COM2._CRS", s, sizeof(s));
	ck_assert_str_eq(s, "io 2f8+8, irq 3");
	ck_assert(!has("\\_SB_.PCI0.COM3._HID"));
	ck_assert_uint_eq(find("\\_SB_.PCI0.COM4._UID")->val, 4);
	crs("\\_SB_.PCI0.COM4._CRS", s, sizeof(s));
	ck_assert_str_eq(s, "io 2e8+8, irq 3");
	crs("\\_SB_.PCI0.COM1._CRS", s, sizeof(s));
	ck_assert_str_eq(s, "io 3f8+8, irq 4");
	gmem_destroy(&mem);
}
END_TEST

/* EisaId() compression (ACPI 6.5, 19.6.35) and PkgLength (20.2.4) at
 * the encoding boundaries: 1 byte below 0x40, 2 below 0x1000, 3. */
START_TEST(aml_encodings)
{
	static const size_t bodies[] = { 0x3e, 0x3f, 0xffd, 0xffe };
	static const size_t sizes[] = { 1, 2, 2, 3 };
	static struct aml a;
	static const uint8_t op = 0x10;
	size_t len;

	ck_assert_uint_eq(aml_eisaid("PNP0A03"), 0x030ad041);
	ck_assert_uint_eq(aml_eisaid("PNP0501"), 0x0105d041);
	for (unsigned i = 0; i < 4; i++) {
		uint8_t zero[0x1000] = { 0 };
		size_t mark;

		memset(&a, 0, sizeof(a));
		mark = aml_open(&a, &op, 1);
		aml_bytes(&a, zero, bodies[i]);
		aml_close(&a, mark);
		ck_assert_uint_eq(pkglen(a.b + 1, &len), sizes[i]);
		ck_assert_uint_eq(len, bodies[i] + sizes[i]);
		ck_assert_uint_eq(a.len, 1 + len);
		ck_assert(!a.overflow);
	}
	/* Too much: overflow is recorded, never a write past the end. */
	memset(&a, 0, sizeof(a));
	for (unsigned i = 0; i < 2; i++) {
		uint8_t zero[AML_MAX / 2 + 1] = { 0 };

		aml_bytes(&a, zero, sizeof(zero));
	}
	ck_assert(a.overflow);
	ck_assert_uint_le(a.len, AML_MAX);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("acpi_dsdt");
	TCase *tc = tcase_create("dsdt");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, pci0_crs);
	tcase_add_test(tc, isa_pnp_devices);
	tcase_add_test(tc, com_ports_as_configured);
	tcase_add_test(tc, aml_encodings);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
