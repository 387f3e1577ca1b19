// SPDX-License-Identifier: MIT
/*
 * Virtual interrupts and x2APIC virtualization, end to end (SDM Vol. 3C
 * chapter 30): L1 runs an L2 with "use TPR shadow", "virtualize x2APIC
 * mode", "APIC-register virtualization" and "virtual-interrupt delivery",
 * and checks what L2 sees and which exits it gets:
 *   - a virtual interrupt pending in RVI/VIRR at VM entry is delivered
 *     through L2's IDT once RFLAGS.IF = 1, VISR/SVI/VPPR follow, and L2's
 *     WRMSR to the x2APIC EOI register virtualizes the EOI (30.2, 30.1.4);
 *   - the EOI-exit bitmap turns that EOI into exit 45 (vector);
 *   - a self IPI (WRMSR 83FH) is delivered at once; below vector 16 it is
 *     an APIC-write exit (56, offset 3F0H);
 *   - VTPR holds a virtual interrupt back until WRMSR 808H lowers it;
 *   - RDMSR of 808H/80AH/830H reads the virtual-APIC page; WRMSR 808H
 *     with bits 63:8 set is #GP; an MSR-bitmap bit still exits;
 *   - VM entry checks virtual-interrupt delivery needs external-interrupt
 *     exiting;
 *   - posted interrupts (30.6): the notification vector, pending at VM
 *     entry or raised while L2 runs (a self IPI through vmxbox's event
 *     port 0xf5), moves PIR into VIRR without a VM exit and L2 gets the
 *     posted vector; any other vector still exits.
 * L1 and L2 share the firmware's IDT; L2's handlers run in L2.
 */
#include "vmxtest.h"
#include "guest_asm.h"
#include "paging.h"
#include "string.h"
#include "apic.h"

#define VEC_A		0x31
#define VEC_B		0x3a
#define X2_TPR		0x808
#define X2_PPR		0x80a
#define X2_EOI		0x80b
#define X2_ISR1		0x811     /* vectors 32-63 */
#define X2_ICR		0x830
#define X2_SELF_IPI	0x83f
#define VAPIC_TPR	0x080
#define VAPIC_PPR	0x0a0
#define VAPIC_ISR	0x100
#define VAPIC_IRR	0x200
#define VAPIC_ICR	0x300
#define VAPIC_SELF	0x3f0
#define NOTIFY_VEC	0xf2
#define OTHER_VEC	0x3c
#define EVENT_PORT	0xf5

static struct vmx_vm vm;
static uint64_t stack_top;
static volatile uint32_t *vapic;   /* the virtual-APIC page */
static void *bitmap;               /* this test's MSR bitmap */
static volatile uint32_t *pid;     /* posted-interrupt descriptor */

/* What L2's interrupt handler saw. */
static volatile struct {
	unsigned count;
	uint64_t vector, isr1, ppr;
	unsigned count_before;         /* handler runs before this point */
	bool eoi;                      /* the handler writes the EOI */
} seen;

static volatile uint64_t l2_msr[3];

static uint32_t vreg(unsigned off)
{
	return vapic[off / 4];
}

static bool vbit(unsigned base, unsigned vec)
{
	return (vreg(base + ((vec & 0xe0) >> 1)) >> (vec & 31)) & 1;
}

static void vbit_set(unsigned base, unsigned vec)
{
	vapic[(base + ((vec & 0xe0) >> 1)) / 4] |= 1u << (vec & 31);
}

/* In L2: record, read ISR and PPR through the virtualized MSRs, EOI. */
static bool l2_handler(struct trap_frame *f)
{
	seen.count++;
	seen.vector = f->vector;
	seen.isr1 = rdmsr(X2_ISR1);
	seen.ppr = rdmsr(X2_PPR);
	if (seen.eoi)
		wrmsr(X2_EOI, 0);
	return true;
}

/* ---- L2 programs ------------------------------------------------------ */

static void l2_sti(void)
{
	asm volatile("sti; nop; nop; cli" ::: "memory");
	guest_vmcall(0, 0);
}

static void l2_self_ipi(void)
{
	asm volatile("sti" ::: "memory");
	wrmsr(X2_SELF_IPI, VEC_B);
	seen.count_before = seen.count;
	asm volatile("cli" ::: "memory");
	guest_vmcall(0, 0);
}

static void l2_self_ipi_low(void)
{
	wrmsr(X2_SELF_IPI, 5);
	guest_vmcall(0, 0);
}

