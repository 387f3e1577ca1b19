/* SPDX-License-Identifier: MIT */
/*
 * The APs' way in (smp.c): the real-mode to long-mode blob shared with
 * the bundled firmware (guest-firmware/shared/ap_tramp.inc, installed by
 * smp.c), then smp_ap_entry64 (below, in the image), which takes the
 * stack of its local APIC ID and calls smp_ap_main(apic_id).
 */
#define AP_STACK 8192

#include "ap_tramp.inc"

/* In the image, 64-bit: the stack of this APIC ID, then C. */
	.text
	.globl smp_ap_entry64
smp_ap_entry64:
	movl	$0xfee00020, %eax		/* xAPIC ID register */
	movl	(%rax), %edi
	shrl	$24, %edi
	cmpl	$16, %edi			/* SMP_MAX_CPUS */
	jae	2f
	leal	1(%rdi), %eax
	imull	$AP_STACK, %eax
	leaq	smp_stacks(%rip), %rsp
	addq	%rax, %rsp
	xorl	%ebp, %ebp
	call	smp_ap_main
2:	cli
	hlt
	jmp	2b

	.section .note.GNU-stack, "", @progbits
