/* SPDX-License-Identifier: MIT */
/*
 * Port-I/O and MMIO dispatch: devices register address ranges with read/write
 * callbacks.  Unhandled reads return all-ones; unhandled writes are ignored
 * and counted (reported by `vmxbox run --verbose`).  Probe ranges are the
 * ports of devices a PC may lack, which software probes as a matter of
 * course (an absent COM port): the same all-ones and ignored writes, but
 * counted apart, so that the unhandled count means "unexpected".
 */
#ifndef VMXBOX_DEVICES_IO_BUS_H
#define VMXBOX_DEVICES_IO_BUS_H

#include <stdbool.h>
#include <stdint.h>

#define IO_BUS_MAX_RANGES 64

struct io_handler {
	const char *name;
	/* size is 1, 2, 4 (or 8 for MMIO); value is zero-extended. */
	uint64_t (*read)(void *opaque, uint64_t offset, unsigned size);
	void (*write)(void *opaque, uint64_t offset, unsigned size, uint64_t value);
	void *opaque;
};

struct io_range {
	uint64_t base;
	uint64_t len;
	struct io_handler h;
};

struct io_bus {
	const char *name;            /* "pio" or "mmio", for messages */
	struct io_range ranges[IO_BUS_MAX_RANGES];
	unsigned nr_ranges;
	uint64_t unhandled_reads;
	uint64_t unhandled_writes;
	uint64_t last_unhandled_addr;
	uint64_t probes;             /* accesses to probe ranges */
	bool write_retry;            /* set by io_bus_retry_write() */
	/* Accesses no range here claims go on to this bus (a vCPU's own
	 * MMIO view: its local APIC window first, then the machine's). */
	struct io_bus *fallback;
};

void io_bus_init(struct io_bus *bus, const char *name);
/* Returns 0, or -EEXIST on overlap, -ENOSPC when full, -EINVAL for len 0. */
int io_bus_register(struct io_bus *bus, uint64_t base, uint64_t len,
		    const struct io_handler *h);
/* A probe range (see above): returns as io_bus_register(). */
int io_bus_register_probe(struct io_bus *bus, uint64_t base, uint64_t len);
/* Remove the range that starts at base (devices that move, like the local
 * APIC's window).  Returns 0, or -ENOENT. */
int io_bus_unregister(struct io_bus *bus, uint64_t base);
const struct io_range *io_bus_find(const struct io_bus *bus, uint64_t addr);
uint64_t io_bus_read(struct io_bus *bus, uint64_t addr, unsigned size);
/* False when the device asked for the write to be retried later
 * (io_bus_retry_write()): the engine must then undo the instruction and
 * run it again, so a device whose output is blocked never blocks a stop. */
bool io_bus_write(struct io_bus *bus, uint64_t addr, unsigned size, uint64_t value);
/* From inside a write handler: the write had no effect, retry it later. */
void io_bus_retry_write(struct io_bus *bus);

#endif
