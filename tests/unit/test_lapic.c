// SPDX-License-Identifier: MIT
/*
 * The local APIC alone (SDM Vol. 3A chapter 11): reset state, acceptance,
 * priority (TPR/PPR), INTA and EOI, EOI broadcast, IPIs and destinations,
 * ESR, the xAPIC window and its relocation, IA32_APIC_BASE transitions and
 * the x2APIC MSRs with their #GP rules, and the timer in its three modes
 * on a manually driven virtual clock.
 */
#include <check.h>
#include <string.h>

#include "devices/lapic.h"

static struct lapic L;
static struct vclock C;
static struct apic_bus B;
static struct io_bus M;
static unsigned n_nmi, n_init, n_intr, n_sipi, eois;
static uint8_t last_sipi, last_eoi;

static void sig(void *opaque, enum cpu_signal s, uint8_t vector)
{
	switch (s) {
	case CPU_SIGNAL_INTR: n_intr++; break;
	case CPU_SIGNAL_NMI: n_nmi++; break;
	case CPU_SIGNAL_INIT: n_init++; break;
	case CPU_SIGNAL_SIPI: n_sipi++; last_sipi = vector; break;
	}
}

static void on_eoi(void *opaque, uint8_t vector)
{
	eois++;
	last_eoi = vector;
}

static void setup(void)
{
	struct lapic_config lc = {
		.id = 0, .bsp = true, .maxphyaddr = 39, .x2apic = true,
		.tsc_deadline = true,
	};

	n_nmi = n_init = n_intr = n_sipi = eois = 0;
	vclock_init(&C, VCLOCK_VIRTUAL);
	apic_bus_init(&B);
	B.eoi = on_eoi;
	io_bus_init(&M, "mmio");
	ck_assert_int_eq(lapic_init(&L, &lc, &C, &B, &M, sig, NULL), 0);
}

static void teardown(void)
{
	lapic_destroy(&L);
}

static void enable(void)
{
	lapic_reg_write(&L, APIC_SPIV, APIC_SPIV_ENABLE | 0xff);
}

static void fixed(uint8_t v, bool level)
{
	struct apic_msg m = { .vector = v, .mode = APIC_DM_FIXED, .level = level };

	lapic_accept(&L, &m);
}

static int pending(void)
{
	return lapic_intc_ops.pending(&L);
}

static int ack(void)
{
	return lapic_intc_ops.ack(&L);
}

static enum intc_msr_result rd(uint32_t idx, uint64_t *v)
{
	return lapic_intc_ops.msr_read(&L, idx, 0, v);
}

static enum intc_msr_result wr(uint32_t idx, uint64_t v)
{
	return lapic_intc_ops.msr_write(&L, idx, 0, v);
}

/* ---- reset and registers ---- */

START_TEST(reset_state)
{
	ck_assert_uint_eq(L.apic_base, 0xfee00900ull);   /* EN | BSP */
	ck_assert_uint_eq(lapic_reg_read(&L, APIC_ID), 0);
	ck_assert_uint_eq(lapic_reg_read(&L, APIC_LVR), 0x50014);
	ck_assert_uint_eq(lapic_reg_read(&L, APIC_SPIV), 0xff);
	ck_assert_uint_eq(lapic_reg_read(&L, APIC_DFR), 0xffffffffu);
	ck_assert_uint_eq(lapic_reg_read(&L, APIC_LVT_TIMER), APIC_LVT_MASKED);
	ck_assert_uint_eq(lapic_reg_read(&L, APIC_LVT_LINT1), APIC_LVT_MASKED);
	ck_assert_uint_eq(lapic_reg_read(&L, APIC_LVT_ERROR), APIC_LVT_MASKED);
	/* The BSP's LINT0: ExtINT, unmasked (as QEMU/KVM leave it). */
	ck_assert_uint_eq(lapic_reg_read(&L, APIC_LVT_LINT0), 0x700);
	ck_assert_uint_eq(L.mapped_at, LAPIC_DEFAULT_BASE);
}
END_TEST

