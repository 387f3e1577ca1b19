// SPDX-License-Identifier: MIT
#include "machine/pc_platform.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader/pc_memmap.h"
#include "machine/machine.h"

/* IA32_FEATURE_CONTROL as SeaBIOS sets it from "etc/msr_feature_control"
 * when VMX is advertised: locked, VMXON allowed outside SMX (SDM 23.7). */
#define FEATURE_CONTROL_LOCKED 0x1ull
#define FEATURE_CONTROL_VMXON_OUTSIDE_SMX 0x4ull

/* "etc/e820": QEMU's table of RAM ranges, {le64 addr, le64 len, le32 type}. */
static int add_e820_file(struct fw_cfg *f, uint64_t ram)
{
	struct pc_mem_region r[PC_MEMMAP_MAX];
	unsigned n = pc_ram_ranges(ram, r);
	uint8_t buf[PC_MEMMAP_MAX * 20];

	for (unsigned i = 0; i < n; i++) {
		uint8_t *e = buf + 20 * i;

		for (int b = 0; b < 8; b++) {
			e[b] = (uint8_t)(r[i].base >> (8 * b));
			e[8 + b] = (uint8_t)(r[i].len >> (8 * b));
		}
		for (int b = 0; b < 4; b++)
			e[16 + b] = (uint8_t)(r[i].type >> (8 * b));
	}
	return fw_cfg_add_file(f, "etc/e820", buf, 20 * n);
}

/* The items QEMU's pc machine offers (hw/i386/fw_cfg.c, fw_cfg.c):
 * docs/platform.md lists each. */
static int fill_fw_cfg(struct fw_cfg *f, const struct machine_config *c,
		       unsigned n_cpus)
{
	static const uint8_t zero[8 + 8 * MACHINE_MAX_CPUS];
	uint8_t fail_wait[4] = { 0xff, 0xff, 0xff, 0xff };  /* -1: no reboot */
	uint8_t fctl[8] = { 0 };
	int ret = 0;

	fctl[0] = FEATURE_CONTROL_LOCKED | FEATURE_CONTROL_VMXON_OUTSIDE_SMX;
	ret |= fw_cfg_add_bytes(f, FW_CFG_UUID, zero, 16);
	ret |= fw_cfg_add_i64(f, FW_CFG_RAM_SIZE, c->mem_size);
	ret |= fw_cfg_add_i16(f, FW_CFG_NOGRAPHIC, 0);
	ret |= fw_cfg_add_i16(f, FW_CFG_NB_CPUS, (uint16_t)n_cpus);
	ret |= fw_cfg_add_i16(f, FW_CFG_MAX_CPUS, (uint16_t)n_cpus);
	/* One word of node count, one per APIC ID: no NUMA nodes. */
	ret |= fw_cfg_add_bytes(f, FW_CFG_NUMA, zero, 8 + 8 * n_cpus);
	ret |= fw_cfg_add_i16(f, FW_CFG_BOOT_MENU, 0);
	ret |= fw_cfg_add_i32(f, FW_CFG_IRQ0_OVERRIDE, 1);
	ret |= add_e820_file(f, c->mem_size);
	ret |= fw_cfg_add_file(f, "etc/boot-fail-wait", fail_wait, 4);
	if (c->vmx)
		ret |= fw_cfg_add_file(f, "etc/msr_feature_control", fctl, 8);
	return ret;
}

/* The SMBIOS tables, and QEMU's fw_cfg files with the same bytes (its
 * BIOS copies them into the F segment, where vmxbox writes them itself
 * for the PC boot protocols: pc_platform_boot()). */
static int add_smbios(struct machine *m, struct pc_platform *pc, char *why,
		      size_t len)
{
	struct smbios_config sc = { .nr_cpus = m->n_cpus, .ram = m->cfg.mem_size };
	uint32_t id[4];
	int ret;

	cpu_model_cpuid(&m->model, 1, 0, id);
	sc.cpuid_1_eax = id[0];
	sc.cpuid_1_edx = id[3];
	ret = smbios_build(&sc, &pc->smbios, why, len);
	if (!ret)
		ret = fw_cfg_add_file(&pc->fw_cfg, "etc/smbios/smbios-anchor",
				      pc->smbios.anchor, SMBIOS_EPS_LEN) |
		      fw_cfg_add_file(&pc->fw_cfg, "etc/smbios/smbios-tables",
				      pc->smbios.table,
				      (uint32_t)pc->smbios.table_len);
	return ret;
}

/* The i440FX host bridge as QEMU's pc machine has it at 00:00.0. */
static int add_host_bridge(struct pc_platform *pc)
{
	pci_device_init(&pc->host_bridge, "i440FX", 0x8086, 0x1237, 0x060000, 0x02);
	return pci_bus_add(&pc->pci, &pc->host_bridge, PCI_DEVFN(0, 0));
}

/* pci-testdev k in slot 2 + k, its BARs placed and decoding, as a BIOS
 * leaves them. */
