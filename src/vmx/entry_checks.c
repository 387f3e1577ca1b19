// SPDX-License-Identifier: MIT
/*
 * VM-entry checks, SDM 27.2 and 27.3.1, one table row per rule.  The
 * predicates only read: the current VMCS, the capability description, RAM
 * (bounds-checked) and the L1 state.  Rows are in SDM order because the
 * first failing row decides between VMfailValid(7), VMfailValid(8) and a
 * failed VM entry.
 */
#include "vmx/entry_checks.h"

#include <string.h>

#include "vmx/nonroot.h"

#define R(field) vmcs_read(e->v, VMCS_##field)

static uint16_t gsel(const struct entry_env *e, unsigned s)
{
	return (uint16_t)vmcs_get(e->v, vmx_guest_sel_idx[s]);
}
static uint64_t gbase(const struct entry_env *e, unsigned s)
{
	return vmcs_get(e->v, vmx_guest_base_idx[s]);
}
static uint32_t glimit(const struct entry_env *e, unsigned s)
{
	return (uint32_t)vmcs_get(e->v, vmx_guest_limit_idx[s]);
}
static uint32_t gar(const struct entry_env *e, unsigned s)
{
	return (uint32_t)vmcs_get(e->v, vmx_guest_ar_idx[s]);
}
static bool usable(const struct entry_env *e, unsigned s)
{
	return !(gar(e, s) & SEG_AR_UNUSABLE);
}
static unsigned ar_type(uint32_t ar)
{
	return ar & SEG_AR_TYPE_MASK;
}
static unsigned ar_dpl(uint32_t ar)
{
	return (ar & SEG_AR_DPL_MASK) >> SEG_AR_DPL_SHIFT;
}

void entry_env_init(struct entry_env *e, const struct vmx_vcpu *v,
		    const struct guest_mem *mem, const struct cpu_state *cpu)
{
	e->v = v;
	e->caps = &v->caps;
	e->mem = mem;
	e->cpu = cpu;
	e->pin = (uint32_t)vmcs_read(v, VMCS_PIN_BASED_VM_EXEC_CONTROL);
	e->proc = (uint32_t)vmcs_read(v, VMCS_CPU_BASED_VM_EXEC_CONTROL);
	e->proc2 = (e->proc & CPU_ACTIVATE_SECONDARY) ?
		   (uint32_t)vmcs_read(v, VMCS_SECONDARY_VM_EXEC_CONTROL) : 0;
	e->proc3 = (e->proc & CPU_ACTIVATE_TERTIARY) ?
		   vmcs_read(v, VMCS_TERTIARY_VM_EXEC_CONTROL) : 0;
	e->exit = (uint32_t)vmcs_read(v, VMCS_VM_EXIT_CONTROLS);
	e->entry = (uint32_t)vmcs_read(v, VMCS_VM_ENTRY_CONTROLS);
}

/* A 4K-aligned physical address within MAXPHYADDR. */
static bool page_addr_ok(const struct entry_env *e, uint64_t a)
{
	return !(a & 0xfff) && vmx_pa_ok(e->caps, a);
}

/* An MSR area: 16-byte aligned, last byte within MAXPHYADDR (27.2.1.2). */
static bool msr_area_ok(const struct entry_env *e, uint64_t addr,
			uint32_t count)
{
	if (!count)
		return true;
	if (addr & 0xf)
		return false;
	return vmx_pa_ok(e->caps, addr) &&
	       vmx_pa_ok(e->caps, addr + (uint64_t)count * 16 - 1);
}

static bool ia32e_guest(const struct entry_env *e)
{
	return e->entry & ENTRY_CTL_IA32E_MODE_GUEST;
}
static bool host_64(const struct entry_env *e)
{
	return e->exit & EXIT_CTL_HOST_ADDR_SPACE_SIZE;
}
static bool unrestricted(const struct entry_env *e)
{
	return e->proc2 & CPU2_UNRESTRICTED_GUEST;
}
static uint32_t inj_info(const struct entry_env *e)
{
	return (uint32_t)R(VM_ENTRY_INTR_INFO_FIELD);
}
static bool inj_valid(const struct entry_env *e)
{
	return inj_info(e) & INTR_INFO_VALID;
}
static unsigned inj_type(const struct entry_env *e)
{
	return (inj_info(e) & INTR_INFO_TYPE_MASK) >> INTR_INFO_TYPE_SHIFT;
}
static unsigned inj_vector(const struct entry_env *e)
{
	return inj_info(e) & INTR_INFO_VECTOR_MASK;
}
static bool v86_guest(const struct entry_env *e)
{
	return R(GUEST_RFLAGS) & RFLAGS_VM;
}

/* ===================== 27.2.1.1 VM-execution control fields ============ */

static bool c_pin(const struct entry_env *e)
{
	return vmx_ctl_ok(&e->caps->pin, e->pin);
}
static bool c_proc(const struct entry_env *e)
{
	return vmx_ctl_ok(&e->caps->proc, e->proc);
}
static bool c_proc2(const struct entry_env *e)
{
	return vmx_ctl_ok(&e->caps->proc2, e->proc2);
}
/* All 64 bits: IA32_VMX_PROCBASED_CTLS3 allows none of 63:32 here. */
static bool c_proc3(const struct entry_env *e)
{
	return !(e->proc3 & ~(uint64_t)e->caps->proc3.may1);
}
static bool c_cr3_count(const struct entry_env *e)
{
	uint64_t misc = e->caps->msr[MSR_IA32_VMX_MISC - MSR_IA32_VMX_FIRST];

	return R(CR3_TARGET_COUNT) <= ((misc >> 16) & 0x1ff);
}
static bool c_io_bitmaps(const struct entry_env *e)
{
	return !(e->proc & CPU_USE_IO_BITMAPS) ||
	       (page_addr_ok(e, R(IO_BITMAP_A)) &&
		page_addr_ok(e, R(IO_BITMAP_B)));
}
static bool c_msr_bitmap(const struct entry_env *e)
{
	return !(e->proc & CPU_USE_MSR_BITMAPS) ||
	       page_addr_ok(e, R(MSR_BITMAP));
}
static bool c_vapic_addr(const struct entry_env *e)
{
	return !(e->proc & CPU_USE_TPR_SHADOW) ||
	       page_addr_ok(e, R(VIRTUAL_APIC_PAGE_ADDR));
}
static bool c_tpr_threshold(const struct entry_env *e)
{
	return !(e->proc & CPU_USE_TPR_SHADOW) ||
	       (e->proc2 & CPU2_VIRT_INTR_DELIVERY) ||
	       !(R(TPR_THRESHOLD) & ~0xfull);
}
/* With "use TPR shadow" = 1 and both "virtualize APIC accesses" and
 * "virtual-interrupt delivery" = 0: TPR threshold[3:0] must not be
 * greater than VTPR[7:4] (byte 80H of the virtual-APIC page, SDM 30.1.1). */
