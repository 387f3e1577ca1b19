// SPDX-License-Identifier: MIT
/*
 * The ACPI tables as an OS finds them (ACPI 6.5, 5.2): the RSDP by its
 * signature on a 16-byte boundary in 0xE0000-0xFFFFF, every table's
 * checksum, the FADT's PM and reset blocks, the FACS and DSDT it points
 * to, and every MADT entry.  "acpix" lines are machine-specific (table
 * lists and revisions differ between QEMU and vmxbox).
 */
#include "kernel.h"

static uint8_t sum(const void *p, uint32_t n)
{
	const uint8_t *b = p;
	uint8_t s = 0;

	while (n--)
		s = (uint8_t)(s + *b++);
	return s;
}

static uint32_t rd32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p)
{
	return rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static void put_sig(const char *tag, const uint8_t *p)
{
	kputs(tag);
	for (int i = 0; i < 4; i++)
		kputc((char)p[i]);
}

static const uint8_t *find_rsdp(void)
{
	for (uintptr_t a = 0xe0000; a < 0x100000; a += 16)
		if (kmemeq((const void *)a, "RSD PTR ", 8) &&
		    sum((const void *)a, 20) == 0)
			return (const uint8_t *)a;
	return 0;
}

static void print_fadt(const uint8_t *f)
{
	uint32_t len = rd32(f + 4);
	const uint8_t *facs = (const uint8_t *)(uintptr_t)rd32(f + 36);
	const uint8_t *dsdt = (const uint8_t *)(uintptr_t)rd32(f + 40);

	kputs("acpi fadt");
	kkv_dec("sci_int", rd16(f + 46));
	kkv_hex("pm1a_evt", rd32(f + 56));
	kkv_hex("pm1a_cnt", rd32(f + 64));
	kkv_hex("pm_tmr", rd32(f + 76));
	kkv_dec("pm1_evt_len", f[88]);
	kkv_dec("pm1_cnt_len", f[89]);
	kkv_dec("pm_tmr_len", f[91]);
	kkv_hex("century", f[108]);
	kputc('\n');
	kputs("acpix fadt");
	kkv_dec("rev", f[8]);
	kkv_dec("len", len);
	kkv_hex("flags", rd32(f + 112));
	kkv_hex("smi_cmd", rd32(f + 48));
	kkv_hex("boot_arch", rd16(f + 109));
	if (len >= 129) {
		kkv_dec("reset_space", f[116]);
		kkv_hex("reset_port", rd64(f + 120));
		kkv_hex("reset_value", f[128]);
	}
	if (len >= 148)
		kkv_dec("x_dsdt_same", rd64(f + 140) == (uintptr_t)dsdt);
	kputc('\n');
	kputs("acpi facs");
	kkv_dec("sig_ok", kmemeq(facs, "FACS", 4));
	kkv_dec("len", rd32(facs + 4));
	kkv_dec("aligned64", ((uintptr_t)facs & 63) == 0);
	kputc('\n');
	kputs("acpi dsdt");
	kkv_dec("sig_ok", kmemeq(dsdt, "DSDT", 4));
	kkv_dec("checksum_ok", sum(dsdt, rd32(dsdt + 4)) == 0);
	kputc('\n');
}

static void print_madt(const uint8_t *m)
{
	uint32_t len = rd32(m + 4);

	kputs("acpi madt");
	kkv_hex("lapic_addr", rd32(m + 36));
	kkv_hex("flags", rd32(m + 40));
	kputc('\n');
	for (uint32_t at = 44; at + 2 <= len && m[at + 1] >= 2; at += m[at + 1]) {
		const uint8_t *e = m + at;

		switch (e[0]) {
		case 0:
			kputs("acpi madt lapic");
			kkv_dec("uid", e[2]);
			kkv_dec("apic_id", e[3]);
			kkv_hex("flags", rd32(e + 4));
			break;
		case 1:
			kputs("acpi madt ioapic");
			kkv_dec("id", e[2]);
			kkv_hex("addr", rd32(e + 4));
			kkv_dec("gsi_base", rd32(e + 8));
			break;
		case 2:
			kputs("acpi madt iso");
			kkv_dec("bus", e[2]);
			kkv_dec("irq", e[3]);
			kkv_dec("gsi", rd32(e + 4));
			kkv_hex("flags", rd16(e + 8));
			break;
		case 4:
			kputs("acpi madt lapic_nmi");
			kkv_hex("uid", e[2]);
			kkv_hex("flags", rd16(e + 3));
			kkv_dec("lint", e[5]);
			break;
		default:
			kputs("acpix madt entry");
			kkv_dec("type", e[0]);
			kkv_dec("len", e[1]);
			break;
		}
		kputc('\n');
	}
}

/* The first table with signature sig the RSDT lists; 0 if none. */
const uint8_t *acpi_find_table(const char *sig)
{
	const uint8_t *rsdp = find_rsdp(), *rsdt;

	if (!rsdp)
		return 0;
	rsdt = (const uint8_t *)(uintptr_t)rd32(rsdp + 16);
	for (uint32_t i = 0; i < (rd32(rsdt + 4) - 36) / 4; i++) {
		const uint8_t *t = (const uint8_t *)(uintptr_t)rd32(rsdt + 36 + 4 * i);

		if (kmemeq(t, sig, 4) && sum(t, rd32(t + 4)) == 0)
			return t;
	}
	return 0;
}

static void visit(const uint8_t *t)
{
	uint32_t len = rd32(t + 4);

	put_sig("acpix table ", t);
	kkv_dec("checksum_ok", sum(t, len) == 0);
	kputc('\n');
	if (sum(t, len) != 0)
		put_sig("acpi bad checksum ", t), kputc('\n');
	if (kmemeq(t, "FACP", 4))
		print_fadt(t);
	else if (kmemeq(t, "APIC", 4))
		print_madt(t);
}

void test_acpi(void)
{
	const uint8_t *rsdp = find_rsdp(), *rsdt;
	uint32_t n;

	kputs("acpi");
	kkv_dec("rsdp_found", rsdp != 0);
	kputc('\n');
	if (!rsdp)
		return;
	rsdt = (const uint8_t *)(uintptr_t)rd32(rsdp + 16);
	kputs("acpix rsdp");
	kkv_dec("revision", rsdp[15]);
	if (rsdp[15] >= 2) {
		kkv_dec("len", rd32(rsdp + 20));
		kkv_dec("ext_checksum_ok", sum(rsdp, rd32(rsdp + 20)) == 0);
		kkv_dec("xsdt_found", kmemeq((const void *)(uintptr_t)rd64(rsdp + 24), "XSDT", 4));
	}
	kputc('\n');
	kputs("acpi rsdt");
	kkv_dec("sig_ok", kmemeq(rsdt, "RSDT", 4));
	kkv_dec("checksum_ok", sum(rsdt, rd32(rsdt + 4)) == 0);
	kputc('\n');
	n = (rd32(rsdt + 4) - 36) / 4;
	for (uint32_t i = 0; i < n; i++)
		visit((const uint8_t *)(uintptr_t)rd32(rsdt + 36 + 4 * i));
	if (rsdp[15] >= 2) {
		const uint8_t *x = (const uint8_t *)(uintptr_t)rd64(rsdp + 24);
		uint32_t same = 1;

		n = (rd32(x + 4) - 36) / 8;
		for (uint32_t i = 0; i < n; i++)
			same &= rd64(x + 36 + 8 * i) == rd32(rsdt + 36 + 4 * i);
		kputs("acpix xsdt");
		kkv_dec("checksum_ok", sum(x, rd32(x + 4)) == 0);
		kkv_dec("entries", n);
		kkv_dec("same_as_rsdt", same);
		kputc('\n');
	}
}
