/* SPDX-License-Identifier: MIT */
/*
 * The 32-bit protected-mode part of the "cpu" section (cpu32*.c, built
 * with -m32; cpu32_trap.S): shared tables, the trap record and the
 * "cpu32 NAME key=value" line helpers.
 */
#ifndef PCTEST_CPU32_H
#define PCTEST_CPU32_H

#include "kernel.h"

/* GDT selectors (cpu32.c builds the table). */
#define S_CODE0		0x08
#define S_DATA0		0x10
#define S_CODE3		0x1b
#define S_DATA3		0x23
#define S_TSS_A		0x28	/* the main task (TR) */
#define S_TSS_B		0x30	/* JMP/CALL target */
#define S_TSS_C		0x38	/* IDT task gate 0x42 */
#define S_TSS_D		0x40	/* #DF task gate */
#define S_TSS_SHORT	0x48	/* limit 0x60: #TS */
#define S_GATE3		0x50	/* call gate DPL 3, 2 parameters, to ring 0 */
#define S_GATE0		0x58	/* call gate DPL 0, for JMP */
#define S_CONFORM	0x60	/* conforming code, DPL 0 */
#define S_LIM4K		0x68	/* data, limit 0xfff (bytes) */
#define S_EXPDOWN	0x70	/* data, expand-down, limit 0xfff, B = 1 */
#define S_EXPDOWN16	0x78	/* data, expand-down, limit 0xfff, B = 0 */
#define S_NOTPRES	0x80	/* data, not present */
#define S_XONLY		0x88	/* code, execute-only */
#define S_RODATA	0x90	/* data, read-only */
#define S_CODE16	0x98	/* 16-bit code, limit 0xffff */
#define S_LDT		0xa0	/* an LDT descriptor (LAR type 2) */
#define S_IGATE		0xa8	/* an interrupt gate in the GDT (LAR: no) */
#define S_TGATE		0xb0	/* a task gate in the GDT */
#define S_DATA3_LIM	0xb8	/* data DPL 3, limit 0x12345 (bytes) */
#define S_GATE_NC3	0xc0	/* call gate DPL 3 to non-conforming ring 0 */
#define GDT_N		25

#define EFL_IF		0x200u
#define EFL_NT		0x4000u
#define EFL_RF		0x10000u
#define EFL_VM		0x20000u
#define EFL_IOPL3	0x3000u

struct tss32 {
	uint16_t link, r0;
	uint32_t esp0;
	uint16_t ss0, r1;
	uint32_t esp1;
	uint16_t ss1, r2;
	uint32_t esp2;
	uint16_t ss2, r3;
	uint32_t cr3, eip, eflags, eax, ecx, edx, ebx, esp, ebp, esi, edi;
	uint16_t es, r4, cs, r5, ss, r6, ds, r7, fs, r8, gs, r9, ldt, r10;
	uint16_t trap, iomap;
} __attribute__((packed));

extern uint64_t c32_gdt[GDT_N];
extern uint64_t c32_idt[256];

/* The trap record of cpu32_trap.S: the last exception or interrupt. */
extern volatile uint32_t t32_vector, t32_err, t32_eip, t32_cs, t32_eflags;
extern volatile uint32_t t32_esp, t32_ss, t32_cr2, t32_ds_in, t32_hflags;
extern volatile uint32_t t32_vseg[4];	/* ES DS FS GS from a v86 frame */
extern volatile uint32_t t32_count;

/* Run fn in ring 0; the vector it raised, or -1. */
int32_t c32_try(void (*fn)(void));
/* IRET to CPL 3 (c32_to_user) or to virtual-8086 mode (c32_to_v86):
 * never returns; the trap that ends the run returns from c32_try. */
void c32_to_user(uint32_t eip, uint32_t esp, uint32_t eflags)
	__attribute__((noreturn));
void c32_to_v86(uint32_t eip, uint32_t cs, uint32_t esp, uint32_t ss,
		uint32_t eflags) __attribute__((noreturn));

/* IDT gate: type 0xe (interrupt), 0xf (trap), 0x5 (task). */
void c32_set_gate(unsigned vec, uint32_t type_dpl, uint16_t sel, uint32_t off);
void c32_set_stub(unsigned vec, uint32_t type_dpl);

/* Lines: "cpu32 NAME" (compared with QEMU) or, with c32_x set,
 * "cpu32x NAME" (vmxbox only: a known QEMU deviation). */
extern bool c32_x;
void c32_line(const char *name);
void c32_end(void);
/* "cpu32 NAME vec=V err=E" / "cpu32 NAME none": the outcome of fn. */
int32_t c32_trap_line(const char *name, void (*fn)(void));

static inline uint32_t c32_rdcr0(void)
{
	uint32_t v;

	__asm__ volatile("mov %%cr0, %0" : "=r"(v));
	return v;
}

static inline uint32_t c32_rdcr4(void)
{
	uint32_t v;

	__asm__ volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

static inline void c32_wrcr0(uint32_t v) { __asm__ volatile("mov %0, %%cr0" : : "r"(v) : "memory"); }
static inline void c32_wrcr3(uint32_t v) { __asm__ volatile("mov %0, %%cr3" : : "r"(v) : "memory"); }
static inline void c32_wrcr4(uint32_t v) { __asm__ volatile("mov %0, %%cr4" : : "r"(v) : "memory"); }

static inline uint64_t c32_rdmsr(uint32_t m)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(m));
	return (uint64_t)hi << 32 | lo;
}

static inline void c32_wrmsr(uint32_t m, uint64_t v)
{
	__asm__ volatile("wrmsr" : : "c"(m), "a"((uint32_t)v),
			 "d"((uint32_t)(v >> 32)));
}

static inline void c32_cpuid(uint32_t leaf, uint32_t *r)
{
	__asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]),
			 "=d"(r[3]) : "a"(leaf), "c"(0));
}

/* The GDT and IDT entries of cpu32_priv.c and cpu32_task.c. */
void c32_priv_tables(void);
void c32_task_tables(void);

/* The sections, in the order test_cpu32 runs them. */
void c32_test_paging(void);
void c32_test_pae(void);
void c32_test_seg(void);
void c32_test_priv(void);
void c32_test_task(void);
void c32_test_v86(void);
void c32_test_fpu(void);

/* The paging used outside the paging tests: 4 MiB pages, user, writable,
 * identity, with 4 KiB pages for the first 4 MiB (PT0: v86 remaps). */
extern uint32_t c32_pd[1024];
extern uint32_t c32_pt0[1024];
void c32_paging_on(void);
void c32_paging_off(void);

/* An available 32-bit TSS descriptor (type 9). */
uint64_t c32_tss_desc(const void *tss, uint32_t limit);
struct tss32 *c32_main_tss(void);
/* Its interrupt-redirection bitmap (32 bytes, CR4.VME). */
uint8_t *c32_main_irb(void);

#endif
