// SPDX-License-Identifier: MIT
/*
 * VMX capabilities: ONE table of the VMX controls vmxbox supports, from
 * which every capability MSR (IA32_VMX_* 0x480-0x492, SDM Appendix A) and
 * the allowed settings used by VM entry are derived, once, per vCPU.
 */
#include "vmx/vmx.h"

#include <string.h>

enum ctl_word {
	W_PIN = VMX_CTL_PIN, W_PROC = VMX_CTL_PROC, W_PROC2 = VMX_CTL_PROC2,
	W_EXIT = VMX_CTL_EXIT, W_ENTRY = VMX_CTL_ENTRY, W_PROC3 = VMX_CTL_PROC3,
	W_COUNT = VMX_CTL_WORDS
};

/* Row flags. */
#define SUP   (1u << 0)  /* 1-setting supported */
#define D1    (1u << 1)  /* default1 (SDM A.2): must-be-1 in non-TRUE MSR */
#define D1CLR (1u << 2)  /* default1 that the TRUE MSR allows to be 0 */
#define NEED_RDTSCP (1u << 3)  /* only if the CPU model has RDTSCP */
#define NEED_RDRAND (1u << 4)  /* only if the CPU model has RDRAND */
#define NEED_RDSEED (1u << 5)  /* only if the CPU model has RDSEED */
#define NEED_INVPCID (1u << 6) /* only if the CPU model has INVPCID */
#define NEED_XSAVES (1u << 7)  /* only if the CPU model has XSAVES */
/* No flag: a control the SDM names that vmxbox does not support (must be
 * 0); listed so that docs and tests cover every control bit. */
#define NOSUP 0u

struct ctl_row {
	uint8_t word;
	uint8_t bit;
	uint8_t flags;
	const char *name;
};

/*
 * Default1 classes are SDM A.3.1 (pin bits 1, 2, 4), A.3.2 (proc bits 1,
 * 4-6, 8, 13-16, 26), A.4.1 (exit bits 0-8, 10, 11, 13, 14, 16, 17) and
 * A.5.1 (entry bits 0-8, 12).  Bits not listed are reserved must-be-0;
 * NOSUP rows are named controls that are must-be-0 here.
 */
