// SPDX-License-Identifier: MIT
/*
 * x87 FPU instructions (ESC opcodes D8-DF, SDM Vol. 2 and Vol. 1 ch. 8):
 * decoded from the opcode's low three bits and the ModRM byte through two
 * tables (memory forms by ModRM.reg; register forms by ModRM.reg, some by
 * ModRM.rm), as the SDM's opcode map (Vol. 2D A.2.7) lists them.
 *
 * Every instruction first makes the CR0.EM/TS check (#NM, fpu_gate.c);
 * "waiting" instructions (all but FNINIT, FNCLEX, FNSTCW, FNSTSW,
 * FNSTENV, FNSAVE and the 8087/287 legacy no-ops) then take a pending
 * unmasked exception (#MF or FERR#, x87_state.c).  Non-control
 * instructions record FIP/FCS/FOP and, with a memory operand, FDP/FDS.
 *
 * Stack faults, tags and the masked responses are handled here; the
 * numeric work runs on the host x87 (x87_host.c) or in software
 * (x87_trans.c).  Results reach the state only after the last access that
 * can fault (memory stores are written before the stack is popped).  The
 * loads and stores are in exec_x87_ldst.c, the table entry in x87_op.h.
 */
#include "engine/interp/x87_op.h"

/* Take flags from a host run; write the result unless an unmasked #I,
 * #D or #Z stopped the instruction.  ccmask: condition bits it defines. */
static bool commit(struct fpu_state *f, const struct x87_io *io,
		   unsigned dst, uint16_t ccmask)
{
	bool ok = !x87_unmasked(f, io->sw, FSW_IE | FSW_DE | FSW_ZE);

	if (ok) {
		x87_set(f, dst, io->r0);
		f->fsw = (uint16_t)((f->fsw & ~ccmask) | (io->sw & ccmask));
	}
	x87_raise_flags(f, io->sw);
	return ok;
}

/* ---- arithmetic -------------------------------------------------------- */

static void arith_reg(struct interp *ip, const struct insn *in,
		      const struct x87_op *d)
{
	struct fpu_state *f = fpu(ip);
	unsigned dst = (d->flags & REV) ? rm_of(in) : 0;
	unsigned src = (d->flags & REV) ? 0 : rm_of(in);
	struct x87_io io;

	if (x87_empty(f, dst) || x87_empty(f, src)) {
		if (x87_stack_fault(f, false)) {
			x87_set(f, dst, f80_indefinite);
			if (d->flags & POP)
				x87_pop(f);
		}
		return;
	}
	io.a = x87_get(f, dst);
	io.b = x87_get(f, src);
	x87_io_guest(&io, f);
	x87_host_run(d->hop, &io);
	if (commit(f, &io, dst, FSW_C1) && (d->flags & POP))
		x87_pop(f);
}

static void arith_mem(struct interp *ip, const struct insn *in,
		      const struct x87_op *d)
{
	struct fpu_state *f = fpu(ip);
	struct x87_io io;

	x87_mem_read(ip, in, io.mem, d->size);
	if (x87_empty(f, 0)) {
		if (x87_stack_fault(f, false))
			x87_set(f, 0, f80_indefinite);
		return;
	}
	io.a = x87_get(f, 0);
	x87_io_guest(&io, f);
	x87_host_run(d->hop, &io);
	commit(f, &io, 0, FSW_C1);
}

/* ---- compares ---------------------------------------------------------- */

static void set_cc(struct fpu_state *f, uint16_t cc)
{
	f->fsw = (uint16_t)((f->fsw & ~FSW_CC) | cc);
}

static void pops(struct fpu_state *f, uint8_t flags)
{
	if (flags & (POP | POP2))
		x87_pop(f);
	if (flags & POP2)
		x87_pop(f);
}

