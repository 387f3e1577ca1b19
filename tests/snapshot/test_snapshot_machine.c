// SPDX-License-Identifier: MIT
/*
 * Snapshot triggers and exact restore at the machine level, with a toy
 * deterministic engine (the interpreter's system side is not needed):
 * every "instruction" mixes RIP into RAX, stores RAX into guest RAM, every
 * 7th writes a letter to the UART, and the 1000th writes RAX to the
 * debug-exit port.  A run with snapshots must print what a plain run
 * prints, and each snapshot, restored into a new machine, must print the
 * rest of that output, end with the same status and instruction count and
 * leave the same RAM.
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "machine/machine.h"
#include "machine/snap_machine.h"
#include "vmx/vmcs_fields.h"

#define TOY_END 1000

struct toy {
	struct engine base;
	struct engine_config cfg;
	struct cpu_state s;
	atomic_bool stop;
	uint64_t max;
	uint64_t signal_at;      /* raise SIGUSR1 at this count (0: never) */
};

static uint64_t toy_signal_at;

static bool toy_probe(char *why, size_t len) { return true; }

static struct engine *toy_create(const struct engine_config *cfg, char *err,
				 size_t errlen)
{
	struct toy *t = calloc(1, sizeof(*t));

	t->cfg = *cfg;
	t->max = cfg->max_insns;
	t->signal_at = toy_signal_at;
	return &t->base;
}

static void toy_destroy(struct engine *e) { free(e); }

static void toy_step(struct toy *t)
{
	struct cpu_state *s = &t->s;

	s->gpr[GPR_RAX] = s->gpr[GPR_RAX] * 31 + s->rip;
	s->rip += 3;
	gmem_write_u64(t->cfg.mem, 0x10000 + (s->rip % 512) * 8, s->gpr[GPR_RAX]);
	s->insn_count++;
	s->tsc++;
	if (s->insn_count % 7 == 0)
		io_bus_write(t->cfg.pio, 0x3f8, 1, 'a' + s->gpr[GPR_RAX] % 26);
	if (s->insn_count % 70 == 0)
		io_bus_write(t->cfg.pio, 0x3f8, 1, '\n');
	if (s->insn_count == TOY_END)
		io_bus_write(t->cfg.pio, 0xf4, 1, s->gpr[GPR_RAX] & 0x7f);
	if (t->signal_at && s->insn_count == t->signal_at)
		kill(getpid(), SIGUSR1);
}

static enum engine_exit_reason toy_run(struct engine *e, struct engine_exit *out)
{
	struct toy *t = (struct toy *)e;

	for (;;) {
		if (atomic_exchange(&t->stop, false))
			return out->reason = ENGINE_EXIT_STOP;
		if (t->max && t->s.insn_count >= t->max)
			return out->reason = ENGINE_EXIT_INSN_LIMIT;
		if (t->s.insn_count >= TOY_END + 50) {
			t->s.activity = ACTIVITY_HLT;
			return out->reason = ENGINE_EXIT_HLT;
		}
		toy_step(t);
		if (t->signal_at && t->s.insn_count > t->signal_at &&
		    t->s.insn_count < t->signal_at + 200)
			usleep(100);  /* give the event loop time to see it */
	}
}

static void toy_get_state(struct engine *e, struct cpu_state *s) { *s = ((struct toy *)e)->s; }
static void toy_set_state(struct engine *e, const struct cpu_state *s) { ((struct toy *)e)->s = *s; }
static void toy_request_stop(struct engine *e) { atomic_store(&((struct toy *)e)->stop, true); }
static uint64_t toy_insn_count(struct engine *e) { return ((struct toy *)e)->s.insn_count; }
static void toy_set_max(struct engine *e, uint64_t n) { ((struct toy *)e)->max = n; }

