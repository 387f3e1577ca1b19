// SPDX-License-Identifier: MIT
/*
 * The controls table (src/vmx/caps.c) against VM entry: every control bit
 * of every control word set (or cleared) outside what the TRUE capability
 * MSRs allow makes VMLAUNCH fail with VMfailValid(7) (SDM 27.2.1.1, A.3-A.5);
 * and the table names every bit that may be 1.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "vmx/nonroot.h"
#include "vmxb_fixture.h"

static const uint32_t word_field[VMX_CTL_WORDS] = {
	[VMX_CTL_PIN] = VMCS_PIN_BASED_VM_EXEC_CONTROL,
	[VMX_CTL_PROC] = VMCS_CPU_BASED_VM_EXEC_CONTROL,
	[VMX_CTL_PROC2] = VMCS_SECONDARY_VM_EXEC_CONTROL,
	[VMX_CTL_EXIT] = VMCS_VM_EXIT_CONTROLS,
	[VMX_CTL_ENTRY] = VMCS_VM_ENTRY_CONTROLS,
	[VMX_CTL_PROC3] = VMCS_TERTIARY_VM_EXEC_CONTROL,
};

/* Baseline, then flip one control bit; VMLAUNCH must fail with 7. */
static void expect_entry_fails(unsigned word, unsigned bit, bool set)
{
	struct fix f;
	uint64_t rip;

	fix_init(&f, true);
	fix_baseline(&f);
	if (word == VMX_CTL_PROC2)	/* secondary controls are checked */
		fset(&f, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_ACTIVATE_SECONDARY);
	if (word == VMX_CTL_PROC3)	/* so are the tertiary ones */
		fset(&f, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_ACTIVATE_TERTIARY);
	if (set)
		fset(&f, word_field[word], 1ull << bit);
	else
		fclr(&f, word_field[word], 1ull << bit);
	rip = f.cpu.rip;
	ck_assert_msg(vmx_vmentry(f.v, &f.ctx, NULL, true) == ICPT_EMULATED,
		      "%s bit %u %s: VM entry succeeded",
		      vmx_ctl_word_name(word), bit, set ? "set" : "clear");
	ck_assert_uint_eq(fr(&f, VMCS_VM_INSTRUCTION_ERROR), 7);
	ck_assert(f.cpu.rflags & RFLAGS_ZF);
	ck_assert(!f.v->nonroot);
	ck_assert_uint_eq(f.cpu.rip, rip);
	fix_fini(&f);
}

START_TEST(every_control_bit_outside_caps_fails_entry)
{
	struct fix f;
	unsigned tried = 0;

	fix_init(&f, true);
	for (unsigned word = 0; word < VMX_CTL_WORDS; word++) {
		const struct vmx_ctl_cap *w = vmx_ctl_word_cap(&f.v->caps, word);

		for (unsigned bit = 0; bit < 32; bit++) {
			uint32_t b = 1u << bit;

			if (w->must1 & b)
				expect_entry_fails(word, bit, false);
			else if (!(w->may1 & b))
				expect_entry_fails(word, bit, true);
			else
				continue;
			tried++;
		}
	}
	fix_fini(&f);
	/* 192 bits in all; vmxbox supports well under half of them. */
	ck_assert_uint_gt(tried, 80);
}
END_TEST

static bool named(unsigned word, unsigned bit)
{
	for (size_t i = 0; i < vmx_ctl_row_count(); i++) {
		unsigned w, b;
		const char *name;

		ck_assert(vmx_ctl_row(i, &w, &b, &name));
		if (w == word && b == bit)
			return true;
	}
	return false;
}

START_TEST(table_names_every_allowed_bit_once)
{
	struct fix f;

	fix_init(&f, true);
	for (unsigned word = 0; word < VMX_CTL_WORDS; word++) {
		const struct vmx_ctl_cap *w = vmx_ctl_word_cap(&f.v->caps, word);

		for (unsigned bit = 0; bit < 32; bit++)
			if ((w->may1 | w->must1) & (1u << bit))
				ck_assert_msg(named(word, bit), "%s bit %u unnamed",
					      vmx_ctl_word_name(word), bit);
	}
	for (size_t i = 0; i < vmx_ctl_row_count(); i++) {
		unsigned w, b, w2, b2;
		const char *n, *n2;

		vmx_ctl_row(i, &w, &b, &n);
		ck_assert(w < VMX_CTL_WORDS && b < 32 && n[0]);
		for (size_t j = 0; j < i; j++) {
			vmx_ctl_row(j, &w2, &b2, &n2);
			ck_assert_msg(w != w2 || b != b2, "%s bit %u twice",
				      vmx_ctl_word_name(w), b);
		}
	}
	ck_assert(!vmx_ctl_row(vmx_ctl_row_count(), &(unsigned){0},
			       &(unsigned){0}, &(const char *){NULL}));
	fix_fini(&f);
}
END_TEST

