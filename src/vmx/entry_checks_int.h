/* SPDX-License-Identifier: MIT */
/*
 * What the VM-entry check files share (private to src/vmx): the guest
 * state and control accessors the predicates read through, and the
 * predicates the table in entry_checks.c names - the control and host
 * ones in entry_checks_ctl.c (SDM 27.2), the guest ones in
 * entry_checks_guest.c (SDM 27.3.1).
 */
#ifndef VMXBOX_VMX_ENTRY_CHECKS_INT_H
#define VMXBOX_VMX_ENTRY_CHECKS_INT_H

#include "vmx/entry_checks.h"
#include "vmx/nonroot.h"

#define R(field) vmcs_read(e->v, VMCS_##field)

static inline uint16_t gsel(const struct entry_env *e, unsigned s)
{
	return (uint16_t)vmcs_get(e->v, vmx_guest_sel_idx[s]);
}
static inline uint64_t gbase(const struct entry_env *e, unsigned s)
{
	return vmcs_get(e->v, vmx_guest_base_idx[s]);
}
static inline uint32_t glimit(const struct entry_env *e, unsigned s)
{
	return (uint32_t)vmcs_get(e->v, vmx_guest_limit_idx[s]);
}
static inline uint32_t gar(const struct entry_env *e, unsigned s)
{
	return (uint32_t)vmcs_get(e->v, vmx_guest_ar_idx[s]);
}
static inline bool usable(const struct entry_env *e, unsigned s)
{
	return !(gar(e, s) & SEG_AR_UNUSABLE);
}
static inline unsigned ar_type(uint32_t ar)
{
	return ar & SEG_AR_TYPE_MASK;
}
static inline unsigned ar_dpl(uint32_t ar)
{
	return (ar & SEG_AR_DPL_MASK) >> SEG_AR_DPL_SHIFT;
}


/* A 4K-aligned physical address within MAXPHYADDR. */
static inline bool page_addr_ok(const struct entry_env *e, uint64_t a)
{
	return !(a & 0xfff) && vmx_pa_ok(e->caps, a);
}

/* An MSR area: 16-byte aligned, last byte within MAXPHYADDR (27.2.1.2). */
static inline bool msr_area_ok(const struct entry_env *e, uint64_t addr,
			uint32_t count)
{
	if (!count)
		return true;
	if (addr & 0xf)
		return false;
	return vmx_pa_ok(e->caps, addr) &&
	       vmx_pa_ok(e->caps, addr + (uint64_t)count * 16 - 1);
}

static inline bool ia32e_guest(const struct entry_env *e)
{
	return e->entry & ENTRY_CTL_IA32E_MODE_GUEST;
}
static inline bool host_64(const struct entry_env *e)
{
	return e->exit & EXIT_CTL_HOST_ADDR_SPACE_SIZE;
}
static inline bool unrestricted(const struct entry_env *e)
{
	return e->proc2 & CPU2_UNRESTRICTED_GUEST;
}
static inline uint32_t inj_info(const struct entry_env *e)
{
	return (uint32_t)R(VM_ENTRY_INTR_INFO_FIELD);
}
static inline bool inj_valid(const struct entry_env *e)
{
	return inj_info(e) & INTR_INFO_VALID;
}
static inline unsigned inj_type(const struct entry_env *e)
{
	return (inj_info(e) & INTR_INFO_TYPE_MASK) >> INTR_INFO_TYPE_SHIFT;
}
static inline unsigned inj_vector(const struct entry_env *e)
{
	return inj_info(e) & INTR_INFO_VECTOR_MASK;
}
static inline bool v86_guest(const struct entry_env *e)
{
	return R(GUEST_RFLAGS) & RFLAGS_VM;
}

/* Guest RFLAGS reserved bits 63:22, 15, 5 and 3 (SDM 27.3.1.4). */
#define RFLAGS_RSVD (~0x3fffffull | (1ull << 15) | (1ull << 5) | (1ull << 3))

/* IA32_PERF_GLOBAL_CTRL bits that may be set (host and guest checks). */
#define PERF_GLOBAL_VALID 0x0000000700000003ull

