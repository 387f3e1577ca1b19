// SPDX-License-Identifier: MIT
/*
 * Two-operand integer arithmetic and logic: ADD ADC SUB SBB CMP AND OR XOR
 * TEST, and the one-operand NOT NEG INC DEC (SDM Vol. 2 instruction pages).
 * Flags are exact; AF after logic instructions (undefined) is cleared.
 */
#include "engine/interp/core.h"

enum alu_op { ALU_ADD, ALU_ADC, ALU_SUB, ALU_SBB, ALU_AND, ALU_OR, ALU_XOR };

static inline void alu2(struct interp *ip, const struct insn *in,
			enum alu_op op, bool store)
{
	unsigned bits = op_bits(in, 0);
	uint64_t m = width_mask(bits);
	uint64_t a = opr(ip, in, 0);
	uint64_t b = opr(ip, in, 1) & m;
	uint64_t c = ip->s.rflags & RFLAGS_CF;
	uint64_t r, f;

	switch (op) {
	case ALU_ADD:
		r = (a + b) & m;
		f = flags_add(a, b, r, bits);
		break;
	case ALU_ADC:
		r = (a + b + c) & m;
		f = flags_add(a, b, r, bits);
		break;
	case ALU_SUB:
		r = (a - b) & m;
		f = flags_sub(a, b, r, bits);
		break;
	case ALU_SBB:
		r = (a - b - c) & m;
		f = flags_sub(a, b, r, bits);
		break;
	case ALU_AND:
		r = a & b;
		f = flags_logic(r, bits);
		break;
	case ALU_OR:
		r = a | b;
		f = flags_logic(r, bits);
		break;
	default:
		r = a ^ b;
		f = flags_logic(r, bits);
		break;
	}
	if (store)
		opw(ip, in, 0, r);
	flags_set(ip, FLAGS_ARITH, f);
}

static void exec_add(struct interp *ip, const struct insn *in) { alu2(ip, in, ALU_ADD, true); }
static void exec_adc(struct interp *ip, const struct insn *in) { alu2(ip, in, ALU_ADC, true); }
static void exec_sub(struct interp *ip, const struct insn *in) { alu2(ip, in, ALU_SUB, true); }
static void exec_sbb(struct interp *ip, const struct insn *in) { alu2(ip, in, ALU_SBB, true); }
static void exec_cmp(struct interp *ip, const struct insn *in) { alu2(ip, in, ALU_SUB, false); }
static void exec_and(struct interp *ip, const struct insn *in) { alu2(ip, in, ALU_AND, true); }
static void exec_or(struct interp *ip, const struct insn *in) { alu2(ip, in, ALU_OR, true); }
static void exec_test(struct interp *ip, const struct insn *in) { alu2(ip, in, ALU_AND, false); }
static void exec_xor(struct interp *ip, const struct insn *in) { alu2(ip, in, ALU_XOR, true); }

static void exec_not(struct interp *ip, const struct insn *in)
{
	opw(ip, in, 0, ~opr(ip, in, 0));
}

/* NEG: CF = (src != 0), other flags as 0 - src. */
static void exec_neg(struct interp *ip, const struct insn *in)
{
	unsigned bits = op_bits(in, 0);
	uint64_t a = opr(ip, in, 0);
	uint64_t r = (0 - a) & width_mask(bits);

	opw(ip, in, 0, r);
	flags_set(ip, FLAGS_ARITH, flags_sub(0, a, r, bits));
}

/* INC/DEC leave CF alone. */
static void exec_inc(struct interp *ip, const struct insn *in)
{
	unsigned bits = op_bits(in, 0);
	uint64_t a = opr(ip, in, 0);
	uint64_t r = (a + 1) & width_mask(bits);

	opw(ip, in, 0, r);
	flags_set(ip, FLAGS_ARITH & ~RFLAGS_CF, flags_add(a, 1, r, bits));
}

static void exec_dec(struct interp *ip, const struct insn *in)
{
	unsigned bits = op_bits(in, 0);
	uint64_t a = opr(ip, in, 0);
	uint64_t r = (a - 1) & width_mask(bits);

	opw(ip, in, 0, r);
	flags_set(ip, FLAGS_ARITH & ~RFLAGS_CF, flags_sub(a, 1, r, bits));
}

const struct exec_entry exec_alu_table[] = {
	{ ZYDIS_MNEMONIC_ADD, exec_add },
	{ ZYDIS_MNEMONIC_ADC, exec_adc },
	{ ZYDIS_MNEMONIC_SUB, exec_sub },
	{ ZYDIS_MNEMONIC_SBB, exec_sbb },
	{ ZYDIS_MNEMONIC_CMP, exec_cmp },
	{ ZYDIS_MNEMONIC_AND, exec_and },
	{ ZYDIS_MNEMONIC_OR, exec_or },
	{ ZYDIS_MNEMONIC_XOR, exec_xor },
	{ ZYDIS_MNEMONIC_TEST, exec_test },
	{ ZYDIS_MNEMONIC_NOT, exec_not },
	{ ZYDIS_MNEMONIC_NEG, exec_neg },
	{ ZYDIS_MNEMONIC_INC, exec_inc },
	{ ZYDIS_MNEMONIC_DEC, exec_dec },
	{ 0, NULL },
};
