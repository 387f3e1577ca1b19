// SPDX-License-Identifier: MIT
/* Mode switches as a multiboot-style trampoline does them: real mode ->
 * protected mode (LGDT, CR0.PE, far JMP) -> IA-32e (CR4.PAE, CR3,
 * EFER.LME, CR0.PG -> EFER.LMA, far JMP to a 64-bit code segment), and
 * back out of long mode.  Uses the harness GDT (0x08 code64, 0x10 data,
 * 0x18 code32) and page tables at 0x1000. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "sysutil.h"

#define TRAMP 0x8000ull

static struct harness h;

static void setup(void)
{
	h_init(&h);
}

static void teardown(void)
{
	h_fini(&h);
}

static void real_mode_at(uint64_t base)
{
	struct cpu_state *s = h.s;

	cpu_state_reset(s);
	s->seg[SEG_CS].sel = (uint16_t)(base >> 4);
	s->seg[SEG_CS].base = base;
	s->rip = 0;
	s->gpr[GPR_RSP] = 0x7000;
	s->cr0 = CR0_ET;
	h.eng->ops->set_state(h.eng, s);
}

static const uint8_t tramp16[] = {
	/* 0x00 */ 0x2e, 0x0f, 0x01, 0x16, 0x00, 0x01, /* lgdt cs:[0x100] */
	/* 0x06 */ 0x0f, 0x20, 0xc0,                   /* mov eax,cr0 */
	/* 0x09 */ 0x0c, 0x01,                         /* or al,1 */
	/* 0x0b */ 0x0f, 0x22, 0xc0,                   /* mov cr0,eax */
	/* 0x0e */ 0x66, 0xea, 0x20, 0x80, 0x00, 0x00, 0x18, 0x00,
						       /* jmp dword 0x18:0x8020 */
};

static const uint8_t tramp32[] = {
	/* 0x20 */ 0x66, 0xb8, 0x10, 0x00,             /* mov ax,0x10 */
	/* 0x24 */ 0x8e, 0xd8,                         /* mov ds,ax */
	/* 0x26 */ 0x8e, 0xd0,                         /* mov ss,ax */
	/* 0x28 */ 0x0f, 0x20, 0xe0,                   /* mov eax,cr4 */
	/* 0x2b */ 0x83, 0xc8, 0x20,                   /* or eax,0x20 (PAE) */
	/* 0x2e */ 0x0f, 0x22, 0xe0,                   /* mov cr4,eax */
	/* 0x31 */ 0xb8, 0x00, 0x10, 0x00, 0x00,       /* mov eax,0x1000 */
	/* 0x36 */ 0x0f, 0x22, 0xd8,                   /* mov cr3,eax */
	/* 0x39 */ 0xb9, 0x80, 0x00, 0x00, 0xc0,       /* mov ecx,0xc0000080 */
	/* 0x3e */ 0x0f, 0x32,                         /* rdmsr */
	/* 0x40 */ 0x0d, 0x00, 0x01, 0x00, 0x00,       /* or eax,0x100 (LME) */
	/* 0x45 */ 0x0f, 0x30,                         /* wrmsr */
	/* 0x47 */ 0x0f, 0x20, 0xc0,                   /* mov eax,cr0 */
	/* 0x4a */ 0x0d, 0x00, 0x00, 0x00, 0x80,       /* or eax,0x80000000 */
	/* 0x4f */ 0x0f, 0x22, 0xc0,                   /* mov cr0,eax */
	/* 0x52 */ 0xea, 0x60, 0x80, 0x00, 0x00, 0x08, 0x00,
						       /* jmp 0x08:0x8060 */
};

static const uint8_t tramp64[] = {
	/* 0x60 */ 0x48, 0xb8, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11,
						       /* mov rax,imm64 */
	/* 0x6a */ 0xf4,
};

static void load_trampoline(void)
{
	static const uint8_t gdtr[6] = { 0x27, 0x00, 0x00, 0x70, 0x00, 0x00 };

	ck_assert(gmem_write(&h.mem, TRAMP, tramp16, sizeof(tramp16)));
	ck_assert(gmem_write(&h.mem, TRAMP + 0x20, tramp32, sizeof(tramp32)));
	ck_assert(gmem_write(&h.mem, TRAMP + 0x60, tramp64, sizeof(tramp64)));
	ck_assert(gmem_write(&h.mem, TRAMP + 0x100, gdtr, sizeof(gdtr)));
}

