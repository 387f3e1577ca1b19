// SPDX-License-Identifier: MIT
/*
 * Our side: the interpreter engine through the public engine interface,
 * on a guest_mem with identity-mapped 2 MiB pages and the flat 64-bit
 * CPL 0 state Unicorn starts in (SDM 10.8.5: IA-32e mode needs CR0.PG/PE,
 * CR4.PAE, EFER.LME/LMA and a CS with L=1).  The IDT limit is 0, so any
 * exception escalates to a triple fault and shows up as SHUTDOWN.
 */
#include "engines.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"

#define PT_P  0x1ull
#define PT_RW 0x2ull
#define PT_US 0x4ull
#define PT_PS 0x80ull
#define PML4_GPA 0x1000ull
#define PDPT_GPA 0x2000ull
#define PD_GPA   0x3000ull

struct dt_interp {
	struct guest_mem mem;
	struct io_bus mmio;
	struct engine *e;
};

static bool build_page_tables(struct guest_mem *m)
{
	bool ok = gmem_write_u64(m, PML4_GPA, PDPT_GPA | PT_P | PT_RW | PT_US) &&
		  gmem_write_u64(m, PDPT_GPA, PD_GPA | PT_P | PT_RW | PT_US);

	for (uint64_t i = 0; ok && i < DT_MEM_SIZE >> 21; i++)
		ok = gmem_write_u64(m, PD_GPA + 8 * i,
				    i << 21 | PT_P | PT_RW | PT_US | PT_PS);
	return ok;
}

struct dt_interp *dti_create(char *err, size_t errlen)
{
	struct dt_interp *ip = calloc(1, sizeof(*ip));
	struct engine_config cfg;

	if (!ip) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (gmem_init(&ip->mem, DT_MEM_SIZE) < 0 ||
	    !build_page_tables(&ip->mem)) {
		snprintf(err, errlen, "guest memory setup failed");
		free(ip);
		return NULL;
	}
	io_bus_init(&ip->mmio, "mmio");
	memset(&cfg, 0, sizeof(cfg));
	cfg.mem = &ip->mem;
	cfg.pio = NULL;         /* no port I/O in these sequences */
	cfg.mmio = &ip->mmio;
	cpu_model_default(&cfg.model);
	cfg.max_insns = DT_EXEC_LIMIT;
	ip->e = interp_engine_ops.create(&cfg, err, errlen);
	if (!ip->e) {
		gmem_destroy(&ip->mem);
		free(ip);
		return NULL;
	}
	return ip;
}

void dti_destroy(struct dt_interp *ip)
{
	if (!ip)
		return;
	interp_engine_ops.destroy(ip->e);
	gmem_destroy(&ip->mem);
	free(ip);
}

static void flat_seg(struct seg_reg *s, uint16_t sel, uint32_t ar)
{
	s->sel = sel;
	s->base = 0;
	s->limit = 0xffffffff;
	s->ar = ar;
}

static void initial_state(struct cpu_state *s, const struct dt_case *c)
{
	const uint32_t code = 0xb | SEG_AR_S | SEG_AR_P | SEG_AR_L | SEG_AR_G;
	const uint32_t data = 0x3 | SEG_AR_S | SEG_AR_P | SEG_AR_DB | SEG_AR_G;

	memset(s, 0, sizeof(*s));
	cpu_state_reset(s);
	memcpy(s->gpr, c->init.gpr, sizeof(s->gpr));
	s->rip = c->init.rip;
	s->rflags = c->init.rflags;
	s->cr0 = CR0_PE | CR0_ET | CR0_NE | CR0_WP | CR0_PG;
	s->cr3 = PML4_GPA;
	s->cr4 = CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT;
	s->efer = EFER_LME | EFER_LMA;
	for (int i = 0; i < SEG_COUNT; i++)
		flat_seg(&s->seg[i], 0x10, data);
	flat_seg(&s->seg[SEG_CS], 0x08, code);
	s->seg[SEG_LDTR] = (struct seg_reg){ .ar = SEG_AR_UNUSABLE };
	s->seg[SEG_TR] = (struct seg_reg){ .sel = 0x18, .limit = 0x67,
					   .ar = 0xb | SEG_AR_P };
	s->gdtr = (struct dtable_reg){ 0, 0 };
	s->idtr = (struct dtable_reg){ 0, 0 };
	s->activity = ACTIVITY_ACTIVE;
	memcpy(s->fpu.xmm, c->init.simd.xmm, sizeof(s->fpu.xmm));
	for (int i = 0; i < 8; i++) {
		memcpy(s->fpu.st[i], &c->init.simd.mm[i], 8);
		s->fpu.st[i][8] = s->fpu.st[i][9] = 0xff;
	}
	s->fpu.mxcsr = c->init.simd.mxcsr;
}

