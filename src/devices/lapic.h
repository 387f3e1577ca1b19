/* SPDX-License-Identifier: MIT */
/*
 * Local APIC of one vCPU (SDM Vol. 3A chapter 11): xAPIC MMIO at the
 * IA32_APIC_BASE address and the x2APIC MSRs 800H-8FFH, ID, version, TPR/
 * PPR (CR8), EOI, LDR/DFR, SPIV, ISR/TMR/IRR, ESR, ICR with fixed, lowest-
 * priority, NMI, INIT, SIPI and self delivery, the LVT (timer, thermal,
 * performance counter, LINT0, LINT1, error, CMCI) and the timer in
 * one-shot, periodic and TSC-deadline modes.  It is the processor's
 * interrupt controller (core/cpu_intc.h): lapic_intc_ops.
 *
 * Register state is the xAPIC register page itself (regs[], 1 KiB, register
 * at offset X in bytes X..X+3), the layout of KVM's struct kvm_lapic_state,
 * so a KVM engine converts with one memcpy (x2APIC: KVM's ID/LDR format
 * rules apply).  What the page cannot hold (the base MSR, the timer's
 * start, the TSC deadline, errors not yet moved into ESR) is kept beside
 * it; snapshots save both (lapic_save/lapic_load).
 *
 * Time: the timer counts the virtual clock (core/vclock.h) at
 * LAPIC_BUS_HZ divided by the divide configuration.
 */
#ifndef VMXBOX_DEVICES_LAPIC_H
#define VMXBOX_DEVICES_LAPIC_H

#include <stdbool.h>
#include <stdint.h>

#include "core/cpu_intc.h"
#include "core/cpu_signal.h"
#include "core/vclock.h"
#include "devices/apic_bus.h"
#include "devices/io_bus.h"

#define LAPIC_DEFAULT_BASE 0xfee00000ull
#define LAPIC_REGS_SIZE    0x400
#define LAPIC_MMIO_SIZE    0x1000
#define LAPIC_BUS_HZ       VCLOCK_HZ      /* timer input: 1 GHz, as QEMU */
#define LAPIC_VERSION      0x00050014u    /* 6 LVT entries (max LVT 5) */

/* IA32_APIC_BASE (SDM 11.4.4) */
#define MSR_IA32_APIC_BASE    0x1bu
#define MSR_IA32_TSC_DEADLINE 0x6e0u
#define APIC_BASE_BSP  (1ull << 8)
#define APIC_BASE_EXTD (1ull << 10)
#define APIC_BASE_EN   (1ull << 11)

/* Register offsets (SDM Table 11-1; x2APIC MSR = 800H + offset / 16). */
enum lapic_reg {
	APIC_ID = 0x020, APIC_LVR = 0x030, APIC_TPR = 0x080, APIC_APR = 0x090,
	APIC_PPR = 0x0a0, APIC_EOI = 0x0b0, APIC_RRD = 0x0c0, APIC_LDR = 0x0d0,
	APIC_DFR = 0x0e0, APIC_SPIV = 0x0f0, APIC_ISR = 0x100,
	APIC_TMR = 0x180, APIC_IRR = 0x200, APIC_ESR = 0x280,
	APIC_LVT_CMCI = 0x2f0, APIC_ICR = 0x300, APIC_ICR2 = 0x310,
	APIC_LVT_TIMER = 0x320, APIC_LVT_THERMAL = 0x330,
	APIC_LVT_PERF = 0x340, APIC_LVT_LINT0 = 0x350,
	APIC_LVT_LINT1 = 0x360, APIC_LVT_ERROR = 0x370,
	APIC_TMICT = 0x380, APIC_TMCCT = 0x390, APIC_TDCR = 0x3e0,
	APIC_SELF_IPI = 0x3f0,
};

/* Bits */
#define APIC_SPIV_ENABLE   (1u << 8)
#define APIC_LVT_MASKED    (1u << 16)
#define APIC_LVT_PENDING   (1u << 12)   /* delivery status */
#define APIC_LVT_REMOTE_IRR (1u << 14)
#define APIC_LVT_LEVEL     (1u << 15)
#define APIC_TIMER_ONESHOT  0u
#define APIC_TIMER_PERIODIC 1u
#define APIC_TIMER_TSCDL    2u
#define APIC_ESR_SEND_ILLEGAL (1u << 5)
#define APIC_ESR_RECV_ILLEGAL (1u << 6)
#define APIC_ESR_ILLEGAL_REG  (1u << 7)