START_TEST(software_disabled_drops_fixed_and_masks_lvts)
{
	fixed(0x40, false);
	ck_assert(!lapic_vec_test(&L, APIC_IRR, 0x40));
	ck_assert_int_eq(pending(), -1);
	/* A masked LVT stays masked while software disabled. */
	lapic_reg_write(&L, APIC_LVT_TIMER, 0x30);
	ck_assert_uint_eq(lapic_reg_read(&L, APIC_LVT_TIMER), APIC_LVT_MASKED | 0x30);
	enable();
	lapic_reg_write(&L, APIC_LVT_TIMER, 0x30);
	ck_assert_uint_eq(lapic_reg_read(&L, APIC_LVT_TIMER), 0x30);
	fixed(0x40, false);
	ck_assert_int_eq(pending(), 0x40);
	/* Software disable sets every LVT mask; the IRR is kept. */
	lapic_reg_write(&L, APIC_SPIV, 0xff);
	ck_assert_uint_eq(lapic_reg_read(&L, APIC_LVT_TIMER), APIC_LVT_MASKED | 0x30);
	ck_assert(lapic_vec_test(&L, APIC_IRR, 0x40));
}
END_TEST

START_TEST(priority_ack_and_eoi)
{
	enable();
	fixed(0x31, false);
	fixed(0x45, false);
	ck_assert_int_eq(pending(), 0x45);
	ck_assert_int_eq(ack(), 0x45);
	ck_assert(lapic_vec_test(&L, APIC_ISR, 0x45));
	ck_assert(!lapic_vec_test(&L, APIC_IRR, 0x45));
	/* PPR = ISRV class: 0x31 (class 3) waits for the EOI. */
	ck_assert_uint_eq(lapic_reg_read(&L, APIC_PPR), 0x40);
	ck_assert_int_eq(pending(), -1);
	fixed(0x46, false);              /* same class: waits too */
	ck_assert_int_eq(pending(), -1);
	fixed(0x51, false);              /* higher class: nests */
	ck_assert_int_eq(ack(), 0x51);
	lapic_reg_write(&L, APIC_EOI, 0);   /* retires 0x51, the highest */
	ck_assert(!lapic_vec_test(&L, APIC_ISR, 0x51));
	ck_assert(lapic_vec_test(&L, APIC_ISR, 0x45));
	lapic_reg_write(&L, APIC_EOI, 0);
	ck_assert_uint_eq(lapic_reg_read(&L, APIC_PPR), 0);
	ck_assert_int_eq(pending(), 0x46);
	ck_assert_int_eq(ack(), 0x46);
	lapic_reg_write(&L, APIC_EOI, 0);
	ck_assert_int_eq(ack(), 0x31);
	/* Nothing left: INTA gets the spurious vector, ISR untouched. */
	lapic_reg_write(&L, APIC_EOI, 0);
	ck_assert_int_eq(ack(), 0xff);
	ck_assert_int_eq(eois, 0);       /* all edge-triggered */
}
END_TEST

START_TEST(tpr_and_cr8)
{
	enable();
	fixed(0x45, false);
	lapic_intc_ops.cr8_write(&L, 4);
	ck_assert_uint_eq(lapic_reg_read(&L, APIC_TPR), 0x40);
	ck_assert_uint_eq(lapic_reg_read(&L, APIC_PPR), 0x40);
	ck_assert_int_eq(pending(), -1);   /* class 4 not above TPR class 4 */
	lapic_reg_write(&L, APIC_TPR, 0x3f);
	ck_assert_uint_eq(lapic_intc_ops.cr8_read(&L), 3);
	ck_assert_uint_eq(lapic_reg_read(&L, APIC_PPR), 0x3f);
	ck_assert_int_eq(pending(), 0x45);
	lapic_reg_write(&L, APIC_TPR, 0x1ff);   /* bits 31:8 reserved */
	ck_assert_uint_eq(lapic_reg_read(&L, APIC_TPR), 0xff);
}
END_TEST

