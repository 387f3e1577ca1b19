/* SPDX-License-Identifier: MIT */
/*
 * The I/O APIC (Intel 82093AA datasheet; QEMU's version 0x20 with the
 * EOI register): 24 input pins, each with a 64-bit redirection entry that
 * turns an interrupt on the pin into a message on the APIC bus.
 *
 *   MMIO base + 0x00  IOREGSEL (8 bits, any access size)
 *   MMIO base + 0x10  IOWIN    (32-bit accesses only): register IOREGSEL
 *   MMIO base + 0x40  EOI      (32-bit write): the vector's remote IRRs
 *   (the 4 KiB window decodes the low 8 address bits, as QEMU does)
 *
 *   register 0x00 ID (bits 27:24), 0x01 version 0x00170020 (24 entries),
 *   0x02 arbitration (reads as the ID), 0x10 + 2n / + 2n + 1 entry n low /
 *   high: vector 7:0, delivery mode 10:8, logical destination 11,
 *   delivery status 12 (read-only, 0: delivery is immediate), polarity 13,
 *   remote IRR 14 (read-only), level trigger 15, mask 16, destination
 *   63:56.
 *
 * Edge pins send one message per rising edge of an unmasked pin (edges
 * on a masked pin are lost, 82093AA 3.2.4).  Level pins send a message
 * while the pin is asserted and remote IRR is clear, and set remote IRR;
 * the local APIC's EOI of a level-triggered vector (the EOI broadcast,
 * apic_bus.eoi) or a write of the vector to the EOI register clears it,
 * and a pin still asserted then sends again.
 */
#ifndef VMXBOX_DEVICES_IOAPIC_H
#define VMXBOX_DEVICES_IOAPIC_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/apic_bus.h"
#include "devices/io_bus.h"

#define IOAPIC_DEFAULT_BASE 0xfec00000ull
#define IOAPIC_MMIO_SIZE    0x1000
#define IOAPIC_PINS         24
#define IOAPIC_VERSION      0x20

/* Registers (through IOREGSEL/IOWIN) */
#define IOAPIC_REG_ID    0x00
#define IOAPIC_REG_VER   0x01
#define IOAPIC_REG_ARB   0x02
#define IOAPIC_REG_REDIR 0x10

/* Redirection entry bits */
#define IOAPIC_RE_DELIVS     (1ull << 12)
#define IOAPIC_RE_POLARITY   (1ull << 13)
#define IOAPIC_RE_REMOTE_IRR (1ull << 14)
#define IOAPIC_RE_LEVEL      (1ull << 15)
#define IOAPIC_RE_MASKED     (1ull << 16)

struct ioapic {
	uint8_t regsel;
	uint8_t id;                         /* 4 bits */
	uint64_t redir[IOAPIC_PINS];
	uint32_t irr;       /* pins requesting: edge seen / level asserted */
	uint32_t level;     /* the input pins' levels (edge detection) */
	struct apic_bus *bus;
	uint64_t messages;                  /* sent, for --verbose/tests */
};

void ioapic_init(struct ioapic *io, struct apic_bus *bus);
/* Reset (82093AA): every entry masked, ID 0. */
void ioapic_reset(struct ioapic *io);
int ioapic_attach(struct ioapic *io, struct io_bus *mmio, uint64_t base);

/* Input pin `pin` is now at level (true = asserted). */
void ioapic_set_irq(struct ioapic *io, unsigned pin, bool level);
/* The EOI of a level-triggered vector (from the local APICs). */
void ioapic_eoi(struct ioapic *io, uint8_t vector);
/* Indirect register access, as through IOWIN. */
uint32_t ioapic_reg_read(const struct ioapic *io, unsigned reg);
void ioapic_reg_write(struct ioapic *io, unsigned reg, uint32_t v);
/* After the state was set from outside (restore): send what is due. */
void ioapic_service(struct ioapic *io);

#endif
