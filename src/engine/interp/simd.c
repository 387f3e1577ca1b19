// SPDX-License-Identifier: MIT
/*
 * MMX/SSE common machinery: the decode-time classification of a form
 * (which state it touches, which gate and alignment rules apply), the
 * availability gates, operand access for XMM/MM/GPR/memory operands and
 * the #XM/#UD choice for unmasked SIMD floating-point exceptions.
 */
#include <pthread.h>

#include "engine/interp/simd.h"
#include "engine/interp/x87.h"

/*
 * SDM Vol. 2 2.4, exception types 1, 2 and 4: a 16-byte memory operand
 * of a legacy SSE instruction must be 16-byte aligned, except for the
 * explicitly unaligned forms (MOVUPS/MOVUPD/MOVDQU/LDDQU: type 4 too in
 * Zydis' classes, listed by mnemonic) and PCMPESTRI/PCMPESTRM/PCMPISTRI/
 * PCMPISTRM (footnote of Table 2-21).  MASKMOVDQU has no alignment rule.
 */
static bool needs_align(const struct insn *in)
{
	switch (in->zi.meta.exception_class) {
	case ZYDIS_EXCEPTION_CLASS_SSE1:
	case ZYDIS_EXCEPTION_CLASS_SSE2:
	case ZYDIS_EXCEPTION_CLASS_SSE4:
		break;
	default:
		return false;
	}
	switch (in->zi.mnemonic) {
	case ZYDIS_MNEMONIC_MOVUPS: case ZYDIS_MNEMONIC_MOVUPD:
	case ZYDIS_MNEMONIC_MOVDQU: case ZYDIS_MNEMONIC_LDDQU:
	case ZYDIS_MNEMONIC_PCMPESTRI: case ZYDIS_MNEMONIC_PCMPESTRM:
	case ZYDIS_MNEMONIC_PCMPISTRI: case ZYDIS_MNEMONIC_PCMPISTRM:
	case ZYDIS_MNEMONIC_MASKMOVDQU:
		return false;
	default:
		return true;
	}
}

static uint8_t simd_classify(const struct insn *in)
{
	uint8_t c = SIMD_CLASSIFIED;

	for (unsigned n = 0; n < in->zi.operand_count; n++) {
		const ZydisDecodedOperand *o = &in->ops[n];

		if (o->type != ZYDIS_OPERAND_TYPE_REGISTER)
			continue;
		if (simd_is_xmm(o->reg.value))
			c |= SIMD_XMM;
		if (simd_is_mm(o->reg.value))
			c |= SIMD_MMX;
	}
	/* MXCSR access (LDMXCSR/STMXCSR) is SSE state too. */
	if (in->zi.meta.isa_set == ZYDIS_ISA_SET_SSEMXCSR)
		c |= SIMD_XMM;
	if (needs_align(in))
		c |= SIMD_ALIGN;
	return c;
}

void simd_gate(struct interp *ip, const struct insn *in)
{
	if (in->simd & SIMD_XMM) {
		interp_fpu_gate_sse(ip);
	} else if (in->simd & SIMD_MMX) {
		/* MMX-register forms, SSE-era ones included, ignore
		 * CR4.OSFXSR (SDM Vol. 3B Table 22-7, Vol. 3A 6.15 #UD). */
		interp_fpu_gate_mmx(ip);
	}
	/* A pending unmasked x87 exception (FSW.ES) is reported by the next
	 * MMX instruction as by a waiting x87 one (SDM Vol. 1 9.5.2): #MF
	 * with CR0.NE, else the FERR# path (x87_state.c). */
	if (in->simd & SIMD_MMX)
		x87_check_pending(ip);
}

uint64_t simd_mem_ea(struct interp *ip, const struct insn *in, unsigned n,
		     unsigned bytes, unsigned *seg)
{
	uint64_t ea = op_ea(ip, in, n, seg);

	if (bytes == 16 && (in->simd & SIMD_ALIGN)) {
		uint64_t base = ip->s.seg[*seg].base;

		if (cpu_64bit_mode(&ip->s) && *seg != SEG_FS && *seg != SEG_GS)
			base = 0;
		if ((base + ea) & 15)
			interp_raise_err(ip, X86_GP, 0);
	}
	return ea;
}

/*
 * Host address of memory operand n when it is a 64-bit-mode operand
 * within one page that tab holds for the current key, and aligned when
 * the form requires it; NULL otherwise, and the caller takes the full
 * path, which raises whatever fault applies (#GP for a misaligned or
 * non-canonical address).
 */