/* RDRAND/RDSEED exiting are allowed-1 only when the CPU model has the
 * instruction (SDM A.3.3), each on its own. */
START_TEST(rdseed_exiting_advertised_with_rdseed)
{
	struct cpu_model m;
	struct vmx_caps c;

	cpu_model_default(&m);
	cpu_model_set(&m, X86_FEAT_RDRAND, false);
	cpu_model_set(&m, X86_FEAT_RDSEED, false);
	vmx_caps_init(&c, &m);
	ck_assert(!(c.proc2.may1 & (CPU2_RDSEED_EXITING | CPU2_RDRAND_EXITING)));
	cpu_model_set(&m, X86_FEAT_RDRAND, true);
	cpu_model_set(&m, X86_FEAT_RDSEED, true);
	vmx_caps_init(&c, &m);
	ck_assert(c.proc2.may1 & CPU2_RDSEED_EXITING);
	ck_assert(c.proc2.may1 & CPU2_RDRAND_EXITING);
	cpu_model_set(&m, X86_FEAT_RDRAND, false);
	vmx_caps_init(&c, &m);
	ck_assert(c.proc2.may1 & CPU2_RDSEED_EXITING);
	ck_assert(!(c.proc2.may1 & CPU2_RDRAND_EXITING));
	ck_assert(!(c.proc2.may1 & CPU2_SUBPAGE_WRITE_PERM));
}
END_TEST

/* --cpu turns each issue-17 feature off (core/cpu_vmx_features.c): the
 * control is no longer allowed-1, its fields are gone; eptp switching goes
 * with vmx-vmfunc; names compare like CPUID names (QEMU's or Linux's). */
