// SPDX-License-Identifier: MIT
/*
 * x87 operations carried out on the host's own x87 unit (see x87.h).
 *
 * Each stub saves the host's control word, starts from FNINIT with the
 * guest's control word,
 * loads its operands as m80 (raw: FLD m80 raises nothing, SDM Vol. 2A
 * FLD), runs the one instruction with the guest's exact operand form (so
 * memory conversions, NaN selection and the denormal flag are the
 * hardware's), reads the status word, clears the exception flags (all
 * but a masked PE), masks everything and only then stores the results (a
 * store with a pending unmasked exception would trap on the host);
 * host_leave() pops what is left and puts the host's control word back
 * (x87_host_run saves and restores the whole environment around it when
 * the host's status word has a flag other than PE set or a non-zero TOP).
 *
 * Unmasked exceptions therefore get the hardware's own response (no
 * result for #I/#D/#Z, the biased result of SDM Vol. 1 4.9.1.4/4.9.1.5
 * for #O/#U to a register); the caller decides what reaches the guest.
 * The operations used here are exactly specified by IEEE 754 and the SDM
 * and are the same on Intel and AMD hosts; the transcendental ones also
 * run here for their special cases and flags, and x87_trans.c recomputes
 * their values (host vendors differ there).
 */
#include <stddef.h>

#include "engine/interp/x87.h"

_Static_assert(offsetof(struct x87_io, a) == 0, "io layout");
_Static_assert(offsetof(struct x87_io, b) == 16, "io layout");
_Static_assert(offsetof(struct x87_io, mem) == 32, "io layout");
_Static_assert(offsetof(struct x87_io, r0) == 48, "io layout");
_Static_assert(offsetof(struct x87_io, r1) == 64, "io layout");
_Static_assert(offsetof(struct x87_io, env) == 80, "io layout");
_Static_assert(offsetof(struct x87_io, cw) == 112, "io layout");
_Static_assert(offsetof(struct x87_io, sw) == 114, "io layout");
_Static_assert(offsetof(struct x87_io, cw_masked) == 116, "io layout");
_Static_assert(offsetof(struct x87_io, cf) == 118, "io layout");
_Static_assert(offsetof(struct x87_io, zf) == 119, "io layout");
_Static_assert(offsetof(struct x87_io, pf) == 120, "io layout");
_Static_assert(offsetof(struct x87_io, host_cw) == 122, "io layout");

#define ENTER "fnstcw 122(%0)\n\tfldcw 112(%0)\n\t"
/* FNCLEX only when a flag other than a masked PE was raised: it is slow
 * (about half the x87 loop's time when it ran after every inexact result);
 * a masked PE may stay set on the host (x87_host_run says when). */
#define FSW_CLEARED ((FSW_EXC | FSW_SF | FSW_ES) & ~FSW_PE)   /* 0xdf */
_Static_assert(FSW_CLEARED == 0xdf, "DONE's testb");
#define DONE  "fnstsw 114(%0)\n\ttestb $0xdf, 114(%0)\n\tjz 1f\n\t" \
	      "fnclex\n1:\n\tfldcw 116(%0)\n\t"
#define LEAVE ""
#define LD_A  "fldt (%0)\n\t"
#define LD_BA "fldt 16(%0)\n\tfldt (%0)\n\t"
#define ST_R0 "fstpt 48(%0)\n\t"
#define ST_R1 "fstpt 64(%0)\n\t"

#define STUB(name, body)						\
static void name(struct x87_io *io)					\
{									\
	__asm__ volatile(ENTER body LEAVE : : "r"(io)			\
			 : "memory", "cc", "st", "st(1)", "st(2)",	\
			   "st(3)", "st(4)", "st(5)", "st(6)", "st(7)");\
}

