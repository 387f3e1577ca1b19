/* SPDX-License-Identifier: MIT */
/*
 * Trap plumbing of the "cpu" section (tests/pc/kernel/cpu.c): an IDT stub
 * per vector 0-31 that records the vector, the error code (0 where the
 * CPU pushes none), the faulting RIP/CS/RFLAGS and CR2, then resumes
 * cpu_try's caller in ring 0; cpu_try(fn) runs fn and returns the vector
 * it raised (-1 if none, 0x100 for a SYSCALL); cpu_to_user enters ring 3;
 * the SYSCALL entry counts the call and returns with SYSRET.
 */
	.text
	.code64
	.globl cpu_trap_stubs, cpu_try, cpu_to_user, cpu_syscall_entry
	.globl cpu_syscall_exit_entry
	.globl trap_vector, trap_err, trap_rip, trap_cs, trap_rflags, trap_cr2
	.globl sys_rcx, sys_r11, sys_count

	.align 16
cpu_trap_stubs:
	vec = 0
	.rept 32
	.align 16
	.if (vec == 8) || ((vec >= 10) && (vec <= 14)) || (vec == 17) || (vec == 21)
	.else
	pushq $0
	.endif
	pushq $vec
	jmp cpu_trap_common
	vec = vec + 1
	.endr

	/* [vector] [error] RIP CS RFLAGS RSP SS */
cpu_trap_common:
	movq (%rsp), %rax
	movq %rax, trap_vector(%rip)
	movq 8(%rsp), %rax
	movq %rax, trap_err(%rip)
	movq 16(%rsp), %rax
	movq %rax, trap_rip(%rip)
	movq 24(%rsp), %rax
	movq %rax, trap_cs(%rip)
	movq 32(%rsp), %rax
	movq %rax, trap_rflags(%rip)
	movq %cr2, %rax
	movq %rax, trap_cr2(%rip)
	addq $16, %rsp
	leaq trap_resume(%rip), %rax
	movq %rax, (%rsp)
	movq $0x08, 8(%rsp)
	movq $2, 16(%rsp)
	movq trap_rsp(%rip), %rax
	movq %rax, 24(%rsp)
	movq $0x10, 32(%rsp)
	iretq

	/* long cpu_try(void (*fn)(void)) */
cpu_try:
	pushq %rbx
	pushq %rbp
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %rsp, trap_rsp(%rip)
	movq $-1, trap_vector(%rip)
	call *%rdi
trap_resume:
	movl $0x10, %eax
	movl %eax, %ds
	movl %eax, %es
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbp
	popq %rbx
	movq trap_vector(%rip), %rax
	ret

	/* void cpu_to_user(rip, rsp, rflags): IRETQ to CS 0x23, SS 0x1b. */
cpu_to_user:
	pushq $0x1b
	pushq %rsi
	pushq %rdx
	pushq $0x23
	pushq %rdi
	iretq

	/* SYSCALL: count, keep RCX/R11, SYSRET to the caller. */
cpu_syscall_entry:
	incq sys_count(%rip)
	movq %rcx, sys_rcx(%rip)
	movq %r11, sys_r11(%rip)
	sysretq

	/* SYSCALL that ends the ring-3 run: back to cpu_try's caller. */
cpu_syscall_exit_entry:
	movq $0, trap_cs(%rip)
	movq $0, trap_err(%rip)
	movq %rcx, trap_rip(%rip)
	movq %r11, trap_rflags(%rip)
	movq $0x100, trap_vector(%rip)
	movq trap_rsp(%rip), %rsp
	jmp trap_resume

	/* Ring-3 snippets, copied to a user page (position independent). */
	.globl u_code, u_code_end, u_syscall_cli, u_ac, u_read_super
	.globl u_exit
	.align 16
u_code:
u_syscall_cli:
	syscall
	cli
	ud2
u_ac:
	movl 1(%rsp), %eax
	ud2
u_read_super:
	movl 0x10005000, %eax
	ud2
u_exit:
	syscall
	ud2
u_code_end:

	.bss
	.align 8
trap_rsp:	.quad 0
trap_vector:	.quad 0
trap_err:	.quad 0
trap_rip:	.quad 0
trap_cs:	.quad 0
trap_rflags:	.quad 0
trap_cr2:	.quad 0
sys_rcx:	.quad 0
sys_r11:	.quad 0
sys_count:	.quad 0

	.section .note.GNU-stack, "", @progbits
