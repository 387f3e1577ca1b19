// SPDX-License-Identifier: MIT
/*
 * MSR load/store areas (25.7.2, 25.8.2, 27.4, 28.4, 28.6), the
 * VMX-preemption timer value save (26.5.1, 28.3), and several VMCSs
 * running guests alternately (25.1, 25.11.3).
 */
#include "vmxtest.h"
#include "guest_asm.h"

static struct vmx_vm vm;
static uint64_t stack_top;

static void test_msr_areas(void)
{
	struct vmx_msr_entry *load = page_alloc(), *store = page_alloc();
	struct vmx_msr_entry *host = page_alloc();
	uint64_t saved_kgs = rdmsr(MSR_KERNEL_GS_BASE);

	/* Entry load sets the guest's MSR; the guest reads it back. */
	vmx_vm_reset(&vm, g_rdmsr_ecx, stack_top);
	vm.regs.rcx = MSR_KERNEL_GS_BASE;
	load[0] = (struct vmx_msr_entry){ MSR_KERNEL_GS_BASE, 0, 0x5555000 };
	vmcs_write(VM_ENTRY_MSR_LOAD_ADDR, (uint64_t)load);
	vmcs_write(VM_ENTRY_MSR_LOAD_COUNT, 1);
	/* Exit store saves the guest's value; exit load restores ours. */
	store[0] = (struct vmx_msr_entry){ MSR_KERNEL_GS_BASE, 0, 0 };
	vmcs_write(VM_EXIT_MSR_STORE_ADDR, (uint64_t)store);
	vmcs_write(VM_EXIT_MSR_STORE_COUNT, 1);
	host[0] = (struct vmx_msr_entry){ MSR_KERNEL_GS_BASE, 0, 0x7777000 };
	vmcs_write(VM_EXIT_MSR_LOAD_ADDR, (uint64_t)host);
	vmcs_write(VM_EXIT_MSR_LOAD_COUNT, 1);
	if (vm_run_expect(&vm, EXIT_REASON_VMCALL, "msr areas guest runs")) {
		expect_eq(vm.regs.rax, 0x5555000,
			  "entry msr-load value seen by the guest");
		expect_eq(store[0].value, 0x5555000,
			  "exit msr-store saved the guest value");
		expect_eq(rdmsr(MSR_KERNEL_GS_BASE), 0x7777000,
			  "exit msr-load set the host value");
	}
	/* A store entry with reserved bits fails the exit: VMX abort is
	 * fatal, so only the well-formed path is exercised here. */
	wrmsr(MSR_KERNEL_GS_BASE, saved_kgs);

	/* Entry load of an MSR that may not be loaded (27.4): x2APIC range. */
	vmx_vm_reset(&vm, g_vmcall, stack_top);
	load[0] = (struct vmx_msr_entry){ 0x808, 0, 0 };
	vmcs_write(VM_ENTRY_MSR_LOAD_ADDR, (uint64_t)load);
	vmcs_write(VM_ENTRY_MSR_LOAD_COUNT, 1);
	if (vm_run_expect(&vm, EXIT_REASON_ENTRY_FAILURE | EXIT_REASON_MSR_LOADING,
		       "entry msr-load of x2apic tpr fails"))
		expect_eq(vm.exit_qual, 1, "msr-load failure names entry 1");
}

/* Values far above anything the run reaches by counting instructions. */
#define TSC_A	(1ull << 40)
#define TSC_B	(1ull << 41)
#define NEAR(v, base, slack)	((v) >= (base) && (v) < (base) + (slack))

static void wrmsr_tsc_aux_high(void *arg)
{
	wrmsr(MSR_TSC_AUX, 1ull << 32);
}

/*
 * IA32_TSC, IA32_TSC_ADJUST and IA32_TSC_AUX as WRMSR targets (SDM Vol. 3B
 * 18.17.3: writing one moves the other by the same difference; TSC_AUX
 * bits 63:32 are reserved) and in the MSR lists, which load "as WRMSR
 * would" (27.4, 28.6) and store "as RDMSR would" (28.4).
 */
