// SPDX-License-Identifier: MIT
/*
 * VM entry: the check tables (SDM 27.2, 27.3.1) broken one rule at a time,
 * guest-state loading, the VM-entry MSR-load list and event injection.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "vmx/entry_checks.h"
#include "vmx/exit_info.h"
#include "vmxb_fixture.h"

enum { OP_END, OP_SET, OP_OR, OP_CLR };
struct edit {
	uint8_t op;
	uint32_t enc;
	uint64_t val;
};
/* The lowest physical address beyond MAXPHYADDR of the fixture model. */
#define PA_BEYOND (1ull << CPU_MODEL_MAXPHYADDR_DEFAULT)

#define SET_(e, v) { OP_SET, VMCS_##e, (v) }
#define OR_(e, v)  { OP_OR, VMCS_##e, (v) }
#define CLR_(e, v) { OP_CLR, VMCS_##e, (v) }
#define SET(e, v) SET_(e, v)
#define OR(e, v)  OR_(e, v)
#define CLR(e, v) CLR_(e, v)

#define PIN  PIN_BASED_VM_EXEC_CONTROL
#define PROC CPU_BASED_VM_EXEC_CONTROL
#define PROC2 SECONDARY_VM_EXEC_CONTROL
#define EXIT VM_EXIT_CONTROLS
#define ENTRY VM_ENTRY_CONTROLS
#define INJ VM_ENTRY_INTR_INFO_FIELD
#define SEC(bits) OR(PROC, CPU_ACTIVATE_SECONDARY), OR(PROC2, (bits))
#define INTR GUEST_INTERRUPTIBILITY_INFO
#define V INTR_INFO_VALID
#define T(t) ((uint32_t)(t) << 8)

/* Guest as 32-bit protected mode with paging (no IA-32e). */
static void guest32(struct fix *f)
{
	fclr(f, VMCS_VM_ENTRY_CONTROLS, ENTRY_CTL_IA32E_MODE_GUEST);
	fw(f, VMCS_GUEST_IA32_EFER, EFER_SCE);
	fw(f, VMCS_GUEST_CS_AR_BYTES, 0xc09b);
}
static void l1_legacy(struct fix *f)
{
	f->cpu.efer = 0;
}
static void v86_guest(struct fix *f)
{
	guest32(f);
	fw(f, VMCS_GUEST_RFLAGS, RFLAGS_FIXED1 | RFLAGS_VM);
}
static void hlt_dpl3(struct fix *f)
{
	fw(f, VMCS_GUEST_CS_SELECTOR, 0x0b);
	fw(f, VMCS_GUEST_CS_AR_BYTES, 0xa0fb);
	fw(f, VMCS_GUEST_SS_SELECTOR, 0x13);
	fw(f, VMCS_GUEST_SS_AR_BYTES, 0xc0f3);
	fw(f, VMCS_GUEST_ACTIVITY_STATE, ACTIVITY_HLT);
}
static void link_bad_rev(struct fix *f)
{
	gmem_write_u32(&f->mem, FIX_LINK, VMX_REVISION_ID + 1);
	fw(f, VMCS_VMCS_LINK_POINTER, FIX_LINK);
}
static void link_is_current(struct fix *f)
{
	fw(f, VMCS_VMCS_LINK_POINTER, FIX_VMCS);
}
static void pae_bad_pdpte(struct fix *f)
{
	guest32(f);
	fw(f, VMCS_GUEST_CR3, 0x40000);
	gmem_write_u64(&f->mem, 0x40000, 0x50000 | 1);
	gmem_write_u64(&f->mem, 0x40008, 0x51000 | 1 | 2);  /* bit 1 reserved */
}

/* VTPR[7:4] = 4: below a TPR threshold of 5. */
static void vtpr_0x40(struct fix *f)
{
	gmem_write_u8(&f->mem, FIX_VAPIC + 0x80, 0x40);
}

struct mutation {
	const char *check;     /* row expected to fail */
	bool direct;           /* an earlier row (reserved bits) fails first
				* with our capabilities: test the row alone */
	struct edit e[6];
	void (*fn)(struct fix *f);
};