static void l2_lower_tpr(void)
{
	asm volatile("sti; nop; nop" ::: "memory");
	seen.count_before = seen.count;
	wrmsr(X2_TPR, 0);
	asm volatile("nop; cli" ::: "memory");
	guest_vmcall(0, 0);
}

static void l2_read_msrs(void)
{
	l2_msr[0] = rdmsr(X2_TPR);
	l2_msr[1] = rdmsr(X2_PPR);
	l2_msr[2] = rdmsr(X2_ICR);
	guest_vmcall(0, 0);
}

static void l2_bad_tpr(void)
{
	wrmsr(X2_TPR, 0x100);
	guest_vmcall(0, 0);
}

static void l2_eoi(void)
{
	wrmsr(X2_EOI, 0);
	guest_vmcall(0, 0);
}

/* L2 raises vector rsi through the event port (a self IPI), then takes
 * interrupts. */
static void l2_raise(void)
{
	uint64_t vec;

	asm volatile("mov %%rsi, %0" : "=r"(vec));
	asm volatile("outl %0, %1" : : "a"((uint32_t)vec),
		     "Nd"((uint16_t)EVENT_PORT));
	asm volatile("sti; nop; nop; cli" ::: "memory");
	guest_vmcall(0, 0);
}

/* ---- setup ------------------------------------------------------------ */

static bool reset(void (*guest)(void), uint64_t rflags, unsigned rvi,
		  unsigned svi)
{
	bool ok;

	vmx_vm_reset(&vm, guest, stack_top);
	memset((void *)vapic, 0, 4096);
	memset(bitmap, 0, 4096);
	memset((void *)&seen, 0, sizeof(seen));
	seen.eoi = true;
	vmcs_write(MSR_BITMAP, (uint64_t)bitmap);
	vmcs_write(GUEST_RFLAGS, rflags);
	ok = vmx_set_ctl(CPU_BASED_VM_EXEC_CONTROL, CPU_USE_TPR_SHADOW, 0) &&
	     vmx_set_ctl(SECONDARY_VM_EXEC_CONTROL, SEC_VIRT_X2APIC |
			 SEC_APIC_REGISTER_VIRT | SEC_VIRT_INTR_DELIVERY, 0) &&
	     vmx_set_ctl(PIN_BASED_VM_EXEC_CONTROL, PIN_EXT_INTR_EXITING, 0);
	vmcs_write(VIRTUAL_APIC_PAGE_ADDR, (uint64_t)vapic);
	vmcs_write(GUEST_INTR_STATUS, svi << 8 | rvi);
	vmcs_write(EOI_EXIT_BITMAP0, 0);
	vmcs_write(EOI_EXIT_BITMAP1, 0);
	vmcs_write(EOI_EXIT_BITMAP2, 0);
	vmcs_write(EOI_EXIT_BITMAP3, 0);
	return ok;
}

/* ---- tests ------------------------------------------------------------ */

static void test_delivery(void)
{
	test_section("virtual interrupt pending at vm entry");
	reset(l2_sti, RFLAGS_FIXED, VEC_A, 0);
	vbit_set(VAPIC_IRR, VEC_A);
	if (vm_run_expect(&vm, EXIT_REASON_VMCALL, "l2 opens an interrupt window")) {
		expect_eq(seen.count, 1, "delivered once through l2's idt");
		expect_eq(seen.vector, VEC_A, "with vector rvi");
		expect_eq(seen.isr1, 1ULL << (VEC_A - 32),
			  "rdmsr 811h in the handler: visr has it");
		expect_eq(seen.ppr, VEC_A & 0xf0, "rdmsr 80ah: vppr = vector & f0h");
		expect_eq(vmcs_read(GUEST_INTR_STATUS), 0,
			  "after the eoi: rvi = svi = 0");
		expect_eq(vbit(VAPIC_ISR, VEC_A) | vbit(VAPIC_IRR, VEC_A), 0,
			  "virr and visr clear");
		expect_eq(vreg(VAPIC_PPR), 0, "vppr back to vtpr");
		expect_eq(vm.exits[EXIT_REASON_EXTERNAL_INTERRUPT], 0,
			  "no external-interrupt exit");
	}

	test_section("eoi-exit bitmap");
	reset(l2_sti, RFLAGS_FIXED, VEC_A, 0);
	vbit_set(VAPIC_IRR, VEC_A);
	vmcs_write(EOI_EXIT_BITMAP0, 1ULL << VEC_A);
	if (vm_run_expect(&vm, EXIT_REASON_EOI_INDUCED, "eoi of a bitmap vector")) {
		expect_eq(vm.exit_qual, VEC_A, "qualification: the vector");
		expect_eq(vmcs_read(GUEST_INTR_STATUS), 0,
			  "eoi virtualized before the exit");
		expect_eq(vbit(VAPIC_ISR, VEC_A), 0, "visr clear");
		expect_eq(seen.count, 1, "the handler ran once");
	}

	test_section("virtual tpr holds it back");
	reset(l2_lower_tpr, RFLAGS_FIXED, VEC_A, 0);
	vbit_set(VAPIC_IRR, VEC_A);
	vapic[VAPIC_TPR / 4] = 0x40;
	if (vm_run_expect(&vm, EXIT_REASON_VMCALL, "l2 lowers vtpr by wrmsr 808h")) {
		expect_eq(seen.count_before, 0, "not delivered while vtpr is 40h");
		expect_eq(seen.count, 1, "delivered after wrmsr 808h");
		expect_eq(vreg(VAPIC_TPR), 0, "vtpr written");
	}
}