static void test_tsc_msrs(void)
{
	struct vmx_msr_entry *load = page_alloc(), *store = page_alloc();
	struct vmx_msr_entry *host = page_alloc();
	uint64_t adj = rdmsr(MSR_IA32_TSC_ADJUST), t;

	t = rdtsc();
	wrmsr(MSR_IA32_TSC_ADJUST, adj + TSC_A);
	report(NEAR(rdtsc(), t + TSC_A, 1000),
	       "wrmsr tsc_adjust moves the tsc by the difference");
	t = rdtsc();
	wrmsr(MSR_IA32_TSC, t + TSC_A);
	report(NEAR(rdmsr(MSR_IA32_TSC_ADJUST), adj + 2 * TSC_A - 1000, 1000),
	       "wrmsr tsc moves tsc_adjust by the difference");
	expect_eq(trap_try(wrmsr_tsc_aux_high, NULL, NULL), VEC_GP,
		  "wrmsr tsc_aux bits 63:32 #gp");
	wrmsr(MSR_TSC_AUX, 0xabcd1234);
	expect_eq(rdmsr(MSR_TSC_AUX), 0xabcd1234, "wrmsr tsc_aux bits 31:0");

	/* VM-entry MSR-load of IA32_TSC; the guest reads it back. */
	vmx_vm_reset(&vm, g_rdmsr_ecx, stack_top);
	vm.regs.rcx = MSR_IA32_TSC;
	load[0] = (struct vmx_msr_entry){ MSR_IA32_TSC, 0, 4 * TSC_A };
	vmcs_write(VM_ENTRY_MSR_LOAD_ADDR, (uint64_t)load);
	vmcs_write(VM_ENTRY_MSR_LOAD_COUNT, 1);
	store[0] = (struct vmx_msr_entry){ MSR_IA32_TSC, 0, 0 };
	vmcs_write(VM_EXIT_MSR_STORE_ADDR, (uint64_t)store);
	vmcs_write(VM_EXIT_MSR_STORE_COUNT, 1);
	host[0] = (struct vmx_msr_entry){ MSR_IA32_TSC, 0, TSC_B * 2 };
	vmcs_write(VM_EXIT_MSR_LOAD_ADDR, (uint64_t)host);
	vmcs_write(VM_EXIT_MSR_LOAD_COUNT, 1);
	if (vm_run_expect(&vm, EXIT_REASON_VMCALL, "entry msr-load of ia32_tsc")) {
		uint64_t seen = (vm.regs.rdx << 32) | (uint32_t)vm.regs.rax;

		report(NEAR(seen, 4 * TSC_A, 100), "l2 rdmsr sees the loaded tsc");
		report(NEAR(store[0].value, seen, 100),
		       "exit msr-store of ia32_tsc");
		report(NEAR(rdtsc(), TSC_B * 2, 1000000),
		       "exit msr-load of ia32_tsc (no vmx abort)");
	}

	/* TSC_ADJUST in the entry list moves the TSC; a TSC_AUX value with
	 * bits 63:32 set fails the entry at its index (27.4). */
	vmx_vm_reset(&vm, g_rdmsr_ecx, stack_top);
	vm.regs.rcx = MSR_IA32_TSC;
	adj = rdmsr(MSR_IA32_TSC_ADJUST);
	t = rdtsc();
	load[0] = (struct vmx_msr_entry){ MSR_IA32_TSC_ADJUST, 0, adj + TSC_A };
	load[1] = (struct vmx_msr_entry){ MSR_TSC_AUX, 0, 0x77 };
	vmcs_write(VM_ENTRY_MSR_LOAD_ADDR, (uint64_t)load);
	vmcs_write(VM_ENTRY_MSR_LOAD_COUNT, 2);
	if (vm_run_expect(&vm, EXIT_REASON_VMCALL, "entry msr-load of tsc_adjust")) {
		uint64_t seen = (vm.regs.rdx << 32) | (uint32_t)vm.regs.rax;

		report(NEAR(seen, t + TSC_A, 1000),
		       "tsc_adjust load moved the tsc");
		expect_eq(rdmsr(MSR_TSC_AUX), 0x77, "entry msr-load of tsc_aux");
	}
	vmx_vm_reset(&vm, g_vmcall, stack_top);
	load[1] = (struct vmx_msr_entry){ MSR_TSC_AUX, 0, 1ull << 32 };
	vmcs_write(VM_ENTRY_MSR_LOAD_ADDR, (uint64_t)load);
	vmcs_write(VM_ENTRY_MSR_LOAD_COUNT, 2);
	if (vm_run_expect(&vm, EXIT_REASON_ENTRY_FAILURE | EXIT_REASON_MSR_LOADING,
			  "entry msr-load of tsc_aux bits 63:32 fails"))
		expect_eq(vm.exit_qual, 2, "tsc_aux failure names entry 2");
}

static void test_timer_save(void)
{
	uint64_t left;

	vmx_vm_reset(&vm, g_nops, stack_top);
	vmx_set_ctl(PIN_BASED_VM_EXEC_CONTROL, PIN_PREEMPTION_TIMER, 0);
	vmx_set_ctl(VM_EXIT_CONTROLS, EXIT_SAVE_PREEMPTION_TIMER, 0);
	vmcs_write(VMX_PREEMPTION_TIMER_VALUE, 1000000);
	if (vm_run_expect(&vm, EXIT_REASON_VMCALL, "timer with save runs the guest")) {
		left = vmcs_read(VMX_PREEMPTION_TIMER_VALUE);
		report(left <= 1000000 && left > 0,
		       "saved timer value counted down but not to 0");
	}
	vmx_vm_reset(&vm, g_nops, stack_top);
	vmx_set_ctl(PIN_BASED_VM_EXEC_CONTROL, PIN_PREEMPTION_TIMER, 0);
	vmcs_write(VMX_PREEMPTION_TIMER_VALUE, 1000000);
	if (vm_run_expect(&vm, EXIT_REASON_VMCALL, "timer without save runs"))
		expect_eq(vmcs_read(VMX_PREEMPTION_TIMER_VALUE), 1000000,
			  "timer value unchanged without save control");
}

