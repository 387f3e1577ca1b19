// SPDX-License-Identifier: MIT
/*
 * Responsiveness: whatever the guest does (guest-firmware/reliab/hostile.c:
 * one endless REP instruction, a serial flood, an L2 exit storm, exception
 * and interrupt storms) and even when nobody reads its output, `ctl status`
 * answers, `pause` parks the vCPU, SIGTERM ends the run, and --timeout /
 * --max-insns end it on time.
 *
 * Targets (issue 15): status within 200 ms, SIGTERM within 1 s.  The
 * asserted limits are wider (STATUS_LIMIT, TERM_LIMIT) so a loaded CI host
 * does not fail them, but a hang still does; the measured times are printed.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "monitor/client.h"
#include "monitor/proto.h"
#include "snapshot/snapshot.h"

#ifndef VMXBOX_BIN
#error VMXBOX_BIN must be defined
#endif
#ifndef HOSTILE_ELF
#error HOSTILE_ELF must be defined
#endif

/* The ASan/UBSan build runs vmxbox 2-3x slower (and CI runs it while the
 * other build's tests load the host): its limits are 3x wider.  A hang
 * still fails either build. */
#if defined(__SANITIZE_ADDRESS__)
#define SLOWDOWN 3.0
#else
#define SLOWDOWN 1.0
#endif
#define STATUS_LIMIT (1.0 * SLOWDOWN)   /* seconds; target 0.2 */
#define TERM_LIMIT (2.0 * SLOWDOWN)     /* seconds; target 1.0 */
#define BUSY_FOR 0.4       /* let the guest get going (and fill the pipe) */

static const char *const scenarios[] = {
	"rep-insb", "rep-outsb", "serial-flood", "exit-storm", "ud-storm",
	"irq-storm", "apic-storm", "exc-storm",
};

