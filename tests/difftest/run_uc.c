// SPDX-License-Identifier: MIT
/*
 * Reference side: Unicorn 2 in UC_MODE_64 (its default flat long-mode
 * state, CPL 0).  One engine is reused for every case; the translated
 * code cache is dropped before each run because the code changes.
 */
#include "engines.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unicorn/unicorn.h>

/*
 * Two engines: `fast` runs whole blocks (count 0), `step` one instruction
 * per call (count 1).  Unicorn flushes every translated block when a run
 * switches between counted and uncounted mode, which costs a memset of
 * its whole code buffer, so each engine stays in one mode.
 */
struct dt_uc {
	uc_engine *fast, *step;
};

static const int uc_gpr[16] = {
	UC_X86_REG_RAX, UC_X86_REG_RCX, UC_X86_REG_RDX, UC_X86_REG_RBX,
	UC_X86_REG_RSP, UC_X86_REG_RBP, UC_X86_REG_RSI, UC_X86_REG_RDI,
	UC_X86_REG_R8, UC_X86_REG_R9, UC_X86_REG_R10, UC_X86_REG_R11,
	UC_X86_REG_R12, UC_X86_REG_R13, UC_X86_REG_R14, UC_X86_REG_R15,
};

static uc_engine *open_one(char *err, size_t errlen)
{
	uc_engine *uc = NULL;
	uc_err e;

	e = uc_open(UC_ARCH_X86, UC_MODE_64, &uc);
	if (e == UC_ERR_OK)
		e = uc_mem_map(uc, DT_CODE_BASE, DT_CODE_SIZE, UC_PROT_ALL);
	if (e == UC_ERR_OK)
		e = uc_mem_map(uc, DT_DATA_BASE, DT_DATA_SIZE, UC_PROT_ALL);
	if (e == UC_ERR_OK)
		e = uc_mem_map(uc, DT_STACK_BASE, DT_STACK_SIZE, UC_PROT_ALL);
	if (e != UC_ERR_OK) {
		snprintf(err, errlen, "unicorn: %s", uc_strerror(e));
		if (uc)
			uc_close(uc);
		return NULL;
	}
	return uc;
}

struct dt_uc *dtuc_create(char *err, size_t errlen)
{
	struct dt_uc *u = calloc(1, sizeof(*u));

	if (!u) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	u->fast = open_one(err, errlen);
	u->step = u->fast ? open_one(err, errlen) : NULL;
	if (!u->step) {
		dtuc_destroy(u);
		return NULL;
	}
	return u;
}

void dtuc_destroy(struct dt_uc *u)
{
	if (!u)
		return;
	if (u->fast)
		uc_close(u->fast);
	if (u->step)
		uc_close(u->step);
	free(u);
}

/* XMM0-15, MM0-7 and MXCSR.  MMi goes through the physical x87
 * register FPi (Unicorn 2.0.1 ignores UC_X86_REG_MMi in 64-bit mode):
 * the significand, then sign/exponent all ones as an MMX write leaves
 * it; it is read back as the 64-bit significand. */
static uc_err simd_load(uc_engine *uc, const struct dt_simd *s)
{
	uc_err e = UC_ERR_OK;

	for (int i = 0; i < 16 && e == UC_ERR_OK; i++)
		e = uc_reg_write(uc, UC_X86_REG_XMM0 + i, s->xmm[i]);
	for (int i = 0; i < 8 && e == UC_ERR_OK; i++) {
		uint8_t fp[10];

		memcpy(fp, &s->mm[i], 8);
		fp[8] = fp[9] = 0xff;
		e = uc_reg_write(uc, UC_X86_REG_FP0 + i, fp);
	}
	if (e == UC_ERR_OK)
		e = uc_reg_write(uc, UC_X86_REG_MXCSR, &s->mxcsr);
	return e;
}

static uc_err simd_save(uc_engine *uc, struct dt_simd *s)
{
	uc_err e = UC_ERR_OK;

	for (int i = 0; i < 16 && e == UC_ERR_OK; i++)
		e = uc_reg_read(uc, UC_X86_REG_XMM0 + i, s->xmm[i]);
	for (int i = 0; i < 8 && e == UC_ERR_OK; i++) {
		uint8_t fp[16] = { 0 };

		e = uc_reg_read(uc, UC_X86_REG_FP0 + i, fp);
		memcpy(&s->mm[i], fp, 8);
		memcpy(&s->fpse[i], fp + 8, 2);
	}
	if (e == UC_ERR_OK)
		e = uc_reg_read(uc, UC_X86_REG_MXCSR, &s->mxcsr);
	return e;
}

