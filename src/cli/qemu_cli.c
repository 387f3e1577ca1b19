// SPDX-License-Identifier: MIT
/*
 * vmxbox-qemu: accepts the QEMU options that test runners use, maps each
 * one onto struct machine_config (the table below is docs/qemu-compat.md's),
 * runs the machine and exits as QEMU would: isa-debug-exit (v << 1) | 1,
 * 0 on a clean end, 1 on any error.
 */
#include "cli/qemu_cli.h"
#include "cli/cli.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "loader/image.h"
#include "devices/mc146818.h"
#include "machine/machine.h"
#include "machine/pc_platform.h"
#include "cli/vmxbox_config.h"
#include "core/cpu_model.h"
#include "gdb/gdb_server.h"

#define PROG "vmxbox-qemu"
#define QEMU_DEFAULT_MEM (128ull << 20)
/* QEMU's isa-debug-exit defaults (hw/misc/debugexit.c). */
#define ISA_DEBUG_EXIT_IOBASE 0x501
#define ISA_DEBUG_EXIT_IOSIZE 2

struct qemu_opts {
	struct machine_config cfg;
	unsigned serials;            /* -serial options so far: COM1, COM2, ... */
	const char *modules[IMAGE_MAX_MODULES];
	char *initrd_buf;
	char *cpu_buf;
	char gdb_buf[300];
};

