// SPDX-License-Identifier: MIT
/*
 * Fuzz target for the interpreter: random bytes as code in a sandboxed
 * guest (tests/interp/harness: 8 MiB of RAM, boot page tables, an IDT whose
 * handlers HLT), in 64-bit, 32-bit protected or 16-bit real mode (the first
 * byte picks, and sets TF/IF/DF), for at most 3000 instructions (16 with RCX = -1).  Property:
 * no crash, no sanitizer report, no host access outside guest RAM (guard
 * pages), and run() returns a valid exit reason.  A watchdog thread stops
 * a run that retires nothing (e.g. an exception storm) after 200 ms and
 * counts it, so the target itself never hangs.
 */
#include <pthread.h>
#include <sys/mman.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct harness h;
static _Atomic(struct engine *) running;
static atomic_ullong run_gen;
static unsigned long watchdog_stops;

static void *watchdog(void *arg)
{
	unsigned long long seen = 0;

	for (;;) {
		struct timespec ts = { 0, 200 * 1000 * 1000 };
		unsigned long long g = atomic_load(&run_gen);
		struct engine *e;

		nanosleep(&ts, NULL);
		e = atomic_load(&running);
		if (e && g == seen && g == atomic_load(&run_gen)) {
			e->ops->request_stop(e);
			watchdog_stops++;
		}
		seen = g;
	}
	return NULL;
}

/*
 * One sandbox for all inputs (creating the engine costs more than a run):
 * guest RAM is remapped as a private copy of a memfd holding the pristine
 * RAM, so dropping the pages an input dirtied (MADV_DONTNEED) brings back
 * the pristine contents at the cost of those pages only; the decode cache
 * is flushed and the CPU state reset.
 */
static struct cpu_state pristine_state;
static bool ready;

static void sandbox_init(void)
{
	int fd = memfd_create("interp_fuzz", MFD_CLOEXEC);
	pthread_t t;

	h_init(&h);
	if (fd < 0 || ftruncate(fd, (off_t)h.mem.size) ||
	    pwrite(fd, h.mem.host, h.mem.size, 0) != (ssize_t)h.mem.size ||
	    mmap(h.mem.host, h.mem.size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_FIXED, fd, 0) == MAP_FAILED)
		abort();
	close(fd);
	pristine_state = *h.s;
	pthread_create(&t, NULL, watchdog, NULL);
	pthread_detach(t);
	ready = true;
}

static void sandbox_reset(void)
{
	if (!ready) {
		sandbox_init();
		return;
	}
	madvise(h.mem.host, h.mem.size, MADV_DONTNEED);
	interp_dcache_flush(h.ip);
	h.eng->ops->set_state(h.eng, &pristine_state);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum engine_exit_reason r;
	uint8_t mode;

	if (size < 2 || size > 4096)
		return 0;
	sandbox_reset();
	mode = data[0];
	if ((mode & 3) == 1)
		h_mode32(&h);
	else if ((mode & 3) == 2)
		h_mode16(&h);
	/* HLT after the code: a run ends soon after the input's last byte
	 * (unless the code jumps elsewhere), not in 3000 "add [rax],al". */
	{
		static uint8_t code[4096 + 64];

		memcpy(code, data + 1, size - 1);
		memset(code + size - 1, 0xf4, sizeof(code) - (size - 1));
		h_load(&h, H_CODE, code, sizeof(code));
	}
	h.s->rflags |= (mode & 4 ? RFLAGS_TF : 0) | (mode & 8 ? RFLAGS_IF : 0) |
		       (mode & 16 ? RFLAGS_DF : 0);
	h.s->gpr[GPR_RCX] = mode & 32 ? ~0ull : 0x40;
	h.s->gpr[GPR_RSI] = h.s->gpr[GPR_RDI] = H_DATA;
	atomic_fetch_add(&run_gen, 1);
	atomic_store(&running, h.eng);
	/* With RCX = -1 every REP part is 4096 iterations: fewer parts. */
	r = h_run(&h, mode & 32 ? 16 : 3000);
	atomic_store(&running, NULL);
	atomic_fetch_add(&run_gen, 1);
	if (r <= ENGINE_EXIT_NONE || r > ENGINE_EXIT_ERROR) {
		fprintf(stderr, "interp_fuzz: bad exit reason %d\n", (int)r);
		abort();
	}
	return 0;
}
