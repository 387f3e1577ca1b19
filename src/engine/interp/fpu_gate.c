// SPDX-License-Identifier: MIT
/*
 * Availability checks every x87, MMX, SSE and XSAVE-family instruction
 * makes before anything else (after its #UD for a missing CPUID feature):
 * CR0.EM, CR0.TS, CR0.MP, CR4.OSFXSR and CR4.OSXSAVE.  #NM is what lazy
 * FPU switching in operating systems and hypervisors relies on (a VMX
 * exception bitmap bit 7 and the CR0 guest/host mask intercept it).
 */
#include "engine/interp/interp.h"

/* x87 ESC instructions (D8-DF): SDM Vol. 1 Table 2-1 / Vol. 3A 2.5. */
void interp_fpu_gate_x87(struct interp *ip)
{
	if (ip->s.cr0 & (CR0_EM | CR0_TS))
		interp_raise(ip, X86_NM);
}

/* WAIT/FWAIT: #NM only when both MP and TS are set (Vol. 3A Table 2-2). */
void interp_fpu_gate_wait(struct interp *ip)
{
	if ((ip->s.cr0 & (CR0_MP | CR0_TS)) == (CR0_MP | CR0_TS))
		interp_raise(ip, X86_NM);
}

/* MMX instructions: #UD with EM, #NM with TS (Vol. 3A 12.1 / Table 2-2). */
void interp_fpu_gate_mmx(struct interp *ip)
{
	if (ip->s.cr0 & CR0_EM)
		interp_raise(ip, X86_UD);
	if (ip->s.cr0 & CR0_TS)
		interp_raise(ip, X86_NM);
}

/* SSE..SSE4.2 instructions: #UD with EM or without OSFXSR, then #NM with
 * TS (Vol. 3A 13.1.x, Vol. 2 "SIMD Floating-Point Exceptions" tables). */
void interp_fpu_gate_sse(struct interp *ip)
{
	if ((ip->s.cr0 & CR0_EM) || !(ip->s.cr4 & CR4_OSFXSR))
		interp_raise(ip, X86_UD);
	if (ip->s.cr0 & CR0_TS)
		interp_raise(ip, X86_NM);
}

/* FXSAVE/FXRSTOR: #NM with TS or EM (Vol. 2A FXSAVE "Protected Mode
 * Exceptions"). */
void interp_fpu_gate_fxsave(struct interp *ip)
{
	if (ip->s.cr0 & (CR0_EM | CR0_TS))
		interp_raise(ip, X86_NM);
}

/* XSAVE family: #UD without CR4.OSXSAVE, #NM with TS (Vol. 2C XSAVE). */
void interp_fpu_gate_xsave(struct interp *ip)
{
	if (!(ip->s.cr4 & CR4_OSXSAVE))
		interp_raise(ip, X86_UD);
	if (ip->s.cr0 & CR0_TS)
		interp_raise(ip, X86_NM);
}