static bool c_tpr_vtpr(const struct entry_env *e)
{
	if (!(e->proc & CPU_USE_TPR_SHADOW) ||
	    (e->proc2 & (CPU2_VIRT_APIC_ACCESSES | CPU2_VIRT_INTR_DELIVERY)))
		return true;
	return (R(TPR_THRESHOLD) & 0xf) <=
	       (uint64_t)(vmx_vtpr_read(e->v, e->mem) >> 4);
}
static bool c_no_tpr_shadow(const struct entry_env *e)
{
	return (e->proc & CPU_USE_TPR_SHADOW) ||
	       (!(e->proc2 & (CPU2_VIRT_X2APIC_MODE | CPU2_APIC_REGISTER_VIRT |
			      CPU2_VIRT_INTR_DELIVERY)) &&
		!(e->proc3 & CPU3_IPI_VIRT));
}
static bool c_vnmi(const struct entry_env *e)
{
	return (e->pin & PIN_NMI_EXITING) || !(e->pin & PIN_VIRTUAL_NMIS);
}
static bool c_nmi_window(const struct entry_env *e)
{
	return (e->pin & PIN_VIRTUAL_NMIS) ||
	       !(e->proc & CPU_NMI_WINDOW_EXITING);
}
static bool c_apic_access(const struct entry_env *e)
{
	return !(e->proc2 & CPU2_VIRT_APIC_ACCESSES) ||
	       page_addr_ok(e, R(APIC_ACCESS_ADDR));
}
static bool c_x2apic(const struct entry_env *e)
{
	return !(e->proc2 & CPU2_VIRT_X2APIC_MODE) ||
	       !(e->proc2 & CPU2_VIRT_APIC_ACCESSES);
}
static bool c_vid(const struct entry_env *e)
{
	return !(e->proc2 & CPU2_VIRT_INTR_DELIVERY) ||
	       (e->pin & PIN_EXT_INTR_EXITING);
}
static bool c_posted(const struct entry_env *e)
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
static bool c_ipiv(const struct entry_env *e)
{
	return !(e->proc3 & CPU3_IPI_VIRT) ||
	       page_addr_ok(e, R(PID_POINTER_TABLE));
}
static bool c_vpid(const struct entry_env *e)
{
	return !(e->proc2 & CPU2_ENABLE_VPID) || R(VIRTUAL_PROCESSOR_ID) != 0;
}
static bool c_eptp(const struct entry_env *e)
{
	return !(e->proc2 & CPU2_ENABLE_EPT) ||
	       vmx_eptp_valid(e->caps, R(EPT_POINTER));
}
static bool c_pml(const struct entry_env *e)
{
	return !(e->proc2 & CPU2_ENABLE_PML) ||
	       ((e->proc2 & CPU2_ENABLE_EPT) && page_addr_ok(e, R(PML_ADDRESS)));
}
static bool c_unrestricted(const struct entry_env *e)
{
	return !(e->proc2 & CPU2_UNRESTRICTED_GUEST) ||
	       (e->proc2 & CPU2_ENABLE_EPT);
}
static bool c_vmfunc(const struct entry_env *e)
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
static bool c_vmcs_shadow(const struct entry_env *e)
{
	return !(e->proc2 & CPU2_VMCS_SHADOWING) ||
	       (page_addr_ok(e, R(VMREAD_BITMAP)) &&
		page_addr_ok(e, R(VMWRITE_BITMAP)));
}
static bool c_ve(const struct entry_env *e)
{
	return !(e->proc2 & CPU2_EPT_VIOLATION_VE) ||
	       page_addr_ok(e, R(VE_INFO_ADDRESS));
}

/* ===================== 27.2.1.2 VM-exit control fields ================= */

static bool c_exit(const struct entry_env *e)
{
	return vmx_ctl_ok(&e->caps->exit, e->exit);
}
static bool c_save_timer(const struct entry_env *e)
{
	return (e->pin & PIN_PREEMPTION_TIMER) ||
	       !(e->exit & EXIT_CTL_SAVE_PREEMPT_TIMER);
}
static bool c_exit_msr_store(const struct entry_env *e)
{
	return msr_area_ok(e, R(VM_EXIT_MSR_STORE_ADDR),
			   (uint32_t)R(VM_EXIT_MSR_STORE_COUNT));
}
static bool c_exit_msr_load(const struct entry_env *e)
{
	return msr_area_ok(e, R(VM_EXIT_MSR_LOAD_ADDR),
			   (uint32_t)R(VM_EXIT_MSR_LOAD_COUNT));
}

/* ===================== 27.2.1.3 VM-entry control fields ================ */

