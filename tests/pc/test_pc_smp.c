// SPDX-License-Identifier: MIT
/*
 * Several processors as a multiboot kernel made for QEMU's pc machine
 * uses them (tests/pc/kernel/smp.c, smpvmx.c; command-line words "smp"
 * and "smpvmx"): CPUs found in the ACPI MADT, APs started with
 * INIT-SIPI-SIPI through the local APIC, VMXON on each, an L2 on each, a
 * VMCS migrated between CPUs, a fixed IPI into CPU 1's L2 and an INVEPT
 * shootdown.  vmxbox run --smp=2, 4 and 8: the kernel's "smp..." lines
 * must be exactly those of tests/pc/expected/smp-N.txt; with 4 CPUs two
 * runs are byte-identical with the same instruction count, and snapshots
 * taken at eight points of the run (six in the VMX part) restore and
 * finish exactly.
 *
 * With "qemu" as argument the non-VMX part ("smp" alone: MADT, start-up,
 * LOCK-prefixed increments, IPIs waking halted APs) runs on QEMU (TCG)
 * and on vmxbox-qemu with the same command line, -smp 2, 4 and 8, and
 * the "smp" lines must be the same.  QEMU's TCG cannot run VMX (no CPUID.1:ECX.VMX),
 * so "smpvmx" is vmxbox's alone.
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

/* The lines of sections "smp" and "smpvmx", in order. */
static char *smp_lines(const char *out)
{
	char *res = calloc(1, strlen(out) + 1), *w = res;

	for (const char *p = out; *p;) {
		size_t n = strcspn(p, "\n"), word = strcspn(p, " \n");

		if ((word == 3 && !strncmp(p, "smp", 3)) ||
		    (word == 6 && !strncmp(p, "smpvmx", 6))) {
			memcpy(w, p, n);
			w += n;
			*w++ = '\n';
		}
		p += n + (p[n] == '\n');
	}
	return res;
}

/* vmxbox run --smp=N ... "smp smpvmx", extra options before the image. */
static void run_smp(const char *smp, const char *extra1, const char *extra2,
		    struct fw_result *r)
{
	const char *argv[12];
	int n = 0;

	argv[n++] = getenv("VMXBOX");
	argv[n++] = "run";
	argv[n++] = "--engine=interp";
	argv[n++] = "-v";
	argv[n++] = "--debug-exit=qemu";
	argv[n++] = smp;
	argv[n++] = "--append=smp smpvmx";
	if (extra1)
		argv[n++] = extra1;
	if (extra2)
		argv[n++] = extra2;
	argv[n++] = getenv("PCTEST32");
	argv[n] = NULL;
	pc_run_argv_for(argv, r, 150);
}

static const unsigned cpu_counts[] = { 2, 4, 8 };

/* vmxbox run --smp=N: exactly the lines of expected/smp-N.txt. */
START_TEST(smp_vmx_transcript)
{
	unsigned n = cpu_counts[_i];
	char smp[16], path[512];
	struct fw_result r;
	char *want, *got;

	snprintf(smp, sizeof(smp), "--smp=%u", n);
	snprintf(path, sizeof(path), "%s/smp-%u.txt", getenv("PC_EXPECTED"), n);
	want = fw_read_file(path, NULL);
	ck_assert_msg(want, "cannot read %s", path);
	run_smp(smp, NULL, NULL, &r);
	ck_assert_msg(r.status == 1, "--smp=%u: status %d\n%s\n%s", n, r.status,
		      r.out, r.err);
	got = smp_lines(r.out);
	pc_same_lines(path, want, got);
	free(want);
	free(got);
	fw_result_free(&r);
}
END_TEST

/* The same 4-CPU run twice: the same bytes, the same instruction count;
 * snapshots along it restore and finish exactly (output, status,
 * instruction count). */
