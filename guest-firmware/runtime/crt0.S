/* SPDX-License-Identifier: MIT */
/*
 * 64-bit entry point (docs/boot.md): we arrive in long mode with paging on,
 * RSP = 0x80000 and RDI = boot info.  Switch to the firmware's own stack,
 * clear .bss (the loader zeroes it too; doing it here keeps the runtime
 * independent of that) eight bytes at a time, which keeps the boot of a
 * 1.5 MiB .bss cheap on an interpreter, then hand over to C.
 */
	.section .text.entry, "ax"
	.code64
	.globl _start
	.type _start, @function
_start:
	cli
	cld
	mov	%rdi, %r12			/* boot info */
	lea	__bss_start(%rip), %rdi
	lea	__bss_end(%rip), %rcx
	sub	%rdi, %rcx
	shr	$3, %rcx			/* link.ld: page-aligned ends */
	xor	%eax, %eax
	rep stosq
	lea	fw_stack_top(%rip), %rsp
	xor	%ebp, %ebp
	mov	%r12, %rdi
	call	fw_start			/* never returns */
1:	hlt
	jmp	1b
	.size _start, . - _start

	.section .bss.stack, "aw", @nobits
	.balign 4096
	.globl fw_stack_bottom
fw_stack_bottom:
	.skip 65536
	.globl fw_stack_top
fw_stack_top:

	.section .note.GNU-stack, "", @progbits
