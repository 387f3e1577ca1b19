/* SPDX-License-Identifier: MIT */
/*
 * The neutral architectural state of one x86-64 vCPU.
 *
 * Every engine (interp, kvm) and the engine-independent VMX core read and
 * write this struct; snapshots serialize it.  The interpreter uses it directly
 * as its register file, so the VMX core can load guest/host state with no
 * copy (it must then call the engine's state-changed notifier so cached
 * translations are dropped).
 *
 * Segment access rights use the VMX "access-rights" format (SDM 24.4.1,
 * Table 24-2), which is also what KVM's struct kvm_segment decomposes:
 *   [3:0] type, [4] S, [6:5] DPL, [7] P, [12] AVL, [13] L, [14] D/B,
 *   [15] G, [16] unusable.
 */
#ifndef VMXBOX_CORE_CPU_STATE_H
#define VMXBOX_CORE_CPU_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum x86_gpr {
	GPR_RAX, GPR_RCX, GPR_RDX, GPR_RBX, GPR_RSP, GPR_RBP, GPR_RSI, GPR_RDI,
	GPR_R8, GPR_R9, GPR_R10, GPR_R11, GPR_R12, GPR_R13, GPR_R14, GPR_R15,
	GPR_COUNT
};

/* Hardware order (ModRM sreg encoding), then LDTR and TR. */
enum x86_seg {
	SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS, SEG_LDTR, SEG_TR,
	SEG_COUNT
};

#define SEG_AR_TYPE_MASK 0xfu
#define SEG_AR_S        (1u << 4)
#define SEG_AR_DPL_SHIFT 5
#define SEG_AR_DPL_MASK (3u << 5)
#define SEG_AR_P        (1u << 7)
#define SEG_AR_AVL      (1u << 12)
#define SEG_AR_L        (1u << 13)
#define SEG_AR_DB       (1u << 14)
#define SEG_AR_G        (1u << 15)
#define SEG_AR_UNUSABLE (1u << 16)

struct seg_reg {
	uint16_t sel;
	uint64_t base;
	uint32_t limit;  /* byte-granular, already scaled by G */
	uint32_t ar;     /* VMX access-rights format, see above */
};

struct dtable_reg {
	uint64_t base;
	uint32_t limit;
};

/* RFLAGS bits */
#define RFLAGS_CF   (1ull << 0)
#define RFLAGS_FIXED1 (1ull << 1)
#define RFLAGS_PF   (1ull << 2)
#define RFLAGS_AF   (1ull << 4)
#define RFLAGS_ZF   (1ull << 6)
#define RFLAGS_SF   (1ull << 7)
#define RFLAGS_TF   (1ull << 8)
#define RFLAGS_IF   (1ull << 9)
#define RFLAGS_DF   (1ull << 10)
#define RFLAGS_OF   (1ull << 11)
#define RFLAGS_IOPL_SHIFT 12
#define RFLAGS_IOPL (3ull << 12)
#define RFLAGS_NT   (1ull << 14)
#define RFLAGS_RF   (1ull << 16)
#define RFLAGS_VM   (1ull << 17)
#define RFLAGS_AC   (1ull << 18)
#define RFLAGS_VIF  (1ull << 19)
#define RFLAGS_VIP  (1ull << 20)
#define RFLAGS_ID   (1ull << 21)

/* Control register bits */
#define CR0_PE (1ull << 0)
#define CR0_MP (1ull << 1)
#define CR0_EM (1ull << 2)
#define CR0_TS (1ull << 3)
#define CR0_ET (1ull << 4)
#define CR0_NE (1ull << 5)
#define CR0_WP (1ull << 16)
#define CR0_AM (1ull << 18)
#define CR0_NW (1ull << 29)
#define CR0_CD (1ull << 30)
#define CR0_PG (1ull << 31)

#define CR4_VME  (1ull << 0)
#define CR4_PVI  (1ull << 1)
#define CR4_TSD  (1ull << 2)
#define CR4_DE   (1ull << 3)
#define CR4_PSE  (1ull << 4)
#define CR4_PAE  (1ull << 5)
#define CR4_MCE  (1ull << 6)
#define CR4_PGE  (1ull << 7)
#define CR4_PCE  (1ull << 8)
#define CR4_OSFXSR (1ull << 9)
#define CR4_OSXMMEXCPT (1ull << 10)
#define CR4_UMIP (1ull << 11)
#define CR4_VMXE (1ull << 13)
#define CR4_SMXE (1ull << 14)
#define CR4_FSGSBASE (1ull << 16)
#define CR4_PCIDE (1ull << 17)
#define CR4_OSXSAVE (1ull << 18)
#define CR4_SMEP (1ull << 20)
#define CR4_SMAP (1ull << 21)

