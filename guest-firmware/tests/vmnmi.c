// SPDX-License-Identifier: MIT
/*
 * NMI blocking across VMX transitions, end to end (SDM 25.4.2 bit 3 of
 * the interruptibility state, 26.3 / 27.7.1 / 28.1 / 28.3.4, 26.7.6):
 *  - "NMI exiting" = 1, "virtual NMIs" = 0: blocking by NMI loaded at VM
 *    entry holds an NMI raised in L2 pending; L2's IRET does not unblock
 *    it (26.3), an entry with bit 3 clear does;
 *  - "virtual NMIs" = 1: an injected NMI sets virtual-NMI blocking, L2's
 *    IRET clears it and the NMI window opens; entry loads the blocking
 *    from bit 3 and the exit saves it, and it does not block real NMIs;
 *  - an injected NMI whose delivery faults into a VM exit: bit 3 of the
 *    saved interruptibility state is set (blocking by NMI, or virtual-NMI
 *    blocking with virtual NMIs).
 * NMIs come from vmxbox's event port (0xf5, docs/boot.md).
 */
#include "vmxtest.h"
#include "guest_asm.h"

#define EVENT_PORT	0xf5
#define EV_NMI		0x400u

static struct vmx_vm vm;
static uint64_t stack_top;
static uint64_t *l2_idt;

/* L2 code.  n_nmi_then_iret: raise an NMI, a NOP, then IRETQ to the next
 * instruction (a VMCALL).  n_vnmi_handler: L2's NMI handler. */
asm(".text\n.code64\n"
    ".globl n_nmi_then_iret, n_nmi_out_next, n_nmi_iret_next\n"
    ".globl n_vnmi_handler, n_nmi_raise, n_nmi_raise_next\n"
    "n_nmi_then_iret:\n"
    "	movl $0x400, %eax; outl %eax, $0xf5\n"
    "n_nmi_out_next: nop\n"
    "	movq %rsp, %rax\n"
    "	pushq $0x10; pushq %rax; pushfq; pushq $0x08\n"
    "	leaq n_nmi_iret_next(%rip), %rax; pushq %rax\n"
    "	iretq\n"
    "n_nmi_iret_next: vmcall; ud2\n"
    "n_vnmi_handler: vmcall; iretq\n"
    "n_nmi_raise: movl $0x400, %eax; outl %eax, $0xf5\n"
    "n_nmi_raise_next: vmcall; ud2\n"
    ".globl n_iret\n"
    "n_iret: iretq\n");
extern char n_nmi_then_iret[], n_nmi_out_next[], n_nmi_iret_next[];
extern char n_vnmi_handler[], n_nmi_raise[], n_nmi_raise_next[], n_iret[];

static void reset(void *rip, uint32_t pin)
{
	vmx_vm_reset(&vm, (void (*)(void))rip, stack_top);
	vmx_set_ctl(PIN_BASED_VM_EXEC_CONTROL, pin, 0);
}

static uint32_t interruptibility(void)
{
	return (uint32_t)vmcs_read(GUEST_INTERRUPTIBILITY_INFO);
}

/* 26.3: with "NMI exiting" = 1 IRET does not affect blocking by NMI
 * ("virtual NMIs" = 0), so the NMI stays pending through L2's IRET and
 * the VM exit, until an entry loads bit 3 clear. */
static void test_blocking_by_nmi(void)
{
	reset(n_nmi_then_iret, PIN_NMI_EXITING);
	vmcs_write(GUEST_INTERRUPTIBILITY_INFO, INTERRUPTIBILITY_NMI);
	if (!vm_run_expect(&vm, EXIT_REASON_VMCALL,
			   "nmi raised in l2 blocked by nmi does not exit"))
		return;
	expect_eq(vmcs_read(GUEST_RIP), (uint64_t)n_nmi_iret_next,
		  "blocked nmi: l2 ran through its iret");
	expect_eq(interruptibility() & INTERRUPTIBILITY_NMI,
		  INTERRUPTIBILITY_NMI,
		  "blocked nmi: iret with nmi exiting keeps blocking by nmi");
	vmcs_write(GUEST_INTERRUPTIBILITY_INFO, 0);
	if (!vm_run_expect(&vm, EXIT_REASON_EXCEPTION_NMI,
			   "held nmi exits at the entry that unblocks it"))
		return;
	expect_eq(vm.exit_intr_info, INTR_INFO(VEC_NMI, INTR_TYPE_NMI, 0),
		  "held nmi: exit interruption info");
	expect_eq(vmcs_read(GUEST_RIP), (uint64_t)n_nmi_iret_next,
		  "held nmi: before l2's next instruction");
}

