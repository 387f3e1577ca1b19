/* SPDX-License-Identifier: MIT */
/*
 * The CPU model vmxbox presents to the guest: which features CPUID
 * advertises.  One description feeds the interpreter's CPUID, its #UD
 * checks and CR4/EFER reserved bits, the VMX capability MSRs and (later)
 * KVM_SET_CPUID2, so all engines agree.  docs/cpu-model.md lists every
 * feature, its CPUID bit and its state.
 *
 * A feature is its CPUID bit: X86_FEAT(word, bit), where word names one
 * CPUID output register (enum cpuid_word).  The model keeps those
 * registers as advertised, so CPUID is a copy and cpu_has() one shift.
 */
#ifndef VMXBOX_CORE_CPU_MODEL_H
#define VMXBOX_CORE_CPU_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* CPUID output registers that carry feature flags (SDM Vol. 2A CPUID). */
enum cpuid_word {
	CPUID_1_EDX,           /* leaf 1 EDX */
	CPUID_1_ECX,           /* leaf 1 ECX */
	CPUID_7_0_EBX,         /* leaf 7 subleaf 0 EBX */
	CPUID_7_0_ECX,         /* leaf 7 subleaf 0 ECX */
	CPUID_7_0_EDX,         /* leaf 7 subleaf 0 EDX */
	CPUID_D_1_EAX,         /* leaf 0DH subleaf 1 EAX (XSAVE extensions) */
	CPUID_80000001_EDX,    /* leaf 80000001H EDX */
	CPUID_80000001_ECX,    /* leaf 80000001H ECX */
	CPUID_80000007_EDX,    /* leaf 80000007H EDX */
	CPUID_WORDS
};

#define X86_FEAT(word, bit) ((word) * 32 + (bit))

enum x86_feature {
	X86_FEAT_FPU = X86_FEAT(CPUID_1_EDX, 0),
	X86_FEAT_VME = X86_FEAT(CPUID_1_EDX, 1),
	X86_FEAT_DE = X86_FEAT(CPUID_1_EDX, 2),
	X86_FEAT_PSE = X86_FEAT(CPUID_1_EDX, 3),
	X86_FEAT_TSC = X86_FEAT(CPUID_1_EDX, 4),
	X86_FEAT_MSR = X86_FEAT(CPUID_1_EDX, 5),
	X86_FEAT_PAE = X86_FEAT(CPUID_1_EDX, 6),
	X86_FEAT_MCE = X86_FEAT(CPUID_1_EDX, 7),
	X86_FEAT_CX8 = X86_FEAT(CPUID_1_EDX, 8),
	X86_FEAT_APIC = X86_FEAT(CPUID_1_EDX, 9),
	X86_FEAT_SEP = X86_FEAT(CPUID_1_EDX, 11),
	X86_FEAT_MTRR = X86_FEAT(CPUID_1_EDX, 12),
	X86_FEAT_PGE = X86_FEAT(CPUID_1_EDX, 13),
	X86_FEAT_MCA = X86_FEAT(CPUID_1_EDX, 14),
	X86_FEAT_CMOV = X86_FEAT(CPUID_1_EDX, 15),
	X86_FEAT_PAT = X86_FEAT(CPUID_1_EDX, 16),
	X86_FEAT_PSE36 = X86_FEAT(CPUID_1_EDX, 17),
	X86_FEAT_CLFLUSH = X86_FEAT(CPUID_1_EDX, 19),
	X86_FEAT_MMX = X86_FEAT(CPUID_1_EDX, 23),
	X86_FEAT_FXSR = X86_FEAT(CPUID_1_EDX, 24),
	X86_FEAT_SSE = X86_FEAT(CPUID_1_EDX, 25),
	X86_FEAT_SSE2 = X86_FEAT(CPUID_1_EDX, 26),