static const struct mutation mutations[] = {
	{ "pin-based controls reserved bits", 0, { OR(PIN, 1u << 8) } },
	{ "primary processor-based controls reserved bits", 0,
	  { OR(PROC, 1u << 18) } },
	{ "secondary processor-based controls reserved bits", 0,
	  { SEC(CPU2_SUBPAGE_WRITE_PERM) } },
	{ "tertiary processor-based controls reserved bits", 0,
	  { OR(PROC, CPU_ACTIVATE_TERTIARY),
	    SET(TERTIARY_VM_EXEC_CONTROL, 1ull << 40) } },
	{ "tertiary processor-based controls reserved bits", 0,
	  { OR(PROC, CPU_ACTIVATE_TERTIARY),
	    SET(TERTIARY_VM_EXEC_CONTROL, CPU3_IPI_VIRT | 1) } },
	{ "CR3-target count", 0, { SET(CR3_TARGET_COUNT, 5) } },
	{ "I/O bitmap addresses", 0,
	  { OR(PROC, CPU_USE_IO_BITMAPS), SET(IO_BITMAP_A, FIX_IO_A),
	    SET(IO_BITMAP_B, FIX_IO_B + 0x10) } },
	{ "MSR bitmap address", 0,
	  { OR(PROC, CPU_USE_MSR_BITMAPS), SET(MSR_BITMAP, PA_BEYOND) } },
	{ "virtual-APIC address", 0,
	  { OR(PROC, CPU_USE_TPR_SHADOW), SET(VIRTUAL_APIC_PAGE_ADDR, 0x123) } },
	{ "virtual-APIC address", 0,
	  { OR(PROC, CPU_USE_TPR_SHADOW),
	    SET(VIRTUAL_APIC_PAGE_ADDR, PA_BEYOND) } },
	{ "TPR threshold bits 31:4", 0,
	  { OR(PROC, CPU_USE_TPR_SHADOW), SET(VIRTUAL_APIC_PAGE_ADDR, FIX_VAPIC),
	    SET(TPR_THRESHOLD, 0x10) } },
	{ "TPR threshold not above VTPR", 0,
	  { OR(PROC, CPU_USE_TPR_SHADOW), SET(VIRTUAL_APIC_PAGE_ADDR, FIX_VAPIC),
	    SET(TPR_THRESHOLD, 5) }, vtpr_0x40 },
	{ "APIC virtualization needs TPR shadow", 1,
	  { SEC(CPU2_VIRT_X2APIC_MODE) } },
	{ "APIC virtualization needs TPR shadow", 1,
	  { OR(PROC, CPU_ACTIVATE_TERTIARY),
	    SET(TERTIARY_VM_EXEC_CONTROL, CPU3_IPI_VIRT) } },
	{ "virtual NMIs need NMI exiting", 0, { OR(PIN, PIN_VIRTUAL_NMIS) } },
	{ "NMI-window exiting needs virtual NMIs", 0,
	  { OR(PROC, CPU_NMI_WINDOW_EXITING) } },
	{ "APIC-access address", 1,
	  { SEC(CPU2_VIRT_APIC_ACCESSES), SET(APIC_ACCESS_ADDR, 0x1001) } },
	{ "x2APIC mode excludes APIC-access virtualization", 1,
	  { SEC(CPU2_VIRT_APIC_ACCESSES | CPU2_VIRT_X2APIC_MODE) } },
	{ "virtual-interrupt delivery needs external-interrupt exiting", 1,
	  { SEC(CPU2_VIRT_INTR_DELIVERY) } },
	{ "posted interrupts", 0, { OR(PIN, PIN_POSTED_INTR) } },
	{ "PID-pointer table address", 0,
	  { OR(PROC, CPU_USE_TPR_SHADOW | CPU_ACTIVATE_TERTIARY),
	    SET(VIRTUAL_APIC_PAGE_ADDR, FIX_VAPIC),
	    SET(TERTIARY_VM_EXEC_CONTROL, CPU3_IPI_VIRT),
	    SET(PID_POINTER_TABLE, 0x14008) } },
	{ "PID-pointer table address", 0,
	  { OR(PROC, CPU_USE_TPR_SHADOW | CPU_ACTIVATE_TERTIARY),
	    SET(VIRTUAL_APIC_PAGE_ADDR, FIX_VAPIC),
	    SET(TERTIARY_VM_EXEC_CONTROL, CPU3_IPI_VIRT),
	    SET(PID_POINTER_TABLE, PA_BEYOND) } },
	{ "VPID not zero", 0, { SEC(CPU2_ENABLE_VPID) } },
	{ "EPTP valid", 0,
	  { SEC(CPU2_ENABLE_EPT), SET(EPT_POINTER, FIX_EPT_PML4 | 0x18 | 1) } },
	{ "PML address and EPT", 0, { SEC(CPU2_ENABLE_PML) } },
	{ "PML address and EPT", 0,
	  { SEC(CPU2_ENABLE_PML | CPU2_ENABLE_EPT),
	    SET(EPT_POINTER, FIX_EPT_PML4 | 0x18 | 6), SET(PML_ADDRESS, 0x8010) } },
	{ "unrestricted guest needs EPT", 0, { SEC(CPU2_UNRESTRICTED_GUEST) } },
	{ "VM-function controls", 0,
	  { SEC(CPU2_ENABLE_VMFUNC), SET(VM_FUNCTION_CONTROL, 2) } },
	{ "VMREAD/VMWRITE bitmap addresses", 0,
	  { SEC(CPU2_VMCS_SHADOWING), SET(VMREAD_BITMAP, 5) } },
	{ "virtualization-exception information address", 0,
	  { SEC(CPU2_EPT_VIOLATION_VE), SET(VE_INFO_ADDRESS, 5) } },
	{ "VM-exit controls reserved bits", 0,
	  { OR(EXIT, EXIT_CTL_CLEAR_BNDCFGS) } },
	{ "save preemption timer needs the timer", 0,
	  { OR(EXIT, EXIT_CTL_SAVE_PREEMPT_TIMER) } },
	{ "VM-exit MSR-store area", 0,
	  { SET(VM_EXIT_MSR_STORE_COUNT, 1),
	    SET(VM_EXIT_MSR_STORE_ADDR, FIX_MSR_AREA + 8) } },
	{ "VM-exit MSR-load area", 0,
	  { SET(VM_EXIT_MSR_LOAD_COUNT, 2),
	    SET(VM_EXIT_MSR_LOAD_ADDR, PA_BEYOND - 16) } },
	{ "VM-entry controls reserved bits", 0,
	  { OR(ENTRY, ENTRY_CTL_LOAD_BNDCFGS) } },
	{ "event injection: interruption type", 0, { SET(INJ, V | T(1)) } },
	{ "event injection: vector", 0, { SET(INJ, V | T(EVT_NMI) | 3) } },
	{ "event injection: deliver error code", 0,
	  { SET(INJ, V | T(EVT_HW_EXCEPTION) | 13) } },
	{ "event injection: reserved bits 30:12", 0,
	  { SET(INJ, V | T(EVT_HW_EXCEPTION) | 6 | (1u << 12)) } },
	{ "event injection: error code bits 31:16", 0,
	  { SET(INJ, V | T(EVT_HW_EXCEPTION) | 13 | INTR_INFO_DELIVER_CODE),
	    SET(VM_ENTRY_EXCEPTION_ERROR_CODE, 0x10000) } },
	{ "event injection: instruction length", 0,
	  { SET(INJ, V | T(EVT_SW_INTR) | 0x80),
	    SET(VM_ENTRY_INSTRUCTION_LEN, 0) } },
	{ "VM-entry MSR-load area", 0,
	  { SET(VM_ENTRY_MSR_LOAD_COUNT, 1),
	    SET(VM_ENTRY_MSR_LOAD_ADDR, FIX_MSR_AREA + 4) } },
	{ "entry to SMM / deactivate dual-monitor outside SMM", 1,
	  { OR(ENTRY, ENTRY_CTL_ENTRY_TO_SMM) } },

	{ "host CR0 fixed bits", 0, { CLR(HOST_CR0, CR0_NE) } },
	{ "host CR4 fixed bits", 0, { CLR(HOST_CR4, CR4_VMXE) } },
	{ "host CR3 within MAXPHYADDR", 0, { SET(HOST_CR3, PA_BEYOND) } },
	{ "host SYSENTER_ESP/EIP canonical", 0,
	  { SET(HOST_IA32_SYSENTER_EIP, 0x0000800000000000ull) } },
	{ "host IA32_PERF_GLOBAL_CTRL reserved bits", 0,
	  { OR(EXIT, EXIT_CTL_LOAD_PERF_GLOBAL),
	    SET(HOST_IA32_PERF_GLOBAL_CTRL, 1ull << 20) } },
	{ "host IA32_PAT memory types", 0,
	  { OR(EXIT, EXIT_CTL_LOAD_PAT), SET(HOST_IA32_PAT, 0x02) } },
	{ "host IA32_EFER", 0, { SET(HOST_IA32_EFER, EFER_SCE | EFER_LME) } },
	{ "host selectors RPL and TI zero", 0, { SET(HOST_DS_SELECTOR, 0x13) } },
	{ "host CS selector not null", 0, { SET(HOST_CS_SELECTOR, 0) } },
	{ "host TR selector not null", 0, { SET(HOST_TR_SELECTOR, 0) } },
	{ "host SS selector not null (32-bit host)", 0,
	  { CLR(EXIT, EXIT_CTL_HOST_ADDR_SPACE_SIZE | EXIT_CTL_LOAD_EFER),
	    SET(HOST_SS_SELECTOR, 0) } },
	{ "host FS/GS/GDTR/IDTR/TR bases canonical", 0,
	  { SET(HOST_GS_BASE, 0x0000800000000000ull) } },
	{ "outside IA-32e mode: no 64-bit guest or host", 0, { { 0 } },
	  l1_legacy },
	{ "in IA-32e mode: 64-bit host", 0,
	  { CLR(EXIT, EXIT_CTL_HOST_ADDR_SPACE_SIZE | EXIT_CTL_LOAD_EFER) } },
	{ "32-bit host: no IA-32e guest, PCIDE=0, RIP < 4G", 0,
	  { CLR(EXIT, EXIT_CTL_HOST_ADDR_SPACE_SIZE | EXIT_CTL_LOAD_EFER),
	    CLR(ENTRY, ENTRY_CTL_IA32E_MODE_GUEST), SET(HOST_RIP, 1ull << 33) },
	  l1_legacy },
	{ "64-bit host: CR4.PAE=1, RIP canonical", 0,
	  { SET(HOST_RIP, 0x0000800000000000ull) } },

	{ "guest CR0 fixed bits, PG needs PE", 0, { CLR(GUEST_CR0, CR0_NE) } },
	{ "guest CR4 fixed bits", 0, { CLR(GUEST_CR4, CR4_VMXE) } },
	{ "guest IA32_DEBUGCTL reserved bits", 0,
	  { OR(ENTRY, ENTRY_CTL_LOAD_DEBUG_CONTROLS),
	    SET(GUEST_IA32_DEBUGCTL, 1u << 2) } },
	{ "IA-32e mode guest needs CR0.PG and CR4.PAE", 0,
	  { CLR(GUEST_CR4, CR4_PAE) } },
	{ "CR4.PCIDE needs IA-32e mode guest", 1,
	  { OR(GUEST_CR4, CR4_PCIDE), CLR(ENTRY, ENTRY_CTL_IA32E_MODE_GUEST) } },
	{ "guest CR3 within MAXPHYADDR", 0, { SET(GUEST_CR3, PA_BEYOND) } },
	{ "guest DR7 bits 63:32", 0,
	  { OR(ENTRY, ENTRY_CTL_LOAD_DEBUG_CONTROLS), SET(GUEST_DR7, 1ull << 32) } },
	{ "guest SYSENTER_ESP/EIP canonical", 0,
	  { SET(GUEST_SYSENTER_ESP, 1ull << 63) } },
	{ "guest IA32_PERF_GLOBAL_CTRL reserved bits", 0,
	  { OR(ENTRY, ENTRY_CTL_LOAD_PERF_GLOBAL),
	    SET(GUEST_IA32_PERF_GLOBAL_CTRL, 1u << 8) } },
	{ "guest IA32_PAT memory types", 0,
	  { OR(ENTRY, ENTRY_CTL_LOAD_PAT), SET(GUEST_IA32_PAT, 0x0303) } },
	{ "guest IA32_EFER", 0, { SET(GUEST_IA32_EFER, EFER_SCE | EFER_LME) } },
	{ "guest TR selector TI", 0, { SET(GUEST_TR_SELECTOR, 0x1c) } },
	{ "guest LDTR selector TI", 0,
	  { SET(GUEST_LDTR_AR_BYTES, 0x82), SET(GUEST_LDTR_SELECTOR, 0x24),
	    SET(GUEST_LDTR_LIMIT, 0xffff) } },
	{ "guest SS.RPL = CS.RPL", 0, { SET(GUEST_SS_SELECTOR, 0x13) } },
	{ "virtual-8086 segments", 0, { { 0 } }, v86_guest },
	{ "guest segment bases", 0, { SET(GUEST_CS_BASE, 1ull << 32) } },
	{ "guest CS access rights", 0, { SET(GUEST_CS_AR_BYTES, 0xa093) } },
	{ "guest SS access rights", 0, { SET(GUEST_SS_AR_BYTES, 0xc091) } },
	{ "guest DS/ES/FS/GS access rights", 0, { SET(GUEST_DS_AR_BYTES, 0xc092) } },
	{ "guest TR access rights", 0, { SET(GUEST_TR_AR_BYTES, 0x89) } },
	{ "guest LDTR access rights", 0,
	  { SET(GUEST_LDTR_AR_BYTES, 0x83), SET(GUEST_LDTR_LIMIT, 0xffff) } },
	{ "guest GDTR/IDTR bases canonical", 0,
	  { SET(GUEST_IDTR_BASE, 1ull << 47) } },
	{ "guest GDTR/IDTR limits bits 31:16", 0,
	  { SET(GUEST_GDTR_LIMIT, 0x10000) } },
	{ "guest RIP", 0, { SET(GUEST_RIP, 1ull << 47) } },
	{ "guest RFLAGS reserved bits", 0, { SET(GUEST_RFLAGS, 0) } },
	{ "guest RFLAGS.VM", 1,
	  { SET(GUEST_RFLAGS, RFLAGS_FIXED1 | RFLAGS_VM) } },
	{ "guest RFLAGS.IF for external interrupt injection", 0,
	  { SET(INJ, V | T(EVT_EXT_INTR) | 0x20) } },
	{ "activity state supported", 0,
	  { SET(GUEST_ACTIVITY_STATE, ACTIVITY_SHUTDOWN) } },
	{ "HLT activity needs SS.DPL 0", 0, { { 0 } }, hlt_dpl3 },
	{ "inactive state excludes STI/MOV-SS blocking", 0,
	  { SET(GUEST_ACTIVITY_STATE, ACTIVITY_HLT),
	    SET(INTR, INTR_BLOCK_MOV_SS) } },
	{ "event injection allowed in activity state", 0,
	  { SET(GUEST_ACTIVITY_STATE, ACTIVITY_HLT),
	    SET(INJ, V | T(EVT_HW_EXCEPTION) | 6) } },
	{ "interruptibility reserved bits", 0, { SET(INTR, 1u << 5) } },
	{ "interruptibility: not STI and MOV-SS", 0,
	  { SET(INTR, INTR_BLOCK_STI | INTR_BLOCK_MOV_SS),
	    SET(GUEST_RFLAGS, 0x202) } },
	{ "interruptibility: STI blocking needs IF", 0,
	  { SET(INTR, INTR_BLOCK_STI) } },
	{ "interruptibility: external interrupt injection", 0,
	  { SET(INJ, V | T(EVT_EXT_INTR) | 0x20), SET(GUEST_RFLAGS, 0x202),
	    SET(INTR, INTR_BLOCK_MOV_SS) } },
	{ "interruptibility: NMI injection and MOV-SS", 0,
	  { SET(INJ, V | T(EVT_NMI) | 2), SET(INTR, INTR_BLOCK_MOV_SS) } },
	{ "interruptibility: NMI injection and STI", 0,
	  { SET(INJ, V | T(EVT_NMI) | 2), SET(INTR, INTR_BLOCK_STI),
	    SET(GUEST_RFLAGS, 0x202) } },
	{ "interruptibility: SMI blocking outside SMM", 0,
	  { SET(INTR, INTR_BLOCK_SMI) } },
	{ "interruptibility: virtual-NMI blocking and NMI injection", 0,
	  { OR(PIN, PIN_NMI_EXITING | PIN_VIRTUAL_NMIS),
	    SET(INJ, V | T(EVT_NMI) | 2), SET(INTR, INTR_BLOCK_NMI) } },
	{ "pending debug exceptions reserved bits", 0,
	  { SET(GUEST_PENDING_DBG_EXCEPTIONS, 1u << 4) } },
	{ "pending debug exceptions BS vs TF/BTF", 0,
	  { SET(INTR, INTR_BLOCK_MOV_SS), SET(GUEST_RFLAGS, 0x102) } },
	{ "VMCS link pointer", 0, { { 0 } }, link_bad_rev },
	{ "VMCS link pointer not the current VMCS", 0, { { 0 } },
	  link_is_current },
	{ "PAE PDPTEs", 0, { { 0 } }, pae_bad_pdpte },
};
#define N_MUT (sizeof(mutations) / sizeof(mutations[0]))

