// SPDX-License-Identifier: MIT
/*
 * Instructions and events in VMX non-root operation (SDM 26.1-26.3): for
 * every intercept kind, VM exit or not per the VM-execution controls, and
 * the changed behaviour of the instructions that do not exit (CR read
 * shadows and guest/host masks, TSC offsetting).
 */
#include "vmx/nonroot.h"

#include "vmx/exit_info.h"


enum ctl_word { CW_NONE, CW_PROC, CW_PROC2 };

/* Instructions that exit unconditionally or by one control bit
 * (SDM 26.1.2, 26.1.3). */
struct simple_rule {
	uint8_t reason;
	uint8_t word;       /* CW_NONE: unconditional */
	uint32_t bit;
};

static const struct simple_rule simple_rules[ICPT_KIND_COUNT] = {
	[ICPT_CPUID] = { EXIT_REASON_CPUID, CW_NONE, 0 },
	[ICPT_GETSEC] = { EXIT_REASON_GETSEC, CW_NONE, 0 },
	[ICPT_INVD] = { EXIT_REASON_INVD, CW_NONE, 0 },
	[ICPT_XSETBV] = { EXIT_REASON_XSETBV, CW_NONE, 0 },
	[ICPT_TRIPLE_FAULT] = { EXIT_REASON_TRIPLE_FAULT, CW_NONE, 0 },
	[ICPT_HLT] = { EXIT_REASON_HLT, CW_PROC, CPU_HLT_EXITING },
	[ICPT_RDPMC] = { EXIT_REASON_RDPMC, CW_PROC, CPU_RDPMC_EXITING },
	[ICPT_MONITOR] = { EXIT_REASON_MONITOR_INSTRUCTION, CW_PROC,
			   CPU_MONITOR_EXITING },
	[ICPT_WBINVD] = { EXIT_REASON_WBINVD, CW_PROC2, CPU2_WBINVD_EXITING },
	[ICPT_RDRAND] = { EXIT_REASON_RDRAND, CW_PROC2, CPU2_RDRAND_EXITING },
	[ICPT_RDSEED] = { EXIT_REASON_RDSEED, CW_PROC2, CPU2_RDSEED_EXITING },
};

/* VMX instructions in non-root operation always exit (SDM 26.1.2). */
static const uint8_t vmx_insn_reason[] = {
	[VMXI_VMCALL] = EXIT_REASON_VMCALL,
	[VMXI_VMCLEAR] = EXIT_REASON_VMCLEAR,
	[VMXI_VMLAUNCH] = EXIT_REASON_VMLAUNCH,
	[VMXI_VMPTRLD] = EXIT_REASON_VMPTRLD,
	[VMXI_VMPTRST] = EXIT_REASON_VMPTRST,
	[VMXI_VMREAD] = EXIT_REASON_VMREAD,
	[VMXI_VMRESUME] = EXIT_REASON_VMRESUME,
	[VMXI_VMWRITE] = EXIT_REASON_VMWRITE,
	[VMXI_VMXOFF] = EXIT_REASON_VMXOFF,
	[VMXI_VMXON] = EXIT_REASON_VMXON,
	[VMXI_INVEPT] = EXIT_REASON_INVEPT,
	[VMXI_INVVPID] = EXIT_REASON_INVVPID,
	[VMXI_VMFUNC] = EXIT_REASON_VMFUNC,
};

static uint32_t word_of(const struct vmx_vcpu *v, unsigned w)
{
	return w == CW_PROC ? vmx_proc(v) : w == CW_PROC2 ? vmx_proc2(v) : 0;
}

static enum icpt_result do_exit(struct vmx_vcpu *v,
				struct x86_intercept_ctx *ctx, uint32_t reason,
				uint64_t qual, const struct x86_intercept *ic)
{
	return vmx_vmexit(v, ctx, reason, qual, ic);
}

