// SPDX-License-Identifier: MIT
/*
 * Memory forms that may run inside a block body (block.h): MOV between a
 * 32/64-bit register or immediate and memory, CMP/TEST with a memory
 * operand, ADD/SUB/AND/OR/XOR of a register with a memory source, and
 * PUSH/POP of a 64-bit register.
 *
 * A body runs with RIP, insn_rip, the instruction count and the TSC
 * written once after it, so nothing in it may fault or reach a device,
 * the decode cache or the page-table watchers.  These handlers only take
 * the host-pointer TLB's hit path (htlb.h: RAM the TLB allowed for this
 * kind of access, no #AC possible; the key of the body's start,
 * ip->blk_key) and only write pages nobody watches
 * (no code, no paging structure).  Anything else is a miss: they change
 * nothing and set ip->blk_miss, and block_run() ends the body before the
 * instruction, which then runs on the general path (in->exec) with the
 * exact state, faults and all.
 */
#include "engine/interp/core.h"

/*
 * Linear address of a body memory operand: 64-bit address size, not
 * RIP-relative (exec_body_form), so insn_rip is not needed.  Addressing
 * form af, picked at decode time: AF_BD base + disp (no index, no FS/GS
 * base), AF_ANY the general sum.
 */
enum { AF_ANY, AF_BD };

static inline __attribute__((always_inline)) uint64_t
body_lin(const struct interp *ip, const struct insn *in, unsigned n,
	 unsigned af)
{
	const struct insn_opd *d = &in->opd[n];

	if (af == AF_BD)
		return ip->s.gpr[d->base] + (uint64_t)d->disp;
	return opd_lin64(ip, in, d);
}

static inline __attribute__((always_inline)) void
body_mov_ld(struct interp *ip, const struct insn *in, unsigned bits,
	    unsigned af)
{
	uint64_t v;

	if (__builtin_expect(!htlb_read_body(ip, body_lin(ip, in, 1, af), bits / 8,
					     ip->blk_key, &v), 0)) {
		ip->blk_miss = true;
		return;
	}
	opw_r(ip, in, 0, v, bits);
}

static inline __attribute__((always_inline)) void
body_mov_st(struct interp *ip, const struct insn *in, unsigned bits,
	    unsigned af)
{
	uint64_t v = opr_ri(ip, in, 1, bits) & width_mask(bits);

	if (__builtin_expect(!htlb_write_quiet(ip, body_lin(ip, in, 0, af), bits / 8,
					       ip->blk_key, v), 0))
		ip->blk_miss = true;
}

#define BODY_MOV(af, sfx)                                                     \
	static void body_mov_ld32##sfx(struct interp *ip, const struct insn *in) \
	{ body_mov_ld(ip, in, 32, af); }                                      \
	static void body_mov_ld64##sfx(struct interp *ip, const struct insn *in) \
	{ body_mov_ld(ip, in, 64, af); }                                      \
	static void body_mov_st32##sfx(struct interp *ip, const struct insn *in) \
	{ body_mov_st(ip, in, 32, af); }                                      \
	static void body_mov_st64##sfx(struct interp *ip, const struct insn *in) \
	{ body_mov_st(ip, in, 64, af); }

BODY_MOV(AF_ANY, )
BODY_MOV(AF_BD, _bd)

/*
 * PUSH and POP of a 64-bit register (64-bit mode: the stack address size
 * is 64, SS has no base nor limit; a non-canonical RSP never hits).  The
 * value PUSH RSP stores is RSP before the push; POP RSP leaves the loaded
 * value in RSP (SDM POP).
 */
static void body_push64(struct interp *ip, const struct insn *in)
{
	uint64_t sp = ip->s.gpr[GPR_RSP] - 8;

	if (__builtin_expect(!htlb_write_quiet(ip, sp, 8, ip->blk_key,
					       ip->s.gpr[in->opd[0].gpr]), 0)) {
		ip->blk_miss = true;
		return;
	}
	ip->s.gpr[GPR_RSP] = sp;
}

