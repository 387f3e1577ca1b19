/* SPDX-License-Identifier: MIT */
/*
 * Private helpers shared by the system-side files of the interpreter
 * (mmu.c mem.c except.c seg.c task.c callgate.c sys_*.c).  Not for the
 * core side.
 */
#ifndef VMXBOX_ENGINE_INTERP_SYS_H
#define VMXBOX_ENGINE_INTERP_SYS_H

#include "engine/interp/interp.h"

#define ACC_KIND(a) ((a) & 3u)

/* Canonical in 48-bit linear addressing (SDM 3.3.7.1). */
static inline bool lin_canonical(uint64_t a)
{
	return ((a + (1ull << 47)) >> 48) == 0;
}

/* Width mask of the current instruction pointer (IP, EIP or RIP). */
static inline uint64_t sys_ip_mask(const struct cpu_state *s)
{
	if (cpu_64bit_mode(s))
		return ~0ull;
	return (s->seg[SEG_CS].ar & SEG_AR_DB) ? 0xffffffffull : 0xffffull;
}

static inline bool sys_protected(const struct cpu_state *s)
{
	return (s->cr0 & CR0_PE) && !(s->rflags & RFLAGS_VM);
}

/* mem.c: linear accesses (acc = ACC_* | ACC_SUPER). Fault. */
void lin_read(struct interp *ip, uint64_t lin, void *buf, unsigned len,
	      unsigned acc);
void lin_write(struct interp *ip, uint64_t lin, const void *buf, unsigned len,
	       unsigned acc);
/* Segmentation checks for an access of len bytes; returns the linear
 * address.  kind: ACC_READ / ACC_WRITE. Faults #GP(0) / #SS(0). */
uint64_t seg_linear(struct interp *ip, unsigned seg, uint64_t off,
		    unsigned len, unsigned kind);

/* mmu.c: guest-physical -> host-guest-physical through the EPT hook. */
uint64_t mmu_gpa_xlate(struct interp *ip, uint64_t gpa, unsigned acc_bits,
		       uint64_t gla, bool gla_valid, bool in_walk);
/* mmu.c: read the four PAE PDPTEs at CR3[31:5] (through EPT as a read
 * with no guest-linear address, SDM 26.3, 29.3.3.2). */
void mmu_read_pdptes(struct interp *ip, uint64_t cr3, uint64_t pdpte[4]);

/* sys_cr.c: the four PAE PDPTEs at cr3 (SDM 4.4.1); #GP(0) if one with
 * P=1 has a reserved bit set. */
void sys_pae_pdptes_fetch(struct interp *ip, uint64_t cr3, uint64_t pdpte[4]);

/* except.c */
_Noreturn void interp_raise_gp0(struct interp *ip);
/* Leave the instruction because the intercept hook replaced the state. */
_Noreturn void interp_abort_switched(struct interp *ip);
/* Linear address of sp..sp+len-1 on a stack segment ss that need not be
 * loaded yet; #SS(err) outside its limit (expand-down aware). */
uint64_t stack_lin(struct interp *ip, const struct seg_reg *ss, uint64_t sp,
		   unsigned len, bool is64, uint32_t err);
/* SS:ESP for privilege level dpl from the current 32-/16-bit TSS;
 * #TS(TR selector | ext) beyond its limit. */
void tss_stack32(struct interp *ip, unsigned dpl, uint32_t ext,
		 uint16_t *ss, uint32_t *esp);
/* Check and read the inner stack segment sel for privilege dpl (#TS / #SS
 * with sel | ext, SDM 6.12.1.1 and CALL "MORE-PRIVILEGE"). */
void load_inner_ss(struct interp *ip, uint16_t sel, unsigned dpl,
		   uint32_t ext, struct seg_reg *out);

/* seg.c: descriptors (SDM 3.4.5). */
static inline uint64_t desc_base(uint64_t d)
{
	return ((d >> 16) & 0xffffffull) | (((d >> 56) & 0xffull) << 24);
}

static inline uint32_t desc_limit(uint64_t d)
{
	uint32_t lim = (uint32_t)((d & 0xffff) | (((d >> 48) & 0xf) << 16));

	return (d & (1ull << 55)) ? (lim << 12) | 0xfff : lim;
}

static inline uint32_t desc_ar(uint64_t d)
{
	return (uint32_t)(((d >> 40) & 0xff) | (((d >> 52) & 0xf) << 12));
}

/* Read the descriptor for sel from the GDT/LDT; err_vec (#GP or #TS) with
 * error code sel|ext if outside the table.  Returns the linear address of
 * the descriptor in *addr. */
uint64_t desc_read(struct interp *ip, uint16_t sel, uint8_t err_vec,
		   uint32_t ext, uint64_t *addr);
