// SPDX-License-Identifier: MIT
/*
 * The GDB stub's nested views (docs/gdb.md "Nested views"): which CPU
 * gdb's registers and memory are.  The running level is the engine's
 * state; the other one is what the current VMCS holds of it (SDM 25.4
 * guest-state area for L2, 25.5 host-state area for L1).  As on
 * hardware, the VMCS has no general-purpose registers besides RSP, RIP
 * and RFLAGS: the others show the running level's values.
 */
#include "machine/gdb_view.h"

#include "core/page_walk.h"
#include "machine/machine.h"
#include "vmx/vmcs_fields.h"
#include "vmx/vmx_api.h"

static uint64_t field(struct machine *m, struct vmx_vcpu *v, uint32_t enc)
{
	uint64_t val = 0;

	vmx_vmcs_peek(v, &m->mem, vmx_current_vmcs(v), enc, &val);
	return val;
}

/* L2 from the guest-state area; the encodings of ES..TR are 2 apart in
 * x86_seg order (SDM Appendix B). */
static void l2_from_vmcs(struct machine *m, struct vmx_vcpu *v,
			 struct cpu_state *s)
{
	uint64_t entry = field(m, v, VMCS_VM_ENTRY_CONTROLS);

	for (unsigned i = 0; i < SEG_COUNT; i++) {
		s->seg[i].sel = (uint16_t)field(m, v, VMCS_GUEST_ES_SELECTOR + 2 * i);
		s->seg[i].base = field(m, v, VMCS_GUEST_ES_BASE + 2 * i);
		s->seg[i].limit = (uint32_t)field(m, v, VMCS_GUEST_ES_LIMIT + 2 * i);
		s->seg[i].ar = (uint32_t)field(m, v, VMCS_GUEST_ES_AR_BYTES + 2 * i);
	}
	s->rip = field(m, v, VMCS_GUEST_RIP);
	s->gpr[GPR_RSP] = field(m, v, VMCS_GUEST_RSP);
	s->rflags = field(m, v, VMCS_GUEST_RFLAGS);
	s->cr0 = field(m, v, VMCS_GUEST_CR0);
	s->cr3 = field(m, v, VMCS_GUEST_CR3);
	s->cr4 = field(m, v, VMCS_GUEST_CR4);
	s->gdtr.base = field(m, v, VMCS_GUEST_GDTR_BASE);
	s->gdtr.limit = (uint32_t)field(m, v, VMCS_GUEST_GDTR_LIMIT);
	s->idtr.base = field(m, v, VMCS_GUEST_IDTR_BASE);
	s->idtr.limit = (uint32_t)field(m, v, VMCS_GUEST_IDTR_LIMIT);
	/* EFER: loaded at entry, or LMA = LME = "IA-32e mode guest"
	 * (SDM 27.3.2.1). */
	if (entry & ENTRY_CTL_LOAD_EFER)
		s->efer = field(m, v, VMCS_GUEST_IA32_EFER);
	else if (entry & ENTRY_CTL_IA32E_MODE_GUEST)
		s->efer |= EFER_LMA | EFER_LME;
	else
		s->efer &= ~(EFER_LMA | EFER_LME);
	s->pdpte_valid = false;
}

/* L1 from the host-state area (SDM 28.5): what the next VM exit loads. */
static void l1_from_vmcs(struct machine *m, struct vmx_vcpu *v,
			 struct cpu_state *s)
{
	static const uint32_t sel[SEG_COUNT] = {
		[SEG_ES] = VMCS_HOST_ES_SELECTOR, [SEG_CS] = VMCS_HOST_CS_SELECTOR,
		[SEG_SS] = VMCS_HOST_SS_SELECTOR, [SEG_DS] = VMCS_HOST_DS_SELECTOR,
		[SEG_FS] = VMCS_HOST_FS_SELECTOR, [SEG_GS] = VMCS_HOST_GS_SELECTOR,
		[SEG_TR] = VMCS_HOST_TR_SELECTOR,
	};
	uint64_t exit = field(m, v, VMCS_VM_EXIT_CONTROLS);
	bool lm = exit & EXIT_CTL_HOST_ADDR_SPACE_SIZE;

