// SPDX-License-Identifier: MIT
/*
 * The PAE PDPTE registers (struct cpu_state pdpte[], SDM 4.4.1) across VM
 * entry and VM exit: checked and loaded at VM entry from the VMCS (enable
 * EPT = 1) or from guest CR3 (SDM 27.3.1.6, 27.3.2.4), saved into the VMCS
 * at VM exit with EPT (SDM 28.3.4), reloaded from host CR3 when the host
 * uses PAE paging (SDM 28.5.4).
 */
#include "vmx/nonroot.h"

static const uint32_t pdpte_field[4] = {
	VMCS_GUEST_PDPTE0, VMCS_GUEST_PDPTE1, VMCS_GUEST_PDPTE2,
	VMCS_GUEST_PDPTE3,
};

/* PAE PDPTE reserved bits: 2:1, 8:5 and 63:MAXPHYADDR, when P=1
 * (SDM 4.4.1, Table 4-8). */
bool vmx_pdpte_ok(const struct vmx_caps *c, uint64_t pdpte)
{
	if (!(pdpte & 1))
		return true;
	return !(pdpte & 0x1e6ull) && vmx_pa_ok(c, pdpte);
}

bool vmx_pae_paging(uint64_t cr0, uint64_t cr4, uint64_t efer)
{
	return (cr0 & CR0_PG) && (cr4 & CR4_PAE) && !(efer & EFER_LMA);
}

/* The four PDPTEs at CR3[31:5] in (host-)physical memory; a PDPT outside
 * RAM reads as all ones (and so has reserved bits set). */
bool vmx_read_pdptes(const struct vmx_caps *c, const struct guest_mem *mem,
		     uint64_t cr3, uint64_t out[4])
{
	bool ok = true;

	for (unsigned i = 0; i < 4; i++) {
		if (!gmem_read_u64(mem, (cr3 & 0xffffffe0ull) + 8 * i, &out[i]))
			out[i] = UINT64_MAX;
		ok = ok && vmx_pdpte_ok(c, out[i]);
	}
	return ok;
}

void vmx_entry_load_pdptes(struct vmx_vcpu *v, const struct guest_mem *mem,
			   struct cpu_state *s)
{
	if (!vmx_pae_paging(s->cr0, s->cr4, s->efer))
		return;
	/* The entry check (27.3.1.6) has passed on the same values. */
	if (vmx_proc2(v) & CPU2_ENABLE_EPT) {
		for (unsigned i = 0; i < 4; i++)
			s->pdpte[i] = vmcs_read(v, pdpte_field[i]);
	} else {
		vmx_read_pdptes(&v->caps, mem, s->cr3, s->pdpte);
	}
	s->pdpte_valid = true;
}

void vmx_exit_save_pdptes(struct vmx_vcpu *v, const struct cpu_state *s)
{
	/* Saved only when EPT is on and the guest used PAE paging; otherwise
	 * the fields are undefined after the exit: we leave them alone.  The
	 * PDPTEs are never not-loaded in non-root operation (VM entry or a
	 * MOV to CR loaded them) except after restoring a version-1
	 * snapshot taken there: the fields then keep their value. */
	if (!(vmx_proc2(v) & CPU2_ENABLE_EPT) || !s->pdpte_valid ||
	    !vmx_pae_paging(s->cr0, s->cr4, s->efer))
		return;
	for (unsigned i = 0; i < 4; i++)
		vmcs_write(v, pdpte_field[i], s->pdpte[i]);
}

bool vmx_exit_load_host_pdptes(struct vmx_vcpu *v, const struct guest_mem *mem,
			       struct cpu_state *s)
{
	uint64_t pdpte[4];

	if (!vmx_pae_paging(s->cr0, s->cr4, s->efer))
		return true;
	if (!vmx_read_pdptes(&v->caps, mem, s->cr3, pdpte))
		return false;
	for (unsigned i = 0; i < 4; i++)
		s->pdpte[i] = pdpte[i];
	s->pdpte_valid = true;
	return true;
}
