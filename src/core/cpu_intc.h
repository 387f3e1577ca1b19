/* SPDX-License-Identifier: MIT */
/*
 * The interrupt controller as one processor sees it: its INTR input and
 * the INTA cycle, the task-priority register behind CR8, and the
 * controller's MSRs.  The local APIC (devices/lapic.c) implements it; an
 * engine (interp, kvm) and the VMX layer use it.  Nothing here assumes the
 * interpreter: a KVM engine with a userspace APIC asks pending() when the
 * guest can take an interrupt (kvm_run.ready_for_interrupt_injection) and
 * injects ack()'s vector with KVM_INTERRUPT.
 *
 * The other direction, controller -> processor, is enum cpu_signal
 * (core/cpu_signal.h): edges on NMI, INIT and SIPI, and CPU_SIGNAL_INTR,
 * "INTR may have changed, sample it again at the next instruction
 * boundary" (the engine's raise_event()).
 *
 * Threading: every call is made on the vCPU's thread (or while the vCPU
 * is parked), like port I/O.
 */
#ifndef VMXBOX_CORE_CPU_INTC_H
#define VMXBOX_CORE_CPU_INTC_H

#include <stdbool.h>
#include <stdint.h>

/* Results of the MSR calls. */
enum intc_msr_result {
	INTC_MSR_OK,        /* done (read: *val filled) */
	INTC_MSR_GP,        /* the access raises #GP(0) */
	INTC_MSR_NOT_MINE,  /* not a controller MSR: the engine handles it */
};

struct cpu_intc_ops {
	/*
	 * INTR asserted?  Returns the vector an INTA cycle would return now
	 * (0..255), or -1.  For the local APIC: the highest IRR vector whose
	 * priority class is above PPR (SDM 11.8.3.1), or the 8259's vector
	 * through LINT0 in ExtINT mode.  No side effects; RFLAGS.IF,
	 * interrupt shadows and VMX controls are the caller's business.
	 */
	int (*pending)(void *opaque);
	/*
	 * The INTA cycle (interrupt acknowledge): returns the vector and
	 * moves the interrupt from IRR to ISR (SDM 11.8.4), or takes it from
	 * the 8259 for ExtINT.  Called when the processor takes the
	 * interrupt through its IDT, and by VM exits with "acknowledge
	 * interrupt on exit" (SDM 28.2.2).  If nothing is pending any more
	 * it returns the spurious vector (SDM 11.9).
	 */
	int (*ack)(void *opaque);
	/* CR8 is TPR[7:4] (SDM 11.8.6.5): read gives bits 3:0. */
	unsigned (*cr8_read)(void *opaque);
	void (*cr8_write)(void *opaque, unsigned cr8);
	/*
	 * RDMSR/WRMSR of IA32_APIC_BASE (1BH), IA32_TSC_DEADLINE (6E0H) and
	 * the x2APIC range 800H-8FFH.  tsc is the processor's current TSC
	 * (for the TSC-deadline timer).  INTC_MSR_NOT_MINE for any other
	 * index.
	 */
	enum intc_msr_result (*msr_read)(void *opaque, uint32_t index,
					 uint64_t tsc, uint64_t *val);
	enum intc_msr_result (*msr_write)(void *opaque, uint32_t index,
					  uint64_t tsc, uint64_t val);
	/* A write of 0 to the EOI register (SDM 11.8.5): the highest vector
	 * in service retires.  Posted-interrupt processing dismisses the
	 * notification vector this way (SDM 30.6).  NULL: no such register. */
	void (*eoi)(void *opaque);
	/*
	 * The processor sends a fixed, edge-triggered, physical-destination
	 * IPI with this vector on its own (the notification of VMX IPI
	 * virtualization, SDM 30.1.6).  ndst as in a posted-interrupt
	 * descriptor: the APIC ID in bits 15:8 in xAPIC mode, all 32 bits
	 * in x2APIC mode.  NULL: no such messages.
	 */
	void (*send_notification)(void *opaque, uint32_t ndst, uint8_t vector);
	/* The processor took an INIT (outside VMX operation, SDM 10.1): the
	 * controller resets too, keeping its ID (SDM 11.4.7.3). */
	void (*init)(void *opaque);
	/* The processor's TSC was written (WRMSR of IA32_TSC or
	 * IA32_TSC_ADJUST): tsc is its new value.  A TSC-deadline timer
	 * compares IA32_TSC_DEADLINE with the TSC (SDM 11.5.4.1), so an
	 * armed one moves with it.  May be NULL. */
	void (*tsc_written)(void *opaque, uint64_t tsc);
};

struct cpu_intc {
	const struct cpu_intc_ops *ops;
	void *opaque;
};

#endif
