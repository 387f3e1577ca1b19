// SPDX-License-Identifier: MIT
/*
 * Hardware task switches (SDM Vol. 3A 8.3) and far CALL/JMP/RET through
 * call gates (SDM 5.8.3-5.8.6) in 32-bit protected mode, with no VMX
 * layer (the interpreter carries them out itself): the state saved in the
 * old TSS, the state loaded from the new one, busy flags, back link, NT,
 * CR0.TS, error codes on the new task's stack, and the faults with their
 * selectors (SDM Table 8-1).  The 64-bit call gates are in
 * test_task_switch_gate64.c, linked into the same test.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "task_switch.h"

struct harness h;

#define TSS_A    0x60000ull    /* 0x28: the current task (busy) */
#define TSS_B    0x60100ull    /* 0x30: available */
#define TSS_E    0x60200ull    /* 0x88: available, for the IDT gates */
#define IDT32    0x61000ull
#define STUBS    0x62000ull    /* vector v: HLT at STUBS + 16 * v */
#define B_CODE   0x190000ull   /* task B's code */
#define E_CODE   0x1a0000ull   /* task E's code: HLT */
#define B_STACK  0x70000ull
#define E_STACK  0x74000ull

#define SEL_A       0x28
#define SEL_B       0x30
#define SEL_GATE_B  0x38       /* task gate -> SEL_B */
#define SEL_NP      0x40       /* available TSS, not present */
#define SEL_TINY    0x48       /* available TSS, limit 0x20 */
#define SEL_UCS     0x53       /* DPL 3 32-bit code, RPL 3 */
#define SEL_UDS     0x5b       /* DPL 3 data, RPL 3 */
#define SEL_E       0x88

static uint64_t desc(uint32_t base, uint32_t limit, uint8_t access,
		     uint8_t flags)
{
	return (limit & 0xffffull) | ((uint64_t)(base & 0xffffff) << 16) |
	       ((uint64_t)access << 40) | ((uint64_t)(limit >> 16 & 0xf) << 48) |
	       ((uint64_t)(flags & 0xf) << 52) | ((uint64_t)(base >> 24) << 56);
}

/* Gate: selector, offset, access byte, parameter count (call gates). */
uint64_t gate(uint16_t sel, uint32_t off, uint8_t access, uint8_t params)
{
	return (off & 0xffffull) | ((uint64_t)sel << 16) |
	       ((uint64_t)(params & 0x1f) << 32) |
	       ((uint64_t)access << 40) | ((uint64_t)(off >> 16) << 48);
}

/* Access byte (type, S, DPL, P) of a GDT descriptor. */
static uint8_t gdt_access(uint16_t sel)
{
	uint8_t b = 0;

	ck_assert(gmem_read_u8(&h.mem, GDT + (sel & 0xfff8) + 5, &b));
	return b;
}

/* A ring-0 32-bit task: EIP, ESP, EFLAGS, GPRs base + i, flat segments. */
static void make_task(uint64_t tss, uint32_t eip, uint32_t esp,
		      uint32_t eflags, uint32_t gpr_base)
{
	for (unsigned off = 0; off < 0x68; off += 4)
		su_w32(&h, tss + off, 0);
	su_w32(&h, tss + 0x20, eip);
	su_w32(&h, tss + 0x24, eflags);
	for (unsigned i = 0; i < 8; i++)
		su_w32(&h, tss + 0x28 + 4 * i, gpr_base + i);
	su_w32(&h, tss + 0x38, esp);
	for (unsigned i = 0; i < 6; i++)
		su_w16(&h, tss + 0x48 + 4 * i, i == 1 ? 0x18 : 0x10);
}

static void setup(void)
{
	h_init(&h);
	h_mode32(&h);
	h_write64(&h, GDT + SEL_A, desc(TSS_A, 0x67, 0x8b, 0));
	h_write64(&h, GDT + SEL_B, desc(TSS_B, 0x67, 0x89, 0));
	h_write64(&h, GDT + SEL_GATE_B, gate(SEL_B, 0, 0x85, 0));
	h_write64(&h, GDT + SEL_NP, desc(TSS_B, 0x67, 0x09, 0));
	h_write64(&h, GDT + SEL_TINY, desc(TSS_B, 0x20, 0x89, 0));
	h_write64(&h, GDT + (SEL_UCS & ~3), 0x00cffb000000ffffull);
	h_write64(&h, GDT + (SEL_UDS & ~3), 0x00cff3000000ffffull);
	h_write64(&h, GDT + SEL_E, desc(TSS_E, 0x67, 0x89, 0));
	h.s->gdtr.limit = 0xff;
	h.s->seg[SEG_TR] = (struct seg_reg){ SEL_A, TSS_A, 0x67,
					     0xb | SEG_AR_P };
	for (unsigned v = 0; v < 256; v++) {
		h_write64(&h, IDT32 + 8 * v, gate(0x18, STUBS + 16 * v, 0x8e, 0));
		ck_assert(gmem_write_u8(&h.mem, STUBS + 16 * v, 0xf4));
	}
	h_write64(&h, IDT32 + 8 * 0x40, gate(SEL_E, 0, 0xe5, 0));
	h.s->idtr = (struct dtable_reg){ IDT32, 256 * 8 - 1 };
	make_task(TSS_A, 0, 0, 2, 0);
	make_task(TSS_B, B_CODE, B_STACK, 0x2 | RFLAGS_CF | RFLAGS_ZF,
		  0xb0000000);
	make_task(TSS_E, E_CODE, E_STACK, 0x2, 0xe0000000);
	ck_assert(gmem_write_u8(&h.mem, B_CODE, 0xf4));
	ck_assert(gmem_write_u8(&h.mem, E_CODE, 0xf4));
	for (unsigned i = 0; i < 8; i++)
		if (i != GPR_RSP)
			h.s->gpr[i] = 0xa0000000u + i;
	h.s->rflags = 0x2 | RFLAGS_SF | RFLAGS_IF;
}

