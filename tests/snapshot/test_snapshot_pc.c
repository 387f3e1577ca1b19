// SPDX-License-Identifier: MIT
/*
 * The PC platform's optional devices in snapshots (snap_pc.c): QEMU's
 * pc-testdev, written through its ports and iomem, goes through CBOR
 * into a second device that then reads back the same; a snapshot
 * without it clears the device; one with it does not load into a
 * machine without it; each bad value is refused with its key named.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snap_test_util.h"
#include "devices/pc_testdev.h"
#include "devices/uart16550.h"
#include "snapshot/snapshot.h"

struct tdev {
	struct io_bus pio, mmio;
	struct pc_testdev t;
};

static struct tdev A, B;
static struct guest_mem gm;
static char err[256];

static void tdev_init(struct tdev *d)
{
	io_bus_init(&d->pio, "pio");
	io_bus_init(&d->mmio, "mmio");
	pc_testdev_init(&d->t);
	ck_assert_int_eq(pc_testdev_attach(&d->t, &d->pio, &d->mmio), 0);
}

static void setup(void)
{
	tdev_init(&A);
	tdev_init(&B);
	ck_assert_int_eq(gmem_init(&gm, 4ull << 20), 0);
}

static void teardown(void)
{
	gmem_destroy(&gm);
}

/* A's state, saved and decoded again (NULL device: none saved). */
static struct snapshot_machine *save(const struct pc_testdev *t)
{
	struct snapshot_machine *s = make_machine(&gm, 1), *d;
	uint8_t *buf;
	size_t len;

	if (t)
		ck_assert(snap_pc_testdev_save(s, t));
	ck_assert_msg(!snapshot_encode(s, &buf, &len, err, sizeof(err)), "%s", err);
	d = snapshot_decode(buf, len, err, sizeof(err));
	ck_assert_msg(d, "%s", err);
	free(buf);
	snapshot_free(s);
	return d;
}

static void program(struct tdev *d)
{
	io_bus_write(&d->pio, PC_TESTDEV_IOPORT, 4, 0x12345678);
	io_bus_write(&d->pio, PC_TESTDEV_IOPORT_BYTE + 2, 1, 0xab);
	io_bus_write(&d->mmio, PC_TESTDEV_IOMEM, 4, 0xdeadbeef);
	io_bus_write(&d->mmio, PC_TESTDEV_IOMEM + PC_TESTDEV_IOMEM_LEN - 8, 8,
		     0x0123456789abcdefull);
}

START_TEST(round_trip_keeps_port_and_iomem)
{
	struct snapshot_machine *s;

	program(&A);
	s = save(&A.t);
	ck_assert_int_eq(snap_pc_testdev_load(s, &B.t, err, sizeof(err)), 0);
	ck_assert_uint_eq(io_bus_read(&B.pio, PC_TESTDEV_IOPORT, 4), 0x12ab5678);
	ck_assert_uint_eq(io_bus_read(&B.pio, PC_TESTDEV_IOPORT_BYTE + 1, 1), 0x56);
	ck_assert_uint_eq(io_bus_read(&B.mmio, PC_TESTDEV_IOMEM, 4), 0xdeadbeef);
	ck_assert_uint_eq(io_bus_read(&B.mmio, PC_TESTDEV_IOMEM + PC_TESTDEV_IOMEM_LEN - 8, 8),
			  0x0123456789abcdefull);
	ck_assert(!memcmp(A.t.iomem, B.t.iomem, sizeof(A.t.iomem)));
	snapshot_free(s);
}
END_TEST

/* Written by a machine without pc-testdev: the device comes back clear;
 * a machine without one refuses a snapshot that has it. */
