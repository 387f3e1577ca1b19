// SPDX-License-Identifier: MIT
/* vmxbox run: boot an ELF64 firmware image. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "devices/mc146818.h"
#include "loader/multiboot.h"
#include "machine/machine.h"
#include "machine/pc_platform.h"

static const char run_usage[] =
"Usage: vmxbox run [OPTIONS] [FIRMWARE]\n"
"\n"
"Boot a firmware image (docs/boot.md) and run it until it writes to the\n"
"debug-exit port, stops, or vmxbox stops it.  The image kind is picked by\n"
"its content: a multiboot kernel (ELF32/ELF64/a.out kludge), else an\n"
"ELF64 image for vmxbox's own boot protocol.  With no FIRMWARE, boots the\n"
"bundled demo firmware (demo.elf).\n"
"\n"
"Options:\n"
"  --engine=auto|interp|kvm  vCPU engine (default auto: fastest usable)\n"
"  --mem=SIZE                guest RAM, e.g. 64M, 1G (default 256M, min 2M)\n"
"  --max-insns=N             stop after N instructions (exit status 74)\n"
"  --debug-exit=plain|qemu   port 0xf4 write of v exits with v (plain,\n"
"                            default) or (v << 1) | 1 (qemu)\n"
"  --timeout=SECONDS         stop after SECONDS of wall time (exit status 75)\n"
"  --smp=N                   N vCPUs (1-16, default 1); the APs wait for\n"
"                            INIT-SIPI-SIPI from the BSP (docs/smp.md)\n"
"  --smp-quantum=N           instructions each vCPU runs per turn of the\n"
"                            deterministic scheduler (default 1000)\n"
"  --vmx=on|off              advertise VMX in CPUID to the guest (default on)\n"
"  --cpu=MODEL[,+FEAT|-FEAT...]  CPU model: max (default), base; features\n"
"                            as in /proc/cpuinfo, e.g. max,-sse4_2,-xsave\n"
"                            (--cpu=help lists them; docs/cpu-model.md)\n"
"  --append=STR              command line passed in the boot info\n"
"                            (vmxbox ELF64: 255 bytes; multiboot: 64 KiB)\n"
"  --initrd=FILE[ ARGS]      multiboot module 0 (its string: FILE ARGS)\n"
"  --module=FILE[ ARGS]      one more multiboot module (repeatable)\n"
"  --serial2=DEST, --serial3=DEST, --serial4=DEST\n"
"                            add COM2 (0x2f8, IRQ 3), COM3 (0x3e8, IRQ 4) or\n"
"                            COM4 (0x2e8, IRQ 3), its output to DEST: a file\n"
"                            PATH (or file:PATH), null, or - (stdout)\n"
"  --device=NAME             add a QEMU test device (repeatable): pc-testdev\n"
"                            (ports 0xe0-0xeb, IRQ ports 0x2000+n, iomem at\n"
"                            0xff000000) or pci-testdev (at most 4);\n"
"                            --device=help lists them (docs/platform.md)\n"
"  --monitor=PATH            serve the control socket at PATH (vmxbox ctl,\n"
"                            docs/monitor.md)\n"
"  --trace=vmx               print every VM entry/exit on stderr\n"
"  --trace-out=FILE          with --trace=vmx: write them to FILE instead, as\n"
"                            Chrome trace-event JSON (Perfetto UI,\n"
"                            chrome://tracing; docs/trace.md)\n"
"  --clock=virtual|host      guest time: deterministic (default; a halted\n"
"                            vCPU jumps to its next timer) or paced by the\n"
"                            host clock (docs/platform.md)\n"
"  --rtc-base=DATE|now       the RTC's date at reset: YYYY-MM-DD[THH:MM:SS]\n"
"                            UTC (default 2025-01-01), or the host's time\n"
"  --tlb=exact|flush-always  translation cache: tagged by VPID/PCID/EPTP and\n"
"                            invalidated as hardware does (default), or\n"
"                            dropped at every VM entry/exit and CR3 write\n"
"  --vmx-check[=fatal]       report where L1 relies on what hardware does not\n"
"                            promise (stale L2 translations, unsupported\n"
"                            fields, VMRESUME of a clear VMCS, a VMCS after\n"
"                            VMCLEAR or on two vCPUs, writes to the current\n"
"                            VMCS, undefined exit information;\n"
"                            docs/vmx-check.md)\n"
"                            on stderr; fatal: stop at the first (status 78)\n"
"  --no-vmx-watch            benchmark baseline: no VM entry/exit counters,\n"
"                            traces or vmexit snapshot triggers\n"
"  --gdb=tcp::PORT|tcp:HOST:PORT|unix:PATH\n"
"                            serve the GDB remote protocol there (TCP on\n"
"                            127.0.0.1 unless HOST is given; PORT 0 picks\n"
"                            one and prints it); implies --engine=interp\n"
"                            (docs/gdb.md)\n"
"  --reverse                 with --gdb: reverse execution (reverse-stepi,\n"
"                            reverse-continue) from in-memory checkpoints\n"
"  --checkpoint-interval=N   with --reverse: a checkpoint at most every N\n"
"                            instructions (default 10000000)\n"
"  --history-mem=SIZE        with --reverse: memory for checkpoints, the\n"
"                            oldest go first (default 256M)\n"
"  --paused                  start with the vCPU paused (needs --monitor or\n"
"                            --gdb; `vmxbox ctl PATH resume` or gdb's\n"
"                            continue starts it)\n"
"  --snapshot=PATH           write snapshots (docs/snapshot.md) to PATH\n"
"  --snapshot-on=EVENT       when: exit (default), insns:N,\n"
"                            vmexit:REASON[:K], vmentry-fail, triple-fault,\n"
"                            signal (SIGUSR1); several -> PATH numbered\n"
"  --pause-on=EVENT          park the vCPU after vmexit:REASON[:K] or\n"
"                            vmentry-fail (needs --monitor or --gdb; `vmxbox\n"
"                            ctl PATH resume` or gdb's continue goes on)\n"
"  -v, --verbose             report engine, instruction count, unhandled I/O\n"
"  -h, --help                show this help\n"
"\n"
"Exit status: the guest's debug-exit value, or 2 usage, 70 internal error,\n"
"71 firmware error, 72 triple fault, 73 halted, 74 instruction limit,\n"
"75 timeout, 76 engine unavailable, 77 guest reset, 78 --vmx-check=fatal,\n"
"130 SIGINT, 143 SIGTERM; "
"0 when the guest powers off (docs/cli.md).\n";

enum {
	OPT_ENGINE = 256, OPT_MEM, OPT_MAX_INSNS, OPT_DEBUG_EXIT, OPT_TIMEOUT,
	OPT_VMX, OPT_APPEND, OPT_MONITOR, OPT_TRACE, OPT_PAUSED, OPT_NO_VMX_WATCH,
	OPT_INITRD, OPT_MODULE, OPT_TRACE_OUT,
	OPT_CPU,
	OPT_CLOCK,
	OPT_RTC_BASE,
	OPT_TLB,
	OPT_VMX_CHECK,
	OPT_SMP,
	OPT_SMP_QUANTUM,
	OPT_DEVICE,
	OPT_SERIAL2,
	OPT_SERIAL3,
	OPT_SERIAL4,
};

static const struct option run_options[] = {
	{ "engine", required_argument, NULL, OPT_ENGINE },
	{ "mem", required_argument, NULL, OPT_MEM },
	{ "max-insns", required_argument, NULL, OPT_MAX_INSNS },
	{ "debug-exit", required_argument, NULL, OPT_DEBUG_EXIT },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "vmx", required_argument, NULL, OPT_VMX },
	{ "cpu", required_argument, NULL, OPT_CPU },
	{ "append", required_argument, NULL, OPT_APPEND },
	{ "initrd", required_argument, NULL, OPT_INITRD },
	{ "module", required_argument, NULL, OPT_MODULE },
	{ "device", required_argument, NULL, OPT_DEVICE },
	{ "serial2", required_argument, NULL, OPT_SERIAL2 },
	{ "serial3", required_argument, NULL, OPT_SERIAL3 },
	{ "serial4", required_argument, NULL, OPT_SERIAL4 },
	{ "monitor", required_argument, NULL, OPT_MONITOR },
	{ "trace", required_argument, NULL, OPT_TRACE },
	{ "trace-out", required_argument, NULL, OPT_TRACE_OUT },
	{ "paused", no_argument, NULL, OPT_PAUSED },
	CLI_GDB_LONG_OPTIONS,
	{ "clock", required_argument, NULL, OPT_CLOCK },
	{ "rtc-base", required_argument, NULL, OPT_RTC_BASE },
	{ "tlb", required_argument, NULL, OPT_TLB },
	{ "vmx-check", optional_argument, NULL, OPT_VMX_CHECK },
	{ "smp", required_argument, NULL, OPT_SMP },
	{ "smp-quantum", required_argument, NULL, OPT_SMP_QUANTUM },
	{ "no-vmx-watch", no_argument, NULL, OPT_NO_VMX_WATCH },
	{ "snapshot", required_argument, NULL, CLI_OPT_SNAPSHOT },
	{ "snapshot-on", required_argument, NULL, CLI_OPT_SNAPSHOT_ON },
	{ "pause-on", required_argument, NULL, CLI_OPT_PAUSE_ON },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static bool parse_mem(const char *s, uint64_t *out)
{
	if (!parse_size(s, out)) {
		cli_error("run", "--mem=%s: not a size (examples: 64M, 1G)", s);
		return false;
	}
	if (*out < GUEST_MEM_MIN || *out > GUEST_MEM_MAX) {
		cli_error("run", "--mem=%s: must be between 2M and 64G", s);
		return false;
	}
	if (*out & (GUEST_PAGE_SIZE - 1)) {
		cli_error("run", "--mem=%s: must be a multiple of 4K", s);
		return false;
	}
	return true;
}

static bool parse_u64(const char *opt, const char *s, uint64_t *out)
{
	char *end;

	errno = 0;
	*out = strtoull(s, &end, 0);
	if (errno || end == s || *end || *s == '-') {
		cli_error("run", "--%s=%s: not a non-negative integer", opt, s);
		return false;
	}
	return true;
}

static bool parse_seconds(const char *s, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(*out) || *out <= 0 ||
	    *out > 1e9) {
		cli_error("run", "--timeout=%s: not a positive number of seconds", s);
		return false;
	}
	return true;
}

static bool parse_onoff(const char *opt, const char *s, bool *out)
{
	if (!strcmp(s, "on") || !strcmp(s, "yes") || !strcmp(s, "1")) {
		*out = true;
		return true;
	}
	if (!strcmp(s, "off") || !strcmp(s, "no") || !strcmp(s, "0")) {
		*out = false;
		return true;
	}
	cli_error("run", "--%s=%s: expected on or off", opt, s);
	return false;
}

static bool parse_engine(const char *s)
{
	if (!strcmp(s, "auto") || !strcmp(s, "interp") || !strcmp(s, "kvm"))
		return true;
	cli_error("run", "--engine=%s: expected auto, interp or kvm", s);
	return false;
}

static bool add_module(struct machine_config *cfg, const char *spec)
{
	static const char *mods[IMAGE_MAX_MODULES];

	if (cfg->nr_modules == IMAGE_MAX_MODULES - 1) {
		cli_error("run", "--module: at most %d modules", IMAGE_MAX_MODULES - 1);
		return false;
	}
	mods[cfg->nr_modules++] = spec;
	cfg->modules = mods;
	return true;
}

/* --cpu=help: the models and every feature with its state. */
static void cpu_help(void)
{
	printf("CPU models: max (default; every feature vmxbox implements), host (= max),\n"
	       "            base (a plain x86-64 CPU with VMX; also qemu64)\n"
	       "Features (+name / -name / name=on|off; '-', '_' and '.' are equal):\n");
	for (size_t i = 0; i < cpu_feature_count; i++) {
		const struct cpu_feature_info *r = &cpu_feature_table[i];

		printf("  %-20s %s%s%s\n", r->name,
		       r->implemented ? "implemented" : "not implemented",
		       r->alias ? ", also " : "", r->alias ? r->alias : "");
	}
	printf("VMX features (on in every model with vmx; -name turns one off):\n");
	for (size_t i = 0; i < cpu_vmx_feature_count; i++) {
		const struct cpu_vmx_feature_info *r = &cpu_vmx_feature_table[i];

		printf("  %-20s %s%s%s\n", r->name, r->what,
		       r->alias ? ", also " : "", r->alias ? r->alias : "");
	}
}

