// SPDX-License-Identifier: MIT
/*
 * Tertiary controls and IPI virtualization (src/vmx/caps.c, entry_checks.c,
 * ipiv.c, SDM Vol. 3C 25.6.2, 27.2.1.1, 30.1.6, 30.4.3.2, 30.5): the
 * capability MSR 492H and the fields, the VM-entry checks, and what an
 * ICR write of L2 does - a PIR bit and ON in the descriptor the
 * PID-pointer table names, the notification through the local APIC (to
 * itself, then processed as a posted interrupt; or to another APIC on the
 * bus), or the trap-like APIC-write exit with qualification 300H.
 * fw_vmipiv proves the same rules end to end.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "devices/apic_bus.h"
#include "devices/lapic.h"
#include "vmx/nonroot.h"
#include "vmxb_fixture.h"

#define TABLE	0x14000ull    /* PID-pointer table */
#define PID0	0x15000ull    /* descriptor of virtual APIC ID 0 (self) */
#define PID1	0x15040ull    /* descriptor of virtual APIC ID 1 */
#define PAGE	0x16000ull    /* APIC-access page */
#define NV	0xf2u
#define INSN_LEN 2u
#define APICV	(CPU2_VIRT_X2APIC_MODE | CPU2_APIC_REGISTER_VIRT | \
		 CPU2_VIRT_INTR_DELIVERY)

static struct fix F;
static struct apic_bus B;
static struct lapic L0, L1;
static struct cpu_intc L0_intc = { &lapic_intc_ops, &L0 };

static void wr32(uint64_t gpa, uint32_t v)
{
	ck_assert(gmem_write_u32(&F.mem, gpa, v));
}

static uint32_t rd32(uint64_t gpa)
{
	uint32_t v = 0;

	ck_assert(gmem_read_u32(&F.mem, gpa, &v));
	return v;
}

static void lapic_on(struct lapic *l, uint32_t id)
{
	struct lapic_config lc = { .id = id, .bsp = !id, .maxphyaddr = 39,
				   .x2apic = true };

	ck_assert_int_eq(lapic_init(l, &lc, NULL, &B, NULL, NULL, NULL), 0);
	ck_assert_int_eq(apic_bus_add(&B, l), 0);
	lapic_reg_write(l, APIC_SPIV, APIC_SPIV_ENABLE | 0xff);
}

/* Descriptor pid for virtual APIC ID slot: valid entry, NV, NDST = the
 * xAPIC ID ndst_id in bits 15:8. */
static void pid_entry(unsigned slot, uint64_t pid, uint32_t ndst_id)
{
	ck_assert(gmem_write_u64(&F.mem, TABLE + 8 * slot, pid | 1));
	ck_assert(gmem_fill(&F.mem, pid, 0, 64));
	ck_assert(gmem_write_u8(&F.mem, pid + 34, NV));
	wr32(pid + 36, ndst_id << 8);
}

static void setup(void)
{
	fix_init(&F, true);
	fix_baseline(&F);
	fset(&F, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_USE_TPR_SHADOW |
	     CPU_USE_MSR_BITMAPS | CPU_ACTIVATE_SECONDARY |
	     CPU_ACTIVATE_TERTIARY);
	fset(&F, VMCS_PIN_BASED_VM_EXEC_CONTROL, PIN_EXT_INTR_EXITING);
	fw(&F, VMCS_SECONDARY_VM_EXEC_CONTROL, APICV);
	fw(&F, VMCS_TERTIARY_VM_EXEC_CONTROL, CPU3_IPI_VIRT);
	fw(&F, VMCS_VIRTUAL_APIC_PAGE_ADDR, FIX_VAPIC);
	fw(&F, VMCS_MSR_BITMAP, FIX_MSR_BITMAP);
	fw(&F, VMCS_PID_POINTER_TABLE, TABLE);
	fw(&F, VMCS_LAST_PID_POINTER_INDEX, 1);
	fw(&F, VMCS_GUEST_RFLAGS, RFLAGS_FIXED1 | RFLAGS_IF);
	apic_bus_init(&B);
	lapic_on(&L0, 0);
	lapic_on(&L1, 1);
	F.ctx.intc = &L0_intc;
	pid_entry(0, PID0, 0);
	pid_entry(1, PID1, 1);
}

static void teardown(void)
{
	lapic_destroy(&L0);
	lapic_destroy(&L1);
	fix_fini(&F);
}

static void enter(void)
{
	ck_assert_int_eq(vmx_vmentry(F.v, &F.ctx, NULL, true), ICPT_SWITCHED);
	ck_assert(F.v->nonroot);
}

