/* SPDX-License-Identifier: MIT */
/*
 * Minimal fixture for the system-side tests: guest memory, a struct interp
 * built by hand (no run loop needed) in 64-bit long mode with a GDT, a
 * 64-bit TSS and an IDT, and a way to call a function that may fault.
 */
#ifndef VMXBOX_TESTS_INTERP_SYS_SYSH_H
#define VMXBOX_TESTS_INTERP_SYS_SYSH_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/lapic.h"
#include "engine/interp/interp.h"

#define SH_MEM   (16ull << 20)
#define SH_PML4  0x1000ull
#define SH_PDPT  0x2000ull
#define SH_PD    0x3000ull
#define SH_PT    0x4000ull
#define SH_GDT   0x7000ull
#define SH_TSS   0x7800ull
#define SH_IDT   0x9000ull
#define SH_STACK 0x80000ull

/* GDT selectors */
#define SH_CS64  0x08
#define SH_DS    0x10
#define SH_CS32  0x18
#define SH_UCS64 0x2b   /* DPL 3 64-bit code, RPL 3 */
#define SH_UDS   0x33   /* DPL 3 data, RPL 3 */
#define SH_TSSEL 0x38   /* 64-bit TSS (16 bytes) */
#define SH_CS16  0x48   /* 16-bit code, base 0, limit 0xffff */

struct sysh {
	struct guest_mem mem;
	struct io_bus pio, mmio;
	struct interp *ip;
	struct cpu_state *s;
	struct lapic lapic;     /* after sysh_apic() */
};

/* A software-enabled local APIC as the processor's interrupt controller
 * (no clock, no MMIO), and a fixed interrupt accepted by it. */
void sysh_apic(struct sysh *h);
void sysh_irq(struct sysh *h, uint8_t vector);

/* 64-bit mode, paging with identity 2M pages for 0..1G (PD at SH_PD). */
void sysh_init(struct sysh *h);
void sysh_fini(struct sysh *h);

/* Call fn(ip, arg); returns -1 if it completed, else the vector of the
 * exception it raised (s.pending_exception holds it), or -2 if the state
 * was switched. */
int sysh_try(struct sysh *h, void (*fn)(struct interp *ip, void *arg),
	     void *arg);

/* 64-bit IDT gate for vector v -> CS64:handler (type 0xe or 0xf). */
void sysh_gate64(struct sysh *h, uint8_t v, uint64_t handler, unsigned ist,
		 unsigned dpl, unsigned type);
uint64_t sysh_r64(struct sysh *h, uint64_t gpa);
void sysh_w64(struct sysh *h, uint64_t gpa, uint64_t v);
/* Flat descriptor helper: base 0, limit 4G, access byte, flags nibble. */
uint64_t sysh_desc(uint64_t base, uint32_t limit, uint8_t access, uint8_t flags);

#endif
