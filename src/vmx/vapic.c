// SPDX-License-Identifier: MIT
/*
 * Virtual interrupts and the x2APIC side of APIC virtualization (SDM Vol.
 * 3C chapter 30, "APIC Virtualization and Virtual Interrupts"):
 *   - PPR virtualization (30.1.3), TPR virtualization with "virtual-
 *     interrupt delivery" (30.1.2), EOI virtualization with the EOI-exit
 *     bitmap and its trap-like "virtualized EOI" exit 45 (30.1.4),
 *     self-IPI virtualization (30.1.5);
 *   - evaluation and delivery of pending virtual interrupts: RVI/SVI in
 *     the guest interrupt status, VIRR/VISR/VPPR on the virtual-APIC page
 *     (30.2.1, 30.2.2), and what VM entry does with them (27.3.2.5);
 *   - RDMSR/WRMSR of 800H-8FFH with "virtualize x2APIC mode" and
 *     "APIC-register virtualization" (30.5), with the trap-like APIC-write
 *     exit 56 of a self IPI below vector 16 (30.4.3.3), and WRMSR 830H
 *     with IPI virtualization (ipiv.c).
 *
 * RVI and SVI live in the guest interrupt-status field of the cached
 * VMCS; the virtual-APIC registers live in L1's memory at the
 * virtual-APIC address (a physical address, never translated by EPT).
 * A recognized virtual interrupt (v->vintr_pending) is delivered at an
 * instruction boundary through L2's IDT as an external interrupt (the
 * engine delivers cpu->injected), never consulting the exception bitmap
 * or external-interrupt exiting.
 */
#include "vmx/nonroot.h"

/* Offsets on the virtual-APIC page (SDM 30.1.1). */
#define VAPIC_TPR	0x080u
#define VAPIC_PPR	0x0a0u
#define VAPIC_ISR	0x100u
#define VAPIC_IRR	0x200u
#define VAPIC_ICR	0x300u
#define VAPIC_SELF_IPI	0x3f0u

#define X2APIC_FIRST	0x800u
#define X2APIC_LAST	0x8ffu
#define X2APIC_TPR	0x808u
#define X2APIC_EOI	0x80bu
#define X2APIC_ICR	0x830u
#define X2APIC_ICR_RESV	0xfff32000ull   /* bits 31:20, 17:16, 13 */
#define X2APIC_SELF_IPI	0x83fu

/* ---- the virtual-APIC page ------------------------------------------- */

static uint64_t vapic_base(const struct vmx_vcpu *v)
{
	return vmcs_read(v, VMCS_VIRTUAL_APIC_PAGE_ADDR);
}

/* Outside guest RAM a virtual-APIC register reads all ones and writes
 * are dropped (tpr.c explains why that page may be anywhere). */
static uint32_t vapic_read(const struct vmx_vcpu *v, const struct guest_mem *m,
			   unsigned off)
{
	uint32_t val = 0xffffffffu;

	gmem_read_u32(m, vapic_base(v) + off, &val);
	return val;
}

static void vapic_write(struct vmx_vcpu *v, struct guest_mem *m, unsigned off,
			uint32_t val)
{
	gmem_write_u32(m, vapic_base(v) + off, val);
}

/* VIRR and VISR: bit x at bit (x & 1FH) of offset base | ((x & E0H) >> 1)
 * (30.1.1). */
static unsigned vec_reg(unsigned base, unsigned vec)
{
	return base | ((vec & 0xe0u) >> 1);
}

static void vec_set(struct vmx_vcpu *v, struct guest_mem *m, unsigned base,
		    unsigned vec)
{
	unsigned off = vec_reg(base, vec);

	vapic_write(v, m, off, vapic_read(v, m, off) | 1u << (vec & 31));
}

/* Clear bit vec, return the highest vector still set (0 if none). */
static unsigned vec_clear_highest(struct vmx_vcpu *v, struct guest_mem *m,
				  unsigned base, unsigned vec)
{
	unsigned off = vec_reg(base, vec);

	vapic_write(v, m, off, vapic_read(v, m, off) & ~(1u << (vec & 31)));
	for (int r = 7; r >= 0; r--) {
		uint32_t bits = vapic_read(v, m, base + 16u * (unsigned)r);

		if (bits)
			return (unsigned)r * 32 + 31 - (unsigned)__builtin_clz(bits);
	}
	return 0;
}

/* ---- guest interrupt status: RVI bits 7:0, SVI bits 15:8 (25.4.2) ----- */

