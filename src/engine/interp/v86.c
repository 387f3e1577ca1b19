// SPDX-License-Identifier: MIT
/*
 * Virtual-8086 mode (SDM Vol. 3A ch. 20.2-20.4): the IRET that enters it
 * from CPL 0, IRET inside it, INT n with the IOPL rule and the virtual mode
 * extensions (CR4.VME: the software interrupt redirection bitmap and the
 * 8086 program's own interrupt table, VIF/VIP), and the segment state
 * around a transition.  Event delivery out of virtual-8086 mode through
 * the IDT is in except.c (deliver_pm); PUSHF/POPF in exec_flags.c, CLI/STI
 * in sys_misc.c, I/O permission in sys_io.c.
 */
#include "engine/interp/sys.h"

/* Every defined EFLAGS bit (SDM Vol. 1 3.4.3): what an IRET at CPL 0
 * back to virtual-8086 mode loads. */
#define EFLAGS_DEFINED (RFLAGS_CF | RFLAGS_PF | RFLAGS_AF | RFLAGS_ZF | \
			RFLAGS_SF | RFLAGS_TF | RFLAGS_IF | RFLAGS_DF | \
			RFLAGS_OF | RFLAGS_IOPL | RFLAGS_NT | RFLAGS_RF | \
			RFLAGS_VM | RFLAGS_AC | RFLAGS_VIF | RFLAGS_VIP | \
			RFLAGS_ID)

static unsigned iopl(const struct cpu_state *s)
{
	return (unsigned)((s->rflags & RFLAGS_IOPL) >> RFLAGS_IOPL_SHIFT);
}

void v86_seg_set(struct seg_reg *sr, uint16_t sel)
{
	sr->sel = sel;
	sr->base = (uint64_t)sel << 4;
	sr->limit = 0xffff;
	sr->ar = V86_SEG_AR;
}

/*
 * IRET at CPL 0 with VM = 1 in the popped EFLAGS image (SDM IRET
 * "RETURN-TO-VIRTUAL-8086-MODE"): a 32-bit frame of EIP, CS, EFLAGS, ESP,
 * SS, ES, DS, FS, GS; every EFLAGS bit is loaded, the segments get
 * virtual-8086 attributes and CPL becomes 3.  As processors do (and Bochs
 * and QEMU model), only bits 15:0 of the popped EIP are used, where the
 * SDM's pseudo-code would raise #GP(0) beyond the CS limit; ESP is loaded
 * whole.
 */
void v86_iret_enter(struct interp *ip)
{
	struct cpu_state *s = &ip->s;
	uint64_t v[9];

	stk_read_frame(ip, v, 9, 4, 0);
	s->rflags = (v[2] & EFLAGS_DEFINED) | RFLAGS_FIXED1;
	v86_seg_set(&s->seg[SEG_CS], (uint16_t)v[1]);
	v86_seg_set(&s->seg[SEG_SS], (uint16_t)v[4]);
	v86_seg_set(&s->seg[SEG_ES], (uint16_t)v[5]);
	v86_seg_set(&s->seg[SEG_DS], (uint16_t)v[6]);
	v86_seg_set(&s->seg[SEG_FS], (uint16_t)v[7]);
	v86_seg_set(&s->seg[SEG_GS], (uint16_t)v[8]);
	s->rip = v[0] & 0xffff;
	s->gpr[GPR_RSP] = v[3] & 0xffffffffull;
}

/*
 * IRET in virtual-8086 mode (SDM IRET "RETURN-FROM-VIRTUAL-8086-MODE",
 * 20.3.3.x with VME): with IOPL = 3 it pops IP/EIP, CS and FLAGS/EFLAGS
 * (VM, IOPL, VIP and VIF are kept); with IOPL < 3 it is #GP(0) for the
 * virtual-8086 monitor, unless CR4.VME is set and the operand size is 16:
 * then IF and IOPL are kept, VIF takes the popped IF, and a popped TF = 1
 * or IF = 1 with VIP = 1 is #GP(0).
 */
