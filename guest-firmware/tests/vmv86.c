// SPDX-License-Identifier: MIT
/*
 * An L2 in virtual-8086 mode (SDM Vol. 3A ch. 20; VM entry with RFLAGS.VM
 * = 1 and the segment rules of 27.3.1.2), the way a hypervisor without
 * unrestricted guest runs real-mode code: a 32-bit protected-mode L2
 * kernel (32-bit paging, 4-MiB pages; own GDT, IDT and TSS with an I/O
 * permission bitmap and an interrupt redirection bitmap) and an 8086
 * program at V86_CS:0.  L1 checks that
 *  - INT n, an injected external interrupt and a #GP go through L2's IDT
 *    to its ring-0 handlers with the virtual-8086 frame (EIP CS EFLAGS ESP
 *    SS ES DS FS GS on the TSS ring-0 stack, data segments nulled), and
 *    IRETD returns to virtual-8086 mode;
 *  - OUT exits per L1's I/O bitmap (exit 30, qualification), the TSS I/O
 *    bitmap's #GP comes before that exit (SDM 26.1.1) and is intercepted
 *    through L1's exception bitmap (exit 0);
 *  - with CR4.VME and IOPL 0, CLI/STI/PUSHF work on VIF, INT n with a
 *    clear redirection bit goes to the 8086 program's own handler, and
 *    with a set bit it is #GP;
 *  - VM entry checks the virtual-8086 segment rule (exit 33).
 */
#include "vmxtest.h"
#include "guest_asm.h"

#define RFLAGS_IOPL3	(3ULL << 12)
#define RFLAGS_RF	(1ULL << 16)
#define RFLAGS_VM	(1ULL << 17)
#define RFLAGS_VIF	(1ULL << 19)

#define L2_CS	0x08
#define L2_DS	0x10
#define L2_TR		0x18

/* The 8086 program: code at V86_CS:0, stack V86_SS:V86_SP. */
#define V86_CS		0x9000
#define V86_SS		0x8000
#define V86_SP		0xff00
#define V86_ES		0x1000
#define V86_DS		0x2000
#define V86_FS		0x3000
#define V86_GS		0x4000

/* The TSS: redirection bitmap at 0x68, I/O bitmap at 0x88, one byte of
 * all ones after it (SDM 20.3.3.5, 19.5.2). */
#define IOMAP_BASE	0x88
#define TSS_SIZE	(IOMAP_BASE + 8192 + 1)

extern char v86_h_int[], v86_h_ext[], v86_h_gp[];
extern char v86_prog[], v86_prog_end[];
extern char v86_int[], v86_int_next[], v86_out[], v86_out_next[];
extern char v86_in81[], v86_out2[], v86_done[];
extern char v86_vme[], v86_int10[], v86_int10_next[], v86_vme_report[];
extern char v86_int21[], v86_vme_done[], v86_isr10[], v86_vmxon[];

static struct vmx_vm vm;
static uint8_t tss[TSS_SIZE] __attribute__((aligned(16)));
static uint64_t *gdt, *idt;
static uint32_t *pd, *pt, *ivt;
static uint8_t *io_a, *io_b;
static uint64_t esp0;

/* Offset of a program label from the start of the program. */
static uint64_t off(const char *label)
{
	return (uint64_t)(label - v86_prog);
}

static uint64_t gate32(const char *handler)
{
	uint64_t h = (uint64_t)handler;

	/* 32-bit interrupt gate, DPL 3 (INT n from CPL 3 may use it). */
	return (h & 0xffff) | ((uint64_t)L2_CS << 16) | (0xeeULL << 40) |
	       ((h >> 16) << 48);
}

static void set_tss_u32(unsigned o, uint32_t v)
{
	memcpy(&tss[o], &v, 4);
}

/*
 * L2's tables, once: a GDT (flat ring-0 code and data, the TSS), an IDT
 * (INT 0x21, external vector 0x30, #GP), 32-bit paging identity-mapping
 * 4 GiB except linear page 0, which holds the 8086 program's interrupt
 * table; the TSS (ring-0 stack, port 0x81 denied, redirection bit 0x21
 * set); the program at V86_CS:0.
 */
