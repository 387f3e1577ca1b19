/* SPDX-License-Identifier: MIT */
/*
 * Interrupt entry of the PC test kernel (64-bit mode): one 16-byte stub
 * per vector 0-63 pushes its vector and jumps to the common path, which
 * saves the caller-saved registers and calls isr_dispatch(vector) (C,
 * tests/pc/kernel/irq.c).  Exceptions never return (isr_dispatch reports
 * and exits), so their error codes need no care.
 */
	.text
	.code64
	.globl isr_stubs
	.align 16
isr_stubs:
	vec = 0
	.rept 64
	.align 16
	pushq $vec
	jmp isr_common
	vec = vec + 1
	.endr

isr_common:
	pushq %rax
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	movq 72(%rsp), %rdi
	subq $8, %rsp             /* 16-byte aligned at the call */
	cld
	call isr_dispatch
	addq $8, %rsp
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rax
	addq $8, %rsp
	iretq
