// SPDX-License-Identifier: MIT
/*
 * VMCLEAR / VMPTRLD / VMPTRST, the current-VMCS pointer, launch state and
 * many VMCSs at once (SDM 25.1, 25.11.3, 31.3).
 */
#include "vmxtest.h"

#define MANY_VMCS 24

static uint64_t current_vmcs(void)
{
	uint64_t p = 0;

	vmptrst(&p);
	return p;
}

static void test_no_current(uint64_t vmcs)
{
	uint64_t v = 0x77;

	expect_vmx(vmread(GUEST_RIP, &v), VMX_FAIL_INVALID, 0,
		   "vmread without current vmcs fails invalid");
	expect_eq(v, 0x77, "failed vmread leaves destination");
	expect_vmx(vmwrite(GUEST_RIP, 1), VMX_FAIL_INVALID, 0,
		   "vmwrite without current vmcs fails invalid");
	expect_vmx(vmlaunch_bare(), VMX_FAIL_INVALID, 0,
		   "vmlaunch without current vmcs fails invalid");
	expect_vmx(vmresume_bare(), VMX_FAIL_INVALID, 0,
		   "vmresume without current vmcs fails invalid");
	expect_vmx(vmclear(vmcs + 8), VMX_FAIL_INVALID, 0,
		   "vmclear unaligned without current vmcs fails invalid");
	expect_vmx(vmptrld(vmcs + 8), VMX_FAIL_INVALID, 0,
		   "vmptrld unaligned without current vmcs fails invalid");
}

static void test_bad_pointers(uint64_t vmcs, uint64_t vmxon_region)
{
	unsigned maxphy = cpuid(0x80000008, 0).eax & 0xff;
	uint32_t *bad = vmx_alloc_region();

	/* With a current VMCS, VMfail is VMfailValid with an error number. */
	expect_vmx(vmptrld(vmcs), VMX_SUCCEED, 0, "vmptrld succeeds");
	expect_eq(current_vmcs(), vmcs, "vmptrst returns the current vmcs");
	expect_vmx(vmclear(vmcs + 0x800), VMX_FAIL_VALID,
		   VMXERR_VMCLEAR_INVALID_ADDR, "vmclear unaligned address");
	expect_vmx(vmclear(1ULL << maxphy), VMX_FAIL_VALID,
		   VMXERR_VMCLEAR_INVALID_ADDR, "vmclear beyond maxphyaddr");
	expect_vmx(vmclear(vmxon_region), VMX_FAIL_VALID,
		   VMXERR_VMCLEAR_VMXON_PTR, "vmclear of the vmxon region");
	expect_vmx(vmptrld(vmcs + 4), VMX_FAIL_VALID,
		   VMXERR_VMPTRLD_INVALID_ADDR, "vmptrld unaligned address");
	expect_vmx(vmptrld(1ULL << maxphy), VMX_FAIL_VALID,
		   VMXERR_VMPTRLD_INVALID_ADDR, "vmptrld beyond maxphyaddr");
	expect_vmx(vmptrld(vmxon_region), VMX_FAIL_VALID,
		   VMXERR_VMPTRLD_VMXON_PTR, "vmptrld of the vmxon region");
	bad[0] ^= 1;
	expect_vmx(vmptrld((uint64_t)bad), VMX_FAIL_VALID,
		   VMXERR_VMPTRLD_BAD_REVISION, "vmptrld wrong revision id");
	bad[0] = VMX_BASIC_REVISION(vmx_caps.basic) | 0x80000000u;
	if (!vmx_ctl_allowed1(vmx_caps.proc2, SEC_VMCS_SHADOWING))
		expect_vmx(vmptrld((uint64_t)bad), VMX_FAIL_VALID,
			   VMXERR_VMPTRLD_BAD_REVISION,
			   "vmptrld shadow vmcs without shadowing");
	expect_eq(current_vmcs(), vmcs, "failed vmptrld keeps current vmcs");
}

