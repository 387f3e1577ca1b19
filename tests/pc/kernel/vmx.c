// SPDX-License-Identifier: MIT
/*
 * VMX for the PC test kernel (vmx.h): VMXON per CPU and a VMCS for a
 * 64-bit L2 that runs in the kernel's own address space (same CR3, GDT,
 * IDT), every control adjusted by its capability MSR (SDM Vol. 3C
 * Appendix A.3-A.5), the host and guest state of SDM 26.2 and 26.3.
 */
#include "smp.h"
#include "vmx.h"

#define MSR_FEATURE_CONTROL	0x3a
#define MSR_VMX_BASIC		0x480
#define MSR_VMX_PINBASED	0x481
#define MSR_VMX_PROCBASED	0x482
#define MSR_VMX_EXIT		0x483
#define MSR_VMX_ENTRY		0x484
#define MSR_VMX_CR0_FIXED0	0x486
#define MSR_VMX_CR0_FIXED1	0x487
#define MSR_VMX_CR4_FIXED0	0x488
#define MSR_VMX_CR4_FIXED1	0x489
#define MSR_VMX_PROCBASED2	0x48b
#define MSR_VMX_TRUE_PINBASED	0x48d	/* +1 proc, +2 exit, +3 entry */
#define CR4_VMXE		(1ull << 13)
#define EXIT_HOST_64		(1u << 9)
#define EXIT_ACK_INTR		(1u << 15)
#define ENTRY_IA32E_GUEST	(1u << 9)

extern char vmx_exit_point[];
int vmx_enter(uint64_t *regs, int resume);

/* ---- instructions (SDM 31.2: CF = VMfailInvalid, ZF = VMfailValid) ------- */

#define VMX_OUTCOME(insn, ...)						\
	uint8_t cf, zf;							\
	__asm__ volatile(insn "; setc %0; setz %1"			\
			 : "=qm"(cf), "=qm"(zf) : __VA_ARGS__ : "cc", "memory"); \
	return cf ? VMX_FAIL_INVALID : zf ? VMX_FAIL_VALID : VMX_OK

int vmxon_insn(uint64_t pa)
{
	VMX_OUTCOME("vmxon %2", "m"(pa));
}

int vmclear(uint64_t pa)
{
	VMX_OUTCOME("vmclear %2", "m"(pa));
}

int vmptrld(uint64_t pa)
{
	VMX_OUTCOME("vmptrld %2", "m"(pa));
}

int vmptrst(uint64_t *pa)
{
	VMX_OUTCOME("vmptrst %2", "m"(*pa));
}

int vmwrite(uint32_t field, uint64_t v)
{
	VMX_OUTCOME("vmwrite %2, %3", "rm"(v), "r"((uint64_t)field));
}

uint64_t vmread(uint32_t field)
{
	uint64_t v = 0;

	__asm__ volatile("vmread %1, %0" : "=rm"(v) : "r"((uint64_t)field) : "cc");
	return v;
}

int invept(uint64_t type, uint64_t eptp)
{
	struct { uint64_t eptp, zero; } d = { eptp, 0 };

	VMX_OUTCOME("invept %2, %3", "m"(d), "r"(type));
}

uint64_t vmx_rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return lo | (uint64_t)hi << 32;
}

static void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v),
			 "d"((uint32_t)(v >> 32)));
}

bool vmx_supported(void)
{
	uint32_t a = 1, b, c = 0, d;

	__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	return (c >> 5) & 1;
}

/* ---- VMXON ------------------------------------------------------------- */

int vmx_on(uint8_t *region)
{
	uint64_t fc = vmx_rdmsr(MSR_FEATURE_CONTROL), cr0, cr4;

	/* Lock bit with "VMXON outside SMX" (SDM 24.7); per processor. */
	if (!(fc & 1))
		wrmsr(MSR_FEATURE_CONTROL, fc | 1 | 4);
	__asm__ volatile("mov %%cr0, %0; mov %%cr4, %1" : "=r"(cr0), "=r"(cr4));
	cr0 = (cr0 | vmx_rdmsr(MSR_VMX_CR0_FIXED0)) & vmx_rdmsr(MSR_VMX_CR0_FIXED1);
	cr4 = (cr4 | CR4_VMXE | vmx_rdmsr(MSR_VMX_CR4_FIXED0)) &
	      vmx_rdmsr(MSR_VMX_CR4_FIXED1);
	__asm__ volatile("mov %0, %%cr0; mov %1, %%cr4" : : "r"(cr0), "r"(cr4));
	*(volatile uint32_t *)region = (uint32_t)vmx_rdmsr(MSR_VMX_BASIC) & 0x7fffffff;
	return vmxon_insn((uint64_t)(uintptr_t)region);
}