static bool c_entry(const struct entry_env *e)
{
	return vmx_ctl_ok(&e->caps->entry, e->entry);
}
static bool c_inj_type(const struct entry_env *e)
{
	unsigned t = inj_type(e);

	if (!inj_valid(e))
		return true;
	if (t == 1)
		return false;
	/* Type 7 (other event: pending MTF) needs MTF support. */
	return t != EVT_OTHER || (e->caps->proc.may1 & CPU_MONITOR_TRAP_FLAG);
}
static bool c_inj_vector(const struct entry_env *e)
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
static bool c_inj_errcode(const struct entry_env *e)
{
	bool want;

	if (!inj_valid(e))
		return true;
	want = (!unrestricted(e) || (R(GUEST_CR0) & CR0_PE)) &&
	       inj_type(e) == EVT_HW_EXCEPTION &&
	       vector_has_error_code(inj_vector(e));
	return want == !!(inj_info(e) & INTR_INFO_DELIVER_CODE);
}
static bool c_inj_reserved(const struct entry_env *e)
{
	return !inj_valid(e) || !(inj_info(e) & INTR_INFO_RESERVED_MASK);
}
static bool c_inj_errcode_bits(const struct entry_env *e)
{
	return !inj_valid(e) || !(inj_info(e) & INTR_INFO_DELIVER_CODE) ||
	       !(R(VM_ENTRY_EXCEPTION_ERROR_CODE) & 0xffff0000u);
}
static bool c_inj_len(const struct entry_env *e)
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
static bool c_entry_msr_load(const struct entry_env *e)
{
	return msr_area_ok(e, R(VM_ENTRY_MSR_LOAD_ADDR),
			   (uint32_t)R(VM_ENTRY_MSR_LOAD_COUNT));
}
static bool c_entry_smm(const struct entry_env *e)
{
	/* Never in SMM here (SDM 27.2.1.3). */
	return !(e->entry & (ENTRY_CTL_ENTRY_TO_SMM |
			     ENTRY_CTL_DEACT_DUAL_MONITOR));
}

/* ===================== 27.2.2 host control registers and MSRs ========= */

static bool h_cr0(const struct entry_env *e)
{
	return vmx_cr0_ok(e->caps, R(HOST_CR0));
}
static bool h_cr4(const struct entry_env *e)
{
	return vmx_cr4_ok(e->caps, R(HOST_CR4));
}
static bool h_cr3(const struct entry_env *e)
{
	return vmx_pa_ok(e->caps, R(HOST_CR3));
}
static bool h_sysenter(const struct entry_env *e)
{
	return x86_canonical(R(HOST_IA32_SYSENTER_ESP)) &&
	       x86_canonical(R(HOST_IA32_SYSENTER_EIP));
}
/* Valid IA32_PERF_GLOBAL_CTRL bits: 2 general and 3 fixed counters. */
#define PERF_GLOBAL_VALID 0x0000000700000003ull
static bool h_perf(const struct entry_env *e)
{
	return !(e->exit & EXIT_CTL_LOAD_PERF_GLOBAL) ||
	       !(R(HOST_IA32_PERF_GLOBAL_CTRL) & ~PERF_GLOBAL_VALID);
}
static bool h_pat(const struct entry_env *e)
{
	return !(e->exit & EXIT_CTL_LOAD_PAT) || x86_pat_valid(R(HOST_IA32_PAT));
}
static bool h_efer(const struct entry_env *e)
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

static bool h_sel_rpl_ti(const struct entry_env *e)
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
static bool h_cs_sel(const struct entry_env *e)
{
	return R(HOST_CS_SELECTOR) != 0;
}
static bool h_tr_sel(const struct entry_env *e)
{
	return R(HOST_TR_SELECTOR) != 0;
}
static bool h_ss_sel(const struct entry_env *e)
{
	return host_64(e) || R(HOST_SS_SELECTOR) != 0;
}
static bool h_bases(const struct entry_env *e)
{
	return x86_canonical(R(HOST_FS_BASE)) &&
	       x86_canonical(R(HOST_GS_BASE)) &&
	       x86_canonical(R(HOST_GDTR_BASE)) &&
	       x86_canonical(R(HOST_IDTR_BASE)) &&
	       x86_canonical(R(HOST_TR_BASE));
}

/* ===================== 27.2.4 address-space size ======================= */

static bool h_outside_ia32e(const struct entry_env *e)
{
	return cpu_long_mode(e->cpu) || (!ia32e_guest(e) && !host_64(e));
}
static bool h_inside_ia32e(const struct entry_env *e)
{
	return !cpu_long_mode(e->cpu) || host_64(e);
}
static bool h_legacy_host(const struct entry_env *e)
{
	return host_64(e) ||
	       (!ia32e_guest(e) && !(R(HOST_CR4) & CR4_PCIDE) &&
		!(R(HOST_RIP) >> 32));
}
static bool h_64_host(const struct entry_env *e)
{
	return !host_64(e) ||
	       ((R(HOST_CR4) & CR4_PAE) && x86_canonical(R(HOST_RIP)));
}

/* ===================== 27.3.1.1 guest control/debug registers, MSRs ==== */

static bool g_cr0(const struct entry_env *e)
{
	struct vmx_caps c = *e->caps;
	uint64_t cr0 = R(GUEST_CR0);

	if (unrestricted(e))
		c.cr0_fixed0 &= ~(CR0_PE | CR0_PG);
	return vmx_cr0_ok(&c, cr0) && (!(cr0 & CR0_PG) || (cr0 & CR0_PE));
}
static bool g_cr4(const struct entry_env *e)
{
	return vmx_cr4_ok(e->caps, R(GUEST_CR4));
}
/* IA32_DEBUGCTL bits we accept: LBR, BTF, TR, BTS, BTINT, BTS_OFF_OS,
 * BTS_OFF_USR, FREEZE_LBRS_ON_PMI, FREEZE_PERFMON_ON_PMI, ENABLE_UNCORE_PMI
 * and FREEZE_WHILE_SMM (bits 0, 1, 6-14); bits 5:2 and 63:15 reserved. */
