/* SPDX-License-Identifier: MIT */
/* The two engines under comparison: Unicorn (reference) and our interp. */
#ifndef VMXBOX_TESTS_DIFFTEST_ENGINES_H
#define VMXBOX_TESTS_DIFFTEST_ENGINES_H

#include "dt.h"

struct dt_uc;
struct dt_interp;

struct dt_uc *dtuc_create(char *err, size_t errlen);
void dtuc_destroy(struct dt_uc *u);
/*
 * stepped: one instruction per uc_emu_start.  In multi-instruction blocks
 * Unicorn 2.0.1 sometimes computes lazily evaluated flags wrongly (seed
 * 1045: SF after RCL m64 then LOOPNE); its single-instruction blocks are
 * right but about 6 times slower.  Callers run fast first and confirm a
 * mismatch with a stepped run.
 */
void dtuc_run(struct dt_uc *u, const struct dt_case *c, struct dt_result *res,
	      bool stepped);
/* Pieces of a single-stepped run, for diagnosis. */
bool dtuc_load(struct dt_uc *u, const struct dt_case *c, char *err, size_t len);
/* Execute one instruction (or one REP iteration). */
bool dtuc_step(struct dt_uc *u, uint64_t until, char *err, size_t len);
void dtuc_save(struct dt_uc *u, struct dt_state *st);

/* NULL (with err) if the interpreter cannot be created. */
struct dt_interp *dti_create(char *err, size_t errlen);
void dti_destroy(struct dt_interp *ip);
void dti_run(struct dt_interp *ip, const struct dt_case *c,
	     struct dt_result *res);
bool dti_load(struct dt_interp *ip, const struct dt_case *c, char *err,
	      size_t len);
/* Run up to n instructions; returns the enum engine_exit_reason. */
int dti_step(struct dt_interp *ip, uint64_t n, char *msg, size_t len);
/* Did a run that ended with `why` at raw `rip` reach the final HLT? */
bool dti_at_final_hlt(int why, uint64_t rip, const struct dt_case *c);
/* Returns the raw RIP. */
uint64_t dti_save(struct dt_interp *ip, struct dt_state *st);
/* Overwrite the interpreter's XMM registers (NaN resync, step.c). */
void dti_set_xmm(struct dt_interp *ip, const struct dt_simd *s);

#endif
