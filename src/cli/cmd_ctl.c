// SPDX-License-Identifier: MIT
/* vmxbox ctl: the client of a running vmxbox's monitor socket. */
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "machine/exit_status.h"
#include "monitor/cbor_print.h"
#include "monitor/client.h"
#include "monitor/proto.h"
#include "vmx/vmcs_decode.h"

static const char ctl_usage[] =
"Usage: vmxbox ctl [--json] [--timeout=SECONDS] SOCKET COMMAND [ARGS...]\n"
"(options may also follow the command)\n"
"\n"
"Send one command to a vmxbox started with --monitor=SOCKET and print the\n"
"reply. Numbers may be decimal or 0x-hex.\n"
"\n"
"Commands (see docs/monitor.md):\n"
"  status                 run state, engine, instruction count, VMX state\n"
"  pause | resume         stop / restart the vCPU\n"
"  step N                 run N instructions while paused (interp)\n"
"  vms [--cpu=K]          every VMCS vCPU K used, with exit counts\n"
"  vmcs [ADDR] [--cpu=K]  decoded fields of vCPU K's current (or given) VMCS\n"
"  regs [--cpu=K]         registers of vCPU K (default 0, the BSP)\n"
"  mem ADDR LEN           guest-physical memory (hexdump)\n"
"  snapshot PATH          write a snapshot of the whole machine\n"
"  trace on|off [REASON...]  stream VM entries/exits until interrupted\n"
"  quit                   end the run\n"
"  help                   list the commands the server knows\n"
"\n"
"Options:\n"
"  --json             print the reply as JSON\n"
"  --timeout=SECONDS  wait at most this long for a reply (default 10)\n"
"  --cpu=K            with regs, vms, vmcs: vCPU K (default 0; docs/smp.md)\n"
"  -h, --help         show this help\n"
"\n"
"Exit status: 0 on an ok reply, 1 on an error reply, 2 on usage errors,\n"
"69 when the socket cannot be reached or the connection fails.\n";

#define CTL_EXIT_ERROR_REPLY 1
#define CTL_EXIT_UNREACHABLE 69

static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
	interrupted = 1;
}

/* A field of the `vmcs` reply (a map FIELD_NAME -> value). */
static bool reply_field(void *opaque, uint32_t enc, uint64_t *val)
{
	const cbor_item_t *v = mon_map_get(opaque, vmcs_field_name(enc));

	if (!v || !cbor_isa_uint(v))
		return false;
	*val = cbor_get_int(v);
	return true;
}

static void print_reply(const cbor_item_t *reply, bool json, const char *cmd)
{
	if (json) {
		cbor_print_json(stdout, reply);
		putchar('\n');
		return;
	}
	const cbor_item_t *ev = mon_map_get(reply, "event");
	if (ev) {
		cbor_print_json(stdout, reply);
		putchar('\n');
		return;
	}
	const cbor_item_t *res = mon_map_get(reply, "result");
	if (!res || cbor_is_null(res))
		return;
	if (cmd && !strcmp(cmd, "vmcs") && cbor_isa_map(res))
		vmcs_print(stdout, reply_field, (void *)res, "");
	else
		cbor_print_human(stdout, res, 0);
}

/* After "trace on": print events until SIGINT or the server goes away. */
static int stream_events(int fd, bool json)
{
	char err[256];
	struct sigaction sa = { .sa_handler = on_sigint };

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	while (!interrupted) {
		cbor_item_t *ev = mon_client_recv(fd, 200, err, sizeof(err));
		if (!ev) {
			if (strstr(err, "timed out"))
				continue;
			break;   /* the run ended */
		}
		print_reply(ev, json, NULL);
		fflush(stdout);
		cbor_decref(&ev);
	}
	return VMXBOX_EXIT_OK;
}

int cmd_ctl(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "timeout", required_argument, NULL, 't' },
		{ "cpu", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool json = false;
	const char *cpu = NULL;
	double timeout = 10;
	char err[256], *end;
	int c;

	optind = 1;
	opterr = 0;
	/* Options may come anywhere (`ctl SOCK status --json`): no command
	 * takes an argument that starts with '-'. */
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'c':
			cpu = optarg;   /* regs --cpu=K: the argument K */
			break;
		case 't':
			timeout = strtod(optarg, &end);
			if (*end || !(timeout > 0) || timeout > 86400) {
				cli_error("ctl", "bad --timeout '%s' (seconds, > 0)", optarg);
				return VMXBOX_EXIT_USAGE;
			}
			break;
		case 'h':
			fputs(ctl_usage, stdout);
			return VMXBOX_EXIT_OK;
		default:
			cli_bad_option("ctl", argc, argv, optopt);
			fputs(ctl_usage, stderr);
			return VMXBOX_EXIT_USAGE;
		}
	}
	if (argc - optind < 2) {
		cli_error("ctl", "needs a socket path and a command");
		fputs(ctl_usage, stderr);
		return VMXBOX_EXIT_USAGE;
	}
	const char *path = argv[optind], *cmd = argv[optind + 1];
	int nargs = argc - optind - 2;
	char **args = argv + optind + 2, *cpu_args[2], cpu_opt[64];

	if (cpu && (strcmp(cmd, "regs") || nargs) && strcmp(cmd, "vms") &&
	    (strcmp(cmd, "vmcs") || nargs > 1)) {
		cli_error("ctl", "--cpu=%s: only regs, vms and vmcs [ADDR] take it", cpu);
		return VMXBOX_EXIT_USAGE;
	}
	if (cpu) {
		/* To the server as an argument "--cpu=K" after the others. */
		snprintf(cpu_opt, sizeof(cpu_opt), "--cpu=%s", cpu);
		cpu_args[0] = nargs ? args[0] : cpu_opt;
		cpu_args[1] = cpu_opt;
		args = cpu_args;
		nargs++;
	}
	int fd = mon_client_connect(path, err, sizeof(err));
	if (fd < 0) {
		cli_error("ctl", "%s", err);
		return CTL_EXIT_UNREACHABLE;
	}
	cbor_item_t *req = mon_client_build_request(cmd, nargs, args);
	if (mon_client_send(fd, req) < 0) {
		cbor_decref(&req);
		close(fd);
		cli_error("ctl", "cannot send the request to %s", path);
		return CTL_EXIT_UNREACHABLE;
	}
	cbor_decref(&req);
	cbor_item_t *reply = mon_client_recv(fd, (int)(timeout * 1000), err, sizeof(err));
	if (!reply) {
		close(fd);
		cli_error("ctl", "%s", err);
		return CTL_EXIT_UNREACHABLE;
	}
	const cbor_item_t *ok = mon_map_get(reply, "ok");
	int status = VMXBOX_EXIT_OK;
	if (!ok || !cbor_is_bool(ok) || !cbor_get_bool(ok)) {
		char msg[256] = "malformed reply";
		mon_item_str(mon_map_get(reply, "error"), msg, sizeof(msg));
		if (json)
			print_reply(reply, true, cmd);
		cli_error("ctl", "%s", msg);
		status = CTL_EXIT_ERROR_REPLY;
	} else {
		print_reply(reply, json, cmd);
		if (!strcmp(cmd, "trace") && argc - optind > 2 &&
		    !strcmp(argv[optind + 2], "on"))
			status = stream_events(fd, json);
	}
	cbor_decref(&reply);
	close(fd);
	return status;
}