/* A 64-bit interrupt gate (SDM 6.14.1) in L2's own IDT. */
static void set_gate(unsigned vec, void *handler)
{
	uint64_t h = (uint64_t)handler;

	l2_idt[2 * vec] = (h & 0xffff) | ((uint64_t)SEL_CODE64 << 16) |
			  (0x8eULL << 40) | ((h >> 16 & 0xffff) << 48);
	l2_idt[2 * vec + 1] = h >> 32;
}

static void test_virtual_nmis(void)
{
	uint32_t pin = PIN_NMI_EXITING | PIN_VIRTUAL_NMIS;

	if (!vmx_ctl_allowed1(vmx_caps.pin_ctl, pin) ||
	    !vmx_ctl_allowed1(vmx_caps.proc_ctl, CPU_NMI_WINDOW_EXITING)) {
		report(false, "virtual nmis and nmi-window exiting advertised");
		return;
	}
	/* Injection: delivered through L2's IDT, virtual-NMI blocking set. */
	reset(g_vmcall, pin);
	vmcs_write(GUEST_IDTR_BASE, (uint64_t)l2_idt);
	vmcs_write(GUEST_IDTR_LIMIT, 256 * 16 - 1);
	vmcs_write(VM_ENTRY_INTR_INFO, INTR_INFO(VEC_NMI, INTR_TYPE_NMI, 0));
	if (!vm_run_expect(&vm, EXIT_REASON_VMCALL,
			   "injected virtual nmi reaches l2's handler"))
		return;
	expect_eq(vmcs_read(GUEST_RIP), (uint64_t)n_vnmi_handler,
		  "injected virtual nmi: l2 in its nmi handler");
	expect_eq(interruptibility() & INTERRUPTIBILITY_NMI,
		  INTERRUPTIBILITY_NMI,
		  "injected virtual nmi sets virtual-nmi blocking");
	/* The handler's IRET clears it: the NMI window opens at once. */
	vmx_skip_insn();
	vmx_set_ctl(CPU_BASED_VM_EXEC_CONTROL, CPU_NMI_WINDOW_EXITING, 0);
	if (vm_run_expect(&vm, EXIT_REASON_NMI_WINDOW,
			  "iret in l2 clears virtual-nmi blocking: nmi window")) {
		expect_eq(vmcs_read(GUEST_RIP), (uint64_t)g_vmcall,
			  "nmi window after the handler's iret");
		expect_eq(interruptibility() & INTERRUPTIBILITY_NMI, 0,
			  "virtual-nmi blocking clear after the iret");
	}

	/* Entry loads virtual-NMI blocking: no window exit; the exit saves
	 * it.  A real NMI is not blocked by it (exits at once). */
	reset(n_nmi_raise, pin);
	vmx_set_ctl(CPU_BASED_VM_EXEC_CONTROL, CPU_NMI_WINDOW_EXITING, 0);
	vmcs_write(GUEST_INTERRUPTIBILITY_INFO, INTERRUPTIBILITY_NMI);
	if (vm_run_expect(&vm, EXIT_REASON_EXCEPTION_NMI,
			  "virtual-nmi blocking from entry: no nmi window, a "
			  "real nmi exits at once")) {
		expect_eq(vm.exit_intr_info,
			  INTR_INFO(VEC_NMI, INTR_TYPE_NMI, 0),
			  "real nmi under virtual-nmi blocking: nmi exit");
		expect_eq(vmcs_read(GUEST_RIP), (uint64_t)n_nmi_raise_next,
			  "real nmi under virtual-nmi blocking: right after "
			  "the out");
		expect_eq(interruptibility() & INTERRUPTIBILITY_NMI,
			  INTERRUPTIBILITY_NMI,
			  "exit saves virtual-nmi blocking in bit 3");
	}
}

