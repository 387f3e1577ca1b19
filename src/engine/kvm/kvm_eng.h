/* SPDX-License-Identifier: MIT */
/*
 * The kvm engine's internals, shared by its files:
 *   kvm_vm.c       /dev/kvm, the VM, its memory slot, CPUID, the MSR
 *                  filter, the vCPU and the kick signal
 *   kvm_engine.c   engine_ops: state in and out, events, stop, counts
 *   kvm_run.c      the KVM_RUN loop and its exits
 *   kvm_handover.c moving the vCPU to the interpreter where VMX begins
 *   kvm_vmxe.c     recognising a MOV to CR4 that sets CR4.VMXE, and HLT
 *   kvm_state.c, kvm_cpuid.c  pure conversions (unit-tested)
 */
#ifndef VMXBOX_ENGINE_KVM_KVM_ENG_H
#define VMXBOX_ENGINE_KVM_KVM_ENG_H

#include <linux/kvm.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "engine/engine.h"

#define KVM_MAX_MSRS 32

/*
 * Instructions are not counted while KVM runs freely (no PMU here): the
 * count advances by KVM_NS_PER_INSN nanoseconds of KVM_RUN per instruction
 * (a nominal 1000 MIPS).  Within KVM_STEP_WINDOW instructions of a limit
 * the vCPU single-steps (KVM_GUESTDBG_SINGLESTEP) and every instruction is
 * counted exactly, so small --max-insns values and the monitor's `step`
 * are exact.
 */
#define KVM_NS_PER_INSN 1
#define KVM_STEP_WINDOW 4096

/* The MSRs whose guest accesses hand the vCPU to the interpreter. */
#define MSR_FEATURE_CONTROL 0x3au
#define MSR_VMX_FIRST 0x480u       /* IA32_VMX_BASIC */
#define MSR_VMX_LAST  0x492u       /* IA32_VMX_VMFUNC .. (SDM Vol. 4 2.1) */

struct kvm_counts {
	uint64_t runs, io, mmio, hlt, msr, intr_window, kicks;
	uint64_t lent;             /* instructions lent to the interpreter */
	uint64_t steps;            /* instructions counted exactly */
	uint64_t free_ns;          /* KVM_RUN time outside single-stepping */
};

struct kvm_eng {
	struct engine base;
	struct engine_config cfg;
	int sys_fd, vm_fd, vcpu_fd;
	struct kvm_run *run;
	size_t run_size;
	uint32_t msrs[KVM_MAX_MSRS];
	size_t nmsrs;

	/* What KVM does not hold: the last state set, kept up to date. */
	struct cpu_state shadow;
	bool halted;                   /* HLT executed, not woken yet */
	bool need_completion;          /* an exit KVM finishes at next KVM_RUN */
	bool stepping;                 /* KVM_GUESTDBG_SINGLESTEP is on */
	bool timer_armed;
	bool intr_waiting;             /* INTR asserted, the guest cannot take it yet */
	/* The interpreter's hooks on the machine's clock, put back at the
	 * hand-over (the kvm engine drives the clock until then). */
	uint64_t (*interp_clock_read)(void *opaque);
	void *interp_clock_read_opaque;
	void (*interp_clock_changed)(void *opaque);
	void *interp_clock_changed_opaque;
	/* OUT items a device asked to retry (io_bus_write() false): written
	 * before the guest runs on, so the output order stays the guest's. */
	struct kvm_out_retry {
		uint16_t port;
		uint8_t size;
		uint32_t count, done;
		uint8_t data[4096];
	} out_retry;

	/* The interpreter the vCPU moves to (created up front). */
	struct engine *interp;
	atomic_bool on_interp;
	char handover_why[200];
	uint64_t handover_count;       /* instruction count at the move */

	/* Stop requests and kicks out of KVM_RUN. */
	atomic_bool stop;
	atomic_bool have_thread;
	pthread_t thread;
	timer_t timer;
	bool have_timer;

	uint64_t max_insns;            /* absolute; 0 = none */
	uint64_t count_base;           /* instruction count at set_state */
	struct kvm_counts n;
};

static inline struct kvm_eng *to_kvm(struct engine *e)
{
	return (struct kvm_eng *)e;
}

/* kvm_vm.c */
int kvm_open_vm(struct kvm_eng *k, char *err, size_t errlen);
void kvm_close_vm(struct kvm_eng *k);
bool kvm_host_ready(char *why, size_t len);
/* For `auto` only: hardware virtualization and SSE run by KVM itself
 * (kvm_sse_probe.c). */
bool kvm_auto_worthwhile(char *why, size_t len);
void kvm_kick_setup(struct kvm_eng *k);       /* on the vCPU thread */
void kvm_kick(struct kvm_eng *k);             /* any thread */
void kvm_arm_timer(struct kvm_eng *k, uint64_t ns);  /* 0 disarms */

/* kvm_clock.c: the machine's virtual clock while KVM runs. */
void kvm_clock_attach(struct kvm_eng *k);
void kvm_clock_detach(struct kvm_eng *k);
void kvm_clock_run_due(struct kvm_eng *k);
uint64_t kvm_clock_ns_to_deadline(struct kvm_eng *k);
uint64_t kvm_guest_tsc(struct kvm_eng *k);
bool kvm_clock_idle_wait(struct kvm_eng *k);

/* kvm_engine.c */
uint64_t kvm_count(const struct kvm_eng *k);
int kvm_load_state(struct kvm_eng *k, const struct cpu_state *s, char *err,
		   size_t errlen);
void kvm_store_state(struct kvm_eng *k, struct cpu_state *s);

/* kvm_run.c */
enum engine_exit_reason kvm_run_loop(struct kvm_eng *k, struct engine_exit *out);
/* Let KVM finish a pending I/O, MMIO or MSR exit without running the
 * guest (KVM_RUN with immediate_exit), so the state is consistent. */
void kvm_complete_pending(struct kvm_eng *k);

/* kvm_handover.c */
enum engine_exit_reason kvm_hand_over(struct kvm_eng *k, const char *why,
				      struct engine_exit *out);
bool kvm_handover_msr(uint32_t index);
/* Run the one instruction at RIP on the interpreter (KVM cannot), then go
 * on on KVM.  ENGINE_EXIT_NONE: keep running. */
enum engine_exit_reason kvm_interp_one(struct kvm_eng *k, const char *why,
				       struct engine_exit *out);

/* kvm_vmxe.c: does the instruction at CS:RIP set CR4.VMXE (a MOV to CR4
 * whose source has bit 13 set while CR4.VMXE is clear)? */
bool kvm_insn_sets_vmxe(const struct cpu_state *s, const struct guest_mem *mem);
/* Is it HLT (F4)? */
bool kvm_insn_is_hlt(const struct cpu_state *s, const struct guest_mem *mem);

#endif
