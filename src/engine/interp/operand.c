// SPDX-License-Identifier: MIT
/*
 * Operand access for decoded instructions: general-purpose registers with
 * the x86 partial-register rules, effective addresses (16/32/64-bit forms,
 * RIP-relative, segment overrides) and the stack.
 */
#include "engine/interp/core.h"

struct regdesc {
	uint8_t gpr;    /* enum x86_gpr */
	uint8_t bytes;  /* 0: not a general-purpose register */
	uint8_t shift;  /* 8 for AH..BH */
};

#define R64(z, g) [ZYDIS_REGISTER_##z] = { GPR_##g, 8, 0 }
#define R32(z, g) [ZYDIS_REGISTER_##z] = { GPR_##g, 4, 0 }
#define R16(z, g) [ZYDIS_REGISTER_##z] = { GPR_##g, 2, 0 }
#define R8(z, g)  [ZYDIS_REGISTER_##z] = { GPR_##g, 1, 0 }
#define R8H(z, g) [ZYDIS_REGISTER_##z] = { GPR_##g, 1, 8 }

static const struct regdesc regmap[ZYDIS_REGISTER_MAX_VALUE + 1] = {
	R8(AL, RAX), R8(CL, RCX), R8(DL, RDX), R8(BL, RBX),
	R8H(AH, RAX), R8H(CH, RCX), R8H(DH, RDX), R8H(BH, RBX),
	R8(SPL, RSP), R8(BPL, RBP), R8(SIL, RSI), R8(DIL, RDI),
	R8(R8B, R8), R8(R9B, R9), R8(R10B, R10), R8(R11B, R11),
	R8(R12B, R12), R8(R13B, R13), R8(R14B, R14), R8(R15B, R15),
	R16(AX, RAX), R16(CX, RCX), R16(DX, RDX), R16(BX, RBX),
	R16(SP, RSP), R16(BP, RBP), R16(SI, RSI), R16(DI, RDI),
	R16(R8W, R8), R16(R9W, R9), R16(R10W, R10), R16(R11W, R11),
	R16(R12W, R12), R16(R13W, R13), R16(R14W, R14), R16(R15W, R15),
	R32(EAX, RAX), R32(ECX, RCX), R32(EDX, RDX), R32(EBX, RBX),
	R32(ESP, RSP), R32(EBP, RBP), R32(ESI, RSI), R32(EDI, RDI),
	R32(R8D, R8), R32(R9D, R9), R32(R10D, R10), R32(R11D, R11),
	R32(R12D, R12), R32(R13D, R13), R32(R14D, R14), R32(R15D, R15),
	R64(RAX, RAX), R64(RCX, RCX), R64(RDX, RDX), R64(RBX, RBX),
	R64(RSP, RSP), R64(RBP, RBP), R64(RSI, RSI), R64(RDI, RDI),
	R64(R8, R8), R64(R9, R9), R64(R10, R10), R64(R11, R11),
	R64(R12, R12), R64(R13, R13), R64(R14, R14), R64(R15, R15),
};

int reg_to_gpr(ZydisRegister r)
{
	if ((unsigned)r > ZYDIS_REGISTER_MAX_VALUE || !regmap[r].bytes)
		return -1;
	return regmap[r].gpr;
}

/* A GPR usable as base or index: its number, else -1 (RIP, vector
 * index registers and anything odd take the slow path). */
static int addr_gpr(ZydisRegister r)
{
	if (r == ZYDIS_REGISTER_NONE)
		return OPD_NOREG;
	if ((unsigned)r > ZYDIS_REGISTER_MAX_VALUE || regmap[r].bytes < 2 ||
	    regmap[r].shift)
		return -1;
	return regmap[r].gpr;
}

/* Fill d's effective-address fields when op_ea()'s general rule reduces
 * to disp + base + index << scale under the address-size mask. */
static void predecode_ea(const struct insn *in, const ZydisDecodedOperand *o,
			 struct insn_opd *d)
{
	int base = addr_gpr(o->mem.base);
	int index = o->mem.type == ZYDIS_MEMOP_TYPE_MIB ? OPD_NOREG
							: addr_gpr(o->mem.index);
	int seg = zyreg_to_seg(o->mem.segment);