#define EFER_SCE (1ull << 0)
#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)
#define EFER_NXE (1ull << 11)

/*
 * Model-specific registers the engines keep.  The table in cpu_state.c maps
 * MSR index <-> field, and feeds RDMSR/WRMSR, snapshots and KVM get/set.
 */
/* MTRRs (SDM Vol. 3A 12.11; core/cpu_mtrr.c): IA32_MTRRCAP reads 8
 * variable ranges, fixed ranges and write combining (12.11.1). */
#define MSR_IA32_MTRRCAP         0xfe
#define MSR_IA32_MTRR_PHYSBASE0  0x200
#define MSR_IA32_MTRR_DEF_TYPE   0x2ff
#define MTRR_N_VAR               8
#define MTRR_N_FIXED             11
#define MTRRCAP_VALUE            (MTRR_N_VAR | 1u << 8 | 1u << 10)

struct cpu_msrs {
	uint64_t tsc_adjust;
	uint64_t apic_base;
	uint64_t feature_control;   /* IA32_FEATURE_CONTROL (0x3a) */
	uint64_t sysenter_cs, sysenter_esp, sysenter_eip;
	uint64_t debugctl;
	uint64_t pat;
	uint64_t misc_enable;
	uint64_t star, lstar, cstar, sfmask;
	uint64_t fs_base_unused;    /* FS/GS base live in seg[] */
	uint64_t kernel_gs_base;
	uint64_t tsc_aux;
	uint64_t xss;               /* IA32_XSS: always 0 (no supervisor state) */
	uint64_t bndcfgs;
	uint64_t perf_global_ctrl;
	uint64_t spec_ctrl;
	uint64_t mtrr_def_type;             /* IA32_MTRR_DEF_TYPE */
	uint64_t mtrr_fixed[MTRR_N_FIXED];  /* 250H, 258H, 259H, 268H-26FH */
	uint64_t mtrr_var[2 * MTRR_N_VAR];  /* PHYSBASEn, PHYSMASKn: 200H-20FH */
};

/* VMX interruption types (SDM 24.8.3), used for pending/injected events. */
enum x86_event_type {
	EVT_EXT_INTR = 0,
	EVT_NMI = 2,
	EVT_HW_EXCEPTION = 3,
	EVT_SW_INTR = 4,
	EVT_PRIV_SW_EXCEPTION = 5,
	EVT_SW_EXCEPTION = 6,
	EVT_OTHER = 7,
};

struct x86_event {
	bool valid;
	uint8_t type;        /* enum x86_event_type */
	uint8_t vector;
	bool has_error_code;
	uint32_t error_code;
	uint32_t insn_len;   /* for software events: length to skip */
};

/* Interruptibility state, VMX format (SDM 24.4.2, Table 24-3). */
#define INTR_BLOCK_STI    (1u << 0)
#define INTR_BLOCK_MOV_SS (1u << 1)
#define INTR_BLOCK_SMI    (1u << 2)
#define INTR_BLOCK_NMI    (1u << 3)

/* Activity state, VMX format (SDM 24.4.2). */
enum x86_activity {
	ACTIVITY_ACTIVE = 0,
	ACTIVITY_HLT = 1,
	ACTIVITY_SHUTDOWN = 2,
	ACTIVITY_WAIT_SIPI = 3,
};

/* MONITOR/MWAIT: the monitored line's size (CPUID leaf 5 EAX/EBX) and
 * cpu_state.mwait's bits. */
#define CPU_MONITOR_LINE 64u
#define MWAIT_WAITING    (1u << 0)
#define MWAIT_INTR_BREAK (1u << 1)   /* ECX[0]: masked interrupts end it */

