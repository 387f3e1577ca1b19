/* SPDX-License-Identifier: MIT */
/*
 * Interpreter engine internals, shared by its files.  Ownership:
 *   core   (interp.c decode.c operand.c exec_*.c flags.c):
 *          run loop, decoded-instruction cache, operand access, integer,
 *          string and near control-flow instructions.
 *   system (mmu.c mem.c except.c sys_*.c seg.c task.c callgate.c
 *          ../../core/cpu_model.c):
 *          linear/physical memory access with segmentation and paging,
 *          exception and interrupt delivery, system instructions, far
 *          transfers and mode switches, the VMX intercept calls.
 *
 * Faults: a memory access or check that faults calls interp_raise*(), which
 * records the exception in s.pending_exception and longjmp()s back to the
 * run loop; the loop delivers it and goes on.  Instructions therefore write
 * architectural results only after their last access that can fault
 * (precise exceptions, SDM 6.6).
 */
#ifndef VMXBOX_ENGINE_INTERP_INTERP_H
#define VMXBOX_ENGINE_INTERP_INTERP_H

#include <setjmp.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <Zydis/Zydis.h>

#include "engine/engine.h"

/* Exception vectors (SDM 6.3.1) */
enum {
	X86_DE = 0, X86_DB = 1, X86_NMI = 2, X86_BP = 3, X86_OF = 4, X86_BR = 5,
	X86_UD = 6, X86_NM = 7, X86_DF = 8, X86_TS = 10, X86_NP = 11,
	X86_SS = 12, X86_GP = 13, X86_PF = 14, X86_MF = 16, X86_AC = 17,
	X86_MC = 18, X86_XM = 19, X86_VE = 20, X86_CP = 21,
};

/* Page-fault error code bits (SDM 4.7) */
#define PF_P    (1u << 0)
#define PF_W    (1u << 1)
#define PF_U    (1u << 2)
#define PF_RSVD (1u << 3)
#define PF_I    (1u << 4)

/* Kinds of memory access, for paging permission checks. */
enum mem_access {
	ACC_READ = 0,
	ACC_WRITE = 1,
	ACC_FETCH = 2,
	ACC_SUPER = 0x10,   /* implicit supervisor access (GDT/IDT/TSS) */
};

struct interp;
struct insn;
/* Semantic routine of one instruction (core: exec_*.c). */
typedef void (*insn_exec_fn)(struct interp *ip, const struct insn *in);

/* Pre-decoded operand (core fast path), see core.h. */
struct insn_opd {
	uint64_t mask;      /* width mask of the operand */
	uint64_t keep;      /* GPR bits a write leaves alone */
	uint8_t kind;       /* OPD_* (core.h) */
	uint8_t gpr;        /* enum x86_gpr for OPD_GPR */
	uint8_t shift;      /* 8 for AH..BH */
	uint8_t bytes;
	/* Memory and address (LEA) operands with ea_ok: the effective
	 * address is (disp + base + (index << scale)) & amask, base and
	 * index GPR numbers or OPD_NOREG / OPD_RIPREL (core.h). */
	bool ea_ok;
	uint8_t base, index, scale, seg;
	int64_t disp;
	uint64_t amask;
};

/* struct insn.branch64; blk_zcc of a CALL or RET blk_term. */
enum { BR64_NONE, BR64_CALL, BR64_RET };
enum { BLK_TERM_CALL = 16, BLK_TERM_RET = 17 };

/* Bytes of an instruction (at most 15) on the page after its first. */
#define INSN_TAIL_MAX 14

/* Code pages whose last linear page the fetch state remembers. */
#define FETCH_ALIAS_SIZE 64

/* Instructions in a block body at most (struct insn.blk). */
#define INSN_BLK_MAX 8

