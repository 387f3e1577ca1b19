// SPDX-License-Identifier: MIT
/*
 * L2 offload placement (src/vmx/offload.c, docs/kvm.md "L2 offload:
 * placement"): the VMCS of the nested suite's L2 compute loop (bench
 * l2alu: EPT, MSR bitmaps, 64-bit L2) goes to KVM on a host that can
 * report every exit; each blocking control or guest state, set alone on
 * that VMCS, keeps L2 on the interpreter with exactly its reason; the
 * controls a KVM guest can honour stay on KVM; the first blocker in rule
 * order is the one named.  No KVM, no guest.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "core/cpu_state.h"
#include "vmx/offload.h"
#include "vmx/vmcs.h"
#include "vmxb_fixture.h"

#define ALL_FACTS 0xffffffffu
#define NO_MOD    { 0, 0, 0 }

static uint64_t f[VMCS_FIELD_COUNT];

/* The runtime's vmx_setup_controls() + vm_with_ept() under vmxbox's TRUE
 * capability MSRs: default1 bits, MSR bitmaps, secondary with EPT, a
 * 64-bit guest, save/load EFER. */
static void base_vmcs(void)
{
	memset(f, 0, sizeof(f));
	f[VMCS_IDX_PIN_BASED_VM_EXEC_CONTROL] = 0x16;
	f[VMCS_IDX_CPU_BASED_VM_EXEC_CONTROL] = (0x0401e172 & ~(CPU_CR3_LOAD_EXITING |
		CPU_CR3_STORE_EXITING)) | CPU_USE_MSR_BITMAPS | CPU_ACTIVATE_SECONDARY;
	f[VMCS_IDX_SECONDARY_VM_EXEC_CONTROL] = CPU2_ENABLE_EPT;
	f[VMCS_IDX_EPT_POINTER] = 0x123000 | (3 << 3) | 6;
	f[VMCS_IDX_VM_EXIT_CONTROLS] = 0x36dfb | EXIT_CTL_HOST_ADDR_SPACE_SIZE |
		EXIT_CTL_SAVE_EFER | EXIT_CTL_LOAD_EFER;
	f[VMCS_IDX_VM_ENTRY_CONTROLS] = 0x11fb | ENTRY_CTL_IA32E_MODE_GUEST |
		ENTRY_CTL_LOAD_EFER;
	f[VMCS_IDX_GUEST_CR0] = CR0_PE | CR0_ET | CR0_NE | CR0_PG;
	f[VMCS_IDX_GUEST_CR4] = CR4_PAE;
	f[VMCS_IDX_GUEST_IA32_EFER] = 0x500;
	f[VMCS_IDX_VMCS_LINK_POINTER] = ~0ull;
}

static struct vmx_offload_verdict decide(uint32_t facts)
{
	struct vmx_offload_host h = { .facts = facts };
	struct vmx_offload_verdict v;

	memset(&v, 0xa5, sizeof(v));
	ck_assert_int_eq(vmx_offload_decide(f, &h, &v), v.place);
	return v;
}

START_TEST(compute_loop_goes_to_kvm)
{
	struct vmx_offload_verdict v;

	base_vmcs();
	v = decide(ALL_FACTS);
	ck_assert_int_eq(v.place, VMX_OFFLOAD_KVM);
	ck_assert_int_eq(v.reason, VMX_OFFLOAD_NONE);
	ck_assert_uint_eq(v.detail, 0);
}
END_TEST

/* Upstream KVM carries out CPUID in the kernel: even the compute loop,
 * which has no blocking control, stays on the interpreter there. */
START_TEST(upstream_kvm_keeps_cpuid_on_interp)
{
	struct vmx_offload_verdict v;
	char buf[96];

	base_vmcs();
	v = decide(vmx_offload_host_kvm.facts);
	ck_assert_int_eq(v.place, VMX_OFFLOAD_INTERP);
	ck_assert_int_eq(v.reason, VMX_OFFLOAD_CPUID);
	ck_assert_str_eq(vmx_offload_format(&v, buf, sizeof(buf)),
			 "interp (CPUID (exits unconditionally))");
}
END_TEST

