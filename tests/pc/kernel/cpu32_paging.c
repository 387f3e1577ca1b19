// SPDX-License-Identifier: MIT
/*
 * 32-bit paging (SDM Vol. 3A 4.3) in the 32-bit part of "cpu": 4 KiB
 * pages and, with CR4.PSE, 4 MiB pages; #PF error codes and CR2 for not
 * present, read-only with CR0.WP, user access to supervisor and
 * read-only pages, a reserved PDE bit; the accessed and dirty flags; a
 * PDE.PS ignored with CR4.PSE = 0.
 */
#include "cpu32.h"

#define STR_(x) #x
#define STR(x) STR_(x)

/* The test area: PDE 64 -> a page table; PDE 65: a read-only 4 MiB page;
 * PDE 66: a 4 MiB page with the reserved bit 21. */
#define T		0x10000000
#define T_NP		(T + 0x0000)	/* not present */
#define T_RO		(T + 0x1000)	/* read-only, supervisor */
#define T_AD		(T + 0x2000)	/* writable, supervisor */
#define T_URO		(T + 0x3000)	/* user, read-only */
#define T_SUP		(T + 0x4000)	/* supervisor, writable */
#define T_4M		0x10400000	/* -> physical 8 MiB, read-only */
#define T_RSVD		0x10800000
#define PHYS_4M		0x800000u

#define PTE_P	1u
#define PTE_W	2u
#define PTE_U	4u
#define PTE_A	0x20u
#define PTE_D	0x40u
#define PTE_PS	0x80u
#define CR0_WP	(1u << 16)

static uint32_t pt[1024] __attribute__((aligned(4096)));
static uint8_t pages[5][4096] __attribute__((aligned(4096)));
static uint8_t user_stack[1024] __attribute__((aligned(16)));

extern char u32_read_sup[], u32_write_ro[], u32_read_uro[];

/* Ring-3 snippets: one access, then UD2 (back to ring 0 as #UD). */
__asm__(".text\n"
	"u32_read_sup: movl " STR(T_SUP) ", %eax\n ud2\n"
	"u32_write_ro: movl %eax, " STR(T_URO) "\n ud2\n"
	"u32_read_uro: movl " STR(T_URO) ", %eax\n ud2\n");

static void flush(uint32_t va)
{
	__asm__ volatile("invlpg (%0)" : : "r"(va) : "memory");
}

static void pf_line(const char *name, void (*fn)(void))
{
	if (c32_trap_line(name, fn) == 14)
		kkv_hex("cr2", t32_cr2);
	c32_end();
}

/*
 * A reserved-bit #PF: QEMU 7.2 (TCG) leaves the P bit out of the error
 * code (SDM Vol. 3A 4.7: RSVD "can be set only if bit 0 is also set"):
 * the common line masks it, the "cpu32x" line has the whole error code.
 */
void c32_rsvd_line(const char *name, void (*fn)(void))
{
	int32_t v = c32_try(fn);

	c32_line(name);
	kkv_hex("vec", (uint32_t)v);
	kkv_hex("err_without_p", t32_err & ~1u);
	kkv_hex("cr2", t32_cr2);
	kputs("\ncpu32x ");
	kputs(name);
	kkv_hex("err", t32_err);
	c32_end();
}

static void f_read_np(void) { (void)*(volatile uint8_t *)T_NP; }
static void f_write_ro(void) { *(volatile uint8_t *)T_RO = 1; }
static void f_write_4m(void) { *(volatile uint8_t *)(T_4M + 0x1000) = 1; }
static void f_read_rsvd(void) { (void)*(volatile uint8_t *)T_RSVD; }
static void f_read_4m(void) { (void)*(volatile uint8_t *)T_4M; }

static uint32_t u_entry;

static void f_user(void)
{
	c32_to_user(u_entry, (uint32_t)(uintptr_t)(user_stack + sizeof(user_stack)),
		    0x2);
}

static void user_line(const char *name, char *entry)
{
	u_entry = (uint32_t)(uintptr_t)entry;
	if (c32_trap_line(name, f_user) == 14)
		kkv_hex("cr2", t32_cr2);
	kkv_hex("cs", t32_cs & 0xffff);
	kkv_hex("eip_off", t32_eip - u_entry);
	c32_end();
}

