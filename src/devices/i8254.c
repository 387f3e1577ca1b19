// SPDX-License-Identifier: MIT
/*
 * 8254 PIT (Intel 8254 datasheet, "Modes of Operation" and "Read-Back
 * Command") on the virtual clock.  A channel counts input clock ticks
 * d = ticks since `start`; its OUT and counter are functions of d and the
 * reload value N, so nothing runs per tick:
 *
 *   mode 0 (interrupt on terminal count)  OUT low until d = N, then high
 *   mode 1 (hardware one-shot)            after a gate trigger: the same
 *   mode 2 (rate generator)               OUT low for the tick d mod N = N-1
 *   mode 3 (square wave)                  OUT high while d mod N < (N+1)/2
 *   mode 4 (software strobe)              OUT low for the tick d = N
 *   mode 5 (hardware strobe)              after a gate trigger: the same
 */
#include "devices/i8254.h"

#include <string.h>

/* Byte order states of reads, writes and latches. */
enum { RW_NONE = 0, RW_LSB = 1, RW_MSB = 2, RW_WORD0 = 3, RW_WORD1 = 4 };

#define NEVER UINT64_MAX

static uint64_t now_ns(const struct i8254 *p)
{
	return p->clock ? vclock_now(p->clock) : 0;
}

static bool gate_triggered(uint8_t mode)
{
	return mode == 1 || mode == 5;
}

static bool gate_pauses(uint8_t mode)
{
	return mode == 0 || mode == 4;
}

/* Ticks counted at virtual time now, or false when the channel does not
 * count (no count yet, not triggered, or modes 2/3 with the gate low). */
static bool ticks(const struct pit_channel *c, uint64_t now, uint64_t *d)
{
	if (!c->loaded || !c->triggered)
		return false;
	if (!c->gate && gate_pauses(c->mode)) {
		*d = c->held;
		return true;
	}
	if (!c->gate && !gate_triggered(c->mode))
		return false;
	*d = now > c->start ? vclock_ns_to_ticks(now - c->start, PIT_HZ) : 0;
	return true;
}

static bool out_at(const struct pit_channel *c, uint64_t d)
{
	uint64_t n = c->count;

	switch (c->mode) {
	case 0:
	case 1:
		return d >= n;
	case 2:
		return n < 2 || d % n != n - 1;
	case 3:
		return d % n < (n + 1) / 2;
	default:
		return d != n;
	}
}

/* The first tick after d at which OUT changes, or NEVER. */
static uint64_t next_change(const struct pit_channel *c, uint64_t d)
{
	uint64_t n = c->count, phase = d % n, base = d - phase, hi;

	switch (c->mode) {
	case 0:
	case 1:
		return d < n ? n : NEVER;
	case 2:
		if (n < 2)
			return NEVER;
		return phase < n - 1 ? base + n - 1 : base + n;
	case 3:
		hi = (n + 1) / 2;
		if (hi == n)
			return NEVER;
		return phase < hi ? base + hi : base + n;
	default:
		return d < n ? n : d == n ? n + 1 : NEVER;
	}
}

static bool chan_out(const struct pit_channel *c, uint64_t now)
{
	uint64_t d;

	if (!c->loaded)
		return c->mode != 0;     /* the control word's initial OUT */
	if (!ticks(c, now, &d))
		return true;
	return out_at(c, d);
}

bool i8254_out(struct i8254 *p, unsigned ch)
{
	return chan_out(&p->ch[ch], now_ns(p));
}

static uint32_t to_bcd(uint32_t v)
{
	return (v % 10) | (v / 10 % 10) << 4 | (v / 100 % 10) << 8 |
	       (v / 1000 % 10) << 12;
}

static uint32_t from_bcd(uint32_t v)
{
	return (v & 0xf) + (v >> 4 & 0xf) * 10 + (v >> 8 & 0xf) * 100 +
	       (v >> 12 & 0xf) * 1000;
}

uint32_t i8254_counter(struct i8254 *p, unsigned ch)
{
	const struct pit_channel *c = &p->ch[ch];
	uint64_t m = c->bcd ? 10000 : 65536, n = c->count, d, v;

	if (!ticks(c, now_ns(p), &d))
		v = n;
	else if (c->mode == 2)
		v = n - d % n;
	else if (c->mode == 3)
		v = n - (2 * d) % n;       /* counts down by two */
	else
		v = (n + m - d % m) % m;   /* wraps past 0 and goes on */
	v %= m;
	return (uint32_t)(c->bcd ? to_bcd((uint32_t)v) : v);
}

