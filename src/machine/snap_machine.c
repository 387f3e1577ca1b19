// SPDX-License-Identifier: MIT
/* Snapshot triggers, capture and restore of a machine (snap_machine.h). */
#include "machine/snap_machine.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "machine/machine.h"
#include "machine/pc_platform.h"
#include "machine/pc_serial.h"
#include "snapshot/sha256.h"
#include "monitor/trace.h"
#include "vmx/vmx_api.h"

/* ---- event specs -------------------------------------------------------- */

static bool parse_num(const char *s, uint64_t *v)
{
	char *end;

	if (!*s || *s == '-')
		return false;
	errno = 0;
	*v = strtoull(s, &end, 0);
	return !errno && !*end;
}

static bool parse_reason(const char *s, uint32_t *reason)
{
	uint64_t n;

	if (!strcasecmp(s, "any")) {
		*reason = SNAP_REASON_ANY;
		return true;
	}
	if (parse_num(s, &n) && n < EXIT_REASON_COUNT) {
		*reason = (uint32_t)n;
		return true;
	}
	for (unsigned i = 0; i < EXIT_REASON_COUNT; i++) {
		const char *name = vmx_exit_reason_name(i);

		if (name && !strcasecmp(name, s)) {
			*reason = i;
			return true;
		}
	}
	return false;
}

static int add_one(struct snap_trigger *t, const char *opt, const char *spec,
		   char *err, size_t errlen)
{
	struct snap_event ev = { 0 };
	char buf[64], *colon, *k;

	if (strlen(spec) >= sizeof(buf) || !*spec) {
		snprintf(err, errlen, "%s=%s: bad event", opt, spec);
		return -1;
	}
	if (t->n_events >= SNAP_MAX_EVENTS) {
		snprintf(err, errlen, "%s: at most %d events", opt, SNAP_MAX_EVENTS);
		return -1;
	}
	strcpy(buf, spec);
	strcpy(ev.spec, spec);
	colon = strchr(buf, ':');
	if (colon)
		*colon++ = '\0';
	if (!strcmp(buf, "exit") && !colon) {
		ev.kind = SNAP_ON_EXIT;
	} else if (!strcmp(buf, "insns") && colon && parse_num(colon, &ev.n)) {
		ev.kind = SNAP_ON_INSNS;
	} else if (!strcmp(buf, "vmexit") && colon) {
		ev.kind = SNAP_ON_VMEXIT;
		ev.n = 1;
		k = strchr(colon, ':');
		if (k)
			*k++ = '\0';
		if (!parse_reason(colon, &ev.reason)) {
			snprintf(err, errlen, "%s=%s: unknown VM-exit reason '%s' (a name such as CPUID or HLT, a number, or any)",
				 opt, spec, colon);
			return -1;
		}
		if (k && (!parse_num(k, &ev.n) || !ev.n)) {
			snprintf(err, errlen, "%s=%s: K must be a positive number", opt, spec);
			return -1;
		}
	} else if (!strcmp(buf, "vmentry-fail") && !colon) {
		ev.kind = SNAP_ON_VMENTRY_FAIL;
	} else if (!strcmp(buf, "triple-fault") && !colon) {
		ev.kind = SNAP_ON_TRIPLE_FAULT;
	} else if (!strcmp(buf, "signal") && !colon) {
		ev.kind = SNAP_ON_SIGNAL;
	} else {
		snprintf(err, errlen, "%s=%s: expected exit, insns:N, vmexit:REASON[:K], vmentry-fail, triple-fault or signal",
			 opt, spec);
		return -1;
	}
	t->ev[t->n_events++] = ev;
	return 0;
}

/* Pausing at an instruction count is --max-insns / the monitor's step:
 * --pause-on takes the VMX events only. */
static int make_pause(struct snap_event *e, char *err, size_t errlen)
{
	if (e->kind != SNAP_ON_VMEXIT && e->kind != SNAP_ON_VMENTRY_FAIL) {
		snprintf(err, errlen, "--pause-on=%s: expected vmexit:REASON[:K] or vmentry-fail",
			 e->spec);
		return -1;
	}
	e->pause = true;
	return 0;
}