static void assert_entry_fails_7(void)
{
	ck_assert_int_eq(vmx_vmentry(F.v, &F.ctx, NULL, true), ICPT_EMULATED);
	ck_assert(!F.v->nonroot);
	ck_assert_uint_eq(fr(&F, VMCS_VM_INSTRUCTION_ERROR),
			  VMXERR_ENTRY_INVALID_CONTROL);
}

static enum icpt_result wrmsr(uint32_t index, uint64_t val)
{
	struct x86_intercept ic;

	memset(&ic, 0, sizeof(ic));
	ic.kind = ICPT_WRMSR;
	ic.rip = F.cpu.rip;
	ic.insn_len = INSN_LEN;
	ic.u.msr.index = index;
	ic.u.msr.value = val;
	return vmx_nonroot_intercept(F.v, &F.ctx, &ic);
}

static bool pir_has(uint64_t pid, unsigned vec)
{
	uint8_t b = 0;

	ck_assert(gmem_read_u8(&F.mem, pid + vec / 8, &b));
	return (b >> (vec % 8)) & 1;
}

static uint8_t on_sn(uint64_t pid)
{
	uint8_t b = 0;

	ck_assert(gmem_read_u8(&F.mem, pid + 32, &b));
	return b;
}

/* The instruction completes, the boundary takes the trap-like APIC-write
 * exit 56 with qualification 300H and RIP after the instruction. */
static void assert_apic_write_exit(void)
{
	uint64_t rip = F.cpu.rip;

	F.cpu.rip += INSN_LEN;
	ck_assert_int_eq(vmx_boundary(F.v, &F.ctx), ICPT_SWITCHED);
	ck_assert(!F.v->nonroot);
	ck_assert_uint_eq(fr(&F, VMCS_VM_EXIT_REASON), EXIT_REASON_APIC_WRITE);
	ck_assert_uint_eq(fr(&F, VMCS_EXIT_QUALIFICATION), 0x300);
	ck_assert_uint_eq(fr(&F, VMCS_GUEST_RIP), rip + INSN_LEN);
}

/* ---- capabilities, fields, entry checks -------------------------------- */

START_TEST(caps_tertiary_and_fields)
{
	uint64_t v = 0;
	struct cpu_model m;
	struct vmx_caps c;
	char err[200];

	ck_assert(F.v->caps.proc.may1 & CPU_ACTIVATE_TERTIARY);
	ck_assert(!(F.v->caps.proc.must1 & CPU_ACTIVATE_TERTIARY));
	ck_assert(vmx_caps_msr(&F.v->caps, MSR_IA32_VMX_PROCBASED_CTLS3, &v));
	ck_assert_uint_eq(v, CPU3_IPI_VIRT);     /* bit 4 and nothing else */
	ck_assert(vmx_field_supported(&F.v->caps, VMCS_TERTIARY_VM_EXEC_CONTROL));
	ck_assert(vmx_field_supported(&F.v->caps, VMCS_PID_POINTER_TABLE));
	ck_assert(vmx_field_supported(&F.v->caps, VMCS_LAST_PID_POINTER_INDEX));
	ck_assert_str_eq(vmcs_field_name(VMCS_LAST_PID_POINTER_INDEX),
			 "LAST_PID_POINTER_INDEX");
	/* --cpu=max,-vmx-ipiv (or without virtual-interrupt delivery):
	 * no tertiary controls at all, the fields go. */
	ck_assert_int_eq(cpu_model_parse(&m, "max,-vmx-ipiv", err, sizeof(err)), 0);
	vmx_caps_init(&c, &m);
	ck_assert(!(c.proc.may1 & CPU_ACTIVATE_TERTIARY));
	ck_assert_uint_eq(c.proc3.may1, 0);
	ck_assert(!vmx_field_supported(&c, VMCS_TERTIARY_VM_EXEC_CONTROL));
	ck_assert(!vmx_field_supported(&c, VMCS_PID_POINTER_TABLE));
	ck_assert(!vmx_field_supported(&c, VMCS_LAST_PID_POINTER_INDEX));
	ck_assert(c.proc2.may1 & CPU2_VIRT_INTR_DELIVERY);
	ck_assert_int_eq(cpu_model_parse(&m, "max,-vid", err, sizeof(err)), 0);
	vmx_caps_init(&c, &m);
	ck_assert(!(c.proc.may1 & CPU_ACTIVATE_TERTIARY));
	ck_assert_int_eq(cpu_model_parse(&m, "max,-ipi_virt", err, sizeof(err)), 0);
	vmx_caps_init(&c, &m);
	ck_assert(!(c.proc.may1 & CPU_ACTIVATE_TERTIARY));
}
END_TEST

