// SPDX-License-Identifier: MIT
/*
 * The bundled demo: this firmware is an L1 hypervisor.  It turns VMX on,
 * builds three inner (L2) VMs, each with its own VMCS, and runs them
 * round-robin, one VM exit per turn:
 *   vm1  executes CPUID and prints through the serial port; L1 intercepts
 *        both (I/O bitmaps) and forwards the output to the real console;
 *   vm2  computes with EPT on; its scratch page is missing from the EPT, so
 *        the first touch is an EPT violation that L1 resolves by mapping a
 *        fresh page;
 *   vm3  spins until the VMX-preemption timer fires.
 * Then L1 prints a per-VM table of exits by reason, VMXOFF, and exits 0.
 */
#include "fw.h"
#include "vmx.h"

#define NR_VMS		3
#define VMCALL_DONE	1
#define VM3_SLICES	3
#define VM3_TIMER	64000     /* TSC cycles (rate 0): one instruction each */

struct demo_vm {
	const char *name;
	struct vmx_vm vm;
	bool done;
	bool ok;
	char line[128];		/* vm1's console output, one line at a time */
	unsigned line_len;
	unsigned lines;		/* lines vm1 printed */
	bool cpuid_seen;	/* vm1 saw the CPUID L1 gave it */
	uint64_t result;
};

static struct demo_vm vms[NR_VMS];
static struct ept vm2_ept;
static uint8_t vm2_window[4096] __attribute__((aligned(4096)));
static uint64_t vm2_backing;
static volatile uint64_t vm3_counter;

/* ---- L2 code (runs in VMX non-root operation) ------------------------- */
static void vm1_main(void)
{
	struct cpuid_regs r0 = cpuid(0, 0);
	struct cpuid_regs r1 = cpuid(1, 0);
	struct cpuid_regs hv = cpuid(0x40000000, 0);
	char vendor[13], sig[13];

	memcpy(vendor, &r0.ebx, 4);
	memcpy(vendor + 4, &r0.edx, 4);
	memcpy(vendor + 8, &r0.ecx, 4);
	vendor[12] = '\0';
	memcpy(sig, &hv.ebx, 4);
	memcpy(sig + 4, &hv.ecx, 4);
	memcpy(sig + 8, &hv.edx, 4);
	sig[12] = '\0';
	printf("hello from L2: cpu vendor %s\n", vendor);
	printf("cpuid.1: vmx %u hypervisor %u, hypervisor id \"%s\"\n",
	       (r1.ecx >> 5) & 1, r1.ecx >> 31, sig);
	guest_vmcall(VMCALL_DONE, 0);
}

static void vm2_main(void)
{
	volatile uint64_t *w = (volatile uint64_t *)vm2_window;
	uint64_t sum = 0;

	for (unsigned i = 0; i < 512; i++)
		w[i] = (uint64_t)i * i;
	for (unsigned i = 0; i < 512; i++)
		sum += w[i];
	guest_vmcall(VMCALL_DONE, sum);
}

static void vm3_main(void)
{
	for (;;)
		vm3_counter++;
}

/* ---- L1 exit handlers ------------------------------------------------- */
static const char cpuid_line[] =
	"cpuid.1: vmx 0 hypervisor 1, hypervisor id \"vmxboxL1demo\"";

static void console_put(struct demo_vm *d, char c)
{
	if (c != '\n' && d->line_len < sizeof(d->line) - 1) {
		d->line[d->line_len++] = c;
		return;
	}
	d->line[d->line_len] = '\0';
	printf("  %s| %s\n", d->name, d->line);
	d->line_len = 0;
	d->lines++;
	if (!memcmp(d->line, cpuid_line, sizeof(cpuid_line)))
		d->cpuid_seen = true;
}

static void handle_io(struct demo_vm *d)
{
	uint64_t q = d->vm.exit_qual;
	unsigned port = EXITQ_IO_PORT(q);

	if (q & EXITQ_IO_IN) {
		/* LSR: transmitter empty; anything else reads as 0. */
		uint8_t v = port == COM1_PORT + 5 ? 0x60 : 0;

		d->vm.regs.rax = (d->vm.regs.rax & ~0xffULL) | v;
	} else if (port == COM1_PORT) {
		console_put(d, (char)d->vm.regs.rax);
	}
	vmx_skip_insn();
}

