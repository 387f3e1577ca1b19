// SPDX-License-Identifier: MIT
/*
 * Consistency of the VMX capability MSRs (SDM Appendix A): allowed-0 and
 * allowed-1 settings, default1 classes, TRUE_ MSRs, fixed CR bits, MSR
 * presence rules, and that the MSRs are read-only.
 */
#include "string.h"
#include "vmxtest.h"

struct msr_op {
	uint32_t msr;
	uint64_t value;
};

static void rdmsr_fn(void *p)
{
	struct msr_op *o = p;

	o->value = rdmsr(o->msr);
}

static void wrmsr_fn(void *p)
{
	struct msr_op *o = p;

	wrmsr(o->msr, o->value);
}

static void test_basic(void)
{
	uint64_t b = vmx_caps.basic;

	report(VMX_BASIC_REVISION(b) != 0, "basic revision id nonzero");
	expect_eq(b & (1ULL << 31), 0, "basic bit 31 is zero");
	report(VMX_BASIC_VMCS_SIZE(b) > 0 && VMX_BASIC_VMCS_SIZE(b) <= 4096,
	       "basic vmcs region size in 1..4096");
	expect_eq(b & VMX_BASIC_32BIT_ADDR, 0,
		  "basic 64-bit physical addresses");
	expect_eq(VMX_BASIC_MEMTYPE(b), 6, "basic vmcs memory type wb");
	expect_eq(b & ((0x7ULL << 45) | (0x7fULL << 57)), 0,
		  "basic reserved bits zero");
}

static void check_ctl(const char *name, uint64_t plain, uint64_t truev,
		      uint32_t default1)
{
	uint32_t a0 = (uint32_t)plain, a1 = (uint32_t)(plain >> 32);

	expect_eq(a0 & ~a1, 0, "%s must-be-1 bits are allowed-1", name);
	expect_eq(a0 & default1, default1, "%s default1 bits must be 1", name);
	if (vmx_caps.basic & VMX_BASIC_TRUE_CTLS) {
		uint32_t t0 = (uint32_t)truev, t1 = (uint32_t)(truev >> 32);

		expect_eq(t1, a1, "%s true allowed-1 equals plain", name);
		expect_eq(t0 & ~a0, 0, "%s true allowed-0 within plain", name);
		expect_eq(t0 & ~t1, 0, "%s true must-be-1 bits are allowed-1",
			  name);
		/* Only default1 bits may differ between the two (A.2). */
		expect_eq((a0 ^ t0) & ~default1, 0,
			  "%s true differs only in default1 bits", name);
	}
}

static void test_controls(void)
{
	struct vmx_caps *c = &vmx_caps;

	/* Default1 classes: A.3.1, A.3.2, A.4.1, A.5.1. */
	check_ctl("pinbased", c->pin, c->pin_ctl,
		  0x00000016);
	check_ctl("procbased", c->proc,
		  c->proc_ctl, 0x0401e172);
	check_ctl("exit", c->exit, c->exit_ctl,
		  0x00036dff);
	check_ctl("entry", c->entry, c->entry_ctl,
		  0x000011ff);
	if (vmx_ctl_allowed1(c->proc, CPU_ACTIVATE_SECONDARY))
		expect_eq((uint32_t)c->proc2, 0,
			  "procbased2 has no must-be-1 bits");
	/* A.3.3: "RDRAND exiting" / "RDSEED exiting" may be 1 only on a
	 * processor with the instruction (run also with -rdrand,-rdseed). */
	expect_eq(vmx_ctl_allowed1(c->proc2, SEC_RDRAND_EXITING),
		  !!(cpuid(1, 0).ecx & (1u << 30)),
		  "rdrand exiting allowed-1 exactly with cpuid rdrand");
	expect_eq(vmx_ctl_allowed1(c->proc2, SEC_RDSEED_EXITING),
		  !!(cpuid(7, 0).ebx & (1u << 18)),
		  "rdseed exiting allowed-1 exactly with cpuid rdseed");
	report(vmx_ctl_allowed1(c->exit_ctl, EXIT_HOST_ADDR_SPACE_SIZE),
	       "exit host address-space size allowed");
	report(vmx_ctl_allowed1(c->entry_ctl, ENTRY_IA32E_MODE_GUEST),
	       "entry ia-32e mode guest allowed");
}