START_TEST(entry_tertiary_reserved_bits)
{
	static const unsigned bits[] = { 0, 1, 3, 5, 7, 31, 32, 40, 63 };

	for (unsigned i = 0; i < sizeof(bits) / sizeof(bits[0]); i++) {
		fw(&F, VMCS_TERTIARY_VM_EXEC_CONTROL,
		   CPU3_IPI_VIRT | 1ull << bits[i]);
		assert_entry_fails_7();
	}
	/* Activate tertiary controls = 0: the field is not looked at. */
	fclr(&F, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_ACTIVATE_TERTIARY);
	fw(&F, VMCS_TERTIARY_VM_EXEC_CONTROL, ~0ull);
	enter();
	ck_assert_uint_eq(vmx_proc3(F.v), 0);
}
END_TEST

START_TEST(entry_ipiv_checks)
{
	fclr(&F, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_USE_TPR_SHADOW);
	fw(&F, VMCS_SECONDARY_VM_EXEC_CONTROL, 0);
	fclr(&F, VMCS_PIN_BASED_VM_EXEC_CONTROL, PIN_EXT_INTR_EXITING);
	assert_entry_fails_7();        /* IPI virtualization needs TPR shadow */
	fset(&F, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_USE_TPR_SHADOW);
	fw(&F, VMCS_PID_POINTER_TABLE, TABLE + 8);
	assert_entry_fails_7();
	fw(&F, VMCS_PID_POINTER_TABLE, TABLE | 1ull << 50);
	assert_entry_fails_7();
	/* Without IPI virtualization any table address is fine. */
	fw(&F, VMCS_TERTIARY_VM_EXEC_CONTROL, 0);
	enter();
}
END_TEST

/* ---- x2APIC: WRMSR 830H (30.5) ------------------------------------------ */

/* Self: post, ON, the notification to the sender's own APIC; at the next
 * boundary posted-interrupt processing turns it into a virtual interrupt
 * delivered in L2, with no VM exit at all. */
START_TEST(x2apic_ipi_to_self_posted_and_delivered)
{
	fset(&F, VMCS_PIN_BASED_VM_EXEC_CONTROL, PIN_POSTED_INTR);
	fset(&F, VMCS_VM_EXIT_CONTROLS, EXIT_CTL_ACK_INTR_ON_EXIT);
	fw(&F, VMCS_POSTED_INTR_NV, NV);
	fw(&F, VMCS_POSTED_INTR_DESC_ADDR, PID0);
	enter();
	ck_assert_int_eq(wrmsr(0x830, 0x0000000000004065ull), ICPT_EMULATED);
	ck_assert(F.v->nonroot);
	ck_assert_uint_eq(rd32(FIX_VAPIC + 0x300), 0x4065);   /* 8 bytes at 300H */
	ck_assert_uint_eq(rd32(FIX_VAPIC + 0x304), 0);
	ck_assert(pir_has(PID0, 0x65));
	ck_assert_uint_eq(on_sn(PID0), 1);
	ck_assert(lapic_vec_test(&L0, APIC_IRR, NV));
	ck_assert(!lapic_vec_test(&L1, APIC_IRR, NV));
	F.cpu.rip += INSN_LEN;
	ck_assert_int_eq(vmx_boundary(F.v, &F.ctx), ICPT_CONTINUE);
	ck_assert(F.v->nonroot);
	ck_assert(F.cpu.injected.valid);
	ck_assert_uint_eq(F.cpu.injected.vector, 0x65);
	ck_assert_uint_eq(on_sn(PID0), 0);
	ck_assert(!pir_has(PID0, 0x65));
	ck_assert(!lapic_vec_test(&L0, APIC_IRR, NV));
	ck_assert_uint_eq(F.v->exit_count, 0);
}
END_TEST

/* Another vCPU: the notification goes to the APIC NDST names (xAPIC ID
 * in bits 15:8), the 32-bit destination in EDX indexes the table. */
