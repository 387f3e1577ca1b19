// SPDX-License-Identifier: MIT
/* `vmxbox diff A B`: every difference between two snapshots, one a line. */
#include "snapshot/snap_print.h"

#include <inttypes.h>
#include <string.h>

struct differ {
	FILE *f;
	unsigned n;
};

/* "PREFIX.NAME: only in X" with the file's strings escaped. */
static void only_in(FILE *f, const char *prefix, const char *name,
		    const char *which)
{
	snap_fput_esc(f, prefix);
	if (prefix[0])
		fputc('.', f);
	snap_fput_esc(f, name);
	fprintf(f, ": only in %s\n", which);
}

static void d_u64(struct differ *d, const char *what, uint64_t a, uint64_t b)
{
	if (a == b)
		return;
	snap_fput_esc(d->f, what);
	fprintf(d->f, ": %#" PRIx64 " -> %#" PRIx64 "\n", a, b);
	d->n++;
}

static void d_str(struct differ *d, const char *what, const char *a,
		  const char *b)
{
	if (!strcmp(a, b))
		return;
	snap_fput_esc(d->f, what);
	fputs(": \"", d->f);
	snap_fput_esc(d->f, a);
	fputs("\" -> \"", d->f);
	snap_fput_esc(d->f, b);
	fputs("\"\n", d->f);
	d->n++;
}

static void d_bool(struct differ *d, const char *what, bool a, bool b)
{
	if (a == b)
		return;
	snap_fput_esc(d->f, what);
	fprintf(d->f, ": %s -> %s\n", a ? "true" : "false",
		b ? "true" : "false");
	d->n++;
}

static void diff_config(struct differ *d, const struct snapshot_machine *a,
			const struct snapshot_machine *b)
{
	char k[128];

	d_u64(d, "config.ram", a->config.ram_size, b->config.ram_size);
	d_str(d, "config.engine", a->config.engine, b->config.engine);
	d_str(d, "config.firmware", a->config.firmware, b->config.firmware);
	if (memcmp(a->config.firmware_sha256, b->config.firmware_sha256, 32)) {
		fprintf(d->f, "config.firmware_sha256: differs\n");
		d->n++;
	}
	for (unsigned i = 0; i < a->config.n_options; i++) {
		const char *bv = snap_config_option(&b->config, a->config.options[i].key);

		snprintf(k, sizeof(k), "config.options.%s", a->config.options[i].key);
		d_str(d, k, a->config.options[i].value, bv ? bv : "(unset)");
	}
	for (unsigned i = 0; i < b->config.n_options; i++)
		if (!snap_config_option(&a->config, b->config.options[i].key)) {
			snprintf(k, sizeof(k), "config.options.%s",
				 b->config.options[i].key);
			d_str(d, k, "(unset)", b->config.options[i].value);
		}
	d_str(d, "trigger", a->trigger, b->trigger);
}

static void diff_cpu(struct differ *d, unsigned n, const struct cpu_state *a,
		     const struct cpu_state *b)
{
	char k[128];

	for (size_t i = 0; i < snap_cpu_fields_len; i++) {
		const struct snap_cpu_field *fl = &snap_cpu_fields[i];

		snprintf(k, sizeof(k), "cpu%u.%s", n, fl->name);
		d_u64(d, k, snap_cpu_field_get(a, fl), snap_cpu_field_get(b, fl));
	}
	for (size_t i = 0; i < cpu_msr_table_len; i++) {
		uint64_t va = 0, vb = 0;

		if (snap_msr_is_field(&cpu_msr_table[i]))
			continue;
		cpu_msr_get(a, cpu_msr_table[i].index, &va);
		cpu_msr_get(b, cpu_msr_table[i].index, &vb);
		snprintf(k, sizeof(k), "cpu%u.msr.%s", n, cpu_msr_table[i].name);
		d_u64(d, k, va, vb);
	}
}

static const struct snap_vmcs_region *region(const struct snap_vmx *v,
					     uint64_t addr)
{
	for (unsigned i = 0; i < v->n_regions; i++)
		if (v->regions[i].addr == addr)
			return &v->regions[i];
	return NULL;
}

static const struct snap_vmcs_field *field(const struct snap_vmx *v,
					   uint32_t enc)
{
	for (unsigned i = 0; i < v->n_fields; i++)
		if (v->fields[i].encoding == enc)
			return &v->fields[i];
	return NULL;
}

