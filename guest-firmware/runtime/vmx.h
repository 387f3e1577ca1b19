/* SPDX-License-Identifier: MIT */
/*
 * The firmware's VMX library.  Intel SDM Vol. 3C/3D: ch. 24-26 (VMCS, VM
 * entry, VM exit), ch. 30-31 (VMX instruction reference), Appendix A (VMX
 * capability reporting), Appendix B (field encodings), Appendix C (exit
 * reasons).
 *
 * The constants here are the firmware's own transcription of the SDM, not
 * shared with vmxbox's src/vmx: see vmx_fields.h for why.
 */
#ifndef FW_VMX_H
#define FW_VMX_H

#include <stdbool.h>
#include <stdint.h>

#include "vmx_exits.h"
#include "x86.h"
#include "vmx_fields.h"

/* ---- capability MSRs (Appendix A) -------------------------------------- */
#define MSR_IA32_VMX_BASIC		0x480
#define MSR_IA32_VMX_PINBASED_CTLS	0x481
#define MSR_IA32_VMX_PROCBASED_CTLS	0x482
#define MSR_IA32_VMX_EXIT_CTLS		0x483
#define MSR_IA32_VMX_ENTRY_CTLS		0x484
#define MSR_IA32_VMX_MISC		0x485
#define MSR_IA32_VMX_CR0_FIXED0		0x486
#define MSR_IA32_VMX_CR0_FIXED1		0x487
#define MSR_IA32_VMX_CR4_FIXED0		0x488
#define MSR_IA32_VMX_CR4_FIXED1		0x489
#define MSR_IA32_VMX_VMCS_ENUM		0x48a
#define MSR_IA32_VMX_PROCBASED_CTLS2	0x48b
#define MSR_IA32_VMX_EPT_VPID_CAP	0x48c
#define MSR_IA32_VMX_TRUE_PINBASED_CTLS	0x48d
#define MSR_IA32_VMX_TRUE_PROCBASED_CTLS 0x48e
#define MSR_IA32_VMX_TRUE_EXIT_CTLS	0x48f
#define MSR_IA32_VMX_TRUE_ENTRY_CTLS	0x490
#define MSR_IA32_VMX_VMFUNC		0x491
#define MSR_IA32_VMX_PROCBASED_CTLS3	0x492
#define MSR_IA32_VMX_EXIT_CTLS2		0x493

/* IA32_FEATURE_CONTROL (MSR 0x3a), SDM 23.7 */
#define FEATURE_CONTROL_LOCK		(1ULL << 0)
#define FEATURE_CONTROL_VMXON_IN_SMX	(1ULL << 1)
#define FEATURE_CONTROL_VMXON_OUT_SMX	(1ULL << 2)

/* IA32_VMX_BASIC (A.1) */
#define VMX_BASIC_REVISION(b)		((uint32_t)((b) & 0x7fffffff))
#define VMX_BASIC_VMCS_SIZE(b)		((uint32_t)(((b) >> 32) & 0x1fff))
#define VMX_BASIC_32BIT_ADDR		(1ULL << 48)
#define VMX_BASIC_DUAL_MONITOR		(1ULL << 49)
#define VMX_BASIC_MEMTYPE(b)		((unsigned)(((b) >> 50) & 0xf))
#define VMX_BASIC_INOUT_INFO		(1ULL << 54)
#define VMX_BASIC_TRUE_CTLS		(1ULL << 55)
#define VMX_BASIC_NO_HW_ERRCODE_CHECK	(1ULL << 56)

/* IA32_VMX_MISC (A.6) */
#define VMX_MISC_PREEMPT_RATE(m)	((unsigned)((m) & 0x1f))
#define VMX_MISC_SAVE_LMA		(1ULL << 5)
#define VMX_MISC_ACT_HLT		(1ULL << 6)
#define VMX_MISC_ACT_SHUTDOWN		(1ULL << 7)
#define VMX_MISC_ACT_WAIT_SIPI		(1ULL << 8)
#define VMX_MISC_CR3_TARGETS(m)		((unsigned)(((m) >> 16) & 0x1ff))
#define VMX_MISC_MAX_MSR_LIST(m)	(512u * ((unsigned)(((m) >> 25) & 7) + 1))
#define VMX_MISC_VMWRITE_ANY		(1ULL << 29)
#define VMX_MISC_ZERO_LEN_INJECT	(1ULL << 30)

