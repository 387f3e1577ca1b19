// SPDX-License-Identifier: MIT
/*
 * VM-entry checks, SDM 27.2 and 27.3.1, one table row per rule.  The
 * predicates only read: the current VMCS, the capability description, RAM
 * (bounds-checked) and the L1 state.  Rows are in SDM order because the
 * first failing row decides between VMfailValid(7), VMfailValid(8) and a
 * failed VM entry.  The predicates are in entry_checks_ctl.c (controls
 * and host state) and entry_checks_guest.c (guest state).
 */
#include "vmx/entry_checks_int.h"

#include <string.h>

void entry_env_init(struct entry_env *e, const struct vmx_vcpu *v,
		    const struct guest_mem *mem, const struct cpu_state *cpu)
{
	e->v = v;
	e->caps = &v->caps;
	e->mem = mem;
	e->cpu = cpu;
	e->pin = (uint32_t)vmcs_read(v, VMCS_PIN_BASED_VM_EXEC_CONTROL);
	e->proc = (uint32_t)vmcs_read(v, VMCS_CPU_BASED_VM_EXEC_CONTROL);
	e->proc2 = (e->proc & CPU_ACTIVATE_SECONDARY) ?
		   (uint32_t)vmcs_read(v, VMCS_SECONDARY_VM_EXEC_CONTROL) : 0;
	e->proc3 = (e->proc & CPU_ACTIVATE_TERTIARY) ?
		   vmcs_read(v, VMCS_TERTIARY_VM_EXEC_CONTROL) : 0;
	e->exit = (uint32_t)vmcs_read(v, VMCS_VM_EXIT_CONTROLS);
	e->entry = (uint32_t)vmcs_read(v, VMCS_VM_ENTRY_CONTROLS);
}

/* One row per SDM rule: name (tests and docs), SDM section, the SDM
 * sentence it implements (paraphrased; tests/docs/sdm_entry_rules.txt
 * lists them and check_entry_rules.py keeps the two in step), predicate. */
#define CTL(n, s, r, f)  { n, s, r, ECK_CONTROL, 0, f }
#define HOST(n, s, r, f) { n, s, r, ECK_HOST, 0, f }
#define GST(n, s, r, f)  { n, s, r, ECK_GUEST, ENTRY_QUAL_DEFAULT, f }
#define GSTQ(n, s, q, r, f) { n, s, r, ECK_GUEST, q, f }

