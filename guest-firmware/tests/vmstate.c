// SPDX-License-Identifier: MIT
/*
 * Processor state across VM entries and VM exits, end to end:
 *   - VM entry loads the guest-state area (SDM 27.3.2): L2 reads back its
 *     control registers, DR7/DEBUGCTL ("load debug controls"), SYSENTER
 *     MSRs, PAT/EFER/PERF_GLOBAL_CTRL (their "load" controls), segment
 *     selectors and bases, GDTR/IDTR, RSP and RFLAGS;
 *   - VM exit saves the guest state (SDM 28.3): what L2 changed is in the
 *     VMCS, the conditional fields only under their "save" controls;
 *   - VM exit loads the host-state area (SDM 28.5): DR7 = 400H, DEBUGCTL
 *     cleared, SYSENTER MSRs, FS/GS bases, selectors (ES too), GDTR/IDTR
 *     limits 0FFFFH, RFLAGS = 2, PAT/EFER/PERF_GLOBAL_CTRL under their
 *     "load" controls, and L2's pending debug exceptions stay behind.
 */
#include "vmxtest.h"
#include "guest_asm.h"

#define MSR_PERF_GLOBAL_CTRL	0x38f
#define DEBUGCTL_LBR		1ull
#define DR7_FIXED		0x400ull
#define DR7_GE			(1ull << 9)
#define DR7_LE			(1ull << 8)
#define DR7_GD			(1ull << 13)
#define DR6_INIT		0xffff0ff0ull
#define DR6_BD			(1ull << 13)
#define DR6_BS			(1ull << 14)
#define AR_UNUSABLE		(1u << 16)
#define PAT_L1			0x0007040600070406ull
#define PAT_L2			0x0000000500070406ull
#define PAT_HOST		0x0007010600070106ull

/* What L2 saw right after VM entry (written by l2_probe). */
static volatile struct {
	uint64_t rflags, rsp, cr0, cr3, cr4, dr7, debugctl;
	uint64_t sysenter_cs, sysenter_esp, sysenter_eip, pat, efer, perf;
	uint64_t fs_base, gs_base;
	uint16_t es, ds, fs, gs, tr;
	struct desc_ptr gdtr, idtr;
} l2;

/* Values L2 writes before its VMCALL (l2_change). */
static volatile struct {
	uint64_t cr0, cr4, dr7, debugctl, sysenter_esp, pat, efer, fs_base;
	struct desc_ptr gdtr, idtr;
} chg;

static struct vmx_vm vm;
static uint64_t stack_top;
static uint64_t host_rflags;	/* RFLAGS at HOST_RIP (host_probe_stub) */

void l2_probe(void);
void l2_change(void);
void host_probe_stub(void);

/* L2 entry points: RFLAGS and RSP first, before any instruction
 * changes them; the rest in C; then VMCALL. */
asm(".text\n"
    ".globl g_state_probe\n"
    "g_state_probe:\n"
    "	pushfq\n"
    "	popq l2(%rip)\n"
    "	movq %rsp, l2+8(%rip)\n"
    "	call l2_probe\n"
    "	vmcall\n"
    "	hlt\n"
    ".globl g_state_change\n"
    "g_state_change:\n"
    "	call l2_change\n"
    ".globl g_state_change_vmcall\n"
    "g_state_change_vmcall:\n"
    "	vmcall\n"
    "	hlt\n"
    /* HOST_RIP for the host-state checks: RFLAGS as the exit left it. */
    ".globl host_probe_stub\n"
    "host_probe_stub:\n"
    "	pushfq\n"
    "	popq host_rflags(%rip)\n"
    "	jmp vmx_exit_stub\n");
extern void g_state_probe(void);
extern void g_state_change(void);
extern char g_state_change_vmcall[];

static uint64_t read_dr7(void)
{
	uint64_t v;

	asm volatile("mov %%dr7, %0" : "=r"(v));
	return v;
}

static void write_dr7(uint64_t v)
{
	asm volatile("mov %0, %%dr7" : : "r"(v));
}

static uint64_t read_dr6(void)
{
	uint64_t v;

	asm volatile("mov %%dr6, %0" : "=r"(v));
	return v;
}

static void write_dr6(uint64_t v)
{
	asm volatile("mov %0, %%dr6" : : "r"(v));
}

