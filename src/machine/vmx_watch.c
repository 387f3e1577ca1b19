// SPDX-License-Identifier: MIT
#include "machine/vmx_watch.h"

#include <stdio.h>
#include <string.h>

#include "vmx/vmx_api.h"

void vmx_watch_init(struct vmx_watch *w, struct vmx_vcpu *vmx)
{
	memset(w, 0, sizeof(*w));
	w->vmx = vmx;
	w->inner = &vmx_intercept_ops;
	vmx_check_init(&w->vmx_check);
}

bool vmx_watch_add_observer(struct vmx_watch *w, const struct vmx_observer *o)
{
	if (w->nr_observers == VMX_WATCH_MAX_OBSERVERS)
		return false;
	w->observers[w->nr_observers++] = *o;
	return true;
}

const struct vmx_watch_vmcs *vmx_watch_find(const struct vmx_watch *w, uint64_t gpa)
{
	for (unsigned i = 0; i < VMX_WATCH_MAX_VMCS; i++)
		if (w->vmcs[i].gpa == gpa && (w->vmcs[i].entries || w->vmcs[i].entry_failures))
			return &w->vmcs[i];
	return NULL;
}

static struct vmx_watch_vmcs *slot_for(struct vmx_watch *w, uint64_t gpa)
{
	struct vmx_watch_vmcs *free_slot = NULL;

	for (unsigned i = 0; i < VMX_WATCH_MAX_VMCS; i++) {
		struct vmx_watch_vmcs *s = &w->vmcs[i];

		if (s->gpa == gpa && (s->entries || s->entry_failures))
			return s;
		if (!free_slot && !s->entries && !s->entry_failures)
			free_slot = s;
	}
	if (free_slot)
		free_slot->gpa = gpa;
	return free_slot;   /* NULL: more VMCSs than slots, not counted */
}

static void notify(struct vmx_watch *w, const struct vmx_trace_event *ev)
{
	struct vmx_trace_event e = *ev;

	e.cpu = (uint16_t)w->cpu;
	for (unsigned i = 0; i < w->nr_observers; i++)
		w->observers[i].event(w->observers[i].opaque, &e);
}

void vmx_watch_report(struct vmx_watch *w, const struct vmx_trace_event *ev,
		      const char *line)
{
	w->check(w->check_opaque, line);
	notify(w, ev);
}

static bool is_vm_entry_insn(const struct x86_intercept *ic)
{
	return ic && ic->kind == ICPT_VMX_INSN &&
	       (ic->u.vmx.which == VMXI_VMLAUNCH ||
		ic->u.vmx.which == VMXI_VMRESUME);
}

/* A VMLAUNCH/VMRESUME that stayed in root operation failed: VMfailInvalid /
 * VMfailValid (SDM 31.2, CF/ZF), or a VM-entry failure exit (SDM 27.8,
 * exit reason bit 31).  Fills the reason fields of ev. */
static bool entry_failed(struct vmx_vcpu *v, const struct cpu_state *cpu,
			 enum icpt_result r, struct vmx_trace_event *ev)
{
	if (r == ICPT_EMULATED && (cpu->rflags & (RFLAGS_CF | RFLAGS_ZF))) {
		ev->reason = (cpu->rflags & RFLAGS_ZF) && vmx_current_vmcs(v) != VMCS_PTR_NONE
			? (uint32_t)vmx_current_field(v, VMCS_VM_INSTRUCTION_ERROR) : 0;
		return true;
	}
	if (r == ICPT_SWITCHED &&
	    (vmx_current_field(v, VMCS_VM_EXIT_REASON) & EXIT_REASON_FAILED_VMENTRY)) {
		ev->reason = (uint32_t)vmx_current_field(v, VMCS_VM_EXIT_REASON);
		ev->qualification = vmx_current_field(v, VMCS_EXIT_QUALIFICATION);
		return true;
	}
	return false;
}

/* --verbose: where this entry would place L2 on upstream KVM. */
static void count_offload(const struct vmx_vcpu *v, struct vmx_watch_vmcs *s)
{
	struct vmx_offload_verdict ov;

	if (vmx_offload_decide_current(v, &vmx_offload_host_kvm, &ov))
		s->offload[ov.reason]++;
}

