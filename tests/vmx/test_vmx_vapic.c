// SPDX-License-Identifier: MIT
/*
 * Virtual interrupts and x2APIC virtualization (src/vmx/vapic.c, SDM Vol.
 * 3C chapter 30): evaluation and delivery of virtual interrupts (30.2),
 * PPR/TPR/EOI/self-IPI virtualization (30.1), RDMSR/WRMSR of 800H-8FFH
 * (30.5), the trap-like virtualized-EOI (45) and APIC-write (56) exits,
 * VM entry (27.3.2.5) and its checks (27.2.1.1).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "devices/lapic.h"
#include "vmx/exit_info.h"
#include "vmx/nonroot.h"
#include "vmxb_fixture.h"

#define VTPR	(FIX_VAPIC + 0x80)
#define VPPR	(FIX_VAPIC + 0xa0)
#define VISR	(FIX_VAPIC + 0x100)
#define VIRR	(FIX_VAPIC + 0x200)
#define PID	0x14000ull     /* posted-interrupt descriptor */
#define NV	0xf2u          /* notification vector */
#define INSN_LEN 2u    /* wrmsr/rdmsr = 0f 30 / 0f 32 */
#define APICV	(CPU2_VIRT_X2APIC_MODE | CPU2_APIC_REGISTER_VIRT | \
		 CPU2_VIRT_INTR_DELIVERY)

static struct fix F;

static void setup(void)
{
	fix_init(&F, true);
	fix_baseline(&F);
	fset(&F, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_USE_TPR_SHADOW |
	     CPU_USE_MSR_BITMAPS | CPU_ACTIVATE_SECONDARY);
	fset(&F, VMCS_PIN_BASED_VM_EXEC_CONTROL, PIN_EXT_INTR_EXITING);
	fw(&F, VMCS_SECONDARY_VM_EXEC_CONTROL, APICV);
	fw(&F, VMCS_VIRTUAL_APIC_PAGE_ADDR, FIX_VAPIC);
	fw(&F, VMCS_MSR_BITMAP, FIX_MSR_BITMAP);
	fw(&F, VMCS_GUEST_RFLAGS, RFLAGS_FIXED1 | RFLAGS_IF);
}

static void teardown(void)
{
	fix_fini(&F);
}

static uint32_t rd32(uint64_t gpa)
{
	uint32_t v = 0;

	ck_assert(gmem_read_u32(&F.mem, gpa, &v));
	return v;
}

static void wr32(uint64_t gpa, uint32_t v)
{
	ck_assert(gmem_write_u32(&F.mem, gpa, v));
}

static bool vec_in(uint64_t base, unsigned vec)
{
	return (rd32(base + ((vec & 0xe0u) >> 1)) >> (vec & 31)) & 1;
}

static void vec_put(uint64_t base, unsigned vec)
{
	uint64_t a = base + ((vec & 0xe0u) >> 1);

	wr32(a, rd32(a) | 1u << (vec & 31));
}

static unsigned rvi(void)
{
	return fr(&F, VMCS_GUEST_INTR_STATUS) & 0xff;
}

static unsigned svi(void)
{
	return fr(&F, VMCS_GUEST_INTR_STATUS) >> 8;
}

static void status(unsigned rv, unsigned sv)
{
	fw(&F, VMCS_GUEST_INTR_STATUS, sv << 8 | rv);
}

static void enter(void)
{
	ck_assert_int_eq(vmx_vmentry(F.v, &F.ctx, NULL, true), ICPT_SWITCHED);
	ck_assert(F.v->nonroot);
	F.state_changed = 0;
}

static struct x86_intercept msr(bool write, uint32_t index, uint64_t val)
{
	struct x86_intercept ic;

	memset(&ic, 0, sizeof(ic));
	ic.kind = write ? ICPT_WRMSR : ICPT_RDMSR;
	ic.rip = F.cpu.rip;
	ic.insn_len = INSN_LEN;
	ic.u.msr.index = index;
	ic.u.msr.value = val;
	return ic;
}

static enum icpt_result wrmsr(uint32_t index, uint64_t val)
{
	struct x86_intercept ic = msr(true, index, val);

	return vmx_nonroot_intercept(F.v, &F.ctx, &ic);
}

/* RDMSR virtualized: the value; not virtualized: fails the test. */
static uint64_t rdmsr_virt(uint32_t index)
{
	struct x86_intercept ic = msr(false, index, 0);

	ck_assert_int_eq(vmx_nonroot_intercept(F.v, &F.ctx, &ic),
			 ICPT_EMULATED);
	return ic.u.msr.value;
}

