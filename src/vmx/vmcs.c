// SPDX-License-Identifier: MIT
/*
 * VMCS storage: the cached current VMCS and the VMCS region in guest memory.
 *
 * SDM 25.2: bytes 0-3 of a VMCS region hold the revision identifier (bit 31
 * the shadow-VMCS indicator), bytes 4-7 the VMX-abort indicator, the rest is
 * implementation specific.  Ours (docs/vmcs-layout.md): launch state at 8,
 * layout version at 12, then 8 bytes per field-table index at 16.  The
 * processor may keep VMCS data cached (SDM 25.11.1); we cache the current
 * VMCS only and write it back on VMCLEAR, VMPTRLD of another VMCS, VMXOFF
 * and snapshot.  All guest memory access is bounds-checked: a region
 * outside RAM reads as all ones and absorbs writes, never crashes.
 */
#include "vmx/vmcs.h"

#include <string.h>

_Static_assert(VMCS_OFF_DATA + 8 * VMCS_FIELD_COUNT <= VMX_REGION_SIZE,
	       "VMCS data must fit in the 4 KiB region");

/* One field's value as VMREAD sees it: a HIGH access of a 64-bit field
 * reads bits 63:32 (SDM 25.11.2). */
static uint64_t field_get(uint64_t raw, bool hi)
{
	return hi ? raw >> 32 : raw;
}

/* The stored value after a VMWRITE: a HIGH access replaces bits 63:32, a
 * FULL one the whole field, truncated to its width. */
static uint64_t field_put(uint64_t raw, int i, bool hi, uint64_t val)
{
	if (hi)
		return (raw & 0xffffffffull) | (val << 32);
	return val & vmcs_width_mask(vmcs_field_table[i].width);
}

uint64_t vmcs_read_enc(const struct vmx_vcpu *v, uint32_t encoding)
{
	bool hi;
	int i = vmcs_field_index(encoding, &hi);

	if (i < 0)
		return 0;
	return field_get(v->vmcs[i], hi);
}

void vmcs_write_enc(struct vmx_vcpu *v, uint32_t encoding, uint64_t val)
{
	bool hi;
	int i = vmcs_field_index(encoding, &hi);

	if (i < 0)
		return;
	v->vmcs[i] = field_put(v->vmcs[i], i, hi, val);
}

/* A field in a VMCS region: 8 bytes per field-table index from
 * VMCS_OFF_DATA.  Outside RAM it reads all ones and absorbs writes. */
static uint64_t region_slot(uint64_t gpa, int i)
{
	return gpa + VMCS_OFF_DATA + 8ull * (unsigned)i;
}

uint64_t vmcs_region_read(const struct guest_mem *mem, uint64_t gpa,
			  uint32_t encoding)
{
	bool hi;
	int i = vmcs_field_index(encoding, &hi);
	uint64_t raw;

	if (i < 0)
		return 0;
	if (!gmem_read_u64(mem, region_slot(gpa, i), &raw))
		raw = UINT64_MAX;
	raw &= vmcs_width_mask(vmcs_field_table[i].width);
	return field_get(raw, hi);
}

void vmcs_region_write(struct guest_mem *mem, uint64_t gpa, uint32_t encoding,
		       uint64_t val)
{
	bool hi;
	int i = vmcs_field_index(encoding, &hi);
	uint64_t raw;

	if (i < 0 || !gmem_read_u64(mem, region_slot(gpa, i), &raw))
		return;
	raw &= vmcs_width_mask(vmcs_field_table[i].width);
	gmem_write_u64(mem, region_slot(gpa, i), field_put(raw, i, hi, val));
}

static int region_find(const struct vmx_vcpu *v, uint64_t gpa)
{
	for (int i = 0; i < VMX_MAX_REGIONS; i++)
		if (v->regions[i].gpa == gpa)
			return i;
	return -1;
}

static uint32_t mem_u32(const struct guest_mem *mem, uint64_t gpa)
{
	uint32_t x;

	return gmem_read_u32(mem, gpa, &x) ? x : UINT32_MAX;
}

uint32_t vmcs_region_revision(const struct guest_mem *mem, uint64_t gpa)
{
	return mem_u32(mem, gpa + VMCS_OFF_REVISION);
}

/* Find or make the table entry of region gpa.  A region we do not know (or
 * forgot) takes its launch state from memory, where we wrote it last. */
