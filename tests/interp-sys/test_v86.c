// SPDX-License-Identifier: MIT
/*
 * Virtual-8086 mode (SDM Vol. 3A ch. 20) on the interpreter, in 32-bit
 * protected mode without paging: IRET from CPL 0 into virtual-8086 mode,
 * interrupts and exceptions out of it through the IDT (ring-0 stack,
 * GS/FS/DS/ES pushed and nulled), IRET back, the IOPL rules of INT n,
 * PUSHF/POPF, CLI/STI, IRET, the I/O permission bitmap, and the virtual
 * mode extensions (CR4.VME: interrupt redirection, VIF/VIP) and
 * protected-mode virtual interrupts (CR4.PVI).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "sysutil.h"

static struct harness h;

#define GDT     0x7000ull
#define TSS     0x60000ull    /* 0x28: 32-bit TSS, I/O map base 0x88 */
#define IDT32   0x61000ull
#define STUBS   0x62000ull    /* vector v: HLT at STUBS + 16 * v */
#define IRETS   0x63000ull    /* a handler that returns: IRETD */
#define RSP0    0x70000ull
#define IOMAP   0x88u         /* redirection bitmap at 0x68..0x87 */
#define TSS_LIM (IOMAP + 8192u)

#define SEL_TSS 0x28
#define SEL_UCS 0x33          /* DPL 3 32-bit code */
#define SEL_UDS 0x3b          /* DPL 3 data */
#define SEL_CCS 0x40          /* DPL 0 conforming code */

/* The v86 program: CS 1000H (code at 10000H), SS 2000H SP 1000H. */
#define V_CS   0x1000
#define V_SS   0x2000
#define V_SP   0x1000
#define V_CODE 0x10000ull
#define V_STK  (0x20000ull + V_SP)

static uint64_t gate(uint16_t sel, uint32_t off, uint8_t access)
{
	return (off & 0xffffull) | ((uint64_t)sel << 16) |
	       ((uint64_t)access << 40) | ((uint64_t)(off >> 16) << 48);
}

static void w8(uint64_t gpa, uint8_t v)
{
	ck_assert(gmem_write_u8(&h.mem, gpa, v));
}

static void set_idt(uint8_t v, uint16_t sel, uint32_t off, uint8_t access)
{
	h_write64(&h, IDT32 + 8 * v, gate(sel, off, access));
}

static void setup(void)
{
	h_init(&h);
	h_mode32(&h);
	/* 32-bit TSS (busy), DPL 3 code, DPL 0 conforming code. */
	h_write64(&h, GDT + SEL_TSS, (TSS_LIM & 0xffff) |
		  ((TSS & 0xffffff) << 16) | (0x8bull << 40) |
		  ((uint64_t)(TSS_LIM >> 16) << 48));
	h_write64(&h, GDT + (SEL_UCS & ~3), 0x00cffb000000ffffull);
	h_write64(&h, GDT + (SEL_UDS & ~3), 0x00cff3000000ffffull);
	h_write64(&h, GDT + SEL_CCS, 0x00cf9f000000ffffull);
	h.s->gdtr.limit = 0x47;
	h.s->seg[SEG_TR] = (struct seg_reg){ SEL_TSS, TSS, TSS_LIM,
					     0xb | SEG_AR_P };
	su_w32(&h, TSS + 4, RSP0);
	su_w16(&h, TSS + 8, 0x10);
	su_w16(&h, TSS + 0x66, IOMAP);
	w8(TSS + IOMAP + 0x81 / 8, 1u << (0x81 & 7));   /* port 81H denied */
	w8(TSS + TSS_LIM, 0xff);
	for (unsigned v = 0; v < 256; v++) {
		set_idt((uint8_t)v, 0x18, STUBS + 16 * v, 0xee);  /* DPL 3 */
		w8(STUBS + 16 * v, 0xf4);
	}
	w8(IRETS, 0xcf);
	h.s->idtr = (struct dtable_reg){ IDT32, 256 * 8 - 1 };
}

static void teardown(void)
{
	h_fini(&h);
}

/* Put the vCPU in virtual-8086 mode at V_CS:0 with extra EFLAGS bits,
 * code at V_CODE. */
static void v86(uint64_t flags, const void *code, size_t len)
{
	static const uint16_t sel[SEG_GS + 1] = {
		[SEG_ES] = 0x3000, [SEG_CS] = V_CS, [SEG_SS] = V_SS,
		[SEG_DS] = 0x4000, [SEG_FS] = 0x5000, [SEG_GS] = 0x6000,
	};

	for (unsigned i = SEG_ES; i <= SEG_GS; i++)
		h.s->seg[i] = (struct seg_reg){ sel[i], sel[i] * 16u, 0xffff,
						0xf3 };
	h.s->rflags = RFLAGS_FIXED1 | RFLAGS_VM | flags;
	h.s->gpr[GPR_RSP] = V_SP;
	ck_assert(gmem_write(&h.mem, V_CODE, code, len));
	h.s->rip = 0;
	h.s->activity = ACTIVITY_ACTIVE;
}

