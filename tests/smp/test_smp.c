// SPDX-License-Identifier: MIT
/*
 * Multiprocessor machines (docs/smp.md): the deterministic scheduler
 * (same program, same output and instruction count, whatever the run;
 * every quantum gives a correct result), the end of a run when every vCPU
 * is halted for good, the total instruction limit, the CLI's errors, and
 * the MADT and fw_cfg of `vmxbox-qemu -smp 4` as the PC test kernel
 * (a multiboot kernel) reads them.
 */
#include <check.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fw_run.h"

static void run_argv(const char *const *argv, struct fw_result *r)
{
	ck_assert_int_eq(fw_run((char *const *)argv, 120, r), 0);
	ck_assert_msg(!r->timed_out, "timed out:\n%s\n%s", r->out, r->err);
}

/* guest-firmware/smp/smp.c's last line when every check passed (also in
 * tests/firmware/expected/smp.txt). */
#define FW_SMP_ALL_PASSED "41 passed, 0 failed"

static void expect_line(const struct fw_result *r, const char *line)
{
	char *missing = NULL;

	ck_assert_msg(fw_lines_in_order(r->out, line, &missing),
		      "missing line \"%s\" in:\n%s", line, r->out);
}

/* "... engine interp: N instructions in ..." of --verbose. */
static unsigned long long insns_of(const struct fw_result *r)
{
	const char *p = strstr(r->err, "engine interp: ");

	ck_assert_msg(p, "no verbose report in:\n%s", r->err);
	return strtoull(p + 15, NULL, 10);
}

static void run_smp(const char *quantum, const char *append,
		    struct fw_result *r)
{
	char q[64], a[64];
	const char *argv[] = { getenv("VMXBOX"), "run", "-v", "--smp=4", q, a,
			       getenv("FW_SMP"), NULL };

	snprintf(q, sizeof(q), "--smp-quantum=%s", quantum);
	snprintf(a, sizeof(a), "--append=%s", append);
	run_argv(argv, r);
}

START_TEST(deterministic)
{
	struct fw_result a, b;

	run_smp("1000", "", &a);
	run_smp("1000", "", &b);
	ck_assert_msg(a.status == 0, "status %d\n%s%s", a.status, a.out, a.err);
	ck_assert_str_eq(a.out, b.out);
	ck_assert_uint_eq(insns_of(&a), insns_of(&b));
	expect_line(&a, FW_SMP_ALL_PASSED);
	fw_result_free(&a);
	fw_result_free(&b);
}
END_TEST

/* Any quantum interleaves the vCPUs differently but correctly. */
START_TEST(quantum)
{
	static const char *const q[] = { "1", "7", "100000" };
	struct fw_result r;

	run_smp(q[_i], "", &r);
	ck_assert_msg(r.status == 0, "quantum %s: status %d\n%s", q[_i],
		      r.status, r.out);
	expect_line(&r, FW_SMP_ALL_PASSED);
	fw_result_free(&r);
}
END_TEST

START_TEST(all_halted_ends_run)
{
	struct fw_result r;

	run_smp("1000", "halt", &r);
	ck_assert_msg(r.status == 73, "status %d\n%s", r.status, r.err);
	expect_line(&r, FW_SMP_ALL_PASSED);
	ck_assert_msg(strstr(r.err, "vmxbox: guest halted at rip=0x"),
		      "%s", r.err);
	fw_result_free(&r);
}
END_TEST

/* A VMPTRLD of a VMCS active on another vCPU is counted (smpvmx.elf does
 * it twice: CPU 2 takes CPU 0's launched VMCS, CPU 0 takes it back). */
START_TEST(shared_vmcs_counted)
{
	const char *argv[] = { getenv("VMXBOX"), "run", "-v", "--smp=4",
			       getenv("FW_SMPVMX"), NULL };
	struct fw_result r;

	run_argv(argv, &r);
	ck_assert_msg(r.status == 0, "status %d\n%s", r.status, r.out);
	ck_assert_msg(strstr(r.err, " scheduler turns; VMPTRLDs of a VMCS active on another vCPU: 2 (SDM 25.11.1: VMCLEAR it there first)\n"),
		      "%s", r.err);
	fw_result_free(&r);
}
END_TEST