static const struct ctl_row ctl_table[] = {
	{ W_PIN, 0, SUP, "external-interrupt exiting" },
	{ W_PIN, 1, D1, "reserved (default1)" },
	{ W_PIN, 2, D1, "reserved (default1)" },
	{ W_PIN, 3, SUP, "NMI exiting" },
	{ W_PIN, 4, D1, "reserved (default1)" },
	{ W_PIN, 5, SUP, "virtual NMIs" },
	{ W_PIN, 6, SUP, "activate VMX-preemption timer" },
	{ W_PIN, 7, SUP, "process posted interrupts" },   /* posted.c */

	{ W_PROC, 1, D1, "reserved (default1)" },
	{ W_PROC, 2, SUP, "interrupt-window exiting" },
	{ W_PROC, 3, SUP, "use TSC offsetting" },
	{ W_PROC, 4, D1, "reserved (default1)" },
	{ W_PROC, 5, D1, "reserved (default1)" },
	{ W_PROC, 6, D1, "reserved (default1)" },
	{ W_PROC, 7, SUP, "HLT exiting" },
	{ W_PROC, 8, D1, "reserved (default1)" },
	{ W_PROC, 9, SUP, "INVLPG exiting" },
	{ W_PROC, 10, SUP, "MWAIT exiting" },
	{ W_PROC, 11, SUP, "RDPMC exiting" },
	{ W_PROC, 12, SUP, "RDTSC exiting" },
	{ W_PROC, 13, D1, "reserved (default1)" },
	{ W_PROC, 14, D1, "reserved (default1)" },
	{ W_PROC, 15, SUP | D1 | D1CLR, "CR3-load exiting" },
	{ W_PROC, 16, SUP | D1 | D1CLR, "CR3-store exiting" },
	/* Allowed-1 exactly when a tertiary control is (IPI virtualization
	 * is the only one vmxbox has: model_switch). */
	{ W_PROC, 17, SUP, "activate tertiary controls" },
	{ W_PROC, 19, SUP, "CR8-load exiting" },
	{ W_PROC, 20, SUP, "CR8-store exiting" },
	{ W_PROC, 21, SUP, "use TPR shadow" },   /* tpr.c */
	{ W_PROC, 22, SUP, "NMI-window exiting" },
	{ W_PROC, 23, SUP, "MOV-DR exiting" },
	{ W_PROC, 24, SUP, "unconditional I/O exiting" },
	{ W_PROC, 25, SUP, "use I/O bitmaps" },
	{ W_PROC, 26, D1, "reserved (default1)" },
	{ W_PROC, 27, SUP, "monitor trap flag" },
	{ W_PROC, 28, SUP, "use MSR bitmaps" },
	{ W_PROC, 29, SUP, "MONITOR exiting" },
	{ W_PROC, 30, SUP, "PAUSE exiting" },
	{ W_PROC, 31, SUP, "activate secondary controls" },

	{ W_PROC2, 0, SUP, "virtualize APIC accesses" },   /* apic_access.c */
	{ W_PROC2, 1, SUP, "enable EPT" },
	{ W_PROC2, 2, SUP, "descriptor-table exiting" },
	{ W_PROC2, 3, SUP | NEED_RDTSCP, "enable RDTSCP" },
	{ W_PROC2, 4, SUP, "virtualize x2APIC mode" },   /* vapic.c */
	{ W_PROC2, 5, SUP, "enable VPID" },
	{ W_PROC2, 6, SUP, "WBINVD exiting" },
	{ W_PROC2, 7, SUP, "unrestricted guest" },
	{ W_PROC2, 8, SUP, "APIC-register virtualization" },   /* vapic.c */
	{ W_PROC2, 9, SUP, "virtual-interrupt delivery" },   /* vapic.c */
	{ W_PROC2, 10, SUP, "PAUSE-loop exiting" },   /* ple.c */
	{ W_PROC2, 11, SUP | NEED_RDRAND, "RDRAND exiting" },
	{ W_PROC2, 12, SUP | NEED_INVPCID, "enable INVPCID" },
	{ W_PROC2, 13, SUP, "enable VM functions" },
	{ W_PROC2, 14, SUP, "VMCS shadowing" },   /* shadow.c */
	{ W_PROC2, 15, NOSUP, "enable ENCLS exiting" },
	{ W_PROC2, 16, SUP | NEED_RDSEED, "RDSEED exiting" },
	{ W_PROC2, 17, SUP, "enable PML" },   /* pml.c */
	{ W_PROC2, 18, SUP, "EPT-violation #VE" },   /* ve.c */
	{ W_PROC2, 19, NOSUP, "conceal VMX from PT" },
	{ W_PROC2, 20, SUP | NEED_XSAVES, "enable XSAVES/XRSTORS" },  /* nonroot.c */
	{ W_PROC2, 21, NOSUP, "PASID translation" },
	{ W_PROC2, 22, SUP, "mode-based execute control for EPT" },  /* ept_walk.c */
	{ W_PROC2, 23, NOSUP, "sub-page write permissions for EPT" },
	{ W_PROC2, 24, NOSUP, "Intel PT uses guest physical addresses" },
	{ W_PROC2, 25, SUP, "use TSC scaling" },   /* nonroot.c guest_tsc */
	{ W_PROC2, 26, NOSUP, "enable user wait and pause" },
	{ W_PROC2, 27, NOSUP, "enable PCONFIG" },
	{ W_PROC2, 28, NOSUP, "enable ENCLV exiting" },
	{ W_PROC2, 30, NOSUP, "VMM bus-lock detection" },
	{ W_PROC2, 31, NOSUP, "instruction timeout" },

	{ W_EXIT, 0, D1, "reserved (default1)" },
	{ W_EXIT, 1, D1, "reserved (default1)" },
	{ W_EXIT, 2, SUP | D1 | D1CLR, "save debug controls" },
	{ W_EXIT, 3, D1, "reserved (default1)" },
	{ W_EXIT, 4, D1, "reserved (default1)" },
	{ W_EXIT, 5, D1, "reserved (default1)" },
	{ W_EXIT, 6, D1, "reserved (default1)" },
	{ W_EXIT, 7, D1, "reserved (default1)" },
	{ W_EXIT, 8, D1, "reserved (default1)" },
	{ W_EXIT, 9, SUP, "host address-space size" },
	{ W_EXIT, 10, D1, "reserved (default1)" },
	{ W_EXIT, 11, D1, "reserved (default1)" },
	{ W_EXIT, 12, SUP, "load IA32_PERF_GLOBAL_CTRL" },
	{ W_EXIT, 13, D1, "reserved (default1)" },
	{ W_EXIT, 14, D1, "reserved (default1)" },
	{ W_EXIT, 15, SUP, "acknowledge interrupt on exit" },
	{ W_EXIT, 16, D1, "reserved (default1)" },
	{ W_EXIT, 17, D1, "reserved (default1)" },
	{ W_EXIT, 18, SUP, "save IA32_PAT" },
	{ W_EXIT, 19, SUP, "load IA32_PAT" },
	{ W_EXIT, 20, SUP, "save IA32_EFER" },
	{ W_EXIT, 21, SUP, "load IA32_EFER" },
	{ W_EXIT, 22, SUP, "save VMX-preemption timer value" },
	{ W_EXIT, 23, NOSUP, "clear IA32_BNDCFGS" },
	{ W_EXIT, 24, NOSUP, "conceal VMX from PT" },
	{ W_EXIT, 25, NOSUP, "clear IA32_RTIT_CTL" },
	{ W_EXIT, 26, NOSUP, "clear IA32_LBR_CTL" },
	{ W_EXIT, 27, NOSUP, "clear UINV" },
	{ W_EXIT, 28, NOSUP, "load CET state" },
	{ W_EXIT, 29, NOSUP, "load PKRS" },
	{ W_EXIT, 30, SUP, "save IA32_PERF_GLOBAL_CTL" },   /* exit.c */
	{ W_EXIT, 31, NOSUP, "activate secondary controls" },

	{ W_ENTRY, 0, D1, "reserved (default1)" },
	{ W_ENTRY, 1, D1, "reserved (default1)" },
	{ W_ENTRY, 2, SUP | D1 | D1CLR, "load debug controls" },
	{ W_ENTRY, 3, D1, "reserved (default1)" },
	{ W_ENTRY, 4, D1, "reserved (default1)" },
	{ W_ENTRY, 5, D1, "reserved (default1)" },
	{ W_ENTRY, 6, D1, "reserved (default1)" },
	{ W_ENTRY, 7, D1, "reserved (default1)" },
	{ W_ENTRY, 8, D1, "reserved (default1)" },
	{ W_ENTRY, 9, SUP, "IA-32e mode guest" },
	{ W_ENTRY, 10, NOSUP, "entry to SMM" },
	{ W_ENTRY, 11, NOSUP, "deactivate dual-monitor treatment" },
	{ W_ENTRY, 12, D1, "reserved (default1)" },
	{ W_ENTRY, 13, SUP, "load IA32_PERF_GLOBAL_CTRL" },
	{ W_ENTRY, 14, SUP, "load IA32_PAT" },
	{ W_ENTRY, 15, SUP, "load IA32_EFER" },
	{ W_ENTRY, 16, NOSUP, "load IA32_BNDCFGS" },
	{ W_ENTRY, 17, NOSUP, "conceal VMX from PT" },
	{ W_ENTRY, 18, NOSUP, "load IA32_RTIT_CTL" },
	{ W_ENTRY, 19, NOSUP, "load UINV" },
	{ W_ENTRY, 20, NOSUP, "load CET state" },
	{ W_ENTRY, 21, NOSUP, "load guest IA32_LBR_CTL" },
	{ W_ENTRY, 22, NOSUP, "load PKRS" },

	/* Tertiary controls (SDM 25.6.2, Table 25-8); bits 63:32 and the
	 * unnamed ones are reserved.  The others need CPU features vmxbox
	 * lacks (Key Locker, HLAT, RDMSRLIST/WRMSRLIST, IA32_SPEC_CTRL). */
	{ W_PROC3, 0, NOSUP, "LOADIWKEY exiting" },
	{ W_PROC3, 1, NOSUP, "enable HLAT" },
	{ W_PROC3, 2, NOSUP, "EPT paging-write control" },
	{ W_PROC3, 3, NOSUP, "guest-paging verification" },
	{ W_PROC3, 4, SUP, "IPI virtualization" },   /* ipiv.c */
	{ W_PROC3, 6, NOSUP, "enable MSR-list instructions" },
	{ W_PROC3, 7, NOSUP, "virtualize IA32_SPEC_CTRL" },
};

