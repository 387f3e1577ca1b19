// SPDX-License-Identifier: MIT
#include "loader/initrd.h"

#include <errno.h>

#include "loader/file_map.h"
#include "loader/load_error.h"

#define PAGE 0x1000ull

int loader_load_initrd(struct guest_mem *gm, const char *path, uint64_t floor,
		       uint64_t top, uint64_t *at, uint64_t *len, char *err,
		       size_t errlen)
{
	struct file_map f;
	int ret = file_map_open(&f, path, 1, err, errlen);

	if (ret)
		return ret;
	if (f.len > top || ((top - f.len) & ~(PAGE - 1)) < floor) {
		ret = loader_fail(-E2BIG, err, errlen,
				  "initrd %s (%zu bytes) does not fit between the kernel (0x%llx) and 0x%llx",
				  path, f.len, (unsigned long long)floor,
				  (unsigned long long)top);
		file_map_close(&f);
		return ret;
	}
	*at = (top - f.len) & ~(PAGE - 1);
	*len = f.len;
	gmem_write(gm, *at, f.data, f.len);
	file_map_close(&f);
	return 0;
}
