// SPDX-License-Identifier: MIT
/*
 * PAUSE-loop exiting (SDM 25.6.13, 26.1.3): with the secondary control
 * "PAUSE-loop exiting", a PAUSE at CPL 0 more than PLE_Gap TSC cycles
 * after the previous PAUSE starts a loop (so does the first PAUSE after
 * VM entry); a PAUSE more than PLE_Window cycles after the first PAUSE of
 * its loop exits with reason 40.  At CPL 3 the control is ignored, and
 * "PAUSE exiting" wins over it.  vmxbox's TSC ticks once per instruction
 * (docs/platform.md), so the loops below count the TSC exactly: the spin
 * loop takes 4 cycles per PAUSE, the gap loop 5 + 2 * RSI.
 */
#include "vmxtest.h"
#include "guest_asm.h"

/* L2: RCX counts PAUSEs (from 0) until RCX = RDX, then VMCALL.  Between
 * two PAUSEs the gap loop spins RSI times. */
void g_ple_spin(void), g_ple_pause(void);
void g_ple_gap(void), g_ple_gap_pause(void);
__asm__(".text\n"
	".balign 16\n"
	"g_ple_spin:\n"
	"	xor %ecx, %ecx\n"
	"g_ple_pause:\n"
	"	pause\n"
	"	inc %rcx\n"
	"	cmp %rdx, %rcx\n"
	"	jb g_ple_pause\n"
	"	vmcall\n"
	"	ud2\n"
	".balign 16\n"
	"g_ple_gap:\n"
	"	xor %ecx, %ecx\n"
	"g_ple_gap_pause:\n"
	"	pause\n"
	"	mov %rsi, %rdi\n"
	"1:	dec %rdi\n"
	"	jnz 1b\n"
	"	inc %rcx\n"
	"	cmp %rdx, %rcx\n"
	"	jb g_ple_gap_pause\n"
	"	vmcall\n"
	"	ud2\n");

#define SPIN_CYCLES 4   /* pause, inc, cmp, jb */

static struct vmx_vm vm;
static uint64_t stack_top;

static void reset(void (*guest)(void), uint32_t gap, uint32_t window,
		  uint64_t limit)
{
	vmx_vm_reset(&vm, guest, stack_top);
	vmx_set_ctl(SECONDARY_VM_EXEC_CONTROL, SEC_PAUSE_LOOP_EXITING, 0);
	vmcs_write(PLE_GAP, gap);
	vmcs_write(PLE_WINDOW, window);
	vm.regs.rdx = limit;
}

/* A PLE exit at the PAUSE of `pause_insn` after exactly `pauses` PAUSEs
 * of the loop had run. */
static void expect_ple_exit(const char *name, void (*pause_insn)(void),
			    uint64_t pauses)
{
	if (!vm_run_expect(&vm, EXIT_REASON_PAUSE, name))
		return;
	expect_eq(vm.exit_qual, 0, "%s: qualification 0", name);
	expect_eq(vm.exit_insn_len, 2, "%s: instruction length 2", name);
	expect_eq(vmcs_read(GUEST_RIP), (uint64_t)pause_insn,
		  "%s: guest rip at the pause", name);
	expect_eq(vm.regs.rcx, pauses, "%s: after %lu pauses", name, pauses);
}

static void test_spin(void)
{
	test_section("pause loop in l2");
	/* Window 4096: PAUSE k of the loop runs 4k cycles after the first;
	 * 4k > 4096 first for k = 1025. */
	reset(g_ple_spin, 128, 4096, 1000000);
	expect_ple_exit("window 4096 stops the spin loop", g_ple_pause, 1025);
	/* Back in L2 at the same PAUSE: the first PAUSE after VM entry
	 * starts a new loop, another 1025 PAUSEs before the next exit. */
	expect_ple_exit("after vmresume a new loop", g_ple_pause, 2050);
	reset(g_ple_spin, 128, 0, 1000000);
	expect_ple_exit("window 0: the second pause exits", g_ple_pause, 1);
	reset(g_ple_spin, 128, 4095, 1000000);
	expect_ple_exit("window 4095", g_ple_pause, 1024);
	reset(g_ple_spin, 128, 0xffffffffu, 20000);
	if (vm_run_expect(&vm, EXIT_REASON_VMCALL,
			  "window 0xffffffff: 20000 pauses, no exit"))
		expect_eq(vm.regs.rcx, 20000, "all 20000 pauses ran");
}

static void test_gap(void)
{
	test_section("the gap starts a new loop");
	/* RSI 20: 45 cycles between PAUSEs.  Gap 44: each PAUSE is the
	 * first of a loop, however small the window. */
	reset(g_ple_gap, 44, 100, 1000);
	vm.regs.rsi = 20;
	if (vm_run_expect(&vm, EXIT_REASON_VMCALL,
			  "gap 44 < 45 cycles between pauses: no exit"))
		expect_eq(vm.regs.rcx, 1000, "all 1000 pauses ran");
	/* Gap 45: one loop; PAUSE k at 45k > 100 first for k = 3. */
	reset(g_ple_gap, 45, 100, 1000);
	vm.regs.rsi = 20;
	expect_ple_exit("gap 45 = 45 cycles: one loop, window 100",
			g_ple_gap_pause, 3);
}

static void test_cpl3(void)
{
	test_section("pause at cpl 3");
	reset(g_ple_spin, 128, 0, 5000);
	vmcs_write(GUEST_CR3, paging_user_tables());
	vmcs_write(GUEST_CS_SELECTOR, 0x2b);
	vmcs_write(GUEST_CS_AR_BYTES, 0xa0fb);	/* 64-bit code, DPL 3 */
	vmcs_write(GUEST_SS_SELECTOR, 0x33);
	vmcs_write(GUEST_SS_AR_BYTES, 0xc0f3);	/* data, DPL 3 */
	if (vm_run_expect(&vm, EXIT_REASON_VMCALL,
			  "cpl 3, window 0: no pause-loop exit"))
		expect_eq(vm.regs.rcx, 5000, "cpl 3: all 5000 pauses ran");
}

static void test_pause_exiting_wins(void)
{
	test_section("pause exiting and pause-loop exiting");
	reset(g_ple_spin, 128, 0xffffffffu, 1000);
	vmx_set_ctl(CPU_BASED_VM_EXEC_CONTROL, CPU_PAUSE_EXITING, 0);
	expect_ple_exit("pause exiting wins: the first pause exits",
			g_ple_pause, 0);
}

int main(void)
{
	printf("vmxbox nested test: pause-loop exiting\n");
	vmxtest_enable();
	if (!vmx_ctl_allowed1(vmx_caps.proc2, SEC_PAUSE_LOOP_EXITING)) {
		printf("pause-loop exiting not advertised\n");
		vmx_disable();
		return test_summary();
	}
	vm.vmcs = vmx_alloc_region();
	stack_top = vmx_guest_stack();
	test_spin();
	test_gap();
	test_cpl3();
	test_pause_exiting_wins();
	vmclear(vm.vmcs_pa);
	vmx_disable();
	return test_summary();
}
