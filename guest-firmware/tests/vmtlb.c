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
    " movq (%rsi), %rax\n vmcall\n ud2\n"
    "t_store: movq %rdx, (%rdi)\n vmcall\n ud2\n"
    "t_cr3_swap_read: movq %cr3, %rbx\n movq %rdi, %cr3\n"
    " movq (%rsi), %rax\n movq %rbx, %cr3\n vmcall\n ud2\n");
/* t_store: [RDI] = RDX; t_cr3_swap_read: read [RSI] under CR3 = RDI,
 * then back to the CR3 it had. */
extern void t_store(void), t_cr3_swap_read(void);

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

static uint64_t rd(uint64_t va);

/* A copy of the paging structures on va's path, mapping va to pa; the
 * rest maps as the current ones (all identity mapped, 4-level). */
static uint64_t clone_root_mapping(uint64_t va, uint64_t pa)
{
	static uint64_t t[4][512] __attribute__((aligned(4096)));
	uint64_t *src = (uint64_t *)(read_cr3() & PTE_ADDR_MASK);

	for (unsigned lvl = 0; lvl < 4; lvl++) {
		unsigned i = (va >> (39 - 9 * lvl)) & 511;

		memcpy(t[lvl], src, sizeof(t[lvl]));
		if (lvl == 3) {
			t[3][i] = (t[3][i] & ~PTE_ADDR_MASK) | pa;
			break;
		}
		src = (uint64_t *)(src[i] & PTE_ADDR_MASK);
		t[lvl][i] = (t[lvl][i] & ~PTE_ADDR_MASK) | (uint64_t)t[lvl + 1];
	}
	return (uint64_t)t[0];
}

/*
 * L1's own translations (VPID 0000H) with VPIDs off: the entry and the
 * exit invalidate them too (29.4.3.3), so after a round trip through L2
 * L1 reads what its paging structures and its CR3 say now - whoever
 * changed them (vmxbox keeps an L1 translation across the round trip
 * only when a walk would make it again).
 */
static void test_vpid_disabled_l1(void)
{
	uint64_t *pte = paging_pte((uint64_t)x), root = read_cr3();

	test_section("vpid off: l1's translations across an entry and exit");
	setup(0, false, 0);
	expect_eq(rd((uint64_t)x), VAL_A, "l1 reads x");
	set_pte(x, (uint64_t)b, 0);
	expect_fresh(t_read, VAL_B, "l1 changed its pte, no invalidation");
	expect_eq(rd((uint64_t)x), VAL_B, "l1 reads the new page after the exit");

	vmcs_write(GUEST_RIP, (uint64_t)t_store);
	vm.regs.rdi = (uint64_t)pte;
	vm.regs.rdx = (*pte & ~PTE_ADDR_MASK) | (uint64_t)x;
	vm_run_expect(&vm, EXIT_REASON_VMCALL, "l2 writes l1's pte");
	expect_eq(rd((uint64_t)x), VAL_A, "l1 reads what l2 mapped");

	vmcs_write(HOST_CR3, clone_root_mapping((uint64_t)x, (uint64_t)b));
	expect_fresh(t_read, VAL_A, "host cr3 maps x elsewhere");
	expect_eq(rd((uint64_t)x), VAL_B, "l1 reads through the host cr3");
	write_cr3(root);
	vmcs_write(HOST_CR3, root);
	expect_fresh(t_read, VAL_A, "host cr3 back");
	expect_eq(rd((uint64_t)x), VAL_A, "l1 reads x again");

	/* The dirty flag: L1 clears it with a write translation cached,
	 * then reads; after the round trip its next write sets it again
	 * (a new walk, 4.8). */
	*(volatile uint64_t *)y = 0;   /* L2's write below sets no flag */
	invlpg((uint64_t)x);
	*(volatile uint64_t *)x = VAL_A;
	*pte &= ~PTE_D;
	expect_eq(rd((uint64_t)x), VAL_A, "l1 reads x, dirty flag clear");
	vmcs_write(GUEST_RIP, (uint64_t)t_store);
	vm.regs.rdi = (uint64_t)y;
	vm.regs.rdx = 0;
	vm_run_expect(&vm, EXIT_REASON_VMCALL, "l2 writes another page");
	*(volatile uint64_t *)x = VAL_A;
	expect_eq(*pte & PTE_D, PTE_D, "l1's write after the exit sets it");
	restore();
}

