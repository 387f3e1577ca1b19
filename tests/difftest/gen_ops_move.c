// SPDX-License-Identifier: MIT
/*
 * Instruction classes of the sequence generator (see gen_ops.c): moves,
 * LEA, XCHG, BSWAP, CBW family, flag operations, the stack, string
 * instructions, jumps, POPF, XLAT/MOV moffs, CMPXCHG8B/16B and far
 * transfers, each recording its effect on the defined status flags.
 */
#include "gen.h"
#include "gen_int.h"
#include "gen_units.h"

/* MOVZX MOVSX MOVSXD MOV */
bool gen_u_mov(struct gen *g)
{
	unsigned kind = rng_below(&g->r, 7), size;
	bool sx = rng_one_in(&g->r, 2);
	struct dt_rm rm;
	uint8_t opc[2] = { 0x0f, 0 };

	switch (kind) {
	case 0:
		size = gen_size_nb(g);
		gen_rm(g, &rm, 1, false, 0);
		opc[1] = sx ? 0xbe : 0xb6;
		return gen_emit_modrm(g, ENC_RM8, size, opc, 2,
				      gen_reg(g, size, true, 0), &rm, 0, 0);
	case 1:
		size = 4u << rng_below(&g->r, 2);
		gen_rm(g, &rm, 2, false, 0);
		opc[1] = sx ? 0xbf : 0xb7;
		return gen_emit_modrm(g, 0, size, opc, 2,
				      gen_reg(g, size, true, 0), &rm, 0, 0);
	case 2:
		gen_rm(g, &rm, 4, false, 0);
		opc[0] = 0x63;
		return gen_emit_modrm(g, 0, 8, opc, 1, gen_reg(g, 8, true, 0),
				      &rm, 0, 0);
	case 3:
	case 4:
		size = gen_size(g);
		gen_rm(g, &rm, size, kind == 3, 0);
		opc[0] = (uint8_t)((kind == 3 ? 0x88 : 0x8a) + (size != 1));
		return gen_emit_modrm(g, b8(size), size, opc, 1,
				      gen_reg(g, size, kind == 4, 0), &rm, 0, 0);
	case 5:
		size = gen_size(g);
		gen_rm(g, &rm, size, true, 0);
		opc[0] = size == 1 ? 0xc6 : 0xc7;
		return gen_emit_modrm(g, rm8(size), size, opc, 1, 0, &rm,
				      gen_val(g), isz(size));
	default:
		size = gen_size(g);
		opc[0] = size == 1 ? 0xb0 : 0xb8;
		return gen_emit_plain(g, rm8(size), size, opc, 1,
				      gen_reg(g, size, true, 0), gen_val(g), size);
	}
}

/* LEA with every addressing form; nothing is accessed, so registers keep
 * their random values. */
bool gen_u_lea(struct gen *g)
{
	unsigned size = gen_size_nb(g);
	uint8_t opc = 0x8d;
	struct dt_rm rm = { .mem = true };
	struct dt_mem *m = &rm.m;

	m->base = m->index = R_NONE;
	m->scale = 1u << rng_below(&g->r, 4);
	m->addr32 = rng_one_in(&g->r, 4);
	switch (rng_below(&g->r, 3)) {
	case 0:
		m->disp = 0;
		break;
	case 1:
		m->disp = (int8_t)rng_next(&g->r);
		break;
	default:
		m->disp = (int32_t)rng_next(&g->r);
		break;
	}
	m->disp_size = rng_one_in(&g->r, 4) ? 4 : 0;
	switch (rng_below(&g->r, 6)) {
	case 0:
		m->base = R_RIP;
		m->disp = (int64_t)DT_CODE_BASE + (int32_t)rng_next(&g->r) / 4;
		break;
	case 1:
		m->disp = (int32_t)rng_next(&g->r);
		break;
	case 2:
		do
			m->index = (int)rng_below(&g->r, 16);
		while (m->index == RSP);
		break;
	default:
		m->base = (int)rng_below(&g->r, 16);
		if (rng_one_in(&g->r, 2)) {
			do
				m->index = (int)rng_below(&g->r, 16);
			while (m->index == RSP);
		}
		break;
	}
	return gen_emit_modrm(g, 0, size, &opc, 1, gen_reg(g, size, true, 0),
			      &rm, 0, 0);
}

