// SPDX-License-Identifier: MIT
/*
 * VM exits decided by control fields (SDM 26.1, 26.6; qualifications
 * SDM 28.2.1): CR0/CR4 guest/host masks and read shadows, CR3-target
 * values, CR3/CR8 exiting, CLTS and LMSW, TSC offsetting and scaling,
 * I/O and MSR bitmaps, the exception bitmap with #PF error-code
 * mask/match, NMI exiting and acknowledge interrupt on exit.  Part of the
 * vmx_exit test (test_vmx_exit.c has main()).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "exit_fixture.h"

/* ---- control registers ------------------------------------------------- */

static struct x86_intercept mov_cr(unsigned cr, bool write, unsigned gpr,
				   uint64_t val)
{
	struct x86_intercept ic = icpt(ICPT_MOV_CR, 3);

	ic.u.cr.cr = cr;
	ic.u.cr.write = write;
	ic.u.cr.gpr = gpr;
	ic.u.cr.value = val;
	return ic;
}

START_TEST(cr0_mask_and_shadow)
{
	struct x86_intercept ic;

	fw(&F, VMCS_CR0_GUEST_HOST_MASK, CR0_TS | CR0_NE | CR0_PG);
	fw(&F, VMCS_CR0_READ_SHADOW, CR0_PG);     /* guest thinks NE=TS=0 */
	/* MOV from CR0 reads host-owned bits from the shadow. */
	ic = mov_cr(0, false, GPR_RBX, 0);
	ck_assert_int_eq(vmx_nonroot_intercept(F.v, &F.ctx, &ic), ICPT_EMULATED);
	ck_assert_uint_eq(F.cpu.gpr[GPR_RBX], CR0_PE | CR0_ET | CR0_PG);
	/* Writing host-owned bits equal to the shadow: no exit, host-owned
	 * bits keep their real value; guest-owned bits change. */
	ic = mov_cr(0, true, GPR_RAX, CR0_PE | CR0_ET | CR0_PG | CR0_MP);
	ck_assert_int_eq(vmx_nonroot_intercept(F.v, &F.ctx, &ic), ICPT_CONTINUE);
	ck_assert_uint_eq(ic.u.cr.value,
			  CR0_PE | CR0_ET | CR0_PG | CR0_MP | CR0_NE);
	/* Setting TS (host-owned, shadow 0) exits with Table 28-3 qual. */
	ic = mov_cr(0, true, GPR_RAX, CR0_PE | CR0_ET | CR0_PG | CR0_TS);
	ck_assert_int_eq(vmx_nonroot_intercept(F.v, &F.ctx, &ic), ICPT_SWITCHED);
	assert_exited(EXIT_REASON_CR_ACCESS, 0 | 0u << 4 | 0u << 8);
}
END_TEST

START_TEST(cr4_mask_exit_qualification)
{
	struct x86_intercept ic;

	fw(&F, VMCS_CR4_GUEST_HOST_MASK, CR4_VMXE);
	fw(&F, VMCS_CR4_READ_SHADOW, 0);
	ic = mov_cr(4, false, GPR_RCX, 0);
	ck_assert_int_eq(vmx_nonroot_intercept(F.v, &F.ctx, &ic), ICPT_EMULATED);
	ck_assert_uint_eq(F.cpu.gpr[GPR_RCX], CR4_PAE);
	ic = mov_cr(4, true, GPR_R13, CR4_PAE | CR4_VMXE);
	vmx_nonroot_intercept(F.v, &F.ctx, &ic);
	assert_exited(EXIT_REASON_CR_ACCESS, 4 | 13u << 8);
}
END_TEST

START_TEST(cr3_targets)
{
	struct x86_intercept ic;

	fset(&F, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_CR3_LOAD_EXITING);
	fw(&F, VMCS_CR3_TARGET_COUNT, 2);
	fw(&F, VMCS_CR3_TARGET_VALUE0, 0x300000);
	fw(&F, VMCS_CR3_TARGET_VALUE1, 0x301000);
	fw(&F, VMCS_CR3_TARGET_VALUE2, 0x302000);   /* beyond the count */
	ic = mov_cr(3, true, GPR_RAX, 0x301000);
	ck_assert_int_eq(vmx_nonroot_intercept(F.v, &F.ctx, &ic), ICPT_CONTINUE);
	ic = mov_cr(3, true, GPR_RDI, 0x302000);
	ck_assert_int_eq(vmx_nonroot_intercept(F.v, &F.ctx, &ic), ICPT_SWITCHED);
	assert_exited(EXIT_REASON_CR_ACCESS, 3 | 7u << 8);
}
END_TEST