/* IA32_VMX_EPT_VPID_CAP (A.10) */
#define EPT_CAP_EXEC_ONLY		(1ULL << 0)
#define EPT_CAP_PWL4			(1ULL << 6)
#define EPT_CAP_PWL5			(1ULL << 7)
#define EPT_CAP_MT_UC			(1ULL << 8)
#define EPT_CAP_MT_WB			(1ULL << 14)
#define EPT_CAP_2M			(1ULL << 16)
#define EPT_CAP_1G			(1ULL << 17)
#define EPT_CAP_INVEPT			(1ULL << 20)
#define EPT_CAP_AD			(1ULL << 21)
#define EPT_CAP_ADV_EXIT_INFO		(1ULL << 22)
#define EPT_CAP_SSS			(1ULL << 23)
#define EPT_CAP_INVEPT_SINGLE		(1ULL << 25)
#define EPT_CAP_INVEPT_ALL		(1ULL << 26)
#define VPID_CAP_INVVPID		(1ULL << 32)
#define VPID_CAP_INVVPID_ADDR		(1ULL << 40)
#define VPID_CAP_INVVPID_SINGLE		(1ULL << 41)
#define VPID_CAP_INVVPID_ALL		(1ULL << 42)
#define VPID_CAP_INVVPID_SINGLE_NOGLOBAL (1ULL << 43)