/* One decoded instruction (cached). */
struct insn {
	ZydisDecodedInstruction zi;
	ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
	uint8_t len;
	/* Filled by the core decoder (decode.c), valid for cached decodes. */
	insn_exec_fn exec;  /* handler chosen once at decode time */
	uint8_t cc;         /* condition code 0..15 of Jcc/SETcc/CMOVcc */
	uint8_t mode;       /* 16, 32 or 64: code size it was decoded for */
	uint64_t ipmask;    /* RIP wrap mask of that code size */
	uint8_t simd;       /* SIMD_* properties of MMX/SSE forms (simd.h) */
	bool lazy;          /* exec may run with flags pending (lflags.h) */
	/* Operand 0 is a GPR, the other visible operands GPRs or immediates
	 * (operand.c): handlers may take their call-free path. */
	bool regs_only;
	/* A decode that crosses a page (decode.c): cross_n > 0 bytes of it
	 * are on the next page, cross_tail[] at decode time. */
	uint8_t cross_n;
	uint8_t cross_tail[INSN_TAIL_MAX];
	/* Run-loop links (interp.c): "the instruction at RIP link_rip[k] is
	 * link[k]" while ip->link_gen is still link_gen[k]; [0] is the
	 * fall-through successor, [1] the last branch target. */
	uint64_t link_rip[2];
	uint64_t link_gen[2];
	const struct insn *link[2];
	/* Straight-line blocks (interp.c).  simple: a cached 64-bit decode
	 * that cannot fault, reads neither RIP nor memory and leaves RFLAGS
	 * to lflags.h (register-only ALU, MOV, CMOVcc, SETcc...): nothing can
	 * observe the state between it and the next instruction, so a block
	 * body of simple instructions runs with RIP, insn_rip, the
	 * instruction count and the TSC written once after it.  While
	 * ip->code_gen is still blk_gen, blk[0..blk_n) are the simple
	 * instructions from this one on (blk[0] is this one; blk_len bytes,
	 * all on this code page; blk[blk_n] is NULL) and blk_next the decode
	 * after them, or NULL when it was not cached; blk_term is blk_next
	 * when it is a jcc64 (a 64-bit Jcc rel: the block runs it too)
	 * whose target is canonical, blk_to[] the RIPs it leaves (not taken,
	 * taken), blk_zcc its condition when it tests ZF alone (JZ: 0,
	 * JNZ: 1), CF alone (JB: 4, JAE: 5), SF != OF (JL 6, JGE 7) or
	 * that or ZF (JLE 10, JG 11), else 2 or 3 (lflags.h lf_cond_z).  blk_term may also
	 * be a branch64 CALL rel32 (its target canonical) or RET (blk_zcc
	 * BLK_TERM_CALL/RET): the block pushes or pops through the
	 * host-pointer TLB's hit path like a body handler, and a miss ends
	 * the block before it.  blk_to[0] is the RIP after blk_term, for a
	 * CALL the return address, blk_to[1] a CALL's target.  It needs no
	 * link_gen: h is reached only through interp_decode() or valid
	 * links, so the fetch state maps h's page to h's guest-physical
	 * page; while no decode-cache slot changed the decodes after h on
	 * that page are still blk[], blk_next, and while that page was
	 * fetched through no other linear page h runs at the RIP it was
	 * built for (blk_to[] are RIPs; block.c).
	 * A body runs each instruction's body handler: exec, or for the
	 * memory forms (mem_body, exec_body.c) one that only takes the
	 * host-pointer TLB's hit path and sets ip->blk_miss instead of
	 * missing; the body then ends before that instruction, which runs
	 * on the general path.  blk_mem: the body holds a mem_body. */
	bool simple;
	bool mem_body;
	bool blk_mem;
	insn_exec_fn body;
	bool jcc64;
	uint8_t branch64;   /* BR64_CALL/BR64_RET: exec_branch_form's forms */
	uint8_t blk_n;
	uint8_t blk_len;
	uint64_t blk_gen;
	const struct insn *blk_next;
	const struct insn *blk_term;
	uint64_t blk_to[2];
	uint8_t blk_zcc;
	const struct insn *blk[INSN_BLK_MAX + 1];
	struct insn_opd opd[4];
};

/*
 * One cached translation (tlb.c).  Large pages are cached as 4 KiB pieces
 * that remember their page size, so INVLPG drops the whole page.  The tag
 * is the one of SDM 29.4.1: VPID, PCID and, for combined mappings (EPT on),
 * the EP4TA.
 */
