/* SPDX-License-Identifier: MIT */
/*
 * The PC's real-time clock and CMOS RAM (Motorola MC146818A datasheet;
 * the PIIX RTC), on ports 0x70 (index, bit 7 = NMI disable) and 0x71
 * (data), interrupting on ISA IRQ 8.
 *
 *   0x00-0x09  seconds, (alarm), minutes, (alarm), hours, (alarm), day of
 *              week (1 = Sunday), day of month, month, year (2 digits)
 *   0x0A  A    UIP (bit 7, read-only: the last 244 us before each second's
 *              update), divider DV (6:4; 0-2 run), periodic rate RS (3:0)
 *   0x0B  B    SET, PIE, AIE, UIE, SQWE, DM (binary), 24/12, DSE
 *   0x0C  C    IRQF, PF, AF, UF; read-only, cleared by a read
 *   0x0D  D    VRT (always 1)
 *   0x32       the century (the FADT's CENTURY), part of the time
 *   others     CMOS RAM (128 bytes); the PC platform fills in QEMU's
 *              memory-size bytes
 *
 * Time is a date from a configurable epoch (--rtc-base) moved on by the
 * virtual clock, so runs are deterministic; BCD or binary and 12- or
 * 24-hour registers per register B.  Flags are set whatever the enable
 * bits say (PF at the periodic rate, UF at each update, AF when the time
 * matches the alarm, 0xC0-0xFF in an alarm register matching any
 * value); IRQ 8 is asserted while IRQF is set and drops when register C
 * is read.  A virtual timer is armed only for an interrupt that is
 * enabled and not already pending, so an unacknowledged RTC does not
 * keep a halted vCPU's clock running.
 */
#ifndef VMXBOX_DEVICES_MC146818_H
#define VMXBOX_DEVICES_MC146818_H

#include <stdbool.h>
#include <stdint.h>

#include "core/vclock.h"
#include "devices/io_bus.h"
#include "devices/isa_irq.h"

#define RTC_PORT      0x70
#define RTC_IRQ       8
#define RTC_CMOS_SIZE 128
/* vmxbox run's default epoch: 2025-01-01T00:00:00 UTC. */
#define RTC_DEFAULT_BASE 1735689600ll

enum {
	RTC_SEC = 0x00, RTC_SEC_ALARM = 0x01, RTC_MIN = 0x02,
	RTC_MIN_ALARM = 0x03, RTC_HOUR = 0x04, RTC_HOUR_ALARM = 0x05,
	RTC_WDAY = 0x06, RTC_MDAY = 0x07, RTC_MONTH = 0x08, RTC_YEAR = 0x09,
	RTC_REG_A = 0x0a, RTC_REG_B = 0x0b, RTC_REG_C = 0x0c,
	RTC_REG_D = 0x0d, RTC_CENTURY = 0x32,
};

#define RTC_A_UIP  0x80
#define RTC_B_SET  0x80
#define RTC_B_PIE  0x40
#define RTC_B_AIE  0x20
#define RTC_B_UIE  0x10
#define RTC_B_DM   0x04
#define RTC_B_24H  0x02
#define RTC_C_IRQF 0x80
#define RTC_C_PF   0x40
#define RTC_C_AF   0x20
#define RTC_C_UF   0x10
#define RTC_UIP_NS 244140ull            /* 8 cycles of 32.768 kHz */

struct mc146818 {
	uint8_t cmos[RTC_CMOS_SIZE];  /* RAM, alarms, A, B, C (time: below) */
	uint8_t index;
	bool nmi_masked;              /* port 0x70 bit 7 */
	/* Running: the time is base seconds (Unix time, UTC) at virtual ns
	 * base_vt, one second more every 1e9 ns.  Stopped (SET, or the
	 * divider held): the time is base, base_vt is unused. */
	int64_t base;
	uint64_t base_vt;
	bool stopped;
	uint64_t sync_vt;             /* flags are computed up to here */
	bool irq_level;
	struct vclock *clock;
	struct vtimer timer;
	struct isa_irq *irq;
	uint64_t interrupts;          /* rising edges of IRQ 8 */
};

void mc146818_init(struct mc146818 *r, struct vclock *clock,
		   struct isa_irq *irq, int64_t epoch);
/* Power-on: A = 0x26, B = 0x02 (24 hours, BCD), C = 0, the time at epoch
 * (RAM keeps its contents). */
void mc146818_reset(struct mc146818 *r, int64_t epoch);
void mc146818_destroy(struct mc146818 *r);
int mc146818_attach(struct mc146818 *r, struct io_bus *pio);

uint8_t mc146818_read(struct mc146818 *r, uint8_t index);
void mc146818_write(struct mc146818 *r, uint8_t index, uint8_t v);
/* The time now, as Unix seconds. */
int64_t mc146818_time(struct mc146818 *r);
/* After the state was set from outside (restore): re-arm. */
void mc146818_restart(struct mc146818 *r);

/* "YYYY-MM-DD", "YYYY-MM-DDTHH:MM:SS" (UTC) -> Unix seconds; false for
 * anything else or a year outside 1900-9999. */
bool rtc_parse_date(const char *s, int64_t *out);

#endif
