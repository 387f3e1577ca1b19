// SPDX-License-Identifier: MIT
/*
 * Exceptions and interrupts: raising faults from inside an instruction,
 * delivery through the real-mode IVT (SDM 20.1.4), the protected-mode IDT
 * (SDM 6.12) and the IA-32e IDT (SDM 6.14), double fault and triple fault
 * (SDM 6.15, Table 6-5), NMI / external interrupts at instruction
 * boundaries (SDM 6.8.3, 6.7.1).
 */
#include "engine/interp/sys.h"

#include <stdio.h>
#include <string.h>

static _Noreturn void raise_event(struct interp *ip, uint8_t vector,
				  bool has_err, uint32_t err)
{
	ip->s.pending_exception = (struct x86_event){
		.valid = true, .type = EVT_HW_EXCEPTION, .vector = vector,
		.has_error_code = has_err, .error_code = err,
	};
	longjmp(ip->fault_jmp, 1);
}

_Noreturn void interp_raise(struct interp *ip, uint8_t vector)
{
	raise_event(ip, vector, false, 0);
}

_Noreturn void interp_raise_err(struct interp *ip, uint8_t vector, uint32_t err)
{
	raise_event(ip, vector, true, err);
}

_Noreturn void interp_raise_gp0(struct interp *ip)
{
	raise_event(ip, X86_GP, true, 0);
}

_Noreturn void interp_raise_pf(struct interp *ip, uint64_t cr2, uint32_t err)
{
	ip->fault_cr2 = cr2;
	ip->fault_cr2_valid = true;
	raise_event(ip, X86_PF, true, err);
}

_Noreturn void interp_abort_switched(struct interp *ip)
{
	ip->state_switched = true;
	ip->s.pending_exception.valid = false;
	longjmp(ip->fault_jmp, 2);
}

/* ---- helpers ---- */

/* INT n / INT3 / INTO: DPL-checked software events. */
static bool evt_soft(const struct x86_event *ev)
{
	return ev->type == EVT_SW_INTR || ev->type == EVT_SW_EXCEPTION;
}

/* EXT bit of error codes for faults during delivery (SDM 6.13). */
static uint32_t evt_ext(const struct x86_event *ev)
{
	return evt_soft(ev) ? 0 : 1;
}

static bool evt_is_exception(const struct x86_event *ev)
{
	return ev->type == EVT_HW_EXCEPTION || ev->type == EVT_NMI ||
	       ev->type == EVT_SW_EXCEPTION || ev->type == EVT_PRIV_SW_EXCEPTION;
}

/* The RFLAGS image pushed: RF set for faults (SDM 17.3.1.1). */
static uint64_t pushed_rflags(const struct cpu_state *s,
			      const struct x86_event *ev)
{
	uint64_t f = s->rflags;

	if (ev->type == EVT_HW_EXCEPTION && ev->vector != X86_DB &&
	    ev->vector != X86_BP && ev->vector != X86_OF)
		f |= RFLAGS_RF;
	return f;
}

static uint64_t return_ip(const struct cpu_state *s, const struct x86_event *ev)
{
	uint64_t rip = s->rip;

	if (ev->type == EVT_SW_INTR || ev->type == EVT_SW_EXCEPTION ||
	    ev->type == EVT_PRIV_SW_EXCEPTION)
		rip += ev->insn_len;
	return rip & sys_ip_mask(s);
}

/* Linear address of sp..sp+len on stack segment ss (not yet loaded). */
uint64_t stack_lin(struct interp *ip, const struct seg_reg *ss,
			  uint64_t sp, unsigned len, bool is64, uint32_t err)
{
	uint64_t last = sp + len - 1;

	if (is64) {
		if (!lin_canonical(sp) || !lin_canonical(last))
			interp_raise_err(ip, X86_SS, err);
		return sp;
	}
	if (sys_protected(&ip->s) && (ss->ar & 0xc) == 0x4) {
		uint64_t upper = (ss->ar & SEG_AR_DB) ? 0xffffffffull : 0xffffull;

		if (sp <= ss->limit || last > upper)
			interp_raise_err(ip, X86_SS, err);
	} else if (last > ss->limit) {
		interp_raise_err(ip, X86_SS, err);
	}
	return (ss->base + sp) & 0xffffffffull;
}

