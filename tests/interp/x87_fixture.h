/* SPDX-License-Identifier: MIT */
/*
 * What the x87 tests (test_x87.c, test_x87_env.c) share: the harness,
 * the FPU state and guest-memory accessors.
 */
#ifndef VMXBOX_TESTS_X87_FIXTURE_H
#define VMXBOX_TESTS_X87_FIXTURE_H

#include <check.h>
#include <string.h>

#include "harness.h"

extern struct harness h;

#define RUN(code, n) h_exec(&h, code, sizeof(code), n)
#define FPU (h.s->fpu)
#define TOP ((FPU.fsw >> 11) & 7)

static inline uint64_t st_m(unsigned i)
{
	uint64_t m;

	memcpy(&m, FPU.st[(TOP + i) & 7], 8);
	return m;
}

static inline uint16_t st_se(unsigned i)
{
	uint16_t se;

	memcpy(&se, FPU.st[(TOP + i) & 7] + 8, 2);
	return se;
}

static inline void put16(uint64_t gpa, uint16_t v)
{
	gmem_write(&h.mem, gpa, &v, 2);
}

static inline void put32(uint64_t gpa, uint32_t v)
{
	gmem_write(&h.mem, gpa, &v, 4);
}

static inline void put80(uint64_t gpa, uint64_t m, uint16_t se)
{
	gmem_write(&h.mem, gpa, &m, 8);
	gmem_write(&h.mem, gpa + 8, &se, 2);
}

static inline uint16_t get16(uint64_t gpa)
{
	uint16_t v = 0;

	gmem_read(&h.mem, gpa, &v, 2);
	return v;
}

static inline uint32_t get32(uint64_t gpa)
{
	uint32_t v = 0;

	gmem_read(&h.mem, gpa, &v, 4);
	return v;
}

/* The environment tests (test_x87_env.c), the fast paths
 * (test_x87_fast.c). */
void x87_env_add_tests(TCase *tc);
void x87_fast_add_tests(TCase *tc);

#endif