	X86_FEAT_SSE3 = X86_FEAT(CPUID_1_ECX, 0),
	X86_FEAT_PCLMULQDQ = X86_FEAT(CPUID_1_ECX, 1),
	X86_FEAT_MONITOR = X86_FEAT(CPUID_1_ECX, 3),
	X86_FEAT_VMX = X86_FEAT(CPUID_1_ECX, 5),
	X86_FEAT_SMX = X86_FEAT(CPUID_1_ECX, 6),
	X86_FEAT_SSSE3 = X86_FEAT(CPUID_1_ECX, 9),
	X86_FEAT_FMA = X86_FEAT(CPUID_1_ECX, 12),
	X86_FEAT_CX16 = X86_FEAT(CPUID_1_ECX, 13),
	X86_FEAT_PCID = X86_FEAT(CPUID_1_ECX, 17),
	X86_FEAT_SSE4_1 = X86_FEAT(CPUID_1_ECX, 19),
	X86_FEAT_SSE4_2 = X86_FEAT(CPUID_1_ECX, 20),
	X86_FEAT_X2APIC = X86_FEAT(CPUID_1_ECX, 21),
	X86_FEAT_MOVBE = X86_FEAT(CPUID_1_ECX, 22),
	X86_FEAT_POPCNT = X86_FEAT(CPUID_1_ECX, 23),
	X86_FEAT_TSC_DEADLINE = X86_FEAT(CPUID_1_ECX, 24),
	X86_FEAT_AES = X86_FEAT(CPUID_1_ECX, 25),
	X86_FEAT_XSAVE = X86_FEAT(CPUID_1_ECX, 26),
	X86_FEAT_OSXSAVE = X86_FEAT(CPUID_1_ECX, 27),  /* = CR4.OSXSAVE */
	X86_FEAT_AVX = X86_FEAT(CPUID_1_ECX, 28),
	X86_FEAT_F16C = X86_FEAT(CPUID_1_ECX, 29),
	X86_FEAT_RDRAND = X86_FEAT(CPUID_1_ECX, 30),
	X86_FEAT_HYPERVISOR = X86_FEAT(CPUID_1_ECX, 31),

	X86_FEAT_FSGSBASE = X86_FEAT(CPUID_7_0_EBX, 0),
	X86_FEAT_TSC_ADJUST = X86_FEAT(CPUID_7_0_EBX, 1),
	X86_FEAT_BMI1 = X86_FEAT(CPUID_7_0_EBX, 3),
	X86_FEAT_AVX2 = X86_FEAT(CPUID_7_0_EBX, 5),
	X86_FEAT_SMEP = X86_FEAT(CPUID_7_0_EBX, 7),
	X86_FEAT_BMI2 = X86_FEAT(CPUID_7_0_EBX, 8),
	X86_FEAT_ERMS = X86_FEAT(CPUID_7_0_EBX, 9),
	X86_FEAT_INVPCID = X86_FEAT(CPUID_7_0_EBX, 10),
	X86_FEAT_RDSEED = X86_FEAT(CPUID_7_0_EBX, 18),
	X86_FEAT_ADX = X86_FEAT(CPUID_7_0_EBX, 19),
	X86_FEAT_SMAP = X86_FEAT(CPUID_7_0_EBX, 20),
	X86_FEAT_CLFLUSHOPT = X86_FEAT(CPUID_7_0_EBX, 23),
	X86_FEAT_SHA_NI = X86_FEAT(CPUID_7_0_EBX, 29),

	X86_FEAT_UMIP = X86_FEAT(CPUID_7_0_ECX, 2),
	X86_FEAT_PKU = X86_FEAT(CPUID_7_0_ECX, 3),
	X86_FEAT_RDPID = X86_FEAT(CPUID_7_0_ECX, 22),

	X86_FEAT_XSAVEOPT = X86_FEAT(CPUID_D_1_EAX, 0),
	X86_FEAT_XSAVEC = X86_FEAT(CPUID_D_1_EAX, 1),
	X86_FEAT_XGETBV1 = X86_FEAT(CPUID_D_1_EAX, 2),
	X86_FEAT_XSAVES = X86_FEAT(CPUID_D_1_EAX, 3),

	X86_FEAT_SYSCALL = X86_FEAT(CPUID_80000001_EDX, 11),
	X86_FEAT_NX = X86_FEAT(CPUID_80000001_EDX, 20),
	X86_FEAT_PDPE1GB = X86_FEAT(CPUID_80000001_EDX, 26),
	X86_FEAT_RDTSCP = X86_FEAT(CPUID_80000001_EDX, 27),
	X86_FEAT_LM = X86_FEAT(CPUID_80000001_EDX, 29),

