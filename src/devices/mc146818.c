// SPDX-License-Identifier: MIT
/*
 * MC146818A RTC and CMOS RAM on the virtual clock.  The time registers
 * are not stored: a read encodes the current time (BCD or binary, 12 or
 * 24 hours as register B says), a write decodes the field and sets the
 * time with it.  Interrupt flags are brought up to date ("synced") at
 * every access and timer fire, from the virtual time of the last sync.
 */
#include "devices/mc146818.h"

#include <stdio.h>
#include <string.h>

#define NS_PER_S  1000000000ull
#define RTC_XTAL  32768ull
#define NEVER     UINT64_MAX
#define DAY       86400

struct rtc_tm {
	int64_t year;
	int mon, mday, hour, min, sec, wday;   /* mon 1-12, wday 0 = Sunday */
};

/* Days since 1970-01-01 of a proleptic Gregorian date (month 1-12),
 * counting in 400-year eras of 146097 days that start on March 1st. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, struct rtc_tm *tm)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	tm->mday = (int)(doy - (153 * mp + 2) / 5 + 1);
	tm->mon = (int)(mp < 10 ? mp + 3 : mp - 9);
	tm->year = yoe + era * 400 + (tm->mon <= 2);
}

static int64_t floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

static void to_tm(int64_t t, struct rtc_tm *tm)
{
	int64_t days = floor_div(t, DAY), s = t - days * DAY;

	civil_from_days(days, tm);
	tm->hour = (int)(s / 3600);
	tm->min = (int)(s / 60 % 60);
	tm->sec = (int)(s % 60);
	tm->wday = (int)((days % 7 + 11) % 7);      /* 1970-01-01: Thursday */
}

/* Out-of-range fields roll over into the next ones, as QEMU's mktimegm. */
static int64_t from_tm(const struct rtc_tm *tm)
{
	int64_t y = tm->year + floor_div(tm->mon - 1, 12);
	int m = (int)(tm->mon - 1 - floor_div(tm->mon - 1, 12) * 12) + 1;

	return (days_from_civil(y, m, 1) + tm->mday - 1) * DAY +
	       tm->hour * 3600 + tm->min * 60 + tm->sec;
}

bool rtc_parse_date(const char *s, int64_t *out)
{
	struct rtc_tm tm = { 0 }, back;
	int y, n = 0, n2 = 0;

	if (sscanf(s, "%4d-%2d-%2d%n", &y, &tm.mon, &tm.mday, &n) != 3)
		return false;
	if (s[n] && (sscanf(s + n, "T%2d:%2d:%2d%n", &tm.hour, &tm.min,
			    &tm.sec, &n2) != 3 || s[n + n2]))
		return false;
	tm.year = y;
	*out = from_tm(&tm);
	to_tm(*out, &back);
	/* Round trip: no 2025-02-30 or 25:00:00. */
	return y >= 1900 && y <= 9999 && back.year == tm.year &&
	       back.mon == tm.mon && back.mday == tm.mday &&
	       back.hour == tm.hour && back.min == tm.min && back.sec == tm.sec;
}

/* ---- time and flags ----------------------------------------------------- */

static uint64_t now_ns(const struct mc146818 *r)
{
	return r->clock ? vclock_now(r->clock) : 0;
}

static int64_t time_at(const struct mc146818 *r, uint64_t now)
{
	if (r->stopped)
		return r->base;
	return r->base + (int64_t)((now - r->base_vt) / NS_PER_S);
}

int64_t mc146818_time(struct mc146818 *r)
{
	return time_at(r, now_ns(r));
}

/* Periodic rate (register A RS): its period in 32.768 kHz cycles, 0 for
 * none; RS 1 and 2 are the same rates as 8 and 9. */
static uint64_t period_cycles(const struct mc146818 *r)
{
	unsigned rs = r->cmos[RTC_REG_A] & 0x0f;

	if (!rs)
		return 0;
	if (rs <= 2)
		rs += 7;
	return 1ull << (rs - 1);
}

