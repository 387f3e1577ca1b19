// SPDX-License-Identifier: MIT
/*
 * Snapshot save + restore of a 1 GiB guest with 64 MiB touched.
 * Targets (issue 7): save + restore <= 1 s, file <= 1.1 x touched memory.
 *   snapshot_bench [DIR]   (default: $TMPDIR or /tmp)
 * Save = capture (scan RAM for non-zero pages) + atomic write with fsync;
 * restore = map + decode + copy into fresh guest RAM.  Exit status 1 if a
 * target is missed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "snapshot/snapshot.h"

#define RAM (1ull << 30)
#define TOUCHED (64ull << 20)

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Half the touched memory as one block (a loaded image), half as single
 * pages scattered over RAM (page tables, stacks, heap). */
static void touch(struct guest_mem *gm)
{
	uint64_t x = 0x243f6a8885a308d3ull;
	uint64_t block = TOUCHED / 2, scattered = TOUCHED / 2 / GUEST_PAGE_SIZE;
	uint64_t stride = (RAM - 2 * block) / scattered;

	stride &= ~(GUEST_PAGE_SIZE - 1);
	for (uint64_t off = 0; off < block; off += 8) {
		x ^= x << 13; x ^= x >> 7; x ^= x << 17;
		memcpy(gm->host + (16ull << 20) + off, &x, 8);
	}
	for (uint64_t i = 0; i < scattered; i++) {
		uint64_t gpa = (16ull << 20) + block + GUEST_PAGE_SIZE + i * stride;

		for (uint64_t off = 0; off < GUEST_PAGE_SIZE; off += 8) {
			x ^= x << 13; x ^= x >> 7; x ^= x << 17;
			memcpy(gm->host + gpa + off, &x, 8);
		}
	}
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	struct guest_mem gm, back;
	struct snapshot_machine *s, *d;
	char path[4096], err[512];
	struct stat st;
	double t0, t_cap, t_write, t_read, t_restore;

	snprintf(path, sizeof(path), "%s/vmxbox-bench-%d.snap", dir, (int)getpid());
	if (gmem_init(&gm, RAM) || gmem_init(&back, RAM)) {
		fprintf(stderr, "cannot allocate 2 x 1 GiB of guest RAM\n");
		return 2;
	}
	touch(&gm);
	s = snapshot_new();
	s->config.ram_size = RAM;
	strcpy(s->config.engine, "interp");
	s->n_cpus = 1;
	cpu_state_reset(&s->cpus[0]);

	t0 = now();
	if (snap_mem_capture(&s->mem, &gm))
		return 2;
	t_cap = now();
	if (snapshot_write_file(s, path, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return 2;
	}
	t_write = now();
	d = snapshot_read_file(path, err, sizeof(err));
	if (!d) {
		fprintf(stderr, "%s\n", err);
		return 2;
	}
	t_read = now();
	if (snap_mem_restore(&d->mem, &back, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return 2;
	}
	t_restore = now();
	stat(path, &st);
	bool same = !memcmp(gm.host, back.host, RAM);
	double total = t_restore - t0;
	double ratio = (double)st.st_size / (double)TOUCHED;

	printf("snapshot_bench: 1 GiB RAM, 64 MiB touched, %zu runs\n", s->mem.n_runs);
	printf("  capture %.3f s, write+fsync %.3f s, read+decode %.3f s, restore %.3f s\n",
	       t_cap - t0, t_write - t_cap, t_read - t_write, t_restore - t_read);
	printf("  save+restore %.3f s (target <= 1 s)\n", total);
	printf("  file %lld bytes = %.4f x touched (target <= 1.1)\n",
	       (long long)st.st_size, ratio);
	printf("  restored memory %s\n", same ? "identical" : "DIFFERENT");
	unlink(path);
	snapshot_free(d);
	snapshot_free(s);
	gmem_destroy(&gm);
	gmem_destroy(&back);
	return same && total <= 1.0 && ratio <= 1.1 ? 0 : 1;
}