	X86_FEAT_LAHF_LM = X86_FEAT(CPUID_80000001_ECX, 0),
	X86_FEAT_SVM = X86_FEAT(CPUID_80000001_ECX, 2),
	X86_FEAT_ABM = X86_FEAT(CPUID_80000001_ECX, 5),        /* LZCNT */
	X86_FEAT_PREFETCHW = X86_FEAT(CPUID_80000001_ECX, 8),  /* 3dnowprefetch */

	X86_FEAT_INVTSC = X86_FEAT(CPUID_80000007_EDX, 8),
};

/* MXCSR bits that may be 1: all of 15:0, DAZ included (the MXCSR_MASK
 * field of FXSAVE, SDM Vol. 1 11.6.6); LDMXCSR/FXRSTOR/XRSTOR #GP on
 * the others. */
#define CPU_MODEL_MXCSR_MASK 0x0000ffffu

/*
 * VMX features that are not CPUID bits but VMX controls or capabilities a
 * user may turn off (--cpu=max,-vmx-pml) to exercise a hypervisor's
 * fallback paths; the VMX capability MSRs (src/vmx/caps.c) leave them out.
 * Names and prerequisites: cpu_vmx_features.c, docs/cpu-model.md.
 */
enum cpu_vmx_feature {
	CPU_VMX_SHADOW_VMCS,     /* secondary control 14 */
	CPU_VMX_PML,             /* secondary control 17 */
	CPU_VMX_EPT_VE,          /* secondary control 18 */
	CPU_VMX_MBEC,            /* secondary control 22 */
	CPU_VMX_TSC_SCALING,     /* secondary control 25 */
	CPU_VMX_VMFUNC,          /* secondary control 13 */
	CPU_VMX_EPTP_SWITCHING,  /* IA32_VMX_VMFUNC bit 0 */
	CPU_VMX_X2APIC_VIRT,     /* secondary control 4 */
	CPU_VMX_APIC_REG_VIRT,   /* secondary control 8 */
	CPU_VMX_VINTR_DELIVERY,  /* secondary control 9 */
	CPU_VMX_POSTED_INTR,     /* pin-based control 7 */
	CPU_VMX_APIC_ACCESS_VIRT,/* secondary control 0 */
	CPU_VMX_WAIT_SIPI,       /* IA32_VMX_MISC bit 8: wait-for-SIPI */
	CPU_VMX_EPT,             /* secondary control 1 */
	CPU_VMX_VPID,            /* secondary control 5 */
	CPU_VMX_UNRESTRICTED,    /* secondary control 7 */
	CPU_VMX_PLE,             /* secondary control 10 */
	CPU_VMX_XSAVES,          /* secondary control 20 (also needs xsaves) */
	CPU_VMX_IPIV,            /* tertiary control 4 (and primary 17) */
	CPU_VMX_FEATURES
};

struct cpu_model {
	uint32_t words[CPUID_WORDS];  /* advertised feature registers */
	unsigned maxphyaddr;          /* CPUID.80000008:EAX[7:0]; default 46 */
	uint32_t vmx_off;             /* bit per enum cpu_vmx_feature turned off */
	/* Topology (leaves 1, 4, 0BH): nr_cpus cores of one thread each in
	 * one package (0 = 1), and this processor's initial APIC ID. */
	unsigned nr_cpus;
	uint32_t apic_id;
};

static inline bool cpu_vmx_has(const struct cpu_model *m,
			       enum cpu_vmx_feature f)
{
	return !((m->vmx_off >> f) & 1);
}

struct cpu_vmx_feature_info {
	enum cpu_vmx_feature feat;
	const char *name;       /* QEMU's -cpu name where it has one */
	const char *alias;      /* Linux "vmx flags" name, or NULL */
	int needs;              /* prerequisite feature, or -1 */
	const char *what;
};
extern const struct cpu_vmx_feature_info cpu_vmx_feature_table[];
extern const size_t cpu_vmx_feature_count;
/* A name as the parser compares them: '-', '_' and '.' equal, any case. */
bool cpu_feature_name_eq(const char *name, size_t len, const char *known);
/* On in the model, and so is its prerequisite, and that one's: what the
 * capability MSRs may advertise. */
bool cpu_vmx_usable(const struct cpu_model *m, enum cpu_vmx_feature f);
/* Turn a VMX feature on or off by name (name_len bytes); turning one off
 * also turns off what needs it.  false: no such VMX feature name. */
