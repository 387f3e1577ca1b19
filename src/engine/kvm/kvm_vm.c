// SPDX-License-Identifier: MIT
/*
 * /dev/kvm plumbing: the VM with one memory slot over the guest RAM mapping
 * the interpreter uses, the MSR filter that turns guest accesses to the VMX
 * MSRs into user-space exits, the vCPU with the model's CPUID, and the
 * signal that kicks the vCPU thread out of KVM_RUN.
 */
#include "engine/kvm/kvm_eng.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "engine/host_caps.h"
#include "engine/kvm/kvm_cpuid.h"
#include "engine/kvm/kvm_state.h"

/* Where KVM may put its real-mode TSS on VMX hosts (as QEMU does). */
#define KVM_TSS_ADDR 0xfffbd000ull

/* Capabilities the engine relies on, and why. */
static const struct { int cap; const char *what; } needed[] = {
	{ KVM_CAP_USER_MEMORY, "user memory slots" },
	{ KVM_CAP_IMMEDIATE_EXIT, "immediate_exit (stopping the vCPU)" },
	{ KVM_CAP_X86_USER_SPACE_MSR, "user-space MSR exits (the hand-over)" },
	{ KVM_CAP_X86_MSR_FILTER, "MSR filters (the hand-over)" },
	{ KVM_CAP_XSAVE, "KVM_GET/SET_XSAVE" },
	{ KVM_CAP_VCPU_EVENTS, "KVM_GET/SET_VCPU_EVENTS" },
	{ KVM_CAP_DEBUGREGS, "KVM_GET/SET_DEBUGREGS" },
	{ KVM_CAP_USER_NMI, "KVM_NMI" },
	{ KVM_CAP_EXT_CPUID, "KVM_SET_CPUID2" },
	{ KVM_CAP_SET_GUEST_DEBUG, "single-stepping" },
};

static int missing_cap(int fd, char *why, size_t len)
{
	for (size_t i = 0; i < sizeof(needed) / sizeof(needed[0]); i++)
		if (ioctl(fd, KVM_CHECK_EXTENSION, needed[i].cap) <= 0) {
			snprintf(why, len, "needs %s to offer %s",
				 host_kvm_path(), needed[i].what);
			return -1;
		}
	return 0;
}

bool kvm_host_ready(char *why, size_t len)
{
	struct host_caps hc;
	int fd;
	bool ok;

	host_caps_probe(&hc);
	if (!hc.kvm_usable) {
		snprintf(why, len, "needs %s: %s", hc.kvm_path,
			 hc.kvm_errno == EPROTO ? "unsupported KVM API version"
						: strerror(hc.kvm_errno));
		return false;
	}
	fd = open(hc.kvm_path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, len, "needs %s: %s", hc.kvm_path, strerror(errno));
		return false;
	}
	ok = missing_cap(fd, why, len) == 0;
	close(fd);
	return ok;
}

static int fail(char *err, size_t errlen, const char *what)
{
	snprintf(err, errlen, "kvm: %s: %s", what, strerror(errno));
	return -1;
}

static int set_memory(struct kvm_eng *k, char *err, size_t errlen)
{
	struct kvm_userspace_memory_region r = {
		.slot = 0,
		.guest_phys_addr = 0,
		.memory_size = k->cfg.mem->size,
		.userspace_addr = (uintptr_t)k->cfg.mem->host,
	};

	if (ioctl(k->vm_fd, KVM_SET_USER_MEMORY_REGION, &r) < 0)
		return fail(err, errlen, "KVM_SET_USER_MEMORY_REGION");
	if (k->cfg.mem->size <= KVM_TSS_ADDR &&
	    ioctl(k->vm_fd, KVM_SET_TSS_ADDR, (unsigned long)KVM_TSS_ADDR) < 0)
		return fail(err, errlen, "KVM_SET_TSS_ADDR");
	return 0;
}