static unsigned rvi(const struct vmx_vcpu *v)
{
	return vmcs_read(v, VMCS_GUEST_INTR_STATUS) & 0xffu;
}

static unsigned svi(const struct vmx_vcpu *v)
{
	return (vmcs_read(v, VMCS_GUEST_INTR_STATUS) >> 8) & 0xffu;
}

static void set_status(struct vmx_vcpu *v, unsigned rv, unsigned sv)
{
	vmcs_write(v, VMCS_GUEST_INTR_STATUS, (sv & 0xffu) << 8 | (rv & 0xffu));
}

/* Posted-interrupt processing (posted.c, SDM 30.6): VIRR register r |=
 * bits, and RVI := max(RVI, vec). */
void vmx_vapic_or_virr(struct vmx_vcpu *v, struct guest_mem *m, unsigned r,
		       uint32_t bits)
{
	unsigned off = VAPIC_IRR + 16u * r;

	vapic_write(v, m, off, vapic_read(v, m, off) | bits);
}

void vmx_vapic_raise_rvi(struct vmx_vcpu *v, unsigned vec)
{
	if (vec > rvi(v))
		set_status(v, vec, svi(v));
}

/* ---- the virtualizations of 30.1 and 30.2 ------------------------------ */

/* SDM 30.1.3: VPPR := VTPR if VTPR[7:4] >= SVI[7:4], else SVI & F0H. */
static void ppr_virtualize(struct vmx_vcpu *v, struct guest_mem *m)
{
	uint32_t vtpr = vapic_read(v, m, VAPIC_TPR) & 0xffu;
	uint32_t sv = svi(v);

	vapic_write(v, m, VAPIC_PPR,
		    (vtpr >> 4) >= (sv >> 4) ? vtpr : (sv & 0xf0u));
}

/* SDM 30.2.1: recognize a pending virtual interrupt iff interrupt-window
 * exiting is 0 and RVI[7:4] > VPPR[7:4].  Only VM entry, TPR, EOI and
 * self-IPI virtualization and posted-interrupt processing evaluate. */
void vmx_vintr_evaluate(struct vmx_vcpu *v, struct x86_intercept_ctx *ctx)
{
	uint32_t vppr = vapic_read(v, ctx->mem, VAPIC_PPR) & 0xffu;

	v->vintr_pending = !(vmx_proc(v) & CPU_INTR_WINDOW_EXITING) &&
			   (rvi(v) >> 4) > (vppr >> 4);
	if (v->vintr_pending)
		ctx->boundary_wanted = true;
}

/* SDM 30.1.2 with "virtual-interrupt delivery" = 1 (MOV to CR8, WRMSR
 * 808H): PPR virtualization, then evaluation; no TPR-threshold exit. */
void vmx_vintr_tpr_virtualize(struct vmx_vcpu *v, struct x86_intercept_ctx *ctx)
{
	ppr_virtualize(v, ctx->mem);
	vmx_vintr_evaluate(v, ctx);
}

/* A trap-like exit due at the next boundary, after the instruction that
 * caused it completed (boundary.c takes it like TPR below threshold). */
static void trap_exit(struct vmx_vcpu *v, struct x86_intercept_ctx *ctx,
		      uint32_t reason, uint64_t qual)
{
	v->tpr_exit_pending = true;
	v->trap_exit_reason = reason;
	v->trap_exit_qual = qual;
	ctx->boundary_wanted = true;
}

/* SDM 30.4.3.3: the trap-like APIC-write exit, qualification = offset. */
void vmx_apic_write_exit(struct vmx_vcpu *v, struct x86_intercept_ctx *ctx,
			 unsigned offset)
{
	trap_exit(v, ctx, EXIT_REASON_APIC_WRITE, offset);
}

/*
 * SDM 30.1.4, EOI virtualization: the vector in service (SVI) leaves
 * VISR, SVI becomes the next one, PPR virtualization; then a trap-like
 * "virtualized EOI" exit (45, qualification = the vector) if the vector's
 * bit is set in the EOI-exit bitmap, else evaluation.
 */
