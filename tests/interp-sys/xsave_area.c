// SPDX-License-Identifier: MIT
/* The XSAVE-family tests' save area and FPU states (xsave_area.h). */
#include "xsave_area.h"

#include <string.h>

uint8_t xa_mem[1024];

void xa_fill(struct harness *h)
{
	memset(xa_mem, XA_FILL, sizeof(xa_mem));
	ck_assert(gmem_write(&h->mem, XA_AREA, xa_mem, sizeof(xa_mem)));
}

void xa_read(struct harness *h)
{
	ck_assert(gmem_read(&h->mem, XA_AREA, xa_mem, sizeof(xa_mem)));
}

uint64_t xa_at(unsigned off, unsigned len)
{
	uint64_t v = 0;

	ck_assert_uint_le(len, 8);
	memcpy(&v, xa_mem + off, len);
	return v;
}

void xa_put(struct harness *h, unsigned off, uint64_t v, unsigned len)
{
	ck_assert_uint_le(len, 8);
	ck_assert(gmem_write(&h->mem, XA_AREA + off, &v, len));
}

void xa_clear_header(struct harness *h)
{
	static const uint8_t zero[64];

	ck_assert(gmem_write(&h->mem, XA_AREA + 512, zero, sizeof(zero)));
}

void xa_init_fpu(struct fpu_state *f)
{
	memset(f, 0, sizeof(*f));
	f->fcw = FPU_FCW_FINIT;
	f->mxcsr = MXCSR_RESET;
}

void xa_distinct_fpu(struct fpu_state *f)
{
	xa_init_fpu(f);
	f->fcw = 0x027f;
	f->fsw = 0x1800 | 0x41;          /* TOP 3, C0 and IE */
	f->ftw = 0x5a;
	f->fop = 0x7ff;
	f->fip = 0x1122334455667788ull;
	f->fdp = 0x99aabbccddeeff00ull;
	f->fcs = 0x1234;
	f->fds = 0x5678;
	f->mxcsr = 0x1f80 | 0x6000 | 0x3f;   /* RC, all flags */
	for (unsigned i = 0; i < 8; i++)
		for (unsigned b = 0; b < 10; b++)
			f->st[i][b] = (uint8_t)(0x10 * i + b + 1);
	for (unsigned i = 0; i < 16; i++)
		for (unsigned b = 0; b < 16; b++)
			f->xmm[i][b] = (uint8_t)(0x80 + 0x10 * i + b);
}

void xa_fpu_eq(const struct fpu_state *a, const struct fpu_state *b,
	       bool selectors)
{
	ck_assert_uint_eq(a->fcw, b->fcw);
	ck_assert_uint_eq(a->fsw, b->fsw);
	ck_assert_uint_eq(a->ftw, b->ftw);
	ck_assert_uint_eq(a->fop, b->fop);
	ck_assert_uint_eq(a->fip, b->fip);
	ck_assert_uint_eq(a->fdp, b->fdp);
	if (selectors) {
		ck_assert_uint_eq(a->fcs, b->fcs);
		ck_assert_uint_eq(a->fds, b->fds);
	}
	ck_assert_uint_eq(a->mxcsr, b->mxcsr);
	ck_assert_mem_eq(a->st, b->st, sizeof(a->st));
	ck_assert_mem_eq(a->xmm, b->xmm, sizeof(a->xmm));
}

int xa_run1(struct harness *h, const void *insn, size_t len)
{
	uint8_t code[16];
	enum engine_exit_reason r;

	ck_assert_uint_lt(len, sizeof(code));
	memcpy(code, insn, len);
	code[len] = 0xf4;
	r = su_run(h, code, len + 1, 4);
	if (r == ENGINE_EXIT_HLT && h->s->rip == H_CODE + len + 1)
		return FAULT_NONE;
	return h_fault_vector(h, r);
}

int xa_run_rfbm(struct harness *h, const void *insn, size_t len, uint64_t rfbm)
{
	h->s->gpr[GPR_RBX] = XA_AREA;
	h->s->gpr[GPR_RAX] = (uint32_t)rfbm;
	h->s->gpr[GPR_RDX] = rfbm >> 32;
	return xa_run1(h, insn, len);
}
