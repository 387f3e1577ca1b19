// SPDX-License-Identifier: MIT
/*
 * The kvm engine's pure conversions, run everywhere (no /dev/kvm needed):
 * the neutral cpu_state <-> kvm_regs/sregs/xsave/vcpu_events/debugregs,
 * the MSR list given to KVM_GET/SET_MSRS, and KVM_SET_CPUID2 entries from
 * the CPU model.
 */
#include <check.h>
#include <string.h>

#include "core/cpu_model.h"
#include "engine/kvm/kvm_cpuid.h"
#include "engine/kvm/kvm_state.h"

static uint64_t get64(const void *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

/* kvm_regs has its own GPR order (rax, rbx, rcx, rdx, rsi, rdi, rsp, rbp). */
START_TEST(regs_follow_kvm_order)
{
	struct cpu_state s, back;
	struct kvm_regs r;

	memset(&s, 0, sizeof(s));
	for (int i = 0; i < GPR_COUNT; i++)
		s.gpr[i] = 0x1000 + i;
	s.rip = 0xfff0;
	s.rflags = RFLAGS_FIXED1 | RFLAGS_IF;
	kvm_regs_from_state(&s, &r);
	ck_assert_uint_eq(r.rax, 0x1000 + GPR_RAX);
	ck_assert_uint_eq(r.rbx, 0x1000 + GPR_RBX);
	ck_assert_uint_eq(r.rcx, 0x1000 + GPR_RCX);
	ck_assert_uint_eq(r.rdx, 0x1000 + GPR_RDX);
	ck_assert_uint_eq(r.rsp, 0x1000 + GPR_RSP);
	ck_assert_uint_eq(r.rbp, 0x1000 + GPR_RBP);
	ck_assert_uint_eq(r.rsi, 0x1000 + GPR_RSI);
	ck_assert_uint_eq(r.rdi, 0x1000 + GPR_RDI);
	ck_assert_uint_eq(r.r8, 0x1000 + GPR_R8);
	ck_assert_uint_eq(r.r15, 0x1000 + GPR_R15);
	ck_assert_uint_eq(r.rip, 0xfff0);
	ck_assert_uint_eq(r.rflags, 0x202);
	memset(&back, 0, sizeof(back));
	kvm_regs_to_state(&r, &back);
	ck_assert_mem_eq(back.gpr, s.gpr, sizeof(s.gpr));
	ck_assert_uint_eq(back.rip, 0xfff0);
	ck_assert_uint_eq(back.rflags, 0x202);
}
END_TEST

/* VMX access rights (SDM Table 24-2) <-> kvm_segment's fields. */
START_TEST(segment_access_rights)
{
	/* 64-bit code: type 0xb, S, DPL 3, P, L, G. */
	struct seg_reg cs = { .sel = 0x33, .base = 0x1234, .limit = 0xffffffff,
			      .ar = 0xb | SEG_AR_S | (3u << SEG_AR_DPL_SHIFT) |
				    SEG_AR_P | SEG_AR_L | SEG_AR_G };
	struct seg_reg unusable = { .ar = SEG_AR_UNUSABLE | SEG_AR_DB | 3 },
		       back;
	struct kvm_segment k;

	kvm_seg_from_state(&cs, &k);
	ck_assert_uint_eq(k.selector, 0x33);
	ck_assert_uint_eq(k.base, 0x1234);
	ck_assert_uint_eq(k.limit, 0xffffffff);
	ck_assert_uint_eq(k.type, 0xb);
	ck_assert_uint_eq(k.s, 1);
	ck_assert_uint_eq(k.dpl, 3);
	ck_assert_uint_eq(k.present, 1);
	ck_assert_uint_eq(k.l, 1);
	ck_assert_uint_eq(k.db, 0);
	ck_assert_uint_eq(k.g, 1);
	ck_assert_uint_eq(k.avl, 0);
	ck_assert_uint_eq(k.unusable, 0);
	kvm_seg_to_state(&k, &back);
	ck_assert_uint_eq(back.ar, cs.ar);
	ck_assert_uint_eq(back.sel, 0x33);

	kvm_seg_from_state(&unusable, &k);
	ck_assert_uint_eq(k.unusable, 1);
	ck_assert_uint_eq(k.present, 0);
	ck_assert_uint_eq(k.db, 1);
	kvm_seg_to_state(&k, &back);
	ck_assert_uint_eq(back.ar, unusable.ar);

	/* Every access-rights bit KVM has a field for survives alone. */
	for (unsigned bit = 0; bit <= 16; bit++) {
		struct seg_reg one = { .ar = 1u << bit };
		uint32_t kept = 0x1f0ffu;  /* bits 11:8 are reserved */

		kvm_seg_from_state(&one, &k);
		kvm_seg_to_state(&k, &back);
		ck_assert_uint_eq(back.ar, one.ar & kept);
	}
}
END_TEST

START_TEST(sregs_segments_tables_crs)
{
	struct cpu_state s, back;
	struct kvm_sregs sr;

	memset(&s, 0, sizeof(s));
	for (int i = 0; i < SEG_COUNT; i++) {
		s.seg[i].sel = (uint16_t)(8 * (i + 1));
		s.seg[i].base = 0x100000ull * (i + 1);
		s.seg[i].ar = SEG_AR_P | SEG_AR_S | 3;
	}
	s.gdtr = (struct dtable_reg){ 0x5000, 0x7f };
	s.idtr = (struct dtable_reg){ 0x6000, 0xfff };
	s.cr0 = 0x80000011;
	s.cr2 = 0xdead000;
	s.cr3 = 0x9000;
	s.cr4 = 0x20;
	s.cr8 = 5;
	s.efer = 0x500;
	s.msr.apic_base = 0xfee00900;
	kvm_sregs_from_state(&s, &sr);
	ck_assert_uint_eq(sr.es.selector, 8);
	ck_assert_uint_eq(sr.cs.selector, 16);
	ck_assert_uint_eq(sr.ss.selector, 24);
	ck_assert_uint_eq(sr.ds.selector, 32);
	ck_assert_uint_eq(sr.fs.base, 0x500000);
	ck_assert_uint_eq(sr.gs.base, 0x600000);
	ck_assert_uint_eq(sr.ldt.selector, 56);
	ck_assert_uint_eq(sr.tr.selector, 64);
	ck_assert_uint_eq(sr.gdt.base, 0x5000);
	ck_assert_uint_eq(sr.gdt.limit, 0x7f);
	ck_assert_uint_eq(sr.idt.limit, 0xfff);
	ck_assert_uint_eq(sr.cr0, 0x80000011);
	ck_assert_uint_eq(sr.cr2, 0xdead000);
	ck_assert_uint_eq(sr.cr3, 0x9000);
	ck_assert_uint_eq(sr.cr4, 0x20);
	ck_assert_uint_eq(sr.cr8, 5);
	ck_assert_uint_eq(sr.efer, 0x500);
	ck_assert_uint_eq(sr.apic_base, 0xfee00900);
	for (size_t i = 0; i < sizeof(sr.interrupt_bitmap) / 8; i++)
		ck_assert_uint_eq(sr.interrupt_bitmap[i], 0);
	memset(&back, 0, sizeof(back));
	kvm_sregs_to_state(&sr, &back);
	ck_assert_mem_eq(back.seg, s.seg, sizeof(s.seg));
	ck_assert_uint_eq(back.idtr.base, 0x6000);
	ck_assert_uint_eq(back.cr3, 0x9000);
	ck_assert_uint_eq(back.efer, 0x500);
	ck_assert_uint_eq(back.msr.apic_base, 0xfee00900);
}
END_TEST

/*
 * fpu.st[] holds physical registers R0-R7, XSAVE's legacy area ST(0)-ST(7)
 * (SDM Vol. 1 8.1.2, Table 10-2): ST(i) = R((TOP + i) mod 8).
 */
START_TEST(xsave_st_order_and_legacy_fields)
{
	struct fpu_state f, back;
	struct kvm_xsave x;
	const uint8_t *p = (const uint8_t *)x.region;
	unsigned top = 5;

	memset(&f, 0, sizeof(f));
	f.fcw = 0x037f;
	f.fsw = (uint16_t)(top << FPU_FSW_TOP_SHIFT) | 0x41;
	f.ftw = 0xe0;          /* abridged: R5, R6, R7 valid */
	f.fop = 0x5d9;
	f.fip = 0x112233445566;
	f.fdp = 0x778899aabbcc;
	f.mxcsr = 0x1fa0;
	for (int r = 0; r < 8; r++)
		memset(f.st[r], 0x10 + r, 10);
	for (int i = 0; i < 16; i++)
		memset(f.xmm[i], 0x80 + i, 16);
	kvm_xsave_from_fpu(&f, &x);
	ck_assert_uint_eq(p[XSAVE_FCW] | p[XSAVE_FCW + 1] << 8, 0x037f);
	ck_assert_uint_eq(p[XSAVE_FSW] | p[XSAVE_FSW + 1] << 8, f.fsw);
	ck_assert_uint_eq(p[XSAVE_FTW], 0xe0);
	ck_assert_uint_eq(p[XSAVE_FOP] | p[XSAVE_FOP + 1] << 8, 0x5d9);
	ck_assert_uint_eq(get64(p + XSAVE_FIP), 0x112233445566);
	ck_assert_uint_eq(get64(p + XSAVE_FDP), 0x778899aabbcc);
	ck_assert_uint_eq(get64(p + XSAVE_MXCSR) & 0xffffffff, 0x1fa0);
	/* ST(0) is R5, ST(2) is R7, ST(3) wraps to R0. */
	ck_assert_uint_eq(p[XSAVE_ST + 16 * 0], 0x15);
	ck_assert_uint_eq(p[XSAVE_ST + 16 * 2 + 9], 0x17);
	ck_assert_uint_eq(p[XSAVE_ST + 16 * 3], 0x10);
	ck_assert_uint_eq(p[XSAVE_ST + 16 * 7], 0x14);
	ck_assert_uint_eq(p[XSAVE_ST + 16 * 0 + 10], 0);  /* reserved bytes */
	ck_assert_uint_eq(p[XSAVE_XMM + 16 * 15], 0x8f);
	/* XSTATE_BV says x87 and SSE are in the image, or XRSTOR would
	 * load their init state instead (SDM Vol. 1 13.8.1). */
	ck_assert_uint_eq(get64(p + XSAVE_HDR_BV), 3);

	memset(&back, 0xff, sizeof(back));
	kvm_xsave_to_fpu(&x, &back);
	ck_assert_uint_eq(back.fcw, f.fcw);
	ck_assert_uint_eq(back.fsw, f.fsw);
	ck_assert_uint_eq(back.ftw, f.ftw);
	ck_assert_uint_eq(back.fop, f.fop);
	ck_assert_uint_eq(back.fip, f.fip);
	ck_assert_uint_eq(back.fdp, f.fdp);
	ck_assert_uint_eq(back.mxcsr, f.mxcsr);
	ck_assert_mem_eq(back.st, f.st, sizeof(f.st));
	ck_assert_mem_eq(back.xmm, f.xmm, sizeof(f.xmm));
}
END_TEST

/* FOP is 11 bits; XSAVE's upper 5 bits of that word are not part of it. */
START_TEST(xsave_fop_is_eleven_bits)
{
	struct fpu_state f;
	struct kvm_xsave x;

	memset(&x, 0, sizeof(x));
	((uint8_t *)x.region)[XSAVE_FOP] = 0xff;
	((uint8_t *)x.region)[XSAVE_FOP + 1] = 0xff;
	kvm_xsave_to_fpu(&x, &f);
	ck_assert_uint_eq(f.fop, 0x7ff);
}
END_TEST

START_TEST(events_exception_shadow_nmi)
{
	struct cpu_state s, back;
	struct kvm_vcpu_events e;

	memset(&s, 0, sizeof(s));
	s.injected = (struct x86_event){ .valid = true,
		.type = EVT_HW_EXCEPTION, .vector = 14,
		.has_error_code = true, .error_code = 6 };
	s.interruptibility = INTR_BLOCK_STI | INTR_BLOCK_NMI;
	s.nmi_pending = true;
	kvm_events_from_state(&s, &e);
	ck_assert(e.flags & KVM_VCPUEVENT_VALID_SHADOW);
	ck_assert(e.flags & KVM_VCPUEVENT_VALID_NMI_PENDING);
	ck_assert_uint_eq(e.exception.injected, 1);
	ck_assert_uint_eq(e.exception.nr, 14);
	ck_assert_uint_eq(e.exception.has_error_code, 1);
	ck_assert_uint_eq(e.exception.error_code, 6);
	ck_assert_uint_eq(e.interrupt.injected, 0);
	ck_assert_uint_eq(e.interrupt.shadow, KVM_X86_SHADOW_INT_STI);
	ck_assert_uint_eq(e.nmi.pending, 1);
	ck_assert_uint_eq(e.nmi.masked, 1);
	memset(&back, 0, sizeof(back));
	back.interruptibility = INTR_BLOCK_MOV_SS;   /* replaced */
	kvm_events_to_state(&e, &back);
	ck_assert(back.injected.valid);
	ck_assert_uint_eq(back.injected.type, EVT_HW_EXCEPTION);
	ck_assert_uint_eq(back.injected.vector, 14);
	ck_assert(back.injected.has_error_code);
	ck_assert_uint_eq(back.injected.error_code, 6);
	ck_assert_uint_eq(back.interruptibility, INTR_BLOCK_STI | INTR_BLOCK_NMI);
	ck_assert(back.nmi_pending);
	ck_assert(!back.pending_exception.valid);
}
END_TEST

/* A raised exception not yet delivered goes to KVM as one to deliver;
 * a software interrupt keeps its type; MOV SS blocking has its own bit. */
START_TEST(events_pending_exception_and_soft_interrupt)
{
	struct cpu_state s, back;
	struct kvm_vcpu_events e;

	memset(&s, 0, sizeof(s));
	s.pending_exception = (struct x86_event){ .valid = true,
		.type = EVT_HW_EXCEPTION, .vector = 13, .has_error_code = true };
	kvm_events_from_state(&s, &e);
	ck_assert_uint_eq(e.exception.injected, 1);
	ck_assert_uint_eq(e.exception.nr, 13);

	memset(&s, 0, sizeof(s));
	s.injected = (struct x86_event){ .valid = true, .type = EVT_SW_INTR,
					 .vector = 0x80 };
	s.interruptibility = INTR_BLOCK_MOV_SS;
	kvm_events_from_state(&s, &e);
	ck_assert_uint_eq(e.exception.injected, 0);
	ck_assert_uint_eq(e.interrupt.injected, 1);
	ck_assert_uint_eq(e.interrupt.nr, 0x80);
	ck_assert_uint_eq(e.interrupt.soft, 1);
	ck_assert_uint_eq(e.interrupt.shadow, KVM_X86_SHADOW_INT_MOV_SS);
	memset(&back, 0, sizeof(back));
	kvm_events_to_state(&e, &back);
	ck_assert_uint_eq(back.injected.type, EVT_SW_INTR);
	ck_assert_uint_eq(back.injected.vector, 0x80);
	ck_assert_uint_eq(back.interruptibility, INTR_BLOCK_MOV_SS);

	memset(&s, 0, sizeof(s));
	s.injected = (struct x86_event){ .valid = true, .type = EVT_NMI,
					 .vector = 2 };
	kvm_events_from_state(&s, &e);
	ck_assert_uint_eq(e.nmi.injected, 1);
	ck_assert_uint_eq(e.interrupt.injected, 0);
	kvm_events_to_state(&e, &back);
	ck_assert_uint_eq(back.injected.type, EVT_NMI);
	ck_assert_uint_eq(back.injected.vector, 2);
}
END_TEST

START_TEST(debug_registers)
{
	struct cpu_state s, back;
	struct kvm_debugregs d;

	memset(&s, 0, sizeof(s));
	for (int i = 0; i < 4; i++)
		s.dr[i] = 0x1000 * (i + 1);
	s.dr[6] = 0xffff4ff1;
	s.dr[7] = 0x403;
	kvm_dregs_from_state(&s, &d);
	ck_assert_uint_eq(d.db[0], 0x1000);
	ck_assert_uint_eq(d.db[3], 0x4000);
	ck_assert_uint_eq(d.dr6, 0xffff4ff1);
	ck_assert_uint_eq(d.dr7, 0x403);
	memset(&back, 0, sizeof(back));
	kvm_dregs_to_state(&d, &back);
	ck_assert_mem_eq(back.dr, s.dr, sizeof(s.dr));
}
END_TEST

static bool has(const uint32_t *l, size_t n, uint32_t idx)
{
	for (size_t i = 0; i < n; i++)
		if (l[i] == idx)
			return true;
	return false;
}

/* Only MSRs both KVM and cpu_state keep, the TSC first; never EFER,
 * FS/GS base, APIC base (sregs) nor IA32_FEATURE_CONTROL (hand-over). */
START_TEST(msr_indices_kvm_and_state)
{
	uint32_t list[64], out[64];
	size_t n = 0, got;

	list[n++] = 0x10;          /* TSC */
	list[n++] = 0xc0000080;    /* EFER */
	list[n++] = 0xc0000100;    /* FS base */
	list[n++] = 0x1b;          /* APIC base */
	list[n++] = 0x3a;          /* feature control */
	list[n++] = 0x174;         /* SYSENTER_CS */
	list[n++] = 0xc0000081;    /* STAR */
	list[n++] = 0x4b564d00;    /* a KVM paravirtual MSR, not ours */
	ck_assert_ptr_nonnull(cpu_msr_lookup(0x174));
	ck_assert_ptr_nonnull(cpu_msr_lookup(0xc0000081));
	got = kvm_msr_indices(list, n, out, 64);
	ck_assert_uint_eq(got, 3);
	ck_assert_uint_eq(out[0], 0x10);
	ck_assert(has(out, got, 0x174));
	ck_assert(has(out, got, 0xc0000081));
	ck_assert(!has(out, got, 0xc0000080));
	ck_assert(!has(out, got, 0x3a));
	/* The limit is honoured. */
	ck_assert_uint_eq(kvm_msr_indices(list, n, out, 2), 2);
	/* Not in KVM's list: not moved. */
	ck_assert_uint_eq(kvm_msr_indices(list + 1, n - 1, out, 64), 2);
	ck_assert(!has(out, 2, 0x10));
}
END_TEST

START_TEST(msr_values_tsc_and_table)
{
	struct cpu_state s;
	uint64_t v;

	memset(&s, 0, sizeof(s));
	ck_assert(kvm_msr_to_state(&s, 0x10, 123456789));
	ck_assert_uint_eq(s.tsc, 123456789);
	ck_assert(kvm_msr_from_state(&s, 0x10, &v));
	ck_assert_uint_eq(v, 123456789);
	ck_assert(kvm_msr_to_state(&s, 0x174, 0x10));
	ck_assert(kvm_msr_from_state(&s, 0x174, &v));
	ck_assert_uint_eq(v, 0x10);
	ck_assert(!kvm_msr_from_state(&s, 0x4b564d00, &v));
}
END_TEST

static const struct kvm_cpuid_entry2 *find(const struct kvm_cpuid_entry2 *e,
					   size_t n, uint32_t leaf, uint32_t sub)
{
	for (size_t i = 0; i < n; i++)
		if (e[i].function == leaf && e[i].index == sub)
			return &e[i];
	return NULL;
}

/* KVM_SET_CPUID2 gets the model's leaves, with ECX-indexed leaves flagged
 * and given per subleaf, so KVM answers CPUID as the interpreter does. */
START_TEST(cpuid_entries_are_the_model)
{
	static struct kvm_cpuid_entry2 e[KVM_CPUID_MAX_ENTRIES];
	const struct kvm_cpuid_entry2 *x;
	struct cpu_model m;
	uint32_t r[4], top, ext;
	size_t n;

	cpu_model_default(&m);
	n = kvm_cpuid_from_model(&m, e, KVM_CPUID_MAX_ENTRIES);
	ck_assert_uint_gt(n, 10);
	ck_assert_uint_lt(n, KVM_CPUID_MAX_ENTRIES);
	cpu_model_cpuid(&m, 0, 0, r);
	top = r[0];
	cpu_model_cpuid(&m, 0x80000000u, 0, r);
	ext = r[0];
	for (size_t i = 0; i < n; i++) {
		ck_assert(e[i].function <= top ||
			  (e[i].function >= 0x80000000u && e[i].function <= ext));
		cpu_model_cpuid(&m, e[i].function, e[i].index, r);
		ck_assert_uint_eq(e[i].eax, r[0]);
		ck_assert_uint_eq(e[i].ebx, r[1]);
		ck_assert_uint_eq(e[i].ecx, r[2]);
		ck_assert_uint_eq(e[i].edx, r[3]);
	}
	x = find(e, n, 1, 0);
	ck_assert_ptr_nonnull(x);
	ck_assert_uint_eq(x->flags, 0);
	ck_assert_ptr_null(find(e, n, 1, 1));
	x = find(e, n, 0x80000000u, 0);
	ck_assert_ptr_nonnull(x);
	ck_assert_uint_eq(x->eax, ext);
	if (top >= 7) {
		x = find(e, n, 7, 1);
		ck_assert_ptr_nonnull(x);
		ck_assert_uint_eq(x->flags, KVM_CPUID_FLAG_SIGNIFCANT_INDEX);
	}
	if (top >= 0xd) {
		ck_assert_ptr_nonnull(find(e, n, 0xd, 0));
		ck_assert_ptr_nonnull(find(e, n, 0xd, 1));
	}
	/* A short table is filled and never overrun. */
	ck_assert_uint_eq(kvm_cpuid_from_model(&m, e, 3), 3);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("kvm_state");
	TCase *tc = tcase_create("convert");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, regs_follow_kvm_order);
	tcase_add_test(tc, segment_access_rights);
	tcase_add_test(tc, sregs_segments_tables_crs);
	tcase_add_test(tc, xsave_st_order_and_legacy_fields);
	tcase_add_test(tc, xsave_fop_is_eleven_bits);
	tcase_add_test(tc, events_exception_shadow_nmi);
	tcase_add_test(tc, events_pending_exception_and_soft_interrupt);
	tcase_add_test(tc, debug_registers);
	tcase_add_test(tc, msr_indices_kvm_and_state);
	tcase_add_test(tc, msr_values_tsc_and_table);
	tcase_add_test(tc, cpuid_entries_are_the_model);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
