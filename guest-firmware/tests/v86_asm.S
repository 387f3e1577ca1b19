/* SPDX-License-Identifier: MIT */
/*
 * L2 code of fw_vmv86 (vmv86.c): the ring-0 interrupt handlers of a 32-bit
 * protected-mode L2 kernel (flat CS 0x08) and the virtual-8086 program it
 * runs.  L1 copies the program below 1 MiB (CS = V86_CS); its labels are
 * used as offsets from v86_prog.  Each handler puts its vector in EAX and
 * reports with VMCALL so L1 can check the frame, then returns to
 * virtual-8086 mode with IRETD.
 */
	.text
	.code32
	.globl v86_h_int, v86_h_ext, v86_h_gp

	.balign 16
v86_h_int:
	movl	$0x21, %eax
	vmcall
	iretl

	.balign 16
v86_h_ext:
	movl	$0x30, %eax
	vmcall
	iretl

	/* #GP from virtual-8086 mode: skip the 2-byte IN or INT n. */
	.balign 16
v86_h_gp:
	movl	$0x0d, %eax
	vmcall
	addl	$4, %esp		/* the error code */
	addw	$2, (%esp)		/* EIP */
	iretl

	.code16
	.globl v86_prog, v86_prog_end
	.globl v86_int, v86_int_next, v86_out, v86_out_next, v86_in81
	.globl v86_out2, v86_done
	.globl v86_vme, v86_int10, v86_int10_next, v86_vme_report
	.globl v86_int21, v86_vme_done, v86_isr10, v86_vmxon
	.balign 16
v86_prog:
	/* IOPL 3: INT n through the IDT, port I/O per L1's bitmaps and the
	 * TSS I/O permission bitmap (0x81 denied). */
v86_int:
	int	$0x21
v86_int_next:
	movb	$0x5a, %al
v86_out:
	outb	%al, $0x80
v86_out_next:
v86_in81:
	inb	$0x81, %al
	inb	$0x82, %al
v86_out2:
	outb	%al, $0x80
v86_done:
	vmcall
	ud2

	/* CR4.VME, IOPL 0: CLI/STI/PUSHF on VIF, INT 0x10 redirected to the
	 * program's own handler (v86_isr10 via the table at linear 0), INT
	 * 0x21 with its redirection bit set: #GP. */
v86_vme:
	cli
v86_int10:
	int	$0x10
v86_int10_next:
	sti
	pushf
	popw	%ax
v86_vme_report:
	vmcall
v86_int21:
	int	$0x21
v86_vme_done:
	vmcall
	ud2

v86_isr10:
	vmcall
	iret

	/* VMXON with RFLAGS.VM = 1: #UD before the non-root VM exit
	 * (SDM 31.3 VMXON). */
v86_vmxon:
	vmxon	(%bx)
	vmcall
v86_prog_end:
	.code64

	.section .note.GNU-stack, "", @progbits
