// SPDX-License-Identifier: MIT
/*
 * VMX core fuzz target: the input is a program of VMX operations - VMX
 * instructions with random pointers (aligned, unaligned, at the end of RAM,
 * beyond RAM, beyond MAXPHYADDR), random VMCS region contents, random
 * VMWRITEs, MSR and CR accesses, mode changes, and non-root intercepts,
 * boundaries and EPT translations once a VM entry succeeded.  Everything
 * runs through vmx_intercept_ops against the fake engine of tests/vmx, with
 * the real VMX core (instruction side and entry/exit side) linked in.
 * The property: no crash, no sanitizer report, no out-of-RAM access, and
 * every result is one of the four enum icpt_result values with a pending
 * exception exactly when ICPT_FAULT is returned.
 *
 * LLVMFuzzerTestOneInput is libFuzzer compatible.  With -DVMX_FUZZ_DRIVER a
 * deterministic main() feeds it pseudo-random inputs (the meson test).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_ctx.h"
#include "vmx/vmx.h"

#define RAM (2ull << 20)

struct input {
	const uint8_t *p;
	size_t n;
};

static uint64_t take(struct input *in, unsigned bytes)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < bytes && in->n; i++, in->p++, in->n--)
		v |= (uint64_t)*in->p << (8 * i);
	return v;
}

static const uint64_t pages[] = { 0x1000, 0x2000, 0x3000, 0x4000 };

/* A physical pointer, biased to the interesting cases. */
static uint64_t pointer(struct input *in)
{
	uint8_t kind = (uint8_t)take(in, 1);
	uint64_t r;

	switch (kind & 7) {
	case 0: case 1: case 2: case 3:
		return pages[kind & 3];
	case 4:
		return take(in, 8);
	case 5:
		return RAM - 0x1000 * (1 + (take(in, 1) & 3));
	case 6:
		return RAM + 0x1000 * take(in, 2);
	default:
		r = take(in, 4) % RAM;
		return kind & 8 ? r : r & ~0xfffull;
	}
}

static struct fake_cpu F;
static struct vmx_vcpu *V;
static unsigned long results[4];   /* by enum icpt_result, for the driver */

static void check(enum icpt_result r)
{
	if (r != ICPT_CONTINUE && r != ICPT_EMULATED && r != ICPT_SWITCHED &&
	    r != ICPT_FAULT)
		abort();
	results[r]++;
	if ((r == ICPT_FAULT) != F.s.pending_exception.valid)
		abort();
	F.s.pending_exception.valid = false;
}

static enum icpt_result run(struct x86_intercept *ic)
{
	F.s.pending_exception.valid = false;
	return vmx_intercept_ops.intercept(V, &F.ctx, ic);
}

/* A VMX instruction with a memory operand at SCRATCH holding `val`. */
#define SCRATCH 0x800ull
static void vmx_mem(enum vmx_insn_id w, const void *val, unsigned len,
		    uint8_t reg2)
{
	struct x86_intercept ic;

	gmem_write(&F.mem, SCRATCH, val, len);
	ic = fake_vmx_mem(w, SCRATCH, (int8_t)reg2, reg2);
	check(run(&ic));
}

static void vmx_reg(enum vmx_insn_id w, uint8_t rm, uint8_t reg2)
{
	struct x86_intercept ic = fake_vmx_reg(w, rm & 15, reg2 & 15);

	check(run(&ic));
}

static uint32_t encoding(struct input *in)
{
	uint8_t k = (uint8_t)take(in, 1);

	if (k & 1)
		return (uint32_t)take(in, 4);
	return vmcs_field_table[(k >> 1) % VMCS_FIELD_COUNT].encoding |
	       ((k >> 7) & 1);
}

