// SPDX-License-Identifier: MIT
/*
 * LAR, LSL, VERR, VERW (descriptor types per mode, privilege, 16-byte
 * system descriptors in IA-32e mode, ZF and an untouched destination on
 * failure), ARPL, BOUND (#BR), MOVBE, CLFLUSH/CLFLUSHOPT (faults, no
 * access), the fences and prefetch hints, each with its CPUID #UD, and
 * #UD of the protected-mode-only ones in real mode; a far CALL from CPL 3
 * into a conforming code segment and RETF back (the CPL stays 3).
 */
#include <check.h>
#include <string.h>

#include "sysutil.h"

static struct harness h;

static void setup(void)
{
	h_init(&h);
}

static void teardown(void)
{
	h_fini(&h);
}

/* Extra descriptors from selector 0x40 on (0x28/0x30 are the user
 * segments of sysutil.h). */
static void extra_gdt(void)
{
	static const uint64_t d[] = {
		[0x40 / 8] = 0x00cf9b000000ffffull,  /* code RX DPL0 */
		[0x48 / 8] = 0x00cf99000000ffffull,  /* code execute-only DPL0 */
		[0x50 / 8] = 0x00cf9f000000ffffull,  /* conforming code RX DPL0 */
		[0x58 / 8] = 0x0040915600001234ull,  /* data read-only, base 560000H, limit 1234H */
		[0x60 / 8] = 0x0000820000000fffull,  /* LDT (16 bytes) */
		[0x68 / 8] = 0,
		[0x70 / 8] = 0x0000ec0000000000ull,  /* call gate DPL3 (16 bytes) */
		[0x78 / 8] = 0,
		[0x80 / 8] = 0x0000890000000067ull,  /* TSS, bad upper half */
		[0x88 / 8] = 0x00000f0000000000ull,  /*   type 0FH in the upper 8 bytes */
		[0x90 / 8] = 0x0000850000000000ull,  /* task gate (upper half 0) */
		[0x98 / 8] = 0,
		[0xa0 / 8] = 0x0000830000000067ull,  /* 16-bit busy TSS */
		[0xa8 / 8] = 0,
		[0xb0 / 8] = 0x0040130000000fffull,  /* data RW DPL0 not present */
	};

	su_user_segments(&h);
	for (unsigned i = 0x40 / 8; i < sizeof(d) / 8; i++)
		h_write64(&h, 0x7000 + 8 * i, d[i]);
	h.s->gdtr.limit = sizeof(d) - 1;
}

#define G_ZF (h.s->rflags & RFLAGS_ZF)

/* 32-bit interrupt gates to the harness's HLT stubs (vectors 0-31). */
static void idt32(void)
{
	const uint64_t idt = H_DATA + 0x1000;

	for (uint64_t v = 0; v < 32; v++) {
		uint64_t off = H_VEC + 16 * v;

		h_write64(&h, idt + 8 * v, (off & 0xffff) | (0x18ull << 16) |
			  (0x8eull << 40) | ((off >> 16) << 48));
	}
	h.s->idtr = (struct dtable_reg){ idt, 32 * 8 - 1 };
}

/* Real mode: an IVT at 0 pointing at the same stubs (segment H_VEC/16);
 * returns the vector whose stub the run stopped in, or -1. */
static void ivt16(void)
{
	for (uint64_t v = 0; v < 32; v += 2)
		h_write64(&h, 4 * v, (16 * v) | ((H_VEC >> 4) << 16) |
			  ((16 * (v + 1)) << 32) | ((H_VEC >> 4) << 48));
	h.s->idtr = (struct dtable_reg){ 0, 0x3ff };
}

static int vec16(enum engine_exit_reason r)
{
	if (r != ENGINE_EXIT_HLT || h.s->seg[SEG_CS].base != H_VEC)
		return -1;
	return (int)((h.s->rip - 1) / 16);
}

