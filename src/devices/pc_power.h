/* SPDX-License-Identifier: MIT */
/*
 * The PC's ways to power off or reset, and the legacy ports firmware
 * pokes on the way (docs/platform.md):
 *   0x8900   Bochs/QEMU "shutdown port": the 8 bytes "Shutdown" written
 *            one by one power the machine off
 *   0xCF9    PIIX3 reset control register: bit 2 (RST_CPU) resets, bit 1
 *            (SYS_RST) is kept and reads back (QEMU's rcr)
 *   0x92     System Control Port A: bit 0 going 0 -> 1 resets (fast
 *            reset), bit 1 is the A20 gate: reads back as written (0x02
 *            at start, as a BIOS leaves it), but A20 is always on
 *   0x80     POST codes: writes are kept (--verbose shows the last), reads
 *            return all ones
 * vmxbox never reboots: a reset request ends the run (docs/cli.md).
 */
#ifndef VMXBOX_DEVICES_PC_POWER_H
#define VMXBOX_DEVICES_PC_POWER_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/io_bus.h"

#define PC_SHUTDOWN_PORT 0x8900
#define PC_RESET_CONTROL 0xcf9
#define PC_PORT_A        0x92
#define PC_POST_PORT     0x80

#define RCR_SYS_RST 0x02
#define RCR_RST_CPU 0x04
#define PORT_A_FAST_RESET 0x01
#define PORT_A_A20        0x02

enum power_request { POWER_OFF, POWER_RESET };

/* Called on the vCPU thread; source names the port, e.g. "port 0xcf9". */
typedef void (*power_request_fn)(void *opaque, enum power_request req,
				 const char *source);

struct pc_power {
	uint8_t rcr;             /* 0xCF9 as read back */
	uint8_t port_a;          /* 0x92 as written */
	uint8_t post;            /* last byte written to 0x80 */
	bool post_written;
	unsigned shutdown_index; /* bytes of "Shutdown" matched so far */
	power_request_fn request;
	void *opaque;
};

void pc_power_init(struct pc_power *p, power_request_fn fn, void *opaque);
int pc_power_attach(struct pc_power *p, struct io_bus *pio);

#endif
