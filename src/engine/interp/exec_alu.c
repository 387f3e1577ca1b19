// SPDX-License-Identifier: MIT
/*
 * Two-operand integer arithmetic and logic: ADD ADC SUB SBB CMP AND OR XOR
 * TEST, and the one-operand NOT NEG INC DEC (SDM Vol. 2 instruction pages).
 * Flags are exact; AF after logic instructions (undefined) is cleared.
 * They are recorded, not computed (lazy flags, lflags.h).
 */
#include "engine/interp/core.h"

enum alu_op { ALU_ADD, ALU_ADC, ALU_SUB, ALU_SBB, ALU_AND, ALU_OR, ALU_XOR };

/* Operand forms a handler is specialised for: any, or regs_only (no
 * memory operand, no calls) with the source a register or an immediate. */
enum alu_src { SRC_ANY, SRC_REGS, SRC_REG, SRC_IMM };

static inline __attribute__((always_inline)) uint64_t
alu_src(struct interp *ip, const struct insn *in, enum alu_src src,
	unsigned bits)
{
	switch (src) {
	case SRC_ANY:
		return opr_sized(ip, in, 1, bits);
	case SRC_REGS:
		return opr_ri(ip, in, 1, bits);
	case SRC_REG:
		return opr_r(ip, in, 1, bits);
	default:
		return in->ops[1].imm.value.u;
	}
}

static inline __attribute__((always_inline)) void alu2(struct interp *ip, const struct insn *in,
			enum alu_op op, bool store, unsigned bits, enum alu_src src)
{
	bool regs = src != SRC_ANY;
	uint64_t m = width_mask(bits);
	uint64_t a = regs ? opr_r(ip, in, 0, bits) : opr_sized(ip, in, 0, bits);
	uint64_t b = alu_src(ip, in, src, bits) & m;
	uint64_t r;
	unsigned kind;

	switch (op) {
	case ALU_ADD:
		r = (a + b) & m;
		kind = LF_ADD;
		break;
	case ALU_ADC:
		r = (a + b + lf_cf(ip)) & m;
		kind = LF_ADD;
		break;
	case ALU_SUB:
		r = (a - b) & m;
		kind = LF_SUB;
		break;
	case ALU_SBB:
		r = (a - b - lf_cf(ip)) & m;
		kind = LF_SUB;
		break;
	case ALU_AND:
		r = a & b;
		kind = LF_LOGIC;
		break;
	case ALU_OR:
		r = a | b;
		kind = LF_LOGIC;
		break;
	default:
		r = a ^ b;
		kind = LF_LOGIC;
		break;
	}
	if (store && regs)
		opw_r(ip, in, 0, r, bits);
	else if (store)
		opw_sized(ip, in, 0, r, bits);
	/* The flags are those of flags_add/flags_sub/flags_logic (core.h),
	 * computed when read (lflags.h); ADC/SBB's carry-in is in r. */
	lf_record(ip, kind, a, b, r, bits);
}

/* A handler of constant width: the register forms in-line and call-free
 * (no register saves), any other form out of line; and the forms
 * exec_alu_form() picks at decode time: register (_rr) or immediate (_ri)
 * source with a register destination. */
#define ALU_SIZED(name, op, store, bits)                                      \
	static __attribute__((noinline)) void                                 \
	name##bits##_any(struct interp *ip, const struct insn *in)            \
	{ alu2(ip, in, op, store, bits, SRC_ANY); }                           \
	static void exec_##name##bits(struct interp *ip, const struct insn *in) \
	{                                                                     \
		if (__builtin_expect(in->regs_only, 1))                       \
			alu2(ip, in, op, store, bits, SRC_REGS);              \
		else                                                          \
			name##bits##_any(ip, in);                             \
	}                                                                     \
	static void exec_##name##bits##_rr(struct interp *ip,                 \
					   const struct insn *in)             \
	{ alu2(ip, in, op, store, bits, SRC_REG); }                           \
	static void exec_##name##bits##_ri(struct interp *ip,                 \
					   const struct insn *in)             \
	{ alu2(ip, in, op, store, bits, SRC_IMM); }

/* One generic handler (width from the operand) and four with a constant
 * width for each operation. */
