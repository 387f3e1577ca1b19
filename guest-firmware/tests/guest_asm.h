/* SPDX-License-Identifier: MIT */
/* Symbols of guest_asm.S. */
#ifndef FW_GUEST_ASM_H
#define FW_GUEST_ASM_H

#define GUEST_DECL(n) \
	extern void g_##n(void); extern char g_##n##_insn[], g_##n##_next[];
GUEST_DECL(vmcall) GUEST_DECL(cpuid) GUEST_DECL(hlt) GUEST_DECL(invlpg)
GUEST_DECL(rdpmc) GUEST_DECL(rdtsc) GUEST_DECL(invd) GUEST_DECL(wbinvd)
GUEST_DECL(pause) GUEST_DECL(cr3_load) GUEST_DECL(cr3_store)
GUEST_DECL(cr8_load) GUEST_DECL(cr8_store) GUEST_DECL(cr0_write)
GUEST_DECL(clts) GUEST_DECL(dr7_write) GUEST_DECL(dr6_read)
GUEST_DECL(out_imm) GUEST_DECL(in_dx) GUEST_DECL(rdmsr) GUEST_DECL(wrmsr)
GUEST_DECL(sgdt) GUEST_DECL(str) GUEST_DECL(ud2) GUEST_DECL(int3)
GUEST_DECL(vmxon) GUEST_DECL(vmxoff) GUEST_DECL(vmclear)
GUEST_DECL(vmptrld) GUEST_DECL(vmptrst) GUEST_DECL(vmread)
GUEST_DECL(vmwrite) GUEST_DECL(vmlaunch) GUEST_DECL(vmresume)
GUEST_DECL(invept) GUEST_DECL(invvpid) GUEST_DECL(nops)
GUEST_DECL(memrw) GUEST_DECL(memread) GUEST_DECL(crread)
GUEST_DECL(cr0_same) GUEST_DECL(outb_si) GUEST_DECL(outl_si)
GUEST_DECL(rdmsr_ecx) GUEST_DECL(wrmsr_ecx)
GUEST_DECL(cr8_write_rax) GUEST_DECL(cr8_read_rax)
GUEST_DECL(iret_null_cs) GUEST_DECL(jmp_tss32) GUEST_DECL(call_gate32)
GUEST_DECL(int_gate32) GUEST_DECL(iret_nt32) GUEST_DECL(pae32)
GUEST_DECL(ac_store) GUEST_DECL(xsetbv) GUEST_DECL(rdrand) GUEST_DECL(rdseed)
GUEST_DECL(rdtscp)
GUEST_DECL(monitor) GUEST_DECL(mwait) GUEST_DECL(monitor_mwait)
GUEST_DECL(lmsw_mem) GUEST_DECL(lmsw_ax)
extern char g_scratch[];
extern void g_spin(void);
extern void g_count(void);

#endif
