// SPDX-License-Identifier: MIT
/*
 * vmx_state_export()/vmx_state_import() (src/vmx/vmx_state.c): every byte
 * of struct vmx_vcpu is accounted for, and a vCPU's internals survive an
 * export/import round trip exactly.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "vmx/vmx_state.h"

static uint8_t cov[sizeof(struct vmx_vcpu) + 1];
static size_t align_at[sizeof(struct vmx_vcpu) + 1];

#define MARK(fld) mark(offsetof(struct vmx_vcpu, fld), \
	sizeof(((struct vmx_vcpu *)0)->fld), \
	_Alignof(__typeof__(((struct vmx_vcpu *)0)->fld)))

static void mark(size_t off, size_t len, size_t align)
{
	memset(cov + off, 1, len);
	align_at[off] = align;
}

/*
 * A field added to struct vmx_vcpu must either get a row in
 * vmx_state_scalar_rows[] (saved by name), be one of the members struct
 * vmx_state carries itself, or be rebuilt on import (listed below).
 */
START_TEST(every_field_is_saved_or_rebuilt)
{
	/* Rebuilt: the CPU model and capabilities come from the machine
	 * configuration; current_region is found again from the regions. */
	MARK(model);
	MARK(caps);
	MARK(current_region);
	/* Members of struct vmx_state. */
	MARK(vmxon);
	MARK(nonroot);
	MARK(vmxon_ptr);
	MARK(current_vmcs);
	MARK(vmcs);
	MARK(regions);
	for (size_t i = 0; i < vmx_state_scalar_rows_len; i++) {
		const struct vmx_state_row *r = &vmx_state_scalar_rows[i];

		ck_assert(r->size == 1 || r->size == 4 || r->size == 8);
		mark(r->offset, r->size, r->size);
	}
	align_at[sizeof(struct vmx_vcpu)] = _Alignof(struct vmx_vcpu);
	for (size_t i = 0; i < sizeof(struct vmx_vcpu);) {
		size_t j = i, a;

		if (cov[i]) {
			i++;
			continue;
		}
		while (j < sizeof(struct vmx_vcpu) && !cov[j])
			j++;
		a = align_at[j];
		ck_assert_msg(a > 1 && ((i + a - 1) / a) * a == j,
			      "bytes [%zu,%zu) of struct vmx_vcpu are neither saved nor rebuilt: add a row to vmx_state_scalar_rows (src/vmx/vmx_state.c)",
			      i, j);
		i = j;
	}
}
END_TEST

static struct vmx_vcpu *make_vcpu(void)
{
	struct cpu_model model;

	cpu_model_default(&model);
	cpu_model_set(&model, X86_FEAT_VMX, true);
	return vmx_vcpu_create(&model);
}

START_TEST(round_trip_keeps_internals)
{
	struct guest_mem gm;
	struct vmx_vcpu *v = make_vcpu(), *w = make_vcpu();
	static struct vmx_state st;
	char err[200];

	ck_assert_int_eq(gmem_init(&gm, GUEST_MEM_MIN), 0);
	v->vmxon = true;
	v->nonroot = true;
	v->vmxon_ptr = 0x20000;
	v->regions[3] = (struct vmx_region){ .gpa = 0x22000, .launched = true, .entries = 5 };
	v->regions[7] = (struct vmx_region){ .gpa = 0x21000, .launched = false };
	v->current_vmcs = 0x22000;
	v->current_region = 3;
	v->region_victim = 9;
	v->preempt_armed = true;
	v->preempt_deadline = 123456789;
	v->vnmi_blocked = true;
	v->tpr_exit_pending = true;
	v->iret_unblocked_nmi = true;
	v->iret_insn_count = 4242;
	v->mtf_insn_count = 77;
	v->last_exit_reason = EXIT_REASON_CPUID;
	v->exit_count = 17;
	vmcs_write(v, VMCS_GUEST_RIP, 0x401000);
	vmcs_write(v, VMCS_EPT_POINTER, 0x305e);

	vmx_state_export(v, &gm, &st);
	/* The export wrote the cached VMCS back to its region. */
	uint64_t rip = 0;

	ck_assert(gmem_read_u64(&gm, 0x22000 + VMCS_OFF_DATA + 8 * VMCS_IDX_GUEST_RIP, &rip));
	ck_assert_uint_eq(rip, 0x401000);
	ck_assert_uint_eq(st.n_regions, 2);
	ck_assert_uint_eq(st.regions[0].gpa, 0x21000);
	ck_assert_uint_eq(st.regions[0].slot, 7);
	ck_assert_uint_eq(st.regions[1].slot, 3);
	ck_assert_uint_eq(vmx_state_scalar_find(&st, "preempt_deadline")->value, 123456789);

	ck_assert_int_eq(vmx_state_import(w, &st, err, sizeof(err)), 0);
	ck_assert(w->vmxon && w->nonroot);
	ck_assert_uint_eq(w->vmxon_ptr, 0x20000);
	ck_assert_uint_eq(w->current_vmcs, 0x22000);
	ck_assert_int_eq(w->current_region, 3);
	ck_assert_uint_eq(w->regions[7].gpa, 0x21000);
	ck_assert(!w->regions[7].launched && w->regions[3].launched);
	ck_assert_uint_eq(w->regions[3].entries, 5);
	ck_assert_uint_eq(w->regions[0].gpa, VMCS_PTR_NONE);
	ck_assert_mem_eq(w->vmcs, v->vmcs, sizeof(v->vmcs));
	/* Every scalar of the table comes back. */
	for (size_t i = 0; i < vmx_state_scalar_rows_len; i++) {
		const struct vmx_state_row *r = &vmx_state_scalar_rows[i];

		ck_assert_msg(!memcmp((uint8_t *)w + r->offset,
				      (uint8_t *)v + r->offset, r->size),
			      "%s differs after import", r->name);
	}
	vmx_vcpu_destroy(v);
	vmx_vcpu_destroy(w);
	gmem_destroy(&gm);
}
END_TEST

START_TEST(import_rejects_bad_scalars)
{
	struct vmx_vcpu *w = make_vcpu();
	static struct vmx_state st;
	char err[200];

	memset(&st, 0, sizeof(st));
	st.vmxon_ptr = st.current_vmcs = VMCS_PTR_NONE;
	st.scalars[st.n_scalars++] = (struct vmx_state_scalar){ "mtf_pending", 2 };
	ck_assert_int_eq(vmx_state_import(w, &st, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "vmx: mtf_pending = 0x2 is out of range");

	st.scalars[0] = (struct vmx_state_scalar){ "no_such_thing", 1 };
	ck_assert_int_eq(vmx_state_import(w, &st, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "vmx: unknown state \"no_such_thing\"");

	/* Absent scalars keep their reset values (older snapshots). */
	st.n_scalars = 0;
	ck_assert_int_eq(vmx_state_import(w, &st, err, sizeof(err)), 0);
	ck_assert_uint_eq(w->executive_vmcs_ptr, VMCS_PTR_NONE);
	ck_assert(!w->vmxon && w->current_region == -1);

	st.n_regions = 2;
	st.regions[0] = (struct vmx_state_region){ .gpa = 0x1000, .slot = 4 };
	st.regions[1] = (struct vmx_state_region){ .gpa = 0x2000, .slot = 4 };
	ck_assert_int_eq(vmx_state_import(w, &st, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "vmx: two VMCS regions in slot 4");
	vmx_vcpu_destroy(w);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("vmx_state");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, every_field_is_saved_or_rebuilt);
	tcase_add_test(tc, round_trip_keeps_internals);
	tcase_add_test(tc, import_rejects_bad_scalars);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
