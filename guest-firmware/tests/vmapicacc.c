// SPDX-License-Identifier: MIT
/*
 * "Virtualize APIC accesses" end to end (SDM Vol. 3C 30.4): L1 gives its
 * L2 an APIC-access page (a page of RAM that L2 reaches through the
 * shared identity map, or through EPT) and checks what L2's loads and
 * stores there do:
 *   - without "use TPR shadow" every access is an APIC-access exit (44),
 *     fault-like, with the offset and access type in the qualification;
 *   - with it, reads and writes of the TPR (080H) go to the virtual-APIC
 *     page; a byte write clears bytes 081H-083H and may end in a
 *     trap-like TPR-below-threshold exit (43); other registers, accesses
 *     over 32 bits, fetches and event delivery exit (types 0-3);
 *   - APIC-register virtualization reads the listed registers from the
 *     virtual-APIC page; writes there end in APIC-write exits (56) with
 *     the offset, ICR high just loses bits 23:0;
 *   - virtual-interrupt delivery: an EOI write is EOI virtualization, an
 *     ICR-low write of a self IPI is self-IPI virtualization (delivered
 *     in L2), any other ICR-low write an APIC-write exit;
 *   - with EPT the page is found after translation, and the guest page
 *     walk touching it is a guest-physical access (type 15);
 *   - VM entry with VTPR below the TPR threshold exits at once (27.7.7).
 */
#include "vmxtest.h"
#include "paging.h"
#include "string.h"

#define VEC		0x3b
#define OFF_VERSION	0x030
#define OFF_TPR		0x080
#define OFF_EOI		0x0b0
#define OFF_LDR		0x0d0
#define OFF_ISR		0x100
#define OFF_ICR_LO	0x300
#define OFF_ICR_HI	0x310

/* L2 programs: rsi = address, rdi = value; loads return in rdx. */
extern char aa_ld32[], aa_ld64[], aa_st8[], aa_st32[], aa_st32_next[],
	aa_jmp[], aa_int3[], aa_sti_st32[];
asm(".text\n"
    ".globl aa_ld32\naa_ld32:\n"
    "	movl (%rsi), %edx\n"
    "	vmcall\n"
    ".globl aa_ld64\naa_ld64:\n"
    "	movq (%rsi), %rdx\n"
    "	vmcall\n"
    ".globl aa_st8\naa_st8:\n"
    "	movb %dil, (%rsi)\n"
    "	vmcall\n"
    ".globl aa_st32\naa_st32:\n"
    "	movl %edi, (%rsi)\n"
    ".globl aa_st32_next\naa_st32_next:\n"
    "	nop\n"
    "	vmcall\n"
    ".globl aa_jmp\naa_jmp:\n"
    "	jmp *%rsi\n"
    ".globl aa_int3\naa_int3:\n"
    "	movq %rsi, %rsp\n"
    "	int3\n"
    "	vmcall\n"
    ".globl aa_sti_st32\naa_sti_st32:\n"
    "	sti\n"
    "	movl %edi, (%rsi)\n"
    "	nop\n"
    "	nop\n"
    "	cli\n"
    "	vmcall\n");

static struct vmx_vm vm;
static uint64_t stack_top;
static volatile uint32_t *page;    /* the APIC-access page */
static volatile uint32_t *vapic;   /* the virtual-APIC page */
static struct ept ept;

static volatile struct {
	unsigned count;
	uint64_t vector;
} seen;

static uint64_t at(unsigned off)
{
	return (uint64_t)page + off;
}

/* In L2: an interrupt of the virtual APIC; EOI through the page. */
static bool l2_handler(struct trap_frame *f)
{
	seen.count++;
	seen.vector = f->vector;
	page[OFF_EOI / 4] = 0;
	return true;
}

/* A VM running guest with "virtualize APIC accesses" and these extra
 * primary / secondary controls; page and virtual-APIC page reset. */
