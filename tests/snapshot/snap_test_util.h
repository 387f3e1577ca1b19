/* SPDX-License-Identifier: MIT */
/* Helpers shared by the snapshot tests: a fully populated machine. */
#ifndef VMXBOX_TESTS_SNAP_TEST_UTIL_H
#define VMXBOX_TESTS_SNAP_TEST_UTIL_H

#include <check.h>

#include "snapshot/snapshot.h"

/* Every CPU field and MSR set to a distinct value that still passes
 * validation. */
void fill_cpu(struct cpu_state *c, unsigned seed);
/* A machine with 1 CPU, config, VMX, two devices; memory from gm. */
struct snapshot_machine *make_machine(struct guest_mem *gm, unsigned seed);

#define SNAP_TEST_RAM (4ull << 20)

/* Writes the pages make_ram_machine() has written. */
void touch_pages(struct guest_mem *gm);

/* make_machine() over SNAP_TEST_RAM of fresh RAM in gm, a few pages
 * written (adjacent, alone, and one with zeros only that must not be
 * stored). */
struct snapshot_machine *make_ram_machine(struct guest_mem *gm, unsigned seed);

/* snapshot_encode() that fails the test on an error. */
void encode_ok(const struct snapshot_machine *s, uint8_t **buf, size_t *len);

/* The check TCase of test_snapshot_hostile.c. */
TCase *snapshot_hostile_tcase(void);

#endif
