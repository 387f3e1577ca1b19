// SPDX-License-Identifier: MIT
/* fw_cfg (devices/fw_cfg.c) driven through the port bus as a guest would:
 * selection, byte reads, the sorted file directory, DMA. */
#include <check.h>
#include <errno.h>
#include <string.h>

#include "devices/fw_cfg.h"
#include "devices/io_bus.h"
#include "memory/guest_mem.h"

static struct io_bus pio;
static struct guest_mem mem;
static struct fw_cfg fw;

static void setup(void)
{
	io_bus_init(&pio, "pio");
	ck_assert_int_eq(gmem_init(&mem, 4 << 20), 0);
	fw_cfg_init(&fw, &mem);
	ck_assert_int_eq(fw_cfg_attach(&fw, &pio), 0);
}

static void teardown(void)
{
	fw_cfg_destroy(&fw);
	gmem_destroy(&mem);
}

static void sel(uint16_t key)
{
	io_bus_write(&pio, 0x510, 2, key);
}

static void rd(void *buf, unsigned n)
{
	uint8_t *b = buf;

	for (unsigned i = 0; i < n; i++)
		b[i] = (uint8_t)io_bus_read(&pio, 0x511, 1);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

START_TEST(signature_and_id)
{
	char sig[5] = { 0 };
	uint8_t id[4];

	/* Reset selects the signature. */
	rd(sig, 4);
	ck_assert_str_eq(sig, "QEMU");
	ck_assert_uint_eq(io_bus_read(&pio, 0x511, 1), 0);  /* past the end */
	sel(FW_CFG_ID);
	rd(id, 4);
	ck_assert_uint_eq(id[0], FW_CFG_VERSION | FW_CFG_VERSION_DMA);
	ck_assert_uint_eq(id[1] | id[2] | id[3], 0);
}
END_TEST

START_TEST(select_restarts_and_sizes)
{
	uint8_t v[8];

	ck_assert_int_eq(fw_cfg_add_i64(&fw, FW_CFG_RAM_SIZE, 0x0102030405060708ull), 0);
	sel(FW_CFG_RAM_SIZE);
	rd(v, 3);
	ck_assert_uint_eq(v[0], 0x08);
	sel(FW_CFG_RAM_SIZE);            /* the offset goes back to 0 */
	rd(v, 8);
	ck_assert_uint_eq(v[0], 0x08);
	ck_assert_uint_eq(v[7], 0x01);
	/* 16/32-bit reads are invalid: 0, and the offset does not move. */
	sel(FW_CFG_RAM_SIZE);
	ck_assert_uint_eq(io_bus_read(&pio, 0x511, 2), 0);
	ck_assert_uint_eq(io_bus_read(&pio, 0x510, 4), 0);
	/* An 8-bit read of 0x510 reads data, like 0x511. */
	ck_assert_uint_eq(io_bus_read(&pio, 0x510, 1), 0x08);
	ck_assert_uint_eq(io_bus_read(&pio, 0x511, 1), 0x07);
	/* 8- and 32-bit writes do not select; a 16-bit write to 0x511 does. */
	io_bus_write(&pio, 0x510, 1, FW_CFG_SIGNATURE);
	io_bus_write(&pio, 0x510, 4, FW_CFG_SIGNATURE);
	ck_assert_uint_eq(io_bus_read(&pio, 0x511, 1), 0x06);
	io_bus_write(&pio, 0x511, 2, FW_CFG_SIGNATURE);
	ck_assert_uint_eq(io_bus_read(&pio, 0x511, 1), 'Q');
	/* The write flag is ignored: the same item. */
	sel(FW_CFG_WRITE_FLAG | FW_CFG_RAM_SIZE);
	ck_assert_uint_eq(io_bus_read(&pio, 0x511, 1), 0x08);
}
END_TEST

START_TEST(unknown_keys_read_zero)
{
	static const uint16_t keys[] = { 0x1f, 0x3fff, 0x8010, 0x30, 0xffff };

	for (unsigned k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		sel(keys[k]);
		for (int i = 0; i < 4; i++)
			ck_assert_uint_eq(io_bus_read(&pio, 0x511, 1), 0);
	}
	/* Keys at or above 0x20 are the files'; no plain items there. */
	ck_assert_int_eq(fw_cfg_add_i16(&fw, 0x20, 1), -EINVAL);
}
END_TEST

START_TEST(files_sorted_in_directory)
{
	uint8_t d[4 + 3 * 64], v[4];

	ck_assert_int_eq(fw_cfg_add_file(&fw, "etc/zz", "zzzz", 4), 0);
	ck_assert_int_eq(fw_cfg_add_file(&fw, "etc/aa", "a", 1), 0);
	ck_assert_int_eq(fw_cfg_add_file(&fw, "bootorder", "", 0), 0);
	sel(FW_CFG_FILE_DIR);
	rd(d, sizeof(d));
	ck_assert_uint_eq(be32(d), 3);
	ck_assert_str_eq((char *)d + 4 + 8, "bootorder");
	ck_assert_str_eq((char *)d + 4 + 64 + 8, "etc/aa");
	ck_assert_str_eq((char *)d + 4 + 128 + 8, "etc/zz");
	ck_assert_uint_eq(be32(d + 4 + 128), 4);                    /* size */
	ck_assert_uint_eq(d[4 + 128 + 4] << 8 | d[4 + 128 + 5], 0x22); /* key */
	sel(0x22);
	rd(v, 4);
	ck_assert_int_eq(memcmp(v, "zzzz", 4), 0);
	/* Replacing a file keeps one entry. */
	ck_assert_int_eq(fw_cfg_add_file(&fw, "etc/aa", "bb", 2), 0);
	ck_assert_uint_eq(fw.nr_files, 3);
	sel(0x21);
	rd(v, 2);
	ck_assert_int_eq(memcmp(v, "bb", 2), 0);
	ck_assert_int_eq(fw_cfg_add_file(&fw, "", "", 0), -EINVAL);
}
END_TEST

/* A FWCfgDmaAccess at desc: big-endian control, length, address. */
static uint32_t dma(uint64_t desc, uint32_t control, uint32_t len, uint64_t addr)
{
	uint8_t d[16];
	uint32_t out;

	for (int i = 0; i < 4; i++) {
		d[i] = (uint8_t)(control >> (24 - 8 * i));
		d[4 + i] = (uint8_t)(len >> (24 - 8 * i));
	}
	for (int i = 0; i < 8; i++)
		d[8 + i] = (uint8_t)(addr >> (56 - 8 * i));
	ck_assert(gmem_write(&mem, desc, d, 16));
	io_bus_write(&pio, 0x514, 4, __builtin_bswap32((uint32_t)(desc >> 32)));
	io_bus_write(&pio, 0x518, 4, __builtin_bswap32((uint32_t)desc));
	ck_assert(gmem_read_u32(&mem, desc, &out));
	return __builtin_bswap32(out);
}

START_TEST(dma_read_skip_write)
{
	uint8_t buf[8];

	/* The DMA register reads "QEMU CFG" in address order. */
	ck_assert_uint_eq(io_bus_read(&pio, 0x514, 4), 0x554d4551);
	ck_assert_uint_eq(io_bus_read(&pio, 0x518, 4), 0x47464320);
	ck_assert_uint_eq(io_bus_read(&pio, 0x51b, 1), 'G');
	ck_assert(gmem_fill(&mem, 0x2000, 0xaa, 8));
	/* Select the signature, read 6: 4 bytes of data then 2 zeros. */
	ck_assert_uint_eq(dma(0x1000, FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_READ,
			      6, 0x2000), 0);
	ck_assert(gmem_read(&mem, 0x2000, buf, 8));
	ck_assert_int_eq(memcmp(buf, "QEMU\0\0\xaa\xaa", 8), 0);
	/* Skip 1 byte of the ID, then the port reads the next. */
	ck_assert_int_eq(fw_cfg_add_i32(&fw, FW_CFG_ID, 0x44332211), 0);
	ck_assert_uint_eq(dma(0x1000, FW_CFG_ID << 16 | FW_CFG_DMA_CTL_SELECT |
			      FW_CFG_DMA_CTL_SKIP, 1, 0), 0);
	ck_assert_uint_eq(io_bus_read(&pio, 0x511, 1), 0x22);
	/* Writes are refused; a read into no RAM fails. */
	ck_assert_uint_eq(dma(0x1000, FW_CFG_DMA_CTL_WRITE, 2, 0x2000),
			  FW_CFG_DMA_CTL_ERROR);
	ck_assert_uint_eq(dma(0x1000, FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_READ,
			      4, 64ull << 20), FW_CFG_DMA_CTL_ERROR);
	/* No operation bit: nothing moves, success. */
	ck_assert_uint_eq(dma(0x1000, FW_CFG_DMA_CTL_SELECT, 4, 0x2000), 0);
	ck_assert_uint_eq(io_bus_read(&pio, 0x511, 1), 'Q');
}
END_TEST

int main(void)
{
	Suite *s = suite_create("fw_cfg");
	TCase *tc = tcase_create("fw_cfg");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, signature_and_id);
	tcase_add_test(tc, select_restarts_and_sizes);
	tcase_add_test(tc, unknown_keys_read_zero);
	tcase_add_test(tc, files_sorted_in_directory);
	tcase_add_test(tc, dma_read_skip_write);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
