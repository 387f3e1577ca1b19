// SPDX-License-Identifier: MIT
/* vmxbox inspect / vmxbox diff: look at snapshots (docs/snapshot.md). */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "machine/exit_status.h"
#include "snapshot/snap_print.h"

static const char inspect_usage[] =
"Usage: vmxbox inspect FILE [--json] [--regs] [--vmcs]\n"
"                           [--mem ADDR LEN] [--disasm ADDR|rip N]\n"
"\n"
"Show a snapshot: by default the format and config, memory and device\n"
"summary, every vCPU's registers, the VMX state and the current VMCS.\n"
"Any of --regs, --vmcs, --mem, --disasm shows just those parts.\n"
"\n"
"Options:\n"
"  --json            one JSON object instead of text (64-bit values as\n"
"                    \"0x...\" strings)\n"
"  --regs            registers, segments, events, MSRs of every vCPU\n"
"  --vmcs            VMX state and the current VMCS, field by field,\n"
"                    grouped like the SDM, control bits and exit reason\n"
"                    by name\n"
"  --mem ADDR LEN    hex dump of guest-physical [ADDR, ADDR+LEN)\n"
"  --disasm ADDR N   disassemble N instructions at linear ADDR of vCPU 0\n"
"                    (through its page tables); ADDR may be 'rip'\n"
"  -h, --help        show this help\n"
"\n"
"Exit status: 0, 1 if the file is not a valid snapshot, 2 on bad usage.\n";

static bool parse_u64(const char *s, uint64_t *v)
{
	char *end;

	if (!s || !*s || *s == '-')
		return false;
	errno = 0;
	*v = strtoull(s, &end, 0);
	return !errno && !*end;
}

struct inspect_req {
	bool json;
	unsigned what;
	bool mem;
	uint64_t mem_addr, mem_len;
	bool disasm, disasm_rip;
	uint64_t dis_addr, dis_n;
};

static const struct option inspect_options[] = {
	{ "json", no_argument, NULL, 'j' },
	{ "regs", no_argument, NULL, 'r' },
	{ "vmcs", no_argument, NULL, 'v' },
	{ "mem", required_argument, NULL, 'm' },
	{ "disasm", required_argument, NULL, 'd' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* Returns -1 to go on, else the exit status. */
static int parse_inspect(int argc, char **argv, struct inspect_req *r)
{
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", inspect_options, NULL)) != -1) {
		switch (c) {
		case 'j': r->json = true; break;
		case 'r': r->what |= SNAP_SHOW_REGS; break;
		case 'v': r->what |= SNAP_SHOW_VMX | SNAP_SHOW_VMCS; break;
		case 'm':
			r->mem = true;
			if (!parse_u64(optarg, &r->mem_addr) || optind >= argc ||
			    !parse_u64(argv[optind], &r->mem_len)) {
				cli_error("inspect", "--mem needs ADDR LEN (numbers, 0x... for hex)");
				return VMXBOX_EXIT_USAGE;
			}
			optind++;
			break;
		case 'd':
			r->disasm = true;
			r->disasm_rip = !strcmp(optarg, "rip");
			if ((!r->disasm_rip && !parse_u64(optarg, &r->dis_addr)) ||
			    optind >= argc || !parse_u64(argv[optind], &r->dis_n)) {
				cli_error("inspect", "--disasm needs ADDR|rip N");
				return VMXBOX_EXIT_USAGE;
			}
			optind++;
			break;
		case 'h':
			fputs(inspect_usage, stdout);
			return VMXBOX_EXIT_OK;
		default:
			cli_bad_option("inspect", argc, argv, optopt);
			fputs(inspect_usage, stderr);
			return VMXBOX_EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		cli_error("inspect", optind >= argc ? "no snapshot file given"
						     : "more than one snapshot file given");
		fputs(inspect_usage, stderr);
		return VMXBOX_EXIT_USAGE;
	}
	if (!r->what && !r->mem && !r->disasm)
		r->what = SNAP_SHOW_ALL;
	return -1;
}

int cmd_inspect(int argc, char **argv)
{
	struct inspect_req r = { 0 };
	char err[600];
	int ret = parse_inspect(argc, argv, &r);
	struct jout j;

	if (ret >= 0)
		return ret;
	struct snapshot_machine *s = snapshot_read_file(argv[optind], err, sizeof(err));

	if (!s) {
		cli_error("inspect", "%s", err);
		return VMXBOX_EXIT_FAILURE;
	}
	if (r.json) {
		jw_init(&j, stdout);
		jw_obj(&j);
		snap_print_json(&j, s, r.what);
	} else {
		snap_print_text(stdout, s, r.what);
	}
	ret = VMXBOX_EXIT_OK;
	if (r.mem && snap_print_mem(stdout, r.json ? &j : NULL, s, r.mem_addr,
				    r.mem_len, err, sizeof(err)))
		ret = VMXBOX_EXIT_USAGE;
	if (ret == VMXBOX_EXIT_OK && r.disasm &&
	    snap_print_disasm(stdout, r.json ? &j : NULL, s, r.dis_addr,
			      r.disasm_rip, (unsigned)(r.dis_n > 100000 ? 100000 : r.dis_n),
			      err, sizeof(err)))
		ret = VMXBOX_EXIT_USAGE;
	if (r.json)
		jw_end_obj(&j);
	if (ret)
		cli_error("inspect", "%s", err);
	snapshot_free(s);
	return ret;
}

static const char diff_usage[] =
"Usage: vmxbox diff A B\n"
"\n"
"Print every difference between snapshots A and B, one per line: config,\n"
"each vCPU field and MSR, VMX state, VMCS regions and cached VMCS fields,\n"
"device state, and the guest-memory ranges whose pages differ.\n"
"\n"
"Exit status: 0 if they are the same, 1 if they differ, 2 on bad usage or\n"
"an invalid snapshot.\n";

int cmd_diff(int argc, char **argv)
{
	struct snapshot_machine *a, *b;
	char err[600];

	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		fputs(diff_usage, stdout);
		return VMXBOX_EXIT_OK;
	}
	if (argc != 3 || argv[1][0] == '-' || argv[2][0] == '-') {
		cli_error("diff", "need exactly two snapshot files");
		fputs(diff_usage, stderr);
		return VMXBOX_EXIT_USAGE;
	}
	a = snapshot_read_file(argv[1], err, sizeof(err));
	if (!a) {
		cli_error("diff", "%s", err);
		return VMXBOX_EXIT_USAGE;
	}
	b = snapshot_read_file(argv[2], err, sizeof(err));
	if (!b) {
		cli_error("diff", "%s", err);
		snapshot_free(a);
		return VMXBOX_EXIT_USAGE;
	}
	unsigned n = snap_diff(stdout, a, b);

	if (n)
		printf("%u difference%s\n", n, n == 1 ? "" : "s");
	snapshot_free(a);
	snapshot_free(b);
	return n ? VMXBOX_EXIT_FAILURE : VMXBOX_EXIT_OK;
}