static const struct engine_ops toy_ops = {
	.name = "toy", .probe = toy_probe, .create = toy_create,
	.destroy = toy_destroy, .run = toy_run, .get_state = toy_get_state,
	.set_state = toy_set_state, .request_stop = toy_request_stop,
	.insn_count = toy_insn_count, .set_max_insns = toy_set_max,
};

struct outcome {
	int status;
	uint64_t insns;
	char out[8192];
	size_t out_len;
	uint8_t ram[0x1000];    /* the page the toy writes */
};

static char dir[] = "/tmp/snapmach.XXXXXX";

static void config(struct machine_config *c, FILE *serial, uint64_t max)
{
	machine_config_default(c);
	c->engine_ops = &toy_ops;
	c->mem_size = 4ull << 20;
	c->max_insns = max;
	c->vmx = false;
	c->serial_fd = fileno(serial);
	c->msg_fd = -1;
}

static void finish(struct machine *m, FILE *serial, struct outcome *o)
{
	o->status = machine_run(m);
	o->insns = m->insns;
	gmem_read(&m->mem, 0x10000, o->ram, sizeof(o->ram));
	machine_destroy(m);
	rewind(serial);
	o->out_len = fread(o->out, 1, sizeof(o->out) - 1, serial);
	o->out[o->out_len] = '\0';
	fclose(serial);
}

/* A run from the start: with trig (may be NULL) taking snapshots. */
static void run_fresh(struct outcome *o, struct snap_trigger *trig, uint64_t max)
{
	struct machine_config c;
	struct machine *m;
	char err[256];
	FILE *serial = tmpfile();

	config(&c, serial, max);
	c.snap = trig;
	ck_assert_int_eq(machine_create(&c, &m, err, sizeof(err)), 0);
	finish(m, serial, o);
}

static void run_restored(struct outcome *o, const char *path, uint64_t max,
			 uint64_t *start_bytes)
{
	struct machine_config c;
	struct machine *m;
	char err[512];
	FILE *serial = tmpfile();
	struct snapshot_machine *s = snapshot_read_file(path, err, sizeof(err));
	uint64_t bytes;

	ck_assert_msg(s != NULL, "%s", err);
	ck_assert(snap_kv_get_u64(&snap_device_find(s, "uart0")->st, "bytes_out", &bytes));
	*start_bytes = bytes;
	config(&c, serial, max);
	ck_assert_str_eq(s->config.engine, "toy");
	ck_assert_uint_eq(s->config.ram_size, c.mem_size);
	ck_assert_int_eq(machine_create(&c, &m, err, sizeof(err)), 0);
	ck_assert_msg(snap_machine_restore(m, s, err, sizeof(err)) == 0, "%s", err);
	snapshot_free(s);
	finish(m, serial, o);
}

static void check_continuation(const struct outcome *ref, const char *path,
			       uint64_t at, uint64_t max)
{
	struct outcome o;
	uint64_t start;
	struct snapshot_machine *s;
	char err[512];

	s = snapshot_read_file(path, err, sizeof(err));
	ck_assert_msg(s != NULL, "%s", err);
	if (at)
		ck_assert_uint_eq(s->cpus[0].insn_count, at);
	snapshot_free(s);
	run_restored(&o, path, max, &start);
	ck_assert_uint_le(start, ref->out_len);
	ck_assert_int_eq(o.status, ref->status);
	ck_assert_uint_eq(o.insns, ref->insns);
	ck_assert_str_eq(o.out, ref->out + start);
	ck_assert_mem_eq(o.ram, ref->ram, sizeof(o.ram));
}

