/* SPDX-License-Identifier: MIT */
/*
 * Names of the bits of RFLAGS, CR0, CR4, EFER and the interruptibility
 * state, one table each, for every printer (inspect, the VMCS decoder,
 * the monitor) to share.  Tables end with { 0, NULL }.
 */
#ifndef VMXBOX_CORE_CPU_NAMES_H
#define VMXBOX_CORE_CPU_NAMES_H

#include <stdint.h>

struct cpu_bit_name {
	uint64_t mask;
	const char *name;
};

extern const struct cpu_bit_name cpu_rflags_bits[];   /* without bit 1 */
extern const struct cpu_bit_name cpu_cr0_bits[];
extern const struct cpu_bit_name cpu_cr4_bits[];
extern const struct cpu_bit_name cpu_efer_bits[];
extern const struct cpu_bit_name cpu_intr_block_bits[]; /* SDM Table 25-3 */

#endif
