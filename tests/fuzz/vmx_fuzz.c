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
 * Structure-aware inputs (first byte with its top two bits set) start
 * from a valid VMCS - a 64-bit L2 as tests/vmx's fixture and the demo set
 * it up, with EPT (identity, 2-MByte pages) half the time - mutate fields,
 * control bits, the EPT entries, the MSR bitmap and a VM-entry MSR-load
 * area, launch it and run the rest of the program in non-root operation.
 * Stage counters say how deep the inputs got: control checks passed, host
 * checks passed, guest checks passed, non-root entered, exited, EPT
 * violations and misconfigurations (the driver asserts each is > 0).
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

enum stage {
	ST_CONTROLS, ST_HOST, ST_GUEST, ST_ENTERED, ST_EXITED,
	ST_EPT_VIOLATION, ST_EPT_MISCONFIG, ST_COUNT
};
static const char *const stage_names[ST_COUNT] = {
	"control checks passed", "host checks passed", "guest checks passed",
	"entered non-root", "exited", "EPT violation", "EPT misconfig",
};
static bool reached[ST_COUNT];          /* by this input */
static unsigned long stages[ST_COUNT];  /* inputs that reached each */

/* What a VM entry attempt or a non-root intercept led to (SDM 27.1-27.4,
 * 28.2.1): VMfailValid(7) fails the controls, (8) the host state, a
 * failed-entry exit 33 the guest state, 34 the MSR loading. */
static void observe(bool was_nonroot, bool entry)
{
	uint32_t reason;

	if (V->nonroot) {
		if (!was_nonroot)
			reached[ST_CONTROLS] = reached[ST_HOST] =
				reached[ST_GUEST] = reached[ST_ENTERED] = true;
		return;
	}
	if (was_nonroot) {
		reason = (uint32_t)vmcs_read(V, VMCS_VM_EXIT_REASON) & 0xffff;
		reached[ST_EXITED] = true;
		reached[ST_EPT_VIOLATION] |= reason == EXIT_REASON_EPT_VIOLATION;
		reached[ST_EPT_MISCONFIG] |= reason == EXIT_REASON_EPT_MISCONFIG;
		return;
	}
	if (!entry || V->current_vmcs == VMCS_PTR_NONE)
		return;
	if (F.s.rflags & RFLAGS_ZF) {
		if (vmcs_read(V, VMCS_VM_INSTRUCTION_ERROR) ==
		    VMXERR_ENTRY_INVALID_HOST_STATE)
			reached[ST_CONTROLS] = true;
		return;
	}
	reason = (uint32_t)vmcs_read(V, VMCS_VM_EXIT_REASON);
	if (!(reason & EXIT_REASON_FAILED_VMENTRY))
		return;
	reached[ST_CONTROLS] = reached[ST_HOST] = true;
	if ((reason & 0xffff) == EXIT_REASON_MSR_LOAD_FAIL)
		reached[ST_GUEST] = true;
}

static enum icpt_result run(struct x86_intercept *ic)
{
	bool was = V->nonroot;
	bool entry = ic->kind == ICPT_VMX_INSN &&
		     (ic->u.vmx.which == VMXI_VMLAUNCH ||
		      ic->u.vmx.which == VMXI_VMRESUME);
	enum icpt_result r;

	F.s.pending_exception.valid = false;
	F.s.rflags &= ~RFLAGS_ZF;
	r = vmx_intercept_ops.intercept(V, &F.ctx, ic);
	observe(was, entry);
	return r;
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
	else if (op == 20) {
		bool was = V->nonroot;

		check(vmx_intercept_ops.boundary(V, &F.ctx));
		observe(was, false);
	} else if (op == 21) {
		bool was = V->nonroot;

		check(vmx_intercept_ops.translate_gpa(V, &F.ctx, pointer(in),
						      take(in, 1) & 7, 0,
						      false, false, &out));
		observe(was, false);
	} else
		vmcs_write(V, encoding(in), take(in, 8));  /* raw poke */
}

/* ---- structure-aware inputs: a valid VMCS, mutated ---------------------- */

