// SPDX-License-Identifier: MIT
/*
 * VMREAD / VMWRITE of every VMCS field vmxbox supports (SDM 25.11.2,
 * Appendix B, 31.3 VMREAD/VMWRITE): values round-trip truncated to the
 * field width, 64-bit fields have a working "high" access, read-only
 * fields refuse VMWRITE, invalid encodings fail with error 12.
 */
#include "vmxtest.h"

static uint64_t width_mask(uint32_t enc)
{
	switch (VMCS_ENC_WIDTH(enc)) {
	case VMCS_WIDTH_16: return 0xffff;
	case VMCS_WIDTH_32: return 0xffffffff;
	default: return ~0ULL;
	}
}

/* A value that is architecturally storable: access-rights fields keep
 * only bits 16, 15:12 and 7:0 (25.4.1). */
static uint64_t pattern(uint32_t enc, unsigned i)
{
	uint64_t p = 0x8badf00d5a5a0000ULL ^ ((uint64_t)i * 0x10001ULL) ^ enc;

	if (enc >= GUEST_ES_AR_BYTES && enc <= GUEST_TR_AR_BYTES)
		p &= 0x1f0ff;
	return p & width_mask(enc);
}

static void test_field(const struct vmcs_field_desc *f, unsigned i,
		       bool vmwrite_any)
{
	uint64_t before = 0, got = 0, p = pattern(f->encoding, i);
	bool ro = VMCS_ENC_TYPE(f->encoding) == VMCS_TYPE_EXIT_INFO;
	int r = vmread(f->encoding, &before);

	if (r == VMX_FAIL_VALID && vmx_insn_error() == VMXERR_UNSUPPORTED_FIELD)
		return;		/* not supported here: checked elsewhere */
	if (ro && !vmwrite_any) {
		expect_vmx(vmwrite(f->encoding, p), VMX_FAIL_VALID,
			   VMXERR_VMWRITE_READ_ONLY, "vmwrite read-only %s",
			   f->name);
		vmread(f->encoding, &got);
		/* The failing VMWRITE itself sets the error field. */
		expect_eq(got, f->encoding == VM_INSTRUCTION_ERROR ?
			  VMXERR_VMWRITE_READ_ONLY : before,
			  "read-only %s unchanged", f->name);
		return;
	}
	r = vmwrite(f->encoding, p);
	if (!expect_vmx(r, VMX_SUCCEED, 0, "vmwrite %s", f->name))
		return;
	r = vmread(f->encoding, &got);
	expect_eq(got, p, "vmread %s", f->name);
	/* 64-bit fields: the high access reaches bits 63:32 only. */
	if (VMCS_ENC_WIDTH(f->encoding) == VMCS_WIDTH_64) {
		uint64_t hi = 0;

		vmread(VMCS_HIGH(f->encoding), &hi);
		expect_eq(hi, p >> 32, "vmread high %s", f->name);
		vmwrite(VMCS_HIGH(f->encoding), 0xfeedbeefULL);
		vmread(f->encoding, &got);
		expect_eq(got, (0xfeedbeefULL << 32) | (p & 0xffffffffULL),
			  "vmwrite high %s", f->name);
	}
}

/* Fields whose capability is advertised must exist (Appendix B notes). */
static void test_required(void)
{
	static const struct {
		uint32_t enc;
		uint64_t *cap;
		uint32_t bit;
	} req[] = {
		{ GUEST_RIP, NULL, 0 },
		{ HOST_RIP, NULL, 0 },
		{ TSC_OFFSET, NULL, 0 },
		{ CR3_TARGET_VALUE3, NULL, 0 },
		{ SECONDARY_VM_EXEC_CONTROL, &vmx_caps.proc_ctl, CPU_ACTIVATE_SECONDARY },
		{ EPT_POINTER, &vmx_caps.proc2, SEC_ENABLE_EPT },
		{ GUEST_PDPTE0, &vmx_caps.proc2, SEC_ENABLE_EPT },
		{ VIRTUAL_PROCESSOR_ID, &vmx_caps.proc2, SEC_ENABLE_VPID },
		{ VM_FUNCTION_CONTROLS, &vmx_caps.proc2, SEC_ENABLE_VMFUNC },
		{ VMX_PREEMPTION_TIMER_VALUE, &vmx_caps.pin_ctl, PIN_PREEMPTION_TIMER },
		{ GUEST_IA32_EFER, &vmx_caps.entry_ctl, ENTRY_LOAD_IA32_EFER },
		{ HOST_IA32_EFER, &vmx_caps.exit_ctl, EXIT_LOAD_IA32_EFER },
		{ GUEST_IA32_PAT, &vmx_caps.entry_ctl, ENTRY_LOAD_IA32_PAT },
		{ HOST_IA32_PAT, &vmx_caps.exit_ctl, EXIT_LOAD_IA32_PAT },
	};
	unsigned max_index = (unsigned)(vmx_caps.vmcs_enum >> 1) & 0x1ff;

	for (unsigned i = 0; i < ARRAY_SIZE(req); i++) {
		uint64_t v = 0;

		if (req[i].cap && !vmx_ctl_allowed1(*req[i].cap, req[i].bit))
			continue;
		expect_vmx(vmread(req[i].enc, &v), VMX_SUCCEED, 0,
			   "field %s exists", vmcs_field_name(req[i].enc));
	}
	/* VMCS_ENUM[9:1] is the highest index of any supported field (A.9). */
	vmx_check_deliberate(true);
	for (unsigned i = 0; i < vmcs_field_count; i++) {
		uint64_t v = 0;
		uint32_t enc = vmcs_field_table[i].encoding;

		if (vmread(enc, &v) == VMX_SUCCEED && VMCS_ENC_INDEX(enc) > max_index)
			report(false, "field %s index above vmcs_enum",
			       vmcs_field_table[i].name);
	}
	vmx_check_deliberate(false);
	report(true, "supported field indexes within vmcs_enum");
}

