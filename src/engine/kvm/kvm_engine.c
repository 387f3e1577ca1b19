// SPDX-License-Identifier: MIT
/*
 * The kvm engine: runs the vCPU on /dev/kvm and moves it to the
 * interpreter where VMX begins (kvm_handover.c).  engine_ops, and the
 * state moving between the neutral cpu_state and KVM.
 */
#include "engine/kvm/kvm_eng.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "engine/kvm/kvm_state.h"

static bool on_interp(const struct kvm_eng *k)
{
	return atomic_load(&((struct kvm_eng *)k)->on_interp);
}

uint64_t kvm_count(const struct kvm_eng *k)
{
	return k->count_base + k->n.free_ns / KVM_NS_PER_INSN + k->n.steps;
}

/* ---- state in ------------------------------------------------------------ */

static int set_msrs(struct kvm_eng *k, const struct cpu_state *s)
{
	struct {
		struct kvm_msrs h;
		struct kvm_msr_entry e[1];
	} m;

	/* One at a time: KVM stops at the first MSR it refuses, and an MSR
	 * it refuses (e.g. a feature the host lacks) stays in the shadow. */
	for (size_t i = 0; i < k->nmsrs; i++) {
		uint64_t v;

		if (!kvm_msr_from_state(s, k->msrs[i], &v))
			continue;
		memset(&m, 0, sizeof(m));
		m.h.nmsrs = 1;
		m.e[0].index = k->msrs[i];
		m.e[0].data = v;
		if (ioctl(k->vcpu_fd, KVM_SET_MSRS, &m) < 0)
			return -1;
	}
	return 0;
}

static int set_fpu(struct kvm_eng *k, const struct cpu_state *s)
{
	struct kvm_xsave x;
	struct kvm_xcrs xc = { .nr_xcrs = 1, .xcrs = { { .xcr = 0,
							 .value = s->xcr0 } } };

	if (cpu_has(&k->cfg.model, X86_FEAT_XSAVE) && ioctl(k->vcpu_fd, KVM_SET_XCRS, &xc) < 0)
		return -1;
	kvm_xsave_from_fpu(&s->fpu, &x);
	return ioctl(k->vcpu_fd, KVM_SET_XSAVE, &x);
}

/* Returns 0, or -1 with err naming what KVM refused. */
int kvm_load_state(struct kvm_eng *k, const struct cpu_state *s, char *err,
		   size_t errlen)
{
	struct kvm_sregs sr;
	struct kvm_regs r;
	struct kvm_vcpu_events ev;
	struct kvm_debugregs d;
	const char *what = NULL;

	kvm_sregs_from_state(s, &sr);
	kvm_regs_from_state(s, &r);
	kvm_events_from_state(s, &ev);
	kvm_dregs_from_state(s, &d);
	if (ioctl(k->vcpu_fd, KVM_SET_SREGS, &sr) < 0)
		what = "KVM_SET_SREGS";
	else if (ioctl(k->vcpu_fd, KVM_SET_REGS, &r) < 0)
		what = "KVM_SET_REGS";
	else if (set_fpu(k, s) < 0)
		what = "KVM_SET_XSAVE";
	else if (set_msrs(k, s) < 0)
		what = "KVM_SET_MSRS";
	else if (ioctl(k->vcpu_fd, KVM_SET_DEBUGREGS, &d) < 0)
		what = "KVM_SET_DEBUGREGS";
	else if (ioctl(k->vcpu_fd, KVM_SET_VCPU_EVENTS, &ev) < 0)
		what = "KVM_SET_VCPU_EVENTS";
	if (what) {
		snprintf(err, errlen, "%s: %s", what, strerror(errno));
		return -1;
	}
	return 0;
}

/* ---- state out ----------------------------------------------------------- */

static void get_msrs(struct kvm_eng *k, struct cpu_state *s)
{
	struct {
		struct kvm_msrs h;
		struct kvm_msr_entry e[KVM_MAX_MSRS];
	} m;

	memset(&m, 0, sizeof(m));
	m.h.nmsrs = (uint32_t)k->nmsrs;
	for (size_t i = 0; i < k->nmsrs; i++)
		m.e[i].index = k->msrs[i];
	int got = ioctl(k->vcpu_fd, KVM_GET_MSRS, &m);
	for (int i = 0; i < got; i++)
		kvm_msr_to_state(s, m.e[i].index, m.e[i].data);
}