/* Compare VMX mode before/after one hook call and report what happened. */
static void observe(struct vmx_watch *w, struct x86_intercept_ctx *ctx,
		    bool was_nonroot, const struct x86_intercept *ic,
		    enum icpt_result r)
{
	struct vmx_vcpu *v = w->vmx;
	struct vmx_trace_event ev = {
		.vmcs = vmx_current_vmcs(v), .insn_count = ctx->cpu->insn_count,
	};
	struct vmx_watch_vmcs *s;

	if (!was_nonroot && vmx_in_nonroot(v)) {
		ev.kind = VMX_TRACE_ENTRY;
		ev.launch = ic && ic->u.vmx.which == VMXI_VMLAUNCH;
		ev.guest_rip = ctx->cpu->rip;
		w->entries++;
		w->entry_insn = ctx->cpu->insn_count;
		if ((s = slot_for(w, ev.vmcs))) {
			s->entries++;
			if (w->offload)
				count_offload(v, s);
		}
	} else if (was_nonroot && !vmx_in_nonroot(v)) {
		ev.kind = VMX_TRACE_EXIT;
		ev.reason = (uint32_t)vmx_current_field(v, VMCS_VM_EXIT_REASON);
		ev.qualification = vmx_current_field(v, VMCS_EXIT_QUALIFICATION);
		ev.guest_rip = vmx_current_field(v, VMCS_GUEST_RIP);
		w->exits++;
		if (w->check)
			vmx_check_exit(w, ev.vmcs);
		if ((s = slot_for(w, ev.vmcs)))
			s->l2_insns += ctx->cpu->insn_count - w->entry_insn;
	} else if (!was_nonroot && is_vm_entry_insn(ic) &&
		   entry_failed(v, ctx->cpu, r, &ev)) {
		ev.kind = VMX_TRACE_ENTRY_FAIL;
		w->entry_failures++;
		if (w->check && r == ICPT_SWITCHED)
			vmx_check_exit(w, ev.vmcs);
		if ((s = slot_for(w, ev.vmcs)))
			s->entry_failures++;
	} else {
		return;
	}
	notify(w, &ev);
}

static enum icpt_result watch_intercept(void *opaque, struct x86_intercept_ctx *ctx,
					struct x86_intercept *ic)
{
	struct vmx_watch *w = opaque;
	bool was = vmx_in_nonroot(w->vmx);
	struct vmx_check_pre pre;
	enum icpt_result r;

	if (w->check) {
		/* --vmx-check: L1's marks around deliberate probes. */
		if (vmx_check_port(w, ic, ctx->cpu->gpr[GPR_RAX]))
			return ICPT_EMULATED;
		vmx_check_before(w, ctx, ic, &pre);
	}
	r = w->inner->intercept(w->vmx, ctx, ic);
	if (w->check)
		vmx_check_after(w, ctx, ic, &pre, r);

	if (r == ICPT_SWITCHED || was != vmx_in_nonroot(w->vmx) || is_vm_entry_insn(ic))
		observe(w, ctx, was, ic, r);
	if (w->vmwrite && ic->kind == ICPT_VMX_INSN &&
	    ic->u.vmx.which == VMXI_VMWRITE && r == ICPT_EMULATED &&
	    !(ctx->cpu->rflags & (RFLAGS_CF | RFLAGS_ZF)))
		w->vmwrite(w->vmwrite_opaque,
			   (uint32_t)ctx->cpu->gpr[ic->u.vmx.reg2 & 15],
			   vmx_current_vmcs(w->vmx));
	return r;
}

/* The VMX layer's VMREAD/VMWRITE shortcut only VMsucceeds in root
 * operation: no entry or exit to notice.  --vmx-check and a VMWRITE
 * observer (gdb) see every VMX instruction: they take the full path. */
static bool watch_vmrw(void *opaque, struct x86_intercept_ctx *ctx, bool write,
		       unsigned rm, unsigned reg)
{
	struct vmx_watch *w = opaque;

	if (w->check || (write && w->vmwrite) ||
	    w->inner != &vmx_intercept_ops)
		return false;
	return vmx_vmrw_fast(w->vmx, ctx, write, rm, reg);
}

static enum icpt_result watch_boundary(void *opaque, struct x86_intercept_ctx *ctx)
{
	struct vmx_watch *w = opaque;
	bool was = vmx_in_nonroot(w->vmx);
	enum icpt_result r;