static bool parse_cpu(const char *spec, struct machine_config *cfg)
{
	struct cpu_model m;
	char why[200];

	cfg->cpu = spec;
	if (!cpu_model_parse(&m, spec, why, sizeof(why)))
		return true;
	cli_error("run", "--cpu=%s: %s", spec, why);
	return false;
}

static bool parse_smp(const char *s, struct machine_config *cfg)
{
	uint64_t n;

	if (!parse_u64("smp", s, &n))
		return false;
	if (n < 1 || n > MACHINE_MAX_CPUS) {
		cli_error("run", "--smp=%s: must be between 1 and %u", s,
			  MACHINE_MAX_CPUS);
		return false;
	}
	cfg->smp = (unsigned)n;
	return true;
}

/* --device=help: the names --device takes. */
static void device_help(void)
{
	printf("Devices (--device=NAME, repeatable; docs/platform.md):\n"
	       "  pc-testdev   QEMU's ISA test device: scratch ports 0xe0-0xeb, ISA IRQ\n"
	       "               line n at port 0x2000+n, 64 KiB iomem at 0xff000000\n"
	       "  pci-testdev  QEMU's PCI test device (1b36:0005) from 00:02.0 on, at most %d\n",
	       PC_MAX_PCI_TESTDEVS);
}

