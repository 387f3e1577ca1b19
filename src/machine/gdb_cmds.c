// SPDX-License-Identifier: MIT
/*
 * The GDB stub's own `monitor` commands (docs/gdb.md): nested views,
 * breakpoint scope, stops at VMX events, VMCS field watches, physical
 * watchpoints, the reverse-execution history; every other word goes to
 * the machine monitor's commands.  And the VMX event stops themselves:
 * observers on each vCPU's VMX watcher that park the machine.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "machine/gdb_int.h"
#include "machine/machine.h"
#include "machine/monitor_cmds.h"
#include "vmx/vmcs_fields.h"
#include "vmx/vmx_api.h"

#define MAX_WORDS 6

static const char *field_name(uint32_t enc)
{
	bool high;
	const struct vmcs_field *f = vmcs_field_by_encoding(enc, &high);

	return f ? f->name : "?";
}

static bool nonroot(struct machine_gdb *g, unsigned cpu)
{
	struct machine_vcpu *v = g->m->cpu[cpu];

	return v->vmx && vmx_in_nonroot(v->vmx);
}

bool gdb_in_scope(struct machine_gdb *g, unsigned cpu)
{
	if (g->scope == GDB_SCOPE_ANY || cpu >= g->m->n_cpus)
		return true;
	if (g->scope == GDB_SCOPE_VMCS)
		return nonroot(g, cpu) &&
		       vmx_current_vmcs(g->m->cpu[cpu]->vmx) == g->scope_vmcs;
	return nonroot(g, cpu) == (g->scope == GDB_SCOPE_L2);
}

/* ---- event stops (vCPU thread) ------------------------------------------ */

