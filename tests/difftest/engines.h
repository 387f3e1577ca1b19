/* SPDX-License-Identifier: MIT */
/* The two engines under comparison: Unicorn (reference) and our interp. */
#ifndef VMXBOX_TESTS_DIFFTEST_ENGINES_H
#define VMXBOX_TESTS_DIFFTEST_ENGINES_H

#include "dt.h"

struct dt_uc;
struct dt_interp;

struct dt_uc *dtuc_create(char *err, size_t errlen);
void dtuc_destroy(struct dt_uc *u);
void dtuc_run(struct dt_uc *u, const struct dt_case *c, struct dt_result *res);

/* NULL (with err) if the interpreter cannot be created. */
struct dt_interp *dti_create(char *err, size_t errlen);
void dti_destroy(struct dt_interp *ip);
void dti_run(struct dt_interp *ip, const struct dt_case *c,
	     struct dt_result *res);

#endif
