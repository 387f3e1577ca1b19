// SPDX-License-Identifier: MIT
/*
 * The CPUID model: a family-6 GenuineIntel CPU that advertises exactly what
 * the interpreter implements (no x87/SSE, no APIC), plus VMX when enabled.
 * Leaves follow SDM Vol. 2 "CPUID"; unknown leaves return zeros.
 */
#include "core/cpu_model.h"

#include <string.h>

#include "core/cpu_state.h"

#define MAX_BASIC_LEAF 0xdu
#define MAX_EXT_LEAF 0x80000008u

/* CPUID.1 bits */
#define F1_ECX_SSE3    (1u << 0)
#define F1_ECX_MONITOR (1u << 3)
#define F1_ECX_VMX     (1u << 5)
#define F1_ECX_SSSE3   (1u << 9)
#define F1_ECX_CX16    (1u << 13)
#define F1_ECX_PCID    (1u << 17)
#define F1_ECX_SSE41   (1u << 19)
#define F1_ECX_SSE42   (1u << 20)
#define F1_ECX_POPCNT  (1u << 23)
#define F1_ECX_XSAVE   (1u << 26)
#define F1_ECX_RDRAND  (1u << 30)
#define F1_EDX_FPU     (1u << 0)   /* x87 on chip (interp: exec_x87.c) */
#define F1_EDX_DE      (1u << 2)
#define F1_EDX_PSE     (1u << 3)
#define F1_EDX_TSC     (1u << 4)
#define F1_EDX_MSR     (1u << 5)
#define F1_EDX_PAE     (1u << 6)
#define F1_EDX_MCE     (1u << 7)
#define F1_EDX_CX8     (1u << 8)
#define F1_EDX_SEP     (1u << 11)
#define F1_EDX_PGE     (1u << 13)
#define F1_EDX_CMOV    (1u << 15)
#define F1_EDX_PAT     (1u << 16)
#define F1_EDX_PSE36   (1u << 17)
#define F1_EDX_MMX     (1u << 23)
#define F1_EDX_SSE     (1u << 25)
#define F1_EDX_SSE2    (1u << 26)
/* MMX, SSE..SSE4.2 (the interpreter's simd.c and exec_simd_*.c/exec_sse_*.c) */
#define F1_ECX_SIMD (F1_ECX_SSE3 | F1_ECX_SSSE3 | F1_ECX_SSE41 | F1_ECX_SSE42)
#define F1_EDX_SIMD (F1_EDX_MMX | F1_EDX_SSE | F1_EDX_SSE2)
/* CPUID.(7,0) */
#define F7_EBX_FSGSBASE (1u << 0)
#define F7_EBX_SMEP    (1u << 7)
#define F7_EBX_RDSEED  (1u << 18)
#define F7_EBX_SMAP    (1u << 20)
#define F7_ECX_UMIP    (1u << 2)
/* CPUID.80000001 */
#define FE_ECX_LAHF    (1u << 0)
#define FE_ECX_LZCNT   (1u << 5)
#define FE_EDX_SYSCALL (1u << 11)
#define FE_EDX_NX      (1u << 20)
#define FE_EDX_1GB     (1u << 26)
#define FE_EDX_RDTSCP  (1u << 27)
#define FE_EDX_LM      (1u << 29)

void cpu_model_default(struct cpu_model *m)
{
	memset(m, 0, sizeof(*m));
	m->vmx = true;
	m->maxphyaddr = CPU_MODEL_MAXPHYADDR_DEFAULT;
	m->nx = true;
	m->rdtscp = true;
	m->smep = true;
	m->smap = true;
}

