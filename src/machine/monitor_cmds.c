// SPDX-License-Identifier: MIT
#include "machine/monitor_cmds.h"
#include "machine/monitor_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "machine/host_clock.h"
#include "machine/machine.h"
#include "monitor/cbor_print.h"
#include "monitor/monitor.h"
#include "monitor/proto.h"
#include "monitor/trace.h"
#include "machine/snap_machine.h"
#include "vmx/offload.h"
#include "vmx/vmx_api.h"

#define MON_MEM_MAX (64u << 10)


/* ---- helpers ------------------------------------------------------------ */

/* Run fn with the vCPU parked, so it sees a consistent state; restores
 * the previous run state afterwards. */
static cbor_item_t *with_paused(struct machine *m,
				cbor_item_t *(*fn)(struct machine *, const cbor_item_t *,
						   char *, size_t),
				const cbor_item_t *args, char *err, size_t errlen)
{
	enum vcpu_run_state st = vcpu_state(m);
	bool paused_here = false;
	cbor_item_t *r;

	if (st == VCPU_RUNNING || st == VCPU_NOT_STARTED) {
		if (!vcpu_pause(m, err, errlen) && vcpu_state(m) != VCPU_ENDED)
			return NULL;
		paused_here = vcpu_state(m) == VCPU_PAUSED;
	}
	r = fn(m, args, err, errlen);
	if (paused_here)
		vcpu_resume(m, err, errlen);
	return r;
}

static bool arg_u64(const cbor_item_t *args, size_t i, uint64_t *v)
{
	return i < cbor_array_size(args) && mon_item_u64(cbor_array_handle(args)[i], v);
}

static bool arg_str(const cbor_item_t *args, size_t i, char *buf, size_t len)
{
	return i < cbor_array_size(args) && mon_item_str(cbor_array_handle(args)[i], buf, len);
}

static const char *cpu_mode_name(const struct cpu_state *s)
{
	if (!(s->cr0 & CR0_PE))
		return "real";
	if (s->rflags & RFLAGS_VM)
		return "virtual-8086";
	if (cpu_long_mode(s))
		return cpu_64bit_mode(s) ? "64-bit" : "compatibility";
	return "protected";
}

static const char *vmx_mode_name(const struct vmx_vcpu *v)
{
	if (!v || !vmx_in_operation(v))
		return "off";
	return vmx_in_nonroot(v) ? "non-root" : "root";
}

static void get_state(struct machine *m, struct cpu_state *s)
{
	m->ops->get_state(m->eng, s);
}

/* vCPU k's part of `status` (docs/smp.md: one entry per vCPU). */
static cbor_item_t *vcpu_status(struct machine *m, unsigned k)
{
	struct machine_vcpu *v = m->cpu[k];
	cbor_item_t *cpu = mon_new_map();
	struct cpu_state s;

	m->ops->get_state(v->eng, &s);
	mon_map_put_str(cpu, "mode", cpu_mode_name(&s));
	mon_map_put_u64(cpu, "rip", s.rip);
	mon_map_put_str(cpu, "vmx", vmx_mode_name(v->vmx));
	if (v->vmx && vmx_in_operation(v->vmx)) {
		mon_map_put_u64(cpu, "vmxon", vmx_vmxon_pointer(v->vmx));
		if (vmx_current_vmcs(v->vmx) != VMCS_PTR_NONE)
			mon_map_put_u64(cpu, "vmcs", vmx_current_vmcs(v->vmx));
	}
	return cpu;
}

#define MAX_POS_ARGS 4

/* A command's arguments with "--cpu=K" (anywhere) taken out. */
struct cmd_args {
	struct machine_vcpu *v;       /* vCPU K, default 0 (the BSP) */
	size_t n;
	const cbor_item_t *pos[MAX_POS_ARGS];   /* the others, in order */
};

static struct machine_vcpu *vcpu_k(struct machine *m, uint64_t k, char *err,
				   size_t errlen)
{
	if (k < m->n_cpus)
		return m->cpu[k];
	snprintf(err, errlen, "no vCPU %llu (the machine has %u)",
		 (unsigned long long)k, m->n_cpus);
	return NULL;
}