/* The upper 8 bytes of a 16-byte system descriptor (long mode). */
uint64_t desc_read_hi(struct interp *ip, uint64_t addr);
void desc_set_accessed(struct interp *ip, uint64_t addr, uint64_t *d);
void seg_from_desc(struct seg_reg *sr, uint16_t sel, uint64_t d);
/* Load CS for a far transfer to sel:rip at privilege cpl; does the
 * code-segment descriptor checks of far JMP/CALL/RET/IRET. */
void seg_load_cs_checked(struct interp *ip, uint16_t sel, uint64_t d,
			 unsigned cpl);
/* Far transfers (seg.c). */
void seg_far_jmp(struct interp *ip, uint16_t sel, uint64_t off, bool call,
		 unsigned opsize, uint64_t next_rip);
void seg_far_ret(struct interp *ip, unsigned opsize, uint16_t imm);
/* The new TSS of a task switch (SDM 26.4.2 steps 2-4): selector in the
 * GDT, a TSS descriptor (busy for IRET, available otherwise) else vec
 * (#GP, or #TS for IRET), present else #NP, limit else #TS; error codes
 * are selector | ext.  Returns the descriptor. */
uint64_t seg_task_target(struct interp *ip, uint16_t sel, bool busy,
			 uint8_t vec, uint32_t ext);
/* task.c: a hardware task switch (SDM 8.3) to the TSS sel whose
 * descriptor d passed the checks before the switch; old_eip / old_eflags
 * are the values saved in the old TSS; source is TASK_SRC_* (intercept.h);
 * ext the EXT bit of error codes.  Faults after the commit point are in
 * the context of the new task. */
struct task_switch {
	uint16_t sel;
	uint64_t desc;
	unsigned source;
	uint64_t old_eip, old_eflags;
	uint32_t ext;
	bool has_err;       /* push err on the new task's stack (IDT gate) */
	uint32_t err;
};
void task_switch(struct interp *ip, const struct task_switch *t);
/* callgate.c: far CALL/JMP through the call gate sel (descriptor d)
 * outside IA-32e mode (SDM 5.8.3-5.8.5). */
bool is_call_gate(uint32_t ar);
void seg_call_gate(struct interp *ip, uint16_t sel, uint64_t d, bool call,
		   uint64_t next_rip);
/* ... and through a 64-bit call gate in IA-32e mode (SDM 5.8.3.1); addr
 * is the linear address of the 16-byte descriptor. */
void seg_call_gate64(struct interp *ip, uint16_t sel, uint64_t d,
		     uint64_t addr, bool call, uint64_t next_rip);
/* IRET in protected mode: loads CS:RIP (SS:RSP); returns popped RFLAGS. */
uint64_t seg_iret_pm(struct interp *ip, unsigned opsize);

/* v86.c: virtual-8086 mode (SDM 20.2-20.4). */
/* Access rights of every segment register in virtual-8086 mode: present,
 * DPL 3, read/write accessed data, CS included (SDM 27.3.1.2). */
#define V86_SEG_AR (SEG_AR_P | SEG_AR_S | (3u << SEG_AR_DPL_SHIFT) | 0x3u)
void v86_seg_set(struct seg_reg *sr, uint16_t sel);
/* IRET at CPL 0 to virtual-8086 mode; IRET inside it. */
void v86_iret_enter(struct interp *ip);
void v86_iret(struct interp *ip, unsigned opsize);
/* INT n in virtual-8086 mode: true when redirected to the 8086 program
 * (next = the return IP); #GP(0) when IOPL < 3 forbids the IDT. */
bool v86_int_n(struct interp *ip, uint8_t vector, uint64_t next);

/* Stack helpers working on a whole frame at once (precise faults). */
uint64_t stk_width_mask(const struct cpu_state *s);
void stk_write_frame(struct interp *ip, const uint64_t *vals, unsigned n,
		     unsigned size);
void stk_read_frame(struct interp *ip, uint64_t *vals, unsigned n,
		    unsigned size, uint64_t skip);

/* sys_dispatch.c */
/* Around a hook call from inside an instruction: the hook must see the
 * instruction's own RIP (a VM exit saves it as the guest RIP, SDM 28.3.3),
 * while the run loop has already advanced s.rip.  hook_rip_enter() returns
 * the advanced RIP that hook_rip_leave() puts back unless the hook switched
 * to a new state. */
uint64_t hook_rip_enter(struct interp *ip);
void hook_rip_leave(struct interp *ip, enum icpt_result r, uint64_t next_rip);
/* Run the hook and apply the generic part of its verdict: FAULT raises the
 * pending exception, SWITCHED aborts the instruction.  Returns CONTINUE or
 * EMULATED to the caller. */
