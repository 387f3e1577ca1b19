// SPDX-License-Identifier: MIT
/*
 * VMXON and VMX operation: CPUID, CR4.VMXE, IA32_FEATURE_CONTROL, the
 * VMXON checks and VMfail cases (SDM 23.7, 24.8, 31.3 VMXON/VMXOFF).
 */
#include "vmxtest.h"

static const enum vmx_op outside_ops[] = {
	OP_VMXOFF, OP_VMCLEAR, OP_VMPTRLD, OP_VMPTRST, OP_VMREAD, OP_VMWRITE,
	OP_VMLAUNCH, OP_VMRESUME, OP_VMCALL, OP_INVEPT, OP_INVVPID,
};

static uint64_t cr_value;

static void write_cr4_fn(void *arg)
{
	write_cr4(cr_value);
}

static void write_cr0_fn(void *arg)
{
	write_cr0(cr_value);
}

static int try_cr(void (*fn)(void *), uint64_t v, struct trap_info *ti)
{
	cr_value = v;
	return trap_try(fn, NULL, ti);
}

static void expect_gp0(int vec, const struct trap_info *ti, const char *name)
{
	test_result(vec == VEC_GP && ti->error_code == 0, name,
		    "got vector %d error 0x%lx expected #GP(0)", vec,
		    ti->error_code);
}

/* F3 0F C7 /6 with ModRM.mod = 3: VMXON takes only a memory operand
 * (31.3 VMXON: "#UD if operand is a register"). */
static void vmxon_register(void *arg)
{
	asm volatile(".byte 0xf3, 0x0f, 0xc7, 0xf0" : : : "cc", "memory");
}

static void expect_ud(void (*fn)(void *), const char *name)
{
	struct trap_info ti;
	int v = trap_try(fn, NULL, &ti);

	test_result(v == VEC_UD, name, "got vector %d, expected #UD", v);
}

static void test_outside_vmx(void)
{
	char name[64];
	uint64_t region = (uint64_t)vmx_alloc_region();

	/* CR4.VMXE = 0: VMXON itself is #UD (31.3). */
	expect_vmx_fault(OP_VMXON, region, 0, VEC_UD, 0,
			 "vmxon with cr4.vmxe=0 is #UD");
	write_cr4(read_cr4() | CR4_VMXE);
	expect_ud(vmxon_register, "vmxon with a register operand is #UD");
	write_cr4(read_cr4() & ~CR4_VMXE);
	for (unsigned i = 0; i < ARRAY_SIZE(outside_ops); i++) {
		snprintf(name, sizeof(name), "%s outside vmx operation is #UD",
			 vmx_op_name(outside_ops[i]));
		expect_vmx_fault(outside_ops[i], region, 0, VEC_UD, 0, name);
	}
	write_cr4(read_cr4() | CR4_VMXE);
	expect_eq(read_cr4() & CR4_VMXE, CR4_VMXE, "cr4.vmxe can be set");
	expect_vmx_fault(OP_VMPTRST, 0, 0, VEC_UD, 0,
			 "vmptrst with cr4.vmxe=1 before vmxon is #UD");
	expect_vmx_fault(OP_VMXOFF, 0, 0, VEC_UD, 0,
			 "vmxoff with cr4.vmxe=1 before vmxon is #UD");
}

static void fc_write_again(void *arg)
{
	wrmsr(MSR_IA32_FEATURE_CONTROL, rdmsr(MSR_IA32_FEATURE_CONTROL));
}

/* WRMSR of a value with a bit the CPU model does not back (SDM 24.7):
 * VMXON inside SMX (no SMX), LMCE (bit 20, not advertised). */
static uint64_t fc_value;

static void fc_write_value(void *arg)
{
	wrmsr(MSR_IA32_FEATURE_CONTROL, fc_value);
}

static void expect_fc_reserved(uint64_t bit, const char *name)
{
	struct trap_info ti;
	uint64_t before = rdmsr(MSR_IA32_FEATURE_CONTROL);

	fc_value = before | bit;
	expect_gp0(trap_try(fc_write_value, NULL, &ti), &ti, name);
	expect_eq(rdmsr(MSR_IA32_FEATURE_CONTROL), before, "%s: unchanged",
		  name);
}