/* ---- execution controls (24.6) ----------------------------------------- */
/* Pin-based (Table 25-5) */
#define PIN_EXT_INTR_EXITING		(1U << 0)
#define PIN_NMI_EXITING			(1U << 3)
#define PIN_VIRTUAL_NMIS		(1U << 5)
#define PIN_PREEMPTION_TIMER		(1U << 6)
#define PIN_POSTED_INTR			(1U << 7)
/* Primary processor-based (Table 25-6) */
#define CPU_INTR_WINDOW_EXITING		(1U << 2)
#define CPU_USE_TSC_OFFSETTING		(1U << 3)
#define CPU_HLT_EXITING			(1U << 7)
#define CPU_INVLPG_EXITING		(1U << 9)
#define CPU_MWAIT_EXITING		(1U << 10)
#define CPU_RDPMC_EXITING		(1U << 11)
#define CPU_RDTSC_EXITING		(1U << 12)
#define CPU_CR3_LOAD_EXITING		(1U << 15)
#define CPU_CR3_STORE_EXITING		(1U << 16)
#define CPU_ACTIVATE_TERTIARY		(1U << 17)
#define CPU_CR8_LOAD_EXITING		(1U << 19)
#define CPU_CR8_STORE_EXITING		(1U << 20)
#define CPU_USE_TPR_SHADOW		(1U << 21)
#define CPU_NMI_WINDOW_EXITING		(1U << 22)
#define CPU_MOV_DR_EXITING		(1U << 23)
#define CPU_UNCOND_IO_EXITING		(1U << 24)
#define CPU_USE_IO_BITMAPS		(1U << 25)
#define CPU_MONITOR_TRAP_FLAG		(1U << 27)
#define CPU_USE_MSR_BITMAPS		(1U << 28)
#define CPU_MONITOR_EXITING		(1U << 29)
#define CPU_PAUSE_EXITING		(1U << 30)
#define CPU_ACTIVATE_SECONDARY		(1U << 31)
/* Secondary processor-based (Table 25-7) */
#define SEC_VIRT_APIC_ACCESSES		(1U << 0)
#define SEC_ENABLE_EPT			(1U << 1)
#define SEC_DESC_TABLE_EXITING		(1U << 2)
#define SEC_ENABLE_RDTSCP		(1U << 3)
#define SEC_VIRT_X2APIC			(1U << 4)
#define SEC_ENABLE_VPID			(1U << 5)
#define SEC_WBINVD_EXITING		(1U << 6)
#define SEC_UNRESTRICTED_GUEST		(1U << 7)
#define SEC_APIC_REGISTER_VIRT		(1U << 8)
#define SEC_VIRT_INTR_DELIVERY		(1U << 9)
#define SEC_PAUSE_LOOP_EXITING		(1U << 10)
#define SEC_RDRAND_EXITING		(1U << 11)
#define SEC_ENABLE_INVPCID		(1U << 12)
#define SEC_ENABLE_VMFUNC		(1U << 13)
#define SEC_VMCS_SHADOWING		(1U << 14)
#define SEC_ENCLS_EXITING		(1U << 15)
#define SEC_RDSEED_EXITING		(1U << 16)
#define SEC_ENABLE_PML			(1U << 17)
#define SEC_EPT_VE			(1U << 18)
#define SEC_CONCEAL_VMX_FROM_PT		(1U << 19)
#define SEC_ENABLE_XSAVES		(1U << 20)
#define SEC_MODE_BASED_EPT_EXEC		(1U << 22)
#define SEC_SUBPAGE_WRITE_PERM		(1U << 23)
#define SEC_PT_USE_GPA			(1U << 24)
#define SEC_TSC_SCALING			(1U << 25)
#define SEC_USER_WAIT_PAUSE		(1U << 26)
#define SEC_ENCLV_EXITING		(1U << 28)
/* VM-exit controls (Table 25-13) */
#define EXIT_SAVE_DEBUG_CONTROLS	(1U << 2)
#define EXIT_HOST_ADDR_SPACE_SIZE	(1U << 9)
#define EXIT_LOAD_PERF_GLOBAL_CTRL	(1U << 12)
#define EXIT_ACK_INTR_ON_EXIT		(1U << 15)
#define EXIT_SAVE_IA32_PAT		(1U << 18)
#define EXIT_LOAD_IA32_PAT		(1U << 19)
#define EXIT_SAVE_IA32_EFER		(1U << 20)
#define EXIT_LOAD_IA32_EFER		(1U << 21)
#define EXIT_SAVE_PREEMPTION_TIMER	(1U << 22)
#define EXIT_CLEAR_BNDCFGS		(1U << 23)
#define EXIT_CONCEAL_VMX_FROM_PT	(1U << 24)
#define EXIT_CLEAR_RTIT_CTL		(1U << 25)
#define EXIT_CLEAR_LBR_CTL		(1U << 26)
#define EXIT_LOAD_CET_STATE		(1U << 28)
#define EXIT_LOAD_PKRS			(1U << 29)
#define EXIT_SAVE_PERF_GLOBAL_CTRL	(1U << 30)
#define EXIT_ACTIVATE_SECONDARY		(1U << 31)
/* VM-entry controls (Table 25-15) */
#define ENTRY_LOAD_DEBUG_CONTROLS	(1U << 2)
#define ENTRY_IA32E_MODE_GUEST		(1U << 9)
#define ENTRY_TO_SMM			(1U << 10)
#define ENTRY_DEACT_DUAL_MONITOR	(1U << 11)
#define ENTRY_LOAD_PERF_GLOBAL_CTRL	(1U << 13)
#define ENTRY_LOAD_IA32_PAT		(1U << 14)
#define ENTRY_LOAD_IA32_EFER		(1U << 15)
#define ENTRY_LOAD_BNDCFGS		(1U << 16)
#define ENTRY_CONCEAL_VMX_FROM_PT	(1U << 17)
#define ENTRY_LOAD_RTIT_CTL		(1U << 18)
#define ENTRY_LOAD_CET_STATE		(1U << 20)
#define ENTRY_LOAD_LBR_CTL		(1U << 21)
#define ENTRY_LOAD_PKRS			(1U << 22)

