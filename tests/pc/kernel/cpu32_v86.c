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

#define STR_(x) #x
#define STR(x) STR_(x)

#define V86_CS		0x0800
#define V86_SS		0x0900
#define V86_SP		0x0ff0
#define V86_PF_SEG	0x1000		/* linear 0x10000: not present */

static uint8_t code_page[4096] __attribute__((aligned(4096)));
static uint8_t stack_page[4096] __attribute__((aligned(4096)));

extern char v86_start[], v86_end[], v86_int40[], v86_cli[], v86_pushf[];
extern char v86_int3[], v86_hlt[], v86_int43[], v86_io[], v86_pf[];
extern char v86_iret_back[], v86_vme_cli[], v86_vme_int[], v86_vme_handler[];
static uint16_t ivt_page[2048] __attribute__((aligned(4096)));

__asm__(".text\n.code16\n"
	"v86_start:\n"
	"v86_int40: int $0x40\n"
	"v86_cli: cli\n"
	"v86_pushf: pushf\n"
	"v86_int3: int3\n"
	"v86_hlt: hlt\n"
	"v86_int43: int $0x43\n"
	"v86_io: inb $0x80, %al\n inb $0x84, %al\n"
	"v86_pf: movw $" STR(V86_PF_SEG) ", %ax\n movw %ax, %ds\n movb 0x10, %al\n"
	"v86_iret_back: movw $0x1234, %bx\n int $0x46\n addw $1, %bx\n"
	"  int $0x40\n"
	"v86_vme_cli: cli\n int $0x41\n"
	"v86_vme_int: int $0x40\n"
	"v86_vme_handler: int $0x41\n"
	"v86_end:\n"
	".code32\n");

extern char t32_count_iret[];
static uint32_t v_ip;
static uint32_t v_eflags;

static void f_v86(void)
{
	c32_to_v86(v_ip, V86_CS, V86_SP, V86_SS, v_eflags);
}

static void v86_line(const char *name, char *entry, uint32_t flags)
{
	v_ip = (uint32_t)(entry - v86_start);
	v_eflags = EFL_VM | flags | 0x2;
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

/*
 * CR4.VME (SDM Vol. 3A 20.3.3, 20.4, Table 20-2): CLI with IOPL < 3 clears
 * VIF; INT n with a clear bit in the TSS's interrupt-redirection bitmap
 * goes through the 8086 program's IVT (at linear 0) with FLAGS, CS, IP on
 * its stack (IF in the image from VIF when IOPL < 3), a set bit goes to
 * the IDT (IOPL 3) or is #GP(0) (IOPL < 3).  QEMU 7.2 (TCG) has no VME
 * (CPUID.1:EDX[1] = 0 with -cpu max): "cpu32x" lines, vmxbox alone.
 */
#define EFL_VIF 0x80000u
static void vme_line(const char *name, char *entry, uint32_t flags)
{
	for (unsigned i = 0; i < 3; i++)
		((uint16_t *)(stack_page + V86_SP))[-1 - (int)i] = 0;
	v86_line(name, entry, flags);
	if (entry != v86_vme_int) {
		c32_end();
		return;
	}
	kkv_hex("v86_stack_ip_off", ((uint16_t *)(stack_page + V86_SP))[-3] -
		(uint32_t)(v86_vme_int - v86_start));
	kkv_hex("v86_stack_cs", ((uint16_t *)(stack_page + V86_SP))[-2]);
	kkv_hex("v86_stack_flags", ((uint16_t *)(stack_page + V86_SP))[-1]);
	c32_end();
}

static void test_vme(void)
{
	uint8_t *irb = c32_main_irb();
	uint32_t cr4 = c32_rdcr4(), r[4];

	c32_cpuid(1, r);
	if (!(r[3] & 2))
		return;
	c32_x = true;
	ivt_page[0x40 * 2] = (uint16_t)(v86_vme_handler - v86_start);
	ivt_page[0x40 * 2 + 1] = V86_CS;
	irb[0x41 / 8] |= 1u << (0x41 % 8);
	c32_pt0[0] = (uint32_t)(uintptr_t)ivt_page | 7;
	c32_wrcr4(cr4 | 1);			/* VME */
	vme_line("v86_vme_cli_iopl0", v86_vme_cli, EFL_IF | EFL_VIF);
	vme_line("v86_vme_redirect_iopl0", v86_vme_int, EFL_IF | EFL_VIF);
	vme_line("v86_vme_redirect_iopl3", v86_vme_int, EFL_IF | EFL_IOPL3);
	c32_x = false;
	c32_wrcr4(cr4);
	irb[0x41 / 8] = 0;
	c32_pt0[0] = 7;
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
	test_vme();

	c32_set_stub(0x46, 0xe);
	c32_pt0[8] = pte8;
	c32_pt0[9] = pte9;
	c32_pt0[16] = pte16;
	c32_paging_on();	/* reloads CR3: flushes the pages */
}