/*
 * x87 FPU, MMX and SSE state, kept as the processor keeps it (the FXSAVE
 * legacy area's content, SDM Vol. 1 10.5.1, Table 10-2), so FXSAVE/XSAVE,
 * FNSAVE/FNSTENV, KVM_GET/SET_FPU and snapshots all convert from one place.
 *   st[i]    physical register Ri (not ST(i)): 64-bit significand in
 *            bytes 0-7, sign and 15-bit exponent in bytes 8-9; ST(i) is
 *            R((TOP + i) & 7) with TOP = fsw bits 13:11.  MMX register
 *            MMi aliases the significand of Ri.
 *   ftw      abridged tag word: bit i set = Ri valid (not empty).  The
 *            full 2-bit tags of FNSTENV/FNSAVE are computed from the
 *            register contents, as the processor does.
 *   fop      last x87 opcode, 11 bits; fip/fdp last instruction/data
 *            pointer (offsets), fcs/fds their selectors.
 */
struct fpu_state {
	uint16_t fcw;
	uint16_t fsw;
	uint8_t ftw;
	uint16_t fop;
	uint64_t fip, fdp;
	uint16_t fcs, fds;
	uint32_t mxcsr;
	uint8_t st[8][10];
	uint8_t xmm[16][16];
};

#define FPU_FCW_RESET   0x0040u   /* power-up/reset value (SDM Table 10-1) */
#define FPU_FCW_FINIT   0x037fu   /* after FNINIT/FINIT */
#define MXCSR_RESET     0x1f80u
#define FPU_FSW_TOP_SHIFT 11
#define FPU_FSW_TOP_MASK (7u << 11)

struct cpu_state {
	uint64_t gpr[GPR_COUNT];
	uint64_t rip;
	uint64_t rflags;

	uint64_t cr0, cr2, cr3, cr4, cr8;
	uint64_t xcr0;
	struct fpu_state fpu;
	uint64_t dr[8];   /* DR4/DR5 alias DR6/DR7 when CR4.DE=0; kept at 0 */
	uint64_t efer;

	struct seg_reg seg[SEG_COUNT];
	struct dtable_reg gdtr, idtr;

	struct cpu_msrs msr;

	/* Time: the interpreter advances the TSC by one per instruction; the
	 * machine's virtual clock is tsc - msr.tsc_adjust (core/vclock.h). */
	uint64_t tsc;
	uint64_t insn_count;

	/* Events and blocking.  Maskable interrupts are not here: INTR is the
	 * interrupt controller's (core/cpu_intc.h, the local APIC's IRR). */
	struct x86_event pending_exception; /* raised, not yet delivered */
	struct x86_event injected;          /* being delivered (IDT vectoring) */
	bool nmi_pending;
	bool init_pending;                  /* INIT signal latched */
	uint32_t interruptibility;          /* INTR_BLOCK_* */
	uint32_t activity;                  /* enum x86_activity */
	uint64_t pending_dbg;               /* pending debug exceptions (DR6-like) */

	/*
	 * PAE paging's PDPTE registers (SDM 4.4.1): loaded from CR3 by MOV to
	 * CR0/CR3/CR4 when PAE paging outside IA-32e mode is or stays in use,
	 * by VM entry (from the VMCS with EPT, SDM 27.3.2.4) and VM exit (from
	 * host CR3, SDM 28.5.4).  The PAE walk uses them and never re-reads
	 * the PDPT.  pdpte_valid = false: not loaded since the state was set
	 * from outside (reset, a test, a version-1 snapshot); the engine loads
	 * them from CR3 at their first use.
	 */
	uint64_t pdpte[4];
	bool pdpte_valid;

	/*
	 * MONITOR/MWAIT (SDM Vol. 2 MONITOR, MWAIT; Vol. 3A 9.10.4): MONITOR
	 * arms the line at monitor_gpa (guest-physical, line aligned) and
	 * keeps its contents in monitor_line; the line counts as written once
	 * its contents differ (docs/cpu-model.md).  mwait is non-zero while
	 * MWAIT waits (MWAIT_WAITING, | MWAIT_INTR_BREAK for ECX[0]).  The
	 * activity state stays active meanwhile: there is no MWAIT activity
	 * state, so a VM exit that ends the wait saves "active".
	 */
	uint64_t monitor_gpa;
	uint8_t monitor_line[CPU_MONITOR_LINE];
	bool monitor_armed;
	uint8_t mwait;
};