/* Write vals[0] at the highest address ... vals[n-1] at sp (each size
 * bytes). */
static void frame_write(struct interp *ip, uint64_t lin, const uint64_t *vals,
			unsigned n, unsigned size, unsigned acc)
{
	uint8_t buf[8 * 8];

	for (unsigned i = 0; i < n; i++)
		memcpy(buf + (n - 1 - i) * size, &vals[i], size);
	lin_write(ip, lin, buf, n * size, acc);
}

/* ---- real mode (SDM 20.1.4) ---- */

static void deliver_real(struct interp *ip, const struct x86_event *ev)
{
	struct cpu_state *s = &ip->s;
	uint32_t off = ev->vector * 4u, vec;
	uint64_t sp_mask = (s->seg[SEG_SS].ar & SEG_AR_DB) ? 0xffffffffull : 0xffff;
	uint64_t sp = (s->gpr[GPR_RSP] - 6) & sp_mask;
	uint64_t vals[3];

	if (off + 3 > s->idtr.limit)
		interp_raise_err(ip, X86_GP, 0);
	lin_read(ip, s->idtr.base + off, &vec, 4, ACC_READ | ACC_SUPER);
	vals[0] = pushed_rflags(s, ev) & 0xffff;
	vals[1] = s->seg[SEG_CS].sel;
	vals[2] = return_ip(s, ev);
	frame_write(ip, stack_lin(ip, &s->seg[SEG_SS], sp, 6, false, 0), vals, 3,
		    2, ACC_WRITE);
	s->gpr[GPR_RSP] = (s->gpr[GPR_RSP] & ~sp_mask) | sp;
	s->rflags &= ~(RFLAGS_IF | RFLAGS_TF | RFLAGS_AC | RFLAGS_RF);
	s->seg[SEG_CS].sel = (uint16_t)(vec >> 16);
	s->seg[SEG_CS].base = (uint64_t)(vec >> 16) << 4;
	s->rip = vec & 0xffff;
}

/* ---- protected mode / IA-32e IDT ---- */

struct gate {
	uint16_t sel;
	uint64_t off;
	unsigned type;      /* S + type, bits 4:0 */
	unsigned dpl;
	unsigned ist;
	bool present;
};

/*
 * A task gate in the IDT outside IA-32e mode (SDM 6.12.2; INT n
 * "TASK-GATE"): the gate's TSS selector is checked (SDM 26.4.2 steps 2-4)
 * and the task switch goes to the VMX layer, which exits in VMX non-root
 * operation with cpu->injected as IDT-vectoring information.  Otherwise
 * the task switch is carried out (SDM 8.3, task.c): the old task saves the
 * return EIP of the event and its EFLAGS image (RF set for faults), the
 * new task is nested (back link, NT), and an error code goes on the new
 * task's stack (SDM 6.12.2).
 */
static void idt_task_gate(struct interp *ip, const struct x86_event *ev,
			  uint16_t tss)
{
	struct cpu_state *s = &ip->s;
	uint32_t ext = evt_ext(ev);
	struct x86_intercept ic = {
		.kind = ICPT_TASK_SWITCH, .rip = s->rip,
	};
	struct task_switch ts = {
		.sel = tss, .source = TASK_SRC_IDT_GATE, .ext = ext,
		.old_eip = return_ip(s, ev), .old_eflags = pushed_rflags(s, ev),
		.has_err = ev->has_error_code, .err = ev->error_code,
	};

	ts.desc = seg_task_target(ip, tss, false, X86_GP, ext);
	ic.u.task.sel = tss;
	ic.u.task.source = TASK_SRC_IDT_GATE;
	if (sys_intercept(ip, &ic) == ICPT_EMULATED)
		return;
	task_switch(ip, &ts);
}

