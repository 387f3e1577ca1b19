// SPDX-License-Identifier: MIT
/*
 * Segment registers: descriptor table access (SDM 3.4-3.5), segment loads
 * with the protected-mode checks of MOV/POP Sreg and LDS & co (SDM 5.5-5.8,
 * instruction reference "MOV", "POP", "LDS"), far JMP/CALL/RET through code
 * segment descriptors (SDM 5.8), and the stack frame helpers used by far
 * transfers, IRET and event delivery.
 */
#include "engine/interp/sys.h"

#include <string.h>

static inline unsigned ar_dpl(uint32_t ar)
{
	return (ar & SEG_AR_DPL_MASK) >> SEG_AR_DPL_SHIFT;
}

uint64_t desc_read(struct interp *ip, uint16_t sel, uint8_t err_vec,
		   uint32_t ext, uint64_t *addr)
{
	const struct cpu_state *s = &ip->s;
	uint64_t base, d;
	uint32_t limit;

	if (sel & 4) {
		if (s->seg[SEG_LDTR].ar & SEG_AR_UNUSABLE)
			interp_raise_err(ip, err_vec, (sel & 0xfffc) | ext);
		base = s->seg[SEG_LDTR].base;
		limit = s->seg[SEG_LDTR].limit;
	} else {
		base = s->gdtr.base;
		limit = s->gdtr.limit;
	}
	if ((uint32_t)(sel & 0xfff8) + 7 > limit)
		interp_raise_err(ip, err_vec, (sel & 0xfffc) | ext);
	*addr = base + (sel & 0xfff8);
	if (!cpu_long_mode(s))
		*addr &= 0xffffffffull;
	lin_read(ip, *addr, &d, 8, ACC_READ | ACC_SUPER);
	return d;
}

uint64_t desc_read_hi(struct interp *ip, uint64_t addr)
{
	uint64_t d;

	lin_read(ip, addr + 8, &d, 8, ACC_READ | ACC_SUPER);
	return d;
}

void desc_set_accessed(struct interp *ip, uint64_t addr, uint64_t *d)
{
	uint8_t b;

	if (*d & (1ull << 40))
		return;
	*d |= 1ull << 40;
	b = (uint8_t)(*d >> 40);
	lin_write(ip, addr + 5, &b, 1, ACC_WRITE | ACC_SUPER);
}

void seg_from_desc(struct seg_reg *sr, uint16_t sel, uint64_t d)
{
	sr->sel = sel;
	sr->base = desc_base(d);
	sr->limit = desc_limit(d);
	sr->ar = desc_ar(d);
}

static void seg_load_real(struct interp *ip, unsigned seg, uint16_t sel)
{
	struct seg_reg *sr = &ip->s.seg[seg];

	if (ip->s.rflags & RFLAGS_VM) {
		/* Virtual-8086: fixed attributes (SDM 20.2.1). */
		v86_seg_set(sr, sel);
		return;
	}
	sr->sel = sel;
	sr->base = (uint64_t)sel << 4;
	if (sr->ar & SEG_AR_UNUSABLE) {
		sr->ar = SEG_AR_P | SEG_AR_S | (seg == SEG_CS ? 0xb : 0x3);
	}
}

