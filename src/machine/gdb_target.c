// SPDX-License-Identifier: MIT
/*
 * The machine as the GDB stub's target.  Threads: the stub runs on the
 * event loop; the vCPU thread only tells it that it parked (on_park, an
 * ev_async), with the exit that made it park.  Everything else (state,
 * memory, breakpoints) is touched from the loop while the vCPU thread is
 * parked, which vcpu_ctl's mutex orders.
 */
#include "machine/gdb_target.h"
#include "machine/pc_serial.h"

#include <ev.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/page_walk.h"
#include "gdb/gdb_server.h"
#include "machine/gdb_history.h"
#include "machine/gdb_int.h"
#include "machine/machine.h"
#include "machine/monitor_cmds.h"

static struct machine_gdb *to_g(void *t)
{
	return t;
}

/* ---- registers and memory ----------------------------------------------- */

static unsigned t_nr_cpus(void *t)
{
	return to_g(t)->m->n_cpus;
}

/* Registers in the current view (gdb_view.c). */
static bool t_get_state(void *t, unsigned cpu, struct cpu_state *s)
{
	struct machine_gdb *g = to_g(t);
	bool live;

	return cpu < g->m->n_cpus &&
	       gdb_view_state(g->m, g->m->cpu[cpu], g->view, s, &live);
}

/* Only the running level's registers can be written: the other one's
 * are VMCS fields, which L1 owns. */
static bool t_set_state(void *t, unsigned cpu, const struct cpu_state *s)
{
	struct machine_gdb *g = to_g(t);
	struct machine *m = g->m;
	struct cpu_state cur;
	bool live;

	if (cpu >= m->n_cpus || vcpu_state(m) != VCPU_PAUSED ||
	    !gdb_view_state(m, m->cpu[cpu], g->view, &cur, &live) || !live)
		return false;
	m->ops->set_state(m->cpu[cpu]->eng, s);
	return true;
}

/*
 * Linear addresses through the view's paging (L2: its tables and pages
 * through L1's EPT), page by page, RAM only (a debugger's read must not
 * reach a device register).  Returns the bytes done before the first
 * unmapped page.
 */
static size_t access_mem(struct machine_gdb *g, unsigned cpu, uint64_t lin,
			 uint8_t *rbuf, const uint8_t *wbuf, size_t len)
{
	struct machine *m = g->m;
	struct cpu_state s;
	size_t done = 0;

	if (!t_get_state(g, cpu, &s))
		return 0;
	while (done < len) {
		uint64_t a = lin + done, gpa;
		size_t n = GUEST_PAGE_SIZE - (a & (GUEST_PAGE_SIZE - 1));
		bool ok;

		if (n > len - done)
			n = len - done;
		if (!gdb_view_translate(m, m->cpu[cpu], g->view, &s, a, &gpa))
			break;
		ok = rbuf ? gmem_read(&m->mem, gpa, rbuf + done, n)
			  : gmem_write(&m->mem, gpa, wbuf + done, n);
		if (!ok)
			break;
		done += n;
	}
	return done;
}

static size_t t_read_mem(void *t, unsigned cpu, uint64_t addr, uint8_t *buf,
			 size_t len)
{
	return access_mem(to_g(t), cpu, addr, buf, NULL, len);
}

static size_t t_write_mem(void *t, unsigned cpu, uint64_t addr,
			  const uint8_t *buf, size_t len)
{
	if (vcpu_state(to_g(t)->m) != VCPU_PAUSED)
		return 0;
	return access_mem(to_g(t), cpu, addr, NULL, buf, len);
}

/* ---- breakpoints -------------------------------------------------------- */

static int bp_set(struct engine_debug *d, bool insert, uint64_t addr)
{
	for (unsigned i = 0; i < d->n_bp; i++) {
		if (d->bp[i] != addr)
			continue;
		if (!insert)
			d->bp[i] = d->bp[--d->n_bp];
		return 0;
	}
	if (!insert)
		return 0;
	if (d->n_bp == ENGINE_DEBUG_MAX_BP)
		return -1;
	d->bp[d->n_bp++] = addr;
	return 0;
}

