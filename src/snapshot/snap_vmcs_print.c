// SPDX-License-Identifier: MIT
/*
 * Human decoding of VMCS field values for `vmxbox inspect --vmcs`: control
 * bits by name (SDM 25.6-25.8), the exit reason by name (Appendix C), the
 * interruption-information formats (25.8.3, 25.9.2) and guest
 * interruptibility / activity state (25.4.2).
 */
#include "snapshot/snap_print.h"

#include <stdio.h>
#include <string.h>

#include "vmx/vmcs_fields.h"

struct bit_name {
	uint32_t bit;
	const char *name;
};

#define B(x) { x, #x }

static const struct bit_name pin_bits[] = {
	B(PIN_EXT_INTR_EXITING), B(PIN_NMI_EXITING), B(PIN_VIRTUAL_NMIS),
	B(PIN_PREEMPTION_TIMER), B(PIN_POSTED_INTR), { 0, NULL },
};

static const struct bit_name cpu_bits[] = {
	B(CPU_INTR_WINDOW_EXITING), B(CPU_USE_TSC_OFFSETTING),
	B(CPU_HLT_EXITING), B(CPU_INVLPG_EXITING), B(CPU_MWAIT_EXITING),
	B(CPU_RDPMC_EXITING), B(CPU_RDTSC_EXITING), B(CPU_CR3_LOAD_EXITING),
	B(CPU_CR3_STORE_EXITING), B(CPU_ACTIVATE_TERTIARY),
	B(CPU_CR8_LOAD_EXITING), B(CPU_CR8_STORE_EXITING),
	B(CPU_USE_TPR_SHADOW), B(CPU_NMI_WINDOW_EXITING),
	B(CPU_MOV_DR_EXITING), B(CPU_UNCOND_IO_EXITING),
	B(CPU_USE_IO_BITMAPS), B(CPU_MONITOR_TRAP_FLAG),
	B(CPU_USE_MSR_BITMAPS), B(CPU_MONITOR_EXITING), B(CPU_PAUSE_EXITING),
	B(CPU_ACTIVATE_SECONDARY), { 0, NULL },
};

static const struct bit_name cpu2_bits[] = {
	B(CPU2_VIRT_APIC_ACCESSES), B(CPU2_ENABLE_EPT),
	B(CPU2_DESC_TABLE_EXITING), B(CPU2_ENABLE_RDTSCP),
	B(CPU2_VIRT_X2APIC_MODE), B(CPU2_ENABLE_VPID), B(CPU2_WBINVD_EXITING),
	B(CPU2_UNRESTRICTED_GUEST), B(CPU2_APIC_REGISTER_VIRT),
	B(CPU2_VIRT_INTR_DELIVERY), B(CPU2_PAUSE_LOOP_EXITING),
	B(CPU2_RDRAND_EXITING), B(CPU2_ENABLE_INVPCID), B(CPU2_ENABLE_VMFUNC),
	B(CPU2_VMCS_SHADOWING), B(CPU2_ENCLS_EXITING), B(CPU2_RDSEED_EXITING),
	B(CPU2_ENABLE_PML), B(CPU2_EPT_VIOLATION_VE),
	B(CPU2_CONCEAL_VMX_FROM_PT), B(CPU2_ENABLE_XSAVES),
	B(CPU2_MODE_BASED_EPT_EXEC), B(CPU2_SUBPAGE_WRITE_PERM),
	B(CPU2_PT_USES_GPA), B(CPU2_TSC_SCALING), B(CPU2_USER_WAIT_PAUSE),
	B(CPU2_ENCLV_EXITING), { 0, NULL },
};