static void setup_tables(void)
{
	uint64_t t = (uint64_t)tss;

	gdt = page_alloc();
	gdt[1] = 0x00cf9b000000ffffULL;
	gdt[2] = 0x00cf93000000ffffULL;
	gdt[3] = (TSS_SIZE - 1) | ((t & 0xffffff) << 16) | (0x8bULL << 40) |
		 ((t >> 24) << 56);
	idt = page_alloc();
	idt[0x21] = gate32(v86_h_int);
	idt[0x30] = gate32(v86_h_ext);
	idt[13] = gate32(v86_h_gp);
	pd = page_alloc();
	pt = page_alloc();
	ivt = page_alloc();
	for (unsigned i = 0; i < 1024; i++) {
		pd[i] = (i << 22) | PTE_P | PTE_W | PTE_U | PTE_PS;
		pt[i] = (i << 12) | PTE_P | PTE_W | PTE_U;
	}
	pd[0] = (uint32_t)(uint64_t)pt | PTE_P | PTE_W | PTE_U;
	pt[0] = (uint32_t)(uint64_t)ivt | PTE_P | PTE_W | PTE_U;
	ivt[0x10] = (V86_CS << 16) | (uint32_t)off(v86_isr10);
	esp0 = vmx_guest_stack();
	set_tss_u32(4, (uint32_t)esp0);
	set_tss_u32(8, L2_DS);
	tss[0x66] = IOMAP_BASE;
	tss[IOMAP_BASE + 0x81 / 8] = 1u << (0x81 & 7);
	tss[IOMAP_BASE - 32 + 0x21 / 8] = 1u << (0x21 & 7);
	tss[TSS_SIZE - 1] = 0xff;
	memcpy((void *)(V86_CS * 16ULL), v86_prog,
	       (size_t)(v86_prog_end - v86_prog));
	/* L1's I/O bitmap A: ports 0x80 and 0x81 exit. */
	io_a = page_alloc();
	io_a[0x80 / 8] = 3;
	io_b = page_alloc();
}

static void v86_segment(unsigned i, uint16_t sel)
{
	/* Selector, limit, AR, base encodings step by 2 (Appendix B). */
	vmcs_write(GUEST_ES_SELECTOR + 2 * i, sel);
	vmcs_write(GUEST_ES_LIMIT + 2 * i, 0xffff);
	vmcs_write(GUEST_ES_AR_BYTES + 2 * i, 0xf3);
	vmcs_write(GUEST_ES_BASE + 2 * i, sel * 16ULL);
}

/* A fresh VMCS with the L2 at V86_CS:ip in virtual-8086 mode. */
static void reset(const char *ip, uint64_t rflags, uint64_t cr4)
{
	static const uint16_t sel[6] = { V86_ES, V86_CS, V86_SS, V86_DS,
					 V86_FS, V86_GS };

	vmx_vm_reset(&vm, NULL, 0);
	vmx_set_ctl(VM_ENTRY_CONTROLS, 0, ENTRY_IA32E_MODE_GUEST);
	vmx_set_ctl(CPU_BASED_VM_EXEC_CONTROL, CPU_USE_IO_BITMAPS, 0);
	vmcs_write(IO_BITMAP_A, (uint64_t)io_a);
	vmcs_write(IO_BITMAP_B, (uint64_t)io_b);
	vmcs_write(GUEST_IA32_EFER, 0);
	vmcs_write(GUEST_CR0, vmx_fix_cr0(CR0_PE | CR0_ET | CR0_NE | CR0_PG));
	vmcs_write(GUEST_CR3, (uint64_t)pd);
	vmcs_write(GUEST_CR4, vmx_fix_cr4(CR4_PSE | cr4));
	for (unsigned i = 0; i < 6; i++)
		v86_segment(i, sel[i]);
	vmcs_write(GUEST_FS_BASE, V86_FS * 16ULL);
	vmcs_write(GUEST_GS_BASE, V86_GS * 16ULL);
	vmcs_write(GUEST_TR_SELECTOR, L2_TR);
	vmcs_write(GUEST_TR_BASE, (uint64_t)tss);
	vmcs_write(GUEST_TR_LIMIT, TSS_SIZE - 1);
	vmcs_write(GUEST_TR_AR_BYTES, 0x8b);
	vmcs_write(GUEST_GDTR_BASE, (uint64_t)gdt);
	vmcs_write(GUEST_GDTR_LIMIT, 4 * 8 - 1);
	vmcs_write(GUEST_IDTR_BASE, (uint64_t)idt);
	vmcs_write(GUEST_IDTR_LIMIT, 256 * 8 - 1);
	vmcs_write(GUEST_RFLAGS, RFLAGS_FIXED | RFLAGS_VM | rflags);
	vmcs_write(GUEST_RIP, off(ip));
	vmcs_write(GUEST_RSP, V86_SP);
}

