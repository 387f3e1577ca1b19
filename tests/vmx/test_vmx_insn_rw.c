// SPDX-License-Identifier: MIT
/*
 * VMX instruction side (see test_vmx_insn.c): VMREAD and VMWRITE (operands, widths, failures, exits) and VMCS
 * shadowing (SDM 25.10, 31.3).
 * Part of the vmx_insn test.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "vmx_insn_fixture.h"

/* ===================== VMREAD / VMWRITE ================================ */
static uint64_t pattern(unsigned i)
{
	return 0x8123456789abcdefull ^ ((uint64_t)i * 0x0101010101010101ull);
}

START_TEST(vmrw_roundtrip_all_fields)
{
	unsigned tested = 0;

	vmxon_ok();
	load(VMCS_A);
	for (unsigned i = 0; i < VMCS_FIELD_COUNT; i++) {
		const struct vmcs_field *f = &vmcs_field_table[i];
		uint64_t got = 0, want = pattern(i) & vmcs_width_mask(f->width);

		if (!vmx_feature_supported(&V->caps, f->feature)) {
			ASSERT_FAIL_VALID(vmwrite(f->encoding, pattern(i)),
					  VMXERR_UNSUPPORTED_VMCS_COMPONENT);
			ASSERT_FAIL_VALID(vmread(f->encoding, &got),
					  VMXERR_UNSUPPORTED_VMCS_COMPONENT);
			ck_assert_uint_eq(got, 0x5a5a5a5a5a5a5a5aull);
			continue;
		}
		if (f->access == VMCS_RO) {
			ASSERT_FAIL_VALID(vmwrite(f->encoding, pattern(i)),
					  VMXERR_VMWRITE_READ_ONLY);
			vmcs_write(V, f->encoding, pattern(i));
		} else {
			ASSERT_SUCCEED(vmwrite(f->encoding, pattern(i)));
		}
		ASSERT_SUCCEED(vmread(f->encoding, &got));
		ck_assert_msg(got == want, "%s: %#lx != %#lx", f->name,
			      (unsigned long)got, (unsigned long)want);
		tested++;
	}
	ck_assert_uint_gt(tested, 120);
}
END_TEST

START_TEST(vmrw_high_access)
{
	uint64_t got = 0;

	vmxon_ok();
	load(VMCS_A);
	ASSERT_SUCCEED(vmwrite(VMCS_TSC_OFFSET, 0x1122334455667788ull));
	ASSERT_SUCCEED(vmread(VMCS_TSC_OFFSET | 1, &got));
	ck_assert_uint_eq(got, 0x11223344);
	ASSERT_SUCCEED(vmwrite(VMCS_TSC_OFFSET | 1, 0xffffffffcafebabeull));
	ASSERT_SUCCEED(vmread(VMCS_TSC_OFFSET, &got));
	ck_assert_uint_eq(got, 0xcafebabe55667788ull);
	/* HIGH of a 32-bit / natural / 16-bit field names no component. */
	ASSERT_FAIL_VALID(vmread(VMCS_EXCEPTION_BITMAP | 1, &got),
			  VMXERR_UNSUPPORTED_VMCS_COMPONENT);
	ASSERT_FAIL_VALID(vmwrite(VMCS_GUEST_RIP | 1, 1),
			  VMXERR_UNSUPPORTED_VMCS_COMPONENT);
	ASSERT_FAIL_VALID(vmwrite(VMCS_GUEST_CS_SELECTOR | 1, 1),
			  VMXERR_UNSUPPORTED_VMCS_COMPONENT);
	/* HIGH of a read-only 64-bit field is read-only too. */
	ASSERT_FAIL_VALID(vmwrite(VMCS_GUEST_PHYSICAL_ADDRESS | 1, 1),
			  VMXERR_VMWRITE_READ_ONLY);
}
END_TEST

