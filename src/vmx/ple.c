// SPDX-License-Identifier: MIT
/*
 * PAUSE in VMX non-root operation (SDM 26.1.3, 25.6.13): "PAUSE exiting"
 * and "PAUSE-loop exiting".
 *
 * PAUSE-loop exiting watches PAUSEs at CPL 0 only.  A PAUSE more than
 * PLE_Gap TSC cycles after the previous one (or the first since VM entry)
 * starts a loop; a PAUSE more than PLE_Window cycles after the first one
 * of its loop exits.  "Time" is the deterministic TSC (one tick per
 * instruction, docs/platform.md), so the exit point is reproducible.
 */
#include "vmx/nonroot.h"

/* SDM 26.1.3: "PAUSE exiting" wins at any CPL; PAUSE-loop exiting is
 * ignored at CPL > 0 and when "PAUSE exiting" is 1. */
enum icpt_result vmx_nr_pause(struct vmx_vcpu *v,
			      struct x86_intercept_ctx *ctx,
			      struct x86_intercept *ic)
{
	uint64_t now = ctx->cpu->tsc;
	uint32_t gap, window;

	if (vmx_proc(v) & CPU_PAUSE_EXITING)
		return vmx_vmexit(v, ctx, EXIT_REASON_PAUSE_INSTRUCTION, 0, ic);
	if (!(vmx_proc2(v) & CPU2_PAUSE_LOOP_EXITING) || cpu_cpl(ctx->cpu) > 0)
		return ICPT_CONTINUE;
	gap = (uint32_t)vmcs_read(v, VMCS_PLE_GAP);
	window = (uint32_t)vmcs_read(v, VMCS_PLE_WINDOW);
	if (!v->ple_seen || now - v->ple_last > gap)
		v->ple_first = now;      /* the first PAUSE of a loop */
	v->ple_last = now;
	v->ple_seen = true;
	if (now - v->ple_first > window)
		return vmx_vmexit(v, ctx, EXIT_REASON_PAUSE_INSTRUCTION, 0, ic);
	return ICPT_CONTINUE;
}
