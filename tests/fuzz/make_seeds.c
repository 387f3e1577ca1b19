// SPDX-License-Identifier: MIT
/*
 * Writes the seed corpus of the snapshot fuzzer (tests/fuzz/corpus/snapshot):
 * small valid snapshots that reach every section of the loader.
 *   make_seeds DIR
 */
#include <stdio.h>
#include <string.h>

#include "snapshot/snapshot.h"

static int save(struct snapshot_machine *s, struct guest_mem *gm,
		const char *dir, const char *name)
{
	char path[4096], err[512];

	if (snap_mem_capture(&s->mem, gm))
		return 1;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (snapshot_write_file(s, path, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	return 0;
}

static struct snapshot_machine *base(struct guest_mem *gm)
{
	struct snapshot_machine *s = snapshot_new();

	s->config.ram_size = gm->size;
	strcpy(s->config.engine, "interp");
	strcpy(s->config.firmware, "hello.elf");
	s->n_cpus = 1;
	cpu_state_reset(&s->cpus[0]);
	return s;
}

int main(int argc, char **argv)
{
	struct guest_mem gm;
	struct snapshot_machine *s;
	int rc = 0;

	if (argc != 2 || gmem_init(&gm, GUEST_MEM_MIN))
		return 2;

	/* 1: reset CPU, no VMX, no devices, no memory. */
	s = base(&gm);
	rc |= save(s, &gm, argv[1], "minimal.snap");
	snapshot_free(s);

	/* 2: long-mode CPU, devices, options, two runs of memory. */
	gmem_write_u64(&gm, 0x1000, 0x00000000000000e9ull);
	gmem_write_u64(&gm, 0x2ff8, 0x123456789abcdefull);
	gmem_write_u32(&gm, 0x100000, 0xf4f4f4f4);
	s = base(&gm);
	s->cpus[0].cr0 = CR0_PE | CR0_PG | CR0_ET;
	s->cpus[0].cr4 = CR4_PAE | CR4_VMXE;
	s->cpus[0].efer = EFER_LME | EFER_LMA;
	s->cpus[0].rip = 0x100000;
	s->cpus[0].insn_count = 4242;
	s->cpus[0].pending_exception = (struct x86_event){
		true, EVT_HW_EXCEPTION, 14, true, 2, 0 };
	snap_config_set_option(&s->config, "max-insns", "100000");
	snap_config_set_option(&s->config, "debug-exit", "plain");
	strcpy(s->trigger, "insns:4242");
	struct snap_device *d = snap_device_add(s, "uart0");

	snap_kv_set_u64(&d->st, "lcr", 3);
	snap_kv_set_u64(&d->st, "bytes_out", 12);
	snap_kv_set_bytes(&d->st, "note", "abc", 3);
	d = snap_device_add(s, "debug_exit");
	snap_kv_set_u64(&d->st, "fired", 0);
	rc |= save(s, &gm, argv[1], "devices.snap");

	/* 3: in VMX operation, L2 running, a cached VMCS. */
	s->vmx.present = true;
	s->vmx.vmxon = true;
	s->vmx.non_root = true;
	s->vmx.vmxon_ptr = 0x4000;
	s->vmx.current_vmcs = 0x5000;
	s->vmx.n_regions = 2;
	s->vmx.regions[0] = (struct snap_vmcs_region){ 0x5000, SNAP_VMCS_LAUNCHED };
	s->vmx.regions[1] = (struct snap_vmcs_region){ 0x6000, SNAP_VMCS_CLEAR };
	s->vmx.n_fields = 4;
	s->vmx.fields[0] = (struct snap_vmcs_field){ 0x0802, 0x10, "GUEST_CS_SELECTOR" };
	s->vmx.fields[1] = (struct snap_vmcs_field){ 0x2800, ~0ull, "VMCS_LINK_POINTER" };
	s->vmx.fields[2] = (struct snap_vmcs_field){ 0x4402, 10, "VM_EXIT_REASON" };
	s->vmx.fields[3] = (struct snap_vmcs_field){ 0x681e, 0x2000, "GUEST_RIP" };
	snap_kv_set_u64(&s->vmx.extra, "slot.5000", 0);
	snap_kv_set_u64(&s->vmx.extra, "region_victim", 2);
	rc |= save(s, &gm, argv[1], "vmx-nonroot.snap");

	/* 4: VMXON only. */
	s->vmx.non_root = false;
	s->vmx.current_vmcs = SNAP_NO_VMCS;
	s->vmx.n_fields = 0;
	s->vmx.n_regions = 0;
	snap_kvset_clear(&s->vmx.extra);
	rc |= save(s, &gm, argv[1], "vmxon.snap");
	snapshot_free(s);
	gmem_destroy(&gm);
	return rc;
}