/* IA32_VMX_MISC (SDM A.6) */
/* The timer ticks every TSC cycle: the interpreter's TSC advances once
 * per instruction, so a small timer value still expires within a short
 * L2 loop (docs/platform.md, "Virtual time"). */
#define MISC_PREEMPT_RATE   0u
#define MISC_STORE_LMA      (1ull << 5)
#define MISC_ACT_HLT        (1ull << 6)
#define MISC_ACT_WAIT_SIPI  (1ull << 8)   /* intercept.c, boundary.c */
#define MISC_CR3_TARGETS    4ull        /* bits 24:16 */
#define MISC_MSR_LIST_N     0ull        /* bits 27:25: 512 * (N + 1) MSRs */

/* IA32_VMX_BASIC (SDM A.1) */
#define BASIC_MEMTYPE_WB    6ull        /* bits 53:50 */
#define BASIC_INS_OUTS_INFO (1ull << 54)
#define BASIC_TRUE_CTLS     (1ull << 55)

/* EPT_CAP_AD (bit 21): accessed and dirty flags for EPT (SDM 29.3.5,
 * A.10); the walk sets them (ept_walk.c) and ept.c treats guest
 * paging-structure accesses as writes when EPTP[6] = 1. */
#define EPT_CAP_ALL 0xffffffffull      /* bits 31:0 EPT, 63:32 VPID (A.10) */
static const uint64_t ept_vpid_cap =
	EPT_CAP_EXEC_ONLY | EPT_CAP_PWL4 | EPT_CAP_MT_UC | EPT_CAP_MT_WB |
	EPT_CAP_2M_PAGE | EPT_CAP_1G_PAGE | EPT_CAP_INVEPT | EPT_CAP_AD |
	EPT_CAP_INVEPT_SINGLE | EPT_CAP_INVEPT_ALL | VPID_CAP_INVVPID |
	VPID_CAP_INDIVIDUAL | VPID_CAP_SINGLE | VPID_CAP_ALL |
	VPID_CAP_SINGLE_NONGLOBAL;