struct tlb_entry {
	uint64_t vpn_tag;     /* linear page address | 1 (valid); 0 = empty */
	uint64_t ctx;         /* TLB_CTX_COMBINED | EP4TA | PCID */
	uint64_t ppn;         /* guest-physical page number */
	uint16_t vpid;
	uint8_t perms;        /* TLB_W | TLB_U | TLB_X | TLB_DIRTY | TLB_OK_* */
	uint8_t global;       /* G=1 leaf with CR4.PGE=1 (SDM 4.10.2.4) */
	uint8_t shift;        /* log2 of the page size: 12, 21, 22 or 30 */
	bool reported;        /* --vmx-check reported it stale already */
	uint32_t epoch;       /* tlb.epoch when it was filled */
	uint64_t gppn;        /* guest-physical page before EPT (--vmx-check) */
	/* tlb.root_ctxid (non-root: nonroot_ctxid) and guest_mem's pt_writes
	 * when it was filled (TLB_PTW_NEVER: never kept across a VM entry
	 * or exit with VPIDs off, e.g. its walk read a page that is no RAM). */
	uint64_t ctxid;
	uint64_t ptw;
};
#define TLB_PTW_NEVER UINT64_MAX
#define TLB_W     (1u << 0)
#define TLB_U     (1u << 1)
#define TLB_NX    (1u << 2)
#define TLB_DIRTY (1u << 3)
#define TLB_SETS  256
#define TLB_WAYS  4
#define TLB_BIG   64
#define TLB_CTX_COMBINED (1ull << 63)
/* Made in VMX non-root operation: with VPIDs off L1's and L2's
 * translations are both VPID 0000H (tlb.c, tlb_transition). */
#define TLB_CTX_NONROOT  (1ull << 62)
#define TLB_CTX_PCID     0xfffull
#define TLB_CTX_EP4TA    0x000ffffffffff000ull

/* What a root-operation page walk depends on besides the paging
 * structures in memory: entries made under another one are not kept
 * across a VM entry and exit. */
struct tlb_walk_ctx {
	uint64_t cr0, cr3, cr4, efer;
	uint64_t pdpte[4];    /* PAE without long mode: the PDPTE registers */
	bool pdpte_valid;
	uint64_t xlate[4];    /* non-root: struct tlb_context xlate_key */
};

/* Replacement: an empty way, else round-robin per set (deterministic:
 * nothing depends on host addresses or time). */
struct tlb {
	struct tlb_entry e[TLB_SETS][TLB_WAYS];
	uint8_t victim[TLB_SETS];
	/* Sets that may hold a translation: a drop visits only these, so
	 * the full VPID-0 drop of every VM entry and exit with VPIDs off
	 * costs what is cached, not the size of the TLB. */
	uint64_t used[TLB_SETS / 64];
	bool flush_always;    /* --tlb=flush-always */
	bool check;           /* --vmx-check: verify entries from older epochs */
	bool probing;         /* a --vmx-check walk: no side effects */
	bool probe_failed;    /* ... and EPT did not map an address */
	uint32_t epoch;       /* state switches (VM entries/exits) so far */
	bool ctx_valid;       /* vpid/ctx below match the current state */
	uint16_t vpid;
	uint64_t ctx;         /* TLB_CTX_COMBINED | EP4TA (PCID added per use) */
	uint64_t hits, misses;
	/* The walk context of the last root-operation fill and its number
	 * (a new number for each change): tlb_entry.ctxid. */
	struct tlb_walk_ctx root_wctx;
	uint64_t root_ctxid;
	/* Sets that may hold an L2 translation of VPID 0000H. */
	uint64_t nonroot_used[TLB_SETS / 64];
	/* Unless root_ctxid or guest_mem's pt_writes moved on from these,
	 * every root-operation translation is stamped with them (set when
	 * a VM exit judged them all, tlb_transition). */
	uint64_t exact_ctxid, exact_ptw;
	/* Non-root: the tag's xlate_key/xlate_keep (tlb_load_ctx), and the
	 * walk context of the last L2 fill and its number, as for root. */
	uint64_t xlate_key[4];
	bool xlate_keep;
	struct tlb_walk_ctx nonroot_wctx;
	uint64_t nonroot_ctxid;
	/* Root-operation translations of large pages (2 MiB, 4 MiB, 1 GiB)
	 * by linear address bits 21 and up, as a large-page TLB entry serves
	 * its whole page: a miss in e[] for another 4 KiB of such a page
	 * makes that piece from here without a walk (tlb.c, big_piece).
	 * Every drop and every VM entry or exit empties it; big_n counts
	 * the valid ones. */
	struct tlb_entry big[TLB_BIG];
	unsigned big_n;
	/* L1's host-pointer TLB across a round trip to L2 with VPIDs off
	 * (tlb.c, htlb_back): the htlb generation and root_ctxid at L1's
	 * VMLAUNCH/VMRESUME, and how far the round trip got (enum
	 * tlb_note). */
	uint64_t note_ctxid, note_gen, note_wraps;
	uint8_t note;
};
enum tlb_note { TLB_NOTE_NONE, TLB_NOTE_TAKEN, TLB_NOTE_ENTERED,
		TLB_NOTE_ARMED };

