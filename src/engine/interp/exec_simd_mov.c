// SPDX-License-Identifier: MIT
/*
 * MMX/SSE data movement: MOVD/MOVQ, full-register moves (MOVAPS...LDDQU,
 * non-temporal stores), scalar MOVSS/MOVSD, the half moves
 * (MOVLPS/MOVHPS/MOVHLPS/MOVLHPS...), MOVDDUP/MOVSHDUP/MOVSLDUP, mask
 * extraction (MOVMSKPS/PD, PMOVMSKB), masked stores (MASKMOVQ/MASKMOVDQU),
 * MOVQ2DQ/MOVDQ2Q, EMMS and LDMXCSR/STMXCSR (SDM Vol. 2, one entry each).
 * Non-temporal hints have no effect on an interpreter.
 */
#include "engine/interp/simd.h"

/* MOVAPS MOVAPD MOVUPS MOVUPD MOVDQA MOVDQU LDDQU MOVNTPS MOVNTPD MOVNTDQ
 * MOVNTDQA MOVNTQ: the whole register (alignment per form, simd.c). */
static void exec_mov_full(struct interp *ip, const struct insn *in)
{
	v128 v;

	simd_enter(ip, in);
	simd_read(ip, in, 1, &v);
	simd_write(ip, in, 0, &v);
	simd_done(ip, in);
}

/* MOVD/MOVQ: the low 32/64 bits, zero-extended into a register. */
static void mov_low(struct interp *ip, const struct insn *in, unsigned bytes)
{
	v128 v;

	simd_enter(ip, in);
	simd_read(ip, in, 1, &v);
	memset(v.b + bytes, 0, 16 - bytes);
	simd_write(ip, in, 0, &v);
	simd_done(ip, in);
}

static void exec_movd(struct interp *ip, const struct insn *in) { mov_low(ip, in, 4); }
static void exec_movq(struct interp *ip, const struct insn *in) { mov_low(ip, in, 8); }

/* MOVSS/MOVSD: a load from memory zeroes the rest of the register, a
 * register-to-register move merges the low element only. */
static void mov_scalar(struct interp *ip, const struct insn *in, unsigned bytes)
{
	v128 d, s;

	simd_enter(ip, in);
	simd_read(ip, in, 1, &s);
	if (simd_opd_mem(in, 0) || simd_opd_mem(in, 1)) {
		memset(s.b + bytes, 0, 16 - bytes);
		simd_write(ip, in, 0, &s);
		return;
	}
	simd_read(ip, in, 0, &d);
	memcpy(d.b, s.b, bytes);
	simd_write(ip, in, 0, &d);
}

static void exec_movss(struct interp *ip, const struct insn *in) { mov_scalar(ip, in, 4); }
static void exec_movsd(struct interp *ip, const struct insn *in) { mov_scalar(ip, in, 8); }

/* MOVLPS/MOVLPD (dst_half 0) and MOVHPS/MOVHPD (dst_half 1): one 64-bit
 * half between a register and memory. */
static void mov_half(struct interp *ip, const struct insn *in, unsigned half)
{
	v128 d, s;

	simd_enter(ip, in);
	simd_read(ip, in, 1, &s);
	if (simd_opd_mem(in, 0)) {
		d.q[0] = s.q[half];
		d.q[1] = 0;
		simd_write(ip, in, 0, &d);
		return;
	}
	simd_read(ip, in, 0, &d);
	d.q[half] = s.q[0];
	simd_write(ip, in, 0, &d);
}

static void exec_movlp(struct interp *ip, const struct insn *in) { mov_half(ip, in, 0); }
static void exec_movhp(struct interp *ip, const struct insn *in) { mov_half(ip, in, 1); }

/* MOVHLPS: dst.low = src.high; MOVLHPS: dst.high = src.low. */
static void exec_movhlps(struct interp *ip, const struct insn *in)
{
	v128 d, s;

	simd_enter(ip, in);
	simd_read(ip, in, 0, &d);
	simd_read(ip, in, 1, &s);
	d.q[0] = s.q[1];
	simd_write(ip, in, 0, &d);
}

static void exec_movlhps(struct interp *ip, const struct insn *in)
{
	v128 d, s;

	simd_enter(ip, in);
	simd_read(ip, in, 0, &d);
	simd_read(ip, in, 1, &s);
	d.q[1] = s.q[0];
	simd_write(ip, in, 0, &d);
}

/* MOVDDUP (SSE3): the low double (or m64) into both halves. */
static void exec_movddup(struct interp *ip, const struct insn *in)
{
	v128 s;

	simd_enter(ip, in);
	simd_read(ip, in, 1, &s);
	s.q[1] = s.q[0];
	simd_write(ip, in, 0, &s);
}

/* MOVSLDUP/MOVSHDUP (SSE3): even (odd) singles duplicated. */
static void mov_dup32(struct interp *ip, const struct insn *in, unsigned odd)
{
	v128 s, d;

	simd_enter(ip, in);
	simd_read(ip, in, 1, &s);
	for (unsigned i = 0; i < 4; i++)
		d.d[i] = s.d[(i & ~1u) | odd];
	simd_write(ip, in, 0, &d);
}

