/* SPDX-License-Identifier: MIT */
/*
 * The AP trampoline (ap_tramp.inc), shared by the bundled firmware and
 * the PC test kernel: where it goes and how it is put there.  Needs only
 * the compiler's freestanding headers.
 */
#ifndef VMXBOX_AP_TRAMP_H
#define VMXBOX_AP_TRAMP_H

/* A page below 1 MiB; SIPI vector AP_TRAMP_BASE >> 12. */
#define AP_TRAMP_BASE	0x8000

#ifndef __ASSEMBLER__
#include <stddef.h>
#include <stdint.h>

extern char ap_tramp_start[], ap_tramp_end[];
extern uint64_t ap_tramp_cr3, ap_tramp_entry;

static inline void ap_tramp_slot(uint64_t *slot, uint64_t v)
{
	*(volatile uint64_t *)(AP_TRAMP_BASE +
			       ((char *)slot - ap_tramp_start)) = v;
}

/* Copy the blob to AP_TRAMP_BASE; the APs will run on page tables @cr3
 * and jump to @entry (64-bit code in the image) in long mode. */
static inline void ap_tramp_install(uint64_t cr3, void (*entry)(void))
{
	size_t n = (size_t)(ap_tramp_end - ap_tramp_start);

	for (size_t i = 0; i < n; i++)
		((volatile char *)AP_TRAMP_BASE)[i] = ap_tramp_start[i];
	ap_tramp_slot(&ap_tramp_cr3, cr3);
	ap_tramp_slot(&ap_tramp_entry, (uint64_t)(uintptr_t)entry);
}

/* A mailbox per AP: the BSP posts a function, the AP runs it and says
 * it is done (ap_mailbox_serve() never returns). */
struct ap_mailbox {
	void (*volatile fn)(void *);
	void *volatile arg;
	volatile uint32_t posted, done;
};

static inline void ap_mailbox_post(struct ap_mailbox *mb,
				   void (*fn)(void *), void *arg)
{
	mb->fn = fn;
	mb->arg = arg;
	__atomic_add_fetch(&mb->posted, 1, __ATOMIC_SEQ_CST);
}

static inline void ap_mailbox_serve(struct ap_mailbox *mb)
{
	for (;;) {
		uint32_t p = __atomic_load_n(&mb->posted, __ATOMIC_SEQ_CST);

		if (p == mb->done) {
			__asm__ volatile("pause");
			continue;
		}
		mb->fn(mb->arg);
		__atomic_store_n(&mb->done, p, __ATOMIC_SEQ_CST);
	}
}

#endif /* __ASSEMBLER__ */
#endif
