// SPDX-License-Identifier: MIT
/*
 * Interpreter: MMX and SSE..SSE4.2 integer, data movement, shuffles and
 * string instructions; the availability gates (#UD/#NM), alignment #GP,
 * LDMXCSR's reserved bits and the x87 -> MMX register aliasing.
 * Expected values follow the SDM's definitions (Vol. 2, one entry each).
 */
#include <check.h>
#include <string.h>

#include "harness.h"

static struct harness h;

static void setup(void)
{
	h_init(&h);
	h.s->cr4 |= CR4_OSFXSR | CR4_OSXMMEXCPT;
}

static void teardown(void) { h_fini(&h); }

#define RUN(code, n) h_exec(&h, code, sizeof(code), n)
#define G(r) (h.s->gpr[GPR_##r])

static void xset(unsigned i, uint64_t lo, uint64_t hi)
{
	memcpy(h.s->fpu.xmm[i], &lo, 8);
	memcpy(h.s->fpu.xmm[i] + 8, &hi, 8);
}

static uint64_t xlo(unsigned i)
{
	uint64_t v;

	memcpy(&v, h.s->fpu.xmm[i], 8);
	return v;
}

static uint64_t xhi(unsigned i)
{
	uint64_t v;

	memcpy(&v, h.s->fpu.xmm[i] + 8, 8);
	return v;
}

static uint64_t mm(unsigned i)
{
	uint64_t v;

	memcpy(&v, h.s->fpu.st[i], 8);
	return v;
}

static void mmset(unsigned i, uint64_t v)
{
	memcpy(h.s->fpu.st[i], &v, 8);
}

/* Load code at H_CODE, waking the CPU from an earlier fault's HLT. */
static void load(const uint8_t *code, size_t len)
{
	h_load(&h, H_CODE, code, len);
	h.s->activity = ACTIVITY_ACTIVE;
}

/* Run code expecting a fault on its first instruction: the vector. */
static int fault_of(const uint8_t *code, size_t len)
{
	enum engine_exit_reason r;

	load(code, len);
	r = h_run(&h, 2);
	return h_fault_vector(&h, r);
}

START_TEST(sse_moves)
{
	static const uint8_t code[] = {
		0x48, 0xc7, 0xc3, 0x00, 0x00, 0x20, 0x00, /* mov rbx, 0x200000 */
		0x0f, 0x28, 0x0b, /* movaps xmm1, [rbx] */
		0x0f, 0x10, 0x53, 0x04, /* movups xmm2, [rbx+4] */
		0x66, 0x0f, 0x6e, 0x5b, 0x08, /* movd xmm3, dword ptr [rbx+8] */
		0xf3, 0x0f, 0x7e, 0x63, 0x08, /* movq xmm4, qword ptr [rbx+8] */
		0xf3, 0x0f, 0x10, 0xe9, /* movss xmm5, xmm1 */
		0x0f, 0x16, 0x33, /* movhps xmm6, qword ptr [rbx] */
		0x0f, 0x12, 0xf9, /* movhlps xmm7, xmm1 */
		0x66, 0x48, 0x0f, 0x7e, 0xc8, /* movq rax, xmm1 */
		0x66, 0x0f, 0x7e, 0xd1, /* movd ecx, xmm2 */
		0x66, 0x0f, 0x7f, 0x4b, 0x20, /* movdqa [rbx+0x20], xmm1 */
		0x0f, 0x50, 0xd1, /* movmskps edx, xmm1 */
		0x66, 0x0f, 0xd7, 0xf1, /* pmovmskb esi, xmm1 */
		0xf2, 0x44, 0x0f, 0x12, 0xc1, /* movddup xmm8, xmm1 */
		0xf3, 0x44, 0x0f, 0x16, 0xc9, /* movshdup xmm9, xmm1 */
	};

	h_write64(&h, H_DATA, 0x8877665544332211ull);
	h_write64(&h, H_DATA + 8, 0xf0e0d0c0b0a09080ull);
	h_write64(&h, H_DATA + 16, 0x0123456789abcdefull);
	xset(5, ~0ull, ~0ull);
	xset(6, 0x1111, 0x2222);
	xset(7, 0x3333, 0x4444);
	G(RCX) = ~0ull;
	RUN(code, 15);
	ck_assert_uint_eq(xlo(1), 0x8877665544332211ull);
	ck_assert_uint_eq(xhi(1), 0xf0e0d0c0b0a09080ull);
	ck_assert_uint_eq(xlo(2), 0xb0a0908088776655ull);
	ck_assert_uint_eq(xhi(2), 0x89abcdeff0e0d0c0ull);
	ck_assert_uint_eq(xlo(3), 0xb0a09080ull);   /* zero-extended */
	ck_assert_uint_eq(xhi(3), 0);
	ck_assert_uint_eq(xlo(4), 0xf0e0d0c0b0a09080ull);
	ck_assert_uint_eq(xhi(4), 0);
	ck_assert_uint_eq(xlo(5), 0xffffffff44332211ull); /* low dword only */
	ck_assert_uint_eq(xhi(5), ~0ull);
	ck_assert_uint_eq(xlo(6), 0x1111);
	ck_assert_uint_eq(xhi(6), 0x8877665544332211ull);
	ck_assert_uint_eq(xlo(7), 0xf0e0d0c0b0a09080ull);
	ck_assert_uint_eq(xhi(7), 0x4444);
	ck_assert_uint_eq(G(RAX), 0x8877665544332211ull);
	ck_assert_uint_eq(G(RCX), 0x88776655ull);   /* 32-bit write */
	ck_assert_uint_eq(h_read64(&h, H_DATA + 0x28), 0xf0e0d0c0b0a09080ull);
	ck_assert_uint_eq(G(RDX), 0xe);             /* sign bits of dwords */
	ck_assert_uint_eq(G(RSI), 0xff80);
	ck_assert_uint_eq(xhi(8), 0x8877665544332211ull);
	ck_assert_uint_eq(xlo(9), 0x8877665588776655ull);
}
END_TEST