START_TEST(real_to_protected_to_long)
{
	load_trampoline();
	real_mode_at(TRAMP);
	/* Up to the far jump: still 16-bit code, but PE=1. */
	ck_assert_int_eq(h_run(&h, 4), ENGINE_EXIT_INSN_LIMIT);
	ck_assert(h.s->cr0 & CR0_PE);
	ck_assert_uint_eq(h.s->seg[SEG_CS].sel, 0x800);
	ck_assert_uint_eq(h.s->gdtr.base, 0x7000);
	/* Far jump: 32-bit protected mode. */
	ck_assert_int_eq(h_run(&h, 1), ENGINE_EXIT_INSN_LIMIT);
	ck_assert_uint_eq(h.s->seg[SEG_CS].sel, 0x18);
	ck_assert(h.s->seg[SEG_CS].ar & SEG_AR_DB);
	ck_assert_uint_eq(h.s->rip, TRAMP + 0x20);
	/* Up to MOV CR0 (PG): IA-32e compatibility mode. */
	ck_assert_int_eq(h_run(&h, 15), ENGINE_EXIT_INSN_LIMIT);
	ck_assert_uint_eq(h.s->rip, TRAMP + 0x52);
	ck_assert(h.s->efer & EFER_LMA);
	ck_assert(cpu_long_mode(h.s) && !cpu_64bit_mode(h.s));
	ck_assert_uint_eq(h.s->seg[SEG_SS].sel, 0x10);
	/* Far jump into 64-bit mode, then the 64-bit code runs. */
	ck_assert_int_eq(h_run(&h, 10), ENGINE_EXIT_HLT);
	ck_assert(cpu_64bit_mode(h.s));
	ck_assert_uint_eq(h.s->seg[SEG_CS].sel, 0x08);
	ck_assert_uint_eq(G(RAX), 0x1122334455667788ull);
	ck_assert_uint_eq(h.s->rip, TRAMP + 0x6b);
	ck_assert_uint_eq(h.s->insn_count, 23);
}
END_TEST

START_TEST(long_mode_activation_rules)
{
	static const uint8_t set_pg[] = {
		0x0f, 0x20, 0xc0,                   /* mov eax,cr0 */
		0x0d, 0x00, 0x00, 0x00, 0x80,       /* or eax,0x80000000 */
		0x0f, 0x22, 0xc0,                   /* mov cr0,eax */
		0xf4,
	};
	enum engine_exit_reason r;

	/* 32-bit protected mode, LME set but PAE clear: #GP. */
	h_mode32(&h);
	h.s->efer = EFER_LME;
	h.s->cr3 = 0x1000;
	h.s->idtr.limit = 0;   /* a fault is a triple fault: the reason shows */
	h_load(&h, H_CODE, set_pg, sizeof(set_pg));
	r = h_run(&h, 10);
	ck_assert_int_eq(r, ENGINE_EXIT_SHUTDOWN);
	ck_assert_uint_eq(h.s->rip, H_CODE + 8);
	ck_assert(!(h.s->cr0 & CR0_PG));
	/* With PAE: paging on, LMA set. */
	h_mode32(&h);
	h.s->efer = EFER_LME;
	h.s->cr4 = CR4_PAE;
	h.s->cr3 = 0x1000;
	h.s->activity = ACTIVITY_ACTIVE;
	h_load(&h, H_CODE, set_pg, sizeof(set_pg));
	ck_assert_int_eq(h_run(&h, 10), ENGINE_EXIT_HLT);
	ck_assert(h.s->efer & EFER_LMA);
	/* Without LME: legacy PAE paging, no LMA. */
	h_mode32(&h);
	h.s->cr4 = CR4_PAE;
	h.s->cr3 = 0x20000;
	h_write64(&h, 0x20000, 0x3000 | 1);   /* PDPTE 0 -> the 0-1G PD */
	h.s->activity = ACTIVITY_ACTIVE;
	h_load(&h, H_CODE, set_pg, sizeof(set_pg));
	ck_assert_int_eq(h_run(&h, 10), ENGINE_EXIT_HLT);
	ck_assert(!(h.s->efer & EFER_LMA));
	ck_assert(h.s->cr0 & CR0_PG);
}
END_TEST