/* Run code (ending in HLT) with BX = sel and RAX = a marker. */
static void run_sel(const uint8_t *code, size_t len, uint16_t sel)
{
	G(RBX) = sel;
	G(RAX) = 0x5555555555555555ull;
	ck_assert_int_eq(su_run(&h, code, len, 5), ENGINE_EXIT_HLT);
}

static const uint8_t lar32[] = { 0x0f, 0x02, 0xc3, 0xf4 };
static const uint8_t lar16[] = { 0x66, 0x0f, 0x02, 0xc3, 0xf4 };
static const uint8_t lar64[] = { 0x48, 0x0f, 0x02, 0xc3, 0xf4 };
static const uint8_t lsl32[] = { 0x0f, 0x03, 0xc3, 0xf4 };
static const uint8_t verr[] = { 0x0f, 0x00, 0xe3, 0xf4 };
static const uint8_t verw[] = { 0x0f, 0x00, 0xeb, 0xf4 };

static void lar_is(uint16_t sel, bool ok, uint64_t rax)
{
	h.s->rflags &= ~RFLAGS_ZF;
	if (!ok)
		h.s->rflags |= RFLAGS_ZF;
	run_sel(lar32, sizeof(lar32), sel);
	ck_assert_msg(!!G_ZF == ok, "LAR %#x: ZF %d", sel, !!G_ZF);
	ck_assert_msg(G(RAX) == (ok ? rax : 0x5555555555555555ull),
		      "LAR %#x: rax %#lx", sel, (unsigned long)G(RAX));
}

static void lsl_is(uint16_t sel, bool ok, uint64_t rax)
{
	h.s->rflags &= ~RFLAGS_ZF;
	if (!ok)
		h.s->rflags |= RFLAGS_ZF;
	run_sel(lsl32, sizeof(lsl32), sel);
	ck_assert_msg(!!G_ZF == ok, "LSL %#x: ZF %d", sel, !!G_ZF);
	ck_assert_msg(G(RAX) == (ok ? rax : 0x5555555555555555ull),
		      "LSL %#x: rax %#lx", sel, (unsigned long)G(RAX));
}

static void ver_is(const uint8_t *code, uint16_t sel, bool ok)
{
	h.s->rflags &= ~RFLAGS_ZF;
	if (!ok)
		h.s->rflags |= RFLAGS_ZF;
	run_sel(code, 4, sel);
	ck_assert_msg(!!G_ZF == ok, "VER%c %#x: ZF %d", code[2] == 0xe3 ? 'R' : 'W',
		      sel, !!G_ZF);
}

START_TEST(lar_lsl_long_mode)
{
	extra_gdt();
	/* Code/data: bits 23:8 of the high dword; 32-bit writes zero-extend. */
	lar_is(0x08, true, 0x00af9b00);
	lar_is(0x10, true, 0x00cf9300);
	lar_is(0x58, true, 0x00409100);
	lar_is(0xb0, true, 0x00401300);    /* not present: LAR does not care */
	/* Null, beyond the GDT limit, TI=1 with no LDT. */
	lar_is(0x00, false, 0);
	lar_is(0x03, false, 0);
	lar_is(0xb8, false, 0);
	lar_is(0x44, false, 0);
	/* System types valid in IA-32e mode: LDT, call gate; a task gate
	 * and a 16-bit TSS are not; a TSS whose upper half has a type fails. */
	lar_is(0x60, true, 0x00008200);
	lar_is(0x70, true, 0x0000ec00);
	lar_is(0x90, false, 0);
	lar_is(0xa0, false, 0);
	lar_is(0x80, false, 0);
	/* RPL 3 above DPL 0 hides a data segment, not a conforming one. */
	lar_is(0x13, false, 0);
	lar_is(0x53, true, 0x00cf9f00);
	/* LSL: the byte limit with G applied; gates have none. */
	lsl_is(0x58, true, 0x1234);
	lsl_is(0x10, true, 0xffffffff);
	lsl_is(0x60, true, 0xfff);
	lsl_is(0x70, false, 0);
	/* A descriptor only partly inside the GDT limit is not there. */
	h.s->gdtr.limit = 0x5f;
	lar_is(0x58, true, 0x00409100);
	h.s->gdtr.limit = 0x5e;
	lar_is(0x58, false, 0);
	extra_gdt();
	/* 16-bit and 64-bit operand sizes. */
	run_sel(lar16, sizeof(lar16), 0x58);
	ck_assert_uint_eq(G(RAX), 0x5555555555559100ull);
	run_sel(lar64, sizeof(lar64), 0x10);
	ck_assert_uint_eq(G(RAX), 0x00cf9300);
}
END_TEST