static void test_fixed(void)
{
	struct vmx_caps *c = &vmx_caps;

	expect_eq(c->cr0_fixed0 & (CR0_PE | CR0_NE | CR0_PG),
		  CR0_PE | CR0_NE | CR0_PG, "cr0 fixed0 has pe ne pg");
	expect_eq(c->cr0_fixed0 & ~c->cr0_fixed1, 0, "cr0 fixed0 within fixed1");
	expect_eq(c->cr4_fixed0 & CR4_VMXE, CR4_VMXE, "cr4 fixed0 has vmxe");
	expect_eq(c->cr4_fixed0 & ~c->cr4_fixed1, 0, "cr4 fixed0 within fixed1");
	expect_eq(vmx_fix_cr0(read_cr0()), read_cr0(),
		  "current cr0 obeys the fixed bits");
}

static void test_misc(void)
{
	uint64_t m = vmx_caps.misc;

	report(VMX_MISC_CR3_TARGETS(m) <= 256, "misc cr3-target count <= 256");
	expect_eq(vmx_caps.vmcs_enum & ~0x3feULL, 0,
		  "vmcs_enum reserved bits zero");
	if (vmx_ctl_allowed1(vmx_caps.proc2, SEC_ENABLE_EPT)) {
		expect_eq(vmx_caps.ept_vpid & EPT_CAP_PWL4, EPT_CAP_PWL4,
			  "ept page-walk length 4 supported");
		report(vmx_caps.ept_vpid & (EPT_CAP_MT_WB | EPT_CAP_MT_UC),
		       "ept wb or uc memory type supported");
	}
	if (vmx_ctl_allowed1(vmx_caps.proc2, SEC_ENABLE_VPID))
		expect_eq(vmx_caps.ept_vpid & VPID_CAP_INVVPID, VPID_CAP_INVVPID,
			  "invvpid supported with vpid");
}

static void test_msr_access(void)
{
	bool sec = vmx_ctl_allowed1(vmx_caps.proc, CPU_ACTIVATE_SECONDARY);
	bool eptvpid = sec && (vmx_ctl_allowed1(vmx_caps.proc2, SEC_ENABLE_EPT) ||
			       vmx_ctl_allowed1(vmx_caps.proc2, SEC_ENABLE_VPID));
	bool vmfunc = sec && vmx_ctl_allowed1(vmx_caps.proc2, SEC_ENABLE_VMFUNC);
	bool tertiary = vmx_ctl_allowed1(vmx_caps.proc, CPU_ACTIVATE_TERTIARY);
	bool truec = vmx_caps.basic & VMX_BASIC_TRUE_CTLS;

	for (uint32_t msr = 0x480; msr <= 0x492; msr++) {
		struct msr_op o = { msr, 0 };
		struct trap_info ti;
		bool exists = true;
		int v;

		if (msr == MSR_IA32_VMX_PROCBASED_CTLS2)
			exists = sec;
		else if (msr == MSR_IA32_VMX_EPT_VPID_CAP)
			exists = eptvpid;
		else if (msr >= 0x48d && msr <= 0x490)
			exists = truec;
		else if (msr == MSR_IA32_VMX_VMFUNC)
			exists = vmfunc;
		else if (msr == MSR_IA32_VMX_PROCBASED_CTLS3)
			exists = tertiary;
		v = trap_try(rdmsr_fn, &o, &ti);
		if (exists)
			expect_eq(v, -1, "rdmsr 0x%x readable", msr);
		else
			expect_eq(v, VEC_GP, "rdmsr 0x%x absent is #GP", msr);
		if (exists) {
			v = trap_try(wrmsr_fn, &o, &ti);
			expect_eq(v, VEC_GP, "wrmsr 0x%x read-only is #GP", msr);
		}
	}
}

/* --vmx=off (command line "novmx"): CPUID.1:ECX.VMX clear and every
 * capability MSR #GP, as on a processor without VMX (Appendix A). */
static int test_no_vmx(void)
{
	test_section("vmx not advertised");
	report(!vmx_supported(), "cpuid.1:ecx.vmx clear");
	for (uint32_t msr = 0x480; msr <= 0x491; msr++) {
		struct msr_op o = { msr, 0 };
		struct trap_info ti;

		expect_eq(trap_try(rdmsr_fn, &o, &ti), VEC_GP,
			  "rdmsr 0x%x without vmx is #GP", msr);
	}
	return test_summary();
}

int main(void)
{
	printf("vmxbox nested test: capability msrs\n");
	if (!strcmp(boot_info.cmdline, "novmx"))
		return test_no_vmx();
	if (!report(vmx_supported(), "cpuid.1:ecx.vmx set"))
		return test_summary();
	vmx_read_caps(&vmx_caps);
	test_section("basic");
	test_basic();
	test_section("controls");
	test_controls();
	test_section("fixed cr bits");
	test_fixed();
	test_section("misc");
	test_misc();
	test_section("msr access");
	test_msr_access();
	return test_summary();
}
