// SPDX-License-Identifier: MIT
/*
 * COM2-COM4 (machine/pc_serial.c) as the PC test kernel finds them
 * (tests/pc/kernel/serial.c): vmxbox-qemu's 2nd-4th -serial and vmxbox
 * run's --serial2..4 create them, each writes to its own output, raises
 * its THR-empty interrupt on its ISA line (3, 4, 3), and appears in the
 * DSDT; absent ports read 0xff; a snapshot keeps them and `vmxbox
 * restore` recreates them (--serialN chooses the output).  With "qemu"
 * as argument the same command line runs on QEMU (TCG): the kernel's
 * lines and the ports' files must be the same.
 */
#include <check.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fw_run.h"
#include "pc_compare.h"
#include "snapshot/snapshot.h"

static char dir[64], com2[96], com4[96];

static const char *const present_lines[] = {
	"serial com2 present=1 irq=3 irr=1 iir=0x2 iir_after=0x1 poll=0x83 irr_after=0",
	"serial com3 present=1 irq=4 irr=1 iir=0x2 iir_after=0x1 poll=0x84 irr_after=0",
	"serial com4 present=1 irq=3 irr=1 iir=0x2 iir_after=0x1 poll=0x83 irr_after=0",
};

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/pcserial-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(com2, sizeof(com2), "%s/com2", dir);
	snprintf(com4, sizeof(com4), "%s/com4", dir);
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static void expect_file(const char *path, const char *want)
{
	size_t n;
	char *got = fw_read_file(path, &n);

	ck_assert_msg(got, "%s was not written", path);
	ck_assert_str_eq(got, want);
	free(got);
}

/* A runner's command line with COM2 to a file, COM3 to null, COM4 to a
 * file. */
static void qemu_cmdline(const char *prog, const char **argv)
{
	static char s2[128], s4[128];
	int n = 0;

	snprintf(s2, sizeof(s2), "file:%s", com2);
	snprintf(s4, sizeof(s4), "file:%s", com4);
	argv[n++] = prog;
	argv[n++] = "-nodefaults";
	argv[n++] = "-display";
	argv[n++] = "none";
	argv[n++] = "-m";
	argv[n++] = "128M";
	argv[n++] = "-no-reboot";
	argv[n++] = "-device";
	argv[n++] = "isa-debug-exit,iobase=0xf4,iosize=0x4";
	argv[n++] = "-serial";
	argv[n++] = "stdio";
	argv[n++] = "-serial";
	argv[n++] = s2;
	argv[n++] = "-serial";
	argv[n++] = "null";
	argv[n++] = "-serial";
	argv[n++] = s4;
	argv[n++] = "-kernel";
	argv[n++] = getenv("PCTEST32");
	argv[n] = NULL;
}

START_TEST(qemu_front_end_serial_ports)
{
	const char *argv[32];
	struct fw_result r;

	qemu_cmdline(getenv("VMXBOX_QEMU"), argv);
	pc_run_argv(argv, &r);
	ck_assert_msg(r.status == 1, "status %d\n%s", r.status, r.err);
	for (int i = 0; i < 3; i++)
		pc_expect_line(&r, present_lines[i]);
	ck_assert(!strstr(r.out, "pctest on"));   /* not on COM1 */
	expect_file(com2, "pctest on com2\n");
	expect_file(com4, "pctest on com4\n");
	fw_result_free(&r);
}
END_TEST

/* vmxbox run: --serial2/--serial4 only; COM3 absent; none by default. */
START_TEST(run_serial_options)
{
	char s2[128], s4[128];
	const char *prog = getenv("VMXBOX"), *k = getenv("PCTEST32");
	const char *with[] = { prog, "run", "--engine=interp", "--debug-exit=qemu",
			       s2, s4, k, NULL };
	const char *without[] = { prog, "run", "--engine=interp",
				  "--debug-exit=qemu", k, NULL };
	const char *bad[] = { prog, "run", "--serial3=none", k, NULL };
	const char *qbad[] = { getenv("VMXBOX_QEMU"), "-serial", "stdio", "-serial",
			       "null", "-serial", "null", "-serial", "null",
			       "-serial", "null", "-kernel", k, NULL };
	struct fw_result r;

	snprintf(s2, sizeof(s2), "--serial2=%s", com2);
	snprintf(s4, sizeof(s4), "--serial4=file:%s", com4);
	pc_run_argv(with, &r);
	ck_assert_msg(r.status == 1, "status %d\n%s", r.status, r.err);
	pc_expect_line(&r, present_lines[0]);
	pc_expect_line(&r, "serial com3 present=0");
	pc_expect_line(&r, present_lines[2]);
	expect_file(com2, "pctest on com2\n");
	expect_file(com4, "pctest on com4\n");
	fw_result_free(&r);
	pc_run_argv(without, &r);
	pc_expect_line(&r, "serial com2 present=0\nserial com3 present=0\nserial com4 present=0");
	fw_result_free(&r);
	pc_run_argv(bad, &r);
	ck_assert_int_eq(r.status, 2);
	ck_assert_str_eq(r.err, "vmxbox run: --serial3=none: expected a file PATH, file:PATH, null or -\n");
	fw_result_free(&r);
	pc_run_argv(qbad, &r);
	ck_assert_int_eq(r.status, 1);
	ck_assert_str_eq(r.err, "vmxbox-qemu: -serial null: vmxbox-qemu has 4 serial ports (COM1-COM4)\n");
	fw_result_free(&r);
}
END_TEST

