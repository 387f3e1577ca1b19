/* SPDX-License-Identifier: MIT */
/*
 * The run loop's successor lookup (links) and straight-line blocks
 * (struct insn.simple, blk; docs/performance.md): in line in run_batch
 * (interp.c), the block building out of line (block.c).
 */
#ifndef VMXBOX_ENGINE_INTERP_BLOCK_H
#define VMXBOX_ENGINE_INTERP_BLOCK_H

#include "engine/interp/core.h"

/* Fill h's block for h at RIP rip (block.c). */
void block_build(struct interp *ip, struct insn *h, uint64_t rip);
/* End h's body before *b, whose body handler missed (block.c). */
const struct insn *block_cut(struct interp *ip, const struct insn *h,
			     const struct insn *const *b, uint64_t *rip);

/*
 * The decoded instruction at RIP rip after in: one of in's links while
 * they are valid (ip->link_gen), else the decode cache, which then links
 * it (only cached 64-bit decodes: the scratch decode changes, and only
 * 64-bit code needs no CS limit check per fetch).
 */
static inline const struct insn *next_insn(struct interp *ip,
					   const struct insn *in,
					   uint64_t in_rip, uint64_t rip)
{
	const struct insn *next;
	unsigned k;

	if (rip == in->link_rip[0] && in->link_gen[0] == ip->link_gen)
		return in->link[0];
	if (rip == in->link_rip[1] && in->link_gen[1] == ip->link_gen)
		return in->link[1];
	next = interp_decode_fast(ip);
	if (__builtin_expect(!next, 0)) {
		next = interp_decode(ip);
		if (next == &ip->scratch || next->mode != 64)
			return next;
	}
	k = rip != in_rip + in->len;
	((struct insn *)in)->link_rip[k] = rip;
	((struct insn *)in)->link_gen[k] = ip->link_gen;
	((struct insn *)in)->link[k] = next;
	return next;
}

/*
 * Run h's block body when the batch has room for all of it (end: the
 * batch's exact last instruction count).  Nothing can observe the state
 * inside the body (simple), so RIP, insn_rip, the count and the TSC are
 * written once, exact at its end.  A Jcc after the body (blk_term, its
 * target canonical: it cannot fault either) runs in line, counted with
 * the body, and its successor is looked up by its links: blocks chain
 * without going through the loop's general path.  Returns the
 * instruction to run next with *rip its RIP (decoded: a fetch fault there
 * rewinds to it; h when the batch ended right after the body), or NULL
 * when the body does not fit (*hp then runs instruction by instruction)
 * or a memory form's body handler missed (exec_body.c): the instructions
 * before it are accounted for and *hp, *rip are that instruction, which
 * runs next on the general path.
 */
static inline const struct insn *block_run(struct interp *ip,
					   const struct insn **hp,
					   uint64_t *rip, uint64_t end)
{
	struct cpu_state *s = &ip->s;
	const struct insn *h = *hp;
	const struct insn *const *b;
	const struct insn *t;
	unsigned n;

	if (h->blk_gen != ip->dcache_gen || h->blk_rip != *rip)
		block_build(ip, (struct insn *)h, *rip);
	n = h->blk_n;
	t = h->blk_term;
	if (s->insn_count + n >= end) {
		if (s->insn_count + n > end)
			return NULL;
		t = NULL;           /* the body ends the batch */
	}
	b = h->blk;
	if (!h->blk_mem) {
		do
			(*b)->body(ip, *b);
		while (*++b);
	} else {
		ip->blk_key = htlb_key(ip);
		do {
			(*b)->body(ip, *b);
			if (__builtin_expect(ip->blk_miss, 0)) {
				*hp = block_cut(ip, h, b, rip);
				return NULL;
			}
		} while (*++b);
	}
	if (t) {
		/* The Jcc in line (its target checked by block_build): the
		 * body and the Jcc cannot fault, one update for both. */
		unsigned k = lf_cond_z(ip, t->cc, h->blk_zcc);
		uint64_t next = h->blk_to[k];
		uint64_t m = n + 1;

		s->insn_count += m;
		/* Opaque m: GCC's SLP vectoriser would pair the two adds
		 * into SSE moves (7 host instructions instead of 2). */
		__asm__("" : "+r"(m));
		s->tsc += m;
		s->rip = next;
		ip->insn_rip = next;
		/* next_insn's links, the one for this direction first. */
		if (next == t->link_rip[k] && t->link_gen[k] == ip->link_gen)
			t = t->link[k];
		else
			t = next_insn(ip, t, h->blk_to[0] - t->len, next);
		*rip = next;
		return t;
	}
	s->insn_count += n;
	s->tsc += n;
	*rip += h->blk_len;
	ip->insn_rip = *rip;
	s->rip = *rip;
	t = h->blk_next;
	if (!t && s->insn_count < end)
		t = interp_decode(ip);
	return t ? t : h;
}

#endif
