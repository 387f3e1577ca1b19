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
	/* The machine's wiring of several vCPUs (vmx_vcpu_link, the shared-
	 * VMCS hook), set again when a machine is made. */
	MARK(peers);
	MARK(n_peers);
	MARK(index);
	MARK(shared_hook);
	MARK(shared_opaque);
	/* The VM-entry checks' remembered inputs (entry_checks.c): compared
	 * by value at each entry, so right whatever a restore leaves there. */
	MARK(entry_memo);
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
	v->regions[3] = (struct vmx_region){ .gpa = 0x22000, .launched = true, .entries = 5,
					     .active = true };
	v->regions[7] = (struct vmx_region){ .gpa = 0x21000, .launched = false };
	v->regions[0] = (struct vmx_region){ .gpa = 0x23000, .launched = true };
	v->current_vmcs = 0x22000;
	v->current_region = 3;
	v->region_victim = 9;
	v->preempt_armed = true;
	v->preempt_deadline = 123456789;
	v->vnmi_blocked = true;
	v->tpr_exit_pending = true;
	v->trap_exit_reason = EXIT_REASON_EOI_INDUCED;
	v->trap_exit_qual = 0x41;
	v->vintr_pending = true;
	v->apic_write_pending = true;
	v->apic_write_offset = 0x300;
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
	ck_assert_uint_eq(st.n_regions, 3);
	ck_assert_uint_eq(st.regions[0].gpa, 0x21000);
	ck_assert_uint_eq(st.regions[0].slot, 7);
	ck_assert_uint_eq(st.regions[1].slot, 3);
	ck_assert_uint_eq(st.regions[2].gpa, 0x23000);
	ck_assert_uint_eq(st.regions[2].slot, 0);
	ck_assert_uint_eq(vmx_state_scalar_find(&st, "preempt_deadline")->value, 123456789);

	ck_assert_int_eq(vmx_state_import(w, &st, err, sizeof(err)), 0);
	ck_assert(w->vmxon && w->nonroot);
	ck_assert_uint_eq(w->vmxon_ptr, 0x20000);
	ck_assert_uint_eq(w->current_vmcs, 0x22000);
	ck_assert_int_eq(w->current_region, 3);
	ck_assert_uint_eq(w->regions[7].gpa, 0x21000);
	ck_assert(!w->regions[7].launched && w->regions[3].launched);
	/* Active on this vCPU (SDM 25.1): decides where VMPTRLD takes the
	 * launch state from (docs/smp.md). */
	ck_assert(w->regions[3].active && !w->regions[7].active);
	ck_assert_uint_eq(w->regions[3].entries, 5);
	ck_assert_uint_eq(w->regions[0].gpa, 0x23000);
	ck_assert(w->regions[0].launched);
	ck_assert_uint_eq(w->regions[1].gpa, VMCS_PTR_NONE);
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

	/* A region at "no VMCS" would make a current region of it. */
	st.n_regions = 1;
	st.regions[0] = (struct vmx_state_region){ .gpa = VMCS_PTR_NONE };
	ck_assert_int_eq(vmx_state_import(w, &st, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "vmx: VMCS region at 0xffffffffffffffff is not "
			 "4-KByte aligned");
	ck_assert_int_eq(w->current_region, -1);
	st.regions[0].gpa = 0x1008;
	ck_assert_int_eq(vmx_state_import(w, &st, err, sizeof(err)), -1);
	st.regions[0].gpa = 0x1000;
	ck_assert_int_eq(vmx_state_import(w, &st, err, sizeof(err)), 0);
	vmx_vcpu_destroy(w);
}
END_TEST

/* vmx_vcpu_reset (VMXON state lost: INIT, snapshot import) leaves nothing
 * of the previous VMX operation behind: every bookkeeping scalar at its
 * reset value, no region, no current VMCS, an all-zero VMCS cache. */