static const char *launch(const struct snap_vmcs_region *r)
{
	return !r ? "(unknown)" : r->launch_state == SNAP_VMCS_LAUNCHED ? "launched" : "clear";
}

static void diff_kv(struct differ *d, const char *prefix,
		    const struct snap_kvset *a, const struct snap_kvset *b)
{
	char k[160];

	for (unsigned i = 0; i < a->n; i++) {
		const struct snap_kv *x = &a->kv[i], *y = snap_kv_find(b, x->key);

		snprintf(k, sizeof(k), "%s.%s", prefix, x->key);
		if (!y) {
			only_in(d->f, "", k, "A");
			d->n++;
		} else if (x->kind != y->kind || x->len != y->len ||
			   (x->kind == SNAP_VAL_BYTES && x->len &&
			    memcmp(x->bytes, y->bytes, x->len))) {
			snap_fput_esc(d->f, k);
			fputs(": differs\n", d->f);
			d->n++;
		} else {
			d_u64(d, k, x->u, y->u);
		}
	}
	for (unsigned i = 0; i < b->n; i++)
		if (!snap_kv_find(a, b->kv[i].key)) {
			only_in(d->f, prefix, b->kv[i].key, "B");
			d->n++;
		}
}

/* pre: "vmx" (vCPU 0), "smp.aps[K].vmx" (vCPU K + 1). */
static void diff_vmx(struct differ *d, const char *pre,
		     const struct snap_vmx *a, const struct snap_vmx *b)
{
	char k[128];

	if (a->present != b->present) {
		fprintf(d->f, "%s: %s -> %s\n", pre, a->present ? "present" : "none",
			b->present ? "present" : "none");
		d->n++;
		return;
	}
	snprintf(k, sizeof(k), "%s.vmxon", pre);
	d_bool(d, k, a->vmxon, b->vmxon);
	snprintf(k, sizeof(k), "%s.non_root", pre);
	d_bool(d, k, a->non_root, b->non_root);
	snprintf(k, sizeof(k), "%s.vmxon_ptr", pre);
	d_u64(d, k, a->vmxon_ptr, b->vmxon_ptr);
	snprintf(k, sizeof(k), "%s.current_vmcs", pre);
	d_u64(d, k, a->current_vmcs, b->current_vmcs);
	for (unsigned i = 0; i < a->n_regions; i++) {
		const struct snap_vmcs_region *y = region(b, a->regions[i].addr);

		snprintf(k, sizeof(k), "%s.region.%#" PRIx64, pre, a->regions[i].addr);
		d_str(d, k, launch(&a->regions[i]), launch(y));
	}
	for (unsigned i = 0; i < b->n_regions; i++)
		if (!region(a, b->regions[i].addr)) {
			snprintf(k, sizeof(k), "%s.region.%#" PRIx64, pre, b->regions[i].addr);
			d_str(d, k, "(unknown)", launch(&b->regions[i]));
		}
	for (unsigned i = 0; i < a->n_fields; i++) {
		const struct snap_vmcs_field *x = &a->fields[i];
		const struct snap_vmcs_field *y = field(b, x->encoding);

		snprintf(k, sizeof(k), "%s.vmcs.%s", pre, x->name);
		if (!y) {
			only_in(d->f, "", k, "A");
			d->n++;
		} else {
			d_u64(d, k, x->value, y->value);
		}
	}
	snprintf(k, sizeof(k), "%s.vmcs", pre);
	for (unsigned i = 0; i < b->n_fields; i++)
		if (!field(a, b->fields[i].encoding)) {
			only_in(d->f, k, b->fields[i].name, "B");
			d->n++;
		}
	snprintf(k, sizeof(k), "%s.extra", pre);
	diff_kv(d, k, &a->extra, &b->extra);
}

/* The vCPUs both have beyond the first: VMX layers, APICs; and the
 * scheduler. */
static void diff_smp(struct differ *d, const struct snapshot_machine *a,
		     const struct snapshot_machine *b)
{
	static const struct snap_kvset empty;
	char k[64];

	for (unsigned i = 1; i < a->n_cpus && i < b->n_cpus; i++) {
		snprintf(k, sizeof(k), "smp.aps[%u].vmx", i - 1);
		diff_vmx(d, k, &a->aps[i - 1].vmx, &b->aps[i - 1].vmx);
		snprintf(k, sizeof(k), "smp.aps[%u].lapic", i - 1);
		diff_kv(d, k, &a->aps[i - 1].lapic, &b->aps[i - 1].lapic);
	}
	if (a->n_cpus > 1 || b->n_cpus > 1)
		diff_kv(d, "smp.sched", a->n_cpus > 1 ? &a->sched : &empty,
			b->n_cpus > 1 ? &b->sched : &empty);
}

