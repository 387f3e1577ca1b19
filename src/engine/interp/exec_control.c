// SPDX-License-Identifier: MIT
/*
 * Near control transfers: JMP, Jcc, CALL, RET (imm16), LOOP/LOOPE/LOOPNE,
 * JCXZ/JECXZ/JRCXZ.  Far forms belong to the system side.
 * While an instruction runs, s.rip already holds the next instruction's
 * address, which is both the return address and the base of rel targets.
 */
#include "engine/interp/core.h"

static bool is_canonical(uint64_t a)
{
	return sign_extend(a, 48) == a;
}

/* SDM Vol. 2 JMP/CALL/RET: #GP(0) for a non-canonical target in 64-bit
 * mode, or a target beyond the CS limit otherwise. */
static uint64_t branch_target_check(struct interp *ip, uint64_t target,
				    unsigned opbits)
{
	target &= width_mask(opbits);
	if (cpu_64bit_mode(&ip->s)) {
		if (!is_canonical(target))
			interp_raise_err(ip, X86_GP, 0);
	} else if (target > ip->s.seg[SEG_CS].limit) {
		interp_raise_err(ip, X86_GP, 0);
	}
	return target;
}

void interp_branch(struct interp *ip, uint64_t target, unsigned opbits)
{
	ip->s.rip = branch_target_check(ip, target, opbits);
}

static uint64_t near_target(struct interp *ip, const struct insn *in)
{
	const ZydisDecodedOperand *o = &in->ops[0];

	if (o->type == ZYDIS_OPERAND_TYPE_IMMEDIATE)
		return ip->s.rip + o->imm.value.u;
	return opr(ip, in, 0);
}

static bool is_far(const struct insn *in)
{
	return in->zi.meta.branch_type == ZYDIS_BRANCH_TYPE_FAR;
}

static void exec_jmp(struct interp *ip, const struct insn *in)
{
	if (is_far(in)) {
		exec_system_or_ud(ip, in);
		return;
	}
	interp_branch(ip, near_target(ip, in), in->zi.operand_width);
}

static void exec_jcc(struct interp *ip, const struct insn *in)
{
	uint64_t target;

	if (!lf_cond(ip, in->cc))
		return;
	target = ip->s.rip + in->ops[0].imm.value.u;
	/* Decoded for 64-bit mode (the code size it runs in) with a 64-bit
	 * operand size: only the canonical check (SDM Jcc). */
	if (__builtin_expect(in->mode == 64 && in->zi.operand_width == 64, 1)) {
		if (!is_canonical(target))
			interp_raise_err(ip, X86_GP, 0);
		ip->s.rip = target;
		return;
	}
	interp_branch(ip, target, in->zi.operand_width);
}

/* exec_jcc for a decode of 64-bit code with a 64-bit operand size and a
 * constant condition (chosen at decode time, exec_jcc_form).  What needs
 * a call (lf_cond_slow, the #GP) goes to exec_jcc by a tail call, so the
 * handler keeps no frame. */
static inline __attribute__((always_inline)) void
jcc64(struct interp *ip, const struct insn *in, unsigned cc)
{
	uint64_t target;

	if ((cc >> 1) != 2 || ip->lf.kind == LF_NONE) {
		exec_jcc(ip, in);
		return;
	}
	if (!((ip->lf.r == 0) ^ (cc & 1)))
		return;
	target = ip->s.rip + in->ops[0].imm.value.u;
	if (__builtin_expect(!is_canonical(target), 0)) {
		exec_jcc(ip, in);
		return;
	}
	ip->s.rip = target;
}

#define JCC64(cc) \
	static void exec_jcc64_##cc(struct interp *ip, const struct insn *in) \
	{ jcc64(ip, in, cc); }
JCC64(0) JCC64(1) JCC64(2) JCC64(3) JCC64(4) JCC64(5) JCC64(6) JCC64(7)
JCC64(8) JCC64(9) JCC64(10) JCC64(11) JCC64(12) JCC64(13) JCC64(14) JCC64(15)