START_TEST(vmrw_fail_12_unsupported)
{
	uint64_t got;

	vmxon_ok();
	load(VMCS_A);
	/* Not a field; reserved bit 12; bits above 15; bits 63:32. */
	ASSERT_FAIL_VALID(vmread(0x0006, &got),
			  VMXERR_UNSUPPORTED_VMCS_COMPONENT);
	ASSERT_FAIL_VALID(vmread(VMCS_GUEST_RIP | 0x1000, &got),
			  VMXERR_UNSUPPORTED_VMCS_COMPONENT);
	ASSERT_FAIL_VALID(vmwrite(VMCS_GUEST_RIP | 0x10000, 1),
			  VMXERR_UNSUPPORTED_VMCS_COMPONENT);
	ASSERT_FAIL_VALID(vmwrite(VMCS_GUEST_RIP | (1ull << 32), 1),
			  VMXERR_UNSUPPORTED_VMCS_COMPONENT);
	/* Defined by the SDM, but its feature is not advertised. */
	ASSERT_FAIL_VALID(vmread(VMCS_ENCLS_EXITING_BITMAP, &got),
			  VMXERR_UNSUPPORTED_VMCS_COMPONENT);
}
END_TEST

START_TEST(vmrw_fail_13_read_only)
{
	unsigned n = 0;

	vmxon_ok();
	load(VMCS_A);
	for (unsigned i = 0; i < VMCS_FIELD_COUNT; i++) {
		const struct vmcs_field *f = &vmcs_field_table[i];

		if (f->group != VMCS_GRP_EXIT_INFO ||
		    !vmx_feature_supported(&V->caps, f->feature))
			continue;
		vmcs_write(V, f->encoding, 0x42);
		ASSERT_FAIL_VALID(vmwrite(f->encoding, 7),
				  VMXERR_VMWRITE_READ_ONLY);
		/* The failure wrote error 13 to the VM-instruction error
		 * field; the field itself is unchanged. */
		if (f->encoding != VMCS_VM_INSTRUCTION_ERROR)
			ck_assert_uint_eq(vmcs_read(V, f->encoding), 0x42);
		n++;
	}
	ck_assert_uint_eq(n, 15);
}
END_TEST

START_TEST(vmrw_failinvalid_no_current)
{
	uint64_t got;

	vmxon_ok();
	ASSERT_FAIL_INVALID(vmread(VMCS_GUEST_RIP, &got));
	ck_assert_uint_eq(got, 0x5a5a5a5a5a5a5a5aull);
	ASSERT_FAIL_INVALID(vmwrite(VMCS_GUEST_RIP, 1));
}
END_TEST

START_TEST(vmrw_memory_operands_64)
{
	uint64_t v = 0xdeadbeef12345678ull, got = 0;

	vmxon_ok();
	load(VMCS_A);
	gmem_write_u64(&F.mem, SCRATCH, v);
	F.s.gpr[GPR_RDX] = VMCS_GUEST_RSP;
	ASSERT_SUCCEED(run(fake_vmx_mem(VMXI_VMWRITE, SCRATCH, 0, GPR_RDX)));
	gmem_write_u64(&F.mem, SCRATCH + 8, 0);
	ASSERT_SUCCEED(run(fake_vmx_mem(VMXI_VMREAD, SCRATCH + 8, 0, GPR_RDX)));
	gmem_read_u64(&F.mem, SCRATCH + 8, &got);
	ck_assert_uint_eq(got, v);
	/* A 16-bit field is zero-extended to the 64-bit operand. */
	gmem_write_u64(&F.mem, SCRATCH + 8, UINT64_MAX);
	F.s.gpr[GPR_RDX] = VMCS_GUEST_SS_SELECTOR;
	ASSERT_SUCCEED(run(fake_vmx_mem(VMXI_VMWRITE, SCRATCH, 0, GPR_RDX)));
	ASSERT_SUCCEED(run(fake_vmx_mem(VMXI_VMREAD, SCRATCH + 8, 0, GPR_RDX)));
	gmem_read_u64(&F.mem, SCRATCH + 8, &got);
	ck_assert_uint_eq(got, 0x5678);
}
END_TEST

