/* SPDX-License-Identifier: MIT */
/* Helpers shared by the nested VMX test programs. */
#ifndef FW_VMXTEST_H
#define FW_VMXTEST_H

#include "fw.h"
#include "vmx.h"

/* Expect a VMX instruction outcome; for VMfailValid also the
 * VM-instruction error number (read from the current VMCS). */
bool expect_vmx(int got, int want, unsigned want_err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Run one VMX instruction under trap_try: returns the exception vector
 * (-1 if none) and stores the instruction's outcome in *result. */
enum vmx_op {
	OP_VMXON, OP_VMXOFF, OP_VMCLEAR, OP_VMPTRLD, OP_VMPTRST, OP_VMREAD,
	OP_VMWRITE, OP_VMLAUNCH, OP_VMRESUME, OP_VMCALL, OP_INVEPT,
	OP_INVVPID, OP_VMFUNC,
};
int vmx_try(enum vmx_op op, uint64_t a, uint64_t b, int *result,
	    struct trap_info *ti);
const char *vmx_op_name(enum vmx_op op);

/* Expect op(a, b) to raise exception vec with error code err. */
void expect_vmx_fault(enum vmx_op op, uint64_t a, uint64_t b, int vec,
		      uint64_t err, const char *name);

/* Run vm (VMLAUNCH/VMRESUME) and expect a VM exit with this basic reason;
 * a failed entry or another reason is one failed test line, with the exit
 * reason, qualification, guest RIP and guest-physical address. */
bool vm_run_expect(struct vmx_vm *vm, uint32_t reason, const char *name);

/* Bring up VMX (VMXON) or fail the whole program with a clear line. */
void vmxtest_enable(void);

const char *vmx_result_name(int r);

#endif
