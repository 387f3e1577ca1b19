/* SPDX-License-Identifier: MIT */
/* What the generator's unit files share (gen_ops.c, gen_ops_move.c). */
#ifndef VMXBOX_TESTS_DIFFTEST_GEN_UNITS_H
#define VMXBOX_TESTS_DIFFTEST_GEN_UNITS_H

#include "gen_int.h"

#define ALL DT_STATUS_FLAGS
#define CF DT_FLAG_CF
#define PF DT_FLAG_PF
#define AF DT_FLAG_AF
#define ZF DT_FLAG_ZF
#define SF DT_FLAG_SF
#define OF DT_FLAG_OF

static inline unsigned b8(unsigned size)
{
	return size == 1 ? ENC_REG8 | ENC_RM8 : 0;
}

static inline unsigned rm8(unsigned size)
{
	return size == 1 ? ENC_RM8 : 0;
}

/* Immediate bytes for an operand size (64-bit ops take imm32, SDM 2.2.1.5). */
static inline unsigned isz(unsigned size)
{
	return size == 8 ? 4 : size;
}

static inline unsigned lock_if(struct gen *g, const struct dt_rm *rm)
{
	return rm->mem && rng_one_in(&g->r, 4) ? ENC_LOCK : 0;
}

/* Units of gen_ops_move.c (data movement, stack, strings, control transfer). */
bool gen_u_mov(struct gen *g);
bool gen_u_lea(struct gen *g);
bool gen_u_xchg(struct gen *g);
bool gen_u_bswap(struct gen *g);
bool gen_u_cbw(struct gen *g);
bool gen_u_flagop(struct gen *g);
bool gen_u_stack(struct gen *g);
bool gen_u_string(struct gen *g);
bool gen_u_jump(struct gen *g);
bool gen_u_popf(struct gen *g);
bool gen_u_xlat_moffs(struct gen *g);
bool gen_u_cmpxchg8b(struct gen *g);
bool gen_u_xfer(struct gen *g);

#endif
