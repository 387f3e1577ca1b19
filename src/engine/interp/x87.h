/* SPDX-License-Identifier: MIT */
/*
 * The x87 FPU of the interpreter (exec_x87*.c, x87_*.c): register stack,
 * status/control/tag words, exception bookkeeping, and the two ways an
 * operation is carried out:
 *   - on the host's own x87 unit (x87_host.c) for every operation whose
 *     result the SDM defines exactly (IEEE 754 arithmetic, conversions,
 *     compares, FPREM/FSCALE/FXTRACT/FRNDINT): the guest's control word is
 *     loaded, the operation runs, the status word is read back; the host's
 *     own x87 environment is saved and restored around it.  These are the
 *     same on Intel and AMD hosts.
 *   - in software (x87_trans.c) for the transcendental instructions, whose
 *     results differ between host vendors: computed in binary128 and
 *     rounded once to the guest's precision and rounding control.
 * Everything else (stack, tags, FXCH, FLD/FST of registers, FXAM, the
 * environment and save-area layouts) is plain software.
 *
 * All state lives in ip->s.fpu (struct fpu_state, core/cpu_state.h).
 */
#ifndef VMXBOX_ENGINE_INTERP_X87_H
#define VMXBOX_ENGINE_INTERP_X87_H

#include <stdint.h>
#include <string.h>

#include "engine/interp/core.h"

/* Status word (SDM Vol. 1 8.1.3, Figure 8-4). */
#define FSW_IE 0x0001u
#define FSW_DE 0x0002u
#define FSW_ZE 0x0004u
#define FSW_OE 0x0008u
#define FSW_UE 0x0010u
#define FSW_PE 0x0020u
#define FSW_SF 0x0040u
#define FSW_ES 0x0080u
#define FSW_C0 0x0100u
#define FSW_C1 0x0200u
#define FSW_C2 0x0400u
#define FSW_C3 0x4000u
#define FSW_B  0x8000u
#define FSW_EXC 0x003fu         /* IE..PE, maskable by FCW bits 0-5 */
#define FSW_CC (FSW_C0 | FSW_C1 | FSW_C2 | FSW_C3)

/* Control word (SDM Vol. 1 8.1.5): bits 0-5 masks, 8-9 PC, 10-11 RC,
 * 12 X (infinity control, kept but ignored).  Bit 6 reads as 1, bits 7
 * and 13-15 as 0 (a host FLDCW 0xffff / FNSTCW returns 0x1f7f). */
#define FCW_WRITABLE 0x1f3fu
#define FCW_ONE      0x0040u

/* An 80-bit register value, in memory order (m80fp). */
struct f80 {
	uint64_t m;             /* significand, bit 63 = integer bit */
	uint16_t se;            /* sign (bit 15) and biased exponent */
};

#define F80_EXP(v) ((v).se & 0x7fffu)
#define F80_SIGN(v) ((v).se >> 15)

/* QNaN floating-point indefinite (SDM Vol. 1 4.8.3.7, Table 4-3). */
static const struct f80 f80_indefinite = { 0xc000000000000000ull, 0xffff };

/* ---- register stack ---------------------------------------------------- */

static inline unsigned x87_top(const struct fpu_state *f)
{
	return (f->fsw & FPU_FSW_TOP_MASK) >> FPU_FSW_TOP_SHIFT;
}

static inline void x87_set_top(struct fpu_state *f, unsigned top)
{
	f->fsw = (uint16_t)((f->fsw & ~FPU_FSW_TOP_MASK) |
			    ((top & 7) << FPU_FSW_TOP_SHIFT));
}

/* Physical register number of ST(i). */
static inline unsigned x87_phys(const struct fpu_state *f, unsigned i)
{
	return (x87_top(f) + i) & 7;
}

static inline bool x87_empty(const struct fpu_state *f, unsigned i)
{
	return !(f->ftw & (1u << x87_phys(f, i)));
}

static inline struct f80 x87_get(const struct fpu_state *f, unsigned i)
{
	const uint8_t *p = f->st[x87_phys(f, i)];
	struct f80 v;

	memcpy(&v.m, p, 8);
	memcpy(&v.se, p + 8, 2);
	return v;
}