static void apply(struct fix *f, const struct mutation *m)
{
	fix_baseline(f);
	for (unsigned i = 0; i < 6 && m->e[i].op != OP_END; i++) {
		const struct edit *e = &m->e[i];

		if (e->op == OP_SET)
			fw(f, e->enc, e->val);
		else if (e->op == OP_OR)
			fset(f, e->enc, e->val);
		else
			fclr(f, e->enc, e->val);
	}
	if (m->fn)
		m->fn(f);
}

START_TEST(baseline_passes_every_check)
{
	struct fix f;
	struct entry_env env;

	fix_init(&f, true);
	fix_baseline(&f);
	entry_env_init(&env, f.v, &f.mem, &f.cpu);
	for (size_t i = 0; i < vmx_entry_checks_len; i++)
		ck_assert_msg(vmx_entry_checks[i].ok(&env), "baseline fails %s",
			      vmx_entry_checks[i].name);
	fix_fini(&f);
}
END_TEST

/* Every row of the table has a mutation here (the docs rely on it). */
START_TEST(every_check_row_is_tested)
{
	for (size_t i = 0; i < vmx_entry_checks_len; i++) {
		bool found = false;

		for (size_t j = 0; j < N_MUT; j++)
			if (!strcmp(mutations[j].check, vmx_entry_checks[i].name))
				found = true;
		ck_assert_msg(found, "no mutation for %s",
			      vmx_entry_checks[i].name);
	}
	for (size_t j = 0; j < N_MUT; j++)
		ck_assert_msg(entry_check_find(mutations[j].check),
			      "unknown row %s", mutations[j].check);
}
END_TEST

