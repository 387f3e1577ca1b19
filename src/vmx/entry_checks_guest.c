// SPDX-License-Identifier: MIT
/*
 * VM-entry checks on the guest-state area (SDM 27.3.1): the predicates of
 * entry_checks.c's table for rows of kind ECK_GUEST.
 */
#include "vmx/entry_checks_int.h"

/* ===================== 27.3.1.1 guest control/debug registers, MSRs ==== */

bool g_cr0(const struct entry_env *e)
{
	struct vmx_caps c = *e->caps;
	uint64_t cr0 = R(GUEST_CR0);

	if (unrestricted(e))
		c.cr0_fixed0 &= ~(CR0_PE | CR0_PG);
	return vmx_cr0_ok(&c, cr0) && (!(cr0 & CR0_PG) || (cr0 & CR0_PE));
}
bool g_cr4(const struct entry_env *e)
{
	return vmx_cr4_ok(e->caps, R(GUEST_CR4));
}
/* IA32_DEBUGCTL bits we accept: LBR, BTF, TR, BTS, BTINT, BTS_OFF_OS,
 * BTS_OFF_USR, FREEZE_LBRS_ON_PMI, FREEZE_PERFMON_ON_PMI, ENABLE_UNCORE_PMI
 * and FREEZE_WHILE_SMM (bits 0, 1, 6-14); bits 5:2 and 63:15 reserved. */
#define DEBUGCTL_VALID 0x7fc3ull
bool g_debugctl(const struct entry_env *e)
{
	return !(e->entry & ENTRY_CTL_LOAD_DEBUG_CONTROLS) ||
	       !(R(GUEST_IA32_DEBUGCTL) & ~DEBUGCTL_VALID);
}
bool g_ia32e_paging(const struct entry_env *e)
{
	return !ia32e_guest(e) ||
	       ((R(GUEST_CR0) & CR0_PG) && (R(GUEST_CR4) & CR4_PAE));
}
bool g_pcide(const struct entry_env *e)
{
	return ia32e_guest(e) || !(R(GUEST_CR4) & CR4_PCIDE);
}
bool g_cr3(const struct entry_env *e)
{
	return vmx_pa_ok(e->caps, R(GUEST_CR3));
}
bool g_dr7(const struct entry_env *e)
{
	return !(e->entry & ENTRY_CTL_LOAD_DEBUG_CONTROLS) ||
	       !(R(GUEST_DR7) >> 32);
}
bool g_sysenter(const struct entry_env *e)
{
	return x86_canonical(R(GUEST_SYSENTER_ESP)) &&
	       x86_canonical(R(GUEST_SYSENTER_EIP));
}
bool g_perf(const struct entry_env *e)
{
	return !(e->entry & ENTRY_CTL_LOAD_PERF_GLOBAL) ||
	       !(R(GUEST_IA32_PERF_GLOBAL_CTRL) & ~PERF_GLOBAL_VALID);
}
bool g_pat(const struct entry_env *e)
{
	return !(e->entry & ENTRY_CTL_LOAD_PAT) ||
	       x86_pat_valid(R(GUEST_IA32_PAT));
}
bool g_efer(const struct entry_env *e)
{
	uint64_t efer = R(GUEST_IA32_EFER);
	bool lm = ia32e_guest(e);

	if (!(e->entry & ENTRY_CTL_LOAD_EFER))
		return true;
	if (efer & ~cpu_model_efer_valid_bits(&e->v->model))
		return false;
	if (!!(efer & EFER_LMA) != lm)
		return false;
	return !(R(GUEST_CR0) & CR0_PG) || !!(efer & EFER_LME) == lm;
}

/* ===================== 27.3.1.2 guest segment registers =============== */