/* Controls the CPU model can turn off (--cpu=max,-vmx-pml; issue 17). */
static const struct {
	uint8_t word, bit;
	enum cpu_vmx_feature feat;
} model_switch[] = {
	{ W_PIN, 7, CPU_VMX_POSTED_INTR },
	{ W_PROC2, 0, CPU_VMX_APIC_ACCESS_VIRT },
	{ W_PROC2, 4, CPU_VMX_X2APIC_VIRT },
	{ W_PROC2, 8, CPU_VMX_APIC_REG_VIRT },
	{ W_PROC2, 9, CPU_VMX_VINTR_DELIVERY },
	{ W_PROC2, 13, CPU_VMX_VMFUNC },
	{ W_PROC2, 14, CPU_VMX_SHADOW_VMCS },
	{ W_PROC2, 17, CPU_VMX_PML },
	{ W_PROC2, 18, CPU_VMX_EPT_VE },
	{ W_PROC2, 22, CPU_VMX_MBEC },
	{ W_PROC2, 25, CPU_VMX_TSC_SCALING },
	{ W_PROC2, 1, CPU_VMX_EPT },
	{ W_PROC2, 5, CPU_VMX_VPID },
	{ W_PROC2, 7, CPU_VMX_UNRESTRICTED },
	{ W_PROC2, 10, CPU_VMX_PLE },
	{ W_PROC2, 20, CPU_VMX_XSAVES },
	{ W_PROC3, 4, CPU_VMX_IPIV },
	{ W_PROC, 17, CPU_VMX_IPIV },   /* the only tertiary control */
};