static void hit(struct machine_gdb *g, unsigned cpu, bool write,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void hit(struct machine_gdb *g, unsigned cpu, bool write,
		const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(g->event_what, sizeof(g->event_what), fmt, ap);
	va_end(ap);
	g->event_hit = true;
	g->event_is_write = write;
	g->event_cpu = cpu;
	vcpu_pause_nowait(g->m);
	/* Exactly after this instruction (reverse execution counts on it). */
	if (g->m->ops->stop_after_insn)
		g->m->ops->stop_after_insn(g->m->cpu[cpu]->eng);
}

struct gdb_obs {
	struct machine_gdb *g;
	unsigned cpu;
};

static struct gdb_obs obs[MACHINE_MAX_CPUS];

static void on_vmx_event(void *opaque, const struct vmx_trace_event *ev)
{
	const struct gdb_obs *o = opaque;
	struct machine_gdb *g = o->g;
	unsigned r = ev->reason & 0xffff;

	if (!g->events_armed || g->event_hit)
		return;
	if (ev->kind == VMX_TRACE_EXIT && r < 128 &&
	    ((g->ev.vmexit[r / 64] >> (r % 64)) & 1))
		hit(g, o->cpu, false, "vmexit %s (%u), qualification 0x%llx, L2 rip 0x%llx, vmcs 0x%llx",
		    vmx_exit_reason_name(r) ? vmx_exit_reason_name(r) : "?", r,
		    (unsigned long long)ev->qualification,
		    (unsigned long long)ev->guest_rip, (unsigned long long)ev->vmcs);
	else if (ev->kind == VMX_TRACE_ENTRY && g->ev.vmentry)
		hit(g, o->cpu, false, "vmentry (%s), L2 rip 0x%llx, vmcs 0x%llx",
		    ev->launch ? "VMLAUNCH" : "VMRESUME",
		    (unsigned long long)ev->guest_rip, (unsigned long long)ev->vmcs);
	else if (ev->kind == VMX_TRACE_ENTRY_FAIL && g->ev.vmentry_fail)
		hit(g, o->cpu, false, "vmentry-fail: %s %u, vmcs 0x%llx",
		    ev->reason & 0x80000000u ? "VM-entry failure, exit reason"
					      : "VM-instruction error",
		    ev->reason & 0x7fffffffu, (unsigned long long)ev->vmcs);
}

static void on_vmwrite(void *opaque, uint32_t enc, uint64_t vmcs)
{
	const struct gdb_obs *o = opaque;
	struct machine_gdb *g = o->g;

	if (!g->events_armed || g->event_hit || !g->ev.vmcs_watch ||
	    enc != g->ev.vmcs_field || (g->ev.vmcs_vmcs && vmcs != g->ev.vmcs_vmcs))
		return;
	hit(g, o->cpu, true, "VMWRITE of %s (0x%x), vmcs 0x%llx",
	    field_name(enc), enc, (unsigned long long)vmcs);
}

void gdb_events_attach(struct machine_gdb *g)
{
	struct machine *m = g->m;

	if (!m->vmx)
		return;
	for (unsigned k = 0; k < m->n_cpus; k++) {
		struct vmx_watch *w = m->cpu[k]->watch;
		struct vmx_observer o = { on_vmx_event, &obs[k] };

		obs[k] = (struct gdb_obs){ g, k };
		if (!vmx_watch_add_observer(w, &o) && m->cfg.msg_fd >= 0)
			dprintf(m->cfg.msg_fd, "vmxbox: gdb: no room to observe vCPU %u's VMX events\n", k);
		w->vmwrite = on_vmwrite;
		w->vmwrite_opaque = &obs[k];
	}
}

/* ---- commands ----------------------------------------------------------- */

static bool parse_reason(const char *s, unsigned *out)
{
	char *end;
	unsigned long n = strtoul(s, &end, 0);

	if (*s && !*end) {
		*out = (unsigned)n;
		return n < 128;
	}
	for (unsigned r = 0; r < EXIT_REASON_COUNT; r++) {
		const char *nm = vmx_exit_reason_name(r);

		if (nm && !strcasecmp(nm, s)) {
			*out = r;
			return true;
		}
	}
	return false;
}

static bool parse_field(const char *s, uint32_t *enc)
{
	char *end;
	unsigned long n = strtoul(s, &end, 0);

	if (*s && !*end) {
		*enc = (uint32_t)n;
		return strcmp(field_name(*enc), "?") != 0;
	}
	for (unsigned i = 0; i < VMCS_FIELD_COUNT; i++)
		if (!strcasecmp(vmcs_field_table[i].name, s)) {
			*enc = vmcs_field_table[i].encoding;
			return true;
		}
	return false;
}

static const char *const view_names[] = {
	[GDB_VIEW_AUTO] = "auto", [GDB_VIEW_L1] = "l1", [GDB_VIEW_L2] = "l2",
};
static const char *const scope_names[] = {
	[GDB_SCOPE_ANY] = "any", [GDB_SCOPE_L1] = "l1", [GDB_SCOPE_L2] = "l2",
};

static int word_index(const char *w, const char *const *names, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (w && !strcmp(w, names[i]))
			return (int)i;
	return -1;
}

static void cmd_view(struct machine_gdb *g, char **w, unsigned n, char *out,
		     size_t len)
{
	int v = word_index(w[1], view_names, 3);

	if (n > 2 || (n == 2 && v < 0)) {
		snprintf(out, len, "usage: view [l1|l2|auto]\n");
		return;
	}
	if (n == 2)
		g->view = (enum gdb_view)v;
	/* gdb keeps the registers and memory it read at the stop: nothing
	 * in the protocol lets the stub tell it they changed. */
	snprintf(out, len, "view %s (registers and memory of %s)%s\n",
		 view_names[g->view],
		 g->view == GDB_VIEW_AUTO ? "the level that runs"
		 : g->view == GDB_VIEW_L1 ? "L1, from the VMCS host-state area while L2 runs"
					  : "L2, from the VMCS guest-state area while L1 runs",
		 n == 2 ? "\nnow in gdb: maint flush register-cache; maint flush dcache" : "");
}

static void cmd_scope(struct machine_gdb *g, char **w, unsigned n, char *out,
		      size_t len)
{
	int v = word_index(w[1], scope_names, 3);
	uint64_t vmcs = 0;
	char *end = NULL;

	if (n == 3 && !strcmp(w[1], "vmcs"))
		vmcs = strtoull(w[2], &end, 0);
	if (n == 3 && (!end || *end || end == w[2] || (vmcs & 0xfff))) {
		snprintf(out, len, "scope vmcs: %s is not a VMCS address (4-KByte aligned)\n",
			 w[2]);
		return;
	}
	if (n > 3 || (n == 3 && strcmp(w[1], "vmcs")) || (n == 2 && v < 0)) {
		snprintf(out, len, "usage: scope [l1|l2|any|vmcs ADDR]\n");
		return;
	}
	if (n == 2)
		g->scope = (enum gdb_scope)v;
	if (n == 3) {
		g->scope = GDB_SCOPE_VMCS;
		g->scope_vmcs = vmcs;
	}
	if (g->scope == GDB_SCOPE_VMCS)
		snprintf(out, len, "breakpoints and watchpoints stop in the L2 of VMCS 0x%llx\n",
			 (unsigned long long)g->scope_vmcs);
	else
		snprintf(out, len, "breakpoints and watchpoints stop in %s\n",
			 g->scope == GDB_SCOPE_ANY ? "L1 and L2" : scope_names[g->scope]);
}

static void list_events(struct machine_gdb *g, char *out, size_t len)
{
	size_t o = 0;

	o += (size_t)snprintf(out + o, len - o, "VMX event stops:");
	for (unsigned r = 0; r < 128 && o < len; r++)
		if ((g->ev.vmexit[r / 64] >> (r % 64)) & 1)
			o += (size_t)snprintf(out + o, len - o, " vmexit:%s",
					      vmx_exit_reason_name(r) ? vmx_exit_reason_name(r) : "?");
	if (g->ev.vmentry && o < len)
		o += (size_t)snprintf(out + o, len - o, " vmentry");
	if (g->ev.vmentry_fail && o < len)
		o += (size_t)snprintf(out + o, len - o, " vmentry-fail");
	if (g->ev.vmcs_watch && o < len)
		o += (size_t)snprintf(out + o, len - o, " vmcs-watch:%s",
				      field_name(g->ev.vmcs_field));
	if (o < len)
		snprintf(out + o, len - o, "\n");
}

static void cmd_break(struct machine_gdb *g, char **w, unsigned n, char *out,
		      size_t len)
{
	unsigned r;

	if (n == 3 && !strcmp(w[1], "vmexit") && !strcmp(w[2], "any")) {
		g->ev.vmexit[0] = g->ev.vmexit[1] = ~0ull;
	} else if (n == 3 && !strcmp(w[1], "vmexit") && parse_reason(w[2], &r)) {
		g->ev.vmexit[r / 64] |= 1ull << (r % 64);
	} else if (n == 2 && !strcmp(w[1], "vmentry")) {
		g->ev.vmentry = true;
	} else if (n == 2 && !strcmp(w[1], "vmentry-fail")) {
		g->ev.vmentry_fail = true;
	} else if (n == 2 && !strcmp(w[1], "clear")) {
		memset(&g->ev, 0, sizeof(g->ev));
	} else if (!(n == 1 || (n == 2 && !strcmp(w[1], "list")))) {
		snprintf(out, len, "usage: break vmexit REASON|any | vmentry | vmentry-fail | clear | list\n");
		return;
	}
	list_events(g, out, len);
}

static void cmd_vmcs_watch(struct machine_gdb *g, char **w, unsigned n,
			   char *out, size_t len)
{
	uint32_t enc;
	uint64_t vmcs = 0;

	if (n == 2 && !strcmp(w[1], "off")) {
		g->ev.vmcs_watch = false;
	} else if ((n == 2 || n == 3) && parse_field(w[1], &enc) &&
		   (n == 2 || (vmcs = strtoull(w[2], NULL, 0)))) {
		g->ev.vmcs_watch = true;
		g->ev.vmcs_field = enc;
		g->ev.vmcs_vmcs = vmcs;
	} else {
		snprintf(out, len, "usage: vmcs-watch FIELD [VMCS] | off   (FIELD: a name such as HOST_CR3, or an encoding)\n");
		return;
	}
	list_events(g, out, len);
}

static void cmd_watch_phys(struct machine_gdb *g, char **w, unsigned n,
			   char *out, size_t len, bool insert)
{
	static const char kinds[] = "wra";
	struct engine_debug *d = &g->dbg;
	uint64_t addr, sz;
	unsigned kind = ENGINE_WATCH_WRITE;
	char *end, *end2;

	if (n < 3 || n > 4)
		goto usage;
	addr = strtoull(w[1], &end, 0);
	sz = strtoull(w[2], &end2, 0);
	if (*end || *end2 || !sz || sz > 4096)
		goto usage;
	if (n == 4) {
		const char *k = strchr(kinds, w[3][0]);

		if (!k || w[3][1])
			goto usage;
		kind = (unsigned)(k - kinds) + 1;
	}
	for (unsigned i = 0; i < d->n_wp; i++) {
		struct engine_watch *x = &d->wp[i];

		if (x->phys && x->addr == addr && x->len == sz && x->kind == kind) {
			if (!insert)
				*x = d->wp[--d->n_wp];
			snprintf(out, len, "%s\n", insert ? "already set" : "removed");
			return;
		}
	}
	if (!insert || d->n_wp == ENGINE_DEBUG_MAX_WP) {
		snprintf(out, len, "%s\n", insert ? "too many watchpoints" : "no such watchpoint");
		return;
	}
	d->wp[d->n_wp++] = (struct engine_watch){
		.addr = addr, .len = sz, .kind = kind, .phys = true,
	};
	snprintf(out, len, "guest-physical watchpoint [0x%llx, +%llu) %s\n",
		 (unsigned long long)addr, (unsigned long long)sz,
		 kind == ENGINE_WATCH_WRITE ? "write" : kind == ENGINE_WATCH_READ ? "read" : "access");
	return;
usage:
	snprintf(out, len, "usage: %s ADDR LEN [w|r|a]   (LEN 1..4096)\n",
		 insert ? "watch-phys" : "unwatch-phys");
}

static void cmd_history(struct machine_gdb *g, char *out, size_t len)
{
	unsigned n;

	if (!g->hist) {
		snprintf(out, len, "no reverse execution (vmxbox run --reverse)\n");
		return;
	}
	n = gdb_history_len(g->hist);
	snprintf(out, len, "%u checkpoints, %llu bytes; instructions %llu..%llu\n",
		 n, (unsigned long long)gdb_history_bytes(g->hist),
		 (unsigned long long)(n ? gdb_history_insns(g->hist, 0) : 0),
		 (unsigned long long)(n ? gdb_history_insns(g->hist, n - 1) : 0));
}

static const char gdb_help[] =
	"gdb stub commands:\n"
	"  view [l1|l2|auto]          whose registers and memory gdb sees\n"
	"  scope [l1|l2|any]          where breakpoints and watchpoints stop\n"
	"  scope vmcs ADDR            ... only in the L2 of the VMCS at ADDR\n"
	"  break vmexit REASON|any    stop after VM exits with that reason\n"
	"  break vmentry|vmentry-fail stop after VM entries / failed ones\n"
	"  break list|clear           the VMX event stops\n"
	"  vmcs-watch FIELD [VMCS]|off  stop after a VMWRITE of FIELD\n"
	"  watch-phys ADDR LEN [w|r|a]  guest-physical watchpoint (unwatch-phys)\n"
	"  why                        what made the last stop\n"
	"  history                    reverse execution's checkpoints\n"
	"machine monitor commands (docs/monitor.md):\n";

void gdb_monitor(struct machine_gdb *g, const char *cmd, char *out,
		 size_t outlen)
{
	char buf[256], *w[MAX_WORDS] = { 0 }, *save = NULL, *t;
	unsigned n = 0;

	snprintf(buf, sizeof(buf), "%s", cmd);
	for (t = strtok_r(buf, " \t", &save); t && n < MAX_WORDS;
	     t = strtok_r(NULL, " \t", &save))
		w[n++] = t;
	if (!n || !strcmp(w[0], "help")) {
		size_t o = (size_t)snprintf(out, outlen, "%s", gdb_help);

		if (o < outlen)
			machine_monitor_text(g->m, "help", out + o, outlen - o);
	} else if (!strcmp(w[0], "view")) {
		cmd_view(g, w, n, out, outlen);
	} else if (!strcmp(w[0], "scope")) {
		cmd_scope(g, w, n, out, outlen);
	} else if (!strcmp(w[0], "break")) {
		cmd_break(g, w, n, out, outlen);
	} else if (!strcmp(w[0], "vmcs-watch")) {
		cmd_vmcs_watch(g, w, n, out, outlen);
	} else if (!strcmp(w[0], "watch-phys") || !strcmp(w[0], "unwatch-phys")) {
		cmd_watch_phys(g, w, n, out, outlen, w[0][0] == 'w');
	} else if (!strcmp(w[0], "why")) {
		snprintf(out, outlen, "%s\n", g->why[0] ? g->why : "no stop yet");
	} else if (!strcmp(w[0], "history")) {
		cmd_history(g, out, outlen);
	} else {
		machine_monitor_text(g->m, cmd, out, outlen);
	}
}