static void assert_gp0(enum icpt_result r)
{
	ck_assert_int_eq(r, ICPT_FAULT);
	ck_assert(F.cpu.pending_exception.valid);
	ck_assert_uint_eq(F.cpu.pending_exception.vector, 13);
	ck_assert_uint_eq(F.cpu.pending_exception.error_code, 0);
	F.cpu.pending_exception.valid = false;
}

/* VMfailValid(7): entry rejected on a control check. */
static void assert_entry_fails_7(void)
{
	ck_assert_int_eq(vmx_vmentry(F.v, &F.ctx, NULL, true), ICPT_EMULATED);
	ck_assert(!F.v->nonroot);
	ck_assert_uint_eq(fr(&F, VMCS_VM_INSTRUCTION_ERROR),
			  VMXERR_ENTRY_INVALID_CONTROL);
}

/* ---- capabilities and entry checks ------------------------------------ */

START_TEST(caps_and_fields)
{
	uint64_t proc2;

	ck_assert(vmx_caps_msr(&F.v->caps, MSR_IA32_VMX_PROCBASED_CTLS2,
			       &proc2));
	ck_assert_uint_eq((proc2 >> 32) & APICV, APICV);
	ck_assert(vmx_field_supported(&F.v->caps, VMCS_GUEST_INTR_STATUS));
	ck_assert(vmx_field_supported(&F.v->caps, VMCS_EOI_EXIT_BITMAP3));
}
END_TEST

START_TEST(entry_vid_needs_ext_intr_exiting)
{
	fclr(&F, VMCS_PIN_BASED_VM_EXEC_CONTROL, PIN_EXT_INTR_EXITING);
	assert_entry_fails_7();
	fset(&F, VMCS_PIN_BASED_VM_EXEC_CONTROL, PIN_EXT_INTR_EXITING);
	enter();
}
END_TEST

START_TEST(entry_apicv_needs_tpr_shadow)
{
	static const uint32_t each[3] = {
		CPU2_VIRT_X2APIC_MODE, CPU2_APIC_REGISTER_VIRT,
		CPU2_VIRT_INTR_DELIVERY,
	};

	fclr(&F, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_USE_TPR_SHADOW);
	for (unsigned i = 0; i < 3; i++) {
		fw(&F, VMCS_SECONDARY_VM_EXEC_CONTROL, each[i]);
		assert_entry_fails_7();
	}
}
END_TEST

/* ---- evaluation and delivery (30.2) ----------------------------------- */

START_TEST(entry_recognizes_and_delivers_highest)
{
	status(0x31, 0);
	vec_put(VIRR, 0x31);
	vec_put(VIRR, 0x22);
	wr32(VPPR, 0xff);          /* VM entry recomputes VPPR */
	enter();
	ck_assert_uint_eq(rd32(VPPR), 0);
	ck_assert(F.v->vintr_pending);
	ck_assert(F.ctx.boundary_wanted);
	ck_assert_int_eq(vmx_boundary(F.v, &F.ctx), ICPT_CONTINUE);
	/* Delivered as an external interrupt with vector RVI (30.2.2). */
	ck_assert(F.cpu.injected.valid);
	ck_assert_uint_eq(F.cpu.injected.type, EVT_EXT_INTR);
	ck_assert_uint_eq(F.cpu.injected.vector, 0x31);
	ck_assert(F.v->nonroot);
	ck_assert(vec_in(VISR, 0x31));
	ck_assert(!vec_in(VIRR, 0x31));
	ck_assert(vec_in(VIRR, 0x22));
	ck_assert_uint_eq(svi(), 0x31);
	ck_assert_uint_eq(rvi(), 0x22);
	ck_assert_uint_eq(rd32(VPPR), 0x30);
	/* Recognition ceased; 22H is below the new VPPR anyway. */
	ck_assert(!F.v->vintr_pending);
}
END_TEST

