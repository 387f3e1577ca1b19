// SPDX-License-Identifier: MIT
/*
 * Cached translations across VMX transitions (SDM 29.4): L1 changes a
 * mapping L2 has used - its PTE in the shared page tables or its EPT
 * entry - and tells the processor nothing.  With VPIDs enabled L2 may go
 * on using the old translation until the right invalidation; each
 * invalidation drops exactly its scope:
 *  - INVVPID individual-address, single-context, all-context,
 *    single-context-retaining-globals (SDM 31.3 INVVPID);
 *  - INVEPT single-context (its EP4TA only) and all-context;
 *  - L2's own INVLPG and MOV to CR3 (global pages kept, CR4.PGE);
 *  - with "enable VPID" = 0 every VM entry and exit flushes (29.4.3.3).
 * The stale reads are what vmxbox's exact TLB (the default) gives; run
 * with --tlb=flush-always and the command line "tlb=flush-always", every
 * read sees the new mapping (entries and exits flush everything).
 *
 * Pages: X (linear = physical), holding 0xaaaa, and B holding 0xbbbb.
 */
#include "string.h"
#include "vmxtest.h"

/* L2 code: read [RSI]; INVLPG [RSI] then read; MOV CR3 (same value) then
 * read; each ends with VMCALL, the value in RAX. */
extern void t_read(void), t_invlpg_read(void), t_cr3_read(void);
asm(".text\n.balign 16\n"
    "t_read: movq (%rsi), %rax\n vmcall\n ud2\n"
    "t_invlpg_read: invlpg (%rsi)\n movq (%rsi), %rax\n vmcall\n ud2\n"
    "t_cr3_read: movq %cr3, %rbx\n movq %rbx, %cr3\n"
    " movq (%rsi), %rax\n vmcall\n ud2\n");

#define VAL_A 0xaaaaull
#define VAL_B 0xbbbbull

static struct vmx_vm vm;
static uint64_t stack_top;
static uint64_t *x, *b, *y;
static bool flush_always, ept_only;
static struct ept ept, ept2;

static void set_pte(uint64_t *va, uint64_t pa, uint64_t extra)
{
	uint64_t *pte = paging_pte((uint64_t)va);

	*pte = (*pte & ~PTE_ADDR_MASK & ~PTE_G) | pa | extra;
}

/* Back to X -> X for L1 (L1's own VPID 0 translation dropped), and no
 * L2 translation left anywhere. */
static void restore(void)
{
	set_pte(x, (uint64_t)x, 0);
	invlpg((uint64_t)x);
	if (vmx_ctl_allowed1(vmx_caps.proc2, SEC_ENABLE_VPID))
		invvpid(INVVPID_ALL_CONTEXT, 0, 0);
	invept(INVEPT_ALL_CONTEXT, 0);
}

static void setup(uint16_t vpid, bool use_ept, uint64_t eptp)
{
	vmx_vm_reset(&vm, t_read, stack_top);
	if (vpid) {
		vmx_set_ctl(SECONDARY_VM_EXEC_CONTROL, SEC_ENABLE_VPID, 0);
		vmcs_write(VIRTUAL_PROCESSOR_ID, vpid);
	}
	if (use_ept) {
		vmx_set_ctl(SECONDARY_VM_EXEC_CONTROL, SEC_ENABLE_EPT, 0);
		vmcs_write(EPT_POINTER, eptp);
	}
}

/* Run guest code reading X; the value L2 saw (0 if the run failed). */
static uint64_t l2_reads(void (*code)(void))
{
	vmcs_write(GUEST_RIP, (uint64_t)code);
	vm.regs.rsi = (uint64_t)x;
	vm.regs.rax = 0;
	if (!vm_run_expect(&vm, EXIT_REASON_VMCALL, "l2 runs to its vmcall"))
		return 0;
	return vm.regs.rax;
}

/* L2 may still see the old value here (and does on vmxbox's exact TLB). */
static void expect_stale(void (*code)(void), uint64_t old, uint64_t fresh,
			 const char *name)
{
	expect_eq(l2_reads(code), flush_always ? fresh : old, name);
}

static void expect_fresh(void (*code)(void), uint64_t fresh, const char *name)
{
	expect_eq(l2_reads(code), fresh, name);
}

static void test_vpid_disabled(void)
{
	test_section("vpid off: every entry and exit flushes");
	setup(0, false, 0);
	expect_fresh(t_read, VAL_A, "l2 reads x");
	set_pte(x, (uint64_t)b, 0);
	expect_fresh(t_read, VAL_B, "pte changed, no invalidation, vpid off");
	restore();
}

