// SPDX-License-Identifier: MIT
#include "loader/file_map.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static int fail(int ret, char *err, size_t errlen, const char *path,
		const char *why)
{
	snprintf(err, errlen, "%s: %s", path, why);
	return ret;
}

int file_map_open(struct file_map *f, const char *path, int allow_empty,
		  char *err, size_t errlen)
{
	struct stat st;
	void *map;
	int fd, ret;

	f->data = NULL;
	f->len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail(-errno, err, errlen, path, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return fail(-EINVAL, err, errlen, path, "not a regular file");
	}
	if ((uint64_t)st.st_size > FILE_MAP_MAX) {
		close(fd);
		return fail(-EFBIG, err, errlen, path, "file too large");
	}
	if (st.st_size == 0) {
		close(fd);
		return allow_empty ? 0 : fail(-ENOEXEC, err, errlen, path,
					      "empty file");
	}
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	ret = map == MAP_FAILED ? -errno : 0;
	close(fd);
	if (ret)
		return fail(ret, err, errlen, path, strerror(-ret));
	f->data = map;
	f->len = (size_t)st.st_size;
	return 0;
}

void file_map_close(struct file_map *f)
{
	if (f->data)
		munmap((void *)f->data, f->len);
	f->data = NULL;
	f->len = 0;
}
