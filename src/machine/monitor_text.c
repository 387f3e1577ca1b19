// SPDX-License-Identifier: MIT
/*
 * gdb's `monitor CMD` (qRcmd): one command line run through the machine's
 * monitor command table and printed as `vmxbox ctl` prints it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "machine/host_clock.h"
#include "machine/machine.h"
#include "machine/monitor_cmds.h"
#include "machine/monitor_int.h"
#include "monitor/cbor_print.h"

/* Run and print like `vmxbox ctl`; gdb owns pausing and stepping. */
static const char *const text_refused[] = { "pause", "resume", "step", "trace" };

static const struct monitor_cmd *text_cmd(const char *name)
{
	for (size_t i = 0; i < sizeof(text_refused) / sizeof(text_refused[0]); i++)
		if (!strcmp(name, text_refused[i]))
			return NULL;
	return machine_cmd_find(name);
}

static cbor_item_t *text_arg(const char *w)
{
	char *end;
	unsigned long long v = strtoull(w, &end, 0);

	if (*w >= '0' && *w <= '9' && !*end)
		return cbor_build_uint64(v);
	return cbor_build_string(w);
}

static void print_result(const cbor_item_t *r, char *out, size_t outlen)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f) {
		snprintf(out, outlen, "out of memory\n");
		return;
	}
	if (cbor_isa_string(r) && cbor_string_is_definite(r))
		fprintf(f, "%.*s\n", (int)cbor_string_length(r),
			(const char *)cbor_string_handle(r));
	else
		cbor_print_human(f, r, 0);
	fclose(f);
	snprintf(out, outlen, "%s", text ? text : "");
	free(text);
}

void machine_monitor_text(struct machine *m, const char *line, char *out,
			  size_t outlen)
{
	struct machine_monitor mm = {
		.m = m, .t0 = m->mon ? m->mon->t0 : host_monotonic_seconds(),
	};
	const struct monitor_cmd *c;
	char buf[512], err[256] = "", *save = NULL, *w;
	cbor_item_t *args, *r;

	snprintf(buf, sizeof(buf), "%s", line);
	w = strtok_r(buf, " \t", &save);
	if (!w)
		w = "help";
	c = text_cmd(w);
	if (!c) {
		snprintf(out, outlen, "%s: not a monitor command here (`monitor help` lists them; gdb itself pauses, resumes and steps)\n", w);
		return;
	}
	args = cbor_new_indefinite_array();
	while ((w = strtok_r(NULL, " \t", &save))) {
		cbor_item_t *it = text_arg(w);

		cbor_array_push(args, it);
		cbor_decref(&it);
	}
	r = c->fn(&mm, NULL, args, err, sizeof(err));
	cbor_decref(&args);
	if (!r) {
		snprintf(out, outlen, "error: %s\n", err);
		return;
	}
	print_result(r, out, outlen);
	cbor_decref(&r);
}

