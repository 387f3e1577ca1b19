// SPDX-License-Identifier: MIT
#include "vmxb_fixture.h"

#include <check.h>
#include <string.h>

#include "vmx/vmcs.h"

static void on_state_changed(void *engine)
{
	((struct fix *)engine)->state_changed++;
}

static void on_inject(void *engine, uint8_t type, uint8_t vector,
		      bool has_err, uint32_t err, uint32_t insn_len)
{
	struct fix *f = engine;

	f->injects++;
	f->injected = (struct x86_event){ .valid = true, .type = type,
		.vector = vector, .has_error_code = has_err,
		.error_code = err, .insn_len = insn_len };
}

/* L1: 64-bit mode, CPL 0, paging on, CR4.VMXE. */
static void l1_state(struct cpu_state *s)
{
	cpu_state_reset(s);
	s->cr0 = FIX_CR0;
	s->cr4 = FIX_CR4;
	s->cr3 = FIX_HOST_CR3;
	s->efer = EFER_SCE | EFER_LME | EFER_LMA;
	s->seg[SEG_CS] = (struct seg_reg){ 0x8, 0, 0xffffffff, 0xa09b };
	for (unsigned i = 0; i < SEG_COUNT; i++)
		if (i != SEG_CS && i != SEG_LDTR && i != SEG_TR)
			s->seg[i] = (struct seg_reg){ 0x10, 0, 0xffffffff,
						      0xc093 };
	s->rip = 0x400000;
	s->rflags = RFLAGS_FIXED1;
	s->tsc = 100000;
	s->insn_count = 5000;
}

void fix_init(struct fix *f, bool inject_cb)
{
	struct cpu_model m;

	memset(f, 0, sizeof(*f));
	ck_assert_int_eq(gmem_init(&f->mem, FIX_MEM_SIZE), 0);
	cpu_model_default(&m);
	f->v = vmx_vcpu_create(&m);
	ck_assert_ptr_nonnull(f->v);
	l1_state(&f->cpu);
	gmem_write_u32(&f->mem, FIX_VMXON, VMX_REVISION_ID);
	gmem_write_u32(&f->mem, FIX_VMCS, VMX_REVISION_ID);
	f->v->vmxon = true;
	f->v->vmxon_ptr = FIX_VMXON;
	vmcs_load(f->v, &f->mem, FIX_VMCS);
	f->ctx.cpu = &f->cpu;
	f->ctx.mem = &f->mem;
	f->ctx.engine = f;
	f->ctx.state_changed = on_state_changed;
	if (inject_cb)
		f->ctx.inject_event = on_inject;
}

/* Back in root operation with L1's state after fix_enter(), as a VM exit
 * would leave it (the VMCS as the entry left it). */
void fix_leave(struct fix *f)
{
	f->v->nonroot = false;
	l1_state(&f->cpu);
	f->state_changed = 0;
}

void fix_fini(struct fix *f)
{
	vmx_vcpu_destroy(f->v);
	gmem_destroy(&f->mem);
}

static void host_state(struct fix *f)
{
	fw(f, VMCS_HOST_CR0, FIX_CR0);
	fw(f, VMCS_HOST_CR3, FIX_HOST_CR3);
	fw(f, VMCS_HOST_CR4, FIX_CR4);
	fw(f, VMCS_HOST_ES_SELECTOR, 0x10);
	fw(f, VMCS_HOST_CS_SELECTOR, 0x08);
	fw(f, VMCS_HOST_SS_SELECTOR, 0x10);
	fw(f, VMCS_HOST_DS_SELECTOR, 0x10);
	fw(f, VMCS_HOST_FS_SELECTOR, 0);
	fw(f, VMCS_HOST_GS_SELECTOR, 0x10);
	fw(f, VMCS_HOST_TR_SELECTOR, 0x18);
	fw(f, VMCS_HOST_FS_BASE, 0x7000);
	fw(f, VMCS_HOST_GS_BASE, 0xffff800000008000ull);
	fw(f, VMCS_HOST_TR_BASE, 0x9000);
	fw(f, VMCS_HOST_GDTR_BASE, 0xa000);
	fw(f, VMCS_HOST_IDTR_BASE, 0xb000);
	fw(f, VMCS_HOST_IA32_SYSENTER_CS, 0x8);
	fw(f, VMCS_HOST_IA32_SYSENTER_ESP, 0xc000);
	fw(f, VMCS_HOST_IA32_SYSENTER_EIP, 0xd000);
	fw(f, VMCS_HOST_IA32_EFER, EFER_SCE | EFER_LME | EFER_LMA);
	fw(f, VMCS_HOST_IA32_PAT, 0x0007040600070406ull);
	fw(f, VMCS_HOST_RSP, FIX_HOST_RSP);
	fw(f, VMCS_HOST_RIP, FIX_HOST_RIP);
}

