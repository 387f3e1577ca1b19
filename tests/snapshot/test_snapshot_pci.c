// SPDX-License-Identifier: MIT
/*
 * The PCI bus in snapshots (snap_pci.c): a guest moves pci-testdev BARs,
 * selects and runs tests and writes the host bridge and CONFIG_ADDRESS
 * through the ports; the state goes through CBOR into a second bus, set
 * up as vmxbox sets one up, which then answers the same everywhere.
 * Which BARs are on the bus is kept even where it is history (a BAR
 * moved onto another's range stays off); a machine with another set of
 * test devices is refused; each bad value is refused with its key named
 * and nothing changed.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snap_test_util.h"
#include "devices/pci.h"
#include "devices/pci_testdev.h"
#include "snapshot/snapshot.h"

#define NDEV 4
#define MMIO_BASE 0xfe000000u
#define IO_BASE   0xc000u

struct pcibox {
	struct io_bus pio, mmio;
	struct pci_bus bus;
	struct pci_device host;
	struct pci_testdev t[NDEV];
};

static struct pcibox A, B;
static struct guest_mem gm;
static char err[256];

/* As machine/pc_platform.c does: the host bridge, n test devices from
 * slot 2 with their BARs placed and decoding. */
static void box_init(struct pcibox *x, unsigned n)
{
	memset(x, 0, sizeof(*x));
	io_bus_init(&x->pio, "pio");
	io_bus_init(&x->mmio, "mmio");
	ck_assert_int_eq(pci_bus_init(&x->bus, &x->pio, &x->mmio), 0);
	pci_device_init(&x->host, "i440FX", 0x8086, 0x1237, 0x060000, 0x02);
	ck_assert_int_eq(pci_bus_add(&x->bus, &x->host, 0), 0);
	for (unsigned k = 0; k < n; k++) {
		struct pci_device *d = &x->t[k].pci;

		pci_testdev_init(&x->t[k]);
		pci_config_write(d, PCI_BAR0, 4, MMIO_BASE + k * PCI_TESTDEV_MMIO_SIZE);
		pci_config_write(d, PCI_BAR0 + 4, 4, IO_BASE + k * PCI_TESTDEV_PIO_SIZE);
		pci_config_write(d, PCI_COMMAND, 2, PCI_COMMAND_IO | PCI_COMMAND_MEMORY);
		ck_assert_int_eq(pci_bus_add(&x->bus, d, PCI_DEVFN(2 + k, 0)), 0);
	}
}

static void setup(void)
{
	ck_assert_int_eq(gmem_init(&gm, 4ull << 20), 0);
}

static void teardown(void)
{
	gmem_destroy(&gm);
}

/* Configuration cycles as a guest makes them, through 0xCF8/0xCFC. */
static void cfg_write(struct pcibox *x, unsigned devfn, unsigned reg,
		      unsigned size, uint32_t v)
{
	io_bus_write(&x->pio, PCI_CONFIG_ADDRESS, 4, 0x80000000u | devfn << 8 | (reg & 0xfc));
	io_bus_write(&x->pio, PCI_CONFIG_DATA + (reg & 3), size, v);
}

static uint32_t cfg_read(struct pcibox *x, unsigned devfn, unsigned reg,
			 unsigned size)
{
	io_bus_write(&x->pio, PCI_CONFIG_ADDRESS, 4, 0x80000000u | devfn << 8 | (reg & 0xfc));
	return (uint32_t)io_bus_read(&x->pio, PCI_CONFIG_DATA + (reg & 3), size);
}

/* x's state, saved and decoded again (n test devices saved). */
static struct snapshot_machine *save(const struct pcibox *x, unsigned n)
{
	struct snapshot_machine *s = make_machine(&gm, 1), *d;
	uint8_t *buf;
	size_t len;

	ck_assert(snap_pci_save(s, &x->bus, &x->host, x->t, n));
	ck_assert_msg(!snapshot_encode(s, &buf, &len, err, sizeof(err)), "%s", err);
	d = snapshot_decode(buf, len, err, sizeof(err));
	ck_assert_msg(d, "%s", err);
	free(buf);
	snapshot_free(s);
	return d;
}

/*
 * A guest's work: device 0's BARs moved (0xFE800000, 0xD000), its
 * portio-no-eventfd test selected and counted 3 times; device 1's
 * MMIO test 0 counted twice, its port BAR moved onto device 2's (which
 * then stays off the bus), its cache line and interrupt line written;
 * device 2 with memory decoding off; the host bridge's cache line size;
 * CONFIG_ADDRESS left at device 0's BAR0.
 */
