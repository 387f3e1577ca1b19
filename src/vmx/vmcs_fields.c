// SPDX-License-Identifier: MIT
/*
 * The VMCS field table, generated from VMCS_FIELD_LIST, and its O(1) lookup.
 * Width, group and access type come from the encoding bits (SDM 25.11.2):
 * they are decoded here at compile time, never typed twice.
 */
#include "vmx/vmcs_fields.h"

#define ROW(name, enc, feat) [VMCS_IDX_##name] = {                          \
	#name, (enc), VMCS_ENC_WIDTH(enc), VMCS_ENC_TYPE(enc),              \
	VMCS_ENC_TYPE(enc) == VMCS_GRP_EXIT_INFO ? VMCS_RO : VMCS_RW, (feat) },

const struct vmcs_field vmcs_field_table[VMCS_FIELD_COUNT] = {
	VMCS_FIELD_LIST(ROW)
};
#undef ROW

_Static_assert(VMCS_FIELD_COUNT < 255, "slot table holds index+1 in a byte");

/* vmcs_field_slot[VMCS_FIELD_KEY] = table index + 1, 0 = no field.  Built
 * by the compiler; a duplicate encoding in the list is caught by
 * -Woverride-init (-Wextra). */
#define SLOT(name, enc, feat) [VMCS_FIELD_KEY(enc)] = VMCS_IDX_##name + 1,
const uint8_t vmcs_field_slot[VMCS_FIELD_KEY_COUNT] = {
	VMCS_FIELD_LIST(SLOT)
};
#undef SLOT

const struct vmcs_field *vmcs_field_by_encoding(uint32_t encoding, bool *high)
{
	int i = vmcs_field_index(encoding, high);

	return i < 0 ? NULL : &vmcs_field_table[i];
}

const char *vmcs_field_name(uint32_t encoding)
{
	const struct vmcs_field *f = vmcs_field_by_encoding(encoding, NULL);

	return f ? f->name : NULL;
}

uint64_t vmcs_width_mask(unsigned width)
{
	static const uint64_t mask[4] = {
		[VMCS_W16] = 0xffffull,
		[VMCS_W64] = UINT64_MAX,
		[VMCS_W32] = 0xffffffffull,
		[VMCS_WNAT] = UINT64_MAX,
	};

	return mask[width & 3];
}

const char *vmcs_group_name(unsigned group)
{
	static const char *const names[4] = {
		"control", "exit-info", "guest", "host",
	};

	return names[group & 3];
}

const char *vmcs_width_name(unsigned width)
{
	static const char *const names[4] = { "16", "64", "32", "natural" };

	return names[width & 3];
}

