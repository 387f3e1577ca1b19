// SPDX-License-Identifier: MIT
#include "machine/pc_isa.h"

#include "loader/pc_memmap.h"
#include "machine/machine.h"

/* The local APIC's EOI of a level-triggered vector (apic_bus.eoi). */
static void on_eoi_broadcast(void *opaque, uint8_t vector)
{
	ioapic_eoi(opaque, vector);
}

/* The master 8259's INT output: the processor's LINT0 (or INTR). */
static void on_pic_intr(void *opaque)
{
	lapic_extint_changed(opaque);
}

static int pic_pending(void *opaque)
{
	return i8259_pending(opaque);
}

static int pic_ack(void *opaque)
{
	return i8259_ack(opaque);
}

static void cmos_put16(struct mc146818 *r, unsigned at, uint64_t v)
{
	if (v > 0xffff)
		v = 0xffff;
	r->cmos[at] = (uint8_t)v;
	r->cmos[at + 1] = (uint8_t)(v >> 8);
}

/* What QEMU's pc machine (pc_cmos_init) puts in CMOS RAM: memory sizes
 * as a BIOS reads them, the equipment byte, the CPU count. */
static void fill_cmos(struct mc146818 *r, uint64_t ram)
{
	struct pc_mem_region rg[PC_MEMMAP_MAX];
	unsigned n = pc_ram_ranges(ram, rg);
	uint64_t below_4g = 0, above_4g = 0, ext;

	for (unsigned i = 0; i < n; i++) {
		if (rg[i].base >= (1ull << 32))
			above_4g += rg[i].len;
		else
			below_4g = rg[i].base + rg[i].len;
	}
	cmos_put16(r, 0x15, 640);                       /* base memory, KiB */
	ext = below_4g > (1u << 20) ? (below_4g - (1u << 20)) >> 10 : 0;
	cmos_put16(r, 0x17, ext);                       /* above 1 MiB, KiB */
	cmos_put16(r, 0x30, ext);
	cmos_put16(r, 0x34, below_4g > (16u << 20) ?    /* above 16 MiB, 64 KiB */
		   (below_4g - (16u << 20)) >> 16 : 0);
	r->cmos[0x5b] = (uint8_t)(above_4g >> 16);      /* above 4 GiB, 64 KiB */
	r->cmos[0x5c] = (uint8_t)(above_4g >> 24);
	r->cmos[0x5d] = (uint8_t)(above_4g >> 32);
	r->cmos[0x14] = 0x02;                           /* equipment: FPU */
	r->cmos[0x5f] = 0;                              /* vCPUs - 1 */
}

int pc_isa_attach(struct machine *m)
{
	struct pc_isa *isa = &m->isa;

	ioapic_init(&isa->ioapic, &m->apic_bus);
	m->apic_bus.eoi = on_eoi_broadcast;
	m->apic_bus.eoi_opaque = &isa->ioapic;
	i8259_init(&isa->pic, on_pic_intr, &m->lapic);
	m->lapic.extint = (struct lapic_extint){ pic_pending, pic_ack, &isa->pic };
	isa_irq_init(&isa->irq, &isa->pic, &isa->ioapic);
	i8254_init(&isa->pit, &m->clock, &isa->irq);
	mc146818_init(&isa->rtc, &m->clock, &isa->irq,
		      m->cfg.rtc_base_set ? m->cfg.rtc_base : RTC_DEFAULT_BASE);
	fill_cmos(&isa->rtc, m->cfg.mem_size);
	pm_timer_init(&isa->pm_timer, &m->clock);
	if (ioapic_attach(&isa->ioapic, &m->mmio, IOAPIC_DEFAULT_BASE) ||
	    i8259_attach(&isa->pic, &m->pio) ||
	    isa_irq_attach(&isa->irq, &m->pio) ||
	    i8254_attach(&isa->pit, &m->pio) ||
	    mc146818_attach(&isa->rtc, &m->pio) ||
	    pm_timer_attach(&isa->pm_timer, &m->pio, PM_TIMER_PORT))
		return -1;
	return 0;
}

void pc_isa_destroy(struct machine *m)
{
	i8254_destroy(&m->isa.pit);
	mc146818_destroy(&m->isa.rtc);
}