START_TEST(not_recognized_at_or_below_vppr)
{
	status(0x45, 0);
	vec_put(VIRR, 0x45);
	wr32(VTPR, 0x40);          /* same priority class: not above */
	enter();
	ck_assert_uint_eq(rd32(VPPR), 0x40);
	ck_assert(!F.v->vintr_pending);
	ck_assert_int_eq(vmx_boundary(F.v, &F.ctx), ICPT_CONTINUE);
	ck_assert(!F.cpu.injected.valid);
	/* WRMSR 808H lowers VTPR: TPR virtualization evaluates (30.1.2). */
	ck_assert_int_eq(wrmsr(0x808, 0x30), ICPT_EMULATED);
	ck_assert_uint_eq(rd32(VTPR), 0x30);
	ck_assert_uint_eq(rd32(VPPR), 0x30);
	ck_assert(F.v->vintr_pending);
	ck_assert(!F.v->tpr_exit_pending);
}
END_TEST

START_TEST(delivery_waits_for_if_and_shadows)
{
	status(0x50, 0);
	vec_put(VIRR, 0x50);
	fw(&F, VMCS_GUEST_RFLAGS, RFLAGS_FIXED1);
	enter();
	ck_assert(F.v->vintr_pending);
	ck_assert_int_eq(vmx_boundary(F.v, &F.ctx), ICPT_CONTINUE);
	ck_assert(!F.cpu.injected.valid);
	ck_assert(F.ctx.boundary_wanted);   /* still waiting */
	F.cpu.rflags |= RFLAGS_IF;
	F.cpu.interruptibility = INTR_BLOCK_STI;
	ck_assert_int_eq(vmx_boundary(F.v, &F.ctx), ICPT_CONTINUE);
	ck_assert(!F.cpu.injected.valid);
	F.cpu.interruptibility = INTR_BLOCK_MOV_SS;
	ck_assert_int_eq(vmx_boundary(F.v, &F.ctx), ICPT_CONTINUE);
	ck_assert(!F.cpu.injected.valid);
	F.cpu.interruptibility = 0;
	ck_assert_int_eq(vmx_boundary(F.v, &F.ctx), ICPT_CONTINUE);
	ck_assert(F.cpu.injected.valid);
	ck_assert_uint_eq(F.cpu.injected.vector, 0x50);
	ck_assert_uint_eq(rvi(), 0);
}
END_TEST

/* Interrupt-window exiting = 1: not recognized; the window exit instead. */
START_TEST(interrupt_window_exiting_blocks_recognition)
{
	status(0x50, 0);
	vec_put(VIRR, 0x50);
	fset(&F, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_INTR_WINDOW_EXITING);
	enter();
	ck_assert(!F.v->vintr_pending);
	ck_assert_int_eq(vmx_boundary(F.v, &F.ctx), ICPT_SWITCHED);
	ck_assert_uint_eq(fr(&F, VMCS_VM_EXIT_REASON),
			  EXIT_REASON_INTERRUPT_WINDOW);
	ck_assert(!F.cpu.injected.valid);
	ck_assert_uint_eq(rvi(), 0x50);
}
END_TEST

/* An NMI exit comes before virtual-interrupt delivery (30.2.2). */
START_TEST(nmi_exit_before_virtual_interrupt)
{
	status(0x50, 0);
	vec_put(VIRR, 0x50);
	fset(&F, VMCS_PIN_BASED_VM_EXEC_CONTROL, PIN_NMI_EXITING);
	enter();
	F.cpu.nmi_pending = true;
	ck_assert_int_eq(vmx_boundary(F.v, &F.ctx), ICPT_SWITCHED);
	ck_assert_uint_eq(fr(&F, VMCS_VM_EXIT_REASON),
			  EXIT_REASON_EXCEPTION_NMI);
	ck_assert(!F.cpu.injected.valid);
	ck_assert(!F.v->vintr_pending);     /* VM exit ends recognition */
	ck_assert_uint_eq(rvi(), 0x50);
}
END_TEST

/* Without virtual-interrupt delivery nothing is evaluated at entry. */
START_TEST(no_vid_no_evaluation)
{
	fw(&F, VMCS_SECONDARY_VM_EXEC_CONTROL, CPU2_VIRT_X2APIC_MODE);
	fclr(&F, VMCS_PIN_BASED_VM_EXEC_CONTROL, PIN_EXT_INTR_EXITING);
	vec_put(VIRR, 0x50);
	wr32(VPPR, 0x77);
	enter();
	ck_assert(!F.v->vintr_pending);
	ck_assert_uint_eq(rd32(VPPR), 0x77);
	/* EOI and self-IPI MSRs are not virtualized: the local APIC's. */
	ck_assert_int_eq(wrmsr(0x80b, 0), ICPT_CONTINUE);
	ck_assert_int_eq(wrmsr(0x83f, 0x50), ICPT_CONTINUE);
	/* WRMSR 808H is, with the threshold rule (no VID). */
	fw(&F, VMCS_TPR_THRESHOLD, 4);
	ck_assert_int_eq(wrmsr(0x808, 0x30), ICPT_EMULATED);
	ck_assert(F.v->tpr_exit_pending);
	F.cpu.rip += INSN_LEN;
	ck_assert_int_eq(vmx_boundary(F.v, &F.ctx), ICPT_SWITCHED);
	ck_assert_uint_eq(fr(&F, VMCS_VM_EXIT_REASON),
			  EXIT_REASON_TPR_BELOW_THRESHOLD);
	ck_assert_uint_eq(fr(&F, VMCS_EXIT_QUALIFICATION), 0);
}
END_TEST