/* At an exit in L2's handler: the ring-0 frame of an event from
 * virtual-8086 mode (SDM 20.3.1.1, Figure 20-3): [error code] EIP CS
 * EFLAGS ESP SS ES DS FS GS; CPL 0, VM clear, data segments null. */
static void expect_frame(const char *what, unsigned vector, bool err,
			 uint64_t eip, uint64_t eflags)
{
	static const uint64_t sels[] = { GUEST_ES_AR_BYTES, GUEST_DS_AR_BYTES,
					 GUEST_FS_AR_BYTES, GUEST_GS_AR_BYTES };
	uint64_t rsp = vmcs_read(GUEST_RSP);
	const uint32_t *f = (const uint32_t *)rsp + (err ? 1 : 0);
	const uint32_t want[9] = { (uint32_t)eip, V86_CS, (uint32_t)eflags,
				   V86_SP, V86_SS, V86_ES, V86_DS, V86_FS,
				   V86_GS };
	bool same = true;

	expect_eq(vm.regs.rax & 0xff, vector, "%s: handler of vector 0x%x",
		  what, vector);
	expect_eq(rsp, esp0 - 36 - (err ? 4 : 0),
		  "%s: ring-0 stack from the tss", what);
	expect_eq(vmcs_read(GUEST_CS_SELECTOR), L2_CS, "%s: ring-0 cs", what);
	expect_eq(vmcs_read(GUEST_RFLAGS) & RFLAGS_VM, 0, "%s: vm clear", what);
	if (err)
		expect_eq(*(const uint32_t *)rsp, 0, "%s: error code 0", what);
	for (unsigned i = 0; i < 9; i++)
		if (f[i] != want[i]) {
			printf("FAIL %s: frame dword %u: got 0x%x expected 0x%x\n",
			       what, i, f[i], want[i]);
			same = false;
		}
	report(same, "%s: virtual-8086 frame", what);
	for (unsigned i = 0; i < 4; i++)
		same = same && (vmcs_read(sels[i]) & 0x10000) &&
		       vmcs_read(sels[i] - GUEST_ES_AR_BYTES +
				 GUEST_ES_SELECTOR) == 0;
	report(same, "%s: es ds fs gs null", what);
}

/* At an exit from virtual-8086 mode: IP, the segment state of 27.3.1.2
 * kept through the round trip, RFLAGS. */
static void expect_in_v86(const char *what, const char *ip, uint64_t rflags)
{
	expect_eq(vmcs_read(GUEST_RIP), off(ip), "%s: guest rip", what);
	expect_eq(vmcs_read(GUEST_RFLAGS), RFLAGS_FIXED | RFLAGS_VM | rflags,
		  "%s: guest rflags", what);
	expect_eq(vmcs_read(GUEST_CS_SELECTOR), V86_CS, "%s: cs", what);
	expect_eq(vmcs_read(GUEST_CS_AR_BYTES), 0xf3, "%s: cs ar", what);
	expect_eq(vmcs_read(GUEST_DS_BASE), V86_DS * 16, "%s: ds base", what);
	expect_eq(vmcs_read(GUEST_SS_LIMIT), 0xffff, "%s: ss limit", what);
}

