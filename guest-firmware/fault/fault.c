// SPDX-License-Identifier: MIT
/*
 * Exception delivery checks: each case triggers one exception and checks
 * the vector, error code, reported RIP and (for #PF) CR2 against the SDM
 * (Vol. 3A ch. 6 and 4.7), then that IRETQ resumes with registers intact.
 */
#include "fw.h"

extern uint64_t fault_read(uint64_t *p);
extern void fault_write(uint64_t *p, uint64_t v);
extern void fault_exec(void *code);
extern void fault_ud(void), fault_div0(void), fault_idiv_overflow(void);
extern void fault_int3(void), fault_int_np(void), fault_int_gp(void);
extern void fault_noncanon(void);
extern void fault_cr4_reserved(void), fault_efer_reserved(void);
extern char fault_read_insn[], fault_write_insn[], fault_ud_insn[],
	fault_ud_after[], fault_div0_insn[], fault_idiv_insn[],
	fault_int3_after[], fault_int_np_insn[], fault_int_gp_insn[], fault_noncanon_insn[],
	fault_cr4_insn[], fault_efer_insn[];
extern void iret_regs_test(const uint64_t in[15], uint64_t out[16]);
extern char iret_int3_after[];
extern uint64_t iret_rsp_before, iret_rsp_after;

struct access {
	uint64_t *p;
	uint64_t v;
};

static void do_read(void *arg)
{
	struct access *a = arg;

	a->v = fault_read(a->p);
}

static void do_write(void *arg)
{
	struct access *a = arg;

	fault_write(a->p, a->v);
}

static void do_exec(void *arg)
{
	fault_exec(arg);
}

static void call_fn(void *arg)
{
	((void (*)(void))arg)();
}

/* One exception case: vector, error code and RIP. */
static void expect_fault(const char *name, int vec, const struct trap_info *ti,
			 int want_vec, uint64_t want_err, const void *want_rip)
{
	if (!expect_eq(vec, want_vec, "%s vector", name))
		return;
	expect_eq(ti->error_code, want_err, "%s error code", name);
	expect_eq(ti->rip, (uint64_t)want_rip, "%s rip", name);
}

static void test_pf_not_present(void)
{
	uint64_t *page = page_alloc();
	struct access a = { page + 1, 0 };
	struct trap_info ti;
	int v;

	page[1] = 0x1122334455667788ULL;
	paging_update((uint64_t)page, 0, PTE_P);

	v = trap_try(do_read, &a, &ti);
	expect_fault("pf not-present read", v, &ti, VEC_PF, 0, fault_read_insn);
	expect_eq(ti.cr2, (uint64_t)(page + 1), "pf not-present read cr2");

	a.p = page + 2;
	a.v = 0xabcdULL;
	v = trap_try(do_write, &a, &ti);
	expect_fault("pf not-present write", v, &ti, VEC_PF, PFEC_W,
		     fault_write_insn);
	expect_eq(ti.cr2, (uint64_t)(page + 2), "pf not-present write cr2");

	paging_update((uint64_t)page, PTE_P, 0);
	a.p = page + 1;
	v = trap_try(do_read, &a, &ti);
	expect_eq(v, -1, "pf remapped read no fault");
	expect_eq(a.v, 0x1122334455667788ULL, "pf remapped read value");
	expect_eq(page[2], 0, "pf faulting write had no effect");
}

static void test_pf_write_protect(void)
{
	uint64_t *page = page_alloc();
	struct access a = { page + 3, 0x55ULL };
	struct trap_info ti;
	int v;

	page[3] = 7;
	paging_update((uint64_t)page, 0, PTE_W);
	v = trap_try(do_write, &a, &ti);
	expect_fault("pf write-protected write", v, &ti, VEC_PF,
		     PFEC_P | PFEC_W, fault_write_insn);
	expect_eq(ti.cr2, (uint64_t)(page + 3), "pf write-protected cr2");
	expect_eq(page[3], 7, "pf write-protected page unchanged");

	v = trap_try(do_read, &a, &ti);
	expect_eq(v, -1, "pf write-protected read allowed");
	expect_eq(a.v, 7, "pf write-protected read value");

	/* CR0.WP=0: supervisor writes ignore R/W (SDM Vol. 3A 4.6.1). */
	write_cr0(read_cr0() & ~CR0_WP);
	a.v = 9;
	v = trap_try(do_write, &a, &ti);
	write_cr0(read_cr0() | CR0_WP);
	expect_eq(v, -1, "pf write-protected cr0.wp=0 write allowed");
	expect_eq(page[3], 9, "pf write-protected cr0.wp=0 value");
	paging_update((uint64_t)page, PTE_W, 0);
}