static void test_invvpid(void)
{
	test_section("invvpid scopes");
	setup(5, false, 0);
	expect_fresh(t_read, VAL_A, "vpid 5 reads x");
	set_pte(x, (uint64_t)b, 0);
	expect_stale(t_read, VAL_A, VAL_B, "pte changed, no invalidation");
	invlpg((uint64_t)x);   /* L1's INVLPG: VPID 0 only */
	expect_stale(t_read, VAL_A, VAL_B, "after l1 invlpg (vpid 0 only)");
	invvpid(INVVPID_ADDRESS, 5, (uint64_t)y);
	expect_stale(t_read, VAL_A, VAL_B, "after invvpid address of another page");
	invvpid(INVVPID_SINGLE_CONTEXT, 6, 0);
	expect_stale(t_read, VAL_A, VAL_B, "after invvpid single-context vpid 6");
	invvpid(INVVPID_ADDRESS, 5, (uint64_t)x + 0x123);
	expect_fresh(t_read, VAL_B, "after invvpid address of x");

	set_pte(x, (uint64_t)x, 0);
	expect_stale(t_read, VAL_B, VAL_A, "pte changed back, no invalidation");
	invvpid(INVVPID_SINGLE_CONTEXT, 5, 0);
	expect_fresh(t_read, VAL_A, "after invvpid single-context vpid 5");

	set_pte(x, (uint64_t)b, 0);
	invvpid(INVVPID_ALL_CONTEXT, 0, 0);
	expect_fresh(t_read, VAL_B, "after invvpid all-context");

	set_pte(x, (uint64_t)x, 0);
	invvpid(INVVPID_SINGLE_CONTEXT_NOGLOBAL, 5, 0);
	expect_fresh(t_read, VAL_A,
		     "after invvpid retaining globals (not global)");
	restore();
}

static void test_globals(void)
{
	test_section("global pages in l2");
	setup(7, false, 0);
	vmcs_write(GUEST_CR4, vmcs_read(GUEST_CR4) | CR4_PGE);
	set_pte(x, (uint64_t)x, PTE_G);
	expect_fresh(t_read, VAL_A, "vpid 7 reads global x");
	set_pte(x, (uint64_t)b, PTE_G);
	expect_stale(t_cr3_read, VAL_A, VAL_B, "l2 mov cr3 keeps a global page");
	invvpid(INVVPID_SINGLE_CONTEXT_NOGLOBAL, 7, 0);
	expect_stale(t_read, VAL_A, VAL_B, "invvpid retaining globals keeps it");
	expect_fresh(t_invlpg_read, VAL_B, "l2 invlpg drops it");

	set_pte(x, (uint64_t)x, 0);
	invvpid(INVVPID_SINGLE_CONTEXT, 7, 0);
	expect_fresh(t_read, VAL_A, "vpid 7 reads x (not global)");
	set_pte(x, (uint64_t)b, 0);
	expect_fresh(t_cr3_read, VAL_B, "l2 mov cr3 drops a non-global page");
	restore();
}

static void test_invept(void)
{
	test_section("invept scopes");
	ept_init(&ept, false);
	ept_identity_map(&ept, 1ULL << 32, EPT_RWX);
	ept_map_4k(&ept, (uint64_t)x, (uint64_t)x, EPT_RWX);
	ept_init(&ept2, false);
	ept_identity_map(&ept2, 1ULL << 32, EPT_RWX);
	invept(INVEPT_ALL_CONTEXT, 0);

	setup(9, true, ept.eptp);
	expect_fresh(t_read, VAL_A, "ept guest reads x");
	ept_map_4k(&ept, (uint64_t)x, (uint64_t)b, EPT_RWX);
	expect_stale(t_read, VAL_A, VAL_B, "ept entry changed, no invalidation");
	invept(INVEPT_SINGLE_CONTEXT, ept2.eptp);
	expect_stale(t_read, VAL_A, VAL_B, "after invept single-context of another eptp");
	invvpid(INVVPID_SINGLE_CONTEXT, 10, 0);
	expect_stale(t_read, VAL_A, VAL_B, "after invvpid of another vpid");
	invept(INVEPT_SINGLE_CONTEXT, ept.eptp);
	expect_fresh(t_read, VAL_B, "after invept single-context of this eptp");

	ept_map_4k(&ept, (uint64_t)x, (uint64_t)x, EPT_RWX);
	expect_stale(t_read, VAL_B, VAL_A, "ept entry changed back");
	invept(INVEPT_ALL_CONTEXT, 0);
	expect_fresh(t_read, VAL_A, "after invept all-context");

	/* INVVPID drops combined mappings too (all EP4TAs, 29.4.3.1). */
	ept_map_4k(&ept, (uint64_t)x, (uint64_t)b, EPT_RWX);
	invvpid(INVVPID_SINGLE_CONTEXT, 9, 0);
	expect_fresh(t_read, VAL_B, "after invvpid single-context of this vpid");
	ept_map_4k(&ept, (uint64_t)x, (uint64_t)x, EPT_RWX);
	restore();
}

int main(void)
{
	printf("vmxbox nested test: tlb\n");
	flush_always = !strcmp(boot_info.cmdline, "tlb=flush-always");
	/* "only=invept": the EPT part alone (the --vmx-check=fatal test of
	 * a missing INVEPT). */
	ept_only = !strcmp(boot_info.cmdline, "only=invept");
	vmxtest_enable();
	vm.vmcs = vmx_alloc_region();
	stack_top = vmx_guest_stack();
	x = page_alloc();
	b = page_alloc();
	y = page_alloc();
	x[0] = VAL_A;
	b[0] = VAL_B;
	paging_pte((uint64_t)x);   /* split its 2 MiB page now */
	write_cr3(read_cr3());

	if (!ept_only)
		test_vpid_disabled();
	if (!vmx_ctl_allowed1(vmx_caps.proc2, SEC_ENABLE_VPID) ||
	    !vmx_ctl_allowed1(vmx_caps.proc2, SEC_ENABLE_EPT)) {
		printf("vpid or ept not advertised\n");
	} else {
		if (!ept_only) {
			test_invvpid();
			test_globals();
		}
		test_invept();
	}
	vmclear(vm.vmcs_pa);
	vmx_disable();
	return test_summary();
}
