// SPDX-License-Identifier: MIT
#include "cli/cli.h"

#include <limits.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

#include "cli/vmxbox_config.h"

void cli_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "vmxbox %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void cli_bad_option(const char *cmd, int argc, char **argv, int optopt_val)
{
	extern int optind;
	const char *arg = optind > 0 && optind <= argc ? argv[optind - 1] : "?";

	if (optopt_val && strncmp(arg, "--", 2))
		cli_error(cmd, "unknown option or missing value: -%c", optopt_val);
	else
		cli_error(cmd, "unknown option or bad use: %s", arg);
}

static bool exe_dir(char *buf, size_t len)
{
	ssize_t n = readlink("/proc/self/exe", buf, len - 1);
	char *slash;

	if (n <= 0 || (size_t)n >= len - 1)
		return false;
	buf[n] = '\0';
	slash = strrchr(buf, '/');
	if (!slash)
		return false;
	*slash = '\0';
	return true;
}

bool cli_bundled_firmware(const char *name, char *buf, size_t len)
{
	char dir[PATH_MAX];

	if (!buf || !len)
		return false;
	if (exe_dir(dir, sizeof(dir))) {
		/* The build tree, then an install tree moved as a whole
		 * (PREFIX/bin/vmxbox, PREFIX/share/vmxbox/). */
		snprintf(buf, len, "%s/guest-firmware/%s", dir, name);
		if (access(buf, F_OK) == 0)
			return true;
		snprintf(buf, len, "%s/../share/vmxbox/%s", dir, name);
		if (access(buf, F_OK) == 0)
			return true;
	}
	snprintf(buf, len, "%s/vmxbox/%s", VMXBOX_DATADIR, name);
	return access(buf, F_OK) == 0;
}
