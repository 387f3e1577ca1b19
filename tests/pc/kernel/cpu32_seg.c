// SPDX-License-Identifier: MIT
/*
 * Segmentation in the 32-bit part of "cpu" (SDM Vol. 3A 3.4, 5.3-5.6):
 * limit checks (#GP, #SS) for normal, expand-down and 16-bit expand-down
 * data segments; loading null, not-present, wrong-type and wrong-privilege
 * selectors (#GP/#NP/#SS with the selector as error code); LAR, LSL, VERR
 * and VERW on a table of descriptors; ARPL; BOUND (#BR); a far call into
 * a 16-bit code segment.
 */
#include "cpu32.h"

#define STR_(x) #x
#define STR(x) STR_(x)

/* Load a data segment register, then one access through it. */
#define LOAD_ACCESS(fn, sreg, sel, access)				\
	static void fn(void)						\
	{								\
		__asm__ volatile("movl $" STR(sel) ", %%eax;"		\
				 "movl %%eax, %%" #sreg ";" access	\
				 : : : "eax", "memory");		\
	}

LOAD_ACCESS(f_lim_ok, ds, S_LIM4K, "movb 0xfff, %%al")
LOAD_ACCESS(f_lim_gp, ds, S_LIM4K, "movb 0x1000, %%al")
LOAD_ACCESS(f_lim_cross, ds, S_LIM4K, "movl 0xffe, %%eax")
LOAD_ACCESS(f_down_ok, ds, S_EXPDOWN, "movb 0x1000, %%al")
LOAD_ACCESS(f_down_gp, ds, S_EXPDOWN, "movb 0xfff, %%al")
LOAD_ACCESS(f_down_ss, ss, S_EXPDOWN, "movb %%ss:0x800, %%al")
LOAD_ACCESS(f_down_ss_push, ss, S_EXPDOWN, "pushl $1; popl %%eax")
LOAD_ACCESS(f_down16_ok, es, S_EXPDOWN16, "movb %%es:0xffff, %%al")
LOAD_ACCESS(f_down16_gp, es, S_EXPDOWN16, "movb %%es:0x10000, %%al")
LOAD_ACCESS(f_null_ds, ds, 0, "")
LOAD_ACCESS(f_null_ds_use, ds, 0, "movb 0x1000, %%al")
LOAD_ACCESS(f_null_ss, ss, 0, "")
LOAD_ACCESS(f_np_ds, ds, S_NOTPRES, "")
LOAD_ACCESS(f_np_ss, ss, S_NOTPRES, "")
LOAD_ACCESS(f_xonly_ds, ds, S_XONLY, "")
LOAD_ACCESS(f_code_ds, ds, S_CODE0, "movb 0x1000, %%al")
LOAD_ACCESS(f_code_ds_write, ds, S_CODE0, "movb %%al, 0x1000")
LOAD_ACCESS(f_ro_ss, ss, S_RODATA, "")
LOAD_ACCESS(f_ro_write, fs, S_RODATA, "movb %%al, %%fs:0x1000")
LOAD_ACCESS(f_beyond, ds, 0x1238, "")
LOAD_ACCESS(f_ldt_sel, ds, 0x0c, "")
LOAD_ACCESS(f_rpl3_dpl0, ds, 0x13, "")
LOAD_ACCESS(f_ss_dpl3, ss, S_DATA3, "")
LOAD_ACCESS(f_ss_system, ss, S_LDT, "")

static void f_jmp_data(void)
{
	__asm__ volatile("ljmp $" STR(S_DATA0) ", $0");
}

/*
 * x: QEMU 7.2 (TCG) checks neither the limit nor the type of a data
 * segment on an access (SDM Vol. 3A 5.3, 5.4: #GP(0), #SS(0) for SS), nor
 * the use of a null data segment (SDM 3.4.2): those cases are "cpu32x"
 * lines, the SDM's answers from vmxbox alone.
 */
static void test_limits_and_loads(void)
{
	static const struct {
		const char *name;
		void (*fn)(void);
		bool x;
	} c[] = {
		{ "seg_limit_ok", f_lim_ok, false },
		{ "seg_limit_gp", f_lim_gp, true },
		{ "seg_limit_crossing", f_lim_cross, true },
		{ "seg_expdown_ok", f_down_ok, false },
		{ "seg_expdown_gp", f_down_gp, true },
		{ "seg_expdown_ss", f_down_ss, true },
		{ "seg_expdown_ss_push", f_down_ss_push, false },
		{ "seg_expdown16_ok", f_down16_ok, false },
		{ "seg_expdown16_gp", f_down16_gp, true },
		{ "seg_null_ds", f_null_ds, false },
		{ "seg_null_ds_use", f_null_ds_use, true },
		{ "seg_null_ss", f_null_ss, false },
		{ "seg_np_ds", f_np_ds, false },
		{ "seg_np_ss", f_np_ss, false },
		{ "seg_xonly_ds", f_xonly_ds, false },
		{ "seg_code_ds_read", f_code_ds, false },
		{ "seg_code_ds_write", f_code_ds_write, true },
		{ "seg_ro_ss", f_ro_ss, false },
		{ "seg_ro_write", f_ro_write, true },
		{ "seg_beyond_gdt", f_beyond, false },
		{ "seg_ldt_no_ldtr", f_ldt_sel, false },
		{ "seg_rpl3_dpl0", f_rpl3_dpl0, false },
		{ "seg_ss_dpl3", f_ss_dpl3, false },
		{ "seg_ss_system", f_ss_system, false },
		{ "seg_jmp_data", f_jmp_data, false },
	};

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		c32_x = c[i].x;
		c32_trap_line(c[i].name, c[i].fn);
		c32_end();
	}
	c32_x = false;
}