/* Linear address of a memory operand (for the guest-linear-address field). */
static uint64_t operand_linear(const struct cpu_state *s,
			       const struct x86_operand *op)
{
	uint64_t base = s->seg[op->seg & 7].base;

	if (cpu_64bit_mode(s) && op->seg != SEG_FS && op->seg != SEG_GS)
		base = 0;
	return base + op->ea;
}

/* Write a GPR the way MOV from CR does (32-bit outside 64-bit mode). */
static void write_gpr(struct cpu_state *s, unsigned gpr, uint64_t val)
{
	if (!cpu_64bit_mode(s))
		val &= 0xffffffffull;
	s->gpr[gpr & 15] = val;
}

/* ---- TSC (SDM 26.3, 26.6.5) ------------------------------------------ */

/*
 * The TSC as RDTSC, RDTSCP and RDMSR(IA32_TSC) see it in non-root
 * operation (SDM 26.3, 26.6.5): with "use TSC offsetting", TSC + offset;
 * with "use TSC scaling" as well, the TSC is first multiplied by the TSC
 * multiplier (a 16.48 fixed-point number: 128-bit product shifted right
 * 48 bits).  Scaling alone has no effect.
 */
static uint64_t guest_tsc(const struct vmx_vcpu *v, const struct cpu_state *s)
{
	uint64_t tsc = s->tsc;

	if (!(vmx_proc(v) & CPU_USE_TSC_OFFSETTING))
		return tsc;
	if (vmx_proc2(v) & CPU2_TSC_SCALING)
		tsc = (uint64_t)(((unsigned __int128)tsc *
				  vmcs_read(v, VMCS_TSC_MULTIPLIER)) >> 48);
	return tsc + vmcs_read(v, VMCS_TSC_OFFSET);
}

static enum icpt_result nr_rdtsc(struct vmx_vcpu *v,
				 struct x86_intercept_ctx *ctx,
				 struct x86_intercept *ic)
{
	struct cpu_state *s = ctx->cpu;
	uint64_t tsc;

	if (ic->kind == ICPT_RDTSCP && !(vmx_proc2(v) & CPU2_ENABLE_RDTSCP))
		return vmx_ud(s);
	if (vmx_proc(v) & CPU_RDTSC_EXITING)
		return do_exit(v, ctx, ic->kind == ICPT_RDTSC ?
			       EXIT_REASON_RDTSC : EXIT_REASON_RDTSCP, 0, ic);
	if (!(vmx_proc(v) & CPU_USE_TSC_OFFSETTING))
		return ICPT_CONTINUE;
	tsc = guest_tsc(v, s);
	s->gpr[GPR_RAX] = (uint32_t)tsc;
	s->gpr[GPR_RDX] = tsc >> 32;
	if (ic->kind == ICPT_RDTSCP)
		s->gpr[GPR_RCX] = (uint32_t)s->msr.tsc_aux;
	return ICPT_EMULATED;
}

/* RDPID never exits; with "enable RDTSCP" = 0 it is #UD (SDM 26.3). */
static enum icpt_result nr_rdpid(struct vmx_vcpu *v,
				 struct x86_intercept_ctx *ctx,
				 struct x86_intercept *ic)
{
	if (!(vmx_proc2(v) & CPU2_ENABLE_RDTSCP))
		return vmx_ud(ctx->cpu);
	return ICPT_CONTINUE;
}

/* MWAIT exiting: the qualification says whether the monitoring hardware
 * was armed (SDM 28.2.1: 0 or 1). */
static enum icpt_result nr_mwait(struct vmx_vcpu *v,
				 struct x86_intercept_ctx *ctx,
				 struct x86_intercept *ic)
{
	if (!(vmx_proc(v) & CPU_MWAIT_EXITING))
		return ICPT_CONTINUE;
	return do_exit(v, ctx, EXIT_REASON_MWAIT_INSTRUCTION,
		       ic->u.mwait.armed ? 1 : 0, ic);
}

/* ---- MSR bitmaps (SDM 25.6.9, 26.1.3) -------------------------------- */