START_TEST(vmrw_32bit_mode_operands)
{
	uint64_t got = 0, mem = 0;

	vmxon_ok();
	load(VMCS_A);
	ASSERT_SUCCEED(vmwrite(VMCS_GUEST_IA32_DEBUGCTL, 0xaaaabbbbccccddddull));
	fake_mode_legacy32(&F);
	/* Encoding register is 32 bits: bits 63:32 are ignored. */
	ASSERT_SUCCEED(vmread(0xffffffff00000000ull | VMCS_GUEST_IA32_DEBUGCTL,
			      &got));
	ck_assert_uint_eq(got, 0xccccdddd);
	ASSERT_SUCCEED(vmread(VMCS_GUEST_IA32_DEBUGCTL | 1, &got));
	ck_assert_uint_eq(got, 0xaaaabbbb);
	/* FULL write of a 64-bit field from 32 bits clears the high half. */
	ASSERT_SUCCEED(vmwrite(VMCS_GUEST_IA32_DEBUGCTL, 0x9999999911112222ull));
	ck_assert_uint_eq(vmcs_read(V, VMCS_GUEST_IA32_DEBUGCTL), 0x11112222);
	ASSERT_SUCCEED(vmwrite(VMCS_GUEST_IA32_DEBUGCTL | 1, 0x33334444));
	ck_assert_uint_eq(vmcs_read(V, VMCS_GUEST_IA32_DEBUGCTL),
			  0x3333444411112222ull);
	/* Natural-width: 32 bits. */
	ASSERT_SUCCEED(vmwrite(VMCS_GUEST_RIP, 0x123456789ull));
	ck_assert_uint_eq(vmcs_read(V, VMCS_GUEST_RIP), 0x23456789);
	/* Memory destination: exactly 4 bytes written. */
	gmem_write_u64(&F.mem, SCRATCH, UINT64_MAX);
	F.s.gpr[GPR_RDX] = VMCS_GUEST_RIP;
	ASSERT_SUCCEED(run(fake_vmx_mem(VMXI_VMREAD, SCRATCH, 0, GPR_RDX)));
	gmem_read_u64(&F.mem, SCRATCH, &mem);
	ck_assert_uint_eq(mem, 0xffffffff23456789ull);
	/* Memory source: 4 bytes read. */
	gmem_write_u64(&F.mem, SCRATCH, 0x7777777700000010ull);
	F.s.gpr[GPR_RDX] = VMCS_CR3_TARGET_COUNT;
	ASSERT_SUCCEED(run(fake_vmx_mem(VMXI_VMWRITE, SCRATCH, 0, GPR_RDX)));
	ck_assert_uint_eq(vmcs_read(V, VMCS_CR3_TARGET_COUNT), 0x10);
}
END_TEST

START_TEST(vmrw_ud_compat_and_outside)
{
	uint64_t got;

	ASSERT_UD(vmread(VMCS_GUEST_RIP, &got));
	ASSERT_UD(vmwrite(VMCS_GUEST_RIP, 1));
	vmxon_ok();
	load(VMCS_A);
	fake_mode_compat(&F);
	ASSERT_UD(vmread(VMCS_GUEST_RIP, &got));
	ASSERT_UD(vmwrite(VMCS_GUEST_RIP, 1));
	fake_mode_v86(&F);
	ASSERT_UD(vmwrite(VMCS_GUEST_RIP, 1));
}
END_TEST

START_TEST(vmrw_gp_cpl3)
{
	uint64_t got;

	vmxon_ok();
	load(VMCS_A);
	fake_set_cpl(&F, 3);
	ASSERT_GP0(vmread(VMCS_GUEST_RIP, &got));
	ASSERT_GP0(vmwrite(VMCS_GUEST_RIP, 1));
}
END_TEST

/* The vmrw shortcut (x86_intercept_ops.vmrw) completes exactly the
 * register forms that VMsucceed in root operation and refuses the rest,
 * leaving them to the full path (whose results the other tests check). */
START_TEST(vmrw_shortcut_only_for_vmsucceed)
{
	uint64_t got = 0;

	ASSERT_UD(vmread(VMCS_GUEST_RIP, &got));          /* outside VMX */
	vmxon_ok();
	ASSERT_FAIL_INVALID(vmwrite(VMCS_GUEST_RIP, 1));  /* no current VMCS */
	load(VMCS_A);
	ck_assert_uint_eq(vmrw_fast_hits, 0);
	ASSERT_SUCCEED(vmwrite(VMCS_GUEST_RIP, 0x1234));
	ASSERT_SUCCEED(vmread(VMCS_GUEST_RIP, &got));
	ck_assert_uint_eq(got, 0x1234);
	ASSERT_SUCCEED(vmread(VMCS_EXIT_QUALIFICATION, &got));
	/* Outside 64-bit mode the encoding operand has 32 bits. */
	fake_mode_legacy32(&F);
	ASSERT_SUCCEED(vmread(0xffffffff00000000ull | VMCS_GUEST_RIP, &got));
	ck_assert_uint_eq(got, 0x1234);
	fake_mode_64(&F);
	ck_assert_uint_eq(vmrw_fast_hits, 4);
	ASSERT_FAIL_VALID(vmwrite(VMCS_EXIT_QUALIFICATION, 1),
			  VMXERR_VMWRITE_READ_ONLY);
	ASSERT_FAIL_VALID(vmread(0x7ffe, &got),
			  VMXERR_UNSUPPORTED_VMCS_COMPONENT);
	fake_set_cpl(&F, 3);
	ASSERT_GP0(vmread(VMCS_GUEST_RIP, &got));
	fake_set_cpl(&F, 0);
	fake_mode_compat(&F);
	ASSERT_UD(vmwrite(VMCS_GUEST_RIP, 1));
	fake_mode_64(&F);
	V->nonroot = true;
	ASSERT_EXIT(vmread(VMCS_GUEST_RIP, &got), EXIT_REASON_VMREAD, 0);
	ck_assert_uint_eq(vmrw_fast_hits, 4);
}
END_TEST

