// SPDX-License-Identifier: MIT
/*
 * Hardware task switching outside IA-32e mode (SDM Vol. 3A 8.3 "Task
 * Switching"; 7.3 in older editions).  The callers (far JMP/CALL in seg.c,
 * IRET with NT=1 in sys_int.c, an IDT task gate in except.c) make the
 * checks that come before the switch (privilege, TSS type, busy, present,
 * limit: SDM 8.3 steps 1-4, Table 8-1 rows 1-3) and offer the attempt to
 * the VMX layer first (a VM exit in non-root operation, SDM 26.4.2); only
 * when the hook lets it through do they call task_switch().
 *
 * 32-bit TSS: SDM Figure 8-2; 16-bit TSS: SDM Figure 8-11 (no CR3, FS, GS;
 * FS and GS become null, the upper halves of the GPRs and EFLAGS keep their
 * values, EFLAGS.VM excepted).
 *
 * The debug trap flag (T, byte 0x64 bit 0 of a 32-bit TSS) of the new task
 * raises a #DB trap with DR6.BT once the switch is complete, before the
 * new task's first instruction (SDM 8.2.1, 18.3.1.5).
 */
#include "engine/interp/sys.h"

#include <string.h>

/* Dynamic fields of a TSS (SDM Figures 8-2, 8-11). */
struct tss_layout {
	unsigned eip, eflags, gpr;   /* offsets; GPRs EAX..EDI in order */
	unsigned sel, sel_stride;    /* ES, CS, SS, DS[, FS, GS] */
	unsigned nsel;
	unsigned ldt;
	unsigned cr3;                /* 0: none (16-bit TSS) */
	unsigned width;              /* 4 or 2 bytes per register */
	unsigned min_limit;          /* SDM 8.2.2: 0x67 / 0x2b */
};

static const struct tss_layout tss32 = {
	.eip = 0x20, .eflags = 0x24, .gpr = 0x28, .sel = 0x48, .sel_stride = 4,
	.nsel = 6, .ldt = 0x60, .cr3 = 0x1c, .width = 4, .min_limit = 0x67,
};

static const struct tss_layout tss16 = {
	.eip = 0x0e, .eflags = 0x10, .gpr = 0x12, .sel = 0x22, .sel_stride = 2,
	.nsel = 4, .ldt = 0x2a, .cr3 = 0, .width = 2, .min_limit = 0x2b,
};

#define TSS_MAX 0x68
#define TSS32_T 0x64            /* debug trap flag, bit 0 */
#define DR6_BT  (1ull << 15)

/* EFLAGS bits a task switch loads (the defined ones, SDM 2.3). */
#define TASK_EFLAGS (RFLAGS_CF | RFLAGS_PF | RFLAGS_AF | RFLAGS_ZF | \
		     RFLAGS_SF | RFLAGS_TF | RFLAGS_IF | RFLAGS_DF | \
		     RFLAGS_OF | RFLAGS_IOPL | RFLAGS_NT | RFLAGS_RF | \
		     RFLAGS_VM | RFLAGS_AC | RFLAGS_VIF | RFLAGS_VIP | RFLAGS_ID)

static const struct tss_layout *tss_layout_of(uint32_t ar)
{
	return (ar & 8) ? &tss32 : &tss16;
}

static uint32_t tss_get(const uint8_t *b, unsigned off, unsigned width)
{
	uint32_t v = 0;

	memcpy(&v, b + off, width);
	return v;
}

static void tss_put(uint8_t *b, unsigned off, uint32_t v, unsigned width)
{
	memcpy(b + off, &v, width);
}

static uint64_t gdt_desc_addr(const struct cpu_state *s, uint16_t sel)
{
	return (s->gdtr.base + (sel & 0xfff8)) & 0xffffffffull;
}

/* Busy flag (type bit 1) of a TSS descriptor in the GDT (SDM 8.2.2). */
static void tss_set_busy(struct interp *ip, uint16_t sel, bool busy)
{
	uint64_t addr = gdt_desc_addr(&ip->s, sel) + 5;
	uint8_t b;

	lin_read(ip, addr, &b, 1, ACC_READ | ACC_SUPER);
	b = busy ? (uint8_t)(b | 2) : (uint8_t)(b & ~2);
	lin_write(ip, addr, &b, 1, ACC_WRITE | ACC_SUPER);
}

