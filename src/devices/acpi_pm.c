// SPDX-License-Identifier: MIT
#include "devices/acpi_pm.h"

#include <string.h>

enum { PM1_STS = 0, PM1_EN = 2, PM1_CNT = 4 };

void acpi_pm_init(struct acpi_pm *pm, power_request_fn fn, void *opaque)
{
	memset(pm, 0, sizeof(*pm));
	pm->cnt = PM1_CNT_SCI_EN;
	pm->request = fn;
	pm->opaque = opaque;
}

static uint16_t *reg(struct acpi_pm *pm, unsigned r)
{
	return r == PM1_STS ? &pm->sts : r == PM1_EN ? &pm->en : &pm->cnt;
}

/* Byte and word accesses, aligned or not, go register byte by byte. */
static uint64_t pm_read(void *opaque, uint64_t off, unsigned size)
{
	struct acpi_pm *pm = opaque;
	uint64_t v = 0;

	for (unsigned i = 0; i < size && off + i < ACPI_PM1_LEN; i++) {
		unsigned o = (unsigned)off + i;

		v |= (uint64_t)((*reg(pm, o & ~1u) >> (8 * (o & 1))) & 0xff) << (8 * i);
	}
	return v;
}

static void write_reg(struct acpi_pm *pm, unsigned r, uint16_t v, uint16_t mask)
{
	uint16_t slp;

	switch (r) {
	case PM1_STS:
		pm->sts &= (uint16_t)~(v & mask);      /* write 1 to clear */
		break;
	case PM1_EN:
		pm->en = (uint16_t)((pm->en & ~mask) | (v & mask));
		break;
	default:
		pm->cnt = (uint16_t)((pm->cnt & ~mask) | (v & mask & ~PM1_CNT_SLP_EN));
		pm->cnt |= PM1_CNT_SCI_EN;
		slp = (pm->cnt & PM1_CNT_SLP_TYP) >> 10;
		if ((v & mask & PM1_CNT_SLP_EN) && slp == PM1_SLP_TYP_S5)
			pm->request(pm->opaque, POWER_OFF,
				    "ACPI S5: SLP_EN in PM1a_CNT 0x604");
		break;
	}
}

static void pm_write(void *opaque, uint64_t off, unsigned size, uint64_t v)
{
	struct acpi_pm *pm = opaque;

	for (unsigned r = 0; r < ACPI_PM1_LEN; r += 2) {
		uint16_t val = 0, mask = 0;

		for (unsigned i = 0; i < size; i++) {
			unsigned o = (unsigned)off + i;

			if ((o & ~1u) != r)
				continue;
			val |= (uint16_t)(((v >> (8 * i)) & 0xff) << (8 * (o & 1)));
			mask |= (uint16_t)(0xff << (8 * (o & 1)));
		}
		if (mask)
			write_reg(pm, r, val, mask);
	}
}

int acpi_pm_attach(struct acpi_pm *pm, struct io_bus *pio, uint16_t base)
{
	const struct io_handler h = { "acpi-pm1", pm_read, pm_write, pm };

	return io_bus_register(pio, base, ACPI_PM1_LEN, &h);
}