static bool bcd(const struct mc146818 *r)
{
	return !(r->cmos[RTC_REG_B] & RTC_B_DM);
}

static uint8_t enc(const struct mc146818 *r, unsigned v)
{
	v %= 100;
	return (uint8_t)(bcd(r) ? (v / 10) << 4 | v % 10 : v);
}

static unsigned dec(const struct mc146818 *r, uint8_t v)
{
	return bcd(r) ? (v >> 4) * 10u + (v & 15u) : v;
}

static uint8_t enc_hour(const struct mc146818 *r, int h)
{
	if (r->cmos[RTC_REG_B] & RTC_B_24H)
		return enc(r, (unsigned)h);
	return (uint8_t)(enc(r, h % 12 ? (unsigned)(h % 12) : 12) |
			 (h >= 12 ? 0x80 : 0));
}

static int dec_hour(const struct mc146818 *r, uint8_t v)
{
	if (r->cmos[RTC_REG_B] & RTC_B_24H)
		return (int)dec(r, v);
	return (int)(dec(r, v & 0x7f) % 12) + (v & 0x80 ? 12 : 0);
}

/* An alarm register: -1 = "don't care" (bits 7:6 set), else the value. */
static int alarm_value(const struct mc146818 *r, unsigned reg)
{
	uint8_t v = r->cmos[reg];

	if ((v & 0xc0) == 0xc0)
		return -1;
	return reg == RTC_HOUR_ALARM ? dec_hour(r, v) : (int)dec(r, v);
}

/* Did the time pass through an alarm match at one of the updates
 * k0+1..k1 (seconds since base_vt)?  After a day every time of day has
 * been seen, so at most 86400 updates are looked at. */
static bool alarm_between(const struct mc146818 *r, uint64_t k0, uint64_t k1)
{
	int s = alarm_value(r, RTC_SEC_ALARM), m = alarm_value(r, RTC_MIN_ALARM);
	int h = alarm_value(r, RTC_HOUR_ALARM);

	if (k1 - k0 > DAY)
		k0 = k1 - DAY;
	for (uint64_t k = k0 + 1; k <= k1; k++) {
		int64_t t = r->base + (int64_t)k, sod = t - floor_div(t, DAY) * DAY;

		if ((s < 0 || s == sod % 60) && (m < 0 || m == sod / 60 % 60) &&
		    (h < 0 || h == sod / 3600))
			return true;
	}
	return false;
}

static void drive_irq(struct mc146818 *r)
{
	bool level = r->cmos[RTC_REG_C] & RTC_C_IRQF;

	if (level == r->irq_level)
		return;
	r->irq_level = level;
	if (level)
		r->interrupts++;
	if (r->irq)
		isa_irq_set(r->irq, RTC_IRQ, level);
}

/* Bring the flags of register C up to virtual time now. */
static void sync(struct mc146818 *r, uint64_t now)
{
	uint8_t *c = &r->cmos[RTC_REG_C];
	uint64_t p = period_cycles(r), k0, k1;

	if (now > r->sync_vt) {
		if (p && vclock_ns_to_ticks(now, RTC_XTAL) / p >
			 vclock_ns_to_ticks(r->sync_vt, RTC_XTAL) / p)
			*c |= RTC_C_PF;
		if (!r->stopped) {
			k0 = (r->sync_vt - r->base_vt) / NS_PER_S;
			k1 = (now - r->base_vt) / NS_PER_S;
			if (k1 > k0)
				*c |= RTC_C_UF;
			if (k1 > k0 && alarm_between(r, k0, k1))
				*c |= RTC_C_AF;
		}
		r->sync_vt = now;
	}
	if (*c & r->cmos[RTC_REG_B] & (RTC_C_PF | RTC_C_AF | RTC_C_UF))
		*c |= RTC_C_IRQF;
	drive_irq(r);
}

