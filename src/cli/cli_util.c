// SPDX-License-Identifier: MIT
#include "cli/cli.h"

#include <errno.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

#include "cli/vmxbox_config.h"
#include "gdb/gdb_server.h"
#include "machine/machine.h"

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

bool cli_gdb_option(const char *cmd, const char *spec,
		    struct machine_config *cfg)
{
	char err[256];

	if (!gdb_spec_valid(spec, err, sizeof(err))) {
		cli_error(cmd, "%s", err);
		return false;
	}
	cfg->gdb = spec;
	return true;
}

bool cli_gdb_parse(const char *cmd, int which, const char *arg,
		   struct machine_config *cfg)
{
	char *end;

	switch (which) {
	case CLI_OPT_GDB:
		return cli_gdb_option(cmd, arg, cfg);
	case CLI_OPT_REVERSE:
		cfg->gdb_reverse = true;
		return true;
	case CLI_OPT_CHECKPOINT_INTERVAL:
		errno = 0;
		cfg->gdb_interval = strtoull(arg, &end, 0);
		if (!errno && end != arg && !*end && *arg != '-' && cfg->gdb_interval)
			return true;
		cli_error(cmd, "--checkpoint-interval=%s: expected a number of instructions >= 1", arg);
		return false;
	case CLI_OPT_HISTORY_MEM:
		if (parse_size(arg, &cfg->gdb_history_mem) && cfg->gdb_history_mem)
			return true;
		cli_error(cmd, "--history-mem=%s: not a size (examples: 64M, 1G)", arg);
		return false;
	}
	return false;
}

bool cli_gdb_finish(const char *cmd, struct machine_config *cfg)
{
	if ((cfg->gdb_reverse || cfg->gdb_interval || cfg->gdb_history_mem) &&
	    (!cfg->gdb || !cfg->gdb_reverse)) {
		cli_error(cmd, "--reverse needs --gdb; --checkpoint-interval and --history-mem need --reverse");
		return false;
	}
	if (!cfg->gdb)
		return true;
	if (!cfg->engine || !strcmp(cfg->engine, "auto")) {
		cfg->engine = "interp";
		return true;
	}
	if (strcmp(cfg->engine, "interp")) {
		cli_error(cmd, "--gdb needs the interp engine (the %s engine has no breakpoints)",
			  cfg->engine);
		return false;
	}
	return true;
}

int cli_serial_open(const char *spec, bool plain_path, int *fd, bool *absent)
{
	const char *path = NULL;

	*absent = !strcmp(spec, "none");
	if (!strcmp(spec, "stdio") || !strcmp(spec, "mon:stdio") ||
	    (plain_path && !strcmp(spec, "-"))) {
		*fd = 1;
		return 0;
	}
	if (!strcmp(spec, "null") || !strcmp(spec, "none"))
		path = "/dev/null";
	else if (!strncmp(spec, "file:", 5) && spec[5])
		path = spec + 5;
	else if (plain_path && *spec)
		path = spec;
	if (!path)
		return -1;
	*fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	return *fd < 0 ? errno : 0;
}

bool cli_serial_option(const char *cmd, unsigned n, const char *dest,
		       struct machine_config *cfg)
{
	bool absent;
	int fd, ret = cli_serial_open(dest, true, &fd, &absent);

	if (ret < 0 || absent) {
		cli_error(cmd, "--serial%u=%s: expected a file PATH, file:PATH, null or -",
			  n, dest);
		return false;
	}
	if (ret > 0) {
		cli_error(cmd, "--serial%u=%s: %s", n, dest, strerror(ret));
		return false;
	}
	cfg->com_on[n - 2] = true;
	cfg->com_fd[n - 2] = fd;
	return true;
}
