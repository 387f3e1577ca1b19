// SPDX-License-Identifier: MIT
#include "snap_test_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t pattern(unsigned i, unsigned seed)
{
	uint64_t x = 0x9e3779b97f4a7c15ull * (i + 1) + seed;

	x ^= x >> 29;
	return x * 0xbf58476d1ce4e5b9ull;
}

void fill_cpu(struct cpu_state *c, unsigned seed)
{
	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < cpu_msr_table_len; i++)
		cpu_msr_set(c, cpu_msr_table[i].index, pattern(1000 + (unsigned)i, seed));
	for (size_t i = 0; i < snap_cpu_fields_len; i++) {
		const struct snap_cpu_field *f = &snap_cpu_fields[i];
		uint64_t v = f->kind == SNAP_F_BOOL ? (i + seed) & 1
						    : pattern((unsigned)i, seed);

		if (f->kind == SNAP_F_UINT && f->size < 8)
			v &= (1ull << (f->size * 8)) - 1;
		snap_cpu_field_set(c, f, v);
	}
	/* Keep the semantic checks happy. */
	c->activity = ACTIVITY_HLT;
	c->interruptibility = INTR_BLOCK_STI | INTR_BLOCK_NMI;
	c->pending_exception.type = EVT_HW_EXCEPTION;
	c->pending_exception.insn_len = 3;
	c->injected.type = EVT_SW_INTR;
	c->injected.insn_len = 2;
	c->mwait = MWAIT_WAITING | MWAIT_INTR_BREAK;
	c->monitor_gpa &= ~(uint64_t)(CPU_MONITOR_LINE - 1);
}

struct snapshot_machine *make_machine(struct guest_mem *gm, unsigned seed)
{
	struct snapshot_machine *s = snapshot_new();
	uint8_t blob[40];

	s->config.ram_size = gm->size;
	strcpy(s->config.engine, "interp");
	strcpy(s->config.firmware, "/tmp/fw.elf");
	for (int i = 0; i < 32; i++)
		s->config.firmware_sha256[i] = (uint8_t)(i * 7 + seed);
	snap_config_set_option(&s->config, "max-insns", "1000000");
	snap_config_set_option(&s->config, "exit-mode", "plain");
	strcpy(s->trigger, "insns:1234");
	s->n_cpus = 1;
	fill_cpu(&s->cpus[0], seed);

	s->vmx.present = true;
	s->vmx.vmxon = true;
	s->vmx.non_root = true;
	s->vmx.vmxon_ptr = 0x10000;
	s->vmx.current_vmcs = 0x12000;
	s->vmx.n_regions = 2;
	s->vmx.regions[0] = (struct snap_vmcs_region){ 0x11000, SNAP_VMCS_CLEAR };
	s->vmx.regions[1] = (struct snap_vmcs_region){ 0x12000, SNAP_VMCS_LAUNCHED };
	s->vmx.n_fields = 3;
	s->vmx.fields[0] = (struct snap_vmcs_field){ 0x0800, 0x10 + seed, "GUEST_ES_SELECTOR" };
	s->vmx.fields[1] = (struct snap_vmcs_field){ 0x4402, 0x30, "VM_EXIT_REASON" };
	s->vmx.fields[2] = (struct snap_vmcs_field){ 0x681e, 0xffffffff80001000ull, "GUEST_RIP" };
	snap_kv_set_u64(&s->vmx.extra, "preemption_timer", 77);

	struct snap_device *d = snap_device_add(s, "uart0");

	snap_kv_set_u64(&d->st, "lcr", 3);
	snap_kv_set_u64(&d->st, "bytes_out", 42 + seed);
	for (unsigned i = 0; i < sizeof(blob); i++)
		blob[i] = (uint8_t)(i ^ seed);
	snap_kv_set_bytes(&d->st, "buf", blob, sizeof(blob));
	d = snap_device_add(s, "debug_exit");
	snap_kv_set_u64(&d->st, "fired", 0);

	if (snap_mem_capture(&s->mem, gm)) {
		fprintf(stderr, "capture failed\n");
		abort();
	}
	return s;
}

void touch_pages(struct guest_mem *gm)
{
	/* Pages 0x10 and 0x11 (adjacent) and 0x200 (alone); page 0x20 is
	 * written with zeros only, so it must not be stored. */
	ck_assert(gmem_write_u64(gm, 0x10000 + 8, 0x1122334455667788ull));
	ck_assert(gmem_write_u8(gm, 0x11fff, 0xab));
	ck_assert(gmem_write_u32(gm, 0x200000 + 0x800, 0xdeadbeef));
	ck_assert(gmem_fill(gm, 0x20000, 0, 4096));
}

struct snapshot_machine *make_ram_machine(struct guest_mem *gm, unsigned seed)
{
	ck_assert_int_eq(gmem_init(gm, SNAP_TEST_RAM), 0);
	touch_pages(gm);
	return make_machine(gm, seed);
}

void encode_ok(const struct snapshot_machine *s, uint8_t **buf, size_t *len)
{
	char err[512];
	int rc = snapshot_encode(s, buf, len, err, sizeof(err));

	ck_assert_msg(rc == 0, "encode: %s", err);
}
