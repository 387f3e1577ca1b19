// SPDX-License-Identifier: MIT
/*
 * vmxbox restore FILE: resume a snapshot (docs/snapshot.md), and the
 * --snapshot / --snapshot-on options shared with vmxbox run.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "machine/machine.h"
#include "machine/pc_platform.h"
#include "snapshot/sha256.h"
#include "machine/snap_machine.h"

/* One trigger set per process: run and restore take one machine. */
static struct snap_trigger cli_trigger;
static bool snap_path_given;
static bool pause_given;

bool cli_snapshot_option(const char *cmd, int which, const char *arg,
			 struct machine_config *cfg)
{
	char err[256];

	cfg->snap = &cli_trigger;
	if (which == CLI_OPT_SNAPSHOT) {
		if (!*arg || strlen(arg) >= sizeof(cli_trigger.path)) {
			cli_error(cmd, "--snapshot=%s: bad path", arg);
			return false;
		}
		strcpy(cli_trigger.path, arg);
		snap_path_given = true;
		return true;
	}
	if (which == CLI_OPT_PAUSE_ON) {
		pause_given = true;
		if (snap_trigger_add_pause(&cli_trigger, arg, err, sizeof(err))) {
			cli_error(cmd, "%s", err);
			return false;
		}
		return true;
	}
	if (snap_trigger_add(&cli_trigger, arg, err, sizeof(err))) {
		cli_error(cmd, "%s", err);
		return false;
	}
	return true;
}

bool cli_snapshot_finish(const char *cmd, struct machine_config *cfg)
{
	char err[64];

	if (!cfg->snap)
		return true;
	if (pause_given && !cfg->monitor_path && !cfg->gdb) {
		/* restore has no monitor: only gdb can resume it there. */
		cli_error(cmd, "--pause-on needs %s (nothing could resume it)",
			  strcmp(cmd, "run") ? "--gdb" : "--monitor=PATH or --gdb");
		return false;
	}
	if (pause_given && cfg->no_vmx_watch) {
		cli_error(cmd, "--pause-on cannot be combined with --no-vmx-watch (it watches the VM exits)");
		return false;
	}
	if (!snap_path_given && snap_trigger_snapshot_events(&cli_trigger)) {
		cli_error(cmd, "--snapshot-on needs --snapshot=PATH");
		return false;
	}
	/* --snapshot alone: one snapshot when the run ends. */
	if (snap_path_given && !snap_trigger_snapshot_events(&cli_trigger))
		snap_trigger_add(&cli_trigger, "exit", err, sizeof(err));
	return true;
}

static const char restore_usage[] =
"Usage: vmxbox restore [OPTIONS] FILE\n"
"\n"
"Resume the machine saved in snapshot FILE and run it on as `vmxbox run`\n"
"would: same devices, same VMX state, same remaining output.  On the\n"
"interp engine the continuation is exact: serial output, exit status and\n"
"final instruction count are those of the run that was never stopped.\n"
"The snapshot's optional devices (COM2-COM4, pc-testdev, pci-testdevs)\n"
"are recreated with it.\n"
"\n"
"Options:\n"
"  --engine=auto|interp|kvm  vCPU engine (default: the snapshot's)\n"
"  --max-insns=N             stop when the instruction count reaches N\n"
"                            (counted from the machine's start, like run;\n"
"                            default: the snapshot's run option)\n"
"  --timeout=SECONDS         stop after SECONDS of wall time\n"
"  --clock=virtual|host      guest time (default virtual; docs/platform.md)\n"
"  --serial2=DEST ... --serial4=DEST  where COM2-COM4 write (a file PATH,\n"
"                            file:PATH, null or -; default null); only\n"
"                            for ports the snapshot's machine has\n"
"  --snapshot=PATH           take snapshots again (see vmxbox run)\n"
"  --snapshot-on=EVENT       exit, insns:N, vmexit:REASON[:K],\n"
"                            vmentry-fail, triple-fault, signal (SIGUSR1)\n"
"  --pause-on=EVENT          with --gdb: stop after vmexit:REASON[:K] or\n"
"                            vmentry-fail (as vmxbox run --pause-on)\n"
"  --gdb=tcp::PORT|tcp:HOST:PORT|unix:PATH\n"
"                            debug the restored machine with gdb, as\n"
"                            vmxbox run --gdb (docs/gdb.md); implies\n"
"                            --engine=interp\n"
"  --paused                  with --gdb: stay stopped at the snapshot's\n"
"                            instruction until gdb continues\n"
"  --reverse                 with --gdb: reverse execution back to the\n"
"                            snapshot (reverse-stepi, reverse-continue)\n"
"  --checkpoint-interval=N   with --reverse: a checkpoint at most every N\n"
"                            instructions (default 10000000)\n"
"  --history-mem=SIZE        with --reverse: memory for checkpoints\n"
"                            (default 256M)\n"
"  -v, --verbose             report engine and instruction count\n"
"  -h, --help                show this help\n"
"\n"
"Exit status: as vmxbox run; 1 if FILE is not a valid snapshot.\n";

