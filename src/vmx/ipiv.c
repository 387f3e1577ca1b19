// SPDX-License-Identifier: MIT
/*
 * IPI virtualization (tertiary processor-based control 4, SDM Vol. 3C
 * 30.1.6): a virtualized write of L2 to the ICR - the APIC-write
 * emulation of offset 300H on the APIC-access page (30.4.3.2) or WRMSR
 * 830H with "virtualize x2APIC mode" (30.5) - that asks for a fixed,
 * edge-triggered, physical-destination IPI without shorthand is not sent:
 * the destination indexes the PID-pointer table, and the vector is posted
 * in the posted-interrupt descriptor its entry points to.
 *
 *   IF dest > last PID-pointer index: APIC-write VM exit (300H)
 *   PID_ADDR := 8 bytes at PID-pointer table address + dest * 8
 *   IF PID_ADDR[5:0] != 000001B (valid, 64-byte aligned) or PID_ADDR is
 *      beyond the physical-address width: APIC-write VM exit (300H)
 *   PIR[vector] := 1
 *   IF ON = 0 and SN = 0: ON := 1 and the logical processor sends the
 *      notification, an ordinary IPI through its own local APIC: vector
 *      NV to NDST (bits 15:8 in xAPIC mode, 31:0 in x2APIC mode).
 *
 * The notification is what makes the target see it: a vCPU whose L2
 * processes posted interrupts with that notification vector moves PIR
 * into VIRR without a VM exit (posted.c); anywhere else it is a plain
 * interrupt of L1.  All vCPUs run on one thread (docs/smp.md), so the
 * descriptor update is atomic with respect to the other vCPUs.
 */
#include "vmx/nonroot.h"

/* Posted-interrupt descriptor (SDM 30.6, Table 30-1). */
#define PID_ON_SN	32u     /* byte: ON bit 0 (bit 256), SN bit 1 */
#define PID_NV		34u     /* notification vector, bits 279:272 */
#define PID_NDST	36u     /* notification destination, 319:288 */
#define PID_ON		0x1u
#define PID_SN		0x2u

#define VAPIC_ICR_LO	0x300u

/* A PID-pointer table entry: bit 0 valid, bits 5:1 0 (the descriptor is
 * 64-byte aligned). */
#define PID_PTR_VALID	0x1ull
#define PID_PTR_LOW	0x3full

/*
 * SDM 30.4.3.2 (xAPIC) and 30.5 (x2APIC): the ICR value asks for what IPI
 * virtualization handles - reserved bits 31:20, 17:16, 13 and delivery
 * status (12) clear, no shorthand (19:18 = 00B), edge (15 = 0), physical
 * destination (11 = 0), fixed delivery (10:8 = 000B).
 */
bool vmx_ipiv_icr_ok(uint32_t icr_lo)
{
	return !(icr_lo & 0xffffbf00u);
}

/* Send the notification of the descriptor at pid through this
 * processor's local APIC (absent: nothing is sent). */
static void notify(struct x86_intercept_ctx *ctx, uint64_t pid)
{
	const struct cpu_intc *ic = ctx->intc;
	uint8_t nv = 0;
	uint32_t ndst = 0;

	gmem_read_u8(ctx->mem, pid + PID_NV, &nv);
	gmem_read_u32(ctx->mem, pid + PID_NDST, &ndst);
	if (ic && ic->ops && ic->ops->send_notification)
		ic->ops->send_notification(ic->opaque, ndst, nv);
}

/*
 * IPI virtualization of vector vec to (virtual) APIC ID dest; a PID
 * pointer the table does not provide ends in the trap-like APIC-write
 * exit with qualification 300H.  The table and the descriptors are
 * physical addresses of L1 (never translated by EPT); outside guest RAM
 * the entry reads as 0 (not valid) and descriptor writes are dropped.
 */
void vmx_ipi_virtualize(struct vmx_vcpu *v, struct x86_intercept_ctx *ctx,
			unsigned vec, uint32_t dest)
{
	uint64_t ptr = 0, pid;
	uint8_t pir = 0, on_sn = 0;

	if (dest > vmcs_read(v, VMCS_LAST_PID_POINTER_INDEX) ||
	    !gmem_read_u64(ctx->mem, vmcs_read(v, VMCS_PID_POINTER_TABLE) +
			   (uint64_t)dest * 8, &ptr) ||
	    (ptr & PID_PTR_LOW) != PID_PTR_VALID || !vmx_pa_ok(&v->caps, ptr)) {
		vmx_apic_write_exit(v, ctx, VAPIC_ICR_LO);
		return;
	}
	pid = ptr & ~PID_PTR_LOW;
	gmem_read_u8(ctx->mem, pid + vec / 8, &pir);
	gmem_write_u8(ctx->mem, pid + vec / 8, pir | (uint8_t)(1u << (vec % 8)));
	gmem_read_u8(ctx->mem, pid + PID_ON_SN, &on_sn);
	if (on_sn & (PID_ON | PID_SN))
		return;
	gmem_write_u8(ctx->mem, pid + PID_ON_SN, on_sn | PID_ON);
	notify(ctx, pid);
}
