// SPDX-License-Identifier: MIT
/*
 * Guest-physical address translation in non-root operation with EPT
 * (SDM 29.3): the walk itself is ept_walk.c; this file turns its outcome
 * into EPT-violation (exit 48, qualification per SDM Table 28-7) and
 * EPT-misconfiguration (exit 49) VM exits.
 *
 * Nothing is cached here, so INVEPT/INVVPID need no flush of ours; the
 * engines drop their own linear-address caches on ctx->state_changed.
 */
#include "vmx/nonroot.h"

#include "vmx/ept_walk.h"

/* Exit qualification bits of an EPT violation (SDM Table 28-7). */
#define EPTQ_READ        (1ull << 0)
#define EPTQ_WRITE       (1ull << 1)
#define EPTQ_FETCH       (1ull << 2)
#define EPTQ_GLA_VALID   (1ull << 7)
#define EPTQ_GLA_XLATE   (1ull << 8)

void vmx_ept_cfg(const struct vmx_vcpu *v, struct ept_walk_cfg *cfg)
{
	cfg->maxphyaddr = v->caps.maxphyaddr;
	cfg->exec_only = v->caps.ept_vpid & EPT_CAP_EXEC_ONLY;
	cfg->page_2m = v->caps.ept_vpid & EPT_CAP_2M_PAGE;
	cfg->page_1g = v->caps.ept_vpid & EPT_CAP_1G_PAGE;
	cfg->mbec = vmx_proc2(v) & CPU2_MODE_BASED_EPT_EXEC;
}

/* The current VMCS's EPT translation of gpa (SDM 29.3.2) for an outside
 * observer: no accessed/dirty flag set, no exit; identity when the
 * current VMCS does not enable EPT.  False when the walk fails. */
static bool ept_observe(struct vmx_vcpu *v, const struct guest_mem *mem,
			uint64_t gpa, uint64_t *out)
{
	struct ept_walk_cfg cfg;
	struct ept_walk_result r;

	*out = gpa;
	if (!(vmx_proc2(v) & CPU2_ENABLE_EPT))
		return true;
	vmx_ept_cfg(v, &cfg);
	ept_walk_only(mem, &cfg, vmcs_read(v, VMCS_EPT_POINTER), gpa,
		      EPT_ACC_READ, &r);
	if (r.outcome != EPT_OK)
		return false;
	*out = r.hpa;
	return true;
}

/* --vmx-check: what L2 is translating now; identity outside non-root. */
bool vmx_probe_gpa(struct vmx_vcpu *v, const struct guest_mem *mem,
		   uint64_t gpa, uint64_t *out)
{
	*out = gpa;
	return !v->nonroot || ept_observe(v, mem, gpa, out);
}

/* A debugger's L2 view (docs/gdb.md, `monitor view l2`): through the
 * current VMCS in root or non-root operation; identity without one. */
bool vmx_peek_l2_gpa(struct vmx_vcpu *v, const struct guest_mem *mem,
		     uint64_t gpa, uint64_t *out)
{
	*out = gpa;
	return vmx_current_vmcs(v) == VMCS_PTR_NONE ||
	       ept_observe(v, mem, gpa, out);
}

/* The engine keeps L2's translations across VM exits and entries only
 * while no page a walk read is written (guest_mem pt_writes and, for the
 * EPT paging-structure pages, ept_writes; tlb.c). */
static void mark_ept_pages(struct guest_mem *mem,
			   const struct ept_walk_result *r)
{
	for (unsigned i = 0; i < r->n_entries; i++)
		if (!gmem_page_bit(mem->ept_pages, r->entry_gpa[i]))
			gmem_mark_ept_page(mem, r->entry_gpa[i]);
}

static enum icpt_result ept_translate(struct vmx_vcpu *v,
				      struct x86_intercept_ctx *ctx,
				      uint64_t gpa, unsigned access,
				      uint64_t gla, bool gla_valid,
				      bool in_walk, uint64_t *out)
{
	uint64_t eptp = vmcs_read(v, VMCS_EPT_POINTER);
	struct ept_walk_cfg cfg;
	struct ept_walk_result r;
	struct vmx_exit_info ei = { .gpa = gpa, .has_gpa = true };

	/* With A/D flags on, guest paging-structure accesses count as
	 * writes: they need EPT write permission, set the EPT dirty flag of
	 * the leaf and, on a violation, report bits 0 and 1 (SDM 29.3.3.2,
	 * 29.3.5, Table 28-7).  PDPTE loads by MOV to CR come with
	 * in_walk = false: reads. */
	if (in_walk && (eptp & EPTP_AD))
		access |= EPT_ACC_WRITE;
	vmx_ept_cfg(v, &cfg);
	ept_walk_only(ctx->mem, &cfg, eptp, gpa, access, &r);
	switch (r.outcome) {
	case EPT_OK:
		if (eptp & EPTP_AD) {
			enum icpt_result ad = vmx_ept_ad_update(v, ctx, &r, gpa,
								access);

			if (ad != ICPT_CONTINUE)
				return ad;
		}
		mark_ept_pages(ctx->mem, &r);
		*out = r.hpa;
		return ICPT_CONTINUE;
	case EPT_MISCONFIG:
		ei.reason = EXIT_REASON_EPT_MISCONFIG;
		return vmx_vmexit_full(v, ctx, &ei);
	case EPT_VIOLATION:
	default:
		break;
	}
	ei.reason = EXIT_REASON_EPT_VIOLATION;
	ei.qualification = r.perms |
		((access & EPT_ACC_READ) ? EPTQ_READ : 0) |
		((access & EPT_ACC_WRITE) ? EPTQ_WRITE : 0) |
		((access & EPT_ACC_FETCH) ? EPTQ_FETCH : 0);
	if (gla_valid) {
		ei.qualification |= EPTQ_GLA_VALID;
		if (!in_walk)
			ei.qualification |= EPTQ_GLA_XLATE;
		ei.gla = gla;
		ei.has_gla = true;
	}
	if (vmx_ept_violation_ve(v, ctx, &r, &ei))
		return ICPT_FAULT;
	return vmx_vmexit_full(v, ctx, &ei);
}

/*
 * The guest-physical address through EPT (when enabled), then the
 * APIC-access page (SDM 30.4): an access whose physical address is on it
 * is virtualized or exits (apic_access.c).  Without EPT the walk's own
 * accesses are physical ones and not APIC accesses (30.4.6.2).
 */
enum icpt_result vmx_translate_gpa(struct vmx_vcpu *v,
				   struct x86_intercept_ctx *ctx, uint64_t gpa,
				   unsigned access, uint64_t gla, bool gla_valid,
				   bool in_walk, uint64_t *out)
{
	uint32_t proc2 = vmx_proc2(v);
	bool ept = proc2 & CPU2_ENABLE_EPT;
	enum icpt_result r;

	*out = gpa;
	if (!v->nonroot)
		return ICPT_CONTINUE;
	if (ept) {
		r = ept_translate(v, ctx, gpa, access, gla, gla_valid, in_walk,
				  out);
		if (r != ICPT_CONTINUE)
			return r;
	}
	if (!(proc2 & CPU2_VIRT_APIC_ACCESSES) ||
	    (*out & ~0xfffull) != vmcs_read(v, VMCS_APIC_ACCESS_ADDR) ||
	    (!ept && (in_walk || !gla_valid)))
		return ICPT_CONTINUE;
	return vmx_apic_access(v, ctx, *out, access, gla_valid && !in_walk,
			       out);
}
