/* SPDX-License-Identifier: MIT */
/*
 * Private helpers of the interpreter core side (interp.c decode.c operand.c
 * flags.c exec_*.c): handler tables, flag arithmetic, condition codes.
 */
#ifndef VMXBOX_ENGINE_INTERP_CORE_H
#define VMXBOX_ENGINE_INTERP_CORE_H

#include "engine/interp/interp.h"
#include "engine/interp/htlb.h"

/* Mnemonic -> handler rows; every exec_*.c exports one table ending in
 * {0, NULL}. decode.c merges them into one array indexed by mnemonic. */
struct exec_entry {
	ZydisMnemonic mnemonic;
	insn_exec_fn fn;
	/* Optional variants specialised for a destination of 8, 16, 32 and
	 * 64 bits (constant widths fold the flag arithmetic). */
	insn_exec_fn sized[4];
};

extern const struct exec_entry exec_alu_table[];
extern const struct exec_entry exec_shift_table[];
extern const struct exec_entry exec_muldiv_table[];
extern const struct exec_entry exec_bit_table[];
extern const struct exec_entry exec_mov_table[];
extern const struct exec_entry exec_string_table[];
extern const struct exec_entry exec_control_table[];
extern const struct exec_entry exec_stack_table[];
extern const struct exec_entry exec_flags_table[];
extern const struct exec_entry exec_bcd_table[];
extern const struct exec_entry exec_x87_table[];
extern const struct exec_entry exec_misc_table[];
extern const struct exec_entry exec_vmx_table[];
/* Mnemonics whose handlers may run while flags are pending (lflags.c). */
extern const ZydisMnemonic exec_lazy_mnemonics[];
/* Mnemonics whose register-only forms may run in a block body (struct
 * insn.simple, lflags.c next to the lazy list they are a subset of). */
extern const ZydisMnemonic exec_simple_mnemonics[];
/* The handler of in's operand form, or NULL for the general one:
 * register-only ALU forms (exec_alu.c), 64-bit Jcc, CALL, RET
 * (exec_control.c). */
insn_exec_fn exec_alu_form(const struct insn *in);
/* exec_mov.c: MOV/MOVSXD/LEA register forms (pick_form). */
insn_exec_fn exec_mov_form(const struct insn *in);
insn_exec_fn exec_jcc_form(const struct insn *in);
/* 64-bit near CALL rel and RET without imm16 (exec_control.c). */
insn_exec_fn exec_branch_form(const struct insn *in);
/* exec_body.c: the block-body handler of in's memory form (hit path of
 * the host-pointer TLB only, ip->blk_miss on a miss), NULL if it has
 * none; exec_body_lea: in is an LEA whose in->exec may run in a body. */
insn_exec_fn exec_body_form(const struct insn *in);
bool exec_body_lea(const struct insn *in);

/* The decoded-instruction cache (decode.c): direct-mapped, keyed by the
 * guest-physical address of the first byte and the code size. */
#define DCACHE_BITS 14
#define DCACHE_SIZE (1u << DCACHE_BITS)

struct decode_cache {
	uint64_t tag[DCACHE_SIZE];      /* gpa << 2 | mode index; 0 = empty */
	struct insn e[DCACHE_SIZE];
};

static inline unsigned dc_slot(uint64_t gpa)
{
	return (unsigned)((gpa ^ (gpa >> DCACHE_BITS)) & (DCACHE_SIZE - 1));
}

static inline uint64_t dc_tag(uint64_t gpa, unsigned mode)
{
	return (gpa << 2) | (mode == 64 ? 3 : mode == 32 ? 2 : 1);
}

/* Tag of a decode that crosses a page (decode.c): mode index 0 (its
 * code size is in->mode), so the fast paths' tag compare never hits it.
 * Never 0: such a decode's first byte is not at a page's start. */
static inline uint64_t dc_cross_tag(uint64_t gpa)
{
	return gpa << 2;
}

/* The cached 64-bit decode at rip on the code page the fetch state
 * holds (a block's next instruction), NULL if it is not cached. */