START_TEST(lar_cpl3_and_32bit_mode)
{
	extra_gdt();
	su_cpl3(&h);
	/* At CPL 3 a DPL 0 segment is invisible, a DPL 3 one is not (the
	 * run ends with HLT's #GP at CPL 3, so check after the LAR only). */
	G(RBX) = 0x10;
	G(RAX) = 0;
	h.s->rflags |= RFLAGS_ZF;
	ck_assert_int_eq(su_run(&h, lar32, 3, 1), ENGINE_EXIT_INSN_LIMIT);
	ck_assert(!G_ZF);
	ck_assert_uint_eq(G(RAX), 0);
	G(RBX) = 0x33;
	ck_assert_int_eq(su_run(&h, lar32, 3, 1), ENGINE_EXIT_INSN_LIMIT);
	ck_assert(G_ZF);
	ck_assert_uint_eq(G(RAX), 0x00cff300);

	/* Outside IA-32e mode: task gates and 16-bit TSSs are valid for LAR,
	 * the descriptors are 8 bytes. */
	h_fini(&h);
	h_init(&h);
	extra_gdt();
	h_mode32(&h);
	lar_is(0x90, true, 0x00008500);
	lar_is(0xa0, true, 0x00008300);
	lar_is(0x80, true, 0x00008900);
	lsl_is(0xa0, true, 0x67);
	lsl_is(0x90, false, 0);
}
END_TEST

/*
 * CALL FAR to a conforming DPL 0 segment at CPL 3 keeps CPL 3 (CS gets
 * RPL 3, SS and the stack stay: SDM Vol. 3A 5.8.1.2), so the RETF there is
 * a same-level return that pops only CS:EIP.  The CPL once came from CS.DPL
 * (0 there): RETF then popped an outer SS:ESP and faulted.
 */
START_TEST(conforming_call_keeps_cpl3)
{
	static const uint8_t code[] = {
		0x9a, 0x10, 0x00, 0x10, 0x00, 0x50, 0x00,   /* lcall $0x50, $0x100010 */
		0xf4, 0, 0, 0, 0, 0, 0, 0, 0,
		0x8c, 0xc8,                                 /* mov %cs, %eax */
		0xcb,                                       /* lret */
	};

	extra_gdt();
	h_write64(&h, 0x7000 + 0xb8, 0x00cffb000000ffffull);  /* code32 DPL 3 */
	h.s->gdtr.limit = 0xbf;
	h_mode32(&h);
	h.s->seg[SEG_CS].sel = 0xbb;
	h.s->seg[SEG_CS].ar |= 3u << SEG_AR_DPL_SHIFT;
	h.s->seg[SEG_SS].sel = 0x33;
	h.s->seg[SEG_SS].ar |= 3u << SEG_AR_DPL_SHIFT;
	G(RSP) = H_STACK;
	ck_assert_int_eq(su_run(&h, code, sizeof(code), 3), ENGINE_EXIT_INSN_LIMIT);
	ck_assert_uint_eq(G(RAX) & 0xffff, 0x53);
	ck_assert_uint_eq(h.s->seg[SEG_CS].sel, 0xbb);
	ck_assert_uint_eq(h.s->rip, H_CODE + 7);
	ck_assert_uint_eq(G(RSP), H_STACK);
	ck_assert_uint_eq(cpu_cpl(h.s), 3);
}
END_TEST

