/* SPDX-License-Identifier: MIT */
/*
 * The vmx_exit test's fixture (test_vmx_exit.c, test_vmx_exit_ctl.c): a
 * VMCS launched into non-root operation (vmxb_fixture.h), an intercept to
 * hand to the VMX core, and the check that it exited to the host.
 */
#ifndef VMXBOX_TESTS_VMX_EXIT_FIXTURE_H
#define VMXBOX_TESTS_VMX_EXIT_FIXTURE_H

#include <check.h>

#include "vmx/exit_info.h"
#include "vmx/nonroot.h"
#include "vmxb_fixture.h"

extern struct fix F;

/* Checked fixture: F entered into non-root operation, no state change. */
void exit_setup(void);
void exit_teardown(void);

/* An intercept of kind k at the guest's RIP, instruction length len. */
struct x86_intercept icpt(enum icpt_kind k, uint32_t len);

/* The last intercept made a VM exit with this reason and qualification,
 * and the host runs at its RIP. */
void assert_exited(uint32_t reason, uint64_t qual);

/* test_vmx_exit_ctl.c's tests. */
void exit_ctl_add_tests(TCase *tc);

#endif