enum { OPT_ENGINE = 256, OPT_MAX_INSNS, OPT_TIMEOUT, OPT_CLOCK, OPT_PAUSED,
       OPT_SERIAL2, OPT_SERIAL3, OPT_SERIAL4 };

static const struct option restore_options[] = {
	{ "engine", required_argument, NULL, OPT_ENGINE },
	{ "max-insns", required_argument, NULL, OPT_MAX_INSNS },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "clock", required_argument, NULL, OPT_CLOCK },
	{ "serial2", required_argument, NULL, OPT_SERIAL2 },
	{ "serial3", required_argument, NULL, OPT_SERIAL3 },
	{ "serial4", required_argument, NULL, OPT_SERIAL4 },
	{ "snapshot", required_argument, NULL, CLI_OPT_SNAPSHOT },
	{ "snapshot-on", required_argument, NULL, CLI_OPT_SNAPSHOT_ON },
	{ "pause-on", required_argument, NULL, CLI_OPT_PAUSE_ON },
	CLI_GDB_LONG_OPTIONS,
	{ "paused", no_argument, NULL, OPT_PAUSED },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

struct restore_args {
	const char *engine;
	bool max_given;
	uint64_t max_insns;
	double timeout;
	bool verbose;
};

static bool num(const char *opt, const char *s, uint64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	if (errno || end == s || *end || *s == '-') {
		cli_error("restore", "--%s=%s: not a non-negative integer", opt, s);
		return false;
	}
	return true;
}

static bool restore_option(int c, struct restore_args *a,
			   struct machine_config *cfg)
{
	char *end;

	switch (c) {
	case OPT_ENGINE:
		if (strcmp(optarg, "auto") && strcmp(optarg, "interp") &&
		    strcmp(optarg, "kvm")) {
			cli_error("restore", "--engine=%s: expected auto, interp or kvm", optarg);
			return false;
		}
		a->engine = optarg;
		return true;
	case OPT_MAX_INSNS:
		a->max_given = true;
		return num("max-insns", optarg, &a->max_insns);
	case OPT_TIMEOUT:
		errno = 0;
		a->timeout = strtod(optarg, &end);
		if (errno || end == optarg || *end || !isfinite(a->timeout) ||
		    a->timeout <= 0) {
			cli_error("restore", "--timeout=%s: not a positive number of seconds", optarg);
			return false;
		}
		return true;
	case OPT_CLOCK:
		if (vclock_mode_parse(optarg, &cfg->clock))
			return true;
		cli_error("restore", "--clock=%s: expected virtual or host", optarg);
		return false;
	case OPT_SERIAL2:
	case OPT_SERIAL3:
	case OPT_SERIAL4:
		return cli_serial_option("restore", c - OPT_SERIAL2 + 2, optarg, cfg);
	case CLI_OPT_SNAPSHOT:
	case CLI_OPT_SNAPSHOT_ON:
	case CLI_OPT_PAUSE_ON:
		return cli_snapshot_option("restore", c, optarg, cfg);
	case CLI_OPT_GDB:
	case CLI_OPT_REVERSE:
	case CLI_OPT_CHECKPOINT_INTERVAL:
	case CLI_OPT_HISTORY_MEM:
		return cli_gdb_parse("restore", c, optarg, cfg);
	case OPT_PAUSED:
		cfg->paused = true;
		return true;
	case 'v':
		a->verbose = true;
		return true;
	default:
		return false;
	}
}

static char cpu_spec[SNAP_TEXT_MAX];

