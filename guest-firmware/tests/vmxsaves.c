// SPDX-License-Identifier: MIT
/*
 * XSAVES/XRSTORS in L1 and L2 (SDM Vol. 1 13.11, 13.12; 25.6.2 Table 25-7
 * bit 20, 25.6.20, 26.3): L1 sees XSAVES in CPUID.(0DH,1):EAX[3] with no
 * supervisor state component (ECX = EDX = 0), IA32_XSS that takes only 0,
 * and runs XSAVES/XRSTORS in the compacted format.  In L2, "enable
 * XSAVES/XRSTORS" clear makes both #UD; set, they run and never exit: the
 * exit needs a bit set in EDX:EAX AND IA32_XSS AND the XSS-exiting bitmap,
 * and IA32_XSS is always 0 here, even with the bitmap all ones.
 */
#include "vmxtest.h"
#include "guest_asm.h"

#define MSR_IA32_XSS 0xda0
#define COMPACTED (1ULL << 63)

/* L2: XSAVES [RBX] then XRSTORS [RBX] with EDX:EAX = 3, then VMCALL. */
void g_xsaves(void), g_xsaves_insn(void), g_xrstors_insn(void);
__asm__(".text\n"
	".balign 16\n"
	"g_xsaves:\n"
	"	mov $3, %eax\n"
	"	xor %edx, %edx\n"
	"g_xsaves_insn:\n"
	"	xsaves64 (%rbx)\n"
	"g_xrstors_insn:\n"
	"	xrstors64 (%rbx)\n"
	"	vmcall\n"
	"	ud2\n");
/* L2: XRSTORS [RBX] alone. */
void g_xrstors(void);
__asm__(".text\n"
	".balign 16\n"
	"g_xrstors:\n"
	"	mov $3, %eax\n"
	"	xor %edx, %edx\n"
	"	xrstors64 (%rbx)\n"
	"	vmcall\n"
	"	ud2\n");

static void xsetbv(uint32_t xcr, uint64_t v)
{
	__asm__ volatile("xsetbv" : : "c"(xcr), "a"((uint32_t)v),
			 "d"((uint32_t)(v >> 32)));
}

static struct vmx_vm vm;
static uint64_t stack_top;
static uint8_t area[1024] __attribute__((aligned(64)));

static uint64_t hdr(unsigned off)
{
	return *(volatile uint64_t *)(area + off);
}

struct msr_op {
	uint32_t msr;
	uint64_t value;
};

static void wrmsr_fn(void *p)
{
	struct msr_op *o = p;

	wrmsr(o->msr, o->value);
}

static void xrstors_fn(void *p)
{
	__asm__ volatile("xrstors64 (%0)" : : "r"(p), "a"(3), "d"(0) : "memory");
}

static void xsaves_fn(void *p)
{
	__asm__ volatile("xsaves64 (%0)" : : "r"(p), "a"(3), "d"(0) : "memory");
}

/* #UD (CR4.OSXSAVE clear), #NM (CR0.TS), #GP(0) for an area that is not
 * 64-byte aligned. */
static void test_l1_faults(void)
{
	uint64_t cr0 = read_cr0(), cr4 = read_cr4();

	test_section("xsaves faults in l1");
	expect_eq(trap_try(xsaves_fn, area + 16, NULL), VEC_GP,
		  "xsaves to a 16-byte aligned area is #gp");
	expect_eq(trap_try(xrstors_fn, area + 32, NULL), VEC_GP,
		  "xrstors from a 32-byte aligned area is #gp");
	write_cr0(cr0 | CR0_TS);
	expect_eq(trap_try(xsaves_fn, area, NULL), VEC_NM,
		  "xsaves with cr0.ts is #nm");
	expect_eq(trap_try(xrstors_fn, area, NULL), VEC_NM,
		  "xrstors with cr0.ts is #nm");
	write_cr0(cr0);
	write_cr4(cr4 & ~CR4_OSXSAVE);
	expect_eq(trap_try(xsaves_fn, area, NULL), VEC_UD,
		  "xsaves without cr4.osxsave is #ud");
	expect_eq(trap_try(xrstors_fn, area, NULL), VEC_UD,
		  "xrstors without cr4.osxsave is #ud");
	write_cr4(cr4);
}

static void test_l1(void)
{
	struct msr_op o = { MSR_IA32_XSS, 0 };
	struct cpuid_regs r = cpuid(0xd, 1);

	test_section("xsaves in l1");
	expect_eq(r.eax >> 3 & 1, 1, "cpuid.(0dh,1):eax.xsaves");
	expect_eq(r.ecx | r.edx, 0, "cpuid.(0dh,1):ecx/edx: no supervisor state");
	expect_eq(rdmsr(MSR_IA32_XSS), 0, "ia32_xss reads 0");
	expect_eq(trap_try(wrmsr_fn, &o, NULL), -1, "ia32_xss takes 0");
	o.value = 1ULL << 8;
	expect_eq(trap_try(wrmsr_fn, &o, NULL), VEC_GP,
		  "ia32_xss bit 8 (no such component) is #gp");
	expect_eq(rdmsr(MSR_IA32_XSS), 0, "ia32_xss still 0");

	memset(area, 0xaa, sizeof(area));
	__asm__ volatile("xsaves64 (%0)" : : "r"(area), "a"(~0U), "d"(~0U)
			 : "memory");
	expect_eq(hdr(520), COMPACTED | 3,
		  "xsaves: xcomp_bv is bit 63 and xcr0, no xss bits");
	expect_eq(hdr(512) & ~3ULL, 0, "xsaves: xstate_bv within xcr0");
	expect_eq(hdr(528), 0xaaaaaaaaaaaaaaaaULL,
		  "xsaves: the rest of the header untouched");
	for (unsigned off = 528; off < 576; off += 8)
		*(uint64_t *)(area + off) = 0;
	expect_eq(trap_try(xrstors_fn, area, NULL), -1,
		  "xrstors of the xsaves area");
	*(uint64_t *)(area + 520) = 3;
	expect_eq(trap_try(xrstors_fn, area, NULL), VEC_GP,
		  "xrstors of the standard form is #gp");
}

