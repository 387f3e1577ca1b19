// SPDX-License-Identifier: MIT
#include "memory/guarded.h"

#include <errno.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

static size_t round_pages(size_t len)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);

	return (len + pg - 1) & ~(pg - 1);
}

/* PROT_NONE reservation of guard + len + guard; returns the middle. */
static uint8_t *reserve(size_t len)
{
	size_t total = len + 2 * (size_t)GUARD_BYTES;
	uint8_t *p;

	if (!len || total < len) {
		errno = EINVAL;
		return NULL;
	}
	p = mmap(NULL, total, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	return p == MAP_FAILED ? NULL : p + GUARD_BYTES;
}

void *guarded_alloc(size_t len)
{
	uint8_t *p;

	len = round_pages(len);
	p = reserve(len);
	if (p && mprotect(p, len, PROT_READ | PROT_WRITE)) {
		int e = errno;

		guarded_free(p, len);
		errno = e;
		return NULL;
	}
	return p;
}

void guarded_free(void *p, size_t len)
{
	if (p)
		munmap((uint8_t *)p - GUARD_BYTES,
		       round_pages(len) + 2 * (size_t)GUARD_BYTES);
}

void *guarded_map_file(int fd, size_t len, int extra_flags)
{
	uint8_t *p = reserve(round_pages(len));
	void *m;

	if (!p)
		return NULL;
	m = mmap(p, len, PROT_READ, MAP_PRIVATE | MAP_FIXED | extra_flags, fd, 0);
	if (m == MAP_FAILED) {
		int e = errno;

		guarded_free(p, len);
		errno = e;
		return NULL;
	}
	return p;
}
