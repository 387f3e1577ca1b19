// SPDX-License-Identifier: MIT
#include "harness.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

/* Not ck_assert: that reports progress to the check runner even on
 * success, and the harness is also used outside tests (bench/). */
#define H_REQUIRE(c, ...)                                                 \
	do {                                                              \
		if (!(c)) {                                               \
			fprintf(stderr, __VA_ARGS__);                     \
			fputc('\n', stderr);                              \
			ck_abort_msg(__VA_ARGS__);                        \
		}                                                         \
	} while (0)

#define PTE_P  0x1ull
#define PTE_W  0x2ull
#define PTE_U  0x4ull
#define PTE_PS 0x80ull

/* Identity map 0-4 GiB with 2 MiB pages, as docs/boot.md describes, but
 * user-accessible too so tests can run at CPL 3. */
static void build_page_tables(struct guest_mem *gm)
{
	const uint64_t f = PTE_P | PTE_W | PTE_U;

	gmem_write_u64(gm, 0x1000, 0x2000 | f);
	for (uint64_t i = 0; i < 4; i++)
		gmem_write_u64(gm, 0x2000 + i * 8, (0x3000 + i * 0x1000) | f);
	for (uint64_t i = 0; i < 4 * 512; i++)
		gmem_write_u64(gm, 0x3000 + i * 8, (i << 21) | f | PTE_PS);
}

static void build_gdt(struct guest_mem *gm)
{
	static const uint64_t gdt[] = {
		0,
		0x00af9b000000ffffull,  /* 0x08: 64-bit code */
		0x00cf93000000ffffull,  /* 0x10: flat data */
		0x00cf9b000000ffffull,  /* 0x18: 32-bit code */
		0x000093000000ffffull,  /* 0x20: 16-bit data */
	};

	gmem_write(gm, 0x7000, gdt, sizeof(gdt));
}

/* 64-bit interrupt gates to one HLT per vector (SDM 6.14.1). */
static void build_idt(struct guest_mem *gm)
{
	for (uint64_t v = 0; v < 256; v++) {
		uint64_t off = H_VEC + 16 * v;
		uint64_t lo = (off & 0xffff) | (0x08ull << 16) |
			      (0x8eull << 40) | ((off >> 16 & 0xffff) << 48);

		gmem_write_u64(gm, H_IDT + 16 * v, lo);
		gmem_write_u64(gm, H_IDT + 16 * v + 8, off >> 32);
		gmem_write_u8(gm, off, 0xf4);
	}
}

uint64_t h_fault_rip(struct harness *h, enum engine_exit_reason r, bool err_code)
{
	if (r == ENGINE_EXIT_HLT && h->s->rip > H_VEC && h->s->rip <= H_VEC + 16 * 256)
		return h_read64(h, h->s->seg[SEG_SS].base + h->s->gpr[GPR_RSP] +
				(err_code ? 8 : 0));
	return h->s->rip;
}

uint64_t h_program_insns(struct harness *h, enum engine_exit_reason r)
{
	uint64_t rip = h->s->rip;
	bool in_stub = r == ENGINE_EXIT_HLT && rip > H_VEC && rip <= H_VEC + 16 * 256;

	return h->s->insn_count - (in_stub ? 1 : 0);
}

int h_fault_vector(struct harness *h, enum engine_exit_reason r)
{
	uint64_t rip = h->s->rip;

	if (r == ENGINE_EXIT_HLT && rip > H_VEC && rip <= H_VEC + 16 * 256)
		return (int)((rip - 1 - H_VEC) / 16);
	if (r == ENGINE_EXIT_SHUTDOWN)
		return h->s->pending_exception.vector;
	return -1;
}