static bool msr_exits(struct vmx_vcpu *v, struct guest_mem *mem,
		      uint32_t index, bool write)
{
	uint64_t off;
	uint8_t byte = 0xff;

	if (!(vmx_proc(v) & CPU_USE_MSR_BITMAPS))
		return true;
	if (index <= 0x1fff)
		off = write ? 2048 : 0;
	else if (index >= 0xc0000000u && index <= 0xc0001fffu)
		off = write ? 3072 : 1024;
	else
		return true;
	index &= 0x1fff;
	gmem_read_u8(mem, vmcs_read(v, VMCS_MSR_BITMAP) + off + index / 8,
		     &byte);
	return (byte >> (index % 8)) & 1;
}

static enum icpt_result nr_msr(struct vmx_vcpu *v,
			       struct x86_intercept_ctx *ctx,
			       struct x86_intercept *ic)
{
	bool write = ic->kind == ICPT_WRMSR;

	if (msr_exits(v, ctx->mem, ic->u.msr.index, write))
		return do_exit(v, ctx, write ? EXIT_REASON_MSR_WRITE :
			       EXIT_REASON_MSR_READ, 0, ic);
	/* The x2APIC range under "virtualize x2APIC mode" (vapic.c). */
	if (ic->u.msr.index >= 0x800 && ic->u.msr.index <= 0x8ff)
		return vmx_x2apic_msr(v, ctx, ic);
	if (!write && ic->u.msr.index == MSR_IA32_TSC &&
	    (vmx_proc(v) & CPU_USE_TSC_OFFSETTING)) {
		ic->u.msr.value = guest_tsc(v, ctx->cpu);
		return ICPT_EMULATED;
	}
	return ICPT_CONTINUE;
}

/* ---- I/O bitmaps (SDM 25.6.4, 26.1.3) -------------------------------- */

static bool io_exits(struct vmx_vcpu *v, struct guest_mem *mem,
		     uint16_t port, unsigned size)
{
	uint32_t proc = vmx_proc(v);

	if (!(proc & CPU_USE_IO_BITMAPS))
		return proc & CPU_UNCOND_IO_EXITING;
	for (unsigned i = 0; i < size; i++) {
		uint32_t p = (uint32_t)port + i;
		uint64_t bitmap;
		uint8_t byte = 0xff;

		if (p > 0xffff)
			return true;   /* wraps around: always exits */
		bitmap = vmcs_read(v, p < 0x8000 ? VMCS_IO_BITMAP_A :
				   VMCS_IO_BITMAP_B);
		gmem_read_u8(mem, bitmap + (p & 0x7fff) / 8, &byte);
		if ((byte >> (p % 8)) & 1)
			return true;
	}
	return false;
}

static enum icpt_result nr_io(struct vmx_vcpu *v, struct x86_intercept_ctx *ctx,
			      struct x86_intercept *ic)
{
	struct vmx_exit_info ei = {
		.reason = EXIT_REASON_IO_INSTRUCTION,
		.qualification = exit_qual_io(ic),
		.ic = ic,
	};

	if (!io_exits(v, ctx->mem, ic->u.io.port, ic->u.io.size))
		return ICPT_CONTINUE;
	if (ic->u.io.string) {
		ei.gla = ic->u.io.linear;
		ei.has_gla = true;
	}
	return vmx_vmexit_full(v, ctx, &ei);
}

/* ---- control registers (SDM 26.1.3, 26.3) ---------------------------- */

static void cr_mask_shadow(struct vmx_vcpu *v, unsigned cr, uint64_t *mask,
			   uint64_t *shadow)
{
	*mask = vmcs_read(v, cr == 0 ? VMCS_CR0_GUEST_HOST_MASK :
			  VMCS_CR4_GUEST_HOST_MASK);
	*shadow = vmcs_read(v, cr == 0 ? VMCS_CR0_READ_SHADOW :
			    VMCS_CR4_READ_SHADOW);
}

