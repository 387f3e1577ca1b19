// SPDX-License-Identifier: MIT
/*
 * SSE..SSE4.1 floating point: arithmetic, square root, min/max,
 * reciprocal estimates, ADDSUB/HADD/HSUB, compares (CMPxx with every
 * predicate, COMISx/UCOMISx), conversions in every direction, ROUNDxx and
 * DPPS/DPPD.
 *
 * Each operation runs on the host's own SSE unit (issue 13 allows it:
 * vmxbox only runs on x86-64 hosts), one thunk per instruction form: the
 * guest's rounding control, DAZ and FTZ are loaded with every exception
 * masked, the instruction runs on copies of the guest operands, and the
 * exception flags are read back; the host MXCSR is restored inside the
 * same asm statement, so no host code ever runs with the guest's MXCSR.
 * Results, NaN propagation (SDM Vol. 1 4.8.3.5, Table 4-7), QNaN
 * floating-point indefinite, DAZ/FTZ and the masked responses (11.5.2)
 * are therefore those of the hardware.
 *
 * Unmasked exceptions (SDM Vol. 1 11.5.3) are decided in software from
 * the masked run's flags, as Intel processors report them (measured on an
 * Intel host with the exceptions unmasked, tests/interp/test_sse_fp.c):
 *  - an unmasked pre-computation exception (IE, DE, ZE) sets only the
 *    pre-computation flags and faults before any result;
 *  - else an unmasked overflow sets OE without PE, an unmasked underflow
 *    (any tiny result, exact or not, FTZ ignored) sets UE without PE;
 *  - else any unmasked flag among those detected faults with every
 *    detected flag set;
 * and a fault leaves the destination unchanged (#XM with
 * CR4.OSXMMEXCPT, #UD without).  For a packed instruction whose elements
 * overflow or underflow unmasked while others only set PE, the PE of the
 * other elements is not reported (we see only the OR of the elements).
 */
#include "engine/interp/simd.h"

/* d = op(d, s) on the host with MXCSR = csr; returns MXCSR afterwards. */
typedef uint32_t (*fp_thunk)(v128 *d, const v128 *s, uint32_t csr);

#define THUNK(name, text)                                                   \
	static uint32_t th_##name(v128 *d, const v128 *s, uint32_t csr)     \
	{                                                                   \
		uint32_t host, out;                                         \
		__asm__ volatile("stmxcsr %[host]\n\t"                      \
				 "ldmxcsr %[csr]\n\t"                       \
				 "movdqu %[d], %%xmm0\n\t"                  \
				 "movdqu %[s], %%xmm1\n\t"                  \
				 text "\n\t"                                \
				 "movdqu %%xmm0, %[d]\n\t"                  \
				 "stmxcsr %[out]\n\t"                       \
				 "ldmxcsr %[host]"                          \
				 : [d] "+m" (*d), [host] "=m" (host),       \
				   [out] "=m" (out)                         \
				 : [s] "m" (*s), [csr] "m" (csr)            \
				 : "xmm0", "xmm1", "rax", "cc");            \
		return out;                                                 \
	}

/* ---- the MXCSR rules around a thunk ---- */

static uint32_t fp_unmasked(struct interp *ip, fp_thunk th, const v128 *d,
			    const v128 *s, uint32_t f, uint32_t unm)
{
	uint32_t g = ip->s.fpu.mxcsr;
	uint32_t pre = f & (MXCSR_IE | MXCSR_DE | MXCSR_ZE);
	uint32_t post = f & (MXCSR_OE | MXCSR_UE | MXCSR_PE);
	bool o = (unm & MXCSR_OE) && (f & MXCSR_OE), u = false;

	if (pre & unm) {
		ip->s.fpu.mxcsr = g | pre;
		simd_raise_xm(ip);
	}
	if (unm & MXCSR_UE) {
		/* Tiny results, exact ones included: flush-to-zero reports
		 * every tiny result as an underflow (SDM 10.2.3.3). */
		v128 t = *d;
		uint32_t c = (g & ~MXCSR_FLAGS) | MXCSR_MASKS | MXCSR_FZ;

		u = th(&t, s, c) & MXCSR_UE;
	}
	if (o || u)
		post = (o ? MXCSR_OE : post & MXCSR_OE) | (u ? MXCSR_UE : 0);
	f = pre | post;
	if (f & unm) {
		ip->s.fpu.mxcsr = g | f;
		simd_raise_xm(ip);
	}
	return f;
}

