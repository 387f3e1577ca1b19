// SPDX-License-Identifier: MIT
/*
 * Export and import of a vCPU's VMX state (vmx_api.h): what a snapshot
 * must hold to continue VMX operation exactly.  The core's bookkeeping
 * scalars are described once, in state_scalars[]; tests/vmx checks that
 * every byte of struct vmx_vcpu is either in that table, saved through
 * struct vmx_state's own members, or rebuilt (capabilities from the CPU
 * model), so a field added to the struct without a row fails the tests.
 */
#include "vmx/vmx_state.h"

#include <stdio.h>
#include <string.h>

#define ROW(nm, fld, k, mx) { nm, offsetof(struct vmx_vcpu, fld), \
	sizeof(((struct vmx_vcpu *)0)->fld), k, mx }

const struct vmx_state_row vmx_state_scalar_rows[] = {
	ROW("region_victim", region_victim, VMX_ROW_UINT, UINT32_MAX),
	ROW("executive_vmcs_ptr", executive_vmcs_ptr, VMX_ROW_UINT, UINT64_MAX),
	ROW("smm_transfer_vmcs_ptr", smm_transfer_vmcs_ptr, VMX_ROW_UINT, UINT64_MAX),
	ROW("preempt_deadline", preempt_deadline, VMX_ROW_UINT, UINT64_MAX),
	ROW("preempt_armed", preempt_armed, VMX_ROW_BOOL, 1),
	ROW("mtf_pending", mtf_pending, VMX_ROW_BOOL, 1),
	ROW("mtf_insn_count", mtf_insn_count, VMX_ROW_UINT, UINT64_MAX),
	ROW("vnmi_blocked", vnmi_blocked, VMX_ROW_BOOL, 1),
	ROW("tpr_exit_pending", tpr_exit_pending, VMX_ROW_BOOL, 1),
	ROW("trap_exit_reason", trap_exit_reason, VMX_ROW_UINT,
	    EXIT_REASON_COUNT - 1),
	ROW("trap_exit_qual", trap_exit_qual, VMX_ROW_UINT, 0xfff),
	ROW("vintr_pending", vintr_pending, VMX_ROW_BOOL, 1),
	ROW("apic_write_pending", apic_write_pending, VMX_ROW_BOOL, 1),
	ROW("apic_write_offset", apic_write_offset, VMX_ROW_UINT, 0xfff),
	ROW("iret_unblocked_nmi", iret_unblocked_nmi, VMX_ROW_BOOL, 1),
	ROW("iret_insn_count", iret_insn_count, VMX_ROW_UINT, UINT64_MAX),
	ROW("ple_seen", ple_seen, VMX_ROW_BOOL, 1),
	ROW("ple_last", ple_last, VMX_ROW_UINT, UINT64_MAX),
	ROW("ple_first", ple_first, VMX_ROW_UINT, UINT64_MAX),
	ROW("last_exit_reason", last_exit_reason, VMX_ROW_UINT, UINT32_MAX),
	ROW("exit_count", exit_count, VMX_ROW_UINT, UINT64_MAX),
	ROW("shared_loads", shared_loads, VMX_ROW_UINT, UINT64_MAX),
};

const size_t vmx_state_scalar_rows_len =
	sizeof(vmx_state_scalar_rows) / sizeof(vmx_state_scalar_rows[0]);

static uint64_t row_get(const struct vmx_vcpu *v, const struct vmx_state_row *r)
{
	const uint8_t *p = (const uint8_t *)v + r->offset;
	uint64_t x = 0;

	if (r->kind == VMX_ROW_BOOL) {
		bool b;

		memcpy(&b, p, sizeof(b));
		return b;
	}
	memcpy(&x, p, r->size);   /* little-endian host */
	return x;
}

static void row_set(struct vmx_vcpu *v, const struct vmx_state_row *r,
		    uint64_t x)
{
	uint8_t *p = (uint8_t *)v + r->offset;

	if (r->kind == VMX_ROW_BOOL) {
		bool b = x != 0;

		memcpy(p, &b, sizeof(b));
		return;
	}
	memcpy(p, &x, r->size);
}

/* Regions in address order (snapshots are canonical). */
static void export_regions(const struct vmx_vcpu *v, struct vmx_state *out)
{
	uint64_t last = 0;

	for (unsigned k = 0; k < VMX_MAX_REGIONS; k++) {
		int best = -1;

		for (int i = 0; i < VMX_MAX_REGIONS; i++) {
			uint64_t g = v->regions[i].gpa;

			if (g == VMCS_PTR_NONE || (k && g <= last))
				continue;
			if (best < 0 || g < v->regions[best].gpa)
				best = i;
		}
		if (best < 0)
			break;
		last = v->regions[best].gpa;
		out->regions[out->n_regions++] = (struct vmx_state_region){
			.gpa = last, .launched = v->regions[best].launched,
			.slot = (unsigned)best,
			.entries = v->regions[best].entries,
			.active = v->regions[best].active,
		};
	}
}

