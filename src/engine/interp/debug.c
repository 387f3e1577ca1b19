// SPDX-License-Identifier: MIT
/*
 * Debugger breakpoints and watchpoints (engine_ops.set_debug, engine.h).
 *
 * Cost when unused: the run loop tests one flag per batch (dbg_active);
 * the memory paths test dbg.n_wp only on the slow path that the
 * host-pointer TLB (htlb.h) bypasses, and that TLB is off while a
 * watchpoint exists, so no access escapes the check.
 *
 * A breakpoint stops the run before the instruction at its linear
 * address executes; a watchpoint after the instruction that touched the
 * watched bytes completes (x86 data breakpoints are traps, SDM 17.2.4),
 * as gdb expects.  The run resumes over a breakpoint at the vCPU's
 * position when set_debug was called, since that is where gdb continues
 * or steps from.
 */
#include "engine/interp/sys.h"
#include "engine/interp/htlb.h"

#include <string.h>

void interp_set_debug(struct engine *e, const struct engine_debug *d)
{
	struct interp *ip = to_interp(e);
	bool had_wp = ip->dbg.n_wp != 0, has_wp;

	ip->dbg = *d;
	if (ip->dbg.n_bp > ENGINE_DEBUG_MAX_BP)
		ip->dbg.n_bp = ENGINE_DEBUG_MAX_BP;
	if (ip->dbg.n_wp > ENGINE_DEBUG_MAX_WP)
		ip->dbg.n_wp = ENGINE_DEBUG_MAX_WP;
	ip->dbg_active = ip->dbg.n_bp || ip->dbg.n_wp;
	ip->dbg_skip_count = d->no_skip ? UINT64_MAX : ip->s.insn_count;
	ip->dbg_skip_rip = ip->s.rip;
	ip->dbg_hit_valid = false;
	/* Watchpoints see every access only without the host-pointer TLB. */
	has_wp = ip->dbg.n_wp != 0;
	if (has_wp != had_wp) {
		ip->htlb.off = ip->dbg.n_wp || ip->tlb.check;
		ip->tlb.note = TLB_NOTE_NONE;   /* no older generation back */
		htlb_flush(ip);
	}
}

/* The linear address of the next instruction. */
static uint64_t code_linear(const struct interp *ip)
{
	const struct cpu_state *s = &ip->s;

	if (cpu_64bit_mode(s))
		return s->rip;
	return (s->seg[SEG_CS].base + s->rip) & 0xffffffffull;
}

bool interp_break_here(struct interp *ip)
{
	uint64_t lin;

	if (!ip->dbg.n_bp || (ip->s.insn_count == ip->dbg_skip_count &&
			      ip->s.rip == ip->dbg_skip_rip))
		return false;
	lin = code_linear(ip);
	for (unsigned i = 0; i < ip->dbg.n_bp; i++) {
		if (ip->dbg.bp[i] != lin)
			continue;
		ip->dbg_hit = (struct engine_debug_hit){
			.kind = ENGINE_HIT_BREAK, .addr = lin, .index = i,
		};
		ip->dbg_hit_valid = true;
		return true;
	}
	return false;
}

static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

void interp_watch_check(struct interp *ip, uint64_t lin, uint64_t gpa,
			unsigned len, unsigned acc)
{
	unsigned a = ACC_KIND(acc);
	unsigned kind = a == ACC_WRITE ? ENGINE_WATCH_WRITE
		      : a == ACC_READ ? ENGINE_WATCH_READ : 0;

	if (!kind || ip->dbg_hit_valid)
		return;
	for (unsigned i = 0; i < ip->dbg.n_wp; i++) {
		const struct engine_watch *w = &ip->dbg.wp[i];

		if (!(w->kind & kind) ||
		    !overlaps(w->phys ? gpa : lin, len, w->addr, w->len))
			continue;
		ip->dbg_hit = (struct engine_debug_hit){
			.kind = ENGINE_HIT_WATCH, .watch_kind = kind,
			.wp_kind = w->kind,
			.addr = w->addr, .index = i,
		};
		ip->dbg_hit_valid = true;
		return;
	}
}
