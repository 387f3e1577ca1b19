// SPDX-License-Identifier: MIT
#include "core/cpu_state.h"
#include "core/cpu_model.h"

#include <string.h>

void cpu_state_reset(struct cpu_state *s)
{
	memset(s, 0, sizeof(*s));
	s->rip = 0xfff0;
	s->rflags = RFLAGS_FIXED1;
	s->cr0 = CR0_ET | CR0_CD | CR0_NW;
	/* EDX = the CPUID.1:EAX signature (SDM Vol. 3A 10.1.4). */
	s->gpr[GPR_RDX] = CPU_MODEL_SIGNATURE;
	for (int i = 0; i < SEG_COUNT; i++) {
		s->seg[i].sel = 0;
		s->seg[i].base = 0;
		s->seg[i].limit = 0xffff;
		s->seg[i].ar = SEG_AR_P | SEG_AR_S | 0x3; /* data RW, accessed */
	}
	s->seg[SEG_CS].sel = 0xf000;
	s->seg[SEG_CS].base = 0xffff0000;
	s->seg[SEG_CS].ar = SEG_AR_P | SEG_AR_S | 0xb; /* code RX, accessed */
	s->seg[SEG_LDTR].ar = SEG_AR_P | 0x2;          /* LDT */
	s->seg[SEG_TR].ar = SEG_AR_P | 0xb;            /* busy 32-bit TSS */
	s->gdtr.limit = 0xffff;
	s->idtr.limit = 0xffff;
	s->dr[6] = 0xffff0ff0;
	s->dr[7] = 0x400;
	s->xcr0 = 1;
	s->fpu.fcw = FPU_FCW_RESET;
	s->fpu.mxcsr = MXCSR_RESET;
	s->msr.pat = 0x0007040600070406ull;
	/* Fast-string operations enabled, as a BIOS leaves them (SDM Vol. 4
	 * Table 2-2, IA32_MISC_ENABLE bit 0). */
	s->msr.misc_enable = MISC_ENABLE_FAST_STRINGS;
	s->msr.apic_base = 0xfee00000ull | (1ull << 11) | (1ull << 8);
}

void cpu_state_init_signal(struct cpu_state *s)
{
	struct cpu_msrs msr = s->msr;
	uint64_t xcr0 = s->xcr0, tsc = s->tsc, count = s->insn_count;
	/* INIT leaves the x87 FPU, MMX and SSE state alone (SDM Table
	 * 10-1, note on INIT). */
	struct fpu_state fpu = s->fpu;

	cpu_state_reset(s);
	s->fpu = fpu;
	s->msr = msr;
	s->xcr0 = xcr0;
	s->tsc = tsc;
	s->insn_count = count;
}

#define MSR_ROW(idx, nm, field) { idx, nm, offsetof(struct cpu_state, field) }