/* 27.6 (and 27.7.4): an event injected into a guest entered in the HLT
 * activity state is delivered, and the guest is active after it. */
static void test_halted_wakeup(void)
{
	reset(g_vmcall, 0);
	vmcs_write(GUEST_IDTR_BASE, (uint64_t)l2_idt);
	vmcs_write(GUEST_IDTR_LIMIT, 256 * 16 - 1);
	vmcs_write(GUEST_ACTIVITY_STATE, ACTIVITY_HLT);
	vmcs_write(VM_ENTRY_INTR_INFO, INTR_INFO(VEC_NMI, INTR_TYPE_NMI, 0));
	if (!vm_run_expect(&vm, EXIT_REASON_VMCALL,
			   "injected nmi wakes a halted l2"))
		return;
	expect_eq(vmcs_read(GUEST_RIP), (uint64_t)n_vnmi_handler,
		  "halted l2 woken into its nmi handler");
	expect_eq(vmcs_read(GUEST_ACTIVITY_STATE), ACTIVITY_ACTIVE,
		  "halted l2 is active after the injection");
}

/* Injected NMI, L2's IDT too short for vector 2: #GP(2 * 8 + 2). */
static void test_delivery_exit(uint32_t pin, const char *what)
{
	reset(g_vmcall, pin);
	vmcs_write(EXCEPTION_BITMAP, 1U << VEC_GP);
	vmcs_write(GUEST_IDTR_LIMIT, 2 * 16 - 1);
	vmcs_write(VM_ENTRY_INTR_INFO, INTR_INFO(VEC_NMI, INTR_TYPE_NMI, 0));
	if (!vm_run_expect(&vm, EXIT_REASON_EXCEPTION_NMI, what))
		return;
	expect_eq(vm.exit_intr_info, INTR_INFO(VEC_GP, INTR_TYPE_HW_EXCEPTION,
					       true), "%s: #GP", what);
	/* IDT entry (bit 1) and EXT (bit 0): an NMI is external. */
	expect_eq(vm.exit_intr_error, VEC_NMI * 8 + 2 + 1,
		  "%s: error code idt | ext", what);
	expect_eq(vmcs_read(IDT_VECTORING_INFO),
		  INTR_INFO(VEC_NMI, INTR_TYPE_NMI, 0),
		  "%s: idt vectoring is the nmi", what);
	expect_eq(interruptibility() & INTERRUPTIBILITY_NMI,
		  INTERRUPTIBILITY_NMI, "%s: bit 3 saved", what);
}

/*
 * 28.2.3, Table 28-7: an EPT violation caused by an IRET's access (here
 * the read of its frame) while blocking by NMI is in effect (NMI exiting
 * and virtual NMIs 0: the IRET would unblock NMIs) sets bit 12 of the
 * qualification (the saved bit 3 is clear: the IRET unblocked NMIs
 * before its fault, and L1 must block them again); without the blocking,
 * bit 12 is 0.  L1 writes the frame through its own
 * mappings; EPT leaves that page out.
 */