/* The outcome of an entry (r) that row want fails: a failed VM entry
 * (guest rows) or VMfailValid with RIP, RFLAGS as they were (rip0). */
static void expect_failed(struct fix *f, const struct entry_check *want,
			  enum icpt_result r, uint64_t rip0)
{
	ck_assert(!f->v->nonroot);
	if (want->kind == ECK_GUEST) {
		/* SDM 27.8: failed entry looks like a VM exit to the host. */
		ck_assert_int_eq(r, ICPT_SWITCHED);
		ck_assert_uint_eq(fr(f, VMCS_VM_EXIT_REASON),
				  EXIT_REASON_INVALID_STATE |
				  EXIT_REASON_FAILED_VMENTRY);
		ck_assert_uint_eq(fr(f, VMCS_EXIT_QUALIFICATION), want->qual);
		ck_assert_uint_eq(f->cpu.rip, FIX_HOST_RIP);
		ck_assert_uint_eq(f->cpu.gpr[GPR_RSP], FIX_HOST_RSP);
		ck_assert_uint_eq(f->cpu.rflags, RFLAGS_FIXED1);
		ck_assert_int_eq(f->state_changed, 1);
	} else {
		ck_assert_int_eq(r, ICPT_EMULATED);
		ck_assert_uint_eq(f->cpu.rip, rip0);
		ck_assert_uint_eq(f->cpu.rflags & VMX_ARITH_FLAGS, RFLAGS_ZF);
		ck_assert_uint_eq(fr(f, VMCS_VM_INSTRUCTION_ERROR),
				  want->kind == ECK_CONTROL ? 7 : 8);
		ck_assert_int_eq(f->state_changed, 0);
	}
}

