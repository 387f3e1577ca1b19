// SPDX-License-Identifier: MIT
/*
 * Data movement: MOV (GPR, memory, immediate, moffs, segment registers;
 * control/debug registers go to the system side), MOVZX, MOVSX, MOVSXD,
 * LEA, XCHG, XADD, CMPXCHG, CMPXCHG8B/16B, BSWAP, CMOVcc, SETcc, the
 * sign-extension group CBW..CQO, XLAT and the NOPs.  LOCK is accepted
 * (Zydis rejects it where it is illegal, which gives #UD).
 */
#include <string.h>

#include "engine/interp/core.h"

static bool is_sys_reg(const ZydisDecodedOperand *o)
{
	ZydisRegisterClass c;

	if (o->type != ZYDIS_OPERAND_TYPE_REGISTER)
		return false;
	c = ZydisRegisterGetClass(o->reg.value);
	return c == ZYDIS_REGCLASS_CONTROL || c == ZYDIS_REGCLASS_DEBUG;
}

static int seg_operand(const ZydisDecodedOperand *o)
{
	if (o->type != ZYDIS_OPERAND_TYPE_REGISTER)
		return -1;
	return zyreg_to_seg(o->reg.value);
}

/* MOV Sreg, r/m (SDM Vol. 2 MOV): CS is #UD; SS inhibits interrupts and
 * debug traps until after the next instruction. */
static void mov_to_seg(struct interp *ip, const struct insn *in, unsigned seg)
{
	uint16_t sel = (uint16_t)opr(ip, in, 1);

	if (seg == SEG_CS)
		interp_raise(ip, X86_UD);
	seg_load(ip, seg, sel);
	if (seg == SEG_SS)
		ip->shadow_next |= INTR_BLOCK_MOV_SS;
	ip->batch_break = true;
}

static void exec_mov(struct interp *ip, const struct insn *in)
{
	int seg;

	/* Registers, immediates and plain memory: never a system or
	 * segment register. */
	if (__builtin_expect(in->opd[0].kind != OPD_SLOW &&
			     in->opd[1].kind != OPD_SLOW, 1)) {
		opw(ip, in, 0, opr(ip, in, 1));
		return;
	}
	if (is_sys_reg(&in->ops[0]) || is_sys_reg(&in->ops[1])) {
		exec_system_or_ud(ip, in);
		return;
	}
	seg = seg_operand(&in->ops[0]);
	if (seg >= 0) {
		mov_to_seg(ip, in, (unsigned)seg);
		return;
	}
	/* MOV r32, Sreg zero-extends; op_write does that for us. */
	opw(ip, in, 0, opr(ip, in, 1));
}

/* MOV with a 32- or 64-bit destination: register, immediate and plain
 * memory forms inline (memory through the host-pointer TLB, core.h);
 * the rest (control and debug registers) in exec_mov. */
static inline __attribute__((always_inline)) void
mov_sized(struct interp *ip, const struct insn *in, unsigned bits)
{
	const struct insn_opd *d = &in->opd[0], *s = &in->opd[1];

	if (__builtin_expect(d->kind == OPD_GPR, 1)) {
		if (s->kind == OPD_MEM) {
			opw_r(ip, in, 0, op_read_mem_n(ip, in, 1, bits / 8), bits);
			return;
		}
		if (s->kind != OPD_SLOW) {
			opw_r(ip, in, 0, opr_sized(ip, in, 1, bits), bits);
			return;
		}
	} else if (d->kind == OPD_MEM && s->kind != OPD_SLOW) {
		op_write_mem_n(ip, in, 0, opr_sized(ip, in, 1, bits), bits / 8);
		return;
	}
	exec_mov(ip, in);
}

static void exec_mov64(struct interp *ip, const struct insn *in)
{
	mov_sized(ip, in, 64);
}

static void exec_mov32(struct interp *ip, const struct insn *in)
{
	mov_sized(ip, in, 32);
}

