/* SPDX-License-Identifier: MIT */
/*
 * The 8254 programmable interval timer (Intel 8254 datasheet) and the
 * PC's port 0x61 (NMI status and control: channel 2's gate and output,
 * the speaker data bit, the refresh toggle).
 *
 *   0x40-0x42  channel 0-2 counters: count writes (LSB, MSB, or LSB then
 *              MSB as programmed), counter reads, latched count/status
 *   0x43       control word: mode, access, BCD; counter latch (access 0);
 *              read-back (channel field 3)
 *   0x61       bit 0 gate 2 (r/w), 1 speaker data (r/w), 3:2 r/w, 4 the
 *              refresh toggle (every 15.085 us), 5 OUT2 (read-only)
 *
 * Channel 0's OUT is ISA IRQ 0, channel 1 (DRAM refresh) has no output,
 * channel 2 drives the speaker (silent here).  The input clock is
 * 1.193182 MHz of virtual time (core/vclock.h): counters are computed
 * from the time their count was loaded, and channel 0 arms a virtual
 * timer at its next OUT transition, so IRQ 0 edges fall on exact
 * virtual times.  Modes 0-5 (6, 7 are 2, 3), binary and BCD counting.
 * Choices: a count takes effect when written (the real part waits for
 * the end of the current period in modes 2 and 3, and starts one input
 * clock later); counting before the first control word does not run
 * (the power-on state is undefined; vmxbox starts with every channel
 * idle, OUT high).
 */
#ifndef VMXBOX_DEVICES_I8254_H
#define VMXBOX_DEVICES_I8254_H

#include <stdbool.h>
#include <stdint.h>

#include "core/vclock.h"
#include "devices/io_bus.h"
#include "devices/isa_irq.h"

#define PIT_HZ        1193182ull
#define PIT_PORT      0x40
#define PIT_PORT_61   0x61
#define PIT_REFRESH_NS 15085ull        /* port 0x61 bit 4 period / 2 */

struct pit_channel {
	uint32_t count;         /* reload value N: 1..65536 (BCD 1..10000) */
	uint8_t mode, rw, bcd;
	uint8_t read_state, write_state, lsb;   /* byte order state */
	uint8_t latch_state;    /* bytes of `latched` left to read */
	uint16_t latched;
	bool status_latched;
	uint8_t status;
	bool loaded;            /* a count was written since the control word */
	bool triggered;         /* modes 1, 5: the gate rose after the load */
	bool null_count;        /* control word written, no count yet */
	bool gate;
	uint64_t start;         /* virtual ns of tick 0 */
	uint64_t held;          /* ticks, while modes 0/4 are gated off */
};

struct i8254 {
	struct pit_channel ch[3];
	bool speaker_data;      /* port 0x61 bit 1 */
	uint8_t port61_rw;      /* bits 3:2 */
	bool out0;              /* the level driven on IRQ 0 */
	struct vclock *clock;
	struct vtimer timer;    /* channel 0's next OUT transition */
	uint64_t timer_tick;    /* ... as a tick count from ch[0].start */
	struct isa_irq *irq;
	uint64_t edges;         /* rising edges on IRQ 0 */
};

void i8254_init(struct i8254 *p, struct vclock *clock, struct isa_irq *irq);
void i8254_reset(struct i8254 *p);
void i8254_destroy(struct i8254 *p);
int i8254_attach(struct i8254 *p, struct io_bus *pio);

uint8_t i8254_read(struct i8254 *p, uint16_t port);
void i8254_write(struct i8254 *p, uint16_t port, uint8_t v);
/* A channel's OUT now, and its counter value as a read would see it. */
bool i8254_out(struct i8254 *p, unsigned ch);
uint32_t i8254_counter(struct i8254 *p, unsigned ch);
/* After the state was set from outside (restore): re-arm channel 0. */
void i8254_restart(struct i8254 *p);

#endif