static void body_pop64(struct interp *ip, const struct insn *in)
{
	uint64_t sp = ip->s.gpr[GPR_RSP], v;

	if (__builtin_expect(!htlb_read_body(ip, sp, 8, ip->blk_key, &v), 0)) {
		ip->blk_miss = true;
		return;
	}
	ip->s.gpr[GPR_RSP] = sp + 8;
	ip->s.gpr[in->opd[0].gpr] = v;
}

/* PUSH/POP r64 (not a segment register, not memory). */
static insn_exec_fn body_stack_form(const struct insn *in)
{
	const struct insn_opd *d = &in->opd[0];

	if (in->zi.operand_count_visible != 1 || in->zi.operand_width != 64 ||
	    d->kind != OPD_GPR || d->bytes != 8)
		return NULL;
	return in->zi.mnemonic == ZYDIS_MNEMONIC_PUSH ? body_push64 : body_pop64;
}

enum body_op { B_ADD, B_SUB, B_AND, B_OR, B_XOR, B_CMP, B_TEST };

/*
 * The ALU forms with operand mem (0 or 1) in memory: the same values and
 * lazy-flag record as exec_alu.c's alu2 (a = operand 0, b = operand 1
 * masked to the width), the result written only for a register
 * destination (ADD..XOR r, m).
 */
static inline __attribute__((always_inline)) void
body_alu(struct interp *ip, const struct insn *in, enum body_op op,
	 unsigned bits, unsigned mem, unsigned af)
{
	uint64_t m = width_mask(bits), a, b, r, v;
	unsigned kind;

	if (__builtin_expect(!htlb_read_body(ip, body_lin(ip, in, mem, af), bits / 8,
					     ip->blk_key, &v), 0)) {
		ip->blk_miss = true;
		return;
	}
	if (mem == 0) {
		a = v;
		b = opr_ri(ip, in, 1, bits) & m;
	} else {
		a = opr_r(ip, in, 0, bits);
		b = v;
	}
	switch (op) {
	case B_ADD:
		r = (a + b) & m;
		kind = LF_ADD;
		break;
	case B_SUB:
	case B_CMP:
		r = (a - b) & m;
		kind = LF_SUB;
		break;
	case B_AND:
	case B_TEST:
		r = a & b;
		kind = LF_LOGIC;
		break;
	case B_OR:
		r = a | b;
		kind = LF_LOGIC;
		break;
	default:
		r = a ^ b;
		kind = LF_LOGIC;
		break;
	}
	if (op != B_CMP && op != B_TEST)
		opw_r(ip, in, 0, r, bits);
	lf_record(ip, kind, a, b, r, bits);
}

/* name##bits##_m0: memory operand 0 (m, r / m, imm), _m1: r, m. */
#define BODY_ALU_AF(name, op, af, sfx)                                        \
	static void body_##name##32_m0##sfx(struct interp *ip, const struct insn *in) \
	{ body_alu(ip, in, op, 32, 0, af); }                                  \
	static void body_##name##64_m0##sfx(struct interp *ip, const struct insn *in) \
	{ body_alu(ip, in, op, 64, 0, af); }                                  \
	static void body_##name##32_m1##sfx(struct interp *ip, const struct insn *in) \
	{ body_alu(ip, in, op, 32, 1, af); }                                  \
	static void body_##name##64_m1##sfx(struct interp *ip, const struct insn *in) \
	{ body_alu(ip, in, op, 64, 1, af); }
#define BODY_ALU(name, op)                                                   \
	BODY_ALU_AF(name, op, AF_ANY, )                                       \
	BODY_ALU_AF(name, op, AF_BD, _bd)

BODY_ALU(cmp, B_CMP)
BODY_ALU(test, B_TEST)
BODY_ALU(add, B_ADD)
BODY_ALU(sub, B_SUB)
BODY_ALU(and, B_AND)
BODY_ALU(or, B_OR)
BODY_ALU(xor, B_XOR)

