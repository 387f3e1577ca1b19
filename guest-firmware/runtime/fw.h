/* SPDX-License-Identifier: MIT */
/* Everything a firmware image needs from the runtime. */
#ifndef FW_H
#define FW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "desc.h"
#include "paging.h"
#include "printf.h"
#include "string.h"
#include "test.h"
#include "trap.h"
#include "x86.h"

#define DEBUG_EXIT_PORT 0xf4
#define BOOT_INFO_MAGIC 0x31544f4f42584d56ULL	/* "VMXBOOT1" */
#define BOOT_FLAG_VMX	(1ULL << 0)
/* Set by bench/peers' floppy boot sector only: on Bochs the way out is its
 * shutdown port, which vmxbox also has (docs/platform.md). */
#define BOOT_FLAG_SHUTDOWN_PORT	(1ULL << 1)
#define SHUTDOWN_PORT	0x8900

/* docs/boot.md */
struct vmxbox_boot_info {
	uint64_t magic;
	uint64_t mem_size;
	uint64_t image_start;
	uint64_t image_end;
	uint64_t flags;
	char cmdline[256];
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* A copy of the boot info (the original page may be reused). */
extern struct vmxbox_boot_info boot_info;

/* Each image defines main(); its return value becomes the exit status. */
int main(void);
void fw_exit(int status) __attribute__((noreturn));

#endif