bool g_tr_ti(const struct entry_env *e)
{
	return !(gsel(e, SEG_TR) & 4);
}
bool g_ldtr_ti(const struct entry_env *e)
{
	return !usable(e, SEG_LDTR) || !(gsel(e, SEG_LDTR) & 4);
}
bool g_ss_rpl(const struct entry_env *e)
{
	return v86_guest(e) || unrestricted(e) ||
	       (gsel(e, SEG_SS) & 3) == (gsel(e, SEG_CS) & 3);
}
bool g_v86_segs(const struct entry_env *e)
{
	if (!v86_guest(e))
		return true;
	for (unsigned s = SEG_ES; s <= SEG_GS; s++)
		if (gbase(e, s) != (uint64_t)gsel(e, s) << 4 ||
		    glimit(e, s) != 0xffff || gar(e, s) != 0xf3)
			return false;
	return true;
}
bool g_bases(const struct entry_env *e)
{
	if (!x86_canonical(gbase(e, SEG_TR)) ||
	    !x86_canonical(gbase(e, SEG_FS)) ||
	    !x86_canonical(gbase(e, SEG_GS)))
		return false;
	if (usable(e, SEG_LDTR) && !x86_canonical(gbase(e, SEG_LDTR)))
		return false;
	if (gbase(e, SEG_CS) >> 32)
		return false;
	for (unsigned s = SEG_ES; s <= SEG_DS; s++)
		if (s != SEG_CS && usable(e, s) && (gbase(e, s) >> 32))
			return false;
	return true;
}
/* G flag consistent with the limit (SDM 27.3.1.2). */
static bool limit_g_ok(uint32_t limit, uint32_t ar)
{
	if ((limit & 0xfff) != 0xfff && (ar & SEG_AR_G))
		return false;
	if ((limit & 0xfff00000u) && !(ar & SEG_AR_G))
		return false;
	return true;
}
#define AR_RSVD (0xf00u | 0xfffe0000u)   /* bits 11:8 and 31:17 */
bool g_cs_ar(const struct entry_env *e)
{
	uint32_t ar = gar(e, SEG_CS), ss = gar(e, SEG_SS);
	unsigned t = ar_type(ar);

	if (v86_guest(e))
		return true;
	if (!(t == 9 || t == 11 || t == 13 || t == 15 ||
	      (t == 3 && unrestricted(e))))
		return false;
	if (!(ar & SEG_AR_S) || !(ar & SEG_AR_P) || (ar & AR_RSVD) ||
	    (ar & SEG_AR_UNUSABLE))
		return false;
	if (t == 3 && ar_dpl(ar) != 0)
		return false;
	if ((t == 9 || t == 11) && ar_dpl(ar) != ar_dpl(ss))
		return false;
	if ((t == 13 || t == 15) && ar_dpl(ar) > ar_dpl(ss))
		return false;
	if (ia32e_guest(e) && (ar & SEG_AR_L) && (ar & SEG_AR_DB))
		return false;
	return limit_g_ok(glimit(e, SEG_CS), ar);
}
bool g_ss_ar(const struct entry_env *e)
{
	uint32_t ar = gar(e, SEG_SS);
	unsigned t = ar_type(ar);

	if (v86_guest(e))
		return true;
	if (!unrestricted(e) && ar_dpl(ar) != (gsel(e, SEG_SS) & 3u))
		return false;
	if ((ar_type(gar(e, SEG_CS)) == 3 || !(R(GUEST_CR0) & CR0_PE)) &&
	    ar_dpl(ar) != 0)
		return false;
	if (!usable(e, SEG_SS))
		return true;
	if (t != 3 && t != 7)
		return false;
	if (!(ar & SEG_AR_S) || !(ar & SEG_AR_P) || (ar & AR_RSVD))
		return false;
	return limit_g_ok(glimit(e, SEG_SS), ar);
}
bool g_data_ar(const struct entry_env *e)
{
	static const unsigned segs[] = { SEG_DS, SEG_ES, SEG_FS, SEG_GS };

	if (v86_guest(e))
		return true;
	for (size_t i = 0; i < 4; i++) {
		unsigned s = segs[i];
		uint32_t ar = gar(e, s);
		unsigned t = ar_type(ar);

		if (!usable(e, s))
			continue;
		if (!(t & 1) || ((t & 8) && !(t & 2)))
			return false;
		if (!(ar & SEG_AR_S) || !(ar & SEG_AR_P) || (ar & AR_RSVD))
			return false;
		if (!unrestricted(e) && t <= 11 &&
		    ar_dpl(ar) < (gsel(e, s) & 3u))
			return false;
		if (!limit_g_ok(glimit(e, s), ar))
			return false;
	}
	return true;
}
bool g_tr_ar(const struct entry_env *e)
{
	uint32_t ar = gar(e, SEG_TR);
	unsigned t = ar_type(ar);

	if (!(t == 11 || (t == 3 && !ia32e_guest(e))))
		return false;
	if ((ar & SEG_AR_S) || !(ar & SEG_AR_P) || (ar & AR_RSVD) ||
	    (ar & SEG_AR_UNUSABLE))
		return false;
	return limit_g_ok(glimit(e, SEG_TR), ar);
}
bool g_ldtr_ar(const struct entry_env *e)
{
	uint32_t ar = gar(e, SEG_LDTR);

	if (!usable(e, SEG_LDTR))
		return true;
	if (ar_type(ar) != 2 || (ar & SEG_AR_S) || !(ar & SEG_AR_P) ||
	    (ar & AR_RSVD))
		return false;
	return limit_g_ok(glimit(e, SEG_LDTR), ar);
}