void seg_load(struct interp *ip, unsigned seg, uint16_t sel)
{
	struct cpu_state *s = &ip->s;
	struct seg_reg *sr = &s->seg[seg];
	unsigned cpl = cpu_cpl(s), rpl = sel & 3, dpl;
	uint64_t d, addr;
	uint32_t ar;

	if (!sys_protected(s)) {
		seg_load_real(ip, seg, sel);
		return;
	}
	if (!(sel & 0xfffc)) {
		if (seg == SEG_SS && !(cpu_64bit_mode(s) && cpl != 3 && rpl == cpl))
			interp_raise_gp0(ip);
		sr->sel = sel;
		sr->base = 0;
		sr->limit = 0;
		sr->ar = SEG_AR_UNUSABLE;
		if (seg == SEG_SS)
			sr->ar |= (cpl << SEG_AR_DPL_SHIFT) | SEG_AR_S | SEG_AR_P | 3;
		return;
	}
	d = desc_read(ip, sel, X86_GP, 0, &addr);
	ar = desc_ar(d);
	dpl = ar_dpl(ar);
	if (seg == SEG_SS) {
		if (rpl != cpl || dpl != cpl || !(ar & SEG_AR_S) || (ar & 8) ||
		    !(ar & 2))
			interp_raise_err(ip, X86_GP, sel & 0xfffc);
		if (!(ar & SEG_AR_P))
			interp_raise_err(ip, X86_SS, sel & 0xfffc);
	} else {
		/* Data or readable code; privilege unless conforming code. */
		if (!(ar & SEG_AR_S) || ((ar & 8) && !(ar & 2)))
			interp_raise_err(ip, X86_GP, sel & 0xfffc);
		if ((!(ar & 8) || !(ar & 4)) && (rpl > dpl || cpl > dpl))
			interp_raise_err(ip, X86_GP, sel & 0xfffc);
		if (!(ar & SEG_AR_P))
			interp_raise_err(ip, X86_NP, sel & 0xfffc);
	}
	desc_set_accessed(ip, addr, &d);
	seg_from_desc(sr, sel, d);
}

void interp_mode_changed(struct interp *ip)
{
	/* Cached translations depend on CR0/CR4/EFER: a change drops the
	 * current VPID's (SDM 4.10.4.1, 29.4.3.1); the decoder mode is taken
	 * from CS per instruction by the core. */
	tlb_flush_vpid(ip);
}

/* ---- stack frames ---- */

uint64_t stk_width_mask(const struct cpu_state *s)
{
	if (cpu_64bit_mode(s))
		return ~0ull;
	return (s->seg[SEG_SS].ar & SEG_AR_DB) ? 0xffffffffull : 0xffffull;
}

void stk_write_frame(struct interp *ip, const uint64_t *vals, unsigned n,
		     unsigned size)
{
	struct cpu_state *s = &ip->s;
	uint64_t mask = stk_width_mask(s);
	uint64_t sp = (s->gpr[GPR_RSP] - (uint64_t)n * size) & mask;
	uint8_t buf[8 * 8];

	for (unsigned i = 0; i < n; i++)
		memcpy(buf + (n - 1 - i) * size, &vals[i], size);
	mem_write(ip, SEG_SS, sp, buf, n * size);
	s->gpr[GPR_RSP] = (s->gpr[GPR_RSP] & ~mask) | sp;
}

/* vals[0] is at SS:RSP+skip (the first value popped).  RSP unchanged. */
void stk_read_frame(struct interp *ip, uint64_t *vals, unsigned n,
		    unsigned size, uint64_t skip)
{
	const struct cpu_state *s = &ip->s;
	uint64_t mask = stk_width_mask(s);

	for (unsigned i = 0; i < n; i++)
		vals[i] = mem_read_u(ip, SEG_SS,
				     (s->gpr[GPR_RSP] + skip + (uint64_t)i * size) & mask,
				     size);
}

static void stk_release(struct interp *ip, uint64_t bytes)
{
	struct cpu_state *s = &ip->s;
	uint64_t mask = stk_width_mask(s);

	s->gpr[GPR_RSP] = (s->gpr[GPR_RSP] & ~mask) |
			  ((s->gpr[GPR_RSP] + bytes) & mask);
}

/* ---- far transfers (SDM 5.8.3, 5.8.6, JMP/CALL/RET reference) ---- */

/* Checks of a code-segment descriptor for JMP/CALL (rpl_max = CPL) and
 * RET/IRET (target privilege = RPL). */
static void code_desc_check(struct interp *ip, uint16_t sel, uint64_t d,
			    unsigned cpl, bool ret)
{
	uint32_t ar = desc_ar(d);
	unsigned dpl = ar_dpl(ar), rpl = sel & 3;

	if (!(ar & SEG_AR_S) || !(ar & 8))
		interp_raise_err(ip, X86_GP, sel & 0xfffc);
	if (ret) {
		if ((ar & 4) ? dpl > rpl : dpl != rpl)
			interp_raise_err(ip, X86_GP, sel & 0xfffc);
	} else if ((ar & 4) ? dpl > cpl : (rpl > cpl || dpl != cpl)) {
		interp_raise_err(ip, X86_GP, sel & 0xfffc);
	}
	if (!(ar & SEG_AR_P))
		interp_raise_err(ip, X86_NP, sel & 0xfffc);
	if (cpu_long_mode(&ip->s) && (ar & SEG_AR_L) && (ar & SEG_AR_DB))
		interp_raise_err(ip, X86_GP, sel & 0xfffc);
}

