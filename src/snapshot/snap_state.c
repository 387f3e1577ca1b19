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
#include "vmx/vmx_api.h"

/* ---- VMX ----------------------------------------------------------------
 * The VMX core exports a plain struct vmx_state (vmx/vmx_api.h); here it
 * only becomes the snapshot's "vmx" section and back.  Region slots and
 * entry counts go into "extra" as slot.ADDR / entries.ADDR, the core's
 * scalars under their own names.
 */

/* Field-table indexes in encoding order (the table is grouped, not sorted). */
static void fields_by_encoding(unsigned idx[VMCS_FIELD_COUNT])
{
	for (unsigned i = 0; i < VMCS_FIELD_COUNT; i++)
		idx[i] = i;
	for (unsigned i = 1; i < VMCS_FIELD_COUNT; i++)
		for (unsigned j = i; j && vmcs_field_table[idx[j - 1]].encoding >
					  vmcs_field_table[idx[j]].encoding; j--) {
			unsigned t = idx[j];

			idx[j] = idx[j - 1];
			idx[j - 1] = t;
		}
}

/* Bit i: regions[i] (in address order) is active on the vCPU. */
#define ACTIVE_KEY "active_regions"

static void region_key(char *key, size_t len, const char *what, uint64_t gpa)
{
	snprintf(key, len, "%s.%llx", what, (unsigned long long)gpa);
}

void snap_vmx_capture(struct snap_vmx *out, struct vmx_vcpu *v,
		      struct guest_mem *gm)
{
	static struct vmx_state st;   /* vCPU stopped: one capture at a time */
	unsigned idx[VMCS_FIELD_COUNT];
	char key[SNAP_NAME_MAX];
	uint64_t active = 0;

	vmx_state_export(v, gm, &st);   /* gm NULL: no write-back */
	memset(out, 0, sizeof(*out));
	out->present = true;
	out->vmxon = st.vmxon;
	out->non_root = st.non_root;
	out->vmxon_ptr = st.vmxon ? st.vmxon_ptr : 0;
	out->current_vmcs = st.current_vmcs;
	for (unsigned r = 0; r < st.n_regions; r++) {
		if (st.regions[r].active)
			active |= 1ull << r;
		out->regions[out->n_regions++] = (struct snap_vmcs_region){
			st.regions[r].gpa,
			st.regions[r].launched ? SNAP_VMCS_LAUNCHED : SNAP_VMCS_CLEAR,
		};
		region_key(key, sizeof(key), "slot", st.regions[r].gpa);
		snap_kv_set_u64(&out->extra, key, st.regions[r].slot);
		region_key(key, sizeof(key), "entries", st.regions[r].gpa);
		snap_kv_set_u64(&out->extra, key, st.regions[r].entries);
	}
	if (st.n_regions)
		snap_kv_set_u64(&out->extra, ACTIVE_KEY, active);
	if (st.current_vmcs != VMCS_PTR_NONE) {
		fields_by_encoding(idx);
		for (unsigned k = 0; k < VMCS_FIELD_COUNT; k++) {
			struct snap_vmcs_field *f = &out->fields[out->n_fields++];

			f->encoding = vmcs_field_table[idx[k]].encoding;
			f->value = st.vmcs[idx[k]];
			snprintf(f->name, sizeof(f->name), "%s",
				 vmcs_field_table[idx[k]].name);
		}
	}
	for (unsigned i = 0; i < st.n_scalars; i++)
		snap_kv_set_u64(&out->extra, st.scalars[i].name, st.scalars[i].value);
}

static bool is_region_key(const char *k)
{
	return !strncmp(k, "slot.", 5) || !strncmp(k, "entries.", 8) ||
	       !strcmp(k, ACTIVE_KEY);
}

/* Which regions are active on the vCPU (SDM 25.1).  Snapshots older than
 * the flag: the current VMCS, made active by its VMPTRLD; with one vCPU
 * memory holds the launch state of the others (written back when they
 * stopped being current), which is all the flag decides (vmcs_load()). */
static int active_from_extra(struct vmx_state *st, const struct snap_kvset *x)
{
	uint64_t mask = 0;

	if (!snap_kv_find(x, ACTIVE_KEY)) {
		for (unsigned r = 0; r < st->n_regions; r++)
			st->regions[r].active = st->regions[r].gpa == st->current_vmcs;
		return 0;
	}
	if (!snap_kv_get_u64(x, ACTIVE_KEY, &mask) ||
	    (st->n_regions < 64 && mask >> st->n_regions))
		return -1;
	for (unsigned r = 0; r < st->n_regions; r++)
		st->regions[r].active = mask >> r & 1;
	return 0;
}

