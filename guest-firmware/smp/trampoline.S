/* SPDX-License-Identifier: MIT */
/*
 * The application processors' way in (docs/smp.md): a SIPI with vector
 * VV starts an AP in real mode at VV000h (SDM Vol. 3A 9.4.3, 11.6.1).
 * smp.c copies this blob to SMP_TRAMPOLINE (a 4 KiB page below 1 MiB),
 * fills in its CR3 and entry slots, and sends SIPI vector
 * SMP_TRAMPOLINE >> 12.  The blob switches to long mode directly (SDM
 * 10.8.5: PAE, CR3, EFER.LME, then CR0.PG with CR0.PE) on a GDT of its
 * own and jumps to ap_entry64 (below, in the image), which takes the
 * stack of its APIC ID and calls ap_main(apic_id).
 */
#define TRAMP_BASE 0x8000
#define T(sym) ((sym) - ap_tramp_start + TRAMP_BASE)

	.section .text.smp_tramp, "ax"
	.code16
	.globl ap_tramp_start, ap_tramp_end, ap_tramp_cr3, ap_tramp_entry
ap_tramp_start:
	cli
	cld
	xorw	%ax, %ax
	movw	%ax, %ds
	lgdtl	T(tramp_gdtr)
	movl	%cr4, %eax
	orl	$0x20, %eax			/* CR4.PAE */
	movl	%eax, %cr4
	movl	T(ap_tramp_cr3), %eax
	movl	%eax, %cr3
	movl	$0xc0000080, %ecx		/* IA32_EFER */
	rdmsr
	orl	$0x100, %eax			/* LME */
	wrmsr
	movl	%cr0, %eax
	orl	$0x80000001, %eax		/* PG | PE */
	movl	%eax, %cr0
	ljmpl	$0x08, $T(tramp64)

	.code64
tramp64:
	movl	$0x10, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	movl	%eax, %fs
	movl	%eax, %gs
	movq	T(ap_tramp_entry), %rax
	jmp	*%rax

	.balign 8
tramp_gdt:
	.quad	0
	.quad	0x00af9a000000ffff		/* 0x08: 64-bit code */
	.quad	0x00cf92000000ffff		/* 0x10: data */
tramp_gdtr:
	.word	3 * 8 - 1
	.long	T(tramp_gdt)
	.balign 8
ap_tramp_cr3:
	.quad	0
ap_tramp_entry:
	.quad	0
ap_tramp_end:

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