static void setup(void)
{
	static const uint32_t flags[5] = {
		0, PTE_P, PTE_P | PTE_W, PTE_P | PTE_U, PTE_P | PTE_W,
	};

	for (unsigned i = 0; i < 5; i++)
		pt[i] = (i ? (uint32_t)(uintptr_t)pages[i] : 0) | flags[i];
	c32_pd[T >> 22] = (uint32_t)(uintptr_t)pt | PTE_P | PTE_W | PTE_U;
	c32_pd[T_4M >> 22] = PHYS_4M | PTE_P | PTE_PS;
	c32_pd[T_RSVD >> 22] = PHYS_4M | PTE_P | PTE_PS | (1u << 21);
	/* With CR4.PSE = 0 the 4 MiB PDE points to a page table there. */
	for (unsigned i = 0; i < 1024; i++)
		((volatile uint32_t *)PHYS_4M)[i] = 0;
	pages[1][0] = 0x5a;
}

static void test_ad(void)
{
	pt[2] &= ~(PTE_A | PTE_D);
	c32_pd[T >> 22] &= ~PTE_A;
	c32_pd[T_4M >> 22] &= ~(PTE_A | PTE_D);
	c32_pd[T_4M >> 22] |= PTE_W;
	flush(T_AD);
	flush(T_4M + 0x1000);
	(void)*(volatile uint8_t *)T_AD;
	(void)*(volatile uint8_t *)(T_4M + 0x1000);
	c32_line("accessed_after_read");
	kkv_hex("pte", pt[2] & (PTE_A | PTE_D));
	kkv_hex("pde", c32_pd[T >> 22] & (PTE_A | PTE_D));
	kkv_hex("pde_4m", c32_pd[T_4M >> 22] & (PTE_A | PTE_D));
	c32_end();
	*(volatile uint8_t *)T_AD = 1;
	*(volatile uint8_t *)(T_4M + 0x1000) = 1;
	c32_line("dirty_after_write");
	kkv_hex("pte", pt[2] & (PTE_A | PTE_D));
	kkv_hex("pde", c32_pd[T >> 22] & (PTE_A | PTE_D));
	kkv_hex("pde_4m", c32_pd[T_4M >> 22] & (PTE_A | PTE_D));
	c32_end();
	c32_pd[T_4M >> 22] &= ~PTE_W;
	flush(T_4M + 0x1000);
}

void c32_test_paging(void)
{
	uint32_t r[4], cr0, cr4;

	c32_cpuid(1, r);
	c32_line("features");
	kkv_dec("pse", (r[3] >> 3) & 1);
	kkv_dec("pae", (r[3] >> 6) & 1);
	kkv_dec("sep", (r[3] >> 11) & 1);
	kkv_dec("fxsr", (r[3] >> 24) & 1);
	c32_cpuid(0x80000001u, r);
	kkv_dec("nx", (r[3] >> 20) & 1);
	c32_end();
	setup();
	c32_paging_on();
	cr0 = c32_rdcr0();
	cr4 = c32_rdcr4();
	c32_wrcr0(cr0 | CR0_WP);
	pf_line("pf_not_present", f_read_np);
	pf_line("pf_write_ro_wp1", f_write_ro);
	pf_line("pf_write_4m_ro_wp1", f_write_4m);
	c32_wrcr0(cr0 & ~CR0_WP);
	pf_line("write_ro_wp0", f_write_ro);
	c32_line("write_ro_wp0_value");
	kkv_hex("byte", *(volatile uint8_t *)T_RO);
	c32_end();
	c32_wrcr0(cr0 | CR0_WP);
	c32_rsvd_line("pf_rsvd_4m", f_read_rsvd);
	test_ad();
	user_line("user_read_supervisor", u32_read_sup);
	user_line("user_write_ro", u32_write_ro);
	user_line("user_read_ro", u32_read_uro);
	c32_wrcr0(cr0 & ~CR0_WP);
	user_line("user_write_ro_wp0", u32_write_ro);
	c32_wrcr0(cr0);
	/* CR4.PSE = 0: PDE.PS is ignored, the PDE maps a page table. */
	c32_wrcr4(cr4 & ~0x10u);
	pf_line("pse0_ps_ignored", f_read_4m);
	c32_wrcr4(cr4);
	c32_paging_off();
}