START_TEST(verr_verw)
{
	extra_gdt();
	ver_is(verr, 0x40, true);          /* readable code */
	ver_is(verr, 0x48, false);         /* execute-only */
	ver_is(verr, 0x58, true);          /* read-only data */
	ver_is(verr, 0x60, false);         /* system */
	ver_is(verr, 0x00, false);
	ver_is(verr, 0x53, true);          /* conforming: RPL ignored */
	ver_is(verr, 0x43, false);         /* RPL 3 > DPL 0 */
	ver_is(verw, 0x10, true);
	ver_is(verw, 0x58, false);         /* read-only */
	ver_is(verw, 0x40, false);         /* code */
	ver_is(verw, 0xb0, true);          /* not present: no check */
	ver_is(verw, 0x1b8, false);        /* beyond the limit */
}
END_TEST

START_TEST(real_mode_ud)
{
	static const uint8_t arpl[] = { 0x63, 0xd8, 0xf4 };

	h_mode16(&h);
	ivt16();
	ck_assert_int_eq(vec16(su_run(&h, lar32, 4, 3)), X86_UD);
	h_mode16(&h);
	ck_assert_int_eq(vec16(su_run(&h, verw, 4, 3)), X86_UD);
	h_mode16(&h);
	ck_assert_int_eq(vec16(su_run(&h, arpl, 3, 3)), X86_UD);

}
END_TEST

START_TEST(arpl_and_bound)
{
	static const uint8_t arpl[] = { 0x63, 0xd8, 0xf4 };
	static const uint8_t bound32[] = { 0x62, 0x05, 0x00, 0x00, 0x20, 0x00, 0xf4 };
	static const uint8_t bound16[] = { 0x66, 0x62, 0x05, 0x00, 0x00, 0x20, 0x00, 0xf4 };
	static const struct { int32_t idx; bool br; } b32[] = {
		{ -5, false }, { 10, false }, { 0, false }, { 11, true }, { -6, true },
	};

	h_mode32(&h);
	G(RAX) = 0x12340010;
	G(RBX) = 0x3;
	h.s->rflags &= ~RFLAGS_ZF;
	ck_assert_int_eq(su_run(&h, arpl, 3, 3), ENGINE_EXIT_HLT);
	ck_assert_uint_eq(G(RAX), 0x12340013);
	ck_assert(G_ZF);
	G(RBX) = 0x1;
	ck_assert_int_eq(su_run(&h, arpl, 3, 3), ENGINE_EXIT_HLT);
	ck_assert_uint_eq(G(RAX), 0x12340013);
	ck_assert(!G_ZF);
	G(RBX) = 0x3;               /* equal RPLs: no change, ZF=0 */
	h.s->rflags |= RFLAGS_ZF;
	ck_assert_int_eq(su_run(&h, arpl, 3, 3), ENGINE_EXIT_HLT);
	ck_assert_uint_eq(G(RAX), 0x12340013);
	ck_assert(!G_ZF);

	/* BOUND: signed bounds [-5, 10] at 0x200000 (32-bit), [-2, 3]
	 * (16-bit) at the same place; #BR is a fault on the BOUND. */
	h_write64(&h, 0x200000, ((uint64_t)10 << 32) | (uint32_t)-5);
	for (size_t i = 0; i < sizeof(b32) / sizeof(b32[0]); i++) {
		enum engine_exit_reason r;

		h_mode32(&h);
		idt32();
		G(RAX) = (uint32_t)b32[i].idx;
		r = su_run(&h, bound32, sizeof(bound32), 3);
		if (b32[i].br) {
			ck_assert_int_eq(h_fault_vector(&h, r), X86_BR);
			/* the 32-bit frame's EIP */
			ck_assert_uint_eq(h_read64(&h, G(RSP)) & 0xffffffff, H_CODE);
		} else {
			ck_assert_int_eq(r, ENGINE_EXIT_HLT);
			ck_assert_uint_eq(h.s->rip, H_CODE + sizeof(bound32));
		}
	}
	h_write64(&h, 0x200000, 0x0003fffe);
	h_mode32(&h);
	G(RAX) = 0xffff0003;        /* AX = 3: in range */
	ck_assert_int_eq(su_run(&h, bound16, sizeof(bound16), 3), ENGINE_EXIT_HLT);
	h_mode32(&h);
	idt32();
	G(RAX) = 0x0000fffd;        /* AX = -3: below */
	ck_assert_int_eq(h_fault_vector(&h, su_run(&h, bound16, sizeof(bound16), 3)),
			 X86_BR);
}
END_TEST