START_TEST(x2apic_ipi_to_other_notifies_ndst)
{
	enter();
	ck_assert_int_eq(wrmsr(0x830, 0x0000000100000047ull), ICPT_EMULATED);
	ck_assert(pir_has(PID1, 0x47));
	ck_assert(!pir_has(PID0, 0x47));
	ck_assert_uint_eq(on_sn(PID1), 1);
	ck_assert(lapic_vec_test(&L1, APIC_IRR, NV));
	ck_assert(!lapic_vec_test(&L0, APIC_IRR, NV));
	/* ON already set: the vector is posted, no second notification. */
	ck_assert_int_eq(lapic_intc_ops.ack(&L1), NV);
	lapic_intc_ops.eoi(&L1);
	ck_assert_int_eq(wrmsr(0x830, 0x0000000100000048ull), ICPT_EMULATED);
	ck_assert(pir_has(PID1, 0x48));
	ck_assert(!lapic_vec_test(&L1, APIC_IRR, NV));
	ck_assert(F.v->nonroot);
}
END_TEST

START_TEST(suppress_notification)
{
	ck_assert(gmem_write_u8(&F.mem, PID1 + 32, 2));    /* SN */
	enter();
	ck_assert_int_eq(wrmsr(0x830, 0x0000000100000050ull), ICPT_EMULATED);
	ck_assert(pir_has(PID1, 0x50));
	ck_assert_uint_eq(on_sn(PID1), 2);                 /* ON stays 0 */
	ck_assert(!lapic_vec_test(&L1, APIC_IRR, NV));
	ck_assert(F.v->nonroot);
}
END_TEST

START_TEST(beyond_last_index_exits)
{
	fw(&F, VMCS_LAST_PID_POINTER_INDEX, 0);
	enter();
	F.cpu.rip = 0x402300;
	ck_assert_int_eq(wrmsr(0x830, 0x0000000100000047ull), ICPT_EMULATED);
	ck_assert(!pir_has(PID1, 0x47));
	ck_assert_uint_eq(rd32(FIX_VAPIC + 0x304), 1);
	assert_apic_write_exit();
}
END_TEST

START_TEST(invalid_or_misaligned_entry_exits)
{
	ck_assert(gmem_write_u64(&F.mem, TABLE + 8, PID1));        /* not valid */
	enter();
	ck_assert_int_eq(wrmsr(0x830, 0x0000000100000047ull), ICPT_EMULATED);
	assert_apic_write_exit();
	ck_assert(!pir_has(PID1, 0x47));
	ck_assert(gmem_write_u64(&F.mem, TABLE + 8, PID1 | 0x21)); /* bit 5 */
	enter();
	ck_assert_int_eq(wrmsr(0x830, 0x0000000100000047ull), ICPT_EMULATED);
	assert_apic_write_exit();
	ck_assert(gmem_write_u64(&F.mem, TABLE + 8, PID1 | 1ull << 50 | 1));
	enter();
	ck_assert_int_eq(wrmsr(0x830, 0x0000000100000047ull), ICPT_EMULATED);
	assert_apic_write_exit();
	ck_assert(!pir_has(PID1, 0x47));
}
END_TEST

/* Anything but fixed, edge, physical, no shorthand: the APIC-write exit,
 * with the value on the virtual-APIC page. */
START_TEST(other_icr_values_exit)
{
	static const uint32_t lo[] = {
		0x00040047,    /* shorthand self */
		0x000c0047,    /* all excluding self */
		0x00000847,    /* logical destination */
		0x00008047,    /* level */
		0x00000447,    /* NMI */
		0x00000147,    /* lowest priority */
		0x00001047,    /* delivery status */
	};

	for (unsigned i = 0; i < sizeof(lo) / sizeof(lo[0]); i++) {
		enter();
		ck_assert_int_eq(wrmsr(0x830, (uint64_t)1 << 32 | lo[i]),
				 ICPT_EMULATED);
		ck_assert_uint_eq(rd32(FIX_VAPIC + 0x300), lo[i]);
		assert_apic_write_exit();
		ck_assert(!pir_has(PID1, 0x47));
	}
}
END_TEST

START_TEST(reserved_bits_gp)
{
	static const uint32_t resv[] = { 1u << 13, 1u << 16, 1u << 17, 1u << 20,
					 1u << 31 };

	enter();
	for (unsigned i = 0; i < sizeof(resv) / sizeof(resv[0]); i++) {
		ck_assert_int_eq(wrmsr(0x830, 0x47 | resv[i]), ICPT_FAULT);
		ck_assert_uint_eq(F.cpu.pending_exception.vector, 13);
		F.cpu.pending_exception.valid = false;
	}
	ck_assert(!pir_has(PID0, 0x47));
	ck_assert(F.v->nonroot);
}
END_TEST

/* IPI virtualization off (or the tertiary controls not activated): the
 * WRMSR is the local APIC's, nothing is posted. */