/* A snapshot taken before the kernel writes COM2 has device uart1;
 * restored, COM2 exists again and writes to restore's --serial2; a
 * restore of a machine without COM2 refuses --serial2. */
START_TEST(snapshot_keeps_the_ports)
{
	char s2[128], snap[128], on[64], err[256], r2[128];
	const char *prog = getenv("VMXBOX"), *k = getenv("PCTEST32");
	const char *ref[] = { prog, "run", "--engine=interp", "--debug-exit=qemu",
			      "-v", s2, k, NULL };
	const char *take[] = { prog, "run", "--engine=interp", "--debug-exit=qemu",
			       s2, snap, on, k, NULL };
	const char *res[] = { prog, "restore", r2, snap + 11, NULL };
	struct snapshot_machine *s;
	struct fw_result r;
	uint64_t n, bytes;

	snprintf(s2, sizeof(s2), "--serial2=%s", com2);
	pc_run_argv(ref, &r);
	n = pc_insns_of(r.err);
	ck_assert_msg(r.status == 1 && n > 1000, "status %d\n%s", r.status, r.err);
	fw_result_free(&r);
	snprintf(snap, sizeof(snap), "--snapshot=%s/s.cbor", dir);
	snprintf(on, sizeof(on), "--snapshot-on=insns:%" PRIu64, n / 3);
	pc_run_argv(take, &r);
	ck_assert_int_eq(r.status, 1);
	fw_result_free(&r);
	s = snapshot_read_file(snap + 11, err, sizeof(err));
	ck_assert_msg(s, "%s", err);
	ck_assert_ptr_nonnull(snap_device_find(s, "uart1"));
	ck_assert_ptr_null(snap_device_find(s, "uart2"));
	ck_assert(snap_kv_get_u64(&snap_device_find(s, "uart1")->st, "bytes_out", &bytes));
	ck_assert_uint_eq(bytes, 0);               /* before the kernel wrote it */
	snapshot_free(s);
	snprintf(r2, sizeof(r2), "--serial2=%s/restored", dir);
	pc_run_argv(res, &r);
	ck_assert_msg(r.status == 1, "status %d\n%s", r.status, r.err);
	pc_expect_line(&r, present_lines[0]);
	pc_expect_line(&r, "serial com3 present=0");
	fw_result_free(&r);
	snprintf(r2, sizeof(r2), "%s/restored", dir);
	expect_file(r2, "pctest on com2\n");
	snprintf(r2, sizeof(r2), "--serial3=%s/x", dir);
	pc_run_argv(res, &r);
	ck_assert_int_eq(r.status, 2);
	ck_assert_str_eq(r.err, "vmxbox restore: --serial3: the snapshot's machine has no COM3\n");
	fw_result_free(&r);
}
END_TEST

/* QEMU with the same four -serial options: the same lines on COM1, the
 * same bytes in COM2's and COM4's files. */
START_TEST(same_ports_as_qemu)
{
	const char *marks[] = { present_lines[0], NULL };
	const char *argv[32];
	struct fw_result q, v;
	char *q2, *q4;
	size_t n;

	qemu_cmdline(getenv("QEMU"), argv);
	pc_run_argv(argv, &q);
	q2 = fw_read_file(com2, &n);
	q4 = fw_read_file(com4, &n);
	ck_assert_msg(q2 && q4, "QEMU wrote no COM2/COM4 file\n%s", q.err);
	unlink(com2);
	unlink(com4);
	qemu_cmdline(getenv("VMXBOX_QEMU"), argv);
	pc_run_argv(argv, &v);
	pc_same_as_qemu(&q, &v, pc_common_lines, marks);
	expect_file(com2, q2);
	expect_file(com4, q4);
	free(q2);
	free(q4);
	fw_result_free(&q);
	fw_result_free(&v);
}
END_TEST

int main(int argc, char **argv)
{
	Suite *s = suite_create("pc_serial");
	TCase *tc = tcase_create("serial");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 90);
	if (pc_qemu_mode(argc, argv)) {
		tcase_add_test(tc, same_ports_as_qemu);
	} else {
		tcase_add_test(tc, qemu_front_end_serial_ports);
		tcase_add_test(tc, run_serial_options);
		tcase_add_test(tc, snapshot_keeps_the_ports);
	}
	suite_add_tcase(s, tc);
	return pc_run_suite(s);
}
