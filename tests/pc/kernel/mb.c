// SPDX-License-Identifier: MIT
/* What the multiboot loader handed over (multiboot spec 3.2, 3.3). */
#include "kernel.h"

struct mb_info {
	uint32_t flags, mem_lower, mem_upper, boot_device, cmdline;
	uint32_t mods_count, mods_addr, syms[4], mmap_length, mmap_addr;
} __attribute__((packed));

struct mb_mod {
	uint32_t start, end, string, reserved;
};

struct mb_mmap {
	uint32_t size;
	uint64_t base, len;
	uint32_t type;
} __attribute__((packed));

static void print_cmdline(const char *c)
{
	size_t n = kstrlen(c);

	kputs("mb cmdline");
	kkv_dec("len", n);
	kkv_hex("fnv", fnv1a(c, n));
	/* The first and last words show how it was assembled. */
	kputs(" head=\"");
	for (size_t i = 0; i < n && i < 48 && c[i] != ' '; i++)
		kputc(c[i]);
	kputs("\" tail=\"");
	for (size_t i = n > 24 ? n - 24 : 0; i < n; i++)
		kputc(c[i]);
	kputs("\"\n");
}

static void print_mods(const struct mb_info *mi)
{
	const struct mb_mod *m = (const struct mb_mod *)(uintptr_t)mi->mods_addr;

	kputs("mb");
	kkv_dec("mods", mi->mods_count);
	kputc('\n');
	for (uint32_t i = 0; i < mi->mods_count; i++) {
		const char *s = (const char *)(uintptr_t)m[i].string;

		kputs("mb mod");
		kput_dec(i);
		kkv_dec("size", m[i].end - m[i].start);
		kkv_hex("fnv", fnv1a((const void *)(uintptr_t)m[i].start,
				     m[i].end - m[i].start));
		kkv_dec("page_aligned", (m[i].start & 0xfff) == 0);
		kkv_dec("above_kernel", m[i].start >= 0x100000);
		kputs(" string=\"");
		kputs(s);
		kputs("\"\n");
	}
}

/* The map differs between firmwares above 1 MiB (SeaBIOS reserves the top
 * of RAM for its tables): "mbx" lines are machine-specific. */
static void print_mmap(const struct mb_info *mi)
{
	uint32_t at = mi->mmap_addr, end = mi->mmap_addr + mi->mmap_length;
	uint64_t ram = 0;

	while (at < end) {
		const struct mb_mmap *e = (const struct mb_mmap *)(uintptr_t)at;

		kputs(e->base < 0x100000 ? "mb mmap" : "mbx mmap");
		kkv_hex("base", e->base);
		kkv_hex("len", e->len);
		kkv_dec("type", e->type);
		kputc('\n');
		if (e->type == 1)
			ram += e->len;
		at += e->size + 4;
	}
	kputs("mbx");
	kkv_dec("ram_kib", ram >> 10);
	kputc('\n');
	test_high_ram(mi);
}

void test_multiboot(uint32_t magic, uint32_t info)
{
	const struct mb_info *mi = (const struct mb_info *)(uintptr_t)info;

	kputs("mb");
	kkv_hex("magic", magic);
	kputc('\n');
	if (magic != 0x2badb002)
		return;
	kputs("mb");
	kkv_dec("info_in_page0", info < 0x1000);
	kkv_dec("info_below_640k", info < 0xa0000);
	kkv_dec("has_mem", mi->flags & 1);
	kkv_dec("has_cmdline", (mi->flags >> 2) & 1);
	kkv_dec("has_mods", (mi->flags >> 3) & 1);
	kkv_dec("has_mmap", (mi->flags >> 6) & 1);
	kkv_dec("mem_lower", mi->mem_lower);
	kputc('\n');
	kputs("mbx");
	kkv_dec("mem_upper", mi->mem_upper);
	kputc('\n');
	if (mi->flags & 4)
		print_cmdline((const char *)(uintptr_t)mi->cmdline);
	if (mi->flags & 8)
		print_mods(mi);
	if (mi->flags & 64)
		print_mmap(mi);
}

/* RAM relocated above the PC hole: the map's entry at 4 GiB is memory the
 * kernel can use, and the hole below it is not RAM. */
void test_high_ram(const struct mb_info *mi)
{
	uint32_t at = mi->mmap_addr, end = mi->mmap_addr + mi->mmap_length;
	volatile uint64_t *hi = (volatile uint64_t *)0x100001000ull;
	volatile uint32_t *hole = (volatile uint32_t *)0xd0000000ull;
	bool high = false;

	for (; at < end; at += ((const struct mb_mmap *)(uintptr_t)at)->size + 4) {
		const struct mb_mmap *e = (const struct mb_mmap *)(uintptr_t)at;

		high |= e->type == 1 && e->base == 0x100000000ull;
	}
	if (!high)
		return;
	hi[0] = 0x1122334455667788ull;
	hi[1] = ~hi[0];
	kputs("himem");
	kkv_hex("at_4g", hi[0]);
	kkv_dec("ok", hi[1] == ~0x1122334455667788ull);
	/* The local APIC answers in the hole, not RAM. */
	kkv_hex("lapic_version", *(volatile uint32_t *)0xfee00030ull);
	kputc('\n');
	*hole = 0x12345678;
	kputs("himemx");     /* all ones: a master abort (QEMU reads 0) */
	kkv_hex("hole", *hole);
	kputc('\n');
}
