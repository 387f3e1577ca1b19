// SPDX-License-Identifier: MIT
#include <check.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/trace.h"

static struct trace_ring ring;

START_TEST(full_ring_drops_and_counts)
{
	struct vmx_trace_event ev = { .kind = VMX_TRACE_EXIT }, out;

	trace_ring_init(&ring);
	for (unsigned i = 0; i < TRACE_RING_SIZE; i++) {
		ev.insn_count = i;
		ck_assert(trace_ring_push(&ring, &ev));
	}
	ck_assert(!trace_ring_push(&ring, &ev));
	ck_assert_uint_eq(atomic_load(&ring.dropped), 1);
	ck_assert(trace_ring_pop(&ring, &out));
	ck_assert_uint_eq(out.insn_count, 0);
	ck_assert(trace_ring_push(&ring, &ev));
	for (unsigned i = 1; i < TRACE_RING_SIZE; i++) {
		ck_assert(trace_ring_pop(&ring, &out));
		ck_assert_uint_eq(out.insn_count, i);
	}
	ck_assert(trace_ring_pop(&ring, &out));
	ck_assert(!trace_ring_pop(&ring, &out));
}
END_TEST

#define N_EVENTS 50000

static void *producer(void *arg)
{
	struct vmx_trace_event ev = { .kind = VMX_TRACE_EXIT };

	for (uint64_t i = 0; i < N_EVENTS; i++) {
		ev.insn_count = i;
		ev.qualification = i * 3;
		while (!trace_ring_push(&ring, &ev))
			;
	}
	return NULL;
}

START_TEST(threads_see_every_event_in_order)
{
	pthread_t t;
	struct vmx_trace_event out;
	uint64_t next = 0;

	trace_ring_init(&ring);
	pthread_create(&t, NULL, producer, NULL);
	while (next < N_EVENTS) {
		if (trace_ring_pop(&ring, &out)) {
			ck_assert_uint_eq(out.insn_count, next);
			ck_assert_uint_eq(out.qualification, next * 3);
			next++;
		}
	}
	pthread_join(t, NULL);
}
END_TEST

START_TEST(format_lines)
{
	char buf[256];
	struct vmx_trace_event ev = {
		.kind = VMX_TRACE_EXIT, .reason = 10, .qualification = 0,
		.guest_rip = 0x401000, .vmcs = 0x201000, .insn_count = 1234,
	};

	trace_format(&ev, "CPUID", buf, sizeof(buf));
	ck_assert_str_eq(buf, "vmexit  vmcs=0x201000 reason=10 CPUID qual=0x0 rip=0x401000 insn=1234");
	ev.kind = VMX_TRACE_ENTRY;
	ev.launch = true;
	trace_format(&ev, NULL, buf, sizeof(buf));
	ck_assert_str_eq(buf, "vmentry vmcs=0x201000 launch rip=0x401000 insn=1234");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("trace_ring");
	TCase *tc = tcase_create("ring");

	tcase_add_test(tc, full_ring_drops_and_counts);
	tcase_add_test(tc, threads_see_every_event_in_order);
	tcase_add_test(tc, format_lines);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