static struct gate idt_gate(struct interp *ip, const struct x86_event *ev,
			    bool lm)
{
	const struct cpu_state *s = &ip->s;
	unsigned esize = lm ? 16 : 8;
	uint32_t err = ev->vector * 8u + 2 + evt_ext(ev);
	uint64_t d[2] = { 0, 0 };
	struct gate g;

	if ((uint64_t)ev->vector * esize + esize - 1 > s->idtr.limit)
		interp_raise_err(ip, X86_GP, err);
	lin_read(ip, s->idtr.base + ev->vector * esize, d, esize,
		 ACC_READ | ACC_SUPER);
	g.sel = (uint16_t)(d[0] >> 16);
	g.off = (d[0] & 0xffff) | (((d[0] >> 48) & 0xffff) << 16);
	g.type = (unsigned)(d[0] >> 40) & 0x1f;
	g.dpl = (unsigned)(d[0] >> 45) & 3;
	g.present = (d[0] >> 47) & 1;
	g.ist = lm ? (unsigned)(d[0] >> 32) & 7 : 0;
	if (lm) {
		g.off |= (d[1] & 0xffffffffull) << 32;
		if (g.type != 0xe && g.type != 0xf)
			interp_raise_err(ip, X86_GP, err);
	} else {
		/* 16/32-bit interrupt and trap gates, task gates. */
		if (g.type != 0x5 && g.type != 0x6 && g.type != 0x7 &&
		    g.type != 0xe && g.type != 0xf)
			interp_raise_err(ip, X86_GP, err);
		if (!(g.type & 8))
			g.off &= 0xffff;
	}
	if (evt_soft(ev) && g.dpl < cpu_cpl(s))
		interp_raise_err(ip, X86_GP, err);
	if (!g.present)
		interp_raise_err(ip, X86_NP, err);
	return g;
}

/* Target code segment of a gate (SDM 6.12.1.1). */
static uint64_t gate_code_desc(struct interp *ip, const struct gate *g,
			       uint32_t ext, bool lm)
{
	uint64_t d, addr;
	uint32_t ar;

	if (!(g->sel & 0xfffc))
		interp_raise_err(ip, X86_GP, ext);
	d = desc_read(ip, g->sel, X86_GP, ext, &addr);
	ar = desc_ar(d);
	if (!(ar & SEG_AR_S) || !(ar & 8) ||
	    ((ar & SEG_AR_DPL_MASK) >> SEG_AR_DPL_SHIFT) > cpu_cpl(&ip->s))
		interp_raise_err(ip, X86_GP, (g->sel & 0xfffc) | ext);
	if (lm && (!(ar & SEG_AR_L) || (ar & SEG_AR_DB)))
		interp_raise_err(ip, X86_GP, (g->sel & 0xfffc) | ext);
	if (!(ar & SEG_AR_P))
		interp_raise_err(ip, X86_NP, (g->sel & 0xfffc) | ext);
	desc_set_accessed(ip, addr, &d);
	return d;
}

/* Stack for privilege level dpl from the 32-bit / 16-bit TSS. */
void tss_stack32(struct interp *ip, unsigned dpl, uint32_t ext,
			uint16_t *ss, uint32_t *esp)
{
	const struct seg_reg *tr = &ip->s.seg[SEG_TR];
	bool tss32 = (tr->ar & 8) != 0;
	unsigned off = tss32 ? 4 + 8 * dpl : 2 + 4 * dpl;
	unsigned len = tss32 ? 8 : 4;
	uint8_t b[8];

	if (off + len - 1 > tr->limit)
		interp_raise_err(ip, X86_TS, (tr->sel & 0xfffc) | ext);
	lin_read(ip, tr->base + off, b, len, ACC_READ | ACC_SUPER);
	if (tss32) {
		memcpy(esp, b, 4);
		memcpy(ss, b + 4, 2);
	} else {
		uint16_t sp16;

		memcpy(&sp16, b, 2);
		memcpy(ss, b + 2, 2);
		*esp = sp16;
	}
}

/* New SS for an inner-privilege transfer (SDM 6.12.1.1, #TS rules). */
void load_inner_ss(struct interp *ip, uint16_t sel, unsigned dpl,
			  uint32_t ext, struct seg_reg *out)
{
	uint64_t d, addr;
	uint32_t ar;

	if (!(sel & 0xfffc))
		interp_raise_err(ip, X86_TS, ext);
	d = desc_read(ip, sel, X86_TS, ext, &addr);
	ar = desc_ar(d);
	if ((sel & 3) != dpl || ((ar & SEG_AR_DPL_MASK) >> SEG_AR_DPL_SHIFT) != dpl ||
	    !(ar & SEG_AR_S) || (ar & 8) || !(ar & 2))
		interp_raise_err(ip, X86_TS, (sel & 0xfffc) | ext);
	if (!(ar & SEG_AR_P))
		interp_raise_err(ip, X86_SS, (sel & 0xfffc) | ext);
	desc_set_accessed(ip, addr, &d);
	seg_from_desc(out, sel, d);
}

