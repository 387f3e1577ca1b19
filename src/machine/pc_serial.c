// SPDX-License-Identifier: MIT
#include "machine/pc_serial.h"

#include <stdio.h>
#include <stdlib.h>

#include "machine/machine.h"

/* QEMU's isa-serial defaults (hw/char/serial-isa.c): COM1 0x3F8 IRQ 4,
 * COM2 0x2F8 IRQ 3, COM3 0x3E8 IRQ 4, COM4 0x2E8 IRQ 3. */
static const struct {
	uint16_t base;
	uint8_t irq;
} com_ports[PC_COM_PORTS] = {
	{ 0x3f8, 4 }, { 0x2f8, 3 }, { 0x3e8, 4 }, { 0x2e8, 3 },
};

uint16_t pc_com_base(unsigned k)
{
	return com_ports[k].base;
}

unsigned pc_com_irq(unsigned k)
{
	return com_ports[k].irq;
}

struct uart16550 *pc_com(struct machine *m, unsigned k)
{
	return k ? m->com[k - 1] : &m->uart;
}

int pc_serial_create(struct machine *m, char *err, size_t errlen)
{
	for (unsigned k = 1; k < PC_COM_PORTS; k++) {
		struct uart16550 *u;

		/* An absent port is a probe range: a PC's software (Linux's
		 * 8250 driver, the PC test kernel) reads it to find none, as
		 * on QEMU's pc machine, where it reads all-ones too. */
		if (!m->cfg.com_on[k - 1]) {
			if (io_bus_register_probe(&m->pio, com_ports[k].base, 8)) {
				snprintf(err, errlen, "cannot reserve COM%u's ports",
					 k + 1);
				return VMXBOX_EXIT_INTERNAL;
			}
			continue;
		}
		u = malloc(sizeof(*u));
		if (!u) {
			snprintf(err, errlen, "out of memory");
			return VMXBOX_EXIT_INTERNAL;
		}
		uart16550_init(u, m->cfg.com_fd[k - 1]);
		m->com[k - 1] = u;
		uart16550_set_irq(u, &m->isa.irq, com_ports[k].irq);
		if (uart16550_attach(u, &m->pio, com_ports[k].base)) {
			snprintf(err, errlen, "cannot attach COM%u at 0x%x (ports in use)",
				 k + 1, com_ports[k].base);
			return VMXBOX_EXIT_USAGE;
		}
	}
	return 0;
}

void pc_serial_destroy(struct machine *m)
{
	for (unsigned k = 0; k < PC_COM_PORTS - 1; k++) {
		if (!m->com[k])
			continue;
		uart16550_destroy(m->com[k]);
		free(m->com[k]);
		m->com[k] = NULL;
	}
}

void pc_serial_kick(struct machine *m)
{
	for (unsigned k = 0; k < PC_COM_PORTS; k++)
		if (pc_com(m, k))
			uart16550_kick(pc_com(m, k));
}

void pc_serial_unkick(struct machine *m)
{
	for (unsigned k = 0; k < PC_COM_PORTS; k++)
		if (pc_com(m, k))
			uart16550_unkick(pc_com(m, k));
}

void pc_serial_push(struct machine *m)
{
	for (unsigned k = 0; k < PC_COM_PORTS; k++)
		if (pc_com(m, k))
			uart16550_push(pc_com(m, k));
}

void pc_serial_drain(struct machine *m, double max_seconds, size_t *left)
{
	*left = 0;
	for (unsigned k = 0; k < PC_COM_PORTS; k++) {
		struct uart16550 *u = pc_com(m, k);

		if (u && !uart16550_drain(u, max_seconds))
			*left += serial_out_pending(&u->out);
	}
}

void pc_serial_mute(struct machine *m, bool on)
{
	for (unsigned k = 0; k < PC_COM_PORTS; k++)
		if (pc_com(m, k))
			pc_com(m, k)->out.mute = on;
}
