// SPDX-License-Identifier: MIT
#include "engine/kvm/kvm_cpuid.h"

#include <string.h>

/* Leaves whose output depends on ECX (SDM Vol. 2A CPUID), with how many
 * subleaves to give KVM; every other leaf ignores ECX. */
static const struct { uint32_t leaf, subleaves; } indexed[] = {
	{ 0x4, 8 }, { 0x7, 4 }, { 0xb, 4 }, { 0xd, 64 }, { 0xf, 4 },
	{ 0x10, 4 }, { 0x12, 4 }, { 0x14, 4 }, { 0x17, 4 }, { 0x18, 4 },
	{ 0x1d, 4 }, { 0x1e, 4 }, { 0x1f, 6 }, { 0x20, 4 },
};

static uint32_t subleaf_count(uint32_t leaf)
{
	for (size_t i = 0; i < sizeof(indexed) / sizeof(indexed[0]); i++)
		if (indexed[i].leaf == leaf)
			return indexed[i].subleaves;
	return 0;
}

static size_t add_leaf(const struct cpu_model *m, uint32_t leaf,
		       struct kvm_cpuid_entry2 *ents, size_t n, size_t max)
{
	uint32_t subs = subleaf_count(leaf), r[4];

	for (uint32_t sub = 0; sub < (subs ? subs : 1) && n < max; sub++) {
		struct kvm_cpuid_entry2 *e = &ents[n++];

		cpu_model_cpuid(m, leaf, sub, r);
		memset(e, 0, sizeof(*e));
		e->function = leaf;
		e->index = sub;
		e->flags = subs ? KVM_CPUID_FLAG_SIGNIFCANT_INDEX : 0;
		e->eax = r[0];
		e->ebx = r[1];
		e->ecx = r[2];
		e->edx = r[3];
	}
	return n;
}

size_t kvm_cpuid_from_model(const struct cpu_model *m,
			    struct kvm_cpuid_entry2 *ents, size_t max)
{
	uint32_t r[4], top;
	size_t n = 0;

	cpu_model_cpuid(m, 0, 0, r);
	top = r[0];
	for (uint32_t leaf = 0; leaf <= top && leaf < 0x100 && n < max; leaf++)
		n = add_leaf(m, leaf, ents, n, max);
	cpu_model_cpuid(m, 0x80000000u, 0, r);
	top = r[0];
	for (uint32_t leaf = 0x80000000u;
	     leaf <= top && leaf < 0x80000100u && n < max; leaf++)
		n = add_leaf(m, leaf, ents, n, max);
	return n;
}
