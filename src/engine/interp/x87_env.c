// SPDX-License-Identifier: MIT
/*
 * FNSTENV/FLDENV and FNSAVE/FRSTOR: the x87 environment in its four
 * memory layouts (SDM Vol. 1 8.1.10, Figures 8-9 to 8-12): 32-bit
 * (28 bytes) or 16-bit (14 bytes) operand size, protected mode or real /
 * virtual-8086 mode, where the instruction and operand pointers are
 * 20/32-bit linear addresses (selector * 16 + offset) and FOP is stored
 * beside them.  FNSAVE/FRSTOR add the eight registers in stack order,
 * 10 bytes each.  Reserved upper halves of the 32-bit layout are written
 * as FFFFh, as the hardware does.  64-bit mode uses the 32-bit protected
 * layout (the pointers' upper halves are not saved; FXSAVE64 has them).
 */
#include "engine/interp/x87.h"

#define ENV32 28
#define ENV16 14
#define REGS_BYTES 80

static bool real_layout(const struct interp *ip)
{
	return !(ip->s.cr0 & CR0_PE) || (ip->s.rflags & RFLAGS_VM);
}

static bool small_layout(const struct insn *in)
{
	return in->zi.operand_width == 16;
}

static void put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v);
	put16(p + 2, v >> 16);
}

static uint32_t get16(const uint8_t *p)
{
	return p[0] | (uint32_t)p[1] << 8;
}

static uint32_t get32(const uint8_t *p)
{
	return get16(p) | get16(p + 2) << 16;
}

/* Encode the environment into buf; returns its size. */
static unsigned env_store(struct interp *ip, const struct insn *in,
			  uint8_t *buf)
{
	const struct fpu_state *f = &ip->s.fpu;
	uint32_t tw = x87_full_tag_word(f);
	uint32_t ip_lin = (uint32_t)(((uint32_t)f->fcs << 4) + f->fip);
	uint32_t dp_lin = (uint32_t)(((uint32_t)f->fds << 4) + f->fdp);
	bool real = real_layout(ip);

	if (small_layout(in)) {
		put16(buf, f->fcw);
		put16(buf + 2, f->fsw);
		put16(buf + 4, tw);
		if (real) {
			put16(buf + 6, ip_lin);
			put16(buf + 8, ((ip_lin & 0xf0000) >> 4) | f->fop);
			put16(buf + 10, dp_lin);
			put16(buf + 12, (dp_lin & 0xf0000) >> 4);
		} else {
			put16(buf + 6, (uint32_t)f->fip);
			put16(buf + 8, f->fcs);
			put16(buf + 10, (uint32_t)f->fdp);
			put16(buf + 12, f->fds);
		}
		return ENV16;
	}
	put32(buf, 0xffff0000u | f->fcw);
	put32(buf + 4, 0xffff0000u | f->fsw);
	put32(buf + 8, 0xffff0000u | tw);
	if (real) {
		put32(buf + 12, 0xffff0000u | (ip_lin & 0xffff));
		put32(buf + 16, ((ip_lin & 0xffff0000u) >> 4) | f->fop);
		put32(buf + 20, 0xffff0000u | (dp_lin & 0xffff));
		put32(buf + 24, (dp_lin & 0xffff0000u) >> 4);
	} else {
		put32(buf + 12, (uint32_t)f->fip);
		put32(buf + 16, f->fcs | (uint32_t)f->fop << 16);
		put32(buf + 20, (uint32_t)f->fdp);
		put32(buf + 24, 0xffff0000u | f->fds);
	}
	return ENV32;
}

/* Decode an environment image into the state (registers untouched). */
static void env_load(struct interp *ip, const struct insn *in,
		     const uint8_t *buf)
{
	struct fpu_state *f = &ip->s.fpu;
	bool real = real_layout(ip);
	uint32_t tw;

	if (small_layout(in)) {
		f->fcw = (uint16_t)get16(buf);
		f->fsw = (uint16_t)get16(buf + 2);
		tw = get16(buf + 4);
		if (real) {
			f->fip = ((get16(buf + 8) & 0xf000u) << 4) | get16(buf + 6);
			f->fop = get16(buf + 8) & 0x7ff;
			f->fdp = ((get16(buf + 12) & 0xf000u) << 4) |
				 get16(buf + 10);
			f->fcs = f->fds = 0;
		} else {
			f->fip = get16(buf + 6);
			f->fcs = (uint16_t)get16(buf + 8);
			f->fdp = get16(buf + 10);
			f->fds = (uint16_t)get16(buf + 12);
			f->fop = 0;
		}
	} else {
		f->fcw = (uint16_t)get32(buf);
		f->fsw = (uint16_t)get32(buf + 4);
		tw = get32(buf + 8) & 0xffff;
		if (real) {
			f->fip = ((get32(buf + 16) & 0x0ffff000u) << 4) |
				 (get32(buf + 12) & 0xffff);
			f->fop = get32(buf + 16) & 0x7ff;
			f->fdp = ((get32(buf + 24) & 0x0ffff000u) << 4) |
				 (get32(buf + 20) & 0xffff);
			f->fcs = f->fds = 0;
		} else {
			f->fip = get32(buf + 12);
			f->fcs = (uint16_t)get32(buf + 16);
			f->fop = (get32(buf + 16) >> 16) & 0x7ff;
			f->fdp = get32(buf + 20);
			f->fds = (uint16_t)get32(buf + 24);
		}
	}
	f->fcw = (uint16_t)((f->fcw & FCW_WRITABLE) | FCW_ONE);
	/* Only "empty" (11b) matters: the other tags are recomputed from
	 * the register contents whenever they are stored (SDM 8.1.7). */
	f->ftw = 0;
	for (unsigned r = 0; r < 8; r++)
		if (((tw >> (2 * r)) & 3) != 3)
			f->ftw |= (uint8_t)(1u << r);
	x87_update_es(f);
}

void x87_fnstenv(struct interp *ip, const struct insn *in)
{
	uint8_t buf[ENV32];
	unsigned n = env_store(ip, in, buf);

	x87_mem_write(ip, in, buf, n);
	ip->s.fpu.fcw |= FSW_EXC;       /* masks every exception */
	x87_update_es(&ip->s.fpu);
}

void x87_fldenv(struct interp *ip, const struct insn *in)
{
	uint8_t buf[ENV32];

	x87_mem_read(ip, in, buf, small_layout(in) ? ENV16 : ENV32);
	env_load(ip, in, buf);
}

void x87_fnsave(struct interp *ip, const struct insn *in)
{
	uint8_t buf[ENV32 + REGS_BYTES];
	unsigned n = env_store(ip, in, buf);
	struct fpu_state *f = &ip->s.fpu;

	for (unsigned i = 0; i < 8; i++)
		memcpy(buf + n + 10 * i, f->st[x87_phys(f, i)], 10);
	x87_mem_write(ip, in, buf, n + REGS_BYTES);
	x87_init(f);
}

void x87_frstor(struct interp *ip, const struct insn *in)
{
	uint8_t buf[ENV32 + REGS_BYTES];
	unsigned n = small_layout(in) ? ENV16 : ENV32;
	struct fpu_state *f = &ip->s.fpu;

	x87_mem_read(ip, in, buf, n + REGS_BYTES);
	env_load(ip, in, buf);
	for (unsigned i = 0; i < 8; i++)
		memcpy(f->st[x87_phys(f, i)], buf + n + 10 * i, 10);
}
