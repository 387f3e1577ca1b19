// SPDX-License-Identifier: MIT
/*
 * Instructions that look at a descriptor without loading it: LAR, LSL,
 * VERR, VERW (they set ZF instead of faulting on a bad selector), ARPL,
 * and CLFLUSH/CLFLUSHOPT (translate an address, touch nothing).  SDM
 * Vol. 2 instruction pages; protected mode only (#UD in real and
 * virtual-8086 mode) except CLFLUSH.
 */
#include "engine/interp/sys.h"

static void protected_only(struct interp *ip)
{
	if (!sys_protected(&ip->s))
		interp_raise(ip, X86_UD);
}

static void set_zf(struct interp *ip, bool on)
{
	if (on)
		ip->s.rflags |= RFLAGS_ZF;
	else
		ip->s.rflags &= ~RFLAGS_ZF;
}

/*
 * The descriptor sel names, when it names one: not null, inside the GDT
 * or a usable LDT; a system descriptor in IA-32e mode is 16 bytes, the
 * upper half's type must be 0.  Reading it may #PF; a bad selector is no
 * fault, just false.
 */
static bool peek_desc(struct interp *ip, uint16_t sel, uint64_t *d)
{
	const struct cpu_state *s = &ip->s;
	uint32_t off = sel & 0xfff8, limit;
	uint64_t base, addr, hi;

	if (!(sel & 0xfffc))
		return false;
	if (sel & 4) {
		if (s->seg[SEG_LDTR].ar & SEG_AR_UNUSABLE)
			return false;
		base = s->seg[SEG_LDTR].base;
		limit = s->seg[SEG_LDTR].limit;
	} else {
		base = s->gdtr.base;
		limit = s->gdtr.limit;
	}
	if (off + 7 > limit)
		return false;
	addr = base + off;
	if (!cpu_long_mode(s))
		addr &= 0xffffffffull;
	lin_read(ip, addr, d, 8, ACC_READ | ACC_SUPER);
	if (!cpu_long_mode(s) || (desc_ar(*d) & SEG_AR_S))
		return true;
	if (off + 15 > limit)
		return false;
	lin_read(ip, addr + 8, &hi, 8, ACC_READ | ACC_SUPER);
	return ((hi >> 40) & 0x1f) == 0;
}

/* DPL >= max(CPL, RPL), except for conforming code segments. */
static bool visible(const struct interp *ip, uint16_t sel, uint32_t ar)
{
	unsigned dpl = (ar & SEG_AR_DPL_MASK) >> SEG_AR_DPL_SHIFT;
	bool conforming = (ar & SEG_AR_S) && (ar & 0xc) == 0xc;

	return conforming || (dpl >= cpu_cpl(&ip->s) && dpl >= (sel & 3u));
}

/* System descriptor types LAR and LSL accept (SDM LAR/LSL tables):
 * bit t of the mask for type t, outside and inside IA-32e mode. */
#define T(t) (1u << (t))
static const uint16_t lar_types[2] = {
	T(1) | T(2) | T(3) | T(4) | T(5) | T(9) | T(0xb) | T(0xc),
	T(2) | T(9) | T(0xb) | T(0xc),
};
static const uint16_t lsl_types[2] = {
	T(1) | T(2) | T(3) | T(9) | T(0xb),
	T(2) | T(9) | T(0xb),
};

static bool lar_lsl_ok(struct interp *ip, uint16_t sel, const uint16_t types[2],
		       uint64_t *d)
{
	uint32_t ar;

	if (!peek_desc(ip, sel, d))
		return false;
	ar = desc_ar(*d);
	if (!(ar & SEG_AR_S) &&
	    !(types[cpu_long_mode(&ip->s)] & T(ar & SEG_AR_TYPE_MASK)))
		return false;
	return visible(ip, sel, ar);
}

/*
 * LAR: ZF=1 and the access rights, bits 23:8 of the descriptor's high
 * dword (00FFFF00H, the limit's bits 19:16 included as Intel processors
 * return them; 16-bit operand: 0000FF00H).  LSL: ZF=1 and the limit in
 * bytes (G applied).  Otherwise ZF=0 and the destination is unchanged.
 */
void sys_lar_lsl(struct interp *ip, const struct insn *in)
{
	bool lar = in->zi.mnemonic == ZYDIS_MNEMONIC_LAR;
	uint16_t sel;
	uint64_t d, v;
	bool ok;

	protected_only(ip);
	sel = (uint16_t)op_read(ip, in, 1);
	ok = lar_lsl_ok(ip, sel, lar ? lar_types : lsl_types, &d);
	if (ok) {
		/* A 16-bit destination takes the low word: 0000FF00H. */
		v = lar ? (d >> 32) & 0x00ffff00u : desc_limit(d);
		op_write(ip, in, 0, v);
	}
	set_zf(ip, ok);
}

/* VERR: a readable code or data segment; VERW: a writable data segment;
 * both visible at CPL and RPL. */
void sys_verr_verw(struct interp *ip, const struct insn *in)
{
	bool write = in->zi.mnemonic == ZYDIS_MNEMONIC_VERW;
	uint16_t sel;
	uint64_t d;
	uint32_t ar;
	bool ok = false;

	protected_only(ip);
	sel = (uint16_t)op_read(ip, in, 0);
	if (peek_desc(ip, sel, &d)) {
		ar = desc_ar(d);
		if (!(ar & SEG_AR_S))
			ok = false;
		else if (ar & 8)        /* code: readable, never writable */
			ok = !write && (ar & 2);
		else                    /* data: always readable */
			ok = !write || (ar & 2);
		ok = ok && visible(ip, sel, ar);
	}
	set_zf(ip, ok);
}

/* ARPL r/m16, r16 (outside 64-bit mode, where 63 is MOVSXD): raise the
 * destination selector's RPL to the source's. */
void sys_arpl(struct interp *ip, const struct insn *in)
{
	uint16_t dst, src;

	protected_only(ip);
	dst = (uint16_t)op_read(ip, in, 0);
	src = (uint16_t)op_read(ip, in, 1);
	if ((dst & 3) < (src & 3)) {
		op_write(ip, in, 0, (dst & ~3u) | (src & 3));
		set_zf(ip, true);
	} else {
		set_zf(ip, false);
	}
}

/* CLFLUSH/CLFLUSHOPT m8: the segment checks and the translation of a
 * byte read (#GP/#SS, #PF), no access: there is no cache to flush. */
void sys_clflush(struct interp *ip, const struct insn *in)
{
	bool opt = in->zi.mnemonic == ZYDIS_MNEMONIC_CLFLUSHOPT;
	unsigned seg;
	uint64_t ea, lin, gpa;

	if (!cpu_has(&ip->cfg.model, opt ? X86_FEAT_CLFLUSHOPT : X86_FEAT_CLFLUSH))
		interp_raise(ip, X86_UD);
	ea = op_ea(ip, in, 0, &seg);
	lin = seg_linear(ip, seg, ea, 1, ACC_READ);
	mmu_translate(ip, lin, ACC_READ, false, &gpa);
	sys_done(ip, in);
}
