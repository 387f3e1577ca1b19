// SPDX-License-Identifier: MIT
/*
 * 8259A pair (Intel 8259A datasheet, "Programming the 8259A"; the ELCR of
 * Intel's PIIX4 datasheet 4.1.9).  Priorities are relative to `prio0`,
 * the IR with the highest priority: 0 after initialisation, moved by the
 * rotate commands so that the IR just serviced gets the lowest.
 */
#include "devices/i8259.h"

#include <string.h>

/* PIIX: IRQ 0, 1, 2 (master) and 8, 13 (slave) cannot be level. */
static const uint8_t elcr_masks[2] = { 0xf8, 0xde };

void i8259_init(struct i8259 *p, void (*intr)(void *opaque), void *opaque)
{
	memset(p, 0, sizeof(*p));
	p->intr = intr;
	p->intr_opaque = opaque;
	i8259_reset(p);
}

/* ICW1 (and power-on): datasheet "Initialization Command Words", a-f.
 * Edge requests are forgotten, level ones (the ELCR's) stay. */
static void chip_init_reset(struct i8259_chip *c)
{
	c->irr &= c->elcr;
	c->imr = 0;
	c->isr = 0;
	c->prio0 = 0;
	c->read_isr = false;
	c->poll = false;
	c->special_mask = false;
	c->auto_eoi = false;
	c->rotate_aeoi = false;
	c->sfnm = false;
	c->icw4 = false;
	c->single = false;
	c->init_step = 0;
}

void i8259_reset(struct i8259 *p)
{
	for (int i = 0; i < 2; i++) {
		struct i8259_chip *c = &p->c[i];

		memset(c, 0, sizeof(*c));
		c->elcr_mask = elcr_masks[i];
		chip_init_reset(c);
	}
}

/* 0..7: the relative priority of the best IR in mask (0 = highest), or
 * 8 when mask is empty. */
static unsigned priority(const struct i8259_chip *c, uint8_t mask)
{
	unsigned n;

	if (!mask)
		return 8;
	for (n = 0; !(mask & (1u << ((n + c->prio0) & 7))); n++)
		;
	return n;
}

/* The IR this chip's INT output requests, or -1. */
static int chip_irq(const struct i8259_chip *c, bool master)
{
	uint8_t in_service = c->isr;
	unsigned req = priority(c, c->irr & ~c->imr);

	if (req == 8)
		return -1;
	/* Special mask mode: a masked IR in service does not block the
	 * others; special fully nested mode: the slave's own priorities
	 * decide between its IRs, so IR2 in service blocks nothing. */
	if (c->special_mask)
		in_service &= (uint8_t)~c->imr;
	if (master && c->sfnm)
		in_service &= (uint8_t)~(1u << 2);
	if (req < priority(c, in_service))
		return (int)((req + c->prio0) & 7);
	return -1;
}

static void chip_set_line(struct i8259_chip *c, unsigned ir, bool level)
{
	uint8_t bit = (uint8_t)(1u << ir);

	if (c->elcr & bit)
		c->irr = level ? c->irr | bit : c->irr & (uint8_t)~bit;
	else if (level && !(c->lines & bit))
		c->irr |= bit;          /* rising edge */
	c->lines = level ? c->lines | bit : c->lines & (uint8_t)~bit;
}

/* INTA on one chip: IRR -> ISR (not in automatic EOI mode); an edge
 * request is consumed, a level one stays while the line is high. */
static void chip_ack(struct i8259_chip *c, unsigned ir)
{
	uint8_t bit = (uint8_t)(1u << ir);

	if (c->auto_eoi) {
		if (c->rotate_aeoi)
			c->prio0 = (uint8_t)((ir + 1) & 7);
	} else {
		c->isr |= bit;
	}
	if (!(c->elcr & bit))
		c->irr &= (uint8_t)~bit;
}

static bool cascaded(const struct i8259 *p)
{
	return !p->c[0].single;
}

void i8259_update(struct i8259 *p)
{
	if (cascaded(p))
		chip_set_line(&p->c[0], 2, chip_irq(&p->c[1], false) >= 0);
	if (chip_irq(&p->c[0], true) >= 0 && p->intr)
		p->intr(p->intr_opaque);
}

void i8259_set_irq(struct i8259 *p, unsigned irq, bool level)
{
	if (irq >= 16)
		return;
	chip_set_line(&p->c[irq >> 3], irq & 7, level);
	i8259_update(p);
}

int i8259_pending(struct i8259 *p)
{
	int irq = chip_irq(&p->c[0], true), irq2;

	if (irq < 0)
		return -1;
	if (irq != 2 || !cascaded(p))
		return p->c[0].base + irq;
	irq2 = chip_irq(&p->c[1], false);
	return p->c[1].base + (irq2 >= 0 ? irq2 : 7);
}

int i8259_ack(struct i8259 *p)
{
	int irq = chip_irq(&p->c[0], true), irq2, v;

	if (irq < 0) {
		/* INT went away before INTA: IR7, ISR untouched. */
		p->spurious++;
		return p->c[0].base + 7;
	}
	chip_ack(&p->c[0], (unsigned)irq);
	v = p->c[0].base + irq;
	if (irq == 2 && cascaded(p)) {
		irq2 = chip_irq(&p->c[1], false);
		if (irq2 >= 0) {
			chip_ack(&p->c[1], (unsigned)irq2);
		} else {
			p->spurious++;
			irq2 = 7;
		}
		v = p->c[1].base + irq2;
	}
	p->acks++;
	i8259_update(p);
	return v;
}

