// SPDX-License-Identifier: MIT
/*
 * The rows of the VM-entry check test (vmentry.c): each names one broken
 * control, host-state or guest-state field, or MSR-load entry, and the
 * outcome the SDM (ch. 27) gives for it; some need a preparation step.
 */
#include "vmentry.h"

static void prep_msr_load_fs_base(void)
{
	msr_area[0] = (struct vmx_msr_entry){ 0x174, 0, 0x8 };
	msr_area[1] = (struct vmx_msr_entry){ MSR_FS_BASE, 0, 0 };
	vmcs_write(VM_ENTRY_MSR_LOAD_ADDR, (uint64_t)msr_area);
	vmcs_write(VM_ENTRY_MSR_LOAD_COUNT, 2);
}

static void prep_msr_load_reserved(void)
{
	msr_area[0] = (struct vmx_msr_entry){ 0x174, 1, 0x8 };
	vmcs_write(VM_ENTRY_MSR_LOAD_ADDR, (uint64_t)msr_area);
	vmcs_write(VM_ENTRY_MSR_LOAD_COUNT, 1);
}

/* Beyond guest RAM (reads all ones): the first entry cannot load. */
static void prep_msr_load_outside_ram(void)
{
	vmcs_write(VM_ENTRY_MSR_LOAD_ADDR, 1ULL << 40);
	vmcs_write(VM_ENTRY_MSR_LOAD_COUNT, 1);
}

static void prep_msr_load_ok(void)
{
	msr_area[0] = (struct vmx_msr_entry){ 0x174, 0, 0x8 };
	vmcs_write(VM_ENTRY_MSR_LOAD_ADDR, (uint64_t)msr_area);
	vmcs_write(VM_ENTRY_MSR_LOAD_COUNT, 1);
}

/* A CPL-3 guest: CS and SS with RPL 3 and DPL 3 (27.3.1.2). */
static void prep_cpl3(void)
{
	vmcs_write(GUEST_CS_SELECTOR, SEL_CODE64 | 3);
	vmcs_write(GUEST_CS_AR_BYTES, 0xa0fb);
	vmcs_write(GUEST_SS_SELECTOR, SEL_DATA | 3);
	vmcs_write(GUEST_SS_AR_BYTES, 0xc0f3);
}

static void prep_cpl3_hlt(void)
{
	prep_cpl3();
	vmcs_write(GUEST_ACTIVITY_STATE, ACTIVITY_HLT);
}

/* A CR4 bit outside IA32_VMX_CR4_FIXED1 (27.3.1.1, A.8). */
static void prep_guest_cr4_fixed1(void)
{
	uint64_t bad = ~vmx_caps.cr4_fixed1 & 0xffffffffull;

	vmcs_write(GUEST_CR4, vmcs_read(GUEST_CR4) | (bad & -bad));
}

static void prep_host_cr4_fixed1(void)
{
	uint64_t bad = ~vmx_caps.cr4_fixed1 & 0xffffffffull;

	vmcs_write(HOST_CR4, vmcs_read(HOST_CR4) | (bad & -bad));
}

/* EPTP switching on with EPT on: only the EPTP-list address is wrong. */
static struct ept row_ept;
static void prep_eptp_list_unaligned(void)
{
	if (!row_ept.pml4) {
		ept_init(&row_ept, false);
		ept_identity_map(&row_ept, 1ULL << 30, EPT_RWX);
	}
	vmx_set_ctl(SECONDARY_VM_EXEC_CONTROL, SEC_ENABLE_EPT | SEC_ENABLE_VMFUNC,
		    0);
	vmcs_write(EPT_POINTER, row_ept.eptp);
	vmcs_write(VM_FUNCTION_CONTROLS, 1);
	vmcs_write(EPTP_LIST_ADDR, (uint64_t)msr_area + 8);
}

/* A usable LDTR (type 2) with the given selector. */
static void prep_ldtr(uint16_t sel)
{
	vmcs_write(GUEST_LDTR_SELECTOR, sel);
	vmcs_write(GUEST_LDTR_AR_BYTES, 0x82);
	vmcs_write(GUEST_LDTR_LIMIT, 0xffff);
	vmcs_write(GUEST_LDTR_BASE, 0);
}

static void prep_ldtr_ti(void)
{
	prep_ldtr(0x24);
}

static void prep_ldtr_ok(void)
{
	prep_ldtr(0x20);
}

static void prep_ldtr_noncanon(void)
{
	prep_ldtr(0x20);
	vmcs_write(GUEST_LDTR_BASE, NONCANON);
}

#define ROW(n, e, ...) { n, e, { __VA_ARGS__ }, NULL, 0 }
#define ROWP(n, e, p, ...) { n, e, { __VA_ARGS__ }, p, 0 }
#define INJ(vec, type, err) INTR_INFO(vec, INTR_TYPE_##type, err)
#define ACT(f, o, a) { f, o, a }