/* The run holding gpa, by binary search (runs are sorted). */
static const uint8_t *page_of(const struct snap_memory *m, uint64_t gpa)
{
	size_t lo = 0, hi = m->n_runs;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct snap_mem_run *r = &m->runs[mid];

		if (gpa < r->gpa)
			hi = mid;
		else if (gpa >= r->gpa + r->len)
			lo = mid + 1;
		else
			return r->data + (gpa - r->gpa);
	}
	return NULL;
}

static bool page_differs(const struct snap_memory *a,
			 const struct snap_memory *b, uint64_t gpa)
{
	static const uint8_t zero[GUEST_PAGE_SIZE];
	const uint8_t *pa = page_of(a, gpa), *pb = page_of(b, gpa);

	return memcmp(pa ? pa : zero, pb ? pb : zero, GUEST_PAGE_SIZE) != 0;
}

struct range_acc {
	struct differ *d;
	uint64_t start, end;   /* pending range of differing pages */
	uint64_t pages;
};

static void flush_range(struct range_acc *r)
{
	if (r->end > r->start) {
		fprintf(r->d->f, "memory [%#" PRIx64 ", %#" PRIx64 "): %" PRIu64
			" page%s differ%s\n", r->start, r->end,
			(uint64_t)((r->end - r->start) / GUEST_PAGE_SIZE),
			r->end - r->start == GUEST_PAGE_SIZE ? "" : "s",
			r->end - r->start == GUEST_PAGE_SIZE ? "s" : "");
		r->d->n++;
	}
	r->start = r->end = 0;
}

static void note_page(struct range_acc *r, uint64_t gpa)
{
	if (r->end == gpa && r->end > r->start) {
		r->end += GUEST_PAGE_SIZE;
		return;
	}
	flush_range(r);
	r->start = gpa;
	r->end = gpa + GUEST_PAGE_SIZE;
}

/* Walk the pages of both run lists in address order, each page once. */
static void diff_memory(struct differ *d, const struct snap_memory *a,
			const struct snap_memory *b)
{
	struct range_acc r = { .d = d };
	size_t ia = 0, ib = 0;
	uint64_t next = 0;

	while (ia < a->n_runs || ib < b->n_runs) {
		const struct snap_mem_run *ra = ia < a->n_runs ? &a->runs[ia] : NULL;
		const struct snap_mem_run *rb = ib < b->n_runs ? &b->runs[ib] : NULL;
		const struct snap_mem_run *run = !rb || (ra && ra->gpa <= rb->gpa) ? ra : rb;
		uint64_t from = run->gpa > next ? run->gpa : next;

		for (uint64_t g = from; g < run->gpa + run->len; g += GUEST_PAGE_SIZE)
			if (page_differs(a, b, g))
				note_page(&r, g);
		if (run->gpa + run->len > next)
			next = run->gpa + run->len;
		if (run == ra)
			ia++;
		else
			ib++;
	}
	flush_range(&r);
}

unsigned snap_diff(FILE *f, const struct snapshot_machine *a,
		   const struct snapshot_machine *b)
{
	struct differ d = { .f = f };
	char k[128];

	diff_config(&d, a, b);
	if (a->n_cpus != b->n_cpus) {
		fprintf(f, "cpus: %u -> %u vCPUs\n", a->n_cpus, b->n_cpus);
		d.n++;
	}
	for (unsigned i = 0; i < a->n_cpus && i < b->n_cpus; i++)
		diff_cpu(&d, i, &a->cpus[i], &b->cpus[i]);
	diff_vmx(&d, "vmx", &a->vmx, &b->vmx);
	diff_smp(&d, a, b);
	for (unsigned i = 0; i < a->n_devices; i++) {
		const struct snap_device *y = snap_device_find(b, a->devices[i].name);
		static const struct snap_kvset empty;

		snprintf(k, sizeof(k), "devices.%s", a->devices[i].name);
		diff_kv(&d, k, &a->devices[i].st, y ? &y->st : &empty);
	}
	for (unsigned i = 0; i < b->n_devices; i++)
		if (!snap_device_find(a, b->devices[i].name)) {
			only_in(f, "devices", b->devices[i].name, "B");
			d.n++;
		}
	diff_memory(&d, &a->mem, &b->mem);
	return d.n;
}