/* --max-insns limits the total of every vCPU. */
START_TEST(total_insn_limit)
{
	const char *argv[] = { getenv("VMXBOX"), "run", "-v", "--smp=4",
			       "--max-insns=123457", getenv("FW_SMP"), NULL };
	struct fw_result r;

	run_argv(argv, &r);
	ck_assert_msg(r.status == 74, "status %d\n%s", r.status, r.err);
	ck_assert_uint_eq(insns_of(&r), 123457);
	fw_result_free(&r);
}
END_TEST

START_TEST(cli_errors)
{
	static const char *const cases[][2] = {
		{ "--smp=0", "vmxbox run: --smp=0: must be between 1 and 16\n" },
		{ "--smp=17", "vmxbox run: --smp=17: must be between 1 and 16\n" },
		{ "--smp=x", "vmxbox run: --smp=x: not a non-negative integer\n" },
		{ "--smp-quantum=0", "vmxbox run: --smp-quantum=0: must be between 1 and 1000000000\n" },
		{ "--clock=host", "vmxbox run: --smp=2: --clock=host is for one vCPU (the SMP scheduler keeps virtual time)\n" },
	};
	const char *c = cases[_i][0];
	const char *argv[] = { getenv("VMXBOX"), "run", "--smp=2", c,
			       getenv("FW_SMP"), NULL };
	struct fw_result r;

	run_argv(argv, &r);
	ck_assert_msg(r.status == 2, "%s: status %d", c, r.status);
	ck_assert_str_eq(r.err, cases[_i][1]);
	fw_result_free(&r);
}
END_TEST

static void ctl(const char *sock, const char *a1, const char *a2,
		struct fw_result *r)
{
	const char *argv[] = { getenv("VMXBOX"), "ctl", "--json", sock, a1, a2,
			       NULL };

	run_argv(argv, r);
}

/* `vmxbox run --smp=4 --monitor=SOCK --paused FW` in the background:
 * its pid once the monitor's socket exists (sock: a fresh path of tag). */
static pid_t start_paused(char *sock, size_t len, const char *tag,
			  const char *fw, const char *timeout)
{
	char mon[96];
	pid_t pid;

	snprintf(sock, len, "/tmp/vmxbox-%s-%d.sock", tag, getpid());
	snprintf(mon, sizeof(mon), "--monitor=%s", sock);
	unlink(sock);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		execl(getenv("VMXBOX"), "vmxbox", "run", "--smp=4", mon,
		      "--paused", timeout, fw, (char *)NULL);
		_exit(127);
	}
	for (int i = 0; access(sock, F_OK) && i < 1000; i++)
		usleep(10000);
	return pid;
}

/* The monitor sees every vCPU: status lists them, regs --cpu=K. */
START_TEST(monitor_vcpus)
{
	char sock[64];
	struct fw_result r;
	pid_t pid;
	int st;

	pid = start_paused(sock, sizeof(sock), "smp", getenv("FW_SMP"),
			   "--timeout=60");
	ctl(sock, "status", NULL, &r);
	ck_assert_msg(strstr(r.out, "\"vcpus\":[{\"mode\":\"64-bit\",\"rip\":1048576,\"vmx\":\"off\"},"
			      "{\"mode\":\"real\",\"rip\":65520,\"vmx\":\"off\"},"
			      "{\"mode\":\"real\",\"rip\":65520,\"vmx\":\"off\"},"
			      "{\"mode\":\"real\",\"rip\":65520,\"vmx\":\"off\"}]"),
		      "%s", r.out);
	fw_result_free(&r);
	{
		const char *argv[] = { getenv("VMXBOX"), "ctl", sock, "regs",
				       "--cpu=3", NULL };

		run_argv(argv, &r);
	}
	ck_assert_int_eq(r.status, 0);
	ck_assert_msg(strstr(r.out, "rip") && strstr(r.out, "0xfff0"), "%s", r.out);
	fw_result_free(&r);
	ctl(sock, "regs", "4", &r);
	ck_assert_int_eq(r.status, 1);
	ck_assert_msg(strstr(r.err, "no vCPU 4 (the machine has 4)"), "%s", r.err);
	fw_result_free(&r);
	ctl(sock, "quit", NULL, &r);
	fw_result_free(&r);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	unlink(sock);
}
END_TEST

