/* SPDX-License-Identifier: MIT */
/*
 * The one hook between an engine and the VMX layer.
 *
 * The engine calls ops->intercept() for every instruction or event that a VMX
 * control can intercept, *after* the instruction's own higher-priority fault
 * checks (#UD, CPL-based #GP, I/O-permission #GP; SDM 26.1.1) and *before* it
 * has any architectural effect.  The VMX layer decides, in root and non-root
 * operation alike:
 *   ICPT_CONTINUE  - not intercepted: the engine executes it normally;
 *   ICPT_EMULATED  - the hook performed the instruction's effect on the
 *                    state (e.g. a VMX instruction in root operation, RDMSR
 *                    of a VMX capability MSR); the engine finishes it as any
 *                    completed instruction (RIP += insn_len, shadows, count);
 *   ICPT_SWITCHED  - the hook replaced the whole vCPU state (VM exit or VM
 *                    entry); the engine must not touch RIP, must drop cached
 *                    translations/modes, and goes on with the new state;
 *   ICPT_FAULT     - the hook set cpu->pending_exception; the engine delivers
 *                    it as a fault of this instruction.
 * After ICPT_SWITCHED with cpu->activity == ACTIVITY_SHUTDOWN (VMX abort,
 * SDM 28.7) the engine stops as for a triple fault.
 * On ICPT_CONTINUE for MOV to CR0/CR4 and LMSW the engine must use
 * ic->u.cr.value / ic->u.lmsw.source as returned: in VMX non-root operation
 * the hook keeps host-owned bits (CR0/CR4 guest/host masks, SDM 26.3) by
 * rewriting them.  cpu->injected must be cleared once an event's delivery
 * completes (a VM exit reports a still-valid one as IDT-vectoring info).
 * For ICPT_INIT (cpu->init_pending at an instruction boundary) the verdicts
 * mean: ICPT_CONTINUE - not in VMX operation: the engine performs the INIT
 * (cpu_state_init_signal); ICPT_EMULATED - blocked (VMX root operation,
 * SDM 24.8): it stays pending; ICPT_SWITCHED - VM exit (SDM 26.2).
 * With no VMX layer (ops == NULL) VMX opcodes raise #UD.
 */
#ifndef VMXBOX_ENGINE_INTERCEPT_H
#define VMXBOX_ENGINE_INTERCEPT_H

#include <stdbool.h>
#include <stdint.h>

#include "core/cpu_intc.h"
#include "core/cpu_state.h"
#include "core/vclock.h"
#include "memory/guest_mem.h"

enum icpt_kind {
	ICPT_CPUID,
	ICPT_HLT,
	ICPT_INVD,
	ICPT_WBINVD,
	ICPT_INVLPG,
	ICPT_INVPCID,     /* operands in u.vmx (op = descriptor, reg2 = type) */
	ICPT_RDPMC,
	ICPT_RDTSC,
	ICPT_RDTSCP,
	ICPT_RDMSR,
	ICPT_WRMSR,
	ICPT_MOV_CR,      /* MOV to/from CR0/3/4/8 */
	ICPT_CLTS,
	ICPT_LMSW,
	ICPT_MOV_DR,
	ICPT_IO,          /* IN/OUT/INS/OUTS */
	ICPT_PAUSE,
	ICPT_MONITOR,
	ICPT_MWAIT,
	ICPT_XSETBV,
	ICPT_DESC_TABLE,  /* LGDT/LIDT/SGDT/SIDT/LLDT/LTR/SLDT/STR */
	ICPT_RDRAND,
	ICPT_RDSEED,
	ICPT_GETSEC,
	ICPT_VMX_INSN,    /* VMCALL..VMFUNC, INVEPT, INVVPID */
	ICPT_EXCEPTION,   /* about to deliver an exception, NMI or external
			   * interrupt via the IDT (not INT n, not injected) */
	ICPT_TRIPLE_FAULT,
	ICPT_TASK_SWITCH, /* u.task: CALL/JMP/IRET/IDT task gate (checks passed) */
	ICPT_IRET,        /* every IRET, before it executes (u.iret) */
	ICPT_INIT,        /* an INIT signal is pending at a boundary (see below) */
	ICPT_RDPID,       /* RDPID (no exit; #UD without "enable RDTSCP") */
	ICPT_SIPI,        /* a SIPI for a vCPU in wait-for-SIPI (u.sipi) */
	ICPT_XSAVES,      /* XSAVES/XRSTORS after their #UD/#NM/#GP checks (u.xss) */
	ICPT_KIND_COUNT
};

