// SPDX-License-Identifier: MIT
#include "engine/kvm/kvm_state.h"

#include <string.h>

/* kvm_regs lists the GPRs in this order, which is not the encoding order. */
#define REG(n) offsetof(struct kvm_regs, n)
static const size_t gpr_off[GPR_COUNT] = {
	[GPR_RAX] = REG(rax), [GPR_RCX] = REG(rcx), [GPR_RDX] = REG(rdx),
	[GPR_RBX] = REG(rbx), [GPR_RSP] = REG(rsp), [GPR_RBP] = REG(rbp),
	[GPR_RSI] = REG(rsi), [GPR_RDI] = REG(rdi), [GPR_R8] = REG(r8),
	[GPR_R9] = REG(r9), [GPR_R10] = REG(r10), [GPR_R11] = REG(r11),
	[GPR_R12] = REG(r12), [GPR_R13] = REG(r13), [GPR_R14] = REG(r14),
	[GPR_R15] = REG(r15),
};

void kvm_regs_from_state(const struct cpu_state *s, struct kvm_regs *r)
{
	memset(r, 0, sizeof(*r));
	for (int i = 0; i < GPR_COUNT; i++)
		memcpy((char *)r + gpr_off[i], &s->gpr[i], 8);
	r->rip = s->rip;
	r->rflags = s->rflags;
}

void kvm_regs_to_state(const struct kvm_regs *r, struct cpu_state *s)
{
	for (int i = 0; i < GPR_COUNT; i++)
		memcpy(&s->gpr[i], (const char *)r + gpr_off[i], 8);
	s->rip = r->rip;
	s->rflags = r->rflags;
}

/* VMX access rights (SDM 24.4.1, Table 24-2) <-> kvm_segment's bit fields. */
void kvm_seg_from_state(const struct seg_reg *sr, struct kvm_segment *k)
{
	uint32_t ar = sr->ar;

	memset(k, 0, sizeof(*k));
	k->base = sr->base;
	k->limit = sr->limit;
	k->selector = sr->sel;
	k->type = ar & SEG_AR_TYPE_MASK;
	k->s = !!(ar & SEG_AR_S);
	k->dpl = (ar & SEG_AR_DPL_MASK) >> SEG_AR_DPL_SHIFT;
	k->present = !!(ar & SEG_AR_P);
	k->avl = !!(ar & SEG_AR_AVL);
	k->l = !!(ar & SEG_AR_L);
	k->db = !!(ar & SEG_AR_DB);
	k->g = !!(ar & SEG_AR_G);
	k->unusable = !!(ar & SEG_AR_UNUSABLE);
}

void kvm_seg_to_state(const struct kvm_segment *k, struct seg_reg *sr)
{
	sr->base = k->base;
	sr->limit = k->limit;
	sr->sel = k->selector;
	sr->ar = (k->type & SEG_AR_TYPE_MASK) | (k->s ? SEG_AR_S : 0) |
		 ((uint32_t)(k->dpl & 3) << SEG_AR_DPL_SHIFT) |
		 (k->present ? SEG_AR_P : 0) | (k->avl ? SEG_AR_AVL : 0) |
		 (k->l ? SEG_AR_L : 0) | (k->db ? SEG_AR_DB : 0) |
		 (k->g ? SEG_AR_G : 0) | (k->unusable ? SEG_AR_UNUSABLE : 0);
}

#define SREG(n) offsetof(struct kvm_sregs, n)
static const size_t seg_off[SEG_COUNT] = {
	[SEG_ES] = SREG(es), [SEG_CS] = SREG(cs), [SEG_SS] = SREG(ss),
	[SEG_DS] = SREG(ds), [SEG_FS] = SREG(fs), [SEG_GS] = SREG(gs),
	[SEG_LDTR] = SREG(ldt), [SEG_TR] = SREG(tr),
};

void kvm_sregs_from_state(const struct cpu_state *s, struct kvm_sregs *sr)
{
	memset(sr, 0, sizeof(*sr));
	for (int i = 0; i < SEG_COUNT; i++)
		kvm_seg_from_state(&s->seg[i],
				   (struct kvm_segment *)((char *)sr + seg_off[i]));
	sr->gdt.base = s->gdtr.base;
	sr->gdt.limit = (uint16_t)s->gdtr.limit;
	sr->idt.base = s->idtr.base;
	sr->idt.limit = (uint16_t)s->idtr.limit;
	sr->cr0 = s->cr0;
	sr->cr2 = s->cr2;
	sr->cr3 = s->cr3;
	sr->cr4 = s->cr4;
	sr->cr8 = s->cr8;
	sr->efer = s->efer;
	sr->apic_base = s->msr.apic_base;
	/* interrupt_bitmap stays 0: the latched interrupt is injected with
	 * KVM_INTERRUPT when the guest can take it. */
}

