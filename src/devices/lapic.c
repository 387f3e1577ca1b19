// SPDX-License-Identifier: MIT
/*
 * Local APIC registers and interrupt acceptance (SDM Vol. 3A chapter 11).
 * The timer is in lapic_timer.c, the MSR side (IA32_APIC_BASE, x2APIC) in
 * lapic_msr.c, destination matching in apic_bus.c.
 *
 * Priorities (SDM 11.8.3.1): PPR = TPR if TPR[7:4] >= ISRV[7:4], else
 * ISRV[7:4] << 4, where ISRV is the highest vector in service; the
 * highest IRR vector is presented on INTR only when its class (bits 7:4)
 * is above PPR[7:4].  Acknowledge moves it to ISR; EOI retires the
 * highest ISR vector and, for a level-triggered one (TMR), broadcasts the
 * EOI to the IOAPIC (11.8.5).
 *
 * Like QEMU and KVM (standing in for the BIOS), a bootstrap processor's
 * LINT0 comes out of reset in ExtINT mode, unmasked, so 8259 interrupts
 * reach the processor until software reprograms it.
 */
#include "devices/lapic_internal.h"

#include <string.h>

/* ---- register table -------------------------------------------------------
 * One row per 16-byte register slot: which interfaces have it, whether it
 * reads and writes, the bits a write changes, and (x2APIC) the bits whose
 * setting makes WRMSR #GP (SDM 11.12.1.2).
 */
#define R_X1 0x01   /* exists in xAPIC mode (MMIO) */
#define R_X2 0x02   /* exists in x2APIC mode (MSR) */
#define R_RD 0x04   /* readable */
#define R_WR 0x08   /* writable (x2APIC: WRMSR to a non-R_WR one #GPs) */
#define R_X1W 0x10  /* writable in xAPIC mode only (ID, LDR) */
#define R_BOTH (R_X1 | R_X2)

struct lapic_reg_desc {
	uint8_t flags;
	uint32_t wmask;     /* bits a write stores */
	uint32_t resv;      /* x2APIC: bits that must be 0 in WRMSR */
};

#define LVT_BASE_MASK 0x107ffu            /* vector, delivery mode, mask */
#define LVT_LINT_MASK 0x1a7ffu            /* + polarity, trigger mode */
#define LVT_ERR_MASK  0x100ffu
#define LVT_RO        (APIC_LVT_PENDING | APIC_LVT_REMOTE_IRR)