static inline const struct insn *interp_dcache_peek64(struct interp *ip,
						       uint64_t rip)
{
	uint64_t gpa;
	unsigned i;

	if (!ip->fetch_valid || ip->fetch_mode != 64 ||
	    (rip >> GUEST_PAGE_SHIFT) != ip->fetch_lin_page)
		return NULL;
	gpa = ip->fetch_gpa_page | (rip & (GUEST_PAGE_SIZE - 1));
	i = dc_slot(gpa);
	if (ip->dcache->tag[i] != dc_tag(gpa, 64))
		return NULL;
	return &ip->dcache->e[i];
}

/* Hit path of interp_decode() for 64-bit code on the same code page as
 * the previous instruction; NULL means "take the full path". */
static inline const struct insn *interp_decode_fast(struct interp *ip)
{
	return interp_dcache_peek64(ip, ip->s.rip);
}

/* simd.c: the handler of an MMX/SSE..SSE4.2 form (#UD when CPUID does
 * not advertise its extension), NULL for any other instruction; sets
 * in->simd.  simd_features: SIMD_FEAT_* from CPUID.1 EDX and ECX. */
insn_exec_fn simd_decode(struct interp *ip, struct insn *in);
/* The handler simd_decode() picks for a feature the model lacks. */
bool simd_is_ud(insn_exec_fn fn);
uint8_t simd_features(uint32_t edx, uint32_t ecx);

/* decode.c: decoders, handler table and decode cache setup/teardown. */
int interp_decode_init(struct interp *ip);
void interp_decode_fini(struct interp *ip);

/* Fallback handler: system side, else #UD. */
void exec_system_or_ud(struct interp *ip, const struct insn *in);

/* Arithmetic flags touched by ALU instructions. */
#define FLAGS_ARITH (RFLAGS_CF | RFLAGS_PF | RFLAGS_AF | RFLAGS_ZF | \
		     RFLAGS_SF | RFLAGS_OF)

static inline uint64_t width_mask(unsigned bits)
{
	return bits >= 64 ? ~0ull : (1ull << bits) - 1;
}

static inline uint64_t sign_extend(uint64_t v, unsigned bits)
{
	unsigned sh = 64 - bits;

	return bits >= 64 ? v : (uint64_t)((int64_t)(v << sh) >> sh);
}

static inline uint64_t msb(uint64_t v, unsigned bits)
{
	return (v >> (bits - 1)) & 1;
}

/* ZF, SF and PF of a result (PF: even parity of the low byte).
 * Branch-free: these run for nearly every ALU instruction. */
static inline uint64_t flags_szp(uint64_t r, unsigned bits)
{
	uint64_t f;

	r &= width_mask(bits);
	f = (uint64_t)(r == 0) << 6;                                /* ZF */
	f |= msb(r, bits) << 7;                                     /* SF */
	f |= (uint64_t)!__builtin_parity((unsigned)(r & 0xff)) << 2; /* PF */
	return f;
}

/* ADD/ADC/INC: r = a + b (+ carry), all masked to bits. SDM Vol. 1 3.4.3.1 */
static inline uint64_t flags_add(uint64_t a, uint64_t b, uint64_t r,
				 unsigned bits)
{
	uint64_t carries = (a & b) | ((a | b) & ~r);

	return flags_szp(r, bits) | msb(carries, bits) |            /* CF */
	       (msb((a ^ r) & (b ^ r), bits) << 11) |               /* OF */
	       ((a ^ b ^ r) & RFLAGS_AF);
}

/* SUB/SBB/CMP/DEC/NEG: r = a - b (- borrow). */
static inline uint64_t flags_sub(uint64_t a, uint64_t b, uint64_t r,
				 unsigned bits)
{
	uint64_t borrows = (~a & b) | ((~a | b) & r);

	return flags_szp(r, bits) | msb(borrows, bits) |            /* CF */
	       (msb((a ^ b) & (a ^ r), bits) << 11) |               /* OF */
	       ((a ^ b ^ r) & RFLAGS_AF);
}

/* AND/OR/XOR/TEST: CF = OF = 0; AF is undefined, we clear it. */
static inline uint64_t flags_logic(uint64_t r, unsigned bits)
{
	return flags_szp(r, bits);
}

