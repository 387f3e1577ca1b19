/* SPDX-License-Identifier: MIT */
/* Small deterministic PRNG (splitmix64): same seed, same test case. */
#ifndef VMXBOX_TESTS_DIFFTEST_RNG_H
#define VMXBOX_TESTS_DIFFTEST_RNG_H

#include <stdint.h>

struct rng {
	uint64_t s;
};

static inline uint64_t rng_next(struct rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Uniform in [0, n), n > 0 (the tiny modulo bias does not matter here). */
static inline uint32_t rng_below(struct rng *r, uint32_t n)
{
	return (uint32_t)(rng_next(r) % n);
}

/* True with probability 1/n. */
static inline int rng_one_in(struct rng *r, uint32_t n)
{
	return rng_below(r, n) == 0;
}

#endif
