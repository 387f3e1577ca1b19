// SPDX-License-Identifier: MIT
/*
 * Tertiary controls and IPI virtualization end to end (SDM Vol. 3C
 * 25.6.2, 27.2.1.1, 30.1.6, 30.4.3.2, 30.5), run with `--smp=2`:
 *   - IA32_VMX_PROCBASED_CTLS3 (492H) allows bit 4 only; the tertiary
 *     field, the PID-pointer table address and the last PID-pointer index
 *     exist; VM entry rejects reserved tertiary bits (also 63:32), IPI
 *     virtualization without "use TPR shadow" and a table address that is
 *     not 4-KByte aligned, and ignores the field with primary bit 17 = 0;
 *   - L2 on CPU 0 sends IPIs by WRMSR 830H ("virtualize x2APIC mode") and
 *     by writes to the APIC-access page: the vector lands in the PIR of
 *     the descriptor the table names, ON is set and the notification goes
 *     to NDST; to itself it comes back as a posted interrupt and L2 takes
 *     the vector without any VM exit;
 *   - every way out: destination above the last index, an entry not
 *     valid, another delivery mode / shorthand / destination mode /
 *     trigger: the trap-like APIC-write exit (56, 300H); reserved ICR
 *     bits: #GP; ON or SN already set: posted, no notification;
 *   - CPU 0's L2 sends an IPI that CPU 1's L2, spinning with RFLAGS.IF = 1,
 *     receives through its own posted-interrupt descriptor, with no VM
 *     exit on either CPU.
 */
#include "string.h"
#include "vmxtest.h"
#include "guest_asm.h"
#include "../smp/ap.h"

#define VEC_A		0x33
#define VEC_B		0x3c
#define NOTIFY_VEC	0xf2
#define X2_EOI		0x80b
#define X2_ICR		0x830
#define VAPIC_ICR	0x300
#define TERT_IPIV	(1ull << 4)

/* L2 programs.  ipiv_wrmsr: WRMSR from ecx/eax/edx with RFLAGS.IF = 1,
 * then an interrupt window.  ipiv_store: ICR high (edx) and low (eax)
 * through the APIC-access page at rsi.  ipiv_wait: spin with IF = 1 until
 * the handler sets the word at rsi. */
extern char ipiv_wrmsr[], ipiv_wrmsr_next[], ipiv_store[], ipiv_store_lo[],
	ipiv_wait[];
asm(".text\n"
    ".globl ipiv_wrmsr\nipiv_wrmsr:\n"
    "	sti\n"
    "	wrmsr\n"
    ".globl ipiv_wrmsr_next\nipiv_wrmsr_next:\n"
    "	nop\n"
    "	nop\n"
    "	cli\n"
    "	vmcall\n"
    ".globl ipiv_store\nipiv_store:\n"
    "	sti\n"
    "	movl %edx, 0x310(%rsi)\n"
    ".globl ipiv_store_lo\nipiv_store_lo:\n"
    "	movl %eax, 0x300(%rsi)\n"
    "	nop\n"
    "	nop\n"
    "	cli\n"
    "	vmcall\n"
    ".globl ipiv_wait\nipiv_wait:\n"
    "	sti\n"
    "1:	pause\n"
    "	cmpl $0, (%rsi)\n"
    "	je 1b\n"
    "	cli\n"
    "	vmcall\n");

struct cpu_l2 {
	struct vmx_vm vm;
	uint64_t stack;
	volatile uint32_t *vapic;
	volatile uint32_t *pid;          /* its posted-interrupt descriptor */
	uint64_t vmxon_region;
	int vmxon_result, run_result;
};

static struct cpu_l2 cpu[2];
static uint64_t *table;               /* PID-pointer table */
static volatile uint32_t *page;       /* APIC-access page */
static void *bitmap;

/* What L2's interrupt handler saw, per CPU. */
static volatile struct {
	unsigned count;
	uint64_t vector;
	uint32_t flag;
} seen[2];
static volatile uint32_t cpu1_in_l2;

static volatile bool eoi_by_page;     /* xAPIC: EOI through the page */

/* Which CPU's L2 runs the handler: by its (one-page) stack. */
static unsigned handler_cpu(void)
{
	uint64_t sp = (uint64_t)__builtin_frame_address(0);

	return sp < cpu[1].stack && sp >= cpu[1].stack - PAGE_SIZE;
}