static void teardown(void)
{
	h_fini(&h);
}

static int stub_vector(enum engine_exit_reason r)
{
	uint64_t rip = h.s->rip;

	if (r != ENGINE_EXIT_HLT || rip <= STUBS || rip > STUBS + 16 * 256)
		return -1;
	return (int)((rip - 1 - STUBS) / 16);
}

/* Stack slot i (dwords) of the current stack (flat SS). */
static uint32_t stack32(unsigned i)
{
	return su_r32(&h, h.s->seg[SEG_SS].base + h.s->gpr[GPR_RSP] + 4 * i);
}

/* The state task A saved in TSS_A: EIP, EFLAGS, GPRs, selectors. */
static void assert_saved_a(uint32_t eip, uint32_t eflags)
{
	ck_assert_uint_eq(su_r32(&h, TSS_A + 0x20), eip);
	ck_assert_uint_eq(su_r32(&h, TSS_A + 0x24), eflags);
	for (unsigned i = 0; i < 8; i++)
		if (i != GPR_RSP)
			ck_assert_uint_eq(su_r32(&h, TSS_A + 0x28 + 4 * i),
					  0xa0000000u + i);
	ck_assert_uint_eq(su_r32(&h, TSS_A + 0x38), H_STACK);
	for (unsigned i = 0; i < 6; i++)
		ck_assert_uint_eq(su_r16(&h, TSS_A + 0x48 + 4 * i),
				  i == 1 ? 0x18 : 0x10);
}

/* Task B's registers as loaded from TSS_B. */
static void assert_in_b(uint64_t rflags)
{
	ck_assert_uint_eq(h.s->seg[SEG_TR].sel, SEL_B);
	ck_assert_uint_eq(h.s->seg[SEG_TR].base, TSS_B);
	ck_assert_uint_eq(h.s->seg[SEG_TR].ar & 0x1f, 0xb);
	ck_assert_uint_eq(h.s->rflags, rflags);
	for (unsigned i = 0; i < 8; i++)
		if (i != GPR_RSP)
			ck_assert_uint_eq(h.s->gpr[i], 0xb0000000u + i);
	ck_assert_uint_eq(h.s->gpr[GPR_RSP], B_STACK);
	ck_assert_uint_eq(h.s->seg[SEG_CS].sel, 0x18);
	ck_assert_uint_eq(h.s->seg[SEG_SS].sel, 0x10);
	ck_assert_uint_eq(h.s->seg[SEG_GS].sel, 0x10);
	ck_assert(h.s->cr0 & CR0_TS);
}

/* ---- task switches ---- */

/* jmp far 0x30:0: not nested, A's busy flag cleared, B's set. */
START_TEST(jmp_to_tss)
{
	static const uint8_t code[] = { 0xea, 0, 0, 0, 0, SEL_B, 0 };
	uint64_t cr3 = h.s->cr3;

	ck_assert(!(h.s->cr0 & CR0_TS));
	ck_assert_int_eq(su_run(&h, code, sizeof(code), 5), ENGINE_EXIT_HLT);
	ck_assert_uint_eq(h.s->rip, B_CODE + 1);
	assert_in_b(0x2 | RFLAGS_CF | RFLAGS_ZF);
	assert_saved_a(H_CODE + 7, 0x2 | RFLAGS_SF | RFLAGS_IF);
	ck_assert_uint_eq(gdt_access(SEL_A), 0x89);
	ck_assert_uint_eq(gdt_access(SEL_B), 0x8b);
	ck_assert_uint_eq(su_r16(&h, TSS_B), 0);   /* no back link */
	ck_assert_uint_eq(h.s->cr3, cr3);   /* no paging: CR3 not loaded */
}
END_TEST