/*
 * Guest RDMSR/WRMSR of IA32_FEATURE_CONTROL and of the VMX capability MSRs
 * exit to user space (bitmap bit clear = deny = exit with
 * KVM_MSR_EXIT_REASON_FILTER); everything else stays in KVM.
 */
static int set_msr_filter(struct kvm_eng *k, char *err, size_t errlen)
{
	static uint8_t deny_fc[1], deny_vmx[(MSR_VMX_LAST - MSR_VMX_FIRST + 8) / 8];
	static uint8_t deny_apic[1], deny_dl[1];
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_X86_USER_SPACE_MSR,
		/* FILTER: the hand-over; INVAL/UNKNOWN: MSRs KVM would #GP on
		 * (no in-kernel APIC: the APIC's MSRs) go to the user-space
		 * interrupt controller. */
		.args = { KVM_MSR_EXIT_REASON_FILTER | KVM_MSR_EXIT_REASON_INVAL |
			  KVM_MSR_EXIT_REASON_UNKNOWN },
	};
	struct kvm_msr_filter f = {
		.flags = KVM_MSR_FILTER_DEFAULT_ALLOW,
		.ranges = {
			{ .flags = KVM_MSR_FILTER_READ | KVM_MSR_FILTER_WRITE,
			  .nmsrs = 1, .base = MSR_FEATURE_CONTROL,
			  .bitmap = deny_fc },
			{ .flags = KVM_MSR_FILTER_READ | KVM_MSR_FILTER_WRITE,
			  .nmsrs = MSR_VMX_LAST - MSR_VMX_FIRST + 1,
			  .base = MSR_VMX_FIRST, .bitmap = deny_vmx },
			/* KVM keeps these itself without an in-kernel APIC
			 * (and drops TSC-deadline writes): the user-space
			 * interrupt controller's instead. */
			{ .flags = KVM_MSR_FILTER_READ | KVM_MSR_FILTER_WRITE,
			  .nmsrs = 1, .base = 0x1b, .bitmap = deny_apic },
			{ .flags = KVM_MSR_FILTER_READ | KVM_MSR_FILTER_WRITE,
			  .nmsrs = 1, .base = 0x6e0, .bitmap = deny_dl },
		},
	};

	if (ioctl(k->vm_fd, KVM_ENABLE_CAP, &cap) < 0)
		return fail(err, errlen, "KVM_CAP_X86_USER_SPACE_MSR");
	if (ioctl(k->vm_fd, KVM_X86_SET_MSR_FILTER, &f) < 0)
		return fail(err, errlen, "KVM_X86_SET_MSR_FILTER");
	return 0;
}

static int set_cpuid(struct kvm_eng *k, char *err, size_t errlen)
{
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + KVM_CPUID_MAX_ENTRIES *
				      sizeof(struct kvm_cpuid_entry2));
	int ret;

	if (!c) {
		snprintf(err, errlen, "kvm: out of memory");
		return -1;
	}
	c->nent = (uint32_t)kvm_cpuid_from_model(&k->cfg.model, c->entries,
						 KVM_CPUID_MAX_ENTRIES);
	ret = ioctl(k->vcpu_fd, KVM_SET_CPUID2, c);
	free(c);
	return ret < 0 ? fail(err, errlen, "KVM_SET_CPUID2") : 0;
}

/* The MSRs moved through KVM_GET/SET_MSRS (kvm_state.h). */
static int read_msr_list(struct kvm_eng *k, char *err, size_t errlen)
{
	struct kvm_msr_list *l = calloc(1, sizeof(*l) + 1024 * sizeof(uint32_t));

	if (!l) {
		snprintf(err, errlen, "kvm: out of memory");
		return -1;
	}
	l->nmsrs = 1024;
	if (ioctl(k->sys_fd, KVM_GET_MSR_INDEX_LIST, l) < 0) {
		free(l);
		return fail(err, errlen, "KVM_GET_MSR_INDEX_LIST");
	}
	k->nmsrs = kvm_msr_indices(l->indices, l->nmsrs, k->msrs, KVM_MAX_MSRS);
	free(l);
	return 0;
}