START_TEST(vmrw_pf_memory_operand)
{
	vmxon_ok();
	load(VMCS_A);
	ASSERT_SUCCEED(vmwrite(VMCS_GUEST_RSP, 5));
	F.fault_lo = SCRATCH;
	F.fault_hi = SCRATCH + 1;
	F.s.gpr[GPR_RDX] = VMCS_GUEST_RSP;
	ASSERT_FAULT(run(fake_vmx_mem(VMXI_VMWRITE, SCRATCH, 0, GPR_RDX)), 14);
	ASSERT_FAULT(run(fake_vmx_mem(VMXI_VMREAD, SCRATCH, 0, GPR_RDX)), 14);
	ck_assert_uint_eq(vmcs_read(V, VMCS_GUEST_RSP), 5);
}
END_TEST

START_TEST(vmrw_nonroot_exits)
{
	uint64_t got;

	enter_nonroot();
	ASSERT_EXIT(vmread(VMCS_GUEST_RIP, &got), EXIT_REASON_VMREAD, 0);
	fake_nr.exits = 0;
	F.s.gpr[GPR_RDX] = VMCS_GUEST_RSP;
	ASSERT_EXIT(run(fake_vmx_mem(VMXI_VMWRITE, SCRATCH, 0x44, GPR_RDX)),
		    EXIT_REASON_VMWRITE, 0x44);
}
END_TEST

/* ===================== VMCS shadowing (SDM 25.10, 31.3) =============== */
#define SHADOW    0x5000ull
#define RD_BITMAP 0x6000ull
#define WR_BITMAP 0x7000ull
#define SHADOW_REV (VMX_REVISION_ID | 0x80000000u)

/* VMCS A current and in non-root operation with VMCS shadowing, the link
 * pointer at SHADOW (a shadow VMCS with GUEST_RIP 0x1234 written in root
 * operation), both bitmaps clear. */
static void shadow_setup(void)
{
	uint64_t zero[512] = { 0 };

	vmxon_ok();
	gmem_write_u32(&F.mem, SHADOW, SHADOW_REV);
	load(SHADOW);
	ASSERT_SUCCEED(vmwrite(VMCS_GUEST_RIP, 0x1234));
	load(VMCS_A);
	gmem_write(&F.mem, RD_BITMAP, zero, sizeof(zero));
	gmem_write(&F.mem, WR_BITMAP, zero, sizeof(zero));
	ASSERT_SUCCEED(vmwrite(VMCS_CPU_BASED_VM_EXEC_CONTROL,
			       CPU_ACTIVATE_SECONDARY));
	ASSERT_SUCCEED(vmwrite(VMCS_SECONDARY_VM_EXEC_CONTROL,
			       CPU2_VMCS_SHADOWING));
	ASSERT_SUCCEED(vmwrite(VMCS_VMREAD_BITMAP, RD_BITMAP));
	ASSERT_SUCCEED(vmwrite(VMCS_VMWRITE_BITMAP, WR_BITMAP));
	ASSERT_SUCCEED(vmwrite(VMCS_VMCS_LINK_POINTER, SHADOW));
	ASSERT_SUCCEED(vmwrite(VMCS_GUEST_RIP, 0xaaaa));
	V->nonroot = true;
}

static void bitmap_set(uint64_t bitmap, uint32_t enc)
{
	uint8_t b = 0;

	enc &= 0x7fff;
	gmem_read_u8(&F.mem, bitmap + enc / 8, &b);
	gmem_write_u8(&F.mem, bitmap + enc / 8, b | (1u << (enc % 8)));
}

