// SPDX-License-Identifier: MIT
/*
 * The feature table of the CPU model and the --cpu / -cpu parser.
 *
 * One row per CPUID feature flag vmxbox knows by name.  "implemented"
 * rows make up the max model; the others can only be turned off (which
 * they already are), so `-cpu max,-avx` from a QEMU command line works
 * while `+avx` is a clear error.  Names are Linux's /proc/cpuinfo names,
 * with QEMU's spelling as an alias where it differs; '-', '_' and '.'
 * compare equal (QEMU writes sse4.2, Linux sse4_2).
 */
#include "core/cpu_model.h"

#include <stdio.h>
#include <string.h>

#define ROW(f, nm, al, impl, need) \
	{ X86_FEAT_##f, nm, al, impl, X86_FEAT_##need }

const struct cpu_feature_info cpu_feature_table[] = {
	/* CPUID.1:EDX */
	ROW(FPU, "fpu", NULL, true, FPU),
	ROW(VME, "vme", NULL, true, VME),
	ROW(DE, "de", NULL, true, DE),
	ROW(PSE, "pse", NULL, true, PSE),
	ROW(TSC, "tsc", NULL, true, TSC),
	ROW(MSR, "msr", NULL, true, MSR),
	ROW(PAE, "pae", NULL, true, PAE),
	ROW(MCE, "mce", NULL, true, MCE),
	ROW(CX8, "cx8", NULL, true, CX8),
	ROW(APIC, "apic", NULL, true, APIC),
	ROW(SEP, "sep", NULL, true, SEP),
	ROW(MTRR, "mtrr", NULL, true, MTRR),
	ROW(PGE, "pge", NULL, true, PGE),
	ROW(MCA, "mca", NULL, false, MCE),
	ROW(CMOV, "cmov", NULL, true, CMOV),
	ROW(PAT, "pat", NULL, true, PAT),
	ROW(PSE36, "pse36", NULL, true, PSE),
	ROW(CLFLUSH, "clflush", NULL, true, CLFLUSH),
	ROW(MMX, "mmx", NULL, true, MMX),
	ROW(FXSR, "fxsr", NULL, true, FXSR),
	ROW(SSE, "sse", NULL, true, FXSR),
	ROW(SSE2, "sse2", NULL, true, SSE),
	/* CPUID.1:ECX */
	ROW(SSE3, "pni", "sse3", true, SSE2),
	ROW(PCLMULQDQ, "pclmulqdq", NULL, false, SSE2),
	ROW(MONITOR, "monitor", NULL, true, MONITOR),
	ROW(VMX, "vmx", NULL, true, VMX),
	ROW(SMX, "smx", NULL, false, SMX),
	ROW(SSSE3, "ssse3", NULL, true, SSE3),
	ROW(FMA, "fma", NULL, false, AVX),
	ROW(CX16, "cx16", NULL, true, CX16),
	ROW(PCID, "pcid", NULL, true, PCID),
	ROW(SSE4_1, "sse4_1", NULL, true, SSSE3),
	ROW(SSE4_2, "sse4_2", NULL, true, SSE4_1),
	ROW(X2APIC, "x2apic", NULL, true, APIC),
	ROW(MOVBE, "movbe", NULL, true, MOVBE),
	ROW(POPCNT, "popcnt", NULL, true, POPCNT),
	ROW(TSC_DEADLINE, "tsc_deadline_timer", "tsc_deadline", true, APIC),
	ROW(AES, "aes", NULL, false, SSE2),
	ROW(XSAVE, "xsave", NULL, true, FXSR),
	ROW(AVX, "avx", NULL, false, XSAVE),
	ROW(F16C, "f16c", NULL, false, AVX),
	ROW(RDRAND, "rdrand", NULL, true, RDRAND),
	ROW(HYPERVISOR, "hypervisor", NULL, false, HYPERVISOR),
	/* CPUID.(7,0):EBX */
	ROW(FSGSBASE, "fsgsbase", NULL, false, FSGSBASE),
	ROW(TSC_ADJUST, "tsc_adjust", NULL, false, TSC),
	ROW(BMI1, "bmi1", NULL, false, BMI1),
	ROW(AVX2, "avx2", NULL, false, AVX),
	ROW(SMEP, "smep", NULL, true, SMEP),
	ROW(BMI2, "bmi2", NULL, false, BMI2),
	ROW(ERMS, "erms", NULL, true, ERMS),
	ROW(INVPCID, "invpcid", NULL, true, PCID),
	ROW(RDSEED, "rdseed", NULL, true, RDSEED),
	ROW(ADX, "adx", NULL, false, ADX),
	ROW(SMAP, "smap", NULL, true, SMAP),
	ROW(CLFLUSHOPT, "clflushopt", NULL, true, CLFLUSHOPT),
	ROW(SHA_NI, "sha_ni", NULL, false, SSE2),
	/* CPUID.(7,0):ECX */
	ROW(UMIP, "umip", NULL, true, UMIP),
	ROW(PKU, "pku", NULL, false, PKU),
	ROW(RDPID, "rdpid", NULL, true, RDPID),
	/* CPUID.(0DH,1):EAX */
	ROW(XSAVEOPT, "xsaveopt", NULL, true, XSAVE),
	ROW(XSAVEC, "xsavec", NULL, true, XSAVE),
	ROW(XGETBV1, "xgetbv1", NULL, true, XSAVE),
	ROW(XSAVES, "xsaves", NULL, true, XSAVEC),
	/* CPUID.80000001H:EDX */
	ROW(SYSCALL, "syscall", NULL, true, SYSCALL),
	ROW(NX, "nx", "xd", true, NX),
	ROW(PDPE1GB, "pdpe1gb", NULL, true, LM),
	ROW(RDTSCP, "rdtscp", NULL, true, RDTSCP),
	ROW(LM, "lm", NULL, true, LM),
	/* CPUID.80000001H:ECX */
	ROW(LAHF_LM, "lahf_lm", NULL, true, LAHF_LM),
	ROW(SVM, "svm", NULL, false, SVM),
	ROW(ABM, "abm", "lzcnt", true, ABM),
	ROW(PREFETCHW, "3dnowprefetch", "prefetchw", true, PREFETCHW),
	/* CPUID.80000007H:EDX */
	ROW(INVTSC, "constant_tsc", "invtsc", false, INVTSC),
};

const size_t cpu_feature_count =
	sizeof(cpu_feature_table) / sizeof(cpu_feature_table[0]);

void cpu_model_set(struct cpu_model *m, enum x86_feature f, bool on)
{
	uint32_t bit = 1u << (f % 32);

	if (on)
		m->words[f / 32] |= bit;
	else
		m->words[f / 32] &= ~bit;
}

const char *cpu_feature_name(enum x86_feature f)
{
	for (size_t i = 0; i < cpu_feature_count; i++)
		if (cpu_feature_table[i].feat == f)
			return cpu_feature_table[i].name;
	return NULL;
}

/* A plain x86-64 CPU (QEMU's qemu64 where vmxbox implements it) + VMX. */
static const enum x86_feature base_features[] = {
	X86_FEAT_FPU, X86_FEAT_DE, X86_FEAT_PSE, X86_FEAT_TSC, X86_FEAT_MSR,
	X86_FEAT_PAE, X86_FEAT_MCE, X86_FEAT_CX8, X86_FEAT_APIC, X86_FEAT_SEP,
	X86_FEAT_MTRR, X86_FEAT_PGE, X86_FEAT_MCA, X86_FEAT_CMOV, X86_FEAT_PAT,
	X86_FEAT_PSE36, X86_FEAT_CLFLUSH, X86_FEAT_MMX, X86_FEAT_FXSR,
	X86_FEAT_SSE, X86_FEAT_SSE2, X86_FEAT_SSE3, X86_FEAT_CX16,
	X86_FEAT_VMX, X86_FEAT_SYSCALL, X86_FEAT_NX, X86_FEAT_LM,
	X86_FEAT_LAHF_LM,
};

static void drop_orphans(struct cpu_model *m);

static void model_max(struct cpu_model *m)
{
	memset(m, 0, sizeof(*m));
	m->maxphyaddr = CPU_MODEL_MAXPHYADDR_DEFAULT;
	for (size_t i = 0; i < cpu_feature_count; i++)
		if (cpu_feature_table[i].implemented)
			cpu_model_set(m, cpu_feature_table[i].feat, true);
	drop_orphans(m);
}

static void model_base(struct cpu_model *m)
{
	struct cpu_model max;

	model_max(&max);
	memset(m->words, 0, sizeof(m->words));
	m->maxphyaddr = max.maxphyaddr;
	for (size_t i = 0; i < sizeof(base_features) / sizeof(base_features[0]); i++)
		if (cpu_has(&max, base_features[i]))
			cpu_model_set(m, base_features[i], true);
}

void cpu_model_default(struct cpu_model *m)
{
	model_max(m);
}

/* Clear every feature whose prerequisite is missing, transitively. */
static void drop_orphans(struct cpu_model *m)
{
	bool changed = true;

	while (changed) {
		changed = false;
		for (size_t i = 0; i < cpu_feature_count; i++) {
			const struct cpu_feature_info *r = &cpu_feature_table[i];

			if (r->needs != r->feat && cpu_has(m, r->feat) &&
			    !cpu_has(m, r->needs)) {
				cpu_model_set(m, r->feat, false);
				changed = true;
			}
		}
	}
}

/* Names compare with '-', '_' and '.' equal, case-insensitively. */
static bool name_eq(const char *a, size_t alen, const char *b)
{
	size_t i;

	if (!b || strlen(b) != alen)
		return false;
	for (i = 0; i < alen; i++) {
		char x = a[i], y = b[i];

		if (x == '-' || x == '.')
			x = '_';
		if (y == '-' || y == '.')
			y = '_';
		if (x >= 'A' && x <= 'Z')
			x = (char)(x - 'A' + 'a');
		if (x != y)
			return false;
	}
	return true;
}

static const struct cpu_feature_info *find_feature(const char *name, size_t len)
{
	for (size_t i = 0; i < cpu_feature_count; i++) {
		const struct cpu_feature_info *r = &cpu_feature_table[i];

		if (name_eq(name, len, r->name) || name_eq(name, len, r->alias))
			return r;
	}
	return NULL;
}

static bool find_model(const char *name, size_t len, struct cpu_model *m)
{
	if (name_eq(name, len, "max") || name_eq(name, len, "host")) {
		model_max(m);
		return true;
	}
	if (name_eq(name, len, "base") || name_eq(name, len, "qemu64")) {
		model_base(m);
		return true;
	}
	return false;
}

/* "on"/"off" and friends; -1 if neither. */
static int parse_switch(const char *v, size_t len)
{
	static const char *const on[] = { "on", "yes", "true", "1" };
	static const char *const off[] = { "off", "no", "false", "0" };

	for (size_t i = 0; i < 4; i++) {
		if (name_eq(v, len, on[i]))
			return 1;
		if (name_eq(v, len, off[i]))
			return 0;
	}
	return -1;
}

/* One FEAT item of the spec. */
static int apply_item(struct cpu_model *m, const char *it, size_t len,
		      char *err, size_t errlen)
{
	const char *eq = memchr(it, '=', len);
	const struct cpu_feature_info *r;
	size_t nlen = eq ? (size_t)(eq - it) : len;
	const char *name = it;
	int on = 1;

	if (!eq && (*it == '+' || *it == '-')) {
		on = *it == '+';
		name++;
		nlen--;
	} else if (eq) {
		on = parse_switch(eq + 1, len - nlen - 1);
		if (on < 0) {
			snprintf(err, errlen, "'%.*s': expected on or off after '='",
				 (int)len, it);
			return -1;
		}
	}
	r = find_feature(name, nlen);
	if (!r && cpu_vmx_feature_apply(m, name, nlen, on))
		return 0;
	if (!r) {
		snprintf(err, errlen, "unknown CPU feature '%.*s' (see --cpu=help)",
			 (int)nlen, name);
		return -1;
	}
	if (on && !r->implemented) {
		snprintf(err, errlen, "CPU feature '%s' is not implemented by vmxbox",
			 r->name);
		return -1;
	}
	cpu_model_set(m, r->feat, on);
	return 0;
}

int cpu_model_parse(struct cpu_model *m, const char *spec, char *err,
		    size_t errlen)
{
	const char *p = spec, *end;
	bool first = true;

	model_max(m);
	if (!spec || !*spec) {
		snprintf(err, errlen, "empty CPU specification");
		return -1;
	}
	for (; ; p = end + 1, first = false) {
		size_t len;

		end = strchr(p, ',');
		if (!end)
			end = p + strlen(p);
		len = (size_t)(end - p);
		if (!len) {
			snprintf(err, errlen, "empty item in CPU specification '%s'",
				 spec);
			return -1;
		}
		if (!(first && find_model(p, len, m)) &&
		    apply_item(m, p, len, err, errlen))
			return -1;
		if (!*end)
			break;
	}
	drop_orphans(m);
	return 0;
}

bool cpu_feature_name_eq(const char *name, size_t len, const char *known)
{
	return name_eq(name, len, known);
}