void v86_iret(struct interp *ip, unsigned opsize)
{
	struct cpu_state *s = &ip->s;
	unsigned size = opsize / 8;
	bool vme = iopl(s) < 3;
	uint64_t v[3], mask, fl;

	if (vme && (!(s->cr4 & CR4_VME) || opsize != 16))
		interp_raise_gp0(ip);
	stk_read_frame(ip, v, 3, size, 0);
	if (v[0] > 0xffff)
		interp_raise_gp0(ip);
	if (vme && ((v[2] & RFLAGS_TF) ||
		    ((v[2] & RFLAGS_IF) && (s->rflags & RFLAGS_VIP))))
		interp_raise_gp0(ip);
	if (vme) {
		mask = 0xffff & ~(RFLAGS_IF | RFLAGS_IOPL);
		fl = (s->rflags & ~(mask | RFLAGS_VIF)) | (v[2] & mask) |
		     ((v[2] & RFLAGS_IF) ? RFLAGS_VIF : 0);
	} else {
		mask = RFLAGS_CF | RFLAGS_PF | RFLAGS_AF | RFLAGS_ZF |
		       RFLAGS_SF | RFLAGS_TF | RFLAGS_IF | RFLAGS_DF |
		       RFLAGS_OF | RFLAGS_NT;
		if (opsize == 32)
			mask |= RFLAGS_RF | RFLAGS_AC | RFLAGS_ID;
		fl = (s->rflags & ~mask) | (v[2] & mask);
	}
	v86_seg_set(&s->seg[SEG_CS], (uint16_t)v[1]);
	s->rip = v[0];
	s->rflags = fl | RFLAGS_FIXED1;
	s->gpr[GPR_RSP] = (s->gpr[GPR_RSP] & ~0xffffull) |
			  ((s->gpr[GPR_RSP] + 3ull * size) & 0xffff);
}

/*
 * Bit n of the software interrupt redirection bitmap: the 32 bytes below
 * the I/O permission bitmap of the current TSS (SDM 20.3.3.5, Figure
 * 20-5).  A TSS too short for the I/O map base, or a bitmap byte beyond
 * the TSS limit, is #GP(0).  Set = the IDT handles INT n.
 */
static bool v86_int_bit(struct interp *ip, uint8_t vector)
{
	const struct seg_reg *tr = &ip->s.seg[SEG_TR];
	uint16_t base;
	uint32_t off;
	uint8_t b;

	if ((tr->ar & SEG_AR_UNUSABLE) || tr->limit < 0x67)
		interp_raise_gp0(ip);
	lin_read(ip, tr->base + 0x66, &base, 2, ACC_READ | ACC_SUPER);
	off = (uint32_t)base - 32 + vector / 8;
	if (base < 32 || off > tr->limit)
		interp_raise_gp0(ip);
	lin_read(ip, tr->base + off, &b, 1, ACC_READ | ACC_SUPER);
	return (b >> (vector & 7)) & 1;
}

/*
 * INT n redirected to the 8086 program (SDM Table 20-2 methods 5 and 6):
 * through the interrupt table at linear address 0 like real mode, pushing
 * FLAGS, CS, IP on the virtual-8086 stack.  With IOPL < 3 the FLAGS image
 * has IOPL = 3 and IF = VIF, and VIF (not IF) is cleared.
 */
static void v86_redirect(struct interp *ip, uint8_t vector, uint64_t next)
{
	struct cpu_state *s = &ip->s;
	uint64_t fl = s->rflags & 0xffff, vals[3];
	uint16_t ivt[2];

	if (iopl(s) < 3)
		fl = (fl & ~RFLAGS_IF) | RFLAGS_IOPL |
		     ((s->rflags & RFLAGS_VIF) ? RFLAGS_IF : 0);
	lin_read(ip, vector * 4u, ivt, 4, ACC_READ | ACC_SUPER);
	vals[0] = fl;
	vals[1] = s->seg[SEG_CS].sel;
	vals[2] = next & 0xffff;
	stk_write_frame(ip, vals, 3, 2);
	v86_seg_set(&s->seg[SEG_CS], ivt[1]);
	s->rip = ivt[0];
	s->rflags &= ~(RFLAGS_TF | RFLAGS_RF);
	s->rflags &= ~(iopl(s) == 3 ? RFLAGS_IF : RFLAGS_VIF);
}

/*
 * INT n in virtual-8086 mode (SDM INT n operation, Table 20-2): with
 * CR4.VME a clear bit in the redirection bitmap sends it to the 8086
 * program's handler; otherwise IOPL < 3 is #GP(0) and IOPL = 3 goes
 * through the IDT.  Returns true when the instruction is done.
 */
bool v86_int_n(struct interp *ip, uint8_t vector, uint64_t next)
{
	struct cpu_state *s = &ip->s;

	if ((s->cr4 & CR4_VME) && !v86_int_bit(ip, vector)) {
		v86_redirect(ip, vector, next);
		return true;
	}
	if (iopl(s) < 3)
		interp_raise_gp0(ip);
	return false;
}
