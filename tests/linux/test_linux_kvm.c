// SPDX-License-Identifier: MIT
/*
 * Linux's own KVM as vmxbox's L1 (issue 22): Debian's stock kernel boots
 * on the interpreter with the initramfs of tools/mk-linux-initramfs,
 * loads kvm_intel on vmxbox's emulated VMX, and kvm-hello runs a real-mode
 * L2 under it that prints "hello from L2" and halts.
 *
 *   test_linux_kvm MK_SCRIPT [sanitized|reduced|smp2]
 *
 * MK_SCRIPT (tools/mk-linux-initramfs) fetches the Debian packages into a
 * cache and prints the paths of the kernel (bzImage), the initramfs and
 * the uncompressed kernel (vmlinux, booted through PVH: the bzImage's xz
 * decompressor would cost ~1.5 G interpreted instructions more, and
 * tests/pc's pc_debian_kernel already boots the bzImage); the test skips,
 * with the reason, when it cannot.  "sanitized" (the ASan/UBSan build)
 * skips: the boot is billions of interpreted instructions, several times
 * slower under the sanitizers, and the normal build already runs it.
 *
 * The same boot snapshots the machine at L2's 5th port-I/O VM exit (L2
 * under Linux's KVM under vmxbox, in the middle of "hello from L2"); the
 * restored machine must finish exactly as the run did.  It also pauses at
 * L2's HLT exit (--pause-on) and asks the monitor (`vmxbox ctl SOCK vms`)
 * for the VMCSs Linux's KVM used: one, with KVM's VPID and EPTP and
 * exactly the exits kvm-hello counts.  Every boot runs with --vmx-check,
 * which must report nothing: Linux's KVM relies on nothing that hardware
 * does not promise (docs/vmx-check.md).  With "reduced"
 * the boot runs on a CPU without EPT, VPID, unrestricted guest and APICv,
 * so KVM takes its shadow-paging path (docs/linux.md).  With "smp2" the
 * machine has two vCPUs (docs/smp.md): Linux brings up the AP, keeps the
 * TSC as its clocksource (the TSCs stay synchronized) and KVM loads with
 * both CPUs' VMX.
 */
#include <check.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fw_run.h"

/* Normal console and panic options only (no patching of the kernel):
 * idle=halt makes the idle loop HLT, which the virtual clock skips to the
 * next timer deadline, instead of polling; docs/linux.md. */
#define CMDLINE "console=ttyS0 nokaslr panic=-1 idle=halt"
/* About 6.5 G instructions (docs/performance.md): a bound with room. */
#define MAX_INSNS "12000000000"
/* Wall time on a loaded 2-core build host. */
#define TIMEOUT_S 1700

static char vmlinuz[4096], initrd[4096], vmlinux[4096];

static const char *tail(const char *s)
{
	size_t n = strlen(s);

	return n > 2500 ? s + n - 2500 : s;
}

static void expect_in_order(const char *out, const char *err,
			    const char *const *parts)
{
	const char *at = out;

	for (; *parts; parts++) {
		const char *hit = strstr(at, *parts);

		ck_assert_msg(hit, "missing \"%s\"\nafter:\n%s\nstderr:\n%s",
			      *parts, tail(at), err);
		at = hit + strlen(*parts);
	}
}

static void expect_none(const char *out, const char *const *bad)
{
	for (; *bad; bad++) {
		const char *at = strstr(out, *bad);

		ck_assert_msg(!at, "%.1500s", at);
	}
}

/* What /init and kvm-hello print (tools/mk-linux-initramfs,
 * tests/linux/kvm-hello.c): one CPU with the vmx flag, the modules load,
 * /dev/kvm appears, L2's 14 OUTs and its HLT reach kvm-hello as KVM exits,
 * and the machine powers off through ACPI (status 0). */
#define CPUS_LINE 3   /* transcript[CPUS_LINE] names the CPU count */
static const char *const transcript[] = {
	"] Command line: " CMDLINE "\r\n",
	"] smpboot: CPU0: Intel vmxbox virtual x86-64 CPU",
	"init: Linux 6.",
	" up, 1 CPU(s), vmx flag: 1\r\n",
	"init: kvm_intel loaded\r\n",
	"init: /dev/kvm present\r\n",
	"kvm-hello: api 12, vcpu mmap ",
	"kvm-hello: L2 says: hello from L2\r\n",
	"kvm-hello: exits: io 14, hlt 1, other 0\r\n",
	"kvm-hello: ok\r\n",
	"init: done, status 0\r\n",
	NULL
};

/* No kernel warning or refused MSR, and KVM took vmxbox's VMX as it is
 * (no VMCS-configuration complaint, no missing capability bits). */