/* One rule broken at a time: the right row, and the right outcome. */
START_TEST(broken_check)
{
	const struct mutation *m = &mutations[_i];
	const struct entry_check *want = entry_check_find(m->check);
	const struct entry_check *got;
	struct entry_env env;
	struct fix f;
	enum icpt_result r;
	uint64_t rip0;

	ck_assert_ptr_nonnull(want);
	fix_init(&f, true);
	apply(&f, m);
	entry_env_init(&env, f.v, &f.mem, &f.cpu);
	ck_assert_msg(!want->ok(&env), "%s: mutation does not break it",
		      m->check);
	if (m->direct) {
		fix_fini(&f);
		return;
	}
	got = entry_checks_run(&env);
	ck_assert_ptr_nonnull(got);
	ck_assert_msg(got == want, "%s: first failing row is %s", m->check,
		      got->name);

	rip0 = f.cpu.rip;
	r = vmx_vmentry(f.v, &f.ctx, NULL, true);
	ck_assert(!vmx_current_launched(f.v));
	expect_failed(&f, want, r, rip0);
	fix_fini(&f);
}
END_TEST

/* The same rule broken after a good entry with the same VMCS (VMRESUME):
 * what that entry remembered of the rows' inputs (struct vmx_entry_memo:
 * control, host-state and guest-state rows) hides nothing that changed
 * since.  A direct row (an earlier row fails first) gives the outcome of
 * that earlier row, as the full table does. */
START_TEST(broken_check_after_good_entry)
{
	const struct mutation *m = &mutations[_i];
	const struct entry_check *want = entry_check_find(m->check);
	struct entry_env env;
	struct fix f;

	fix_init(&f, true);
	fix_enter(&f);
	fix_leave(&f);
	apply(&f, m);
	if (m->direct) {
		entry_env_init(&env, f.v, &f.mem, &f.cpu);
		ck_assert(!want->ok(&env));
		want = entry_checks_run(&env);
		ck_assert_ptr_nonnull(want);
	}
	expect_failed(&f, want, vmx_vmentry(f.v, &f.ctx, NULL, false),
		      f.cpu.rip);
	fix_fini(&f);
}
END_TEST

START_TEST(qualifications_of_guest_failures)
{
	ck_assert_uint_eq(entry_check_find("VMCS link pointer")->qual, 4);
	ck_assert_uint_eq(entry_check_find("PAE PDPTEs")->qual, 2);
	ck_assert_uint_eq(entry_check_find(
		"interruptibility: NMI injection and STI")->qual, 3);
	ck_assert_uint_eq(entry_check_find("guest RIP")->qual, 0);
}
END_TEST