/* Save the current task into its TSS (SDM 8.3 step 8). */
static void save_old_task(struct interp *ip, const struct task_switch *t)
{
	const struct cpu_state *s = &ip->s;
	const struct seg_reg *tr = &s->seg[SEG_TR];
	const struct tss_layout *l = tss_layout_of(tr->ar);
	unsigned end = l->sel + l->nsel * l->sel_stride;
	uint32_t eflags = (uint32_t)t->old_eflags;
	uint8_t b[TSS_MAX];

	/* SDM 8.3 step 7: a task return saves EFLAGS with NT clear. */
	if (t->source == TASK_SRC_IRET)
		eflags &= ~(uint32_t)RFLAGS_NT;
	if (tr->limit < l->min_limit)
		interp_raise_err(ip, X86_TS, (tr->sel & 0xfffc) | t->ext);
	/* Read first: the reserved upper halves of the selector slots keep
	 * their contents. */
	lin_read(ip, tr->base + l->eip, b + l->eip, end - l->eip,
		 ACC_READ | ACC_SUPER);
	tss_put(b, l->eip, (uint32_t)t->old_eip, l->width);
	tss_put(b, l->eflags, eflags, l->width);
	for (unsigned i = 0; i < 8; i++)
		tss_put(b, l->gpr + i * l->width, (uint32_t)s->gpr[i], l->width);
	for (unsigned i = 0; i < l->nsel; i++)
		tss_put(b, l->sel + i * l->sel_stride, s->seg[i].sel, 2);
	lin_write(ip, tr->base + l->eip, b + l->eip, end - l->eip,
		  ACC_WRITE | ACC_SUPER);
}

/* ---- loading the new task's segment registers (SDM Table 8-1) ---- */

static inline unsigned sel_dpl(uint32_t ar)
{
	return (ar & SEG_AR_DPL_MASK) >> SEG_AR_DPL_SHIFT;
}

static void seg_null(struct seg_reg *sr, uint16_t sel)
{
	*sr = (struct seg_reg){ .sel = sel, .ar = SEG_AR_UNUSABLE };
}

/* Rows 5 and 10: the LDT selector names a present LDT in the GDT. */
static void load_ldtr(struct interp *ip, uint16_t sel, uint32_t ext)
{
	struct seg_reg *sr = &ip->s.seg[SEG_LDTR];
	uint32_t err = (sel & 0xfffc) | ext;
	uint64_t d, addr;

	if (!(sel & 0xfffc))
		return;
	if (sel & 4)
		interp_raise_err(ip, X86_TS, err);
	d = desc_read(ip, sel, X86_TS, ext, &addr);
	if ((desc_ar(d) & 0x1f) != 0x02 || !(desc_ar(d) & SEG_AR_P))
		interp_raise_err(ip, X86_TS, err);
	seg_from_desc(sr, sel, d);
}

/* Rows 6, 11, 12: a code segment, DPL = RPL (non-conforming) or
 * DPL <= RPL (conforming), present. */
static void load_cs(struct interp *ip, uint16_t sel, uint32_t ext)
{
	uint32_t err = (sel & 0xfffc) | ext, ar;
	unsigned rpl = sel & 3;
	uint64_t d, addr;

	if (!(sel & 0xfffc))
		interp_raise_err(ip, X86_TS, err);
	d = desc_read(ip, sel, X86_TS, ext, &addr);
	ar = desc_ar(d);
	if (!(ar & SEG_AR_S) || !(ar & 8))
		interp_raise_err(ip, X86_TS, err);
	if ((ar & 4) ? sel_dpl(ar) > rpl : sel_dpl(ar) != rpl)
		interp_raise_err(ip, X86_TS, err);
	if (!(ar & SEG_AR_P))
		interp_raise_err(ip, X86_NP, err);
	desc_set_accessed(ip, addr, &d);
	seg_from_desc(&ip->s.seg[SEG_CS], sel, d);
}

/* Rows 7, 8, 9, 13: a writable data segment with RPL = DPL = CPL,
 * present (else #SS). */