static void finish_gate(struct interp *ip, const struct gate *g, uint64_t cd,
			unsigned new_cpl)
{
	struct cpu_state *s = &ip->s;

	seg_from_desc(&s->seg[SEG_CS], (uint16_t)((g->sel & 0xfffc) | new_cpl), cd);
	s->rip = g->off;
	s->rflags &= ~(RFLAGS_TF | RFLAGS_NT | RFLAGS_RF | RFLAGS_VM);
	if (!(g->type & 1))
		s->rflags &= ~RFLAGS_IF;   /* interrupt gate */
}

/*
 * Protected-mode IDT delivery (SDM 6.12.1, INT n "PROTECTED-MODE").  From
 * virtual-8086 mode the handler must be non-conforming code at DPL 0
 * (else #GP(selector)): the ring-0 stack of the TSS gets GS, FS, DS, ES
 * before the usual SS, ESP, EFLAGS (VM = 1), CS, EIP frame, and those four
 * become null (INT n "INTERRUPT-FROM-VIRTUAL-8086-MODE", SDM 20.3.1.1).
 */
static void deliver_pm(struct interp *ip, const struct x86_event *ev)
{
	static const unsigned v86_segs[] = { SEG_GS, SEG_FS, SEG_DS, SEG_ES };
	struct cpu_state *s = &ip->s;
	uint32_t ext = evt_ext(ev);
	struct gate g = idt_gate(ip, ev, false);
	uint64_t cd, sp, lin, sp_mask, vals[10];
	unsigned cpl = cpu_cpl(s), cdpl, new_cpl, n = 0;
	unsigned size = (g.type & 8) ? 4 : 2;
	bool inner, v86 = s->rflags & RFLAGS_VM;
	struct seg_reg ss = s->seg[SEG_SS];

	if (g.type == 0x5) {
		idt_task_gate(ip, ev, g.sel);
		return;
	}
	cd = gate_code_desc(ip, &g, ext, false);
	cdpl = (desc_ar(cd) & SEG_AR_DPL_MASK) >> SEG_AR_DPL_SHIFT;
	inner = !(desc_ar(cd) & 4) && cdpl < cpl;
	new_cpl = inner ? cdpl : cpl;
	if (v86 && (!inner || cdpl != 0))
		interp_raise_err(ip, X86_GP, (g.sel & 0xfffc) | ext);
	if (inner) {
		uint16_t nss;
		uint32_t nesp;

		tss_stack32(ip, cdpl, ext, &nss, &nesp);
		load_inner_ss(ip, nss, cdpl, ext, &ss);
		sp = nesp;
		for (unsigned i = 0; v86 && i < 4; i++)
			vals[n++] = s->seg[v86_segs[i]].sel;
		vals[n++] = s->seg[SEG_SS].sel;
		vals[n++] = s->gpr[GPR_RSP];
	} else {
		sp = s->gpr[GPR_RSP];
	}
	vals[n++] = pushed_rflags(s, ev);
	vals[n++] = s->seg[SEG_CS].sel;
	vals[n++] = return_ip(s, ev);
	if (ev->has_error_code)
		vals[n++] = ev->error_code;
	sp_mask = (ss.ar & SEG_AR_DB) ? 0xffffffffull : 0xffffull;
	sp = (sp - n * size) & sp_mask;
	lin = stack_lin(ip, &ss, sp, n * size, false,
			inner ? (ss.sel & 0xfffc) | ext : 0);
	if (g.off > desc_limit(cd))
		interp_raise_err(ip, X86_GP, ext);
	frame_write(ip, lin, vals, n, size,
		    ACC_WRITE | (new_cpl < 3 ? ACC_SUPER : 0));
	if (inner) {
		s->seg[SEG_SS] = ss;
		s->gpr[GPR_RSP] = sp;
	} else {
		s->gpr[GPR_RSP] = (s->gpr[GPR_RSP] & ~sp_mask) | sp;
	}
	for (unsigned i = 0; v86 && i < 4; i++)
		s->seg[v86_segs[i]] = (struct seg_reg){ .ar = SEG_AR_UNUSABLE };
	finish_gate(ip, &g, cd, new_cpl);
}

