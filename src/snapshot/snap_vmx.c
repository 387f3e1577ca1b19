// SPDX-License-Identifier: MIT
/*
 * VMX section: VMX operation (SDM 24.1, 31.x), the VMXON pointer, the
 * current-VMCS pointer, every VMCS region L1 has used with its launch state,
 * the cached current VMCS by encoding and name, and VMX-core extras.
 */
#include "snapshot/snap_internal.h"

#include <string.h>

#include "vmx/vmcs_fields.h"

static const char *launch_name(uint8_t st)
{
	return st == SNAP_VMCS_LAUNCHED ? "launched" : "clear";
}

void snap_vmx_encode(struct cout *o, const struct snap_vmx *v)
{
	if (!v->present) {
		cout_null(o);
		return;
	}
	/* Keys in canonical order (RFC 8949 4.2.1). */
	cout_map(o, 7);
	cout_text(o, "extra");
	snap_kvset_encode(o, &v->extra);
	cout_text(o, "vmxon");
	cout_bool(o, v->vmxon);
	cout_text(o, "fields");
	cout_array(o, v->n_fields);
	for (unsigned i = 0; i < v->n_fields; i++) {
		cout_array(o, 3);
		cout_uint(o, v->fields[i].encoding);
		cout_text(o, v->fields[i].name);
		cout_uint(o, v->fields[i].value);
	}
	cout_text(o, "regions");
	cout_array(o, v->n_regions);
	for (unsigned i = 0; i < v->n_regions; i++) {
		cout_array(o, 2);
		cout_uint(o, v->regions[i].addr);
		cout_text(o, launch_name(v->regions[i].launch_state));
	}
	cout_text(o, "non_root");
	cout_bool(o, v->non_root);
	cout_text(o, "vmxon_ptr");
	cout_uint(o, v->vmxon_ptr);
	cout_text(o, "current_vmcs");
	cout_uint(o, v->current_vmcs);
}

/* SDM 24.11.2: bits 31:15 and 12 reserved; bit 0 = access type (high). */
static bool vmcs_encoding_ok(uint32_t enc)
{
	return !(enc & 0xffff8000u) && !(enc & (1u << 12)) && !(enc & 1u);
}

static uint64_t vmcs_width_max(uint32_t enc)
{
	switch ((enc >> 13) & 3) {
	case 0: return 0xffff;          /* 16-bit */
	case 2: return 0xffffffff;      /* 32-bit */
	default: return UINT64_MAX;     /* 64-bit, natural width */
	}
}

static bool dec_field(struct cin *in, struct snap_vmcs_field *f,
		      const struct snap_vmcs_field *prev)
{
	uint64_t n, enc;

	if (!cin_array(in, 3, &n))
		return false;
	if (n != 3)
		return cin_fail(in, "expected [encoding, name, value]");
	if (!cin_uint_max(in, UINT32_MAX, &enc) ||
	    !cin_text_copy(in, f->name, sizeof(f->name)) ||
	    !cin_uint(in, &f->value))
		return false;
	f->encoding = (uint32_t)enc;
	if (!vmcs_encoding_ok(f->encoding))
		return cin_fail(in, "invalid VMCS field encoding %#x", f->encoding);
	if (prev && f->encoding <= prev->encoding)
		return cin_fail(in, "VMCS fields not sorted by encoding (%#x after %#x)",
				f->encoding, prev->encoding);
	/* The encoding is the key (SDM Appendix B); the name is for people
	 * and may differ in files from other versions (renamed fields). */
	if (!vmcs_field_name(f->encoding))
		return cin_fail(in, "unknown VMCS field encoding %#x", f->encoding);
	if (f->value > vmcs_width_max(f->encoding))
		return cin_fail(in, "VMCS field %s value %#llx too wide",
				vmcs_field_name(f->encoding), (unsigned long long)f->value);
	return true;
}

static bool dec_fields(struct cin *in, void *ctx)
{
	struct snap_vmx *v = ctx;
	uint64_t n;

	if (!cin_array(in, SNAP_VMCS_MAX_FIELDS, &n))
		return false;
	for (uint64_t i = 0; i < n; i++) {
		size_t old = cin_push(in, "[%llu]", (unsigned long long)i);

		if (!dec_field(in, &v->fields[i], i ? &v->fields[i - 1] : NULL))
			return false;
		cin_pop(in, old);
	}
	v->n_fields = (unsigned)n;
	return true;
}