enum icpt_result {
	ICPT_CONTINUE,
	ICPT_EMULATED,
	ICPT_SWITCHED,
	ICPT_FAULT,
};

enum vmx_insn_id {
	VMXI_VMCALL, VMXI_VMCLEAR, VMXI_VMLAUNCH, VMXI_VMPTRLD, VMXI_VMPTRST,
	VMXI_VMREAD, VMXI_VMRESUME, VMXI_VMWRITE, VMXI_VMXOFF, VMXI_VMXON,
	VMXI_INVEPT, VMXI_INVVPID, VMXI_VMFUNC,
};

enum desc_insn_id {
	DESC_SGDT, DESC_SIDT, DESC_LGDT, DESC_LIDT,   /* SDM Table 28-10 order */
	DESC_SLDT, DESC_STR, DESC_LLDT, DESC_LTR,     /* SDM Table 28-11 order */
};

/*
 * A decoded ModRM operand, as the engine saw it.  The VMX core builds the
 * VM-exit instruction-information field (SDM 28.2.5) and the displacement
 * qualification from it, and reads/writes memory operands through the
 * context's read_lin/write_lin (so paging and faults stay in the engine).
 */
/* Source of a task switch (SDM Table 28-2, exit qualification 31:30). */
enum task_switch_source {
	TASK_SRC_CALL = 0, TASK_SRC_IRET = 1, TASK_SRC_JMP = 2,
	TASK_SRC_IDT_GATE = 3,
};

struct x86_operand {
	bool is_mem;
	uint8_t reg;          /* register operand (when !is_mem), GPR index */
	uint8_t seg;          /* enum x86_seg of a memory operand */
	int8_t base;          /* GPR index or -1 */
	int8_t index;         /* GPR index or -1 */
	uint8_t scale_log2;   /* 0..3 */
	uint8_t addr_size;    /* 16, 32 or 64 */
	int64_t disp;         /* sign-extended displacement */
	uint64_t ea;          /* effective address (offset in seg) */
};

