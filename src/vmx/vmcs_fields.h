/* SPDX-License-Identifier: MIT */
/*
 * The VMCS field table (Intel SDM Vol. 3C Appendix B) and the VMX constants
 * shared by the whole VMX core: VM-exit reasons (Appendix C), VM-instruction
 * error numbers (SDM 31.4) and VM-execution / exit / entry control bits
 * (SDM 25.6, 25.7, 25.8).
 *
 * VMCS_FIELD_LIST is the ONE list of fields.  It generates the VMCS_*
 * encoding constants, the VMCS_IDX_* table indices, the field table in
 * vmcs_fields.c (with width / type / group decoded from the encoding bits,
 * SDM 25.11.2, so they cannot disagree) and its compile-time lookup index.
 * VMREAD/VMWRITE, the VMCS region layout, snapshots, inspect and the docs
 * generator all walk this table.
 *
 * Columns: X(NAME, encoding, feature) - feature is the vmx_feature the
 * field depends on: a field exists (VMREAD/VMWRITE do not fail with error
 * 12) only if that feature is advertised in the capability MSRs.
 */
#ifndef VMXBOX_VMX_VMCS_FIELDS_H
#define VMXBOX_VMX_VMCS_FIELDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What a field depends on (see vmx_feature_supported() in caps.c). */
enum vmx_feature {
	VF_ALWAYS,
	VF_NEVER,            /* architecturally defined, never advertised here */
	VF_VPID,
	VF_POSTED_INTR,
	VF_EPT,
	VF_EPT_VE,
	VF_VMFUNC,
	VF_EPTP_SWITCH,
	VF_VIRT_INTR_DELIVERY,
	VF_TPR_SHADOW,
	VF_APIC_ACCESS,
	VF_VMCS_SHADOW,
	VF_PML,
	VF_XSAVES,
	VF_ENCLS,
	VF_ENCLV,
	VF_SPP,
	VF_TSC_SCALING,
	VF_TERTIARY,
	VF_PREEMPT_TIMER,
	VF_PAT,              /* load/save IA32_PAT exit/entry controls */
	VF_EFER,             /* load/save IA32_EFER */
	VF_PERF_GLOBAL,      /* load IA32_PERF_GLOBAL_CTRL */
	VF_BNDCFGS,
	VF_RTIT,
	VF_LBR,
	VF_PKRS,
	VF_CET,
	VF_PLE,
	VF_NOTIFY,
	VF_PID_TABLE,
	VF_SECONDARY_EXIT,
	VF_COUNT
};

/*
 * Every VMCS field of SDM Appendix B.  64-bit fields are listed once (FULL,
 * access type 0); the HIGH access (encoding | 1) is decoded by the lookup.
 */
