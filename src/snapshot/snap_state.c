// SPDX-License-Identifier: MIT
/*
 * The machine's parts <-> snapshot sections: the VMX core's struct
 * vmx_vcpu and the devices.  Each part saves what it needs to continue
 * exactly; anything derived (capabilities from the CPU model, decoded
 * caches) is rebuilt instead.
 */
#include "snapshot/snap_internal.h"

#include <stdio.h>
#include <string.h>

#include "devices/debug_exit.h"
#include "devices/uart16550.h"
#include "vmx/vmx.h"

/* ---- VMX ---------------------------------------------------------------- */

static void put_bool(struct snap_kvset *x, const char *k, bool b)
{
	snap_kv_set_u64(x, k, b);
}

void snap_vmx_capture(struct snap_vmx *out, struct vmx_vcpu *v,
		      struct guest_mem *gm)
{
	char key[SNAP_NAME_MAX];

	snap_kvset_clear(&out->extra);
	memset(out, 0, sizeof(*out));
	/* The region in guest memory must match the cache (SDM 24.11.1:
	 * VMCS data may be cached; ours is written back here). */
	vmx_flush_current(v, gm);
	out->present = true;
	out->vmxon = v->vmxon;
	out->non_root = v->nonroot;
	out->vmxon_ptr = v->vmxon ? v->vmxon_ptr : 0;
	out->current_vmcs = v->current_vmcs;

	/* Regions sorted by address; their slots kept in extra, because the
	 * round-robin replacement depends on them. */
	for (unsigned k = 0; k < VMX_MAX_REGIONS; k++) {
		int best = -1;

		for (int i = 0; i < VMX_MAX_REGIONS; i++) {
			uint64_t g = v->regions[i].gpa;

			if (g == VMCS_PTR_NONE ||
			    (out->n_regions && g <= out->regions[out->n_regions - 1].addr))
				continue;
			if (best < 0 || g < v->regions[best].gpa)
				best = i;
		}
		if (best < 0)
			break;
		out->regions[out->n_regions++] = (struct snap_vmcs_region){
			v->regions[best].gpa,
			v->regions[best].launched ? SNAP_VMCS_LAUNCHED : SNAP_VMCS_CLEAR,
		};
		snprintf(key, sizeof(key), "slot.%llx",
			 (unsigned long long)v->regions[best].gpa);
		snap_kv_set_u64(&out->extra, key, (unsigned)best);
		snprintf(key, sizeof(key), "entries.%llx",
			 (unsigned long long)v->regions[best].gpa);
		snap_kv_set_u64(&out->extra, key, v->regions[best].entries);
	}

	/* The cached current VMCS, every field of the table, in encoding
	 * order (the table is grouped, not sorted). */
	if (v->current_vmcs != VMCS_PTR_NONE) {
		uint32_t last = 0;

		for (unsigned k = 0; k < VMCS_FIELD_COUNT; k++) {
			int best = -1;

			for (int i = 0; i < VMCS_FIELD_COUNT; i++) {
				uint32_t e = vmcs_field_table[i].encoding;

				if ((k && e <= last))
					continue;
				if (best < 0 || e < vmcs_field_table[best].encoding)
					best = i;
			}
			struct snap_vmcs_field *f = &out->fields[out->n_fields++];

			f->encoding = vmcs_field_table[best].encoding;
			f->value = v->vmcs[best];
			snprintf(f->name, sizeof(f->name), "%s",
				 vmcs_field_table[best].name);
			last = f->encoding;
		}
	}

	snap_kv_set_u64(&out->extra, "region_victim", v->region_victim);
	snap_kv_set_u64(&out->extra, "executive_vmcs_ptr", v->executive_vmcs_ptr);
	snap_kv_set_u64(&out->extra, "smm_transfer_vmcs_ptr", v->smm_transfer_vmcs_ptr);
	snap_kv_set_u64(&out->extra, "preempt_deadline", v->preempt_deadline);
	snap_kv_set_u64(&out->extra, "mtf_insn_count", v->mtf_insn_count);
	put_bool(&out->extra, "preempt_armed", v->preempt_armed);
	put_bool(&out->extra, "mtf_pending", v->mtf_pending);
	put_bool(&out->extra, "vnmi_blocked", v->vnmi_blocked);
	put_bool(&out->extra, "tpr_exit_pending", v->tpr_exit_pending);
	put_bool(&out->extra, "iret_unblocked_nmi", v->iret_unblocked_nmi);
	snap_kv_set_u64(&out->extra, "iret_insn_count", v->iret_insn_count);
	snap_kv_set_u64(&out->extra, "last_exit_reason", v->last_exit_reason);
	snap_kv_set_u64(&out->extra, "exit_count", v->exit_count);
}

