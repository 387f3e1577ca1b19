// SPDX-License-Identifier: MIT
#include "devices/uart16550.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

void uart16550_init(struct uart16550 *u, int out_fd)
{
	memset(u, 0, sizeof(*u));
	u->out_fd = out_fd;
	u->dll = 1;          /* 115200 baud, as firmware usually programs */
	u->lcr = 0x03;       /* 8N1 */
	pthread_mutex_init(&u->lock, NULL);
}

void uart16550_destroy(struct uart16550 *u)
{
	uart16550_flush(u);
	pthread_mutex_destroy(&u->lock);
}

/* Write all of buf; errors (closed pipe, full disk) drop the output. */
static void write_all(int fd, const char *buf, size_t len)
{
	while (len && fd >= 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		buf += n;
		len -= (size_t)n;
	}
}

static void flush_locked(struct uart16550 *u)
{
	write_all(u->out_fd, u->buf, u->buf_len);
	u->buf_len = 0;
}

void uart16550_flush(struct uart16550 *u)
{
	pthread_mutex_lock(&u->lock);
	flush_locked(u);
	pthread_mutex_unlock(&u->lock);
}

static void transmit(struct uart16550 *u, uint8_t c)
{
	pthread_mutex_lock(&u->lock);
	u->buf[u->buf_len++] = (char)c;
	u->bytes_out++;
	if (c == '\n' || u->buf_len == UART_OUT_BUF)
		flush_locked(u);
	pthread_mutex_unlock(&u->lock);
}

static bool dlab(const struct uart16550 *u)
{
	return u->lcr & UART_LCR_DLAB;
}

static uint8_t uart_read_reg(struct uart16550 *u, unsigned reg)
{
	switch (reg) {
	case UART_THR: return dlab(u) ? u->dll : 0;   /* no input: RBR = 0 */
	case UART_IER: return dlab(u) ? u->dlm : u->ier;
	case UART_IIR: return UART_IIR_NO_INT | ((u->fcr & 1) ? UART_IIR_FIFO : 0);
	case UART_LCR: return u->lcr;
	case UART_MCR: return u->mcr;
	case UART_LSR: return UART_LSR_THRE | UART_LSR_TEMT;
	case UART_MSR: return UART_MSR_IDLE;
	default:       return u->scr;
	}
}

static void uart_write_reg(struct uart16550 *u, unsigned reg, uint8_t v)
{
	switch (reg) {
	case UART_THR:
		if (dlab(u))
			u->dll = v;
		else
			transmit(u, v);
		break;
	case UART_IER:
		if (dlab(u))
			u->dlm = v;
		else
			u->ier = v & 0x0f;
		break;
	case UART_IIR: u->fcr = v; break;
	case UART_LCR: u->lcr = v; break;
	case UART_MCR: u->mcr = v & 0x1f; break;
	case UART_LSR: break;                     /* read-only */
	case UART_MSR: break;                     /* read-only */
	default:       u->scr = v; break;
	}
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
	for (unsigned i = 0; i < size && off + i < UART_NR_PORTS; i++)
		uart_write_reg(opaque, (unsigned)(off + i), (uint8_t)(v >> (8 * i)));
}

int uart16550_attach(struct uart16550 *u, struct io_bus *pio, uint16_t base)
{
	struct io_handler h = { "uart16550", uart_read, uart_write, u };

	return io_bus_register(pio, base, UART_NR_PORTS, &h);
}