START_TEST(movbe)
{
	static const uint8_t ld32[] = { 0x0f, 0x38, 0xf0, 0x03, 0xf4 };
	static const uint8_t st64[] = { 0x48, 0x0f, 0x38, 0xf1, 0x03, 0xf4 };
	static const uint8_t ld16[] = { 0x66, 0x0f, 0x38, 0xf0, 0x03, 0xf4 };

	h_write64(&h, H_DATA, 0x1122334455667788ull);
	G(RBX) = H_DATA;
	G(RAX) = ~0ull;
	ck_assert_int_eq(su_run(&h, ld32, sizeof(ld32), 3), ENGINE_EXIT_HLT);
	ck_assert_uint_eq(G(RAX), 0x88776655);
	G(RAX) = ~0ull;
	ck_assert_int_eq(su_run(&h, ld16, sizeof(ld16), 3), ENGINE_EXIT_HLT);
	ck_assert_uint_eq(G(RAX), 0xffffffffffff8877ull);
	G(RAX) = 0x0102030405060708ull;
	ck_assert_int_eq(su_run(&h, st64, sizeof(st64), 3), ENGINE_EXIT_HLT);
	ck_assert_uint_eq(h_read64(&h, H_DATA), 0x0807060504030201ull);
	cpu_model_set(&h.ip->cfg.model, X86_FEAT_MOVBE, false);
	ck_assert_int_eq(h_fault_vector(&h, su_run(&h, ld32, sizeof(ld32), 3)), X86_UD);
}
END_TEST

/* MOVNTI is a plain store (SSE2); RDSSPQ is a NOP without CET. */
START_TEST(movnti_rdssp)
{
	static const uint8_t code[] = {
		0x0f, 0xc3, 0x03,                   /* movnti [rbx], eax */
		0x48, 0x0f, 0xc3, 0x4b, 0x08,       /* movnti [rbx+8], rcx */
		0xf3, 0x48, 0x0f, 0x1e, 0xca,       /* rdsspq rdx */
		0xf4,
	};

	G(RBX) = H_DATA;
	G(RAX) = 0xaaaaaaaa11223344ull;
	G(RCX) = 0x0102030405060708ull;
	G(RDX) = 0x77;
	h_write64(&h, H_DATA, ~0ull);
	ck_assert_int_eq(su_run(&h, code, sizeof(code), 5), ENGINE_EXIT_HLT);
	ck_assert_uint_eq(h_read64(&h, H_DATA), 0xffffffff11223344ull);
	ck_assert_uint_eq(h_read64(&h, H_DATA + 8), 0x0102030405060708ull);
	ck_assert_uint_eq(G(RDX), 0x77);
	cpu_model_set(&h.ip->cfg.model, X86_FEAT_SSE2, false);
	ck_assert_int_eq(h_fault_vector(&h, su_run(&h, code, sizeof(code), 5)), X86_UD);
}
END_TEST