static bool parse_device(const char *name, struct machine_config *cfg)
{
	if (!strcmp(name, "pc-testdev")) {
		cfg->pc_testdev = true;
		return true;
	}
	if (strcmp(name, "pci-testdev")) {
		cli_error("run", "--device=%s: unknown device (pc-testdev, pci-testdev; --device=help)",
			  name);
		return false;
	}
	if (cfg->pci_testdevs == PC_MAX_PCI_TESTDEVS) {
		cli_error("run", "--device=pci-testdev: at most %d", PC_MAX_PCI_TESTDEVS);
		return false;
	}
	cfg->pci_testdevs++;
	return true;
}

static bool parse_option(int c, struct machine_config *cfg)
{
	switch (c) {
	case OPT_ENGINE:
		cfg->engine = optarg;
		return parse_engine(optarg);
	case OPT_MEM:
		return parse_mem(optarg, &cfg->mem_size);
	case OPT_MAX_INSNS:
		return parse_u64("max-insns", optarg, &cfg->max_insns);
	case OPT_DEBUG_EXIT:
		if (debug_exit_parse_mode(optarg, &cfg->debug_exit))
			return true;
		cli_error("run", "--debug-exit=%s: expected plain or qemu", optarg);
		return false;
	case OPT_TIMEOUT:
		return parse_seconds(optarg, &cfg->timeout);
	case OPT_SMP:
		return parse_smp(optarg, cfg);
	case OPT_SMP_QUANTUM:
		if (!parse_u64("smp-quantum", optarg, &cfg->smp_quantum))
			return false;
		if (cfg->smp_quantum >= 1 && cfg->smp_quantum <= 1000000000ull)
			return true;
		cli_error("run", "--smp-quantum=%s: must be between 1 and 1000000000", optarg);
		return false;
	case OPT_CLOCK:
		if (vclock_mode_parse(optarg, &cfg->clock))
			return true;
		cli_error("run", "--clock=%s: expected virtual or host", optarg);
		return false;
	case OPT_RTC_BASE:
		cfg->rtc_base_set = true;
		if (!strcmp(optarg, "now")) {
			cfg->rtc_base = (int64_t)time(NULL);
			return true;
		}
		if (rtc_parse_date(optarg, &cfg->rtc_base))
			return true;
		cli_error("run", "--rtc-base=%s: expected YYYY-MM-DD[THH:MM:SS] (UTC) or now",
			  optarg);
		return false;
	case OPT_VMX:
		return parse_onoff("vmx", optarg, &cfg->vmx);
	case OPT_VMX_CHECK:
		if (!optarg || !strcmp(optarg, "fatal")) {
			cfg->vmx_check = optarg ? 2 : 1;
			return true;
		}
		cli_error("run", "--vmx-check=%s: expected no value or fatal", optarg);
		return false;
	case OPT_TLB:
		if (!strcmp(optarg, "exact") || !strcmp(optarg, "flush-always")) {
			cfg->tlb_flush_always = !strcmp(optarg, "flush-always");
			return true;
		}
		cli_error("run", "--tlb=%s: expected exact or flush-always", optarg);
		return false;
	case OPT_CPU:
		return parse_cpu(optarg, cfg);
	case OPT_APPEND:
		cfg->append = optarg;
		if (strlen(optarg) <= MB_CMDLINE_MAX)
			return true;
		cli_error("run", "--append: command line longer than %d bytes",
			  MB_CMDLINE_MAX);
		return false;
	case OPT_INITRD:
		cfg->initrd = optarg;
		return true;
	case OPT_MODULE:
		return add_module(cfg, optarg);
	case OPT_DEVICE:
		return parse_device(optarg, cfg);
	case OPT_SERIAL2:
	case OPT_SERIAL3:
	case OPT_SERIAL4:
		return cli_serial_option("run", c - OPT_SERIAL2 + 2, optarg, cfg);
	case OPT_MONITOR:
		cfg->monitor_path = optarg;
		if (*optarg)
			return true;
		cli_error("run", "--monitor needs a socket path");
		return false;
	case OPT_TRACE:
		if (!strcmp(optarg, "vmx")) {
			cfg->trace_vmx = true;
			return true;
		}
		cli_error("run", "--trace=%s: the only trace is vmx", optarg);
		return false;
	case OPT_TRACE_OUT:
		cfg->trace_out = optarg;
		if (*optarg)
			return true;
		cli_error("run", "--trace-out needs a file name");
		return false;
	case OPT_PAUSED:
		cfg->paused = true;
		return true;
	case CLI_OPT_GDB:
	case CLI_OPT_REVERSE:
	case CLI_OPT_CHECKPOINT_INTERVAL:
	case CLI_OPT_HISTORY_MEM:
		return cli_gdb_parse("run", c, optarg, cfg);
	case OPT_NO_VMX_WATCH:
		cfg->no_vmx_watch = true;
		return true;
	case CLI_OPT_SNAPSHOT:
	case CLI_OPT_SNAPSHOT_ON:
	case CLI_OPT_PAUSE_ON:
		return cli_snapshot_option("run", c, optarg, cfg);
	case 'v':
		cfg->verbose = true;
		return true;
	default:
		return false;
	}
}