START_TEST(cr3_store_and_cr8)
{
	struct x86_intercept ic = mov_cr(3, false, GPR_RSI, 0);

	ck_assert_int_eq(vmx_nonroot_intercept(F.v, &F.ctx, &ic), ICPT_CONTINUE);
	ic = mov_cr(8, true, GPR_RAX, 5);
	ck_assert_int_eq(vmx_nonroot_intercept(F.v, &F.ctx, &ic), ICPT_CONTINUE);
	fset(&F, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_CR8_STORE_EXITING);
	ic = mov_cr(8, false, GPR_RDX, 0);
	ck_assert_int_eq(vmx_nonroot_intercept(F.v, &F.ctx, &ic), ICPT_SWITCHED);
	assert_exited(EXIT_REASON_CR_ACCESS, 8 | 1u << 4 | 2u << 8);
}
END_TEST

START_TEST(cr3_store_exiting)
{
	struct x86_intercept ic = mov_cr(3, false, GPR_RSI, 0);

	fset(&F, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_CR3_STORE_EXITING);
	ck_assert_int_eq(vmx_nonroot_intercept(F.v, &F.ctx, &ic), ICPT_SWITCHED);
	assert_exited(EXIT_REASON_CR_ACCESS, 3 | 1u << 4 | 6u << 8);
}
END_TEST

START_TEST(clts_with_ts_owned)
{
	struct x86_intercept ic = icpt(ICPT_CLTS, 2);

	ck_assert_int_eq(vmx_nonroot_intercept(F.v, &F.ctx, &ic), ICPT_CONTINUE);
	fw(&F, VMCS_CR0_GUEST_HOST_MASK, CR0_TS);
	fw(&F, VMCS_CR0_READ_SHADOW, 0);
	F.cpu.cr0 |= CR0_TS;
	/* Host owns TS, guest sees 0: CLTS does nothing, no exit. */
	ck_assert_int_eq(vmx_nonroot_intercept(F.v, &F.ctx, &ic), ICPT_EMULATED);
	ck_assert(F.cpu.cr0 & CR0_TS);
	fw(&F, VMCS_CR0_READ_SHADOW, CR0_TS);
	ck_assert_int_eq(vmx_nonroot_intercept(F.v, &F.ctx, &ic), ICPT_SWITCHED);
	assert_exited(EXIT_REASON_CR_ACCESS, 0 | 2u << 4);
}
END_TEST

START_TEST(lmsw_rules)
{
	struct x86_intercept ic = icpt(ICPT_LMSW, 4);

	fw(&F, VMCS_CR0_GUEST_HOST_MASK, CR0_MP | CR0_PE);
	fw(&F, VMCS_CR0_READ_SHADOW, CR0_PE);
	/* MP equal to the shadow (0): no exit; host-owned bits rewritten. */
	ic.u.lmsw.source = 0x1 | 0x4;   /* PE, EM */
	ic.u.lmsw.op = (struct x86_operand){ .is_mem = false, .reg = 0 };
	ck_assert_int_eq(vmx_nonroot_intercept(F.v, &F.ctx, &ic), ICPT_CONTINUE);
	ck_assert_uint_eq(ic.u.lmsw.source, 0x5);
	/* MP differs from the shadow: exit with source data in 31:16 and a
	 * memory operand's linear address. */
	ic.u.lmsw.source = 0x3;
	ic.u.lmsw.op = (struct x86_operand){ .is_mem = true, .seg = SEG_FS,
		.base = -1, .index = -1, .addr_size = 64, .ea = 0x40 };
	ck_assert_int_eq(vmx_nonroot_intercept(F.v, &F.ctx, &ic), ICPT_SWITCHED);
	assert_exited(EXIT_REASON_CR_ACCESS, 3u << 4 | 1u << 6 | 3u << 16);
	ck_assert_uint_eq(fr(&F, VMCS_GUEST_LINEAR_ADDRESS), 0x12345000 + 0x40);
}
END_TEST