START_TEST(clflush_fences_prefetch)
{
	static const uint8_t clflush[] = { 0x0f, 0xae, 0x3b, 0xf4 };
	static const uint8_t clflushopt[] = { 0x66, 0x0f, 0xae, 0x3b, 0xf4 };
	static const uint8_t fences[] = {
		0x0f, 0xae, 0xe8, 0x0f, 0xae, 0xf8, 0x0f, 0xae, 0xf0,
		0x0f, 0x18, 0x03, 0x0f, 0x0d, 0x0b, 0xf4,
	};
	enum engine_exit_reason r;

	G(RBX) = H_DATA;
	h_write64(&h, H_DATA, 42);
	ck_assert_int_eq(su_run(&h, clflush, sizeof(clflush), 3), ENGINE_EXIT_HLT);
	ck_assert_int_eq(su_run(&h, clflushopt, sizeof(clflushopt), 3), ENGINE_EXIT_HLT);
	ck_assert_uint_eq(h_read64(&h, H_DATA), 42);
	/* Non-canonical: #GP(0); not mapped: #PF as a read. */
	G(RBX) = 0x0000800000000000ull;
	ck_assert_int_eq(h_fault_vector(&h, su_run(&h, clflush, sizeof(clflush), 3)),
			 X86_GP);
	G(RBX) = 0x7ffffff000ull;
	r = su_run(&h, clflush, sizeof(clflush), 3);
	ck_assert_int_eq(h_fault_vector(&h, r), X86_PF);
	ck_assert_uint_eq(h_read64(&h, h.s->gpr[GPR_RSP]) & PF_W, 0);
	ck_assert_uint_eq(h.s->cr2, 0x7ffffff000ull);
	/* Fences and prefetches: prefetching an unmapped or non-canonical
	 * address never faults. */
	G(RBX) = 0x0000800000000000ull;
	ck_assert_int_eq(su_run(&h, fences, sizeof(fences), 10), ENGINE_EXIT_HLT);
	ck_assert_uint_eq(h.s->rip, H_CODE + sizeof(fences));
	/* CPUID #UD: CLFLUSH, CLFLUSHOPT, SFENCE (SSE), LFENCE (SSE2). */
	G(RBX) = H_DATA;
	cpu_model_set(&h.ip->cfg.model, X86_FEAT_CLFLUSH, false);
	ck_assert_int_eq(h_fault_vector(&h, su_run(&h, clflush, sizeof(clflush), 3)),
			 X86_UD);
	ck_assert_int_eq(su_run(&h, clflushopt, sizeof(clflushopt), 3), ENGINE_EXIT_HLT);
	cpu_model_set(&h.ip->cfg.model, X86_FEAT_CLFLUSHOPT, false);
	ck_assert_int_eq(h_fault_vector(&h, su_run(&h, clflushopt, sizeof(clflushopt), 3)),
			 X86_UD);
	cpu_model_set(&h.ip->cfg.model, X86_FEAT_SSE2, false);
	ck_assert_int_eq(h_fault_vector(&h, su_run(&h, fences, sizeof(fences), 3)),
			 X86_UD);
	ck_assert_int_eq(su_run(&h, fences + 3, sizeof(fences) - 3, 1),
			 ENGINE_EXIT_INSN_LIMIT);          /* SFENCE needs SSE only */
	cpu_model_set(&h.ip->cfg.model, X86_FEAT_SSE, false);
	ck_assert_int_eq(h_fault_vector(&h, su_run(&h, fences + 3, 3, 3)), X86_UD);
}
END_TEST

/* RDRAND/RDSEED: CF=1, OF SF ZF AF PF cleared, a value that depends only
 * on the state (the same instruction count gives the same number, so
 * runs and restores repeat); #UD without the feature. */
