// SPDX-License-Identifier: MIT
/*
 * The VMX features of the CPU model that a user can turn off: VMX
 * controls and VM functions that are not CPUID bits (issue 17).  Off in
 * the model means not allowed-1 in the capability MSRs (src/vmx/caps.c),
 * so an L1 takes its fallback path and VM entry rejects the control.
 * Names are QEMU's -cpu names (vmx-shadow-vmcs, vmx-pml, vmx-vmfunc,
 * vmx-eptp-switching, vmx-tsc-scaling, vmx-ept, vmx-vpid,
 * vmx-unrestricted-guest) and vmxbox's own in the same style where QEMU
 * has none; aliases are Linux's "vmx flags".  A prerequisite is a VM-entry
 * rule (SDM 26.2.1.1: unrestricted guest, PML, mode-based execute control
 * and EPTP switching need "enable EPT"; posted interrupts need
 * virtual-interrupt delivery) or, for #VE, that EPT violations need EPT;
 * IPI virtualization posts into descriptors that only virtual-interrupt
 * delivery turns into virtual interrupts, so it goes with it.
 */
#include "core/cpu_model.h"

const struct cpu_vmx_feature_info cpu_vmx_feature_table[] = {
	{ CPU_VMX_SHADOW_VMCS, "vmx-shadow-vmcs", "shadow_vmcs", -1,
	  "VMCS shadowing" },
	{ CPU_VMX_PML, "vmx-pml", "pml", CPU_VMX_EPT,
	  "page-modification logging" },
	{ CPU_VMX_EPT_VE, "vmx-ept-violation-ve", "ept_violation_ve",
	  CPU_VMX_EPT, "EPT-violation #VE" },
	{ CPU_VMX_MBEC, "vmx-mbec", "ept_mode_based_exec", CPU_VMX_EPT,
	  "mode-based execute control for EPT" },
	{ CPU_VMX_TSC_SCALING, "vmx-tsc-scaling", "tsc_scaling", -1,
	  "TSC scaling" },
	{ CPU_VMX_VMFUNC, "vmx-vmfunc", NULL, -1, "VM functions (VMFUNC)" },
	{ CPU_VMX_EPTP_SWITCHING, "vmx-eptp-switching", "ept_switching",
	  CPU_VMX_VMFUNC, "VM function 0, EPTP switching" },
	{ CPU_VMX_X2APIC_VIRT, "vmx-apicv-x2apic", "virtual_x2apic", -1,
	  "virtualize x2APIC mode" },
	{ CPU_VMX_APIC_REG_VIRT, "vmx-apicv-register", "vapic_reg", -1,
	  "APIC-register virtualization" },
	{ CPU_VMX_VINTR_DELIVERY, "vmx-apicv-vid", "vid", -1,
	  "virtual-interrupt delivery" },
	{ CPU_VMX_POSTED_INTR, "vmx-posted-intr", "posted_intr",
	  CPU_VMX_VINTR_DELIVERY, "posted-interrupt processing" },
	{ CPU_VMX_APIC_ACCESS_VIRT, "vmx-apicv-xapic", "vapic", -1,
	  "virtualize APIC accesses" },
	{ CPU_VMX_WAIT_SIPI, "vmx-activity-wait-sipi", NULL, -1,
	  "the wait-for-SIPI activity state (IA32_VMX_MISC bit 8)" },
	{ CPU_VMX_EPT, "vmx-ept", "ept", -1, "extended page tables (EPT)" },
	{ CPU_VMX_VPID, "vmx-vpid", "vpid", -1,
	  "virtual-processor identifiers (VPID)" },
	{ CPU_VMX_UNRESTRICTED, "vmx-unrestricted-guest", "unrestricted_guest",
	  CPU_VMX_EPT, "unrestricted guest" },
	{ CPU_VMX_PLE, "vmx-ple", "ple", -1, "PAUSE-loop exiting" },
	{ CPU_VMX_XSAVES, "vmx-xsaves", NULL, -1,
	  "enable XSAVES/XRSTORS (also off without the CPU's xsaves)" },
	{ CPU_VMX_IPIV, "vmx-ipiv", "ipi_virt", CPU_VMX_VINTR_DELIVERY,
	  "IPI virtualization (tertiary control 4; with it the tertiary "
	  "controls, IA32_VMX_PROCBASED_CTLS3 and the PID-pointer fields)" },
};

const size_t cpu_vmx_feature_count =
	sizeof(cpu_vmx_feature_table) / sizeof(cpu_vmx_feature_table[0]);

static void set_off(struct cpu_model *m, enum cpu_vmx_feature f, bool off)
{
	if (off)
		m->vmx_off |= 1u << f;
	else
		m->vmx_off &= ~(1u << f);
}

static const struct cpu_vmx_feature_info *info(enum cpu_vmx_feature f)
{
	for (size_t i = 0; i < cpu_vmx_feature_count; i++)
		if (cpu_vmx_feature_table[i].feat == f)
			return &cpu_vmx_feature_table[i];
	return NULL;
}

bool cpu_vmx_usable(const struct cpu_model *m, enum cpu_vmx_feature f)
{
	const struct cpu_vmx_feature_info *r = info(f);

	if (!cpu_vmx_has(m, f))
		return false;
	return !r || r->needs < 0 ||
	       cpu_vmx_usable(m, (enum cpu_vmx_feature)r->needs);
}

bool cpu_vmx_feature_apply(struct cpu_model *m, const char *name,
			   size_t name_len, bool on)
{
	const struct cpu_vmx_feature_info *r = NULL;

	for (size_t i = 0; i < cpu_vmx_feature_count; i++)
		if (cpu_feature_name_eq(name, name_len,
					cpu_vmx_feature_table[i].name) ||
		    cpu_feature_name_eq(name, name_len,
					cpu_vmx_feature_table[i].alias))
			r = &cpu_vmx_feature_table[i];
	if (!r)
		return false;
	set_off(m, r->feat, !on);
	/* Off takes what needs it along (a feature on without its
	 * prerequisite stays unusable: caps.c asks for both). */
	for (size_t i = 0; i < cpu_vmx_feature_count; i++)
		if (!on && cpu_vmx_feature_table[i].needs == (int)r->feat)
			set_off(m, cpu_vmx_feature_table[i].feat, true);
	return true;
}
