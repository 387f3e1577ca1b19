/* SPDX-License-Identifier: MIT */
/*
 * The PC's pair of 8259A programmable interrupt controllers (Intel 8259A
 * datasheet; PIIX3/4 for the ELCR), the slave's INT on the master's IR2:
 *
 *   0x20 / 0xA0  ICW1 (bit 4 set), OCW2 (bits 4:3 = 00), OCW3 (01);
 *                reads IRR or ISR (OCW3 RR/RIS), or the poll byte
 *   0x21 / 0xA1  ICW2-ICW4 during initialisation, then OCW1 (IMR);
 *                reads IMR
 *   0x4D0/0x4D1  ELCR: 1 = the IRQ is level-triggered (IRQ 0, 1, 2, 8
 *                and 13 are always edge)
 *
 * What is modelled: the initialisation sequence (single/cascade, ICW4,
 * vector base), masking, priority with rotation (OCW2 rotate commands,
 * set priority), non-specific and specific EOI, automatic EOI (with
 * rotation), special mask mode, special fully nested mode on the
 * master, poll mode, spurious IRQ 7/15, edge (rising edge latched in
 * IRR until INTA) and level (IRR follows the line) triggering.  Not
 * modelled: the MCS-80/85 mode (ICW4 bit 0 = 0 behaves as 8086 mode),
 * ICW1's LTIM (ignored, as on PIIX: the ELCR decides), buffered mode.
 *
 * The master's INT output is the processor's INTR through the local
 * APIC's LINT0 in ExtINT mode (lapic_extint): pending() gives the vector
 * the INTA cycle would return, ack() runs the INTA cycle.
 */
#ifndef VMXBOX_DEVICES_I8259_H
#define VMXBOX_DEVICES_I8259_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/io_bus.h"

#define I8259_MASTER 0x20
#define I8259_SLAVE  0xa0
#define I8259_ELCR   0x4d0

struct i8259_chip {
	uint8_t irr, isr, imr;
	uint8_t lines;          /* input levels, for edge detection */
	uint8_t elcr, elcr_mask;
	uint8_t base;           /* ICW2: vector of IR0 */
	uint8_t prio0;          /* the IR with the highest priority (rotation) */
	uint8_t init_step;      /* 0 ready; 2, 3, 4: expecting that ICW */
	bool icw4, single, auto_eoi, rotate_aeoi, sfnm;
	bool read_isr, poll, special_mask;
};

struct i8259 {
	struct i8259_chip c[2];         /* master, slave */
	/* The master's INT output may have changed (or is asserted). */
	void (*intr)(void *opaque);
	void *intr_opaque;
	uint64_t acks, spurious;
};

void i8259_init(struct i8259 *p, void (*intr)(void *opaque), void *opaque);
/* Power-on: both chips uninitialised, nothing masked (as QEMU). */
void i8259_reset(struct i8259 *p);
int i8259_attach(struct i8259 *p, struct io_bus *pio);

/* ISA IRQ line (0-15) to level. */
void i8259_set_irq(struct i8259 *p, unsigned irq, bool level);
/* The vector an INTA cycle would return now, or -1 (INT not asserted). */
int i8259_pending(struct i8259 *p);
/* The INTA cycle: the vector (IRR -> ISR), or IRQ 7's vector (spurious). */
int i8259_ack(struct i8259 *p);

/* Port access, for the bus and unit tests (port is 0x20, 0x21, 0xA0,
 * 0xA1, 0x4D0 or 0x4D1). */
uint8_t i8259_read(struct i8259 *p, uint16_t port);
void i8259_write(struct i8259 *p, uint16_t port, uint8_t v);
/* Recompute the cascade and the INT output after a restore. */
void i8259_update(struct i8259 *p);

#endif