#define VMCS_FIELD_LIST(X) \
	/* B.1.1 16-bit control fields */ \
	X(VIRTUAL_PROCESSOR_ID,          0x0000, VF_VPID) \
	X(POSTED_INTR_NV,                0x0002, VF_POSTED_INTR) \
	X(EPTP_INDEX,                    0x0004, VF_EPT_VE) \
	/* B.1.2 16-bit guest-state fields */ \
	X(GUEST_ES_SELECTOR,             0x0800, VF_ALWAYS) \
	X(GUEST_CS_SELECTOR,             0x0802, VF_ALWAYS) \
	X(GUEST_SS_SELECTOR,             0x0804, VF_ALWAYS) \
	X(GUEST_DS_SELECTOR,             0x0806, VF_ALWAYS) \
	X(GUEST_FS_SELECTOR,             0x0808, VF_ALWAYS) \
	X(GUEST_GS_SELECTOR,             0x080a, VF_ALWAYS) \
	X(GUEST_LDTR_SELECTOR,           0x080c, VF_ALWAYS) \
	X(GUEST_TR_SELECTOR,             0x080e, VF_ALWAYS) \
	X(GUEST_INTR_STATUS,             0x0810, VF_VIRT_INTR_DELIVERY) \
	X(GUEST_PML_INDEX,               0x0812, VF_PML) \
	/* B.1.3 16-bit host-state fields */ \
	X(HOST_ES_SELECTOR,              0x0c00, VF_ALWAYS) \
	X(HOST_CS_SELECTOR,              0x0c02, VF_ALWAYS) \
	X(HOST_SS_SELECTOR,              0x0c04, VF_ALWAYS) \
	X(HOST_DS_SELECTOR,              0x0c06, VF_ALWAYS) \
	X(HOST_FS_SELECTOR,              0x0c08, VF_ALWAYS) \
	X(HOST_GS_SELECTOR,              0x0c0a, VF_ALWAYS) \
	X(HOST_TR_SELECTOR,              0x0c0c, VF_ALWAYS) \
	/* B.2.1 64-bit control fields */ \
	X(IO_BITMAP_A,                   0x2000, VF_ALWAYS) \
	X(IO_BITMAP_B,                   0x2002, VF_ALWAYS) \
	X(MSR_BITMAP,                    0x2004, VF_ALWAYS) \
	X(VM_EXIT_MSR_STORE_ADDR,        0x2006, VF_ALWAYS) \
	X(VM_EXIT_MSR_LOAD_ADDR,         0x2008, VF_ALWAYS) \
	X(VM_ENTRY_MSR_LOAD_ADDR,        0x200a, VF_ALWAYS) \
	X(EXECUTIVE_VMCS_POINTER,        0x200c, VF_ALWAYS) \
	X(PML_ADDRESS,                   0x200e, VF_PML) \
	X(TSC_OFFSET,                    0x2010, VF_ALWAYS) \
	X(VIRTUAL_APIC_PAGE_ADDR,        0x2012, VF_TPR_SHADOW) \
	X(APIC_ACCESS_ADDR,              0x2014, VF_APIC_ACCESS) \
	X(POSTED_INTR_DESC_ADDR,         0x2016, VF_POSTED_INTR) \
	X(VM_FUNCTION_CONTROL,           0x2018, VF_VMFUNC) \
	X(EPT_POINTER,                   0x201a, VF_EPT) \
	X(EOI_EXIT_BITMAP0,              0x201c, VF_VIRT_INTR_DELIVERY) \
	X(EOI_EXIT_BITMAP1,              0x201e, VF_VIRT_INTR_DELIVERY) \
	X(EOI_EXIT_BITMAP2,              0x2020, VF_VIRT_INTR_DELIVERY) \
	X(EOI_EXIT_BITMAP3,              0x2022, VF_VIRT_INTR_DELIVERY) \
	X(EPTP_LIST_ADDRESS,             0x2024, VF_EPTP_SWITCH) \
	X(VMREAD_BITMAP,                 0x2026, VF_VMCS_SHADOW) \
	X(VMWRITE_BITMAP,                0x2028, VF_VMCS_SHADOW) \
	X(VE_INFO_ADDRESS,               0x202a, VF_EPT_VE) \
	X(XSS_EXIT_BITMAP,               0x202c, VF_XSAVES) \
	X(ENCLS_EXITING_BITMAP,          0x202e, VF_ENCLS) \
	X(SPP_TABLE_POINTER,             0x2030, VF_SPP) \
	X(TSC_MULTIPLIER,                0x2032, VF_TSC_SCALING) \
	X(TERTIARY_VM_EXEC_CONTROL,      0x2034, VF_TERTIARY) \
	X(ENCLV_EXITING_BITMAP,          0x2036, VF_ENCLV) \
	X(PID_POINTER_TABLE,             0x2042, VF_PID_TABLE) \
	X(SECONDARY_VM_EXIT_CONTROLS,    0x2044, VF_SECONDARY_EXIT) \
	/* B.2.2 64-bit read-only data field */ \
	X(GUEST_PHYSICAL_ADDRESS,        0x2400, VF_EPT) \
	/* B.2.3 64-bit guest-state fields */ \
	X(VMCS_LINK_POINTER,             0x2800, VF_ALWAYS) \
	X(GUEST_IA32_DEBUGCTL,           0x2802, VF_ALWAYS) \
	X(GUEST_IA32_PAT,                0x2804, VF_PAT) \
	X(GUEST_IA32_EFER,               0x2806, VF_EFER) \
	X(GUEST_IA32_PERF_GLOBAL_CTRL,   0x2808, VF_PERF_GLOBAL) \
	X(GUEST_PDPTE0,                  0x280a, VF_EPT) \
	X(GUEST_PDPTE1,                  0x280c, VF_EPT) \
	X(GUEST_PDPTE2,                  0x280e, VF_EPT) \
	X(GUEST_PDPTE3,                  0x2810, VF_EPT) \
	X(GUEST_IA32_BNDCFGS,            0x2812, VF_BNDCFGS) \
	X(GUEST_IA32_RTIT_CTL,           0x2814, VF_RTIT) \
	X(GUEST_IA32_LBR_CTL,            0x2816, VF_LBR) \
	X(GUEST_IA32_PKRS,               0x2818, VF_PKRS) \
	/* B.2.4 64-bit host-state fields */ \
	X(HOST_IA32_PAT,                 0x2c00, VF_PAT) \
	X(HOST_IA32_EFER,                0x2c02, VF_EFER) \
	X(HOST_IA32_PERF_GLOBAL_CTRL,    0x2c04, VF_PERF_GLOBAL) \
	X(HOST_IA32_PKRS,                0x2c06, VF_PKRS) \
	/* B.3.1 32-bit control fields */ \
	X(PIN_BASED_VM_EXEC_CONTROL,     0x4000, VF_ALWAYS) \
	X(CPU_BASED_VM_EXEC_CONTROL,     0x4002, VF_ALWAYS) \
	X(EXCEPTION_BITMAP,              0x4004, VF_ALWAYS) \
	X(PAGE_FAULT_ERROR_CODE_MASK,    0x4006, VF_ALWAYS) \
	X(PAGE_FAULT_ERROR_CODE_MATCH,   0x4008, VF_ALWAYS) \
	X(CR3_TARGET_COUNT,              0x400a, VF_ALWAYS) \
	X(VM_EXIT_CONTROLS,              0x400c, VF_ALWAYS) \
	X(VM_EXIT_MSR_STORE_COUNT,       0x400e, VF_ALWAYS) \
	X(VM_EXIT_MSR_LOAD_COUNT,        0x4010, VF_ALWAYS) \
	X(VM_ENTRY_CONTROLS,             0x4012, VF_ALWAYS) \
	X(VM_ENTRY_MSR_LOAD_COUNT,       0x4014, VF_ALWAYS) \
	X(VM_ENTRY_INTR_INFO_FIELD,      0x4016, VF_ALWAYS) \
	X(VM_ENTRY_EXCEPTION_ERROR_CODE, 0x4018, VF_ALWAYS) \
	X(VM_ENTRY_INSTRUCTION_LEN,      0x401a, VF_ALWAYS) \
	X(TPR_THRESHOLD,                 0x401c, VF_TPR_SHADOW) \
	X(SECONDARY_VM_EXEC_CONTROL,     0x401e, VF_ALWAYS) \
	X(PLE_GAP,                       0x4020, VF_PLE) \
	X(PLE_WINDOW,                    0x4022, VF_PLE) \
	X(NOTIFY_WINDOW,                 0x4024, VF_NOTIFY) \
	/* B.3.2 32-bit read-only data fields */ \
	X(VM_INSTRUCTION_ERROR,          0x4400, VF_ALWAYS) \
	X(VM_EXIT_REASON,                0x4402, VF_ALWAYS) \
	X(VM_EXIT_INTR_INFO,             0x4404, VF_ALWAYS) \
	X(VM_EXIT_INTR_ERROR_CODE,       0x4406, VF_ALWAYS) \
	X(IDT_VECTORING_INFO_FIELD,      0x4408, VF_ALWAYS) \
	X(IDT_VECTORING_ERROR_CODE,      0x440a, VF_ALWAYS) \
	X(VM_EXIT_INSTRUCTION_LEN,       0x440c, VF_ALWAYS) \
	X(VMX_INSTRUCTION_INFO,          0x440e, VF_ALWAYS) \
	/* B.3.3 32-bit guest-state fields */ \
	X(GUEST_ES_LIMIT,                0x4800, VF_ALWAYS) \
	X(GUEST_CS_LIMIT,                0x4802, VF_ALWAYS) \
	X(GUEST_SS_LIMIT,                0x4804, VF_ALWAYS) \
	X(GUEST_DS_LIMIT,                0x4806, VF_ALWAYS) \
	X(GUEST_FS_LIMIT,                0x4808, VF_ALWAYS) \
	X(GUEST_GS_LIMIT,                0x480a, VF_ALWAYS) \
	X(GUEST_LDTR_LIMIT,              0x480c, VF_ALWAYS) \
	X(GUEST_TR_LIMIT,                0x480e, VF_ALWAYS) \
	X(GUEST_GDTR_LIMIT,              0x4810, VF_ALWAYS) \
	X(GUEST_IDTR_LIMIT,              0x4812, VF_ALWAYS) \
	X(GUEST_ES_AR_BYTES,             0x4814, VF_ALWAYS) \
	X(GUEST_CS_AR_BYTES,             0x4816, VF_ALWAYS) \
	X(GUEST_SS_AR_BYTES,             0x4818, VF_ALWAYS) \
	X(GUEST_DS_AR_BYTES,             0x481a, VF_ALWAYS) \
	X(GUEST_FS_AR_BYTES,             0x481c, VF_ALWAYS) \
	X(GUEST_GS_AR_BYTES,             0x481e, VF_ALWAYS) \
	X(GUEST_LDTR_AR_BYTES,           0x4820, VF_ALWAYS) \
	X(GUEST_TR_AR_BYTES,             0x4822, VF_ALWAYS) \
	X(GUEST_INTERRUPTIBILITY_INFO,   0x4824, VF_ALWAYS) \
	X(GUEST_ACTIVITY_STATE,          0x4826, VF_ALWAYS) \
	X(GUEST_SMBASE,                  0x4828, VF_ALWAYS) \
	X(GUEST_SYSENTER_CS,             0x482a, VF_ALWAYS) \
	X(VMX_PREEMPTION_TIMER_VALUE,    0x482e, VF_PREEMPT_TIMER) \
	/* B.3.4 32-bit host-state field */ \
	X(HOST_IA32_SYSENTER_CS,         0x4c00, VF_ALWAYS) \
	/* B.4.1 natural-width control fields */ \
	X(CR0_GUEST_HOST_MASK,           0x6000, VF_ALWAYS) \
	X(CR4_GUEST_HOST_MASK,           0x6002, VF_ALWAYS) \
	X(CR0_READ_SHADOW,               0x6004, VF_ALWAYS) \
	X(CR4_READ_SHADOW,               0x6006, VF_ALWAYS) \
	X(CR3_TARGET_VALUE0,             0x6008, VF_ALWAYS) \
	X(CR3_TARGET_VALUE1,             0x600a, VF_ALWAYS) \
	X(CR3_TARGET_VALUE2,             0x600c, VF_ALWAYS) \
	X(CR3_TARGET_VALUE3,             0x600e, VF_ALWAYS) \
	/* B.4.2 natural-width read-only data fields */ \
	X(EXIT_QUALIFICATION,            0x6400, VF_ALWAYS) \
	X(IO_RCX,                        0x6402, VF_ALWAYS) \
	X(IO_RSI,                        0x6404, VF_ALWAYS) \
	X(IO_RDI,                        0x6406, VF_ALWAYS) \
	X(IO_RIP,                        0x6408, VF_ALWAYS) \
	X(GUEST_LINEAR_ADDRESS,          0x640a, VF_ALWAYS) \
	/* B.4.3 natural-width guest-state fields */ \
	X(GUEST_CR0,                     0x6800, VF_ALWAYS) \
	X(GUEST_CR3,                     0x6802, VF_ALWAYS) \
	X(GUEST_CR4,                     0x6804, VF_ALWAYS) \
	X(GUEST_ES_BASE,                 0x6806, VF_ALWAYS) \
	X(GUEST_CS_BASE,                 0x6808, VF_ALWAYS) \
	X(GUEST_SS_BASE,                 0x680a, VF_ALWAYS) \
	X(GUEST_DS_BASE,                 0x680c, VF_ALWAYS) \
	X(GUEST_FS_BASE,                 0x680e, VF_ALWAYS) \
	X(GUEST_GS_BASE,                 0x6810, VF_ALWAYS) \
	X(GUEST_LDTR_BASE,               0x6812, VF_ALWAYS) \
	X(GUEST_TR_BASE,                 0x6814, VF_ALWAYS) \
	X(GUEST_GDTR_BASE,               0x6816, VF_ALWAYS) \
	X(GUEST_IDTR_BASE,               0x6818, VF_ALWAYS) \
	X(GUEST_DR7,                     0x681a, VF_ALWAYS) \
	X(GUEST_RSP,                     0x681c, VF_ALWAYS) \
	X(GUEST_RIP,                     0x681e, VF_ALWAYS) \
	X(GUEST_RFLAGS,                  0x6820, VF_ALWAYS) \
	X(GUEST_PENDING_DBG_EXCEPTIONS,  0x6822, VF_ALWAYS) \
	X(GUEST_SYSENTER_ESP,            0x6824, VF_ALWAYS) \
	X(GUEST_SYSENTER_EIP,            0x6826, VF_ALWAYS) \
	X(GUEST_S_CET,                   0x6828, VF_CET) \
	X(GUEST_SSP,                     0x682a, VF_CET) \
	X(GUEST_INTR_SSP_TABLE_ADDR,     0x682c, VF_CET) \
	/* B.4.4 natural-width host-state fields */ \
	X(HOST_CR0,                      0x6c00, VF_ALWAYS) \
	X(HOST_CR3,                      0x6c02, VF_ALWAYS) \
	X(HOST_CR4,                      0x6c04, VF_ALWAYS) \
	X(HOST_FS_BASE,                  0x6c06, VF_ALWAYS) \
	X(HOST_GS_BASE,                  0x6c08, VF_ALWAYS) \
	X(HOST_TR_BASE,                  0x6c0a, VF_ALWAYS) \
	X(HOST_GDTR_BASE,                0x6c0c, VF_ALWAYS) \
	X(HOST_IDTR_BASE,                0x6c0e, VF_ALWAYS) \
	X(HOST_IA32_SYSENTER_ESP,        0x6c10, VF_ALWAYS) \
	X(HOST_IA32_SYSENTER_EIP,        0x6c12, VF_ALWAYS) \
	X(HOST_RSP,                      0x6c14, VF_ALWAYS) \
	X(HOST_RIP,                      0x6c16, VF_ALWAYS) \
	X(HOST_S_CET,                    0x6c18, VF_CET) \
	X(HOST_SSP,                      0x6c1a, VF_CET) \
	X(HOST_INTR_SSP_TABLE_ADDR,      0x6c1c, VF_CET) \
	/* Later SDM additions, appended so that table indices (and so the \
	 * VMCS region layout, docs/vmcs-layout.md) stay stable. */ \
	X(HLAT_PREFIX_SIZE,              0x0006, VF_NEVER) \
	X(LAST_PID_POINTER_INDEX,        0x0008, VF_PID_TABLE) \
	X(GUEST_UINV,                    0x0814, VF_NEVER) \
	X(LOW_PASID_DIRECTORY_ADDR,      0x2038, VF_NEVER) \
	X(HIGH_PASID_DIRECTORY_ADDR,     0x203a, VF_NEVER) \
	X(SHARED_EPT_POINTER,            0x203c, VF_NEVER) \
	X(PCONFIG_EXITING_BITMAP,        0x203e, VF_NEVER) \
	X(HLAT_POINTER,                  0x2040, VF_NEVER) \
	X(IA32_SPEC_CTRL_MASK,           0x204a, VF_NEVER) \
	X(IA32_SPEC_CTRL_SHADOW,         0x204c, VF_NEVER)