const struct entry_check vmx_entry_checks[] = {
	CTL("pin-based controls reserved bits", "27.2.1.1",
	     "Reserved bits in the pin-based VM-execution controls must be set properly (IA32_VMX_TRUE_PINBASED_CTLS)",
	     c_pin),
	CTL("primary processor-based controls reserved bits", "27.2.1.1",
	     "Reserved bits in the primary processor-based VM-execution controls must be set properly",
	     c_proc),
	CTL("secondary processor-based controls reserved bits", "27.2.1.1",
	     "With activate secondary controls = 1, reserved bits in the secondary processor-based controls must be cleared",
	     c_proc2),
	CTL("tertiary processor-based controls reserved bits", "27.2.1.1",
	     "With activate tertiary controls = 1, reserved bits in the tertiary processor-based controls (all 64) must be cleared",
	     c_proc3),
	CTL("CR3-target count", "27.2.1.1",
	     "The CR3-target count must not be greater than the number IA32_VMX_MISC reports (4)",
	     c_cr3_count),
	CTL("I/O bitmap addresses", "27.2.1.1",
	     "With use I/O bitmaps = 1, bits 11:0 of each I/O-bitmap address must be 0 and neither address may set bits beyond the physical-address width",
	     c_io_bitmaps),
	CTL("MSR bitmap address", "27.2.1.1",
	     "With use MSR bitmaps = 1, bits 11:0 of the MSR-bitmap address must be 0 and it may not set bits beyond the physical-address width",
	     c_msr_bitmap),
	CTL("virtual-APIC address", "27.2.1.1",
	     "With use TPR shadow = 1, bits 11:0 of the virtual-APIC address must be 0 and it may not set bits beyond the physical-address width",
	     c_vapic_addr),
	CTL("TPR threshold bits 31:4", "27.2.1.1",
	     "With use TPR shadow = 1 and virtual-interrupt delivery = 0, bits 31:4 of the TPR threshold must be 0",
	     c_tpr_threshold),
	CTL("TPR threshold not above VTPR", "27.2.1.1",
	     "With use TPR shadow = 1 and virtualize APIC accesses and virtual-interrupt delivery = 0, TPR threshold bits 3:0 may not exceed VTPR bits 7:4",
	     c_tpr_vtpr),
	CTL("APIC virtualization needs TPR shadow", "27.2.1.1",
	     "With use TPR shadow = 0, virtualize x2APIC mode, APIC-register virtualization, virtual-interrupt delivery and IPI virtualization must be 0",
	     c_no_tpr_shadow),
	CTL("virtual NMIs need NMI exiting", "27.2.1.1",
	     "If NMI exiting is 0, virtual NMIs must be 0",
	     c_vnmi),
	CTL("NMI-window exiting needs virtual NMIs", "27.2.1.1",
	     "If virtual NMIs is 0, NMI-window exiting must be 0",
	     c_nmi_window),
	CTL("APIC-access address", "27.2.1.1",
	     "With virtualize APIC accesses = 1, bits 11:0 of the APIC-access address must be 0 and it may not set bits beyond the physical-address width",
	     c_apic_access),
	CTL("x2APIC mode excludes APIC-access virtualization", "27.2.1.1",
	     "If virtualize x2APIC mode is 1, virtualize APIC accesses must be 0",
	     c_x2apic),
	CTL("virtual-interrupt delivery needs external-interrupt exiting", "27.2.1.1",
	     "If virtual-interrupt delivery is 1, external-interrupt exiting must be 1",
	     c_vid),
	CTL("posted interrupts", "27.2.1.1",
	     "With process posted interrupts = 1: virtual-interrupt delivery and acknowledge interrupt on exit are 1, notification vector bits 15:8 are 0, descriptor address bits 5:0 are 0 and within the physical-address width",
	     c_posted),
	CTL("PID-pointer table address", "27.2.1.1",
	     "With IPI virtualization = 1, the PID-pointer table address must be 4-KByte aligned within the physical-address width",
	     c_ipiv),
	CTL("VPID not zero", "27.2.1.1",
	     "If enable VPID is 1, the VPID must not be 0000H",
	     c_vpid),
	CTL("EPTP valid", "27.2.1.1",
	     "If enable EPT is 1, the EPTP must have a supported memory type, page-walk length 4, A/D only if supported, reserved bits 11:7 and 63:N clear",
	     c_eptp),
	CTL("PML address and EPT", "27.2.1.1",
	     "If enable PML is 1, enable EPT must be 1 and the PML address must be 4-KByte aligned within the physical-address width",
	     c_pml),
	CTL("unrestricted guest needs EPT", "27.2.1.1",
	     "If unrestricted guest is 1, enable EPT must be 1",
	     c_unrestricted),
	CTL("VM-function controls", "27.2.1.1",
	     "With enable VM functions = 1, unsupported VM-function control bits must be 0; EPTP switching needs enable EPT and a 4-KByte aligned EPTP-list address within the physical-address width",
	     c_vmfunc),
	CTL("VMREAD/VMWRITE bitmap addresses", "27.2.1.1",
	     "With VMCS shadowing = 1, the VMREAD- and VMWRITE-bitmap addresses must be 4-KByte aligned within the physical-address width",
	     c_vmcs_shadow),
	CTL("virtualization-exception information address", "27.2.1.1",
	     "With EPT-violation #VE = 1, the virtualization-exception information address must be 4-KByte aligned within the physical-address width",
	     c_ve),
	CTL("VM-exit controls reserved bits", "27.2.1.2",
	     "Reserved bits in the VM-exit controls must be set properly",
	     c_exit),
	CTL("save preemption timer needs the timer", "27.2.1.2",
	     "If activate VMX-preemption timer is 0, save VMX-preemption timer value must be 0",
	     c_save_timer),
	CTL("VM-exit MSR-store area", "27.2.1.2",
	     "With a non-zero VM-exit MSR-store count, the address has bits 3:0 clear and it and the area's last byte are within the physical-address width",
	     c_exit_msr_store),
	CTL("VM-exit MSR-load area", "27.2.1.2",
	     "With a non-zero VM-exit MSR-load count, the address has bits 3:0 clear and it and the area's last byte are within the physical-address width",
	     c_exit_msr_load),
	CTL("VM-entry controls reserved bits", "27.2.1.3",
	     "Reserved bits in the VM-entry controls must be set properly",
	     c_entry),
	CTL("event injection: interruption type", "27.2.1.3",
	     "With the injection valid bit set, the interruption type may not be 1 (reserved), nor 7 (other event) without monitor trap flag support",
	     c_inj_type),
	CTL("event injection: vector", "27.2.1.3",
	     "With the injection valid bit set: type NMI needs vector 2, type hardware exception a vector of at most 31, type other event vector 0",
	     c_inj_vector),
	CTL("event injection: deliver error code", "27.2.1.3",
	     "Deliver error code is 1 exactly when unrestricted guest is 0 or CR0.PE is 1, the type is hardware exception and the vector is 8, 10-14 or 17",
	     c_inj_errcode),
	CTL("event injection: reserved bits 30:12", "27.2.1.3",
	     "With the injection valid bit set, reserved bits 30:12 of the interruption-information field must be 0",
	     c_inj_reserved),
	CTL("event injection: error code bits 31:16", "27.2.1.3",
	     "With deliver error code = 1, bits 31:16 of the VM-entry exception error code must be 0",
	     c_inj_errcode_bits),
	CTL("event injection: instruction length", "27.2.1.3",
	     "For software interrupts and software/privileged software exceptions the instruction length is 1-15, or 0 when IA32_VMX_MISC[30] allows it",
	     c_inj_len),
	CTL("VM-entry MSR-load area", "27.2.1.3",
	     "With a non-zero VM-entry MSR-load count, the address has bits 3:0 clear and it and the area's last byte are within the physical-address width",
	     c_entry_msr_load),
	CTL("entry to SMM / deactivate dual-monitor outside SMM", "27.2.1.3",
	     "Outside SMM, entry to SMM and deactivate dual-monitor treatment must be 0",
	     c_entry_smm),

	HOST("host CR0 fixed bits", "27.2.2",
	      "The host CR0 field must not set a bit IA32_VMX_CR0_FIXED1 clears nor clear one IA32_VMX_CR0_FIXED0 sets",
	      h_cr0),
	HOST("host CR4 fixed bits", "27.2.2",
	      "The host CR4 field must not set a bit IA32_VMX_CR4_FIXED1 clears nor clear one IA32_VMX_CR4_FIXED0 sets",
	      h_cr4),
	HOST("host CR3 within MAXPHYADDR", "27.2.2",
	      "The host CR3 field must not set bits beyond the physical-address width",
	      h_cr3),
	HOST("host SYSENTER_ESP/EIP canonical", "27.2.2",
	      "The host IA32_SYSENTER_ESP and IA32_SYSENTER_EIP fields must be canonical",
	      h_sysenter),
	HOST("host IA32_PERF_GLOBAL_CTRL reserved bits", "27.2.2",
	      "With load IA32_PERF_GLOBAL_CTRL on exit, the field's reserved bits must be 0",
	      h_perf),
	HOST("host IA32_PAT memory types", "27.2.2",
	      "With load IA32_PAT on exit, every byte of the field must be a valid memory type (0, 1, 4, 5, 6, 7)",
	      h_pat),
	HOST("host IA32_EFER", "27.2.2",
	      "With load IA32_EFER on exit, reserved bits are 0 and LMA and LME equal host address-space size",
	      h_efer),
	HOST("host selectors RPL and TI zero", "27.2.3",
	      "The RPL and TI fields of the host ES, CS, SS, DS, FS, GS and TR selectors must be 0",
	      h_sel_rpl_ti),
	HOST("host CS selector not null", "27.2.3",
	      "The host CS selector may not be 0000H",
	      h_cs_sel),
	HOST("host TR selector not null", "27.2.3",
	      "The host TR selector may not be 0000H",
	      h_tr_sel),
	HOST("host SS selector not null (32-bit host)", "27.2.3",
	      "The host SS selector may not be 0000H when host address-space size is 0",
	      h_ss_sel),
	HOST("host FS/GS/GDTR/IDTR/TR bases canonical", "27.2.3",
	      "The host FS, GS, GDTR, IDTR and TR base fields must be canonical",
	      h_bases),
	HOST("outside IA-32e mode: no 64-bit guest or host", "27.2.4",
	      "Outside IA-32e mode at VM entry, IA-32e mode guest and host address-space size must be 0",
	      h_outside_ia32e),
	HOST("in IA-32e mode: 64-bit host", "27.2.4",
	      "In IA-32e mode at VM entry, host address-space size must be 1",
	      h_inside_ia32e),
	HOST("32-bit host: no IA-32e guest, PCIDE=0, RIP < 4G", "27.2.4",
	      "With host address-space size 0: IA-32e mode guest is 0, host CR4.PCIDE is 0 and host RIP bits 63:32 are 0",
	      h_legacy_host),
	HOST("64-bit host: CR4.PAE=1, RIP canonical", "27.2.4",
	      "With host address-space size 1: host CR4.PAE is 1 and host RIP is canonical",
	      h_64_host),

	GST("guest CR0 fixed bits, PG needs PE", "27.3.1.1",
	     "The guest CR0 field obeys IA32_VMX_CR0_FIXED0/1 (PE and PG free with unrestricted guest), and PG set needs PE set",
	     g_cr0),
	GST("guest CR4 fixed bits", "27.3.1.1",
	     "The guest CR4 field obeys IA32_VMX_CR4_FIXED0/1",
	     g_cr4),
	GST("guest IA32_DEBUGCTL reserved bits", "27.3.1.1",
	     "With load debug controls, reserved bits of the guest IA32_DEBUGCTL field must be 0",
	     g_debugctl),
	GST("IA-32e mode guest needs CR0.PG and CR4.PAE", "27.3.1.1",
	     "With IA-32e mode guest = 1, guest CR0.PG and CR4.PAE must be 1",
	     g_ia32e_paging),
	GST("CR4.PCIDE needs IA-32e mode guest", "27.3.1.1",
	     "With IA-32e mode guest = 0, guest CR4.PCIDE must be 0",
	     g_pcide),
	GST("guest CR3 within MAXPHYADDR", "27.3.1.1",
	     "The guest CR3 field must not set bits beyond the physical-address width",
	     g_cr3),
	GST("guest DR7 bits 63:32", "27.3.1.1",
	     "With load debug controls, bits 63:32 of the guest DR7 field must be 0",
	     g_dr7),
	GST("guest SYSENTER_ESP/EIP canonical", "27.3.1.1",
	     "The guest IA32_SYSENTER_ESP and IA32_SYSENTER_EIP fields must be canonical",
	     g_sysenter),
	GST("guest IA32_PERF_GLOBAL_CTRL reserved bits", "27.3.1.1",
	     "With load IA32_PERF_GLOBAL_CTRL on entry, the field's reserved bits must be 0",
	     g_perf),
	GST("guest IA32_PAT memory types", "27.3.1.1",
	     "With load IA32_PAT on entry, every byte of the field must be a valid memory type",
	     g_pat),
	GST("guest IA32_EFER", "27.3.1.1",
	     "With load IA32_EFER on entry: reserved bits 0, LMA equals IA-32e mode guest, and with CR0.PG = 1 LME equals it too",
	     g_efer),
	GST("guest TR selector TI", "27.3.1.2",
	     "Guest TR selector: TI flag must be 0",
	     g_tr_ti),
	GST("guest LDTR selector TI", "27.3.1.2",
	     "Guest LDTR selector: TI flag must be 0 if LDTR is usable",
	     g_ldtr_ti),
	GST("guest SS.RPL = CS.RPL", "27.3.1.2",
	     "Outside virtual-8086 mode and without unrestricted guest, the RPL of SS must equal the RPL of CS",
	     g_ss_rpl),
	GST("virtual-8086 segments", "27.3.1.2",
	     "In virtual-8086 mode, ES-GS bases are selector * 16, limits are FFFFH and access rights are F3H",
	     g_v86_segs),
	GST("guest segment bases", "27.3.1.2",
	     "TR, FS and GS bases are canonical, LDTR's if usable; CS base bits 63:32 are 0, SS, DS, ES ones too if usable",
	     g_bases),
	GST("guest CS access rights", "27.3.1.2",
	     "CS access rights: type 9, 11, 13 or 15 (3 with unrestricted guest), S = 1, P = 1, DPL rules against SS, reserved bits 0, not both L and D/B in IA-32e mode, G consistent with the limit",
	     g_cs_ar),
	GST("guest SS access rights", "27.3.1.2",
	     "SS access rights: DPL equals the selector RPL without unrestricted guest and is 0 with CS type 3 or CR0.PE = 0; if usable type 3 or 7, S = 1, P = 1, reserved bits 0, G consistent with the limit",
	     g_ss_ar),
	GST("guest DS/ES/FS/GS access rights", "27.3.1.2",
	     "Usable DS, ES, FS, GS: accessed, readable if code; S = 1, P = 1; DPL not below RPL for non-conforming types without unrestricted guest; reserved bits 0; G consistent with the limit",
	     g_data_ar),
	GST("guest TR access rights", "27.3.1.2",
	     "TR access rights: busy TSS type 11 (or 3 outside IA-32e mode), S = 0, P = 1, reserved bits 0, usable, G consistent with the limit",
	     g_tr_ar),
	GST("guest LDTR access rights", "27.3.1.2",
	     "Usable LDTR: type 2, S = 0, P = 1, reserved bits 0, G consistent with the limit",
	     g_ldtr_ar),
	GST("guest GDTR/IDTR bases canonical", "27.3.1.3",
	     "The guest GDTR and IDTR base fields must be canonical",
	     g_dt_bases),
	GST("guest GDTR/IDTR limits bits 31:16", "27.3.1.3",
	     "Bits 31:16 of the guest GDTR and IDTR limit fields must be 0",
	     g_dt_limits),
	GST("guest RIP", "27.3.1.4",
	     "Guest RIP bits 63:32 are 0 unless IA-32e mode guest with CS.L = 1, where RIP must be canonical",
	     g_rip),
	GST("guest RFLAGS reserved bits", "27.3.1.4",
	     "Guest RFLAGS reserved bits 63:22, 15, 5 and 3 must be 0 and bit 1 must be 1",
	     g_rflags_rsvd),
	GST("guest RFLAGS.VM", "27.3.1.4",
	     "Guest RFLAGS.VM must be 0 with IA-32e mode guest = 1 or CR0.PE = 0",
	     g_rflags_vm),
	GST("guest RFLAGS.IF for external interrupt injection", "27.3.1.4",
	     "Guest RFLAGS.IF must be 1 when an external interrupt is injected",
	     g_rflags_if),
	GST("activity state supported", "27.3.1.5",
	     "The activity state must be one IA32_VMX_MISC reports as supported",
	     g_activity),
	GST("HLT activity needs SS.DPL 0", "27.3.1.5",
	     "The activity state may not be HLT when SS.DPL is not 0",
	     g_activity_hlt_dpl),
	GST("inactive state excludes STI/MOV-SS blocking", "27.3.1.5",
	     "With blocking by STI or MOV SS the activity state must be active",
	     g_activity_blocking),
	GST("event injection allowed in activity state", "27.3.1.5",
	     "An injected event must be one the activity state allows: HLT takes interrupts, NMIs, #DB, #MC and MTF; shutdown NMIs and #MC; wait-for-SIPI nothing",
	     g_activity_inject),
	GST("interruptibility reserved bits", "27.3.1.5",
	     "Interruptibility-state reserved bits 31:5 (31:4 without ENCLAVE_INTERRUPTION support) must be 0",
	     g_intr_rsvd),
	GST("interruptibility: not STI and MOV-SS", "27.3.1.5",
	     "Blocking by STI and blocking by MOV SS may not both be 1",
	     g_intr_sti_movss),
	GST("interruptibility: STI blocking needs IF", "27.3.1.5",
	     "Blocking by STI must be 0 when RFLAGS.IF is 0",
	     g_intr_sti_if),
	GST("interruptibility: external interrupt injection", "27.3.1.5",
	     "Blocking by STI and by MOV SS must be 0 when an external interrupt is injected",
	     g_intr_extint),
	GST("interruptibility: NMI injection and MOV-SS", "27.3.1.5",
	     "Blocking by MOV SS must be 0 when an NMI is injected",
	     g_intr_nmi_movss),
	GSTQ("interruptibility: NMI injection and STI", "27.3.1.5", ENTRY_QUAL_NMI_STI,
	     "Blocking by STI must be 0 when an NMI is injected (exit qualification 3 where the processor checks it)",
	     g_intr_nmi_sti),
	GST("interruptibility: SMI blocking outside SMM", "27.3.1.5",
	     "Blocking by SMI must be 0 outside SMM",
	     g_intr_smi),
	GST("interruptibility: virtual-NMI blocking and NMI injection", "27.3.1.5",
	     "With virtual NMIs = 1, blocking by NMI must be 0 when an NMI is injected",
	     g_intr_vnmi),
	GST("pending debug exceptions reserved bits", "27.3.1.5",
	     "Pending debug exceptions reserved bits 11:4, 13, 15 and 63:17 (and 16 without RTM) must be 0",
	     g_pending_dbg_rsvd),
	GST("pending debug exceptions BS vs TF/BTF", "27.3.1.5",
	     "With blocking by STI or MOV SS or the HLT state, BS must be 1 if RFLAGS.TF = 1 and DEBUGCTL.BTF = 0, and 0 otherwise",
	     g_pending_dbg_bs),
	GSTQ("VMCS link pointer", "27.3.1.5", ENTRY_QUAL_LINK_PTR,
	     "A VMCS link pointer other than all ones is 4-KByte aligned, within the physical-address width and points to the right revision identifier (shadow bit as VMCS shadowing)",
	     g_link_ptr),
	GSTQ("VMCS link pointer not the current VMCS", "27.3.1.5",
	     ENTRY_QUAL_LINK_PTR,
	     "Outside SMM, the VMCS link pointer must not contain the current-VMCS pointer",
	     g_link_not_current),
	GSTQ("PAE PDPTEs", "27.3.1.6", ENTRY_QUAL_PDPTE,
	     "With PAE paging outside IA-32e mode, the PDPTEs (from the VMCS with EPT, else from guest CR3) must have no reserved bit set",
	     g_pdptes),
};