static bool cr3_is_target(struct vmx_vcpu *v, uint64_t val)
{
	static const uint32_t tgt[4] = {
		VMCS_CR3_TARGET_VALUE0, VMCS_CR3_TARGET_VALUE1,
		VMCS_CR3_TARGET_VALUE2, VMCS_CR3_TARGET_VALUE3,
	};
	uint64_t n = vmcs_read(v, VMCS_CR3_TARGET_COUNT);

	for (unsigned i = 0; i < 4 && i < n; i++)
		if (vmcs_read(v, tgt[i]) == val)
			return true;
	return false;
}

/*
 * SDM 26.3 (MOV to CR0 / MOV to CR4 that do not exit) with 24.8: the
 * value written, host-owned bits already put back, must respect the VMX
 * fixed bits (IA32_VMX_CR0/CR4_FIXED0/1) or the instruction is #GP(0).
 * With "unrestricted guest" the CR0.PE and CR0.PG rows are lifted (SDM
 * 26.3, 26.6); PE=0 with PG=1 stays a #GP, the engine's own check.
 */
static bool guest_cr_fixed_ok(const struct vmx_vcpu *v, unsigned cr,
			      uint64_t val)
{
	if (cr == 4)
		return vmx_cr4_ok(&v->caps, val);
	if (vmx_proc2(v) & CPU2_UNRESTRICTED_GUEST)
		val |= CR0_PE | CR0_PG;
	return vmx_cr0_ok(&v->caps, val);
}

static enum icpt_result nr_mov_cr0_cr4(struct vmx_vcpu *v,
				       struct x86_intercept_ctx *ctx,
				       struct x86_intercept *ic)
{
	struct cpu_state *s = ctx->cpu;
	unsigned cr = ic->u.cr.cr;
	uint64_t mask, shadow, cur = cr == 0 ? s->cr0 : s->cr4;

	cr_mask_shadow(v, cr, &mask, &shadow);
	if (!ic->u.cr.write) {
		write_gpr(s, ic->u.cr.gpr, (cur & ~mask) | (shadow & mask));
		return ICPT_EMULATED;
	}
	if ((ic->u.cr.value ^ shadow) & mask)
		return do_exit(v, ctx, EXIT_REASON_CR_ACCESS, exit_qual_cr(ic),
			       ic);
	/* Host-owned bits keep their value (SDM 26.3). */
	ic->u.cr.value = (ic->u.cr.value & ~mask) | (cur & mask);
	if (!guest_cr_fixed_ok(v, cr, ic->u.cr.value))
		return vmx_gp0(s);
	return ICPT_CONTINUE;
}

static enum icpt_result nr_mov_cr(struct vmx_vcpu *v,
				  struct x86_intercept_ctx *ctx,
				  struct x86_intercept *ic)
{
	uint32_t proc = vmx_proc(v);
	bool w = ic->u.cr.write;
	bool ex;

	switch (ic->u.cr.cr) {
	case 0:
	case 4:
		return nr_mov_cr0_cr4(v, ctx, ic);
	case 3:
		ex = w ? (proc & CPU_CR3_LOAD_EXITING) &&
			 !cr3_is_target(v, ic->u.cr.value) :
			 (proc & CPU_CR3_STORE_EXITING);
		break;
	case 8:
		/* CR8-load/-store exiting win over the TPR shadow (26.3). */
		ex = proc & (w ? CPU_CR8_LOAD_EXITING : CPU_CR8_STORE_EXITING);
		if (!ex && (proc & CPU_USE_TPR_SHADOW))
			return vmx_tpr_mov_cr8(v, ctx, ic);
		break;
	default:
		ex = false;
		break;
	}
	if (ex)
		return do_exit(v, ctx, EXIT_REASON_CR_ACCESS, exit_qual_cr(ic),
			       ic);
	return ICPT_CONTINUE;
}

static enum icpt_result nr_clts(struct vmx_vcpu *v,
				struct x86_intercept_ctx *ctx,
				struct x86_intercept *ic)
{
	uint64_t mask, shadow;