void vmx_eoi_virtualize(struct vmx_vcpu *v, struct x86_intercept_ctx *ctx)
{
	static const uint32_t eoi_exit[4] = {
		VMCS_EOI_EXIT_BITMAP0, VMCS_EOI_EXIT_BITMAP1,
		VMCS_EOI_EXIT_BITMAP2, VMCS_EOI_EXIT_BITMAP3,
	};
	unsigned vec = svi(v);

	set_status(v, rvi(v), vec_clear_highest(v, ctx->mem, VAPIC_ISR, vec));
	ppr_virtualize(v, ctx->mem);
	if ((vmcs_read(v, eoi_exit[vec / 64]) >> (vec % 64)) & 1)
		trap_exit(v, ctx, EXIT_REASON_EOI_INDUCED, vec);
	else
		vmx_vintr_evaluate(v, ctx);
}

/* SDM 30.1.5: VIRR[vector] := 1, RVI := max(RVI, vector), evaluation. */
void vmx_self_ipi_virtualize(struct vmx_vcpu *v, struct x86_intercept_ctx *ctx,
			     unsigned vec)
{
	unsigned rv = rvi(v);

	vec_set(v, ctx->mem, VAPIC_IRR, vec);
	set_status(v, vec > rv ? vec : rv, svi(v));
	vmx_vintr_evaluate(v, ctx);
}

/* SDM 30.1.2 via 30.5: the TPR shadow decides between the threshold
 * check and PPR virtualization. */
void vmx_tpr_virtualize(struct vmx_vcpu *v, struct x86_intercept_ctx *ctx)
{
	if (vmx_proc2(v) & CPU2_VIRT_INTR_DELIVERY) {
		vmx_vintr_tpr_virtualize(v, ctx);
		return;
	}
	if ((vapic_read(v, ctx->mem, VAPIC_TPR) & 0xffu) >> 4 <
	    (vmcs_read(v, VMCS_TPR_THRESHOLD) & 0xfu))
		trap_exit(v, ctx, EXIT_REASON_TPR_BELOW_THRESHOLD, 0);
}

/* SDM 27.3.2.5: VM entry with virtual-interrupt delivery performs PPR
 * virtualization and evaluates pending virtual interrupts. */
void vmx_vintr_entry(struct vmx_vcpu *v, struct x86_intercept_ctx *ctx)
{
	v->vintr_pending = false;
	if (!(vmx_proc2(v) & CPU2_VIRT_INTR_DELIVERY))
		return;
	ppr_virtualize(v, ctx->mem);
	vmx_vintr_evaluate(v, ctx);
}

/*
 * SDM 30.2.2: a recognized virtual interrupt is delivered at a boundary
 * with RFLAGS.IF = 1, no blocking by STI or MOV SS, and interrupt-window
 * exiting 0 (true: cpu->injected holds it for the engine).  VISR gets
 * the vector, SVI := vector, VPPR := vector & F0H, the vector leaves VIRR
 * and RVI becomes the next one; recognition ends.
 */
bool vmx_vintr_deliver(struct vmx_vcpu *v, struct x86_intercept_ctx *ctx)
{
	struct cpu_state *s = ctx->cpu;
	unsigned vec = rvi(v);

	if (!v->vintr_pending || !(s->rflags & RFLAGS_IF) ||
	    (s->interruptibility & (INTR_BLOCK_STI | INTR_BLOCK_MOV_SS)) ||
	    (vmx_proc(v) & CPU_INTR_WINDOW_EXITING))
		return false;
	vec_set(v, ctx->mem, VAPIC_ISR, vec);
	vapic_write(v, ctx->mem, VAPIC_PPR, vec & 0xf0u);
	set_status(v, vec_clear_highest(v, ctx->mem, VAPIC_IRR, vec), vec);
	v->vintr_pending = false;
	s->injected = (struct x86_event){
		.valid = true, .type = EVT_EXT_INTR, .vector = (uint8_t)vec,
	};
	return true;
}

/* ---- RDMSR/WRMSR of the x2APIC range (30.5) ---------------------------- */

/*
 * RDMSR 800H-8FFH that did not exit: ECX = 808H (TPR), or any of them with
 * APIC-register virtualization, reads the 8 bytes at offset (ECX & FFH)
 * << 4 of the virtual-APIC page, even when the local APIC is not in
 * x2APIC mode.  Others read the local APIC as usual.
 */
static enum icpt_result x2apic_read(struct vmx_vcpu *v,
				    struct x86_intercept_ctx *ctx,
				    struct x86_intercept *ic)
{
	uint32_t idx = ic->u.msr.index;
	unsigned off = (idx & 0xffu) << 4;

