/* SPDX-License-Identifier: MIT */
/*
 * Signals an interrupt controller drives into a processor: the INTR line
 * (a maskable external interrupt, with the vector the controller would give
 * at acknowledge time), NMI and INIT.  A core type, so device models below
 * the engine layer can name them without including the engine.
 */
#ifndef VMXBOX_CORE_CPU_SIGNAL_H
#define VMXBOX_CORE_CPU_SIGNAL_H

enum cpu_signal {
	CPU_SIGNAL_EXTINT,     /* maskable external interrupt, with vector */
	CPU_SIGNAL_NMI,
	CPU_SIGNAL_INIT,
};

#endif
