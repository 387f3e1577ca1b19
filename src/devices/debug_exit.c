// SPDX-License-Identifier: MIT
#include "devices/debug_exit.h"

#include <string.h>

void debug_exit_init(struct debug_exit *d, enum debug_exit_mode mode,
		     void (*on_exit)(void *opaque, int status), void *opaque)
{
	memset(d, 0, sizeof(*d));
	d->mode = mode;
	d->on_exit = on_exit;
	d->opaque = opaque;
}

int debug_exit_status(enum debug_exit_mode mode, uint64_t v)
{
	if (mode == DEBUG_EXIT_QEMU)
		v = (v << 1) | 1;
	return (int)(v & 0xff);
}

static uint64_t debug_exit_read(void *opaque, uint64_t off, unsigned size)
{
	return ~0ull;    /* reads like an empty port; the bus masks to size */
}

static void debug_exit_write(void *opaque, uint64_t off, unsigned size,
			     uint64_t v)
{
	struct debug_exit *d = opaque;

	/* A write at any port of the range counts, as QEMU's isa-debug-exit
	 * (hw/misc/debugexit.c) exits on any; only the first one: the run
	 * is already ending. */
	if (d->fired || (size != 1 && size != 2 && size != 4))
		return;
	d->fired = true;
	d->value = v;
	d->status = debug_exit_status(d->mode, v);
	if (d->on_exit)
		d->on_exit(d->opaque, d->status);
}

int debug_exit_attach(struct debug_exit *d, struct io_bus *pio, uint16_t port,
		      unsigned len)
{
	struct io_handler h = { "debug-exit", debug_exit_read, debug_exit_write, d };

	return io_bus_register(pio, port, len ? len : 1, &h);
}

static const char *const mode_names[] = {
	[DEBUG_EXIT_PLAIN] = "plain",
	[DEBUG_EXIT_QEMU] = "qemu",
};

bool debug_exit_parse_mode(const char *s, enum debug_exit_mode *mode)
{
	for (unsigned i = 0; i < sizeof(mode_names) / sizeof(mode_names[0]); i++) {
		if (!strcmp(s, mode_names[i])) {
			*mode = (enum debug_exit_mode)i;
			return true;
		}
	}
	return false;
}