static bool get_u64(const struct snap_kvset *x, const char *k, uint64_t *v,
		    uint64_t dflt)
{
	const struct snap_kv *kv = snap_kv_find(x, k);

	*v = dflt;
	if (!kv)
		return true;
	if (kv->kind != SNAP_VAL_UINT)
		return false;
	*v = kv->u;
	return true;
}

static int extra_fail(char *err, size_t errlen, const char *k)
{
	snprintf(err, errlen, "vmx.extra.%s: invalid value", k);
	return -1;
}

int snap_vmx_restore(struct vmx_vcpu *v, const struct snap_vmx *in,
		     char *err, size_t errlen)
{
	char key[SNAP_NAME_MAX];
	uint64_t x;
	bool used[VMX_MAX_REGIONS] = { false };

	vmx_vcpu_reset(v);
	if (!in->present)
		return 0;
	if (in->n_regions > VMX_MAX_REGIONS) {
		snprintf(err, errlen, "vmx: %u VMCS regions, this vmxbox keeps %d",
			 in->n_regions, VMX_MAX_REGIONS);
		return -1;
	}
	v->vmxon = in->vmxon;
	v->nonroot = in->non_root;
	v->vmxon_ptr = in->vmxon ? in->vmxon_ptr : VMCS_PTR_NONE;
	v->current_vmcs = in->current_vmcs;

	/* Regions go back to their saved slots, others to free ones. */
	for (unsigned r = 0; r < in->n_regions; r++) {
		snprintf(key, sizeof(key), "slot.%llx",
			 (unsigned long long)in->regions[r].addr);
		if (!get_u64(&in->extra, key, &x, VMX_MAX_REGIONS))
			return extra_fail(err, errlen, key);
		if (x < VMX_MAX_REGIONS && used[x])
			return extra_fail(err, errlen, key);
		if (x >= VMX_MAX_REGIONS)
			for (x = 0; used[x]; x++)
				;
		used[x] = true;
		v->regions[x].gpa = in->regions[r].addr;
		v->regions[x].launched = in->regions[r].launch_state == SNAP_VMCS_LAUNCHED;
		snprintf(key, sizeof(key), "entries.%llx",
			 (unsigned long long)in->regions[r].addr);
		if (!get_u64(&in->extra, key, &v->regions[x].entries, 0))
			return extra_fail(err, errlen, key);
		if (v->regions[x].gpa == v->current_vmcs)
			v->current_region = (int)x;
	}
	for (unsigned i = 0; i < in->n_fields; i++) {
		int idx = vmcs_field_index(in->fields[i].encoding, NULL);

		if (idx < 0) {
			snprintf(err, errlen, "vmx: unknown VMCS field %#x",
				 in->fields[i].encoding);
			return -1;
		}
		v->vmcs[idx] = in->fields[i].value &
			       vmcs_width_mask(vmcs_field_table[idx].width);
	}

	static const char *const u64_keys[] = {
		"executive_vmcs_ptr", "smm_transfer_vmcs_ptr", "preempt_deadline",
		"exit_count", "mtf_insn_count", "iret_insn_count",
	};
	uint64_t *const u64_dst[] = {
		&v->executive_vmcs_ptr, &v->smm_transfer_vmcs_ptr,
		&v->preempt_deadline, &v->exit_count, &v->mtf_insn_count,
		&v->iret_insn_count,
	};
	for (unsigned i = 0; i < sizeof(u64_dst) / sizeof(u64_dst[0]); i++)
		if (!get_u64(&in->extra, u64_keys[i], u64_dst[i], *u64_dst[i]))
			return extra_fail(err, errlen, u64_keys[i]);

	static const char *const bool_keys[] = {
		"preempt_armed", "mtf_pending", "vnmi_blocked",
		"tpr_exit_pending", "iret_unblocked_nmi",
	};
	bool *const bool_dst[] = {
		&v->preempt_armed, &v->mtf_pending, &v->vnmi_blocked,
		&v->tpr_exit_pending, &v->iret_unblocked_nmi,
	};
	for (unsigned i = 0; i < sizeof(bool_dst) / sizeof(bool_dst[0]); i++) {
		if (!get_u64(&in->extra, bool_keys[i], &x, 0) || x > 1)
			return extra_fail(err, errlen, bool_keys[i]);
		*bool_dst[i] = x;
	}
	if (!get_u64(&in->extra, "region_victim", &x, 0) || x > UINT32_MAX)
		return extra_fail(err, errlen, "region_victim");
	v->region_victim = (unsigned)x;
	if (!get_u64(&in->extra, "last_exit_reason", &x, 0) || x > UINT32_MAX)
		return extra_fail(err, errlen, "last_exit_reason");
	v->last_exit_reason = (uint32_t)x;
	return 0;
}

