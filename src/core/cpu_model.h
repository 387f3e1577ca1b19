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
	unsigned maxphyaddr; /* CPUID.80000008:EAX[7:0]; default 46 */
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

/*
 * MAXPHYADDR, the physical-address width (SDM Vol. 3A 4.1.4): the one value
 * behind CPUID.80000008, the paging reserved bits, the CR3 and PDPTE
 * checks and every VMX address check (VMXON/VMCS pointers, VM-entry
 * checks, EPT).  46 as on recent Xeons; a model field outside 36..52 (an
 * unset one) means the default.
 */
#define CPU_MODEL_MAXPHYADDR_DEFAULT 46u
static inline unsigned cpu_model_maxphyaddr(const struct cpu_model *m)
{
	unsigned w = m->maxphyaddr;

	return w >= 36 && w <= 52 ? w : CPU_MODEL_MAXPHYADDR_DEFAULT;
}
/* Mask of the physical-address bits below MAXPHYADDR. */
static inline uint64_t cpu_model_pa_mask(const struct cpu_model *m)
{
	return (1ull << cpu_model_maxphyaddr(m)) - 1;
}
/* CPUID for leaf/subleaf: out[0..3] = EAX, EBX, ECX, EDX. */
void cpu_model_cpuid(const struct cpu_model *m, uint32_t leaf, uint32_t subleaf,
		     uint32_t out[4]);
/* Bits of CR4 the model allows to be set (others → #GP on MOV to CR4). */
uint64_t cpu_model_cr4_valid_bits(const struct cpu_model *m);
/* Bits of EFER the model allows (others → #GP on WRMSR). */
uint64_t cpu_model_efer_valid_bits(const struct cpu_model *m);

#endif
