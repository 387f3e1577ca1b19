/* SPDX-License-Identifier: MIT */
/*
 * L2 guest code for the nested tests.  Each snippet g_NAME executes the
 * instruction at g_NAME_insn (the one expected to exit), then VMCALL
 * (g_NAME_next), so L1 can check the exit and that the guest resumes
 * right after the instruction.
 */
	.text
	.code64

.macro GUEST name
	.globl g_\name, g_\name\()_insn, g_\name\()_next
	.balign 16
g_\name:
.endm
.macro INSN name
g_\name\()_insn:
.endm
.macro NEXT name
g_\name\()_next:
	vmcall
	ud2
.endm

	GUEST vmcall
	INSN vmcall
	vmcall
	NEXT vmcall

	GUEST cpuid
	xorl	%eax, %eax
	xorl	%ecx, %ecx
	INSN cpuid
	cpuid
	NEXT cpuid

	/* XSETBV XCR0 = 1 (needs CR4.OSXSAVE in the guest, see vmexit.c) */
	GUEST xsetbv
	xorl	%ecx, %ecx
	movl	$1, %eax
	xorl	%edx, %edx
	INSN xsetbv
	xsetbv
	NEXT xsetbv

	GUEST rdrand
	INSN rdrand
	rdrand	%rax
	NEXT rdrand

	GUEST rdseed
	INSN rdseed
	rdseed	%ecx
	NEXT rdseed

	GUEST rdtscp
	INSN rdtscp
	rdtscp
	NEXT rdtscp

	/* MONITOR on g_scratch (RAX; ECX = EDX = 0). */
	GUEST monitor
	leaq	g_scratch(%rip), %rax
	xorl	%ecx, %ecx
	xorl	%edx, %edx
	INSN monitor
	monitor
	NEXT monitor

	/* MWAIT (EAX = ECX = 0) without a MONITOR before it. */
	GUEST mwait
	xorl	%eax, %eax
	xorl	%ecx, %ecx
	INSN mwait
	mwait
	NEXT mwait

	/* MONITOR (not exiting) arms the monitor, then MWAIT. */
	GUEST monitor_mwait
	leaq	g_scratch(%rip), %rax
	xorl	%ecx, %ecx
	xorl	%edx, %edx
	monitor
	xorl	%eax, %eax
	INSN monitor_mwait
	mwait
	NEXT monitor_mwait

	GUEST hlt
	INSN hlt
	hlt
	NEXT hlt

	GUEST invlpg
	movl	$0x123000, %eax
	INSN invlpg
	invlpg	(%rax)
	NEXT invlpg

	GUEST rdpmc
	xorl	%ecx, %ecx
	INSN rdpmc
	rdpmc
	NEXT rdpmc

	GUEST rdtsc
	INSN rdtsc
	rdtsc
	NEXT rdtsc

	GUEST invd
	INSN invd
	invd
	NEXT invd

	GUEST wbinvd
	INSN wbinvd
	wbinvd
	NEXT wbinvd

	GUEST pause
	INSN pause
	pause
	NEXT pause

	GUEST cr3_load
	movq	%cr3, %rbx
	INSN cr3_load
	movq	%rbx, %cr3
	NEXT cr3_load

	GUEST cr3_store
	INSN cr3_store
	movq	%cr3, %rsi
	NEXT cr3_store

	GUEST cr8_load
	xorl	%edx, %edx
	INSN cr8_load
	movq	%rdx, %cr8
	NEXT cr8_load

	GUEST cr8_store
	INSN cr8_store
	movq	%cr8, %r9
	NEXT cr8_store

	/* TPR shadow (vmctl): RAX to CR8 / CR8 to RAX, value from L1. */
	GUEST cr8_write_rax
	INSN cr8_write_rax
	movq	%rax, %cr8
	NEXT cr8_write_rax

	GUEST cr8_read_rax
	INSN cr8_read_rax
	movq	%cr8, %rax
	NEXT cr8_read_rax

	GUEST cr0_write
	movq	%cr0, %rax
	xorq	$8, %rax		/* toggle TS */
	INSN cr0_write
	movq	%rax, %cr0
	NEXT cr0_write

	GUEST clts
	INSN clts
	clts
	NEXT clts

	GUEST dr7_write
	movl	$0x400, %eax
	INSN dr7_write
	movq	%rax, %dr7
	NEXT dr7_write

	GUEST dr6_read
	INSN dr6_read
	movq	%dr6, %rbx
	NEXT dr6_read

	GUEST out_imm
	movb	$0x41, %al
	INSN out_imm
	outb	%al, $0x80
	NEXT out_imm

	GUEST in_dx
	movw	$0x1234, %dx
	INSN in_dx
	inw	%dx, %ax
	NEXT in_dx

	GUEST rdmsr
	movl	$0x174, %ecx
	INSN rdmsr
	rdmsr
	NEXT rdmsr

	GUEST wrmsr
	movl	$0x175, %ecx
	xorl	%eax, %eax
	xorl	%edx, %edx
	INSN wrmsr
	wrmsr
	NEXT wrmsr

	GUEST sgdt
	leaq	g_scratch(%rip), %rax	/* no displacement: qualification 0 */
	INSN sgdt
	sgdt	(%rax)
	NEXT sgdt

	GUEST str
	INSN str
	str	%ax
	NEXT str

	GUEST ud2
	INSN ud2
	ud2
	NEXT ud2

	GUEST int3
	INSN int3
	int3
	NEXT int3

	GUEST vmxon
	leaq	-8(%rsp), %rax
	INSN vmxon
	vmxon	(%rax)
	NEXT vmxon

	GUEST vmxoff
	INSN vmxoff
	vmxoff
	NEXT vmxoff

	GUEST vmclear
	leaq	-8(%rsp), %rax
	INSN vmclear
	vmclear	(%rax)
	NEXT vmclear

	GUEST vmptrld
	leaq	-8(%rsp), %rax
	INSN vmptrld
	vmptrld	(%rax)
	NEXT vmptrld

	GUEST vmptrst
	leaq	-8(%rsp), %rax
	INSN vmptrst
	vmptrst	(%rax)
	NEXT vmptrst

	GUEST vmread
	movl	$0x681e, %ecx
	INSN vmread
	vmread	%rcx, %rax
	NEXT vmread

	GUEST vmwrite
	movl	$0x681e, %ecx
	INSN vmwrite
	vmwrite	%rax, %rcx
	NEXT vmwrite

	GUEST vmlaunch
	INSN vmlaunch
	vmlaunch
	NEXT vmlaunch

	GUEST vmresume
	INSN vmresume
	vmresume
	NEXT vmresume

	GUEST invept
	leaq	-16(%rsp), %rax
	movl	$2, %ecx
	INSN invept
	invept	(%rax), %rcx
	NEXT invept

	GUEST invvpid
	leaq	-16(%rsp), %rax
	movl	$2, %ecx
	INSN invvpid
	invvpid	(%rax), %rcx
	NEXT invvpid

	/* #AC (vmctl): a store to (RBX), misaligned by L1, run at CPL 3. */
	GUEST ac_store
	INSN ac_store
	movl	%eax, (%rbx)
	NEXT ac_store

	/* Straight-line code for MTF / windows / timers: several NOPs. */
	GUEST nops
	INSN nops
	nop
	nop
	nop
	NEXT nops

	/* A counter loop for the preemption timer: never exits by itself. */
	.globl g_spin