static bool l2_handler(struct trap_frame *f)
{
	unsigned me = handler_cpu();

	seen[me].count++;
	seen[me].vector = f->vector;
	seen[me].flag = 1;
	if (eoi_by_page)          /* EOI virtualization */
		page[0xb0 / 4] = 0;
	else
		wrmsr(X2_EOI, 0);
	return true;
}

void ap_start(uint32_t id)
{
	ap_serve(id);
}

/* ---- descriptors ----------------------------------------------------------- */

static void pid_init(volatile uint32_t *pid, uint32_t apic_id)
{
	memset((void *)pid, 0, 64);
	pid[8] = NOTIFY_VEC << 16;            /* NV: bits 279:272 */
	pid[9] = apic_id << 8;                /* NDST: xAPIC ID in 15:8 */
}

static bool pir_has(volatile uint32_t *pid, unsigned vec)
{
	return (pid[vec / 32] >> (vec % 32)) & 1;
}

static bool pir_empty(volatile uint32_t *pid)
{
	for (unsigned i = 0; i < 8; i++)
		if (pid[i])
			return false;
	return true;
}

/* ---- an L2 with IPI virtualization on the current CPU ------------------- */

static bool reset_l2(struct cpu_l2 *c, void *guest, uint32_t proc2)
{
	bool ok;

	vmx_vm_reset(&c->vm, (void (*)(void))guest, c->stack);
	if (smp_my_id())
		vmcs_write(HOST_TR_BASE, (uint64_t)&ap_tss[smp_my_id()]);
	memset((void *)c->vapic, 0, 4096);
	vmcs_write(MSR_BITMAP, (uint64_t)bitmap);
	ok = vmx_set_ctl(CPU_BASED_VM_EXEC_CONTROL, CPU_USE_TPR_SHADOW |
			 CPU_ACTIVATE_TERTIARY, 0) &&
	     vmx_set_ctl(SECONDARY_VM_EXEC_CONTROL, proc2, 0) &&
	     vmx_set_ctl(PIN_BASED_VM_EXEC_CONTROL, PIN_EXT_INTR_EXITING |
			 ((proc2 & SEC_VIRT_INTR_DELIVERY) ? PIN_POSTED_INTR : 0),
			 0) &&
	     vmx_set_ctl(VM_EXIT_CONTROLS, EXIT_ACK_INTR_ON_EXIT, 0);
	vmcs_write(TERTIARY_VM_EXEC_CONTROL, TERT_IPIV);
	vmcs_write(PID_POINTER_TABLE_ADDR, (uint64_t)table);
	vmcs_write(LAST_PID_POINTER_INDEX, 1);
	vmcs_write(VIRTUAL_APIC_PAGE_ADDR, (uint64_t)c->vapic);
	vmcs_write(APIC_ACCESS_ADDR, (uint64_t)page);
	if (proc2 & SEC_VIRT_INTR_DELIVERY) {
		vmcs_write(GUEST_INTR_STATUS, 0);
		vmcs_write(EOI_EXIT_BITMAP0, 0);
		vmcs_write(EOI_EXIT_BITMAP1, 0);
		vmcs_write(EOI_EXIT_BITMAP2, 0);
		vmcs_write(EOI_EXIT_BITMAP3, 0);
		vmcs_write(POSTED_INTR_NOTIFICATION_VECTOR, NOTIFY_VEC);
		vmcs_write(POSTED_INTR_DESC_ADDR, (uint64_t)c->pid);
	}
	return ok;
}

#define X2APICV (SEC_VIRT_X2APIC | SEC_APIC_REGISTER_VIRT | \
		 SEC_VIRT_INTR_DELIVERY)

static void reset_all(void)
{
	table[0] = (uint64_t)cpu[0].pid | 1;
	table[1] = (uint64_t)cpu[1].pid | 1;
	pid_init(cpu[0].pid, 0);
	pid_init(cpu[1].pid, 1);
	memset((void *)seen, 0, sizeof(seen));
}

/* CPU 0's L2 writes ICR = icr by WRMSR 830H. */
static bool x2_send(uint64_t icr)
{
	if (!reset_l2(&cpu[0], ipiv_wrmsr, X2APICV))
		return false;
	cpu[0].vm.regs.rcx = X2_ICR;
	cpu[0].vm.regs.rax = (uint32_t)icr;
	cpu[0].vm.regs.rdx = icr >> 32;
	return true;
}