/* In 64-bit mode the bases of CS/DS/ES/SS are treated as 0 (SDM 3.4.4):
 * the guest-linear address of LMSW m16 through DS is its offset alone. */
START_TEST(lmsw_linear_address_ignores_ds_base_in_64bit)
{
	struct x86_intercept ic = icpt(ICPT_LMSW, 4);

	fw(&F, VMCS_CR0_GUEST_HOST_MASK, CR0_MP);
	fw(&F, VMCS_CR0_READ_SHADOW, 0);
	F.cpu.seg[SEG_DS].base = 0x5000;
	ic.u.lmsw.source = 0x3;
	ic.u.lmsw.op = (struct x86_operand){ .is_mem = true, .seg = SEG_DS,
		.base = -1, .index = -1, .addr_size = 64, .ea = 0x7008 };
	ck_assert_int_eq(vmx_nonroot_intercept(F.v, &F.ctx, &ic), ICPT_SWITCHED);
	assert_exited(EXIT_REASON_CR_ACCESS, 3u << 4 | 1u << 6 | 3u << 16);
	ck_assert_uint_eq(fr(&F, VMCS_GUEST_LINEAR_ADDRESS), 0x7008);
}
END_TEST

/* ---- TSC ---------------------------------------------------------------- */

START_TEST(tsc_offsetting)
{
	struct x86_intercept ic = icpt(ICPT_RDTSC, 2);

	F.cpu.tsc = 0x100000000ull;
	ck_assert_int_eq(vmx_nonroot_intercept(F.v, &F.ctx, &ic), ICPT_CONTINUE);
	fset(&F, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_USE_TSC_OFFSETTING);
	fw(&F, VMCS_TSC_OFFSET, (uint64_t)-0x10);
	ck_assert_int_eq(vmx_nonroot_intercept(F.v, &F.ctx, &ic), ICPT_EMULATED);
	ck_assert_uint_eq(F.cpu.gpr[GPR_RAX], 0xfffffff0u);
	ck_assert_uint_eq(F.cpu.gpr[GPR_RDX], 0);
	fset(&F, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_USE_MSR_BITMAPS);
	fw(&F, VMCS_MSR_BITMAP, FIX_MSR_BITMAP);
	ic = icpt(ICPT_RDMSR, 2);
	ic.u.msr.index = 0x10;
	ck_assert_int_eq(vmx_nonroot_intercept(F.v, &F.ctx, &ic), ICPT_EMULATED);
	ck_assert_uint_eq(ic.u.msr.value, 0xfffffff0u);
	/* RDTSCP without "enable RDTSCP" is #UD in non-root operation. */
	ic = icpt(ICPT_RDTSCP, 3);
	ck_assert_int_eq(vmx_nonroot_intercept(F.v, &F.ctx, &ic), ICPT_FAULT);
	ck_assert_uint_eq(F.cpu.pending_exception.vector, 6);
}
END_TEST

/* RDPID: #UD in non-root operation unless "enable RDTSCP" is 1; never
 * an exit, even with RDTSC exiting (SDM 26.3). */
START_TEST(rdpid_needs_enable_rdtscp)
{
	struct x86_intercept ic = icpt(ICPT_RDPID, 4);

	fset(&F, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_RDTSC_EXITING);
	ck_assert_int_eq(vmx_nonroot_intercept(F.v, &F.ctx, &ic), ICPT_FAULT);
	ck_assert_uint_eq(F.cpu.pending_exception.vector, 6);
	fset(&F, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_ACTIVATE_SECONDARY);
	fset(&F, VMCS_SECONDARY_VM_EXEC_CONTROL, CPU2_ENABLE_RDTSCP);
	F.cpu.pending_exception.vector = 0;
	ck_assert_int_eq(vmx_nonroot_intercept(F.v, &F.ctx, &ic), ICPT_CONTINUE);
	ck_assert(F.v->nonroot);
}
END_TEST

/* SDM 26.3: with TSC offsetting and scaling, RDTSC/RDTSCP/RDMSR(TSC)
 * return ((TSC * multiplier) >> 48) + offset; scaling alone does nothing. */
