// SPDX-License-Identifier: MIT
#include "fake_ctx.h"

#include <string.h>

static bool faults(const struct fake_cpu *f, uint64_t lin, unsigned len)
{
	return lin < f->fault_hi && lin + len > f->fault_lo;
}

static int raise_pf(struct fake_cpu *f, uint64_t lin, bool write)
{
	f->s.cr2 = lin;
	f->s.pending_exception = (struct x86_event){
		.valid = true, .type = EVT_HW_EXCEPTION, .vector = 14,
		.has_error_code = true, .error_code = write ? 2u : 0u,
	};
	return -1;
}

static int read_lin(void *engine, unsigned seg, uint64_t off, void *buf,
		    unsigned len)
{
	struct fake_cpu *f = engine;
	uint64_t lin = f->s.seg[seg].base + off;

	if (faults(f, lin, len) || !gmem_read(&f->mem, lin, buf, len))
		return raise_pf(f, lin, false);
	return 0;
}

static int write_lin(void *engine, unsigned seg, uint64_t off,
		     const void *buf, unsigned len)
{
	struct fake_cpu *f = engine;
	uint64_t lin = f->s.seg[seg].base + off;

	if (faults(f, lin, len) || !gmem_write(&f->mem, lin, buf, len))
		return raise_pf(f, lin, true);
	return 0;
}

static void state_changed(void *engine)
{
	((struct fake_cpu *)engine)->state_changed++;
}

void fake_mode_64(struct fake_cpu *f)
{
	struct cpu_state *s = &f->s;

	s->cr0 = CR0_PE | CR0_ET | CR0_NE | CR0_PG;
	s->cr4 = CR4_PAE | CR4_VMXE;
	s->efer = EFER_LME | EFER_LMA;
	s->rflags = RFLAGS_FIXED1;
	s->seg[SEG_CS].ar = SEG_AR_P | SEG_AR_S | 0xb | SEG_AR_L;
}

void fake_mode_legacy32(struct fake_cpu *f)
{
	fake_mode_64(f);
	f->s.efer = 0;
	f->s.cr4 = CR4_VMXE;
	f->s.seg[SEG_CS].ar = SEG_AR_P | SEG_AR_S | 0xb | SEG_AR_DB | SEG_AR_G;
}

void fake_mode_compat(struct fake_cpu *f)
{
	fake_mode_64(f);
	f->s.seg[SEG_CS].ar = SEG_AR_P | SEG_AR_S | 0xb | SEG_AR_DB | SEG_AR_G;
}

void fake_mode_real(struct fake_cpu *f)
{
	fake_mode_64(f);
	f->s.efer = 0;
	f->s.cr0 = CR0_ET | CR0_NE;
	f->s.seg[SEG_CS].ar = SEG_AR_P | SEG_AR_S | 0xb;
}

void fake_mode_v86(struct fake_cpu *f)
{
	fake_mode_legacy32(f);
	f->s.rflags |= RFLAGS_VM;
}

void fake_set_cpl(struct fake_cpu *f, unsigned cpl)
{
	f->s.seg[SEG_CS].ar = (f->s.seg[SEG_CS].ar & ~SEG_AR_DPL_MASK) |
			      (cpl << SEG_AR_DPL_SHIFT);
	f->s.seg[SEG_SS].ar = (f->s.seg[SEG_SS].ar & ~SEG_AR_DPL_MASK) |
			      (cpl << SEG_AR_DPL_SHIFT);
}

int fake_init(struct fake_cpu *f, uint64_t mem_size)
{
	memset(f, 0, sizeof(*f));
	if (gmem_init(&f->mem, mem_size))
		return -1;
	cpu_state_reset(&f->s);
	for (int i = 0; i < SEG_COUNT; i++)
		f->s.seg[i].base = 0;
	fake_mode_64(f);
	f->s.msr.feature_control = 5;   /* locked, VMX outside SMX */
	f->ctx = (struct x86_intercept_ctx){
		.cpu = &f->s, .mem = &f->mem, .engine = f,
		.read_lin = read_lin, .write_lin = write_lin,
		.state_changed = state_changed,
	};
	return 0;
}

void fake_destroy(struct fake_cpu *f)
{
	gmem_destroy(&f->mem);
}

struct x86_intercept fake_vmx_mem(enum vmx_insn_id which, uint64_t ea,
				  int64_t disp, uint8_t reg2)
{
	struct x86_intercept ic = {
		.kind = ICPT_VMX_INSN, .rip = 0x1000, .insn_len = 4,
		.op_size = 64,
	};

	ic.u.vmx.which = which;
	ic.u.vmx.reg2 = reg2;
	ic.u.vmx.op = (struct x86_operand){
		.is_mem = true, .seg = SEG_DS, .base = -1, .index = -1,
		.addr_size = 64, .disp = disp, .ea = ea,
	};
	return ic;
}

struct x86_intercept fake_vmx_reg(enum vmx_insn_id which, uint8_t rm,
				  uint8_t reg2)
{
	struct x86_intercept ic = fake_vmx_mem(which, 0, 0, reg2);

	ic.u.vmx.op = (struct x86_operand){ .is_mem = false, .reg = rm,
					    .base = -1, .index = -1 };
	return ic;
}
