// SPDX-License-Identifier: MIT
/*
 * The PC's interrupt controllers and timers in snapshots (snap_isa.c):
 * a machine's PIC pair, I/O APIC, PIT, RTC and ISA lines, programmed
 * into states away from reset and with timers armed, go through CBOR
 * and into a second set of devices that then equals the first and
 * takes the same interrupts at the same virtual times; a snapshot
 * without them (older vmxbox) resets them; each out-of-range value is
 * refused with its key named.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snap_test_util.h"
#include "devices/i8254.h"
#include "devices/i8259.h"
#include "devices/ioapic.h"
#include "devices/isa_irq.h"
#include "devices/mc146818.h"
#include "snapshot/snapshot.h"

#define MS 1000000ull

struct world {
	struct vclock c;
	struct io_bus pio;
	struct isa_irq isa;
	struct i8259 pic;
	struct ioapic io;
	struct i8254 pit;
	struct mc146818 rtc;
};

static struct world A, B;
static char err[256];

static void world_init(struct world *w)
{
	vclock_init(&w->c, VCLOCK_VIRTUAL);
	io_bus_init(&w->pio, "pio");
	i8259_init(&w->pic, NULL, NULL);
	ioapic_init(&w->io, NULL);
	isa_irq_init(&w->isa, &w->pic, &w->io);
	i8254_init(&w->pit, &w->c, &w->isa);
	mc146818_init(&w->rtc, &w->c, &w->isa, RTC_DEFAULT_BASE);
	ck_assert_int_eq(i8259_attach(&w->pic, &w->pio), 0);
	ck_assert_int_eq(i8254_attach(&w->pit, &w->pio), 0);
	ck_assert_int_eq(mc146818_attach(&w->rtc, &w->pio), 0);
}

static void world_destroy(struct world *w)
{
	i8254_destroy(&w->pit);
	mc146818_destroy(&w->rtc);
}

static void setup(void)
{
	world_init(&A);
	world_init(&B);
}

static void teardown(void)
{
	world_destroy(&A);
	world_destroy(&B);
}

static void out(struct world *w, uint16_t port, uint8_t v)
{
	io_bus_write(&w->pio, port, 1, v);
}

static uint8_t in(struct world *w, uint16_t port)
{
	return (uint8_t)io_bus_read(&w->pio, port, 1);
}

/* Run w's clock to t, firing every timer due on the way. */
static void run_to(struct world *w, uint64_t t)
{
	while (vclock_next_deadline(&w->c) <= t) {
		w->c.manual = vclock_next_deadline(&w->c);
		vclock_run_due(&w->c, w->c.manual);
	}
	w->c.manual = t;
}