/* Encoding constants: VMCS_GUEST_RIP == 0x681e, ... */
enum vmcs_encoding {
#define VMCS_ENC_ENUM(name, enc, feat) VMCS_##name = (enc),
	VMCS_FIELD_LIST(VMCS_ENC_ENUM)
#undef VMCS_ENC_ENUM
};

/* Table indices: vmcs_field_table[VMCS_IDX_GUEST_RIP] */
enum vmcs_index {
#define VMCS_IDX_ENUM(name, enc, feat) VMCS_IDX_##name,
	VMCS_FIELD_LIST(VMCS_IDX_ENUM)
#undef VMCS_IDX_ENUM
	VMCS_FIELD_COUNT
};

/* Field encoding bits (SDM 25.11.2, Table 25-21). */
#define VMCS_ENC_HIGH          0x1u      /* access type: high 32 bits */
#define VMCS_ENC_INDEX(e)      (((e) >> 1) & 0x1ffu)
#define VMCS_ENC_TYPE(e)       (((e) >> 10) & 0x3u)
#define VMCS_ENC_WIDTH(e)      (((e) >> 13) & 0x3u)
#define VMCS_ENC_RESERVED      0xffff9000u  /* bit 12 and bits 31:15 */

enum vmcs_width {
	VMCS_W16 = 0,
	VMCS_W64 = 1,
	VMCS_W32 = 2,
	VMCS_WNAT = 3,   /* natural width: 64 bits here */
};

