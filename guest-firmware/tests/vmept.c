// SPDX-License-Identifier: MIT
/*
 * EPT (SDM 29.3): translation, permissions, EPT violations with their
 * exit qualification (Table 28-7), guest-physical and guest-linear
 * addresses, EPT misconfigurations, remapping; INVEPT and INVVPID
 * operand checks (31.3) and running with VPID; accessed and dirty flags
 * for EPT (29.3.5) with guest paging-structure accesses as writes.
 */
#include "vmxtest.h"
#include "guest_asm.h"

static struct vmx_vm vm;
static uint64_t stack_top;
static struct ept ept;

static void reset_ept(void (*guest)(void))
{
	vmx_vm_reset(&vm, guest, stack_top);
	vmcs_write(EPT_POINTER, ept.eptp);
	vmx_set_ctl(SECONDARY_VM_EXEC_CONTROL, SEC_ENABLE_EPT, 0);
}

static void set_perms(uint64_t gpa, uint64_t perms)
{
	uint64_t *e = ept_entry(&ept, gpa);

	*e = (*e & ~EPT_RWX) | perms;
	invept(INVEPT_SINGLE_CONTEXT, ept.eptp);
}

static void test_translation(void)
{
	uint64_t *page = page_alloc(), *other = page_alloc();
	const uint64_t gla_bits = EXITQ_EPT_GLA_VALID | EXITQ_EPT_GLA_TRANSLATED;

	reset_ept(g_memrw);
	vm.regs.rsi = (uint64_t)page;
	vm.regs.rdi = 0x1111;
	if (vm_run_expect(&vm, EXIT_REASON_VMCALL, "ept identity map runs the guest"))
		expect_eq(page[0], 0x1111, "ept identity write reaches memory");

	set_perms((uint64_t)page, EPT_R);
	reset_ept(g_memrw);
	vm.regs.rsi = (uint64_t)page + 8;
	vm.regs.rdi = 0x2222;
	if (vm_run_expect(&vm, EXIT_REASON_EPT_VIOLATION, "ept write to read-only page")) {
		expect_eq(vm.exit_qual & 0x1bf, EXITQ_EPT_WRITE |
			  EXITQ_EPT_READABLE | gla_bits,
			  "ept write violation qualification");
		expect_eq(vm.guest_phys, (uint64_t)page + 8,
			  "ept violation guest-physical address");
		expect_eq(vmcs_read(GUEST_LINEAR_ADDRESS), (uint64_t)page + 8,
			  "ept violation guest-linear address");
		expect_eq(vmcs_read(GUEST_RIP), (uint64_t)g_memrw_insn,
			  "ept violation guest rip at the access");
		set_perms((uint64_t)page, EPT_RWX);
		if (vm_run_expect(&vm, EXIT_REASON_VMCALL, "ept write retried after fix"))
			expect_eq(page[1], 0x2222, "ept retried write value");
	}

	set_perms((uint64_t)page, 0);
	reset_ept(g_memread);
	vm.regs.rsi = (uint64_t)page;
	if (vm_run_expect(&vm, EXIT_REASON_EPT_VIOLATION, "ept read of unmapped page"))
		expect_eq(vm.exit_qual & 0x1bf, EXITQ_EPT_READ | gla_bits,
			  "ept read violation qualification");

	/* Execute: a page holding VMCALL, mapped RW but not X. */
	memcpy(page, "\x0f\x01\xc1", 3);
	set_perms((uint64_t)page, EPT_R | EPT_W);
	reset_ept(g_nops);
	vmcs_write(GUEST_RIP, (uint64_t)page);
	if (vm_run_expect(&vm, EXIT_REASON_EPT_VIOLATION, "ept fetch from non-executable")) {
		expect_eq(vm.exit_qual & 0x1bf, EXITQ_EPT_FETCH |
			  EXITQ_EPT_READABLE | EXITQ_EPT_WRITABLE | gla_bits,
			  "ept fetch violation qualification");
		set_perms((uint64_t)page, EPT_RWX);
		vm_run_expect(&vm, EXIT_REASON_VMCALL, "ept fetch retried after fix");
	}

	/* Remap: the guest page now shows another host page. */
	other[0] = 0x5eed;
	ept_map_4k(&ept, (uint64_t)page, (uint64_t)other, EPT_RWX);
	invept(INVEPT_SINGLE_CONTEXT, ept.eptp);
	reset_ept(g_memread);
	vm.regs.rsi = (uint64_t)page;
	if (vm_run_expect(&vm, EXIT_REASON_VMCALL, "ept remapped page runs"))
		expect_eq(vm.regs.rax, 0x5eed, "ept remapped read sees host page");
	ept_map_4k(&ept, (uint64_t)page, (uint64_t)page, EPT_RWX);

	/* Write-only is a misconfiguration (29.3.3.1). */
	set_perms((uint64_t)page, EPT_W);
	reset_ept(g_memread);
	vm.regs.rsi = (uint64_t)page + 16;
	if (vm_run_expect(&vm, EXIT_REASON_EPT_MISCONFIG, "ept write-only entry"))
		expect_eq(vm.guest_phys, (uint64_t)page + 16,
			  "ept misconfig guest-physical address");
	set_perms((uint64_t)page, EPT_RWX);
}