/* A's devices well away from their reset state, timers armed, at 2.5 ms. */
static void program(struct world *w)
{
	static const uint8_t pic_init[2][5] = {
		{ 0x20, 0x11, 0x20, 0x04, 0x01 },   /* port, ICW1-4: master */
		{ 0xa0, 0x11, 0x28, 0x02, 0x03 },   /* slave, auto-EOI */
	};

	for (int i = 0; i < 2; i++)
		for (int k = 1; k < 5; k++)
			out(w, pic_init[i][0] + (k > 1), pic_init[i][k]);
	out(w, 0x21, 0xf8);                         /* IRQ 0-2 */
	out(w, 0xa1, 0xfe);                         /* IRQ 8 */
	out(w, 0x4d1, 0x04);                        /* IRQ 10 level */
	isa_irq_set(&w->isa, 1, true);
	ck_assert_int_eq(i8259_ack(&w->pic), 0x21); /* IRQ 1 in service */
	isa_irq_set(&w->isa, 10, true);             /* masked: IRR only */
	out(w, 0xa0, 0x0b);                         /* slave reads ISR */

	ioapic_reg_write(&w->io, IOAPIC_REG_ID, 3u << 24);
	ioapic_reg_write(&w->io, IOAPIC_REG_REDIR + 10, 0x45 | IOAPIC_RE_LEVEL);
	ioapic_reg_write(&w->io, IOAPIC_REG_REDIR + 11, 1u << 24);
	ioapic_reg_write(&w->io, IOAPIC_REG_REDIR + 18, 0x49);   /* pin 9 edge */
	isa_irq_set(&w->isa, 5, true);              /* remote IRR set */
	ck_assert(w->io.redir[5] & IOAPIC_RE_REMOTE_IRR);

	out(w, 0x43, 0x34);                         /* ch0 mode 2, 1 ms */
	out(w, 0x40, 1193 & 0xff);
	out(w, 0x40, 1193 >> 8);
	out(w, 0x61, 0x03);                         /* gate 2, speaker */
	out(w, 0x43, 0xb0);                         /* ch2 mode 0, 5 ms */
	out(w, 0x42, 5966 & 0xff);
	out(w, 0x42, 5966 >> 8);
	out(w, 0x43, 0x74);                         /* ch1: half a count */
	out(w, 0x41, 0x12);

	out(w, 0x70, 0x0a);
	out(w, 0x71, 0x27);                         /* 512 Hz */
	out(w, 0x70, 0x0b);
	out(w, 0x71, 0x52);                         /* PIE, UIE */
	out(w, 0x70, 0x40);
	out(w, 0x71, 0x5a);                         /* CMOS RAM */
	run_to(w, 2 * MS + MS / 2);
	out(w, 0x70, 0x0c);
	ck_assert_uint_eq(in(w, 0x71), 0xc0);      /* IRQF, PF: re-armed */
	out(w, 0x70, 0x8e);                         /* NMI masked, index */
	out(w, 0x43, 0x00);                         /* ch0 latched, ... */
	(void)in(w, 0x40);                          /* ... half read */
}

static struct snapshot_machine *save(const struct world *w,
				     struct guest_mem *gm)
{
	struct snapshot_machine *s = make_machine(gm, 1), *d;
	uint8_t *buf;
	size_t len;

	ck_assert(snap_isa_save(s, &w->isa));
	ck_assert(snap_pic_save(s, &w->pic));
	ck_assert(snap_ioapic_save(s, &w->io));
	ck_assert(snap_pit_save(s, &w->pit));
	ck_assert(snap_rtc_save(s, &w->rtc));
	ck_assert_msg(!snapshot_encode(s, &buf, &len, err, sizeof(err)), "%s", err);
	d = snapshot_decode(buf, len, err, sizeof(err));
	ck_assert_msg(d, "%s", err);
	free(buf);
	snapshot_free(s);
	return d;
}

/* 0 or -1 as the machine's restore does it, err set. */
static int load(const struct snapshot_machine *s, struct world *w)
{
	w->c.manual = A.c.manual;
	if (snap_isa_load(s, &w->isa, err, sizeof(err)) ||
	    snap_pic_load(s, &w->pic, err, sizeof(err)) ||
	    snap_ioapic_load(s, &w->io, err, sizeof(err)) ||
	    snap_pit_load(s, &w->pit, err, sizeof(err)) ||
	    snap_rtc_load(s, &w->rtc, err, sizeof(err)))
		return -1;
	i8259_update(&w->pic);
	return 0;
}

#define EQ(f) ck_assert_msg(A.f == B.f, #f ": %llu != %llu", \
			    (unsigned long long)A.f, (unsigned long long)B.f)

static void pit_channel_eq(unsigned i)
{
	EQ(pit.ch[i].count); EQ(pit.ch[i].mode); EQ(pit.ch[i].rw);
	EQ(pit.ch[i].bcd); EQ(pit.ch[i].read_state); EQ(pit.ch[i].write_state);
	EQ(pit.ch[i].lsb); EQ(pit.ch[i].latch_state); EQ(pit.ch[i].latched);
	EQ(pit.ch[i].status_latched); EQ(pit.ch[i].status);
	EQ(pit.ch[i].loaded); EQ(pit.ch[i].triggered);
	EQ(pit.ch[i].null_count); EQ(pit.ch[i].gate);
	EQ(pit.ch[i].start); EQ(pit.ch[i].held);
}

