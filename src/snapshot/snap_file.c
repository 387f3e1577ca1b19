// SPDX-License-Identifier: MIT
/*
 * Snapshot files.  Writing is atomic (temp file in the same directory,
 * write, fsync, rename, fsync the directory), so a crash or a full disk
 * leaves either the old file or the new one, never a torn one.  Reading
 * maps the file and decodes it in place.
 */
#include "snapshot/snap_internal.h"

#include "memory/guarded.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static ssize_t libc_write(int fd, const void *buf, size_t len)
{
	return write(fd, buf, len);
}

static const struct snap_io_ops libc_io = {
	.write = libc_write, .fsync = fsync, .rename = rename,
};
static const struct snap_io_ops *io = &libc_io;

void snapshot_set_io_ops(const struct snap_io_ops *ops)
{
	io = ops ? ops : &libc_io;
}

static int fsync_dir(const char *path)
{
	char *copy = strdup(path);

	if (!copy)
		return -ENOMEM;
	int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc = 0;

	free(copy);
	if (fd < 0)
		return -errno;
	if (io->fsync(fd))
		rc = -errno;
	close(fd);
	return rc;
}

static const char *file_kind(mode_t m)
{
	return S_ISSOCK(m) ? "a socket" : S_ISDIR(m) ? "a directory" :
	       S_ISFIFO(m) ? "a FIFO" : S_ISCHR(m) || S_ISBLK(m) ? "a device" :
	       "not a regular file";
}

/* The rename() at the end replaces whatever is at path: only ever let it
 * replace a regular file (or a link to one), never e.g. the monitor's
 * live socket. */
static int check_target(const char *path, char *err, size_t errlen)
{
	struct stat st;

	/* stat() follows a link: its target is what is meant.  Nothing
	 * there (or an error that creating the file will report): fine. */
	if (stat(path, &st) || S_ISREG(st.st_mode))
		return 0;
	snprintf(err, errlen, "%s exists and is %s: refusing to replace it",
		 path, file_kind(st.st_mode));
	return -EEXIST;
}

int snapshot_write_file(const struct snapshot_machine *s, const char *path,
			char *err, size_t errlen)
{
	size_t plen = strlen(path);
	char *tmp = malloc(plen + 16);
	struct cout o;
	int fd, rc;

	if (!tmp) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	rc = check_target(path, err, errlen);
	if (rc) {
		free(tmp);
		return rc;
	}
	snprintf(tmp, plen + 16, "%s.tmp.XXXXXX", path);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot create %s: %s", tmp, strerror(-rc));
		free(tmp);
		return rc;
	}
	/* mkostemp makes the file 0600; give it the usual 0666 & ~umask.
	 * (umask can only be read by setting it; vmxbox sets it nowhere.) */
	mode_t mask = umask(0);

	umask(mask);
	fchmod(fd, 0666 & ~mask);
	cout_init_fd(&o, fd, io->write);
	rc = snapshot_encode_to_(&o, s, err, errlen);
	cout_free(&o);
	if (rc) {
		snprintf(err, errlen, "writing %s: %s", path, strerror(-rc));
		goto fail;
	}
	if (io->fsync(fd)) {
		rc = -errno;
		snprintf(err, errlen, "fsync %s: %s", tmp, strerror(-rc));
		goto fail;
	}
	if (close(fd)) {
		fd = -1;
		rc = -errno;
		snprintf(err, errlen, "close %s: %s", tmp, strerror(-rc));
		goto fail;
	}
	fd = -1;
	if (io->rename(tmp, path)) {
		rc = -errno;
		snprintf(err, errlen, "rename %s -> %s: %s", tmp, path,
			 strerror(-rc));
		goto fail;
	}
	free(tmp);
	/* The rename is only durable once the directory entry is. */
	rc = fsync_dir(path);
	if (rc)
		snprintf(err, errlen, "fsync directory of %s: %s", path,
			 strerror(-rc));
	return rc;
fail:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	free(tmp);
	return rc;
}

void snapshot_unmap_(void *map, size_t len)
{
	guarded_free(map, len);
}

struct snapshot_machine *snapshot_read_file(const char *path, char *err,
					    size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;

	if (fd < 0) {
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		close(fd);
		return NULL;
	}
	if (st.st_size == 0) {
		snprintf(err, errlen, "%s: empty file", path);
		close(fd);
		return NULL;
	}
	size_t len = (size_t)st.st_size;
	/* MAP_POPULATE: one call maps the whole file; faulting it in page
	 * by page costs ~20x more on virtualized hosts (docs/snapshot.md). */
	void *map = guarded_map_file(fd, len, MAP_POPULATE);

	close(fd);
	if (!map) {
		snprintf(err, errlen, "cannot map %s: %s", path, strerror(errno));
		return NULL;
	}
	char msg[320];
	struct snapshot_machine *s = snapshot_decode(map, len, msg, sizeof(msg));

	if (!s) {
		snprintf(err, errlen, "%s: %s", path, msg);
		guarded_free(map, len);
		return NULL;
	}
	s->map = map;
	s->map_len = len;
	return s;
}
