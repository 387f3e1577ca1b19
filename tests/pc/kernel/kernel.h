/* SPDX-License-Identifier: MIT */
/* The PC test kernel's tiny runtime: port I/O, serial output, hashing. */
#ifndef PCTEST_KERNEL_H
#define PCTEST_KERNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The 32-bit protected-mode part (cpu32*.c, compiled with -m32 and
 * assembled as .code32 into the same 64-bit image) has its own copy of
 * the runtime (rt.c): the 64-bit one cannot be called from there.
 */
#ifdef __i386__
#define kputc k32_putc
#define kputs k32_puts
#define kput_hex k32_put_hex
#define kput_dec k32_put_dec
#define kkv_hex k32_kv_hex
#define kkv_dec k32_kv_dec
#define kstrlen k32_strlen
#define kstreq k32_streq
#define kmemeq k32_memeq
#define fnv1a k32_fnv1a
#define cmdline_from_multiboot k32_cmdline_from_multiboot
#define cmdline_has k32_cmdline_has
#endif

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outw(uint16_t port, uint16_t v)
{
	__asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint16_t inw(uint16_t port)
{
	uint16_t v;

	__asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint32_t inl(uint16_t port)
{
	uint32_t v;

	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

void kputs(const char *s);
void kputc(char c);
void kput_hex(uint64_t v);
void kput_dec(uint64_t v);
/* " key=0xVALUE" / " key=DEC". */
void kkv_hex(const char *key, uint64_t v);
void kkv_dec(const char *key, uint64_t v);

size_t kstrlen(const char *s);
bool kstreq(const char *a, const char *b);
bool kmemeq(const void *a, const void *b, size_t n);
uint32_t fnv1a(const void *p, size_t n);
/* The command line of the multiboot info (none for other boot magics). */
void cmdline_from_multiboot(uint32_t magic, uint32_t info);
/* Does the kernel command line contain the word w? */
bool cmdline_has(const char *w);

/* Test sections, each printing "section key=value ..." lines. */
void test_multiboot(uint32_t magic, uint32_t info);
void test_linux(uint32_t entry_bits, uint32_t boot_params);
void test_fw_cfg(void);
/* fw_cfg file name into buf (at most max bytes); its size, 0 if absent. */
uint32_t fw_cfg_file(const char *name, void *buf, uint32_t max);
void test_smbios(void);
/* serial.c: COM2-COM4, where present. */
void test_serial(void);
void test_acpi(void);
/* The first valid ACPI table with signature sig (4 chars); 0 if none. */
const uint8_t *acpi_find_table(const char *sig);
void test_pci(void);
void test_pc_testdev_kept(void);
void test_pci_kept(void);
/* irq.c, timers.c: with "irq" on the command line. */
void test_irq(void);
void test_cpu(void);
void test_timers(void);
void test_lapic(void);
/* cpu32.c: the 32-bit part of "cpu", called by entry.S in 32-bit
 * protected mode before the switch to long mode. */
void test_cpu32(uint32_t magic, uint32_t info);

/* The interrupt runtime of irq.c (IDT vectors 0-63). */
enum { EOI_NONE, EOI_PIC, EOI_LAPIC };
extern volatile unsigned irq_count[64];
extern volatile int eoi_mode;
extern void (*volatile irq_hook)(unsigned vector);
void irq_reset_counts(void);
void settle(void);
void pic_init(uint8_t icw4);
void lapic_write(unsigned reg, uint32_t v);
uint32_t lapic_read(unsigned reg);
void ioapic_route(unsigned pin, uint32_t low);
/* Load the IDT of vectors 0-63 (isr_dispatch); any CPU may load it. */
void idt_init(void);
/* smp.c, smpvmx.c: with "smp" / "smpvmx" on the command line. */
void test_smp(void);
void test_smpvmx(void);

struct mb_info;
void test_high_ram(const struct mb_info *mi);

#endif
