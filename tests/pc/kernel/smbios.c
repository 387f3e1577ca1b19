// SPDX-License-Identifier: MIT
/*
 * SMBIOS as an OS without EFI finds it (DMTF DSP0134 5.2.1): the "_SM_"
 * entry point on a 16-byte boundary in 0xF0000-0xFFFFF with its
 * "_DMI_" intermediate anchor, both checksums, then a walk of the
 * structure table (formatted area, strings, double NUL) to the end of
 * table.  "smbios" lines are the same on QEMU (its BIOS builds the
 * tables from QEMU's fw_cfg files); "smbiosx" lines name vmxbox's
 * strings and structure list, and compare the F segment with fw_cfg's
 * etc/smbios files.
 */
#include "kernel.h"
#include "smbios_walk.h"

struct walk {
	unsigned structs, cpus, types_seen;
	uint64_t mem_mib, mapped_kib;
	bool ended, strings_ok;
	size_t len, max;
	const uint8_t *bios, *system;
};

static const uint8_t *find_anchor(void)
{
	for (uintptr_t a = 0xf0000; a < 0x100000; a += 16)
		if (kmemeq((const void *)a, "_SM_", 4))
			return (const uint8_t *)a;
	return NULL;
}

static void account(struct walk *w, const uint8_t *s)
{
	uint32_t size;

	switch (s[0]) {
	case 0:
		w->bios = s;
		break;
	case 1:
		w->system = s;
		break;
	case 4:
		if (s[0x18] & 0x40)                 /* socket populated */
			w->cpus += s[0x23];         /* its cores */
		break;
	case 17:
		size = smbios_le(s + 0x0c, 2);
		if (size == 0x7fff)
			size = smbios_le(s + 0x1c, 4);
		else if (size & 0x8000)             /* KiB granularity */
			size = (size & 0x7fff) >> 10;
		w->mem_mib += size == 0xffff ? 0 : size;
		break;
	case 19:
		w->mapped_kib += smbios_le(s + 8, 4) - smbios_le(s + 4, 4) + 1;
		break;
	}
}

static void walk_table(const uint8_t *t, size_t len, struct walk *w,
		       bool print_types)
{
	size_t at = 0;

	w->strings_ok = true;
	if (print_types)
		kputs("smbiosx types=");
	while (at + 4 <= len && !w->ended) {
		const uint8_t *s = t + at;
		size_t sz = smbios_struct_size(s, len - at,
						&w->strings_ok);

		if (print_types) {
			kput_dec(s[0]);
			kputc(s[0] == 127 ? '\n' : ',');
		}
		w->structs++;
		if (sz > w->max)
			w->max = sz;
		account(w, s);
		w->ended = s[0] == 127;
		at += sz;
	}
	if (print_types && !w->ended)
		kputc('\n');
	w->len = at;
}

/* The F segment's copy against fw_cfg's files (vmxbox writes both). */
static void compare_fw_cfg(const uint8_t *eps, const uint8_t *table, size_t len)
{
	static uint8_t buf[8192];
	uint32_t n;

	kputs("smbiosx fwcfg");
	n = fw_cfg_file("etc/smbios/smbios-anchor", buf, sizeof(buf));
	kkv_dec("anchor_same", n == eps[5] && kmemeq(buf, eps, n));
	n = fw_cfg_file("etc/smbios/smbios-tables", buf, sizeof(buf));
	kkv_dec("tables_same", n == len && kmemeq(buf, table, n));
	kputc('\n');
}

void test_smbios(void)
{
	const uint8_t *e = find_anchor(), *t;
	struct walk w = { 0 };
	size_t len;
	unsigned n;

	kputs("smbios eps");
	kkv_dec("found", e != NULL);
	if (!e) {
		kputc('\n');
		return;
	}
	kputs(" version=");
	kput_dec(e[6]);
	kputc('.');
	kput_dec(e[7]);
	kkv_hex("len", e[5]);
	kkv_dec("sum_ok", smbios_sum8(e, e[5]) == 0);
	kkv_dec("dmi_anchor", kmemeq(e + 0x10, "_DMI_", 5));
	kkv_dec("dmi_sum_ok", smbios_sum8(e + 0x10, 15) == 0);
	kkv_hex("bcd", e[0x1e]);
	kputc('\n');
	t = (const uint8_t *)(uintptr_t)smbios_le(e + 0x18, 4);
	len = smbios_le(e + 0x16, 2);
	n = smbios_le(e + 0x1c, 2);
	walk_table(t, len, &w, false);
	kputs("smbios table");
	kkv_dec("count_ok", w.structs == n);
	kkv_dec("len_ok", w.len == len);
	kkv_dec("max_ok", w.max == smbios_le(e + 8, 2));
	kkv_dec("strings_ok", w.strings_ok);
	kkv_dec("ends_with_127", w.ended);
	kputc('\n');
	kputs("smbios hw");
	kkv_dec("cpus", w.cpus);
	kkv_dec("mem_mib", w.mem_mib);
	kkv_dec("mapped_kib", w.mapped_kib);
	kputc('\n');
	w = (struct walk){ 0 };
	walk_table(t, len, &w, true);
	if (w.bios) {
		kputs("smbiosx bios vendor=");
		kputs(smbios_string(w.bios, w.bios[4]));
		kputs(" version=");
		kputs(smbios_string(w.bios, w.bios[5]));
		kputs(" date=");
		kputs(smbios_string(w.bios, w.bios[8]));
		kputc('\n');
	}
	if (w.system) {
		kputs("smbiosx system vendor=");
		kputs(smbios_string(w.system, w.system[4]));
		kputs(" product=");
		kputs(smbios_string(w.system, w.system[5]));
		kputc('\n');
	}
	compare_fw_cfg(e, t, len);
}
