// SPDX-License-Identifier: MIT
/* The vmx_exit test's fixture (exit_fixture.h). */
#include <string.h>

#include "exit_fixture.h"

struct fix F;

void exit_setup(void)
{
	fix_init(&F, true);
	fix_enter(&F);
	F.state_changed = 0;
}

void exit_teardown(void)
{
	fix_fini(&F);
}

struct x86_intercept icpt(enum icpt_kind k, uint32_t len)
{
	struct x86_intercept ic;

	memset(&ic, 0, sizeof(ic));
	ic.kind = k;
	ic.rip = F.cpu.rip;
	ic.insn_len = len;
	ic.op_size = 32;
	return ic;
}

void assert_exited(uint32_t reason, uint64_t qual)
{
	ck_assert(!F.v->nonroot);
	ck_assert_uint_eq(fr(&F, VMCS_VM_EXIT_REASON), reason);
	ck_assert_uint_eq(fr(&F, VMCS_EXIT_QUALIFICATION), qual);
	ck_assert_uint_eq(F.cpu.rip, FIX_HOST_RIP);
	ck_assert_int_eq(F.state_changed, 1);
}

