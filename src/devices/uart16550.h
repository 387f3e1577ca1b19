/* SPDX-License-Identifier: MIT */
/*
 * A transmit-only 16550 UART.  Bytes written to THR go to an output file
 * descriptor (stdout for `vmxbox run`).  LSR always reports the transmitter
 * empty, so a polling driver never waits; there is no receive path (RBR
 * reads 0, LSR.DR stays 0) and no interrupts are raised.
 */
#ifndef VMXBOX_DEVICES_UART16550_H
#define VMXBOX_DEVICES_UART16550_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "devices/io_bus.h"

#define UART_COM1_BASE 0x3f8
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
#define UART_IIR_NO_INT 0x01
#define UART_IIR_FIFO 0xc0
#define UART_MSR_IDLE 0xb0   /* DCD, DSR, CTS asserted */

#define UART_OUT_BUF 4096

struct uart16550 {
	int out_fd;              /* -1: discard output */
	uint8_t ier, lcr, mcr, scr, fcr, dll, dlm;
	uint64_t bytes_out;
	/* Output is buffered and flushed at each newline, when full and by
	 * uart16550_flush(); the lock lets the event loop flush while the
	 * vCPU thread writes. */
	pthread_mutex_t lock;
	unsigned buf_len;
	char buf[UART_OUT_BUF];
};

void uart16550_init(struct uart16550 *u, int out_fd);
void uart16550_destroy(struct uart16550 *u);
/* Claims [base, base+8) on the port bus.  Returns io_bus_register()'s value. */
int uart16550_attach(struct uart16550 *u, struct io_bus *pio, uint16_t base);
void uart16550_flush(struct uart16550 *u);

#endif