void kvm_sregs_to_state(const struct kvm_sregs *sr, struct cpu_state *s)
{
	for (int i = 0; i < SEG_COUNT; i++)
		kvm_seg_to_state((const struct kvm_segment *)((const char *)sr +
							       seg_off[i]),
				 &s->seg[i]);
	s->gdtr.base = sr->gdt.base;
	s->gdtr.limit = sr->gdt.limit;
	s->idtr.base = sr->idt.base;
	s->idtr.limit = sr->idt.limit;
	s->cr0 = sr->cr0;
	s->cr2 = sr->cr2;
	s->cr3 = sr->cr3;
	s->cr4 = sr->cr4;
	s->cr8 = sr->cr8;
	s->efer = sr->efer;
	s->msr.apic_base = sr->apic_base;
}

static unsigned fpu_top(const struct fpu_state *f)
{
	return (f->fsw & FPU_FSW_TOP_MASK) >> FPU_FSW_TOP_SHIFT;
}

static void put16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }
static uint16_t get16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static uint32_t get32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t get64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }

void kvm_xsave_from_fpu(const struct fpu_state *f, struct kvm_xsave *x)
{
	uint8_t *p = (uint8_t *)x->region;
	unsigned top = fpu_top(f);

	memset(x, 0, sizeof(*x));
	put16(p + XSAVE_FCW, f->fcw);
	put16(p + XSAVE_FSW, f->fsw);
	p[XSAVE_FTW] = f->ftw;
	put16(p + XSAVE_FOP, f->fop);
	put64(p + XSAVE_FIP, f->fip);
	put64(p + XSAVE_FDP, f->fdp);
	put32(p + XSAVE_MXCSR, f->mxcsr);
	put32(p + XSAVE_MXCSR_MASK, 0xffff);
	for (unsigned i = 0; i < 8; i++)
		memcpy(p + XSAVE_ST + 16 * i, f->st[(top + i) & 7], 10);
	memcpy(p + XSAVE_XMM, f->xmm, sizeof(f->xmm));
	put64(p + XSAVE_HDR_BV, XSAVE_X87_SSE);
}

void kvm_xsave_to_fpu(const struct kvm_xsave *x, struct fpu_state *f)
{
	const uint8_t *p = (const uint8_t *)x->region;
	unsigned top;

	f->fcw = get16(p + XSAVE_FCW);
	f->fsw = get16(p + XSAVE_FSW);
	f->ftw = p[XSAVE_FTW];
	f->fop = get16(p + XSAVE_FOP) & 0x7ff;
	f->fip = get64(p + XSAVE_FIP);
	f->fdp = get64(p + XSAVE_FDP);
	f->mxcsr = get32(p + XSAVE_MXCSR);
	top = fpu_top(f);
	for (unsigned i = 0; i < 8; i++)
		memcpy(f->st[(top + i) & 7], p + XSAVE_ST + 16 * i, 10);
	memcpy(f->xmm, p + XSAVE_XMM, sizeof(f->xmm));
}

void kvm_events_from_state(const struct cpu_state *s, struct kvm_vcpu_events *e)
{
	/* An exception raised but not yet delivered is delivered at the
	 * next entry, as one being delivered is. */
	const struct x86_event *ev = s->injected.valid ? &s->injected
						       : &s->pending_exception;

	memset(e, 0, sizeof(*e));
	e->flags = KVM_VCPUEVENT_VALID_SHADOW | KVM_VCPUEVENT_VALID_NMI_PENDING;
	if (ev->valid) {
		switch (ev->type) {
		case EVT_EXT_INTR:
		case EVT_SW_INTR:
			e->interrupt.injected = 1;
			e->interrupt.nr = ev->vector;
			e->interrupt.soft = ev->type == EVT_SW_INTR;
			break;
		case EVT_NMI:
			e->nmi.injected = 1;
			break;
		default:
			e->exception.injected = 1;
			e->exception.nr = ev->vector;
			e->exception.has_error_code = ev->has_error_code;
			e->exception.error_code = ev->error_code;
			break;
		}
	}
	if (s->interruptibility & INTR_BLOCK_STI)
		e->interrupt.shadow |= KVM_X86_SHADOW_INT_STI;
	if (s->interruptibility & INTR_BLOCK_MOV_SS)
		e->interrupt.shadow |= KVM_X86_SHADOW_INT_MOV_SS;
	e->nmi.pending = s->nmi_pending;
	e->nmi.masked = !!(s->interruptibility & INTR_BLOCK_NMI);
}