struct mod {
	unsigned idx;       /* VMCS_IDX_*; 0 with both masks 0: none */
	uint64_t set, clear;
};

struct offload_case {
	const char *what;
	struct mod m[2];
	uint32_t facts_clear;    /* host facts taken away */
	enum vmx_offload_reason want;   /* NONE: stays on KVM */
	uint64_t detail;
};

#define PIN(b)   { VMCS_IDX_PIN_BASED_VM_EXEC_CONTROL, (b), 0 }
#define PROC(b)  { VMCS_IDX_CPU_BASED_VM_EXEC_CONTROL, (b), 0 }
#define PROC2(b) { VMCS_IDX_SECONDARY_VM_EXEC_CONTROL, (b), 0 }
#define PROC3(b) { VMCS_IDX_TERTIARY_VM_EXEC_CONTROL, (b), 0 }
#define TERT     PROC(CPU_ACTIVATE_TERTIARY)
#define ENTRY(b) { VMCS_IDX_VM_ENTRY_CONTROLS, (b), 0 }
#define FLD(i, v) { VMCS_IDX_##i, (v), 0 }
#define R(id)    VMX_OFFLOAD_##id

static const struct offload_case cases[] = {
	/* blocking controls, one at a time */
	{ "virtual NMIs", { PIN(PIN_VIRTUAL_NMIS | PIN_NMI_EXITING) }, 0, R(VIRTUAL_NMIS), 0 },
	{ "preemption timer, no host timer", { PIN(PIN_PREEMPTION_TIMER) },
	  VMX_OFFLOAD_HOST_TIMER, R(PREEMPT_TIMER), 0 },
	{ "posted interrupts", { PIN(PIN_POSTED_INTR) }, 0, R(POSTED_INTR), 0 },
	{ "interrupt window, no window exit", { PROC(CPU_INTR_WINDOW_EXITING) },
	  VMX_OFFLOAD_HOST_IRQ_WINDOW, R(INTR_WINDOW), 0 },
	{ "HLT exiting, in-kernel HLT", { PROC(CPU_HLT_EXITING) },
	  VMX_OFFLOAD_HOST_HLT_EXIT, R(HLT), 0 },
	{ "INVLPG exiting", { PROC(CPU_INVLPG_EXITING) }, 0, R(INVLPG), 0 },
	{ "MWAIT exiting", { PROC(CPU_MWAIT_EXITING) }, 0, R(MWAIT), 0 },
	{ "RDPMC exiting", { PROC(CPU_RDPMC_EXITING) }, 0, R(RDPMC), 0 },
	{ "RDTSC exiting", { PROC(CPU_RDTSC_EXITING) }, 0, R(RDTSC), 0 },
	{ "CR3-load exiting", { PROC(CPU_CR3_LOAD_EXITING) }, 0, R(CR3_LOAD), 0 },
	{ "CR3-store exiting", { PROC(CPU_CR3_STORE_EXITING) }, 0, R(CR3_STORE), 0 },
	{ "CR8-load exiting", { PROC(CPU_CR8_LOAD_EXITING) }, 0, R(CR8_LOAD), 0 },
	{ "CR8-store exiting", { PROC(CPU_CR8_STORE_EXITING) }, 0, R(CR8_STORE), 0 },
	{ "use TPR shadow", { PROC(CPU_USE_TPR_SHADOW) }, 0, R(TPR_SHADOW), 0 },
	{ "NMI-window exiting", { PROC(CPU_NMI_WINDOW_EXITING) }, 0, R(NMI_WINDOW), 0 },
	{ "MOV-DR exiting", { PROC(CPU_MOV_DR_EXITING) }, 0, R(MOV_DR), 0 },
	{ "monitor trap flag", { PROC(CPU_MONITOR_TRAP_FLAG) }, 0, R(MTF), 0 },
	{ "MONITOR exiting", { PROC(CPU_MONITOR_EXITING) }, 0, R(MONITOR), 0 },
	{ "PAUSE exiting", { PROC(CPU_PAUSE_EXITING) }, 0, R(PAUSE), 0 },
	{ "APIC-access page", { PROC2(CPU2_VIRT_APIC_ACCESSES) }, 0, R(APIC_ACCESS), 0 },
	{ "descriptor-table exiting", { PROC2(CPU2_DESC_TABLE_EXITING) }, 0, R(DESC_TABLE), 0 },
	{ "virtualize x2APIC mode", { PROC2(CPU2_VIRT_X2APIC_MODE) }, 0, R(X2APIC_MODE), 0 },
	{ "WBINVD exiting", { PROC2(CPU2_WBINVD_EXITING) }, 0, R(WBINVD), 0 },
	{ "APIC-register virtualization", { PROC2(CPU2_APIC_REGISTER_VIRT) }, 0, R(APIC_REG_VIRT), 0 },
	{ "virtual-interrupt delivery", { PROC2(CPU2_VIRT_INTR_DELIVERY) }, 0, R(VIRT_INTR), 0 },
	{ "PAUSE-loop exiting", { PROC2(CPU2_PAUSE_LOOP_EXITING) }, 0, R(PLE), 0 },
	{ "RDRAND exiting", { PROC2(CPU2_RDRAND_EXITING) }, 0, R(RDRAND), 0 },
	{ "VM functions", { PROC2(CPU2_ENABLE_VMFUNC) }, 0, R(VMFUNC), 0 },
	{ "VMCS shadowing", { PROC2(CPU2_VMCS_SHADOWING) }, 0, R(VMCS_SHADOW), 0 },
	{ "ENCLS exiting", { PROC2(CPU2_ENCLS_EXITING) }, 0, R(ENCLS), 0 },
	{ "RDSEED exiting", { PROC2(CPU2_RDSEED_EXITING) }, 0, R(RDSEED), 0 },
	{ "PML", { PROC2(CPU2_ENABLE_PML) }, 0, R(PML), 0 },
	{ "EPT-violation #VE", { PROC2(CPU2_EPT_VIOLATION_VE) }, 0, R(EPT_VE), 0 },
	{ "MBEC", { PROC2(CPU2_MODE_BASED_EPT_EXEC) }, 0, R(MBEC), 0 },
	{ "SPP", { PROC2(CPU2_SUBPAGE_WRITE_PERM) }, 0, R(SPP), 0 },
	{ "TSC scaling, no TSC control", { PROC2(CPU2_TSC_SCALING) },
	  VMX_OFFLOAD_HOST_TSC_SCALING, R(TSC_SCALING), 0 },
	{ "ENCLV exiting", { PROC2(CPU2_ENCLV_EXITING) }, 0, R(ENCLV), 0 },
	{ "LOADIWKEY exiting", { TERT, PROC3(CPU3_LOADIWKEY_EXITING) }, 0, R(LOADIWKEY), 0 },
	{ "HLAT", { TERT, PROC3(CPU3_ENABLE_HLAT) }, 0, R(HLAT), 0 },
	{ "EPT paging-write", { TERT, PROC3(CPU3_EPT_PAGING_WRITE) }, 0, R(EPT_PAGING_WRITE), 0 },
	{ "guest-paging verification", { TERT, PROC3(CPU3_GUEST_PAGING_VERIFY) }, 0, R(PAGING_VERIFY), 0 },
	{ "IPI virtualization", { TERT, PROC3(CPU3_IPI_VIRT) }, 0, R(IPI_VIRT), 0 },
	{ "virtualize IA32_SPEC_CTRL", { TERT, PROC3(CPU3_VIRT_SPEC_CTRL) }, 0, R(SPEC_CTRL), 0 },
	{ "load IA32_RTIT_CTL", { ENTRY(ENTRY_CTL_LOAD_RTIT_CTL) }, 0, R(LOAD_RTIT), 0 },
	{ "load CET", { ENTRY(ENTRY_CTL_LOAD_CET) }, 0, R(LOAD_CET), 0 },
	{ "load LBR_CTL", { ENTRY(ENTRY_CTL_LOAD_LBR_CTL) }, 0, R(LOAD_LBR), 0 },
	{ "load PKRS", { ENTRY(ENTRY_CTL_LOAD_PKRS) }, 0, R(LOAD_PKRS), 0 },
	/* rules over several fields and the guest state */
	{ "MSR exits, no MSR filter", { NO_MOD }, VMX_OFFLOAD_HOST_MSR_FILTER, R(MSR_EXITS), 0 },
	{ "all MSRs exit (no bitmaps), no filter",
	  { { VMCS_IDX_CPU_BASED_VM_EXEC_CONTROL, 0, CPU_USE_MSR_BITMAPS } },
	  VMX_OFFLOAD_HOST_MSR_FILTER, R(MSR_EXITS), 0 },
	{ "EPT A/D flags", { FLD(EPT_POINTER, 1u << 6) }, 0, R(EPT_AD), 0 },
	{ "real mode L2, no unrestricted guest",
	  { PROC2(CPU2_UNRESTRICTED_GUEST),
	    { VMCS_IDX_GUEST_CR0, 0, CR0_PE | CR0_PG } },
	  VMX_OFFLOAD_HOST_UNRESTRICTED, R(REAL_MODE), 0 },
	{ "unpaged L2, no unrestricted guest",
	  { PROC2(CPU2_UNRESTRICTED_GUEST), { VMCS_IDX_GUEST_CR0, 0, CR0_PG } },
	  VMX_OFFLOAD_HOST_UNRESTRICTED, R(REAL_MODE), 0 },
	{ "XSS-exiting bitmap", { PROC2(CPU2_ENABLE_XSAVES), FLD(XSS_EXIT_BITMAP, 1u << 8) },
	  0, R(XSS_BITMAP), 0 },
	{ "exception bitmap #UD", { FLD(EXCEPTION_BITMAP, 1u << 6) }, 0, R(EXC_BITMAP), 6 },
	{ "exception bitmap #MC and #GP", { FLD(EXCEPTION_BITMAP, (1u << 18) | (1u << 13)) },
	  0, R(EXC_BITMAP), 13 },
	{ "every #PF (bit 14, mask 0 match 0)", { FLD(EXCEPTION_BITMAP, 1u << 14) },
	  0, R(EXC_BITMAP), 14 },
	{ "#PF that differ from match (bit 14 clear)", { FLD(PAGE_FAULT_ERROR_CODE_MATCH, 2) },
	  0, R(EXC_BITMAP), 14 },
	{ "CR0 mask", { FLD(CR0_GUEST_HOST_MASK, CR0_PG) }, 0, R(CR0_MASK), CR0_PG },
	{ "CR4 mask", { FLD(CR4_GUEST_HOST_MASK, CR4_VMXE) }, 0, R(CR4_MASK), CR4_VMXE },
	{ "shutdown", { FLD(GUEST_ACTIVITY_STATE, 2) }, 0, R(ACTIVITY), 2 },
	{ "wait-for-SIPI", { FLD(GUEST_ACTIVITY_STATE, 3) }, 0, R(ACTIVITY), 3 },
	{ "pending #DB (BS)", { FLD(GUEST_PENDING_DBG_EXCEPTIONS, 1u << 14) }, 0, R(PENDING_DBG), 0 },
	{ "blocking by SMI", { FLD(GUEST_INTERRUPTIBILITY_INFO, 4) }, 0, R(INTERRUPTIBILITY), 0 },
	{ "enclave interruption", { FLD(GUEST_INTERRUPTIBILITY_INFO, 16) }, 0, R(INTERRUPTIBILITY), 0 },
	{ "injected #GP", { FLD(VM_ENTRY_INTR_INFO_FIELD, INTR_INFO_VALID | 0xb0d) },
	  0, R(EVENT_INJECTION), 0 },
	{ "PAE paging with EPT",
	  { { VMCS_IDX_VM_ENTRY_CONTROLS, 0, ENTRY_CTL_IA32E_MODE_GUEST } },
	  0, R(PAE_PDPTES), 0 },
	{ "CPUID", { NO_MOD }, VMX_OFFLOAD_HOST_CPUID_EXIT, R(CPUID), 0 },
	{ "VMX instructions", { NO_MOD }, VMX_OFFLOAD_HOST_VMX_INSN_EXIT, R(VMX_INSNS), 0 },
	{ "XSETBV", { NO_MOD }, VMX_OFFLOAD_HOST_XSETBV_EXIT, R(XSETBV), 0 },
	{ "INVD", { NO_MOD }, VMX_OFFLOAD_HOST_INVD_EXIT, R(INVD), 0 },
	/* what a plain KVM guest honours: stays on KVM */
	{ "external-interrupt and NMI exiting", { PIN(PIN_EXT_INTR_EXITING | PIN_NMI_EXITING) },
	  0, R(NONE), 0 },
	{ "preemption timer on a host timer", { PIN(PIN_PREEMPTION_TIMER) }, 0, R(NONE), 0 },
	{ "interrupt window with window exits", { PROC(CPU_INTR_WINDOW_EXITING) }, 0, R(NONE), 0 },
	{ "HLT exiting with user-space HLT", { PROC(CPU_HLT_EXITING) }, 0, R(NONE), 0 },
	{ "no HLT exiting, in-kernel HLT", { NO_MOD }, VMX_OFFLOAD_HOST_HLT_EXIT, R(NONE), 0 },
	{ "TSC offsetting", { PROC(CPU_USE_TSC_OFFSETTING), FLD(TSC_OFFSET, 12345) }, 0, R(NONE), 0 },
	{ "unconditional I/O exiting", { PROC(CPU_UNCOND_IO_EXITING) }, 0, R(NONE), 0 },
	{ "I/O bitmaps", { PROC(CPU_USE_IO_BITMAPS) }, 0, R(NONE), 0 },
	{ "acknowledge interrupt on exit",
	  { { VMCS_IDX_VM_EXIT_CONTROLS, EXIT_CTL_ACK_INTR_ON_EXIT | EXIT_CTL_SAVE_PREEMPT_TIMER, 0 } },
	  0, R(NONE), 0 },
	{ "VPID, RDTSCP, INVPCID", { PROC2(CPU2_ENABLE_VPID | CPU2_ENABLE_RDTSCP | CPU2_ENABLE_INVPCID) },
	  0, R(NONE), 0 },
	{ "EPT off (identity slots)", { { VMCS_IDX_SECONDARY_VM_EXEC_CONTROL, 0, CPU2_ENABLE_EPT } },
	  0, R(NONE), 0 },
	{ "PAE paging without EPT",
	  { { VMCS_IDX_SECONDARY_VM_EXEC_CONTROL, 0, CPU2_ENABLE_EPT },
	    { VMCS_IDX_VM_ENTRY_CONTROLS, 0, ENTRY_CTL_IA32E_MODE_GUEST } }, 0, R(NONE), 0 },
	{ "real mode L2 with unrestricted guest",
	  { PROC2(CPU2_UNRESTRICTED_GUEST), { VMCS_IDX_GUEST_CR0, 0, CR0_PE | CR0_PG } },
	  0, R(NONE), 0 },
	{ "XSAVES with a zero XSS-exiting bitmap", { PROC2(CPU2_ENABLE_XSAVES) }, 0, R(NONE), 0 },
	{ "exception bitmap #MC only", { FLD(EXCEPTION_BITMAP, 1u << 18) }, 0, R(NONE), 0 },
	{ "#PF bit with an unmatchable match", { FLD(EXCEPTION_BITMAP, 1u << 14),
	  FLD(PAGE_FAULT_ERROR_CODE_MATCH, 1u << 3) }, 0, R(NONE), 0 },
	{ "CR shadows without masks", { FLD(CR0_READ_SHADOW, CR0_PG), FLD(CR4_READ_SHADOW, CR4_VMXE) },
	  0, R(NONE), 0 },
	{ "HLT activity state", { FLD(GUEST_ACTIVITY_STATE, 1) }, 0, R(NONE), 0 },
	{ "STI, MOV-SS and NMI blocking", { FLD(GUEST_INTERRUPTIBILITY_INFO, 0xb) }, 0, R(NONE), 0 },
	{ "injection field without the valid bit", { FLD(VM_ENTRY_INTR_INFO_FIELD, 0xb0d) },
	  0, R(NONE), 0 },
	/* secondary / tertiary bits without their activate control */
	{ "secondary controls not activated",
	  { PROC2(CPU2_VIRT_APIC_ACCESSES),
	    { VMCS_IDX_CPU_BASED_VM_EXEC_CONTROL, 0, CPU_ACTIVATE_SECONDARY } }, 0, R(NONE), 0 },
	{ "tertiary controls not activated", { PROC3(CPU3_IPI_VIRT) }, 0, R(NONE), 0 },
	/* several blockers: the first in rule order */
	{ "CR3-load before the exception bitmap",
	  { PROC(CPU_CR3_LOAD_EXITING), FLD(EXCEPTION_BITMAP, 1u << 14) }, 0, R(CR3_LOAD), 0 },
	{ "controls before the CR0 mask",
	  { PROC2(CPU2_ENABLE_PML), FLD(CR0_GUEST_HOST_MASK, CR0_PE) }, 0, R(PML), 0 },
	{ "guest state before CPUID",
	  { FLD(GUEST_PENDING_DBG_EXCEPTIONS, 1), NO_MOD }, VMX_OFFLOAD_HOST_CPUID_EXIT,
	  R(PENDING_DBG), 0 },
};