	if (idx != X2APIC_TPR && !(vmx_proc2(v) & CPU2_APIC_REGISTER_VIRT))
		return ICPT_CONTINUE;
	ic->u.msr.value = (uint64_t)vapic_read(v, ctx->mem, off + 4) << 32 |
			  vapic_read(v, ctx->mem, off);
	return ICPT_EMULATED;
}

/* Write EDX:EAX as the 8 bytes at off. */
static void vapic_write64(struct vmx_vcpu *v, struct guest_mem *m,
			  unsigned off, uint64_t val)
{
	vapic_write(v, m, off, (uint32_t)val);
	vapic_write(v, m, off + 4, (uint32_t)(val >> 32));
}

/*
 * WRMSR 830H with IPI virtualization (SDM 30.5): #GP(0) for the ICR's
 * reserved bits 31:20, 17:16 and 13; else EDX:EAX goes to offset 300H and
 * an IPI virtualization accepts (vmx_ipiv_icr_ok) is virtualized to the
 * 32-bit APIC ID in EDX, any other a trap-like APIC-write exit (300H).
 * Without IPI virtualization the local APIC sends it as usual.
 */
static enum icpt_result x2apic_icr_write(struct vmx_vcpu *v,
					 struct x86_intercept_ctx *ctx,
					 uint64_t val)
{
	if (!(vmx_proc3(v) & CPU3_IPI_VIRT))
		return ICPT_CONTINUE;
	if (val & X2APIC_ICR_RESV)
		return vmx_gp0(ctx->cpu);
	vapic_write64(v, ctx->mem, VAPIC_ICR, val);
	if (vmx_ipiv_icr_ok((uint32_t)val))
		vmx_ipi_virtualize(v, ctx, val & 0xffu, (uint32_t)(val >> 32));
	else
		trap_exit(v, ctx, EXIT_REASON_APIC_WRITE, VAPIC_ICR);
	return ICPT_EMULATED;
}

/*
 * WRMSR that did not exit: 808H (TPR) writes VTPR and the 4 bytes above
 * (#GP(0) if bits 63:8 are set) and virtualizes the TPR; with
 * virtual-interrupt delivery, 80BH (EOI; #GP(0) unless 0) virtualizes
 * the EOI and 83FH (self IPI; #GP(0) if bits 63:8 are set) the self IPI,
 * except a vector below 16, which is written to offset 3F0H and ends in
 * a trap-like APIC-write exit (56, qualification 3F0H).  Others write the
 * local APIC as usual.
 */
static enum icpt_result x2apic_write(struct vmx_vcpu *v,
				     struct x86_intercept_ctx *ctx,
				     struct x86_intercept *ic)
{
	uint64_t val = ic->u.msr.value;
	bool vid = vmx_proc2(v) & CPU2_VIRT_INTR_DELIVERY;

	switch (ic->u.msr.index) {
	case X2APIC_TPR:
		if (val >> 8)
			return vmx_gp0(ctx->cpu);
		vapic_write64(v, ctx->mem, VAPIC_TPR, val);
		vmx_tpr_virtualize(v, ctx);
		return ICPT_EMULATED;
	case X2APIC_EOI:
		if (!vid)
			return ICPT_CONTINUE;
		if (val)
			return vmx_gp0(ctx->cpu);
		vmx_eoi_virtualize(v, ctx);
		return ICPT_EMULATED;
	case X2APIC_ICR:
		return x2apic_icr_write(v, ctx, val);
	case X2APIC_SELF_IPI:
		if (!vid)
			return ICPT_CONTINUE;
		if (val >> 8)
			return vmx_gp0(ctx->cpu);
		if (val < 16) {
			vapic_write64(v, ctx->mem, VAPIC_SELF_IPI, val);
			trap_exit(v, ctx, EXIT_REASON_APIC_WRITE,
				  VAPIC_SELF_IPI);
		} else {
			vmx_self_ipi_virtualize(v, ctx, (unsigned)val);
		}
		return ICPT_EMULATED;
	default:
		return ICPT_CONTINUE;
	}
}

enum icpt_result vmx_x2apic_msr(struct vmx_vcpu *v,
				struct x86_intercept_ctx *ctx,
				struct x86_intercept *ic)
{
	uint32_t idx = ic->u.msr.index;

	if (!(vmx_proc2(v) & CPU2_VIRT_X2APIC_MODE) ||
	    idx < X2APIC_FIRST || idx > X2APIC_LAST)
		return ICPT_CONTINUE;
	return ic->kind == ICPT_WRMSR ? x2apic_write(v, ctx, ic)
				      : x2apic_read(v, ctx, ic);
}