static void program(struct pcibox *x)
{
	cfg_write(x, PCI_DEVFN(2, 0), PCI_COMMAND, 2, 0);
	cfg_write(x, PCI_DEVFN(2, 0), PCI_BAR0, 4, 0xfe800000);
	cfg_write(x, PCI_DEVFN(2, 0), PCI_BAR0 + 4, 4, 0xd000);
	cfg_write(x, PCI_DEVFN(2, 0), PCI_COMMAND, 2, 3);
	io_bus_write(&x->pio, 0xd000, 1, 0);
	for (int i = 0; i < 3; i++)
		io_bus_write(&x->pio, 0xd083, 1, 0xfa);
	io_bus_write(&x->mmio, MMIO_BASE + 0x1000, 1, 0);
	io_bus_write(&x->mmio, MMIO_BASE + 0x1800, 1, 0xfa);
	io_bus_write(&x->mmio, MMIO_BASE + 0x1800, 1, 0xfa);
	cfg_write(x, PCI_DEVFN(3, 0), PCI_BAR0 + 4, 4, IO_BASE + 0x200);
	cfg_write(x, PCI_DEVFN(3, 0), PCI_CACHE_LINE_SIZE, 1, 0x10);
	cfg_write(x, PCI_DEVFN(3, 0), PCI_INTERRUPT_LINE, 1, 0x0b);
	cfg_write(x, PCI_DEVFN(4, 0), PCI_COMMAND, 2, PCI_COMMAND_IO);
	cfg_write(x, 0, PCI_CACHE_LINE_SIZE, 1, 0x08);
	io_bus_write(&x->pio, PCI_CONFIG_ADDRESS, 4, 0x80001010);
}

/* x answers as program() left it. */
static void check_programmed(struct pcibox *x)
{
	ck_assert_uint_eq(io_bus_read(&x->pio, PCI_CONFIG_ADDRESS, 4), 0x80001010);
	ck_assert_uint_eq(io_bus_read(&x->pio, PCI_CONFIG_DATA, 4), 0xfe800000);
	/* Device 0 at its new places, its test and count. */
	ck_assert_uint_eq(io_bus_read(&x->pio, 0xd000, 1), 3);
	ck_assert_uint_eq(io_bus_read(&x->pio, 0xd00c, 4), 3);
	ck_assert_uint_eq(io_bus_read(&x->mmio, 0xfe80000c, 4), 3);
	ck_assert_ptr_null(io_bus_find(&x->pio, IO_BASE));
	ck_assert_ptr_null(io_bus_find(&x->mmio, MMIO_BASE));
	/* Device 1: its MMIO test; its port BAR off the bus, device 2's on. */
	ck_assert_uint_eq(io_bus_read(&x->mmio, MMIO_BASE + 0x100c, 4), 2);
	ck_assert_uint_eq(cfg_read(x, PCI_DEVFN(3, 0), PCI_BAR0 + 4, 4), IO_BASE + 0x201);
	ck_assert_ptr_eq(io_bus_find(&x->pio, IO_BASE + 0x200)->h.opaque, &x->t[2]);
	ck_assert_ptr_null(io_bus_find(&x->pio, IO_BASE + 0x100));
	ck_assert_uint_eq(pci_bars_mapped(&x->t[1].pci), 1);
	ck_assert_uint_eq(cfg_read(x, PCI_DEVFN(3, 0), PCI_CACHE_LINE_SIZE, 1), 0x10);
	ck_assert_uint_eq(cfg_read(x, PCI_DEVFN(3, 0), PCI_INTERRUPT_LINE, 1), 0x0b);
	/* Device 2's MMIO BAR off, device 3 untouched. */
	ck_assert_ptr_null(io_bus_find(&x->mmio, MMIO_BASE + 0x2000));
	ck_assert_ptr_nonnull(io_bus_find(&x->mmio, MMIO_BASE + 0x3000));
	ck_assert_int_eq(x->t[3].current, -1);
	ck_assert_uint_eq(cfg_read(x, 0, PCI_CACHE_LINE_SIZE, 1), 0x08);
	io_bus_write(&x->pio, PCI_CONFIG_ADDRESS, 4, 0x80001010);
}