START_TEST(snapshots_at_several_n_restore_exactly)
{
	static struct snap_trigger trig;
	static const uint64_t at[] = { 1, 7, 350, 999 };
	struct outcome ref, with;
	char err[256], path[128];

	run_fresh(&ref, NULL, 0);
	ck_assert_uint_eq(ref.insns, TOY_END);
	ck_assert_uint_gt(ref.out_len, 100);

	memset(&trig, 0, sizeof(trig));
	snprintf(trig.path, sizeof(trig.path), "%s/t.snap", dir);
	ck_assert_int_eq(snap_trigger_add(&trig, "insns:1,insns:7", err, sizeof(err)), 0);
	ck_assert_int_eq(snap_trigger_add(&trig, "insns:350", err, sizeof(err)), 0);
	ck_assert_int_eq(snap_trigger_add(&trig, "insns:999,exit", err, sizeof(err)), 0);
	ck_assert(snap_trigger_numbered(&trig));
	run_fresh(&with, &trig, 0);
	/* Taking snapshots changes nothing the guest can see. */
	ck_assert_int_eq(with.status, ref.status);
	ck_assert_uint_eq(with.insns, ref.insns);
	ck_assert_str_eq(with.out, ref.out);
	ck_assert_uint_eq(trig.taken, 5);

	for (unsigned i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "%s/t.%u.snap", dir, i + 1);
		check_continuation(&ref, path, at[i], 0);
		unlink(path);
	}
	/* The exit snapshot: the run is over, restoring it ends at once
	 * with the debug-exit status. */
	snprintf(path, sizeof(path), "%s/t.5.snap", dir);
	struct snapshot_machine *s = snapshot_read_file(path, err, sizeof(err));

	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(s->trigger, "exit");
	ck_assert_uint_eq(s->cpus[0].insn_count, TOY_END);
	uint64_t fired = 0;

	ck_assert(snap_kv_get_u64(&snap_device_find(s, "debug_exit")->st, "fired", &fired));
	ck_assert_uint_eq(fired, 1);
	snapshot_free(s);
	unlink(path);
}
END_TEST

START_TEST(insn_limit_and_single_file)
{
	static struct snap_trigger trig;
	struct outcome ref, with;
	char err[256], path[128];

	/* The user's limit ends the run at 600 (status 74); the snapshot at
	 * 400 goes to PATH itself (one one-shot event). */
	run_fresh(&ref, NULL, 600);
	ck_assert_int_eq(ref.status, VMXBOX_EXIT_INSN_LIMIT);
	ck_assert_uint_eq(ref.insns, 600);
	memset(&trig, 0, sizeof(trig));
	snprintf(trig.path, sizeof(trig.path), "%s/one.snap", dir);
	ck_assert_int_eq(snap_trigger_add(&trig, "insns:400", err, sizeof(err)), 0);
	ck_assert(!snap_trigger_numbered(&trig));
	run_fresh(&with, &trig, 600);
	ck_assert_int_eq(with.status, ref.status);
	ck_assert_str_eq(with.out, ref.out);
	snprintf(path, sizeof(path), "%s/one.snap", dir);
	check_continuation(&ref, path, 400, 600);
	unlink(path);
}
END_TEST

START_TEST(sigusr1_snapshot_restores)
{
	static struct snap_trigger trig;
	struct outcome ref, with;
	char err[256], path[128];
	struct snapshot_machine *s;

	run_fresh(&ref, NULL, 0);
	memset(&trig, 0, sizeof(trig));
	snprintf(trig.path, sizeof(trig.path), "%s/sig", dir);
	ck_assert_int_eq(snap_trigger_add(&trig, "signal", err, sizeof(err)), 0);
	toy_signal_at = 300;
	run_fresh(&with, &trig, 0);
	toy_signal_at = 0;
	ck_assert_str_eq(with.out, ref.out);
	ck_assert_uint_eq(trig.taken, 1);
	snprintf(path, sizeof(path), "%s/sig.1", dir);
	s = snapshot_read_file(path, err, sizeof(err));
	ck_assert_msg(s != NULL, "%s", err);
	ck_assert_str_eq(s->trigger, "signal");
	ck_assert_uint_ge(s->cpus[0].insn_count, 300);
	ck_assert_uint_lt(s->cpus[0].insn_count, TOY_END);
	snapshot_free(s);
	check_continuation(&ref, path, 0, 0);
	unlink(path);
}
END_TEST