#define S_VMXON    0x1000ull
#define S_VMCS     0x2000ull
#define S_EPT      0x10000ull   /* PML4, PDPT, PD: 0x10000..0x12fff */
#define S_MSR_BMP  0x13000ull
#define S_MSR_AREA 0x14000ull
#define S_IO_A     0x15000ull
#define S_IO_B     0x16000ull
#define S_CR0      (CR0_PE | CR0_ET | CR0_NE | CR0_PG)
#define S_CR4      (CR4_PAE | CR4_VMXE)
#define S_EFER     (EFER_SCE | EFER_LME | EFER_LMA)

static void w(uint32_t enc, uint64_t val)
{
	vmcs_write(V, enc, val);
}

static void guest_seg(unsigned seg, uint16_t sel, uint64_t base,
		      uint32_t limit, uint32_t ar)
{
	static const uint32_t sel_enc[] = {
		VMCS_GUEST_ES_SELECTOR, VMCS_GUEST_CS_SELECTOR,
		VMCS_GUEST_SS_SELECTOR, VMCS_GUEST_DS_SELECTOR,
		VMCS_GUEST_FS_SELECTOR, VMCS_GUEST_GS_SELECTOR,
		VMCS_GUEST_LDTR_SELECTOR, VMCS_GUEST_TR_SELECTOR,
	};

	w(sel_enc[seg], sel);
	w(VMCS_GUEST_ES_BASE + 2 * seg, base);
	w(VMCS_GUEST_ES_LIMIT + 2 * seg, limit);
	w(VMCS_GUEST_ES_AR_BYTES + 2 * seg, ar);
}

/* Identity EPT of guest RAM with 2-MByte pages, write-back, RWX. */
static void ept_identity(void)
{
	gmem_write_u64(&F.mem, S_EPT, (S_EPT + 0x1000) | 7);
	gmem_write_u64(&F.mem, S_EPT + 0x1000, (S_EPT + 0x2000) | 7);
	gmem_write_u64(&F.mem, S_EPT + 0x2000, 0 | 7 | 6u << 3 | 1u << 7);
}

/* A VMCS that VMLAUNCH accepts: a 64-bit L2 like the fixture's. */
static void valid_vmcs(bool ept)
{
	const struct vmx_caps *c = &V->caps;

	w(VMCS_PIN_BASED_VM_EXEC_CONTROL, c->pin.must1);
	w(VMCS_CPU_BASED_VM_EXEC_CONTROL, c->proc.must1 |
	  (ept ? CPU_ACTIVATE_SECONDARY : 0));
	w(VMCS_SECONDARY_VM_EXEC_CONTROL, ept ? CPU2_ENABLE_EPT : 0);
	w(VMCS_EPT_POINTER, S_EPT | 6 | 3u << 3);
	w(VMCS_VM_EXIT_CONTROLS, c->exit.must1 | EXIT_CTL_HOST_ADDR_SPACE_SIZE |
	  EXIT_CTL_LOAD_EFER | EXIT_CTL_SAVE_EFER);
	w(VMCS_VM_ENTRY_CONTROLS, c->entry.must1 | ENTRY_CTL_IA32E_MODE_GUEST |
	  ENTRY_CTL_LOAD_EFER);
	w(VMCS_HOST_CR0, S_CR0);
	w(VMCS_HOST_CR3, 0x100000);
	w(VMCS_HOST_CR4, S_CR4);
	w(VMCS_HOST_CS_SELECTOR, 0x08);
	w(VMCS_HOST_ES_SELECTOR, 0x10);
	w(VMCS_HOST_SS_SELECTOR, 0x10);
	w(VMCS_HOST_DS_SELECTOR, 0x10);
	w(VMCS_HOST_GS_SELECTOR, 0x10);
	w(VMCS_HOST_TR_SELECTOR, 0x18);
	w(VMCS_HOST_TR_BASE, 0x9000);
	w(VMCS_HOST_GDTR_BASE, 0xa000);
	w(VMCS_HOST_IDTR_BASE, 0xb000);
	w(VMCS_HOST_IA32_EFER, S_EFER);
	w(VMCS_HOST_IA32_PAT, 0x0007040600070406ull);
	w(VMCS_HOST_RSP, 0x5000);
	w(VMCS_HOST_RIP, 0x401000);
	w(VMCS_GUEST_CR0, S_CR0);
	w(VMCS_GUEST_CR3, 0x180000);
	w(VMCS_GUEST_CR4, S_CR4);
	w(VMCS_GUEST_DR7, 0x400);
	guest_seg(SEG_ES, 0x10, 0, 0xffffffff, 0xc093);
	guest_seg(SEG_CS, 0x08, 0, 0xffffffff, 0xa09b);
	guest_seg(SEG_SS, 0x10, 0, 0xffffffff, 0xc093);
	guest_seg(SEG_DS, 0x10, 0, 0xffffffff, 0xc093);
	guest_seg(SEG_FS, 0x10, 0x12345000, 0xffffffff, 0xc093);
	guest_seg(SEG_GS, 0x10, 0, 0xffffffff, 0xc093);
	guest_seg(SEG_LDTR, 0, 0, 0, SEG_AR_UNUSABLE);
	guest_seg(SEG_TR, 0x18, 0x3000, 0x67, 0x8b);
	w(VMCS_GUEST_GDTR_LIMIT, 0x27);
	w(VMCS_GUEST_IDTR_LIMIT, 0xfff);
	w(VMCS_GUEST_RSP, 0x6000);
	w(VMCS_GUEST_RIP, 0x402000);
	w(VMCS_GUEST_RFLAGS, RFLAGS_FIXED1);
	w(VMCS_GUEST_IA32_EFER, S_EFER);
	w(VMCS_GUEST_IA32_PAT, 0x0007040600070406ull);
	w(VMCS_VMCS_LINK_POINTER, UINT64_MAX);
	w(VMCS_GUEST_ACTIVITY_STATE, ACTIVITY_ACTIVE);
}

