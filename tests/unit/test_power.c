// SPDX-License-Identifier: MIT
/* The power-off and reset ports (devices/pc_power.c) and the ACPI PM1a
 * blocks (devices/acpi_pm.c), through the port bus. */
#include <check.h>
#include <string.h>

#include "devices/acpi_pm.h"
#include "devices/io_bus.h"
#include "devices/pc_power.h"

static struct io_bus pio;
static struct pc_power pw;
static struct acpi_pm pm;
static int requests, last_req;
static const char *last_src;

static void on_request(void *opaque, enum power_request req, const char *src)
{
	requests++;
	last_req = req;
	last_src = src;
}

static void setup(void)
{
	io_bus_init(&pio, "pio");
	pc_power_init(&pw, on_request, NULL);
	acpi_pm_init(&pm, on_request, NULL);
	ck_assert_int_eq(pc_power_attach(&pw, &pio), 0);
	ck_assert_int_eq(acpi_pm_attach(&pm, &pio, 0x600), 0);
	requests = 0;
	last_src = NULL;
}

static void out_str(const char *s)
{
	while (*s)
		io_bus_write(&pio, 0x8900, 1, (uint8_t)*s++);
}

START_TEST(shutdown_port)
{
	out_str("Shutdow");
	ck_assert_int_eq(requests, 0);
	out_str("x");                    /* a wrong byte starts again */
	out_str("nShutdow");
	ck_assert_int_eq(requests, 0);
	out_str("n");
	ck_assert_int_eq(requests, 1);
	ck_assert_int_eq(last_req, POWER_OFF);
	out_str("SShutdown");            /* an 'S' restarts the match at 1 */
	ck_assert_int_eq(requests, 2);
	io_bus_write(&pio, 0x8900, 2, 'S');
	ck_assert_uint_eq(pw.shutdown_index, 0);   /* only byte writes */
	ck_assert_uint_eq(io_bus_read(&pio, 0x8900, 1), 0xff);
}
END_TEST

START_TEST(reset_control_and_port_a)
{
	ck_assert_uint_eq(io_bus_read(&pio, 0xcf9, 1), 0);
	io_bus_write(&pio, 0xcf9, 1, 0x0a);      /* SYS_RST kept, bit 3 not */
	ck_assert_uint_eq(io_bus_read(&pio, 0xcf9, 1), 0x02);
	ck_assert_int_eq(requests, 0);
	io_bus_write(&pio, 0xcf9, 1, 0x06);
	ck_assert_int_eq(requests, 1);
	ck_assert_int_eq(last_req, POWER_RESET);
	ck_assert_str_eq(last_src, "reset control register 0xcf9");
	ck_assert_uint_eq(io_bus_read(&pio, 0x92, 1), 0x02);
	io_bus_write(&pio, 0x92, 1, 0x02);
	ck_assert_int_eq(requests, 1);
	io_bus_write(&pio, 0x92, 1, 0x03);       /* bit 0 rising: reset */
	ck_assert_int_eq(requests, 2);
	io_bus_write(&pio, 0x92, 1, 0x03);       /* still 1: no edge */
	ck_assert_int_eq(requests, 2);
	ck_assert_uint_eq(io_bus_read(&pio, 0x92, 1), 0x03);
	io_bus_write(&pio, 0x80, 1, 0x42);
	ck_assert_uint_eq(pw.post, 0x42);
	ck_assert_uint_eq(io_bus_read(&pio, 0x80, 1), 0xff);
}
END_TEST

START_TEST(acpi_pm1)
{
	ck_assert_uint_eq(io_bus_read(&pio, 0x604, 2), PM1_CNT_SCI_EN);
	io_bus_write(&pio, 0x604, 2, 0);         /* SCI_EN stays 1 */
	ck_assert_uint_eq(io_bus_read(&pio, 0x604, 2), PM1_CNT_SCI_EN);
	io_bus_write(&pio, 0x602, 2, 0x0121);
	ck_assert_uint_eq(io_bus_read(&pio, 0x602, 2), 0x0121);
	ck_assert_uint_eq(io_bus_read(&pio, 0x600, 4), 0x01210000);
	io_bus_write(&pio, 0x603, 1, 0x00);      /* one byte of PM1_EN */
	ck_assert_uint_eq(io_bus_read(&pio, 0x602, 2), 0x0021);
	/* Sleep type 5 with SLP_EN: not S5 here, nothing happens; the type
	 * reads back, SLP_EN does not. */
	io_bus_write(&pio, 0x604, 2, 5 << 10 | PM1_CNT_SLP_EN);
	ck_assert_int_eq(requests, 0);
	ck_assert_uint_eq(io_bus_read(&pio, 0x604, 2), 5 << 10 | PM1_CNT_SCI_EN);
	io_bus_write(&pio, 0x604, 2, PM1_CNT_SLP_EN);   /* SLP_TYP 0: S5 */
	ck_assert_int_eq(requests, 1);
	ck_assert_int_eq(last_req, POWER_OFF);
	ck_assert_str_eq(last_src, "ACPI S5: SLP_EN in PM1a_CNT 0x604");
	/* The PM timer's port is not this device's. */
	ck_assert_ptr_null(io_bus_find(&pio, 0x608));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("power");
	TCase *tc = tcase_create("power");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, shutdown_port);
	tcase_add_test(tc, reset_control_and_port_a);
	tcase_add_test(tc, acpi_pm1);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
