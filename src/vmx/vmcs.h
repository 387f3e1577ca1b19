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
/* Flush and forget the current VMCS (VMXOFF). */
void vmcs_release_current(struct vmx_vcpu *v, struct guest_mem *mem);

#endif
