// SPDX-License-Identifier: MIT
/* The intercept hook: a fake x86_intercept_ops records every call and
 * returns the verdict the test chose (CONTINUE / EMULATED / SWITCHED /
 * FAULT); checks the fields the engine fills, fault priority over the hook
 * (SDM 26.1.1) and the read_lin context callback. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "sysutil.h"

static struct harness h;

#define MAX_SEEN 16
static struct x86_intercept seen[MAX_SEEN];
static unsigned nseen;
static enum icpt_result verdict;
static uint64_t switch_rip;        /* SWITCHED: new RIP */
static uint64_t switch_cr3;        /* SWITCHED: new CR3 (0: unchanged) */
static bool switch_quiet;          /* SWITCHED without ctx->state_changed */
static uint16_t cur_vpid;          /* what tlb_context reports */
static uint16_t switch_vpid;       /* SWITCHED: the new state's VPID */
static uint64_t read_value;        /* read_lin of the memory operand */
static int read_rc;

static enum icpt_result fake_intercept(void *opaque, struct x86_intercept_ctx *ctx,
				       struct x86_intercept *ic)
{
	ck_assert_ptr_eq(opaque, &h);
	ck_assert_ptr_eq(ctx->cpu, h.s);
	if (nseen < MAX_SEEN)
		seen[nseen++] = *ic;
	if (ic->kind == ICPT_VMX_INSN && ic->u.vmx.op.is_mem)
		read_rc = ctx->read_lin(ctx->engine, ic->u.vmx.op.seg,
					ic->u.vmx.op.ea, &read_value, 8);
	switch (verdict) {
	case ICPT_EMULATED:
		if (ic->kind == ICPT_RDMSR)
			ic->u.msr.value = 0x1122334455667788ull;
		else
			ctx->cpu->gpr[GPR_RAX] = 0xabc;
		break;
	case ICPT_SWITCHED:
		ctx->cpu->rip = switch_rip;
		if (switch_cr3)
			ctx->cpu->cr3 = switch_cr3;
		cur_vpid = switch_vpid;
		if (!switch_quiet)
			ctx->state_changed(ctx->engine);
		else
			verdict = ICPT_CONTINUE;   /* once: the HLT then halts */
		return ICPT_SWITCHED;
	case ICPT_FAULT:
		ctx->cpu->pending_exception = (struct x86_event){
			.valid = true, .type = EVT_HW_EXCEPTION, .vector = X86_GP,
			.has_error_code = true, .error_code = 0,
		};
		break;
	default:
		break;
	}
	return verdict;
}

/* As without the callback (VPID 0, root, no EPT) until a switch to
 * another VPID. */
static void fake_tlb_context(void *opaque, struct tlb_context *out)
{
	ck_assert_ptr_eq(opaque, &h);
	out->vpid = cur_vpid;
}

static const struct x86_intercept_ops fake_ops = {
	.intercept = fake_intercept,
	.tlb_context = fake_tlb_context,
};

static void setup(void)
{
	h_init(&h);
	h.ip->cfg.icpt = &fake_ops;
	h.ip->cfg.icpt_opaque = &h;
	nseen = 0;
	verdict = ICPT_CONTINUE;
	read_rc = 1;
	switch_cr3 = 0;
	switch_quiet = false;
	cur_vpid = switch_vpid = 0;
}

static void teardown(void)
{
	h_fini(&h);
}

static const uint8_t cpuid[] = { 0x0f, 0xa2, 0xf4 };