static void exec_movzx(struct interp *ip, const struct insn *in)
{
	opw(ip, in, 0, opr(ip, in, 1));
}

static void exec_movsx(struct interp *ip, const struct insn *in)
{
	opw(ip, in, 0, sign_extend(opr(ip, in, 1), op_bits(in, 1)));
}

static void exec_lea(struct interp *ip, const struct insn *in)
{
	const struct insn_opd *d = &in->opd[1];

	opw(ip, in, 0, d->ea_ok ? opd_ea(ip, in, d) : op_ea(ip, in, 1, NULL));
}

/* MOVZX, MOVSX/MOVSXD and LEA into a 32- or 64-bit register (their usual
 * destinations): no operand-kind test on the write, the source's memory
 * path inline (core.h). */
static inline __attribute__((always_inline)) void
ext_sized(struct interp *ip, const struct insn *in, unsigned bits, bool sx)
{
	uint64_t v;

	if (__builtin_expect(in->opd[0].kind != OPD_GPR, 0)) {
		if (sx)
			exec_movsx(ip, in);
		else
			exec_movzx(ip, in);
		return;
	}
	v = opr(ip, in, 1);
	opw_r(ip, in, 0, sx ? sign_extend(v, op_bits(in, 1)) : v, bits);
}

static void exec_movzx64(struct interp *ip, const struct insn *in) { ext_sized(ip, in, 64, false); }
static void exec_movzx32(struct interp *ip, const struct insn *in) { ext_sized(ip, in, 32, false); }
static void exec_movsx64(struct interp *ip, const struct insn *in) { ext_sized(ip, in, 64, true); }
static void exec_movsx32(struct interp *ip, const struct insn *in) { ext_sized(ip, in, 32, true); }

static inline __attribute__((always_inline)) void
lea_sized(struct interp *ip, const struct insn *in, unsigned bits)
{
	const struct insn_opd *d = &in->opd[1];

	if (__builtin_expect(d->ea_ok && in->opd[0].kind == OPD_GPR, 1))
		opw_r(ip, in, 0, opd_ea(ip, in, d), bits);
	else
		exec_lea(ip, in);
}

static void exec_lea64(struct interp *ip, const struct insn *in) { lea_sized(ip, in, 64); }
static void exec_lea32(struct interp *ip, const struct insn *in) { lea_sized(ip, in, 32); }

/*
 * Register forms picked at decode time (exec_mov_form): MOV between
 * 32/64-bit registers or from an immediate, MOVSXD r64, r32 and LEA of a
 * 64-bit address (no RIP) into a 32/64-bit register, by addressing form.
 * A 32-bit destination is zero-extended; LEA r32 keeps the low 32 bits
 * of the address (SDM LEA: operand size 32, address size 64).
 */
#define GPR_D(in) (ip->s.gpr[(in)->opd[0].gpr])
#define GPR_S(in) (ip->s.gpr[(in)->opd[1].gpr])
#define EA_BASE(in) (ip->s.gpr[(in)->opd[1].base])
#define EA_INDEX(in) (ip->s.gpr[(in)->opd[1].index] << (in)->opd[1].scale)
#define EA_DISP(in) ((uint64_t)(in)->opd[1].disp)

static void mov64_rr(struct interp *ip, const struct insn *in) { GPR_D(in) = GPR_S(in); }
static void mov32_rr(struct interp *ip, const struct insn *in) { GPR_D(in) = (uint32_t)GPR_S(in); }
static void mov64_ri(struct interp *ip, const struct insn *in) { GPR_D(in) = in->ops[1].imm.value.u; }
static void mov32_ri(struct interp *ip, const struct insn *in) { GPR_D(in) = (uint32_t)in->ops[1].imm.value.u; }
static void movsxd64_rr(struct interp *ip, const struct insn *in)
{
	GPR_D(in) = (uint64_t)(int64_t)(int32_t)GPR_S(in);
}

