/* SPDX-License-Identifier: MIT */
/* The benchmark guest's loops that C cannot express without SSE/x87 code
 * generation, its L2 entry points, and a minimal VM-exit handler. */
#define VMCS_HOST_RSP		0x6c14
#define VMCS_HOST_RIP		0x6c16
#define VMCS_GUEST_RIP		0x681e
#define VMCS_EXIT_REASON	0x4402
#define VMCS_EXIT_INSN_LEN	0x440c
#define EXIT_REASON_CPUID	10

	.text
	.code64

/* uint64_t bench_sse_loop(const uint32_t *in, uint32_t *out, uint64_t n) */
	.globl bench_sse_loop
bench_sse_loop:
	movaps	(%rdi), %xmm0
	movaps	16(%rdi), %xmm1
	pxor	%xmm3, %xmm3
1:	movaps	(%rdi), %xmm2
	mulps	%xmm1, %xmm0
	addps	%xmm2, %xmm0
	paddd	%xmm2, %xmm3
	pshufd	$0x1b, %xmm3, %xmm3
	dec	%rdx
	jnz	1b
	paddd	%xmm0, %xmm3
	movaps	%xmm3, (%rsi)
	ret

/* uint64_t bench_x87_loop(const uint64_t *k, uint64_t *acc, uint64_t n) */
	.globl bench_x87_loop
bench_x87_loop:
	fninit
	fld1
1:	fldl	(%rdi)
	fmulp
	fld	%st(0)
	fsqrt
	fstpl	(%rsi)
	dec	%rdx
	jnz	1b
	fstpl	(%rsi)
	ret

/* L2 entry points: they run on the GPRs L1 hands over (workloads.c). */
	.globl l2_alu
l2_alu:
1:	add	%rax, %rsi
	xor	%rsi, %rax
	dec	%rbx
	jnz	1b
	vmcall
	jmp	.

	.globl l2_cpuid
l2_cpuid:
1:	xor	%eax, %eax
	cpuid
	dec	%rbp
	jnz	1b
	vmcall
	jmp	.

	.globl l2_touch
l2_touch:
1:	movb	$1, (%rdi)
	add	$4096, %rdi
	dec	%rbx
	jnz	1b
	vmcall
	jmp	.

/*
 * uint64_t bench_asm_run(uint64_t n): the current VMCS's L2 is l2_cpuid;
 * run it with RBP = n under a handler of 11 instructions per exit (read
 * the reason, step GUEST_RIP over the CPUID, VMRESUME).  Returns the basic
 * exit reason that ended the run (18, VMCALL), or -1/-2 on a VMfail of
 * VMLAUNCH/VMRESUME.  The handler uses only R12-R15, which L2 leaves alone.
 */
	.globl bench_asm_run
bench_asm_run:
	push	%rbx
	push	%rbp
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	mov	%rsp, saved_rsp(%rip)
	mov	%rdi, %rbp
	mov	$VMCS_HOST_RSP, %rax
	vmwrite	%rsp, %rax
	lea	asm_exit(%rip), %rdx
	mov	$VMCS_HOST_RIP, %rax
	vmwrite	%rdx, %rax
	vmlaunch
	mov	$-1, %rax
	jmp	2f
asm_exit:
	mov	$VMCS_EXIT_REASON, %r15
	vmread	%r15, %r14
	cmp	$EXIT_REASON_CPUID, %r14
	jne	1f
	mov	$VMCS_GUEST_RIP, %r15
	vmread	%r15, %r14
	mov	$VMCS_EXIT_INSN_LEN, %r13
	vmread	%r13, %r12
	add	%r12, %r14
	vmwrite	%r14, %r15
	vmresume
	mov	$-2, %rax
	jmp	2f
1:	movzwl	%r14w, %eax
2:	mov	saved_rsp(%rip), %rsp
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%rbp
	pop	%rbx
	ret

	.bss
	.balign 8
saved_rsp:
	.quad 0

	.section .note.GNU-stack, "", @progbits
