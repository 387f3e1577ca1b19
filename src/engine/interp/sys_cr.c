// SPDX-License-Identifier: MIT
/*
 * Control and debug registers: MOV to/from CRn (SDM Vol. 2 "MOV—Move
 * to/from Control Registers", 2.5), MOV DRn (SDM 18.2), CLTS, LMSW, SMSW.
 * Mode switches happen here: CR0.PG with EFER.LME activates IA-32e mode
 * (SDM 10.8.5), clearing it leaves it.
 */
#include "engine/interp/sys.h"

#include <string.h>

#define CR0_DEFINED (CR0_PE | CR0_MP | CR0_EM | CR0_TS | CR0_ET | CR0_NE | \
		     CR0_WP | CR0_AM | CR0_NW | CR0_CD | CR0_PG)

static void require_cpl0(struct interp *ip)
{
	if (cpu_cpl(&ip->s) != 0)
		interp_raise_gp0(ip);
}

static uint64_t maxphy_mask(const struct interp *ip)
{
	return cpu_model_pa_mask(&ip->cfg.model);
}

void sys_pae_pdptes_fetch(struct interp *ip, uint64_t cr3, uint64_t pdpte[4])
{
	mmu_read_pdptes(ip, cr3, pdpte);
	for (unsigned i = 0; i < 4; i++)
		if ((pdpte[i] & 1) && (pdpte[i] & (~maxphy_mask(ip) | 0x1e6ull)))
			interp_raise_gp0(ip);
}

/*
 * PAE paging outside IA-32e mode after this MOV to CR0/CR3/CR4: load the
 * four PDPTE registers from CR3 (SDM 4.4.1); one with P=1 and a reserved
 * bit set is #GP(0) and nothing changes.  Called last, once the
 * instruction can no longer fault otherwise, so a fault leaves the old
 * PDPTEs.  With EPT the guest-physical CR3 goes through EPT (SDM 26.3,
 * MOV to CR3): a read even with EPT A/D flags, no guest-linear address
 * (SDM 29.3.3.2, Table 28-7 bit 7).
 */
static void load_pae_pdptes(struct interp *ip, uint64_t cr0, uint64_t cr3,
			    uint64_t cr4, uint64_t efer)
{
	uint64_t pdpte[4];

	if (!(cr0 & CR0_PG) || !(cr4 & CR4_PAE) || (efer & EFER_LME))
		return;
	sys_pae_pdptes_fetch(ip, cr3, pdpte);
	memcpy(ip->s.pdpte, pdpte, sizeof(pdpte));
	ip->s.pdpte_valid = true;
}

static void write_cr0(struct interp *ip, uint64_t v)
{
	struct cpu_state *s = &ip->s;
	uint64_t old = s->cr0;

	if (v >> 32)
		interp_raise_gp0(ip);
	v = (v & CR0_DEFINED) | CR0_ET;
	if ((v & CR0_PG) && !(v & CR0_PE))
		interp_raise_gp0(ip);
	if ((v & CR0_NW) && !(v & CR0_CD))
		interp_raise_gp0(ip);
	if ((v & CR0_PG) && !(old & CR0_PG) && (s->efer & EFER_LME)) {
		/* Activating IA-32e mode (SDM 10.8.5). */
		if (!(s->cr4 & CR4_PAE) || (s->seg[SEG_CS].ar & SEG_AR_L))
			interp_raise_gp0(ip);
	}
	if (!(v & CR0_PG) && (old & CR0_PG) && cpu_64bit_mode(s))
		interp_raise_gp0(ip);
	/* Nor with CR4.PCIDE = 1, in compatibility mode too (SDM MOV CR). */
	if (!(v & CR0_PG) && (old & CR0_PG) && (s->cr4 & CR4_PCIDE))
		interp_raise_gp0(ip);
	/* SDM 4.4.1: a MOV to CR0 changing CD, NW or PG reloads them. */
	if ((old ^ v) & (CR0_CD | CR0_NW | CR0_PG))
		load_pae_pdptes(ip, v, s->cr3, s->cr4, s->efer);
	s->cr0 = v;
	if ((v & CR0_PG) && (s->efer & EFER_LME))
		s->efer |= EFER_LMA;
	else
		s->efer &= ~EFER_LMA;
	if ((old ^ v) & (CR0_PG | CR0_PE | CR0_WP))
		interp_mode_changed(ip);
}

