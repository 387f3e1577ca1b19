// SPDX-License-Identifier: MIT
/*
 * VM-entry checks on the control fields and the host state (SDM 27.2.1,
 * 27.2.2-27.2.4): the predicates of entry_checks.c's table for rows of
 * kind ECK_CONTROL and ECK_HOST.
 */
#include "vmx/entry_checks_int.h"

/* ===================== 27.2.1.1 VM-execution control fields ============ */

bool c_pin(const struct entry_env *e)
{
	return vmx_ctl_ok(&e->caps->pin, e->pin);
}
bool c_proc(const struct entry_env *e)
{
	return vmx_ctl_ok(&e->caps->proc, e->proc);
}
bool c_proc2(const struct entry_env *e)
{
	return vmx_ctl_ok(&e->caps->proc2, e->proc2);
}
/* All 64 bits: IA32_VMX_PROCBASED_CTLS3 allows none of 63:32 here. */
bool c_proc3(const struct entry_env *e)
{
	return !(e->proc3 & ~(uint64_t)e->caps->proc3.may1);
}
bool c_cr3_count(const struct entry_env *e)
{
	uint64_t misc = e->caps->msr[MSR_IA32_VMX_MISC - MSR_IA32_VMX_FIRST];

	return R(CR3_TARGET_COUNT) <= ((misc >> 16) & 0x1ff);
}
bool c_io_bitmaps(const struct entry_env *e)
{
	return !(e->proc & CPU_USE_IO_BITMAPS) ||
	       (page_addr_ok(e, R(IO_BITMAP_A)) &&
		page_addr_ok(e, R(IO_BITMAP_B)));
}
bool c_msr_bitmap(const struct entry_env *e)
{
	return !(e->proc & CPU_USE_MSR_BITMAPS) ||
	       page_addr_ok(e, R(MSR_BITMAP));
}
bool c_vapic_addr(const struct entry_env *e)
{
	return !(e->proc & CPU_USE_TPR_SHADOW) ||
	       page_addr_ok(e, R(VIRTUAL_APIC_PAGE_ADDR));
}
bool c_tpr_threshold(const struct entry_env *e)
{
	return !(e->proc & CPU_USE_TPR_SHADOW) ||
	       (e->proc2 & CPU2_VIRT_INTR_DELIVERY) ||
	       !(R(TPR_THRESHOLD) & ~0xfull);
}
/* With "use TPR shadow" = 1 and both "virtualize APIC accesses" and
 * "virtual-interrupt delivery" = 0: TPR threshold[3:0] must not be
 * greater than VTPR[7:4] (byte 80H of the virtual-APIC page, SDM 30.1.1). */
bool c_tpr_vtpr(const struct entry_env *e)
{
	if (!(e->proc & CPU_USE_TPR_SHADOW) ||
	    (e->proc2 & (CPU2_VIRT_APIC_ACCESSES | CPU2_VIRT_INTR_DELIVERY)))
		return true;
	return (R(TPR_THRESHOLD) & 0xf) <=
	       (uint64_t)(vmx_vtpr_read(e->v, e->mem) >> 4);
}
bool c_no_tpr_shadow(const struct entry_env *e)
{
	return (e->proc & CPU_USE_TPR_SHADOW) ||
	       (!(e->proc2 & (CPU2_VIRT_X2APIC_MODE | CPU2_APIC_REGISTER_VIRT |
			      CPU2_VIRT_INTR_DELIVERY)) &&
		!(e->proc3 & CPU3_IPI_VIRT));
}
bool c_vnmi(const struct entry_env *e)
{
	return (e->pin & PIN_NMI_EXITING) || !(e->pin & PIN_VIRTUAL_NMIS);
}
bool c_nmi_window(const struct entry_env *e)
{
	return (e->pin & PIN_VIRTUAL_NMIS) ||
	       !(e->proc & CPU_NMI_WINDOW_EXITING);
}
bool c_apic_access(const struct entry_env *e)
{
	return !(e->proc2 & CPU2_VIRT_APIC_ACCESSES) ||
	       page_addr_ok(e, R(APIC_ACCESS_ADDR));
}
bool c_x2apic(const struct entry_env *e)
{
	return !(e->proc2 & CPU2_VIRT_X2APIC_MODE) ||
	       !(e->proc2 & CPU2_VIRT_APIC_ACCESSES);
}
bool c_vid(const struct entry_env *e)
{
	return !(e->proc2 & CPU2_VIRT_INTR_DELIVERY) ||
	       (e->pin & PIN_EXT_INTR_EXITING);
}
bool c_posted(const struct entry_env *e)
{
	uint64_t desc;

	if (!(e->pin & PIN_POSTED_INTR))
		return true;
	desc = R(POSTED_INTR_DESC_ADDR);
	return (e->proc2 & CPU2_VIRT_INTR_DELIVERY) &&
	       (e->exit & EXIT_CTL_ACK_INTR_ON_EXIT) &&
	       !(R(POSTED_INTR_NV) & 0xff00) && !(desc & 0x3f) &&
	       vmx_pa_ok(e->caps, desc);
}
bool c_ipiv(const struct entry_env *e)
{
	return !(e->proc3 & CPU3_IPI_VIRT) ||
	       page_addr_ok(e, R(PID_POINTER_TABLE));
}
bool c_vpid(const struct entry_env *e)
{
	return !(e->proc2 & CPU2_ENABLE_VPID) || R(VIRTUAL_PROCESSOR_ID) != 0;
}
bool c_eptp(const struct entry_env *e)
{
	return !(e->proc2 & CPU2_ENABLE_EPT) ||
	       vmx_eptp_valid(e->caps, R(EPT_POINTER));
}
bool c_pml(const struct entry_env *e)
{
	return !(e->proc2 & CPU2_ENABLE_PML) ||
	       ((e->proc2 & CPU2_ENABLE_EPT) && page_addr_ok(e, R(PML_ADDRESS)));
}
bool c_unrestricted(const struct entry_env *e)
{
	return !(e->proc2 & CPU2_UNRESTRICTED_GUEST) ||
	       (e->proc2 & CPU2_ENABLE_EPT);
}
bool c_vmfunc(const struct entry_env *e)
{
	uint64_t f;

	if (!(e->proc2 & CPU2_ENABLE_VMFUNC))
		return true;
	f = R(VM_FUNCTION_CONTROL);
	if (f & ~e->caps->vmfunc)
		return false;
	if (f & VMFUNC_EPTP_SWITCHING)
		return (e->proc2 & CPU2_ENABLE_EPT) &&
		       page_addr_ok(e, R(EPTP_LIST_ADDRESS));
	return true;
}
bool c_vmcs_shadow(const struct entry_env *e)
{
	return !(e->proc2 & CPU2_VMCS_SHADOWING) ||
	       (page_addr_ok(e, R(VMREAD_BITMAP)) &&
		page_addr_ok(e, R(VMWRITE_BITMAP)));
}
bool c_ve(const struct entry_env *e)
{
	return !(e->proc2 & CPU2_EPT_VIOLATION_VE) ||
	       page_addr_ok(e, R(VE_INFO_ADDRESS));
}