/*
 * Host-pointer TLB for data accesses (mem.c, htlb.h): direct-mapped,
 * "linear page lin, read (or written) with privilege key k, is RAM at
 * guest-physical page gpa".  Filled only from a translation struct tlb
 * holds with the access already allowed and A/D already set, so it is a
 * subset of that TLB: every drop there bumps gen, which empties this one
 * (the tag carries gen).  Never MMIO: only pages gmem_ptr() maps.
 */
#define HTLB_SIZE 256
#define HTLB_GEN_MAX 512          /* gen lives in tag bits 3..11 */
struct htlb_entry {
	uint64_t tag;             /* lin page | gen << 3 | key; 0 = empty */
	uint64_t gpa;             /* guest-physical page */
};
struct htlb {
	struct htlb_entry r[HTLB_SIZE], w[HTLB_SIZE];
	uint64_t gen;
	/* The last generation handed out, and how often they wrapped: a VM
	 * exit may make an older one current again (tlb.c, htlb_back), so
	 * a new one is always above every one in use. */
	uint64_t top, wraps;
	bool off;                 /* --vmx-check: every hit must be checked */
};

struct decode_cache;

/*
 * Lazy arithmetic flags (lflags.h): while kind != LF_NONE, CF PF AF ZF SF
 * and OF in s.rflags are stale and follow from the last flag-setting ALU
 * instruction's operands a, b, its result r and its operand size.  Only
 * the core's lazy-aware handlers (exec_entry.lazy) run in that state;
 * everything else sees s.rflags made exact first (interp_flags_sync).
 */
enum { LF_NONE = 0, LF_ADD, LF_SUB, LF_LOGIC, LF_INC, LF_DEC };
struct lazy_flags {
	uint64_t a, b, r;         /* r masked to bits */
	uint8_t kind;             /* LF_*; LF_INC/LF_DEC: CF in s.rflags is exact */
	uint8_t bits;             /* 8, 16, 32 or 64 */
};

struct interp {
	struct engine base;
	struct engine_config cfg;
	struct cpu_state s;
	struct lazy_flags lf;

	ZydisDecoder dec16, dec32, dec64;
	struct decode_cache *dcache;
	struct tlb tlb;
	struct htlb htlb;

	struct x86_intercept_ctx icpt;

	atomic_bool stop;
	uint64_t max_insns;

	/* Per-instruction bookkeeping of the run loop. */
	jmp_buf fault_jmp;
	bool in_insn;               /* a fault longjmps only when set */
	uint64_t insn_rip;          /* RIP of the instruction being executed */
	uint32_t shadow_next;       /* interrupt shadow set by this insn */
	enum engine_exit_reason exit_reason;  /* set to leave run() */
	char exit_msg[160];
	uint64_t wake_at;           /* ENGINE_EXIT_HLT under cfg.smp (engine.h) */
	unsigned fault_depth;       /* for #DF / triple fault (except.c) */
	/* DR6 bits (BS, BD) of the #DB being raised.  They reach DR6 only
	 * when the #DB is delivered through the IDT: a #DB that causes a VM
	 * exit leaves DR6 (and DR7.GD) alone and reports them in the exit
	 * qualification instead (SDM 27.1, 28.2.1). */
	uint64_t db_dr6;

