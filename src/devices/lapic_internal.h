/* SPDX-License-Identifier: MIT */
/* Shared between lapic.c, lapic_timer.c and lapic_msr.c. */
#ifndef VMXBOX_DEVICES_LAPIC_INTERNAL_H
#define VMXBOX_DEVICES_LAPIC_INTERNAL_H

#include "devices/lapic.h"

/* lapic.c */
void lapic_lvt_fire(struct lapic *l, unsigned lvt_off);
void lapic_send_icr(struct lapic *l, uint64_t icr);
bool lapic_x2_read_ok(unsigned off);
bool lapic_x2_write_ok(unsigned off, uint32_t v);

/* lapic_timer.c */
void lapic_timer_fire(void *opaque, uint64_t now);
void lapic_timer_lvt_written(struct lapic *l, uint32_t old_lvt);
void lapic_timer_count_written(struct lapic *l, uint32_t count);
void lapic_timer_divide_written(struct lapic *l, uint32_t tdcr);
unsigned lapic_timer_mode(const struct lapic *l);
/* IA32_TSC_DEADLINE (tsc: the processor's TSC now). */
uint64_t lapic_tsc_deadline_read(struct lapic *l, uint64_t tsc);
void lapic_tsc_deadline_write(struct lapic *l, uint64_t tsc, uint64_t v);
void lapic_tsc_written(struct lapic *l, uint64_t tsc);

/* lapic_msr.c */
enum intc_msr_result lapic_msr_read(void *opaque, uint32_t index,
				    uint64_t tsc, uint64_t *val);
enum intc_msr_result lapic_msr_write(void *opaque, uint32_t index,
				     uint64_t tsc, uint64_t val);

#endif