#define READ_SEG(s) ({ uint16_t _v; \
	asm volatile("mov %%" #s ", %0" : "=r"(_v)); _v; })

void l2_probe(void)
{
	l2.cr0 = read_cr0();
	l2.cr3 = read_cr3();
	l2.cr4 = read_cr4();
	l2.dr7 = read_dr7();
	l2.debugctl = rdmsr(MSR_IA32_DEBUGCTL);
	l2.sysenter_cs = rdmsr(MSR_IA32_SYSENTER_CS);
	l2.sysenter_esp = rdmsr(MSR_IA32_SYSENTER_ESP);
	l2.sysenter_eip = rdmsr(MSR_IA32_SYSENTER_EIP);
	l2.pat = rdmsr(MSR_IA32_PAT);
	l2.efer = rdmsr(MSR_EFER);
	l2.perf = rdmsr(MSR_PERF_GLOBAL_CTRL);
	l2.fs_base = rdmsr(MSR_FS_BASE);
	l2.gs_base = rdmsr(MSR_GS_BASE);
	l2.es = READ_SEG(es);
	l2.ds = READ_SEG(ds);
	l2.fs = READ_SEG(fs);
	l2.gs = READ_SEG(gs);
	l2.tr = str();
	sgdt((struct desc_ptr *)&l2.gdtr);
	sidt((struct desc_ptr *)&l2.idtr);
}

void l2_change(void)
{
	write_cr0(chg.cr0);
	write_cr4(chg.cr4);
	write_dr7(chg.dr7);
	wrmsr(MSR_IA32_DEBUGCTL, chg.debugctl);
	wrmsr(MSR_IA32_SYSENTER_ESP, chg.sysenter_esp);
	wrmsr(MSR_IA32_PAT, chg.pat);
	wrmsr(MSR_EFER, chg.efer);
	wrmsr(MSR_FS_BASE, chg.fs_base);
	asm volatile("mov %0, %%es" : : "r"(0));
	asm volatile("lgdt %0" : : "m"(chg.gdtr));
	asm volatile("lidt %0" : : "m"(chg.idtr));
}

static bool entry_ctl(uint32_t bit)
{
	return vmx_set_ctl(VM_ENTRY_CONTROLS, bit, 0);
}

static bool exit_ctl(uint32_t set, uint32_t clear)
{
	return vmx_set_ctl(VM_EXIT_CONTROLS, set, clear);
}

/* ---- 27.3.2: VM entry loads the guest state ---------------------------- */
static void test_guest_load(void)
{
	uint64_t *pml4 = page_alloc();
	struct desc_ptr gdtr, idtr;
	bool dbg, pat, perf;

	/* An equivalent copy of the page tables: a different CR3 value. */
	memcpy(pml4, (void *)(read_cr3() & ~0xfffull), PAGE_SIZE);
	sgdt(&gdtr);
	sidt(&idtr);
	vmx_vm_reset(&vm, g_state_probe, stack_top);
	dbg = entry_ctl(ENTRY_LOAD_DEBUG_CONTROLS);
	pat = entry_ctl(ENTRY_LOAD_IA32_PAT);
	perf = entry_ctl(ENTRY_LOAD_PERF_GLOBAL_CTRL);
	vmcs_write(GUEST_CR0, read_cr0() ^ CR0_AM);
	vmcs_write(GUEST_CR3, (uint64_t)pml4);
	vmcs_write(GUEST_CR4, read_cr4() ^ CR4_TSD);
	vmcs_write(GUEST_DR7, DR7_FIXED | DR7_LE);
	vmcs_write(GUEST_IA32_DEBUGCTL, DEBUGCTL_LBR);
	vmcs_write(GUEST_SYSENTER_CS, 0x10);
	vmcs_write(GUEST_SYSENTER_ESP, 0x123456789a0ull);
	vmcs_write(GUEST_SYSENTER_EIP, 0xfffff00012345000ull);
	vmcs_write(GUEST_IA32_PAT, PAT_L2);
	vmcs_write(GUEST_IA32_EFER, rdmsr(MSR_EFER) ^ EFER_SCE);
	vmcs_write(GUEST_IA32_PERF_GLOBAL_CTRL, 0x100000001ull);
	vmcs_write(GUEST_ES_SELECTOR, 0);
	vmcs_write(GUEST_ES_AR_BYTES, AR_UNUSABLE);
	vmcs_write(GUEST_FS_BASE, 0x7000);
	vmcs_write(GUEST_GS_BASE, 0xffff800000009000ull);
	vmcs_write(GUEST_GDTR_LIMIT, gdtr.limit - 8);
	vmcs_write(GUEST_IDTR_LIMIT, 0x2ff);
	vmcs_write(GUEST_RSP, stack_top - 64);
	vmcs_write(GUEST_RFLAGS, RFLAGS_FIXED | RFLAGS_CF | RFLAGS_ZF);
	if (!vm_run_expect(&vm, EXIT_REASON_VMCALL, "l2 probe runs"))
		return;
	expect_eq(l2.rflags, RFLAGS_FIXED | RFLAGS_CF | RFLAGS_ZF,
		  "entry loads rflags");
	expect_eq(l2.rsp, stack_top - 64, "entry loads rsp");
	expect_eq(l2.cr0, read_cr0() ^ CR0_AM, "entry loads cr0");
	expect_eq(l2.cr3, (uint64_t)pml4, "entry loads cr3");
	expect_eq(l2.cr4, read_cr4() ^ CR4_TSD, "entry loads cr4");
	if (dbg) {
		expect_eq(l2.dr7, DR7_FIXED | DR7_LE,
			  "load debug controls loads dr7");
		expect_eq(l2.debugctl, DEBUGCTL_LBR,
			  "load debug controls loads debugctl");
	}
	expect_eq(l2.sysenter_cs, 0x10, "entry loads sysenter_cs");
	expect_eq(l2.sysenter_esp, 0x123456789a0ull, "entry loads sysenter_esp");
	expect_eq(l2.sysenter_eip, 0xfffff00012345000ull,
		  "entry loads sysenter_eip");
	if (pat)
		expect_eq(l2.pat, PAT_L2, "load ia32_pat loads pat");
	expect_eq(l2.efer, rdmsr(MSR_EFER) ^ EFER_SCE,
		  "load ia32_efer loads efer");
	if (perf)
		expect_eq(l2.perf, 0x100000001ull,
			  "load perf_global_ctrl loads it");
	expect_eq(l2.es, 0, "entry loads a null es");
	expect_eq(l2.ds, SEL_DATA, "entry loads ds");
	expect_eq(l2.fs_base, 0x7000, "entry loads the fs base");
	expect_eq(l2.gs_base, 0xffff800000009000ull, "entry loads the gs base");
	expect_eq(l2.tr, SEL_TSS, "entry loads tr");
	expect_eq(l2.gdtr.limit, gdtr.limit - 8, "entry loads the gdtr limit");
	expect_eq(l2.gdtr.base, gdtr.base, "entry loads the gdtr base");
	expect_eq(l2.idtr.limit, 0x2ff, "entry loads the idtr limit");
	expect_eq(l2.idtr.base, idtr.base, "entry loads the idtr base");
	/* L1's own state came back with the exit (host-state area). */
	expect_eq(rdmsr(MSR_IA32_SYSENTER_ESP),
		  vmcs_read(HOST_IA32_SYSENTER_ESP), "l1 sysenter_esp back");
}

/* ---- 28.3: VM exit saves the guest state ------------------------------- */
/* Copies of the GDT and IDT at other addresses, for L2 to load. */
static void *gdt_copy, *idt_copy;

static void prep_change(void)
{
	struct desc_ptr gdtr, idtr;

	sgdt(&gdtr);
	sidt(&idtr);
	if (!gdt_copy) {
		gdt_copy = page_alloc();
		idt_copy = page_alloc();
		memcpy(gdt_copy, (void *)gdtr.base, gdtr.limit + 1);
		memcpy(idt_copy, (void *)idtr.base, PAGE_SIZE);
	}
	chg.gdtr.base = (uint64_t)gdt_copy;
	chg.gdtr.limit = gdtr.limit;
	chg.idtr.base = (uint64_t)idt_copy;
	chg.idtr.limit = 0x3ff;
	chg.cr0 = read_cr0() ^ CR0_AM;
	chg.cr4 = read_cr4() ^ CR4_TSD;
	chg.dr7 = DR7_FIXED | DR7_GE;
	chg.debugctl = DEBUGCTL_LBR;
	chg.sysenter_esp = 0xabcd000;
	chg.pat = PAT_L2;
	chg.efer = rdmsr(MSR_EFER) ^ EFER_SCE;
	chg.fs_base = 0x5000;
	vmx_vm_reset(&vm, g_state_change, stack_top);
	vmcs_write(GUEST_IA32_PAT, PAT_L1);
}

static void test_guest_save(void)
{
	uint64_t efer = rdmsr(MSR_EFER);

	/* With every save control. */
	prep_change();
	exit_ctl(EXIT_SAVE_DEBUG_CONTROLS | EXIT_SAVE_IA32_PAT |
		 EXIT_SAVE_IA32_EFER, 0);
	if (vm_run_expect(&vm, EXIT_REASON_VMCALL, "l2 changes its state")) {
		expect_eq(vmcs_read(GUEST_RIP), (uint64_t)g_state_change_vmcall,
			  "exit saves rip");
		expect_eq(vmcs_read(GUEST_RSP), stack_top,
			  "exit saves rsp");
		expect_eq(vmcs_read(GUEST_CR0), chg.cr0, "exit saves cr0");
		expect_eq(vmcs_read(GUEST_CR4), chg.cr4, "exit saves cr4");
		expect_eq(vmcs_read(GUEST_DR7), chg.dr7,
			  "save debug controls saves dr7");
		expect_eq(vmcs_read(GUEST_IA32_DEBUGCTL), chg.debugctl,
			  "save debug controls saves debugctl");
		expect_eq(vmcs_read(GUEST_SYSENTER_ESP), chg.sysenter_esp,
			  "exit saves sysenter_esp");
		expect_eq(vmcs_read(GUEST_IA32_PAT), chg.pat,
			  "save ia32_pat saves pat");
		expect_eq(vmcs_read(GUEST_IA32_EFER), chg.efer,
			  "save ia32_efer saves efer");
		expect_eq(vmcs_read(GUEST_FS_BASE), chg.fs_base,
			  "exit saves the fs base");
		expect_eq(vmcs_read(GUEST_ES_SELECTOR), 0,
			  "exit saves the null es selector");
		expect_eq(vmcs_read(GUEST_ES_AR_BYTES) & AR_UNUSABLE,
			  AR_UNUSABLE, "exit saves es as unusable");
		expect_eq(vmcs_read(GUEST_GDTR_BASE), chg.gdtr.base,
			  "exit saves the gdtr base");
		expect_eq(vmcs_read(GUEST_GDTR_LIMIT), chg.gdtr.limit,
			  "exit saves the gdtr limit");
		expect_eq(vmcs_read(GUEST_IDTR_BASE), chg.idtr.base,
			  "exit saves the idtr base");
		expect_eq(vmcs_read(GUEST_IDTR_LIMIT), chg.idtr.limit,
			  "exit saves the idtr limit");
	}
	/* Without them the fields keep what L1 wrote. */
	prep_change();
	exit_ctl(0, EXIT_SAVE_DEBUG_CONTROLS | EXIT_SAVE_IA32_PAT |
		 EXIT_SAVE_IA32_EFER);
	if (vm_run_expect(&vm, EXIT_REASON_VMCALL,
			  "l2 changes its state, no save controls")) {
		expect_eq(vmcs_read(GUEST_DR7), DR7_FIXED,
			  "no save debug controls: dr7 field kept");
		expect_eq(vmcs_read(GUEST_IA32_DEBUGCTL), 0,
			  "no save debug controls: debugctl field kept");
		expect_eq(vmcs_read(GUEST_IA32_PAT), PAT_L1,
			  "no save ia32_pat: pat field kept");
		expect_eq(vmcs_read(GUEST_IA32_EFER), efer,
			  "no save ia32_efer: efer field kept");
		expect_eq(vmcs_read(GUEST_SYSENTER_ESP), chg.sysenter_esp,
			  "sysenter_esp saved regardless");
	}
}

/* Exit control 30 (SDM 25.7.1, 28.3.1): "save IA32_PERF_GLOBAL_CTL"
 * stores the MSR L2 ran with (here L1's own: no load control) into the
 * guest field; without it the field keeps what L1 wrote. */
static void test_perf_global_save(void)
{
	uint64_t perf = rdmsr(MSR_PERF_GLOBAL_CTRL);

	expect_eq(vmx_caps.exit_ctl >> 32 & EXIT_SAVE_PERF_GLOBAL_CTRL,
		  EXIT_SAVE_PERF_GLOBAL_CTRL,
		  "save ia32_perf_global_ctl allowed-1");
	wrmsr(MSR_PERF_GLOBAL_CTRL, 0x100000002ull);
	vmx_vm_reset(&vm, g_vmcall, stack_top);
	vmcs_write(GUEST_IA32_PERF_GLOBAL_CTRL, 0x1);
	exit_ctl(EXIT_SAVE_PERF_GLOBAL_CTRL, 0);
	if (vm_run_expect(&vm, EXIT_REASON_VMCALL, "exit with the save control"))
		expect_eq(vmcs_read(GUEST_IA32_PERF_GLOBAL_CTRL), 0x100000002ull,
			  "save ia32_perf_global_ctl saves the msr");
	vmx_vm_reset(&vm, g_vmcall, stack_top);
	vmcs_write(GUEST_IA32_PERF_GLOBAL_CTRL, 0x1);
	if (vm_run_expect(&vm, EXIT_REASON_VMCALL, "exit without it"))
		expect_eq(vmcs_read(GUEST_IA32_PERF_GLOBAL_CTRL), 0x1,
			  "without the control the field keeps l1's value");
	wrmsr(MSR_PERF_GLOBAL_CTRL, perf);
}

/* ---- 28.5: VM exit loads the host state -------------------------------- */
static void test_host_load(void)
{
	uint64_t sysenter[3], fs_base, gs_base, pat, perf, rflags;
	struct desc_ptr gdtr, idtr, g2, i2;
	uint16_t es, ds;

	sgdt(&gdtr);
	sidt(&idtr);
	sysenter[0] = rdmsr(MSR_IA32_SYSENTER_CS);
	sysenter[1] = rdmsr(MSR_IA32_SYSENTER_ESP);
	sysenter[2] = rdmsr(MSR_IA32_SYSENTER_EIP);
	prep_change();
	exit_ctl(EXIT_LOAD_IA32_PAT | EXIT_LOAD_PERF_GLOBAL_CTRL, 0);
	vmcs_write(HOST_RIP, (uint64_t)host_probe_stub);
	/* L2 nulled ES: the exit must load it; DS the other way round. */
	vmcs_write(HOST_DS_SELECTOR, 0);
	vmcs_write(HOST_IA32_SYSENTER_CS, 0x08);
	vmcs_write(HOST_IA32_SYSENTER_ESP, 0x2222000);
	vmcs_write(HOST_IA32_SYSENTER_EIP, 0xffffff8000003000ull);
	vmcs_write(HOST_FS_BASE, 0x3000);
	vmcs_write(HOST_GS_BASE, 0xffff800000004000ull);
	vmcs_write(HOST_IA32_PAT, PAT_HOST);
	vmcs_write(HOST_IA32_PERF_GLOBAL_CTRL, 0x200000002ull);
	host_rflags = ~0ull;
	if (!vm_run_expect(&vm, EXIT_REASON_VMCALL, "host-state load run"))
		goto restore;
	/* Read everything before anything else changes it. */
	rflags = host_rflags;
	es = READ_SEG(es);
	ds = READ_SEG(ds);
	fs_base = rdmsr(MSR_FS_BASE);
	gs_base = rdmsr(MSR_GS_BASE);
	pat = rdmsr(MSR_IA32_PAT);
	perf = rdmsr(MSR_PERF_GLOBAL_CTRL);
	sgdt(&g2);
	sidt(&i2);
	expect_eq(rflags, RFLAGS_FIXED, "exit sets rflags to 2");
	expect_eq(read_dr7(), DR7_FIXED, "exit sets dr7 to 400h");
	expect_eq(rdmsr(MSR_IA32_DEBUGCTL), 0, "exit clears debugctl");
	expect_eq(rdmsr(MSR_IA32_SYSENTER_CS), 0x08, "exit loads sysenter_cs");
	expect_eq(rdmsr(MSR_IA32_SYSENTER_ESP), 0x2222000,
		  "exit loads sysenter_esp");
	expect_eq(rdmsr(MSR_IA32_SYSENTER_EIP), 0xffffff8000003000ull,
		  "exit loads sysenter_eip");
	expect_eq(es, SEL_DATA, "exit loads the host es selector");
	expect_eq(ds, 0, "exit loads a null host ds selector");
	expect_eq(fs_base, 0x3000, "exit loads the host fs base");
	expect_eq(gs_base, 0xffff800000004000ull, "exit loads the host gs base");
	expect_eq(g2.limit, 0xffff, "exit sets the gdtr limit to ffffh");
	expect_eq(g2.base, gdtr.base, "exit loads the gdtr base");
	expect_eq(i2.limit, 0xffff, "exit sets the idtr limit to ffffh");
	expect_eq(i2.base, idtr.base, "exit loads the idtr base");
	expect_eq(pat, PAT_HOST, "load ia32_pat on exit loads pat");
	expect_eq(perf, 0x200000002ull, "load perf_global_ctrl on exit");
	expect_eq(read_cr0(), vmcs_read(HOST_CR0), "exit loads cr0");
	expect_eq(read_cr4(), vmcs_read(HOST_CR4), "exit loads cr4");
	expect_eq(rdmsr(MSR_EFER), vmcs_read(HOST_IA32_EFER),
		  "load ia32_efer on exit loads efer");
restore:
	asm volatile("mov %0, %%es; mov %0, %%ds" : : "r"(SEL_DATA));
	wrmsr(MSR_FS_BASE, 0);
	wrmsr(MSR_GS_BASE, 0);
	wrmsr(MSR_IA32_SYSENTER_CS, sysenter[0]);
	wrmsr(MSR_IA32_SYSENTER_ESP, sysenter[1]);
	wrmsr(MSR_IA32_SYSENTER_EIP, sysenter[2]);
	wrmsr(MSR_IA32_PAT, PAT_L1);
	wrmsr(MSR_PERF_GLOBAL_CTRL, 0);
	asm volatile("lgdt %0" : : "m"(gdtr));
	asm volatile("lidt %0" : : "m"(idtr));
}

/* SDM 28.5.5 via 28.3.4: the pending debug exceptions an exit saved for
 * L2 (here BS, from an MTF exit that beat a single-step trap) are not
 * L1's: a #DB L1 takes later reports only its own cause in DR6. */
static volatile uint64_t l1_dr6;

static bool l1_db(struct trap_frame *f)
{
	l1_dr6 = read_dr6();
	return true;
}

static void test_host_pending_dbg(void)
{
	uint64_t v = 0;
	struct trap_info ti;

	vmx_vm_reset(&vm, g_nops, stack_top);
	vmcs_write(GUEST_RFLAGS, RFLAGS_FIXED | RFLAGS_TF);
	vmx_set_ctl(CPU_BASED_VM_EXEC_CONTROL, CPU_MONITOR_TRAP_FLAG, 0);
	if (!vm_run_expect(&vm, EXIT_REASON_MONITOR_TRAP_FLAG,
			   "mtf exit with a single-step trap pending"))
		return;
	expect_eq(vmcs_read(GUEST_PENDING_DBG_EXCEPTIONS), DR6_BS,
		  "l2's bs saved in the vmcs");
	/* General detect: the next MOV DR in L1 is a #DB with DR6.BD. */
	trap_set_handler(VEC_DB, l1_db);
	write_dr6(DR6_INIT);
	l1_dr6 = 0;
	write_dr7(DR7_FIXED | DR7_GD);
	asm volatile("mov %%dr7, %0" : "=r"(v));
	trap_set_handler(VEC_DB, NULL);
	(void)ti;
	expect_eq(l1_dr6 & (DR6_BD | DR6_BS), DR6_BD,
		  "l1 #db after the exit: bd, no bs of l2");
	write_dr7(DR7_FIXED);
	write_dr6(DR6_INIT);
}

int main(void)
{
	uint64_t pat = rdmsr(MSR_IA32_PAT);

	printf("vmxbox nested test: guest and host state\n");
	vmxtest_enable();
	stack_top = vmx_guest_stack();
	vm.vmcs = vmx_alloc_region();
	wrmsr(MSR_IA32_PAT, PAT_L1);
	test_section("guest-state load");
	test_guest_load();
	test_section("guest-state save");
	test_guest_save();
	test_section("host-state load");
	test_host_load();
	test_section("host pending debug exceptions");
	test_host_pending_dbg();
	test_section("save ia32_perf_global_ctl");
	test_perf_global_save();
	wrmsr(MSR_IA32_PAT, pat);
	vmclear(vm.vmcs_pa);
	vmx_disable();
	return test_summary();
}