	if (o->mem.base == ZYDIS_REGISTER_RIP || o->mem.base == ZYDIS_REGISTER_EIP)
		base = OPD_RIPREL;
	if (base < 0 || index < 0)
		return;
	d->base = (uint8_t)base;
	d->index = (uint8_t)index;
	d->scale = 0;
	if (index != OPD_NOREG)
		d->scale = (uint8_t)__builtin_ctz(o->mem.scale ? o->mem.scale : 1);
	d->seg = (uint8_t)(seg >= 0 ? seg : SEG_DS);
	d->disp = o->mem.disp.value;
	d->amask = width_mask(in->zi.address_width);
	d->ea_ok = true;
}

void insn_predecode_operands(struct insn *in)
{
	for (unsigned n = 0; n < 4; n++) {
		struct insn_opd *d = &in->opd[n];
		const ZydisDecodedOperand *o = &in->ops[n];

		*d = (struct insn_opd){ .kind = OPD_SLOW };
		if (n >= in->zi.operand_count)
			continue;
		d->mask = width_mask(o->size ? o->size : 64);
		if (o->type == ZYDIS_OPERAND_TYPE_REGISTER &&
		    (unsigned)o->reg.value <= ZYDIS_REGISTER_MAX_VALUE &&
		    regmap[o->reg.value].bytes) {
			const struct regdesc *r = &regmap[o->reg.value];

			d->kind = OPD_GPR;
			d->gpr = r->gpr;
			d->shift = r->shift;
			d->bytes = r->bytes;
			d->mask = width_mask(r->bytes * 8u);
			d->keep = r->bytes >= 4 ? 0 : ~(d->mask << r->shift);
		} else if (o->type == ZYDIS_OPERAND_TYPE_IMMEDIATE) {
			d->kind = OPD_IMM;
		} else if (o->type == ZYDIS_OPERAND_TYPE_MEMORY) {
			predecode_ea(in, o, d);
			d->bytes = (uint8_t)(o->size / 8);
			if (d->ea_ok && o->mem.type == ZYDIS_MEMOP_TYPE_MEM &&
			    (o->size == 8 || o->size == 16 || o->size == 32 ||
			     o->size == 64))
				d->kind = OPD_MEM;
		}
	}
	in->regs_only = in->zi.operand_count_visible >= 1 &&
			in->zi.operand_count_visible <= 4 &&
			in->opd[0].kind == OPD_GPR;
	for (unsigned n = 1; n < in->zi.operand_count_visible && n < 4; n++)
		if (in->opd[n].kind != OPD_GPR && in->opd[n].kind != OPD_IMM)
			in->regs_only = false;
}

int zyreg_to_seg(ZydisRegister r)
{
	switch (r) {
	case ZYDIS_REGISTER_ES: return SEG_ES;
	case ZYDIS_REGISTER_CS: return SEG_CS;
	case ZYDIS_REGISTER_SS: return SEG_SS;
	case ZYDIS_REGISTER_DS: return SEG_DS;
	case ZYDIS_REGISTER_FS: return SEG_FS;
	case ZYDIS_REGISTER_GS: return SEG_GS;
	default: return -1;
	}
}

unsigned insn_data_seg(const struct insn *in)
{
	static const struct { uint64_t attr; unsigned seg; } ovr[] = {
		{ ZYDIS_ATTRIB_HAS_SEGMENT_ES, SEG_ES },
		{ ZYDIS_ATTRIB_HAS_SEGMENT_CS, SEG_CS },
		{ ZYDIS_ATTRIB_HAS_SEGMENT_SS, SEG_SS },
		{ ZYDIS_ATTRIB_HAS_SEGMENT_FS, SEG_FS },
		{ ZYDIS_ATTRIB_HAS_SEGMENT_GS, SEG_GS },
	};

	if (!(in->zi.attributes & ZYDIS_ATTRIB_HAS_SEGMENT))
		return SEG_DS;
	for (unsigned i = 0; i < sizeof(ovr) / sizeof(ovr[0]); i++)
		if (in->zi.attributes & ovr[i].attr)
			return ovr[i].seg;
	return SEG_DS;
}