static inline void flags_set(struct interp *ip, uint64_t mask, uint64_t f)
{
	ip->s.rflags = (ip->s.rflags & ~mask) | (f & mask);
}

/* Condition codes (SDM Vol. 1 Appendix B): cc is the low opcode nibble. */
static inline bool cond_true(uint64_t fl, unsigned cc)
{
	bool r;

	switch (cc >> 1) {
	case 0: r = fl & RFLAGS_OF; break;
	case 1: r = fl & RFLAGS_CF; break;
	case 2: r = fl & RFLAGS_ZF; break;
	case 3: r = fl & (RFLAGS_CF | RFLAGS_ZF); break;
	case 4: r = fl & RFLAGS_SF; break;
	case 5: r = fl & RFLAGS_PF; break;
	case 6: r = !(fl & RFLAGS_SF) != !(fl & RFLAGS_OF); break;
	default:
		r = (fl & RFLAGS_ZF) || (!(fl & RFLAGS_SF) != !(fl & RFLAGS_OF));
		break;
	}
	return r ^ (cc & 1);
}

/* Kinds of struct insn_opd: OPD_MEM is a plain memory operand of 1, 2, 4
 * or 8 bytes with a pre-decoded effective address. */
enum { OPD_SLOW = 0, OPD_GPR = 1, OPD_IMM = 2, OPD_MEM = 3 };
/* insn_opd.base / .index without a register, and RIP-relative base. */
enum { OPD_NOREG = 0xff, OPD_RIPREL = 0xfe };

/* Effective address of a pre-decoded operand (d->ea_ok). */
static inline uint64_t opd_ea(const struct interp *ip, const struct insn *in,
			      const struct insn_opd *d)
{
	uint64_t ea = (uint64_t)d->disp;

	if (d->base < OPD_RIPREL)
		ea += ip->s.gpr[d->base];
	else if (d->base == OPD_RIPREL)
		ea += ip->insn_rip + in->len;
	if (d->index != OPD_NOREG)
		ea += ip->s.gpr[d->index] << d->scale;
	return ea & d->amask;
}

/* operand.c: operand n that is not a register nor an immediate (the
 * pre-decoded memory operands first, then op_read/op_write). */
uint64_t op_read_mem_slow(struct interp *ip, const struct insn *in, unsigned n);
void op_write_mem_slow(struct interp *ip, const struct insn *in, unsigned n,
		       uint64_t v);

/*
 * Linear address of a pre-decoded memory operand with a 64-bit address
 * size, which exists only in 64-bit mode: there only FS and GS have a
 * base and nothing has a limit (SDM 3.4.4).  Its canonical check is left
 * to the host-pointer TLB: only canonical pages are ever filled, and a
 * hit never crosses a page, so a non-canonical address always misses and
 * the slow path raises the fault.
 */
static inline __attribute__((always_inline)) bool
opd_fast64(const struct insn_opd *d)
{
	return d->kind == OPD_MEM && d->amask == ~0ull;
}

static inline __attribute__((always_inline)) uint64_t
opd_lin64(const struct interp *ip, const struct insn *in,
	  const struct insn_opd *d)
{
	uint64_t lin = opd_ea(ip, in, d);

	if (d->seg >= SEG_FS)
		lin += ip->s.seg[d->seg].base;
	return lin;
}

/*
 * Host address of a memory access of len bytes at lin, a pre-decoded
 * operand's linear address in 64-bit mode (opd_fast64's reasoning for any
 * width: only canonical pages are filled, a hit never crosses a page),
 * when tab holds its page for the current key; NULL on a miss, and the
 * caller takes its full path.  For the wide operands of the x87 and SSE
 * forms (8 to 16 bytes and more).
 */
static inline uint8_t *opd_host64(struct interp *ip,
				  const struct htlb_entry *tab, uint64_t lin,
				  unsigned len, uint64_t *gpa)
{
	if (!htlb_find(ip, tab, lin, len, gpa))
		return NULL;
	ip->tlb.hits++;
	return ip->cfg.mem->host + *gpa;
}