#define IOPL3 RFLAGS_IOPL

/* Vector of the HLT stub the run stopped in, else -1. */
static int stub_vector(enum engine_exit_reason r)
{
	uint64_t rip = h.s->rip;

	if (r != ENGINE_EXIT_HLT || rip <= STUBS || rip > STUBS + 16 * 256)
		return -1;
	return (int)((rip - 1 - STUBS) / 16);
}

/* Dword i of the ring-0 stack (flat SS). */
static uint32_t stk(unsigned i)
{
	return su_r32(&h, h.s->gpr[GPR_RSP] + 4 * i);
}

/* The ring-0 frame of an event out of virtual-8086 mode (SDM 20.3.1.1):
 * [err] EIP CS EFLAGS ESP SS ES DS FS GS, segment registers nulled. */
static void assert_v86_frame(bool err, uint32_t eip, uint32_t eflags)
{
	unsigned e = err ? 1 : 0;

	ck_assert_uint_eq(h.s->gpr[GPR_RSP], RSP0 - 36 - 4 * e);
	ck_assert_uint_eq(h.s->seg[SEG_SS].sel, 0x10);
	ck_assert_uint_eq(h.s->seg[SEG_CS].sel, 0x18);
	ck_assert_uint_eq(cpu_cpl(h.s), 0);
	ck_assert(!(h.s->rflags & (RFLAGS_VM | RFLAGS_IF | RFLAGS_TF)));
	ck_assert_uint_eq(stk(e + 0), eip);
	ck_assert_uint_eq(stk(e + 1), V_CS);
	ck_assert_uint_eq(stk(e + 2), eflags);
	ck_assert_uint_eq(stk(e + 3), V_SP);
	ck_assert_uint_eq(stk(e + 4), V_SS);
	ck_assert_uint_eq(stk(e + 5), 0x3000);
	ck_assert_uint_eq(stk(e + 6), 0x4000);
	ck_assert_uint_eq(stk(e + 7), 0x5000);
	ck_assert_uint_eq(stk(e + 8), 0x6000);
	for (unsigned i = 0; i < 4; i++) {
		static const unsigned segs[] = { SEG_ES, SEG_DS, SEG_FS, SEG_GS };

		ck_assert_uint_eq(h.s->seg[segs[i]].sel, 0);
		ck_assert(h.s->seg[segs[i]].ar & SEG_AR_UNUSABLE);
	}
}

/* ---- entering and leaving ---- */

/* IRETD at CPL 0 with VM in the image: a 9-dword frame, every flag
 * loaded, segments real-mode style with AR F3H, EIP bits 15:0, ESP whole. */
START_TEST(iret_enters_v86)
{
	static const uint8_t code[] = { 0xcf };
	static const uint32_t frame[9] = {
		0x00120034, 0x1234, RFLAGS_FIXED1 | RFLAGS_VM | RFLAGS_CF |
		RFLAGS_IF | RFLAGS_VIF | (1u << 12) | RFLAGS_AC | RFLAGS_ID,
		0xabcd0ff0, 0x2345, 0x3456, 0x4567, 0x5678, 0x6789,
	};
	static const uint16_t want[] = {
		[SEG_ES] = 0x3456, [SEG_CS] = 0x1234, [SEG_SS] = 0x2345,
		[SEG_DS] = 0x4567, [SEG_FS] = 0x5678, [SEG_GS] = 0x6789,
	};

	h.s->gpr[GPR_RSP] = RSP0 - 36;
	for (unsigned i = 0; i < 9; i++)
		su_w32(&h, RSP0 - 36 + 4 * i, frame[i]);
	h_load(&h, H_CODE, code, sizeof(code));
	ck_assert_int_eq(h_run(&h, 1), ENGINE_EXIT_INSN_LIMIT);
	ck_assert_uint_eq(h.s->rflags, frame[2]);
	ck_assert_uint_eq(h.s->rip, 0x34);
	ck_assert_uint_eq(h.s->gpr[GPR_RSP], 0xabcd0ff0);
	ck_assert_uint_eq(cpu_cpl(h.s), 3);
	for (unsigned i = SEG_ES; i <= SEG_GS; i++) {
		ck_assert_uint_eq(h.s->seg[i].sel, want[i]);
		ck_assert_uint_eq(h.s->seg[i].base, want[i] * 16u);
		ck_assert_uint_eq(h.s->seg[i].limit, 0xffff);
		ck_assert_uint_eq(h.s->seg[i].ar, 0xf3);
	}
}
END_TEST

/* The same IRET from CPL 3 (or with a 16-bit operand size) does not enter
 * virtual-8086 mode: VM is not loaded. */