static bool dec_regions(struct cin *in, void *ctx)
{
	struct snap_vmx *v = ctx;
	uint64_t n, m;

	if (!cin_array(in, SNAP_VMX_MAX_REGIONS, &n))
		return false;
	for (uint64_t i = 0; i < n; i++) {
		struct snap_vmcs_region *r = &v->regions[i];
		char st[16];
		size_t old = cin_push(in, "[%llu]", (unsigned long long)i);

		if (!cin_array(in, 2, &m))
			return false;
		if (m != 2)
			return cin_fail(in, "expected [address, launch-state]");
		if (!cin_uint(in, &r->addr) || !cin_text_copy(in, st, sizeof(st)))
			return false;
		if (!strcmp(st, "clear"))
			r->launch_state = SNAP_VMCS_CLEAR;
		else if (!strcmp(st, "launched"))
			r->launch_state = SNAP_VMCS_LAUNCHED;
		else
			return cin_fail(in, "launch state \"%s\" is neither \"clear\" nor \"launched\"",
					st);
		if (i && r->addr <= v->regions[i - 1].addr)
			return cin_fail(in, "VMCS regions not sorted/unique by address");
		cin_pop(in, old);
	}
	v->n_regions = (unsigned)n;
	return true;
}

static bool dec_extra(struct cin *in, void *ctx)
{
	return snap_kvset_decode(in, &((struct snap_vmx *)ctx)->extra);
}

static bool dec_vmxon(struct cin *in, void *ctx)
{
	return cin_bool(in, &((struct snap_vmx *)ctx)->vmxon);
}

static bool dec_non_root(struct cin *in, void *ctx)
{
	return cin_bool(in, &((struct snap_vmx *)ctx)->non_root);
}

static bool dec_vmxon_ptr(struct cin *in, void *ctx)
{
	return cin_uint(in, &((struct snap_vmx *)ctx)->vmxon_ptr);
}

static bool dec_current(struct cin *in, void *ctx)
{
	return cin_uint(in, &((struct snap_vmx *)ctx)->current_vmcs);
}

static const struct cin_key vmx_keys[] = {
	{ "extra", true, dec_extra },
	{ "vmxon", true, dec_vmxon },
	{ "fields", true, dec_fields },
	{ "regions", true, dec_regions },
	{ "non_root", true, dec_non_root },
	{ "vmxon_ptr", true, dec_vmxon_ptr },
	{ "current_vmcs", true, dec_current },
};

bool snap_vmx_decode(struct cin *in, struct snap_vmx *v)
{
	memset(v, 0, sizeof(*v));
	if (cin_peek_null(in))
		return true;
	v->present = true;
	return cin_map_table(in, vmx_keys, sizeof(vmx_keys) / sizeof(vmx_keys[0]),
			     v);
}

/*
 * What VMXON, VMCLEAR and VMPTRLD accept (SDM 31.3): a 4-KiB aligned
 * physical address below MAXPHYADDR, at most 52 bits (SDM 4.1.4).  Not
 * "inside RAM": VMCLEAR of a page beyond RAM is legal and its launch state
 * is kept, so such a state must load again (the VMX core reads and writes
 * regions through bounds-checked guest memory: beyond RAM reads all ones).
 */
#define PHYS_ADDR_LIMIT (1ull << 52)

static bool region_ok(uint64_t addr)
{
	return !(addr & (GUEST_PAGE_SIZE - 1)) && addr < PHYS_ADDR_LIMIT;
}

static const struct snap_vmcs_region *find_region(const struct snap_vmx *v,
						  uint64_t addr)
{
	for (unsigned i = 0; i < v->n_regions; i++)
		if (v->regions[i].addr == addr)
			return &v->regions[i];
	return NULL;
}

/* Consistency rules; SDM 31.3 (VMXON/VMPTRLD operand checks), 24.1. */
bool snap_vmx_validate(struct cin *in, const struct snap_vmx *v)
{
	if (!v->present)
		return true;
	if (!v->vmxon) {
		if (v->non_root)
			return cin_fail(in, "VMX non-root operation outside VMX operation");
		if (v->current_vmcs != SNAP_NO_VMCS || v->n_fields)
			return cin_fail(in, "current VMCS outside VMX operation");
		return true;
	}
	if (!region_ok(v->vmxon_ptr))
		return cin_fail(in, "VMXON pointer %#llx is not a 4-KiB aligned address below 2^52",
				(unsigned long long)v->vmxon_ptr);
	for (unsigned i = 0; i < v->n_regions; i++)
		if (!region_ok(v->regions[i].addr))
			return cin_fail(in, "VMCS region %#llx is not a 4-KiB aligned address below 2^52",
					(unsigned long long)v->regions[i].addr);
	if (v->current_vmcs == SNAP_NO_VMCS) {
		if (v->non_root)
			return cin_fail(in, "VMX non-root operation without a current VMCS");
		if (v->n_fields)
			return cin_fail(in, "cached VMCS fields without a current VMCS");
		return true;
	}
	if (v->current_vmcs == v->vmxon_ptr)
		return cin_fail(in, "current VMCS is the VMXON region");
	const struct snap_vmcs_region *r = find_region(v, v->current_vmcs);

	if (!r)
		return cin_fail(in, "current VMCS %#llx is not a known VMCS region",
				(unsigned long long)v->current_vmcs);
	if (v->non_root && r->launch_state != SNAP_VMCS_LAUNCHED)
		return cin_fail(in, "VMX non-root operation with a clear current VMCS");
	return true;
}