/* SDM 27.2: VM-execution, VM-exit and VM-entry control fields, host state. */
bool c_pin(const struct entry_env *e);
bool c_proc(const struct entry_env *e);
bool c_proc2(const struct entry_env *e);
bool c_proc3(const struct entry_env *e);
bool c_cr3_count(const struct entry_env *e);
bool c_io_bitmaps(const struct entry_env *e);
bool c_msr_bitmap(const struct entry_env *e);
bool c_vapic_addr(const struct entry_env *e);
bool c_tpr_threshold(const struct entry_env *e);
bool c_tpr_vtpr(const struct entry_env *e);
bool c_no_tpr_shadow(const struct entry_env *e);
bool c_vnmi(const struct entry_env *e);
bool c_nmi_window(const struct entry_env *e);
bool c_apic_access(const struct entry_env *e);
bool c_x2apic(const struct entry_env *e);
bool c_vid(const struct entry_env *e);
bool c_posted(const struct entry_env *e);
bool c_ipiv(const struct entry_env *e);
bool c_vpid(const struct entry_env *e);
bool c_eptp(const struct entry_env *e);
bool c_pml(const struct entry_env *e);
bool c_unrestricted(const struct entry_env *e);
bool c_vmfunc(const struct entry_env *e);
bool c_vmcs_shadow(const struct entry_env *e);
bool c_ve(const struct entry_env *e);
bool c_exit(const struct entry_env *e);
bool c_save_timer(const struct entry_env *e);
bool c_exit_msr_store(const struct entry_env *e);
bool c_exit_msr_load(const struct entry_env *e);
bool c_entry(const struct entry_env *e);
bool c_inj_type(const struct entry_env *e);
bool c_inj_vector(const struct entry_env *e);
bool c_inj_errcode(const struct entry_env *e);
bool c_inj_reserved(const struct entry_env *e);
bool c_inj_errcode_bits(const struct entry_env *e);
bool c_inj_len(const struct entry_env *e);
bool c_entry_msr_load(const struct entry_env *e);
bool c_entry_smm(const struct entry_env *e);
bool h_cr0(const struct entry_env *e);
bool h_cr4(const struct entry_env *e);
bool h_cr3(const struct entry_env *e);
bool h_sysenter(const struct entry_env *e);
bool h_perf(const struct entry_env *e);
bool h_pat(const struct entry_env *e);
bool h_efer(const struct entry_env *e);
bool h_sel_rpl_ti(const struct entry_env *e);
bool h_cs_sel(const struct entry_env *e);
bool h_tr_sel(const struct entry_env *e);
bool h_ss_sel(const struct entry_env *e);
bool h_bases(const struct entry_env *e);
bool h_outside_ia32e(const struct entry_env *e);
bool h_inside_ia32e(const struct entry_env *e);
bool h_legacy_host(const struct entry_env *e);
bool h_64_host(const struct entry_env *e);

/* SDM 27.3.1: guest state. */
bool g_cr0(const struct entry_env *e);
bool g_cr4(const struct entry_env *e);
bool g_debugctl(const struct entry_env *e);
bool g_ia32e_paging(const struct entry_env *e);
bool g_pcide(const struct entry_env *e);
bool g_cr3(const struct entry_env *e);
bool g_dr7(const struct entry_env *e);
bool g_sysenter(const struct entry_env *e);
bool g_perf(const struct entry_env *e);
bool g_pat(const struct entry_env *e);
bool g_efer(const struct entry_env *e);
bool g_tr_ti(const struct entry_env *e);
bool g_ldtr_ti(const struct entry_env *e);
bool g_ss_rpl(const struct entry_env *e);
bool g_v86_segs(const struct entry_env *e);
bool g_bases(const struct entry_env *e);
bool g_cs_ar(const struct entry_env *e);
bool g_ss_ar(const struct entry_env *e);
bool g_data_ar(const struct entry_env *e);
bool g_tr_ar(const struct entry_env *e);
bool g_ldtr_ar(const struct entry_env *e);
bool g_dt_bases(const struct entry_env *e);
bool g_dt_limits(const struct entry_env *e);
bool g_rip(const struct entry_env *e);
bool g_rflags_rsvd(const struct entry_env *e);
bool g_rflags_vm(const struct entry_env *e);
bool g_rflags_if(const struct entry_env *e);
bool g_activity(const struct entry_env *e);
bool g_activity_hlt_dpl(const struct entry_env *e);
bool g_activity_blocking(const struct entry_env *e);
bool g_activity_inject(const struct entry_env *e);
bool g_intr_rsvd(const struct entry_env *e);
bool g_intr_sti_movss(const struct entry_env *e);
bool g_intr_sti_if(const struct entry_env *e);
bool g_intr_extint(const struct entry_env *e);
bool g_intr_nmi_movss(const struct entry_env *e);
bool g_intr_nmi_sti(const struct entry_env *e);
bool g_intr_smi(const struct entry_env *e);
bool g_intr_vnmi(const struct entry_env *e);
bool g_pending_dbg_rsvd(const struct entry_env *e);
bool g_pending_dbg_bs(const struct entry_env *e);
bool g_link_ptr(const struct entry_env *e);
bool g_link_not_current(const struct entry_env *e);
bool g_pdptes(const struct entry_env *e);

#endif