static void test_launch_state(uint64_t vmcs)
{
	expect_vmx(vmptrld(vmcs), VMX_SUCCEED, 0, "vmptrld for launch state");
	vmx_check_deliberate(true);
	expect_vmx(vmresume_bare(), VMX_FAIL_VALID,
		   VMXERR_VMRESUME_NOT_LAUNCHED, "vmresume of a clear vmcs");
	vmx_check_deliberate(false);
	expect_vmx(vmclear(vmcs), VMX_SUCCEED, 0, "vmclear the current vmcs");
	expect_eq(current_vmcs(), ~0ULL, "vmclear of current vmcs unloads it");
	expect_eq(*(uint32_t *)vmcs, VMX_BASIC_REVISION(vmx_caps.basic),
		  "vmclear keeps the revision id in memory");
}

static void test_two_vmcs(void)
{
	uint64_t a = (uint64_t)vmx_alloc_region();
	uint64_t b = (uint64_t)vmx_alloc_region();

	vmclear(a);
	vmclear(b);
	vmptrld(a);
	expect_vmx(vmwrite(GUEST_RIP, 0x1111), VMX_SUCCEED, 0,
		   "vmwrite to vmcs a");
	vmptrld(b);
	expect_vmx(vmwrite(GUEST_RIP, 0x2222), VMX_SUCCEED, 0,
		   "vmwrite to vmcs b");
	expect_eq(vmcs_read(GUEST_RIP), 0x2222, "vmcs b holds its value");
	vmptrld(a);
	expect_eq(vmcs_read(GUEST_RIP), 0x1111, "vmcs a holds its value");
	expect_vmx(vmclear(b), VMX_SUCCEED, 0, "vmclear a non-current vmcs");
	expect_eq(current_vmcs(), a, "vmclear of another vmcs keeps current");
	vmclear(a);
	expect_vmx(vmptrld(a), VMX_SUCCEED, 0, "vmptrld after vmclear");
	expect_eq(vmcs_read(GUEST_RIP), 0x1111,
		  "vmcs a data survives vmclear and vmptrld");
	vmptrld(b);
	expect_eq(vmcs_read(GUEST_RIP), 0x2222,
		  "vmcs b data survives vmclear and vmptrld");
}

static void test_many_vmcs(void)
{
	uint64_t regions[MANY_VMCS];
	unsigned good = 0;

	for (unsigned i = 0; i < MANY_VMCS; i++) {
		regions[i] = (uint64_t)vmx_alloc_region();
		vmclear(regions[i]);
		vmptrld(regions[i]);
		vmwrite(GUEST_RSP, 0x1000 + i);
		vmwrite(TSC_OFFSET, 0xabc00000000ULL + i);
	}
	for (unsigned i = 0; i < MANY_VMCS; i++) {
		vmptrld(regions[MANY_VMCS - 1 - i]);
		if (vmcs_read(GUEST_RSP) == 0x1000 + MANY_VMCS - 1 - i &&
		    vmcs_read(TSC_OFFSET) == 0xabc00000000ULL + MANY_VMCS - 1 - i)
			good++;
	}
	expect_eq(good, MANY_VMCS, "%u vmcs keep their own fields",
		  MANY_VMCS);
	for (unsigned i = 0; i < MANY_VMCS; i++)
		vmclear(regions[i]);
	good = 0;
	for (unsigned i = 0; i < MANY_VMCS; i++) {
		vmptrld(regions[i]);
		if (vmcs_read(GUEST_RSP) == 0x1000 + i)
			good++;
	}
	expect_eq(good, MANY_VMCS, "%u vmcs keep fields after vmclear",
		  MANY_VMCS);
}

int main(void)
{
	uint64_t vmcs;

	printf("vmxbox nested test: vmcs pointers\n");
	vmxtest_enable();
	vmcs = (uint64_t)vmx_alloc_region();
	test_section("no current vmcs");
	expect_eq(current_vmcs(), ~0ULL, "vmptrst after vmxon is all ones");
	test_no_current(vmcs);
	test_section("invalid pointers");
	test_bad_pointers(vmcs, vmx_vmxon_region());
	test_section("launch state");
	test_launch_state(vmcs);
	test_section("several vmcs");
	test_two_vmcs();
	test_many_vmcs();
	vmx_disable();
	return test_summary();
}
