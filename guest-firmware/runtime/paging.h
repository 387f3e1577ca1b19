/* SPDX-License-Identifier: MIT */
/*
 * The firmware's own 4-level page tables: an identity map of 0-4 GiB with
 * 2 MiB pages (like the boot tables), where any 2 MiB region can be split
 * into 4 KiB pages so tests can change one page's attributes.
 */
#ifndef FW_PAGING_H
#define FW_PAGING_H

#include <stdint.h>

#define PAGE_SIZE	4096ULL
#define PTE_P		(1ULL << 0)
#define PTE_W		(1ULL << 1)
#define PTE_U		(1ULL << 2)
#define PTE_PWT		(1ULL << 3)
#define PTE_PCD		(1ULL << 4)
#define PTE_A		(1ULL << 5)
#define PTE_D		(1ULL << 6)
#define PTE_PS		(1ULL << 7)
#define PTE_G		(1ULL << 8)
#define PTE_NX		(1ULL << 63)
#define PTE_ADDR_MASK	0x000ffffffffff000ULL

/* Page-fault error code bits (SDM Vol. 3A 4.7). */
#define PFEC_P		(1U << 0)
#define PFEC_W		(1U << 1)
#define PFEC_U		(1U << 2)
#define PFEC_RSVD	(1U << 3)
#define PFEC_I		(1U << 4)

void paging_init(void);
uint64_t paging_cr3(void);
/* The 4 KiB PTE mapping va (va < 4 GiB), splitting its 2 MiB page. */
uint64_t *paging_pte(uint64_t va);
/* Change one 4 KiB page's flags and flush its TLB entry. */
void paging_update(uint64_t va, uint64_t set, uint64_t clear);
/* New identity tables of 0-1 GiB in 2 MiB pages, all user-mode (U/S = 1),
 * for code at CPL 3 (an L2's GUEST_CR3); returns their CR3. */
uint64_t paging_user_tables(void);

/* Zeroed, 4 KiB aligned pages from a static pool; never freed. */
void *page_alloc(void);
unsigned page_pool_free(void);

#endif