#define ALU_HANDLERS(name, op, store)                                         \
	static void exec_##name(struct interp *ip, const struct insn *in)     \
	{ alu2(ip, in, op, store, op_bits(in, 0), SRC_ANY); }                 \
	ALU_SIZED(name, op, store, 8)                                         \
	ALU_SIZED(name, op, store, 16)                                        \
	ALU_SIZED(name, op, store, 32)                                        \
	ALU_SIZED(name, op, store, 64)

ALU_HANDLERS(add, ALU_ADD, true)
ALU_HANDLERS(adc, ALU_ADC, true)
ALU_HANDLERS(sub, ALU_SUB, true)
ALU_HANDLERS(sbb, ALU_SBB, true)
ALU_HANDLERS(cmp, ALU_SUB, false)
ALU_HANDLERS(and, ALU_AND, true)
ALU_HANDLERS(or, ALU_OR, true)
ALU_HANDLERS(xor, ALU_XOR, true)
ALU_HANDLERS(test, ALU_AND, false)

static void exec_not(struct interp *ip, const struct insn *in)
{
	opw(ip, in, 0, ~opr(ip, in, 0));
}

/* NEG: CF = (src != 0), other flags as 0 - src. */
static inline __attribute__((always_inline)) void
neg(struct interp *ip, const struct insn *in, unsigned bits, bool regs)
{
	uint64_t a = regs ? opr_r(ip, in, 0, bits) : opr_sized(ip, in, 0, bits);
	uint64_t r = (0 - a) & width_mask(bits);

	if (regs)
		opw_r(ip, in, 0, r, bits);
	else
		opw_sized(ip, in, 0, r, bits);
	lf_record(ip, LF_SUB, 0, a, r, bits);
}

/* INC/DEC leave CF alone. */
static inline __attribute__((always_inline)) void
inc(struct interp *ip, const struct insn *in, unsigned bits, bool regs)
{
	uint64_t a = regs ? opr_r(ip, in, 0, bits) : opr_sized(ip, in, 0, bits);
	uint64_t r = (a + 1) & width_mask(bits);

	if (regs)
		opw_r(ip, in, 0, r, bits);
	else
		opw_sized(ip, in, 0, r, bits);
	lf_record_incdec(ip, LF_INC, a, r, bits);
}

static inline __attribute__((always_inline)) void
dec(struct interp *ip, const struct insn *in, unsigned bits, bool regs)
{
	uint64_t a = regs ? opr_r(ip, in, 0, bits) : opr_sized(ip, in, 0, bits);
	uint64_t r = (a - 1) & width_mask(bits);

	if (regs)
		opw_r(ip, in, 0, r, bits);
	else
		opw_sized(ip, in, 0, r, bits);
	lf_record_incdec(ip, LF_DEC, a, r, bits);
}

#define UNARY_SIZED(name, bits)                                               \
	static __attribute__((noinline)) void                                 \
	name##bits##_any(struct interp *ip, const struct insn *in)            \
	{ name(ip, in, bits, false); }                                        \
	static void exec_##name##bits(struct interp *ip, const struct insn *in) \
	{                                                                     \
		if (__builtin_expect(in->regs_only, 1))                       \
			name(ip, in, bits, true);                             \
		else                                                          \
			name##bits##_any(ip, in);                             \
	}                                                                     \
	static void exec_##name##bits##_r(struct interp *ip,                  \
					  const struct insn *in)              \
	{ name(ip, in, bits, true); }

#define UNARY_HANDLERS(name)                                                  \
	static void exec_##name(struct interp *ip, const struct insn *in)     \
	{ name(ip, in, op_bits(in, 0), false); }                              \
	UNARY_SIZED(name, 8)                                                  \
	UNARY_SIZED(name, 16)                                                 \
	UNARY_SIZED(name, 32)                                                 \
	UNARY_SIZED(name, 64)

UNARY_HANDLERS(neg)
UNARY_HANDLERS(inc)
UNARY_HANDLERS(dec)

