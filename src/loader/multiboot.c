// SPDX-License-Identifier: MIT
#include "loader/multiboot.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "loader/entry32.h"
#include "loader/file_map.h"
#include "loader/pc_memmap.h"
#include "loader/load_error.h"

#define PAGE 0x1000ull
#define ALIGN_UP(x, a) (((x) + (a) - 1) & ~((uint64_t)(a) - 1))

/* Requirement bits (0-15) this loader honours; the others are unknown. */
#define MB_HF_KNOWN (MB_HF_PAGE_ALIGN | MB_HF_MEMINFO | MB_HF_VIDEO)

/* Byte offsets in the multiboot information structure (spec 3.3). */
enum {
	MBI_FLAGS = 0, MBI_MEM_LOWER = 4, MBI_MEM_UPPER = 8,
	MBI_BOOT_DEVICE = 12, MBI_CMDLINE = 16, MBI_MODS_COUNT = 20,
	MBI_MODS_ADDR = 24, MBI_MMAP_LENGTH = 44, MBI_MMAP_ADDR = 48,
	MBI_LOADER_NAME = 64, MBI_SIZE = 128,
};
#define MB_MODULE_SIZE 16
#define MB_MMAP_ENTRY  24      /* size field (4) + 20 bytes it counts */
#define MB_LOADER_NAME "vmxbox"
/* "No BIOS boot drive": drive 0x80 with every partition 0xff, as QEMU. */
#define MB_BOOT_DEVICE 0x8000ffffu

bool mb_find_header(const void *buf, size_t len, struct mb_header *h)
{
	const uint8_t *b = buf;
	size_t end = len < MB_SEARCH_LEN ? len : MB_SEARCH_LEN;

	/* Spec 3.1.1: 32-bit aligned, entirely within the first 8192 bytes;
	 * magic + flags + checksum sum to zero. */
	for (size_t off = 0; off + 12 <= end; off += 4) {
		const uint8_t *p = b + off;

		if (loader_le32(p) != MB_HEADER_MAGIC ||
		    (uint32_t)(loader_le32(p) + loader_le32(p + 4) + loader_le32(p + 8)) != 0)
			continue;
		memset(h, 0, sizeof(*h));
		h->offset = (uint32_t)off;
		h->flags = loader_le32(p + 4);
		if (off + 32 <= len) {
			h->header_addr = loader_le32(p + 12);
			h->load_addr = loader_le32(p + 16);
			h->load_end_addr = loader_le32(p + 20);
			h->bss_end_addr = loader_le32(p + 24);
			h->entry_addr = loader_le32(p + 28);
		}
		return true;
	}
	return false;
}

/* Header flag 16: the header's address fields say where the file goes. */
static int load_aout_kludge(struct guest_mem *gm, const uint8_t *buf,
			    size_t len, const struct mb_header *h,
			    struct elf_image *img, char *err, size_t errlen)
{
	uint64_t file_off, load_len, mem_end;

	if (h->offset + 32 > len)
		return loader_fail(-ENOEXEC, err, errlen,
				   "multiboot header truncated (address fields past end of file)");
	if (h->header_addr < h->load_addr ||
	    h->header_addr - h->load_addr > h->offset)
		return loader_fail(-ENOEXEC, err, errlen,
				   "multiboot header_addr 0x%x / load_addr 0x%x do not match the header's file offset 0x%x",
				   h->header_addr, h->load_addr, h->offset);
	file_off = h->offset - (h->header_addr - h->load_addr);
	if (h->load_end_addr && h->load_end_addr < h->load_addr)
		return loader_fail(-ENOEXEC, err, errlen,
				   "multiboot load_end_addr 0x%x is below load_addr 0x%x",
				   h->load_end_addr, h->load_addr);
	load_len = h->load_end_addr ? h->load_end_addr - h->load_addr
				    : len - file_off;
	if (load_len > len - file_off)
		return loader_fail(-ENOEXEC, err, errlen,
				   "multiboot load_end_addr 0x%x is past the end of the file",
				   h->load_end_addr);
	mem_end = (uint64_t)h->load_addr + load_len;
	if (h->bss_end_addr) {
		if (h->bss_end_addr < mem_end)
			return loader_fail(-ENOEXEC, err, errlen,
					   "multiboot bss_end_addr 0x%x is below the loaded image end 0x%llx",
					   h->bss_end_addr, (unsigned long long)mem_end);
		mem_end = h->bss_end_addr;
	}
	if (h->load_addr < ELF_LOAD_MIN || mem_end > gm->low)
		return loader_fail(-ERANGE, err, errlen,
				   "multiboot image [0x%x, 0x%llx) is outside loadable RAM [0x%llx, 0x%llx)",
				   h->load_addr, (unsigned long long)mem_end,
				   ELF_LOAD_MIN, (unsigned long long)gm->low);
	if (h->entry_addr < h->load_addr || h->entry_addr >= mem_end)
		return loader_fail(-ENOEXEC, err, errlen,
				   "multiboot entry_addr 0x%x is outside the image [0x%x, 0x%llx)",
				   h->entry_addr, h->load_addr,
				   (unsigned long long)mem_end);
	gmem_write(gm, h->load_addr, buf + file_off, load_len);
	gmem_fill(gm, h->load_addr + load_len, 0,
		  mem_end - h->load_addr - load_len);
	*img = (struct elf_image){ .entry = h->entry_addr, .start = h->load_addr,
				   .end = mem_end, .nr_segments = 1 };
	return 0;
}

