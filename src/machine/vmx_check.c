// SPDX-License-Identifier: MIT
/*
 * --vmx-check: L1's VMX instructions that rely on what hardware does not
 * promise (vmx_check.h, docs/vmx-check.md).  Every check runs on the
 * instruction's outcome as L1 sees it (RFLAGS, VM-instruction error, the
 * current-VMCS pointer), so what is reported is exactly what L1 did.
 */
#include "machine/vmx_check.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "machine/vmx_watch.h"
#include "vmx/vmx_api.h"

#define BIT(n) (1ull << (n))
#define INFO_VALID (1u << 31)
#define INFO_HAS_ERROR (1u << 11)
#define INFO_TYPE(i) (((i) >> 8) & 7)
/* Event types 4-6: software interrupt, privileged software exception,
 * software exception (SDM Table 25-17): their delivery has a length. */
#define SOFTWARE_EVENT(i) (((i) & INFO_VALID) && INFO_TYPE(i) >= 4 && \
			   INFO_TYPE(i) <= 6)
#define VMERR_VMRESUME_NONLAUNCHED 5
#define VMERR_UNSUPPORTED_FIELD 12

/* Exits caused by executing an instruction: they save its length (SDM
 * 28.2.4); the task-switch and event cases are decided below. */
static const uint64_t insn_exits[2] = {
	BIT(EXIT_REASON_CPUID) | BIT(EXIT_REASON_GETSEC) |
	BIT(EXIT_REASON_HLT) | BIT(EXIT_REASON_INVD) |
	BIT(EXIT_REASON_INVLPG) | BIT(EXIT_REASON_RDPMC) |
	BIT(EXIT_REASON_RDTSC) | BIT(EXIT_REASON_RSM) |
	BIT(EXIT_REASON_VMCALL) | BIT(EXIT_REASON_VMCLEAR) |
	BIT(EXIT_REASON_VMLAUNCH) | BIT(EXIT_REASON_VMPTRLD) |
	BIT(EXIT_REASON_VMPTRST) | BIT(EXIT_REASON_VMREAD) |
	BIT(EXIT_REASON_VMRESUME) | BIT(EXIT_REASON_VMWRITE) |
	BIT(EXIT_REASON_VMXOFF) | BIT(EXIT_REASON_VMXON) |
	BIT(EXIT_REASON_CR_ACCESS) | BIT(EXIT_REASON_DR_ACCESS) |
	BIT(EXIT_REASON_IO_INSTRUCTION) | BIT(EXIT_REASON_MSR_READ) |
	BIT(EXIT_REASON_MSR_WRITE) | BIT(EXIT_REASON_MWAIT_INSTRUCTION) |
	BIT(EXIT_REASON_MONITOR_INSTRUCTION) |
	BIT(EXIT_REASON_PAUSE_INSTRUCTION) | BIT(EXIT_REASON_APIC_ACCESS) |
	BIT(EXIT_REASON_GDTR_IDTR) | BIT(EXIT_REASON_LDTR_TR) |
	BIT(EXIT_REASON_INVEPT) | BIT(EXIT_REASON_RDTSCP) |
	BIT(EXIT_REASON_INVVPID) | BIT(EXIT_REASON_WBINVD) |
	BIT(EXIT_REASON_XSETBV) | BIT(EXIT_REASON_RDRAND) |
	BIT(EXIT_REASON_INVPCID) | BIT(EXIT_REASON_VMFUNC) |
	BIT(EXIT_REASON_ENCLS) | BIT(EXIT_REASON_RDSEED) |
	BIT(EXIT_REASON_XSAVES),
	BIT(EXIT_REASON_XRSTORS - 64) | BIT(EXIT_REASON_PCONFIG - 64) | BIT(EXIT_REASON_UMWAIT - 64) |
	BIT(EXIT_REASON_TPAUSE - 64) | BIT(EXIT_REASON_LOADIWKEY - 64) |
	BIT(EXIT_REASON_ENCLV - 64),
};

/* Exits that save VM-exit instruction information (SDM 28.2.5); I/O is
 * counted in (INS/OUTS save it when IA32_VMX_BASIC[54] says so). */
