/* SPDX-License-Identifier: MIT */
/*
 * Read-only mapping of an image file (kernel, module, initrd) with the
 * checks every loader wants: a regular, non-empty file of at most
 * FILE_MAP_MAX bytes.
 */
#ifndef VMXBOX_LOADER_FILE_MAP_H
#define VMXBOX_LOADER_FILE_MAP_H

#include <stddef.h>

#define FILE_MAP_MAX (1ull << 30)

struct file_map {
	const unsigned char *data;
	size_t len;
};

/* Returns 0, or a negative errno with "PATH: reason" in err.  An empty file
 * is accepted only when allow_empty is set (then data is NULL). */
int file_map_open(struct file_map *f, const char *path, int allow_empty,
		  char *err, size_t errlen);
void file_map_close(struct file_map *f);

#endif