/* ---- capabilities and entry checks ---------------------------------------- */

static void test_caps(void)
{
	uint64_t v = 0;

	test_section("tertiary controls");
	expect_eq(vmx_caps.proc_ctl >> 32 & CPU_ACTIVATE_TERTIARY,
		  CPU_ACTIVATE_TERTIARY, "activate tertiary controls allowed-1");
	expect_eq(rdmsr(MSR_IA32_VMX_PROCBASED_CTLS3), TERT_IPIV,
		  "ia32_vmx_procbased_ctls3: ipi virtualization only");
	vmx_vm_reset(&cpu[0].vm, g_vmcall, cpu[0].stack);
	expect_vmx(vmwrite(TERTIARY_VM_EXEC_CONTROL, TERT_IPIV), VMX_SUCCEED, 0,
		   "vmwrite tertiary controls");
	expect_vmx(vmwrite(PID_POINTER_TABLE_ADDR, 0x123000), VMX_SUCCEED, 0,
		   "vmwrite pid-pointer table address");
	expect_vmx(vmwrite(LAST_PID_POINTER_INDEX, 0xffff), VMX_SUCCEED, 0,
		   "vmwrite last pid-pointer index");
	vmread(LAST_PID_POINTER_INDEX, &v);
	expect_eq(v, 0xffff, "last pid-pointer index: 16 bits");
	vmread(PID_POINTER_TABLE_ADDR, &v);
	expect_eq(v, 0x123000, "pid-pointer table address read back");
}

static void expect_entry_fails(const char *what)
{
	expect_vmx(vmx_vm_run(&cpu[0].vm), VMX_FAIL_VALID,
		   VMXERR_ENTRY_INVALID_CONTROL, "%s", what);
}

static void test_entry_checks(void)
{
	test_section("vm-entry checks");
	reset_all();
	reset_l2(&cpu[0], g_vmcall, X2APICV);
	vmcs_write(TERTIARY_VM_EXEC_CONTROL, TERT_IPIV | 1);
	expect_entry_fails("tertiary bit 0 (loadiwkey exiting): vmfailvalid 7");
	reset_l2(&cpu[0], g_vmcall, X2APICV);
	vmcs_write(TERTIARY_VM_EXEC_CONTROL, TERT_IPIV | 1ull << 40);
	expect_entry_fails("tertiary bit 40: vmfailvalid 7");
	reset_l2(&cpu[0], g_vmcall, X2APICV);
	vmcs_write(PID_POINTER_TABLE_ADDR, (uint64_t)table + 8);
	expect_entry_fails("pid-pointer table not 4k aligned: vmfailvalid 7");
	reset_l2(&cpu[0], g_vmcall, 0);
	vmx_set_ctl(CPU_BASED_VM_EXEC_CONTROL, 0, CPU_USE_TPR_SHADOW);
	expect_entry_fails("ipi virtualization without tpr shadow: vmfailvalid 7");
	reset_l2(&cpu[0], g_vmcall, X2APICV);
	vmx_set_ctl(CPU_BASED_VM_EXEC_CONTROL, 0, CPU_ACTIVATE_TERTIARY);
	vmcs_write(TERTIARY_VM_EXEC_CONTROL, ~0ull);
	vmcs_write(PID_POINTER_TABLE_ADDR, 8);
	vm_run_expect(&cpu[0].vm, EXIT_REASON_VMCALL,
		      "activate tertiary controls 0: the field is ignored");
}

/* ---- CPU 0 to itself ------------------------------------------------------ */