START_TEST(iret_cpl3_keeps_vm_clear)
{
	static const uint8_t code[] = { 0xcf };

	h.s->seg[SEG_CS] = (struct seg_reg){ SEL_UCS, 0, 0xffffffff,
		0xb | SEG_AR_S | SEG_AR_P | SEG_AR_DB | SEG_AR_G | (3 << 5) };
	h.s->seg[SEG_SS] = (struct seg_reg){ SEL_UDS, 0, 0xffffffff,
		0x3 | SEG_AR_S | SEG_AR_P | SEG_AR_DB | SEG_AR_G | (3 << 5) };
	h.s->gpr[GPR_RSP] = RSP0 - 12;
	su_w32(&h, RSP0 - 12, H_CODE + 1);
	su_w32(&h, RSP0 - 8, SEL_UCS);
	su_w32(&h, RSP0 - 4, RFLAGS_FIXED1 | RFLAGS_VM | RFLAGS_ZF);
	h_load(&h, H_CODE, code, sizeof(code));
	ck_assert_int_eq(h_run(&h, 1), ENGINE_EXIT_INSN_LIMIT);
	ck_assert_uint_eq(h.s->rflags, RFLAGS_FIXED1 | RFLAGS_ZF);
	ck_assert_uint_eq(h.s->rip, H_CODE + 1);
}
END_TEST

/* INT n with IOPL 3 goes through the IDT to ring 0 (Table 20-2 method 1),
 * and IRETD from the handler goes back to the instruction after it. */
START_TEST(int_n_iopl3_round_trip)
{
	static const uint8_t code[] = { 0xcd, 0x40, 0x90 };
	uint64_t fl = IOPL3 | RFLAGS_IF | RFLAGS_TF | RFLAGS_CF;

	v86(fl, code, sizeof(code));
	ck_assert_int_eq(stub_vector(h_run(&h, 2)), 0x40);
	assert_v86_frame(false, 2, RFLAGS_FIXED1 | RFLAGS_VM | fl);

	set_idt(0x41, 0x18, IRETS, 0xee);
	v86(fl & ~RFLAGS_TF, (const uint8_t[]){ 0xcd, 0x41, 0x90 }, 3);
	ck_assert_int_eq(h_run(&h, 2), ENGINE_EXIT_INSN_LIMIT);
	ck_assert_uint_eq(h.s->rip, 2);
	ck_assert_uint_eq(h.s->rflags, RFLAGS_FIXED1 | RFLAGS_VM | IOPL3 |
			  RFLAGS_IF | RFLAGS_CF);
	ck_assert_uint_eq(h.s->gpr[GPR_RSP], V_SP);
	ck_assert_uint_eq(h.s->seg[SEG_DS].sel, 0x4000);
	ck_assert_uint_eq(h.s->seg[SEG_DS].ar, 0xf3);
	ck_assert_uint_eq(h.s->seg[SEG_GS].base, 0x60000);
	ck_assert_uint_eq(h.s->seg[SEG_CS].base, V_CS * 16u);
	ck_assert_uint_eq(cpu_cpl(h.s), 3);
}
END_TEST

/* INT n with IOPL < 3 and no VME: #GP(0) at the INT (method 2); INT3 is
 * not subject to IOPL and goes through its gate. */
START_TEST(int_n_iopl0_gp)
{
	static const uint8_t code[] = { 0x90, 0xcd, 0x40 };

	v86(RFLAGS_IF, code, sizeof(code));
	ck_assert_int_eq(stub_vector(h_run(&h, 3)), X86_GP);
	ck_assert_uint_eq(stk(0), 0);
	assert_v86_frame(true, 1, RFLAGS_FIXED1 | RFLAGS_VM | RFLAGS_IF |
			 RFLAGS_RF);

	v86(0, (const uint8_t[]){ 0xcc }, 1);
	ck_assert_int_eq(stub_vector(h_run(&h, 2)), X86_BP);
	assert_v86_frame(false, 1, RFLAGS_FIXED1 | RFLAGS_VM);
}
END_TEST

/* The handler must be non-conforming code at DPL 0: DPL 3 code or a
 * conforming segment is #GP(selector) (SDM INT n); a gate DPL below 3
 * is #GP(vector * 8 + 2) for INT n. */
START_TEST(handler_must_be_ring0)
{
	static const uint8_t code[] = { 0xcd, 0x40 };
	static const struct { uint16_t sel; uint8_t access; uint32_t err; } c[] = {
		{ SEL_UCS, 0xee, SEL_UCS & ~3 },
		{ SEL_CCS, 0xee, SEL_CCS },
		{ 0x18, 0x8e, 0x40 * 8 + 2 },
		{ 0x50, 0xee, 0x50 },
	};

	h_write64(&h, GDT + 0x50, 0x00cfbb000000ffffull);   /* DPL 1 code */
	h.s->gdtr.limit = 0x57;
	for (unsigned i = 0; i < 4; i++) {
		set_idt(0x40, c[i].sel, STUBS + 16 * 0x40, c[i].access);
		v86(IOPL3, code, sizeof(code));
		ck_assert_int_eq(stub_vector(h_run(&h, 2)), X86_GP);
		ck_assert_uint_eq(stk(0), c[i].err);
		assert_v86_frame(true, 0, RFLAGS_FIXED1 | RFLAGS_VM | IOPL3 |
				 RFLAGS_RF);
	}
}
END_TEST