/* XCHG XADD CMPXCHG */
bool gen_u_xchg(struct gen *g)
{
	unsigned kind = rng_below(&g->r, 4), size = gen_size(g);
	struct dt_rm rm;
	uint8_t opc[2] = { 0x0f, 0 };

	if (kind == 1) {
		int r;

		size = gen_size_nb(g);
		do
			r = gen_reg(g, size, true, 0);
		while (r == RAX);
		opc[0] = 0x90;
		return gen_emit_plain(g, 0, size, opc, 1, r, 0, 0);
	}
	/* Unicorn 2.0.1 (QEMU < 7.1) always writes both EAX and a register
	 * destination of a 32-bit CMPXCHG, zero-extending them; hardware
	 * writes only one (SDM CMPXCHG; QEMU commit "target/i386: fix
	 * cmpxchg with 32-bit register destination").  Starting both with a
	 * zero upper half makes the two behaviours agree. */
	bool cx32 = kind == 3 && size == 4;

	gen_rm(g, &rm, size, true, cx32 ? BIT(RAX) : 0);
	int reg = gen_reg(g, size, kind != 3, 0);
	unsigned lock = lock_if(g, &rm);

	if (cx32) {
		gen_set_reg(g, RAX, (uint32_t)gen_val(g));
		if (!rm.mem)
			gen_set_reg(g, rm.reg, (uint32_t)gen_val(g));
	}

	if (kind == 0) {
		opc[0] = (uint8_t)(0x86 + (size != 1));
		return gen_emit_modrm(g, b8(size) | lock, size, opc, 1, reg, &rm,
				      0, 0);
	}
	opc[1] = (uint8_t)((kind == 2 ? 0xc0 : 0xb0) + (size != 1));
	if (!gen_emit_modrm(g, b8(size) | lock, size, opc, 2, reg, &rm, 0, 0))
		return false;
	gen_flags(g, ALL, 0);
	return true;
}

/* BSWAP r32/r64 (16-bit is undefined) */
bool gen_u_bswap(struct gen *g)
{
	uint8_t opc[2] = { 0x0f, 0xc8 };
	unsigned size = 4u << rng_below(&g->r, 2);

	return gen_emit_plain(g, 0, size, opc, 2, gen_reg(g, 8, true, 0), 0, 0);
}

/* CBW CWDE CDQE CWD CDQ CQO */
bool gen_u_cbw(struct gen *g)
{
	uint8_t opc = rng_one_in(&g->r, 2) ? 0x98 : 0x99;

	return gen_emit_plain(g, 0, gen_size_nb(g), &opc, 1, -1, 0, 0);
}

/* LAHF SAHF CLC STC CMC CLD STD */
bool gen_u_flagop(struct gen *g)
{
	static const uint8_t ops[7] = { 0x9f, 0x9e, 0xf8, 0xf9, 0xf5, 0xfc, 0xfd };
	unsigned k = rng_below(&g->r, 7);

	if (k < 2 && !gen_have_lahf64)
		return false;
	if (k == 0)
		gen_need(g, SF | ZF | AF | PF | CF);
	if (k == 4)
		gen_need(g, CF);
	if (!gen_emit_plain(g, 0, 4, &ops[k], 1, -1, 0, 0))
		return false;
	if (k == 1)
		gen_flags(g, SF | ZF | AF | PF | CF, 0);
	if (k >= 2 && k <= 4)
		gen_flags(g, CF, 0);
	return true;
}

/* PUSH/POP of registers, immediates, memory; PUSHF */
bool gen_u_stack(struct gen *g)
{
	unsigned kind = rng_below(&g->r, 6);
	unsigned size = rng_one_in(&g->r, 4) ? 2 : 8;
	bool pop = kind == 1 || kind == 4;
	struct dt_rm rm;
	uint8_t opc;

	if (pop ? g->pops++ >= GEN_MAX_STACK_OPS : g->pushes++ >= GEN_MAX_STACK_OPS)
		return false;
	switch (kind) {
	case 0:
		opc = 0x50;
		return gen_emit_plain(g, ENC_NOW, size, &opc, 1,
				      (int)rng_below(&g->r, 16), 0, 0);
	case 1:
		opc = 0x58;
		return gen_emit_plain(g, ENC_NOW, size, &opc, 1,
				      gen_reg(g, 8, true, 0), 0, 0);
	case 2: {
		bool imm8 = rng_one_in(&g->r, 2);

		opc = imm8 ? 0x6a : 0x68;
		return gen_emit_plain(g, ENC_NOW, size, &opc, 1, -1, gen_val(g),
				      imm8 ? 1 : isz(size));
	}
	case 3:
		opc = 0xff;
		gen_rm(g, &rm, size, false, 0);
		return gen_emit_modrm(g, ENC_NOW, size, &opc, 1, 6, &rm, 0, 0);
	case 4:
		opc = 0x8f;
		gen_rm(g, &rm, size, true, 0);
		return gen_emit_modrm(g, ENC_NOW, size, &opc, 1, 0, &rm, 0, 0);
	default:
		opc = 0x9c;
		gen_need(g, ALL);
		return gen_emit_plain(g, ENC_NOW, size, &opc, 1, -1, 0, 0);
	}
}