START_TEST(cpuid_each_verdict)
{
	enum engine_exit_reason r;

	/* CONTINUE: executed normally. */
	G(RAX) = 0;
	G(RCX) = 7;
	ck_assert_int_eq(su_run(&h, cpuid, 3, 5), ENGINE_EXIT_HLT);
	ck_assert_uint_eq(nseen, 2);   /* CPUID and HLT */
	ck_assert_int_eq(seen[0].kind, ICPT_CPUID);
	ck_assert_uint_eq(seen[0].rip, H_CODE);
	ck_assert_uint_eq(seen[0].insn_len, 2);
	ck_assert_uint_eq(seen[0].u.cpuid.leaf, 0);
	ck_assert_uint_eq(seen[0].u.cpuid.subleaf, 7);
	ck_assert_int_eq(seen[1].kind, ICPT_HLT);
	ck_assert_uint_eq(seen[1].rip, H_CODE + 2);
	ck_assert_uint_eq(G(RBX), 0x756e6547);   /* "Genu" */
	/* EMULATED: the hook's effect, RIP moves on. */
	verdict = ICPT_EMULATED;
	G(RBX) = 0x55;
	ck_assert_int_eq(su_run(&h, cpuid, 3, 1), ENGINE_EXIT_INSN_LIMIT);
	ck_assert_uint_eq(G(RAX), 0xabc);
	ck_assert_uint_eq(G(RBX), 0x55);
	ck_assert_uint_eq(h.s->rip, H_CODE + 2);
	/* SWITCHED: the new state runs (the NOP there), RIP untouched by
	 * the engine; the switching instruction does not retire. */
	verdict = ICPT_SWITCHED;
	switch_rip = H_CODE + 0x40;
	ck_assert(gmem_write_u8(&h.mem, H_CODE + 0x40, 0x90));
	ck_assert_int_eq(su_run(&h, cpuid, 3, 1), ENGINE_EXIT_INSN_LIMIT);
	ck_assert_uint_eq(h.s->rip, H_CODE + 0x41);
	/* FAULT: the pending exception is delivered as a fault of CPUID. */
	verdict = ICPT_FAULT;
	r = su_run(&h, cpuid, 3, 5);
	ck_assert_int_eq(h_fault_vector(&h, r), X86_GP);
	ck_assert_uint_eq(h_fault_rip(&h, r, true), H_CODE);
}
END_TEST

START_TEST(msr_cr_io_fields)
{
	static const uint8_t rdmsr[] = { 0x0f, 0x32 };
	static const uint8_t wrmsr[] = { 0x0f, 0x30 };
	static const uint8_t movcr[] = {
		0x0f, 0x22, 0xe3,               /* mov cr4,rbx */
		0x41, 0x0f, 0x20, 0xd8,         /* mov r8,cr3 */
	};
	static const uint8_t out[] = {
		0xe6, 0x80,                     /* out 0x80,al */
		0x66, 0xed,                     /* in ax,dx */
		0xf3, 0x6e,                     /* rep outsb */
	};

	verdict = ICPT_EMULATED;
	G(RCX) = 0x480;                        /* IA32_VMX_BASIC */
	ck_assert_int_eq(su_run(&h, rdmsr, 2, 1), ENGINE_EXIT_INSN_LIMIT);
	ck_assert_int_eq(seen[0].kind, ICPT_RDMSR);
	ck_assert_uint_eq(seen[0].u.msr.index, 0x480);
	ck_assert_uint_eq(G(RAX), 0x55667788);
	ck_assert_uint_eq(G(RDX), 0x11223344);
	verdict = ICPT_CONTINUE;
	nseen = 0;
	G(RCX) = 0xc0000082;
	G(RDX) = 0xffffffff;
	G(RAX) = 0x80001000;
	ck_assert_int_eq(su_run(&h, wrmsr, 2, 1), ENGINE_EXIT_INSN_LIMIT);
	ck_assert_uint_eq(seen[0].u.msr.value, 0xffffffff80001000ull);
	ck_assert_uint_eq(h.s->msr.lstar, 0xffffffff80001000ull);

	nseen = 0;
	G(RBX) = CR4_PAE | CR4_VMXE;
	ck_assert_int_eq(su_run(&h, movcr, sizeof(movcr), 2), ENGINE_EXIT_INSN_LIMIT);
	ck_assert_uint_eq(nseen, 2);
	ck_assert_int_eq(seen[0].kind, ICPT_MOV_CR);
	ck_assert_uint_eq(seen[0].u.cr.cr, 4);
	ck_assert(seen[0].u.cr.write);
	ck_assert_uint_eq(seen[0].u.cr.gpr, GPR_RBX);
	ck_assert_uint_eq(seen[0].u.cr.value, CR4_PAE | CR4_VMXE);
	ck_assert_uint_eq(seen[1].u.cr.cr, 3);
	ck_assert(!seen[1].u.cr.write);
	ck_assert_uint_eq(seen[1].u.cr.gpr, GPR_R8);
	ck_assert_uint_eq(G(R8), 0x1000);

	nseen = 0;
	G(RDX) = 0x3f8;
	G(RCX) = 2;
	G(RSI) = H_DATA;
	ck_assert_int_eq(su_run(&h, out, sizeof(out), 3), ENGINE_EXIT_INSN_LIMIT);
	ck_assert_uint_eq(nseen, 3);
	ck_assert_int_eq(seen[0].kind, ICPT_IO);
	ck_assert_uint_eq(seen[0].u.io.port, 0x80);
	ck_assert_uint_eq(seen[0].u.io.size, 1);
	ck_assert(!seen[0].u.io.in && seen[0].u.io.imm && !seen[0].u.io.string);
	ck_assert_uint_eq(seen[1].u.io.port, 0x3f8);
	ck_assert_uint_eq(seen[1].u.io.size, 2);
	ck_assert(seen[1].u.io.in && !seen[1].u.io.imm);
	ck_assert(seen[2].u.io.string && seen[2].u.io.rep);
	ck_assert_uint_eq(seen[2].u.io.addr_size, 64);
	ck_assert_uint_eq(seen[2].u.io.seg, SEG_DS);
	ck_assert_uint_eq(seen[2].u.io.linear, H_DATA);
	ck_assert_uint_eq(seen[2].insn_len, 2);
}
END_TEST