static void op_vmx(struct input *in, unsigned op)
{
	uint64_t p = 0, d[2];
	uint8_t r = (uint8_t)take(in, 1);

	switch (op) {
	case 0: p = pointer(in); vmx_mem(VMXI_VMXON, &p, 8, 0); break;
	case 1: vmx_reg(VMXI_VMXOFF, 0, 0); break;
	case 2: p = pointer(in); vmx_mem(VMXI_VMCLEAR, &p, 8, 0); break;
	case 3: p = pointer(in); vmx_mem(VMXI_VMPTRLD, &p, 8, 0); break;
	case 4: p = 0; vmx_mem(VMXI_VMPTRST, &p, 8, 0); break;
	case 5:
		F.s.gpr[r & 15] = encoding(in);
		if (r & 0x80)
			vmx_mem(VMXI_VMREAD, &p, 0, r & 15);
		else
			vmx_reg(VMXI_VMREAD, r >> 4, r);
		break;
	case 6:
		p = take(in, 8);
		F.s.gpr[r & 15] = encoding(in);
		if (r & 0x80) {
			vmx_mem(VMXI_VMWRITE, &p, 8, r & 15);
		} else {
			F.s.gpr[(r >> 4) & 7] = p;
			vmx_reg(VMXI_VMWRITE, (r >> 4) & 7, r);
		}
		break;
	case 7: vmx_reg(VMXI_VMLAUNCH, 0, 0); break;
	case 8: vmx_reg(VMXI_VMRESUME, 0, 0); break;
	case 9: vmx_reg(VMXI_VMCALL, 0, 0); break;
	case 10:
	case 11:
		F.s.gpr[r & 15] = take(in, 1) & 7;
		d[0] = take(in, 8);
		d[1] = take(in, 8);
		vmx_mem(op == 10 ? VMXI_INVEPT : VMXI_INVVPID, d, 16, r & 15);
		break;
	default:
		F.s.gpr[GPR_RAX] = take(in, 1) & 0x41;
		F.s.gpr[GPR_RCX] = take(in, 2) & 0x3ff;
		vmx_reg(VMXI_VMFUNC, 0, 0);
		break;
	}
}

static void op_msr(struct input *in, bool write)
{
	struct x86_intercept ic = { .kind = write ? ICPT_WRMSR : ICPT_RDMSR,
				    .insn_len = 2 };
	uint8_t k = (uint8_t)take(in, 1);

	if (k < 0x20)
		ic.u.msr.index = MSR_IA32_VMX_FIRST + (k & 0x1fu);
	else if (k < 0x80)
		ic.u.msr.index = MSR_IA32_FEATURE_CONTROL;
	else
		ic.u.msr.index = (uint32_t)take(in, 4);
	ic.u.msr.value = take(in, 8);
	check(run(&ic));
}

static void op_cr(struct input *in)
{
	static const uint8_t crs[] = { 0, 3, 4, 8 };
	struct x86_intercept ic = { .kind = ICPT_MOV_CR, .insn_len = 3 };
	uint8_t k = (uint8_t)take(in, 1);
	uint64_t *cr;

	ic.u.cr.cr = crs[k & 3];
	ic.u.cr.write = !(k & 4);
	ic.u.cr.gpr = (k >> 3) & 15;
	cr = ic.u.cr.cr == 0 ? &F.s.cr0 : &F.s.cr4;
	ic.u.cr.value = *cr ^ (1ull << (take(in, 1) & 31));
	if (run(&ic) == ICPT_CONTINUE && ic.u.cr.write &&
	    (ic.u.cr.cr == 0 || ic.u.cr.cr == 4))
		*cr = ic.u.cr.value;     /* as the engine would */
	F.s.pending_exception.valid = false;
}

/* Well-formed intercepts of other kinds, as an engine produces them. */
static void op_event(struct input *in)
{
	struct x86_intercept ic = { .insn_len = 2, .rip = F.s.rip };
	uint8_t k = (uint8_t)take(in, 1);
	static const uint8_t sizes[] = { 1, 2, 4, 4 };

	switch (k % 8) {
	case 0:
		ic.kind = ICPT_CPUID;
		ic.u.cpuid.leaf = (uint32_t)take(in, 1);
		break;
	case 1: ic.kind = ICPT_HLT; break;
	case 2: ic.kind = ICPT_RDTSC; break;
	case 3:
		ic.kind = ICPT_IO;
		ic.u.io.port = (uint16_t)take(in, 2);
		ic.u.io.size = sizes[k >> 6];
		ic.u.io.in = k & 8;
		break;
	case 4:
		ic.kind = ICPT_EXCEPTION;
		ic.u.exc.vector = take(in, 1) & 31;
		ic.u.exc.type = EVT_HW_EXCEPTION;
		ic.u.exc.has_error_code = ic.u.exc.vector == 13 ||
					  ic.u.exc.vector == 14;
		ic.u.exc.qualification = take(in, 8);
		break;
	case 5: ic.kind = ICPT_PAUSE; break;
	case 6:
		ic.kind = ICPT_INVLPG;
		ic.u.invlpg.linear = take(in, 8);
		break;
	default: ic.kind = ICPT_WBINVD; break;
	}
	check(run(&ic));
}