/* Start offset of n elements of `size` walking up (df=0) or down. */
static uint32_t str_off(struct gen *g, unsigned n, unsigned size, bool df)
{
	uint32_t span = n ? n * size : size;

	if (!df || !n)
		return rng_below(&g->r, DT_DATA_SIZE - span + 1);
	return span - size + rng_below(&g->r, DT_DATA_SIZE - span + 1);
}

/* MOVS CMPS STOS LODS SCAS, with REP/REPE/REPNE, DF 0 or 1 */
bool gen_u_string(struct gen *g)
{
	static const uint8_t ops[5] = { 0xa4, 0xa6, 0xaa, 0xac, 0xae };
	unsigned kind = rng_below(&g->r, 5), size = gen_size(g);
	unsigned rep = rng_below(&g->r, 3), n, flags = 0;
	bool df = rng_one_in(&g->r, 2), cmp = kind == 1 || kind == 4;
	uint8_t opc = df ? 0xfd : 0xfc;

	if (rng_one_in(&g->r, 6))
		flags |= ENC_A32;
	if (rep == 1 || (rep == 2 && !cmp))
		flags |= ENC_REP;
	else if (rep == 2)
		flags |= ENC_REPNE;
	n = rep ? rng_below(&g->r, 9) : 1;
	if (kind != 2 && kind != 4)
		gen_set_reg(g, RSI, DT_DATA_BASE + str_off(g, n, size, df));
	if (kind != 3)
		gen_set_reg(g, RDI, DT_DATA_BASE + str_off(g, n, size, df));
	if (rep)
		gen_set_reg(g, RCX, n);
	if (!gen_emit_plain(g, 0, 4, &opc, 1, -1, 0, 0))
		return false;
	opc = (uint8_t)(ops[kind] + (size != 1));
	if (!gen_emit_plain(g, flags, size, &opc, 1, -1, 0, 0))
		return false;
	if (cmp && n)
		gen_flags(g, ALL, 0);
	return true;
}

/* Jcc rel8/rel32, JMP rel8, LOOP/LOOPE/LOOPNE, JRCXZ: forward only */
bool gen_u_jump(struct gen *g)
{
	unsigned kind = rng_below(&g->r, 6), cc = rng_below(&g->r, 16);
	uint8_t opc[2];

	switch (kind) {
	case 0:
	case 1:
		gen_need(g, gen_cc_flags(cc));
		opc[0] = (uint8_t)(0x70 + cc);
		gen_emit_jump(g, opc, 1, 1, 0);
		break;
	case 2:
		gen_need(g, gen_cc_flags(cc));
		opc[0] = 0x0f;
		opc[1] = (uint8_t)(0x80 + cc);
		gen_emit_jump(g, opc, 2, 4, 0);
		break;
	case 3:
		opc[0] = 0xeb;
		gen_emit_jump(g, opc, 1, 1, 0);
		break;
	case 4:
		opc[0] = (uint8_t)(0xe0 + rng_below(&g->r, 3));
		if (opc[0] != 0xe2)
			gen_need(g, ZF);
		gen_emit_jump(g, opc, 1, 1, 0);
		break;
	default:
		opc[0] = 0xe3;
		gen_emit_jump(g, opc, 1, 1, 0);
		break;
	}
	return true;
}

/* PUSH imm; POPF (status flags and DF only: TF/IF/AC stay clear) */
bool gen_u_popf(struct gen *g)
{
	uint64_t v = 2 | (rng_next(&g->r) & (DT_STATUS_FLAGS | 0x400));
	unsigned size = rng_one_in(&g->r, 4) ? 2 : 8;
	uint8_t push = 0x68, popf = 0x9d;

	if (g->pushes++ >= GEN_MAX_STACK_OPS || g->pops++ >= GEN_MAX_STACK_OPS)
		return false;
	if (!gen_emit_plain(g, ENC_NOW, size, &push, 1, -1, v, size == 2 ? 2 : 4) ||
	    !gen_emit_plain(g, ENC_NOW, size, &popf, 1, -1, 0, 0))
		return false;
	gen_flags(g, ALL, 0);
	return true;
}

