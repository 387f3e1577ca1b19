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
 * it (only cached 64-bit decodes: the scratch decode changes, a
 * page-crossing one needs its tail checked per fetch, and only 64-bit
 * code needs no CS limit check per fetch).
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
		if (next == &ip->scratch || next->mode != 64 ||
		    next->cross_n)
			return next;
	}
	k = rip != in_rip + in->len;
	((struct insn *)in)->link_rip[k] = rip;
	((struct insn *)in)->link_gen[k] = ip->link_gen;
	((struct insn *)in)->link[k] = next;
	return next;
}

/*
 * The htlb key for block bodies and their CALL/RET (ip->blk_key), worked
 * out again only when something may have changed it (blk_key_ok): nothing
 * in a block changes CPL, RFLAGS.AC, CR0.AM or the generation.
 */
static inline uint64_t block_key(struct interp *ip)
{
	if (__builtin_expect(!ip->blk_key_ok, 0)) {
		ip->blk_key = htlb_key(ip);
		ip->blk_key_ok = true;
	}
	return ip->blk_key;
}

/*
 * The stack slot of blk_term, a CALL or RET (block.c block_term), through
 * the host-pointer TLB's hit path with the body's key, as exec_call64 and
 * exec_ret64 would (64-bit mode: SS has no base nor limit; a
 * non-canonical RSP never hits), a write only to a page nobody watches.
 * *next: the target.  False, nothing changed: a miss or a non-canonical
 * return address; the general path then runs it (faults and all).
 */
static inline bool block_stack_term(struct interp *ip, const struct insn *h,
				    uint64_t *next)
{
	uint64_t *rsp = &ip->s.gpr[GPR_RSP];
	uint64_t key = block_key(ip);

	if (h->blk_zcc == BLK_TERM_CALL) {
		if (!htlb_write_quiet(ip, *rsp - 8, 8, key, h->blk_to[0]))
			return false;
		*rsp -= 8;
		*next = h->blk_to[1];
		return true;
	}
	if (!htlb_read_body(ip, *rsp, 8, key, next) ||
	    sign_extend(*next, 48) != *next)
		return false;
	*rsp += 8;
	return true;
}

/* Run blk_term t after h's body: *next its successor's RIP, *k the
 * link of t to look it up by (a Jcc: taken or not).  The Jcc on ZF
 * first: a loop's JNZ pays no test for the other kinds. */
static inline bool block_term_run(struct interp *ip, const struct insn *h,
				  const struct insn *t, uint64_t *next,
				  unsigned *k)
{
	unsigned zcc = h->blk_zcc;

	if (zcc <= 1 && ip->lf.kind != LF_NONE) {
		*k = (ip->lf.r == 0) ^ zcc;         /* lf_cond_z's first case */
	} else if (zcc >= BLK_TERM_CALL) {
		*k = 1;
		return block_stack_term(ip, h, next);
	} else {
		*k = lf_cond_z(ip, t->cc, zcc);
	}
	*next = h->blk_to[*k];
	return true;
}

/*
 * Run h's block body when the batch has room for all of it (end: the
 * batch's exact last instruction count).  Nothing can observe the state
 * inside the body (simple), so RIP, insn_rip, the count and the TSC are
 * written once, exact at its end.  A Jcc after the body (blk_term, its
 * target canonical: it cannot fault either) runs in line, counted with
 * the body, and its successor is looked up by its links: blocks chain
 * without going through the loop's general path.  A CALL rel32 or RET
 * there runs in line too when its stack slot hits (block_stack_term),
 * else the block ends before it.  Returns the
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
	uint64_t next;
	unsigned n, k;

	if (h->blk_gen != ip->code_gen)
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
		block_key(ip);
		do {
			(*b)->body(ip, *b);
			if (__builtin_expect(ip->blk_miss, 0)) {
				*hp = block_cut(ip, h, b, rip);
				return NULL;
			}
		} while (*++b);
	}
	if (t && block_term_run(ip, h, t, &next, &k)) {
		/* The body and its branch did not fault: one update for
		 * both. */
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