START_TEST(smp4_deterministic_and_restores)
{
	const char *prog = getenv("VMXBOX");
	char dir[] = "/tmp/pcsmp-snap.XXXXXX", snaparg[64], onarg[400], file[80];
	struct fw_result a, b, r;
	/* Percent of the run: the APs starting, the L2 on every CPU, the
	 * migration, the IPI into CPU 1's L2, the shootdown (the VMX part is
	 * the last quarter of the run). */
	static const unsigned at[] = { 30, 70, 82, 86, 89, 92, 95, 98 };
	const unsigned points = sizeof(at) / sizeof(at[0]);
	uint64_t n;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	run_smp("--smp=4", NULL, NULL, &a);
	run_smp("--smp=4", NULL, NULL, &b);
	n = pc_insns_of(a.err);
	ck_assert_msg(a.status == 1 && n > 100000, "status %d\n%s", a.status, a.err);
	ck_assert_str_eq(a.out, b.out);
	ck_assert_uint_eq(pc_insns_of(b.err), n);
	ck_assert_msg(strstr(a.out, "\nsmpvmx done\n"), "%s", a.out);
	fw_result_free(&b);
	snprintf(snaparg, sizeof(snaparg), "--snapshot=%s/s", dir);
	strcpy(onarg, "--snapshot-on=");
	for (unsigned i = 1; i <= points; i++)
		snprintf(onarg + strlen(onarg), sizeof(onarg) - strlen(onarg),
			 "%sinsns:%" PRIu64, i > 1 ? "," : "", n * at[i - 1] / 100);
	run_smp("--smp=4", snaparg, onarg, &r);
	ck_assert_int_eq(r.status, a.status);
	ck_assert_str_eq(r.out, a.out);
	fw_result_free(&r);
	for (unsigned i = 1; i <= points; i++) {
		const char *res_args[] = { prog, "restore", "-v", file, NULL };
		char err[256];
		struct snapshot_machine *s;
		uint64_t bytes;

		snprintf(file, sizeof(file), "%s/s.%u", dir, i);
		s = snapshot_read_file(file, err, sizeof(err));
		ck_assert_msg(s, "%s: %s", file, err);
		ck_assert(snap_kv_get_u64(&snap_device_find(s, "uart0")->st,
					  "bytes_out", &bytes));
		snapshot_free(s);
		pc_run_argv_for(res_args, &r, 150);
		ck_assert_msg(r.status == a.status, "%s: status %d\n%s", file,
			      r.status, r.err);
		ck_assert_uint_eq(pc_insns_of(r.err), n);
		ck_assert_uint_le(bytes, strlen(a.out));
		ck_assert_msg(!strcmp(r.out, a.out + bytes),
			      "%s: the restored output is not the rest of the run's", file);
		fw_result_free(&r);
		unlink(file);
	}
	rmdir(dir);
	fw_result_free(&a);
}
END_TEST

/* A runner's QEMU command line with smp CPUs and the kernel command line
 * append. */
static void qemu_cmdline(const char *prog, const char *smp, const char *append,
			 const char **argv)
{
	int n = 0;

	argv[n++] = prog;
	argv[n++] = "-nodefaults";
	argv[n++] = "-display";
	argv[n++] = "none";
	argv[n++] = "-serial";
	argv[n++] = "stdio";
	argv[n++] = "-m";
	argv[n++] = "128M";
	argv[n++] = "-smp";
	argv[n++] = smp;
	argv[n++] = "-no-reboot";
	argv[n++] = "-device";
	argv[n++] = "isa-debug-exit,iobase=0xf4,iosize=0x4";
	argv[n++] = "-kernel";
	argv[n++] = getenv("PCTEST32");
	argv[n++] = "-append";
	argv[n++] = append;
	argv[n] = NULL;
}

/* The same multiboot hypervisor started as a QEMU user would start it
 * (issue 12): through vmxbox-qemu, QEMU's exit status convention (1 after
 * the debug-exit write of 0), and its L2 that HLTs until the VMX-
 * preemption timer fires (an L2 that never woke would end the run as
 * "halted" before these lines). */
START_TEST(vmx_through_vmxbox_qemu)
{
	const char *argv[24];
	struct fw_result r;

	qemu_cmdline(getenv("VMXBOX_QEMU"), "2", "smp smpvmx", argv);
	pc_run_argv_for(argv, &r, 150);
	ck_assert_msg(r.status == 1, "status %d\n%s\n%s", r.status, r.out, r.err);
	pc_expect_line(&r, "smpvmx cpus=2 vmx=1 aps_ready=1\n"
		       "smpvmx hlt_timer cpu=0 result=0 exit=52 activity=1 rip_after_hlt=1 slept_long_enough=1\n"
		       "smpvmx done");
	fw_result_free(&r);
}
END_TEST

/* -smp 2, 4, 8 on QEMU (TCG) and vmxbox-qemu: the same "smp" lines. */
START_TEST(same_smp_lines_as_qemu)
{
	const char *argv[24];
	char smp[8], want[32];
	const char *marks[] = { want, "smp ap cpu=1 ", NULL };
	struct fw_result q, v;

	snprintf(smp, sizeof(smp), "%u", cpu_counts[_i]);
	snprintf(want, sizeof(want), "smp madt cpus=%u ", cpu_counts[_i]);
	qemu_cmdline(getenv("QEMU"), smp, "smp", argv);
	pc_run_argv_for(argv, &q, 150);
	qemu_cmdline(getenv("VMXBOX_QEMU"), smp, "smp", argv);
	pc_run_argv_for(argv, &v, 150);
	pc_same_as_qemu(&q, &v, smp_lines, marks);
	fw_result_free(&q);
	fw_result_free(&v);
}
END_TEST

int main(int argc, char **argv)
{
	Suite *s = suite_create("pc_smp");
	TCase *tc = tcase_create("smp");

	tcase_set_timeout(tc, 600);
	if (pc_qemu_mode(argc, argv)) {
		tcase_add_loop_test(tc, same_smp_lines_as_qemu, 0,
				    sizeof(cpu_counts) / sizeof(cpu_counts[0]));
	} else {
		tcase_add_loop_test(tc, smp_vmx_transcript, 0,
				    sizeof(cpu_counts) / sizeof(cpu_counts[0]));
		tcase_add_test(tc, smp4_deterministic_and_restores);
		tcase_add_test(tc, vmx_through_vmxbox_qemu);
	}
	suite_add_tcase(s, tc);
	return pc_run_suite(s);
}