static void handle_cpuid(struct demo_vm *d)
{
	uint32_t leaf = (uint32_t)d->vm.regs.rax;
	struct cpuid_regs r = cpuid(leaf, (uint32_t)d->vm.regs.rcx);

	if (leaf == 1) {
		r.ecx &= ~(1U << 5);	/* no nested VMX for L2 */
		r.ecx |= 1U << 31;	/* running under a hypervisor */
	} else if (leaf == 0x40000000) {
		r.eax = 0x40000000;
		memcpy(&r.ebx, "vmxb", 4);
		memcpy(&r.ecx, "oxL1", 4);
		memcpy(&r.edx, "demo", 4);
	}
	d->vm.regs.rax = r.eax;
	d->vm.regs.rbx = r.ebx;
	d->vm.regs.rcx = r.ecx;
	d->vm.regs.rdx = r.edx;
	vmx_skip_insn();
}

static void handle_ept_violation(struct demo_vm *d)
{
	uint64_t gpa = d->vm.guest_phys & ~0xfffULL;

	if (gpa != (uint64_t)vm2_window || vm2_backing) {
		printf("%s: unexpected EPT violation at 0x%lx\n", d->name,
		       d->vm.guest_phys);
		d->done = true;
		return;
	}
	vm2_backing = (uint64_t)page_alloc();
	ept_map_4k(&vm2_ept, gpa, vm2_backing, EPT_RWX);
	invept(INVEPT_SINGLE_CONTEXT, vm2_ept.eptp);
	printf("%s: EPT violation (%s) at gpa 0x%lx: mapped a new page\n",
	       d->name, (d->vm.exit_qual & EXITQ_EPT_WRITE) ? "write" : "read",
	       d->vm.guest_phys);
}

static void handle_vmcall(struct demo_vm *d)
{
	d->result = d->vm.regs.rdi;
	d->done = true;
	d->ok = true;
	if (d == &vms[1]) {
		uint64_t want = 0, *backing = (uint64_t *)vm2_backing;
		bool in_backing = backing && backing[511] == 511ULL * 511;

		for (unsigned i = 0; i < 512; i++)
			want += (uint64_t)i * i;
		d->ok = d->result == want && in_backing;
		printf("%s: done, sum %lu (%s), data in the new page: %s\n",
		       d->name, d->result, d->result == want ? "correct" : "WRONG",
		       in_backing ? "yes" : "no");
	} else {
		/* vm1 must have printed its two lines through L1. */
		d->ok = d->lines == 2 && d->cpuid_seen;
		printf("%s: done, %u lines forwarded, cpuid as L1 set it: %s\n",
		       d->name, d->lines, d->cpuid_seen ? "yes" : "no");
	}
	vmx_skip_insn();
}

static void handle_timer(struct demo_vm *d)
{
	if (d->vm.exits[EXIT_REASON_PREEMPTION_TIMER] < VM3_SLICES)
		return;
	d->done = true;
	d->ok = vm3_counter > 0;
	printf("%s: preempted %u times, it made progress: %s\n", d->name,
	       d->vm.exits[EXIT_REASON_PREEMPTION_TIMER],
	       vm3_counter ? "yes" : "no");
}

static void handle_exit(struct demo_vm *d)
{
	uint32_t reason = EXIT_REASON_BASIC(d->vm.exit_reason);

	switch (reason) {
	case EXIT_REASON_IO_INSTRUCTION: handle_io(d); break;
	case EXIT_REASON_CPUID: handle_cpuid(d); break;
	case EXIT_REASON_EPT_VIOLATION: handle_ept_violation(d); break;
	case EXIT_REASON_VMCALL: handle_vmcall(d); break;
	case EXIT_REASON_PREEMPTION_TIMER: handle_timer(d); break;
	default:
		printf("%s: unexpected exit %u (%s), qualification 0x%lx, "
		       "rip 0x%lx\n", d->name, d->vm.exit_reason,
		       vmx_exit_reason_name(reason), d->vm.exit_qual,
		       vmcs_read(GUEST_RIP));
		d->done = true;
		break;
	}
}

/* ---- set-up ------------------------------------------------------------ */
static bool setup_vm1(struct demo_vm *d)
{
	void *a = page_alloc(), *b = page_alloc();

	vmx_vm_init(&d->vm, vm1_main, vmx_guest_stack());
	for (unsigned p = COM1_PORT; p < COM1_PORT + 8; p++)
		io_bitmap_set(a, b, (uint16_t)p, true);
	vmcs_write(IO_BITMAP_A, (uint64_t)a);
	vmcs_write(IO_BITMAP_B, (uint64_t)b);
	return vmx_set_ctl(CPU_BASED_VM_EXEC_CONTROL, CPU_USE_IO_BITMAPS, 0);
}