/* ---- the VMCS ------------------------------------------------------------ */

/* want | must-be-1, & may-be-1 (SDM A.3.1); the TRUE_ MSR when
 * IA32_VMX_BASIC[55] says it exists (true_off = offset from 0x48d). */
static uint32_t adjust(uint32_t msr, int true_off, uint32_t want)
{
	uint64_t cap;

	if (true_off >= 0 && (vmx_rdmsr(MSR_VMX_BASIC) >> 55) & 1)
		msr = MSR_VMX_TRUE_PINBASED + (uint32_t)true_off;
	cap = vmx_rdmsr(msr);
	return (want | (uint32_t)cap) & (uint32_t)(cap >> 32);
}

struct field_value {
	uint32_t field;
	uint64_t value;
};

static void write_all(const struct field_value *f, size_t n)
{
	for (size_t i = 0; i < n; i++)
		vmwrite(f[i].field, f[i].value);
}

static uint64_t idt_base(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) d;

	__asm__ volatile("sidt %0" : "=m"(d));
	return d.base;
}

void vmx_host_cpu(unsigned cpu)
{
	vmwrite(HOST_TR_BASE, (uint64_t)(uintptr_t)&smp_tss[cpu]);
	vmwrite(HOST_GDTR_BASE, (uint64_t)(uintptr_t)smp_gdt[cpu]);
}

/* Host state (SDM 26.2.2-26.2.4): this CPU's control registers and
 * descriptor tables; RSP is written by vmx_enter. */
static void write_host(unsigned cpu)
{
	uint64_t cr0, cr3, cr4;

	__asm__ volatile("mov %%cr0, %0; mov %%cr3, %1; mov %%cr4, %2"
			 : "=r"(cr0), "=r"(cr3), "=r"(cr4));
	const struct field_value f[] = {
		{ 0x6c00, cr0 }, { 0x6c02, cr3 }, { 0x6c04, cr4 },
		{ 0xc00, SEL_DATA }, { 0xc02, SEL_CODE }, { 0xc04, SEL_DATA },
		{ 0xc06, SEL_DATA }, { 0xc08, SEL_DATA }, { 0xc0a, SEL_DATA },
		{ 0xc0c, SEL_TSS },
		{ 0x6c06, 0 }, { 0x6c08, 0 }, { 0x6c0e, idt_base() },
		{ 0x4c00, 0 }, { 0x6c10, 0 }, { 0x6c12, 0 },
		{ 0x6c16, (uint64_t)(uintptr_t)vmx_exit_point },
	};

	write_all(f, sizeof(f) / sizeof(f[0]));
	vmx_host_cpu(cpu);
}

/* Guest state (SDM 26.3.1): a 64-bit L2 in the host's address space,
 * flat segments of the host's GDT, its own TSS. */