static void test_iret_ept_violation(bool blocked)
{
	const char *what = blocked ? "iret under blocking by nmi" :
				     "iret without nmi blocking";
	uint64_t *frame = page_alloc();
	struct ept ept;

	if (!vmx_ctl_allowed1(vmx_caps.proc2, SEC_ENABLE_EPT)) {
		report(false, "ept advertised");
		return;
	}
	frame[0] = (uint64_t)g_vmcall;
	frame[1] = SEL_CODE64;
	frame[2] = RFLAGS_FIXED;
	frame[3] = stack_top;
	frame[4] = SEL_DATA;
	ept_init(&ept, false);
	ept_identity_map(&ept, 1ULL << 32, EPT_RWX);
	ept_map_4k(&ept, (uint64_t)frame, (uint64_t)frame, 0);
	vmx_vm_reset(&vm, (void (*)(void))n_iret, (uint64_t)frame);
	vmcs_write(EPT_POINTER, ept.eptp);
	vmx_set_ctl(SECONDARY_VM_EXEC_CONTROL, SEC_ENABLE_EPT, 0);
	if (blocked)
		vmcs_write(GUEST_INTERRUPTIBILITY_INFO, INTERRUPTIBILITY_NMI);
	if (!vm_run_expect(&vm, EXIT_REASON_EPT_VIOLATION,
			   blocked ? "iret reading its frame through a missing "
				     "ept entry exits (blocked by nmi)" :
				     "iret reading its frame through a missing "
				     "ept entry exits (not blocked)"))
		return;
	expect_eq(vm.guest_phys & ~0xfffULL, (uint64_t)frame, "%s: "
		  "guest-physical address in the frame's page", what);
	expect_eq(vm.exit_qual & EXITQ_EPT_NMI_UNBLOCK,
		  blocked ? EXITQ_EPT_NMI_UNBLOCK : 0,
		  "%s: qualification bit 12", what);
	/* The IRET unblocked NMIs before it faulted (6.7.1): bit 3 is saved
	 * clear, and bit 12 tells L1 to set it again before resuming. */
	expect_eq(interruptibility() & INTERRUPTIBILITY_NMI, 0,
		  "%s: the exit saves no blocking by nmi", what);
}

/*
 * 28.2.3: bit 12 ("NMI unblocking due to IRET") is undefined - vmxbox
 * clears it - once the IRET is no longer the cause of the exit: a fault
 * after the IRET retired, a fault of the handler its own fault was
 * delivered to, a #DF, or an exit during the delivery of its fault (valid
 * IDT-vectoring information).  Each L2 IRETs under blocking by NMI.
 */
asm(".text\n.code64\n"
    ".globl n_iret_then_gp, n_iret_gp_next, n_gp_handler\n"
    "n_iret_then_gp:\n"
    "	movq %rsp, %rax\n"
    "	pushq $0x10; pushq %rax; pushfq; pushq $0x08\n"
    "	leaq n_iret_ret(%rip), %rax; pushq %rax\n"
    "	iretq\n"
    "n_iret_ret: movabsq $0x8000000000000000, %rax\n"
    "n_iret_gp_next: movq (%rax), %rax\n"
    "	vmcall; ud2\n"
    "n_gp_handler: ud2\n");
extern char n_iret_then_gp[], n_iret_gp_next[], n_gp_handler[];

static void reset_blocked(void *rip, uint32_t bitmap)
{
	reset(rip, 0);
	vmcs_write(GUEST_IDTR_BASE, (uint64_t)l2_idt);
	vmcs_write(GUEST_IDTR_LIMIT, 256 * 16 - 1);
	vmcs_write(EXCEPTION_BITMAP, bitmap);
	vmcs_write(GUEST_INTERRUPTIBILITY_INFO, INTERRUPTIBILITY_NMI);
}