START_TEST(guest_state_loaded_exactly)
{
	struct fix f;

	fix_init(&f, true);
	fix_baseline(&f);
	fset(&f, VMCS_VM_ENTRY_CONTROLS, ENTRY_CTL_LOAD_DEBUG_CONTROLS |
	     ENTRY_CTL_LOAD_PAT);
	fw(&f, VMCS_GUEST_DR7, 0x401);
	fw(&f, VMCS_GUEST_IA32_DEBUGCTL, 0x1);
	fw(&f, VMCS_GUEST_IA32_PAT, 0x0606060606060606ull);
	fw(&f, VMCS_GUEST_INTERRUPTIBILITY_INFO, INTR_BLOCK_STI);
	fw(&f, VMCS_GUEST_RFLAGS, 0x246);
	fw(&f, VMCS_GUEST_PENDING_DBG_EXCEPTIONS, 0x1);
	f.cpu.gpr[GPR_RBX] = 0x1234;
	ck_assert_int_eq(vmx_vmentry(f.v, &f.ctx, NULL, true), ICPT_SWITCHED);
	ck_assert(f.v->nonroot);
	ck_assert(vmx_current_launched(f.v));
	ck_assert_int_eq(f.state_changed, 1);
	ck_assert_uint_eq(f.cpu.cr0, FIX_CR0);
	ck_assert_uint_eq(f.cpu.cr3, FIX_GUEST_CR3);
	ck_assert_uint_eq(f.cpu.cr4, FIX_CR4);
	ck_assert_uint_eq(f.cpu.dr[7], 0x401);
	ck_assert_uint_eq(f.cpu.msr.debugctl, 1);
	ck_assert_uint_eq(f.cpu.msr.pat, 0x0606060606060606ull);
	ck_assert_uint_eq(f.cpu.efer, EFER_SCE | EFER_LME | EFER_LMA);
	ck_assert_uint_eq(f.cpu.msr.sysenter_cs, 0x28);
	ck_assert_uint_eq(f.cpu.msr.sysenter_esp, 0x11000);
	ck_assert_uint_eq(f.cpu.msr.sysenter_eip, 0x12000);
	ck_assert_uint_eq(f.cpu.rip, FIX_GUEST_RIP);
	ck_assert_uint_eq(f.cpu.gpr[GPR_RSP], FIX_GUEST_RSP);
	ck_assert_uint_eq(f.cpu.gpr[GPR_RBX], 0x1234);  /* GPRs carry over */
	ck_assert_uint_eq(f.cpu.rflags, 0x246);
	ck_assert_uint_eq(f.cpu.seg[SEG_CS].sel, 0x08);
	ck_assert_uint_eq(f.cpu.seg[SEG_CS].ar, 0xa09b);
	ck_assert_uint_eq(f.cpu.seg[SEG_CS].limit, 0xffffffff);
	ck_assert_uint_eq(f.cpu.seg[SEG_FS].base, 0x12345000);
	ck_assert_uint_eq(f.cpu.seg[SEG_GS].base, 0xffff800000001000ull);
	ck_assert_uint_eq(f.cpu.seg[SEG_LDTR].ar, SEG_AR_UNUSABLE);
	ck_assert_uint_eq(f.cpu.seg[SEG_TR].sel, 0x18);
	ck_assert_uint_eq(f.cpu.seg[SEG_TR].base, 0x3000);
	ck_assert_uint_eq(f.cpu.seg[SEG_TR].limit, 0x67);
	ck_assert_uint_eq(f.cpu.seg[SEG_TR].ar, 0x8b);
	ck_assert_uint_eq(f.cpu.gdtr.base, 0x4000);
	ck_assert_uint_eq(f.cpu.gdtr.limit, 0x27);
	ck_assert_uint_eq(f.cpu.idtr.base, 0x5000);
	ck_assert_uint_eq(f.cpu.idtr.limit, 0xfff);
	ck_assert_uint_eq(f.cpu.interruptibility, INTR_BLOCK_STI);
	ck_assert_uint_eq(f.cpu.activity, ACTIVITY_ACTIVE);
	ck_assert_uint_eq(f.cpu.pending_dbg, 1);
	ck_assert(!f.cpu.injected.valid);
	ck_assert_int_eq(f.injects, 0);
	ck_assert_uint_eq(f.v->regions[f.v->current_region].entries, 1);
	fix_fini(&f);
}
END_TEST

/* Without "load IA32_EFER", LMA/LME follow "IA-32e mode guest"; without
 * "load debug controls" DR7/DEBUGCTL keep L1's values (SDM 27.3.2.1). */
START_TEST(efer_from_ia32e_control)
{
	struct fix f;

	fix_init(&f, true);
	fix_baseline(&f);
	fclr(&f, VMCS_VM_ENTRY_CONTROLS, ENTRY_CTL_LOAD_EFER);
	f.cpu.efer = EFER_SCE | EFER_NXE | EFER_LMA | EFER_LME;
	f.cpu.dr[7] = 0x455;
	guest32(&f);   /* 32-bit paged guest: LMA = LME = 0 */
	ck_assert_int_eq(vmx_vmentry(f.v, &f.ctx, NULL, false), ICPT_SWITCHED);
	ck_assert_uint_eq(f.cpu.efer, EFER_SCE | EFER_NXE);
	ck_assert_uint_eq(f.cpu.dr[7], 0x455);
	ck_assert(!vmx_current_launched(f.v));   /* VMRESUME keeps it */
	fix_fini(&f);
}
END_TEST

static void msr_entry(struct fix *f, unsigned i, uint64_t head, uint64_t data)
{
	gmem_write_u64(&f->mem, FIX_MSR_AREA + 16 * i, head);
	gmem_write_u64(&f->mem, FIX_MSR_AREA + 16 * i + 8, data);
}

