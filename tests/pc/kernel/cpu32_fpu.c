// SPDX-License-Identifier: MIT
/*
 * x87/SSE state in 32-bit protected mode (SDM Vol. 1 8.1.10, 8.1.11,
 * Figures 8-9, 8-10; Vol. 2 FXSAVE Table 3-53): FNSAVE's 108-byte
 * 32-bit layout (control, status, full tag word, last instruction and
 * operand pointers, registers), FRSTOR of a crafted image and FNSAVE
 * back, FXSAVE's 32-bit layout; #NM with CR0.TS and CR0.EM, #UD for SSE
 * with CR0.EM, #MF for an unmasked x87 exception with CR0.NE.
 *
 * The last-instruction and last-operand pointers (FIP, FCS, FOP, FDP,
 * FDS) are "cpu32x" lines: QEMU 7.2 (TCG) keeps no FOP, stores zero
 * pointers with FXSAVE and does not load them with FRSTOR (SDM Vol. 1
 * 8.1.8-8.1.10; FOP itself is only defined after an unmasked exception
 * unless the fopcode compatibility mode is on, 8.1.10).  MXCSR.DE is
 * masked as in the 64-bit part (QEMU never sets it, Vol. 1 11.5.2.2).
 */
#include "cpu32.h"

static uint8_t area[512] __attribute__((aligned(64)));
uint64_t c32_fpu_val = 0x4008000000000000ull;	/* 3.0 */
extern char c32_fpu_last[], c32_fpu_faddp[];

/* FRSTOR image: TOP = 5, ST0 = R5 = 1.0 (valid), ST1 = R6 = +0 (zero),
 * ST2 = R7 = +inf (special), R0-R4 empty; FCW 0x027f. */
static const uint8_t frstor_img[108] = {
	0x7f, 0x02, 0, 0,  0x00, 0x28, 0, 0,  0xff, 0x93, 0, 0,
	0x78, 0x56, 0x34, 0x12,  0x08, 0, 0xd9, 0x05,
	0x00, 0x10, 0, 0,  0x10, 0, 0, 0,
	[28 + 0 * 10 + 7] = 0x80, [28 + 0 * 10 + 8] = 0xff, [28 + 0 * 10 + 9] = 0x3f,
	[28 + 2 * 10 + 7] = 0x80, [28 + 2 * 10 + 8] = 0xff, [28 + 2 * 10 + 9] = 0x7f,
};

static void fpu_load(void)
{
	uint32_t mx = 0x1f80 | (1u << 13);	/* round down */
	static const uint32_t xv[8] = {
		0x3f800000, 0x7fc00001, 0x00000001, 0xff800000,
		0x40490fdb, 0xbf000000, 0x00800000, 0x7f7fffff,
	};

	__asm__ volatile("fninit; fld1; fldpi; fldl c32_fpu_val; fldz; faddp;"
			 "fdivp; fld1; fchs; .globl c32_fpu_last\n"
			 "c32_fpu_last: fsqrt" ::: "memory");
	__asm__ volatile("ldmxcsr %0" : : "m"(mx));
	__asm__ volatile("movdqu %0, %%xmm0; movdqu %1, %%xmm1;"
			 "addps %%xmm1, %%xmm0; mulps %%xmm1, %%xmm1"
			 : : "m"(xv[0]), "m"(xv[4]));
}

static void clear(void)
{
	for (unsigned i = 0; i < sizeof(area); i++)
		area[i] = 0;
}

static uint32_t rd32(unsigned off)
{
	return area[off] | area[off + 1] << 8 | area[off + 2] << 16 |
	       (uint32_t)area[off + 3] << 24;
}

/* FSW C0/C2/C3 after FSQRT are undefined (SDM Vol. 2 FSQRT). */
#define FSW_UNDEF 0x4500u

/* fip/fdp: where the last instruction and operand should be (0: print
 * the absolute pointer, as loaded by FRSTOR). */
static void fnsave_line(const char *name, uint32_t fsw_mask, const void *fip,
			const void *fdp)
{
	c32_line(name);
	kkv_hex("fcw", rd32(0) & 0xffff);
	kkv_hex("fsw", rd32(4) & 0xffff & ~fsw_mask);
	kkv_hex("ftw", rd32(8) & 0xffff);
	kkv_hex("st", fnv1a(&area[28], 80));
	c32_end();
	c32_x = true;
	c32_line(name);
	kkv_hex("fip_off", rd32(12) - (uint32_t)(uintptr_t)fip);
	kkv_hex("fcs", rd32(16) & 0xffff);
	kkv_hex("fop", rd32(16) >> 16 & 0x7ff);
	kkv_hex("fdp_off", rd32(20) - (uint32_t)(uintptr_t)fdp);
	kkv_hex("fds", rd32(24) & 0xffff);
	c32_end();
	c32_x = false;
}

