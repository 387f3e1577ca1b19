// SPDX-License-Identifier: MIT
/*
 * PC timers as a test kernel uses them (after irq.c set up the IDT and
 * the interrupt controllers): the 8254 PIT on IRQ 0 and its channel 2
 * through port 0x61, the RTC's date, periodic, update and alarm
 * interrupts on IRQ 8, SET and binary mode, CMOS RAM, and the ACPI PM
 * timer.  Durations measured against the PM timer go to "irqx" lines:
 * exact on vmxbox's virtual clock, host-dependent on QEMU.
 */
#include "kernel.h"

#define PM_TMR 0x608

static uint32_t pmtmr(void)
{
	return inl(PM_TMR);
}

static uint8_t cmos(uint8_t i)
{
	outb(0x70, i);
	return inb(0x71);
}

static void cmos_w(uint8_t i, uint8_t v)
{
	outb(0x70, i);
	outb(0x71, v);
}

static void put2(uint8_t v)
{
	kputc("0123456789abcdef"[v >> 4]);
	kputc("0123456789abcdef"[v & 15]);
}

/* ---- PIT ----------------------------------------------------------------- */

#define PIT_10MS 11932

static volatile uint32_t tick_pm[5];
static volatile unsigned ticks;

static void pit_hook(unsigned vector)
{
	if (vector == 0x20 && ticks < 5)
		tick_pm[ticks++] = pmtmr();
}

static uint16_t pit_latch(unsigned ch)
{
	uint16_t v;

	outb(0x43, (uint8_t)(ch << 6));
	v = inb((uint16_t)(0x40 + ch));
	return v | (uint16_t)(inb((uint16_t)(0x40 + ch)) << 8);
}

static void test_pit(void)
{
	uint16_t c1, c2;
	uint8_t st, p61, low;
	uint32_t t0, t1;
	unsigned n = 0;

	irq_reset_counts();
	outb(0x43, 0x34);                           /* ch0, LSB/MSB, mode 2 */
	outb(0x40, PIT_10MS & 0xff);
	outb(0x40, PIT_10MS >> 8);
	pic_init(0x01);                             /* forget earlier edges */
	eoi_mode = EOI_PIC;
	irq_hook = pit_hook;
	outb(0x21, 0xfe);
	__asm__ volatile("sti");
	while (ticks < 5)
		__asm__ volatile("hlt");
	__asm__ volatile("cli");
	outb(0x21, 0xff);
	c1 = pit_latch(0);
	c2 = pit_latch(0);
	outb(0x43, 0xe2);                           /* read-back: status of ch0 */
	st = inb(0x40);
	kputs("irq pit irq0");
	kkv_dec("ticks", ticks);
	kkv_hex("status", st & 0x3f);
	kputc('\n');
	kputs("irqx pit");
	for (unsigned i = 1; i < 5; i++)
		kkv_dec("period_pm", tick_pm[i] - tick_pm[i - 1]);
	kkv_dec("latch1", c1);
	kkv_dec("latch2", c2);
	kputc('\n');

	/* The same IRQ 0 through the I/O APIC arrives on pin 2 (the MADT's
	 * interrupt source override), never on pin 0.  Every 1 ms, waited
	 * for busy as a polling kernel would (a snapshot taken in this loop
	 * has the PIT armed). */
	outb(0x43, 0x34);
	outb(0x40, 1193 & 0xff);
	outb(0x40, 1193 >> 8);
	irq_reset_counts();
	eoi_mode = EOI_LAPIC;
	ioapic_route(0, 0x30);
	ioapic_route(2, 0x32);
	__asm__ volatile("sti");
	while (irq_count[0x32] < 2)
		__asm__ volatile("pause");
	__asm__ volatile("cli");
	ioapic_route(0, 1u << 16);
	ioapic_route(2, 1u << 16);
	kputs("irq ioapic irq0");
	kkv_dec("pin2", irq_count[0x32] >= 2);
	kkv_dec("pin0", irq_count[0x30]);
	kputc('\n');

	/* Channel 2, mode 0, 1 ms, gated through port 0x61; OUT2 in bit 5. */
	p61 = inb(0x61);
	outb(0x61, p61 & 0xfc);
	outb(0x43, 0xb0);
	outb(0x42, 1193 & 0xff);
	outb(0x42, 1193 >> 8);
	/* Read at once: printing first can take the whole 1 ms on a loaded
	 * host under QEMU (TCG time is host time), and OUT2 has risen. */
	low = !(inb(0x61) & 0x20);
	kputs("irq pit out2");
	kkv_dec("low_after_count", low);
	t0 = pmtmr();
	outb(0x61, (p61 & 0xfc) | 1);
	while (!(inb(0x61) & 0x20) && n < 100000000)
		n++;
	t1 = pmtmr();
	kkv_dec("rose", !!(inb(0x61) & 0x20));
	kkv_dec("gate", inb(0x61) & 1);
	kputc('\n');
	kputs("irqx pit out2");
	kkv_dec("pm", (t1 - t0) & 0xffffff);
	kputc('\n');
	outb(0x61, p61 & 0xfc);
	outb(0x43, 0x30);                           /* ch0: mode 0, long count */
	outb(0x40, 0xff);
	outb(0x40, 0xff);
}

/* ---- RTC ----------------------------------------------------------------- */

static volatile unsigned rtc_irqs;
static volatile uint8_t rtc_c;

static void rtc_hook(unsigned vector)
{
	uint8_t c;

	if (vector != 0x28)
		return;
	c = cmos(0x0c);                             /* acknowledges IRQ 8 */
	if (!rtc_irqs++)
		rtc_c = c;
}