static uint8_t *simd_mem_host(struct interp *ip, const struct insn *in,
			      unsigned n, const struct htlb_entry *tab,
			      uint64_t *gpa)
{
	const struct insn_opd *d = &in->opd[n];
	uint64_t lin;

	if (!opd_mem64(d) || !d->bytes || d->bytes > 16)
		return NULL;
	lin = opd_lin64(ip, in, d);
	if ((in->simd & SIMD_ALIGN) && d->bytes == 16 && (lin & 15))
		return NULL;
	return opd_host64(ip, tab, lin, d->bytes, gpa);
}

void simd_read_slow(struct interp *ip, const struct insn *in, unsigned n,
		    v128 *v)
{
	const ZydisDecodedOperand *o = &in->ops[n];
	unsigned seg;
	uint64_t ea, gpa;
	uint8_t *p;

	memset(v, 0, sizeof(*v));
	switch (o->type) {
	case ZYDIS_OPERAND_TYPE_REGISTER:
		if (simd_is_xmm(o->reg.value))
			memcpy(v, xmm_reg(ip, o->reg.value), 16);
		else if (simd_is_mm(o->reg.value))
			memcpy(v, ip->s.fpu.st[o->reg.value - ZYDIS_REGISTER_MM0], 8);
		else
			v->q[0] = reg_read(ip, o->reg.value);
		break;
	case ZYDIS_OPERAND_TYPE_IMMEDIATE:
		v->q[0] = o->imm.value.u;
		break;
	case ZYDIS_OPERAND_TYPE_MEMORY:
		p = simd_mem_host(ip, in, n, ip->htlb.r, &gpa);
		if (p) {
			memcpy(v, p, in->opd[n].bytes);
			break;
		}
		ea = simd_mem_ea(ip, in, n, o->size / 8, &seg);
		mem_read(ip, seg, ea, v, o->size / 8);
		break;
	default:
		break;
	}
}

void simd_write_slow(struct interp *ip, const struct insn *in, unsigned n,
		     const v128 *v)
{
	const ZydisDecodedOperand *o = &in->ops[n];
	unsigned seg;
	uint64_t ea, gpa;
	uint8_t *r, *p;

	switch (o->type) {
	case ZYDIS_OPERAND_TYPE_REGISTER:
		if (simd_is_xmm(o->reg.value)) {
			memcpy(xmm_reg(ip, o->reg.value), v, 16);
		} else if (simd_is_mm(o->reg.value)) {
			/* SDM Vol. 1 9.5.1: bits 79:64 of Ri become all 1s. */
			r = ip->s.fpu.st[o->reg.value - ZYDIS_REGISTER_MM0];
			memcpy(r, v, 8);
			r[8] = r[9] = 0xff;
		} else {
			reg_write(ip, o->reg.value, v->q[0]);
		}
		break;
	case ZYDIS_OPERAND_TYPE_MEMORY:
		p = simd_mem_host(ip, in, n, ip->htlb.w, &gpa);
		if (p) {
			memcpy(p, v, in->opd[n].bytes);
			gmem_note_write(ip->cfg.mem, gpa, in->opd[n].bytes);
			break;
		}
		ea = simd_mem_ea(ip, in, n, o->size / 8, &seg);
		mem_write(ip, seg, ea, v, o->size / 8);
		break;
	default:
		break;
	}
}

_Noreturn void simd_raise_xm(struct interp *ip)
{
	interp_raise(ip, (ip->s.cr4 & CR4_OSXMMEXCPT) ? X86_XM : X86_UD);
}

/* ---- decode: CPUID gating and the handler table ---- */

enum {
	SIMD_FEAT_MMX = 1u << 0,    /* CPUID.1:EDX[23] */
	SIMD_FEAT_SSE = 1u << 1,    /* CPUID.1:EDX[25] */
	SIMD_FEAT_SSE2 = 1u << 2,   /* CPUID.1:EDX[26] */
	SIMD_FEAT_SSE3 = 1u << 3,   /* CPUID.1:ECX[0] */
	SIMD_FEAT_SSSE3 = 1u << 4,  /* CPUID.1:ECX[9] */
	SIMD_FEAT_SSE41 = 1u << 5,  /* CPUID.1:ECX[19] */
	SIMD_FEAT_SSE42 = 1u << 6,  /* CPUID.1:ECX[20] */
};

