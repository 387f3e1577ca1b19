// SPDX-License-Identifier: MIT
#include "devices/pc_testdev.h"

#include <string.h>

void pc_testdev_init(struct pc_testdev *t)
{
	memset(t, 0, sizeof(*t));
}

/* The scratch register seen through a size-byte window at off & 3. */
static uint32_t window_mask(uint64_t off, unsigned size, unsigned *shift)
{
	*shift = (unsigned)(off & 3) * 8;
	return (uint32_t)((size >= 4 ? 0xffffffffull : (1ull << (8 * size)) - 1)
			  << *shift);
}

static uint64_t ioport_read(void *opaque, uint64_t off, unsigned size)
{
	struct pc_testdev *t = opaque;
	unsigned shift;
	uint32_t m = window_mask(off, size, &shift);

	return (t->ioport_data & m) >> shift;
}

static void ioport_write(void *opaque, uint64_t off, unsigned size, uint64_t v)
{
	struct pc_testdev *t = opaque;
	unsigned shift;
	uint32_t m = window_mask(off, size, &shift);

	t->ioport_data = (t->ioport_data & ~m) | ((uint32_t)(v << shift) & m);
}

static uint64_t zero_read(void *opaque, uint64_t off, unsigned size)
{
	return 0;
}

static void flush_write(void *opaque, uint64_t off, unsigned size, uint64_t v)
{
	/* Nothing to flush: vmxbox has no host page protections to test. */
}

static void irq_write(void *opaque, uint64_t off, unsigned size, uint64_t v)
{
	struct pc_testdev *t = opaque;

	if (size == 1)
		t->set_irq(t->irq_opaque, (unsigned)off, v != 0);
}

static uint64_t iomem_read(void *opaque, uint64_t off, unsigned size)
{
	struct pc_testdev *t = opaque;
	uint64_t v = 0;

	if (off + size <= PC_TESTDEV_IOMEM_LEN)
		memcpy(&v, t->iomem + off, size);
	return v;
}

static void iomem_write(void *opaque, uint64_t off, unsigned size, uint64_t v)
{
	struct pc_testdev *t = opaque;

	if (off + size <= PC_TESTDEV_IOMEM_LEN)
		memcpy(t->iomem + off, &v, size);
}

int pc_testdev_attach(struct pc_testdev *t, struct io_bus *pio,
		      struct io_bus *mmio)
{
	const struct io_handler port = { "pc-testdev-ioport", ioport_read, ioport_write, t };
	const struct io_handler flush = { "pc-testdev-flush-page", zero_read, flush_write, t };
	const struct io_handler irq = { "pc-testdev-irq-line", zero_read, irq_write, t };
	const struct io_handler mem = { "pc-testdev-iomem", iomem_read, iomem_write, t };
	int ret = io_bus_register(pio, PC_TESTDEV_IOPORT, 4, &port);

	if (!ret)
		ret = io_bus_register(pio, PC_TESTDEV_FLUSH, 4, &flush);
	if (!ret)
		ret = io_bus_register(pio, PC_TESTDEV_IOPORT_BYTE, 4, &port);
	if (!ret && t->set_irq)
		ret = io_bus_register(pio, PC_TESTDEV_IRQ, PC_TESTDEV_IRQ_LINES, &irq);
	if (!ret)
		ret = io_bus_register(mmio, PC_TESTDEV_IOMEM, PC_TESTDEV_IOMEM_LEN, &mem);
	return ret;
}