START_TEST(level_triggered_eoi_broadcast)
{
	enable();
	fixed(0x61, true);
	ck_assert(lapic_vec_test(&L, APIC_TMR, 0x61));
	ck_assert_int_eq(ack(), 0x61);
	lapic_reg_write(&L, APIC_EOI, 0);
	ck_assert_int_eq(eois, 1);
	ck_assert_uint_eq(last_eoi, 0x61);
	/* The same vector edge-triggered clears TMR: no broadcast. */
	fixed(0x61, false);
	ck_assert(!lapic_vec_test(&L, APIC_TMR, 0x61));
	ack();
	lapic_reg_write(&L, APIC_EOI, 0);
	ck_assert_int_eq(eois, 1);
}
END_TEST

START_TEST(errors_latch_into_esr_on_write)
{
	enable();
	lapic_reg_write(&L, APIC_LVT_ERROR, 0xe0);
	fixed(0x0e, false);              /* illegal vector received */
	ck_assert(!lapic_vec_test(&L, APIC_IRR, 0x0e));
	ck_assert_uint_eq(lapic_reg_read(&L, APIC_ESR), 0);   /* not yet */
	/* The error interrupt went through the error LVT. */
	ck_assert_int_eq(pending(), 0xe0);
	lapic_reg_write(&L, APIC_ICR, 0x40005);   /* self, vector 5: send illegal */
	lapic_reg_write(&L, APIC_ESR, 0);
	ck_assert_uint_eq(lapic_reg_read(&L, APIC_ESR),
			  APIC_ESR_RECV_ILLEGAL | APIC_ESR_SEND_ILLEGAL);
	lapic_reg_write(&L, APIC_ESR, 0);
	ck_assert_uint_eq(lapic_reg_read(&L, APIC_ESR), 0);
	lapic_reg_read(&L, 0x3b0);       /* reserved register */
	lapic_reg_write(&L, APIC_ESR, 0);
	ck_assert_uint_eq(lapic_reg_read(&L, APIC_ESR), APIC_ESR_ILLEGAL_REG);
}
END_TEST

/* ---- IPIs ---- */

START_TEST(self_ipi_and_delivery_status)
{
	enable();
	/* Fixed 0x40 to self; the delivery-status bit never reads 1. */
	lapic_reg_write(&L, APIC_ICR, 0x40040);
	ck_assert_uint_eq(lapic_reg_read(&L, APIC_ICR) & APIC_LVT_PENDING, 0);
	ck_assert_uint_eq(lapic_reg_read(&L, APIC_ICR), 0x40040);
	ck_assert_int_eq(pending(), 0x40);
	/* NMI and INIT to physical ID 0 (this APIC). */
	lapic_reg_write(&L, APIC_ICR2, 0);
	lapic_reg_write(&L, APIC_ICR, 0x4400);
	ck_assert_uint_eq(n_nmi, 1);
	lapic_reg_write(&L, APIC_ICR, 0x4500);   /* INIT assert */
	ck_assert_uint_eq(n_init, 1);
	lapic_reg_write(&L, APIC_ICR, 0x8500);   /* INIT level de-assert */
	ck_assert_uint_eq(n_init, 1);
	lapic_reg_write(&L, APIC_ICR, 0x4612);   /* SIPI, page 0x12 */
	ck_assert_uint_eq(n_sipi, 1);
	ck_assert_uint_eq(last_sipi, 0x12);
	/* Another physical ID: nobody receives it. */
	lapic_reg_write(&L, APIC_ICR2, 1u << 24);
	lapic_reg_write(&L, APIC_ICR, 0x4400);
	ck_assert_uint_eq(n_nmi, 1);
	/* All excluding self: nobody either; broadcast ID 0xff: us. */
	lapic_reg_write(&L, APIC_ICR, 0xc0400);
	ck_assert_uint_eq(n_nmi, 1);
	lapic_reg_write(&L, APIC_ICR2, 0xffu << 24);
	lapic_reg_write(&L, APIC_ICR, 0x4400);
	ck_assert_uint_eq(n_nmi, 2);
	ck_assert_uint_eq(L.ipis_sent, 8);
}
END_TEST

