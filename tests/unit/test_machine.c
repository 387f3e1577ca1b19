// SPDX-License-Identifier: MIT
/*
 * The machine and its run loop, with a scripted fake engine: exit statuses
 * and one-line reasons for every outcome, serial output, debug-exit modes,
 * timeout and signals, and the boot state handed to the engine.
 */
#include <check.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "machine/machine.h"
#include "tiny_elf.h"

enum script { S_HELLO, S_HLT, S_SHUTDOWN, S_LIMIT, S_SPIN, S_ERROR };

struct fake {
	struct engine base;
	struct engine_config cfg;
	struct cpu_state s;
	atomic_bool stop;
};

static enum script script;
static struct cpu_state seen_state;

static bool fake_probe(char *why, size_t len) { return true; }

static struct engine *fake_create(const struct engine_config *cfg, char *err,
				  size_t errlen)
{
	struct fake *f = calloc(1, sizeof(*f));

	f->cfg = *cfg;
	return &f->base;
}

static void fake_destroy(struct engine *e) { free(e); }

static void spin_until_stopped(struct fake *f)
{
	while (!atomic_load(&f->stop)) {
		struct timespec ts = { 0, 1000000 };

		nanosleep(&ts, NULL);
	}
}

static enum engine_exit_reason fake_run(struct engine *e, struct engine_exit *out)
{
	struct fake *f = (struct fake *)e;

	out->msg[0] = '\0';
	switch (script) {
	case S_HELLO:
		for (const char *p = "hi\n"; *p; p++)
			io_bus_write(f->cfg.pio, 0x3f8, 1, (uint8_t)*p);
		io_bus_read(f->cfg.pio, 0x81, 1);        /* unhandled */
		f->s.gpr[GPR_RAX] = 7;
		io_bus_write(f->cfg.pio, 0xf4, 1, 7);
		f->s.insn_count = 10;
		spin_until_stopped(f);                   /* debug-exit stops us */
		return ENGINE_EXIT_STOP;
	case S_HLT:
		f->s.activity = ACTIVITY_HLT;
		f->s.rip = 0x100010;
		return ENGINE_EXIT_HLT;
	case S_SHUTDOWN:
		snprintf(out->msg, sizeof(out->msg), "#GP with no IDT");
		return ENGINE_EXIT_SHUTDOWN;
	case S_LIMIT:
		f->s.insn_count = f->cfg.max_insns;
		return ENGINE_EXIT_INSN_LIMIT;
	case S_SPIN:
		spin_until_stopped(f);
		return ENGINE_EXIT_STOP;
	default:
		snprintf(out->msg, sizeof(out->msg), "unsupported opcode");
		return ENGINE_EXIT_ERROR;
	}
}

static void fake_get_state(struct engine *e, struct cpu_state *s)
{
	*s = ((struct fake *)e)->s;
}

static void fake_set_state(struct engine *e, const struct cpu_state *s)
{
	((struct fake *)e)->s = *s;
	seen_state = *s;
}

static void fake_request_stop(struct engine *e)
{
	atomic_store(&((struct fake *)e)->stop, true);
}

static uint64_t fake_insn_count(struct engine *e)
{
	return ((struct fake *)e)->s.insn_count;
}

static const struct engine_ops fake_ops = {
	.name = "fake", .probe = fake_probe, .create = fake_create,
	.destroy = fake_destroy, .run = fake_run, .get_state = fake_get_state,
	.set_state = fake_set_state, .request_stop = fake_request_stop,
	.insn_count = fake_insn_count,
};

static char *fw;
static int serial[2], msgs[2];
static struct machine_config cfg;

static void setup(void)
{
	fw = tiny_hello_file();
	ck_assert_int_eq(pipe(serial), 0);
	ck_assert_int_eq(pipe(msgs), 0);
	machine_config_default(&cfg);
	cfg.firmware = fw;
	cfg.engine_ops = &fake_ops;
	cfg.mem_size = 4ull << 20;
	cfg.serial_fd = serial[1];
	cfg.msg_fd = msgs[1];
}