static bool reset(char *guest, uint32_t proc, uint32_t proc2)
{
	bool ok;

	vmx_vm_reset(&vm, (void (*)(void))guest, stack_top);
	memset((void *)page, 0, 4096);
	memset((void *)vapic, 0, 4096);
	memset((void *)&seen, 0, sizeof(seen));
	ok = vmx_set_ctl(SECONDARY_VM_EXEC_CONTROL,
			 SEC_VIRT_APIC_ACCESSES | proc2, 0) &&
	     vmx_set_ctl(CPU_BASED_VM_EXEC_CONTROL, proc, 0);
	if (proc2 & SEC_VIRT_INTR_DELIVERY)
		ok = ok && vmx_set_ctl(PIN_BASED_VM_EXEC_CONTROL,
				       PIN_EXT_INTR_EXITING, 0);
	vmcs_write(APIC_ACCESS_ADDR, (uint64_t)page);
	if (proc & CPU_USE_TPR_SHADOW) {
		vmcs_write(VIRTUAL_APIC_PAGE_ADDR, (uint64_t)vapic);
		vmcs_write(TPR_THRESHOLD, 0);
	}
	if (proc2 & SEC_VIRT_INTR_DELIVERY) {
		vmcs_write(GUEST_INTR_STATUS, 0);
		vmcs_write(EOI_EXIT_BITMAP0, 0);
		vmcs_write(EOI_EXIT_BITMAP1, 0);
		vmcs_write(EOI_EXIT_BITMAP2, 0);
		vmcs_write(EOI_EXIT_BITMAP3, 0);
	}
	return ok;
}

static void args(uint64_t addr, uint64_t val)
{
	vm.regs.rsi = addr;
	vm.regs.rdi = val;
}

/* An APIC-access exit with this qualification at guest RIP rip. */
static void expect_access(uint64_t qual, uint64_t rip, const char *what)
{
	if (!vm_run_expect(&vm, EXIT_REASON_APIC_ACCESS, what))
		return;
	expect_eq(vm.exit_qual, qual, "%s: qualification %llx", what,
		  (unsigned long long)qual);
	expect_eq(vmcs_read(GUEST_RIP), rip, "%s: fault-like", what);
}

static void test_no_tpr_shadow(void)
{
	test_section("without use tpr shadow");
	reset(aa_ld32, 0, 0);
	args(at(OFF_TPR), 0);
	expect_access(OFF_TPR, (uint64_t)aa_ld32, "read of 080h exits");
	reset(aa_st32, 0, 0);
	args(at(OFF_TPR), 0x20);
	expect_access(0x1000 | OFF_TPR, (uint64_t)aa_st32, "write of 080h exits");
	expect_eq(page[OFF_TPR / 4], 0, "the page is not written");
}

static void test_tpr(void)
{
	test_section("tpr through the apic-access page");
	reset(aa_ld32, CPU_USE_TPR_SHADOW, 0);
	vapic[OFF_TPR / 4] = 0x50;
	page[OFF_TPR / 4] = 0xdead;
	args(at(OFF_TPR), 0);
	if (vm_run_expect(&vm, EXIT_REASON_VMCALL, "read of 080h"))
		expect_eq(vm.regs.rdx, 0x50, "read of 080h returns vtpr");

	reset(aa_st8, CPU_USE_TPR_SHADOW, 0);
	vapic[OFF_TPR / 4] = 0xaabbcc50;
	page[OFF_TPR / 4] = 0xdead;
	args(at(OFF_TPR), 0x20);
	if (vm_run_expect(&vm, EXIT_REASON_VMCALL, "byte write of 080h")) {
		expect_eq(vapic[OFF_TPR / 4], 0x20,
			  "vtpr = 20h, bytes 81h-83h cleared");
		expect_eq(page[OFF_TPR / 4], 0xdead,
			  "the apic-access page untouched");
	}

	reset(aa_st32, CPU_USE_TPR_SHADOW, 0);
	vapic[OFF_TPR / 4] = 0x50;
	vmcs_write(TPR_THRESHOLD, 3);
	args(at(OFF_TPR), 0x20);
	if (vm_run_expect(&vm, EXIT_REASON_TPR_BELOW_THRESHOLD,
			  "write of 080h below the threshold")) {
		expect_eq(vmcs_read(GUEST_RIP), (uint64_t)aa_st32_next,
			  "trap-like: rip after the write");
		expect_eq(vapic[OFF_TPR / 4], 0x20, "vtpr written first");
	}

	test_section("tpr below threshold at vm entry");
	reset(aa_ld32, CPU_USE_TPR_SHADOW, 0);
	vapic[OFF_TPR / 4] = 0x20;
	vmcs_write(TPR_THRESHOLD, 5);
	args(at(OFF_TPR), 0);
	if (vm_run_expect(&vm, EXIT_REASON_TPR_BELOW_THRESHOLD,
			  "vtpr 20h, threshold 5: exit right after entry"))
		expect_eq(vmcs_read(GUEST_RIP), (uint64_t)aa_ld32,
			  "before the first l2 instruction");
}

