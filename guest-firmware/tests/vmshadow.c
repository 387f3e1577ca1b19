// SPDX-License-Identifier: MIT
/*
 * VMCS shadowing (SDM 25.10, 25.6.15, 26.1.3, 27.3.1.5, 31.3): an L1 that
 * gives its L2 a shadow VMCS.  L2 runs VMREAD/VMWRITE requests that L1
 * puts in shared memory and reports each outcome by VMCALL; L1 checks
 * which reach the shadow VMCS, which exit (bitmaps, encoding bits 63:15,
 * shadowing off), the VMfail cases, the shadow-VMCS indicator rules of
 * VMPTRLD / VM entry, and the VMCS link pointer checks at VM entry.
 */
#include "vmxtest.h"
#include "guest_asm.h"

enum { REQ_VMREAD, REQ_VMWRITE };

/* One L2 request and its outcome (shared: L2 runs on L1's page tables). */
static volatile struct {
	int op;
	uint64_t field, value;
	int result;
	uint64_t out;
} req;

static struct vmx_vm vm;
static uint64_t stack_top;
static uint32_t *shadow;
static uint64_t shadow_pa;
static uint8_t *rd_bitmap, *wr_bitmap;

/* L2: carry out the request, report by VMCALL, forever. */
static void l2_vmrw(void)
{
	for (;;) {
		uint64_t v = 0x5a5a;

		if (req.op == REQ_VMREAD)
			req.result = vmread(req.field, &v);
		else
			req.result = vmwrite(req.field, req.value);
		req.out = v;
		guest_vmcall(0, 0);
	}
}

static void bitmap_set(uint8_t *bitmap, uint32_t field)
{
	bitmap[(field & 0x7fff) / 8] |= 1u << (field & 7);
}

/* VM with VMCS shadowing, the link pointer at the shadow VMCS. */
static void reset_shadowing(void)
{
	vmx_vm_reset(&vm, l2_vmrw, stack_top);
	vmx_set_ctl(SECONDARY_VM_EXEC_CONTROL, SEC_VMCS_SHADOWING, 0);
	vmcs_write(VMREAD_BITMAP, (uint64_t)rd_bitmap);
	vmcs_write(VMWRITE_BITMAP, (uint64_t)wr_bitmap);
	vmcs_write(VMCS_LINK_POINTER, shadow_pa);
}

/* Run one L2 request; true when it ended in the VMCALL that reports it. */
static bool l2_request(int op, uint64_t field, uint64_t value, uint32_t exit,
		       const char *name)
{
	req.op = op;
	req.field = field;
	req.value = value;
	req.result = -1;
	if (!vm_run_expect(&vm, exit, name))
		return false;
	if (exit != EXIT_REASON_VMCALL) {
		vmx_skip_insn();     /* L1 does not emulate it */
		vm_run_expect(&vm, EXIT_REASON_VMCALL, "l2 goes on after the exit");
	}
	vmx_skip_insn();
	return true;
}

/* A field of the shadow VMCS as L1 sees it in VMX root operation. */
static uint64_t shadow_read(uint64_t field)
{
	uint64_t v = 0;

	vmptrld(shadow_pa);
	vmread(field, &v);
	vmptrld(vm.vmcs_pa);
	return v;
}

static void test_shadow_vmcs_in_root(void)
{
	uint64_t v = 0;

	test_section("shadow vmcs in root operation");
	shadow[0] |= 0x80000000u;
	expect_vmx(vmclear(shadow_pa), VMX_SUCCEED, 0, "vmclear shadow vmcs");
	expect_vmx(vmptrld(shadow_pa), VMX_SUCCEED, 0,
		   "vmptrld of a shadow vmcs succeeds");
	expect_vmx(vmwrite(GUEST_RIP, 0x1234), VMX_SUCCEED, 0,
		   "vmwrite to the current shadow vmcs");
	expect_vmx(vmwrite(GUEST_RSP, 0x1111), VMX_SUCCEED, 0,
		   "vmwrite guest rsp to the shadow vmcs");
	expect_vmx(vmwrite(TSC_OFFSET, 0x1122334455667788ULL), VMX_SUCCEED, 0,
		   "vmwrite tsc offset to the shadow vmcs");
	vmread(GUEST_RIP, &v);
	expect_eq(v, 0x1234, "vmread from the current shadow vmcs");
	expect_vmx(vmlaunch_bare(), VMX_FAIL_INVALID, 0,
		   "vmlaunch of a shadow vmcs fails invalid");
	expect_vmx(vmresume_bare(), VMX_FAIL_INVALID, 0,
		   "vmresume of a shadow vmcs fails invalid");
	expect_vmx(vmclear(shadow_pa), VMX_SUCCEED, 0,
		   "vmclear of the shadow vmcs");
	expect_eq(shadow[0] >> 31, 1, "vmclear keeps the shadow-vmcs indicator");
}