START_TEST(vmx_instruction_operands)
{
	static const uint8_t vmptrld[] = { 0x0f, 0xc7, 0x70, 0x08 };  /* vmptrld [rax+8] */
	static const uint8_t vmread[] = { 0x0f, 0x78, 0xcb };        /* vmread rbx,rcx */
	static const uint8_t vmwrite[] = { 0x0f, 0x79, 0x0c, 0x9e }; /* vmwrite rcx,[rsi+rbx*4] */
	static const uint8_t invept[] = { 0x66, 0x0f, 0x38, 0x80, 0x13 }; /* invept rdx,[rbx] */
	static const uint8_t vmlaunch[] = { 0x0f, 0x01, 0xc2 };

	verdict = ICPT_EMULATED;
	G(RAX) = H_DATA;
	h_write64(&h, H_DATA + 8, 0xfeedf00d);
	ck_assert_int_eq(su_run(&h, vmptrld, 4, 1), ENGINE_EXIT_INSN_LIMIT);
	ck_assert_int_eq(seen[0].kind, ICPT_VMX_INSN);
	ck_assert_int_eq(seen[0].u.vmx.which, VMXI_VMPTRLD);
	ck_assert(seen[0].u.vmx.op.is_mem);
	ck_assert_int_eq(seen[0].u.vmx.op.base, GPR_RAX);
	ck_assert_int_eq(seen[0].u.vmx.op.index, -1);
	ck_assert_int_eq(seen[0].u.vmx.op.disp, 8);
	ck_assert_uint_eq(seen[0].u.vmx.op.ea, H_DATA + 8);
	ck_assert_uint_eq(seen[0].u.vmx.op.seg, SEG_DS);
	ck_assert_int_eq(read_rc, 0);
	ck_assert_uint_eq(read_value, 0xfeedf00d);
	ck_assert_uint_eq(h.s->rip, H_CODE + 4);

	nseen = 0;
	ck_assert_int_eq(su_run(&h, vmread, 3, 1), ENGINE_EXIT_INSN_LIMIT);
	ck_assert_int_eq(seen[0].u.vmx.which, VMXI_VMREAD);
	ck_assert(!seen[0].u.vmx.op.is_mem);
	ck_assert_uint_eq(seen[0].u.vmx.op.reg, GPR_RBX);
	ck_assert_uint_eq(seen[0].u.vmx.reg2, GPR_RCX);
	ck_assert_uint_eq(seen[0].op_size, 64);

	nseen = 0;
	G(RSI) = H_DATA;
	G(RBX) = 2;
	ck_assert_int_eq(su_run(&h, vmwrite, 4, 1), ENGINE_EXIT_INSN_LIMIT);
	ck_assert_int_eq(seen[0].u.vmx.which, VMXI_VMWRITE);
	ck_assert_int_eq(seen[0].u.vmx.op.base, GPR_RSI);
	ck_assert_int_eq(seen[0].u.vmx.op.index, GPR_RBX);
	ck_assert_uint_eq(seen[0].u.vmx.op.scale_log2, 2);
	ck_assert_uint_eq(seen[0].u.vmx.op.ea, H_DATA + 8);
	ck_assert_uint_eq(seen[0].u.vmx.reg2, GPR_RCX);

	nseen = 0;
	G(RBX) = H_DATA;
	ck_assert_int_eq(su_run(&h, invept, 5, 1), ENGINE_EXIT_INSN_LIMIT);
	ck_assert_int_eq(seen[0].u.vmx.which, VMXI_INVEPT);
	ck_assert_uint_eq(seen[0].u.vmx.reg2, GPR_RDX);
	ck_assert_int_eq(seen[0].u.vmx.op.base, GPR_RBX);

	/* A VMX layer that does not take the instruction: #UD. */
	verdict = ICPT_CONTINUE;
	nseen = 0;
	{
		enum engine_exit_reason r = su_run(&h, vmlaunch, 3, 5);

		ck_assert_int_eq(h_fault_vector(&h, r), X86_UD);
		ck_assert_int_eq(seen[0].u.vmx.which, VMXI_VMLAUNCH);
		/* ... and the #UD itself is offered as an exception. */
		ck_assert_int_eq(seen[1].kind, ICPT_EXCEPTION);
		ck_assert_uint_eq(seen[1].u.exc.vector, X86_UD);
	}
}
END_TEST

