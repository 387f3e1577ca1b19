/* SPDX-License-Identifier: MIT */
/*
 * PCI bus 0 behind the PC's host bridge: configuration mechanism #1
 * (PCI Local Bus Specification 3.0, 3.2.2.3.2) on ports 0xCF8 (32-bit
 * CONFIG_ADDRESS) and 0xCFC-0xCFF (CONFIG_DATA), type-0 configuration
 * headers, and BARs that map a device's port or MMIO region onto the
 * buses while the command register enables decoding (QEMU's rules:
 * docs/platform.md).
 */
#ifndef VMXBOX_DEVICES_PCI_H
#define VMXBOX_DEVICES_PCI_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/io_bus.h"

#define PCI_CONFIG_ADDRESS 0xcf8
#define PCI_CONFIG_DATA    0xcfc
#define PCI_CONFIG_SPACE   256
#define PCI_NUM_BARS       6
#define PCI_DEVFN(slot, fn) ((uint8_t)((slot) << 3 | (fn)))

/* Type-0 header offsets. */
enum {
	PCI_VENDOR_ID = 0x00, PCI_DEVICE_ID = 0x02, PCI_COMMAND = 0x04,
	PCI_STATUS = 0x06, PCI_REVISION_ID = 0x08, PCI_CLASS_PROG = 0x09,
	PCI_CLASS_DEVICE = 0x0a, PCI_CACHE_LINE_SIZE = 0x0c,
	PCI_LATENCY_TIMER = 0x0d, PCI_HEADER_TYPE = 0x0e, PCI_BAR0 = 0x10,
	PCI_SUBSYSTEM_VENDOR_ID = 0x2c, PCI_SUBSYSTEM_ID = 0x2e,
	PCI_INTERRUPT_LINE = 0x3c, PCI_INTERRUPT_PIN = 0x3d,
};

#define PCI_COMMAND_IO      0x0001
#define PCI_COMMAND_MEMORY  0x0002
#define PCI_COMMAND_MASTER  0x0004
#define PCI_COMMAND_PARITY  0x0040
#define PCI_COMMAND_SERR    0x0100
#define PCI_COMMAND_INTX_DISABLE 0x0400

#define PCI_BAR_IO       0x1     /* bit 0: I/O space; else 32-bit memory */
#define PCI_BAR_PREFETCH 0x8

/* QEMU's defaults for every device it emulates. */
#define PCI_SUBVENDOR_QEMU 0x1af4
#define PCI_SUBDEVICE_QEMU 0x1100

struct pci_bus;

struct pci_bar {
	uint64_t size;            /* power of two; 0 = no BAR */
	uint8_t flags;            /* PCI_BAR_IO, or memory flags */
	struct io_handler h;      /* the region's handler (offset from BAR) */
	bool mapped;
	uint64_t mapped_at;
};

struct pci_device {
	const char *name;
	uint8_t devfn;
	uint8_t config[PCI_CONFIG_SPACE];
	uint8_t wmask[PCI_CONFIG_SPACE];   /* bits the guest may change */
	struct pci_bar bars[PCI_NUM_BARS];
	struct pci_bus *bus;
};

struct pci_bus {
	struct io_bus *pio, *mmio;
	uint32_t config_address;  /* 0xCF8 latch */
	struct pci_device *devs[256];   /* by devfn */
};

/* Claims 0xCF8 (its 32-bit accesses; 0xCF9 is the reset control
 * register, a separate device), 0xCFA-0xCFB and 0xCFC-0xCFF. */
int pci_bus_init(struct pci_bus *bus, struct io_bus *pio, struct io_bus *mmio);

/* A device with QEMU's default header: vendor, device, class (24-bit
 * class code), revision, subsystem 1af4:1100, the command register's
 * writable bits, interrupt line writable.  Not yet on a bus. */
void pci_device_init(struct pci_device *d, const char *name, uint16_t vendor,
		     uint16_t device, uint32_t class_code, uint8_t revision);
/* BAR n: a region of size bytes (a power of two, at least 4 for I/O and
 * 16 for memory) served by h. */
void pci_device_set_bar(struct pci_device *d, unsigned n, uint64_t size,
			uint8_t flags, const struct io_handler *h);
/* Plug in at devfn.  0, or -EEXIST / -EINVAL. */
int pci_bus_add(struct pci_bus *bus, struct pci_device *d, uint8_t devfn);

/* Configuration space access as the guest makes it (also for firmware
 * setup and tests): size 1, 2 or 4 at any offset inside the space. */
uint32_t pci_config_read(struct pci_device *d, unsigned off, unsigned size);
void pci_config_write(struct pci_device *d, unsigned off, unsigned size,
		      uint32_t v);

/* Where BAR n decodes now, or false when it does not (decoding off in
 * the command register, address 0, or a range that wraps). */
bool pci_bar_address(const struct pci_device *d, unsigned n, uint64_t *addr);

/*
 * Snapshots.  Which BARs are on their bus is history, not a function of
 * the header: a BAR moved onto another device's range stays unmapped
 * until its next configuration write, so it is saved beside the header.
 */
/* Bit n set: BAR n's region is registered on its bus now. */
unsigned pci_bars_mapped(const struct pci_device *d);
/* Take d's BARs off the buses (first for every device, so that one
 * device's restored BAR may lie where another's is before its load). */
void pci_device_unmap(struct pci_device *d);
/* A saved header for d: the read-only bits are d's own (same device and
 * BAR types), and every BAR in mapped decodes in it.  Changes nothing. */
bool pci_config_fits(const struct pci_device *d, const uint8_t *config,
		     unsigned mapped);
/* Put a header that fits into d (its BARs unmapped) and register the
 * BARs in mapped.  0, -EINVAL (it does not fit) or -EEXIST (a BAR's
 * range is another device's). */
int pci_device_load(struct pci_device *d, const uint8_t *config,
		    unsigned mapped);

#endif
