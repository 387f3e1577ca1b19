// SPDX-License-Identifier: MIT
#include "loader/load_error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "memory/guest_mem.h"

int loader_fail(int ret, char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return ret;
}

int loader_write_cmdline(struct guest_mem *gm, uint64_t gpa, const char *cmdline,
			 size_t max, const char *taker, char *err, size_t errlen)
{
	size_t n = strlen(cmdline);

	if (n > max)
		return loader_fail(-E2BIG, err, errlen,
				   "command line too long (%zu bytes, %s takes %zu)",
				   n, taker, max);
	gmem_write(gm, gpa, cmdline, n);
	gmem_write_u8(gm, gpa + n, 0);
	return 0;
}