static int region_get(struct vmx_vcpu *v, const struct guest_mem *mem,
		      uint64_t gpa)
{
	int i = region_find(v, gpa);

	if (i >= 0)
		return i;
	i = region_find(v, VMCS_PTR_NONE);
	if (i < 0) {
		do {
			i = (int)(v->region_victim++ % VMX_MAX_REGIONS);
		} while (i == v->current_region);
	}
	memset(&v->regions[i], 0, sizeof(v->regions[i]));
	v->regions[i].gpa = gpa;
	v->regions[i].launched =
		mem_u32(mem, gpa + VMCS_OFF_LAUNCH) == VMCS_LAUNCH_LAUNCHED;
	return i;
}

struct vmx_region *vmx_current_region(struct vmx_vcpu *v)
{
	if (v->current_vmcs == VMCS_PTR_NONE || v->current_region < 0)
		return NULL;
	return &v->regions[v->current_region];
}

bool vmx_current_launched(const struct vmx_vcpu *v)
{
	if (v->current_vmcs == VMCS_PTR_NONE || v->current_region < 0)
		return false;
	return v->regions[v->current_region].launched;
}

void vmx_set_launched(struct vmx_vcpu *v, bool launched)
{
	struct vmx_region *r = vmx_current_region(v);

	if (r)
		r->launched = launched;
}

void vmx_count_exit(struct vmx_vcpu *v, uint32_t reason)
{
	struct vmx_region *r = vmx_current_region(v);

	reason &= EXIT_REASON_BASIC_MASK;
	v->exit_count++;
	if (r && reason < EXIT_REASON_COUNT)
		r->exits[reason]++;
}

static void write_header(struct guest_mem *mem, uint64_t gpa, bool launched)
{
	gmem_write_u32(mem, gpa + VMCS_OFF_LAUNCH,
		       launched ? VMCS_LAUNCH_LAUNCHED : VMCS_LAUNCH_CLEAR);
	gmem_write_u32(mem, gpa + VMCS_OFF_LAYOUT, VMCS_LAYOUT_VERSION);
}

void vmx_flush_current(struct vmx_vcpu *v, struct guest_mem *mem)
{
	uint64_t gpa = v->current_vmcs;
	uint8_t buf[8 * VMCS_FIELD_COUNT];

	if (gpa == VMCS_PTR_NONE)
		return;
	write_header(mem, gpa, vmx_current_launched(v));
	for (unsigned i = 0; i < VMCS_FIELD_COUNT; i++)
		memcpy(buf + 8 * i, &v->vmcs[i], 8);  /* little-endian host */
	gmem_write(mem, gpa + VMCS_OFF_DATA, buf, sizeof(buf));
}

void vmcs_load(struct vmx_vcpu *v, struct guest_mem *mem, uint64_t gpa)
{
	uint8_t buf[8 * VMCS_FIELD_COUNT];

	if (v->current_vmcs == gpa)
		return;
	vmx_flush_current(v, mem);
	vmx_check_shared_vmcs(v, gpa);
	v->current_region = region_get(v, mem, gpa);
	/* Not active here: another vCPU may have launched or cleared it
	 * since; the region in memory has its launch state (SDM 25.11.3). */
	if (!v->regions[v->current_region].active)
		v->regions[v->current_region].launched =
			mem_u32(mem, gpa + VMCS_OFF_LAUNCH) == VMCS_LAUNCH_LAUNCHED;
	v->regions[v->current_region].active = true;
	v->current_vmcs = gpa;
	if (!gmem_read(mem, gpa + VMCS_OFF_DATA, buf, sizeof(buf)))
		memset(buf, 0xff, sizeof(buf));
	for (unsigned i = 0; i < VMCS_FIELD_COUNT; i++) {
		memcpy(&v->vmcs[i], buf + 8 * i, 8);
		v->vmcs[i] &= vmcs_width_mask(vmcs_field_table[i].width);
	}
}

void vmcs_clear(struct vmx_vcpu *v, struct guest_mem *mem, uint64_t gpa)
{
	int i;

	if (v->current_vmcs == gpa) {
		vmx_flush_current(v, mem);
		v->current_vmcs = VMCS_PTR_NONE;
		v->current_region = -1;
	}
	i = region_get(v, mem, gpa);
	v->regions[i].launched = false;
	v->regions[i].active = false;
	write_header(mem, gpa, false);
}

void vmcs_release_current(struct vmx_vcpu *v, struct guest_mem *mem)
{
	vmx_flush_current(v, mem);
	v->current_vmcs = VMCS_PTR_NONE;
	v->current_region = -1;
}