static int qerr(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int qerr(const char *fmt, ...)
{
	va_list ap;

	fputs(PROG ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

static void print_version(void)
{
	printf("QEMU emulator version %s (vmxbox %s)\n"
	       "vmxbox-qemu maps QEMU command lines onto vmxbox (docs/qemu-compat.md)\n",
	       QEMU_COMPAT_VERSION, VMXBOX_VERSION);
}

static void print_help(void)
{
	print_version();
	puts("usage: vmxbox-qemu [options]\n"
	     "\n"
	     "-kernel FILE      multiboot kernel, Linux bzImage or vmlinux (PVH), vmxbox ELF64\n"
	     "-append STR       kernel command line\n"
	     "-initrd FILE      Linux initrd, or multiboot modules \"FILE ARGS,FILE ARGS\"\n"
	     "-m SIZE           guest RAM (M/G suffixes; default 128M)\n"
	     "-smp [cpus=]N     N vCPUs, 1-16 (default 1; docs/smp.md)\n"
	     "-cpu MODEL[,+feat|-feat,...]  max, host, qemu64/base (others: max);\n"
	     "                  features as in /proc/cpuinfo; VMX on unless -vmx\n"
	     "-machine [type=]pc[,accel=kvm|tcg]  -accel kvm|tcg  -enable-kvm\n"
	     "-device isa-debug-exit[,iobase=N,iosize=N]   -device help\n"
	     "-device pc-testdev   -device pci-testdev\n"
	     "-serial stdio|null|none|file:PATH   COM1; again: COM2, COM3, COM4\n"
	     "-nographic -display none -vnc none\n"
	     "-nodefaults -no-reboot -global ... -name ... -chardev stdio,... -mon ...\n"
	     "-gdb tcp::PORT|tcp:HOST:PORT|unix:PATH   GDB stub (docs/gdb.md)\n"
	     "-s                -gdb tcp::1234\n"
	     "-S                start paused (gdb's continue starts it)\n"
	     "-h, -help         this help;  -version   the version\n"
	     "\n"
	     "Exit status: (v << 1) | 1 when the guest writes v to isa-debug-exit,\n"
	     "0 when the guest ends cleanly, 1 on errors.");
}

/* -device help: QEMU's format, so runners that grep it find the names. */
static const struct qemu_device {
	const char *name, *bus, *desc;
} qemu_devices[] = {
	{ "isa-debug-exit", "ISA", "write v to iobase: exit (v << 1) | 1" },
	{ "pc-testdev", "ISA", NULL },
	{ "pci-testdev", "PCI", "PCI Test Device" },
};

static void print_devices(void)
{
	puts("Misc devices:");
	for (size_t i = 0; i < sizeof(qemu_devices) / sizeof(qemu_devices[0]); i++) {
		printf("name \"%s\", bus %s", qemu_devices[i].name,
		       qemu_devices[i].bus);
		if (qemu_devices[i].desc)
			printf(", desc \"%s\"", qemu_devices[i].desc);
		putchar('\n');
	}
}

/* "key=value" inside a comma list: the value, or NULL. */
static const char *opt_value(const char *list, const char *key, char *buf,
			     size_t len)
{
	size_t k = strlen(key);

	for (const char *p = list; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL) {
		if (!strncmp(p, key, k) && p[k] == '=') {
			size_t n = strcspn(p + k + 1, ",");

			if (n >= len)
				n = len - 1;
			memcpy(buf, p + k + 1, n);
			buf[n] = '\0';
			return buf;
		}
	}
	return NULL;
}

static bool parse_num(const char *s, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(s, &end, 0);
	return !errno && end != s && !*end;
}

/* -m 128 (MiB), 128M, 1G, size=128M[,slots=...,maxmem=...] */
static int opt_mem(struct qemu_opts *o, const char *arg)
{
	char buf[64], sz[64];
	const char *v = opt_value(arg, "size", buf, sizeof(buf));
	uint64_t bytes;

	if (!v) {
		snprintf(sz, sizeof(sz), "%.*s", (int)strcspn(arg, ","), arg);
		v = sz;
	}
	if (!parse_size(v, &bytes))
		return qerr("-m %s: invalid RAM size", arg);
	if (!strpbrk(v, "kKmMgGtT"))
		bytes <<= 20;          /* QEMU: a bare number is MiB */
	if (bytes < GUEST_MEM_MIN || bytes > GUEST_MEM_MAX ||
	    (bytes & (GUEST_PAGE_SIZE - 1)))
		return qerr("-m %s: RAM size must be 2M to 64G, a multiple of 4K", arg);
	o->cfg.mem_size = bytes;
	return 0;
}

static int opt_smp(struct qemu_opts *o, const char *arg)
{
	char buf[32], first[32];
	const char *v = opt_value(arg, "cpus", buf, sizeof(buf));
	unsigned long n;

	snprintf(first, sizeof(first), "%.*s", (int)strcspn(arg, ","), arg);
	if (!v && !strchr(first, '='))
		v = first;
	if (v && (!parse_num(v, &n) || n < 1 || n > MACHINE_MAX_CPUS))
		return qerr("-smp %s: vmxbox runs 1 to %u vCPUs", arg,
			    MACHINE_MAX_CPUS);
	if (v)
		o->cfg.smp = (unsigned)n;
	return 0;
}

static void qwarn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void qwarn(const char *fmt, ...)
{
	va_list ap;

	fputs(PROG ": warning: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Does "spec,item" parse?  err gets the reason when not. */
static bool cpu_item_ok(const char *spec, const char *item, size_t n,
			char *err, size_t errlen)
{
	char buf[512];
	struct cpu_model m;

	snprintf(buf, sizeof(buf), "%s,%.*s", spec, (int)n, item);
	return !cpu_model_parse(&m, buf, err, errlen);
}

/*
 * -cpu MODEL[,+feat,-feat,feat=on|off...] through cpu_model_parse()
 * (docs/cpu-model.md).  QEMU's named models that vmxbox does not have
 * (Skylake-Server, kvm64, ...) become max, and features vmxbox does not
 * implement are dropped, each with a warning, as QEMU's TCG drops what it
 * cannot do; an unknown feature name is an error, as in QEMU.
 */
/* -cpu help: QEMU's layout (models, then the flags it recognises). */
static void print_cpus(void)
{
	unsigned col = 0;

	puts("Available CPUs:\n"
	     "x86 base                  a plain x86-64 CPU with VMX (alias qemu64)\n"
	     "x86 host                  the same as max\n"
	     "x86 max                   every feature vmxbox implements (the default)\n"
	     "\nRecognized CPUID flags:");
	for (size_t i = 0; i < cpu_feature_count; i++) {
		const struct cpu_feature_info *r = &cpu_feature_table[i];

		if (!r->implemented)
			continue;
		col += (unsigned)printf("%s%s", col ? " " : "  ", r->name);
		if (col > 70) {
			putchar('\n');
			col = 0;
		}
	}
	if (col)
		putchar('\n');
}

static int opt_cpu(struct qemu_opts *o, const char *arg)
{
	size_t n = strcspn(arg, ","), len = strlen(arg) + 8;
	char *spec = malloc(len), err[200];
	const char *p = arg;
	struct cpu_model m;

	if (!strcmp(arg, "help") || !strcmp(arg, "?")) {
		free(spec);
		print_cpus();
		exit(0);
	}
	if (!spec || len > 400)
		return free(spec), qerr("-cpu %s: specification too long", arg);
	free(o->cpu_buf);
	o->cpu_buf = spec;
	strcpy(spec, "max");
	if (n && !strchr("+-", *arg) && !memchr(arg, '=', n)) {
		snprintf(spec, len, "%.*s", (int)n, arg);
		if (cpu_model_parse(&m, spec, err, sizeof(err))) {
			qwarn("-cpu %.*s: vmxbox has no such model, using max", (int)n, arg);
			strcpy(spec, "max");
		}
		p += n + (arg[n] == ',');
	}
	while (*p) {
		n = strcspn(p, ",");
		if (cpu_item_ok(spec, p, n, err, sizeof(err))) {
			snprintf(spec + strlen(spec), len - strlen(spec), ",%.*s",
				 (int)n, p);
		} else if (strstr(err, "not implemented")) {
			qwarn("-cpu %s: %s (ignored)", arg, err);
		} else {
			char *h = strstr(err, "--cpu=help");

			if (h)           /* this program's spelling */
				memcpy(h, "-cpu help)", 11);
			return qerr("-cpu %s: %s", arg, err);
		}
		p += n + (p[n] == ',');
	}
	o->cfg.cpu = spec;
	return 0;
}

/* accel=kvm -> the fastest engine vmxbox has; tcg -> the interpreter. */
static int set_accel(struct qemu_opts *o, const char *accel, const char *opt)
{
	if (!strncmp(accel, "kvm", 3) || !strncmp(accel, "hvf", 3))
		o->cfg.engine = "auto";
	else if (!strncmp(accel, "tcg", 3))
		o->cfg.engine = "interp";
	else
		return qerr("%s: unknown accelerator '%s'", opt, accel);
	return 0;
}

static int opt_machine(struct qemu_opts *o, const char *arg)
{
	char buf[64];
	size_t n = strcspn(arg, ",");
	const char *type = arg;

	if (!strncmp(arg, "type=", 5))
		type += 5, n -= 5;
	if (n && !memchr(type, '=', n) &&
	    !((n == 2 && !strncmp(type, "pc", 2)) || !strncmp(type, "pc-", 3) ||
	      (n == 3 && !strncmp(type, "q35", 3)) || !strncmp(type, "pc-q35", 6)))
		return qerr("-machine %s: vmxbox-qemu emulates a PC (pc or q35)", arg);
	if (opt_value(arg, "accel", buf, sizeof(buf)))
		return set_accel(o, buf, "-machine");
	return 0;
}

static int opt_device(struct qemu_opts *o, const char *arg)
{
	char buf[32];
	size_t n = strcspn(arg, ",");
	unsigned long base = ISA_DEBUG_EXIT_IOBASE, size = ISA_DEBUG_EXIT_IOSIZE;

	if (!strcmp(arg, "help") || !strcmp(arg, "?")) {
		print_devices();
		exit(0);
	}
	if (n == strlen("pc-testdev") && !strncmp(arg, "pc-testdev", n)) {
		o->cfg.pc_testdev = true;
		return 0;
	}
	if (n == strlen("pci-testdev") && !strncmp(arg, "pci-testdev", n)) {
		if (o->cfg.pci_testdevs == PC_MAX_PCI_TESTDEVS)
			return qerr("-device %s: at most %d pci-testdev devices", arg,
				    PC_MAX_PCI_TESTDEVS);
		o->cfg.pci_testdevs++;
		return 0;
	}
	if (n != strlen("isa-debug-exit") || strncmp(arg, "isa-debug-exit", n))
		return qerr("-device %s: device '%.*s' is not supported by vmxbox-qemu (see -device help)",
			    arg, (int)n, arg);
	if (opt_value(arg, "iobase", buf, sizeof(buf)) &&
	    (!parse_num(buf, &base) || base > 0xffff))
		return qerr("-device %s: bad iobase", arg);
	if (opt_value(arg, "iosize", buf, sizeof(buf)) &&
	    (!parse_num(buf, &size) || size == 0 || size > 8))
		return qerr("-device %s: bad iosize", arg);
	o->cfg.debug_exit_port = (int)base;
	o->cfg.debug_exit_len = (unsigned)size;
	o->cfg.debug_exit = DEBUG_EXIT_QEMU;
	return 0;
}

/* The n-th -serial is COMn (QEMU's serial_hd(n - 1)): COM1 always exists
 * (none only discards its output), COM2-COM4 exist unless none. */
static int opt_serial(struct qemu_opts *o, const char *arg)
{
	unsigned k = o->serials++;
	bool absent;
	int fd, ret;

	if (k >= 4)
		return qerr("-serial %s: vmxbox-qemu has 4 serial ports (COM1-COM4)", arg);
	ret = cli_serial_open(arg, false, &fd, &absent);
	if (ret < 0)
		return qerr("-serial %s: vmxbox-qemu supports stdio, null, none, file:PATH", arg);
	if (ret > 0)
		return qerr("-serial %s: %s", arg, strerror(ret));
	if (k == 0) {
		o->cfg.serial_fd = fd;
		return 0;
	}
	o->cfg.com_on[k - 1] = !absent;
	o->cfg.com_fd[k - 1] = fd;
	return 0;
}

/* "FILE ARGS,FILE ARGS": ",," is a literal comma (QEMU's rule). */
static int opt_initrd(struct qemu_opts *o, const char *arg)
{
	char *buf = malloc(strlen(arg) + 1), *w = buf, *start = buf;
	unsigned n = 0;

	if (!buf)
		return qerr("out of memory");
	free(o->initrd_buf);
	o->initrd_buf = buf;
	for (const char *p = arg;; p++) {
		if (*p == ',' && p[1] == ',') {
			*w++ = ',';
			p++;
			continue;
		}
		if (*p != ',' && *p) {
			*w++ = *p;
			continue;
		}
		*w++ = '\0';
		if (n == IMAGE_MAX_MODULES)
			return qerr("-initrd: more than %d modules", IMAGE_MAX_MODULES);
		if (n == 0)
			o->cfg.initrd = start;
		else
			o->modules[n - 1] = start;
		n++;
		start = w;
		if (!*p)
			break;
	}
	o->cfg.nr_modules = n - 1;
	o->cfg.modules = o->modules;
	return 0;
}

static int opt_kernel(struct qemu_opts *o, const char *a) { o->cfg.firmware = a; return 0; }
static int opt_append(struct qemu_opts *o, const char *a) { o->cfg.append = a; return 0; }
static int opt_ignore(struct qemu_opts *o, const char *a) { return 0; }
static int opt_accel(struct qemu_opts *o, const char *a) { return set_accel(o, a, "-accel"); }
static int opt_enable_kvm(struct qemu_opts *o, const char *a) { o->cfg.engine = "auto"; return 0; }

static int opt_display(struct qemu_opts *o, const char *a)
{
	if (strncmp(a, "none", 4))
		return qerr("-display %s: vmxbox-qemu has no display (use -display none)", a);
	return 0;
}

static int opt_vnc(struct qemu_opts *o, const char *a)
{
	if (strcmp(a, "none"))
		return qerr("-vnc %s: vmxbox-qemu has no display (use -vnc none)", a);
	return 0;
}

static int opt_chardev(struct qemu_opts *o, const char *a)
{
	if (strncmp(a, "stdio", 5) && strncmp(a, "null", 4))
		return qerr("-chardev %s: only stdio and null backends are supported", a);
	return 0;
}

static int opt_monitor(struct qemu_opts *o, const char *a)
{
	if (strcmp(a, "none") && strcmp(a, "stdio") && strncmp(a, "chardev:", 8))
		return qerr("-monitor %s: not supported (vmxbox run --monitor has vmxbox's own)", a);
	return 0;
}

/* -rtc base=utc|localtime|DATE[,clock=...][,driftfix=...]: the RTC's date
 * at reset (QEMU's default, base=utc, is the host's time). */
static int opt_rtc(struct qemu_opts *o, const char *arg)
{
	char buf[64];
	const char *base = opt_value(arg, "base", buf, sizeof(buf));
	time_t now = time(NULL);
	struct tm lt;

	if (!base)
		return 0;
	if (!strcmp(base, "utc")) {
		o->cfg.rtc_base = (int64_t)now;
	} else if (!strcmp(base, "localtime")) {
		localtime_r(&now, &lt);
		o->cfg.rtc_base = (int64_t)now + lt.tm_gmtoff;
	} else if (!rtc_parse_date(base, &o->cfg.rtc_base)) {
		return qerr("-rtc %s: invalid date format (YYYY-MM-DDTHH:MM:SS or YYYY-MM-DD)", arg);
	}
	return 0;
}

/* -gdb DEV: QEMU's chardev options after a comma (server, wait=off)
 * are what vmxbox does anyway. */
static int opt_gdb(struct qemu_opts *o, const char *a)
{
	char err[256];
	size_t n = strcspn(a, ",");

	if (n >= sizeof(o->gdb_buf))
		return qerr("-gdb %s: too long", a);
	memcpy(o->gdb_buf, a, n);
	o->gdb_buf[n] = 0;
	if (!gdb_spec_valid(o->gdb_buf, err, sizeof(err)))
		return qerr("-gdb %s: expected tcp::PORT, tcp:HOST:PORT or unix:PATH", a);
	o->cfg.gdb = o->gdb_buf;
	return 0;
}

static int opt_gdb_default(struct qemu_opts *o, const char *a)
{
	return opt_gdb(o, "tcp::1234");
}

static int opt_paused(struct qemu_opts *o, const char *a)
{
	o->cfg.paused = true;
	return 0;
}

static const struct qemu_option {
	const char *name;
	bool has_arg;
	int (*fn)(struct qemu_opts *o, const char *arg);
} qemu_options[] = {
	{ "kernel", true, opt_kernel },
	{ "append", true, opt_append },
	{ "initrd", true, opt_initrd },
	{ "m", true, opt_mem },
	{ "smp", true, opt_smp },
	{ "cpu", true, opt_cpu },
	{ "machine", true, opt_machine },
	{ "M", true, opt_machine },
	{ "accel", true, opt_accel },
	{ "enable-kvm", false, opt_enable_kvm },
	{ "device", true, opt_device },
	{ "serial", true, opt_serial },
	{ "display", true, opt_display },
	{ "vnc", true, opt_vnc },
	{ "nographic", false, opt_ignore },
	{ "nodefaults", false, opt_ignore },
	{ "no-reboot", false, opt_ignore },
	{ "no-shutdown", false, opt_ignore },
	{ "global", true, opt_ignore },
	{ "name", true, opt_ignore },
	{ "chardev", true, opt_chardev },
	{ "mon", true, opt_ignore },
	{ "monitor", true, opt_monitor },
	{ "rtc", true, opt_rtc },
	{ "boot", true, opt_ignore },
	{ "no-user-config", false, opt_ignore },
	{ "gdb", true, opt_gdb },
	{ "s", false, opt_gdb_default },
	{ "S", false, opt_paused },
};

static const struct qemu_option *find_option(const char *arg)
{
	if (arg[0] != '-')
		return NULL;
	arg += arg[1] == '-' ? 2 : 1;     /* QEMU takes -opt and --opt */
	for (size_t i = 0; i < sizeof(qemu_options) / sizeof(qemu_options[0]); i++)
		if (!strcmp(arg, qemu_options[i].name))
			return &qemu_options[i];
	return NULL;
}

/* Returns -1 to go on, else the exit status. */
static int parse_args(int argc, char **argv, struct qemu_opts *o)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const struct qemu_option *opt;
		int ret;

		if (!strcmp(a, "-h") || !strcmp(a, "-help") || !strcmp(a, "--help")) {
			print_help();
			return 0;
		}
		if (!strcmp(a, "-version") || !strcmp(a, "--version")) {
			print_version();
			return 0;
		}
		opt = find_option(a);
		if (!opt)
			return qerr("%s: invalid option", a);
		if (opt->has_arg && i + 1 == argc)
			return qerr("%s: requires an argument", a);
		ret = opt->fn(o, opt->has_arg ? argv[++i] : NULL);
		if (ret)
			return ret;
	}
	if (!o->cfg.firmware)
		return qerr("no -kernel given: vmxbox-qemu boots kernels only (no disks, no BIOS)");
	if (o->cfg.paused && !o->cfg.gdb)
		return qerr("-S needs -s or -gdb (nothing else could start the vCPU)");
	if (o->cfg.gdb && strcmp(o->cfg.engine, "interp"))
		return qerr("-gdb needs TCG (the interp engine): drop accel=kvm");
	return -1;
}

/* QEMU's convention: isa-debug-exit's value, 0 on a clean end, 1 else. */
static int qemu_status(struct machine *m, int status)
{
	int cause = atomic_load(&m->stop_cause);

	if (cause == STOP_DEBUG_EXIT)
		return status;
	/* QEMU: a guest power-off ends with 0, and so does a reset under
	 * -no-reboot (vmxbox-qemu never reboots). */
	if (cause == STOP_POWEROFF || cause == STOP_RESET)
		return 0;
	switch (status) {
	case VMXBOX_EXIT_OK:
	case VMXBOX_EXIT_SHUTDOWN:   /* triple fault: QEMU -no-reboot exits 0 */
	case VMXBOX_EXIT_SIGINT:
	case VMXBOX_EXIT_SIGTERM:    /* QEMU: "terminating on signal", 0 */
		return 0;
	default:
		return 1;
	}
}

int qemu_main(int argc, char **argv)
{
	struct qemu_opts o;
	struct machine *m;
	char err[700];
	int ret;

	memset(&o, 0, sizeof(o));
	machine_config_default(&o.cfg);
	o.cfg.mem_size = QEMU_DEFAULT_MEM;
	o.cfg.engine = "interp";      /* QEMU's default accelerator is TCG */
	o.cfg.debug_exit_port = -1;   /* QEMU has none unless -device asks */
	o.cfg.event_port = false;     /* vmxbox's own protocol: not QEMU's */
	o.cfg.rtc_base_set = true;    /* QEMU's -rtc base=utc */
	o.cfg.rtc_base = (int64_t)time(NULL);
	ret = parse_args(argc, argv, &o);
	if (ret < 0) {
		signal(SIGPIPE, SIG_IGN);
		ret = machine_create(&o.cfg, &m, err, sizeof(err));
		if (ret) {
			ret = qerr("%s", err);
		} else {
			ret = qemu_status(m, machine_run(m));
			machine_destroy(m);
		}
	}
	free(o.initrd_buf);
	free(o.cpu_buf);
	return ret;
}
