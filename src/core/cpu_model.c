// SPDX-License-Identifier: MIT
/* Minimal first version; the interpreter's system side completes it. */
#include "core/cpu_model.h"

#include <string.h>

#include "core/cpu_state.h"

void cpu_model_default(struct cpu_model *m)
{
	memset(m, 0, sizeof(*m));
	m->vmx = true;
	m->maxphyaddr = 39;
	m->nx = true;
	m->rdtscp = true;
}

void cpu_model_cpuid(const struct cpu_model *m, uint32_t leaf, uint32_t subleaf,
		     uint32_t out[4])
{
	memset(out, 0, 4 * sizeof(out[0]));
	(void)subleaf;
	switch (leaf) {
	case 0:
		out[0] = 0xd;
		memcpy(&out[1], "Genu", 4);
		memcpy(&out[3], "ineI", 4);
		memcpy(&out[2], "ntel", 4);
		break;
	case 1:
		out[0] = 0x000306c3;
		out[2] = m->vmx ? (1u << 5) : 0;
		out[3] = (1u << 4) | (1u << 5) | (1u << 6) | (1u << 8) | (1u << 15);
		break;
	}
}

uint64_t cpu_model_cr4_valid_bits(const struct cpu_model *m)
{
	uint64_t v = CR4_VME | CR4_PVI | CR4_TSD | CR4_DE | CR4_PSE | CR4_PAE |
		     CR4_MCE | CR4_PGE | CR4_PCE | CR4_OSFXSR | CR4_OSXMMEXCPT;

	if (m->vmx)
		v |= CR4_VMXE;
	return v;
}

uint64_t cpu_model_efer_valid_bits(const struct cpu_model *m)
{
	return EFER_SCE | EFER_LME | EFER_LMA | (m->nx ? EFER_NXE : 0);
}