static void test_pf_nx(void)
{
	uint8_t *page = page_alloc();
	struct trap_info ti;
	int v;

	page[0] = 0xc3;		/* ret */
	v = trap_try(do_exec, page, &ti);
	expect_eq(v, -1, "pf executable page runs");

	paging_update((uint64_t)page, PTE_NX, 0);
	v = trap_try(do_exec, page, &ti);
	expect_fault("pf nx fetch", v, &ti, VEC_PF, PFEC_P | PFEC_I, page);
	expect_eq(ti.cr2, (uint64_t)page, "pf nx fetch cr2");
	paging_update((uint64_t)page, 0, PTE_NX);
}

static void test_pf_reserved(void)
{
	uint64_t *page = page_alloc();
	unsigned maxphy = cpuid(0x80000008, 0).eax & 0xff;
	struct access a = { page, 0 };
	struct trap_info ti;
	int v;

	/* Bits MAXPHYADDR..51 of a PTE are reserved (SDM Vol. 3A 4.5). */
	paging_update((uint64_t)page, 1ULL << maxphy, 0);
	v = trap_try(do_read, &a, &ti);
	expect_fault("pf reserved bit", v, &ti, VEC_PF, PFEC_P | PFEC_RSVD,
		     fault_read_insn);
	expect_eq(ti.cr2, (uint64_t)page, "pf reserved bit cr2");
	paging_update((uint64_t)page, 0, 1ULL << maxphy);
}

/* A handler that maps the page and retries: the faulting instruction
 * must restart from scratch (faults report the instruction's own RIP). */
static uint64_t *fixup_page;
static unsigned fixup_count;

static bool pf_fixup(struct trap_frame *f)
{
	if (read_cr2() >> 12 != (uint64_t)fixup_page >> 12)
		return false;
	fixup_count++;
	paging_update((uint64_t)fixup_page, PTE_P, 0);
	return true;
}

static void test_pf_fixup(void)
{
	fixup_page = page_alloc();
	fixup_page[5] = 0x600dULL;
	fixup_count = 0;
	paging_update((uint64_t)fixup_page, 0, PTE_P);
	trap_set_handler(VEC_PF, pf_fixup);
	uint64_t got = fault_read(fixup_page + 5);
	trap_set_handler(VEC_PF, NULL);
	expect_eq(fixup_count, 1, "pf handler fixup taken once");
	expect_eq(got, 0x600dULL, "pf handler fixup retried read");
}

static void test_gp(void)
{
	struct trap_info ti;
	uint64_t cr4 = read_cr4(), efer = rdmsr(MSR_EFER);
	int v;

	v = trap_try(call_fn, fault_noncanon, &ti);
	expect_fault("gp non-canonical", v, &ti, VEC_GP, 0, fault_noncanon_insn);
	v = trap_try(call_fn, fault_cr4_reserved, &ti);
	expect_fault("gp cr4 reserved bit", v, &ti, VEC_GP, 0, fault_cr4_insn);
	expect_eq(read_cr4(), cr4, "gp cr4 unchanged");
	v = trap_try(call_fn, fault_efer_reserved, &ti);
	expect_fault("gp efer reserved bit", v, &ti, VEC_GP, 0, fault_efer_insn);
	expect_eq(rdmsr(MSR_EFER), efer, "gp efer unchanged");
}

