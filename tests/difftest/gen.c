// SPDX-License-Identifier: MIT
/*
 * Sequence generator machinery: values, registers, memory operands that
 * always land in the data pages, flag bookkeeping and forward jumps.
 *
 * Code is built in "units": an instruction plus the MOV-immediate setup
 * (and, if needed, a flag-defining CMP) it depends on.  Jumps only target
 * unit starts, so a setup is never skipped without its instruction.
 *
 * Flags: g->defined holds the status flags whose value is architecturally
 * defined on every path reaching this point (SDM Vol. 1 App. A and each
 * instruction's "Flags Affected").  An instruction that reads a flag not
 * in that set is preceded by a CMP that defines all six; at a jump target
 * the sets of the incoming paths are intersected.
 */
#include "gen.h"
#include "gen_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const uint64_t edge_vals[] = {
	0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff,
	0x7fffffff, 0x80000000, 0xffffffff, 0x100000000ull,
	0x7fffffffffffffffull, 0x8000000000000000ull, ~0ull, ~0ull - 1,
	0xffffffff80000000ull, 0xffffffffffff8000ull, 0xffffffffffffff80ull,
};

uint64_t gen_val(struct gen *g)
{
	uint64_t v = rng_next(&g->r);

	switch (rng_below(&g->r, 8)) {
	case 0:
	case 1:
		return edge_vals[rng_below(&g->r, sizeof(edge_vals) / sizeof(edge_vals[0]))];
	case 2:
		return v & 63;
	case 3:
		return -(v & 63);
	case 4:
		return (uint64_t)(int64_t)(int8_t)v;
	case 5:
		return (uint64_t)(int64_t)(int32_t)v;
	default:
		return v;
	}
}

unsigned gen_size(struct gen *g)
{
	return 1u << rng_below(&g->r, 4);
}

unsigned gen_size_nb(struct gen *g)
{
	return 2u << rng_below(&g->r, 3);
}

/* A register for an operand of `size`; byte registers include AH..BH
 * (16..19).  Written registers are never RSP/SPL (the stack must stay in
 * the stack page). */
int gen_reg(struct gen *g, unsigned size, bool write, uint32_t excl)
{
	for (;;) {
		int r = (int)rng_below(&g->r, size == 1 ? 20 : 16);
		int full = r >= R8_AH ? r - R8_AH : r;

		if (write && r == RSP)
			continue;
		if (excl & BIT(full))
			continue;
		return r;
	}
}

uint32_t gen_rm_regs(const struct dt_rm *rm)
{
	uint32_t m = 0;

	if (!rm->mem)
		return 0;
	if (rm->m.base >= 0 && rm->m.base < 16)
		m |= BIT(rm->m.base);
	if (rm->m.index >= 0)
		m |= BIT(rm->m.index);
	return m;
}

void gen_set_reg(struct gen *g, int reg, uint64_t val)
{
	for (unsigned i = 0; i < g->nsetup; i++)
		if (g->setup[i].reg == reg) {
			g->setup[i].val = val;
			return;
		}
	if (g->nsetup < GEN_MAX_SETUP)
		g->setup[g->nsetup++] = (struct gen_setup){ reg, val };
}

/* Set the low `size` bytes of a register (byte regs 16..19 = AH..BH) to
 * val, leaving random bits elsewhere. */
void gen_set_sized(struct gen *g, int reg, unsigned size, uint64_t val)
{
	uint64_t rnd = rng_next(&g->r);

	if (reg >= R8_AH) {
		gen_set_reg(g, reg - R8_AH,
			    (rnd & ~0xff00ull) | (val & 0xff) << 8);
		return;
	}
	if (size == 8)
		gen_set_reg(g, reg, val);
	else {
		uint64_t m = (1ull << (size * 8)) - 1;

		gen_set_reg(g, reg, (rnd & ~m) | (val & m));
	}
}

static int pick_addr_reg(struct gen *g, uint32_t excl)
{
	for (;;) {
		int r = (int)rng_below(&g->r, 16);

		if (r != RSP && !(excl & BIT(r)))
			return r;
	}
}

static unsigned pick_scale(struct gen *g)
{
	return 1u << rng_below(&g->r, 4);
}

/*
 * A memory operand of `size` bytes addressing data offset [lo, hi - size]:
 * pick an addressing form, then choose the base (and index) values so the
 * effective address is the target.  excl: registers that must keep their
 * value (the setup MOVs would clobber them).
 */