/* PPR virtualization (30.1.3): VTPR wins ties of the priority class. */
START_TEST(ppr_takes_vtpr_on_equal_class)
{
	status(0, 0x41);
	vec_put(VISR, 0x41);
	wr32(VTPR, 0x4c);
	enter();
	ck_assert_uint_eq(rd32(VPPR), 0x4c);
	wr32(VTPR, 0x3c);
	ck_assert_int_eq(wrmsr(0x808, 0x3c), ICPT_EMULATED);
	ck_assert_uint_eq(rd32(VPPR), 0x40);
}
END_TEST

/* ---- EOI virtualization (30.1.4) -------------------------------------- */

START_TEST(eoi_retires_svi_and_evaluates)
{
	status(0x28, 0x61);
	vec_put(VISR, 0x61);
	vec_put(VISR, 0x44);
	vec_put(VIRR, 0x28);
	wr32(VTPR, 0x10);
	enter();
	ck_assert_uint_eq(rd32(VPPR), 0x60);
	ck_assert(!F.v->vintr_pending);
	ck_assert_int_eq(wrmsr(0x80b, 0), ICPT_EMULATED);
	ck_assert(!vec_in(VISR, 0x61));
	ck_assert(vec_in(VISR, 0x44));
	ck_assert_uint_eq(svi(), 0x44);
	ck_assert_uint_eq(rd32(VPPR), 0x40);
	ck_assert(!F.v->vintr_pending);     /* 28H is below 40H */
	ck_assert_int_eq(wrmsr(0x80b, 0), ICPT_EMULATED);
	ck_assert_uint_eq(svi(), 0);
	ck_assert_uint_eq(rd32(VPPR), 0x10);  /* VTPR now */
	ck_assert(F.v->vintr_pending);
	ck_assert(!F.v->tpr_exit_pending);
	/* A non-zero EOI write is #GP(0), nothing changes. */
	assert_gp0(wrmsr(0x80b, 1));
	assert_gp0(wrmsr(0x80b, 1ull << 32));
}
END_TEST

START_TEST(eoi_exit_bitmap_trap_exit_45)
{
	struct x86_intercept ic;

	status(0, 0xc5);
	vec_put(VISR, 0xc5);
	fw(&F, VMCS_EOI_EXIT_BITMAP3, 1ull << (0xc5 - 0xc0));
	enter();
	F.cpu.rip = 0x402200;
	ic = msr(true, 0x80b, 0);
	ck_assert_int_eq(vmx_nonroot_intercept(F.v, &F.ctx, &ic),
			 ICPT_EMULATED);
	/* The EOI is virtualized first; the exit is trap-like. */
	ck_assert(!vec_in(VISR, 0xc5));
	ck_assert_uint_eq(svi(), 0);
	ck_assert(F.v->nonroot);
	ck_assert(F.v->tpr_exit_pending);
	F.cpu.rip += INSN_LEN;
	ck_assert_int_eq(vmx_boundary(F.v, &F.ctx), ICPT_SWITCHED);
	ck_assert(!F.v->nonroot);
	ck_assert_uint_eq(fr(&F, VMCS_VM_EXIT_REASON),
			  EXIT_REASON_EOI_INDUCED);
	ck_assert_uint_eq(fr(&F, VMCS_EXIT_QUALIFICATION), 0xc5);
	ck_assert_uint_eq(fr(&F, VMCS_GUEST_RIP), 0x402200 + INSN_LEN);
	ck_assert_uint_eq(fr(&F, VMCS_GUEST_INTR_STATUS), 0);
	ck_assert(!F.v->tpr_exit_pending);
	ck_assert_uint_eq(F.v->trap_exit_reason, 0);
}
END_TEST