struct lapic_config {
	uint32_t id;              /* initial APIC ID */
	bool bsp;
	unsigned maxphyaddr;      /* for IA32_APIC_BASE reserved bits */
	bool x2apic;              /* CPUID.1:ECX[21] advertised */
	bool tsc_deadline;        /* CPUID.1:ECX[24] advertised */
	/* CPUID.1:EDX[9] clear (--cpu=...,-apic): no local APIC.  It stays
	 * hardware-disabled (no MMIO window, the 8259 drives INTR as with
	 * EN = 0) and IA32_APIC_BASE, IA32_TSC_DEADLINE and the x2APIC MSRs
	 * do not exist (#GP). */
	bool absent;
};

/* The 8259's INTR output, seen through LINT0 in ExtINT mode. */
struct lapic_extint {
	int (*pending)(void *opaque);   /* vector or -1 */
	int (*ack)(void *opaque);       /* INTA to the 8259 */
	void *opaque;
};

struct lapic {
	uint8_t regs[LAPIC_REGS_SIZE];
	uint64_t apic_base;
	uint32_t esr_latched;     /* errors since the last ESR write */
	uint64_t timer_start;     /* virtual ns the current count began */
	bool timer_stopped;       /* a one-shot count ran out (TMCCT 0) */
	uint64_t tsc_deadline;    /* IA32_TSC_DEADLINE, 0 = disarmed */
	uint64_t tsc_deadline_at; /* the same deadline in virtual ns */

	struct lapic_config cfg;
	struct vclock *clock;
	struct vtimer timer;
	struct apic_bus *bus;
	struct io_bus *mmio;      /* where the xAPIC window is mapped */
	uint64_t mapped_at;       /* its base, or VCLOCK_NEVER if unmapped */
	struct lapic_extint extint;
	/* Edges to the processor (the engine's raise_event). */
	void (*signal)(void *opaque, enum cpu_signal sig, uint8_t vector);
	void *signal_opaque;
	uint64_t accepted, ipis_sent, timer_fires;
};

int lapic_init(struct lapic *l, const struct lapic_config *cfg,
	       struct vclock *clock, struct apic_bus *bus, struct io_bus *mmio,
	       void (*signal)(void *opaque, enum cpu_signal sig, uint8_t vector),
	       void *signal_opaque);
void lapic_destroy(struct lapic *l);
/* Power-on reset (SDM 11.4.7.1); INIT keeps the ID and the base MSR. */
void lapic_reset(struct lapic *l);
void lapic_init_signal(struct lapic *l);

/* An interrupt message for this APIC (the bus has matched it). */
void lapic_accept(struct lapic *l, const struct apic_msg *m);
/* Local interrupt pins LINT0/LINT1 from a device (level). */
void lapic_set_lint(struct lapic *l, unsigned pin, bool level);
/* The 8259's INTR line changed (LINT0 in ExtINT mode, or the INTR pin
 * itself when the APIC is disabled). */
void lapic_extint_changed(struct lapic *l);

/* Register access at an offset of the xAPIC page (MMIO and x2APIC). */
uint32_t lapic_reg_read(struct lapic *l, unsigned off);
void lapic_reg_write(struct lapic *l, unsigned off, uint32_t v);

/* Queries, for the bus and tests. */
uint32_t lapic_id(const struct lapic *l);        /* as the bus matches it */
bool lapic_hw_enabled(const struct lapic *l);
bool lapic_sw_enabled(const struct lapic *l);
bool lapic_x2apic_mode(const struct lapic *l);
unsigned lapic_ppr(const struct lapic *l);
bool lapic_match_dest(const struct lapic *l, const struct apic_msg *m);
uint32_t lapic_timer_current(struct lapic *l);   /* TMCCT now */
/* Re-arm the timer after the registers were set from outside (restore). */
void lapic_timer_restart(struct lapic *l);
void lapic_remap(struct lapic *l);

extern const struct cpu_intc_ops lapic_intc_ops;

static inline uint32_t lapic_get(const struct lapic *l, unsigned off)
{
	uint32_t v;

	__builtin_memcpy(&v, l->regs + off, 4);
	return v;
}

static inline void lapic_put(struct lapic *l, unsigned off, uint32_t v)
{
	__builtin_memcpy(l->regs + off, &v, 4);
}

static inline bool lapic_vec_test(const struct lapic *l, unsigned base,
				  unsigned vec)
{
	return lapic_get(l, base + (vec >> 5) * 0x10) & (1u << (vec & 31));
}

#endif