static void test_l2_access(void)
{
	test_section("vmread and vmwrite in l2 reach the shadow vmcs");
	reset_shadowing();
	if (l2_request(REQ_VMREAD, GUEST_RIP, 0, EXIT_REASON_VMCALL,
		       "l2 vmread of guest rip does not exit")) {
		expect_eq(req.result, VMX_SUCCEED, "l2 vmread succeeds");
		expect_eq(req.out, 0x1234, "l2 vmread sees the shadow vmcs");
	}
	if (l2_request(REQ_VMWRITE, GUEST_RSP, 0x7777, EXIT_REASON_VMCALL,
		       "l2 vmwrite of guest rsp does not exit"))
		expect_eq(req.result, VMX_SUCCEED, "l2 vmwrite succeeds");
	expect_eq(vmcs_read(GUEST_RSP) != 0x7777, 1,
		  "l2 vmwrite leaves the ordinary vmcs alone");
	expect_eq(shadow_read(GUEST_RSP), 0x7777,
		  "l1 reads l2's vmwrite in the shadow vmcs");
	if (l2_request(REQ_VMWRITE, GUEST_ES_SELECTOR, 0x12345,
		       EXIT_REASON_VMCALL, "l2 vmwrite of a 16-bit field"))
		expect_eq(shadow_read(GUEST_ES_SELECTOR), 0x2345,
			  "l2 vmwrite truncated to the field width");
	if (l2_request(REQ_VMREAD, TSC_OFFSET | 1, 0, EXIT_REASON_VMCALL,
		       "l2 vmread of a high half"))
		expect_eq(req.out, 0x11223344, "l2 vmread of tsc offset high");

	test_section("vmread and vmwrite failures in l2");
	if (l2_request(REQ_VMREAD, 0x7ffe, 0, EXIT_REASON_VMCALL,
		       "l2 vmread of an unsupported field")) {
		expect_eq(req.result, VMX_FAIL_VALID,
			  "unsupported field fails valid");
		expect_eq(vmx_insn_error(), VMXERR_UNSUPPORTED_FIELD,
			  "error 12 in the ordinary vmcs");
		expect_eq(req.out, 0x5a5a, "failed vmread leaves destination");
	}
	if (l2_request(REQ_VMWRITE, VM_EXIT_REASON, 5, EXIT_REASON_VMCALL,
		       "l2 vmwrite of a read-only field")) {
		expect_eq(req.result, VMX_FAIL_VALID, "read-only field fails valid");
		expect_eq(vmx_insn_error(), VMXERR_VMWRITE_READ_ONLY,
			  "error 13 in the ordinary vmcs");
	}
	expect_eq(shadow_read(VM_EXIT_REASON), 0,
		  "read-only field of the shadow unchanged");
	vmcs_write(VMCS_LINK_POINTER, ~0ULL);
	if (l2_request(REQ_VMREAD, GUEST_RIP, 0, EXIT_REASON_VMCALL,
		       "l2 vmread with link pointer all ones"))
		expect_eq(req.result, VMX_FAIL_INVALID,
			  "no shadow vmcs: vmread fails invalid");
	if (l2_request(REQ_VMWRITE, GUEST_RIP, 1, EXIT_REASON_VMCALL,
		       "l2 vmwrite with link pointer all ones"))
		expect_eq(req.result, VMX_FAIL_INVALID,
			  "no shadow vmcs: vmwrite fails invalid");
}

