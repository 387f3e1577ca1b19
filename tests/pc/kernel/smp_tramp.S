/* SPDX-License-Identifier: MIT */
/*
 * The APs' way in (smp.c): a start-up IPI with vector VV starts an AP in
 * real mode at VV000h, CS = VV00h, IP = 0 (SDM Vol. 3A 9.4.4.1, 11.6.1).
 * smp.c copies this blob to SMP_TRAMPOLINE (a page below 1 MiB), fills
 * in the CR3 slot with the BSP's page tables and sends the SIPI.  The
 * blob goes from real mode to long mode directly (SDM 10.8.5: CR4.PAE,
 * CR3, EFER.LME, then CR0.PG with CR0.PE) on a GDT of its own and jumps
 * to smp_ap_entry64 in the image, which takes the stack of its local
 * APIC ID and calls smp_ap_main(apic_id).
 */
#define TRAMP_BASE 0x8000
#define T(sym) ((sym) - smp_tramp_start + TRAMP_BASE)
#define AP_STACK 8192

	.section .text.smp_tramp, "ax"
	.code16
	.globl smp_tramp_start, smp_tramp_end, smp_tramp_cr3
smp_tramp_start:
	cli
	cld
	xorw	%ax, %ax
	movw	%ax, %ds
	lgdtl	T(tramp_gdtr)
	movl	%cr4, %eax
	orl	$0x20, %eax			/* CR4.PAE */
	movl	%eax, %cr4
	movl	T(smp_tramp_cr3), %eax
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
	movq	$smp_ap_entry64, %rax		/* the image is below 4 GiB */
	jmp	*%rax

	.balign 8
tramp_gdt:
	.quad	0
	.quad	0x00af9b000000ffff		/* 0x08: 64-bit code */
	.quad	0x00cf93000000ffff		/* 0x10: data */
tramp_gdtr:
	.word	3 * 8 - 1
	.long	T(tramp_gdt)
	.balign 8
smp_tramp_cr3:
	.quad	0
smp_tramp_end:

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