	if (!w->inner->boundary)
		return ICPT_CONTINUE;
	r = w->inner->boundary(w->vmx, ctx);

	if (was != vmx_in_nonroot(w->vmx))
		observe(w, ctx, was, NULL, r);
	return r;
}

static enum icpt_result watch_translate(void *opaque, struct x86_intercept_ctx *ctx,
					uint64_t gpa, unsigned access,
					uint64_t gla, bool gla_valid,
					bool in_walk, uint64_t *out)
{
	struct vmx_watch *w = opaque;
	bool was = vmx_in_nonroot(w->vmx);
	enum icpt_result r;

	if (!w->inner->translate_gpa) {
		*out = gpa;
		return ICPT_CONTINUE;
	}
	r = w->inner->translate_gpa(w->vmx, ctx, gpa, access, gla, gla_valid,
				    in_walk, out);

	if (was != vmx_in_nonroot(w->vmx))
		observe(w, ctx, was, NULL, r);
	return r;
}

static void watch_tlb_context(void *opaque, struct tlb_context *out)
{
	struct vmx_watch *w = opaque;

	if (w->inner->tlb_context)
		w->inner->tlb_context(w->vmx, out);
	else
		*out = (struct tlb_context){ 0 };
}

static bool watch_probe_gpa(void *opaque, struct x86_intercept_ctx *ctx,
			    uint64_t gpa, uint64_t *out)
{
	struct vmx_watch *w = opaque;

	*out = gpa;
	return w->inner->probe_gpa ? w->inner->probe_gpa(w->vmx, ctx, gpa, out)
				   : true;
}

/* --vmx-check: L2 used a translation L1 changed without invalidating it
 * (SDM 29.4.3): say where, which VMCS/VPID/EPTP, what changed and what
 * invalidation was missing. */
static void watch_tlb_stale(void *opaque, struct x86_intercept_ctx *ctx,
			    const struct tlb_stale *st)
{
	struct vmx_watch *w = opaque;
	bool paging = !st->now_mapped || st->now_gpa >> 12 != st->cached_gpa >> 12;
	char line[512], ept[48] = "", now[64] = "not mapped";

	if (!w->check)
		return;
	if (st->combined)
		snprintf(ept, sizeof(ept), ", EP4TA 0x%llx",
			 (unsigned long long)st->ep4ta);
	if (st->now_mapped)
		snprintf(now, sizeof(now), "0x%llx (0x%llx)",
			 (unsigned long long)st->now_gpa,
			 (unsigned long long)st->now_hpa);
	snprintf(line, sizeof(line),
		 "stale translation: L2 at rip 0x%llx (VMCS 0x%llx, VPID %u%s) "
		 "used linear 0x%llx -> guest-physical 0x%llx (0x%llx) cached "
		 "before L1 last ran; walked now (%s changed): %s; L1 changed "
		 "%s without %s "
		 "(SDM 29.4.3)",
		 (unsigned long long)ctx->cpu->rip,
		 (unsigned long long)vmx_current_vmcs(w->vmx), st->vpid, ept,
		 (unsigned long long)st->linear,
		 (unsigned long long)st->cached_gpa,
		 (unsigned long long)st->cached_hpa,
		 paging ? "L2's page tables" : "EPT", now,
		 paging ? "a paging-structure entry" : "an EPT entry",
		 paging ? "INVVPID (or INVLPG/MOV CR3 in L2)" :
			  "INVEPT (single-context of this EPTP or all-context)");
	vmx_watch_report(w, &(struct vmx_trace_event){
		.kind = VMX_TRACE_CHECK, .reason = VMX_CHECK_STALE_TRANSLATION,
		.vmcs = vmx_current_vmcs(w->vmx), .guest_rip = ctx->cpu->rip,
		.qualification = st->linear,
		.insn_count = ctx->cpu->insn_count }, line);
}

const struct x86_intercept_ops vmx_watch_ops = {
	.intercept = watch_intercept,
	.vmrw = watch_vmrw,
	.boundary = watch_boundary,
	.translate_gpa = watch_translate,
	.tlb_context = watch_tlb_context,
	.probe_gpa = watch_probe_gpa,
	.tlb_stale = watch_tlb_stale,
};
