// SPDX-License-Identifier: MIT
/*
 * difftest: run random instruction sequences in Unicorn and in our
 * interpreter and compare the results.
 *
 *   difftest [--count=N] [--seed=S] [--len=L] [--verbose] [--uc-only]
 *            [--max-report=K] [--summary] [--code=HEX]
 *
 * --code=HEX runs the given bytes (then HLT) from the initial state of
 * each seed instead of the generated code; all status flags compared.
 *
 * Case i uses seed S+i, so a reported case reruns alone with
 * --seed=<its seed> --count=1.  Exit status 0 only if every case matched.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/cpu_model.h"

#include "compare.h"
#include "engines.h"
#include "gen.h"

struct opts {
	uint64_t count, seed;
	unsigned len, max_report;
	bool verbose, uc_only, summary;
	uint8_t code[256];      /* --code=HEX: replaces the generated code */
	unsigned code_len;
};

static bool arg_u64(const char *a, const char *name, uint64_t *v)
{
	size_t n = strlen(name);
	char *end;

	if (strncmp(a, name, n) || a[n] != '=')
		return false;
	*v = strtoull(a + n + 1, &end, 0);
	if (*end || end == a + n + 1) {
		fprintf(stderr, "difftest: bad value in %s\n", a);
		exit(2);
	}
	return true;
}

static void parse(int argc, char **argv, struct opts *o)
{
	uint64_t v;

	*o = (struct opts){ .count = 1000, .seed = 1, .len = 16, .max_report = 3 };
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (arg_u64(a, "--count", &o->count) ||
		    arg_u64(a, "--seed", &o->seed))
			continue;
		if (arg_u64(a, "--len", &v) && v >= 1 && v <= 64) {
			o->len = (unsigned)v;
		} else if (arg_u64(a, "--max-report", &v)) {
			o->max_report = (unsigned)v;
		} else if (!strcmp(a, "--verbose")) {
			o->verbose = true;
		} else if (!strncmp(a, "--code=", 7)) {
			const char *h = a + 7;

			for (o->code_len = 0; h[0] && h[1] && o->code_len < 256;
			     h += 2) {
				unsigned b;

				if (sscanf(h, "%2x", &b) != 1) {
					fprintf(stderr, "difftest: bad hex\n");
					exit(2);
				}
				o->code[o->code_len++] = (uint8_t)b;
			}
		} else if (!strcmp(a, "--summary")) {
			o->summary = true;
		} else if (!strcmp(a, "--uc-only")) {
			o->uc_only = true;
		} else if (!strcmp(a, "--simd")) {
			gen_simd = true;
		} else if (!strcmp(a, "--x87")) {
			gen_x87 = true;
		} else {
			fprintf(stderr, "usage: difftest [--count=N] [--seed=S] "
				"[--len=1..64] [--verbose] [--uc-only] "
				"[--max-report=K] [--summary] [--code=HEX] [--simd] [--x87]\n");
			exit(2);
		}
	}
}

static bool judge(const struct dt_case *c, const struct dt_result *ref,
		  const struct dt_result *got, char *what, size_t len)
{
	if (!ref->ok) {
		snprintf(what, len, "generator bug? %s", ref->err);
		return false;
	}
	if (!got->ok) {
		snprintf(what, len, "%s", got->err);
		return false;
	}
	return dt_compare(c, &ref->st, &got->st, what, len);
}

/* --summary: mismatches grouped by the instruction that diverged. */
#define MAX_KINDS 256
static struct {
	char name[96];
	uint64_t count, seed;
} kinds[MAX_KINDS];
static unsigned nkinds;

static void tally(const char *name, uint64_t seed)
{
	unsigned i;

	for (i = 0; i < nkinds; i++)
		if (!strcmp(kinds[i].name, name))
			break;
	if (i == nkinds) {
		if (nkinds == MAX_KINDS)
			return;
		snprintf(kinds[nkinds].name, sizeof(kinds[0].name), "%s", name);
		kinds[nkinds++].seed = seed;
	}
	kinds[i].count++;
}

static void print_tally(void)
{
	for (unsigned i = 0; i < nkinds; i++)
		printf("  %8" PRIu64 "  %-40s e.g. --seed=%" PRIu64 "\n",
		       kinds[i].count, kinds[i].name, kinds[i].seed);
}

