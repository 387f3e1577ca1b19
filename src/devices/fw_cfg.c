// SPDX-License-Identifier: MIT
#include "devices/fw_cfg.h"

#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

void fw_cfg_destroy(struct fw_cfg *f)
{
	for (unsigned i = 0; i < f->nr_items; i++)
		free(f->items[i].data);
	f->nr_items = 0;
}

static struct fw_cfg_item *find_item(struct fw_cfg *f, uint16_t key)
{
	for (unsigned i = 0; i < f->nr_items; i++)
		if (f->items[i].key == key)
			return &f->items[i];
	return NULL;
}

const struct fw_cfg_item *fw_cfg_find(const struct fw_cfg *f, uint16_t key)
{
	return find_item((struct fw_cfg *)f, key);
}

static int set_item(struct fw_cfg *f, uint16_t key, const char *name,
		    const void *data, uint32_t len)
{
	struct fw_cfg_item *it = find_item(f, key);
	uint8_t *copy = malloc(len ? len : 1);

	if (!copy)
		return -ENOMEM;
	if (!it) {
		if (f->nr_items == FW_CFG_MAX_ITEMS) {
			free(copy);
			return -ENOSPC;
		}
		it = &f->items[f->nr_items++];
		it->key = key;
	}
	if (len)
		memcpy(copy, data, len);
	free(it->data);
	it->data = copy;
	it->len = len;
	snprintf(it->name, sizeof(it->name), "%s", name ? name : "");
	return 0;
}

int fw_cfg_add_bytes(struct fw_cfg *f, uint16_t key, const void *data,
		     uint32_t len)
{
	if ((key & FW_CFG_ENTRY_MASK) >= FW_CFG_FILE_FIRST || (key & FW_CFG_WRITE_FLAG))
		return -EINVAL;
	return set_item(f, key, NULL, data, len);
}

int fw_cfg_add_i16(struct fw_cfg *f, uint16_t key, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)v, (uint8_t)(v >> 8) };

	return fw_cfg_add_bytes(f, key, b, sizeof(b));
}