/* Bit 0x45 of bitmap 1 is vector 0x45, not its neighbour. */
START_TEST(eoi_exit_bitmap_only_its_vector)
{
	status(0, 0x45);
	vec_put(VISR, 0x45);
	fw(&F, VMCS_EOI_EXIT_BITMAP1, ~(1ull << 5));
	enter();
	ck_assert_int_eq(wrmsr(0x80b, 0), ICPT_EMULATED);
	ck_assert(!F.v->tpr_exit_pending);
	ck_assert_uint_eq(svi(), 0);
}
END_TEST

/* ---- self IPI (30.1.5, 30.5) ------------------------------------------ */

START_TEST(self_ipi_sets_virr_and_rvi)
{
	status(0x30, 0);
	vec_put(VIRR, 0x30);
	wr32(VTPR, 0x80);
	enter();
	ck_assert(!F.v->vintr_pending);
	ck_assert_int_eq(wrmsr(0x83f, 0x20), ICPT_EMULATED);
	ck_assert(vec_in(VIRR, 0x20));
	ck_assert_uint_eq(rvi(), 0x30);        /* max(RVI, vector) */
	ck_assert(!F.v->vintr_pending);
	ck_assert_int_eq(wrmsr(0x83f, 0x93), ICPT_EMULATED);
	ck_assert(vec_in(VIRR, 0x93));
	ck_assert_uint_eq(rvi(), 0x93);
	ck_assert(F.v->vintr_pending);
	ck_assert_int_eq(vmx_boundary(F.v, &F.ctx), ICPT_CONTINUE);
	ck_assert_uint_eq(F.cpu.injected.vector, 0x93);
	ck_assert_uint_eq(rvi(), 0x30);
	assert_gp0(wrmsr(0x83f, 0x100));
}
END_TEST

START_TEST(self_ipi_below_16_apic_write_exit)
{
	enter();
	F.cpu.rip = 0x402300;
	ck_assert_int_eq(wrmsr(0x83f, 0x0f), ICPT_EMULATED);
	ck_assert_uint_eq(rd32(FIX_VAPIC + 0x3f0), 0x0f);
	ck_assert(!vec_in(VIRR, 0x0f));
	F.cpu.rip += INSN_LEN;
	ck_assert_int_eq(vmx_boundary(F.v, &F.ctx), ICPT_SWITCHED);
	ck_assert_uint_eq(fr(&F, VMCS_VM_EXIT_REASON), EXIT_REASON_APIC_WRITE);
	ck_assert_uint_eq(fr(&F, VMCS_EXIT_QUALIFICATION), 0x3f0);
	ck_assert_uint_eq(fr(&F, VMCS_GUEST_RIP), 0x402300 + INSN_LEN);
}
END_TEST

/* ---- RDMSR/WRMSR of the x2APIC range (30.5) --------------------------- */

START_TEST(rdmsr_reads_virtual_apic_page)
{
	wr32(FIX_VAPIC + 0x300, 0x11223344);
	wr32(FIX_VAPIC + 0x304, 0x55667788);
	wr32(FIX_VAPIC + 0x310, 0xdeadbeef);
	wr32(VTPR, 0x5a);
	wr32(VTPR + 4, 0x01020304);
	enter();
	/* ICR: offset 300H and the 4 bytes above, not 310H. */
	ck_assert_uint_eq(rdmsr_virt(0x830), 0x5566778811223344ull);
	ck_assert_uint_eq(rdmsr_virt(0x808), 0x010203040000005aull);
	ck_assert_uint_eq(rdmsr_virt(0x80a), (uint64_t)rd32(VPPR));
}
END_TEST

START_TEST(rdmsr_without_register_virt_only_tpr)
{
	struct x86_intercept ic;

	fw(&F, VMCS_SECONDARY_VM_EXEC_CONTROL, CPU2_VIRT_X2APIC_MODE);
	wr32(VTPR, 0x70);
	enter();
	ck_assert_uint_eq(rdmsr_virt(0x808), 0x70);
	ic = msr(false, 0x830, 0);
	ck_assert_int_eq(vmx_nonroot_intercept(F.v, &F.ctx, &ic),
			 ICPT_CONTINUE);
	/* Without virtualize x2APIC mode not even the TPR. */
	fw(&F, VMCS_SECONDARY_VM_EXEC_CONTROL, 0);
	ic = msr(false, 0x808, 0);
	ck_assert_int_eq(vmx_nonroot_intercept(F.v, &F.ctx, &ic),
			 ICPT_CONTINUE);
}
END_TEST