static void test_invept_invvpid(void)
{
	bool vpid = vmx_ctl_allowed1(vmx_caps.proc2, SEC_ENABLE_VPID);

	expect_vmx(invept(INVEPT_SINGLE_CONTEXT, ept.eptp), VMX_SUCCEED, 0,
		   "invept single-context");
	expect_vmx(invept(INVEPT_ALL_CONTEXT, 0), VMX_SUCCEED, 0,
		   "invept all-context");
	expect_vmx(invept(0, ept.eptp), VMX_FAIL_VALID,
		   VMXERR_INVALID_INVEPT_INVVPID_OPERAND, "invept type 0");
	expect_vmx(invept(3, ept.eptp), VMX_FAIL_VALID,
		   VMXERR_INVALID_INVEPT_INVVPID_OPERAND, "invept type 3");
	if (!vpid)
		return;
	expect_vmx(invvpid(INVVPID_ALL_CONTEXT, 0, 0), VMX_SUCCEED, 0,
		   "invvpid all-context");
	expect_vmx(invvpid(INVVPID_SINGLE_CONTEXT, 1, 0), VMX_SUCCEED, 0,
		   "invvpid single-context vpid 1");
	expect_vmx(invvpid(INVVPID_ADDRESS, 1, 0x100000), VMX_SUCCEED, 0,
		   "invvpid individual address");
	expect_vmx(invvpid(INVVPID_SINGLE_CONTEXT, 0, 0), VMX_FAIL_VALID,
		   VMXERR_INVALID_INVEPT_INVVPID_OPERAND,
		   "invvpid single-context vpid 0");
	expect_vmx(invvpid(INVVPID_ADDRESS, 1, 0x8000000000000000ULL),
		   VMX_FAIL_VALID, VMXERR_INVALID_INVEPT_INVVPID_OPERAND,
		   "invvpid non-canonical address");
	expect_vmx(invvpid(4, 1, 0), VMX_FAIL_VALID,
		   VMXERR_INVALID_INVEPT_INVVPID_OPERAND, "invvpid type 4");

	vmx_vm_reset(&vm, g_vmcall, stack_top);
	vmx_set_ctl(SECONDARY_VM_EXEC_CONTROL, SEC_ENABLE_VPID, 0);
	vmcs_write(VIRTUAL_PROCESSOR_ID, 7);
	vm_run_expect(&vm, EXIT_REASON_VMCALL, "guest runs with vpid 7");
}

/* Accessed and dirty flags for EPT (SDM 29.3.5), advertised by
 * IA32_VMX_EPT_VPID_CAP[21] and enabled by EPTP[6]. */
static uint64_t *ad_leaf(struct ept *e, uint64_t gpa)
{
	uint64_t *leaf = ept_entry(e, gpa);

	*leaf &= ~(EPT_ACCESSED | EPT_DIRTY);
	return leaf;
}

static void reset_ad(struct ept *e, void (*guest)(void))
{
	vmx_vm_reset(&vm, guest, stack_top);
	vmcs_write(EPT_POINTER, e->eptp);
	vmx_set_ctl(SECONDARY_VM_EXEC_CONTROL, SEC_ENABLE_EPT, 0);
	invept(INVEPT_SINGLE_CONTEXT, e->eptp);
}

