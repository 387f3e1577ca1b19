/* SPDX-License-Identifier: MIT */
/* Random generator of valid user-level instruction sequences. */
#ifndef VMXBOX_TESTS_DIFFTEST_GEN_H
#define VMXBOX_TESTS_DIFFTEST_GEN_H

#include "dt.h"

/* LAHF/SAHF are valid in 64-bit mode only if CPUID.80000001H:ECX[0] says
 * so; the generator emits them only if this is set (default: true). */
extern bool gen_have_lahf64;
/* CMPXCHG16B needs CPUID.1:ECX[13] (default: true). */
extern bool gen_have_cx16;

/* --simd: MMX/SSE units (gen_simd.c) and a SIMD initial state. */
extern bool gen_simd;
void gen_simd_state(uint64_t seed, struct dt_state *st);

/* --x87: x87 units only (gen_x87.c), x87 values in the data page, and
 * the final x87 state saved into it by FNSAVE. */
extern bool gen_x87;
void gen_x87_state(uint64_t seed, struct dt_state *st);
void gen_x87_epilogue_next(bool on);

/* Fill c from seed: len units (an instruction plus the setup it needs). */
void gen_case(struct dt_case *c, uint64_t seed, unsigned len);

/* Append raw code (hand-written cases): sets code, hlt, insn offsets. */
void gen_raw_case(struct dt_case *c, const uint8_t *code, uint32_t len,
		  uint32_t defined_flags);

#endif
