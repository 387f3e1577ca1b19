// SPDX-License-Identifier: MIT
/*
 * Software interrupts (INT n, INT3, INTO, INT1), IRET/IRETD/IRETQ (SDM IRET
 * reference), far JMP/CALL/RET, and the segment-loading instructions MOV
 * Sreg, POP Sreg, LDS/LES/LFS/LGS/LSS.
 */
#include "engine/interp/sys.h"


void sys_int(struct interp *ip, const struct insn *in)
{
	struct cpu_state *s = &ip->s;
	uint8_t type = EVT_SW_INTR, vector;

	switch (in->zi.mnemonic) {
	case ZYDIS_MNEMONIC_INT3:
		type = EVT_SW_EXCEPTION;
		vector = X86_BP;
		break;
	case ZYDIS_MNEMONIC_INTO:
		if (!(s->rflags & RFLAGS_OF)) {
			sys_done(ip, in);
			return;
		}
		type = EVT_SW_EXCEPTION;
		vector = X86_OF;
		break;
	case ZYDIS_MNEMONIC_INT1:
		type = EVT_PRIV_SW_EXCEPTION;
		vector = X86_DB;
		break;
	default:
		vector = (uint8_t)in->ops[0].imm.value.u;
		if ((s->rflags & RFLAGS_VM) &&
		    v86_int_n(ip, vector, ip->insn_rip + in->len))
			return;
		break;
	}
	s->rip = ip->insn_rip;
	interp_deliver_event(ip, type, vector, false, 0, in->len);
}

/* RFLAGS bits IRET may change, by operand size and privilege (SDM IRET). */
static uint64_t iret_flags(const struct cpu_state *s, uint64_t popped,
			   unsigned opsize, unsigned cpl)
{
	unsigned iopl = (unsigned)((s->rflags & RFLAGS_IOPL) >> RFLAGS_IOPL_SHIFT);
	uint64_t mask = RFLAGS_CF | RFLAGS_PF | RFLAGS_AF | RFLAGS_ZF |
			RFLAGS_SF | RFLAGS_TF | RFLAGS_DF | RFLAGS_OF | RFLAGS_NT;

	if (opsize > 16)
		mask |= RFLAGS_RF | RFLAGS_AC | RFLAGS_ID;
	if (cpl == 0) {
		mask |= RFLAGS_IOPL;
		if (opsize > 16 && (s->cr0 & CR0_PE))
			mask |= RFLAGS_VIF | RFLAGS_VIP;
	}
	if (cpl <= iopl)
		mask |= RFLAGS_IF;
	if (opsize == 16)
		mask &= 0xffff;
	return (s->rflags & ~mask) | (popped & mask) | RFLAGS_FIXED1;
}

/*
 * IRET removes blocking by NMI (SDM 6.7.1) even when it then faults, so
 * the blocking goes before anything can fault.  The VMX layer sees every
 * IRET first: in non-root operation it may keep the blocking (NMI exiting,
 * SDM 26.3) or remove virtual-NMI blocking instead, and it remembers the
 * unblocking for "NMI unblocking due to IRET" (SDM 28.2.3).
 */
static void iret_unblock_nmi(struct interp *ip, const struct insn *in)
{
	struct x86_intercept ic;

	sys_icpt_fill(ip, in, &ic, ICPT_IRET);
	ic.u.iret.unblock_nmi = true;
	sys_intercept(ip, &ic);
	if (ic.u.iret.unblock_nmi)
		ip->s.interruptibility &= ~INTR_BLOCK_NMI;
}

/*
 * IRET with NT=1 outside IA-32e mode returns to the task in the back link
 * of the current TSS (SDM IRET "TASK-RETURN").  The checks that come
 * before a task switch (SDM 26.4.2) are made and the attempt is offered to
 * the VMX layer, which exits in VMX non-root operation; anywhere else the
 * task switch is carried out (SDM 8.3, task.c).
 */
static void iret_task_return(struct interp *ip, const struct insn *in)
{
	const struct seg_reg *tr = &ip->s.seg[SEG_TR];
	struct x86_intercept ic;
	struct task_switch ts = {
		.source = TASK_SRC_IRET, .old_eip = ip->s.rip,
		.old_eflags = ip->s.rflags,
	};
	uint16_t link;

	if (tr->limit < 1)
		interp_raise_err(ip, X86_TS, tr->sel & 0xfffc);
	lin_read(ip, tr->base, &link, 2, ACC_READ | ACC_SUPER);
	ts.desc = seg_task_target(ip, link, true, X86_TS, 0);
	ts.sel = link;
	sys_icpt_fill(ip, in, &ic, ICPT_TASK_SWITCH);
	ic.u.task.sel = link;
	ic.u.task.source = TASK_SRC_IRET;
	if (sys_intercept(ip, &ic) == ICPT_EMULATED)
		return;
	task_switch(ip, &ts);
}

/* IRET at CPL 0 outside IA-32e mode whose 32-bit EFLAGS image has VM = 1
 * returns to virtual-8086 mode (SDM IRET "PROTECTED-MODE"). */
static bool iret_to_v86(struct interp *ip, unsigned opsize, unsigned cpl)
{
	uint64_t v[3];

	if (opsize != 32 || cpl != 0 || cpu_long_mode(&ip->s))
		return false;
	stk_read_frame(ip, v, 3, 4, 0);
	return v[2] & RFLAGS_VM;
}

