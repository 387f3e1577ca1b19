/* SPDX-License-Identifier: MIT */
/*
 * Differential testing of the interpreter against Unicorn: shared types.
 *
 * A test case is a short random sequence of user-level 64-bit instructions
 * ending in HLT, plus an initial register file and random data/stack
 * memory.  It runs in both engines from the same state; afterwards all
 * GPRs, RIP, the RFLAGS bits the SDM defines after the sequence, and the
 * data and stack pages must be equal.
 */
#ifndef VMXBOX_TESTS_DIFFTEST_DT_H
#define VMXBOX_TESTS_DIFFTEST_DT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Guest layout, identical in both engines (identity mapped). */
#define DT_CODE_BASE  0x100000ull
#define DT_CODE_SIZE  0x4000u
#define DT_DATA_BASE  0x200000ull
#define DT_DATA_SIZE  0x2000u       /* two pages: accesses may cross */
#define DT_STACK_BASE 0x300000ull
#define DT_STACK_SIZE 0x1000u
#define DT_MEM_SIZE   (4ull << 20)

#define DT_MAX_INSNS 1024
/* Bound on executed instructions (REP iterations count in Unicorn). */
#define DT_EXEC_LIMIT 100000

/* Arithmetic status flags (SDM 3.4.3.1). */
#define DT_FLAG_CF 0x001u
#define DT_FLAG_PF 0x004u
#define DT_FLAG_AF 0x010u
#define DT_FLAG_ZF 0x040u
#define DT_FLAG_SF 0x080u
#define DT_FLAG_OF 0x800u
#define DT_STATUS_FLAGS 0x8d5u

/* MMX/SSE state (difftest --simd; zero otherwise). */
struct dt_simd {
	uint8_t xmm[16][16];
	uint64_t mm[8];
	uint16_t fpse[8];        /* sign/exponent of FP0-7 (compared with --x87) */
	uint32_t mxcsr;
};

struct dt_state {
	uint64_t gpr[16];
	uint64_t rip;
	uint64_t rflags;
	uint8_t data[DT_DATA_SIZE];
	uint8_t stack[DT_STACK_SIZE];
	struct dt_simd simd;
};

struct dt_case {
	uint64_t seed;
	unsigned len;                 /* units asked for (--len) */
	uint8_t code[DT_CODE_SIZE];
	uint32_t code_len;            /* includes the final HLT */
	uint32_t hlt_off;             /* offset of the final HLT */
	uint16_t insn_off[DT_MAX_INSNS];  /* instruction starts, for listing */
	uint32_t ninsns;
	/* Status flags defined before each listed instruction, on every
	 * path reaching it (0 for hand-written cases: compare none). */
	uint16_t mask_before[DT_MAX_INSNS];
	/* Status flags whose value the SDM defines after the sequence (on
	 * every path); other status flags are not compared. */
	uint32_t defined_flags;
	struct dt_state init;
};

/* Outcome of one engine run. */
struct dt_result {
	bool ok;                /* reached the final HLT */
	char err[256];          /* why not */
	struct dt_state st;     /* rip normalised to the HLT address */
};

#endif