static void teardown(void)
{
	unlink(fw);
	free(fw);
	close(serial[0]);
	close(msgs[0]);
}

/* Run the machine with the current script; collect output and messages. */
static int run_machine(char *out, size_t outlen, char *msg, size_t msglen)
{
	struct machine *m;
	char err[256];
	ssize_t n;
	int status;

	ck_assert_int_eq(machine_create(&cfg, &m, err, sizeof(err)), 0);
	status = machine_run(m);
	machine_destroy(m);
	close(serial[1]);
	close(msgs[1]);
	n = read(serial[0], out, outlen - 1);
	out[n < 0 ? 0 : n] = '\0';
	n = read(msgs[0], msg, msglen - 1);
	msg[n < 0 ? 0 : n] = '\0';
	return status;
}

START_TEST(boot_state_reaches_engine)
{
	char out[64], msg[256];

	script = S_HELLO;
	run_machine(out, sizeof(out), msg, sizeof(msg));
	ck_assert_uint_eq(seen_state.rip, TINY_HELLO_LOAD);
	ck_assert_uint_eq(seen_state.cr3, 0x1000);
	ck_assert_uint_eq(seen_state.efer, 0xd00);
	ck_assert_uint_eq(seen_state.gpr[GPR_RSP], 0x80000);
}
END_TEST

START_TEST(debug_exit_plain_status_and_serial)
{
	char out[64], msg[256];

	script = S_HELLO;
	ck_assert_int_eq(run_machine(out, sizeof(out), msg, sizeof(msg)), 7);
	ck_assert_str_eq(out, "hi\n");
	ck_assert_str_eq(msg, "");          /* the guest chose: no reason line */
}
END_TEST

START_TEST(debug_exit_qemu_status)
{
	char out[64], msg[256];

	script = S_HELLO;
	cfg.debug_exit = DEBUG_EXIT_QEMU;
	ck_assert_int_eq(run_machine(out, sizeof(out), msg, sizeof(msg)), 15);
}
END_TEST

START_TEST(verbose_reports_unhandled_io)
{
	char out[64], msg[1024];

	script = S_HELLO;
	cfg.verbose = true;
	ck_assert_int_eq(run_machine(out, sizeof(out), msg, sizeof(msg)), 7);
	ck_assert_ptr_nonnull(strstr(msg, "engine fake: 10 instructions"));
	ck_assert_ptr_nonnull(strstr(msg, "1 reads, 0 writes ignored"));
	ck_assert_ptr_nonnull(strstr(msg, "last unhandled port 0x81"));
}
END_TEST

static void assert_one_line(const char *msg, const char *want)
{
	ck_assert_ptr_nonnull(strstr(msg, want));
	ck_assert_ptr_eq(strchr(msg, '\n'), msg + strlen(msg) - 1);
	ck_assert(!strncmp(msg, "vmxbox: ", 8));
}

START_TEST(halt_without_wake_source)
{
	char out[64], msg[256];

	script = S_HLT;
	ck_assert_int_eq(run_machine(out, sizeof(out), msg, sizeof(msg)),
			 VMXBOX_EXIT_HALTED);
	ck_assert_int_eq(VMXBOX_EXIT_HALTED, 73);
	assert_one_line(msg, "halted at rip=0x100010 with interrupts disabled");
}
END_TEST

START_TEST(shutdown_status)
{
	char out[64], msg[256];

	script = S_SHUTDOWN;
	ck_assert_int_eq(run_machine(out, sizeof(out), msg, sizeof(msg)), 72);
	assert_one_line(msg, "shutdown (triple fault)");
	ck_assert_ptr_nonnull(strstr(msg, "#GP with no IDT"));
}
END_TEST