struct x86_intercept {
	enum icpt_kind kind;
	uint64_t rip;          /* of the instruction */
	uint32_t insn_len;
	uint8_t op_size;       /* operand size in bits: 16/32/64 */
	union {
		struct { uint32_t leaf, subleaf; } cpuid;
		/* RDMSR: the hook may set value and return ICPT_EMULATED;
		 * WRMSR: value is EDX:EAX. */
		struct { uint32_t index; uint64_t value; } msr;
		/* MOV CR: write=true is MOV to CR (value = new value). */
		struct { uint8_t cr; bool write; uint8_t gpr; uint64_t value; } cr;
		struct { uint16_t source; struct x86_operand op; } lmsw;
		struct { uint8_t dr; bool write; uint8_t gpr; } dr;
		struct {
			uint16_t port;
			uint8_t size;       /* 1, 2, 4 */
			bool in;
			bool string;
			bool rep;
			bool imm;           /* port given as immediate */
			uint8_t addr_size;  /* of INS/OUTS */
			uint8_t seg;        /* of OUTS source */
			uint64_t linear;    /* of INS/OUTS memory operand */
		} io;
		struct { uint64_t linear; struct x86_operand op; } invlpg;
		struct { uint64_t linear; } monitor;
		struct { bool armed; } mwait;   /* monitoring hardware armed */
		struct {
			enum desc_insn_id which;
			struct x86_operand op;
		} desc;
		struct {
			enum vmx_insn_id which;
			struct x86_operand op;  /* the r/m operand */
			uint8_t reg2;           /* ModRM.reg operand (VMREAD/VMWRITE/INVEPT/INVVPID) */
		} vmx;
		struct {
			uint8_t vector;
			uint8_t type;           /* enum x86_event_type */
			bool has_error_code;
			uint32_t error_code;
			uint64_t qualification; /* CR2 for #PF, DR6 bits for #DB */
		} exc;
		/* RDRAND/RDSEED: destination GPR (instruction information,
		 * SDM Table 28-14). */
		struct { uint8_t gpr; } rand;
		/*
		 * Task switch attempt, offered after the checks that come
		 * before it (SDM 26.4.2 steps 1-4): sel = selector of the new
		 * TSS (for a task gate, the gate's TSS selector; for IRET, the
		 * back link of the current TSS), source as in the VM-exit
		 * qualification (SDM Table 28-2).  For a task gate in the IDT
		 * cpu->injected describes the event being delivered.  On
		 * ICPT_CONTINUE the engine carries out the task switch
		 * itself (SDM 8.3; the interpreter's task.c).
		 */
		struct { uint16_t sel; uint8_t source; } task;
		/*
		 * IRET: in, unblock_nmi = true (IRET removes blocking by NMI,
		 * SDM 6.7.1, even when it faults).  The hook clears it when
		 * IRET must leave NMI blocking alone (VMX non-root operation
		 * with NMI exiting, SDM 26.3).  The engine removes the
		 * blocking before anything can fault.
		 */
		struct { bool unblock_nmi; } iret;
		/* SIPI: its vector.  ICPT_CONTINUE: the engine starts the
		 * vCPU at vector << 12; ICPT_SWITCHED: a VM exit (an L2 in
		 * wait-for-SIPI, SDM 26.2). */
		struct { uint8_t vector; } sipi;
		/* XSAVES (restore = false) or XRSTORS: the requested-feature
		 * mask EDX:EAX and the memory operand (SDM 26.3, 28.2.5). */
		struct {
			bool restore;
			uint64_t mask;
			struct x86_operand op;
		} xss;
	} u;
};

/*
 * Tagged translations (SDM 29.4.1): the engine caches linear mappings (EPT
 * off) and combined mappings (EPT on) tagged with the VPID, the PCID and,
 * for combined mappings, the EP4TA (EPTP bits 51:12).  The VMX layer says
 * which VPID/EP4TA the current state uses (ops->tlb_context) and
 * invalidates with ctx->tlb_invalidate exactly what VMX operations must
 * (SDM 29.4.3): entries and exits with VPIDs disabled, INVEPT, INVVPID.
 */
struct tlb_context {
	uint16_t vpid;     /* 0 in root operation and with VPIDs disabled */
	bool ept;          /* combined mappings, tagged with ep4ta */
	uint64_t ep4ta;    /* EPTP bits 51:12 (when ept) */
	bool nonroot;      /* VMX non-root operation (L2) */
	/* Non-root: everything translate_gpa's result depends on besides
	 * memory (controls, EPTP, APIC-access address).  With "enable VPID"
	 * = 0 an L2 translation survives a VM exit and the next entry only
	 * under equal words (tlb.c); none survives without xlate_keep (a
	 * dependency the words do not cover). */
	uint64_t xlate_key[4];
	bool xlate_keep;
};

enum tlb_inval_scope {
	TLB_INV_ALL,              /* every mapping of every tag */
	TLB_INV_VPID,             /* vpid's linear + combined, all PCIDs/EP4TAs */
	TLB_INV_VPID_ADDR,        /* vpid's mappings of linear, incl. global */
	TLB_INV_VPID_NONGLOBAL,   /* vpid's mappings except global ones */
	TLB_INV_ALL_BUT_VPID0,    /* every VPID except 0000H */
	TLB_INV_EP4TA,            /* combined mappings of ep4ta, all VPIDs */
	TLB_INV_COMBINED,         /* every combined mapping */
};