START_TEST(tsc_scaling)
{
	struct x86_intercept ic = icpt(ICPT_RDTSC, 2);

	ck_assert(F.v->caps.proc2.may1 & CPU2_TSC_SCALING);
	ck_assert(vmx_field_supported(&F.v->caps, VMCS_TSC_MULTIPLIER));
	F.cpu.tsc = 0x300000000ull;
	fset(&F, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_ACTIVATE_SECONDARY);
	fw(&F, VMCS_SECONDARY_VM_EXEC_CONTROL, CPU2_TSC_SCALING |
	   CPU2_ENABLE_RDTSCP);
	fw(&F, VMCS_TSC_MULTIPLIER, 1ull << 47);          /* 0.5 */
	fw(&F, VMCS_TSC_OFFSET, 5);
	/* Scaling without offsetting: the plain TSC. */
	ck_assert_int_eq(vmx_nonroot_intercept(F.v, &F.ctx, &ic), ICPT_CONTINUE);
	fset(&F, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_USE_TSC_OFFSETTING);
	ck_assert_int_eq(vmx_nonroot_intercept(F.v, &F.ctx, &ic), ICPT_EMULATED);
	ck_assert_uint_eq(F.cpu.gpr[GPR_RAX], 0x80000005u);
	ck_assert_uint_eq(F.cpu.gpr[GPR_RDX], 1);
	/* A multiplier of 2.5 and a product above 64 bits. */
	F.cpu.tsc = 0x8000000000000001ull;
	fw(&F, VMCS_TSC_MULTIPLIER, 5ull << 47);
	fw(&F, VMCS_TSC_OFFSET, 0);
	ic = icpt(ICPT_RDTSCP, 3);
	F.cpu.msr.tsc_aux = 7;
	ck_assert_int_eq(vmx_nonroot_intercept(F.v, &F.ctx, &ic), ICPT_EMULATED);
	ck_assert_uint_eq(F.cpu.gpr[GPR_RAX], 0x2);      /* 0x1_4000...02 */
	ck_assert_uint_eq(F.cpu.gpr[GPR_RDX], 0x40000000u);
	ck_assert_uint_eq(F.cpu.gpr[GPR_RCX], 7);
	/* RDMSR of IA32_TSC (not intercepted by the bitmap). */
	F.cpu.tsc = 1000;
	fw(&F, VMCS_TSC_MULTIPLIER, 3ull << 48);
	fw(&F, VMCS_TSC_OFFSET, (uint64_t)-1);
	fset(&F, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_USE_MSR_BITMAPS);
	fw(&F, VMCS_MSR_BITMAP, FIX_MSR_BITMAP);
	ic = icpt(ICPT_RDMSR, 2);
	ic.u.msr.index = 0x10;
	ck_assert_int_eq(vmx_nonroot_intercept(F.v, &F.ctx, &ic), ICPT_EMULATED);
	ck_assert_uint_eq(ic.u.msr.value, 2999);
}
END_TEST

/* ---- I/O bitmaps ---------------------------------------------------- */

static void set_io_bit(unsigned port)
{
	uint64_t at = (port < 0x8000 ? FIX_IO_A : FIX_IO_B) + (port & 0x7fff) / 8;
	uint8_t b = 0;

	gmem_read_u8(&F.mem, at, &b);
	gmem_write_u8(&F.mem, at, b | (1u << (port % 8)));
}

static enum icpt_result do_io(uint16_t port, uint8_t size, bool in)
{
	struct x86_intercept ic = icpt(ICPT_IO, 1);

	ic.u.io.port = port;
	ic.u.io.size = size;
	ic.u.io.in = in;
	return vmx_nonroot_intercept(F.v, &F.ctx, &ic);
}

static const struct {
	unsigned bit;       /* port whose bit is set */
	uint16_t port;
	uint8_t size;
	bool exits;
} io_cases[] = {
	{ 0x60, 0x60, 1, true },
	{ 0x60, 0x61, 1, false },
	{ 0x61, 0x60, 2, true },         /* second byte's port */
	{ 0x8000, 0x7fff, 2, true },     /* crosses into bitmap B */
	{ 0x8001, 0x7fff, 2, false },
	{ 0xfff0, 0xfff0, 4, true },
	{ 0x10, 0xffff, 2, true },       /* wraps past 0xffff: always */
	{ 0x10, 0xfffe, 2, false },
};