START_TEST(faults_before_the_hook)
{
	static const uint8_t rdmsr[] = { 0x0f, 0x32 };
	static const uint8_t movcr[] = { 0x0f, 0x22, 0xc0 };
	enum engine_exit_reason r;

	/* CPL 3: #GP comes first; the hook sees only the exception. */
	su_cpl3(&h);
	r = su_run(&h, rdmsr, 2, 5);
	ck_assert_int_eq(h_fault_vector(&h, r), X86_GP);
	ck_assert_uint_eq(nseen, 2);
	ck_assert_int_eq(seen[0].kind, ICPT_EXCEPTION);
	ck_assert_int_eq(seen[1].kind, ICPT_HLT);   /* the handler's HLT */
	ck_assert_uint_eq(seen[0].u.exc.vector, X86_GP);
	ck_assert(seen[0].u.exc.has_error_code);
	nseen = 0;
	su_cpl3(&h);
	r = su_run(&h, movcr, 3, 5);
	ck_assert_int_eq(h_fault_vector(&h, r), X86_GP);
	ck_assert_int_eq(seen[0].kind, ICPT_EXCEPTION);
	/* But the value checks of MOV CR come after the hook. */
	nseen = 0;
	h.s->seg[SEG_CS].ar &= ~SEG_AR_DPL_MASK;
	h.s->seg[SEG_CS].sel = 0x08;
	h.s->seg[SEG_SS].sel = 0x10;
	h.s->seg[SEG_SS].ar &= ~SEG_AR_DPL_MASK;
	G(RAX) = 0;   /* PG/PE off in 64-bit mode: #GP after the hook */
	r = su_run(&h, movcr, 3, 5);
	ck_assert_int_eq(h_fault_vector(&h, r), X86_GP);
	ck_assert_int_eq(seen[0].kind, ICPT_MOV_CR);
	ck_assert_int_eq(seen[1].kind, ICPT_EXCEPTION);
}
END_TEST