void kvm_events_to_state(const struct kvm_vcpu_events *e, struct cpu_state *s)
{
	struct x86_event *ev = &s->injected;

	memset(ev, 0, sizeof(*ev));
	memset(&s->pending_exception, 0, sizeof(s->pending_exception));
	if (e->exception.injected || e->exception.pending) {
		ev->valid = true;
		ev->type = EVT_HW_EXCEPTION;
		ev->vector = e->exception.nr;
		ev->has_error_code = e->exception.has_error_code;
		ev->error_code = e->exception.error_code;
	} else if (e->nmi.injected) {
		ev->valid = true;
		ev->type = EVT_NMI;
		ev->vector = 2;
	} else if (e->interrupt.injected) {
		ev->valid = true;
		ev->type = e->interrupt.soft ? EVT_SW_INTR : EVT_EXT_INTR;
		ev->vector = e->interrupt.nr;
	}
	s->interruptibility &= ~(INTR_BLOCK_STI | INTR_BLOCK_MOV_SS |
				 INTR_BLOCK_NMI);
	if (e->interrupt.shadow & KVM_X86_SHADOW_INT_STI)
		s->interruptibility |= INTR_BLOCK_STI;
	if (e->interrupt.shadow & KVM_X86_SHADOW_INT_MOV_SS)
		s->interruptibility |= INTR_BLOCK_MOV_SS;
	if (e->nmi.masked)
		s->interruptibility |= INTR_BLOCK_NMI;
	s->nmi_pending = e->nmi.pending;
}

void kvm_dregs_from_state(const struct cpu_state *s, struct kvm_debugregs *d)
{
	memset(d, 0, sizeof(*d));
	for (int i = 0; i < 4; i++)
		d->db[i] = s->dr[i];
	d->dr6 = s->dr[6];
	d->dr7 = s->dr[7];
}

void kvm_dregs_to_state(const struct kvm_debugregs *d, struct cpu_state *s)
{
	for (int i = 0; i < 4; i++)
		s->dr[i] = d->db[i];
	s->dr[6] = d->dr6;
	s->dr[7] = d->dr7;
}

/* Carried in kvm_sregs, or never given to KVM (see kvm_state.h). */
static bool msr_elsewhere(uint32_t index)
{
	static const uint32_t skip[] = {
		0xc0000080, /* EFER */
		0xc0000100, /* FS base */
		0xc0000101, /* GS base */
		0x0000001b, /* APIC base */
		0x0000003a, /* IA32_FEATURE_CONTROL */
	};

	for (size_t i = 0; i < sizeof(skip) / sizeof(skip[0]); i++)
		if (skip[i] == index)
			return true;
	return false;
}

static bool listed(const uint32_t *list, size_t n, uint32_t index)
{
	for (size_t i = 0; i < n; i++)
		if (list[i] == index)
			return true;
	return false;
}

size_t kvm_msr_indices(const uint32_t *kvm_list, size_t kvm_n, uint32_t *out,
		       size_t max)
{
	size_t n = 0;

	if (n < max && listed(kvm_list, kvm_n, KVM_MSR_TSC))
		out[n++] = KVM_MSR_TSC;
	for (size_t i = 0; i < cpu_msr_table_len && n < max; i++) {
		uint32_t idx = cpu_msr_table[i].index;

		if (!msr_elsewhere(idx) && listed(kvm_list, kvm_n, idx))
			out[n++] = idx;
	}
	return n;
}

bool kvm_msr_from_state(const struct cpu_state *s, uint32_t index,
			uint64_t *val)
{
	if (index == KVM_MSR_TSC) {
		*val = s->tsc;
		return true;
	}
	return cpu_msr_get(s, index, val);
}

bool kvm_msr_to_state(struct cpu_state *s, uint32_t index, uint64_t val)
{
	if (index == KVM_MSR_TSC) {
		s->tsc = val;
		return true;
	}
	return cpu_msr_set(s, index, val);
}