static void state64(struct cpu_state *s)
{
	cpu_state_reset(s);
	s->rip = H_CODE;
	s->gpr[GPR_RSP] = H_STACK;
	s->rflags = RFLAGS_FIXED1;
	s->cr0 = 0x80010033;
	s->cr3 = 0x1000;
	s->cr4 = CR4_PAE;
	s->efer = EFER_LME | EFER_LMA | EFER_NXE;
	s->seg[SEG_CS] = (struct seg_reg){ 0x08, 0, 0xffffffff,
		0xb | SEG_AR_S | SEG_AR_P | SEG_AR_L | SEG_AR_G };
	for (int i = 0; i < SEG_COUNT; i++) {
		if (i == SEG_CS || i == SEG_LDTR || i == SEG_TR)
			continue;
		s->seg[i] = (struct seg_reg){ 0x10, 0, 0xffffffff,
			0x3 | SEG_AR_S | SEG_AR_P | SEG_AR_DB | SEG_AR_G };
	}
	s->seg[SEG_LDTR] = (struct seg_reg){ 0, 0, 0, SEG_AR_UNUSABLE };
	s->seg[SEG_TR] = (struct seg_reg){ 0, 0, 0x67, 0xb | SEG_AR_P };
	s->gdtr = (struct dtable_reg){ 0x7000, 0x27 };
	s->idtr = (struct dtable_reg){ H_IDT, 256 * 16 - 1 };
}

void h_init(struct harness *h)
{
	char err[160];

	memset(h, 0, sizeof(*h));
	H_REQUIRE(gmem_init(&h->mem, H_MEM_SIZE) == 0, "gmem_init failed");
	build_page_tables(&h->mem);
	build_gdt(&h->mem);
	build_idt(&h->mem);
	h->cfg.mem = &h->mem;
	cpu_model_default(&h->cfg.model);
	h->eng = interp_engine_ops.create(&h->cfg, err, sizeof(err));
	H_REQUIRE(h->eng != NULL, "create: %s", err);
	h->ip = to_interp(h->eng);
	h->s = &h->ip->s;

	struct cpu_state s;

	state64(&s);
	h->eng->ops->set_state(h->eng, &s);
}

static void h_signal(void *opaque, enum cpu_signal sig, uint8_t vector)
{
	struct harness *h = opaque;

	if (h->eng)
		h->eng->ops->raise_event(h->eng, sig, vector);
}

void h_apic(struct harness *h)
{
	struct lapic_config lc = {
		.bsp = true, .maxphyaddr = 39, .x2apic = true,
		.tsc_deadline = true,
	};
	struct cpu_state s = *h->s;
	char err[160];

	if (h->has_apic)
		return;
	vclock_init(&h->clock, VCLOCK_VIRTUAL);
	apic_bus_init(&h->apic_bus);
	io_bus_init(&h->mmio, "mmio");
	H_REQUIRE(lapic_init(&h->lapic, &lc, &h->clock, &h->apic_bus, &h->mmio,
			     h_signal, h) == 0, "lapic_init failed");
	lapic_reg_write(&h->lapic, APIC_SPIV, APIC_SPIV_ENABLE | 0xff);
	h->cfg = h->ip->cfg;    /* with whatever the test set (pio, hook) */
	h->eng->ops->destroy(h->eng);
	h->cfg.intc = (struct cpu_intc){ &lapic_intc_ops, &h->lapic };
	h->cfg.clock = &h->clock;
	h->cfg.mmio = &h->mmio;
	h->eng = interp_engine_ops.create(&h->cfg, err, sizeof(err));
	H_REQUIRE(h->eng != NULL, "create: %s", err);
	h->ip = to_interp(h->eng);
	h->s = &h->ip->s;
	h->eng->ops->set_state(h->eng, &s);
	h->has_apic = true;
}

void h_irq(struct harness *h, uint8_t vector)
{
	struct apic_msg m = { .vector = vector, .mode = APIC_DM_FIXED };

	H_REQUIRE(h->has_apic, "h_irq without h_apic");
	lapic_accept(&h->lapic, &m);
}

void h_fini(struct harness *h)
{
	if (h->eng)
		h->eng->ops->destroy(h->eng);
	if (h->has_apic)
		lapic_destroy(&h->lapic);
	gmem_destroy(&h->mem);
	memset(h, 0, sizeof(*h));
}

