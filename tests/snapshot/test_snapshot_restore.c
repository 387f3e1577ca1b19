// SPDX-License-Identifier: MIT
/*
 * Exact restore on the interpreter, end to end through the vmxbox
 * executable: for each firmware (hello, fault, the VMX demo) a plain run
 * gives the reference serial output, exit status and instruction count; a
 * run with --snapshot-on=insns:N at several N must give the same, and
 * `vmxbox restore` of each snapshot must print exactly the rest of the
 * output and end with the same status and instruction count.  For the VMX
 * demo some snapshot must catch an L2 running (VMX non-root).
 *
 * Exits 77 (meson: skipped) while the interp engine cannot boot firmware.
 * $VMXBOX, $FW_HELLO, $FW_FAULT, $FW_VMXDEMO are set by meson.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "snapshot/snapshot.h"

#define EXIT_SKIP 77
#define OUT_MAX (1 << 20)

struct result {
	int status;
	char *out;
	size_t out_len;
	char err[16384];
	uint64_t insns;
};

static int failures;

#define CHECK(cond, ...) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);	\
		fprintf(stderr, __VA_ARGS__);				\
		fputc('\n', stderr);					\
		failures++;						\
	}								\
} while (0)

static void slurp(FILE *f, char *buf, size_t cap, size_t *len)
{
	rewind(f);
	*len = fread(buf, 1, cap - 1, f);
	buf[*len] = '\0';
	fclose(f);
}

static void run(struct result *r, const char *const *args)
{
	FILE *out = tmpfile(), *err = tmpfile();
	const char *argv[40] = { getenv("VMXBOX") };
	unsigned n = 1;
	size_t elen;
	int ws;

	for (; args[n - 1] && n < 39; n++)
		argv[n] = args[n - 1];
	argv[n] = NULL;
	pid_t pid = fork();

	if (pid == 0) {
		dup2(fileno(out), 1);
		dup2(fileno(err), 2);
		execv(argv[0], (char **)argv);
		_exit(127);
	}
	waitpid(pid, &ws, 0);
	r->status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
	if (!r->out)
		r->out = malloc(OUT_MAX);
	slurp(out, r->out, OUT_MAX, &r->out_len);
	slurp(err, r->err, sizeof(r->err), &elen);
	const char *p = strstr(r->err, "instructions in");

	r->insns = 0;
	if (p) {
		while (p > r->err && p[-1] != ':')
			p--;
		r->insns = strtoull(p + 1, NULL, 10);
	}
}

static bool engine_works(const char *fw)
{
	struct result r = { 0 };
	const char *args[] = { "run", "--engine=interp", "--max-insns=1000", fw, NULL };

	run(&r, args);
	free(r.out);
	if (r.status == 76 || r.status == 127) {
		printf("skip: the interp engine cannot run firmware here: %s", r.err);
		return false;
	}
	return true;
}

static void check_firmware(const char *name, const char *fw, bool want_l2,
			   const char *dir)
{
	struct result ref = { 0 }, snap = { 0 }, res = { 0 };
	const char *run_args[] = { "run", "--engine=interp", "-v", fw, NULL };
	char spec[512] = "", path[512], snaparg[600], file[600];
	uint64_t at[8];
	unsigned n_at = 0;
	bool saw_l2 = false;

	run(&ref, run_args);
	printf("%s: status %d, %" PRIu64 " instructions, %zu bytes of output\n",
	       name, ref.status, ref.insns, ref.out_len);
	CHECK(ref.insns > 10, "%s: no instruction count in: %s", name, ref.err);
	if (ref.insns <= 10)
		return;
	static const unsigned pct[] = { 1, 10, 25, 50, 75, 90, 99 };

	for (unsigned i = 0; i < 7; i++) {
		uint64_t n = ref.insns * pct[i] / 100;

		if (n < 1 || n >= ref.insns || (n_at && at[n_at - 1] == n))
			continue;
		at[n_at++] = n;
		snprintf(spec + strlen(spec), sizeof(spec) - strlen(spec), "%sinsns:%" PRIu64,
			 n_at > 1 ? "," : "", n);
	}
	/* Also the very last instruction boundary before the end. */
	at[n_at++] = ref.insns - 1;
	snprintf(spec + strlen(spec), sizeof(spec) - strlen(spec), ",insns:%" PRIu64,
		 ref.insns - 1);

	snprintf(path, sizeof(path), "%s/%s.snap", dir, name);
	snprintf(snaparg, sizeof(snaparg), "--snapshot=%s", path);
	char onarg[600];

	snprintf(onarg, sizeof(onarg), "--snapshot-on=%s", spec);
	const char *snap_args[] = { "run", "--engine=interp", "-v", snaparg, onarg, fw, NULL };

	run(&snap, snap_args);
	CHECK(snap.status == ref.status, "%s: status %d with snapshots, %d without",
	      name, snap.status, ref.status);
	CHECK(snap.insns == ref.insns, "%s: %" PRIu64 " instructions with snapshots, %" PRIu64,
	      name, snap.insns, ref.insns);
	CHECK(snap.out_len == ref.out_len && !memcmp(snap.out, ref.out, ref.out_len),
	      "%s: output differs when taking snapshots", name);

	for (unsigned i = 0; i < n_at; i++) {
		char err[512];
		uint64_t bytes = 0;

		snprintf(file, sizeof(file), "%s/%s.%u.snap", dir, name, i + 1);
		struct snapshot_machine *s = snapshot_read_file(file, err, sizeof(err));

		CHECK(s != NULL, "%s: %s", name, err);
		if (!s)
			continue;
		CHECK(s->cpus[0].insn_count == at[i], "%s: snapshot %u at %" PRIu64 ", wanted %" PRIu64,
		      name, i + 1, s->cpus[0].insn_count, at[i]);
		snap_kv_get_u64(&snap_device_find(s, "uart0")->st, "bytes_out", &bytes);
		saw_l2 |= s->vmx.present && s->vmx.non_root;
		snapshot_free(s);

		const char *res_args[] = { "restore", "-v", file, NULL };

		run(&res, res_args);
		CHECK(res.status == ref.status, "%s@%" PRIu64 ": restore ends with %d, run with %d",
		      name, at[i], res.status, ref.status);
		CHECK(res.insns == ref.insns, "%s@%" PRIu64 ": restore ends at %" PRIu64 " instructions, run at %" PRIu64,
		      name, at[i], res.insns, ref.insns);
		CHECK(bytes <= ref.out_len && res.out_len == ref.out_len - bytes &&
		      !memcmp(res.out, ref.out + bytes, res.out_len),
		      "%s@%" PRIu64 ": restored output differs (%zu bytes after %" PRIu64 ")",
		      name, at[i], res.out_len, bytes);
		unlink(file);
	}
	/* An L2 only runs once VM entry exists (the demo fails before). */
	if (want_l2 && ref.status == 0)
		CHECK(saw_l2, "%s: no snapshot caught an L2 running", name);
	else if (want_l2)
		printf("%s: failed (status %d): no L2 check\n", name, ref.status);
	free(ref.out);
	free(snap.out);
	free(res.out);
}

int main(void)
{
	char dir[] = "/tmp/snaprestore.XXXXXX";
	const char *hello = getenv("FW_HELLO"), *fault = getenv("FW_FAULT");
	const char *demo = getenv("FW_VMXDEMO");

	if (!getenv("VMXBOX") || !hello || !fault || !demo || !mkdtemp(dir))
		return 1;
	if (!engine_works(hello)) {
		rmdir(dir);
		return EXIT_SKIP;
	}
	check_firmware("hello", hello, false, dir);
	check_firmware("fault", fault, false, dir);
	check_firmware("vmxdemo", demo, true, dir);
	rmdir(dir);
	printf("%s\n", failures ? "FAILED" : "all continuations exact");
	return failures ? 1 : 0;
}