static int wp_set(struct engine_debug *d, bool insert, unsigned kind,
		  uint64_t addr, uint64_t len, bool phys)
{
	for (unsigned i = 0; i < d->n_wp; i++) {
		struct engine_watch *w = &d->wp[i];

		if (w->addr != addr || w->len != len || w->kind != kind ||
		    w->phys != phys)
			continue;
		if (!insert)
			*w = d->wp[--d->n_wp];
		return 0;
	}
	if (!insert)
		return 0;
	if (d->n_wp == ENGINE_DEBUG_MAX_WP || !len || len > GUEST_PAGE_SIZE)
		return -1;
	d->wp[d->n_wp++] = (struct engine_watch){
		.addr = addr, .len = len, .kind = kind, .phys = phys,
	};
	return 0;
}

static int t_breakpoint(void *t, bool insert, enum gdb_bp_type type,
			uint64_t addr, uint64_t len)
{
	static const unsigned kinds[] = {
		[GDB_WP_WRITE] = ENGINE_WATCH_WRITE,
		[GDB_WP_READ] = ENGINE_WATCH_READ,
		[GDB_WP_ACCESS] = ENGINE_WATCH_ACCESS,
	};
	struct machine_gdb *g = to_g(t);

	if (!g->m->ops->set_debug)
		return 1;
	if (type == GDB_BP_SW || type == GDB_BP_HW)
		return bp_set(&g->dbg, insert, addr);
	return wp_set(&g->dbg, insert, kinds[type], addr, len, false);
}

/* ---- running ------------------------------------------------------------ */

/* Every vCPU gets the breakpoints (the vCPU thread is parked); VMX
 * event stops are armed again. */
void gdb_apply_debug(struct machine_gdb *g)
{
	struct machine *m = g->m;

	g->events_armed = true;
	if (!m->ops->set_debug)
		return;
	for (unsigned k = 0; k < m->n_cpus; k++)
		m->ops->set_debug(m->cpu[k]->eng, &g->dbg);
}

/* Report a stop from the loop, after the stub has marked itself running. */
static void defer_stop(struct machine_gdb *g, const struct gdb_stop *s)
{
	g->deferred = true;
	g->deferred_stop = *s;
	ev_async_send(g->loop, &g->parked);
}

static bool release(struct machine_gdb *g, uint64_t n)
{
	g->event_hit = false;
	return vcpu_release(g->m, n, &g->resume_parks);
}

/* Forward: c runs in chunks of the checkpoint interval with --reverse. */
static void set_muted(struct machine_gdb *g, bool on)
{
	pc_serial_mute(g->m, on);
}

/*
 * Forward: c runs in chunks of the checkpoint interval with --reverse.
 * After going backwards the run up to live_max repeats what was already
 * printed: muted, in a chunk that ends exactly there.
 */
static bool forward(struct machine_gdb *g)
{
	uint64_t n = g->plan.step ? 1 : 0, now = machine_insn_count(g->m);
	char err[256];

	if (g->hist) {
		if (gdb_history_checkpoint(g->hist, g->m, false, err, sizeof(err)) &&
		    g->m->cfg.msg_fd >= 0)
			dprintf(g->m->cfg.msg_fd, "vmxbox: gdb: checkpoint: %s\n", err);
		if (!n)
			n = g->m->cfg.gdb_interval ? g->m->cfg.gdb_interval
						   : GDB_HISTORY_INTERVAL_DEFAULT;
		if (now > g->live_max)
			g->live_max = now;
		set_muted(g, now < g->live_max);
		if (now < g->live_max && g->live_max - now < n)
			n = g->live_max - now;
	}
	g->plan.phase = RUN_FORWARD;
	return release(g, n);
}

