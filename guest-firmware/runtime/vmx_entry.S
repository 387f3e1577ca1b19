/* SPDX-License-Identifier: MIT */
/*
 * VM entry and the VM-exit landing pad.
 *
 * int vmx_enter(struct vmx_gprs *g, int launch)
 * Saves the callee-saved registers and g on the stack, points HOST_RSP at
 * that frame, loads the guest GPRs and executes VMLAUNCH (launch != 0) or
 * VMRESUME.  If the instruction fails (VMfailInvalid: CF=1, VMfailValid:
 * ZF=1; SDM 31.2) it falls through and we return 1 or 2.  Otherwise the
 * next VM exit arrives at vmx_exit_stub (HOST_RIP) with RSP = HOST_RSP and
 * RFLAGS = 0x2 (SDM 28.5.3): the stub stores the guest GPRs into g,
 * unwinds the frame and returns 0 from vmx_enter.
 */
#define VMCS_HOST_RSP 0x6c14

#define G_RAX 0
#define G_RBX 8
#define G_RCX 16
#define G_RDX 24
#define G_RSI 32
#define G_RDI 40
#define G_RBP 48
#define G_R8 56
#define G_R9 64
#define G_R10 72
#define G_R11 80
#define G_R12 88
#define G_R13 96
#define G_R14 104
#define G_R15 112

	.text
	.code64
	.globl vmx_enter
	.type vmx_enter, @function
vmx_enter:
	pushq	%rbp
	pushq	%rbx
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	pushq	%rdi			/* g, at 0(%rsp) while the guest runs */
	movl	$VMCS_HOST_RSP, %eax
	vmwrite	%rsp, %rax
	jbe	2f			/* no current VMCS: CF or ZF */
	testl	%esi, %esi		/* MOVs below keep these flags */
	movq	G_RAX(%rdi), %rax
	movq	G_RBX(%rdi), %rbx
	movq	G_RCX(%rdi), %rcx
	movq	G_RDX(%rdi), %rdx
	movq	G_RSI(%rdi), %rsi
	movq	G_RBP(%rdi), %rbp
	movq	G_R8(%rdi), %r8
	movq	G_R9(%rdi), %r9
	movq	G_R10(%rdi), %r10
	movq	G_R11(%rdi), %r11
	movq	G_R12(%rdi), %r12
	movq	G_R13(%rdi), %r13
	movq	G_R14(%rdi), %r14
	movq	G_R15(%rdi), %r15
	movq	G_RDI(%rdi), %rdi
	jnz	1f
	vmresume
	jmp	2f
1:	vmlaunch
2:	/* VMfail: turn CF/ZF into the result */
	pushfq
	popq	%rcx
	movl	$1, %eax
	testl	$1, %ecx		/* CF */
	jnz	3f
	movl	$2, %eax
	testl	$0x40, %ecx		/* ZF */
	jnz	3f
	movl	$3, %eax		/* neither: cannot happen */
3:	addq	$8, %rsp
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbx
	popq	%rbp
	ret
	.size vmx_enter, . - vmx_enter

	.globl vmx_exit_stub
	.type vmx_exit_stub, @function
vmx_exit_stub:
	pushq	%rdi
	movq	8(%rsp), %rdi		/* g */
	movq	%rax, G_RAX(%rdi)
	movq	%rbx, G_RBX(%rdi)
	movq	%rcx, G_RCX(%rdi)
	movq	%rdx, G_RDX(%rdi)
	movq	%rsi, G_RSI(%rdi)
	movq	%rbp, G_RBP(%rdi)
	movq	%r8, G_R8(%rdi)
	movq	%r9, G_R9(%rdi)
	movq	%r10, G_R10(%rdi)
	movq	%r11, G_R11(%rdi)
	movq	%r12, G_R12(%rdi)
	movq	%r13, G_R13(%rdi)
	movq	%r14, G_R14(%rdi)
	movq	%r15, G_R15(%rdi)
	popq	%rax
	movq	%rax, G_RDI(%rdi)
	addq	$8, %rsp
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbx
	popq	%rbp
	xorl	%eax, %eax
	ret
	.size vmx_exit_stub, . - vmx_exit_stub

	.section .note.GNU-stack, "", @progbits