#define DEBUGCTL_VALID 0x7fc3ull
static bool g_debugctl(const struct entry_env *e)
{
	return !(e->entry & ENTRY_CTL_LOAD_DEBUG_CONTROLS) ||
	       !(R(GUEST_IA32_DEBUGCTL) & ~DEBUGCTL_VALID);
}
static bool g_ia32e_paging(const struct entry_env *e)
{
	return !ia32e_guest(e) ||
	       ((R(GUEST_CR0) & CR0_PG) && (R(GUEST_CR4) & CR4_PAE));
}
static bool g_pcide(const struct entry_env *e)
{
	return ia32e_guest(e) || !(R(GUEST_CR4) & CR4_PCIDE);
}
static bool g_cr3(const struct entry_env *e)
{
	return vmx_pa_ok(e->caps, R(GUEST_CR3));
}
static bool g_dr7(const struct entry_env *e)
{
	return !(e->entry & ENTRY_CTL_LOAD_DEBUG_CONTROLS) ||
	       !(R(GUEST_DR7) >> 32);
}
static bool g_sysenter(const struct entry_env *e)
{
	return x86_canonical(R(GUEST_SYSENTER_ESP)) &&
	       x86_canonical(R(GUEST_SYSENTER_EIP));
}
static bool g_perf(const struct entry_env *e)
{
	return !(e->entry & ENTRY_CTL_LOAD_PERF_GLOBAL) ||
	       !(R(GUEST_IA32_PERF_GLOBAL_CTRL) & ~PERF_GLOBAL_VALID);
}
static bool g_pat(const struct entry_env *e)
{
	return !(e->entry & ENTRY_CTL_LOAD_PAT) ||
	       x86_pat_valid(R(GUEST_IA32_PAT));
}
static bool g_efer(const struct entry_env *e)
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

static bool g_tr_ti(const struct entry_env *e)
{
	return !(gsel(e, SEG_TR) & 4);
}
static bool g_ldtr_ti(const struct entry_env *e)
{
	return !usable(e, SEG_LDTR) || !(gsel(e, SEG_LDTR) & 4);
}
static bool g_ss_rpl(const struct entry_env *e)
{
	return v86_guest(e) || unrestricted(e) ||
	       (gsel(e, SEG_SS) & 3) == (gsel(e, SEG_CS) & 3);
}
static bool g_v86_segs(const struct entry_env *e)
{
	if (!v86_guest(e))
		return true;
	for (unsigned s = SEG_ES; s <= SEG_GS; s++)
		if (gbase(e, s) != (uint64_t)gsel(e, s) << 4 ||
		    glimit(e, s) != 0xffff || gar(e, s) != 0xf3)
			return false;
	return true;
}
static bool g_bases(const struct entry_env *e)
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
static bool g_cs_ar(const struct entry_env *e)
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
static bool g_ss_ar(const struct entry_env *e)
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
static bool g_data_ar(const struct entry_env *e)
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
static bool g_tr_ar(const struct entry_env *e)
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
static bool g_ldtr_ar(const struct entry_env *e)
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

static bool g_dt_bases(const struct entry_env *e)
{
	return x86_canonical(R(GUEST_GDTR_BASE)) &&
	       x86_canonical(R(GUEST_IDTR_BASE));
}
static bool g_dt_limits(const struct entry_env *e)
{
	return !(R(GUEST_GDTR_LIMIT) >> 16) && !(R(GUEST_IDTR_LIMIT) >> 16);
}

/* ===================== 27.3.1.4 RIP and RFLAGS ======================== */

static bool g_rip(const struct entry_env *e)
{
	uint64_t rip = R(GUEST_RIP);

	if (ia32e_guest(e) && (gar(e, SEG_CS) & SEG_AR_L))
		return x86_canonical(rip);
	return !(rip >> 32);
}
#define RFLAGS_RSVD (~0x3fffffull | (1ull << 15) | (1ull << 5) | (1ull << 3))
static bool g_rflags_rsvd(const struct entry_env *e)
{
	uint64_t f = R(GUEST_RFLAGS);

	return !(f & RFLAGS_RSVD) && (f & RFLAGS_FIXED1);
}
static bool g_rflags_vm(const struct entry_env *e)
{
	return !(ia32e_guest(e) || !(R(GUEST_CR0) & CR0_PE)) || !v86_guest(e);
}
static bool g_rflags_if(const struct entry_env *e)
{
	return !inj_valid(e) || inj_type(e) != EVT_EXT_INTR ||
	       (R(GUEST_RFLAGS) & RFLAGS_IF);
}

/* ===================== 27.3.1.5 non-register state ==================== */

static bool g_activity(const struct entry_env *e)
{
	uint64_t a = R(GUEST_ACTIVITY_STATE);
	uint64_t misc = e->caps->msr[MSR_IA32_VMX_MISC - MSR_IA32_VMX_FIRST];

	/* MISC bits 6, 7, 8 advertise HLT, shutdown, wait-for-SIPI. */
	return a == ACTIVITY_ACTIVE || (a <= 3 && (misc & (1ull << (5 + a))));
}
static bool g_activity_hlt_dpl(const struct entry_env *e)
{
	return R(GUEST_ACTIVITY_STATE) != ACTIVITY_HLT ||
	       ar_dpl(gar(e, SEG_SS)) == 0;
}
static bool g_activity_blocking(const struct entry_env *e)
{
	return R(GUEST_ACTIVITY_STATE) == ACTIVITY_ACTIVE ||
	       !(R(GUEST_INTERRUPTIBILITY_INFO) &
		 (INTR_BLOCK_STI | INTR_BLOCK_MOV_SS));
}
static bool g_activity_inject(const struct entry_env *e)
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
static bool g_intr_rsvd(const struct entry_env *e)
{
	return !(intr_state(e) & ~0xfu);
}
static bool g_intr_sti_movss(const struct entry_env *e)
{
	return (intr_state(e) & (INTR_BLOCK_STI | INTR_BLOCK_MOV_SS)) !=
	       (INTR_BLOCK_STI | INTR_BLOCK_MOV_SS);
}
static bool g_intr_sti_if(const struct entry_env *e)
{
	return (R(GUEST_RFLAGS) & RFLAGS_IF) ||
	       !(intr_state(e) & INTR_BLOCK_STI);
}
static bool g_intr_extint(const struct entry_env *e)
{
	return !inj_valid(e) || inj_type(e) != EVT_EXT_INTR ||
	       !(intr_state(e) & (INTR_BLOCK_STI | INTR_BLOCK_MOV_SS));
}
static bool g_intr_nmi_movss(const struct entry_env *e)
{
	return !inj_valid(e) || inj_type(e) != EVT_NMI ||
	       !(intr_state(e) & INTR_BLOCK_MOV_SS);
}
static bool g_intr_nmi_sti(const struct entry_env *e)
{
	return !inj_valid(e) || inj_type(e) != EVT_NMI ||
	       !(intr_state(e) & INTR_BLOCK_STI);
}
static bool g_intr_smi(const struct entry_env *e)
{
	return !(intr_state(e) & INTR_BLOCK_SMI);
}
static bool g_intr_vnmi(const struct entry_env *e)
{
	return !(e->pin & PIN_VIRTUAL_NMIS) || !inj_valid(e) ||
	       inj_type(e) != EVT_NMI || !(intr_state(e) & INTR_BLOCK_NMI);
}
/* Pending debug exceptions: B3-B0, enabled breakpoint (12), BS (14). */
#define PENDING_DBG_VALID (PENDING_DBG_B0_3 | PENDING_DBG_ENABLED_BP | \
			   PENDING_DBG_BS)