static const uint64_t info_exits[2] = {
	BIT(EXIT_REASON_VMCLEAR) | BIT(EXIT_REASON_VMPTRLD) |
	BIT(EXIT_REASON_VMPTRST) | BIT(EXIT_REASON_VMREAD) |
	BIT(EXIT_REASON_VMWRITE) | BIT(EXIT_REASON_VMXON) |
	BIT(EXIT_REASON_IO_INSTRUCTION) | BIT(EXIT_REASON_GDTR_IDTR) |
	BIT(EXIT_REASON_LDTR_TR) | BIT(EXIT_REASON_INVEPT) |
	BIT(EXIT_REASON_INVVPID) | BIT(EXIT_REASON_RDRAND) |
	BIT(EXIT_REASON_INVPCID) | BIT(EXIT_REASON_RDSEED) |
	BIT(EXIT_REASON_XSAVES),
	BIT(EXIT_REASON_XRSTORS - 64),
};

static bool in_set(const uint64_t *set, unsigned n, unsigned reason)
{
	return reason / 64 < n && (set[reason / 64] >> (reason % 64)) & 1;
}

static bool defines_length(const struct vmx_check_exit *e, unsigned basic)
{
	if (SOFTWARE_EVENT(e->idt_info))
		return true;
	if (basic == EXIT_REASON_EXCEPTION_NMI)
		return SOFTWARE_EVENT(e->intr_info);
	if (basic == EXIT_REASON_TASK_SWITCH)   /* not through the IDT */
		return (e->qual >> 30 & 3) != 3;
	return in_set(insn_exits, 2, basic);
}

static bool defines_linear(const struct vmx_check_exit *e, unsigned basic)
{
	switch (basic) {
	case EXIT_REASON_CR_ACCESS:     /* LMSW with a memory operand */
		return (e->qual >> 4 & 3) == 3 && (e->qual & BIT(6));
	case EXIT_REASON_IO_INSTRUCTION:        /* INS/OUTS */
		return e->qual & BIT(4);
	case EXIT_REASON_EPT_VIOLATION:
		return e->qual & BIT(7);
	case EXIT_REASON_APIC_ACCESS:
	case EXIT_REASON_PML_FULL:
		return true;
	default:
		return false;
	}
}

/*
 * Is the exit-information field defined after exit e?  SDM 28.2.1-28.2.5:
 * the exit reason, qualification and the two information fields always
 * are (valid bits); the rest only for the exits the SDM lists.  A failed
 * VM entry (SDM 27.8) defines the reason and qualification only.
 */
static bool field_defined(const struct vmx_check_exit *e, uint64_t field,
			  const char **sdm)
{
	unsigned basic = e->reason & EXIT_REASON_BASIC_MASK;
	bool failed = e->reason & EXIT_REASON_FAILED_VMENTRY;

	*sdm = "28.2.1";
	switch (field) {
	case 0x2400: case 0x2401:       /* guest-physical address */
		return !failed && (basic == EXIT_REASON_EPT_VIOLATION ||
				   basic == EXIT_REASON_EPT_MISCONFIG ||
				   basic == EXIT_REASON_APIC_ACCESS ||
				   basic == EXIT_REASON_PML_FULL ||
				   basic == EXIT_REASON_SPP);
	case 0x640a:                    /* guest-linear address */
		return !failed && defines_linear(e, basic);
	case 0x6402: case 0x6404: case 0x6406: case 0x6408: /* I/O RCX..RIP */
		return !failed && basic == EXIT_REASON_IO_SMI;
	case 0x4406:                    /* VM-exit interruption error code */
		*sdm = "28.2.2";
		return !failed && (e->intr_info & INFO_VALID) &&
		       (e->intr_info & INFO_HAS_ERROR);
	case 0x440a:                    /* IDT-vectoring error code */
		*sdm = "28.2.3";
		return !failed && (e->idt_info & INFO_VALID) &&
		       (e->idt_info & INFO_HAS_ERROR);
	case 0x440c:                    /* VM-exit instruction length */
		*sdm = "28.2.4";
		return !failed && defines_length(e, basic);
	case 0x440e:                    /* VM-exit instruction information */
		*sdm = "28.2.5";
		return !failed && in_set(info_exits, 2, basic);
	default:
		return true;
	}
}

void vmx_check_init(struct vmx_check *c)
{
	memset(c, 0, sizeof(*c));
	c->cleared = VMCS_PTR_NONE;
	c->region_gpa = VMCS_PTR_NONE;
}

/* One report: kind, L1's RIP, the VMCS and a detail (field, offset, ...)
 * for the trace stream; the line for stderr. */
struct report_at {
	enum vmx_check_kind kind;
	uint64_t rip, vmcs, detail, insn;
};

