// SPDX-License-Identifier: MIT
/*
 * Descriptor-table registers: LGDT/LIDT/SGDT/SIDT/LLDT/LTR/SLDT/STR
 * (SDM Vol. 2 instruction reference, SDM 3.5.1, 7.2.4).
 */
#include "engine/interp/sys.h"

#include <string.h>

static enum desc_insn_id desc_id(ZydisMnemonic m)
{
	switch (m) {
	case ZYDIS_MNEMONIC_SGDT: return DESC_SGDT;
	case ZYDIS_MNEMONIC_SIDT: return DESC_SIDT;
	case ZYDIS_MNEMONIC_LGDT: return DESC_LGDT;
	case ZYDIS_MNEMONIC_LIDT: return DESC_LIDT;
	case ZYDIS_MNEMONIC_SLDT: return DESC_SLDT;
	case ZYDIS_MNEMONIC_STR: return DESC_STR;
	case ZYDIS_MNEMONIC_LLDT: return DESC_LLDT;
	default: return DESC_LTR;
	}
}

static bool desc_intercept(struct interp *ip, const struct insn *in)
{
	struct x86_intercept ic;

	sys_icpt_fill(ip, in, &ic, ICPT_DESC_TABLE);
	ic.u.desc.which = desc_id(in->zi.mnemonic);
	op_describe(ip, in, 0, &ic.u.desc.op);
	if (sys_intercept(ip, &ic) == ICPT_EMULATED) {
		sys_done(ip, in);
		return true;
	}
	return false;
}

static void umip_check(struct interp *ip)
{
	if ((ip->s.cr4 & CR4_UMIP) && cpu_cpl(&ip->s) > 0)
		interp_raise_gp0(ip);
}

void sys_lgdt_lidt(struct interp *ip, const struct insn *in)
{
	struct cpu_state *s = &ip->s;
	bool is64 = cpu_64bit_mode(s);
	unsigned seg;
	uint64_t ea, base = 0;
	uint16_t limit;
	struct dtable_reg *dt = in->zi.mnemonic == ZYDIS_MNEMONIC_LGDT ?
				&s->gdtr : &s->idtr;

	if (cpu_cpl(s) != 0)
		interp_raise_gp0(ip);
	if (desc_intercept(ip, in))
		return;
	ea = op_ea(ip, in, 0, &seg);
	limit = (uint16_t)mem_read_u(ip, seg, ea, 2);
	base = mem_read_u(ip, seg, (ea + 2) & (is64 ? ~0ull : 0xffffffffull),
			  is64 ? 8 : 4);
	if (is64 && !lin_canonical(base))
		interp_raise_gp0(ip);
	if (!is64 && sys_opsize(in) == 16)
		base &= 0xffffff;
	dt->base = base;
	dt->limit = limit;
	sys_done(ip, in);
}

void sys_sgdt_sidt(struct interp *ip, const struct insn *in)
{
	struct cpu_state *s = &ip->s;
	bool is64 = cpu_64bit_mode(s);
	const struct dtable_reg *dt = in->zi.mnemonic == ZYDIS_MNEMONIC_SGDT ?
				      &s->gdtr : &s->idtr;
	uint8_t buf[10];
	uint64_t base = dt->base;
	uint16_t limit = (uint16_t)dt->limit;
	unsigned seg;
	uint64_t ea;

	umip_check(ip);
	if (desc_intercept(ip, in))
		return;
	ea = op_ea(ip, in, 0, &seg);
	if (!is64)
		base &= sys_opsize(in) == 16 ? 0xffffff : 0xffffffffull;
	memcpy(buf, &limit, 2);
	memcpy(buf + 2, &base, 8);
	mem_write(ip, seg, ea, buf, is64 ? 10 : 6);
	sys_done(ip, in);
}

void sys_lldt_ltr(struct interp *ip, const struct insn *in)
{
	struct cpu_state *s = &ip->s;
	bool ltr = in->zi.mnemonic == ZYDIS_MNEMONIC_LTR;
	struct seg_reg *sr = &s->seg[ltr ? SEG_TR : SEG_LDTR];
	uint16_t sel;
	uint64_t d, addr, hi = 0;
	unsigned type;

	if (!sys_protected(s))
		interp_raise(ip, X86_UD);
	if (cpu_cpl(s) != 0)
		interp_raise_gp0(ip);
	if (desc_intercept(ip, in))
		return;
	sel = (uint16_t)op_read(ip, in, 0);
	if (!(sel & 0xfffc)) {
		if (ltr)
			interp_raise_gp0(ip);
		sr->sel = sel;
		sr->base = 0;
		sr->limit = 0;
		sr->ar = SEG_AR_UNUSABLE;
		sys_done(ip, in);
		return;
	}
	if (sel & 4)
		interp_raise_err(ip, X86_GP, sel & 0xfffc);
	d = desc_read(ip, sel, X86_GP, 0, &addr);
	type = desc_ar(d) & (SEG_AR_S | SEG_AR_TYPE_MASK);
	if (ltr ? !(type == 0x9 || (type == 0x1 && !cpu_long_mode(s))) :
		  type != 0x2)
		interp_raise_err(ip, X86_GP, sel & 0xfffc);
	if (!(desc_ar(d) & SEG_AR_P))
		interp_raise_err(ip, X86_NP, sel & 0xfffc);
	if (cpu_long_mode(s)) {
		hi = desc_read_hi(ip, addr);
		if ((hi >> 40) & 0x1f)   /* type field of the upper half: 0 */
			interp_raise_err(ip, X86_GP, sel & 0xfffc);
		if (!lin_canonical(desc_base(d) | (hi << 32)))
			interp_raise_err(ip, X86_GP, sel & 0xfffc);
	}
	if (ltr) {
		/* Mark the TSS busy in the GDT (SDM LTR). */
		uint8_t b;

		d |= 2ull << 40;
		b = (uint8_t)(d >> 40);
		lin_write(ip, addr + 5, &b, 1, ACC_WRITE | ACC_SUPER);
	}
	seg_from_desc(sr, sel, d);
	sr->base |= (hi & 0xffffffffull) << 32;
	sys_done(ip, in);
}

void sys_sldt_str(struct interp *ip, const struct insn *in)
{
	const struct cpu_state *s = &ip->s;
	bool str = in->zi.mnemonic == ZYDIS_MNEMONIC_STR;

	if (!sys_protected(s))
		interp_raise(ip, X86_UD);
	umip_check(ip);
	if (desc_intercept(ip, in))
		return;
	op_write(ip, in, 0, s->seg[str ? SEG_TR : SEG_LDTR].sel);
	sys_done(ip, in);
}