static void lea64_b(struct interp *ip, const struct insn *in) { GPR_D(in) = EA_BASE(in) + EA_DISP(in); }
static void lea32_b(struct interp *ip, const struct insn *in) { GPR_D(in) = (uint32_t)(EA_BASE(in) + EA_DISP(in)); }
static void lea64_i(struct interp *ip, const struct insn *in) { GPR_D(in) = EA_INDEX(in) + EA_DISP(in); }
static void lea32_i(struct interp *ip, const struct insn *in) { GPR_D(in) = (uint32_t)(EA_INDEX(in) + EA_DISP(in)); }
static void lea64_bi(struct interp *ip, const struct insn *in)
{
	GPR_D(in) = EA_BASE(in) + EA_INDEX(in) + EA_DISP(in);
}

static void lea32_bi(struct interp *ip, const struct insn *in)
{
	GPR_D(in) = (uint32_t)(EA_BASE(in) + EA_INDEX(in) + EA_DISP(in));
}

static bool gpr_of(const struct insn_opd *d, unsigned bytes)
{
	return d->kind == OPD_GPR && d->bytes == bytes;
}

static insn_exec_fn lea_form(const struct insn *in, unsigned bits)
{
	const struct insn_opd *a = &in->opd[1];
	/* [base][index][64-bit destination] */
	static const insn_exec_fn forms[2][2][2] = {
		{ { NULL, NULL }, { lea32_i, lea64_i } },
		{ { lea32_b, lea64_b }, { lea32_bi, lea64_bi } },
	};

	if (!a->ea_ok || a->amask != ~0ull || a->base == OPD_RIPREL)
		return NULL;
	return forms[a->base != OPD_NOREG][a->index != OPD_NOREG][bits == 64];
}

insn_exec_fn exec_mov_form(const struct insn *in)
{
	const struct insn_opd *d = in->opd, *s = &in->opd[1];
	unsigned bits = in->ops[0].size;
	ZydisMnemonic mn = in->zi.mnemonic;

	if (in->mode != 64 || in->zi.operand_count_visible != 2 ||
	    (bits != 32 && bits != 64) || !gpr_of(d, bits / 8))
		return NULL;
	if (mn == ZYDIS_MNEMONIC_LEA)
		return lea_form(in, bits);
	if (mn == ZYDIS_MNEMONIC_MOVSXD)
		return bits == 64 && gpr_of(s, 4) ? movsxd64_rr : NULL;
	if (mn != ZYDIS_MNEMONIC_MOV)
		return NULL;
	if (s->kind == OPD_IMM)
		return bits == 64 ? mov64_ri : mov32_ri;
	if (gpr_of(s, bits / 8))
		return bits == 64 ? mov64_rr : mov32_rr;
	return NULL;
}

/* The memory operand (if any) is written first: a fault leaves the
 * register untouched. */
static void exec_xchg(struct interp *ip, const struct insn *in)
{
	uint64_t a = opr(ip, in, 0), b = opr(ip, in, 1);

	if (in->ops[1].type == ZYDIS_OPERAND_TYPE_MEMORY) {
		opw(ip, in, 1, a);
		opw(ip, in, 0, b);
	} else {
		opw(ip, in, 0, b);
		opw(ip, in, 1, a);
	}
}

static void exec_xadd(struct interp *ip, const struct insn *in)
{
	unsigned bits = op_bits(in, 0);
	uint64_t d = opr(ip, in, 0), s = opr(ip, in, 1);
	uint64_t r = (d + s) & width_mask(bits);

	/* SDM XADD: SRC := DEST, then DEST := TEMP, so when both operands
	 * are the same register the sum wins.  A memory destination is
	 * written first: it is the only access that can fault. */
	if (in->ops[0].type == ZYDIS_OPERAND_TYPE_MEMORY) {
		opw(ip, in, 0, r);
		opw(ip, in, 1, d);
	} else {
		opw(ip, in, 1, d);
		opw(ip, in, 0, r);
	}
	flags_set(ip, FLAGS_ARITH, flags_add(d, s, r, bits));
}

