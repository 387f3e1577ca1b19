/* SPDX-License-Identifier: MIT */
/* The boot information block handed to firmware in RDI (docs/boot.md). */
#ifndef VMXBOX_LOADER_BOOT_INFO_H
#define VMXBOX_LOADER_BOOT_INFO_H

#include <stdint.h>

#define VMXBOX_BOOT_MAGIC 0x31544f4f42584d56ull   /* "VMXBOOT1" */
#define VMXBOX_BOOT_FLAG_VMX (1ull << 0)
#define VMXBOX_CMDLINE_MAX 256

struct vmxbox_boot_info {
	uint64_t magic;
	uint64_t mem_size;
	uint64_t image_start;
	uint64_t image_end;
	uint64_t flags;
	char cmdline[VMXBOX_CMDLINE_MAX];
};

#endif