static void deliver_lm(struct interp *ip, const struct x86_event *ev)
{
	struct cpu_state *s = &ip->s;
	uint32_t ext = evt_ext(ev);
	struct gate g = idt_gate(ip, ev, true);
	uint64_t cd = gate_code_desc(ip, &g, ext, true);
	unsigned cpl = cpu_cpl(s);
	unsigned cdpl = (desc_ar(cd) & SEG_AR_DPL_MASK) >> SEG_AR_DPL_SHIFT;
	bool conforming = desc_ar(cd) & 4;
	unsigned new_cpl = (!conforming && cdpl < cpl) ? cdpl : cpl;
	uint64_t vals[6], sp, lin;
	unsigned n = 0;

	if (!lin_canonical(g.off))
		interp_raise_err(ip, X86_GP, ext);
	sp = s->gpr[GPR_RSP];
	if (new_cpl < cpl || g.ist) {
		const struct seg_reg *tr = &s->seg[SEG_TR];
		unsigned off = g.ist ? 0x24 + 8 * (g.ist - 1) : 4 + 8 * new_cpl;

		if (off + 7 > tr->limit)
			interp_raise_err(ip, X86_TS, (tr->sel & 0xfffc) | ext);
		lin_read(ip, tr->base + off, &sp, 8, ACC_READ | ACC_SUPER);
		if (!lin_canonical(sp))
			interp_raise_err(ip, X86_SS, ext);
	}
	if (!cpu_64bit_mode(s) && !(new_cpl < cpl || g.ist))
		sp &= 0xffffffffull;   /* from compatibility mode, same stack */
	sp &= ~0xfull;                 /* SDM 6.14.2 */
	vals[n++] = s->seg[SEG_SS].sel;
	vals[n++] = s->gpr[GPR_RSP];
	vals[n++] = pushed_rflags(s, ev);
	vals[n++] = s->seg[SEG_CS].sel;
	vals[n++] = return_ip(s, ev);
	if (ev->has_error_code)
		vals[n++] = ev->error_code;
	sp -= n * 8;
	lin = stack_lin(ip, &s->seg[SEG_SS], sp, n * 8, true, ext);
	frame_write(ip, lin, vals, n, 8,
		    ACC_WRITE | (new_cpl < 3 ? ACC_SUPER : 0));
	if (new_cpl < cpl) {
		/* SS gets a null selector with RPL = new CPL (SDM 6.14.4). */
		struct seg_reg *ss = &s->seg[SEG_SS];

		ss->sel = (uint16_t)new_cpl;
		ss->base = 0;
		ss->limit = 0;
		ss->ar = SEG_AR_UNUSABLE | SEG_AR_S | SEG_AR_P | 0x3 |
			 (new_cpl << SEG_AR_DPL_SHIFT);
	}
	s->gpr[GPR_RSP] = sp;
	finish_gate(ip, &g, cd, new_cpl);
}

/* ---- event delivery with #DF / triple fault ---- */

enum exc_class { EXC_BENIGN, EXC_CONTRIB, EXC_PF, EXC_DF };

static enum exc_class exc_class(const struct x86_event *ev)
{
	if (ev->type != EVT_HW_EXCEPTION)
		return EXC_BENIGN;
	switch (ev->vector) {
	case X86_DE: case X86_TS: case X86_NP: case X86_SS: case X86_GP:
		return EXC_CONTRIB;
	case X86_PF:
		return EXC_PF;
	case X86_DF:
		return EXC_DF;
	default:
		return EXC_BENIGN;
	}
}

static void triple_fault(struct interp *ip)
{
	struct x86_intercept ic = {
		.kind = ICPT_TRIPLE_FAULT, .rip = ip->s.rip,
	};

	ip->s.injected.valid = false;
	if (interp_intercept(ip, &ic) == ICPT_SWITCHED) {
		ip->state_switched = true;
		return;
	}
	ip->s.activity = ACTIVITY_SHUTDOWN;
	ip->exit_reason = ENGINE_EXIT_SHUTDOWN;
	snprintf(ip->exit_msg, sizeof(ip->exit_msg), "triple fault at rip %#llx",
		 (unsigned long long)ip->s.rip);
}