int main(int argc, char **argv)
{
	static struct dt_case c;
	static struct dt_result ref, got;
	struct dt_interp *ip = NULL;
	struct dt_uc *uc, *uc2 = NULL;
	uint64_t bad = 0, reported = 0, uc_block_bugs = 0, nan_resyncs = 0;
	char err[256], what[320];
	struct opts o;
	clock_t t0 = clock();

	parse(argc, argv, &o);
	/* The interp follows the CPU model's CPUID for LAHF/SAHF. */
	struct cpu_model model;
	uint32_t id[4];

	cpu_model_default(&model);
	cpu_model_cpuid(&model, 0x80000001u, 0, id);
	gen_have_lahf64 = id[2] & 1;
	cpu_model_cpuid(&model, 1, 0, id);
	gen_have_cx16 = id[2] & (1u << 13);
	FILE *devnull = fopen("/dev/null", "w");

	if (!devnull)
		devnull = stderr;
	uc = dtuc_create(err, sizeof(err));
	if (!uc) {
		fprintf(stderr, "difftest: %s\n", err);
		return 2;
	}
	if (o.uc_only)
		uc2 = dtuc_create(err, sizeof(err));
	else
		ip = dti_create(err, sizeof(err));
	if (!uc2 && !ip) {
		fprintf(stderr, "difftest: %s\n", err);
		return 2;
	}
	for (uint64_t i = 0; i < o.count; i++) {
		bool ok;

		gen_case(&c, o.seed + i, o.len);
		if (o.code_len)    /* the seed's initial state, given code */
			gen_raw_case(&c, o.code, o.code_len, DT_STATUS_FLAGS);
		if (!dt_verify_case(&c, what, sizeof(what))) {
			ok = false;
			dtuc_run(uc, &c, &ref, false);
			got = ref;
		} else {
			dtuc_run(uc, &c, &ref, false);
			if (uc2)
				dtuc_run(uc2, &c, &got, false);
			else
				dti_run(ip, &c, &got);
			ok = judge(&c, &ref, &got, what, sizeof(what));
			if (!ok && ip) {
				/* confirm against single-stepped Unicorn */
				if (getenv("DT_DEBUG_BLOCK"))
					printf("block-mode seed=%" PRIu64 ": %s\n", c.seed, what);
				dtuc_run(uc, &c, &ref, true);
				ok = judge(&c, &ref, &got, what, sizeof(what));
				uc_block_bugs += ok;
				/* --simd: differences only in which NaN came
				 * out (see compare.c) are not mismatches. */
				if (!ok && gen_simd && ref.ok && got.ok &&
				    dt_replay_nan_resync(uc, ip, &c)) {
					ok = true;
					nan_resyncs++;
				}
			}
		}
		if (!ok) {
			bad++;
			bool show = reported++ < o.max_report || o.verbose;

			if (show)
				dt_report(stdout, &c, &ref, &got, what);
			if (ip && ref.ok && (show || o.summary)) {
				char culprit[96];

				dt_diagnose(show ? stdout : devnull, uc, ip, &c,
					    culprit, sizeof(culprit));
				tally(culprit, c.seed);
			}
		} else if (o.verbose) {
			printf("seed=%" PRIu64 " ok\n", c.seed);
			dt_print_listing(stdout, &c);
		}
	}
	printf("difftest: %" PRIu64 " cases, %" PRIu64 " mismatches "
	       "(seeds %" PRIu64 "..%" PRIu64 ", len %u, %s, %.1f s cpu)\n",
	       o.count, bad, o.seed, o.seed + o.count - 1, o.len,
	       o.uc_only ? "unicorn vs unicorn" : "unicorn vs interp",
	       (double)(clock() - t0) / CLOCKS_PER_SEC);
	if (uc_block_bugs)
		printf("  (%" PRIu64 " cases where Unicorn was right only "
		       "single-stepped)\n", uc_block_bugs);
	if (nan_resyncs)
		printf("  (%" PRIu64 " cases equal once Unicorn's choice between "
		       "two NaN operands was taken over)\n", nan_resyncs);
	if (o.summary)
		print_tally();
	dti_destroy(ip);
	dtuc_destroy(uc2);
	dtuc_destroy(uc);
	return bad ? 1 : 0;
}