static const insn_exec_fn jcc64_by_cc[16] = {
	exec_jcc64_0, exec_jcc64_1, exec_jcc64_2, exec_jcc64_3,
	exec_jcc64_4, exec_jcc64_5, exec_jcc64_6, exec_jcc64_7,
	exec_jcc64_8, exec_jcc64_9, exec_jcc64_10, exec_jcc64_11,
	exec_jcc64_12, exec_jcc64_13, exec_jcc64_14, exec_jcc64_15,
};

insn_exec_fn exec_jcc_form(const struct insn *in)
{
	if (in->exec != exec_jcc || in->mode != 64 ||
	    in->zi.operand_width != 64 ||
	    in->ops[0].type != ZYDIS_OPERAND_TYPE_IMMEDIATE)
		return NULL;
	return jcc64_by_cc[in->cc & 15];
}

static void exec_call(struct interp *ip, const struct insn *in)
{
	unsigned bits = in->zi.operand_width;
	uint64_t target;

	if (is_far(in)) {
		exec_system_or_ud(ip, in);
		return;
	}
	target = branch_target_check(ip, near_target(ip, in), bits);
	interp_push(ip, ip->s.rip, bits / 8);
	ip->s.rip = target;
}

static void exec_ret(struct interp *ip, const struct insn *in)
{
	unsigned bits = in->zi.operand_width;
	uint64_t mask = width_mask(interp_stack_bits(ip));
	uint64_t sp, target, imm = 0;

	if (is_far(in)) {
		exec_system_or_ud(ip, in);
		return;
	}
	if (in->zi.operand_count_visible &&
	    in->ops[0].type == ZYDIS_OPERAND_TYPE_IMMEDIATE)
		imm = in->ops[0].imm.value.u & 0xffff;
	sp = ip->s.gpr[GPR_RSP] & mask;
	target = mem_read_u(ip, SEG_SS, sp, bits / 8);
	target = branch_target_check(ip, target, bits);
	interp_set_sp(ip, sp + bits / 8 + imm);
	ip->s.rip = target;
}

/*
 * CALL rel32 and RET of a decode of 64-bit code with a 64-bit operand
 * size (chosen at decode time, exec_branch_form): the stack slot through
 * the host-pointer TLB's hit path in line (64-bit mode: SS has no base
 * and no limit; a non-canonical RSP never hits, core.h opd_lin64).  A
 * miss or a non-canonical target goes to exec_call/exec_ret before
 * anything changed, which raise the fault or take the slow path.
 */
static void exec_call64(struct interp *ip, const struct insn *in)
{
	uint64_t target = ip->s.rip + in->ops[0].imm.value.u;
	uint64_t sp = ip->s.gpr[GPR_RSP] - 8;

	if (__builtin_expect(!is_canonical(target) ||
			     !htlb_write(ip, sp, 8, ip->s.rip), 0)) {
		exec_call(ip, in);
		return;
	}
	ip->s.gpr[GPR_RSP] = sp;
	ip->s.rip = target;
}

static void exec_ret64(struct interp *ip, const struct insn *in)
{
	uint64_t sp = ip->s.gpr[GPR_RSP], target;

	if (__builtin_expect(!htlb_read(ip, sp, 8, &target) ||
			     !is_canonical(target), 0)) {
		exec_ret(ip, in);
		return;
	}
	ip->s.gpr[GPR_RSP] = sp + 8;
	ip->s.rip = target;
}

insn_exec_fn exec_branch_form(const struct insn *in)
{
	if (in->mode != 64 || in->zi.operand_width != 64 || is_far(in))
		return NULL;
	if (in->exec == exec_call &&
	    in->ops[0].type == ZYDIS_OPERAND_TYPE_IMMEDIATE)
		return exec_call64;
	if (in->exec == exec_ret && in->zi.operand_count_visible == 0)
		return exec_ret64;
	return NULL;
}

