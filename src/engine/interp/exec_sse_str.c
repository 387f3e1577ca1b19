// SPDX-License-Identifier: MIT
/*
 * SSE4.2: the packed string compares PCMPESTRI/PCMPESTRM/PCMPISTRI/
 * PCMPISTRM (SDM Vol. 2 4.1 "Imm8 Control Byte Operation for
 * PCMPESTRI/...") and CRC32 (CRC-32C, polynomial 11EDC6F41H, bit
 * reflected, no inversions: SDM Vol. 2 CRC32).
 */
#include "engine/interp/simd.h"

enum { AGG_EQUAL_ANY, AGG_RANGES, AGG_EQUAL_EACH, AGG_EQUAL_ORDERED };

struct pcmpstr {
	unsigned n;             /* elements: 16 bytes or 8 words */
	unsigned len1, len2;    /* valid elements of op0 and op1 */
	int64_t a[16], b[16];   /* elements of op0 and op1 */
};

static void elements(const v128 *v, unsigned fmt, int64_t *out)
{
	for (unsigned i = 0; i < (fmt & 1 ? 8u : 16u); i++) {
		switch (fmt & 3) {
		case 0: out[i] = v->b[i]; break;
		case 1: out[i] = v->w[i]; break;
		case 2: out[i] = v->sb[i]; break;
		default: out[i] = v->sw[i]; break;
		}
	}
}

/* Explicit length: |reg| saturated to the element count. */
static unsigned explicit_len(uint64_t r, bool wide, unsigned n)
{
	int64_t v = wide ? (int64_t)r : (int32_t)r;
	uint64_t m = v < 0 ? -(uint64_t)v : (uint64_t)v;

	return m > n ? n : (unsigned)m;
}

static unsigned implicit_len(const int64_t *e, unsigned n)
{
	unsigned i = 0;

	while (i < n && e[i] != 0)
		i++;
	return i;
}

/* BoolRes with the overrides of SDM Table 4-7 for invalid elements. */
static bool cmp_pair(const struct pcmpstr *p, unsigned agg, unsigned i,
		     unsigned j, bool ge_or_le)
{
	bool v1 = i < p->len1, v2 = j < p->len2;

	if (!v1 || !v2) {
		if (agg == AGG_EQUAL_EACH)
			return !v1 && !v2;
		if (agg == AGG_EQUAL_ORDERED)
			return !v1;
		return false;
	}
	if (agg == AGG_RANGES)
		return ge_or_le ? p->b[j] >= p->a[i] : p->b[j] <= p->a[i];
	return p->a[i] == p->b[j];
}

/* IntRes1: bit j is about element j of op1. */
static unsigned aggregate(const struct pcmpstr *p, unsigned agg)
{
	unsigned res = 0;

	for (unsigned j = 0; j < p->n; j++) {
		bool r = false;

		switch (agg) {
		case AGG_EQUAL_ANY:
			for (unsigned i = 0; i < p->n && !r; i++)
				r = cmp_pair(p, agg, i, j, false);
			break;
		case AGG_RANGES:
			for (unsigned i = 0; i + 1 < p->n && !r; i += 2)
				r = cmp_pair(p, agg, i, j, true) &&
				    cmp_pair(p, agg, i + 1, j, false);
			break;
		case AGG_EQUAL_EACH:
			r = cmp_pair(p, agg, j, j, false);
			break;
		default:
			r = true;
			for (unsigned i = 0; j + i < p->n && r; i++)
				r = cmp_pair(p, agg, i, j + i, false);
			break;
		}
		res |= (unsigned)r << j;
	}
	return res;
}

