// SPDX-License-Identifier: MIT
/*
 * The ACPI tables of vmxbox's PC.  Field offsets and values follow the
 * ACPI specification (6.5) section by section; the values are those of
 * QEMU's pc machine where a guest can tell (PM block at 0x600, SCI on
 * IRQ 9, the MADT's interrupt source overrides), so kernels written for
 * QEMU see the same platform.
 */
#include "loader/acpi.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader/acpi_dsdt.h"

#define OEM_ID       "VMXBOX"
#define OEM_TABLE_ID "VMXBOXPC"
#define CREATOR_ID   "VMXB"

#define SDT_HEADER_LEN 36
#define RSDP_LEN 36
#define FACS_LEN 64
#define FADT_LEN 244           /* revision 3 (ACPI 2.0 layout, 64-bit fields) */

/* MADT (5.2.12) interrupt controller structure types. */
enum { MADT_LAPIC = 0, MADT_IOAPIC = 1, MADT_ISO = 2, MADT_LAPIC_NMI = 4 };
/* MPS INTI flags (Table 5.50): polarity bits 1:0, trigger mode bits 3:2. */
#define MPS_ACTIVE_HIGH 0x1
#define MPS_LEVEL       0xc

/* Generic Address Structure (5.2.3.2) address space: system I/O. */
#define GAS_SYSTEM_IO 1

/* FADT flags (Table 5.10). */
#define FADT_WBINVD            (1u << 0)
#define FADT_PROC_C1           (1u << 2)
#define FADT_SLP_BUTTON        (1u << 5)
#define FADT_RTC_S4            (1u << 7)
#define FADT_RESET_REG_SUP     (1u << 10)
#define FADT_USE_PLATFORM_CLOCK (1u << 15)
/* IAPC_BOOT_ARCH (Table 5.11): bit 0 legacy devices (no 8042: bit 1 clear). */
#define IAPC_LEGACY_DEVICES    0x1
#define RTC_CENTURY_REG        0x32

struct tbuf {
	uint8_t b[ACPI_TABLES_END - ACPI_TABLES_BASE];
	size_t len;
};

static void put(struct tbuf *t, size_t at, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		t->b[at + i] = (uint8_t)(v >> (8 * i));
}

static void put_str(struct tbuf *t, size_t at, const char *s, size_t n)
{
	memcpy(t->b + at, s, n);
}

static size_t align(struct tbuf *t, size_t a)
{
	t->len = (t->len + a - 1) & ~(a - 1);
	return t->len;
}

uint8_t acpi_sum(const uint8_t *p, size_t len)
{
	uint8_t s = 0;

	while (len--)
		s = (uint8_t)(s + *p++);
	return s;
}

/* A table's 36-byte header (5.2.6); the checksum is set by end_sdt(). */
static size_t begin_sdt(struct tbuf *t, const char *sig, uint8_t rev)
{
	size_t at = align(t, 16);

	put_str(t, at, sig, 4);
	put(t, at + 8, rev, 1);
	put_str(t, at + 10, OEM_ID, 6);
	put_str(t, at + 16, OEM_TABLE_ID, 8);
	put(t, at + 24, 1, 4);                  /* OEM revision */
	put_str(t, at + 28, CREATOR_ID, 4);
	put(t, at + 32, 1, 4);                  /* creator revision */
	t->len = at + SDT_HEADER_LEN;
	return at;
}

static void end_sdt(struct tbuf *t, size_t at)
{
	put(t, at + 4, t->len - at, 4);
	t->b[at + 9] = 0;
	t->b[at + 9] = (uint8_t)-acpi_sum(t->b + at, t->len - at);
}

static void append(struct tbuf *t, const void *p, size_t n)
{
	memcpy(t->b + t->len, p, n);
	t->len += n;
}

/* --- DSDT (5.2.11.1): AML from loader/acpi_dsdt.c ------------------------ */

static size_t build_dsdt(struct tbuf *t, const struct acpi_config *c)
{
	size_t at = begin_sdt(t, "DSDT", 2);
	struct aml *a = calloc(1, sizeof(*a));

	if (!a)
		return SIZE_MAX;
	acpi_dsdt_aml(a, c);
	if (!a->overflow && t->len + a->len <= sizeof(t->b))
		append(t, a->b, a->len);
	else
		at = SIZE_MAX;
	free(a);
	if (at != SIZE_MAX)
		end_sdt(t, at);
	return at;
}

/* --- FACS (5.2.10), FADT (5.2.9), MADT (5.2.12) ---------------------------- */

static size_t build_facs(struct tbuf *t)
{
	size_t at = align(t, 64);               /* 64-byte aligned */

	put_str(t, at, "FACS", 4);
	put(t, at + 4, FACS_LEN, 4);
	put(t, at + 32, 1, 1);                  /* version */
	t->len = at + FACS_LEN;
	return at;
}