START_TEST(wrmsr_tpr_writes_8_bytes_gp_on_high_bits)
{
	wr32(VTPR + 4, 0xffffffff);
	enter();
	ck_assert_int_eq(wrmsr(0x808, 0x66), ICPT_EMULATED);
	ck_assert_uint_eq(rd32(VTPR), 0x66);
	ck_assert_uint_eq(rd32(VTPR + 4), 0);
	assert_gp0(wrmsr(0x808, 0x100));
	ck_assert_uint_eq(rd32(VTPR), 0x66);
	/* Other registers are the local APIC's. */
	ck_assert_int_eq(wrmsr(0x838, 5), ICPT_CONTINUE);
}
END_TEST

/* The MSR bitmap comes first: a set bit exits instead (26.1.3). */
START_TEST(msr_bitmap_exit_wins)
{
	uint8_t b = 1u << (0x80b % 8);

	ck_assert(gmem_write(&F.mem, FIX_MSR_BITMAP + 2048 + 0x80b / 8, &b, 1));
	status(0, 0x40);
	vec_put(VISR, 0x40);
	enter();
	ck_assert_int_eq(wrmsr(0x80b, 0), ICPT_SWITCHED);
	ck_assert_uint_eq(fr(&F, VMCS_VM_EXIT_REASON), EXIT_REASON_MSR_WRITE);
	ck_assert(vec_in(VISR, 0x40));
}
END_TEST

/* ---- posted-interrupt processing (30.6) ------------------------------ */

static struct lapic L;
static struct cpu_intc L_intc = { &lapic_intc_ops, &L };

/* A local APIC with vectors requested in its IRR. */
static void apic_with(const uint8_t *vecs, unsigned n)
{
	struct lapic_config lc = { .bsp = true, .maxphyaddr = 39 };

	ck_assert_int_eq(lapic_init(&L, &lc, NULL, NULL, NULL, NULL, NULL), 0);
	lapic_reg_write(&L, APIC_SPIV, APIC_SPIV_ENABLE | 0xff);
	F.ctx.intc = &L_intc;
	for (unsigned i = 0; i < n; i++) {
		struct apic_msg m = { .vector = vecs[i], .mode = APIC_DM_FIXED };

		lapic_accept(&L, &m);
	}
}

static void posted_setup(void)
{
	fset(&F, VMCS_PIN_BASED_VM_EXEC_CONTROL, PIN_POSTED_INTR);
	fset(&F, VMCS_VM_EXIT_CONTROLS, EXIT_CTL_ACK_INTR_ON_EXIT);
	fw(&F, VMCS_POSTED_INTR_NV, NV);
	fw(&F, VMCS_POSTED_INTR_DESC_ADDR, PID);
}

/* PIR: 256 contiguous bits, bit x at bit x & 1FH of dword x / 32. */
static void pir_put(unsigned vec)
{
	uint64_t a = PID + 4 * (vec / 32);

	wr32(a, rd32(a) | 1u << (vec & 31));
}

static uint8_t pid_byte(unsigned off)
{
	uint8_t b = 0;

	ck_assert(gmem_read_u8(&F.mem, PID + off, &b));
	return b;
}

START_TEST(posted_caps)
{
	struct cpu_model m;
	struct vmx_caps c;
	char err[200];

	ck_assert(F.v->caps.pin.may1 & PIN_POSTED_INTR);
	ck_assert(vmx_field_supported(&F.v->caps, VMCS_POSTED_INTR_NV));
	ck_assert(vmx_field_supported(&F.v->caps, VMCS_POSTED_INTR_DESC_ADDR));
	ck_assert_int_eq(cpu_model_parse(&m, "max,-vmx-posted-intr", err,
					 sizeof(err)), 0);
	vmx_caps_init(&c, &m);
	ck_assert(!(c.pin.may1 & PIN_POSTED_INTR));
	ck_assert(!vmx_field_supported(&c, VMCS_POSTED_INTR_NV));
	ck_assert(c.proc2.may1 & CPU2_VIRT_INTR_DELIVERY);
	/* Without virtual-interrupt delivery posted interrupts go too. */
	ck_assert_int_eq(cpu_model_parse(&m, "max,-vid", err, sizeof(err)), 0);
	vmx_caps_init(&c, &m);
	ck_assert(!(c.pin.may1 & PIN_POSTED_INTR));
}
END_TEST