static const struct lapic_reg_desc reg_table[LAPIC_REGS_SIZE / 16] = {
	[APIC_ID >> 4] = { R_BOTH | R_RD | R_X1W, 0xff000000u, 0 },
	[APIC_LVR >> 4] = { R_BOTH | R_RD, 0, 0 },
	[APIC_TPR >> 4] = { R_BOTH | R_RD | R_WR, 0xffu, ~0xffu },
	[APIC_APR >> 4] = { R_X1 | R_RD, 0, 0 },
	[APIC_PPR >> 4] = { R_BOTH | R_RD, 0, 0 },
	[APIC_EOI >> 4] = { R_BOTH | R_WR, 0, ~0u },
	[APIC_RRD >> 4] = { R_X1 | R_RD, 0, 0 },
	[APIC_LDR >> 4] = { R_BOTH | R_RD | R_X1W, 0xff000000u, 0 },
	[APIC_DFR >> 4] = { R_X1 | R_RD | R_WR, 0xf0000000u, 0 },
	[APIC_SPIV >> 4] = { R_BOTH | R_RD | R_WR, 0x3ffu, ~0x3ffu },
#define VEC8(base) [(base >> 4) + 0] = { R_BOTH | R_RD, 0, 0 }, \
	[(base >> 4) + 1] = { R_BOTH | R_RD, 0, 0 }, \
	[(base >> 4) + 2] = { R_BOTH | R_RD, 0, 0 }, \
	[(base >> 4) + 3] = { R_BOTH | R_RD, 0, 0 }, \
	[(base >> 4) + 4] = { R_BOTH | R_RD, 0, 0 }, \
	[(base >> 4) + 5] = { R_BOTH | R_RD, 0, 0 }, \
	[(base >> 4) + 6] = { R_BOTH | R_RD, 0, 0 }, \
	[(base >> 4) + 7] = { R_BOTH | R_RD, 0, 0 }
	VEC8(APIC_ISR), VEC8(APIC_TMR), VEC8(APIC_IRR),
#undef VEC8
	[APIC_ESR >> 4] = { R_BOTH | R_RD | R_WR, 0, ~0u },
	[APIC_ICR >> 4] = { R_BOTH | R_RD | R_WR, 0x000cdfffu, 0 },
	[APIC_ICR2 >> 4] = { R_X1 | R_RD | R_WR, 0xff000000u, 0 },
	[APIC_LVT_TIMER >> 4] = { R_BOTH | R_RD | R_WR, 0x600ffu | APIC_LVT_MASKED,
				  ~(0x600ffu | APIC_LVT_MASKED | LVT_RO) },
	[APIC_LVT_THERMAL >> 4] = { R_BOTH | R_RD | R_WR, LVT_BASE_MASK,
				    ~(LVT_BASE_MASK | LVT_RO) },
	[APIC_LVT_PERF >> 4] = { R_BOTH | R_RD | R_WR, LVT_BASE_MASK,
				 ~(LVT_BASE_MASK | LVT_RO) },
	[APIC_LVT_LINT0 >> 4] = { R_BOTH | R_RD | R_WR, LVT_LINT_MASK,
				  ~(LVT_LINT_MASK | LVT_RO) },
	[APIC_LVT_LINT1 >> 4] = { R_BOTH | R_RD | R_WR, LVT_LINT_MASK,
				  ~(LVT_LINT_MASK | LVT_RO) },
	[APIC_LVT_ERROR >> 4] = { R_BOTH | R_RD | R_WR, LVT_ERR_MASK,
				  ~(LVT_ERR_MASK | LVT_RO) },
	[APIC_TMICT >> 4] = { R_BOTH | R_RD | R_WR, ~0u, 0 },
	[APIC_TMCCT >> 4] = { R_BOTH | R_RD, 0, 0 },
	[APIC_TDCR >> 4] = { R_BOTH | R_RD | R_WR, 0xbu, ~0xbu },
	[APIC_SELF_IPI >> 4] = { R_X2 | R_WR, 0, ~0xffu },
};

static const struct lapic_reg_desc *reg_desc(unsigned off)
{
	if (off >= LAPIC_REGS_SIZE || (off & 0xf))
		return NULL;
	return &reg_table[off >> 4];
}

/*
 * x2APIC RDMSR/WRMSR of the register at off (SDM 11.12.1.2): a register
 * missing in x2APIC mode, a read of a write-only one, a write of a
 * read-only one and a write with a reserved bit set raise #GP.
 */
bool lapic_x2_read_ok(unsigned off)
{
	const struct lapic_reg_desc *d = reg_desc(off);

	return d && (d->flags & R_X2) && (d->flags & R_RD);
}

bool lapic_x2_write_ok(unsigned off, uint32_t v)
{
	const struct lapic_reg_desc *d = reg_desc(off);

	return d && (d->flags & R_X2) && (d->flags & R_WR) && !(v & d->resv);
}

/* ---- small helpers ------------------------------------------------------ */

bool lapic_hw_enabled(const struct lapic *l)
{
	return l->apic_base & APIC_BASE_EN;
}

bool lapic_sw_enabled(const struct lapic *l)
{
	return lapic_get(l, APIC_SPIV) & APIC_SPIV_ENABLE;
}

bool lapic_x2apic_mode(const struct lapic *l)
{
	return (l->apic_base & (APIC_BASE_EN | APIC_BASE_EXTD)) ==
	       (APIC_BASE_EN | APIC_BASE_EXTD);
}