static void test_exits(void)
{
	test_section("accesses that still exit");
	reset(aa_ld32, CPU_USE_TPR_SHADOW, 0);
	args(at(OFF_VERSION), 0);
	expect_access(OFF_VERSION, (uint64_t)aa_ld32,
		      "read of 030h without apic-register virtualization");
	reset(aa_ld64, CPU_USE_TPR_SHADOW, 0);
	args(at(OFF_TPR), 0);
	expect_access(OFF_TPR, (uint64_t)aa_ld64, "8-byte read of 080h");
	reset(aa_st32, CPU_USE_TPR_SHADOW, 0);
	args(at(OFF_TPR + 4), 0);
	expect_access(0x1000 | (OFF_TPR + 4), (uint64_t)aa_st32,
		      "write of 084h");
	reset(aa_st32, CPU_USE_TPR_SHADOW, 0);
	args(at(OFF_EOI), 0);
	expect_access(0x1000 | OFF_EOI, (uint64_t)aa_st32,
		      "write of 0b0h without virtual-interrupt delivery");
	reset(aa_jmp, CPU_USE_TPR_SHADOW, 0);
	args(at(0x100), 0);
	expect_access(0x2000 | 0x100, at(0x100), "instruction fetch");

	reset(aa_int3, CPU_USE_TPR_SHADOW, 0);
	args(at(0x800), 0);
	if (vm_run_expect(&vm, EXIT_REASON_APIC_ACCESS,
			  "int3 with the stack on the page")) {
		expect_eq(vm.exit_qual >> 12, 3, "access type 3: event delivery");
		expect_eq(vmcs_read(IDT_VECTORING_INFO),
			  INTR_INFO(3, INTR_TYPE_SW_EXCEPTION, 0),
			  "idt-vectoring information: the int3");
	}
}

static void test_register_virt(void)
{
	const uint32_t ctl2 = SEC_APIC_REGISTER_VIRT;

	test_section("apic-register virtualization");
	if (!reset(aa_ld32, CPU_USE_TPR_SHADOW, ctl2)) {
		test_result(false, "apic-register virtualization settable", "no");
		return;
	}
	vapic[OFF_VERSION / 4] = 0x50014;
	args(at(OFF_VERSION), 0);
	if (vm_run_expect(&vm, EXIT_REASON_VMCALL, "read of 030h"))
		expect_eq(vm.regs.rdx, 0x50014,
			  "version from the virtual-apic page");
	reset(aa_ld32, CPU_USE_TPR_SHADOW, ctl2);
	args(at(OFF_VERSION + 4), 0);
	expect_access(OFF_VERSION + 4, (uint64_t)aa_ld32,
		      "read of 034h (not in bytes 0-3)");

	reset(aa_st32, CPU_USE_TPR_SHADOW, ctl2);
	args(at(OFF_LDR), 0x01000000);
	if (vm_run_expect(&vm, EXIT_REASON_APIC_WRITE, "write of 0d0h")) {
		expect_eq(vm.exit_qual, OFF_LDR, "qualification 0d0h");
		expect_eq(vmcs_read(GUEST_RIP), (uint64_t)aa_st32_next,
			  "apic write: trap-like");
		expect_eq(vapic[OFF_LDR / 4], 0x01000000,
			  "written to the virtual-apic page");
	}
	reset(aa_st32, CPU_USE_TPR_SHADOW, ctl2);
	args(at(OFF_ICR_HI), 0x12345678);
	if (vm_run_expect(&vm, EXIT_REASON_VMCALL, "write of 310h"))
		expect_eq(vapic[OFF_ICR_HI / 4], 0x12000000,
			  "icr high: bits 23:0 cleared, no exit");
	reset(aa_st32, CPU_USE_TPR_SHADOW, ctl2);
	args(at(OFF_VERSION), 0);
	expect_access(0x1000 | OFF_VERSION, (uint64_t)aa_st32,
		      "write of the version register");
}

