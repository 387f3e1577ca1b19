/* SPDX-License-Identifier: MIT */
/*
 * Instructions that fault, each behind a global label so the C side can
 * check the exact RIP the CPU reports.
 */
	.text
	.code64

	.globl fault_read, fault_read_insn
fault_read:				/* u64 fault_read(u64 *p) */
fault_read_insn:
	movq	(%rdi), %rax
	ret

	.globl fault_write, fault_write_insn
fault_write:				/* void fault_write(u64 *p, u64 v) */
fault_write_insn:
	movq	%rsi, (%rdi)
	ret

	.globl fault_exec
fault_exec:				/* void fault_exec(void *code) */
	call	*%rdi
	ret

	.globl fault_ud, fault_ud_insn, fault_ud_after
fault_ud:
fault_ud_insn:
	ud2
fault_ud_after:
	ret

	.globl fault_div0, fault_div0_insn
fault_div0:
	movl	$1, %eax
	xorl	%edx, %edx
	xorl	%ecx, %ecx
fault_div0_insn:
	divl	%ecx
	ret

	.globl fault_idiv_overflow, fault_idiv_insn
fault_idiv_overflow:			/* INT64_MIN / -1 does not fit */
	movabsq	$0x8000000000000000, %rax
	cqto
	movq	$-1, %rcx
fault_idiv_insn:
	idivq	%rcx
	ret

	.globl fault_int3, fault_int3_after
fault_int3:
	int3
fault_int3_after:
	ret

	.globl fault_int_np, fault_int_np_insn
fault_int_np:				/* gate 0x40: valid type, P=0 */
fault_int_np_insn:
	int	$0x40
	ret

	.globl fault_int_gp, fault_int_gp_insn
fault_int_gp:				/* gate 0x41: all zero, bad type */
fault_int_gp_insn:
	int	$0x41
	ret

	.globl fault_noncanon, fault_noncanon_insn
fault_noncanon:
	movabsq	$0x8000000000000000, %rax
fault_noncanon_insn:
	movq	(%rax), %rax
	ret

	.globl fault_cr4_reserved, fault_cr4_insn
fault_cr4_reserved:			/* CR4[31] is reserved */
	movq	%cr4, %rax
	btsq	$31, %rax
fault_cr4_insn:
	movq	%rax, %cr4
	ret

	.globl fault_efer_reserved, fault_efer_insn
fault_efer_reserved:			/* EFER[1] is reserved */
	movl	$0xc0000080, %ecx
	rdmsr
	orl	$2, %eax
fault_efer_insn:
	wrmsr
	ret

/*
 * void iret_regs_test(const u64 in[15], u64 out[17])
 * Loads every GPR but RSP from in[] (rax rbx rcx rdx rsi rdi rbp r8-r15),
 * sets CF and DF, executes INT3 (handled and resumed by the C side), and
 * stores what the registers hold afterwards to out[0..14], RFLAGS to
 * out[15].  iret_rsp_before/after hold RSP around the INT3.
 */
	.globl iret_regs_test, iret_int3_after
iret_regs_test:
	pushq	%rbx
	pushq	%rbp
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	pushq	%rsi
	movq	0(%rdi), %rax
	movq	8(%rdi), %rbx
	movq	16(%rdi), %rcx
	movq	24(%rdi), %rdx
	movq	32(%rdi), %rsi
	movq	48(%rdi), %rbp
	movq	56(%rdi), %r8
	movq	64(%rdi), %r9
	movq	72(%rdi), %r10
	movq	80(%rdi), %r11
	movq	88(%rdi), %r12
	movq	96(%rdi), %r13
	movq	104(%rdi), %r14
	movq	112(%rdi), %r15
	movq	40(%rdi), %rdi
	stc
	std
	movq	%rsp, iret_rsp_before(%rip)
	int3
iret_int3_after:
	movq	%rsp, iret_rsp_after(%rip)
	pushfq
	cld
	pushq	%rdi
	movq	16(%rsp), %rdi		/* out */
	movq	%rax, 0(%rdi)
	movq	%rbx, 8(%rdi)
	movq	%rcx, 16(%rdi)
	movq	%rdx, 24(%rdi)
	movq	%rsi, 32(%rdi)
	popq	%rax
	movq	%rax, 40(%rdi)
	movq	%rbp, 48(%rdi)
	movq	%r8, 56(%rdi)
	movq	%r9, 64(%rdi)
	movq	%r10, 72(%rdi)
	movq	%r11, 80(%rdi)
	movq	%r12, 88(%rdi)
	movq	%r13, 96(%rdi)
	movq	%r14, 104(%rdi)
	movq	%r15, 112(%rdi)
	popq	%rax
	movq	%rax, 120(%rdi)
	popq	%rsi
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbp
	popq	%rbx
	ret

	.bss
	.balign 8
	.globl iret_rsp_before, iret_rsp_after
iret_rsp_before:
	.quad 0
iret_rsp_after:
	.quad 0

	.section .note.GNU-stack, "", @progbits