START_TEST(insn_limit_status)
{
	char out[64], msg[256];

	script = S_LIMIT;
	cfg.max_insns = 1234;
	ck_assert_int_eq(run_machine(out, sizeof(out), msg, sizeof(msg)), 74);
	assert_one_line(msg, "instruction limit reached after 1234 instructions");
}
END_TEST

START_TEST(engine_error_status)
{
	char out[64], msg[256];

	script = S_ERROR;
	ck_assert_int_eq(run_machine(out, sizeof(out), msg, sizeof(msg)), 70);
	assert_one_line(msg, "engine error");
	ck_assert_ptr_nonnull(strstr(msg, "unsupported opcode"));
}
END_TEST

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

START_TEST(timeout_status)
{
	char out[64], msg[256];
	double t0 = now();

	script = S_SPIN;
	cfg.timeout = 0.2;
	ck_assert_int_eq(run_machine(out, sizeof(out), msg, sizeof(msg)), 75);
	ck_assert_double_ge(now() - t0, 0.19);
	ck_assert_double_lt(now() - t0, 5.0);
	assert_one_line(msg, "timeout: guest still running after 0.2 s");
}
END_TEST

static void *send_later(void *arg)
{
	struct timespec ts = { 0, 100000000 };

	nanosleep(&ts, NULL);
	kill(getpid(), (int)(intptr_t)arg);
	return NULL;
}

static int run_with_signal(int sig, char *msg, size_t msglen)
{
	char out[64];
	pthread_t t;
	int status;

	script = S_SPIN;
	cfg.timeout = 10;     /* a safety net: the signal must come first */
	pthread_create(&t, NULL, send_later, (void *)(intptr_t)sig);
	status = run_machine(out, sizeof(out), msg, msglen);
	pthread_join(t, NULL);
	return status;
}

START_TEST(sigint_status)
{
	char msg[256];

	ck_assert_int_eq(run_with_signal(SIGINT, msg, sizeof(msg)), 130);
	assert_one_line(msg, "interrupted by SIGINT");
}
END_TEST

START_TEST(sigterm_status)
{
	char msg[256];

	ck_assert_int_eq(run_with_signal(SIGTERM, msg, sizeof(msg)), 143);
	assert_one_line(msg, "terminated by SIGTERM");
}
END_TEST

START_TEST(create_errors)
{
	struct machine *m = (struct machine *)1;
	char err[256];

	cfg.firmware = "/nonexistent.elf";
	ck_assert_int_eq(machine_create(&cfg, &m, err, sizeof(err)), 71);
	ck_assert_ptr_null(m);
	ck_assert_ptr_nonnull(strstr(err, "No such file"));
	cfg.firmware = fw;
	cfg.mem_size = 12345;     /* not a page multiple */
	ck_assert_int_eq(machine_create(&cfg, &m, err, sizeof(err)), 2);
	cfg.mem_size = 4ull << 20;
	cfg.engine_ops = NULL;
	cfg.engine = "nosuch";
	ck_assert_int_eq(machine_create(&cfg, &m, err, sizeof(err)), 76);
	ck_assert_ptr_nonnull(strstr(err, "unknown engine 'nosuch'"));
	close(serial[1]);
	close(msgs[1]);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("machine");
	TCase *tc = tcase_create("run");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, boot_state_reaches_engine);
	tcase_add_test(tc, debug_exit_plain_status_and_serial);
	tcase_add_test(tc, debug_exit_qemu_status);
	tcase_add_test(tc, verbose_reports_unhandled_io);
	tcase_add_test(tc, halt_without_wake_source);
	tcase_add_test(tc, shutdown_status);
	tcase_add_test(tc, insn_limit_status);
	tcase_add_test(tc, engine_error_status);
	tcase_add_test(tc, timeout_status);
	tcase_add_test(tc, sigint_status);
	tcase_add_test(tc, sigterm_status);
	tcase_add_test(tc, create_errors);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