static void reset(void (*guest)(void), bool enable)
{
	vmx_vm_reset(&vm, guest, stack_top);
	vmcs_write(GUEST_CR4, vmcs_read(GUEST_CR4) | CR4_OSXSAVE);
	vmcs_write(EXCEPTION_BITMAP, 1U << VEC_UD | 1U << VEC_GP);
	if (enable)
		vmx_set_ctl(SECONDARY_VM_EXEC_CONTROL, SEC_ENABLE_XSAVES, 0);
	memset(area, 0, sizeof(area));
	*(uint64_t *)(area + 520) = COMPACTED | 3;
	vm.regs.rbx = (uint64_t)area;
}

static void expect_exception(uint8_t vec, bool err, uint64_t rip,
			     const char *name)
{
	if (!vm_run_expect(&vm, EXIT_REASON_EXCEPTION_NMI, name))
		return;
	expect_eq(vm.exit_intr_info, INTR_INFO(vec, INTR_TYPE_HW_EXCEPTION, err),
		  "%s: intr info", name);
	expect_eq(vmcs_read(GUEST_RIP), rip, "%s: guest rip", name);
}

static void test_l2(void)
{
	uint64_t v = 0;

	test_section("enable xsaves/xrstors clear");
	expect_eq(vmx_ctl_allowed1(vmx_caps.proc2, SEC_ENABLE_XSAVES), 1,
		  "enable xsaves/xrstors allowed-1");
	reset(g_xsaves, false);
	expect_exception(VEC_UD, false, (uint64_t)g_xsaves_insn,
			 "xsaves in l2 is #ud");
	reset(g_xrstors, false);
	expect_exception(VEC_UD, false, (uint64_t)g_xrstors + 7,
			 "xrstors in l2 is #ud");

	test_section("enable xsaves/xrstors set");
	expect_vmx(vmwrite(XSS_EXIT_BITMAP, ~0ULL), VMX_SUCCEED, 0,
		   "vmwrite xss-exiting bitmap");
	expect_vmx(vmread(XSS_EXIT_BITMAP, &v), VMX_SUCCEED, 0,
		   "vmread xss-exiting bitmap");
	expect_eq(v, ~0ULL, "xss-exiting bitmap round trip");
	reset(g_xsaves, true);
	vmcs_write(XSS_EXIT_BITMAP, ~0ULL);
	if (vm_run_expect(&vm, EXIT_REASON_VMCALL,
			  "bitmap all ones, ia32_xss 0: no exit")) {
		expect_eq(vm.exits[EXIT_REASON_XSAVES] +
			  vm.exits[EXIT_REASON_XRSTORS], 0,
			  "no xsaves/xrstors exit");
		expect_eq(hdr(520), COMPACTED | 3, "l2's xsaves wrote xcomp_bv");
	}
	reset(g_xrstors, true);
	*(uint64_t *)(area + 520) = 3;
	expect_exception(VEC_GP, true, (uint64_t)g_xrstors + 7,
			 "l2 xrstors of the standard form is #gp");

	test_section("xsaves at cpl 3 in l2");
	reset(g_xsaves, true);
	vmcs_write(GUEST_CR3, paging_user_tables());
	vmcs_write(GUEST_CS_SELECTOR, 0x2b);
	vmcs_write(GUEST_CS_AR_BYTES, 0xa0fb);	/* 64-bit code, DPL 3 */
	vmcs_write(GUEST_SS_SELECTOR, 0x33);
	vmcs_write(GUEST_SS_AR_BYTES, 0xc0f3);	/* data, DPL 3 */
	expect_exception(VEC_GP, true, (uint64_t)g_xsaves_insn,
			 "xsaves at cpl 3 is #gp(0)");
	expect_eq(vm.exit_intr_error, 0, "xsaves at cpl 3: error code 0");
}

int main(void)
{
	printf("vmxbox nested test: xsaves/xrstors\n");
	write_cr4(read_cr4() | CR4_OSXSAVE);
	xsetbv(0, 3);
	test_l1();
	test_l1_faults();
	vmxtest_enable();
	vm.vmcs = vmx_alloc_region();
	stack_top = vmx_guest_stack();
	test_l2();
	vmclear(vm.vmcs_pa);
	vmx_disable();
	return test_summary();
}