/* Faults in virtual-8086 mode: #DE (no error code) and #GP(0) for an
 * access beyond the 64 KiB limit, with the faulting IP and RF set. */
START_TEST(exceptions_from_v86)
{
	/* div bl with bl = 0; mov ax, [0xffff] */
	static const uint8_t de[] = { 0xf6, 0xf3 };
	static const uint8_t gp[] = { 0x90, 0xa1, 0xff, 0xff };

	v86(IOPL3, de, sizeof(de));
	h.s->gpr[GPR_RBX] = 0;
	ck_assert_int_eq(stub_vector(h_run(&h, 2)), X86_DE);
	assert_v86_frame(false, 0, RFLAGS_FIXED1 | RFLAGS_VM | IOPL3 |
			 RFLAGS_RF);

	v86(0, gp, sizeof(gp));
	ck_assert_int_eq(stub_vector(h_run(&h, 3)), X86_GP);
	ck_assert_uint_eq(stk(0), 0);
	assert_v86_frame(true, 1, RFLAGS_FIXED1 | RFLAGS_VM | RFLAGS_RF);
}
END_TEST

/* A 16-bit interrupt gate from virtual-8086 mode: the same frame in
 * words. */
START_TEST(int_through_16bit_gate)
{
	static const uint8_t code[] = { 0xcd, 0x40 };

	set_idt(0x40, 0x18, 0xa000, 0xe6);
	w8(0xa000, 0xf4);
	v86(IOPL3 | RFLAGS_CF, code, sizeof(code));
	ck_assert_int_eq(h_run(&h, 2), ENGINE_EXIT_HLT);
	ck_assert_uint_eq(h.s->rip, 0xa001);
	ck_assert_uint_eq(h.s->gpr[GPR_RSP], RSP0 - 18);
	ck_assert_uint_eq(su_r16(&h, RSP0 - 18), 2);
	ck_assert_uint_eq(su_r16(&h, RSP0 - 16), V_CS);
	ck_assert_uint_eq(su_r16(&h, RSP0 - 14), 0x3000 | RFLAGS_FIXED1 | RFLAGS_CF);
	ck_assert_uint_eq(su_r16(&h, RSP0 - 12), V_SP);
	ck_assert_uint_eq(su_r16(&h, RSP0 - 2), 0x6000);
	ck_assert_uint_eq(h.s->seg[SEG_FS].sel, 0);
}
END_TEST

/* ---- instructions inside virtual-8086 mode ---- */

/* IRET with IOPL 3: pops IP, CS, FLAGS; IOPL, VIF and VIP stay. */
START_TEST(iret_inside_iopl3)
{
	/* push 0x00c1 (flags: CF, IF=0, IOPL 0); push 0x0777; push 0x0010;
	 * iret */
	static const uint8_t code[] = { 0x68, 0xc1, 0x00, 0x68, 0x77, 0x07,
					0x68, 0x10, 0x00, 0xcf };
	static const uint8_t code32[] = { 0x66, 0x68, 0x01, 0x00, 0x04, 0x00,
					  0x66, 0x68, 0x77, 0x07, 0, 0,
					  0x66, 0x68, 0x10, 0x00, 0, 0,
					  0x66, 0xcf };

	v86(IOPL3 | RFLAGS_IF | RFLAGS_VIF, code, sizeof(code));
	ck_assert_int_eq(h_run(&h, 4), ENGINE_EXIT_INSN_LIMIT);
	ck_assert_uint_eq(h.s->rip, 0x10);
	ck_assert_uint_eq(h.s->seg[SEG_CS].sel, 0x777);
	ck_assert_uint_eq(h.s->seg[SEG_CS].base, 0x7770);
	ck_assert_uint_eq(h.s->seg[SEG_CS].ar, 0xf3);
	ck_assert_uint_eq(h.s->gpr[GPR_RSP], V_SP);
	ck_assert_uint_eq(h.s->rflags, RFLAGS_FIXED1 | RFLAGS_VM | IOPL3 |
			  RFLAGS_VIF | 0xc1);

	/* IRETD: AC from the image, VM stays. */
	v86(IOPL3, code32, sizeof(code32));
	ck_assert_int_eq(h_run(&h, 4), ENGINE_EXIT_INSN_LIMIT);
	ck_assert_uint_eq(h.s->rflags, RFLAGS_FIXED1 | RFLAGS_VM | IOPL3 |
			  RFLAGS_AC | RFLAGS_CF);
	ck_assert_uint_eq(h.s->gpr[GPR_RSP], V_SP);
}
END_TEST