static bool split_args(struct machine *m, const cbor_item_t *args,
		       const char *usage, size_t max_pos, struct cmd_args *a,
		       char *err, size_t errlen)
{
	uint64_t k = 0;
	char buf[32], *end;

	a->n = 0;
	for (size_t i = 0; i < cbor_array_size(args); i++) {
		const cbor_item_t *it = cbor_array_handle(args)[i];

		if (mon_item_str(it, buf, sizeof(buf)) &&
		    !strncmp(buf, "--cpu=", 6)) {
			k = strtoull(buf + 6, &end, 0);
			if (end == buf + 6 || *end)
				goto usage;
			continue;
		}
		if (a->n == max_pos)
			goto usage;
		a->pos[a->n++] = it;
	}
	a->v = vcpu_k(m, k, err, errlen);
	return a->v != NULL;
usage:
	snprintf(err, errlen, "usage: %s", usage);
	return false;
}

/* The vCPU `regs` asks for: `regs`, `regs K` or `regs --cpu=K`. */
static struct machine_vcpu *arg_vcpu(struct machine *m, const cbor_item_t *args,
				     char *err, size_t errlen)
{
	struct cmd_args a;
	uint64_t k;

	if (!split_args(m, args, "regs [--cpu=K]", 1, &a, err, errlen))
		return NULL;
	if (!a.n)
		return a.v;
	if (!mon_item_u64(a.pos[0], &k)) {
		snprintf(err, errlen, "usage: regs [--cpu=K]");
		return NULL;
	}
	return vcpu_k(m, k, err, errlen);
}

/* ---- commands ----------------------------------------------------------- */

static cbor_item_t *status_locked(struct machine *m, const cbor_item_t *args,
				  char *err, size_t errlen)
{
	cbor_item_t *r = mon_new_map(), *cpus = cbor_new_indefinite_array();

	for (unsigned k = 0; k < m->n_cpus; k++) {
		cbor_item_t *cpu = vcpu_status(m, k);

		cbor_array_push(cpus, cpu);
		cbor_decref(&cpu);
	}
	mon_map_put_u64(r, "insns", machine_insn_count(m));
	mon_map_put(r, "vcpus", cpus);
	return r;
}

static cbor_item_t *cmd_status(void *opaque, struct monitor_client *c,
			       const cbor_item_t *args, char *err, size_t errlen)
{
	struct machine_monitor *mm = opaque;
	struct machine *m = mm->m;
	enum vcpu_run_state st = vcpu_state(m);
	cbor_item_t *r = with_paused(m, status_locked, args, err, errlen);

	if (!r)
		return NULL;
	mon_map_put_str(r, "state", vcpu_state_name(st == VCPU_NOT_STARTED ? VCPU_RUNNING : st));
	mon_map_put_str(r, "engine", m->ops->name);
	mon_map_put_u64(r, "uptime_ms", (uint64_t)((host_monotonic_seconds() - mm->t0) * 1000));
	uint64_t entries = 0, exits = 0;

	for (unsigned k = 0; m->vmx && k < m->n_cpus; k++) {
		entries += m->cpu[k]->watch->entries;
		exits += m->cpu[k]->watch->exits;
	}
	mon_map_put_u64(r, "vm_entries", entries);
	mon_map_put_u64(r, "vm_exits", exits);
	return r;
}

static cbor_item_t *cmd_pause(void *opaque, struct monitor_client *c,
			      const cbor_item_t *args, char *err, size_t errlen)
{
	struct machine_monitor *mm = opaque;

	if (!vcpu_pause(mm->m, err, errlen))
		return NULL;
	return cbor_build_string("paused");
}

static cbor_item_t *cmd_resume(void *opaque, struct monitor_client *c,
			       const cbor_item_t *args, char *err, size_t errlen)
{
	struct machine_monitor *mm = opaque;

	if (!vcpu_resume(mm->m, err, errlen))
		return NULL;
	return cbor_build_string("running");
}

