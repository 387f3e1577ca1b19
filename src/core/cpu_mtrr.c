// SPDX-License-Identifier: MIT
/*
 * Memory type range registers (SDM Vol. 3A 12.11): which MSRs they are and
 * which values WRMSR (and the VMX MSR-load lists) accept.  Their state is
 * in struct cpu_msrs (core/cpu_state.h), IA32_MTRRCAP is a constant of
 * cpu_state.c.  Memory types have no effect in an emulator: the registers
 * only have to keep what software writes and refuse what the SDM refuses.
 */
#include "core/cpu_model.h"
#include "core/cpu_state.h"

/* The fixed-range MSRs (SDM 12.11.2.2, Table 12-9), in cpu_msrs order. */
static const uint32_t fixed_msrs[MTRR_N_FIXED] = {
	0x250, 0x258, 0x259, 0x268, 0x269, 0x26a, 0x26b, 0x26c, 0x26d,
	0x26e, 0x26f,
};

static bool is_fixed(uint32_t index)
{
	for (unsigned i = 0; i < MTRR_N_FIXED; i++)
		if (fixed_msrs[i] == index)
			return true;
	return false;
}

bool cpu_msr_is_mtrr(uint32_t index)
{
	return index == MSR_IA32_MTRRCAP || index == MSR_IA32_MTRR_DEF_TYPE ||
	       (index >= MSR_IA32_MTRR_PHYSBASE0 &&
		index < MSR_IA32_MTRR_PHYSBASE0 + 2 * MTRR_N_VAR) ||
	       is_fixed(index);
}

/* UC, WC, WT, WP, WB (SDM Table 12-8); 2, 3 and above 6 are reserved. */
static bool type_ok(uint64_t t)
{
	return t == 0 || t == 1 || t == 4 || t == 5 || t == 6;
}

/*
 * IA32_MTRR_DEF_TYPE: type in 7:0, FE bit 10, E bit 11 (SDM 12.11.2.1);
 * PHYSBASEn: type in 7:0, base in MAXPHYADDR-1:12; PHYSMASKn: V bit 11,
 * mask in MAXPHYADDR-1:12 (12.11.2.3); the fixed ranges: eight types.
 * Anything else set is #GP(0), as is every write to IA32_MTRRCAP.
 */
bool cpu_mtrr_write_ok(const struct cpu_model *m, uint32_t index,
		       uint64_t val)
{
	uint64_t pa = cpu_model_pa_mask(m) & ~0xfffull;

	if (index == MSR_IA32_MTRR_DEF_TYPE)
		return !(val & ~0xcffull) && type_ok(val & 0xff);
	if (index >= MSR_IA32_MTRR_PHYSBASE0 &&
	    index < MSR_IA32_MTRR_PHYSBASE0 + 2 * MTRR_N_VAR) {
		if (index & 1)
			return !(val & ~(pa | 0x800ull));
		return !(val & ~(pa | 0xffull)) && type_ok(val & 0xff);
	}
	if (is_fixed(index)) {
		for (unsigned i = 0; i < 8; i++)
			if (!type_ok((val >> (8 * i)) & 0xff))
				return false;
		return true;
	}
	return false;
}