const size_t vmx_entry_checks_len =
	sizeof(vmx_entry_checks) / sizeof(vmx_entry_checks[0]);

static const struct entry_check *first_failing(const struct entry_env *e,
					       size_t from)
{
	for (size_t i = from; i < vmx_entry_checks_len; i++)
		if (!vmx_entry_checks[i].ok(e))
			return &vmx_entry_checks[i];
	return NULL;
}

const struct entry_check *entry_checks_run(const struct entry_env *e)
{
	return first_failing(e, 0);
}

/* ---- the control and host-state rows remembered (vmx_entry_memo) ---- */

/* Rows of SDM 27.2 that read more than control and host-state fields and
 * the capabilities (the CPU model is fixed): they run at every entry. */
static bool reads_more(const struct entry_check *c)
{
	return c->ok == c_tpr_vtpr ||       /* the VTPR, in RAM */
	       c->ok == c_inj_errcode ||    /* guest CR0.PE */
	       c->ok == h_outside_ia32e ||  /* L1's IA32_EFER.LMA */
	       c->ok == h_inside_ia32e;
}

/* Control and host-state fields: encoding bits 11:10 are 0 and 3 (SDM
 * Appendix B); guest-state and read-only data fields are not. */
static bool ctl_or_host_field(unsigned idx)
{
	unsigned type = (vmcs_field_table[idx].encoding >> 10) & 3;

	return type == 0 || type == 3;
}

