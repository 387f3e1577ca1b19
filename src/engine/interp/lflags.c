// SPDX-License-Identifier: MIT
/*
 * Lazy arithmetic flags: the out-of-line materialisation (lflags.h has
 * the record and the readers).
 */
#include "engine/interp/core.h"

void interp_flags_materialise(struct interp *ip)
{
	unsigned kind = ip->lf.kind;

	if (kind == LF_NONE)
		return;
	flags_set(ip, lf_mask(kind), lf_compute(&ip->lf));
	ip->lf.kind = LF_NONE;
}

/* OF of a pending record (SDM Vol. 1 3.4.3.1), as flags_add/flags_sub;
 * INC/DEC recorded b = 1. */
static uint64_t lf_of(const struct lazy_flags *lf)
{
	uint64_t a = lf->a, b = lf->b, r = lf->r;

	switch (lf->kind) {
	case LF_ADD:
	case LF_INC:
		return msb((a ^ r) & (b ^ r), lf->bits);
	case LF_SUB:
	case LF_DEC:
		return msb((a ^ b) & (a ^ r), lf->bits);
	default:
		return 0;
	}
}

/*
 * With a record pending, the conditions on CF, ZF, SF and OF (all but
 * O/NO and P/NP, SDM Vol. 1 Appendix B) from the flags they test alone
 * instead of all six: JB/JAE/JBE/JA and the signed ones after a CMP.
 */
bool lf_cond_slow(const struct interp *ip, unsigned cc)
{
	const struct lazy_flags *lf = &ip->lf;
	bool z, v;

	if (lf->kind == LF_NONE)
		return cond_true(ip->s.rflags, cc);
	z = lf->r == 0;
	switch (cc >> 1) {
	case 1:
		v = lf_cf(ip);
		break;
	case 2:
		v = z;
		break;
	case 3:
		v = lf_cf(ip) || z;
		break;
	case 4:
		v = msb(lf->r, lf->bits);
		break;
	case 6:
		v = msb(lf->r, lf->bits) != lf_of(lf);
		break;
	case 7:
		v = z || msb(lf->r, lf->bits) != lf_of(lf);
		break;
	default:
		return cond_true(lf_flags(ip), cc);
	}
	return v ^ (cc & 1);
}

/*
 * The handlers audited for running with flags pending: they read the
 * arithmetic flags only through lflags.h, and RFLAGS reaches nothing
 * else from them except through exec_system_or_ud() (far branches, MOV
 * to system or segment registers) and the VMX hooks (interp_icpt_init),
 * which both make it exact first.  Every other handler runs after
 * interp_flags_sync().
 */
#define CC_FORMS(p) p##O, p##NO, p##B, p##NB, p##Z, p##NZ, p##BE, p##NBE, \
		    p##S, p##NS, p##P, p##NP, p##L, p##NL, p##LE, p##NLE