/* Aligned forms #GP(0) on a misaligned 16-byte operand; unaligned forms
 * and 8-byte operands do not (SDM Vol. 2 2.4, exception types 1/4/5). */
START_TEST(sse_alignment)
{
	static const uint8_t movaps[] = {
		0x0f, 0x28, 0x43, 0x08, /* movaps xmm0, [rbx+8] */
	};
	static const uint8_t paddb[] = {
		0x66, 0x0f, 0xfc, 0x43, 0x01, /* paddb xmm0, [rbx+1] */
	};
	static const uint8_t ok[] = {
		0xf3, 0x0f, 0x6f, 0x43, 0x01, /* movdqu xmm0, [rbx+1] */
		0xf3, 0x0f, 0x7e, 0x4b, 0x01, /* movq xmm1, [rbx+1] */
		0x66, 0x0f, 0xfc, 0x53, 0x10, /* paddb xmm2, [rbx+16] */
		0x66, 0x0f, 0x3a, 0x63, 0x53, 0x03, 0x00, /* pcmpistri xmm2, [rbx+3], 0 */
		0x0f, 0x11, 0x43, 0x05, /* movups [rbx+5], xmm0 */
	};

	G(RBX) = H_DATA;
	ck_assert_int_eq(fault_of(movaps, sizeof(movaps)), X86_GP);
	ck_assert_int_eq(fault_of(paddb, sizeof(paddb)), X86_GP);
	h.s->activity = ACTIVITY_ACTIVE;
	RUN(ok, 5);
	/* The same operand 16-byte aligned through a segment base: FS. */
	h.s->seg[SEG_FS].base = 8;
	ck_assert_int_eq(fault_of((const uint8_t[]){ 0x64, 0x0f, 0x28, 0x03 }, 4), X86_GP);
}
END_TEST