/* Guest-state fields: encoding bits 11:10 are 2 (SDM Appendix B). */
static bool guest_field(unsigned idx)
{
	return ((vmcs_field_table[idx].encoding >> 10) & 3) == 2;
}

/* Guest-state fields the guest rows' memo does not compare: every VM exit
 * saves RIP, RSP and RFLAGS (SDM 28.3.3), so they change at each round
 * trip.  No skipped row reads RIP (the RIP row runs every time, see
 * reads_more_guest) or RSP; RFLAGS is compared under the bits the rows
 * read (GUEST_RFLAGS_READ). */
static bool guest_field_volatile(unsigned idx)
{
	return idx == VMCS_IDX_GUEST_RIP || idx == VMCS_IDX_GUEST_RSP ||
	       idx == VMCS_IDX_GUEST_RFLAGS;
}

/* The RFLAGS bits guest rows read (SDM 27.3.1.4, 27.3.1.5): reserved bits
 * and bit 1, VM (virtual-8086 segment and access-rights rules), IF (STI
 * blocking, external-interrupt injection), TF (pending BS).  The
 * arithmetic flags, which the guest changes all the time, are not read. */
#define GUEST_RFLAGS_READ (RFLAGS_RSVD | RFLAGS_FIXED1 | RFLAGS_VM | \
			   RFLAGS_IF | RFLAGS_TF)

