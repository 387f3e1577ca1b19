/* SPDX-License-Identifier: MIT */
/* Exception handling: fatal by default, catchable by tests. */
#ifndef FW_TRAP_H
#define FW_TRAP_H

#include <stdbool.h>
#include <stdint.h>

/* Layout pushed by isr.S; the tail is the CPU's own IRETQ frame. */
struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error_code;
	uint64_t rip, cs, rflags, rsp, ss;
};

/* What the last caught exception looked like. */
struct trap_info {
	int vector;
	uint64_t error_code;
	uint64_t rip;
	uint64_t cr2;
	uint64_t rsp;
};

/*
 * A per-vector handler: return true if it handled the exception (it may
 * edit the frame, e.g. set a recovery RIP); false falls through to the
 * trap_try() catcher and then to the fatal path.
 */
typedef bool (*trap_handler_fn)(struct trap_frame *f);
/* Vectors with an IDT stub and a settable handler: 0..TRAP_VECTORS-1. */
#define TRAP_VECTORS 64
void trap_set_handler(unsigned vector, trap_handler_fn fn);

/*
 * Run fn(arg); if any exception is raised inside it, abandon fn and return
 * the vector (details in *info when info is not NULL).  Returns -1 when
 * fn completed without an exception.  Not reentrant.
 */
int trap_try(void (*fn)(void *), void *arg, struct trap_info *info);

const char *trap_name(unsigned vector);

void trap_dispatch(struct trap_frame *f);

#endif
