// SPDX-License-Identifier: MIT
/*
 * Garbage VMCS contents never crash vmxbox, end to end: L1 starts each
 * round from a valid VMCS (vmx_vm_reset), writes one garbage value into one
 * control or guest-state field - a random value, one flipped bit, 0 or all
 * ones - and runs VMLAUNCH.  Every launch must come back to L1 as a
 * VMfailValid (control checks 7, host checks 8) or a VM exit (a VM-entry
 * failure, exit 33/34, or any exit of an L2 that ran), and each of those
 * stages must be reached.  A deterministic xorshift generator picks the
 * rounds, so every run is the same.
 *
 * L2 is contained so that whatever the garbage makes it do, L1 survives:
 * EPT maps 0-4 GiB read/execute only (its stack page writable), every
 * exception, I/O instruction and MSR access exits, its IDT sends every
 * vector to a VMCALL, and the VMX-preemption timer ends any run.  Host
 * state, the MSR-load/store lists and those containment fields are never
 * garbled (a garbage host state or exit MSR-load list is a VMX abort or a
 * lost L1) - but one round in 8 garbles the host SYSENTER ESP or EIP field,
 * which L1 never uses (non-canonical fails the host checks, 27.2.2).
 */
#include "vmxtest.h"
#include "guest_asm.h"

#define ROUNDS		400
#define FIELD_TYPE(e)	(((e) >> 10) & 3)	/* 1 exit info, 3 host */
#define FIELD_WIDTH(e)	(((e) >> 13) & 3)	/* 0 16, 1 64, 2 32, 3 nat */

static struct vmx_vm vm;
static uint64_t stack_top, *l2_idt;
static struct ept ept;
static uint32_t fields[256];
static unsigned nfields;
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

asm(".text\n.globl gb_stub\ngb_stub: vmcall; hlt; jmp gb_stub\n");
extern char gb_stub[];

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* Fields that stay valid: they keep L2 contained or L1 alive. */
static bool kept(uint32_t enc)
{
	static const uint32_t keep[] = {
		EXCEPTION_BITMAP, PAGE_FAULT_ERROR_CODE_MASK,
		PAGE_FAULT_ERROR_CODE_MATCH, VMX_PREEMPTION_TIMER_VALUE,
		VM_EXIT_MSR_STORE_ADDR, VM_EXIT_MSR_STORE_COUNT,
		VM_EXIT_MSR_LOAD_ADDR, VM_EXIT_MSR_LOAD_COUNT,
		VM_ENTRY_MSR_LOAD_ADDR, VM_ENTRY_MSR_LOAD_COUNT,
	};

	if (FIELD_TYPE(enc) == 1 || FIELD_TYPE(enc) == 3 || (enc & 1))
		return true;
	for (unsigned i = 0; i < ARRAY_SIZE(keep); i++)
		if (keep[i] == enc)
			return true;
	return false;
}

/* The supported fields L1 may garble (VMREAD succeeds). */
static void pick_fields(void)
{
	uint64_t v = 0;

	vmx_vm_reset(&vm, g_vmcall, stack_top);
	for (unsigned i = 0; i < vmcs_field_count && nfields < 256; i++) {
		uint32_t enc = vmcs_field_table[i].encoding;

		if (!kept(enc) && vmread(enc, &v) == VMX_SUCCEED)
			fields[nfields++] = enc;
	}
}

static uint64_t width_mask(uint32_t enc)
{
	static const uint64_t masks[] = { 0xffff, ~0ULL, 0xffffffff, ~0ULL };

	return masks[FIELD_WIDTH(enc)];
}

static uint64_t garble(uint32_t enc, uint64_t old)
{
	unsigned bit = (unsigned)(rng() % 64);
	uint64_t v;

	switch (rng() % 4) {
	case 0: v = rng(); break;
	case 1:
		/* A flipped address bit of the EPTP would point EPT at other
		 * memory: only its low bits and bits above MAXPHYADDR. */
		if (enc == EPT_POINTER && bit >= 12 && bit < 52)
			bit %= 12;
		v = old ^ (1ULL << bit);
		break;
	case 2: v = 0; break;
	default: v = ~0ULL; break;
	}
	/* Shutdown and wait-for-SIPI would outlast the timer: HLT instead. */
	if (enc == GUEST_ACTIVITY_STATE && (v & 0xffffffff) >= 2 &&
	    (v & 0xffffffff) <= 3)
		v = ACTIVITY_HLT;
	return v & width_mask(enc);
}