/* Field type = group (encoding bits 11:10). */
enum vmcs_group {
	VMCS_GRP_CONTROL = 0,
	VMCS_GRP_EXIT_INFO = 1,   /* "VM-exit information", read-only data */
	VMCS_GRP_GUEST = 2,
	VMCS_GRP_HOST = 3,
};

enum vmcs_access {
	VMCS_RW,
	VMCS_RO,     /* read-only VM-exit information: VMWRITE -> error 13 */
};

struct vmcs_field {
	const char *name;        /* "GUEST_RIP" */
	uint32_t encoding;       /* FULL encoding */
	uint8_t width;           /* enum vmcs_width */
	uint8_t group;           /* enum vmcs_group */
	uint8_t access;          /* enum vmcs_access */
	uint8_t feature;         /* enum vmx_feature */
};

extern const struct vmcs_field vmcs_field_table[VMCS_FIELD_COUNT];

/*
 * Field-table index for an encoding, or -1 if the encoding names no field of
 * the table (any width, reserved bits, HIGH access of a non-64-bit field).
 * *high (may be NULL) is set for the HIGH access of a 64-bit field.  O(1):
 * a compile-time index over encoding bits 14:13, 11:10 and 9:1.
 */
/* Lookup key: width (14:13), type (11:10), index (9:1) -> 13 bits. */
#define VMCS_FIELD_KEY(enc) ((VMCS_ENC_WIDTH(enc) << 11) | \
			     (VMCS_ENC_TYPE(enc) << 9) | VMCS_ENC_INDEX(enc))