/* IRETD to an EIP beyond the 64 KiB CS limit: #GP(0), nothing popped
 * (SDM IRET "RETURN-FROM-VIRTUAL-8086-MODE"). */
START_TEST(iretd_beyond_cs_limit)
{
	/* push dword 0x202; push dword cs; push dword 0x10000; iretd */
	static const uint8_t code[] = { 0x66, 0x68, 0x02, 0x02, 0, 0,
					0x66, 0x68, 0x00, 0x10, 0, 0,
					0x66, 0x68, 0x00, 0x00, 0x01, 0x00,
					0x66, 0xcf };

	v86(IOPL3, code, sizeof(code));
	ck_assert_int_eq(stub_vector(h_run(&h, 5)), X86_GP);
	ck_assert_uint_eq(stk(0), 0);
	ck_assert_uint_eq(stk(1), 18);
	ck_assert_uint_eq(stk(4), V_SP - 12);
}
END_TEST

/* The gate's offset must lie within the handler's code segment limit:
 * #GP(EXT) (SDM INT n, "instruction pointer from IDT gate"). */
START_TEST(gate_offset_beyond_limit)
{
	static const uint8_t code[] = { 0xcd, 0x40 };

	h_write64(&h, GDT + 0x48, 0x00409b0000000fffull);   /* limit FFFH */
	h.s->gdtr.limit = 0x4f;
	set_idt(0x40, 0x48, 0x1000, 0xee);
	v86(IOPL3, code, sizeof(code));
	ck_assert_int_eq(stub_vector(h_run(&h, 2)), X86_GP);
	ck_assert_uint_eq(stk(0), 0);
	assert_v86_frame(true, 0, RFLAGS_FIXED1 | RFLAGS_VM | IOPL3 |
			 RFLAGS_RF);
	set_idt(0x40, 0x48, 0xfff, 0xee);
	w8(0xfff, 0xf4);
	v86(IOPL3, code, sizeof(code));
	ck_assert_int_eq(h_run(&h, 2), ENGINE_EXIT_HLT);
	ck_assert_uint_eq(h.s->rip, 0x1000);
}
END_TEST

/* Segment loads in virtual-8086 mode: base = selector * 16, limit FFFFH,
 * AR F3H, also for CS (SDM 20.1.1, 27.3.1.2). */
START_TEST(segment_loads)
{
	/* mov ax, 0x1234; mov es, ax; jmp 0x4321:0x0005 */
	static const uint8_t code[] = { 0xb8, 0x34, 0x12, 0x8e, 0xc0,
					0xea, 0x05, 0x00, 0x21, 0x43 };

	v86(IOPL3, code, sizeof(code));
	ck_assert_int_eq(h_run(&h, 3), ENGINE_EXIT_INSN_LIMIT);
	ck_assert_uint_eq(h.s->seg[SEG_ES].base, 0x12340);
	ck_assert_uint_eq(h.s->seg[SEG_ES].ar, 0xf3);
	ck_assert_uint_eq(h.s->seg[SEG_CS].sel, 0x4321);
	ck_assert_uint_eq(h.s->seg[SEG_CS].base, 0x43210);
	ck_assert_uint_eq(h.s->seg[SEG_CS].limit, 0xffff);
	ck_assert_uint_eq(h.s->seg[SEG_CS].ar, 0xf3);
	ck_assert_uint_eq(h.s->rip, 5);
}
END_TEST

/* IOPL < 3 without VME: IRET, PUSHF, POPF, CLI, STI are #GP(0) and change
 * nothing; INT n too (above). */
START_TEST(iopl_sensitive_gp)
{
	static const uint8_t insns[][2] = {
		{ 0xcf }, { 0x9c }, { 0x9d }, { 0xfa }, { 0xfb },
		{ 0x66, 0x9c },
	};

	for (unsigned i = 0; i < 6; i++) {
		v86(RFLAGS_IF | (1u << 12), insns[i], 2);
		ck_assert_int_eq(stub_vector(h_run(&h, 2)), X86_GP);
		ck_assert_uint_eq(stk(0), 0);
		assert_v86_frame(true, 0, RFLAGS_FIXED1 | RFLAGS_VM |
				 RFLAGS_IF | (1u << 12) | RFLAGS_RF);
	}
}
END_TEST

/* IOPL 3: PUSHF (VM and RF never in the image), POPF cannot change IOPL,
 * CLI/STI work on IF. */