/* Guest rows that read more than the compared guest fields, the controls
 * and the capabilities: they run at every entry. */
static bool reads_more_guest(const struct entry_check *c)
{
	return c->ok == g_rip ||              /* RIP, saved by every exit */
	       c->ok == g_link_ptr ||         /* the revision ID in RAM */
	       c->ok == g_link_not_current || /* the current-VMCS pointer */
	       c->ok == g_pdptes;             /* PDPTEs in RAM (no EPT) */
}

static bool add_slot(uint16_t *start, uint16_t *len, uint16_t *n,
		     unsigned idx)
{
	if (*n && start[*n - 1] + len[*n - 1] == idx) {
		len[*n - 1]++;
		return true;
	}
	if (*n == VMX_MEMO_RANGES)
		return false;
	start[*n] = (uint16_t)idx;
	len[*n] = 1;
	(*n)++;
	return true;
}

static bool add_row(uint16_t *rows, uint16_t *n, unsigned max, size_t i)
{
	if (*n == max)
		return false;
	rows[(*n)++] = (uint16_t)i;
	return true;
}

/* The slot runs and the rows; off (never remember) if the table is not
 * control and host rows first, then guest ones. */
static void memo_init(struct vmx_entry_memo *m)
{
	bool ok = true;

	memset(m, 0, sizeof(*m));
	m->ready = true;
	for (unsigned i = 0; i < VMCS_FIELD_COUNT; i++) {
		if (ctl_or_host_field(i))
			ok &= add_slot(m->range_start, m->range_len,
				       &m->n_ranges, i);
		else if (guest_field(i) && !guest_field_volatile(i))
			ok &= add_slot(m->grange_start, m->grange_len,
				       &m->n_granges, i);
		else
			continue;
		ok &= add_slot(m->arange_start, m->arange_len,
			       &m->n_aranges, i);
	}
	for (size_t i = 0; i < vmx_entry_checks_len; i++) {
		const struct entry_check *c = &vmx_entry_checks[i];

		if (c->kind == ECK_GUEST) {
			if (!m->first_guest)
				m->first_guest = (uint16_t)i;
			if (reads_more_guest(c))
				ok &= add_row(m->galways, &m->n_galways,
					      VMX_MEMO_GALWAYS, i);
		} else if (m->first_guest) {
			ok = false;
		} else if (reads_more(c)) {
			ok &= add_row(m->always, &m->n_always,
				      VMX_MEMO_ALWAYS, i);
		}
	}
	if (!m->first_guest || !ok)
		m->off = true;
}