#define VMCS_FIELD_KEY_COUNT (1u << 13)
extern const uint8_t vmcs_field_slot[VMCS_FIELD_KEY_COUNT];

/* Inline: VMREAD/VMWRITE look up every run-time encoding. */
static inline int vmcs_field_index(uint32_t encoding, bool *high)
{
	bool hi = encoding & VMCS_ENC_HIGH;
	unsigned s;

	if (high)
		*high = false;
	if (encoding & VMCS_ENC_RESERVED)
		return -1;
	s = vmcs_field_slot[VMCS_FIELD_KEY(encoding)];
	if (!s)
		return -1;
	/* SDM 25.11.2: access type must be 0 unless the field is 64-bit. */
	if (hi && vmcs_field_table[s - 1].width != VMCS_W64)
		return -1;
	if (high)
		*high = hi;
	return (int)s - 1;
}
const struct vmcs_field *vmcs_field_by_encoding(uint32_t encoding, bool *high);
const char *vmcs_field_name(uint32_t encoding);
/* Value bits of a field of this width (natural width = 64 bits). */
uint64_t vmcs_width_mask(unsigned width);
const char *vmcs_group_name(unsigned group);
const char *vmcs_width_name(unsigned width);

/* ----- VM-exit reasons (SDM Appendix C) -------------------------------- */
enum vmx_exit_reason {
	EXIT_REASON_EXCEPTION_NMI = 0,
	EXIT_REASON_EXTERNAL_INTERRUPT = 1,
	EXIT_REASON_TRIPLE_FAULT = 2,
	EXIT_REASON_INIT_SIGNAL = 3,
	EXIT_REASON_SIPI = 4,
	EXIT_REASON_IO_SMI = 5,
	EXIT_REASON_OTHER_SMI = 6,
	EXIT_REASON_INTERRUPT_WINDOW = 7,
	EXIT_REASON_NMI_WINDOW = 8,
	EXIT_REASON_TASK_SWITCH = 9,
	EXIT_REASON_CPUID = 10,
	EXIT_REASON_GETSEC = 11,
	EXIT_REASON_HLT = 12,
	EXIT_REASON_INVD = 13,
	EXIT_REASON_INVLPG = 14,
	EXIT_REASON_RDPMC = 15,
	EXIT_REASON_RDTSC = 16,
	EXIT_REASON_RSM = 17,
	EXIT_REASON_VMCALL = 18,
	EXIT_REASON_VMCLEAR = 19,
	EXIT_REASON_VMLAUNCH = 20,
	EXIT_REASON_VMPTRLD = 21,
	EXIT_REASON_VMPTRST = 22,
	EXIT_REASON_VMREAD = 23,
	EXIT_REASON_VMRESUME = 24,
	EXIT_REASON_VMWRITE = 25,
	EXIT_REASON_VMXOFF = 26,
	EXIT_REASON_VMXON = 27,
	EXIT_REASON_CR_ACCESS = 28,
	EXIT_REASON_DR_ACCESS = 29,
	EXIT_REASON_IO_INSTRUCTION = 30,
	EXIT_REASON_MSR_READ = 31,
	EXIT_REASON_MSR_WRITE = 32,
	EXIT_REASON_INVALID_STATE = 33,
	EXIT_REASON_MSR_LOAD_FAIL = 34,
	EXIT_REASON_MWAIT_INSTRUCTION = 36,
	EXIT_REASON_MONITOR_TRAP_FLAG = 37,
	EXIT_REASON_MONITOR_INSTRUCTION = 39,
	EXIT_REASON_PAUSE_INSTRUCTION = 40,
	EXIT_REASON_MCE_DURING_VMENTRY = 41,
	EXIT_REASON_TPR_BELOW_THRESHOLD = 43,
	EXIT_REASON_APIC_ACCESS = 44,
	EXIT_REASON_EOI_INDUCED = 45,
	EXIT_REASON_GDTR_IDTR = 46,
	EXIT_REASON_LDTR_TR = 47,
	EXIT_REASON_EPT_VIOLATION = 48,
	EXIT_REASON_EPT_MISCONFIG = 49,
	EXIT_REASON_INVEPT = 50,
	EXIT_REASON_RDTSCP = 51,
	EXIT_REASON_PREEMPTION_TIMER = 52,
	EXIT_REASON_INVVPID = 53,
	EXIT_REASON_WBINVD = 54,
	EXIT_REASON_XSETBV = 55,
	EXIT_REASON_APIC_WRITE = 56,
	EXIT_REASON_RDRAND = 57,
	EXIT_REASON_INVPCID = 58,
	EXIT_REASON_VMFUNC = 59,
	EXIT_REASON_ENCLS = 60,
	EXIT_REASON_RDSEED = 61,
	EXIT_REASON_PML_FULL = 62,
	EXIT_REASON_XSAVES = 63,
	EXIT_REASON_XRSTORS = 64,
	EXIT_REASON_PCONFIG = 65,
	EXIT_REASON_SPP = 66,
	EXIT_REASON_UMWAIT = 67,
	EXIT_REASON_TPAUSE = 68,
	EXIT_REASON_LOADIWKEY = 69,
	EXIT_REASON_ENCLV = 70,
	EXIT_REASON_ENQCMD_PASID_FAIL = 72,
	EXIT_REASON_ENQCMDS_PASID_FAIL = 73,
	EXIT_REASON_BUS_LOCK = 74,
	EXIT_REASON_NOTIFY = 75,
	EXIT_REASON_SEAMCALL = 76,
	EXIT_REASON_TDCALL = 77,
	EXIT_REASON_COUNT = 78,   /* size of per-reason counter arrays */
};
/* Exit-reason field bits (SDM 25.9.1, Table 25-17). */
#define EXIT_REASON_BASIC_MASK      0xffffu
#define EXIT_REASON_ENCLAVE         (1u << 27)
#define EXIT_REASON_PENDING_MTF     (1u << 28)
#define EXIT_REASON_FROM_ROOT       (1u << 29)
#define EXIT_REASON_FAILED_VMENTRY  (1u << 31)

