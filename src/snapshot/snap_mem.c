// SPDX-License-Identifier: MIT
/*
 * Guest memory, sparse: only non-zero 4 KiB pages are stored, adjacent
 * ones merged into runs [gpa, bytes].  Zero pages are what a fresh guest
 * RAM mapping holds, so they need no bytes in the file.
 */
#include "snapshot/snap_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

int snap_mem_capture(struct snap_memory *m, const struct guest_mem *gm)
{
	uint64_t start = 0, len = 0;

	m->n_runs = 0;
	for (uint64_t gpa = 0; gpa < gm->size; gpa += GUEST_PAGE_SIZE) {
		if (!page_is_zero(gm->host + gpa)) {
			if (!len)
				start = gpa;
			len += GUEST_PAGE_SIZE;
			continue;
		}
		if (len && add_run(m, start, len, gm->host + start))
			return -ENOMEM;
		len = 0;
	}
	if (len && add_run(m, start, len, gm->host + start))
		return -ENOMEM;
	return 0;
}

uint64_t snap_mem_stored_bytes(const struct snap_memory *m)
{
	uint64_t n = 0;

	for (size_t i = 0; i < m->n_runs; i++)
		n += m->runs[i].len;
	return n;
}

/* Zero the non-zero pages of [gpa, gpa+len).  Reading first keeps the
 * untouched pages of a fresh RAM mapping untouched (no copy-on-write). */
static void zero_range(struct guest_mem *gm, uint64_t gpa, uint64_t len)
{
	for (uint64_t a = gpa; a < gpa + len; a += GUEST_PAGE_SIZE)
		if (!page_is_zero(gm->host + a))
			memset(gm->host + a, 0, GUEST_PAGE_SIZE);
}

int snap_mem_restore(const struct snap_memory *m, struct guest_mem *gm,
		     char *err, size_t errlen)
{
	uint64_t next = 0;

	for (size_t i = 0; i < m->n_runs; i++) {
		const struct snap_mem_run *r = &m->runs[i];

		if (!gmem_range_ok(gm, r->gpa, r->len) || r->gpa < next) {
			snprintf(err, errlen, "memory run %zu [%#llx+%#llx) does not fit guest RAM",
				 i, (unsigned long long)r->gpa,
				 (unsigned long long)r->len);
			return -EINVAL;
		}
		zero_range(gm, next, r->gpa - next);
		memcpy(gm->host + r->gpa, r->data, r->len);
		next = r->gpa + r->len;
	}
	zero_range(gm, next, gm->size - next);
	/* Everything may have changed under cached decodes. */
	gmem_note_write_slow(gm, 0, gm->size);
	return 0;
}

bool snap_mem_read(const struct snapshot_machine *s, uint64_t gpa, void *buf,
		   uint64_t len)
{
	uint64_t ram = s->config.ram_size;
	uint8_t *out = buf;

	if (len > ram || gpa > ram - len)
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

		if (r->len > ram || r->gpa > ram - r->len)
			return cin_fail(in, "memory.runs[%zu]: run [%#llx, %#llx) outside RAM of %#llx bytes",
					i, (unsigned long long)r->gpa,
					(unsigned long long)(r->gpa + r->len),
					(unsigned long long)ram);
	}
	return true;
}
