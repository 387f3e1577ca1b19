// SPDX-License-Identifier: MIT
#include "loader/linux.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "loader/boot.h"
#include "loader/entry32.h"
#include "loader/pc_memmap.h"
#include "loader/load_error.h"
#include "loader/initrd.h"

#define PAGE 0x1000ull
/* The header ends at 0x202 + the byte offset of the setup's jump; the
 * largest header boot.rst defines (2.15) ends before 0x290. */
#define LX_HEADER_END_MAX 0x290
#define LX_XLF_CAN_BE_LOADED_ABOVE_4G (1u << 1)

static uint32_t rd(const uint8_t *b, size_t off, unsigned n)
{
	uint32_t v = 0;

	for (unsigned i = 0; i < n; i++)
		v |= (uint32_t)b[off + i] << (8 * i);
	return v;
}

bool linux_detect(const void *buf, size_t len)
{
	return len >= LX_HEADER + 4 && rd(buf, LX_HEADER, 4) == LX_MAGIC;
}

struct lx_image {
	const uint8_t *buf;
	size_t len;
	uint16_t version;
	size_t kernel_off;        /* the protected-mode kernel in the file */
	uint64_t kernel_len;
	uint64_t mem_len;         /* init_size, or the kernel's length */
	bool entry64;
};

static int check_image(struct lx_image *k, struct guest_mem *gm, char *err,
		       size_t errlen)
{
	const uint8_t *b = k->buf;
	unsigned sects;

	if (k->len < LX_INIT_SIZE + 4)
		return loader_fail(-ENOEXEC, err, errlen,
				   "truncated bzImage (%zu bytes)", k->len);
	k->version = (uint16_t)rd(b, LX_VERSION, 2);
	if (k->version < LX_MIN_VERSION)
		return loader_fail(-ENOEXEC, err, errlen,
				   "Linux boot protocol %u.%02u is too old (vmxbox needs 2.06 or later)",
				   k->version >> 8, k->version & 0xff);
	if (!(b[LX_LOADFLAGS] & LX_LOADED_HIGH))
		return loader_fail(-ENOEXEC, err, errlen,
				   "zImage (kernel loaded low) is not supported: use a bzImage");
	sects = b[LX_SETUP_SECTS] ? b[LX_SETUP_SECTS] : 4;
	k->kernel_off = (size_t)(sects + 1) * 512;
	if (k->kernel_off >= k->len)
		return loader_fail(-ENOEXEC, err, errlen,
				   "truncated bzImage: %u setup sectors but %zu bytes",
				   sects, k->len);
	k->kernel_len = k->len - k->kernel_off;
	k->mem_len = k->kernel_len;
	if (k->version >= 0x020a && rd(b, LX_INIT_SIZE, 4) > k->mem_len)
		k->mem_len = rd(b, LX_INIT_SIZE, 4);
	if (LX_KERNEL_ADDR + k->mem_len > gm->low)
		return loader_fail(-ERANGE, err, errlen,
				   "the kernel needs 0x%llx bytes at 1 MiB (init_size) but RAM ends at 0x%llx",
				   (unsigned long long)k->mem_len,
				   (unsigned long long)gm->low);
	k->entry64 = k->version >= 0x020c &&
		     (rd(b, LX_XLOADFLAGS, 2) & LX_XLF_KERNEL_64);
	return 0;
}

static void write_zero_page(struct guest_mem *gm, const struct lx_image *k)
{
	size_t end = LX_HEADER + (size_t)k->buf[LX_JUMP + 1];
	struct pc_mem_region r[PC_MEMMAP_MAX];
	unsigned n = pc_memmap(gm->size, r);

	if (end > LX_HEADER_END_MAX)
		end = LX_HEADER_END_MAX;
	gmem_fill(gm, LX_BOOT_PARAMS, 0, PAGE);
	gmem_write(gm, LX_BOOT_PARAMS + LX_SETUP_SECTS, k->buf + LX_SETUP_SECTS,
		   end - LX_SETUP_SECTS);
	gmem_write_u16(gm, LX_BOOT_PARAMS + LX_VID_MODE, 0xffff);
	gmem_write_u8(gm, LX_BOOT_PARAMS + LX_TYPE_OF_LOADER, LX_LOADER_UNDEFINED);
	gmem_write_u8(gm, LX_BOOT_PARAMS + LX_LOADFLAGS,
		      k->buf[LX_LOADFLAGS] | LX_CAN_USE_HEAP);
	gmem_write_u16(gm, LX_BOOT_PARAMS + LX_HEAP_END_PTR, 0xfe00 - 0x200);
	gmem_write_u32(gm, LX_BOOT_PARAMS + LX_CMD_LINE_PTR, (uint32_t)LX_CMDLINE);
	gmem_write_u32(gm, LX_BOOT_PARAMS + BP_ALT_MEM_K, pc_mem_upper_kib(gm->size));
	gmem_write_u8(gm, LX_BOOT_PARAMS + BP_E820_ENTRIES, (uint8_t)n);
	for (unsigned i = 0; i < n; i++) {
		uint64_t e = LX_BOOT_PARAMS + BP_E820_TABLE + i * 20;

		gmem_write_u64(gm, e, r[i].base);
		gmem_write_u64(gm, e + 8, r[i].len);
		gmem_write_u32(gm, e + 16, r[i].type);
	}
}