const struct exec_entry exec_alu_table[] = {
	{ ZYDIS_MNEMONIC_ADD, exec_add,
	  { exec_add8, exec_add16, exec_add32, exec_add64 } },
	{ ZYDIS_MNEMONIC_ADC, exec_adc,
	  { exec_adc8, exec_adc16, exec_adc32, exec_adc64 } },
	{ ZYDIS_MNEMONIC_SUB, exec_sub,
	  { exec_sub8, exec_sub16, exec_sub32, exec_sub64 } },
	{ ZYDIS_MNEMONIC_SBB, exec_sbb,
	  { exec_sbb8, exec_sbb16, exec_sbb32, exec_sbb64 } },
	{ ZYDIS_MNEMONIC_CMP, exec_cmp,
	  { exec_cmp8, exec_cmp16, exec_cmp32, exec_cmp64 } },
	{ ZYDIS_MNEMONIC_AND, exec_and,
	  { exec_and8, exec_and16, exec_and32, exec_and64 } },
	{ ZYDIS_MNEMONIC_OR, exec_or,
	  { exec_or8, exec_or16, exec_or32, exec_or64 } },
	{ ZYDIS_MNEMONIC_XOR, exec_xor,
	  { exec_xor8, exec_xor16, exec_xor32, exec_xor64 } },
	{ ZYDIS_MNEMONIC_TEST, exec_test,
	  { exec_test8, exec_test16, exec_test32, exec_test64 } },
	{ ZYDIS_MNEMONIC_NOT, exec_not, { NULL } },
	{ ZYDIS_MNEMONIC_NEG, exec_neg,
	  { exec_neg8, exec_neg16, exec_neg32, exec_neg64 } },
	{ ZYDIS_MNEMONIC_INC, exec_inc,
	  { exec_inc8, exec_inc16, exec_inc32, exec_inc64 } },
	{ ZYDIS_MNEMONIC_DEC, exec_dec,
	  { exec_dec8, exec_dec16, exec_dec32, exec_dec64 } },
	{ 0, NULL, { NULL } },
};

/* Decode-time choice of a register-only form (exec_alu_form, core.h). */
#define FORMS(name) { exec_##name##8_rr, exec_##name##16_rr,                 \
		      exec_##name##32_rr, exec_##name##64_rr },               \
		    { exec_##name##8_ri, exec_##name##16_ri,                 \
		      exec_##name##32_ri, exec_##name##64_ri }
#define UNARY_FORMS(name) { exec_##name##8_r, exec_##name##16_r,             \
			    exec_##name##32_r, exec_##name##64_r },          \
			  { NULL }

static const struct {
	ZydisMnemonic mnemonic;
	insn_exec_fn reg[4];     /* by width 8..64: register source (or none) */
	insn_exec_fn imm[4];     /* immediate source */
} alu_forms[] = {
	{ ZYDIS_MNEMONIC_ADD, FORMS(add) }, { ZYDIS_MNEMONIC_ADC, FORMS(adc) },
	{ ZYDIS_MNEMONIC_SUB, FORMS(sub) }, { ZYDIS_MNEMONIC_SBB, FORMS(sbb) },
	{ ZYDIS_MNEMONIC_CMP, FORMS(cmp) }, { ZYDIS_MNEMONIC_AND, FORMS(and) },
	{ ZYDIS_MNEMONIC_OR, FORMS(or) }, { ZYDIS_MNEMONIC_XOR, FORMS(xor) },
	{ ZYDIS_MNEMONIC_TEST, FORMS(test) },
	{ ZYDIS_MNEMONIC_NEG, UNARY_FORMS(neg) },
	{ ZYDIS_MNEMONIC_INC, UNARY_FORMS(inc) },
	{ ZYDIS_MNEMONIC_DEC, UNARY_FORMS(dec) },
};

/* For an instruction with regs_only: two visible operands for the binary
 * forms, one for the unary ones (the forms the handlers above assume). */
insn_exec_fn exec_alu_form(const struct insn *in)
{
	unsigned sz = in->ops[0].size, nv = in->zi.operand_count_visible;
	int k = sz == 8 ? 0 : sz == 16 ? 1 : sz == 32 ? 2 : sz == 64 ? 3 : -1;

	if (k < 0 || !in->regs_only)
		return NULL;
	for (unsigned i = 0; i < sizeof(alu_forms) / sizeof(alu_forms[0]); i++) {
		if (alu_forms[i].mnemonic != in->zi.mnemonic)
			continue;
		if (!alu_forms[i].imm[0])
			return nv == 1 ? alu_forms[i].reg[k] : NULL;
		if (nv != 2)
			return NULL;
		return in->opd[1].kind == OPD_IMM ? alu_forms[i].imm[k]
						  : alu_forms[i].reg[k];
	}
	return NULL;
}
