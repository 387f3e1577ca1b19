// SPDX-License-Identifier: MIT
/*
 * The "cpu" section of the PC test kernel (command-line word "cpu"): a
 * system-level difftest.  In 64-bit mode on its own GDT, IDT, TSS and
 * 4-level page tables it provokes exceptions with error codes (#DE #UD
 * #BP #GP #NP #SS #PF #AC), paging rules (A/D bits, WP, NX, reserved
 * bits, U/S, SMEP, SMAP), privilege changes (IRETQ to ring 3,
 * SYSCALL/SYSRET, faults from ring 3 through the TSS stack) and x87/SSE
 * state in FXSAVE and XSAVE areas, and prints one "cpu NAME key=value"
 * line per case.  tests/pc/test_pc_cpu.c runs it on vmxbox and on QEMU
 * (TCG): both must print the same lines.
 */
#include "kernel.h"

extern char cpu_trap_stubs[], cpu_syscall_entry[], cpu_syscall_exit_entry[];
extern char u_code[], u_code_end[], u_syscall_cli[], u_ac[];
extern char u_read_super[], u_exit[];
extern uint64_t trap_vector, trap_err, trap_rip, trap_cs, trap_rflags;
extern uint64_t trap_cr2, sys_rcx, sys_r11, sys_count;
long cpu_try(void (*fn)(void));
void cpu_to_user(uint64_t rip, uint64_t rsp, uint64_t rflags)
	__attribute__((noreturn));

/* The test area: 4 KiB pages at T (PD entry 128 of the first 1 GiB). */
#define T		0x10000000ull
#define T_NP		(T + 0x0000)	/* not present */
#define T_RO		(T + 0x1000)	/* read-only, supervisor */
#define T_NX		(T + 0x2000)	/* writable, supervisor, NX */
#define T_UCODE		(T + 0x3000)	/* user, read-only, executable */
#define T_UDATA		(T + 0x4000)	/* user, writable, NX */
#define T_AD		(T + 0x5000)	/* writable, supervisor: A/D */
#define T_RSVD		0x8000000000ull	/* PML4 entry 1 has PS set */

#define PTE_P	1ull
#define PTE_W	2ull
#define PTE_U	4ull
#define PTE_A	0x20ull
#define PTE_D	0x40ull
#define PTE_PS	0x80ull
#define PTE_NX	(1ull << 63)

#define CR0_WP	(1ull << 16)
#define CR0_AM	(1ull << 18)
#define CR4_SMEP (1ull << 20)
#define CR4_SMAP (1ull << 21)
#define RF_AC	(1ull << 18)

static uint64_t pml4[512] __attribute__((aligned(4096)));
static uint64_t pdpt[512] __attribute__((aligned(4096)));
static uint64_t pd[512] __attribute__((aligned(4096)));
static uint64_t pt[512] __attribute__((aligned(4096)));
static uint8_t pages[6][4096] __attribute__((aligned(4096)));
static uint8_t ring0_stack[8192] __attribute__((aligned(16)));
static uint8_t xarea[4096] __attribute__((aligned(64)));
static uint64_t idt[64] __attribute__((aligned(16)));
static uint32_t tss[26] __attribute__((aligned(16)));
static uint64_t gdt[8] = {
	0,
	0x00af9b000000ffffull,	/* 0x08: 64-bit code */
	0x00cf93000000ffffull,	/* 0x10: data */
	0x00cff3000000ffffull,	/* 0x18: user data */
	0x00affb000000ffffull,	/* 0x20: user 64-bit code */
	0x00cf13000000ffffull,	/* 0x28: data, not present */
	0, 0,			/* 0x30: the 64-bit TSS */
};

struct dtr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

static inline uint64_t rdcr(int n)
{
	uint64_t v = 0;

	if (n == 0)
		__asm__ volatile("mov %%cr0, %0" : "=r"(v));
	else if (n == 3)
		__asm__ volatile("mov %%cr3, %0" : "=r"(v));
	else if (n == 4)
		__asm__ volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

static inline void wrcr0(uint64_t v) { __asm__ volatile("mov %0, %%cr0" : : "r"(v) : "memory"); }
static inline void wrcr3(uint64_t v) { __asm__ volatile("mov %0, %%cr3" : : "r"(v) : "memory"); }
static inline void wrcr4(uint64_t v) { __asm__ volatile("mov %0, %%cr4" : : "r"(v) : "memory"); }

static inline uint64_t rdmsr(uint32_t m)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(m));
	return (uint64_t)hi << 32 | lo;
}