START_TEST(rdrand_deterministic)
{
	static const uint8_t rdrand[] = { 0x48, 0x0f, 0xc7, 0xf0, 0xf4 };   /* rax */
	static const uint8_t rdseed[] = { 0x0f, 0xc7, 0xf9, 0xf4 };         /* ecx */
	struct cpu_state start = *h.s;
	uint64_t a, b;

	h.s->rflags |= RFLAGS_ZF | RFLAGS_SF | RFLAGS_OF | RFLAGS_PF | RFLAGS_AF;
	start = *h.s;
	ck_assert_int_eq(su_run(&h, rdrand, sizeof(rdrand), 3), ENGINE_EXIT_HLT);
	a = G(RAX);
	ck_assert_uint_eq(h.s->rflags & ARITH_FLAGS, RFLAGS_CF);
	h.eng->ops->set_state(h.eng, &start);
	ck_assert_int_eq(su_run(&h, rdrand, sizeof(rdrand), 3), ENGINE_EXIT_HLT);
	ck_assert_uint_eq(G(RAX), a);
	b = G(RAX);
	ck_assert_int_eq(su_run(&h, rdrand, sizeof(rdrand), 3), ENGINE_EXIT_HLT);
	ck_assert_uint_ne(G(RAX), b);
	G(RCX) = ~0ull;
	ck_assert_int_eq(su_run(&h, rdseed, sizeof(rdseed), 3), ENGINE_EXIT_HLT);
	ck_assert_uint_eq(G(RCX) >> 32, 0);
	ck_assert(h.s->rflags & RFLAGS_CF);
	cpu_model_set(&h.ip->cfg.model, X86_FEAT_RDSEED, false);
	ck_assert_int_eq(h_fault_vector(&h, su_run(&h, rdseed, sizeof(rdseed), 3)), X86_UD);
	ck_assert_int_eq(su_run(&h, rdrand, sizeof(rdrand), 3), ENGINE_EXIT_HLT);
	cpu_model_set(&h.ip->cfg.model, X86_FEAT_RDRAND, false);
	ck_assert_int_eq(h_fault_vector(&h, su_run(&h, rdrand, sizeof(rdrand), 3)), X86_UD);
}
END_TEST

/* RDPID: IA32_TSC_AUX, zero-extended to 64 bits; any CPL, CR4.TSD
 * ignored; #UD without the feature (SDM Vol. 2 RDPID). */
START_TEST(rdpid_reads_tsc_aux)
{
	static const uint8_t rdpid[] = { 0xf3, 0x0f, 0xc7, 0xf8, 0xf4 };   /* rax */
	static const uint8_t rdpid_r9[] = { 0xf3, 0x41, 0x0f, 0xc7, 0xf9, 0xf4 };

	h.s->msr.tsc_aux = 0x12345678;
	h.s->cr4 |= CR4_TSD;
	G(RAX) = ~0ull;
	ck_assert_int_eq(su_run(&h, rdpid, sizeof(rdpid), 2), ENGINE_EXIT_HLT);
	ck_assert_uint_eq(G(RAX), 0x12345678);
	G(R9) = ~0ull;
	ck_assert_int_eq(su_run(&h, rdpid_r9, sizeof(rdpid_r9), 2), ENGINE_EXIT_HLT);
	ck_assert_uint_eq(G(R9), 0x12345678);
	cpu_model_set(&h.ip->cfg.model, X86_FEAT_RDPID, false);
	ck_assert_int_eq(h_fault_vector(&h, su_run(&h, rdpid, sizeof(rdpid), 2)), X86_UD);
}
END_TEST

/* MONITOR/MWAIT advertised (CPUID.1:ECX[3], leaf 5): they execute at
 * CPL 0; MWAIT with ECX[31:1] != 0 is #GP(0); without the feature both
 * are #UD (SDM Vol. 2).  MONITOR arms the line (physical address and
 * contents); MWAIT waits (no instruction retires, the run ends halted
 * with nothing to wake it) until the line's contents change; without an
 * armed monitor it returns at once. */
