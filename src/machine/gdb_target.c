// SPDX-License-Identifier: MIT
/*
 * The machine as the GDB stub's target.  Threads: the stub runs on the
 * event loop; the vCPU thread only tells it that it parked (on_park, an
 * ev_async), with the exit that made it park.  Everything else (state,
 * memory, breakpoints) is touched from the loop while the vCPU thread is
 * parked, which vcpu_ctl's mutex orders.
 */
#include "machine/gdb_target.h"

#include <ev.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/page_walk.h"
#include "gdb/gdb_server.h"
#include "machine/gdb_history.h"
#include "machine/machine.h"
#include "machine/monitor_cmds.h"

/*
 * What the vCPU is doing for gdb between a resume and the stop reply.
 * Going backwards (bs/bc) is a series of forward runs from checkpoints,
 * each ended by a park: REV_SEARCH runs a window [checkpoint, end) with
 * the breakpoints armed and remembers the last hit; REV_GOTO runs with
 * them off to an exact instruction count, where the stop is reported.
 */
enum run_phase {
	RUN_IDLE,
	RUN_FORWARD,        /* c/s: chunks of `interval` with checkpoints */
	RUN_REV_SEARCH,
	RUN_REV_GOTO,
};

struct run_plan {
	enum run_phase phase;
	bool step;                /* RUN_FORWARD: s, not c */
	int k;                    /* RUN_REV_SEARCH: the checkpoint */
	uint64_t end;             /* RUN_REV_SEARCH: window end */
	bool found;               /* a hit in the window */
	uint64_t hit_at;          /* its instruction count */
	struct gdb_stop stop;     /* RUN_REV_GOTO: the reply at the end */
};

struct machine_gdb {
	struct machine *m;
	struct ev_loop *loop;
	struct gdb_server *srv;
	ev_async parked;
	struct engine_debug dbg;
	bool interrupted;            /* ^C since the last resume */
	struct gdb_history *hist;    /* --reverse */
	struct run_plan plan;
	bool deferred;               /* a stop to report from the loop */
	struct gdb_stop deferred_stop;
	uint64_t resume_parks;       /* ctl.parks at the last resume */
	/* Written by the vCPU thread as it parks (under ctl.lock). */
	enum engine_exit_reason park_reason;
	struct engine_exit park_exit;
	unsigned park_cpu;
};

static struct machine_gdb *to_g(void *t)
{
	return t;
}

static struct engine *eng_of(struct machine *m, unsigned cpu)
{
	return cpu < m->n_cpus ? m->cpu[cpu]->eng : NULL;
}

/* ---- registers and memory ----------------------------------------------- */

static unsigned t_nr_cpus(void *t)
{
	return to_g(t)->m->n_cpus;
}

static bool t_get_state(void *t, unsigned cpu, struct cpu_state *s)
{
	struct machine *m = to_g(t)->m;
	struct engine *e = eng_of(m, cpu);

	if (!e)
		return false;
	m->ops->get_state(e, s);
	return true;
}

static bool t_set_state(void *t, unsigned cpu, const struct cpu_state *s)
{
	struct machine *m = to_g(t)->m;
	struct engine *e = eng_of(m, cpu);

	if (!e || vcpu_state(m) != VCPU_PAUSED)
		return false;
	m->ops->set_state(e, s);
	return true;
}

static bool read_table(void *opaque, uint64_t gpa, void *buf, unsigned len)
{
	return gmem_read(opaque, gpa, buf, len);
}

/*
 * Linear addresses through the vCPU's paging, page by page, RAM only (a
 * debugger's read must not reach a device register).  Returns the bytes
 * done before the first unmapped page.
 */