static void resume_after(const char *what, uint32_t reason)
{
	vmx_skip_insn();
	vm_run_expect(&vm, reason, what);
}

static void test_iopl3(void)
{
	uint64_t fl = RFLAGS_IOPL3 | RFLAGS_IF;

	test_section("virtual-8086 l2, iopl 3");
	reset(v86_int, fl, 0);
	if (!vm_run_expect(&vm, EXIT_REASON_VMCALL, "int 0x21 reaches the "
			   "ring-0 handler"))
		return;
	expect_frame("int 0x21", 0x21, false, off(v86_int_next),
		     RFLAGS_FIXED | RFLAGS_VM | fl);
	resume_after("out 0x80 exits by l1's i/o bitmap",
		     EXIT_REASON_IO_INSTRUCTION);
	expect_eq(vm.exit_qual, (0x80ULL << 16) | EXITQ_IO_IMM,
		  "out 0x80: qualification");
	expect_eq(vm.exit_insn_len, 2, "out 0x80: instruction length");
	expect_eq(vm.regs.rax & 0xff, 0x5a, "out 0x80: al");
	expect_in_v86("out 0x80 after iretd", v86_out, fl);
	expect_eq(vmcs_read(GUEST_RSP), V86_SP, "out 0x80: sp");

	/* An external interrupt injected into virtual-8086 mode. */
	vmcs_write(VM_ENTRY_INTR_INFO, INTR_INFO(0x30, INTR_TYPE_EXT_INTR, 0));
	resume_after("injected vector 0x30 reaches the ring-0 handler",
		     EXIT_REASON_VMCALL);
	expect_frame("injected 0x30", 0x30, false, off(v86_out_next),
		     RFLAGS_FIXED | RFLAGS_VM | fl);

	/* IN 0x81: denied by the TSS bitmap; the #GP beats L1's I/O bitmap
	 * and exits by L1's exception bitmap. */
	vmcs_write(EXCEPTION_BITMAP, 1u << 13);
	resume_after("in 0x81: #gp exits by the exception bitmap",
		     EXIT_REASON_EXCEPTION_NMI);
	expect_eq(vm.exit_intr_info, INTR_INFO(13, INTR_TYPE_HW_EXCEPTION, 1),
		  "in 0x81: #gp interruption info");
	expect_eq(vm.exit_intr_error, 0, "in 0x81: error code");
	/* RF saved as a fault's RFLAGS image has it (SDM 28.3.3) */
	expect_in_v86("in 0x81", v86_in81, fl | RFLAGS_RF);
	expect_eq(vm.exits[EXIT_REASON_IO_INSTRUCTION], 1,
		  "in 0x81: no i/o exit");
	vmcs_write(EXCEPTION_BITMAP, 0);
	if (!vm_run_expect(&vm, EXIT_REASON_VMCALL, "in 0x81: #gp reaches "
			   "the ring-0 handler"))
		return;
	expect_frame("#gp", 13, true, off(v86_in81),
		     RFLAGS_FIXED | RFLAGS_VM | RFLAGS_RF | fl);
	resume_after("in 0x82 allowed, out 0x80 exits",
		     EXIT_REASON_IO_INSTRUCTION);
	expect_in_v86("out 0x80 after in 0x82", v86_out2, fl);
	resume_after("vmcall in virtual-8086 mode exits", EXIT_REASON_VMCALL);
	expect_in_v86("vmcall", v86_done, fl);
}

/* SDM 31.3 VMXON: "IF (register operand) or (CR0.PE = 0) or (CR4.VMXE =
 * 0) or (RFLAGS.VM = 1) ... THEN #UD" comes before "ELSIF in VMX non-root
 * operation THEN VM exit": in virtual-8086 mode VMXON is #UD, which L1's
 * exception bitmap turns into exit 0, not exit 27. */
