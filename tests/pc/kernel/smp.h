/* SPDX-License-Identifier: MIT */
/*
 * The PC test kernel's processors (smp.c): the CPUs the ACPI MADT lists,
 * the APs started with INIT-SIPI-SIPI through the local APIC
 * (smp_tramp.S), a GDT and TSS per CPU, a mailbox per AP through which
 * the BSP runs a function there, and IPIs.  CPUs are numbered in MADT
 * order (CPU 0 is the BSP); only the BSP prints.
 */
#ifndef PCTEST_SMP_H
#define PCTEST_SMP_H

#include "kernel.h"

#define SMP_MAX_CPUS	16

/* Local APIC registers (SDM Vol. 3A Table 11-1) and ICR bits (11.6.1). */
#define APIC_ID		0x20
#define APIC_EOI	0xb0
#define APIC_SPIV	0xf0
#define APIC_ICR	0x300
#define APIC_ICR2	0x310
#define ICR_FIXED	(0u << 8)
#define ICR_INIT	(5u << 8)
#define ICR_SIPI	(6u << 8)
#define ICR_PENDING	(1u << 12)
#define ICR_ASSERT	(1u << 14)
#define ICR_LEVEL	(1u << 15)
#define ICR_ALL_BUT_SELF (3u << 18)

/* The GDT every CPU loads (its own copy): TSS at SEL_TSS. */
#define SEL_CODE	0x08
#define SEL_DATA	0x10
#define SEL_TSS		0x18

struct tss64 {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3, iomap_base;
} __attribute__((packed));

extern unsigned smp_ncpus;
extern uint32_t smp_apic_ids[SMP_MAX_CPUS];
extern struct tss64 smp_tss[SMP_MAX_CPUS];
extern uint64_t smp_gdt[SMP_MAX_CPUS][5];

/* This CPU's number (MADT order), from its local APIC ID. */
unsigned smp_self(void);
/* A fixed/INIT/SIPI/... IPI: icr's low word, to CPU cpu's APIC. */
void smp_ipi(unsigned cpu, uint32_t icr);
/* Spin (PAUSE) until *v == want; false after a long while. */
bool smp_wait_for(volatile uint32_t *v, uint32_t want);

/* The mailbox: the AP runs fn(arg) and reports done. */
void smp_post(unsigned cpu, void (*fn)(void *), void *arg);
bool smp_wait_done(unsigned cpu);
bool smp_call(unsigned cpu, void (*fn)(void *), void *arg);

/* The APs are up (test_smp ran and started them all). */
bool smp_ready(void);

#endif
