/* SPDX-License-Identifier: MIT */
/* Helpers shared by the snapshot tests: a fully populated machine. */
#ifndef VMXBOX_TESTS_SNAP_TEST_UTIL_H
#define VMXBOX_TESTS_SNAP_TEST_UTIL_H

#include "snapshot/snapshot.h"

/* Every CPU field and MSR set to a distinct value that still passes
 * validation. */
void fill_cpu(struct cpu_state *c, unsigned seed);
/* A machine with 1 CPU, config, VMX, two devices; memory from gm. */
struct snapshot_machine *make_machine(struct guest_mem *gm, unsigned seed);

#endif