static void wait_not_uip(void)
{
	while (cmos(0x0a) & 0x80)
		;
}

/* Wait for RTC interrupts with register B = b, then turn them off;
 * halted, or busy (spin) as a kernel polling a flag. */
static void rtc_wait(uint8_t b, unsigned count, bool spin)
{
	rtc_irqs = 0;
	cmos(0x0c);
	cmos_w(0x0b, b);
	__asm__ volatile("sti");
	while (rtc_irqs < count) {
		if (spin)
			__asm__ volatile("pause");
		else
			__asm__ volatile("hlt");
	}
	__asm__ volatile("cli");
	cmos_w(0x0b, 0x02);
}

static void print_date(const char *key)
{
	wait_not_uip();
	kputc(' ');
	kputs(key);
	kputc('=');
	put2(cmos(0x32));
	put2(cmos(0x09));
	kputc('-');
	put2(cmos(0x08));
	kputc('-');
	put2(cmos(0x07));
	kputc('T');
	put2(cmos(0x04));
	kputc(':');
	put2(cmos(0x02));
	kkv_dec("wday", cmos(0x06));
}

static uint8_t bcd_add(uint8_t v, unsigned n)
{
	unsigned d = (v >> 4) * 10u + (v & 15u) + n;

	d %= 60;
	return (uint8_t)((d / 10) << 4 | d % 10);
}

static void test_rtc(void)
{
	uint8_t alarm, sec;

	kputs("irq rtc");
	print_date("date");
	kkv_hex("a", cmos(0x0a) & 0x7f);
	kkv_hex("b", cmos(0x0b));
	kkv_hex("d", cmos(0x0d));
	kputc('\n');
	kputs("irqx rtc");
	kkv_hex("sec", cmos(0x00));
	kputc('\n');

	irq_reset_counts();
	pic_init(0x01);
	eoi_mode = EOI_PIC;
	irq_hook = rtc_hook;
	outb(0x21, 0xfb);
	outb(0xa1, 0xfe);                           /* IRQ 8 */
	cmos_w(0x0a, 0x26);                         /* 1024 Hz */
	rtc_wait(0x42, 4, true);                    /* PIE */
	kputs("irq rtc periodic");
	kkv_dec("count", rtc_irqs);
	kkv_hex("c", rtc_c & 0xc0);
	kputc('\n');

	rtc_wait(0x12, 1, false);                   /* UIE */
	kputs("irq rtc update");
	kkv_hex("c", rtc_c & 0x90);
	kputc('\n');

	wait_not_uip();
	alarm = bcd_add(cmos(0x00), 2);
	cmos_w(0x01, alarm);
	cmos_w(0x03, 0xc0);                         /* any minute */
	cmos_w(0x05, 0xc0);                         /* any hour */
	rtc_wait(0x22, 1, false);                   /* AIE */
	sec = cmos(0x00);
	kputs("irq rtc alarm");
	kkv_hex("c", rtc_c & 0xa0);
	kkv_dec("sec_is_alarm", sec == alarm);
	kputc('\n');

	/* Set the time under SET, in binary; it rolls over into 2031. */
	cmos_w(0x0b, 0x86);
	cmos_w(0x32, 20);
	cmos_w(0x09, 30);
	cmos_w(0x08, 12);
	cmos_w(0x07, 31);
	cmos_w(0x04, 23);
	cmos_w(0x02, 59);
	cmos_w(0x00, 59);
	kputs("irq rtc set");
	kkv_dec("year", cmos(0x09));
	kkv_dec("month", cmos(0x08));
	kkv_dec("mday", cmos(0x07));
	kkv_dec("hour", cmos(0x04));
	kkv_dec("sec", cmos(0x00));
	cmos_w(0x0b, 0x06);
	rtc_wait(0x16, 1, false);                   /* UIE, binary */
	cmos_w(0x0b, 0x02);
	kputc('\n');
	kputs("irq rtc rollover");
	print_date("date");
	kputc('\n');

	/* CMOS RAM; index bit 7 is the NMI mask, not part of the index. */
	cmos_w(0x40, 0x55);
	outb(0x70, 0x80 | 0x40);
	kputs("irq cmos");
	kkv_hex("ram", inb(0x71));
	outb(0x70, 0x0d);
	kkv_dec("base_kib", cmos(0x15) | cmos(0x16) << 8);
	kkv_dec("ext_kib", cmos(0x17) | cmos(0x18) << 8);
	kkv_dec("ext2_kib", cmos(0x30) | cmos(0x31) << 8);
	kkv_dec("above16m_64k", cmos(0x34) | cmos(0x35) << 8);
	kkv_dec("above4g_64k", cmos(0x5b) | cmos(0x5c) << 8 | cmos(0x5d) << 16);
	kputc('\n');
	outb(0xa1, 0xff);
	outb(0x21, 0xff);
}

/* ---- ACPI PM timer ------------------------------------------------------- */

static void test_pm_timer(void)
{
	uint32_t first = pmtmr(), prev = first, v = first;
	bool mono = true, high_zero = true;

	for (unsigned i = 0; i < 1000; i++) {
		v = pmtmr();
		if (v >> 24)
			high_zero = false;
		if (((v - prev) & 0xffffff) >= 0x800000)
			mono = false;
		prev = v;
	}
	kputs("irq pmtmr");
	kkv_dec("monotonic", mono);
	kkv_dec("moved", v != first);
	kkv_dec("high_zero", high_zero);
	kputc('\n');
}

void test_timers(void)
{
	test_pit();
	test_rtc();
	test_pm_timer();
}