static int add_pci_testdev(struct pc_platform *pc, unsigned k)
{
	struct pci_device *d = &pc->pci_testdev[k].pci;

	pci_testdev_init(&pc->pci_testdev[k]);
	pci_config_write(d, PCI_BAR0, 4, PC_PCI_MMIO_BASE + k * PCI_TESTDEV_MMIO_SIZE);
	pci_config_write(d, PCI_BAR0 + 4, 4, PC_PCI_IO_BASE + k * PCI_TESTDEV_PIO_SIZE);
	pci_config_write(d, PCI_COMMAND, 2, PCI_COMMAND_IO | PCI_COMMAND_MEMORY);
	return pci_bus_add(&pc->pci, d, PCI_DEVFN(PC_PCI_FIRST_SLOT + k, 0));
}

/* A guest power-off or reset ends the run (vmxbox never reboots). */
static void on_power_request(void *opaque, enum power_request req,
			     const char *source)
{
	struct machine *m = opaque;

	if (!m->pc->stop_source)
		m->pc->stop_source = source;
	machine_request_stop(m, req == POWER_OFF ? STOP_POWEROFF : STOP_RESET);
}

static int create_devices(struct machine *m, struct pc_platform *pc, char *err,
			  size_t errlen)
{
	const struct machine_config *c = &m->cfg;
	char why[200] = "out of memory";

	pc_power_init(&pc->power, on_power_request, m);
	acpi_pm_init(&pc->acpi_pm, on_power_request, m);
	if (pc_power_attach(&pc->power, &m->pio) ||
	    acpi_pm_attach(&pc->acpi_pm, &m->pio, ACPI_PM_BASE)) {
		snprintf(err, errlen, "cannot attach the power and reset ports");
		return VMXBOX_EXIT_INTERNAL;
	}

	fw_cfg_init(&pc->fw_cfg, &m->mem);
	if (fill_fw_cfg(&pc->fw_cfg, c, m->n_cpus) || fw_cfg_attach(&pc->fw_cfg, &m->pio)) {
		snprintf(err, errlen, "cannot create the fw_cfg device");
		return VMXBOX_EXIT_INTERNAL;
	}
	if (add_smbios(m, pc, why, sizeof(why))) {
		snprintf(err, errlen, "cannot build the SMBIOS tables: %s", why);
		return VMXBOX_EXIT_INTERNAL;
	}
	if (pci_bus_init(&pc->pci, &m->pio, &m->mmio) || add_host_bridge(pc)) {
		snprintf(err, errlen, "cannot create the PCI host bridge");
		return VMXBOX_EXIT_INTERNAL;
	}
	if (c->pci_testdevs > PC_MAX_PCI_TESTDEVS) {
		snprintf(err, errlen, "at most %d pci-testdev devices",
			 PC_MAX_PCI_TESTDEVS);
		return VMXBOX_EXIT_USAGE;
	}
	for (; pc->nr_pci_testdevs < c->pci_testdevs; pc->nr_pci_testdevs++)
		if (add_pci_testdev(pc, pc->nr_pci_testdevs)) {
			snprintf(err, errlen, "cannot create pci-testdev %u",
				 pc->nr_pci_testdevs);
			return VMXBOX_EXIT_INTERNAL;
		}
	if (!c->pc_testdev)
		return 0;
	pc->pc_testdev = malloc(sizeof(*pc->pc_testdev));
	if (!pc->pc_testdev) {
		snprintf(err, errlen, "out of memory");
		return VMXBOX_EXIT_INTERNAL;
	}
	pc_testdev_init(pc->pc_testdev);
	pc->pc_testdev->set_irq = isa_irq_set_line;     /* 0x2000 + n */
	pc->pc_testdev->irq_opaque = &m->isa.irq;
	if (pc_testdev_attach(pc->pc_testdev, &m->pio, &m->mmio)) {
		snprintf(err, errlen, "cannot attach pc-testdev (ports 0xe0-0xeb in use)");
		return VMXBOX_EXIT_USAGE;
	}
	return 0;
}

int pc_platform_create(struct machine *m, char *err, size_t errlen)
{
	struct pc_platform *pc = calloc(1, sizeof(*pc));

	if (!pc) {
		snprintf(err, errlen, "out of memory");
		return VMXBOX_EXIT_INTERNAL;
	}
	m->pc = pc;
	return create_devices(m, pc, err, errlen);
}

int pc_platform_boot(struct machine *m, char *err, size_t errlen)
{
	struct acpi_config ac;
	char why[200];

	if (m->img_kind == IMAGE_VMXBOX_ELF64)
		return 0;
	acpi_config_pc(&ac, m->n_cpus, m->cfg.mem_size);
	for (unsigned k = 1; k < 4; k++)
		ac.com_ports |= (uint8_t)(m->cfg.com_on[k - 1] << k);
	if (acpi_build(&m->mem, &ac, &m->pc->acpi, why, sizeof(why))) {
		snprintf(err, errlen, "cannot build the ACPI tables: %s", why);
		return VMXBOX_EXIT_INTERNAL;
	}
	if (smbios_write(&m->mem, &m->pc->smbios)) {
		snprintf(err, errlen, "cannot write the SMBIOS tables: guest RAM ends below 1 MiB");
		return VMXBOX_EXIT_INTERNAL;
	}
	return 0;
}

void pc_platform_destroy(struct machine *m)
{
	if (!m->pc)
		return;
	fw_cfg_destroy(&m->pc->fw_cfg);
	smbios_free(&m->pc->smbios);
	free(m->pc->pc_testdev);
	free(m->pc);
	m->pc = NULL;
}
