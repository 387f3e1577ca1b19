// SPDX-License-Identifier: MIT
/*
 * Far CALL and far JMP through a call gate outside IA-32e mode (SDM Vol. 3A
 * 5.8.3 "Call Gates", 5.8.4 "Accessing a Code Segment Through a Call
 * Gate", 5.8.5 "Stack Switching"; Vol. 2 CALL / JMP "CALL-GATE").  The far
 * RET back to the caller, with the stack switch and the nulling of data
 * segments the outer level may not use (SDM 5.8.6), is the common far
 * return of seg.c.
 *
 * In IA-32e mode only 64-bit call gates exist (SDM 5.8.3.1, 5.8.5.1): a
 * 16-byte descriptor, a 64-bit target code segment, no parameter copy, and
 * a stack switch to the TSS's RSPn with a null SS (seg_call_gate64()).
 */
#include "engine/interp/sys.h"

#include <string.h>

/* 16-bit (type 4) and 32-bit (type 0xC) call gates, S = 0 (SDM 3.5). */
bool is_call_gate(uint32_t ar)
{
	return (ar & 0x17) == 0x04;
}

struct call_gate {
	uint16_t sel;           /* the gate's selector (error codes) */
	uint16_t cs;            /* target code segment selector */
	uint64_t off;           /* entry point */
	unsigned params;        /* parameter count (CALL with stack switch) */
	unsigned size;          /* 4 (32-bit gate) or 2 (16-bit gate) */
};

static struct call_gate gate_decode(uint16_t sel, uint64_t d)
{
	struct call_gate g = {
		.sel = sel, .cs = (uint16_t)(d >> 16),
		.off = d & 0xffff, .params = (unsigned)(d >> 32) & 0x1f,
		.size = (desc_ar(d) & 8) ? 4 : 2,
	};

	if (g.size == 4)
		g.off |= ((d >> 48) & 0xffff) << 16;
	return g;
}

static inline unsigned ar_dpl(uint32_t ar)
{
	return (ar & SEG_AR_DPL_MASK) >> SEG_AR_DPL_SHIFT;
}

/*
 * CALL to a more privileged non-conforming segment (SDM 5.8.5, CALL
 * "MORE-PRIVILEGE"): the new SS:ESP from the TSS for the target DPL, then
 * on the new stack the caller's SS, ESP, the gate's parameter count of
 * words / dwords copied from the caller's stack, CS and EIP.  Returns the
 * new SS and ESP; nothing is committed yet.
 */
static void call_inner_stack(struct interp *ip, const struct call_gate *g,
			     unsigned dpl, uint64_t next_rip,
			     struct seg_reg *ss, uint64_t *esp)
{
	struct cpu_state *s = &ip->s;
	uint64_t old_mask = stk_width_mask(s), old_sp = s->gpr[GPR_RSP];
	uint64_t vals[4 + 31], sp, lin, sp_mask;
	uint8_t buf[sizeof(vals)];
	unsigned n = 0, len;
	uint32_t nesp;
	uint16_t nss;

	tss_stack32(ip, dpl, 0, &nss, &nesp);
	load_inner_ss(ip, nss, dpl, 0, ss);
	vals[n++] = s->seg[SEG_SS].sel;
	vals[n++] = old_sp;
	for (unsigned i = g->params; i-- > 0;)
		vals[n++] = mem_read_u(ip, SEG_SS,
				       (old_sp + (uint64_t)i * g->size) & old_mask,
				       g->size);
	vals[n++] = s->seg[SEG_CS].sel;
	vals[n++] = next_rip;
	len = n * g->size;
	sp_mask = (ss->ar & SEG_AR_DB) ? 0xffffffffull : 0xffffull;
	sp = (nesp - len) & sp_mask;
	/* No room for the frame: #SS(new SS selector). */
	lin = stack_lin(ip, ss, sp, len, false, ss->sel & 0xfffc);
	for (unsigned i = 0; i < n; i++)
		memcpy(buf + (n - 1 - i) * g->size, &vals[i], g->size);
	lin_write(ip, lin, buf, len, ACC_WRITE | ACC_SUPER);
	*esp = sp;
}

/* The gate itself: DPL >= CPL and >= RPL (#GP), present (#NP), both with
 * the gate's selector (SDM 5.8.4). */
static void check_gate(struct interp *ip, uint16_t sel, uint64_t d,
		       unsigned cpl)
{
	if (ar_dpl(desc_ar(d)) < cpl || ar_dpl(desc_ar(d)) < (sel & 3u))
		interp_raise_err(ip, X86_GP, sel & 0xfffc);
	if (!(desc_ar(d) & SEG_AR_P))
		interp_raise_err(ip, X86_NP, sel & 0xfffc);
}