static cbor_item_t *cmd_step(void *opaque, struct monitor_client *c,
			     const cbor_item_t *args, char *err, size_t errlen)
{
	struct machine_monitor *mm = opaque;
	struct machine *m = mm->m;
	uint64_t n = 1;
	struct cpu_state s;

	if (cbor_array_size(args) > 0 && !arg_u64(args, 0, &n)) {
		snprintf(err, errlen, "N must be an unsigned integer");
		return NULL;
	}
	if (!vcpu_step(m, n, err, errlen))
		return NULL;
	cbor_item_t *r = mon_new_map();
	get_state(m, &s);
	mon_map_put_u64(r, "insns", machine_insn_count(m));
	mon_map_put_u64(r, "rip", s.rip);
	mon_map_put_str(r, "state", vcpu_state_name(vcpu_state(m)));
	return r;
}

static cbor_item_t *regs_locked(struct machine *m, const cbor_item_t *args,
				char *err, size_t errlen)
{
	struct machine_vcpu *v = arg_vcpu(m, args, err, errlen);
	struct cpu_state s;
	cbor_item_t *r;

	if (!v)
		return NULL;
	r = mon_new_map();
	m->ops->get_state(v->eng, &s);
	for (int i = 0; i < GPR_COUNT; i++)
		mon_map_put_u64(r, cpu_gpr_name(i), s.gpr[i]);
	mon_map_put_u64(r, "rip", s.rip);
	mon_map_put_u64(r, "rflags", s.rflags);
	mon_map_put_u64(r, "cr0", s.cr0);
	mon_map_put_u64(r, "cr2", s.cr2);
	mon_map_put_u64(r, "cr3", s.cr3);
	mon_map_put_u64(r, "cr4", s.cr4);
	mon_map_put_u64(r, "efer", s.efer);
	for (int i = 0; i < SEG_COUNT; i++) {
		cbor_item_t *seg = mon_new_map();

		mon_map_put_u64(seg, "sel", s.seg[i].sel);
		mon_map_put_u64(seg, "base", s.seg[i].base);
		mon_map_put_u64(seg, "limit", s.seg[i].limit);
		mon_map_put_u64(seg, "ar", s.seg[i].ar);
		mon_map_put(r, cpu_seg_name(i), seg);
	}
	mon_map_put_u64(r, "gdtr_base", s.gdtr.base);
	mon_map_put_u64(r, "idtr_base", s.idtr.base);
	mon_map_put_u64(r, "insns", s.insn_count);
	return r;
}

static cbor_item_t *cmd_regs(void *opaque, struct monitor_client *c,
			     const cbor_item_t *args, char *err, size_t errlen)
{
	struct machine_monitor *mm = opaque;

	return with_paused(mm->m, regs_locked, args, err, errlen);
}

static cbor_item_t *mem_locked(struct machine *m, const cbor_item_t *args,
			       char *err, size_t errlen)
{
	uint64_t addr, len;

	if (!arg_u64(args, 0, &addr) || !arg_u64(args, 1, &len)) {
		snprintf(err, errlen, "usage: mem ADDR LEN");
		return NULL;
	}
	if (len == 0 || len > MON_MEM_MAX) {
		snprintf(err, errlen, "LEN must be 1..%u", MON_MEM_MAX);
		return NULL;
	}
	const void *p = gmem_ptr(&m->mem, addr, len);
	if (!p) {
		snprintf(err, errlen, "[0x%" PRIx64 ", +0x%" PRIx64 ") is outside guest RAM (0x%" PRIx64 " bytes)",
			 addr, len, m->mem.size);
		return NULL;
	}
	return cbor_build_bytestring(p, len);
}

static cbor_item_t *cmd_mem(void *opaque, struct monitor_client *c,
			    const cbor_item_t *args, char *err, size_t errlen)
{
	struct machine_monitor *mm = opaque;

	return with_paused(mm->m, mem_locked, args, err, errlen);
}

/* A field of a VMCS of vCPU c: from its cache if current there, else
 * from the region. */
static bool vmcs_field(struct machine *m, const struct machine_vcpu *c,
		       uint64_t gpa, uint32_t enc, uint64_t *val)
{
	return vmx_vmcs_peek(c->vmx, &m->mem, gpa, enc, val);
}

/* Where a VM entry with this VMCS as it is now would run L2 on a KVM host
 * (docs/kvm.md "L2 offload: placement"): "kvm" or "interp (reason)". */
