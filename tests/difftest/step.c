// SPDX-License-Identifier: MIT
/*
 * Diagnosis of a mismatch: replay the case one instruction at a time in
 * both engines and name the first instruction after which they differ
 * (status flags compared as far as they are defined at that point).
 */
#include "compare.h"
#include "engines.h"
#include "gen.h"

#include <inttypes.h>
#include <string.h>

#include <Zydis/Zydis.h>

#include "engine/engine.h"

static int insn_index(const struct dt_case *c, uint64_t rip)
{
	for (uint32_t i = 0; i < c->ninsns; i++)
		if (DT_CODE_BASE + c->insn_off[i] == rip)
			return (int)i;
	return -1;
}

static void print_insn(FILE *f, const struct dt_case *c, uint64_t rip)
{
	ZydisDisassembledInstruction d;
	uint64_t off = rip - DT_CODE_BASE;

	if (off >= c->code_len ||
	    !ZYAN_SUCCESS(ZydisDisassembleIntel(ZYDIS_MACHINE_MODE_LONG_64, rip,
			c->code + off, c->code_len - off, &d)))
		fprintf(f, "%#" PRIx64 ": ?", rip);
	else
		fprintf(f, "%#" PRIx64 ": %s", rip, d.text);
}

/* Culprit name for --summary: mnemonic and operand size of the insn. */
static void name_insn(const struct dt_case *c, uint64_t rip, const char *kind,
		      char *out, size_t len)
{
	ZydisDisassembledInstruction d;
	uint64_t off = rip - DT_CODE_BASE;

	if (off >= c->code_len ||
	    !ZYAN_SUCCESS(ZydisDisassembleIntel(ZYDIS_MACHINE_MODE_LONG_64, rip,
			c->code + off, c->code_len - off, &d)))
		snprintf(out, len, "%s ?", kind);
	else
		snprintf(out, len, "%s %s/%u%s", kind,
			 ZydisMnemonicGetString(d.info.mnemonic),
			 d.info.operand_width,
			 d.info.attributes & ZYDIS_ATTRIB_HAS_MODRM &&
			 d.info.raw.modrm.mod != 3 ? " mem" : "");
}

/* Returns 1 at the final HLT with no difference, 0 at the first one
 * (reported to f), -1 if the replay itself failed. */
static int replay(FILE *f, struct dt_uc *u, struct dt_interp *ip,
		  const struct dt_case *c, char *culprit, size_t clen,
		  bool resync)
{
	static struct dt_state a, b;
	static struct dt_case cc;
	char err[256], what[320];
	uint64_t rip = c->init.rip;

	snprintf(culprit, clen, "unknown");
	cc = *c;
	if (!dtuc_load(u, c, err, sizeof(err)) ||
	    !dti_load(ip, c, err, sizeof(err))) {
		fprintf(f, "  diagnose: %s\n", err);
		return -1;
	}
	for (unsigned steps = 0; steps < 4096; steps++) {
		uint64_t next = rip;
		int why = ENGINE_EXIT_INSN_LIMIT, idx;

		/* an interp that counts REP iterations makes no progress */
		for (unsigned k = 0; k < 4096 && next == rip &&
		     why == ENGINE_EXIT_INSN_LIMIT; k++) {
			why = dti_step(ip, 1, err, sizeof(err));
			next = dti_save(ip, &b);
		}
		if (why != ENGINE_EXIT_INSN_LIMIT && dti_at_final_hlt(why, next, c)) {
			fprintf(f, "  diagnose: no difference when single-stepped\n");
			return 1;
		}
		if (why != ENGINE_EXIT_INSN_LIMIT) {
			fprintf(f, "  diagnose: interp exit %s executing ",
				engine_exit_reason_name(why));
			print_insn(f, c, rip);
			fprintf(f, " %s\n", err);
			name_insn(c, rip, "fault", culprit, clen);
			return 0;
		}
		bool ran = true;

		dtuc_save(u, &a);
		for (unsigned k = 0; ran && a.rip != next && k < DT_EXEC_LIMIT; k++) {
			ran = dtuc_step(u, next, err, sizeof(err));
			dtuc_save(u, &a);
		}
		if (!ran) {
			fprintf(f, "  diagnose: %s executing ", err);
			print_insn(f, c, rip);
			fprintf(f, "\n");
			name_insn(c, rip, "unicorn-fault", culprit, clen);
			return -1;
		}
		dtuc_save(u, &a);
		idx = insn_index(c, next);
		cc.defined_flags = idx >= 0 ? c->mask_before[idx] : 0;
		if (resync && !dt_compare(&cc, &a, &b, what, sizeof(what))) {
			dt_nan_tolerant = true;
			if (dt_compare(&cc, &a, &b, what, sizeof(what))) {
				dti_set_xmm(ip, &a.simd);
				b.simd = a.simd;
			}
			dt_nan_tolerant = false;
		}
		if (!dt_compare(&cc, &a, &b, what, sizeof(what))) {
			fprintf(f, "  FIRST DIFFERENCE after ");
			print_insn(f, c, rip);
			fprintf(f, "\n    %s\n", what);
			dt_print_state(f, "unicorn after it", &a);
			dt_print_state(f, "interp after it", &b);
			name_insn(c, rip, strncmp(what, "rflags", 6) ? "value" :
				  "flags", culprit, clen);
			return 0;
		}
		rip = next;
	}
	fprintf(f, "  diagnose: step limit\n");
	return -1;
}

void dt_diagnose(FILE *f, struct dt_uc *u, struct dt_interp *ip,
		 const struct dt_case *c, char *culprit, size_t clen)
{
	replay(f, u, ip, c, culprit, clen, gen_simd);
}

bool dt_replay_nan_resync(struct dt_uc *u, struct dt_interp *ip,
			  const struct dt_case *c)
{
	static FILE *null;
	char culprit[96];

	if (!null)
		null = fopen("/dev/null", "w");
	return replay(null ? null : stderr, u, ip, c, culprit, sizeof(culprit),
		      true) == 1;
}