static void report(struct vmx_watch *w, const struct report_at *at,
		   const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void report(struct vmx_watch *w, const struct report_at *at,
		   const char *fmt, ...)
{
	char line[512];
	va_list ap;

	if (!w->check || w->vmx_check.deliberate)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	vmx_watch_report(w, &(struct vmx_trace_event){
		.kind = VMX_TRACE_CHECK, .reason = at->kind, .vmcs = at->vmcs,
		.guest_rip = at->rip, .qualification = at->detail,
		.insn_count = at->insn }, line);
}

bool vmx_check_port(struct vmx_watch *w, const struct x86_intercept *ic,
		    uint64_t value)
{
	if (ic->kind != ICPT_IO || ic->u.io.port != VMX_CHECK_PORT ||
	    ic->u.io.in || ic->u.io.string || vmx_in_nonroot(w->vmx))
		return false;
	w->vmx_check.deliberate = value & 1;
	return true;
}

static bool is_vmx(const struct x86_intercept *ic, enum vmx_insn_id which)
{
	return ic->kind == ICPT_VMX_INSN && ic->u.vmx.which == which;
}

static const char *const insn_names[] = {
	[VMXI_VMCALL] = "VMCALL", [VMXI_VMCLEAR] = "VMCLEAR",
	[VMXI_VMLAUNCH] = "VMLAUNCH", [VMXI_VMPTRLD] = "VMPTRLD",
	[VMXI_VMPTRST] = "VMPTRST", [VMXI_VMREAD] = "VMREAD",
	[VMXI_VMRESUME] = "VMRESUME", [VMXI_VMWRITE] = "VMWRITE",
	[VMXI_VMXOFF] = "VMXOFF", [VMXI_VMXON] = "VMXON",
	[VMXI_INVEPT] = "INVEPT", [VMXI_INVVPID] = "INVVPID",
	[VMXI_VMFUNC] = "VMFUNC",
};

/* Copy the current VMCS's region as L1 leaves it now. */
static void take_region(struct vmx_watch *w, const struct guest_mem *mem,
			uint64_t rip)
{
	struct vmx_check *c = &w->vmx_check;
	uint64_t cur = vmx_current_vmcs(w->vmx);

	c->region_gpa = VMCS_PTR_NONE;
	if (cur == VMCS_PTR_NONE ||
	    !gmem_read(mem, cur, c->region, sizeof(c->region)))
		return;
	c->region_gpa = cur;
	c->region_rip = rip;
}

void vmx_check_rebase(struct vmx_watch *w, const struct guest_mem *mem)
{
	if (w->vmx_check.region_gpa != VMCS_PTR_NONE)
		take_region(w, mem, w->vmx_check.region_rip);
}

/* SDM 25.11.1: the processor may keep the current VMCS's data anywhere;
 * a region written by ordinary stores while current is undefined. */
static void check_region(struct vmx_watch *w, struct x86_intercept_ctx *ctx,
			 const struct x86_intercept *ic)
{
	struct vmx_check *c = &w->vmx_check;
	uint8_t now[sizeof(c->region)];
	unsigned off;

	if (c->region_gpa == VMCS_PTR_NONE ||
	    c->region_gpa != vmx_current_vmcs(w->vmx) ||
	    !gmem_read(ctx->mem, c->region_gpa, now, sizeof(now)) ||
	    !memcmp(now, c->region, sizeof(now)))
		return;
	for (off = 0; now[off] == c->region[off]; off++)
		;
	report(w, &(struct report_at){ VMX_CHECK_REGION_WRITE, ic->rip,
	       c->region_gpa, off, w->vmx_check.insn_count },
	       "ordinary write to the current VMCS: the region of VMCS "
	       "0x%llx changed at offset 0x%x between L1's VMX instructions "
	       "at rip 0x%llx and 0x%llx (%s); the processor may keep a "
	       "current VMCS cached: use VMWRITE, or VMCLEAR it before "
	       "touching its memory (SDM 25.11.1)",
	       (unsigned long long)c->region_gpa, off,
	       (unsigned long long)c->region_rip,
	       (unsigned long long)ic->rip, insn_names[ic->u.vmx.which]);
	memcpy(c->region, now, sizeof(now));
}

void vmx_check_before(struct vmx_watch *w, struct x86_intercept_ctx *ctx,
		      const struct x86_intercept *ic, struct vmx_check_pre *pre)
{
	pre->vmcs = vmx_current_vmcs(w->vmx);
	pre->field = 0;
	if (ic->kind != ICPT_VMX_INSN || vmx_in_nonroot(w->vmx))
		return;
	w->vmx_check.insn_rip = ic->rip;
	w->vmx_check.insn_count = ctx->cpu->insn_count;
	if (is_vmx(ic, VMXI_VMREAD) || is_vmx(ic, VMXI_VMWRITE))
		pre->field = ctx->cpu->gpr[ic->u.vmx.reg2];
	check_region(w, ctx, ic);
}

static struct vmx_check_exit *exit_of(struct vmx_check *c, uint64_t vmcs)
{
	for (unsigned i = 0; i < VMX_CHECK_EXITS; i++)
		if (c->exits[i].valid && c->exits[i].vmcs == vmcs)
			return &c->exits[i];
	return NULL;
}

void vmx_check_exit(struct vmx_watch *w, uint64_t vmcs)
{
	struct vmx_check *c = &w->vmx_check;
	struct vmx_check_exit *e = exit_of(c, vmcs);

	if (!e) {
		e = &c->exits[c->next_exit];
		c->next_exit = (c->next_exit + 1) % VMX_CHECK_EXITS;
	}
	*e = (struct vmx_check_exit){
		.vmcs = vmcs, .valid = true,
		.reason = (uint32_t)vmx_current_field(w->vmx, VMCS_VM_EXIT_REASON),
		.intr_info = (uint32_t)vmx_current_field(w->vmx, VMCS_VM_EXIT_INTR_INFO),
		.idt_info = (uint32_t)vmx_current_field(w->vmx, VMCS_IDT_VECTORING_INFO_FIELD),
		.qual = vmx_current_field(w->vmx, VMCS_EXIT_QUALIFICATION),
	};
}

static const char *field_name(uint64_t enc)
{
	const char *n = enc >> 32 ? NULL : vmcs_field_name((uint32_t)enc);

	return n ? n : "no such field";
}

static void check_exit_info(struct vmx_watch *w, const struct x86_intercept *ic,
			    const struct vmx_check_pre *pre)
{
	const struct vmx_check_exit *e = exit_of(&w->vmx_check, pre->vmcs);
	unsigned basic;
	const char *sdm, *rname;

	if (!e || field_defined(e, pre->field, &sdm))
		return;
	basic = e->reason & EXIT_REASON_BASIC_MASK;
	rname = vmx_exit_reason_name(basic);
	report(w, &(struct report_at){ VMX_CHECK_EXIT_INFO, ic->rip,
	       pre->vmcs, pre->field, w->vmx_check.insn_count },
	       "exit information not defined: L1 at rip 0x%llx (VMCS "
	       "0x%llx) read %s (0x%llx) after exit reason %u (%s%s), which "
	       "does not save it: its value is undefined (SDM %s)",
	       (unsigned long long)ic->rip, (unsigned long long)pre->vmcs,
	       field_name(pre->field), (unsigned long long)pre->field, basic,
	       rname ? rname : "?",
	       e->reason & EXIT_REASON_FAILED_VMENTRY ? ", VM-entry failure" : "",
	       sdm);
}

static void check_vmfail_valid(struct vmx_watch *w,
			       const struct x86_intercept *ic,
			       const struct vmx_check_pre *pre)
{
	uint32_t err = (uint32_t)vmx_current_field(w->vmx,
						   VMCS_VM_INSTRUCTION_ERROR);

	if (err == VMERR_UNSUPPORTED_FIELD &&
	    (is_vmx(ic, VMXI_VMREAD) || is_vmx(ic, VMXI_VMWRITE)))
		report(w, &(struct report_at){ VMX_CHECK_UNSUPPORTED_FIELD,
		       ic->rip, pre->vmcs, pre->field, w->vmx_check.insn_count },
		       "unsupported field: L1 at rip 0x%llx (VMCS 0x%llx) "
		       "%s of field 0x%llx (%s), which the advertised "
		       "capabilities do not support (VMfailValid 12; SDM "
		       "25.11.2, A.9)",
		       (unsigned long long)ic->rip,
		       (unsigned long long)pre->vmcs,
		       insn_names[ic->u.vmx.which],
		       (unsigned long long)pre->field, field_name(pre->field));
	else if (err == VMERR_VMRESUME_NONLAUNCHED &&
		 is_vmx(ic, VMXI_VMRESUME))
		report(w, &(struct report_at){ VMX_CHECK_VMRESUME_CLEAR,
		       ic->rip, pre->vmcs, 0, w->vmx_check.insn_count },
		       "VMRESUME of a clear VMCS: L1 at rip 0x%llx (VMCS "
		       "0x%llx) resumed a VMCS whose launch state is clear "
		       "(VMfailValid 5): after VMCLEAR the first entry must "
		       "be VMLAUNCH (SDM 25.11.3)",
		       (unsigned long long)ic->rip,
		       (unsigned long long)pre->vmcs);
}

/* Instructions that need a current VMCS (SDM 31: VMfailInvalid without). */
static bool needs_current(const struct x86_intercept *ic)
{
	return is_vmx(ic, VMXI_VMREAD) || is_vmx(ic, VMXI_VMWRITE) ||
	       is_vmx(ic, VMXI_VMLAUNCH) || is_vmx(ic, VMXI_VMRESUME);
}

static void check_after_vmclear(struct vmx_watch *w,
				const struct x86_intercept *ic,
				const struct vmx_check_pre *pre,
				const struct cpu_state *cpu)
{
	struct vmx_check *c = &w->vmx_check;

	if (is_vmx(ic, VMXI_VMCLEAR) && pre->vmcs != VMCS_PTR_NONE &&
	    vmx_current_vmcs(w->vmx) == VMCS_PTR_NONE) {
		c->cleared = pre->vmcs;
		c->cleared_rip = ic->rip;
	} else if (vmx_current_vmcs(w->vmx) != VMCS_PTR_NONE ||
		   is_vmx(ic, VMXI_VMXOFF)) {
		c->cleared = VMCS_PTR_NONE;
	} else if (c->cleared != VMCS_PTR_NONE && needs_current(ic) &&
		   (cpu->rflags & RFLAGS_CF)) {
		report(w, &(struct report_at){ VMX_CHECK_AFTER_VMCLEAR,
		       ic->rip, c->cleared, c->cleared_rip, w->vmx_check.insn_count },
		       "VMCS used after VMCLEAR: L1 at rip 0x%llx ran %s "
		       "with no current VMCS (VMfailInvalid): VMCLEAR at rip "
		       "0x%llx made VMCS 0x%llx not current and no VMPTRLD "
		       "followed (SDM 25.11.3)",
		       (unsigned long long)ic->rip,
		       insn_names[ic->u.vmx.which],
		       (unsigned long long)c->cleared_rip,
		       (unsigned long long)c->cleared);
	}
}

void vmx_check_after(struct vmx_watch *w, struct x86_intercept_ctx *ctx,
		     const struct x86_intercept *ic,
		     const struct vmx_check_pre *pre, enum icpt_result r)
{
	const struct cpu_state *cpu = ctx->cpu;
	bool fail_valid = r == ICPT_EMULATED && (cpu->rflags & RFLAGS_ZF);

	if (ic->kind != ICPT_VMX_INSN || vmx_in_nonroot(w->vmx) ||
	    r == ICPT_FAULT)
		return;
	if (fail_valid)
		check_vmfail_valid(w, ic, pre);
	else if (r == ICPT_EMULATED && is_vmx(ic, VMXI_VMREAD) &&
		 !(cpu->rflags & RFLAGS_CF))
		check_exit_info(w, ic, pre);
	check_after_vmclear(w, ic, pre, cpu);
	/* The region as L1 leaves it: VMPTRLD/VMCLEAR/VMXOFF write it. */
	if (is_vmx(ic, VMXI_VMPTRLD) || is_vmx(ic, VMXI_VMCLEAR) ||
	    is_vmx(ic, VMXI_VMXOFF))
		for (struct vmx_watch *p = w->vmx_check.next; p && p != w;
		     p = p->vmx_check.next)
			vmx_check_rebase(p, ctx->mem);
	if (vmx_current_vmcs(w->vmx) != w->vmx_check.region_gpa ||
	    is_vmx(ic, VMXI_VMPTRLD) || is_vmx(ic, VMXI_VMCLEAR) ||
	    r == ICPT_SWITCHED)
		take_region(w, ctx->mem, ic->rip);
	else
		w->vmx_check.region_rip = ic->rip;
}

/* SDM 25.11.1: a VMCS active on one processor must be VMCLEARed there
 * before another processor makes it current (vmcs_share.c counts them). */
void vmx_check_shared(void *opaque, const struct vmx_shared_vmcs_event *ev)
{
	struct vmx_watch *w = opaque;

	report(w, &(struct report_at){ VMX_CHECK_TWO_PROCESSORS,
	       w->vmx_check.insn_rip, ev->gpa, ev->owner, w->vmx_check.insn_count },
	       "VMCS on two processors: vCPU %u at rip 0x%llx made VMCS "
	       "0x%llx current while it is active on vCPU %u (%s there) "
	       "without a VMCLEAR on vCPU %u first; the processors may each "
	       "keep it cached (SDM 25.11.1)",
	       ev->loader, (unsigned long long)w->vmx_check.insn_rip,
	       (unsigned long long)ev->gpa, ev->owner,
	       ev->owner_current ? "current" : "not current", ev->owner);
}