START_TEST(posted_entry_checks)
{
	posted_setup();
	fclr(&F, VMCS_VM_EXIT_CONTROLS, EXIT_CTL_ACK_INTR_ON_EXIT);
	assert_entry_fails_7();
	fset(&F, VMCS_VM_EXIT_CONTROLS, EXIT_CTL_ACK_INTR_ON_EXIT);
	fw(&F, VMCS_POSTED_INTR_NV, 0x1f2);
	assert_entry_fails_7();
	fw(&F, VMCS_POSTED_INTR_NV, NV);
	fw(&F, VMCS_POSTED_INTR_DESC_ADDR, PID + 0x20);
	assert_entry_fails_7();
	fw(&F, VMCS_POSTED_INTR_DESC_ADDR, PID + 0x40);
	fw(&F, VMCS_SECONDARY_VM_EXEC_CONTROL, CPU2_VIRT_X2APIC_MODE);
	assert_entry_fails_7();
	fw(&F, VMCS_SECONDARY_VM_EXEC_CONTROL, APICV);
	enter();
}
END_TEST

/* The notification vector: no exit; ON clear, the notification EOIed in
 * the local APIC, PIR moved into VIRR, RVI raised, the highest posted
 * vector delivered at the same boundary. */
START_TEST(posted_notification_processed)
{
	static const uint8_t nv[] = { NV };

	posted_setup();
	pir_put(0x45);
	pir_put(0x61);
	ck_assert(gmem_write_u8(&F.mem, PID + 32, 0x81));   /* ON + bit 263 */
	vec_put(VIRR, 0x21);
	status(0x21, 0);
	wr32(VTPR, 0x30);        /* 21H is not recognized before */
	enter();
	ck_assert(!F.v->vintr_pending);
	apic_with(nv, 1);
	ck_assert_int_eq(vmx_boundary(F.v, &F.ctx), ICPT_CONTINUE);
	ck_assert(F.v->nonroot);
	ck_assert_uint_eq(pid_byte(32), 0x80);            /* only ON cleared */
	for (unsigned i = 0; i < 32; i++)
		ck_assert_uint_eq(pid_byte(i), 0);
	ck_assert(!lapic_vec_test(&L, APIC_IRR, NV));
	ck_assert(!lapic_vec_test(&L, APIC_ISR, NV));
	ck_assert(vec_in(VIRR, 0x45));
	ck_assert(vec_in(VIRR, 0x21));
	/* 61H: RVI = max(21H, 61H), then delivered right away. */
	ck_assert(F.cpu.injected.valid);
	ck_assert_uint_eq(F.cpu.injected.vector, 0x61);
	ck_assert_uint_eq(svi(), 0x61);
	ck_assert_uint_eq(rvi(), 0x45);
	ck_assert_uint_eq(F.v->exit_count, 0);
}
END_TEST

/* RVI only grows; an empty PIR leaves it alone. */
START_TEST(posted_rvi_is_a_maximum)
{
	static const uint8_t nv[] = { NV };

	posted_setup();
	pir_put(0x45);
	vec_put(VIRR, 0x80);
	status(0x80, 0);
	fw(&F, VMCS_GUEST_RFLAGS, RFLAGS_FIXED1);
	enter();
	apic_with(nv, 1);
	ck_assert_int_eq(vmx_boundary(F.v, &F.ctx), ICPT_CONTINUE);
	ck_assert_uint_eq(rvi(), 0x80);
	ck_assert(vec_in(VIRR, 0x45));
	apic_with(nv, 1);
	ck_assert_int_eq(vmx_boundary(F.v, &F.ctx), ICPT_CONTINUE);
	ck_assert_uint_eq(rvi(), 0x80);
	ck_assert(!F.cpu.injected.valid);   /* RFLAGS.IF = 0 */
}
END_TEST

/* Another vector exits as usual, acknowledged; after a processed
 * notification a second pending interrupt still exits. */
START_TEST(posted_other_vector_exits)
{
	static const uint8_t both[] = { 0x33, NV };

	posted_setup();
	pir_put(0x45);
	fw(&F, VMCS_GUEST_RFLAGS, RFLAGS_FIXED1);
	enter();
	apic_with(both, 2);
	/* NV (F2H) is the higher priority: processed, then 33H exits. */
	ck_assert_int_eq(vmx_boundary(F.v, &F.ctx), ICPT_SWITCHED);
	ck_assert_uint_eq(fr(&F, VMCS_VM_EXIT_REASON),
			  EXIT_REASON_EXTERNAL_INTERRUPT);
	ck_assert_uint_eq(fr(&F, VMCS_VM_EXIT_INTR_INFO),
			  intr_info(EVT_EXT_INTR, 0x33, false));
	ck_assert(vec_in(VIRR, 0x45));
	ck_assert_uint_eq(fr(&F, VMCS_GUEST_INTR_STATUS) & 0xff, 0x45);
	ck_assert(lapic_vec_test(&L, APIC_ISR, 0x33));
}
END_TEST

