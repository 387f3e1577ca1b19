// SPDX-License-Identifier: MIT
/*
 * Interpreter speed on an x87-heavy loop: per iteration FLD m64, FMUL,
 * FADDP (an accumulator), FLD ST(0), FSQRT, FSTP m64 (the arithmetic on
 * the host x87 with the guest control word, exec_x87.c) and the integer
 * loop control.  Compare with interp_mips (integer ALU loop) to see the
 * cost of the x87 paths.
 * usage: x87_mips [iterations]   (10 instructions per iteration)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"

#define SQRT_HALF 0x3fe6a09e667f3bcdull     /* sqrt(0.5) as a double */

int main(int argc, char **argv)
{
	uint32_t iters = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 0) : 2000000u;
	uint8_t code[] = {
		0xb9, 0, 0, 0, 0,                   /* mov ecx, iters */
		0xdb, 0xe3,                         /* fninit */
		0xd9, 0xee,                         /* fldz: the sum */
		0xd9, 0x47, 0x08,                   /* fld dword [rdi+8]: 0.5 */
		0xdd, 0x06,                         /* 1: fld qword [rsi] */
		0xd8, 0xc9,                         /* fmul st,st(1) */
		0xde, 0xc2,                         /* faddp st(2),st */
		0xd9, 0xc0,                         /* fld st(0) */
		0xd9, 0xfa,                         /* fsqrt */
		0xdd, 0x1f,                         /* fstp qword [rdi] */
		0x48, 0x83, 0xc6, 0x08,             /* add rsi, 8 */
		0x81, 0xe6, 0xf8, 0x0f, 0x20, 0x00, /* and esi, 0x200ff8 */
		0xff, 0xc9,                         /* dec ecx */
		0x75, 0xe6,                         /* jnz 1b */
	};
	struct harness h;
	struct timespec t0, t1;
	uint64_t n = 4 + 10ull * iters, sum_m;
	uint16_t sum_se;
	unsigned top;

	memcpy(code + 1, &iters, 4);
	h_init(&h);
	for (uint64_t a = 0; a < 4096; a += 8)
		h_write64(&h, H_DATA + a, 0x3ff0000000000000ull);       /* 1.0 */
	h_write64(&h, H_DATA + 0x10008, 0x3f000000u);           /* 0.5f */
	h.s->gpr[GPR_RSI] = H_DATA;
	h.s->gpr[GPR_RDI] = H_DATA + 0x10000;
	h_load(&h, H_CODE, code, sizeof(code));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	enum engine_exit_reason r = h_run(&h, n);
	clock_gettime(CLOCK_MONOTONIC, &t1);

	double secs = (double)(t1.tv_sec - t0.tv_sec) +
		      (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	uint64_t done = h.s->insn_count;

	/* the sum is ST(1): iters / 2, exactly (iters < 2^63) */
	top = (h.s->fpu.fsw >> 11) & 7;
	memcpy(&sum_m, h.s->fpu.st[(top + 1) & 7], 8);
	memcpy(&sum_se, h.s->fpu.st[(top + 1) & 7] + 8, 2);
	if (r != ENGINE_EXIT_INSN_LIMIT || done != n || h.s->gpr[GPR_RCX] != 0 ||
	    h_read64(&h, H_DATA + 0x10000) != SQRT_HALF ||
	    (iters && (double)sum_m * __builtin_ldexp(1.0, (int)sum_se - 16383 - 63) !=
		      (double)iters / 2)) {
		fprintf(stderr, "x87_mips: wrong result (exit %s, %llu insns)\n",
			engine_exit_reason_name(r), (unsigned long long)done);
		return 1;
	}
	printf("instructions %llu\nwall_seconds %.3f\nmips %.1f\n",
	       (unsigned long long)done, secs, (double)done / secs / 1e6);
	h_fini(&h);
	return 0;
}
