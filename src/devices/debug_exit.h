/* SPDX-License-Identifier: MIT */
/*
 * Debug-exit port (0xf4): a 1, 2 or 4-byte write of v ends the run.
 *   plain: exit status v            (vmxbox's default)
 *   qemu:  exit status (v << 1) | 1 (QEMU isa-debug-exit convention)
 * A process exit status has 8 bits, so the low 8 bits of that value are
 * what the shell sees.
 */
#ifndef VMXBOX_DEVICES_DEBUG_EXIT_H
#define VMXBOX_DEVICES_DEBUG_EXIT_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/io_bus.h"

#define DEBUG_EXIT_PORT 0xf4

enum debug_exit_mode {
	DEBUG_EXIT_PLAIN,
	DEBUG_EXIT_QEMU,
};

struct debug_exit {
	enum debug_exit_mode mode;
	bool fired;
	uint64_t value;          /* as written by the guest */
	int status;              /* process exit status, 0..255 */
	/* Called on the first write (from the vCPU thread, inside run()). */
	void (*on_exit)(void *opaque, int status);
	void *opaque;
};

void debug_exit_init(struct debug_exit *d, enum debug_exit_mode mode,
		     void (*on_exit)(void *opaque, int status), void *opaque);
/* len ports from port (QEMU's iosize); a write to any of them exits. */
int debug_exit_attach(struct debug_exit *d, struct io_bus *pio, uint16_t port,
		      unsigned len);
/* Exit status for a written value v under mode. */
int debug_exit_status(enum debug_exit_mode mode, uint64_t v);
/* "plain" / "qemu" <-> mode; returns false on an unknown name. */
bool debug_exit_parse_mode(const char *s, enum debug_exit_mode *mode);

#endif
