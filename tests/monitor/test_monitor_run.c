// SPDX-License-Identifier: MIT
/*
 * End to end: `vmxbox run --monitor=PATH --paused spin.elf` on the interp
 * engine, driven through the control socket.  spin.elf runs one L2 through
 * exactly 3000 CPUID exits, prints its own count, then spins in L1.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
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
#ifndef SPIN_ELF
#error SPIN_ELF must be defined
#endif

#define SPIN_EXITS 3000

struct child {
	pid_t pid;
	int out_fd;
	char out[65536];
	size_t out_len;
	char sock[108];
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void read_output(struct child *c)
{
	ssize_t r;

	while ((r = read(c->out_fd, c->out + c->out_len,
			 sizeof(c->out) - 1 - c->out_len)) > 0)
		c->out_len += r;
	c->out[c->out_len] = '\0';
}

/* The engine start() runs: interp, or kvm for the monitor_kvm test. */
static const char *engine_arg = "--engine=interp";

static void start(struct child *c, const char *extra)
{
	int p[2];

	memset(c, 0, sizeof(*c));
	snprintf(c->sock, sizeof(c->sock), "/tmp/vmxbox-mon-%d.sock", getpid());
	unlink(c->sock);
	ck_assert_int_eq(pipe(p), 0);
	c->pid = fork();
	ck_assert_int_ge(c->pid, 0);
	if (c->pid == 0) {
		char mon[140];

		snprintf(mon, sizeof(mon), "--monitor=%s", c->sock);
		dup2(p[1], 1);
		close(p[0]);
		execl(VMXBOX_BIN, "vmxbox", "run", engine_arg, mon,
		      "--timeout=120", extra, SPIN_ELF, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	c->out_fd = p[0];
	fcntl(c->out_fd, F_SETFL, O_NONBLOCK);
	for (double t0 = now(); access(c->sock, F_OK) != 0; usleep(10000))
		ck_assert_msg(now() - t0 < 10, "socket %s never appeared", c->sock);
}

static int finish(struct child *c)
{
	int st;

	for (double t0 = now(); waitpid(c->pid, &st, WNOHANG) == 0; usleep(10000)) {
		read_output(c);
		if (now() - t0 > 30) {
			kill(c->pid, SIGKILL);
			waitpid(c->pid, &st, 0);
			ck_abort_msg("vmxbox did not exit");
		}
	}
	read_output(c);
	close(c->out_fd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static cbor_item_t *request(int fd, const char *cmd, int argc, char **argv)
{
	char err[256];
	cbor_item_t *req = mon_client_build_request(cmd, argc, argv);

	ck_assert_int_eq(mon_client_send(fd, req), 0);
	cbor_decref(&req);
	for (;;) {
		cbor_item_t *r = mon_client_recv(fd, 20000, err, sizeof(err));
		ck_assert_msg(r != NULL, "%s: %s", cmd, err);
		if (!mon_map_get(r, "event"))
			return r;
		cbor_decref(&r);   /* a trace event in between */
	}
}

/* The "result" of an ok reply (the reply stays owned by the caller). */
static const cbor_item_t *ok_result(const cbor_item_t *reply, const char *cmd)
{
	char msg[256] = "";
	const cbor_item_t *ok = mon_map_get(reply, "ok");

	mon_item_str(mon_map_get(reply, "error"), msg, sizeof(msg));
	ck_assert_msg(ok && cbor_get_bool(ok), "%s failed: %s", cmd, msg);
	return mon_map_get(reply, "result");
}

static uint64_t get_u64(const cbor_item_t *map, const char *key)
{
	uint64_t v;

	ck_assert_msg(mon_item_u64(mon_map_get(map, key), &v), "no %s", key);
	return v;
}

static void get_str(const cbor_item_t *map, const char *key, char *buf, size_t len)
{
	ck_assert_msg(mon_item_str(mon_map_get(map, key), buf, len), "no %s", key);
}

static void wait_output(struct child *c, const char *needle)
{
	for (double t0 = now(); !strstr(c->out, needle); usleep(10000)) {
		read_output(c);
		ck_assert_msg(now() - t0 < 60, "no '%s' in output:\n%s", needle, c->out);
	}
}

START_TEST(paused_start_step_trace_vms_quit)
{
	struct child c;
	char s[64];
	int fd;

	start(&c, "--paused");
	char err[256];
	fd = mon_client_connect(c.sock, err, sizeof(err));
	ck_assert_msg(fd >= 0, "%s", err);

	/* Started paused: nothing has run. */
	cbor_item_t *r = request(fd, "status", 0, NULL);
	const cbor_item_t *st = ok_result(r, "status");
	get_str(st, "state", s, sizeof(s));
	ck_assert_str_eq(s, "paused");
	get_str(st, "engine", s, sizeof(s));
	ck_assert_str_eq(s, "interp");
	ck_assert_uint_eq(get_u64(st, "insns"), 0);
	cbor_decref(&r);

	/* step N retires exactly N instructions. */
	char *n100[] = { "100" };
	r = request(fd, "step", 1, n100);
	ck_assert_uint_eq(get_u64(ok_result(r, "step"), "insns"), 100);
	cbor_decref(&r);
	r = request(fd, "status", 0, NULL);
	ck_assert_uint_eq(get_u64(ok_result(r, "status"), "insns"), 100);
	cbor_decref(&r);

	/* Registers and memory: the boot info magic at 0x8000. */
	r = request(fd, "regs", 0, NULL);
	ck_assert_uint_eq(get_u64(ok_result(r, "regs"), "insns"), 100);
	ck_assert_uint_ge(get_u64(ok_result(r, "regs"), "rip"), 0x100000);
	cbor_decref(&r);
	char *mem_args[] = { "0x8000", "8" };
	r = request(fd, "mem", 2, mem_args);
	const cbor_item_t *bytes = ok_result(r, "mem");
	ck_assert(cbor_isa_bytestring(bytes));
	ck_assert_uint_eq(cbor_bytestring_length(bytes), 8);
	ck_assert(!memcmp(cbor_bytestring_handle(bytes), "VMXBOOT1", 8));
	cbor_decref(&r);
	char *bad_mem[] = { "0xfffffffff000", "16" };
	r = request(fd, "mem", 2, bad_mem);
	ck_assert(!cbor_get_bool(mon_map_get(r, "ok")));
	cbor_decref(&r);

	/* Trace only CPUID exits, then let it run. */
	char *trace_args[] = { "on", "CPUID" };
	r = request(fd, "trace", 2, trace_args);
	ok_result(r, "trace");
	cbor_decref(&r);
	r = request(fd, "resume", 0, NULL);
	ok_result(r, "resume");
	cbor_decref(&r);
	unsigned cpuid_events = 0;
	while (cpuid_events < 5) {
		cbor_item_t *ev = mon_client_recv(fd, 20000, err, sizeof(err));
		ck_assert_msg(ev != NULL, "trace: %s", err);
		get_str(ev, "event", s, sizeof(s));
		ck_assert_str_eq(s, "vmexit");
		ck_assert_uint_eq(get_u64(ev, "reason"), 10);
		get_str(ev, "name", s, sizeof(s));
		ck_assert_str_eq(s, "CPUID");
		cpuid_events++;
		cbor_decref(&ev);
	}
	char *trace_off[] = { "off" };
	r = request(fd, "trace", 1, trace_off);
	ok_result(r, "trace off");
	cbor_decref(&r);

	/* After the firmware's own report, the monitor's count must agree. */
	wait_output(&c, "spin: done, 3000 CPUID exits");
	r = request(fd, "vms", 0, NULL);
	const cbor_item_t *vms = ok_result(r, "vms");
	ck_assert(cbor_isa_array(vms));
	ck_assert_uint_eq(cbor_array_size(vms), 1);
	const cbor_item_t *vm = cbor_array_handle(vms)[0];
	ck_assert(cbor_get_bool(mon_map_get(vm, "launched")));
	ck_assert(cbor_get_bool(mon_map_get(vm, "current")));
	ck_assert_uint_eq(get_u64(mon_map_get(vm, "exits"), "CPUID"), SPIN_EXITS);
	ck_assert_uint_eq(get_u64(vm, "entries"), SPIN_EXITS);
	ck_assert_uint_gt(get_u64(vm, "l2_insns"), SPIN_EXITS);
	char expect[64];
	snprintf(expect, sizeof(expect), "spin: vmcs 0x%llx",
		 (unsigned long long)get_u64(vm, "addr"));
	ck_assert_msg(strstr(c.out, expect), "%s not in output", expect);
	cbor_decref(&r);

	/* VMX state and the current VMCS decoded. */
	r = request(fd, "status", 0, NULL);
	st = ok_result(r, "status");
	get_str(st, "state", s, sizeof(s));
	ck_assert_str_eq(s, "running");
	const cbor_item_t *cpu0 = cbor_array_handle(mon_map_get(st, "vcpus"))[0];
	get_str(cpu0, "vmx", s, sizeof(s));
	ck_assert_str_eq(s, "root");
	cbor_decref(&r);
	r = request(fd, "vmcs", 0, NULL);
	ck_assert_uint_eq(get_u64(ok_result(r, "vmcs"), "VM_EXIT_REASON"), 10);
	cbor_decref(&r);

	/* Pause really stops the instruction counter. */
	r = request(fd, "pause", 0, NULL);
	ok_result(r, "pause");
	cbor_decref(&r);
	r = request(fd, "status", 0, NULL);
	uint64_t i1 = get_u64(ok_result(r, "status"), "insns");
	cbor_decref(&r);
	usleep(50000);
	r = request(fd, "status", 0, NULL);
	ck_assert_uint_eq(get_u64(ok_result(r, "status"), "insns"), i1);
	cbor_decref(&r);

	r = request(fd, "quit", 0, NULL);
	ok_result(r, "quit");
	cbor_decref(&r);
	close(fd);
	ck_assert_int_eq(finish(&c), 0);
	ck_assert_int_eq(access(c.sock, F_OK), -1);
}
END_TEST


/* Run `vmxbox ctl SOCK ARGS...`; its stdout into out, returns the status. */
static int run_ctl(const char *sock, char *out, size_t len, const char *a1,
		   const char *a2, const char *a3)
{
	char cmd[512];
	FILE *p;
	size_t n;
	int st;

	snprintf(cmd, sizeof(cmd), "%s ctl %s %s %s %s 2>&1", VMXBOX_BIN, sock,
		 a1, a2 ? a2 : "", a3 ? a3 : "");
	p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	n = fread(out, 1, len - 1, p);
	out[n] = '\0';
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/*
 * The ctl client's human output: counts in decimal, addresses in hex,
 * options accepted after the command, the VMCS grouped and decoded.
 */
START_TEST(ctl_client_output)
{
	struct child c;
	static char out[65536];

	start(&c, "--timeout=100");
	wait_output(&c, "spin: done, 3000 CPUID exits");
	ck_assert_int_eq(run_ctl(c.sock, out, sizeof(out), "pause", NULL, NULL), 0);
	ck_assert_int_eq(run_ctl(c.sock, out, sizeof(out), "vms", NULL, NULL), 0);
	ck_assert_msg(strstr(out, "entries: 3000\n"), "%.2000s", out);
	ck_assert_msg(strstr(out, "CPUID: 3000\n"), "%.2000s", out);
	ck_assert_msg(strstr(out, "addr: 0x"), "%.2000s", out);
	/* An option after the command is honoured, not ignored. */
	ck_assert_int_eq(run_ctl(c.sock, out, sizeof(out), "status", "--json", NULL), 0);
	ck_assert_msg(out[0] == '{' && strstr(out, "\"state\":\"paused\""), "%.2000s", out);
	ck_assert_int_eq(run_ctl(c.sock, out, sizeof(out), "status", "--bogus", NULL), 2);
	ck_assert_int_eq(run_ctl(c.sock, out, sizeof(out), "vmcs", NULL, NULL), 0);
	ck_assert_msg(strstr(out, "VM-exit information fields (read-only):\n"), "%.2000s", out);
	ck_assert_msg(strstr(out, "\n  VM_EXIT_REASON                     4402 000000000000000a  CPUID\n"),
		      "%.2000s", out);
	ck_assert_msg(strstr(out, "[28:use MSR bitmaps]") || strstr(out, "[7:HLT exiting]") ||
		      strstr(out, "[1:default1]"), "%.2000s", out);
	ck_assert_int_eq(run_ctl(c.sock, out, sizeof(out), "quit", NULL, NULL), 0);
	ck_assert_int_eq(finish(&c), 0);
}
END_TEST

START_TEST(bad_requests_and_second_client)
{
	struct child c;
	char err[256];
	int a, b;

	start(&c, "--paused");
	a = mon_client_connect(c.sock, err, sizeof(err));
	b = mon_client_connect(c.sock, err, sizeof(err));
	ck_assert(a >= 0 && b >= 0);
	const uint8_t garbage[] = { 0, 0, 0, 2, 0xff, 0x00 };
	ck_assert_int_eq(mon_client_send_raw(a, garbage, sizeof(garbage)), 0);
	cbor_item_t *r = mon_client_recv(a, 5000, err, sizeof(err));
	ck_assert_msg(r, "%s", err);
	ck_assert(!cbor_get_bool(mon_map_get(r, "ok")));
	cbor_decref(&r);
	r = request(a, "frobnicate", 0, NULL);
	ck_assert(!cbor_get_bool(mon_map_get(r, "ok")));
	cbor_decref(&r);
	char *bad_step[] = { "lots" };
	r = request(a, "step", 1, bad_step);
	ck_assert(!cbor_get_bool(mon_map_get(r, "ok")));
	cbor_decref(&r);
	/* The second client is served while the first misbehaves. */
	r = request(b, "status", 0, NULL);
	ok_result(r, "status from b");
	cbor_decref(&r);
	/* The first one still works too. */
	r = request(a, "status", 0, NULL);
	ok_result(r, "status from a");
	cbor_decref(&r);
	close(b);
	/* SIGTERM while paused: clean stop, status 143, socket removed. */
	kill(c.pid, SIGTERM);
	close(a);
	ck_assert_int_eq(finish(&c), 143);
	ck_assert_int_eq(access(c.sock, F_OK), -1);
}
END_TEST

/* A command that must succeed; its reply is dropped. */
static void ok_request(int fd, const char *cmd, int argc, char **argv)
{
	cbor_item_t *r = request(fd, cmd, argc, argv);

	ok_result(r, cmd);
	cbor_decref(&r);
}

/* Step a paused run until the vCPU is in VMX operation (spin.elf's VMXON
 * comes early; its 3000 CPUID exits take far more than one step). */
static void step_into_vmx(int fd)
{
	char s[32] = "off";
	char *n[] = { "20000" };

	for (int i = 0; i < 200 && !strcmp(s, "off"); i++) {
		cbor_item_t *r;

		ok_request(fd, "step", 1, n);
		r = request(fd, "status", 0, NULL);
		const cbor_item_t *st = ok_result(r, "status");
		const cbor_item_t *cpu0 = cbor_array_handle(mon_map_get(st, "vcpus"))[0];
		get_str(cpu0, "vmx", s, sizeof(s));
		cbor_decref(&r);
	}
	ck_assert_str_ne(s, "off");
}

/* Start spin.elf paused, connect, step it into VMX operation. */
static int start_in_vmx(struct child *c)
{
	char err[256];
	int fd;

	start(c, "--paused");
	fd = mon_client_connect(c->sock, err, sizeof(err));
	ck_assert_msg(fd >= 0, "%s", err);
	step_into_vmx(fd);
	return fd;
}

/* `init` from the monitor: spin.elf's next VM exit is an INIT (reason 3),
 * which it reports as unexpected and exits with status 2. */
START_TEST(init_command_causes_init_exit)
{
	struct child c;
	int fd = start_in_vmx(&c);
	char *bad[] = { "5" };
	cbor_item_t *r = request(fd, "irq", 1, bad);

	ck_assert(!cbor_get_bool(mon_map_get(r, "ok")));
	cbor_decref(&r);
	ok_request(fd, "init", 0, NULL);
	ok_request(fd, "resume", 0, NULL);
	wait_output(&c, "spin: unexpected exit 0x3 ");
	close(fd);
	ck_assert_int_eq(finish(&c), 2);
}
END_TEST

/* `nmi`: spin.elf has no NMI handler (and no NMI exiting): the firmware's
 * fatal trap path names it.  `irq` is accepted (and stays pending: the
 * firmware never sets RFLAGS.IF). */
START_TEST(nmi_command_reaches_the_guest_idt)
{
	struct child c;
	int fd = start_in_vmx(&c);
	char *vec[] = { "0x40" };

	ok_request(fd, "nmi", 0, NULL);
	ok_request(fd, "irq", 1, vec);
	ok_request(fd, "resume", 0, NULL);
	wait_output(&c, "unexpected exception #NMI (vector 2)");
	close(fd);
	ck_assert_int_ne(finish(&c), 0);
}
END_TEST

/*
 * --pause-on=vmexit:CPUID:7 parks the vCPU right after spin's 7th CPUID
 * exit: the monitor finds it paused there, in VMX root operation with
 * the exit's VMCS current, and `vms` counts exactly 7 entries and exits;
 * resume lets it go on to spin's own count.
 */
START_TEST(pause_on_vmexit)
{
	struct child c;
	char err[256], s[64];
	cbor_item_t *r;
	const cbor_item_t *st, *vm;
	int fd;

	start(&c, "--pause-on=vmexit:CPUID:7");
	fd = mon_client_connect(c.sock, err, sizeof(err));
	ck_assert_msg(fd >= 0, "%s", err);
	for (double t0 = now();; usleep(10000)) {
		r = request(fd, "status", 0, NULL);
		get_str(ok_result(r, "status"), "state", s, sizeof(s));
		if (!strcmp(s, "paused"))
			break;
		cbor_decref(&r);
		ck_assert_msg(now() - t0 < 60, "never paused (state %s)", s);
	}
	st = ok_result(r, "status");
	ck_assert_uint_eq(get_u64(st, "vm_exits"), 7);
	get_str(cbor_array_handle(mon_map_get(st, "vcpus"))[0], "vmx", s, sizeof(s));
	ck_assert_str_eq(s, "root");
	cbor_decref(&r);
	r = request(fd, "vms", 0, NULL);
	vm = cbor_array_handle(ok_result(r, "vms"))[0];
	ck_assert(cbor_get_bool(mon_map_get(vm, "current")));
	ck_assert_uint_eq(get_u64(mon_map_get(vm, "exits"), "CPUID"), 7);
	ck_assert_uint_eq(get_u64(vm, "entries"), 7);
	cbor_decref(&r);
	/* Parked: the count stands still until resume. */
	usleep(50000);
	r = request(fd, "status", 0, NULL);
	ck_assert_uint_eq(get_u64(ok_result(r, "status"), "vm_exits"), 7);
	cbor_decref(&r);
	ok_request(fd, "resume", 0, NULL);
	wait_output(&c, "spin: done, 3000 CPUID exits");
	ok_request(fd, "quit", 0, NULL);
	close(fd);
	ck_assert_int_eq(finish(&c), 0);
}
END_TEST

/* --pause-on needs something that can resume the vCPU, and takes VMX
 * events only: usage errors (status 2). */
static int run_status(const char *a1, const char *a2)
{
	int st;
	pid_t pid = fork();

	if (pid == 0) {
		int devnull = open("/dev/null", O_WRONLY);

		dup2(devnull, 2);
		execl(VMXBOX_BIN, "vmxbox", "run", "--engine=interp", a1, a2,
		      SPIN_ELF, (char *)NULL);
		_exit(127);
	}
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

START_TEST(pause_on_usage_errors)
{
	char mon[140];

	snprintf(mon, sizeof(mon), "--monitor=/tmp/vmxbox-mon-usage-%d.sock", getpid());
	ck_assert_int_eq(run_status("--pause-on=vmexit:CPUID", "--timeout=5"), 2);
	ck_assert_int_eq(run_status("--pause-on=insns:100", mon), 2);
	ck_assert_int_eq(run_status("--pause-on=exit", mon), 2);
	ck_assert_int_eq(run_status("--pause-on=vmexit:NOSUCH", mon), 2);
	ck_assert_int_eq(run_status("--pause-on=vmexit:CPUID:0", mon), 2);
}
END_TEST

START_TEST(refuses_existing_file)
{
	char path[108];
	int st;

	snprintf(path, sizeof(path), "/tmp/vmxbox-mon-file-%d", getpid());
	int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);
	pid_t pid = fork();
	if (pid == 0) {
		char mon[140];

		snprintf(mon, sizeof(mon), "--monitor=%s", path);
		int devnull = open("/dev/null", O_WRONLY);
		dup2(devnull, 2);
		execl(VMXBOX_BIN, "vmxbox", "run", "--engine=interp", mon,
		      SPIN_ELF, (char *)NULL);
		_exit(127);
	}
	waitpid(pid, &st, 0);
	ck_assert(WIFEXITED(st));
	ck_assert_int_eq(WEXITSTATUS(st), 2);
	ck_assert_int_eq(access(path, F_OK), 0);   /* untouched */
	unlink(path);
}
END_TEST

/*
 * The monitor on the kvm engine: paused start, exact step (kvm
 * single-steps), regs and mem read from KVM, a snapshot of the KVM state,
 * resume through the hand-over to the interpreter at spin's VMX MSR read,
 * pause, quit.
 */
START_TEST(kvm_pause_step_regs_mem_snapshot)
{
	char s[64], err[256], snap[128];
	struct snapshot_machine *sm;
	struct child c;
	uint64_t pc, i1;
	cbor_item_t *r;
	int fd;

	snprintf(snap, sizeof(snap), "/tmp/vmxbox-mon-kvm-%d.snap", getpid());
	unlink(snap);
	start(&c, "--paused");
	fd = mon_client_connect(c.sock, err, sizeof(err));
	ck_assert_msg(fd >= 0, "%s", err);
	r = request(fd, "status", 0, NULL);
	get_str(ok_result(r, "status"), "engine", s, sizeof(s));
	ck_assert_str_eq(s, "kvm");
	ck_assert_uint_eq(get_u64(ok_result(r, "status"), "insns"), 0);
	cbor_decref(&r);

	char *n100[] = { "100" };
	r = request(fd, "step", 1, n100);
	ck_assert_uint_eq(get_u64(ok_result(r, "step"), "insns"), 100);
	cbor_decref(&r);
	r = request(fd, "regs", 0, NULL);
	ck_assert_uint_eq(get_u64(ok_result(r, "regs"), "insns"), 100);
	pc = get_u64(ok_result(r, "regs"), "rip");
	ck_assert_uint_ge(pc, 0x100000);
	cbor_decref(&r);
	char *mem_args[] = { "0x8000", "8" };
	r = request(fd, "mem", 2, mem_args);
	ck_assert(!memcmp(cbor_bytestring_handle(ok_result(r, "mem")),
			  "VMXBOOT1", 8));
	cbor_decref(&r);

	/* The snapshot holds the state KVM holds. */
	char *snap_args[] = { snap };
	r = request(fd, "snapshot", 1, snap_args);
	ok_result(r, "snapshot");
	cbor_decref(&r);
	sm = snapshot_read_file(snap, err, sizeof(err));
	ck_assert_msg(sm != NULL, "%s", err);
	ck_assert_uint_eq(sm->cpus[0].insn_count, 100);
	ck_assert_uint_eq(sm->cpus[0].rip, pc);
	ck_assert_str_eq(sm->config.engine, "kvm");
	snapshot_free(sm);
	unlink(snap);

	/* Resume: KVM runs until spin reads a VMX MSR, the interpreter on. */
	r = request(fd, "resume", 0, NULL);
	ok_result(r, "resume");
	cbor_decref(&r);
	wait_output(&c, "spin: done, 3000 CPUID exits");
	r = request(fd, "status", 0, NULL);
	get_str(cbor_array_handle(mon_map_get(ok_result(r, "status"), "vcpus"))[0],
		"vmx", s, sizeof(s));
	ck_assert_str_eq(s, "root");
	cbor_decref(&r);
	r = request(fd, "pause", 0, NULL);
	ok_result(r, "pause");
	cbor_decref(&r);
	r = request(fd, "status", 0, NULL);
	i1 = get_u64(ok_result(r, "status"), "insns");
	cbor_decref(&r);
	usleep(50000);
	r = request(fd, "status", 0, NULL);
	ck_assert_uint_eq(get_u64(ok_result(r, "status"), "insns"), i1);
	cbor_decref(&r);
	r = request(fd, "quit", 0, NULL);
	ok_result(r, "quit");
	cbor_decref(&r);
	close(fd);
	ck_assert_int_eq(finish(&c), 0);
}
END_TEST

/* MONITOR_ENGINE=kvm: only the kvm case; a skip (77) with the reason when
 * the KVM device ($VMXBOX_KVM_DEVICE, else /dev/kvm) is missing. */
static int kvm_only(void)
{
	const char *dev = getenv("VMXBOX_KVM_DEVICE");
	Suite *s = suite_create("monitor_kvm");
	TCase *tc = tcase_create("kvm");

	if (!dev || !*dev)
		dev = "/dev/kvm";
	if (access(dev, R_OK | W_OK) != 0) {
		printf("SKIP: no usable %s (%s): the kvm engine cannot run\n",
		       dev, strerror(errno));
		return 77;
	}
	engine_arg = "--engine=kvm";
	tcase_add_test(tc, kvm_pause_step_regs_mem_snapshot);
	tcase_set_timeout(tc, 240);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

int main(void)
{
	const char *eng = getenv("MONITOR_ENGINE");
	Suite *s = suite_create("monitor_run");
	TCase *tc = tcase_create("e2e");

	if (eng && !strcmp(eng, "kvm"))
		return kvm_only();
	tcase_add_test(tc, paused_start_step_trace_vms_quit);
	tcase_add_test(tc, bad_requests_and_second_client);
	tcase_add_test(tc, ctl_client_output);
	tcase_add_test(tc, init_command_causes_init_exit);
	tcase_add_test(tc, nmi_command_reaches_the_guest_idt);
	tcase_add_test(tc, refuses_existing_file);
	tcase_add_test(tc, pause_on_vmexit);
	tcase_add_test(tc, pause_on_usage_errors);
	tcase_set_timeout(tc, 240);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
