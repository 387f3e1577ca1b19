// SPDX-License-Identifier: MIT
/*
 * The "smp" section of a multiprocessor snapshot (docs/snapshot.cddl):
 *
 *   "smp": { "aps": [ + { "vmx": vmx / null, "lapic": { kv } } ],
 *            "sched": { kv } }
 *
 * aps[k - 1] holds vCPU k's VMX layer and local APIC (vCPU 0's are the
 * body's "vmx" and device "lapic", exactly as in a one-vCPU snapshot,
 * which has no "smp" at all); sched is the scheduler's position and
 * clock, opaque here (machine/smp.c reads it).
 */
#include "snapshot/snap_internal.h"

#include <stdlib.h>

bool snapshot_set_cpus(struct snapshot_machine *s, unsigned n)
{
	if (n < 1 || n > SNAP_MAX_CPUS)
		return false;
	if (n > 1 && !s->aps) {
		s->aps = calloc(SNAP_MAX_CPUS - 1, sizeof(*s->aps));
		if (!s->aps)
			return false;
		for (unsigned k = 0; k < SNAP_MAX_CPUS - 1; k++)
			s->aps[k].vmx.current_vmcs = SNAP_NO_VMCS;
	}
	s->n_cpus = n;
	s->n_aps = n - 1;
	return true;
}

const struct snap_vmx *snap_cpu_vmx(const struct snapshot_machine *s,
				    unsigned k)
{
	return k ? &s->aps[k - 1].vmx : &s->vmx;
}

void snap_smp_free(struct snapshot_machine *s)
{
	if (!s->aps)
		return;
	for (unsigned k = 0; k < SNAP_MAX_CPUS - 1; k++) {
		snap_kvset_clear(&s->aps[k].vmx.extra);
		snap_kvset_clear(&s->aps[k].lapic);
	}
	free(s->aps);
	s->aps = NULL;
	snap_kvset_clear(&s->sched);
}

void snap_smp_encode(struct cout *o, const struct snapshot_machine *s)
{
	/* Keys in canonical order (RFC 8949 4.2.1). */
	cout_map(o, 2);
	cout_text(o, "aps");
	cout_array(o, s->n_cpus - 1);
	for (unsigned k = 1; k < s->n_cpus; k++) {
		cout_map(o, 2);
		cout_text(o, "vmx");
		snap_vmx_encode(o, &s->aps[k - 1].vmx);
		cout_text(o, "lapic");
		snap_kvset_encode(o, &s->aps[k - 1].lapic);
	}
	cout_text(o, "sched");
	snap_kvset_encode(o, &s->sched);
}

static bool dec_ap_vmx(struct cin *in, void *ctx)
{
	return snap_vmx_decode(in, &((struct snap_ap *)ctx)->vmx);
}

static bool dec_ap_lapic(struct cin *in, void *ctx)
{
	return snap_kvset_decode(in, &((struct snap_ap *)ctx)->lapic);
}

static const struct cin_key ap_keys[] = {
	{ "vmx", true, dec_ap_vmx },
	{ "lapic", true, dec_ap_lapic },
};

/* The count is checked against "cpus" once both are read. */
static bool dec_aps(struct cin *in, void *ctx)
{
	struct snapshot_machine *s = ctx;
	uint64_t n;

	if (!cin_array(in, SNAP_MAX_CPUS - 1, &n))
		return false;
	if (!n)
		return cin_fail(in, "no application processors");
	s->n_aps = (unsigned)n;
	for (uint64_t i = 0; i < n; i++) {
		size_t old = cin_push(in, "[%llu]", (unsigned long long)i);

		if (!cin_map_table(in, ap_keys, 2, &s->aps[i]))
			return false;
		cin_pop(in, old);
	}
	return true;
}

static bool dec_sched(struct cin *in, void *ctx)
{
	return snap_kvset_decode(in, &((struct snapshot_machine *)ctx)->sched);
}

static const struct cin_key smp_keys[] = {
	{ "aps", true, dec_aps },
	{ "sched", true, dec_sched },
};

bool snap_smp_decode(struct cin *in, struct snapshot_machine *s)
{
	if (!s->aps) {
		s->aps = calloc(SNAP_MAX_CPUS - 1, sizeof(*s->aps));
		if (!s->aps)
			return cin_fail(in, "out of memory");
	}
	return cin_map_table(in, smp_keys, 2, s);
}

/* After the whole body: "smp" exactly when there are several vCPUs, one
 * entry per application processor, each VMX section consistent. */
bool snap_smp_validate(struct cin *in, const struct snapshot_machine *s)
{
	if (s->n_cpus == 1 && !s->n_aps)
		return true;
	if (s->n_cpus > 1 && !s->n_aps)
		return cin_fail(in, "smp: missing for %u vCPUs", s->n_cpus);
	if (s->n_aps != s->n_cpus - 1)
		return cin_fail(in, "smp.aps: %u entries for %u vCPUs (one per vCPU after the first)",
				s->n_aps, s->n_cpus);
	for (unsigned k = 0; k < s->n_aps; k++) {
		size_t old = cin_push(in, "smp.aps[%u].vmx", k);

		if (!snap_vmx_validate(in, &s->aps[k].vmx))
			return false;
		cin_pop(in, old);
	}
	return true;
}