static void test_l2_exits(void)
{
	test_section("vmread and vmwrite exits in l2");
	reset_shadowing();
	bitmap_set(rd_bitmap, GUEST_CS_SELECTOR);
	bitmap_set(wr_bitmap, GUEST_RIP);
	if (l2_request(REQ_VMREAD, GUEST_CS_SELECTOR, 0, EXIT_REASON_VMREAD,
		       "vmread bitmap bit exits"))
		expect_eq(req.out, 0x5a5a, "intercepted vmread did not run");
	l2_request(REQ_VMWRITE, GUEST_CS_SELECTOR, 1, EXIT_REASON_VMCALL,
		   "vmread bitmap does not intercept vmwrite");
	l2_request(REQ_VMWRITE, GUEST_RIP, 1, EXIT_REASON_VMWRITE,
		   "vmwrite bitmap bit exits");
	if (l2_request(REQ_VMREAD, GUEST_RIP, 0, EXIT_REASON_VMCALL,
		       "vmwrite bitmap does not intercept vmread"))
		expect_eq(req.out, 0x1234, "intercepted vmwrite did not write");
	l2_request(REQ_VMREAD, (1ULL << 32) | GUEST_RSP, 0, EXIT_REASON_VMREAD,
		   "vmread encoding bit 32 exits");
	l2_request(REQ_VMWRITE, 0x8000 | GUEST_RSP, 0, EXIT_REASON_VMWRITE,
		   "vmwrite encoding bit 15 exits");
	expect_eq(vm.exits[EXIT_REASON_VMREAD], 2, "two vmread exits");
	expect_eq(vm.exits[EXIT_REASON_VMWRITE], 2, "two vmwrite exits");
	vmx_set_ctl(SECONDARY_VM_EXEC_CONTROL, 0, SEC_VMCS_SHADOWING);
	vmcs_write(VMCS_LINK_POINTER, ~0ULL);
	l2_request(REQ_VMREAD, GUEST_RSP, 0, EXIT_REASON_VMREAD,
		   "vmcs shadowing off: vmread exits");
	rd_bitmap[GUEST_CS_SELECTOR / 8] = 0;
	wr_bitmap[GUEST_RIP / 8] = 0;
}

/* VM entry: exit 33 (bit 31 set) with qualification 4 (SDM 27.8). */
static void expect_link_failure(const char *name)
{
	if (vm_run_expect(&vm, EXIT_REASON_ENTRY_FAILURE |
			  EXIT_REASON_INVALID_GUEST_STATE, name))
		expect_eq(vm.exit_qual, 4, "%s: qualification 4", name);
}

static void test_link_pointer_checks(void)
{
	void *ordinary = vmx_alloc_region();

	test_section("vmcs link pointer checks at vm entry");
	reset_shadowing();
	vmcs_write(VMCS_LINK_POINTER, (uint64_t)ordinary);
	expect_link_failure("shadowing on, link to an ordinary vmcs");
	vmcs_write(VMCS_LINK_POINTER, shadow_pa);
	vmx_set_ctl(SECONDARY_VM_EXEC_CONTROL, 0, SEC_VMCS_SHADOWING);
	expect_link_failure("shadowing off, link to a shadow vmcs");
	/* Entered: L2's VMREAD exits, shadowing being off. */
	req.op = REQ_VMREAD;
	vmcs_write(VMCS_LINK_POINTER, (uint64_t)ordinary);
	vm_run_expect(&vm, EXIT_REASON_VMREAD,
		      "shadowing off, link to an ordinary vmcs enters");
	vmx_vm_reset(&vm, l2_vmrw, stack_top);
	vmcs_write(VMCS_LINK_POINTER, vm.vmcs_pa);
	expect_link_failure("link pointer is the current vmcs");
	vmcs_write(VMCS_LINK_POINTER, ~0ULL);
	vm_run_expect(&vm, EXIT_REASON_VMREAD, "link pointer all ones enters");
}

int main(void)
{
	printf("vmxbox nested test: vmcs shadowing\n");
	vmxtest_enable();
	if (!vmx_ctl_allowed1(vmx_caps.proc2, SEC_VMCS_SHADOWING)) {
		printf("vmcs shadowing not advertised\n");
		vmx_disable();
		return test_summary();
	}
	vm.vmcs = vmx_alloc_region();
	stack_top = vmx_guest_stack();
	shadow = vmx_alloc_region();
	shadow_pa = (uint64_t)shadow;
	rd_bitmap = page_alloc();
	wr_bitmap = page_alloc();

	test_shadow_vmcs_in_root();
	test_l2_access();
	test_l2_exits();
	test_link_pointer_checks();

	vmclear(vm.vmcs_pa);
	vmx_disable();
	return test_summary();
}
