/* SPDX-License-Identifier: MIT */
/*
 * Entry stubs for vectors 0-63: the exceptions and the first interrupt
 * vectors (tests raise interrupts through vmxbox's event port, 0xf5).  Each pushes a dummy error code
 * when the CPU does not push one (SDM Vol. 3A 6.13: #DF, #TS, #NP, #SS,
 * #GP, #PF, #AC, #CP, #VC, #SX push one), then the vector, then all GPRs,
 * and calls trap_dispatch(struct trap_frame *).  The C side may edit the
 * frame (RIP, RSP, GPRs, RFLAGS) before IRETQ resumes.
 */
	.text
	.code64

.macro ISR vec
	.balign 16
isr_\vec:
	.if (\vec == 8) || (\vec == 10) || (\vec == 11) || (\vec == 12) || (\vec == 13) || (\vec == 14) || (\vec == 17) || (\vec == 21) || (\vec == 29) || (\vec == 30)
	.else
	pushq	$0
	.endif
	pushq	$\vec
	jmp	isr_common
.endm

.altmacro
.macro ISR_ALL from=0, to=63
	ISR %(\from)
	.if \to-\from
	ISR_ALL %(\from+1), \to
	.endif
.endm
	ISR_ALL

isr_common:
	cld
	pushq	%rax
	pushq	%rbx
	pushq	%rcx
	pushq	%rdx
	pushq	%rsi
	pushq	%rdi
	pushq	%rbp
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	movq	%rsp, %rdi
	/* 16-byte alignment: the CPU aligned RSP before pushing 5 qwords;
	 * error code + vector + 15 GPRs = 17 qwords; 22 in total = even. */
	call	trap_dispatch
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rbp
	popq	%rdi
	popq	%rsi
	popq	%rdx
	popq	%rcx
	popq	%rbx
	popq	%rax
	addq	$16, %rsp
	iretq

.macro STUB_ADDR vec
	.quad isr_\vec
.endm
.macro STUB_ALL from=0, to=63
	STUB_ADDR %(\from)
	.if \to-\from
	STUB_ALL %(\from+1), \to
	.endif
.endm
	.section .rodata
	.balign 8
	.globl isr_stub_table
isr_stub_table:
	STUB_ALL

/*
 * int trap_try_call(void (*fn)(void *), void *arg)
 * Calls fn(arg).  If an exception arrives while armed, trap_dispatch
 * records it and IRETQs to trap_try_landing with RSP as it was after the
 * prologue below, so we return the vector like a longjmp would.
 * Returns -1 when fn returns normally.
 */
	.text
	.globl trap_try_call
trap_try_call:
	pushq	%rbx
	pushq	%rbp
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	subq	$8, %rsp
	movq	%rsp, trap_try_rsp(%rip)
	movb	$1, trap_try_armed(%rip)
	movq	%rdi, %rax
	movq	%rsi, %rdi
	call	*%rax
	movb	$0, trap_try_armed(%rip)
	movl	$-1, %eax
	jmp	1f
	.globl trap_try_landing
trap_try_landing:
	movb	$0, trap_try_armed(%rip)
	movl	trap_try_vector(%rip), %eax
1:	addq	$8, %rsp
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbp
	popq	%rbx
	ret

	.section .note.GNU-stack, "", @progbits