START_TEST(logical_destinations)
{
	struct apic_msg m = { .vector = 0x50, .mode = APIC_DM_FIXED,
			      .logical = true };

	enable();
	lapic_reg_write(&L, APIC_LDR, 0x02000000);
	/* Flat model (DFR 0xF...): any common bit. */
	m.dest = 0x06;
	ck_assert(lapic_match_dest(&L, &m));
	m.dest = 0x01;
	ck_assert(!lapic_match_dest(&L, &m));
	/* Cluster model: cluster 0x2, member bit 0x1. */
	lapic_reg_write(&L, APIC_DFR, 0x0fffffff);
	lapic_reg_write(&L, APIC_LDR, 0x21000000);
	m.dest = 0x23;
	ck_assert(lapic_match_dest(&L, &m));
	m.dest = 0x13;
	ck_assert(!lapic_match_dest(&L, &m));
	/* Lowest priority through the bus reaches the one match. */
	m.mode = APIC_DM_LOWPRI;
	m.dest = 0x21;
	apic_bus_send(&B, NULL, &m);
	ck_assert_int_eq(pending(), 0x50);
}
END_TEST

/* ---- the xAPIC window, IA32_APIC_BASE, x2APIC ---- */

START_TEST(mmio_window_moves_and_disappears)
{
	uint64_t v;

	enable();
	ck_assert_uint_eq(io_bus_read(&M, 0xfee00030, 4), 0x50014);
	ck_assert_uint_eq(io_bus_read(&M, 0xfee00032, 2), 0x5);   /* narrow */
	io_bus_write(&M, 0xfee00080, 4, 0x20);
	ck_assert_uint_eq(lapic_reg_read(&L, APIC_TPR), 0x20);
	io_bus_write(&M, 0xfee00080, 1, 0x30);   /* not a 32-bit write */
	ck_assert_uint_eq(lapic_reg_read(&L, APIC_TPR), 0x20);
	ck_assert_int_eq(wr(MSR_IA32_APIC_BASE, 0xfed00000 | APIC_BASE_EN), INTC_MSR_OK);
	ck_assert_uint_eq(io_bus_read(&M, 0xfee00030, 4), 0xffffffffu);
	ck_assert_uint_eq(io_bus_read(&M, 0xfed00030, 4), 0x50014);
	ck_assert_int_eq(rd(MSR_IA32_APIC_BASE, &v), INTC_MSR_OK);
	ck_assert_uint_eq(v, 0xfed00900);         /* BSP is read-only */
	ck_assert_int_eq(wr(MSR_IA32_APIC_BASE, 0xfed00000), INTC_MSR_OK);
	ck_assert_uint_eq(io_bus_read(&M, 0xfed00030, 4), 0xffffffffu);
	/* Re-enabled: reset, as at power-up. */
	ck_assert_int_eq(wr(MSR_IA32_APIC_BASE, 0xfee00000 | APIC_BASE_EN), INTC_MSR_OK);
	ck_assert_uint_eq(lapic_reg_read(&L, APIC_TPR), 0);
	ck_assert_uint_eq(io_bus_read(&M, 0xfee000f0, 4), 0xff);
}
END_TEST

