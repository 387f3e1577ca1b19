// SPDX-License-Identifier: MIT
/*
 * VM-entry MSR-load (SDM 27.4), VM-exit MSR-store (SDM 28.4) and VM-exit
 * MSR-load (SDM 28.6) lists.  Each entry is 16 bytes (SDM 25.7.2,
 * Table 25-14): MSR index in bits 31:0, bits 63:32 reserved, data in
 * bits 127:64.  The lists are read through guest_mem: an entry outside RAM
 * reads as all ones, which makes it invalid.
 */
#include "vmx/nonroot.h"

#include "vmx/entry_checks.h"

#define MSR_IA32_UCODE_WRITE    0x79u
#define MSR_IA32_SMM_MONITOR    0x9bu
#define MSR_IA32_SMBASE         0x9eu
#define MSR_IA32_FS_BASE        0xc0000100u
#define MSR_IA32_GS_BASE        0xc0000101u

static bool is_x2apic(uint32_t index)
{
	return (index >> 8) == 0x8;
}

bool vmx_msr_value(const struct vmx_vcpu *v, const struct cpu_state *s,
		   uint32_t index, uint64_t *val)
{
	if (index == MSR_IA32_TSC) {
		*val = s->tsc;
		return true;
	}
	if (vmx_caps_msr(&v->caps, index, val))
		return true;
	return cpu_msr_get(s, index, val);
}

/* Would WRMSR of this value at CPL 0 succeed (no #GP)?  Then do it. */
static bool msr_write(const struct vmx_vcpu *v, struct cpu_state *s,
		      uint32_t index, uint64_t val)
{
	switch (index) {
	case 0xc0000080u:            /* IA32_EFER */
		if (val & ~cpu_model_efer_valid_bits(&v->model))
			return false;
		break;
	case MSR_IA32_FEATURE_CONTROL:   /* writable until locked */
		if (s->msr.feature_control & FEATURE_CONTROL_LOCKED)
			return false;
		break;
	default:
		if (cpu_msr_is_mtrr(index) &&
		    (!cpu_has(&v->model, X86_FEAT_MTRR) ||
		     !cpu_mtrr_write_ok(&v->model, index, val)))
			return false;
		break;
	}
	return cpu_msr_write(s, index, val);
}

uint32_t vmx_msr_area_load(struct vmx_vcpu *v, struct guest_mem *mem,
			   struct cpu_state *s, uint64_t addr, uint32_t count,
			   bool at_entry)
{
	for (uint32_t i = 0; i < count; i++) {
		uint64_t head = UINT64_MAX, data = UINT64_MAX;
		uint32_t index;

		gmem_read_u64(mem, addr + 16ull * i, &head);
		gmem_read_u64(mem, addr + 16ull * i + 8, &data);
		index = (uint32_t)head;
		if (head >> 32)
			return i + 1;
		if (index == MSR_IA32_FS_BASE || index == MSR_IA32_GS_BASE ||
		    is_x2apic(index) || index == MSR_IA32_SMM_MONITOR ||
		    index == MSR_IA32_UCODE_WRITE ||
		    (at_entry && index == MSR_IA32_SMBASE))
			return i + 1;
		if (!msr_write(v, s, index, data))
			return i + 1;
	}
	return 0;
}

uint32_t vmx_msr_area_store(struct vmx_vcpu *v, struct guest_mem *mem,
			    const struct cpu_state *s, uint64_t addr,
			    uint32_t count)
{
	for (uint32_t i = 0; i < count; i++) {
		uint64_t head = UINT64_MAX, val;
		uint32_t index;

		gmem_read_u64(mem, addr + 16ull * i, &head);
		index = (uint32_t)head;
		if ((head >> 32) || is_x2apic(index) || index == MSR_IA32_SMBASE)
			return i + 1;
		if (!vmx_msr_value(v, s, index, &val))
			return i + 1;
		gmem_write_u64(mem, addr + 16ull * i + 8, val);
	}
	return 0;
}