START_TEST(sse_gates)
{
	static const uint8_t sse[] = {
		0x0f, 0x58, 0xc1, /* addps xmm0, xmm1 */
	};
	static const uint8_t mmx[] = {
		0x0f, 0xfc, 0xc1, /* paddb mm0, mm1 */
	};
	static const uint8_t pavgb_mm[] = {
		0x0f, 0xe0, 0xc1, /* pavgb mm0, mm1 */
	};
	static const uint8_t crc[] = {
		0xf2, 0x0f, 0x38, 0xf0, 0xc1, /* crc32 eax, cl */
	};

	/* CR4.OSFXSR = 0: SSE #UD; MMX-register forms (SSE-era ones too,
	 * SDM Vol. 3B Table 22-7) are not affected. */
	h.s->cr4 &= ~CR4_OSFXSR;
	ck_assert_int_eq(fault_of(sse, sizeof(sse)), X86_UD);
	load(pavgb_mm, sizeof(pavgb_mm));
	ck_assert_int_eq(h_run(&h, 1), ENGINE_EXIT_INSN_LIMIT);
	load(mmx, sizeof(mmx));
	ck_assert_int_eq(h_run(&h, 1), ENGINE_EXIT_INSN_LIMIT);
	/* CR0.TS: #NM for both; CR0.EM: #UD for both; CRC32 ignores both. */
	h.s->cr4 |= CR4_OSFXSR;
	h.s->cr0 |= CR0_TS;
	ck_assert_int_eq(fault_of(sse, sizeof(sse)), X86_NM);
	ck_assert_int_eq(fault_of(mmx, sizeof(mmx)), X86_NM);
	load(crc, sizeof(crc));
	ck_assert_int_eq(h_run(&h, 1), ENGINE_EXIT_INSN_LIMIT);
	h.s->cr0 = (h.s->cr0 & ~CR0_TS) | CR0_EM;
	ck_assert_int_eq(fault_of(sse, sizeof(sse)), X86_UD);
	ck_assert_int_eq(fault_of(mmx, sizeof(mmx)), X86_UD);
	load(crc, sizeof(crc));
	ck_assert_int_eq(h_run(&h, 1), ENGINE_EXIT_INSN_LIMIT);
	/* A pending x87 exception (FSW.ES) with CR0.NE: #MF at MMX. */
	h.s->cr0 = (h.s->cr0 & ~CR0_EM) | CR0_NE;
	h.s->fpu.fsw = 0x0081;
	ck_assert_int_eq(fault_of(mmx, sizeof(mmx)), X86_MF);
}
END_TEST

/* MMi is the significand of physical Ri: an MMX write sets bits 79:64,
 * every MMX instruction sets TOP = 0 and all tags valid, EMMS empties
 * the tags (SDM Vol. 1 9.5.1). */
START_TEST(mmx_aliasing)
{
	static const uint8_t code[] = {
		0x0f, 0xfd, 0xd3, /* paddw mm2, mm3 */
		0x0f, 0x7e, 0xd0, /* movd eax, mm2 */
		0x0f, 0x77, /* emms */
	};

	h.s->fpu.fsw = 5u << FPU_FSW_TOP_SHIFT;
	h.s->fpu.ftw = 0x01;
	mmset(2, 0x0001000200037fffull);
	mmset(3, 0x0001000100010001ull);
	RUN(code, 1);
	ck_assert_uint_eq(mm(2), 0x0002000300048000ull);
	ck_assert_uint_eq(h.s->fpu.st[2][8], 0xff);
	ck_assert_uint_eq(h.s->fpu.st[2][9], 0xff);
	ck_assert_uint_eq(h.s->fpu.st[3][9], 0);        /* only written */
	ck_assert_uint_eq(h.s->fpu.fsw & FPU_FSW_TOP_MASK, 0);
	ck_assert_uint_eq(h.s->fpu.ftw, 0xff);
	h_run(&h, 1);
	ck_assert_uint_eq(G(RAX), 0x00048000);
	h_run(&h, 1);
	ck_assert_uint_eq(h.s->fpu.ftw, 0);
}
END_TEST