	/*
	 * Core additions (run loop contract, see interp.c):
	 *  - While an instruction executes, s.rip already holds the address of
	 *    the NEXT instruction (insn_rip + len); insn_rip is the
	 *    instruction's own RIP.  Branches just write s.rip.  System-side
	 *    handlers must not advance RIP themselves.  On a fault the loop
	 *    puts s.rip back to insn_rip before interp_deliver_pending().
	 *  - If an intercept switched the whole state (VM exit/entry,
	 *    ICPT_SWITCHED), set state_switched (the ctx.state_changed
	 *    callback does it): the loop then leaves RIP, shadows and TF alone.
	 *    This also holds for a longjmp out of an access (EPT violation
	 *    exit) with no pending exception.
	 *  - The core caches the linear->physical translation of the current
	 *    code page; it drops it after every system instruction, event
	 *    delivery, set_state and switch.  tlb_flush()/tlb_flush_page()
	 *    may also clear fetch_valid.
	 *  - mem_fetch()'s and mmu_translate()'s gpa are final guest_mem
	 *    addresses (after EPT); the decode cache is keyed by them.
	 *  - TSC: s.tsc advances by exactly 1 per retired instruction.
	 *  - The loop runs batches of instructions without per-instruction
	 *    checks while TF, shadows and boundary hooks are off; every system
	 *    instruction ends the batch (the core sets batch_break after
	 *    interp_exec_system()).  interp_check_interrupts() is called at
	 *    least every 1024 instructions (absolute multiples) and after each
	 *    system instruction, so a newly pending interrupt is seen there.
	 */
	bool state_switched;
	bool batch_break;           /* end the run loop's fast batch after this insn */
	bool blk_miss;              /* a body handler missed (struct insn.body) */
	uint64_t blk_key;           /* htlb_key() while a body with memory forms runs */
	/* blk_key is htlb_key() (block.h block_key): cleared at the start
	 * of a batch, after each instruction of its general path and by
	 * htlb_flush(), the only places where CPL, RFLAGS.AC, CR0.AM or
	 * the host-pointer TLB's generation change while a batch runs. */
	bool blk_key_ok;
	bool fetch_valid;
	/* Bumped whenever what interp_decode() returns for a RIP may change:
	 * the code-page translation is dropped or replaced, or a decode-cache
	 * slot is filled or invalidated.  Validates struct insn's links. */
	uint64_t link_gen;
	/* Bumped whenever a decode-cache slot is filled or emptied, or a
	 * code page is fetched through another linear page than the last
	 * time (fetch_alias, decode.c fetch_set), not by other fetch-state
	 * changes: validates blocks (struct insn blk_gen). */
	uint64_t code_gen;
	uint64_t limit;             /* max_insns, UINT64_MAX when 0 */
	uint8_t fetch_mode;         /* code size (16/32/64) while fetch_valid */
	uint64_t fetch_lin_page;    /* linear address >> 12 */
	uint64_t fetch_gpa_page;    /* guest-physical address of that page */
	bool has_lahf64;            /* CPUID.80000001H:ECX[0] */
	bool has_cx16;              /* CPUID.01H:ECX[13] */
	bool has_popcnt;            /* CPUID.01H:ECX[23] */
	bool has_lzcnt;             /* CPUID.80000001H:ECX[5] */
	bool has_bmi1;              /* CPUID.(7,0):EBX[3] (TZCNT) */
	uint8_t simd_feat;          /* SIMD_FEAT_* advertised (MMX..SSE4.2) */
	/* The linear page each guest-physical code page was last fetched
	 * through, by gpa_page % FETCH_ALIAS_SIZE (decode.c fetch_set). */
	struct fetch_alias {
		uint64_t gpa_page, lin_page;
	} fetch_alias[FETCH_ALIAS_SIZE];
	struct insn scratch;        /* uncacheable decodes (decode.c) */
	uint64_t decode_misses;     /* Zydis decodes of the run loop (tests) */

	/* System side (except.c, mmu.c): CR2 of a #PF raised but not yet
	 * delivered (CR2 is written only when the #PF is delivered, so a VM
	 * exit on #PF leaves it untouched, SDM 27.1). */
	uint64_t fault_cr2;
	bool fault_cr2_valid;
	/* mmu_translate()'s last translation came from (or went into) the
	 * TLB: the host-pointer TLB may cache it (htlb.h). */
	bool xlate_tlb;
	/* With xlate_tlb: a data write to the same page would hit that TLB
	 * entry and need nothing more (dirty already set, write allowed for
	 * the current privilege key), so a read may fill the host-pointer
	 * TLB's write side too (mmu_translate, page_read). */
	bool xlate_writable;
	/* Size of the linear data access being translated (mem.c sets it
	 * around mmu_translate; 0: unknown) and whether the VMX layer asked
	 * not to cache the last translation (intercept.h access_size,
	 * no_tlb: the APIC-access page). */
	unsigned acc_size;
	bool xlate_no_tlb;

	/* Debugger (debug.c, engine.h set_debug): while dbg_active the run
	 * loop goes instruction by instruction through its breakpoint
	 * check; dbg_hit is what made run() return ENGINE_EXIT_DEBUG. */
	bool dbg_active;
	bool dbg_hit_valid;
	struct engine_debug dbg;
	uint64_t dbg_skip_count, dbg_skip_rip;
	struct engine_debug_hit dbg_hit;
};

static inline struct interp *to_interp(struct engine *e)
{
	return (struct interp *)e;
}

/* Make s.rflags exact (lflags.c).  Called before anything outside the
 * lazy-aware handlers looks at or replaces RFLAGS: other handlers, the
 * VMX hooks (interp_icpt_init), fault delivery, get_state, set_state. */
