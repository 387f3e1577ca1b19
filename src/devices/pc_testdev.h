/* SPDX-License-Identifier: MIT */
/*
 * QEMU's pc-testdev, the ISA test device of kvm-unit-tests' x86 runner:
 *   0xE0-0xE3   a 32-bit scratch register, any access size and offset
 *   0xE4-0xE7   "flush page": a 32-bit write names a guest page (QEMU
 *               re-protects it to test KVM's dirty tracking); reads 0
 *   0xE8-0xEB   the same scratch register, accessed byte by byte
 *   0x2000+n    (n < 24) raise/lower ISA IRQ line n: attached only with
 *               an IRQ hook (the interrupt controllers' side, docs/platform.md)
 *   0xFF000000  64 KiB of MMIO scratch memory ("iomem")
 */
#ifndef VMXBOX_DEVICES_PC_TESTDEV_H
#define VMXBOX_DEVICES_PC_TESTDEV_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/io_bus.h"

#define PC_TESTDEV_IOPORT     0xe0
#define PC_TESTDEV_FLUSH      0xe4
#define PC_TESTDEV_IOPORT_BYTE 0xe8
#define PC_TESTDEV_IRQ        0x2000
#define PC_TESTDEV_IRQ_LINES  24
#define PC_TESTDEV_IOMEM      0xff000000ull
#define PC_TESTDEV_IOMEM_LEN  0x10000

struct pc_testdev {
	uint32_t ioport_data;
	uint8_t iomem[PC_TESTDEV_IOMEM_LEN];
	/* ISA IRQ line n to level (0/1); NULL: the IRQ ports are absent. */
	void (*set_irq)(void *opaque, unsigned line, bool level);
	void *irq_opaque;
};

void pc_testdev_init(struct pc_testdev *t);
int pc_testdev_attach(struct pc_testdev *t, struct io_bus *pio,
		      struct io_bus *mmio);

#endif