uint64_t reg_read(struct interp *ip, ZydisRegister r)
{
	const struct regdesc *d = &regmap[r];
	int seg;

	if (__builtin_expect(d->bytes != 0, 1))
		return (ip->s.gpr[d->gpr] >> d->shift) & width_mask(d->bytes * 8);
	switch (r) {
	case ZYDIS_REGISTER_RIP: return ip->s.rip;
	case ZYDIS_REGISTER_EIP: return (uint32_t)ip->s.rip;
	case ZYDIS_REGISTER_IP: return (uint16_t)ip->s.rip;
	case ZYDIS_REGISTER_RFLAGS: return ip->s.rflags;
	case ZYDIS_REGISTER_EFLAGS: return (uint32_t)ip->s.rflags;
	case ZYDIS_REGISTER_FLAGS: return (uint16_t)ip->s.rflags;
	default:
		break;
	}
	seg = zyreg_to_seg(r);
	if (seg >= 0)
		return ip->s.seg[seg].sel;
	return 0;
}

void reg_write(struct interp *ip, ZydisRegister r, uint64_t v)
{
	const struct regdesc *d = &regmap[r];
	uint64_t *g = &ip->s.gpr[d->gpr];

	switch (d->bytes) {
	case 8:
		*g = v;
		break;
	case 4:
		*g = (uint32_t)v;   /* 32-bit writes zero-extend (SDM Vol. 1 3.4.1.1) */
		break;
	case 2:
		*g = (*g & ~0xffffull) | (v & 0xffff);
		break;
	case 1:
		*g = (*g & ~(0xffull << d->shift)) | ((v & 0xff) << d->shift);
		break;
	default:
		break;
	}
}

uint64_t interp_addr_mask(const struct interp *ip, unsigned addr_bits)
{
	return width_mask(addr_bits);
}

uint64_t op_ea(struct interp *ip, const struct insn *in, unsigned n,
	       unsigned *seg)
{
	const ZydisDecodedOperand *o = &in->ops[n];
	uint64_t ea = (uint64_t)o->mem.disp.value;
	ZydisRegister base = o->mem.base;

	if (base != ZYDIS_REGISTER_NONE) {
		if (base == ZYDIS_REGISTER_RIP || base == ZYDIS_REGISTER_EIP)
			ea += ip->insn_rip + in->len;
		else
			ea += reg_read(ip, base);
	}
	if (o->mem.index != ZYDIS_REGISTER_NONE && o->mem.type != ZYDIS_MEMOP_TYPE_MIB)
		ea += reg_read(ip, o->mem.index) * o->mem.scale;
	if (seg) {
		int s = zyreg_to_seg(o->mem.segment);

		*seg = s >= 0 ? (unsigned)s : SEG_DS;
	}
	return ea & width_mask(in->zi.address_width);
}

uint64_t op_read(struct interp *ip, const struct insn *in, unsigned n)
{
	const ZydisDecodedOperand *o = &in->ops[n];
	unsigned seg;
	uint64_t ea;

	switch (o->type) {
	case ZYDIS_OPERAND_TYPE_REGISTER:
		return reg_read(ip, o->reg.value);
	case ZYDIS_OPERAND_TYPE_IMMEDIATE:
		/* Signed immediates come sign-extended to 64 bits; users
		 * truncate to their operand size. */
		return o->imm.value.u;
	case ZYDIS_OPERAND_TYPE_MEMORY:
		ea = op_ea(ip, in, n, &seg);
		if (o->mem.type != ZYDIS_MEMOP_TYPE_MEM)
			return ea;
		return mem_read_u(ip, seg, ea, o->size / 8);
	default:
		return 0;
	}
}

void op_write(struct interp *ip, const struct insn *in, unsigned n, uint64_t v)
{
	const ZydisDecodedOperand *o = &in->ops[n];
	unsigned seg;
	uint64_t ea;

	switch (o->type) {
	case ZYDIS_OPERAND_TYPE_REGISTER:
		reg_write(ip, o->reg.value, v);
		break;
	case ZYDIS_OPERAND_TYPE_MEMORY:
		ea = op_ea(ip, in, n, &seg);
		mem_write_u(ip, seg, ea, v & width_mask(o->size), o->size / 8);
		break;
	default:
		break;
	}
}

