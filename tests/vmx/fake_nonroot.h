/* SPDX-License-Identifier: MIT */
#ifndef VMXBOX_TESTS_FAKE_NONROOT_H
#define VMXBOX_TESTS_FAKE_NONROOT_H

#include "vmx/vmx.h"

struct fake_nonroot {
	unsigned entries, exits, intercepts, boundaries, translations;
	bool launch;
	uint32_t reason;
	uint64_t qual;
	enum icpt_kind last_kind;
	enum icpt_result nonroot_result;
};
extern struct fake_nonroot fake_nr;

#endif