/* Restore checkpoint k, then run to instruction count `to` with the
 * breakpoints off and report `stop` there. */
static bool rev_goto(struct machine_gdb *g, unsigned k, uint64_t to,
		     const struct gdb_stop *stop)
{
	struct engine_debug none = { 0 };
	struct machine *m = g->m;
	char err[256];
	uint64_t at;

	if (gdb_history_restore(g->hist, m, k, err, sizeof(err)))
		return false;
	at = gdb_history_insns(g->hist, k);
	g->plan.phase = RUN_REV_GOTO;
	g->plan.stop = *stop;
	if (at >= to) {
		set_muted(g, false);
		gdb_apply_debug(g);
		g->plan.phase = RUN_IDLE;
		defer_stop(g, stop);
		return true;
	}
	set_muted(g, true);
	g->events_armed = false;
	for (unsigned c = 0; c < m->n_cpus; c++)
		m->ops->set_debug(m->cpu[c]->eng, &none);
	return release(g, to - at);
}

/* Search checkpoint k's window [k, end) for the last breakpoint hit. */
static bool rev_search(struct machine_gdb *g, int k, uint64_t end)
{
	struct machine *m = g->m;
	struct engine_debug d = g->dbg;
	char err[256];

	if (gdb_history_restore(g->hist, m, (unsigned)k, err, sizeof(err)))
		return false;
	g->plan = (struct run_plan){ .phase = RUN_REV_SEARCH, .k = k, .end = end };
	set_muted(g, true);
	g->events_armed = true;
	d.no_skip = true;
	for (unsigned c = 0; c < m->n_cpus; c++)
		m->ops->set_debug(m->cpu[c]->eng, &d);
	return release(g, end - gdb_history_insns(g->hist, (unsigned)k));
}

/* Instructions vCPU cpu has retired. */
static uint64_t cpu_insns(struct machine_gdb *g, unsigned cpu)
{
	struct machine *m = g->m;

	return m->ops->insn_count(m->cpu[cpu]->eng);
}

/* Put the machine at checkpoint k, muted, breakpoints off. */
static bool rev_restore(struct machine_gdb *g, unsigned k)
{
	struct engine_debug none = { 0 };
	struct machine *m = g->m;
	char err[256];

	if (gdb_history_restore(g->hist, m, k, err, sizeof(err)))
		return false;
	set_muted(g, true);
	g->events_armed = false;
	for (unsigned c = 0; c < m->n_cpus; c++)
		m->ops->set_debug(m->cpu[c]->eng, &none);
	return true;
}

/*
 * The bisection of a reverse step of vCPU p->step_cpu, with the machine
 * at machine count p->probe.  First the checkpoints, newest first, until
 * one where the vCPU is behind (lo); then halving [lo, hi).  The answer,
 * lo at hi = lo + 1, is the state right before the vCPU's last
 * instruction, with whatever the others ran after it undone too.
 */
static bool rev_bisect(struct machine_gdb *g)
{
	struct run_plan *p = &g->plan;
	struct gdb_stop stop = { .kind = GDB_STOP_TRAP, .cpu = p->step_cpu };
	int k;

	for (;;) {
		bool behind = cpu_insns(g, p->step_cpu) < p->step_from;

		if (behind || p->lo_known) {
			*(behind ? &p->lo : &p->hi) = p->probe;
			p->lo_known = true;
		} else if (p->k == 0) {     /* it never ran in the history */
			stop.kind = GDB_STOP_HISTORY;
			snprintf(g->why, sizeof(g->why), "the start of the history");
			return rev_goto(g, 0, p->probe, &stop);
		} else {
			p->hi = p->probe;
			p->probe = gdb_history_insns(g->hist, (unsigned)--p->k);
			if (!rev_restore(g, (unsigned)p->k))
				return false;
			continue;
		}
		if (p->hi - p->lo <= 1) {
			p->found = true;    /* report stop, not the park's vCPU */
			snprintf(p->why, sizeof(p->why), "step of vCPU %u", p->step_cpu);
			k = gdb_history_find(g->hist, p->lo, false);
			return rev_goto(g, (unsigned)k, p->lo, &stop);
		}
		p->probe = p->lo + (p->hi - p->lo) / 2;
		k = gdb_history_find(g->hist, p->probe, false);
		if (!rev_restore(g, (unsigned)k))
			return false;
		if (gdb_history_insns(g->hist, (unsigned)k) < p->probe)
			return release(g, p->probe - gdb_history_insns(g->hist, (unsigned)k));
	}
}