START_TEST(entry_msr_load_list)
{
	struct fix f;

	fix_init(&f, true);
	fix_baseline(&f);
	msr_entry(&f, 0, 0xc0000081, 0x0023001000000000ull);   /* STAR */
	msr_entry(&f, 1, 0xc0000102, 0xffff800012340000ull);   /* KGS base */
	fw(&f, VMCS_VM_ENTRY_MSR_LOAD_ADDR, FIX_MSR_AREA);
	fw(&f, VMCS_VM_ENTRY_MSR_LOAD_COUNT, 2);
	ck_assert_int_eq(vmx_vmentry(f.v, &f.ctx, NULL, true), ICPT_SWITCHED);
	ck_assert(f.v->nonroot);
	ck_assert_uint_eq(f.cpu.msr.star, 0x0023001000000000ull);
	ck_assert_uint_eq(f.cpu.msr.kernel_gs_base, 0xffff800012340000ull);
	fix_fini(&f);
}
END_TEST

/* SDM 27.4: the first bad entry ends the entry with exit 34, the
 * qualification is its 1-based index. */
static const struct { uint64_t head, data; } bad_msr_entries[] = {
	{ 0xc0000100, 0 },                       /* FS base */
	{ 0xc0000101, 0 },                       /* GS base */
	{ 0x808, 0 },                            /* x2APIC TPR */
	{ 0x9e, 0 },                             /* SMBASE */
	{ 0x1ull << 32 | 0xc0000081, 0 },        /* reserved bits */
	{ 0xc0000080, 1ull << 20 },              /* EFER reserved bit */
	{ 0xc0000082, 0x0000800000000000ull },   /* LSTAR not canonical */
	{ 0x12345678, 0 },                       /* no such MSR */
	{ 0x480, 0 },                            /* read-only VMX MSR */
};

START_TEST(entry_msr_load_failure)
{
	struct fix f;

	fix_init(&f, true);
	fix_baseline(&f);
	msr_entry(&f, 0, 0xc0000081, 0x77);
	msr_entry(&f, 1, 0x174, 0x99);           /* SYSENTER_CS */
	msr_entry(&f, 2, bad_msr_entries[_i].head, bad_msr_entries[_i].data);
	fw(&f, VMCS_VM_ENTRY_MSR_LOAD_ADDR, FIX_MSR_AREA);
	fw(&f, VMCS_VM_ENTRY_MSR_LOAD_COUNT, 3);
	ck_assert_int_eq(vmx_vmentry(f.v, &f.ctx, NULL, true), ICPT_SWITCHED);
	ck_assert(!f.v->nonroot);
	ck_assert(!vmx_current_launched(f.v));
	ck_assert_uint_eq(fr(&f, VMCS_VM_EXIT_REASON),
			  EXIT_REASON_MSR_LOAD_FAIL | EXIT_REASON_FAILED_VMENTRY);
	ck_assert_uint_eq(fr(&f, VMCS_EXIT_QUALIFICATION), 3);
	/* Host state is back: host SYSENTER_CS, host RIP. */
	ck_assert_uint_eq(f.cpu.msr.sysenter_cs, 0x8);
	ck_assert_uint_eq(f.cpu.rip, FIX_HOST_RIP);
	ck_assert_uint_eq(f.cpu.msr.star, 0x77);  /* loaded before failing */
	fix_fini(&f);
}
END_TEST

START_TEST(msr_load_list_outside_ram)
{
	struct fix f;

	fix_init(&f, true);
	fix_baseline(&f);
	fw(&f, VMCS_VM_ENTRY_MSR_LOAD_ADDR, FIX_MEM_SIZE - 16);
	fw(&f, VMCS_VM_ENTRY_MSR_LOAD_COUNT, 4);
	msr_entry(&f, (FIX_MEM_SIZE - 16 - FIX_MSR_AREA) / 16, 0x174, 5);
	ck_assert_int_eq(vmx_vmentry(f.v, &f.ctx, NULL, true), ICPT_SWITCHED);
	ck_assert_uint_eq(fr(&f, VMCS_VM_EXIT_REASON),
			  EXIT_REASON_MSR_LOAD_FAIL | EXIT_REASON_FAILED_VMENTRY);
	ck_assert_uint_eq(fr(&f, VMCS_EXIT_QUALIFICATION), 2);
	fix_fini(&f);
}
END_TEST

/* SDM 27.6: injected events go to the engine for delivery through the
 * guest IDT, with error code and instruction length. */
static const struct {
	uint32_t info, err, len;
	uint64_t rflags;
	uint8_t type, vector;
	bool has_err;
} injections[] = {
	{ V | T(EVT_HW_EXCEPTION) | 14 | INTR_INFO_DELIVER_CODE, 0x6, 0, 2,
	  EVT_HW_EXCEPTION, 14, true },
	{ V | T(EVT_HW_EXCEPTION) | 6, 0, 0, 2, EVT_HW_EXCEPTION, 6, false },
	{ V | T(EVT_NMI) | 2, 0, 0, 2, EVT_NMI, 2, false },
	{ V | T(EVT_EXT_INTR) | 0x31, 0, 0, 0x202, EVT_EXT_INTR, 0x31, false },
	{ V | T(EVT_SW_INTR) | 0x80, 0, 2, 2, EVT_SW_INTR, 0x80, false },
	{ V | T(EVT_SW_EXCEPTION) | 3, 0, 1, 2, EVT_SW_EXCEPTION, 3, false },
	{ V | T(EVT_PRIV_SW_EXCEPTION) | 1, 0, 1, 2, EVT_PRIV_SW_EXCEPTION, 1,
	  false },
};

