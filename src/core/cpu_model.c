// SPDX-License-Identifier: MIT
/*
 * CPUID of the model: a family-6 GenuineIntel CPU (SDM Vol. 2A "CPUID")
 * that advertises exactly the features in the model (cpu_features.c),
 * nr_cpus cores of one thread each in one package (the --smp count), and
 * cache/topology leaves that agree with each other (leaf 4 and 80000006H
 * describe the same caches; leaves 1, 4 and 0BH the same topology).  Unknown leaves
 * return zeros; a leaf above the maximum returns the highest basic leaf's
 * data as the SDM says for Intel processors.
 */
#include "core/cpu_model.h"

#include <string.h>

#include "core/cpu_state.h"

#define MAX_BASIC_LEAF 0xdu
#define MAX_EXT_LEAF 0x80000008u

#define CLFLUSH_LINE 64u
#define XSAVE_LEGACY_AND_HEADER 576u   /* 512-byte legacy area + header */

/* Cache descriptions shared by leaf 4 and leaf 80000006H. */
struct cache_desc {
	uint8_t type;           /* 1 data, 2 instruction, 3 unified */
	uint8_t level;
	uint16_t ways;
	uint32_t sets;
	bool shared;            /* by the package (L3) */
};

static const struct cache_desc caches[] = {
	{ 1, 1, 8, 64, false },        /* L1d 32 KiB */
	{ 2, 1, 8, 64, false },        /* L1i 32 KiB */
	{ 3, 2, 4, 1024, false },      /* L2 256 KiB */
	{ 3, 3, 16, 8192, true },      /* L3 8 MiB */
};

#define N_CACHES (sizeof(caches) / sizeof(caches[0]))

static unsigned nr_cpus(const struct cpu_model *m)
{
	return m->nr_cpus ? m->nr_cpus : 1;
}

/* Bits of the APIC ID that number the cores: ceil(log2(nr_cpus)). */
static unsigned core_bits(const struct cpu_model *m)
{
	unsigned b = 0;

	while ((1u << b) < nr_cpus(m))
		b++;
	return b;
}

#define CPUID_1_EDX_HTT (1u << 28)

static void leaf1(const struct cpu_model *m, uint32_t out[4])
{
	out[0] = CPU_MODEL_SIGNATURE;
	/* EBX: CLFLUSH line size in 8-byte units (valid with CLFLUSH), the
	 * addressable logical processor IDs in the package, initial APIC
	 * ID.  EDX.HTT says the package field is valid (more than one). */
	out[1] = (CLFLUSH_LINE / 8) << 8 | (1u << core_bits(m)) << 16 |
		 (m->apic_id & 0xff) << 24;
	out[2] = m->words[CPUID_1_ECX] & ~(1u << (X86_FEAT_OSXSAVE % 32));
	out[3] = m->words[CPUID_1_EDX];
	if (nr_cpus(m) > 1)
		out[3] |= CPUID_1_EDX_HTT;
}

/* Leaf 2: one iteration, descriptor FFH = "use leaf 4". */
static void leaf2(uint32_t out[4])
{
	out[0] = 0x00ff0001u;
}

/* Leaf 4: deterministic cache parameters; one thread per core, the L3
 * shared by the package.  EAX[31:26] addressable core IDs - 1, EAX[25:14]
 * addressable IDs of the logical processors sharing the cache - 1. */
static void leaf4(const struct cpu_model *m, uint32_t subleaf, uint32_t out[4])
{
	const struct cache_desc *c;
	uint32_t ids = (1u << core_bits(m)) - 1;

	if (subleaf >= N_CACHES)
		return;
	c = &caches[subleaf];
	out[0] = c->type | (uint32_t)c->level << 5 | 1u << 8 |  /* self-init */
		 ids << 26 | (c->shared ? ids << 14 : 0);
	out[1] = (uint32_t)(c->ways - 1) << 22 | (CLFLUSH_LINE - 1);
	out[2] = c->sets - 1;
	out[3] = c->shared ? 1u << 1 : 0;    /* L3: inclusive of lower levels */
}