void gen_mem(struct gen *g, struct dt_rm *rm, unsigned size, uint32_t excl,
	     uint32_t lo, uint32_t hi)
{
	struct dt_mem *m = &rm->m;
	uint64_t t = DT_DATA_BASE + lo + rng_below(&g->r, hi - lo - size + 1);

	if (g->align)
		t &= ~(uint64_t)(g->align - 1);   /* lo is aligned */
	uint64_t amask;
	int64_t d;

	rm->mem = true;
	rm->reg = -1;
	memset(m, 0, sizeof(*m));
	m->base = m->index = R_NONE;
	m->scale = 1;
	m->addr32 = rng_one_in(&g->r, 4);
	amask = m->addr32 ? 0xffffffffull : ~0ull;
	switch (rng_below(&g->r, 8)) {
	case 0:
		if (g->no_riprel)
			goto absolute;
		m->base = R_RIP;
		m->disp = (int64_t)t;
		m->disp_size = 4;
		return;
	case 1:
absolute:
		m->disp = (int64_t)t;
		m->disp_size = 4;
		return;
	case 2: {
		/* index * scale + disp32, no base */
		uint64_t v = rng_below(&g->r, 0x10000);

		m->index = pick_addr_reg(g, excl);
		m->scale = pick_scale(g);
		m->disp = (int64_t)(t - v * m->scale);
		m->disp_size = 4;
		gen_set_reg(g, m->index, v);
		return;
	}
	default:
		break;
	}
	switch (rng_below(&g->r, 3)) {
	case 0:
		d = 0;
		break;
	case 1:
		d = (int8_t)rng_next(&g->r);
		break;
	default:
		d = (int32_t)rng_next(&g->r);
		break;
	}
	m->disp = d;
	m->disp_size = rng_one_in(&g->r, 4) ? 4 : 0;
	m->base = pick_addr_reg(g, excl);
	if (rng_one_in(&g->r, 3)) {
		gen_set_reg(g, m->base, (t - (uint64_t)d) & amask);
		if (m->addr32)
			gen_set_reg(g, m->base, (rng_next(&g->r) << 32) |
				    ((t - (uint64_t)d) & amask));
		return;
	}
	m->index = pick_addr_reg(g, excl);
	m->scale = pick_scale(g);
	if (m->index == m->base) {
		/* v * (1 + scale) + disp = t */
		uint64_t v = t / (1 + m->scale);

		m->disp = (int64_t)(t - v * (1 + m->scale));
		gen_set_reg(g, m->base, v);
		return;
	}
	uint64_t v = gen_val(g);

	gen_set_reg(g, m->index, v);
	gen_set_reg(g, m->base, t - v * m->scale - (uint64_t)d);
}

void gen_rm(struct gen *g, struct dt_rm *rm, unsigned size, bool write,
	    uint32_t excl)
{
	if (rng_one_in(&g->r, 2)) {
		rm->mem = false;
		rm->reg = gen_reg(g, size, write, 0);
		return;
	}
	gen_mem(g, rm, size, excl, 0, DT_DATA_SIZE);
}

void gen_flags(struct gen *g, uint32_t def, uint32_t undef)
{
	g->defined = (g->defined | def) & ~undef;
}

static void unit_put(struct gen *g, const struct enc *e)
{
	if (g->ulen + e->n > GEN_MAX_UNIT || g->un >= 16) {
		g->overflow = true;
		return;
	}
	g->umask[g->un] = (uint16_t)g->defined;
	g->uoff[g->un++] = (uint16_t)g->ulen;
	memcpy(g->ub + g->ulen, e->b, e->n);
	g->ulen += e->n;
}

static uint64_t unit_addr(const struct gen *g)
{
	return DT_CODE_BASE + g->pos + g->ulen;
}

/* MOV r64, imm (B8+r io), or the shorter MOV r32, imm32 (zero-extends). */
static void emit_setups(struct gen *g)
{
	static const uint8_t mov = 0xb8;
	struct enc e;

	for (unsigned i = 0; i < g->nsetup; i++) {
		uint64_t v = g->setup[i].val;

		if (v <= 0xffffffffull && rng_one_in(&g->r, 2))
			enc_plain(&e, 0, 4, &mov, 1, g->setup[i].reg, v, 4);
		else
			enc_plain(&e, 0, 8, &mov, 1, g->setup[i].reg, v, 8);
		unit_put(g, &e);
	}
	g->nsetup = 0;
}