static size_t access_mem(struct machine *m, unsigned cpu, uint64_t lin,
			 uint8_t *rbuf, const uint8_t *wbuf, size_t len)
{
	struct cpu_state s;
	size_t done = 0;

	if (!t_get_state(m->gdb, cpu, &s))
		return 0;
	while (done < len) {
		uint64_t a = lin + done, gpa;
		size_t n = GUEST_PAGE_SIZE - (a & (GUEST_PAGE_SIZE - 1));
		bool ok;

		if (n > len - done)
			n = len - done;
		if (!page_walk(&s, a, read_table, &m->mem, &gpa))
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
	return access_mem(to_g(t)->m, cpu, addr, buf, NULL, len);
}

static size_t t_write_mem(void *t, unsigned cpu, uint64_t addr,
			  const uint8_t *buf, size_t len)
{
	struct machine *m = to_g(t)->m;

	if (vcpu_state(m) != VCPU_PAUSED)
		return 0;
	return access_mem(m, cpu, addr, NULL, buf, len);
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

/* Every vCPU gets the breakpoints (the vCPU thread is parked). */
static void apply_debug(struct machine_gdb *g)
{
	struct machine *m = g->m;

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
	return vcpu_release(g->m, n, &g->resume_parks);
}

/* Forward: c runs in chunks of the checkpoint interval with --reverse. */
static bool forward(struct machine_gdb *g)
{
	uint64_t n = g->plan.step ? 1 : 0;
	char err[256];

	if (g->hist) {
		if (gdb_history_checkpoint(g->hist, g->m, false, err, sizeof(err)) &&
		    g->m->cfg.msg_fd >= 0)
			dprintf(g->m->cfg.msg_fd, "vmxbox: gdb: checkpoint: %s\n", err);
		if (!n)
			n = g->m->cfg.gdb_interval ? g->m->cfg.gdb_interval
						   : GDB_HISTORY_INTERVAL_DEFAULT;
	}
	g->plan.phase = RUN_FORWARD;
	return release(g, n);
}

static void set_muted(struct machine_gdb *g, bool on)
{
	g->m->uart.out.mute = on;
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
		apply_debug(g);
		g->plan.phase = RUN_IDLE;
		defer_stop(g, stop);
		return true;
	}
	set_muted(g, true);
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
	d.no_skip = true;
	for (unsigned c = 0; c < m->n_cpus; c++)
		m->ops->set_debug(m->cpu[c]->eng, &d);
	return release(g, end - gdb_history_insns(g->hist, (unsigned)k));
}

static bool reverse(struct machine_gdb *g, bool cont)
{
	uint64_t now = machine_insn_count(g->m);
	struct gdb_stop begin = { .kind = GDB_STOP_HISTORY };
	struct gdb_stop trap = { .kind = GDB_STOP_TRAP };
	int k = gdb_history_find(g->hist, now, true);

	if (k < 0) {               /* at the oldest state there is */
		defer_stop(g, &begin);
		return true;
	}
	if (cont)
		return rev_search(g, k, now);
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
	g->plan = (struct run_plan){ .step = how == GDB_RESUME_STEP };
	switch (how) {
	case GDB_RESUME_CONTINUE:
	case GDB_RESUME_STEP:
		apply_debug(g);
		return forward(g);
	case GDB_RESUME_REV_STEP:
	case GDB_RESUME_REV_CONTINUE:
		return g->hist && reverse(g, how == GDB_RESUME_REV_CONTINUE);
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
			apply_debug(g);
		}
		g->plan.phase = RUN_IDLE;
		gdb_server_stopped(g->srv, &s);
	}
}

static void t_monitor(void *t, const char *cmd, char *out, size_t outlen)
{
	machine_monitor_text(to_g(t)->m, cmd, out, outlen);
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
	apply_debug(g);
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
	g->park_cpu = m->n_cpus > 1 ? m->sched.final_cpu : 0;
	ev_async_send(g->loop, &g->parked);
}

static struct gdb_stop stop_of(const struct machine_gdb *g)
{
	struct gdb_stop s = { .kind = GDB_STOP_TRAP, .cpu = g->park_cpu };
	const struct engine_debug_hit *h = &g->park_exit.hit;

	if (g->park_reason == ENGINE_EXIT_DEBUG && h->kind == ENGINE_HIT_WATCH) {
		s.kind = GDB_STOP_WATCH;
		s.addr = h->addr;
		s.watch_type = h->watch_kind == ENGINE_WATCH_WRITE ? GDB_WP_WRITE
			     : h->watch_kind == ENGINE_WATCH_READ ? GDB_WP_READ
								 : GDB_WP_ACCESS;
	} else if (g->park_reason == ENGINE_EXIT_STOP && g->interrupted) {
		s.kind = GDB_STOP_INTERRUPT;
	}
	return s;
}

/* The plan's next move after a park; true: the vCPU runs again (no
 * stop to report yet). */
static bool plan_next(struct machine_gdb *g, enum engine_exit_reason r,
		      struct gdb_stop *s)
{
	struct run_plan *p = &g->plan;
	uint64_t now = machine_insn_count(g->m);

	if (r == ENGINE_EXIT_STOP || p->phase == RUN_IDLE)
		return false;           /* ^C or a pause: report it */
	switch (p->phase) {
	case RUN_FORWARD:
		/* A chunk ended: checkpoint and go on (c only). */
		return r == ENGINE_EXIT_INSN_LIMIT && !p->step && forward(g);
	case RUN_REV_SEARCH:
		if (r == ENGINE_EXIT_DEBUG && now < p->end) {
			/* A watchpoint stops after the access: going backwards
			 * the stop is before it, where the old value is. */
			p->found = true;
			p->hit_at = s->kind == GDB_STOP_WATCH ? now - 1 : now;
			p->stop = *s;
			return release(g, p->end - now);
		}
		if (p->found)
			return rev_goto(g, (unsigned)p->k, p->hit_at, &p->stop);
		if (p->k > 0)
			return rev_search(g, p->k - 1,
					  gdb_history_insns(g->hist, (unsigned)p->k));
		{
			struct gdb_stop begin = { .kind = GDB_STOP_HISTORY };

			return rev_goto(g, 0, 0, &begin);
		}
	case RUN_REV_GOTO:
		*s = p->stop;
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
	pthread_mutex_lock(&m->ctl.lock);
	fresh = m->ctl.parks > g->resume_parks;
	s = stop_of(g);
	r = g->park_reason;
	pthread_mutex_unlock(&m->ctl.lock);
	if (!fresh || !gdb_server_running(g->srv))
		return;
	if (plan_next(g, r, &s))
		return;
	if (g->plan.phase != RUN_FORWARD && g->plan.phase != RUN_IDLE) {
		set_muted(g, false);
		apply_debug(g);
	}
	g->plan.phase = RUN_IDLE;
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
	if (m->cfg.gdb_reverse && m->n_cpus == 1) {
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
