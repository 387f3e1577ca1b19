// SPDX-License-Identifier: MIT
#include "devices/pci.h"

#include <errno.h>
#include <string.h>

/* CONFIG_ADDRESS (PCI 3.0, 3.2.2.3.2): enable 31, bus 23:16, device and
 * function 15:8, register 7:0. */
#define CFG_ENABLE (1u << 31)

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

void pci_device_init(struct pci_device *d, const char *name, uint16_t vendor,
		     uint16_t device, uint32_t class_code, uint8_t revision)
{
	memset(d, 0, sizeof(*d));
	d->name = name;
	put16(d->config + PCI_VENDOR_ID, vendor);
	put16(d->config + PCI_DEVICE_ID, device);
	d->config[PCI_REVISION_ID] = revision;
	d->config[PCI_CLASS_PROG] = (uint8_t)class_code;
	put16(d->config + PCI_CLASS_DEVICE, (uint16_t)(class_code >> 8));
	put16(d->config + PCI_SUBSYSTEM_VENDOR_ID, PCI_SUBVENDOR_QEMU);
	put16(d->config + PCI_SUBSYSTEM_ID, PCI_SUBDEVICE_QEMU);
	/* What QEMU lets a guest change in every device's header. */
	put16(d->wmask + PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_MEMORY |
	      PCI_COMMAND_MASTER | PCI_COMMAND_PARITY | PCI_COMMAND_SERR |
	      PCI_COMMAND_INTX_DISABLE);
	d->wmask[PCI_CACHE_LINE_SIZE] = 0xff;
	d->wmask[PCI_INTERRUPT_LINE] = 0xff;
}

void pci_device_set_bar(struct pci_device *d, unsigned n, uint64_t size,
			uint8_t flags, const struct io_handler *h)
{
	struct pci_bar *b = &d->bars[n];
	uint32_t mask = (uint32_t)~(size - 1);

	b->size = size;
	b->flags = flags;
	b->h = *h;
	/* The address bits above the size are writable; the low bits read
	 * as the BAR's type, so writing all ones reads back the size. */
	d->config[PCI_BAR0 + 4 * n] = flags;
	for (int i = 0; i < 4; i++)
		d->wmask[PCI_BAR0 + 4 * n + i] = (uint8_t)(mask >> (8 * i));
	d->wmask[PCI_BAR0 + 4 * n] &= flags & PCI_BAR_IO ? 0xfc : 0xf0;
}

/* Where BAR n of d would decode with header config. */
static bool bar_decodes(const struct pci_device *d, const uint8_t *config,
			unsigned n, uint64_t *addr)
{
	const struct pci_bar *b = &d->bars[n];
	uint16_t cmd = get16(config + PCI_COMMAND);
	uint64_t a, last;
	bool io = b->flags & PCI_BAR_IO;

	if (!b->size || !(cmd & (io ? PCI_COMMAND_IO : PCI_COMMAND_MEMORY)))
		return false;
	a = get32(config + PCI_BAR0 + 4 * n) & ~(b->size - 1) & 0xffffffffull;
	last = a + b->size - 1;
	/* QEMU's rules: address 0 and ranges that wrap past 4 GiB (64 KiB
	 * for ports) do not decode. */
	if (!a || last > (io ? 0xffffull : 0xfffffffeull))
		return false;
	*addr = a;
	return true;
}

bool pci_bar_address(const struct pci_device *d, unsigned n, uint64_t *addr)
{
	return bar_decodes(d, d->config, n, addr);
}

static struct io_bus *bar_bus(const struct pci_device *d, unsigned n)
{
	return d->bars[n].flags & PCI_BAR_IO ? d->bus->pio : d->bus->mmio;
}

/* Move each BAR's region to where the header says it decodes now. */
static void update_mappings(struct pci_device *d)
{
	for (unsigned n = 0; n < PCI_NUM_BARS; n++) {
		struct pci_bar *b = &d->bars[n];
		struct io_bus *io = bar_bus(d, n);
		uint64_t a = 0;
		bool on = b->size && pci_bar_address(d, n, &a);

		if (b->mapped && (!on || a != b->mapped_at)) {
			io_bus_unregister(io, b->mapped_at);
			b->mapped = false;
		}
		/* A BAR over another device's range stays unmapped. */
		if (on && !b->mapped && !io_bus_register(io, a, b->size, &b->h)) {
			b->mapped = true;
			b->mapped_at = a;
		}
	}
}

unsigned pci_bars_mapped(const struct pci_device *d)
{
	unsigned m = 0;

	for (unsigned n = 0; n < PCI_NUM_BARS; n++)
		if (d->bars[n].mapped)
			m |= 1u << n;
	return m;
}

void pci_device_unmap(struct pci_device *d)
{
	for (unsigned n = 0; n < PCI_NUM_BARS; n++)
		if (d->bars[n].mapped) {
			io_bus_unregister(bar_bus(d, n), d->bars[n].mapped_at);
			d->bars[n].mapped = false;
		}
}

