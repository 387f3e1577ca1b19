// SPDX-License-Identifier: MIT
/*
 * Guard pages: a deliberate host access just outside a guest-controlled
 * buffer (guest RAM at either end and at the far end of the guard, the
 * serial ring, a snapshot file's mapping, a guarded allocation) faults
 * instead of touching a neighbour.  Each access runs in a child process;
 * the child must die (SIGSEGV, or a sanitizer's SEGV report) before it
 * reaches _exit(SURVIVED).
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "devices/serial_out.h"
#include "memory/guarded.h"
#include "memory/guest_mem.h"
#include "snapshot/snapshot.h"

#define SURVIVED 42

/* Read (or write) *p in a child; true if the child faulted. */
static bool faults(volatile uint8_t *p, bool write)
{
	pid_t pid = fork();
	int st;

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		/* Die by the signal itself, not through a sanitizer's SEGV
		 * report (slow enough under ASan to time the test out). */
		signal(SIGSEGV, SIG_DFL);
		signal(SIGBUS, SIG_DFL);
		if (write)
			*p = 0x5a;
		else
			(void)*p;
		_exit(SURVIVED);
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	if (WIFSIGNALED(st))
		return WTERMSIG(st) == SIGSEGV || WTERMSIG(st) == SIGBUS;
	return WEXITSTATUS(st) != SURVIVED && WEXITSTATUS(st) != 0;
}

START_TEST(guest_ram_is_fenced)
{
	struct guest_mem gm;

	ck_assert_int_eq(gmem_init(&gm, GUEST_MEM_MIN), 0);
	/* inside: fine */
	ck_assert(!faults(gm.host, true));
	ck_assert(!faults(gm.host + gm.size - 1, true));
	/* one byte out at either end, and the far end of each guard */
	ck_assert(faults(gm.host + gm.size, false));
	ck_assert(faults(gm.host + gm.size, true));
	ck_assert(faults(gm.host - 1, false));
	ck_assert(faults(gm.host + gm.size + GUARD_BYTES - 1, false));
	ck_assert(faults(gm.host - GUARD_BYTES, true));
	gmem_destroy(&gm);
}
END_TEST

START_TEST(serial_ring_is_fenced)
{
	struct serial_out o;
	int p[2];

	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(serial_out_init(&o, p[1]), 0);
	ck_assert_ptr_nonnull(o.r);
	ck_assert(!faults((uint8_t *)o.r->buf + SERIAL_OUT_RING - 1, false));
	ck_assert(faults((uint8_t *)o.r->buf + SERIAL_OUT_RING, true));
	ck_assert(faults((uint8_t *)o.r->buf - 1, true));
	serial_out_destroy(&o);
	close(p[0]);
	close(p[1]);
}
END_TEST

START_TEST(snapshot_file_mapping_is_fenced)
{
	char path[] = "/tmp/vmxbox-guard-XXXXXX", err[256];
	struct guest_mem gm;
	struct snapshot_machine *s = snapshot_new(), *d;
	long pg = sysconf(_SC_PAGESIZE);
	size_t end;
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(gmem_init(&gm, GUEST_MEM_MIN), 0);
	s->config.ram_size = gm.size;
	strcpy(s->config.engine, "interp");
	s->n_cpus = 1;
	cpu_state_reset(&s->cpus[0]);
	ck_assert_int_eq(snap_mem_capture(&s->mem, &gm), 0);
	ck_assert_int_eq(snapshot_write_file(s, path, err, sizeof(err)), 0);
	d = snapshot_read_file(path, err, sizeof(err));
	ck_assert_msg(d != NULL, "%s", err);
	end = (d->map_len + (size_t)pg - 1) & ~((size_t)pg - 1);
	ck_assert(!faults((uint8_t *)d->map + d->map_len - 1, false));
	ck_assert(faults((uint8_t *)d->map + end, false));
	ck_assert(faults((uint8_t *)d->map - 1, false));
	snapshot_free(d);
	snapshot_free(s);
	gmem_destroy(&gm);
	unlink(path);
}
END_TEST

START_TEST(guarded_alloc_rounds_and_fences)
{
	long pg = sysconf(_SC_PAGESIZE);
	uint8_t *b = guarded_alloc(100);

	ck_assert_ptr_nonnull(b);
	ck_assert(!faults(b + pg - 1, true));   /* the rest of the page */
	ck_assert(faults(b + pg, true));
	ck_assert(faults(b - 1, false));
	guarded_free(b, 100);
	ck_assert_ptr_null(guarded_alloc(0));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("guard_pages");
	TCase *tc = tcase_create("guard");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, guest_ram_is_fenced);
	tcase_add_test(tc, serial_ring_is_fenced);
	tcase_add_test(tc, snapshot_file_mapping_is_fenced);
	tcase_add_test(tc, guarded_alloc_rounds_and_fences);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
