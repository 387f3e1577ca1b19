/* SPDX-License-Identifier: MIT */
/*
 * Trap plumbing of the 32-bit part of the "cpu" section (cpu32*.c): an
 * IDT stub per vector 0-0x47 that records the vector, the error code (0
 * where the CPU pushes none), EIP/CS/EFLAGS, the outer SS:ESP after a
 * privilege change, the v86 segment registers, CR2, the DS the handler
 * was entered with and its EFLAGS, then resumes c32_try's caller in ring
 * 0; c32_try(fn) runs fn and returns the vector it raised (-1 if none);
 * c32_to_user/c32_to_v86 IRET to ring 3 or to virtual-8086 mode.
 * Assembled as 32-bit code inside the 64-bit image.
 */
	.code32
	.text
	.globl t32_stubs, c32_try, c32_to_user, c32_to_v86, t32_abort
	.globl t32_vector, t32_err, t32_eip, t32_cs, t32_eflags, t32_esp, t32_ss
	.globl t32_cr2, t32_ds_in, t32_hflags, t32_vseg, t32_count, t32_try_esp
	.globl t32_count_iret

	.align 16
t32_stubs:
	vec = 0
	.rept 0x48
	.align 16
	.if (vec == 8) || ((vec >= 10) && (vec <= 14)) || (vec == 17) || (vec == 21)
	.else
	pushl $0
	.endif
	pushl $vec
	jmp t32_common
	vec = vec + 1
	.endr

	/* [vector] [error] EIP CS EFLAGS [ESP SS [ES DS FS GS]].  DS may be
	 * null (from v86): SS (the TSS's SS0) addresses the record. */
t32_common:
	pushfl
	popl %ss:t32_hflags
	movw %ds, %ss:t32_ds_in
	movl $0x10, %eax
	movl %eax, %ds
	movl %eax, %es
	popl t32_vector
	popl t32_err
	popl t32_eip
	popl t32_cs
	popl t32_eflags
	movl %esp, t32_esp
	movw %ss, t32_ss
	testl $0x20000, t32_eflags
	jnz 1f
	testl $3, t32_cs
	jz 2f
	popl t32_esp
	popl t32_ss
	jmp 2f
1:	popl t32_esp
	popl t32_ss
	popl t32_vseg
	popl t32_vseg + 4
	popl t32_vseg + 8
	popl t32_vseg + 12
2:	movl %cr2, %eax
	movl %eax, t32_cr2
	/* fall through */

	/* Back to c32_try's caller: ring 0, flat segments, IF = NT = 0. */
t32_abort:
	movl $0x10, %eax
	movl %eax, %ss
	movl %ss:t32_try_esp, %esp
	pushl $2
	popfl
	jmp t32_resume

	/* int32_t c32_try(void (*fn)(void)) */
c32_try:
	pushl %ebx
	pushl %esi
	pushl %edi
	pushl %ebp
	movl %esp, t32_try_esp
	movl $-1, t32_vector
	call *20(%esp)
t32_resume:
	movl $0x10, %eax
	movl %eax, %ss
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %fs
	movl %eax, %gs
	popl %ebp
	popl %edi
	popl %esi
	popl %ebx
	movl t32_vector, %eax
	ret

	/* c32_to_user(eip, esp, eflags): IRET to CS 0x1b, SS 0x23. */
c32_to_user:
	movl $0x23, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %fs
	movl %eax, %gs
	movl 4(%esp), %eax
	movl 8(%esp), %ecx
	movl 12(%esp), %edx
	pushl $0x23
	pushl %ecx
	pushl %edx
	pushl $0x1b
	pushl %eax
	iret

	/* c32_to_v86(eip, cs, esp, ss, eflags): IRET to virtual-8086 mode
	 * with ES = DS = FS = GS = SS. */
c32_to_v86:
	movl 16(%esp), %eax
	pushl %eax		/* GS */
	pushl %eax		/* FS */
	pushl %eax		/* DS */
	pushl %eax		/* ES */
	pushl %eax		/* SS */
	pushl 32(%esp)		/* ESP */
	pushl 44(%esp)		/* EFLAGS */
	pushl 36(%esp)		/* CS */
	pushl 36(%esp)		/* EIP */
	iret

	/* A gate that counts and returns (IRET back to the interrupted
	 * code, v86 or protected mode). */
t32_count_iret:
	incl %ss:t32_count
	iret

	.bss
	.align 4
t32_try_esp:	.long 0
t32_vector:	.long 0
t32_err:	.long 0
t32_eip:	.long 0
t32_cs:		.long 0
t32_eflags:	.long 0
t32_esp:	.long 0
t32_ss:		.long 0
t32_cr2:	.long 0
t32_ds_in:	.long 0
t32_hflags:	.long 0
t32_vseg:	.long 0, 0, 0, 0
t32_count:	.long 0

	.section .note.GNU-stack, "", @progbits