/* call far through the task gate, then IRET back (SDM 8.4). */
START_TEST(call_iret_round_trip)
{
	static const uint8_t code[] = { 0x9a, 0, 0, 0, 0, SEL_GATE_B, 0,
					0xf4 };
	static const uint8_t b_code[] = { 0xcf };   /* iret */

	ck_assert(gmem_write(&h.mem, B_CODE, b_code, sizeof(b_code)));
	h_load(&h, H_CODE, code, sizeof(code));
	ck_assert_int_eq(h_run(&h, 1), ENGINE_EXIT_INSN_LIMIT);
	ck_assert_uint_eq(h.s->rip, B_CODE);
	assert_in_b(0x2 | RFLAGS_CF | RFLAGS_ZF | RFLAGS_NT);
	assert_saved_a(H_CODE + 7, 0x2 | RFLAGS_SF | RFLAGS_IF);
	ck_assert_uint_eq(su_r16(&h, TSS_B), SEL_A);            /* back link */
	ck_assert_uint_eq(gdt_access(SEL_A), 0x8b);      /* still busy */
	ck_assert_uint_eq(gdt_access(SEL_B), 0x8b);

	h.s->cr0 &= ~CR0_TS;
	h.s->gpr[GPR_RAX] = 0x1234;
	ck_assert_int_eq(h_run(&h, 5), ENGINE_EXIT_HLT);
	ck_assert_uint_eq(h.s->rip, H_CODE + 8);
	ck_assert_uint_eq(h.s->seg[SEG_TR].sel, SEL_A);
	ck_assert_uint_eq(h.s->rflags, 0x2 | RFLAGS_SF | RFLAGS_IF);
	for (unsigned i = 0; i < 8; i++)
		if (i != GPR_RSP)
			ck_assert_uint_eq(h.s->gpr[i], 0xa0000000u + i);
	ck_assert_uint_eq(h.s->gpr[GPR_RSP], H_STACK);
	ck_assert(h.s->cr0 & CR0_TS);
	/* B saved with NT clear and its EIP after the IRET; B no longer busy,
	 * A busy. */
	ck_assert_uint_eq(su_r32(&h, TSS_B + 0x20), B_CODE + 1);
	ck_assert_uint_eq(su_r32(&h, TSS_B + 0x24), 0x2 | RFLAGS_CF | RFLAGS_ZF);
	ck_assert_uint_eq(su_r32(&h, TSS_B + 0x28), 0x1234);
	ck_assert_uint_eq(gdt_access(SEL_B), 0x89);
	ck_assert_uint_eq(gdt_access(SEL_A), 0x8b);
}
END_TEST

/* INT 0x40 through an IDT task gate (DPL 3): nested, EIP after the INT. */
START_TEST(int_through_task_gate)
{
	static const uint8_t code[] = { 0xcd, 0x40 };

	ck_assert_int_eq(su_run(&h, code, sizeof(code), 5), ENGINE_EXIT_HLT);
	ck_assert_uint_eq(h.s->rip, E_CODE + 1);
	ck_assert_uint_eq(h.s->seg[SEG_TR].sel, SEL_E);
	ck_assert_uint_eq(h.s->rflags, 0x2 | RFLAGS_NT);
	ck_assert_uint_eq(h.s->gpr[GPR_RAX], 0xe0000000u);
	ck_assert_uint_eq(h.s->gpr[GPR_RSP], E_STACK);   /* nothing pushed */
	assert_saved_a(H_CODE + 2, 0x2 | RFLAGS_SF | RFLAGS_IF);
	ck_assert_uint_eq(su_r16(&h, TSS_E), SEL_A);
	ck_assert_uint_eq(gdt_access(SEL_A), 0x8b);
	ck_assert_uint_eq(gdt_access(SEL_E), 0x8b);
}
END_TEST

/* #GP through a task gate: the error code goes on the new task's stack;
 * the old task saved the faulting EIP with RF set (SDM 6.12.2, 18.3.1.1). */
START_TEST(exception_error_code_on_new_stack)
{
	/* jmp far 0x28:0 to the busy current TSS: #GP(0x28) */
	static const uint8_t code[] = { 0xea, 0, 0, 0, 0, SEL_A, 0 };

	h_write64(&h, IDT32 + 8 * X86_GP, gate(SEL_E, 0, 0x85, 0));
	ck_assert_int_eq(su_run(&h, code, sizeof(code), 5), ENGINE_EXIT_HLT);
	ck_assert_uint_eq(h.s->rip, E_CODE + 1);
	ck_assert_uint_eq(h.s->seg[SEG_TR].sel, SEL_E);
	ck_assert_uint_eq(h.s->gpr[GPR_RSP], E_STACK - 4);
	ck_assert_uint_eq(su_r32(&h, E_STACK - 4), SEL_A);
	assert_saved_a(H_CODE, 0x2 | RFLAGS_SF | RFLAGS_IF | RFLAGS_RF);
	ck_assert_uint_eq(su_r16(&h, TSS_E), SEL_A);
	ck_assert_uint_eq(h.s->rflags, 0x2 | RFLAGS_NT);
}
END_TEST

/* Checks before the switch (SDM Table 8-1 rows 1-3, CALL reference):
 * busy #GP(sel), not present #NP(sel), limit < 0x67 #TS(sel); nothing
 * changes. */
START_TEST(call_tss_faults)
{
	static const struct { uint8_t sel; int vec; } cases[] = {
		{ SEL_A, X86_GP }, { SEL_NP, X86_NP }, { SEL_TINY, X86_TS },
	};

	for (unsigned i = 0; i < 3; i++) {
		uint8_t code[] = { 0x9a, 0, 0, 0, 0, cases[i].sel, 0 };
		enum engine_exit_reason r;

		h.s->gpr[GPR_RSP] = H_STACK;
		r = su_run(&h, code, sizeof(code), 5);
		ck_assert_int_eq(stub_vector(r), cases[i].vec);
		ck_assert_uint_eq(stack32(0), cases[i].sel);
		ck_assert_uint_eq(stack32(1), H_CODE);
		ck_assert_uint_eq(h.s->seg[SEG_TR].sel, SEL_A);
		ck_assert_uint_eq(su_r32(&h, TSS_A + 0x20), 0);   /* nothing saved */
		ck_assert(!(h.s->cr0 & CR0_TS));
	}
}
END_TEST

