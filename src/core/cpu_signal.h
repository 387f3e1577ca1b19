/* SPDX-License-Identifier: MIT */
/*
 * Signals an interrupt controller drives into a processor (the engine's
 * raise_event()).  A core type, so device models below the engine layer
 * can name them without including the engine.
 *
 * Maskable interrupts are not latched in the processor: INTR is a level
 * the processor samples from its controller (core/cpu_intc.h) at
 * instruction boundaries.  CPU_SIGNAL_INTR only tells the engine that the
 * level may have changed, so it looks again at the next boundary (ends a
 * batch, wakes a halted vCPU).  NMI, INIT and SIPI are edges the processor
 * latches (cpu_state.nmi_pending, init_pending).
 */
#ifndef VMXBOX_CORE_CPU_SIGNAL_H
#define VMXBOX_CORE_CPU_SIGNAL_H

enum cpu_signal {
	CPU_SIGNAL_INTR,       /* INTR may have changed: sample it again */
	CPU_SIGNAL_NMI,
	CPU_SIGNAL_INIT,
	CPU_SIGNAL_SIPI,       /* start-up IPI, with its vector (SMP: later) */
};

#endif
