// SPDX-License-Identifier: MIT
/*
 * Interpreter speed on an SSE-heavy loop: per iteration an aligned
 * 16-byte load, MULPS and ADDPS (floating point on the host SSE unit with
 * the guest MXCSR), PADDD, PSHUFD, CVTDQ2PS, and the integer loop
 * control.  Compare with interp_mips (integer ALU loop) to see the cost
 * of the SIMD paths.
 * usage: sse_mips [iterations]   (10 instructions per iteration)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"

static void xset(struct harness *h, unsigned i, uint32_t v)
{
	uint32_t l[4] = { v, v, v, v };

	memcpy(h->s->fpu.xmm[i], l, 16);
}

static uint32_t xlane(struct harness *h, unsigned i)
{
	uint32_t v;

	memcpy(&v, h->s->fpu.xmm[i], 4);
	return v;
}

int main(int argc, char **argv)
{
	uint32_t iters = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 0) : 2000000u;
	uint8_t code[] = {
		0xb9, 0, 0, 0, 0,                   /* mov ecx, iters */
		0x0f, 0x28, 0x0e,                   /* 1: movaps xmm1, [rsi] */
		0x0f, 0x59, 0xca,                   /* mulps xmm1, xmm2 */
		0x0f, 0x58, 0xc1,                   /* addps xmm0, xmm1 */
		0x66, 0x0f, 0xfe, 0xdc,             /* paddd xmm3, xmm4 */
		0x66, 0x0f, 0x70, 0xeb, 0x1b,       /* pshufd xmm5, xmm3, 0x1b */
		0x0f, 0x5b, 0xf5,                   /* cvtdq2ps xmm6, xmm5 */
		0x48, 0x83, 0xc6, 0x10,             /* add rsi, 16 */
		0x81, 0xe6, 0xf0, 0x0f, 0x20, 0x00, /* and esi, 0x200ff0 */
		0xff, 0xc9,                         /* dec ecx */
		0x75, 0xdd,                         /* jnz 1b */
	};
	struct harness h;
	struct timespec t0, t1;
	uint64_t n = 1 + 10ull * iters;
	float half = (float)iters * 0.5f;
	uint32_t want;

	memcpy(&want, &half, 4);
	memcpy(code + 1, &iters, 4);
	h_init(&h);
	h.s->cr4 |= CR4_OSFXSR | CR4_OSXMMEXCPT;
	for (uint64_t a = 0; a < 4096; a += 4)
		h_write64(&h, H_DATA + 2 * a, 0x3f8000003f800000ull);   /* 1.0f */
	h.s->gpr[GPR_RSI] = H_DATA;
	xset(&h, 2, 0x3f000000u);          /* 0.5f */
	xset(&h, 4, 3);
	h_load(&h, H_CODE, code, sizeof(code));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	enum engine_exit_reason r = h_run(&h, n);
	clock_gettime(CLOCK_MONOTONIC, &t1);

	double secs = (double)(t1.tv_sec - t0.tv_sec) +
		      (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	uint64_t done = h.s->insn_count;

	if (r != ENGINE_EXIT_INSN_LIMIT || done != n || h.s->gpr[GPR_RCX] != 0 ||
	    xlane(&h, 0) != want || xlane(&h, 3) != 3u * iters) {
		fprintf(stderr, "sse_mips: wrong result (exit %s, %llu insns)\n",
			engine_exit_reason_name(r), (unsigned long long)done);
		return 1;
	}
	printf("instructions %llu\nwall_seconds %.3f\nmips %.1f\n",
	       (unsigned long long)done, secs, (double)done / secs / 1e6);
	h_fini(&h);
	return 0;
}
