/* SPDX-License-Identifier: MIT */
/*
 * The registers GDB sees: one table drives target.xml (GDB manual, "Target
 * Descriptions"), the g/G packets (every register in table order) and p/P
 * (one by number).  The standard x86-64 features (org.gnu.gdb.i386.core,
 * .sse, .segments) let stock gdb know rip, rsp, eflags and the FPU; a
 * vmxbox feature adds what a hypervisor developer needs besides: control
 * registers, EFER, every segment's base and the descriptor tables.
 */
#ifndef VMXBOX_GDB_GDB_REGS_H
#define VMXBOX_GDB_GDB_REGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/cpu_state.h"

/* Number of registers, and the largest one in bytes (xmm). */
unsigned gdb_reg_count(void);
#define GDB_REG_MAX_BYTES 16u
/* Bytes of all registers together (the g packet's length / 2). */
size_t gdb_regs_bytes(void);

/* Register n's name and size in bytes; NULL/0 for no such register. */
const char *gdb_reg_name(unsigned n);
unsigned gdb_reg_size(unsigned n);
/* Register number by name, or -1. */
int gdb_reg_find(const char *name);

/* Register n's value as target (little-endian) bytes into out. */
bool gdb_reg_get(const struct cpu_state *s, unsigned n, uint8_t *out);
/* Register n from in (gdb_reg_size bytes). */
bool gdb_reg_set(struct cpu_state *s, unsigned n, const uint8_t *in);

/* The whole target.xml (static text). */
const char *gdb_target_xml(void);

#endif