static inline void wrmsr(uint32_t m, uint64_t v)
{
	__asm__ volatile("wrmsr" : : "c"(m), "a"((uint32_t)v),
			 "d"((uint32_t)(v >> 32)));
}

/* Set while printing a line only vmxbox's answer is compared on:
 * "cpux" (tests/pc/test_pc_cpu.c compares the "cpu" lines with QEMU). */
static bool xline;

static void line(const char *name)
{
	kputs(xline ? "cpux " : "cpu ");
	kputs(name);
}

/* "cpu NAME vec=V err=E": the outcome of cpu_try(fn). */
static long trap_line(const char *name, void (*fn)(void))
{
	long v = cpu_try(fn);

	line(name);
	if (v < 0) {
		kputs(" none");
	} else {
		kkv_hex("vec", (uint64_t)v);
		kkv_hex("err", trap_err);
	}
	return v;
}

static void pf_line(const char *name, void (*fn)(void))
{
	if (trap_line(name, fn) == 14)
		kkv_hex("cr2", trap_cr2);
	kputc('\n');
}

/*
 * A reserved-bit #PF: QEMU 7.2 (TCG) leaves the P bit out of the error
 * code, which SDM Vol. 3A 4.7 requires ("bit 3 of the error code can be
 * set only if bit 0 is also set"): the common line masks bit 0, the
 * "cpux" line (vmxbox only) has the whole error code.
 */
static void rsvd_line(const char *name, void (*fn)(void))
{
	long v = cpu_try(fn);

	line(name);
	kkv_hex("vec", (uint64_t)v);
	kkv_hex("err_without_p", trap_err & ~1ull);
	kkv_hex("cr2", trap_cr2);
	kputs("\ncpux ");
	kputs(name);
	kkv_hex("err", trap_err);
	kputc('\n');
}

/* ---- setup ------------------------------------------------------------ */

static void setup_paging(void)
{
	static const uint64_t flags[6] = {
		0, PTE_P, PTE_P | PTE_W | PTE_NX, PTE_P | PTE_U,
		PTE_P | PTE_W | PTE_U | PTE_NX, PTE_P | PTE_W,
	};

	pml4[0] = (uint64_t)pdpt | PTE_P | PTE_W | PTE_U;
	pml4[1] = (uint64_t)pdpt | PTE_P | PTE_W | PTE_PS;   /* reserved */
	pdpt[0] = (uint64_t)pd | PTE_P | PTE_W | PTE_U;
	for (unsigned i = 0; i < 512; i++)
		pd[i] = ((uint64_t)i << 21) | PTE_P | PTE_W | PTE_PS;
	pd[T >> 21] = (uint64_t)pt | PTE_P | PTE_W | PTE_U;
	for (unsigned i = 0; i < 6; i++)
		pt[i] = (i ? (uint64_t)pages[i] : 0) | flags[i];
	for (size_t i = 0; i < (size_t)(u_code_end - u_code); i++)
		pages[3][i] = (uint8_t)u_code[i];
	pages[1][0] = 0x5a;
	pages[2][0] = 0xc3;	/* RET, on the NX page */
}

static void setup_tables(void)
{
	struct dtr g = { sizeof(gdt) - 1, (uint64_t)gdt };
	struct dtr d = { sizeof(idt) - 1, (uint64_t)idt };
	uint64_t t = (uint64_t)tss, r0 = (uint64_t)(ring0_stack + 8192);

	for (unsigned v = 0; v < 32; v++) {
		uint64_t a = (uint64_t)(cpu_trap_stubs + 16 * v);

		idt[2 * v] = (a & 0xffff) | (0x08ull << 16) | (0x8eull << 40) |
			     ((a >> 16) << 48);
		idt[2 * v + 1] = a >> 32;
	}
	idt[2 * 3] |= 0x60ull << 40;	/* #BP: DPL 3 */
	tss[1] = (uint32_t)r0;
	tss[2] = (uint32_t)(r0 >> 32);
	tss[25] = 104u << 16;		/* no I/O bitmap */
	gdt[6] = 0x67 | ((t & 0xffffff) << 16) | (0x89ull << 40) |
		 ((t >> 24 & 0xff) << 56);
	gdt[7] = t >> 32;
	__asm__ volatile("lgdt %0" : : "m"(g));
	__asm__ volatile("lidt %0" : : "m"(d));
	__asm__ volatile("ltr %w0" : : "r"(0x30));
}