static bool ranges_equal(const uint64_t *a, const uint64_t *b,
			 const uint16_t *start, const uint16_t *len,
			 unsigned n)
{
	for (unsigned r = 0; r < n; r++)
		if (memcmp(&a[start[r]], &b[start[r]], len[r] * sizeof(*a)))
			return false;
	return true;
}

static bool memo_holds(const struct vmx_entry_memo *m,
		       const struct vmx_vcpu *v)
{
	if (!m->valid || memcmp(&m->caps, &v->caps, sizeof(m->caps)))
		return false;
	return ranges_equal(m->vmcs, v->vmcs, m->range_start, m->range_len,
			    m->n_ranges);
}

/* Once memo_holds(): the guest rows' inputs are the same too. */
static bool guest_memo_holds(const struct vmx_entry_memo *m,
			     const struct vmx_vcpu *v)
{
	uint64_t flags = m->vmcs[VMCS_IDX_GUEST_RFLAGS] ^
			 v->vmcs[VMCS_IDX_GUEST_RFLAGS];

	return m->guest_valid && !(flags & GUEST_RFLAGS_READ) &&
	       ranges_equal(m->vmcs, v->vmcs, m->grange_start,
			    m->grange_len, m->n_granges);
}

/* Both memos hold (the usual VMRESUME): the same answer as memo_holds()
 * and guest_memo_holds() together, in fewer, longer compares (guest_valid
 * is only ever set with valid). */
