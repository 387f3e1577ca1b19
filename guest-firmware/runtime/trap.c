// SPDX-License-Identifier: MIT
#include "desc.h"
#include "printf.h"
#include "test.h"
#include "trap.h"
#include "x86.h"

/* Shared with trap_try_call in isr.S. */
volatile uint8_t trap_try_armed;
volatile uint64_t trap_try_rsp;
volatile uint32_t trap_try_vector;
extern void trap_try_landing(void);
int trap_try_call(void (*fn)(void *), void *arg);

static struct trap_info trap_last;
static trap_handler_fn handlers[TRAP_VECTORS];

static const char *const names[32] = {
	"DE", "DB", "NMI", "BP", "OF", "BR", "UD", "NM",
	"DF", "CSO", "TS", "NP", "SS", "GP", "PF", "15",
	"MF", "AC", "MC", "XM", "VE", "CP", "22", "23",
	"24", "25", "26", "27", "HV", "VC", "SX", "31",
};

const char *trap_name(unsigned vector)
{
	return vector < 32 ? names[vector] : "INTR";
}

void trap_set_handler(unsigned vector, trap_handler_fn fn)
{
	if (vector < TRAP_VECTORS)
		handlers[vector] = fn;
}

int trap_try(void (*fn)(void *), void *arg, struct trap_info *info)
{
	int v;

	trap_last.vector = -1;
	v = trap_try_call(fn, arg);
	if (info)
		*info = trap_last;
	return v;
}

static void dump_frame(const struct trap_frame *f)
{
	printf("  rax %016lx rbx %016lx rcx %016lx rdx %016lx\n",
	       f->rax, f->rbx, f->rcx, f->rdx);
	printf("  rsi %016lx rdi %016lx rbp %016lx rsp %016lx\n",
	       f->rsi, f->rdi, f->rbp, f->rsp);
	printf("  r8  %016lx r9  %016lx r10 %016lx r11 %016lx\n",
	       f->r8, f->r9, f->r10, f->r11);
	printf("  r12 %016lx r13 %016lx r14 %016lx r15 %016lx\n",
	       f->r12, f->r13, f->r14, f->r15);
	printf("  rflags %016lx cs %04lx ss %04lx cr0 %lx cr3 %lx cr4 %lx\n",
	       f->rflags, f->cs, f->ss, read_cr0(), read_cr3(), read_cr4());
}

void trap_dispatch(struct trap_frame *f)
{
	unsigned v = (unsigned)f->vector;

	if (v < TRAP_VECTORS && handlers[v] && handlers[v](f))
		return;
	if (trap_try_armed) {
		trap_last.vector = (int)v;
		trap_last.error_code = f->error_code;
		trap_last.rip = f->rip;
		trap_last.cr2 = read_cr2();
		trap_last.rsp = f->rsp;
		trap_try_vector = v;
		trap_try_armed = 0;
		/* Back to 64-bit ring 0 even if fn left it (CPL 3 or
		 * compatibility-mode code under test). */
		f->rip = (uint64_t)trap_try_landing;
		f->rsp = trap_try_rsp;
		f->cs = SEL_CODE64;
		f->ss = SEL_DATA;
		return;
	}
	printf("FAIL unexpected exception #%s (vector %u) error 0x%lx "
	       "rip 0x%lx cr2 0x%lx\n", trap_name(v), v, f->error_code,
	       f->rip, read_cr2());
	dump_frame(f);
	test_abort();
}