/* ---- exceptions ------------------------------------------------------- */

static void f_de(void)
{
	__asm__ volatile("xorl %%ecx, %%ecx; movl $1, %%eax; xorl %%edx, %%edx;"
			 "divl %%ecx" : : : "eax", "ecx", "edx");
}

static void f_ud(void) { __asm__ volatile("ud2"); }
static void f_bp(void) { __asm__ volatile("int3"); }

static void f_gp_noncanon(void)
{
	__asm__ volatile("movabsq $0x0000800000000000, %%rax; movq (%%rax), %%rax"
			 : : : "rax");
}

static void f_gp_sel(void)
{
	__asm__ volatile("movl $0x1238, %%eax; movl %%eax, %%ds" : : : "eax");
}

static void f_np(void)
{
	__asm__ volatile("movl $0x28, %%eax; movl %%eax, %%es" : : : "eax");
}

static void f_ss(void)
{
	__asm__ volatile("movl $0x28, %%eax; movl %%eax, %%ss" : : : "eax");
}

static void f_gp_ss_rpl(void)
{
	/* SS with RPL 3 at CPL 0: #GP(selector) */
	__asm__ volatile("movl $0x1b, %%eax; movl %%eax, %%ss" : : : "eax");
}

static void f_gp_wrmsr(void)
{
	/* a reserved MSR */
	__asm__ volatile("wrmsr" : : "c"(0xc0000fffu), "a"(0), "d"(0));
}

static void test_exceptions(void)
{
	static const struct { const char *name; void (*fn)(void); } c[] = {
		{ "de", f_de }, { "ud", f_ud }, { "bp", f_bp },
		{ "gp_noncanonical", f_gp_noncanon }, { "gp_selector", f_gp_sel },
		{ "np", f_np }, { "ss", f_ss }, { "gp_ss_rpl", f_gp_ss_rpl },
	};

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		trap_line(c[i].name, c[i].fn);
		kputc('\n');
	}
	/* QEMU 7.2 (TCG) ignores a WRMSR to an MSR it does not implement;
	 * the SDM (WRMSR) requires #GP(0): vmxbox only. */
	xline = true;
	trap_line("gp_wrmsr", f_gp_wrmsr);
	kputc('\n');
	xline = false;
}

/*
 * LAR of the flat data descriptor: bits 23:8 of its high dword
 * (00CF9300H).  QEMU 7.2 masks 00F0FF00H, dropping limit bits 19:16
 * (SDM Vol. 2 LAR: "masked by 00FFFF00H"): the common line has QEMU's
 * mask, the "cpux" line the whole value.
 */
static void test_lar(void)
{
	uint32_t ar = 0;
	uint8_t zf;

	__asm__ volatile("larl %2, %0; setz %1" : "+r"(ar), "=r"(zf)
			 : "r"(0x10u));
	line("lar");
	kkv_dec("zf", zf);
	kkv_hex("ar_f0ff00", ar & 0x00f0ff00u);
	xline = true;
	kputc('\n');
	line("lar");
	kkv_hex("ar", ar);
	kputc('\n');
	xline = false;
}

/* ---- paging ----------------------------------------------------------- */

static void f_read_np(void) { (void)*(volatile uint8_t *)T_NP; }
static void f_write_ro(void) { *(volatile uint8_t *)T_RO = 1; }
static void f_fetch_nx(void) { ((void (*)(void))T_NX)(); }
static void f_read_rsvd(void) { (void)*(volatile uint8_t *)T_RSVD; }
static void f_write_rsvd(void) { *(volatile uint8_t *)(T_RSVD + 8) = 1; }
static void f_fetch_user(void) { ((void (*)(void))T_UCODE)(); }
static void f_read_user(void) { (void)*(volatile uint8_t *)T_UDATA; }

static void f_read_user_stac(void)
{
	__asm__ volatile("stac");
	(void)*(volatile uint8_t *)T_UDATA;
	__asm__ volatile("clac");
}

static void flush(uint64_t va)
{
	__asm__ volatile("invlpg (%0)" : : "r"(va) : "memory");
}