/* FCOM, FCOMP, FCOMPP, FUCOM.., FICOM.. and FTST: C3 C2 C0 (C1 = 0). */
static void compare(struct interp *ip, const struct insn *in,
		    const struct x87_op *d, bool two)
{
	struct fpu_state *f = fpu(ip);
	unsigned i = (d->flags & POP2) ? 1 : rm_of(in);
	struct x87_io io;

	if (in->zi.raw.modrm.mod != 3 && d->size)
		x87_mem_read(ip, in, io.mem, d->size);
	if (x87_empty(f, 0) || (two && x87_empty(f, i))) {
		if (x87_stack_fault(f, false)) {
			set_cc(f, FSW_C3 | FSW_C2 | FSW_C0);
			pops(f, d->flags);
		}
		return;
	}
	io.a = x87_get(f, 0);
	if (two)
		io.b = x87_get(f, i);
	x87_io_guest(&io, f);
	x87_host_run(d->hop, &io);
	if (!x87_unmasked(f, io.sw, FSW_IE | FSW_DE)) {
		set_cc(f, io.sw & (FSW_C3 | FSW_C2 | FSW_C0));
		pops(f, d->flags);
	}
	x87_raise_flags(f, io.sw);
}

static void com_reg(struct interp *ip, const struct insn *in,
		    const struct x87_op *d)
{
	compare(ip, in, d, true);
}

static void com_mem(struct interp *ip, const struct insn *in,
		    const struct x87_op *d)
{
	compare(ip, in, d, false);
}

/* FCOMI/FCOMIP/FUCOMI/FUCOMIP: ZF PF CF, OF SF AF cleared. */
static void comi(struct interp *ip, const struct insn *in,
		 const struct x87_op *d)
{
	struct fpu_state *f = fpu(ip);
	unsigned i = rm_of(in);
	uint64_t fl = 0;
	struct x87_io io;

	if (x87_empty(f, 0) || x87_empty(f, i)) {
		if (x87_stack_fault(f, false)) {
			flags_set(ip, FLAGS_ARITH,
				  RFLAGS_ZF | RFLAGS_PF | RFLAGS_CF);
			pops(f, d->flags);
		}
		return;
	}
	io.a = x87_get(f, 0);
	io.b = x87_get(f, i);
	x87_io_guest(&io, f);
	x87_host_run(d->hop, &io);
	if (!x87_unmasked(f, io.sw, FSW_IE | FSW_DE)) {
		fl = (io.cf ? RFLAGS_CF : 0) | (io.zf ? RFLAGS_ZF : 0) |
		     (io.pf ? RFLAGS_PF : 0);
		flags_set(ip, FLAGS_ARITH, fl);
		x87_set_c1(f, false);
		pops(f, d->flags);
	}
	x87_raise_flags(f, io.sw);
}

static void fxam(struct interp *ip, const struct insn *in,
		 const struct x87_op *d)
{
	set_cc(fpu(ip), x87_examine(fpu(ip)));
}

/* ---- ST(0) operations ---------------------------------------------------- */

static bool st0_underflow(struct fpu_state *f)
{
	if (!x87_empty(f, 0))
		return false;
	if (x87_stack_fault(f, false))
		x87_set(f, 0, f80_indefinite);
	return true;
}

static void sign_op(struct interp *ip, const struct insn *in,
		    const struct x87_op *d)
{
	struct fpu_state *f = fpu(ip);
	struct f80 v;

	if (st0_underflow(f))
		return;
	v = x87_get(f, 0);
	v.se = d->hop ? (uint16_t)(v.se & 0x7fff) : (uint16_t)(v.se ^ 0x8000);
	x87_set(f, 0, v);
	x87_set_c1(f, false);
}

static bool is_trans(unsigned hop)
{
	return hop == HOP_F2XM1 || hop == HOP_SIN || hop == HOP_COS ||
	       hop == HOP_PATAN || hop == HOP_YL2X || hop == HOP_YL2XP1 ||
	       hop == HOP_SINCOS || hop == HOP_PTAN;
}

static void run_op(unsigned hop, struct x87_io *io)
{
	x87_host_run(hop, io);
	if (is_trans(hop))
		x87_trans_fix(hop, io);
}

/* FSQRT FRNDINT F2XM1 FSIN FCOS: ST(0) = f(ST(0)); size = cc mask. */
static void unary(struct interp *ip, const struct insn *in,
		  const struct x87_op *d)
{
	struct fpu_state *f = fpu(ip);
	struct x87_io io;

	if (st0_underflow(f))
		return;
	io.a = x87_get(f, 0);
	x87_io_guest(&io, f);
	run_op(d->hop, &io);
	commit(f, &io, 0, (d->hop == HOP_SIN || d->hop == HOP_COS) ?
			  FSW_C1 | FSW_C2 : FSW_C1);
}