/* Offer an exception to the VMX layer (exception bitmap, SDM 25.2). */
static enum icpt_result offer_exception(struct interp *ip,
					const struct x86_event *ev)
{
	struct x86_intercept ic = {
		.kind = ICPT_EXCEPTION, .rip = ip->s.rip, .insn_len = ev->insn_len,
	};

	ic.u.exc.vector = ev->vector;
	ic.u.exc.type = ev->type;
	ic.u.exc.has_error_code = ev->has_error_code;
	ic.u.exc.error_code = ev->error_code;
	if (ev->vector == X86_PF && ev->type == EVT_HW_EXCEPTION)
		ic.u.exc.qualification = ip->fault_cr2_valid ? ip->fault_cr2 :
							       ip->s.cr2;
	else if (ev->vector == X86_DB)
		ic.u.exc.qualification = ip->s.pending_dbg | ip->db_dr6;
	return interp_intercept(ip, &ic);
}

static bool same_event(const struct x86_event *a, const struct x86_event *b)
{
	return a->valid && a->type == b->type && a->vector == b->vector &&
	       a->has_error_code == b->has_error_code &&
	       a->error_code == b->error_code && a->insn_len == b->insn_len;
}

/* A #DB delivered through the IDT: now its DR6 bits become visible, and a
 * general-detect #DB clears DR7.GD (SDM 18.2.4, 18.3.1).  Pending debug
 * exceptions (B3-B0, BS; loaded by VM entry, SDM 27.7.3) are delivered by
 * it: they reach DR6 and are no longer pending. */
#define DR6_FROM_PENDING (0xfull | (1ull << 14))

static void apply_db_dr6(struct interp *ip, const struct x86_event *ev)
{
	if (ev->vector != X86_DB || ev->type != EVT_HW_EXCEPTION)
		return;
	ip->s.dr[6] |= ip->db_dr6 | (ip->s.pending_dbg & DR6_FROM_PENDING);
	ip->s.pending_dbg = 0;
	if (ip->db_dr6 & (1ull << 13))
		ip->s.dr[7] &= ~(1ull << 13);
	ip->db_dr6 = 0;
}

/* Deliver one event; faults longjmp to the caller's handler. Returns
 * false when the VMX layer took it (state switched). */
static bool deliver_once(struct interp *ip, const struct x86_event *ev,
			 bool offered)
{
	struct cpu_state *s = &ip->s;

	/* External interrupts are offered too: the VMX layer exits on them
	 * or sees their delivery (monitor trap flag, SDM 26.5.2). */
	if (!offered && (evt_is_exception(ev) || ev->type == EVT_EXT_INTR)) {
		struct x86_event being = s->injected;
		enum icpt_result r;

		/* The event's own exit (exception bitmap, NMI exiting) is not
		 * one during its delivery: no IDT-vectoring information
		 * (SDM 28.2.4) unless another event was being delivered. */
		if (same_event(&being, ev))
			s->injected.valid = false;
		r = offer_exception(ip, ev);
		if (r != ICPT_SWITCHED)
			s->injected = being;
		switch (r) {
		case ICPT_SWITCHED:
			/* A VM exit (or an exit that won over this #DB):
			 * DR6 keeps its value (SDM 27.1). */
			if (ev->vector == X86_DB)
				ip->db_dr6 = 0;
			ip->state_switched = true;
			return false;
		case ICPT_FAULT:
			longjmp(ip->fault_jmp, 1);
		case ICPT_EMULATED:
			if (ev->vector == X86_DB)
				ip->db_dr6 = 0;
			return true;
		default:
			break;
		}
	}
	if (ev->vector == X86_PF && ev->type == EVT_HW_EXCEPTION &&
	    ip->fault_cr2_valid) {
		s->cr2 = ip->fault_cr2;
		ip->fault_cr2_valid = false;
	}
	apply_db_dr6(ip, ev);
	if (!(s->cr0 & CR0_PE))
		deliver_real(ip, ev);
	else if (cpu_long_mode(s))
		deliver_lm(ip, ev);
	else
		deliver_pm(ip, ev);
	if (ev->type == EVT_NMI)
		s->interruptibility |= INTR_BLOCK_NMI;
	s->interruptibility &= ~(INTR_BLOCK_STI | INTR_BLOCK_MOV_SS);
	if (s->activity == ACTIVITY_HLT)
		s->activity = ACTIVITY_ACTIVE;
	return true;
}