/* The next virtual time an enabled flag can raise IRQF, if it is not
 * raised already. */
static void arm(struct mc146818 *r)
{
	uint64_t now = now_ns(r), p = period_cycles(r), t = NEVER, k;
	uint8_t b = r->cmos[RTC_REG_B];

	if (!r->clock)
		return;
	if (!(r->cmos[RTC_REG_C] & RTC_C_IRQF)) {
		if ((b & RTC_B_PIE) && p) {
			k = vclock_ns_to_ticks(now, RTC_XTAL) / p + 1;
			t = vclock_ticks_to_ns(k * p, RTC_XTAL);
		}
		if ((b & (RTC_B_AIE | RTC_B_UIE)) && !r->stopped) {
			k = (now - r->base_vt) / NS_PER_S + 1;
			if (r->base_vt + k * NS_PER_S < t)
				t = r->base_vt + k * NS_PER_S;
		}
	}
	if (t == NEVER)
		vtimer_cancel(r->clock, &r->timer);
	else
		vtimer_arm(r->clock, &r->timer, t);
}

static void fire(void *opaque, uint64_t now)
{
	struct mc146818 *r = opaque;

	sync(r, now);
	arm(r);
}

void mc146818_restart(struct mc146818 *r)
{
	arm(r);
}

/* SET and the divider chain (A DV 6:4 of 0-2) start and stop the time. */
static void set_running(struct mc146818 *r, uint64_t now)
{
	bool run = !(r->cmos[RTC_REG_B] & RTC_B_SET) &&
		   (r->cmos[RTC_REG_A] & 0x70) <= 0x20;

	if (run == !r->stopped)
		return;
	if (run) {
		r->base_vt = now;       /* the next update one second on */
	} else {
		r->base = time_at(r, now);
	}
	r->stopped = !run;
}

static void set_time(struct mc146818 *r, uint64_t now, int64_t t)
{
	r->base = t;
	if (!r->stopped)
		r->base_vt = now;
}

/* ---- registers ---------------------------------------------------------- */

static uint8_t read_time(struct mc146818 *r, uint8_t index, uint64_t now)
{
	struct rtc_tm tm;

	to_tm(time_at(r, now), &tm);
	switch (index) {
	case RTC_SEC: return enc(r, (unsigned)tm.sec);
	case RTC_MIN: return enc(r, (unsigned)tm.min);
	case RTC_HOUR: return enc_hour(r, tm.hour);
	case RTC_WDAY: return enc(r, (unsigned)tm.wday + 1);
	case RTC_MDAY: return enc(r, (unsigned)tm.mday);
	case RTC_MONTH: return enc(r, (unsigned)tm.mon);
	case RTC_YEAR: return enc(r, (unsigned)(tm.year % 100));
	default: return enc(r, (unsigned)(tm.year / 100));  /* century */
	}
}

static void write_time(struct mc146818 *r, uint8_t index, uint8_t v,
		       uint64_t now)
{
	struct rtc_tm tm;
	int64_t t = time_at(r, now);

	to_tm(t, &tm);
	switch (index) {
	case RTC_SEC: tm.sec = (int)dec(r, v); break;
	case RTC_MIN: tm.min = (int)dec(r, v); break;
	case RTC_HOUR: tm.hour = dec_hour(r, v); break;
	case RTC_WDAY: return;      /* derived from the date */
	case RTC_MDAY: tm.mday = (int)dec(r, v); break;
	case RTC_MONTH: tm.mon = (int)dec(r, v); break;
	case RTC_YEAR: tm.year = tm.year / 100 * 100 + dec(r, v); break;
	default: tm.year = dec(r, v) * 100 + tm.year % 100; break;
	}
	set_time(r, now, from_tm(&tm));
}

static bool is_time(uint8_t index)
{
	return (index <= RTC_YEAR && !(index & 1 && index < RTC_WDAY)) ||
	       index == RTC_CENTURY;
}

