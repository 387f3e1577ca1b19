/* SPDX-License-Identifier: MIT */
/*
 * The x87 instruction handlers' shared shape (private to exec_x87*.c):
 * one decode-table entry (struct x87_op: handler, operation, flags,
 * memory operand size) per opcode/ModRM form.  exec_x87.c holds the
 * tables, the dispatch and the arithmetic, compare and control handlers;
 * exec_x87_ldst.c the loads and stores (FLD/FILD/FBLD, FST/FIST/FISTTP/
 * FBSTP, the constants).
 */
#ifndef VMXBOX_ENGINE_INTERP_X87_OP_H
#define VMXBOX_ENGINE_INTERP_X87_OP_H

#include "engine/interp/x87.h"

struct x87_op;
typedef void (*x87_fn)(struct interp *ip, const struct insn *in,
		       const struct x87_op *d);

struct x87_op {
	x87_fn fn;
	uint8_t hop;            /* enum x87_hop, or a handler argument */
	uint8_t flags;
	uint8_t size;           /* memory operand bytes */
};

#define NOWAIT  0x01    /* does not take pending exceptions */
#define CONTROL 0x02    /* leaves FIP/FOP/FDP alone (SDM 8.1.8) */
#define POP     0x04
#define POP2    0x08
#define REV     0x10    /* register form with destination ST(i) */

static inline struct fpu_state *fpu(struct interp *ip)
{
	return &ip->s.fpu;
}

static inline unsigned rm_of(const struct insn *in)
{
	return in->zi.raw.modrm.rm;
}

/* exec_x87_ldst.c */
void x87_ld_mem(struct interp *ip, const struct insn *in,
		const struct x87_op *d);
void x87_ld80(struct interp *ip, const struct insn *in,
	      const struct x87_op *d);
void x87_ild(struct interp *ip, const struct insn *in,
	     const struct x87_op *d);
void x87_fbld(struct interp *ip, const struct insn *in,
	      const struct x87_op *d);
void x87_fld_sti(struct interp *ip, const struct insn *in,
		 const struct x87_op *d);
void x87_fld_const(struct interp *ip, const struct insn *in,
		   const struct x87_op *d);
void x87_st_mem(struct interp *ip, const struct insn *in,
		const struct x87_op *d);
void x87_st80(struct interp *ip, const struct insn *in,
	      const struct x87_op *d);
void x87_fst_sti(struct interp *ip, const struct insn *in,
		 const struct x87_op *d);

#endif