const char *vmx_exit_reason_name(unsigned reason);

/* ----- VM-instruction error numbers (SDM 31.4, Table 31-1) ------------- */
enum vmx_insn_error {
	VMXERR_VMCALL_IN_ROOT = 1,
	VMXERR_VMCLEAR_INVALID_ADDR = 2,
	VMXERR_VMCLEAR_VMXON_PTR = 3,
	VMXERR_VMLAUNCH_NONCLEAR_VMCS = 4,
	VMXERR_VMRESUME_NONLAUNCHED_VMCS = 5,
	VMXERR_VMRESUME_AFTER_VMXOFF = 6,
	VMXERR_ENTRY_INVALID_CONTROL = 7,
	VMXERR_ENTRY_INVALID_HOST_STATE = 8,
	VMXERR_VMPTRLD_INVALID_ADDR = 9,
	VMXERR_VMPTRLD_VMXON_PTR = 10,
	VMXERR_VMPTRLD_BAD_REVISION = 11,
	VMXERR_UNSUPPORTED_VMCS_COMPONENT = 12,
	VMXERR_VMWRITE_READ_ONLY = 13,
	VMXERR_VMXON_IN_ROOT = 15,
	VMXERR_ENTRY_INVALID_EXECUTIVE_VMCS = 16,
	VMXERR_ENTRY_NONLAUNCHED_EXECUTIVE_VMCS = 17,
	VMXERR_ENTRY_EXECUTIVE_NOT_VMXON_PTR = 18,
	VMXERR_VMCALL_NONCLEAR_VMCS = 19,
	VMXERR_VMCALL_INVALID_EXIT_CONTROLS = 20,
	VMXERR_VMCALL_BAD_MSEG_REVISION = 22,
	VMXERR_VMXOFF_DUAL_MONITOR = 23,
	VMXERR_VMCALL_INVALID_SMM_FEATURES = 24,
	VMXERR_ENTRY_INVALID_EXECUTIVE_CONTROLS = 25,
	VMXERR_ENTRY_MOV_SS_BLOCKING = 26,
	VMXERR_INVALID_INVEPT_INVVPID_OPERAND = 28,
};

