// SPDX-License-Identifier: MIT
/* VMX library: capabilities, VMXON, VMCS set-up, VM runs, EPT, bitmaps. */
#include "fw.h"
#include "vmx.h"

const struct vmcs_field_desc vmcs_field_table[] = {
#define VMCS_FIELD_DESC(name, enc) { #name, enc },
	VMCS_FIELDS(VMCS_FIELD_DESC)
#undef VMCS_FIELD_DESC
};
const unsigned vmcs_field_count = ARRAY_SIZE(vmcs_field_table);

const char *vmcs_field_name(uint32_t encoding)
{
	for (unsigned i = 0; i < vmcs_field_count; i++)
		if (vmcs_field_table[i].encoding == encoding)
			return vmcs_field_table[i].name;
	return "?";
}

static const char *const exit_names[EXIT_REASON_MAX] = {
#define VMX_EXIT_REASON_NAME(name, nr, text) [EXIT_REASON_##name] = text,
	VMX_EXIT_REASONS(VMX_EXIT_REASON_NAME)
#undef VMX_EXIT_REASON_NAME
};

const char *vmx_exit_reason_name(uint32_t basic_reason)
{
	if (basic_reason < EXIT_REASON_MAX && exit_names[basic_reason])
		return exit_names[basic_reason];
	return "unknown";
}

uint32_t vmx_insn_error(void)
{
	uint64_t v = 0;

	vmread(VM_INSTRUCTION_ERROR, &v);
	return (uint32_t)v;
}

uint64_t vmcs_read(uint64_t field)
{
	uint64_t v = 0;

	vmread(field, &v);
	return v;
}

void vmcs_write(uint64_t field, uint64_t value)
{
	int r = vmwrite(field, value);

	if (r != VMX_SUCCEED)
		test_skip_fail("vmwrite %s (0x%lx) = 0x%lx: result %d error %u",
			       vmcs_field_name((uint32_t)field), field, value, r,
			       r == VMX_FAIL_VALID ? vmx_insn_error() : 0);
}

/* ---- capabilities ------------------------------------------------------ */
struct vmx_caps vmx_caps;

bool vmx_supported(void)
{
	return cpuid(1, 0).ecx & (1U << 5);
}

void vmx_read_caps(struct vmx_caps *c)
{
	memset(c, 0, sizeof(*c));
	c->basic = rdmsr(MSR_IA32_VMX_BASIC);
	c->pin = rdmsr(MSR_IA32_VMX_PINBASED_CTLS);
	c->proc = rdmsr(MSR_IA32_VMX_PROCBASED_CTLS);
	c->exit = rdmsr(MSR_IA32_VMX_EXIT_CTLS);
	c->entry = rdmsr(MSR_IA32_VMX_ENTRY_CTLS);
	c->misc = rdmsr(MSR_IA32_VMX_MISC);
	c->cr0_fixed0 = rdmsr(MSR_IA32_VMX_CR0_FIXED0);
	c->cr0_fixed1 = rdmsr(MSR_IA32_VMX_CR0_FIXED1);
	c->cr4_fixed0 = rdmsr(MSR_IA32_VMX_CR4_FIXED0);
	c->cr4_fixed1 = rdmsr(MSR_IA32_VMX_CR4_FIXED1);
	c->vmcs_enum = rdmsr(MSR_IA32_VMX_VMCS_ENUM);
	/* PROCBASED_CTLS2 exists only if "activate secondary controls" can
	 * be 1; EPT_VPID_CAP only if EPT or VPID can be 1 (A.3.3, A.10). */
	if (vmx_ctl_allowed1(c->proc, CPU_ACTIVATE_SECONDARY)) {
		c->proc2 = rdmsr(MSR_IA32_VMX_PROCBASED_CTLS2);
		if (vmx_ctl_allowed1(c->proc2, SEC_ENABLE_EPT) ||
		    vmx_ctl_allowed1(c->proc2, SEC_ENABLE_VPID))
			c->ept_vpid = rdmsr(MSR_IA32_VMX_EPT_VPID_CAP);
		if (vmx_ctl_allowed1(c->proc2, SEC_ENABLE_VMFUNC))
			c->vmfunc = rdmsr(MSR_IA32_VMX_VMFUNC);
	}
	if (c->basic & VMX_BASIC_TRUE_CTLS) {
		c->pin_ctl = rdmsr(MSR_IA32_VMX_TRUE_PINBASED_CTLS);
		c->proc_ctl = rdmsr(MSR_IA32_VMX_TRUE_PROCBASED_CTLS);
		c->exit_ctl = rdmsr(MSR_IA32_VMX_TRUE_EXIT_CTLS);
		c->entry_ctl = rdmsr(MSR_IA32_VMX_TRUE_ENTRY_CTLS);
	} else {
		c->pin_ctl = c->pin;
		c->proc_ctl = c->proc;
		c->exit_ctl = c->exit;
		c->entry_ctl = c->entry;
	}
}

