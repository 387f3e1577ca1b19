// SPDX-License-Identifier: MIT
/* What the Linux boot protocol handed over (boot.rst): boot_params. */
#include "kernel.h"

extern uint32_t boot_sels;

#define BP(off, type) (*(const type *)(uintptr_t)(bp + (off)))

void test_linux(uint32_t entry_bits, uint32_t bp)
{
	const char *cmd = (const char *)(uintptr_t)BP(0x228, uint32_t);
	uint32_t rd = BP(0x218, uint32_t), rd_size = BP(0x21c, uint32_t);
	uint8_t n = BP(0x1e8, uint8_t);

	kputs("lx");
	kkv_dec("entry", entry_bits);
	kkv_hex("boot_cs", boot_sels & 0xffff);
	kkv_hex("boot_ds", boot_sels >> 16);
	kkv_dec("bp_in_page0", bp < 0x1000);
	kkv_hex("version", BP(0x206, uint16_t));
	kkv_hex("type_of_loader", BP(0x210, uint8_t));
	kkv_hex("loadflags", BP(0x211, uint8_t));
	kkv_hex("heap_end_ptr", BP(0x224, uint16_t));
	kkv_hex("vid_mode", BP(0x1fa, uint16_t));
	kputc('\n');
	kputs("lx cmdline");
	kkv_dec("len", kstrlen(cmd));
	kkv_hex("fnv", fnv1a(cmd, kstrlen(cmd)));
	kputc('\n');
	kputs("lx initrd");
	kkv_dec("size", rd_size);
	kkv_hex("fnv", fnv1a((const void *)(uintptr_t)rd, rd_size));
	kkv_dec("page_aligned", (rd & 0xfff) == 0);
	kkv_dec("above_init_size", rd >= 0x100000 + BP(0x260, uint32_t));
	kputc('\n');
	kputs("lx");
	kkv_dec("e820_entries", n);
	kkv_dec("alt_mem_k", BP(0x1e0, uint32_t));
	kputc('\n');
	for (uint8_t i = 0; i < n; i++) {
		uint32_t e = bp + 0x2d0 + i * 20u;

		kputs("lx e820");
		kkv_hex("base", *(const uint64_t *)(uintptr_t)e);
		kkv_hex("len", *(const uint64_t *)(uintptr_t)(e + 8));
		kkv_dec("type", *(const uint32_t *)(uintptr_t)(e + 16));
		kputc('\n');
	}
}