static bool model_allows(const struct ctl_row *r, const struct cpu_model *m)
{
	for (size_t i = 0; i < sizeof(model_switch) / sizeof(model_switch[0]); i++)
		if (model_switch[i].word == r->word &&
		    model_switch[i].bit == r->bit)
			return cpu_vmx_usable(m, model_switch[i].feat);
	return true;
}

static bool row_usable(const struct ctl_row *r, const struct cpu_model *m)
{
	if (!model_allows(r, m))
		return false;
	if ((r->flags & NEED_RDTSCP) && !cpu_has(m, X86_FEAT_RDTSCP))
		return false;
	if ((r->flags & NEED_RDRAND) && !cpu_has(m, X86_FEAT_RDRAND))
		return false;
	if ((r->flags & NEED_RDSEED) && !cpu_has(m, X86_FEAT_RDSEED))
		return false;
	if ((r->flags & NEED_INVPCID) && !cpu_has(m, X86_FEAT_INVPCID))
		return false;
	if ((r->flags & NEED_XSAVES) && !cpu_has(m, X86_FEAT_XSAVES))
		return false;
	return true;
}

/* Build the non-TRUE and TRUE allowed settings of every control word. */
static void build_ctls(const struct cpu_model *m, struct vmx_ctl_cap *plain,
		       struct vmx_ctl_cap *truec)
{
	memset(plain, 0, W_COUNT * sizeof(*plain));
	memset(truec, 0, W_COUNT * sizeof(*truec));
	for (size_t i = 0; i < sizeof(ctl_table) / sizeof(ctl_table[0]); i++) {
		const struct ctl_row *r = &ctl_table[i];
		uint32_t b = 1u << r->bit;

		if (r->flags & D1) {
			plain[r->word].must1 |= b;
			plain[r->word].may1 |= b;
			truec[r->word].may1 |= b;
			if (!(r->flags & D1CLR) || !row_usable(r, m))
				truec[r->word].must1 |= b;
		} else if ((r->flags & SUP) && row_usable(r, m)) {
			plain[r->word].may1 |= b;
			truec[r->word].may1 |= b;
		}
	}
}

static uint64_t ctl_msr(const struct vmx_ctl_cap *c)
{
	return (uint64_t)c->may1 << 32 | c->must1;
}

static void set_msr(struct vmx_caps *c, uint32_t index, uint64_t val)
{
	c->msr[index - MSR_IA32_VMX_FIRST] = val;
}

/* IA32_VMX_VMCS_ENUM[9:1]: highest index of any supported field (A.9). */
static uint64_t vmcs_enum(const struct vmx_caps *c)
{
	unsigned hi = 0;

	for (unsigned i = 0; i < VMCS_FIELD_COUNT; i++) {
		const struct vmcs_field *f = &vmcs_field_table[i];

		if (vmx_feature_supported(c, f->feature) &&
		    VMCS_ENC_INDEX(f->encoding) > hi)
			hi = VMCS_ENC_INDEX(f->encoding);
	}
	return (uint64_t)hi << 1;
}