/* Leaf 5: MONITOR/MWAIT line sizes; ECX: extensions and interrupts as
 * break events; EDX: C0 and C1 sub-states. */
static void leaf5(const struct cpu_model *m, uint32_t out[4])
{
	if (!cpu_has(m, X86_FEAT_MONITOR))
		return;
	out[0] = CPU_MONITOR_LINE;
	out[1] = CPU_MONITOR_LINE;
	out[2] = 3;
	out[3] = 0x11;
}

static void leaf7(const struct cpu_model *m, uint32_t subleaf, uint32_t out[4])
{
	if (subleaf != 0)
		return;
	out[1] = m->words[CPUID_7_0_EBX];
	out[2] = m->words[CPUID_7_0_ECX];
	out[3] = m->words[CPUID_7_0_EDX];
}

/* Leaf 0BH: x2APIC topology (SDM CPUID, "Extended Topology"): level 0
 * SMT with one thread per core, level 1 the cores of the package; EAX is
 * the shift to the next level's ID, EDX the x2APIC ID. */
static void leaf_b(const struct cpu_model *m, uint32_t subleaf, uint32_t out[4])
{
	out[2] = subleaf & 0xff;
	out[3] = m->apic_id;
	if (subleaf > 1)
		return;
	out[0] = subleaf ? core_bits(m) : 0;
	out[1] = subleaf ? nr_cpus(m) : 1;
	out[2] |= (subleaf + 1) << 8;   /* 1 = SMT level, 2 = core level */
}

/* Leaf 0DH: XSAVE.  Only the x87 and SSE components exist; both live in
 * the legacy area, so every size is the legacy area plus the header
 * (SDM Vol. 1 13.2, 13.4). */
static void leaf_d(const struct cpu_model *m, uint32_t subleaf, uint32_t out[4])
{
	uint64_t xcr0 = cpu_model_xcr0_valid_bits(m);

	if (!cpu_has(m, X86_FEAT_XSAVE))
		return;
	if (subleaf == 0) {
		out[0] = (uint32_t)xcr0;
		out[1] = XSAVE_LEGACY_AND_HEADER;
		out[2] = XSAVE_LEGACY_AND_HEADER;
		out[3] = (uint32_t)(xcr0 >> 32);
	} else if (subleaf == 1) {
		out[0] = m->words[CPUID_D_1_EAX];
		if (cpu_has(m, X86_FEAT_XSAVEC) || cpu_has(m, X86_FEAT_XSAVES))
			out[1] = XSAVE_LEGACY_AND_HEADER;
	}
}

static void brand(uint32_t leaf, uint32_t out[4])
{
	static const char name[48] = "vmxbox virtual x86-64 CPU";

	memcpy(out, name + (leaf - 0x80000002u) * 16, 16);
}

/* Leaf 80000006H: the L2 cache as leaf 4 describes it. */
static void leaf_ext6(uint32_t out[4])
{
	const struct cache_desc *l2 = &caches[2];
	uint32_t kib = l2->ways * l2->sets * CLFLUSH_LINE / 1024;

	out[2] = kib << 16 | 6u << 12 | CLFLUSH_LINE;   /* 6 = 8-way or more */
}

static void basic_leaf(const struct cpu_model *m, uint32_t leaf,
		       uint32_t subleaf, uint32_t out[4])
{
	switch (leaf) {
	case 0:
		out[0] = MAX_BASIC_LEAF;
		memcpy(&out[1], "Genu", 4);
		memcpy(&out[3], "ineI", 4);
		memcpy(&out[2], "ntel", 4);
		break;
	case 1:
		leaf1(m, out);
		break;
	case 2:
		leaf2(out);
		break;
	case 4:
		leaf4(m, subleaf, out);
		break;
	case 5:
		leaf5(m, out);
		break;
	case 7:
		leaf7(m, subleaf, out);
		break;
	case 0xb:
		leaf_b(m, subleaf, out);
		break;
	case 0xd:
		leaf_d(m, subleaf, out);
		break;
	default:
		break;
	}
}

