/* SPDX-License-Identifier: MIT */
/* Comparing two runs, listing a case, reporting a mismatch. */
#ifndef VMXBOX_TESTS_DIFFTEST_COMPARE_H
#define VMXBOX_TESTS_DIFFTEST_COMPARE_H

#include <stdio.h>

#include "dt.h"

/* RFLAGS bits compared after the case (status flags the SDM leaves
 * undefined are dropped). */
uint64_t dt_flags_mask(const struct dt_case *c);

/* While set, XMM lanes holding a NaN in both engines compare equal
 * (Unicorn's two-NaN choice differs from SSE's, docs/difftest.md). */
extern bool dt_nan_tolerant;

/* True if equal; otherwise describes the first difference in `what`. */
bool dt_compare(const struct dt_case *c, const struct dt_state *ref,
		const struct dt_state *got, char *what, size_t len);

/* Check every listed instruction decodes with Zydis to exactly the bytes
 * up to the next one (the generator's own sanity check). */
bool dt_verify_case(struct dt_case *c, char *what, size_t len);

void dt_print_listing(FILE *f, const struct dt_case *c);
void dt_print_state(FILE *f, const char *name, const struct dt_state *st);
void dt_report(FILE *f, const struct dt_case *c, const struct dt_result *ref,
	       const struct dt_result *got, const char *what);

struct dt_uc;
struct dt_interp;
/* Replay c single-stepped in both engines; print the first instruction
 * after which they differ. */
void dt_diagnose(FILE *f, struct dt_uc *u, struct dt_interp *ip,
		 const struct dt_case *c, char *culprit, size_t clen);
/* The same replay for difftest --simd: where the engines differ only by
 * which NaN an instruction returned, Unicorn's XMM registers are copied
 * into the interpreter and the replay goes on.  True if it reaches the
 * end without any other difference. */
bool dt_replay_nan_resync(struct dt_uc *u, struct dt_interp *ip,
			  const struct dt_case *c);

#endif