static void same_state(void)
{
	EQ(isa.levels);
	for (unsigned i = 0; i < 2; i++)
		ck_assert_msg(!memcmp(&A.pic.c[i], &B.pic.c[i], sizeof(A.pic.c[i])),
			      "8259 %u differs", i);
	EQ(io.regsel); EQ(io.id); EQ(io.irr); EQ(io.level);
	for (unsigned i = 0; i < IOAPIC_PINS; i++)
		EQ(io.redir[i]);
	for (unsigned i = 0; i < 3; i++)
		pit_channel_eq(i);
	EQ(pit.port61_rw); EQ(pit.speaker_data); EQ(pit.out0);
	EQ(pit.timer.armed); EQ(pit.timer.deadline);
	ck_assert(!memcmp(A.rtc.cmos, B.rtc.cmos, sizeof(A.rtc.cmos)));
	EQ(rtc.index); EQ(rtc.nmi_masked); EQ(rtc.base); EQ(rtc.base_vt);
	EQ(rtc.stopped); EQ(rtc.sync_vt); EQ(rtc.irq_level);
	EQ(rtc.timer.armed); EQ(rtc.timer.deadline);
}

START_TEST(round_trip_continues_exactly)
{
	struct guest_mem gm;
	struct snapshot_machine *s;
	uint64_t pit0, rtc0;

	ck_assert_int_eq(gmem_init(&gm, 4ull << 20), 0);
	program(&A);
	ck_assert(A.pit.timer.armed && A.rtc.timer.armed);
	ck_assert_uint_ge(A.pit.edges, 2);
	ck_assert_uint_ge(A.rtc.interrupts, 1);
	s = save(&A, &gm);
	ck_assert_msg(!load(s, &B), "%s", err);
	same_state();

	/* Both machines go on the same way: IRQ 0 and IRQ 8 edges, the
	 * PIC's requests, channel 2's OUT, the latch's second byte. */
	pit0 = A.pit.edges;
	rtc0 = A.rtc.interrupts;
	ck_assert_uint_eq(in(&A, 0x40), in(&B, 0x40));
	for (uint64_t t = 3 * MS; t <= 12 * MS; t += MS / 3) {
		run_to(&A, t);
		run_to(&B, t);
		ck_assert_uint_eq(A.pit.edges - pit0, B.pit.edges);
		ck_assert_uint_eq(A.rtc.interrupts - rtc0, B.rtc.interrupts);
		ck_assert_int_eq(i8254_out(&A.pit, 2), i8254_out(&B.pit, 2));
		ck_assert_uint_eq(i8254_counter(&A.pit, 0), i8254_counter(&B.pit, 0));
		ck_assert_int_eq(i8259_pending(&A.pic), i8259_pending(&B.pic));
		ck_assert_int_eq(in(&A, 0x61) & 0x20, in(&B, 0x61) & 0x20);
	}
	ck_assert_uint_ge(B.pit.edges, 8);
	ck_assert_uint_ge(B.rtc.interrupts, 1);
	out(&A, 0x70, 0x0c);
	out(&B, 0x70, 0x0c);
	ck_assert_uint_eq(in(&A, 0x71), in(&B, 0x71));
	same_state();
	snapshot_free(s);
	gmem_destroy(&gm);
}
END_TEST

/* A snapshot of an older vmxbox, without these devices, leaves them in
 * their reset state (that machine had none), whatever ran before. */