/* ===================== 27.2.1.2 VM-exit control fields ================= */

bool c_exit(const struct entry_env *e)
{
	return vmx_ctl_ok(&e->caps->exit, e->exit);
}
bool c_save_timer(const struct entry_env *e)
{
	return (e->pin & PIN_PREEMPTION_TIMER) ||
	       !(e->exit & EXIT_CTL_SAVE_PREEMPT_TIMER);
}
bool c_exit_msr_store(const struct entry_env *e)
{
	return msr_area_ok(e, R(VM_EXIT_MSR_STORE_ADDR),
			   (uint32_t)R(VM_EXIT_MSR_STORE_COUNT));
}
bool c_exit_msr_load(const struct entry_env *e)
{
	return msr_area_ok(e, R(VM_EXIT_MSR_LOAD_ADDR),
			   (uint32_t)R(VM_EXIT_MSR_LOAD_COUNT));
}

/* ===================== 27.2.1.3 VM-entry control fields ================ */

bool c_entry(const struct entry_env *e)
{
	return vmx_ctl_ok(&e->caps->entry, e->entry);
}
bool c_inj_type(const struct entry_env *e)
{
	unsigned t = inj_type(e);

	if (!inj_valid(e))
		return true;
	if (t == 1)
		return false;
	/* Type 7 (other event: pending MTF) needs MTF support. */
	return t != EVT_OTHER || (e->caps->proc.may1 & CPU_MONITOR_TRAP_FLAG);
}
bool c_inj_vector(const struct entry_env *e)
{
	if (!inj_valid(e))
		return true;
	switch (inj_type(e)) {
	case EVT_NMI:
		return inj_vector(e) == 2;
	case EVT_HW_EXCEPTION:
		return inj_vector(e) <= 31;
	case EVT_OTHER:
		return inj_vector(e) == 0;
	default:
		return true;
	}
}
/* Exceptions that push an error code in protected mode (SDM 6.3.1). */
static bool vector_has_error_code(unsigned v)
{
	return v == 8 || v == 10 || v == 11 || v == 12 || v == 13 || v == 14 ||
	       v == 17;
}
bool c_inj_errcode(const struct entry_env *e)
{
	bool want;

	if (!inj_valid(e))
		return true;
	want = (!unrestricted(e) || (R(GUEST_CR0) & CR0_PE)) &&
	       inj_type(e) == EVT_HW_EXCEPTION &&
	       vector_has_error_code(inj_vector(e));
	return want == !!(inj_info(e) & INTR_INFO_DELIVER_CODE);
}
bool c_inj_reserved(const struct entry_env *e)
{
	return !inj_valid(e) || !(inj_info(e) & INTR_INFO_RESERVED_MASK);
}
bool c_inj_errcode_bits(const struct entry_env *e)
{
	return !inj_valid(e) || !(inj_info(e) & INTR_INFO_DELIVER_CODE) ||
	       !(R(VM_ENTRY_EXCEPTION_ERROR_CODE) & 0xffff0000u);
}
bool c_inj_len(const struct entry_env *e)
{
	unsigned t = inj_type(e);
	uint64_t len = R(VM_ENTRY_INSTRUCTION_LEN);
	uint64_t misc = e->caps->msr[MSR_IA32_VMX_MISC - MSR_IA32_VMX_FIRST];

	if (!inj_valid(e) || (t != EVT_SW_INTR && t != EVT_PRIV_SW_EXCEPTION &&
			      t != EVT_SW_EXCEPTION))
		return true;
	if (len == 0)
		return misc & (1ull << 30);
	return len <= 15;
}
bool c_entry_msr_load(const struct entry_env *e)
{
	return msr_area_ok(e, R(VM_ENTRY_MSR_LOAD_ADDR),
			   (uint32_t)R(VM_ENTRY_MSR_LOAD_COUNT));
}
bool c_entry_smm(const struct entry_env *e)
{
	/* Never in SMM here (SDM 27.2.1.3). */
	return !(e->entry & (ENTRY_CTL_ENTRY_TO_SMM |
			     ENTRY_CTL_DEACT_DUAL_MONITOR));
}