/* A.7/A.8: a bit set in FIXED0 must be 1; a bit clear in FIXED1 must be 0. */
uint64_t vmx_fix_cr0(uint64_t cr0)
{
	return (cr0 | vmx_caps.cr0_fixed0) & vmx_caps.cr0_fixed1;
}

uint64_t vmx_fix_cr4(uint64_t cr4)
{
	return (cr4 | vmx_caps.cr4_fixed0) & vmx_caps.cr4_fixed1;
}

/* ---- VMXON ------------------------------------------------------------- */
static uint64_t vmxon_pa;

void *vmx_alloc_region(void)
{
	uint32_t *p = page_alloc();

	/* 25.2: bits 30:0 of the first dword hold the revision identifier;
	 * bit 31 is the shadow-VMCS indicator (0 here). */
	p[0] = VMX_BASIC_REVISION(rdmsr(MSR_IA32_VMX_BASIC));
	return p;
}

int vmx_enable(void)
{
	uint64_t fc;

	if (!vmx_supported())
		return -1;
	vmx_read_caps(&vmx_caps);
	fc = rdmsr(MSR_IA32_FEATURE_CONTROL);
	if (!(fc & FEATURE_CONTROL_LOCK)) {
		fc |= FEATURE_CONTROL_LOCK | FEATURE_CONTROL_VMXON_OUT_SMX;
		wrmsr(MSR_IA32_FEATURE_CONTROL, fc);
	} else if (!(fc & FEATURE_CONTROL_VMXON_OUT_SMX)) {
		return -1;
	}
	write_cr0(vmx_fix_cr0(read_cr0()));
	write_cr4(vmx_fix_cr4(read_cr4() | CR4_VMXE));
	if (!vmxon_pa)
		vmxon_pa = (uint64_t)vmx_alloc_region();
	return vmxon(vmxon_pa);
}

uint64_t vmx_vmxon_region(void)
{
	return vmxon_pa;
}

int vmx_disable(void)
{
	int r = vmxoff();

	if (r == VMX_SUCCEED)
		write_cr4(read_cr4() & ~CR4_VMXE);
	return r;
}