uint32_t lapic_id(const struct lapic *l)
{
	uint32_t id = lapic_get(l, APIC_ID);

	return lapic_x2apic_mode(l) ? id : id >> 24;
}

static void vec_set(struct lapic *l, unsigned base, unsigned vec, bool on)
{
	unsigned off = base + (vec >> 5) * 0x10;
	uint32_t v = lapic_get(l, off), bit = 1u << (vec & 31);

	lapic_put(l, off, on ? v | bit : v & ~bit);
}

/* Highest vector set in the 256-bit ISR/TMR/IRR at base, or -1. */
static int vec_highest(const struct lapic *l, unsigned base)
{
	for (int i = 7; i >= 0; i--) {
		uint32_t v = lapic_get(l, base + (unsigned)i * 0x10);

		if (v)
			return i * 32 + 31 - __builtin_clz(v);
	}
	return -1;
}

unsigned lapic_ppr(const struct lapic *l)
{
	unsigned tpr = lapic_get(l, APIC_TPR) & 0xff;
	int isrv = vec_highest(l, APIC_ISR);
	unsigned isr_class = isrv < 0 ? 0 : (unsigned)isrv & 0xf0;

	return (tpr & 0xf0) >= isr_class ? tpr : isr_class;
}

/* INTR may have changed: the processor samples it again. */
static void kick(struct lapic *l)
{
	if (l->signal)
		l->signal(l->signal_opaque, CPU_SIGNAL_INTR, 0);
}

/* ---- reset -------------------------------------------------------------- */

static void reset_regs(struct lapic *l, uint32_t id_reg)
{
	static const unsigned lvts[] = {
		APIC_LVT_TIMER, APIC_LVT_THERMAL, APIC_LVT_PERF,
		APIC_LVT_LINT0, APIC_LVT_LINT1, APIC_LVT_ERROR,
	};

	memset(l->regs, 0, sizeof(l->regs));
	lapic_put(l, APIC_ID, id_reg);
	lapic_put(l, APIC_LVR, LAPIC_VERSION);
	lapic_put(l, APIC_DFR, 0xffffffffu);
	lapic_put(l, APIC_SPIV, 0xff);
	for (size_t i = 0; i < sizeof(lvts) / sizeof(lvts[0]); i++)
		lapic_put(l, lvts[i], APIC_LVT_MASKED);
	if (l->cfg.bsp)
		lapic_put(l, APIC_LVT_LINT0, APIC_DM_EXTINT << 8);
	l->esr_latched = 0;
	l->timer_start = 0;
	l->timer_stopped = false;
	l->tsc_deadline = 0;
	l->tsc_deadline_at = 0;
	lapic_timer_restart(l);
}

void lapic_reset(struct lapic *l)
{
	l->apic_base = l->cfg.absent ? 0 : LAPIC_DEFAULT_BASE | APIC_BASE_EN |
		       (l->cfg.bsp ? APIC_BASE_BSP : 0);
	reset_regs(l, l->cfg.id << 24);
	lapic_remap(l);
	kick(l);
}

/* SDM 11.4.7.3: INIT resets the APIC as at power-up, except the APIC ID
 * (and IA32_APIC_BASE, which INIT leaves alone, SDM Table 10-1). */
void lapic_init_signal(struct lapic *l)
{
	reset_regs(l, lapic_get(l, APIC_ID));
	kick(l);
}

/* ---- acceptance, acknowledge, EOI ---------------------------------------- */

static void local_deliver(struct lapic *l, unsigned lvt_off);

static void record_error(struct lapic *l, uint32_t bit)
{
	bool fresh = !(l->esr_latched & bit);

	l->esr_latched |= bit;
	/* The error interrupt itself cannot recurse: an illegal vector in
	 * the error LVT only latches the bit again (fresh is false). */
	if (fresh)
		local_deliver(l, APIC_LVT_ERROR);
}