static const char *const bad[] = {
	"WARNING:", "BUG:", "unchecked MSR access", "[Firmware Bug]",
	"VMX not supported", "disabled by bios", "kvm: CPU", "Oops",
	"should not exist", "need to be called", "Marking TSC unstable",
	"TSC warp", NULL
};

/* The reduced VMX of the second test: KVM's shadow paging (no EPT), no
 * VPID, real mode through vm86 (no unrestricted guest), no APICv. */
#define REDUCED_CPU "max,-vmx-ept,-vmx-vpid,-vmx-apicv-vid,-vmx-apicv-register,-vmx-apicv-x2apic"
static const char *const reduced_off[] = {
	"ept", "vpid", "unrestricted_guest", "vid", "vapic_reg", "posted_intr",
	"ept_ad", "pml", NULL
};

/* What `vmxbox ctl SOCK vms` prints while the machine is parked at L2's
 * HLT exit: one VMCS, launched and current, with the VPID KVM allocates
 * first and an EPTP for write-back, 4-level, accessed/dirty-flag tables
 * (SDM 25.6.11: low bits 0x5e), 16 entries and as many exits: the 14 OUTs,
 * the HLT and one EPT violation (KVM maps L2's page at its first touch),
 * 61 instructions of L2 (the loop of kvm-hello.c).  The address of the
 * VMCS and of the EPT tables are KVM's allocations: only their form is
 * checked. */