static void test_vmxon(void)
{
	test_section("vmxon in virtual-8086 mode");
	reset(v86_vmxon, RFLAGS_IOPL3, 0);
	vmcs_write(EXCEPTION_BITMAP, 1u << VEC_UD);
	if (!vm_run_expect(&vm, EXIT_REASON_EXCEPTION_NMI,
			   "vmxon with rflags.vm = 1 is #UD, no vmxon exit"))
		return;
	expect_eq(vm.exit_intr_info, INTR_INFO(VEC_UD, INTR_TYPE_HW_EXCEPTION,
					       0), "vmxon in v86: #ud");
	/* a fault: RF set in the saved RFLAGS (28.3.3) */
	expect_in_v86("vmxon in v86", v86_vmxon, RFLAGS_IOPL3 | RFLAGS_RF);
}

static void test_vme(void)
{
	uint64_t sp = V86_SS * 16ULL + V86_SP;
	const uint16_t *stk = (const uint16_t *)(sp - 6);

	test_section("virtual-8086 l2, cr4.vme, iopl 0");
	reset(v86_vme, RFLAGS_IF | RFLAGS_VIF, CR4_VME);
	if (!vm_run_expect(&vm, EXIT_REASON_VMCALL, "int 0x10 redirected to "
			   "the program's handler"))
		return;
	expect_in_v86("int 0x10 redirected", v86_isr10, RFLAGS_IF);
	expect_eq(vmcs_read(GUEST_RSP), V86_SP - 6, "int 0x10: sp");
	expect_eq(stk[0], off(v86_int10_next), "int 0x10: ip pushed");
	expect_eq(stk[1], V86_CS, "int 0x10: cs pushed");
	expect_eq(stk[2], RFLAGS_FIXED | RFLAGS_IOPL3,
		  "int 0x10: flags image iopl 3, if = vif (0)");
	resume_after("iret, sti, pushf", EXIT_REASON_VMCALL);
	expect_in_v86("sti with vme", v86_vme_report, RFLAGS_IF | RFLAGS_VIF);
	expect_eq(vm.regs.rax & 0xffff, RFLAGS_FIXED | RFLAGS_IOPL3 | RFLAGS_IF,
		  "pushf with vme: iopl 3, if = vif");
	resume_after("int 0x21 with its redirection bit set: #gp",
		     EXIT_REASON_VMCALL);
	expect_frame("int 0x21 with vme", 13, true, off(v86_int21),
		     RFLAGS_FIXED | RFLAGS_VM | RFLAGS_RF | RFLAGS_IF |
		     RFLAGS_VIF);
	resume_after("iretd back to the vme program", EXIT_REASON_VMCALL);
	expect_in_v86("after #gp", v86_vme_done, RFLAGS_IF | RFLAGS_VIF);
	expect_eq(vmcs_read(GUEST_CR4) & CR4_VME, CR4_VME, "cr4.vme kept");
}

/* 27.3.1.2: with RFLAGS.VM = 1 each segment needs base = selector * 16,
 * limit 0xffff and AR 0xf3. */
static void test_entry_check(void)
{
	test_section("virtual-8086 guest state checks");
	reset(v86_int, RFLAGS_IOPL3, 0);
	vmcs_write(GUEST_CS_AR_BYTES, 0xfb);
	vm_run_expect(&vm, EXIT_REASON_ENTRY_FAILURE |
		      EXIT_REASON_INVALID_GUEST_STATE, "cs ar 0xfb: entry fails");
	reset(v86_int, RFLAGS_IOPL3, 0);
	vmcs_write(GUEST_DS_BASE, V86_DS * 16 + 1);
	vm_run_expect(&vm, EXIT_REASON_ENTRY_FAILURE |
		      EXIT_REASON_INVALID_GUEST_STATE,
		      "ds base not selector * 16: entry fails");
}

int main(void)
{
	printf("vmxbox nested test: virtual-8086 mode l2\n");
	vmxtest_enable();
	vm.vmcs = vmx_alloc_region();
	setup_tables();
	test_iopl3();
	test_vme();
	test_vmxon();
	test_entry_check();
	vmclear(vm.vmcs_pa);
	vmx_disable();
	return test_summary();
}