/* ---- exit reasons (Appendix C), list in vmx_exits.h ------------------- */
enum vmx_exit_reason {
#define VMX_EXIT_REASON_ENUM(name, nr, text) EXIT_REASON_##name = nr,
	VMX_EXIT_REASONS(VMX_EXIT_REASON_ENUM)
#undef VMX_EXIT_REASON_ENUM
	EXIT_REASON_MAX = 76,
};
/* Exit reason field bits (25.9.1) */
#define EXIT_REASON_BASIC(r)		((r) & 0xffff)
#define EXIT_REASON_ENCLAVE		(1U << 27)
#define EXIT_REASON_PENDING_MTF		(1U << 28)
#define EXIT_REASON_FROM_ROOT		(1U << 29)
#define EXIT_REASON_ENTRY_FAILURE	(1U << 31)

/* VM-instruction error numbers (31.4) */
enum vmx_insn_error {
	VMXERR_VMCALL_IN_ROOT = 1,
	VMXERR_VMCLEAR_INVALID_ADDR = 2,
	VMXERR_VMCLEAR_VMXON_PTR = 3,
	VMXERR_VMLAUNCH_NOT_CLEAR = 4,
	VMXERR_VMRESUME_NOT_LAUNCHED = 5,
	VMXERR_VMRESUME_AFTER_VMXOFF = 6,
	VMXERR_ENTRY_INVALID_CONTROL = 7,
	VMXERR_ENTRY_INVALID_HOST_STATE = 8,
	VMXERR_VMPTRLD_INVALID_ADDR = 9,
	VMXERR_VMPTRLD_VMXON_PTR = 10,
	VMXERR_VMPTRLD_BAD_REVISION = 11,
	VMXERR_UNSUPPORTED_FIELD = 12,
	VMXERR_VMWRITE_READ_ONLY = 13,
	VMXERR_VMXON_IN_ROOT = 15,
	VMXERR_ENTRY_INVALID_EXEC_VMCS = 16,
	VMXERR_ENTRY_NONLAUNCHED_EXEC_VMCS = 17,
	VMXERR_ENTRY_EXEC_VMCS_NOT_VMXON = 18,
	VMXERR_VMCALL_NOT_CLEAR = 19,
	VMXERR_VMCALL_INVALID_EXIT_CONTROLS = 20,
	VMXERR_VMCALL_BAD_MSEG_REVISION = 22,
	VMXERR_VMXOFF_DUAL_MONITOR = 23,
	VMXERR_VMCALL_BAD_SMM_FEATURES = 24,
	VMXERR_ENTRY_INVALID_EXEC_CONTROL_EXEC_VMCS = 25,
	VMXERR_ENTRY_MOV_SS_BLOCKING = 26,
	VMXERR_INVALID_INVEPT_INVVPID_OPERAND = 28,
};

/* Interruption-information format (25.8.3, 25.9.2) */
#define INTR_INFO_VECTOR(i)		((i) & 0xff)
#define INTR_INFO_TYPE(i)		(((i) >> 8) & 7)
#define INTR_INFO_ERROR_CODE_VALID	(1U << 11)
#define INTR_INFO_NMI_UNBLOCK_IRET	(1U << 12)
#define INTR_INFO_VALID			(1U << 31)
enum {
	INTR_TYPE_EXT_INTR = 0,
	INTR_TYPE_NMI = 2,
	INTR_TYPE_HW_EXCEPTION = 3,
	INTR_TYPE_SW_INTR = 4,
	INTR_TYPE_PRIV_SW_EXCEPTION = 5,
	INTR_TYPE_SW_EXCEPTION = 6,
	INTR_TYPE_OTHER = 7,
};
#define INTR_INFO(vec, type, has_err) \
	(INTR_INFO_VALID | ((uint32_t)(type) << 8) | (vec) | \
	 ((has_err) ? INTR_INFO_ERROR_CODE_VALID : 0))

