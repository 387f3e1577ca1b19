// SPDX-License-Identifier: MIT
#include "devices/pci_testdev.h"

#include <string.h>

#define HDR_LEN 16
#define DATAMATCH 0xfa
#define NOMATCH 0xce

enum { T_NO_EVENTFD, T_WILDCARD, T_DATAMATCH, T_PER_BAR };
enum { BAR_MMIO, BAR_PIO };

static const char *const test_names[PCI_TESTDEV_TESTS] = {
	"mmio-no-eventfd", "mmio-wildcard-eventfd", "mmio-datamatch-eventfd",
	"portio-no-eventfd", "portio-wildcard-eventfd", "portio-datamatch-eventfd",
};

/* Test i's trigger offset: past the header area, one byte per test. */
static uint32_t test_offset(int i)
{
	return (i < T_PER_BAR ? PCI_TESTDEV_MMIO_SIZE / 2 : PCI_TESTDEV_PIO_SIZE / 2) +
	       (uint32_t)i;
}

static uint8_t test_data(int i)
{
	return i % T_PER_BAR == T_WILDCARD ? NOMATCH : DATAMATCH;
}

/* Byte off of test i's header (0 past its name's last character). */
static uint8_t header_byte(const struct pci_testdev *t, int i, uint64_t off)
{
	const char *name = test_names[i];
	uint8_t h[HDR_LEN] = { 0 };
	size_t len = HDR_LEN + strlen(name) + 1;
	uint32_t o = test_offset(i);

	/* QEMU answers 0 for the last byte too (addr + size >= bufsize). */
	if (off + 1 >= len)
		return 0;
	if (off >= HDR_LEN)
		return (uint8_t)name[off - HDR_LEN];
	h[0] = (uint8_t)i;
	h[1] = 1;                          /* width: byte writes */
	for (int b = 0; b < 4; b++) {
		h[4 + b] = (uint8_t)(o >> (8 * b));
		h[12 + b] = (uint8_t)(t->count[i] >> (8 * b));
	}
	h[8] = test_data(i);
	return h[off];
}

/*
 * Would QEMU's ioeventfd for the current test take this write?  QEMU
 * signals a registered eventfd instead of calling the device when the
 * write hits its region at the test's offset with the eventfd's size
 * (1 byte; any size for the MMIO wildcard, registered with size 0) and,
 * for datamatch, the test's data.  The device never counts those.
 */
static bool eventfd_takes(const struct pci_testdev *t, int bar, uint64_t off,
			  unsigned size, uint64_t v)
{
	int i = t->current;
	unsigned kind = (unsigned)i % T_PER_BAR;

	if (i < 0 || i / T_PER_BAR != bar || kind == T_NO_EVENTFD ||
	    off != test_offset(i))
		return false;
	/* The MMIO wildcard's eventfd has size 0: any write size. */
	if (kind == T_WILDCARD)
		return bar == BAR_MMIO || size == 1;
	return size == 1 && v == DATAMATCH;
}

/* One byte reaching the device (QEMU splits wider accesses). */
static void write_byte(struct pci_testdev *t, int bar, uint64_t off, uint8_t v)
{
	int i = t->current;

	if (off == 0) {
		t->current = v < T_PER_BAR ? bar * T_PER_BAR + v : -1;
		if (t->current >= 0)
			t->count[t->current] = 0;
		return;
	}
	if (i < 0 || off != test_offset(i))
		return;
	if (i % T_PER_BAR != T_WILDCARD && v != test_data(i))
		return;
	t->count[i]++;
}

static void bar_write(struct pci_testdev *t, int bar, uint64_t off,
		      unsigned size, uint64_t v)
{
	if (eventfd_takes(t, bar, off, size, v))
		return;
	for (unsigned b = 0; b < size; b++)
		write_byte(t, bar, off + b, (uint8_t)(v >> (8 * b)));
}

static uint64_t bar_read(void *opaque, uint64_t off, unsigned size)
{
	struct pci_testdev *t = opaque;
	uint64_t v = 0;

	if (t->current < 0)
		return 0;
	for (unsigned b = 0; b < size; b++)
		v |= (uint64_t)header_byte(t, t->current, off + b) << (8 * b);
	return v;
}

static void mmio_write(void *opaque, uint64_t off, unsigned size, uint64_t v)
{
	bar_write(opaque, BAR_MMIO, off, size, v);
}

static void pio_write(void *opaque, uint64_t off, unsigned size, uint64_t v)
{
	bar_write(opaque, BAR_PIO, off, size, v);
}

void pci_testdev_init(struct pci_testdev *t)
{
	struct io_handler mmio = { "pci-testdev-mmio", bar_read, mmio_write, t };
	struct io_handler pio = { "pci-testdev-portio", bar_read, pio_write, t };

	memset(t, 0, sizeof(*t));
	pci_device_init(&t->pci, "pci-testdev", PCI_TESTDEV_VENDOR,
			PCI_TESTDEV_DEVICE, PCI_TESTDEV_CLASS, 0);
	pci_device_set_bar(&t->pci, 0, PCI_TESTDEV_MMIO_SIZE, 0, &mmio);
	pci_device_set_bar(&t->pci, 1, PCI_TESTDEV_PIO_SIZE, PCI_BAR_IO, &pio);
	t->current = -1;
}