START_TEST(apic_base_gp_rules)
{
	const uint64_t base = 0xfee00000, en = APIC_BASE_EN, x2 = APIC_BASE_EXTD;

	ck_assert_int_eq(wr(MSR_IA32_APIC_BASE, base | en | 1), INTC_MSR_GP);
	ck_assert_int_eq(wr(MSR_IA32_APIC_BASE, base | en | (1 << 9)), INTC_MSR_GP);
	ck_assert_int_eq(wr(MSR_IA32_APIC_BASE, (1ull << 39) | en), INTC_MSR_GP);
	ck_assert_int_eq(wr(MSR_IA32_APIC_BASE, base | x2), INTC_MSR_GP);
	/* xAPIC -> x2APIC -> (not xAPIC) -> disabled -> (not x2APIC). */
	ck_assert_int_eq(wr(MSR_IA32_APIC_BASE, base | en | x2), INTC_MSR_OK);
	ck_assert(lapic_x2apic_mode(&L));
	ck_assert_int_eq(wr(MSR_IA32_APIC_BASE, base | en), INTC_MSR_GP);
	ck_assert_int_eq(wr(MSR_IA32_APIC_BASE, base), INTC_MSR_OK);
	ck_assert_int_eq(wr(MSR_IA32_APIC_BASE, base | en | x2), INTC_MSR_GP);
	ck_assert_int_eq(wr(MSR_IA32_APIC_BASE, base | en), INTC_MSR_OK);
	ck_assert(!lapic_x2apic_mode(&L));
}
END_TEST

START_TEST(x2apic_msrs)
{
	uint64_t v;

	ck_assert_int_eq(rd(0x802, &v), INTC_MSR_GP);     /* xAPIC mode */
	ck_assert_int_eq(wr(MSR_IA32_APIC_BASE, 0xfee00000 | APIC_BASE_EN |
			    APIC_BASE_EXTD), INTC_MSR_OK);
	ck_assert_uint_eq(L.mapped_at, VCLOCK_NEVER);    /* no MMIO */
	ck_assert_int_eq(rd(0x802, &v), INTC_MSR_OK);
	ck_assert_uint_eq(v, 0);                          /* 32-bit ID */
	ck_assert_int_eq(rd(0x80d, &v), INTC_MSR_OK);
	ck_assert_uint_eq(v, 1);                          /* cluster 0, bit 0 */
	ck_assert_int_eq(rd(0x803, &v), INTC_MSR_OK);
	ck_assert_uint_eq(v, 0x50014);
	/* Read-only, write-only, missing registers and reserved bits. */
	ck_assert_int_eq(wr(0x802, 0), INTC_MSR_GP);
	ck_assert_int_eq(wr(0x80d, 0), INTC_MSR_GP);
	ck_assert_int_eq(rd(0x80b, &v), INTC_MSR_GP);
	ck_assert_int_eq(rd(0x83f, &v), INTC_MSR_GP);
	ck_assert_int_eq(rd(0x80e, &v), INTC_MSR_GP);     /* no DFR */
	ck_assert_int_eq(rd(0x831, &v), INTC_MSR_GP);     /* no ICR2 */
	ck_assert_int_eq(rd(0x809, &v), INTC_MSR_GP);     /* no APR */
	ck_assert_int_eq(wr(0x808, 0x100), INTC_MSR_GP);
	ck_assert_int_eq(wr(0x808, 1ull << 32), INTC_MSR_GP);
	ck_assert_int_eq(wr(0x80b, 1), INTC_MSR_GP);
	ck_assert_int_eq(wr(0x828, 1), INTC_MSR_GP);
	ck_assert_int_eq(wr(0x83f, 0x150), INTC_MSR_GP);
	ck_assert_int_eq(wr(0x830, 1ull << 13), INTC_MSR_GP);
	/* Working writes. */
	ck_assert_int_eq(wr(0x80f, 0x1ff), INTC_MSR_OK);
	ck_assert_int_eq(wr(0x83f, 0x50), INTC_MSR_OK);   /* self IPI */
	ck_assert_int_eq(pending(), 0x50);
	ck_assert_int_eq(wr(0x830, 0x400), INTC_MSR_OK);  /* NMI to ID 0 */
	ck_assert_uint_eq(n_nmi, 1);
	ck_assert_int_eq(wr(0x830, 0x0000000100000400ull), INTC_MSR_OK);
	ck_assert_uint_eq(n_nmi, 1);                      /* ID 1: nobody */
	ck_assert_int_eq(rd(0x830, &v), INTC_MSR_OK);
	ck_assert_uint_eq(v, 0x0000000100000400ull);
	ck_assert_int_eq(wr(0x808, 0x60), INTC_MSR_OK);
	ck_assert_int_eq(rd(0x80a, &v), INTC_MSR_OK);
	ck_assert_uint_eq(v, 0x60);                       /* PPR */
	ck_assert_int_eq(rd(0x1234, &v), INTC_MSR_NOT_MINE);
}
END_TEST

