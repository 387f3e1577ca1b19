// SPDX-License-Identifier: MIT
/*
 * Snapshots move between the engines: a snapshot taken on interp restores
 * on kvm, and one taken on kvm restores on interp and on kvm, each
 * printing exactly the rest of the interpreter's reference output and
 * ending with its exit status.  The VMX demo restored on kvm hands over to
 * the interpreter where it reads IA32_VMX_BASIC, as a plain run does.
 *
 * Snapshots on kvm at insns:N with N <= 4096 are taken where the engine
 * single-steps (exact counts); larger N fall where the time estimate
 * reaches N (docs/kvm.md).  Exits 77 (skip) with the reason when the KVM
 * device ($VMXBOX_KVM_DEVICE, else /dev/kvm) is missing, after checking
 * that --engine=kvm then exits 76; with the device present every
 * failure is a failure.  $VMXBOX, $FW_HELLO, $FW_DEMO are set by meson.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "snapshot/snapshot.h"
#include "snap_run.h"

/* The snapshot's engine, instruction count and serial bytes written. */
static bool snap_info(const char *file, char *engine, size_t elen,
		      uint64_t *at, uint64_t *bytes, bool *vmx)
{
	char err[512];
	struct snapshot_machine *s = snapshot_read_file(file, err, sizeof(err));

	CHECK(s != NULL, "%s: %s", file, err);
	if (!s)
		return false;
	snprintf(engine, elen, "%s", s->config.engine);
	*at = s->cpus[0].insn_count;
	*bytes = 0;
	snap_kv_get_u64(&snap_device_find(s, "uart0")->st, "bytes_out", bytes);
	*vmx = s->vmx.vmxon;
	snapshot_free(s);
	return true;
}

/* Restore file on engine: exactly the rest of ref's output and status. */
static void restore_on(const char *what, const char *file, const char *engine,
		       const struct result *ref, const char *want_err)
{
	char eng[80], taken_on[SNAP_NAME_MAX];
	uint64_t at, bytes;
	bool vmx;
	struct result res = { 0 };

	if (!snap_info(file, taken_on, sizeof(taken_on), &at, &bytes, &vmx))
		return;
	snprintf(eng, sizeof(eng), "--engine=%s", engine);
	const char *args[] = { "restore", eng, "-v", file, NULL };

	run(&res, args);
	printf("%s: taken on %s at %" PRIu64 " (%" PRIu64 " bytes out%s), "
	       "restored on %s: status %d, %zu bytes\n", what, taken_on, at,
	       bytes, vmx ? ", in VMX operation" : "", engine, res.status,
	       res.out_len);
	CHECK(res.status == ref->status,
	      "%s on %s: status %d, the run's %d (%s)", what, engine,
	      res.status, ref->status, res.err);
	CHECK(bytes <= ref->out_len && res.out_len == ref->out_len - bytes &&
	      !memcmp(res.out, ref->out + bytes, res.out_len),
	      "%s on %s: output differs from the rest of the run's "
	      "(%zu bytes after %" PRIu64 "):\n%s", what, engine, res.out_len,
	      bytes, res.out);
	CHECK(!want_err || vmx || strstr(res.err, want_err),
	      "%s on %s: stderr lacks \"%s\":\n%s", what, engine, want_err,
	      res.err);
	free(res.out);
}

/* Take a snapshot of fw on engine at spec: same output and status. */
static void take(const char *fw, const char *engine, const char *spec,
		 const char *path, const struct result *ref)
{
	char eng[32], snaparg[800], onarg[64];
	struct result r = { 0 };

	snprintf(eng, sizeof(eng), "--engine=%s", engine);
	snprintf(snaparg, sizeof(snaparg), "--snapshot=%s", path);
	snprintf(onarg, sizeof(onarg), "--snapshot-on=%s", spec);
	const char *args[] = { "run", eng, snaparg, onarg, fw, NULL };

	unlink(path);
	run(&r, args);
	CHECK(r.status == ref->status && r.out_len == ref->out_len &&
	      !memcmp(r.out, ref->out, r.out_len),
	      "%s on %s with %s: status %d, output %s the interpreter's",
	      fw, engine, spec, r.status,
	      r.out_len == ref->out_len ? "same length as" : "not");
	CHECK(access(path, R_OK) == 0, "%s on %s: no snapshot at %s", fw,
	      engine, spec);
	free(r.out);
}

