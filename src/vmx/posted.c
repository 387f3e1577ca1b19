// SPDX-License-Identifier: MIT
/*
 * Posted-interrupt processing (SDM Vol. 3C 30.6): with "process posted
 * interrupts" (pin-based control 7), an external interrupt that would
 * cause a VM exit is acknowledged first; if its vector is the
 * posted-interrupt notification vector, the processor dismisses it and
 * moves the posted-interrupt requests (PIR) of the descriptor into VIRR
 * instead of exiting.
 *
 * The posted-interrupt descriptor (30.6, Table 30-1) is 64 bytes at a
 * physical address of L1 (never translated by EPT): PIR in bits 255:0,
 * the outstanding-notification bit ON at bit 256.  The VM-entry checks
 * (27.2.1.1, entry_checks.c) guarantee virtual-interrupt delivery,
 * acknowledge interrupt on exit, notification vector bits 15:8 = 0 and a
 * 64-byte aligned descriptor address.
 */
#include "vmx/nonroot.h"

#include <string.h>

#define PID_PIR		0u      /* 32 bytes of requests */
#define PID_ON_BYTE	32u     /* bit 256: outstanding notification */

static uint64_t pid_addr(const struct vmx_vcpu *v)
{
	return vmcs_read(v, VMCS_POSTED_INTR_DESC_ADDR);
}

/*
 * SDM 30.6 steps 3-6 for the notification vector: clear ON, write 0 to
 * the local APIC's EOI register (the notification leaves its ISR), OR PIR
 * into VIRR and clear PIR, RVI := max(RVI, highest PIR bit) when PIR had
 * any bit, then evaluate pending virtual interrupts.  A descriptor outside
 * guest RAM reads as zeros here (nothing posted) and writes to it are
 * dropped.
 */
static void process(struct vmx_vcpu *v, struct x86_intercept_ctx *ctx)
{
	struct guest_mem *m = ctx->mem;
	uint64_t pid = pid_addr(v);
	uint32_t pir[8] = { 0 };
	uint8_t on = 0;
	int high = -1;

	if (gmem_read_u8(m, pid + PID_ON_BYTE, &on))
		gmem_write_u8(m, pid + PID_ON_BYTE, on & ~1u);
	if (ctx->intc && ctx->intc->ops && ctx->intc->ops->eoi)
		ctx->intc->ops->eoi(ctx->intc->opaque);
	if (!gmem_read(m, pid + PID_PIR, pir, sizeof(pir)))
		memset(pir, 0, sizeof(pir));
	else
		gmem_fill(m, pid + PID_PIR, 0, sizeof(pir));
	for (unsigned r = 0; r < 8; r++) {
		if (!pir[r])
			continue;
		vmx_vapic_or_virr(v, m, r, pir[r]);
		high = (int)(r * 32 + 31 - (unsigned)__builtin_clz(pir[r]));
	}
	if (high >= 0)
		vmx_vapic_raise_rvi(v, (unsigned)high);
	vmx_vintr_evaluate(v, ctx);
}

/*
 * An external interrupt recognized in non-root operation with external-
 * interrupt exiting, already acknowledged (vector vec): true when it was
 * the notification vector and has been processed (no VM exit), false when
 * it exits as usual (28.2.2: the vector in the exit interruption info).
 */
bool vmx_posted_intr(struct vmx_vcpu *v, struct x86_intercept_ctx *ctx,
		     int vec)
{
	if (!(vmx_pin(v) & PIN_POSTED_INTR) ||
	    vec != (int)(vmcs_read(v, VMCS_POSTED_INTR_NV) & 0xffu))
		return false;
	process(v, ctx);
	return true;
}