static const uint32_t ctl_fields[] = {
	VMCS_PIN_BASED_VM_EXEC_CONTROL, VMCS_CPU_BASED_VM_EXEC_CONTROL,
	VMCS_SECONDARY_VM_EXEC_CONTROL, VMCS_VM_EXIT_CONTROLS,
	VMCS_VM_ENTRY_CONTROLS,
};
static const uint32_t msr_indexes[] = {
	0x10, 0x174, 0x175, 0x176, 0x1d9, 0x277, 0x808, 0x9b,
	0xc0000080u, 0xc0000100u, 0x48c, 0x3a,
};

/* One mutation of the valid setup; mostly small ones (a bit, a control),
 * so that many inputs stay valid for the deeper stages. */
static void mutate(struct input *in)
{
	uint8_t k = (uint8_t)take(in, 1);
	uint32_t enc;
	uint64_t a;

	switch (k & 7) {
	case 0:   /* one bit of one field */
		enc = vmcs_field_table[take(in, 1) % VMCS_FIELD_COUNT].encoding;
		w(enc, vmcs_read(V, enc) ^ (1ull << (take(in, 1) & 63)));
		break;
	case 1:   /* a whole field */
		enc = vmcs_field_table[take(in, 1) % VMCS_FIELD_COUNT].encoding;
		w(enc, take(in, 8));
		break;
	case 2:   /* set a control bit the capabilities allow */
	case 3: { /* flip any control bit */
		uint32_t f = ctl_fields[take(in, 1) % 5];
		uint64_t bit = 1ull << (take(in, 1) & 31);

		w(f, (k & 7) == 2 ? vmcs_read(V, f) | bit
				  : vmcs_read(V, f) ^ bit);
		break;
	}
	case 4:   /* an EPT entry: a bit, or a new entry */
		a = S_EPT + 0x1000 * (take(in, 1) % 3) + 8 * (take(in, 1) & 3);
		if (k & 8) {
			uint64_t e = 0;

			gmem_read_u64(&F.mem, a, &e);
			gmem_write_u64(&F.mem, a, e ^ (1ull << (take(in, 1) & 63)));
		} else {
			gmem_write_u64(&F.mem, a, take(in, 8));
		}
		break;
	case 5:   /* a VM-entry MSR-load (or exit store/load) area entry */
		a = take(in, 1) & 3;
		gmem_write_u64(&F.mem, S_MSR_AREA + 16 * a,
			       msr_indexes[take(in, 1) % 12] |
			       (k & 8 ? take(in, 1) << 32 : 0));
		gmem_write_u64(&F.mem, S_MSR_AREA + 16 * a + 8, take(in, 8));
		w(VMCS_VM_ENTRY_MSR_LOAD_ADDR, S_MSR_AREA);
		w(VMCS_VM_ENTRY_MSR_LOAD_COUNT, a + 1);
		if (k & 16) {
			w(VMCS_VM_EXIT_MSR_STORE_ADDR, S_MSR_AREA);
			w(VMCS_VM_EXIT_MSR_STORE_COUNT, a + 1);
		}
		break;
	case 6:   /* MSR bitmap on, one byte of it */
		w(VMCS_CPU_BASED_VM_EXEC_CONTROL,
		  vmcs_read(V, VMCS_CPU_BASED_VM_EXEC_CONTROL) |
		  CPU_USE_MSR_BITMAPS);
		w(VMCS_MSR_BITMAP, S_MSR_BMP);
		a = take(in, 1);
		gmem_write(&F.mem, S_MSR_BMP + take(in, 2) % 4096, &a, 1);
		break;
	default:  /* I/O bitmaps on, one byte of them */
		w(VMCS_CPU_BASED_VM_EXEC_CONTROL,
		  vmcs_read(V, VMCS_CPU_BASED_VM_EXEC_CONTROL) |
		  CPU_USE_IO_BITMAPS);
		w(VMCS_IO_BITMAP_A, S_IO_A);
		w(VMCS_IO_BITMAP_B, S_IO_B);
		a = take(in, 1);
		gmem_write(&F.mem, S_IO_A + take(in, 2) % 8192, &a, 1);
		break;
	}
}