/* Make `flags` defined by a CMP of two random registers (38/39 /r). */
void gen_need(struct gen *g, uint32_t flags)
{
	struct dt_rm rm = { .mem = false };
	struct enc e;
	unsigned size;
	uint8_t op;

	if (!(flags & ~g->defined))
		return;
	do {
		size = gen_size(g);
		op = size == 1 ? 0x38 : 0x39;
		rm.reg = gen_reg(g, size, false, 0);
	} while (!enc_modrm(&e, unit_addr(g), size == 1 ? ENC_REG8 | ENC_RM8 : 0,
			    size, &op, 1, gen_reg(g, size, false, 0), &rm, 0, 0));
	unit_put(g, &e);
	gen_flags(g, DT_STATUS_FLAGS, 0);
}

bool gen_emit_modrm(struct gen *g, unsigned flags, unsigned size,
		    const uint8_t *op, unsigned oplen, int reg,
		    const struct dt_rm *rm, uint64_t imm, unsigned immsize)
{
	uint32_t ulen = g->ulen, un = g->un;
	struct enc e;

	emit_setups(g);
	if (!enc_modrm(&e, unit_addr(g), flags, size, op, oplen, reg, rm,
		       imm, immsize)) {
		g->ulen = ulen;
		g->un = un;
		return false;
	}
	unit_put(g, &e);
	return true;
}

bool gen_emit_plain(struct gen *g, unsigned flags, unsigned size,
		    const uint8_t *op, unsigned oplen, int rb, uint64_t imm,
		    unsigned immsize)
{
	uint32_t ulen = g->ulen, un = g->un;
	struct enc e;

	emit_setups(g);
	if (!enc_plain(&e, flags, size, op, oplen, rb, imm, immsize)) {
		g->ulen = ulen;
		g->un = un;
		return false;
	}
	unit_put(g, &e);
	return true;
}

/* A forward jump over 0..3 later units; the displacement is patched when
 * the target unit is placed. */
void gen_emit_jump(struct gen *g, const uint8_t *op, unsigned oplen,
		   unsigned rel_size, unsigned flags)
{
	struct gen_pend *p;
	struct enc e;

	emit_setups(g);
	if (g->npend >= GEN_MAX_PEND) {
		g->overflow = true;
		return;
	}
	enc_plain(&e, flags, 4, op, oplen, -1, 0, rel_size);
	unit_put(g, &e);
	p = &g->pend[g->npend++];
	p->rel_off = g->pos + g->ulen - rel_size;
	p->end_off = g->pos + g->ulen;
	p->rel_size = rel_size;
	p->units_left = (int)rng_below(&g->r, 4);
	p->mask = 0;            /* set at the end of the unit */
	p->resolve_here = false;
	p->absolute = false;
}

void gen_pend_abs(struct gen *g)
{
	struct gen_pend *p;

	if (g->npend >= GEN_MAX_PEND) {
		g->overflow = true;
		return;
	}
	p = &g->pend[g->npend++];
	p->rel_off = g->pos + g->ulen - 4;
	p->end_off = p->rel_off + 4;
	p->rel_size = 4;
	p->units_left = (int)rng_below(&g->r, 4);
	p->mask = 0;
	p->resolve_here = false;
	p->absolute = true;
}

uint32_t gen_cc_flags(unsigned cc)
{
	static const uint32_t t[8] = {
		DT_FLAG_OF, DT_FLAG_CF, DT_FLAG_ZF, DT_FLAG_CF | DT_FLAG_ZF,
		DT_FLAG_SF, DT_FLAG_PF, DT_FLAG_SF | DT_FLAG_OF,
		DT_FLAG_ZF | DT_FLAG_SF | DT_FLAG_OF,
	};
	return t[(cc >> 1) & 7];
}

static void patch_rel(struct gen *g, struct gen_pend *p, uint32_t target)
{
	uint32_t rel = p->absolute ? (uint32_t)(DT_CODE_BASE + target) :
		       target - p->end_off;

	for (unsigned i = 0; i < p->rel_size; i++)
		g->c->code[p->rel_off + i] = (uint8_t)(rel >> (8 * i));
}

static void commit_unit(struct gen *g)
{
	struct dt_case *c = g->c;

	for (unsigned i = 0; i < g->un && c->ninsns < DT_MAX_INSNS; i++) {
		c->mask_before[c->ninsns] = g->umask[i];
		c->insn_off[c->ninsns++] = (uint16_t)(g->pos + g->uoff[i]);
	}
	memcpy(c->code + g->pos, g->ub, g->ulen);
	g->pos += g->ulen;
}

/* Flags defined at the unit start: fall-through path and every jump that
 * lands here. */
static uint32_t merged_start(const struct gen *g, uint32_t fall, int n)
{
	for (int i = 0; i < n; i++)
		if (g->pend[i].resolve_here)
			fall &= g->pend[i].mask;
	return fall;
}