void sys_iret(struct interp *ip, const struct insn *in)
{
	struct cpu_state *s = &ip->s;
	unsigned opsize = sys_opsize(in), size = opsize / 8;
	unsigned cpl = cpu_cpl(s);
	uint64_t v[3], fl;

	iret_unblock_nmi(ip, in);
	if (!(s->cr0 & CR0_PE)) {
		uint64_t mask = stk_width_mask(s);

		stk_read_frame(ip, v, 3, size, 0);
		if (opsize == 16 ? v[0] > s->seg[SEG_CS].limit :
				   v[0] > 0xffff)
			interp_raise_gp0(ip);
		seg_load(ip, SEG_CS, (uint16_t)v[1]);
		s->rip = v[0] & (opsize == 16 ? 0xffff : 0xffffffffull);
		s->gpr[GPR_RSP] = (s->gpr[GPR_RSP] & ~mask) |
				  ((s->gpr[GPR_RSP] + 3ull * size) & mask);
		s->rflags = iret_flags(s, v[2], opsize, 0);
	} else if (s->rflags & RFLAGS_VM) {
		v86_iret(ip, opsize);
	} else if (s->rflags & RFLAGS_NT) {
		/* SDM IRET: in IA-32e mode NT=1 is #GP(0). */
		if (cpu_long_mode(s))
			interp_raise_gp0(ip);
		iret_task_return(ip, in);
	} else if (iret_to_v86(ip, opsize, cpl)) {
		v86_iret_enter(ip);
	} else {
		fl = seg_iret_pm(ip, opsize);
		s->rflags = iret_flags(s, fl, opsize, cpl);
	}
}

void sys_far_branch(struct interp *ip, const struct insn *in)
{
	struct cpu_state *s = &ip->s;
	unsigned opsize = sys_opsize(in);
	uint64_t next = (ip->insn_rip + in->len) & sys_ip_mask(s);
	const ZydisDecodedOperand *op = &in->ops[0];
	uint64_t off;
	uint16_t sel;

	if (in->zi.mnemonic == ZYDIS_MNEMONIC_RET) {
		uint16_t imm = 0;

		if (in->zi.operand_count_visible > 0 &&
		    op->type == ZYDIS_OPERAND_TYPE_IMMEDIATE)
			imm = (uint16_t)op->imm.value.u;
		seg_far_ret(ip, opsize, imm);
		return;
	}
	if (op->type == ZYDIS_OPERAND_TYPE_POINTER) {
		sel = op->ptr.segment;
		off = op->ptr.offset;
	} else {
		unsigned seg;
		uint64_t ea = op_ea(ip, in, 0, &seg);

		off = mem_read_u(ip, seg, ea, opsize / 8);
		sel = (uint16_t)mem_read_u(ip, seg, ea + opsize / 8, 2);
	}
	seg_far_jmp(ip, sel, off, in->zi.mnemonic == ZYDIS_MNEMONIC_CALL,
		    opsize, next);
}

static unsigned sreg_of(const struct insn *in, unsigned n)
{
	return (unsigned)ZydisRegisterGetId(in->ops[n].reg.value);
}

void sys_mov_sreg(struct interp *ip, const struct insn *in)
{
	unsigned seg = sreg_of(in, 0);

	if (seg == SEG_CS || seg >= SEG_LDTR)
		interp_raise(ip, X86_UD);
	seg_load(ip, seg, (uint16_t)op_read(ip, in, 1));
	if (seg == SEG_SS)
		ip->shadow_next |= INTR_BLOCK_MOV_SS;
	sys_done(ip, in);
}

void sys_pop_sreg(struct interp *ip, const struct insn *in)
{
	struct cpu_state *s = &ip->s;
	unsigned seg = sreg_of(in, 0), size = sys_opsize(in) / 8;
	uint64_t mask = stk_width_mask(s), v;
	uint64_t rsp = (s->gpr[GPR_RSP] & ~mask) |
		       ((s->gpr[GPR_RSP] + size) & mask);

	if (seg == SEG_CS || seg >= SEG_LDTR)
		interp_raise(ip, X86_UD);
	stk_read_frame(ip, &v, 1, size, 0);
	seg_load(ip, seg, (uint16_t)v);
	s->gpr[GPR_RSP] = rsp;
	if (seg == SEG_SS)
		ip->shadow_next |= INTR_BLOCK_MOV_SS;
	sys_done(ip, in);
}

void sys_lxs(struct interp *ip, const struct insn *in)
{
	static const struct { ZydisMnemonic m; unsigned seg; } map[] = {
		{ ZYDIS_MNEMONIC_LDS, SEG_DS }, { ZYDIS_MNEMONIC_LES, SEG_ES },
		{ ZYDIS_MNEMONIC_LFS, SEG_FS }, { ZYDIS_MNEMONIC_LGS, SEG_GS },
		{ ZYDIS_MNEMONIC_LSS, SEG_SS },
	};
	unsigned opsize = sys_opsize(in), seg, target = SEG_DS;
	uint64_t ea = op_ea(ip, in, 1, &seg), off;
	uint16_t sel;

	for (unsigned i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (map[i].m == in->zi.mnemonic)
			target = map[i].seg;
	off = mem_read_u(ip, seg, ea, opsize / 8);
	sel = (uint16_t)mem_read_u(ip, seg, ea + opsize / 8, 2);
	seg_load(ip, target, sel);
	op_write(ip, in, 0, off);
	sys_done(ip, in);
}