/* Machine config from the snapshot, then the command line on top. */
static int make_config(const struct snapshot_machine *s,
		       const struct restore_args *a, struct machine_config *cfg)
{
	const char *opt;
	uint64_t v;

	cfg->firmware = NULL;       /* RAM comes from the snapshot */
	cfg->mem_size = s->config.ram_size;
	/* gdb: the interpreter whatever engine took the snapshot. */
	cfg->engine = a->engine ? a->engine : cfg->gdb ? "interp" :
		      s->config.engine[0] ? s->config.engine : "auto";
	cfg->vmx = s->vmx.present;
	/* Several vCPUs: the scheduler's quantum comes with its state. */
	cfg->smp = s->n_cpus;
	/* Optional devices exist when the snapshot holds their state. */
	cfg->pc_testdev = snap_device_find(s, "pc_testdev") != NULL;
	cfg->pci_testdevs = snap_pci_testdevs(s, PC_MAX_PCI_TESTDEVS);
	for (unsigned k = 1; k < 4; k++) {
		char name[8];
		bool has;

		snprintf(name, sizeof(name), "uart%u", k);
		has = snap_device_find(s, name) != NULL;
		if (cfg->com_on[k - 1] && !has) {
			cli_error("restore", "--serial%u: the snapshot's machine has no COM%u",
				  k + 1, k + 1);
			return VMXBOX_EXIT_USAGE;
		}
		cfg->com_on[k - 1] = has;
	}
	opt = snap_config_option(&s->config, "vmx");
	if (opt)
		cfg->vmx = !strcmp(opt, "on");
	/* A copy: the snapshot is freed before the run, whose own
	 * snapshots record the option again (NULL: max). */
	opt = snap_config_option(&s->config, "cpu");
	if (opt) {
		snprintf(cpu_spec, sizeof(cpu_spec), "%s", opt);
		cfg->cpu = cpu_spec;
	}
	opt = snap_config_option(&s->config, "debug-exit");
	if (opt && !debug_exit_parse_mode(opt, &cfg->debug_exit)) {
		cli_error("restore", "snapshot option debug-exit=%s is unknown", opt);
		return VMXBOX_EXIT_FAILURE;
	}
	opt = snap_config_option(&s->config, "max-insns");
	cfg->max_insns = 0;
	if (opt && !num("max-insns (in the snapshot)", opt, &v))
		return VMXBOX_EXIT_FAILURE;
	if (opt)
		cfg->max_insns = v;
	if (a->max_given)
		cfg->max_insns = a->max_insns;
	cfg->timeout = a->timeout;
	cfg->verbose = a->verbose;
	return 0;
}

static void check_firmware(const struct snapshot_machine *s)
{
	static const uint8_t zero[32];
	uint8_t now[32];

	if (!s->config.firmware[0] || !memcmp(s->config.firmware_sha256, zero, 32))
		return;
	if (sha256_file(s->config.firmware, now) == 0 &&
	    memcmp(now, s->config.firmware_sha256, 32))
		fprintf(stderr, "vmxbox restore: note: %s changed since the snapshot was taken (the snapshot's memory is used)\n",
			s->config.firmware);
}

int cmd_restore(int argc, char **argv)
{
	struct restore_args a = { 0 };
	struct machine_config cfg;
	struct snapshot_machine *s;
	struct machine *m;
	char err[PATH_MAX + 512];
	int c, ret;

	machine_config_default(&cfg);
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "vh", restore_options, NULL)) != -1) {
		if (c == 'h') {
			fputs(restore_usage, stdout);
			return VMXBOX_EXIT_OK;
		}
		if (c == '?') {
			cli_bad_option("restore", argc, argv, optopt);
			fputs(restore_usage, stderr);
			return VMXBOX_EXIT_USAGE;
		}
		if (!restore_option(c, &a, &cfg))
			return VMXBOX_EXIT_USAGE;
	}
	if (argc - optind != 1) {
		cli_error("restore", argc == optind ? "no snapshot file given"
						    : "only one snapshot file is allowed");
		fputs(restore_usage, stderr);
		return VMXBOX_EXIT_USAGE;
	}
	if (!cli_snapshot_finish("restore", &cfg))
		return VMXBOX_EXIT_USAGE;
	s = snapshot_read_file(argv[optind], err, sizeof(err));
	if (!s) {
		cli_error("restore", "%s", err);
		return VMXBOX_EXIT_FAILURE;
	}
	ret = make_config(s, &a, &cfg);
	if (!ret && !cli_gdb_finish("restore", &cfg))
		ret = VMXBOX_EXIT_USAGE;
	if (!ret && cfg.paused && !cfg.gdb) {
		cli_error("restore", "--paused needs --gdb (nothing could resume it)");
		ret = VMXBOX_EXIT_USAGE;
	}
	if (ret) {
		snapshot_free(s);
		return ret;
	}
	check_firmware(s);
	if (cfg.snap) {
		/* Snapshots of the resumed run name the original firmware. */
		snprintf(cli_trigger.fw_path, sizeof(cli_trigger.fw_path), "%s",
			 s->config.firmware);
		memcpy(cli_trigger.fw_sha256, s->config.firmware_sha256, 32);
		cli_trigger.fw_hashed = true;
	}
	signal(SIGPIPE, SIG_IGN);
	signal(SIGXFSZ, SIG_IGN);   /* a snapshot write fails with EFBIG */
	ret = machine_create(&cfg, &m, err, sizeof(err));
	if (ret) {
		cli_error("restore", "%s", err);
		snapshot_free(s);
		return ret;
	}
	if (snap_machine_restore(m, s, err, sizeof(err))) {
		cli_error("restore", "%s: %s", argv[optind], err);
		machine_destroy(m);
		snapshot_free(s);
		return VMXBOX_EXIT_FAILURE;
	}
	snapshot_free(s);
	/* The guest already ended the run through debug-exit. */
	if (m->dbg.fired) {
		ret = m->dbg.status;
		machine_destroy(m);
		return ret;
	}
	ret = machine_run(m);
	machine_destroy(m);
	return ret;
}
