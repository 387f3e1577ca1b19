// SPDX-License-Identifier: MIT
#include "devices/pc_power.h"

#include <string.h>

static const char shutdown_str[] = "Shutdown";

void pc_power_init(struct pc_power *p, power_request_fn fn, void *opaque)
{
	memset(p, 0, sizeof(*p));
	p->port_a = PORT_A_A20;      /* as a BIOS leaves it: A20 on */
	p->request = fn;
	p->opaque = opaque;
}

static uint64_t ones_read(void *opaque, uint64_t off, unsigned size)
{
	return ~0ull;
}

/* Bochs's rule: each byte must be the next of "Shutdown", else the
 * match starts again (at 1 if the byte is an 'S'). */
static void shutdown_write(void *opaque, uint64_t off, unsigned size,
			   uint64_t v)
{
	struct pc_power *p = opaque;

	if (size != 1)
		return;
	if ((uint8_t)v == (uint8_t)shutdown_str[p->shutdown_index])
		p->shutdown_index++;
	else
		p->shutdown_index = (uint8_t)v == 'S';
	if (p->shutdown_index == sizeof(shutdown_str) - 1) {
		p->shutdown_index = 0;
		p->request(p->opaque, POWER_OFF, "\"Shutdown\" to port 0x8900");
	}
}

static uint64_t rcr_read(void *opaque, uint64_t off, unsigned size)
{
	return ((struct pc_power *)opaque)->rcr;
}

static void rcr_write(void *opaque, uint64_t off, unsigned size, uint64_t v)
{
	struct pc_power *p = opaque;

	if (size != 1)
		return;
	if (v & RCR_RST_CPU) {
		p->request(p->opaque, POWER_RESET, "reset control register 0xcf9");
		return;
	}
	p->rcr = (uint8_t)(v & RCR_SYS_RST);
}

static uint64_t port_a_read(void *opaque, uint64_t off, unsigned size)
{
	return ((struct pc_power *)opaque)->port_a;
}

static void port_a_write(void *opaque, uint64_t off, unsigned size, uint64_t v)
{
	struct pc_power *p = opaque;
	uint8_t old = p->port_a;

	if (size != 1)
		return;
	p->port_a = (uint8_t)v;
	if ((v & PORT_A_FAST_RESET) && !(old & PORT_A_FAST_RESET))
		p->request(p->opaque, POWER_RESET, "fast reset, port 0x92 bit 0");
}

static void post_write(void *opaque, uint64_t off, unsigned size, uint64_t v)
{
	struct pc_power *p = opaque;

	p->post = (uint8_t)v;
	p->post_written = true;
}

int pc_power_attach(struct pc_power *p, struct io_bus *pio)
{
	const struct io_handler sd = { "shutdown-port", ones_read, shutdown_write, p };
	const struct io_handler rcr = { "reset-control", rcr_read, rcr_write, p };
	const struct io_handler pa = { "port-92", port_a_read, port_a_write, p };
	const struct io_handler post = { "post-port", ones_read, post_write, p };
	int ret = io_bus_register(pio, PC_SHUTDOWN_PORT, 1, &sd);

	if (!ret)
		ret = io_bus_register(pio, PC_RESET_CONTROL, 1, &rcr);
	if (!ret)
		ret = io_bus_register(pio, PC_PORT_A, 1, &pa);
	return ret ? ret : io_bus_register(pio, PC_POST_PORT, 1, &post);
}
