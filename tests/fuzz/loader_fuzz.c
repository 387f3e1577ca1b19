// SPDX-License-Identifier: MIT
/*
 * Fuzz target for the boot-image loaders: the ELF64 loader of vmxbox's
 * own protocol (and the PVH loader on the same bytes), the ELF32/64
 * loader of multiboot, the multiboot loader and the Linux bzImage loader,
 * each fed the same untrusted file bytes (the
 * first byte picks the loader; the detection functions run on every
 * input).  Property: no crash or sanitizer report; a load either succeeds
 * with the image inside RAM or fails with a negative errno and a one-line
 * reason.  Built by meson with tests/fuzz/driver.c (gcc, quick test) and
 * by tests/fuzz/run-libfuzzer.sh with clang's libFuzzer.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader/elf_loader.h"
#include "loader/linux.h"
#include "loader/multiboot.h"
#include "loader/pvh.h"

#define RAM (16ull << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int rc, const char *what, const char *err,
		  const struct elf_image *img)
{
	if (rc > 0 || (rc < 0 && (!err[0] || strchr(err, '\n')))) {
		fprintf(stderr, "loader_fuzz: %s: rc %d, reason '%s'\n", what,
			rc, err);
		abort();
	}
	if (!rc && img && (img->start > img->end || img->end > RAM)) {
		fprintf(stderr, "loader_fuzz: %s: image [%#llx, %#llx) outside RAM\n",
			what, (unsigned long long)img->start,
			(unsigned long long)img->end);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct guest_mem gm;
	static bool have;
	struct elf_image img;
	struct cpu_state s;
	struct mb_header h;
	char err[512] = "";
	uint32_t entry;
	int rc;

	if (!have) {
		if (gmem_init(&gm, RAM))
			abort();
		have = true;
	}
	if (!size)
		return 0;
	mb_find_header(data + 1, size - 1, &h);
	linux_detect(data + 1, size - 1);
	pvh_detect(data + 1, size - 1, &entry);
	memset(&img, 0, sizeof(img));
	cpu_state_reset(&s);
	switch (data[0] & 3) {
	case 0:
		rc = elf_load_buf(&gm, data + 1, size - 1, &img, err, sizeof(err));
		check(rc, "elf", err, &img);
		err[0] = 0;
		rc = pvh_load(&gm, data + 1, size - 1, "console=ttyS0", NULL,
			      0xf0000, &s, &img, err, sizeof(err));
		check(rc, "pvh", err, &img);
		break;
	case 1:
		rc = elf_load_buf_any(&gm, data + 1, size - 1, &img, err, sizeof(err));
		check(rc, "elf any", err, &img);
		break;
	case 2: {
		struct mb_request rq = { .image_name = "fuzz", .append = "a=b" };

		rc = mb_load(&gm, data + 1, size - 1, &rq, &s, &img, err,
			     sizeof(err));
		check(rc, "multiboot", err, NULL);
		break;
	}
	default:
		rc = linux_load(&gm, data + 1, size - 1, "console=ttyS0", NULL,
				&s, &img, err, sizeof(err));
		check(rc, "linux", err, NULL);
		break;
	}
	return 0;
}