static void ctl_cpu(const char *sock, const char *cmd, const char *cpu,
		    struct fw_result *r)
{
	const char *argv[] = { getenv("VMXBOX"), "ctl", "--json", sock, cmd,
			       cpu, NULL };

	run_argv(argv, r);
}

/* vms and vmcs of vCPU K (--cpu=K) on fw_smpvmx, paused after 1.2 M
 * instructions: vCPUs 2 and 3 each have their L2's VMCS current, 0 none. */
START_TEST(monitor_vmx_per_vcpu)
{
	char sock[64];
	struct fw_result r;
	pid_t pid;
	int st;

	pid = start_paused(sock, sizeof(sock), "smpvmx", getenv("FW_SMPVMX"),
			   "--timeout=120");
	/* Short steps: each must finish within the monitor's wait. */
	for (int i = 0; i < 6; i++) {
		ctl(sock, "step", "200000", &r);
		ck_assert_msg(r.status == 0, "%s", r.err);
		fw_result_free(&r);
	}
	ctl_cpu(sock, "vms", "--cpu=3", &r);
	ck_assert_msg(r.status == 0 && strstr(r.out, "\"addr\":1216512,\"launched\":true,\"current\":true"),
		      "%s%s", r.out, r.err);
	fw_result_free(&r);
	ctl_cpu(sock, "vmcs", "--cpu=2", &r);
	ck_assert_msg(r.status == 0 && strstr(r.out, "\"GUEST_RIP\":"), "%s%s", r.out, r.err);
	fw_result_free(&r);
	ctl_cpu(sock, "vmcs", "--cpu=0", &r);
	ck_assert_msg(r.status == 1 && strstr(r.err, "no current VMCS"), "%s", r.err);
	fw_result_free(&r);
	ctl_cpu(sock, "vms", "--cpu=4", &r);
	ck_assert_msg(r.status == 1 && strstr(r.err, "no vCPU 4 (the machine has 4)"), "%s", r.err);
	fw_result_free(&r);
	ctl(sock, "quit", NULL, &r);
	fw_result_free(&r);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	unlink(sock);
}
END_TEST

/* The monitor's trace stream carries every vCPU's VM entries and exits,
 * each with its "cpu": `ctl trace on` subscribed while the machine is
 * paused, then the whole run of fw_smpvmx (an L2 on each of 4 CPUs). */
START_TEST(monitor_trace_every_vcpu)
{
	char sock[64], out[64], buf[256];
	struct fw_result r;
	pid_t pid, tracer;
	int st, fd;
	FILE *f;
	unsigned exits[4] = { 0 };

	snprintf(out, sizeof(out), "/tmp/vmxbox-smptrace-%d.json", getpid());
	pid = start_paused(sock, sizeof(sock), "smptrace", getenv("FW_SMPVMX"),
			   "--timeout=120");
	fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	tracer = fork();
	ck_assert_int_ge(tracer, 0);
	if (tracer == 0) {
		dup2(fd, 1);
		execl(getenv("VMXBOX"), "vmxbox", "ctl", "--json", sock, "trace",
		      "on", (char *)NULL);
		_exit(127);
	}
	close(fd);
	/* Its first line is the reply: subscribed before anything ran. */
	for (int i = 0; i < 1000; i++) {
		struct stat sb;

		if (!stat(out, &sb) && sb.st_size > 0)
			break;
		usleep(10000);
	}
	ctl(sock, "resume", NULL, &r);
	ck_assert_msg(r.status == 0, "%s", r.err);
	fw_result_free(&r);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "run status %d", st);
	ck_assert_int_eq(waitpid(tracer, &st, 0), tracer);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "ctl status %d", st);
	f = fopen(out, "r");
	ck_assert_ptr_nonnull(f);
	while (fgets(buf, sizeof(buf), f)) {
		const char *c = strstr(buf, "\"cpu\":");

		if (c && strstr(buf, "\"event\":\"vmexit\"") && c[6] >= '0' &&
		    c[6] <= '3')
			exits[c[6] - '0']++;
	}
	fclose(f);
	unlink(out);
	unlink(sock);
	for (int k = 0; k < 4; k++)
		ck_assert_msg(exits[k] > 0, "no vmexit event of cpu %d", k);
}
END_TEST

/* --trace=vmx: every vCPU's VM entries and exits, lines marked cpuK: and
 * in --trace-out one process per vCPU. */