static bool both_memos_hold(const struct vmx_entry_memo *m,
			    const struct vmx_vcpu *v)
{
	uint64_t flags = m->vmcs[VMCS_IDX_GUEST_RFLAGS] ^
			 v->vmcs[VMCS_IDX_GUEST_RFLAGS];

	return m->guest_valid && !(flags & GUEST_RFLAGS_READ) &&
	       !memcmp(&m->caps, &v->caps, sizeof(m->caps)) &&
	       ranges_equal(m->vmcs, v->vmcs, m->arange_start,
			    m->arange_len, m->n_aranges);
}

/* The first failing row among rows[] (table indices, in table order). */
static const struct entry_check *first_failing_of(const struct entry_env *e,
						  const uint16_t *rows,
						  unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (!vmx_entry_checks[rows[i]].ok(e))
			return &vmx_entry_checks[rows[i]];
	return NULL;
}

/* guest_ok: every guest row passed too. */
static void memo_remember(struct vmx_entry_memo *m, const struct entry_env *e,
			  bool guest_ok)
{
	memcpy(m->vmcs, e->v->vmcs, sizeof(m->vmcs));
	memcpy(&m->caps, &e->v->caps, sizeof(m->caps));
	m->valid = true;
	m->guest_valid = guest_ok;
}