/* A global translation L1 made under another CR3 is no walk's result
 * under this one: the round trip drops it as well. */
static void test_vpid_disabled_l1_global(void)
{
	uint64_t root = read_cr3(), cr4 = read_cr4(), clone;

	test_section("vpid off: l1's global translation of another cr3");
	write_cr4(cr4 | CR4_PGE);
	set_pte(x, (uint64_t)x, PTE_G);
	invlpg((uint64_t)x);
	clone = clone_root_mapping((uint64_t)x, (uint64_t)b);
	setup(0, false, 0);
	expect_fresh(t_read, VAL_A, "l2 reads x");
	expect_eq(rd((uint64_t)x), VAL_A, "l1 reads global x");
	write_cr3(clone);
	vmcs_write(HOST_CR3, clone);
	expect_fresh(t_read, VAL_A, "l2 reads x through its own cr3");
	expect_eq(rd((uint64_t)x), VAL_B, "l1 reads x through its cr3");
	write_cr3(root);
	write_cr4(cr4);
	restore();
}

/* Combined mappings with VPIDs off go at every entry and exit as well:
 * L2 under EPT reads x through the guest CR3 L1 gives it each time (the
 * EPT and the page tables stay as they are, so no cached guest-physical
 * mapping can differ). */
static void test_vpid_disabled_ept(void)
{
	uint64_t root = read_cr3();
	uint64_t clone = clone_root_mapping((uint64_t)x, (uint64_t)b);

	test_section("vpid off: l2's combined mappings");
	ept_init(&ept, false);
	ept_identity_map(&ept, 1ULL << 32, EPT_RWX);
	invept(INVEPT_ALL_CONTEXT, 0);
	setup(0, true, ept.eptp);
	expect_fresh(t_read, VAL_A, "ept guest reads x");
	vmcs_write(GUEST_CR3, clone);
	expect_fresh(t_read, VAL_B, "guest cr3 maps x elsewhere");
	vmcs_write(GUEST_CR3, root);
	expect_fresh(t_read, VAL_A, "guest cr3 back");
	restore();
}

/*
 * L2's combined mappings with VPIDs off across an exit and the next entry:
 * the entry drops them (29.4.3.3) and vmxbox caches no guest-physical
 * mapping apart, so L2 sees what its paging structures, the EPT entries
 * and the EPTP say now (vmxbox keeps an L2 translation across the exit
 * and entry only when a walk would make it again exactly).  Hardware may
 * keep guest-physical mappings across entries (only INVEPT drops them):
 * the EPT steps are vmxbox's exact model.
 */
static void test_vpid_disabled_ept_keep(void)
{
	uint64_t *epte;

	test_section("vpid off: l2's combined mappings across an exit and entry");
	ept_init(&ept, false);
	ept_identity_map(&ept, 1ULL << 32, EPT_RWX);
	ept_map_4k(&ept, (uint64_t)x, (uint64_t)x, EPT_RWX);
	invept(INVEPT_ALL_CONTEXT, 0);
	setup(0, true, ept.eptp);
	expect_fresh(t_read, VAL_A, "ept guest reads x");
	expect_fresh(t_read, VAL_A, "and again after an exit and entry");
	set_pte(x, (uint64_t)b, 0);
	expect_fresh(t_read, VAL_B, "l1 changed l2's pte, no invalidation");
	set_pte(x, (uint64_t)x, 0);
	expect_fresh(t_read, VAL_A, "pte back");
	ept_map_4k(&ept, (uint64_t)x, (uint64_t)b, EPT_RWX);
	expect_fresh(t_read, VAL_B, "l1 changed the ept entry, no invept");
	ept_map_4k(&ept, (uint64_t)x, (uint64_t)x, EPT_RWX);
	expect_fresh(t_read, VAL_A, "ept entry back");

	/* The same EP4TA with EPT A/D flags on: a walk now sets them. */
	epte = ept_entry(&ept, (uint64_t)x);
	*epte &= ~(EPT_ACCESSED | EPT_DIRTY);
	expect_fresh(t_read, VAL_A, "x read, ept a/d flags off");
	expect_eq(*epte & EPT_ACCESSED, 0, "no accessed flag with a/d off");
	vmcs_write(EPT_POINTER, ept.eptp | EPTP_AD);
	expect_fresh(t_read, VAL_A, "x read, ept a/d flags on");
	expect_eq(*epte & EPT_ACCESSED, EPT_ACCESSED,
		  "that walk set the accessed flag");
	restore();
}