/* Current privilege level: CS.DPL in protected mode, 0 in real mode, 3 in v86. */
static inline unsigned cpu_cpl(const struct cpu_state *s)
{
	if (!(s->cr0 & CR0_PE))
		return 0;
	if (s->rflags & RFLAGS_VM)
		return 3;
	/* In a conforming code segment CS.DPL may be below the CPL, which
	 * SS.DPL always equals (SDM Vol. 3A 5.8.1.2; 24.4.1: "the value of
	 * the DPL field for SS is always equal to the logical processor's
	 * current privilege level"). */
	if ((s->seg[SEG_CS].ar & 0x1c) == 0x1c)
		return (s->seg[SEG_SS].ar & SEG_AR_DPL_MASK) >> SEG_AR_DPL_SHIFT;
	return (s->seg[SEG_CS].ar & SEG_AR_DPL_MASK) >> SEG_AR_DPL_SHIFT;
}

static inline bool cpu_long_mode(const struct cpu_state *s)
{
	return (s->efer & EFER_LMA) != 0;
}

/* 64-bit mode proper: long mode active and CS.L set. */
static inline bool cpu_64bit_mode(const struct cpu_state *s)
{
	return cpu_long_mode(s) && (s->seg[SEG_CS].ar & SEG_AR_L);
}

/* Architectural reset state (SDM 10.1.1, Table 10-1): real mode at F000:FFF0. */
void cpu_state_reset(struct cpu_state *s);
/* State after an INIT signal outside VMX operation (SDM 10.1.1, Table 10-1,
 * INIT column): as reset, but MSRs (other than EFER), XCR0, the TSC and the
 * instruction count keep their values. */
void cpu_state_init_signal(struct cpu_state *s);

/* MSR table: one row per MSR kept in struct cpu_msrs (or elsewhere in state). */
struct msr_desc {
	uint32_t index;
	const char *name;
	size_t offset;     /* offsetof(struct cpu_state, ...) */
};

extern const struct msr_desc cpu_msr_table[];
extern const size_t cpu_msr_table_len;

const struct msr_desc *cpu_msr_lookup(uint32_t index);
/* Raw access (snapshots, KVM get/set): no side effects, no checks.
 * Returns false if the MSR is not kept in cpu_state.  cpu_msr_get also
 * reads the stateless MSRs (a fixed value: IA32_PLATFORM_ID,
 * IA32_BIOS_SIGN_ID, MSR_POWER_CTL) that cpu_msr_write takes or refuses. */
bool cpu_msr_get(const struct cpu_state *s, uint32_t index, uint64_t *val);
bool cpu_msr_set(struct cpu_state *s, uint32_t index, uint64_t val);

#define MSR_IA32_TSC          0x00000010u
#define MSR_IA32_TSC_ADJUST   0x0000003bu
#define MSR_IA32_TSC_AUX      0xc0000103u
/* IA32_XSS (SDM Vol. 1 13.3): the supervisor state components XSAVES and
 * XRSTORS manage.  vmxbox has none (CPUID.(0DH,1):ECX/EDX = 0), so only
 * 0 can be written; the MSR exists with the model's "xsaves". */
#define MSR_IA32_XSS          0xda0u
#define MISC_ENABLE_FAST_STRINGS 0x1ull

/*
 * WRMSR of an MSR kept in cpu_state (or IA32_TSC) as the processor does it
 * at CPL 0, for the rules that do not depend on the engine: the #GP cases
 * (non-canonical address MSRs, invalid PAT memory types, IA32_TSC_AUX bits
 * 63:32) and the side effects (IA32_TSC and IA32_TSC_ADJUST move together,
 * SDM Vol. 3B 18.17.3).  false: WRMSR would #GP, or the MSR is not kept
 * here.  The interpreter's WRMSR and the VMX MSR-load lists (SDM 27.4,
 * 28.6: "as they would be written by WRMSR") both use it.  IA32_EFER and
 * IA32_FEATURE_CONTROL depend on the CPU model and the VMX state: callers
 * handle them first.
 */
bool cpu_msr_write(struct cpu_state *s, uint32_t index, uint64_t val);

/* Canonical linear address (48-bit). */
static inline bool x86_canonical(uint64_t a)
{
	return (uint64_t)((int64_t)(a << 16) >> 16) == a;
}
/* PAT value: every byte one of 0, 1, 4, 5, 6, 7 (SDM 13.12.2). */
bool x86_pat_valid(uint64_t pat);

const char *cpu_gpr_name(enum x86_gpr r);
const char *cpu_seg_name(enum x86_seg s);

#endif