/* Without the control the notification vector is an ordinary exit. */
START_TEST(posted_off_notification_exits)
{
	static const uint8_t nv[] = { NV };

	fset(&F, VMCS_VM_EXIT_CONTROLS, EXIT_CTL_ACK_INTR_ON_EXIT);
	fw(&F, VMCS_POSTED_INTR_DESC_ADDR, PID);
	pir_put(0x45);
	enter();
	apic_with(nv, 1);
	ck_assert_int_eq(vmx_boundary(F.v, &F.ctx), ICPT_SWITCHED);
	ck_assert_uint_eq(fr(&F, VMCS_VM_EXIT_INTR_INFO),
			  intr_info(EVT_EXT_INTR, NV, false));
	ck_assert(!vec_in(VIRR, 0x45));
}
END_TEST

/* An interrupt controller without an EOI register (cpu_intc.h: eoi NULL)
 * presenting the notification vector once: processed all the same. */
static int fake_left = 1;

static int fake_pending(void *opaque)
{
	(void)opaque;
	return fake_left ? (int)NV : -1;
}

static int fake_ack(void *opaque)
{
	(void)opaque;
	fake_left = 0;
	return NV;
}

static const struct cpu_intc_ops fake_ops = {
	.pending = fake_pending, .ack = fake_ack,
};
static struct cpu_intc fake_intc = { &fake_ops, NULL };

START_TEST(posted_without_eoi_register)
{
	posted_setup();
	pir_put(0x45);
	fw(&F, VMCS_GUEST_RFLAGS, RFLAGS_FIXED1);
	enter();
	fake_left = 1;
	F.ctx.intc = &fake_intc;
	ck_assert_int_eq(vmx_boundary(F.v, &F.ctx), ICPT_CONTINUE);
	ck_assert(F.v->nonroot);
	ck_assert(vec_in(VIRR, 0x45));
	ck_assert_uint_eq(rvi(), 0x45);
	ck_assert_uint_eq(fake_left, 0);
}
END_TEST

Suite *vapic_suite(void)
{
	Suite *s = suite_create("vmx_vapic");
	TCase *tc = tcase_create("vapic");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, caps_and_fields);
	tcase_add_test(tc, entry_vid_needs_ext_intr_exiting);
	tcase_add_test(tc, entry_apicv_needs_tpr_shadow);
	tcase_add_test(tc, entry_recognizes_and_delivers_highest);
	tcase_add_test(tc, not_recognized_at_or_below_vppr);
	tcase_add_test(tc, delivery_waits_for_if_and_shadows);
	tcase_add_test(tc, interrupt_window_exiting_blocks_recognition);
	tcase_add_test(tc, nmi_exit_before_virtual_interrupt);
	tcase_add_test(tc, no_vid_no_evaluation);
	tcase_add_test(tc, ppr_takes_vtpr_on_equal_class);
	tcase_add_test(tc, eoi_retires_svi_and_evaluates);
	tcase_add_test(tc, eoi_exit_bitmap_trap_exit_45);
	tcase_add_test(tc, eoi_exit_bitmap_only_its_vector);
	tcase_add_test(tc, self_ipi_sets_virr_and_rvi);
	tcase_add_test(tc, self_ipi_below_16_apic_write_exit);
	tcase_add_test(tc, rdmsr_reads_virtual_apic_page);
	tcase_add_test(tc, rdmsr_without_register_virt_only_tpr);
	tcase_add_test(tc, wrmsr_tpr_writes_8_bytes_gp_on_high_bits);
	tcase_add_test(tc, msr_bitmap_exit_wins);
	tcase_add_test(tc, posted_caps);
	tcase_add_test(tc, posted_entry_checks);
	tcase_add_test(tc, posted_notification_processed);
	tcase_add_test(tc, posted_rvi_is_a_maximum);
	tcase_add_test(tc, posted_other_vector_exits);
	tcase_add_test(tc, posted_off_notification_exits);
	tcase_add_test(tc, posted_without_eoi_register);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return fix_run_suite(vapic_suite());
}