/* RIP check against the new code segment: canonical or within limit. */
static uint64_t target_rip(struct interp *ip, uint64_t d, uint64_t off,
			   unsigned opsize)
{
	uint32_t ar = desc_ar(d);

	if (cpu_long_mode(&ip->s) && (ar & SEG_AR_L)) {
		if (!lin_canonical(off))
			interp_raise_gp0(ip);
		return off;
	}
	if (opsize == 16)
		off &= 0xffff;
	else
		off &= 0xffffffffull;
	if (off > desc_limit(d))
		interp_raise_gp0(ip);
	return off;
}

void seg_load_cs_checked(struct interp *ip, uint16_t sel, uint64_t d,
			 unsigned cpl)
{
	seg_from_desc(&ip->s.seg[SEG_CS], (uint16_t)((sel & 0xfffc) | cpl), d);
}

/* ---- task-switch attempts (SDM 8.3 (7.3 in older editions), 26.4.2) ---- */

/* S + type of the task-switch targets: TSS (available 1/9, busy 3/B) and
 * the task gate (5). */
static bool is_task_target(uint32_t ar)
{
	return (ar & 0x15) == 0x01 || (ar & 0x1f) == 0x05;
}

uint64_t seg_task_target(struct interp *ip, uint16_t sel, bool busy,
			 uint8_t vec, uint32_t ext)
{
	uint32_t err = (sel & 0xfffc) | ext, ar;
	uint64_t d, addr;

	if (sel & 4)
		interp_raise_err(ip, vec, err);
	d = desc_read(ip, sel, vec, ext, &addr);
	ar = desc_ar(d);
	/* A TSS descriptor, busy for a task return, available otherwise. */
	if ((ar & 0x15) != 0x01 || ((ar & 2) != 0) != busy)
		interp_raise_err(ip, vec, err);
	if (!(ar & SEG_AR_P))
		interp_raise_err(ip, X86_NP, err);
	/* SDM 7.2.2: at least 0x67 (32-bit TSS) or 0x2b (16-bit TSS). */
	if (desc_limit(d) < ((ar & 8) ? 0x67u : 0x2bu))
		interp_raise_err(ip, X86_TS, err);
	return d;
}

/*
 * Far JMP/CALL to a TSS descriptor or a task gate outside IA-32e mode (SDM
 * JMP/CALL "TASK-GATE" / "TASK-STATE-SEGMENT"): the privilege, type and
 * presence checks, then the attempt goes to the VMX layer as a task switch
 * (a VM exit in non-root operation, SDM 26.4.2).  When the hook lets it
 * through (root operation, no VMX) the task switch is carried out (SDM
 * 8.3, task.c).
 */
static void far_task_switch(struct interp *ip, uint16_t sel, uint64_t d,
			    bool call, unsigned opsize, uint64_t next_rip)
{
	const struct cpu_state *s = &ip->s;
	unsigned cpl = cpu_cpl(s), dpl = ar_dpl(desc_ar(d));
	struct x86_intercept ic = {
		.kind = ICPT_TASK_SWITCH, .rip = ip->insn_rip,
		.insn_len = (uint32_t)((next_rip - ip->insn_rip) &
				       sys_ip_mask(s)),
		.op_size = (uint8_t)opsize,
	};
	uint16_t tss = sel;
	struct task_switch ts = {
		.source = call ? TASK_SRC_CALL : TASK_SRC_JMP,
		.old_eip = next_rip, .old_eflags = s->rflags,
	};

	if (dpl < cpl || dpl < (sel & 3u))
		interp_raise_err(ip, X86_GP, sel & 0xfffc);
	if ((desc_ar(d) & 0x1f) == 0x05) {
		if (!(desc_ar(d) & SEG_AR_P))
			interp_raise_err(ip, X86_NP, sel & 0xfffc);
		tss = (uint16_t)(d >> 16);
	}
	ts.desc = seg_task_target(ip, tss, false, X86_GP, 0);
	ts.sel = tss;
	ic.u.task.sel = tss;
	ic.u.task.source = (uint8_t)ts.source;
	if (sys_intercept(ip, &ic) == ICPT_EMULATED)
		return;
	task_switch(ip, &ts);
}