struct tlb_inval {
	enum tlb_inval_scope scope;
	uint16_t vpid;
	uint64_t ep4ta;
	uint64_t linear;
	/*
	 * TLB_INV_VPID of VPID 0000H for a VM entry (false) or VM exit
	 * (true) with "enable VPID" = 0, the state already switched: the
	 * engine may keep a root-operation translation that a page walk
	 * now would make again exactly, with no accessed/dirty flag to set
	 * (then keeping it cannot be observed), and keeps them apart from
	 * non-root ones while L2 runs.
	 */
	bool transition;
	bool to_root;
};

/*
 * --vmx-check: a cached translation of L2 that no longer matches the
 * paging structures and EPT, used after L1 ran (a VM exit and entry in
 * between): hardware may use it too, so L1 missed an invalidation.
 */
struct tlb_stale {
	uint64_t linear;
	uint16_t vpid;
	bool combined;           /* EPT was on (ep4ta valid) */
	uint64_t ep4ta;
	uint64_t cached_gpa;     /* guest-physical page it was cached with */
	uint64_t cached_hpa;     /* final address (after EPT) */
	bool now_mapped;         /* the walk now succeeds */
	uint64_t now_gpa, now_hpa;
};

/* What the engine lends the hook for one call. */
struct x86_intercept_ctx {
	struct cpu_state *cpu;
	struct guest_mem *mem;
	void *engine;
	/* Read/write through segmentation + paging as the CPU would (CPL of
	 * the current state).  0 on success; -1 when a fault was raised into
	 * cpu->pending_exception (the hook then returns ICPT_FAULT). */
	int (*read_lin)(void *engine, unsigned seg, uint64_t offset, void *buf,
			unsigned len);
	int (*write_lin)(void *engine, unsigned seg, uint64_t offset,
			 const void *buf, unsigned len);
	/* Tell the engine the state was replaced wholesale (the TLB tag of
	 * the new state is asked for again; nothing is invalidated). */
	void (*state_changed)(void *engine);
	/* Invalidate cached translations (NULL: the engine caches none
	 * across state changes). */
	void (*tlb_invalidate)(void *engine, const struct tlb_inval *iv);
	/*
	 * VM-entry event injection (SDM 27.6): deliver this event through
	 * the guest IDT now, in the state the hook just switched to, as
	 * interp_deliver_event() does (an exception or VM exit during the
	 * delivery is handled as for any event: cpu->injected describes the
	 * event being delivered, so a VM exit can record IDT-vectoring
	 * information).  Optional: when NULL, the hook leaves the event in
	 * cpu->injected (valid) and the engine must deliver it before the
	 * first instruction after ICPT_SWITCHED, then clear injected.valid.
	 */
	void (*inject_event)(void *engine, uint8_t type, uint8_t vector,
			     bool has_err, uint32_t err, uint32_t insn_len);
	/* The processor's interrupt controller (ops NULL: none): boundary()
	 * asks it whether INTR is asserted (external-interrupt exiting) and
	 * acknowledges the interrupt for "acknowledge interrupt on exit". */
	const struct cpu_intc *intc;
	/* The virtual clock (NULL: none).  The VMX-preemption timer arms a
	 * vtimer on it so a halted L2 wakes at its expiry. */
	struct vclock *clock;
	/*
	 * The TSC value at which the hook's own timer (the VMX-preemption
	 * timer) is due, UINT64_MAX when none; set with boundary_wanted.  A
	 * halted vCPU waits for it like for a clock deadline, so an L2 in
	 * HLT wakes with its preemption-timer exit (SDM 26.5.1).
	 */
	uint64_t timer_tsc;
	/* Set by the hook while it needs boundary() before every instruction
	 * (non-root with preemption timer, interrupt/NMI window, MTF, pending
	 * external interrupt exiting). */
	bool boundary_wanted;
	/*
	 * For translate_gpa of a linear data access (gla_valid, !in_walk):
	 * its size in bytes within this page, 0 when the engine does not
	 * know it (treated as too large to be virtualized).  The APIC-access
	 * page (SDM 30.4) virtualizes only accesses of at most 32 bits.
	 */
	unsigned access_size;
	/*
	 * Set by translate_gpa when the translation must not be cached
	 * (an access to the APIC-access page, redirected to the
	 * virtual-APIC page or not: the next access to the same page may
	 * be treated differently, SDM 30.4).  The engine clears it after
	 * reading it.
	 */
	bool no_tlb;
};