void interp_flags_materialise(struct interp *ip);
static inline void interp_flags_sync(struct interp *ip)
{
	if (ip->lf.kind != LF_NONE)
		interp_flags_materialise(ip);
}

/* Forget the cached code-page translation (and the run loop's links). */
static inline void interp_fetch_drop(struct interp *ip)
{
	ip->fetch_valid = false;
	ip->link_gen++;
}

/* ---- debugger (debug.c) ---- */
void interp_set_debug(struct engine *e, const struct engine_debug *d);
/* A breakpoint at the next instruction (records dbg_hit). */
bool interp_break_here(struct interp *ip);
void interp_watch_check(struct interp *ip, uint64_t lin, uint64_t gpa,
			unsigned len, unsigned acc);
/* Every data access that misses the host-pointer TLB. */
static inline void interp_watch(struct interp *ip, uint64_t lin, uint64_t gpa,
				unsigned len, unsigned acc)
{
	if (__builtin_expect(ip->dbg.n_wp != 0, 0))
		interp_watch_check(ip, lin, gpa, len, acc);
}

/* ---------------- core side (interp.c, decode.c, operand.c, exec_*.c) ---- */

/* Decode the instruction at the current CS:RIP (uses the cache). Faults. */
const struct insn *interp_decode(struct interp *ip);
/* Drop cached decodes for [gpa, gpa+len). */
void interp_dcache_invalidate(struct interp *ip, uint64_t gpa, uint64_t len);
void interp_dcache_flush(struct interp *ip);

/* Operand access for operand n of the current instruction (any kind). */
uint64_t op_read(struct interp *ip, const struct insn *in, unsigned n);
void op_write(struct interp *ip, const struct insn *in, unsigned n, uint64_t v);
/* Effective address (offset within segment) of memory operand n; *seg gets
 * the segment register.  Does not access memory. */
uint64_t op_ea(struct interp *ip, const struct insn *in, unsigned n, unsigned *seg);
/* Fill an x86_operand (for the intercept hook) from operand n. */
void op_describe(struct interp *ip, const struct insn *in, unsigned n,
		 struct x86_operand *out);

/* GPR access with x86 width rules (32-bit writes zero-extend; 8-bit high
 * registers AH..BH when no REX). */
uint64_t reg_read(struct interp *ip, ZydisRegister r);
void reg_write(struct interp *ip, ZydisRegister r, uint64_t v);
/* ZydisRegister -> enum x86_gpr (for 64/32/16/8-bit names), -1 if not a GPR. */
int reg_to_gpr(ZydisRegister r);

/* Stack helpers honouring SS.B / 64-bit mode stack width. Fault. */
void interp_push(struct interp *ip, uint64_t v, unsigned bytes);
uint64_t interp_pop(struct interp *ip, unsigned bytes);

/* Address-size mask for the current code segment mode (0xffff, 0xffffffff, ~0). */
uint64_t interp_addr_mask(const struct interp *ip, unsigned addr_bits);

/*
 * Bounded REP string instructions (exec_string.c, sys_io.c).  A REP whose
 * count register reaches a non-zero multiple of INTERP_REP_CHUNK after an
 * iteration stops there with RIP at the instruction (registers updated per
 * iteration, as the SDM's REP description allows for interrupts between
 * iterations); that part counts as one instruction and one TSC tick, so
 * --max-insns, the monitor, interrupts and VMX boundary events get their
 * turn and time advances.  The cut points depend only on the count, so the
 * totals do not depend on where a run was stopped, faulted or restored.
 */
#define INTERP_REP_CHUNK 4096u
/* After an iteration that left count (masked) in the count register:
 * true when the instruction must stop here and resume later. */
bool interp_rep_cut(struct interp *ip, uint64_t count);
/* The instruction did nothing visible and must run again later (a device
 * asked for the access to be retried): RIP back to it, not retired. */
void interp_insn_retry(struct interp *ip);

/* ---------------- system side (mmu.c, mem.c, except.c, sys_*.c, seg.c) --- */

/* Linear memory access with segmentation checks (limit/rights in legacy
 * modes, canonical checks in 64-bit mode) and paging.  Fault on failure. */