static void put_gas(struct tbuf *t, size_t at, unsigned bits, uint64_t port)
{
	put(t, at, GAS_SYSTEM_IO, 1);
	put(t, at + 1, bits, 1);
	put(t, at + 4, port, 8);
}

static size_t build_fadt(struct tbuf *t, const struct acpi_config *c,
			 uint64_t facs, uint64_t dsdt)
{
	size_t at = begin_sdt(t, "FACP", 3);
	uint32_t pm1_evt = c->pm_base, pm1_cnt = c->pm_base + 4u,
		 pm_tmr = c->pm_base + 8u;

	t->len = at + FADT_LEN;
	/* FIRMWARE_CTRL only: X_FIRMWARE_CTRL must be 0 when it is set
	 * (Table 5.9), as QEMU leaves it for a FACS below 4 GiB. */
	put(t, at + 36, facs, 4);               /* FIRMWARE_CTRL */
	put(t, at + 40, dsdt, 4);               /* DSDT */
	put(t, at + 44, 1, 1);                  /* (INT_MODEL) multiple APIC */
	put(t, at + 46, c->sci_irq, 2);         /* SCI_INT */
	/* SMI_CMD 0: no SMM, the hardware is always in ACPI mode (SCI_EN
	 * reads 1), so ACPI_ENABLE/ACPI_DISABLE are 0 too. */
	put(t, at + 56, pm1_evt, 4);            /* PM1a_EVT_BLK */
	put(t, at + 64, pm1_cnt, 4);            /* PM1a_CNT_BLK */
	put(t, at + 76, pm_tmr, 4);             /* PM_TMR_BLK */
	put(t, at + 88, 4, 1);                  /* PM1_EVT_LEN */
	put(t, at + 89, 2, 1);                  /* PM1_CNT_LEN */
	put(t, at + 91, 4, 1);                  /* PM_TMR_LEN */
	put(t, at + 96, 0xfff, 2);              /* P_LVL2_LAT: no C2 */
	put(t, at + 98, 0xfff, 2);              /* P_LVL3_LAT: no C3 */
	put(t, at + 108, RTC_CENTURY_REG, 1);   /* CENTURY */
	put(t, at + 109, IAPC_LEGACY_DEVICES, 2);
	/* TMR_VAL_EXT clear: software may rely on 24 timer bits only. */
	put(t, at + 112, FADT_WBINVD | FADT_PROC_C1 | FADT_SLP_BUTTON |
	    FADT_RTC_S4 | FADT_RESET_REG_SUP | FADT_USE_PLATFORM_CLOCK, 4);
	put_gas(t, at + 116, 8, c->reset_port); /* RESET_REG */
	put(t, at + 128, c->reset_value, 1);    /* RESET_VALUE */
	put(t, at + 140, dsdt, 8);              /* X_DSDT */
	put_gas(t, at + 148, 32, pm1_evt);      /* X_PM1a_EVT_BLK */
	put_gas(t, at + 172, 16, pm1_cnt);      /* X_PM1a_CNT_BLK */
	put_gas(t, at + 208, 32, pm_tmr);       /* X_PM_TMR_BLK */
	end_sdt(t, at);
	return at;
}

static void madt_iso(struct tbuf *t, uint8_t irq, uint32_t gsi, uint16_t flags)
{
	size_t at = t->len;

	put(t, at, MADT_ISO, 1);
	put(t, at + 1, 10, 1);
	put(t, at + 2, 0, 1);                   /* bus: ISA */
	put(t, at + 3, irq, 1);
	put(t, at + 4, gsi, 4);
	put(t, at + 8, flags, 2);
	t->len += 10;
}

static size_t build_madt(struct tbuf *t, const struct acpi_config *c)
{
	/* The PCI interrupt lines QEMU's pc machine makes level-triggered,
	 * active high (its MADT overrides these ISA IRQs the same way). */
	static const uint8_t pci_irqs[] = { 5, 9, 10, 11 };
	size_t at = begin_sdt(t, "APIC", 1);

	put(t, at + 36, c->lapic_addr, 4);
	put(t, at + 40, 1, 4);                  /* PCAT_COMPAT: 8259s present */
	t->len = at + 44;
	for (unsigned i = 0; i < c->nr_cpus; i++, t->len += 8) {
		put(t, t->len, MADT_LAPIC, 1);
		put(t, t->len + 1, 8, 1);
		put(t, t->len + 2, i, 1);       /* ACPI processor UID */
		put(t, t->len + 3, i, 1);       /* APIC ID */
		put(t, t->len + 4, 1, 4);       /* enabled */
	}
	put(t, t->len, MADT_IOAPIC, 1);
	put(t, t->len + 1, 12, 1);
	put(t, t->len + 2, c->ioapic_id, 1);
	put(t, t->len + 4, c->ioapic_addr, 4);
	put(t, t->len + 8, 0, 4);               /* GSI base */
	t->len += 12;
	madt_iso(t, 0, 2, 0);                   /* the PIT's IRQ 0 on pin 2 */
	for (unsigned i = 0; i < sizeof(pci_irqs); i++)
		madt_iso(t, pci_irqs[i], pci_irqs[i], MPS_ACTIVE_HIGH | MPS_LEVEL);
	put(t, t->len, MADT_LAPIC_NMI, 1);      /* NMI on LINT1 of every CPU */
	put(t, t->len + 1, 6, 1);
	put(t, t->len + 2, 0xff, 1);
	put(t, t->len + 3, 0, 2);
	put(t, t->len + 5, 1, 1);
	t->len += 6;
	end_sdt(t, at);
	return at;
}