/* ===================== 27.3.1.3 GDTR / IDTR ============================ */

bool g_dt_bases(const struct entry_env *e)
{
	return x86_canonical(R(GUEST_GDTR_BASE)) &&
	       x86_canonical(R(GUEST_IDTR_BASE));
}
bool g_dt_limits(const struct entry_env *e)
{
	return !(R(GUEST_GDTR_LIMIT) >> 16) && !(R(GUEST_IDTR_LIMIT) >> 16);
}

/* ===================== 27.3.1.4 RIP and RFLAGS ======================== */

bool g_rip(const struct entry_env *e)
{
	uint64_t rip = R(GUEST_RIP);

	if (ia32e_guest(e) && (gar(e, SEG_CS) & SEG_AR_L))
		return x86_canonical(rip);
	return !(rip >> 32);
}
bool g_rflags_rsvd(const struct entry_env *e)
{
	uint64_t f = R(GUEST_RFLAGS);

	return !(f & RFLAGS_RSVD) && (f & RFLAGS_FIXED1);
}
bool g_rflags_vm(const struct entry_env *e)
{
	return !(ia32e_guest(e) || !(R(GUEST_CR0) & CR0_PE)) || !v86_guest(e);
}
bool g_rflags_if(const struct entry_env *e)
{
	return !inj_valid(e) || inj_type(e) != EVT_EXT_INTR ||
	       (R(GUEST_RFLAGS) & RFLAGS_IF);
}

/* ===================== 27.3.1.5 non-register state ==================== */

bool g_activity(const struct entry_env *e)
{
	uint64_t a = R(GUEST_ACTIVITY_STATE);
	uint64_t misc = e->caps->msr[MSR_IA32_VMX_MISC - MSR_IA32_VMX_FIRST];

	/* MISC bits 6, 7, 8 advertise HLT, shutdown, wait-for-SIPI. */
	return a == ACTIVITY_ACTIVE || (a <= 3 && (misc & (1ull << (5 + a))));
}
bool g_activity_hlt_dpl(const struct entry_env *e)
{
	return R(GUEST_ACTIVITY_STATE) != ACTIVITY_HLT ||
	       ar_dpl(gar(e, SEG_SS)) == 0;
}
bool g_activity_blocking(const struct entry_env *e)
{
	return R(GUEST_ACTIVITY_STATE) == ACTIVITY_ACTIVE ||
	       !(R(GUEST_INTERRUPTIBILITY_INFO) &
		 (INTR_BLOCK_STI | INTR_BLOCK_MOV_SS));
}
bool g_activity_inject(const struct entry_env *e)
{
	uint64_t a = R(GUEST_ACTIVITY_STATE);
	unsigned t = inj_type(e), vec = inj_vector(e);

	if (!inj_valid(e) || a == ACTIVITY_ACTIVE)
		return true;
	switch (a) {
	case ACTIVITY_HLT:
		return t == EVT_EXT_INTR || t == EVT_NMI || t == EVT_OTHER ||
		       (t == EVT_HW_EXCEPTION && (vec == 1 || vec == 18));
	case ACTIVITY_SHUTDOWN:
		return t == EVT_NMI || (t == EVT_HW_EXCEPTION && vec == 18);
	default:
		return false;
	}
}
static uint32_t intr_state(const struct entry_env *e)
{
	return (uint32_t)R(GUEST_INTERRUPTIBILITY_INFO);
}
bool g_intr_rsvd(const struct entry_env *e)
{
	return !(intr_state(e) & ~0xfu);
}
bool g_intr_sti_movss(const struct entry_env *e)
{
	return (intr_state(e) & (INTR_BLOCK_STI | INTR_BLOCK_MOV_SS)) !=
	       (INTR_BLOCK_STI | INTR_BLOCK_MOV_SS);
}
bool g_intr_sti_if(const struct entry_env *e)
{
	return (R(GUEST_RFLAGS) & RFLAGS_IF) ||
	       !(intr_state(e) & INTR_BLOCK_STI);
}
bool g_intr_extint(const struct entry_env *e)
{
	return !inj_valid(e) || inj_type(e) != EVT_EXT_INTR ||
	       !(intr_state(e) & (INTR_BLOCK_STI | INTR_BLOCK_MOV_SS));
}
bool g_intr_nmi_movss(const struct entry_env *e)
{
	return !inj_valid(e) || inj_type(e) != EVT_NMI ||
	       !(intr_state(e) & INTR_BLOCK_MOV_SS);
}
bool g_intr_nmi_sti(const struct entry_env *e)
{
	return !inj_valid(e) || inj_type(e) != EVT_NMI ||
	       !(intr_state(e) & INTR_BLOCK_STI);
}
bool g_intr_smi(const struct entry_env *e)
{
	return !(intr_state(e) & INTR_BLOCK_SMI);
}
bool g_intr_vnmi(const struct entry_env *e)
{
	return !(e->pin & PIN_VIRTUAL_NMIS) || !inj_valid(e) ||
	       inj_type(e) != EVT_NMI || !(intr_state(e) & INTR_BLOCK_NMI);
}
/* Pending debug exceptions: B3-B0, enabled breakpoint (12), BS (14). */
#define PENDING_DBG_VALID (PENDING_DBG_B0_3 | PENDING_DBG_ENABLED_BP | \
			   PENDING_DBG_BS)
