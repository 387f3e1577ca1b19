// SPDX-License-Identifier: MIT
/*
 * Flag instructions: PUSHF/POPF (all sizes, with the privilege rules of
 * SDM Vol. 2 POPF), CLC STC CMC CLD STD, LAHF SAHF.  CLI/STI (IOPL, VME,
 * interrupt shadow) belong to the system side.
 */
#include "engine/interp/core.h"

/* Flags software can ever change with POPF. */
#define POPF_BASE (RFLAGS_CF | RFLAGS_PF | RFLAGS_AF | RFLAGS_ZF | RFLAGS_SF | \
		   RFLAGS_TF | RFLAGS_IF | RFLAGS_DF | RFLAGS_OF | RFLAGS_IOPL | \
		   RFLAGS_NT | RFLAGS_AC | RFLAGS_ID)

static unsigned iopl(const struct interp *ip)
{
	return (unsigned)((ip->s.rflags & RFLAGS_IOPL) >> RFLAGS_IOPL_SHIFT);
}

/* Virtual-8086 mode with IOPL < 3 (SDM PUSHF/POPF, 20.3.3.x): #GP(0) for
 * the virtual-8086 monitor, except the 16-bit forms with CR4.VME, which
 * work on VIF in place of IF. */
static bool v86_vme(struct interp *ip, unsigned bytes)
{
	if (!(ip->s.rflags & RFLAGS_VM) || iopl(ip) == 3)
		return false;
	if (!(ip->s.cr4 & CR4_VME) || bytes != 2)
		interp_raise_err(ip, X86_GP, 0);
	return true;
}

/* PUSHF: VM and RF are cleared in the image; with VME the image has
 * IF = VIF and IOPL = 3. */
static void exec_pushf(struct interp *ip, const struct insn *in)
{
	unsigned bytes = in->zi.operand_width / 8;
	uint64_t f = ip->s.rflags & ~(RFLAGS_VM | RFLAGS_RF);

	if (v86_vme(ip, bytes))
		f = (f & ~RFLAGS_IF) | RFLAGS_IOPL |
		    ((f & RFLAGS_VIF) ? RFLAGS_IF : 0);
	interp_push(ip, f, bytes);
}

/* The set of flags POPF may change, by mode (SDM Vol. 2 POPF):
 *  CPL 0 (or real mode): all but VIP VIF VM RF;
 *  0 < CPL <= IOPL: also not IOPL;  CPL > IOPL: also not IF;
 *  virtual-8086 mode: IOPL 3 like CPL 3 <= IOPL, else #GP(0). */
static uint64_t popf_mask(struct interp *ip)
{
	unsigned cpl = cpu_cpl(&ip->s);
	uint64_t m = POPF_BASE;

	if (ip->s.rflags & RFLAGS_VM) {
		if (iopl(ip) < 3)
			interp_raise_err(ip, X86_GP, 0);
		return m & ~RFLAGS_IOPL;
	}
	if (cpl > 0) {
		m &= ~RFLAGS_IOPL;
		if (cpl > iopl(ip))
			m &= ~RFLAGS_IF;
	}
	return m;
}

/* POPF with VME: IF and IOPL stay, VIF takes the popped IF; a popped TF
 * or IF while VIP is set is #GP(0), before anything changes. */
static void popf_vme(struct interp *ip)
{
	uint64_t sp = ip->s.gpr[GPR_RSP] & 0xffff;
	uint64_t v = mem_read_u(ip, SEG_SS, sp, 2);
	uint64_t m = 0xffff & POPF_BASE & ~(RFLAGS_IF | RFLAGS_IOPL);

	if ((v & RFLAGS_TF) ||
	    ((v & RFLAGS_IF) && (ip->s.rflags & RFLAGS_VIP)))
		interp_raise_err(ip, X86_GP, 0);
	interp_set_sp(ip, sp + 2);
	ip->s.rflags = (ip->s.rflags & ~(m | RFLAGS_VIF)) | (v & m) |
		       ((v & RFLAGS_IF) ? RFLAGS_VIF : 0) | RFLAGS_FIXED1;
}

static void exec_popf(struct interp *ip, const struct insn *in)
{
	unsigned bytes = in->zi.operand_width / 8;
	uint64_t m, v;

	ip->batch_break = true;   /* TF or IF may have changed */
	if (v86_vme(ip, bytes)) {
		popf_vme(ip);
		return;
	}
	m = popf_mask(ip);
	if (bytes == 2)
		m &= 0xffff;
	v = interp_pop(ip, bytes);
	ip->s.rflags = (ip->s.rflags & ~m) | (v & m) | RFLAGS_FIXED1;
}

static void exec_clc(struct interp *ip, const struct insn *in) { ip->s.rflags &= ~RFLAGS_CF; }
static void exec_stc(struct interp *ip, const struct insn *in) { ip->s.rflags |= RFLAGS_CF; }
static void exec_cmc(struct interp *ip, const struct insn *in) { ip->s.rflags ^= RFLAGS_CF; }
static void exec_cld(struct interp *ip, const struct insn *in) { ip->s.rflags &= ~RFLAGS_DF; }
static void exec_std(struct interp *ip, const struct insn *in) { ip->s.rflags |= RFLAGS_DF; }

#define LAHF_MASK (RFLAGS_SF | RFLAGS_ZF | RFLAGS_AF | RFLAGS_PF | RFLAGS_CF)

/* LAHF/SAHF are valid in 64-bit mode only with CPUID.80000001H:ECX[0]. */
static void check_lahf(struct interp *ip)
{
	if (cpu_64bit_mode(&ip->s) && !ip->has_lahf64)
		interp_raise(ip, X86_UD);
}

static void exec_lahf(struct interp *ip, const struct insn *in)
{
	uint64_t ah = (ip->s.rflags & LAHF_MASK) | RFLAGS_FIXED1;

	check_lahf(ip);
	ip->s.gpr[GPR_RAX] = (ip->s.gpr[GPR_RAX] & ~0xff00ull) | (ah << 8);
}

static void exec_sahf(struct interp *ip, const struct insn *in)
{
	check_lahf(ip);
	flags_set(ip, LAHF_MASK, (ip->s.gpr[GPR_RAX] >> 8) & 0xff);
}

const struct exec_entry exec_flags_table[] = {
	{ ZYDIS_MNEMONIC_PUSHF, exec_pushf, { NULL } },
	{ ZYDIS_MNEMONIC_PUSHFD, exec_pushf, { NULL } },
	{ ZYDIS_MNEMONIC_PUSHFQ, exec_pushf, { NULL } },
	{ ZYDIS_MNEMONIC_POPF, exec_popf, { NULL } },
	{ ZYDIS_MNEMONIC_POPFD, exec_popf, { NULL } },
	{ ZYDIS_MNEMONIC_POPFQ, exec_popf, { NULL } },
	{ ZYDIS_MNEMONIC_CLC, exec_clc, { NULL } },
	{ ZYDIS_MNEMONIC_STC, exec_stc, { NULL } },
	{ ZYDIS_MNEMONIC_CMC, exec_cmc, { NULL } },
	{ ZYDIS_MNEMONIC_CLD, exec_cld, { NULL } },
	{ ZYDIS_MNEMONIC_STD, exec_std, { NULL } },
	{ ZYDIS_MNEMONIC_LAHF, exec_lahf, { NULL } },
	{ ZYDIS_MNEMONIC_SAHF, exec_sahf, { NULL } },
	{ 0, NULL, { NULL } },
};