static void test_vid(void)
{
	const uint32_t ctl2 = SEC_VIRT_INTR_DELIVERY;

	test_section("virtual-interrupt delivery");
	if (!reset(aa_sti_st32, CPU_USE_TPR_SHADOW, ctl2)) {
		test_result(false, "virtual-interrupt delivery settable", "no");
		return;
	}
	/* Fixed, edge, shorthand self (bits 19:18 = 01b). */
	args(at(OFF_ICR_LO), 0x40000 | VEC);
	if (vm_run_expect(&vm, EXIT_REASON_VMCALL, "self ipi through icr low")) {
		expect_eq(seen.count, 1, "delivered once in l2");
		expect_eq(seen.vector, VEC, "with the icr vector");
		expect_eq(vmcs_read(GUEST_INTR_STATUS), 0,
			  "eoi through 0b0h: rvi = svi = 0");
		expect_eq(vapic[(OFF_ISR + ((VEC & 0xe0) >> 1)) / 4], 0,
			  "visr clear after the eoi");
	}
	reset(aa_st32, CPU_USE_TPR_SHADOW, ctl2);
	args(at(OFF_ICR_LO), 0xfe);
	if (vm_run_expect(&vm, EXIT_REASON_APIC_WRITE, "icr low, no shorthand")) {
		expect_eq(vm.exit_qual, OFF_ICR_LO, "qualification 300h");
		expect_eq(vapic[OFF_ICR_LO / 4], 0xfe, "icr low written");
	}
	reset(aa_st32, CPU_USE_TPR_SHADOW, ctl2);
	args(at(OFF_ICR_LO), 0x40000 | 5);
	if (vm_run_expect(&vm, EXIT_REASON_APIC_WRITE, "self ipi vector 5"))
		expect_eq(vm.exit_qual, OFF_ICR_LO, "below 16: apic write 300h");
}

static void test_ept(void)
{
	uint64_t alias = (uint64_t)page_alloc(), pml4_alias = (uint64_t)page_alloc();

	test_section("with ept");
	if (!vmx_ctl_allowed1(vmx_caps.proc2, SEC_ENABLE_EPT)) {
		printf("ept not advertised\n");
		return;
	}
	ept_init(&ept, false);
	ept_identity_map(&ept, 1ULL << 32, EPT_RWX);
	ept_map_4k(&ept, alias, (uint64_t)page, EPT_RWX);
	ept_map_4k(&ept, pml4_alias, (uint64_t)page, EPT_RWX);

	reset(aa_ld32, CPU_USE_TPR_SHADOW, SEC_ENABLE_EPT);
	vmcs_write(EPT_POINTER, ept.eptp);
	vapic[OFF_TPR / 4] = 0x70;
	args(alias + OFF_TPR, 0);
	if (vm_run_expect(&vm, EXIT_REASON_VMCALL, "read of an ept alias"))
		expect_eq(vm.regs.rdx, 0x70,
			  "the page is found after ept: vtpr");

	reset(aa_ld32, CPU_USE_TPR_SHADOW, SEC_ENABLE_EPT);
	vmcs_write(EPT_POINTER, ept.eptp);
	vmcs_write(GUEST_CR3, pml4_alias);
	if (vm_run_expect(&vm, EXIT_REASON_APIC_ACCESS,
			  "guest cr3 on the page"))
		expect_eq(vm.exit_qual >> 12, 15,
			  "guest page walk: guest-physical access (type 15)");
}

int main(void)
{
	printf("vmxbox nested test: virtualize apic accesses\n");
	vmxtest_enable();
	if (!vmx_ctl_allowed1(vmx_caps.proc2, SEC_VIRT_APIC_ACCESSES)) {
		printf("virtualize apic accesses not advertised\n");
		vmx_disable();
		return test_summary();
	}
	vm.vmcs = vmx_alloc_region();
	stack_top = vmx_guest_stack();
	page = page_alloc();
	vapic = page_alloc();
	trap_set_handler(VEC, l2_handler);

	test_no_tpr_shadow();
	test_tpr();
	test_exits();
	test_register_virt();
	test_vid();
	test_ept();

	vmclear(vm.vmcs_pa);
	vmx_disable();
	return test_summary();
}