void vmx_caps_init(struct vmx_caps *c, const struct cpu_model *m)
{
	struct vmx_ctl_cap plain[W_COUNT], truec[W_COUNT];

	memset(c, 0, sizeof(*c));
	build_ctls(m, plain, truec);
	c->pin = truec[W_PIN];
	c->proc = truec[W_PROC];
	c->proc2 = truec[W_PROC2];
	c->exit = truec[W_EXIT];
	c->entry = truec[W_ENTRY];
	c->proc3 = truec[W_PROC3];
	c->maxphyaddr = cpu_model_maxphyaddr(m);

	/* SDM A.7, A.8: bits fixed in VMX operation. */
	c->cr0_fixed0 = CR0_PE | CR0_NE | CR0_PG;
	c->cr0_fixed1 = 0xffffffffull;
	c->cr4_fixed0 = CR4_VMXE;
	c->cr4_fixed1 = cpu_model_cr4_valid_bits(m) | CR4_VMXE;
	c->ept_vpid = ept_vpid_cap;
	/* Without EPT / VPID their capability bits go too: KVM warns that
	 * "EPT CAP should not exist if not support EPT-based controls". */
	if (!cpu_vmx_usable(m, CPU_VMX_EPT))
		c->ept_vpid &= ~EPT_CAP_ALL;
	if (!cpu_vmx_usable(m, CPU_VMX_VPID))
		c->ept_vpid &= EPT_CAP_ALL;
	/* EPTP switching also needs EPT (SDM 26.2.1.1). */
	c->vmfunc = cpu_vmx_usable(m, CPU_VMX_EPTP_SWITCHING) &&
		    cpu_vmx_usable(m, CPU_VMX_EPT) ? VMFUNC_EPTP_SWITCHING : 0;

	set_msr(c, MSR_IA32_VMX_BASIC, VMX_REVISION_ID |
		(uint64_t)VMX_REGION_SIZE << 32 | BASIC_MEMTYPE_WB << 50 |
		BASIC_INS_OUTS_INFO | BASIC_TRUE_CTLS);
	set_msr(c, MSR_IA32_VMX_PINBASED_CTLS, ctl_msr(&plain[W_PIN]));
	set_msr(c, MSR_IA32_VMX_PROCBASED_CTLS, ctl_msr(&plain[W_PROC]));
	set_msr(c, MSR_IA32_VMX_EXIT_CTLS, ctl_msr(&plain[W_EXIT]));
	set_msr(c, MSR_IA32_VMX_ENTRY_CTLS, ctl_msr(&plain[W_ENTRY]));
	set_msr(c, MSR_IA32_VMX_MISC, MISC_PREEMPT_RATE | MISC_STORE_LMA |
		MISC_ACT_HLT |
		(cpu_vmx_has(m, CPU_VMX_WAIT_SIPI) ? MISC_ACT_WAIT_SIPI : 0) |
		MISC_CR3_TARGETS << 16 | MISC_MSR_LIST_N << 25);
	set_msr(c, MSR_IA32_VMX_CR0_FIXED0, c->cr0_fixed0);
	set_msr(c, MSR_IA32_VMX_CR0_FIXED1, c->cr0_fixed1);
	set_msr(c, MSR_IA32_VMX_CR4_FIXED0, c->cr4_fixed0);
	set_msr(c, MSR_IA32_VMX_CR4_FIXED1, c->cr4_fixed1);
	set_msr(c, MSR_IA32_VMX_PROCBASED_CTLS2, ctl_msr(&plain[W_PROC2]));
	set_msr(c, MSR_IA32_VMX_EPT_VPID_CAP, c->ept_vpid);
	set_msr(c, MSR_IA32_VMX_TRUE_PINBASED_CTLS, ctl_msr(&truec[W_PIN]));
	set_msr(c, MSR_IA32_VMX_TRUE_PROCBASED_CTLS, ctl_msr(&truec[W_PROC]));
	set_msr(c, MSR_IA32_VMX_TRUE_EXIT_CTLS, ctl_msr(&truec[W_EXIT]));
	set_msr(c, MSR_IA32_VMX_TRUE_ENTRY_CTLS, ctl_msr(&truec[W_ENTRY]));
	set_msr(c, MSR_IA32_VMX_VMFUNC, c->vmfunc);
	/* A.3.4: 64 allowed-1 bits, no allowed-0 half (every tertiary
	 * control may be 0). */
	set_msr(c, MSR_IA32_VMX_PROCBASED_CTLS3, c->proc3.may1);
	/* Last: depends on the feature answers above. */
	set_msr(c, MSR_IA32_VMX_VMCS_ENUM, vmcs_enum(c));
}

bool vmx_caps_msr(const struct vmx_caps *c, uint32_t index, uint64_t *val)
{
	if (index < MSR_IA32_VMX_FIRST || index > MSR_IA32_VMX_LAST)
		return false;
	*val = c->msr[index - MSR_IA32_VMX_FIRST];
	return true;
}