static void test_accessed_dirty(void)
{
	const uint64_t ad = EPT_ACCESSED | EPT_DIRTY;
	uint64_t *wpage = page_alloc(), *rpage = page_alloc();
	uint64_t pml4 = read_cr3() & PTE_ADDR_MASK;
	uint64_t *w, *r, *pt;
	struct ept e;

	if (!expect_eq(vmx_caps.ept_vpid & EPT_CAP_AD, EPT_CAP_AD,
		       "ept a/d flags advertised"))
		return;
	ept_init(&e, true);
	ept_identity_map(&e, 1ULL << 32, EPT_RWX);
	w = ad_leaf(&e, (uint64_t)wpage);
	r = ad_leaf(&e, (uint64_t)rpage);
	pt = ad_leaf(&e, pml4);

	reset_ad(&e, g_memrw);
	vm.regs.rsi = (uint64_t)wpage;
	vm.regs.rdi = 0x4444;
	if (!vm_run_expect(&vm, EXIT_REASON_VMCALL, "ept a/d eptp bit 6 accepted"))
		return;
	expect_eq(*w & ad, ad, "ept a/d write sets accessed and dirty");
	expect_eq(e.pml4[0] & ad, EPT_ACCESSED,
		  "ept a/d pml4e accessed, no dirty flag");
	expect_eq(*pt & ad, ad,
		  "ept a/d guest paging-structure access is a write");

	reset_ad(&e, g_memread);
	vm.regs.rsi = (uint64_t)rpage;
	if (vm_run_expect(&vm, EXIT_REASON_VMCALL, "ept a/d read runs"))
		expect_eq(*r & ad, EPT_ACCESSED, "ept a/d read sets accessed only");

	/* The guest's PML4 page read-only in EPT: with A/D its walk is a
	 * write, an EPT violation with bits 0 and 1 (Table 28-7). */
	*pt = (*pt & ~EPT_RWX) | EPT_R | EPT_X;
	reset_ad(&e, g_memread);
	vm.regs.rsi = (uint64_t)rpage;
	if (vm_run_expect(&vm, EXIT_REASON_EPT_VIOLATION,
		       "ept a/d walk on read-only page table")) {
		expect_eq(vm.exit_qual & 0x1bf, EXITQ_EPT_READ |
			  EXITQ_EPT_WRITE | EXITQ_EPT_READABLE |
			  EXITQ_EPT_EXECUTABLE | EXITQ_EPT_GLA_VALID,
			  "ept a/d walk violation qualification");
		expect_eq(vm.guest_phys & ~0xfffULL, pml4,
			  "ept a/d walk violation guest-physical address");
	}
	/* Without A/D the same walk is a read: the guest runs. */
	e.eptp &= ~EPTP_AD;
	reset_ad(&e, g_memread);
	vm.regs.rsi = (uint64_t)rpage;
	vm_run_expect(&vm, EXIT_REASON_VMCALL, "ept without a/d walk is a read");
	*pt |= EPT_RWX;
}

/*
 * A 32-bit L2 with PAE paging (no IA-32e mode) under EPT: its PDPTEs come
 * from the VMCS fields at VM entry (SDM 27.3.2.4), are not re-read from
 * the PDPT by its walks, are reloaded from memory by its MOV to CR3
 * through EPT as a read without guest-linear address (SDM 26.3, 29.3.3.2,
 * Table 28-7) and saved back into the VMCS at VM exit (SDM 28.3.4).  The
 * in-memory PDPTE 1 maps linear 1G to page A, the VMCS field to page B.
 */
#define PAE_LIN 0x40000000ULL

static uint64_t *pae_pdpt, pae_mem_pdpte1, pae_vmcs_pdpte1;

