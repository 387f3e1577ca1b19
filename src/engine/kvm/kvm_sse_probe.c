// SPDX-License-Identifier: MIT
/*
 * Is kvm worth choosing for `auto`?  Some KVMs (the software KVM of our
 * own machines, docs/kvm.md "Differences on kvm") cannot execute SSE or
 * x87 instructions: each ends in an emulation failure that the kvm engine
 * lends to the interpreter one instruction at a time, with a full state
 * transfer; x87/SSE-heavy code then runs hundreds of times slower than on
 * the interpreter alone (docs/performance.md).  Such a KVM also runs
 * plain integer code about 100 times slower than the interpreter
 * (docs/kvm.md "Speed"): it is software, the host CPU has neither VMX nor
 * SVM.  So `auto` takes kvm only on a host CPU with hardware
 * virtualization and only if one ADDPS, run in a throw-away real-mode VM,
 * retires.  `--engine=kvm` is unaffected.
 */
#include <cpuid.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "engine/host_caps.h"
#include "engine/kvm/kvm_eng.h"


/* addps %xmm1, %xmm0; hlt */
static const unsigned char probe_code[] = { 0x0f, 0x58, 0xc1, 0xf4 };

/* Runs the probe on an open VM fd: the KVM exit reason it ended with, or
 * -1 when the VM could not be set up or run. */
static int run_probe(int kvm, int vm, void *page)
{
	struct kvm_userspace_memory_region slot = {
		.slot = 0, .guest_phys_addr = 0, .memory_size = 4096,
		.userspace_addr = (unsigned long)page,
	};
	struct kvm_sregs sregs;
	struct kvm_regs regs = { .rip = 0, .rflags = 2 };
	struct kvm_run *run;
	int vcpu, size, ret = -1;

	memcpy(page, probe_code, sizeof(probe_code));
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &slot) < 0)
		return -1;
	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (vcpu < 0 || size <= 0)
		goto out;
	run = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED,
		   vcpu, 0);
	if (run == MAP_FAILED)
		goto out;
	if (ioctl(vcpu, KVM_GET_SREGS, &sregs) == 0) {
		sregs.cs.base = 0;
		sregs.cs.selector = 0;
		sregs.cr0 = CR0_ET | CR0_MP;
		sregs.cr4 |= CR4_OSFXSR;
		if (ioctl(vcpu, KVM_SET_SREGS, &sregs) == 0 &&
		    ioctl(vcpu, KVM_SET_REGS, &regs) == 0 &&
		    ioctl(vcpu, KVM_RUN, 0) == 0)
			ret = (int)run->exit_reason;
	}
	munmap(run, (size_t)size);
out:
	if (vcpu >= 0)
		close(vcpu);
	return ret;
}

/* CPUID.1:ECX.VMX[5] or CPUID.80000001H:ECX.SVM[2] of the host. */
static bool host_has_hw_virt(void)
{
	unsigned a, b, c, d;

	if (__get_cpuid(1, &a, &b, &c, &d) && (c & (1u << 5)))
		return true;
	return __get_cpuid(0x80000001, &a, &b, &c, &d) && (c & (1u << 2));
}

bool kvm_auto_worthwhile(char *why, size_t len)
{
	if (!host_has_hw_virt()) {
		snprintf(why, len, "the host CPU has no VMX/SVM, so this KVM is "
			 "software and slower than interp; --engine=kvm forces it");
		return false;
	}
	static int cached = -2;	/* not probed yet */
	struct host_caps hc;
	void *page;
	int kvm, vm;

	if (cached == -2) {
		cached = -1;
		host_caps_probe(&hc);
		kvm = open(hc.kvm_path, O_RDWR | O_CLOEXEC);
		vm = kvm < 0 ? -1 : ioctl(kvm, KVM_CREATE_VM, 0);
		page = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (vm >= 0 && page != MAP_FAILED)
			cached = run_probe(kvm, vm, page);
		if (page != MAP_FAILED)
			munmap(page, 4096);
		if (vm >= 0)
			close(vm);
		if (kvm >= 0)
			close(kvm);
	}
	/* Only a measured emulation failure rules kvm out; a probe that
	 * cannot run says nothing about the guest's VM. */
	if (cached != KVM_EXIT_INTERNAL_ERROR)
		return true;
	snprintf(why, len, "this KVM cannot run SSE itself (ADDPS probe: "
		 "emulation failure): x87/SSE code would crawl; --engine=kvm "
		 "forces it");
	return false;
}