static void test_feature_control(uint64_t region)
{
	uint64_t fc = rdmsr(MSR_IA32_FEATURE_CONTROL);
	uint64_t want = FEATURE_CONTROL_LOCK | FEATURE_CONTROL_VMXON_OUT_SMX;
	struct trap_info ti;
	int v;

	if (!(fc & FEATURE_CONTROL_LOCK)) {
		expect_fc_reserved(FEATURE_CONTROL_VMXON_IN_SMX,
				   "feature control vmxon-in-smx without smx is #GP");
		expect_fc_reserved(1ULL << 20,
				   "feature control lmce bit is #GP");
		/* Lock clear: VMXON is #GP(0) (31.3). */
		expect_vmx_fault(OP_VMXON, region, 0, VEC_GP, 0,
				 "vmxon with feature control unlocked is #GP");
		wrmsr(MSR_IA32_FEATURE_CONTROL, fc | want);
		expect_eq(rdmsr(MSR_IA32_FEATURE_CONTROL) & want, want,
			  "feature control lock and vmxon-outside-smx set");
	} else {
		report(fc & FEATURE_CONTROL_VMXON_OUT_SMX,
		       "feature control locked with vmxon-outside-smx");
	}
	/* Once locked, WRMSR to it is #GP (23.7). */
	v = trap_try(fc_write_again, NULL, &ti);
	expect_gp0(v, &ti, "feature control write when locked is #GP");
}

static void test_vmxon_checks(uint64_t region)
{
	struct trap_info ti;
	unsigned maxphy = cpuid(0x80000008, 0).eax & 0xff;
	uint32_t *bad = vmx_alloc_region();
	uint64_t cr0 = read_cr0();
	int r;

	if (vmx_caps.cr0_fixed0 & CR0_NE) {
		cr_value = cr0 & ~CR0_NE;
		write_cr0(cr_value);
		r = vmx_try(OP_VMXON, region, 0, NULL, &ti);
		write_cr0(cr0);
		expect_gp0(r, &ti, "vmxon with cr0.ne=0 (fixed0) is #GP");
	}
	vmx_try(OP_VMXON, region + 0x10, 0, &r, NULL);
	expect_vmx(r, VMX_FAIL_INVALID, 0, "vmxon unaligned region fails");
	vmx_try(OP_VMXON, 1ULL << maxphy, 0, &r, NULL);
	expect_vmx(r, VMX_FAIL_INVALID, 0,
		   "vmxon region beyond maxphyaddr fails");
	bad[0] += 1;
	vmx_try(OP_VMXON, (uint64_t)bad, 0, &r, NULL);
	expect_vmx(r, VMX_FAIL_INVALID, 0, "vmxon wrong revision id fails");
	bad[0] = VMX_BASIC_REVISION(vmx_caps.basic) | 0x80000000u;
	vmx_try(OP_VMXON, (uint64_t)bad, 0, &r, NULL);
	expect_vmx(r, VMX_FAIL_INVALID, 0,
		   "vmxon region with shadow bit 31 fails");
}

