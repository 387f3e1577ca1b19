// SPDX-License-Identifier: MIT
/*
 * VMX and paging: accessed/dirty flags for EPT (SDM 29.3.5) as advertised
 * and checked at VM entry, guest paging-structure accesses as writes
 * (SDM 29.3.3.2), and the VMX fixed CR0/CR4 bits for MOV to CR0/CR4 in
 * VMX root and non-root operation (SDM 24.8, 26.3).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "vmx/ept_walk.h"
#include "vmx/exit_info.h"
#include "vmx/nonroot.h"
#include "vmxb_fixture.h"

#define PML4 FIX_EPT_PML4
#define PDPT (FIX_EPT_PML4 + 0x1000)
#define PD   (FIX_EPT_PML4 + 0x2000)
#define PT   (FIX_EPT_PML4 + 0x3000)
#define WB   (6ull << 3)
#define EPTP_PLAIN (PML4 | 0x18 | 6)
#define EPTP_WITH_AD (EPTP_PLAIN | EPTP_AD)

static struct fix F;

static void pte(uint64_t table, unsigned idx, uint64_t val)
{
	gmem_write_u64(&F.mem, table + 8 * idx, val);
}

static uint64_t entry_at(uint64_t table, unsigned idx)
{
	uint64_t e = 0;

	gmem_read_u64(&F.mem, table + 8 * idx, &e);
	return e;
}

/* 0x400000: 4K RW page -> 0x800000; 0x401000: 4K read-only -> 0x801000;
 * 0x40000000: 1G read-only. */
static void ept_tables(void)
{
	pte(PML4, 0, PDPT | 7);
	pte(PDPT, 0, PD | 7);
	pte(PDPT, 1, 0x0 | EPTE_LARGE | WB | EPTE_R);
	pte(PD, 2, PT | 7);
	pte(PT, 0, 0x800000 | WB | EPTE_R | EPTE_W);
	pte(PT, 1, 0x801000 | WB | EPTE_R);
}

static void enter_with_ept(uint64_t eptp, uint32_t proc2_extra)
{
	fix_baseline(&F);
	fset(&F, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_ACTIVATE_SECONDARY);
	fw(&F, VMCS_SECONDARY_VM_EXEC_CONTROL, CPU2_ENABLE_EPT | proc2_extra);
	fw(&F, VMCS_EPT_POINTER, eptp);
	ept_tables();
	ck_assert_int_eq(vmx_vmentry(F.v, &F.ctx, NULL, true), ICPT_SWITCHED);
	ck_assert(F.v->nonroot);
}

static void setup(void)
{
	fix_init(&F, true);
}

static void teardown(void)
{
	fix_fini(&F);
}

/* ---- EPT accessed and dirty flags --------------------------------------- */

/* SDM A.10: IA32_VMX_EPT_VPID_CAP, bit 21 = accessed and dirty flags. */
START_TEST(caps_advertise_ept_ad)
{
	uint64_t cap = 0;

	ck_assert(vmx_caps_msr(&F.v->caps, MSR_IA32_VMX_EPT_VPID_CAP, &cap));
	ck_assert_uint_eq(cap, 0x00000f0106334141ull);
	ck_assert_uint_eq(cap & EPT_CAP_AD, 1ull << 21);
	ck_assert_uint_eq(F.v->caps.ept_vpid, cap);
}
END_TEST

/* SDM 27.2.1.1: EPTP bit 6 is legal when IA32_VMX_EPT_VPID_CAP[21] = 1. */
START_TEST(eptp_ad_bit_entry_check)
{
	struct vmx_caps no_ad = F.v->caps;

	ck_assert(vmx_eptp_valid(&F.v->caps, EPTP_WITH_AD));
	no_ad.ept_vpid &= ~EPT_CAP_AD;
	ck_assert(!vmx_eptp_valid(&no_ad, EPTP_WITH_AD));
	ck_assert(vmx_eptp_valid(&no_ad, EPTP_PLAIN));
	/* Bit 7 stays reserved: VMfailValid(7), still in root operation. */
	fix_baseline(&F);
	fset(&F, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_ACTIVATE_SECONDARY);
	fw(&F, VMCS_SECONDARY_VM_EXEC_CONTROL, CPU2_ENABLE_EPT);
	fw(&F, VMCS_EPT_POINTER, EPTP_WITH_AD | (1ull << 7));
	ck_assert_int_eq(vmx_vmentry(F.v, &F.ctx, NULL, true), ICPT_EMULATED);
	ck_assert(!F.v->nonroot);
	ck_assert_uint_eq(fr(&F, VMCS_VM_INSTRUCTION_ERROR),
			  VMXERR_ENTRY_INVALID_CONTROL);
	ck_assert_uint_eq(F.cpu.rflags & VMX_ARITH_FLAGS, RFLAGS_ZF);
	/* Bit 6 alone: the entry succeeds. */
	enter_with_ept(EPTP_WITH_AD, 0);
	ck_assert_uint_eq(fr(&F, VMCS_EPT_POINTER), EPTP_WITH_AD);
}
END_TEST