static void vms_put_offload(struct machine *m, const struct machine_vcpu *c,
			    uint64_t gpa, cbor_item_t *e)
{
	struct vmx_offload_verdict ov;
	char buf[128];

	if (vmx_offload_decide_vmcs(c->vmx, &m->mem, gpa, &vmx_offload_host_kvm,
				    &ov))
		mon_map_put_str(e, "offload", vmx_offload_format(&ov, buf, sizeof(buf)));
}

/* `vms [--cpu=K]`: the VMCS regions vCPU K has used. */
static cbor_item_t *vms_locked(struct machine *m, const cbor_item_t *args,
			       char *err, size_t errlen)
{
	struct cmd_args a;
	cbor_item_t *arr;
	uint64_t v;

	if (!split_args(m, args, "vms [--cpu=K]", 0, &a, err, errlen))
		return NULL;
	arr = cbor_new_indefinite_array();
	for (unsigned i = 0; a.v->vmx && i < VMX_MAX_REGIONS; i++) {
		struct vmx_region_info rg;
		const struct vmx_watch_vmcs *ws;
		cbor_item_t *e, *exits;

		if (!vmx_region_at(a.v->vmx, i, &rg))
			continue;
		e = mon_new_map();
		exits = mon_new_map();
		mon_map_put_u64(e, "addr", rg.gpa);
		mon_map_put_bool(e, "launched", rg.launched);
		mon_map_put_bool(e, "current", rg.current);
		if (vmcs_field(m, a.v, rg.gpa, VMCS_VIRTUAL_PROCESSOR_ID, &v))
			mon_map_put_u64(e, "vpid", v);
		if (vmcs_field(m, a.v, rg.gpa, VMCS_EPT_POINTER, &v))
			mon_map_put_u64(e, "eptp", v);
		mon_map_put_u64(e, "entries", rg.entries);
		for (unsigned r = 0; r < EXIT_REASON_COUNT; r++)
			if (rg.exits[r])
				mon_map_put_u64(exits, vmx_exit_reason_name(r), rg.exits[r]);
		mon_map_put(e, "exits", exits);
		ws = vmx_watch_find(a.v->watch, rg.gpa);
		mon_map_put_u64(e, "l2_insns", ws ? ws->l2_insns : 0);
		mon_map_put_u64(e, "entry_failures", ws ? ws->entry_failures : 0);
		vms_put_offload(m, a.v, rg.gpa, e);
		cbor_array_push(arr, e);
		cbor_decref(&e);
	}
	return arr;
}

static cbor_item_t *cmd_vms(void *opaque, struct monitor_client *c,
			    const cbor_item_t *args, char *err, size_t errlen)
{
	struct machine_monitor *mm = opaque;

	if (!mm->m->vmx) {
		snprintf(err, errlen, "VMX is off (--vmx=off)");
		return NULL;
	}
	return with_paused(mm->m, vms_locked, args, err, errlen);
}

/* `vmcs [ADDR] [--cpu=K]`: vCPU K's current VMCS or the one at ADDR. */
static cbor_item_t *vmcs_locked(struct machine *m, const cbor_item_t *args,
				char *err, size_t errlen)
{
	struct cmd_args a;
	uint64_t gpa, v;

	if (!split_args(m, args, "vmcs [ADDR] [--cpu=K]", 1, &a, err, errlen))
		return NULL;
	gpa = vmx_current_vmcs(a.v->vmx);
	if (a.n && !mon_item_u64(a.pos[0], &gpa)) {
		snprintf(err, errlen, "ADDR must be an unsigned integer");
		return NULL;
	}
	if (gpa == VMCS_PTR_NONE) {
		snprintf(err, errlen, "no current VMCS");
		return NULL;
	}
	if (!gmem_range_ok(&m->mem, gpa, VMX_REGION_SIZE)) {
		snprintf(err, errlen, "0x%" PRIx64 " is not a VMCS region inside guest RAM", gpa);
		return NULL;
	}
	cbor_item_t *r = mon_new_map();
	for (unsigned i = 0; i < VMCS_FIELD_COUNT; i++) {
		const struct vmcs_field *f = &vmcs_field_table[i];

		if (!vmx_vcpu_field_supported(a.v->vmx, f->encoding))
			continue;
		if (vmcs_field(m, a.v, gpa, f->encoding, &v))
			mon_map_put_u64(r, f->name, v);
	}
	return r;
}