/* Patch and drop the jumps that land at g->pos. */
static void resolve_here(struct gen *g)
{
	int j = 0;

	for (int i = 0; i < g->npend; i++) {
		if (g->pend[i].resolve_here)
			patch_rel(g, &g->pend[i], g->pos);
		else
			g->pend[j++] = g->pend[i];
	}
	g->npend = j;
}

/* Build one unit at g->pos.  A short jump that could not reach past this
 * unit must land here instead; the unit is then regenerated with the
 * merged flag state. */
static void place_unit(struct gen *g)
{
	uint32_t fall = g->defined;
	int old = g->npend, pushes = g->pushes, pops = g->pops;
	bool again;

	for (int i = 0; i < old; i++)
		if (g->pend[i].units_left-- == 0)
			g->pend[i].resolve_here = true;
	do {
		do {
			g->defined = merged_start(g, fall, old);
			g->pushes = pushes;
			g->pops = pops;
			g->npend = old;
			g->ulen = g->un = g->nsetup = 0;
			g->overflow = false;
		} while (!gen_unit(g) || g->overflow);
		again = false;
		for (int i = 0; i < old; i++) {
			struct gen_pend *p = &g->pend[i];

			if (!p->resolve_here && p->rel_size == 1 &&
			    g->pos + g->ulen - p->end_off > 127) {
				p->resolve_here = true;
				again = true;
			}
		}
	} while (again);
	/* A jump is the last instruction of its unit: the taken path has the
	 * flags as they are after the unit. */
	for (int i = old; i < g->npend; i++)
		g->pend[i].mask = g->defined;
	resolve_here(g);
	commit_unit(g);
}

static void gen_init_state(struct gen *g, struct dt_state *st)
{
	for (int i = 0; i < 16; i++)
		st->gpr[i] = gen_val(g);
	st->gpr[RSP] = DT_STACK_BASE + 0x700 + rng_below(&g->r, 64) * 8;
	if (rng_one_in(&g->r, 8))
		st->gpr[RSP] += rng_below(&g->r, 8);
	st->rip = DT_CODE_BASE;
	st->rflags = 2 | (rng_next(&g->r) & DT_STATUS_FLAGS);
	if (rng_one_in(&g->r, 2))
		st->rflags |= 1u << 10;      /* DF */
	for (unsigned i = 0; i < DT_DATA_SIZE; i += 8) {
		uint64_t v = rng_one_in(&g->r, 4) ? gen_val(g) : rng_next(&g->r);

		memcpy(st->data + i, &v, 8);
	}
	for (unsigned i = 0; i < DT_STACK_SIZE; i += 8) {
		uint64_t v = rng_next(&g->r);

		memcpy(st->stack + i, &v, 8);
	}
}

static void finish(struct gen *g)
{
	struct dt_case *c = g->c;

	for (int i = 0; i < g->npend; i++)
		g->pend[i].resolve_here = true;
	g->defined = merged_start(g, g->defined, g->npend);
	resolve_here(g);
	c->hlt_off = g->pos;
	c->code[g->pos] = 0xf4;     /* HLT */
	if (c->ninsns < DT_MAX_INSNS) {
		c->mask_before[c->ninsns] = (uint16_t)g->defined;
		c->insn_off[c->ninsns++] = (uint16_t)g->pos;
	}
	c->code_len = g->pos + 1;
	c->defined_flags = g->defined;
}

void gen_case(struct dt_case *c, uint64_t seed, unsigned len)
{
	struct gen g;

	memset(&g, 0, sizeof(g));
	memset(c, 0, sizeof(*c));
	g.r.s = seed;
	g.c = c;
	c->seed = seed;
	c->len = len;
	gen_init_state(&g, &c->init);
	if (gen_simd)
		gen_simd_state(seed, &c->init);
	if (gen_x87)
		gen_x87_state(seed, &c->init);
	g.defined = DT_STATUS_FLAGS;
	for (unsigned i = 0; i < len; i++) {
		if (g.pos + 2 * GEN_MAX_UNIT + 1 > DT_CODE_SIZE)
			break;
		place_unit(&g);
	}
	if (gen_x87) {
		gen_x87_epilogue_next(true);
		place_unit(&g);
		gen_x87_epilogue_next(false);
	}
	finish(&g);
}

void gen_raw_case(struct dt_case *c, const uint8_t *code, uint32_t len,
		  uint32_t defined_flags)
{
	c->code_len = len + 1;
	memset(c->code, 0, sizeof(c->code));
	memcpy(c->code, code, len);
	c->code[len] = 0xf4;
	c->hlt_off = len;
	c->ninsns = 0;
	c->defined_flags = defined_flags;
}