/* By mnemonic: [addressing form][width 32, 64][memory operand 0, 1];
 * NULL: not a body form (a memory destination of ADD..XOR reads and
 * writes: not here). */
#define FORMS_AF(name, m0, sfx)                                               \
	{ { m0 ? body_##name##32_m0##sfx : NULL, body_##name##32_m1##sfx },    \
	  { m0 ? body_##name##64_m0##sfx : NULL, body_##name##64_m1##sfx } }
#define FORMS(name, m0) { FORMS_AF(name, m0, ), FORMS_AF(name, m0, _bd) }

static const struct {
	ZydisMnemonic mnemonic;
	insn_exec_fn fn[2][2][2];
} body_forms[] = {
	{ ZYDIS_MNEMONIC_MOV, { { { body_mov_st32, body_mov_ld32 },
				  { body_mov_st64, body_mov_ld64 } },
				{ { body_mov_st32_bd, body_mov_ld32_bd },
				  { body_mov_st64_bd, body_mov_ld64_bd } } } },
	{ ZYDIS_MNEMONIC_CMP, FORMS(cmp, true) },
	{ ZYDIS_MNEMONIC_TEST, FORMS(test, true) },
	{ ZYDIS_MNEMONIC_ADD, FORMS(add, false) },
	{ ZYDIS_MNEMONIC_SUB, FORMS(sub, false) },
	{ ZYDIS_MNEMONIC_AND, FORMS(and, false) },
	{ ZYDIS_MNEMONIC_OR, FORMS(or, false) },
	{ ZYDIS_MNEMONIC_XOR, FORMS(xor, false) },
};

/* A memory operand a body handler takes: plain, 64-bit address size
 * (64-bit mode: no limit, base only for FS/GS), not RIP-relative. */
static bool body_mem_ok(const struct insn_opd *d, unsigned bits)
{
	return d->kind == OPD_MEM && d->amask == ~0ull &&
	       d->base != OPD_RIPREL && d->bytes * 8u == bits;
}

/* The addressing form of body_mem_ok's operand d (body_lin). */
static unsigned body_af(const struct insn_opd *d)
{
	return d->base < OPD_RIPREL && d->index == OPD_NOREG &&
	       d->seg < SEG_FS ? AF_BD : AF_ANY;
}

insn_exec_fn exec_body_form(const struct insn *in)
{
	const struct insn_opd *d = in->opd;
	unsigned bits = in->ops[0].size;
	ZydisMnemonic mn = in->zi.mnemonic;
	unsigned af;
	int mem;

	if (in->mode == 64 && in->lazy &&
	    (mn == ZYDIS_MNEMONIC_PUSH || mn == ZYDIS_MNEMONIC_POP))
		return body_stack_form(in);
	if (in->mode != 64 || !in->lazy || in->zi.operand_count_visible != 2 ||
	    (bits != 32 && bits != 64))
		return NULL;
	if (body_mem_ok(&d[0], bits) &&
	    (d[1].kind == OPD_IMM ||
	     (d[1].kind == OPD_GPR && d[1].bytes * 8u == bits)))
		mem = 0;
	else if (d[0].kind == OPD_GPR && d[0].bytes * 8u == bits &&
		 body_mem_ok(&d[1], bits))
		mem = 1;
	else
		return NULL;
	af = body_af(&d[mem]);
	for (unsigned i = 0; i < sizeof(body_forms) / sizeof(body_forms[0]); i++)
		if (body_forms[i].mnemonic == in->zi.mnemonic)
			return body_forms[i].fn[af][bits == 64][mem];
	return NULL;
}

/* LEA of a register destination from a plain address that is not
 * RIP-relative: no memory access, no fault, in->exec runs in a body. */
bool exec_body_lea(const struct insn *in)
{
	return in->mode == 64 && in->lazy &&
	       in->zi.mnemonic == ZYDIS_MNEMONIC_LEA &&
	       in->zi.operand_count_visible == 2 &&
	       in->opd[0].kind == OPD_GPR && in->opd[1].ea_ok &&
	       in->opd[1].base != OPD_RIPREL;
}