const struct msr_desc cpu_msr_table[] = {
	MSR_ROW(0x0000003a, "IA32_FEATURE_CONTROL", msr.feature_control),
	MSR_ROW(0x0000003b, "IA32_TSC_ADJUST", msr.tsc_adjust),
	MSR_ROW(0x00000048, "IA32_SPEC_CTRL", msr.spec_ctrl),
	MSR_ROW(0x0000001b, "IA32_APIC_BASE", msr.apic_base),
	MSR_ROW(0x00000174, "IA32_SYSENTER_CS", msr.sysenter_cs),
	MSR_ROW(0x00000175, "IA32_SYSENTER_ESP", msr.sysenter_esp),
	MSR_ROW(0x00000176, "IA32_SYSENTER_EIP", msr.sysenter_eip),
	MSR_ROW(0x000001a0, "IA32_MISC_ENABLE", msr.misc_enable),
	MSR_ROW(0x000001d9, "IA32_DEBUGCTL", msr.debugctl),
	MSR_ROW(0x00000277, "IA32_PAT", msr.pat),
	MSR_ROW(0x0000038f, "IA32_PERF_GLOBAL_CTRL", msr.perf_global_ctrl),
	MSR_ROW(0x00000d90, "IA32_BNDCFGS", msr.bndcfgs),
	MSR_ROW(0xc0000080, "IA32_EFER", efer),
	MSR_ROW(0xc0000081, "IA32_STAR", msr.star),
	MSR_ROW(0xc0000082, "IA32_LSTAR", msr.lstar),
	MSR_ROW(0xc0000083, "IA32_CSTAR", msr.cstar),
	MSR_ROW(0xc0000084, "IA32_FMASK", msr.sfmask),
	MSR_ROW(0xc0000100, "IA32_FS_BASE", seg[SEG_FS].base),
	MSR_ROW(0xc0000101, "IA32_GS_BASE", seg[SEG_GS].base),
	MSR_ROW(0xc0000102, "IA32_KERNEL_GS_BASE", msr.kernel_gs_base),
	MSR_ROW(0xc0000103, "IA32_TSC_AUX", msr.tsc_aux),
	MSR_ROW(0x00000da0, "IA32_XSS", msr.xss),
	MSR_ROW(0x000002ff, "IA32_MTRR_DEF_TYPE", msr.mtrr_def_type),
	MSR_ROW(0x00000250, "IA32_MTRR_FIX64K_00000", msr.mtrr_fixed[0]),
	MSR_ROW(0x00000258, "IA32_MTRR_FIX16K_80000", msr.mtrr_fixed[1]),
	MSR_ROW(0x00000259, "IA32_MTRR_FIX16K_A0000", msr.mtrr_fixed[2]),
	MSR_ROW(0x00000268, "IA32_MTRR_FIX4K_C0000", msr.mtrr_fixed[3]),
	MSR_ROW(0x00000269, "IA32_MTRR_FIX4K_C8000", msr.mtrr_fixed[4]),
	MSR_ROW(0x0000026a, "IA32_MTRR_FIX4K_D0000", msr.mtrr_fixed[5]),
	MSR_ROW(0x0000026b, "IA32_MTRR_FIX4K_D8000", msr.mtrr_fixed[6]),
	MSR_ROW(0x0000026c, "IA32_MTRR_FIX4K_E0000", msr.mtrr_fixed[7]),
	MSR_ROW(0x0000026d, "IA32_MTRR_FIX4K_E8000", msr.mtrr_fixed[8]),
	MSR_ROW(0x0000026e, "IA32_MTRR_FIX4K_F0000", msr.mtrr_fixed[9]),
	MSR_ROW(0x0000026f, "IA32_MTRR_FIX4K_F8000", msr.mtrr_fixed[10]),
	MSR_ROW(0x00000200, "IA32_MTRR_PHYSBASE0", msr.mtrr_var[0]),
	MSR_ROW(0x00000201, "IA32_MTRR_PHYSMASK0", msr.mtrr_var[1]),
	MSR_ROW(0x00000202, "IA32_MTRR_PHYSBASE1", msr.mtrr_var[2]),
	MSR_ROW(0x00000203, "IA32_MTRR_PHYSMASK1", msr.mtrr_var[3]),
	MSR_ROW(0x00000204, "IA32_MTRR_PHYSBASE2", msr.mtrr_var[4]),
	MSR_ROW(0x00000205, "IA32_MTRR_PHYSMASK2", msr.mtrr_var[5]),
	MSR_ROW(0x00000206, "IA32_MTRR_PHYSBASE3", msr.mtrr_var[6]),
	MSR_ROW(0x00000207, "IA32_MTRR_PHYSMASK3", msr.mtrr_var[7]),
	MSR_ROW(0x00000208, "IA32_MTRR_PHYSBASE4", msr.mtrr_var[8]),
	MSR_ROW(0x00000209, "IA32_MTRR_PHYSMASK4", msr.mtrr_var[9]),
	MSR_ROW(0x0000020a, "IA32_MTRR_PHYSBASE5", msr.mtrr_var[10]),
	MSR_ROW(0x0000020b, "IA32_MTRR_PHYSMASK5", msr.mtrr_var[11]),
	MSR_ROW(0x0000020c, "IA32_MTRR_PHYSBASE6", msr.mtrr_var[12]),
	MSR_ROW(0x0000020d, "IA32_MTRR_PHYSMASK6", msr.mtrr_var[13]),
	MSR_ROW(0x0000020e, "IA32_MTRR_PHYSBASE7", msr.mtrr_var[14]),
	MSR_ROW(0x0000020f, "IA32_MTRR_PHYSMASK7", msr.mtrr_var[15]),
};

const size_t cpu_msr_table_len = sizeof(cpu_msr_table) / sizeof(cpu_msr_table[0]);

/*
 * MSRs without state: a fixed value on RDMSR; WRMSR ignored, or #GP for
 * the read-only ones.  Not in snapshots (nothing to keep).
 */