START_TEST(reset_clears_every_scalar)
{
	struct vmx_vcpu *v = make_vcpu();

	for (size_t i = 0; i < vmx_state_scalar_rows_len; i++) {
		const struct vmx_state_row *r = &vmx_state_scalar_rows[i];

		memset((uint8_t *)v + r->offset, r->kind == VMX_ROW_BOOL ? 1 : 0x5a,
		       r->size);
	}
	v->vmxon = v->nonroot = true;
	v->vmxon_ptr = v->current_vmcs = 0x5000;
	v->current_region = 2;
	for (int i = 0; i < VMX_MAX_REGIONS; i++)
		v->regions[i] = (struct vmx_region){ .gpa = 0x1000ull * (i + 1),
						     .launched = true,
						     .entries = 3 };
	memset(v->vmcs, 0xa5, sizeof(v->vmcs));
	vmx_vcpu_reset(v);
	ck_assert(!v->vmxon && !v->nonroot);
	ck_assert_uint_eq(v->vmxon_ptr, VMCS_PTR_NONE);
	ck_assert_uint_eq(v->current_vmcs, VMCS_PTR_NONE);
	ck_assert_int_eq(v->current_region, -1);
	for (int i = 0; i < VMX_MAX_REGIONS; i++) {
		ck_assert_uint_eq(v->regions[i].gpa, VMCS_PTR_NONE);
		ck_assert(!v->regions[i].launched && !v->regions[i].entries);
	}
	for (unsigned i = 0; i < VMCS_FIELD_COUNT; i++)
		ck_assert_uint_eq(v->vmcs[i], 0);
	for (size_t i = 0; i < vmx_state_scalar_rows_len; i++) {
		const struct vmx_state_row *r = &vmx_state_scalar_rows[i];
		uint64_t x = 0, want = 0;

		/* The instruction counts only mean something while their
		 * flag (mtf_pending, iret_unblocked_nmi) is set. */
		if (!strcmp(r->name, "mtf_insn_count") ||
		    !strcmp(r->name, "iret_insn_count"))
			continue;
		if (!strcmp(r->name, "executive_vmcs_ptr") ||
		    !strcmp(r->name, "smm_transfer_vmcs_ptr"))
			want = VMCS_PTR_NONE;
		memcpy(&x, (uint8_t *)v + r->offset, r->size);
		ck_assert_msg(x == want, "%s = %#llx after reset", r->name,
			      (unsigned long long)x);
	}
	vmx_vcpu_destroy(v);
}
END_TEST

/* vmx_vmcs_peek: a field of the current VMCS from the cache, of another
 * VMCS from its region (width-masked, HIGH accesses), never an unknown
 * encoding (the monitor's `ctl vmcs` of any VMCS). */
START_TEST(vmcs_peek_current_and_other)
{
	struct guest_mem gm;
	struct vmx_vcpu *v = make_vcpu();
	uint64_t val = 0;

	ck_assert_int_eq(gmem_init(&gm, GUEST_MEM_MIN), 0);
	v->current_vmcs = 0x22000;
	vmcs_write(v, VMCS_GUEST_RIP, 0x401000);
	ck_assert(vmx_vmcs_peek(v, &gm, 0x22000, VMCS_GUEST_RIP, &val));
	ck_assert_uint_eq(val, 0x401000);
	gmem_write_u64(&gm, 0x24000 + VMCS_OFF_DATA + 8 * VMCS_IDX_GUEST_RIP,
		       0x1234567890ull);
	ck_assert(vmx_vmcs_peek(v, &gm, 0x24000, VMCS_GUEST_RIP, &val));
	ck_assert_uint_eq(val, 0x1234567890ull);
	gmem_write_u64(&gm, 0x24000 + VMCS_OFF_DATA + 8 * VMCS_IDX_GUEST_CS_SELECTOR,
		       0xffff0008ull);
	ck_assert(vmx_vmcs_peek(v, &gm, 0x24000, VMCS_GUEST_CS_SELECTOR, &val));
	ck_assert_uint_eq(val, 8);
	gmem_write_u64(&gm, 0x24000 + VMCS_OFF_DATA + 8 * VMCS_IDX_EPT_POINTER,
		       0x123456789aull);
	ck_assert(vmx_vmcs_peek(v, &gm, 0x24000, VMCS_EPT_POINTER | 1, &val));
	ck_assert_uint_eq(val, 0x12);
	val = 7;
	ck_assert(!vmx_vmcs_peek(v, &gm, 0x24000, 0x7fff, &val));
	ck_assert(!vmx_vmcs_peek(v, &gm, 0x22000, 0x7fff, &val));
	ck_assert_uint_eq(val, 7);
	ck_assert(!vmx_vmcs_peek(v, &gm, 1ull << 40, VMCS_GUEST_RIP, &val));
	vmx_vcpu_destroy(v);
	gmem_destroy(&gm);
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
	tcase_add_test(tc, reset_clears_every_scalar);
	tcase_add_test(tc, vmcs_peek_current_and_other);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