/* SDM 29.3.5: A on every EPT entry used, D on the leaf for a write. */
START_TEST(ept_ad_set_by_translation)
{
	uint64_t out = 0;

	enter_with_ept(EPTP_WITH_AD, 0);
	ck_assert_int_eq(vmx_translate_gpa(F.v, &F.ctx, 0x400abc, EPT_ACC_READ,
					   0x7000abc, true, false, &out),
			 ICPT_CONTINUE);
	ck_assert_uint_eq(out, 0x800abc);
	ck_assert_uint_eq(entry_at(PML4, 0), PDPT | 7 | EPTE_A);
	ck_assert_uint_eq(entry_at(PDPT, 0), PD | 7 | EPTE_A);
	ck_assert_uint_eq(entry_at(PD, 2), PT | 7 | EPTE_A);
	ck_assert_uint_eq(entry_at(PT, 0), 0x800000 | WB | 3 | EPTE_A);
	ck_assert_int_eq(vmx_translate_gpa(F.v, &F.ctx, 0x400abc, EPT_ACC_WRITE,
					   0x7000abc, true, false, &out),
			 ICPT_CONTINUE);
	ck_assert_uint_eq(entry_at(PT, 0),
			  0x800000 | WB | 3 | EPTE_A | EPTE_D);
	ck_assert_uint_eq(entry_at(PD, 2), PT | 7 | EPTE_A);
}
END_TEST

/* SDM 29.3.5: with A/D on, a guest paging-structure access is a write: the
 * leaf EPT entry of the guest page table gets its dirty flag. */
START_TEST(guest_walk_access_sets_ept_dirty)
{
	uint64_t out = 0;

	enter_with_ept(EPTP_WITH_AD, 0);
	ck_assert_int_eq(vmx_translate_gpa(F.v, &F.ctx, 0x400018, EPT_ACC_READ,
					   0x7000abc, true, true, &out),
			 ICPT_CONTINUE);
	ck_assert_uint_eq(out, 0x800018);
	ck_assert_uint_eq(entry_at(PT, 0),
			  0x800000 | WB | 3 | EPTE_A | EPTE_D);
}
END_TEST

/* Without EPTP[6] the same access is a plain read: no flag written. */
START_TEST(guest_walk_access_without_ad_is_read)
{
	uint64_t out = 0;

	enter_with_ept(EPTP_PLAIN, 0);
	ck_assert_int_eq(vmx_translate_gpa(F.v, &F.ctx, 0x401018, EPT_ACC_READ,
					   0x7000abc, true, true, &out),
			 ICPT_CONTINUE);
	ck_assert_uint_eq(out, 0x801018);
	ck_assert_uint_eq(entry_at(PT, 1), 0x801000 | WB | EPTE_R);
	ck_assert_uint_eq(entry_at(PML4, 0), PDPT | 7);
}
END_TEST

/*
 * SDM 29.3.3.2 and Table 28-7: with A/D on, a guest paging structure in a
 * read-only EPT page causes an EPT violation, reported with bits 0 AND 1
 * (read and write), permissions R (bit 3), guest-linear address valid
 * (bit 7) and bit 8 clear (a paging-structure access, not the final
 * translation).
 */
