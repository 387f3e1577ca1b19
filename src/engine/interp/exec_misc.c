// SPDX-License-Identifier: MIT
/*
 * Integer odds and ends with no system side: the fences, the prefetch
 * hints, MOVNTI, MOVBE, BOUND and RDSSP (SDM Vol. 2).
 *
 * An interpreter executes every access in program order and has no cache,
 * so LFENCE/SFENCE/MFENCE order nothing more and the prefetches (hints,
 * which never fault: SDM PREFETCHh "does not affect program behavior")
 * do nothing; each keeps its CPUID #UD.
 */
#include "engine/interp/core.h"

static void need(struct interp *ip, enum x86_feature f)
{
	if (!cpu_has(&ip->cfg.model, f))
		interp_raise(ip, X86_UD);
}

/* LFENCE and MFENCE come with SSE2, SFENCE with SSE. */
static void exec_fence(struct interp *ip, const struct insn *in)
{
	need(ip, in->zi.mnemonic == ZYDIS_MNEMONIC_SFENCE ? X86_FEAT_SSE :
		 X86_FEAT_SSE2);
}

/* 0F 18 /0-3 and 0F 0D /0-2: NOP-space hints; no access, no fault. */
static void exec_prefetch(struct interp *ip, const struct insn *in)
{
}

/* MOVNTI m32/m64, r (SSE2): a store; the non-temporal hint means
 * nothing without a cache. */
static void exec_movnti(struct interp *ip, const struct insn *in)
{
	need(ip, X86_FEAT_SSE2);
	op_write(ip, in, 0, op_read(ip, in, 1));
}

/* RDSSPD/RDSSPQ (F3 0F 1E /1, the hint-NOP space): without CET shadow
 * stacks (not advertised) a NOP that leaves its register alone. */
static void exec_rdssp(struct interp *ip, const struct insn *in)
{
}

/* MOVBE r, m / m, r: load or store with the bytes reversed (16, 32 or
 * 64 bits); register-to-register forms do not exist. */
static void exec_movbe(struct interp *ip, const struct insn *in)
{
	unsigned bits = in->ops[0].size;
	uint64_t v;

	need(ip, X86_FEAT_MOVBE);
	v = op_read(ip, in, 1);
	if (bits == 16)
		v = __builtin_bswap16((uint16_t)v);
	else if (bits == 32)
		v = __builtin_bswap32((uint32_t)v);
	else
		v = __builtin_bswap64(v);
	op_write(ip, in, 0, v);
}

/* BOUND r, m16&16 / m32&32: #BR (a fault) unless lower <= index <= upper,
 * signed.  Not in 64-bit mode (Zydis decodes 62 as EVEX there). */
static void exec_bound(struct interp *ip, const struct insn *in)
{
	unsigned bits = in->ops[0].size, seg;
	uint64_t ea = op_ea(ip, in, 1, &seg);
	int64_t idx = (int64_t)sign_extend(op_read(ip, in, 0), bits);
	int64_t lo = (int64_t)sign_extend(mem_read_u(ip, seg, ea, bits / 8), bits);
	int64_t hi = (int64_t)sign_extend(mem_read_u(ip, seg, ea + bits / 8,
						     bits / 8), bits);

	if (idx < lo || idx > hi)
		interp_raise(ip, X86_BR);
}

const struct exec_entry exec_misc_table[] = {
	{ ZYDIS_MNEMONIC_LFENCE, exec_fence, { NULL } },
	{ ZYDIS_MNEMONIC_SFENCE, exec_fence, { NULL } },
	{ ZYDIS_MNEMONIC_MFENCE, exec_fence, { NULL } },
	{ ZYDIS_MNEMONIC_PREFETCH, exec_prefetch, { NULL } },
	{ ZYDIS_MNEMONIC_PREFETCHNTA, exec_prefetch, { NULL } },
	{ ZYDIS_MNEMONIC_PREFETCHT0, exec_prefetch, { NULL } },
	{ ZYDIS_MNEMONIC_PREFETCHT1, exec_prefetch, { NULL } },
	{ ZYDIS_MNEMONIC_PREFETCHT2, exec_prefetch, { NULL } },
	{ ZYDIS_MNEMONIC_PREFETCHW, exec_prefetch, { NULL } },
	{ ZYDIS_MNEMONIC_PREFETCHWT1, exec_prefetch, { NULL } },
	{ ZYDIS_MNEMONIC_MOVNTI, exec_movnti, { NULL } },
	{ ZYDIS_MNEMONIC_RDSSPD, exec_rdssp, { NULL } },
	{ ZYDIS_MNEMONIC_RDSSPQ, exec_rdssp, { NULL } },
	{ ZYDIS_MNEMONIC_MOVBE, exec_movbe, { NULL } },
	{ ZYDIS_MNEMONIC_BOUND, exec_bound, { NULL } },
	{ 0, NULL, { NULL } },
};