START_TEST(flags_iopl3)
{
	/* pushfd; pop eax... in 16-bit: 66 9c, 66 58; push 0; popf; sti */
	static const uint8_t code[] = { 0x66, 0x9c, 0x66, 0x58, 0x6a, 0x00,
					0x9d, 0xfb, 0xfa };

	v86(IOPL3 | RFLAGS_CF | RFLAGS_VIP, code, sizeof(code));
	ck_assert_int_eq(h_run(&h, 2), ENGINE_EXIT_INSN_LIMIT);
	ck_assert_uint_eq(h.s->gpr[GPR_RAX] & 0xffffffff,
			  RFLAGS_FIXED1 | IOPL3 | RFLAGS_CF | RFLAGS_VIP);
	ck_assert_int_eq(h_run(&h, 2), ENGINE_EXIT_INSN_LIMIT);
	ck_assert_uint_eq(h.s->rflags, RFLAGS_FIXED1 | RFLAGS_VM | IOPL3 |
			  RFLAGS_VIP);
	ck_assert_int_eq(h_run(&h, 1), ENGINE_EXIT_INSN_LIMIT);
	ck_assert(h.s->rflags & RFLAGS_IF);
	ck_assert_int_eq(h_run(&h, 1), ENGINE_EXIT_INSN_LIMIT);
	ck_assert(!(h.s->rflags & RFLAGS_IF));
}
END_TEST

/* IN/OUT always consult the TSS I/O permission bitmap in virtual-8086
 * mode, whatever IOPL (SDM 20.2.8.1): port 80H allowed, 81H not. */
START_TEST(io_bitmap_always)
{
	static const uint8_t ok[] = { 0xe4, 0x80, 0xe6, 0x80 };
	static const uint8_t denied[] = { 0xe6, 0x81 };

	v86(IOPL3, ok, sizeof(ok));
	ck_assert_int_eq(h_run(&h, 2), ENGINE_EXIT_INSN_LIMIT);
	ck_assert_uint_eq(h.s->rip, 4);
	v86(IOPL3, denied, sizeof(denied));
	ck_assert_int_eq(stub_vector(h_run(&h, 2)), X86_GP);
	ck_assert_uint_eq(stk(0), 0);
	assert_v86_frame(true, 0, RFLAGS_FIXED1 | RFLAGS_VM | IOPL3 |
			 RFLAGS_RF);
}
END_TEST

/* Protected-mode-only instructions are #UD, ring-0 ones #GP(0). */
START_TEST(privileged_in_v86)
{
	static const uint8_t sldt[] = { 0x0f, 0x00, 0xc0 };
	static const uint8_t hlt[] = { 0xf4 };

	v86(IOPL3, sldt, sizeof(sldt));
	ck_assert_int_eq(stub_vector(h_run(&h, 2)), X86_UD);
	v86(IOPL3, hlt, sizeof(hlt));
	ck_assert_int_eq(stub_vector(h_run(&h, 2)), X86_GP);
}
END_TEST

/* ---- virtual mode extensions ---- */

/* INT n with a clear redirection bit goes to the 8086 program's handler
 * from the table at linear 0 (methods 5 and 6): FLAGS (IOPL 3 and IF =
 * VIF when IOPL < 3), CS, IP pushed; VIF cleared, IF kept (IOPL < 3) or
 * IF cleared (IOPL 3); TF cleared. */
START_TEST(vme_redirect)
{
	static const uint8_t code[] = { 0xcd, 0x21 };

	su_w16(&h, 0x21 * 4, 0x0010);
	su_w16(&h, 0x21 * 4 + 2, 0x0500);
	h.s->cr4 |= CR4_VME;
	v86(RFLAGS_IF | RFLAGS_VIF | RFLAGS_TF | RFLAGS_ZF, code,
	    sizeof(code));
	ck_assert_int_eq(h_run(&h, 1), ENGINE_EXIT_INSN_LIMIT);
	ck_assert_uint_eq(h.s->seg[SEG_CS].sel, 0x500);
	ck_assert_uint_eq(h.s->seg[SEG_CS].base, 0x5000);
	ck_assert_uint_eq(h.s->rip, 0x10);
	ck_assert_uint_eq(h.s->gpr[GPR_RSP], V_SP - 6);
	ck_assert_uint_eq(su_r16(&h, V_STK - 2), RFLAGS_FIXED1 | IOPL3 | RFLAGS_IF |
			  RFLAGS_TF | RFLAGS_ZF);
	ck_assert_uint_eq(su_r16(&h, V_STK - 4), V_CS);
	ck_assert_uint_eq(su_r16(&h, V_STK - 6), 2);
	ck_assert_uint_eq(h.s->rflags, RFLAGS_FIXED1 | RFLAGS_VM | RFLAGS_IF |
			  RFLAGS_ZF);

	/* IOPL 3: the real image, IF cleared, VIF kept. */
	v86(IOPL3 | RFLAGS_IF | RFLAGS_VIF, code, sizeof(code));
	ck_assert_int_eq(h_run(&h, 1), ENGINE_EXIT_INSN_LIMIT);
	ck_assert_uint_eq(su_r16(&h, V_STK - 2), RFLAGS_FIXED1 | IOPL3 | RFLAGS_IF);
	ck_assert_uint_eq(h.s->rflags, RFLAGS_FIXED1 | RFLAGS_VM | IOPL3 |
			  RFLAGS_VIF);
}
END_TEST

/* A set redirection bit: IOPL 3 goes through the IDT (method 4), IOPL < 3
 * is #GP(0) (method 3); a bitmap beyond the TSS limit is #GP(0). */