static void test_in_vmx(uint64_t region)
{
	struct trap_info ti;
	uint64_t ptr = 0;
	uint64_t vmcs = (uint64_t)vmx_alloc_region();
	int r, v;

	expect_vmx(vmxon(region), VMX_SUCCEED, 0, "vmxon succeeds");
	expect_vmx(vmptrst(&ptr), VMX_SUCCEED, 0, "vmptrst after vmxon");
	expect_eq(ptr, ~0ULL, "no current vmcs after vmxon");
	expect_vmx(vmxon(region), VMX_FAIL_INVALID, 0,
		   "vmxon in root without current vmcs fails invalid");
	expect_ud(vmxon_register, "vmxon with a register operand in root is #UD");
	expect_vmx(vmcall(), VMX_FAIL_INVALID, 0,
		   "vmcall in root without current vmcs fails invalid");
	v = vmx_try(OP_VMFUNC, 0, 0, &r, &ti);
	expect_eq(v, VEC_UD, "vmfunc in root is #UD");

	v = try_cr(write_cr4_fn, read_cr4() & ~CR4_VMXE, &ti);
	expect_gp0(v, &ti, "clearing cr4.vmxe in vmx operation is #GP");
	if (vmx_caps.cr0_fixed0 & CR0_NE) {
		v = try_cr(write_cr0_fn, read_cr0() & ~CR0_NE, &ti);
		expect_gp0(v, &ti, "clearing cr0.ne in vmx operation is #GP");
	}

	expect_vmx(vmclear(vmcs), VMX_SUCCEED, 0, "vmclear a vmcs");
	expect_vmx(vmptrld(vmcs), VMX_SUCCEED, 0, "vmptrld a vmcs");
	expect_vmx(vmxon(region), VMX_FAIL_VALID, VMXERR_VMXON_IN_ROOT,
		   "vmxon in root with current vmcs fails valid");
	expect_vmx(vmcall(), VMX_FAIL_VALID, VMXERR_VMCALL_IN_ROOT,
		   "vmcall in root fails valid");

	expect_vmx(vmxoff(), VMX_SUCCEED, 0, "vmxoff succeeds");
	expect_vmx_fault(OP_VMPTRST, 0, 0, VEC_UD, 0,
			 "vmptrst after vmxoff is #UD");
	v = try_cr(write_cr4_fn, read_cr4() & ~CR4_VMXE, &ti);
	expect_eq(v, -1, "cr4.vmxe can be cleared after vmxoff");
	write_cr4(read_cr4() | CR4_VMXE);

	expect_vmx(vmxon(region), VMX_SUCCEED, 0, "vmxon again succeeds");
	ptr = 0;
	vmptrst(&ptr);
	expect_eq(ptr, ~0ULL, "no current vmcs after second vmxon");
	expect_vmx(vmxoff(), VMX_SUCCEED, 0, "final vmxoff succeeds");
}

/* --append=fcoff: firmware that locks IA32_FEATURE_CONTROL with "enable
 * VMXON outside SMX" clear (a BIOS that disables VMX): VMXON is #GP(0)
 * outside SMX (31.3 VMXON), and nothing can change the MSR until reset. */
static int test_locked_off(void)
{
	uint64_t region = (uint64_t)vmx_alloc_region();
	struct trap_info ti;

	test_section("feature control locked with vmx off");
	wrmsr(MSR_IA32_FEATURE_CONTROL, FEATURE_CONTROL_LOCK);
	expect_eq(rdmsr(MSR_IA32_FEATURE_CONTROL), FEATURE_CONTROL_LOCK,
		  "feature control locked without vmxon-outside-smx");
	expect_gp0(trap_try(fc_write_again, NULL, &ti), &ti,
		   "feature control stays locked");
	write_cr0(vmx_fix_cr0(read_cr0()));
	write_cr4(vmx_fix_cr4(read_cr4() | CR4_VMXE));
	expect_vmx_fault(OP_VMXON, region, 0, VEC_GP, 0,
			 "vmxon with vmxon-outside-smx clear is #GP");
	expect_vmx_fault(OP_VMPTRST, 0, 0, VEC_UD, 0,
			 "still outside vmx operation: vmptrst is #UD");
	expect_eq(vmx_enable(), (uint64_t)-1,
		  "the firmware library sees vmx locked off");
	return test_summary();
}

int main(void)
{
	uint64_t region;

	printf("vmxbox nested test: vmxon\n");
	if (!report(vmx_supported(), "cpuid.1:ecx.vmx set"))
		return test_summary();
	vmx_read_caps(&vmx_caps);
	if (!strcmp(boot_info.cmdline, "fcoff"))
		return test_locked_off();
	region = (uint64_t)vmx_alloc_region();
	test_section("outside vmx operation");
	test_outside_vmx();
	test_section("feature control");
	test_feature_control(region);
	test_section("vmxon checks");
	test_vmxon_checks(region);
	test_section("vmx operation");
	test_in_vmx(region);
	return test_summary();
}