START_TEST(trace_every_vcpu)
{
	char out[64], opt[80];
	const char *argv[] = { getenv("VMXBOX"), "run", "--smp=4", "--trace=vmx",
			       getenv("FW_SMPVMX"), NULL };
	const char *argv_json[] = { getenv("VMXBOX"), "run", "--smp=4",
				    "--trace=vmx", opt, getenv("FW_SMPVMX"), NULL };
	struct fw_result r;
	char *json;
	size_t len;
	FILE *f;

	run_argv(argv, &r);
	ck_assert_int_eq(r.status, 0);
	for (int k = 0; k < 4; k++) {
		char want[64];

		snprintf(want, sizeof(want), "vmxbox: trace: cpu%d: ", k);
		ck_assert_msg(strstr(r.err, want), "no %s in:\n%.2000s", want, r.err);
	}
	fw_result_free(&r);
	snprintf(out, sizeof(out), "/tmp/vmxbox-smp-trace-%d.json", getpid());
	snprintf(opt, sizeof(opt), "--trace-out=%s", out);
	run_argv(argv_json, &r);
	ck_assert_int_eq(r.status, 0);
	fw_result_free(&r);
	f = fopen(out, "r");
	ck_assert_ptr_nonnull(f);
	json = NULL;
	len = 0;
	ck_assert_int_gt(getdelim(&json, &len, '\0', f), 0);
	fclose(f);
	unlink(out);
	ck_assert_ptr_nonnull(strstr(json, "\"pid\":3,\"args\":{\"name\":\"vCPU 3\"}"));
	ck_assert_ptr_nonnull(strstr(json, "\"cat\":\"L2\",\"pid\":3,"));
	ck_assert_ptr_nonnull(strstr(json, "\"cat\":\"L2\",\"pid\":1,"));
	ck_assert_ptr_nonnull(strstr(json, "\n]}\n"));
	free(json);
}
END_TEST

/* vmxbox-qemu -smp 4: the firmware tables a multiboot kernel reads
 * (fw_cfg, ACPI MADT, SMBIOS). */
START_TEST(qemu_smp4_tables)
{
	const char *argv[] = { getenv("VMXBOX_QEMU"), "-nodefaults", "-display",
			       "none", "-serial", "stdio", "-m", "128M", "-device",
			       "isa-debug-exit,iobase=0xf4,iosize=0x4", "-smp",
			       "cpus=4", "-kernel", getenv("PCTEST32"), NULL };
	struct fw_result r;

	run_argv(argv, &r);
	ck_assert_msg(r.status == 1, "status %d\n%s", r.status, r.err);
	expect_line(&r, "fwcfg ram_size=0x8000000 nb_cpus=4 max_cpus=4 nographic=0 boot_menu=0 irq0_override=1");
	expect_line(&r,
		    "acpi madt lapic_addr=0xfee00000 flags=0x1\n"
		    "acpi madt lapic uid=0 apic_id=0 flags=0x1\n"
		    "acpi madt lapic uid=1 apic_id=1 flags=0x1\n"
		    "acpi madt lapic uid=2 apic_id=2 flags=0x1\n"
		    "acpi madt lapic uid=3 apic_id=3 flags=0x1\n"
		    "acpi madt ioapic id=0 addr=0xfec00000 gsi_base=0");
	/* SMBIOS: one package of 4 cores, as the CPUID topology says. */
	expect_line(&r, "smbios hw cpus=4 mem_mib=128 mapped_kib=131072");
	expect_line(&r, "pctest done");
	fw_result_free(&r);
}
END_TEST

/* A 4-vCPU snapshot shows every vCPU in inspect and diff (docs/snapshot.md
 * "smp"); the restore paths are test smp_snap. */