/* A bad CS in the new TSS faults after the commit point: #TS(CS) in the
 * new task (TR = B, pushed EIP = B's EIP), A already saved. */
START_TEST(fault_in_new_task_context)
{
	static const uint8_t code[] = { 0xea, 0, 0, 0, 0, SEL_B, 0 };
	enum engine_exit_reason r;

	su_w16(&h, TSS_B + 0x4c, 0x10);   /* CS = a data segment */
	r = su_run(&h, code, sizeof(code), 5);
	ck_assert_int_eq(stub_vector(r), X86_TS);
	ck_assert_uint_eq(stack32(0), 0x10);
	ck_assert_uint_eq(stack32(1), B_CODE);
	ck_assert_uint_eq(h.s->seg[SEG_TR].sel, SEL_B);
	ck_assert_uint_eq(h.s->gpr[GPR_RAX], 0xb0000000u);
	assert_saved_a(H_CODE + 7, 0x2 | RFLAGS_SF | RFLAGS_IF);
	ck_assert_uint_eq(gdt_access(SEL_B), 0x8b);
}
END_TEST

/* SS not present in the new task: #SS(SS selector); a bad data segment:
 * #TS(selector); a DPL 3 task can not use a DPL 0 data segment. */
START_TEST(new_task_segment_checks)
{
	static const uint8_t code[] = { 0xea, 0, 0, 0, 0, SEL_B, 0 };
	enum engine_exit_reason r;

	h_write64(&h, GDT + 0x90, 0x00cf13000000ffffull);   /* SS, not present */
	su_w16(&h, TSS_B + 0x50, 0x90);
	r = su_run(&h, code, sizeof(code), 5);
	ck_assert_int_eq(stub_vector(r), X86_SS);
	ck_assert_uint_eq(stack32(0), 0x90);

	teardown();
	setup();
	su_w16(&h, TSS_B + 0x54, 0x38);   /* DS = the task gate */
	r = su_run(&h, code, sizeof(code), 5);
	ck_assert_int_eq(stub_vector(r), X86_TS);
	ck_assert_uint_eq(stack32(0), 0x38);
}
END_TEST

/* A 16-bit TSS (SDM Figure 8-11): 16-bit IP, FLAGS and GPRs (upper halves
 * kept), ES/CS/SS/DS loaded, FS and GS null. */
START_TEST(jmp_to_16bit_tss)
{
	static const uint8_t code[] = { 0xea, 0, 0, 0, 0, 0xb0, 0 };
	const uint64_t tss = 0x60300, ip16 = 0xf000;
	static const uint16_t sels[4] = { 0x10, 0x18, 0x10, 0x10 };

	h_write64(&h, GDT + 0xb0, desc(tss, 0x2b, 0x81, 0));
	for (unsigned off = 0; off < 0x2c; off += 2)
		su_w16(&h, tss + off, 0);
	su_w16(&h, tss + 0x0e, ip16);
	su_w16(&h, tss + 0x10, 0x2 | RFLAGS_CF);
	for (unsigned i = 0; i < 8; i++)
		su_w16(&h, tss + 0x12 + 2 * i, 0x1600 + i);
	for (unsigned i = 0; i < 4; i++)
		su_w16(&h, tss + 0x22 + 2 * i, sels[i]);
	ck_assert(gmem_write_u8(&h.mem, ip16, 0xf4));
	ck_assert_int_eq(su_run(&h, code, sizeof(code), 5), ENGINE_EXIT_HLT);
	ck_assert_uint_eq(h.s->rip, ip16 + 1);
	ck_assert_uint_eq(h.s->seg[SEG_TR].sel, 0xb0);
	ck_assert_uint_eq(h.s->seg[SEG_TR].ar & 0x1f, 0x3);   /* busy 16-bit */
	ck_assert_uint_eq(gdt_access(0xb0), 0x83);
	ck_assert_uint_eq(gdt_access(SEL_A), 0x89);
	ck_assert_uint_eq(h.s->rflags, 0x2 | RFLAGS_CF);
	ck_assert_uint_eq(h.s->gpr[GPR_RAX], 0xa0001600u);
	ck_assert_uint_eq(h.s->gpr[GPR_RDI], 0xa0001607u);
	ck_assert_uint_eq(h.s->gpr[GPR_RSP], (H_STACK & ~0xffffull) | 0x1604);
	ck_assert_uint_eq(h.s->seg[SEG_CS].sel, 0x18);
	ck_assert_uint_eq(h.s->seg[SEG_DS].sel, 0x10);
	ck_assert_uint_eq(h.s->seg[SEG_FS].sel, 0);
	ck_assert(h.s->seg[SEG_GS].ar & SEG_AR_UNUSABLE);
	assert_saved_a(H_CODE + 7, 0x2 | RFLAGS_SF | RFLAGS_IF);
}
END_TEST