static void accept_fixed(struct lapic *l, uint8_t vector, bool level)
{
	/* Fixed interrupts are not accepted while the APIC is software
	 * disabled (SDM 11.4.7.2); pending ones stay. */
	if (!lapic_sw_enabled(l))
		return;
	if (vector < 16) {
		record_error(l, APIC_ESR_RECV_ILLEGAL);
		return;
	}
	vec_set(l, APIC_IRR, vector, true);
	vec_set(l, APIC_TMR, vector, level);
	l->accepted++;
	kick(l);
}

void lapic_accept(struct lapic *l, const struct apic_msg *m)
{
	switch (m->mode) {
	case APIC_DM_FIXED:
	case APIC_DM_LOWPRI:
		accept_fixed(l, m->vector, m->level);
		break;
	case APIC_DM_NMI:
		if (l->signal)
			l->signal(l->signal_opaque, CPU_SIGNAL_NMI, 0);
		break;
	case APIC_DM_INIT:
		/* INIT level de-assert only synchronises arbitration IDs. */
		if (m->level && m->deassert)
			break;
		if (l->signal)
			l->signal(l->signal_opaque, CPU_SIGNAL_INIT, 0);
		break;
	case APIC_DM_SIPI:
		if (l->signal)
			l->signal(l->signal_opaque, CPU_SIGNAL_SIPI, m->vector);
		break;
	case APIC_DM_EXTINT:
		kick(l);        /* the vector comes from the 8259 at INTA */
		break;
	default:
		break;          /* SMI: no SMM */
	}
}

/* A local interrupt source through its LVT entry (SDM 11.5.1). */
static void local_deliver(struct lapic *l, unsigned lvt_off)
{
	uint32_t lvt = lapic_get(l, lvt_off);
	struct apic_msg m = {
		.vector = lvt & 0xff,
		.mode = (lvt >> 8) & 7,
		.level = lvt & APIC_LVT_LEVEL,
	};

	if (lvt & APIC_LVT_MASKED)
		return;
	/* The timer and error entries have no delivery-mode field. */
	if (lvt_off == APIC_LVT_TIMER || lvt_off == APIC_LVT_ERROR) {
		m.mode = APIC_DM_FIXED;
		m.level = false;
	}
	if (lvt_off != APIC_LVT_LINT0 && lvt_off != APIC_LVT_LINT1)
		m.level = false;
	lapic_accept(l, &m);
}

void lapic_lvt_fire(struct lapic *l, unsigned lvt_off)
{
	local_deliver(l, lvt_off);
}

void lapic_set_lint(struct lapic *l, unsigned pin, bool level)
{
	unsigned off = pin ? APIC_LVT_LINT1 : APIC_LVT_LINT0;
	uint32_t lvt = lapic_get(l, off);

	if (((lvt >> 8) & 7) == APIC_DM_EXTINT) {
		kick(l);
		return;
	}
	/* Edge-triggered LINTs fire on the rising edge only. */
	if (level)
		local_deliver(l, off);
}

static bool lint0_extint(const struct lapic *l)
{
	uint32_t lvt = lapic_get(l, APIC_LVT_LINT0);

	return !(lvt & APIC_LVT_MASKED) && ((lvt >> 8) & 7) == APIC_DM_EXTINT;
}

/* With IA32_APIC_BASE.EN = 0 the 8259 drives INTR directly (11.4.3). */
static bool extint_routed(const struct lapic *l)
{
	return l->extint.pending && (!lapic_hw_enabled(l) || lint0_extint(l));
}

void lapic_extint_changed(struct lapic *l)
{
	if (extint_routed(l))
		kick(l);
}

