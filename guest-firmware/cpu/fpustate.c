// SPDX-License-Identifier: MIT
/*
 * x87/SSE state that lives only in the processor: the firmware loads a
 * pattern with FXRSTOR64, then in a loop saves it, changes it in memory,
 * loads it back and saves it with XSAVE, printing a digest of the XSAVE
 * area now and then.  Any part of the state a snapshot failed to carry
 * (ST registers, XMM registers, MXCSR, FCW/FSW/tags, pointers, XCR0)
 * changes the digests printed after a restore (tests/snapshot,
 * test_snapshot_restore).
 */
#include "fw.h"

#define LOOPS 300

static uint8_t fx[512] __attribute__((aligned(64)));
static uint8_t xs[1024] __attribute__((aligned(64)));
static uint8_t fy[512] __attribute__((aligned(64)));

static inline void fxsave64(void *p)
{
	asm volatile("fxsave64 (%0)" : : "r"(p) : "memory");
}

static inline void fxrstor64(const void *p)
{
	asm volatile("fxrstor64 (%0)" : : "r"(p) : "memory");
}

static inline void xsave64(void *p, uint64_t mask)
{
	asm volatile("xsave64 (%0)" : : "r"(p), "a"((uint32_t)mask),
		     "d"((uint32_t)(mask >> 32)) : "memory");
}

static inline void xsetbv(uint32_t xcr, uint64_t v)
{
	asm volatile("xsetbv" : : "c"(xcr), "a"((uint32_t)v),
		     "d"((uint32_t)(v >> 32)));
}

/* FNV-1a over n bytes. */
static uint64_t digest(const uint8_t *p, unsigned n)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (unsigned i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

int main(void)
{
	uint64_t xcr0 = cpuid(0xd, 0).eax;

	write_cr4(read_cr4() | CR4_OSFXSR | CR4_OSXSAVE);
	xsetbv(0, xcr0);
	for (unsigned i = 0; i < sizeof(fx); i++)
		fx[i] = (uint8_t)(i * 7 + 3);
	fx[0] = 0x7f;                    /* FCW 037FH */
	fx[1] = 0x03;
	fx[24] = 0x80;                   /* MXCSR 1F80H */
	fx[25] = 0x1f;
	fx[26] = fx[27] = 0;
	fxrstor64(fx);
	printf("fpustate: xcr0 %lx\n", xcr0);
	for (unsigned i = 0; i < LOOPS; i++) {
		fxsave64(fx);
		for (unsigned b = 0; b < 16; b++)
			fx[160 + (i % 16) * 16 + b] += (uint8_t)(i + b);
		fx[32 + (i % 8) * 16 + i % 10] ^= (uint8_t)i;
		/* Every field accumulates: a bit lost anywhere stays lost. */
		fx[2] ^= (uint8_t)i;         /* FSW low byte */
		fx[4] += (uint8_t)(i * 13);  /* abridged tags */
		fx[24] = (uint8_t)(0x80 | ((fx[24] + i) & 0x3f));   /* MXCSR */
		fx[8] += (uint8_t)i;         /* FIP */
		fx[16] ^= (uint8_t)(i * 3);  /* FDP */
		fxrstor64(fx);
		xsave64(xs, ~0ull);
		fxsave64(fy);
		if (i % 30 == 29)
			printf("%3u %016lx %016lx\n", i, digest(xs, 576),
			       digest(fy, 416));
	}
	printf("fpustate done\n");
	return 0;
}