START_TEST(monitor_mwait)
{
	static const uint8_t monitor[] = { 0x0f, 0x01, 0xc8, 0xf4 };
	static const uint8_t mwait[] = { 0x0f, 0x01, 0xc9, 0xf4 };
	static const uint8_t cpuid5[] = { 0xb8, 5, 0, 0, 0, 0x0f, 0xa2, 0xf4 };
	uint64_t n;

	G(RAX) = 0x2010;
	G(RCX) = 0;
	G(RDX) = 0;
	ck_assert_int_eq(su_run(&h, monitor, sizeof(monitor), 2), ENGINE_EXIT_HLT);
	ck_assert(h.s->monitor_armed);
	ck_assert_uint_eq(h.s->monitor_gpa, 0x2000);
	G(RAX) = 0;
	G(RCX) = 1;
	ck_assert_int_eq(su_run(&h, mwait, sizeof(mwait), 2), ENGINE_EXIT_HLT);
	ck_assert_uint_eq(h.s->mwait, MWAIT_WAITING | MWAIT_INTR_BREAK);
	ck_assert_uint_eq(h.s->activity, ACTIVITY_ACTIVE);
	ck_assert_uint_eq(h.s->rip, H_CODE + 3);
	ck_assert(!h.s->monitor_armed);
	n = h.s->insn_count;
	ck_assert_int_eq(h_run(&h, 10), ENGINE_EXIT_HLT);
	ck_assert_uint_eq(h.s->insn_count, n);          /* still waiting */
	h_write64(&h, 0x2038, 1);                       /* same line */
	ck_assert_int_eq(h_run(&h, 10), ENGINE_EXIT_HLT);
	ck_assert_uint_eq(h.s->mwait, 0);
	ck_assert_uint_eq(h.s->activity, ACTIVITY_HLT);  /* the HLT after */
	ck_assert_uint_eq(h.s->insn_count, n + 1);
	/* Unarmed now: returns at once. */
	ck_assert_int_eq(su_run(&h, mwait, sizeof(mwait), 2), ENGINE_EXIT_HLT);
	ck_assert_uint_eq(h.s->mwait, 0);
	ck_assert_uint_eq(h.s->activity, ACTIVITY_HLT);
	G(RCX) = 2;
	ck_assert_int_eq(h_fault_vector(&h, su_run(&h, mwait, sizeof(mwait), 2)), X86_GP);
	ck_assert_int_eq(su_run(&h, cpuid5, sizeof(cpuid5), 3), ENGINE_EXIT_HLT);
	ck_assert_uint_eq(G(RAX), 64);
	ck_assert_uint_eq(G(RCX), 3);
	cpu_model_set(&h.ip->cfg.model, X86_FEAT_MONITOR, false);
	G(RCX) = 0;
	ck_assert_int_eq(h_fault_vector(&h, su_run(&h, monitor, sizeof(monitor), 2)), X86_UD);
	ck_assert_int_eq(h_fault_vector(&h, su_run(&h, mwait, sizeof(mwait), 2)), X86_UD);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("interp_sys_seginfo");
	TCase *tc = tcase_create("seginfo");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, lar_lsl_long_mode);
	tcase_add_test(tc, lar_cpl3_and_32bit_mode);
	tcase_add_test(tc, conforming_call_keeps_cpl3);
	tcase_add_test(tc, verr_verw);
	tcase_add_test(tc, real_mode_ud);
	tcase_add_test(tc, arpl_and_bound);
	tcase_add_test(tc, movbe);
	tcase_add_test(tc, movnti_rdssp);
	tcase_add_test(tc, rdrand_deterministic);
	tcase_add_test(tc, rdpid_reads_tsc_aux);
	tcase_add_test(tc, monitor_mwait);
	tcase_add_test(tc, clflush_fences_prefetch);
	suite_add_tcase(s, tc);
	return h_run_suite(s);
}