static void test_paging(void)
{
	uint64_t cr0 = rdcr(0), cr4 = rdcr(4);
	uint32_t b, c = 0, d, a = 7;

	pf_line("pf_not_present", f_read_np);
	wrcr0(cr0 | CR0_WP);
	pf_line("pf_write_ro_wp1", f_write_ro);
	wrcr0(cr0 & ~CR0_WP);
	pf_line("write_ro_wp0", f_write_ro);
	wrcr0(cr0);
	line("write_ro_wp0_value");
	kkv_hex("byte", *(volatile uint8_t *)T_RO);
	kputc('\n');
	pf_line("pf_fetch_nx", f_fetch_nx);
	rsvd_line("pf_rsvd_read", f_read_rsvd);
	rsvd_line("pf_rsvd_write", f_write_rsvd);

	/* A and D: a read sets A in the PDE and PTE, a write sets D. */
	pt[5] &= ~(PTE_A | PTE_D);
	pd[T >> 21] &= ~PTE_A;
	flush(T_AD);
	(void)*(volatile uint8_t *)T_AD;
	line("accessed_after_read");
	kkv_hex("pte", pt[5] & (PTE_A | PTE_D));
	kkv_hex("pde", pd[T >> 21] & (PTE_A | PTE_D));
	kputc('\n');
	*(volatile uint8_t *)T_AD = 1;
	line("dirty_after_write");
	kkv_hex("pte", pt[5] & (PTE_A | PTE_D));
	kputc('\n');

	__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	line("features");
	kkv_dec("smep", (b >> 7) & 1);
	kkv_dec("smap", (b >> 20) & 1);
	kputc('\n');
	if ((b >> 7) & 1) {
		wrcr4(cr4 | CR4_SMEP);
		pf_line("pf_smep", f_fetch_user);
		wrcr4(cr4);
	}
	if ((b >> 20) & 1) {
		wrcr4(cr4 | CR4_SMAP);
		pf_line("pf_smap", f_read_user);
		pf_line("smap_stac", f_read_user_stac);
		wrcr4(cr4);
	}
}

/* ---- ring 3 ----------------------------------------------------------- */

static uint64_t u_rflags;
static uint64_t u_entry;

static void f_user(void)
{
	cpu_to_user(u_entry, T_UDATA + 0x800, u_rflags);
}

static uint64_t uaddr(const char *label)
{
	return T_UCODE + (uint64_t)(label - u_code);
}

static void user_line(const char *name, const char *entry, uint64_t rflags)
{
	u_entry = uaddr(entry);
	u_rflags = rflags;
	trap_line(name, f_user);
	kkv_hex("cs", trap_cs);
	kkv_hex("rip_off", trap_rip - T_UCODE);
}

static void test_user(void)
{
	uint64_t cr0 = rdcr(0);

	wrmsr(0xc0000080, rdmsr(0xc0000080) | 1);            /* EFER.SCE */
	wrmsr(0xc0000081, (0x10ull << 48) | (0x08ull << 32)); /* STAR */
	wrmsr(0xc0000084, 0x4700);                           /* FMASK */
	wrmsr(0xc0000082, (uint64_t)cpu_syscall_entry);      /* LSTAR */
	sys_count = 0;
	user_line("user_syscall_sysret_cli", u_syscall_cli, 0x002 | 0x800);
	kkv_dec("syscalls", sys_count);
	kkv_hex("rcx_off", sys_rcx - T_UCODE);
	kkv_hex("r11", sys_r11);
	kputc('\n');
	/* QEMU 7.2 (TCG) has no alignment checking: the #AC of SDM 6.15
	 * (interrupt 17) is vmxbox only. */
	wrcr0(cr0 | CR0_AM);
	xline = true;
	user_line("user_ac", u_ac, 0x002 | RF_AC);
	kputc('\n');
	xline = false;
	wrcr0(cr0);
	user_line("user_ac_am0", u_ac, 0x002 | RF_AC);
	kputc('\n');
	user_line("user_read_supervisor", u_read_super, 0x002);
	kkv_hex("cr2", trap_cr2);
	kputc('\n');
	wrmsr(0xc0000082, (uint64_t)cpu_syscall_exit_entry);
	user_line("user_syscall", u_exit, 0x046);
	kkv_hex("r11", trap_rflags);
	kputc('\n');
}

/* ---- x87/SSE state ---------------------------------------------------- */