START_TEST(older_snapshot_resets_them)
{
	struct guest_mem gm;
	struct snapshot_machine *s;

	ck_assert_int_eq(gmem_init(&gm, 4ull << 20), 0);
	s = make_machine(&gm, 2);
	program(&B);
	ck_assert_int_eq(load(s, &B), 0);
	ck_assert_uint_eq(B.isa.levels, 0);
	ck_assert_uint_eq(B.pic.c[0].init_step, 0);
	ck_assert_uint_eq(B.pic.c[0].isr | B.pic.c[0].imr | B.pic.c[1].elcr, 0);
	ck_assert_uint_eq(B.io.redir[5], IOAPIC_RE_MASKED);
	ck_assert_uint_eq(B.io.id, 0);
	ck_assert_uint_eq(B.pit.ch[0].mode, 3);
	ck_assert_uint_eq(B.pit.ch[0].count, 65536);
	ck_assert(!B.pit.timer.armed);
	ck_assert_int_eq(i8259_pending(&B.pic), -1);
	snapshot_free(s);
	gmem_destroy(&gm);
}
END_TEST

/* Each value out of range, and each key of the wrong type or length. */
START_TEST(bad_values_refused)
{
	static const struct {
		const char *dev, *key;
		int len;                /* -1: an integer, v */
		uint64_t v;
		unsigned byte;          /* bytes: this one set to v */
	} bad[] = {
		{ "isa", "levels", -1, 1u << 24, 0 },
		{ "pic", "master", 9, 0x01, 4 },          /* ELCR IRQ 0 */
		{ "pic", "master", 9, 8, 6 },                   /* priority IR 8 */
		{ "pic", "slave", 9, 1, 7 },              /* init step 1 */
		{ "pic", "master", 8, 0, 0 },
		{ "ioapic", "irr", -1, 1u << 24, 0 },
		{ "ioapic", "id", -1, 16, 0 },
		{ "ioapic", "redir", 191, 0, 0 },
		{ "pit", "ch0", 32, 2, 2 },                     /* count 0x204a9 */
		{ "pit", "ch1", 32, 6, 4 },               /* mode 6 */
		{ "pit", "ch2", 32, 0x20, 14 },           /* flag bit 5 */
		{ "pit", "port61", -1, 1, 0 },
		{ "pit", "out0", -1, 2, 0 },
		{ "rtc", "cmos", 127, 0, 0 },
		{ "rtc", "index", -1, 0x80, 0 },
		{ "rtc", "irq_level", -1, 2, 0 },
		{ "rtc", "stopped", -1, 2, 0 },
	};
	struct guest_mem gm;
	char want[128];

	ck_assert_int_eq(gmem_init(&gm, 4ull << 20), 0);
	program(&A);
	run_to(&A, 1500 * MS);                      /* base_vt > 0 */
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct snapshot_machine *s = save(&A, &gm);
		struct snap_kvset *st = &snap_device_add(s, bad[i].dev)->st;

		if (bad[i].len < 0) {
			ck_assert(snap_kv_set_u64(st, bad[i].key, bad[i].v));
		} else {
			const struct snap_kv *kv = snap_kv_find(st, bad[i].key);
			uint8_t b[256] = { 0 };

			memcpy(b, kv->bytes, kv->len < sizeof(b) ? kv->len : sizeof(b));
			b[bad[i].byte] = (uint8_t)bad[i].v;
			ck_assert(snap_kv_set_bytes(st, bad[i].key, b, (size_t)bad[i].len));
		}
		ck_assert_msg(load(s, &B) == -1, "%s.%s accepted", bad[i].dev, bad[i].key);
		snprintf(want, sizeof(want), "devices.%s.%s: missing or invalid",
			 bad[i].dev, bad[i].key);
		ck_assert_str_eq(err, want);
		snapshot_free(s);
	}
	gmem_destroy(&gm);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("snapshot_isa");
	TCase *t = tcase_create("isa");
	SRunner *r;
	int failed;

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, round_trip_continues_exactly);
	tcase_add_test(t, older_snapshot_resets_them);
	tcase_add_test(t, bad_values_refused);
	suite_add_tcase(s, t);
	r = srunner_create(s);
	srunner_run_all(r, CK_NORMAL);
	failed = srunner_ntests_failed(r);
	srunner_free(r);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
