/* SPDX-License-Identifier: MIT */
/*
 * The save area and FPU states the XSAVE-family tests share (test_xsave.c,
 * test_xsaves.c): a 1 KiB area at XA_AREA, filled with XA_FILL before a
 * save so untouched bytes show, read back into xa_mem.
 */
#ifndef VMXBOX_TESTS_INTERP_SYS_XSAVE_AREA_H
#define VMXBOX_TESTS_INTERP_SYS_XSAVE_AREA_H

#include <check.h>
#include <stdbool.h>

#include "sysutil.h"

#define XA_AREA 0x200000ull     /* 64-byte aligned save area */
#define XA_FILL 0xaa
#define FAULT_NONE (-1)

extern uint8_t xa_mem[1024];    /* the area as xa_fill() or xa_read() left it */

void xa_fill(struct harness *h);
void xa_read(struct harness *h);
/* len bytes of xa_mem at off, little endian. */
uint64_t xa_at(unsigned off, unsigned len);
/* Writes len (<= 8) bytes of v into the guest's area at off. */
void xa_put(struct harness *h, unsigned off, uint64_t v, unsigned len);
/* The 64-byte XSAVE header (offset 512), all zero. */
void xa_clear_header(struct harness *h);

/* FNINIT's x87 state and MXCSR's reset value, the rest zero. */
void xa_init_fpu(struct fpu_state *f);
/* x87 and SSE in use, every field distinct (TOP = 3, flags set). */
void xa_distinct_fpu(struct fpu_state *f);
/* Field by field (the struct has padding); FCS/FDS only when the save
 * format keeps them (not the 64-bit one). */
void xa_fpu_eq(const struct fpu_state *a, const struct fpu_state *b,
	       bool selectors);

/* Runs one instruction then HLT: the fault vector, or FAULT_NONE. */
int xa_run1(struct harness *h, const void *insn, size_t len);
/* The same with [RBX = XA_AREA] and EDX:EAX = rfbm. */
int xa_run_rfbm(struct harness *h, const void *insn, size_t len, uint64_t rfbm);

#endif