static int add_list(struct snap_trigger *t, const char *opt, const char *spec,
		    bool pause, char *err, size_t errlen)
{
	char *copy = strdup(spec), *save = NULL;
	unsigned before = t->n_events;
	int rc = 0;

	if (!copy)
		return -1;
	for (char *tok = strtok_r(copy, ",", &save); tok && !rc;
	     tok = strtok_r(NULL, ",", &save)) {
		rc = add_one(t, opt, tok, err, errlen);
		if (!rc && pause)
			rc = make_pause(&t->ev[t->n_events - 1], err, errlen);
	}
	if (!rc && t->n_events == before) {
		snprintf(err, errlen, "%s=%s: no event", opt, spec);
		rc = -1;
	}
	free(copy);
	return rc;
}

int snap_trigger_add(struct snap_trigger *t, const char *spec, char *err,
		     size_t errlen)
{
	return add_list(t, "--snapshot-on", spec, false, err, errlen);
}

int snap_trigger_add_pause(struct snap_trigger *t, const char *spec,
			   char *err, size_t errlen)
{
	return add_list(t, "--pause-on", spec, true, err, errlen);
}

unsigned snap_trigger_snapshot_events(const struct snap_trigger *t)
{
	unsigned n = 0;

	for (unsigned i = 0; i < t->n_events; i++)
		n += !t->ev[i].pause;
	return n;
}

bool snap_trigger_numbered(const struct snap_trigger *t)
{
	const struct snap_event *e = NULL;

	if (snap_trigger_snapshot_events(t) != 1)
		return true;
	for (unsigned i = 0; i < t->n_events && !e; i++)
		if (!t->ev[i].pause)
			e = &t->ev[i];
	return e->kind == SNAP_ON_SIGNAL ||
	       (e->kind == SNAP_ON_VMEXIT && e->reason == SNAP_REASON_ANY);
}

/* a.snap -> a.3.snap; a -> a.3 */
static void file_name(const struct snap_trigger *t, unsigned n, char *out,
		      size_t len)
{
	const char *slash = strrchr(t->path, '/');
	const char *dot = strrchr(slash ? slash + 1 : t->path, '.');

	if (!snap_trigger_numbered(t))
		snprintf(out, len, "%s", t->path);
	else if (dot && dot != (slash ? slash + 1 : t->path))
		snprintf(out, len, "%.*s.%u%s", (int)(dot - t->path), t->path, n, dot);
	else
		snprintf(out, len, "%s.%u", t->path, n);
}

/* ---- capture ------------------------------------------------------------ */