/* VMXON, VMPTRLD of a valid VMCS, mutations, VMLAUNCH, then the rest of
 * the input as a program (in non-root operation when the entry held). */
static void structured(struct input *in)
{
	uint8_t k = (uint8_t)take(in, 1);
	uint64_t p;
	struct x86_intercept ic;

	p = S_VMXON;
	vmx_mem(VMXI_VMXON, &p, 8, 0);
	p = S_VMCS;
	vmx_mem(VMXI_VMCLEAR, &p, 8, 0);
	vmx_mem(VMXI_VMPTRLD, &p, 8, 0);
	ept_identity();
	valid_vmcs(k & 1);
	for (unsigned n = (k >> 1) % 6; n && in->n; n--)
		mutate(in);
	ic = fake_vmx_reg(VMXI_VMLAUNCH, 0, 0);
	check(run(&ic));
	if (V->nonroot && (k & 1)) {
		/* An L2 access through the (mutated) EPT: inside the first
		 * 2 MBytes or beyond what is mapped. */
		uint64_t gpa = (take(in, 1) & 3) << 21 | (take(in, 2) << 3);
		uint64_t out;

		check(vmx_intercept_ops.translate_gpa(V, &F.ctx, gpa,
						      take(in, 1) & 7, 0,
						      false, false, &out));
		observe(true, false);
	}
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
	memset(reached, 0, sizeof(reached));
	if (size && (data[0] & 0xc0) == 0xc0) {
		take(&in, 1);
		structured(&in);
	}
	for (unsigned steps = 0; in.n && steps < 4096; steps++)
		step(&in);
	for (unsigned i = 0; i < ST_COUNT; i++)
		stages[i] += reached[i];
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
	int status = 0;

	for (unsigned long it = 0; it < iters; it++) {
		size_t len = 16 + xorshift(&seed) % (sizeof(buf) - 16);

		for (size_t i = 0; i < len; i++)
			buf[i] = (uint8_t)xorshift(&seed);
		/* Every other input is structure-aware (a valid VMCS,
		 * mutated); most others start with VMXON of a good region,
		 * then VMCLEAR + VMPTRLD, so the deeper states are reached. */
		if (it % 2) {
			buf[0] |= 0xc0;
		} else if (it % 4) {
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
	for (unsigned i = 0; i < ST_COUNT; i++) {
		printf("vmx_fuzz: %-22s %lu inputs\n", stage_names[i],
		       stages[i]);
		if (!stages[i]) {
			fprintf(stderr, "vmx_fuzz: no input reached stage "
				"'%s'\n", stage_names[i]);
			status = 1;
		}
	}
	return status;
}
#endif