struct child {
	pid_t pid;
	int out_rd;          /* stdout: never read when unread is set */
	int err_rd;
	char err[8192];
	size_t err_len;
	char sock[108];
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void read_err(struct child *c)
{
	ssize_t r;

	while ((r = read(c->err_rd, c->err + c->err_len,
			 sizeof(c->err) - 1 - c->err_len)) > 0)
		c->err_len += (size_t)r;
	c->err[c->err_len] = '\0';
}

/* vmxbox run --engine=interp [--monitor] EXTRA --append=SCENARIO; stdout
 * into a pipe that this test never reads (unread) or /dev/null. */
static void start(struct child *c, const char *scenario, bool unread,
		  bool monitor, const char *extra)
{
	int out[2], err[2];

	memset(c, 0, sizeof(*c));
	snprintf(c->sock, sizeof(c->sock), "/tmp/vmxbox-resp-%d.sock", getpid());
	unlink(c->sock);
	ck_assert_int_eq(pipe(out), 0);
	ck_assert_int_eq(pipe(err), 0);
	c->pid = fork();
	ck_assert_int_ge(c->pid, 0);
	if (c->pid == 0) {
		char mon[140], app[80];
		int null = open("/dev/null", O_WRONLY);

		snprintf(mon, sizeof(mon), "--monitor=%s", c->sock);
		snprintf(app, sizeof(app), "--append=%s", scenario);
		dup2(unread ? out[1] : null, 1);
		dup2(err[1], 2);
		close(out[0]);
		close(err[0]);
		execl(VMXBOX_BIN, "vmxbox", "run", "--engine=interp", app,
		      monitor ? mon : "--verbose", extra ? extra : "--verbose",
		      HOSTILE_ELF, (char *)NULL);
		_exit(127);
	}
	close(out[1]);
	close(err[1]);
	c->out_rd = out[0];
	c->err_rd = err[0];
	fcntl(c->err_rd, F_SETFL, O_NONBLOCK);
	if (!monitor)
		return;
	for (double t0 = now(); access(c->sock, F_OK) != 0; usleep(5000))
		ck_assert_msg(now() - t0 < 10, "socket %s never appeared", c->sock);
}

/* Wait for the exit; returns the status (128 + signal), or -1 after limit
 * seconds (the child is then killed). */
static int wait_exit(struct child *c, double limit, double *took)
{
	double t0 = now();
	int st;

	while (waitpid(c->pid, &st, WNOHANG) == 0) {
		read_err(c);
		if (now() - t0 > limit) {
			kill(c->pid, SIGKILL);
			waitpid(c->pid, &st, 0);
			*took = now() - t0;
			return -1;
		}
		usleep(2000);
	}
	*took = now() - t0;
	read_err(c);
	close(c->err_rd);   /* stdout stays open: the caller may read it */
	unlink(c->sock);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void sleep_s(double s)
{
	struct timespec ts = { (time_t)s, (long)((s - (time_t)s) * 1e9) };

	nanosleep(&ts, NULL);
}

/* One request; returns the reply (NULL: none within the limit). */
static cbor_item_t *request(const char *sock, const char *cmd, int argc,
			    char **argv, char *err, size_t errlen)
{
	cbor_item_t *req, *r;
	int fd = mon_client_connect(sock, err, errlen);

	if (fd < 0)
		return NULL;
	req = mon_client_build_request(cmd, argc, argv);
	ck_assert_int_eq(mon_client_send(fd, req), 0);
	cbor_decref(&req);
	r = mon_client_recv(fd, (int)(STATUS_LIMIT * 1000) + 1000, err, errlen);
	close(fd);
	return r;
}

/* One request; returns its latency, asserts an ok reply. */
static double timed_request(const char *sock, const char *cmd, const char *sc)
{
	char err[256];
	cbor_item_t *req, *r;
	double t0 = now();
	int fd = mon_client_connect(sock, err, sizeof(err));
	const cbor_item_t *ok;

	ck_assert_msg(fd >= 0, "%s: %s", sc, err);
	req = mon_client_build_request(cmd, 0, NULL);
	ck_assert_int_eq(mon_client_send(fd, req), 0);
	cbor_decref(&req);
	r = mon_client_recv(fd, (int)(STATUS_LIMIT * 1000) + 1000, err,
			    sizeof(err));
	ck_assert_msg(r != NULL, "%s: %s: no reply: %s", sc, cmd, err);
	ok = mon_map_get(r, "ok");
	ck_assert_msg(ok && cbor_get_bool(ok), "%s: %s failed", sc, cmd);
	cbor_decref(&r);
	close(fd);
	return now() - t0;
}

/* status answers, pause/resume work, SIGTERM ends the run: with stdout
 * never read. */
START_TEST(busy_guest_stays_controllable)
{
	const char *sc = scenarios[_i];
	struct child c;
	double st, pause, term;
	int status;

	start(&c, sc, true, true, NULL);
	sleep_s(BUSY_FOR);
	st = timed_request(c.sock, "status", sc);
	pause = timed_request(c.sock, "pause", sc);
	timed_request(c.sock, "resume", sc);
	sleep_s(0.1);
	kill(c.pid, SIGTERM);
	status = wait_exit(&c, TERM_LIMIT, &term);
	close(c.out_rd);
	printf("%-13s status %.3f s, pause %.3f s, SIGTERM -> exit %.3f s\n",
	       sc, st, pause, term);
	ck_assert_msg(st < STATUS_LIMIT, "%s: status took %.3f s", sc, st);
	ck_assert_msg(pause < STATUS_LIMIT, "%s: pause took %.3f s", sc, pause);
	ck_assert_msg(status == 143, "%s: exit %d after %.3f s (stderr: %s)",
		      sc, status, term, c.err);
	ck_assert_msg(strstr(c.err, "terminated by SIGTERM"), "%s: %s", sc, c.err);
}
END_TEST

/* --timeout during one endless instruction (the issue: ignored for 45 s). */
START_TEST(timeout_ends_endless_rep)
{
	static const char *const reps[] = { "rep-insb", "rep-outsb" };
	struct child c;
	double took;
	int status;

	start(&c, reps[_i], false, false, "--timeout=1");
	status = wait_exit(&c, 1 + TERM_LIMIT, &took);
	close(c.out_rd);
	printf("%-13s --timeout=1 -> exit %d after %.3f s\n", reps[_i], status,
	       took);
	ck_assert_msg(status == 75, "%s: exit %d after %.3f s (%s)", reps[_i],
		      status, took, c.err);
	ck_assert_msg(strstr(c.err, "timeout"), "%s", c.err);
}
END_TEST

/* --max-insns counts each part of a long REP: the run ends inside it. */
START_TEST(max_insns_ends_endless_rep)
{
	struct child c;
	char out[256] = "";
	unsigned long long rep = 0, at = 1;
	const char *p;
	double took;
	ssize_t n;
	int status;

	start(&c, "rep-insb", true, false, "--max-insns=25000");
	status = wait_exit(&c, 30, &took);
	n = read(c.out_rd, out, sizeof(out) - 1);
	out[n > 0 ? n : 0] = '\0';
	close(c.out_rd);
	ck_assert_msg(status == 74, "exit %d (%s)", status, c.err);
	p = strstr(out, "rip=0x");
	ck_assert_msg(p && sscanf(p, "rip=0x%llx", &rep) == 1, "%s", out);
	p = strstr(c.err, "rip=0x");
	ck_assert_msg(p && sscanf(p, "rip=0x%llx", &at) == 1, "%s", c.err);
	ck_assert_msg(at == rep, "stopped at 0x%llx, not in the REP at 0x%llx",
		      at, rep);
}
END_TEST

/* A reader that is slow but reads gets everything, in order. */
START_TEST(slow_reader_gets_all_output)
{
	struct child c;
	char buf[4096];
	size_t lines = 0, total = 0;
	double took;
	ssize_t n;
	int status;

	start(&c, "serial-flood", true, false, "--max-insns=20000000");
	sleep_s(0.5);    /* the pipe and the ring are full by now */
	while ((n = read(c.out_rd, buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < n; i++)
			lines += buf[i] == '\n';
		total += (size_t)n;
		usleep(200);
	}
	status = wait_exit(&c, 30, &took);
	close(c.out_rd);
	ck_assert_msg(status == 74, "exit %d (%s)", status, c.err);
	ck_assert_msg(total > 320 * 1024, "only %zu bytes", total);
	/* bytes the guest wrote == bytes that arrived */
	ck_assert_msg(strstr(c.err, "serial ") != NULL, "%s", c.err);
	{
		unsigned long long sent = 0;
		const char *p = strstr(c.err, "serial ");

		sscanf(p, "serial %llu bytes", &sent);
		ck_assert_uint_eq(sent, total);
	}
	ck_assert_uint_gt(lines, 1000);
}
END_TEST

/* While the guest's output is blocked: `ctl snapshot` onto the monitor's
 * own socket is refused (the socket survives and still answers), a
 * snapshot into a file works and loads; at the end the socket is removed. */
START_TEST(snapshot_while_blocked_and_onto_socket)
{
	struct child c;
	char err[256], file[128], msg[256] = "";
	char *own[1], *to_file[] = { file };
	struct stat st;
	struct snapshot_machine *sm;
	cbor_item_t *r;
	double took;

	snprintf(file, sizeof(file), "/tmp/vmxbox-resp-%d.cbor", getpid());
	unlink(file);
	start(&c, "serial-flood", true, true, NULL);
	own[0] = c.sock;
	sleep_s(BUSY_FOR);
	r = request(c.sock, "snapshot", 1, own, err, sizeof(err));
	ck_assert_msg(r != NULL, "no reply: %s", err);
	ck_assert(!cbor_get_bool(mon_map_get(r, "ok")));
	mon_item_str(mon_map_get(r, "error"), msg, sizeof(msg));
	ck_assert_msg(strstr(msg, "is a socket"), "%s", msg);
	cbor_decref(&r);
	ck_assert_int_eq(lstat(c.sock, &st), 0);
	ck_assert(S_ISSOCK(st.st_mode));
	timed_request(c.sock, "status", "after refused snapshot");
	r = request(c.sock, "snapshot", 1, to_file, err, sizeof(err));
	ck_assert_msg(r != NULL, "no reply: %s", err);
	mon_item_str(mon_map_get(r, "error"), msg, sizeof(msg));
	ck_assert_msg(cbor_get_bool(mon_map_get(r, "ok")), "%s", msg);
	cbor_decref(&r);
	sm = snapshot_read_file(file, err, sizeof(err));
	ck_assert_msg(sm != NULL, "%s", err);
	snapshot_free(sm);
	unlink(file);
	kill(c.pid, SIGTERM);
	ck_assert_int_eq(wait_exit(&c, TERM_LIMIT, &took), 143);
	close(c.out_rd);
	ck_assert_int_eq(access(c.sock, F_OK), -1);
}
END_TEST

static Suite *responsive_suite(void)
{
	Suite *s = suite_create("reliab_responsive");
	TCase *tc = tcase_create("responsive");

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, busy_guest_stays_controllable, 0,
			    (int)(sizeof(scenarios) / sizeof(scenarios[0])));
	tcase_add_loop_test(tc, timeout_ends_endless_rep, 0, 2);
	tcase_add_test(tc, max_insns_ends_endless_rep);
	tcase_add_test(tc, slow_reader_gets_all_output);
	tcase_add_test(tc, snapshot_while_blocked_and_onto_socket);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(responsive_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