static void fxsave_line(const char *name)
{
	c32_line(name);
	kkv_hex("fcw", rd32(0) & 0xffff);
	kkv_hex("fsw", rd32(0) >> 16 & ~FSW_UNDEF);
	kkv_hex("ftw", area[4]);
	kkv_hex("mxcsr", rd32(24) & ~2u);
	kkv_hex("st", fnv1a(&area[32], 128));
	kkv_hex("xmm", fnv1a(&area[160], 32));
	c32_end();
	c32_x = true;
	c32_line(name);
	kkv_hex("fop", rd32(4) >> 16);
	kkv_hex("fip_off", rd32(8) - (uint32_t)(uintptr_t)c32_fpu_last);
	kkv_hex("fcs", rd32(12) & 0xffff);
	kkv_hex("fdp_off", rd32(16) - (uint32_t)(uintptr_t)&c32_fpu_val);
	kkv_hex("fds", rd32(20) & 0xffff);
	kkv_hex("mxcsr", rd32(24));
	c32_end();
	c32_x = false;
}

static void f_fnop(void) { __asm__ volatile("fnop"); }
static void f_sse(void) { __asm__ volatile("xorps %%xmm0, %%xmm0" ::: "memory"); }

static void f_mf(void)
{
	uint16_t cw = 0x37e;			/* IM unmasked */

	__asm__ volatile("fninit; fldcw %0; fld1; fchs; fsqrt; fwait"
			 : : "m"(cw) : "memory");
}

static void test_faults(uint32_t cr0)
{
	uint16_t fsw;

	c32_wrcr0(cr0 | 8);				/* TS */
	c32_trap_line("fpu_nm_ts", f_fnop);
	c32_end();
	c32_wrcr0((cr0 & ~8u) | 4);			/* EM */
	c32_trap_line("fpu_nm_em", f_fnop);
	c32_end();
	c32_trap_line("sse_ud_em", f_sse);
	c32_end();
	c32_wrcr0(cr0 | 0x20);				/* NE */
	c32_trap_line("fpu_mf", f_mf);
	__asm__ volatile("fnstsw %0; fninit" : "=m"(fsw));
	kkv_hex("fsw", fsw & ~FSW_UNDEF);
	c32_end();
	c32_wrcr0(cr0);
}

void c32_test_fpu(void)
{
	uint32_t cr0 = c32_rdcr0(), cr4 = c32_rdcr4();
	uint32_t fpu_cr0 = (cr0 & ~(4u | 8u)) | 2u;	/* EM = TS = 0, MP */

	c32_wrcr0(fpu_cr0);
	c32_wrcr4(cr4 | (3u << 9));			/* OSFXSR, OSXMMEXCPT */
	fpu_load();
	clear();
	__asm__ volatile("fnsave %0" : "=m"(area));
	fnsave_line("fnsave", FSW_UNDEF, c32_fpu_last, &c32_fpu_val);
	clear();
	__asm__ volatile("fnstenv %0" : "=m"(area));	/* after FNSAVE's init */
	c32_line("fnsave_then_fnstenv");
	kkv_hex("fcw", rd32(0) & 0xffff);
	kkv_hex("fsw", rd32(4) & 0xffff);
	kkv_hex("ftw", rd32(8) & 0xffff);
	c32_end();
	__asm__ volatile("frstor %0" : : "m"(frstor_img));
	clear();
	__asm__ volatile("fnsave %0" : "=m"(area));
	fnsave_line("frstor_fnsave", 0, NULL, NULL);
	__asm__ volatile("frstor %0; .globl c32_fpu_faddp\n"
			 "c32_fpu_faddp: faddp" : : "m"(frstor_img));
	clear();
	__asm__ volatile("fnsave %0" : "=m"(area));
	fnsave_line("frstor_faddp_fnsave", 0, c32_fpu_faddp, NULL);
	fpu_load();
	clear();
	__asm__ volatile("fxsave %0" : "=m"(area));
	fxsave_line("fxsave32");
	test_faults(fpu_cr0);
	c32_wrcr4(cr4);
	c32_wrcr0(cr0);
}