static void test_self(void)
{
	test_section("x2apic ipi to itself");
	reset_all();
	x2_send(0ull << 32 | VEC_A);
	if (vm_run_expect(&cpu[0].vm, EXIT_REASON_VMCALL,
			  "wrmsr 830h to apic id 0: no vm exit")) {
		expect_eq(seen[0].count, 1, "l2 takes the vector once");
		expect_eq(seen[0].vector, VEC_A, "with the icr vector");
		expect_eq(pir_empty(cpu[0].pid), 1, "pir moved to virr");
		expect_eq(cpu[0].pid[8] & 1, 0, "on cleared by the notification");
		expect_eq(cpu[0].vapic[VAPIC_ICR / 4], VEC_A,
			  "icr written to the virtual-apic page");
		expect_eq(cpu[0].vm.exits[EXIT_REASON_APIC_WRITE] +
			  cpu[0].vm.exits[EXIT_REASON_EXTERNAL_INTERRUPT] +
			  cpu[0].vm.exits[EXIT_REASON_MSR_WRITE], 0,
			  "no apic-write, msr or interrupt exit");
	}

	test_section("xapic ipi to itself");
	reset_all();
	/* Destination 1 (VICR_HI[31:24]); its table entry names CPU 0's
	 * own descriptor. */
	table[1] = (uint64_t)cpu[0].pid | 1;
	reset_l2(&cpu[0], ipiv_store, SEC_VIRT_APIC_ACCESSES |
		 SEC_APIC_REGISTER_VIRT | SEC_VIRT_INTR_DELIVERY);
	cpu[0].vm.regs.rsi = (uint64_t)page;
	cpu[0].vm.regs.rax = VEC_B;
	cpu[0].vm.regs.rdx = 0x01000000;
	eoi_by_page = true;
	if (vm_run_expect(&cpu[0].vm, EXIT_REASON_VMCALL,
			  "icr writes through the apic-access page: no vm exit")) {
		expect_eq(seen[0].count, 1, "l2 takes the xapic vector once");
		expect_eq(seen[0].vector, VEC_B, "with the icr-low vector");
		expect_eq(pir_empty(cpu[0].pid), 1, "pir moved to virr (xapic)");
	}
	eoi_by_page = false;

	test_section("without virtual-interrupt delivery");
	reset_all();
	reset_l2(&cpu[0], ipiv_store, SEC_VIRT_APIC_ACCESSES);
	cpu[0].vm.regs.rsi = (uint64_t)page;
	cpu[0].vm.regs.rax = VEC_B;
	cpu[0].vm.regs.rdx = 0;
	if (vm_run_expect(&cpu[0].vm, EXIT_REASON_APIC_ACCESS,
			  "icr high without apic-register virtualization")) {
		expect_eq(cpu[0].vm.exit_qual, 0x1310,
			  "apic-access exit: write to 310h");
		/* Skip the ICR-high store: the ICR-low one is virtualized
		 * by IPI virtualization alone. */
		vmcs_write(GUEST_RIP, (uint64_t)ipiv_store_lo);
	}
	if (vm_run_expect(&cpu[0].vm, EXIT_REASON_EXTERNAL_INTERRUPT,
			  "icr low 300h virtualized: the notification exits")) {
		expect_eq(cpu[0].vm.exit_intr_info,
			  INTR_INFO(NOTIFY_VEC, INTR_TYPE_EXT_INTR, 0),
			  "external interrupt: the notification vector");
		expect_eq(pir_has(cpu[0].pid, VEC_B), 1, "vector posted in pir");
		expect_eq(cpu[0].pid[8] & 1, 1, "on set");
		apic_eoi();
	}
}

/* ---- the ways out ---------------------------------------------------------- */

static void expect_apic_write_exit(const char *what, uint64_t icr)
{
	char name[96];

	snprintf(name, sizeof(name), "%s: apic-write exit", what);
	if (!vm_run_expect(&cpu[0].vm, EXIT_REASON_APIC_WRITE, name))
		return;
	expect_eq(cpu[0].vm.exit_qual, VAPIC_ICR, "%s: qualification 300h", what);
	expect_eq(vmcs_read(GUEST_RIP), (uint64_t)ipiv_wrmsr_next,
		  "%s: trap-like, after the wrmsr", what);
	expect_eq((uint64_t)cpu[0].vapic[VAPIC_ICR / 4 + 1] << 32 |
		  cpu[0].vapic[VAPIC_ICR / 4], icr,
		  "%s: icr on the virtual-apic page", what);
	expect_eq(pir_has(cpu[1].pid, VEC_A) | pir_has(cpu[0].pid, VEC_A), 0,
		  "%s: nothing posted", what);
}

