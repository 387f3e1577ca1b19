// SPDX-License-Identifier: MIT
/*
 * TEMPORARY placeholder for the system side of the interpreter (flat
 * memory, no paging, faults end the run).  The system-side work replaces
 * this file with mmu.c, mem.c, except.c, sys_*.c and seg.c.
 */
#include "engine/interp/interp.h"

#include <string.h>

void phys_read(struct interp *ip, uint64_t gpa, void *buf, unsigned len)
{
	if (!gmem_read(ip->cfg.mem, gpa, buf, len))
		memset(buf, 0xff, len);
}

void phys_write(struct interp *ip, uint64_t gpa, const void *buf, unsigned len)
{
	gmem_write(ip->cfg.mem, gpa, buf, len);
}

bool mmu_translate(struct interp *ip, uint64_t lin, unsigned access, bool probe,
		   uint64_t *gpa)
{
	*gpa = lin;
	return true;
}

void tlb_flush(struct interp *ip) { }
void tlb_flush_page(struct interp *ip, uint64_t lin) { }

void mem_read(struct interp *ip, unsigned seg, uint64_t off, void *buf, unsigned len)
{
	phys_read(ip, ip->s.seg[seg].base + off, buf, len);
}

void mem_write(struct interp *ip, unsigned seg, uint64_t off, const void *buf, unsigned len)
{
	phys_write(ip, ip->s.seg[seg].base + off, buf, len);
}

uint64_t mem_read_u(struct interp *ip, unsigned seg, uint64_t off, unsigned len)
{
	uint64_t v = 0;

	mem_read(ip, seg, off, &v, len);
	return v;
}

void mem_write_u(struct interp *ip, unsigned seg, uint64_t off, uint64_t v, unsigned len)
{
	mem_write(ip, seg, off, &v, len);
}

unsigned mem_fetch(struct interp *ip, uint64_t rip, uint8_t *buf, unsigned len,
		   uint64_t *gpa_out)
{
	uint64_t gpa = ip->s.seg[SEG_CS].base + rip;

	*gpa_out = gpa;
	phys_read(ip, gpa, buf, len);
	return len;
}

_Noreturn void interp_raise_err(struct interp *ip, uint8_t vector, uint32_t err)
{
	ip->s.pending_exception = (struct x86_event){
		.valid = true, .type = EVT_HW_EXCEPTION, .vector = vector,
		.has_error_code = true, .error_code = err,
	};
	longjmp(ip->fault_jmp, 1);
}

_Noreturn void interp_raise(struct interp *ip, uint8_t vector)
{
	ip->s.pending_exception = (struct x86_event){
		.valid = true, .type = EVT_HW_EXCEPTION, .vector = vector,
	};
	longjmp(ip->fault_jmp, 1);
}

_Noreturn void interp_raise_pf(struct interp *ip, uint64_t cr2, uint32_t err)
{
	ip->s.cr2 = cr2;
	interp_raise_err(ip, X86_PF, err);
}

void interp_deliver_pending(struct interp *ip)
{
	ip->exit_reason = ENGINE_EXIT_SHUTDOWN;
	ip->s.pending_exception.valid = false;
}

void interp_deliver_event(struct interp *ip, uint8_t type, uint8_t vector,
			  bool has_err, uint32_t err, uint32_t insn_len)
{
	ip->exit_reason = ENGINE_EXIT_SHUTDOWN;
}

bool interp_check_interrupts(struct interp *ip) { return false; }
bool interp_exec_system(struct interp *ip, const struct insn *in) { return false; }
void seg_load(struct interp *ip, unsigned seg, uint16_t sel) { interp_raise(ip, X86_UD); }
void interp_mode_changed(struct interp *ip) { }

enum icpt_result interp_intercept(struct interp *ip, struct x86_intercept *ic)
{
	return ICPT_CONTINUE;
}

/* While this placeholder is linked, a real machine (with a port I/O bus)
 * cannot boot firmware on the interpreter: interp_create() refuses with
 * this text (weak reference in interp.c; gone with this file). */
const char interp_sys_stub_notice[] =
	"interpreter system side not implemented yet";
