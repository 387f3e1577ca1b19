// SPDX-License-Identifier: MIT
/*
 * The local APIC as snapshot device "lapic" (docs/snapshot.md): its
 * register page ("regs", 1 KiB, the layout of KVM's kvm_lapic_state) and
 * the state beside it.  Timers are absolute virtual times, so a restore
 * re-arms them exactly.  Snapshots written before the APIC existed have
 * no "lapic": the APIC is then left as the ELF64 boot protocol hands it
 * over (reset, software-enabled).
 */
#include "snapshot/snap_internal.h"

#include <stdio.h>
#include <string.h>

#include "devices/lapic.h"

bool snap_lapic_save_kv(struct snap_kvset *set, const struct lapic *l)
{
	return snap_kv_set_bytes(set, "regs", l->regs, sizeof(l->regs)) &&
	       snap_kv_set_u64(set, "apic_base", l->apic_base) &&
	       snap_kv_set_u64(set, "esr_latched", l->esr_latched) &&
	       snap_kv_set_u64(set, "timer_start", l->timer_start) &&
	       snap_kv_set_u64(set, "timer_stopped", l->timer_stopped) &&
	       snap_kv_set_u64(set, "tsc_deadline", l->tsc_deadline) &&
	       snap_kv_set_u64(set, "tsc_deadline_at", l->tsc_deadline_at);
}

bool snap_lapic_save(struct snapshot_machine *s, const struct lapic *l)
{
	struct snap_device *d = snap_device_add(s, "lapic");

	return d && snap_lapic_save_kv(&d->st, l);
}

static int bad(char *err, size_t errlen, const char *what, const char *key)
{
	snprintf(err, errlen, "%s.%s: missing or invalid", what, key);
	return -1;
}

/* IA32_APIC_BASE values a run can reach (lapic_msr.c): no reserved bit,
 * and not the invalid EN = 0, EXTD = 1. */
static bool base_ok(const struct lapic *l, uint64_t v)
{
	uint64_t ok = APIC_BASE_BSP | APIC_BASE_EN | APIC_BASE_EXTD |
		      (((1ull << l->cfg.maxphyaddr) - 1) & ~0xfffull);

	if (l->cfg.absent)
		return v == 0;         /* no APIC: never enabled */
	return !(v & ~ok) && (v & APIC_BASE_EN || !(v & APIC_BASE_EXTD));
}

int snap_lapic_load(const struct snapshot_machine *s, struct lapic *l,
		    char *err, size_t errlen)
{
	const struct snap_device *d = snap_device_find(s, "lapic");

	return snap_lapic_load_kv(d ? &d->st : NULL, l, "devices.lapic", err,
				  errlen);
}

int snap_lapic_load_kv(const struct snap_kvset *set, struct lapic *l,
		       const char *what, char *err, size_t errlen)
{
	const struct snap_kv *regs;
	uint64_t base, esr, start, stopped, dl, dl_at;

	lapic_reset(l);
	if (!set) {
		lapic_reg_write(l, APIC_SPIV, APIC_SPIV_ENABLE | 0xff);
		return 0;
	}
	regs = snap_kv_find(set, "regs");
	if (!regs || regs->kind != SNAP_VAL_BYTES || regs->len != LAPIC_REGS_SIZE)
		return bad(err, errlen, what, "regs");
	if (!snap_kv_get_u64(set, "apic_base", &base) || !base_ok(l, base))
		return bad(err, errlen, what, "apic_base");
	if (!snap_kv_get_u64(set, "esr_latched", &esr) || esr > 0xff)
		return bad(err, errlen, what, "esr_latched");
	if (!snap_kv_get_u64(set, "timer_start", &start))
		return bad(err, errlen, what, "timer_start");
	if (!snap_kv_get_u64(set, "timer_stopped", &stopped) || stopped > 1)
		return bad(err, errlen, what, "timer_stopped");
	if (!snap_kv_get_u64(set, "tsc_deadline", &dl))
		return bad(err, errlen, what, "tsc_deadline");
	if (!snap_kv_get_u64(set, "tsc_deadline_at", &dl_at))
		return bad(err, errlen, what, "tsc_deadline_at");
	memcpy(l->regs, regs->bytes, LAPIC_REGS_SIZE);
	l->apic_base = base;
	l->esr_latched = (uint32_t)esr;
	l->timer_start = start;
	l->timer_stopped = stopped;
	l->tsc_deadline = dl;
	l->tsc_deadline_at = dl_at;
	lapic_remap(l);
	lapic_timer_restart(l);
	return 0;
}