START_TEST(cpu_model_turns_vmx_features_off)
{
	static const struct {
		const char *spec;
		uint32_t proc2;
		uint32_t field;
	} cases[] = {
		{ "max,-vmx-shadow-vmcs", CPU2_VMCS_SHADOWING, VMCS_VMREAD_BITMAP },
		{ "max,-pml", CPU2_ENABLE_PML, VMCS_PML_ADDRESS },
		{ "max,vmx_ept_violation_ve=off", CPU2_EPT_VIOLATION_VE,
		  VMCS_VE_INFO_ADDRESS },
		{ "max,-ept_mode_based_exec", CPU2_MODE_BASED_EPT_EXEC, 0 },
		{ "max,-VMX-TSC-SCALING", CPU2_TSC_SCALING, VMCS_TSC_MULTIPLIER },
		{ "max,-vmx-vmfunc", CPU2_ENABLE_VMFUNC, VMCS_EPTP_LIST_ADDRESS },
		{ "max,-vmx-apicv-x2apic", CPU2_VIRT_X2APIC_MODE, 0 },
		{ "max,-vmx-ple", CPU2_PAUSE_LOOP_EXITING, VMCS_PLE_WINDOW },
		{ "max,-ple", CPU2_PAUSE_LOOP_EXITING, VMCS_PLE_GAP },
		{ "max,-vmx-xsaves", CPU2_ENABLE_XSAVES, VMCS_XSS_EXIT_BITMAP },
		{ "max,-xsaves", CPU2_ENABLE_XSAVES, VMCS_XSS_EXIT_BITMAP },
		{ "max,-vapic_reg", CPU2_APIC_REGISTER_VIRT, 0 },
		{ "max,-vmx-apicv-vid", CPU2_VIRT_INTR_DELIVERY,
		  VMCS_GUEST_INTR_STATUS },
		{ "max,-vmx-apicv-xapic", CPU2_VIRT_APIC_ACCESSES,
		  VMCS_APIC_ACCESS_ADDR },
	};
	struct cpu_model m;
	struct vmx_caps c;
	char err[200];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_int_eq(cpu_model_parse(&m, cases[i].spec, err,
						 sizeof(err)), 0);
		vmx_caps_init(&c, &m);
		ck_assert_msg(!(c.proc2.may1 & cases[i].proc2), "%s", cases[i].spec);
		ck_assert_msg(!(c.msr[MSR_IA32_VMX_PROCBASED_CTLS2 -
				       MSR_IA32_VMX_FIRST] >> 32 & cases[i].proc2),
			      "%s", cases[i].spec);
		if (cases[i].field)
			ck_assert(!vmx_field_supported(&c, cases[i].field));
		/* Everything else stays. */
		ck_assert(c.proc2.may1 & CPU2_ENABLE_EPT);
	}
	ck_assert_int_eq(cpu_model_parse(&m, "max,-vmx-vmfunc", err,
					 sizeof(err)), 0);
	ck_assert(!cpu_vmx_has(&m, CPU_VMX_EPTP_SWITCHING));
	ck_assert_int_eq(cpu_model_parse(&m, "max,-vmx-eptp-switching", err,
					 sizeof(err)), 0);
	vmx_caps_init(&c, &m);
	ck_assert(c.proc2.may1 & CPU2_ENABLE_VMFUNC);
	ck_assert_uint_eq(c.vmfunc, 0);
	ck_assert_uint_eq(c.msr[MSR_IA32_VMX_VMFUNC - MSR_IA32_VMX_FIRST], 0);
	ck_assert(!vmx_field_supported(&c, VMCS_EPTP_LIST_ADDRESS));
	/* max has them all; an unknown vmx- name is still an error. */
	ck_assert_int_eq(cpu_model_parse(&m, "max", err, sizeof(err)), 0);
	vmx_caps_init(&c, &m);
	ck_assert_uint_eq(c.proc2.may1 & (CPU2_VMCS_SHADOWING | CPU2_ENABLE_PML |
		CPU2_EPT_VIOLATION_VE | CPU2_MODE_BASED_EPT_EXEC |
		CPU2_TSC_SCALING | CPU2_ENABLE_VMFUNC),
		CPU2_VMCS_SHADOWING | CPU2_ENABLE_PML | CPU2_EPT_VIOLATION_VE |
		CPU2_MODE_BASED_EPT_EXEC | CPU2_TSC_SCALING | CPU2_ENABLE_VMFUNC);
	ck_assert_uint_eq(c.vmfunc, VMFUNC_EPTP_SWITCHING);
	ck_assert(c.msr[MSR_IA32_VMX_MISC - MSR_IA32_VMX_FIRST] & (1ull << 8));
	/* Wait-for-SIPI is IA32_VMX_MISC bit 8, not a control. */
	ck_assert_int_eq(cpu_model_parse(&m, "max,-vmx-activity-wait-sipi",
					 err, sizeof(err)), 0);
	vmx_caps_init(&c, &m);
	ck_assert(!(c.msr[MSR_IA32_VMX_MISC - MSR_IA32_VMX_FIRST] &
		    (1ull << 8)));
	ck_assert(c.msr[MSR_IA32_VMX_MISC - MSR_IA32_VMX_FIRST] & (1ull << 6));
	ck_assert_int_eq(cpu_model_parse(&m, "max,-vmx-nothing", err,
					 sizeof(err)), -1);
	ck_assert(strstr(err, "vmx-nothing") != NULL);
}
END_TEST

/* The reduced feature sets under which Linux's KVM takes its fallback
 * paths (docs/linux.md): without EPT also no unrestricted guest, PML,
 * #VE, mode-based execute control or EPTP switching (their VM-entry
 * prerequisite, SDM 26.2.1.1), no EPT capability bits and no EPTP field,
 * while VPID stays; without VPID the reverse. */
