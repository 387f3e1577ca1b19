// SPDX-License-Identifier: MIT
/*
 * The SMBIOS tables of vmxbox's PC.  Structure layouts and offsets
 * follow DMTF DSP0134 3.x for a 2.8 table (the section of each type is
 * named at its builder); the values are those of QEMU's pc machine where
 * an OS uses them (handles, one memory device per 16 GiB, the mapped
 * ranges below and above 4 GiB), with "vmxbox" as the vendor.
 */
#include "loader/smbios.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VENDOR        "vmxbox"
#define PRODUCT       "vmxbox PC"
#define BIOS_VERSION  "vmxbox"
#define BIOS_DATE     "01/01/2025"

/* Handles as QEMU numbers them (hw/smbios/smbios.c). */
#define H_BIOS     0x0000
#define H_SYSTEM   0x0100
#define H_CHASSIS  0x0300
#define H_CPU      0x0400
#define H_MEMARRAY 0x1000
#define H_MEMDEV   0x1100
#define H_MAPPED   0x1300
#define H_BOOT     0x2000
#define H_END      0x7f00
#define H_NONE     0xfffe          /* "not provided" (error information) */
#define H_NO_CACHE 0xffff          /* no cache structure */

#define DIMM_MAX   (16ull << 30)   /* QEMU: one memory device per 16 GiB */
#define MAX_FMT    0x30            /* the longest formatted area here */
#define MAX_STRS   4

struct sm_buf {
	uint8_t *b;
	size_t len, cap;
	unsigned n;                    /* structures */
	size_t max;                    /* largest structure with its strings */
	bool failed;
};

/* A structure being built: the formatted area, then its strings. */
struct sm_struct {
	uint8_t f[MAX_FMT];
	const char *s[MAX_STRS];
	unsigned ns;
};

static void put(uint8_t *p, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static struct sm_struct *begin(struct sm_struct *st, uint8_t type, uint8_t len,
			       uint16_t handle)
{
	memset(st, 0, sizeof(*st));
	st->f[0] = type;
	st->f[1] = len;
	put(st->f + 2, handle, 2);
	return st;
}

/* The string's number (6.1.3: 1-based, 0 = none). */
static uint8_t str(struct sm_struct *st, const char *s)
{
	st->s[st->ns++] = s;
	return (uint8_t)st->ns;
}

static void append(struct sm_buf *b, const void *p, size_t n)
{
	if (b->failed)
		return;
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 4096;
		uint8_t *nb;

		while (cap < b->len + n)
			cap *= 2;
		nb = realloc(b->b, cap);
		if (!nb) {
			b->failed = true;
			return;
		}
		b->b = nb;
		b->cap = cap;
	}
	memcpy(b->b + b->len, p, n);
	b->len += n;
}

/* The formatted area, each string with its NUL, and the NUL that ends
 * the set (two NULs when there is no string; 6.1.3). */
static void end(struct sm_buf *b, const struct sm_struct *st)
{
	size_t start = b->len;

	append(b, st->f, st->f[1]);
	for (unsigned i = 0; i < st->ns; i++)
		append(b, st->s[i], strlen(st->s[i]) + 1);
	if (!st->ns)
		append(b, "", 1);
	append(b, "", 1);
	b->n++;
	if (b->len - start > b->max)
		b->max = b->len - start;
}

/* 7.1 BIOS Information (type 0). */
static void bios_info(struct sm_buf *b)
{
	struct sm_struct st;
	uint8_t *f = begin(&st, 0, 0x18, H_BIOS)->f;

	f[0x04] = str(&st, VENDOR);
	f[0x05] = str(&st, BIOS_VERSION);
	put(f + 0x06, 0xe800, 2);          /* starting segment: QEMU's value */
	f[0x08] = str(&st, BIOS_DATE);
	f[0x09] = 0;                       /* ROM size 64 KiB */
	put(f + 0x0a, 1u << 3, 8);         /* characteristics not supported */
	f[0x12] = 0;
	f[0x13] = 1u << 4;                 /* extension byte 2: a virtual machine */
	f[0x14] = 0;                       /* BIOS release 0.0 */
	f[0x15] = 0;
	f[0x16] = 0xff;                    /* no embedded controller */
	f[0x17] = 0xff;
	end(b, &st);
}

/* 7.2 System Information (type 1): no UUID (fw_cfg's is zero too). */
static void system_info(struct sm_buf *b)
{
	struct sm_struct st;
	uint8_t *f = begin(&st, 1, 0x1b, H_SYSTEM)->f;

	f[0x04] = str(&st, VENDOR);
	f[0x05] = str(&st, PRODUCT);
	f[0x18] = 0x06;                    /* wake-up type: power switch */
	end(b, &st);
}

