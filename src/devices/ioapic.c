// SPDX-License-Identifier: MIT
/*
 * I/O APIC: redirection table and message delivery (82093AA datasheet,
 * sections 3.2 and 3.2.4).  Like QEMU's and KVM's, the polarity bit is
 * stored but not applied: the PC's ISA and PCI sources are given to
 * ioapic_set_irq() as "asserted", whatever the wire does.
 */
#include "devices/ioapic.h"

#include <string.h>

/* The bits a write may not change: delivery status and remote IRR. */
#define RE_READ_ONLY (IOAPIC_RE_DELIVS | IOAPIC_RE_REMOTE_IRR)

void ioapic_init(struct ioapic *io, struct apic_bus *bus)
{
	memset(io, 0, sizeof(*io));
	io->bus = bus;
	ioapic_reset(io);
}

void ioapic_reset(struct ioapic *io)
{
	io->regsel = 0;
	io->id = 0;
	io->irr = 0;
	for (unsigned i = 0; i < IOAPIC_PINS; i++)
		io->redir[i] = IOAPIC_RE_MASKED;
}

static void send(struct ioapic *io, uint64_t re)
{
	struct apic_msg m = {
		.vector = re & 0xff,
		.mode = (re >> 8) & 7,
		.logical = re & (1u << 11),
		.level = re & IOAPIC_RE_LEVEL,
		.dest = (uint32_t)(re >> 56),
	};

	io->messages++;
	if (io->bus)
		apic_bus_send(io->bus, NULL, &m);
}

/* Send a message for every requesting, unmasked pin: an edge request
 * is consumed, a level one waits for the EOI (remote IRR). */
void ioapic_service(struct ioapic *io)
{
	for (unsigned i = 0; i < IOAPIC_PINS; i++) {
		uint64_t *re = &io->redir[i];

		if (!(io->irr & (1u << i)) || (*re & IOAPIC_RE_MASKED))
			continue;
		if (*re & IOAPIC_RE_LEVEL) {
			if (*re & IOAPIC_RE_REMOTE_IRR)
				continue;
			*re |= IOAPIC_RE_REMOTE_IRR;
		} else {
			io->irr &= ~(1u << i);
		}
		send(io, *re);
	}
}

void ioapic_set_irq(struct ioapic *io, unsigned pin, bool level)
{
	uint32_t bit = 1u << pin;
	bool rising;

	if (pin >= IOAPIC_PINS)
		return;
	rising = level && !(io->level & bit);
	io->level = level ? io->level | bit : io->level & ~bit;
	if (io->redir[pin] & IOAPIC_RE_LEVEL) {
		io->irr = level ? io->irr | bit : io->irr & ~bit;
	} else if (rising && !(io->redir[pin] & IOAPIC_RE_MASKED)) {
		io->irr |= bit;
	}
	if (io->irr & bit)
		ioapic_service(io);
}

void ioapic_eoi(struct ioapic *io, uint8_t vector)
{
	bool again = false;

	for (unsigned i = 0; i < IOAPIC_PINS; i++) {
		uint64_t *re = &io->redir[i];

		if ((*re & 0xff) != vector || !(*re & IOAPIC_RE_LEVEL) ||
		    !(*re & IOAPIC_RE_REMOTE_IRR))
			continue;
		*re &= ~IOAPIC_RE_REMOTE_IRR;
		again |= (io->irr >> i) & 1;
	}
	if (again)
		ioapic_service(io);
}

uint32_t ioapic_reg_read(const struct ioapic *io, unsigned reg)
{
	unsigned n;

	switch (reg) {
	case IOAPIC_REG_ID:
	case IOAPIC_REG_ARB:
		return (uint32_t)io->id << 24;
	case IOAPIC_REG_VER:
		return IOAPIC_VERSION | (IOAPIC_PINS - 1) << 16;
	}
	n = (reg - IOAPIC_REG_REDIR) / 2;
	if (reg < IOAPIC_REG_REDIR || n >= IOAPIC_PINS)
		return 0;
	return (uint32_t)(io->redir[n] >> (reg & 1 ? 32 : 0));
}

void ioapic_reg_write(struct ioapic *io, unsigned reg, uint32_t v)
{
	uint64_t *re, keep;
	unsigned n;

	if (reg == IOAPIC_REG_ID) {
		io->id = (v >> 24) & 0xf;
		return;
	}
	n = (reg - IOAPIC_REG_REDIR) / 2;
	if (reg < IOAPIC_REG_REDIR || n >= IOAPIC_PINS)
		return;            /* version, arbitration: read-only */
	re = &io->redir[n];
	keep = *re & RE_READ_ONLY;
	if (reg & 1)
		*re = (*re & 0xffffffffull) | (uint64_t)v << 32;
	else
		*re = (*re & ~0xffffffffull) | v;
	*re = (*re & ~RE_READ_ONLY) | keep;
	/* An edge entry has no remote IRR (Linux clears a stuck one by
	 * switching the entry to edge and back, as QEMU and KVM allow). */
	if (!(*re & IOAPIC_RE_LEVEL))
		*re &= ~IOAPIC_RE_REMOTE_IRR;
	else   /* a level entry requests while its pin is asserted */
		io->irr = (io->irr & ~(1u << n)) | (io->level & (1u << n));
	ioapic_service(io);
}

enum { IOREGSEL = 0x00, IOWIN = 0x10, IOEOI = 0x40 };

static uint64_t mmio_read(void *opaque, uint64_t off, unsigned size)
{
	struct ioapic *io = opaque;

	switch (off & 0xff) {
	case IOREGSEL:
		return io->regsel;
	case IOWIN:
		return size == 4 ? ioapic_reg_read(io, io->regsel) : 0;
	default:
		return 0;
	}
}

static void mmio_write(void *opaque, uint64_t off, unsigned size, uint64_t v)
{
	struct ioapic *io = opaque;

	switch (off & 0xff) {
	case IOREGSEL:
		io->regsel = (uint8_t)v;
		break;
	case IOWIN:
		if (size == 4)
			ioapic_reg_write(io, io->regsel, (uint32_t)v);
		break;
	case IOEOI:
		if (size == 4)
			ioapic_eoi(io, (uint8_t)v);
		break;
	}
}

int ioapic_attach(struct ioapic *io, struct io_bus *mmio, uint64_t base)
{
	const struct io_handler h = { "ioapic", mmio_read, mmio_write, io };

	return io_bus_register(mmio, base, IOAPIC_MMIO_SIZE, &h);
}
