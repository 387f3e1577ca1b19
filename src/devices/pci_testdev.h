/* SPDX-License-Identifier: MIT */
/*
 * QEMU's pci-testdev (vendor 0x1b36 device 0x0005, no interrupt pin), which kvm-unit-tests and other test kernels use to
 * check that MMIO and port writes reach a device: BAR0 is 4 KiB of MMIO,
 * BAR1 256 ports.  In each, a guest writes a test number to offset 0,
 * reads the test's header
 *     u8 test; u8 width; u8 pad[2]; u32 offset; u8 data; u8 pad[3];
 *     u32 count; char name[];
 * byte by byte, writes `data` to `offset` and reads `count` back.  Tests
 * 0-2 of each BAR are "no-eventfd", "wildcard-eventfd", "datamatch-
 * eventfd" (names "mmio-..." and "portio-..."); the eventfd tests' writes
 * are consumed on their way to the device exactly as under QEMU TCG, so
 * count stays 0 where QEMU's does (docs/platform.md).
 */
#ifndef VMXBOX_DEVICES_PCI_TESTDEV_H
#define VMXBOX_DEVICES_PCI_TESTDEV_H

#include <stdint.h>

#include "devices/pci.h"

#define PCI_TESTDEV_VENDOR 0x1b36
#define PCI_TESTDEV_DEVICE 0x0005
/* QEMU sets the class word (0x0A) to PCI_CLASS_OTHERS, 0xff: subclass
 * 0xff of base class 0, the 24-bit class code 0x00ff00. */
#define PCI_TESTDEV_CLASS  0x00ff00
#define PCI_TESTDEV_MMIO_SIZE 4096
#define PCI_TESTDEV_PIO_SIZE  256
#define PCI_TESTDEV_TESTS     6        /* 3 per BAR */

struct pci_testdev {
	struct pci_device pci;
	int current;                       /* test index, -1: none */
	uint32_t count[PCI_TESTDEV_TESTS];
};

void pci_testdev_init(struct pci_testdev *t);

#endif