bool pci_config_fits(const struct pci_device *d, const uint8_t *config,
		     unsigned mapped)
{
	uint64_t a;

	for (unsigned i = 0; i < PCI_CONFIG_SPACE; i++)
		if ((config[i] ^ d->config[i]) & ~d->wmask[i])
			return false;
	if (mapped >> PCI_NUM_BARS)
		return false;
	for (unsigned n = 0; n < PCI_NUM_BARS; n++)
		if ((mapped >> n & 1) && !bar_decodes(d, config, n, &a))
			return false;
	return true;
}

int pci_device_load(struct pci_device *d, const uint8_t *config,
		    unsigned mapped)
{
	if (!pci_config_fits(d, config, mapped) || (mapped && !d->bus))
		return -EINVAL;
	pci_device_unmap(d);
	memcpy(d->config, config, PCI_CONFIG_SPACE);
	for (unsigned n = 0; n < PCI_NUM_BARS; n++) {
		struct pci_bar *b = &d->bars[n];
		uint64_t a;

		if (!(mapped >> n & 1))
			continue;
		bar_decodes(d, d->config, n, &a);
		if (io_bus_register(bar_bus(d, n), a, b->size, &b->h))
			return -EEXIST;
		b->mapped = true;
		b->mapped_at = a;
	}
	return 0;
}

uint32_t pci_config_read(struct pci_device *d, unsigned off, unsigned size)
{
	uint32_t v = 0;

	for (unsigned i = 0; i < size && off + i < PCI_CONFIG_SPACE; i++)
		v |= (uint32_t)d->config[off + i] << (8 * i);
	return v;
}

void pci_config_write(struct pci_device *d, unsigned off, unsigned size,
		      uint32_t v)
{
	for (unsigned i = 0; i < size && off + i < PCI_CONFIG_SPACE; i++) {
		uint8_t m = d->wmask[off + i];

		d->config[off + i] = (uint8_t)((d->config[off + i] & ~m) |
					       ((v >> (8 * i)) & m));
	}
	if (d->bus)
		update_mappings(d);
}

int pci_bus_add(struct pci_bus *bus, struct pci_device *d, uint8_t devfn)
{
	if (bus->devs[devfn])
		return -EEXIST;
	d->devfn = devfn;
	d->bus = bus;
	bus->devs[devfn] = d;
	update_mappings(d);
	return 0;
}

/* The device CONFIG_ADDRESS names, or NULL (only bus 0 exists). */
static struct pci_device *addressed(struct pci_bus *bus)
{
	if (!(bus->config_address & CFG_ENABLE) ||
	    ((bus->config_address >> 16) & 0xff))
		return NULL;
	return bus->devs[(bus->config_address >> 8) & 0xff];
}

/* 0xCF8: 32-bit writes set CONFIG_ADDRESS; reads of any size return it
 * (so do reads of 0xCFA-0xCFB, as in QEMU, where one 4-byte region
 * holds it and 0xCF9's reset register lies over it). */
static uint64_t addr_read(void *opaque, uint64_t off, unsigned size)
{
	return ((struct pci_bus *)opaque)->config_address;
}

static void addr_write(void *opaque, uint64_t off, unsigned size, uint64_t v)
{
	if (off == 0 && size == 4)
		((struct pci_bus *)opaque)->config_address = (uint32_t)v;
}

/* 0xCFC-0xCFF: the addressed register (its low two bits OR'ed with the
 * port's, as QEMU does); all ones when nothing is addressed. */
static uint64_t data_read(void *opaque, uint64_t off, unsigned size)
{
	struct pci_bus *bus = opaque;
	struct pci_device *d = addressed(bus);

	if (!d)
		return ~0ull;
	return pci_config_read(d, (bus->config_address & 0xff) | (unsigned)(off & 3),
			       size);
}

static void data_write(void *opaque, uint64_t off, unsigned size, uint64_t v)
{
	struct pci_bus *bus = opaque;
	struct pci_device *d = addressed(bus);

	if (d)
		pci_config_write(d, (bus->config_address & 0xff) | (unsigned)(off & 3),
				 size, (uint32_t)v);
}

int pci_bus_init(struct pci_bus *bus, struct io_bus *pio, struct io_bus *mmio)
{
	struct io_handler a = { "pci-config-address", addr_read, addr_write, bus };
	struct io_handler d = { "pci-config-data", data_read, data_write, bus };
	int ret;

	memset(bus, 0, sizeof(*bus));
	bus->pio = pio;
	bus->mmio = mmio;
	ret = io_bus_register(pio, PCI_CONFIG_ADDRESS, 1, &a);
	if (!ret)
		ret = io_bus_register(pio, PCI_CONFIG_ADDRESS + 2, 2, &a);
	return ret ? ret : io_bus_register(pio, PCI_CONFIG_DATA, 4, &d);
}