static const ZydisRegister acc_reg[] = {
	[1] = ZYDIS_REGISTER_AL, [2] = ZYDIS_REGISTER_AX,
	[4] = ZYDIS_REGISTER_EAX, [8] = ZYDIS_REGISTER_RAX,
};

/* CMPXCHG (SDM Vol. 2): compare the accumulator with the destination.
 * On failure a memory destination is written back unchanged (so write
 * faults happen either way); a register destination is left alone. */
static void exec_cmpxchg(struct interp *ip, const struct insn *in)
{
	unsigned bits = op_bits(in, 0);
	ZydisRegister acc = acc_reg[bits / 8];
	uint64_t d = opr(ip, in, 0);
	uint64_t a = reg_read(ip, acc);
	uint64_t r = (a - d) & width_mask(bits);

	if (a == d) {
		opw(ip, in, 0, opr(ip, in, 1));
	} else {
		/* A memory destination gets its write cycle back unchanged
		 * (SDM CMPXCHG); a register destination is not written, so a
		 * 32-bit one keeps its upper half, as on hardware (FEX-Emu
		 * PR 439, angr/vex PR 63, fixed in QEMU 7.1; Unicorn 2.0.1
		 * still zero-extends it, difftest avoids that case). */
		if (in->ops[0].type == ZYDIS_OPERAND_TYPE_MEMORY)
			opw(ip, in, 0, d);
		reg_write(ip, acc, d);
	}
	flags_set(ip, FLAGS_ARITH, flags_sub(a, d, r, bits));
}

static void exec_cmpxchg8b(struct interp *ip, const struct insn *in)
{
	uint64_t *g = ip->s.gpr;
	unsigned seg;
	uint64_t ea = op_ea(ip, in, 0, &seg);
	uint64_t m = mem_read_u(ip, seg, ea, 8);
	uint64_t edx_eax = (uint32_t)g[GPR_RAX] | (g[GPR_RDX] << 32);

	if (m == edx_eax) {
		mem_write_u(ip, seg, ea, (uint32_t)g[GPR_RBX] | (g[GPR_RCX] << 32), 8);
		ip->s.rflags |= RFLAGS_ZF;
	} else {
		mem_write_u(ip, seg, ea, m, 8);
		g[GPR_RAX] = (uint32_t)m;
		g[GPR_RDX] = m >> 32;
		ip->s.rflags &= ~RFLAGS_ZF;
	}
}

/* CMPXCHG16B: only with CPUID.01H:ECX.CX16; #GP(0) if not 16-aligned. */
static void exec_cmpxchg16b(struct interp *ip, const struct insn *in)
{
	uint64_t *g = ip->s.gpr;
	unsigned seg;
	uint64_t ea, m[2], n[2];

	if (!ip->has_cx16)
		interp_raise(ip, X86_UD);
	ea = op_ea(ip, in, 0, &seg);
	if (ea & 15)
		interp_raise_err(ip, X86_GP, 0);
	mem_read(ip, seg, ea, m, 16);
	if (m[0] == g[GPR_RAX] && m[1] == g[GPR_RDX]) {
		n[0] = g[GPR_RBX];
		n[1] = g[GPR_RCX];
		mem_write(ip, seg, ea, n, 16);
		ip->s.rflags |= RFLAGS_ZF;
	} else {
		mem_write(ip, seg, ea, m, 16);
		g[GPR_RAX] = m[0];
		g[GPR_RDX] = m[1];
		ip->s.rflags &= ~RFLAGS_ZF;
	}
}

/* BSWAP r16 is undefined: we clear the register's low word. */
static void exec_bswap(struct interp *ip, const struct insn *in)
{
	uint64_t v = opr(ip, in, 0);

	switch (op_bits(in, 0)) {
	case 64: v = __builtin_bswap64(v); break;
	case 32: v = __builtin_bswap32((uint32_t)v); break;
	default: v = 0; break;
	}
	opw(ip, in, 0, v);
}