static void leaf1(const struct cpu_model *m, uint32_t out[4])
{
	out[0] = 0x000306c3;          /* family 6, model 0x3c, stepping 3 */
	out[1] = 1u << 16;            /* one logical processor, APIC ID 0 */
	out[2] = F1_ECX_CX16 | F1_ECX_POPCNT | F1_ECX_SIMD;
	if (m->vmx)
		out[2] |= F1_ECX_VMX;
	if (m->monitor_mwait)
		out[2] |= F1_ECX_MONITOR;
	if (m->pcid)
		out[2] |= F1_ECX_PCID;
	if (m->xsave)
		out[2] |= F1_ECX_XSAVE;
	if (m->rdrand)
		out[2] |= F1_ECX_RDRAND;
	out[3] = F1_EDX_FPU | F1_EDX_DE | F1_EDX_PSE | F1_EDX_TSC |
		 F1_EDX_MSR | F1_EDX_PAE | F1_EDX_MCE | F1_EDX_CX8 | F1_EDX_SEP | F1_EDX_PGE |
		 F1_EDX_CMOV | F1_EDX_PAT | F1_EDX_PSE36 | F1_EDX_SIMD;
}

static void leaf7(const struct cpu_model *m, uint32_t subleaf, uint32_t out[4])
{
	if (subleaf != 0)
		return;
	if (m->fsgsbase)
		out[1] |= F7_EBX_FSGSBASE;
	if (m->smep)
		out[1] |= F7_EBX_SMEP;
	if (m->rdrand)
		out[1] |= F7_EBX_RDSEED;
	if (m->smap)
		out[1] |= F7_EBX_SMAP;
	out[2] = F7_ECX_UMIP;
}

/* XSAVE: only the x87 component may be enabled in XCR0. */
static void leaf_d(const struct cpu_model *m, uint32_t subleaf, uint32_t out[4])
{
	if (!m->xsave || subleaf != 0)
		return;
	out[0] = 1;
	out[1] = 576;
	out[2] = 576;
}

static void brand(uint32_t leaf, uint32_t out[4])
{
	static const char name[48] = "vmxbox virtual CPU @ interp";

	memcpy(out, name + (leaf - 0x80000002u) * 16, 16);
}

void cpu_model_cpuid(const struct cpu_model *m, uint32_t leaf, uint32_t subleaf,
		     uint32_t out[4])
{
	memset(out, 0, 4 * sizeof(out[0]));
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
	case 7:
		leaf7(m, subleaf, out);
		break;
	case 0xd:
		leaf_d(m, subleaf, out);
		break;
	case 0x80000000u:
		out[0] = MAX_EXT_LEAF;
		break;
	case 0x80000001u:
		out[2] = FE_ECX_LAHF | FE_ECX_LZCNT;
		out[3] = FE_EDX_SYSCALL | FE_EDX_1GB | FE_EDX_LM;
		if (m->nx)
			out[3] |= FE_EDX_NX;
		if (m->rdtscp)
			out[3] |= FE_EDX_RDTSCP;
		break;
	case 0x80000002u: case 0x80000003u: case 0x80000004u:
		brand(leaf, out);
		break;
	case 0x80000008u:
		out[0] = cpu_model_maxphyaddr(m) | (48u << 8);
		break;
	default:
		break;
	}
}

uint64_t cpu_model_cr4_valid_bits(const struct cpu_model *m)
{
	uint64_t v = CR4_TSD | CR4_DE | CR4_PSE | CR4_PAE | CR4_MCE | CR4_PGE |
		     CR4_PCE | CR4_OSFXSR | CR4_OSXMMEXCPT | CR4_UMIP;

	if (m->vmx)
		v |= CR4_VMXE;
	if (m->fsgsbase)
		v |= CR4_FSGSBASE;
	if (m->pcid)
		v |= CR4_PCIDE;
	if (m->xsave)
		v |= CR4_OSXSAVE;
	if (m->smep)
		v |= CR4_SMEP;
	if (m->smap)
		v |= CR4_SMAP;
	return v;
}

uint64_t cpu_model_efer_valid_bits(const struct cpu_model *m)
{
	return EFER_SCE | EFER_LME | EFER_LMA | (m->nx ? EFER_NXE : 0);
}