START_TEST(guest_walk_violation_reports_read_and_write)
{
	uint64_t out = 0;

	enter_with_ept(EPTP_WITH_AD, 0);
	ck_assert_int_eq(vmx_translate_gpa(F.v, &F.ctx, 0x401020, EPT_ACC_READ,
					   0x7000abc, true, true, &out),
			 ICPT_SWITCHED);
	ck_assert(!F.v->nonroot);
	ck_assert_uint_eq(fr(&F, VMCS_VM_EXIT_REASON), EXIT_REASON_EPT_VIOLATION);
	ck_assert_uint_eq(fr(&F, VMCS_EXIT_QUALIFICATION), 1 | 2 | 0x8 | 0x80);
	ck_assert_uint_eq(fr(&F, VMCS_GUEST_PHYSICAL_ADDRESS), 0x401020);
	ck_assert_uint_eq(fr(&F, VMCS_GUEST_LINEAR_ADDRESS), 0x7000abc);
	/* The failed walk set no flag (SDM 29.3.5: only successful use). */
	ck_assert_uint_eq(entry_at(PT, 1), 0x801000 | WB | EPTE_R);
}
END_TEST

/* SDM 29.3.3.2: PDPTE loads by MOV to CR are reads even with A/D on: no
 * violation on a read-only page, no dirty flag. */
START_TEST(pdpte_load_is_read_with_ad)
{
	uint64_t out = 0;

	enter_with_ept(EPTP_WITH_AD, 0);
	ck_assert_int_eq(vmx_translate_gpa(F.v, &F.ctx, 0x401020, EPT_ACC_READ,
					   0, false, false, &out),
			 ICPT_CONTINUE);
	ck_assert_uint_eq(out, 0x801020);
	ck_assert_uint_eq(entry_at(PT, 1), 0x801000 | WB | EPTE_R | EPTE_A);
	/* Same access on the 1G read-only page: A on the PDPTE leaf only. */
	ck_assert_int_eq(vmx_translate_gpa(F.v, &F.ctx, 0x40000040, EPT_ACC_READ,
					   0, false, false, &out),
			 ICPT_CONTINUE);
	ck_assert_uint_eq(out, 0x40);
	ck_assert_uint_eq(entry_at(PDPT, 1),
			  EPTE_LARGE | WB | EPTE_R | EPTE_A);
}
END_TEST

/* ---- PDPTE registers across VM entry and VM exit ------------------------ */

#define PAE_CR3 0x40000ull

static const uint64_t vmcs_pdpte[4] = {
	0x50000 | 1, 0x51000 | 1, 0, 0x53000 | 1 | (1ull << 11),
};
static const uint64_t ram_pdpte[4] = {
	0x60000 | 1, 0, 0x62000 | 1, 0x63000 | 1,
};

/* L2 with PAE paging outside IA-32e mode; the PDPT at PAE_CR3 in RAM and
 * the VMCS PDPTE fields hold different values. */
static void pae_guest(uint32_t proc2)
{
	fix_baseline(&F);
	fclr(&F, VMCS_VM_ENTRY_CONTROLS, ENTRY_CTL_IA32E_MODE_GUEST);
	fw(&F, VMCS_GUEST_IA32_EFER, EFER_SCE);
	fw(&F, VMCS_GUEST_CS_AR_BYTES, 0xc09b);
	fw(&F, VMCS_GUEST_CR3, PAE_CR3 | 0x20);   /* bits 31:5 */
	for (unsigned i = 0; i < 4; i++) {
		fw(&F, VMCS_GUEST_PDPTE0 + 2 * i, vmcs_pdpte[i]);
		gmem_write_u64(&F.mem, PAE_CR3 + 0x20 + 8 * i, ram_pdpte[i]);
	}
	if (proc2) {
		fset(&F, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_ACTIVATE_SECONDARY);
		fw(&F, VMCS_SECONDARY_VM_EXEC_CONTROL, proc2);
		fw(&F, VMCS_EPT_POINTER, EPTP_PLAIN);
	}
	F.cpu.pdpte_valid = false;
}

static void assert_pdptes(const uint64_t want[4])
{
	ck_assert(F.cpu.pdpte_valid);
	for (unsigned i = 0; i < 4; i++)
		ck_assert_uint_eq(F.cpu.pdpte[i], want[i]);
}

/* SDM 27.3.2.4: with enable EPT the PDPTEs come from the VMCS. */
START_TEST(entry_pae_ept_loads_vmcs_pdptes)
{
	pae_guest(CPU2_ENABLE_EPT);
	ck_assert_int_eq(vmx_vmentry(F.v, &F.ctx, NULL, true), ICPT_SWITCHED);
	ck_assert(F.v->nonroot);
	assert_pdptes(vmcs_pdpte);
}
END_TEST