/* The new task's LDT: LDTR loaded from the TSS, DS taken from it (TI=1);
 * a selector that is not an LDT is #TS(selector) in the new task. */
START_TEST(new_task_ldt)
{
	static const uint8_t code[] = { 0xea, 0, 0, 0, 0, SEL_B, 0 };
	const uint64_t ldt = 0x64000;
	enum engine_exit_reason r;

	h_write64(&h, GDT + 0xb8, desc(ldt, 0x0f, 0x82, 0));
	h_write64(&h, ldt + 8, desc(0x12340000, 0xffff, 0x93, 0));
	su_w16(&h, TSS_B + 0x60, 0xb8);
	su_w16(&h, TSS_B + 0x54, 0x0c);    /* DS: LDT index 1 */
	ck_assert_int_eq(su_run(&h, code, sizeof(code), 5), ENGINE_EXIT_HLT);
	ck_assert_uint_eq(h.s->seg[SEG_LDTR].sel, 0xb8);
	ck_assert_uint_eq(h.s->seg[SEG_LDTR].base, ldt);
	ck_assert_uint_eq(h.s->seg[SEG_DS].sel, 0x0c);
	ck_assert_uint_eq(h.s->seg[SEG_DS].base, 0x12340000);
	ck_assert_uint_eq(h.s->seg[SEG_DS].limit, 0xffff);

	teardown();
	setup();
	su_w16(&h, TSS_B + 0x60, SEL_E);   /* a TSS, not an LDT */
	r = su_run(&h, code, sizeof(code), 5);
	ck_assert_int_eq(stub_vector(r), X86_TS);
	ck_assert_uint_eq(stack32(0), SEL_E);
	ck_assert_uint_eq(h.s->seg[SEG_TR].sel, SEL_B);
}
END_TEST

/* With PAE paging the new CR3 comes from the TSS and the PDPTEs are
 * loaded from it (SDM 4.4.1); a PDPTE with a reserved bit is #GP(0)
 * before anything changes. */
START_TEST(new_task_cr3_pae)
{
	static const uint8_t code[] = { 0xea, 0, 0, 0, 0, SEL_B, 0 };
	const uint64_t pdpt = 0x50000, pd = 0x51000;
	enum engine_exit_reason r;

	for (unsigned i = 0; i < 512; i++)
		h_write64(&h, pd + 8 * i, ((uint64_t)i << 21) | 0x87);
	h_write64(&h, pdpt, pd | 1);          /* CR3 of task A */
	h_write64(&h, pdpt + 0x20, pd | 1);   /* CR3 of task B */
	h.s->cr3 = pdpt;
	h.s->cr4 = CR4_PAE;
	h.s->cr0 |= CR0_PG;
	h.s->pdpte[0] = pd | 1;
	h.s->pdpte_valid = true;
	su_w32(&h, TSS_B + 0x1c, pdpt + 0x20);
	ck_assert_int_eq(su_run(&h, code, sizeof(code), 5), ENGINE_EXIT_HLT);
	ck_assert_uint_eq(h.s->rip, B_CODE + 1);
	ck_assert_uint_eq(h.s->cr3, pdpt + 0x20);
	ck_assert(h.s->pdpte_valid);
	ck_assert_uint_eq(h.s->pdpte[0], pd | 1);
	ck_assert_uint_eq(h.s->pdpte[1], 0);

	/* Task A back, then a reserved bit in B's PDPTE 1. */
	teardown();
	setup();
	for (unsigned i = 0; i < 512; i++)
		h_write64(&h, pd + 8 * i, ((uint64_t)i << 21) | 0x87);
	h_write64(&h, pdpt, pd | 1);
	h_write64(&h, pdpt + 0x20, pd | 1);
	h_write64(&h, pdpt + 0x28, pd | 1 | 2);   /* bit 1 reserved */
	h.s->cr3 = pdpt;
	h.s->cr4 = CR4_PAE;
	h.s->cr0 |= CR0_PG;
	h.s->pdpte[0] = pd | 1;
	h.s->pdpte_valid = true;
	su_w32(&h, TSS_B + 0x1c, pdpt + 0x20);
	r = su_run(&h, code, sizeof(code), 5);
	ck_assert_int_eq(stub_vector(r), X86_GP);
	ck_assert_uint_eq(stack32(0), 0);
	ck_assert_uint_eq(stack32(1), H_CODE);
	ck_assert_uint_eq(h.s->cr3, pdpt);
	ck_assert_uint_eq(h.s->seg[SEG_TR].sel, SEL_A);
	ck_assert_uint_eq(su_r32(&h, TSS_A + 0x20), 0);
	ck_assert_uint_eq(gdt_access(SEL_B), 0x89);
}
END_TEST

/* T=1 in the new TSS: a #DB trap with DR6.BT before the new task's first
 * instruction (SDM 18.3.1.5). */