/* OCW2 (datasheet Figure 8): EOI, rotation and priority commands. */
static void ocw2(struct i8259_chip *c, uint8_t v)
{
	unsigned cmd = v >> 5, ir = v & 7, n;

	switch (cmd) {
	case 0:                 /* rotate in automatic EOI mode: clear */
	case 4:                 /* ... set */
		c->rotate_aeoi = cmd == 4;
		break;
	case 1:                 /* non-specific EOI */
	case 5:                 /* rotate on non-specific EOI */
		n = priority(c, c->isr);
		if (n == 8)
			break;
		ir = (n + c->prio0) & 7;
		c->isr &= (uint8_t)~(1u << ir);
		if (cmd == 5)
			c->prio0 = (uint8_t)((ir + 1) & 7);
		break;
	case 3:                 /* specific EOI */
		c->isr &= (uint8_t)~(1u << ir);
		break;
	case 6:                 /* set priority: IR ir the lowest */
		c->prio0 = (uint8_t)((ir + 1) & 7);
		break;
	case 7:                 /* rotate on specific EOI */
		c->isr &= (uint8_t)~(1u << ir);
		c->prio0 = (uint8_t)((ir + 1) & 7);
		break;
	default:                /* 2: no operation */
		break;
	}
}

static void write_cmd(struct i8259_chip *c, uint8_t v)
{
	if (v & 0x10) {                         /* ICW1 */
		chip_init_reset(c);
		c->icw4 = v & 0x01;
		c->single = v & 0x02;
		c->init_step = 2;
	} else if (v & 0x08) {                  /* OCW3 */
		if (v & 0x04)
			c->poll = true;
		if (v & 0x02)
			c->read_isr = v & 0x01;
		if (v & 0x40)
			c->special_mask = v & 0x20;
	} else {
		ocw2(c, v);
	}
}

static void write_data(struct i8259_chip *c, uint8_t v)
{
	switch (c->init_step) {
	case 2:                                 /* ICW2: vector base */
		c->base = v & 0xf8;
		c->init_step = c->single ? (c->icw4 ? 4 : 0) : 3;
		break;
	case 3:                                 /* ICW3: cascade wiring */
		c->init_step = c->icw4 ? 4 : 0;
		break;
	case 4:                                 /* ICW4 */
		c->auto_eoi = v & 0x02;
		c->sfnm = v & 0x10;
		c->init_step = 0;
		break;
	default:                                /* OCW1: the mask */
		c->imr = v;
		break;
	}
}

/* Poll mode (OCW3 P): the read is the INTA; 0x80 | IR, or 0. */
static uint8_t poll_read(struct i8259 *p, struct i8259_chip *c)
{
	int ir = chip_irq(c, c == &p->c[0]);

	c->poll = false;
	if (ir < 0)
		return 0;
	chip_ack(c, (unsigned)ir);
	i8259_update(p);
	return (uint8_t)(0x80 | ir);
}

uint8_t i8259_read(struct i8259 *p, uint16_t port)
{
	struct i8259_chip *c;

	if ((port & ~1u) == I8259_ELCR)
		return p->c[port & 1].elcr;
	c = &p->c[port >= I8259_SLAVE];
	if (c->poll)
		return poll_read(p, c);
	if (port & 1)
		return c->imr;
	return c->read_isr ? c->isr : c->irr;
}

void i8259_write(struct i8259 *p, uint16_t port, uint8_t v)
{
	struct i8259_chip *c;

	if ((port & ~1u) == I8259_ELCR) {
		c = &p->c[port & 1];
		c->elcr = v & c->elcr_mask;
		/* A line turned level requests while it is high. */
		c->irr = (uint8_t)((c->irr & ~c->elcr) | (c->lines & c->elcr));
	} else {
		c = &p->c[port >= I8259_SLAVE];
		if (port & 1)
			write_data(c, v);
		else
			write_cmd(c, v);
	}
	i8259_update(p);
}

/* Wider accesses reach consecutive ports byte by byte. */
static uint64_t pio_read(void *opaque, uint64_t off, unsigned size, uint16_t base)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < size && off + i < 2; i++)
		v |= (uint64_t)i8259_read(opaque, (uint16_t)(base + off + i)) << (8 * i);
	return v;
}

static void pio_write(void *opaque, uint64_t off, unsigned size, uint64_t v,
		      uint16_t base)
{
	for (unsigned i = 0; i < size && off + i < 2; i++)
		i8259_write(opaque, (uint16_t)(base + off + i), (uint8_t)(v >> (8 * i)));
}

#define PORT_PAIR(name, base)                                                  \
static uint64_t name##_read(void *o, uint64_t off, unsigned size)            \
{                                                                              \
	return pio_read(o, off, size, base);                                   \
}                                                                              \
static void name##_write(void *o, uint64_t off, unsigned size, uint64_t v)   \
{                                                                              \
	pio_write(o, off, size, v, base);                                      \
}

PORT_PAIR(master, I8259_MASTER)
PORT_PAIR(slave, I8259_SLAVE)
PORT_PAIR(elcr, I8259_ELCR)

int i8259_attach(struct i8259 *p, struct io_bus *pio)
{
	const struct io_handler m = { "pic-master", master_read, master_write, p };
	const struct io_handler s = { "pic-slave", slave_read, slave_write, p };
	const struct io_handler e = { "pic-elcr", elcr_read, elcr_write, p };
	int ret = io_bus_register(pio, I8259_MASTER, 2, &m);

	if (!ret)
		ret = io_bus_register(pio, I8259_SLAVE, 2, &s);
	if (!ret)
		ret = io_bus_register(pio, I8259_ELCR, 2, &e);
	return ret;
}
