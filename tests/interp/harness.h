/* SPDX-License-Identifier: MIT */
/*
 * Test harness for the interpreter: guest memory with the boot page tables
 * and GDT of docs/boot.md, an interp engine in 64-bit mode (or 32/16-bit
 * flat), and helpers to load code bytes and run a number of instructions.
 * Shared by the interp-core, interp-sys and difftest tests
 * (meson: interp_harness_src).
 */
#ifndef VMXBOX_TESTS_INTERP_HARNESS_H
#define VMXBOX_TESTS_INTERP_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "devices/lapic.h"
#include "engine/engine.h"
#include "engine/interp/interp.h"

#define H_CODE  0x100000ull   /* default code address */
#define H_DATA  0x200000ull   /* scratch data area */
#define H_STACK 0x80000ull    /* initial RSP (boot.md) */
#define H_MEM_SIZE (8ull << 20)
#define H_IDT   0x90000ull    /* 256 64-bit interrupt gates */
#define H_VEC   0x98000ull    /* handler of vector v at H_VEC + 16 * v: HLT */

struct harness {
	struct guest_mem mem;
	struct engine_config cfg;
	struct engine *eng;
	struct interp *ip;      /* the same object as eng */
	struct cpu_state *s;    /* live register file: &ip->s */
	struct engine_exit exit;
	/* After h_apic(): a local APIC and a virtual clock wired in. */
	bool has_apic;
	struct vclock clock;
	struct apic_bus apic_bus;
	struct io_bus mmio;
	struct lapic lapic;
};

/* Set up memory, page tables, GDT and a 64-bit CPU state (boot.md). */
void h_init(struct harness *h);
void h_fini(struct harness *h);
/* Switch to flat 32-bit protected mode, or 16-bit real mode with CS base
 * H_CODE and DS/ES/SS base H_DATA (SP = 0xfff0); no paging. */
void h_mode32(struct harness *h);
void h_mode16(struct harness *h);
/* Give the vCPU a software-enabled local APIC (xAPIC at 0xFEE00000 on
 * h->mmio) and the virtual clock, as the machine does; keeps the state. */
void h_apic(struct harness *h);
/* A fixed, edge-triggered interrupt accepted by that APIC. */
void h_irq(struct harness *h, uint8_t vector);
/* Copy code to gpa and point RIP at it. */
void h_load(struct harness *h, uint64_t gpa, const void *code, size_t len);
/* Run up to n more instructions; returns the exit reason. */
enum engine_exit_reason h_run(struct harness *h, uint64_t n);
uint64_t h_read64(struct harness *h, uint64_t gpa);
void h_write64(struct harness *h, uint64_t gpa, uint64_t v);

/* Load code at H_CODE and run exactly n instructions (asserting that the
 * run stopped on the instruction limit). */
void h_exec(struct harness *h, const void *code, size_t len, uint64_t n);

/* After a run that ended in an exception: its vector, or -1.  Works with
 * real IDT delivery (the handler HLTs) and with a system side that ends
 * the run with SHUTDOWN leaving s.pending_exception.vector. */
int h_fault_vector(struct harness *h, enum engine_exit_reason r);

/* The RIP the exception reported (pushed on the handler's stack, or where
 * the run stopped); err_code: the vector pushes an error code. */
/* Instructions the program itself retired: when the run ended in a fault
 * handler's HLT stub (the fault was delivered), that HLT is not counted. */
uint64_t h_program_insns(struct harness *h, enum engine_exit_reason r);
uint64_t h_fault_rip(struct harness *h, enum engine_exit_reason r, bool err_code);

/* Two runs of one program ended alike: GPRs, RFLAGS, RIP, instruction
 * count and TSC (the blocks tests: sliced or fast-path-off runs against
 * a reference); n quadwords of memory read back from base. */
void h_same_state(const struct cpu_state *a, const struct cpu_state *b);
void h_same_qwords(const uint64_t *a, const uint64_t *b, size_t n,
		   uint64_t base);

/* Run a check suite (fork mode), return the process exit status. */
int h_run_suite(void *suite);

#define ARITH_FLAGS (RFLAGS_CF | RFLAGS_PF | RFLAGS_AF | RFLAGS_ZF | \
		     RFLAGS_SF | RFLAGS_OF)

#endif