/* ---- VMCS set-up ------------------------------------------------------- */
/* Host state (25.5, checked per 27.2.2/27.2.3): the firmware itself. */
void vmx_setup_host(void)
{
	struct desc_ptr gdtr, idtr;

	sgdt(&gdtr);
	sidt(&idtr);
	vmcs_write(HOST_CR0, read_cr0());
	vmcs_write(HOST_CR3, read_cr3());
	vmcs_write(HOST_CR4, read_cr4());
	vmcs_write(HOST_ES_SELECTOR, SEL_DATA);
	vmcs_write(HOST_CS_SELECTOR, SEL_CODE64);
	vmcs_write(HOST_SS_SELECTOR, SEL_DATA);
	vmcs_write(HOST_DS_SELECTOR, SEL_DATA);
	vmcs_write(HOST_FS_SELECTOR, SEL_DATA);
	vmcs_write(HOST_GS_SELECTOR, SEL_DATA);
	vmcs_write(HOST_TR_SELECTOR, SEL_TSS);
	vmcs_write(HOST_FS_BASE, rdmsr(MSR_FS_BASE));
	vmcs_write(HOST_GS_BASE, rdmsr(MSR_GS_BASE));
	vmcs_write(HOST_TR_BASE, (uint64_t)&fw_tss);
	vmcs_write(HOST_GDTR_BASE, gdtr.base);
	vmcs_write(HOST_IDTR_BASE, idtr.base);
	vmcs_write(HOST_IA32_SYSENTER_CS, rdmsr(MSR_IA32_SYSENTER_CS));
	vmcs_write(HOST_IA32_SYSENTER_ESP, rdmsr(MSR_IA32_SYSENTER_ESP));
	vmcs_write(HOST_IA32_SYSENTER_EIP, rdmsr(MSR_IA32_SYSENTER_EIP));
	if (vmx_ctl_allowed1(vmx_caps.exit_ctl, EXIT_LOAD_IA32_EFER))
		vmcs_write(HOST_IA32_EFER, rdmsr(MSR_EFER));
	if (vmx_ctl_allowed1(vmx_caps.exit_ctl, EXIT_LOAD_IA32_PAT))
		vmcs_write(HOST_IA32_PAT, rdmsr(MSR_IA32_PAT));
	vmcs_write(HOST_RSP, 0);	/* vmx_enter writes the real one */
	vmcs_write(HOST_RIP, (uint64_t)vmx_exit_stub);
}

static void guest_segment(uint64_t sel_field, uint16_t sel, uint32_t ar)
{
	/* Consecutive encodings per register (Appendix B): selector 0x08xx,
	 * limit 0x48xx, AR 0x4814 + 2*i, base 0x6806 + 2*i. */
	unsigned i = (unsigned)(sel_field - GUEST_ES_SELECTOR) / 2;

	vmcs_write(sel_field, sel);
	vmcs_write(GUEST_ES_LIMIT + 2 * i, 0xffffffff);
	vmcs_write(GUEST_ES_AR_BYTES + 2 * i, ar);
	vmcs_write(GUEST_ES_BASE + 2 * i, 0);
}

/* Guest state (25.4) for a 64-bit guest that shares the firmware's GDT,
 * IDT, TSS and page tables; satisfies the checks of 27.3.1. */
void vmx_setup_guest64(uint64_t rip, uint64_t rsp)
{
	struct desc_ptr gdtr, idtr;

	sgdt(&gdtr);
	sidt(&idtr);
	vmcs_write(GUEST_CR0, vmx_fix_cr0(read_cr0()));
	vmcs_write(GUEST_CR3, read_cr3());
	vmcs_write(GUEST_CR4, vmx_fix_cr4(read_cr4()));
	vmcs_write(GUEST_DR7, 0x400);
	vmcs_write(GUEST_RSP, rsp);
	vmcs_write(GUEST_RIP, rip);
	vmcs_write(GUEST_RFLAGS, RFLAGS_FIXED);
	/* AR bytes (Table 25-2): type, S, DPL, P, AVL, L, D/B, G. */
	guest_segment(GUEST_ES_SELECTOR, SEL_DATA, 0xc093);
	guest_segment(GUEST_CS_SELECTOR, SEL_CODE64, 0xa09b);
	guest_segment(GUEST_SS_SELECTOR, SEL_DATA, 0xc093);
	guest_segment(GUEST_DS_SELECTOR, SEL_DATA, 0xc093);
	guest_segment(GUEST_FS_SELECTOR, SEL_DATA, 0xc093);
	guest_segment(GUEST_GS_SELECTOR, SEL_DATA, 0xc093);
	vmcs_write(GUEST_FS_BASE, rdmsr(MSR_FS_BASE));
	vmcs_write(GUEST_GS_BASE, rdmsr(MSR_GS_BASE));
	vmcs_write(GUEST_LDTR_SELECTOR, 0);
	vmcs_write(GUEST_LDTR_LIMIT, 0);
	vmcs_write(GUEST_LDTR_AR_BYTES, 0x10000);	/* unusable */
	vmcs_write(GUEST_LDTR_BASE, 0);
	vmcs_write(GUEST_TR_SELECTOR, SEL_TSS);
	vmcs_write(GUEST_TR_LIMIT, sizeof(fw_tss) - 1);
	vmcs_write(GUEST_TR_AR_BYTES, 0x8b);		/* busy 64-bit TSS */
	vmcs_write(GUEST_TR_BASE, (uint64_t)&fw_tss);
	vmcs_write(GUEST_GDTR_BASE, gdtr.base);
	vmcs_write(GUEST_GDTR_LIMIT, gdtr.limit);
	vmcs_write(GUEST_IDTR_BASE, idtr.base);
	vmcs_write(GUEST_IDTR_LIMIT, idtr.limit);
	vmcs_write(GUEST_IA32_DEBUGCTL, 0);
	vmcs_write(GUEST_SYSENTER_CS, 0);
	vmcs_write(GUEST_SYSENTER_ESP, 0);
	vmcs_write(GUEST_SYSENTER_EIP, 0);
	if (vmx_ctl_allowed1(vmx_caps.entry_ctl, ENTRY_LOAD_IA32_EFER))
		vmcs_write(GUEST_IA32_EFER, rdmsr(MSR_EFER));
	if (vmx_ctl_allowed1(vmx_caps.entry_ctl, ENTRY_LOAD_IA32_PAT))
		vmcs_write(GUEST_IA32_PAT, rdmsr(MSR_IA32_PAT));
	vmcs_write(GUEST_INTERRUPTIBILITY_INFO, 0);
	vmcs_write(GUEST_ACTIVITY_STATE, ACTIVITY_ACTIVE);
	vmcs_write(GUEST_PENDING_DBG_EXCEPTIONS, 0);
	vmcs_write(VMCS_LINK_POINTER, ~0ULL);
}