bool cpu_vmx_feature_apply(struct cpu_model *m, const char *name,
			   size_t name_len, bool on);

/*
 * MAXPHYADDR, the physical-address width (SDM Vol. 3A 4.1.4): the one value
 * behind CPUID.80000008, the paging reserved bits, the CR3 and PDPTE
 * checks and every VMX address check (VMXON/VMCS pointers, VM-entry
 * checks, EPT).  46 as on recent Xeons; a model field outside 36..52 (an
 * unset one) means the default.
 */
#define CPU_MODEL_MAXPHYADDR_DEFAULT 46u

/* CPUID.1:EAX, the family/model/stepping signature: family 6, model 3CH
 * (extended model 3, model C), stepping 3.  Also EDX after RESET and
 * INIT (SDM Vol. 3A 10.1.4). */
#define CPU_MODEL_SIGNATURE 0x000306c3u
/* The microcode update revision IA32_BIOS_SIGN_ID reports (bits 63:32):
 * 0x28, the last one Intel published for 306C3.  Linux disables the
 * TSC-deadline timer on this model below revision 0x22 (an erratum). */
#define CPU_MODEL_MICROCODE 0x28u
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

/* The MTRR MSRs (cpu_mtrr.c): IA32_MTRRCAP, DEF_TYPE, fixed and variable
 * ranges; whether WRMSR of val to one of them is allowed (no #GP). */
bool cpu_msr_is_mtrr(uint32_t index);
bool cpu_mtrr_write_ok(const struct cpu_model *m, uint32_t index,
		       uint64_t val);

static inline bool cpu_has(const struct cpu_model *m, enum x86_feature f)
{
	return (m->words[f / 32] >> (f % 32)) & 1;
}

void cpu_model_set(struct cpu_model *m, enum x86_feature f, bool on);

/* The "max" model: every feature vmxbox implements (docs/cpu-model.md). */
void cpu_model_default(struct cpu_model *m);

/*
 * Parse a CPU specification, as `vmxbox run --cpu=SPEC` and QEMU's
 * `-cpu` take it: MODEL[,FEAT...] where MODEL is max, host (= max) or
 * base (a plain x86-64 CPU), and FEAT is +name, -name, name=on|off or a
 * bare name (= +name); names as in Linux /proc/cpuinfo or QEMU (e.g.
 * sse4_2 or sse4.2).  A leading +/- feature starts from max.  Turning a
 * feature off also turns off the features that need it (docs/cpu-model.md).
 * Returns 0, or -1 with a one-line reason in err (unknown feature, or one
 * vmxbox does not implement).
 */
int cpu_model_parse(struct cpu_model *m, const char *spec, char *err,
		    size_t errlen);

/* The name of feature f ("sse4_2"), or NULL if it has none. */
const char *cpu_feature_name(enum x86_feature f);

/* One row per feature vmxbox knows (for docs, tests and --cpu=help). */
struct cpu_feature_info {
	enum x86_feature feat;
	const char *name;       /* Linux /proc/cpuinfo name */
	const char *alias;      /* QEMU name when different, or NULL */
	bool implemented;       /* in the max model */
	enum x86_feature needs; /* prerequisite, or itself when none */
};

extern const struct cpu_feature_info cpu_feature_table[];
extern const size_t cpu_feature_count;

/* CPUID for leaf/subleaf: out[0..3] = EAX, EBX, ECX, EDX.  The one
 * state-dependent bit, leaf 1 ECX.OSXSAVE (= CR4.OSXSAVE), is the
 * engine's to add. */
void cpu_model_cpuid(const struct cpu_model *m, uint32_t leaf, uint32_t subleaf,
		     uint32_t out[4]);
/* Bits of CR4 the model allows to be set (others → #GP on MOV to CR4). */
uint64_t cpu_model_cr4_valid_bits(const struct cpu_model *m);
/* Bits of EFER the model allows (others → #GP on WRMSR). */
uint64_t cpu_model_efer_valid_bits(const struct cpu_model *m);
/* XCR0 bits the model supports (CPUID.(0DH,0):EDX:EAX). */
uint64_t cpu_model_xcr0_valid_bits(const struct cpu_model *m);

#endif