/* ---- timer ---- */

START_TEST(timer_one_shot)
{
	enable();
	lapic_reg_write(&L, APIC_TDCR, 0xb);           /* divide by 1 */
	lapic_reg_write(&L, APIC_LVT_TIMER, 0x40);
	lapic_reg_write(&L, APIC_TMICT, 1000);
	ck_assert_uint_eq(vclock_next_deadline(&C), 1000);
	C.manual = 400;
	ck_assert_uint_eq(lapic_reg_read(&L, APIC_TMCCT), 600);
	C.manual = 1000;
	vclock_run_due(&C, 1000);
	ck_assert_int_eq(pending(), 0x40);
	ck_assert_uint_eq(lapic_reg_read(&L, APIC_TMCCT), 0);
	ck_assert_uint_eq(vclock_next_deadline(&C), VCLOCK_NEVER);
	/* Divide by 2 (TDCR 0): 100 counts take 200 ns. */
	lapic_reg_write(&L, APIC_TDCR, 0);
	lapic_reg_write(&L, APIC_TMICT, 100);
	ck_assert_uint_eq(vclock_next_deadline(&C), 1200);
	/* Divide by 128 (TDCR 0xa) from here: the count goes on. */
	C.manual = 1100;                 /* 50 counts done */
	lapic_reg_write(&L, APIC_TDCR, 0xa);
	ck_assert_uint_eq(lapic_reg_read(&L, APIC_TMCCT), 50);
	ck_assert_uint_eq(vclock_next_deadline(&C), 1100 + 50 * 128);
	lapic_reg_write(&L, APIC_TMICT, 0);           /* stops it */
	ck_assert_uint_eq(vclock_next_deadline(&C), VCLOCK_NEVER);
	/* A one-shot that ran out stays stopped when made periodic. */
	lapic_reg_write(&L, APIC_TMICT, 10);
	C.manual = 100000;
	vclock_run_due(&C, C.manual);
	lapic_reg_write(&L, APIC_LVT_TIMER, APIC_TIMER_PERIODIC << 17 | 0x40);
	ck_assert_uint_eq(vclock_next_deadline(&C), VCLOCK_NEVER);
	ck_assert_uint_eq(lapic_reg_read(&L, APIC_TMCCT), 0);
}
END_TEST

START_TEST(timer_periodic)
{
	enable();
	lapic_reg_write(&L, APIC_TDCR, 0xb);
	lapic_reg_write(&L, APIC_LVT_TIMER, APIC_TIMER_PERIODIC << 17 | 0x41);
	lapic_reg_write(&L, APIC_TMICT, 500);
	C.manual = 500;
	vclock_run_due(&C, 500);
	ck_assert_int_eq(ack(), 0x41);
	ck_assert_uint_eq(vclock_next_deadline(&C), 1000);
	C.manual = 700;
	ck_assert_uint_eq(lapic_reg_read(&L, APIC_TMCCT), 300);
	/* Masked: still counts, but arms nothing. */
	lapic_reg_write(&L, APIC_LVT_TIMER,
			APIC_TIMER_PERIODIC << 17 | APIC_LVT_MASKED | 0x41);
	ck_assert_uint_eq(vclock_next_deadline(&C), VCLOCK_NEVER);
	C.manual = 1800;
	ck_assert_uint_eq(lapic_reg_read(&L, APIC_TMCCT), 200);
	lapic_reg_write(&L, APIC_LVT_TIMER, APIC_TIMER_PERIODIC << 17 | 0x41);
	ck_assert_uint_eq(vclock_next_deadline(&C), 2000);
	ck_assert_uint_eq(L.timer_fires, 1);
}
END_TEST

