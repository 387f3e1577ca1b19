/* SPDX-License-Identifier: MIT */
/*
 * VMCS values decoded for people (vmcs_decode.c): one decoder for inspect,
 * `ctl vmcs`, traces and reports.  Public to the layers above src/vmx.
 */
#ifndef VMXBOX_VMX_VMCS_DECODE_H
#define VMXBOX_VMX_VMCS_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "vmx/vmx_api.h"

/* What some fields are decoded against: the same VMCS's exit reason and
 * exit interruption information (exit qualification and VM-exit
 * instruction information depend on them).  exit_reason UINT32_MAX:
 * unknown. */
struct vmcs_decode_ctx {
	uint32_t exit_reason;
	uint32_t exit_intr_info;
};

/* Decoded text of one field's value ("" when there is nothing to add to
 * the number).  ctx may be NULL. */
void vmcs_decode_value(char *buf, size_t len, uint32_t encoding, uint64_t v,
		       const struct vmcs_decode_ctx *ctx);
/* Exit qualification of an exit with this full exit reason (SDM 28.2.1);
 * intr_info is the exit interruption information (for exceptions). */
void vmx_exit_qual_decode(char *buf, size_t len, uint32_t reason,
			  uint32_t intr_info, uint64_t qual);
/* VM-exit instruction information for this exit reason (SDM 28.2.5). */
void vmx_exit_insn_info_decode(char *buf, size_t len, uint32_t reason,
			       uint64_t info);
/* Names (NULL when the value has none). */
const char *vmx_insn_error_name(uint64_t err);
const char *vmx_activity_name(uint64_t activity);
const char *vmx_event_type_name(unsigned type);

/* Every field get() yields, grouped as SDM 25.3-25.9 (control, exit
 * information, guest state, host state), one line each:
 * name, encoding, value, decoded text. */
typedef bool (*vmcs_get_fn)(void *opaque, uint32_t encoding, uint64_t *val);
void vmcs_print(FILE *f, vmcs_get_fn get, void *opaque, const char *indent);

#endif
