/* SPDX-License-Identifier: MIT */
/*
 * Pure builders for VM-exit information fields: exit qualifications
 * (SDM 28.2.1) and the VM-exit instruction-information field (SDM 28.2.5),
 * from the engine's decoded instruction (struct x86_intercept).
 */
#ifndef VMXBOX_VMX_EXIT_INFO_H
#define VMXBOX_VMX_EXIT_INFO_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/intercept.h"
#include "vmx/vmcs_fields.h"

/* A valid interruption-information value (SDM 25.9.2, Table 25-18). */
static inline uint32_t intr_info(uint8_t type, uint8_t vector, bool has_err)
{
	return INTR_INFO_VALID | ((uint32_t)type << INTR_INFO_TYPE_SHIFT) |
	       vector | (has_err ? INTR_INFO_DELIVER_CODE : 0);
}

/* Address-size code used in instruction information: 0 16, 1 32, 2 64. */
unsigned exit_addr_size_code(unsigned bits);

/* Instruction-information for a memory-or-register operand (Tables
 * 28-9..28-13 share this layout): scaling, address size, segment, index,
 * base, and bit 10 set for a register operand with its register in 6:3. */
uint32_t exit_insn_info_operand(const struct x86_operand *op);

/* The full instruction-information field for an intercepted instruction
 * (0 when the exit reason defines none). */
uint32_t exit_insn_info(const struct x86_intercept *ic);

/* Exit qualification for instructions whose qualification is the memory
 * operand's displacement (SDM 28.2.1, Table 28-1: VMX instructions,
 * descriptor-table instructions, INVEPT/INVVPID/INVPCID). */
uint64_t exit_qual_displacement(const struct x86_operand *op);

/* Control-register access (Table 28-3). access: 0 MOV to CR, 1 MOV from CR,
 * 2 CLTS, 3 LMSW. */
#define CRQ_MOV_TO   0u
#define CRQ_MOV_FROM 1u
#define CRQ_CLTS     2u
#define CRQ_LMSW     3u
uint64_t exit_qual_cr(const struct x86_intercept *ic);

/* MOV DR (Table 28-4). */
uint64_t exit_qual_dr(const struct x86_intercept *ic);

/* I/O instruction (Table 28-5). */
uint64_t exit_qual_io(const struct x86_intercept *ic);

#endif