void seg_call_gate(struct interp *ip, uint16_t sel, uint64_t d, bool call,
		   uint64_t next_rip)
{
	struct cpu_state *s = &ip->s;
	struct call_gate g = gate_decode(sel, d);
	unsigned cpl = cpu_cpl(s), dpl;
	uint64_t cd, addr, esp = 0;
	struct seg_reg ss;
	uint32_t ar;
	bool inner;

	check_gate(ip, sel, d, cpl);
	/* The target: a code segment with DPL <= CPL (JMP: DPL = CPL unless
	 * conforming, SDM 5.8.4 and Table 5-1), present. */
	if (!(g.cs & 0xfffc))
		interp_raise_gp0(ip);
	cd = desc_read(ip, g.cs, X86_GP, 0, &addr);
	ar = desc_ar(cd);
	dpl = ar_dpl(ar);
	if (!(ar & SEG_AR_S) || !(ar & 8) || dpl > cpl ||
	    (!call && !(ar & 4) && dpl != cpl))
		interp_raise_err(ip, X86_GP, g.cs & 0xfffc);
	if (!(ar & SEG_AR_P))
		interp_raise_err(ip, X86_NP, g.cs & 0xfffc);
	inner = call && !(ar & 4) && dpl < cpl;
	if (inner)
		call_inner_stack(ip, &g, dpl, next_rip, &ss, &esp);
	if (g.off > desc_limit(cd))
		interp_raise_gp0(ip);
	if (inner) {
		s->seg[SEG_SS] = ss;
		s->gpr[GPR_RSP] = esp;
	} else if (call) {
		uint64_t vals[2] = { s->seg[SEG_CS].sel, next_rip };

		stk_write_frame(ip, vals, 2, g.size);
	}
	desc_set_accessed(ip, addr, &cd);
	seg_from_desc(&s->seg[SEG_CS],
		      (uint16_t)((g.cs & 0xfffc) | (inner ? dpl : cpl)), cd);
	s->rip = g.off;
}

/*
 * Far CALL/JMP through a 64-bit call gate in IA-32e mode (SDM 5.8.3.1,
 * 5.8.5.1; CALL / JMP "IA-32e mode" CALL-GATE): the upper half's type must
 * be 0, the target a present 64-bit code segment (L=1, D=0), the offset
 * canonical.  A CALL to an inner level takes RSP from the TSS, loads SS
 * with a null selector whose RPL is the new CPL and pushes the old SS,
 * RSP, CS and RIP (8 bytes each); no parameters are copied.
 */
void seg_call_gate64(struct interp *ip, uint16_t sel, uint64_t d,
		     uint64_t addr, bool call, uint64_t next_rip)
{
	struct cpu_state *s = &ip->s;
	unsigned cpl = cpu_cpl(s), dpl;
	uint16_t cs = (uint16_t)(d >> 16);
	uint64_t hi, cd, caddr, off, rsp = 0;
	uint32_t ar;
	bool inner;

	check_gate(ip, sel, d, cpl);
	hi = desc_read_hi(ip, addr);
	if ((hi >> 40) & 0x1f)
		interp_raise_err(ip, X86_GP, sel & 0xfffc);
	off = (d & 0xffff) | (((d >> 48) & 0xffff) << 16) |
	      ((hi & 0xffffffffull) << 32);
	if (!(cs & 0xfffc))
		interp_raise_gp0(ip);
	cd = desc_read(ip, cs, X86_GP, 0, &caddr);
	ar = desc_ar(cd);
	dpl = ar_dpl(ar);
	if (!(ar & SEG_AR_S) || !(ar & 8) || dpl > cpl ||
	    (!call && !(ar & 4) && dpl != cpl) ||
	    !(ar & SEG_AR_L) || (ar & SEG_AR_DB))
		interp_raise_err(ip, X86_GP, cs & 0xfffc);
	if (!(ar & SEG_AR_P))
		interp_raise_err(ip, X86_NP, cs & 0xfffc);
	inner = call && !(ar & 4) && dpl < cpl;
	if (inner) {
		const struct seg_reg *tr = &s->seg[SEG_TR];
		uint64_t vals[4] = { s->seg[SEG_SS].sel, s->gpr[GPR_RSP],
				     s->seg[SEG_CS].sel, next_rip };
		uint8_t buf[32];
		uint64_t lin;

		if (4 + 8 * dpl + 7 > tr->limit)
			interp_raise_err(ip, X86_TS, tr->sel & 0xfffc);
		lin_read(ip, tr->base + 4 + 8 * dpl, &rsp, 8,
			 ACC_READ | ACC_SUPER);
		rsp -= 32;
		lin = stack_lin(ip, &s->seg[SEG_SS], rsp, 32, true, 0);
		for (unsigned i = 0; i < 4; i++)
			memcpy(buf + (3 - i) * 8, &vals[i], 8);
		if (!lin_canonical(off))
			interp_raise_gp0(ip);
		lin_write(ip, lin, buf, 32, ACC_WRITE | ACC_SUPER);
		s->seg[SEG_SS] = (struct seg_reg){
			.sel = (uint16_t)dpl,
			.ar = SEG_AR_UNUSABLE | SEG_AR_S | SEG_AR_P | 0x3 |
			      (dpl << SEG_AR_DPL_SHIFT),
		};
		s->gpr[GPR_RSP] = rsp;
	} else {
		if (!lin_canonical(off))
			interp_raise_gp0(ip);
		if (call) {
			uint64_t vals[2] = { s->seg[SEG_CS].sel, next_rip };

			stk_write_frame(ip, vals, 2, 8);
		}
	}
	desc_set_accessed(ip, caddr, &cd);
	seg_from_desc(&s->seg[SEG_CS],
		      (uint16_t)((cs & 0xfffc) | (inner ? dpl : cpl)), cd);
	s->rip = off;
}