START_TEST(absent_device)
{
	struct snapshot_machine *s = save(NULL);

	program(&B);
	ck_assert_int_eq(snap_pc_testdev_load(s, &B.t, err, sizeof(err)), 0);
	ck_assert_uint_eq(io_bus_read(&B.pio, PC_TESTDEV_IOPORT, 4), 0);
	ck_assert_uint_eq(io_bus_read(&B.mmio, PC_TESTDEV_IOMEM, 4), 0);
	ck_assert_int_eq(snap_pc_testdev_load(s, NULL, err, sizeof(err)), 0);
	snapshot_free(s);
	s = save(&A.t);
	ck_assert_int_eq(snap_pc_testdev_load(s, NULL, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "devices.pc_testdev: the snapshot has a pc-testdev, this machine has none");
	snapshot_free(s);
}
END_TEST

START_TEST(bad_values_refused)
{
	static const struct {
		const char *key;
		int len;                /* -1: the integer v; else bytes */
		uint64_t v;
	} bad[] = {
		{ "ioport", -1, 1ull << 32 },
		{ "ioport", 4, 0 },
		{ "iomem", PC_TESTDEV_IOMEM_LEN - 1, 0 },
		{ "iomem", 16, 0 },
		{ "iomem", -1, 0 },
	};
	static uint8_t zero[PC_TESTDEV_IOMEM_LEN];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct snapshot_machine *s = save(&A.t);
		struct snap_kvset *st = &snap_device_add(s, "pc_testdev")->st;
		char want[128];

		if (bad[i].len < 0)
			ck_assert(snap_kv_set_u64(st, bad[i].key, bad[i].v));
		else
			ck_assert(snap_kv_set_bytes(st, bad[i].key, zero,
						    (size_t)bad[i].len));
		ck_assert_msg(snap_pc_testdev_load(s, &B.t, err, sizeof(err)) == -1,
			      "pc_testdev.%s (case %zu) accepted", bad[i].key, i);
		snprintf(want, sizeof(want), "devices.pc_testdev.%s: missing or invalid",
			 bad[i].key);
		ck_assert_str_eq(err, want);
		snapshot_free(s);
	}
}
END_TEST

/* COM2 as device "uart1": registers back; a machine and a snapshot that
 * disagree about the port are refused; bad values name the key. */
START_TEST(com_ports)
{
	struct snapshot_machine *s = make_machine(&gm, 1), *d;
	struct uart16550 u, v;
	uint8_t *buf;
	size_t len;

	uart16550_init(&u, -1);
	uart16550_init(&v, -1);
	u.lcr = 0x03; u.mcr = 0x08; u.ier = 0x02; u.scr = 0x77; u.thre_ip = 1;
	u.bytes_out = 15;
	ck_assert(snap_com_save(s, &u, 1));
	ck_assert_msg(!snapshot_encode(s, &buf, &len, err, sizeof(err)), "%s", err);
	d = snapshot_decode(buf, len, err, sizeof(err));
	ck_assert_msg(d, "%s", err);
	free(buf);
	ck_assert_int_eq(snap_com_load(d, &v, 1, err, sizeof(err)), 0);
	ck_assert_uint_eq(v.scr, 0x77);
	ck_assert_uint_eq(v.ier, 0x02);
	ck_assert_uint_eq(v.bytes_out, 15);
	ck_assert(v.irq_out);                  /* OUT2 and THRI pending */
	ck_assert_int_eq(snap_com_load(d, NULL, 2, err, sizeof(err)), 0);
	ck_assert_int_eq(snap_com_load(d, NULL, 1, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "devices.uart1: COM2 is in the snapshot but not in this machine");
	ck_assert_int_eq(snap_com_load(d, &v, 3, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "devices.uart3: COM4 is not in the snapshot but in this machine");
	ck_assert(snap_kv_set_u64(&snap_device_add(d, "uart1")->st, "dll", 0x100));
	ck_assert_int_eq(snap_com_load(d, &v, 1, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "devices.uart1.dll: missing or invalid");
	uart16550_destroy(&u);
	uart16550_destroy(&v);
	snapshot_free(s);
	snapshot_free(d);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("snapshot_pc");
	TCase *t = tcase_create("pc");
	SRunner *r;
	int failed;

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, round_trip_keeps_port_and_iomem);
	tcase_add_test(t, absent_device);
	tcase_add_test(t, bad_values_refused);
	tcase_add_test(t, com_ports);
	suite_add_tcase(s, t);
	r = srunner_create(s);
	srunner_run_all(r, CK_NORMAL);
	failed = srunner_ntests_failed(r);
	srunner_free(r);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
