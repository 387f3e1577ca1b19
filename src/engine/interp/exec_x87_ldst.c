// SPDX-License-Identifier: MIT
/*
 * x87 loads and stores (SDM Vol. 2 FLD, FILD, FBLD, FLD1.., FST/FSTP,
 * FIST/FISTP, FISTTP, FBSTP): the stack-overflow and -underflow responses
 * (SDM Vol. 1 8.5.1.1) and the order of a store before its pop, so that a
 * faulting memory write leaves the stack as it was.  Decoded and
 * dispatched by exec_x87.c.
 */
#include "engine/interp/x87_op.h"

/* ---- loads ------------------------------------------------------------- */

/* A push needs ST(7) empty; the masked overflow response pushes the
 * indefinite.  Returns true when the push may go ahead. */
static bool push_ok(struct fpu_state *f)
{
	if (x87_empty(f, 7))
		return true;
	if (x87_stack_fault(f, true))
		x87_push(f, f80_indefinite);
	return false;
}

static void push_value(struct fpu_state *f, struct f80 v)
{
	x87_push(f, v);
	x87_set_c1(f, false);
}

void x87_ld_mem(struct interp *ip, const struct insn *in,
		const struct x87_op *d)
{
	struct fpu_state *f = fpu(ip);
	struct x87_io io;

	x87_mem_read(ip, in, io.mem, d->size);
	if (!push_ok(f))
		return;
	x87_io_guest(&io, f);
	x87_host_run(d->hop, &io);
	if (!x87_unmasked(f, io.sw, FSW_IE | FSW_DE))
		push_value(f, io.r0);
	x87_raise_flags(f, io.sw);
}

void x87_ld80(struct interp *ip, const struct insn *in,
	      const struct x87_op *d)
{
	struct f80 v;
	uint8_t b[10];

	x87_mem_read(ip, in, b, 10);
	memcpy(&v.m, b, 8);
	memcpy(&v.se, b + 8, 2);
	if (push_ok(fpu(ip)))
		push_value(fpu(ip), v);
}

void x87_ild(struct interp *ip, const struct insn *in,
	     const struct x87_op *d)
{
	uint8_t b[8];
	uint64_t u = 0;

	x87_mem_read(ip, in, b, d->size);
	for (unsigned k = 0; k < d->size; k++)
		u |= (uint64_t)b[k] << (8 * k);
	if (push_ok(fpu(ip)))
		push_value(fpu(ip),
			   x87_from_int((int64_t)sign_extend(u, 8 * d->size)));
}

void x87_fbld(struct interp *ip, const struct insn *in,
	      const struct x87_op *d)
{
	uint8_t b[10];

	x87_mem_read(ip, in, b, 10);
	if (push_ok(fpu(ip)))
		push_value(fpu(ip), x87_from_bcd(b));
}

void x87_fld_sti(struct interp *ip, const struct insn *in,
		 const struct x87_op *d)
{
	struct fpu_state *f = fpu(ip);
	struct f80 v = x87_get(f, rm_of(in));
	bool empty = x87_empty(f, rm_of(in));

	if (!push_ok(f))
		return;
	if (empty) {
		if (x87_stack_fault(f, false))
			x87_push(f, f80_indefinite);
		return;
	}
	push_value(f, v);
}

void x87_fld_const(struct interp *ip, const struct insn *in,
		   const struct x87_op *d)
{
	static const struct f80 one = { 1ull << 63, 0x3fff }, zero = { 0, 0 };
	struct fpu_state *f = fpu(ip);
	struct x87_io io;

	if (!push_ok(f))
		return;
	if (d->hop == HOP_COUNT) {
		push_value(f, d->size ? one : zero);
		return;
	}
	/* The constants are rounded per RC (SDM Vol. 1 8.3.8). */
	x87_io_guest(&io, f);
	x87_host_run(d->hop, &io);
	push_value(f, io.r0);
}

/* ---- stores ------------------------------------------------------------ */

/* FST/FSTP m32/m64, FIST/FISTP/FISTTP, FBSTP. */
void x87_st_mem(struct interp *ip, const struct insn *in,
		const struct x87_op *d)
{
	struct fpu_state *f = fpu(ip);
	bool under = x87_empty(f, 0);
	struct x87_io io;

	if (under && !(f->fcw & FSW_IE)) {
		x87_stack_fault(f, false);
		return;
	}
	/* Masked underflow stores what the indefinite converts to. */
	io.a = under ? f80_indefinite : x87_get(f, 0);
	x87_io_guest(&io, f);
	x87_host_run(d->hop, &io);
	if (x87_unmasked(f, io.sw, FSW_IE | FSW_DE | FSW_OE | FSW_UE)) {
		x87_raise_flags(f, io.sw);
		return;
	}
	x87_mem_write(ip, in, io.mem, d->size);
	if (under)
		x87_stack_fault(f, false);
	else
		x87_set_c1(f, io.sw & FSW_C1);
	x87_raise_flags(f, io.sw);
	if (d->flags & POP)
		x87_pop(f);
}

void x87_st80(struct interp *ip, const struct insn *in,
	      const struct x87_op *d)
{
	struct fpu_state *f = fpu(ip);
	bool under = x87_empty(f, 0);
	struct f80 v = under ? f80_indefinite : x87_get(f, 0);
	uint8_t b[10];

	if (under && !(f->fcw & FSW_IE)) {
		x87_stack_fault(f, false);
		return;
	}
	memcpy(b, &v.m, 8);
	memcpy(b + 8, &v.se, 2);
	x87_mem_write(ip, in, b, 10);
	if (under)
		x87_stack_fault(f, false);
	else
		x87_set_c1(f, false);
	if (d->flags & POP)
		x87_pop(f);
}

/* FST/FSTP ST(i) (and the FSTP1/FSTP8/FSTP9 aliases). */
void x87_fst_sti(struct interp *ip, const struct insn *in,
		 const struct x87_op *d)
{
	struct fpu_state *f = fpu(ip);

	if (x87_empty(f, 0)) {
		if (!x87_stack_fault(f, false))
			return;
		x87_set(f, rm_of(in), f80_indefinite);
	} else {
		x87_set(f, rm_of(in), x87_get(f, 0));
		x87_set_c1(f, false);
	}
	if (d->flags & POP)
		x87_pop(f);
}
