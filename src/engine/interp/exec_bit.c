// SPDX-License-Identifier: MIT
/*
 * Bit instructions: BT BTS BTR BTC, BSF BSR, and POPCNT/TZCNT/LZCNT when
 * the CPU model advertises them (otherwise Zydis decodes F3 0F BC/BD as
 * BSF/BSR, as a CPU without them does, and POPCNT raises #UD).
 * Undefined flags (our choice): BT* leave OF SF AF PF unchanged; BSF/BSR
 * leave CF OF SF AF PF unchanged and keep the destination when the
 * source is zero (rewriting it, so a 32-bit register is zero-extended).
 */
#include "engine/interp/core.h"

enum bt_op { BT_TEST, BT_SET, BT_RESET, BT_COMPLEMENT };

/* SDM Vol. 2 BT: with a register bit offset and a memory operand the
 * offset is signed and may select any bit relative to the address. */
static void bit_op(struct interp *ip, const struct insn *in, enum bt_op op)
{
	unsigned bits = op_bits(in, 0);
	const ZydisDecodedOperand *o = &in->ops[0];
	uint64_t off = opr(ip, in, 1);
	uint64_t v, bit, cf;
	unsigned seg = SEG_DS;
	uint64_t ea = 0;
	bool mem = o->type == ZYDIS_OPERAND_TYPE_MEMORY;

	if (mem) {
		ea = op_ea(ip, in, 0, &seg);
		if (in->ops[1].type == ZYDIS_OPERAND_TYPE_REGISTER) {
			int64_t soff = (int64_t)sign_extend(off, bits);
			int64_t unit = soff >> (bits == 64 ? 6 : bits == 32 ? 5 : 4);

			ea = (ea + (uint64_t)unit * (bits / 8)) &
			     width_mask(in->zi.address_width);
		}
		v = mem_read_u(ip, seg, ea, bits / 8);
	} else {
		v = opr(ip, in, 0);
	}
	bit = 1ull << (off & (bits - 1));
	cf = v & bit;
	switch (op) {
	case BT_SET: v |= bit; break;
	case BT_RESET: v &= ~bit; break;
	case BT_COMPLEMENT: v ^= bit; break;
	default: break;
	}
	if (op != BT_TEST) {
		if (mem)
			mem_write_u(ip, seg, ea, v, bits / 8);
		else
			opw(ip, in, 0, v);
	}
	flags_set(ip, RFLAGS_CF, cf ? RFLAGS_CF : 0);
}

static void exec_bt(struct interp *ip, const struct insn *in) { bit_op(ip, in, BT_TEST); }
static void exec_bts(struct interp *ip, const struct insn *in) { bit_op(ip, in, BT_SET); }
static void exec_btr(struct interp *ip, const struct insn *in) { bit_op(ip, in, BT_RESET); }
static void exec_btc(struct interp *ip, const struct insn *in) { bit_op(ip, in, BT_COMPLEMENT); }

static void exec_bsf(struct interp *ip, const struct insn *in)
{
	uint64_t s = opr(ip, in, 1);

	if (!s) {
		/* Destination kept (a 32-bit register is zero-extended). */
		opw(ip, in, 0, opr(ip, in, 0));
		ip->s.rflags |= RFLAGS_ZF;
		return;
	}
	opw(ip, in, 0, (uint64_t)__builtin_ctzll(s));
	ip->s.rflags &= ~RFLAGS_ZF;
}

static void exec_bsr(struct interp *ip, const struct insn *in)
{
	uint64_t s = opr(ip, in, 1);

	if (!s) {
		/* Destination kept (a 32-bit register is zero-extended). */
		opw(ip, in, 0, opr(ip, in, 0));
		ip->s.rflags |= RFLAGS_ZF;
		return;
	}
	opw(ip, in, 0, (uint64_t)(63 - __builtin_clzll(s)));
	ip->s.rflags &= ~RFLAGS_ZF;
}

/* POPCNT: OF SF AF CF PF cleared, ZF = (source == 0). */
static void exec_popcnt(struct interp *ip, const struct insn *in)
{
	uint64_t s;

	if (!ip->has_popcnt)
		interp_raise(ip, X86_UD);
	s = opr(ip, in, 1);
	opw(ip, in, 0, (uint64_t)__builtin_popcountll(s));
	flags_set(ip, FLAGS_ARITH, s ? 0 : RFLAGS_ZF);
}

/* TZCNT/LZCNT: CF = (source == 0), ZF = (result == 0); OF SF AF PF are
 * undefined, we clear them. */
static void count_zeros(struct interp *ip, const struct insn *in, bool lead)
{
	unsigned bits = op_bits(in, 0);
	uint64_t s = opr(ip, in, 1);
	uint64_t r;

	if (!s)
		r = bits;
	else if (lead)
		r = (uint64_t)__builtin_clzll(s) - (64 - bits);
	else
		r = (uint64_t)__builtin_ctzll(s);
	opw(ip, in, 0, r);
	flags_set(ip, FLAGS_ARITH, (s ? 0 : RFLAGS_CF) | (r ? 0 : RFLAGS_ZF));
}

static void exec_tzcnt(struct interp *ip, const struct insn *in)
{
	if (!ip->has_bmi1)
		interp_raise(ip, X86_UD);
	count_zeros(ip, in, false);
}

static void exec_lzcnt(struct interp *ip, const struct insn *in)
{
	if (!ip->has_lzcnt)
		interp_raise(ip, X86_UD);
	count_zeros(ip, in, true);
}

const struct exec_entry exec_bit_table[] = {
	{ ZYDIS_MNEMONIC_BT, exec_bt, { NULL } },
	{ ZYDIS_MNEMONIC_BTS, exec_bts, { NULL } },
	{ ZYDIS_MNEMONIC_BTR, exec_btr, { NULL } },
	{ ZYDIS_MNEMONIC_BTC, exec_btc, { NULL } },
	{ ZYDIS_MNEMONIC_BSF, exec_bsf, { NULL } },
	{ ZYDIS_MNEMONIC_BSR, exec_bsr, { NULL } },
	{ ZYDIS_MNEMONIC_POPCNT, exec_popcnt, { NULL } },
	{ ZYDIS_MNEMONIC_TZCNT, exec_tzcnt, { NULL } },
	{ ZYDIS_MNEMONIC_LZCNT, exec_lzcnt, { NULL } },
	{ 0, NULL, { NULL } },
};