START_TEST(snapshot_every_vcpu)
{
	char dir[] = "/tmp/vmxbox-smp-XXXXXX", snap[64], s1[64], s2[64];
	const char *run[] = { getenv("VMXBOX"), "run", "--smp=4", snap,
			      "--snapshot-on=insns:1200000,insns:1300000",
			      getenv("FW_SMPVMX"), NULL };
	const char *inspect[] = { getenv("VMXBOX"), "inspect", s1, NULL };
	const char *diff[] = { getenv("VMXBOX"), "diff", s1, s2, NULL };
	struct fw_result r;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(snap, sizeof(snap), "--snapshot=%s/s.cbor", dir);
	snprintf(s1, sizeof(s1), "%s/s.1.cbor", dir);
	snprintf(s2, sizeof(s2), "%s/s.2.cbor", dir);
	run_argv(run, &r);
	ck_assert_msg(r.status == 0, "status %d\n%s", r.status, r.err);
	fw_result_free(&r);
	run_argv(inspect, &r);
	ck_assert_int_eq(r.status, 0);
	expect_line(&r, "smp: 4 vCPUs");
	ck_assert_ptr_nonnull(strstr(r.out, "\n  lapic3 "));
	expect_line(&r, "vmx (vCPU 0): VMX root operation");
	expect_line(&r, "vmx (vCPU 3): VMX root operation");
	ck_assert_ptr_nonnull(strstr(r.out, "vmcs (vCPU 3) 0x"));
	fw_result_free(&r);
	run_argv(diff, &r);
	ck_assert_ptr_nonnull(strstr(r.out, "smp.sched.round_start: "));
	ck_assert_ptr_nonnull(strstr(r.out, "\ncpu3."));
	fw_result_free(&r);
	unlink(s1);
	unlink(s2);
	rmdir(dir);
}
END_TEST

/*
 * Taking snapshots does not change the run: a turn an insns:N point cuts
 * short goes on after the snapshot as it would have without it, even when
 * the vCPU's clock passed the end of the round meanwhile (its TSC reads
 * catch up with the other vCPUs).  Points every 40,000 instructions over
 * the part where the APs spin on each other (16, the most --snapshot-on
 * takes), and the restore of one.
 */
START_TEST(snapshots_do_not_change_the_run)
{
	char dir[] = "/tmp/vmxbox-smp-XXXXXX", snap[64], on[512], last[80];
	const char *run[] = { getenv("VMXBOX"), "run", "-v", "--smp=4", snap,
			      on, getenv("FW_SMP"), NULL };
	const char *restore[] = { getenv("VMXBOX"), "restore", "-v", last,
				  NULL };
	struct fw_result plain, cut, back;
	size_t len;
	unsigned n = 0;

	run_smp("1000", "", &plain);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(snap, sizeof(snap), "--snapshot=%s/s.cbor", dir);
	len = (size_t)snprintf(on, sizeof(on), "--snapshot-on=");
	for (unsigned long k = 1000000; k < 1640000; k += 40000, n++)
		len += (size_t)snprintf(on + len, sizeof(on) - len, "%sinsns:%lu",
					n ? "," : "", k);
	ck_assert_uint_lt(len, sizeof(on));
	run_argv(run, &cut);
	ck_assert_msg(cut.status == 0, "status %d\n%s", cut.status, cut.err);
	ck_assert_str_eq(plain.out, cut.out);
	ck_assert_uint_eq(insns_of(&plain), insns_of(&cut));
	/* The one at 1,320,000 (the 9th). */
	snprintf(last, sizeof(last), "%s/s.9.cbor", dir);
	run_argv(restore, &back);
	ck_assert_msg(back.status == 0, "status %d\n%s", back.status, back.err);
	ck_assert_uint_eq(insns_of(&back), insns_of(&plain));
	for (unsigned i = 1; i <= n; i++) {
		snprintf(last, sizeof(last), "%s/s.%u.cbor", dir, i);
		unlink(last);
	}
	rmdir(dir);
	fw_result_free(&plain);
	fw_result_free(&cut);
	fw_result_free(&back);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("smp");
	TCase *tc = tcase_create("smp");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 240);
	tcase_add_test(tc, deterministic);
	tcase_add_loop_test(tc, quantum, 0, 3);
	tcase_add_test(tc, all_halted_ends_run);
	tcase_add_test(tc, total_insn_limit);
	tcase_add_test(tc, shared_vmcs_counted);
	tcase_add_loop_test(tc, cli_errors, 0, 5);
	tcase_add_test(tc, qemu_smp4_tables);
	tcase_add_test(tc, monitor_vcpus);
	tcase_add_test(tc, snapshot_every_vcpu);
	tcase_add_test(tc, snapshots_do_not_change_the_run);
	tcase_add_test(tc, monitor_vmx_per_vcpu);
	tcase_add_test(tc, monitor_trace_every_vcpu);
	tcase_add_test(tc, trace_every_vcpu);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
