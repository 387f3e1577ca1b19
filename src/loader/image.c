// SPDX-License-Identifier: MIT
#include "loader/image.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader/acpi.h"
#include "loader/boot.h"
#include "loader/file_map.h"
#include "loader/linux.h"
#include "loader/multiboot.h"
#include "loader/pvh.h"

static const char *const kind_names[] = {
	[IMAGE_VMXBOX_ELF64] = "vmxbox ELF64",
	[IMAGE_MULTIBOOT] = "multiboot",
	[IMAGE_LINUX] = "Linux bzImage",
	[IMAGE_PVH] = "PVH ELF",
};

const char *image_kind_name(enum image_kind kind)
{
	return kind < sizeof(kind_names) / sizeof(kind_names[0]) ?
	       kind_names[kind] : "?";
}

/* "PATH ARGS" -> path (a copy of the first word) and the whole string. */
static bool split_module(const char *spec, struct mb_module *m)
{
	m->path = strndup(spec, strcspn(spec, " "));
	m->string = spec;
	return m->path != NULL;
}

static int load_multiboot(struct guest_mem *gm, const struct image_request *rq,
			  const struct file_map *f, struct cpu_state *s,
			  struct elf_image *img, char *err, size_t errlen)
{
	struct mb_module mods[IMAGE_MAX_MODULES] = { 0 };
	struct mb_request mr = { .image_name = rq->path, .append = rq->append,
				 .mods = mods };
	bool ok = true;
	int ret = -ENOMEM;

	if (rq->nr_modules + !!rq->initrd > IMAGE_MAX_MODULES) {
		snprintf(err, errlen, "too many modules (max %d)", IMAGE_MAX_MODULES);
		return -E2BIG;
	}
	if (rq->initrd)
		ok = split_module(rq->initrd, &mods[mr.nr_mods++]);
	for (unsigned i = 0; ok && i < rq->nr_modules; i++)
		ok = split_module(rq->modules[i], &mods[mr.nr_mods++]);
	if (ok)
		ret = mb_load(gm, f->data, f->len, &mr, s, img, err, errlen);
	else
		snprintf(err, errlen, "out of memory");
	for (unsigned i = 0; i < mr.nr_mods; i++)
		free((char *)mods[i].path);
	return ret;
}

static int load_linux(struct guest_mem *gm, const struct image_request *rq,
		      const struct file_map *f, struct cpu_state *s,
		      struct elf_image *img, char *err, size_t errlen)
{
	if (rq->nr_modules) {
		snprintf(err, errlen,
			 "a Linux kernel takes one initrd and no further modules");
		return -E2BIG;
	}
	return linux_load(gm, f->data, f->len, rq->append, rq->initrd, s, img,
			  err, errlen);
}

/* The platform writes the ACPI tables, RSDP first, at ACPI_TABLES_BASE
 * before the guest starts (machine/pc_platform.c). */
static int load_pvh(struct guest_mem *gm, const struct image_request *rq,
		    const struct file_map *f, struct cpu_state *s,
		    struct elf_image *img, char *err, size_t errlen)
{
	if (rq->nr_modules) {
		snprintf(err, errlen,
			 "a PVH kernel takes one initrd and no further modules");
		return -E2BIG;
	}
	return pvh_load(gm, f->data, f->len, rq->append, rq->initrd,
			ACPI_TABLES_BASE, s, img, err, errlen);
}

static int load_vmxbox(struct guest_mem *gm, const struct image_request *rq,
		       const struct file_map *f, struct cpu_state *s,
		       struct elf_image *img, char *err, size_t errlen)
{
	struct boot_params bp = { .cmdline = rq->append, .vmx = rq->vmx };
	int ret;

	ret = elf_load_buf(gm, f->data, f->len, img, err, errlen);
	if (ret)
		return ret;
	if (rq->initrd || rq->nr_modules) {
		snprintf(err, errlen,
			 "modules/initrd need a multiboot or Linux kernel; this is a vmxbox ELF64 image");
		return -E2BIG;
	}
	ret = boot_setup(gm, img, &bp, s, err, errlen);
	return ret ? -E2BIG : 0;
}

int image_load(struct guest_mem *gm, const struct image_request *rq,
	       struct cpu_state *s, struct elf_image *img,
	       enum image_kind *kind, char *err, size_t errlen)
{
	struct mb_header h;
	struct file_map f;
	uint32_t pvh_entry;
	char why[400];
	int ret;

	ret = file_map_open(&f, rq->path, 1, err, errlen);
	if (ret)
		return ret;
	if (!f.len) {
		snprintf(err, errlen, "%s: empty file, not an ELF file", rq->path);
		return -ENOEXEC;
	}
	/* HdrS first, as QEMU: a bzImage never has a multiboot header. */
	if (linux_detect(f.data, f.len))
		*kind = IMAGE_LINUX;
	else if (mb_find_header(f.data, f.len, &h))
		*kind = IMAGE_MULTIBOOT;
	else if (pvh_detect(f.data, f.len, &pvh_entry))
		*kind = IMAGE_PVH;
	else
		*kind = IMAGE_VMXBOX_ELF64;
	if (*kind == IMAGE_LINUX)
		ret = load_linux(gm, rq, &f, s, img, why, sizeof(why));
	else if (*kind == IMAGE_MULTIBOOT)
		ret = load_multiboot(gm, rq, &f, s, img, why, sizeof(why));
	else if (*kind == IMAGE_PVH)
		ret = load_pvh(gm, rq, &f, s, img, why, sizeof(why));
	else
		ret = load_vmxbox(gm, rq, &f, s, img, why, sizeof(why));
	file_map_close(&f);
	if (ret)
		snprintf(err, errlen, "%s: %s", rq->path, why);
	return ret;
}