/* A memory operand whose linear address opd_lin64 gives: pre-decoded,
 * 64-bit address size (so 64-bit mode), of any width. */
static inline bool opd_mem64(const struct insn_opd *d)
{
	return d->ea_ok && d->amask == ~0ull;
}

/* Operand n that is not a register nor an immediate: a 64-bit-mode
 * memory operand whose page the host-pointer TLB holds inline, the rest
 * in operand.c. */
static inline __attribute__((always_inline)) uint64_t
op_read_mem(struct interp *ip, const struct insn *in, unsigned n)
{
	const struct insn_opd *d = &in->opd[n];
	uint64_t v;

	if (__builtin_expect(opd_fast64(d), 1) &&
	    __builtin_expect(htlb_read(ip, opd_lin64(ip, in, d), d->bytes, &v), 1))
		return v;
	return op_read_mem_slow(ip, in, n);
}

static inline __attribute__((always_inline)) void
op_write_mem(struct interp *ip, const struct insn *in, unsigned n, uint64_t v)
{
	const struct insn_opd *d = &in->opd[n];

	if (__builtin_expect(opd_fast64(d), 1) &&
	    __builtin_expect(htlb_write(ip, opd_lin64(ip, in, d), d->bytes,
					v & d->mask), 1))
		return;
	op_write_mem_slow(ip, in, n, v);
}

/* The same for a memory operand n known to be len bytes (handlers
 * specialised by width): the host load/store is one move. */
static inline __attribute__((always_inline)) uint64_t
op_read_mem_n(struct interp *ip, const struct insn *in, unsigned n,
	      unsigned len)
{
	const struct insn_opd *d = &in->opd[n];
	uint64_t v;

	if (__builtin_expect(opd_fast64(d) && d->bytes == len, 1) &&
	    __builtin_expect(htlb_read(ip, opd_lin64(ip, in, d), len, &v), 1))
		return v;
	return op_read_mem_slow(ip, in, n);
}

static inline __attribute__((always_inline)) void
op_write_mem_n(struct interp *ip, const struct insn *in, unsigned n,
	       uint64_t v, unsigned len)
{
	const struct insn_opd *d = &in->opd[n];

	if (__builtin_expect(opd_fast64(d) && d->bytes == len, 1) &&
	    __builtin_expect(htlb_write(ip, opd_lin64(ip, in, d), len,
					v & d->mask), 1))
		return;
	op_write_mem_slow(ip, in, n, v);
}

/* Fast operand access for operands 0..3: registers and immediates inline,
 * everything else through op_read_mem/op_write_mem. */
static inline uint64_t opr(struct interp *ip, const struct insn *in, unsigned n)
{
	const struct insn_opd *d = &in->opd[n];

	if (__builtin_expect(d->kind == OPD_GPR, 1))
		return (ip->s.gpr[d->gpr] >> d->shift) & d->mask;
	if (d->kind == OPD_IMM)
		return in->ops[n].imm.value.u;
	return op_read_mem(ip, in, n);
}

static inline void opw(struct interp *ip, const struct insn *in, unsigned n,
		       uint64_t v)
{
	const struct insn_opd *d = &in->opd[n];
	uint64_t *g;

	if (__builtin_expect(d->kind != OPD_GPR, 0)) {
		op_write_mem(ip, in, n, v);
		return;
	}
	/* 8/16-bit writes merge, 32-bit writes zero-extend (keep = 0). */
	g = &ip->s.gpr[d->gpr];
	*g = (*g & d->keep) | ((v & d->mask) << d->shift);
}

/* opr/opw for handlers specialised for a constant width bits (the width
 * of operand 0, which a GPR operand n then also has): 64- and 32-bit
 * registers need no shift and no merge. */
static inline __attribute__((always_inline)) uint64_t
opr_sized(struct interp *ip, const struct insn *in, unsigned n, unsigned bits)
{
	const struct insn_opd *d = &in->opd[n];

	if (__builtin_expect(d->kind == OPD_GPR, 1)) {
		if (bits == 64)
			return ip->s.gpr[d->gpr];
		if (bits == 32)
			return (uint32_t)ip->s.gpr[d->gpr];
		return (ip->s.gpr[d->gpr] >> d->shift) & d->mask;
	}
	if (d->kind == OPD_IMM)
		return in->ops[n].imm.value.u;
	return op_read_mem(ip, in, n);
}