START_TEST(vme_bit_set)
{
	static const uint8_t code[] = { 0xcd, 0x21 };

	h.s->cr4 |= CR4_VME;
	w8(TSS + IOMAP - 32 + 0x21 / 8, 1u << (0x21 & 7));
	v86(IOPL3, code, sizeof(code));
	ck_assert_int_eq(stub_vector(h_run(&h, 2)), 0x21);
	assert_v86_frame(false, 2, RFLAGS_FIXED1 | RFLAGS_VM | IOPL3);
	v86(0, code, sizeof(code));
	ck_assert_int_eq(stub_vector(h_run(&h, 2)), X86_GP);
	ck_assert_uint_eq(stk(0), 0);

	w8(TSS + IOMAP - 32 + 0x21 / 8, 0);
	h.s->seg[SEG_TR].limit = IOMAP - 32 + 3;   /* byte 4 is beyond */
	v86(0, code, sizeof(code));
	ck_assert_int_eq(stub_vector(h_run(&h, 2)), X86_GP);
	h.s->seg[SEG_TR].limit = IOMAP - 32 + 4;
	v86(0, code, sizeof(code));
	ck_assert_int_eq(h_run(&h, 1), ENGINE_EXIT_INSN_LIMIT);
	ck_assert(h.s->rflags & RFLAGS_VM);
	/* An I/O map base below 32 leaves no room for the bitmap. */
	su_w16(&h, TSS + 0x66, 31);
	v86(0, code, sizeof(code));
	ck_assert_int_eq(stub_vector(h_run(&h, 2)), X86_GP);
}
END_TEST

/* PUSHF/POPF/CLI/STI/IRET with VME and IOPL < 3 work on VIF. */
START_TEST(vme_virtual_if)
{
	/* pushf; cli; pushf; push 0x0200; popf; sti */
	static const uint8_t code[] = { 0x9c, 0xfa, 0x9c, 0x68, 0x00, 0x02,
					0x9d, 0xfa, 0xfb };

	h.s->cr4 |= CR4_VME;
	v86(RFLAGS_VIF | RFLAGS_CF, code, sizeof(code));
	ck_assert_int_eq(h_run(&h, 1), ENGINE_EXIT_INSN_LIMIT);
	ck_assert_uint_eq(su_r16(&h, V_STK - 2), RFLAGS_FIXED1 | IOPL3 | RFLAGS_IF |
			  RFLAGS_CF);
	ck_assert_int_eq(h_run(&h, 2), ENGINE_EXIT_INSN_LIMIT);
	ck_assert(!(h.s->rflags & RFLAGS_VIF));
	ck_assert_uint_eq(su_r16(&h, V_STK - 4), RFLAGS_FIXED1 | IOPL3 | RFLAGS_CF);
	ck_assert_int_eq(h_run(&h, 2), ENGINE_EXIT_INSN_LIMIT);
	/* POPF of IF=1, CF=0: VIF set, IF and IOPL unchanged */
	ck_assert_uint_eq(h.s->rflags, RFLAGS_FIXED1 | RFLAGS_VM | RFLAGS_VIF);
	ck_assert_uint_eq(h.s->gpr[GPR_RSP], V_SP - 4);
	ck_assert_int_eq(h_run(&h, 1), ENGINE_EXIT_INSN_LIMIT);
	ck_assert(!(h.s->rflags & RFLAGS_VIF));
	ck_assert_int_eq(h_run(&h, 1), ENGINE_EXIT_INSN_LIMIT);
	ck_assert(h.s->rflags & RFLAGS_VIF);
	ck_assert(!(h.s->rflags & RFLAGS_IF));
}
END_TEST

/* VME faults: STI with VIP, POPF of IF with VIP, POPF of TF, the 32-bit
 * PUSHFD/POPFD, IRETD: #GP(0), SP unchanged. */
START_TEST(vme_faults)
{
	static const struct { uint8_t code[4]; uint64_t fl; } c[] = {
		{ { 0xfb }, RFLAGS_VIP },
		{ { 0x68, 0x00, 0x02, 0x9d }, RFLAGS_VIP },
		{ { 0x68, 0x00, 0x01, 0x9d }, 0 },
		{ { 0x66, 0x9c }, 0 },
		{ { 0x66, 0x9d }, 0 },
		{ { 0x66, 0xcf }, 0 },
		{ { 0x68, 0x00, 0x02, 0xcf }, RFLAGS_VIP },
	};

	h.s->cr4 |= CR4_VME;
	for (unsigned i = 0; i < 7; i++) {
		unsigned pre = c[i].code[0] == 0x68 ? 1 : 0;

		v86(c[i].fl, c[i].code, 4);
		/* the rest of IRET's frame: CS, FLAGS with IF */
		su_w16(&h, V_STK, V_CS);
		su_w16(&h, V_STK + 2, RFLAGS_IF);
		ck_assert_int_eq(stub_vector(h_run(&h, 2 + pre)), X86_GP);
		ck_assert_uint_eq(stk(0), 0);
		ck_assert_uint_eq(stk(1), pre ? 3 : 0);
		ck_assert_uint_eq(stk(4), pre ? V_SP - 2 : V_SP);
	}
}
END_TEST