static void exec_movsldup(struct interp *ip, const struct insn *in) { mov_dup32(ip, in, 0); }
static void exec_movshdup(struct interp *ip, const struct insn *in) { mov_dup32(ip, in, 1); }

/* MOVMSKPS/MOVMSKPD/PMOVMSKB: sign bits of the elements into a GPR
 * (the rest of the register zeroed, also for a 64-bit destination). */
static void movmsk(struct interp *ip, const struct insn *in, unsigned esize)
{
	unsigned bytes = simd_width(in, 1);
	v128 s, d = { .q = { 0, 0 } };

	simd_enter(ip, in);
	simd_read(ip, in, 1, &s);
	for (unsigned i = 0; i < bytes / esize; i++)
		d.q[0] |= (uint64_t)(s.b[i * esize + esize - 1] >> 7) << i;
	simd_write(ip, in, 0, &d);
	simd_done(ip, in);
}

static void exec_movmskps(struct interp *ip, const struct insn *in) { movmsk(ip, in, 4); }
static void exec_movmskpd(struct interp *ip, const struct insn *in) { movmsk(ip, in, 8); }
static void exec_pmovmskb(struct interp *ip, const struct insn *in) { movmsk(ip, in, 1); }

/* MASKMOVQ/MASKMOVDQU: bytes of op0 whose mask byte (op1) has its top bit
 * set are stored at DS:rDI (segment overridable).  Bytes are written one
 * at a time, so MMIO sees only the selected ones. */
static void exec_maskmov(struct interp *ip, const struct insn *in)
{
	unsigned bytes = simd_width(in, 0), seg = insn_data_seg(in);
	uint64_t di = ip->s.gpr[GPR_RDI] & width_mask(in->zi.address_width);
	v128 v, m;

	simd_enter(ip, in);
	simd_read(ip, in, 0, &v);
	simd_read(ip, in, 1, &m);
	for (unsigned i = 0; i < bytes; i++)
		if (m.b[i] & 0x80)
			mem_write(ip, seg, (di + i) & width_mask(in->zi.address_width),
				  &v.b[i], 1);
	simd_done(ip, in);
}

/* MOVQ2DQ xmm, mm (zero-extended) and MOVDQ2Q mm, xmm (low half). */
static void exec_movq2dq(struct interp *ip, const struct insn *in)
{
	mov_low(ip, in, 8);
}

/* EMMS: every x87 tag empty (SDM Vol. 2 EMMS); TOP is left alone. */
static void exec_emms(struct interp *ip, const struct insn *in)
{
	simd_enter(ip, in);
	ip->s.fpu.ftw = 0;
}

/* LDMXCSR: #GP(0) for reserved bits (SDM Vol. 2 LDMXCSR).  A flag set
 * with its exception unmasked raises #XM only at the next SIMD
 * floating-point instruction that itself raises an exception, as the
 * SDM describes, so nothing else happens here. */
static void exec_ldmxcsr(struct interp *ip, const struct insn *in)
{
	v128 v;

	simd_enter(ip, in);
	simd_read(ip, in, 0, &v);
	if (v.d[0] & ~MXCSR_VALID)
		interp_raise_err(ip, X86_GP, 0);
	ip->s.fpu.mxcsr = v.d[0];
}

static void exec_stmxcsr(struct interp *ip, const struct insn *in)
{
	v128 v = { .q = { ip->s.fpu.mxcsr, 0 } };

	simd_enter(ip, in);
	simd_write(ip, in, 0, &v);
}

#define E(m, f) { ZYDIS_MNEMONIC_##m, f, { 0 } }

const struct exec_entry exec_simd_mov_table[] = {
	E(MOVAPS, exec_mov_full), E(MOVAPD, exec_mov_full),
	E(MOVUPS, exec_mov_full), E(MOVUPD, exec_mov_full),
	E(MOVDQA, exec_mov_full), E(MOVDQU, exec_mov_full),
	E(LDDQU, exec_mov_full), E(MOVNTPS, exec_mov_full),
	E(MOVNTPD, exec_mov_full), E(MOVNTDQ, exec_mov_full),
	E(MOVNTDQA, exec_mov_full), E(MOVNTQ, exec_mov_full),
	E(MOVD, exec_movd), E(MOVQ, exec_movq),
	E(MOVSS, exec_movss), E(MOVSD, exec_movsd),
	E(MOVLPS, exec_movlp), E(MOVLPD, exec_movlp),
	E(MOVHPS, exec_movhp), E(MOVHPD, exec_movhp),
	E(MOVHLPS, exec_movhlps), E(MOVLHPS, exec_movlhps),
	E(MOVDDUP, exec_movddup), E(MOVSLDUP, exec_movsldup),
	E(MOVSHDUP, exec_movshdup),
	E(MOVMSKPS, exec_movmskps), E(MOVMSKPD, exec_movmskpd),
	E(PMOVMSKB, exec_pmovmskb),
	E(MASKMOVQ, exec_maskmov), E(MASKMOVDQU, exec_maskmov),
	E(MOVQ2DQ, exec_movq2dq), E(MOVDQ2Q, exec_movq2dq),
	E(EMMS, exec_emms),
	E(LDMXCSR, exec_ldmxcsr), E(STMXCSR, exec_stmxcsr),
	{ 0, NULL, { 0 } },
};
