/* SPDX-License-Identifier: MIT */
/*
 * The Linux x86 boot protocol (Documentation/arch/x86/boot.rst), version
 * 2.06 or later, for bzImage kernels: the setup header is copied into a
 * zero page (struct boot_params) with the loader's fields filled in, the
 * protected-mode kernel is loaded at 1 MiB, the initrd high in RAM, and the
 * kernel entered at its 64-bit entry (startup_64, load address + 0x200)
 * when it has one (xloadflags bit 0), else at its 32-bit entry.
 * docs/boot.md, "Linux".
 */
#ifndef VMXBOX_LOADER_LINUX_H
#define VMXBOX_LOADER_LINUX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/cpu_state.h"
#include "loader/elf_loader.h"
#include "memory/guest_mem.h"

/* Offsets in the file / in boot_params (the same for the header). */
#define LX_SETUP_SECTS   0x1f1
#define LX_VID_MODE      0x1fa
#define LX_BOOT_FLAG     0x1fe      /* 0xaa55 */
#define LX_JUMP          0x200
#define LX_HEADER        0x202      /* "HdrS" */
#define LX_VERSION       0x206
#define LX_TYPE_OF_LOADER 0x210
#define LX_LOADFLAGS     0x211
#define LX_CODE32_START  0x214
#define LX_RAMDISK_IMAGE 0x218
#define LX_RAMDISK_SIZE  0x21c
#define LX_HEAP_END_PTR  0x224
#define LX_CMD_LINE_PTR  0x228
#define LX_INITRD_MAX    0x22c
#define LX_KERNEL_ALIGN  0x230
#define LX_RELOCATABLE   0x234
#define LX_XLOADFLAGS    0x236
#define LX_CMDLINE_SIZE  0x238
#define LX_PREF_ADDRESS  0x258
#define LX_INIT_SIZE     0x260
/* boot_params fields outside the header. */
#define BP_EXT_RAMDISK_IMAGE 0x0c0
#define BP_EXT_RAMDISK_SIZE  0x0c4
#define BP_EXT_CMD_LINE_PTR  0x0c8
#define BP_ALT_MEM_K     0x1e0
#define BP_E820_ENTRIES  0x1e8
#define BP_E820_TABLE    0x2d0
#define BP_E820_MAX      128

#define LX_MAGIC         0x53726448u  /* "HdrS" */
#define LX_MIN_VERSION   0x0206
#define LX_LOADED_HIGH   (1u << 0)
#define LX_CAN_USE_HEAP  (1u << 7)
#define LX_XLF_KERNEL_64 (1u << 0)
#define LX_LOADER_UNDEFINED 0xff

/* Guest-physical layout. */
#define LX_GDT           0x7000ull
#define LX_BOOT_PARAMS   0x8000ull    /* the zero page */
#define LX_CMDLINE       0x20000ull
#define LX_CMDLINE_MAX   65535        /* bytes without the NUL */
#define LX_KERNEL_ADDR   0x100000ull
#define LX_STACK_TOP     0x80000ull

/* __BOOT_CS / __BOOT_DS of the protocol. */
#define LX_SEL_CS 0x10
#define LX_SEL_DS 0x18

/* Is this a bzImage (the "HdrS" magic at 0x202)? */
bool linux_detect(const void *buf, size_t len);

/*
 * Load a bzImage, the initrd (NULL: none) and the command line (NULL:
 * empty); fill *s with the entry state.  Returns 0, -ENOEXEC / -ERANGE
 * for a bad or unsupported image, -E2BIG for what does not fit, -errno
 * for the initrd file.
 */
int linux_load(struct guest_mem *gm, const void *buf, size_t len,
	       const char *cmdline, const char *initrd, struct cpu_state *s,
	       struct elf_image *img, char *err, size_t errlen);

#endif