START_TEST(int_arith)
{
	static const uint8_t code[] = {
		0x66, 0x0f, 0xdc, 0xc1, /* paddusb xmm0, xmm1 */
		0x66, 0x0f, 0xe9, 0xd3, /* psubsw xmm2, xmm3 */
		0x66, 0x0f, 0xf5, 0xe5, /* pmaddwd xmm4, xmm5 */
		0x66, 0x0f, 0x38, 0x0b, 0xf7, /* pmulhrsw xmm6, xmm7 */
		0x66, 0x45, 0x0f, 0xf6, 0xc1, /* psadbw xmm8, xmm9 */
		0x66, 0x45, 0x0f, 0xf4, 0xd3, /* pmuludq xmm10, xmm11 */
		0x66, 0x45, 0x0f, 0x38, 0x1c, 0xe5, /* pabsb xmm12, xmm13 */
		0x66, 0x45, 0x0f, 0x38, 0x01, 0xf7, /* phaddw xmm14, xmm15 */
	};

	xset(0, 0x80ff00000000f0ffull, 0);
	xset(1, 0x8001000000001001ull, 0);
	xset(2, 0x8000000100007fffull, 0);
	xset(3, 0x0001000200000001ull, 0);
	xset(4, 0x80008000fffe0003ull, 0);
	xset(5, 0x8000800000020004ull, 0);
	xset(6, 0x40007fff00000000ull, 0);
	xset(7, 0x40007fff00000000ull, 0);
	xset(8, 0x00ff00000000000aull, 0x0101010101010101ull);
	xset(9, 0xff0000000000000bull, 0);
	xset(10, 0xfffffffffffffffeull, 5);
	xset(11, 0x00000000ffffffffull, 7);
	xset(13, 0x00000000000180ffull, 0);
	xset(14, 0x0004000300020001ull, 0xffff000100000000ull);
	xset(15, 0x7fff000100000000ull, 0);
	RUN(code, 8);
	ck_assert_uint_eq(xlo(0), 0xffff00000000ffffull);  /* saturated */
	ck_assert_uint_eq(xlo(2), 0x8000ffff00007ffeull);
	ck_assert_uint_eq(xlo(4), 0x8000000000000008ull);  /* 3*4 - 2*2; wraps */
	ck_assert_uint_eq(xlo(6), 0x20007ffe00000000ull);
	ck_assert_uint_eq(xlo(8), 0x1ff);                 /* 1+255+255 */
	ck_assert_uint_eq(xhi(8), 8);
	ck_assert_uint_eq(xlo(10), 0xfffffffd00000002ull);
	ck_assert_uint_eq(xhi(10), 35);
	ck_assert_uint_eq(xlo(12), 0x0000000000018001ull);
	ck_assert_uint_eq(xlo(14), 0x0000000000070003ull);  /* 1+2, 3+4, 0, wrap */
	ck_assert_uint_eq(xhi(14), 0x0000000080000000ull);
}
END_TEST

START_TEST(int_shift_logic_compare)
{
	static const uint8_t code[] = {
		0x66, 0x0f, 0x71, 0xf0, 0x11, /* psllw xmm0, 17 */
		0x66, 0x0f, 0xe1, 0xca, /* psraw xmm1, xmm2 */
		0x66, 0x0f, 0x73, 0xd3, 0x04, /* psrlq xmm3, 4 */
		0x66, 0x0f, 0x73, 0xdc, 0x03, /* psrldq xmm4, 3 */
		0x66, 0x0f, 0x64, 0xee, /* pcmpgtb xmm5, xmm6 */
		0x66, 0x41, 0x0f, 0xdf, 0xf8, /* pandn xmm7, xmm8 */
		0x66, 0x45, 0x0f, 0x38, 0x29, 0xca, /* pcmpeqq xmm9, xmm10 */
		0x66, 0x45, 0x0f, 0x38, 0x39, 0xdc, /* pminsd xmm11, xmm12 */
		0x66, 0x45, 0x0f, 0x38, 0x17, 0xee, /* ptest xmm13, xmm14 */
	};

	xset(0, ~0ull, ~0ull);
	xset(1, 0x8000400012340001ull, 0x7fff);
	xset(2, 100, 0);                                  /* count > 15 */
	xset(3, 0x1234567890abcdefull, 0xf0ull);
	xset(4, 0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull);
	xset(5, 0x0080ff7f01000000ull, 0);
	xset(6, 0x00ff00800000ff00ull, 0);
	xset(7, 0xff00ff00ff00ff00ull, 0);
	xset(8, 0x0ff00ff00ff00ff0ull, 1);
	xset(9, 5, 6);
	xset(10, 5, 7);
	xset(11, 0xffffffff00000005ull, 0);
	xset(12, 0x0000000180000000ull, 0);
	xset(13, 0xf0, 0);
	xset(14, 0x0f, 0);
	RUN(code, 9);
	ck_assert_uint_eq(xlo(0), 0);
	ck_assert_uint_eq(xlo(1), 0xffff000000000000ull);
	ck_assert_uint_eq(xhi(1), 0);
	ck_assert_uint_eq(xlo(3), 0x01234567890abcdeull);
	ck_assert_uint_eq(xhi(3), 0xfull);
	ck_assert_uint_eq(xlo(4), 0x0a09080706050403ull);
	ck_assert_uint_eq(xhi(4), 0x0000000f0e0d0c0bull);
	ck_assert_uint_eq(xlo(5), 0x000000ffff00ff00ull);
	ck_assert_uint_eq(xlo(7), 0x00f000f000f000f0ull);
	ck_assert_uint_eq(xhi(7), 1);
	ck_assert_uint_eq(xlo(9), ~0ull);
	ck_assert_uint_eq(xhi(9), 0);
	ck_assert_uint_eq(xlo(11), 0xffffffff80000000ull);
	ck_assert_uint_eq(h.s->rflags & (RFLAGS_ZF | RFLAGS_CF), RFLAGS_ZF);
}
END_TEST