START_TEST(round_trip_answers_the_same)
{
	struct snapshot_machine *s;

	box_init(&A, NDEV);
	box_init(&B, NDEV);
	program(&A);
	check_programmed(&A);
	s = save(&A, NDEV);
	ck_assert_int_eq(snap_pci_testdevs(s, 8), NDEV);
	ck_assert_int_eq(snap_pci_testdevs(s, 2), 2);
	ck_assert_msg(!snap_pci_load(s, &B.bus, &B.host, B.t, NDEV, err, sizeof(err)), "%s", err);
	check_programmed(&B);
	for (unsigned k = 0; k < NDEV; k++) {
		ck_assert(!memcmp(A.t[k].pci.config, B.t[k].pci.config, PCI_CONFIG_SPACE));
		ck_assert(!memcmp(A.t[k].count, B.t[k].count, sizeof(A.t[k].count)));
		ck_assert_int_eq(A.t[k].current, B.t[k].current);
		ck_assert_uint_eq(pci_bars_mapped(&A.t[k].pci), pci_bars_mapped(&B.t[k].pci));
	}
	snapshot_free(s);
}
END_TEST

/* Back into the machine that took it, after it moved on (gdb's reverse
 * execution does that): device 1 now sits where device 0's BAR0 was
 * saved, which must not keep device 0 off its place; device 2's memory
 * BAR, saved off, decodes now. */
START_TEST(restore_into_the_same_machine)
{
	struct snapshot_machine *s;

	box_init(&A, NDEV);
	program(&A);
	s = save(&A, NDEV);
	cfg_write(&A, PCI_DEVFN(2, 0), PCI_BAR0, 4, 0xfe900000);
	cfg_write(&A, PCI_DEVFN(3, 0), PCI_BAR0, 4, 0xfe800000);
	ck_assert_ptr_eq(io_bus_find(&A.mmio, 0xfe800000)->h.opaque, &A.t[1]);
	io_bus_write(&A.mmio, 0xfe900000, 1, 1);
	cfg_write(&A, PCI_DEVFN(4, 0), PCI_COMMAND, 2, 3);
	cfg_write(&A, 0, PCI_CACHE_LINE_SIZE, 1, 0x20);
	ck_assert_msg(!snap_pci_load(s, &A.bus, &A.host, A.t, NDEV, err, sizeof(err)), "%s", err);
	check_programmed(&A);
	snapshot_free(s);
}
END_TEST

/* Older snapshots have no "pci": the bus's reset state, no test device;
 * a machine with another number of test devices is refused. */