/* Guest interruptibility state (25.4.2, Table 25-3) */
#define INTERRUPTIBILITY_STI		(1U << 0)
#define INTERRUPTIBILITY_MOV_SS		(1U << 1)
#define INTERRUPTIBILITY_SMI		(1U << 2)
#define INTERRUPTIBILITY_NMI		(1U << 3)
/* Guest activity state (25.4.2) */
enum { ACTIVITY_ACTIVE = 0, ACTIVITY_HLT = 1, ACTIVITY_SHUTDOWN = 2,
       ACTIVITY_WAIT_SIPI = 3 };

/* Exit qualifications (Tables 28-3 .. 28-7) */
#define EXITQ_CR_NUM(q)			((unsigned)((q) & 0xf))
#define EXITQ_CR_ACCESS_TYPE(q)		((unsigned)(((q) >> 4) & 3))
#define EXITQ_CR_LMSW_MEM		(1U << 6)
#define EXITQ_CR_GPR(q)			((unsigned)(((q) >> 8) & 0xf))
#define EXITQ_CR_LMSW_DATA(q)		((unsigned)(((q) >> 16) & 0xffff))
enum { CR_ACCESS_MOV_TO = 0, CR_ACCESS_MOV_FROM = 1, CR_ACCESS_CLTS = 2,
       CR_ACCESS_LMSW = 3 };
#define EXITQ_IO_SIZE(q)		((unsigned)((q) & 7) + 1)
#define EXITQ_IO_IN			(1U << 3)
#define EXITQ_IO_STRING			(1U << 4)
#define EXITQ_IO_REP			(1U << 5)
#define EXITQ_IO_IMM			(1U << 6)
#define EXITQ_IO_PORT(q)		((unsigned)(((q) >> 16) & 0xffff))
#define EXITQ_EPT_READ			(1U << 0)
#define EXITQ_EPT_WRITE			(1U << 1)
#define EXITQ_EPT_FETCH			(1U << 2)
#define EXITQ_EPT_READABLE		(1U << 3)
#define EXITQ_EPT_WRITABLE		(1U << 4)
#define EXITQ_EPT_EXECUTABLE		(1U << 5)
#define EXITQ_EPT_GLA_VALID		(1U << 7)
#define EXITQ_EPT_GLA_TRANSLATED	(1U << 8)
#define EXITQ_EPT_NMI_UNBLOCK		(1U << 12)

/* ---- EPT (ch. 29.3) ---------------------------------------------------- */
#define EPT_R				(1ULL << 0)
#define EPT_W				(1ULL << 1)
#define EPT_X				(1ULL << 2)
#define EPT_RWX				(EPT_R | EPT_W | EPT_X)
#define EPT_MT_SHIFT			3
#define EPT_MT_UC			0ULL
#define EPT_MT_WB			6ULL
#define EPT_IGNORE_PAT			(1ULL << 6)
#define EPT_LARGE			(1ULL << 7)
#define EPT_ACCESSED			(1ULL << 8)
#define EPT_DIRTY			(1ULL << 9)
#define EPTP_MT_WB			6ULL
#define EPTP_PWL4			(3ULL << 3)
#define EPTP_AD				(1ULL << 6)

enum { INVEPT_SINGLE_CONTEXT = 1, INVEPT_ALL_CONTEXT = 2 };
enum { INVVPID_ADDRESS = 0, INVVPID_SINGLE_CONTEXT = 1,
       INVVPID_ALL_CONTEXT = 2, INVVPID_SINGLE_CONTEXT_NOGLOBAL = 3 };

/* ---- instruction wrappers ---------------------------------------------- */
/* Outcome of a VMX instruction (31.2): CF=1 VMfailInvalid, ZF=1 VMfailValid. */
enum vmx_result {
	VMX_SUCCEED = 0,
	VMX_FAIL_INVALID = 1,
	VMX_FAIL_VALID = 2,
};

static inline int vmx_result(bool cf, bool zf)
{
	return cf ? VMX_FAIL_INVALID : zf ? VMX_FAIL_VALID : VMX_SUCCEED;
}

