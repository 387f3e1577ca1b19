/* SPDX-License-Identifier: MIT */
/* Generator internals shared by gen.c (machinery) and gen_ops.c (units). */
#ifndef VMXBOX_TESTS_DIFFTEST_GEN_INT_H
#define VMXBOX_TESTS_DIFFTEST_GEN_INT_H

#include "dt.h"
#include "enc.h"
#include "rng.h"

#define RAX 0
#define RCX 1
#define RDX 2
#define RBX 3
#define RSP 4
#define RSI 6
#define RDI 7
#define BIT(r) (1u << (r))

#define GEN_MAX_UNIT 192
#define GEN_MAX_SETUP 8
#define GEN_MAX_PEND 64
#define GEN_MAX_STACK_OPS 48

struct gen_setup {
	int reg;
	uint64_t val;
};

struct gen_pend {
	uint32_t rel_off;     /* code offset of the rel8/rel32 field */
	uint32_t end_off;     /* offset of the next instruction */
	unsigned rel_size;
	int units_left;
	uint32_t mask;        /* defined flags on the taken path */
	bool resolve_here;
	bool absolute;        /* 4-byte absolute target address */
};

/* State saved and restored when a unit is regenerated. */
struct gen_undo {
	uint32_t defined;
	int pushes, pops;
	int npend;
};

struct gen {
	struct rng r;
	struct dt_case *c;
	uint32_t pos;              /* code offset of the unit being built */
	uint32_t defined;          /* status flags surely defined here */
	int pushes, pops;
	struct gen_pend pend[GEN_MAX_PEND];
	int npend;

	/* the unit being built */
	uint8_t ub[GEN_MAX_UNIT];
	uint32_t ulen;
	uint16_t uoff[16];
	uint16_t umask[16];         /* flags defined before each */
	unsigned un;
	struct gen_setup setup[GEN_MAX_SETUP];
	unsigned nsetup;
	bool overflow;
	bool no_riprel;            /* gen_mem: avoid RIP-relative forms */
	unsigned align;            /* gen_mem: target alignment (0 = any) */
};

/* machinery (gen.c) */
uint64_t gen_val(struct gen *g);
unsigned gen_size(struct gen *g);                 /* 1, 2, 4 or 8 */
unsigned gen_size_nb(struct gen *g);              /* 2, 4 or 8 */
int gen_reg(struct gen *g, unsigned size, bool write, uint32_t excl);
void gen_mem(struct gen *g, struct dt_rm *rm, unsigned size, uint32_t excl,
	     uint32_t lo, uint32_t hi);
void gen_rm(struct gen *g, struct dt_rm *rm, unsigned size, bool write,
	    uint32_t excl);
void gen_set_reg(struct gen *g, int reg, uint64_t val);
void gen_set_sized(struct gen *g, int reg, unsigned size, uint64_t val);
uint32_t gen_rm_regs(const struct dt_rm *rm);
void gen_flags(struct gen *g, uint32_t def, uint32_t undef);
void gen_need(struct gen *g, uint32_t flags);
bool gen_emit_modrm(struct gen *g, unsigned flags, unsigned size,
		    const uint8_t *op, unsigned oplen, int reg,
		    const struct dt_rm *rm, uint64_t imm, unsigned immsize);
bool gen_emit_plain(struct gen *g, unsigned flags, unsigned size,
		    const uint8_t *op, unsigned oplen, int rb, uint64_t imm,
		    unsigned immsize);
void gen_emit_jump(struct gen *g, const uint8_t *op, unsigned oplen,
		   unsigned rel_size, unsigned flags);
/* The last emitted instruction ends with a 4-byte absolute address of a
 * later unit (PUSH imm32 / MOV r32, imm32 before RET / JMP r / CALL r). */
void gen_pend_abs(struct gen *g);
uint32_t gen_cc_flags(unsigned cc);

/* units (gen_ops.c): pick and emit one; false = try another */
bool gen_unit(struct gen *g);
/* one MMX/SSE unit (gen_simd.c) */
bool gen_simd_unit(struct gen *g);
/* one x87 unit (gen_x87.c) */
bool gen_x87_unit(struct gen *g);

#endif