static int create_vcpu(struct kvm_eng *k, char *err, size_t errlen)
{
	int sz;

	k->vcpu_fd = ioctl(k->vm_fd, KVM_CREATE_VCPU, 0);
	if (k->vcpu_fd < 0)
		return fail(err, errlen, "KVM_CREATE_VCPU");
	sz = ioctl(k->sys_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (sz < (int)sizeof(struct kvm_run))
		return fail(err, errlen, "KVM_GET_VCPU_MMAP_SIZE");
	k->run = mmap(NULL, (size_t)sz, PROT_READ | PROT_WRITE, MAP_SHARED,
		      k->vcpu_fd, 0);
	if (k->run == MAP_FAILED) {
		k->run = NULL;
		return fail(err, errlen, "mmap of the vCPU's kvm_run");
	}
	k->run_size = (size_t)sz;
	return set_cpuid(k, err, errlen);
}

int kvm_open_vm(struct kvm_eng *k, char *err, size_t errlen)
{
	k->sys_fd = k->vm_fd = k->vcpu_fd = -1;
	k->sys_fd = open(host_kvm_path(), O_RDWR | O_CLOEXEC);
	if (k->sys_fd < 0)
		return fail(err, errlen, host_kvm_path());
	if (missing_cap(k->sys_fd, err, errlen))
		return -1;
	k->vm_fd = ioctl(k->sys_fd, KVM_CREATE_VM, 0);
	if (k->vm_fd < 0)
		return fail(err, errlen, "KVM_CREATE_VM");
	if (set_memory(k, err, errlen) || set_msr_filter(k, err, errlen) ||
	    read_msr_list(k, err, errlen))
		return -1;
	return create_vcpu(k, err, errlen);
}

void kvm_close_vm(struct kvm_eng *k)
{
	if (k->have_timer)
		timer_delete(k->timer);
	if (k->run)
		munmap(k->run, k->run_size);
	if (k->vcpu_fd >= 0)
		close(k->vcpu_fd);
	if (k->vm_fd >= 0)
		close(k->vm_fd);
	if (k->sys_fd >= 0)
		close(k->sys_fd);
}

/* ---- kicks -------------------------------------------------------------- */

/*
 * A signal to the vCPU thread makes a running KVM_RUN return EINTR; the
 * handler also sets immediate_exit, so a kick that lands between the stop
 * check and the ioctl is not lost.
 */
static _Thread_local struct kvm_run *kick_run;

static void on_kick(int sig)
{
	if (kick_run)
		kick_run->immediate_exit = 1;
}

static int kick_signal(void)
{
	return SIGRTMIN + 3;
}

static void install_kick_handler(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_kick;
	sigemptyset(&sa.sa_mask);
	sigaction(kick_signal(), &sa, NULL);
}

void kvm_kick_setup(struct kvm_eng *k)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	sigset_t set;

	pthread_once(&once, install_kick_handler);
	kick_run = k->run;
	k->thread = pthread_self();
	atomic_store(&k->have_thread, true);
	sigemptyset(&set);
	sigaddset(&set, kick_signal());
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	if (!k->have_timer) {
		struct sigevent sev = {
			.sigev_notify = SIGEV_THREAD_ID,
			.sigev_signo = kick_signal(),
		};

		sev._sigev_un._tid = (pid_t)syscall(SYS_gettid);
		k->have_timer = timer_create(CLOCK_MONOTONIC, &sev, &k->timer) == 0;
	}
}

void kvm_kick(struct kvm_eng *k)
{
	if (k->run)
		k->run->immediate_exit = 1;
	if (atomic_load(&k->have_thread))
		pthread_kill(k->thread, kick_signal());
}

void kvm_arm_timer(struct kvm_eng *k, uint64_t ns)
{
	struct itimerspec its = { { 0, 0 }, { (time_t)(ns / 1000000000u),
					       (long)(ns % 1000000000u) } };

	if (k->have_timer)
		timer_settime(k->timer, 0, &its, NULL);
}
