// SPDX-License-Identifier: MIT
/*
 * The PC platform's optional devices in snapshots (snap_pc.c): QEMU's
 * pc-testdev, written through its ports and iomem, goes through CBOR
 * into a second device that then reads back the same; a snapshot
 * without it clears the device; one with it does not load into a
 * machine without it; each bad value is refused with its key named.
 * fw_cfg half way through a read, the power and reset registers half way
 * through "Shutdown" and the ACPI PM1a registers the same way.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snap_test_util.h"
#include "devices/acpi_pm.h"
#include "devices/fw_cfg.h"
#include "devices/pc_power.h"
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

/* ---- fw_cfg, power and ACPI PM1 registers (snap_platform.c) -------------- */

struct platdev {
	struct io_bus pio;
	struct fw_cfg f;
	struct pc_power p;
	struct acpi_pm pm;
	int requests;              /* power-off/reset requests seen */
};

static void on_request(void *opaque, enum power_request req, const char *src)
{
	((struct platdev *)opaque)->requests++;
}

static void plat_init(struct platdev *x)
{
	io_bus_init(&x->pio, "pio");
	fw_cfg_init(&x->f, &gm);
	ck_assert_int_eq(fw_cfg_add_file(&x->f, "etc/test", "0123456789", 10), 0);
	ck_assert_int_eq(fw_cfg_attach(&x->f, &x->pio), 0);
	pc_power_init(&x->p, on_request, x);
	ck_assert_int_eq(pc_power_attach(&x->p, &x->pio), 0);
	acpi_pm_init(&x->pm, on_request, x);
	ck_assert_int_eq(acpi_pm_attach(&x->pm, &x->pio, ACPI_PM_BASE), 0);
	x->requests = 0;
}

static struct snapshot_machine *save_plat(const struct platdev *x)
{
	struct snapshot_machine *s = make_machine(&gm, 1), *d;
	uint8_t *buf;
	size_t len;

	ck_assert(snap_fw_cfg_save(s, &x->f) && snap_power_save(s, &x->p) &&
		  snap_acpi_pm_save(s, &x->pm));
	ck_assert_msg(!snapshot_encode(s, &buf, &len, err, sizeof(err)), "%s", err);
	d = snapshot_decode(buf, len, err, sizeof(err));
	ck_assert_msg(d, "%s", err);
	free(buf);
	snapshot_free(s);
	return d;
}

static int load_plat(const struct snapshot_machine *s, struct platdev *x)
{
	return snap_fw_cfg_load(s, &x->f, err, sizeof(err)) ||
	       snap_power_load(s, &x->p, err, sizeof(err)) ||
	       snap_acpi_pm_load(s, &x->pm, err, sizeof(err)) ? -1 : 0;
}

/* A guest half way through things: 4 bytes of etc/test read, the DMA
 * address's high half latched, SYS_RST set, A20 off, POST 0x42, "Shut"
 * written to 0x8900, PM1_EN and SLP_TYP written. */
static void plat_program(struct platdev *x)
{
	io_bus_write(&x->pio, FW_CFG_PORT_SEL, 2, FW_CFG_FILE_FIRST);
	for (int i = 0; i < 4; i++)
		io_bus_read(&x->pio, FW_CFG_PORT_SEL + 1, 1);
	io_bus_write(&x->pio, FW_CFG_PORT_DMA, 4, __builtin_bswap32(0x1));
	io_bus_write(&x->pio, PC_RESET_CONTROL, 1, RCR_SYS_RST);
	io_bus_write(&x->pio, PC_PORT_A, 1, 0);
	io_bus_write(&x->pio, PC_POST_PORT, 1, 0x42);
	for (const char *c = "Shut"; *c; c++)
		io_bus_write(&x->pio, PC_SHUTDOWN_PORT, 1, (uint8_t)*c);
	io_bus_write(&x->pio, ACPI_PM_BASE + 2, 2, 0x0120);
	io_bus_write(&x->pio, ACPI_PM_BASE + 4, 2, 0x1400);
}