static cbor_item_t *cmd_vmcs(void *opaque, struct monitor_client *c,
			     const cbor_item_t *args, char *err, size_t errlen)
{
	struct machine_monitor *mm = opaque;

	if (!mm->m->vmx) {
		snprintf(err, errlen, "VMX is off (--vmx=off)");
		return NULL;
	}
	return with_paused(mm->m, vmcs_locked, args, err, errlen);
}

/* Exit reason by name (as vmx_exit_reason_name spells it) or number. */
static bool parse_reason(const cbor_item_t *item, unsigned *out)
{
	char name[64];
	uint64_t n;

	if (mon_item_u64(item, &n)) {
		*out = (unsigned)n;
		return n < 128;
	}
	if (!mon_item_str(item, name, sizeof(name)))
		return false;
	for (unsigned r = 0; r < EXIT_REASON_COUNT; r++) {
		const char *nm = vmx_exit_reason_name(r);

		if (nm && !strcasecmp(nm, name)) {
			*out = r;
			return true;
		}
	}
	return false;
}

static cbor_item_t *cmd_trace(void *opaque, struct monitor_client *c,
			      const cbor_item_t *args, char *err, size_t errlen)
{
	char onoff[8];
	uint64_t reasons[2] = { 0, 0 };

	if (!arg_str(args, 0, onoff, sizeof(onoff)) ||
	    (strcmp(onoff, "on") && strcmp(onoff, "off"))) {
		snprintf(err, errlen, "usage: trace on|off [REASON...]");
		return NULL;
	}
	for (size_t i = 1; i < cbor_array_size(args); i++) {
		unsigned r;

		if (!parse_reason(cbor_array_handle(args)[i], &r)) {
			snprintf(err, errlen, "unknown exit reason (argument %zu)", i + 1);
			return NULL;
		}
		reasons[r / 64] |= 1ull << (r % 64);
	}
	bool all = cbor_array_size(args) <= 1;
	monitor_client_set_trace(c, !strcmp(onoff, "on"), all ? NULL : reasons);
	return cbor_build_string(!strcmp(onoff, "on") ? "tracing" : "not tracing");
}

/* Snapshot with the vCPU parked at an instruction boundary. */
static cbor_item_t *snapshot_locked(struct machine *m, const cbor_item_t *args,
				    char *err, size_t errlen)
{
	char path[4096];

	if (!arg_str(args, 0, path, sizeof(path)) || !path[0]) {
		snprintf(err, errlen, "usage: snapshot PATH");
		return NULL;
	}
	if (snap_machine_write(m, path, "monitor", err, errlen))
		return NULL;
	return cbor_build_string(path);
}

static cbor_item_t *cmd_snapshot(void *opaque, struct monitor_client *c,
				 const cbor_item_t *args, char *err, size_t errlen)
{
	struct machine_monitor *mm = opaque;

	return with_paused(mm->m, snapshot_locked, args, err, errlen);
}

/*
 * nmi / irq VECTOR / init: raise the event in the parked vCPU exactly as
 * the event port (docs/boot.md) does, a self-IPI of its local APIC; it is
 * recognised at the next instruction boundary after the vCPU resumes
 * (delivered through the IDT, or a VM exit in VMX non-root operation when
 * the VMCS asks for one).
 */
static cbor_item_t *raise_now(struct machine *m, enum event_port_mode mode,
			      uint8_t vector, const char *what, char *err,
			      size_t errlen)
{
	char msg[64];

	if (vcpu_state(m) == VCPU_ENDED) {
		snprintf(err, errlen, "the vCPU has stopped");
		return NULL;
	}
	if (!event_port_raise(&m->events, (uint32_t)mode << 8 | vector)) {
		snprintf(err, errlen, "the %s was not accepted", what);
		return NULL;
	}
	snprintf(msg, sizeof(msg), "%s raised", what);
	return cbor_build_string(msg);
}

static cbor_item_t *nmi_locked(struct machine *m, const cbor_item_t *args,
			       char *err, size_t errlen)
{
	return raise_now(m, EVENT_MODE_NMI, 0, "NMI", err, errlen);
}

static cbor_item_t *init_locked(struct machine *m, const cbor_item_t *args,
				char *err, size_t errlen)
{
	return raise_now(m, EVENT_MODE_INIT, 0, "INIT", err, errlen);
}

