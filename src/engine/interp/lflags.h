/* SPDX-License-Identifier: MIT */
/*
 * Lazy arithmetic flags (interp.h struct lazy_flags): the ALU handlers
 * record what they computed instead of computing CF PF AF ZF SF OF, and
 * the readers compute the flags they need from that record.
 *
 * Contract (the run loop and interp_flags_sync keep it): only handlers
 * whose exec_entry row is marked lazy run while a record is pending; they
 * read the arithmetic flags only through lf_flags()/lf_cf()/lf_cond() and
 * record only after their last access that can fault, as with eager
 * flags.  Any other code gets s.rflags exact first.
 */
#ifndef VMXBOX_ENGINE_INTERP_LFLAGS_H
#define VMXBOX_ENGINE_INTERP_LFLAGS_H

/* Record a flag-setting result; r must already be masked to bits. */
static inline void lf_record(struct interp *ip, unsigned kind, uint64_t a,
			     uint64_t b, uint64_t r, unsigned bits)
{
	ip->lf.a = a;
	ip->lf.b = b;
	ip->lf.r = r;
	ip->lf.kind = (uint8_t)kind;
	ip->lf.bits = (uint8_t)bits;
}

/* The arithmetic flags a pending record stands for (FLAGS_ARITH bits;
 * for LF_INC/LF_DEC without CF, which s.rflags holds). */
static inline uint64_t lf_compute(const struct lazy_flags *lf)
{
	switch (lf->kind) {
	case LF_ADD:
		return flags_add(lf->a, lf->b, lf->r, lf->bits);
	case LF_SUB:
		return flags_sub(lf->a, lf->b, lf->r, lf->bits);
	case LF_INC:
		return flags_add(lf->a, 1, lf->r, lf->bits) & ~RFLAGS_CF;
	case LF_DEC:
		return flags_sub(lf->a, 1, lf->r, lf->bits) & ~RFLAGS_CF;
	default:
		return flags_logic(lf->r, lf->bits);
	}
}

static inline uint64_t lf_mask(unsigned kind)
{
	return kind == LF_INC || kind == LF_DEC ? FLAGS_ARITH & ~RFLAGS_CF
						: FLAGS_ARITH;
}

/* RFLAGS as it architecturally is now, s.rflags left alone. */
static inline uint64_t lf_flags(const struct interp *ip)
{
	uint64_t m;

	if (ip->lf.kind == LF_NONE)
		return ip->s.rflags;
	m = lf_mask(ip->lf.kind);
	return (ip->s.rflags & ~m) | lf_compute(&ip->lf);
}

/* CF now (0 or 1). */
static inline uint64_t lf_cf(const struct interp *ip)
{
	const struct lazy_flags *lf = &ip->lf;

	switch (lf->kind) {
	case LF_ADD:
		return msb((lf->a & lf->b) | ((lf->a | lf->b) & ~lf->r), lf->bits);
	case LF_SUB:
		return msb((~lf->a & lf->b) | ((~lf->a | lf->b) & lf->r), lf->bits);
	case LF_LOGIC:
		return 0;
	default:
		return ip->s.rflags & RFLAGS_CF;
	}
}

/* lflags.c: cond_true() on lf_flags(), out of line so that the callers
 * of lf_cond() stay small. */
bool lf_cond_slow(const struct interp *ip, unsigned cc);

/* Condition code cc (SDM Vol. 1 Appendix B) on the current flags; the
 * ZF forms (JZ/JNZ after a loop counter) test the result alone. */
static inline bool lf_cond(const struct interp *ip, unsigned cc)
{
	if (ip->lf.kind != LF_NONE && (cc >> 1) == 2)
		return (ip->lf.r == 0) ^ (cc & 1);
	return lf_cond_slow(ip, cc);
}

/* lf_cond() for a condition known to test ZF alone (zcc: JZ/SETZ 0,
 * JNZ 1), CF alone (JB 4, JAE 5: lf_cf is exact for every record kind
 * and none), SF != OF (JL 6, JGE 7) or that or ZF (JLE 10, JG 11), in
 * line after a SUB/SBB/CMP/NEG record (OF as lflags.c lf_of), or none of
 * these (zcc 2). */
static inline bool lf_cond_z(const struct interp *ip, unsigned cc,
			     unsigned zcc)
{
	const struct lazy_flags *lf = &ip->lf;

	if (zcc <= 1 && lf->kind != LF_NONE)
		return (lf->r == 0) ^ zcc;
	if ((zcc >> 1) == 2)
		return lf_cf(ip) ^ (zcc & 1);
	if (zcc >= 6 && lf->kind == LF_SUB) {
		bool l = msb(lf->r ^ ((lf->a ^ lf->b) & (lf->a ^ lf->r)),
			     lf->bits);

		return (l || (zcc >= 10 && lf->r == 0)) ^ (zcc & 1);
	}
	return lf_cond_slow(ip, cc);
}

/* INC/DEC leave CF as it was: make it exact in s.rflags, then record. */
static inline void lf_record_incdec(struct interp *ip, unsigned kind,
				    uint64_t a, uint64_t r, unsigned bits)
{
	unsigned k = ip->lf.kind;

	/* No record, or INC/DEC's: CF in s.rflags is exact already. */
	if (k == LF_LOGIC)
		ip->s.rflags &= ~RFLAGS_CF;
	else if (k == LF_ADD || k == LF_SUB)
		ip->s.rflags = (ip->s.rflags & ~RFLAGS_CF) | lf_cf(ip);
	lf_record(ip, kind, a, 1, r, bits);
}

#endif