static void exec_cmovcc(struct interp *ip, const struct insn *in)
{
	uint64_t v = opr(ip, in, 1);  /* the source is read (and may
					     fault) whatever the condition */

	/* A 32-bit CMOV zero-extends its destination even when false. */
	if (!lf_cond(ip, in->cc))
		v = opr(ip, in, 0);
	opw(ip, in, 0, v);
}

static void exec_setcc(struct interp *ip, const struct insn *in)
{
	opw(ip, in, 0, lf_cond(ip, in->cc));
}

/* CBW/CWDE/CDQE: sign-extend the low half of the accumulator into it. */
static void exec_cbw(struct interp *ip, const struct insn *in)
{
	unsigned bits = in->zi.operand_width;
	uint64_t *rax = &ip->s.gpr[GPR_RAX];
	uint64_t v = sign_extend(*rax & width_mask(bits / 2), bits / 2);

	switch (bits) {
	case 64: *rax = v; break;
	case 32: *rax = (uint32_t)v; break;
	default: *rax = (*rax & ~0xffffull) | (v & 0xffff); break;
	}
}

/* CWD/CDQ/CQO: rDX = sign of rAX. */
static void exec_cwd(struct interp *ip, const struct insn *in)
{
	unsigned bits = in->zi.operand_width;
	uint64_t *rdx = &ip->s.gpr[GPR_RDX];
	uint64_t v = msb(ip->s.gpr[GPR_RAX], bits) ? ~0ull : 0;

	switch (bits) {
	case 64: *rdx = v; break;
	case 32: *rdx = (uint32_t)v; break;
	default: *rdx = (*rdx & ~0xffffull) | (v & 0xffff); break;
	}
}

/* XLAT: AL = [seg:rBX + AL] (address size masks the sum). */
static void exec_xlat(struct interp *ip, const struct insn *in)
{
	uint64_t *g = ip->s.gpr;
	uint64_t ea = (g[GPR_RBX] + (g[GPR_RAX] & 0xff)) &
		      width_mask(in->zi.address_width);
	uint64_t v = mem_read_u(ip, insn_data_seg(in), ea, 1);

	g[GPR_RAX] = (g[GPR_RAX] & ~0xffull) | v;
}

/* NOP, multi-byte NOP (no memory access), ENDBR32/64 without CET. */
static void exec_nop(struct interp *ip, const struct insn *in)
{
}

