// SPDX-License-Identifier: MIT
/*
 * Guest memory, sparse: only non-zero 4 KiB pages are stored, adjacent
 * ones merged into runs [gpa, bytes].  Zero pages are what a fresh guest
 * RAM mapping holds, so they need no bytes in the file.
 */
#include "snapshot/snap_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23   /* Linux 5.14 */
#endif

static bool page_is_zero(const uint8_t *p)
{
	uint64_t acc = 0;

	for (size_t i = 0; i < GUEST_PAGE_SIZE; i += 64) {
		uint64_t w[8];

		memcpy(w, p + i, sizeof(w));
		acc |= w[0] | w[1] | w[2] | w[3] | w[4] | w[5] | w[6] | w[7];
		if (acc)
			return false;
	}
	return true;
}

static int add_run(struct snap_memory *m, uint64_t gpa, uint64_t len,
		   const uint8_t *data)
{
	if (m->n_runs == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 64;
		struct snap_mem_run *r = realloc(m->runs, cap * sizeof(*r));

		if (!r)
			return -ENOMEM;
		m->runs = r;
		m->cap = cap;
	}
	m->runs[m->n_runs++] = (struct snap_mem_run){ gpa, len, data };
	return 0;
}

/*
 * Which pages of the RAM mapping were ever touched.  Reading a page that
 * was never touched costs a page fault (tens of microseconds on the
 * virtualized hosts we run on: 18 s for 1 GiB), so capture and restore ask
 * /proc/self/pagemap (bit 63 present, bit 62 swapped, Linux
 * Documentation/admin-guide/mm/pagemap.rst) and skip pages that are
 * neither: they are zero.  Without pagemap every page counts as touched.
 */
#define PM_PRESENT (1ull << 63)
#define PM_SWAPPED (1ull << 62)
#define PM_CHUNK 65536u           /* pages per pagemap read (512 KiB) */

struct touched {
	int fd;
	uint64_t first, n;        /* pfn range held in e[] */
	uint64_t e[PM_CHUNK];
};

static struct touched *touched_open(void)
{
	struct touched *t = malloc(sizeof(*t));

	if (!t)
		return NULL;
	t->fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	t->first = t->n = 0;
	return t;
}

static void touched_close(struct touched *t)
{
	if (t && t->fd >= 0)
		close(t->fd);
	free(t);
}

static bool page_touched(struct touched *t, const uint8_t *host)
{
	uint64_t vpn = (uintptr_t)host / GUEST_PAGE_SIZE;

	if (!t || t->fd < 0)
		return true;
	if (vpn < t->first || vpn >= t->first + t->n) {
		ssize_t got = pread(t->fd, t->e, sizeof(t->e), (off_t)(vpn * 8));

		if (got < 8) {
			close(t->fd);
			t->fd = -1;
			return true;
		}
		t->first = vpn;
		t->n = (uint64_t)got / 8;
	}
	return (t->e[vpn - t->first] & (PM_PRESENT | PM_SWAPPED)) != 0;
}

int snap_mem_capture(struct snap_memory *m, const struct guest_mem *gm)
{
	struct touched *t = touched_open();
	uint64_t start = 0, len = 0;
	int rc = 0;

	m->n_runs = 0;
	/* Over the whole mapping; the PC hole's pages are PROT_NONE and
	 * never read (without pagemap every page counts as touched). */
	for (uint64_t gpa = 0; gpa < gm->span && !rc; gpa += GUEST_PAGE_SIZE) {
		const uint8_t *p = gm->host + gpa;

		if (gmem_range_ok(gm, gpa, GUEST_PAGE_SIZE) &&
		    page_touched(t, p) && !page_is_zero(p)) {
			if (!len)
				start = gpa;
			len += GUEST_PAGE_SIZE;
			continue;
		}
		if (len)
			rc = add_run(m, start, len, gm->host + start);
		len = 0;
	}
	if (len && !rc)
		rc = add_run(m, start, len, gm->host + start);
	touched_close(t);
	return rc;
}

uint64_t snap_mem_stored_bytes(const struct snap_memory *m)
{
	uint64_t n = 0;

	for (size_t i = 0; i < m->n_runs; i++)
		n += m->runs[i].len;
	return n;
}

/* Zero the non-zero pages of [gpa, gpa+len), leaving untouched pages of
 * the mapping untouched. */
static void zero_range(struct touched *t, struct guest_mem *gm, uint64_t gpa,
		       uint64_t len)
{
	for (uint64_t a = gpa; a < gpa + len; a += GUEST_PAGE_SIZE)
		if (gmem_range_ok(gm, a, GUEST_PAGE_SIZE) &&
		    page_touched(t, gm->host + a) && !page_is_zero(gm->host + a))
			memset(gm->host + a, 0, GUEST_PAGE_SIZE);
}

int snap_mem_restore(const struct snap_memory *m, struct guest_mem *gm,
		     char *err, size_t errlen)
{
	struct touched *t = touched_open();
	uint64_t next = 0;

	for (size_t i = 0; i < m->n_runs; i++) {
		const struct snap_mem_run *r = &m->runs[i];

		if (!gmem_range_ok(gm, r->gpa, r->len) || r->gpa < next) {
			snprintf(err, errlen, "memory run %zu [%#llx+%#llx) does not fit guest RAM",
				 i, (unsigned long long)r->gpa,
				 (unsigned long long)r->len);
			touched_close(t);
			return -EINVAL;
		}
		zero_range(t, gm, next, r->gpa - next);
		/* One call populates the run; faulting page by page costs
		 * 20 times more on virtualized hosts.  Only a hint. */
		madvise(gm->host + r->gpa, r->len, MADV_POPULATE_WRITE);
		memcpy(gm->host + r->gpa, r->data, r->len);
		next = r->gpa + r->len;
	}
	zero_range(t, gm, next, gm->span - next);
	touched_close(t);
	/* Everything may have changed under cached decodes. */
	gmem_note_write_slow(gm, 0, gm->span);
	return 0;
}