START_TEST(shuffles)
{
	static const uint8_t code[] = {
		0x66, 0x0f, 0x38, 0x00, 0xc1, /* pshufb xmm0, xmm1 */
		0x66, 0x0f, 0x70, 0xd3, 0x1b, /* pshufd xmm2, xmm3, 0x1b */
		0x66, 0x0f, 0x60, 0xe5, /* punpcklbw xmm4, xmm5 */
		0x66, 0x0f, 0x63, 0xf7, /* packsswb xmm6, xmm7 */
		0x66, 0x45, 0x0f, 0x3a, 0x0f, 0xc1, 0x05, /* palignr xmm8, xmm9, 5 */
		0x66, 0x45, 0x0f, 0x38, 0x20, 0xd3, /* pmovsxbw xmm10, xmm11 */
		0x66, 0x44, 0x0f, 0xc4, 0xe0, 0x05, /* pinsrw xmm12, eax, 5 */
		0x66, 0x0f, 0x3a, 0x14, 0xd9, 0x09, /* pextrb ecx, xmm3, 9 */
		0x66, 0x44, 0x0f, 0x3a, 0x21, 0xeb, 0x91, /* insertps xmm13, xmm3, 0b10010001 */
		0x66, 0x44, 0x0f, 0x38, 0x10, 0xf3, /* pblendvb xmm14, xmm3 */
		0x44, 0x0f, 0xc6, 0xfb, 0x1b, /* shufps xmm15, xmm3, 0b00011011 */
	};

	xset(0, 0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull);
	xset(1, 0x80000f0e01020304ull, 0x0000000000000000ull);
	xset(3, 0x3333333322222222ull, 0x5555555544444444ull);
	xset(4, 0x0000000000000201ull, 0);
	xset(5, 0x000000000000bbaaull, 0);
	xset(6, 0x00007fff8000ff80ull, 0);
	xset(7, 0x0000000001000100ull, 0x0100000000000000ull);
	xset(8, 0x0f0e0d0c0b0a0908ull, 0x1f1e1d1c1b1a1918ull);
	xset(9, 0x0706050403020100ull, 0x1716151413121110ull);
	xset(11, 0x00000000000080ffull, 0);
	G(RAX) = 0x12345678;
	xset(13, ~0ull, ~0ull);
	xset(15, 0x1111111100000000ull, 0x99999999aaaaaaaaull);
	xset(0, 0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull);
	RUN(code, 1);
	ck_assert_uint_eq(xlo(0), 0x00000f0e01020304ull);
	ck_assert_uint_eq(xhi(0), 0);
	memcpy(h.s->fpu.xmm[0], (uint8_t[16]){ [3] = 0x80, [15] = 0x80 }, 16);
	xset(14, 0, 0);
	h_run(&h, 10);
	ck_assert_uint_eq(xlo(2), 0x4444444455555555ull);
	ck_assert_uint_eq(xhi(2), 0x2222222233333333ull);
	ck_assert_uint_eq(xlo(4), 0x0000000000bb02aa01ull & 0xffffffffffffull);
	ck_assert_uint_eq(xlo(6), 0x00000000007f8080ull);
	ck_assert_uint_eq(xhi(6), 0x7f00000000007f7full);
	ck_assert_uint_eq(xlo(8), 0x1413121110070605ull);
	ck_assert_uint_eq(xhi(8), 0x0c0b0a0908171615ull);
	ck_assert_uint_eq(xlo(10), 0x00000000ff80ffffull);
	ck_assert_uint_eq(xhi(12) >> 16 & 0xffff, 0x5678);
	ck_assert_uint_eq(G(RCX), 0x44);
	ck_assert_uint_eq(xlo(13), 0x4444444400000000ull);  /* elt 2 -> 1, zero 0 */
	ck_assert_uint_eq(xhi(13), ~0ull);
	ck_assert_uint_eq(xlo(14), 0x22000000ull);
	ck_assert_uint_eq(xhi(14), 0x5500000000000000ull);
	ck_assert_uint_eq(xlo(15), 0xaaaaaaaa99999999ull);
	ck_assert_uint_eq(xhi(15), 0x2222222233333333ull);
}
END_TEST