static void ext_leaf(const struct cpu_model *m, uint32_t leaf, uint32_t out[4])
{
	switch (leaf) {
	case 0x80000000u:
		out[0] = MAX_EXT_LEAF;
		break;
	case 0x80000001u:
		out[2] = m->words[CPUID_80000001_ECX];
		out[3] = m->words[CPUID_80000001_EDX];
		break;
	case 0x80000002u: case 0x80000003u: case 0x80000004u:
		brand(leaf, out);
		break;
	case 0x80000006u:
		leaf_ext6(out);
		break;
	case 0x80000007u:
		out[3] = m->words[CPUID_80000007_EDX];
		break;
	case 0x80000008u:
		out[0] = cpu_model_maxphyaddr(m) | (48u << 8);
		break;
	default:
		break;
	}
}

void cpu_model_cpuid(const struct cpu_model *m, uint32_t leaf, uint32_t subleaf,
		     uint32_t out[4])
{
	memset(out, 0, 4 * sizeof(out[0]));
	/* Above the maximum: the data of the highest basic leaf (Intel, SDM
	 * CPUID "If a value entered for CPUID.EAX is higher than the
	 * maximum input value..."). */
	if ((leaf >= 0x80000000u && leaf > MAX_EXT_LEAF) ||
	    (leaf < 0x80000000u && leaf > MAX_BASIC_LEAF)) {
		basic_leaf(m, MAX_BASIC_LEAF, subleaf, out);
		return;
	}
	if (leaf >= 0x80000000u)
		ext_leaf(m, leaf, out);
	else
		basic_leaf(m, leaf, subleaf, out);
}

uint64_t cpu_model_cr4_valid_bits(const struct cpu_model *m)
{
	static const struct { enum x86_feature f; uint64_t cr4; } rows[] = {
		{ X86_FEAT_VME, CR4_VME | CR4_PVI },
		{ X86_FEAT_DE, CR4_DE },
		{ X86_FEAT_FXSR, CR4_OSFXSR | CR4_OSXMMEXCPT },
		{ X86_FEAT_PSE, CR4_PSE },
		{ X86_FEAT_PAE, CR4_PAE },
		{ X86_FEAT_MCE, CR4_MCE },
		{ X86_FEAT_PGE, CR4_PGE },
		{ X86_FEAT_UMIP, CR4_UMIP },
		{ X86_FEAT_VMX, CR4_VMXE },
		{ X86_FEAT_SMX, CR4_SMXE },
		{ X86_FEAT_FSGSBASE, CR4_FSGSBASE },
		{ X86_FEAT_PCID, CR4_PCIDE },
		{ X86_FEAT_XSAVE, CR4_OSXSAVE },
		{ X86_FEAT_SMEP, CR4_SMEP },
		{ X86_FEAT_SMAP, CR4_SMAP },
	};
	/* TSD and PCE exist on every processor with RDTSC/RDPMC. */
	uint64_t v = CR4_TSD | CR4_PCE;

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		if (cpu_has(m, rows[i].f))
			v |= rows[i].cr4;
	return v;
}

uint64_t cpu_model_efer_valid_bits(const struct cpu_model *m)
{
	uint64_t v = 0;

	if (cpu_has(m, X86_FEAT_SYSCALL))
		v |= EFER_SCE;
	if (cpu_has(m, X86_FEAT_LM))
		v |= EFER_LME | EFER_LMA;
	if (cpu_has(m, X86_FEAT_NX))
		v |= EFER_NXE;
	return v;
}

/* XCR0[0] (x87) always; XCR0[1] (SSE) with SSE (SDM Vol. 1 13.3). */
uint64_t cpu_model_xcr0_valid_bits(const struct cpu_model *m)
{
	if (!cpu_has(m, X86_FEAT_XSAVE))
		return 0;
	return 1 | (cpu_has(m, X86_FEAT_SSE) ? 2 : 0);
}