static int intc_pending(void *opaque)
{
	struct lapic *l = opaque;
	int v;

	/* ExtINT is not subject to the priority scheme (11.6.2.1). */
	if (extint_routed(l)) {
		v = l->extint.pending(l->extint.opaque);
		if (v >= 0)
			return v;
	}
	if (!lapic_hw_enabled(l))
		return -1;
	v = vec_highest(l, APIC_IRR);
	if (v < 0 || ((unsigned)v & 0xf0) <= (lapic_ppr(l) & 0xf0))
		return -1;
	return v;
}

static int intc_ack(void *opaque)
{
	struct lapic *l = opaque;
	int v;

	if (extint_routed(l) && l->extint.pending(l->extint.opaque) >= 0)
		return l->extint.ack(l->extint.opaque);
	v = intc_pending(l);
	if (v < 0)   /* withdrawn before INTA: spurious (11.9) */
		return (int)(lapic_get(l, APIC_SPIV) & 0xff);
	vec_set(l, APIC_IRR, (unsigned)v, false);
	vec_set(l, APIC_ISR, (unsigned)v, true);
	return v;
}

static void eoi(struct lapic *l)
{
	int v = vec_highest(l, APIC_ISR);

	if (v < 0)
		return;
	vec_set(l, APIC_ISR, (unsigned)v, false);
	if (lapic_vec_test(l, APIC_TMR, (unsigned)v) && l->bus)
		apic_bus_eoi(l->bus, (uint8_t)v);
	kick(l);   /* a lower-priority IRR vector may now be presented */
}

/* ---- ICR -------------------------------------------------------------- */

#define ICR_LEVEL_ASSERT (1u << 14)

static void send_ipi(struct lapic *l, uint32_t lo, uint32_t dest, bool x2)
{
	struct apic_msg m = {
		.vector = lo & 0xff,
		.mode = (lo >> 8) & 7,
		.logical = lo & (1u << 11),
		.deassert = !(lo & (1u << 14)),
		.level = lo & (1u << 15),
		.shorthand = (lo >> 18) & 3,
		.dest = dest,
		.x2apic_dest = x2,
	};

	if ((m.mode == APIC_DM_FIXED || m.mode == APIC_DM_LOWPRI) &&
	    m.vector < 16) {
		record_error(l, APIC_ESR_SEND_ILLEGAL);
		return;
	}
	/* Only INIT level de-assert is level-triggered; other IPIs are
	 * edges whatever the trigger bit says (11.6.1). */
	if (m.mode != APIC_DM_INIT)
		m.level = false;
	l->ipis_sent++;
	if (l->bus)
		apic_bus_send(l->bus, l, &m);
	else if (m.shorthand != APIC_SH_OTHERS)
		lapic_accept(l, &m);
}

void lapic_send_icr(struct lapic *l, uint64_t icr)
{
	bool x2 = lapic_x2apic_mode(l);

	lapic_put(l, APIC_ICR, (uint32_t)icr & reg_table[APIC_ICR >> 4].wmask);
	if (x2)
		lapic_put(l, APIC_ICR2, (uint32_t)(icr >> 32));
	send_ipi(l, (uint32_t)icr, x2 ? (uint32_t)(icr >> 32)
				       : (uint32_t)(icr >> 56), x2);
}

/* The processor's own IPI (cpu_intc send_notification): fixed, physical,
 * edge, no shorthand; ICR and ICR2 keep what software wrote. */
static void intc_send_notification(void *opaque, uint32_t ndst,
				   uint8_t vector)
{
	struct lapic *l = opaque;
	bool x2 = lapic_x2apic_mode(l);

	send_ipi(l, ICR_LEVEL_ASSERT | vector,
		 x2 ? ndst : (ndst >> 8) & 0xffu, x2);
}

/* ---- register access ------------------------------------------------------ */

uint32_t lapic_reg_read(struct lapic *l, unsigned off)
{
	const struct lapic_reg_desc *d = reg_desc(off);

	if (!d || !(d->flags & R_RD)) {
		if (!d || !d->flags)
			record_error(l, APIC_ESR_ILLEGAL_REG);
		return 0;
	}
	switch (off) {
	case APIC_PPR:
		return lapic_ppr(l);
	case APIC_TMCCT:
		return lapic_timer_current(l);
	case APIC_APR:
	case APIC_RRD:
		return 0;
	case APIC_DFR:
		return lapic_get(l, off) | 0x0fffffffu;
	default:
		return lapic_get(l, off);
	}
}