static inline int vmxon(uint64_t pa)
{
	bool cf, zf;

	asm volatile("vmxon %[pa]" : "=@ccc"(cf), "=@ccz"(zf)
		     : [pa] "m"(pa) : "memory");
	return vmx_result(cf, zf);
}

static inline int vmxoff(void)
{
	bool cf, zf;

	asm volatile("vmxoff" : "=@ccc"(cf), "=@ccz"(zf) : : "memory");
	return vmx_result(cf, zf);
}

static inline int vmclear(uint64_t pa)
{
	bool cf, zf;

	asm volatile("vmclear %[pa]" : "=@ccc"(cf), "=@ccz"(zf)
		     : [pa] "m"(pa) : "memory");
	return vmx_result(cf, zf);
}

static inline int vmptrld(uint64_t pa)
{
	bool cf, zf;

	asm volatile("vmptrld %[pa]" : "=@ccc"(cf), "=@ccz"(zf)
		     : [pa] "m"(pa) : "memory");
	return vmx_result(cf, zf);
}

/* VMPTRST stores the current-VMCS pointer (~0 if none) to *pa. */
static inline int vmptrst(uint64_t *pa)
{
	bool cf, zf;

	asm volatile("vmptrst %[pa]" : "=@ccc"(cf), "=@ccz"(zf), [pa] "=m"(*pa)
		     : : "memory");
	return vmx_result(cf, zf);
}

/* On failure *value is left as it was (VMREAD writes nothing). */
static inline int vmread(uint64_t field, uint64_t *value)
{
	bool cf, zf;
	uint64_t v = *value;

	asm volatile("vmread %[f], %[v]" : "=@ccc"(cf), "=@ccz"(zf),
		     [v] "+r"(v) : [f] "r"(field) : "memory");
	*value = v;
	return vmx_result(cf, zf);
}

static inline int vmwrite(uint64_t field, uint64_t value)
{
	bool cf, zf;

	asm volatile("vmwrite %[v], %[f]" : "=@ccc"(cf), "=@ccz"(zf)
		     : [v] "rm"(value), [f] "r"(field) : "memory");
	return vmx_result(cf, zf);
}

/* VMCALL from VMX root operation: VMfail (31.3, VMCALL). */
static inline int vmcall(void)
{
	bool cf, zf;

	asm volatile("vmcall" : "=@ccc"(cf), "=@ccz"(zf) : : "memory");
	return vmx_result(cf, zf);
}

/* VMCALL from a guest: the VM exit hands (nr, arg) to the hypervisor in
 * RAX/RDI, which may return a value in RAX. */
static inline uint64_t guest_vmcall(uint64_t nr, uint64_t arg)
{
	uint64_t ret;

	asm volatile("vmcall" : "=a"(ret) : "a"(nr), "D"(arg) : "memory", "cc");
	return ret;
}

static inline int invept(uint64_t type, uint64_t eptp)
{
	struct { uint64_t eptp, reserved; } desc = { eptp, 0 };
	bool cf, zf;

	asm volatile("invept %[d], %[t]" : "=@ccc"(cf), "=@ccz"(zf)
		     : [d] "m"(desc), [t] "r"(type) : "memory");
	return vmx_result(cf, zf);
}

static inline int invvpid(uint64_t type, uint16_t vpid, uint64_t gla)
{
	struct { uint64_t vpid, gla; } desc = { vpid, gla };
	bool cf, zf;

	asm volatile("invvpid %[d], %[t]" : "=@ccc"(cf), "=@ccz"(zf)
		     : [d] "m"(desc), [t] "r"(type) : "memory");
	return vmx_result(cf, zf);
}

/* VMFUNC (only meaningful in VMX non-root operation; #UD in root). */
static inline void vmfunc(uint32_t function, uint32_t index)
{
	asm volatile("vmfunc" : : "a"(function), "c"(index) : "memory");
}