/* SDM 27.3.2.4: without EPT they are loaded from guest CR3. */
START_TEST(entry_pae_without_ept_loads_from_cr3)
{
	pae_guest(0);
	ck_assert_int_eq(vmx_vmentry(F.v, &F.ctx, NULL, true), ICPT_SWITCHED);
	assert_pdptes(ram_pdpte);
}
END_TEST

/* SDM 27.3.1.6: a reserved bit in a VMCS PDPTE (EPT) or in RAM (no EPT)
 * fails the entry: exit reason 33 with bit 31, qualification 2. */
START_TEST(entry_pdpte_reserved_bits_fail)
{
	pae_guest(CPU2_ENABLE_EPT);
	fw(&F, VMCS_GUEST_PDPTE2, 0x52000 | 1 | (1ull << 5));
	ck_assert_int_eq(vmx_vmentry(F.v, &F.ctx, NULL, true), ICPT_SWITCHED);
	ck_assert(!F.v->nonroot);
	ck_assert_uint_eq(fr(&F, VMCS_VM_EXIT_REASON),
			  EXIT_REASON_INVALID_STATE | EXIT_REASON_FAILED_VMENTRY);
	ck_assert_uint_eq(fr(&F, VMCS_EXIT_QUALIFICATION), 2);
	ck_assert(!F.cpu.pdpte_valid);
	/* A reserved bit in RAM fails without EPT ... */
	pae_guest(0);
	gmem_write_u64(&F.mem, PAE_CR3 + 0x20, 0x60000 | 1 | (1ull << 2));
	ck_assert_int_eq(vmx_vmentry(F.v, &F.ctx, NULL, true), ICPT_SWITCHED);
	ck_assert(!F.v->nonroot);
	ck_assert_uint_eq(fr(&F, VMCS_EXIT_QUALIFICATION), 2);
	/* ... but does not matter with EPT. */
	pae_guest(CPU2_ENABLE_EPT);
	gmem_write_u64(&F.mem, PAE_CR3 + 0x20, 0x60000 | 1 | (1ull << 2));
	ck_assert_int_eq(vmx_vmentry(F.v, &F.ctx, NULL, true), ICPT_SWITCHED);
	ck_assert(F.v->nonroot);
	assert_pdptes(vmcs_pdpte);
}
END_TEST

/* An IA-32e guest does not use (or load) PDPTEs. */
START_TEST(entry_ia32e_guest_leaves_pdptes)
{
	fix_baseline(&F);
	F.cpu.pdpte[1] = 0x1234001;
	F.cpu.pdpte_valid = false;
	ck_assert_int_eq(vmx_vmentry(F.v, &F.ctx, NULL, true), ICPT_SWITCHED);
	ck_assert_uint_eq(F.cpu.pdpte[1], 0x1234001);
	ck_assert(!F.cpu.pdpte_valid);
}
END_TEST

/* SDM 28.3.4: with EPT and PAE paging the PDPTEs in use are saved into the
 * VMCS; without EPT the fields are left alone. */
START_TEST(exit_saves_pdptes_with_ept)
{
	static const uint64_t now[4] = { 0x70000 | 1, 0x71000 | 1, 0, 0 };

	pae_guest(CPU2_ENABLE_EPT);
	ck_assert_int_eq(vmx_vmentry(F.v, &F.ctx, NULL, true), ICPT_SWITCHED);
	memcpy(F.cpu.pdpte, now, sizeof(now));   /* as after a MOV to CR3 */
	ck_assert_int_eq(vmx_vmexit(F.v, &F.ctx, EXIT_REASON_CPUID, 0, NULL),
			 ICPT_SWITCHED);
	for (unsigned i = 0; i < 4; i++)
		ck_assert_uint_eq(fr(&F, VMCS_GUEST_PDPTE0 + 2 * i), now[i]);

	pae_guest(0);
	ck_assert_int_eq(vmx_vmentry(F.v, &F.ctx, NULL, true), ICPT_SWITCHED);
	memcpy(F.cpu.pdpte, now, sizeof(now));
	ck_assert_int_eq(vmx_vmexit(F.v, &F.ctx, EXIT_REASON_CPUID, 0, NULL),
			 ICPT_SWITCHED);
	for (unsigned i = 0; i < 4; i++)
		ck_assert_uint_eq(fr(&F, VMCS_GUEST_PDPTE0 + 2 * i),
				  vmcs_pdpte[i]);
}
END_TEST

