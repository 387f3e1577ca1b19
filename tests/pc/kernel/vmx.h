/* SPDX-License-Identifier: MIT */
/*
 * A small VMX library for the PC test kernel (vmx.c, vmx_stub.S): VMXON
 * on the calling CPU, a 64-bit L2 that shares the kernel's page tables,
 * GDT and IDT, entered and left through vmx_enter (SDM Vol. 3C chapters
 * 24-28).  Used by smpvmx.c.
 */
#ifndef PCTEST_VMX_H
#define PCTEST_VMX_H

#include "kernel.h"

/* VMX instruction outcomes (SDM 31.2). */
enum { VMX_OK, VMX_FAIL_INVALID, VMX_FAIL_VALID };

/* VMCS fields (SDM Appendix B). */
enum {
	VPID = 0x0000,
	EPT_POINTER = 0x201a,
	PIN_CONTROLS = 0x4000,
	PROC_CONTROLS = 0x4002,
	PROC2_CONTROLS = 0x401e,
	VM_INSN_ERROR = 0x4400,
	EXIT_REASON = 0x4402,
	EXIT_INTR_INFO = 0x4404,
	EXIT_INSN_LEN = 0x440c,
	GUEST_ACTIVITY_STATE = 0x4826,
	PREEMPTION_TIMER_VALUE = 0x482e,
	GUEST_RSP = 0x681c,
	GUEST_RIP = 0x681e,
	GUEST_RFLAGS = 0x6820,
	HOST_TR_BASE = 0x6c0a,
	HOST_GDTR_BASE = 0x6c0c,
};

#define PIN_EXT_INTR_EXITING	(1u << 0)
#define PIN_PREEMPTION_TIMER	(1u << 6)
#define PROC_ACTIVATE_SECONDARY	(1u << 31)
#define PROC2_EPT		(1u << 1)
#define PROC2_VPID		(1u << 5)

#define EXIT_EXTERNAL_INTERRUPT	1
#define EXIT_VMCALL		18
#define EXIT_PREEMPTION_TIMER	52
#define VMXERR_VMRESUME_NOT_LAUNCHED 5

/* Guest GPRs as vmx_enter loads and saves them: RAX..R15 in encoding
 * order (RSP's slot unused: the VMCS holds it). */
enum { R_AX, R_CX, R_DX, R_BX, R_SP, R_BP, R_SI, R_DI, R_NUM = 16 };

struct l2 {
	uint64_t regs[R_NUM];
	uint8_t *vmcs;			/* 4 KiB region, identity-mapped */
	bool launched;
	uint32_t exit_reason, intr_info;
};

/* L2 code (vmx_stub.S). */
extern char l2_count[];		/* 1: inc rbx; vmcall; jmp 1b */
/* read (rsi) to (rdi), reads to 8(rdi), until it is rdx or rcx reads */
extern char l2_watch[];
extern char l2_hlt[];			/* 1: hlt; jmp 1b */

/* IA32_FEATURE_CONTROL locked with VMXON allowed, CR0/CR4 fixed bits,
 * CR4.VMXE, VMXON with region; the VMX outcome. */
int vmx_on(uint8_t *region);
bool vmx_supported(void);
uint64_t vmx_rdmsr(uint32_t msr);

/* A fresh VMCS in vm->vmcs made current and filled in: host state of
 * this CPU (cpu: its GDT and TSS), guest state of an L2 at rip with stack
 * top sp, the given pin-based and secondary controls (adjusted by the
 * capability MSRs). */
int vmx_vm_init(struct l2 *vm, unsigned cpu, void *rip, void *sp,
		uint32_t pin, uint32_t proc2);
/* The host fields that differ between CPUs, for a VMCS moved here. */
void vmx_host_cpu(unsigned cpu);
/* VMLAUNCH or VMRESUME (by vm->launched); VMX_OK after a VM exit
 * (exit_reason, intr_info filled in), else the VMfail. */
int vmx_run(struct l2 *vm);
/* ... with the instruction given explicitly. */
int vmx_enter_as(struct l2 *vm, bool resume);
void vmx_skip_insn(void);

int vmxon_insn(uint64_t pa);
int vmclear(uint64_t pa);
int vmptrld(uint64_t pa);
int vmptrst(uint64_t *pa);
int vmwrite(uint32_t field, uint64_t v);
uint64_t vmread(uint32_t field);
int invept(uint64_t type, uint64_t eptp);

#endif