g_spin:
	incq	%rbx
	jmp	g_spin

	/* Writes RDI to [RSI], reads it back into RAX, VMCALL. */
	GUEST memrw
	INSN memrw
	movq	%rdi, (%rsi)
	movq	(%rsi), %rax
	NEXT memrw

	/* Reads [RSI] into RAX, VMCALL. */
	GUEST memread
	INSN memread
	movq	(%rsi), %rax
	NEXT memread

	/* CR shadowing: RAX = CR0, RBX = CR4 as the guest sees them. */
	GUEST crread
	INSN crread
	movq	%cr0, %rax
	movq	%cr4, %rbx
	NEXT crread

	/* LMSW from memory (the word at g_scratch) and from AX. */
	GUEST lmsw_mem
	leaq	g_scratch(%rip), %rbx
	INSN lmsw_mem
	lmsw	(%rbx)
	NEXT lmsw_mem

	GUEST lmsw_ax
	INSN lmsw_ax
	lmsw	%ax
	NEXT lmsw_ax

	/* MOV CR0 back with the value read: matches the shadow. */
	GUEST cr0_same
	movq	%cr0, %rax
	INSN cr0_same
	movq	%rax, %cr0
	NEXT cr0_same

	/* OUT/IN of size 1/4 to the port in SI. */
	GUEST outb_si
	movw	%si, %dx
	INSN outb_si
	outb	%al, %dx
	NEXT outb_si

	GUEST outl_si
	movw	%si, %dx
	INSN outl_si
	outl	%eax, %dx
	NEXT outl_si

	/* RDMSR / WRMSR with ECX (and EDX:EAX) as L1 set them. */
	GUEST rdmsr_ecx
	INSN rdmsr_ecx
	rdmsr
	NEXT rdmsr_ecx

	GUEST wrmsr_ecx
	INSN wrmsr_ecx
	wrmsr
	NEXT wrmsr_ecx

	/* IRETQ with a null CS in the frame: #GP(0) after IRET has removed
	 * NMI blocking (SDM 6.7.1). */
	GUEST iret_null_cs
	movq	%rsp, %rax
	pushq	$0x10
	pushq	%rax
	pushfq
	pushq	$0
	pushq	$g_iret_null_cs_next
	INSN iret_null_cs
	iretq
	NEXT iret_null_cs

	/* 32-bit code (unrestricted guest, no IA-32e mode): far JMP to the
	 * TSS descriptor at 0x38 and far CALL through the task gate at 0x40
	 * of the L2 GDT (task switches, SDM 26.4.2). */
	.code32
	GUEST jmp_tss32
	INSN jmp_tss32
	ljmp	$0x38, $0
	NEXT jmp_tss32

	GUEST call_gate32
	INSN call_gate32
	lcall	$0x40, $0
	NEXT call_gate32

	/* INT 0x40 through the task gate in the L2 IDT. */
	GUEST int_gate32
	INSN int_gate32
	int	$0x40
	NEXT int_gate32

	/* IRET with NT=1: task return to the back link of the current TSS. */
	GUEST iret_nt32
	pushfl
	orl	$0x4000, (%esp)
	popfl
	INSN iret_nt32
	iretl
	NEXT iret_nt32

	/* PAE paging without IA-32e mode: read (%esi) through the PDPTE
	 * registers and report; reload CR3 from %edi (PDPTEs from memory),
	 * read again and report. */
	GUEST pae32
	INSN pae32
	movl	(%esi), %eax
	vmcall
	movl	%edi, %cr3
	movl	(%esi), %eax
	NEXT pae32
	.code64

	/* Counts in RBX, reports with VMCALL, forever. */
	.globl g_count
g_count:
	incq	%rbx
	vmcall
	jmp	g_count

	.bss
	.balign 16
	.globl g_scratch
g_scratch:
	.skip 64

	.section .note.GNU-stack, "", @progbits