START_TEST(timer_tsc_deadline)
{
	uint64_t v;

	enable();
	/* Outside TSC-deadline mode the MSR reads 0 and ignores writes. */
	ck_assert_int_eq(lapic_intc_ops.msr_write(&L, MSR_IA32_TSC_DEADLINE,
						  0, 5000), INTC_MSR_OK);
	ck_assert_int_eq(rd(MSR_IA32_TSC_DEADLINE, &v), INTC_MSR_OK);
	ck_assert_uint_eq(v, 0);
	lapic_reg_write(&L, APIC_TMICT, 100);
	lapic_reg_write(&L, APIC_LVT_TIMER, APIC_TIMER_TSCDL << 17 | 0x42);
	/* Entering TSC-deadline mode disarmed the count. */
	ck_assert_uint_eq(lapic_reg_read(&L, APIC_TMICT), 0);
	lapic_reg_write(&L, APIC_TMICT, 100);           /* ignored */
	ck_assert_uint_eq(lapic_reg_read(&L, APIC_TMICT), 0);
	/* TSC = 10000 at virtual time 0: deadline 10300 is 300 ns away. */
	ck_assert_int_eq(lapic_intc_ops.msr_write(&L, MSR_IA32_TSC_DEADLINE,
						  10000, 10300), INTC_MSR_OK);
	ck_assert_uint_eq(vclock_next_deadline(&C), 300);
	ck_assert_int_eq(lapic_intc_ops.msr_read(&L, MSR_IA32_TSC_DEADLINE,
						 10000, &v), INTC_MSR_OK);
	ck_assert_uint_eq(v, 10300);
	C.manual = 300;
	vclock_run_due(&C, 300);
	ck_assert_int_eq(pending(), 0x42);
	ck_assert_int_eq(rd(MSR_IA32_TSC_DEADLINE, &v), INTC_MSR_OK);
	ck_assert_uint_eq(v, 0);                        /* disarmed */
	/* A deadline already passed fires at once; 0 disarms. */
	lapic_intc_ops.msr_write(&L, MSR_IA32_TSC_DEADLINE, 20000, 5);
	ck_assert_uint_eq(vclock_next_deadline(&C), 300);
	lapic_intc_ops.msr_write(&L, MSR_IA32_TSC_DEADLINE, 20000, 0);
	ck_assert_uint_eq(vclock_next_deadline(&C), VCLOCK_NEVER);
}
END_TEST

/* The deadline is a TSC value: a TSC write moves the timer (11.5.4.1). */
START_TEST(timer_tsc_deadline_follows_tsc_writes)
{
	enable();
	lapic_reg_write(&L, APIC_LVT_TIMER, APIC_TIMER_TSCDL << 17 | 0x42);
	C.manual = 1000;
	/* TSC 10000 at 1000 ns, deadline 10500: due at 1500 ns. */
	lapic_intc_ops.msr_write(&L, MSR_IA32_TSC_DEADLINE, 10000, 10500);
	ck_assert_uint_eq(vclock_next_deadline(&C), 1500);
	C.manual = 1100;
	lapic_intc_ops.tsc_written(&L, 10000);          /* back by 100 */
	ck_assert_uint_eq(vclock_next_deadline(&C), 1600);
	lapic_intc_ops.tsc_written(&L, 10499);
	ck_assert_uint_eq(vclock_next_deadline(&C), 1101);
	lapic_intc_ops.tsc_written(&L, 20000);          /* past it: now */
	ck_assert_uint_eq(vclock_next_deadline(&C), 1100);
	C.manual = 1100;
	vclock_run_due(&C, 1100);
	ck_assert_int_eq(pending(), 0x42);
	/* Fired, so disarmed: later TSC writes arm nothing. */
	lapic_intc_ops.tsc_written(&L, 0);
	ck_assert_uint_eq(vclock_next_deadline(&C), VCLOCK_NEVER);
	/* Outside TSC-deadline mode a TSC write leaves the count alone. */
	lapic_reg_write(&L, APIC_LVT_TIMER, 0x43);
	lapic_reg_write(&L, APIC_TMICT, 1000);
	lapic_intc_ops.tsc_written(&L, 5);
	ck_assert_uint_eq(vclock_next_deadline(&C), 1100 + 1000 * 2);
}
END_TEST

