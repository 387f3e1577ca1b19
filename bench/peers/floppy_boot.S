/* SPDX-License-Identifier: MIT */
/*
 * A 1.44 MB floppy boot sector that starts a vmxbox ELF64 firmware image on
 * a PC BIOS (Bochs, QEMU), so the benchmark runs the very same guest code on
 * vmxbox and on its peers (bench/peers/README.md).
 *
 * Disk layout (bench/peers/mkfloppy.py writes it):
 *   LBA 0      this sector; image_sectors and image_entry patched at 0x1f0
 *   LBA 1      struct vmxbox_boot_info, loaded at 0x8000 as is
 *   LBA 2...   the firmware's PT_LOAD segment (flat, linked at 1 MiB)
 *
 * It then recreates the entry state of docs/boot.md ("vmxbox ELF64
 * protocol") itself: identity-mapping page tables at 0x1000-0x6fff (2 MiB
 * pages, 0-4 GiB), the boot GDT at 0x7000, long mode entered directly from
 * real mode (CR0.PE and CR0.PG set together with EFER.LME, SDM Vol. 3A
 * 10.8.5), the image copied to 1 MiB, RSP = 0x80000, RDI = 0x8000.
 */
	.code16
	.section .text
	.globl _start
_start:
	cli
	xor	%ax, %ax
	mov	%ax, %ds
	mov	%ax, %ss
	mov	$0x7c00, %sp
	ljmp	$0, $1f			/* CS = 0 whatever the BIOS used */
1:	mov	%dl, drive

	/* Boot info: LBA 1 -> 0000:8000. */
	mov	$1, %ax
	mov	$0x0800, %bx
	call	read_sector
	/* The image: LBA 2.. -> 1000:0000 upwards, one sector at a time. */
	mov	$2, %ax
	mov	$0x1000, %bx
	mov	image_sectors, %cx
2:	jcxz	3f
	call	read_sector
	inc	%ax
	add	$0x20, %bx
	dec	%cx
	jmp	2b

3:	/* Fast A20 (port 0x92 bit 1). */
	in	$0x92, %al
	or	$2, %al
	and	$0xfe, %al
	out	%al, $0x92

	/* Page tables: PML4[0] -> PDPT at 0x2000, PDPT[0..3] -> the page
	 * directories at 0x3000..0x6000, 2048 PDEs of 2 MiB pages. */
	xor	%ax, %ax
	mov	%ax, %es
	mov	$0x1000, %di
	mov	$0x3000, %cx		/* 0x1000-0x6fff: 0x6000 bytes */
	xor	%ax, %ax
	rep stosw
	movl	$0x2003, 0x1000
	movl	$0x3003, 0x2000
	movl	$0x4003, 0x2008
	movl	$0x5003, 0x2010
	movl	$0x6003, 0x2018
	mov	$0x3000, %di
	mov	$0x83, %eax		/* present, writable, 2 MiB page */
	mov	$2048, %cx
4:	mov	%eax, (%di)
	add	$0x200000, %eax
	add	$8, %di
	loop	4b

	/* Boot GDT at 0x7000 (docs/boot.md). */
	mov	$gdt, %si
	mov	$0x7000, %di
	mov	$(gdt_end - gdt) / 2, %cx
	rep movsw
	lgdtl	gdtr

	mov	$0x20, %eax		/* CR4.PAE */
	mov	%eax, %cr4
	mov	$0x1000, %eax
	mov	%eax, %cr3
	mov	$0xc0000080, %ecx	/* IA32_EFER: LME, NXE */
	rdmsr
	or	$0x900, %eax
	wrmsr
	mov	$0x80010033, %eax	/* PG, WP, NE, ET, MP, PE */
	mov	%eax, %cr0
	ljmpl	$0x08, $long_mode

/* Read LBA %ax into %bx:0000 (CHS of a 1.44 MB floppy: 18 sectors, 2
 * heads); keeps every register but flags. */
read_sector:
	pusha
	push	%es
	mov	%bx, %es
	mov	$3, %di			/* tries */
5:	pusha
	xor	%dx, %dx
	mov	$18, %bx
	div	%bx			/* ax = track, dx = sector - 1 */
	mov	%dl, %cl
	inc	%cl
	xor	%dx, %dx
	mov	$2, %bx
	div	%bx			/* ax = cylinder, dx = head */
	mov	%al, %ch
	mov	%dl, %dh
	mov	drive, %dl
	xor	%bx, %bx
	mov	$0x0201, %ax
	int	$0x13
	popa
	jnc	6f
	xor	%ax, %ax		/* reset the drive and retry */
	int	$0x13
	dec	%di
	jnz	5b
	hlt
6:	pop	%es
	popa
	ret

	.code64
long_mode:
	mov	$0x10, %eax
	mov	%eax, %ds
	mov	%eax, %es
	mov	%eax, %ss
	mov	%eax, %fs
	mov	%eax, %gs
	movzwl	image_sectors, %ecx
	shl	$9, %ecx
	mov	$0x10000, %esi
	mov	$0x100000, %edi
	cld
	rep movsb
	mov	$0x80000, %esp
	mov	$0x8000, %edi
	mov	image_entry, %eax
	xor	%ebx, %ebx
	xor	%ecx, %ecx
	xor	%edx, %edx
	xor	%esi, %esi
	xor	%ebp, %ebp
	jmp	*%rax

	.balign 8
gdt:	.quad 0
	.quad 0x00af9b000000ffff	/* 0x08: 64-bit code */
	.quad 0x00cf93000000ffff	/* 0x10: flat data */
	.quad 0x00cf9b000000ffff	/* 0x18: 32-bit code */
	.quad 0x000093000000ffff	/* 0x20: 16-bit data */
gdt_end:
gdtr:	.word gdt_end - gdt - 1
	.long 0x7000
drive:	.byte 0

	.org 0x1f0
image_sectors:	.word 0		/* patched by mkfloppy.py */
image_entry:	.long 0		/* patched by mkfloppy.py */
	.org 0x1fe
	.byte 0x55, 0xaa