	cr_mask_shadow(v, 0, &mask, &shadow);
	if (!(mask & CR0_TS))
		return ICPT_CONTINUE;
	if (shadow & CR0_TS)
		return do_exit(v, ctx, EXIT_REASON_CR_ACCESS, exit_qual_cr(ic),
			       ic);
	return ICPT_EMULATED;   /* TS is host-owned: CLTS leaves it alone */
}

static enum icpt_result nr_lmsw(struct vmx_vcpu *v,
				struct x86_intercept_ctx *ctx,
				struct x86_intercept *ic)
{
	uint64_t mask, shadow, src = ic->u.lmsw.source;
	bool ex;

	cr_mask_shadow(v, 0, &mask, &shadow);
	ex = ((mask & CR0_PE) && !(shadow & CR0_PE) && (src & CR0_PE)) ||
	     ((mask & 0xe) & (src ^ shadow));
	if (ex) {
		struct vmx_exit_info ei = {
			.reason = EXIT_REASON_CR_ACCESS,
			.qualification = exit_qual_cr(ic),
			.ic = ic,
		};

		if (ic->u.lmsw.op.is_mem) {
			ei.gla = operand_linear(ctx->cpu, &ic->u.lmsw.op);
			ei.has_gla = true;
		}
		return vmx_vmexit_full(v, ctx, &ei);
	}
	mask &= 0xf;
	ic->u.lmsw.source = (uint16_t)((src & ~mask) | (ctx->cpu->cr0 & mask));
	return ICPT_CONTINUE;
}

/* ---- exceptions and NMIs (SDM 26.2) ---------------------------------- */

static bool exception_exits(struct vmx_vcpu *v, const struct x86_intercept *ic)
{
	uint32_t bitmap = (uint32_t)vmcs_read(v, VMCS_EXCEPTION_BITMAP);
	uint8_t vec = ic->u.exc.vector;

	if (vec > 31 || !((bitmap >> vec) & 1)) {
		if (vec != 14)
			return false;
	}
	if (vec == 14) {
		uint32_t mask = (uint32_t)vmcs_read(v,
					VMCS_PAGE_FAULT_ERROR_CODE_MASK);
		uint32_t match = (uint32_t)vmcs_read(v,
					VMCS_PAGE_FAULT_ERROR_CODE_MATCH);
		bool eq = (ic->u.exc.error_code & mask) == match;

		return ((bitmap >> 14) & 1) ? eq : !eq;
	}
	return true;
}

static enum icpt_result exception_decide(struct vmx_vcpu *v,
					 struct x86_intercept_ctx *ctx,
					 struct x86_intercept *ic)
{
	uint32_t pin = vmx_pin(v);
	uint8_t type = ic->u.exc.type;
	struct vmx_exit_info ei = {
		.reason = EXIT_REASON_EXCEPTION_NMI,
		.intr_info = intr_info(type, ic->u.exc.vector,
				       ic->u.exc.has_error_code),
		.intr_error = ic->u.exc.error_code,
		.ic = ic,
	};

