/* SPDX-License-Identifier: MIT */
/*
 * An initrd (or any boot module) loaded page-aligned as high as it fits
 * below top and above the kernel's end: where the Linux and PVH boot
 * protocols expect it, and out of the kernel's way.
 */
#ifndef VMXBOX_LOADER_INITRD_H
#define VMXBOX_LOADER_INITRD_H

#include <stddef.h>
#include <stdint.h>

#include "memory/guest_mem.h"

/* Copies the file at path to the highest page-aligned address at which
 * it ends at or below top and starts at or above floor; *at and *len
 * say where.  Returns 0, or -errno with the reason in err. */
int loader_load_initrd(struct guest_mem *gm, const char *path, uint64_t floor,
		       uint64_t top, uint64_t *at, uint64_t *len, char *err,
		       size_t errlen);

#endif