START_TEST(debug_trap_flag)
{
	static const uint8_t code[] = { 0xea, 0, 0, 0, 0, SEL_B, 0 };
	enum engine_exit_reason r;

	su_w16(&h, TSS_B + 0x64, 1);
	r = su_run(&h, code, sizeof(code), 5);
	ck_assert_int_eq(stub_vector(r), X86_DB);
	ck_assert_uint_eq(stack32(0), B_CODE);
	ck_assert_uint_eq(h.s->seg[SEG_TR].sel, SEL_B);
	ck_assert_uint_eq(h.s->dr[6] & (1u << 15), 1u << 15);
	ck_assert_uint_eq(h.s->gpr[GPR_RSP], B_STACK - 12);
}
END_TEST

/* EFLAGS.VM=1 in a 32-bit TSS: a virtual-8086 task, segments loaded real-
 * mode style (SDM 20.2.5), CPL 3. */
START_TEST(switch_to_v86_task)
{
	static const uint8_t code[] = { 0xea, 0, 0, 0, 0, SEL_B, 0 };

	su_w32(&h, TSS_B + 0x20, 0x0010);
	su_w32(&h, TSS_B + 0x24, 0x2 | RFLAGS_VM);
	su_w16(&h, TSS_B + 0x4c, 0x1900);
	su_w16(&h, TSS_B + 0x50, 0x2000);
	h_load(&h, H_CODE, code, sizeof(code));
	ck_assert_int_eq(h_run(&h, 1), ENGINE_EXIT_INSN_LIMIT);
	ck_assert_uint_eq(h.s->rflags, 0x2 | RFLAGS_VM);
	ck_assert_uint_eq(h.s->rip, 0x10);
	ck_assert_uint_eq(h.s->seg[SEG_CS].sel, 0x1900);
	ck_assert_uint_eq(h.s->seg[SEG_CS].base, 0x19000);
	ck_assert_uint_eq(h.s->seg[SEG_CS].limit, 0xffff);
	ck_assert_uint_eq(h.s->seg[SEG_SS].base, 0x20000);
	ck_assert_uint_eq(h.s->seg[SEG_DS].base, 0x100);
	ck_assert_uint_eq(cpu_cpl(h.s), 3);
	ck_assert_uint_eq(h.s->seg[SEG_TR].sel, SEL_B);
}
END_TEST

/* ---- call gates ---- */

#define SEL_GATE3     0x60     /* DPL 3 32-bit gate -> 0x18:T_RING0, 2 params */
#define SEL_GATE0     0x68     /* DPL 0 32-bit gate -> 0x18:T_SAME */
#define SEL_GATE_DATA 0x70     /* DPL 3 gate -> 0x10 (not code) */
#define SEL_GATE_U    0x78     /* DPL 3 gate -> SEL_UCS:T_USER */
#define SEL_GATE_NP   0x98     /* DPL 3 gate, not present */
#define SEL_GATE_NULL 0xa0     /* DPL 3 gate -> null selector */
#define SEL_GATE16    0xa8     /* DPL 0 16-bit gate -> 0x18:T_SAME */
#define T_RING0  0x1b0000ull
#define T_SAME   0x1b1000ull
#define T_USER   0x1b2000ull
#define RING0_SP 0x78000ull
#define USER_SP  0x7c000ull

static void setup_gates(void)
{
	/* mov ax, 0x10; mov ds, ax; retf 8 */
	static const uint8_t ring0[] = { 0x66, 0xb8, 0x10, 0x00, 0x8e, 0xd8,
					 0xca, 0x08, 0x00 };

	setup();
	h_write64(&h, GDT + SEL_GATE3, gate(0x18, T_RING0, 0xec, 2));
	h_write64(&h, GDT + SEL_GATE0, gate(0x18, T_SAME, 0x8c, 0));
	h_write64(&h, GDT + SEL_GATE_DATA, gate(0x10, T_SAME, 0xec, 0));
	h_write64(&h, GDT + SEL_GATE_U, gate(SEL_UCS, T_USER, 0xec, 0));
	h_write64(&h, GDT + SEL_GATE_NP, gate(0x18, T_SAME, 0x6c, 0));
	h_write64(&h, GDT + SEL_GATE_NULL, gate(0, T_SAME, 0xec, 0));
	h_write64(&h, GDT + SEL_GATE16, gate(0x18, T_SAME, 0x84, 0));
	ck_assert(gmem_write(&h.mem, T_RING0, ring0, sizeof(ring0)));
	ck_assert(gmem_write_u8(&h.mem, T_SAME, 0xcb));    /* retf */
	ck_assert(gmem_write_u8(&h.mem, T_USER, 0xf4));    /* hlt */
	su_w32(&h, TSS_A + 4, RING0_SP);                          /* ESP0 */
	su_w16(&h, TSS_A + 8, 0x10);                              /* SS0 */
}

/* CPL 3 with user code and stack; FS and GS null. */
static void to_ring3(void)
{
	static const unsigned data[] = { SEG_ES, SEG_SS, SEG_DS };

	h.s->seg[SEG_CS] = (struct seg_reg){ SEL_UCS, 0, 0xffffffff,
		0xb | SEG_AR_S | SEG_AR_P | SEG_AR_DB | SEG_AR_G |
		(3u << SEG_AR_DPL_SHIFT) };
	for (unsigned i = 0; i < 3; i++)
		h.s->seg[data[i]] = (struct seg_reg){ SEL_UDS, 0, 0xffffffff,
			0x3 | SEG_AR_S | SEG_AR_P | SEG_AR_DB | SEG_AR_G |
			(3u << SEG_AR_DPL_SHIFT) };
	h.s->seg[SEG_FS] = (struct seg_reg){ 0, 0, 0, SEG_AR_UNUSABLE };
	h.s->seg[SEG_GS] = h.s->seg[SEG_FS];
	h.s->gpr[GPR_RSP] = USER_SP;
}

