// SPDX-License-Identifier: MIT
/*
 * VMCS shadowing (SDM Vol. 3C 25.10 "VMCS Types: Ordinary and Shadow",
 * 25.6.15 "VMCS Shadowing Bitmap Addresses", 26.1.3 and the VMREAD /
 * VMWRITE / VMPTRLD / VMLAUNCH pseudocode of 31.3).
 *
 * A VMCS is a shadow VMCS when bit 31 of its revision word is 1.  It can
 * be made current (VMPTRLD) and read/written in VMX root operation like any
 * VMCS, but never entered.  With "VMCS shadowing" = 1, VMREAD and VMWRITE
 * in non-root operation that the bitmaps do not intercept reach the VMCS
 * the VMCS link pointer references, in guest memory (insn.c does the
 * access; VM entry checked the link pointer, entry_checks.c).
 */
#include "vmx/shadow.h"

bool vmx_shadowing_supported(const struct vmx_caps *c)
{
	return c->proc2.may1 & CPU2_VMCS_SHADOWING;
}

bool vmx_vmptrld_revision_ok(const struct vmx_caps *c, uint32_t rev)
{
	if ((rev & ~VMCS_SHADOW_INDICATOR) != VMX_REVISION_ID)
		return false;
	return !(rev & VMCS_SHADOW_INDICATOR) || vmx_shadowing_supported(c);
}

bool vmx_vmcs_is_shadow(const struct guest_mem *mem, uint64_t gpa)
{
	uint32_t rev;

	return gmem_read_u32(mem, gpa, &rev) && (rev & VMCS_SHADOW_INDICATOR);
}

static uint32_t secondary_controls(const struct vmx_vcpu *v)
{
	if (!(vmcs_read(v, VMCS_CPU_BASED_VM_EXEC_CONTROL) &
	      CPU_ACTIVATE_SECONDARY))
		return 0;
	return (uint32_t)vmcs_read(v, VMCS_SECONDARY_VM_EXEC_CONTROL);
}

bool vmx_shadow_vmrw_exits(const struct vmx_vcpu *v,
			   const struct guest_mem *mem, uint64_t enc,
			   bool write)
{
	uint64_t bitmap;
	uint8_t byte = 0xff;

	if (!(secondary_controls(v) & CPU2_VMCS_SHADOWING) || (enc >> 15))
		return true;
	/* SDM 31.3 VMREAD, footnote: bit x & 7 of the byte at address
	 * bitmap | (x >> 3), x = bits 14:0 of the encoding. */
	bitmap = vmcs_read(v, write ? VMCS_VMWRITE_BITMAP : VMCS_VMREAD_BITMAP);
	gmem_read_u8(mem, bitmap + (enc >> 3), &byte);
	return (byte >> (enc & 7)) & 1;
}