const struct entry_check *entry_checks_run_memo(struct vmx_entry_memo *m,
						 const struct entry_env *e)
{
	const struct entry_check *bad;

	if (!m->ready)
		memo_init(m);
	if (!m->off && both_memos_hold(m, e->v)) {
		bad = first_failing_of(e, m->always, m->n_always);
		return bad ? bad : first_failing_of(e, m->galways,
						    m->n_galways);
	}
	if (!m->off && memo_holds(m, e->v)) {
		/* Every control and host row passed with these very inputs. */
		bad = first_failing_of(e, m->always, m->n_always);
		if (bad)
			return bad;
		/* And every guest row but those that read more, too. */
		if (guest_memo_holds(m, e->v))
			return first_failing_of(e, m->galways, m->n_galways);
		bad = first_failing(e, m->first_guest);
		if (!bad)
			memo_remember(m, e, true);
		return bad;
	}
	bad = first_failing(e, 0);
	if (!m->off && (!bad || bad->kind == ECK_GUEST))
		memo_remember(m, e, !bad);
	return bad;
}

const struct entry_check *entry_check_find(const char *name)
{
	for (size_t i = 0; i < vmx_entry_checks_len; i++)
		if (!strcmp(vmx_entry_checks[i].name, name))
			return &vmx_entry_checks[i];
	return NULL;
}