START_TEST(one_case)
{
	const struct offload_case *c = &cases[_i];
	struct vmx_offload_verdict v;

	base_vmcs();
	for (unsigned k = 0; k < 2; k++) {
		f[c->m[k].idx] |= c->m[k].set;
		f[c->m[k].idx] &= ~c->m[k].clear;
	}
	v = decide(ALL_FACTS & ~c->facts_clear);
	ck_assert_msg(v.reason == c->want && v.detail == c->detail,
		      "%s: reason %s (%d) detail 0x%llx, want %s (%d) 0x%llx",
		      c->what, vmx_offload_reason_name(v.reason), v.reason,
		      (unsigned long long)v.detail,
		      vmx_offload_reason_name(c->want), c->want,
		      (unsigned long long)c->detail);
	ck_assert_int_eq(v.place, c->want == VMX_OFFLOAD_NONE ?
			 VMX_OFFLOAD_KVM : VMX_OFFLOAD_INTERP);
}
END_TEST

/* Every reason but NONE is reached by some case above: a rule without a
 * case could be deleted unnoticed. */
START_TEST(every_reason_has_a_case)
{
	for (int r = 1; r < VMX_OFFLOAD_REASON_COUNT; r++) {
		bool seen = false;

		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
			seen |= cases[i].want == (enum vmx_offload_reason)r;
		ck_assert_msg(seen, "no case for %s", vmx_offload_reason_name(r));
	}
}
END_TEST