/* A fault e2 while delivering cur: the VMX layer sees e2 first (it may
 * exit with cur as IDT-vectoring information), then Table 6-5 decides
 * between serial delivery, #DF and shutdown.  Returns false when done. */
static bool combine(struct interp *ip, struct x86_event *cur,
		    const struct x86_event *e2)
{
	enum exc_class c1 = exc_class(cur), c2 = exc_class(e2);

	switch (offer_exception(ip, e2)) {
	case ICPT_SWITCHED:
		ip->state_switched = true;
		return false;
	case ICPT_EMULATED:
		return false;
	default:
		break;
	}
	if (e2->vector == X86_PF && ip->fault_cr2_valid) {
		ip->s.cr2 = ip->fault_cr2;
		ip->fault_cr2_valid = false;
	}
	if (c1 == EXC_DF && c2 != EXC_BENIGN) {
		triple_fault(ip);
		return false;
	}
	if ((c1 == EXC_CONTRIB && c2 == EXC_CONTRIB) ||
	    (c1 == EXC_PF && c2 >= EXC_CONTRIB)) {
		*cur = (struct x86_event){
			.valid = true, .type = EVT_HW_EXCEPTION,
			.vector = X86_DF, .has_error_code = true,
		};
		return true;
	}
	*cur = *e2;   /* handled serially */
	return true;
}

static void deliver_nested(struct interp *ip, const struct x86_event *first,
			   bool offer_first)
{
	jmp_buf saved;
	volatile bool saved_in = ip->in_insn;
	struct x86_event cur = *first;
	volatile unsigned rounds = 0;
	volatile bool offered = !offer_first;
	bool was_switched = ip->state_switched;

	memcpy(&saved, &ip->fault_jmp, sizeof(saved));
	/* The hook sees insn_rip as the RIP of the event (hook_rip_enter):
	 * for a fault or INT n it already is; for an event taken at a
	 * boundary (interrupt, NMI, injected event, trap) it is the next
	 * instruction, not the one before (SDM 28.3.3). */
	ip->insn_rip = ip->s.rip;
	ip->state_switched = false;
	ip->s.injected = cur;
	ip->s.injected.valid = true;
	for (;;) {
		struct x86_event e2;
		int jv;

		ip->in_insn = true;
		jv = setjmp(ip->fault_jmp);
		if (jv == 0) {
			deliver_once(ip, &cur, offered);
			break;
		}
		if (!ip->s.pending_exception.valid)   /* state switched */
			break;
		e2 = ip->s.pending_exception;
		ip->s.pending_exception.valid = false;
		if (++rounds > 8) {
			triple_fault(ip);
			break;
		}
		if (!combine(ip, &cur, &e2))
			break;
		/* The #DF still goes to the hook; a serial e2 already did. */
		offered = cur.vector != X86_DF || e2.vector == X86_DF;
	}
	/* s.injected described the event being delivered (IDT vectoring for
	 * a VM exit in between); clear it unless the hook put a new event
	 * there for the state it switched to. */
	if (!ip->state_switched || same_event(&ip->s.injected, first))
		ip->s.injected.valid = false;
	ip->state_switched |= was_switched;
	memcpy(&ip->fault_jmp, &saved, sizeof(saved));
	ip->in_insn = saved_in;
}

void interp_deliver_event(struct interp *ip, uint8_t type, uint8_t vector,
			  bool has_err, uint32_t err, uint32_t insn_len)
{
	struct x86_event ev = {
		.valid = true, .type = type, .vector = vector,
		.has_error_code = has_err && (ip->s.cr0 & CR0_PE),
		.error_code = err, .insn_len = insn_len,
	};

	deliver_nested(ip, &ev, true);
}

void interp_deliver_pending(struct interp *ip)
{
	struct x86_event ev = ip->s.pending_exception;

	if (!ev.valid)
		return;
	ip->s.pending_exception.valid = false;
	interp_deliver_event(ip, ev.type, ev.vector, ev.has_error_code,
			     ev.error_code, ev.insn_len);
}