void mem_read(struct interp *ip, unsigned seg, uint64_t off, void *buf, unsigned len);
void mem_write(struct interp *ip, unsigned seg, uint64_t off, const void *buf, unsigned len);
uint64_t mem_read_u(struct interp *ip, unsigned seg, uint64_t off, unsigned len);
void mem_write_u(struct interp *ip, unsigned seg, uint64_t off, uint64_t v, unsigned len);
/* Their paths after a host-pointer TLB miss (htlb.h), for a linear
 * address that passed the segment checks: #AC check, paging, RAM/MMIO. */
uint64_t mem_read_lin_slow(struct interp *ip, uint64_t lin, unsigned len);
void mem_write_lin_slow(struct interp *ip, uint64_t lin, uint64_t v, unsigned len);
/* Instruction fetch of up to 15 bytes at CS:RIP; returns bytes available
 * (stops early at an unmapped page only if at least 1 byte was read). */
unsigned mem_fetch(struct interp *ip, uint64_t rip, uint8_t *buf, unsigned len,
		   uint64_t *gpa_out);

/* Linear -> guest-physical translation (paging + EPT hook).  Faults with
 * #PF (or a VM exit) unless probe is true, in which case it returns false. */
bool mmu_translate(struct interp *ip, uint64_t lin, unsigned access, bool probe,
		   uint64_t *gpa);
/* Physical access with bounds check (out of RAM: reads all-ones / MMIO bus,
 * writes ignored / MMIO bus). */
void phys_read(struct interp *ip, uint64_t gpa, void *buf, unsigned len);
void phys_write(struct interp *ip, uint64_t gpa, const void *buf, unsigned len);
/* The TLB (tlb.c).  tlb_flush drops everything (set_state, INIT);
 * tlb_flush_page is INVLPG, tlb_flush_cr3 a MOV to CR3 loading pcid,
 * tlb_flush_vpid what a paging-mode change drops (the current VPID's
 * mappings, all PCIDs and EP4TAs; SDM 4.10.4.1, 29.4.3.1). */
void tlb_flush(struct interp *ip);
void tlb_flush_page(struct interp *ip, uint64_t lin);
void tlb_flush_cr3(struct interp *ip, uint16_t pcid);
void tlb_flush_vpid(struct interp *ip);
/* MOV to CR3 that keeps the new PCID's translations (CR3[63] = 1). */
void tlb_pcid_switched(struct interp *ip);
void tlb_invalidate(struct interp *ip, const struct tlb_inval *iv);
/* Note e's walk context and guest_mem's pt_writes (tlb_entry.ctxid, ptw)
 * once it is filled; ram_walk: every paging-structure page the walk read
 * is RAM; merged: the entry it took permissions from, if any. */
void tlb_stamp(struct interp *ip, struct tlb_entry *e, bool ram_walk,
	       const struct tlb_entry *merged);
/* INVPCID of type 0-3 (sys_invpcid.c) for the current VPID. */
void tlb_invpcid(struct interp *ip, unsigned type, uint16_t pcid,
		 uint64_t lin);
/* The VMX layer replaced the state: forget the tag (and, flush-always,
 * every translation). */
void tlb_state_switched(struct interp *ip);
/* L1 executes VMLAUNCH or VMRESUME: note what its host-pointer TLB may
 * need to come back after the round trip (tlb.c, htlb_back). */
void tlb_note_vm_entry(struct interp *ip);
void tlb_load_ctx(struct interp *ip);
struct tlb_entry *tlb_lookup(struct interp *ip, uint64_t lin);
void tlb_big_fill(struct interp *ip, uint64_t lin, const struct tlb_entry *t);
struct tlb_entry *tlb_slot(struct interp *ip, uint64_t lin, uint64_t ctx,
			   bool global);
static inline uint16_t tlb_cur_pcid(const struct interp *ip)
{
	/* SDM 4.10.1: the current PCID is CR3[11:0] with CR4.PCIDE = 1. */
	return (ip->s.cr4 & CR4_PCIDE) ? (uint16_t)(ip->s.cr3 & 0xfff) : 0;
}

/* Raise an exception from inside an instruction: never returns. */
_Noreturn void interp_raise(struct interp *ip, uint8_t vector);
_Noreturn void interp_raise_err(struct interp *ip, uint8_t vector, uint32_t err);
_Noreturn void interp_raise_pf(struct interp *ip, uint64_t cr2, uint32_t err);
/* Deliver s.pending_exception (or an external interrupt/NMI) through the
 * IDT/IVT; handles #DF and triple fault (sets exit_reason = SHUTDOWN). */