/* XLAT; MOV AL/AX/EAX/RAX to and from moffs */
bool gen_u_xlat_moffs(struct gen *g)
{
	bool a32 = rng_one_in(&g->r, 4);
	uint8_t opc;

	if (rng_one_in(&g->r, 3)) {
		opc = 0xd7;
		gen_set_reg(g, RBX, DT_DATA_BASE +
			    rng_below(&g->r, DT_DATA_SIZE - 256 + 1));
		return gen_emit_plain(g, a32 ? ENC_A32 : 0,
				      rng_one_in(&g->r, 2) ? 8 : 4, &opc, 1, -1,
				      0, 0);
	}
	unsigned size = gen_size(g);
	uint64_t addr = DT_DATA_BASE + rng_below(&g->r, DT_DATA_SIZE - size + 1);

	opc = (uint8_t)((rng_one_in(&g->r, 2) ? 0xa0 : 0xa2) + (size != 1));
	return gen_emit_plain(g, a32 ? ENC_A32 : 0, size, &opc, 1, -1, addr,
			      a32 ? 4 : 8);
}

/*
 * CMPXCHG8B / CMPXCHG16B m (ZF only).  Half the time the memory is first
 * set to EDX:EAX so the exchange succeeds.  Unicorn 2.0.1 writes EDX:EAX
 * even on success (zero-extending); starting RAX/RDX with a zero upper
 * half for CMPXCHG8B makes that invisible.
 */
bool gen_u_cmpxchg8b(struct gen *g)
{
	bool wide = gen_have_cx16 && rng_one_in(&g->r, 2);
	unsigned size = wide ? 16 : 8;
	uint32_t keep = BIT(RAX) | BIT(RDX) | BIT(RBX) | BIT(RCX);
	uint8_t opc[2] = { 0x0f, 0xc7 };
	uint64_t lo = gen_val(g), hi = gen_val(g);
	struct dt_rm rm;

	if (!wide) {
		lo = (uint32_t)lo;
		hi = (uint32_t)hi;
	}
	g->align = wide ? 16 : 0;
	gen_mem(g, &rm, size, keep, 0, DT_DATA_SIZE);
	g->align = 0;
	if (rng_one_in(&g->r, 2)) {
		/* MOV [m], RAX (and [m+8], RDX for 16B: same form, the
		 * displacement + 8 would change the encoding; use the low
		 * half only and let the high half compare randomly) */
		uint8_t mov = 0x89;

		gen_set_reg(g, RAX, wide ? lo : (hi << 32 | lo));
		if (!gen_emit_modrm(g, 0, 8, &mov, 1, RAX, &rm, 0, 0))
			return false;
	}
	gen_set_reg(g, RAX, lo);
	gen_set_reg(g, RDX, hi);
	if (!gen_emit_modrm(g, lock_if(g, &rm), wide ? 8 : 4, opc, 2, 1, &rm,
			    0, 0))
		return false;
	gen_flags(g, ZF, 0);
	return true;
}

/* Forward transfers through a register or the stack: PUSH imm32; RET
 * [imm16], MOV r32, imm32; JMP/CALL r64, and CALL rel32. */
bool gen_u_xfer(struct gen *g)
{
	unsigned kind = rng_below(&g->r, 4);
	uint8_t opc[3];

	switch (kind) {
	case 0: {
		bool imm = rng_one_in(&g->r, 2);
		uint64_t extra = imm ? 8 * rng_below(&g->r, 3) : 0;

		g->pushes++;
		g->pops += 1 + (int)extra / 8;
		if (g->pushes > GEN_MAX_STACK_OPS || g->pops > GEN_MAX_STACK_OPS)
			return false;
		opc[0] = 0x68;
		if (!gen_emit_plain(g, ENC_NOW, 8, opc, 1, -1, 0, 4))
			return false;
		gen_pend_abs(g);
		opc[0] = imm ? 0xc2 : 0xc3;
		return gen_emit_plain(g, 0, 4, opc, 1, -1, extra, imm ? 2 : 0);
	}
	case 1:
	case 2: {
		int r = gen_reg(g, 8, true, 0);
		struct dt_rm rm = { .mem = false, .reg = r };

		if (kind == 2 && g->pushes++ >= GEN_MAX_STACK_OPS)
			return false;
		opc[0] = 0xb8;
		if (!gen_emit_plain(g, 0, 4, opc, 1, r, 0, 4))
			return false;
		gen_pend_abs(g);
		opc[0] = 0xff;
		return gen_emit_modrm(g, ENC_NOW, 8, opc, 1, kind == 1 ? 4 : 2,
				      &rm, 0, 0);
	}
	default:
		if (g->pushes++ >= GEN_MAX_STACK_OPS)
			return false;
		opc[0] = 0xe8;
		gen_emit_jump(g, opc, 1, 4, 0);
		return true;
	}
}