static uint64_t ctl_cap(uint64_t field)
{
	switch (field) {
	case PIN_BASED_VM_EXEC_CONTROL: return vmx_caps.pin_ctl;
	case CPU_BASED_VM_EXEC_CONTROL: return vmx_caps.proc_ctl;
	case SECONDARY_VM_EXEC_CONTROL: return vmx_caps.proc2;
	case VM_EXIT_CONTROLS: return vmx_caps.exit_ctl;
	case VM_ENTRY_CONTROLS: return vmx_caps.entry_ctl;
	default: return 0xffffffff00000000ULL;
	}
}

bool vmx_set_ctl(uint64_t field, uint32_t set, uint32_t clear)
{
	uint64_t cap = ctl_cap(field);
	uint32_t v = (uint32_t)vmcs_read(field);

	if (!vmx_ctl_allowed1(cap, set) || !vmx_ctl_allowed0(cap, clear))
		return false;
	vmcs_write(field, (v & ~clear) | set);
	return true;
}

/* Default controls: only what the capability MSRs force, plus a 64-bit
 * host/guest, EFER load/save when available, and a zero MSR bitmap so
 * RDMSR/WRMSR do not exit unless a test asks. */
void vmx_setup_controls(void)
{
	uint32_t proc = CPU_ACTIVATE_SECONDARY;
	uint32_t exit = EXIT_HOST_ADDR_SPACE_SIZE | EXIT_SAVE_IA32_EFER |
			EXIT_LOAD_IA32_EFER;
	uint32_t entry = ENTRY_IA32E_MODE_GUEST | ENTRY_LOAD_IA32_EFER;

	static void *zero_msr_bitmap;

	if (vmx_ctl_allowed1(vmx_caps.proc_ctl, CPU_USE_MSR_BITMAPS)) {
		if (!zero_msr_bitmap)
			zero_msr_bitmap = page_alloc();
		proc |= CPU_USE_MSR_BITMAPS;
		vmcs_write(MSR_BITMAP, (uint64_t)zero_msr_bitmap);
	}
	vmcs_write(PIN_BASED_VM_EXEC_CONTROL,
		   vmx_adjust_ctl(vmx_caps.pin_ctl, 0));
	vmcs_write(CPU_BASED_VM_EXEC_CONTROL,
		   vmx_adjust_ctl(vmx_caps.proc_ctl, proc));
	if (vmx_caps.proc2)
		vmcs_write(SECONDARY_VM_EXEC_CONTROL,
			   vmx_adjust_ctl(vmx_caps.proc2, 0));
	vmcs_write(VM_EXIT_CONTROLS, vmx_adjust_ctl(vmx_caps.exit_ctl, exit));
	vmcs_write(VM_ENTRY_CONTROLS, vmx_adjust_ctl(vmx_caps.entry_ctl, entry));
	vmcs_write(EXCEPTION_BITMAP, 0);
	vmcs_write(PAGE_FAULT_ERROR_CODE_MASK, 0);
	vmcs_write(PAGE_FAULT_ERROR_CODE_MATCH, 0);
	vmcs_write(CR3_TARGET_COUNT, 0);
	vmcs_write(CR0_GUEST_HOST_MASK, 0);
	vmcs_write(CR4_GUEST_HOST_MASK, 0);
	vmcs_write(CR0_READ_SHADOW, 0);
	vmcs_write(CR4_READ_SHADOW, 0);
	vmcs_write(VM_EXIT_MSR_STORE_COUNT, 0);
	vmcs_write(VM_EXIT_MSR_LOAD_COUNT, 0);
	vmcs_write(VM_ENTRY_MSR_LOAD_COUNT, 0);
	vmcs_write(VM_ENTRY_INTR_INFO, 0);
}