/* ---- channel 0 and IRQ 0 ------------------------------------------------ */

static void drive0(struct i8254 *p, bool level)
{
	if (level == p->out0)
		return;
	p->out0 = level;
	if (level)
		p->edges++;
	if (p->irq)
		isa_irq_set(p->irq, 0, level);
}

static void arm0(struct i8254 *p, uint64_t now)
{
	const struct pit_channel *c = &p->ch[0];
	uint64_t d, t = NEVER;

	if (!p->clock)
		return;
	if (ticks(c, now, &d) && (c->gate || !gate_pauses(c->mode)))
		t = next_change(c, d);
	if (t == NEVER) {
		vtimer_cancel(p->clock, &p->timer);
		return;
	}
	p->timer_tick = t;
	vtimer_arm(p->clock, &p->timer, c->start + vclock_ticks_to_ns(t, PIT_HZ));
}

/* Channel 0's OUT changed state or timing. */
static void update0(struct i8254 *p)
{
	uint64_t now = now_ns(p);

	drive0(p, chan_out(&p->ch[0], now));
	arm0(p, now);
}

/* At the transition armed for; if the timer ran late, a low pulse
 * passed in between still makes its rising edge. */
static void fire(void *opaque, uint64_t now)
{
	struct i8254 *p = opaque;

	drive0(p, out_at(&p->ch[0], p->timer_tick));
	drive0(p, chan_out(&p->ch[0], now));
	arm0(p, now);
}

void i8254_restart(struct i8254 *p)
{
	arm0(p, now_ns(p));
}

/* ---- programming -------------------------------------------------------- */

void i8254_init(struct i8254 *p, struct vclock *clock, struct isa_irq *irq)
{
	memset(p, 0, sizeof(*p));
	p->clock = clock;
	p->irq = irq;
	vtimer_init(&p->timer, fire, p);
	i8254_reset(p);
}

void i8254_reset(struct i8254 *p)
{
	if (p->clock)
		vtimer_cancel(p->clock, &p->timer);
	for (unsigned i = 0; i < 3; i++) {
		struct pit_channel *c = &p->ch[i];

		memset(c, 0, sizeof(*c));
		c->mode = 3;
		c->rw = RW_WORD0;
		c->read_state = c->write_state = RW_WORD0;
		c->count = 65536;
		c->gate = i != 2;        /* channel 2's gate is port 0x61 bit 0 */
	}
	p->speaker_data = false;
	p->port61_rw = 0;
	p->out0 = true;
}

void i8254_destroy(struct i8254 *p)
{
	if (p->clock)
		vtimer_cancel(p->clock, &p->timer);
}

static void load(struct i8254 *p, unsigned ch, uint32_t v)
{
	struct pit_channel *c = &p->ch[ch];

	if (c->bcd)
		v = v ? from_bcd(v) : 10000;
	c->count = v ? v : 65536;
	c->loaded = true;
	c->null_count = false;
	c->triggered = !gate_triggered(c->mode);
	c->start = now_ns(p);
	c->held = 0;
}

static void latch_count(struct i8254 *p, unsigned ch)
{
	struct pit_channel *c = &p->ch[ch];

	if (c->latch_state != RW_NONE)
		return;                 /* the first latch holds until read */
	c->latched = (uint16_t)i8254_counter(p, ch);
	c->latch_state = c->rw;
}

static void latch_status(struct i8254 *p, unsigned ch)
{
	struct pit_channel *c = &p->ch[ch];

	if (c->status_latched)
		return;
	c->status = (uint8_t)(i8254_out(p, ch) << 7 | c->null_count << 6 |
			      c->rw << 4 |
			      c->mode << 1 | c->bcd);
	c->status_latched = true;
}

static void control_word(struct i8254 *p, uint8_t v)
{
	unsigned ch = v >> 6, access = (v >> 4) & 3;
	struct pit_channel *c;

	if (ch == 3) {                          /* read-back */
		for (unsigned i = 0; i < 3; i++) {
			if (!(v & (2u << i)))
				continue;
			if (!(v & 0x20))
				latch_count(p, i);
			if (!(v & 0x10))
				latch_status(p, i);
		}
		return;
	}
	if (access == 0) {
		latch_count(p, ch);
		return;
	}
	c = &p->ch[ch];
	c->rw = access;
	c->read_state = c->write_state = access;
	c->mode = (v >> 1) & 7;
	if (c->mode > 5)
		c->mode -= 4;                   /* x10 = 2, x11 = 3 */
	c->bcd = v & 1;
	c->loaded = false;
	c->null_count = true;
	c->latch_state = RW_NONE;
	c->status_latched = false;
	if (ch == 0)
		update0(p);
}