/* The count register is CX, ECX or RCX by address size. */
static uint64_t count_reg(struct interp *ip, const struct insn *in)
{
	return ip->s.gpr[GPR_RCX] & width_mask(in->zi.address_width);
}

static void set_count_reg(struct interp *ip, const struct insn *in, uint64_t v)
{
	uint64_t *c = &ip->s.gpr[GPR_RCX];

	switch (in->zi.address_width) {
	case 64: *c = v; break;
	case 32: *c = (uint32_t)v; break;
	default: *c = (*c & ~0xffffull) | (v & 0xffff); break;
	}
}

static void exec_loop(struct interp *ip, const struct insn *in)
{
	uint64_t n = (count_reg(ip, in) - 1) & width_mask(in->zi.address_width);
	bool zf = ip->s.rflags & RFLAGS_ZF;
	bool take = n != 0;

	if (in->zi.mnemonic == ZYDIS_MNEMONIC_LOOPE)
		take = take && zf;
	else if (in->zi.mnemonic == ZYDIS_MNEMONIC_LOOPNE)
		take = take && !zf;
	/* The target check comes before the count update (precise #GP). */
	if (take) {
		uint64_t t = branch_target_check(ip, ip->s.rip + in->ops[0].imm.value.u,
						 in->zi.operand_width);

		set_count_reg(ip, in, n);
		ip->s.rip = t;
	} else {
		set_count_reg(ip, in, n);
	}
}

static void exec_jcxz(struct interp *ip, const struct insn *in)
{
	if (count_reg(ip, in) == 0)
		interp_branch(ip, ip->s.rip + in->ops[0].imm.value.u,
			      in->zi.operand_width);
}

const struct exec_entry exec_control_table[] = {
	{ ZYDIS_MNEMONIC_JMP, exec_jmp, { NULL } },
	{ ZYDIS_MNEMONIC_JO, exec_jcc, { NULL } }, { ZYDIS_MNEMONIC_JNO, exec_jcc, { NULL } },
	{ ZYDIS_MNEMONIC_JB, exec_jcc, { NULL } }, { ZYDIS_MNEMONIC_JNB, exec_jcc, { NULL } },
	{ ZYDIS_MNEMONIC_JZ, exec_jcc, { NULL } }, { ZYDIS_MNEMONIC_JNZ, exec_jcc, { NULL } },
	{ ZYDIS_MNEMONIC_JBE, exec_jcc, { NULL } }, { ZYDIS_MNEMONIC_JNBE, exec_jcc, { NULL } },
	{ ZYDIS_MNEMONIC_JS, exec_jcc, { NULL } }, { ZYDIS_MNEMONIC_JNS, exec_jcc, { NULL } },
	{ ZYDIS_MNEMONIC_JP, exec_jcc, { NULL } }, { ZYDIS_MNEMONIC_JNP, exec_jcc, { NULL } },
	{ ZYDIS_MNEMONIC_JL, exec_jcc, { NULL } }, { ZYDIS_MNEMONIC_JNL, exec_jcc, { NULL } },
	{ ZYDIS_MNEMONIC_JLE, exec_jcc, { NULL } }, { ZYDIS_MNEMONIC_JNLE, exec_jcc, { NULL } },
	{ ZYDIS_MNEMONIC_CALL, exec_call, { NULL } },
	{ ZYDIS_MNEMONIC_RET, exec_ret, { NULL } },
	{ ZYDIS_MNEMONIC_LOOP, exec_loop, { NULL } },
	{ ZYDIS_MNEMONIC_LOOPE, exec_loop, { NULL } },
	{ ZYDIS_MNEMONIC_LOOPNE, exec_loop, { NULL } },
	{ ZYDIS_MNEMONIC_JCXZ, exec_jcxz, { NULL } },
	{ ZYDIS_MNEMONIC_JECXZ, exec_jcxz, { NULL } },
	{ ZYDIS_MNEMONIC_JRCXZ, exec_jcxz, { NULL } },
	{ 0, NULL, { NULL } },
};