uint64_t vmx_guest_stack(void)
{
	return (uint64_t)page_alloc() + PAGE_SIZE;
}

void vmx_vm_reset(struct vmx_vm *vm, void (*rip)(void), uint64_t rsp)
{
	void *vmcs = vm->vmcs;

	memset(vm, 0, sizeof(*vm));
	vm->vmcs = vmcs;
	vm->vmcs_pa = (uint64_t)vmcs;
	if (vmclear(vm->vmcs_pa) != VMX_SUCCEED)
		test_skip_fail("vmclear of a new vmcs");
	if (vmptrld(vm->vmcs_pa) != VMX_SUCCEED)
		test_skip_fail("vmptrld of a new vmcs");
	vmx_setup_controls();
	vmx_setup_host();
	vmx_setup_guest64((uint64_t)rip, rsp);
}

void vmx_vm_init(struct vmx_vm *vm, void (*rip)(void), uint64_t rsp)
{
	vm->vmcs = vmx_alloc_region();
	vmx_vm_reset(vm, rip, rsp);
}

/* Exits caused by an instruction, which save its length (SDM 28.2.4);
 * bit n of word n / 64 for basic reason n. */
static const uint64_t insn_len_exits[2] = {
#define B(r) (1ULL << EXIT_REASON_##r)
	B(CPUID) | B(GETSEC) | B(HLT) | B(INVD) | B(INVLPG) | B(RDPMC) |
	B(RDTSC) | B(RSM) | B(VMCALL) | B(VMCLEAR) | B(VMLAUNCH) |
	B(VMPTRLD) | B(VMPTRST) | B(VMREAD) | B(VMRESUME) | B(VMWRITE) |
	B(VMXOFF) | B(VMXON) | B(CR_ACCESS) | B(DR_ACCESS) |
	B(IO_INSTRUCTION) | B(MSR_READ) | B(MSR_WRITE) | B(MWAIT) |
	B(MONITOR) | B(PAUSE) | B(APIC_ACCESS) | B(GDTR_IDTR) | B(LDTR_TR) |
	B(INVEPT) | B(RDTSCP) | B(INVVPID) | B(WBINVD) | B(XSETBV) |
	B(RDRAND) | B(INVPCID) | B(VMFUNC) | B(ENCLS) | B(RDSEED) |
	B(XSAVES),
#undef B
	(1ULL << (EXIT_REASON_XRSTORS - 64)) |
	(1ULL << (EXIT_REASON_PCONFIG - 64)) |
	(1ULL << (EXIT_REASON_UMWAIT - 64)) |
	(1ULL << (EXIT_REASON_TPAUSE - 64)) |
	(1ULL << (EXIT_REASON_LOADIWKEY - 64)) |
	(1ULL << (EXIT_REASON_ENCLV - 64)),
};

/* Interruption types 4-6 (software interrupt/exceptions) have a length. */
static bool software_event(uint32_t info)
{
	uint32_t type = (info >> 8) & 7;

	return (info & INTR_INFO_VALID) && type >= 4 && type <= 6;
}