/* Guest registers VM entry loads and VM exit saves (everything the VMCS
 * does not hold).  Offsets are used by vmx_entry.S. */
struct vmx_gprs {
	uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
};

/*
 * VMLAUNCH / VMRESUME with the guest GPRs in *g.  HOST_RSP is set to the
 * caller's stack and HOST_RIP must be vmx_exit_stub (vmx_setup_host does
 * that), so a VM exit "returns" VMX_SUCCEED here with *g updated.  A
 * VMfail returns VMX_FAIL_INVALID or VMX_FAIL_VALID with *g untouched.
 */
int vmx_enter(struct vmx_gprs *g, int launch);
extern char vmx_exit_stub[];

/* Bare VMLAUNCH/VMRESUME for failure tests only: if the entry succeeded
 * the exit would land in vmx_exit_stub without a vmx_enter frame. */
static inline int vmlaunch_bare(void)
{
	bool cf, zf;

	asm volatile("vmlaunch" : "=@ccc"(cf), "=@ccz"(zf) : : "memory");
	return vmx_result(cf, zf);
}

static inline int vmresume_bare(void)
{
	bool cf, zf;

	asm volatile("vmresume" : "=@ccc"(cf), "=@ccz"(zf) : : "memory");
	return vmx_result(cf, zf);
}

static inline int vmlaunch(struct vmx_gprs *g)
{
	return vmx_enter(g, 1);
}

static inline int vmresume(struct vmx_gprs *g)
{
	return vmx_enter(g, 0);
}

/* ---- library ----------------------------------------------------------- */
struct vmcs_field_desc {
	const char *name;
	uint32_t encoding;
};
extern const struct vmcs_field_desc vmcs_field_table[];
extern const unsigned vmcs_field_count;
const char *vmcs_field_name(uint32_t encoding);
const char *vmx_exit_reason_name(uint32_t basic_reason);

/* The VM-instruction error field (0x4400) of the current VMCS. */
uint32_t vmx_insn_error(void);
/* VMREAD that returns the value (0 on failure). */
uint64_t vmcs_read(uint64_t field);
/* VMWRITE that reports a failure as a test failure. */
void vmcs_write(uint64_t field, uint64_t value);

struct vmx_caps {
	uint64_t basic, pin, proc, exit, entry, misc;
	uint64_t cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1, vmcs_enum;
	uint64_t proc2, ept_vpid, vmfunc;
	/* The MSRs that decide control settings: TRUE_ ones when BASIC[55]. */
	uint64_t pin_ctl, proc_ctl, exit_ctl, entry_ctl;
};
extern struct vmx_caps vmx_caps;

bool vmx_supported(void);		/* CPUID.1:ECX[5] */
void vmx_read_caps(struct vmx_caps *c);
/* Allowed-0/allowed-1 rule (A.3): bits 31:0 must-be-1, 63:32 may-be-1. */
static inline uint32_t vmx_adjust_ctl(uint64_t cap, uint32_t want)
{
	return (want | (uint32_t)cap) & (uint32_t)(cap >> 32);
}
static inline bool vmx_ctl_allowed1(uint64_t cap, uint32_t bits)
{
	return ((uint32_t)(cap >> 32) & bits) == bits;
}
static inline bool vmx_ctl_allowed0(uint64_t cap, uint32_t bits)
{
	return ((uint32_t)cap & bits) == 0;
}
/* CR0/CR4 values adjusted to the VMX fixed bits (A.7, A.8). */
uint64_t vmx_fix_cr0(uint64_t cr0);
uint64_t vmx_fix_cr4(uint64_t cr4);

/* A zeroed page holding the revision id (VMXON region or VMCS, 25.2). */
void *vmx_alloc_region(void);
/* CPUID check, FEATURE_CONTROL (lock + VMXON outside SMX), fixed CR0/CR4
 * bits, CR4.VMXE, VMXON.  Returns a vmx_result, or -1 if VMX is absent
 * or locked off. */