static void guest_seg(struct fix *f, unsigned s, uint16_t sel, uint64_t base,
		      uint32_t limit, uint32_t ar)
{
	static const uint32_t sel_enc[] = {
		VMCS_GUEST_ES_SELECTOR, VMCS_GUEST_CS_SELECTOR,
		VMCS_GUEST_SS_SELECTOR, VMCS_GUEST_DS_SELECTOR,
		VMCS_GUEST_FS_SELECTOR, VMCS_GUEST_GS_SELECTOR,
		VMCS_GUEST_LDTR_SELECTOR, VMCS_GUEST_TR_SELECTOR,
	};

	/* Selector, limit, AR and base encodings step by 2 per segment. */
	fw(f, sel_enc[s], sel);
	fw(f, VMCS_GUEST_ES_BASE + 2 * s, base);
	fw(f, VMCS_GUEST_ES_LIMIT + 2 * s, limit);
	fw(f, VMCS_GUEST_ES_AR_BYTES + 2 * s, ar);
}

static void guest_state(struct fix *f)
{
	fw(f, VMCS_GUEST_CR0, FIX_CR0);
	fw(f, VMCS_GUEST_CR3, FIX_GUEST_CR3);
	fw(f, VMCS_GUEST_CR4, FIX_CR4);
	fw(f, VMCS_GUEST_DR7, 0x400);
	guest_seg(f, SEG_ES, 0x10, 0, 0xffffffff, 0xc093);
	guest_seg(f, SEG_CS, 0x08, 0, 0xffffffff, 0xa09b);
	guest_seg(f, SEG_SS, 0x10, 0, 0xffffffff, 0xc093);
	guest_seg(f, SEG_DS, 0x10, 0, 0xffffffff, 0xc093);
	guest_seg(f, SEG_FS, 0x10, 0x12345000, 0xffffffff, 0xc093);
	guest_seg(f, SEG_GS, 0x10, 0xffff800000001000ull, 0xffffffff, 0xc093);
	guest_seg(f, SEG_LDTR, 0, 0, 0, SEG_AR_UNUSABLE);
	guest_seg(f, SEG_TR, 0x18, 0x3000, 0x67, 0x8b);
	fw(f, VMCS_GUEST_GDTR_BASE, 0x4000);
	fw(f, VMCS_GUEST_GDTR_LIMIT, 0x27);
	fw(f, VMCS_GUEST_IDTR_BASE, 0x5000);
	fw(f, VMCS_GUEST_IDTR_LIMIT, 0xfff);
	fw(f, VMCS_GUEST_RSP, FIX_GUEST_RSP);
	fw(f, VMCS_GUEST_RIP, FIX_GUEST_RIP);
	fw(f, VMCS_GUEST_RFLAGS, RFLAGS_FIXED1);
	fw(f, VMCS_GUEST_SYSENTER_CS, 0x28);
	fw(f, VMCS_GUEST_SYSENTER_ESP, 0x11000);
	fw(f, VMCS_GUEST_SYSENTER_EIP, 0x12000);
	fw(f, VMCS_GUEST_IA32_EFER, EFER_SCE | EFER_LME | EFER_LMA);
	fw(f, VMCS_GUEST_IA32_PAT, 0x0007040600070406ull);
	fw(f, VMCS_VMCS_LINK_POINTER, UINT64_MAX);
	fw(f, VMCS_GUEST_ACTIVITY_STATE, ACTIVITY_ACTIVE);
	fw(f, VMCS_GUEST_INTERRUPTIBILITY_INFO, 0);
	fw(f, VMCS_GUEST_PENDING_DBG_EXCEPTIONS, 0);
}

void fix_baseline(struct fix *f)
{
	const struct vmx_caps *c = &f->v->caps;

	memset(f->v->vmcs, 0, sizeof(f->v->vmcs));
	fw(f, VMCS_PIN_BASED_VM_EXEC_CONTROL, c->pin.must1);
	fw(f, VMCS_CPU_BASED_VM_EXEC_CONTROL, c->proc.must1);
	fw(f, VMCS_VM_EXIT_CONTROLS, c->exit.must1 |
	   EXIT_CTL_HOST_ADDR_SPACE_SIZE | EXIT_CTL_LOAD_EFER |
	   EXIT_CTL_SAVE_EFER);
	fw(f, VMCS_VM_ENTRY_CONTROLS, c->entry.must1 |
	   ENTRY_CTL_IA32E_MODE_GUEST | ENTRY_CTL_LOAD_EFER);
	host_state(f);
	guest_state(f);
}

void fix_enter(struct fix *f)
{
	fix_baseline(f);
	ck_assert_int_eq(vmx_vmentry(f->v, &f->ctx, NULL, true), ICPT_SWITCHED);
	ck_assert(f->v->nonroot);
}

int fix_run_suite(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
