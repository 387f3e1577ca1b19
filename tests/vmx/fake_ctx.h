/* SPDX-License-Identifier: MIT */
/*
 * A fake engine for VMX core tests: a struct cpu_state, a guest_mem and an
 * x86_intercept_ctx whose read_lin/write_lin copy flat (linear = segment
 * base + offset = guest-physical) and can be made to #PF on a range.
 */
#ifndef VMXBOX_TESTS_FAKE_CTX_H
#define VMXBOX_TESTS_FAKE_CTX_H

#include "engine/intercept.h"

struct fake_cpu {
	struct cpu_state s;
	struct guest_mem mem;
	struct x86_intercept_ctx ctx;
	uint64_t fault_lo, fault_hi;   /* [lo, hi) linear range that #PFs */
	unsigned state_changed;
};

/* 64-bit mode, CPL 0, CR4.VMXE=1, IA32_FEATURE_CONTROL locked+enabled. */
int fake_init(struct fake_cpu *f, uint64_t mem_size);
void fake_destroy(struct fake_cpu *f);

void fake_mode_64(struct fake_cpu *f);
void fake_mode_legacy32(struct fake_cpu *f);  /* protected, paging, 32-bit CS */
void fake_mode_compat(struct fake_cpu *f);    /* IA-32e, CS.L = 0 */
void fake_mode_real(struct fake_cpu *f);
void fake_mode_v86(struct fake_cpu *f);
void fake_set_cpl(struct fake_cpu *f, unsigned cpl);

/* An ICPT_VMX_INSN intercept.  mem: r/m is memory at DS:ea with the given
 * displacement; else r/m is register rm. */
struct x86_intercept fake_vmx_mem(enum vmx_insn_id which, uint64_t ea,
				  int64_t disp, uint8_t reg2);
struct x86_intercept fake_vmx_reg(enum vmx_insn_id which, uint8_t rm,
				  uint8_t reg2);

#endif