/* A 32-bit PAE host (host address-space size 0, host CR4.PAE = 1). */
static void pae_host(void)
{
	F.cpu.efer = EFER_SCE;
	F.cpu.seg[SEG_CS].ar = 0xc09b;
	fclr(&F, VMCS_VM_EXIT_CONTROLS, EXIT_CTL_HOST_ADDR_SPACE_SIZE |
	     EXIT_CTL_LOAD_EFER);
	fw(&F, VMCS_HOST_CR3, PAE_CR3);
	fw(&F, VMCS_HOST_RIP, 0x401000);
	for (unsigned i = 0; i < 4; i++)
		gmem_write_u64(&F.mem, PAE_CR3 + 8 * i, 0x80000 + i * 0x1000 + 1);
}

/* SDM 28.5.4: a host with PAE paging reloads its PDPTEs from host CR3. */
START_TEST(exit_loads_host_pdptes)
{
	pae_guest(0);
	pae_host();
	ck_assert_int_eq(vmx_vmentry(F.v, &F.ctx, NULL, true), ICPT_SWITCHED);
	ck_assert(F.v->nonroot);
	ck_assert_int_eq(vmx_vmexit(F.v, &F.ctx, EXIT_REASON_CPUID, 0, NULL),
			 ICPT_SWITCHED);
	ck_assert(!F.v->nonroot);
	ck_assert_uint_eq(F.cpu.cr3, PAE_CR3);
	ck_assert(!(F.cpu.efer & EFER_LMA));
	ck_assert(F.cpu.pdpte_valid);
	for (unsigned i = 0; i < 4; i++)
		ck_assert_uint_eq(F.cpu.pdpte[i], 0x80000 + i * 0x1000 + 1);
	ck_assert_uint_eq(F.cpu.activity, ACTIVITY_ACTIVE);
}
END_TEST

/* SDM 28.5.1: a 32-bit host (host address-space size 0) gets bits 31:0
 * of the host SYSENTER_ESP/EIP fields, bits 63:32 cleared. */
START_TEST(exit_to_32bit_host_truncates_sysenter)
{
	pae_guest(0);
	pae_host();
	fw(&F, VMCS_HOST_IA32_SYSENTER_ESP, 0x00007fff12345678ull);
	fw(&F, VMCS_HOST_IA32_SYSENTER_EIP, 0x0000000187654321ull);
	ck_assert_int_eq(vmx_vmentry(F.v, &F.ctx, NULL, true), ICPT_SWITCHED);
	ck_assert_int_eq(vmx_vmexit(F.v, &F.ctx, EXIT_REASON_CPUID, 0, NULL),
			 ICPT_SWITCHED);
	ck_assert_uint_eq(F.cpu.msr.sysenter_esp, 0x12345678u);
	ck_assert_uint_eq(F.cpu.msr.sysenter_eip, 0x87654321u);
}
END_TEST

/* SDM 28.5.4 / 28.7: a host PDPTE with a reserved bit is VMX abort 2. */
START_TEST(exit_host_pdpte_reserved_is_abort_2)
{
	uint32_t indicator = 0;

	pae_guest(0);
	pae_host();
	ck_assert_int_eq(vmx_vmentry(F.v, &F.ctx, NULL, true), ICPT_SWITCHED);
	gmem_write_u64(&F.mem, PAE_CR3 + 8, 0x81000 | 1 | (1ull << 7));
	ck_assert_int_eq(vmx_vmexit(F.v, &F.ctx, EXIT_REASON_CPUID, 0, NULL),
			 ICPT_SWITCHED);
	ck_assert_uint_eq(F.cpu.activity, ACTIVITY_SHUTDOWN);
	ck_assert(gmem_read_u32(&F.mem, FIX_VMCS + VMCS_OFF_ABORT, &indicator));
	ck_assert_uint_eq(indicator, VMX_ABORT_HOST_PDPTE);
}
END_TEST

/* ---- VMX fixed CR0/CR4 bits (SDM 24.8, 26.3) ---------------------------- */

static struct x86_intercept mov_to_cr(unsigned cr, uint64_t val)
{
	struct x86_intercept ic;