void seg_far_jmp(struct interp *ip, uint16_t sel, uint64_t off, bool call,
		 unsigned opsize, uint64_t next_rip)
{
	struct cpu_state *s = &ip->s;
	unsigned cpl = cpu_cpl(s);
	uint64_t d, addr;

	if (!sys_protected(s)) {
		if (call) {
			uint64_t vals[2] = { s->seg[SEG_CS].sel, next_rip };

			stk_write_frame(ip, vals, 2, opsize / 8);
		}
		seg_load_real(ip, SEG_CS, sel);
		s->rip = opsize == 16 ? off & 0xffff : off & 0xffffffffull;
		return;
	}
	if (!(sel & 0xfffc))
		interp_raise_gp0(ip);
	d = desc_read(ip, sel, X86_GP, 0, &addr);
	if (!cpu_long_mode(s) && is_task_target(desc_ar(d))) {
		far_task_switch(ip, sel, d, call, opsize, next_rip);
		return;
	}
	if (is_call_gate(desc_ar(d))) {
		if (!cpu_long_mode(s))
			seg_call_gate(ip, sel, d, call, next_rip);
		else if (desc_ar(d) & 8)
			seg_call_gate64(ip, sel, d, addr, call, next_rip);
		else   /* no 16-bit call gates in IA-32e mode */
			interp_raise_err(ip, X86_GP, sel & 0xfffc);
		return;
	}
	/* IA-32e mode: task targets are #GP(selector) as the SDM says. */
	code_desc_check(ip, sel, d, cpl, false);
	off = target_rip(ip, d, off, opsize);
	if (call) {
		uint64_t vals[2] = { s->seg[SEG_CS].sel, next_rip };

		stk_write_frame(ip, vals, 2, opsize / 8);
	}
	desc_set_accessed(ip, addr, &d);
	seg_load_cs_checked(ip, sel, d, cpl);
	s->rip = off;
}

/* After a return to an outer level: data segments the new CPL may not use
 * become null (SDM RET/IRET "return to outer privilege level"). */
static void null_inaccessible_segs(struct interp *ip)
{
	static const unsigned segs[] = { SEG_ES, SEG_DS, SEG_FS, SEG_GS };
	struct cpu_state *s = &ip->s;
	unsigned cpl = cpu_cpl(s);

	for (unsigned i = 0; i < 4; i++) {
		struct seg_reg *sr = &s->seg[segs[i]];
		bool conf_code = (sr->ar & 0xc) == 0xc;

		if (sr->ar & SEG_AR_UNUSABLE)
			continue;
		if (!conf_code && ar_dpl(sr->ar) < cpl) {
			sr->sel = 0;
			sr->ar = SEG_AR_UNUSABLE;
		}
	}
}

/* Load SS for a return to privilege rpl (RET/IRET outer). */
static void load_outer_ss(struct interp *ip, uint16_t sel, unsigned rpl,
			  bool to64, struct seg_reg *out)
{
	uint64_t d, addr;
	uint32_t ar;

	if (!(sel & 0xfffc)) {
		if (!to64 || rpl == 3)
			interp_raise_gp0(ip);
		out->sel = sel;
		out->base = 0;
		out->limit = 0;
		out->ar = SEG_AR_UNUSABLE | SEG_AR_S | SEG_AR_P | 3 |
			  (rpl << SEG_AR_DPL_SHIFT);
		return;
	}
	d = desc_read(ip, sel, X86_GP, 0, &addr);
	ar = desc_ar(d);
	if ((sel & 3) != rpl || ar_dpl(ar) != rpl || !(ar & SEG_AR_S) ||
	    (ar & 8) || !(ar & 2))
		interp_raise_err(ip, X86_GP, sel & 0xfffc);
	if (!(ar & SEG_AR_P))
		interp_raise_err(ip, X86_SS, sel & 0xfffc);
	desc_set_accessed(ip, addr, &d);
	seg_from_desc(out, sel, d);
}