static const struct bit_name exit_bits[] = {
	B(EXIT_CTL_SAVE_DEBUG_CONTROLS), B(EXIT_CTL_HOST_ADDR_SPACE_SIZE),
	B(EXIT_CTL_LOAD_PERF_GLOBAL), B(EXIT_CTL_ACK_INTR_ON_EXIT),
	B(EXIT_CTL_SAVE_PAT), B(EXIT_CTL_LOAD_PAT), B(EXIT_CTL_SAVE_EFER),
	B(EXIT_CTL_LOAD_EFER), B(EXIT_CTL_SAVE_PREEMPT_TIMER),
	B(EXIT_CTL_CLEAR_BNDCFGS), B(EXIT_CTL_CONCEAL_VMX_FROM_PT),
	B(EXIT_CTL_CLEAR_RTIT_CTL), B(EXIT_CTL_CLEAR_LBR_CTL),
	B(EXIT_CTL_LOAD_CET), B(EXIT_CTL_LOAD_PKRS), { 0, NULL },
};

static const struct bit_name entry_bits[] = {
	B(ENTRY_CTL_LOAD_DEBUG_CONTROLS), B(ENTRY_CTL_IA32E_MODE_GUEST),
	B(ENTRY_CTL_ENTRY_TO_SMM), B(ENTRY_CTL_DEACT_DUAL_MONITOR),
	B(ENTRY_CTL_LOAD_PERF_GLOBAL), B(ENTRY_CTL_LOAD_PAT),
	B(ENTRY_CTL_LOAD_EFER), B(ENTRY_CTL_LOAD_BNDCFGS),
	B(ENTRY_CTL_CONCEAL_VMX_FROM_PT), B(ENTRY_CTL_LOAD_RTIT_CTL),
	B(ENTRY_CTL_LOAD_CET), B(ENTRY_CTL_LOAD_LBR_CTL),
	B(ENTRY_CTL_LOAD_PKRS), { 0, NULL },
};

static const struct bit_name intr_block_bits[] = {
	{ INTR_BLOCK_STI, "STI" }, { INTR_BLOCK_MOV_SS, "MOV_SS" },
	{ INTR_BLOCK_SMI, "SMI" }, { INTR_BLOCK_NMI, "NMI" }, { 0, NULL },
};

static const struct {
	uint32_t encoding;
	const struct bit_name *bits;
} control_words[] = {
	{ VMCS_PIN_BASED_VM_EXEC_CONTROL, pin_bits },
	{ VMCS_CPU_BASED_VM_EXEC_CONTROL, cpu_bits },
	{ VMCS_SECONDARY_VM_EXEC_CONTROL, cpu2_bits },
	{ VMCS_VM_EXIT_CONTROLS, exit_bits },
	{ VMCS_VM_ENTRY_CONTROLS, entry_bits },
	{ VMCS_GUEST_INTERRUPTIBILITY_INFO, intr_block_bits },
};

static const char *const insn_errors[] = {
	[1] = "VMCALL executed in VMX root operation",
	[2] = "VMCLEAR with invalid physical address",
	[3] = "VMCLEAR with VMXON pointer",
	[4] = "VMLAUNCH with non-clear VMCS",
	[5] = "VMRESUME with non-launched VMCS",
	[6] = "VMRESUME after VMXOFF",
	[7] = "VM entry with invalid control field(s)",
	[8] = "VM entry with invalid host-state field(s)",
	[9] = "VMPTRLD with invalid physical address",
	[10] = "VMPTRLD with VMXON pointer",
	[11] = "VMPTRLD with incorrect VMCS revision identifier",
	[12] = "VMREAD/VMWRITE from/to unsupported VMCS component",
	[13] = "VMWRITE to read-only VMCS component",
	[15] = "VMXON executed in VMX root operation",
	[16] = "VM entry with invalid executive-VMCS pointer",
	[17] = "VM entry with non-launched executive VMCS",
	[18] = "VM entry with executive-VMCS pointer not VMXON pointer",
	[19] = "VMCALL with non-clear VMCS",
	[20] = "VMCALL with invalid VM-exit control fields",
	[22] = "VMCALL with incorrect MSEG revision identifier",
	[23] = "VMXOFF under dual-monitor treatment of SMIs and SMM",
	[24] = "VMCALL with invalid SMM-monitor features",
	[25] = "VM entry with invalid VM-execution control fields in executive VMCS",
	[26] = "VM entry with events blocked by MOV SS",
	[28] = "Invalid operand to INVEPT/INVVPID",
};