/* A global translation L2 made under another CR3 (its own MOV to CR3
 * keeps it, 4.10.4.1) is no walk's result under the CR3 it runs with at
 * the next entry: that entry drops it (29.4.3.3). */
static void test_vpid_disabled_ept_global(void)
{
	uint64_t clone;

	test_section("vpid off: l2's global translation of another cr3");
	set_pte(x, (uint64_t)x, PTE_G);
	clone = clone_root_mapping((uint64_t)x, (uint64_t)b);
	set_pte(x, (uint64_t)x, 0);
	invlpg((uint64_t)x);
	ept_init(&ept, false);
	ept_identity_map(&ept, 1ULL << 32, EPT_RWX);
	invept(INVEPT_ALL_CONTEXT, 0);
	setup(0, true, ept.eptp);
	vmcs_write(GUEST_CR4, vmcs_read(GUEST_CR4) | CR4_PGE);
	vm.regs.rdi = clone;
	expect_fresh(t_cr3_swap_read, VAL_B, "l2 reads global x under its other cr3");
	expect_fresh(t_read, VAL_A, "l2 reads x under the cr3 it entered with");
	restore();
}

/* What the APIC-access page is counts too (SDM 30.4): L1 moves it onto x
 * between two runs; L2's next read of x is an APIC access, not a read
 * through the translation of the run before. */
