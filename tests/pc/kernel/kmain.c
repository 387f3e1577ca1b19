// SPDX-License-Identifier: MIT
/*
 * PC test kernel: prints what it finds of the platform (multiboot info,
 * fw_cfg, ACPI tables, PCI devices) as "section key=value" lines on COM1,
 * then leaves through isa-debug-exit (port 0xf4) with 0.  tests/pc/ runs
 * it on vmxbox and, where installed, on QEMU, and compares the lines.
 */
#include "kernel.h"

/* A few CPUID.1:ECX bits, to see -cpu at work (machine-specific: QEMU's
 * TCG has no VMX). */
static void print_cpuid(void)
{
	uint32_t a = 1, b, c = 0, d;

	__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	kputs("cpux");
	kkv_dec("vmx", (c >> 5) & 1);
	kkv_dec("sse4_2", (c >> 20) & 1);
	kkv_dec("x2apic", (c >> 21) & 1);
	kputc('\n');
}

/* The reset and power registers read back; POST writes go nowhere. */
static void test_power_ports(void)
{
	kputs("power");
	kkv_hex("rcr", inb(0xcf9));
	outb(0xcf9, 0x02);                   /* SYS_RST kept, no reset */
	kkv_hex("rcr_after", inb(0xcf9));
	outb(0xcf9, 0x00);
	outb(0x80, 0x55);
	kkv_hex("post_read", inb(0x80));
	outw(0x602, 0x0120);                 /* PM1_EN: GBL_EN, PWRBTN_EN */
	kkv_hex("pm1_en", inw(0x602));
	outw(0x602, 0);
	kputc('\n');
	kputs("powerx");
	kkv_hex("port92", inb(0x92));
	kkv_hex("pm1_cnt", inw(0x604));
	kkv_hex("pm1_sts", inw(0x600));
	kputc('\n');
	/* Left for test_power_kept(): SYS_RST, PM1_EN, fw_cfg's signature
	 * item half read. */
	outb(0xcf9, 0x02);
	outw(0x602, 0x0120);
	outw(0x510, 0);
	inb(0x511);
	inb(0x511);
}

/* At the end of the run: what test_power_ports() left (a snapshot
 * restored in between must bring it back). */
static void test_power_kept(void)
{
	uint32_t next = inb(0x511);

	next |= (uint32_t)inb(0x511) << 8;
	kputs("power kept");
	kkv_hex("rcr", inb(0xcf9));
	kkv_hex("pm1_en", inw(0x602));
	kkv_hex("fwcfg_next", next);
	kputc('\n');
}

/* exit=shutdown|acpi|cf9|port92 on the command line: leave that way
 * instead of through isa-debug-exit. */
static void power_exit(void)
{
	if (cmdline_has("exit=shutdown"))
		for (const char *p = "Shutdown"; *p; p++)
			outb(0x8900, (uint8_t)*p);
	if (cmdline_has("exit=acpi"))
		outw(0x604, 0x2000 | 0 << 10);   /* SLP_EN, SLP_TYP of \\_S5 */
	if (cmdline_has("exit=cf9"))
		outb(0xcf9, 0x06);
	if (cmdline_has("exit=port92"))
		outb(0x92, inb(0x92) | 1);
	if (cmdline_has("exit=f7"))          /* the last port of iosize=4 */
		outb(0xf7, 2);
}

void kmain(uint32_t magic, uint32_t info);

void kmain(uint32_t magic, uint32_t info)
{
	cmdline_from_multiboot(magic, info);
	kputs("pctest start\n");
	if ((magic & 0xffff) == 0x4c58)      /* "LX": booted as a bzImage */
		test_linux(magic >> 24, info);
	else
		test_multiboot(magic, info);
	print_cpuid();
	test_fw_cfg();
	test_acpi();
	test_smbios();
	test_pci();
	test_power_ports();
	test_serial();
	if (cmdline_has("irq"))
		test_irq();
	if (cmdline_has("cpu"))
		test_cpu();
	if (cmdline_has("smp"))
		test_smp();
	if (cmdline_has("smpvmx"))
		test_smpvmx();
	test_pci_kept();
	test_power_kept();
	test_pc_testdev_kept();
	kputs("pctest done\n");
	power_exit();
	outl(0xf4, 0);
}