static void test_no_bit12(void)
{
	uint64_t gp_gate[2] = { l2_idt[2 * VEC_GP], l2_idt[2 * VEC_GP + 1] };
	uint64_t *below = page_alloc(), *frame = page_alloc();
	struct ept ept;

	reset_blocked(n_iret_then_gp, 1U << VEC_GP);
	if (vm_run_expect(&vm, EXIT_REASON_EXCEPTION_NMI,
			  "#gp after the iret retired exits")) {
		expect_eq(vm.exit_intr_info, INTR_INFO(VEC_GP,
			  INTR_TYPE_HW_EXCEPTION, 1),
			  "#gp after the iret retired: no bit 12");
		expect_eq(vmcs_read(GUEST_RIP), (uint64_t)n_iret_gp_next,
			  "#gp after the iret retired: at the load");
	}

	/* The IRET's #GP goes through L2's IDT to a handler that is #UD. */
	set_gate(VEC_GP, n_gp_handler);
	reset_blocked(g_iret_null_cs, 1U << VEC_UD);
	if (vm_run_expect(&vm, EXIT_REASON_EXCEPTION_NMI,
			  "#ud in the handler of the iret's #gp exits")) {
		expect_eq(vm.exit_intr_info, INTR_INFO(VEC_UD,
			  INTR_TYPE_HW_EXCEPTION, 0),
			  "#ud after the iret's #gp was delivered: no bit 12");
		expect_eq(vmcs_read(GUEST_RIP), (uint64_t)n_gp_handler,
			  "#ud after the iret's #gp: in the #gp handler");
	}

	/* #GP's gate beyond the IDT limit: #DF (vector 8 in reach). */
	reset_blocked(g_iret_null_cs, 1U << VEC_DF);
	vmcs_write(GUEST_IDTR_LIMIT, (VEC_DF + 1) * 16 - 1);
	if (vm_run_expect(&vm, EXIT_REASON_EXCEPTION_NMI,
			  "iret #gp undeliverable: #df exits"))
		expect_eq(vm.exit_intr_info, INTR_INFO(VEC_DF,
			  INTR_TYPE_HW_EXCEPTION, 1), "#df after the iret's #gp: "
			  "no bit 12");

	/* The #GP's frame is pushed into a page EPT leaves out. */
	if (frame != below + 512 ||
	    !vmx_ctl_allowed1(vmx_caps.proc2, SEC_ENABLE_EPT)) {
		report(false, "two adjacent pages and ept");
	} else {
		ept_init(&ept, false);
		ept_identity_map(&ept, 1ULL << 32, EPT_RWX);
		ept_map_4k(&ept, (uint64_t)below, (uint64_t)below, 0);
		reset_blocked(g_iret_null_cs, 0);
		vmcs_write(GUEST_RSP, (uint64_t)frame + 40);
		vmcs_write(EPT_POINTER, ept.eptp);
		vmx_set_ctl(SECONDARY_VM_EXEC_CONTROL, SEC_ENABLE_EPT, 0);
		if (vm_run_expect(&vm, EXIT_REASON_EPT_VIOLATION,
				  "delivering the iret's #gp hits a missing "
				  "ept entry")) {
			expect_eq(vm.guest_phys & ~0xfffULL, (uint64_t)below,
				  "delivery ept violation: the stack page below");
			expect_eq(vmcs_read(IDT_VECTORING_INFO),
				  INTR_INFO(VEC_GP, INTR_TYPE_HW_EXCEPTION, 1),
				  "delivery ept violation: idt vectoring is the "
				  "#gp");
			expect_eq(vm.exit_qual & EXITQ_EPT_NMI_UNBLOCK, 0,
				  "delivery ept violation: no bit 12");
		}
		invept(INVEPT_ALL_CONTEXT, 0);
	}
	l2_idt[2 * VEC_GP] = gp_gate[0];
	l2_idt[2 * VEC_GP + 1] = gp_gate[1];
}

int main(void)
{
	struct desc_ptr idtr;

	printf("vmxbox nested test: nmi blocking\n");
	vmxtest_enable();
	stack_top = vmx_guest_stack();
	vm.vmcs = vmx_alloc_region();
	sidt(&idtr);
	l2_idt = page_alloc();
	memcpy(l2_idt, (void *)idtr.base, idtr.limit + 1u);
	set_gate(VEC_NMI, n_vnmi_handler);
	test_section("blocking by nmi");
	test_blocking_by_nmi();
	test_section("virtual nmis");
	test_virtual_nmis();
	test_section("injection into a halted l2");
	test_halted_wakeup();
	test_section("ept violation of an iret");
	test_iret_ept_violation(true);
	test_iret_ept_violation(false);
	test_section("no bit 12 once the iret is not the cause");
	test_no_bit12();
	test_section("nmi delivery causing a vm exit");
	test_delivery_exit(0, "injected nmi delivery faults");
	test_delivery_exit(PIN_NMI_EXITING | PIN_VIRTUAL_NMIS,
			   "injected virtual nmi delivery faults");
	vmclear(vm.vmcs_pa);
	vmx_disable();
	return test_summary();
}