START_TEST(format)
{
	struct vmx_offload_verdict v = { VMX_OFFLOAD_KVM, VMX_OFFLOAD_NONE, 0 };
	char buf[96];

	ck_assert_str_eq(vmx_offload_format(&v, buf, sizeof(buf)), "kvm");
	v = (struct vmx_offload_verdict){ VMX_OFFLOAD_INTERP, VMX_OFFLOAD_CR3_LOAD, 0 };
	ck_assert_str_eq(vmx_offload_format(&v, buf, sizeof(buf)),
			 "interp (CR3-load exiting)");
	v = (struct vmx_offload_verdict){ VMX_OFFLOAD_INTERP, VMX_OFFLOAD_EXC_BITMAP, 14 };
	ck_assert_str_eq(vmx_offload_format(&v, buf, sizeof(buf)),
			 "interp (exception bitmap: vector 14)");
	v = (struct vmx_offload_verdict){ VMX_OFFLOAD_INTERP, VMX_OFFLOAD_CR4_MASK, 0x2000 };
	ck_assert_str_eq(vmx_offload_format(&v, buf, sizeof(buf)),
			 "interp (CR4 guest/host mask 0x2000)");
	v = (struct vmx_offload_verdict){ VMX_OFFLOAD_INTERP, VMX_OFFLOAD_ACTIVITY, 3 };
	ck_assert_str_eq(vmx_offload_format(&v, buf, sizeof(buf)),
			 "interp (activity state 3)");
	ck_assert_str_eq(vmx_offload_reason_name(VMX_OFFLOAD_REASON_COUNT), "?");
}
END_TEST