static void load_ss(struct interp *ip, uint16_t sel, unsigned cpl,
		    uint32_t ext)
{
	uint32_t err = (sel & 0xfffc) | ext, ar;
	uint64_t d, addr;

	if (!(sel & 0xfffc))
		interp_raise_err(ip, X86_TS, err);
	d = desc_read(ip, sel, X86_TS, ext, &addr);
	ar = desc_ar(d);
	if (!(ar & SEG_AR_S) || (ar & 8) || !(ar & 2) ||
	    (sel & 3u) != cpl || sel_dpl(ar) != cpl)
		interp_raise_err(ip, X86_TS, err);
	if (!(ar & SEG_AR_P))
		interp_raise_err(ip, X86_SS, err);
	desc_set_accessed(ip, addr, &d);
	seg_from_desc(&ip->s.seg[SEG_SS], sel, d);
}

/* Rows 14-17: null, or data / readable code; DPL >= CPL and RPL unless
 * conforming code; present (else #NP). */
static void load_data(struct interp *ip, unsigned seg, uint16_t sel,
		      unsigned cpl, uint32_t ext)
{
	uint32_t err = (sel & 0xfffc) | ext, ar;
	uint64_t d, addr;

	if (!(sel & 0xfffc)) {
		seg_null(&ip->s.seg[seg], sel);
		return;
	}
	d = desc_read(ip, sel, X86_TS, ext, &addr);
	ar = desc_ar(d);
	if (!(ar & SEG_AR_S) || ((ar & 8) && !(ar & 2)))
		interp_raise_err(ip, X86_TS, err);
	if ((ar & 0xc) != 0xc &&
	    (sel_dpl(ar) < cpl || sel_dpl(ar) < (sel & 3u)))
		interp_raise_err(ip, X86_TS, err);
	if (!(ar & SEG_AR_P))
		interp_raise_err(ip, X86_NP, err);
	desc_set_accessed(ip, addr, &d);
	seg_from_desc(&ip->s.seg[seg], sel, d);
}

/*
 * Segment registers of the new task.  The selectors are in place first
 * (an exception while loading them is delivered in the context of the new
 * task, SDM 8.3 step 12); CPL is the new CS selector's RPL.  The order is
 * LDTR, CS, SS, then ES, DS, FS, GS (SDM Table 8-1 says the exact order
 * is model specific).
 */
static void load_new_segments(struct interp *ip, const uint16_t *sel,
			      uint16_t ldt, uint32_t ext)
{
	struct cpu_state *s = &ip->s;
	static const unsigned data[] = { SEG_ES, SEG_DS, SEG_FS, SEG_GS };
	unsigned cpl = sel[SEG_CS] & 3;

	for (unsigned i = SEG_ES; i <= SEG_GS; i++)
		s->seg[i].sel = sel[i];
	s->seg[SEG_CS].ar = (s->seg[SEG_CS].ar & ~SEG_AR_DPL_MASK) |
			    (cpl << SEG_AR_DPL_SHIFT);
	seg_null(&s->seg[SEG_LDTR], ldt);
	load_ldtr(ip, ldt, ext);
	if (s->rflags & RFLAGS_VM) {
		/* A virtual-8086 task (SDM 20.2.5): real-mode style. */
		for (unsigned i = SEG_ES; i <= SEG_GS; i++)
			seg_load(ip, i, sel[i]);
		return;
	}
	load_cs(ip, sel[SEG_CS], ext);
	load_ss(ip, sel[SEG_SS], cpl, ext);
	for (unsigned i = 0; i < 4; i++)
		load_data(ip, data[i], sel[data[i]], cpl, ext);
}

/* New CR3 (and PAE PDPTEs) read and checked before anything commits. */
struct new_cr3 {
	bool load, pae;
	uint64_t cr3, pdpte[4];
};

static void read_new_cr3(struct interp *ip, const struct tss_layout *l,
			 const uint8_t *b, struct new_cr3 *c)
{
	const struct cpu_state *s = &ip->s;

	c->load = l->cr3 && (s->cr0 & CR0_PG);
	if (!c->load)
		return;
	c->cr3 = tss_get(b, l->cr3, 4);
	c->pae = (s->cr4 & CR4_PAE) != 0;
	if (c->pae)
		sys_pae_pdptes_fetch(ip, c->cr3, c->pdpte);
}