/* FSCALE FPREM FPREM1: ST(0) = f(ST(0), ST(1)). */
static void binary(struct interp *ip, const struct insn *in,
		   const struct x87_op *d)
{
	struct fpu_state *f = fpu(ip);
	struct x87_io io;

	if (x87_empty(f, 0) || x87_empty(f, 1)) {
		if (x87_stack_fault(f, false))
			x87_set(f, 0, f80_indefinite);
		return;
	}
	io.a = x87_get(f, 0);
	io.b = x87_get(f, 1);
	x87_io_guest(&io, f);
	x87_host_run(d->hop, &io);
	commit(f, &io, 0, d->hop == HOP_SCALE ? FSW_C1 : FSW_CC);
}

/* FPATAN FYL2X FYL2XP1: ST(1) = f(ST(1), ST(0)), pop. */
static void binary_pop(struct interp *ip, const struct insn *in,
		       const struct x87_op *d)
{
	struct fpu_state *f = fpu(ip);
	struct x87_io io;

	if (x87_empty(f, 0) || x87_empty(f, 1)) {
		if (x87_stack_fault(f, false)) {
			x87_set(f, 1, f80_indefinite);
			x87_pop(f);
		}
		return;
	}
	io.a = x87_get(f, 0);
	io.b = x87_get(f, 1);
	x87_io_guest(&io, f);
	run_op(d->hop, &io);
	if (commit(f, &io, 1, FSW_C1))
		x87_pop(f);
}

/* FXTRACT FSINCOS FPTAN: ST(0) = r1, then push r0. */
static void two_out(struct interp *ip, const struct insn *in,
		    const struct x87_op *d)
{
	struct fpu_state *f = fpu(ip);
	bool c2 = d->hop != HOP_XTRACT;
	struct x87_io io;

	if (x87_empty(f, 0) || !x87_empty(f, 7)) {
		if (x87_stack_fault(f, !x87_empty(f, 0))) {
			x87_set(f, 0, f80_indefinite);
			x87_push(f, f80_indefinite);
		}
		return;
	}
	io.a = x87_get(f, 0);
	x87_io_guest(&io, f);
	run_op(d->hop, &io);
	if (!x87_unmasked(f, io.sw, FSW_IE | FSW_DE | FSW_ZE)) {
		uint16_t cc = c2 ? FSW_C1 | FSW_C2 : FSW_C1;

		f->fsw = (uint16_t)((f->fsw & ~cc) | (io.sw & cc));
		if (!(c2 && (io.sw & FSW_C2))) {
			x87_set(f, 0, io.r1);
			x87_push(f, io.r0);
		}
	}
	x87_raise_flags(f, io.sw);
}

/* ---- register and stack management -------------------------------------- */

static void fxch(struct interp *ip, const struct insn *in,
		 const struct x87_op *d)
{
	struct fpu_state *f = fpu(ip);
	unsigned i = rm_of(in);
	struct f80 a = x87_get(f, 0), b = x87_get(f, i);

	if (x87_empty(f, 0) || x87_empty(f, i)) {
		if (!x87_stack_fault(f, false))
			return;
		if (x87_empty(f, 0))
			a = f80_indefinite;
		if (x87_empty(f, i))
			b = f80_indefinite;
	} else {
		x87_set_c1(f, false);
	}
	x87_set(f, 0, b);
	x87_set(f, i, a);
}

/* FCMOVcc: hop = 0..3 B E BE U, 4..7 their negations (DA / DB). */
static void fcmov(struct interp *ip, const struct insn *in,
		  const struct x87_op *d)
{
	static const uint8_t jcc_of[4] = { 0x2, 0x4, 0x6, 0xa }; /* B E BE P */
	struct fpu_state *f = fpu(ip);
	unsigned i = rm_of(in);
	unsigned cc = jcc_of[d->hop & 3] | (d->hop >> 2);

	if (x87_empty(f, 0) || x87_empty(f, i)) {
		if (x87_stack_fault(f, false))
			x87_set(f, 0, f80_indefinite);
		return;
	}
	if (cond_true(ip->s.rflags, cc))
		x87_set(f, 0, x87_get(f, i));
}