START_TEST(platform_round_trip)
{
	struct platdev *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
	struct snapshot_machine *s;

	plat_init(a);
	plat_init(b);
	plat_program(a);
	s = save_plat(a);
	ck_assert_msg(!load_plat(s, b), "%s", err);
	/* The read goes on at byte 4 of the file. */
	ck_assert_uint_eq(io_bus_read(&b->pio, FW_CFG_PORT_SEL + 1, 1), '4');
	ck_assert_uint_eq(io_bus_read(&b->pio, FW_CFG_PORT_SEL + 1, 1), '5');
	ck_assert_uint_eq(b->f.dma_addr, 1ull << 32);
	ck_assert_uint_eq(io_bus_read(&b->pio, PC_RESET_CONTROL, 1), RCR_SYS_RST);
	ck_assert_uint_eq(io_bus_read(&b->pio, PC_PORT_A, 1), 0);
	ck_assert_uint_eq(b->p.post, 0x42);
	ck_assert(b->p.post_written);
	ck_assert_uint_eq(io_bus_read(&b->pio, ACPI_PM_BASE + 2, 2), 0x0120);
	ck_assert_uint_eq(io_bus_read(&b->pio, ACPI_PM_BASE + 4, 2), 0x1401);
	/* "down" completes the "Shut" the snapshot had seen. */
	for (const char *c = "dow"; *c; c++)
		io_bus_write(&b->pio, PC_SHUTDOWN_PORT, 1, (uint8_t)*c);
	ck_assert_int_eq(b->requests, 0);
	io_bus_write(&b->pio, PC_SHUTDOWN_PORT, 1, 'n');
	ck_assert_int_eq(b->requests, 1);
	snapshot_free(s);
	fw_cfg_destroy(&a->f);
	fw_cfg_destroy(&b->f);
	free(a);
	free(b);
}
END_TEST

/* Written before these devices were saved: their reset state. */
START_TEST(platform_absent_is_reset)
{
	struct platdev *a = calloc(1, sizeof(*a));
	struct snapshot_machine *s = make_machine(&gm, 1);

	plat_init(a);
	plat_program(a);
	ck_assert_msg(!load_plat(s, a), "%s", err);
	ck_assert_uint_eq(io_bus_read(&a->pio, FW_CFG_PORT_SEL + 1, 1), 'Q');
	ck_assert_uint_eq(a->f.dma_addr, 0);
	ck_assert_uint_eq(io_bus_read(&a->pio, PC_RESET_CONTROL, 1), 0);
	ck_assert_uint_eq(io_bus_read(&a->pio, PC_PORT_A, 1), PORT_A_A20);
	ck_assert_uint_eq(a->p.shutdown_index, 0);
	ck_assert_uint_eq(io_bus_read(&a->pio, ACPI_PM_BASE + 2, 2), 0);
	ck_assert_uint_eq(io_bus_read(&a->pio, ACPI_PM_BASE + 4, 2), PM1_CNT_SCI_EN);
	io_bus_write(&a->pio, PC_RESET_CONTROL, 1, RCR_RST_CPU);   /* still wired */
	ck_assert_int_eq(a->requests, 1);
	snapshot_free(s);
	fw_cfg_destroy(&a->f);
	free(a);
}
END_TEST

START_TEST(platform_bad_values_refused)
{
	static const struct {
		const char *dev, *key;
		int bytes;              /* 1: a byte string instead */
		uint64_t v;
	} bad[] = {
		{ "fw_cfg", "key", 0, 0x10000 },
		{ "fw_cfg", "key", 0, FW_CFG_WRITE_FLAG | 1 },
		{ "fw_cfg", "offset", 0, 1ull << 32 },
		{ "fw_cfg", "dma_addr", 0, (1ull << 32) | 8 },
		{ "fw_cfg", "dma_addr", 1, 0 },
		{ "power", "rcr", 0, RCR_RST_CPU },
		{ "power", "rcr", 0, 1 },
		{ "power", "port_a", 0, 0x100 },
		{ "power", "post", 0, 0x100 },
		{ "power", "post_written", 0, 2 },
		{ "power", "shutdown", 0, 8 },
		{ "power", "shutdown", 1, 0 },
		{ "acpi_pm", "sts", 0, 0x10000 },
		{ "acpi_pm", "en", 1, 0 },
		{ "acpi_pm", "cnt", 0, 0 },
		{ "acpi_pm", "cnt", 0, PM1_CNT_SCI_EN | PM1_CNT_SLP_EN },
	};
	struct platdev *a = calloc(1, sizeof(*a));

	plat_init(a);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct snapshot_machine *s = save_plat(a);
		struct snap_kvset *st = &snap_device_add(s, bad[i].dev)->st;
		char want[128];

		if (bad[i].bytes)
			ck_assert(snap_kv_set_bytes(st, bad[i].key, "x", 1));
		else
			ck_assert(snap_kv_set_u64(st, bad[i].key, bad[i].v));
		ck_assert_msg(load_plat(s, a) == -1, "%s.%s (case %zu) accepted",
			      bad[i].dev, bad[i].key, i);
		snprintf(want, sizeof(want), "devices.%s.%s: missing or invalid",
			 bad[i].dev, bad[i].key);
		ck_assert_str_eq(err, want);
		snapshot_free(s);
	}
	fw_cfg_destroy(&a->f);
	free(a);
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
	tcase_add_test(t, platform_round_trip);
	tcase_add_test(t, platform_absent_is_reset);
	tcase_add_test(t, platform_bad_values_refused);
	suite_add_tcase(s, t);
	r = srunner_create(s);
	srunner_run_all(r, CK_NORMAL);
	failed = srunner_ntests_failed(r);
	srunner_free(r);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