enum icpt_result sys_intercept(struct interp *ip, struct x86_intercept *ic);
void sys_icpt_fill(struct interp *ip, const struct insn *in,
		   struct x86_intercept *ic, enum icpt_kind kind);
/* Finish the instruction normally: RIP = next instruction. */
void sys_done(struct interp *ip, const struct insn *in);
unsigned sys_opsize(const struct insn *in);
/* Segment override prefix of the instruction, or def. */
unsigned sys_seg_override(const struct insn *in, unsigned def);
/* GPR index of operand n (a register operand). */
unsigned sys_gpr_of(const struct insn *in, unsigned n);
/* Write a GPR with x86 width rules (32-bit writes zero-extend). */
void sys_gpr_write(struct interp *ip, unsigned gpr, uint64_t v, unsigned bits);

typedef void (*sys_handler)(struct interp *ip, const struct insn *in);

/* Handlers per file, registered in sys_dispatch.c. */
void sys_mov_cr(struct interp *ip, const struct insn *in);
void sys_mov_dr(struct interp *ip, const struct insn *in);
void sys_clts(struct interp *ip, const struct insn *in);
void sys_lmsw(struct interp *ip, const struct insn *in);
void sys_smsw(struct interp *ip, const struct insn *in);
void sys_cr_write(struct interp *ip, unsigned cr, uint64_t v);

void sys_rdmsr(struct interp *ip, const struct insn *in);
void sys_wrmsr(struct interp *ip, const struct insn *in);
void sys_rdtsc(struct interp *ip, const struct insn *in);
void sys_rdtscp(struct interp *ip, const struct insn *in);
void sys_rdpid(struct interp *ip, const struct insn *in);
void sys_rdpmc(struct interp *ip, const struct insn *in);
void sys_swapgs(struct interp *ip, const struct insn *in);
void sys_syscall(struct interp *ip, const struct insn *in);
void sys_sysret(struct interp *ip, const struct insn *in);
void sys_sysenter(struct interp *ip, const struct insn *in);
void sys_sysexit(struct interp *ip, const struct insn *in);

void sys_in_out(struct interp *ip, const struct insn *in);
void sys_ins_outs(struct interp *ip, const struct insn *in);

void sys_cpuid(struct interp *ip, const struct insn *in);
void sys_hlt(struct interp *ip, const struct insn *in);
void sys_cli(struct interp *ip, const struct insn *in);
void sys_sti(struct interp *ip, const struct insn *in);
void sys_pause(struct interp *ip, const struct insn *in);
void sys_monitor(struct interp *ip, const struct insn *in);
void sys_mwait(struct interp *ip, const struct insn *in);
/* sys_seginfo.c */
void sys_lar_lsl(struct interp *ip, const struct insn *in);
void sys_verr_verw(struct interp *ip, const struct insn *in);
void sys_arpl(struct interp *ip, const struct insn *in);
void sys_clflush(struct interp *ip, const struct insn *in);

/* xsave.c, fxsave.c */
void sys_xsetbv(struct interp *ip, const struct insn *in);
void sys_xgetbv(struct interp *ip, const struct insn *in);
void sys_xsave(struct interp *ip, const struct insn *in);
void sys_xrstor(struct interp *ip, const struct insn *in);
void sys_xsaves(struct interp *ip, const struct insn *in);
void sys_xrstors(struct interp *ip, const struct insn *in);
void sys_fxsave(struct interp *ip, const struct insn *in);
void sys_fxrstor(struct interp *ip, const struct insn *in);
void sys_rdrand(struct interp *ip, const struct insn *in);
void sys_ud(struct interp *ip, const struct insn *in);
void sys_clac_stac(struct interp *ip, const struct insn *in);
void sys_invlpg(struct interp *ip, const struct insn *in);
void sys_invpcid(struct interp *ip, const struct insn *in);
void sys_wbinvd(struct interp *ip, const struct insn *in);
void sys_getsec(struct interp *ip, const struct insn *in);

void sys_lgdt_lidt(struct interp *ip, const struct insn *in);
void sys_sgdt_sidt(struct interp *ip, const struct insn *in);
void sys_lldt_ltr(struct interp *ip, const struct insn *in);
void sys_sldt_str(struct interp *ip, const struct insn *in);

void sys_vmx(struct interp *ip, const struct insn *in);

void sys_int(struct interp *ip, const struct insn *in);
void sys_iret(struct interp *ip, const struct insn *in);
void sys_far_branch(struct interp *ip, const struct insn *in);
void sys_mov_sreg(struct interp *ip, const struct insn *in);
void sys_pop_sreg(struct interp *ip, const struct insn *in);
void sys_lxs(struct interp *ip, const struct insn *in);

#endif