/* Write ST(i) and tag it valid. */
static inline void x87_set(struct fpu_state *f, unsigned i, struct f80 v)
{
	unsigned r = x87_phys(f, i);

	memcpy(f->st[r], &v.m, 8);
	memcpy(f->st[r] + 8, &v.se, 2);
	f->ftw |= (uint8_t)(1u << r);
}

static inline void x87_pop(struct fpu_state *f)
{
	f->ftw &= (uint8_t)~(1u << x87_phys(f, 0));
	x87_set_top(f, x87_top(f) + 1);
}

static inline void x87_push(struct fpu_state *f, struct f80 v)
{
	x87_set_top(f, x87_top(f) - 1);
	x87_set(f, 0, v);
}

/* ES and B follow the unmasked exception flags (SDM Vol. 1 8.1.3.x). */
static inline void x87_update_es(struct fpu_state *f)
{
	if (f->fsw & ~f->fcw & FSW_EXC)
		f->fsw |= FSW_ES | FSW_B;
	else
		f->fsw &= (uint16_t)~(FSW_ES | FSW_B);
}

/* 2-bit tag of physical register r (SDM Vol. 1 8.1.7): 0 valid, 1 zero,
 * 2 special (NaN, infinity, denormal, unsupported), 3 empty. */
unsigned x87_tag_of(const struct fpu_state *f, unsigned r);
uint16_t x87_full_tag_word(const struct fpu_state *f);

/* ---- instruction helpers (x87_state.c) -------------------------------- */

/* Stack fault (#IS, SDM Vol. 1 8.5.1.1): IE and SF set, C1 = 1 for an
 * overflow, 0 for an underflow.  Returns true when IE is masked (the
 * caller then applies the masked response). */
bool x87_stack_fault(struct fpu_state *f, bool overflow);
/* Merge the exception flags an operation raised (IE..PE, SF) and
 * recompute ES/B. */
void x87_raise_flags(struct fpu_state *f, uint16_t flags);
/* Flags among f that stop the instruction when unmasked: no result is
 * written, nothing is popped (SDM Vol. 1 4.9.2, 8.5). */
static inline bool x87_unmasked(const struct fpu_state *f, uint16_t flags,
				uint16_t which)
{
	return (flags & ~f->fcw & which) != 0;
}
static inline void x87_set_c1(struct fpu_state *f, bool c1)
{
	f->fsw = (uint16_t)((f->fsw & ~FSW_C1) | (c1 ? FSW_C1 : 0));
}
/* A waiting instruction met an unmasked pending exception: #MF with
 * CR0.NE = 1, else the FERR# output (SDM Vol. 1 8.7, Vol. 3A 2.5). */
void x87_check_pending(struct interp *ip);
/* Record FIP/FCS/FOP (and FDP/FDS for a memory operand) of the current
 * non-control instruction (SDM Vol. 1 8.1.8, 8.1.9). */
void x87_note_insn(struct interp *ip, const struct insn *in);
/* Memory operand 0 of an x87 instruction. */
void x87_mem_read(struct interp *ip, const struct insn *in, void *buf,
		  unsigned len);
void x87_mem_write(struct interp *ip, const struct insn *in, const void *buf,
		   unsigned len);
/* Integer / packed BCD to double extended (exact). */
struct f80 x87_from_int(int64_t v);
struct f80 x87_from_bcd(const uint8_t bcd[10]);
/* FXAM's C3 C2 C0 class and C1 sign of ST(0) (SDM Vol. 2A FXAM). */
uint16_t x87_examine(const struct fpu_state *f);

/* Environment and save area (x87_env.c). */
void x87_fnstenv(struct interp *ip, const struct insn *in);
void x87_fldenv(struct interp *ip, const struct insn *in);
void x87_fnsave(struct interp *ip, const struct insn *in);
void x87_frstor(struct interp *ip, const struct insn *in);
/* FNINIT/FINIT state (SDM Vol. 1 8.1.x, Table 8-?): FCW 037FH, the rest 0. */
void x87_init(struct fpu_state *f);

/* ---- host execution (x87_host.c) -------------------------------------- */