START_TEST(io_bitmaps)
{
	fset(&F, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_USE_IO_BITMAPS |
	     CPU_UNCOND_IO_EXITING);
	fw(&F, VMCS_IO_BITMAP_A, FIX_IO_A);
	fw(&F, VMCS_IO_BITMAP_B, FIX_IO_B);
	set_io_bit(io_cases[_i].bit);
	ck_assert_int_eq(do_io(io_cases[_i].port, io_cases[_i].size, true),
			 io_cases[_i].exits ? ICPT_SWITCHED : ICPT_CONTINUE);
}
END_TEST

START_TEST(io_qualification_and_string_info)
{
	struct x86_intercept ic = icpt(ICPT_IO, 2);

	ck_assert_int_eq(do_io(0x3f8, 1, false), ICPT_CONTINUE);
	fset(&F, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_UNCOND_IO_EXITING);
	ic.u.io = (__typeof__(ic.u.io)){ .port = 0x3f8, .size = 2, .in = false,
		.string = true, .rep = true, .imm = false, .addr_size = 32,
		.seg = SEG_GS, .linear = 0x7000 };
	ck_assert_int_eq(vmx_nonroot_intercept(F.v, &F.ctx, &ic), ICPT_SWITCHED);
	assert_exited(EXIT_REASON_IO_INSTRUCTION,
		      1 | 0u << 3 | 1u << 4 | 1u << 5 | 0x3f8ull << 16);
	ck_assert_uint_eq(fr(&F, VMCS_GUEST_LINEAR_ADDRESS), 0x7000);
	ck_assert_uint_eq(fr(&F, VMCS_VMX_INSTRUCTION_INFO), 1u << 7 | 5u << 15);
}
END_TEST

START_TEST(io_in_imm_qualification)
{
	struct x86_intercept ic = icpt(ICPT_IO, 2);

	fset(&F, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_UNCOND_IO_EXITING);
	ic.u.io = (__typeof__(ic.u.io)){ .port = 0x71, .size = 4, .in = true,
		.imm = true };
	vmx_nonroot_intercept(F.v, &F.ctx, &ic);
	assert_exited(EXIT_REASON_IO_INSTRUCTION,
		      3 | 1u << 3 | 1u << 6 | 0x71ull << 16);
	ck_assert_uint_eq(fr(&F, VMCS_VMX_INSTRUCTION_INFO), 0);
}
END_TEST

/* ---- MSR bitmaps ----------------------------------------------------- */

static const struct {
	uint32_t index;
	bool write;
	uint32_t set_off;    /* byte offset of the bit to set, or ~0 */
	uint32_t set_bit;
	bool exits;
} msr_cases[] = {
	{ 0x174, false, 0x174 / 8, 0x174 % 8, true },
	{ 0x174, true, 0x174 / 8, 0x174 % 8, false },       /* read bit only */
	{ 0x174, true, 2048 + 0x174 / 8, 0x174 % 8, true },
	{ 0xc0000082, false, 1024 + 0x82 / 8, 0x82 % 8, true },
	{ 0xc0000082, true, 3072 + 0x82 / 8, 0x82 % 8, true },
	{ 0xc0000082, true, 1024 + 0x82 / 8, 0x82 % 8, false },
	{ 0x40000000, false, ~0u, 0, true },                /* out of range */
	{ 0x1ff, false, ~0u, 0, false },
};

START_TEST(msr_bitmaps)
{
	struct x86_intercept ic = icpt(msr_cases[_i].write ? ICPT_WRMSR :
				       ICPT_RDMSR, 2);

	/* Without MSR bitmaps every RDMSR/WRMSR exits. */
	ic.u.msr.index = msr_cases[_i].index;
	ck_assert_int_eq(vmx_nonroot_intercept(F.v, &F.ctx, &ic), ICPT_SWITCHED);
	ck_assert_uint_eq(fr(&F, VMCS_VM_EXIT_REASON), msr_cases[_i].write ?
			  EXIT_REASON_MSR_WRITE : EXIT_REASON_MSR_READ);
	fix_enter(&F);
	fset(&F, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_USE_MSR_BITMAPS);
	fw(&F, VMCS_MSR_BITMAP, FIX_MSR_BITMAP);
	if (msr_cases[_i].set_off != ~0u)
		gmem_write_u8(&F.mem, FIX_MSR_BITMAP + msr_cases[_i].set_off,
			      1u << msr_cases[_i].set_bit);
	ck_assert_int_eq(vmx_nonroot_intercept(F.v, &F.ctx, &ic),
			 msr_cases[_i].exits ? ICPT_SWITCHED : ICPT_CONTINUE);
}
END_TEST

