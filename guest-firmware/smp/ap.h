/* SPDX-License-Identifier: MIT */
/*
 * Application processors for the SMP firmware (docs/smp.md): start-up
 * through trampoline.S with INIT-SIPI-SIPI, a GDT/TSS per AP, IPIs, and
 * a mailbox per AP so the BSP can run a function there and wait for it.
 */
#ifndef FW_SMP_AP_H
#define FW_SMP_AP_H

#include "fw.h"
#include "apic.h"

#define MAX_CPUS	16

#define ICR_INIT	(5u << 8)
#define ICR_SIPI	(6u << 8)
#define ICR_ASSERT	(1u << 14)
#define ICR_LEVEL	(1u << 15)

extern struct tss64 ap_tss[MAX_CPUS];

/* Each image: what an AP does once in long mode on its own stack. */
void ap_start(uint32_t id);

uint32_t smp_my_id(void);
unsigned smp_fw_cfg_cpus(void);
void smp_send_ipi(uint32_t dest, uint32_t icr);
/* Spin (PAUSE) until *v == want; false after a long while. */
bool smp_wait_for(volatile uint32_t *v, uint32_t want);
/* INIT-SIPI-SIPI to APs 1..n-1; true when all reached ap_start(). */
bool smp_start_aps(unsigned n);

/* The mailbox: ap_serve() runs what the BSP posts, forever. */
void ap_serve(uint32_t id);
void smp_post(unsigned cpu, void (*fn)(void *), void *arg);
bool smp_wait_done(unsigned cpu);
static inline bool smp_call(unsigned cpu, void (*fn)(void *), void *arg)
{
	smp_post(cpu, fn, arg);
	return smp_wait_done(cpu);
}

#endif