const ZydisMnemonic exec_lazy_mnemonics[] = {
	/* exec_alu.c: they record (lflags.h); ADC/SBB read CF by lf_cf */
	ZYDIS_MNEMONIC_ADD, ZYDIS_MNEMONIC_ADC, ZYDIS_MNEMONIC_SUB,
	ZYDIS_MNEMONIC_SBB, ZYDIS_MNEMONIC_CMP, ZYDIS_MNEMONIC_AND,
	ZYDIS_MNEMONIC_OR, ZYDIS_MNEMONIC_XOR, ZYDIS_MNEMONIC_TEST,
	ZYDIS_MNEMONIC_NOT, ZYDIS_MNEMONIC_NEG, ZYDIS_MNEMONIC_INC,
	ZYDIS_MNEMONIC_DEC,
	/* exec_control.c: near branches; Jcc by lf_cond */
	ZYDIS_MNEMONIC_JMP, ZYDIS_MNEMONIC_CALL, ZYDIS_MNEMONIC_RET,
	ZYDIS_MNEMONIC_JCXZ, ZYDIS_MNEMONIC_JECXZ, ZYDIS_MNEMONIC_JRCXZ,
	CC_FORMS(ZYDIS_MNEMONIC_J),
	/* exec_mov.c: no flags; CMOVcc/SETcc by lf_cond */
	ZYDIS_MNEMONIC_MOV, ZYDIS_MNEMONIC_MOVZX, ZYDIS_MNEMONIC_MOVSX,
	ZYDIS_MNEMONIC_MOVSXD, ZYDIS_MNEMONIC_LEA, ZYDIS_MNEMONIC_XCHG,
	ZYDIS_MNEMONIC_CBW, ZYDIS_MNEMONIC_CWDE, ZYDIS_MNEMONIC_CDQE,
	ZYDIS_MNEMONIC_CWD, ZYDIS_MNEMONIC_CDQ, ZYDIS_MNEMONIC_CQO,
	ZYDIS_MNEMONIC_NOP, ZYDIS_MNEMONIC_ENDBR32, ZYDIS_MNEMONIC_ENDBR64,
	CC_FORMS(ZYDIS_MNEMONIC_CMOV), CC_FORMS(ZYDIS_MNEMONIC_SET),
	/* exec_stack.c */
	ZYDIS_MNEMONIC_PUSH, ZYDIS_MNEMONIC_POP,
	/* sys_vmx.c: the VMX layer's shortcut only VMsucceeds (all six
	 * cleared); its full path syncs first (interp_icpt_init) */
	ZYDIS_MNEMONIC_VMREAD, ZYDIS_MNEMONIC_VMWRITE,
	/* exec_simd_*.c, exec_sse_fp.c: vector moves, arithmetic and logic
	 * write no RFLAGS bit (not PTEST, COMISS/UCOMISS, PCMPxSTRx, and
	 * not MOVSD/CMPSD, whose mnemonics are string instructions too) */
	ZYDIS_MNEMONIC_MOVAPS, ZYDIS_MNEMONIC_MOVAPD, ZYDIS_MNEMONIC_MOVUPS,
	ZYDIS_MNEMONIC_MOVUPD, ZYDIS_MNEMONIC_MOVDQA, ZYDIS_MNEMONIC_MOVDQU,
	ZYDIS_MNEMONIC_MOVD, ZYDIS_MNEMONIC_MOVQ, ZYDIS_MNEMONIC_MOVSS,
	ZYDIS_MNEMONIC_ADDPS, ZYDIS_MNEMONIC_ADDPD, ZYDIS_MNEMONIC_ADDSS,
	ZYDIS_MNEMONIC_ADDSD, ZYDIS_MNEMONIC_SUBPS, ZYDIS_MNEMONIC_SUBPD,
	ZYDIS_MNEMONIC_SUBSS, ZYDIS_MNEMONIC_SUBSD, ZYDIS_MNEMONIC_MULPS,
	ZYDIS_MNEMONIC_MULPD, ZYDIS_MNEMONIC_MULSS, ZYDIS_MNEMONIC_MULSD,
	ZYDIS_MNEMONIC_DIVPS, ZYDIS_MNEMONIC_DIVPD, ZYDIS_MNEMONIC_DIVSS,
	ZYDIS_MNEMONIC_DIVSD,
	ZYDIS_MNEMONIC_PADDB, ZYDIS_MNEMONIC_PADDW, ZYDIS_MNEMONIC_PADDD,
	ZYDIS_MNEMONIC_PADDQ, ZYDIS_MNEMONIC_PSUBB, ZYDIS_MNEMONIC_PSUBW,
	ZYDIS_MNEMONIC_PSUBD, ZYDIS_MNEMONIC_PSUBQ, ZYDIS_MNEMONIC_PAND,
	ZYDIS_MNEMONIC_PANDN, ZYDIS_MNEMONIC_POR, ZYDIS_MNEMONIC_PXOR,
	ZYDIS_MNEMONIC_ANDPS, ZYDIS_MNEMONIC_ANDPD, ZYDIS_MNEMONIC_ORPS,
	ZYDIS_MNEMONIC_ORPD, ZYDIS_MNEMONIC_XORPS, ZYDIS_MNEMONIC_XORPD,
	ZYDIS_MNEMONIC_PSHUFD,
	/* exec_x87*.c: loads, stores and arithmetic write only the x87
	 * state (not FCOMI/FUCOMI, which set ZF/PF/CF, nor FCMOVcc, which
	 * reads them) */
	ZYDIS_MNEMONIC_FLD, ZYDIS_MNEMONIC_FST, ZYDIS_MNEMONIC_FSTP,
	ZYDIS_MNEMONIC_FILD, ZYDIS_MNEMONIC_FIST, ZYDIS_MNEMONIC_FISTP,
	ZYDIS_MNEMONIC_FLD1, ZYDIS_MNEMONIC_FLDZ, ZYDIS_MNEMONIC_FXCH,
	ZYDIS_MNEMONIC_FADD, ZYDIS_MNEMONIC_FADDP, ZYDIS_MNEMONIC_FSUB,
	ZYDIS_MNEMONIC_FSUBP, ZYDIS_MNEMONIC_FSUBR, ZYDIS_MNEMONIC_FSUBRP,
	ZYDIS_MNEMONIC_FMUL, ZYDIS_MNEMONIC_FMULP, ZYDIS_MNEMONIC_FDIV,
	ZYDIS_MNEMONIC_FDIVP, ZYDIS_MNEMONIC_FDIVR, ZYDIS_MNEMONIC_FDIVRP,
	ZYDIS_MNEMONIC_FSQRT, ZYDIS_MNEMONIC_FCHS, ZYDIS_MNEMONIC_FABS,
	ZYDIS_MNEMONIC_INVALID,
};

/*
 * A subset of the list above whose register-only forms (operand 0 a GPR,
 * the others GPRs or immediates: no segment, control or debug register)
 * never fault, never read RIP, memory, a device or the TSC, and end no
 * batch: they may run inside a block body (interp.c).  Not MUL/DIV
 * (#DE), shifts (not lazy), PUSH/POP (memory).  LEA without RIP and the
 * memory forms of exec_body.c are added by form (decode.c pick_form).
 */
const ZydisMnemonic exec_simple_mnemonics[] = {
	ZYDIS_MNEMONIC_ADD, ZYDIS_MNEMONIC_ADC, ZYDIS_MNEMONIC_SUB,
	ZYDIS_MNEMONIC_SBB, ZYDIS_MNEMONIC_CMP, ZYDIS_MNEMONIC_AND,
	ZYDIS_MNEMONIC_OR, ZYDIS_MNEMONIC_XOR, ZYDIS_MNEMONIC_TEST,
	ZYDIS_MNEMONIC_NOT, ZYDIS_MNEMONIC_NEG, ZYDIS_MNEMONIC_INC,
	ZYDIS_MNEMONIC_DEC,
	ZYDIS_MNEMONIC_MOV, ZYDIS_MNEMONIC_MOVZX, ZYDIS_MNEMONIC_MOVSX,
	ZYDIS_MNEMONIC_MOVSXD, ZYDIS_MNEMONIC_XCHG,
	CC_FORMS(ZYDIS_MNEMONIC_CMOV), CC_FORMS(ZYDIS_MNEMONIC_SET),
	ZYDIS_MNEMONIC_INVALID,
};