static void fpu_load(void)
{
	static const uint32_t xv[12] = {
		0x3f800000, 0x7fc00001, 0x00000001, 0xff800000,
		0x12345678, 0x9abcdef0, 0x0badf00d, 0xfeedface,
		0x40490fdb, 0xbf000000, 0x00800000, 0x7f7fffff,
	};
	uint32_t mx = 0x1f80 | (1u << 13);   /* round down */

	__asm__ volatile("fninit; fld1; fldpi; fldl2e; fldz; faddp; fdivp;"
			 "fld1; fchs; fsqrt" ::: "memory");
	__asm__ volatile("ldmxcsr %0" : : "m"(mx));
	__asm__ volatile("movdqu %0, %%xmm0; movdqu %1, %%xmm1;"
			 "movdqu %2, %%xmm2; addps %%xmm1, %%xmm0;"
			 "mulps %%xmm2, %%xmm2; divps %%xmm0, %%xmm1"
			 : : "m"(xv[0]), "m"(xv[4]), "m"(xv[8]));
}

/*
 * The area's x87 and SSE state.  Two bits are left to the "cpux" line:
 * FSW C0/C2/C3 after FSQRT are undefined (SDM Vol. 2 FSQRT), and QEMU 7.2
 * (TCG) never sets MXCSR.DE for a denormal SSE operand (SDM Vol. 1
 * 11.5.2.2 requires it).
 */
#define FSW_UNDEF 0x4500u
#define MXCSR_DE 2u
static void fx_line(const char *name, unsigned bytes)
{
	uint16_t fsw = *(uint16_t *)&xarea[2];
	uint32_t mxcsr = *(uint32_t *)&xarea[24];

	line(name);
	kkv_hex("fcw", *(uint16_t *)&xarea[0]);
	kkv_hex("fsw", fsw & ~FSW_UNDEF);
	kkv_hex("ftw", xarea[4]);
	kkv_hex("mxcsr", mxcsr & ~MXCSR_DE);
	kkv_hex("st", fnv1a(&xarea[32], 128));
	kkv_hex("xmm", fnv1a(&xarea[160], 48));
	if (bytes > 512)
		kkv_hex("xstate_bv", *(uint64_t *)&xarea[512]);
	kputs("\ncpux ");
	kputs(name);
	kkv_hex("fsw", fsw);
	kkv_hex("mxcsr", mxcsr);
	kputc('\n');
}

static void test_fpu(void)
{
	uint64_t cr0 = rdcr(0), cr4 = rdcr(4);
	uint32_t a = 1, b, c = 0, d;

	wrcr0((cr0 & ~(1ull << 2 | 1ull << 3)) | 2);    /* EM = TS = 0, MP */
	wrcr4(cr4 | (3ull << 9));                        /* OSFXSR, OSXMMEXCPT */
	fpu_load();
	for (unsigned i = 0; i < 1024; i++)
		xarea[i] = 0;
	__asm__ volatile("fxsave64 %0" : "=m"(xarea));
	fx_line("fxsave", 512);
	__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	if ((c >> 26) & 1) {
		wrcr4(rdcr(4) | (1ull << 18));          /* OSXSAVE */
		__asm__ volatile("xsetbv" : : "c"(0), "a"(3), "d"(0));
		for (unsigned i = 0; i < 1024; i++)
			xarea[i] = 0;
		__asm__ volatile("xsave64 %0" : "=m"(xarea) : "a"(3), "d"(0));
		fx_line("xsave", 576);
		__asm__ volatile("fninit");
		__asm__ volatile("xrstor64 %0" : : "m"(xarea), "a"(3), "d"(0));
		for (unsigned i = 0; i < 1024; i++)
			xarea[i] = 0;
		__asm__ volatile("fxsave64 %0" : "=m"(xarea));
		fx_line("xrstor_fxsave", 512);
	}
	wrcr4(cr4);
	wrcr0(cr0);
}

void test_cpu(void)
{
	struct dtr g, d;
	uint64_t cr3 = rdcr(3), efer = rdmsr(0xc0000080);

	__asm__ volatile("cli; sgdt %0; sidt %1" : "=m"(g), "=m"(d));
	setup_paging();
	setup_tables();
	wrmsr(0xc0000080, efer | (1ull << 11));    /* NXE */
	wrcr3((uint64_t)pml4);
	kputs("cpu start\n");
	test_exceptions();
	test_lar();
	test_paging();
	test_user();
	test_fpu();
	wrcr3(cr3);
	wrmsr(0xc0000080, efer);
	__asm__ volatile("lgdt %0; lidt %1" : : "m"(g), "m"(d));
	kputs("cpu done\n");
}