bool snap_mem_read(const struct snapshot_machine *s, uint64_t gpa, void *buf,
		   uint64_t len)
{
	uint64_t ram = s->config.ram_size;
	uint8_t *out = buf;

	if (!gmem_ram_has(ram, gpa, len))
		return false;
	memset(buf, 0, len);
	for (size_t i = 0; i < s->mem.n_runs; i++) {
		const struct snap_mem_run *r = &s->mem.runs[i];
		uint64_t lo = r->gpa > gpa ? r->gpa : gpa;
		uint64_t hi_r = r->gpa + r->len, hi_q = gpa + len;
		uint64_t hi = hi_r < hi_q ? hi_r : hi_q;

		if (lo < hi)
			memcpy(out + (lo - gpa), r->data + (lo - r->gpa), hi - lo);
	}
	return true;
}

void snap_mem_encode(struct cout *o, const struct snap_memory *m)
{
	cout_map(o, 2);
	cout_text(o, "runs");
	cout_array(o, m->n_runs);
	for (size_t i = 0; i < m->n_runs; i++) {
		cout_array(o, 2);
		cout_uint(o, m->runs[i].gpa);
		cout_bytes(o, m->runs[i].data, m->runs[i].len);
	}
	cout_text(o, "page_size");
	cout_uint(o, GUEST_PAGE_SIZE);
}

static bool dec_run(struct cin *in, struct snap_mem_run *r,
		    const struct snap_mem_run *prev)
{
	uint64_t n;
	size_t len;

	if (!cin_array(in, 2, &n))
		return false;
	if (n != 2)
		return cin_fail(in, "expected [gpa, bytes]");
	if (!cin_uint(in, &r->gpa) || !cin_bytes(in, &r->data, &len))
		return false;
	r->len = len;
	if (r->gpa & (GUEST_PAGE_SIZE - 1))
		return cin_fail(in, "run address %#llx not page aligned",
				(unsigned long long)r->gpa);
	if (!len || (len & (GUEST_PAGE_SIZE - 1)))
		return cin_fail(in, "run length %zu not a non-zero multiple of 4096",
				len);
	if (r->gpa > UINT64_MAX - r->len)
		return cin_fail(in, "run wraps around the address space");
	if (prev && r->gpa < prev->gpa)
		return cin_fail(in, "runs not sorted by address (%#llx after %#llx)",
				(unsigned long long)r->gpa,
				(unsigned long long)prev->gpa);
	if (prev && r->gpa < prev->gpa + prev->len)
		return cin_fail(in, "run at %#llx overlaps the run at %#llx",
				(unsigned long long)r->gpa,
				(unsigned long long)prev->gpa);
	return true;
}

static bool dec_runs(struct cin *in, void *ctx)
{
	struct snap_memory *m = ctx;
	/* Every run holds at least one page of bytes, which bounds the array
	 * we allocate by the input size. */
	uint64_t n;

	if (!cin_array(in, GUEST_MEM_MAX / GUEST_PAGE_SIZE, &n))
		return false;
	if (n > cin_remaining(in) / GUEST_PAGE_SIZE)
		return cin_fail(in, "truncated: %llu runs cannot fit in the %zu bytes left",
				(unsigned long long)n, cin_remaining(in));
	if (n) {
		m->runs = calloc(n, sizeof(*m->runs));
		if (!m->runs)
			return cin_fail(in, "out of memory for %llu runs",
					(unsigned long long)n);
		m->cap = n;
	}
	for (uint64_t i = 0; i < n; i++) {
		size_t old = cin_push(in, "[%llu]", (unsigned long long)i);

		if (!dec_run(in, &m->runs[i], i ? &m->runs[i - 1] : NULL))
			return false;
		cin_pop(in, old);
		m->n_runs = i + 1;
	}
	return true;
}

static bool dec_page_size(struct cin *in, void *ctx)
{
	uint64_t v;

	if (!cin_uint(in, &v))
		return false;
	if (v != GUEST_PAGE_SIZE)
		return cin_fail(in, "unsupported page size %llu",
				(unsigned long long)v);
	return true;
}

static const struct cin_key mem_keys[] = {
	{ "runs", true, dec_runs },
	{ "page_size", true, dec_page_size },
};

bool snap_mem_decode(struct cin *in, struct snap_memory *m)
{
	return cin_map_table(in, mem_keys, 2, m);
}

bool snap_mem_validate(struct cin *in, const struct snap_memory *m,
		       uint64_t ram)
{
	for (size_t i = 0; i < m->n_runs; i++) {
		const struct snap_mem_run *r = &m->runs[i];

		if (!gmem_ram_has(ram, r->gpa, r->len))
			return cin_fail(in, "memory.runs[%zu]: run [%#llx, %#llx) outside RAM of %#llx bytes",
					i, (unsigned long long)r->gpa,
					(unsigned long long)(r->gpa + r->len),
					(unsigned long long)ram);
	}
	return true;
}
