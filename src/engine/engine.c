// SPDX-License-Identifier: MIT
#include "engine/engine.h"

#include <string.h>

static const struct engine_ops *const engines[] = {
	&interp_engine_ops,
	NULL,
};

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
	};
	return (unsigned)r < sizeof(names) / sizeof(names[0]) ? names[r] : "?";
}
