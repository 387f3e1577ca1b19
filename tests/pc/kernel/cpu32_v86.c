// SPDX-License-Identifier: MIT
/*
 * Virtual-8086 mode in the 32-bit part of "cpu" (SDM Vol. 3A 20.2-20.3,
 * CR4.VME = 0): entered by IRET with EFLAGS.VM; INT n with IOPL 3 through
 * a DPL 3 gate to ring 0 (the v86 segment registers on the stack, null
 * data segments in the handler), IRET back to v86; with IOPL < 3 INT n,
 * CLI, PUSHF raise #GP(0) to the monitor while INT3 still goes through
 * the IDT; HLT; a DPL 0 gate; the I/O permission bitmap; #PF in v86.
 * The pushed EFLAGS image of a fault has RF set: "cpu32x" (QEMU has 0).
 * Code at linear 0x8000 (CS 0x0800), stack at 0x9000 (SS 0x0900), both
 * 4 KiB pages of PT0 that point to the kernel's own pages.
 */
#include "cpu32.h"

#define V86_CS		0x0800
#define V86_SS		0x0900
#define V86_SP		0x0ff0
#define V86_PF_SEG	0x1000		/* linear 0x10000: not present */

static uint8_t code_page[4096] __attribute__((aligned(4096)));
static uint8_t stack_page[4096] __attribute__((aligned(4096)));

extern char v86_start[], v86_end[], v86_int40[], v86_cli[], v86_pushf[];
extern char v86_int3[], v86_hlt[], v86_int43[], v86_io[], v86_pf[];
extern char v86_iret_back[];

__asm__(".text\n.code16\n"
	"v86_start:\n"
	"v86_int40: int $0x40\n"
	"v86_cli: cli\n"
	"v86_pushf: pushf\n"
	"v86_int3: int3\n"
	"v86_hlt: hlt\n"
	"v86_int43: int $0x43\n"
	"v86_io: inb $0x80, %al\n inb $0x84, %al\n"
	"v86_pf: movw $" "0x1000" ", %ax\n movw %ax, %ds\n movb 0x10, %al\n"
	"v86_iret_back: movw $0x1234, %bx\n int $0x46\n addw $1, %bx\n"
	"  int $0x40\n"
	"v86_end:\n"
	".code32\n");

extern char t32_count_iret[];
static uint32_t v_ip;
static uint32_t v_eflags;

static void f_v86(void)
{
	c32_to_v86(v_ip, V86_CS, V86_SP, V86_SS, v_eflags);
}

static void v86_line(const char *name, char *entry, uint32_t iopl)
{
	v_ip = (uint32_t)(entry - v86_start);
	v_eflags = EFL_VM | iopl | 0x2;
	c32_trap_line(name, f_v86);
	kkv_hex("cs", t32_cs & 0xffff);
	kkv_hex("ip_off", t32_eip - v_ip);
	kkv_hex("eflags_without_rf", t32_eflags & ~EFL_RF);
	kkv_hex("ss", t32_ss & 0xffff);
	kkv_hex("sp", t32_esp);
	kkv_hex("es", t32_vseg[0] & 0xffff);
	kkv_hex("ds", t32_vseg[1] & 0xffff);
	kkv_hex("fs", t32_vseg[2] & 0xffff);
	kkv_hex("gs", t32_vseg[3] & 0xffff);
	kkv_hex("handler_ds", t32_ds_in & 0xffff);
	kkv_hex("handler_eflags", t32_hflags);
	if (t32_vector == 14)
		kkv_hex("cr2", t32_cr2);
	/* QEMU 7.2 (TCG) pushes RF = 0 for a fault; SDM Vol. 3A 18.3.1.1:
	 * RF is set in the EFLAGS image of every fault but an instruction
	 * breakpoint. */
	kputs("\ncpu32x ");
	kputs(name);
	kkv_hex("eflags", t32_eflags);
}

void c32_test_v86(void)
{
	uint32_t pte8 = c32_pt0[8], pte9 = c32_pt0[9], pte16 = c32_pt0[16];

	for (size_t i = 0; i < (size_t)(v86_end - v86_start); i++)
		code_page[i] = (uint8_t)v86_start[i];
	c32_pt0[8] = (uint32_t)(uintptr_t)code_page | 7;
	c32_pt0[9] = (uint32_t)(uintptr_t)stack_page | 7;
	c32_pt0[16] = 0;
	c32_paging_on();
	c32_set_gate(0x46, 0x6f, S_CODE0, (uint32_t)(uintptr_t)t32_count_iret);

	v86_line("v86_int_iopl3", v86_int40, EFL_IOPL3);
	c32_end();
	v86_line("v86_int_iopl0", v86_int40, 0);
	c32_end();
	v86_line("v86_cli_iopl0", v86_cli, 0);
	c32_end();
	v86_line("v86_pushf_iopl0", v86_pushf, 0);
	c32_end();
	v86_line("v86_int3_iopl0", v86_int3, 0);
	c32_end();
	v86_line("v86_hlt", v86_hlt, EFL_IOPL3);
	c32_end();
	v86_line("v86_int_dpl0_gate", v86_int43, EFL_IOPL3);
	c32_end();
	v86_line("v86_io_bitmap", v86_io, 0);
	c32_end();
	v86_line("v86_pf", v86_pf, 0);
	c32_end();
	t32_count = 0;
	v86_line("v86_iret_back", v86_iret_back, EFL_IOPL3);
	kkv_dec("count", t32_count);
	c32_end();

	c32_set_stub(0x46, 0xe);
	c32_pt0[8] = pte8;
	c32_pt0[9] = pte9;
	c32_pt0[16] = pte16;
	c32_paging_on();	/* reloads CR3: flushes the three pages */
}