/* 7.4 System Enclosure or Chassis (type 3), no contained elements. */
static void chassis(struct sm_buf *b)
{
	struct sm_struct st;
	uint8_t *f = begin(&st, 3, 0x16, H_CHASSIS)->f;

	f[0x04] = str(&st, VENDOR);
	f[0x05] = 0x01;                    /* type: other */
	f[0x09] = 0x03;                    /* boot-up, power supply, thermal: safe */
	f[0x0a] = 0x03;
	f[0x0b] = 0x03;
	f[0x0c] = 0x02;                    /* security: unknown */
	end(b, &st);
}

/* 7.5 Processor Information (type 4): the one package of the CPUID
 * topology (docs/smp.md), a core with one thread per vCPU, as QEMU
 * describes -smp N. */
static void processor(struct sm_buf *b, const struct smbios_config *c)
{
	struct sm_struct st;
	uint8_t *f = begin(&st, 4, 0x2a, H_CPU)->f;

	f[0x04] = str(&st, "CPU 0");
	f[0x05] = 0x03;                    /* central processor */
	f[0x06] = 0x01;                    /* family: other */
	f[0x07] = str(&st, VENDOR);
	put(f + 0x08, c->cpuid_1_eax, 4);  /* processor ID (7.5.3) */
	put(f + 0x0c, c->cpuid_1_edx, 4);
	put(f + 0x14, 2000, 2);            /* max and current speed, MHz: QEMU's */
	put(f + 0x16, 2000, 2);
	f[0x18] = 0x41;                    /* socket populated, CPU enabled */
	f[0x19] = 0x01;                    /* upgrade: other */
	put(f + 0x1a, H_NO_CACHE, 2);      /* L1, L2, L3 cache handles */
	put(f + 0x1c, H_NO_CACHE, 2);
	put(f + 0x1e, H_NO_CACHE, 2);
	f[0x23] = (uint8_t)c->nr_cpus;     /* cores, cores enabled, threads */
	f[0x24] = (uint8_t)c->nr_cpus;
	f[0x25] = (uint8_t)c->nr_cpus;
	put(f + 0x26, 0x02, 2);            /* characteristics: unknown */
	put(f + 0x28, 0x01, 2);            /* family 2: other */
	end(b, &st);
}

/* 7.17 Physical Memory Array (type 16): all of RAM, in KiB. */
static void memory_array(struct sm_buf *b, const struct smbios_config *c,
			 unsigned n_dimms)
{
	struct sm_struct st;
	uint8_t *f = begin(&st, 16, 0x17, H_MEMARRAY)->f;
	uint64_t kib = c->ram >> 10;

	f[0x04] = 0x01;                    /* location: other */
	f[0x05] = 0x03;                    /* use: system memory */
	f[0x06] = 0x06;                    /* error correction: multi-bit ECC */
	if (kib < 0x80000000ull) {
		put(f + 0x07, kib, 4);
	} else {                           /* extended maximum capacity, bytes */
		put(f + 0x07, 0x80000000u, 4);
		put(f + 0x0f, c->ram, 8);
	}
	put(f + 0x0b, H_NONE, 2);
	put(f + 0x0d, n_dimms, 2);
	end(b, &st);
}

/* 7.18 Memory Device (type 17): size in MiB (rounded down). */
static void memory_device(struct sm_buf *b, unsigned k, uint64_t bytes,
			  char *name)
{
	struct sm_struct st;
	uint8_t *f = begin(&st, 17, 0x28, (uint16_t)(H_MEMDEV + k))->f;
	uint64_t mib = bytes >> 20;

	put(f + 0x04, H_MEMARRAY, 2);
	put(f + 0x06, H_NONE, 2);
	put(f + 0x08, 0xffff, 2);          /* total and data width: unknown */
	put(f + 0x0a, 0xffff, 2);
	if (mib < 0x7fff) {
		put(f + 0x0c, mib, 2);
	} else {                           /* extended size (7.18.5) */
		put(f + 0x0c, 0x7fff, 2);
		put(f + 0x1c, mib, 4);
	}
	f[0x0e] = 0x09;                    /* form factor: DIMM */
	f[0x10] = str(&st, name);
	f[0x12] = 0x07;                    /* type: RAM */
	put(f + 0x13, 0x0002, 2);          /* type detail: other */
	f[0x17] = str(&st, VENDOR);
	end(b, &st);
}

/* 7.20 Memory Array Mapped Address (type 19): [start, start + len) in
 * KiB, the end inclusive. */