int fw_cfg_add_i32(struct fw_cfg *f, uint16_t key, uint32_t v)
{
	uint8_t b[4];

	for (int i = 0; i < 4; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	return fw_cfg_add_bytes(f, key, b, sizeof(b));
}

int fw_cfg_add_i64(struct fw_cfg *f, uint16_t key, uint64_t v)
{
	uint8_t b[8];

	for (int i = 0; i < 8; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	return fw_cfg_add_bytes(f, key, b, sizeof(b));
}

static void put_be(uint8_t *p, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
}

static int by_name(const void *a, const void *b)
{
	const struct fw_cfg_item *x = *(const struct fw_cfg_item *const *)a;
	const struct fw_cfg_item *y = *(const struct fw_cfg_item *const *)b;

	return strcmp(x->name, y->name);
}

/*
 * Files are numbered from FW_CFG_FILE_FIRST in name order and listed in
 * FW_CFG_FILE_DIR: a big-endian count, then per file a big-endian
 * 32-bit size, 16-bit key, 16 reserved bits and a 56-byte name.
 */
static int rebuild_dir(struct fw_cfg *f)
{
	struct fw_cfg_item *files[FW_CFG_FILE_SLOTS];
	uint8_t dir[4 + FW_CFG_FILE_SLOTS * 64];
	unsigned n = 0;

	for (unsigned i = 0; i < f->nr_items; i++)
		if (f->items[i].name[0])
			files[n++] = &f->items[i];
	qsort(files, n, sizeof(files[0]), by_name);
	memset(dir, 0, sizeof(dir));
	put_be(dir, n, 4);
	for (unsigned i = 0; i < n; i++) {
		uint8_t *e = dir + 4 + 64 * i;

		files[i]->key = (uint16_t)(FW_CFG_FILE_FIRST + i);
		put_be(e, files[i]->len, 4);
		put_be(e + 4, files[i]->key, 2);
		memcpy(e + 8, files[i]->name, strlen(files[i]->name));
	}
	f->nr_files = n;
	return set_item(f, FW_CFG_FILE_DIR, NULL, dir, 4 + 64 * n);
}

void fw_cfg_init(struct fw_cfg *f, struct guest_mem *mem)
{
	memset(f, 0, sizeof(*f));
	f->mem = mem;
	f->cur_key = FW_CFG_SIGNATURE;     /* QEMU's reset selects it */
	fw_cfg_add_bytes(f, FW_CFG_SIGNATURE, "QEMU", 4);
	fw_cfg_add_i32(f, FW_CFG_ID, FW_CFG_VERSION | FW_CFG_VERSION_DMA);
	rebuild_dir(f);                    /* an empty directory */
}

int fw_cfg_add_file(struct fw_cfg *f, const char *name, const void *data,
		    uint32_t len)
{
	uint16_t key = 0xffff;   /* placeholder until rebuild_dir() numbers it */
	int ret;

	if (!name || !name[0] || strlen(name) >= FW_CFG_NAME_LEN)
		return -EINVAL;
	for (unsigned i = 0; i < f->nr_items; i++)
		if (!strcmp(f->items[i].name, name))
			key = f->items[i].key;
	if (key == 0xffff && f->nr_files == FW_CFG_FILE_SLOTS)
		return -ENOSPC;
	ret = set_item(f, key, name, data, len);
	return ret ? ret : rebuild_dir(f);
}

void fw_cfg_select(struct fw_cfg *f, uint16_t key)
{
	f->cur_key = key & ~FW_CFG_WRITE_FLAG;
	f->cur_offset = 0;
}

/* The selected item, or NULL (nothing there: reads give 0). */
static struct fw_cfg_item *cur_item(struct fw_cfg *f)
{
	if ((f->cur_key & FW_CFG_ENTRY_MASK) >= FW_CFG_MAX_ENTRY)
		return NULL;
	return find_item(f, f->cur_key);
}

uint8_t fw_cfg_read_byte(struct fw_cfg *f)
{
	struct fw_cfg_item *it = cur_item(f);

	if (!it || f->cur_offset >= it->len)
		return 0;
	return it->data[f->cur_offset++];
}

/* 0x510-0x511: 8-bit reads return data, 16-bit writes select. */
static uint64_t sel_read(void *opaque, uint64_t off, unsigned size)
{
	return size == 1 ? fw_cfg_read_byte(opaque) : 0;
}

static void sel_write(void *opaque, uint64_t off, unsigned size, uint64_t v)
{
	if (size == 2)
		fw_cfg_select(opaque, (uint16_t)v);
}

static uint64_t get_be(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++)
		v = (v << 8) | p[i];
	return v;
}

/* Move len bytes of the selected item (or zeros past its end) to guest
 * memory, or skip them.  False on a guest address outside RAM. */
static bool dma_chunk(struct fw_cfg *f, uint64_t addr, uint32_t len, bool read)
{
	struct fw_cfg_item *it = cur_item(f);
	uint32_t avail = it && f->cur_offset < it->len ? it->len - f->cur_offset : 0;
	uint32_t n = len < avail ? len : avail;

	if (read && n && !gmem_write(f->mem, addr, it->data + f->cur_offset, n))
		return false;
	if (read && len > n && !gmem_fill(f->mem, addr + n, 0, len - n))
		return false;
	f->cur_offset += n;
	return true;
}

/*
 * One FWCfgDmaAccess {be32 control; be32 length; be64 address}: select
 * (control bits 31:16 = key), then read or skip length bytes; writes are
 * refused (items are read-only).  The control word is written back: 0 on
 * success, FW_CFG_DMA_CTL_ERROR on failure.
 */
static void dma_transfer(struct fw_cfg *f, uint64_t desc)
{
	uint8_t d[16];
	uint32_t control, length, status = 0;
	uint64_t addr;
	uint8_t out[4];

	if (!gmem_read(f->mem, desc, d, sizeof(d)))
		return;       /* no descriptor: nowhere to report the error */
	control = (uint32_t)get_be(d, 4);
	length = (uint32_t)get_be(d + 4, 4);
	addr = get_be(d + 8, 8);
	if (control & FW_CFG_DMA_CTL_SELECT)
		fw_cfg_select(f, (uint16_t)(control >> 16));
	if (control & FW_CFG_DMA_CTL_READ) {
		if (!dma_chunk(f, addr, length, true))
			status = FW_CFG_DMA_CTL_ERROR;
	} else if (control & FW_CFG_DMA_CTL_WRITE) {
		if (length)
			status = FW_CFG_DMA_CTL_ERROR;
	} else if (control & FW_CFG_DMA_CTL_SKIP) {
		dma_chunk(f, addr, length, false);
	}
	put_be(out, status, 4);
	gmem_write(f->mem, desc, out, sizeof(out));
}

static uint64_t dma_read(void *opaque, uint64_t off, unsigned size)
{
	uint64_t v = 0;

	/* The signature's bytes in address order, little-endian. */
	for (unsigned i = 0; i < size && off + i < FW_CFG_DMA_LEN; i++)
		v |= ((FW_CFG_DMA_SIGNATURE >> (8 * (7 - off - i))) & 0xff) << (8 * i);
	return v;
}

static uint32_t bswap32(uint32_t v)
{
	return __builtin_bswap32(v);
}

/* The address is big-endian: the guest writes cpu_to_be32(high) at +0,
 * then cpu_to_be32(low) at +4, which starts the transfer. */
static void dma_write(void *opaque, uint64_t off, unsigned size, uint64_t v)
{
	struct fw_cfg *f = opaque;

	if (size != 4)
		return;
	if (off == 0) {
		f->dma_addr = (uint64_t)bswap32((uint32_t)v) << 32;
	} else if (off == 4) {
		uint64_t desc = f->dma_addr | bswap32((uint32_t)v);

		f->dma_addr = 0;
		dma_transfer(f, desc);
	}
}

int fw_cfg_attach(struct fw_cfg *f, struct io_bus *pio)
{
	struct io_handler sel = { "fw_cfg", sel_read, sel_write, f };
	struct io_handler dma = { "fw_cfg-dma", dma_read, dma_write, f };
	int ret = io_bus_register(pio, FW_CFG_PORT_SEL, FW_CFG_SEL_LEN, &sel);

	return ret ? ret : io_bus_register(pio, FW_CFG_PORT_DMA, FW_CFG_DMA_LEN, &dma);
}