/* ----- Pin-based VM-execution controls (SDM 25.6.1, Table 25-5) -------- */
#define PIN_EXT_INTR_EXITING     (1u << 0)
#define PIN_NMI_EXITING          (1u << 3)
#define PIN_VIRTUAL_NMIS         (1u << 5)
#define PIN_PREEMPTION_TIMER     (1u << 6)
#define PIN_POSTED_INTR          (1u << 7)

/* ----- Primary processor-based controls (SDM 25.6.2, Table 25-6) ------- */
#define CPU_INTR_WINDOW_EXITING  (1u << 2)
#define CPU_USE_TSC_OFFSETTING   (1u << 3)
#define CPU_HLT_EXITING          (1u << 7)
#define CPU_INVLPG_EXITING       (1u << 9)
#define CPU_MWAIT_EXITING        (1u << 10)
#define CPU_RDPMC_EXITING        (1u << 11)
#define CPU_RDTSC_EXITING        (1u << 12)
#define CPU_CR3_LOAD_EXITING     (1u << 15)
#define CPU_CR3_STORE_EXITING    (1u << 16)
#define CPU_ACTIVATE_TERTIARY    (1u << 17)
#define CPU_CR8_LOAD_EXITING     (1u << 19)
#define CPU_CR8_STORE_EXITING    (1u << 20)
#define CPU_USE_TPR_SHADOW       (1u << 21)
#define CPU_NMI_WINDOW_EXITING   (1u << 22)
#define CPU_MOV_DR_EXITING       (1u << 23)
#define CPU_UNCOND_IO_EXITING    (1u << 24)
#define CPU_USE_IO_BITMAPS       (1u << 25)
#define CPU_MONITOR_TRAP_FLAG    (1u << 27)
#define CPU_USE_MSR_BITMAPS      (1u << 28)
#define CPU_MONITOR_EXITING      (1u << 29)
#define CPU_PAUSE_EXITING        (1u << 30)
#define CPU_ACTIVATE_SECONDARY   (1u << 31)

/* ----- Secondary processor-based controls (SDM 25.6.2, Table 25-7) ----- */
#define CPU2_VIRT_APIC_ACCESSES  (1u << 0)
#define CPU2_ENABLE_EPT          (1u << 1)
#define CPU2_DESC_TABLE_EXITING  (1u << 2)
#define CPU2_ENABLE_RDTSCP       (1u << 3)
#define CPU2_VIRT_X2APIC_MODE    (1u << 4)
#define CPU2_ENABLE_VPID         (1u << 5)
#define CPU2_WBINVD_EXITING      (1u << 6)
#define CPU2_UNRESTRICTED_GUEST  (1u << 7)
#define CPU2_APIC_REGISTER_VIRT  (1u << 8)
#define CPU2_VIRT_INTR_DELIVERY  (1u << 9)
#define CPU2_PAUSE_LOOP_EXITING  (1u << 10)
#define CPU2_RDRAND_EXITING      (1u << 11)
#define CPU2_ENABLE_INVPCID      (1u << 12)
#define CPU2_ENABLE_VMFUNC       (1u << 13)
#define CPU2_VMCS_SHADOWING      (1u << 14)
#define CPU2_ENCLS_EXITING       (1u << 15)
#define CPU2_RDSEED_EXITING      (1u << 16)
#define CPU2_ENABLE_PML          (1u << 17)
#define CPU2_EPT_VIOLATION_VE    (1u << 18)
#define CPU2_CONCEAL_VMX_FROM_PT (1u << 19)
#define CPU2_ENABLE_XSAVES       (1u << 20)
#define CPU2_MODE_BASED_EPT_EXEC (1u << 22)
#define CPU2_SUBPAGE_WRITE_PERM  (1u << 23)
#define CPU2_PT_USES_GPA         (1u << 24)
#define CPU2_TSC_SCALING         (1u << 25)
#define CPU2_USER_WAIT_PAUSE     (1u << 26)
#define CPU2_ENCLV_EXITING       (1u << 28)