START_TEST(shadow_vmread_reads_linked_vmcs)
{
	uint64_t got;

	shadow_setup();
	ASSERT_SUCCEED(vmread(VMCS_GUEST_RIP, &got));
	ck_assert_uint_eq(got, 0x1234);
	ck_assert_uint_eq(fake_nr.exits, 0);
	/* HIGH access and width as in root operation. */
	ASSERT_SUCCEED(vmwrite(VMCS_TSC_OFFSET, 0x1122334455667788ull));
	ASSERT_SUCCEED(vmread(VMCS_TSC_OFFSET | 1, &got));
	ck_assert_uint_eq(got, 0x11223344);
	ASSERT_SUCCEED(vmwrite(VMCS_GUEST_ES_SELECTOR, 0x123456));
	ASSERT_SUCCEED(vmread(VMCS_GUEST_ES_SELECTOR, &got));
	ck_assert_uint_eq(got, 0x3456);
	/* The current (ordinary) VMCS is untouched. */
	ck_assert_uint_eq(vmcs_read(V, VMCS_GUEST_RIP), 0xaaaa);
	ck_assert_uint_eq(vmcs_read(V, VMCS_TSC_OFFSET), 0);
}
END_TEST

START_TEST(shadow_vmwrite_writes_linked_vmcs)
{
	uint64_t got;

	shadow_setup();
	ASSERT_SUCCEED(vmwrite(VMCS_GUEST_RSP, 0x7777));
	ck_assert_uint_eq(vmcs_read(V, VMCS_GUEST_RSP), 0);
	V->nonroot = false;
	load(VMCS_B);          /* a VMPTRLD of the shadow reads it back */
	ASSERT_SUCCEED(ptr_insn(VMXI_VMPTRLD, SHADOW));
	ASSERT_SUCCEED(vmread(VMCS_GUEST_RSP, &got));
	ck_assert_uint_eq(got, 0x7777);
	ASSERT_SUCCEED(vmread(VMCS_GUEST_RIP, &got));
	ck_assert_uint_eq(got, 0x1234);
}
END_TEST

START_TEST(shadow_bitmaps_decide_exits)
{
	uint64_t got;

	shadow_setup();
	bitmap_set(RD_BITMAP, VMCS_GUEST_RIP);
	ASSERT_EXIT(vmread(VMCS_GUEST_RIP, &got), EXIT_REASON_VMREAD, 0);
	fake_nr.exits = 0;
	/* The VMREAD bitmap does not intercept VMWRITE, and the reverse. */
	ASSERT_SUCCEED(vmwrite(VMCS_GUEST_RIP, 0x99));
	bitmap_set(WR_BITMAP, VMCS_GUEST_RSP);
	ASSERT_EXIT(vmwrite(VMCS_GUEST_RSP, 1), EXIT_REASON_VMWRITE, 0);
	fake_nr.exits = 0;
	ASSERT_SUCCEED(vmread(VMCS_GUEST_RSP, &got));
	/* Bits 63:15 of the encoding set: exit whatever the bitmap says. */
	ASSERT_EXIT(vmread(0x8000 | VMCS_GUEST_RSP, &got), EXIT_REASON_VMREAD,
		    0);
	fake_nr.exits = 0;
	ASSERT_EXIT(vmwrite(1ull << 32, 0), EXIT_REASON_VMWRITE, 0);
	fake_nr.exits = 0;
	/* A bitmap outside RAM reads as all ones: everything exits. */
	vmcs_write(V, VMCS_VMREAD_BITMAP, MEM_SIZE);
	ASSERT_EXIT(vmread(VMCS_GUEST_CS_SELECTOR, &got), EXIT_REASON_VMREAD,
		    0);
	fake_nr.exits = 0;
	/* VMCS shadowing off: always exits. */
	vmcs_write(V, VMCS_SECONDARY_VM_EXEC_CONTROL, 0);
	ASSERT_EXIT(vmwrite(VMCS_GUEST_CS_SELECTOR, 1), EXIT_REASON_VMWRITE, 0);
	fake_nr.exits = 0;
	/* ... and so does it when the secondary controls are not active. */
	vmcs_write(V, VMCS_SECONDARY_VM_EXEC_CONTROL, CPU2_VMCS_SHADOWING);
	vmcs_write(V, VMCS_CPU_BASED_VM_EXEC_CONTROL, 0);
	ASSERT_EXIT(vmwrite(VMCS_GUEST_CS_SELECTOR, 1), EXIT_REASON_VMWRITE, 0);
}
END_TEST