static void write_spiv(struct lapic *l, uint32_t v)
{
	static const unsigned lvts[] = {
		APIC_LVT_TIMER, APIC_LVT_THERMAL, APIC_LVT_PERF,
		APIC_LVT_LINT0, APIC_LVT_LINT1, APIC_LVT_ERROR,
	};

	lapic_put(l, APIC_SPIV, v);
	/* Software disable sets every LVT mask (11.4.7.2). */
	if (!(v & APIC_SPIV_ENABLE)) {
		for (size_t i = 0; i < sizeof(lvts) / sizeof(lvts[0]); i++)
			lapic_put(l, lvts[i],
				  lapic_get(l, lvts[i]) | APIC_LVT_MASKED);
		lapic_timer_restart(l);
	}
	kick(l);
}

static void write_lvt(struct lapic *l, unsigned off, uint32_t v, uint32_t mask)
{
	uint32_t old = lapic_get(l, off);

	v = (v & mask) | (old & LVT_RO);
	/* Masks cannot be cleared while software disabled (11.4.7.2). */
	if (!lapic_sw_enabled(l))
		v |= APIC_LVT_MASKED;
	lapic_put(l, off, v);
	if (off == APIC_LVT_TIMER)
		lapic_timer_lvt_written(l, old);
	if (off == APIC_LVT_LINT0)
		kick(l);    /* ExtINT routing may have changed */
}

void lapic_reg_write(struct lapic *l, unsigned off, uint32_t v)
{
	const struct lapic_reg_desc *d = reg_desc(off);
	bool x2 = lapic_x2apic_mode(l);

	if (!d || !d->flags) {
		record_error(l, APIC_ESR_ILLEGAL_REG);
		return;
	}
	if (!(d->flags & R_WR) && !((d->flags & R_X1W) && !x2))
		return;
	switch (off) {
	case APIC_TPR:
		lapic_put(l, off, v & 0xff);
		kick(l);
		break;
	case APIC_EOI:
		eoi(l);
		break;
	case APIC_SPIV:
		write_spiv(l, v & d->wmask);
		break;
	case APIC_ESR:
		/* A write moves the errors seen since the last write into
		 * the register (11.5.3). */
		lapic_put(l, off, l->esr_latched);
		l->esr_latched = 0;
		break;
	case APIC_ICR:
		lapic_send_icr(l, (uint64_t)lapic_get(l, APIC_ICR2) << 32 | v);
		break;
	case APIC_LVT_TIMER:
	case APIC_LVT_THERMAL:
	case APIC_LVT_PERF:
	case APIC_LVT_LINT0:
	case APIC_LVT_LINT1:
	case APIC_LVT_ERROR: {
		uint32_t mask = d->wmask;

		if (off == APIC_LVT_TIMER && !l->cfg.tsc_deadline)
			mask &= ~(1u << 18);
		write_lvt(l, off, v, mask);
		break;
	}
	case APIC_TMICT:
		lapic_timer_count_written(l, v);
		break;
	case APIC_TDCR:
		lapic_timer_divide_written(l, v & d->wmask);
		break;
	case APIC_SELF_IPI:
		send_ipi(l, v & 0xff, 0, true);   /* fixed, edge, ... */
		break;
	default:
		lapic_put(l, off, (lapic_get(l, off) & ~d->wmask) | (v & d->wmask));
		break;
	}
}

/* ---- xAPIC MMIO window ------------------------------------------------- */