static bool g_pending_dbg_rsvd(const struct entry_env *e)
{
	return !(R(GUEST_PENDING_DBG_EXCEPTIONS) & ~PENDING_DBG_VALID);
}
static bool g_pending_dbg_bs(const struct entry_env *e)
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
static bool g_link_ptr(const struct entry_env *e)
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
static bool g_link_not_current(const struct entry_env *e)
{
	return R(VMCS_LINK_POINTER) != e->v->current_vmcs;
}

/* ===================== 27.3.1.6 PDPTEs ================================= */

/* PAE paging without IA-32e mode: the PDPTEs from the VMCS (enable EPT)
 * or from guest CR3 must have no reserved bit set (pdpte.c, SDM 4.4.1). */
static bool g_pdptes(const struct entry_env *e)
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

/* One row per SDM rule: name (tests and docs), SDM section, the SDM
 * sentence it implements (paraphrased; tests/docs/sdm_entry_rules.txt
 * lists them and check_entry_rules.py keeps the two in step), predicate. */
#define CTL(n, s, r, f)  { n, s, r, ECK_CONTROL, 0, f }
#define HOST(n, s, r, f) { n, s, r, ECK_HOST, 0, f }
#define GST(n, s, r, f)  { n, s, r, ECK_GUEST, ENTRY_QUAL_DEFAULT, f }
#define GSTQ(n, s, q, r, f) { n, s, r, ECK_GUEST, q, f }

