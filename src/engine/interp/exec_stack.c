// SPDX-License-Identifier: MIT
/*
 * Stack instructions: PUSH, POP (registers, memory, immediates, segment
 * registers), ENTER, LEAVE, PUSHA/POPA.  Stack width rules are in
 * operand.c (interp_push/interp_pop).
 */
#include "engine/interp/core.h"

static int seg_of(const ZydisDecodedOperand *o)
{
	return o->type == ZYDIS_OPERAND_TYPE_REGISTER ? zyreg_to_seg(o->reg.value) : -1;
}

/* PUSH Sreg with a 32/64-bit operand size: we push the zero-extended
 * selector (the SDM allows this or a 16-bit store). */
static void exec_push(struct interp *ip, const struct insn *in)
{
	unsigned bytes = in->zi.operand_width / 8;
	uint64_t v = opr(ip, in, 0);   /* PUSH rSP pushes the old value */

	interp_push(ip, v, bytes);
}

static void exec_pop(struct interp *ip, const struct insn *in)
{
	unsigned bytes = in->zi.operand_width / 8;
	uint64_t mask = width_mask(interp_stack_bits(ip));
	uint64_t old_sp = ip->s.gpr[GPR_RSP];
	uint64_t sp = old_sp & mask;
	uint64_t v = mem_read_u(ip, SEG_SS, sp, bytes);
	const ZydisDecodedOperand *o = &in->ops[0];
	int seg = seg_of(o);

	if (seg >= 0) {
		/* POP Sreg: load first (it may fault), then move rSP. */
		seg_load(ip, (unsigned)seg, (uint16_t)v);
		interp_set_sp(ip, sp + bytes);
		if (seg == SEG_SS)
			ip->shadow_next |= INTR_BLOCK_MOV_SS;
		ip->batch_break = true;
		return;
	}
	if (o->type == ZYDIS_OPERAND_TYPE_MEMORY) {
		/* SDM: an rSP-based address uses the incremented rSP; write the
		 * memory before rSP really changes (precise faults). */
		unsigned mseg;
		uint64_t ea;

		interp_set_sp(ip, sp + bytes);
		ea = op_ea(ip, in, 0, &mseg);
		ip->s.gpr[GPR_RSP] = old_sp;
		mem_write_u(ip, mseg, ea, v, bytes);
		interp_set_sp(ip, sp + bytes);
		return;
	}
	interp_set_sp(ip, sp + bytes);
	opw(ip, in, 0, v);   /* POP rSP: the loaded value wins */
}

/* LEAVE: rSP = rBP, then pop rBP (stack address size for the move). */
static void exec_leave(struct interp *ip, const struct insn *in)
{
	unsigned bytes = in->zi.operand_width / 8;
	unsigned sbits = interp_stack_bits(ip);
	uint64_t sp = ip->s.gpr[GPR_RBP] & width_mask(sbits);
	uint64_t v = mem_read_u(ip, SEG_SS, sp, bytes);
	uint64_t *rbp = &ip->s.gpr[GPR_RBP];

	interp_set_sp(ip, sp + bytes);
	switch (bytes) {
	case 8: *rbp = v; break;
	case 4: *rbp = (uint32_t)v; break;
	default: *rbp = (*rbp & ~0xffffull) | (v & 0xffff); break;
	}
}

/* ENTER imm16, imm8 (SDM Vol. 2 ENTER), nesting level taken mod 32.
 * All memory is written before rSP/rBP change. */
static void exec_enter(struct interp *ip, const struct insn *in)
{
	unsigned bytes = in->zi.operand_width / 8;
	unsigned sbits = interp_stack_bits(ip);
	uint64_t sm = width_mask(sbits);
	uint64_t size = in->ops[0].imm.value.u & 0xffff;
	unsigned level = (unsigned)(in->ops[1].imm.value.u & 31);
	uint64_t *g = ip->s.gpr;
	uint64_t sp = g[GPR_RSP] & sm, bp = g[GPR_RBP] & sm;
	uint64_t frame;

	sp = (sp - bytes) & sm;
	mem_write_u(ip, SEG_SS, sp, g[GPR_RBP], bytes);
	frame = sp;
	if (level > 0) {
		for (unsigned i = 1; i < level; i++) {
			uint64_t v;

			bp = (bp - bytes) & sm;
			v = mem_read_u(ip, SEG_SS, bp, bytes);
			sp = (sp - bytes) & sm;
			mem_write_u(ip, SEG_SS, sp, v, bytes);
		}
		sp = (sp - bytes) & sm;
		mem_write_u(ip, SEG_SS, sp, frame, bytes);
	}
	sp = (sp - size) & sm;
	/* Probe the lowest byte of the new frame (hardware checks it). */
	if (size)
		(void)mem_read_u(ip, SEG_SS, sp, 1);
	switch (bytes) {
	case 8: g[GPR_RBP] = frame; break;
	case 4: g[GPR_RBP] = (uint32_t)frame; break;
	default: g[GPR_RBP] = (g[GPR_RBP] & ~0xffffull) | (frame & 0xffff); break;
	}
	interp_set_sp(ip, sp);
}

/* PUSHA/PUSHAD and POPA/POPAD: #UD in 64-bit mode (Zydis rejects them). */
static void exec_pusha(struct interp *ip, const struct insn *in)
{
	unsigned bytes = in->zi.operand_width / 8;
	uint64_t sm = width_mask(interp_stack_bits(ip));
	uint64_t sp = ip->s.gpr[GPR_RSP] & sm;
	uint64_t v;

	for (unsigned r = GPR_RAX; r <= GPR_RDI; r++) {
		v = r == GPR_RSP ? ip->s.gpr[GPR_RSP] : ip->s.gpr[r];
		sp = (sp - bytes) & sm;
		mem_write_u(ip, SEG_SS, sp, v, bytes);
	}
	interp_set_sp(ip, sp);
}

static void exec_popa(struct interp *ip, const struct insn *in)
{
	unsigned bytes = in->zi.operand_width / 8;
	uint64_t sm = width_mask(interp_stack_bits(ip));
	uint64_t sp = ip->s.gpr[GPR_RSP] & sm;
	uint64_t v[8];

	for (int r = GPR_RDI; r >= GPR_RAX; r--) {
		v[r] = mem_read_u(ip, SEG_SS, sp, bytes);
		sp = (sp + bytes) & sm;
	}
	for (unsigned r = GPR_RAX; r <= GPR_RDI; r++) {
		uint64_t *g = &ip->s.gpr[r];

		if (r == GPR_RSP)
			continue;
		*g = bytes == 4 ? (uint32_t)v[r] :
		     (*g & ~0xffffull) | (v[r] & 0xffff);
	}
	interp_set_sp(ip, sp);
}

const struct exec_entry exec_stack_table[] = {
	{ ZYDIS_MNEMONIC_PUSH, exec_push, { NULL } },
	{ ZYDIS_MNEMONIC_POP, exec_pop, { NULL } },
	{ ZYDIS_MNEMONIC_LEAVE, exec_leave, { NULL } },
	{ ZYDIS_MNEMONIC_ENTER, exec_enter, { NULL } },
	{ ZYDIS_MNEMONIC_PUSHA, exec_pusha, { NULL } },
	{ ZYDIS_MNEMONIC_PUSHAD, exec_pusha, { NULL } },
	{ ZYDIS_MNEMONIC_POPA, exec_popa, { NULL } },
	{ ZYDIS_MNEMONIC_POPAD, exec_popa, { NULL } },
	{ 0, NULL, { NULL } },
};