/* ----- Tertiary processor-based controls (SDM 25.6.2, Table 25-8): a
 * 64-bit field, used only with primary bit 17 "activate tertiary
 * controls" (treated as 0 otherwise).  vmxbox supports bit 4 only. --- */
#define CPU3_LOADIWKEY_EXITING   (1ull << 0)
#define CPU3_ENABLE_HLAT         (1ull << 1)
#define CPU3_EPT_PAGING_WRITE    (1ull << 2)
#define CPU3_GUEST_PAGING_VERIFY (1ull << 3)
#define CPU3_IPI_VIRT            (1ull << 4)
#define CPU3_VIRT_SPEC_CTRL      (1ull << 7)

/* ----- VM-exit controls (SDM 25.7.1, Table 25-13) ---------------------- */
#define EXIT_CTL_SAVE_DEBUG_CONTROLS  (1u << 2)
#define EXIT_CTL_HOST_ADDR_SPACE_SIZE (1u << 9)
#define EXIT_CTL_LOAD_PERF_GLOBAL     (1u << 12)
#define EXIT_CTL_ACK_INTR_ON_EXIT     (1u << 15)
#define EXIT_CTL_SAVE_PAT             (1u << 18)
#define EXIT_CTL_LOAD_PAT             (1u << 19)
#define EXIT_CTL_SAVE_EFER            (1u << 20)
#define EXIT_CTL_LOAD_EFER            (1u << 21)
#define EXIT_CTL_SAVE_PREEMPT_TIMER   (1u << 22)
#define EXIT_CTL_CLEAR_BNDCFGS        (1u << 23)
#define EXIT_CTL_CONCEAL_VMX_FROM_PT  (1u << 24)
#define EXIT_CTL_CLEAR_RTIT_CTL       (1u << 25)
#define EXIT_CTL_CLEAR_LBR_CTL        (1u << 26)
#define EXIT_CTL_LOAD_CET             (1u << 28)
#define EXIT_CTL_LOAD_PKRS            (1u << 29)
#define EXIT_CTL_SAVE_PERF_GLOBAL     (1u << 30)

/* ----- VM-entry controls (SDM 25.8.1, Table 25-15) --------------------- */
#define ENTRY_CTL_LOAD_DEBUG_CONTROLS (1u << 2)
#define ENTRY_CTL_IA32E_MODE_GUEST    (1u << 9)
#define ENTRY_CTL_ENTRY_TO_SMM        (1u << 10)
#define ENTRY_CTL_DEACT_DUAL_MONITOR  (1u << 11)
#define ENTRY_CTL_LOAD_PERF_GLOBAL    (1u << 13)
#define ENTRY_CTL_LOAD_PAT            (1u << 14)
#define ENTRY_CTL_LOAD_EFER           (1u << 15)
#define ENTRY_CTL_LOAD_BNDCFGS        (1u << 16)
#define ENTRY_CTL_CONCEAL_VMX_FROM_PT (1u << 17)
#define ENTRY_CTL_LOAD_RTIT_CTL       (1u << 18)
#define ENTRY_CTL_LOAD_CET            (1u << 20)
#define ENTRY_CTL_LOAD_LBR_CTL        (1u << 21)
#define ENTRY_CTL_LOAD_PKRS           (1u << 22)

/* ----- VM functions (SDM 25.6.14) -------------------------------------- */
#define VMFUNC_EPTP_SWITCHING        (1ull << 0)
#define VMFUNC_EPTP_LIST_ENTRIES     512

/* ----- Interruption-information fields (SDM 25.8.3, 25.9.2, 25.9.3) ---- */
#define INTR_INFO_VECTOR_MASK        0xffu
#define INTR_INFO_TYPE_SHIFT         8
#define INTR_INFO_TYPE_MASK          (7u << 8)
#define INTR_INFO_DELIVER_CODE       (1u << 11)
#define INTR_INFO_NMI_UNBLOCKED_IRET (1u << 12)
#define INTR_INFO_RESERVED_MASK      0x7ffff000u  /* bits 30:12 on entry */
#define INTR_INFO_VALID              (1u << 31)

/* ----- VMX-abort indicators (SDM 28.7) --------------------------------- */
enum vmx_abort {
	VMX_ABORT_SAVE_GUEST_MSR = 1,
	VMX_ABORT_HOST_PDPTE = 2,
	VMX_ABORT_VMCS_CORRUPT = 3,
	VMX_ABORT_LOAD_HOST_MSR = 4,
	VMX_ABORT_MACHINE_CHECK = 5,
	VMX_ABORT_HOST_LEGACY_MODE = 6,
};

#endif