/* The valid VMCS of every round, contained as the header says. */
static void reset_contained(void)
{
	vmx_vm_reset(&vm, g_vmcall, stack_top);
	vmcs_write(EXCEPTION_BITMAP, ~0U);
	vmcs_write(PAGE_FAULT_ERROR_CODE_MASK, 0);
	vmcs_write(PAGE_FAULT_ERROR_CODE_MATCH, 0);
	vmx_set_ctl(CPU_BASED_VM_EXEC_CONTROL, CPU_UNCOND_IO_EXITING,
		    CPU_USE_IO_BITMAPS | CPU_USE_MSR_BITMAPS);
	vmx_set_ctl(SECONDARY_VM_EXEC_CONTROL, SEC_ENABLE_EPT, 0);
	vmcs_write(EPT_POINTER, ept.eptp);
	vmx_set_ctl(PIN_BASED_VM_EXEC_CONTROL, PIN_PREEMPTION_TIMER, 0);
	vmcs_write(VMX_PREEMPTION_TIMER_VALUE, 200);
	vmcs_write(GUEST_IDTR_BASE, (uint64_t)l2_idt);
	vmcs_write(GUEST_IDTR_LIMIT, 256 * 16 - 1);
}

static void build_containment(void)
{
	uint64_t h = (uint64_t)gb_stub;

	ept_init(&ept, false);
	ept_identity_map(&ept, 1ULL << 32, EPT_R | EPT_X);
	ept_map_4k(&ept, stack_top - PAGE_SIZE, stack_top - PAGE_SIZE, EPT_RWX);
	l2_idt = page_alloc();
	for (unsigned v = 0; v < 256; v++) {
		l2_idt[2 * v] = (h & 0xffff) | ((uint64_t)SEL_CODE64 << 16) |
				(0x8eULL << 40) | ((h >> 16 & 0xffff) << 48);
		l2_idt[2 * v + 1] = h >> 32;
	}
}

int main(void)
{
	unsigned n_ctl = 0, n_host = 0, n_other = 0, n_guest = 0, n_ran = 0;

	printf("vmxbox nested test: garbage vmcs contents\n");
	vmxtest_enable();
	if (!vmx_ctl_allowed1(vmx_caps.proc2, SEC_ENABLE_EPT) ||
	    !vmx_ctl_allowed1(vmx_caps.pin_ctl, PIN_PREEMPTION_TIMER)) {
		report(false, "ept and the preemption timer advertised");
		return test_summary();
	}
	vm.vmcs = vmx_alloc_region();
	stack_top = vmx_guest_stack();
	build_containment();
	vmx_check_deliberate(true);	/* unsupported fields: VMfail */
	pick_fields();
	vmx_check_deliberate(false);
	test_section("garbage in one field");
	reset_contained();
	vm_run_expect(&vm, EXIT_REASON_VMCALL, "the contained l2 runs");
	/* VMfails and garbage on purpose: not --vmx-check's business. */
	vmx_check_deliberate(true);
	for (unsigned i = 0; i < ROUNDS; i++) {
		/* One round in 8 garbles a host SYSENTER field. */
		uint32_t enc = i % 8 ? fields[rng() % nfields] :
			       rng() & 1 ? HOST_IA32_SYSENTER_ESP :
					   HOST_IA32_SYSENTER_EIP;
		uint64_t old = 0;
		int r;

		reset_contained();
		vmread(enc, &old);
		vmwrite(enc, garble(enc, old));
		r = vmx_vm_run(&vm);
		if (r == VMX_FAIL_VALID && vm.last_error ==
		    VMXERR_ENTRY_INVALID_CONTROL)
			n_ctl++;
		else if (r == VMX_FAIL_VALID && vm.last_error ==
			 VMXERR_ENTRY_INVALID_HOST_STATE)
			n_host++;
		else if (r != VMX_SUCCEED)
			n_other++;
		else if (vm.exit_reason & EXIT_REASON_ENTRY_FAILURE)
			n_guest++;
		else
			n_ran++;
	}
	vmx_check_deliberate(false);
	expect_eq(n_ctl + n_host + n_guest + n_ran, ROUNDS,
		  "every garbled launch ends in vmfailvalid 7/8 or a vm exit");
	expect_eq(n_other, 0, "no other vmfail");
	report(n_ctl > 0, "some fail the control checks (vmfailvalid 7)");
	report(n_host > 0, "some fail the host-state checks (vmfailvalid 8)");
	report(n_guest > 0, "some fail the guest-state checks (entry failure)");
	report(n_ran > 0, "some enter l2 and exit");
	printf("%u control, %u host, %u guest failures, %u runs of l2\n",
	       n_ctl, n_host, n_guest, n_ran);
	reset_contained();
	vm_run_expect(&vm, EXIT_REASON_VMCALL, "l1 still launches a valid vmcs");
	vmclear(vm.vmcs_pa);
	vmx_disable();
	return test_summary();
}