/* PCMPISTRI/PCMPESTRM examples (SDM Vol. 2 4.1) and CRC-32C. */
START_TEST(sse42_strings_crc)
{
	static const uint8_t code[] = {
		0x66, 0x0f, 0x3a, 0x63, 0xca, 0x00, /* pcmpistri xmm1, xmm2, 0x00 */
		0xb8, 0x03, 0x00, 0x00, 0x00, /* mov eax, 3 */
		0xba, 0x10, 0x00, 0x00, 0x00, /* mov edx, 16 */
		0x66, 0x0f, 0x3a, 0x60, 0xda, 0x44, /* pcmpestrm xmm3, xmm2, 0x44 */
		0x66, 0x0f, 0x3a, 0x63, 0xe2, 0x0c, /* pcmpistri xmm4, xmm2, 0x0c */
		0xbe, 0xff, 0xff, 0xff, 0xff, /* mov esi, 0xffffffff */
		0x48, 0xbb, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, /* mov rbx, 0x3837363534333231 */
		0xf2, 0x48, 0x0f, 0x38, 0xf1, 0xf3, /* crc32 rsi, rbx */
		0xb1, 0x39, /* mov cl, 0x39 */
		0xf2, 0x0f, 0x38, 0xf0, 0xf1, /* crc32 esi, cl */
		0xf7, 0xd6, /* not esi */
	};
	static const char text[16] = "hello, world 42";

	xset(1, 0x2c2021, 0);           /* set {'!', ' ', ','}, NUL ends it */
	memcpy(h.s->fpu.xmm[2], text, 16);
	xset(3, 0x7a61, 0);             /* range 'a'..'z' */
	memcpy(h.s->fpu.xmm[4], "wor", 4);
	RUN(code, 1);
	ck_assert_uint_eq(G(RCX), 5);   /* ',' */
	ck_assert_uint_eq(h.s->rflags & (RFLAGS_CF | RFLAGS_ZF | RFLAGS_SF),
			  RFLAGS_CF | RFLAGS_ZF | RFLAGS_SF);
	h_run(&h, 3);
	/* EAX = 3 covers 'a','z' and a third element: only 'a'..'z' count;
	 * the byte mask marks the lower-case letters of the text. */
	ck_assert_uint_eq(xlo(0), 0xff0000ffffffffffull & 0xffff00ffffffffffull);
	h_run(&h, 1);
	ck_assert_uint_eq(G(RCX), 7);   /* "wor" found at 7 */
	h_run(&h, 6);
	ck_assert_uint_eq(G(RSI), 0xe3069283);   /* CRC-32C("123456789") */
}
END_TEST

START_TEST(ldmxcsr_reserved)
{
	static const uint8_t code[] = {
		0x0f, 0xae, 0x15, 0x00, 0x00, 0x10, 0x00, /* ldmxcsr [rip+0x100000] */
		0x0f, 0xae, 0x1d, 0x04, 0x00, 0x10, 0x00, /* stmxcsr [rip+0x100004] */
	};

	h_write64(&h, H_CODE + 7 + 0x100000, 0x7fc0);
	RUN(code, 2);
	ck_assert_uint_eq(h.s->fpu.mxcsr, 0x7fc0);
	ck_assert_uint_eq(h_read64(&h, H_CODE + 14 + 0x100004) & 0xffffffff, 0x7fc0);
	h_write64(&h, H_CODE + 7 + 0x100000, 0x17fc0);
	ck_assert_int_eq(fault_of(code, sizeof(code)), X86_GP);
	ck_assert_uint_eq(h.s->fpu.mxcsr, 0x7fc0);
}
END_TEST

/*
 * The fast paths (simd.h, simd.c): XMM registers inline, memory operands
 * through the host-pointer TLB once their page is cached, and the vector
 * moves and arithmetic running with the arithmetic flags still pending
 * (lflags.c).  A warm page must not skip the alignment #GP, a fault must
 * push the flags of the instruction before, a page-crossing operand and
 * a store into code must behave as on the slow path.
 */