int vmx_enable(void);
uint64_t vmx_vmxon_region(void);
int vmx_disable(void);

/* A VM: one VMCS plus the state the VMCS does not hold. */
struct vmx_vm {
	void *vmcs;
	uint64_t vmcs_pa;
	struct vmx_gprs regs;
	bool launched;
	int last_result;		/* of the last VM entry attempt */
	uint32_t last_error;		/* VM-instruction error if VMfailValid */
	uint32_t exit_reason;		/* full exit-reason field */
	uint64_t exit_qual;
	uint32_t exit_intr_info;
	uint32_t exit_intr_error;
	uint32_t exit_insn_len;
	uint64_t guest_phys;
	uint32_t exits[EXIT_REASON_MAX];	/* counts by basic reason */
	uint32_t entry_failures;
};

/* Allocate a VMCS, VMCLEAR + VMPTRLD it, and fill host state, guest state
 * for a 64-bit guest on the firmware's page tables (entry point rip, stack
 * top rsp), and default controls.  The VMCS stays current. */
void vmx_vm_init(struct vmx_vm *vm, void (*rip)(void), uint64_t rsp);
/* The same on the VMCS vm already has (VMCLEAR first: launch state clear). */
void vmx_vm_reset(struct vmx_vm *vm, void (*rip)(void), uint64_t rsp);
void vmx_setup_host(void);
void vmx_setup_guest64(uint64_t rip, uint64_t rsp);
void vmx_setup_controls(void);
/* Set/clear bits in a 32-bit control field, keeping to the capability
 * MSRs; returns false (and changes nothing) if a bit cannot be set. */
bool vmx_set_ctl(uint64_t field, uint32_t set, uint32_t clear);
/* Run the current VMCS (VMLAUNCH if not launched else VMRESUME) and
 * record the exit.  Returns a vmx_result. */
int vmx_vm_run(struct vmx_vm *vm);
/* Fill vm's exit fields from the current VMCS after an exit (only the
 * fields that exit defines; vmx_vm_run does it). */
void vmx_read_exit_info(struct vmx_vm *vm);
/* --vmx-check (docs/vmx-check.md): the VMX operations between
 * vmx_check_deliberate(true) and (false) break a rule on purpose (a
 * VMfail, an undefined field); vmxbox's port 0xf6 (docs/boot.md) keeps
 * them out of the reports.  Elsewhere an unclaimed port: a no-op. */
static inline void vmx_check_deliberate(bool on)
{
	outb(0xf6, on);
}
/* Advance GUEST_RIP past the exiting instruction. */
void vmx_skip_insn(void);
/* A fresh page for a guest stack; returns the stack top. */
uint64_t vmx_guest_stack(void);

/* EPT (29.3): a 4-level structure built from page_alloc() pages. */
struct ept {
	uint64_t *pml4;
	uint64_t eptp;
};
void ept_init(struct ept *e, bool ad);
/* Identity-map [0, size) with 2 MiB pages, memory type WB. */
void ept_identity_map(struct ept *e, uint64_t size, uint64_t perms);
/* Map one 4 KiB page gpa -> hpa (splitting a 2 MiB page if needed). */
void ept_map_4k(struct ept *e, uint64_t gpa, uint64_t hpa, uint64_t perms);
/* The leaf entry for gpa (4 KiB after splitting), or NULL if unmapped. */
uint64_t *ept_entry(struct ept *e, uint64_t gpa);

/* MSR bitmap (25.6.9): one page; intercept reads/writes of one MSR. */
void msr_bitmap_set(void *bitmap, uint32_t msr, bool read, bool write);
/* I/O bitmaps (25.6.4): two pages, A for 0-0x7fff, B for 0x8000-0xffff. */
void io_bitmap_set(void *a, void *b, uint16_t port, bool intercept);

/* MSR load/store area entry (25.7.2, 25.8.2). */
struct vmx_msr_entry {
	uint32_t index;
	uint32_t reserved;
	uint64_t value;
} __attribute__((aligned(16)));

#endif