static const struct msr_const {
	uint32_t index;
	bool writable;
	uint64_t value;
} cpu_msr_consts[] = {
	/* IA32_PLATFORM_ID (SDM Vol. 4 Table 2-2, read-only): platform
	 * ID 0 in bits 52:50, read by Linux's microcode driver. */
	{ 0x017, false, 0 },
	/* IA32_BIOS_SIGN_ID (SDM Vol. 3A 10.11.7.1): software writes 0,
	 * executes CPUID(1) and reads the update revision from bits
	 * 63:32; it reads so at any time here (no update is loaded). */
	{ 0x08b, true, (uint64_t)CPU_MODEL_MICROCODE << 32 },
	/* MSR_POWER_CTL (SDM Vol. 4, the Nehalem-and-later tables): C1E
	 * promotion off, no C-states; Linux's intel_idle writes it. */
	{ 0x1fc, true, 0 },
	/* IA32_MTRRCAP (SDM 12.11.1, read-only); the MTRRs themselves are
	 * in struct cpu_msrs. */
	{ MSR_IA32_MTRRCAP, false, MTRRCAP_VALUE },
};

static const struct msr_const *msr_const_lookup(uint32_t index)
{
	for (size_t i = 0; i < sizeof(cpu_msr_consts) / sizeof(cpu_msr_consts[0]); i++)
		if (cpu_msr_consts[i].index == index)
			return &cpu_msr_consts[i];
	return NULL;
}

const struct msr_desc *cpu_msr_lookup(uint32_t index)
{
	for (size_t i = 0; i < cpu_msr_table_len; i++)
		if (cpu_msr_table[i].index == index)
			return &cpu_msr_table[i];
	return NULL;
}

bool cpu_msr_get(const struct cpu_state *s, uint32_t index, uint64_t *val)
{
	const struct msr_desc *d = cpu_msr_lookup(index);
	const struct msr_const *k;

	if (!d) {
		k = msr_const_lookup(index);
		if (k)
			*val = k->value;
		return k != NULL;
	}
	memcpy(val, (const char *)s + d->offset, sizeof(*val));
	return true;
}

bool cpu_msr_set(struct cpu_state *s, uint32_t index, uint64_t val)
{
	const struct msr_desc *d = cpu_msr_lookup(index);

	if (!d)
		return false;
	memcpy((char *)s + d->offset, &val, sizeof(val));
	return true;
}

bool x86_pat_valid(uint64_t pat)
{
	for (unsigned i = 0; i < 8; i++) {
		unsigned t = (pat >> (8 * i)) & 0xff;

		if (t != 0 && t != 1 && t != 4 && t != 5 && t != 6 && t != 7)
			return false;
	}
	return true;
}

/* MSRs that hold a linear address: WRMSR #GPs unless it is canonical. */
static bool msr_is_address(uint32_t index)
{
	switch (index) {
	case 0x175: case 0x176:                     /* SYSENTER_ESP/EIP */
	case 0xc0000082: case 0xc0000083:           /* LSTAR, CSTAR */
	case 0xc0000100: case 0xc0000101: case 0xc0000102: /* FS/GS/KGS base */
		return true;
	default:
		return false;
	}
}

bool cpu_msr_write(struct cpu_state *s, uint32_t index, uint64_t val)
{
	const struct msr_const *k = msr_const_lookup(index);

	if (k)
		return k->writable;
	if (msr_is_address(index) && !x86_canonical(val))
		return false;
	switch (index) {
	case MSR_IA32_TSC:
		/* Writing the TSC adds the same difference to TSC_ADJUST. */
		s->msr.tsc_adjust += val - s->tsc;
		s->tsc = val;
		return true;
	case MSR_IA32_TSC_ADJUST:
		/* ...and writing TSC_ADJUST adds its difference to the TSC. */
		s->tsc += val - s->msr.tsc_adjust;
		s->msr.tsc_adjust = val;
		return true;
	case MSR_IA32_TSC_AUX:
		if (val >> 32)
			return false;
		break;
	case MSR_IA32_XSS:
		/* A bit for a state component the CPU does not support as a
		 * supervisor component is #GP (SDM Vol. 4 Table 2-2, 13.3):
		 * here every bit. */
		if (val)
			return false;
		break;
	case 0x277:                                 /* IA32_PAT */
		if (!x86_pat_valid(val))
			return false;
		break;
	default:
		break;
	}
	return cpu_msr_set(s, index, val);
}

static const char *const gpr_names[GPR_COUNT] = {
	"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
	"r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
};

static const char *const seg_names[SEG_COUNT] = {
	"es", "cs", "ss", "ds", "fs", "gs", "ldtr", "tr",
};

const char *cpu_gpr_name(enum x86_gpr r)
{
	return (unsigned)r < GPR_COUNT ? gpr_names[r] : "?";
}

const char *cpu_seg_name(enum x86_seg s)
{
	return (unsigned)s < SEG_COUNT ? seg_names[s] : "?";
}