/* ---- devices ------------------------------------------------------------ */

#define UART_REGS(X) X(ier) X(lcr) X(mcr) X(scr) X(fcr) X(dll) X(dlm)

bool snap_uart_save(struct snapshot_machine *s, const struct uart16550 *u)
{
	struct snap_device *d = snap_device_add(s, "uart0");
	bool ok = d != NULL;

	if (!ok)
		return false;
#define SAVE(r) ok &= snap_kv_set_u64(&d->st, #r, u->r);
	UART_REGS(SAVE)
#undef SAVE
	/* Output before the snapshot point belongs to the run that took it:
	 * the caller flushes the UART first, so no pending bytes are kept. */
	ok &= snap_kv_set_u64(&d->st, "bytes_out", u->bytes_out);
	return ok;
}

static int dev_fail(char *err, size_t errlen, const char *dev, const char *k)
{
	snprintf(err, errlen, "devices.%s.%s: missing or invalid", dev, k);
	return -1;
}

int snap_uart_load(const struct snapshot_machine *s, struct uart16550 *u,
		   char *err, size_t errlen)
{
	const struct snap_device *d = snap_device_find(s, "uart0");
	uint64_t v;

	if (!d) {
		snprintf(err, errlen, "devices: no uart0");
		return -1;
	}
#define LOAD(r) \
	if (!snap_kv_get_u64(&d->st, #r, &v) || v > 0xff) \
		return dev_fail(err, errlen, "uart0", #r); \
	u->r = (uint8_t)v;
	UART_REGS(LOAD)
#undef LOAD
	if (!snap_kv_get_u64(&d->st, "bytes_out", &v))
		return dev_fail(err, errlen, "uart0", "bytes_out");
	u->bytes_out = v;
	u->buf_len = 0;
	return 0;
}

bool snap_debug_exit_save(struct snapshot_machine *s, const struct debug_exit *d)
{
	struct snap_device *sd = snap_device_add(s, "debug_exit");

	return sd && snap_kv_set_u64(&sd->st, "mode", d->mode) &&
	       snap_kv_set_u64(&sd->st, "fired", d->fired) &&
	       snap_kv_set_u64(&sd->st, "value", d->value);
}

int snap_debug_exit_load(const struct snapshot_machine *s, struct debug_exit *d,
			 char *err, size_t errlen)
{
	const struct snap_device *sd = snap_device_find(s, "debug_exit");
	uint64_t mode, fired, value;

	if (!sd) {
		snprintf(err, errlen, "devices: no debug_exit");
		return -1;
	}
	if (!snap_kv_get_u64(&sd->st, "mode", &mode) || mode > DEBUG_EXIT_QEMU)
		return dev_fail(err, errlen, "debug_exit", "mode");
	if (!snap_kv_get_u64(&sd->st, "fired", &fired) || fired > 1)
		return dev_fail(err, errlen, "debug_exit", "fired");
	if (!snap_kv_get_u64(&sd->st, "value", &value))
		return dev_fail(err, errlen, "debug_exit", "value");
	d->mode = (enum debug_exit_mode)mode;
	d->fired = fired;
	d->value = value;
	d->status = debug_exit_status(d->mode, value);
	return 0;
}