static int from_extra(struct vmx_state *st, const struct snap_kvset *x,
		      char *err, size_t errlen)
{
	char key[SNAP_NAME_MAX];

	for (unsigned r = 0; r < st->n_regions; r++) {
		uint64_t slot = VMX_MAX_REGIONS, entries = 0;

		region_key(key, sizeof(key), "slot", st->regions[r].gpa);
		if (snap_kv_find(x, key) && !snap_kv_get_u64(x, key, &slot))
			goto bad;
		region_key(key, sizeof(key), "entries", st->regions[r].gpa);
		if (snap_kv_find(x, key) && !snap_kv_get_u64(x, key, &entries))
			goto bad;
		st->regions[r].slot = slot > VMX_MAX_REGIONS ? VMX_MAX_REGIONS
							     : (unsigned)slot;
		st->regions[r].entries = entries;
	}
	snprintf(key, sizeof(key), "%s", ACTIVE_KEY);
	if (active_from_extra(st, x))
		goto bad;
	for (unsigned i = 0; i < x->n; i++) {
		const struct snap_kv *kv = &x->kv[i];

		if (is_region_key(kv->key))
			continue;
		snprintf(key, sizeof(key), "%s", kv->key);
		if (kv->kind != SNAP_VAL_UINT || st->n_scalars >= VMX_STATE_MAX_SCALARS)
			goto bad;
		st->scalars[st->n_scalars++] = (struct vmx_state_scalar){
			kv->key, kv->u,
		};
	}
	return 0;
bad:
	snprintf(err, errlen, "vmx.extra.%s: invalid value", key);
	return -1;
}

int snap_vmx_restore(struct vmx_vcpu *v, const struct snap_vmx *in,
		     char *err, size_t errlen)
{
	static struct vmx_state st;   /* one restore at a time */

	memset(&st, 0, sizeof(st));
	if (!in->present) {
		vmx_vcpu_reset(v);
		return 0;
	}
	if (in->n_regions > VMX_MAX_REGIONS) {
		snprintf(err, errlen, "vmx: %u VMCS regions, this vmxbox keeps %d",
			 in->n_regions, VMX_MAX_REGIONS);
		return -1;
	}
	st.vmxon = in->vmxon;
	st.non_root = in->non_root;
	st.vmxon_ptr = in->vmxon ? in->vmxon_ptr : VMCS_PTR_NONE;
	st.current_vmcs = in->current_vmcs;
	st.n_regions = in->n_regions;
	for (unsigned r = 0; r < in->n_regions; r++) {
		st.regions[r].gpa = in->regions[r].addr;
		st.regions[r].launched = in->regions[r].launch_state == SNAP_VMCS_LAUNCHED;
	}
	for (unsigned i = 0; i < in->n_fields; i++) {
		int idx = vmcs_field_index(in->fields[i].encoding, NULL);

		if (idx < 0) {
			snprintf(err, errlen, "vmx: unknown VMCS field %#x",
				 in->fields[i].encoding);
			return -1;
		}
		st.vmcs[idx] = in->fields[i].value;
	}
	if (from_extra(&st, &in->extra, err, errlen))
		return -1;
	return vmx_state_import(v, &st, err, errlen);
}

/* ---- devices ------------------------------------------------------------ */

#define UART_REGS(X) X(ier) X(lcr) X(mcr) X(scr) X(fcr) X(dll) X(dlm)

bool snap_uart_save(struct snapshot_machine *s, const struct uart16550 *u)
{
	return snap_uart_save_as(s, u, "uart0");
}

bool snap_uart_save_as(struct snapshot_machine *s, const struct uart16550 *u,
		       const char *name)
{
	struct snap_device *d = snap_device_add(s, name);
	bool ok = d != NULL;

	if (!ok)
		return false;
#define SAVE(r) ok &= snap_kv_set_u64(&d->st, #r, u->r);
	UART_REGS(SAVE)
#undef SAVE
	/* Output before the snapshot point belongs to the run that took it:
	 * the caller flushes the UART first, so no pending bytes are kept. */
	ok &= snap_kv_set_u64(&d->st, "bytes_out", u->bytes_out);
	ok &= snap_kv_set_u64(&d->st, "thre_ip", u->thre_ip);
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
	if (!snap_device_find(s, "uart0")) {
		snprintf(err, errlen, "devices: no uart0");
		return -1;
	}
	return snap_uart_load_from(snap_device_find(s, "uart0"), u, "uart0",
				   err, errlen);
}

int snap_uart_load_from(const struct snap_device *d, struct uart16550 *u,
			const char *name, char *err, size_t errlen)
{
	uint64_t v;

#define LOAD(r) \
	if (!snap_kv_get_u64(&d->st, #r, &v) || v > 0xff) \
		return dev_fail(err, errlen, name, #r); \
	u->r = (uint8_t)v;
	UART_REGS(LOAD)
#undef LOAD
	if (!snap_kv_get_u64(&d->st, "bytes_out", &v))
		return dev_fail(err, errlen, name, "bytes_out");
	u->bytes_out = v;
	/* Absent in snapshots older than the THR-empty interrupt: none
	 * pending (the ISA line's level is saved with the ISA lines). */
	if (!snap_kv_get_u64(&d->st, "thre_ip", &v))
		v = 0;
	if (v > 1)
		return dev_fail(err, errlen, name, "thre_ip");
	u->thre_ip = (uint8_t)v;
	uart16550_sync_irq(u);
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
