// SPDX-License-Identifier: MIT
/*
 * Tiny x86-64 encoder (SDM Vol. 2, ch. 2: instruction format, REX prefix,
 * ModRM/SIB tables 2-2/2-3 and the 64-bit RIP-relative rules of 2.2.1.6).
 */
#include "enc.h"

#include <string.h>

static void put(struct enc *e, uint8_t v)
{
	e->b[e->n++] = v;
}

static void put_le(struct enc *e, uint64_t v, unsigned bytes)
{
	for (unsigned i = 0; i < bytes; i++)
		put(e, (uint8_t)(v >> (8 * i)));
}

static void put_legacy(struct enc *e, unsigned flags, unsigned opsize,
		       bool a32)
{
	if (flags & ENC_LOCK)
		put(e, 0xf0);
	if (flags & ENC_REP)
		put(e, 0xf3);
	if (flags & ENC_REPNE)
		put(e, 0xf2);
	if (opsize == 2 || (flags & ENC_66))
		put(e, 0x66);
	if (a32)
		put(e, 0x67);
}

/* A byte register that exists only with REX (SPL, BPL, SIL, DIL). */
static bool needs_rex8(int r)
{
	return r >= 4 && r <= 7;
}

static bool is_high8(int r)
{
	return r >= R8_AH && r <= R8_AH + 3;
}

/* Finish REX: returns false if a high-byte register forbids it. */
static bool put_rex(struct enc *e, unsigned rex, bool force, bool high8)
{
	if (rex || force) {
		if (high8)
			return false;
		put(e, (uint8_t)(0x40 | rex));
	}
	return true;
}

static unsigned mod_for(const struct dt_mem *m, bool *sib, unsigned *dbytes)
{
	*sib = m->index != R_NONE || m->base == R_NONE ||
	       (m->base != R_RIP && (m->base & 7) == 4);
	if (m->base == R_NONE || m->base == R_RIP) {
		*dbytes = 4;
		return 0;
	}
	if (m->disp == 0 && m->disp_size == 0 && (m->base & 7) != 5) {
		*dbytes = 0;
		return 0;
	}
	if (m->disp >= -128 && m->disp <= 127 && m->disp_size <= 1) {
		*dbytes = 1;
		return 1;
	}
	*dbytes = 4;
	return 2;
}

bool enc_modrm(struct enc *e, uint64_t addr, unsigned flags, unsigned opsize,
	       const uint8_t *op, unsigned oplen, int reg,
	       const struct dt_rm *rm, uint64_t imm, unsigned immsize)
{
	unsigned rex = 0, regn, rmn, mod, dbytes = 0;
	bool sib = false, high8 = false, force = flags & ENC_REX;
	const struct dt_mem *m = &rm->m;

	e->n = 0;
	put_legacy(e, flags, opsize, (rm->mem && m->addr32) || (flags & ENC_A32));
	if (opsize == 8 && !(flags & ENC_NOW))
		rex |= 8;
	if (flags & ENC_REG8) {
		force |= needs_rex8(reg);
		high8 |= is_high8(reg);
	}
	regn = is_high8(reg) ? (unsigned)(reg - R8_AH + 4) : (unsigned)reg;
	if (regn & 8)
		rex |= 4;
	if (rm->mem) {
		mod = mod_for(m, &sib, &dbytes);
		if (m->index != R_NONE && (m->index & 8))
			rex |= 2;
		if (m->base >= 0 && m->base < 16 && (m->base & 8))
			rex |= 1;
		rmn = sib ? 4 : (m->base == R_RIP ? 5 : (unsigned)m->base & 7);
	} else {
		mod = 3;
		if (flags & ENC_RM8) {
			force |= needs_rex8(rm->reg);
			high8 |= is_high8(rm->reg);
		}
		rmn = is_high8(rm->reg) ? (unsigned)(rm->reg - R8_AH + 4) :
					   (unsigned)rm->reg;
		if (rmn & 8)
			rex |= 1;
	}
	if (!put_rex(e, rex, force, high8))
		return false;
	for (unsigned i = 0; i < oplen; i++)
		put(e, op[i]);
	put(e, (uint8_t)(mod << 6 | (regn & 7) << 3 | (rmn & 7)));
	if (sib) {
		unsigned ss = m->scale == 8 ? 3 : m->scale == 4 ? 2 :
			      m->scale == 2 ? 1 : 0;
		unsigned idx = m->index == R_NONE ? 4 : (unsigned)m->index & 7;
		unsigned base = m->base == R_NONE ? 5 : (unsigned)m->base & 7;

		put(e, (uint8_t)(ss << 6 | idx << 3 | base));
	}
	if (rm->mem && m->base == R_RIP) {
		uint64_t next = addr + e->n + 4 + immsize;

		put_le(e, (uint64_t)m->disp - next, 4);
	} else {
		put_le(e, (uint64_t)m->disp, dbytes);
	}
	put_le(e, imm, immsize);
	return true;
}

bool enc_plain(struct enc *e, unsigned flags, unsigned opsize,
	       const uint8_t *op, unsigned oplen, int rb, uint64_t imm,
	       unsigned immsize)
{
	unsigned rex = 0;
	bool force = flags & ENC_REX, high8 = false;

	e->n = 0;
	put_legacy(e, flags, opsize, flags & ENC_A32);
	if (opsize == 8 && !(flags & ENC_NOW))
		rex |= 8;
	if (rb >= 0) {
		if (flags & ENC_RM8) {
			force |= needs_rex8(rb);
			high8 |= is_high8(rb);
			if (high8)
				rb = rb - R8_AH + 4;
		}
		if (rb & 8)
			rex |= 1;
	}
	if (!put_rex(e, rex, force, high8))
		return false;
	for (unsigned i = 0; i < oplen; i++)
		put(e, (uint8_t)(op[i] + (i == oplen - 1 && rb >= 0 ? (rb & 7) : 0)));
	put_le(e, imm, immsize);
	return true;
}