/* ---- exceptions -------------------------------------------------------- */

static enum icpt_result raise_exc(uint8_t type, uint8_t vector, bool has_err,
				  uint32_t err)
{
	struct x86_intercept ic = icpt(ICPT_EXCEPTION, 1);

	ic.u.exc.type = type;
	ic.u.exc.vector = vector;
	ic.u.exc.has_error_code = has_err;
	ic.u.exc.error_code = err;
	ic.u.exc.qualification = 0x4000;
	return vmx_nonroot_intercept(F.v, &F.ctx, &ic);
}

START_TEST(exception_bitmap)
{
	ck_assert_int_eq(raise_exc(EVT_HW_EXCEPTION, 13, true, 0), ICPT_CONTINUE);
	fw(&F, VMCS_EXCEPTION_BITMAP, 1u << 13 | 1u << 3);
	ck_assert_int_eq(raise_exc(EVT_HW_EXCEPTION, 6, false, 0), ICPT_CONTINUE);
	ck_assert_int_eq(raise_exc(EVT_SW_INTR, 13, false, 0), ICPT_CONTINUE);
	ck_assert_int_eq(raise_exc(EVT_HW_EXCEPTION, 13, true, 0x18),
			 ICPT_SWITCHED);
	assert_exited(EXIT_REASON_EXCEPTION_NMI, 0);
	ck_assert_uint_eq(fr(&F, VMCS_VM_EXIT_INTR_INFO), INTR_INFO_VALID |
			  INTR_INFO_DELIVER_CODE | 3u << 8 | 13);
	ck_assert_uint_eq(fr(&F, VMCS_VM_EXIT_INTR_ERROR_CODE), 0x18);
}
END_TEST

START_TEST(int3_exit_has_length)
{
	fw(&F, VMCS_EXCEPTION_BITMAP, 1u << 3);
	ck_assert_int_eq(raise_exc(EVT_SW_EXCEPTION, 3, false, 0), ICPT_SWITCHED);
	ck_assert_uint_eq(fr(&F, VMCS_VM_EXIT_INTR_INFO),
			  INTR_INFO_VALID | 6u << 8 | 3);
	ck_assert_uint_eq(fr(&F, VMCS_VM_EXIT_INSTRUCTION_LEN), 1);
}
END_TEST

/* SDM 26.2: #PF exits iff ((PFEC & MASK) == MATCH) equals bitmap bit 14. */
static const struct {
	bool bit14;
	uint32_t mask, match, pfec;
	bool exits;
} pf_cases[] = {
	{ true, 0, 0, 0x7, true },
	{ false, 0, 0, 0x7, false },
	{ true, 0x2, 0x2, 0x3, true },      /* write faults only */
	{ true, 0x2, 0x2, 0x1, false },
	{ false, 0x2, 0x2, 0x1, true },     /* inverted: non-write faults */
	{ false, 0x2, 0x2, 0x3, false },
	{ true, 0x1, 0x0, 0x4, true },      /* not-present only */
	{ false, 0xffffffff, 0xffffffff, 0x5, true },
};

START_TEST(pf_mask_match)
{
	fw(&F, VMCS_EXCEPTION_BITMAP, pf_cases[_i].bit14 ? 1u << 14 : 0);
	fw(&F, VMCS_PAGE_FAULT_ERROR_CODE_MASK, pf_cases[_i].mask);
	fw(&F, VMCS_PAGE_FAULT_ERROR_CODE_MATCH, pf_cases[_i].match);
	ck_assert_int_eq(raise_exc(EVT_HW_EXCEPTION, 14, true, pf_cases[_i].pfec),
			 pf_cases[_i].exits ? ICPT_SWITCHED : ICPT_CONTINUE);
	if (pf_cases[_i].exits) {
		ck_assert_uint_eq(fr(&F, VMCS_EXIT_QUALIFICATION), 0x4000);
		ck_assert_uint_eq(fr(&F, VMCS_VM_EXIT_INTR_ERROR_CODE),
				  pf_cases[_i].pfec);
	}
}
END_TEST