	switch (type) {
	case EVT_EXT_INTR:
		if (!(pin & PIN_EXT_INTR_EXITING))
			return ICPT_CONTINUE;
		ei.reason = EXIT_REASON_EXTERNAL_INTERRUPT;
		if (!(vmx_exit_ctls(v) & EXIT_CTL_ACK_INTR_ON_EXIT))
			ei.intr_info = 0;
		ei.ic = NULL;
		return vmx_vmexit_full(v, ctx, &ei);
	case EVT_NMI:
		if (!(pin & PIN_NMI_EXITING))
			return ICPT_CONTINUE;
		ei.nmi_exit = !(pin & PIN_VIRTUAL_NMIS);
		ei.ic = NULL;
		return vmx_vmexit_full(v, ctx, &ei);
	case EVT_SW_INTR:
		return ICPT_CONTINUE;   /* INT n never consults the bitmap */
	default:
		break;
	}
	if (!exception_exits(v, ic))
		return ICPT_CONTINUE;
	/* #PF: the faulting address; #DB: the DR6-style bits (Table 28-1).
	 * Neither CR2 nor DR6 is written (SDM 26.2). */
	if (ic->u.exc.vector == 14)
		ei.qualification = ic->u.exc.qualification;
	else if (ic->u.exc.vector == 1)
		ei.qualification = vmx_db_exit_qualification(ctx->cpu,
						ic->u.exc.qualification);
	if (type == EVT_HW_EXCEPTION)
		ei.ic = NULL;           /* no instruction length */
	/* SDM 28.3.3: RF is saved as the event's RFLAGS image would have
	 * it, set for a fault (the interpreter's rule in except.c). */
	if (type == EVT_HW_EXCEPTION && ic->u.exc.vector != 1 &&
	    ic->u.exc.vector != 3 && ic->u.exc.vector != 4)
		ctx->cpu->rflags |= RFLAGS_RF;
	return vmx_vmexit_full(v, ctx, &ei);
}

static enum icpt_result nr_exception(struct vmx_vcpu *v,
				     struct x86_intercept_ctx *ctx,
				     struct x86_intercept *ic)
{
	enum icpt_result r;

	/* The debug trap of a MOV to CR8 loses to its TPR exit (tpr.c). */
	if (v->tpr_exit_pending && ic->u.exc.type == EVT_HW_EXCEPTION &&
	    ic->u.exc.vector == 1)
		return vmx_tpr_exit_over_debug_trap(v, ctx);
	if (vmx_mtf_wins_over(v, ctx->cpu, ic))
		return vmx_mtf_exit_over_debug_trap(v, ctx,
						    ic->u.exc.qualification);
	r = exception_decide(v, ctx, ic);
	if (r == ICPT_CONTINUE)
		vmx_event_delivery(v);
	return r;
}

/* ---- the rest --------------------------------------------------------- */

static enum icpt_result nr_invlpg(struct vmx_vcpu *v,
				  struct x86_intercept_ctx *ctx,
				  struct x86_intercept *ic)
{
	if (!(vmx_proc(v) & CPU_INVLPG_EXITING))
		return ICPT_CONTINUE;
	return do_exit(v, ctx, EXIT_REASON_INVLPG, ic->u.invlpg.linear, ic);
}

static enum icpt_result nr_invpcid(struct vmx_vcpu *v,
				   struct x86_intercept_ctx *ctx,
				   struct x86_intercept *ic)
{
	/* SDM 26.3 (INVPCID): "enable INVPCID" clear is #UD, before any
	 * other exception; the #GP for CPL > 0 comes before the exit. */
	if (!(vmx_proc2(v) & CPU2_ENABLE_INVPCID))
		return vmx_ud(ctx->cpu);
	if (!(vmx_proc(v) & CPU_INVLPG_EXITING) || cpu_cpl(ctx->cpu) > 0)
		return ICPT_CONTINUE;
	return do_exit(v, ctx, EXIT_REASON_INVPCID,
		       exit_qual_displacement(&ic->u.vmx.op), ic);
}

/*
 * SDM 26.3 (XRSTORS, XSAVES): "enable XSAVES/XRSTORS" clear -> #UD; set ->
 * a VM exit when EDX:EAX AND IA32_XSS AND the XSS-exiting bitmap is not 0,
 * with the displacement as qualification (Table 28-1).  vmxbox's IA32_XSS
 * only holds 0, so a guest never gets that exit.
 */
static enum icpt_result nr_xsaves(struct vmx_vcpu *v,
				  struct x86_intercept_ctx *ctx,
				  struct x86_intercept *ic)
{
	uint64_t hit;

