// SPDX-License-Identifier: MIT
/*
 * Both sides of each VM-entry check (src/vmx/entry_checks.c), evaluated
 * on the row itself: a setting just inside the rule passes it, one just
 * outside fails it.  test_vmx_entry's broken_check breaks each row once
 * through VMLAUNCH; this covers every clause of a row, in particular the
 * rows whose controls our capabilities never let a VMLAUNCH reach (an
 * earlier reserved-bit row fails first): posted interrupts, APIC
 * virtualization, dual-monitor treatment (SDM 27.2.1.1, 27.2.1.3).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "vmx/entry_checks.h"
#include "vmxb_fixture.h"

enum { OP_END, OP_SET, OP_OR, OP_CLR };
struct edit {
	uint8_t op;
	uint32_t enc;
	uint64_t val;
};

#define SET(e, v) { OP_SET, VMCS_##e, (v) }
#define OR(e, v)  { OP_OR, VMCS_##e, (v) }
#define CLR(e, v) { OP_CLR, VMCS_##e, (v) }
#define SEC(bits) OR(CPU_BASED_VM_EXEC_CONTROL, CPU_ACTIVATE_SECONDARY), \
		  OR(SECONDARY_VM_EXEC_CONTROL, (bits))
#define PIN(bits) OR(PIN_BASED_VM_EXEC_CONTROL, (bits))
#define PROC(bits) OR(CPU_BASED_VM_EXEC_CONTROL, (bits))
#define INJ(v) SET(VM_ENTRY_INTR_INFO_FIELD, INTR_INFO_VALID | (v))
#define T(t) ((uint32_t)(t) << 8)
#define PA_BEYOND (1ull << CPU_MODEL_MAXPHYADDR_DEFAULT)
#define DBG_BS (1ull << 14)	/* pending debug exceptions BS */
/* Four edits: a virtual-8086 segment with this selector (SDM 26.3.1.2). */
#define V86SEG(s, sel) SET(GUEST_##s##_SELECTOR, (sel)), \
	SET(GUEST_##s##_BASE, (uint64_t)(sel) << 4), \
	SET(GUEST_##s##_LIMIT, 0xffff), SET(GUEST_##s##_AR_BYTES, 0xf3)

struct bound {
	const char *check;	/* the row of vmx_entry_checks[] */
	bool ok;		/* what the row must say */
	const char *what;
	struct edit e[32];
};

/* Posted interrupts (27.2.1.1): virtual-interrupt delivery, acknowledge
 * interrupt on exit, vector bits 15:8 zero, 64-byte aligned descriptor
 * within MAXPHYADDR. */
#define POSTED_OK PIN(PIN_POSTED_INTR), SEC(CPU2_VIRT_INTR_DELIVERY), \
	OR(VM_EXIT_CONTROLS, EXIT_CTL_ACK_INTR_ON_EXIT), SET(POSTED_INTR_NV, 0xf2)

static const struct bound bounds[] = {
	{ "posted interrupts", true, "all conditions met",
	  { POSTED_OK, SET(POSTED_INTR_DESC_ADDR, 0x1040) } },
	{ "posted interrupts", false, "descriptor bit 0",
	  { POSTED_OK, SET(POSTED_INTR_DESC_ADDR, 0x1041) } },
	{ "posted interrupts", false, "descriptor bit 5",
	  { POSTED_OK, SET(POSTED_INTR_DESC_ADDR, 0x1020) } },
	{ "posted interrupts", false, "descriptor beyond MAXPHYADDR",
	  { POSTED_OK, SET(POSTED_INTR_DESC_ADDR, PA_BEYOND) } },
	{ "posted interrupts", false, "vector bit 8",
	  { POSTED_OK, SET(POSTED_INTR_DESC_ADDR, 0x1040),
	    SET(POSTED_INTR_NV, 0x100) } },
	{ "posted interrupts", false, "no acknowledge on exit",
	  { POSTED_OK, SET(POSTED_INTR_DESC_ADDR, 0x1040),
	    CLR(VM_EXIT_CONTROLS, EXIT_CTL_ACK_INTR_ON_EXIT) } },
	{ "posted interrupts", false, "no virtual-interrupt delivery",
	  { POSTED_OK, SET(POSTED_INTR_DESC_ADDR, 0x1040),
	    CLR(SECONDARY_VM_EXEC_CONTROL, CPU2_VIRT_INTR_DELIVERY) } },
	{ "x2APIC mode excludes APIC-access virtualization", true,
	  "x2APIC mode alone", { SEC(CPU2_VIRT_X2APIC_MODE) } },
	{ "x2APIC mode excludes APIC-access virtualization", true,
	  "APIC accesses alone", { SEC(CPU2_VIRT_APIC_ACCESSES) } },
	{ "x2APIC mode excludes APIC-access virtualization", false,
	  "both", { SEC(CPU2_VIRT_X2APIC_MODE | CPU2_VIRT_APIC_ACCESSES) } },
	{ "virtual-interrupt delivery needs external-interrupt exiting", true,
	  "with external-interrupt exiting",
	  { SEC(CPU2_VIRT_INTR_DELIVERY), PIN(PIN_EXT_INTR_EXITING) } },
	{ "virtual-interrupt delivery needs external-interrupt exiting", false,
	  "without", { SEC(CPU2_VIRT_INTR_DELIVERY) } },
	{ "APIC-access address", true, "aligned",
	  { SEC(CPU2_VIRT_APIC_ACCESSES), SET(APIC_ACCESS_ADDR, 0x5000) } },
	{ "APIC-access address", false, "unaligned",
	  { SEC(CPU2_VIRT_APIC_ACCESSES), SET(APIC_ACCESS_ADDR, 0x5800) } },
	{ "APIC-access address", false, "beyond MAXPHYADDR",
	  { SEC(CPU2_VIRT_APIC_ACCESSES), SET(APIC_ACCESS_ADDR, PA_BEYOND) } },
	{ "APIC virtualization needs TPR shadow", false,
	  "APIC-register virtualization", { SEC(CPU2_APIC_REGISTER_VIRT) } },
	{ "APIC virtualization needs TPR shadow", false,
	  "virtual-interrupt delivery", { SEC(CPU2_VIRT_INTR_DELIVERY) } },
	{ "APIC virtualization needs TPR shadow", true, "with TPR shadow",
	  { SEC(CPU2_VIRT_X2APIC_MODE | CPU2_APIC_REGISTER_VIRT),
	    PROC(CPU_USE_TPR_SHADOW) } },
	{ "TPR threshold bits 31:4", true,
	  "any threshold with virtual-interrupt delivery",
	  { PROC(CPU_USE_TPR_SHADOW), SEC(CPU2_VIRT_INTR_DELIVERY),
	    SET(TPR_THRESHOLD, 0x10) } },
	{ "TPR threshold bits 31:4", true, "bits 3:0 only",
	  { PROC(CPU_USE_TPR_SHADOW), SET(VIRTUAL_APIC_PAGE_ADDR, FIX_VAPIC),
	    SET(TPR_THRESHOLD, 0xf) } },
	{ "TPR threshold not above VTPR", true,
	  "not checked with APIC-access virtualization",
	  { PROC(CPU_USE_TPR_SHADOW), SET(VIRTUAL_APIC_PAGE_ADDR, FIX_VAPIC),
	    SEC(CPU2_VIRT_APIC_ACCESSES), SET(TPR_THRESHOLD, 0xf) } },
	{ "TPR threshold not above VTPR", false, "threshold above VTPR 0",
	  { PROC(CPU_USE_TPR_SHADOW), SET(VIRTUAL_APIC_PAGE_ADDR, FIX_VAPIC),
	    SET(TPR_THRESHOLD, 1) } },
	{ "virtual-APIC address", true, "TPR shadow off: anything",
	  { SET(VIRTUAL_APIC_PAGE_ADDR, 0x123) } },
	{ "virtualization-exception information address", true, "aligned",
	  { SEC(CPU2_EPT_VIOLATION_VE), SET(VE_INFO_ADDRESS, 0x6000) } },
	{ "virtualization-exception information address", false, "unaligned",
	  { SEC(CPU2_EPT_VIOLATION_VE), SET(VE_INFO_ADDRESS, 0x6004) } },
	{ "PML address and EPT", false, "PML without EPT",
	  { SEC(CPU2_ENABLE_PML), SET(PML_ADDRESS, 0x7000) } },
	{ "PML address and EPT", false, "unaligned PML address",
	  { SEC(CPU2_ENABLE_PML | CPU2_ENABLE_EPT), SET(PML_ADDRESS, 0x7010) } },
	{ "PML address and EPT", true, "PML with EPT, aligned",
	  { SEC(CPU2_ENABLE_PML | CPU2_ENABLE_EPT), SET(PML_ADDRESS, 0x7000) } },
	{ "VM-function controls", true, "no function",
	  { SEC(CPU2_ENABLE_VMFUNC), SET(VM_FUNCTION_CONTROL, 0) } },
	{ "VM-function controls", false, "EPTP switching without EPT",
	  { SEC(CPU2_ENABLE_VMFUNC), SET(VM_FUNCTION_CONTROL, 1),
	    SET(EPTP_LIST_ADDRESS, 0x8000) } },
	{ "VM-function controls", false, "EPTP list unaligned",
	  { SEC(CPU2_ENABLE_VMFUNC | CPU2_ENABLE_EPT),
	    SET(VM_FUNCTION_CONTROL, 1), SET(EPTP_LIST_ADDRESS, 0x8008) } },
	{ "VM-function controls", true, "EPTP switching with EPT",
	  { SEC(CPU2_ENABLE_VMFUNC | CPU2_ENABLE_EPT),
	    SET(VM_FUNCTION_CONTROL, 1), SET(EPTP_LIST_ADDRESS, 0x8000) } },
	{ "VMREAD/VMWRITE bitmap addresses", false, "VMWRITE bitmap unaligned",
	  { SEC(CPU2_VMCS_SHADOWING), SET(VMREAD_BITMAP, 0x9000),
	    SET(VMWRITE_BITMAP, 0xa001) } },
	{ "VMREAD/VMWRITE bitmap addresses", true, "both aligned",
	  { SEC(CPU2_VMCS_SHADOWING), SET(VMREAD_BITMAP, 0x9000),
	    SET(VMWRITE_BITMAP, 0xa000) } },
	{ "save preemption timer needs the timer", true, "with the timer",
	  { PIN(PIN_PREEMPTION_TIMER),
	    OR(VM_EXIT_CONTROLS, EXIT_CTL_SAVE_PREEMPT_TIMER) } },
	{ "entry to SMM / deactivate dual-monitor outside SMM", false,
	  "deactivate dual-monitor treatment",
	  { OR(VM_ENTRY_CONTROLS, ENTRY_CTL_DEACT_DUAL_MONITOR) } },
	{ "event injection: instruction length", true, "length 15",
	  { INJ(T(EVT_SW_INTR) | 0x30), SET(VM_ENTRY_INSTRUCTION_LEN, 15) } },
	{ "event injection: instruction length", false,
	  "software exception length 16",
	  { INJ(T(EVT_SW_EXCEPTION) | 3), SET(VM_ENTRY_INSTRUCTION_LEN, 16) } },
	{ "event injection: instruction length", true,
	  "hardware exception: length not checked",
	  { INJ(T(EVT_HW_EXCEPTION) | 6), SET(VM_ENTRY_INSTRUCTION_LEN, 0) } },
	{ "event injection: vector", true, "other event, vector 0",
	  { INJ(T(EVT_OTHER)) } },
	{ "event injection: vector", true, "software interrupt vector 255",
	  { INJ(T(EVT_SW_INTR) | 0xff), SET(VM_ENTRY_INSTRUCTION_LEN, 2) } },
	{ "event injection: deliver error code", true, "#DF with error code",
	  { INJ(T(EVT_HW_EXCEPTION) | 8 | INTR_INFO_DELIVER_CODE) } },
	{ "event injection: deliver error code", false, "#CP-like vector 21",
	  { INJ(T(EVT_HW_EXCEPTION) | 21 | INTR_INFO_DELIVER_CODE) } },
	{ "interruptibility: virtual-NMI blocking and NMI injection", true,
	  "NMI blocking without virtual NMIs",
	  { PIN(PIN_NMI_EXITING), INJ(T(EVT_NMI) | 2),
	    SET(GUEST_INTERRUPTIBILITY_INFO, INTR_BLOCK_NMI) } },
	{ "pending debug exceptions BS vs TF/BTF", true,
	  "HLT state, TF and BS",
	  { SET(GUEST_ACTIVITY_STATE, ACTIVITY_HLT),
	    SET(GUEST_RFLAGS, RFLAGS_FIXED1 | RFLAGS_TF),
	    SET(GUEST_PENDING_DBG_EXCEPTIONS, DBG_BS) } },
	{ "pending debug exceptions BS vs TF/BTF", false,
	  "HLT state, BS without TF",
	  { SET(GUEST_ACTIVITY_STATE, ACTIVITY_HLT),
	    SET(GUEST_PENDING_DBG_EXCEPTIONS, DBG_BS) } },
	{ "pending debug exceptions BS vs TF/BTF", false,
	  "STI blocking, TF and BTF with BS",
	  { SET(GUEST_RFLAGS, RFLAGS_FIXED1 | RFLAGS_TF | RFLAGS_IF),
	    SET(GUEST_IA32_DEBUGCTL, 2),
	    SET(GUEST_INTERRUPTIBILITY_INFO, INTR_BLOCK_STI),
	    SET(GUEST_PENDING_DBG_EXCEPTIONS, DBG_BS) } },
	{ "host SS selector not null (32-bit host)", true, "64-bit host, null SS",
	  { SET(HOST_SS_SELECTOR, 0) } },
	{ "guest SS.RPL = CS.RPL", true, "unrestricted guest: not checked",
	  { SEC(CPU2_UNRESTRICTED_GUEST | CPU2_ENABLE_EPT),
	    SET(GUEST_SS_SELECTOR, 0x13) } },
	{ "guest LDTR selector TI", true, "unusable LDTR with TI",
	  { SET(GUEST_LDTR_SELECTOR, 0x24) } },
	{ "guest DS/ES/FS/GS access rights", true, "conforming code, DPL < RPL",
	  { SET(GUEST_DS_SELECTOR, 0x13), SET(GUEST_DS_AR_BYTES, 0xc09f) } },
	/* Virtual-8086 guest (27.3.1.2): base = selector << 4, limit
	 * 0xffff, access rights 0xf3 in ES..GS. */
	{ "virtual-8086 segments", true, "selector 0x1234, base 0x12340",
	  { OR(GUEST_RFLAGS, RFLAGS_VM), V86SEG(ES, 0x1234), V86SEG(CS, 0x2000),
	    V86SEG(SS, 0x30), V86SEG(DS, 0x1234), V86SEG(FS, 0x7),
	    V86SEG(GS, 0xf000) } },
	{ "virtual-8086 segments", false, "DS base off by one",
	  { OR(GUEST_RFLAGS, RFLAGS_VM), V86SEG(ES, 0), V86SEG(CS, 0),
	    V86SEG(SS, 0), V86SEG(FS, 0), V86SEG(GS, 0),
	    SET(GUEST_DS_BASE, 0x12341) } },
	/* Types (26.3.1.2): accessed; a code segment must be readable. */
	{ "guest DS/ES/FS/GS access rights", true, "read-only data, accessed",
	  { SET(GUEST_DS_AR_BYTES, 0xc091) } },
	{ "guest DS/ES/FS/GS access rights", false, "data, not accessed",
	  { SET(GUEST_ES_AR_BYTES, 0xc092) } },
	{ "guest DS/ES/FS/GS access rights", true, "execute/read code",
	  { SET(GUEST_FS_AR_BYTES, 0xc09b) } },
	{ "guest DS/ES/FS/GS access rights", false, "execute-only code",
	  { SET(GUEST_GS_AR_BYTES, 0xc099) } },
	{ "guest TR access rights", true, "limit 0xfffff without G",
	  { SET(GUEST_TR_LIMIT, 0xfffff) } },
};
#define N_BOUNDS (sizeof(bounds) / sizeof(bounds[0]))

START_TEST(row_boundary)
{
	const struct bound *b = &bounds[_i];
	const struct entry_check *row = entry_check_find(b->check);
	struct entry_env env;
	struct fix f;

	ck_assert_msg(row != NULL, "unknown row %s", b->check);
	fix_init(&f, true);
	fix_baseline(&f);
	for (unsigned i = 0; i < 32 && b->e[i].op != OP_END; i++) {
		const struct edit *e = &b->e[i];

		if (e->op == OP_SET)
			fw(&f, e->enc, e->val);
		else if (e->op == OP_OR)
			fset(&f, e->enc, e->val);
		else
			fclr(&f, e->enc, e->val);
	}
	entry_env_init(&env, f.v, &f.mem, &f.cpu);
	ck_assert_msg(row->ok(&env) == b->ok, "%s, %s: row says %s", b->check,
		      b->what, b->ok ? "fail" : "pass");
	fix_fini(&f);
}
END_TEST

/* Injection type 7 (other event: a pending MTF VM exit) needs the CPU to
 * support the monitor trap flag (SDM 27.2.1.3); a model without MTF
 * refuses it, types 0-6 other than 1 stay allowed. */
START_TEST(other_event_injection_needs_mtf)
{
	const struct entry_check *row = entry_check_find("event injection: interruption type");
	struct entry_env env;
	struct fix f;

	ck_assert_ptr_nonnull(row);
	fix_init(&f, true);
	fix_baseline(&f);
	f.v->caps.proc.may1 &= ~CPU_MONITOR_TRAP_FLAG;
	fw(&f, VMCS_VM_ENTRY_INTR_INFO_FIELD, INTR_INFO_VALID | T(EVT_OTHER));
	entry_env_init(&env, f.v, &f.mem, &f.cpu);
	ck_assert(!row->ok(&env));
	fw(&f, VMCS_VM_ENTRY_INTR_INFO_FIELD, INTR_INFO_VALID | T(3) | 13);
	entry_env_init(&env, f.v, &f.mem, &f.cpu);
	ck_assert(row->ok(&env));
	f.v->caps.proc.may1 |= CPU_MONITOR_TRAP_FLAG;
	fw(&f, VMCS_VM_ENTRY_INTR_INFO_FIELD, INTR_INFO_VALID | T(EVT_OTHER));
	entry_env_init(&env, f.v, &f.mem, &f.cpu);
	ck_assert(row->ok(&env));
	fix_fini(&f);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("vmx_entry_bounds");
	TCase *tc = tcase_create("bounds");

	tcase_add_loop_test(tc, row_boundary, 0, N_BOUNDS);
	tcase_add_test(tc, other_event_injection_needs_mtf);
	suite_add_tcase(s, tc);
	return fix_run_suite(s);
}