/* SMP reverse step of vCPU cpu: back to the last machine count at which
 * it had retired one instruction less (its count only grows, so
 * bisection finds it), as a forward step runs the machine until cpu
 * retired one more. */
static bool rev_step_cpu(struct machine_gdb *g, unsigned cpu, int k)
{
	struct run_plan *p = &g->plan;

	p->phase = RUN_REV_BISECT;
	p->step_cpu = cpu;
	p->step_from = cpu_insns(g, cpu);
	p->k = k;
	p->hi = machine_insn_count(g->m);
	p->probe = gdb_history_insns(g->hist, (unsigned)k);
	p->lo_known = false;
	if (!rev_restore(g, (unsigned)k))
		return false;
	return rev_bisect(g);
}

static bool reverse(struct machine_gdb *g, unsigned cpu, bool cont)
{
	uint64_t now = machine_insn_count(g->m);
	struct gdb_stop begin = { .kind = GDB_STOP_HISTORY, .cpu = cpu };
	struct gdb_stop trap = { .kind = GDB_STOP_TRAP, .cpu = cpu };
	int k = gdb_history_find(g->hist, now, true);

	if (k < 0) {               /* at the oldest state there is */
		snprintf(g->why, sizeof(g->why), "the start of the history");
		defer_stop(g, &begin);
		return true;
	}
	if (cont)
		return rev_search(g, k, now);
	if (g->m->n_cpus > 1)
		return rev_step_cpu(g, cpu, k);
	k = gdb_history_find(g->hist, now - 1, false);
	return rev_goto(g, (unsigned)k, now - 1, &trap);
}

static bool t_resume(void *t, unsigned cpu, enum gdb_resume how)
{
	struct machine_gdb *g = to_g(t);
	struct machine *m = g->m;

	if (vcpu_state(m) != VCPU_PAUSED)
		return false;
	g->interrupted = false;
	g->plan = (struct run_plan){ .step = how == GDB_RESUME_STEP,
				     .step_cpu = cpu };
	if (cpu < m->n_cpus)
		g->plan.step_from = cpu_insns(g, cpu);
	switch (how) {
	case GDB_RESUME_CONTINUE:
	case GDB_RESUME_STEP:
		gdb_apply_debug(g);
		return forward(g);
	case GDB_RESUME_REV_STEP:
	case GDB_RESUME_REV_CONTINUE:
		return g->hist && cpu < m->n_cpus &&
		       reverse(g, cpu, how == GDB_RESUME_REV_CONTINUE);
	}
	return false;
}

static bool t_can_reverse(void *t)
{
	return to_g(t)->hist != NULL;
}

static void t_interrupt(void *t)
{
	struct machine_gdb *g = to_g(t);

	g->interrupted = true;
	if (vcpu_pause_nowait(g->m)) {
		struct gdb_stop s = { .kind = GDB_STOP_INTERRUPT };

		/* Parked between two runs of a plan: it ends here. */
		if (g->plan.phase != RUN_FORWARD && g->plan.phase != RUN_IDLE) {
			set_muted(g, false);
			gdb_apply_debug(g);
		}
		g->plan.phase = RUN_IDLE;
		gdb_server_stopped(g->srv, &s);
	}
}