/* The instruction count of a -v run of fw on engine. */
static uint64_t run_length(const char *fw, const char *engine)
{
	char eng[32];
	struct result r = { 0 };
	uint64_t n;

	snprintf(eng, sizeof(eng), "--engine=%s", engine);
	const char *args[] = { "run", eng, "-v", fw, NULL };

	run(&r, args);
	n = r.insns;
	CHECK(n > 0, "%s on %s: no instruction count in: %s", fw, engine, r.err);
	free(r.out);
	return n;
}

/* Snapshots on both engines at small counts (exact on kvm too), at half
 * of each engine's own run (on kvm: of the time estimate) and, on interp,
 * near the end. */
static void check_image(const char *name, const char *fw, const char *dir,
			const char *handover)
{
	const char *args[] = { "run", "--engine=interp", fw, NULL };
	const char *engines[] = { "interp", "kvm" };
	char path[700], spec[32];
	struct result ref = { 0 };

	run(&ref, args);
	CHECK(ref.out_len > 0, "%s: no output on interp (%s)", name, ref.err);
	for (unsigned e = 0; e < 2; e++) {
		uint64_t len = run_length(fw, engines[e]);
		/* On kvm the half-way point falls in crt0's REP STOSB (KVM
		 * emulates it one byte at a time, docs/kvm.md); 97% of the
		 * interpreter's run is after the output began. */
		uint64_t at[] = { 5, 2500, len / 2, len / 100 * 97 };

		for (unsigned i = 0; i < 4 - e; i++) {
			char what[160];

			snprintf(spec, sizeof(spec), "insns:%" PRIu64, at[i]);
			snprintf(path, sizeof(path), "%s/%s-%s-%u.snap", dir,
				 name, engines[e], i);
			snprintf(what, sizeof(what), "%s %s@%s", name,
				 engines[e], spec);
			take(fw, engines[e], spec, path, &ref);
			restore_on(what, path, "kvm", &ref, handover);
			if (e)
				restore_on(what, path, "interp", &ref, NULL);
			unlink(path);
		}
	}
	free(ref.out);
}

/* No KVM device: --engine=kvm must say so with status 76; then skip. */
static bool kvm_missing(const char *hello)
{
	const char *dev = getenv("VMXBOX_KVM_DEVICE");
	const char *args[] = { "run", "--engine=kvm", hello, NULL };
	struct result r = { 0 };

	if (!dev || !*dev)
		dev = "/dev/kvm";
	if (access(dev, R_OK | W_OK) == 0)
		return false;
	run(&r, args);
	free(r.out);
	if (r.status != 76 || !strstr(r.err, dev)) {
		fprintf(stderr, "FAIL: without %s, --engine=kvm must exit 76 "
			"naming it; got %d: %s", dev, r.status, r.err);
		exit(1);
	}
	printf("SKIP: no usable %s: %s", dev, r.err);
	return true;
}

int main(void)
{
	const char *hello = getenv("FW_HELLO"), *demo = getenv("FW_DEMO");
	char dir[] = "/tmp/snapengines.XXXXXX";

	if (!getenv("VMXBOX") || !hello || !demo || !mkdtemp(dir))
		return 1;
	if (kvm_missing(hello)) {
		rmdir(dir);
		return 77;
	}
	check_image("hello", hello, dir, NULL);
	check_image("demo", demo, dir, "handed over to interp at instruction");
	rmdir(dir);
	return failures ? 1 : 0;
}