uint8_t simd_features(uint32_t edx, uint32_t ecx)
{
	static const struct { uint8_t feat; bool ecx; uint8_t bit; } map[] = {
		{ SIMD_FEAT_MMX, false, 23 }, { SIMD_FEAT_SSE, false, 25 },
		{ SIMD_FEAT_SSE2, false, 26 }, { SIMD_FEAT_SSE3, true, 0 },
		{ SIMD_FEAT_SSSE3, true, 9 }, { SIMD_FEAT_SSE41, true, 19 },
		{ SIMD_FEAT_SSE42, true, 20 },
	};
	uint8_t f = 0;

	for (unsigned i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (((map[i].ecx ? ecx : edx) >> map[i].bit) & 1)
			f |= map[i].feat;
	return f;
}

/* The integer instructions SSE added on MMX registers (Zydis files them
 * under the Pentium MMX ISA set); they need CPUID.SSE (SDM Vol. 2). */
static bool sse_on_mmx(ZydisMnemonic m)
{
	switch (m) {
	case ZYDIS_MNEMONIC_PAVGB: case ZYDIS_MNEMONIC_PAVGW:
	case ZYDIS_MNEMONIC_PEXTRW: case ZYDIS_MNEMONIC_PINSRW:
	case ZYDIS_MNEMONIC_PMAXSW: case ZYDIS_MNEMONIC_PMAXUB:
	case ZYDIS_MNEMONIC_PMINSW: case ZYDIS_MNEMONIC_PMINUB:
	case ZYDIS_MNEMONIC_PMULHUW: case ZYDIS_MNEMONIC_PSADBW:
	case ZYDIS_MNEMONIC_PSHUFW: case ZYDIS_MNEMONIC_MASKMOVQ:
	case ZYDIS_MNEMONIC_MOVNTQ:
		return true;
	default:
		return false;
	}
}

/* The CPUID feature a form needs; 0: not an MMX/SSE instruction. */
static uint8_t isa_feature(const struct insn *in)
{
	switch (in->zi.meta.isa_set) {
	case ZYDIS_ISA_SET_PENTIUMMMX:
		return sse_on_mmx(in->zi.mnemonic) ? SIMD_FEAT_SSE : SIMD_FEAT_MMX;
	case ZYDIS_ISA_SET_SSE: case ZYDIS_ISA_SET_SSEMXCSR: return SIMD_FEAT_SSE;
	case ZYDIS_ISA_SET_SSE2: case ZYDIS_ISA_SET_SSE2MMX: return SIMD_FEAT_SSE2;
	case ZYDIS_ISA_SET_SSE3: return SIMD_FEAT_SSE3;
	case ZYDIS_ISA_SET_SSSE3: case ZYDIS_ISA_SET_SSSE3MMX: return SIMD_FEAT_SSSE3;
	case ZYDIS_ISA_SET_SSE4: return SIMD_FEAT_SSE41;
	case ZYDIS_ISA_SET_SSE42: return SIMD_FEAT_SSE42;
	default: return 0;
	}
}

static const struct exec_entry *simd_by_mnemonic[ZYDIS_MNEMONIC_MAX_VALUE + 1];
static pthread_once_t simd_once = PTHREAD_ONCE_INIT;

static void simd_tables_init(void)
{
	static const struct exec_entry *const tables[] = {
		exec_simd_mov_table, exec_simd_int_table, exec_simd_shuf_table,
		exec_sse_fp_table, exec_sse_str_table,
	};

	for (unsigned t = 0; t < sizeof(tables) / sizeof(tables[0]); t++)
		for (const struct exec_entry *e = tables[t]; e->fn; e++)
			simd_by_mnemonic[e->mnemonic] = e;
}

static void simd_ud(struct interp *ip, const struct insn *in)
{
	interp_raise(ip, X86_UD);
}

bool simd_is_ud(insn_exec_fn fn)
{
	return fn == simd_ud;
}

insn_exec_fn simd_decode(struct interp *ip, struct insn *in)
{
	uint8_t feat = isa_feature(in);
	const struct exec_entry *e;

	in->simd = 0;
	if (!feat || in->zi.encoding != ZYDIS_INSTRUCTION_ENCODING_LEGACY)
		return NULL;
	pthread_once(&simd_once, simd_tables_init);
	e = simd_by_mnemonic[in->zi.mnemonic];
	if (!e)
		return NULL;    /* fences, prefetches, MOVNTI...: elsewhere */
	in->simd = simd_classify(in);
	if (!(ip->simd_feat & feat))
		return simd_ud;
	return e->fn;
}
