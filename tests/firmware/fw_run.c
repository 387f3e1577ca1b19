// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fw_run.h"

extern char **environ;

struct buf {
	char *data;
	size_t len, cap;
};

static void buf_append(struct buf *b, const char *p, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;

		while (cap < b->len + n + 1)
			cap *= 2;
		b->data = realloc(b->data, cap);
		if (!b->data)
			abort();
		b->cap = cap;
	}
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Drain both pipes until EOF on both or the deadline passes. */
static bool drain(int fds[2], struct buf bufs[2], long deadline)
{
	bool open[2] = { true, true };

	while (open[0] || open[1]) {
		struct pollfd p[2];
		nfds_t n = 0;
		int idx[2];
		long left = deadline - now_ms();

		if (left <= 0)
			return false;
		for (int i = 0; i < 2; i++) {
			if (!open[i])
				continue;
			p[n].fd = fds[i];
			p[n].events = POLLIN;
			idx[n++] = i;
		}
		if (poll(p, n, (int)(left > 1000 ? 1000 : left)) < 0) {
			if (errno == EINTR)
				continue;
			return false;
		}
		for (nfds_t k = 0; k < n; k++) {
			char tmp[4096];
			ssize_t got;

			if (!(p[k].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			got = read(p[k].fd, tmp, sizeof(tmp));
			if (got > 0)
				buf_append(&bufs[idx[k]], tmp, (size_t)got);
			else if (got == 0 || errno != EINTR)
				open[idx[k]] = false;
		}
	}
	return true;
}

int fw_run(char *const argv[], unsigned timeout_s, struct fw_result *r)
{
	posix_spawn_file_actions_t fa;
	int out[2], err[2], fds[2], ws;
	struct buf bufs[2] = { { 0 }, { 0 } };
	pid_t pid;
	long deadline = now_ms() + (long)timeout_s * 1000L;

	memset(r, 0, sizeof(*r));
	r->status = -1;
	if (pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC))
		return -1;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, out[1], 1);
	posix_spawn_file_actions_adddup2(&fa, err[1], 2);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	if (posix_spawn(&pid, argv[0], &fa, NULL, argv, environ)) {
		posix_spawn_file_actions_destroy(&fa);
		return -1;
	}
	posix_spawn_file_actions_destroy(&fa);
	close(out[1]);
	close(err[1]);
	fds[0] = out[0];
	fds[1] = err[0];
	buf_append(&bufs[0], "", 0);
	buf_append(&bufs[1], "", 0);
	if (!drain(fds, bufs, deadline)) {
		r->timed_out = true;
		kill(pid, SIGKILL);
	}
	close(out[0]);
	close(err[0]);
	while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(ws))
		r->status = WEXITSTATUS(ws);
	else if (WIFSIGNALED(ws))
		r->signal = WTERMSIG(ws);
	r->out = bufs[0].data;
	r->out_len = bufs[0].len;
	r->err = bufs[1].data;
	r->err_len = bufs[1].len;
	return 0;
}

void fw_result_free(struct fw_result *r)
{
	free(r->out);
	free(r->err);
	memset(r, 0, sizeof(*r));
}

char *fw_read_file(const char *path, size_t *len)
{
	struct buf b = { 0 };
	char tmp[4096];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	buf_append(&b, "", 0);
	while ((n = read(fd, tmp, sizeof(tmp))) > 0)
		buf_append(&b, tmp, (size_t)n);
	close(fd);
	if (len)
		*len = b.len;
	return b.data;
}

/* Find [line, line+n) as a whole line at or after *pos; on success
 * advance *pos past it. */
static bool find_line(const char **pos, const char *line, size_t n)
{
	const char *p = *pos;

	while (*p) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);

		if (len && p[len - 1] == '\r')
			len--;
		if (len == n && !memcmp(p, line, n)) {
			*pos = eol ? eol + 1 : p + len;
			return true;
		}
		if (!eol)
			break;
		p = eol + 1;
	}
	return false;
}

bool fw_lines_in_order(const char *out, const char *expected, char **missing)
{
	const char *pos = out;
	const char *e = expected;

	*missing = NULL;
	while (*e) {
		const char *eol = strchr(e, '\n');
		size_t n = eol ? (size_t)(eol - e) : strlen(e);

		if (n && !find_line(&pos, e, n)) {
			*missing = strndup(e, n);
			return false;
		}
		e += n + (eol ? 1 : 0);
	}
	return true;
}
