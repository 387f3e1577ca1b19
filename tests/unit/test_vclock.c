// SPDX-License-Identifier: MIT
/* The virtual clock: timer ordering, firing, re-arming, tick conversion. */
#include <check.h>

#include "core/vclock.h"

static struct vclock C;
static int order[8], n_fired;
static uint64_t fired_at[8];

static void fire(void *opaque, uint64_t now)
{
	fired_at[n_fired] = now;
	order[n_fired++] = (int)(intptr_t)opaque;
}

static int changes;

static void changed(void *opaque)
{
	changes++;
}

static void setup(void)
{
	vclock_init(&C, VCLOCK_VIRTUAL);
	C.changed = changed;
	n_fired = changes = 0;
}

START_TEST(timers_fire_in_deadline_order)
{
	struct vtimer a, b, c;

	vtimer_init(&a, fire, (void *)1);
	vtimer_init(&b, fire, (void *)2);
	vtimer_init(&c, fire, (void *)3);
	ck_assert_uint_eq(vclock_next_deadline(&C), VCLOCK_NEVER);
	vtimer_arm(&C, &a, 300);
	vtimer_arm(&C, &b, 100);
	vtimer_arm(&C, &c, 300);         /* same deadline as a: after a */
	ck_assert_uint_eq(vclock_next_deadline(&C), 100);
	ck_assert_int_eq(changes, 2);    /* a (first), then b (earlier) */
	ck_assert_uint_eq(vclock_run_due(&C, 99), 0);
	ck_assert_uint_eq(vclock_run_due(&C, 300), 3);
	ck_assert_int_eq(order[0], 2);
	ck_assert_int_eq(order[1], 1);
	ck_assert_int_eq(order[2], 3);
	ck_assert_uint_eq(fired_at[0], 300);
	ck_assert(!a.armed && !b.armed && !c.armed);
	ck_assert_uint_eq(vclock_next_deadline(&C), VCLOCK_NEVER);
}
END_TEST

START_TEST(cancel_and_move)
{
	struct vtimer a, b;

	vtimer_init(&a, fire, (void *)1);
	vtimer_init(&b, fire, (void *)2);
	vtimer_arm(&C, &a, 100);
	vtimer_arm(&C, &b, 200);
	vtimer_cancel(&C, &a);
	ck_assert_uint_eq(vclock_next_deadline(&C), 200);
	vtimer_arm(&C, &b, 50);          /* moving re-sorts */
	ck_assert_uint_eq(vclock_next_deadline(&C), 50);
	vtimer_cancel(&C, &b);
	vtimer_cancel(&C, &b);           /* twice: harmless */
	ck_assert_uint_eq(vclock_run_due(&C, 1000), 0);
}
END_TEST

static struct vtimer periodic;

static void refire(void *opaque, uint64_t now)
{
	fire(opaque, now);
	if (n_fired < 3)
		vtimer_arm(&C, &periodic, periodic.deadline + 10);
}

START_TEST(a_timer_may_rearm_itself)
{
	vtimer_init(&periodic, refire, (void *)7);
	vtimer_arm(&C, &periodic, 10);
	/* Re-armed at 20, still due at 25: fires again in the same call. */
	ck_assert_uint_eq(vclock_run_due(&C, 25), 2);
	ck_assert_uint_eq(vclock_next_deadline(&C), 30);
}
END_TEST

START_TEST(manual_time_and_ticks)
{
	C.manual = 1234;
	ck_assert_uint_eq(vclock_now(&C), 1234);
	/* PIT: 1193182 Hz; one second of virtual time. */
	ck_assert_uint_eq(vclock_ns_to_ticks(1000000000ull, 1193182), 1193182);
	ck_assert_uint_eq(vclock_ns_to_ticks(837, 1193182), 0);
	ck_assert_uint_eq(vclock_ns_to_ticks(839, 1193182), 1);
	/* The first ns at which one tick has elapsed: 838.09... -> 839. */
	ck_assert_uint_eq(vclock_ticks_to_ns(1, 1193182), 839);
	ck_assert_uint_eq(vclock_ticks_to_ns(3579545, 3579545), 1000000000ull);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("vclock");
	TCase *tc = tcase_create("vclock");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, timers_fire_in_deadline_order);
	tcase_add_test(tc, cancel_and_move);
	tcase_add_test(tc, a_timer_may_rearm_itself);
	tcase_add_test(tc, manual_time_and_ticks);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
