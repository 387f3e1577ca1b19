/* SPDX-License-Identifier: MIT */
/*
 * VM entry and exit for the PC test kernel's VMX library (vmx.c), and
 * the L2 programs of smpvmx.c.
 *
 * int vmx_enter(uint64_t regs[16], int resume): saves the callee-saved
 * registers and regs on the stack, writes HOST_RSP, loads the guest's
 * GPRs from regs (RAX..R15 in encoding order, RSP's slot unused) and
 * executes VMLAUNCH (resume = 0) or VMRESUME.  A VMfail returns RFLAGS'
 * CF | ZF (non-zero); a VM exit arrives at vmx_exit_point (HOST_RIP) on
 * that stack, saves the guest's GPRs into regs and returns 0.
 */
	.text
	.code64
	.globl vmx_enter, vmx_exit_point
vmx_enter:
	pushq	%rbp
	pushq	%rbx
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	pushq	%rdi
	movl	$0x6c14, %eax			/* HOST_RSP */
	vmwrite	%rsp, %rax
	testl	%esi, %esi			/* MOVs keep the flags */
	movq	0(%rdi), %rax
	movq	8(%rdi), %rcx
	movq	16(%rdi), %rdx
	movq	24(%rdi), %rbx
	movq	40(%rdi), %rbp
	movq	48(%rdi), %rsi
	movq	64(%rdi), %r8
	movq	72(%rdi), %r9
	movq	80(%rdi), %r10
	movq	88(%rdi), %r11
	movq	96(%rdi), %r12
	movq	104(%rdi), %r13
	movq	112(%rdi), %r14
	movq	120(%rdi), %r15
	movq	56(%rdi), %rdi
	jnz	1f
	vmlaunch
	jmp	2f
1:	vmresume
2:	pushfq
	popq	%rax
	andl	$0x41, %eax			/* CF | ZF */
	popq	%rdi
	jmp	3f

vmx_exit_point:
	pushq	%rdi
	movq	8(%rsp), %rdi
	movq	%rax, 0(%rdi)
	movq	%rcx, 8(%rdi)
	movq	%rdx, 16(%rdi)
	movq	%rbx, 24(%rdi)
	movq	%rbp, 40(%rdi)
	movq	%rsi, 48(%rdi)
	movq	%r8, 64(%rdi)
	movq	%r9, 72(%rdi)
	movq	%r10, 80(%rdi)
	movq	%r11, 88(%rdi)
	movq	%r12, 96(%rdi)
	movq	%r13, 104(%rdi)
	movq	%r14, 112(%rdi)
	movq	%r15, 120(%rdi)
	popq	%rax
	movq	%rax, 56(%rdi)
	popq	%rdi
	xorl	%eax, %eax
3:	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbx
	popq	%rbp
	ret

/* L2: count VMCALLs in RBX (the VMCALL is 3 bytes; L1 skips it). */
	.globl l2_count
l2_count:
	incq	%rbx
	vmcall
	jmp	l2_count

/* L2: HLT, again after every wake (the preemption-timer test). */
	.globl l2_hlt
l2_hlt:
	hlt
	jmp	l2_hlt

/* L2: read (RSI) into RAX and publish it at (RDI), the count of reads
 * (RBX) at 8(RDI), until it reads RDX or RBX reaches RCX; then VMCALL.
 * The reader of the IPI and INVEPT shootdown tests: an IPI ends it with
 * an external-interrupt exit, the limit keeps a lost one from hanging. */
	.globl l2_watch
l2_watch:
	movq	(%rsi), %rax
	movq	%rax, (%rdi)
	incq	%rbx
	movq	%rbx, 8(%rdi)
	cmpq	%rax, %rdx
	je	1f
	cmpq	%rcx, %rbx
	jae	1f
	pause
	jmp	l2_watch
1:	vmcall
	jmp	l2_watch

	.section .note.GNU-stack, "", @progbits