static void write_cr3(struct interp *ip, uint64_t v)
{
	struct cpu_state *s = &ip->s;
	/* SDM 4.10.4.1: with CR4.PCIDE, CR3[63] = 1 keeps the new PCID's
	 * translations; otherwise its non-global ones are dropped. */
	bool keep = (s->cr4 & CR4_PCIDE) && (v >> 63);

	if (cpu_long_mode(s)) {
		/* Bit 63 is the PCID no-flush hint; bits 62:M are reserved. */
		uint64_t v2 = (s->cr4 & CR4_PCIDE) ? v & ~(1ull << 63) : v;

		if (v2 & ~maxphy_mask(ip))
			interp_raise_gp0(ip);
		v = v2;
	} else {
		v &= 0xffffffffull;
		load_pae_pdptes(ip, s->cr0, v, s->cr4, s->efer);
	}
	s->cr3 = v;
	interp_fetch_drop(ip);
	if (!keep || ip->tlb.flush_always)
		tlb_flush_cr3(ip, tlb_cur_pcid(ip));
	else
		tlb_pcid_switched(ip);   /* the host-pointer TLB has no PCIDs */
}

static void write_cr4(struct interp *ip, uint64_t v)
{
	struct cpu_state *s = &ip->s;
	uint64_t old = s->cr4;

	if (v & ~cpu_model_cr4_valid_bits(&ip->cfg.model))
		interp_raise_gp0(ip);
	if (cpu_long_mode(s) && !(v & CR4_PAE))
		interp_raise_gp0(ip);
	/* PCIDE may only be set in IA-32e mode with CR3[11:0] = 0. */
	if ((v & CR4_PCIDE) && !(old & CR4_PCIDE) &&
	    (!cpu_long_mode(s) || (s->cr3 & 0xfff)))
		interp_raise_gp0(ip);
	/* SDM 4.4.1: a MOV to CR4 changing PAE, PGE, PSE or SMEP. */
	if ((v ^ old) & (CR4_PAE | CR4_PGE | CR4_PSE | CR4_SMEP))
		load_pae_pdptes(ip, s->cr0, s->cr3, v, s->efer);
	s->cr4 = v;
	if ((v ^ old) & (CR4_PAE | CR4_PSE | CR4_PGE | CR4_PCIDE | CR4_SMEP |
			 CR4_SMAP))
		interp_mode_changed(ip);
}

void sys_cr_write(struct interp *ip, unsigned cr, uint64_t v)
{
	switch (cr) {
	case 0: write_cr0(ip, v); break;
	case 2: ip->s.cr2 = cpu_long_mode(&ip->s) ? v : v & 0xffffffffull; break;
	case 3: write_cr3(ip, v); break;
	case 4: write_cr4(ip, v); break;
	case 8:
		if (v & ~0xfull)
			interp_raise_gp0(ip);
		/* CR8 is the APIC's TPR[7:4] (SDM 11.8.6.5). */
		ip->s.cr8 = v;
		if (ip->cfg.intc.ops)
			ip->cfg.intc.ops->cr8_write(ip->cfg.intc.opaque,
						    (unsigned)v);
		break;
	default:
		interp_raise(ip, X86_UD);
	}
}

static uint64_t read_cr(struct interp *ip, unsigned cr)
{
	switch (cr) {
	case 0: return ip->s.cr0;
	case 2: return ip->s.cr2;
	case 3: return ip->s.cr3;
	case 4: return ip->s.cr4;
	case 8:
		if (ip->cfg.intc.ops)
			return ip->cfg.intc.ops->cr8_read(ip->cfg.intc.opaque);
		return ip->s.cr8;
	default: interp_raise(ip, X86_UD);
	}
}

void sys_mov_cr(struct interp *ip, const struct insn *in)
{
	bool to_cr = ZydisRegisterGetClass(in->ops[0].reg.value) ==
		     ZYDIS_REGCLASS_CONTROL;
	unsigned cr = (unsigned)ZydisRegisterGetId(in->ops[to_cr ? 0 : 1].reg.value);
	unsigned gpr = sys_gpr_of(in, to_cr ? 1 : 0);
	unsigned bits = cpu_64bit_mode(&ip->s) ? 64 : 32;
	uint64_t val = bits == 64 ? ip->s.gpr[gpr] :
		       ip->s.gpr[gpr] & 0xffffffffull;
	struct x86_intercept ic;

	if (cr == 1 || (cr >= 5 && cr != 8))
		interp_raise(ip, X86_UD);
	require_cpl0(ip);
	if (cr != 2) {
		sys_icpt_fill(ip, in, &ic, ICPT_MOV_CR);
		ic.op_size = (uint8_t)bits;
		ic.u.cr.cr = (uint8_t)cr;
		ic.u.cr.write = to_cr;
		ic.u.cr.gpr = (uint8_t)gpr;
		ic.u.cr.value = to_cr ? val : 0;
		if (sys_intercept(ip, &ic) == ICPT_EMULATED) {
			sys_done(ip, in);
			return;
		}
		/* In VMX non-root operation the hook put the host-owned
		 * CR0/CR4 bits back (SDM 26.3, engine/intercept.h). */
		val = ic.u.cr.value;
	}
	if (to_cr)
		sys_cr_write(ip, cr, val);
	else
		sys_gpr_write(ip, gpr, read_cr(ip, cr), bits);
	sys_done(ip, in);
}