static void write_count(struct i8254 *p, unsigned ch, uint8_t v)
{
	struct pit_channel *c = &p->ch[ch];

	switch (c->write_state) {
	case RW_LSB:
		load(p, ch, v);
		break;
	case RW_MSB:
		load(p, ch, (uint32_t)v << 8);
		break;
	case RW_WORD0:
		c->lsb = v;
		c->write_state = RW_WORD1;
		/* Mode 0: the first byte stops the count, OUT low. */
		if (c->mode == 0)
			c->loaded = false;
		return;
	default:
		load(p, ch, c->lsb | (uint32_t)v << 8);
		c->write_state = RW_WORD0;
		break;
	}
	if (ch == 0)
		update0(p);
}

static uint8_t read_count(struct i8254 *p, unsigned ch)
{
	struct pit_channel *c = &p->ch[ch];
	uint16_t v;

	if (c->status_latched) {
		c->status_latched = false;
		return c->status;
	}
	switch (c->latch_state) {
	case RW_LSB:
		c->latch_state = RW_NONE;
		return (uint8_t)c->latched;
	case RW_MSB:
		c->latch_state = RW_NONE;
		return (uint8_t)(c->latched >> 8);
	case RW_WORD0:
		c->latch_state = RW_MSB;
		return (uint8_t)c->latched;
	default:
		break;
	}
	v = (uint16_t)i8254_counter(p, ch);
	switch (c->read_state) {
	case RW_LSB:
		return (uint8_t)v;
	case RW_MSB:
		return (uint8_t)(v >> 8);
	case RW_WORD0:
		c->read_state = RW_WORD1;
		return (uint8_t)v;
	default:
		c->read_state = RW_WORD0;
		return (uint8_t)(v >> 8);
	}
}

static void set_gate2(struct i8254 *p, bool gate)
{
	struct pit_channel *c = &p->ch[2];
	uint64_t now = now_ns(p), d;

	if (gate == c->gate)
		return;
	if (!gate) {
		if (gate_pauses(c->mode) && ticks(c, now, &d))
			c->held = d;
	} else if (gate_pauses(c->mode)) {
		c->start = now - vclock_ticks_to_ns(c->held, PIT_HZ);
	} else if (gate_triggered(c->mode)) {
		if (c->loaded) {         /* (re)trigger */
			c->triggered = true;
			c->start = now;
		}
	} else {
		c->start = now;          /* modes 2, 3: reload on the rise */
	}
	c->gate = gate;
}

uint8_t i8254_read(struct i8254 *p, uint16_t port)
{
	if (port == PIT_PORT_61)
		return (uint8_t)(p->ch[2].gate | p->speaker_data << 1 |
				 p->port61_rw |
				 ((now_ns(p) / PIT_REFRESH_NS) & 1) << 4 |
				 i8254_out(p, 2) << 5);
	if (port == PIT_PORT + 3)
		return 0;                       /* the control word is write-only */
	return read_count(p, port - PIT_PORT);
}

void i8254_write(struct i8254 *p, uint16_t port, uint8_t v)
{
	if (port == PIT_PORT_61) {
		set_gate2(p, v & 1);
		p->speaker_data = v & 2;
		p->port61_rw = v & 0x0c;
	} else if (port == PIT_PORT + 3) {
		control_word(p, v);
	} else {
		write_count(p, port - PIT_PORT, v);
	}
}

static uint64_t pit_read(void *opaque, uint64_t off, unsigned size)
{
	return i8254_read(opaque, (uint16_t)(PIT_PORT + off));
}

static void pit_write(void *opaque, uint64_t off, unsigned size, uint64_t v)
{
	i8254_write(opaque, (uint16_t)(PIT_PORT + off), (uint8_t)v);
}

static uint64_t p61_read(void *opaque, uint64_t off, unsigned size)
{
	return i8254_read(opaque, PIT_PORT_61);
}

static void p61_write(void *opaque, uint64_t off, unsigned size, uint64_t v)
{
	i8254_write(opaque, PIT_PORT_61, (uint8_t)v);
}

int i8254_attach(struct i8254 *p, struct io_bus *pio)
{
	const struct io_handler pit = { "pit", pit_read, pit_write, p };
	const struct io_handler p61 = { "port61", p61_read, p61_write, p };
	int ret = io_bus_register(pio, PIT_PORT, 4, &pit);

	if (!ret)
		ret = io_bus_register(pio, PIT_PORT_61, 1, &p61);
	return ret;
}
