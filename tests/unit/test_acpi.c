// SPDX-License-Identifier: MIT
/* The ACPI tables (loader/acpi.c) parsed back from guest RAM as an OS
 * would (ACPI 6.5, 5.2): RSDP search, checksums, FADT, FACS, DSDT, MADT. */
#include <check.h>
#include <errno.h>
#include <string.h>

#include "loader/acpi.h"
#include "memory/guest_mem.h"

static struct guest_mem mem;
static struct acpi_layout lay;

static void setup(void)
{
	ck_assert_int_eq(gmem_init(&mem, 4 << 20), 0);
}

static void teardown(void)
{
	gmem_destroy(&mem);
}

static const uint8_t *at(uint64_t gpa)
{
	const uint8_t *p = gmem_ptr(&mem, gpa, 1);

	ck_assert_ptr_nonnull(p);
	return p;
}

static uint32_t r32(uint64_t gpa)
{
	uint32_t v;

	ck_assert(gmem_read_u32(&mem, gpa, &v));
	return v;
}

static uint64_t r64(uint64_t gpa)
{
	uint64_t v;

	ck_assert(gmem_read_u64(&mem, gpa, &v));
	return v;
}

static void build(unsigned cpus)
{
	struct acpi_config c;
	char err[128];

	acpi_config_pc(&c, cpus, 512ull << 20);
	ck_assert_int_eq(acpi_build(&mem, &c, &lay, err, sizeof(err)), 0);
}

/* The OS's search (5.2.5.1): 16-byte boundaries of 0xE0000-0xFFFFF. */
static uint64_t find_rsdp(void)
{
	for (uint64_t a = 0xe0000; a < 0x100000; a += 16)
		if (!memcmp(at(a), "RSD PTR ", 8) && acpi_sum(at(a), 20) == 0)
			return a;
	return 0;
}

/* A table with its signature and a correct checksum over its length. */
static void check_table(uint64_t gpa, const char *sig)
{
	uint32_t len = r32(gpa + 4);

	ck_assert_msg(!memcmp(at(gpa), sig, 4), "%s at %#lx", sig, (long)gpa);
	ck_assert_uint_ge(len, 36);
	ck_assert_uint_eq(acpi_sum(at(gpa), len), 0);
}

START_TEST(rsdp_rsdt_xsdt)
{
	uint64_t rsdp, rsdt, xsdt;

	build(1);
	rsdp = find_rsdp();
	ck_assert_uint_eq(rsdp, lay.rsdp);
	ck_assert_uint_eq(at(rsdp)[15], 2);                 /* revision */
	ck_assert_uint_eq(r32(rsdp + 20), 36);
	ck_assert_uint_eq(acpi_sum(at(rsdp), 36), 0);       /* extended */
	rsdt = r32(rsdp + 16);
	xsdt = r64(rsdp + 24);
	check_table(rsdt, "RSDT");
	check_table(xsdt, "XSDT");
	ck_assert_uint_eq(r32(rsdt + 4), 36 + 2 * 4);
	ck_assert_uint_eq(r32(xsdt + 4), 36 + 2 * 8);
	for (int i = 0; i < 2; i++)
		ck_assert_uint_eq(r64(xsdt + 36 + 8 * i), r32(rsdt + 36 + 4 * i));
	check_table(r32(rsdt + 36), "FACP");
	check_table(r32(rsdt + 40), "APIC");
	/* Everything stays in the reserved BIOS segment. */
	ck_assert_uint_ge(lay.rsdp, 0xf0000);
	ck_assert_uint_le(lay.end, 0x100000);
}
END_TEST

