// SPDX-License-Identifier: MIT
/*
 * ASCII and packed-BCD adjust: AAA, AAS, DAA, DAS, AAM imm8, AAD imm8.
 *
 * They exist only outside 64-bit mode: there opcodes 37 3F 27 2F D4 D5
 * are invalid (SDM Vol. 2A, each instruction's "64-Bit Mode Exceptions":
 * #UD).  Zydis does not decode them in 64-bit mode, so the fetch raises
 * #UD before any of this runs.  None of them depends on the operand or
 * address size.
 *
 * Undefined flags (SDM: OF SF ZF PF after AAA/AAS, OF after DAA/DAS,
 * OF AF CF after AAM/AAD): we produce what Unicorn 2 (QEMU TCG) does so
 * that tests/difftest/test_bcd32.c can compare every flag: AAA/AAS leave
 * them unchanged, DAA/DAS clear OF, AAM/AAD clear OF, AF and CF.
 */
#include "engine/interp/core.h"

static unsigned get_ax(const struct interp *ip)
{
	return (unsigned)(ip->s.gpr[GPR_RAX] & 0xffff);
}

static void set_ax(struct interp *ip, unsigned ax)
{
	uint64_t *g = &ip->s.gpr[GPR_RAX];

	*g = (*g & ~0xffffull) | (ax & 0xffff);
}

static void set_al(struct interp *ip, unsigned al)
{
	set_ax(ip, (get_ax(ip) & 0xff00) | (al & 0xff));
}

static bool flag(const struct interp *ip, uint64_t f)
{
	return ip->s.rflags & f;
}

/*
 * SDM Vol. 2A, AAA / AAS:
 *   IF ((AL AND 0FH) > 9) or (AF = 1)
 *   THEN AX := AX + 106H (AAA) | AX := AX - 6; AH := AH - 1 (AAS);
 *        AF := 1; CF := 1;
 *   ELSE AF := 0; CF := 0;
 *   AL := AL AND 0FH;
 * AX - 6 borrows from AH when AL < 6, so AAS is AX := AX - 106H.
 */
static void ascii_adjust(struct interp *ip, unsigned delta)
{
	unsigned ax = get_ax(ip);
	bool adjust = (ax & 0x0f) > 9 || flag(ip, RFLAGS_AF);

	if (adjust)
		ax = (ax + delta) & 0xffff;
	set_ax(ip, (ax & 0xff00) | (ax & 0x0f));
	flags_set(ip, RFLAGS_AF | RFLAGS_CF,
		  adjust ? RFLAGS_AF | RFLAGS_CF : 0);
}

static void exec_aaa(struct interp *ip, const struct insn *in)
{
	(void)in;
	ascii_adjust(ip, 0x106);
}

static void exec_aas(struct interp *ip, const struct insn *in)
{
	(void)in;
	ascii_adjust(ip, 0x10000 - 0x106);
}

/* SF ZF PF from AL, the given AF and CF, OF cleared (see the top). */
static void set_decimal_flags(struct interp *ip, unsigned al, bool af, bool cf)
{
	uint64_t f = flags_szp(al, 8);

	if (af)
		f |= RFLAGS_AF;
	if (cf)
		f |= RFLAGS_CF;
	flags_set(ip, FLAGS_ARITH, f);
}

/*
 * SDM Vol. 2A, DAA:
 *   old_AL := AL; old_CF := CF; CF := 0;
 *   IF (((AL AND 0FH) > 9) or AF = 1)
 *   THEN AL := AL + 6; CF := old_CF or (Carry from AL := AL + 6); AF := 1;
 *   ELSE AF := 0;
 *   IF ((old_AL > 99H) or (old_CF = 1))
 *   THEN AL := AL + 60H; CF := 1;
 *   ELSE CF := 0;
 */
static void exec_daa(struct interp *ip, const struct insn *in)
{
	unsigned old_al = get_ax(ip) & 0xff, al = old_al;
	bool old_cf = flag(ip, RFLAGS_CF), af = false, cf;

	(void)in;
	if ((al & 0x0f) > 9 || flag(ip, RFLAGS_AF)) {
		al = (al + 6) & 0xff;
		af = true;
	}
	/* The carry of the first step is always overwritten here. */
	cf = old_al > 0x99 || old_cf;
	if (cf)
		al = (al + 0x60) & 0xff;
	set_al(ip, al);
	set_decimal_flags(ip, al, af, cf);
}

/*
 * SDM Vol. 2A, DAS:
 *   old_AL := AL; old_CF := CF; CF := 0;
 *   IF (((AL AND 0FH) > 9) or AF = 1)
 *   THEN AL := AL - 6; CF := old_CF or (Borrow from AL := AL - 6); AF := 1;
 *   ELSE AF := 0;
 *   IF ((old_AL > 99H) or (old_CF = 1))
 *   THEN AL := AL - 60H; CF := 1;
 * No ELSE: unlike DAA, the borrow of the first step survives.
 */
static void exec_das(struct interp *ip, const struct insn *in)
{
	unsigned old_al = get_ax(ip) & 0xff, al = old_al;
	bool old_cf = flag(ip, RFLAGS_CF), af = false, cf = false;

	(void)in;
	if ((al & 0x0f) > 9 || flag(ip, RFLAGS_AF)) {
		cf = old_cf || al < 6;
		al = (al - 6) & 0xff;
		af = true;
	}
	if (old_al > 0x99 || old_cf) {
		al = (al - 0x60) & 0xff;
		cf = true;
	}
	set_al(ip, al);
	set_decimal_flags(ip, al, af, cf);
}

static unsigned imm8(const struct insn *in)
{
	return (unsigned)(in->zi.raw.imm[0].value.u & 0xff);
}

/*
 * SDM Vol. 2A, AAM: tempAL := AL; AH := tempAL / imm8;
 * AL := tempAL MOD imm8.  imm8 = 0 raises #DE before anything changes.
 */
static void exec_aam(struct interp *ip, const struct insn *in)
{
	unsigned base = imm8(in), al = get_ax(ip) & 0xff;

	if (!base)
		interp_raise(ip, X86_DE);
	set_ax(ip, (al / base) << 8 | (al % base));
	set_decimal_flags(ip, al % base, false, false);
}

/*
 * SDM Vol. 2A, AAD: AL := (tempAL + (tempAH * imm8)) AND FFH; AH := 0.
 */
static void exec_aad(struct interp *ip, const struct insn *in)
{
	unsigned ax = get_ax(ip);
	unsigned al = ((ax & 0xff) + (ax >> 8) * imm8(in)) & 0xff;

	set_ax(ip, al);
	set_decimal_flags(ip, al, false, false);
}

const struct exec_entry exec_bcd_table[] = {
	{ ZYDIS_MNEMONIC_AAA, exec_aaa, { NULL } },
	{ ZYDIS_MNEMONIC_AAS, exec_aas, { NULL } },
	{ ZYDIS_MNEMONIC_DAA, exec_daa, { NULL } },
	{ ZYDIS_MNEMONIC_DAS, exec_das, { NULL } },
	{ ZYDIS_MNEMONIC_AAM, exec_aam, { NULL } },
	{ ZYDIS_MNEMONIC_AAD, exec_aad, { NULL } },
	{ 0, NULL, { NULL } },
};
