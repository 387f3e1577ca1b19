/* SPDX-License-Identifier: MIT */
/* The firmware's own GDT (with a 64-bit TSS) and IDT. */
#ifndef FW_DESC_H
#define FW_DESC_H

#include <stdint.h>

/* Same layout as the boot GDT (docs/boot.md) plus the TSS. */
#define SEL_CODE64	0x08
#define SEL_DATA	0x10
#define SEL_CODE32	0x18
#define SEL_DATA16	0x20
#define SEL_TSS		0x28

struct __attribute__((packed)) tss64 {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
};

extern uint64_t fw_gdt[];
extern struct tss64 fw_tss;

void desc_init(void);
/* Install an interrupt gate for vector vec (ist = 0: current stack). */
void idt_set_gate(unsigned vec, void (*handler)(void), unsigned ist);
uint64_t idt_base(void);
uint64_t gdt_base(void);

#endif