static void op_mode(struct input *in)
{
	uint8_t k = (uint8_t)take(in, 1);

	switch (k & 7) {
	case 0: fake_mode_64(&F); break;
	case 1: fake_mode_legacy32(&F); break;
	case 2: fake_mode_compat(&F); break;
	case 3: fake_mode_real(&F); break;
	case 4: fake_mode_v86(&F); break;
	case 5: fake_set_cpl(&F, k >> 6); break;
	case 6: F.s.interruptibility = k >> 3 & 0xf; break;
	default: F.s.msr.feature_control = k >> 3 & 7; break;
	}
}

static void op_memory(struct input *in, bool whole_region)
{
	uint64_t gpa = pointer(in) % RAM;
	uint8_t buf[64];

	if (whole_region) {
		uint64_t page = gpa & ~0xfffull;
		uint8_t fill = (uint8_t)take(in, 1);

		for (unsigned off = 0; off < 4096; off += 64) {
			for (unsigned i = 0; i < 64; i++)
				buf[i] = (uint8_t)(fill * (off + i + 1) >> 3);
			gmem_write(&F.mem, page + off, buf, 64);
		}
		if (fill & 1)
			gmem_write_u32(&F.mem, page, VMX_REVISION_ID);
		return;
	}
	for (unsigned i = 0; i < 8; i++)
		buf[i] = (uint8_t)take(in, 1);
	gmem_write(&F.mem, gpa, buf, 8);
}

static void step(struct input *in)
{
	unsigned op = (unsigned)take(in, 1) % 24;
	uint64_t out;

	if (op <= 12)
		op_vmx(in, op);
	else if (op <= 14)
		op_msr(in, op == 14);
	else if (op == 15)
		op_cr(in);
	else if (op == 16)
		op_event(in);
	else if (op == 17)
		op_mode(in);
	else if (op <= 19)
		op_memory(in, op == 19);
	else if (op == 20)
		check(vmx_intercept_ops.boundary(V, &F.ctx));
	else if (op == 21)
		check(vmx_intercept_ops.translate_gpa(V, &F.ctx, pointer(in),
						      take(in, 1) & 7, 0,
						      false, false, &out));
	else
		vmcs_write(V, encoding(in), take(in, 8));  /* raw poke */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };
	struct cpu_model m;

	if (fake_init(&F, RAM))
		abort();
	cpu_model_default(&m);
	V = vmx_vcpu_create(&m);
	if (!V)
		abort();
	for (unsigned i = 0; i < 4; i++)
		gmem_write_u32(&F.mem, pages[i], VMX_REVISION_ID);
	for (unsigned steps = 0; in.n && steps < 4096; steps++)
		step(&in);
	vmx_flush_current(V, &F.mem);
	vmx_vcpu_destroy(V);
	fake_destroy(&F);
	return 0;
}

#ifdef VMX_FUZZ_DRIVER
static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Deterministic driver: vmx_fuzz [iterations [seed]]. */
int main(int argc, char **argv)
{
	unsigned long iters = argc > 1 ? strtoul(argv[1], NULL, 0) : 3000;
	uint64_t seed = argc > 2 ? strtoull(argv[2], NULL, 0) : 0x766d78ull;
	uint8_t buf[512];

	for (unsigned long it = 0; it < iters; it++) {
		size_t len = 16 + xorshift(&seed) % (sizeof(buf) - 16);

		for (size_t i = 0; i < len; i++)
			buf[i] = (uint8_t)xorshift(&seed);
		/* Most programs start with VMXON of a good region, then
		 * VMCLEAR + VMPTRLD, so the deeper states are reached. */
		if (it % 4) {
			static const uint8_t prologue[] = {
				0, 0, 0,  2, 0, 1,  3, 0, 1,
			};
			memcpy(buf, prologue, sizeof(prologue));
		}
		LLVMFuzzerTestOneInput(buf, len);
	}
	printf("vmx_fuzz: %lu inputs, no crash; results: continue %lu, "
	       "emulated %lu, switched %lu, fault %lu\n", iters,
	       results[ICPT_CONTINUE], results[ICPT_EMULATED],
	       results[ICPT_SWITCHED], results[ICPT_FAULT]);
	return 0;
}
#endif