static void msg(struct machine *m, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void msg(struct machine *m, const char *fmt, ...)
{
	char line[PATH_MAX + 256];
	va_list ap;

	if (m->cfg.msg_fd < 0)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	dprintf(m->cfg.msg_fd, "vmxbox: %s\n", line);
}

static void capture_config(struct machine *m, struct snapshot_machine *s)
{
	struct snap_config *c = &s->config;
	struct snap_trigger *t = m->cfg.snap;
	char num[32];

	c->ram_size = m->mem.size;
	snprintf(c->engine, sizeof(c->engine), "%s", m->ops->name);
	snprintf(c->firmware, sizeof(c->firmware), "%s",
		 m->cfg.firmware ? m->cfg.firmware : t ? t->fw_path : "");
	if (t && !t->fw_hashed && m->cfg.firmware &&
	    !sha256_file(m->cfg.firmware, t->fw_sha256))
		t->fw_hashed = true;
	if (t && t->fw_hashed)
		memcpy(c->firmware_sha256, t->fw_sha256, 32);
	else if (!t && m->cfg.firmware)
		sha256_file(m->cfg.firmware, c->firmware_sha256);
	snprintf(num, sizeof(num), "%" PRIu64, m->cfg.max_insns);
	snap_config_set_option(c, "max-insns", num);
	snap_config_set_option(c, "debug-exit",
			       m->cfg.debug_exit == DEBUG_EXIT_QEMU ? "qemu" : "plain");
	snap_config_set_option(c, "vmx", m->cfg.vmx ? "on" : "off");
	snap_config_set_option(c, "cpu", m->cfg.cpu ? m->cfg.cpu : "max");
}

/* COM2-COM4, those the machine has (devices uart1-uart3). */
static bool snap_coms_save(struct machine *m, struct snapshot_machine *s)
{
	for (unsigned k = 1; k < PC_COM_PORTS; k++)
		if (pc_com(m, k) && !snap_com_save(s, pc_com(m, k), k))
			return false;
	return true;
}

static int snap_coms_load(struct machine *m, const struct snapshot_machine *s,
			  char *err, size_t errlen)
{
	for (unsigned k = 1; k < PC_COM_PORTS; k++)
		if (snap_com_load(s, pc_com(m, k), k, err, errlen))
			return -1;
	return 0;
}

/* The PCI bus and its test devices; fw_cfg, the power registers. */
static bool snap_pc_devices_save(const struct pc_platform *pc,
			     struct snapshot_machine *s)
{
	return snap_pci_save(s, &pc->pci, &pc->host_bridge, pc->pci_testdev,
			     pc->nr_pci_testdevs) &&
	       snap_fw_cfg_save(s, &pc->fw_cfg) && snap_power_save(s, &pc->power) &&
	       snap_acpi_pm_save(s, &pc->acpi_pm);
}

static int snap_pc_devices_load(const struct snapshot_machine *s,
			    struct pc_platform *pc, char *err, size_t errlen)
{
	return snap_pci_load(s, &pc->pci, &pc->host_bridge, pc->pci_testdev,
			     pc->nr_pci_testdevs, err, errlen) ||
	       snap_fw_cfg_load(s, &pc->fw_cfg, err, errlen) ||
	       snap_power_load(s, &pc->power, err, errlen) ||
	       snap_acpi_pm_load(s, &pc->acpi_pm, err, errlen) ? -1 : 0;
}

/* The PC's interrupt controllers and timers (machine/pc_isa.h). */
static bool snap_isa_devices_save(struct snapshot_machine *s,
				  const struct pc_isa *isa)
{
	return snap_isa_save(s, &isa->irq) && snap_pic_save(s, &isa->pic) &&
	       snap_ioapic_save(s, &isa->ioapic) && snap_pit_save(s, &isa->pit) &&
	       snap_rtc_save(s, &isa->rtc);
}

static int snap_isa_devices_load(const struct snapshot_machine *s,
				 struct pc_isa *isa, char *err, size_t errlen)
{
	if (snap_isa_load(s, &isa->irq, err, errlen) ||
	    snap_pic_load(s, &isa->pic, err, errlen) ||
	    snap_ioapic_load(s, &isa->ioapic, err, errlen) ||
	    snap_pit_load(s, &isa->pit, err, errlen) ||
	    snap_rtc_load(s, &isa->rtc, err, errlen))
		return -1;
	i8259_update(&isa->pic);     /* INTR as the restored state has it */
	return 0;
}

struct snapshot_machine *snap_machine_capture(struct machine *m,
					      const char *trigger, char *err,
					      size_t errlen)
{
	struct snapshot_machine *s = snapshot_new();

	if (!s) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	snprintf(s->trigger, sizeof(s->trigger), "%s", trigger);
	capture_config(m, s);
	if (!snapshot_set_cpus(s, m->n_cpus)) {
		snprintf(err, errlen, "out of memory");
		snapshot_free(s);
		return NULL;
	}
	m->ops->get_state(m->eng, &s->cpus[0]);
	/* Several vCPUs: the VMCS regions stay as they are in memory
	 * (another vCPU may load one from there; docs/smp.md). */
	if (m->vmx) {
		snap_vmx_capture(&s->vmx, m->vmx, m->n_cpus > 1 ? NULL : &m->mem);
		/* One vCPU: that wrote the current VMCS back to its region. */
		if (m->n_cpus == 1 && m->cpu[0]->watch)
			vmx_check_rebase(m->cpu[0]->watch, &m->mem);
	}
	/* Serial output up to this point belongs to this run (written by
	 * the UART's own thread: never wait for a slow reader here). */
	pc_serial_push(m);
	if (!smp_snap_capture(m, s) || !snap_coms_save(m, s) ||
	    !snap_uart_save(s, &m->uart) || !snap_debug_exit_save(s, &m->dbg) ||
	    !snap_lapic_save(s, &m->lapic) || !snap_isa_devices_save(s, &m->isa) ||
	    (m->pc->pc_testdev && !snap_pc_testdev_save(s, m->pc->pc_testdev)) ||
	    !snap_pc_devices_save(m->pc, s) ||
	    snap_mem_capture(&s->mem, &m->mem)) {
		snprintf(err, errlen, "out of memory");
		snapshot_free(s);
		return NULL;
	}
	return s;
}

int snap_machine_write(struct machine *m, const char *path,
		       const char *trigger, char *err, size_t errlen)
{
	struct snapshot_machine *s = snap_machine_capture(m, trigger, err, errlen);
	int rc;

	if (!s)
		return -1;
	rc = snapshot_write_file(s, path, err, errlen);
	snapshot_free(s);
	return rc ? -1 : 0;
}

int snap_machine_save(struct machine *m, const char *trigger)
{
	struct snap_trigger *t = m->cfg.snap;
	char path[PATH_MAX + 16], err[PATH_MAX + 256];
	struct snapshot_machine *s = snap_machine_capture(m, trigger, err, sizeof(err));
	int rc = -1;

	file_name(t, t->taken + 1, path, sizeof(path));
	if (s && !snapshot_write_file(s, path, err, sizeof(err))) {
		t->taken++;
		rc = 0;
		if (m->cfg.verbose)
			msg(m, "snapshot %s written (%s, %" PRIu64 " instructions)",
			    path, trigger, machine_insn_count(m));
	} else {
		t->failed = true;
		msg(m, "snapshot %s failed: %s", path, err);
	}
	snapshot_free(s);
	return rc;
}

/* ---- triggers ----------------------------------------------------------- */

static void fire(struct machine *m, const char *what)
{
	struct snap_trigger *t = m->cfg.snap;

	if (atomic_load(&t->pending))
		return;   /* one snapshot per stop */
	snprintf(t->pending_what, sizeof(t->pending_what), "%s", what);
	atomic_store(&t->pending, true);
	machine_kick_vcpu(m);
}

/* --pause-on: the vCPU parks at the next instruction boundary, as for the
 * monitor's pause (vcpu_ctl.h), and waits for resume, step or gdb. */
static void pause_now(struct machine *m, const char *what)
{
	pthread_mutex_lock(&m->ctl.lock);
	m->ctl.pause_req = true;
	pthread_mutex_unlock(&m->ctl.lock);
	if (m->cfg.verbose)
		msg(m, "paused at %s (%" PRIu64 " instructions)", what,
		    machine_insn_count(m));
	machine_kick_vcpu(m);
}

void snap_machine_signal(struct machine *m)
{
	struct snap_trigger *t = m->cfg.snap;

	for (unsigned i = 0; t && i < t->n_events; i++)
		if (t->ev[i].kind == SNAP_ON_SIGNAL) {
			fire(m, "signal");
			return;
		}
}

static bool has_event(const struct snap_trigger *t, enum snap_event_kind k)
{
	for (unsigned i = 0; i < t->n_events; i++)
		if (t->ev[i].kind == k)
			return true;
	return false;
}

/* The user's limit and a monitor step target (vcpu_ctl.h). */
static uint64_t outer_limit(struct machine *m, uint64_t *step)
{
	pthread_mutex_lock(&m->ctl.lock);
	*step = m->ctl.step_target;
	pthread_mutex_unlock(&m->ctl.lock);
	return m->cfg.max_insns;
}

/* Engine limit: the next insns:N trigger, the user's limit or the step
 * target, whichever comes first. */
static void arm_insns(struct machine *m)
{
	struct snap_trigger *t = m->cfg.snap;
	uint64_t step, now = machine_insn_count(m);
	uint64_t limit = outer_limit(m, &step);

	if (step && (!limit || step < limit))
		limit = step;
	for (unsigned i = 0; i < t->n_events; i++) {
		struct snap_event *e = &t->ev[i];

		if (e->kind == SNAP_ON_INSNS && !e->done && e->n > now &&
		    (!limit || e->n < limit))
			limit = e->n;
	}
	machine_set_max_insns(m, limit);
}

/* insns:N events due now; returns true if one was taken. */
static bool take_insns(struct machine *m)
{
	struct snap_trigger *t = m->cfg.snap;
	uint64_t now = machine_insn_count(m);
	bool took = false;

	for (unsigned i = 0; i < t->n_events; i++) {
		struct snap_event *e = &t->ev[i];

		if (e->kind == SNAP_ON_INSNS && !e->done && e->n <= now) {
			e->done = true;
			if (e->n == now && !took) {
				snap_machine_save(m, e->spec);
				took = true;
			}
		}
	}
	return took;
}

static bool pause_requested(struct machine *m)
{
	bool p;

	pthread_mutex_lock(&m->ctl.lock);
	p = m->ctl.pause_req;
	pthread_mutex_unlock(&m->ctl.lock);
	return p;
}

enum engine_exit_reason snap_machine_run(struct machine *m)
{
	struct snap_trigger *t = m->cfg.snap;
	enum engine_exit_reason r;

	/* insns:N due before the first step (N = 0 or a restored count). */
	if (!t->started) {
		t->started = true;
		take_insns(m);
	}
	for (;;) {
		bool snapped = false;

		arm_insns(m);
		r = machine_run_vcpus(m);
		if (atomic_exchange(&t->pending, false)) {
			snap_machine_save(m, t->pending_what);
			snapped = true;
		}
		if (r == ENGINE_EXIT_INSN_LIMIT) {
			uint64_t step, now = machine_insn_count(m);
			uint64_t user = outer_limit(m, &step);

			take_insns(m);
			if ((!user || now < user) && !(step && now >= step))
				continue;   /* only a trigger's stop */
		}
		/* A stop that was only for the snapshot: go on. */
		if (r == ENGINE_EXIT_STOP && snapped &&
		    atomic_load(&m->stop_cause) == STOP_NONE && !pause_requested(m))
			continue;
		/* The engine limit must be the user's again for the caller. */
		{
			uint64_t step, user = outer_limit(m, &step);

			machine_set_max_insns(m, step && (!user || step < user) ? step : user);
		}
		return r;
	}
}

void snap_machine_run_end(struct machine *m, enum engine_exit_reason r)
{
	struct snap_trigger *t = m->cfg.snap;

	if (r == ENGINE_EXIT_SHUTDOWN && has_event(t, SNAP_ON_TRIPLE_FAULT))
		snap_machine_save(m, "triple-fault");
	if (has_event(t, SNAP_ON_EXIT))
		snap_machine_save(m, "exit");
}

/* ---- VMX events, from the machine's VMX watcher ------------------------ */

static void on_vmx_event(void *opaque, const struct vmx_trace_event *ev)
{
	struct machine *m = opaque;
	struct snap_trigger *t = m->cfg.snap;

	for (unsigned i = 0; i < t->n_events; i++) {
		struct snap_event *e = &t->ev[i];

		if (e->kind == SNAP_ON_VMENTRY_FAIL && ev->kind == VMX_TRACE_ENTRY_FAIL)
			(e->pause ? pause_now : fire)(m, e->spec);
		if (e->kind != SNAP_ON_VMEXIT || e->done || ev->kind != VMX_TRACE_EXIT ||
		    (e->reason != SNAP_REASON_ANY &&
		     e->reason != (ev->reason & EXIT_REASON_BASIC_MASK)))
			continue;
		if (e->reason == SNAP_REASON_ANY) {
			(e->pause ? pause_now : fire)(m, e->spec);
		} else if (++e->seen == e->n) {
			e->done = true;
			(e->pause ? pause_now : fire)(m, e->spec);
		}
	}
}

void snap_machine_watch(struct machine *m, struct vmx_watch *w)
{
	struct vmx_observer o = { on_vmx_event, m };

	vmx_watch_add_observer(w, &o);
}

/* ---- restore ------------------------------------------------------------ */

int snap_machine_restore(struct machine *m, const struct snapshot_machine *s,
			 char *err, size_t errlen)
{
	if (s->n_cpus != m->n_cpus) {
		snprintf(err, errlen, "snapshot has %u vCPUs, this machine has %u",
			 s->n_cpus, m->n_cpus);
		return -1;
	}
	if (s->config.ram_size != m->mem.size) {
		snprintf(err, errlen, "snapshot RAM is %" PRIu64 " bytes, machine has %" PRIu64,
			 s->config.ram_size, m->mem.size);
		return -1;
	}
	if (s->vmx.present && s->vmx.vmxon && !m->vmx) {
		snprintf(err, errlen, "snapshot is in VMX operation but the machine has no VMX layer");
		return -1;
	}
	if (snap_mem_restore(&s->mem, &m->mem, err, errlen) ||
	    snap_uart_load(s, &m->uart, err, errlen) || snap_coms_load(m, s, err, errlen) ||
	    snap_debug_exit_load(s, &m->dbg, err, errlen))
		return -1;
	if (m->vmx && snap_vmx_restore(m->vmx, &s->vmx, err, errlen))
		return -1;
	m->ops->set_state(m->eng, &s->cpus[0]);
	/* Devices with timers after the vCPU: its TSC is their clock. */
	if (snap_lapic_load(s, &m->lapic, err, errlen) ||
	    smp_snap_restore(m, s, err, errlen) ||
	    snap_isa_devices_load(s, &m->isa, err, errlen) ||
	    snap_pc_testdev_load(s, m->pc->pc_testdev, err, errlen) ||
	    snap_pc_devices_load(s, m->pc, err, errlen))
		return -1;
	vclock_host_rebase(&m->clock);
	return 0;
}