/* Run th on *d, *s under the guest's MXCSR; on success *d holds the
 * result and MXCSR the new sticky flags. */
static void fp_run(struct interp *ip, fp_thunk th, v128 *d, const v128 *s)
{
	uint32_t g = ip->s.fpu.mxcsr;
	uint32_t unm = ~g >> 7 & MXCSR_FLAGS;
	v128 r = *d;
	uint32_t f = th(&r, s, (g & ~MXCSR_FLAGS) | MXCSR_MASKS) & MXCSR_FLAGS;

	if (__builtin_expect(unm != 0, 0))
		f = fp_unmasked(ip, th, d, s, f, unm);
	ip->s.fpu.mxcsr = g | f;
	*d = r;
}

/* op0 = th(op0, op1): every register/memory form. */
static void sse_fp(struct interp *ip, const struct insn *in, fp_thunk th)
{
	v128 d, s;

	simd_enter(ip, in);
	simd_read(ip, in, 1, &s);
	simd_read(ip, in, 0, &d);
	fp_run(ip, th, &d, &s);
	simd_write(ip, in, 0, &d);
	simd_done(ip, in);
}

#define FP(name, text)                                                      \
	THUNK(name, text)                                                   \
	static void exec_##name(struct interp *ip, const struct insn *in)   \
	{                                                                   \
		sse_fp(ip, in, th_##name);                                  \
	}

#define FP2(op) FP(op, #op " %%xmm1, %%xmm0")

FP2(addps) FP2(addpd) FP2(addss) FP2(addsd)
FP2(subps) FP2(subpd) FP2(subss) FP2(subsd)
FP2(mulps) FP2(mulpd) FP2(mulss) FP2(mulsd)
FP2(divps) FP2(divpd) FP2(divss) FP2(divsd)
FP2(minps) FP2(minpd) FP2(minss) FP2(minsd)
FP2(maxps) FP2(maxpd) FP2(maxss) FP2(maxsd)
FP2(sqrtps) FP2(sqrtpd) FP2(sqrtss) FP2(sqrtsd)
FP2(rcpps) FP2(rcpss) FP2(rsqrtps) FP2(rsqrtss)
FP2(addsubps) FP2(addsubpd)
FP2(haddps) FP2(haddpd) FP2(hsubps) FP2(hsubpd)

/* Conversions between vector formats. */
FP2(cvtps2pd) FP2(cvtpd2ps) FP2(cvtdq2ps) FP2(cvtps2dq) FP2(cvttps2dq)
FP2(cvtdq2pd) FP2(cvtpd2dq) FP2(cvttpd2dq) FP2(cvtss2sd) FP2(cvtsd2ss)

/* MMX forms through their XMM equivalents (the host's MMX/x87 state is
 * never touched).  CVTPI2PS merges the upper two singles; CVTPS2PI and
 * CVTTPS2PI convert only the low two (the upper lanes are cleared first
 * so they raise nothing). */
FP(cvtpi2ps, "cvtdq2ps %%xmm1, %%xmm1\n\tmovsd %%xmm1, %%xmm0")
FP(cvtpi2pd, "cvtdq2pd %%xmm1, %%xmm0")
FP(cvtps2pi, "movq %%xmm1, %%xmm1\n\tcvtps2dq %%xmm1, %%xmm0")
FP(cvttps2pi, "movq %%xmm1, %%xmm1\n\tcvttps2dq %%xmm1, %%xmm0")
FP(cvtpd2pi, "cvtpd2dq %%xmm1, %%xmm0")
FP(cvttpd2pi, "cvttpd2dq %%xmm1, %%xmm0")

/* To and from general-purpose registers: 32- or 64-bit by the GPR
 * operand's size. */
#define GPR_CVT(name)                                                       \
	THUNK(name##_32, #name " %%xmm1, %%eax\n\tmovd %%eax, %%xmm0")      \
	THUNK(name##_64, #name " %%xmm1, %%rax\n\tmovq %%rax, %%xmm0")      \
	static void exec_##name(struct interp *ip, const struct insn *in)   \
	{                                                                   \
		sse_fp(ip, in, in->ops[0].size == 64 ? th_##name##_64       \
						    : th_##name##_32);      \
	}

GPR_CVT(cvtss2si)
GPR_CVT(cvttss2si)
GPR_CVT(cvtsd2si)
GPR_CVT(cvttsd2si)

#define CVT_FROM_GPR(name)                                                  \
	THUNK(name##_32, #name "l %[s], %%xmm0")                            \
	THUNK(name##_64, #name "q %[s], %%xmm0")                            \
	static void exec_##name(struct interp *ip, const struct insn *in)   \
	{                                                                   \
		sse_fp(ip, in, in->ops[1].size == 64 ? th_##name##_64       \
						    : th_##name##_32);      \
	}

CVT_FROM_GPR(cvtsi2ss)
CVT_FROM_GPR(cvtsi2sd)

/* COMISS/UCOMISS/COMISD/UCOMISD: ZF PF CF from the compare, OF SF AF
 * cleared (SDM Vol. 2 COMISS).  The thunk returns the host's flags. */
#define COMI(name)                                                          \
	THUNK(name, #name " %%xmm1, %%xmm0\n\tlahf\n\t"                     \
		    "movzbl %%ah, %%eax\n\tmovd %%eax, %%xmm0")             \
	static void exec_##name(struct interp *ip, const struct insn *in)   \
	{                                                                   \
		comi(ip, in, th_##name);                                    \
	}

static void comi(struct interp *ip, const struct insn *in, fp_thunk th)
{
	v128 d, s;

	simd_enter(ip, in);
	simd_read(ip, in, 1, &s);
	simd_read(ip, in, 0, &d);
	fp_run(ip, th, &d, &s);
	flags_set(ip, FLAGS_ARITH,
		  d.q[0] & (RFLAGS_ZF | RFLAGS_PF | RFLAGS_CF));
}

COMI(comiss)
COMI(ucomiss)
COMI(comisd)
COMI(ucomisd)

/* ---- forms with an imm8: one thunk per immediate value ---- */

#define H16(m, op, h) m(op, h##0) m(op, h##1) m(op, h##2)           \
	m(op, h##3) m(op, h##4) m(op, h##5) m(op, h##6)             \
	m(op, h##7) m(op, h##8) m(op, h##9) m(op, h##a)             \
	m(op, h##b) m(op, h##c) m(op, h##d) m(op, h##e) m(op, h##f)
#define H256(m, op) H16(m, op, 0x0) H16(m, op, 0x1) H16(m, op, 0x2) \
	H16(m, op, 0x3) H16(m, op, 0x4) H16(m, op, 0x5)               \
	H16(m, op, 0x6) H16(m, op, 0x7) H16(m, op, 0x8)               \
	H16(m, op, 0x9) H16(m, op, 0xa) H16(m, op, 0xb)               \
	H16(m, op, 0xc) H16(m, op, 0xd) H16(m, op, 0xe) H16(m, op, 0xf)

#define IMM_THUNK(op, imm) THUNK(op##_##imm, #op " $" #imm ", %%xmm1, %%xmm0")
#define IMM_REF(op, imm) th_##op##_##imm,

/* Legacy CMPPS/CMPPD/CMPSS/CMPSD use imm8[2:0] (SDM Vol. 2 CMPPS). */
#define IMM8_TABLE(op)                                                    \
	H16(IMM_THUNK, op, 0x0)                                           \
	static const fp_thunk th_##op[16] = { H16(IMM_REF, op, 0x0) };
#define IMM256_TABLE(op)                                                  \
	H256(IMM_THUNK, op)                                               \
	static const fp_thunk th_##op[256] = { H256(IMM_REF, op) };

IMM8_TABLE(cmpps)
IMM8_TABLE(cmppd)
IMM8_TABLE(cmpss)
IMM8_TABLE(cmpsd)
/* ROUNDxx use imm8[3:0] (bit 3 suppresses PE, bit 2 selects MXCSR.RC). */
IMM8_TABLE(roundps)
IMM8_TABLE(roundpd)
IMM8_TABLE(roundss)
IMM8_TABLE(roundsd)
IMM256_TABLE(dpps)
IMM256_TABLE(dppd)

static unsigned imm8(const struct insn *in)
{
	return (uint8_t)in->ops[2].imm.value.u;
}

#define CMP(op)                                                           \
	static void exec_##op(struct interp *ip, const struct insn *in)   \
	{                                                                   \
		sse_fp(ip, in, th_##op[imm8(in) & 7]);                    \
	}
#define ROUND(op)                                                         \
	static void exec_##op(struct interp *ip, const struct insn *in)   \
	{                                                                   \
		sse_fp(ip, in, th_##op[imm8(in) & 15]);                   \
	}
#define DP(op)                                                            \
	static void exec_##op(struct interp *ip, const struct insn *in)   \
	{                                                                   \
		sse_fp(ip, in, th_##op[imm8(in)]);                        \
	}

CMP(cmpps) CMP(cmppd) CMP(cmpss) CMP(cmpsd)
ROUND(roundps) ROUND(roundpd) ROUND(roundss) ROUND(roundsd)
DP(dpps) DP(dppd)

#define E(m, f) { ZYDIS_MNEMONIC_##m, f, { 0 } }
#define L(m, f) E(m, exec_##f)
#define L4(X, x) L(X##PS, x##ps), L(X##PD, x##pd), L(X##SS, x##ss), L(X##SD, x##sd)

const struct exec_entry exec_sse_fp_table[] = {
	L4(ADD, add), L4(SUB, sub), L4(MUL, mul), L4(DIV, div), L4(MIN, min),
	L4(MAX, max), L4(SQRT, sqrt), L4(CMP, cmp), L4(ROUND, round),
	L(RCPPS, rcpps), L(RCPSS, rcpss), L(RSQRTPS, rsqrtps),
	L(RSQRTSS, rsqrtss),
	L(ADDSUBPS, addsubps), L(ADDSUBPD, addsubpd),
	L(HADDPS, haddps), L(HADDPD, haddpd), L(HSUBPS, hsubps),
	L(HSUBPD, hsubpd),
	L(CVTPS2PD, cvtps2pd), L(CVTPD2PS, cvtpd2ps), L(CVTDQ2PS, cvtdq2ps),
	L(CVTPS2DQ, cvtps2dq), L(CVTTPS2DQ, cvttps2dq),
	L(CVTDQ2PD, cvtdq2pd), L(CVTPD2DQ, cvtpd2dq),
	L(CVTTPD2DQ, cvttpd2dq), L(CVTSS2SD, cvtss2sd),
	L(CVTSD2SS, cvtsd2ss), L(CVTPI2PS, cvtpi2ps), L(CVTPI2PD, cvtpi2pd),
	L(CVTPS2PI, cvtps2pi), L(CVTTPS2PI, cvttps2pi),
	L(CVTPD2PI, cvtpd2pi), L(CVTTPD2PI, cvttpd2pi),
	L(CVTSS2SI, cvtss2si), L(CVTTSS2SI, cvttss2si),
	L(CVTSD2SI, cvtsd2si), L(CVTTSD2SI, cvttsd2si),
	L(CVTSI2SS, cvtsi2ss), L(CVTSI2SD, cvtsi2sd),
	L(COMISS, comiss), L(UCOMISS, ucomiss), L(COMISD, comisd),
	L(UCOMISD, ucomisd),
	L(DPPS, dpps), L(DPPD, dppd),
	{ 0, NULL, { 0 } },
};
