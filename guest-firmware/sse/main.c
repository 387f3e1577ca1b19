// SPDX-License-Identifier: MIT
/*
 * sse.elf: C compiled by gcc with the default x86-64 flags (SSE2 floating
 * point, -O3 vectorised loops) running as guest firmware.  This file is
 * built like the rest of the runtime (-mgeneral-regs-only): it turns SSE
 * on (CR4.OSFXSR/OSXMMEXCPT, CR0.MP set, EM clear; SDM Vol. 3A 13.1.3)
 * before calling work.c, the part built without those restrictions.
 */
#include "fw.h"

void sse_work(void);

int main(void)
{
	write_cr0((read_cr0() & ~CR0_EM) | CR0_MP);
	write_cr4(read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT);
	sse_work();
	return 0;
}