START_TEST(cpu_model_turns_ept_vpid_unrestricted_off)
{
	const uint32_t need_ept = CPU2_ENABLE_EPT | CPU2_UNRESTRICTED_GUEST |
		CPU2_ENABLE_PML | CPU2_EPT_VIOLATION_VE | CPU2_MODE_BASED_EPT_EXEC;
	struct cpu_model m;
	struct vmx_caps c;
	char err[200];

	ck_assert_int_eq(cpu_model_parse(&m, "max,-vmx-ept", err, sizeof(err)), 0);
	vmx_caps_init(&c, &m);
	ck_assert_uint_eq(c.proc2.may1 & need_ept, 0);
	ck_assert_uint_eq(c.msr[MSR_IA32_VMX_PROCBASED_CTLS2 -
				MSR_IA32_VMX_FIRST] >> 32 & need_ept, 0);
	ck_assert(c.proc2.may1 & CPU2_ENABLE_VPID);
	ck_assert_uint_eq(c.ept_vpid & 0xffffffffull, 0);
	ck_assert(c.ept_vpid >> 32);
	ck_assert_uint_eq(c.msr[MSR_IA32_VMX_EPT_VPID_CAP - MSR_IA32_VMX_FIRST],
			  c.ept_vpid);
	ck_assert_uint_eq(c.vmfunc, 0);
	ck_assert(!vmx_field_supported(&c, VMCS_EPT_POINTER));
	ck_assert(vmx_field_supported(&c, VMCS_VIRTUAL_PROCESSOR_ID));

	ck_assert_int_eq(cpu_model_parse(&m, "max,-vpid", err, sizeof(err)), 0);
	vmx_caps_init(&c, &m);
	ck_assert_uint_eq(c.proc2.may1 & CPU2_ENABLE_VPID, 0);
	ck_assert_uint_eq(c.proc2.may1 & need_ept, need_ept);
	ck_assert_uint_eq(c.ept_vpid >> 32, 0);
	ck_assert(c.ept_vpid & EPT_CAP_INVEPT);
	ck_assert(!vmx_field_supported(&c, VMCS_VIRTUAL_PROCESSOR_ID));
	ck_assert(vmx_field_supported(&c, VMCS_EPT_POINTER));

	ck_assert_int_eq(cpu_model_parse(&m, "max,-unrestricted_guest", err,
					 sizeof(err)), 0);
	vmx_caps_init(&c, &m);
	ck_assert_uint_eq(c.proc2.may1 & need_ept,
			  need_ept & ~CPU2_UNRESTRICTED_GUEST);

	/* Turned on again while EPT is off: still not advertised. */
	ck_assert_int_eq(cpu_model_parse(&m, "max,-ept,+pml,+vmx-unrestricted-guest",
					 err, sizeof(err)), 0);
	vmx_caps_init(&c, &m);
	ck_assert_uint_eq(c.proc2.may1 & need_ept, 0);
}
END_TEST

/* Exit control 30 "save IA32_PERF_GLOBAL_CTL" (SDM 25.7.1, 28.3.1):
 * the guest field gets the MSR on VM exit; without it the field keeps
 * what L1 wrote. */
START_TEST(exit_saves_perf_global_ctl)
{
	struct fix f;
	struct x86_intercept ic = { .kind = ICPT_CPUID, .insn_len = 2 };

	fix_init(&f, true);
	ck_assert(f.v->caps.exit.may1 & EXIT_CTL_SAVE_PERF_GLOBAL);
	fix_enter(&f);
	vmcs_write(f.v, VMCS_GUEST_IA32_PERF_GLOBAL_CTRL, 0x11);
	f.cpu.msr.perf_global_ctrl = 0x200000001ull;
	ck_assert_int_eq(vmx_nonroot_intercept(f.v, &f.ctx, &ic), ICPT_SWITCHED);
	ck_assert_uint_eq(vmcs_read(f.v, VMCS_GUEST_IA32_PERF_GLOBAL_CTRL), 0x11);
	fix_enter(&f);
	vmcs_write(f.v, VMCS_VM_EXIT_CONTROLS,
		   vmcs_read(f.v, VMCS_VM_EXIT_CONTROLS) |
		   EXIT_CTL_SAVE_PERF_GLOBAL);
	f.cpu.msr.perf_global_ctrl = 0x200000001ull;
	ck_assert_int_eq(vmx_nonroot_intercept(f.v, &f.ctx, &ic), ICPT_SWITCHED);
	ck_assert_uint_eq(vmcs_read(f.v, VMCS_GUEST_IA32_PERF_GLOBAL_CTRL),
			  0x200000001ull);
	fix_fini(&f);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("vmx_controls");
	TCase *tc = tcase_create("controls");

	tcase_add_test(tc, every_control_bit_outside_caps_fails_entry);
	tcase_add_test(tc, table_names_every_allowed_bit_once);
	tcase_add_test(tc, rdseed_exiting_advertised_with_rdseed);
	tcase_add_test(tc, cpu_model_turns_vmx_features_off);
	tcase_add_test(tc, cpu_model_turns_ept_vpid_unrestricted_off);
	tcase_add_test(tc, exit_saves_perf_global_ctl);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return fix_run_suite(s);
}
