/* SPDX-License-Identifier: MIT */
/*
 * The PC's serial ports: COM1 is machine.uart (always there); COM2-COM4
 * are 16550s like it, each with its own output, created only when asked
 * for (vmxbox run --serial2..4, vmxbox-qemu's 2nd-4th -serial): ports and
 * ISA lines as QEMU's isa-serial 1-3 (docs/platform.md).
 */
#ifndef VMXBOX_MACHINE_PC_SERIAL_H
#define VMXBOX_MACHINE_PC_SERIAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct machine;
struct uart16550;

#define PC_COM_PORTS 4

/* COMk's port base and ISA line, k = 0..3 (COM1..COM4). */
uint16_t pc_com_base(unsigned k);
unsigned pc_com_irq(unsigned k);

/* Create COM2-COM4 as the config asks (after the ISA lines).  0, or an
 * exit status with a one-line reason in err. */
int pc_serial_create(struct machine *m, char *err, size_t errlen);
void pc_serial_destroy(struct machine *m);
/* COMk (k = 0..3), or NULL when the machine has no such port. */
struct uart16550 *pc_com(struct machine *m, unsigned k);
/* What uart16550_kick/unkick/push do, for every port. */
void pc_serial_kick(struct machine *m);
void pc_serial_unkick(struct machine *m);
void pc_serial_push(struct machine *m);
/* uart16550_drain() of every port, COM1 first; bytes some reader did
 * not take in *left (0 when all was written). */
void pc_serial_drain(struct machine *m, double max_seconds, size_t *left);
/* Discard output for now (gdb's reverse execution re-runs printed code). */
void pc_serial_mute(struct machine *m, bool on);

#endif