static cbor_item_t *irq_locked(struct machine *m, const cbor_item_t *args,
			       char *err, size_t errlen)
{
	uint64_t vec;
	char what[32];

	/* Vectors 0-31 are exceptions; fixed interrupts use 16-255 on an APIC
	 * (SDM 11.5.2) but 16-31 would alias exception handlers. */
	if (!arg_u64(args, 0, &vec) || vec < 32 || vec > 255) {
		snprintf(err, errlen, "usage: irq VECTOR (32..255)");
		return NULL;
	}
	snprintf(what, sizeof(what), "interrupt 0x%02x", (unsigned)vec);
	return raise_now(m, EVENT_MODE_FIXED, (uint8_t)vec, what, err, errlen);
}

static cbor_item_t *cmd_nmi(void *opaque, struct monitor_client *c,
			    const cbor_item_t *args, char *err, size_t errlen)
{
	return with_paused(((struct machine_monitor *)opaque)->m, nmi_locked,
			   args, err, errlen);
}

static cbor_item_t *cmd_irq(void *opaque, struct monitor_client *c,
			    const cbor_item_t *args, char *err, size_t errlen)
{
	return with_paused(((struct machine_monitor *)opaque)->m, irq_locked,
			   args, err, errlen);
}

static cbor_item_t *cmd_init(void *opaque, struct monitor_client *c,
			     const cbor_item_t *args, char *err, size_t errlen)
{
	return with_paused(((struct machine_monitor *)opaque)->m, init_locked,
			   args, err, errlen);
}

static cbor_item_t *cmd_quit(void *opaque, struct monitor_client *c,
			     const cbor_item_t *args, char *err, size_t errlen)
{
	struct machine_monitor *mm = opaque;

	machine_request_stop(mm->m, STOP_MONITOR_QUIT);
	return cbor_build_string("quitting");
}

static cbor_item_t *cmd_help(void *opaque, struct monitor_client *c,
			     const cbor_item_t *args, char *err, size_t errlen);

static const struct monitor_cmd machine_cmds[] = {
	{ "status", "", "run state, engine, instruction count, VMX state", cmd_status },
	{ "pause", "", "stop the vCPU at an instruction boundary", cmd_pause },
	{ "resume", "", "let the vCPU run again", cmd_resume },
	{ "step", "[N]", "run N instructions while paused", cmd_step },
	{ "regs", "[--cpu=K]", "registers of vCPU K (default 0)", cmd_regs },
	{ "mem", "ADDR LEN", "guest-physical memory (LEN <= 64 KiB)", cmd_mem },
	{ "vms", "", "every VMCS used, with exit counts", cmd_vms },
	{ "vmcs", "[ADDR]", "fields of the current (or given) VMCS", cmd_vmcs },
	{ "trace", "on|off [REASON...]", "stream VM entries/exits", cmd_trace },
	{ "snapshot", "PATH", "write a snapshot atomically (docs/snapshot.md)", cmd_snapshot },
	{ "nmi", "", "raise an NMI in the vCPU", cmd_nmi },
	{ "irq", "VECTOR", "raise an external interrupt (32..255)", cmd_irq },
	{ "init", "", "raise an INIT signal (VM exit 3 in VMX non-root)", cmd_init },
	{ "quit", "", "end the run", cmd_quit },
	{ "help", "", "list commands", cmd_help },
};

#define NR_MACHINE_CMDS (sizeof(machine_cmds) / sizeof(machine_cmds[0]))

static cbor_item_t *cmd_help(void *opaque, struct monitor_client *c,
			     const cbor_item_t *args, char *err, size_t errlen)
{
	cbor_item_t *arr = cbor_new_indefinite_array();

	for (size_t i = 0; i < NR_MACHINE_CMDS; i++) {
		cbor_item_t *row = mon_new_map();

		mon_map_put_str(row, "name", machine_cmds[i].name);
		mon_map_put_str(row, "args", machine_cmds[i].args);
		mon_map_put_str(row, "help", machine_cmds[i].help);
		cbor_array_push(arr, row);
		cbor_decref(&row);
	}
	return arr;
}