START_TEST(fadt_facs_dsdt)
{
	static const uint8_t s5[] = { 0x08, '_', 'S', '5', '_', 0x12 };
	static const uint8_t pnp0a03[] = { '_', 'H', 'I', 'D', 0x0c, 0x41, 0xd0, 0x0a, 0x03 };
	uint64_t f, facs, dsdt;
	const uint8_t *d;
	uint32_t dlen;

	build(1);
	f = lay.fadt;
	check_table(f, "FACP");
	ck_assert_uint_eq(r32(f + 4), 244);
	ck_assert_uint_eq(at(f)[8], 3);
	facs = r32(f + 36);
	dsdt = r32(f + 40);
	ck_assert_uint_eq(r64(f + 132), 0);    /* X_FIRMWARE_CTRL: not with FIRMWARE_CTRL */
	ck_assert_uint_eq(r64(f + 140), dsdt);              /* X_DSDT */
	ck_assert_uint_eq(at(f)[46], 9);                    /* SCI_INT */
	ck_assert_uint_eq(r32(f + 48), 0);                  /* SMI_CMD: no SMM */
	ck_assert_uint_eq(r32(f + 56), 0x600);
	ck_assert_uint_eq(r32(f + 64), 0x604);
	ck_assert_uint_eq(r32(f + 76), 0x608);
	ck_assert_uint_eq(at(f)[88], 4);
	ck_assert_uint_eq(at(f)[89], 2);
	ck_assert_uint_eq(at(f)[91], 4);
	ck_assert_uint_eq(r32(f + 112) & (1u << 10), 1u << 10);  /* RESET_REG_SUP */
	ck_assert_uint_eq(r32(f + 112) & (1u << 8), 0);     /* 24-bit PM timer */
	ck_assert_uint_eq(at(f)[116], 1);                   /* system I/O */
	ck_assert_uint_eq(at(f)[117], 8);
	ck_assert_uint_eq(r64(f + 120), 0xcf9);
	ck_assert_uint_eq(at(f)[128], 0x06);
	ck_assert_uint_eq(r64(f + 148 + 4), 0x600);         /* X_PM1a_EVT_BLK */
	ck_assert_uint_eq(r64(f + 172 + 4), 0x604);         /* X_PM1a_CNT_BLK */
	ck_assert_uint_eq(r64(f + 208 + 4), 0x608);         /* X_PM_TMR_BLK */
	ck_assert_uint_eq(at(f + 208)[1], 32);
	ck_assert(!memcmp(at(facs), "FACS", 4));
	ck_assert_uint_eq(r32(facs + 4), 64);
	ck_assert_uint_eq(facs & 63, 0);
	check_table(dsdt, "DSDT");
	d = at(dsdt);
	dlen = r32(dsdt + 4);
	ck_assert_ptr_nonnull(memmem(d + 36, dlen - 36, s5, sizeof(s5)));
	ck_assert_ptr_nonnull(memmem(d + 36, dlen - 36, pnp0a03, sizeof(pnp0a03)));
}
END_TEST

/* One local APIC per CPU, the IOAPIC, QEMU's overrides, LINT1 NMI. */
START_TEST(madt_entries)
{
	static const uint8_t iso_irqs[] = { 0, 5, 9, 10, 11 };
	uint64_t m, e;
	unsigned lapics = 0, isos = 0, ioapics = 0, nmis = 0;

	build(3);
	m = lay.madt;
	check_table(m, "APIC");
	ck_assert_uint_eq(r32(m + 36), 0xfee00000);
	ck_assert_uint_eq(r32(m + 40), 1);
	for (e = m + 44; e < m + r32(m + 4); e += at(e)[1]) {
		const uint8_t *p = at(e);

		ck_assert_uint_ge(p[1], 2);
		switch (p[0]) {
		case 0:
			ck_assert_uint_eq(p[1], 8);
			ck_assert_uint_eq(p[2], lapics);
			ck_assert_uint_eq(p[3], lapics);
			ck_assert_uint_eq(r32(e + 4), 1);
			lapics++;
			break;
		case 1:
			ck_assert_uint_eq(p[1], 12);
			ck_assert_uint_eq(p[2], 0);
			ck_assert_uint_eq(r32(e + 4), 0xfec00000);
			ck_assert_uint_eq(r32(e + 8), 0);
			ioapics++;
			break;
		case 2:
			ck_assert_uint_eq(p[1], 10);
			ck_assert_uint_lt(isos, sizeof(iso_irqs));
			ck_assert_uint_eq(p[3], iso_irqs[isos]);
			ck_assert_uint_eq(r32(e + 4), p[3] ? p[3] : 2);
			ck_assert_uint_eq(p[8] | p[9] << 8, p[3] ? 0xd : 0);
			isos++;
			break;
		case 4:
			ck_assert_uint_eq(p[1], 6);
			ck_assert_uint_eq(p[2], 0xff);
			ck_assert_uint_eq(p[5], 1);
			nmis++;
			break;
		default:
			ck_abort_msg("MADT entry type %u", p[0]);
		}
	}
	ck_assert_uint_eq(e, m + r32(m + 4));
	ck_assert_uint_eq(lapics, 3);
	ck_assert_uint_eq(ioapics, 1);
	ck_assert_uint_eq(isos, sizeof(iso_irqs));
	ck_assert_uint_eq(nmis, 1);
}
END_TEST

START_TEST(bad_cpu_counts)
{
	struct acpi_config c;
	char err[128];

	acpi_config_pc(&c, 0, 512ull << 20);
	ck_assert_int_eq(acpi_build(&mem, &c, &lay, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "ACPI: 0 CPUs (1 to 255)");
	acpi_config_pc(&c, 255, 512ull << 20);
	ck_assert_int_eq(acpi_build(&mem, &c, &lay, err, sizeof(err)), 0);
	check_table(lay.madt, "APIC");
	ck_assert_uint_le(lay.end, 0x100000);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("acpi");
	TCase *tc = tcase_create("acpi");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, rsdp_rsdt_xsdt);
	tcase_add_test(tc, fadt_facs_dsdt);
	tcase_add_test(tc, madt_entries);
	tcase_add_test(tc, bad_cpu_counts);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
