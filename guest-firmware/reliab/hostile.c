// SPDX-License-Identifier: MIT
/*
 * A hostile guest for the responsiveness test (tests/reliab): the boot
 * command line (--append) picks one way to keep vmxbox busy forever; the
 * test checks that SIGTERM, --timeout, --max-insns and the monitor still
 * work whatever the guest does, and whether anybody reads its output.
 *
 *   rep-insb      mov rcx,-1; rep insb (one instruction, 2^64 iterations)
 *   rep-outsb     rep outsb of 64 MiB of RAM to the serial port
 *   serial-flood  print lines forever
 *   exit-storm    an L2 that exits on CPUID forever, resumed by L1
 *   ud-storm      #UD whose handler returns to the same UD2, forever
 *   irq-storm     an interrupt whose handler raises it again, forever
 *   apic-storm    the local APIC timer, periodic with count 1, forever
 *   exc-storm     #UD whose IDT gate (on an IST stack) points at the UD2
 *                 itself: endless deliveries, no instruction ever retires
 *   vmclear-high  VMCLEAR of a page beyond RAM (legal: SDM 31.3 checks
 *                 alignment and MAXPHYADDR only), then exit 0: the state
 *                 must save and load again (tests/reliab)
 *   fill-ram      fill 32 MiB of RAM with a pattern and exit 0: a big
 *                 snapshot to kill vmxbox in the middle of (tests/reliab)
 */
#include "fw.h"
#include "vmx.h"

#define EVENT_PORT 0xf5
#define STORM_VECTOR 0x30

static struct vmx_vm vm;

static bool cmd_is(const char *s)
{
	return strcmp(boot_info.cmdline, s) == 0;
}

extern char hostile_rep_insb[];

static __attribute__((noinline)) void rep_insb(void)
{
	uint64_t rcx = ~0ull, rdi = 32ull << 20;

	printf("hostile: the REP is at rip=0x%lx\n", (uint64_t)hostile_rep_insb);
	asm volatile("cld\n"
		     ".globl hostile_rep_insb\n"
		     "hostile_rep_insb: rep insb"
		     : "+c"(rcx), "+D"(rdi) : "d"(0x80) : "memory");
}

static void rep_outsb(void)
{
	uint64_t rcx = 64ull << 20, rsi = 0;

	asm volatile("cld; rep outsb"
		     : "+c"(rcx), "+S"(rsi) : "d"(0x3f8) : "memory");
}

static void serial_flood(void)
{
	for (uint64_t n = 0;; n++)
		printf("hostile: serial flood line %lu ..................................\n", n);
}

static void l2_main(void)
{
	for (;;)
		cpuid(0, 0);
}

static void exit_storm(void)
{
	if (!vmx_supported() || vmx_enable() != VMX_SUCCEED) {
		printf("hostile: VMX not available\n");
		fw_exit(1);
	}
	vmx_vm_init(&vm, l2_main, vmx_guest_stack());
	for (;;) {
		if (vmx_vm_run(&vm) != VMX_SUCCEED) {
			printf("hostile: VM entry failed (error %u)\n",
			       vm.last_error);
			fw_exit(2);
		}
		vmx_skip_insn();
	}
}

static bool ud_again(struct trap_frame *f)
{
	return true;   /* back to the same UD2 */
}

static void ud_storm(void)
{
	trap_set_handler(VEC_UD, ud_again);
	asm volatile("ud2");
}

static bool irq_again(struct trap_frame *f)
{
	outl(EVENT_PORT, STORM_VECTOR);
	return true;
}

static void irq_storm(void)
{
	trap_set_handler(STORM_VECTOR, irq_again);
	outl(EVENT_PORT, STORM_VECTOR);
	asm volatile("sti");
	for (;;)
		asm volatile("pause");
}

static void vmclear_high(void)
{
	uint64_t pa = (boot_info.mem_size + 0x10000) & ~0xfffull;
	int r;

	if (!vmx_supported() || vmx_enable() != VMX_SUCCEED) {
		printf("hostile: VMX not available\n");
		fw_exit(1);
	}
	r = vmclear(pa);
	printf("hostile: VMCLEAR 0x%lx -> %d\n", pa, r);
	fw_exit(r == VMX_SUCCEED ? 0 : 2);
}

static void fill_ram(void)
{
	uint64_t rcx = (32ull << 20) / 8, rdi = 16ull << 20;

	asm volatile("cld; rep stosq" : "+c"(rcx), "+D"(rdi)
		     : "a"(0x5a5a5a5a5a5a5a5aull) : "memory");
	fw_exit(0);
}

#define APIC_BASE 0xfee00000ull
#define APIC_EOI 0xb0
#define APIC_SPIV 0xf0
#define APIC_LVT_TIMER 0x320
#define APIC_TIMER_INIT 0x380
#define APIC_TIMER_DIV 0x3e0
#define APIC_STORM_VECTOR 0x31

static void apic_write(unsigned reg, uint32_t v)
{
	*(volatile uint32_t *)(APIC_BASE + reg) = v;
}

static bool apic_tick(struct trap_frame *f)
{
	apic_write(APIC_EOI, 0);
	return true;
}

static void apic_storm(void)
{
	trap_set_handler(APIC_STORM_VECTOR, apic_tick);
	apic_write(APIC_SPIV, 0x1ff);                   /* enabled */
	apic_write(APIC_TIMER_DIV, 0xb);                /* divide by 1 */
	apic_write(APIC_LVT_TIMER, APIC_STORM_VECTOR | (1u << 17)); /* periodic */
	apic_write(APIC_TIMER_INIT, 1);
	asm volatile("sti");
	for (;;)
		asm volatile("pause");
}

static uint8_t ist_stack[4096] __attribute__((aligned(16)));
extern char hostile_ud2[];

static __attribute__((noinline)) void exc_storm(void)
{
	fw_tss.ist[0] = (uint64_t)(ist_stack + sizeof(ist_stack));
	idt_set_gate(VEC_UD, (void (*)(void))hostile_ud2, 1);
	asm volatile(".globl hostile_ud2\nhostile_ud2: ud2");
}

static const struct {
	const char *name;
	void (*fn)(void);
} scenarios[] = {
	{ "rep-insb", rep_insb },
	{ "rep-outsb", rep_outsb },
	{ "serial-flood", serial_flood },
	{ "exit-storm", exit_storm },
	{ "ud-storm", ud_storm },
	{ "irq-storm", irq_storm },
	{ "apic-storm", apic_storm },
	{ "exc-storm", exc_storm },
	{ "vmclear-high", vmclear_high },
	{ "fill-ram", fill_ram },
};

int main(void)
{
	for (unsigned i = 0; i < ARRAY_SIZE(scenarios); i++) {
		if (!cmd_is(scenarios[i].name))
			continue;
		printf("hostile: %s\n", scenarios[i].name);
		scenarios[i].fn();
		printf("hostile: %s ended\n", scenarios[i].name);
		return 3;
	}
	printf("hostile: unknown scenario '%s'\n", boot_info.cmdline);
	return 4;
}