/* Which control bit makes a feature (and so its VMCS fields) exist. */
struct feature_row {
	uint8_t word;
	uint32_t bits;     /* any of these 1-settings supported */
	uint32_t bits2;    /* ... or any of these in word2 */
	uint8_t word2;
};

static const struct feature_row feature_table[VF_COUNT] = {
	[VF_VPID] = { W_PROC2, CPU2_ENABLE_VPID, 0, 0 },
	[VF_POSTED_INTR] = { W_PIN, PIN_POSTED_INTR, 0, 0 },
	[VF_EPT] = { W_PROC2, CPU2_ENABLE_EPT, 0, 0 },
	[VF_EPT_VE] = { W_PROC2, CPU2_EPT_VIOLATION_VE, 0, 0 },
	[VF_VMFUNC] = { W_PROC2, CPU2_ENABLE_VMFUNC, 0, 0 },
	[VF_VIRT_INTR_DELIVERY] = { W_PROC2, CPU2_VIRT_INTR_DELIVERY, 0, 0 },
	[VF_TPR_SHADOW] = { W_PROC, CPU_USE_TPR_SHADOW, 0, 0 },
	[VF_APIC_ACCESS] = { W_PROC2, CPU2_VIRT_APIC_ACCESSES, 0, 0 },
	[VF_VMCS_SHADOW] = { W_PROC2, CPU2_VMCS_SHADOWING, 0, 0 },
	[VF_PML] = { W_PROC2, CPU2_ENABLE_PML, 0, 0 },
	[VF_XSAVES] = { W_PROC2, CPU2_ENABLE_XSAVES, 0, 0 },
	[VF_ENCLS] = { W_PROC2, CPU2_ENCLS_EXITING, 0, 0 },
	[VF_ENCLV] = { W_PROC2, CPU2_ENCLV_EXITING, 0, 0 },
	[VF_SPP] = { W_PROC2, CPU2_SUBPAGE_WRITE_PERM, 0, 0 },
	[VF_TSC_SCALING] = { W_PROC2, CPU2_TSC_SCALING, 0, 0 },
	[VF_TERTIARY] = { W_PROC, CPU_ACTIVATE_TERTIARY, 0, 0 },
	[VF_PREEMPT_TIMER] = { W_PIN, PIN_PREEMPTION_TIMER, 0, 0 },
	[VF_PAT] = { W_EXIT, EXIT_CTL_SAVE_PAT | EXIT_CTL_LOAD_PAT,
		     ENTRY_CTL_LOAD_PAT, W_ENTRY },
	[VF_EFER] = { W_EXIT, EXIT_CTL_SAVE_EFER | EXIT_CTL_LOAD_EFER,
		      ENTRY_CTL_LOAD_EFER, W_ENTRY },
	[VF_PERF_GLOBAL] = { W_EXIT, EXIT_CTL_LOAD_PERF_GLOBAL |
			     EXIT_CTL_SAVE_PERF_GLOBAL,
			     ENTRY_CTL_LOAD_PERF_GLOBAL, W_ENTRY },
	[VF_BNDCFGS] = { W_EXIT, EXIT_CTL_CLEAR_BNDCFGS,
			 ENTRY_CTL_LOAD_BNDCFGS, W_ENTRY },
	[VF_RTIT] = { W_EXIT, EXIT_CTL_CLEAR_RTIT_CTL,
		      ENTRY_CTL_LOAD_RTIT_CTL, W_ENTRY },
	[VF_LBR] = { W_EXIT, EXIT_CTL_CLEAR_LBR_CTL,
		     ENTRY_CTL_LOAD_LBR_CTL, W_ENTRY },
	[VF_PKRS] = { W_EXIT, EXIT_CTL_LOAD_PKRS, ENTRY_CTL_LOAD_PKRS, W_ENTRY },
	[VF_CET] = { W_EXIT, EXIT_CTL_LOAD_CET, ENTRY_CTL_LOAD_CET, W_ENTRY },
	[VF_PLE] = { W_PROC2, CPU2_PAUSE_LOOP_EXITING, 0, 0 },
	[VF_PID_TABLE] = { W_PROC3, (uint32_t)CPU3_IPI_VIRT, 0, 0 },
	/* VF_NOTIFY and VF_SECONDARY_EXIT need controls vmxbox does not
	 * support (proc2 bit 31, exit bit 31): bits = 0. */
};

