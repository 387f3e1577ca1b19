// SPDX-License-Identifier: MIT
/*
 * The PC's interrupt controllers and timers as snapshot devices
 * (docs/snapshot.md): "ioapic", "pic", "pit", "rtc" and "isa" (the ISA
 * lines' levels).  Timers are stored as absolute virtual times and
 * re-armed on load, so a restore continues exactly.  Every device is
 * optional: a snapshot written before it existed leaves it in its reset
 * state, which is what that machine had.
 */
#include "snapshot/snap_internal.h"

#include <stdio.h>
#include <string.h>

#include "devices/i8254.h"
#include "devices/i8259.h"
#include "devices/ioapic.h"
#include "devices/isa_irq.h"
#include "devices/mc146818.h"

static int bad(char *err, size_t errlen, const char *dev, const char *key)
{
	snprintf(err, errlen, "devices.%s.%s: missing or invalid", dev, key);
	return -1;
}

static void put_le(uint8_t *p, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

/* A byte-string key of exactly len bytes, or NULL. */
static const uint8_t *bytes_of(const struct snap_device *d, const char *key,
			       size_t len)
{
	const struct snap_kv *kv = snap_kv_find(&d->st, key);

	return kv && kv->kind == SNAP_VAL_BYTES && kv->len == len ? kv->bytes : NULL;
}

/* An integer key no larger than max. */
static bool u64_le(const struct snap_device *d, const char *key, uint64_t max,
		   uint64_t *v)
{
	return snap_kv_get_u64(&d->st, key, v) && *v <= max;
}

/* ---- I/O APIC: regsel, id, irr, level, redir (24 x le64) ----------------- */

bool snap_ioapic_save(struct snapshot_machine *s, const struct ioapic *io)
{
	struct snap_device *d = snap_device_add(s, "ioapic");
	uint8_t redir[IOAPIC_PINS * 8];

	for (unsigned i = 0; i < IOAPIC_PINS; i++)
		put_le(redir + 8 * i, io->redir[i], 8);
	return d && snap_kv_set_u64(&d->st, "regsel", io->regsel) &&
	       snap_kv_set_u64(&d->st, "id", io->id) &&
	       snap_kv_set_u64(&d->st, "irr", io->irr) &&
	       snap_kv_set_u64(&d->st, "level", io->level) &&
	       snap_kv_set_bytes(&d->st, "redir", redir, sizeof(redir));
}

int snap_ioapic_load(const struct snapshot_machine *s, struct ioapic *io,
		     char *err, size_t errlen)
{
	const struct snap_device *d = snap_device_find(s, "ioapic");
	const uint64_t pins = (1ull << IOAPIC_PINS) - 1;
	const uint8_t *redir;
	uint64_t regsel, id, irr, level;

	ioapic_reset(io);
	if (!d)
		return 0;
	if (!u64_le(d, "regsel", 0xff, &regsel))
		return bad(err, errlen, "ioapic", "regsel");
	if (!u64_le(d, "id", 0xf, &id))
		return bad(err, errlen, "ioapic", "id");
	if (!u64_le(d, "irr", pins, &irr))
		return bad(err, errlen, "ioapic", "irr");
	if (!u64_le(d, "level", pins, &level))
		return bad(err, errlen, "ioapic", "level");
	redir = bytes_of(d, "redir", IOAPIC_PINS * 8);
	if (!redir)
		return bad(err, errlen, "ioapic", "redir");
	io->regsel = (uint8_t)regsel;
	io->id = (uint8_t)id;
	io->irr = (uint32_t)irr;
	io->level = (uint32_t)level;
	for (unsigned i = 0; i < IOAPIC_PINS; i++)
		io->redir[i] = get_le(redir + 8 * i, 8) & ~IOAPIC_RE_DELIVS;
	return 0;
}

/* ---- 8259 pair: "master", "slave", 9 bytes each ------------------------- */

enum {
	PIC_F_ICW4 = 1, PIC_F_SINGLE = 2, PIC_F_AEOI = 4, PIC_F_ROT_AEOI = 8,
	PIC_F_SFNM = 16, PIC_F_READ_ISR = 32, PIC_F_POLL = 64, PIC_F_SMM = 128,
};
#define PIC_BYTES 9

static void pic_chip_pack(const struct i8259_chip *c, uint8_t *b)
{
	b[0] = c->irr;
	b[1] = c->isr;
	b[2] = c->imr;
	b[3] = c->lines;
	b[4] = c->elcr;
	b[5] = c->base;
	b[6] = c->prio0;
	b[7] = c->init_step;
	b[8] = (uint8_t)(c->icw4 * PIC_F_ICW4 | c->single * PIC_F_SINGLE |
			 c->auto_eoi * PIC_F_AEOI | c->rotate_aeoi * PIC_F_ROT_AEOI |
			 c->sfnm * PIC_F_SFNM | c->read_isr * PIC_F_READ_ISR |
			 c->poll * PIC_F_POLL | c->special_mask * PIC_F_SMM);
}

static bool pic_chip_unpack(struct i8259_chip *c, const uint8_t *b)
{
	if ((b[4] & ~c->elcr_mask) || (b[5] & 7) || b[6] > 7 || b[7] == 1 ||
	    b[7] > 4)
		return false;
	c->irr = b[0];
	c->isr = b[1];
	c->imr = b[2];
	c->lines = b[3];
	c->elcr = b[4];
	c->base = b[5];
	c->prio0 = b[6];
	c->init_step = b[7];
	c->icw4 = b[8] & PIC_F_ICW4;
	c->single = b[8] & PIC_F_SINGLE;
	c->auto_eoi = b[8] & PIC_F_AEOI;
	c->rotate_aeoi = b[8] & PIC_F_ROT_AEOI;
	c->sfnm = b[8] & PIC_F_SFNM;
	c->read_isr = b[8] & PIC_F_READ_ISR;
	c->poll = b[8] & PIC_F_POLL;
	c->special_mask = b[8] & PIC_F_SMM;
	return true;
}

bool snap_pic_save(struct snapshot_machine *s, const struct i8259 *p)
{
	struct snap_device *d = snap_device_add(s, "pic");
	uint8_t m[PIC_BYTES], sl[PIC_BYTES];

	pic_chip_pack(&p->c[0], m);
	pic_chip_pack(&p->c[1], sl);
	return d && snap_kv_set_bytes(&d->st, "master", m, sizeof(m)) &&
	       snap_kv_set_bytes(&d->st, "slave", sl, sizeof(sl));
}

int snap_pic_load(const struct snapshot_machine *s, struct i8259 *p,
		  char *err, size_t errlen)
{
	const struct snap_device *d = snap_device_find(s, "pic");
	const char *names[2] = { "master", "slave" };

	i8259_reset(p);
	if (!d)
		return 0;
	for (int i = 0; i < 2; i++) {
		const uint8_t *b = bytes_of(d, names[i], PIC_BYTES);

		if (!b || !pic_chip_unpack(&p->c[i], b))
			return bad(err, errlen, "pic", names[i]);
	}
	return 0;
}

/* ---- PIT: "ch0".."ch2" (32 bytes each), port 0x61, OUT0 ----------------- */

#define PIT_BYTES 32

static void pit_chan_pack(const struct pit_channel *c, uint8_t *b)
{
	memset(b, 0, PIT_BYTES);
	put_le(b, c->count, 4);
	b[4] = c->mode;
	b[5] = c->rw;
	b[6] = c->bcd;
	b[7] = c->read_state;
	b[8] = c->write_state;
	b[9] = c->lsb;
	b[10] = c->latch_state;
	put_le(b + 11, c->latched, 2);
	b[13] = c->status;
	b[14] = (uint8_t)(c->status_latched | c->loaded << 1 | c->triggered << 2 |
			  c->null_count << 3 | c->gate << 4);
	put_le(b + 16, c->start, 8);
	put_le(b + 24, c->held, 8);
}

static bool pit_chan_unpack(struct pit_channel *c, const uint8_t *b)
{
	uint32_t count = (uint32_t)get_le(b, 4);

	if (count < 1 || count > 65536 || b[4] > 5 || b[5] < 1 || b[5] > 3 ||
	    b[6] > 1 || b[7] < 1 || b[7] > 4 || b[8] < 1 || b[8] > 4 ||
	    b[10] > 3 || (b[14] & ~0x1f))
		return false;
	c->count = count;
	c->mode = b[4];
	c->rw = b[5];
	c->bcd = b[6];
	c->read_state = b[7];
	c->write_state = b[8];
	c->lsb = b[9];
	c->latch_state = b[10];
	c->latched = (uint16_t)get_le(b + 11, 2);
	c->status = b[13];
	c->status_latched = b[14] & 1;
	c->loaded = b[14] & 2;
	c->triggered = b[14] & 4;
	c->null_count = b[14] & 8;
	c->gate = b[14] & 16;
	c->start = get_le(b + 16, 8);
	c->held = get_le(b + 24, 8);
	return true;
}

bool snap_pit_save(struct snapshot_machine *s, const struct i8254 *p)
{
	struct snap_device *d = snap_device_add(s, "pit");
	static const char *const names[3] = { "ch0", "ch1", "ch2" };
	uint8_t b[PIT_BYTES];

	if (!d)
		return false;
	for (int i = 0; i < 3; i++) {
		pit_chan_pack(&p->ch[i], b);
		if (!snap_kv_set_bytes(&d->st, names[i], b, sizeof(b)))
			return false;
	}
	return snap_kv_set_u64(&d->st, "port61",
			       p->port61_rw | (unsigned)p->speaker_data << 1) &&
	       snap_kv_set_u64(&d->st, "out0", p->out0);
}

int snap_pit_load(const struct snapshot_machine *s, struct i8254 *p,
		  char *err, size_t errlen)
{
	const struct snap_device *d = snap_device_find(s, "pit");
	static const char *const names[3] = { "ch0", "ch1", "ch2" };
	uint64_t p61, out0;

	i8254_reset(p);
	if (!d)
		return 0;
	for (int i = 0; i < 3; i++) {
		const uint8_t *b = bytes_of(d, names[i], PIT_BYTES);

		if (!b || !pit_chan_unpack(&p->ch[i], b))
			return bad(err, errlen, "pit", names[i]);
	}
	if (!u64_le(d, "port61", 0x0e, &p61) || (p61 & 1))
		return bad(err, errlen, "pit", "port61");
	if (!u64_le(d, "out0", 1, &out0))
		return bad(err, errlen, "pit", "out0");
	p->port61_rw = p61 & 0x0c;
	p->speaker_data = p61 & 2;
	p->out0 = out0;
	i8254_restart(p);
	return 0;
}

/* ---- RTC: cmos (128 bytes), the time base, flags sync point ------------- */

bool snap_rtc_save(struct snapshot_machine *s, const struct mc146818 *r)
{
	struct snap_device *d = snap_device_add(s, "rtc");

	return d && snap_kv_set_bytes(&d->st, "cmos", r->cmos, sizeof(r->cmos)) &&
	       snap_kv_set_u64(&d->st, "index", r->index) &&
	       snap_kv_set_u64(&d->st, "nmi_masked", r->nmi_masked) &&
	       snap_kv_set_u64(&d->st, "base", (uint64_t)r->base) &&
	       snap_kv_set_u64(&d->st, "base_vt", r->base_vt) &&
	       snap_kv_set_u64(&d->st, "stopped", r->stopped) &&
	       snap_kv_set_u64(&d->st, "sync_vt", r->sync_vt) &&
	       snap_kv_set_u64(&d->st, "irq_level", r->irq_level);
}

int snap_rtc_load(const struct snapshot_machine *s, struct mc146818 *r,
		  char *err, size_t errlen)
{
	const struct snap_device *d = snap_device_find(s, "rtc");
	const uint8_t *cmos;
	uint64_t index, nmi, base, base_vt, stopped, sync_vt, irq;

	if (!d)
		return 0;              /* the reset state from --rtc-base */
	cmos = bytes_of(d, "cmos", RTC_CMOS_SIZE);
	if (!cmos)
		return bad(err, errlen, "rtc", "cmos");
	if (!u64_le(d, "index", 0x7f, &index))
		return bad(err, errlen, "rtc", "index");
	if (!u64_le(d, "nmi_masked", 1, &nmi))
		return bad(err, errlen, "rtc", "nmi_masked");
	if (!snap_kv_get_u64(&d->st, "base", &base))
		return bad(err, errlen, "rtc", "base");
	if (!snap_kv_get_u64(&d->st, "base_vt", &base_vt))
		return bad(err, errlen, "rtc", "base_vt");
	if (!u64_le(d, "stopped", 1, &stopped))
		return bad(err, errlen, "rtc", "stopped");
	if (!u64_le(d, "sync_vt", UINT64_MAX, &sync_vt) || sync_vt < base_vt)
		return bad(err, errlen, "rtc", "sync_vt");
	if (!u64_le(d, "irq_level", 1, &irq))
		return bad(err, errlen, "rtc", "irq_level");
	memcpy(r->cmos, cmos, RTC_CMOS_SIZE);
	r->index = (uint8_t)index;
	r->nmi_masked = nmi;
	r->base = (int64_t)base;
	r->base_vt = base_vt;
	r->stopped = stopped;
	r->sync_vt = sync_vt;
	r->irq_level = irq;
	mc146818_restart(r);
	return 0;
}

/* ---- ISA lines ---------------------------------------------------------- */

bool snap_isa_save(struct snapshot_machine *s, const struct isa_irq *b)
{
	struct snap_device *d = snap_device_add(s, "isa");

	return d && snap_kv_set_u64(&d->st, "levels", b->levels);
}

int snap_isa_load(const struct snapshot_machine *s, struct isa_irq *b,
		  char *err, size_t errlen)
{
	const struct snap_device *d = snap_device_find(s, "isa");
	uint64_t levels;

	b->levels = 0;
	if (!d)
		return 0;
	if (!u64_le(d, "levels", (1ull << ISA_IRQ_LINES) - 1, &levels))
		return bad(err, errlen, "isa", "levels");
	b->levels = (uint32_t)levels;
	return 0;
}
