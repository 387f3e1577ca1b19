/* SPDX-License-Identifier: MIT */
/*
 * What test_task_switch.c shares with test_task_switch_gate64.c: the
 * harness, the GDT's address and the gate-descriptor builder.
 */
#ifndef VMXBOX_TESTS_TASK_SWITCH_H
#define VMXBOX_TESTS_TASK_SWITCH_H

#include <check.h>
#include <stdint.h>

#include "sysutil.h"

#define GDT 0x7000ull

extern struct harness h;

/* Gate: selector, offset, access byte, parameter count (call gates). */
uint64_t gate(uint16_t sel, uint32_t off, uint8_t access, uint8_t params);

/* The "gate64" test case (test_task_switch_gate64.c). */
TCase *gate64_tcase(void);

#endif