/* A bump allocator over [MB_INFO_ADDR, MB_AREA_END) for the info
 * structure, the memory map, the module list and the strings. */
struct mb_area {
	struct guest_mem *gm;
	uint64_t next;
};

static uint64_t area_alloc(struct mb_area *a, uint64_t len, uint64_t align)
{
	uint64_t at = ALIGN_UP(a->next, align);

	if (at + len > MB_AREA_END)
		return 0;
	a->next = at + len;
	return at;
}

/* Copy "s1 s2" (or s1 alone when s2 is NULL) NUL-terminated into the
 * area; 0 when it does not fit. */
static uint32_t area_str(struct mb_area *a, const char *s1, const char *s2)
{
	size_t l1 = strlen(s1), l2 = s2 ? strlen(s2) + 1 : 0;
	uint64_t at = area_alloc(a, l1 + l2 + 1, 1);

	if (!at)
		return 0;
	gmem_write(a->gm, at, s1, l1);
	if (s2) {
		gmem_write_u8(a->gm, at + l1, ' ');
		gmem_write(a->gm, at + l1 + 1, s2, l2 - 1);
	}
	gmem_write_u8(a->gm, at + l1 + l2, 0);
	return (uint32_t)at;
}

static void write_mmap(struct mb_area *a, uint64_t info)
{
	struct pc_mem_region r[PC_MEMMAP_MAX];
	unsigned n = pc_memmap(a->gm->size, r);
	uint64_t at = area_alloc(a, n * MB_MMAP_ENTRY, 8);

	for (unsigned i = 0; i < n; i++) {
		uint64_t e = at + i * MB_MMAP_ENTRY;

		gmem_write_u32(a->gm, e, MB_MMAP_ENTRY - 4);
		gmem_write_u64(a->gm, e + 4, r[i].base);
		gmem_write_u64(a->gm, e + 12, r[i].len);
		gmem_write_u32(a->gm, e + 20, r[i].type);
	}
	gmem_write_u32(a->gm, info + MBI_MMAP_LENGTH, n * MB_MMAP_ENTRY);
	gmem_write_u32(a->gm, info + MBI_MMAP_ADDR, (uint32_t)at);
}

/* Modules go page-aligned above the kernel image, in order. */
static int load_modules(struct mb_area *a, const struct mb_request *rq,
			uint64_t image_end, uint64_t info, char *err,
			size_t errlen)
{
	uint64_t at = ALIGN_UP(image_end, PAGE);
	uint64_t list;

	if (rq->nr_mods > MB_MAX_MODULES)
		return loader_fail(-E2BIG, err, errlen, "too many multiboot modules (%u, max %d)",
				   rq->nr_mods, MB_MAX_MODULES);
	list = area_alloc(a, (uint64_t)rq->nr_mods * MB_MODULE_SIZE, 4);
	for (unsigned i = 0; i < rq->nr_mods; i++) {
		const struct mb_module *m = &rq->mods[i];
		uint64_t e = list + i * MB_MODULE_SIZE;
		struct file_map f;
		uint32_t str;
		uint64_t len;
		int ret = file_map_open(&f, m->path, 1, err, errlen);

		if (ret)
			return ret;
		len = f.len;
		if (len > a->gm->low || at > a->gm->low - len ||
		    at + len > UINT32_MAX) {
			file_map_close(&f);
			return loader_fail(-E2BIG, err, errlen,
					   "module %s (%llu bytes) does not fit in RAM above the kernel at 0x%llx",
					   m->path, (unsigned long long)len,
					   (unsigned long long)at);
		}
		gmem_write(a->gm, at, f.data, len);
		file_map_close(&f);
		str = area_str(a, m->string, NULL);
		if (!str)
			return loader_fail(-E2BIG, err, errlen,
					   "module strings do not fit below 640 KiB");
		gmem_write_u32(a->gm, e, (uint32_t)at);
		gmem_write_u32(a->gm, e + 4, (uint32_t)(at + len));
		gmem_write_u32(a->gm, e + 8, str);
		gmem_write_u32(a->gm, e + 12, 0);
		at = ALIGN_UP(at + len, PAGE);
	}
	gmem_write_u32(a->gm, info + MBI_MODS_COUNT, rq->nr_mods);
	gmem_write_u32(a->gm, info + MBI_MODS_ADDR, (uint32_t)list);
	return 0;
}

