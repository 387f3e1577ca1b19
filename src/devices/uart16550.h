/* SPDX-License-Identifier: MIT */
/*
 * A transmit-only 16550 UART.  Bytes written to THR go to an output file
 * descriptor (stdout for `vmxbox run`) through a serial_out ring and its
 * writer thread, so a slow reader never blocks the event loop.  LSR always
 * reports the transmitter empty, so a polling driver never waits and the
 * guest sees the same thing however fast the reader is; when the ring is
 * full the THR write waits (the vCPU thread only), or, when a stop is
 * pending, asks the engine to retry it later.  There is no receive path
 * (RBR reads 0, LSR.DR stays 0).
 *
 * The one interrupt is "transmitter holding register empty" (IER bit 1):
 * a byte leaves THR at once, so THR is empty again right after every
 * write, and the interrupt is pending from then (and from IER bit 1 going
 * 0 -> 1) until the guest reads IIR while it is the reported source or
 * writes THR again (PC16550D datasheet, "Interrupt Identification
 * Register").  The UART's INTRPT output reaches its ISA line through OUT2
 * (MCR bit 3), as the PC wires it; loopback mode (MCR bit 4) disconnects
 * it.  Interrupt-driven drivers (Linux's 8250 for user-space output)
 * depend on it: they fill the 16-byte FIFO and wait for the interrupt.
 * The UART drives its line only when INTRPT changes, so two ports on one
 * line (COM1 and COM3 on IRQ 4, COM2 and COM4 on IRQ 3) do not lower
 * each other's requests by mere register accesses.
 */
#ifndef VMXBOX_DEVICES_UART16550_H
#define VMXBOX_DEVICES_UART16550_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "devices/io_bus.h"
#include "devices/isa_irq.h"
#include "devices/serial_out.h"

#define UART_COM1_BASE 0x3f8
#define UART_COM1_IRQ 4
#define UART_NR_PORTS 8

/* Register offsets (DLAB = 0 unless noted). */
enum uart_reg {
	UART_THR = 0,   /* write: transmit holding; read: RBR; DLAB: DLL */
	UART_IER = 1,   /* DLAB: DLM */
	UART_IIR = 2,   /* read: interrupt identification; write: FCR */
	UART_LCR = 3,
	UART_MCR = 4,
	UART_LSR = 5,
	UART_MSR = 6,
	UART_SCR = 7,
};

#define UART_LCR_DLAB 0x80
#define UART_LSR_THRE 0x20   /* transmit holding register empty */
#define UART_LSR_TEMT 0x40   /* transmitter empty */
#define UART_IER_THRI 0x02   /* transmitter holding register empty */
#define UART_IIR_NO_INT 0x01
#define UART_IIR_THRI 0x02   /* source: THR empty */
#define UART_MCR_OUT2 0x08   /* gates INTRPT to the ISA line (PC) */
#define UART_MCR_LOOP 0x10
#define UART_IIR_FIFO 0xc0
#define UART_MSR_IDLE 0xb0   /* DCD, DSR, CTS asserted */

struct uart16550 {
	uint8_t ier, lcr, mcr, scr, fcr, dll, dlm;
	uint8_t thre_ip;         /* THR-empty interrupt pending (0/1) */
	bool irq_out;            /* INTRPT as last driven onto the line */
	struct isa_irq *irq;     /* NULL: not wired (unit tests) */
	unsigned irq_line;
	uint64_t bytes_out;      /* bytes the guest transmitted */
	struct io_bus *bus;      /* for io_bus_retry_write() */
	struct serial_out out;   /* line-buffered, written by its own thread */
};

/* out_fd: -1 discards the output. */
void uart16550_init(struct uart16550 *u, int out_fd);
/* Gives up output a reader never took (see serial_out_destroy()). */
void uart16550_destroy(struct uart16550 *u);
/* Claims [base, base+8) on the port bus.  Returns io_bus_register()'s value. */
int uart16550_attach(struct uart16550 *u, struct io_bus *pio, uint16_t base);
/* Wire INTRPT (through OUT2) to ISA line `line` (COM1: 4). */
void uart16550_set_irq(struct uart16550 *u, struct isa_irq *irq,
		       unsigned line);
/* After loading registers (snapshot): INTRPT as they make it, without
 * driving the line (the ISA lines' levels are restored with them). */
void uart16550_sync_irq(struct uart16550 *u);
/* Have the queued output written soon; never blocks (event loop). */
void uart16550_push(struct uart16550 *u);
/* Wait until the output is written, at most max_seconds (0: no limit) or
 * until kicked; false if bytes are left.  Never on the event loop. */
bool uart16550_drain(struct uart16550 *u, double max_seconds);
/* A stop is pending: a THR write waiting for room gives up (retry). */
void uart16550_kick(struct uart16550 *u);
void uart16550_unkick(struct uart16550 *u);

#endif