START_TEST(nmi_exiting_blocks_nmi_in_host)
{
	ck_assert_int_eq(raise_exc(EVT_NMI, 2, false, 0), ICPT_CONTINUE);
	fset(&F, VMCS_PIN_BASED_VM_EXEC_CONTROL, PIN_NMI_EXITING);
	ck_assert_int_eq(raise_exc(EVT_NMI, 2, false, 0), ICPT_SWITCHED);
	assert_exited(EXIT_REASON_EXCEPTION_NMI, 0);
	ck_assert_uint_eq(fr(&F, VMCS_VM_EXIT_INTR_INFO),
			  INTR_INFO_VALID | 2u << 8 | 2);
	ck_assert(F.cpu.interruptibility & INTR_BLOCK_NMI);
}
END_TEST

START_TEST(external_interrupt_ack)
{
	ck_assert_int_eq(raise_exc(EVT_EXT_INTR, 0x41, false, 0), ICPT_CONTINUE);
	fset(&F, VMCS_PIN_BASED_VM_EXEC_CONTROL, PIN_EXT_INTR_EXITING);
	/* Without acknowledge-on-exit no vector is stored (SDM 28.2.2). */
	ck_assert_int_eq(raise_exc(EVT_EXT_INTR, 0x41, false, 0), ICPT_SWITCHED);
	assert_exited(EXIT_REASON_EXTERNAL_INTERRUPT, 0);
	ck_assert_uint_eq(fr(&F, VMCS_VM_EXIT_INTR_INFO), 0);
	fix_enter(&F);
	F.state_changed = 0;
	fset(&F, VMCS_PIN_BASED_VM_EXEC_CONTROL, PIN_EXT_INTR_EXITING);
	fset(&F, VMCS_VM_EXIT_CONTROLS, EXIT_CTL_ACK_INTR_ON_EXIT);
	ck_assert_int_eq(raise_exc(EVT_EXT_INTR, 0x41, false, 0), ICPT_SWITCHED);
	assert_exited(EXIT_REASON_EXTERNAL_INTERRUPT, 0);
	ck_assert_uint_eq(fr(&F, VMCS_VM_EXIT_INTR_INFO), INTR_INFO_VALID | 0x41);
}
END_TEST

void exit_ctl_add_tests(TCase *tc)
{
	tcase_add_test(tc, cr0_mask_and_shadow);
	tcase_add_test(tc, cr4_mask_exit_qualification);
	tcase_add_test(tc, cr3_targets);
	tcase_add_test(tc, cr3_store_and_cr8);
	tcase_add_test(tc, cr3_store_exiting);
	tcase_add_test(tc, clts_with_ts_owned);
	tcase_add_test(tc, lmsw_rules);
	tcase_add_test(tc, lmsw_linear_address_ignores_ds_base_in_64bit);
	tcase_add_test(tc, tsc_offsetting);
	tcase_add_test(tc, tsc_scaling);
	tcase_add_test(tc, rdpid_needs_enable_rdtscp);
	tcase_add_loop_test(tc, io_bitmaps, 0,
			    sizeof(io_cases) / sizeof(io_cases[0]));
	tcase_add_test(tc, io_qualification_and_string_info);
	tcase_add_test(tc, io_in_imm_qualification);
	tcase_add_loop_test(tc, msr_bitmaps, 0,
			    sizeof(msr_cases) / sizeof(msr_cases[0]));
	tcase_add_test(tc, exception_bitmap);
	tcase_add_test(tc, int3_exit_has_length);
	tcase_add_loop_test(tc, pf_mask_match, 0,
			    sizeof(pf_cases) / sizeof(pf_cases[0]));
	tcase_add_test(tc, nmi_exiting_blocks_nmi_in_host);
	tcase_add_test(tc, external_interrupt_ack);
}