/*
 * Common tail of RETF and IRET in protected mode: cs:rip popped, and for a
 * return to an outer level (or IRET in 64-bit mode) ss:rsp.  Returns with
 * CS, RIP, SS, RSP loaded; rsp_pop is the number of bytes popped for the
 * same-level case.
 */
struct far_ret {
	uint64_t rip, rsp;
	uint16_t cs, ss;
	bool has_ss;          /* ss:rsp were popped */
	unsigned opsize;
	uint64_t pop_bytes;   /* same-level: bytes to release */
};

static void far_return(struct interp *ip, const struct far_ret *r)
{
	struct cpu_state *s = &ip->s;
	unsigned cpl = cpu_cpl(s), rpl = r->cs & 3;
	uint64_t d, addr, rip;
	struct seg_reg ss;
	bool outer = rpl > cpl, to64;

	if (rpl < cpl)
		interp_raise_err(ip, X86_GP, r->cs & 0xfffc);
	if (!(r->cs & 0xfffc))
		interp_raise_gp0(ip);
	d = desc_read(ip, r->cs, X86_GP, 0, &addr);
	code_desc_check(ip, r->cs, d, cpl, true);
	to64 = cpu_long_mode(s) && (desc_ar(d) & SEG_AR_L);
	rip = target_rip(ip, d, r->rip, r->opsize);
	if (outer || (r->has_ss && cpu_64bit_mode(s))) {
		load_outer_ss(ip, r->ss, rpl, to64, &ss);
		desc_set_accessed(ip, addr, &d);
		seg_from_desc(&s->seg[SEG_CS], r->cs, d);
		s->seg[SEG_SS] = ss;
		if (to64 || !(ss.ar & SEG_AR_DB))
			s->gpr[GPR_RSP] = to64 ? r->rsp :
				(s->gpr[GPR_RSP] & ~0xffffull) | (r->rsp & 0xffff);
		else
			s->gpr[GPR_RSP] = r->rsp & 0xffffffffull;
		if (outer)
			null_inaccessible_segs(ip);
	} else {
		desc_set_accessed(ip, addr, &d);
		seg_from_desc(&s->seg[SEG_CS], r->cs, d);
		stk_release(ip, r->pop_bytes);
	}
	s->rip = rip;
}

void seg_far_ret(struct interp *ip, unsigned opsize, uint16_t imm)
{
	struct cpu_state *s = &ip->s;
	unsigned size = opsize / 8;
	uint64_t v[2], outer[2];
	struct far_ret r = { .opsize = opsize };

	stk_read_frame(ip, v, 2, size, 0);
	if (!sys_protected(s)) {
		seg_load_real(ip, SEG_CS, (uint16_t)v[1]);
		s->rip = v[0] & (opsize == 16 ? 0xffff : 0xffffffffull);
		stk_release(ip, 2ull * size + imm);
		return;
	}
	r.rip = v[0];
	r.cs = (uint16_t)v[1];
	r.pop_bytes = 2ull * size + imm;
	if ((r.cs & 3) > cpu_cpl(s)) {
		stk_read_frame(ip, outer, 2, size, 2ull * size + imm);
		r.rsp = outer[0] + imm;
		r.ss = (uint16_t)outer[1];
		r.has_ss = true;
	}
	far_return(ip, &r);
}

/* IRET in protected / IA-32e mode (SDM IRET reference, "PROTECTED-MODE"
 * and "IA-32e-MODE"); returns the popped RFLAGS image for the caller to
 * merge after CS changed. */
uint64_t seg_iret_pm(struct interp *ip, unsigned opsize)
{
	struct cpu_state *s = &ip->s;
	unsigned size = opsize / 8;
	uint64_t v[5];
	struct far_ret r = { .opsize = opsize };

	stk_read_frame(ip, v, 3, size, 0);
	r.rip = v[0];
	r.cs = (uint16_t)v[1];
	r.pop_bytes = 3ull * size;
	if ((r.cs & 3) > cpu_cpl(s) || cpu_64bit_mode(s)) {
		stk_read_frame(ip, v + 3, 2, size, 3ull * size);
		r.rsp = v[3];
		r.ss = (uint16_t)v[4];
		r.has_ss = true;
	}
	far_return(ip, &r);
	return v[2];
}