void kvm_store_state(struct kvm_eng *k, struct cpu_state *s)
{
	struct kvm_sregs sr;
	struct kvm_regs r;
	struct kvm_vcpu_events ev;
	struct kvm_debugregs d;
	struct kvm_xsave x;
	struct kvm_xcrs xc;

	*s = k->shadow;
	if (ioctl(k->vcpu_fd, KVM_GET_SREGS, &sr) == 0)
		kvm_sregs_to_state(&sr, s);
	if (ioctl(k->vcpu_fd, KVM_GET_REGS, &r) == 0)
		kvm_regs_to_state(&r, s);
	if (ioctl(k->vcpu_fd, KVM_GET_XSAVE, &x) == 0)
		kvm_xsave_to_fpu(&x, &s->fpu);
	if (cpu_has(&k->cfg.model, X86_FEAT_XSAVE) && ioctl(k->vcpu_fd, KVM_GET_XCRS, &xc) == 0)
		for (uint32_t i = 0; i < xc.nr_xcrs; i++)
			if (xc.xcrs[i].xcr == 0)
				s->xcr0 = xc.xcrs[i].value;
	if (ioctl(k->vcpu_fd, KVM_GET_DEBUGREGS, &d) == 0)
		kvm_dregs_to_state(&d, s);
	if (ioctl(k->vcpu_fd, KVM_GET_VCPU_EVENTS, &ev) == 0)
		kvm_events_to_state(&ev, s);
	get_msrs(k, s);
	/* With a 64-bit FXSAVE image KVM has no FCS/FDS: keep ours. */
	s->fpu.fcs = k->shadow.fpu.fcs;
	s->fpu.fds = k->shadow.fpu.fds;
	s->activity = k->halted ? ACTIVITY_HLT : ACTIVITY_ACTIVE;
	/* CR8 lives in the interrupt controller's TPR. */
	if (k->cfg.intc.ops)
		s->cr8 = k->cfg.intc.ops->cr8_read(k->cfg.intc.opaque);
	s->insn_count = kvm_count(k);
	/* KVM reloads the PDPTEs from CR3 itself; ours are stale. */
	s->pdpte_valid = false;
}

/* ---- engine_ops ---------------------------------------------------------- */

static bool kvm_probe(char *why, size_t len)
{
	return kvm_host_ready(why, len);
}

static void kvm_destroy(struct engine *e)
{
	struct kvm_eng *k = to_kvm(e);

	if (!e)
		return;
	if (k->interp)
		k->interp->ops->destroy(k->interp);
	kvm_close_vm(k);
	free(k);
}

static struct engine *kvm_create(const struct engine_config *cfg, char *err,
				 size_t errlen)
{
	struct kvm_eng *k;

	if (!cfg || !cfg->mem) {
		snprintf(err, errlen, "kvm: no guest memory");
		return NULL;
	}
	k = calloc(1, sizeof(*k));
	if (!k) {
		snprintf(err, errlen, "kvm: out of memory");
		return NULL;
	}
	k->base.ops = &kvm_engine_ops;
	k->cfg = *cfg;
	k->max_insns = cfg->max_insns;
	cpu_state_reset(&k->shadow);
	if (kvm_open_vm(k, err, errlen)) {
		kvm_destroy(&k->base);
		return NULL;
	}
	/* The interpreter is ready before the guest runs, so the hand-over
	 * cannot fail half-way. */
	k->interp = interp_engine_ops.create(cfg, err, errlen);
	if (!k->interp) {
		kvm_destroy(&k->base);
		return NULL;
	}
	kvm_clock_attach(k);
	return &k->base;
}

static enum engine_exit_reason kvm_run(struct engine *e, struct engine_exit *out)
{
	struct kvm_eng *k = to_kvm(e);

	if (on_interp(k))
		return k->interp->ops->run(k->interp, out);
	return kvm_run_loop(k, out);
}

static void kvm_get_state(struct engine *e, struct cpu_state *s)
{
	struct kvm_eng *k = to_kvm(e);

	if (on_interp(k))
		k->interp->ops->get_state(k->interp, s);
	else
		kvm_store_state(k, s);
}

/*
 * A state that is in VMX operation (CR4.VMXE set, which VMX operation
 * requires: IA32_VMX_CR4_FIXED0 bit 13), or that KVM refuses, goes on
 * on the interpreter.
 */
