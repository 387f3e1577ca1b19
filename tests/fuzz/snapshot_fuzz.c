// SPDX-License-Identifier: MIT
/*
 * Fuzz target for the snapshot loader.
 *
 * LLVMFuzzerTestOneInput() feeds untrusted bytes to snapshot_decode().  It
 * must never crash, hang or allocate without bound; when it accepts an
 * input, re-encoding must be a fixed point: decode(encode(x)) succeeds and
 * encodes to the same bytes.
 *
 * Built two ways:
 *  - by tests/fuzz/run-libfuzzer.sh with clang -fsanitize=fuzzer,address;
 *  - by meson with gcc and -DSNAPSHOT_FUZZ_DRIVER: a deterministic mutation
 *    driver (main() below) that runs the seed corpus and mutations of it
 *    for a few seconds - a quick test that needs no clang.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snapshot/snapshot.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, const char *err)
{
	fprintf(stderr, "snapshot_fuzz: %s: %s\n", what, err);
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512] = "";
	struct snapshot_machine *s = snapshot_decode(data, size, err, sizeof(err));
	uint8_t *a = NULL, *b = NULL;
	size_t alen, blen;

	if (!s) {
		if (!err[0])
			fail("rejected input without an error message", "");
		return 0;
	}
	if (snapshot_encode(s, &a, &alen, err, sizeof(err)))
		fail("accepted snapshot does not re-encode", err);
	struct snapshot_machine *t = snapshot_decode(a, alen, err, sizeof(err));

	if (!t)
		fail("re-encoded snapshot does not decode", err);
	if (snapshot_encode(t, &b, &blen, err, sizeof(err)))
		fail("second encode failed", err);
	if (alen != blen || memcmp(a, b, alen))
		fail("encoding is not a fixed point", "");
	free(a);
	free(b);
	snapshot_free(t);
	snapshot_free(s);
	return 0;
}

#ifdef SNAPSHOT_FUZZ_DRIVER
#include <dirent.h>
#include <time.h>

#include "memory/guest_mem.h"

/* xorshift64*: a fixed seed makes the mutation sequence reproducible. */
static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dull;
}

static size_t rnd_below(size_t n)
{
	return n ? (size_t)(rnd() % n) : 0;
}

struct input {
	uint8_t *p;
	size_t len;
};

#define MAX_SEEDS 64
#define MAX_LEN (256u << 10)

static struct input seeds[MAX_SEEDS];
static unsigned n_seeds;

static void load_seeds(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d) {
		perror(dir);
		exit(1);
	}
	while ((e = readdir(d)) && n_seeds < MAX_SEEDS) {
		char path[4096];
		FILE *f;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		f = fopen(path, "rb");
		if (!f)
			continue;
		struct input *in = &seeds[n_seeds];

		in->p = malloc(MAX_LEN);
		in->len = fread(in->p, 1, MAX_LEN, f);
		fclose(f);
		n_seeds++;
	}
	closedir(d);
	if (!n_seeds) {
		fprintf(stderr, "snapshot_fuzz: no seeds in %s\n", dir);
		exit(1);
	}
}

/* CBOR heads that stress length handling. */
static const uint8_t interesting[] = {
	0x00, 0x01, 0x17, 0x18, 0x1b, 0x3b, 0x5b, 0x7b, 0x9b, 0xbb, 0xdb,
	0x5f, 0x7f, 0x9f, 0xbf, 0xf4, 0xf5, 0xf6, 0xf7, 0xf9, 0xfb, 0xff,
	0x80, 0xa0, 0x40, 0x60, 0xc0, 0xd9,
};

static size_t mutate(uint8_t *p, size_t len, size_t cap)
{
	unsigned n = 1 + (unsigned)rnd_below(4);

	for (unsigned k = 0; k < n; k++) {
		size_t at = rnd_below(len), m;

		switch (rnd_below(8)) {
		case 0:		/* flip a bit */
			if (len)
				p[at] ^= (uint8_t)(1u << rnd_below(8));
			break;
		case 1:		/* interesting byte */
			if (len)
				p[at] = interesting[rnd_below(sizeof(interesting))];
			break;
		case 2:		/* random byte */
			if (len)
				p[at] = (uint8_t)rnd();
			break;
		case 3:		/* truncate */
			len = rnd_below(len + 1);
			break;
		case 4:		/* delete a span */
			m = rnd_below(len - at + 1);
			memmove(p + at, p + at + m, len - at - m);
			len -= m;
			break;
		case 5:		/* duplicate a span */
			m = rnd_below(64);
			if (at + m <= len && len + m <= cap) {
				memmove(p + at + m, p + at, len - at);
				len += m;
			}
			break;
		case 6:		/* big-endian 8-byte "length" */
			if (at + 8 <= len)
				for (int i = 0; i < 8; i++)
					p[at + i] = i == 0 ? (uint8_t)rnd() : 0xff;
			break;
		default:	/* splice from another seed */
			if (len) {
				const struct input *o = &seeds[rnd_below(n_seeds)];
				size_t from = rnd_below(o->len);

				m = rnd_below(o->len - from + 1);
				if (at + m <= cap) {
					memcpy(p + at, o->p + from, m);
					if (at + m > len)
						len = at + m;
				}
			}
			break;
		}
	}
	return len;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	double seconds = argc > 2 ? atof(argv[2]) : 3.0;
	unsigned long long runs = 0, accepted = 0;
	uint8_t *buf = malloc(MAX_LEN);

	if (argc < 2) {
		fprintf(stderr, "usage: snapshot_fuzz CORPUS_DIR [SECONDS] [SEED]\n");
		return 2;
	}
	if (argc > 3)
		rng = strtoull(argv[3], NULL, 0) | 1;
	load_seeds(argv[1]);
	/* Every seed must be a valid snapshot. */
	for (unsigned i = 0; i < n_seeds; i++) {
		char err[512];
		struct snapshot_machine *s = snapshot_decode(seeds[i].p, seeds[i].len,
							     err, sizeof(err));

		if (!s)
			fail("seed does not decode", err);
		snapshot_free(s);
		LLVMFuzzerTestOneInput(seeds[i].p, seeds[i].len);
	}
	double end = now() + seconds;

	while (now() < end) {
		for (int batch = 0; batch < 64; batch++) {
			const struct input *in = &seeds[rnd_below(n_seeds)];
			size_t len;
			char err[512];

			memcpy(buf, in->p, in->len);
			len = mutate(buf, in->len, MAX_LEN);
			/* An exact-size copy lets ASan see reads past the end. */
			uint8_t *exact = malloc(len ? len : 1);

			memcpy(exact, buf, len);
			struct snapshot_machine *s = snapshot_decode(exact, len, err,
								     sizeof(err));
			accepted += s != NULL;
			snapshot_free(s);
			LLVMFuzzerTestOneInput(exact, len);
			free(exact);
			runs++;
		}
	}
	printf("snapshot_fuzz: %llu inputs, %llu accepted, %u seeds, no crash\n",
	       runs, accepted, n_seeds);
	free(buf);
	for (unsigned i = 0; i < n_seeds; i++)
		free(seeds[i].p);
	return 0;
}
#endif
