/* SPDX-License-Identifier: MIT */
/*
 * A tiny x86-64 encoder for the instruction forms the generator emits:
 * legacy prefixes, REX, opcode, ModRM/SIB/displacement and immediate.
 */
#ifndef VMXBOX_TESTS_DIFFTEST_ENC_H
#define VMXBOX_TESTS_DIFFTEST_ENC_H

#include <stdbool.h>
#include <stdint.h>

#define R_NONE (-1)
#define R_RIP 16         /* as a base: RIP-relative, disp = target address */
#define R8_AH 16         /* byte registers 16..19 are AH, CH, DH, BH */

struct dt_mem {
	int base;            /* 0..15, R_NONE or R_RIP */
	int index;           /* 0..15 but not 4 (RSP), or R_NONE */
	unsigned scale;      /* 1, 2, 4, 8 */
	int64_t disp;        /* R_RIP: absolute target address */
	unsigned disp_size;  /* smallest size wanted: 0, 1 or 4 */
	bool addr32;         /* 0x67: 32-bit address size */
};

struct dt_rm {
	bool mem;
	int reg;             /* register when !mem */
	struct dt_mem m;
};

#define ENC_LOCK  0x01   /* F0 */
#define ENC_REP   0x02   /* F3 */
#define ENC_REPNE 0x04   /* F2 */
#define ENC_REG8  0x08   /* the ModRM reg field names a byte register */
#define ENC_RM8   0x10   /* the ModRM r/m field names a byte register */
#define ENC_NOW   0x20   /* 64-bit is the default operand size: no REX.W */
#define ENC_REX   0x40   /* emit a REX prefix even if no bit is needed */
#define ENC_A32   0x80   /* 0x67 without a memory operand (string ops) */
#define ENC_66    0x100  /* 0x66 as a mandatory prefix (SSE), any opsize */

struct enc {
	uint8_t b[16];
	unsigned n;
};

/*
 * opsize 1/2/4/8 selects the 66 prefix / REX.W; reg is the ModRM reg field
 * (a register, or an opcode extension /digit); addr is the address of the
 * instruction, needed for RIP-relative operands.  Returns false if the
 * combination cannot be encoded (AH..BH together with a REX prefix).
 */
bool enc_modrm(struct enc *e, uint64_t addr, unsigned flags, unsigned opsize,
	       const uint8_t *op, unsigned oplen, int reg,
	       const struct dt_rm *rm, uint64_t imm, unsigned immsize);

/* No ModRM.  rb >= 0 is added to the last opcode byte (REX.B for 8..15). */
bool enc_plain(struct enc *e, unsigned flags, unsigned opsize,
	       const uint8_t *op, unsigned oplen, int rb, uint64_t imm,
	       unsigned immsize);

#endif