static void kvm_set_state(struct engine *e, const struct cpu_state *s)
{
	struct kvm_eng *k = to_kvm(e);
	char why[160];

	if (on_interp(k)) {
		k->interp->ops->set_state(k->interp, s);
		return;
	}
	if (k->cfg.intc.ops)
		k->cfg.intc.ops->cr8_write(k->cfg.intc.opaque, (unsigned)s->cr8);
	k->shadow = *s;
	k->halted = s->activity == ACTIVITY_HLT;
	k->need_completion = false;
	k->count_base = s->insn_count;
	memset(&k->n, 0, sizeof(k->n));
	if (s->cr4 & CR4_VMXE)
		snprintf(why, sizeof(why),
			 "the state set has CR4.VMXE (VMX in use)");
	else if (s->activity != ACTIVITY_ACTIVE && s->activity != ACTIVITY_HLT)
		snprintf(why, sizeof(why), "activity state %u", s->activity);
	else if (kvm_load_state(k, s, why, sizeof(why)) == 0)
		return;
	snprintf(k->handover_why, sizeof(k->handover_why), "%s", why);
	k->handover_count = s->insn_count;
	k->interp->ops->set_state(k->interp, s);
	kvm_clock_detach(k);
	atomic_store(&k->on_interp, true);
}

/* Latched here; kvm_run.c injects them when the guest can take them. */
static void kvm_raise_event(struct engine *e, enum cpu_signal ev, uint8_t vector)
{
	struct kvm_eng *k = to_kvm(e);

	if (on_interp(k)) {
		k->interp->ops->raise_event(k->interp, ev, vector);
		return;
	}
	switch (ev) {
	case CPU_SIGNAL_INTR:
		break;          /* kvm_run.c samples INTR before each entry */
	case CPU_SIGNAL_NMI:
		k->shadow.nmi_pending = true;
		break;
	case CPU_SIGNAL_INIT:
		k->shadow.init_pending = true;
		break;
	case CPU_SIGNAL_SIPI:
		break;          /* one vCPU: never in wait-for-SIPI */
	}
}

static void kvm_request_stop(struct engine *e)
{
	struct kvm_eng *k = to_kvm(e);

	atomic_store(&k->stop, true);
	if (on_interp(k))
		k->interp->ops->request_stop(k->interp);
	else
		kvm_kick(k);
}

static uint64_t kvm_insn_count(struct engine *e)
{
	struct kvm_eng *k = to_kvm(e);

	if (on_interp(k))
		return k->interp->ops->insn_count(k->interp);
	return kvm_count(k);
}

static void kvm_set_max_insns(struct engine *e, uint64_t max_insns)
{
	struct kvm_eng *k = to_kvm(e);

	k->max_insns = max_insns;
	k->interp->ops->set_max_insns(k->interp, max_insns);
}

static void kvm_describe(struct engine *e, char *buf, size_t len)
{
	struct kvm_eng *k = to_kvm(e);
	uint64_t kvm_insns = on_interp(k) ? k->handover_count : kvm_count(k);
	int n;

	n = snprintf(buf, len,
		     "kvm ran ~%llu instructions (%llu counted exactly, %llu of them "
		     "lent to interp; the rest estimated from %.3f s in KVM_RUN; "
		     "%llu exits: %llu I/O, %llu MMIO, %llu HLT, %llu MSR)",
		     (unsigned long long)kvm_insns,
		     (unsigned long long)k->n.steps, (unsigned long long)k->n.lent,
		     k->n.free_ns / 1e9,
		     (unsigned long long)k->n.runs, (unsigned long long)k->n.io,
		     (unsigned long long)k->n.mmio, (unsigned long long)k->n.hlt,
		     (unsigned long long)k->n.msr);
	if (n < 0 || (size_t)n >= len)
		return;
	if (on_interp(k))
		snprintf(buf + n, len - (size_t)n,
			 "; handed over to interp at instruction %llu (%s); interp ran %llu instructions",
			 (unsigned long long)k->handover_count, k->handover_why,
			 (unsigned long long)(k->interp->ops->insn_count(k->interp) -
					      k->handover_count));
	else
		snprintf(buf + n, len - (size_t)n, "; never handed over to interp");
}

const struct engine_ops kvm_engine_ops = {
	.name = "kvm",
	.probe = kvm_probe,
	.auto_ok = kvm_auto_worthwhile,
	.create = kvm_create,
	.destroy = kvm_destroy,
	.run = kvm_run,
	.get_state = kvm_get_state,
	.set_state = kvm_set_state,
	.raise_event = kvm_raise_event,
	.request_stop = kvm_request_stop,
	.insn_count = kvm_insn_count,
	.set_max_insns = kvm_set_max_insns,
	.describe = kvm_describe,
};