static inline __attribute__((always_inline)) void
opw_sized(struct interp *ip, const struct insn *in, unsigned n, uint64_t v,
	  unsigned bits)
{
	const struct insn_opd *d = &in->opd[n];

	if (__builtin_expect(d->kind == OPD_GPR, 1)) {
		if (bits == 64)
			ip->s.gpr[d->gpr] = v;
		else if (bits == 32)
			ip->s.gpr[d->gpr] = (uint32_t)v;   /* zero-extends */
		else
			opw(ip, in, n, v);
		return;
	}
	op_write_mem(ip, in, n, v);
}

/* The same for instructions with regs_only (interp.h): operand n is a
 * GPR (opr_r, opw_r) or a GPR or an immediate (opr_ri); no memory path,
 * so handlers built on them make no calls. */
static inline __attribute__((always_inline)) uint64_t
opr_r(struct interp *ip, const struct insn *in, unsigned n, unsigned bits)
{
	const struct insn_opd *d = &in->opd[n];

	if (bits == 64)
		return ip->s.gpr[d->gpr];
	if (bits == 32)
		return (uint32_t)ip->s.gpr[d->gpr];
	return (ip->s.gpr[d->gpr] >> d->shift) & d->mask;
}

static inline __attribute__((always_inline)) uint64_t
opr_ri(struct interp *ip, const struct insn *in, unsigned n, unsigned bits)
{
	if (in->opd[n].kind == OPD_IMM)
		return in->ops[n].imm.value.u;
	return opr_r(ip, in, n, bits);
}

static inline __attribute__((always_inline)) void
opw_r(struct interp *ip, const struct insn *in, unsigned n, uint64_t v,
      unsigned bits)
{
	const struct insn_opd *d = &in->opd[n];
	uint64_t *g = &ip->s.gpr[d->gpr];

	if (bits == 64)
		*g = v;
	else if (bits == 32)
		*g = (uint32_t)v;
	else
		*g = (*g & d->keep) | ((v & d->mask) << d->shift);
}

/* Operand size in bits of operand n. */
static inline unsigned op_bits(const struct insn *in, unsigned n)
{
	return in->ops[n].size;
}

/* Current code size: 64 (64-bit mode), 32 or 16 (CS.D). */
static inline unsigned interp_code_bits(const struct interp *ip)
{
	if (cpu_64bit_mode(&ip->s))
		return 64;
	if ((ip->s.cr0 & CR0_PE) && !(ip->s.rflags & RFLAGS_VM) &&
	    (ip->s.seg[SEG_CS].ar & SEG_AR_DB))
		return 32;
	if (!(ip->s.cr0 & CR0_PE) && (ip->s.seg[SEG_CS].ar & SEG_AR_DB))
		return 32;
	return 16;
}

/* Stack address size: 64 in 64-bit mode, else SS.B. */
static inline unsigned interp_stack_bits(const struct interp *ip)
{
	if (cpu_64bit_mode(&ip->s))
		return 64;
	return (ip->s.seg[SEG_SS].ar & SEG_AR_DB) ? 32 : 16;
}

/* Write a new RSP/ESP/SP honouring the stack address size. */
void interp_set_sp(struct interp *ip, uint64_t sp);

/* Near branch to target (operand size opbits): canonical / CS limit
 * checks (#GP(0)), then RIP = target. */
void interp_branch(struct interp *ip, uint64_t target, unsigned opbits);

/* operand.c: fill in->opd[] from the Zydis operands. */
void insn_predecode_operands(struct insn *in);

/* Segment register (enum x86_seg) of a Zydis segment register, -1 if none. */
int zyreg_to_seg(ZydisRegister r);
/* Segment that a memory operand with default DS uses (prefix override). */
unsigned insn_data_seg(const struct insn *in);

#include "engine/interp/lflags.h"

#endif
