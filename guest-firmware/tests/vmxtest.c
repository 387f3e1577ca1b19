// SPDX-License-Identifier: MIT
#include <stdarg.h>

#include "vmxtest.h"

const char *vmx_result_name(int r)
{
	static const char *const names[] = {
		"VMsucceed", "VMfailInvalid", "VMfailValid", "VMfail?",
	};

	return (r >= 0 && r <= 3) ? names[r] : "?";
}

bool expect_vmx(int got, int want, unsigned want_err, const char *fmt, ...)
{
	char name[160];
	unsigned err = 0;
	bool pass;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(name, sizeof(name), fmt, ap);
	va_end(ap);
	if (got == VMX_FAIL_VALID)
		err = vmx_insn_error();
	pass = got == want && (want != VMX_FAIL_VALID || err == want_err);
	if (want == VMX_FAIL_VALID)
		return test_result(pass, name, "got %s(%u) expected %s(%u)",
				   vmx_result_name(got), err,
				   vmx_result_name(want), want_err);
	return test_result(pass, name, "got %s(%u) expected %s",
			   vmx_result_name(got), err, vmx_result_name(want));
}

struct op_args {
	enum vmx_op op;
	uint64_t a, b;
	int result;
};

static void run_op(void *p)
{
	struct op_args *o = p;
	uint64_t v = 0;

	switch (o->op) {
	case OP_VMXON: o->result = vmxon(o->a); break;
	case OP_VMXOFF: o->result = vmxoff(); break;
	case OP_VMCLEAR: o->result = vmclear(o->a); break;
	case OP_VMPTRLD: o->result = vmptrld(o->a); break;
	case OP_VMPTRST: o->result = vmptrst(&v); break;
	case OP_VMREAD: o->result = vmread(o->a, &v); break;
	case OP_VMWRITE: o->result = vmwrite(o->a, o->b); break;
	case OP_VMLAUNCH: o->result = vmlaunch_bare(); break;
	case OP_VMRESUME: o->result = vmresume_bare(); break;
	case OP_VMCALL: o->result = vmcall(); break;
	case OP_INVEPT: o->result = invept(o->a, o->b); break;
	case OP_INVVPID: o->result = invvpid(o->a, (uint16_t)o->b, 0); break;
	case OP_VMFUNC: vmfunc((uint32_t)o->a, (uint32_t)o->b); break;
	}
}

int vmx_try(enum vmx_op op, uint64_t a, uint64_t b, int *result,
	    struct trap_info *ti)
{
	struct op_args o = { op, a, b, -1 };
	int v = trap_try(run_op, &o, ti);

	if (result)
		*result = o.result;
	return v;
}

const char *vmx_op_name(enum vmx_op op)
{
	static const char *const names[] = {
		"vmxon", "vmxoff", "vmclear", "vmptrld", "vmptrst", "vmread",
		"vmwrite", "vmlaunch", "vmresume", "vmcall", "invept",
		"invvpid", "vmfunc",
	};

	return names[op];
}

void expect_vmx_fault(enum vmx_op op, uint64_t a, uint64_t b, int vec,
		      uint64_t err, const char *name)
{
	struct trap_info ti;
	int r;
	int got = vmx_try(op, a, b, &r, &ti);

	if (got < 0) {
		test_result(false, name, "no exception (%s), expected #%s",
			    vmx_result_name(r), trap_name((unsigned)vec));
		return;
	}
	test_result(got == vec && ti.error_code == err, name,
		    "got #%s(0x%lx) expected #%s(0x%lx)",
		    trap_name((unsigned)got), ti.error_code,
		    trap_name((unsigned)vec), err);
}

void vmxtest_enable(void)
{
	int r;

	if (!vmx_supported()) {
		test_skip_fail("vmx not advertised (CPUID.1:ECX[5] = 0)");
		fw_exit(test_summary());
	}
	r = vmx_enable();
	if (r != VMX_SUCCEED) {
		test_skip_fail("vmxon failed: %d", r);
		fw_exit(test_summary());
	}
}

bool vm_run_expect(struct vmx_vm *vm, uint32_t reason, const char *name)
{
	int r = vmx_vm_run(vm);

	if (r != VMX_SUCCEED)
		return expect_vmx(r, VMX_SUCCEED, 0, "%s entry", name);
	return test_result(vm->exit_reason == reason, name,
			   "exit reason %u (%s) qualification 0x%lx rip 0x%lx "
			   "gpa 0x%lx, expected %u (%s)", vm->exit_reason,
			   vmx_exit_reason_name(EXIT_REASON_BASIC(vm->exit_reason)),
			   vm->exit_qual, vmcs_read(GUEST_RIP), vm->guest_phys,
			   reason, vmx_exit_reason_name(reason));
}
