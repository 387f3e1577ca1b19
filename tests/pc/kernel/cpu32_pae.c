// SPDX-License-Identifier: MIT
/*
 * PAE paging (SDM Vol. 3A 4.4) in the 32-bit part of "cpu": the four
 * PDPTEs, 2 MiB pages, execute-disable with EFER.NXE (and the XD bit
 * reserved without it), reserved address bits, the A/D flags of a 2 MiB
 * PDE.  Two rules QEMU 7.2 does not follow are "cpu32x" lines: PDPTEs
 * are loaded by MOV to CR3, with #GP(0) for a reserved bit (SDM 4.4.1),
 * and bits 62:52 of a PAE entry are reserved (SDM 4.4.2, Table 4-11).
 */
#include "cpu32.h"

#define T		0x10000000u
#define T_NP		(T + 0x0000)	/* not present */
#define T_RO		(T + 0x1000)	/* read-only */
#define T_NX		(T + 0x2000)	/* writable, execute-disable */
#define T_R51		(T + 0x3000)	/* reserved bit 51 */
#define T_R62		(T + 0x4000)	/* bit 62: reserved in PAE paging */
#define T_2M		0x10200000u	/* -> physical 8 MiB, read-only */
#define T_1G		0x40000000u	/* PDPTE 1 */
#define PHYS_2M		0x800000u

#define P	1ull
#define W	2ull
#define U	4ull
#define A	0x20ull
#define D	0x40ull
#define PS	0x80ull
#define NX	(1ull << 63)
#define EFER	0xc0000080u
#define EFER_NXE (1ull << 11)
#define CR0_WP	(1u << 16)
#define CR4_PAE	0x20u

static uint64_t pdpt[4] __attribute__((aligned(4096)));
static uint64_t pd[4][512] __attribute__((aligned(4096)));
static uint64_t pt[512] __attribute__((aligned(4096)));
static uint8_t pages[5][4096] __attribute__((aligned(4096)));

void c32_rsvd_line(const char *name, void (*fn)(void));

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

static void setup(void)
{
	static const uint64_t flags[5] = {
		0, P, P | W | NX, P | W | (1ull << 51), P | W | (1ull << 62),
	};

	for (unsigned i = 0; i < 4; i++) {
		pdpt[i] = (uint32_t)(uintptr_t)pd[i] | P;
		for (unsigned j = 0; j < 512; j++)
			pd[i][j] = ((uint64_t)i << 30 | (uint64_t)j << 21) |
				   P | W | U | PS;
	}
	pd[0][T >> 21] = (uint32_t)(uintptr_t)pt | P | W;
	pd[0][T_2M >> 21] = PHYS_2M | P | PS;
	for (unsigned i = 0; i < 5; i++)
		pt[i] = (i ? (uint32_t)(uintptr_t)pages[i] : 0) | flags[i];
	pages[2][0] = 0xc3;	/* RET, on the execute-disable page */
}

static void f_read_np(void) { (void)*(volatile uint8_t *)T_NP; }
static void f_write_2m(void) { *(volatile uint8_t *)(T_2M + 0x1000) = 1; }
static void f_fetch_nx(void) { ((void (*)(void))T_NX)(); }
static void f_read_nx(void) { (void)*(volatile uint8_t *)T_NX; }
static void f_read_r51(void) { (void)*(volatile uint8_t *)T_R51; }
static void f_read_r62(void) { (void)*(volatile uint8_t *)T_R62; }
static void f_read_1g(void) { (void)*(volatile uint8_t *)T_1G; }

static void f_load_cr3(void)
{
	c32_wrcr3((uint32_t)(uintptr_t)pdpt);
}

static void test_ad_2m(void)
{
	pd[0][T_2M >> 21] = PHYS_2M | P | W | PS;
	flush(T_2M + 0x1000);
	(void)*(volatile uint8_t *)(T_2M + 0x1000);
	c32_line("pae_accessed_after_read");
	kkv_hex("pde_2m", (uint32_t)pd[0][T_2M >> 21] & (A | D));
	c32_end();
	*(volatile uint8_t *)(T_2M + 0x1000) = 1;
	c32_line("pae_dirty_after_write");
	kkv_hex("pde_2m", (uint32_t)pd[0][T_2M >> 21] & (A | D));
	c32_end();
	pd[0][T_2M >> 21] = PHYS_2M | P | PS;
	flush(T_2M + 0x1000);
}

/* The PDPTEs are registers loaded by MOV to CR3 (SDM 4.4.1). */
static void test_pdptes(void)
{
	pdpt[3] |= W;			/* reserved in a PDPTE */
	c32_x = true;
	c32_trap_line("pae_pdpte_rsvd_mov_cr3", f_load_cr3);
	c32_end();
	pdpt[3] &= ~W;
	f_load_cr3();
	pdpt[1] = 0;			/* the loaded PDPTE 1 stays in use */
	c32_trap_line("pae_pdpte_cached", f_read_1g);
	c32_end();
	c32_x = false;
	f_load_cr3();
	pf_line("pae_pdpte_not_present", f_read_1g);
	pdpt[1] = (uint32_t)(uintptr_t)pd[1] | P;
	f_load_cr3();
}

void c32_test_pae(void)
{
	uint32_t cr0 = c32_rdcr0(), cr4 = c32_rdcr4();
	uint64_t efer = c32_rdmsr(EFER);

	setup();
	c32_wrcr4(cr4 | CR4_PAE);
	c32_wrcr3((uint32_t)(uintptr_t)pdpt);
	c32_wrcr0(cr0 | 0x80000000u | CR0_WP);
	c32_wrmsr(EFER, efer | EFER_NXE);
	pf_line("pae_pf_not_present", f_read_np);
	pf_line("pae_pf_write_2m_ro_wp1", f_write_2m);
	pf_line("pae_pf_fetch_nx", f_fetch_nx);
	pf_line("pae_read_nx", f_read_nx);
	c32_rsvd_line("pae_pf_rsvd_bit51", f_read_r51);
	c32_wrmsr(EFER, efer & ~EFER_NXE);
	flush(T_NX);
	c32_rsvd_line("pae_pf_xd_without_nxe", f_read_nx);
	c32_wrmsr(EFER, efer | EFER_NXE);
	c32_x = true;
	c32_trap_line("pae_pf_rsvd_bit62", f_read_r62);
	kkv_hex("cr2", t32_cr2);
	c32_end();
	c32_x = false;
	test_ad_2m();
	test_pdptes();
	c32_wrmsr(EFER, efer);
	c32_wrcr0(cr0);
	c32_wrcr4(cr4);
}