START_TEST(shadow_vmrw_failures)
{
	uint64_t got = 0;

	shadow_setup();
	/* Unsupported / read-only component: VMfailValid into the current
	 * (ordinary) VMCS, the shadow VMCS unchanged. */
	ASSERT_FAIL_VALID(vmread(0x7fff, &got), VMXERR_UNSUPPORTED_VMCS_COMPONENT);
	ck_assert_uint_eq(got, 0x5a5a5a5a5a5a5a5aull);
	ASSERT_FAIL_VALID(vmwrite(VMCS_VM_EXIT_REASON, 1),
			  VMXERR_VMWRITE_READ_ONLY);
	ck_assert_uint_eq(vmcs_region_read(&F.mem, SHADOW,
					   VMCS_VM_INSTRUCTION_ERROR), 0);
	ck_assert_uint_eq(vmcs_region_read(&F.mem, SHADOW,
					   VMCS_VM_EXIT_REASON), 0);
	/* CPL > 0 after the exit decision: #GP(0). */
	fake_set_cpl(&F, 3);
	ASSERT_GP0(vmread(VMCS_GUEST_RIP, &got));
	fake_set_cpl(&F, 0);
	/* Link pointer all ones: VMfailInvalid. */
	vmcs_write(V, VMCS_VMCS_LINK_POINTER, UINT64_MAX);
	ASSERT_FAIL_INVALID(vmread(VMCS_GUEST_RIP, &got));
	ASSERT_FAIL_INVALID(vmwrite(VMCS_GUEST_RIP, 1));
	ck_assert_uint_eq(fake_nr.exits, 0);
}
END_TEST

START_TEST(shadow_vmcs_current_in_root)
{
	uint64_t got, ptr;

	vmxon_ok();
	gmem_write_u32(&F.mem, SHADOW, SHADOW_REV);
	/* VMPTRLD of a shadow VMCS succeeds; VMREAD, VMWRITE and VMPTRST
	 * work on it; VM entry fails with VMfailInvalid (SDM 27.1). */
	load(SHADOW);
	ASSERT_SUCCEED(vmwrite(VMCS_GUEST_RIP, 0x55));
	ASSERT_SUCCEED(vmread(VMCS_GUEST_RIP, &got));
	ck_assert_uint_eq(got, 0x55);
	ASSERT_SUCCEED(run(fake_vmx_mem(VMXI_VMPTRST, SCRATCH, 0, 0)));
	gmem_read_u64(&F.mem, SCRATCH, &ptr);
	ck_assert_uint_eq(ptr, SHADOW);
	ASSERT_FAIL_INVALID(simple(VMXI_VMLAUNCH));
	vmx_set_launched(V, true);
	ASSERT_FAIL_INVALID(simple(VMXI_VMRESUME));
	ck_assert_uint_eq(fake_nr.entries, 0);
	/* VMCLEAR writes it back and keeps the indicator. */
	ASSERT_SUCCEED(ptr_insn(VMXI_VMCLEAR, SHADOW));
	ck_assert_uint_eq(vmcs_region_revision(&F.mem, SHADOW), SHADOW_REV);
	ck_assert_uint_eq(vmcs_region_read(&F.mem, SHADOW, VMCS_GUEST_RIP),
			  0x55);
	/* VMXON still refuses a region with the indicator set. */
	ASSERT_SUCCEED(simple(VMXI_VMXOFF));
	ASSERT_FAIL_INVALID(ptr_insn(VMXI_VMXON, SHADOW));
}
END_TEST

void vmx_insn_rw_tests(TCase *t)
{
#define T(name) tcase_add_test(t, name)
	T(vmrw_roundtrip_all_fields); T(vmrw_high_access);
	T(vmrw_fail_12_unsupported); T(vmrw_fail_13_read_only);
	T(vmrw_failinvalid_no_current); T(vmrw_memory_operands_64);
	T(vmrw_32bit_mode_operands); T(vmrw_ud_compat_and_outside); T(vmrw_gp_cpl3);
	T(vmrw_shortcut_only_for_vmsucceed);
	T(vmrw_pf_memory_operand); T(vmrw_nonroot_exits);
	T(shadow_vmread_reads_linked_vmcs); T(shadow_vmwrite_writes_linked_vmcs);
	T(shadow_bitmaps_decide_exits); T(shadow_vmrw_failures);
	T(shadow_vmcs_current_in_root);
#undef T
}