START_TEST(init_keeps_id_resets_the_rest)
{
	enable();
	lapic_reg_write(&L, APIC_ID, 3u << 24);
	lapic_reg_write(&L, APIC_TPR, 0x20);
	fixed(0x40, false);
	lapic_intc_ops.init(&L);
	ck_assert_uint_eq(lapic_reg_read(&L, APIC_ID), 3u << 24);
	ck_assert_uint_eq(lapic_reg_read(&L, APIC_TPR), 0);
	ck_assert_uint_eq(lapic_reg_read(&L, APIC_SPIV), 0xff);
	ck_assert(!lapic_vec_test(&L, APIC_IRR, 0x40));
	ck_assert_uint_eq(L.apic_base, 0xfee00900ull);
}
END_TEST

/* ---- ExtINT from an 8259 through LINT0 ---- */

static int pic_vec = -1, pic_acks;

static int pic_pending(void *opaque)
{
	return pic_vec;
}

static int pic_ack(void *opaque)
{
	int v = pic_vec;

	pic_acks++;
	pic_vec = -1;
	return v;
}

START_TEST(extint_through_lint0)
{
	L.extint = (struct lapic_extint){ pic_pending, pic_ack, NULL };
	pic_vec = 0x20;
	pic_acks = 0;
	/* ExtINT ignores TPR and comes first (SDM 11.6.2.1). */
	lapic_reg_write(&L, APIC_TPR, 0xf0);
	ck_assert_int_eq(pending(), 0x20);
	ck_assert_int_eq(ack(), 0x20);
	ck_assert_int_eq(pic_acks, 1);
	ck_assert(!lapic_vec_test(&L, APIC_ISR, 0x20));
	/* LINT0 masked: the 8259 is not heard. */
	pic_vec = 0x21;
	lapic_reg_write(&L, APIC_LVT_LINT0, 0x700 | APIC_LVT_MASKED);
	ck_assert_int_eq(pending(), -1);
	/* Hardware disabled: the 8259 drives INTR directly. */
	ck_assert_int_eq(wr(MSR_IA32_APIC_BASE, 0xfee00000), INTC_MSR_OK);
	ck_assert_int_eq(pending(), 0x21);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("lapic");
	TCase *tc = tcase_create("lapic");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, reset_state);
	tcase_add_test(tc, software_disabled_drops_fixed_and_masks_lvts);
	tcase_add_test(tc, priority_ack_and_eoi);
	tcase_add_test(tc, tpr_and_cr8);
	tcase_add_test(tc, level_triggered_eoi_broadcast);
	tcase_add_test(tc, errors_latch_into_esr_on_write);
	tcase_add_test(tc, self_ipi_and_delivery_status);
	tcase_add_test(tc, logical_destinations);
	tcase_add_test(tc, mmio_window_moves_and_disappears);
	tcase_add_test(tc, apic_base_gp_rules);
	tcase_add_test(tc, x2apic_msrs);
	tcase_add_test(tc, timer_one_shot);
	tcase_add_test(tc, timer_periodic);
	tcase_add_test(tc, timer_tsc_deadline);
	tcase_add_test(tc, timer_tsc_deadline_follows_tsc_writes);
	tcase_add_test(tc, init_keeps_id_resets_the_rest);
	tcase_add_test(tc, extint_through_lint0);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
