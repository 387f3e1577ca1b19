// SPDX-License-Identifier: MIT
/*
 * kvm-hello: the smallest real user of KVM, run inside a Linux guest of
 * vmxbox (L1) to prove that Linux's KVM works on vmxbox's emulated VMX.
 * It creates a VM with one memory slot and one vCPU, runs a real-mode L2
 * that writes "hello from L2" to port 0x3f8 one byte at a time and halts,
 * and reports what it saw:
 *   kvm-hello: api 12, vcpu mmap 12288
 *   kvm-hello: L2 says: hello from L2
 *   kvm-hello: exits: io 14, hlt 1, other 0
 *   kvm-hello: ok
 * Exit status 0 only when the L2's output and exit counts are exactly
 * these.  Built static (gcc -static) by tools/mk-linux-initramfs.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#define GUEST_MEM  0x10000
#define CODE_GPA   0x1000
#define MSG_GPA    0x1100
#define PORT       0x3f8
/* Three pages outside the memory slot for the TSS that KVM on Intel needs
 * to run a real-mode guest without unrestricted guest (vm86 emulation;
 * the KVM API documentation of KVM_SET_TSS_ADDR; QEMU's address). */
#define TSS_GPA    0xfffbd000ul
static const char msg[] = "hello from L2\n";

/* Real mode: mov si,MSG; mov dx,PORT; l: lodsb; test al,al; jz d;
 * out dx,al; jmp l; d: hlt */
static const unsigned char code[] = {
	0xbe, MSG_GPA & 0xff, MSG_GPA >> 8,   /* mov si, MSG_GPA */
	0xba, PORT & 0xff, PORT >> 8,         /* mov dx, PORT */
	0xac,                                 /* l: lodsb */
	0x84, 0xc0,                           /* test al, al */
	0x74, 0x03,                           /* jz d */
	0xee,                                 /* out dx, al */
	0xeb, 0xf8,                           /* jmp l */
	0xf4,                                 /* d: hlt */
};

static int fail(const char *what)
{
	fprintf(stdout, "kvm-hello: %s: %s\n", what, strerror(errno));
	return 1;
}

static int setup_vcpu(int vcpu)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs = { .rip = CODE_GPA, .rflags = 2 };

	if (ioctl(vcpu, KVM_GET_SREGS, &sregs) < 0)
		return fail("KVM_GET_SREGS");
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	sregs.ds.base = 0;
	sregs.ds.selector = 0;
	if (ioctl(vcpu, KVM_SET_SREGS, &sregs) < 0)
		return fail("KVM_SET_SREGS");
	if (ioctl(vcpu, KVM_SET_REGS, &regs) < 0)
		return fail("KVM_SET_REGS");
	return 0;
}

int main(void)
{
	struct kvm_userspace_memory_region slot = {
		.slot = 0, .guest_phys_addr = 0, .memory_size = GUEST_MEM,
	};
	char said[64] = "";
	unsigned io = 0, hlt = 0, other = 0;
	struct kvm_run *run;
	int kvm, vm, vcpu, api, size;
	unsigned char *mem;

	setvbuf(stdout, NULL, _IONBF, 0);
	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		return fail("open /dev/kvm");
	api = ioctl(kvm, KVM_GET_API_VERSION, 0);
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0)
		return fail("KVM_CREATE_VM");
	mem = mmap(NULL, GUEST_MEM, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return fail("mmap guest memory");
	memcpy(mem + CODE_GPA, code, sizeof(code));
	memcpy(mem + MSG_GPA, msg, sizeof(msg));
	slot.userspace_addr = (unsigned long)mem;
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &slot) < 0)
		return fail("KVM_SET_USER_MEMORY_REGION");
	if (ioctl(vm, KVM_SET_TSS_ADDR, TSS_GPA) < 0)
		return fail("KVM_SET_TSS_ADDR");
	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	if (vcpu < 0)
		return fail("KVM_CREATE_VCPU");
	size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	run = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	if (run == MAP_FAILED)
		return fail("mmap kvm_run");
	if (setup_vcpu(vcpu))
		return 1;
	printf("kvm-hello: api %d, vcpu mmap %d\n", api, size);
	while (!hlt && other < 8) {
		if (ioctl(vcpu, KVM_RUN, 0) < 0)
			return fail("KVM_RUN");
		switch (run->exit_reason) {
		case KVM_EXIT_IO:
			io++;
			if (run->io.direction == KVM_EXIT_IO_OUT && run->io.port == PORT &&
			    strlen(said) + 1 < sizeof(said))
				said[strlen(said)] = *((char *)run + run->io.data_offset);
			break;
		case KVM_EXIT_HLT:
			hlt++;
			break;
		default:
			other++;
			printf("kvm-hello: unexpected exit %u\n", run->exit_reason);
			break;
		}
	}
	printf("kvm-hello: L2 says: %s", said);
	printf("kvm-hello: exits: io %u, hlt %u, other %u\n", io, hlt, other);
	if (strcmp(said, msg) || io != strlen(msg) || hlt != 1 || other) {
		printf("kvm-hello: FAILED\n");
		return 1;
	}
	printf("kvm-hello: ok\n");
	return 0;
}