static const char *const exit_reason_names[EXIT_REASON_COUNT] = {
	[EXIT_REASON_EXCEPTION_NMI] = "EXCEPTION_NMI",
	[EXIT_REASON_EXTERNAL_INTERRUPT] = "EXTERNAL_INTERRUPT",
	[EXIT_REASON_TRIPLE_FAULT] = "TRIPLE_FAULT",
	[EXIT_REASON_INIT_SIGNAL] = "INIT_SIGNAL",
	[EXIT_REASON_SIPI] = "SIPI",
	[EXIT_REASON_IO_SMI] = "IO_SMI",
	[EXIT_REASON_OTHER_SMI] = "OTHER_SMI",
	[EXIT_REASON_INTERRUPT_WINDOW] = "INTERRUPT_WINDOW",
	[EXIT_REASON_NMI_WINDOW] = "NMI_WINDOW",
	[EXIT_REASON_TASK_SWITCH] = "TASK_SWITCH",
	[EXIT_REASON_CPUID] = "CPUID",
	[EXIT_REASON_GETSEC] = "GETSEC",
	[EXIT_REASON_HLT] = "HLT",
	[EXIT_REASON_INVD] = "INVD",
	[EXIT_REASON_INVLPG] = "INVLPG",
	[EXIT_REASON_RDPMC] = "RDPMC",
	[EXIT_REASON_RDTSC] = "RDTSC",
	[EXIT_REASON_RSM] = "RSM",
	[EXIT_REASON_VMCALL] = "VMCALL",
	[EXIT_REASON_VMCLEAR] = "VMCLEAR",
	[EXIT_REASON_VMLAUNCH] = "VMLAUNCH",
	[EXIT_REASON_VMPTRLD] = "VMPTRLD",
	[EXIT_REASON_VMPTRST] = "VMPTRST",
	[EXIT_REASON_VMREAD] = "VMREAD",
	[EXIT_REASON_VMRESUME] = "VMRESUME",
	[EXIT_REASON_VMWRITE] = "VMWRITE",
	[EXIT_REASON_VMXOFF] = "VMXOFF",
	[EXIT_REASON_VMXON] = "VMXON",
	[EXIT_REASON_CR_ACCESS] = "CR_ACCESS",
	[EXIT_REASON_DR_ACCESS] = "DR_ACCESS",
	[EXIT_REASON_IO_INSTRUCTION] = "IO_INSTRUCTION",
	[EXIT_REASON_MSR_READ] = "MSR_READ",
	[EXIT_REASON_MSR_WRITE] = "MSR_WRITE",
	[EXIT_REASON_INVALID_STATE] = "INVALID_STATE",
	[EXIT_REASON_MSR_LOAD_FAIL] = "MSR_LOAD_FAIL",
	[EXIT_REASON_MWAIT_INSTRUCTION] = "MWAIT_INSTRUCTION",
	[EXIT_REASON_MONITOR_TRAP_FLAG] = "MONITOR_TRAP_FLAG",
	[EXIT_REASON_MONITOR_INSTRUCTION] = "MONITOR_INSTRUCTION",
	[EXIT_REASON_PAUSE_INSTRUCTION] = "PAUSE_INSTRUCTION",
	[EXIT_REASON_MCE_DURING_VMENTRY] = "MCE_DURING_VMENTRY",
	[EXIT_REASON_TPR_BELOW_THRESHOLD] = "TPR_BELOW_THRESHOLD",
	[EXIT_REASON_APIC_ACCESS] = "APIC_ACCESS",
	[EXIT_REASON_EOI_INDUCED] = "EOI_INDUCED",
	[EXIT_REASON_GDTR_IDTR] = "GDTR_IDTR",
	[EXIT_REASON_LDTR_TR] = "LDTR_TR",
	[EXIT_REASON_EPT_VIOLATION] = "EPT_VIOLATION",
	[EXIT_REASON_EPT_MISCONFIG] = "EPT_MISCONFIG",
	[EXIT_REASON_INVEPT] = "INVEPT",
	[EXIT_REASON_RDTSCP] = "RDTSCP",
	[EXIT_REASON_PREEMPTION_TIMER] = "PREEMPTION_TIMER",
	[EXIT_REASON_INVVPID] = "INVVPID",
	[EXIT_REASON_WBINVD] = "WBINVD",
	[EXIT_REASON_XSETBV] = "XSETBV",
	[EXIT_REASON_APIC_WRITE] = "APIC_WRITE",
	[EXIT_REASON_RDRAND] = "RDRAND",
	[EXIT_REASON_INVPCID] = "INVPCID",
	[EXIT_REASON_VMFUNC] = "VMFUNC",
	[EXIT_REASON_ENCLS] = "ENCLS",
	[EXIT_REASON_RDSEED] = "RDSEED",
	[EXIT_REASON_PML_FULL] = "PML_FULL",
	[EXIT_REASON_XSAVES] = "XSAVES",
	[EXIT_REASON_XRSTORS] = "XRSTORS",
	[EXIT_REASON_PCONFIG] = "PCONFIG",
	[EXIT_REASON_SPP] = "SPP",
	[EXIT_REASON_UMWAIT] = "UMWAIT",
	[EXIT_REASON_TPAUSE] = "TPAUSE",
	[EXIT_REASON_LOADIWKEY] = "LOADIWKEY",
	[EXIT_REASON_ENCLV] = "ENCLV",
	[EXIT_REASON_ENQCMD_PASID_FAIL] = "ENQCMD_PASID_FAIL",
	[EXIT_REASON_ENQCMDS_PASID_FAIL] = "ENQCMDS_PASID_FAIL",
	[EXIT_REASON_BUS_LOCK] = "BUS_LOCK",
	[EXIT_REASON_NOTIFY] = "NOTIFY",
	[EXIT_REASON_SEAMCALL] = "SEAMCALL",
	[EXIT_REASON_TDCALL] = "TDCALL",
};

const char *vmx_exit_reason_name(unsigned reason)
{
	reason &= EXIT_REASON_BASIC_MASK;
	if (reason < EXIT_REASON_COUNT && exit_reason_names[reason])
		return exit_reason_names[reason];
	return NULL;
}