	for (unsigned i = 0; i < SEG_COUNT; i++) {
		s->seg[i].sel = sel[i] ? (uint16_t)field(m, v, sel[i]) : 0;
		s->seg[i].base = 0;
		s->seg[i].limit = 0xffffffff;
		s->seg[i].ar = SEG_AR_P | SEG_AR_S | SEG_AR_G | 0x3 | SEG_AR_DB;
	}
	s->seg[SEG_CS].ar = SEG_AR_P | SEG_AR_S | SEG_AR_G | 0xb |
			    (lm ? SEG_AR_L : SEG_AR_DB);
	s->seg[SEG_LDTR].ar = SEG_AR_UNUSABLE;
	s->seg[SEG_TR].ar = SEG_AR_P | 0xb;
	s->seg[SEG_FS].base = field(m, v, VMCS_HOST_FS_BASE);
	s->seg[SEG_GS].base = field(m, v, VMCS_HOST_GS_BASE);
	s->seg[SEG_TR].base = field(m, v, VMCS_HOST_TR_BASE);
	s->rip = field(m, v, VMCS_HOST_RIP);
	s->gpr[GPR_RSP] = field(m, v, VMCS_HOST_RSP);
	s->rflags = RFLAGS_FIXED1;
	s->cr0 = field(m, v, VMCS_HOST_CR0);
	s->cr3 = field(m, v, VMCS_HOST_CR3);
	s->cr4 = field(m, v, VMCS_HOST_CR4);
	s->gdtr.base = field(m, v, VMCS_HOST_GDTR_BASE);
	s->gdtr.limit = 0xffff;
	s->idtr.base = field(m, v, VMCS_HOST_IDTR_BASE);
	s->idtr.limit = 0xffff;
	if (exit & EXIT_CTL_LOAD_EFER)
		s->efer = field(m, v, VMCS_HOST_IA32_EFER);
	else if (lm)
		s->efer |= EFER_LMA | EFER_LME;
	else
		s->efer &= ~(EFER_LMA | EFER_LME);
	s->pdpte_valid = false;
}

static bool want_l2(struct machine_vcpu *v, enum gdb_view view)
{
	if (view == GDB_VIEW_AUTO)
		return v->vmx && vmx_in_nonroot(v->vmx);
	return view == GDB_VIEW_L2;
}

bool gdb_view_state(struct machine *m, struct machine_vcpu *v,
		    enum gdb_view view, struct cpu_state *out, bool *live)
{
	bool l2 = want_l2(v, view);
	bool running_l2 = v->vmx && vmx_in_nonroot(v->vmx);

	m->ops->get_state(v->eng, out);
	*live = l2 == running_l2;
	if (*live)
		return true;
	if (!v->vmx || vmx_current_vmcs(v->vmx) == VMCS_PTR_NONE)
		return false;        /* no L2 to show: never entered one */
	if (l2)
		l2_from_vmcs(m, v->vmx, out);
	else
		l1_from_vmcs(m, v->vmx, out);
	return true;
}

struct l2_reader {
	struct machine *m;
	struct vmx_vcpu *v;
};

/* L2's paging structures are at L2 guest-physical addresses: through
 * L1's EPT first. */
static bool read_l2_table(void *opaque, uint64_t gpa, void *buf, unsigned len)
{
	struct l2_reader *r = opaque;
	uint64_t hpa;

	return vmx_peek_l2_gpa(r->v, &r->m->mem, gpa, &hpa) &&
	       gmem_read(&r->m->mem, hpa, buf, len);
}

static bool read_table(void *opaque, uint64_t gpa, void *buf, unsigned len)
{
	return gmem_read(opaque, gpa, buf, len);
}

bool gdb_view_translate(struct machine *m, struct machine_vcpu *v,
			enum gdb_view view, const struct cpu_state *s,
			uint64_t lin, uint64_t *gpa)
{
	struct l2_reader r = { m, v->vmx };
	uint64_t l2gpa;

	if (!want_l2(v, view) || !v->vmx ||
	    vmx_current_vmcs(v->vmx) == VMCS_PTR_NONE)
		return page_walk(s, lin, read_table, &m->mem, gpa);
	return page_walk(s, lin, read_l2_table, &r, &l2gpa) &&
	       vmx_peek_l2_gpa(v->vmx, &m->mem, l2gpa, gpa);
}

bool gdb_view_is_l2(struct machine_vcpu *v, enum gdb_view view)
{
	return want_l2(v, view);
}