/* The monitor's `snapshot PATH`: a capture of a machine that has not run
 * yet restores to the whole run. */
START_TEST(write_before_first_instruction)
{
	struct machine_config c;
	struct machine *m;
	struct outcome ref;
	char err[512], path[128];
	FILE *serial = tmpfile();
	struct snapshot_machine *s;

	run_fresh(&ref, NULL, 0);
	config(&c, serial, 0);
	ck_assert_int_eq(machine_create(&c, &m, err, sizeof(err)), 0);
	snprintf(path, sizeof(path), "%s/mon.snap", dir);
	ck_assert_msg(snap_machine_write(m, path, "monitor", err, sizeof(err)) == 0, "%s", err);
	machine_destroy(m);
	fclose(serial);
	s = snapshot_read_file(path, err, sizeof(err));
	ck_assert_msg(s != NULL, "%s", err);
	ck_assert_str_eq(s->trigger, "monitor");
	ck_assert_str_eq(s->config.engine, "toy");
	ck_assert_str_eq(snap_config_option(&s->config, "vmx"), "off");
	ck_assert_uint_eq(s->cpus[0].insn_count, 0);
	ck_assert(!s->vmx.present);
	snapshot_free(s);
	check_continuation(&ref, path, 0, 0);
	unlink(path);
}
END_TEST

START_TEST(event_specs)
{
	struct snap_trigger t;
	char err[256];

	memset(&t, 0, sizeof(t));
	ck_assert_int_eq(snap_trigger_add(&t, "vmexit:CPUID", err, sizeof(err)), 0);
	ck_assert_uint_eq(t.ev[0].reason, EXIT_REASON_CPUID);
	ck_assert_uint_eq(t.ev[0].n, 1);
	ck_assert_int_eq(snap_trigger_add(&t, "vmexit:hlt:3", err, sizeof(err)), 0);
	ck_assert_uint_eq(t.ev[1].reason, EXIT_REASON_HLT);
	ck_assert_uint_eq(t.ev[1].n, 3);
	ck_assert_int_eq(snap_trigger_add(&t, "vmexit:48", err, sizeof(err)), 0);
	ck_assert_uint_eq(t.ev[2].reason, EXIT_REASON_EPT_VIOLATION);
	ck_assert_int_eq(snap_trigger_add(&t, "vmentry-fail,triple-fault", err, sizeof(err)), 0);
	ck_assert_int_eq(t.ev[3].kind, SNAP_ON_VMENTRY_FAIL);
	ck_assert_int_eq(t.ev[4].kind, SNAP_ON_TRIPLE_FAULT);

	ck_assert_int_ne(snap_trigger_add(&t, "vmexit:FROB", err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr(err, "unknown VM-exit reason 'FROB'"));
	ck_assert_int_ne(snap_trigger_add(&t, "vmexit:CPUID:0", err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr(err, "K must be a positive number"));
	ck_assert_int_ne(snap_trigger_add(&t, "insns:x", err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr(err, "expected exit, insns:N"));
	ck_assert_int_ne(snap_trigger_add(&t, "exit:3", err, sizeof(err)), 0);
	ck_assert_int_ne(snap_trigger_add(&t, "", err, sizeof(err)), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("snapshot_machine");
	TCase *t = tcase_create("machine");
	SRunner *sr;
	int failed;

	if (!mkdtemp(dir))
		return EXIT_FAILURE;
	tcase_set_timeout(t, 60);
	tcase_add_test(t, snapshots_at_several_n_restore_exactly);
	tcase_add_test(t, insn_limit_and_single_file);
	tcase_add_test(t, sigusr1_snapshot_restores);
	tcase_add_test(t, write_before_first_instruction);
	tcase_add_test(t, event_specs);
	suite_add_tcase(s, t);
	sr = srunner_create(s);
	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	rmdir(dir);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
