/* SPDX-License-Identifier: MIT */
/*
 * VMCS shadowing (shadow.c), internal to the VMX instruction side: the
 * shadow-VMCS indicator and VMREAD/VMWRITE in VMX non-root operation.
 */
#ifndef VMXBOX_VMX_SHADOW_H
#define VMXBOX_VMX_SHADOW_H

#include "vmx/vmx.h"

/* Bit 31 of the first 4 bytes of a VMCS region (SDM 25.2, 25.10). */
#define VMCS_SHADOW_INDICATOR (1u << 31)

/* The 1-setting of "VMCS shadowing" is advertised. */
bool vmx_shadowing_supported(const struct vmx_caps *c);
/* VMPTRLD's revision check (SDM 31.3 VMPTRLD): bits 30:0 are ours, and
 * bit 31 may be set only when VMCS shadowing is supported. */
bool vmx_vmptrld_revision_ok(const struct vmx_caps *c, uint32_t rev);
/* The VMCS whose region is at gpa is a shadow VMCS (SDM 25.10). */
bool vmx_vmcs_is_shadow(const struct guest_mem *mem, uint64_t gpa);
/*
 * VMREAD (write = false) or VMWRITE in VMX non-root operation: does it
 * cause a VM exit?  enc is the field-encoding operand at operand size.
 * Yes when "VMCS shadowing" is 0, when the operand sets a bit in 63:15, or
 * when the VMREAD/VMWRITE bitmap bit for bits 14:0 is 1 (SDM 26.1.3, 31.3
 * VMREAD/VMWRITE; a bitmap outside RAM reads all ones).
 */
bool vmx_shadow_vmrw_exits(const struct vmx_vcpu *v,
			   const struct guest_mem *mem, uint64_t enc,
			   bool write);

#endif