START_TEST(leave_long_mode)
{
	/* 64-bit -> compatibility mode (far jump through memory) -> paging
	 * off (LMA clears) -> 32-bit protected mode. */
	static const uint8_t code64[] = {
		0xff, 0x2c, 0x25, 0x00, 0x00, 0x20, 0x00,   /* jmp far [0x200000] */
	};
	static const uint8_t code32[] = {
		0x0f, 0x20, 0xc0,                   /* mov eax,cr0 */
		0x25, 0xff, 0xff, 0xff, 0x7f,       /* and eax,0x7fffffff */
		0x0f, 0x22, 0xc0,                   /* mov cr0,eax */
		0xf4,
	};
	uint8_t ptr[6] = { 0x00, 0x10, 0x10, 0x00, 0x18, 0x00 };  /* 0x18:0x101000 */

	ck_assert(gmem_write(&h.mem, H_DATA, ptr, sizeof(ptr)));
	ck_assert(gmem_write(&h.mem, H_CODE + 0x1000, code32, sizeof(code32)));
	h_load(&h, H_CODE, code64, sizeof(code64));
	ck_assert_int_eq(h_run(&h, 1), ENGINE_EXIT_INSN_LIMIT);
	ck_assert_uint_eq(h.s->seg[SEG_CS].sel, 0x18);
	ck_assert_uint_eq(h.s->rip, H_CODE + 0x1000);
	ck_assert(cpu_long_mode(h.s) && !cpu_64bit_mode(h.s));
	ck_assert_int_eq(h_run(&h, 10), ENGINE_EXIT_HLT);
	ck_assert(!(h.s->efer & EFER_LMA));
	ck_assert(h.s->efer & EFER_LME);
	ck_assert(!(h.s->cr0 & CR0_PG));
	/* Clearing PG in 64-bit mode itself is #GP (checked in sysinsn). */
}
END_TEST

START_TEST(far_call_and_retf)
{
	/* 64-bit: far call through memory to compat code that RETFs back. */
	static const uint8_t code64[] = {
		0xff, 0x1c, 0x25, 0x00, 0x00, 0x20, 0x00,   /* call far [0x200000] */
		0xf4,
	};
	static const uint8_t code32[] = {
		0xb8, 0x78, 0x56, 0x34, 0x12,               /* mov eax,0x12345678 */
		0xcb,                                       /* retf */
	};
	uint8_t ptr[6] = { 0x00, 0x10, 0x10, 0x00, 0x18, 0x00 };

	ck_assert(gmem_write(&h.mem, H_DATA, ptr, sizeof(ptr)));
	ck_assert(gmem_write(&h.mem, H_CODE + 0x1000, code32, sizeof(code32)));
	h_load(&h, H_CODE, code64, sizeof(code64));
	ck_assert_int_eq(h_run(&h, 1), ENGINE_EXIT_INSN_LIMIT);
	ck_assert_uint_eq(h.s->gpr[GPR_RSP], H_STACK - 8);
	ck_assert_uint_eq(h_read64(&h, H_STACK - 8) & 0xffffffff, H_CODE + 7);
	ck_assert_int_eq(h_run(&h, 10), ENGINE_EXIT_HLT);
	ck_assert(cpu_64bit_mode(h.s));
	ck_assert_uint_eq(h.s->rip, H_CODE + 8);
	ck_assert_uint_eq(G(RAX), 0x12345678);
	ck_assert_uint_eq(h.s->gpr[GPR_RSP], H_STACK);
}
END_TEST

START_TEST(real_mode_interrupt_and_iret)
{
	static const uint8_t code[] = {
		0xcd, 0x21,             /* int 0x21 */
		0xf4,                   /* hlt */
	};
	static const uint8_t handler[] = {
		0xb8, 0x34, 0x12,       /* mov ax,0x1234 */
		0xcf,                   /* iret */
	};

	real_mode_at(0x9000);
	ck_assert(gmem_write(&h.mem, 0x9000, code, sizeof(code)));
	ck_assert(gmem_write(&h.mem, 0xa000, handler, sizeof(handler)));
	ck_assert(gmem_write_u32(&h.mem, 0x21 * 4, 0x0a000000));  /* a00:0 */
	h.s->idtr = (struct dtable_reg){ 0, 0x3ff };
	h.s->rflags |= RFLAGS_IF;
	ck_assert_int_eq(h_run(&h, 10), ENGINE_EXIT_HLT);
	ck_assert_uint_eq(G(RAX) & 0xffff, 0x1234);
	ck_assert_uint_eq(h.s->seg[SEG_CS].sel, 0x900);
	ck_assert_uint_eq(h.s->rip, 3);
	ck_assert_uint_eq(h.s->gpr[GPR_RSP], 0x7000);
	ck_assert(h.s->rflags & RFLAGS_IF);
	ck_assert_uint_eq(h.s->insn_count, 4);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("modes");
	TCase *tc = tcase_create("modes");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, real_to_protected_to_long);
	tcase_add_test(tc, long_mode_activation_rules);
	tcase_add_test(tc, leave_long_mode);
	tcase_add_test(tc, far_call_and_retf);
	tcase_add_test(tc, real_mode_interrupt_and_iret);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
