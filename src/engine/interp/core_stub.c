// SPDX-License-Identifier: MIT
/* TEMPORARY placeholder for the interpreter core (run loop, decoder). */
#include "engine/interp/interp.h"

#include <stdio.h>

static bool interp_probe(char *why, size_t len) { return true; }

static struct engine *interp_create(const struct engine_config *cfg, char *err,
				    size_t errlen)
{
	snprintf(err, errlen, "interpreter not implemented yet");
	return NULL;
}

const struct engine_ops interp_engine_ops = {
	.name = "interp",
	.probe = interp_probe,
	.create = interp_create,
};