bool dti_load(struct dt_interp *ip, const struct dt_case *c, char *err,
	      size_t len)
{
	struct cpu_state s;

	if (!gmem_write(&ip->mem, DT_CODE_BASE, c->code, DT_CODE_SIZE) ||
	    !gmem_write(&ip->mem, DT_DATA_BASE, c->init.data, DT_DATA_SIZE) ||
	    !gmem_write(&ip->mem, DT_STACK_BASE, c->init.stack, DT_STACK_SIZE)) {
		snprintf(err, len, "guest memory write failed");
		return false;
	}
	initial_state(&s, c);
	interp_engine_ops.set_state(ip->e, &s);
	return true;
}

int dti_step(struct dt_interp *ip, uint64_t n, char *msg, size_t len)
{
	const struct engine_ops *ops = &interp_engine_ops;
	struct engine_exit ex = { 0 };
	enum engine_exit_reason why;

	ops->set_max_insns(ip->e, ops->insn_count(ip->e) + n);
	why = ops->run(ip->e, &ex);
	snprintf(msg, len, "%s", ex.msg);
	return (int)why;
}

uint64_t dti_save(struct dt_interp *ip, struct dt_state *st)
{
	struct cpu_state s;

	interp_engine_ops.get_state(ip->e, &s);
	memcpy(st->gpr, s.gpr, sizeof(s.gpr));
	st->rflags = s.rflags;
	st->rip = s.rip;
	gmem_read(&ip->mem, DT_DATA_BASE, st->data, DT_DATA_SIZE);
	gmem_read(&ip->mem, DT_STACK_BASE, st->stack, DT_STACK_SIZE);
	memcpy(st->simd.xmm, s.fpu.xmm, sizeof(st->simd.xmm));
	for (int i = 0; i < 8; i++) {
		memcpy(&st->simd.mm[i], s.fpu.st[i], 8);
		memcpy(&st->simd.fpse[i], s.fpu.st[i] + 8, 2);
	}
	st->simd.mxcsr = s.fpu.mxcsr;
	return s.rip;
}

void dti_set_xmm(struct dt_interp *ip, const struct dt_simd *st)
{
	struct cpu_state s;

	interp_engine_ops.get_state(ip->e, &s);
	memcpy(s.fpu.xmm, st->xmm, sizeof(s.fpu.xmm));
	interp_engine_ops.set_state(ip->e, &s);
}

/* Defined only while the system side is the placeholder (sys_stub.c),
 * which has no HLT: it raises #UD and the run ends with SHUTDOWN there. */
extern const char interp_sys_stub_notice[] __attribute__((weak));

bool dti_at_final_hlt(int why, uint64_t rip, const struct dt_case *c)
{
	uint64_t hlt = DT_CODE_BASE + c->hlt_off;

	/* HLT leaves RIP after itself (SDM HLT). */
	if (why == ENGINE_EXIT_HLT)
		return rip == hlt + 1;
	return interp_sys_stub_notice && why == ENGINE_EXIT_SHUTDOWN &&
	       rip == hlt;
}

void dti_run(struct dt_interp *ip, const struct dt_case *c,
	     struct dt_result *res)
{
	char msg[160];
	int why;

	res->ok = false;
	res->err[0] = 0;
	if (!dti_load(ip, c, res->err, sizeof(res->err)))
		return;
	why = dti_step(ip, DT_EXEC_LIMIT, msg, sizeof(msg));
	dti_save(ip, &res->st);
	if (!dti_at_final_hlt(why, res->st.rip, c)) {
		snprintf(res->err, sizeof(res->err), "interp exit %s at rip %#llx "
			 "(final HLT at %#llx): %s", engine_exit_reason_name(why),
			 (unsigned long long)res->st.rip,
			 (unsigned long long)(DT_CODE_BASE + c->hlt_off), msg);
		return;
	}
	/* Unicorn stops before the HLT. */
	res->st.rip = DT_CODE_BASE + c->hlt_off;
	res->ok = true;
}