bool interp_take_init(struct interp *ip)
{
	struct x86_intercept ic = { .kind = ICPT_INIT, .rip = ip->s.rip };

	switch (interp_intercept(ip, &ic)) {
	case ICPT_EMULATED:
		return false;
	case ICPT_SWITCHED:
		break;
	default:
		/* Outside VMX operation INIT resets the vCPU to real mode at
		 * F000:FFF0 (SDM 10.1); it is taken, not delivered via the
		 * IDT, and drops pending events. */
		cpu_state_init_signal(&ip->s);
		/* An application processor then waits for a SIPI (SDM Vol.
		 * 3A 9.4.1); the BSP restarts at the reset vector. */
		if (ip->cfg.ap)
			ip->s.activity = ACTIVITY_WAIT_SIPI;
		if (ip->cfg.intc.ops && ip->cfg.intc.ops->init)
			ip->cfg.intc.ops->init(ip->cfg.intc.opaque);
		tlb_flush(ip);
		break;
	}
	return true;
}

/*
 * SIPI (SDM Vol. 3A 11.6.1 "Start-Up", 9.4.3): a processor in the
 * wait-for-SIPI state starts in real mode at CS = vector << 8, IP = 0 (CS
 * base vector << 12); in any other state the SIPI is ignored.  Called
 * between this vCPU's run() calls (another vCPU's ICR write), so the
 * state may change here.  The VMX layer sees it first: for an L2 in
 * wait-for-SIPI it is a VM exit (SDM 26.2, exit reason 4), taken at once.
 */
static bool sipi_exits(struct interp *ip, uint8_t vector)
{
	struct x86_intercept ic = {
		.kind = ICPT_SIPI, .rip = ip->s.rip, .u.sipi.vector = vector,
	};

	if (interp_intercept(ip, &ic) != ICPT_SWITCHED)
		return false;
	interp_mode_changed(ip);
	return true;
}

void interp_take_sipi(struct interp *ip, uint8_t vector)
{
	struct seg_reg *cs = &ip->s.seg[SEG_CS];

	if (ip->in_insn)
		return;
	/* An INIT sent before it has not been recognised yet only because
	 * this vCPU has not run since: a processor takes it long before the
	 * SIPI that follows (the INIT-SIPI-SIPI sequence). */
	if (ip->s.init_pending)
		interp_take_init(ip);
	if (ip->s.activity != ACTIVITY_WAIT_SIPI || sipi_exits(ip, vector))
		return;
	cs->sel = (uint16_t)(vector << 8);
	cs->base = (uint64_t)vector << 12;
	ip->s.rip = 0;
	ip->s.activity = ACTIVITY_ACTIVE;
	interp_mode_changed(ip);
}

bool interp_check_interrupts(struct interp *ip)
{
	struct cpu_state *s = &ip->s;
	uint32_t blk;

	if (s->injected.valid) {
		/* VM-entry event injection: delivered as is, not subject to
		 * the exception bitmap (SDM 27.6.1); faults during its
		 * delivery are. */
		struct x86_event ev = s->injected;

		s->injected.valid = false;
		ev.has_error_code = ev.has_error_code && (s->cr0 & CR0_PE);
		deliver_nested(ip, &ev, false);
		return true;
	}
	if (s->pending_exception.valid) {
		interp_deliver_pending(ip);
		return true;
	}
	blk = s->interruptibility;
	if (s->nmi_pending && !(blk & (INTR_BLOCK_NMI | INTR_BLOCK_MOV_SS))) {
		s->nmi_pending = false;
		interp_deliver_event(ip, EVT_NMI, X86_NMI, false, 0, 0);
		return true;
	}
	if ((s->rflags & RFLAGS_IF) &&
	    !(blk & (INTR_BLOCK_STI | INTR_BLOCK_MOV_SS)) &&
	    interp_intr_pending(ip) >= 0) {
		/* The INTA cycle: the controller moves it IRR -> ISR. */
		int vector = ip->cfg.intc.ops->ack(ip->cfg.intc.opaque);

		interp_deliver_event(ip, EVT_EXT_INTR, (uint8_t)vector, false,
				     0, 0);
		return true;
	}
	return false;
}