/* ST(0) = a op b, and a op m32/m64/m16int/m32int */
#define ARITH(op)							\
STUB(h_##op, LD_BA "f" #op " %%st(1), %%st\n\t" DONE ST_R0)		\
STUB(h_##op##_m32, LD_A "f" #op "s 32(%0)\n\t" DONE ST_R0)		\
STUB(h_##op##_m64, LD_A "f" #op "l 32(%0)\n\t" DONE ST_R0)		\
STUB(h_##op##_i16, LD_A "fi" #op "s 32(%0)\n\t" DONE ST_R0)		\
STUB(h_##op##_i32, LD_A "fi" #op "l 32(%0)\n\t" DONE ST_R0)

ARITH(add)
ARITH(mul)
ARITH(sub)
ARITH(subr)
ARITH(div)
ARITH(divr)

STUB(h_com, LD_BA "fcom %%st(1)\n\t" DONE)
STUB(h_ucom, LD_BA "fucom %%st(1)\n\t" DONE)
STUB(h_com_m32, LD_A "fcoms 32(%0)\n\t" DONE)
STUB(h_com_m64, LD_A "fcoml 32(%0)\n\t" DONE)
STUB(h_com_i16, LD_A "ficoms 32(%0)\n\t" DONE)
STUB(h_com_i32, LD_A "ficoml 32(%0)\n\t" DONE)
#define SETCC "setc 118(%0)\n\tsetz 119(%0)\n\tsetp 120(%0)\n\t"
STUB(h_comi, LD_BA "fcomi %%st(1), %%st\n\t" SETCC DONE)
STUB(h_ucomi, LD_BA "fucomi %%st(1), %%st\n\t" SETCC DONE)
STUB(h_tst, LD_A "ftst\n\t" DONE)

STUB(h_ld_m32, "flds 32(%0)\n\t" DONE ST_R0)
STUB(h_ld_m64, "fldl 32(%0)\n\t" DONE ST_R0)

STUB(h_st_m32, LD_A "fstps 32(%0)\n\t" DONE)
STUB(h_st_m64, LD_A "fstpl 32(%0)\n\t" DONE)
STUB(h_ist_i16, LD_A "fistps 32(%0)\n\t" DONE)
STUB(h_ist_i32, LD_A "fistpl 32(%0)\n\t" DONE)
STUB(h_ist_i64, LD_A "fistpll 32(%0)\n\t" DONE)
STUB(h_istt_i16, LD_A "fisttps 32(%0)\n\t" DONE)
STUB(h_istt_i32, LD_A "fisttpl 32(%0)\n\t" DONE)
STUB(h_istt_i64, LD_A "fisttpll 32(%0)\n\t" DONE)
STUB(h_bst, LD_A "fbstp 32(%0)\n\t" DONE)

#define UNARY(op) STUB(h_##op, LD_A #op "\n\t" DONE ST_R0)
UNARY(fsqrt)
UNARY(frndint)
UNARY(f2xm1)
UNARY(fsin)
UNARY(fcos)

#define BINARY(op) STUB(h_##op, LD_BA #op "\n\t" DONE ST_R0)
BINARY(fscale)
BINARY(fprem)
BINARY(fprem1)
BINARY(fpatan)
BINARY(fyl2x)
BINARY(fyl2xp1)

#define TWO_OUT(op) STUB(h_##op, LD_A #op "\n\t" DONE ST_R0 ST_R1)
TWO_OUT(fxtract)
TWO_OUT(fsincos)
TWO_OUT(fptan)

#define CONST(op) STUB(h_##op, #op "\n\t" DONE ST_R0)
CONST(fldpi)
CONST(fldl2e)
CONST(fldl2t)
CONST(fldlg2)
CONST(fldln2)

static void (*const host_ops[HOP_COUNT])(struct x87_io *) = {
	[HOP_ADD] = h_add, [HOP_MUL] = h_mul, [HOP_SUB] = h_sub,
	[HOP_SUBR] = h_subr, [HOP_DIV] = h_div, [HOP_DIVR] = h_divr,
	[HOP_ADD_M32] = h_add_m32, [HOP_MUL_M32] = h_mul_m32,
	[HOP_SUB_M32] = h_sub_m32, [HOP_SUBR_M32] = h_subr_m32,
	[HOP_DIV_M32] = h_div_m32, [HOP_DIVR_M32] = h_divr_m32,
	[HOP_ADD_M64] = h_add_m64, [HOP_MUL_M64] = h_mul_m64,
	[HOP_SUB_M64] = h_sub_m64, [HOP_SUBR_M64] = h_subr_m64,
	[HOP_DIV_M64] = h_div_m64, [HOP_DIVR_M64] = h_divr_m64,
	[HOP_ADD_I16] = h_add_i16, [HOP_MUL_I16] = h_mul_i16,
	[HOP_SUB_I16] = h_sub_i16, [HOP_SUBR_I16] = h_subr_i16,
	[HOP_DIV_I16] = h_div_i16, [HOP_DIVR_I16] = h_divr_i16,
	[HOP_ADD_I32] = h_add_i32, [HOP_MUL_I32] = h_mul_i32,
	[HOP_SUB_I32] = h_sub_i32, [HOP_SUBR_I32] = h_subr_i32,
	[HOP_DIV_I32] = h_div_i32, [HOP_DIVR_I32] = h_divr_i32,
	[HOP_COM] = h_com, [HOP_UCOM] = h_ucom, [HOP_COM_M32] = h_com_m32,
	[HOP_COM_M64] = h_com_m64, [HOP_COM_I16] = h_com_i16,
	[HOP_COM_I32] = h_com_i32, [HOP_COMI] = h_comi, [HOP_UCOMI] = h_ucomi,
	[HOP_TST] = h_tst,
	[HOP_LD_M32] = h_ld_m32, [HOP_LD_M64] = h_ld_m64,
	[HOP_ST_M32] = h_st_m32, [HOP_ST_M64] = h_st_m64,
	[HOP_IST_I16] = h_ist_i16, [HOP_IST_I32] = h_ist_i32,
	[HOP_IST_I64] = h_ist_i64, [HOP_ISTT_I16] = h_istt_i16,
	[HOP_ISTT_I32] = h_istt_i32, [HOP_ISTT_I64] = h_istt_i64,
	[HOP_BST] = h_bst,
	[HOP_SQRT] = h_fsqrt, [HOP_RNDINT] = h_frndint, [HOP_F2XM1] = h_f2xm1,
	[HOP_SIN] = h_fsin, [HOP_COS] = h_fcos,
	[HOP_SCALE] = h_fscale, [HOP_PREM] = h_fprem, [HOP_PREM1] = h_fprem1,
	[HOP_PATAN] = h_fpatan, [HOP_YL2X] = h_fyl2x, [HOP_YL2XP1] = h_fyl2xp1,
	[HOP_XTRACT] = h_fxtract, [HOP_SINCOS] = h_fsincos, [HOP_PTAN] = h_fptan,
	[HOP_LDPI] = h_fldpi, [HOP_LDL2E] = h_fldl2e, [HOP_LDL2T] = h_fldl2t,
	[HOP_LDLG2] = h_fldlg2, [HOP_LDLN2] = h_fldln2,
};

/* Pop what the stub left on the stack (unmasked exceptions leave
 * operands), clear any flag the pops raised, restore the control word. */
static void host_leave(struct x87_io *io)
{
	uint16_t sw;

	__asm__ volatile("fnstsw %0" : "=m"(sw));
	/* Popping valid registers raises nothing: one status read will do. */
	for (unsigned n = (8 - ((sw >> 11) & 7)) & 7; n; n--)
		__asm__ volatile("fstp %%st(0)" : : : "st");
	if (sw & FSW_CLEARED)
		__asm__ volatile("fnclex");
	__asm__ volatile("fldcw %0" : : "m"(io->host_cw));
}

void x87_host_run(enum x87_hop op, struct x87_io *io)
{
	uint16_t host_sw;

	io->cw_masked = FPU_FCW_FINIT;
	io->cf = io->zf = io->pf = 0;
	/*
	 * Fast path: no exception flag set (a precision flag aside, below)
	 * and TOP = 0 in the host's status word (the x86-64 ABI keeps the
	 * stack empty between C statements):
	 * the stub and host_leave() leave it so, restoring the control word.
	 * Only the condition codes C0-C3 keep the guest operation's values
	 * (host code never reads them outside an x87 compare sequence).
	 * Otherwise save the whole environment, start from FNINIT and
	 * restore the environment afterwards.
	 */
	__asm__ volatile("fnstsw %0" : "=m"(host_sw));
	if (__builtin_expect(!(host_sw & (FPU_FSW_TOP_MASK | FSW_CLEARED)), 1)) {
		/*
		 * A precision flag left set by an earlier run (DONE clears
		 * only the others) is exact to keep when the guest's status
		 * word has PE too and its control word masks it: the run's PE
		 * then adds nothing to the guest's flags, nothing reads a
		 * raised PE but the OR into them (commit, x87_raise_flags),
		 * and a masked PE cannot make an exception pending.  Else
		 * clear it first, so the run reports only its own flags.
		 */
		if ((host_sw & FSW_PE) && !(io->sw_in & io->cw & FSW_PE))
			__asm__ volatile("fnclex");
		host_ops[op](io);
		host_leave(io);
		return;
	}
	__asm__ volatile("fnstenv %0\n\tfninit" : "=m"(io->env));
	host_ops[op](io);
	host_leave(io);
	__asm__ volatile("fldenv %0" : : "m"(io->env));
}
