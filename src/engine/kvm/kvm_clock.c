// SPDX-License-Identifier: MIT
/*
 * The machine's virtual clock (core/vclock.h) while the vCPU runs on KVM.
 * Virtual time is, as on the interpreter, TSC - IA32_TSC_ADJUST: here the
 * guest's own TSC, which KVM runs at the host's TSC rate (no TSC scaling on
 * the host measured: KVM_CAP_TSC_CONTROL is 0), so a guest that times
 * its timers with RDTSC sees them exact.  Due timers fire before each
 * entry; a free run is kicked out of KVM_RUN at the next deadline (ticks
 * taken as ns: early, never late); a halted vCPU's TSC jumps to it
 * (--clock=host: sleeps up to it).  At the hand-over the interpreter's
 * hooks go back in place.
 */
#include "engine/kvm/kvm_eng.h"

#include <sys/ioctl.h>

#define HOST_SLEEP_SLICE 10000000ull   /* 10 ms: stops stay prompt */

static bool read_tsc(struct kvm_eng *k, uint64_t *tsc, uint64_t *adj)
{
	struct {
		struct kvm_msrs h;
		struct kvm_msr_entry e[2];
	} m = { .h.nmsrs = 2, .e = { { .index = 0x10 }, { .index = 0x3b } } };

	if (ioctl(k->vcpu_fd, KVM_GET_MSRS, &m) < 1)
		return false;
	*tsc = m.e[0].data;
	*adj = m.h.nmsrs == 2 ? m.e[1].data : 0;
	return true;
}

uint64_t kvm_guest_tsc(struct kvm_eng *k)
{
	uint64_t tsc = 0, adj;

	read_tsc(k, &tsc, &adj);
	return tsc;
}

static uint64_t vtime(struct kvm_eng *k)
{
	uint64_t tsc = 0, adj = 0;

	read_tsc(k, &tsc, &adj);
	return tsc - adj;
}

static uint64_t clock_read(void *opaque)
{
	return vtime(opaque);
}

/* The loop re-arms its kick at every entry: nothing to do here. */
static void clock_changed(void *opaque)
{
}

void kvm_clock_attach(struct kvm_eng *k)
{
	struct vclock *c = k->cfg.clock;

	if (!c)
		return;
	if (!k->interp_clock_read && c->read != clock_read) {
		k->interp_clock_read = c->read;
		k->interp_clock_read_opaque = c->read_opaque;
		k->interp_clock_changed = c->changed;
		k->interp_clock_changed_opaque = c->changed_opaque;
	}
	c->read = clock_read;
	c->read_opaque = k;
	c->changed = clock_changed;
	c->changed_opaque = k;
}

void kvm_clock_detach(struct kvm_eng *k)
{
	struct vclock *c = k->cfg.clock;

	if (!c || !k->interp_clock_read)
		return;
	c->read = k->interp_clock_read;
	c->read_opaque = k->interp_clock_read_opaque;
	c->changed = k->interp_clock_changed;
	c->changed_opaque = k->interp_clock_changed_opaque;
}

void kvm_clock_run_due(struct kvm_eng *k)
{
	struct vclock *c = k->cfg.clock;
	uint64_t now;

	if (c && vclock_next_deadline(c) != VCLOCK_NEVER &&
	    vclock_next_deadline(c) <= (now = vtime(k)))
		vclock_run_due(c, now);
}

uint64_t kvm_clock_ns_to_deadline(struct kvm_eng *k)
{
	const struct vclock *c = k->cfg.clock;
	uint64_t next, now;

	if (!c || (next = vclock_next_deadline(c)) == VCLOCK_NEVER)
		return UINT64_MAX;
	now = vtime(k);
	return next > now ? next - now : 1;
}

/* Move virtual time (the guest's TSC) forward by n without running it. */
static void advance(struct kvm_eng *k, uint64_t n)
{
	struct {
		struct kvm_msrs h;
		struct kvm_msr_entry e[1];
	} m = { .h.nmsrs = 1, .e = { { .index = 0x10 } } };

	m.e[0].data = kvm_guest_tsc(k) + n;
	ioctl(k->vcpu_fd, KVM_SET_MSRS, &m);
}

/* Halted with IF set: wait for the next timer; false when there is none
 * (the run ends halted, as on the interpreter). */
bool kvm_clock_idle_wait(struct kvm_eng *k)
{
	struct vclock *c = k->cfg.clock;
	uint64_t next, now;

	if (!c || (next = vclock_next_deadline(c)) == VCLOCK_NEVER)
		return false;
	now = vtime(k);
	if (next <= now)
		return true;
	if (c->mode == VCLOCK_HOST) {
		uint64_t target = vclock_host_target(c, now);

		if (target < next) {
			uint64_t wait = next - target;

			vclock_host_sleep(wait < HOST_SLEEP_SLICE ? wait
							    : HOST_SLEEP_SLICE);
			target = vclock_host_target(c, now);
			if (target < next) {
				if (target > now)
					advance(k, target - now);
				return true;
			}
		}
	}
	advance(k, next - now);
	return true;
}