static void t_monitor(void *t, const char *cmd, char *out, size_t outlen)
{
	gdb_monitor(to_g(t), cmd, out, outlen);
}

/* Forget every breakpoint and let the machine run (D, or gdb went away). */
static void t_detach(void *t)
{
	struct machine_gdb *g = to_g(t);
	struct machine *m = g->m;
	char err[128];
	uint64_t parks;

	memset(&g->dbg, 0, sizeof(g->dbg));
	if (vcpu_state(m) == VCPU_ENDED || !vcpu_pause(m, err, sizeof(err)))
		return;
	gdb_apply_debug(g);
	vcpu_release(m, 0, &parks);
}

static void t_kill(void *t)
{
	machine_request_stop(to_g(t)->m, STOP_MONITOR_QUIT);
}

static const struct gdb_target_ops target_ops = {
	.nr_cpus = t_nr_cpus,
	.get_state = t_get_state,
	.set_state = t_set_state,
	.read_mem = t_read_mem,
	.write_mem = t_write_mem,
	.breakpoint = t_breakpoint,
	.resume = t_resume,
	.interrupt = t_interrupt,
	.monitor = t_monitor,
	.detach = t_detach,
	.kill = t_kill,
	.can_reverse = t_can_reverse,
};

/* ---- stops -------------------------------------------------------------- */

/* vCPU thread, ctl.lock held: it parks after run() returned r. */
static void on_park(void *opaque, enum engine_exit_reason r)
{
	struct machine_gdb *g = opaque;
	struct machine *m = g->m;

	g->park_reason = r;
	g->park_exit = m->exit;
	g->park_cpu = g->event_hit ? g->event_cpu
		    : m->n_cpus > 1 ? m->sched.final_cpu : 0;
	ev_async_send(g->loop, &g->parked);
}

/* The stop a park means, and its one-line description for `why`. */
static struct gdb_stop stop_of(const struct machine_gdb *g, char *why,
			       size_t len)
{
	struct gdb_stop s = { .kind = GDB_STOP_TRAP, .cpu = g->park_cpu };
	const struct engine_debug_hit *h = &g->park_exit.hit;
	uint64_t insns = machine_insn_count(g->m);

	if (g->park_reason == ENGINE_EXIT_DEBUG && h->kind == ENGINE_HIT_WATCH) {
		s.kind = GDB_STOP_WATCH;
		s.addr = h->addr;
		/* gdb matches the stop against its own watchpoints by type:
		 * an awatch (Z4) reports awatch whichever access hit it. */
		s.watch_type = h->wp_kind == ENGINE_WATCH_WRITE ? GDB_WP_WRITE
			     : h->wp_kind == ENGINE_WATCH_READ ? GDB_WP_READ
							     : GDB_WP_ACCESS;
		snprintf(why, len, "watchpoint 0x%llx (%s), vCPU %u, instruction %llu",
			 (unsigned long long)h->addr,
			 h->watch_kind == ENGINE_WATCH_WRITE ? "write" : "read",
			 s.cpu, (unsigned long long)insns);
	} else if (g->park_reason == ENGINE_EXIT_DEBUG) {
		snprintf(why, len, "breakpoint 0x%llx, vCPU %u, instruction %llu",
			 (unsigned long long)h->addr, s.cpu, (unsigned long long)insns);
	} else if (g->park_reason == ENGINE_EXIT_STOP && g->event_hit) {
		snprintf(why, len, "%s, vCPU %u, instruction %llu", g->event_what,
			 s.cpu, (unsigned long long)insns);
	} else if (g->park_reason == ENGINE_EXIT_STOP && g->interrupted) {
		s.kind = GDB_STOP_INTERRUPT;
		snprintf(why, len, "interrupted, instruction %llu",
			 (unsigned long long)insns);
	} else {
		snprintf(why, len, "step, vCPU %u, instruction %llu", s.cpu,
			 (unsigned long long)insns);
	}
	return s;
}