/* ---- debug registers (SDM 18.2) ---- */

void sys_mov_dr(struct interp *ip, const struct insn *in)
{
	struct cpu_state *s = &ip->s;
	bool to_dr = ZydisRegisterGetClass(in->ops[0].reg.value) ==
		     ZYDIS_REGCLASS_DEBUG;
	unsigned dr = (unsigned)ZydisRegisterGetId(in->ops[to_dr ? 0 : 1].reg.value);
	unsigned gpr = sys_gpr_of(in, to_dr ? 1 : 0);
	unsigned bits = cpu_64bit_mode(s) ? 64 : 32;
	struct x86_intercept ic;
	uint64_t v;

	if (dr > 7 || ((dr == 4 || dr == 5) && (s->cr4 & CR4_DE)))
		interp_raise(ip, X86_UD);
	require_cpl0(ip);
	if (s->dr[7] & (1ull << 13)) {
		/* General detect: #DB with DR6.BD (SDM 18.2.4); delivery
		 * sets BD and clears DR7.GD (except.c, apply_db_dr6). */
		ip->db_dr6 |= 1ull << 13;
		interp_raise(ip, X86_DB);
	}
	sys_icpt_fill(ip, in, &ic, ICPT_MOV_DR);
	ic.op_size = (uint8_t)bits;
	ic.u.dr.dr = (uint8_t)dr;
	ic.u.dr.write = to_dr;
	ic.u.dr.gpr = (uint8_t)gpr;
	if (sys_intercept(ip, &ic) == ICPT_EMULATED) {
		sys_done(ip, in);
		return;
	}
	if (dr == 4 || dr == 5)
		dr += 2;   /* aliases of DR6/DR7 when CR4.DE = 0 */
	if (to_dr) {
		v = bits == 64 ? s->gpr[gpr] : s->gpr[gpr] & 0xffffffffull;
		if ((dr == 6 || dr == 7) && (v >> 32))
			interp_raise_gp0(ip);
		if (dr == 6)
			v = (v & 0x1e00fu) | 0xffff0ff0u;
		else if (dr == 7)
			v = (v & 0xffff2bffu) | 0x400u;
		s->dr[dr] = v;
	} else {
		sys_gpr_write(ip, gpr, s->dr[dr], bits);
	}
	sys_done(ip, in);
}

/* ---- CLTS / LMSW / SMSW ---- */

void sys_clts(struct interp *ip, const struct insn *in)
{
	struct x86_intercept ic;

	require_cpl0(ip);
	sys_icpt_fill(ip, in, &ic, ICPT_CLTS);
	if (sys_intercept(ip, &ic) == ICPT_CONTINUE)
		ip->s.cr0 &= ~CR0_TS;
	sys_done(ip, in);
}

void sys_lmsw(struct interp *ip, const struct insn *in)
{
	struct cpu_state *s = &ip->s;
	uint16_t src = (uint16_t)op_read(ip, in, 0);
	struct x86_intercept ic;
	uint64_t v;

	require_cpl0(ip);
	sys_icpt_fill(ip, in, &ic, ICPT_LMSW);
	ic.u.lmsw.source = src;
	op_describe(ip, in, 0, &ic.u.lmsw.op);
	if (sys_intercept(ip, &ic) == ICPT_EMULATED) {
		sys_done(ip, in);
		return;
	}
	src = ic.u.lmsw.source;   /* host-owned bits kept (SDM 26.3) */
	/* Only PE, MP, EM, TS; PE cannot be cleared (SDM LMSW). */
	v = (s->cr0 & ~0xeull) | (src & 0xe) | ((s->cr0 | src) & CR0_PE);
	write_cr0(ip, v);
	sys_done(ip, in);
}

void sys_smsw(struct interp *ip, const struct insn *in)
{
	struct cpu_state *s = &ip->s;

	if ((s->cr4 & CR4_UMIP) && cpu_cpl(s) > 0)
		interp_raise_gp0(ip);
	if (in->ops[0].type == ZYDIS_OPERAND_TYPE_REGISTER)
		op_write(ip, in, 0, s->cr0);
	else
		op_write(ip, in, 0, s->cr0 & 0xffff);
	sys_done(ip, in);
}