START_TEST(sse_fast_paths_keep_faults_and_flags)
{
	static const uint8_t code[] = {
		0x48, 0x29, 0xc8,       /* sub rax, rcx: CF, SF pending */
		0x0f, 0x28, 0x03,       /* movaps xmm0, [rbx]: fills the page */
		0x0f, 0x58, 0xc0,       /* addps xmm0, xmm0 */
		0x0f, 0x28, 0x4b, 0x08, /* movaps xmm1, [rbx+8]: #GP(0) */
	};
	enum engine_exit_reason r;
	uint64_t rsp;

	h_write64(&h, H_DATA, 0x3f8000003f800000ull);      /* 1.0f x4 */
	h_write64(&h, H_DATA + 8, 0x3f8000003f800000ull);
	G(RBX) = H_DATA;
	G(RAX) = 1;
	G(RCX) = 2;
	xset(1, 0x1111, 0x2222);
	load(code, sizeof(code));
	r = h_run(&h, 10);
	ck_assert_int_eq(h_fault_vector(&h, r), X86_GP);
	ck_assert_uint_eq(h_fault_rip(&h, r, true), H_CODE + 9);
	rsp = G(RSP);
	ck_assert_uint_eq(h_read64(&h, rsp), 0);           /* error code */
	ck_assert_uint_eq(h_read64(&h, rsp + 24) & ARITH_FLAGS,
			  RFLAGS_CF | RFLAGS_SF | RFLAGS_AF | RFLAGS_PF);
	ck_assert_uint_eq(xlo(0), 0x4000000040000000ull);   /* 2.0f x4 */
	ck_assert_uint_eq(xhi(0), 0x4000000040000000ull);
	ck_assert_uint_eq(xlo(1), 0x1111);                  /* unchanged */
	ck_assert_uint_eq(xhi(1), 0x2222);
}
END_TEST

START_TEST(sse_fast_paths_page_crossing_and_flags)
{
	static const uint8_t code[] = {
		0x48, 0x39, 0xc8,       /* cmp rax, rcx: ZF pending */
		0x0f, 0x28, 0x83, 0xf0, 0x0f, 0x00, 0x00, /* movaps xmm0, [rbx+0xff0] */
		0x0f, 0x10, 0x8b, 0xf8, 0x0f, 0x00, 0x00, /* movups xmm1, [rbx+0xff8] */
		0x0f, 0x11, 0x8b, 0xf4, 0x0f, 0x00, 0x00, /* movups [rbx+0xff4], xmm1 */
		0x66, 0x0f, 0xef, 0xd2, /* pxor xmm2, xmm2 */
		0x0f, 0x94, 0xc2,       /* sete dl */
	};

	h_write64(&h, H_DATA + 0xff0, 0x1111111111111111ull);
	h_write64(&h, H_DATA + 0xff8, 0x8877665544332211ull);
	h_write64(&h, H_DATA + 0x1000, 0xffeeddccbbaa9988ull);
	G(RBX) = H_DATA;
	G(RAX) = G(RCX) = 5;
	G(RDX) = 0;
	xset(2, ~0ull, ~0ull);
	RUN(code, 6);
	ck_assert_uint_eq(xlo(1), 0x8877665544332211ull);
	ck_assert_uint_eq(xhi(1), 0xffeeddccbbaa9988ull);
	ck_assert_uint_eq(h_read64(&h, H_DATA + 0xff0), 0x4433221111111111ull);
	ck_assert_uint_eq(h_read64(&h, H_DATA + 0xff8), 0xbbaa998888776655ull);
	ck_assert_uint_eq(h_read64(&h, H_DATA + 0x1000), 0xffeeddccffeeddccull);
	ck_assert_uint_eq(xlo(2) | xhi(2), 0);
	ck_assert_uint_eq(G(RDX), 1);
	ck_assert(h.s->rflags & RFLAGS_ZF);
}
END_TEST

/* Outside 64-bit mode the fast path is off: a data segment's base moves
 * the operand (32-bit code with paging, DS base 0x1000). */