static void pae_tables(void)
{
	uint64_t *pd0 = page_alloc(), *pd_a = page_alloc(), *pd_b = page_alloc();
	uint64_t *pt_a = page_alloc(), *pt_b = page_alloc();
	uint64_t *page_a = page_alloc(), *page_b = page_alloc();

	for (uint64_t i = 0; i < 512; i++)
		pd0[i] = (i << 21) | 0x83;            /* 2M, P, RW */
	pd_a[0] = (uint64_t)pt_a | 3;
	pd_b[0] = (uint64_t)pt_b | 3;
	pt_a[0] = (uint64_t)page_a | 3;
	pt_b[0] = (uint64_t)page_b | 3;
	page_a[0] = 0xaaaa;
	page_b[0] = 0xbbbb;
	pae_pdpt = page_alloc();
	pae_pdpt[0] = (uint64_t)pd0 | 1;
	pae_mem_pdpte1 = (uint64_t)pd_a | 1;
	pae_vmcs_pdpte1 = (uint64_t)pd_b | 1;
	pae_pdpt[1] = pae_mem_pdpte1;
}

static void reset_pae(struct ept *e)
{
	vmx_vm_reset(&vm, g_pae32, stack_top);
	vmcs_write(EPT_POINTER, e->eptp);
	vmx_set_ctl(SECONDARY_VM_EXEC_CONTROL, SEC_ENABLE_EPT, 0);
	vmx_set_ctl(CPU_BASED_VM_EXEC_CONTROL, 0, CPU_CR3_LOAD_EXITING);
	vmx_set_ctl(VM_ENTRY_CONTROLS, 0, ENTRY_IA32E_MODE_GUEST);
	vmcs_write(GUEST_CR4, vmcs_read(GUEST_CR4) & ~(1ULL << 17));
	vmcs_write(GUEST_IA32_EFER, 0);
	vmcs_write(GUEST_CS_SELECTOR, SEL_CODE32);
	vmcs_write(GUEST_CS_AR_BYTES, 0xc09b);
	vmcs_write(GUEST_FS_BASE, 0);
	vmcs_write(GUEST_GS_BASE, 0);
	vmcs_write(GUEST_CR3, (uint64_t)pae_pdpt);
	vmcs_write(GUEST_PDPTE0, pae_pdpt[0]);
	vmcs_write(GUEST_PDPTE0 + 2, pae_vmcs_pdpte1);
	vmcs_write(GUEST_PDPTE0 + 4, 0);
	vmcs_write(GUEST_PDPTE0 + 6, 0);
	vm.regs.rsi = PAE_LIN;
	vm.regs.rdi = (uint64_t)pae_pdpt;
	invept(INVEPT_SINGLE_CONTEXT, e->eptp);
}