/* IRET (16-bit) with VME: VIF from the popped IF; IF and IOPL stay. */
START_TEST(vme_iret16)
{
	/* push 0x3201 (IOPL 3, IF, CF); push cs; push 0x0020; iret */
	static const uint8_t code[] = { 0x68, 0x01, 0x32, 0x0e, 0x68, 0x20,
					0x00, 0xcf };

	h.s->cr4 |= CR4_VME;
	v86(RFLAGS_ZF, code, sizeof(code));
	ck_assert_int_eq(h_run(&h, 4), ENGINE_EXIT_INSN_LIMIT);
	ck_assert_uint_eq(h.s->rip, 0x20);
	ck_assert_uint_eq(h.s->rflags, RFLAGS_FIXED1 | RFLAGS_VM | RFLAGS_VIF |
			  RFLAGS_CF);
}
END_TEST

/* Protected-mode virtual interrupts: at CPL 3 with CR4.PVI and IOPL < 3,
 * CLI/STI work on VIF; without PVI they are #GP(0) (SDM 20.4). */
START_TEST(pvi_cli_sti)
{
	static const uint8_t code[] = { 0xfa, 0xfb, 0xfa };

	h.s->seg[SEG_CS] = (struct seg_reg){ SEL_UCS, 0, 0xffffffff,
		0xb | SEG_AR_S | SEG_AR_P | SEG_AR_DB | SEG_AR_G | (3 << 5) };
	h.s->seg[SEG_SS] = (struct seg_reg){ SEL_UDS, 0, 0xffffffff,
		0x3 | SEG_AR_S | SEG_AR_P | SEG_AR_DB | SEG_AR_G | (3 << 5) };
	h.s->cr4 |= CR4_PVI;
	h.s->rflags = RFLAGS_FIXED1 | RFLAGS_IF | RFLAGS_VIF;
	h_load(&h, H_CODE, code, sizeof(code));
	ck_assert_int_eq(h_run(&h, 1), ENGINE_EXIT_INSN_LIMIT);
	ck_assert_uint_eq(h.s->rflags, RFLAGS_FIXED1 | RFLAGS_IF);
	ck_assert_int_eq(h_run(&h, 1), ENGINE_EXIT_INSN_LIMIT);
	ck_assert_uint_eq(h.s->rflags, RFLAGS_FIXED1 | RFLAGS_IF | RFLAGS_VIF);
	h.s->cr4 &= ~CR4_PVI;
	ck_assert_int_eq(stub_vector(h_run(&h, 2)), X86_GP);
}
END_TEST

/* CPUID advertises VME and CR4.VME/PVI are writable. */
START_TEST(vme_advertised)
{
	/* mov eax, 1; cpuid; mov ecx, cr4; or ecx, 3; mov cr4, ecx */
	static const uint8_t code[] = { 0xb8, 1, 0, 0, 0, 0x0f, 0xa2,
					0x0f, 0x20, 0xe1, 0x83, 0xc9, 0x03,
					0x0f, 0x22, 0xe1 };

	h_load(&h, H_CODE, code, sizeof(code));
	ck_assert_int_eq(h_run(&h, 5), ENGINE_EXIT_INSN_LIMIT);
	ck_assert(h.s->gpr[GPR_RDX] & 2);
	ck_assert_uint_eq(h.s->cr4 & 3, 3);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("v86");
	TCase *t = tcase_create("v86");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, iret_enters_v86);
	tcase_add_test(t, iret_cpl3_keeps_vm_clear);
	tcase_add_test(t, int_n_iopl3_round_trip);
	tcase_add_test(t, int_n_iopl0_gp);
	tcase_add_test(t, handler_must_be_ring0);
	tcase_add_test(t, exceptions_from_v86);
	tcase_add_test(t, int_through_16bit_gate);
	tcase_add_test(t, iret_inside_iopl3);
	tcase_add_test(t, iretd_beyond_cs_limit);
	tcase_add_test(t, segment_loads);
	tcase_add_test(t, gate_offset_beyond_limit);
	tcase_add_test(t, iopl_sensitive_gp);
	tcase_add_test(t, flags_iopl3);
	tcase_add_test(t, io_bitmap_always);
	tcase_add_test(t, privileged_in_v86);
	tcase_add_test(t, vme_redirect);
	tcase_add_test(t, vme_bit_set);
	tcase_add_test(t, vme_virtual_if);
	tcase_add_test(t, vme_faults);
	tcase_add_test(t, vme_iret16);
	tcase_add_test(t, pvi_cli_sti);
	tcase_add_test(t, vme_advertised);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return h_run_suite(suite());
}