/* Common part: IntRes2 and the flags (CF, ZF, SF, OF; AF PF cleared). */
static unsigned pcmpstr(struct interp *ip, const struct insn *in, bool expl,
			unsigned *n_out)
{
	unsigned imm = (uint8_t)in->ops[2].imm.value.u;
	unsigned all, res;
	struct pcmpstr p;
	uint64_t f = 0;
	v128 a, b;

	simd_enter(ip, in);
	simd_read(ip, in, 1, &b);
	simd_read(ip, in, 0, &a);
	p.n = imm & 1 ? 8 : 16;
	elements(&a, imm, p.a);
	elements(&b, imm, p.b);
	if (expl) {
		bool wide = in->zi.attributes & ZYDIS_ATTRIB_HAS_REX &&
			    (in->zi.raw.rex.W);

		p.len1 = explicit_len(ip->s.gpr[GPR_RAX], wide, p.n);
		p.len2 = explicit_len(ip->s.gpr[GPR_RDX], wide, p.n);
	} else {
		p.len1 = implicit_len(p.a, p.n);
		p.len2 = implicit_len(p.b, p.n);
	}
	all = (1u << p.n) - 1;
	res = aggregate(&p, imm >> 2 & 3);
	switch (imm >> 4 & 3) {
	case 1: res ^= all; break;
	case 3: res ^= (1u << p.len2) - 1; break;
	default: break;
	}
	if (res)
		f |= RFLAGS_CF;
	if (p.len2 < p.n)
		f |= RFLAGS_ZF;
	if (p.len1 < p.n)
		f |= RFLAGS_SF;
	if (res & 1)
		f |= RFLAGS_OF;
	flags_set(ip, FLAGS_ARITH, f);
	*n_out = p.n;
	return res;
}

/* ...STRI: ECX = index of the least (imm[6] = 0) or most significant set
 * bit of IntRes2, or the element count if none. */
static void pcmpstri(struct interp *ip, const struct insn *in, bool expl)
{
	unsigned n, res = pcmpstr(ip, in, expl, &n);
	unsigned imm = (uint8_t)in->ops[2].imm.value.u;
	unsigned idx = n;

	if (res)
		idx = imm & 0x40 ? 31u - (unsigned)__builtin_clz(res)
				 : (unsigned)__builtin_ctz(res);
	ip->s.gpr[GPR_RCX] = idx;
}

/* ...STRM: XMM0 = IntRes2 as bits (imm[6] = 0) or as an element mask. */
static void pcmpstrm(struct interp *ip, const struct insn *in, bool expl)
{
	unsigned n, res = pcmpstr(ip, in, expl, &n);
	unsigned imm = (uint8_t)in->ops[2].imm.value.u;
	v128 m = { .q = { 0, 0 } };

	if (imm & 0x40) {
		for (unsigned i = 0; i < n; i++)
			if (res >> i & 1)
				memset(m.b + i * (16 / n), 0xff, 16 / n);
	} else {
		m.q[0] = res;
	}
	memcpy(ip->s.fpu.xmm[0], &m, 16);
}

static void exec_pcmpestri(struct interp *ip, const struct insn *in) { pcmpstri(ip, in, true); }
static void exec_pcmpistri(struct interp *ip, const struct insn *in) { pcmpstri(ip, in, false); }
static void exec_pcmpestrm(struct interp *ip, const struct insn *in) { pcmpstrm(ip, in, true); }
static void exec_pcmpistrm(struct interp *ip, const struct insn *in) { pcmpstrm(ip, in, false); }

/* CRC32 r32/r64, r/m8/16/32/64: the CRC-32C of the source's bytes
 * appended to the running value in the low 32 bits of op0; a 64-bit
 * destination gets its upper half zeroed. */
static void exec_crc32(struct interp *ip, const struct insn *in)
{
	unsigned bytes = op_bits(in, 1) / 8;
	uint64_t data = op_read(ip, in, 1);
	uint32_t crc = (uint32_t)opr(ip, in, 0);

	for (unsigned i = 0; i < bytes; i++) {
		crc ^= (uint8_t)(data >> (8 * i));
		for (unsigned k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0x82f63b78u & -(crc & 1));
	}
	reg_write(ip, in->ops[0].reg.value, crc);
}

#define E(m, f) { ZYDIS_MNEMONIC_##m, f, { 0 } }
#define L(m, f) E(m, exec_##f)

const struct exec_entry exec_sse_str_table[] = {
	L(PCMPESTRI, pcmpestri), L(PCMPISTRI, pcmpistri),
	L(PCMPESTRM, pcmpestrm), L(PCMPISTRM, pcmpistrm),
	L(CRC32, crc32),
	{ 0, NULL, { 0 } },
};
