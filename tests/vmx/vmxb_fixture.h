/* SPDX-License-Identifier: MIT */
/*
 * Test fixture for the VM-entry / VM-exit side: guest memory, a vmx_vcpu
 * in VMX root operation with a current VMCS, a 64-bit L1 state and a fake
 * engine context (no guest, no engine).  fix_baseline() writes a fully
 * valid 64-bit guest + host state that passes every VM-entry check.
 */
#ifndef VMXBOX_TESTS_VMXB_FIXTURE_H
#define VMXBOX_TESTS_VMXB_FIXTURE_H

#include <check.h>

#include "vmx/vmx.h"

#define FIX_MEM_SIZE   (16ull << 20)
#define FIX_VMCS       0x1000ull
#define FIX_VMXON      0x2000ull
#define FIX_LINK       0x3000ull
#define FIX_IO_A       0x10000ull
#define FIX_IO_B       0x11000ull
#define FIX_MSR_BITMAP 0x12000ull
#define FIX_VAPIC      0x13000ull   /* virtual-APIC page (TPR shadow) */
#define FIX_MSR_AREA   0x20000ull
#define FIX_EPT_PML4   0x30000ull

/* Host (L1 after exit) and guest (L2) baseline values. */
#define FIX_HOST_RIP   0x401000ull
#define FIX_HOST_RSP   0x5000ull
#define FIX_HOST_CR3   0x100000ull
#define FIX_GUEST_RIP  0x402000ull
#define FIX_GUEST_RSP  0x6000ull
#define FIX_GUEST_CR3  0x200000ull
#define FIX_CR0        (CR0_PE | CR0_ET | CR0_NE | CR0_PG)
#define FIX_CR4        (CR4_PAE | CR4_VMXE)

struct fix {
	struct guest_mem mem;
	struct vmx_vcpu *v;
	struct cpu_state cpu;
	struct x86_intercept_ctx ctx;
	int state_changed;
	int injects;
	struct x86_event injected;
};

void fix_init(struct fix *f, bool inject_cb);
void fix_fini(struct fix *f);
void fix_baseline(struct fix *f);
/* Run a check suite; the process exit status (0 = all passed). */
int fix_run_suite(Suite *s);
/* Baseline + VMLAUNCH that must succeed. */
void fix_enter(struct fix *f);
void fix_leave(struct fix *f);

static inline uint64_t fr(struct fix *f, uint32_t enc)
{
	return vmcs_read(f->v, enc);
}
static inline void fw(struct fix *f, uint32_t enc, uint64_t val)
{
	vmcs_write(f->v, enc, val);
}
static inline void fset(struct fix *f, uint32_t enc, uint64_t bits)
{
	vmcs_write(f->v, enc, vmcs_read(f->v, enc) | bits);
}
static inline void fclr(struct fix *f, uint32_t enc, uint64_t bits)
{
	vmcs_write(f->v, enc, vmcs_read(f->v, enc) & ~bits);
}

#endif