/* ===================== 27.2.2 host control registers and MSRs ========= */

bool h_cr0(const struct entry_env *e)
{
	return vmx_cr0_ok(e->caps, R(HOST_CR0));
}
bool h_cr4(const struct entry_env *e)
{
	return vmx_cr4_ok(e->caps, R(HOST_CR4));
}
bool h_cr3(const struct entry_env *e)
{
	return vmx_pa_ok(e->caps, R(HOST_CR3));
}
bool h_sysenter(const struct entry_env *e)
{
	return x86_canonical(R(HOST_IA32_SYSENTER_ESP)) &&
	       x86_canonical(R(HOST_IA32_SYSENTER_EIP));
}
/* Valid IA32_PERF_GLOBAL_CTRL bits: 2 general and 3 fixed counters. */
bool h_perf(const struct entry_env *e)
{
	return !(e->exit & EXIT_CTL_LOAD_PERF_GLOBAL) ||
	       !(R(HOST_IA32_PERF_GLOBAL_CTRL) & ~PERF_GLOBAL_VALID);
}
bool h_pat(const struct entry_env *e)
{
	return !(e->exit & EXIT_CTL_LOAD_PAT) || x86_pat_valid(R(HOST_IA32_PAT));
}
bool h_efer(const struct entry_env *e)
{
	uint64_t efer = R(HOST_IA32_EFER);
	bool lm = host_64(e);

	if (!(e->exit & EXIT_CTL_LOAD_EFER))
		return true;
	if (efer & ~cpu_model_efer_valid_bits(&e->v->model))
		return false;
	return !!(efer & EFER_LMA) == lm && !!(efer & EFER_LME) == lm;
}

/* ===================== 27.2.3 host segment and descriptor-table regs === */

bool h_sel_rpl_ti(const struct entry_env *e)
{
	static const uint16_t idx[] = {
		VMCS_IDX_HOST_ES_SELECTOR, VMCS_IDX_HOST_CS_SELECTOR,
		VMCS_IDX_HOST_SS_SELECTOR, VMCS_IDX_HOST_DS_SELECTOR,
		VMCS_IDX_HOST_FS_SELECTOR, VMCS_IDX_HOST_GS_SELECTOR,
		VMCS_IDX_HOST_TR_SELECTOR,
	};

	for (size_t i = 0; i < sizeof(idx) / sizeof(idx[0]); i++)
		if (vmcs_get(e->v, idx[i]) & 7)
			return false;
	return true;
}
bool h_cs_sel(const struct entry_env *e)
{
	return R(HOST_CS_SELECTOR) != 0;
}
bool h_tr_sel(const struct entry_env *e)
{
	return R(HOST_TR_SELECTOR) != 0;
}
bool h_ss_sel(const struct entry_env *e)
{
	return host_64(e) || R(HOST_SS_SELECTOR) != 0;
}
bool h_bases(const struct entry_env *e)
{
	return x86_canonical(R(HOST_FS_BASE)) &&
	       x86_canonical(R(HOST_GS_BASE)) &&
	       x86_canonical(R(HOST_GDTR_BASE)) &&
	       x86_canonical(R(HOST_IDTR_BASE)) &&
	       x86_canonical(R(HOST_TR_BASE));
}

/* ===================== 27.2.4 address-space size ======================= */

bool h_outside_ia32e(const struct entry_env *e)
{
	return cpu_long_mode(e->cpu) || (!ia32e_guest(e) && !host_64(e));
}
bool h_inside_ia32e(const struct entry_env *e)
{
	return !cpu_long_mode(e->cpu) || host_64(e);
}
bool h_legacy_host(const struct entry_env *e)
{
	return host_64(e) ||
	       (!ia32e_guest(e) && !(R(HOST_CR4) & CR4_PCIDE) &&
		!(R(HOST_RIP) >> 32));
}
bool h_64_host(const struct entry_env *e)
{
	return !host_64(e) ||
	       ((R(HOST_CR4) & CR4_PAE) && x86_canonical(R(HOST_RIP)));
}