static void test_vpid_disabled_apic_access(void)
{
	test_section("vpid off: l2's translations and the apic-access page");
	ept_init(&ept, false);
	ept_identity_map(&ept, 1ULL << 32, EPT_RWX);
	invept(INVEPT_ALL_CONTEXT, 0);
	setup(0, true, ept.eptp);
	vmx_set_ctl(SECONDARY_VM_EXEC_CONTROL, SEC_VIRT_APIC_ACCESSES, 0);
	vmcs_write(APIC_ACCESS_ADDR, (uint64_t)y);
	expect_fresh(t_read, VAL_A, "l2 reads x, the apic-access page elsewhere");
	vmcs_write(APIC_ACCESS_ADDR, (uint64_t)x);
	vmcs_write(GUEST_RIP, (uint64_t)t_read);
	vm_run_expect(&vm, EXIT_REASON_APIC_ACCESS,
		      "l2 reads x, now the apic-access page");
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

/* ---- the interpreter's TLB seen from L2 (SDM 4.10.4.1) ------------------
 * Each L2 below is one C function that changes its own paging structures
 * (shared with L1) and records what it reads in l2_out[], then VMCALLs. */

#define CR4_PCIDE	(1ULL << 17)
#define CR3_NOFLUSH	(1ULL << 63)

static volatile uint64_t l2_out[8];
static uint64_t l2_cr3;

static uint64_t rd(uint64_t va)
{
	return *(volatile uint64_t *)va;
}

static void l2_done(void)
{
	asm volatile("vmcall" ::: "memory");
	for (;;)
		asm volatile("ud2");
}

/* PCIDs 1 and 2: bit 63 keeps a PCID's entries, without it MOV to CR3
 * drops the new PCID's non-global ones; another PCID's stay. */
static void l2_pcid(void)
{
	write_cr3(l2_cr3 | 1);
	l2_out[0] = rd((uint64_t)x);
	set_pte(x, (uint64_t)b, 0);
	write_cr3(l2_cr3 | 1 | CR3_NOFLUSH);
	l2_out[1] = rd((uint64_t)x);
	write_cr3(l2_cr3 | 2);
	l2_out[2] = rd((uint64_t)x);
	write_cr3(l2_cr3 | 1 | CR3_NOFLUSH);
	l2_out[3] = rd((uint64_t)x);
	write_cr3(l2_cr3 | 1);
	l2_out[4] = rd((uint64_t)x);
	write_cr3(l2_cr3);
	l2_done();
}

static void run_l2(void (*fn)(void), uint16_t vpid, uint64_t cr4_set)
{
	setup(vpid, false, 0);
	vmcs_write(GUEST_RIP, (uint64_t)fn);
	vmcs_write(GUEST_CR4, vmcs_read(GUEST_CR4) | cr4_set);
	memset((void *)l2_out, 0, sizeof(l2_out));
	vm_run_expect(&vm, EXIT_REASON_VMCALL, "l2 runs to its vmcall");
}

static void test_pcid(void)
{
	test_section("pcids in l2");
	if (!(cpuid(1, 0).ecx & (1u << 17))) {
		report(false, "pcid advertised");
		return;
	}
	l2_cr3 = read_cr3() & PTE_ADDR_MASK;
	run_l2(l2_pcid, 11, CR4_PCIDE);
	expect_eq(l2_out[0], VAL_A, "pcid 1 reads x");
	expect_eq(l2_out[1], flush_always ? VAL_B : VAL_A,
		  "pte changed, mov cr3 with bit 63 keeps pcid 1's entry");
	expect_eq(l2_out[2], VAL_B, "pcid 2 walks the new pte");
	expect_eq(l2_out[3], flush_always ? VAL_B : VAL_A,
		  "pcid 1 kept its entry while pcid 2 ran");
	expect_eq(l2_out[4], VAL_B, "mov cr3 without bit 63 drops pcid 1's");
	restore();
}

/* A 2 MiB page at linear LARGE_VA: INVLPG of one 4 KiB piece drops the
 * pieces L2 read through the whole large page, and nothing else. */
#define LARGE_VA	0x60000000ULL
#define LARGE_SIZE	(2ULL << 20)

static volatile uint64_t tlb_marker = 0x6d61726b6572ULL;
static uint64_t *large_pde, large_off, large_new;

static uint64_t *pde_of(uint64_t va)
{
	uint64_t *t = (uint64_t *)(read_cr3() & PTE_ADDR_MASK);

	t = (uint64_t *)(t[(va >> 39) & 511] & PTE_ADDR_MASK);
	t = (uint64_t *)(t[(va >> 30) & 511] & PTE_ADDR_MASK);
	return &t[(va >> 21) & 511];
}

static void l2_large(void)
{
	l2_out[0] = rd(LARGE_VA + large_off);
	l2_out[1] = rd(LARGE_VA + (large_off ^ 0x1000));
	l2_out[2] = rd((uint64_t)x);
	*large_pde = large_new;
	set_pte(x, (uint64_t)b, 0);
	invlpg(LARGE_VA + (large_off ^ 0x1000));
	l2_out[3] = rd(LARGE_VA + large_off);
	l2_out[4] = rd((uint64_t)x);
	l2_done();
}

static void test_large_page(void)
{
	uint64_t pa = (uint64_t)&tlb_marker & ~(LARGE_SIZE - 1);
	uint64_t old, unbacked;

	test_section("invlpg of a large page in l2");
	large_pde = pde_of(LARGE_VA);
	old = *large_pde;
	if (!report(old & PTE_PS, "0x60000000 is mapped by a 2 mib page"))
		return;
	large_off = (uint64_t)&tlb_marker & (LARGE_SIZE - 1);
	unbacked = rd(LARGE_VA + large_off);
	*large_pde = pa | PTE_P | PTE_W | PTE_PS;
	large_new = old;
	invlpg(LARGE_VA);
	run_l2(l2_large, 12, 0);
	expect_eq(l2_out[0], tlb_marker, "l2 reads through the large page");
	expect_eq(l2_out[2], VAL_A, "l2 reads x");
	expect_eq(l2_out[3], unbacked, "invlpg of another 4 kib piece drops "
		  "the whole large page");
	expect_eq(l2_out[4], VAL_A, "and leaves x's entry");
	*large_pde = old;
	invlpg(LARGE_VA);
	invlpg(LARGE_VA + large_off);
	restore();
}

/* Seven pages in one set of the 256-set, 4-way TLB (index = linear bits
 * 19:12): a new translation takes an empty way, else the set's round-robin
 * victim.  Reads 0 1 2 3 fill the ways, 0 again (an LRU would now evict
 * 1), 4 evicts 0 (the victim moves to way 1), INVLPG of 3 empties way 3,
 * 5 takes that empty way (not the victim), 6 evicts 1: the set holds
 * 4 6 2 5.  L2 then points every page at B and reads them again. */
#define RR_PAGES	7
static uint64_t rr_va[RR_PAGES], *rr_pte[RR_PAGES];

static const unsigned cached[] = { 2, 4, 5, 6 }, evicted[] = { 0, 1, 3 };

static void l2_round_robin(void)
{
	rd(rr_va[0]);
	rd(rr_va[1]);
	rd(rr_va[2]);
	rd(rr_va[3]);
	rd(rr_va[0]);
	rd(rr_va[4]);
	invlpg(rr_va[3]);
	rd(rr_va[5]);
	rd(rr_va[6]);
	for (unsigned i = 0; i < RR_PAGES; i++)
		*rr_pte[i] = (*rr_pte[i] & ~PTE_ADDR_MASK) | (uint64_t)b;
	for (unsigned i = 0; i < 4; i++)
		l2_out[i] = rd(rr_va[cached[i]]);
	for (unsigned i = 0; i < 3; i++)
		l2_out[4 + i] = rd(rr_va[evicted[i]]);
	l2_done();
}

static unsigned tlb_set(uint64_t va)
{
	return (unsigned)(va >> 12) & 255;
}

static void test_round_robin(void)
{
	bool used[256] = { false };
	uint64_t code = (uint64_t)l2_round_robin, base;
	unsigned set = 0;

	test_section("tlb replacement in l2");
	for (unsigned i = 0; i < RR_PAGES; i++)
		rr_pte[i] = paging_pte(0x70000000ULL + i * 0x100000ULL);
	/* Keep the set free of every other page the L2 touches. */
	for (uint64_t a = code - 0x1000; a < code + 0x2000; a += 0x1000)
		used[tlb_set(a)] = true;
	for (uint64_t a = stack_top - 0x2000; a <= stack_top; a += 0x1000)
		used[tlb_set(a)] = true;
	used[tlb_set((uint64_t)rr_va)] = used[tlb_set((uint64_t)rr_pte)] = true;
	used[tlb_set((uint64_t)l2_out)] = true;
	used[tlb_set((uint64_t)&b)] = true;
	used[tlb_set((uint64_t)cached)] = used[tlb_set((uint64_t)evicted)] = true;
	for (unsigned i = 0; i < RR_PAGES; i++)
		used[tlb_set((uint64_t)rr_pte[i])] = true;
	while (used[set])
		set++;
	base = 0x70000000ULL + ((uint64_t)set << 12);
	for (unsigned i = 0; i < RR_PAGES; i++) {
		rr_va[i] = base + i * 0x100000ULL;
		rr_pte[i] = paging_pte(rr_va[i]);
		*rr_pte[i] = (uint64_t)x | PTE_P | PTE_W;
		invlpg(rr_va[i]);
	}
	/* VPID off: the entry flushes the whole TLB (L1's entries too). */
	invvpid(INVVPID_ALL_CONTEXT, 0, 0);
	run_l2(l2_round_robin, 0, 0);
	expect_eq(l2_out[0] | l2_out[1] << 16 | l2_out[2] << 32 |
		  l2_out[3] << 48, VAL_A | VAL_A << 16 | VAL_A << 32 |
		  VAL_A << 48, "pages 2 4 5 6 are still cached");
	expect_eq(l2_out[4], VAL_B, "page 0 was the first victim "
		  "(round robin, not least recently used)");
	expect_eq(l2_out[5], VAL_B, "page 1 the next victim");
	expect_eq(l2_out[6], VAL_B, "page 3 dropped by invlpg, its empty "
		  "way taken before the victim's");
	for (unsigned i = 0; i < RR_PAGES; i++) {
		*rr_pte[i] = (rr_va[i] & PTE_ADDR_MASK) | PTE_P | PTE_W;
		invlpg(rr_va[i]);
	}
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

	if (!ept_only) {
		test_vpid_disabled();
		test_vpid_disabled_l1();
		test_vpid_disabled_l1_global();
	}
	if (!vmx_ctl_allowed1(vmx_caps.proc2, SEC_ENABLE_VPID) ||
	    !vmx_ctl_allowed1(vmx_caps.proc2, SEC_ENABLE_EPT)) {
		printf("vpid or ept not advertised\n");
	} else {
		if (!ept_only) {
			test_vpid_disabled_ept();
			test_vpid_disabled_ept_keep();
			test_vpid_disabled_ept_global();
			test_vpid_disabled_apic_access();
			test_invvpid();
			test_globals();
			test_pcid();
			test_large_page();
			test_round_robin();
		}
		test_invept();
	}
	vmclear(vm.vmcs_pa);
	vmx_disable();
	return test_summary();
}