static void test_pae_guest(void)
{
	uint64_t *pdpt_leaf, *bad_pdpt;
	struct ept e;

	pae_tables();
	ept_init(&e, false);
	ept_identity_map(&e, 1ULL << 32, EPT_RWX);
	pdpt_leaf = ept_entry(&e, (uint64_t)pae_pdpt);

	reset_pae(&e);
	if (!vm_run_expect(&vm, EXIT_REASON_VMCALL, "pae guest under ept runs"))
		return;
	expect_eq(vm.regs.rax & 0xffffffff, 0xbbbb,
		  "pae guest uses the vmcs pdptes");
	vmx_skip_insn();
	if (!vm_run_expect(&vm, EXIT_REASON_VMCALL, "pae guest mov to cr3 runs"))
		return;
	expect_eq(vm.regs.rax & 0xffffffff, 0xaaaa,
		  "pae guest mov to cr3 loads pdptes from memory");
	expect_eq(vmcs_read(GUEST_PDPTE0 + 2), pae_mem_pdpte1,
		  "pae guest pdptes saved at vm exit");

	/* The PDPT not mapped in EPT: walks never read it; MOV to CR3 is an
	 * EPT violation, a read with no guest-linear address. */
	*pdpt_leaf &= ~EPT_RWX;
	reset_pae(&e);
	if (!vm_run_expect(&vm, EXIT_REASON_VMCALL, "pae walk does not read the pdpt"))
		return;
	vmx_skip_insn();
	if (vm_run_expect(&vm, EXIT_REASON_EPT_VIOLATION,
		       "pae mov to cr3 with unmapped pdpt")) {
		expect_eq(vm.exit_qual & 0x1bf, EXITQ_EPT_READ,
			  "pae pdpte load violation qualification");
		expect_eq(vm.guest_phys, (uint64_t)pae_pdpt,
			  "pae pdpte load violation guest-physical address");
		/* The MOV loads the PDPTEs itself (4.4.1), not the next
		 * translation. */
		expect_eq(vmcs_read(GUEST_RIP), (uint64_t)g_pae32_insn + 5,
			  "pae pdpte load violation at the mov to cr3");
	}

	/* Read-only PDPT with EPT A/D: the load stays a read (29.3.3.2). */
	*pdpt_leaf |= EPT_R;
	e.eptp |= EPTP_AD;
	reset_pae(&e);
	if (vm_run_expect(&vm, EXIT_REASON_VMCALL, "pae guest with ept a/d runs")) {
		vmx_skip_insn();
		vm_run_expect(&vm, EXIT_REASON_VMCALL,
			   "pae pdpte load from read-only page with ept a/d");
	}
	*pdpt_leaf |= EPT_RWX;

	/* SDM 4.4.1: MOV to CR3 whose PDPT has a reserved bit in a present
	 * PDPTE is #GP(0) and changes nothing: CR3 and the PDPTE registers
	 * (saved at the exit, EPT on) keep the VMCS values. */
	bad_pdpt = page_alloc();
	bad_pdpt[0] = pae_pdpt[0];
	bad_pdpt[1] = pae_mem_pdpte1 | (1ULL << 5);
	reset_pae(&e);
	vm.regs.rdi = (uint64_t)bad_pdpt;
	vmcs_write(EXCEPTION_BITMAP, 1U << VEC_GP);
	if (vm_run_expect(&vm, EXIT_REASON_VMCALL, "pae guest runs to its "
			  "mov to cr3")) {
		vmx_skip_insn();
		if (vm_run_expect(&vm, EXIT_REASON_EXCEPTION_NMI,
				  "pae mov to cr3 with a reserved pdpte bit "
				  "exits by #gp")) {
			expect_eq(vm.exit_intr_info, INTR_INFO(VEC_GP,
				  INTR_TYPE_HW_EXCEPTION, 1) | vm.exit_intr_error,
				  "pae reserved pdpte bit: #gp(0)");
			expect_eq(vmcs_read(GUEST_RIP), (uint64_t)g_pae32_insn + 5,
				  "pae reserved pdpte bit: at the mov to cr3");
			expect_eq(vmcs_read(GUEST_CR3), (uint64_t)pae_pdpt,
				  "pae reserved pdpte bit: cr3 unchanged");
			expect_eq(vmcs_read(GUEST_PDPTE0 + 2), pae_vmcs_pdpte1,
				  "pae reserved pdpte bit: pdpte registers "
				  "unchanged");
		}
	}

	/* SDM 27.3.1.6: a reserved bit in a VMCS PDPTE fails the entry. */
	reset_pae(&e);
	vmcs_write(GUEST_PDPTE0 + 4, (uint64_t)pae_pdpt | 1 | (1ULL << 5));
	if (vm_run_expect(&vm, EXIT_REASON_INVALID_GUEST_STATE |
		       EXIT_REASON_ENTRY_FAILURE,
		       "pae pdpte reserved bit fails vm entry"))
		expect_eq(vm.exit_qual, 2, "pae pdpte entry failure qualification");
}

int main(void)
{
	printf("vmxbox nested test: ept and invalidation\n");
	vmxtest_enable();
	if (!vmx_ctl_allowed1(vmx_caps.proc2, SEC_ENABLE_EPT)) {
		test_skip_fail("ept not supported");
		return test_summary();
	}
	stack_top = vmx_guest_stack();
	vm.vmcs = vmx_alloc_region();
	ept_init(&ept, false);
	ept_identity_map(&ept, 1ULL << 32, EPT_RWX);
	test_section("ept translation");
	test_translation();
	test_section("invept and invvpid");
	test_invept_invvpid();
	test_section("ept accessed and dirty flags");
	test_accessed_dirty();
	test_section("pae guest under ept (pdpte registers)");
	test_pae_guest();
	vmclear(vm.vmcs_pa);
	vmx_disable();
	return test_summary();
}
