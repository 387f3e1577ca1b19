// SPDX-License-Identifier: MIT
/*
 * Building the run loop's straight-line blocks (block.h runs them).
 */
#include "engine/interp/block.h"

/*
 * The branch in after h's body at RIP r, run by block_run as the block's
 * end: a 64-bit Jcc rel or CALL rel32 whose target is canonical (else
 * #GP, SDM Jcc/CALL: the general path raises it), or a 64-bit RET,
 * whose target block_run checks.
 */
static void block_term(struct insn *h, const struct insn *in, uint64_t r)
{
	/* lf_cond_z's zcc by cc >> 1 (| cc & 1): B 4, Z 0, L 6, LE 10. */
	static const uint8_t zcc_of[8] = { 2, 4, 0, 2, 2, 2, 6, 10 };

	h->blk_to[0] = r + in->len;
	if (in->branch64 == BR64_RET) {
		h->blk_zcc = BLK_TERM_RET;
		h->blk_term = in;
		return;
	}
	h->blk_to[1] = h->blk_to[0] + in->ops[0].imm.value.u;
	if (sign_extend(h->blk_to[1], 48) == h->blk_to[1])
		h->blk_term = in;
	if (in->branch64 == BR64_CALL)
		h->blk_zcc = BLK_TERM_CALL;
	else
		h->blk_zcc = zcc_of[in->cc >> 1] | (in->cc & 1);
}

/*
 * Straight-line blocks (struct insn.simple, blk): the simple instructions
 * from h on, in h's code page, up to the first one that is not simple,
 * not cached yet, or INSN_BLK_MAX.  The fetch state holds h's page: h
 * came from interp_decode() or from a link made since the last
 * link_gen change, and every change of the fetch state moves link_gen.
 * The block stays valid while code_gen does not move: no decode-cache
 * slot changed, and h's guest-physical page was fetched through no
 * other linear page (decode.c fetch_set), so whenever h is reached again
 * it is at rip, with the fetch state mapping rip's page to h's page, and
 * the peeks below would find the same decodes.
 */
void block_build(struct interp *ip, struct insn *h, uint64_t rip)
{
	const struct insn *in = h;
	uint64_t r = rip;
	unsigned n = 0;

	h->blk_mem = false;
	while (in && in->simple && n < INSN_BLK_MAX) {
		h->blk_mem |= in->mem_body;
		h->blk[n++] = in;
		r += in->len;
		in = interp_dcache_peek64(ip, r);
	}
	h->blk[n] = NULL;
	h->blk_n = (uint8_t)n;
	h->blk_len = (uint8_t)(r - rip);
	h->blk_next = in;
	h->blk_term = NULL;
	if (in && (in->jcc64 || in->branch64))
		block_term(h, in, r);
	h->blk_gen = ip->code_gen;
}

/*
 * The body handler of *b missed (exec_body.c: it changed nothing): the
 * instructions before it retired, so count, TSC and RIP move to it, as
 * the general path would have left them, and it runs there next (its
 * fault, device access or watched write then happens with the exact
 * state).
 */
const struct insn *block_cut(struct interp *ip, const struct insn *h,
			     const struct insn *const *b, uint64_t *rip)
{
	struct cpu_state *s = &ip->s;
	unsigned i = (unsigned)(b - h->blk);

	ip->blk_miss = false;
	for (unsigned k = 0; k < i; k++)
		*rip += h->blk[k]->len;
	s->insn_count += i;
	s->tsc += i;
	s->rip = *rip;
	ip->insn_rip = *rip;
	return *b;
}
