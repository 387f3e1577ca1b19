// SPDX-License-Identifier: MIT
/* vmxbox caps: what this host offers and which engine `auto` picks. */
#include <getopt.h>
#include <string.h>

#include "cli/cli.h"
#include "engine/engine.h"
#include "engine/host_caps.h"
#include "machine/exit_status.h"

static const char caps_usage[] =
"Usage: vmxbox caps [--json]\n"
"\n"
"Report whether /dev/kvm is present and usable (and its API version),\n"
"whether the host offers nested VMX, which vCPU engines are available and\n"
"which one --engine=auto picks, and why.\n"
"\n"
"Options:\n"
"  --json      one JSON object on stdout instead of text\n"
"  -h, --help  show this help\n";

struct engine_status {
	const char *name;
	bool built;
	bool available;
	char reason[200];
};

struct caps_report {
	struct host_caps hc;
	struct engine_status eng[8];
	unsigned nr_eng;
	const struct engine_ops *auto_pick;
	char auto_why[320];
};

static void gather(struct caps_report *r)
{
	memset(r, 0, sizeof(*r));
	host_caps_probe(&r->hc);
	for (unsigned i = 0; engine_known_names[i] && i < 8; i++) {
		struct engine_status *e = &r->eng[r->nr_eng++];

		e->name = engine_known_names[i];
		e->built = engine_find(e->name) != NULL;
		e->available = engine_select(e->name, e->reason,
					     sizeof(e->reason)) != NULL;
		if (e->available)
			e->reason[0] = '\0';
	}
	r->auto_pick = engine_select("auto", r->auto_why, sizeof(r->auto_why));
}

static const char *kvm_state(const struct host_caps *hc)
{
	if (hc->kvm_usable)
		return "present, usable";
	return hc->kvm_present ? "present, not usable" : "absent";
}

static const char *nested_param(int v)
{
	return v < 0 ? "kvm_intel not loaded" : v ? "Y" : "N";
}

static void print_text(const struct caps_report *r)
{
	const struct host_caps *hc = &r->hc;

	printf("kvm device:        %s\n", hc->kvm_path);
	printf("kvm:               %s", kvm_state(hc));
	if (!hc->kvm_usable)
		printf(" (%s)", strerror(hc->kvm_errno));
	printf("\n");
	if (hc->kvm_api_version >= 0)
		printf("kvm api version:   %d\n", hc->kvm_api_version);
	else
		printf("kvm api version:   unknown\n");
	printf("host cpu vmx:      %s\n", hc->cpu_vmx ? "yes" : "no");
	printf("kvm_intel nested:  %s\n", nested_param(hc->kvm_intel_nested));
	printf("nested vmx:        %s\n", host_caps_nested_vmx(hc) ? "yes" : "no");
	printf("engines:\n");
	for (unsigned i = 0; i < r->nr_eng; i++)
		printf("  %-8s         %s%s%s\n", r->eng[i].name,
		       r->eng[i].available ? "available" : "unavailable",
		       r->eng[i].available ? "" : ": ", r->eng[i].reason);
	printf("auto picks:        %s (%s)\n",
	       r->auto_pick ? r->auto_pick->name : "none", r->auto_why);
}

static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void json_bool(const char *key, bool v, const char *sep)
{
	printf("\"%s\":%s%s", key, v ? "true" : "false", sep);
}

static void print_json(const struct caps_report *r)
{
	const struct host_caps *hc = &r->hc;

	printf("{\"kvm\":{\"device\":");
	json_str(hc->kvm_path);
	printf(",");
	json_bool("present", hc->kvm_present, ",");
	json_bool("usable", hc->kvm_usable, ",");
	printf("\"api_version\":");
	if (hc->kvm_api_version >= 0)
		printf("%d", hc->kvm_api_version);
	else
		printf("null");
	printf(",\"error\":");
	if (hc->kvm_usable)
		printf("null");
	else
		json_str(strerror(hc->kvm_errno));
	printf("},");
	printf("\"nested_vmx\":{");
	json_bool("host_cpu_vmx", hc->cpu_vmx, ",");
	if (hc->kvm_intel_nested < 0)
		printf("\"kvm_intel_nested\":null,");
	else
		json_bool("kvm_intel_nested", hc->kvm_intel_nested, ",");
	json_bool("available", host_caps_nested_vmx(hc), "},");
	printf("\"engines\":[");
	for (unsigned i = 0; i < r->nr_eng; i++) {
		printf("%s{\"name\":", i ? "," : "");
		json_str(r->eng[i].name);
		printf(",");
		json_bool("built", r->eng[i].built, ",");
		json_bool("available", r->eng[i].available, ",");
		printf("\"reason\":");
		json_str(r->eng[i].reason);
		printf("}");
	}
	printf("],\"auto\":{\"engine\":");
	if (r->auto_pick)
		json_str(r->auto_pick->name);
	else
		printf("null");
	printf(",\"reason\":");
	json_str(r->auto_why);
	printf("}}\n");
}

static const struct option caps_options[] = {
	{ "json", no_argument, NULL, 'j' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

int cmd_caps(int argc, char **argv)
{
	struct caps_report r;
	bool json = false;
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", caps_options, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'h':
			fputs(caps_usage, stdout);
			return VMXBOX_EXIT_OK;
		default:
			cli_bad_option("caps", argc, argv, optopt);
			fputs(caps_usage, stderr);
			return VMXBOX_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		cli_error("caps", "unexpected argument '%s'", argv[optind]);
		fputs(caps_usage, stderr);
		return VMXBOX_EXIT_USAGE;
	}
	gather(&r);
	if (json)
		print_json(&r);
	else
		print_text(&r);
	return VMXBOX_EXIT_OK;
}
