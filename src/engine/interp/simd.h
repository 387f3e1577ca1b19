/* SPDX-License-Identifier: MIT */
/*
 * MMX and SSE..SSE4.2 in the interpreter: what exec_simd_*.c and
 * exec_sse_*.c share.  State lives in s.fpu (core/cpu_state.h): XMMi is
 * xmm[i], MMi is the 64-bit significand of the physical x87 register Ri.
 *
 * Every handler starts with simd_enter() (CPUID was checked at decode
 * time, simd.c chose #UD there) and ends with simd_done() after its last
 * write; operands are read and written through simd_read/simd_write.
 */
#ifndef VMXBOX_ENGINE_INTERP_SIMD_H
#define VMXBOX_ENGINE_INTERP_SIMD_H

#include <string.h>

#include "engine/interp/core.h"

typedef union v128 {
	uint8_t b[16];
	int8_t sb[16];
	uint16_t w[8];
	int16_t sw[8];
	uint32_t d[4];
	int32_t sd[4];
	uint64_t q[2];
	int64_t sq[2];
} v128;

/* in->simd: properties of the decoded form (simd_classify, decode time). */
#define SIMD_XMM    0x01u  /* uses XMM state: SSE availability gate */
#define SIMD_MMX    0x02u  /* uses MMX registers: MMX gate, x87->MMX switch */
#define SIMD_ALIGN  0x08u  /* 16-byte memory operand must be aligned */
#define SIMD_CLASSIFIED 0x80u

/* MXCSR (SDM Vol. 1 10.2.3) */
#define MXCSR_IE  0x0001u
#define MXCSR_DE  0x0002u
#define MXCSR_ZE  0x0004u
#define MXCSR_OE  0x0008u
#define MXCSR_UE  0x0010u
#define MXCSR_PE  0x0020u
#define MXCSR_FLAGS 0x003fu
#define MXCSR_DAZ 0x0040u
#define MXCSR_MASKS 0x1f80u
#define MXCSR_RC_SHIFT 13
#define MXCSR_FZ  0x8000u
/* Bits LDMXCSR/FXRSTOR accept: DAZ is supported (MXCSR_MASK 0xffff). */
#define MXCSR_VALID 0xffffu

void simd_gate(struct interp *ip, const struct insn *in);

/* The gate of an XMM-only form whose checks all pass (CR0.EM and TS
 * clear, CR4.OSFXSR set: SDM Vol. 3A 13.1.x) costs a test inline; every
 * other case, and any fault, goes through simd_gate in SDM order. */
static inline void simd_enter(struct interp *ip, const struct insn *in)
{
	if (__builtin_expect((in->simd & (SIMD_XMM | SIMD_MMX)) == SIMD_XMM &&
			     !(ip->s.cr0 & (CR0_EM | CR0_TS)) &&
			     (ip->s.cr4 & CR4_OSFXSR), 1))
		return;
	simd_gate(ip, in);
}

/* x87 -> MMX transition (SDM Vol. 1 9.5.1): TOP = 0, all tags valid. */
static inline void simd_done(struct interp *ip, const struct insn *in)
{
	if (in->simd & SIMD_MMX) {
		ip->s.fpu.fsw &= (uint16_t)~FPU_FSW_TOP_MASK;
		ip->s.fpu.ftw = 0xff;
	}
}

static inline bool simd_is_xmm(ZydisRegister r)
{
	return r >= ZYDIS_REGISTER_XMM0 && r <= ZYDIS_REGISTER_XMM15;
}

static inline bool simd_is_mm(ZydisRegister r)
{
	return r >= ZYDIS_REGISTER_MM0 && r <= ZYDIS_REGISTER_MM7;
}

static inline bool simd_opd_mem(const struct insn *in, unsigned n)
{
	return in->ops[n].type == ZYDIS_OPERAND_TYPE_MEMORY;
}

/* Width in bytes of the vector register operand n (8 for MMi, 16 for
 * XMMi), the element loop bound of packed handlers. */
static inline unsigned simd_width(const struct insn *in, unsigned n)
{
	return simd_is_mm(in->ops[n].reg.value) ? 8 : 16;
}

static inline uint8_t *xmm_reg(struct interp *ip, ZydisRegister r)
{
	return ip->s.fpu.xmm[r - ZYDIS_REGISTER_XMM0];
}

/* Operand n into v (zero-extended to 128 bits): XMM, MM, GPR, immediate
 * or memory of the operand's size (aligned forms: #GP(0), SDM Vol. 2
 * 2.4 exception types 1, 2 and 4). */
void simd_read_slow(struct interp *ip, const struct insn *in, unsigned n,
		    v128 *v);
/* Operand n from v: an XMM register gets all 16 bytes, MMi 8 (and bits
 * 79:64 of Ri set to all ones), a GPR its size (32-bit writes
 * zero-extend), memory the operand's size. */
void simd_write_slow(struct interp *ip, const struct insn *in, unsigned n,
		     const v128 *v);

/* XMM register operands inline (all 16 bytes, no zero-extension to do);
 * the rest in simd.c. */
static inline void simd_read(struct interp *ip, const struct insn *in,
			     unsigned n, v128 *v)
{
	const ZydisDecodedOperand *o = &in->ops[n];

	if (__builtin_expect(o->type == ZYDIS_OPERAND_TYPE_REGISTER &&
			     simd_is_xmm(o->reg.value), 1)) {
		memcpy(v, xmm_reg(ip, o->reg.value), 16);
		return;
	}
	simd_read_slow(ip, in, n, v);
}

static inline void simd_write(struct interp *ip, const struct insn *in,
			      unsigned n, const v128 *v)
{
	const ZydisDecodedOperand *o = &in->ops[n];

	if (__builtin_expect(o->type == ZYDIS_OPERAND_TYPE_REGISTER &&
			     simd_is_xmm(o->reg.value), 1)) {
		memcpy(xmm_reg(ip, o->reg.value), v, 16);
		return;
	}
	simd_write_slow(ip, in, n, v);
}
/* Memory operand n: segment and offset, after the alignment check for
 * `bytes` (16 and SIMD_ALIGN: must be aligned). */
uint64_t simd_mem_ea(struct interp *ip, const struct insn *in, unsigned n,
		     unsigned bytes, unsigned *seg);

/* An unmasked SIMD floating-point exception: #XM with CR4.OSXMMEXCPT,
 * else #UD (SDM Vol. 3A 13.4 / Vol. 1 11.5.4). */
_Noreturn void simd_raise_xm(struct interp *ip);

/* Handler tables (mnemonic -> handler), merged by decode.c. */
extern const struct exec_entry exec_simd_mov_table[];
extern const struct exec_entry exec_simd_int_table[];
extern const struct exec_entry exec_simd_shuf_table[];
extern const struct exec_entry exec_sse_fp_table[];
extern const struct exec_entry exec_sse_str_table[];

/* Saturation helpers of the packed integer instructions. */
static inline int8_t sat_s8(int v)
{
	return (int8_t)(v > 127 ? 127 : v < -128 ? -128 : v);
}

static inline uint8_t sat_u8(int v)
{
	return (uint8_t)(v > 255 ? 255 : v < 0 ? 0 : v);
}

static inline int16_t sat_s16(int32_t v)
{
	return (int16_t)(v > 32767 ? 32767 : v < -32768 ? -32768 : v);
}

static inline uint16_t sat_u16(int32_t v)
{
	return (uint16_t)(v > 65535 ? 65535 : v < 0 ? 0 : v);
}

#endif
