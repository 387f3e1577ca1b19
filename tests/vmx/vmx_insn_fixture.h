/* SPDX-License-Identifier: MIT */
/*
 * The vmx_insn test's fixture (test_vmx_insn*.c): a fake engine
 * (fake_ctx.c) and a vCPU with VMXON region and two VMCSs ready in its
 * memory, instructions run through vmx_intercept_ops with every
 * arithmetic flag set beforehand, and the checks of their architectural
 * results.
 */
#ifndef VMXBOX_TESTS_VMX_INSN_FIXTURE_H
#define VMXBOX_TESTS_VMX_INSN_FIXTURE_H

#include <check.h>

#include "fake_ctx.h"
#include "fake_nonroot.h"
#include "vmx/vmcs.h"
#include "vmx/vmx.h"

#define MEM_SIZE  (4ull << 20)
#define OPND      0x100ull     /* 64-bit pointer operands live here */
#define SCRATCH   0x200ull
#define VMXON_PA  0x1000ull
#define VMCS_A    0x2000ull
#define VMCS_B    0x3000ull
#define EPTP_LIST 0x4000ull
#define DISP      0x30

extern struct fake_cpu F;
extern struct vmx_vcpu *V;

void insn_setup(void);
void insn_teardown(void);
/* Register-form VMREAD/VMWRITEs the vmrw shortcut completed. */
extern unsigned vmrw_fast_hits;
/* One intercept (VMsucceed/VMfail show in the flags; a fault leaves them). */
enum icpt_result run_p(struct x86_intercept *ic);
enum icpt_result run(struct x86_intercept ic);
/* Instruction w with a 64-bit memory operand holding pa. */
enum icpt_result ptr_insn(enum vmx_insn_id w, uint64_t pa);
/* Instruction w without operands. */
enum icpt_result simple(enum vmx_insn_id w);
/* VMXON at VMXON_PA, which must succeed. */
void vmxon_ok(void);
/* VMCLEAR + VMPTRLD of pa, which must succeed. */
void load(uint64_t pa);
/* VMWRITE/VMREAD with register operands: encoding in RAX, value in RBX /
 * result in RCX. */
enum icpt_result vmwrite(uint64_t enc, uint64_t val);
enum icpt_result vmread(uint64_t enc, uint64_t *out);
/* VMXON, VMCS_A current, in non-root operation. */
void enter_nonroot(void);

#define ASSERT_SUCCEED(r) do { \
	ck_assert_int_eq((r), ICPT_EMULATED); \
	ck_assert_uint_eq(F.s.rflags & VMX_ARITH_FLAGS, 0); \
} while (0)
#define ASSERT_FAIL_INVALID(r) do { \
	ck_assert_int_eq((r), ICPT_EMULATED); \
	ck_assert_uint_eq(F.s.rflags & VMX_ARITH_FLAGS, RFLAGS_CF); \
} while (0)
#define ASSERT_FAIL_VALID(r, n) do { \
	ck_assert_int_eq((r), ICPT_EMULATED); \
	ck_assert_uint_eq(F.s.rflags & VMX_ARITH_FLAGS, RFLAGS_ZF); \
	ck_assert_uint_eq(vmcs_read(V, VMCS_VM_INSTRUCTION_ERROR), (n)); \
} while (0)
#define ASSERT_FAULT(r, vec) do { \
	ck_assert_int_eq((r), ICPT_FAULT); \
	ck_assert(F.s.pending_exception.valid); \
	ck_assert_uint_eq(F.s.pending_exception.vector, (vec)); \
	ck_assert_uint_eq(F.s.rflags & VMX_ARITH_FLAGS, VMX_ARITH_FLAGS); \
} while (0)
#define ASSERT_UD(r) ASSERT_FAULT(r, 6)
#define ASSERT_GP0(r) do { \
	ASSERT_FAULT(r, 13); \
	ck_assert(F.s.pending_exception.has_error_code); \
	ck_assert_uint_eq(F.s.pending_exception.error_code, 0); \
} while (0)
#define ASSERT_EXIT(r, why, q) do { \
	ck_assert_int_eq((r), ICPT_SWITCHED); \
	ck_assert_uint_eq(fake_nr.exits, 1); \
	ck_assert_uint_eq(fake_nr.reason, (why)); \
	ck_assert_uint_eq(fake_nr.qual, (q)); \
} while (0)

/* The other files' tests (test_vmx_insn.c has main()). */
void vmx_insn_rw_tests(TCase *t);
void vmx_insn_misc_tests(TCase *t);

#endif
