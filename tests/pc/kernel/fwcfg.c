// SPDX-License-Identifier: MIT
/*
 * fw_cfg as a guest sees it (QEMU docs/specs/fw_cfg.rst): the port
 * interface (0x510 select, 0x511 data), the file directory, and the DMA
 * interface (0x514).  "fwcfgx" lines differ between machines on purpose
 * (QEMU offers many more files).
 */
#include "kernel.h"

#define FW_SEL 0x510
#define FW_DATA 0x511
#define FW_DMA 0x514

static void fw_select(uint16_t key)
{
	outw(FW_SEL, key);
}

static void fw_read(void *buf, uint32_t n)
{
	uint8_t *b = buf;

	for (uint32_t i = 0; i < n; i++)
		b[i] = inb(FW_DATA);
}

static uint64_t fw_le(uint16_t key, unsigned n)
{
	uint8_t b[8] = { 0 };
	uint64_t v = 0;

	fw_select(key);
	fw_read(b, n);
	for (unsigned i = n; i-- > 0;)
		v = (v << 8) | b[i];
	return v;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint32_t bswap32(uint32_t v)
{
	return __builtin_bswap32(v);
}

struct fw_file {
	uint32_t size;
	uint16_t key;
	char name[56];
};

/* Look a file up in the directory (key 0x19). */
static bool fw_find(const char *name, struct fw_file *out, uint32_t *count)
{
	uint8_t b[64];
	bool found = false;

	fw_select(0x19);
	fw_read(b, 4);
	*count = be32(b);
	for (uint32_t i = 0; i < *count; i++) {
		fw_read(b, 64);
		if (!found && kstreq((const char *)b + 8, name)) {
			out->size = be32(b);
			out->key = (uint16_t)(b[4] << 8 | b[5]);
			kmemeq(out->name, b + 8, 56);
			found = true;
		}
	}
	return found;
}

uint32_t fw_cfg_file(const char *name, void *buf, uint32_t max)
{
	struct fw_file f;
	uint32_t count;

	if (!fw_find(name, &f, &count))
		return 0;
	fw_select(f.key);
	fw_read(buf, f.size < max ? f.size : max);
	return f.size;
}

static void print_scalars(void)
{
	char sig[5] = { 0 };
	uint8_t uuid[16];
	uint32_t zero = 0;

	fw_select(0x0000);
	fw_read(sig, 4);
	kputs("fwcfg sig=\"");
	kputs(sig);
	kputs("\"");
	kkv_hex("id", fw_le(0x01, 4));
	kputc('\n');
	kputs("fwcfg");
	kkv_hex("ram_size", fw_le(0x03, 8));
	kkv_dec("nb_cpus", fw_le(0x05, 2));
	kkv_dec("max_cpus", fw_le(0x0f, 2));
	kkv_dec("nographic", fw_le(0x04, 2));
	kkv_dec("boot_menu", fw_le(0x0e, 2));
	kkv_dec("irq0_override", fw_le(0x8002, 4));
	kputc('\n');
	fw_select(0x02);
	fw_read(uuid, 16);
	for (int i = 0; i < 16; i++)
		zero |= uuid[i];
	kputs("fwcfg");
	kkv_dec("uuid_zero", zero == 0);
	/* Unknown keys, keys past the file slots, and a read past the end
	 * all read 0; the write flag (bit 14) is ignored on select. */
	kkv_hex("unknown_0x1f", fw_le(0x1f, 4));
	kkv_hex("unknown_0x3fff", fw_le(0x3fff, 4));
	kkv_hex("unknown_0x8010", fw_le(0x8010, 4));
	fw_select(0x05);
	fw_read(uuid, 2);
	kkv_hex("past_end", inb(FW_DATA));
	kkv_hex("sig_with_write_flag", fw_le(0x4000, 4));
	kputc('\n');
	/* Byte reads of the selector port read data too; other sizes read 0
	 * and do not move the offset. */
	fw_select(0x0000);
	kputs("fwcfg");
	kkv_hex("inb_510", inb(FW_SEL));
	kkv_hex("inw_511", inw(FW_DATA));
	kkv_hex("inl_510", inl(FW_SEL));
	kkv_hex("next", inb(FW_DATA));
	kputc('\n');
}

static void print_files(void)
{
	struct fw_file f;
	uint32_t count;
	uint8_t e[20];

	if (fw_find("etc/e820", &f, &count)) {
		kputs("fwcfgx file etc/e820");
		kkv_dec("size", f.size);
		kputc('\n');
		fw_select(f.key);
		for (uint32_t i = 0; i + 20 <= f.size; i += 20) {
			uint64_t base = 0, len = 0;

			fw_read(e, 20);
			for (int b = 7; b >= 0; b--) {
				base = (base << 8) | e[b];
				len = (len << 8) | e[8 + b];
			}
			/* QEMU also reserves ranges of its own (AMD's
			 * HyperTransport hole): only RAM is common. */
			kputs(e[16] == 1 ? "fwcfg e820" : "fwcfgx e820");
			kkv_hex("base", base);
			kkv_hex("len", len);
			kkv_dec("type", e[16]);
			kputc('\n');
		}
	}
	if (fw_find("etc/boot-fail-wait", &f, &count)) {
		kputs("fwcfg file etc/boot-fail-wait");
		kkv_dec("size", f.size);
		kkv_hex("value", fw_le(f.key, 4));
		kputc('\n');
	}
	kputs("fwcfgx");
	kkv_dec("files", count);
	kputc('\n');
	if (fw_find("etc/msr_feature_control", &f, &count)) {
		kputs("fwcfgx");
		kkv_hex("msr_feature_control", fw_le(f.key, 8));
		kputc('\n');
	}
}

struct fw_dma {
	uint32_t control, length;
	uint64_t address;
} __attribute__((packed, aligned(16)));

static struct fw_dma dma;
static uint8_t dma_buf[32];

/* One DMA request; returns the control word the device wrote back. */
static uint32_t fw_dma(uint32_t control, void *buf, uint32_t len)
{
	uint64_t a = (uintptr_t)&dma;

	dma.control = bswap32(control);
	dma.length = bswap32(len);
	dma.address = __builtin_bswap64((uintptr_t)buf);
	outl(FW_DMA, bswap32((uint32_t)(a >> 32)));
	outl(FW_DMA + 4, bswap32((uint32_t)a));
	return bswap32(*(volatile uint32_t *)&dma.control);
}

static void print_dma(void)
{
	char sig[9] = { 0 };
	uint32_t ctl;

	for (int i = 0; i < 8; i++)
		sig[i] = (char)inb(FW_DMA + i);
	kputs("fwcfg dma sig=\"");
	kputs(sig);
	kputs("\"");
	for (int i = 0; i < 32; i++)
		dma_buf[i] = 0xaa;
	/* Select the signature and read 6 bytes: 4 of data, 2 zeros. */
	ctl = fw_dma(0x00000000 | 0x08 | 0x02, dma_buf, 6);
	kkv_hex("read_ctl", ctl);
	kkv_hex("read", dma_buf[0] | dma_buf[1] << 8 | dma_buf[2] << 16 |
		(uint32_t)dma_buf[3] << 24);
	kkv_hex("pad", dma_buf[4] | dma_buf[5] << 8);
	kkv_hex("untouched", dma_buf[6]);
	/* Skip 2 bytes of RAM_SIZE, then read 2 with the port. */
	ctl = fw_dma(0x00030000 | 0x08 | 0x04, dma_buf, 2);
	kkv_hex("skip_ctl", ctl);
	{
		unsigned lo = inb(FW_DATA);

		kkv_hex("after_skip", lo | (unsigned)inb(FW_DATA) << 8);
	}
	/* Writes are refused. */
	ctl = fw_dma(0x00050000 | 0x08 | 0x10, dma_buf, 2);
	kkv_hex("write_ctl", ctl);
	kputc('\n');
}

void test_fw_cfg(void)
{
	print_scalars();
	print_files();
	print_dma();
}