	if (!(vmx_proc2(v) & CPU2_ENABLE_XSAVES))
		return vmx_ud(ctx->cpu);
	hit = ic->u.xss.mask & ctx->cpu->msr.xss &
	      vmcs_read(v, VMCS_XSS_EXIT_BITMAP);
	if (!hit)
		return ICPT_CONTINUE;
	return do_exit(v, ctx, ic->u.xss.restore ? EXIT_REASON_XRSTORS :
		       EXIT_REASON_XSAVES, exit_qual_displacement(&ic->u.xss.op),
		       ic);
}

static enum icpt_result nr_dr(struct vmx_vcpu *v, struct x86_intercept_ctx *ctx,
			      struct x86_intercept *ic)
{
	if (!(vmx_proc(v) & CPU_MOV_DR_EXITING))
		return ICPT_CONTINUE;
	return do_exit(v, ctx, EXIT_REASON_DR_ACCESS, exit_qual_dr(ic), ic);
}

static enum icpt_result nr_desc(struct vmx_vcpu *v,
				struct x86_intercept_ctx *ctx,
				struct x86_intercept *ic)
{
	if (!(vmx_proc2(v) & CPU2_DESC_TABLE_EXITING))
		return ICPT_CONTINUE;
	return do_exit(v, ctx, ic->u.desc.which <= DESC_LIDT ?
		       EXIT_REASON_GDTR_IDTR : EXIT_REASON_LDTR_TR,
		       exit_qual_displacement(&ic->u.desc.op), ic);
}

static enum icpt_result nr_vmx_insn(struct vmx_vcpu *v,
				    struct x86_intercept_ctx *ctx,
				    struct x86_intercept *ic)
{
	unsigned w = ic->u.vmx.which;

	if (w >= sizeof(vmx_insn_reason))
		return vmx_ud(ctx->cpu);
	return do_exit(v, ctx, vmx_insn_reason[w],
		       exit_qual_displacement(&ic->u.vmx.op), ic);
}

typedef enum icpt_result (*nr_handler)(struct vmx_vcpu *v,
				       struct x86_intercept_ctx *ctx,
				       struct x86_intercept *ic);

static const nr_handler handlers[ICPT_KIND_COUNT] = {
	[ICPT_RDTSC] = nr_rdtsc,
	[ICPT_RDTSCP] = nr_rdtsc,
	[ICPT_RDPID] = nr_rdpid,
	[ICPT_MWAIT] = nr_mwait,
	[ICPT_RDMSR] = nr_msr,
	[ICPT_WRMSR] = nr_msr,
	[ICPT_MOV_CR] = nr_mov_cr,
	[ICPT_CLTS] = nr_clts,
	[ICPT_LMSW] = nr_lmsw,
	[ICPT_MOV_DR] = nr_dr,
	[ICPT_IO] = nr_io,
	[ICPT_INVLPG] = nr_invlpg,
	[ICPT_INVPCID] = nr_invpcid,
	[ICPT_DESC_TABLE] = nr_desc,
	[ICPT_VMX_INSN] = nr_vmx_insn,
	[ICPT_EXCEPTION] = nr_exception,
	[ICPT_IRET] = vmx_nr_iret,
	[ICPT_TASK_SWITCH] = vmx_nr_task_switch,
	[ICPT_PAUSE] = vmx_nr_pause,
	[ICPT_XSAVES] = nr_xsaves,
};

enum icpt_result vmx_nonroot_intercept(struct vmx_vcpu *v,
				       struct x86_intercept_ctx *ctx,
				       struct x86_intercept *ic)
{
	const struct simple_rule *r;

	if (ic->kind >= ICPT_KIND_COUNT)
		return ICPT_CONTINUE;
	if (handlers[ic->kind])
		return handlers[ic->kind](v, ctx, ic);
	r = &simple_rules[ic->kind];
	if (!r->reason)
		return ICPT_CONTINUE;
	if (r->word != CW_NONE && !(word_of(v, r->word) & r->bit))
		return ICPT_CONTINUE;
	return do_exit(v, ctx, r->reason, 0, ic);
}