START_TEST(without_ipiv_not_virtualized)
{
	fclr(&F, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_ACTIVATE_TERTIARY);
	enter();
	ck_assert_int_eq(wrmsr(0x830, 0x0000000100000047ull), ICPT_CONTINUE);
	ck_assert(!pir_has(PID1, 0x47));
	ck_assert_uint_eq(rd32(FIX_VAPIC + 0x300), 0);
}
END_TEST

/* ---- xAPIC: the APIC-access page (30.4.3) ---------------------------------- */

static void xapic_setup(uint32_t proc2)
{
	fclr(&F, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_USE_MSR_BITMAPS);
	fw(&F, VMCS_SECONDARY_VM_EXEC_CONTROL, CPU2_VIRT_APIC_ACCESSES | proc2);
	fw(&F, VMCS_APIC_ACCESS_ADDR, PAGE);
}

/* L2 writes ICR_HI then ICR_LO; the write to 300H is virtualized even
 * without virtual-interrupt delivery, and its emulation posts for the
 * 8-bit destination in VICR_HI[31:24]. */
static enum icpt_result xapic_write(unsigned off, uint32_t val)
{
	uint64_t out = 0;
	enum icpt_result r;

	F.ctx.access_size = 4;
	r = vmx_translate_gpa(F.v, &F.ctx, PAGE + off, EPT_ACC_WRITE,
			      PAGE + off, true, false, &out);
	if (r != ICPT_CONTINUE)
		return r;
	ck_assert_uint_eq(out, FIX_VAPIC + off);
	wr32(out, val);
	return vmx_boundary(F.v, &F.ctx);
}

START_TEST(xapic_icr_write_posts)
{
	xapic_setup(0);
	enter();
	ck_assert_int_eq(xapic_write(0x310, 0x01000000), ICPT_SWITCHED);
	/* Without APIC-register virtualization 310H is an APIC-access exit. */
	ck_assert_uint_eq(fr(&F, VMCS_VM_EXIT_REASON), EXIT_REASON_APIC_ACCESS);
	xapic_setup(CPU2_APIC_REGISTER_VIRT);
	enter();
	ck_assert_int_eq(xapic_write(0x310, 0x01abcdef), ICPT_CONTINUE);
	ck_assert_uint_eq(rd32(FIX_VAPIC + 0x310), 0x01000000);
	ck_assert_int_eq(xapic_write(0x300, 0x4052), ICPT_CONTINUE);
	ck_assert(F.v->nonroot);
	ck_assert(pir_has(PID1, 0x52));
	ck_assert(lapic_vec_test(&L1, APIC_IRR, NV));
	/* A self IPI without virtual-interrupt delivery: the exit. */
	ck_assert_int_eq(xapic_write(0x300, 0x44052), ICPT_SWITCHED);
	ck_assert_uint_eq(fr(&F, VMCS_VM_EXIT_REASON), EXIT_REASON_APIC_WRITE);
	ck_assert_uint_eq(fr(&F, VMCS_EXIT_QUALIFICATION), 0x300);
}
END_TEST

START_TEST(xapic_without_ipiv_exits)
{
	xapic_setup(0);
	fclr(&F, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_ACTIVATE_TERTIARY);
	enter();
	ck_assert_int_eq(xapic_write(0x300, 0x4052), ICPT_SWITCHED);
	ck_assert_uint_eq(fr(&F, VMCS_VM_EXIT_REASON), EXIT_REASON_APIC_ACCESS);
	ck_assert_uint_eq(fr(&F, VMCS_EXIT_QUALIFICATION), 0x1300);
}
END_TEST

static Suite *ipiv_suite(void)
{
	Suite *s = suite_create("vmx_ipiv");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, caps_tertiary_and_fields);
	tcase_add_test(tc, entry_tertiary_reserved_bits);
	tcase_add_test(tc, entry_ipiv_checks);
	tcase_add_test(tc, x2apic_ipi_to_self_posted_and_delivered);
	tcase_add_test(tc, x2apic_ipi_to_other_notifies_ndst);
	tcase_add_test(tc, suppress_notification);
	tcase_add_test(tc, beyond_last_index_exits);
	tcase_add_test(tc, invalid_or_misaligned_entry_exits);
	tcase_add_test(tc, other_icr_values_exit);
	tcase_add_test(tc, reserved_bits_gp);
	tcase_add_test(tc, without_ipiv_not_virtualized);
	tcase_add_test(tc, xapic_icr_write_posts);
	tcase_add_test(tc, xapic_without_ipiv_exits);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return fix_run_suite(ipiv_suite());
}
