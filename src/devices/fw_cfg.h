/* SPDX-License-Identifier: MIT */
/*
 * QEMU's firmware configuration device (fw_cfg) on its x86 I/O ports, as
 * docs/platform.md describes it (QEMU's docs/specs/fw_cfg.rst is the
 * interface this follows):
 *   0x510 (16-bit write)  select an item; the read offset goes back to 0
 *   0x511 (8-bit read)    the next byte of the selected item; 0 past its
 *                         end and for items that do not exist
 *   0x514..0x51b          the DMA interface: a big-endian 64-bit guest-
 *                         physical address of a FWCfgDmaAccess written as
 *                         two 32-bit halves (high at 0x514, low at 0x518:
 *                         the second write starts the transfer); reads
 *                         return the signature "QEMU CFG"
 * 8-bit reads of 0x510 read data as well, and 16-bit writes to 0x511
 * select, as in QEMU (one two-port region).  Other access sizes on
 * 0x510/0x511 are invalid: reads return 0, writes do nothing.
 * Items are read-only (QEMU removed guest writes in v2.4).
 */
#ifndef VMXBOX_DEVICES_FW_CFG_H
#define VMXBOX_DEVICES_FW_CFG_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/io_bus.h"
#include "memory/guest_mem.h"

#define FW_CFG_PORT_SEL   0x510
#define FW_CFG_PORT_DMA   0x514
#define FW_CFG_SEL_LEN    2
#define FW_CFG_DMA_LEN    8

/* Item keys (QEMU include/standard-headers/linux/qemu_fw_cfg.h). */
enum fw_cfg_key {
	FW_CFG_SIGNATURE = 0x00,
	FW_CFG_ID = 0x01,
	FW_CFG_UUID = 0x02,
	FW_CFG_RAM_SIZE = 0x03,
	FW_CFG_NOGRAPHIC = 0x04,
	FW_CFG_NB_CPUS = 0x05,
	FW_CFG_NUMA = 0x0d,
	FW_CFG_BOOT_MENU = 0x0e,
	FW_CFG_MAX_CPUS = 0x0f,
	FW_CFG_FILE_DIR = 0x19,
	FW_CFG_FILE_FIRST = 0x20,
	FW_CFG_IRQ0_OVERRIDE = 0x8002,
};

#define FW_CFG_ARCH_LOCAL 0x8000     /* architecture-specific keys */
#define FW_CFG_WRITE_FLAG 0x4000     /* ignored: items are read-only */
#define FW_CFG_ENTRY_MASK 0x3fff
#define FW_CFG_FILE_SLOTS 32
#define FW_CFG_MAX_ENTRY (FW_CFG_FILE_FIRST + FW_CFG_FILE_SLOTS)
#define FW_CFG_MAX_ITEMS 64
#define FW_CFG_NAME_LEN 56           /* file names, including the NUL */

/* FW_CFG_ID feature bits. */
#define FW_CFG_VERSION      0x01     /* the traditional I/O interface */
#define FW_CFG_VERSION_DMA  0x02     /* the DMA interface */

/* FWCfgDmaAccess.control bits. */
#define FW_CFG_DMA_CTL_ERROR  0x01
#define FW_CFG_DMA_CTL_READ   0x02
#define FW_CFG_DMA_CTL_SKIP   0x04
#define FW_CFG_DMA_CTL_SELECT 0x08
#define FW_CFG_DMA_CTL_WRITE  0x10

/* "QEMU CFG" as a big-endian 64-bit value. */
#define FW_CFG_DMA_SIGNATURE 0x51454d5520434647ull

struct fw_cfg_item {
	uint16_t key;
	uint32_t len;
	uint8_t *data;                   /* owned */
	char name[FW_CFG_NAME_LEN];      /* files only, else "" */
};

struct fw_cfg {
	struct guest_mem *mem;           /* DMA target */
	struct fw_cfg_item items[FW_CFG_MAX_ITEMS];
	unsigned nr_items;
	unsigned nr_files;
	/* Guest-visible state (snapshots). */
	uint16_t cur_key;
	uint32_t cur_offset;
	uint64_t dma_addr;               /* high half latched at 0x514 */
};

void fw_cfg_init(struct fw_cfg *f, struct guest_mem *mem);
void fw_cfg_destroy(struct fw_cfg *f);
/* Claims 0x510-0x511 and 0x514-0x51b on the port bus. */
int fw_cfg_attach(struct fw_cfg *f, struct io_bus *pio);

/* Add (or replace) an item; the data is copied.  0 or -errno. */
int fw_cfg_add_bytes(struct fw_cfg *f, uint16_t key, const void *data,
		     uint32_t len);
int fw_cfg_add_i16(struct fw_cfg *f, uint16_t key, uint16_t v);  /* LE */
int fw_cfg_add_i32(struct fw_cfg *f, uint16_t key, uint32_t v);
int fw_cfg_add_i64(struct fw_cfg *f, uint16_t key, uint64_t v);
/* A named file: files get keys from FW_CFG_FILE_FIRST in name order and
 * appear in the FW_CFG_FILE_DIR item (QEMU's sorted directory). */
int fw_cfg_add_file(struct fw_cfg *f, const char *name, const void *data,
		    uint32_t len);
const struct fw_cfg_item *fw_cfg_find(const struct fw_cfg *f, uint16_t key);

/* The guest's view, also for tests. */
void fw_cfg_select(struct fw_cfg *f, uint16_t key);
uint8_t fw_cfg_read_byte(struct fw_cfg *f);

#endif
