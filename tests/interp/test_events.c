// SPDX-License-Identifier: MIT
/*
 * The event port as a self-IPI of the local APIC, into the interpreter:
 * a fixed vector waits in the APIC's IRR and is taken at the next
 * instruction boundary with RFLAGS.IF = 1 (also in the middle of a batch),
 * NMI regardless of RFLAGS.IF, INIT outside VMX operation puts the vCPU in
 * its INIT state.
 */
#include <check.h>
#include <string.h>

#include "devices/event_port.h"
#include "harness.h"

static struct harness h;
static struct io_bus bus;
static struct event_port port;

static void setup(void)
{
	h_init(&h);
	h_apic(&h);
	io_bus_init(&bus, "pio");
	event_port_init(&port, &h.apic_bus);
	ck_assert_int_eq(event_port_attach(&port, &bus, EVENT_PORT), 0);
	h.ip->cfg.pio = &bus;
}

static void teardown(void)
{
	h_fini(&h);
}

/* mov eax, imm32; out 0xf5, eax; then NOPs. */
static void load_out(uint32_t v)
{
	uint8_t code[32];

	memset(code, 0x90, sizeof(code));
	code[0] = 0xb8;
	memcpy(&code[1], &v, 4);
	code[5] = 0xe7;
	code[6] = EVENT_PORT;
	h_load(&h, H_CODE, code, sizeof(code));
}

static uint64_t return_rip(void)
{
	return h_read64(&h, h.s->gpr[GPR_RSP]);
}

START_TEST(fixed_interrupt_taken_after_the_out)
{
	enum engine_exit_reason r;

	h.s->rflags |= RFLAGS_IF;
	load_out(0x0030);
	r = h_run(&h, 20);     /* batched: the OUT must end the batch */
	ck_assert_int_eq(h_fault_vector(&h, r), 0x30);
	ck_assert_uint_eq(return_rip(), H_CODE + 7);
	ck_assert(!lapic_vec_test(&h.lapic, APIC_IRR, 0x30));
	ck_assert(lapic_vec_test(&h.lapic, APIC_ISR, 0x30));
	ck_assert_uint_eq(port.raised, 1);
}
END_TEST

START_TEST(fixed_interrupt_waits_for_if)
{
	h.s->rflags &= ~RFLAGS_IF;
	load_out(0x0041);
	ck_assert_int_eq(h_run(&h, 6), ENGINE_EXIT_INSN_LIMIT);
	ck_assert(lapic_vec_test(&h.lapic, APIC_IRR, 0x41));
	ck_assert_uint_eq(h.s->rip, H_CODE + 11);
	h.s->rflags |= RFLAGS_IF;
	ck_assert_int_eq(h_fault_vector(&h, h_run(&h, 5)), 0x41);
	ck_assert_uint_eq(return_rip(), H_CODE + 11);
}
END_TEST

START_TEST(nmi_ignores_if)
{
	h.s->rflags &= ~RFLAGS_IF;
	load_out(4u << 8);
	ck_assert_int_eq(h_fault_vector(&h, h_run(&h, 20)), 2);
	ck_assert_uint_eq(return_rip(), H_CODE + 7);
	/* NMIs are blocked until the handler's IRET (SDM 6.7.1). */
	ck_assert(h.s->interruptibility & INTR_BLOCK_NMI);
}
END_TEST

START_TEST(invalid_writes_are_ignored)
{
	h.s->rflags |= RFLAGS_IF;
	load_out(0x000e);                  /* fixed vector 14: illegal */
	ck_assert_int_eq(h_run(&h, 4), ENGINE_EXIT_INSN_LIMIT);
	load_out(2u << 8);                 /* SMI: not modelled */
	ck_assert_int_eq(h_run(&h, 4), ENGINE_EXIT_INSN_LIMIT);
	ck_assert_int_eq(lapic_intc_ops.pending(&h.lapic), -1);
	ck_assert(!h.s->nmi_pending);
	ck_assert_uint_eq(port.ignored, 2);
	ck_assert_uint_eq(port.raised, 0);
}
END_TEST

/*
 * Outside VMX operation INIT puts the vCPU in its INIT state: real mode at
 * F000:FFF0, CS base FFFF0000 (SDM 10.1.1).  No firmware is mapped there:
 * the unbacked bytes read as FFh, an invalid opcode, so the #UD goes
 * through the real-mode IVT, here to a HLT, which shows where the vCPU was.
 */
START_TEST(init_outside_vmx_enters_init_state)
{
	static const uint8_t hlt = 0xf4;
	uint16_t frame[3];

	h.s->msr.feature_control = 5;
	gmem_write_u32(&h.mem, 6 * 4, 0x00000500);      /* IVT[6] = 0000:0500 */
	gmem_write(&h.mem, 0x500, &hlt, 1);
	load_out(5u << 8);
	/* mov, out; the INIT is taken at the next boundary. */
	ck_assert_int_eq(h_run(&h, 2), ENGINE_EXIT_INSN_LIMIT);
	ck_assert(h.s->init_pending);
	h.eng->ops->raise_event(h.eng, CPU_SIGNAL_NMI, 0);
	ck_assert_int_eq(h_run(&h, 5), ENGINE_EXIT_HLT);
	ck_assert(!h.s->init_pending);
	ck_assert(!h.s->nmi_pending);           /* INIT drops pending events */
	ck_assert_uint_eq(h.s->seg[SEG_CS].sel, 0);
	ck_assert_uint_eq(h.s->rip, 0x501);
	/* SS:SP = 0:0 after INIT: the #UD frame (IP, CS, FLAGS) wraps to
	 * 0:FFFA and names the reset vector. */
	gmem_read(&h.mem, 0xfffa, frame, sizeof(frame));
	ck_assert_uint_eq(frame[0], 0xfff0);
	ck_assert_uint_eq(frame[1], 0xf000);
	ck_assert_uint_eq(frame[2], 0x0002);
	ck_assert_uint_eq(h.s->cr0, CR0_ET | CR0_CD | CR0_NW);
	ck_assert_uint_eq(h.s->efer, 0);
	ck_assert_uint_eq(h.s->msr.feature_control, 5);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("interp_events");
	TCase *tc = tcase_create("events");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, fixed_interrupt_taken_after_the_out);
	tcase_add_test(tc, fixed_interrupt_waits_for_if);
	tcase_add_test(tc, nmi_ignores_if);
	tcase_add_test(tc, invalid_writes_are_ignored);
	tcase_add_test(tc, init_outside_vmx_enters_init_state);
	suite_add_tcase(s, tc);
	return h_run_suite(s);
}