uint8_t mc146818_read(struct mc146818 *r, uint8_t index)
{
	uint64_t now = now_ns(r), phase;
	uint8_t v;

	index &= 0x7f;
	sync(r, now);
	if (is_time(index))
		return read_time(r, index, now);
	switch (index) {
	case RTC_REG_A:
		v = r->cmos[RTC_REG_A];
		phase = (now - r->base_vt) % NS_PER_S;
		if (!r->stopped && phase >= NS_PER_S - RTC_UIP_NS)
			v |= RTC_A_UIP;
		return v;
	case RTC_REG_C:
		v = r->cmos[RTC_REG_C];
		r->cmos[RTC_REG_C] = 0;
		drive_irq(r);
		arm(r);
		return v;
	case RTC_REG_D:
		return 0x80;            /* VRT: RAM and time are valid */
	default:
		return r->cmos[index];
	}
}

void mc146818_write(struct mc146818 *r, uint8_t index, uint8_t v)
{
	uint64_t now = now_ns(r);
	uint8_t *c = &r->cmos[RTC_REG_C];

	index &= 0x7f;
	sync(r, now);
	if (is_time(index)) {
		write_time(r, index, v, now);
		arm(r);
		return;
	}
	switch (index) {
	case RTC_REG_A:
		r->cmos[RTC_REG_A] = v & 0x7f;
		break;
	case RTC_REG_B:
		if (v & RTC_B_SET)
			v &= (uint8_t)~RTC_B_UIE;    /* SET clears UIE */
		r->cmos[RTC_REG_B] = v;
		/* A flag already set raises IRQF when enabled; disabling
		 * them all withdraws it (as QEMU). */
		if (*c & v & (RTC_C_PF | RTC_C_AF | RTC_C_UF))
			*c |= RTC_C_IRQF;
		else
			*c &= (uint8_t)~RTC_C_IRQF;
		drive_irq(r);
		break;
	case RTC_REG_C:
	case RTC_REG_D:
		return;                 /* read-only */
	default:
		r->cmos[index] = v;
		return;
	}
	set_running(r, now);
	arm(r);
}

/* ---- device ------------------------------------------------------------- */

void mc146818_init(struct mc146818 *r, struct vclock *clock,
		   struct isa_irq *irq, int64_t epoch)
{
	memset(r, 0, sizeof(*r));
	r->clock = clock;
	r->irq = irq;
	vtimer_init(&r->timer, fire, r);
	mc146818_reset(r, epoch);
}

void mc146818_reset(struct mc146818 *r, int64_t epoch)
{
	uint64_t now = now_ns(r);

	r->cmos[RTC_REG_A] = 0x26;      /* 32.768 kHz, 1024 Hz periodic rate */
	r->cmos[RTC_REG_B] = RTC_B_24H;
	r->cmos[RTC_REG_C] = 0;
	r->index = 0;
	r->nmi_masked = false;
	r->stopped = false;
	r->base = epoch;
	r->base_vt = now;
	r->sync_vt = now;
	drive_irq(r);
	arm(r);
}

void mc146818_destroy(struct mc146818 *r)
{
	if (r->clock)
		vtimer_cancel(r->clock, &r->timer);
}

static uint64_t port_read(void *opaque, uint64_t off, unsigned size)
{
	struct mc146818 *r = opaque;

	if (off == 0)
		return 0xff;            /* the index register is write-only */
	return mc146818_read(r, r->index);
}

static void port_write(void *opaque, uint64_t off, unsigned size, uint64_t v)
{
	struct mc146818 *r = opaque;

	if (off == 0) {
		r->index = v & 0x7f;
		r->nmi_masked = v & 0x80;
	} else {
		mc146818_write(r, r->index, (uint8_t)v);
	}
}

int mc146818_attach(struct mc146818 *r, struct io_bus *pio)
{
	const struct io_handler h = { "rtc", port_read, port_write, r };

	return io_bus_register(pio, RTC_PORT, 2, &h);
}
