// SPDX-License-Identifier: MIT
/*
 * Port I/O: IN/OUT/INS/OUTS with the I/O privilege and TSS I/O permission
 * bitmap checks (SDM 19.5), dispatched to the machine's port bus.
 */
#include "engine/interp/sys.h"

static uint64_t pio_in(struct interp *ip, uint16_t port, unsigned size)
{
	uint64_t mask = size == 4 ? 0xffffffffull : (1ull << (size * 8)) - 1;

	return ip->cfg.pio ? io_bus_read(ip->cfg.pio, port, size) : mask;
}

/* False: the device asked for the write to be retried later (its output
 * is blocked and a stop is pending); nothing happened, the instruction is
 * rewound (interp_insn_retry()). */
static bool pio_out(struct interp *ip, uint16_t port, unsigned size, uint64_t v)
{
	if (ip->cfg.pio && !io_bus_write(ip->cfg.pio, port, size, v)) {
		interp_insn_retry(ip);
		return false;
	}
	return true;
}

/* SDM 19.5.2: when CPL > IOPL (or in virtual-8086 mode) every accessed
 * port must be allowed by the TSS I/O permission bitmap. */
static void io_permission(struct interp *ip, uint16_t port, unsigned size)
{
	const struct cpu_state *s = &ip->s;
	const struct seg_reg *tr = &s->seg[SEG_TR];
	unsigned iopl = (unsigned)((s->rflags & RFLAGS_IOPL) >> RFLAGS_IOPL_SHIFT);
	uint16_t base, bits;
	uint32_t off;

	if (!(s->cr0 & CR0_PE))
		return;
	if (!(s->rflags & RFLAGS_VM) && cpu_cpl(s) <= iopl)
		return;
	/* Only a 32-bit / 64-bit TSS (type 9 or 11) has a bitmap. */
	if ((tr->ar & SEG_AR_UNUSABLE) || (tr->ar & 0xd) != 0x9 ||
	    tr->limit < 0x67)
		interp_raise_gp0(ip);
	lin_read(ip, tr->base + 0x66, &base, 2, ACC_READ | ACC_SUPER);
	off = (uint32_t)base + port / 8;
	if (off + 1 > tr->limit)
		interp_raise_gp0(ip);
	lin_read(ip, tr->base + off, &bits, 2, ACC_READ | ACC_SUPER);
	if ((bits >> (port & 7)) & ((1u << size) - 1))
		interp_raise_gp0(ip);
}

void sys_in_out(struct interp *ip, const struct insn *in)
{
	bool is_in = in->zi.mnemonic == ZYDIS_MNEMONIC_IN;
	const ZydisDecodedOperand *acc = &in->ops[is_in ? 0 : 1];
	const ZydisDecodedOperand *p = &in->ops[is_in ? 1 : 0];
	unsigned size = acc->size / 8;
	bool imm = p->type == ZYDIS_OPERAND_TYPE_IMMEDIATE;
	uint16_t port = imm ? (uint16_t)p->imm.value.u :
			      (uint16_t)ip->s.gpr[GPR_RDX];
	struct x86_intercept ic;

	io_permission(ip, port, size);
	sys_icpt_fill(ip, in, &ic, ICPT_IO);
	ic.op_size = (uint8_t)acc->size;
	ic.u.io.port = port;
	ic.u.io.size = (uint8_t)size;
	ic.u.io.in = is_in;
	ic.u.io.imm = imm;
	if (sys_intercept(ip, &ic) == ICPT_EMULATED) {
		sys_done(ip, in);
		return;
	}
	sys_done(ip, in);
	if (is_in)
		sys_gpr_write(ip, GPR_RAX, pio_in(ip, port, size), size * 8);
	else
		pio_out(ip, port, size, ip->s.gpr[GPR_RAX]);
}

static uint64_t addr_mask(unsigned bits)
{
	return bits == 64 ? ~0ull : bits == 32 ? 0xffffffffull : 0xffffull;
}

static void reg_set_masked(uint64_t *r, uint64_t v, unsigned bits)
{
	if (bits == 16)
		*r = (*r & ~0xffffull) | (v & 0xffff);
	else
		*r = v & addr_mask(bits);
}

void sys_ins_outs(struct interp *ip, const struct insn *in)
{
	struct cpu_state *s = &ip->s;
	bool is_in = in->zi.mnemonic == ZYDIS_MNEMONIC_INSB ||
		     in->zi.mnemonic == ZYDIS_MNEMONIC_INSW ||
		     in->zi.mnemonic == ZYDIS_MNEMONIC_INSD;
	const ZydisDecodedOperand *m = &in->ops[is_in ? 0 : 1];
	unsigned size = m->size / 8;
	unsigned abits = in->zi.address_width;
	uint64_t amask = addr_mask(abits);
	bool rep = in->zi.attributes & (ZYDIS_ATTRIB_HAS_REP |
					ZYDIS_ATTRIB_HAS_REPE |
					ZYDIS_ATTRIB_HAS_REPNE);
	unsigned seg = is_in ? SEG_ES :
		       (unsigned)ZydisRegisterGetId(m->mem.segment) % SEG_LDTR;
	unsigned idx = is_in ? GPR_RDI : GPR_RSI;
	uint16_t port = (uint16_t)s->gpr[GPR_RDX];
	uint64_t step = (s->rflags & RFLAGS_DF) ? (uint64_t)-size : size;
	struct x86_intercept ic;

	io_permission(ip, port, size);
	sys_icpt_fill(ip, in, &ic, ICPT_IO);
	ic.op_size = (uint8_t)m->size;
	ic.u.io.port = port;
	ic.u.io.size = (uint8_t)size;
	ic.u.io.in = is_in;
	ic.u.io.string = true;
	ic.u.io.rep = rep;
	ic.u.io.addr_size = (uint8_t)abits;
	ic.u.io.seg = (uint8_t)seg;
	ic.u.io.linear = (cpu_64bit_mode(s) && seg != SEG_FS && seg != SEG_GS ?
			  0 : s->seg[seg].base) + (s->gpr[idx] & amask);
	if (sys_intercept(ip, &ic) == ICPT_EMULATED) {
		sys_done(ip, in);
		return;
	}
	/* Registers are updated per iteration, so a fault in the middle
	 * leaves a restartable state (SDM "REP" description); a long REP
	 * stops at interp_rep_cut() points like the other string
	 * instructions. */
	sys_done(ip, in);
	for (uint64_t count = s->gpr[GPR_RCX] & amask; !rep || count; ) {
		uint64_t off = s->gpr[idx] & amask;

		if (is_in) {
			uint64_t gpa, lin = seg_linear(ip, SEG_ES, off, size,
						       ACC_WRITE);

			mmu_translate(ip, lin, ACC_WRITE, false, &gpa);
			mem_write_u(ip, SEG_ES, off, pio_in(ip, port, size), size);
		} else if (!pio_out(ip, port, size,
				    mem_read_u(ip, seg, off, size))) {
			return;
		}
		reg_set_masked(&s->gpr[idx], s->gpr[idx] + step, abits);
		if (!rep)
			break;
		count = (count - 1) & amask;
		reg_set_masked(&s->gpr[GPR_RCX], count, abits);
		if (interp_rep_cut(ip, count))
			return;
	}
}