struct x86_intercept_ops {
	enum icpt_result (*intercept)(void *opaque, struct x86_intercept_ctx *ctx,
				      struct x86_intercept *ic);
	/*
	 * Optional shortcut for a register-form VMREAD (write false: GPR rm
	 * := field) or VMWRITE (write true: field := GPR rm), the encoding in
	 * GPR reg: when the instruction ends in VMsucceed and nothing else,
	 * the hook executes it (RFLAGS' arithmetic flags all cleared; the
	 * engine may drop its pending lazy flags) and returns true.  false:
	 * it did nothing, and the engine calls intercept() with
	 * ICPT_VMX_INSN as for any VMX instruction.  RFLAGS' arithmetic flags
	 * need not be exact when it is called; RIP is not read.
	 */
	bool (*vmrw)(void *opaque, struct x86_intercept_ctx *ctx, bool write,
		     unsigned rm, unsigned reg);
	/* At an instruction boundary, before interrupts are considered. */
	enum icpt_result (*boundary)(void *opaque, struct x86_intercept_ctx *ctx);
	/*
	 * Guest-physical -> host-guest-physical translation in non-root
	 * operation with EPT (NULL or returning ICPT_CONTINUE with *out = gpa
	 * when EPT is off).  access: bit0 read, bit1 write, bit2 fetch,
	 * bit3 the guest-linear address is a user-mode address (U/S = 1 in
	 * every paging-structure entry, or paging off; for mode-based
	 * execute control, SDM 29.3.3.2).
	 * in_walk: an access of the guest page walk to a guest
	 * paging-structure entry (treated as a write with EPT A/D flags,
	 * SDM 29.3.5); NOT for the PDPTE loads of MOV to CR0/CR3/CR4, which
	 * pass in_walk = gla_valid = false (reads, SDM 29.3.3.2).
	 * Returns ICPT_SWITCHED when the access caused a VM exit.
	 */
	enum icpt_result (*translate_gpa)(void *opaque, struct x86_intercept_ctx *ctx,
					  uint64_t gpa, unsigned access,
					  uint64_t gla, bool gla_valid,
					  bool in_walk, uint64_t *out);
	/* The TLB tag of the current state (NULL: VPID 0, no EPT).  Asked
	 * after every state switch and state_changed().  A hook with
	 * tlb_context promises that translate_gpa is the identity without
	 * side effects while nonroot is false: the engine may then skip it
	 * (interp mmu.c root_identity). */
	void (*tlb_context)(void *opaque, struct tlb_context *out);
	/* --vmx-check: translate gpa through the current EPT with no side
	 * effect (no A/D flag, no exit); false when not mapped (NULL or EPT
	 * off: identity). */
	bool (*probe_gpa)(void *opaque, struct x86_intercept_ctx *ctx,
			  uint64_t gpa, uint64_t *out);
	/* --vmx-check: report a stale translation used (struct tlb_stale). */
	void (*tlb_stale)(void *opaque, struct x86_intercept_ctx *ctx,
			  const struct tlb_stale *st);
};

#endif