static const char *const event_types[8] = {
	"external interrupt", "reserved", "NMI", "hardware exception",
	"software interrupt", "privileged software exception",
	"software exception", "other event",
};

static const char *const activity_names[4] = {
	"active", "HLT", "shutdown", "wait-for-SIPI",
};

static void cat(char *buf, size_t len, const char *s)
{
	size_t n = strlen(buf);

	if (n + 1 < len)
		snprintf(buf + n, len - n, "%s%s", n ? " " : "", s);
}

static void decode_bits(char *buf, size_t len, const struct bit_name *t,
			uint64_t v)
{
	uint64_t known = 0;
	char rest[32];

	for (; t->name; t++) {
		known |= t->bit;
		if (v & t->bit)
			cat(buf, len, t->name);
	}
	if (v & ~known) {
		snprintf(rest, sizeof(rest), "+%#llx", (unsigned long long)(v & ~known));
		cat(buf, len, rest);
	}
}

static void decode_intr_info(char *buf, size_t len, uint64_t v)
{
	if (!(v & INTR_INFO_VALID)) {
		snprintf(buf, len, "not valid");
		return;
	}
	snprintf(buf, len, "valid, %s, vector %llu%s%s",
		 event_types[(v & INTR_INFO_TYPE_MASK) >> INTR_INFO_TYPE_SHIFT],
		 (unsigned long long)(v & INTR_INFO_VECTOR_MASK),
		 v & INTR_INFO_DELIVER_CODE ? ", error code" : "",
		 v & INTR_INFO_NMI_UNBLOCKED_IRET ? ", NMI unblocked by IRET" : "");
}

static void decode_exit_reason(char *buf, size_t len, uint64_t v)
{
	const char *name = vmx_exit_reason_name((unsigned)v);
	char num[32];

	snprintf(num, sizeof(num), "reason %llu",
		 (unsigned long long)(v & EXIT_REASON_BASIC_MASK));
	cat(buf, len, name ? name : num);
	if (v & EXIT_REASON_FAILED_VMENTRY)
		cat(buf, len, "VM-entry failure");
	if (v & EXIT_REASON_FROM_ROOT)
		cat(buf, len, "from VMX root");
	if (v & EXIT_REASON_PENDING_MTF)
		cat(buf, len, "pending MTF");
	if (v & EXIT_REASON_ENCLAVE)
		cat(buf, len, "in enclave");
}

void snap_vmcs_decode(char *buf, size_t len, uint32_t enc, uint64_t v)
{
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(control_words) / sizeof(control_words[0]); i++)
		if (control_words[i].encoding == enc) {
			decode_bits(buf, len, control_words[i].bits, v);
			return;
		}
	switch (enc) {
	case VMCS_VM_EXIT_REASON:
		decode_exit_reason(buf, len, v);
		break;
	case VMCS_VM_INSTRUCTION_ERROR:
		if (v && v < sizeof(insn_errors) / sizeof(insn_errors[0]) &&
		    insn_errors[v])
			snprintf(buf, len, "%s", insn_errors[v]);
		break;
	case VMCS_VM_ENTRY_INTR_INFO_FIELD:
	case VMCS_VM_EXIT_INTR_INFO:
	case VMCS_IDT_VECTORING_INFO_FIELD:
		decode_intr_info(buf, len, v);
		break;
	case VMCS_GUEST_ACTIVITY_STATE:
		if (v < 4)
			snprintf(buf, len, "%s", activity_names[v]);
		break;
	default:
		break;
	}
}

const char *snap_activity_name(uint32_t a)
{
	return a < 4 ? activity_names[a] : "invalid";
}

const char *snap_event_type_name(uint8_t t)
{
	return event_types[t & 7];
}
