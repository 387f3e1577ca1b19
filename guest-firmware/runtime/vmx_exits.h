/* SPDX-License-Identifier: MIT */
/*
 * Basic VM-exit reasons, SDM Vol. 3D Appendix C: X(NAME, number, text).
 * One list gives the enum (vmx.h) and the names the firmware prints
 * (vmx.c).  Like vmx_fields.h it is the firmware's own transcription of the
 * SDM, as any L1 hypervisor carries one; tests/vmx/test_fw_transcription.c
 * cross-checks it against vmxbox's table (src/vmx/vmcs_fields.h).
 */
#ifndef FW_VMX_EXITS_H
#define FW_VMX_EXITS_H

#define VMX_EXIT_REASONS(X) \
	X(EXCEPTION_NMI,          0, "exception/NMI") \
	X(EXTERNAL_INTERRUPT,     1, "external interrupt") \
	X(TRIPLE_FAULT,           2, "triple fault") \
	X(INIT_SIGNAL,            3, "INIT") \
	X(SIPI,                   4, "SIPI") \
	X(IO_SMI,                 5, "I/O SMI") \
	X(OTHER_SMI,              6, "other SMI") \
	X(INTERRUPT_WINDOW,       7, "interrupt window") \
	X(NMI_WINDOW,             8, "NMI window") \
	X(TASK_SWITCH,            9, "task switch") \
	X(CPUID,                 10, "CPUID") \
	X(GETSEC,                11, "GETSEC") \
	X(HLT,                   12, "HLT") \
	X(INVD,                  13, "INVD") \
	X(INVLPG,                14, "INVLPG") \
	X(RDPMC,                 15, "RDPMC") \
	X(RDTSC,                 16, "RDTSC") \
	X(RSM,                   17, "RSM") \
	X(VMCALL,                18, "VMCALL") \
	X(VMCLEAR,               19, "VMCLEAR") \
	X(VMLAUNCH,              20, "VMLAUNCH") \
	X(VMPTRLD,               21, "VMPTRLD") \
	X(VMPTRST,               22, "VMPTRST") \
	X(VMREAD,                23, "VMREAD") \
	X(VMRESUME,              24, "VMRESUME") \
	X(VMWRITE,               25, "VMWRITE") \
	X(VMXOFF,                26, "VMXOFF") \
	X(VMXON,                 27, "VMXON") \
	X(CR_ACCESS,             28, "CR access") \
	X(DR_ACCESS,             29, "DR access") \
	X(IO_INSTRUCTION,        30, "I/O instruction") \
	X(MSR_READ,              31, "RDMSR") \
	X(MSR_WRITE,             32, "WRMSR") \
	X(INVALID_GUEST_STATE,   33, "invalid guest state") \
	X(MSR_LOADING,           34, "MSR loading") \
	X(MWAIT,                 36, "MWAIT") \
	X(MONITOR_TRAP_FLAG,     37, "monitor trap flag") \
	X(MONITOR,               39, "MONITOR") \
	X(PAUSE,                 40, "PAUSE") \
	X(MCE_DURING_ENTRY,      41, "machine check") \
	X(TPR_BELOW_THRESHOLD,   43, "TPR below threshold") \
	X(APIC_ACCESS,           44, "APIC access") \
	X(EOI_INDUCED,           45, "EOI induced") \
	X(GDTR_IDTR,             46, "GDTR/IDTR access") \
	X(LDTR_TR,               47, "LDTR/TR access") \
	X(EPT_VIOLATION,         48, "EPT violation") \
	X(EPT_MISCONFIG,         49, "EPT misconfig") \
	X(INVEPT,                50, "INVEPT") \
	X(RDTSCP,                51, "RDTSCP") \
	X(PREEMPTION_TIMER,      52, "preemption timer") \
	X(INVVPID,               53, "INVVPID") \
	X(WBINVD,                54, "WBINVD") \
	X(XSETBV,                55, "XSETBV") \
	X(APIC_WRITE,            56, "APIC write") \
	X(RDRAND,                57, "RDRAND") \
	X(INVPCID,               58, "INVPCID") \
	X(VMFUNC,                59, "VMFUNC") \
	X(ENCLS,                 60, "ENCLS") \
	X(RDSEED,                61, "RDSEED") \
	X(PML_FULL,              62, "PML full") \
	X(XSAVES,                63, "XSAVES") \
	X(XRSTORS,               64, "XRSTORS") \
	X(PCONFIG,               65, "PCONFIG") \
	X(SPP,                   66, "SPP") \
	X(UMWAIT,                67, "UMWAIT") \
	X(TPAUSE,                68, "TPAUSE") \
	X(LOADIWKEY,             69, "LOADIWKEY") \
	X(ENCLV,                 70, "ENCLV") \
	X(ENQCMD_PASID,          72, "ENQCMD PASID") \
	X(ENQCMDS_PASID,         73, "ENQCMDS PASID") \
	X(BUS_LOCK,              74, "bus lock") \
	X(NOTIFY,                75, "notify")

#endif