static void test_exits(void)
{
	static const struct { uint32_t lo; const char *what; } other[] = {
		{ 0x00040000, "shorthand self" },
		{ 0x000c0000, "all excluding self" },
		{ 0x00000800, "logical destination" },
		{ 0x00008000, "level triggered" },
		{ 0x00000400, "nmi delivery" },
		{ 0x00000100, "lowest priority" },
		{ 0x00001000, "delivery status set" },
	};
	uint64_t icr;

	test_section("apic-write exits");
	reset_all();
	x2_send(2ull << 32 | VEC_A);
	expect_apic_write_exit("destination 2 above last index 1",
			       2ull << 32 | VEC_A);
	reset_all();
	table[1] = (uint64_t)cpu[1].pid;
	x2_send(1ull << 32 | VEC_A);
	expect_apic_write_exit("pid pointer not valid", 1ull << 32 | VEC_A);
	reset_all();
	table[1] = (uint64_t)cpu[1].pid | 0x21;
	x2_send(1ull << 32 | VEC_A);
	expect_apic_write_exit("pid pointer bits 5:1 not 0", 1ull << 32 | VEC_A);
	reset_all();
	table[1] = (uint64_t)cpu[1].pid | 1 | 1ull << 62;
	x2_send(1ull << 32 | VEC_A);
	expect_apic_write_exit("pid pointer beyond maxphyaddr", 1ull << 32 | VEC_A);
	for (unsigned i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
		reset_all();
		icr = 1ull << 32 | other[i].lo | VEC_A;
		x2_send(icr);
		expect_apic_write_exit(other[i].what, icr);
	}

	test_section("reserved icr bits");
	reset_all();
	x2_send(1ull << 32 | 1u << 13 | VEC_A);
	vmcs_write(EXCEPTION_BITMAP, 1u << 13);
	if (vm_run_expect(&cpu[0].vm, EXIT_REASON_EXCEPTION_NMI,
			  "wrmsr 830h with bit 13: #gp")) {
		expect_eq(cpu[0].vm.exit_intr_info,
			  INTR_INFO(13, INTR_TYPE_HW_EXCEPTION, 1), "#gp(0)");
		expect_eq(pir_has(cpu[1].pid, VEC_A), 0, "#gp: nothing posted");
	}

	test_section("not virtualized");
	reset_all();
	x2_send(1ull << 32 | VEC_A);
	msr_bitmap_set(bitmap, X2_ICR, false, true);
	if (vm_run_expect(&cpu[0].vm, EXIT_REASON_MSR_WRITE,
			  "msr bitmap bit for 830h: wrmsr exit first"))
		expect_eq(pir_has(cpu[1].pid, VEC_A), 0, "msr exit: nothing posted");
	memset(bitmap, 0, 4096);
	reset_all();
	x2_send(1ull << 32 | VEC_A);
	vmx_set_ctl(CPU_BASED_VM_EXEC_CONTROL, 0, CPU_ACTIVATE_TERTIARY);
	vmcs_write(EXCEPTION_BITMAP, 1u << 13);
	if (vm_run_expect(&cpu[0].vm, EXIT_REASON_EXCEPTION_NMI,
			  "tertiary controls off: wrmsr 830h goes to the xapic (#gp)"))
		expect_eq(pir_has(cpu[1].pid, VEC_A), 0,
			  "tertiary controls off: nothing posted");

	test_section("outstanding or suppressed notification");
	reset_all();
	cpu[0].pid[8] |= 1;                   /* ON already set */
	x2_send(0ull << 32 | VEC_A);
	if (vm_run_expect(&cpu[0].vm, EXIT_REASON_VMCALL, "on set: no vm exit")) {
		expect_eq(pir_has(cpu[0].pid, VEC_A), 1, "on set: vector posted");
		expect_eq(seen[0].count, 0, "on set: no notification, l2 sees nothing");
	}
	reset_all();
	cpu[0].pid[8] |= 2;                   /* SN */
	x2_send(0ull << 32 | VEC_A);
	if (vm_run_expect(&cpu[0].vm, EXIT_REASON_VMCALL, "sn set: no vm exit")) {
		expect_eq(pir_has(cpu[0].pid, VEC_A), 1, "sn set: vector posted");
		expect_eq(cpu[0].pid[8] & 1, 0, "sn set: on stays 0");
		expect_eq(seen[0].count, 0, "sn set: l2 sees nothing");
	}
}

/* ---- CPU 0's L2 to CPU 1's L2 ---------------------------------------------- */

