// SPDX-License-Identifier: MIT
/* PCI configuration mechanism #1, BAR decoding (devices/pci.c), QEMU's
 * pci-testdev and pc-testdev, through the port and MMIO buses. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "devices/io_bus.h"
#include "devices/pc_testdev.h"
#include "devices/pci.h"
#include "devices/pci_testdev.h"

static struct io_bus pio, mmio;
static struct pci_bus bus;
static struct pci_testdev td;
static const unsigned TD = PCI_DEVFN(2, 0);

static void setup(void)
{
	io_bus_init(&pio, "pio");
	io_bus_init(&mmio, "mmio");
	ck_assert_int_eq(pci_bus_init(&bus, &pio, &mmio), 0);
	pci_testdev_init(&td);
	ck_assert_int_eq(pci_bus_add(&bus, &td.pci, TD), 0);
}

static uint32_t cfg_rd(unsigned devfn, unsigned reg, unsigned size)
{
	io_bus_write(&pio, 0xcf8, 4, 0x80000000u | devfn << 8 | (reg & 0xfc));
	return (uint32_t)io_bus_read(&pio, 0xcfc + (reg & 3), size);
}

static void cfg_wr(unsigned devfn, unsigned reg, unsigned size, uint32_t v)
{
	io_bus_write(&pio, 0xcf8, 4, 0x80000000u | devfn << 8 | (reg & 0xfc));
	io_bus_write(&pio, 0xcfc + (reg & 3), size, v);
}

START_TEST(config_mechanism)
{
	ck_assert_uint_eq(cfg_rd(TD, 0, 4), 0x00051b36);
	ck_assert_uint_eq(cfg_rd(TD, 2, 2), 0x0005);
	ck_assert_uint_eq(cfg_rd(TD, 0x0b, 1), 0x00);      /* QEMU's class word 0x00ff */
	ck_assert_uint_eq(cfg_rd(TD, 0x0a, 1), 0xff);
	ck_assert_uint_eq(cfg_rd(TD, 0x2c, 4), 0x11001af4);
	/* CONFIG_ADDRESS reads back; only 32-bit writes set it. */
	io_bus_write(&pio, 0xcf8, 4, 0x80001234);
	ck_assert_uint_eq(io_bus_read(&pio, 0xcf8, 4), 0x80001234);
	io_bus_write(&pio, 0xcf8, 2, 0);
	ck_assert_uint_eq(io_bus_read(&pio, 0xcf8, 4), 0x80001234);
	ck_assert_uint_eq(io_bus_read(&pio, 0xcfa, 1), 0x34);
	/* Enable bit clear, an empty slot, bus 1: all ones. */
	io_bus_write(&pio, 0xcf8, 4, TD << 8);
	ck_assert_uint_eq(io_bus_read(&pio, 0xcfc, 4), 0xffffffff);
	ck_assert_uint_eq(cfg_rd(PCI_DEVFN(3, 0), 0, 4), 0xffffffff);
	io_bus_write(&pio, 0xcf8, 4, 0x80010000u | TD << 8);
	ck_assert_uint_eq(io_bus_read(&pio, 0xcfc, 2), 0xffff);
	/* 0xCF9 is not the PCI device's (the reset register's). */
	ck_assert_ptr_null(io_bus_find(&pio, 0xcf9));
	ck_assert_int_eq(pci_bus_add(&bus, &td.pci, TD), -EEXIST);
}
END_TEST

START_TEST(header_write_masks)
{
	cfg_wr(TD, 0, 4, 0xffffffff);
	ck_assert_uint_eq(cfg_rd(TD, 0, 4), 0x00051b36);
	cfg_wr(TD, 0x3c, 1, 0x0b);
	ck_assert_uint_eq(cfg_rd(TD, 0x3c, 1), 0x0b);
	cfg_wr(TD, 0x3d, 1, 1);
	ck_assert_uint_eq(cfg_rd(TD, 0x3d, 1), 0);
	cfg_wr(TD, 4, 2, 0xffff);
	ck_assert_uint_eq(cfg_rd(TD, 4, 2), 0x0547);
	/* BAR sizing: all ones read back as the size mask and type. */
	cfg_wr(TD, 0x10, 4, 0xffffffff);
	ck_assert_uint_eq(cfg_rd(TD, 0x10, 4), 0xfffff000);
	cfg_wr(TD, 0x14, 4, 0xffffffff);
	ck_assert_uint_eq(cfg_rd(TD, 0x14, 4), 0xffffff01);
	cfg_wr(TD, 0x18, 4, 0xffffffff);
	ck_assert_uint_eq(cfg_rd(TD, 0x18, 4), 0);
}
END_TEST

/* A BAR decodes only while its command bit is set and its address is
 * neither 0 nor wrapping; moving it moves the region. */
