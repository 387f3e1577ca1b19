// SPDX-License-Identifier: MIT
/*
 * Page-modification logging (SDM 29.3.6) on EPT accessed/dirty flags
 * (29.3.5): an L1 that tracks its L2's writes.  The EPT identity map is
 * warmed up first (every flag the L2 run needs is set), then the flags of
 * three 4-KByte test pages are cleared: L2's first write to each page is
 * logged (4-KByte aligned guest-physical address at PML address + 8 *
 * index, index decremented), reads and repeated writes are not; an index
 * out of 0..511 makes the next flag update a page-modification log-full
 * exit (reason 62) before the access.
 */
#include "vmxtest.h"
#include "guest_asm.h"

static struct vmx_vm vm;
static uint64_t stack_top;
static struct ept ept;
static uint64_t *pml_log;
static volatile uint64_t *page_a, *page_b, *page_c;

/* L2: write A, write B, read C, write A again. */
static void l2_writes(void)
{
	*page_a = 1;
	*page_b = 2;
	(void)*page_c;
	*page_a = 3;
	guest_vmcall(0, 0);
}

static void reset_pml(bool pml)
{
	vmx_vm_reset(&vm, l2_writes, stack_top);
	vmcs_write(EPT_POINTER, ept.eptp);
	vmx_set_ctl(SECONDARY_VM_EXEC_CONTROL, SEC_ENABLE_EPT, 0);
	if (pml) {
		vmx_set_ctl(SECONDARY_VM_EXEC_CONTROL, SEC_ENABLE_PML, 0);
		vmcs_write(PML_ADDRESS, (uint64_t)pml_log);
		vmcs_write(GUEST_PML_INDEX, 511);
	}
}

static void clear_ad(volatile uint64_t *page)
{
	*ept_entry(&ept, (uint64_t)page) &= ~(EPT_ACCESSED | EPT_DIRTY);
	invept(INVEPT_SINGLE_CONTEXT, ept.eptp);
}

static uint64_t ad_of(volatile uint64_t *page)
{
	return *ept_entry(&ept, (uint64_t)page) & (EPT_ACCESSED | EPT_DIRTY);
}

static void test_logging(void)
{
	const uint64_t ad = EPT_ACCESSED | EPT_DIRTY;

	test_section("pml logs first writes");
	reset_pml(false);
	if (!vm_run_expect(&vm, EXIT_REASON_VMCALL, "warm-up run without pml"))
		return;
	expect_eq(ad_of(page_a), ad, "without pml the write sets a and d");
	clear_ad(page_a);
	clear_ad(page_b);
	clear_ad(page_c);
	reset_pml(true);
	if (!vm_run_expect(&vm, EXIT_REASON_VMCALL, "l2 runs with pml"))
		return;
	expect_eq(pml_log[511], (uint64_t)page_a, "first entry: page a");
	expect_eq(pml_log[510], (uint64_t)page_b, "second entry: page b");
	expect_eq(pml_log[509], 0, "no entry for the read of c or a's rewrite");
	expect_eq(vmcs_read(GUEST_PML_INDEX), 509, "pml index decremented twice");
	expect_eq(ad_of(page_a), ad, "page a accessed and dirty");
	expect_eq(ad_of(page_c), EPT_ACCESSED, "page c accessed only");
}

static void test_log_full(void)
{
	test_section("pml log full");
	clear_ad(page_a);
	clear_ad(page_b);
	clear_ad(page_c);
	reset_pml(true);
	vmcs_write(GUEST_PML_INDEX, 0);
	*page_b = 0;
	if (vm_run_expect(&vm, EXIT_REASON_PML_FULL,
			  "write after the last entry: log-full exit")) {
		expect_eq(pml_log[0], (uint64_t)page_a, "last entry filled: page a");
		expect_eq(vmcs_read(GUEST_PML_INDEX), 0xffff,
			  "index wrapped to ffff");
		expect_eq(vm.exit_qual, 0, "log-full qualification");
		expect_eq(ad_of(page_b), 0, "page b flags not set by the exit");
		expect_eq(*page_b, 0, "the write to page b did not happen");
		/* L1 empties the log: the write is retried and logged. */
		vmcs_write(GUEST_PML_INDEX, 511);
		if (vm_run_expect(&vm, EXIT_REASON_VMCALL, "l2 resumes with room"))
		{
			expect_eq(pml_log[511], (uint64_t)page_b,
				  "retried write logged");
			expect_eq(*page_b, 2, "retried write reached memory");
		}
	}
	/* Full, but the flags are all set: no exit. */
	reset_pml(true);
	vmcs_write(GUEST_PML_INDEX, 0x1000);
	vm_run_expect(&vm, EXIT_REASON_VMCALL, "full log, nothing to set: no exit");
}