static void flat_mode(struct harness *h, bool pe, uint32_t db)
{
	struct cpu_state s = *h->s;

	s.cr0 = pe ? (CR0_PE | CR0_ET | CR0_NE) : CR0_ET;
	s.cr4 = 0;
	s.efer = 0;
	for (int i = 0; i < SEG_COUNT; i++) {
		if (i == SEG_LDTR || i == SEG_TR)
			continue;
		/* Real mode: code at H_CODE, data and stack at H_DATA. */
		s.seg[i].base = pe ? 0 : i == SEG_CS ? H_CODE : H_DATA;
		s.seg[i].limit = pe ? 0xffffffff : 0xffff;
		s.seg[i].ar = (i == SEG_CS ? 0xb : 0x3) | SEG_AR_S | SEG_AR_P | db;
		s.seg[i].sel = pe ? (i == SEG_CS ? 0x18 : 0x10) : 0;
	}
	h->eng->ops->set_state(h->eng, &s);
}

void h_mode32(struct harness *h)
{
	flat_mode(h, true, SEG_AR_DB | SEG_AR_G);
}

void h_mode16(struct harness *h)
{
	flat_mode(h, false, 0);
	h->s->rip = 0;
	h->s->gpr[GPR_RSP] = 0xfff0;
}

void h_load(struct harness *h, uint64_t gpa, const void *code, size_t len)
{
	H_REQUIRE(gmem_write(&h->mem, gpa, code, len), "h_load: bad gpa");
	h->s->rip = gpa - h->s->seg[SEG_CS].base;
}

enum engine_exit_reason h_run(struct harness *h, uint64_t n)
{
	h->eng->ops->set_max_insns(h->eng, h->s->insn_count + n);
	return h->eng->ops->run(h->eng, &h->exit);
}

uint64_t h_read64(struct harness *h, uint64_t gpa)
{
	uint64_t v = 0;

	H_REQUIRE(gmem_read_u64(&h->mem, gpa, &v), "h_read64: bad gpa");
	return v;
}

void h_write64(struct harness *h, uint64_t gpa, uint64_t v)
{
	H_REQUIRE(gmem_write_u64(&h->mem, gpa, v), "h_write64: bad gpa");
}

void h_exec(struct harness *h, const void *code, size_t len, uint64_t n)
{
	uint64_t start = h->s->insn_count;
	enum engine_exit_reason r;

	h_load(h, H_CODE, code, len);
	r = h_run(h, n);
	H_REQUIRE(r == ENGINE_EXIT_INSN_LIMIT, "exit %s after %llu insns",
		      engine_exit_reason_name(r),
		      (unsigned long long)(h->s->insn_count - start));
}

int h_run_suite(void *suite)
{
	SRunner *sr = srunner_create(suite);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}

void h_same_state(const struct cpu_state *a, const struct cpu_state *b)
{
	for (unsigned r = 0; r < 16; r++)
		H_REQUIRE(a->gpr[r] == b->gpr[r], "gpr %u: %llx vs %llx", r,
			  (unsigned long long)a->gpr[r],
			  (unsigned long long)b->gpr[r]);
	H_REQUIRE(a->rflags == b->rflags, "rflags: %llx vs %llx",
		  (unsigned long long)a->rflags, (unsigned long long)b->rflags);
	H_REQUIRE(a->rip == b->rip, "rip: %llx vs %llx",
		  (unsigned long long)a->rip, (unsigned long long)b->rip);
	H_REQUIRE(a->insn_count == b->insn_count, "count: %llu vs %llu",
		  (unsigned long long)a->insn_count,
		  (unsigned long long)b->insn_count);
	H_REQUIRE(a->tsc == b->tsc, "tsc: %llu vs %llu",
		  (unsigned long long)a->tsc, (unsigned long long)b->tsc);
}

void h_same_qwords(const uint64_t *a, const uint64_t *b, size_t n,
		   uint64_t base)
{
	for (size_t i = 0; i < n; i++)
		H_REQUIRE(a[i] == b[i], "mem %#llx: %llx vs %llx",
			  (unsigned long long)(base + 8 * i),
			  (unsigned long long)a[i], (unsigned long long)b[i]);
}