static bool setup_vm2(struct demo_vm *d)
{
	vmx_vm_init(&d->vm, vm2_main, vmx_guest_stack());
	ept_init(&vm2_ept, false);
	ept_identity_map(&vm2_ept, 1ULL << 32, EPT_RWX);
	*ept_entry(&vm2_ept, (uint64_t)vm2_window) = 0;	/* the hole */
	vmcs_write(EPT_POINTER, vm2_ept.eptp);
	return vmx_set_ctl(SECONDARY_VM_EXEC_CONTROL, SEC_ENABLE_EPT, 0);
}

static bool setup_vm3(struct demo_vm *d)
{
	vmx_vm_init(&d->vm, vm3_main, vmx_guest_stack());
	vmcs_write(VMX_PREEMPTION_TIMER_VALUE, VM3_TIMER);
	return vmx_set_ctl(PIN_BASED_VM_EXEC_CONTROL, PIN_PREEMPTION_TIMER, 0);
}

static bool (*const setups[NR_VMS])(struct demo_vm *) = {
	setup_vm1, setup_vm2, setup_vm3,
};
static const char *const what[NR_VMS] = {
	"CPUID + serial I/O", "EPT, computes in an unmapped page",
	"spins under the preemption timer",
};

static void print_table(void)
{
	printf("\nexits by reason:\n");
	printf("  %-4s %-20s %5s\n", "vm", "reason", "count");
	for (unsigned i = 0; i < NR_VMS; i++)
		for (unsigned r = 0; r < EXIT_REASON_MAX; r++)
			if (vms[i].vm.exits[r])
				printf("  %-4s %-20s %5u\n", vms[i].name,
				       vmx_exit_reason_name(r),
				       vms[i].vm.exits[r]);
}

static bool run_round_robin(void)
{
	unsigned left = NR_VMS;

	while (left) {
		for (unsigned i = 0; i < NR_VMS; i++) {
			struct demo_vm *d = &vms[i];
			int r;

			if (d->done)
				continue;
			vmptrld(d->vm.vmcs_pa);
			r = vmx_vm_run(&d->vm);
			if (r != VMX_SUCCEED ||
			    (d->vm.exit_reason & EXIT_REASON_ENTRY_FAILURE)) {
				printf("%s: VM entry failed: result %d error %u "
				       "exit reason 0x%x\n", d->name, r,
				       d->vm.last_error, d->vm.exit_reason);
				return false;
			}
			handle_exit(d);
			if (d->done)
				left--;
		}
	}
	return true;
}

int main(void)
{
	bool ok;
	int r;

	printf("vmxbox demo: this firmware is an L1 hypervisor\n");
	if (!vmx_supported()) {
		printf("CPUID.1:ECX.VMX = 0: VMX not available (--vmx=off?)\n");
		return 1;
	}
	r = vmx_enable();
	if (r != VMX_SUCCEED) {
		printf("VMXON failed (%d)\n", r);
		return 1;
	}
	printf("VMXON ok: VMCS revision 0x%x, CR4 0x%lx\n",
	       VMX_BASIC_REVISION(vmx_caps.basic), read_cr4());
	for (unsigned i = 0; i < NR_VMS; i++) {
		static const char *const names[NR_VMS] = { "vm1", "vm2", "vm3" };

		vms[i].name = names[i];
		if (!setups[i](&vms[i])) {
			printf("%s: required VMX control not available\n",
			       names[i]);
			return 1;
		}
		printf("%s: VMCS at 0x%lx: %s\n", names[i], vms[i].vm.vmcs_pa,
		       what[i]);
	}
	ok = run_round_robin();
	print_table();
	for (unsigned i = 0; i < NR_VMS; i++) {
		ok = ok && vms[i].ok;
		vmclear(vms[i].vm.vmcs_pa);
	}
	r = vmx_disable();
	printf("VMXOFF %s; demo %s\n", r == VMX_SUCCEED ? "ok" : "failed",
	       ok ? "passed" : "FAILED");
	return ok && r == VMX_SUCCEED ? 0 : 1;
}