static void test_self_ipi(void)
{
	test_section("self ipi");
	reset(l2_self_ipi, RFLAGS_FIXED, 0, 0);
	if (vm_run_expect(&vm, EXIT_REASON_VMCALL, "wrmsr 83fh with if = 1")) {
		expect_eq(seen.count_before, 1,
			  "delivered right after the wrmsr");
		expect_eq(seen.vector, VEC_B, "vector from eax");
		expect_eq(vmcs_read(GUEST_INTR_STATUS), 0, "rvi = svi = 0");
	}
	reset(l2_self_ipi_low, RFLAGS_FIXED, 0, 0);
	if (vm_run_expect(&vm, EXIT_REASON_APIC_WRITE, "self ipi vector 5")) {
		expect_eq(vm.exit_qual, VAPIC_SELF, "qualification 3f0h");
		expect_eq(vreg(VAPIC_SELF), 5, "written to offset 3f0h");
		expect_eq(vbit(VAPIC_IRR, 5), 0, "not requested");
	}
}

static void test_msrs(void)
{
	test_section("x2apic msrs read the virtual-apic page");
	reset(l2_read_msrs, RFLAGS_FIXED, 0, 0x52);
	vapic[VAPIC_TPR / 4] = 0x61;
	vapic[VAPIC_ICR / 4] = 0x000c40fe;
	vapic[VAPIC_ICR / 4 + 1] = 0x7;
	vbit_set(VAPIC_ISR, 0x52);
	if (vm_run_expect(&vm, EXIT_REASON_VMCALL, "rdmsr 808h, 80ah, 830h")) {
		expect_eq(l2_msr[0], 0x61, "tpr: vtpr");
		expect_eq(l2_msr[1], 0x61, "ppr: computed at entry (vtpr >= svi)");
		expect_eq(l2_msr[2], 0x7000c40feULL, "icr: offsets 300h and 304h");
	}

	reset(l2_bad_tpr, RFLAGS_FIXED, 0, 0);
	vmcs_write(EXCEPTION_BITMAP, 1u << 13);
	if (vm_run_expect(&vm, EXIT_REASON_EXCEPTION_NMI, "wrmsr 808h = 100h"))
		expect_eq(vm.exit_intr_info,
			  INTR_INFO(13, INTR_TYPE_HW_EXCEPTION, 1), "#gp(0)");

	reset(l2_eoi, RFLAGS_FIXED, 0, 0x40);
	vbit_set(VAPIC_ISR, 0x40);
	msr_bitmap_set(bitmap, X2_EOI, false, true);
	if (vm_run_expect(&vm, EXIT_REASON_MSR_WRITE, "eoi with its bitmap bit"))
		expect_eq(vbit(VAPIC_ISR, 0x40), 1, "not virtualized");
}

/* Posted interrupts on top of reset(): PIR bit vec, ON set. */
static bool reset_posted(void (*guest)(void), unsigned vec)
{
	bool ok = reset(guest, RFLAGS_FIXED, 0, 0) &&
		  vmx_set_ctl(PIN_BASED_VM_EXEC_CONTROL, PIN_POSTED_INTR, 0) &&
		  vmx_set_ctl(VM_EXIT_CONTROLS, EXIT_ACK_INTR_ON_EXIT, 0);

	memset((void *)pid, 0, 64);
	pid[vec / 32] = 1u << (vec % 32);
	pid[8] = 1;                        /* ON */
	vmcs_write(POSTED_INTR_NOTIFICATION_VECTOR, NOTIFY_VEC);
	vmcs_write(POSTED_INTR_DESC_ADDR, (uint64_t)pid);
	return ok;
}