static const char *const vms_expect[] = {
	"[0]\n  addr: 0x", "\n  launched: true\n  current: true\n  vpid: 1\n  eptp: 0x",
	"05e\n  entries: 16\n  exits:\n", "    HLT: 1\n", "    IO_INSTRUCTION: 14\n",
	"    EPT_VIOLATION: 1\n", "  l2_insns: 61\n  entry_failures: 0\n", NULL
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* `vmxbox ctl SOCK CMD`: its stdout (caller frees), NULL if it failed. */
static char *ctl(const char *sock, const char *cmd)
{
	const char *argv[] = { getenv("VMXBOX"), "ctl", sock, cmd, NULL };
	struct fw_result r;
	char *out;

	if (fw_run((char *const *)argv, 60, &r))
		return NULL;
	out = r.status == 0 ? strdup(r.out) : NULL;
	fw_result_free(&r);
	return out;
}

/* Run argv with stdout and stderr into files while the monitor at sock
 * waits for the pause of --pause-on; then check `ctl vms`, resume, and
 * collect the run's output into r as fw_run would. */
static void run_paused_vms(const char *const *argv, const char *sock,
			   struct fw_result *r)
{
	char out_path[] = "/tmp/vmxbox-linux-out-XXXXXX";
	char err_path[] = "/tmp/vmxbox-linux-err-XXXXXX";
	int out_fd = mkstemp(out_path), err_fd = mkstemp(err_path), st = 0;
	char *vms = NULL;
	double t0 = now();
	pid_t pid;

	ck_assert(out_fd >= 0 && err_fd >= 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		dup2(out_fd, 1);
		dup2(err_fd, 2);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(out_fd);
	close(err_fd);
	/* Booting takes minutes: ask every 2 s whether it has paused. */
	while (!vms && waitpid(pid, &st, WNOHANG) == 0 && now() - t0 < TIMEOUT_S) {
		char *status = ctl(sock, "status");

		if (status && strstr(status, "state: paused"))
			vms = ctl(sock, "vms");
		free(status);
		if (!vms)
			sleep(2);
	}
	if (vms) {
		char *ok = ctl(sock, "resume");

		ck_assert_msg(ok, "ctl resume failed");
		free(ok);
		waitpid(pid, &st, 0);
	} else if (waitpid(pid, &st, WNOHANG) == 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
	}
	memset(r, 0, sizeof(*r));
	r->out = fw_read_file(out_path, &r->out_len);
	r->err = fw_read_file(err_path, &r->err_len);
	unlink(out_path);
	unlink(err_path);
	ck_assert(r->out && r->err);
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	r->signal = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
	ck_assert_msg(vms, "the run never paused at L2's HLT exit (status %d):\n%s\n%s",
		      r->status, tail(r->out), r->err);
	printf("ctl vms at L2's HLT exit:\n%s", vms);
	expect_in_order(vms, r->err, vms_expect);
	ck_assert_msg(!strstr(vms, "[1]"), "more than one VMCS:\n%s", vms);
	free(vms);
}

static void check_boot(struct fw_result *r, unsigned cpus);

/* Boot vmlinux with the initramfs on cpus vCPUs, with --vmx-check; cpu
 * (--cpu=...), snap (a --snapshot=... taken at L2's 5th I/O exit) and
 * sock (a monitor that checks `ctl vms` at L2's HLT exit) may be NULL. */
static void boot(const char *cpu, const char *snap, const char *sock,
		 unsigned cpus, struct fw_result *r)
{
	char insns[64], append[256], snapopt[128], cpuopt[128], initrdopt[4200];
	char smpopt[32], monopt[160];
	const char *argv[20] = { getenv("VMXBOX"), "run", "--engine=interp",
				 "--mem=512M", append, initrdopt, insns,
				 "--vmx-check" };
	unsigned n = 8;

	snprintf(insns, sizeof(insns), "--max-insns=%s", MAX_INSNS);
	snprintf(append, sizeof(append), "--append=%s", CMDLINE);
	snprintf(initrdopt, sizeof(initrdopt), "--initrd=%s", initrd);
	if (cpu) {
		snprintf(cpuopt, sizeof(cpuopt), "--cpu=%s", cpu);
		argv[n++] = cpuopt;
	}
	if (cpus > 1) {
		snprintf(smpopt, sizeof(smpopt), "--smp=%u", cpus);
		argv[n++] = smpopt;
	}
	if (snap) {
		snprintf(snapopt, sizeof(snapopt), "--snapshot=%s", snap);
		argv[n++] = snapopt;
		argv[n++] = "--snapshot-on=vmexit:IO_INSTRUCTION:5";
	}
	if (sock) {
		snprintf(monopt, sizeof(monopt), "--monitor=%s", sock);
		argv[n++] = monopt;
		argv[n++] = "--pause-on=vmexit:HLT";
	}
	argv[n++] = vmlinux;
	if (sock)
		run_paused_vms(argv, sock, r);
	else
		ck_assert_int_eq(fw_run((char *const *)argv, TIMEOUT_S, r), 0);
	check_boot(r, cpus);
}

/* The same boot as a QEMU user starts it: vmxbox-qemu with QEMU's options
 * (no --vmx-check or instruction bound there: the timeout bounds it). */
static void boot_qemu(unsigned cpus, struct fw_result *r)
{
	char smp[16];
	const char *argv[] = { getenv("VMXBOX_QEMU"), "-nographic", "-m", "512M",
			       "-smp", smp, "-kernel", vmlinux, "-initrd", initrd,
			       "-append", CMDLINE, NULL };

	snprintf(smp, sizeof(smp), "%u", cpus);
	ck_assert_int_eq(fw_run((char *const *)argv, TIMEOUT_S, r), 0);
	check_boot(r, cpus);
}

/* A boot ended cleanly (status 0: /init powered off) with kvm-hello's
 * whole transcript on cpus CPUs and none of the bad lines. */
static void check_boot(struct fw_result *r, unsigned cpus)
{
	const char *expect[sizeof(transcript) / sizeof(transcript[0])];
	char cpus_line[64];

	ck_assert_msg(!r->timed_out, "timed out:\n%s\n%s", tail(r->out), r->err);
	ck_assert_msg(r->status == 0, "status %d\nstdout:\n%s\nstderr:\n%s",
		      r->status, tail(r->out), r->err);
	/* --vmx-check found nothing to report. */
	ck_assert_msg(!strstr(r->err, "vmx-check"), "vmx-check reports:\n%s", r->err);
	memcpy(expect, transcript, sizeof(expect));
	snprintf(cpus_line, sizeof(cpus_line), " up, %u CPU(s), vmx flag: %u\r\n",
		 cpus, cpus);
	expect[CPUS_LINE] = cpus_line;
	expect_in_order(r->out, r->err, expect);
	expect_none(r->out, bad);
}

/* Whether the "vmx flags" line /init printed has the flag word. */
static bool has_vmx_flag(const char *out, const char *flag)
{
	const char *line = strstr(out, "init: vmx flags :");
	size_t len, n = strlen(flag);

	ck_assert_msg(line, "no vmx flags line:\n%s", tail(out));
	len = strcspn(line, "\r\n");
	for (const char *p = line; (p = strstr(p, flag)) && p < line + len; p++)
		if (p[-1] == ' ' && (p[n] == ' ' || p[n] == '\r' || p[n] == '\n'))
			return true;
	return false;
}

START_TEST(linux_kvm_hello)
{
	char snap[] = "/tmp/vmxbox-linux-snap-XXXXXX", sock[64];
	const char *vmxbox = getenv("VMXBOX");
	struct fw_result r, s;
	size_t n, m;
	int fd;

	fd = mkstemp(snap);
	ck_assert_int_ge(fd, 0);
	close(fd);
	snprintf(sock, sizeof(sock), "/tmp/vmxbox-linux-%d.sock", (int)getpid());
	unlink(sock);
	boot(NULL, snap, sock, 1, &r);
	/* KVM saw vmxbox's whole VMX. */
	for (const char *const *f = reduced_off; *f; f++)
		ck_assert_msg(has_vmx_flag(r.out, *f), "no %s in the vmx flags", *f);

	/* The snapshot was taken inside kvm-hello's L2: the restored machine
	 * prints the rest of the run's output, byte for byte, and ends the
	 * same way. */
	{
		const char *argv[] = { vmxbox, "restore", "--engine=interp", snap, NULL };

		ck_assert_int_eq(fw_run((char *const *)argv, TIMEOUT_S, &s), 0);
	}
	unlink(snap);
	ck_assert_msg(s.status == 0, "restore status %d\nstdout:\n%s\nstderr:\n%s",
		      s.status, tail(s.out), s.err);
	n = strlen(r.out);
	m = strlen(s.out);
	ck_assert_msg(m > 0 && m < n && !strcmp(r.out + n - m, s.out),
		      "restored output is not the run's tail:\n%s", tail(s.out));
	ck_assert_msg(strstr(s.out, "kvm-hello: L2 says: hello from L2\r\n") &&
		      !strstr(s.out, "kvm-hello: api"),
		      "the snapshot is not inside L2's run:\n%s", tail(s.out));
	fw_result_free(&s);
	fw_result_free(&r);
}
END_TEST

/* The same with the reduced VMX: KVM's fallback paths (shadow page
 * tables over L2's real-mode identity map, vm86 for real mode through the
 * TSS kvm-hello sets, no VPID: flushes at every entry) reach the same
 * end, and /init shows that KVM saw none of the features turned off. */
START_TEST(linux_kvm_hello_reduced)
{
	struct fw_result r;

	boot(REDUCED_CPU, NULL, NULL, 1, &r);
	for (const char *const *f = reduced_off; *f; f++)
		ck_assert_msg(!has_vmx_flag(r.out, *f), "%s in the vmx flags", *f);
	fw_result_free(&r);
}
END_TEST

/* Two vCPUs: the AP comes up, the TSC stays Linux's clocksource, KVM
 * finds VMX on both CPUs and kvm-hello's L2 runs on whichever CPU the
 * scheduler of L1 picks.  Started through vmxbox-qemu (issue 22: "and the
 * same through vmxbox-qemu"): -nographic -m 512M -smp 2 -kernel -initrd
 * -append, as for QEMU. */
START_TEST(linux_kvm_hello_smp2)
{
	struct fw_result r;

	boot_qemu(2, &r);
	ck_assert_msg(strstr(r.out, "smp: Brought up 1 node, 2 CPUs\r\n"),
		      "the AP did not come up:\n%s", tail(r.out));
	ck_assert_msg(strstr(r.out, "clocksource: Switched to clocksource tsc"),
		      "the TSC is not the clocksource:\n%s", tail(r.out));
	fw_result_free(&r);
}
END_TEST

/* The three lines MK_SCRIPT prints: bzImage, initramfs, vmlinux. */
static int fetch(const char *script)
{
	char cmd[4200];
	FILE *p;
	int ok;

	snprintf(cmd, sizeof(cmd), "'%s'", script);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	ok = fgets(vmlinuz, sizeof(vmlinuz), p) && fgets(initrd, sizeof(initrd), p) &&
	     fgets(vmlinux, sizeof(vmlinux), p);
	if (pclose(p) != 0 || !ok)
		return -1;
	vmlinuz[strcspn(vmlinuz, "\n")] = 0;
	initrd[strcspn(initrd, "\n")] = 0;
	vmlinux[strcspn(vmlinux, "\n")] = 0;
	return 0;
}

int main(int argc, char **argv)
{
	Suite *s = suite_create("linux_kvm");
	TCase *tc = tcase_create("boot");
	SRunner *sr;
	int failed;

	if (argc < 2) {
		fprintf(stderr, "usage: %s MK_SCRIPT [sanitized|reduced|smp2]\n", argv[0]);
		return 2;
	}
	if (argc > 2 && !strcmp(argv[2], "sanitized")) {
		printf("SKIP: sanitized build: the Linux boot is billions of interpreted instructions; the normal build runs it\n");
		return 77;
	}
	if (fetch(argv[1])) {
		printf("SKIP: the Debian kernel/initramfs could not be made (%s; needs apt-get download of linux-image-amd64 and busybox-static, cpio, gcc)\n",
		       argv[1]);
		return 77;
	}
	tcase_set_timeout(tc, 2 * TIMEOUT_S + 60);
	if (argc > 2 && !strcmp(argv[2], "reduced"))
		tcase_add_test(tc, linux_kvm_hello_reduced);
	else if (argc > 2 && !strcmp(argv[2], "smp2"))
		tcase_add_test(tc, linux_kvm_hello_smp2);
	else
		tcase_add_test(tc, linux_kvm_hello);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