void interp_deliver_pending(struct interp *ip);
void interp_deliver_event(struct interp *ip, uint8_t type, uint8_t vector,
			  bool has_err, uint32_t err, uint32_t insn_len);
/* At an instruction boundary (after the core ran the hook's boundary()):
 * an injected event (s.injected, e.g. VM-entry event injection) or
 * s.pending_exception, then NMI / external interrupt if not blocked.
 * Returns true if it delivered something.  Wakes the vCPU from HLT. */
bool interp_check_interrupts(struct interp *ip);
/* INTR: the vector the interrupt controller presents, or -1. */
static inline int interp_intr_pending(struct interp *ip)
{
	const struct cpu_intc *c = &ip->cfg.intc;

	return c->ops ? c->ops->pending(c->opaque) : -1;
}
/* MONITOR/MWAIT (sys_misc.c; the state is in cpu_state): the armed line
 * differs from its contents at MONITOR (or is no longer RAM); and whether
 * an MWAIT wait ends for a reason the run loop's other checks do not
 * cover: the line written, or a masked interrupt with ECX[0]. */
bool interp_monitor_written(struct interp *ip);
bool interp_mwait_ended(struct interp *ip);
/* A latched INIT at a boundary: true when it was taken (INIT state or VM
 * exit), false while it is blocked (VMX root operation). */
bool interp_take_init(struct interp *ip);
/* A start-up IPI: a vCPU in wait-for-SIPI starts at vector * 4 KiB. */
void interp_take_sipi(struct interp *ip, uint8_t vector);

/* System instruction dispatch: returns false if the mnemonic is not a
 * system-side instruction (the core then raises #UD).
 * The core calls it for every instruction it does not implement itself, and
 * for these that share a mnemonic with core instructions: JMP/CALL/RET with
 * ZYDIS_BRANCH_TYPE_FAR, MOV to/from CRn/DRn.  While it runs s.rip already
 * holds the next RIP; handlers may write s.rip (branch target, or the same
 * next RIP).  It sets ip->shadow_next for STI, and ip->state_switched when
 * the intercept hook replaced the state.
 * Faults: longjmp(ip->fault_jmp) with s.pending_exception valid, or with
 * ip->state_switched set and no pending exception when an EPT hook or the
 * VMX layer switched the whole state mid-instruction (VM exit). */
bool interp_exec_system(struct interp *ip, const struct insn *in);
/* Whether the system side has a handler for in (tools and tests). */
bool interp_sys_known(const struct insn *in);
/*
 * Whether the interpreter executes the instruction in bytes[0..len) for
 * code size mode (16/32/64) with its CPU model's features, rather than
 * raising #UD for want of an implementation.  For the instruction
 * coverage tool (tests/coverage); false also for undecodable bytes.
 */
bool interp_executes(struct interp *ip, const uint8_t *bytes, unsigned len,
		     unsigned mode);

/* Load a segment register by selector (protected-mode checks), fault. */
void seg_load(struct interp *ip, unsigned seg, uint16_t sel);
/* Recompute cached mode info after CR0/CR4/EFER/CS changes. */
void interp_mode_changed(struct interp *ip);

/* FPU/SIMD availability checks (fpu_gate.c): raise #UD or #NM from CR0.EM,
 * TS, MP and CR4.OSFXSR/OSXSAVE as the instruction class requires. */
void interp_fpu_gate_x87(struct interp *ip);
void interp_fpu_gate_wait(struct interp *ip);
void interp_fpu_gate_mmx(struct interp *ip);
void interp_fpu_gate_sse(struct interp *ip);
void interp_fpu_gate_fxsave(struct interp *ip);
void interp_fpu_gate_xsave(struct interp *ip);

/* Fill ip->icpt, the context lent to the VMX hook (sys_icpt.c). */
void interp_icpt_init(struct interp *ip);
/* Intercept plumbing: returns the hook's verdict (ICPT_CONTINUE if none). */
enum icpt_result interp_intercept(struct interp *ip, struct x86_intercept *ic);

/* Virtual time: the TSC without what the guest added by writing it. */
static inline uint64_t interp_vtime(const struct interp *ip)
{
	return ip->s.tsc - ip->s.msr.tsc_adjust;
}

/* Move this vCPU's virtual time (its TSC) forward to t if it is behind:
 * SMP idling (idle_until) and TSC reads catching up with the others. */
static inline void interp_time_catch_up(struct interp *ip, uint64_t t)
{
	uint64_t now = interp_vtime(ip);

	if (now < t)
		ip->s.tsc += t - now;
}

#endif
