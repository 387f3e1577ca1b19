/* SPDX-License-Identifier: MIT */
/* VMCS region handling internal to the VMX instruction side (vmcs.c). */
#ifndef VMXBOX_VMX_VMCS_H
#define VMXBOX_VMX_VMCS_H

#include "vmx/vmx.h"

/* Revision word at offset 0 of a region (all ones outside RAM). */
uint32_t vmcs_region_revision(const struct guest_mem *mem, uint64_t gpa);
/* Make gpa the current VMCS: flush the old one, load the new one's data. */
void vmcs_load(struct vmx_vcpu *v, struct guest_mem *mem, uint64_t gpa);
/* VMCLEAR semantics: write back if current, launch state := clear. */
void vmcs_clear(struct vmx_vcpu *v, struct guest_mem *mem, uint64_t gpa);
/* A field of the VMCS whose region is at gpa, read from / written to guest
 * memory (not the cached current VMCS): the shadow VMCS that VMREAD and
 * VMWRITE reach in VMX non-root operation (SDM 25.10).  Same HIGH-access
 * and width rules as vmcs_read/vmcs_write; unknown encodings read 0. */
uint64_t vmcs_region_read(const struct guest_mem *mem, uint64_t gpa,
			  uint32_t encoding);
void vmcs_region_write(struct guest_mem *mem, uint64_t gpa, uint32_t encoding,
		       uint64_t val);
/* Flush and forget the current VMCS (VMXOFF). */
void vmcs_release_current(struct vmx_vcpu *v, struct guest_mem *mem);

#endif
