// SPDX-License-Identifier: MIT
/*
 * Plumbing to the VMX intercept hook (engine/intercept.h): the context lent
 * to the hook and the generic handling of its verdicts.
 */
#include "engine/interp/sys.h"

#include <string.h>

static int ctx_access(struct interp *ip, unsigned seg, uint64_t off, void *rbuf,
		      const void *wbuf, unsigned len)
{
	jmp_buf saved;
	volatile bool saved_in = ip->in_insn;
	volatile int rc = -1;

	memcpy(&saved, &ip->fault_jmp, sizeof(saved));
	ip->in_insn = true;
	if (setjmp(ip->fault_jmp) == 0) {
		if (wbuf)
			mem_write(ip, seg, off, wbuf, len);
		else
			mem_read(ip, seg, off, rbuf, len);
		rc = 0;
	}
	memcpy(&ip->fault_jmp, &saved, sizeof(saved));
	ip->in_insn = saved_in;
	return rc;
}

static int ctx_read_lin(void *engine, unsigned seg, uint64_t offset, void *buf,
			unsigned len)
{
	return ctx_access(engine, seg, offset, buf, NULL, len);
}

static int ctx_write_lin(void *engine, unsigned seg, uint64_t offset,
			 const void *buf, unsigned len)
{
	return ctx_access(engine, seg, offset, NULL, buf, len);
}

static void ctx_state_changed(void *engine)
{
	struct interp *ip = engine;

	ip->state_switched = true;
	tlb_state_switched(ip);
}

static void ctx_tlb_invalidate(void *engine, const struct tlb_inval *iv)
{
	tlb_invalidate(engine, iv);
}

void interp_icpt_init(struct interp *ip)
{
	/* Every call into the VMX layer comes here first: it reads and
	 * replaces RFLAGS, so pending lazy flags must be exact. */
	interp_flags_sync(ip);
	if (ip->icpt.engine == ip)
		return;
	ip->icpt.cpu = &ip->s;
	ip->icpt.mem = ip->cfg.mem;
	ip->icpt.engine = ip;
	ip->icpt.read_lin = ctx_read_lin;
	ip->icpt.write_lin = ctx_write_lin;
	ip->icpt.state_changed = ctx_state_changed;
	ip->icpt.tlb_invalidate = ctx_tlb_invalidate;
	ip->icpt.intc = &ip->cfg.intc;
	ip->icpt.timer_tsc = UINT64_MAX;
	ip->icpt.clock = ip->cfg.clock;
}

uint64_t hook_rip_enter(struct interp *ip)
{
	uint64_t next = ip->s.rip;

	if (ip->in_insn)
		ip->s.rip = ip->insn_rip;
	return next;
}

void hook_rip_leave(struct interp *ip, enum icpt_result r, uint64_t next_rip)
{
	if (ip->in_insn && r != ICPT_SWITCHED)
		ip->s.rip = next_rip;
}

enum icpt_result interp_intercept(struct interp *ip, struct x86_intercept *ic)
{
	const struct x86_intercept_ops *ops = ip->cfg.icpt;
	enum icpt_result r;

	if (!ops || !ops->intercept)
		return ICPT_CONTINUE;
	interp_icpt_init(ip);
	uint64_t next = hook_rip_enter(ip);
	uint32_t epoch = ip->tlb.epoch;
	r = ops->intercept(ip->cfg.icpt_opaque, &ip->icpt, ic);
	hook_rip_leave(ip, r, next);
	if (r == ICPT_SWITCHED) {
		ip->state_switched = true;
		/* Unless the hook said so itself (ctx->state_changed, which
		 * moves the epoch): the VMX layer does, after its last change
		 * of what the TLB tag reads, so the tag it may have loaded
		 * since (the entry's judge of L2's translations) stays. */
		if (ip->tlb.epoch == epoch)
			tlb_state_switched(ip);
	}
	return r;
}

enum icpt_result sys_intercept(struct interp *ip, struct x86_intercept *ic)
{
	switch (interp_intercept(ip, ic)) {
	case ICPT_SWITCHED:
		interp_abort_switched(ip);
	case ICPT_FAULT:
		if (!ip->s.pending_exception.valid)
			interp_raise(ip, X86_UD);   /* hook broke its contract */
		longjmp(ip->fault_jmp, 1);
	case ICPT_EMULATED:
		return ICPT_EMULATED;
	default:
		return ICPT_CONTINUE;
	}
}