static bool pir_empty(void)
{
	for (unsigned i = 0; i < 8; i++)
		if (pid[i])
			return false;
	return true;
}

static void test_posted(void)
{
	test_section("posted interrupts");
	if (!reset_posted(l2_sti, VEC_A)) {
		test_result(false, "process posted interrupts settable", "no");
		return;
	}
	/* L1 (IF = 0) sends itself the notification before VM entry. */
	apic_write(APIC_ICR, APIC_ICR_SELF | NOTIFY_VEC);
	if (vm_run_expect(&vm, EXIT_REASON_VMCALL, "notification pending at vm entry")) {
		expect_eq(seen.count, 1, "posted vector delivered in l2");
		expect_eq(seen.vector, VEC_A, "the vector from pir");
		expect_eq(pid[8] & 1, 0, "on cleared");
		expect_eq(pir_empty(), 1, "pir cleared");
		expect_eq(apic_vec_set(APIC_IRR, NOTIFY_VEC) |
			  apic_vec_set(APIC_ISR, NOTIFY_VEC), 0,
			  "notification dismissed in the local apic (eoi)");
		expect_eq(vm.exits[EXIT_REASON_EXTERNAL_INTERRUPT], 0,
			  "no external-interrupt exit");
	}

	reset_posted(l2_raise, VEC_B);
	vm.regs.rsi = NOTIFY_VEC;
	if (vm_run_expect(&vm, EXIT_REASON_VMCALL, "notification while l2 runs")) {
		expect_eq(seen.count, 1, "posted vector delivered in l2 (raised)");
		expect_eq(seen.vector, VEC_B, "the vector from pir (raised)");
		expect_eq(pid[8] & 1, 0, "on cleared (raised)");
		expect_eq(vm.exits[EXIT_REASON_EXTERNAL_INTERRUPT], 0,
			  "no external-interrupt exit (raised)");
	}

	reset_posted(l2_raise, VEC_B);
	vm.regs.rsi = OTHER_VEC;
	if (vm_run_expect(&vm, EXIT_REASON_EXTERNAL_INTERRUPT,
			  "another vector while l2 runs")) {
		expect_eq(vm.exit_intr_info,
			  INTR_INFO(OTHER_VEC, INTR_TYPE_EXT_INTR, 0),
			  "acknowledged on exit");
		expect_eq(pid[8] & 1, 1, "on untouched");
		expect_eq(seen.count, 0, "nothing delivered in l2");
		apic_eoi();
	}
}

/* The handler of vector vec in the firmware's (L1's and L2's) IDT. */
static uint64_t idt_handler(unsigned vec)
{
	struct desc_ptr idtr;
	const uint32_t *g;

	sidt(&idtr);
	g = (const uint32_t *)(idtr.base + 16 * vec);
	return (g[0] & 0xffff) | (g[1] & 0xffff0000) | (uint64_t)g[2] << 32;
}

/*
 * 30.2.2: virtual-interrupt delivery has the priority of an interrupt-
 * window exit: an NMI (here its VM exit, NMI exiting) comes first, and the
 * virtual interrupt comes before external interrupts (here their VM exit,
 * at the handler's first instruction, after the delivery).
 */