static void usage_error(void)
{
	fputs(run_usage, stderr);
}

/* Parse argv into cfg.  Returns -1 to go on, else an exit status. */
static int parse_run_args(int argc, char **argv, struct machine_config *cfg)
{
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "vh", run_options, NULL)) != -1) {
		if (c == 'h') {
			fputs(run_usage, stdout);
			return VMXBOX_EXIT_OK;
		}
		if (c == OPT_CPU && !strcmp(optarg, "help")) {
			cpu_help();
			return VMXBOX_EXIT_OK;
		}
		if (c == OPT_DEVICE && !strcmp(optarg, "help")) {
			device_help();
			return VMXBOX_EXIT_OK;
		}
		if (c == '?') {
			cli_bad_option("run", argc, argv, optopt);
			usage_error();
			return VMXBOX_EXIT_USAGE;
		}
		if (!parse_option(c, cfg))
			return VMXBOX_EXIT_USAGE;
	}
	if (argc - optind > 1) {
		cli_error("run", "too many arguments: only one FIRMWARE is allowed");
		usage_error();
		return VMXBOX_EXIT_USAGE;
	}
	if (argc - optind == 1)
		cfg->firmware = argv[optind];
	if (cfg->no_vmx_watch && (cfg->monitor_path || cfg->trace_vmx)) {
		cli_error("run", "--no-vmx-watch cannot be combined with --monitor or --trace");
		return VMXBOX_EXIT_USAGE;
	}
	if (cfg->trace_out && !cfg->trace_vmx) {
		cli_error("run", "--trace-out=FILE needs --trace=vmx");
		return VMXBOX_EXIT_USAGE;
	}
	if (cfg->paused && !cfg->monitor_path && !cfg->gdb) {
		cli_error("run", "--paused needs --monitor=PATH or --gdb (nothing could resume it)");
		return VMXBOX_EXIT_USAGE;
	}
	if (!cli_gdb_finish("run", cfg))
		return VMXBOX_EXIT_USAGE;
	if (!cli_snapshot_finish("run", cfg))
		return VMXBOX_EXIT_USAGE;
	return -1;
}

int cmd_run(int argc, char **argv)
{
	static char bundled[PATH_MAX];
	struct machine_config cfg;
	struct machine *m;
	char err[512];
	int ret;

	machine_config_default(&cfg);
	ret = parse_run_args(argc, argv, &cfg);
	if (ret >= 0)
		return ret;
	if (!cfg.firmware) {
		if (!cli_bundled_firmware("demo.elf", bundled, sizeof(bundled))) {
			cli_error("run", "no FIRMWARE given and the bundled firmware is missing (looked next to the vmxbox binary and in %s)",
				  bundled);
			return VMXBOX_EXIT_FIRMWARE;
		}
		cfg.firmware = bundled;
	}
	/* A closed stdout must not kill us mid-run; writes just fail.  So
	 * must a file size limit: a snapshot write fails with EFBIG. */
	signal(SIGPIPE, SIG_IGN);
	signal(SIGXFSZ, SIG_IGN);
	ret = machine_create(&cfg, &m, err, sizeof(err));
	if (ret) {
		cli_error("run", "%s", err);
		return ret;
	}
	ret = machine_run(m);
	machine_destroy(m);
	return ret;
}
