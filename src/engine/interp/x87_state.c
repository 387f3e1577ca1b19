// SPDX-License-Identifier: MIT
/*
 * x87 bookkeeping shared by the instruction files: tags, stack faults,
 * exception flags, pending-exception checks, the last-instruction
 * pointers, memory operands and exact conversions.
 */
#include "engine/interp/x87.h"

unsigned x87_tag_of(const struct fpu_state *f, unsigned r)
{
	uint64_t m;
	uint16_t se;
	unsigned e;

	if (!(f->ftw & (1u << r)))
		return 3;
	memcpy(&m, f->st[r], 8);
	memcpy(&se, f->st[r] + 8, 2);
	e = se & 0x7fffu;
	if (e == 0)
		return m ? 2 : 1;
	if (e == 0x7fff || !(m >> 63))
		return 2;
	return 0;
}

uint16_t x87_full_tag_word(const struct fpu_state *f)
{
	uint16_t tw = 0;

	for (unsigned r = 0; r < 8; r++)
		tw |= (uint16_t)(x87_tag_of(f, r) << (2 * r));
	return tw;
}

void x87_raise_flags(struct fpu_state *f, uint16_t flags)
{
	f->fsw |= flags & (FSW_EXC | FSW_SF);
	x87_update_es(f);
}

bool x87_stack_fault(struct fpu_state *f, bool overflow)
{
	x87_set_c1(f, overflow);
	x87_raise_flags(f, FSW_IE | FSW_SF);
	return (f->fcw & FSW_IE) != 0;
}

void x87_check_pending(struct interp *ip)
{
	if (!(ip->s.fpu.fsw & FSW_ES))
		return;
	if (ip->s.cr0 & CR0_NE)
		interp_raise(ip, X86_MF);
	if (ip->cfg.fpu_error)
		ip->cfg.fpu_error(ip->cfg.fpu_error_opaque);
}

static bool has_mem(const struct insn *in)
{
	return in->zi.raw.modrm.mod != 3;
}

void x87_note_insn(struct interp *ip, const struct insn *in)
{
	struct fpu_state *f = &ip->s.fpu;
	unsigned seg;

	f->fip = ip->insn_rip;
	f->fcs = ip->s.seg[SEG_CS].sel;
	f->fop = (uint16_t)(((in->zi.opcode & 7u) << 8) |
			    (in->zi.raw.modrm.mod << 6) |
			    (in->zi.raw.modrm.reg << 3) | in->zi.raw.modrm.rm);
	if (!has_mem(in))
		return;
	if (in->opd[0].ea_ok) {
		/* op_ea's rule, pre-decoded (operand.c predecode_ea) */
		f->fdp = opd_ea(ip, in, &in->opd[0]);
		seg = in->opd[0].seg;
	} else {
		f->fdp = op_ea(ip, in, 0, &seg);
	}
	f->fds = ip->s.seg[seg].sel;
}

/* 64-bit-mode operands whose page the host-pointer TLB holds: straight
 * to guest RAM; the rest (and every fault) through mem_read/mem_write. */
static uint8_t *x87_mem_host(struct interp *ip, const struct insn *in,
			     const struct htlb_entry *tab, unsigned len,
			     uint64_t *gpa)
{
	const struct insn_opd *d = &in->opd[0];

	if (!opd_mem64(d))
		return NULL;
	return opd_host64(ip, tab, opd_lin64(ip, in, d), len, gpa);
}

void x87_mem_read(struct interp *ip, const struct insn *in, void *buf,
		  unsigned len)
{
	uint8_t *p;
	unsigned seg;
	uint64_t ea, gpa;

	p = x87_mem_host(ip, in, ip->htlb.r, len, &gpa);
	if (p) {
		memcpy(buf, p, len);
		return;
	}
	ea = op_ea(ip, in, 0, &seg);
	mem_read(ip, seg, ea, buf, len);
}

void x87_mem_write(struct interp *ip, const struct insn *in, const void *buf,
		   unsigned len)
{
	uint8_t *p;
	unsigned seg;
	uint64_t ea, gpa;

	p = x87_mem_host(ip, in, ip->htlb.w, len, &gpa);
	if (p) {
		memcpy(p, buf, len);
		gmem_note_write(ip->cfg.mem, gpa, len);
		return;
	}
	ea = op_ea(ip, in, 0, &seg);
	mem_write(ip, seg, ea, buf, len);
}

static struct f80 from_magnitude(uint64_t u, bool neg)
{
	struct f80 v = { 0, neg ? 0x8000 : 0 };
	unsigned sh;

	if (!u)
		return v;
	sh = (unsigned)__builtin_clzll(u);
	v.m = u << sh;
	v.se |= (uint16_t)(16383 + 63 - sh);
	return v;
}

struct f80 x87_from_int(int64_t v)
{
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;

	return from_magnitude(u, v < 0);
}

/* Packed BCD (SDM Vol. 1 4.7): 18 digits, least significant in the low
 * nibble of byte 0, sign in bit 7 of byte 9.  Digits above 9 give an
 * undefined result on hardware; they are weighted as they are here. */
struct f80 x87_from_bcd(const uint8_t bcd[10])
{
	uint64_t u = 0;

	for (int i = 8; i >= 0; i--) {
		u = u * 10 + (bcd[i] >> 4);
		u = u * 10 + (bcd[i] & 15);
	}
	return from_magnitude(u, bcd[9] & 0x80);
}

uint16_t x87_examine(const struct fpu_state *f)
{
	struct f80 v = x87_get(f, 0);
	unsigned e = F80_EXP(v);
	uint16_t c = F80_SIGN(v) ? FSW_C1 : 0;

	if (x87_empty(f, 0))
		return c | FSW_C3 | FSW_C0;
	if (e == 0)                                 /* zero, denormal */
		return c | (v.m ? FSW_C3 | FSW_C2 : FSW_C3);
	if (!(v.m >> 63))                           /* unsupported */
		return c;
	if (e == 0x7fff)                            /* infinity, NaN */
		return c | ((v.m << 1) ? FSW_C0 : FSW_C2 | FSW_C0);
	return c | FSW_C2;                          /* normal */
}

void x87_init(struct fpu_state *f)
{
	f->fcw = FPU_FCW_FINIT;
	f->fsw = 0;
	f->ftw = 0;
	f->fop = 0;
	f->fip = f->fdp = 0;
	f->fcs = f->fds = 0;
}