/* CALL from CPL 3 through a DPL 3 gate to ring 0: stack from the TSS,
 * two dwords copied, SS:ESP and CS:EIP pushed (SDM 5.8.5, Figure 5-13);
 * RETF 8 back to ring 3 restores SS:ESP, releases the parameters on both
 * stacks and nulls DS loaded with a DPL 0 segment (SDM 5.8.6). */
START_TEST(call_gate_to_ring0_and_back)
{
	static const uint8_t code[] = {
		0x68, 0x11, 0x11, 0x11, 0x11,             /* push 0x11111111 */
		0x68, 0x22, 0x22, 0x22, 0x22,             /* push 0x22222222 */
		0x9a, 0, 0, 0, 0, SEL_GATE3 | 3, 0,       /* call 0x63:0 */
	};

	to_ring3();
	h_load(&h, H_CODE, code, sizeof(code));
	ck_assert_int_eq(h_run(&h, 3), ENGINE_EXIT_INSN_LIMIT);
	ck_assert_uint_eq(h.s->rip, T_RING0);
	ck_assert_uint_eq(h.s->seg[SEG_CS].sel, 0x18);
	ck_assert_uint_eq(cpu_cpl(h.s), 0);
	ck_assert_uint_eq(h.s->seg[SEG_SS].sel, 0x10);
	ck_assert_uint_eq(h.s->gpr[GPR_RSP], RING0_SP - 24);
	ck_assert_uint_eq(stack32(0), H_CODE + 17);
	ck_assert_uint_eq(stack32(1), SEL_UCS);
	ck_assert_uint_eq(stack32(2), 0x22222222);
	ck_assert_uint_eq(stack32(3), 0x11111111);
	ck_assert_uint_eq(stack32(4), USER_SP - 8);
	ck_assert_uint_eq(stack32(5), SEL_UDS);

	ck_assert_int_eq(h_run(&h, 3), ENGINE_EXIT_INSN_LIMIT);
	ck_assert_uint_eq(h.s->rip, H_CODE + 17);
	ck_assert_uint_eq(h.s->seg[SEG_CS].sel, SEL_UCS);
	ck_assert_uint_eq(cpu_cpl(h.s), 3);
	ck_assert_uint_eq(h.s->seg[SEG_SS].sel, SEL_UDS);
	ck_assert_uint_eq(h.s->gpr[GPR_RSP], USER_SP);
	ck_assert_uint_eq(h.s->seg[SEG_DS].sel, 0);
	ck_assert(h.s->seg[SEG_DS].ar & SEG_AR_UNUSABLE);
	ck_assert_uint_eq(h.s->seg[SEG_ES].sel, SEL_UDS);
}
END_TEST

/* Same privilege: CALL pushes CS:EIP only, RETF returns. */
START_TEST(call_gate_same_privilege)
{
	static const uint8_t code[] = { 0x9a, 0, 0, 0, 0, SEL_GATE0, 0, 0xf4 };

	h_load(&h, H_CODE, code, sizeof(code));
	ck_assert_int_eq(h_run(&h, 1), ENGINE_EXIT_INSN_LIMIT);
	ck_assert_uint_eq(h.s->rip, T_SAME);
	ck_assert_uint_eq(h.s->seg[SEG_CS].sel, 0x18);
	ck_assert_uint_eq(h.s->gpr[GPR_RSP], H_STACK - 8);
	ck_assert_uint_eq(stack32(0), H_CODE + 7);
	ck_assert_uint_eq(stack32(1), 0x18);
	ck_assert_int_eq(h_run(&h, 5), ENGINE_EXIT_HLT);
	ck_assert_uint_eq(h.s->rip, H_CODE + 8);
	ck_assert_uint_eq(h.s->gpr[GPR_RSP], H_STACK);

	/* A 16-bit gate pushes 16-bit CS:IP. */
	h.s->gpr[GPR_RSP] = H_STACK;
	h.s->activity = ACTIVITY_ACTIVE;
	h_load(&h, H_CODE, code, sizeof(code));
	ck_assert(gmem_write_u8(&h.mem, H_CODE + 5, SEL_GATE16));
	ck_assert_int_eq(h_run(&h, 1), ENGINE_EXIT_INSN_LIMIT);
	ck_assert_uint_eq(h.s->rip, T_SAME & 0xffff);
	ck_assert_uint_eq(h.s->gpr[GPR_RSP], H_STACK - 4);
	ck_assert_uint_eq(su_r16(&h, H_STACK - 4), (H_CODE + 7) & 0xffff);
	ck_assert_uint_eq(su_r16(&h, H_STACK - 2), 0x18);
}
END_TEST

/* A 16-bit gate from CPL 3 to ring 0 with one parameter: words pushed
 * and copied, a 16-bit entry point. */