/* A park at a breakpoint, watchpoint or VMX event stop. */
static bool is_hit(const struct machine_gdb *g, enum engine_exit_reason r)
{
	return r == ENGINE_EXIT_DEBUG || (r == ENGINE_EXIT_STOP && g->event_hit);
}

/* Going backwards, a watchpoint or VMWRITE stop is before the access. */
static bool hit_is_after(const struct machine_gdb *g, const struct gdb_stop *s)
{
	return s->kind == GDB_STOP_WATCH || (g->event_hit && g->event_is_write);
}

/* The plan's next move after a park; true: the vCPU runs again (no
 * stop to report yet). */
static bool plan_next(struct machine_gdb *g, enum engine_exit_reason r,
		      struct gdb_stop *s, const char *why)
{
	struct run_plan *p = &g->plan;
	uint64_t now = machine_insn_count(g->m);
	bool hit = is_hit(g, r);

	if ((r == ENGINE_EXIT_STOP && !hit) || p->phase == RUN_IDLE)
		return false;           /* ^C or a pause: report it */
	switch (p->phase) {
	case RUN_FORWARD:
		/* A breakpoint outside the scope: on. */
		if (r == ENGINE_EXIT_DEBUG && !gdb_in_scope(g, s->cpu))
			return !p->step && forward(g);
		/* A step is one instruction of the vCPU gdb steps (SMP: the
		 * others run theirs in between, in the scheduler's order,
		 * one at a time to stop right after its own). */
		if (r == ENGINE_EXIT_INSN_LIMIT && p->step) {
			if (cpu_insns(g, p->step_cpu) == p->step_from)
				return forward(g);
			/* The scheduler may be on the next vCPU already. */
			s->cpu = p->step_cpu;
			return false;
		}
		/* A chunk ended: checkpoint and go on (c only). */
		return r == ENGINE_EXIT_INSN_LIMIT && forward(g);
	case RUN_REV_SEARCH:
		if (hit && now < p->end) {
			if (r != ENGINE_EXIT_DEBUG || gdb_in_scope(g, s->cpu)) {
				p->found = true;
				p->hit_at = hit_is_after(g, s) ? now - 1 : now;
				p->stop = *s;
				snprintf(p->why, sizeof(p->why), "%s", why);
			}
			return release(g, p->end - now);
		}
		if (p->found) {
			/* A watch hit on the window's first instruction lands
			 * before the checkpoint: start from the one before. */
			int k = p->k;

			if (k > 0 && p->hit_at < gdb_history_insns(g->hist, (unsigned)k))
				k--;
			return rev_goto(g, (unsigned)k, p->hit_at, &p->stop);
		}
		if (p->k > 0)
			return rev_search(g, p->k - 1,
					  gdb_history_insns(g->hist, (unsigned)p->k));
		{
			struct gdb_stop begin = { .kind = GDB_STOP_HISTORY };

			snprintf(p->why, sizeof(p->why), "the start of the history");
			return rev_goto(g, 0, 0, &begin);
		}
	case RUN_REV_BISECT:
		return rev_bisect(g);
	case RUN_REV_GOTO:
		if (p->found)
			*s = p->stop;
		else            /* reverse-stepi, the start of history */
			*s = (struct gdb_stop){ .kind = p->stop.kind, .cpu = s->cpu };
		break;
	case RUN_IDLE:
		break;
	}
	return false;
}