static void mapped_range(struct sm_buf *b, unsigned k, uint64_t start,
			 uint64_t len)
{
	struct sm_struct st;
	uint8_t *f = begin(&st, 19, 0x1f, (uint16_t)(H_MAPPED + k))->f;
	uint64_t s = start >> 10, e = ((start + len) >> 10) - 1;

	if (e < 0xffffffffull) {
		put(f + 0x04, s, 4);
		put(f + 0x08, e, 4);
	} else {                           /* extended addresses, bytes */
		put(f + 0x04, 0xffffffffu, 4);
		put(f + 0x08, 0xffffffffu, 4);
		put(f + 0x0f, start, 8);
		put(f + 0x17, start + len - 1, 8);
	}
	put(f + 0x0c, H_MEMARRAY, 2);
	f[0x0e] = 1;                       /* partition width */
	end(b, &st);
}

static void memory(struct sm_buf *b, const struct smbios_config *c)
{
	unsigned n = (unsigned)((c->ram + DIMM_MAX - 1) / DIMM_MAX);
	uint64_t low = gmem_low_size(c->ram);
	char name[16];

	memory_array(b, c, n);
	for (unsigned k = 0; k < n; k++) {
		uint64_t left = c->ram - k * DIMM_MAX;

		snprintf(name, sizeof(name), "DIMM %u", k);
		memory_device(b, k, left < DIMM_MAX ? left : DIMM_MAX, name);
	}
	mapped_range(b, 0, 0, low);
	if (c->ram > low)
		mapped_range(b, 1, GMEM_HIGH_BASE, c->ram - low);
}

/* 7.33 System Boot Information (type 32): no errors. */
static void system_boot(struct sm_buf *b)
{
	struct sm_struct st;

	begin(&st, 32, 0x0b, H_BOOT);
	end(b, &st);
}

static uint8_t sum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	while (n--)
		s = (uint8_t)(s + *p++);
	return s;
}

/* 5.2.1 SMBIOS 2.1 (32-bit) Entry Point. */
static void entry_point(uint8_t *e, const struct sm_buf *b)
{
	memset(e, 0, SMBIOS_EPS_LEN);
	memcpy(e, "_SM_", 4);
	e[0x05] = SMBIOS_EPS_LEN;
	e[0x06] = 2;                       /* version 2.8 */
	e[0x07] = 8;
	put(e + 0x08, b->max, 2);
	memcpy(e + 0x10, "_DMI_", 5);
	put(e + 0x16, b->len, 2);
	put(e + 0x18, SMBIOS_TABLE_ADDR, 4);
	put(e + 0x1c, b->n, 2);
	e[0x1e] = 0x28;                    /* BCD revision */
	e[0x15] = (uint8_t)-sum(e + 0x10, 0x0f);
	e[0x04] = (uint8_t)-sum(e, SMBIOS_EPS_LEN);
}

int smbios_build(const struct smbios_config *c, struct smbios_tables *out,
		 char *err, size_t errlen)
{
	struct sm_buf b = { 0 };
	struct sm_struct st;

	memset(out, 0, sizeof(*out));
	if (!c->nr_cpus || c->nr_cpus > SMBIOS_MAX_CPUS) {
		snprintf(err, errlen, "SMBIOS: %u CPUs (1 to %u)", c->nr_cpus,
			 SMBIOS_MAX_CPUS);
		return -EINVAL;
	}
	bios_info(&b);
	system_info(&b);
	chassis(&b);
	processor(&b, c);
	memory(&b, c);
	system_boot(&b);
	begin(&st, 127, 4, H_END);         /* 7.45 End-of-Table */
	end(&b, &st);
	if (b.failed || b.len > 0xffff ||
	    SMBIOS_TABLE_ADDR + b.len > SMBIOS_END) {
		free(b.b);
		snprintf(err, errlen, "SMBIOS: the tables do not fit");
		return b.failed ? -ENOMEM : -ENOSPC;
	}
	entry_point(out->anchor, &b);
	out->table = b.b;
	out->table_len = b.len;
	out->n_structs = b.n;
	return 0;
}

int smbios_write(struct guest_mem *gm, const struct smbios_tables *t)
{
	if (!gmem_range_ok(gm, SMBIOS_BASE, SMBIOS_END - SMBIOS_BASE))
		return -ERANGE;
	gmem_write(gm, SMBIOS_BASE, t->anchor, SMBIOS_EPS_LEN);
	gmem_write(gm, SMBIOS_TABLE_ADDR, t->table, t->table_len);
	return 0;
}

void smbios_free(struct smbios_tables *t)
{
	free(t->table);
	t->table = NULL;
}