START_TEST(call_gate16_to_ring0)
{
	static const uint8_t code[] = {
		0x68, 0x44, 0x33, 0x22, 0x11,             /* push 0x11223344 */
		0x9a, 0, 0, 0, 0, 0xb3, 0,                /* call 0xb3:0 */
	};

	h_write64(&h, GDT + 0xb0, gate(0x18, 0xe000, 0xe4, 1));
	to_ring3();
	h_load(&h, H_CODE, code, sizeof(code));
	ck_assert_int_eq(h_run(&h, 2), ENGINE_EXIT_INSN_LIMIT);
	ck_assert_uint_eq(h.s->rip, 0xe000);
	ck_assert_uint_eq(cpu_cpl(h.s), 0);
	ck_assert_uint_eq(h.s->gpr[GPR_RSP], RING0_SP - 10);
	ck_assert_uint_eq(su_r16(&h, RING0_SP - 10), (H_CODE + 12) & 0xffff);
	ck_assert_uint_eq(su_r16(&h, RING0_SP - 8), SEL_UCS);
	ck_assert_uint_eq(su_r16(&h, RING0_SP - 6), 0x3344);     /* low word */
	ck_assert_uint_eq(su_r16(&h, RING0_SP - 4), (USER_SP - 4) & 0xffff);
	ck_assert_uint_eq(su_r16(&h, RING0_SP - 2), SEL_UDS);
}
END_TEST

/* JMP through a gate: no stack change, CPL unchanged (3). */
START_TEST(jmp_call_gate)
{
	static const uint8_t code[] = { 0xea, 0, 0, 0, 0, SEL_GATE_U | 3, 0 };

	to_ring3();
	h_load(&h, H_CODE, code, sizeof(code));
	ck_assert_int_eq(h_run(&h, 1), ENGINE_EXIT_INSN_LIMIT);
	ck_assert_uint_eq(h.s->rip, T_USER);
	ck_assert_uint_eq(cpu_cpl(h.s), 3);
	ck_assert_uint_eq(h.s->seg[SEG_CS].sel, SEL_UCS);
	ck_assert_uint_eq(h.s->gpr[GPR_RSP], USER_SP);
	ck_assert_uint_eq(su_r32(&h, USER_SP - 4), 0);
}
END_TEST

/* The #GP / #NP cases (CALL/JMP "CALL-GATE"). */
START_TEST(call_gate_faults)
{
	static const struct {
		bool ring3, jmp;
		uint8_t sel;
		int vec;
		uint32_t err;
	} cases[] = {
		{ true, false, SEL_GATE0 | 3, X86_GP, SEL_GATE0 },   /* DPL < CPL */
		{ false, false, SEL_GATE0 | 3, X86_GP, SEL_GATE0 },  /* RPL > DPL */
		{ false, false, SEL_GATE_DATA, X86_GP, 0x10 },       /* not code */
		{ false, false, SEL_GATE_NP, X86_NP, SEL_GATE_NP },
		{ false, false, SEL_GATE_NULL, X86_GP, 0 },
		{ true, true, SEL_GATE3 | 3, X86_GP, 0x18 },  /* JMP to inner */
		{ true, false, SEL_GATE_DATA | 3, X86_GP, 0x10 },
	};

	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t code[] = { cases[i].jmp ? 0xea : 0x9a, 0, 0, 0, 0,
				   cases[i].sel, 0 };
		enum engine_exit_reason r;

		teardown();
		setup_gates();
		if (cases[i].ring3)
			to_ring3();
		r = su_run(&h, code, sizeof(code), 5);
		ck_assert_int_eq(stub_vector(r), cases[i].vec);
		ck_assert_uint_eq(stack32(0), cases[i].err);
		ck_assert_uint_eq(stack32(1), H_CODE);
		ck_assert_uint_eq(stack32(2), cases[i].ring3 ? SEL_UCS : 0x18);
	}
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("task_switch");
	TCase *t = tcase_create("task"), *g;

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, jmp_to_tss);
	tcase_add_test(t, call_iret_round_trip);
	tcase_add_test(t, int_through_task_gate);
	tcase_add_test(t, exception_error_code_on_new_stack);
	tcase_add_test(t, call_tss_faults);
	tcase_add_test(t, fault_in_new_task_context);
	tcase_add_test(t, new_task_segment_checks);
	tcase_add_test(t, jmp_to_16bit_tss);
	tcase_add_test(t, new_task_ldt);
	tcase_add_test(t, new_task_cr3_pae);
	tcase_add_test(t, debug_trap_flag);
	tcase_add_test(t, switch_to_v86_task);
	suite_add_tcase(s, t);
	g = tcase_create("callgate");
	tcase_add_checked_fixture(g, setup_gates, teardown);
	tcase_add_test(g, call_gate_to_ring0_and_back);
	tcase_add_test(g, call_gate_same_privilege);
	tcase_add_test(g, call_gate16_to_ring0);
	tcase_add_test(g, jmp_call_gate);
	tcase_add_test(g, call_gate_faults);
	suite_add_tcase(s, g);
	suite_add_tcase(s, gate64_tcase());
	return s;
}

int main(void)
{
	return h_run_suite(suite());
}