/* Operand/result block of one host operation.  a: ST(0) or the
 * destination, b: the second register operand (ST(1) for two-operand
 * instructions), mem: the memory operand's bytes; r0/r1: ST(0)/ST(1)
 * after it.  sw: the host status word right after the operation, its
 * exception flags only those the operation raised.  cc: CF, ZF, PF of
 * FCOMI/FUCOMI (bits 0, 1, 2). */
struct x87_io {
	struct f80 a;
	struct f80 b;
	uint8_t mem[16];
	struct f80 r0;
	struct f80 r1;
	uint32_t env[8];        /* the host's own environment meanwhile */
	uint16_t cw;            /* the guest's control word */
	uint16_t sw;
	uint16_t cw_masked;     /* all exceptions masked (set by the runner) */
	uint8_t cf, zf, pf;
	uint8_t pad;
	uint16_t host_cw;        /* the host's control word meanwhile */
	uint16_t sw_in;          /* the guest's status word before (x87_io_guest) */
};

/* Start a host run for the guest state f: its control word, and its status
 * word, whose sticky precision flag lets the host's stay set (x87_host.c). */
static inline void x87_io_guest(struct x87_io *io, const struct fpu_state *f)
{
	io->cw = f->fcw;
	io->sw_in = f->fsw;
}

/* Host operations. */
enum x87_hop {
	/* ST(0) = a OP b (a destination, b source) and memory forms */
	HOP_ADD, HOP_MUL, HOP_SUB, HOP_SUBR, HOP_DIV, HOP_DIVR,
	HOP_ADD_M32, HOP_MUL_M32, HOP_SUB_M32, HOP_SUBR_M32, HOP_DIV_M32,
	HOP_DIVR_M32,
	HOP_ADD_M64, HOP_MUL_M64, HOP_SUB_M64, HOP_SUBR_M64, HOP_DIV_M64,
	HOP_DIVR_M64,
	HOP_ADD_I16, HOP_MUL_I16, HOP_SUB_I16, HOP_SUBR_I16, HOP_DIV_I16,
	HOP_DIVR_I16,
	HOP_ADD_I32, HOP_MUL_I32, HOP_SUB_I32, HOP_SUBR_I32, HOP_DIV_I32,
	HOP_DIVR_I32,
	/* compares of a with b / memory: condition codes or CF ZF PF */
	HOP_COM, HOP_UCOM, HOP_COM_M32, HOP_COM_M64, HOP_COM_I16, HOP_COM_I32,
	HOP_COMI, HOP_UCOMI, HOP_TST,
	/* loads into r0 */
	HOP_LD_M32, HOP_LD_M64,
	/* stores of a into mem */
	HOP_ST_M32, HOP_ST_M64, HOP_IST_I16, HOP_IST_I32, HOP_IST_I64,
	HOP_ISTT_I16, HOP_ISTT_I32, HOP_ISTT_I64, HOP_BST,
	/* r0 = f(a) */
	HOP_SQRT, HOP_RNDINT, HOP_F2XM1, HOP_SIN, HOP_COS,
	/* r0 = f(a, b), b = ST(1) */
	HOP_SCALE, HOP_PREM, HOP_PREM1,
	/* r0 = ST(1) op ST(0) after a pop: b = ST(1), a = ST(0) */
	HOP_PATAN, HOP_YL2X, HOP_YL2XP1,
	/* two results r0 (new ST0), r1 (new ST1) from a */
	HOP_XTRACT, HOP_SINCOS, HOP_PTAN,
	/* constants into r0 */
	HOP_LDPI, HOP_LDL2E, HOP_LDL2T, HOP_LDLG2, HOP_LDLN2,
	HOP_COUNT
};

/* Run op on the host with io->cw as control word; fills io->sw and the
 * results.  The host's x87 environment is unchanged afterwards. */
void x87_host_run(enum x87_hop op, struct x87_io *io);

/* ---- transcendental functions in software (x87_trans.c) --------------- */

/* For an op whose host result is finite and whose operands raised no
 * invalid/zero-divide exception, recompute the values of io->r0/r1 (as
 * the host placed them) and their PE/UE/OE/C1 bits in io->sw. */
void x87_trans_fix(enum x87_hop op, struct x87_io *io);

#endif