static void ffree(struct interp *ip, const struct insn *in,
		  const struct x87_op *d)
{
	struct fpu_state *f = fpu(ip);

	f->ftw &= (uint8_t)~(1u << x87_phys(f, rm_of(in)));
	if (d->flags & POP)
		x87_pop(f);
}

static void top_move(struct interp *ip, const struct insn *in,
		      const struct x87_op *d)
{
	struct fpu_state *f = fpu(ip);

	x87_set_top(f, x87_top(f) + (d->hop ? 1 : 7));
	x87_set_c1(f, false);
}

static void fnop(struct interp *ip, const struct insn *in,
		 const struct x87_op *d)
{
}

/* ---- control ----------------------------------------------------------- */

static void fninit(struct interp *ip, const struct insn *in,
		   const struct x87_op *d)
{
	x87_init(fpu(ip));
}

static void fnclex(struct interp *ip, const struct insn *in,
		   const struct x87_op *d)
{
	fpu(ip)->fsw &= (uint16_t)~(FSW_EXC | FSW_SF | FSW_ES | FSW_B);
}

static void fldcw(struct interp *ip, const struct insn *in,
		  const struct x87_op *d)
{
	uint8_t b[2];

	x87_mem_read(ip, in, b, 2);
	fpu(ip)->fcw = (uint16_t)(((b[0] | b[1] << 8) & FCW_WRITABLE) |
				  FCW_ONE);
	x87_update_es(fpu(ip));
}

static void store16(struct interp *ip, const struct insn *in, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)v, (uint8_t)(v >> 8) };

	x87_mem_write(ip, in, b, 2);
}

static void fnstcw(struct interp *ip, const struct insn *in,
		   const struct x87_op *d)
{
	store16(ip, in, fpu(ip)->fcw);
}

static void fnstsw(struct interp *ip, const struct insn *in,
		   const struct x87_op *d)
{
	store16(ip, in, fpu(ip)->fsw);
}

static void fnstsw_ax(struct interp *ip, const struct insn *in,
		      const struct x87_op *d)
{
	uint64_t *rax = &ip->s.gpr[GPR_RAX];

	*rax = (*rax & ~0xffffull) | fpu(ip)->fsw;
}

