// SPDX-License-Identifier: MIT
#include "loader/load_error.h"

#include <stdarg.h>
#include <stdio.h>

int loader_fail(int ret, char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return ret;
}
