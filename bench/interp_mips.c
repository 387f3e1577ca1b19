// SPDX-License-Identifier: MIT
/*
 * Interpreter speed on a register ALU loop (add/xor/dec/jnz on 32-bit
 * registers, the loop Bochs runs at ~107 MIPS, see PEERS.md).
 * usage: interp_mips [iterations]   (4 instructions per iteration)
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "harness.h"

int main(int argc, char **argv)
{
	uint32_t iters = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 0) : 25000000u;
	uint8_t code[] = {
		0xb9, 0, 0, 0, 0,       /* mov ecx, iters */
		0x01, 0xd8,             /* 1: add eax,ebx */
		0x31, 0xc2,             /* xor edx,eax */
		0xff, 0xc9,             /* dec ecx */
		0x75, 0xf8,             /* jnz 1b */
	};
	struct harness h;
	struct timespec t0, t1;
	uint64_t n = 1 + 4ull * iters;

	code[1] = (uint8_t)iters;
	code[2] = (uint8_t)(iters >> 8);
	code[3] = (uint8_t)(iters >> 16);
	code[4] = (uint8_t)(iters >> 24);
	h_init(&h);
	h.s->gpr[GPR_RBX] = 3;
	h_load(&h, H_CODE, code, sizeof(code));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	enum engine_exit_reason r = h_run(&h, n);
	clock_gettime(CLOCK_MONOTONIC, &t1);

	double secs = (double)(t1.tv_sec - t0.tv_sec) +
		      (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	uint64_t done = h.s->insn_count;

	if (r != ENGINE_EXIT_INSN_LIMIT || done != n || h.s->gpr[GPR_RCX] != 0 ||
	    h.s->gpr[GPR_RAX] != (uint32_t)(3ull * iters)) {
		fprintf(stderr, "interp_mips: wrong result (exit %s, %llu insns)\n",
			engine_exit_reason_name(r), (unsigned long long)done);
		return 1;
	}
	printf("instructions %llu\nwall_seconds %.3f\nmips %.1f\n",
	       (unsigned long long)done, secs, (double)done / secs / 1e6);
	h_fini(&h);
	return 0;
}