static void ap_vmxon(void *arg)
{
	struct cpu_l2 *c = arg;
	uint64_t fc = rdmsr(MSR_IA32_FEATURE_CONTROL);

	if (!(fc & FEATURE_CONTROL_LOCK))
		wrmsr(MSR_IA32_FEATURE_CONTROL, fc | FEATURE_CONTROL_LOCK |
			  FEATURE_CONTROL_VMXON_OUT_SMX);
	write_cr0(vmx_fix_cr0(read_cr0()));
	write_cr4(vmx_fix_cr4(read_cr4() | CR4_VMXE));
	c->vmxon_result = vmxon(c->vmxon_region);
	c->vm.vmcs = vmx_alloc_region();
}

static void ap_wait_in_l2(void *arg)
{
	struct cpu_l2 *c = arg;

	reset_l2(c, ipiv_wait, X2APICV);
	c->vm.regs.rsi = (uint64_t)&seen[1].flag;
	__atomic_store_n(&cpu1_in_l2, 1, __ATOMIC_SEQ_CST);
	c->run_result = vmx_vm_run(&c->vm);
	__atomic_store_n(&cpu1_in_l2, 0, __ATOMIC_SEQ_CST);
}

static void test_other_cpu(void)
{
	struct cpu_l2 *c1 = &cpu[1];

	test_section("ipi into cpu 1's l2");
	c1->vmxon_region = (uint64_t)vmx_alloc_region();
	if (!report(smp_call(1, ap_vmxon, c1), "cpu 1 vmxon done") ||
	    !expect_eq(c1->vmxon_result, VMX_SUCCEED, "cpu 1 vmxon"))
		return;
	reset_all();
	smp_post(1, ap_wait_in_l2, c1);
	smp_wait_for(&cpu1_in_l2, 1);
	for (volatile int i = 0; i < 5000; i++)
		asm volatile("pause");
	x2_send(1ull << 32 | VEC_B);
	if (vm_run_expect(&cpu[0].vm, EXIT_REASON_VMCALL,
			  "cpu 0's l2 sends to apic id 1: no vm exit")) {
		expect_eq(seen[0].count, 0, "cpu 0's l2 takes nothing");
		expect_eq(cpu[0].pid[8] & 1, 0, "cpu 0's descriptor untouched");
	}
	report(smp_wait_done(1), "cpu 1 back in l1");
	expect_eq(c1->run_result, VMX_SUCCEED, "cpu 1's l2 entered");
	expect_eq(c1->vm.exit_reason, EXIT_REASON_VMCALL,
		  "cpu 1's l2 leaves by vmcall: no interrupt exit");
	expect_eq(seen[1].count, 1, "cpu 1's l2 takes the vector once");
	expect_eq(seen[1].vector, VEC_B, "cpu 1's l2: the icr vector");
	expect_eq(pir_empty(c1->pid), 1, "cpu 1's pir moved to its virr");
	expect_eq(c1->pid[8] & 1, 0, "cpu 1's on cleared");
	expect_eq(c1->vm.exits[EXIT_REASON_EXTERNAL_INTERRUPT], 0,
		  "no external-interrupt exit on cpu 1");
}

int main(void)
{
	unsigned n = smp_fw_cfg_cpus();

	printf("vmxbox nested test: ipi virtualization on %u cpus\n", n);
	vmxtest_enable();
	if (!vmx_ctl_allowed1(vmx_caps.proc_ctl, CPU_ACTIVATE_TERTIARY)) {
		printf("tertiary controls not advertised\n");
		vmx_disable();
		return test_summary();
	}
	for (unsigned k = 0; k < 2; k++) {
		cpu[k].stack = vmx_guest_stack();
		cpu[k].vapic = page_alloc();
		cpu[k].pid = page_alloc();
	}
	cpu[0].vm.vmcs = vmx_alloc_region();
	table = page_alloc();
	page = page_alloc();
	bitmap = page_alloc();
	trap_set_handler(VEC_A, l2_handler);
	trap_set_handler(VEC_B, l2_handler);

	test_caps();
	test_entry_checks();
	test_self();
	test_exits();
	if (n >= 2 && smp_start_aps(2))
		test_other_cpu();
	else
		printf("FAIL run with --smp=2\n");
	vmclear(cpu[0].vm.vmcs_pa);
	vmx_disable();
	return test_summary();
}