static bool exit_saves_insn_len(const struct vmx_vm *vm, uint32_t idt_info)
{
	uint32_t basic = EXIT_REASON_BASIC(vm->exit_reason);

	if (software_event(idt_info))
		return true;
	if (basic == EXIT_REASON_EXCEPTION_NMI)
		return software_event(vm->exit_intr_info);
	if (basic == EXIT_REASON_TASK_SWITCH)   /* not through the IDT */
		return ((vm->exit_qual >> 30) & 3) != 3;
	return basic < 128 && (insn_len_exits[basic / 64] >> (basic % 64)) & 1;
}

/*
 * The exit information of the exit just taken.  Only the fields this exit
 * defines are read (SDM 28.2.1-28.2.4; the others are undefined, and
 * `vmxbox run --vmx-check` reports reading them): the error code with a
 * valid error-code bit, the length for instruction-caused exits and
 * software events, the guest-physical address for EPT violations and
 * misconfigurations.  The rest are 0 here.
 */
void vmx_read_exit_info(struct vmx_vm *vm)
{
	uint32_t basic, idt_info;

	vm->exit_reason = (uint32_t)vmcs_read(VM_EXIT_REASON);
	vm->exit_qual = vmcs_read(EXIT_QUALIFICATION);
	vm->exit_intr_info = 0;
	vm->exit_intr_error = 0;
	vm->exit_insn_len = 0;
	vm->guest_phys = 0;
	if (vm->exit_reason & EXIT_REASON_ENTRY_FAILURE)
		return;         /* SDM 27.8: reason and qualification only */
	basic = EXIT_REASON_BASIC(vm->exit_reason);
	vm->exit_intr_info = (uint32_t)vmcs_read(VM_EXIT_INTR_INFO);
	idt_info = (uint32_t)vmcs_read(IDT_VECTORING_INFO);
	if ((vm->exit_intr_info & INTR_INFO_VALID) &&
	    (vm->exit_intr_info & INTR_INFO_ERROR_CODE_VALID))
		vm->exit_intr_error = (uint32_t)vmcs_read(VM_EXIT_INTR_ERROR_CODE);
	if (exit_saves_insn_len(vm, idt_info))
		vm->exit_insn_len = (uint32_t)vmcs_read(VM_EXIT_INSTRUCTION_LEN);
	if (basic == EXIT_REASON_EPT_VIOLATION ||
	    basic == EXIT_REASON_EPT_MISCONFIG)
		vm->guest_phys = vmcs_read(GUEST_PHYSICAL_ADDRESS);
}

int vmx_vm_run(struct vmx_vm *vm)
{
	int r = vmx_enter(&vm->regs, !vm->launched);

	vm->last_result = r;
	vm->last_error = r == VMX_FAIL_VALID ? vmx_insn_error() : 0;
	if (r != VMX_SUCCEED)
		return r;
	vmx_read_exit_info(vm);
	/* 27.8: a VM-entry failure leaves the launch state unchanged. */
	if (vm->exit_reason & EXIT_REASON_ENTRY_FAILURE) {
		vm->entry_failures++;
	} else {
		vm->launched = true;
		if (EXIT_REASON_BASIC(vm->exit_reason) < EXIT_REASON_MAX)
			vm->exits[EXIT_REASON_BASIC(vm->exit_reason)]++;
	}
	return r;
}

void vmx_skip_insn(void)
{
	vmcs_write(GUEST_RIP, vmcs_read(GUEST_RIP) +
		   vmcs_read(VM_EXIT_INSTRUCTION_LEN));
}

/* ---- EPT --------------------------------------------------------------- */
void ept_init(struct ept *e, bool ad)
{
	e->pml4 = page_alloc();
	e->eptp = (uint64_t)e->pml4 | EPTP_MT_WB | EPTP_PWL4 |
		  (ad ? EPTP_AD : 0);
}

/* The next-level table under entry *pte, created (RWX) if absent. */
static uint64_t *ept_next(uint64_t *pte)
{
	if (!(*pte & EPT_RWX))
		*pte = (uint64_t)page_alloc() | EPT_RWX;
	return (uint64_t *)(*pte & PTE_ADDR_MASK);
}