START_TEST(device_sets)
{
	struct snapshot_machine *s = make_machine(&gm, 1);

	box_init(&A, 2);
	io_bus_write(&A.pio, PCI_CONFIG_ADDRESS, 4, 0x80001010);
	cfg_write(&A, 0, PCI_COMMAND, 2, PCI_COMMAND_MASTER);
	cfg_write(&A, 0, PCI_CACHE_LINE_SIZE, 1, 0x08);
	ck_assert_int_eq(snap_pci_load(s, &A.bus, &A.host, A.t, 0, err, sizeof(err)), 0);
	ck_assert_uint_eq(A.bus.config_address, 0);
	ck_assert_uint_eq(pci_config_read(&A.host, PCI_COMMAND, 2), 0);
	ck_assert_uint_eq(pci_config_read(&A.host, PCI_CACHE_LINE_SIZE, 1), 0);
	ck_assert_uint_eq(pci_config_read(&A.host, PCI_VENDOR_ID, 4), 0x12378086);
	ck_assert_int_eq(snap_pci_load(s, &A.bus, &A.host, A.t, 2, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "devices.pci_testdev0: pci-testdev 0 is in this machine but not in the snapshot");
	snapshot_free(s);
	s = save(&A, 2);
	ck_assert_int_eq(snap_pci_load(s, &A.bus, &A.host, A.t, 1, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "devices.pci_testdev1: pci-testdev 1 is in the snapshot but not in this machine");
	ck_assert_int_eq(snap_pci_load(s, &A.bus, &A.host, A.t, 3, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "devices.pci_testdev2: pci-testdev 2 is in this machine but not in the snapshot");
	/* A gap (pci_testdev0 missing): restore counts 0 and is refused. */
	strcpy(((struct snap_device *)snap_device_find(s, "pci_testdev0"))->name, "pci_testdev01");
	ck_assert_int_eq(snap_pci_testdevs(s, 4), 0);
	ck_assert_int_eq(snap_pci_load(s, &A.bus, &A.host, A.t, 0, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "devices.pci_testdev1: pci-testdev 1 is in the snapshot but not in this machine");
	snapshot_free(s);
}
END_TEST

/* The most devices a snapshot can hold with every PC device present. */
START_TEST(every_device_fits)
{
	static const char *const others[] = { "uart1", "uart2", "uart3", "lapic",
		"isa", "pic", "ioapic", "pit", "rtc", "pc_testdev", "fw_cfg",
		"power", "acpi_pm" };
	struct snapshot_machine *s = make_machine(&gm, 1), *d;
	uint8_t *buf;
	size_t len;

	box_init(&A, NDEV);
	for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++)
		ck_assert(snap_kv_set_u64(&snap_device_add(s, others[i])->st, "x", 1));
	ck_assert(snap_pci_save(s, &A.bus, &A.host, A.t, NDEV));
	ck_assert_uint_ge(s->n_devices, 20);
	ck_assert_msg(!snapshot_encode(s, &buf, &len, err, sizeof(err)), "%s", err);
	d = snapshot_decode(buf, len, err, sizeof(err));
	ck_assert_msg(d, "%s", err);
	ck_assert_uint_eq(d->n_devices, s->n_devices);
	free(buf);
	snapshot_free(d);
	snapshot_free(s);
}
END_TEST

START_TEST(bad_values_refused)
{
	static const struct {
		const char *dev, *key;
		int len;                /* -1: the integer v; else bytes, byte off ^= v */
		uint64_t v;
		unsigned off;
	} bad[] = {
		{ "pci", "address", -1, 1ull << 32, 0 },
		{ "pci", "address", 4, 0, 0 },
		{ "pci", "host_bridge", 255, 0, 0 },
		{ "pci", "host_bridge", 256, 0x01, PCI_VENDOR_ID },
		{ "pci", "host_bridge", 256, 0x80, PCI_HEADER_TYPE },
		{ "pci_testdev1", "config", 16, 0, 0 },
		{ "pci_testdev1", "config", -1, 0, 0 },
		{ "pci_testdev1", "config", 256, 0xff, PCI_DEVICE_ID },
		{ "pci_testdev1", "config", 256, 0x01, PCI_BAR0 },          /* an I/O BAR0 */
		{ "pci_testdev1", "config", 256, 0x01, PCI_BAR0 + 8 },      /* BAR2 */
		{ "pci_testdev1", "config", 256, 0x01, PCI_INTERRUPT_PIN },
		{ "pci_testdev1", "config", 256, 0x08, PCI_BAR0 + 4 },      /* below the size */
		{ "pci_testdev1", "bars", -1, 1u << PCI_NUM_BARS, 0 },
		{ "pci_testdev1", "bars", -1, 4, 0 },                       /* no BAR2 */
		{ "pci_testdev2", "bars", -1, 3, 0 },                       /* memory off */
		{ "pci_testdev1", "bars", 1, 0, 0 },
		{ "pci_testdev1", "test", -1, PCI_TESTDEV_TESTS + 1, 0 },
		{ "pci_testdev1", "counts", 23, 0, 0 },
		{ "pci_testdev1", "counts", -1, 0, 0 },
	};

	box_init(&A, NDEV);
	program(&A);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct snapshot_machine *s = save(&A, NDEV);
		struct snap_kvset *st = &snap_device_add(s, bad[i].dev)->st;
		const struct snap_kv *was = snap_kv_find(st, bad[i].key);
		uint8_t bytes[256] = { 0 };
		char want[128];

		box_init(&B, NDEV);
		if (bad[i].len < 0) {
			ck_assert(snap_kv_set_u64(st, bad[i].key, bad[i].v));
		} else {
			if (was && was->kind == SNAP_VAL_BYTES && was->len == 256)
				memcpy(bytes, was->bytes, 256);
			bytes[bad[i].off] ^= (uint8_t)bad[i].v;
			ck_assert(snap_kv_set_bytes(st, bad[i].key, bytes, (size_t)bad[i].len));
		}
		ck_assert_msg(snap_pci_load(s, &B.bus, &B.host, B.t, NDEV, err, sizeof(err)) == -1,
			      "%s.%s (case %zu) accepted", bad[i].dev, bad[i].key, i);
		snprintf(want, sizeof(want), "devices.%s.%s: missing or invalid",
			 bad[i].dev, bad[i].key);
		ck_assert_str_eq(err, want);
		/* Refused before anything changed: B is as set up. */
		ck_assert_uint_eq(B.bus.config_address, 0);
		ck_assert_uint_eq(pci_config_read(&B.t[0].pci, PCI_BAR0, 4), MMIO_BASE);
		ck_assert_ptr_nonnull(io_bus_find(&B.mmio, MMIO_BASE));
		snapshot_free(s);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("snapshot_pci");
	TCase *t = tcase_create("pci");
	SRunner *r;
	int failed;

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, round_trip_answers_the_same);
	tcase_add_test(t, restore_into_the_same_machine);
	tcase_add_test(t, device_sets);
	tcase_add_test(t, every_device_fits);
	tcase_add_test(t, bad_values_refused);
	suite_add_tcase(s, t);
	r = srunner_create(s);
	srunner_run_all(r, CK_NORMAL);
	failed = srunner_ntests_failed(r);
	srunner_free(r);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
