// SPDX-License-Identifier: MIT
/* SDM Vol. 3A 4.5: 4-level paging. */
#include "fw.h"

#define POOL_PAGES 384

static uint64_t pml4[512] __attribute__((aligned(4096)));
static uint64_t pdpt[512] __attribute__((aligned(4096)));
static uint64_t pd[4][512] __attribute__((aligned(4096)));
static uint8_t pool[POOL_PAGES][4096] __attribute__((aligned(4096)));
static unsigned pool_used;

void *page_alloc(void)
{
	void *p;

	if (pool_used >= POOL_PAGES) {
		printf("FAIL page pool exhausted\n");
		test_abort();
	}
	p = pool[pool_used++];
	memset(p, 0, PAGE_SIZE);
	return p;
}

unsigned page_pool_free(void)
{
	return POOL_PAGES - pool_used;
}

void paging_init(void)
{
	pml4[0] = (uint64_t)pdpt | PTE_P | PTE_W;
	for (unsigned i = 0; i < 4; i++) {
		pdpt[i] = (uint64_t)pd[i] | PTE_P | PTE_W;
		for (unsigned j = 0; j < 512; j++)
			pd[i][j] = (((uint64_t)i << 30) | ((uint64_t)j << 21)) |
				   PTE_P | PTE_W | PTE_PS;
	}
	write_cr3((uint64_t)pml4);
}

uint64_t paging_cr3(void)
{
	return (uint64_t)pml4;
}

uint64_t *paging_pte(uint64_t va)
{
	uint64_t *pde = &pd[(va >> 30) & 3][(va >> 21) & 511];

	if (*pde & PTE_PS) {
		uint64_t *pt = page_alloc();
		uint64_t base = *pde & 0xfffffffe00000ULL;
		uint64_t flags = *pde & (PTE_P | PTE_W | PTE_U | PTE_NX);

		for (unsigned i = 0; i < 512; i++)
			pt[i] = (base + i * PAGE_SIZE) | flags;
		*pde = (uint64_t)pt | PTE_P | PTE_W | PTE_U;
		/* The old 2 MiB translation may be cached. */
		write_cr3(read_cr3());
	}
	return &((uint64_t *)(*pde & PTE_ADDR_MASK))[(va >> 12) & 511];
}

void paging_update(uint64_t va, uint64_t set, uint64_t clear)
{
	uint64_t *pte = paging_pte(va);

	*pte = (*pte & ~clear) | set;
	invlpg(va);
}

uint64_t paging_user_tables(void)
{
	uint64_t *l4 = page_alloc(), *l3 = page_alloc(), *l2 = page_alloc();

	for (unsigned i = 0; i < 512; i++)
		l2[i] = ((uint64_t)i << 21) | PTE_P | PTE_W | PTE_U | PTE_PS;
	l3[0] = (uint64_t)l2 | PTE_P | PTE_W | PTE_U;
	l4[0] = (uint64_t)l3 | PTE_P | PTE_W | PTE_U;
	return (uint64_t)l4;
}
