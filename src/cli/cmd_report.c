// SPDX-License-Identifier: MIT
/*
 * vmxbox report: a picture (SVG) of the VM exits of a trace-event file
 * written by `vmxbox run --trace=vmx --trace-out=FILE` (docs/trace.md):
 * one panel per VMCS, exits per slice of virtual time, by exit reason.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "machine/exit_status.h"
#include "monitor/exit_chart.h"
#include "monitor/json_in.h"

static const char report_usage[] =
"Usage: vmxbox report [-o OUT.svg] [--title=TEXT] TRACE.json\n"
"\n"
"Draw the VM exits of a trace written by `vmxbox run --trace=vmx\n"
"--trace-out=TRACE.json` as an SVG picture: one panel per VMCS, stacked\n"
"bars of exits per slice of virtual time, one colour per exit reason.\n"
"\n"
"Options:\n"
"  -o, --output=FILE  write the SVG to FILE (default: standard output)\n"
"  --title=TEXT       the picture's title (default: the trace file name)\n"
"  -h, --help         show this help\n"
"\n"
"Exit status: 0, 1 when the trace cannot be read, 2 on usage errors.\n";

#define REPORT_MAX_FILE (1ull << 30)

static char *slurp(const char *path, size_t *len, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	struct stat st;
	char *buf;

	if (!f || fstat(fileno(f), &st) || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: %s", path, f ? "not a regular file" : strerror(errno));
		if (f)
			fclose(f);
		return NULL;
	}
	if ((unsigned long long)st.st_size > REPORT_MAX_FILE ||
	    !(buf = malloc((size_t)st.st_size + 1))) {
		snprintf(err, errlen, "%s: too large", path);
		fclose(f);
		return NULL;
	}
	*len = fread(buf, 1, (size_t)st.st_size, f);
	fclose(f);
	return buf;
}

/* One "X" event of category L2: an L2 run that ended in a VM exit. */
static int add_run(struct exit_chart *c, const struct json_value *e)
{
	double ts, dur, reason;
	const char *vmcs = json_str(json_get(json_get(e, "args"), "vmcs"));

	if (!json_num(json_get(e, "ts"), &ts) || !json_num(json_get(e, "dur"), &dur) ||
	    !json_num(json_get(json_get(e, "args"), "exit_reason"), &reason) ||
	    !vmcs || reason < 0 || ts < 0 || dur < 0)
		return -1;
	/* Timestamps are microseconds of virtual time, 1 instruction = 1 ns. */
	return exit_chart_add(c, strtoull(vmcs, NULL, 16), (unsigned)reason,
			      (ts + dur) * 1000.0);
}

static int build_chart(const struct json_value *doc, struct exit_chart *c,
		       char *err, size_t errlen)
{
	const struct json_value *ev = json_get(doc, "traceEvents");

	if (!ev || ev->type != JSON_ARRAY) {
		snprintf(err, errlen, "no traceEvents array: not a vmxbox trace");
		return -1;
	}
	for (size_t i = 0; i < ev->n; i++) {
		const char *ph = json_str(json_get(&ev->items[i], "ph"));
		const char *cat = json_str(json_get(&ev->items[i], "cat"));

		if (!ph || strcmp(ph, "X") || !cat || strcmp(cat, "L2"))
			continue;
		if (add_run(c, &ev->items[i])) {
			snprintf(err, errlen, "traceEvents[%zu]: not an L2 run as vmxbox writes it",
				 i);
			return -1;
		}
	}
	return 0;
}

static int report(const char *in, const char *out, const char *title)
{
	struct json_value doc;
	struct exit_chart chart;
	char err[300];
	size_t len = 0;
	char *text = slurp(in, &len, err, sizeof(err));
	FILE *f;
	int ret = 1;

	if (!text) {
		cli_error("report", "%s", err);
		return 1;
	}
	exit_chart_init(&chart);
	if (!json_parse(text, len, &doc, err, sizeof(err))) {
		cli_error("report", "%s: %s", in, err);
		goto out_text;
	}
	if (build_chart(&doc, &chart, err, sizeof(err))) {
		cli_error("report", "%s: %s", in, err);
		goto out;
	}
	f = out ? fopen(out, "w") : stdout;
	if (!f) {
		cli_error("report", "%s: %s", out, strerror(errno));
		goto out;
	}
	exit_chart_write_svg(&chart, f, title ? title : in);
	ret = (ferror(f) | (out && fclose(f))) ? 1 : 0;
	if (ret)
		cli_error("report", "cannot write %s", out ? out : "standard output");
out:
	json_free(&doc);
out_text:
	exit_chart_free(&chart);
	free(text);
	return ret;
}

int cmd_report(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "title", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *out = NULL, *title = NULL;
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 't': title = optarg; break;
		case 'h': fputs(report_usage, stdout); return VMXBOX_EXIT_OK;
		default:
			cli_bad_option("report", argc, argv, optopt);
			fputs(report_usage, stderr);
			return VMXBOX_EXIT_USAGE;
		}
	}
	if (argc - optind != 1) {
		cli_error("report", "needs exactly one TRACE.json");
		fputs(report_usage, stderr);
		return VMXBOX_EXIT_USAGE;
	}
	return report(argv[optind], out, title);
}
