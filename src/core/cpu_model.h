/* SPDX-License-Identifier: MIT */
/*
 * The CPU model vmxbox presents to the guest: which features CPUID
 * advertises.  One description feeds the interpreter's CPUID/CR4/EFER
 * reserved-bit checks and (later) KVM_SET_CPUID2, so all engines agree.
 */
#ifndef VMXBOX_CORE_CPU_MODEL_H
#define VMXBOX_CORE_CPU_MODEL_H

#include <stdbool.h>
#include <stdint.h>

struct cpu_model {
	bool vmx;            /* CPUID.1:ECX[5]; --vmx=on|off */
	unsigned maxphyaddr; /* CPUID.80000008:EAX[7:0]; default 39 */
	bool rdrand;
	bool smep, smap;
	bool monitor_mwait;
	bool xsave;
	bool pcid;
	bool rdtscp;
	bool fsgsbase;
	bool nx;
};

void cpu_model_default(struct cpu_model *m);
/* CPUID for leaf/subleaf: out[0..3] = EAX, EBX, ECX, EDX. */
void cpu_model_cpuid(const struct cpu_model *m, uint32_t leaf, uint32_t subleaf,
		     uint32_t out[4]);
/* Bits of CR4 the model allows to be set (others → #GP on MOV to CR4). */
uint64_t cpu_model_cr4_valid_bits(const struct cpu_model *m);
/* Bits of EFER the model allows (others → #GP on WRMSR). */
uint64_t cpu_model_efer_valid_bits(const struct cpu_model *m);

#endif