void vmx_state_export(struct vmx_vcpu *v, struct guest_mem *mem,
		      struct vmx_state *out)
{
	memset(out, 0, sizeof(*out));
	if (mem)
		vmx_flush_current(v, mem);
	out->vmxon = v->vmxon;
	out->non_root = v->nonroot;
	out->vmxon_ptr = v->vmxon ? v->vmxon_ptr : VMCS_PTR_NONE;
	out->current_vmcs = v->current_vmcs;
	export_regions(v, out);
	memcpy(out->vmcs, v->vmcs, sizeof(out->vmcs));
	for (size_t i = 0; i < vmx_state_scalar_rows_len; i++)
		out->scalars[out->n_scalars++] = (struct vmx_state_scalar){
			vmx_state_scalar_rows[i].name,
			row_get(v, &vmx_state_scalar_rows[i]),
		};
}

const struct vmx_state_scalar *vmx_state_scalar_find(const struct vmx_state *s,
						     const char *name)
{
	for (unsigned i = 0; i < s->n_scalars; i++)
		if (!strcmp(s->scalars[i].name, name))
			return &s->scalars[i];
	return NULL;
}

static int import_regions(struct vmx_vcpu *v, const struct vmx_state *in,
			  char *err, size_t errlen)
{
	bool used[VMX_MAX_REGIONS] = { false };

	if (in->n_regions > VMX_MAX_REGIONS) {
		snprintf(err, errlen, "vmx: %u VMCS regions, this vmxbox keeps %d",
			 in->n_regions, VMX_MAX_REGIONS);
		return -1;
	}
	/* Saved slots first (replacement order), then the free ones. */
	for (unsigned r = 0; r < in->n_regions; r++) {
		unsigned x = in->regions[r].slot;

		/* VMCLEAR/VMPTRLD take 4-KByte aligned addresses only (SDM
		 * 31.3): no VMCS region is anywhere else, nor at "none". */
		if (in->regions[r].gpa & 0xfff) {
			snprintf(err, errlen, "vmx: VMCS region at %#llx is "
				 "not 4-KByte aligned",
				 (unsigned long long)in->regions[r].gpa);
			return -1;
		}
		if (x < VMX_MAX_REGIONS && used[x]) {
			snprintf(err, errlen, "vmx: two VMCS regions in slot %u", x);
			return -1;
		}
		if (x >= VMX_MAX_REGIONS)
			for (x = 0; used[x]; x++)
				;
		used[x] = true;
		v->regions[x].gpa = in->regions[r].gpa;
		v->regions[x].launched = in->regions[r].launched;
		v->regions[x].entries = in->regions[r].entries;
		v->regions[x].active = in->regions[r].active;
		if (v->regions[x].gpa == v->current_vmcs)
			v->current_region = (int)x;
	}
	return 0;
}

static const struct vmx_state_row *scalar_row(const char *name)
{
	for (size_t i = 0; i < vmx_state_scalar_rows_len; i++)
		if (!strcmp(vmx_state_scalar_rows[i].name, name))
			return &vmx_state_scalar_rows[i];
	return NULL;
}

static int import_scalars(struct vmx_vcpu *v, const struct vmx_state *in,
			  char *err, size_t errlen)
{
	for (unsigned i = 0; i < in->n_scalars; i++) {
		const struct vmx_state_scalar *sc = &in->scalars[i];
		const struct vmx_state_row *r = scalar_row(sc->name);

		if (!r) {
			snprintf(err, errlen, "vmx: unknown state \"%s\"", sc->name);
			return -1;
		}
		if (sc->value > r->max) {
			snprintf(err, errlen, "vmx: %s = %#llx is out of range",
				 sc->name, (unsigned long long)sc->value);
			return -1;
		}
		row_set(v, r, sc->value);
	}
	return 0;
}

int vmx_state_import(struct vmx_vcpu *v, const struct vmx_state *in,
		     char *err, size_t errlen)
{
	vmx_vcpu_reset(v);
	v->vmxon = in->vmxon;
	v->nonroot = in->non_root;
	v->vmxon_ptr = in->vmxon ? in->vmxon_ptr : VMCS_PTR_NONE;
	v->current_vmcs = in->current_vmcs;
	if (import_regions(v, in, err, errlen) ||
	    import_scalars(v, in, err, errlen))
		return -1;
	for (unsigned i = 0; i < VMCS_FIELD_COUNT; i++)
		v->vmcs[i] = in->vmcs[i] & vmcs_width_mask(vmcs_field_table[i].width);
	return 0;
}