const struct monitor_cmd *machine_cmd_find(const char *name)
{
	for (size_t i = 0; i < NR_MACHINE_CMDS; i++)
		if (!strcmp(name, machine_cmds[i].name))
			return &machine_cmds[i];
	return NULL;
}

/* ---- trace pipe --------------------------------------------------------- */

static const char *const trace_kind_names[] = {
	[VMX_TRACE_ENTRY] = "vmentry",
	[VMX_TRACE_EXIT] = "vmexit",
	[VMX_TRACE_ENTRY_FAIL] = "vmentry-fail",
	[VMX_TRACE_CHECK] = "vmx-check",
};

static cbor_item_t *trace_event_item(const struct vmx_trace_event *ev)
{
	cbor_item_t *m = mon_new_map();

	mon_map_put_str(m, "event", trace_kind_names[ev->kind]);
	mon_map_put_u64(m, "cpu", ev->cpu);
	mon_map_put_u64(m, "vmcs", ev->vmcs);
	mon_map_put_u64(m, "rip", ev->guest_rip);
	mon_map_put_u64(m, "insn", ev->insn_count);
	if (ev->kind == VMX_TRACE_ENTRY) {
		mon_map_put_bool(m, "launch", ev->launch);
	} else if (ev->kind == VMX_TRACE_CHECK) {
		mon_map_put_str(m, "check", vmx_check_kind_name(ev->reason));
		mon_map_put_u64(m, "detail", ev->qualification);
	} else {
		mon_map_put_u64(m, "reason", ev->reason);
		if (ev->kind == VMX_TRACE_EXIT)
			mon_map_put_str(m, "name", vmx_exit_reason_name(ev->reason & 0xffff));
		mon_map_put_u64(m, "qualification", ev->qualification);
	}
	return m;
}

/* vCPU thread: all vCPUs run on it (docs/smp.md), so the ring keeps its
 * single producer. */
static void on_vmx_event(void *opaque, const struct vmx_trace_event *ev)
{
	struct machine_monitor *mm = opaque;

	if (!monitor_tracing(mm->mon))
		return;
	if (trace_ring_push(&mm->ring, ev))
		ev_async_send(mm->loop, &mm->trace_wake);
}

/* Loop thread. */
static void drain_trace(struct ev_loop *loop, ev_async *w, int revents)
{
	struct machine_monitor *mm = w->data;
	struct vmx_trace_event ev;

	while (trace_ring_pop(&mm->ring, &ev)) {
		unsigned reason = ev.kind == VMX_TRACE_EXIT ? (ev.reason & 0xffff) : 127;

		monitor_broadcast_trace(mm->mon, reason, trace_event_item(&ev));
	}
}

int machine_monitor_start(struct machine *m, struct ev_loop *loop, char *err,
			  size_t errlen)
{
	struct machine_monitor *mm;
	struct monitor_config cfg = {
		.path = m->cfg.monitor_path, .loop = loop,
		.cmds = machine_cmds, .nr_cmds = NR_MACHINE_CMDS,
	};

	if (!m->cfg.monitor_path)
		return 0;
	mm = calloc(1, sizeof(*mm));
	if (!mm) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	mm->m = m;
	mm->loop = loop;
	mm->t0 = host_monotonic_seconds();
	trace_ring_init(&mm->ring);
	cfg.opaque = mm;
	if (monitor_open(&mm->mon, &cfg, err, errlen) < 0) {
		free(mm);
		return -1;
	}
	ev_async_init(&mm->trace_wake, drain_trace);
	mm->trace_wake.data = mm;
	ev_async_start(loop, &mm->trace_wake);
	/* Every vCPU's VM entries and exits (events carry the vCPU). */
	for (unsigned k = 0; m->vmx && k < m->n_cpus; k++) {
		struct vmx_observer o = { on_vmx_event, mm };

		vmx_watch_add_observer(m->cpu[k]->watch, &o);
	}
	m->mon = mm;
	return 0;
}

void machine_monitor_stop(struct machine *m)
{
	struct machine_monitor *mm = m->mon;

	if (!mm)
		return;
	drain_trace(mm->loop, &mm->trace_wake, 0);
	ev_async_stop(mm->loop, &mm->trace_wake);
	monitor_close(mm->mon);
	free(mm);
	m->mon = NULL;
}