START_TEST(sse_fast_path_not_outside_64bit)
{
	static const uint8_t code[] = {
		0x0f, 0x28, 0x03,                         /* movaps xmm0, [ebx] */
		0x0f, 0x28, 0x8b, 0x00, 0x10, 0x00, 0x00, /* movaps xmm1, [ebx+0x1000] */
	};

	h_mode32(&h);
	/* 32-bit paging, two 4 MiB identity pages: the TLB and its host
	 * pointers are in use as in 64-bit mode. */
	h_write64(&h, 0x300000, 0x00400083ull << 32 | 0x00000083);
	h.s->cr3 = 0x300000;
	h.s->cr4 |= CR4_OSFXSR | CR4_PSE;
	h.s->cr0 |= CR0_PG;
	h.s->seg[SEG_DS].base = 0x1000;
	h_write64(&h, H_DATA, 0x1111);
	h_write64(&h, H_DATA + 0x1000, 0x2222);
	G(RBX) = H_DATA - 0x1000;
	RUN(code, 2);
	ck_assert_uint_eq(xlo(0), 0x1111);
	ck_assert_uint_eq(xlo(1), 0x2222);
}
END_TEST

/* PTEST and COMISS write RFLAGS: they do not run with the flags of the
 * instruction before them pending. */
START_TEST(sse_flag_writers_after_pending_flags)
{
	static const uint8_t code[] = {
		0x48, 0x29, 0xc8,             /* sub rax, rcx: ZF clear, pending */
		0x66, 0x0f, 0x38, 0x17, 0xc0, /* ptest xmm0, xmm0: ZF = CF = 1 */
		0x0f, 0x94, 0xc2,             /* sete dl */
		0x48, 0x29, 0xc8,             /* sub rax, rcx */
		0x0f, 0x2f, 0xc0,             /* comiss xmm0, xmm0: ZF = 1 */
		0x0f, 0x94, 0xc6,             /* sete dh */
	};

	G(RAX) = 1;
	G(RCX) = 2;
	G(RDX) = 0;
	xset(0, 0, 0);
	RUN(code, 6);
	ck_assert_uint_eq(G(RDX), 0x0101);
}
END_TEST

/* A vector store into the code that runs next (SMC, SDM Vol. 3A 11.6):
 * each pass rewrites the immediate of its own first instruction, the
 * later passes through a page the first one cached. */
START_TEST(sse_store_into_code)
{
	static const uint8_t code[] = {
		0xb8, 0x01, 0x00, 0x00, 0x00, /* t: mov eax, 1 */
		0x66, 0x0f, 0xfe, 0xd4, /* paddd xmm2, xmm4 */
		0x0f, 0x11, 0x15, 0xf0, 0xff, 0xff, 0xff, /* movups [rip-16], xmm2 */
		0xff, 0xc9,             /* dec ecx */
		0x75, 0xec,             /* jnz t */
		0xf4,                   /* hlt */
	};
	uint64_t lo, hi;

	memcpy(&lo, code, 8);
	memcpy(&hi, code + 8, 8);
	xset(2, lo, hi);        /* the first 16 code bytes */
	xset(4, 0x100, 0);      /* + 1 to the immediate's low byte */
	G(RCX) = 3;
	load(code, sizeof(code));
	ck_assert_int_eq(h_run(&h, 100), ENGINE_EXIT_HLT);
	ck_assert_uint_eq(G(RAX), 3);
	ck_assert_uint_eq(h_read64(&h, H_CODE) & 0xffffffffffull, 0x04b8ull);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("interp_simd");
	TCase *tc = tcase_create("simd");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, sse_moves);
	tcase_add_test(tc, sse_alignment);
	tcase_add_test(tc, sse_gates);
	tcase_add_test(tc, mmx_aliasing);
	tcase_add_test(tc, int_arith);
	tcase_add_test(tc, int_shift_logic_compare);
	tcase_add_test(tc, shuffles);
	tcase_add_test(tc, sse42_strings_crc);
	tcase_add_test(tc, ldmxcsr_reserved);
	tcase_add_test(tc, sse_fast_paths_keep_faults_and_flags);
	tcase_add_test(tc, sse_fast_paths_page_crossing_and_flags);
	tcase_add_test(tc, sse_store_into_code);
	tcase_add_test(tc, sse_fast_path_not_outside_64bit);
	tcase_add_test(tc, sse_flag_writers_after_pending_flags);
	suite_add_tcase(s, tc);
	return h_run_suite(s);
}