/* RSDT (32-bit entries) or XSDT (64-bit). */
static size_t build_sdt_list(struct tbuf *t, const char *sig, unsigned width,
			     const uint64_t *tables, unsigned n)
{
	size_t at = begin_sdt(t, sig, 1);

	for (unsigned i = 0; i < n; i++, t->len += width)
		put(t, t->len, tables[i], width);
	end_sdt(t, at);
	return at;
}

/* RSDP (5.2.5.3), revision 2: checksum over the first 20 bytes,
 * extended checksum over all 36. */
static void build_rsdp(struct tbuf *t, uint64_t rsdt, uint64_t xsdt)
{
	put_str(t, 0, "RSD PTR ", 8);
	put_str(t, 9, OEM_ID, 6);
	put(t, 15, 2, 1);
	put(t, 16, rsdt, 4);
	put(t, 20, RSDP_LEN, 4);
	put(t, 24, xsdt, 8);
	t->b[8] = (uint8_t)-acpi_sum(t->b, 20);
	t->b[32] = (uint8_t)-acpi_sum(t->b, RSDP_LEN);
}

void acpi_config_pc(struct acpi_config *c, unsigned nr_cpus, uint64_t ram)
{
	uint64_t high = GMEM_HIGH_BASE + ram - gmem_low_size(ram);

	*c = (struct acpi_config){
		.nr_cpus = nr_cpus,
		.lapic_addr = 0xfee00000u,
		.ioapic_addr = 0xfec00000u,
		.ioapic_id = 0,
		.pm_base = 0x600,
		.sci_irq = 9,
		.reset_port = 0xcf9,
		.reset_value = 0x06,
		.pci_hole_start = (uint32_t)gmem_low_size(ram),
		/* QEMU's i440FX: a 2 GiB 64-bit window from the first
		 * 1 GiB boundary above RAM. */
		.pci_hole64_start = (high + (1ull << 30) - 1) & ~((1ull << 30) - 1),
		.pci_hole64_size = 1ull << 31,
		.com_ports = 1,            /* COM1 */
	};
}

int acpi_build(struct guest_mem *gm, const struct acpi_config *c,
	       struct acpi_layout *out, char *err, size_t errlen)
{
	struct tbuf *t;
	uint64_t base = ACPI_TABLES_BASE, list[2];
	size_t dsdt;

	if (!c->nr_cpus || c->nr_cpus > ACPI_MAX_CPUS) {
		snprintf(err, errlen, "ACPI: %u CPUs (1 to %u)", c->nr_cpus,
			 ACPI_MAX_CPUS);
		return -EINVAL;
	}
	if (!gmem_range_ok(gm, base, ACPI_TABLES_END - base)) {
		snprintf(err, errlen, "ACPI: guest RAM ends below 1 MiB");
		return -ERANGE;
	}
	t = calloc(1, sizeof(*t));
	if (!t) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	memset(out, 0, sizeof(*out));
	t->len = RSDP_LEN;
	out->rsdp = base;
	out->facs = base + build_facs(t);
	dsdt = build_dsdt(t, c);
	if (dsdt == SIZE_MAX) {
		free(t);
		snprintf(err, errlen, "ACPI: the DSDT does not fit");
		return -ENOSPC;
	}
	out->dsdt = base + dsdt;
	out->fadt = base + build_fadt(t, c, out->facs, out->dsdt);
	out->madt = base + build_madt(t, c);
	list[0] = out->fadt;
	list[1] = out->madt;
	out->rsdt = base + build_sdt_list(t, "RSDT", 4, list, 2);
	out->xsdt = base + build_sdt_list(t, "XSDT", 8, list, 2);
	build_rsdp(t, out->rsdt, out->xsdt);
	out->end = base + t->len;
	gmem_write(gm, base, t->b, t->len);
	free(t);
	return 0;
}