/*
 * LAR, LSL, VERR, VERW of each selector, at CPL 0.  LAR's value is
 * masked with 00F0FF00H on the common line (QEMU 7.2 clears bits 19:16;
 * the SDM: "masked by 00FxFF00H"): "cpu32x lar_all" hashes the whole
 * values.
 */
static void test_lar_lsl(void)
{
	static const uint16_t sels[] = {
		0, S_CODE0, S_DATA0, S_CODE3, S_DATA3, S_TSS_A,
		S_GATE3, S_CONFORM, S_CONFORM | 3, S_LIM4K, S_EXPDOWN,
		S_NOTPRES, S_XONLY, S_RODATA, S_CODE16, S_LDT, S_IGATE,
		S_TGATE, S_DATA3_LIM, 0x13, S_CODE0 | 3, S_TSS_A | 3,
		0x1238, 0x0c,
	};
	uint32_t full[sizeof(sels) / sizeof(sels[0])];

	for (size_t i = 0; i < sizeof(sels) / sizeof(sels[0]); i++) {
		uint32_t ar = 0xdeadbeef, lim = 0xdeadbeef;
		uint8_t zar, zlim, r, w;

		__asm__ volatile("larl %2, %0; setz %1"
				 : "+r"(ar), "=q"(zar) : "r"((uint32_t)sels[i]));
		__asm__ volatile("lsll %2, %0; setz %1"
				 : "+r"(lim), "=q"(zlim) : "r"((uint32_t)sels[i]));
		__asm__ volatile("verr %w2; setz %0; verw %w2; setz %1"
				 : "=q"(r), "=q"(w) : "r"(sels[i]));
		full[i] = ar;
		c32_line("lar_lsl");
		kkv_hex("sel", sels[i]);
		kkv_dec("lar_zf", zar);
		kkv_hex("ar", zar ? ar & 0x00f0ff00u : ar);
		kkv_dec("lsl_zf", zlim);
		kkv_hex("limit", lim);
		kkv_dec("verr", r);
		kkv_dec("verw", w);
		c32_end();
	}
	c32_x = true;
	c32_line("lar_all");
	kkv_hex("hash", fnv1a(full, sizeof(full)));
	c32_end();
	c32_x = false;
}

static void test_arpl(void)
{
	static const uint16_t pairs[][2] = {
		{ 0x10, 0x1b }, { 0x13, 0x18 }, { 0x12, 0x12 }, { 0xfff1, 0x3 },
	};

	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		uint16_t d = pairs[i][0];
		uint8_t zf;

		__asm__ volatile("arpl %w2, %w0; setz %1"
				 : "+r"(d), "=q"(zf) : "r"(pairs[i][1]));
		c32_line("arpl");
		kkv_hex("dest", pairs[i][0]);
		kkv_hex("src", pairs[i][1]);
		kkv_hex("result", d);
		kkv_dec("zf", zf);
		c32_end();
	}
}

/* Referenced by name from the asm below. */
int32_t c32_bounds32[2] = { -5, 100 };
int16_t c32_bounds16[2] = { 10, 20 };

#define BOUND(fn, insn, val)						\
	static void fn(void)						\
	{								\
		__asm__ volatile("movl $" STR(val) ", %%eax;" insn	\
				 : : : "eax", "memory");		\
	}

BOUND(f_bound_in, "boundl %%eax, c32_bounds32", -5)
BOUND(f_bound_hi, "boundl %%eax, c32_bounds32", 101)
BOUND(f_bound_lo, "boundl %%eax, c32_bounds32", -6)
BOUND(f_bound16_in, "boundw %%ax, c32_bounds16", 0x10014)
BOUND(f_bound16_lo, "boundw %%ax, c32_bounds16", 9)

static void test_bound(void)
{
	static const struct { const char *name; void (*fn)(void); } c[] = {
		{ "bound_in", f_bound_in }, { "bound_above", f_bound_hi },
		{ "bound_below", f_bound_lo }, { "bound16_in", f_bound16_in },
		{ "bound16_below", f_bound16_lo },
	};

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		c32_trap_line(c[i].name, c[i].fn);
		c32_end();
	}
}

/* 16-bit code (CS.D = 0): 66H selects 32-bit operands, PUSHW moves ESP
 * by 2 (SS.B = 1), LRETL returns to the 32-bit caller. */
extern char c16_code[];
__asm__(".text\n.code16\n"
	"c16_code:\n"
	"  movl $0x12345678, %eax\n"
	"  addw $0x1111, %ax\n"
	"  movl %esp, %ecx\n"
	"  pushw %ax\n"
	"  subl %esp, %ecx\n"
	"  popw %bx\n"
	"  lretl\n"
	".code32\n");

static void test_code16(void)
{
	uint32_t b = (uint32_t)(uintptr_t)c16_code, eax, ebx = 0, ecx;

	c32_gdt[S_CODE16 >> 3] = 0x00009b000000ffffull |
				 (uint64_t)(b & 0xffffff) << 16 |
				 (uint64_t)(b >> 24) << 56;
	__asm__ volatile("lcall $" STR(S_CODE16) ", $0"
			 : "=a"(eax), "+b"(ebx), "=c"(ecx) : : "memory");
	c32_line("code16_far_call");
	kkv_hex("eax", eax);
	kkv_hex("bx", ebx);
	kkv_hex("push_size", ecx);
	c32_end();
}

void c32_test_seg(void)
{
	test_limits_and_loads();
	test_lar_lsl();
	test_arpl();
	test_bound();
	test_code16();
}
