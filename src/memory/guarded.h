/* SPDX-License-Identifier: MIT */
/*
 * Guarded mappings for buffers whose contents or indexes come from outside
 * (guest RAM, the serial ring, client requests, snapshot files): the
 * mapping sits between two PROT_NONE regions of GUARD_BYTES each, so a
 * host access just past either end faults at once instead of reading or
 * corrupting a neighbour.  Always on: reserved address space costs nothing.
 */
#ifndef VMXBOX_MEMORY_GUARDED_H
#define VMXBOX_MEMORY_GUARDED_H

#include <stddef.h>

#define GUARD_BYTES (2u << 20)

/* len bytes of zeroed read-write memory (len rounded up to host pages,
 * the guard after starts there), or NULL with errno set. */
void *guarded_alloc(size_t len);
void guarded_free(void *p, size_t len);
/* Map len bytes of fd read-only from offset 0, between guards. */
void *guarded_map_file(int fd, size_t len, int extra_flags);

#endif