START_TEST(event_injection_callback)
{
	struct fix f;

	fix_init(&f, true);
	fix_baseline(&f);
	fw(&f, VMCS_VM_ENTRY_INTR_INFO_FIELD, injections[_i].info);
	fw(&f, VMCS_VM_ENTRY_EXCEPTION_ERROR_CODE, injections[_i].err);
	fw(&f, VMCS_VM_ENTRY_INSTRUCTION_LEN, injections[_i].len);
	fw(&f, VMCS_GUEST_RFLAGS, injections[_i].rflags);
	ck_assert_int_eq(vmx_vmentry(f.v, &f.ctx, NULL, true), ICPT_SWITCHED);
	ck_assert_int_eq(f.injects, 1);
	ck_assert_uint_eq(f.injected.type, injections[_i].type);
	ck_assert_uint_eq(f.injected.vector, injections[_i].vector);
	ck_assert_int_eq(f.injected.has_error_code, injections[_i].has_err);
	ck_assert_uint_eq(f.injected.error_code, injections[_i].err);
	ck_assert_uint_eq(f.injected.insn_len, injections[_i].len);
	ck_assert(!f.cpu.injected.valid);
	fix_fini(&f);
}
END_TEST

START_TEST(event_injection_without_callback_and_hlt_wakeup)
{
	struct fix f;

	fix_init(&f, false);
	fix_baseline(&f);
	fw(&f, VMCS_GUEST_ACTIVITY_STATE, ACTIVITY_HLT);
	fw(&f, VMCS_GUEST_RFLAGS, 0x202);
	fw(&f, VMCS_VM_ENTRY_INTR_INFO_FIELD, V | T(EVT_EXT_INTR) | 0x40);
	ck_assert_int_eq(vmx_vmentry(f.v, &f.ctx, NULL, true), ICPT_SWITCHED);
	ck_assert(f.cpu.injected.valid);
	ck_assert_uint_eq(f.cpu.injected.type, EVT_EXT_INTR);
	ck_assert_uint_eq(f.cpu.injected.vector, 0x40);
	ck_assert_uint_eq(f.cpu.activity, ACTIVITY_ACTIVE);
	fix_fini(&f);
}
END_TEST

START_TEST(hlt_activity_without_injection_stays_halted)
{
	struct fix f;

	fix_init(&f, false);
	fix_baseline(&f);
	fw(&f, VMCS_GUEST_ACTIVITY_STATE, ACTIVITY_HLT);
	ck_assert_int_eq(vmx_vmentry(f.v, &f.ctx, NULL, true), ICPT_SWITCHED);
	ck_assert_uint_eq(f.cpu.activity, ACTIVITY_HLT);
	fix_fini(&f);
}
END_TEST

/* Unrestricted guest relaxes PE/PG and allows a real-mode-like guest. */
START_TEST(unrestricted_guest_real_mode)
{
	struct fix f;

	fix_init(&f, false);
	fix_baseline(&f);
	fset(&f, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_ACTIVATE_SECONDARY);
	fw(&f, VMCS_SECONDARY_VM_EXEC_CONTROL,
	   CPU2_ENABLE_EPT | CPU2_UNRESTRICTED_GUEST);
	fw(&f, VMCS_EPT_POINTER, FIX_EPT_PML4 | 0x18 | 6);
	fclr(&f, VMCS_VM_ENTRY_CONTROLS, ENTRY_CTL_IA32E_MODE_GUEST);
	fw(&f, VMCS_GUEST_IA32_EFER, 0);
	fw(&f, VMCS_GUEST_CR0, CR0_ET | CR0_NE);
	fw(&f, VMCS_GUEST_CR4, CR4_VMXE);
	fw(&f, VMCS_GUEST_CS_SELECTOR, 0xf000);
	fw(&f, VMCS_GUEST_CS_BASE, 0xf0000);
	fw(&f, VMCS_GUEST_CS_LIMIT, 0xffff);
	fw(&f, VMCS_GUEST_CS_AR_BYTES, 0x93);
	fw(&f, VMCS_GUEST_RIP, 0xfff0);
	ck_assert_int_eq(vmx_vmentry(f.v, &f.ctx, NULL, true), ICPT_SWITCHED);
	ck_assert(f.v->nonroot);
	ck_assert_uint_eq(f.cpu.cr0, CR0_ET | CR0_NE);
	ck_assert_uint_eq(f.cpu.seg[SEG_CS].base, 0xf0000);
	fix_fini(&f);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("vmx_entry");
	TCase *tc = tcase_create("entry");

	tcase_add_test(tc, baseline_passes_every_check);
	tcase_add_test(tc, every_check_row_is_tested);
	tcase_add_loop_test(tc, broken_check, 0, N_MUT);
	tcase_add_loop_test(tc, broken_check_after_good_entry, 0, N_MUT);
	tcase_add_test(tc, qualifications_of_guest_failures);
	tcase_add_test(tc, guest_state_loaded_exactly);
	tcase_add_test(tc, efer_from_ia32e_control);
	tcase_add_test(tc, entry_msr_load_list);
	tcase_add_loop_test(tc, entry_msr_load_failure, 0,
			    sizeof(bad_msr_entries) / sizeof(bad_msr_entries[0]));
	tcase_add_test(tc, msr_load_list_outside_ram);
	tcase_add_loop_test(tc, event_injection_callback, 0,
			    sizeof(injections) / sizeof(injections[0]));
	tcase_add_test(tc, event_injection_without_callback_and_hlt_wakeup);
	tcase_add_test(tc, hlt_activity_without_injection_stays_halted);
	tcase_add_test(tc, unrestricted_guest_real_mode);
	suite_add_tcase(s, tc);
	return fix_run_suite(s);
}