void ept_identity_map(struct ept *e, uint64_t size, uint64_t perms)
{
	for (uint64_t gpa = 0; gpa < size; gpa += 1ULL << 21) {
		uint64_t *pdpt = ept_next(&e->pml4[(gpa >> 39) & 511]);
		uint64_t *pd = ept_next(&pdpt[(gpa >> 30) & 511]);

		pd[(gpa >> 21) & 511] = gpa | perms | EPT_LARGE |
					(EPT_MT_WB << EPT_MT_SHIFT);
	}
}

static uint64_t *ept_pd_entry(struct ept *e, uint64_t gpa, bool create)
{
	uint64_t *pml4e = &e->pml4[(gpa >> 39) & 511];
	uint64_t *pdpte;

	if (!create && !(*pml4e & EPT_RWX))
		return NULL;
	pdpte = &ept_next(pml4e)[(gpa >> 30) & 511];
	if (!create && !(*pdpte & EPT_RWX))
		return NULL;
	return &ept_next(pdpte)[(gpa >> 21) & 511];
}

/* Replace a 2 MiB leaf by a table of 512 equivalent 4 KiB leaves. */
static void ept_split(uint64_t *pde)
{
	uint64_t *pt = page_alloc();
	uint64_t base = *pde & 0xfffffffe00000ULL;
	uint64_t attrs = *pde & (EPT_RWX | (7ULL << EPT_MT_SHIFT) |
				 EPT_IGNORE_PAT);

	for (unsigned i = 0; i < 512; i++)
		pt[i] = (base + i * PAGE_SIZE) | attrs;
	*pde = (uint64_t)pt | EPT_RWX;
}

uint64_t *ept_entry(struct ept *e, uint64_t gpa)
{
	uint64_t *pde = ept_pd_entry(e, gpa, false);

	if (!pde || !(*pde & EPT_RWX))
		return NULL;
	if (*pde & EPT_LARGE)
		ept_split(pde);
	return &((uint64_t *)(*pde & PTE_ADDR_MASK))[(gpa >> 12) & 511];
}

void ept_map_4k(struct ept *e, uint64_t gpa, uint64_t hpa, uint64_t perms)
{
	uint64_t *pde = ept_pd_entry(e, gpa, true);
	uint64_t *pt;

	if ((*pde & EPT_RWX) && (*pde & EPT_LARGE))
		ept_split(pde);
	pt = ept_next(pde);
	pt[(gpa >> 12) & 511] = (hpa & PTE_ADDR_MASK) | perms |
				(EPT_MT_WB << EPT_MT_SHIFT);
}

/* ---- bitmaps ----------------------------------------------------------- */
void msr_bitmap_set(void *bitmap, uint32_t msr, bool read, bool write)
{
	uint8_t *b = bitmap;
	unsigned base;
	uint32_t idx;

	if (msr <= 0x1fff) {
		base = 0;		/* read low at 0, write low at 2048 */
		idx = msr;
	} else if (msr >= 0xc0000000 && msr <= 0xc0001fff) {
		base = 1024;		/* read high at 1024, write high 3072 */
		idx = msr - 0xc0000000;
	} else {
		return;			/* always exits; no bit to set */
	}
	if (read)
		b[base + idx / 8] |= (uint8_t)(1U << (idx % 8));
	else
		b[base + idx / 8] &= (uint8_t)~(1U << (idx % 8));
	if (write)
		b[base + 2048 + idx / 8] |= (uint8_t)(1U << (idx % 8));
	else
		b[base + 2048 + idx / 8] &= (uint8_t)~(1U << (idx % 8));
}

void io_bitmap_set(void *a, void *b, uint16_t port, bool intercept)
{
	uint8_t *bm = port < 0x8000 ? a : b;
	unsigned idx = port & 0x7fff;

	if (intercept)
		bm[idx / 8] |= (uint8_t)(1U << (idx % 8));
	else
		bm[idx / 8] &= (uint8_t)~(1U << (idx % 8));
}