/* Loop thread: the vCPU parked; a stop reply if gdb waits for one. */
static void parked_cb(struct ev_loop *loop, ev_async *w, int revents)
{
	struct machine_gdb *g = w->data;
	struct machine *m = g->m;
	enum engine_exit_reason r;
	struct gdb_stop s;
	bool fresh;

	if (g->deferred) {
		g->deferred = false;
		gdb_server_stopped(g->srv, &g->deferred_stop);
		return;
	}
	char why[sizeof(g->why)];

	pthread_mutex_lock(&m->ctl.lock);
	fresh = m->ctl.parks > g->resume_parks;
	s = stop_of(g, why, sizeof(why));
	r = g->park_reason;
	pthread_mutex_unlock(&m->ctl.lock);
	if (!fresh || !gdb_server_running(g->srv))
		return;
	if (plan_next(g, r, &s, why))
		return;
	if (g->plan.phase == RUN_REV_GOTO)
		snprintf(why, sizeof(why), "%.140s (going backwards)", g->plan.why);
	if (g->plan.phase != RUN_FORWARD && g->plan.phase != RUN_IDLE) {
		set_muted(g, false);
		gdb_apply_debug(g);
	}
	if (g->hist && g->plan.phase == RUN_FORWARD && !g->m->uart.out.mute &&
	    machine_insn_count(m) > g->live_max)
		g->live_max = machine_insn_count(m);
	set_muted(g, false);
	g->plan.phase = RUN_IDLE;
	snprintf(g->why, sizeof(g->why), "%s", why);
	gdb_server_stopped(g->srv, &s);
}

/* A debugger connected: stop the machine where it is. */
static void on_attach(void *target)
{
	struct machine_gdb *g = target;
	char err[128];

	if (vcpu_state(g->m) != VCPU_ENDED)
		vcpu_pause(g->m, err, sizeof(err));
}

int machine_gdb_start(struct machine *m, struct ev_loop *loop, char *err,
		      size_t errlen)
{
	struct machine_gdb *g;
	char where[300], line[400];
	struct gdb_server_config cfg = {
		.spec = m->cfg.gdb, .loop = loop, .ops = &target_ops,
		.attach = on_attach, .detach = t_detach,
	};

	if (!m->cfg.gdb)
		return 0;
	g = calloc(1, sizeof(*g));
	if (!g) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	g->m = m;
	g->loop = loop;
	cfg.target = g;
	if (m->cfg.gdb_reverse) {
		g->hist = gdb_history_new(m->cfg.gdb_interval, m->cfg.gdb_history_mem);
		if (!g->hist) {
			free(g);
			snprintf(err, errlen, "out of memory");
			return -1;
		}
	}
	if (gdb_server_open(&g->srv, &cfg, where, sizeof(where), err, errlen)) {
		gdb_history_free(g->hist);
		free(g);
		return -1;
	}
	ev_async_init(&g->parked, parked_cb);
	g->parked.data = g;
	ev_async_start(loop, &g->parked);
	gdb_events_attach(g);
	pthread_mutex_lock(&m->ctl.lock);
	m->ctl.on_park = on_park;
	m->ctl.on_park_opaque = g;
	pthread_mutex_unlock(&m->ctl.lock);
	m->gdb = g;
	if (m->cfg.msg_fd >= 0) {
		snprintf(line, sizeof(line), "vmxbox: gdb: listening on %s%s\n", where,
			 m->cfg.paused ? " (paused until gdb continues)" : "");
		if (write(m->cfg.msg_fd, line, strlen(line)) < 0) {
			/* nowhere to report it */
		}
	}
	return 0;
}

void machine_gdb_finish(struct machine *m, int status)
{
	struct machine_gdb *g = m->gdb;
	struct gdb_stop s = { .kind = GDB_STOP_EXITED, .exit_status = status };

	if (!g)
		return;
	pthread_mutex_lock(&m->ctl.lock);
	m->ctl.on_park = NULL;
	pthread_mutex_unlock(&m->ctl.lock);
	gdb_server_stopped(g->srv, &s);
	gdb_server_close(g->srv);
	ev_async_stop(g->loop, &g->parked);
	gdb_history_free(g->hist);
	free(g);
	m->gdb = NULL;
}