/*
 * 28.2.3: bit 12 of a log-full exit's qualification ("NMI unblocking due
 * to IRET") is set when the access that needed the flag update was an
 * IRET's and it removed blocking by NMI.  L2 IRETs with its frame in page
 * C, whose EPT accessed flag is clear, the log full.
 */
asm(".text\n.globl p_iret\np_iret: iretq\n");
extern char p_iret[];

static void reset_iret(bool pml)
{
	reset_pml(pml);
	page_c[0] = (uint64_t)g_vmcall;
	page_c[1] = SEL_CODE64;
	page_c[2] = RFLAGS_FIXED;
	page_c[3] = stack_top;
	page_c[4] = SEL_DATA;
	vmcs_write(GUEST_RIP, (uint64_t)p_iret);
	vmcs_write(GUEST_RSP, (uint64_t)page_c);
}

static void test_log_full_iret(bool blocked)
{
	const char *what = blocked ? "iret under blocking by nmi" :
				     "iret without nmi blocking";

	reset_iret(false);
	if (!vm_run_expect(&vm, EXIT_REASON_VMCALL, "l2 iret warm-up run"))
		return;
	clear_ad(page_c);
	reset_iret(true);
	vmcs_write(GUEST_PML_INDEX, 0xffff);
	if (blocked)
		vmcs_write(GUEST_INTERRUPTIBILITY_INFO, INTERRUPTIBILITY_NMI);
	if (!vm_run_expect(&vm, EXIT_REASON_PML_FULL, blocked ?
			   "iret reading its frame, log full: log-full exit "
			   "(blocked by nmi)" :
			   "iret reading its frame, log full: log-full exit "
			   "(not blocked)"))
		return;
	expect_eq(vm.exit_qual, blocked ? 1ULL << 12 : 0,
		  "%s: log-full qualification bit 12", what);
	expect_eq(vmcs_read(GUEST_RIP), (uint64_t)p_iret,
		  "%s: guest rip is the iret", what);
	expect_eq(vmcs_read(GUEST_INTERRUPTIBILITY_INFO) & INTERRUPTIBILITY_NMI,
		  0, "%s: no blocking by nmi saved", what);
}

int main(void)
{
	printf("vmxbox nested test: page-modification logging\n");
	vmxtest_enable();
	if (!vmx_ctl_allowed1(vmx_caps.proc2, SEC_ENABLE_PML) ||
	    !(vmx_caps.ept_vpid & EPT_CAP_AD)) {
		printf("pml not advertised\n");
		vmx_disable();
		return test_summary();
	}
	vm.vmcs = vmx_alloc_region();
	stack_top = vmx_guest_stack();
	pml_log = page_alloc();
	page_a = page_alloc();
	page_b = page_alloc();
	page_c = page_alloc();
	ept_init(&ept, true);
	ept_identity_map(&ept, 1ULL << 32, EPT_RWX);
	ept_map_4k(&ept, (uint64_t)page_a, (uint64_t)page_a, EPT_RWX);
	ept_map_4k(&ept, (uint64_t)page_b, (uint64_t)page_b, EPT_RWX);
	ept_map_4k(&ept, (uint64_t)page_c, (uint64_t)page_c, EPT_RWX);

	test_logging();
	test_log_full();
	test_section("pml log full on an iret");
	test_log_full_iret(true);
	test_log_full_iret(false);

	vmclear(vm.vmcs_pa);
	vmx_disable();
	return test_summary();
}
