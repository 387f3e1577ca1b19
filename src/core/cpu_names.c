// SPDX-License-Identifier: MIT
/* Bit names of RFLAGS, CR0, CR4, EFER, interruptibility (cpu_names.h). */
#include "core/cpu_names.h"

#include "core/cpu_state.h"

const struct cpu_bit_name cpu_rflags_bits[] = {
	{ RFLAGS_CF, "CF" }, { RFLAGS_PF, "PF" }, { RFLAGS_AF, "AF" },
	{ RFLAGS_ZF, "ZF" }, { RFLAGS_SF, "SF" }, { RFLAGS_TF, "TF" },
	{ RFLAGS_IF, "IF" }, { RFLAGS_DF, "DF" }, { RFLAGS_OF, "OF" },
	{ RFLAGS_NT, "NT" }, { RFLAGS_RF, "RF" }, { RFLAGS_VM, "VM" },
	{ RFLAGS_AC, "AC" }, { RFLAGS_VIF, "VIF" }, { RFLAGS_VIP, "VIP" },
	{ RFLAGS_ID, "ID" }, { 0, NULL },
};

const struct cpu_bit_name cpu_cr0_bits[] = {
	{ CR0_PE, "PE" }, { CR0_MP, "MP" }, { CR0_EM, "EM" }, { CR0_TS, "TS" },
	{ CR0_ET, "ET" }, { CR0_NE, "NE" }, { CR0_WP, "WP" }, { CR0_AM, "AM" },
	{ CR0_NW, "NW" }, { CR0_CD, "CD" }, { CR0_PG, "PG" }, { 0, NULL },
};

const struct cpu_bit_name cpu_cr4_bits[] = {
	{ CR4_VME, "VME" }, { CR4_PVI, "PVI" }, { CR4_TSD, "TSD" },
	{ CR4_DE, "DE" }, { CR4_PSE, "PSE" }, { CR4_PAE, "PAE" },
	{ CR4_MCE, "MCE" }, { CR4_PGE, "PGE" }, { CR4_PCE, "PCE" },
	{ CR4_OSFXSR, "OSFXSR" }, { CR4_OSXMMEXCPT, "OSXMMEXCPT" },
	{ CR4_UMIP, "UMIP" }, { CR4_VMXE, "VMXE" }, { CR4_SMXE, "SMXE" },
	{ CR4_FSGSBASE, "FSGSBASE" }, { CR4_PCIDE, "PCIDE" },
	{ CR4_OSXSAVE, "OSXSAVE" }, { CR4_SMEP, "SMEP" }, { CR4_SMAP, "SMAP" },
	{ 0, NULL },
};

const struct cpu_bit_name cpu_efer_bits[] = {
	{ EFER_SCE, "SCE" }, { EFER_LME, "LME" }, { EFER_LMA, "LMA" },
	{ EFER_NXE, "NXE" }, { 0, NULL },
};

const struct cpu_bit_name cpu_intr_block_bits[] = {
	{ INTR_BLOCK_STI, "STI" }, { INTR_BLOCK_MOV_SS, "MOV_SS" },
	{ INTR_BLOCK_SMI, "SMI" }, { INTR_BLOCK_NMI, "NMI" }, { 0, NULL },
};