static uint64_t mmio_read(void *opaque, uint64_t off, unsigned size)
{
	struct lapic *l = opaque;
	unsigned reg = (unsigned)off & ~0xfu, in = (unsigned)off & 0xf;

	/* Registers are the first dword of each 16-byte slot; narrower
	 * reads inside it see the matching bytes. */
	if (in + size > 4)
		return 0;
	return lapic_reg_read(l, reg) >> (in * 8);
}

static void mmio_write(void *opaque, uint64_t off, unsigned size, uint64_t v)
{
	struct lapic *l = opaque;

	/* Only aligned 32-bit writes reach a register (11.4.1). */
	if (size != 4 || (off & 0xf))
		return;
	lapic_reg_write(l, (unsigned)off, (uint32_t)v);
}

/* The window exists at the base address while the APIC is enabled in
 * xAPIC mode (in x2APIC mode it is gone, 11.12.1.2). */
void lapic_remap(struct lapic *l)
{
	uint64_t want = lapic_hw_enabled(l) && !lapic_x2apic_mode(l)
		? l->apic_base & ~0xfffull : VCLOCK_NEVER;
	struct io_handler h = { "lapic", mmio_read, mmio_write, l };

	if (!l->mmio || want == l->mapped_at)
		return;
	if (l->mapped_at != VCLOCK_NEVER)
		io_bus_unregister(l->mmio, l->mapped_at);
	l->mapped_at = VCLOCK_NEVER;
	if (want != VCLOCK_NEVER && !io_bus_register(l->mmio, want,
						     LAPIC_MMIO_SIZE, &h))
		l->mapped_at = want;
}

/* ---- the processor's view (core/cpu_intc.h) -------------------------------- */

static unsigned intc_cr8_read(void *opaque)
{
	return (lapic_get(opaque, APIC_TPR) >> 4) & 0xf;
}

static void intc_cr8_write(void *opaque, unsigned cr8)
{
	struct lapic *l = opaque;

	lapic_put(l, APIC_TPR, (cr8 & 0xf) << 4);
	kick(l);
}

static void intc_eoi(void *opaque)
{
	eoi(opaque);
}

static void intc_init(void *opaque)
{
	lapic_init_signal(opaque);
}

static void intc_tsc_written(void *opaque, uint64_t tsc)
{
	lapic_tsc_written(opaque, tsc);
}

const struct cpu_intc_ops lapic_intc_ops = {
	.pending = intc_pending,
	.ack = intc_ack,
	.cr8_read = intc_cr8_read,
	.cr8_write = intc_cr8_write,
	.msr_read = lapic_msr_read,
	.msr_write = lapic_msr_write,
	.eoi = intc_eoi,
	.send_notification = intc_send_notification,
	.init = intc_init,
	.tsc_written = intc_tsc_written,
};

int lapic_init(struct lapic *l, const struct lapic_config *cfg,
	       struct vclock *clock, struct apic_bus *bus, struct io_bus *mmio,
	       void (*signal)(void *opaque, enum cpu_signal sig, uint8_t vector),
	       void *signal_opaque)
{
	memset(l, 0, sizeof(*l));
	l->cfg = *cfg;
	if (!l->cfg.maxphyaddr)
		l->cfg.maxphyaddr = 36;
	l->clock = clock;
	l->bus = bus;
	l->mmio = mmio;
	l->mapped_at = VCLOCK_NEVER;
	l->signal = signal;
	l->signal_opaque = signal_opaque;
	vtimer_init(&l->timer, lapic_timer_fire, l);
	lapic_reset(l);
	if (mmio && lapic_hw_enabled(l) && l->mapped_at == VCLOCK_NEVER)
		return -1;
	return bus ? apic_bus_add(bus, l) : 0;
}

void lapic_destroy(struct lapic *l)
{
	if (l->clock)
		vtimer_cancel(l->clock, &l->timer);
	if (l->mmio && l->mapped_at != VCLOCK_NEVER)
		io_bus_unregister(l->mmio, l->mapped_at);
	l->mapped_at = VCLOCK_NEVER;
}