static void test_multi_vmcs(void)
{
	struct vmx_vm vms[3];
	unsigned good = 0;

	for (unsigned i = 0; i < 3; i++) {
		vmx_vm_init(&vms[i], g_count, vmx_guest_stack());
		vms[i].regs.rbx = 100 * i;
	}
	for (unsigned round = 0; round < 4; round++)
		for (unsigned i = 0; i < 3; i++) {
			vmptrld(vms[i].vmcs_pa);
			if (vmx_vm_run(&vms[i]) == VMX_SUCCEED &&
			    vms[i].exit_reason == EXIT_REASON_VMCALL &&
			    vms[i].regs.rbx == 100 * i + round + 1)
				good++;
			vmx_skip_insn();
		}
	expect_eq(good, 12, "three vmcs alternate 4 rounds each");
	for (unsigned i = 0; i < 3; i++) {
		uint64_t ptr = 0;

		vmptrld(vms[i].vmcs_pa);
		vmptrst(&ptr);
		expect_eq(ptr, vms[i].vmcs_pa, "vmcs %u current after vmptrld", i);
		expect_vmx(vmlaunch(&vms[i].regs), VMX_FAIL_VALID,
			   VMXERR_VMLAUNCH_NOT_CLEAR, "vmcs %u stays launched", i);
	}
	vmclear(vms[1].vmcs_pa);
	vmptrld(vms[0].vmcs_pa);
	if (vm_run_expect(&vms[0], EXIT_REASON_VMCALL,
		       "vmcs 0 resumes after vmclear of vmcs 1"))
		expect_eq(vms[0].regs.rbx, 5, "vmcs 0 guest state kept");
	vmptrld(vms[1].vmcs_pa);
	vms[1].launched = false;
	vmcs_write(GUEST_RIP, (uint64_t)g_count);
	if (vm_run_expect(&vms[1], EXIT_REASON_VMCALL,
		       "vmcs 1 relaunches after vmclear"))
		expect_eq(vms[1].regs.rbx, 105, "vmcs 1 counts on");
	for (unsigned i = 0; i < 3; i++)
		vmclear(vms[i].vmcs_pa);
}

/* More VMCSs launched than vmxbox keeps regions for (16): the launch
 * state of an evicted one is in its region and comes back with VMPTRLD
 * (SDM 25.11.3: VMCLEAR is the only way to make a VMCS clear). */
#define MANY_VMCS 20
static void test_launch_state_many(void)
{
	static struct vmx_vm many[MANY_VMCS];
	unsigned launched = 0, resumed = 0;

	for (unsigned i = 0; i < MANY_VMCS; i++) {
		vmx_vm_init(&many[i], g_vmcall, stack_top);
		if (vmx_vm_run(&many[i]) == VMX_SUCCEED &&
		    many[i].exit_reason == EXIT_REASON_VMCALL)
			launched++;
	}
	expect_eq(launched, MANY_VMCS, "20 vmcs launched");
	for (unsigned i = 0; i < MANY_VMCS; i++) {
		vmptrld(many[i].vmcs_pa);
		vmcs_write(GUEST_RIP, (uint64_t)g_vmcall);
		if (vmresume(&many[i].regs) == VMX_SUCCEED &&
		    vmcs_read(VM_EXIT_REASON) == EXIT_REASON_VMCALL)
			resumed++;
	}
	expect_eq(resumed, MANY_VMCS, "each of 20 vmcs resumes: launch state "
		  "kept across eviction");
	vmptrld(many[0].vmcs_pa);
	expect_vmx(vmlaunch_bare(), VMX_FAIL_VALID, 4,
		   "vmlaunch of an evicted launched vmcs fails with error 4");
	for (unsigned i = 0; i < MANY_VMCS; i++)
		vmclear(many[i].vmcs_pa);
}

int main(void)
{
	printf("vmxbox nested test: msr areas, timer, several vmcs\n");
	vmxtest_enable();
	stack_top = vmx_guest_stack();
	vm.vmcs = vmx_alloc_region();
	test_section("msr load/store areas");
	test_msr_areas();
	test_section("tsc msrs");
	test_tsc_msrs();
	test_section("preemption timer value");
	test_timer_save();
	vmclear(vm.vmcs_pa);
	test_section("several vmcs");
	test_multi_vmcs();
	test_launch_state_many();
	vmx_disable();
	return test_summary();
}
