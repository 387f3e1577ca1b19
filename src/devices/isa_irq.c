// SPDX-License-Identifier: MIT
#include "devices/isa_irq.h"

#include <string.h>

void isa_irq_init(struct isa_irq *b, struct i8259 *pic, struct ioapic *ioapic)
{
	memset(b, 0, sizeof(*b));
	b->pic = pic;
	b->ioapic = ioapic;
}

unsigned isa_irq_gsi(unsigned line)
{
	return line == 0 ? 2 : line;
}

static void drive(struct isa_irq *b, unsigned line, bool level)
{
	if (b->pic && line < 16)
		i8259_set_irq(b->pic, line, level);
	if (b->ioapic)
		ioapic_set_irq(b->ioapic, isa_irq_gsi(line), level);
}

void isa_irq_set(struct isa_irq *b, unsigned line, bool level)
{
	if (line >= ISA_IRQ_LINES)
		return;
	b->levels = level ? b->levels | (1u << line) : b->levels & ~(1u << line);
	drive(b, line, level);
}

void isa_irq_set_line(void *opaque, unsigned line, bool level)
{
	isa_irq_set(opaque, line, level);
}

void isa_irq_ferr(void *opaque)
{
	struct isa_irq *b = opaque;

	b->ferr_raised++;
	isa_irq_set(b, ISA_IRQ_FERR, true);
}

static uint64_t ferr_read(void *opaque, uint64_t off, unsigned size)
{
	return ~0ull;
}

static void ferr_write(void *opaque, uint64_t off, unsigned size, uint64_t v)
{
	isa_irq_set(opaque, ISA_IRQ_FERR, false);
}

int isa_irq_attach(struct isa_irq *b, struct io_bus *pio)
{
	const struct io_handler h = { "ferr-clear", ferr_read, ferr_write, b };

	return io_bus_register(pio, ISA_FERR_PORT, 1, &h);
}
