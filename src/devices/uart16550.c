// SPDX-License-Identifier: MIT
#include "devices/uart16550.h"

#include <string.h>

void uart16550_init(struct uart16550 *u, int out_fd)
{
	memset(u, 0, sizeof(*u));
	u->dll = 1;          /* 115200 baud, as firmware usually programs */
	u->lcr = 0x03;       /* 8N1 */
	/* Without a writer thread the output is written synchronously. */
	serial_out_init(&u->out, out_fd);
}

void uart16550_destroy(struct uart16550 *u)
{
	serial_out_destroy(&u->out);
}

void uart16550_push(struct uart16550 *u)
{
	serial_out_push(&u->out);
}

bool uart16550_drain(struct uart16550 *u, double max_seconds)
{
	return serial_out_drain(&u->out, max_seconds);
}

void uart16550_kick(struct uart16550 *u)
{
	serial_out_kick(&u->out);
}

void uart16550_unkick(struct uart16550 *u)
{
	serial_out_unkick(&u->out);
}

void uart16550_set_irq(struct uart16550 *u, struct isa_irq *irq,
		       unsigned line)
{
	u->irq = irq;
	u->irq_line = line;
}

static bool thre_int(const struct uart16550 *u)
{
	return (u->ier & UART_IER_THRI) && u->thre_ip;
}

static bool intrpt(const struct uart16550 *u)
{
	bool out2 = (u->mcr & (UART_MCR_OUT2 | UART_MCR_LOOP)) == UART_MCR_OUT2;

	return out2 && thre_int(u);
}

static void update_irq(struct uart16550 *u)
{
	bool level = intrpt(u);

	if (!u->irq || level == u->irq_out)
		return;
	u->irq_out = level;
	isa_irq_set(u->irq, u->irq_line, level);
}

void uart16550_sync_irq(struct uart16550 *u)
{
	u->irq_out = intrpt(u);
}

/* False: the output is blocked and a stop is pending; the write is to be
 * retried (nothing happened). */
static bool transmit(struct uart16550 *u, uint8_t c)
{
	if (!serial_out_putc(&u->out, (char)c)) {
		if (u->bus)
			io_bus_retry_write(u->bus);
		return false;
	}
	u->bytes_out++;
	/* The byte left THR at once: empty again, interrupt pending. */
	u->thre_ip = 1;
	update_irq(u);
	return true;
}

static bool dlab(const struct uart16550 *u)
{
	return u->lcr & UART_LCR_DLAB;
}

/* Reading IIR while it reports THR empty clears that interrupt. */
static uint8_t read_iir(struct uart16550 *u)
{
	uint8_t fifo = (u->fcr & 1) ? UART_IIR_FIFO : 0;

	if (!thre_int(u))
		return UART_IIR_NO_INT | fifo;
	u->thre_ip = 0;
	update_irq(u);
	return UART_IIR_THRI | fifo;
}

static uint8_t uart_read_reg(struct uart16550 *u, unsigned reg)
{
	switch (reg) {
	case UART_THR: return dlab(u) ? u->dll : 0;   /* no input: RBR = 0 */
	case UART_IER: return dlab(u) ? u->dlm : u->ier;
	case UART_IIR: return read_iir(u);
	case UART_LCR: return u->lcr;
	case UART_MCR: return u->mcr;
	case UART_LSR: return UART_LSR_THRE | UART_LSR_TEMT;
	case UART_MSR: return UART_MSR_IDLE;
	default:       return u->scr;
	}
}

/* Enabling the THR-empty interrupt while THR is empty (always, here)
 * raises it. */
static void write_ier(struct uart16550 *u, uint8_t v)
{
	if ((v & UART_IER_THRI) && !(u->ier & UART_IER_THRI))
		u->thre_ip = 1;
	u->ier = v & 0x0f;
	update_irq(u);
}

/* False when a THR write must be retried. */
static bool uart_write_reg(struct uart16550 *u, unsigned reg, uint8_t v)
{
	switch (reg) {
	case UART_THR:
		if (dlab(u))
			u->dll = v;
		else
			return transmit(u, v);
		break;
	case UART_IER:
		if (dlab(u))
			u->dlm = v;
		else
			write_ier(u, v);
		break;
	case UART_IIR: u->fcr = v; break;
	case UART_LCR: u->lcr = v; break;
	case UART_MCR:
		u->mcr = v & 0x1f;
		update_irq(u);
		break;
	case UART_LSR: break;                     /* read-only */
	case UART_MSR: break;                     /* read-only */
	default:       u->scr = v; break;
	}
	return true;
}

/* A wider access touches consecutive registers, as on real hardware. */
static uint64_t uart_read(void *opaque, uint64_t off, unsigned size)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < size && off + i < UART_NR_PORTS; i++)
		v |= (uint64_t)uart_read_reg(opaque, (unsigned)(off + i)) << (8 * i);
	return v;
}

static void uart_write(void *opaque, uint64_t off, unsigned size, uint64_t v)
{
	/* THR is the lowest register: a retried write has changed nothing. */
	for (unsigned i = 0; i < size && off + i < UART_NR_PORTS; i++)
		if (!uart_write_reg(opaque, (unsigned)(off + i),
				    (uint8_t)(v >> (8 * i))))
			return;
}

int uart16550_attach(struct uart16550 *u, struct io_bus *pio, uint16_t base)
{
	struct io_handler h = { "uart16550", uart_read, uart_write, u };

	u->bus = pio;
	return io_bus_register(pio, base, UART_NR_PORTS, &h);
}
