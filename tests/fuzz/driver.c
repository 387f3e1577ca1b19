// SPDX-License-Identifier: MIT
/*
 * A deterministic stand-in for libFuzzer's main(), for gcc builds (the
 * quick fuzz tests of the test command): runs every seed of a corpus
 * directory through LLVMFuzzerTestOneInput(), then mutations of them
 * (bit flips, interesting bytes, random bytes, truncation, span deletion
 * and duplication, splicing of two seeds) for a time budget.
 *
 *   fuzz_X CORPUS_DIR [SECONDS=3] [SEED]
 *
 * The same harness built with clang -fsanitize=fuzzer is the real thing
 * (tests/fuzz/run-libfuzzer.sh, tests/fuzz/run-long).
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_SEEDS 256
#define MAX_LEN (64u << 10)

static uint64_t rng;

static uint64_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dull;
}

static size_t below(size_t n)
{
	return n ? (size_t)(rnd() % n) : 0;
}

struct seed {
	uint8_t *p;
	size_t len;
};

static struct seed seeds[MAX_SEEDS];
static unsigned n_seeds;

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static void load_seeds(const char *dir)
{
	struct dirent **list;
	int n = scandir(dir, &list, NULL, by_name);

	if (n < 0) {
		perror(dir);
		exit(2);
	}
	for (int i = 0; i < n; i++) {
		char path[4096];
		FILE *f;

		if (list[i]->d_name[0] != '.' && n_seeds < MAX_SEEDS) {
			snprintf(path, sizeof(path), "%s/%s", dir, list[i]->d_name);
			f = fopen(path, "rb");
			if (f) {
				struct seed *s = &seeds[n_seeds++];

				s->p = malloc(MAX_LEN);
				s->len = fread(s->p, 1, MAX_LEN, f);
				fclose(f);
			}
		}
		free(list[i]);
	}
	free(list);
	if (!n_seeds) {
		fprintf(stderr, "fuzz driver: no seeds in %s\n", dir);
		exit(2);
	}
}

static const uint8_t interesting[] = {
	0x00, 0x01, 0x02, 0x7f, 0x80, 0xff, 0xfe, 0x10, 0x20, 0x40,
	0x0f, 0x66, 0x67, 0xf2, 0xf3, 0x48, 0xcd, 0xcc, 0x9b, 0xbb,
};

static size_t mutate(uint8_t *p, size_t len)
{
	unsigned n = 1 + (unsigned)below(6);

	for (unsigned k = 0; k < n; k++) {
		size_t at = below(len), m;
		const struct seed *o;

		switch (below(9)) {
		case 0: if (len) p[at] ^= (uint8_t)(1u << below(8)); break;
		case 1: if (len) p[at] = interesting[below(sizeof(interesting))]; break;
		case 2: if (len) p[at] = (uint8_t)rnd(); break;
		case 3: len = below(len + 1); break;
		case 4:
			m = below(len - at + 1);
			memmove(p + at, p + at + m, len - at - m);
			len -= m;
			break;
		case 5:
			m = below(64);
			if (at + m <= len && len + m <= MAX_LEN) {
				memmove(p + at + m, p + at, len - at);
				len += m;
			}
			break;
		case 6:         /* a 32-bit little-endian extreme */
			if (at + 4 <= len) {
				uint32_t v = below(2) ? 0xffffffffu : 0x80000000u;

				memcpy(p + at, &v, 4);
			}
			break;
		case 7:         /* splice in a piece of another seed */
			o = &seeds[below(n_seeds)];
			m = below(o->len + 1);
			if (at + m <= MAX_LEN) {
				memcpy(p + at, o->p + below(o->len - m + 1), m);
				if (at + m > len)
					len = at + m;
			}
			break;
		default:        /* grow with random bytes */
			m = below(32);
			for (size_t i = 0; i < m && len < MAX_LEN; i++)
				p[len++] = (uint8_t)rnd();
			break;
		}
	}
	return len;
}

int main(int argc, char **argv)
{
	double budget = argc > 2 ? atof(argv[2]) : 3.0;
	struct timespec t0, t;
	unsigned long runs = 0;
	static uint8_t buf[MAX_LEN];

	if (argc < 2) {
		fprintf(stderr, "usage: %s CORPUS_DIR [SECONDS] [SEED]\n", argv[0]);
		return 2;
	}
	rng = argc > 3 ? strtoull(argv[3], NULL, 0) : 0x9e3779b97f4a7c15ull;
	load_seeds(argv[1]);
	for (unsigned i = 0; i < n_seeds; i++, runs++)
		LLVMFuzzerTestOneInput(seeds[i].p, seeds[i].len);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		for (unsigned k = 0; k < 64; k++, runs++) {
			const struct seed *s = &seeds[below(n_seeds)];
			size_t len;

			memcpy(buf, s->p, s->len);
			len = mutate(buf, s->len);
			LLVMFuzzerTestOneInput(buf, len);
		}
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while (t.tv_sec - t0.tv_sec + (t.tv_nsec - t0.tv_nsec) / 1e9 < budget);
	printf("%s: %u seeds, %lu inputs in %.1f s, no crash\n", argv[0],
	       n_seeds, runs, budget);
	return 0;
}