#define ENV(fn_) static void env_##fn_(struct interp *ip,		\
		const struct insn *in, const struct x87_op *d)		\
	{ x87_##fn_(ip, in); }
ENV(fnstenv)
ENV(fldenv)
ENV(fnsave)
ENV(frstor)

/* ---- tables -------------------------------------------------------------- */

#define ARM(h, sz) { arith_mem, h, 0, sz }
#define CPM(h, fl, sz) { com_mem, h, fl, sz }
#define ARR(h, fl) { arith_reg, h, fl, 0 }
#define CTL(f_, fl, sz) { f_, 0, CONTROL | (fl), sz }

/* Memory forms: [opcode & 7][ModRM.reg] (SDM Vol. 2D Table A-7..A-22). */
static const struct x87_op mem_ops[8][8] = {
	{ ARM(HOP_ADD_M32, 4), ARM(HOP_MUL_M32, 4), CPM(HOP_COM_M32, 0, 4),
	  CPM(HOP_COM_M32, POP, 4), ARM(HOP_SUB_M32, 4),
	  ARM(HOP_SUBR_M32, 4), ARM(HOP_DIV_M32, 4), ARM(HOP_DIVR_M32, 4) },
	{ { x87_ld_mem, HOP_LD_M32, 0, 4 }, { 0 },
	  { x87_st_mem, HOP_ST_M32, 0, 4 }, { x87_st_mem, HOP_ST_M32, POP, 4 },
	  CTL(env_fldenv, 0, 0), CTL(fldcw, 0, 2),
	  CTL(env_fnstenv, NOWAIT, 0), CTL(fnstcw, NOWAIT, 2) },
	{ ARM(HOP_ADD_I32, 4), ARM(HOP_MUL_I32, 4), CPM(HOP_COM_I32, 0, 4),
	  CPM(HOP_COM_I32, POP, 4), ARM(HOP_SUB_I32, 4),
	  ARM(HOP_SUBR_I32, 4), ARM(HOP_DIV_I32, 4), ARM(HOP_DIVR_I32, 4) },
	{ { x87_ild, 0, 0, 4 }, { x87_st_mem, HOP_ISTT_I32, POP, 4 },
	  { x87_st_mem, HOP_IST_I32, 0, 4 }, { x87_st_mem, HOP_IST_I32, POP, 4 },
	  { 0 }, { x87_ld80, 0, 0, 10 }, { 0 }, { x87_st80, 0, POP, 10 } },
	{ ARM(HOP_ADD_M64, 8), ARM(HOP_MUL_M64, 8), CPM(HOP_COM_M64, 0, 8),
	  CPM(HOP_COM_M64, POP, 8), ARM(HOP_SUB_M64, 8),
	  ARM(HOP_SUBR_M64, 8), ARM(HOP_DIV_M64, 8), ARM(HOP_DIVR_M64, 8) },
	{ { x87_ld_mem, HOP_LD_M64, 0, 8 }, { x87_st_mem, HOP_ISTT_I64, POP, 8 },
	  { x87_st_mem, HOP_ST_M64, 0, 8 }, { x87_st_mem, HOP_ST_M64, POP, 8 },
	  CTL(env_frstor, 0, 0), { 0 },
	  CTL(env_fnsave, NOWAIT, 0), CTL(fnstsw, NOWAIT, 2) },
	{ ARM(HOP_ADD_I16, 2), ARM(HOP_MUL_I16, 2), CPM(HOP_COM_I16, 0, 2),
	  CPM(HOP_COM_I16, POP, 2), ARM(HOP_SUB_I16, 2),
	  ARM(HOP_SUBR_I16, 2), ARM(HOP_DIV_I16, 2), ARM(HOP_DIVR_I16, 2) },
	{ { x87_ild, 0, 0, 2 }, { x87_st_mem, HOP_ISTT_I16, POP, 2 },
	  { x87_st_mem, HOP_IST_I16, 0, 2 }, { x87_st_mem, HOP_IST_I16, POP, 2 },
	  { x87_fbld, 0, 0, 10 }, { x87_ild, 0, 0, 8 },
	  { x87_st_mem, HOP_BST, POP, 10 }, { x87_st_mem, HOP_IST_I64, POP, 8 } },
};

/* Register forms selected by ModRM.rm: D9 E0.., D9 E8.., D9 F0.., D9 F8..,
 * DB E0.., and the single-encoding ones. */
static const struct x87_op d9_d0[8] = { { fnop, 0, 0, 0 } };
static const struct x87_op d9_e0[8] = {
	{ sign_op, 0, 0, 0 }, { sign_op, 1, 0, 0 }, { 0 }, { 0 },
	{ com_mem, HOP_TST, 0, 0 }, { fxam, 0, 0, 0 },
};
static const struct x87_op d9_e8[8] = {
	{ x87_fld_const, HOP_COUNT, 0, 1 }, { x87_fld_const, HOP_LDL2T, 0, 0 },
	{ x87_fld_const, HOP_LDL2E, 0, 0 }, { x87_fld_const, HOP_LDPI, 0, 0 },
	{ x87_fld_const, HOP_LDLG2, 0, 0 }, { x87_fld_const, HOP_LDLN2, 0, 0 },
	{ x87_fld_const, HOP_COUNT, 0, 0 },
};
static const struct x87_op d9_f0[8] = {
	{ unary, HOP_F2XM1, 0, 0 }, { binary_pop, HOP_YL2X, 0, 0 },
	{ two_out, HOP_PTAN, 0, 0 }, { binary_pop, HOP_PATAN, 0, 0 },
	{ two_out, HOP_XTRACT, 0, 0 }, { binary, HOP_PREM1, 0, 0 },
	{ top_move, 0, 0, 0 }, { top_move, 1, 0, 0 },
};
static const struct x87_op d9_f8[8] = {
	{ binary, HOP_PREM, 0, 0 }, { binary_pop, HOP_YL2XP1, 0, 0 },
	{ unary, HOP_SQRT, 0, 0 }, { two_out, HOP_SINCOS, 0, 0 },
	{ unary, HOP_RNDINT, 0, 0 }, { binary, HOP_SCALE, 0, 0 },
	{ unary, HOP_SIN, 0, 0 }, { unary, HOP_COS, 0, 0 },
};
/* FENI/FDISI/FSETPM are no-ops since the 80387 */
static const struct x87_op db_e0[8] = {
	CTL(fnop, NOWAIT, 0), CTL(fnop, NOWAIT, 0), CTL(fnclex, NOWAIT, 0),
	CTL(fninit, NOWAIT, 0), CTL(fnop, NOWAIT, 0),
};
static const struct x87_op da_e8[8] = {
	[1] = { com_reg, HOP_UCOM, POP2, 0 },
};
static const struct x87_op de_d8[8] = {
	[1] = { com_reg, HOP_COM, POP2, 0 },
};
static const struct x87_op df_e0[8] = { CTL(fnstsw_ax, NOWAIT, 0) };

struct x87_row {
	struct x87_op op;
	const struct x87_op *by_rm;
};

#define R(x) { x, NULL }
#define RM(t) { { 0 }, t }

/* Register forms: [opcode & 7][ModRM.reg]. */
static const struct x87_row reg_ops[8][8] = {
	{ R(ARR(HOP_ADD, 0)), R(ARR(HOP_MUL, 0)),
	  R(((struct x87_op){ com_reg, HOP_COM, 0, 0 })),
	  R(((struct x87_op){ com_reg, HOP_COM, POP, 0 })),
	  R(ARR(HOP_SUB, 0)), R(ARR(HOP_SUBR, 0)), R(ARR(HOP_DIV, 0)),
	  R(ARR(HOP_DIVR, 0)) },
	{ R(((struct x87_op){ x87_fld_sti, 0, 0, 0 })),
	  R(((struct x87_op){ fxch, 0, 0, 0 })), RM(d9_d0),
	  R(((struct x87_op){ x87_fst_sti, 0, POP, 0 })),
	  RM(d9_e0), RM(d9_e8), RM(d9_f0), RM(d9_f8) },
	{ R(((struct x87_op){ fcmov, 0, 0, 0 })),
	  R(((struct x87_op){ fcmov, 1, 0, 0 })),
	  R(((struct x87_op){ fcmov, 2, 0, 0 })),
	  R(((struct x87_op){ fcmov, 3, 0, 0 })), R({ 0 }), RM(da_e8) },
	{ R(((struct x87_op){ fcmov, 4, 0, 0 })),
	  R(((struct x87_op){ fcmov, 5, 0, 0 })),
	  R(((struct x87_op){ fcmov, 6, 0, 0 })),
	  R(((struct x87_op){ fcmov, 7, 0, 0 })), RM(db_e0),
	  R(((struct x87_op){ comi, HOP_UCOMI, 0, 0 })),
	  R(((struct x87_op){ comi, HOP_COMI, 0, 0 })) },
	{ R(ARR(HOP_ADD, REV)), R(ARR(HOP_MUL, REV)),
	  R(((struct x87_op){ com_reg, HOP_COM, 0, 0 })),
	  R(((struct x87_op){ com_reg, HOP_COM, POP, 0 })),
	  R(ARR(HOP_SUBR, REV)), R(ARR(HOP_SUB, REV)), R(ARR(HOP_DIVR, REV)),
	  R(ARR(HOP_DIV, REV)) },
	{ R(((struct x87_op){ ffree, 0, 0, 0 })),
	  R(((struct x87_op){ fxch, 0, 0, 0 })),
	  R(((struct x87_op){ x87_fst_sti, 0, 0, 0 })),
	  R(((struct x87_op){ x87_fst_sti, 0, POP, 0 })),
	  R(((struct x87_op){ com_reg, HOP_UCOM, 0, 0 })),
	  R(((struct x87_op){ com_reg, HOP_UCOM, POP, 0 })) },
	{ R(ARR(HOP_ADD, REV | POP)), R(ARR(HOP_MUL, REV | POP)),
	  R(((struct x87_op){ com_reg, HOP_COM, POP, 0 })), RM(de_d8),
	  R(ARR(HOP_SUBR, REV | POP)), R(ARR(HOP_SUB, REV | POP)),
	  R(ARR(HOP_DIVR, REV | POP)), R(ARR(HOP_DIV, REV | POP)) },
	{ R(((struct x87_op){ ffree, 0, POP, 0 })),
	  R(((struct x87_op){ fxch, 0, 0, 0 })),
	  R(((struct x87_op){ x87_fst_sti, 0, POP, 0 })),
	  R(((struct x87_op){ x87_fst_sti, 0, POP, 0 })), RM(df_e0),
	  R(((struct x87_op){ comi, HOP_UCOMI, POP, 0 })),
	  R(((struct x87_op){ comi, HOP_COMI, POP, 0 })) },
};

static const struct x87_op *lookup(const struct insn *in)
{
	unsigned esc = in->zi.opcode & 7, reg = in->zi.raw.modrm.reg;
	const struct x87_row *row;

	if (in->zi.raw.modrm.mod != 3)
		return &mem_ops[esc][reg];
	row = &reg_ops[esc][reg];
	return row->by_rm ? &row->by_rm[rm_of(in)] : &row->op;
}

static void exec_x87(struct interp *ip, const struct insn *in)
{
	const struct x87_op *d = lookup(in);

	/* #NM first: with CR0.EM an OS emulates the x87 (also a CPU model
	 * without one, `--cpu=-fpu`); then #UD for a missing x87 or an
	 * undefined encoding. */
	interp_fpu_gate_x87(ip);
	if (!d->fn || !cpu_has(&ip->cfg.model, X86_FEAT_FPU))
		interp_raise(ip, X86_UD);
	if (!(d->flags & NOWAIT))
		x87_check_pending(ip);
	d->fn(ip, in, d);
	if (!(d->flags & CONTROL))
		x87_note_insn(ip, in);
}

/* WAIT/FWAIT: #NM with CR0.MP and TS, then a pending #MF. */
static void exec_fwait(struct interp *ip, const struct insn *in)
{
	interp_fpu_gate_wait(ip);
	x87_check_pending(ip);
}

#define X(m) { ZYDIS_MNEMONIC_##m, exec_x87, { 0 } }
const struct exec_entry exec_x87_table[] = {
	X(F2XM1), X(FABS), X(FADD), X(FADDP), X(FBLD), X(FBSTP), X(FCHS),
	X(FCMOVB), X(FCMOVBE), X(FCMOVE), X(FCMOVNB), X(FCMOVNBE),
	X(FCMOVNE), X(FCMOVNU), X(FCMOVU), X(FCOM), X(FCOMI), X(FCOMIP),
	X(FCOMP), X(FCOMPP), X(FCOS), X(FDECSTP), X(FDISI8087_NOP), X(FDIV),
	X(FDIVP), X(FDIVR), X(FDIVRP), X(FENI8087_NOP), X(FFREE), X(FFREEP),
	X(FIADD), X(FICOM), X(FICOMP), X(FIDIV), X(FIDIVR), X(FILD),
	X(FIMUL), X(FINCSTP), X(FIST), X(FISTP), X(FISTTP), X(FISUB),
	X(FISUBR), X(FLD), X(FLD1), X(FLDCW), X(FLDENV), X(FLDL2E),
	X(FLDL2T), X(FLDLG2), X(FLDLN2), X(FLDPI), X(FLDZ), X(FMUL), X(FMULP),
	X(FNCLEX), X(FNINIT), X(FNOP), X(FNSAVE), X(FNSTCW), X(FNSTENV),
	X(FNSTSW), X(FPATAN), X(FPREM), X(FPREM1), X(FPTAN), X(FRNDINT),
	X(FRSTOR), X(FSCALE), X(FSETPM287_NOP), X(FSIN), X(FSINCOS), X(FSQRT),
	X(FST), X(FSTP), X(FSTPNCE), X(FSUB), X(FSUBP), X(FSUBR), X(FSUBRP),
	X(FTST), X(FUCOM), X(FUCOMI), X(FUCOMIP), X(FUCOMP), X(FUCOMPP),
	X(FXAM), X(FXCH), X(FXTRACT), X(FYL2X), X(FYL2XP1),
	{ ZYDIS_MNEMONIC_FWAIT, exec_fwait, { 0 } },
	{ 0, NULL, { 0 } },
};