/* A vCPU's VMCSes: the current one from its cache, another from its
 * region in guest memory, none outside RAM or without a current VMCS. */
#define OTHER_VMCS 0x40000ull

static struct fix F;

static void setup(void)
{
	fix_init(&F, false);
	fix_baseline(&F);
	fw(&F, VMCS_EXCEPTION_BITMAP, 0);
	fw(&F, VMCS_CR0_GUEST_HOST_MASK, 0);
	fw(&F, VMCS_CR4_GUEST_HOST_MASK, 0);
}

static void teardown(void)
{
	fix_fini(&F);
}

START_TEST(vcpu_current_and_other_vmcs)
{
	const struct vmx_offload_host all = { ALL_FACTS };
	struct vmx_offload_verdict v;

	fw(&F, VMCS_CPU_BASED_VM_EXEC_CONTROL,
	   fr(&F, VMCS_CPU_BASED_VM_EXEC_CONTROL) | CPU_RDTSC_EXITING);
	ck_assert(vmx_offload_decide_current(F.v, &all, &v));
	ck_assert_int_eq(v.reason, VMX_OFFLOAD_RDTSC);
	memset(&v, 0, sizeof(v));
	ck_assert(vmx_offload_decide_vmcs(F.v, &F.mem, FIX_VMCS, &all, &v));
	ck_assert_int_eq(v.reason, VMX_OFFLOAD_RDTSC);

	/* Another region: the current VMCS's fields without RDTSC exiting,
	 * with a #UD intercept, written to memory only. */
	vmx_flush_current(F.v, &F.mem);
	memcpy(gmem_ptr(&F.mem, OTHER_VMCS, VMX_REGION_SIZE),
	       gmem_ptr(&F.mem, FIX_VMCS, VMX_REGION_SIZE), VMX_REGION_SIZE);
	vmcs_region_write(&F.mem, OTHER_VMCS, VMCS_CPU_BASED_VM_EXEC_CONTROL,
			  fr(&F, VMCS_CPU_BASED_VM_EXEC_CONTROL) & ~CPU_RDTSC_EXITING);
	vmcs_region_write(&F.mem, OTHER_VMCS, VMCS_EXCEPTION_BITMAP, 1u << 6);
	ck_assert(vmx_offload_decide_vmcs(F.v, &F.mem, OTHER_VMCS, &all, &v));
	ck_assert_int_eq(v.reason, VMX_OFFLOAD_EXC_BITMAP);
	ck_assert_uint_eq(v.detail, 6);
	vmcs_region_write(&F.mem, OTHER_VMCS, VMCS_EXCEPTION_BITMAP, 0);
	ck_assert(vmx_offload_decide_vmcs(F.v, &F.mem, OTHER_VMCS, &all, &v));
	ck_assert_int_eq(v.place, VMX_OFFLOAD_KVM);
	ck_assert(!vmx_offload_decide_vmcs(F.v, &F.mem, FIX_MEM_SIZE, &all, &v));

	vmcs_clear(F.v, &F.mem, FIX_VMCS);
	ck_assert(!vmx_offload_decide_current(F.v, &all, &v));
}
END_TEST

static Suite *offload_suite(void)
{
	Suite *s = suite_create("vmx_offload");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, compute_loop_goes_to_kvm);
	tcase_add_test(tc, upstream_kvm_keeps_cpuid_on_interp);
	tcase_add_loop_test(tc, one_case, 0, sizeof(cases) / sizeof(cases[0]));
	tcase_add_test(tc, every_reason_has_a_case);
	tcase_add_test(tc, format);
	suite_add_tcase(s, tc);
	tc = tcase_create("vcpu");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, vcpu_current_and_other_vmcs);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return fix_run_suite(offload_suite());
}
