// SPDX-License-Identifier: MIT
/* Application processors: see ap.h and trampoline.S. */
#include "ap.h"
#include "ap_tramp.h"

#define SPIN_LIMIT	20000000u
#define FW_CFG_PORT_SEL		0x510
#define FW_CFG_PORT_DATA	0x511
#define FW_CFG_NB_CPUS		0x05

void ap_entry64(void);
void ap_main(uint32_t id);

uint8_t ap_stacks[MAX_CPUS + 1][16384] __attribute__((aligned(16)));
struct tss64 ap_tss[MAX_CPUS] __attribute__((aligned(16)));
static uint64_t ap_gdt[MAX_CPUS][7] __attribute__((aligned(16)));
static uint8_t ap_ist[MAX_CPUS][4096] __attribute__((aligned(16)));
static volatile uint32_t alive;

static struct ap_mailbox mbox[MAX_CPUS];

uint32_t smp_my_id(void)
{
	return apic_read(APIC_ID) >> 24;
}

unsigned smp_fw_cfg_cpus(void)
{
	uint16_t lo, hi;

	outw(FW_CFG_PORT_SEL, FW_CFG_NB_CPUS);
	lo = inb(FW_CFG_PORT_DATA);
	hi = inb(FW_CFG_PORT_DATA);
	return (unsigned)(lo | hi << 8);
}

/* A copy of the runtime's GDT with a TSS of its own (the BSP's is busy;
 * IST1 for NMIs needs one), and the shared IDT. */
static void load_descriptors(uint32_t id)
{
	uint64_t base = (uint64_t)&ap_tss[id], limit = sizeof(ap_tss[id]) - 1;
	struct desc_ptr g = { sizeof(ap_gdt[id]) - 1, (uint64_t)ap_gdt[id] };
	struct desc_ptr i = { 64 * 16 - 1, idt_base() };

	memcpy(ap_gdt[id], fw_gdt, sizeof(ap_gdt[id]));
	ap_tss[id].ist[0] = (uint64_t)(ap_ist[id] + sizeof(ap_ist[id]));
	ap_tss[id].iomap_base = sizeof(ap_tss[id]);
	ap_gdt[id][5] = (limit & 0xffff) | ((base & 0xffffff) << 16) |
			(0x89ULL << 40) | (((base >> 24) & 0xff) << 56);
	ap_gdt[id][6] = base >> 32;
	asm volatile("lgdt %0; lidt %1; ltr %w2"
		     : : "m"(g), "m"(i), "r"(SEL_TSS) : "memory");
}

/* Every AP, in long mode on the BSP's page tables, on its own stack. */
void ap_main(uint32_t id)
{
	if (id >= MAX_CPUS)
		for (;;)
			asm volatile("cli; hlt");
	load_descriptors(id);
	apic_write(APIC_SPIV, 0x1ff);
	__atomic_add_fetch(&alive, 1, __ATOMIC_SEQ_CST);
	ap_start(id);
	for (;;)
		asm volatile("cli; hlt" ::: "memory");
}

void smp_send_ipi(uint32_t dest, uint32_t icr)
{
	apic_write(APIC_ICR2, dest << 24);
	apic_write(APIC_ICR, icr);
}

bool smp_wait_for(volatile uint32_t *v, uint32_t want)
{
	for (uint32_t i = 0; i < SPIN_LIMIT; i++) {
		if (__atomic_load_n(v, __ATOMIC_SEQ_CST) == want)
			return true;
		asm volatile("pause");
	}
	return false;
}

bool smp_start_aps(unsigned n)
{
	ap_tramp_install(read_cr3(), ap_entry64);
	for (unsigned k = 1; k < n; k++) {
		smp_send_ipi(k, ICR_INIT | ICR_ASSERT | ICR_LEVEL);
		smp_send_ipi(k, ICR_INIT | ICR_LEVEL);	/* de-assert */
		smp_send_ipi(k, ICR_SIPI | (AP_TRAMP_BASE >> 12));
		smp_send_ipi(k, ICR_SIPI | (AP_TRAMP_BASE >> 12));
	}
	return smp_wait_for(&alive, n - 1);
}

void ap_serve(uint32_t id)
{
	ap_mailbox_serve(&mbox[id]);
}

void smp_post(unsigned cpu, void (*fn)(void *), void *arg)
{
	ap_mailbox_post(&mbox[cpu], fn, arg);
}

bool smp_wait_done(unsigned cpu)
{
	return smp_wait_for(&mbox[cpu].done, mbox[cpu].posted);
}