const struct exec_entry exec_mov_table[] = {
	{ ZYDIS_MNEMONIC_MOV, exec_mov, { NULL, NULL, exec_mov32, exec_mov64 } },
	{ ZYDIS_MNEMONIC_MOVZX, exec_movzx, { NULL, NULL, exec_movzx32, exec_movzx64 } },
	{ ZYDIS_MNEMONIC_MOVSX, exec_movsx, { NULL, NULL, exec_movsx32, exec_movsx64 } },
	{ ZYDIS_MNEMONIC_MOVSXD, exec_movsx, { NULL, NULL, exec_movsx32, exec_movsx64 } },
	{ ZYDIS_MNEMONIC_LEA, exec_lea, { NULL, NULL, exec_lea32, exec_lea64 } },
	{ ZYDIS_MNEMONIC_XCHG, exec_xchg, { NULL } },
	{ ZYDIS_MNEMONIC_XADD, exec_xadd, { NULL } },
	{ ZYDIS_MNEMONIC_CMPXCHG, exec_cmpxchg, { NULL } },
	{ ZYDIS_MNEMONIC_CMPXCHG8B, exec_cmpxchg8b, { NULL } },
	{ ZYDIS_MNEMONIC_CMPXCHG16B, exec_cmpxchg16b, { NULL } },
	{ ZYDIS_MNEMONIC_BSWAP, exec_bswap, { NULL } },
	{ ZYDIS_MNEMONIC_CMOVO, exec_cmovcc, { NULL } }, { ZYDIS_MNEMONIC_CMOVNO, exec_cmovcc, { NULL } },
	{ ZYDIS_MNEMONIC_CMOVB, exec_cmovcc, { NULL } }, { ZYDIS_MNEMONIC_CMOVNB, exec_cmovcc, { NULL } },
	{ ZYDIS_MNEMONIC_CMOVZ, exec_cmovcc, { NULL } }, { ZYDIS_MNEMONIC_CMOVNZ, exec_cmovcc, { NULL } },
	{ ZYDIS_MNEMONIC_CMOVBE, exec_cmovcc, { NULL } }, { ZYDIS_MNEMONIC_CMOVNBE, exec_cmovcc, { NULL } },
	{ ZYDIS_MNEMONIC_CMOVS, exec_cmovcc, { NULL } }, { ZYDIS_MNEMONIC_CMOVNS, exec_cmovcc, { NULL } },
	{ ZYDIS_MNEMONIC_CMOVP, exec_cmovcc, { NULL } }, { ZYDIS_MNEMONIC_CMOVNP, exec_cmovcc, { NULL } },
	{ ZYDIS_MNEMONIC_CMOVL, exec_cmovcc, { NULL } }, { ZYDIS_MNEMONIC_CMOVNL, exec_cmovcc, { NULL } },
	{ ZYDIS_MNEMONIC_CMOVLE, exec_cmovcc, { NULL } }, { ZYDIS_MNEMONIC_CMOVNLE, exec_cmovcc, { NULL } },
	{ ZYDIS_MNEMONIC_SETO, exec_setcc, { NULL } }, { ZYDIS_MNEMONIC_SETNO, exec_setcc, { NULL } },
	{ ZYDIS_MNEMONIC_SETB, exec_setcc, { NULL } }, { ZYDIS_MNEMONIC_SETNB, exec_setcc, { NULL } },
	{ ZYDIS_MNEMONIC_SETZ, exec_setcc, { NULL } }, { ZYDIS_MNEMONIC_SETNZ, exec_setcc, { NULL } },
	{ ZYDIS_MNEMONIC_SETBE, exec_setcc, { NULL } }, { ZYDIS_MNEMONIC_SETNBE, exec_setcc, { NULL } },
	{ ZYDIS_MNEMONIC_SETS, exec_setcc, { NULL } }, { ZYDIS_MNEMONIC_SETNS, exec_setcc, { NULL } },
	{ ZYDIS_MNEMONIC_SETP, exec_setcc, { NULL } }, { ZYDIS_MNEMONIC_SETNP, exec_setcc, { NULL } },
	{ ZYDIS_MNEMONIC_SETL, exec_setcc, { NULL } }, { ZYDIS_MNEMONIC_SETNL, exec_setcc, { NULL } },
	{ ZYDIS_MNEMONIC_SETLE, exec_setcc, { NULL } }, { ZYDIS_MNEMONIC_SETNLE, exec_setcc, { NULL } },
	{ ZYDIS_MNEMONIC_CBW, exec_cbw, { NULL } },
	{ ZYDIS_MNEMONIC_CWDE, exec_cbw, { NULL } },
	{ ZYDIS_MNEMONIC_CDQE, exec_cbw, { NULL } },
	{ ZYDIS_MNEMONIC_CWD, exec_cwd, { NULL } },
	{ ZYDIS_MNEMONIC_CDQ, exec_cwd, { NULL } },
	{ ZYDIS_MNEMONIC_CQO, exec_cwd, { NULL } },
	{ ZYDIS_MNEMONIC_XLAT, exec_xlat, { NULL } },
	{ ZYDIS_MNEMONIC_NOP, exec_nop, { NULL } },
	{ ZYDIS_MNEMONIC_ENDBR32, exec_nop, { NULL } },
	{ ZYDIS_MNEMONIC_ENDBR64, exec_nop, { NULL } },
	{ 0, NULL, { NULL } },
};