static void test_priority(void)
{
	test_section("virtual interrupt priority");
	/* An NMI raised in L2 under blocking by NMI (NMI exiting, virtual
	 * NMIs 0) stays pending through the VMCALL exit (SDM 26.3)... */
	reset(l2_raise, RFLAGS_FIXED, 0, 0);
	vm.regs.rsi = 0x400;
	vmx_set_ctl(PIN_BASED_VM_EXEC_CONTROL, PIN_NMI_EXITING, 0);
	vmcs_write(GUEST_INTERRUPTIBILITY_INFO, INTERRUPTIBILITY_NMI);
	if (!vm_run_expect(&vm, EXIT_REASON_VMCALL, "nmi held by blocking "
			   "by nmi"))
		return;
	/* ...and meets a virtual interrupt at the entry that unblocks it. */
	vmcs_write(GUEST_INTERRUPTIBILITY_INFO, 0);
	vmcs_write(GUEST_RIP, (uint64_t)l2_sti);
	vmcs_write(GUEST_RSP, stack_top);
	vmcs_write(GUEST_RFLAGS, RFLAGS_FIXED | RFLAGS_IF);
	vmcs_write(GUEST_INTR_STATUS, VEC_A);
	vbit_set(VAPIC_IRR, VEC_A);
	if (vm_run_expect(&vm, EXIT_REASON_EXCEPTION_NMI,
			  "nmi exit before a pending virtual interrupt")) {
		expect_eq(vm.exit_intr_info, INTR_INFO(VEC_NMI, INTR_TYPE_NMI, 0),
			  "nmi before the virtual interrupt: nmi exit");
		expect_eq(vmcs_read(GUEST_RIP), (uint64_t)l2_sti,
			  "nmi before the virtual interrupt: first instruction");
		expect_eq(vmcs_read(GUEST_INTR_STATUS), VEC_A,
			  "nmi before the virtual interrupt: rvi still pending");
		expect_eq(seen.count, 0, "nmi before the virtual interrupt: "
			  "not delivered");
	}
	if (vm_run_expect(&vm, EXIT_REASON_VMCALL, "then the virtual "
			  "interrupt is delivered"))
		expect_eq(seen.vector, VEC_A, "virtual interrupt after the nmi");

	/* L1 (IF = 0) requests OTHER_VEC: external-interrupt exiting. */
	reset(l2_sti, RFLAGS_FIXED | RFLAGS_IF, VEC_A, 0);
	vbit_set(VAPIC_IRR, VEC_A);
	vmx_set_ctl(VM_EXIT_CONTROLS, EXIT_ACK_INTR_ON_EXIT, 0);
	apic_write(APIC_ICR, APIC_ICR_SELF | OTHER_VEC);
	if (vm_run_expect(&vm, EXIT_REASON_EXTERNAL_INTERRUPT,
			  "virtual interrupt delivered before an external "
			  "interrupt exit")) {
		expect_eq(vm.exit_intr_info,
			  INTR_INFO(OTHER_VEC, INTR_TYPE_EXT_INTR, 0),
			  "external interrupt after the virtual one: its vector");
		expect_eq(vmcs_read(GUEST_RIP), idt_handler(VEC_A),
			  "external interrupt after the virtual one: rip is "
			  "the virtual interrupt's handler");
		expect_eq(vmcs_read(GUEST_INTR_STATUS), VEC_A << 8,
			  "external interrupt after the virtual one: svi = "
			  "vector, rvi = 0");
		apic_eoi();
	}
	if (vm_run_expect(&vm, EXIT_REASON_VMCALL, "the virtual interrupt's "
			  "handler runs after the exit"))
		expect_eq(seen.count, 1, "virtual interrupt handled once");
}

static void test_entry_check(void)
{
	test_section("vm-entry checks");
	reset(l2_sti, RFLAGS_FIXED, 0, 0);
	vmx_set_ctl(PIN_BASED_VM_EXEC_CONTROL, 0, PIN_EXT_INTR_EXITING);
	expect_vmx(vmx_vm_run(&vm), VMX_FAIL_VALID, VMXERR_ENTRY_INVALID_CONTROL,
		   "virtual-interrupt delivery without external-interrupt exiting");
}

int main(void)
{
	printf("vmxbox nested test: virtual interrupts\n");
	vmxtest_enable();
	if (!vmx_ctl_allowed1(vmx_caps.proc2, SEC_VIRT_X2APIC |
			      SEC_APIC_REGISTER_VIRT | SEC_VIRT_INTR_DELIVERY)) {
		printf("virtual-interrupt delivery not advertised\n");
		vmx_disable();
		return test_summary();
	}
	vm.vmcs = vmx_alloc_region();
	stack_top = vmx_guest_stack();
	vapic = page_alloc();
	bitmap = page_alloc();
	pid = page_alloc();
	trap_set_handler(VEC_A, l2_handler);
	trap_set_handler(VEC_B, l2_handler);

	test_delivery();
	test_self_ipi();
	test_msrs();
	if (vmx_ctl_allowed1(vmx_caps.pin_ctl, PIN_POSTED_INTR))
		test_posted();
	else
		printf("posted interrupts not advertised\n");
	test_priority();
	test_entry_check();

	vmclear(vm.vmcs_pa);
	vmx_disable();
	return test_summary();
}
