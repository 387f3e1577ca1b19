// SPDX-License-Identifier: MIT
/*
 * Snapshots of a multiprocessor machine (smp.h, docs/snapshot.md "smp"):
 * the application processors' CPU state, VMX layer and local APIC, and
 * the scheduler's position, so that a restore on the interpreter goes on
 * with the same vCPU, in the same turn, with the same clocks.
 */
#include "machine/smp.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "machine/machine.h"
#include "snapshot/snapshot.h"

/* The scheduler's scalars, by snapshot key. */
#define SCHED_ROWS(X) \
	X(quantum) X(round_start) X(round_end) X(cur) X(progress) \
	X(signalled) X(switches)

/* The wake-up time of a vCPU whose last turn ended halted: idle rounds
 * jump to the earliest (smp.c idle_jump()). */
static void halt_key(char *key, size_t len, unsigned k)
{
	snprintf(key, len, "halted.%u", k);
}

static bool capture_sched(struct machine *m, struct snap_kvset *kv)
{
	const struct smp_sched *sc = &m->sched;
	char key[SNAP_NAME_MAX];
	bool ok = true;

#define SAVE(f) ok = ok && snap_kv_set_u64(kv, #f, (uint64_t)sc->f);
	SCHED_ROWS(SAVE)
#undef SAVE
	/* Optional (older snapshots lack it): only a cut turn has one. */
	if (sc->turn_end)
		ok = ok && snap_kv_set_u64(kv, "turn_end", sc->turn_end);
	for (unsigned k = 0; ok && k < m->n_cpus; k++) {
		const struct engine_exit *x = &m->cpu[k]->exit;

		halt_key(key, sizeof(key), k);
		if (x->reason == ENGINE_EXIT_HLT)
			ok = snap_kv_set_u64(kv, key, x->wake_at);
	}
	return ok;
}

bool smp_snap_capture(struct machine *m, struct snapshot_machine *s)
{
	if (m->n_cpus == 1)
		return true;
	for (unsigned k = 1; k < m->n_cpus; k++) {
		struct machine_vcpu *v = m->cpu[k];
		struct snap_ap *ap = &s->aps[k - 1];

		m->ops->get_state(v->eng, &s->cpus[k]);
		if (v->vmx)
			snap_vmx_capture(&ap->vmx, v->vmx, NULL);
		if (!snap_lapic_save_kv(&ap->lapic, v->lapic))
			return false;
	}
	return capture_sched(m, &s->sched);
}

static int sched_bad(char *err, size_t errlen, const char *key)
{
	snprintf(err, errlen, "smp.sched.%s: missing or invalid", key);
	return -1;
}

/* Every key present, cur a vCPU, the round well formed. */
static int restore_sched(struct machine *m, const struct snap_kvset *kv,
			 char *err, size_t errlen)
{
	struct smp_sched *sc = &m->sched;
	char key[SNAP_NAME_MAX];

#define DECL(f) uint64_t f;
	SCHED_ROWS(DECL)
#undef DECL
#define LOAD(f) \
	if (!snap_kv_get_u64(kv, #f, &f)) \
		return sched_bad(err, errlen, #f);
	SCHED_ROWS(LOAD)
#undef LOAD
	if (cur >= m->n_cpus)
		return sched_bad(err, errlen, "cur");
	if (!quantum || round_end < round_start)
		return sched_bad(err, errlen, "round_end");
	if (progress > 1 || signalled > 1)
		return sched_bad(err, errlen, progress > 1 ? "progress" : "signalled");
#define SET(f) sc->f = f;
	SCHED_ROWS(SET)
#undef SET
	sc->turn_end = 0;
	if (snap_kv_find(kv, "turn_end") &&
	    (!snap_kv_get_u64(kv, "turn_end", &sc->turn_end) || !sc->turn_end))
		return sched_bad(err, errlen, "turn_end");
	for (unsigned k = 0; k < m->n_cpus; k++) {
		struct engine_exit *x = &m->cpu[k]->exit;

		memset(x, 0, sizeof(*x));
		halt_key(key, sizeof(key), k);
		if (!snap_kv_find(kv, key))
			continue;
		if (!snap_kv_get_u64(kv, key, &x->wake_at))
			return sched_bad(err, errlen, key);
		x->reason = ENGINE_EXIT_HLT;
	}
	return 0;
}

int smp_snap_restore(struct machine *m, const struct snapshot_machine *s,
		     char *err, size_t errlen)
{
	char what[64];

	for (unsigned k = 1; k < m->n_cpus; k++) {
		struct machine_vcpu *v = m->cpu[k];
		const struct snap_ap *ap = &s->aps[k - 1];

		if (ap->vmx.present && ap->vmx.vmxon && !v->vmx) {
			snprintf(err, errlen, "vCPU %u is in VMX operation but the machine has no VMX layer",
				 k);
			return -1;
		}
		if (v->vmx && snap_vmx_restore(v->vmx, &ap->vmx, err, errlen))
			return -1;
		m->ops->set_state(v->eng, &s->cpus[k]);
		/* Its APIC timer runs on its own clock. */
		smp_use_clock(m, v);
		snprintf(what, sizeof(what), "smp.aps[%u].lapic", k - 1);
		if (snap_lapic_load_kv(&ap->lapic, v->lapic, what, err, errlen))
			return -1;
	}
	if (m->n_cpus > 1 && restore_sched(m, &s->sched, err, errlen))
		return -1;
	/* The shared devices' timers: the clock of the vCPU whose turn it
	 * is, as when the snapshot was taken. */
	smp_use_clock(m, m->cpu[m->n_cpus > 1 ? m->sched.cur : 0]);
	return 0;
}