START_TEST(exception_and_hlt_verdicts)
{
	static const uint8_t ud2[] = { 0x0f, 0x0b };
	static const uint8_t hlt[] = { 0xf4, 0x90 };

	/* An exception VM exit: no IDT delivery. */
	verdict = ICPT_SWITCHED;
	switch_rip = H_CODE + 0x80;
	ck_assert(gmem_write_u8(&h.mem, H_CODE + 0x80, 0x90));
	ck_assert_int_eq(su_run(&h, ud2, 2, 1), ENGINE_EXIT_INSN_LIMIT);
	ck_assert_int_eq(seen[0].kind, ICPT_EXCEPTION);
	ck_assert_uint_eq(seen[0].u.exc.vector, X86_UD);
	ck_assert_uint_eq(seen[0].u.exc.type, EVT_HW_EXCEPTION);
	ck_assert_uint_eq(seen[0].rip, H_CODE);
	ck_assert_uint_eq(h.s->rip, H_CODE + 0x81);
	ck_assert_uint_eq(h.s->gpr[GPR_RSP], H_STACK);
	/* HLT taken by the hook (EMULATED): the vCPU does not halt. */
	verdict = ICPT_EMULATED;
	nseen = 0;
	ck_assert_int_eq(su_run(&h, hlt, 2, 2), ENGINE_EXIT_INSN_LIMIT);
	ck_assert_int_eq(seen[0].kind, ICPT_HLT);
	ck_assert_uint_eq(h.s->activity, ACTIVITY_ACTIVE);
	ck_assert_uint_eq(h.s->rip, H_CODE + 2);
}
END_TEST

START_TEST(read_lin_faults)
{
	static const uint8_t vmptrld[] = { 0x0f, 0xc7, 0x30 };   /* vmptrld [rax] */

	verdict = ICPT_EMULATED;
	G(RAX) = 0x0000800000000000ull;                         /* non-canonical */
	ck_assert_int_eq(su_run(&h, vmptrld, 3, 1), ENGINE_EXIT_INSN_LIMIT);
	ck_assert_int_eq(read_rc, -1);
	ck_assert(h.s->pending_exception.valid);
	ck_assert_uint_eq(h.s->pending_exception.vector, X86_GP);
	h.s->pending_exception.valid = false;
}
END_TEST

/* A hook that switches to a state with another TLB tag (VPID 1, other
 * page tables: a VM entry with VPIDs) without telling the engine through
 * ctx->state_changed: SWITCHED itself makes the engine load the new tag
 * (sys_icpt.c), so the new state does not use the old one's
 * translations. */
START_TEST(switched_without_state_changed)
{
	static const uint8_t code[] = {
		0x48, 0x8b, 0x04, 0x25, 0x00, 0x00, 0x20, 0x00, /* mov rax,[0x200000] */
		0x0f, 0xa2,                                     /* cpuid: switch */
	};
	static const uint8_t there[] = {
		0x48, 0x8b, 0x1c, 0x25, 0x00, 0x00, 0x20, 0x00, /* mov rbx,[0x200000] */
		0xf4,                                           /* hlt */
	};
	const uint64_t f = 0x7;        /* present, writable, user */

	/* Other tables at 0x700000: 2 MiB pages, identity but for
	 * 0x200000, which maps 0x400000. */
	ck_assert(gmem_write_u64(&h.mem, 0x700000, 0x701000 | f));
	ck_assert(gmem_write_u64(&h.mem, 0x701000, 0x702000 | f));
	for (uint64_t i = 0; i < 512; i++)
		ck_assert(gmem_write_u64(&h.mem, 0x702000 + 8 * i,
					 ((i == 1 ? 2 : i) << 21) | f | 0x80));
	ck_assert(gmem_write_u64(&h.mem, 0x200000, 0x1111));
	ck_assert(gmem_write_u64(&h.mem, 0x400000, 0x2222));
	h_load(&h, H_CODE + 0x40, there, sizeof(there));
	verdict = ICPT_SWITCHED;
	switch_rip = H_CODE + 0x40;
	switch_cr3 = 0x700000;
	switch_quiet = true;
	switch_vpid = 1;
	ck_assert_int_eq(su_run(&h, code, sizeof(code), 10), ENGINE_EXIT_HLT);
	ck_assert_uint_eq(G(RAX), 0x1111);
	ck_assert_uint_eq(G(RBX), 0x2222);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("intercept");
	TCase *tc = tcase_create("intercept");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, cpuid_each_verdict);
	tcase_add_test(tc, msr_cr_io_fields);
	tcase_add_test(tc, vmx_instruction_operands);
	tcase_add_test(tc, faults_before_the_hook);
	tcase_add_test(tc, exception_and_hlt_verdicts);
	tcase_add_test(tc, read_lin_faults);
	tcase_add_test(tc, switched_without_state_changed);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
