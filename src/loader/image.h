/* SPDX-License-Identifier: MIT */
/*
 * Loading a boot image of any supported kind, picked by the file's
 * content (docs/boot.md): "HdrS" at 0x202 means a Linux bzImage, a
 * multiboot header in the first 8 KiB multiboot, an ELF64 file with a PVH
 * entry note (Linux's vmlinux) PVH, otherwise an ELF64 image follows
 * vmxbox's own protocol.
 */
#ifndef VMXBOX_LOADER_IMAGE_H
#define VMXBOX_LOADER_IMAGE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/cpu_state.h"
#include "loader/elf_loader.h"
#include "memory/guest_mem.h"

enum image_kind {
	IMAGE_VMXBOX_ELF64,     /* vmxbox boot protocol (boot.h) */
	IMAGE_MULTIBOOT,        /* multiboot v1 (multiboot.h) */
	IMAGE_LINUX,            /* Linux bzImage (linux.h) */
	IMAGE_PVH,              /* PVH ELF kernel, e.g. vmlinux (pvh.h) */
};

#define IMAGE_MAX_MODULES 32

struct image_request {
	const char *path;
	const char *append;          /* command line; NULL = empty */
	const char *initrd;          /* multiboot module 0; NULL = none */
	const char *const *modules;  /* further modules, "PATH [ARGS]" */
	unsigned nr_modules;
	bool vmx;                    /* vmxbox protocol: boot-info flag */
};

/*
 * Load rq->path into gm and fill *s with its entry state.  Returns 0, or a
 * negative errno with a one-line reason in err: -E2BIG when the request
 * does not fit the image's protocol (command line too long, modules for an
 * image that takes none), anything else when the image is bad.
 */
int image_load(struct guest_mem *gm, const struct image_request *rq,
	       struct cpu_state *s, struct elf_image *img,
	       enum image_kind *kind, char *err, size_t errlen);

const char *image_kind_name(enum image_kind kind);

#endif
