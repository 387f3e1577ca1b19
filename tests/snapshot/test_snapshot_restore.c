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
 * The spin firmware (an L2 through 3000 CPUID exits, then L1 spins) runs
 * under --max-insns.  VM-exit triggers are checked too.
 * fpustate keeps x87/SSE state in the processor (FXRSTOR/XSAVE) and
 * prints digests of it: a restore that lost any of it prints others.
 * apic and vmtimer run with local APIC timers armed (one-shot, periodic,
 * TSC-deadline; the nested one's interrupts exit L2 at their deadline):
 * a restore that re-armed a timer late or early prints FAIL lines.
 * $VMXBOX, $FW_HELLO, $FW_FAULT, $FW_VMXDEMO, $FW_SPIN, $FW_FPUSTATE,
 * $FW_APIC, $FW_VMTIMER are set by meson.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "snapshot/snapshot.h"
#include "snap_run.h"

#define EXIT_SKIP 77
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

/* Restore one snapshot and compare with the reference run.  Returns the
 * snapshot's instruction count. */
static uint64_t verify_restore(const char *name, const char *file,
			       const struct result *ref, bool *saw_l2)
{
	struct result res = { 0 };
	char err[512];
	uint64_t bytes = 0, at;
	struct snapshot_machine *s = snapshot_read_file(file, err, sizeof(err));

	CHECK(s != NULL, "%s: %s", name, err);
	if (!s)
		return 0;
	at = s->cpus[0].insn_count;
	snap_kv_get_u64(&snap_device_find(s, "uart0")->st, "bytes_out", &bytes);
	*saw_l2 |= s->vmx.present && s->vmx.non_root;
	snapshot_free(s);

	/* A timer lost on restore can leave the guest waiting forever. */
	const char *res_args[] = { "restore", "-v", "--timeout=60", file, NULL };

	run(&res, res_args);
	CHECK(res.status == ref->status, "%s@%" PRIu64 ": restore ends with %d, run with %d (%s)",
	      name, at, res.status, ref->status, res.err);
	CHECK(res.insns == ref->insns, "%s@%" PRIu64 ": restore ends at %" PRIu64 " instructions, run at %" PRIu64,
	      name, at, res.insns, ref->insns);
	CHECK(bytes <= ref->out_len && res.out_len == ref->out_len - bytes &&
	      !memcmp(res.out, ref->out + bytes, res.out_len),
	      "%s@%" PRIu64 ": restored output differs (%zu bytes after %" PRIu64 ")",
	      name, at, res.out_len, bytes);
	free(res.out);
	return at;
}

/* A restored run snapshots again: the new file records the machine's
 * options (the restore once kept a pointer into the freed snapshot for
 * --cpu and crashed here; ASan reports it at once). */
static void restore_and_snapshot_again(const char *name, const char *file,
				       const struct result *ref)
{
	struct result res = { 0 }, ins = { 0 };
	char again[700], snaparg[720];

	snprintf(again, sizeof(again), "%s.again", file);
	snprintf(snaparg, sizeof(snaparg), "--snapshot=%s", again);
	const char *res_args[] = { "restore", "-v", "--timeout=60", snaparg, file, NULL };
	const char *ins_args[] = { "inspect", again, NULL };

	run(&res, res_args);
	CHECK(res.status == ref->status, "%s: restore with --snapshot ends with %d, run with %d (%s)",
	      name, res.status, ref->status, res.err);
	run(&ins, ins_args);
	CHECK(ins.status == 0 && strstr(ins.out, "option     cpu=max"),
	      "%s: the restored run's snapshot: %d %s%s", name, ins.status,
	      ins.out ? ins.out : "", ins.err);
	free(res.out);
	free(ins.out);
	unlink(again);
}

/* A run with snapshots must look exactly like the reference run. */
static void snap_run(const char *name, const char *fw, const char *limit,
		     const char *path, const char *spec, const struct result *ref)
{
	struct result snap = { 0 };
	char snaparg[600], onarg[700];

	snprintf(snaparg, sizeof(snaparg), "--snapshot=%s", path);
	snprintf(onarg, sizeof(onarg), "--snapshot-on=%s", spec);
	const char *args[] = { "run", "--engine=interp", "-v", limit, snaparg, onarg, fw, NULL };

	run(&snap, args);
	CHECK(snap.status == ref->status, "%s: status %d with snapshots, %d without",
	      name, snap.status, ref->status);
	CHECK(snap.insns == ref->insns, "%s: %" PRIu64 " instructions with snapshots, %" PRIu64,
	      name, snap.insns, ref->insns);
	CHECK(snap.out_len == ref->out_len && !memcmp(snap.out, ref->out, ref->out_len),
	      "%s: output differs when taking snapshots", name);
	free(snap.out);
}

/* limit: a run option such as "--max-insns=300000" (or "-v" for none);
 * want_l2: the exit status of a run whose L2 really ran (-1: no L2) - the
 * L2 and VM-exit checks apply only then (VM entry may still be missing);
 * vmexits: extra vmexit events checked in a second run (may be NULL). */
static void check_firmware(const char *name, const char *fw, const char *limit,
			   int want_l2, const char *vmexits, const char *dir)
{
	struct result ref = { 0 };
	const char *run_args[] = { "run", "--engine=interp", "-v", limit, fw, NULL };
	char spec[512] = "", path[512], file[600];
	uint64_t at[8];
	unsigned n_at = 0;
	bool saw_l2 = false;
	static const unsigned pct[] = { 1, 10, 25, 50, 75, 90, 99 };

	run(&ref, run_args);
	printf("%s: status %d, %" PRIu64 " instructions, %zu bytes of output\n",
	       name, ref.status, ref.insns, ref.out_len);
	CHECK(ref.insns > 10, "%s: no instruction count in: %s", name, ref.err);
	if (ref.insns <= 10)
		return;
	for (unsigned i = 0; i < 7; i++) {
		uint64_t n = ref.insns * pct[i] / 100;

		if (n < 1 || n >= ref.insns - 1 || (n_at && at[n_at - 1] == n))
			continue;
		at[n_at++] = n;
	}
	at[n_at++] = ref.insns - 1;   /* the last boundary before the end */
	for (unsigned i = 0; i < n_at; i++)
		snprintf(spec + strlen(spec), sizeof(spec) - strlen(spec), "%sinsns:%" PRIu64,
			 i ? "," : "", at[i]);
	snprintf(path, sizeof(path), "%s/%s.snap", dir, name);
	snap_run(name, fw, limit, path, spec, &ref);
	for (unsigned i = 0; i < n_at; i++) {
		snprintf(file, sizeof(file), "%s/%s.%u.snap", dir, name, i + 1);
		CHECK(verify_restore(name, file, &ref, &saw_l2) == at[i],
		      "%s: snapshot %u not taken at %" PRIu64, name, i + 1, at[i]);
		if (i == 0 && !strcmp(name, "hello"))
			restore_and_snapshot_again(name, file, &ref);
		unlink(file);
	}
	bool l2_ran = want_l2 >= 0 && ref.status == want_l2;

	if (want_l2 >= 0 && !l2_ran)
		printf("%s: ended with status %d, not %d: no L2/VM-exit checks\n",
		       name, ref.status, want_l2);
	if (vmexits && l2_ran) {
		snprintf(path, sizeof(path), "%s/%s-x.snap", dir, name);
		unsigned found = 0;

		snap_run(name, fw, limit, path, vmexits, &ref);
		for (unsigned i = 1; i <= 16; i++) {
			snprintf(file, sizeof(file), "%s/%s-x.%u.snap", dir, name, i);
			if (access(file, R_OK))
				break;
			found++;
			verify_restore(name, file, &ref, &saw_l2);
			unlink(file);
		}
		CHECK(found >= 1, "%s: no snapshot on %s", name, vmexits);
	}
	/* spin's L2 is a CPUID loop: a few L2 instructions per ~100 of L1's
	 * exit handling, so the instruction-count points rarely land in L2. */
	if (l2_ran && strcmp(name, "spin"))
		CHECK(saw_l2, "%s: no snapshot caught an L2 running", name);
	free(ref.out);
}

int main(void)
{
	char dir[] = "/tmp/snaprestore.XXXXXX";
	const char *hello = getenv("FW_HELLO"), *fault = getenv("FW_FAULT");
	const char *demo = getenv("FW_VMXDEMO"), *spin = getenv("FW_SPIN");
	const char *fpu = getenv("FW_FPUSTATE"), *apic = getenv("FW_APIC");
	const char *vmtimer = getenv("FW_VMTIMER");

	if (!getenv("VMXBOX") || !hello || !fault || !demo || !spin || !fpu ||
	    !apic || !vmtimer || !mkdtemp(dir))
		return 1;
	if (!engine_works(hello)) {
		rmdir(dir);
		return EXIT_SKIP;
	}
	check_firmware("hello", hello, "-v", -1, NULL, dir);
	check_firmware("fault", fault, "-v", -1, NULL, dir);
	check_firmware("fpustate", fpu, "-v", -1, NULL, dir);
	check_firmware("demo", demo, "-v", 0,
		       "vmexit:CPUID:1,vmexit:CPUID:2", dir);
	check_firmware("spin", spin, "--max-insns=400000", 74,
		       "vmexit:CPUID:2,vmexit:CPUID:20", dir);
	check_firmware("apic", apic, "-v", -1, NULL, dir);
	check_firmware("vmtimer", vmtimer, "-v", 0,
		       "vmexit:EXTERNAL_INTERRUPT:1,vmexit:EXTERNAL_INTERRUPT:3,"
		       "vmexit:INTERRUPT_WINDOW:2", dir);
	rmdir(dir);
	printf("%s\n", failures ? "FAILED" : "all continuations exact");
	return failures ? 1 : 0;
}
