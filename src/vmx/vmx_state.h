/* SPDX-License-Identifier: MIT */
/*
 * Private to the VMX core and its tests: the table of struct vmx_vcpu's
 * bookkeeping scalars that vmx_state_export()/import() carry
 * (vmx_state.c).  The upper layers see only struct vmx_state (vmx_api.h).
 */
#ifndef VMXBOX_VMX_VMX_STATE_H
#define VMXBOX_VMX_VMX_STATE_H

#include "vmx/vmx.h"

enum vmx_row_kind { VMX_ROW_UINT, VMX_ROW_BOOL };

struct vmx_state_row {
	const char *name;
	size_t offset;            /* in struct vmx_vcpu */
	size_t size;
	enum vmx_row_kind kind;
	uint64_t max;             /* largest value import accepts */
};

extern const struct vmx_state_row vmx_state_scalar_rows[];
extern const size_t vmx_state_scalar_rows_len;

#endif