START_TEST(bar_decoding)
{
	uint64_t a;

	cfg_wr(TD, 0x10, 4, 0xfe000000);
	cfg_wr(TD, 0x14, 4, 0xc000);
	ck_assert(!pci_bar_address(&td.pci, 0, &a));
	ck_assert_ptr_null(io_bus_find(&mmio, 0xfe000000));
	cfg_wr(TD, 4, 2, PCI_COMMAND_MEMORY);
	ck_assert(pci_bar_address(&td.pci, 0, &a));
	ck_assert_uint_eq(a, 0xfe000000);
	ck_assert_ptr_nonnull(io_bus_find(&mmio, 0xfe000fff));
	ck_assert_ptr_null(io_bus_find(&pio, 0xc000));       /* IO still off */
	cfg_wr(TD, 4, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_IO);
	ck_assert_ptr_nonnull(io_bus_find(&pio, 0xc0ff));
	cfg_wr(TD, 0x10, 4, 0xfe800000);
	ck_assert_ptr_null(io_bus_find(&mmio, 0xfe000000));
	ck_assert_ptr_nonnull(io_bus_find(&mmio, 0xfe800000));
	cfg_wr(TD, 0x10, 4, 0);                              /* address 0 */
	ck_assert(!pci_bar_address(&td.pci, 0, &a));
	ck_assert_uint_eq(mmio.nr_ranges, 0);
	cfg_wr(TD, 0x10, 4, 0xfffff000);                     /* wraps 4 GiB */
	ck_assert(!pci_bar_address(&td.pci, 0, &a));
	/* Over another device's ports: stays unmapped, nothing breaks. */
	cfg_wr(TD, 0x14, 4, 0xcf0);
	ck_assert(pci_bar_address(&td.pci, 1, &a));
	ck_assert_str_eq(io_bus_find(&pio, 0xcfc)->h.name, "pci-config-data");
	ck_assert(!td.pci.bars[1].mapped);
	cfg_wr(TD, 4, 2, 0);
	ck_assert_ptr_null(io_bus_find(&pio, 0xc000));
}
END_TEST

/* kvm-unit-tests' protocol on the port BAR. */
static uint32_t run_test(uint16_t base, unsigned nr, unsigned wsize)
{
	uint32_t off, count;
	uint8_t data;

	io_bus_write(&pio, base, 1, nr);
	ck_assert_uint_eq(io_bus_read(&pio, base + 12, 4), 0);
	ck_assert_uint_eq(io_bus_read(&pio, base + 1, 1), 1);
	data = (uint8_t)io_bus_read(&pio, base + 8, 1);
	off = (uint32_t)io_bus_read(&pio, base + 4, 4);
	for (int i = 0; i < 16; i++)
		io_bus_write(&pio, base + off, wsize, data);
	count = (uint32_t)io_bus_read(&pio, base + 12, 4);
	return count;
}

START_TEST(pci_testdev_protocol)
{
	char name[32];

	cfg_wr(TD, 0x14, 4, 0xc000);
	cfg_wr(TD, 4, 2, PCI_COMMAND_IO);
	ck_assert_uint_eq(run_test(0xc000, 0, 1), 16);
	ck_assert_uint_eq(io_bus_read(&pio, 0xc000 + 4, 4), 0x83);
	for (int i = 0; i < 31; i++)
		name[i] = (char)io_bus_read(&pio, 0xc000 + 16 + i, 1);
	ck_assert_str_eq(name, "portio-no-eventfd");
	/* The eventfd tests' byte writes never reach the device... */
	ck_assert_uint_eq(run_test(0xc000, 1, 1), 0);
	ck_assert_uint_eq(run_test(0xc000, 2, 1), 0);
	/* ...wider ones do, as bytes: the wildcard counts each, datamatch
	 * none (its low byte matches but the eventfd wants 1 byte). */
	ck_assert_uint_eq(run_test(0xc000, 1, 2), 16);
	ck_assert_uint_eq(run_test(0xc000, 2, 4), 16);
	/* No test selected: everything reads 0. */
	io_bus_write(&pio, 0xc000, 1, 3);
	ck_assert_uint_eq(io_bus_read(&pio, 0xc000 + 16, 4), 0);
	ck_assert_int_eq(td.current, -1);
}
END_TEST

START_TEST(pc_testdev_ports_and_iomem)
{
	struct pc_testdev *t = malloc(sizeof(*t));

	pc_testdev_init(t);
	ck_assert_int_eq(pc_testdev_attach(t, &pio, &mmio), 0);
	io_bus_write(&pio, 0xe0, 4, 0x12345678);
	ck_assert_uint_eq(io_bus_read(&pio, 0xe1, 1), 0x56);
	io_bus_write(&pio, 0xe2, 1, 0xab);
	ck_assert_uint_eq(io_bus_read(&pio, 0xe8, 4), 0x12ab5678);
	io_bus_write(&pio, 0xea, 2, 0xcdef);
	ck_assert_uint_eq(io_bus_read(&pio, 0xe0, 4), 0xcdef5678);
	ck_assert_uint_eq(io_bus_read(&pio, 0xe4, 4), 0);
	/* No IRQ hook: the IRQ ports are not claimed. */
	ck_assert_ptr_null(io_bus_find(&pio, 0x2000));
	io_bus_write(&mmio, 0xff000100, 8, 0x0123456789abcdefull);
	ck_assert_uint_eq(io_bus_read(&mmio, 0xff000104, 4), 0x01234567);
	ck_assert_uint_eq(io_bus_read(&mmio, 0xff000101, 2), 0xabcd);
	ck_assert_uint_eq(io_bus_read(&mmio, 0xff00fffe, 4), 0);  /* past the end */
	free(t);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("pci");
	TCase *tc = tcase_create("pci");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, config_mechanism);
	tcase_add_test(tc, header_write_masks);
	tcase_add_test(tc, bar_decoding);
	tcase_add_test(tc, pci_testdev_protocol);
	tcase_add_test(tc, pc_testdev_ports_and_iomem);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