bool g_pending_dbg_rsvd(const struct entry_env *e)
{
	return !(R(GUEST_PENDING_DBG_EXCEPTIONS) & ~PENDING_DBG_VALID);
}
bool g_pending_dbg_bs(const struct entry_env *e)
{
	bool tf = R(GUEST_RFLAGS) & RFLAGS_TF;
	bool btf = R(GUEST_IA32_DEBUGCTL) & 2;
	bool bs = R(GUEST_PENDING_DBG_EXCEPTIONS) & PENDING_DBG_BS;

	if (!(intr_state(e) & (INTR_BLOCK_STI | INTR_BLOCK_MOV_SS)) &&
	    R(GUEST_ACTIVITY_STATE) != ACTIVITY_HLT)
		return true;
	if (tf && !btf)
		return bs;
	return !bs;
}
bool g_link_ptr(const struct entry_env *e)
{
	uint64_t p = R(VMCS_LINK_POINTER);
	uint32_t rev;
	uint32_t want = VMX_REVISION_ID |
			((e->proc2 & CPU2_VMCS_SHADOWING) ? 1u << 31 : 0);

	if (p == UINT64_MAX)
		return true;
	if ((p & 0xfff) || !vmx_pa_ok(e->caps, p))
		return false;
	if (!gmem_read_u32(e->mem, p, &rev))
		return false;
	return rev == want;
}
/* Outside SMM the link pointer may not be the current-VMCS pointer. */
bool g_link_not_current(const struct entry_env *e)
{
	return R(VMCS_LINK_POINTER) != e->v->current_vmcs;
}

/* ===================== 27.3.1.6 PDPTEs ================================= */

/* PAE paging without IA-32e mode: the PDPTEs from the VMCS (enable EPT)
 * or from guest CR3 must have no reserved bit set (pdpte.c, SDM 4.4.1). */
bool g_pdptes(const struct entry_env *e)
{
	static const uint32_t field[4] = {
		VMCS_GUEST_PDPTE0, VMCS_GUEST_PDPTE1, VMCS_GUEST_PDPTE2,
		VMCS_GUEST_PDPTE3,
	};
	uint64_t pdpte[4];

	if (!(R(GUEST_CR0) & CR0_PG) || !(R(GUEST_CR4) & CR4_PAE) ||
	    ia32e_guest(e))
		return true;
	if (!(e->proc2 & CPU2_ENABLE_EPT))
		return vmx_read_pdptes(e->caps, e->mem, R(GUEST_CR3), pdpte);
	for (unsigned i = 0; i < 4; i++)
		if (!vmx_pdpte_ok(e->caps, vmcs_read(e->v, field[i])))
			return false;
	return true;
}