uint64_t op_read_mem_slow(struct interp *ip, const struct insn *in, unsigned n)
{
	const struct insn_opd *d = &in->opd[n];

	if (__builtin_expect(d->kind == OPD_MEM, 1))
		return mem_read_u(ip, d->seg, opd_ea(ip, in, d), d->bytes);
	return op_read(ip, in, n);
}

void op_write_mem_slow(struct interp *ip, const struct insn *in, unsigned n,
		       uint64_t v)
{
	const struct insn_opd *d = &in->opd[n];

	if (__builtin_expect(d->kind == OPD_MEM, 1))
		mem_write_u(ip, d->seg, opd_ea(ip, in, d), v & d->mask,
			    d->bytes);
	else
		op_write(ip, in, n, v);
}

void op_describe(struct interp *ip, const struct insn *in, unsigned n,
		 struct x86_operand *out)
{
	const ZydisDecodedOperand *o = &in->ops[n];
	unsigned seg = SEG_DS;
	uint8_t scale = 0;

	*out = (struct x86_operand){ .base = -1, .index = -1 };
	out->addr_size = in->zi.address_width;
	if (o->type != ZYDIS_OPERAND_TYPE_MEMORY) {
		int g = reg_to_gpr(o->reg.value);

		out->reg = g >= 0 ? (uint8_t)g : 0;
		return;
	}
	out->is_mem = true;
	out->ea = op_ea(ip, in, n, &seg);
	out->seg = (uint8_t)seg;
	out->base = (int8_t)reg_to_gpr(o->mem.base);
	out->index = (int8_t)reg_to_gpr(o->mem.index);
	out->disp = o->mem.disp.value;
	for (unsigned sc = o->mem.scale; sc > 1; sc >>= 1)
		scale++;
	out->scale_log2 = scale;
}

void interp_set_sp(struct interp *ip, uint64_t sp)
{
	uint64_t *rsp = &ip->s.gpr[GPR_RSP];

	switch (interp_stack_bits(ip)) {
	case 64: *rsp = sp; break;
	case 32: *rsp = (uint32_t)sp; break;
	default: *rsp = (*rsp & ~0xffffull) | (sp & 0xffff); break;
	}
}

/* SDM Vol. 1 6.2.1: the stack address size comes from SS.B (64 in 64-bit
 * mode); the memory is written before RSP changes so a fault leaves RSP. */
void interp_push(struct interp *ip, uint64_t v, unsigned bytes)
{
	uint64_t mask, sp;

	/* 64-bit mode: SS has no base and no limit; the htlb hit stands
	 * for the canonical check (core.h opd_lin64). */
	if (__builtin_expect(cpu_64bit_mode(&ip->s), 1)) {
		sp = ip->s.gpr[GPR_RSP] - bytes;
		if (!htlb_write(ip, sp, bytes, v))
			mem_write_u(ip, SEG_SS, sp, v, bytes);
		ip->s.gpr[GPR_RSP] = sp;
		return;
	}
	mask = width_mask(interp_stack_bits(ip));
	sp = (ip->s.gpr[GPR_RSP] - bytes) & mask;
	mem_write_u(ip, SEG_SS, sp, v, bytes);
	interp_set_sp(ip, sp);
}

uint64_t interp_pop(struct interp *ip, unsigned bytes)
{
	uint64_t mask, sp, v;

	if (__builtin_expect(cpu_64bit_mode(&ip->s), 1)) {
		sp = ip->s.gpr[GPR_RSP];
		if (!htlb_read(ip, sp, bytes, &v))
			v = mem_read_u(ip, SEG_SS, sp, bytes);
		ip->s.gpr[GPR_RSP] = sp + bytes;
		return v;
	}
	mask = width_mask(interp_stack_bits(ip));
	sp = ip->s.gpr[GPR_RSP] & mask;
	v = mem_read_u(ip, SEG_SS, sp, bytes);
	interp_set_sp(ip, sp + bytes);
	return v;
}