const struct vmx_ctl_cap *vmx_ctl_word_cap(const struct vmx_caps *c,
					   unsigned word)
{
	const struct vmx_ctl_cap *w[W_COUNT] = {
		&c->pin, &c->proc, &c->proc2, &c->exit, &c->entry, &c->proc3,
	};

	return word < W_COUNT ? w[word] : NULL;
}

static uint32_t word_may1(const struct vmx_caps *c, unsigned word)
{
	const struct vmx_ctl_cap *w = vmx_ctl_word_cap(c, word);

	return w ? w->may1 : 0;
}

size_t vmx_ctl_row_count(void)
{
	return sizeof(ctl_table) / sizeof(ctl_table[0]);
}

bool vmx_ctl_row(size_t i, unsigned *word, unsigned *bit, const char **name)
{
	if (i >= vmx_ctl_row_count())
		return false;
	*word = ctl_table[i].word;
	*bit = ctl_table[i].bit;
	*name = ctl_table[i].name;
	return true;
}

bool vmx_ctl_row_default1(size_t i)
{
	return i < vmx_ctl_row_count() && (ctl_table[i].flags & D1);
}

const char *vmx_ctl_word_name(unsigned word)
{
	static const char *const names[W_COUNT] = {
		"pin-based", "primary processor-based",
		"secondary processor-based", "VM-exit", "VM-entry",
		"tertiary processor-based",
	};

	return word < W_COUNT ? names[word] : "?";
}

bool vmx_feature_supported(const struct vmx_caps *c, unsigned feature)
{
	const struct feature_row *f;

	if (feature == VF_ALWAYS)
		return true;
	if (feature == VF_EPTP_SWITCH)
		return vmx_feature_supported(c, VF_VMFUNC) &&
		       (c->vmfunc & VMFUNC_EPTP_SWITCHING);
	if (feature >= VF_COUNT)
		return false;
	f = &feature_table[feature];
	return (word_may1(c, f->word) & f->bits) ||
	       (f->bits2 && (word_may1(c, f->word2) & f->bits2));
}

bool vmx_field_supported(const struct vmx_caps *c, uint32_t encoding)
{
	const struct vmcs_field *f = vmcs_field_by_encoding(encoding, NULL);

	return f && vmx_feature_supported(c, f->feature);
}

/* SDM 27.2.1.1, checks on the EPTP (and 25.6.11 for its format). */
bool vmx_eptp_valid(const struct vmx_caps *c, uint64_t eptp)
{
	unsigned mt = eptp & 7;

	if (!((mt == 0 && (c->ept_vpid & EPT_CAP_MT_UC)) ||
	      (mt == 6 && (c->ept_vpid & EPT_CAP_MT_WB))))
		return false;
	if (((eptp >> 3) & 7) != 3)        /* page-walk length 4 */
		return false;
	if ((eptp & (1ull << 6)) && !(c->ept_vpid & EPT_CAP_AD))
		return false;
	if (eptp & 0xf80ull)               /* bit 7 (SSS) and 11:8 reserved */
		return false;
	return vmx_pa_ok(c, eptp);
}

/* SDM 24.8 / A.7: bits 1 in FIXED0 must be 1, bits 0 in FIXED1 must be 0. */
bool vmx_cr0_ok(const struct vmx_caps *c, uint64_t cr0)
{
	return (cr0 & c->cr0_fixed0) == c->cr0_fixed0 &&
	       (cr0 & ~c->cr0_fixed1) == 0;
}

bool vmx_cr4_ok(const struct vmx_caps *c, uint64_t cr4)
{
	return (cr4 & c->cr4_fixed0) == c->cr4_fixed0 &&
	       (cr4 & ~c->cr4_fixed1) == 0;
}