const struct entry_check vmx_entry_checks[] = {
	CTL("pin-based controls reserved bits", "27.2.1.1",
	     "Reserved bits in the pin-based VM-execution controls must be set properly (IA32_VMX_TRUE_PINBASED_CTLS)",
	     c_pin),
	CTL("primary processor-based controls reserved bits", "27.2.1.1",
	     "Reserved bits in the primary processor-based VM-execution controls must be set properly",
	     c_proc),
	CTL("secondary processor-based controls reserved bits", "27.2.1.1",
	     "With activate secondary controls = 1, reserved bits in the secondary processor-based controls must be cleared",
	     c_proc2),
	CTL("tertiary processor-based controls reserved bits", "27.2.1.1",
	     "With activate tertiary controls = 1, reserved bits in the tertiary processor-based controls (all 64) must be cleared",
	     c_proc3),
	CTL("CR3-target count", "27.2.1.1",
	     "The CR3-target count must not be greater than the number IA32_VMX_MISC reports (4)",
	     c_cr3_count),
	CTL("I/O bitmap addresses", "27.2.1.1",
	     "With use I/O bitmaps = 1, bits 11:0 of each I/O-bitmap address must be 0 and neither address may set bits beyond the physical-address width",
	     c_io_bitmaps),
	CTL("MSR bitmap address", "27.2.1.1",
	     "With use MSR bitmaps = 1, bits 11:0 of the MSR-bitmap address must be 0 and it may not set bits beyond the physical-address width",
	     c_msr_bitmap),
	CTL("virtual-APIC address", "27.2.1.1",
	     "With use TPR shadow = 1, bits 11:0 of the virtual-APIC address must be 0 and it may not set bits beyond the physical-address width",
	     c_vapic_addr),
	CTL("TPR threshold bits 31:4", "27.2.1.1",
	     "With use TPR shadow = 1 and virtual-interrupt delivery = 0, bits 31:4 of the TPR threshold must be 0",
	     c_tpr_threshold),
	CTL("TPR threshold not above VTPR", "27.2.1.1",
	     "With use TPR shadow = 1 and virtualize APIC accesses and virtual-interrupt delivery = 0, TPR threshold bits 3:0 may not exceed VTPR bits 7:4",
	     c_tpr_vtpr),
	CTL("APIC virtualization needs TPR shadow", "27.2.1.1",
	     "With use TPR shadow = 0, virtualize x2APIC mode, APIC-register virtualization, virtual-interrupt delivery and IPI virtualization must be 0",
	     c_no_tpr_shadow),
	CTL("virtual NMIs need NMI exiting", "27.2.1.1",
	     "If NMI exiting is 0, virtual NMIs must be 0",
	     c_vnmi),
	CTL("NMI-window exiting needs virtual NMIs", "27.2.1.1",
	     "If virtual NMIs is 0, NMI-window exiting must be 0",
	     c_nmi_window),
	CTL("APIC-access address", "27.2.1.1",
	     "With virtualize APIC accesses = 1, bits 11:0 of the APIC-access address must be 0 and it may not set bits beyond the physical-address width",
	     c_apic_access),
	CTL("x2APIC mode excludes APIC-access virtualization", "27.2.1.1",
	     "If virtualize x2APIC mode is 1, virtualize APIC accesses must be 0",
	     c_x2apic),
	CTL("virtual-interrupt delivery needs external-interrupt exiting", "27.2.1.1",
	     "If virtual-interrupt delivery is 1, external-interrupt exiting must be 1",
	     c_vid),
	CTL("posted interrupts", "27.2.1.1",
	     "With process posted interrupts = 1: virtual-interrupt delivery and acknowledge interrupt on exit are 1, notification vector bits 15:8 are 0, descriptor address bits 5:0 are 0 and within the physical-address width",
	     c_posted),
	CTL("PID-pointer table address", "27.2.1.1",
	     "With IPI virtualization = 1, the PID-pointer table address must be 4-KByte aligned within the physical-address width",
	     c_ipiv),
	CTL("VPID not zero", "27.2.1.1",
	     "If enable VPID is 1, the VPID must not be 0000H",
	     c_vpid),
	CTL("EPTP valid", "27.2.1.1",
	     "If enable EPT is 1, the EPTP must have a supported memory type, page-walk length 4, A/D only if supported, reserved bits 11:7 and 63:N clear",
	     c_eptp),
	CTL("PML address and EPT", "27.2.1.1",
	     "If enable PML is 1, enable EPT must be 1 and the PML address must be 4-KByte aligned within the physical-address width",
	     c_pml),
	CTL("unrestricted guest needs EPT", "27.2.1.1",
	     "If unrestricted guest is 1, enable EPT must be 1",
	     c_unrestricted),
	CTL("VM-function controls", "27.2.1.1",
	     "With enable VM functions = 1, unsupported VM-function control bits must be 0; EPTP switching needs enable EPT and a 4-KByte aligned EPTP-list address within the physical-address width",
	     c_vmfunc),
	CTL("VMREAD/VMWRITE bitmap addresses", "27.2.1.1",
	     "With VMCS shadowing = 1, the VMREAD- and VMWRITE-bitmap addresses must be 4-KByte aligned within the physical-address width",
	     c_vmcs_shadow),
	CTL("virtualization-exception information address", "27.2.1.1",
	     "With EPT-violation #VE = 1, the virtualization-exception information address must be 4-KByte aligned within the physical-address width",
	     c_ve),
	CTL("VM-exit controls reserved bits", "27.2.1.2",
	     "Reserved bits in the VM-exit controls must be set properly",
	     c_exit),
	CTL("save preemption timer needs the timer", "27.2.1.2",
	     "If activate VMX-preemption timer is 0, save VMX-preemption timer value must be 0",
	     c_save_timer),
	CTL("VM-exit MSR-store area", "27.2.1.2",
	     "With a non-zero VM-exit MSR-store count, the address has bits 3:0 clear and it and the area's last byte are within the physical-address width",
	     c_exit_msr_store),
	CTL("VM-exit MSR-load area", "27.2.1.2",
	     "With a non-zero VM-exit MSR-load count, the address has bits 3:0 clear and it and the area's last byte are within the physical-address width",
	     c_exit_msr_load),
	CTL("VM-entry controls reserved bits", "27.2.1.3",
	     "Reserved bits in the VM-entry controls must be set properly",
	     c_entry),
	CTL("event injection: interruption type", "27.2.1.3",
	     "With the injection valid bit set, the interruption type may not be 1 (reserved), nor 7 (other event) without monitor trap flag support",
	     c_inj_type),
	CTL("event injection: vector", "27.2.1.3",
	     "With the injection valid bit set: type NMI needs vector 2, type hardware exception a vector of at most 31, type other event vector 0",
	     c_inj_vector),
	CTL("event injection: deliver error code", "27.2.1.3",
	     "Deliver error code is 1 exactly when unrestricted guest is 0 or CR0.PE is 1, the type is hardware exception and the vector is 8, 10-14 or 17",
	     c_inj_errcode),
	CTL("event injection: reserved bits 30:12", "27.2.1.3",
	     "With the injection valid bit set, reserved bits 30:12 of the interruption-information field must be 0",
	     c_inj_reserved),
	CTL("event injection: error code bits 31:16", "27.2.1.3",
	     "With deliver error code = 1, bits 31:16 of the VM-entry exception error code must be 0",
	     c_inj_errcode_bits),
	CTL("event injection: instruction length", "27.2.1.3",
	     "For software interrupts and software/privileged software exceptions the instruction length is 1-15, or 0 when IA32_VMX_MISC[30] allows it",
	     c_inj_len),
	CTL("VM-entry MSR-load area", "27.2.1.3",
	     "With a non-zero VM-entry MSR-load count, the address has bits 3:0 clear and it and the area's last byte are within the physical-address width",
	     c_entry_msr_load),
	CTL("entry to SMM / deactivate dual-monitor outside SMM", "27.2.1.3",
	     "Outside SMM, entry to SMM and deactivate dual-monitor treatment must be 0",
	     c_entry_smm),

	HOST("host CR0 fixed bits", "27.2.2",
	      "The host CR0 field must not set a bit IA32_VMX_CR0_FIXED1 clears nor clear one IA32_VMX_CR0_FIXED0 sets",
	      h_cr0),
	HOST("host CR4 fixed bits", "27.2.2",
	      "The host CR4 field must not set a bit IA32_VMX_CR4_FIXED1 clears nor clear one IA32_VMX_CR4_FIXED0 sets",
	      h_cr4),
	HOST("host CR3 within MAXPHYADDR", "27.2.2",
	      "The host CR3 field must not set bits beyond the physical-address width",
	      h_cr3),
	HOST("host SYSENTER_ESP/EIP canonical", "27.2.2",
	      "The host IA32_SYSENTER_ESP and IA32_SYSENTER_EIP fields must be canonical",
	      h_sysenter),
	HOST("host IA32_PERF_GLOBAL_CTRL reserved bits", "27.2.2",
	      "With load IA32_PERF_GLOBAL_CTRL on exit, the field's reserved bits must be 0",
	      h_perf),
	HOST("host IA32_PAT memory types", "27.2.2",
	      "With load IA32_PAT on exit, every byte of the field must be a valid memory type (0, 1, 4, 5, 6, 7)",
	      h_pat),
	HOST("host IA32_EFER", "27.2.2",
	      "With load IA32_EFER on exit, reserved bits are 0 and LMA and LME equal host address-space size",
	      h_efer),
	HOST("host selectors RPL and TI zero", "27.2.3",
	      "The RPL and TI fields of the host ES, CS, SS, DS, FS, GS and TR selectors must be 0",
	      h_sel_rpl_ti),
	HOST("host CS selector not null", "27.2.3",
	      "The host CS selector may not be 0000H",
	      h_cs_sel),
	HOST("host TR selector not null", "27.2.3",
	      "The host TR selector may not be 0000H",
	      h_tr_sel),
	HOST("host SS selector not null (32-bit host)", "27.2.3",
	      "The host SS selector may not be 0000H when host address-space size is 0",
	      h_ss_sel),
	HOST("host FS/GS/GDTR/IDTR/TR bases canonical", "27.2.3",
	      "The host FS, GS, GDTR, IDTR and TR base fields must be canonical",
	      h_bases),
	HOST("outside IA-32e mode: no 64-bit guest or host", "27.2.4",
	      "Outside IA-32e mode at VM entry, IA-32e mode guest and host address-space size must be 0",
	      h_outside_ia32e),
	HOST("in IA-32e mode: 64-bit host", "27.2.4",
	      "In IA-32e mode at VM entry, host address-space size must be 1",
	      h_inside_ia32e),
	HOST("32-bit host: no IA-32e guest, PCIDE=0, RIP < 4G", "27.2.4",
	      "With host address-space size 0: IA-32e mode guest is 0, host CR4.PCIDE is 0 and host RIP bits 63:32 are 0",
	      h_legacy_host),
	HOST("64-bit host: CR4.PAE=1, RIP canonical", "27.2.4",
	      "With host address-space size 1: host CR4.PAE is 1 and host RIP is canonical",
	      h_64_host),

	GST("guest CR0 fixed bits, PG needs PE", "27.3.1.1",
	     "The guest CR0 field obeys IA32_VMX_CR0_FIXED0/1 (PE and PG free with unrestricted guest), and PG set needs PE set",
	     g_cr0),
	GST("guest CR4 fixed bits", "27.3.1.1",
	     "The guest CR4 field obeys IA32_VMX_CR4_FIXED0/1",
	     g_cr4),
	GST("guest IA32_DEBUGCTL reserved bits", "27.3.1.1",
	     "With load debug controls, reserved bits of the guest IA32_DEBUGCTL field must be 0",
	     g_debugctl),
	GST("IA-32e mode guest needs CR0.PG and CR4.PAE", "27.3.1.1",
	     "With IA-32e mode guest = 1, guest CR0.PG and CR4.PAE must be 1",
	     g_ia32e_paging),
	GST("CR4.PCIDE needs IA-32e mode guest", "27.3.1.1",
	     "With IA-32e mode guest = 0, guest CR4.PCIDE must be 0",
	     g_pcide),
	GST("guest CR3 within MAXPHYADDR", "27.3.1.1",
	     "The guest CR3 field must not set bits beyond the physical-address width",
	     g_cr3),
	GST("guest DR7 bits 63:32", "27.3.1.1",
	     "With load debug controls, bits 63:32 of the guest DR7 field must be 0",
	     g_dr7),
	GST("guest SYSENTER_ESP/EIP canonical", "27.3.1.1",
	     "The guest IA32_SYSENTER_ESP and IA32_SYSENTER_EIP fields must be canonical",
	     g_sysenter),
	GST("guest IA32_PERF_GLOBAL_CTRL reserved bits", "27.3.1.1",
	     "With load IA32_PERF_GLOBAL_CTRL on entry, the field's reserved bits must be 0",
	     g_perf),
	GST("guest IA32_PAT memory types", "27.3.1.1",
	     "With load IA32_PAT on entry, every byte of the field must be a valid memory type",
	     g_pat),
	GST("guest IA32_EFER", "27.3.1.1",
	     "With load IA32_EFER on entry: reserved bits 0, LMA equals IA-32e mode guest, and with CR0.PG = 1 LME equals it too",
	     g_efer),
	GST("guest TR selector TI", "27.3.1.2",
	     "Guest TR selector: TI flag must be 0",
	     g_tr_ti),
	GST("guest LDTR selector TI", "27.3.1.2",
	     "Guest LDTR selector: TI flag must be 0 if LDTR is usable",
	     g_ldtr_ti),
	GST("guest SS.RPL = CS.RPL", "27.3.1.2",
	     "Outside virtual-8086 mode and without unrestricted guest, the RPL of SS must equal the RPL of CS",
	     g_ss_rpl),
	GST("virtual-8086 segments", "27.3.1.2",
	     "In virtual-8086 mode, ES-GS bases are selector * 16, limits are FFFFH and access rights are F3H",
	     g_v86_segs),
	GST("guest segment bases", "27.3.1.2",
	     "TR, FS and GS bases are canonical, LDTR's if usable; CS base bits 63:32 are 0, SS, DS, ES ones too if usable",
	     g_bases),
	GST("guest CS access rights", "27.3.1.2",
	     "CS access rights: type 9, 11, 13 or 15 (3 with unrestricted guest), S = 1, P = 1, DPL rules against SS, reserved bits 0, not both L and D/B in IA-32e mode, G consistent with the limit",
	     g_cs_ar),
	GST("guest SS access rights", "27.3.1.2",
	     "SS access rights: DPL equals the selector RPL without unrestricted guest and is 0 with CS type 3 or CR0.PE = 0; if usable type 3 or 7, S = 1, P = 1, reserved bits 0, G consistent with the limit",
	     g_ss_ar),
	GST("guest DS/ES/FS/GS access rights", "27.3.1.2",
	     "Usable DS, ES, FS, GS: accessed, readable if code; S = 1, P = 1; DPL not below RPL for non-conforming types without unrestricted guest; reserved bits 0; G consistent with the limit",
	     g_data_ar),
	GST("guest TR access rights", "27.3.1.2",
	     "TR access rights: busy TSS type 11 (or 3 outside IA-32e mode), S = 0, P = 1, reserved bits 0, usable, G consistent with the limit",
	     g_tr_ar),
	GST("guest LDTR access rights", "27.3.1.2",
	     "Usable LDTR: type 2, S = 0, P = 1, reserved bits 0, G consistent with the limit",
	     g_ldtr_ar),
	GST("guest GDTR/IDTR bases canonical", "27.3.1.3",
	     "The guest GDTR and IDTR base fields must be canonical",
	     g_dt_bases),
	GST("guest GDTR/IDTR limits bits 31:16", "27.3.1.3",
	     "Bits 31:16 of the guest GDTR and IDTR limit fields must be 0",
	     g_dt_limits),
	GST("guest RIP", "27.3.1.4",
	     "Guest RIP bits 63:32 are 0 unless IA-32e mode guest with CS.L = 1, where RIP must be canonical",
	     g_rip),
	GST("guest RFLAGS reserved bits", "27.3.1.4",
	     "Guest RFLAGS reserved bits 63:22, 15, 5 and 3 must be 0 and bit 1 must be 1",
	     g_rflags_rsvd),
	GST("guest RFLAGS.VM", "27.3.1.4",
	     "Guest RFLAGS.VM must be 0 with IA-32e mode guest = 1 or CR0.PE = 0",
	     g_rflags_vm),
	GST("guest RFLAGS.IF for external interrupt injection", "27.3.1.4",
	     "Guest RFLAGS.IF must be 1 when an external interrupt is injected",
	     g_rflags_if),
	GST("activity state supported", "27.3.1.5",
	     "The activity state must be one IA32_VMX_MISC reports as supported",
	     g_activity),
	GST("HLT activity needs SS.DPL 0", "27.3.1.5",
	     "The activity state may not be HLT when SS.DPL is not 0",
	     g_activity_hlt_dpl),
	GST("inactive state excludes STI/MOV-SS blocking", "27.3.1.5",
	     "With blocking by STI or MOV SS the activity state must be active",
	     g_activity_blocking),
	GST("event injection allowed in activity state", "27.3.1.5",
	     "An injected event must be one the activity state allows: HLT takes interrupts, NMIs, #DB, #MC and MTF; shutdown NMIs and #MC; wait-for-SIPI nothing",
	     g_activity_inject),
	GST("interruptibility reserved bits", "27.3.1.5",
	     "Interruptibility-state reserved bits 31:5 (31:4 without ENCLAVE_INTERRUPTION support) must be 0",
	     g_intr_rsvd),
	GST("interruptibility: not STI and MOV-SS", "27.3.1.5",
	     "Blocking by STI and blocking by MOV SS may not both be 1",
	     g_intr_sti_movss),
	GST("interruptibility: STI blocking needs IF", "27.3.1.5",
	     "Blocking by STI must be 0 when RFLAGS.IF is 0",
	     g_intr_sti_if),
	GST("interruptibility: external interrupt injection", "27.3.1.5",
	     "Blocking by STI and by MOV SS must be 0 when an external interrupt is injected",
	     g_intr_extint),
	GST("interruptibility: NMI injection and MOV-SS", "27.3.1.5",
	     "Blocking by MOV SS must be 0 when an NMI is injected",
	     g_intr_nmi_movss),
	GSTQ("interruptibility: NMI injection and STI", "27.3.1.5", ENTRY_QUAL_NMI_STI,
	     "Blocking by STI must be 0 when an NMI is injected (exit qualification 3 where the processor checks it)",
	     g_intr_nmi_sti),
	GST("interruptibility: SMI blocking outside SMM", "27.3.1.5",
	     "Blocking by SMI must be 0 outside SMM",
	     g_intr_smi),
	GST("interruptibility: virtual-NMI blocking and NMI injection", "27.3.1.5",
	     "With virtual NMIs = 1, blocking by NMI must be 0 when an NMI is injected",
	     g_intr_vnmi),
	GST("pending debug exceptions reserved bits", "27.3.1.5",
	     "Pending debug exceptions reserved bits 11:4, 13, 15 and 63:17 (and 16 without RTM) must be 0",
	     g_pending_dbg_rsvd),
	GST("pending debug exceptions BS vs TF/BTF", "27.3.1.5",
	     "With blocking by STI or MOV SS or the HLT state, BS must be 1 if RFLAGS.TF = 1 and DEBUGCTL.BTF = 0, and 0 otherwise",
	     g_pending_dbg_bs),
	GSTQ("VMCS link pointer", "27.3.1.5", ENTRY_QUAL_LINK_PTR,
	     "A VMCS link pointer other than all ones is 4-KByte aligned, within the physical-address width and points to the right revision identifier (shadow bit as VMCS shadowing)",
	     g_link_ptr),
	GSTQ("VMCS link pointer not the current VMCS", "27.3.1.5",
	     ENTRY_QUAL_LINK_PTR,
	     "Outside SMM, the VMCS link pointer must not contain the current-VMCS pointer",
	     g_link_not_current),
	GSTQ("PAE PDPTEs", "27.3.1.6", ENTRY_QUAL_PDPTE,
	     "With PAE paging outside IA-32e mode, the PDPTEs (from the VMCS with EPT, else from guest CR3) must have no reserved bit set",
	     g_pdptes),
};

const size_t vmx_entry_checks_len =
	sizeof(vmx_entry_checks) / sizeof(vmx_entry_checks[0]);

const struct entry_check *entry_checks_run(const struct entry_env *e)
{
	for (size_t i = 0; i < vmx_entry_checks_len; i++)
		if (!vmx_entry_checks[i].ok(e))
			return &vmx_entry_checks[i];
	return NULL;
}

const struct entry_check *entry_check_find(const char *name)
{
	for (size_t i = 0; i < vmx_entry_checks_len; i++)
		if (!strcmp(vmx_entry_checks[i].name, name))
			return &vmx_entry_checks[i];
	return NULL;
}