static void test_de_ud_bp(void)
{
	struct trap_info ti;
	int v;

	v = trap_try(call_fn, fault_div0, &ti);
	expect_fault("de div by zero", v, &ti, VEC_DE, 0, fault_div0_insn);
	v = trap_try(call_fn, fault_idiv_overflow, &ti);
	expect_fault("de idiv overflow", v, &ti, VEC_DE, 0, fault_idiv_insn);
	v = trap_try(call_fn, fault_ud, &ti);
	expect_fault("ud ud2", v, &ti, VEC_UD, 0, fault_ud_insn);
	/* #BP is a trap: RIP points after INT3. */
	v = trap_try(call_fn, fault_int3, &ti);
	expect_fault("bp int3", v, &ti, VEC_BP, 0, fault_int3_after);
	/* INT n through a not-present gate: #NP(vector*8+2); a gate whose
	 * type is not a 64-bit interrupt/trap gate: #GP(vector*8+2); the type
	 * is checked first (SDM Vol. 2 INT n, IA-32e mode). */
	idt_set_gate(0x40, fault_int3, 0);
	((volatile uint16_t *)idt_base())[0x40 * 8 + 2] &= 0x7fff;	/* P=0 */
	v = trap_try(call_fn, fault_int_np, &ti);
	expect_fault("np int 0x40 not present", v, &ti, VEC_NP, 0x40 * 8 + 2,
		     fault_int_np_insn);
	v = trap_try(call_fn, fault_int_gp, &ti);
	expect_fault("gp int 0x41 bad gate type", v, &ti, VEC_GP, 0x41 * 8 + 2,
		     fault_int_gp_insn);
}

static unsigned ud_skips;

static bool ud_skip(struct trap_frame *f)
{
	ud_skips++;
	f->rip += 2;	/* length of UD2 */
	return true;
}

static void test_resume(void)
{
	trap_set_handler(VEC_UD, ud_skip);
	fault_ud();
	fault_ud();
	trap_set_handler(VEC_UD, NULL);
	expect_eq(ud_skips, 2, "ud handler resumed after ud2");
}

static struct trap_frame bp_frame;
static unsigned bp_count;

static bool bp_record(struct trap_frame *f)
{
	bp_frame = *f;
	bp_count++;
	return true;
}

static void test_iret_regs(void)
{
	static const char *const names[15] = {
		"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "r8",
		"r9", "r10", "r11", "r12", "r13", "r14", "r15",
	};
	uint64_t in[15], out[16];

	for (unsigned i = 0; i < 15; i++)
		in[i] = 0x0101010101010101ULL * (i + 1) ^ 0x8000000000000000ULL;
	trap_set_handler(VEC_BP, bp_record);
	iret_regs_test(in, out);
	trap_set_handler(VEC_BP, NULL);

	expect_eq(bp_count, 1, "iret int3 handled once");
	expect_eq(bp_frame.rip, (uint64_t)iret_int3_after, "iret frame rip");
	expect_eq(bp_frame.cs, SEL_CODE64, "iret frame cs");
	/* No privilege change: the old SS is pushed (SDM 6.14.2). */
	expect_eq(bp_frame.ss, SEL_DATA, "iret frame ss");
	expect_eq(bp_frame.rsp, iret_rsp_before, "iret frame rsp");
	expect_eq(bp_frame.rax, in[0], "iret frame rax");
	expect_eq(bp_frame.r15, in[14], "iret frame r15");
	for (unsigned i = 0; i < 15; i++)
		expect_eq(out[i], in[i], "iret preserves %s", names[i]);
	expect_eq(out[15] & (RFLAGS_CF | RFLAGS_DF | RFLAGS_FIXED),
		  RFLAGS_CF | RFLAGS_DF | RFLAGS_FIXED,
		  "iret preserves rflags cf df");
	expect_eq(iret_rsp_after, iret_rsp_before, "iret restores rsp");
}

int main(void)
{
	printf("vmxbox fault test\n");
	test_section("page faults");
	test_pf_not_present();
	test_pf_write_protect();
	test_pf_nx();
	test_pf_reserved();
	test_pf_fixup();
	test_section("general protection");
	test_gp();
	test_section("de ud bp np");
	test_de_ud_bp();
	test_section("iretq");
	test_resume();
	test_iret_regs();
	return test_summary();
}
