/* SPDX-License-Identifier: MIT */
/*
 * Multiboot entry of the PC test kernel: entered in 32-bit protected mode
 * with paging off (EAX = 0x2BADB002, EBX = the info structure), it builds
 * an identity map of 0-4 GiB with 2 MiB pages, enables long mode (SDM
 * 9.8.5) and calls kmain(magic, info) in 64-bit mode.  Before that, with
 * "cpu" on the command line, test_cpu32 runs the 32-bit tests.  With AOUT_KLUDGE
 * the header carries the load addresses (header flag 16), for images
 * that are flat binaries.
 */
#define MB_MAGIC 0x1badb002
#ifdef AOUT_KLUDGE
#define MB_FLAGS 0x00010003
#else
#define MB_FLAGS 0x00000003
#endif

	.section .text.multiboot, "ax"
	.code32
#ifdef LINUX_IMAGE
/*
 * As a bzImage's protected-mode part (tests/pc/mkbzimage.py adds the
 * setup header): the 32-bit entry at the load address and startup_64 at
 * +0x200, both with ESI = boot_params.  kmain gets magic 0x4c58 ("LX") and
 * the entry's width in the high bits.
 */
	.globl lx_startup_32
lx_startup_32:
	cli
	movl $stack_top, %esp
	movl %cs, %eax
	movl %ds, %edx
	shll $16, %edx
	orl %edx, %eax
	movl %eax, boot_sels
	movl $0x20004c58, %eax     /* "LX", 32-bit entry */
	movl %esi, %ebx
	jmp mb_entry
	.org 0x200
	.code64
lx_startup_64:
	cli
	leaq stack_top(%rip), %rsp
	movl %cs, %eax
	movl %ds, %edx
	shll $16, %edx
	orl %edx, %eax
	movl %eax, boot_sels(%rip)
	/* The loader's GDT has code at 0x10, data at 0x18: switch to ours. */
	lgdt gdt_desc(%rip)
	pushq $0x08
	leaq long_entry(%rip), %rax
	pushq %rax
	movl $0x40004c58, %edi     /* "LX", 64-bit entry */
	lretq
	.code32
#endif
	.align 4
mb_header:
	.long MB_MAGIC
	.long MB_FLAGS
	.long -(MB_MAGIC + MB_FLAGS)
#ifdef AOUT_KLUDGE
	.long mb_header          /* header_addr */
	.long __image_start      /* load_addr */
	.long __load_end         /* load_end_addr */
	.long __bss_end          /* bss_end_addr */
	.long mb_entry           /* entry_addr */
#endif

	.globl mb_entry
mb_entry:
	cli
	movl $stack_top, %esp
	movl %eax, %edi           /* kept across the switch: magic */
	movl %ebx, %esi           /* info */

	/* The 32-bit part of the "cpu" section, in 32-bit protected mode
	 * (cpu32.c): it keeps EDI and ESI (cdecl) and puts back what it
	 * changes. */
	pushl %esi
	pushl %edi
	call test_cpu32
	addl $8, %esp

	/* PML4[0] -> PDPT, PDPT[0..7] -> PD0..7, PDs: 2 MiB pages: 0-8 GiB
	 * (RAM above the PC hole starts at 4 GiB). */
	movl $pml4, %eax
	movl $pdpt + 3, (%eax)
	movl $pdpt, %eax
	movl $pd + 3, %ebx
	movl $8, %ecx
1:	movl %ebx, (%eax)
	addl $8, %eax
	addl $4096, %ebx
	loop 1b
	movl $pd, %eax
	movl $0x83, %ebx          /* P | RW | PS */
	xorl %edx, %edx           /* high dword of the physical address */
	movl $4096, %ecx
2:	movl %ebx, (%eax)
	movl %edx, 4(%eax)
	addl $8, %eax
	addl $0x200000, %ebx
	adcl $0, %edx
	loop 2b

	movl %cr4, %eax
	orl $0x20, %eax           /* PAE */
	movl %eax, %cr4
	movl $pml4, %eax
	movl %eax, %cr3
	movl $0xc0000080, %ecx    /* EFER.LME */
	rdmsr
	orl $0x100, %eax
	wrmsr
	movl %cr0, %eax
	orl $0x80000001, %eax     /* PG | PE */
	movl %eax, %cr0
	lgdt gdt_desc
	ljmp $0x08, $long_entry

	.code64
long_entry:
	movl $0x10, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	movl %eax, %fs
	movl %eax, %gs
	movl $stack_top, %esp
	/* edi = magic, esi = info: kmain's two arguments. */
	call kmain
3:	cli
	hlt
	jmp 3b

	.section .rodata
	.align 16
gdt:
	.quad 0
	.quad 0x00af9b000000ffff  /* 0x08: 64-bit code */
	.quad 0x00cf93000000ffff  /* 0x10: data */
gdt_end:
gdt_desc:
	.word gdt_end - gdt - 1
	.quad gdt                 /* 8 bytes: LGDT in 64-bit mode reads them */

	.section .data
	.globl boot_sels
boot_sels:
	.long 0

	.section .bss
	.align 4096
pml4:	.skip 4096
pdpt:	.skip 4096
pd:	.skip 8 * 4096
	.skip 16384
stack_top:
