/* SPDX-License-Identifier: MIT */
/*
 * The application processors' way in (docs/smp.md): the real-mode to
 * long-mode blob shared with the PC test kernel (../shared/ap_tramp.inc,
 * installed by ap.c), then ap_entry64 (below, in the image), which takes
 * the stack of its APIC ID and calls ap_main(apic_id).
 */
#include "ap_tramp.inc"

/* 64-bit, in the image: a stack by APIC ID, then C. */
	.text
	.globl ap_entry64
ap_entry64:
	movl	$0xfee00020, %eax		/* xAPIC ID register */
	movl	(%rax), %edi
	shrl	$24, %edi
	leal	1(%rdi), %eax
	shlq	$14, %rax			/* 16 KiB stacks */
	leaq	ap_stacks(%rip), %rsp
	addq	%rax, %rsp
	xorl	%ebp, %ebp
	call	ap_main
1:	cli
	hlt
	jmp	1b

	.section .note.GNU-stack, "", @progbits