static int write_info(struct guest_mem *gm, const struct mb_request *rq,
		      const struct elf_image *img, char *err, size_t errlen)
{
	struct mb_area a = { gm, MB_INFO_ADDR };
	uint64_t info = area_alloc(&a, MBI_SIZE, 8);
	const char *args = rq->append ? rq->append : "";
	uint32_t cmd;

	if (strlen(rq->image_name) + 1 + strlen(args) > MB_CMDLINE_MAX)
		return loader_fail(-E2BIG, err, errlen,
				   "command line too long (%zu bytes, max %d)",
				   strlen(rq->image_name) + 1 + strlen(args),
				   MB_CMDLINE_MAX);
	gmem_fill(gm, MB_INFO_ADDR, 0, MB_AREA_END - MB_INFO_ADDR);
	gmem_write_u32(gm, info + MBI_FLAGS, MB_INFO_MEMORY | MB_INFO_BOOTDEV |
		       MB_INFO_CMDLINE | MB_INFO_MODS | MB_INFO_MEM_MAP |
		       MB_INFO_LOADER_NAME);
	gmem_write_u32(gm, info + MBI_MEM_LOWER, pc_mem_lower_kib());
	gmem_write_u32(gm, info + MBI_MEM_UPPER, pc_mem_upper_kib(gm->size));
	gmem_write_u32(gm, info + MBI_BOOT_DEVICE, MB_BOOT_DEVICE);
	write_mmap(&a, info);
	gmem_write_u32(gm, info + MBI_LOADER_NAME,
		       area_str(&a, MB_LOADER_NAME, NULL));
	/* "<image name> <args>", as QEMU hands it over (with the space
	 * even when there are no args). */
	cmd = area_str(&a, rq->image_name, args);
	if (!cmd)
		return loader_fail(-E2BIG, err, errlen, "command line does not fit below 640 KiB");
	gmem_write_u32(gm, info + MBI_CMDLINE, cmd);
	return load_modules(&a, rq, img->end, info, err, errlen);
}

static const uint64_t mb_gdt[] = { 0, GDT_FLAT_CODE32, GDT_FLAT_DATA };

int mb_load(struct guest_mem *gm, const void *buf, size_t len,
	    const struct mb_request *rq, struct cpu_state *s,
	    struct elf_image *img, char *err, size_t errlen)
{
	struct mb_header h;
	struct entry32 e;
	int ret;

	if (!mb_find_header(buf, len, &h))
		return loader_fail(-ENOEXEC, err, errlen,
				   "no multiboot header in the first 8 KiB");
	if (h.flags & 0xffffu & ~MB_HF_KNOWN)
		return loader_fail(-ENOEXEC, err, errlen,
				   "multiboot header requires unsupported features (flags 0x%x)",
				   h.flags & 0xffffu & ~MB_HF_KNOWN);
	if (h.flags & MB_HF_AOUT_KLUDGE)
		ret = load_aout_kludge(gm, buf, len, &h, img, err, errlen);
	else
		ret = elf_load_buf_any(gm, buf, len, img, err, errlen);
	if (ret)
		return ret;
	ret = write_info(gm, rq, img, err, errlen);
	if (ret)
		return ret;
	gmem_fill(gm, MB_GDT, 0, sizeof(mb_gdt));
	entry32_write_gdt(gm, MB_GDT, mb_gdt, 3);
	e = (struct entry32){ .gdt = MB_GDT, .gdt_limit = sizeof(mb_gdt) - 1,
			      .cs = MB_SEL_CODE32, .ds = MB_SEL_DATA,
			      .eip = (uint32_t)img->entry, .esp = MB_STACK_TOP };
	entry32_state(s, &e);
	s->gpr[GPR_RAX] = MB_BOOT_MAGIC;
	s->gpr[GPR_RBX] = MB_INFO_ADDR;
	return 0;
}