static void test_invalid_encodings(void)
{
	static const struct {
		uint64_t enc;
		const char *name;
	} bad[] = {
		{ 0x0001, "high access of a 16-bit field" },
		{ 0x4001, "high access of a 32-bit field" },
		{ 0x6801, "high access of a natural-width field" },
		{ 0x1000 | GUEST_RIP, "reserved encoding bit 12" },
		{ 0x8000 | GUEST_RIP, "reserved encoding bit 15" },
		{ (1ULL << 32) | GUEST_RIP, "encoding with bits 63:32 set" },
		{ 0x0bfe, "index 511 of 16-bit guest state" },
		{ 0x6ffe, "index 511 of natural-width host state" },
	};
	uint64_t v = 0x1234;

	vmx_check_deliberate(true);
	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		expect_vmx(vmread(bad[i].enc, &v), VMX_FAIL_VALID,
			   VMXERR_UNSUPPORTED_FIELD, "vmread %s", bad[i].name);
		expect_vmx(vmwrite(bad[i].enc, 0), VMX_FAIL_VALID,
			   VMXERR_UNSUPPORTED_FIELD, "vmwrite %s", bad[i].name);
	}
	vmx_check_deliberate(false);
	expect_eq(v, 0x1234, "failed vmread leaves destination");
}

/*
 * VMsucceed clears CF, PF, AF, ZF, SF and OF (SDM 31.2) whatever the
 * arithmetic instruction just before left in them: 2^63 + 2^63 sets CF,
 * PF, ZF and OF; 0 - 1 sets CF, PF, AF and SF.
 */
static void test_flags_cleared(void)
{
	uint64_t field = GUEST_RIP, v = 0, fr, fw;
	uint64_t a = 1ull << 63, b = 0;

	asm volatile("add %[a], %[a]\n\t"
		     "vmread %[f], %[v]\n\t"
		     "pushfq\n\t"
		     "pop %[fr]\n\t"
		     "sub $1, %[b]\n\t"
		     "vmwrite %[v], %[f]\n\t"
		     "pushfq\n\t"
		     "pop %[fw]"
		     : [a] "+r"(a), [b] "+r"(b), [v] "+r"(v), [fr] "=&r"(fr),
		       [fw] "=&r"(fw)
		     : [f] "r"(field) : "cc", "memory");
	expect_eq(fr & 0x8d5, 0, "vmread after add: arithmetic flags clear");
	expect_eq(fw & 0x8d5, 0, "vmwrite after sub: arithmetic flags clear");
}

int main(void)
{
	uint64_t vmcs;
	unsigned supported = 0;
	bool any = false;

	printf("vmxbox nested test: vmread/vmwrite\n");
	vmxtest_enable();
	vmcs = (uint64_t)vmx_alloc_region();
	vmclear(vmcs);
	vmptrld(vmcs);
	any = vmx_caps.misc & VMX_MISC_VMWRITE_ANY;
	test_section("every field");
	/* Every field of the SDM, supported or not: VMfailValid(12) on
	 * purpose (--vmx-check). */
	vmx_check_deliberate(true);
	for (unsigned i = 0; i < vmcs_field_count; i++) {
		uint64_t v = 0;

		if (vmread(vmcs_field_table[i].encoding, &v) == VMX_SUCCEED)
			supported++;
		test_field(&vmcs_field_table[i], i, any);
	}
	vmx_check_deliberate(false);
	printf("%u of %u architectural fields supported\n", supported,
	       vmcs_field_count);
	test_section("required fields");
	test_required();
	test_section("invalid encodings");
	test_invalid_encodings();
	test_section("flags after vmsucceed");
	test_flags_cleared();
	vmclear(vmcs);
	vmx_disable();
	return test_summary();
}