static void write_guest(unsigned cpu, void *rip, void *sp)
{
	static struct tss64 l2_tss;
	const struct field_value f[] = {
		{ 0x6800, vmread(0x6c00) }, { 0x6802, vmread(0x6c02) },
		{ 0x6804, vmread(0x6c04) },
		{ 0x800, SEL_DATA }, { 0x802, SEL_CODE }, { 0x804, SEL_DATA },
		{ 0x806, SEL_DATA }, { 0x808, SEL_DATA }, { 0x80a, SEL_DATA },
		{ 0x80c, 0 }, { 0x80e, SEL_TSS },
		{ 0x6806, 0 }, { 0x6808, 0 }, { 0x680a, 0 }, { 0x680c, 0 },
		{ 0x680e, 0 }, { 0x6810, 0 }, { 0x6812, 0 },
		{ 0x6814, (uint64_t)(uintptr_t)&l2_tss },
		{ 0x6816, (uint64_t)(uintptr_t)smp_gdt[cpu] },
		{ 0x6818, idt_base() },
		{ 0x4800, 0xffffffff }, { 0x4802, 0xffffffff }, { 0x4804, 0xffffffff },
		{ 0x4806, 0xffffffff }, { 0x4808, 0xffffffff }, { 0x480a, 0xffffffff },
		{ 0x480c, 0 }, { 0x480e, sizeof(l2_tss) - 1 },
		{ 0x4810, sizeof(smp_gdt[cpu]) - 1 }, { 0x4812, 64 * 16 - 1 },
		{ 0x4814, 0xc093 }, { 0x4816, 0xa09b }, { 0x4818, 0xc093 },
		{ 0x481a, 0xc093 }, { 0x481c, 0xc093 }, { 0x481e, 0xc093 },
		{ 0x4820, 0x10000 }, { 0x4822, 0x8b },
		{ 0x4824, 0 }, { 0x4826, 0 }, { 0x482a, 0 },
		{ 0x681a, 0x400 }, { GUEST_RSP, (uint64_t)(uintptr_t)sp },
		{ GUEST_RIP, (uint64_t)(uintptr_t)rip }, { GUEST_RFLAGS, 0x2 },
		{ 0x6822, 0 }, { 0x6824, 0 }, { 0x6826, 0 },
		{ 0x2800, ~0ull }, { 0x2802, 0 },
	};

	write_all(f, sizeof(f) / sizeof(f[0]));
}

int vmx_vm_init(struct l2 *vm, unsigned cpu, void *rip, void *sp,
		uint32_t pin, uint32_t proc2)
{
	uint64_t pa = (uint64_t)(uintptr_t)vm->vmcs;
	uint32_t proc = proc2 ? PROC_ACTIVATE_SECONDARY : 0;
	int r;

	/* Cleared first: an active VMCS would be written back over it. */
	vmclear(pa);
	for (unsigned i = 0; i < 4096; i++)
		vm->vmcs[i] = 0;
	*(volatile uint32_t *)vm->vmcs = (uint32_t)vmx_rdmsr(MSR_VMX_BASIC) & 0x7fffffff;
	r = vmclear(pa);
	if (r == VMX_OK)
		r = vmptrld(pa);
	if (r != VMX_OK)
		return r;
	const struct field_value c[] = {
		{ PIN_CONTROLS, adjust(MSR_VMX_PINBASED, 0, pin) },
		{ PROC_CONTROLS, adjust(MSR_VMX_PROCBASED, 1, proc) },
		{ 0x400c, adjust(MSR_VMX_EXIT, 2, EXIT_HOST_64 | EXIT_ACK_INTR) },
		{ 0x4012, adjust(MSR_VMX_ENTRY, 3, ENTRY_IA32E_GUEST) },
		{ 0x4004, 0 }, { 0x4006, 0 }, { 0x4008, 0 }, { 0x400a, 0 },
		{ 0x400e, 0 }, { 0x4010, 0 }, { 0x4014, 0 }, { 0x4016, 0 },
		{ 0x6000, 0 }, { 0x6002, 0 },
	};
	write_all(c, sizeof(c) / sizeof(c[0]));
	if (proc2)
		vmwrite(PROC2_CONTROLS, adjust(MSR_VMX_PROCBASED2, -1, proc2));
	write_host(cpu);
	write_guest(cpu, rip, sp);
	for (unsigned i = 0; i < R_NUM; i++)
		vm->regs[i] = 0;
	vm->launched = false;
	return VMX_OK;
}

int vmx_enter_as(struct l2 *vm, bool resume)
{
	int flags = vmx_enter(vm->regs, resume);

	if (flags)
		return flags & 1 ? VMX_FAIL_INVALID : VMX_FAIL_VALID;
	vm->launched = true;
	vm->exit_reason = (uint32_t)vmread(EXIT_REASON);
	vm->intr_info = (uint32_t)vmread(EXIT_INTR_INFO);
	return VMX_OK;
}

int vmx_run(struct l2 *vm)
{
	return vmx_enter_as(vm, vm->launched);
}

void vmx_skip_insn(void)
{
	vmwrite(GUEST_RIP, vmread(GUEST_RIP) + vmread(EXIT_INSN_LEN));
}
