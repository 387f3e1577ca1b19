// SPDX-License-Identifier: MIT
#include "engine/engine.h"

#include <stdio.h>
#include <string.h>

#include "engine/host_caps.h"

/*
 * Preference order for `auto`: kvm when /dev/kvm is usable and can execute
 * SSE itself (it hands the vCPU to the interpreter where VMX begins,
 * docs/kvm.md), else interp.
 */
static const struct engine_ops *const engines[] = {
	&kvm_engine_ops,
	&interp_engine_ops,
	NULL,
};

const char *const engine_known_names[] = { "kvm", "interp", NULL };

const struct engine_ops *const *engine_list(void)
{
	return engines;
}

const struct engine_ops *engine_find(const char *name)
{
	for (size_t i = 0; engines[i]; i++)
		if (!strcmp(engines[i]->name, name))
			return engines[i];
	return NULL;
}

const char *engine_exit_reason_name(enum engine_exit_reason r)
{
	static const char *const names[] = {
		[ENGINE_EXIT_NONE] = "none",
		[ENGINE_EXIT_HLT] = "hlt",
		[ENGINE_EXIT_SHUTDOWN] = "shutdown",
		[ENGINE_EXIT_INSN_LIMIT] = "insn-limit",
		[ENGINE_EXIT_STOP] = "stop",
		[ENGINE_EXIT_ERROR] = "error",
		[ENGINE_EXIT_DEBUG] = "debug",
	};
	return (unsigned)r < sizeof(names) / sizeof(names[0]) ? names[r] : "?";
}

static bool known_name(const char *name)
{
	for (size_t i = 0; engine_known_names[i]; i++)
		if (!strcmp(engine_known_names[i], name))
			return true;
	return false;
}

/* Why a known engine is not compiled in; kvm needs /dev/kvm first. */
static void explain_missing(const char *name, char *why, size_t len)
{
	struct host_caps hc;

	if (strcmp(name, "kvm")) {
		snprintf(why, len, "the %s engine is not built into this vmxbox",
			 name);
		return;
	}
	host_caps_probe(&hc);
	if (!hc.kvm_usable)
		snprintf(why, len, "the kvm engine needs %s: %s", hc.kvm_path,
			 strerror(hc.kvm_errno));
	else
		snprintf(why, len,
			 "%s is usable, but the kvm engine is not built into this vmxbox",
			 hc.kvm_path);
}

static const struct engine_ops *select_auto(char *why, size_t len)
{
	size_t used = 0;

	why[0] = '\0';
	if (!engine_find("kvm")) {
		explain_missing("kvm", why, len);
		used = strlen(why);
	}
	for (size_t i = 0; engines[i]; i++) {
		char r[160] = "";

		if (engines[i]->probe(r, sizeof(r)) &&
		    (!engines[i]->auto_ok || engines[i]->auto_ok(r, sizeof(r)))) {
			snprintf(why + used, len - used, "%s%s is the first usable engine%s",
				 used ? "; " : "", engines[i]->name,
				 engines[i] == &kvm_engine_ops
				 ? ": it hands the vCPU to interp at the guest's first access to "
				   "IA32_FEATURE_CONTROL or a VMX capability MSR" : "");
			return engines[i];
		}
		used += (size_t)snprintf(why + used, len - used, "%s%s: %s",
					 used ? "; " : "", engines[i]->name, r);
		if (used >= len)
			used = len - 1;
	}
	return NULL;
}

const struct engine_ops *engine_select(const char *name, char *why, size_t len)
{
	const struct engine_ops *ops;
	char r[160] = "";

	if (!strcmp(name, "auto"))
		return select_auto(why, len);
	if (!known_name(name)) {
		snprintf(why, len, "unknown engine '%s' (known: auto, interp, kvm)",
			 name);
		return NULL;
	}
	ops = engine_find(name);
	if (!ops) {
		explain_missing(name, why, len);
		return NULL;
	}
	if (!ops->probe(r, sizeof(r))) {
		/* probe() says what is missing: "needs /dev/kvm: ..." */
		snprintf(why, len, "the %s engine %s", name, r);
		return NULL;
	}
	snprintf(why, len, "%s requested", name);
	return ops;
}