static void commit_cr3(struct interp *ip, const struct new_cr3 *c)
{
	struct cpu_state *s = &ip->s;

	if (!c->load)
		return;
	s->cr3 = c->cr3;
	if (c->pae) {
		memcpy(s->pdpte, c->pdpte, sizeof(c->pdpte));
		s->pdpte_valid = true;
	}
	/* As a MOV to CR3 (SDM 7.3 step 13, 4.10.4.1; no PCIDs outside
	 * IA-32e mode): the non-global translations go. */
	tlb_flush_cr3(ip, 0);
}

void task_switch(struct interp *ip, const struct task_switch *t)
{
	struct cpu_state *s = &ip->s;
	const struct tss_layout *l = tss_layout_of(desc_ar(t->desc));
	uint64_t base = desc_base(t->desc), eflags;
	bool nest = t->source == TASK_SRC_CALL ||
		    t->source == TASK_SRC_IDT_GATE;
	uint16_t old_sel = s->seg[SEG_TR].sel, sel[6] = { 0 };
	struct new_cr3 cr3 = { 0 };
	uint8_t b[TSS_MAX];

	/* Read the whole new TSS and its CR3 before anything changes (SDM
	 * 8.3 step 5: everything the switch touches must be accessible). */
	lin_read(ip, base, b, l->min_limit + 1, ACC_READ | ACC_SUPER);
	read_new_cr3(ip, l, b, &cr3);
	/* Steps 6-8: old busy flag, old state; 9-10: back link, new busy
	 * flag (SDM 8.4 "Task Linking"). */
	save_old_task(ip, t);
	if (t->source == TASK_SRC_JMP || t->source == TASK_SRC_IRET)
		tss_set_busy(ip, old_sel, false);
	if (nest)
		lin_write(ip, base, &old_sel, 2, ACC_WRITE | ACC_SUPER);
	if (t->source != TASK_SRC_IRET)
		tss_set_busy(ip, t->sel, true);

	/* Step 11: TR (with the busy type) - the commit point.  From here
	 * on, faults belong to the new task (its EIP is the fault RIP). */
	seg_from_desc(&s->seg[SEG_TR], t->sel, t->desc | (2ull << 40));
	s->cr0 |= CR0_TS;   /* SDM 2.5: set on every task switch */
	commit_cr3(ip, &cr3);
	eflags = tss_get(b, l->eflags, l->width);
	if (l->width == 2)   /* a 16-bit task is never virtual-8086 */
		eflags |= s->rflags & ~0xffffull & ~RFLAGS_VM;
	s->rflags = (eflags & TASK_EFLAGS) | RFLAGS_FIXED1 |
		    (nest ? RFLAGS_NT : 0);
	s->rip = tss_get(b, l->eip, l->width);
	for (unsigned i = 0; i < 8; i++) {
		uint32_t v = tss_get(b, l->gpr + i * l->width, l->width);

		s->gpr[i] = l->width == 4 ? v :
			    (s->gpr[i] & 0xffff0000ull) | v;
	}
	for (unsigned i = 0; i < l->nsel; i++)
		sel[i] = (uint16_t)tss_get(b, l->sel + i * l->sel_stride, 2);
	ip->insn_rip = s->rip;
	interp_mode_changed(ip);
	load_new_segments(ip, sel, (uint16_t)tss_get(b, l->ldt, 2), t->ext);
	/* SDM 8.3 (JMP/CALL/IRET "TASK-SWITCH"): EIP within the new CS. */
	if (s->rip > s->seg[SEG_CS].limit)
		interp_raise_gp0(ip);
	/* An exception through a task gate: its error code on the new
	 * task's stack (SDM 6.12.2). */
	if (t->has_err) {
		uint64_t err = t->err;

		stk_write_frame(ip, &err, 1, l->width);
	}
	if (l == &tss32 && (b[TSS32_T] & 1)) {
		ip->db_dr6 |= DR6_BT;
		interp_raise(ip, X86_DB);
	}
}