	memset(&ic, 0, sizeof(ic));
	ic.kind = ICPT_MOV_CR;
	ic.rip = F.cpu.rip;
	ic.insn_len = 3;
	ic.op_size = 64;
	ic.u.cr.cr = (uint8_t)cr;
	ic.u.cr.write = true;
	ic.u.cr.gpr = GPR_RAX;
	ic.u.cr.value = val;
	return ic;
}

static enum icpt_result hook(struct x86_intercept *ic)
{
	F.cpu.pending_exception.valid = false;
	return vmx_intercept_ops.intercept(F.v, &F.ctx, ic);
}

static void assert_gp0(void)
{
	ck_assert(F.cpu.pending_exception.valid);
	ck_assert_uint_eq(F.cpu.pending_exception.vector, 13);
	ck_assert(F.cpu.pending_exception.has_error_code);
	ck_assert_uint_eq(F.cpu.pending_exception.error_code, 0);
}

/* SDM 24.8: in VMX root operation MOV to CR0/CR4 to a value the FIXED MSRs
 * do not allow is #GP(0); CR4.VMXE cannot be cleared. */
START_TEST(root_mov_cr_fixed_bits_gp)
{
	static const struct {
		unsigned cr;
		uint64_t val;
	} bad[] = {
		{ 0, FIX_CR0 & ~CR0_PE },
		{ 0, FIX_CR0 & ~CR0_NE },
		{ 0, FIX_CR0 & ~CR0_PG },
		{ 0, FIX_CR0 | (1ull << 32) },     /* FIXED1 = FFFFFFFFH */
		{ 4, FIX_CR4 & ~CR4_VMXE },
		{ 4, FIX_CR4 | (1ull << 15) },     /* reserved: not in FIXED1 */
	};
	struct x86_intercept ic;

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ic = mov_to_cr(bad[i].cr, bad[i].val);
		ck_assert_int_eq(hook(&ic), ICPT_FAULT);
		assert_gp0();
	}
	ic = mov_to_cr(0, FIX_CR0 | CR0_MP | CR0_WP);
	ck_assert_int_eq(hook(&ic), ICPT_CONTINUE);
	ck_assert_uint_eq(ic.u.cr.value, FIX_CR0 | CR0_MP | CR0_WP);
	ic = mov_to_cr(4, FIX_CR4 | CR4_OSFXSR);
	ck_assert_int_eq(hook(&ic), ICPT_CONTINUE);
	ck_assert(!F.cpu.pending_exception.valid);
	/* Outside VMX operation the fixed bits do not apply. */
	F.v->vmxon = false;
	ic = mov_to_cr(4, FIX_CR4 & ~CR4_VMXE);
	ck_assert_int_eq(hook(&ic), ICPT_CONTINUE);
}
END_TEST

/* SDM 26.3: a guest-owned bit (mask 0) set to a value VMX operation does
 * not allow is #GP(0) in non-root operation, without a VM exit. */
START_TEST(nonroot_unowned_fixed_bit_gp)
{
	struct x86_intercept ic;

	fix_enter(&F);
	ic = mov_to_cr(0, FIX_CR0 & ~CR0_NE);
	ck_assert_int_eq(hook(&ic), ICPT_FAULT);
	assert_gp0();
	ck_assert(F.v->nonroot);
	ic = mov_to_cr(0, FIX_CR0 & ~CR0_PG);
	ck_assert_int_eq(hook(&ic), ICPT_FAULT);
	assert_gp0();
	ic = mov_to_cr(4, FIX_CR4 & ~CR4_VMXE);
	ck_assert_int_eq(hook(&ic), ICPT_FAULT);
	assert_gp0();
	ck_assert(F.v->nonroot);
	ck_assert_uint_eq(F.v->exit_count, 0);
}
END_TEST

/* SDM 26.1.3 before 26.3: a host-owned bit whose new value differs from
 * the read shadow exits (reason 28) instead of faulting; one equal to the
 * shadow keeps the real value, so no fixed bit is broken. */