/* The kernel's cmdline_size caps the command line (boot.rst). */
static int write_cmdline(struct guest_mem *gm, const struct lx_image *k,
			 const char *cmdline, char *err, size_t errlen)
{
	uint32_t max = rd(k->buf, LX_CMDLINE_SIZE, 4);

	if (max > LX_CMDLINE_MAX)
		max = LX_CMDLINE_MAX;
	return loader_write_cmdline(gm, LX_CMDLINE, cmdline, max, "the kernel",
				    err, errlen);
}

/* The initrd goes page-aligned as high as the kernel allows (boot.rst:
 * below initrd_addr_max), above the kernel's init_size. */
static int load_initrd(struct guest_mem *gm, const struct lx_image *k,
		       const char *path, char *err, size_t errlen)
{
	uint64_t top = rd(k->buf, LX_INITRD_MAX, 4) + 1ull;
	uint64_t ram_top = PC_HIGH_RAM + ((uint64_t)pc_mem_upper_kib(gm->size) << 10);
	uint64_t floor = LX_KERNEL_ADDR + k->mem_len, at, len;
	int ret;

	if (top > ram_top)
		top = ram_top;
	ret = loader_load_initrd(gm, path, floor, top, &at, &len, err, errlen);
	if (ret)
		return ret;
	gmem_write_u32(gm, LX_BOOT_PARAMS + LX_RAMDISK_IMAGE, (uint32_t)at);
	gmem_write_u32(gm, LX_BOOT_PARAMS + LX_RAMDISK_SIZE, (uint32_t)len);
	return 0;
}

/* __BOOT_CS at 0x10 and __BOOT_DS at 0x18 (boot.rst, "32-bit/64-bit
 * boot protocol"). */
static void enter(struct guest_mem *gm, const struct lx_image *k,
		  struct cpu_state *s, struct elf_image *img)
{
	uint64_t gdt[4] = { 0, 0, k->entry64 ? GDT_FLAT_CODE64 : GDT_FLAT_CODE32,
			    GDT_FLAT_DATA };
	struct entry32 e = { .gdt = LX_GDT, .gdt_limit = sizeof(gdt) - 1,
			     .cs = LX_SEL_CS, .ds = LX_SEL_DS,
			     .esp = LX_STACK_TOP };

	gmem_fill(gm, LX_GDT, 0, 0x100);
	entry32_write_gdt(gm, LX_GDT, gdt, 4);
	if (k->entry64) {
		/* startup_64 is 0x200 past the 32-bit entry. */
		e.eip = (uint32_t)(LX_KERNEL_ADDR + 0x200);
		boot_write_identity_map(gm);
		entry64_state(s, &e, BOOT_PML4);
	} else {
		e.eip = (uint32_t)LX_KERNEL_ADDR;
		entry32_state(s, &e);
	}
	s->gpr[GPR_RSI] = LX_BOOT_PARAMS;
	*img = (struct elf_image){ .entry = e.eip, .start = LX_KERNEL_ADDR,
				   .end = LX_KERNEL_ADDR + k->kernel_len,
				   .nr_segments = 1 };
}

int linux_load(struct guest_mem *gm, const void *buf, size_t len,
	       const char *cmdline, const char *initrd, struct cpu_state *s,
	       struct elf_image *img, char *err, size_t errlen)
{
	struct lx_image k = { .buf = buf, .len = len };
	int ret;

	if (!linux_detect(buf, len))
		return loader_fail(-ENOEXEC, err, errlen, "not a bzImage (no HdrS)");
	ret = check_image(&k, gm, err, errlen);
	if (ret)
		return ret;
	write_zero_page(gm, &k);
	ret = write_cmdline(gm, &k, cmdline ? cmdline : "", err, errlen);
	if (!ret && initrd)
		ret = load_initrd(gm, &k, initrd, err, errlen);
	if (ret)
		return ret;
	gmem_write(gm, LX_KERNEL_ADDR, k.buf + k.kernel_off, k.kernel_len);
	enter(gm, &k, s, img);
	return 0;
}