static uc_err load(uc_engine *uc, const struct dt_case *c)
{
	uc_err e;

	e = uc_mem_write(uc, DT_CODE_BASE, c->code, DT_CODE_SIZE);
	if (e == UC_ERR_OK)
		e = uc_ctl_remove_cache(uc, DT_CODE_BASE,
					DT_CODE_BASE + DT_CODE_SIZE);
	if (e == UC_ERR_OK)
		e = uc_mem_write(uc, DT_DATA_BASE, c->init.data, DT_DATA_SIZE);
	if (e == UC_ERR_OK)
		e = uc_mem_write(uc, DT_STACK_BASE, c->init.stack,
				 DT_STACK_SIZE);
	for (int i = 0; i < 16 && e == UC_ERR_OK; i++)
		e = uc_reg_write(uc, uc_gpr[i], &c->init.gpr[i]);
	if (e == UC_ERR_OK)
		e = uc_reg_write(uc, UC_X86_REG_RFLAGS, &c->init.rflags);
	if (e == UC_ERR_OK)
		e = uc_reg_write(uc, UC_X86_REG_RIP, &c->init.rip);
	if (e == UC_ERR_OK)
		e = simd_load(uc, &c->init.simd);
	return e;
}

static uc_err save(uc_engine *uc, struct dt_state *st)
{
	uc_err e = UC_ERR_OK;

	for (int i = 0; i < 16 && e == UC_ERR_OK; i++)
		e = uc_reg_read(uc, uc_gpr[i], &st->gpr[i]);
	if (e == UC_ERR_OK)
		e = uc_reg_read(uc, UC_X86_REG_RFLAGS, &st->rflags);
	if (e == UC_ERR_OK)
		e = uc_reg_read(uc, UC_X86_REG_RIP, &st->rip);
	if (e == UC_ERR_OK)
		e = uc_mem_read(uc, DT_DATA_BASE, st->data, DT_DATA_SIZE);
	if (e == UC_ERR_OK)
		e = uc_mem_read(uc, DT_STACK_BASE, st->stack, DT_STACK_SIZE);
	if (e == UC_ERR_OK)
		e = simd_save(uc, &st->simd);
	return e;
}

bool dtuc_load(struct dt_uc *u, const struct dt_case *c, char *err,
	       size_t len)
{
	uc_err e = load(u->step, c);

	if (e != UC_ERR_OK)
		snprintf(err, len, "unicorn load: %s", uc_strerror(e));
	return e == UC_ERR_OK;
}

static bool run_until(uc_engine *uc, uint64_t until, char *err, size_t len)
{
	uint64_t rip = 0;
	uc_err e;

	uc_reg_read(uc, UC_X86_REG_RIP, &rip);
	e = uc_emu_start(uc, rip, until, 0, 0);
	if (e != UC_ERR_OK) {
		uc_reg_read(uc, UC_X86_REG_RIP, &rip);
		snprintf(err, len, "unicorn: %s at rip %#llx", uc_strerror(e),
			 (unsigned long long)rip);
	}
	return e == UC_ERR_OK;
}

bool dtuc_step(struct dt_uc *u, uint64_t until, char *err, size_t len)
{
	uint64_t rip = 0;
	uc_err e;

	uc_reg_read(u->step, UC_X86_REG_RIP, &rip);
	e = uc_emu_start(u->step, rip, until, 0, 1);
	if (e != UC_ERR_OK) {
		uc_reg_read(u->step, UC_X86_REG_RIP, &rip);
		snprintf(err, len, "unicorn: %s at rip %#llx", uc_strerror(e),
			 (unsigned long long)rip);
	}
	return e == UC_ERR_OK;
}

void dtuc_save(struct dt_uc *u, struct dt_state *st)
{
	save(u->step, st);
}

void dtuc_run(struct dt_uc *u, const struct dt_case *c, struct dt_result *res,
	      bool stepped)
{
	uint64_t end = DT_CODE_BASE + c->hlt_off;

	uc_engine *uc = stepped ? u->step : u->fast;
	bool ran = true;
	uc_err e;

	res->ok = false;
	res->err[0] = 0;
	e = load(uc, c);
	if (e != UC_ERR_OK) {
		snprintf(res->err, sizeof(res->err), "unicorn load: %s",
			 uc_strerror(e));
		return;
	}
	if (!stepped) {
		/* Runs until the final HLT; the code only jumps forward. */
		ran = run_until(uc, end, res->err, sizeof(res->err));
	} else {
		for (unsigned i = 0; ran && i < DT_EXEC_LIMIT; i++) {
			uint64_t rip = 0;

			uc_reg_read(uc, UC_X86_REG_RIP, &rip);
			if (rip == end)
				break;
			ran = dtuc_step(u, end, res->err, sizeof(res->err));
		}
	}
	if (save(uc, &res->st) != UC_ERR_OK) {
		snprintf(res->err, sizeof(res->err), "unicorn: state read failed");
		return;
	}
	if (!ran)
		return;
	if (res->st.rip != end) {
		snprintf(res->err, sizeof(res->err),
			 "unicorn stopped at rip %#llx, not at the HLT",
			 (unsigned long long)res->st.rip);
		return;
	}
	res->ok = true;
}