START_TEST(nonroot_owned_fixed_bit_exits_or_is_kept)
{
	struct x86_intercept ic;

	fix_enter(&F);
	fw(&F, VMCS_CR0_GUEST_HOST_MASK, CR0_NE);
	fw(&F, VMCS_CR0_READ_SHADOW, 0);          /* guest believes NE=0 */
	ic = mov_to_cr(0, FIX_CR0 & ~CR0_NE);
	ck_assert_int_eq(hook(&ic), ICPT_CONTINUE);
	ck_assert_uint_eq(ic.u.cr.value, FIX_CR0);
	ck_assert(!F.cpu.pending_exception.valid);
	fw(&F, VMCS_CR4_GUEST_HOST_MASK, CR4_VMXE);
	fw(&F, VMCS_CR4_READ_SHADOW, 0);
	ic = mov_to_cr(4, CR4_PAE);
	ck_assert_int_eq(hook(&ic), ICPT_CONTINUE);
	ck_assert_uint_eq(ic.u.cr.value, CR4_PAE | CR4_VMXE);
	fw(&F, VMCS_CR0_READ_SHADOW, CR0_NE);     /* now it believes NE=1 */
	ic = mov_to_cr(0, FIX_CR0 & ~CR0_NE);
	ic.u.cr.gpr = GPR_RDX;
	ck_assert_int_eq(hook(&ic), ICPT_SWITCHED);
	ck_assert(!F.v->nonroot);
	ck_assert(!F.cpu.pending_exception.valid);
	ck_assert_uint_eq(fr(&F, VMCS_VM_EXIT_REASON), EXIT_REASON_CR_ACCESS);
	/* Table 28-3: CR 0, type 0 (MOV to CR), register 2 (RDX). */
	ck_assert_uint_eq(fr(&F, VMCS_EXIT_QUALIFICATION), 0 | 0u << 4 | 2u << 8);
}
END_TEST

/* SDM 26.3 / 26.6: with "unrestricted guest" MOV to CR0 may clear PE and
 * PG; NE stays fixed. */
START_TEST(nonroot_unrestricted_guest_pe_pg_exempt)
{
	struct x86_intercept ic;

	enter_with_ept(EPTP_PLAIN, CPU2_UNRESTRICTED_GUEST);
	ic = mov_to_cr(0, CR0_ET | CR0_NE);
	ck_assert_int_eq(hook(&ic), ICPT_CONTINUE);
	ck_assert_uint_eq(ic.u.cr.value, CR0_ET | CR0_NE);
	ic = mov_to_cr(0, CR0_ET | CR0_PE);
	ck_assert_int_eq(hook(&ic), ICPT_FAULT);
	assert_gp0();
	ck_assert(F.v->nonroot);
	/* Without the control the same write is #GP(0). */
	fw(&F, VMCS_SECONDARY_VM_EXEC_CONTROL, CPU2_ENABLE_EPT);
	ic = mov_to_cr(0, CR0_ET | CR0_NE);
	ck_assert_int_eq(hook(&ic), ICPT_FAULT);
	assert_gp0();
}
END_TEST

int main(void)
{
	Suite *s = suite_create("vmx_paging");
	TCase *tc = tcase_create("paging");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, caps_advertise_ept_ad);
	tcase_add_test(tc, eptp_ad_bit_entry_check);
	tcase_add_test(tc, ept_ad_set_by_translation);
	tcase_add_test(tc, guest_walk_access_sets_ept_dirty);
	tcase_add_test(tc, guest_walk_access_without_ad_is_read);
	tcase_add_test(tc, guest_walk_violation_reports_read_and_write);
	tcase_add_test(tc, pdpte_load_is_read_with_ad);
	tcase_add_test(tc, entry_pae_ept_loads_vmcs_pdptes);
	tcase_add_test(tc, entry_pae_without_ept_loads_from_cr3);
	tcase_add_test(tc, entry_pdpte_reserved_bits_fail);
	tcase_add_test(tc, entry_ia32e_guest_leaves_pdptes);
	tcase_add_test(tc, exit_saves_pdptes_with_ept);
	tcase_add_test(tc, exit_loads_host_pdptes);
	tcase_add_test(tc, exit_host_pdpte_reserved_is_abort_2);
	tcase_add_test(tc, exit_to_32bit_host_truncates_sysenter);
	tcase_add_test(tc, root_mov_cr_fixed_bits_gp);
	tcase_add_test(tc, nonroot_unowned_fixed_bit_gp);
	tcase_add_test(tc, nonroot_owned_fixed_bit_exits_or_is_kept);
	tcase_add_test(tc, nonroot_unrestricted_guest_pe_pg_exempt);
	suite_add_tcase(s, tc);
	return fix_run_suite(s);
}