const struct entry_row entry_rows[] = {
	ROW("baseline launches", E_OK),
	/* 27.2.1.1 VM-execution control fields */
	ROW("pin-based forbidden bit", E_CTL,
	    ACT(PIN_BASED_VM_EXEC_CONTROL, A_FORBID, 0)),
	ROW("pin-based required bit clear", E_CTL,
	    ACT(PIN_BASED_VM_EXEC_CONTROL, A_REQUIRE, 0)),
	ROW("proc-based forbidden bit", E_CTL,
	    ACT(CPU_BASED_VM_EXEC_CONTROL, A_FORBID, 0)),
	ROW("proc-based required bit clear", E_CTL,
	    ACT(CPU_BASED_VM_EXEC_CONTROL, A_REQUIRE, 0)),
	ROW("secondary forbidden bit", E_CTL,
	    ACT(SECONDARY_VM_EXEC_CONTROL, A_FORBID, 0)),
	ROW("cr3-target count above max", E_CTL,
	    ACT(CR3_TARGET_COUNT, A_SET, 5)),
	ROW("i/o bitmap a unaligned", E_CTL,
	    ACT(CPU_BASED_VM_EXEC_CONTROL, A_CTL_SET, CPU_USE_IO_BITMAPS),
	    ACT(IO_BITMAP_A, A_SET, 0x200800)),
	ROW("i/o bitmap b beyond maxphyaddr", E_CTL,
	    ACT(CPU_BASED_VM_EXEC_CONTROL, A_CTL_SET, CPU_USE_IO_BITMAPS),
	    ACT(IO_BITMAP_A, A_SET, 0x200000),
	    ACT(IO_BITMAP_B, A_OR_MAXPHY, 0)),
	ROW("msr bitmap unaligned", E_CTL,
	    ACT(MSR_BITMAP, A_OR, 0x10)),
	ROW("virtual nmis without nmi exiting", E_CTL,
	    ACT(PIN_BASED_VM_EXEC_CONTROL, A_CTL_SET, PIN_VIRTUAL_NMIS)),
	ROW("nmi-window exiting without virtual nmis", E_CTL,
	    ACT(CPU_BASED_VM_EXEC_CONTROL, A_CTL_SET, CPU_NMI_WINDOW_EXITING)),
	ROW("ept pointer bad memory type", E_CTL,
	    ACT(SECONDARY_VM_EXEC_CONTROL, A_CTL_SET, SEC_ENABLE_EPT),
	    ACT(EPT_POINTER, A_SET, 0x200000 | EPTP_PWL4 | 1)),
	ROW("ept pointer bad walk length", E_CTL,
	    ACT(SECONDARY_VM_EXEC_CONTROL, A_CTL_SET, SEC_ENABLE_EPT),
	    ACT(EPT_POINTER, A_SET, 0x200000 | (1ULL << 3) | EPTP_MT_WB)),
	ROW("vpid enabled with vpid 0", E_CTL,
	    ACT(SECONDARY_VM_EXEC_CONTROL, A_CTL_SET, SEC_ENABLE_VPID),
	    ACT(VIRTUAL_PROCESSOR_ID, A_SET, 0)),
	ROW("unrestricted guest without ept", E_CTL,
	    ACT(SECONDARY_VM_EXEC_CONTROL, A_CTL_SET, SEC_UNRESTRICTED_GUEST)),
	ROW("cr3-target count at the maximum launches", E_OK,
	    ACT(CR3_TARGET_COUNT, A_SET, 4)),
	ROW("i/o bitmap a beyond maxphyaddr", E_CTL,
	    ACT(CPU_BASED_VM_EXEC_CONTROL, A_CTL_SET, CPU_USE_IO_BITMAPS),
	    ACT(IO_BITMAP_A, A_OR_MAXPHY, 0)),
	ROW("i/o bitmap b unaligned", E_CTL,
	    ACT(CPU_BASED_VM_EXEC_CONTROL, A_CTL_SET, CPU_USE_IO_BITMAPS),
	    ACT(IO_BITMAP_A, A_SET, 0x200000),
	    ACT(IO_BITMAP_B, A_SET, 0x201010)),
	ROW("msr bitmap beyond maxphyaddr", E_CTL,
	    ACT(MSR_BITMAP, A_OR_MAXPHY, 0)),
	/* Not advertised: the guest sees VMfailValid(7) for each. */
	ROW("virtualize x2apic mode without tpr shadow", E_CTL,
	    ACT(SECONDARY_VM_EXEC_CONTROL, A_OR, SEC_VIRT_X2APIC)),
	ROW("virtualize apic accesses with an unaligned apic-access address",
	    E_CTL,
	    ACT(SECONDARY_VM_EXEC_CONTROL, A_CTL_SET, SEC_VIRT_APIC_ACCESSES),
	    ACT(APIC_ACCESS_ADDR, A_SET, 0x200010)),
	ROW("virtualize apic accesses beyond maxphyaddr", E_CTL,
	    ACT(SECONDARY_VM_EXEC_CONTROL, A_CTL_SET, SEC_VIRT_APIC_ACCESSES),
	    ACT(APIC_ACCESS_ADDR, A_OR_MAXPHY, 0)),
	ROW("virtualize x2apic mode and apic accesses", E_CTL,
	    ACT(CPU_BASED_VM_EXEC_CONTROL, A_CTL_SET, CPU_USE_TPR_SHADOW),
	    ACT(VIRTUAL_APIC_PAGE_ADDR, A_SET, 0x200000),
	    ACT(SECONDARY_VM_EXEC_CONTROL, A_OR,
		SEC_VIRT_X2APIC | SEC_VIRT_APIC_ACCESSES)),
	ROW("virtual-interrupt delivery without external-interrupt exiting", E_CTL,
	    ACT(SECONDARY_VM_EXEC_CONTROL, A_OR, SEC_VIRT_INTR_DELIVERY)),
	ROW("posted interrupts", E_CTL,
	    ACT(PIN_BASED_VM_EXEC_CONTROL, A_OR, 1U << 7)),
	ROW("ept-violation #ve with an unaligned information address", E_CTL,
	    ACT(SECONDARY_VM_EXEC_CONTROL, A_CTL_SET, SEC_EPT_VE),
	    ACT(VE_INFO_ADDR, A_SET, 0x200010)),
	ROW("pml without ept", E_CTL,
	    ACT(SECONDARY_VM_EXEC_CONTROL, A_OR, SEC_ENABLE_PML)),
	ROW("vm function with a reserved function bit", E_CTL,
	    ACT(SECONDARY_VM_EXEC_CONTROL, A_CTL_SET, SEC_ENABLE_VMFUNC),
	    ACT(VM_FUNCTION_CONTROLS, A_SET, 2)),
	ROW("eptp switching without ept", E_CTL,
	    ACT(SECONDARY_VM_EXEC_CONTROL, A_CTL_SET, SEC_ENABLE_VMFUNC),
	    ACT(VM_FUNCTION_CONTROLS, A_SET, 1),
	    ACT(EPTP_LIST_ADDR, A_SET, 0x200000)),
	ROWP("eptp switching with an unaligned eptp list", E_CTL,
	     prep_eptp_list_unaligned),
	ROW("vmcs shadowing with an unaligned vmread bitmap", E_CTL,
	    ACT(SECONDARY_VM_EXEC_CONTROL, A_CTL_SET, SEC_VMCS_SHADOWING),
	    ACT(VMREAD_BITMAP, A_SET, 0x200800),
	    ACT(VMWRITE_BITMAP, A_SET, 0x200000)),
	ROW("vmcs shadowing with a vmwrite bitmap beyond maxphyaddr", E_CTL,
	    ACT(SECONDARY_VM_EXEC_CONTROL, A_CTL_SET, SEC_VMCS_SHADOWING),
	    ACT(VMREAD_BITMAP, A_SET, 0x200000),
	    ACT(VMWRITE_BITMAP, A_OR_MAXPHY, 0)),
	/* 27.2.1.2 VM-exit control fields */
	ROW("exit forbidden bit", E_CTL,
	    ACT(VM_EXIT_CONTROLS, A_FORBID, 0)),
	ROW("exit required bit clear", E_CTL,
	    ACT(VM_EXIT_CONTROLS, A_REQUIRE, 0)),
	ROW("save timer without activate timer", E_CTL,
	    ACT(VM_EXIT_CONTROLS, A_CTL_SET, EXIT_SAVE_PREEMPTION_TIMER)),
	ROW("exit msr-store address unaligned", E_CTL,
	    ACT(VM_EXIT_MSR_STORE_COUNT, A_SET, 1),
	    ACT(VM_EXIT_MSR_STORE_ADDR, A_SET, 0x200008)),
	ROW("exit msr-load address unaligned", E_CTL,
	    ACT(VM_EXIT_MSR_LOAD_COUNT, A_SET, 1),
	    ACT(VM_EXIT_MSR_LOAD_ADDR, A_SET, 0x200004)),
	/* 27.2.1.3 VM-entry control fields */
	ROW("entry forbidden bit", E_CTL,
	    ACT(VM_ENTRY_CONTROLS, A_FORBID, 0)),
	ROW("entry required bit clear", E_CTL,
	    ACT(VM_ENTRY_CONTROLS, A_REQUIRE, 0)),
	ROW("event injection reserved type 1", E_CTL,
	    ACT(VM_ENTRY_INTR_INFO, A_SET, 0x80000100)),
	ROW("event injection hw exception vector 32", E_CTL,
	    ACT(VM_ENTRY_INTR_INFO, A_SET, 0x80000320)),
	ROW("event injection nmi with vector 3", E_CTL,
	    ACT(VM_ENTRY_INTR_INFO, A_SET, 0x80000203)),
	ROW("event injection #UD with error code", E_CTL,
	    ACT(VM_ENTRY_INTR_INFO, A_SET, 0x80000b06)),
	ROW("event injection #GP without error code", E_CTL,
	    ACT(VM_ENTRY_INTR_INFO, A_SET, 0x8000030d)),
	ROW("event injection reserved bits", E_CTL,
	    ACT(VM_ENTRY_INTR_INFO, A_SET, 0x80010306)),
	ROW("event injection error code bits 31:16", E_CTL,
	    ACT(VM_ENTRY_INTR_INFO, A_SET, 0x80000b0d),
	    ACT(VM_ENTRY_EXCEPTION_ERROR_CODE, A_SET, 0x10000)),
	ROW("event injection software interrupt length 0", E_CTL,
	    ACT(VM_ENTRY_INTR_INFO, A_SET, 0x80000420),
	    ACT(VM_ENTRY_INSTRUCTION_LEN, A_SET, 0)),
	ROW("event injection software interrupt length 16", E_CTL,
	    ACT(VM_ENTRY_INTR_INFO, A_SET, INJ(0x20, SW_INTR, 0)),
	    ACT(VM_ENTRY_INSTRUCTION_LEN, A_SET, 16)),
	ROW("event injection software exception length 0", E_CTL,
	    ACT(VM_ENTRY_INTR_INFO, A_SET, INJ(3, SW_EXCEPTION, 0)),
	    ACT(VM_ENTRY_INSTRUCTION_LEN, A_SET, 0)),
	ROW("event injection privileged software exception length 0", E_CTL,
	    ACT(VM_ENTRY_INTR_INFO, A_SET, INJ(1, PRIV_SW_EXCEPTION, 0)),
	    ACT(VM_ENTRY_INSTRUCTION_LEN, A_SET, 0)),
	ROW("event injection other event with vector 1", E_CTL,
	    ACT(VM_ENTRY_INTR_INFO, A_SET, INJ(1, OTHER, 0))),
	ROW("event injection #DF without error code", E_CTL,
	    ACT(VM_ENTRY_INTR_INFO, A_SET, INJ(8, HW_EXCEPTION, 0))),
	ROW("event injection #TS without error code", E_CTL,
	    ACT(VM_ENTRY_INTR_INFO, A_SET, INJ(10, HW_EXCEPTION, 0))),
	ROW("event injection #NP without error code", E_CTL,
	    ACT(VM_ENTRY_INTR_INFO, A_SET, INJ(11, HW_EXCEPTION, 0))),
	ROW("event injection #SS without error code", E_CTL,
	    ACT(VM_ENTRY_INTR_INFO, A_SET, INJ(12, HW_EXCEPTION, 0))),
	ROW("event injection #PF without error code", E_CTL,
	    ACT(VM_ENTRY_INTR_INFO, A_SET, INJ(14, HW_EXCEPTION, 0))),
	ROW("event injection #AC without error code", E_CTL,
	    ACT(VM_ENTRY_INTR_INFO, A_SET, INJ(17, HW_EXCEPTION, 0))),
	ROW("event injection #DB with error code", E_CTL,
	    ACT(VM_ENTRY_INTR_INFO, A_SET, INJ(1, HW_EXCEPTION, 1))),
	ROW("event injection external interrupt with error code", E_CTL,
	    ACT(VM_ENTRY_INTR_INFO, A_SET, INJ(0x30, EXT_INTR, 1)),
	    ACT(GUEST_RFLAGS, A_SET, RFLAGS_FIXED | RFLAGS_IF)),
	ROW("event injection external interrupt launches", E_OK,
	    ACT(VM_ENTRY_INTR_INFO, A_SET, INJ(0x30, EXT_INTR, 0)),
	    ACT(GUEST_RFLAGS, A_SET, RFLAGS_FIXED | RFLAGS_IF)),
	ROW("event injection nmi launches", E_OK,
	    ACT(VM_ENTRY_INTR_INFO, A_SET, INJ(2, NMI, 0))),
	ROW("event injection exception vector 31 launches", E_OK,
	    ACT(VM_ENTRY_INTR_INFO, A_SET, INJ(31, HW_EXCEPTION, 0))),
	ROW("event injection software interrupt length 15 launches", E_OK,
	    ACT(VM_ENTRY_INTR_INFO, A_SET, INJ(0x30, SW_INTR, 0)),
	    ACT(VM_ENTRY_INSTRUCTION_LEN, A_SET, 15),
	    ACT(GUEST_RIP, A_SET, (uint64_t)g_vmcall - 15)),
	ROW("entry to smm", E_CTL,
	    ACT(VM_ENTRY_CONTROLS, A_OR, ENTRY_TO_SMM)),
	ROW("deactivate dual-monitor treatment", E_CTL,
	    ACT(VM_ENTRY_CONTROLS, A_OR, ENTRY_DEACT_DUAL_MONITOR)),
	ROW("entry msr-load address unaligned", E_CTL,
	    ACT(VM_ENTRY_MSR_LOAD_COUNT, A_SET, 1),
	    ACT(VM_ENTRY_MSR_LOAD_ADDR, A_SET, 0x200001)),
	/* 27.2.2 host control registers and MSRs */
	ROW("host cr0 without ne", E_HOST, ACT(HOST_CR0, A_ANDN, CR0_NE)),
	ROW("host cr4 without vmxe", E_HOST, ACT(HOST_CR4, A_ANDN, CR4_VMXE)),
	ROW("host cr4 without pae", E_HOST, ACT(HOST_CR4, A_ANDN, CR4_PAE)),
	ROW("host cr3 beyond maxphyaddr", E_HOST,
	    ACT(HOST_CR3, A_OR_MAXPHY, 0)),
	ROW("host sysenter esp non-canonical", E_HOST,
	    ACT(HOST_IA32_SYSENTER_ESP, A_SET, NONCANON)),
	ROW("host sysenter eip non-canonical", E_HOST,
	    ACT(HOST_IA32_SYSENTER_EIP, A_SET, NONCANON)),
	ROW("host efer reserved bit", E_HOST,
	    ACT(HOST_IA32_EFER, A_OR, 1ULL << 1)),
	ROW("host efer lma clear with 64-bit host", E_HOST,
	    ACT(HOST_IA32_EFER, A_ANDN, EFER_LMA)),
	ROW("host efer lme clear with 64-bit host", E_HOST,
	    ACT(HOST_IA32_EFER, A_ANDN, EFER_LME)),
	ROW("host cr0 bit 32", E_HOST, ACT(HOST_CR0, A_OR, 1ULL << 32)),
	ROWP("host cr4 bit outside fixed1", E_HOST, prep_host_cr4_fixed1),
	ROW("host perf_global_ctrl reserved bit", E_HOST,
	    ACT(VM_EXIT_CONTROLS, A_CTL_SET, EXIT_LOAD_PERF_GLOBAL_CTRL),
	    ACT(HOST_IA32_PERF_GLOBAL_CTRL, A_SET, 1ULL << 20)),
	ROW("host perf_global_ctrl valid bits launch", E_OK,
	    ACT(VM_EXIT_CONTROLS, A_CTL_SET, EXIT_LOAD_PERF_GLOBAL_CTRL),
	    ACT(HOST_IA32_PERF_GLOBAL_CTRL, A_SET, 0x700000003ULL)),
	ROW("host pat invalid memory type", E_HOST,
	    ACT(VM_EXIT_CONTROLS, A_CTL_SET, EXIT_LOAD_IA32_PAT),
	    ACT(HOST_IA32_PAT, A_SET, 0x0007040600070402ULL)),
	ROW("host pat every valid memory type launches", E_OK,
	    ACT(VM_EXIT_CONTROLS, A_CTL_SET, EXIT_LOAD_IA32_PAT),
	    ACT(HOST_IA32_PAT, A_SET, 0x0706050401000706ULL)),
	ROW("host es selector rpl 1", E_HOST, ACT(HOST_ES_SELECTOR, A_SET, 0x11)),
	ROW("host cs selector ti 1", E_HOST, ACT(HOST_CS_SELECTOR, A_SET, 0x0c)),
	ROW("host fs selector rpl 2", E_HOST, ACT(HOST_FS_SELECTOR, A_SET, 0x12)),
	ROW("host gs selector ti 1", E_HOST, ACT(HOST_GS_SELECTOR, A_SET, 0x14)),
	ROW("host tr selector rpl 1", E_HOST, ACT(HOST_TR_SELECTOR, A_SET, 0x29)),
	/* 27.2.3 host segment and descriptor-table registers */
	ROW("host ds selector rpl 3", E_HOST, ACT(HOST_DS_SELECTOR, A_SET, 0x13)),
	ROW("host ss selector ti 1", E_HOST, ACT(HOST_SS_SELECTOR, A_SET, 0x14)),
	ROW("host cs selector 0", E_HOST, ACT(HOST_CS_SELECTOR, A_SET, 0)),
	ROW("host tr selector 0", E_HOST, ACT(HOST_TR_SELECTOR, A_SET, 0)),
	ROW("host fs base non-canonical", E_HOST,
	    ACT(HOST_FS_BASE, A_SET, NONCANON)),
	ROW("host gs base non-canonical", E_HOST,
	    ACT(HOST_GS_BASE, A_SET, NONCANON)),
	ROW("host tr base non-canonical", E_HOST,
	    ACT(HOST_TR_BASE, A_SET, NONCANON)),
	ROW("host gdtr base non-canonical", E_HOST,
	    ACT(HOST_GDTR_BASE, A_SET, NONCANON)),
	ROW("host idtr base non-canonical", E_HOST,
	    ACT(HOST_IDTR_BASE, A_SET, NONCANON)),
	/* 27.2.4 address-space size */
	ROW("host address-space size 0 in ia-32e mode", E_HOST,
	    ACT(VM_EXIT_CONTROLS, A_ANDN, EXIT_HOST_ADDR_SPACE_SIZE)),
	ROW("host rip non-canonical", E_HOST, ACT(HOST_RIP, A_SET, NONCANON)),
	ROW("host ss selector 0 allowed", E_OK, ACT(HOST_SS_SELECTOR, A_SET, 0)),
	/* 27.3.1.1 guest control registers, debug registers, MSRs */
	ROW("guest cr0 without ne", E_GUEST, ACT(GUEST_CR0, A_ANDN, CR0_NE)),
	ROW("guest cr0 pg without pe", E_GUEST, ACT(GUEST_CR0, A_ANDN, CR0_PE)),
	ROW("guest cr4 without vmxe", E_GUEST, ACT(GUEST_CR4, A_ANDN, CR4_VMXE)),
	ROW("ia-32e guest without cr4.pae", E_GUEST,
	    ACT(GUEST_CR4, A_ANDN, CR4_PAE)),
	ROW("guest cr3 beyond maxphyaddr", E_GUEST,
	    ACT(GUEST_CR3, A_OR_MAXPHY, 0)),
	ROW("guest dr7 bits 63:32", E_GUEST,
	    ACT(VM_ENTRY_CONTROLS, A_CTL_SET, ENTRY_LOAD_DEBUG_CONTROLS),
	    ACT(GUEST_DR7, A_SET, 1ULL << 32)),
	ROW("guest debugctl reserved bit", E_GUEST,
	    ACT(VM_ENTRY_CONTROLS, A_CTL_SET, ENTRY_LOAD_DEBUG_CONTROLS),
	    ACT(GUEST_IA32_DEBUGCTL, A_SET, 1ULL << 2)),
	ROW("guest efer lma clear in ia-32e guest", E_GUEST,
	    ACT(GUEST_IA32_EFER, A_ANDN, EFER_LMA)),
	ROW("guest efer reserved bit", E_GUEST,
	    ACT(GUEST_IA32_EFER, A_OR, 1ULL << 1)),
	ROW("guest pat invalid memory type", E_GUEST,
	    ACT(VM_ENTRY_CONTROLS, A_CTL_SET, ENTRY_LOAD_IA32_PAT),
	    ACT(GUEST_IA32_PAT, A_SET, 0x0007040600070402ULL)),
	ROW("guest cr0 bit 32", E_GUEST, ACT(GUEST_CR0, A_OR, 1ULL << 32)),
	ROWP("guest cr4 bit outside fixed1", E_GUEST, prep_guest_cr4_fixed1),
	ROW("guest sysenter esp non-canonical", E_GUEST,
	    ACT(GUEST_SYSENTER_ESP, A_SET, NONCANON)),
	ROW("guest sysenter eip non-canonical", E_GUEST,
	    ACT(GUEST_SYSENTER_EIP, A_SET, NONCANON)),
	ROW("guest perf_global_ctrl reserved bit", E_GUEST,
	    ACT(VM_ENTRY_CONTROLS, A_CTL_SET, ENTRY_LOAD_PERF_GLOBAL_CTRL),
	    ACT(GUEST_IA32_PERF_GLOBAL_CTRL, A_SET, 1ULL << 8)),
	ROW("guest perf_global_ctrl valid bits launch", E_OK,
	    ACT(VM_ENTRY_CONTROLS, A_CTL_SET, ENTRY_LOAD_PERF_GLOBAL_CTRL),
	    ACT(GUEST_IA32_PERF_GLOBAL_CTRL, A_SET, 0x700000003ULL)),
	ROW("guest efer lme clear in ia-32e guest", E_GUEST,
	    ACT(GUEST_IA32_EFER, A_ANDN, EFER_LME)),
	ROW("guest cr4.pcide without ia-32e mode guest", E_GUEST,
	    ACT(VM_ENTRY_CONTROLS, A_ANDN, ENTRY_IA32E_MODE_GUEST),
	    ACT(GUEST_CR4, A_OR, 1ULL << 17)),
	ROW("guest debugctl valid bits launch", E_OK,
	    ACT(VM_ENTRY_CONTROLS, A_CTL_SET, ENTRY_LOAD_DEBUG_CONTROLS),
	    ACT(GUEST_IA32_DEBUGCTL, A_SET, 0x7fc1)),
	ROW("guest dr7 bits 31:0 launch", E_OK,
	    ACT(VM_ENTRY_CONTROLS, A_CTL_SET, ENTRY_LOAD_DEBUG_CONTROLS),
	    ACT(GUEST_DR7, A_SET, 0xffff04ffULL)),
	/* 27.3.1.2 guest segment registers */
	ROW("guest cs type data", E_GUEST, ACT(GUEST_CS_AR_BYTES, A_SET, 0xa093)),
	ROW("guest cs not present", E_GUEST, ACT(GUEST_CS_AR_BYTES, A_SET, 0xa01b)),
	ROW("guest cs l and d both set", E_GUEST,
	    ACT(GUEST_CS_AR_BYTES, A_SET, 0xe09b)),
	ROW("guest cs limit with g but low bits clear", E_GUEST,
	    ACT(GUEST_CS_LIMIT, A_SET, 0xfffff000)),
	ROW("guest ss dpl differs from rpl", E_GUEST,
	    ACT(GUEST_SS_AR_BYTES, A_SET, 0xc0f3)),
	ROW("guest ds usable but not accessed", E_GUEST,
	    ACT(GUEST_DS_AR_BYTES, A_SET, 0xc092)),
	ROW("guest tr unusable", E_GUEST, ACT(GUEST_TR_AR_BYTES, A_SET, 0x1008b)),
	ROW("guest tr 16-bit busy type in ia-32e", E_GUEST,
	    ACT(GUEST_TR_AR_BYTES, A_SET, 0x83)),
	ROW("guest tr selector ti 1", E_GUEST,
	    ACT(GUEST_TR_SELECTOR, A_SET, 0x2c)),
	ROW("guest ldtr usable with data type", E_GUEST,
	    ACT(GUEST_LDTR_AR_BYTES, A_SET, 0x93)),
	ROW("guest fs base non-canonical", E_GUEST,
	    ACT(GUEST_FS_BASE, A_SET, NONCANON)),
	ROW("guest gs base non-canonical", E_GUEST,
	    ACT(GUEST_GS_BASE, A_SET, NONCANON)),
	ROW("guest tr base non-canonical", E_GUEST,
	    ACT(GUEST_TR_BASE, A_SET, NONCANON)),
	ROWP("guest usable ldtr base non-canonical", E_GUEST, prep_ldtr_noncanon),
	ROWP("guest ldtr selector ti 1", E_GUEST, prep_ldtr_ti),
	ROWP("guest usable ldtr launches", E_OK, prep_ldtr_ok),
	ROW("guest cs base bit 32", E_GUEST, ACT(GUEST_CS_BASE, A_SET, 1ULL << 32)),
	ROW("guest ss base bit 32", E_GUEST, ACT(GUEST_SS_BASE, A_SET, 1ULL << 32)),
	ROW("guest ds base bit 32", E_GUEST, ACT(GUEST_DS_BASE, A_SET, 1ULL << 32)),
	ROW("guest es base bit 63", E_GUEST, ACT(GUEST_ES_BASE, A_SET, NONCANON)),
	ROW("guest unusable es with base bit 32 launches", E_OK,
	    ACT(GUEST_ES_AR_BYTES, A_SET, 0x10000),
	    ACT(GUEST_ES_BASE, A_SET, 1ULL << 32)),
	ROW("guest ss rpl differs from cs rpl", E_GUEST,
	    ACT(GUEST_SS_SELECTOR, A_SET, SEL_DATA | 3)),
	ROW("guest cs dpl 3 with ss dpl 0 (non-conforming)", E_GUEST,
	    ACT(GUEST_CS_AR_BYTES, A_SET, 0xa0fb)),
	ROW("guest conforming cs dpl 3 above ss dpl 0", E_GUEST,
	    ACT(GUEST_CS_AR_BYTES, A_SET, 0xa0ff)),
	ROW("guest conforming cs dpl 0 launches", E_OK,
	    ACT(GUEST_CS_AR_BYTES, A_SET, 0xa09f)),
	ROW("guest execute-only cs launches", E_OK,
	    ACT(GUEST_CS_AR_BYTES, A_SET, 0xa099)),
	ROW("guest cs type code not accessed", E_GUEST,
	    ACT(GUEST_CS_AR_BYTES, A_SET, 0xa09a)),
	ROW("guest cs system descriptor", E_GUEST,
	    ACT(GUEST_CS_AR_BYTES, A_SET, 0xa08b)),
	ROW("guest cs reserved access-rights bit 8", E_GUEST,
	    ACT(GUEST_CS_AR_BYTES, A_SET, 0xa19b)),
	ROW("guest cs unusable", E_GUEST, ACT(GUEST_CS_AR_BYTES, A_SET, 0x1a09b)),
	ROW("guest cs limit above 1 mib without g", E_GUEST,
	    ACT(GUEST_CS_AR_BYTES, A_SET, 0x209b)),
	ROW("guest ss type code", E_GUEST, ACT(GUEST_SS_AR_BYTES, A_SET, 0xc09b)),
	ROW("guest ss not present", E_GUEST, ACT(GUEST_SS_AR_BYTES, A_SET, 0xc013)),
	ROW("guest ss reserved access-rights bit 9", E_GUEST,
	    ACT(GUEST_SS_AR_BYTES, A_SET, 0xc293)),
	ROW("guest ss expand-down launches", E_OK,
	    ACT(GUEST_SS_AR_BYTES, A_SET, 0xc097)),
	ROW("guest unusable ss launches", E_OK,
	    ACT(GUEST_SS_AR_BYTES, A_SET, 0x10000)),
	ROW("guest ds dpl below rpl", E_GUEST,
	    ACT(GUEST_DS_SELECTOR, A_SET, SEL_DATA | 3)),
	ROW("guest ds execute-only code", E_GUEST,
	    ACT(GUEST_DS_AR_BYTES, A_SET, 0xc099)),
	ROW("guest ds readable code launches", E_OK,
	    ACT(GUEST_DS_AR_BYTES, A_SET, 0xc09b)),
	ROW("guest es not present", E_GUEST, ACT(GUEST_ES_AR_BYTES, A_SET, 0xc013)),
	ROW("guest fs system descriptor", E_GUEST,
	    ACT(GUEST_FS_AR_BYTES, A_SET, 0xc083)),
	ROW("guest gs limit with g but low bits clear", E_GUEST,
	    ACT(GUEST_GS_LIMIT, A_SET, 0xfff00000)),
	ROW("guest gs reserved access-rights bit 17", E_GUEST,
	    ACT(GUEST_GS_AR_BYTES, A_SET, 0x2c093)),
	ROW("guest unusable gs launches", E_OK,
	    ACT(GUEST_GS_AR_BYTES, A_SET, 0x10000)),
	ROW("guest tr descriptor with s set", E_GUEST,
	    ACT(GUEST_TR_AR_BYTES, A_SET, 0x9b)),
	ROW("guest tr not present", E_GUEST, ACT(GUEST_TR_AR_BYTES, A_SET, 0x0b)),
	ROW("guest tr limit above 1 mib without g", E_GUEST,
	    ACT(GUEST_TR_LIMIT, A_SET, 0x100000)),
	ROW("guest tr available type", E_GUEST,
	    ACT(GUEST_TR_AR_BYTES, A_SET, 0x89)),
	/* 27.3.1.3 descriptor-table registers */
	ROW("guest gdtr base non-canonical", E_GUEST,
	    ACT(GUEST_GDTR_BASE, A_SET, NONCANON)),
	ROW("guest idtr limit above 0xffff", E_GUEST,
	    ACT(GUEST_IDTR_LIMIT, A_SET, 0x10000)),
	ROW("guest gdtr limit above 0xffff", E_GUEST,
	    ACT(GUEST_GDTR_LIMIT, A_SET, 0x10000)),
	ROW("guest idtr base non-canonical", E_GUEST,
	    ACT(GUEST_IDTR_BASE, A_SET, NONCANON)),
	/* 27.3.1.4 RIP and RFLAGS */
	ROW("guest rip non-canonical", E_GUEST, ACT(GUEST_RIP, A_SET, NONCANON)),
	ROW("guest rip above 4g in compatibility mode", E_GUEST,
	    ACT(GUEST_CS_AR_BYTES, A_SET, 0xc09b),
	    ACT(GUEST_RIP, A_SET, 1ULL << 32)),
	ROW("guest rflags reserved bit 3", E_GUEST,
	    ACT(GUEST_RFLAGS, A_SET, RFLAGS_FIXED | 8)),
	ROW("guest rflags reserved bit 5", E_GUEST,
	    ACT(GUEST_RFLAGS, A_SET, RFLAGS_FIXED | 0x20)),
	ROW("guest rflags reserved bit 22", E_GUEST,
	    ACT(GUEST_RFLAGS, A_SET, RFLAGS_FIXED | (1ULL << 22))),
	ROW("guest rflags bit 21 launches", E_OK,
	    ACT(GUEST_RFLAGS, A_SET, RFLAGS_FIXED | (1ULL << 21))),
	ROW("guest external interrupt injection with if clear", E_GUEST,
	    ACT(VM_ENTRY_INTR_INFO, A_SET, INJ(0x30, EXT_INTR, 0))),
	ROW("guest rflags bit 1 clear", E_GUEST, ACT(GUEST_RFLAGS, A_SET, 0)),
	ROW("guest rflags reserved bit 15", E_GUEST,
	    ACT(GUEST_RFLAGS, A_SET, 0x8002)),
	ROW("guest rflags vm in ia-32e", E_GUEST,
	    ACT(GUEST_RFLAGS, A_SET, 0x20002)),
	/* 27.3.1.5 non-register state */
	ROW("guest activity state 4", E_GUEST,
	    ACT(GUEST_ACTIVITY_STATE, A_SET, 4)),
	ROW("guest activity state shutdown (not advertised)", E_GUEST,
	    ACT(GUEST_ACTIVITY_STATE, A_SET, ACTIVITY_SHUTDOWN)),
	ROW("guest wait-for-sipi state with an injected interrupt", E_GUEST,
	    ACT(GUEST_ACTIVITY_STATE, A_SET, ACTIVITY_WAIT_SIPI),
	    ACT(GUEST_RFLAGS, A_SET, RFLAGS_FIXED | RFLAGS_IF),
	    ACT(VM_ENTRY_INTR_INFO, A_SET, INJ(0x30, EXT_INTR, 0))),
	ROW("guest wait-for-sipi state with sti blocking", E_GUEST,
	    ACT(GUEST_ACTIVITY_STATE, A_SET, ACTIVITY_WAIT_SIPI),
	    ACT(GUEST_RFLAGS, A_SET, RFLAGS_FIXED | RFLAGS_IF),
	    ACT(GUEST_INTERRUPTIBILITY_INFO, A_SET, INTERRUPTIBILITY_STI)),
	ROWP("guest hlt state with ss dpl 3", E_GUEST, prep_cpl3_hlt),
	ROW("guest hlt state with sti blocking", E_GUEST,
	    ACT(GUEST_ACTIVITY_STATE, A_SET, ACTIVITY_HLT),
	    ACT(GUEST_RFLAGS, A_SET, RFLAGS_FIXED | RFLAGS_IF),
	    ACT(GUEST_INTERRUPTIBILITY_INFO, A_SET, INTERRUPTIBILITY_STI)),
	ROW("guest hlt state with mov-ss blocking", E_GUEST,
	    ACT(GUEST_ACTIVITY_STATE, A_SET, ACTIVITY_HLT),
	    ACT(GUEST_INTERRUPTIBILITY_INFO, A_SET, INTERRUPTIBILITY_MOV_SS)),
	ROW("guest hlt state with #UD injection", E_GUEST,
	    ACT(GUEST_ACTIVITY_STATE, A_SET, ACTIVITY_HLT),
	    ACT(VM_ENTRY_INTR_INFO, A_SET, INJ(6, HW_EXCEPTION, 0))),
	ROW("guest hlt state with software interrupt injection", E_GUEST,
	    ACT(GUEST_ACTIVITY_STATE, A_SET, ACTIVITY_HLT),
	    ACT(VM_ENTRY_INTR_INFO, A_SET, INJ(0x30, SW_INTR, 0)),
	    ACT(VM_ENTRY_INSTRUCTION_LEN, A_SET, 2)),
	ROW("guest hlt state with external interrupt injection launches", E_OK,
	    ACT(GUEST_ACTIVITY_STATE, A_SET, ACTIVITY_HLT),
	    ACT(GUEST_RFLAGS, A_SET, RFLAGS_FIXED | RFLAGS_IF),
	    ACT(VM_ENTRY_INTR_INFO, A_SET, INJ(0x30, EXT_INTR, 0))),
	ROW("guest hlt state with nmi injection launches", E_OK,
	    ACT(GUEST_ACTIVITY_STATE, A_SET, ACTIVITY_HLT),
	    ACT(VM_ENTRY_INTR_INFO, A_SET, INJ(2, NMI, 0))),
	ROW("guest hlt state with #DB injection launches", E_OK,
	    ACT(GUEST_ACTIVITY_STATE, A_SET, ACTIVITY_HLT),
	    ACT(VM_ENTRY_INTR_INFO, A_SET, INJ(1, HW_EXCEPTION, 0))),
	ROW("guest hlt state with #MC injection launches", E_OK,
	    ACT(GUEST_ACTIVITY_STATE, A_SET, ACTIVITY_HLT),
	    ACT(VM_ENTRY_INTR_INFO, A_SET, INJ(18, HW_EXCEPTION, 0))),
	ROW("guest interruptibility reserved bit", E_GUEST,
	    ACT(GUEST_INTERRUPTIBILITY_INFO, A_SET, 1U << 5)),
	ROW("guest sti and mov-ss blocking", E_GUEST,
	    ACT(GUEST_RFLAGS, A_SET, 0x202),
	    ACT(GUEST_INTERRUPTIBILITY_INFO, A_SET, 3)),
	ROW("guest sti blocking with if clear", E_GUEST,
	    ACT(GUEST_INTERRUPTIBILITY_INFO, A_SET, INTERRUPTIBILITY_STI)),
	ROW("guest sti blocking with if set launches", E_OK,
	    ACT(GUEST_RFLAGS, A_SET, RFLAGS_FIXED | RFLAGS_IF),
	    ACT(GUEST_INTERRUPTIBILITY_INFO, A_SET, INTERRUPTIBILITY_STI)),
	ROW("guest mov-ss blocking launches", E_OK,
	    ACT(GUEST_INTERRUPTIBILITY_INFO, A_SET, INTERRUPTIBILITY_MOV_SS)),
	ROW("guest external interrupt injection with sti blocking", E_GUEST,
	    ACT(GUEST_RFLAGS, A_SET, RFLAGS_FIXED | RFLAGS_IF),
	    ACT(GUEST_INTERRUPTIBILITY_INFO, A_SET, INTERRUPTIBILITY_STI),
	    ACT(VM_ENTRY_INTR_INFO, A_SET, INJ(0x30, EXT_INTR, 0))),
	ROW("guest external interrupt injection with mov-ss blocking", E_GUEST,
	    ACT(GUEST_RFLAGS, A_SET, RFLAGS_FIXED | RFLAGS_IF),
	    ACT(GUEST_INTERRUPTIBILITY_INFO, A_SET, INTERRUPTIBILITY_MOV_SS),
	    ACT(VM_ENTRY_INTR_INFO, A_SET, INJ(0x30, EXT_INTR, 0))),
	ROW("guest nmi injection with mov-ss blocking", E_GUEST,
	    ACT(GUEST_INTERRUPTIBILITY_INFO, A_SET, INTERRUPTIBILITY_MOV_SS),
	    ACT(VM_ENTRY_INTR_INFO, A_SET, INJ(2, NMI, 0))),
	{ "guest nmi injection with sti blocking", E_GUEST,
	  { ACT(GUEST_RFLAGS, A_SET, RFLAGS_FIXED | RFLAGS_IF),
	    ACT(GUEST_INTERRUPTIBILITY_INFO, A_SET, INTERRUPTIBILITY_STI),
	    ACT(VM_ENTRY_INTR_INFO, A_SET, INJ(2, NMI, 0)) }, NULL, 3 },
	ROW("guest smi blocking outside smm", E_GUEST,
	    ACT(GUEST_INTERRUPTIBILITY_INFO, A_SET, INTERRUPTIBILITY_SMI)),
	ROW("guest virtual-nmi blocking with nmi injection", E_GUEST,
	    ACT(PIN_BASED_VM_EXEC_CONTROL, A_CTL_SET,
		PIN_NMI_EXITING | PIN_VIRTUAL_NMIS),
	    ACT(GUEST_INTERRUPTIBILITY_INFO, A_SET, INTERRUPTIBILITY_NMI),
	    ACT(VM_ENTRY_INTR_INFO, A_SET, INJ(2, NMI, 0))),
	ROW("guest nmi blocking with nmi injection launches", E_OK,
	    ACT(GUEST_INTERRUPTIBILITY_INFO, A_SET, INTERRUPTIBILITY_NMI),
	    ACT(VM_ENTRY_INTR_INFO, A_SET, INJ(2, NMI, 0))),
	ROW("guest pending debug reserved bit", E_GUEST,
	    ACT(GUEST_PENDING_DBG_EXCEPTIONS, A_SET, 1U << 4)),
	ROW("guest pending debug reserved bit 13", E_GUEST,
	    ACT(GUEST_PENDING_DBG_EXCEPTIONS, A_SET, 1U << 13)),
	ROW("guest pending bs without tf under sti blocking", E_GUEST,
	    ACT(GUEST_RFLAGS, A_SET, RFLAGS_FIXED | RFLAGS_IF),
	    ACT(GUEST_INTERRUPTIBILITY_INFO, A_SET, INTERRUPTIBILITY_STI),
	    ACT(GUEST_PENDING_DBG_EXCEPTIONS, A_SET, 1U << 14)),
	ROW("guest tf without pending bs under mov-ss blocking", E_GUEST,
	    ACT(GUEST_RFLAGS, A_SET, RFLAGS_FIXED | RFLAGS_TF),
	    ACT(GUEST_INTERRUPTIBILITY_INFO, A_SET, INTERRUPTIBILITY_MOV_SS)),
	ROW("guest tf with pending bs under mov-ss blocking launches", E_OK,
	    ACT(GUEST_RFLAGS, A_SET, RFLAGS_FIXED | RFLAGS_TF),
	    ACT(GUEST_INTERRUPTIBILITY_INFO, A_SET, INTERRUPTIBILITY_MOV_SS),
	    ACT(GUEST_PENDING_DBG_EXCEPTIONS, A_SET, 1U << 14)),
	ROW("guest pending enabled breakpoint launches", E_OK,
	    ACT(GUEST_PENDING_DBG_EXCEPTIONS, A_SET, (1U << 12) | 1)),
	/* 27.8: qualification 4 = invalid VMCS link pointer. */
	{ "guest vmcs link pointer unaligned", E_GUEST,
	  { ACT(VMCS_LINK_POINTER, A_SET, 0x200010) }, NULL, 4 },
	/* 27.4 MSR loading */
	{ "entry msr load of fs base", E_MSR, { { 0 } }, prep_msr_load_fs_base, 2 },
	{ "entry msr load reserved bits", E_MSR, { { 0 } },
	  prep_msr_load_reserved, 1 },
	{ "entry msr-load list outside ram", E_MSR, { { 0 } },
	  prep_msr_load_outside_ram, 1 },
	{ "entry msr load of sysenter cs", E_OK, { { 0 } }, prep_msr_load_ok, 0 },
};

const unsigned entry_rows_count = ARRAY_SIZE(entry_rows);
