// SPDX-License-Identifier: MIT
/*
 * Packet dispatch: one handler per packet letter (a table), each writes
 * its reply payload into st->reply.  Every number and length from gdb is
 * checked before use: a bad packet gets "E.." (or "" when unknown), never
 * more.  Register and memory packets go to the thread chosen with Hg;
 * resumes (c, s, vCont, bc, bs) to the one chosen with Hc or named.
 */
#include "gdb/gdb_stub.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gdb/gdb_regs.h"

#define MONITOR_OUT_MAX 8192u
/* Largest m read: its hex reply must fit the reply buffer. */
#define MEM_READ_MAX ((GDB_REPLY_MAX - 16u) / 2u)

struct gdb_stub {
	const struct gdb_target_ops *ops;
	void *t;
	gdb_send_fn send;
	void *send_opaque;
	struct gdb_rx rx;
	bool no_ack;
	bool running;
	unsigned g_cpu, c_cpu;
	struct gdb_stop last;
	uint64_t n_ok, n_bad;
	size_t reply_len;
	char reply[GDB_REPLY_MAX + 1];
	size_t frame_len;           /* last frame sent, for '-' */
	uint8_t frame[2 * GDB_REPLY_MAX + 8];
	uint8_t scratch[GDB_PACKET_MAX];
};

/* ---- replies ------------------------------------------------------------ */

static void send_frame(struct gdb_stub *st, const char *payload, size_t len)
{
	st->frame_len = gdb_frame((const uint8_t *)payload, len, st->frame,
				  sizeof(st->frame));
	if (st->frame_len)
		st->send(st->send_opaque, st->frame, st->frame_len);
}

static void reply(struct gdb_stub *st, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void reply(struct gdb_stub *st, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(st->reply, sizeof(st->reply), fmt, ap);
	va_end(ap);
	st->reply_len = n < 0 ? 0 : (size_t)n < sizeof(st->reply) ? (size_t)n
								: sizeof(st->reply) - 1;
}

static void reply_err(struct gdb_stub *st, unsigned code)
{
	reply(st, "E%02x", code & 0xff);
}

#define E_INVAL 0x16    /* a malformed packet */
#define E_FAULT 0x0e    /* memory not mapped */
#define E_SRCH  0x03    /* no such thread / register */
#define E_BUSY  0x10    /* the target runs */

static void stop_reply(struct gdb_stub *st, const struct gdb_stop *s)
{
	static const char *const watch_names[] = {
		[GDB_WP_WRITE] = "watch", [GDB_WP_READ] = "rwatch",
		[GDB_WP_ACCESS] = "awatch",
	};

	switch (s->kind) {
	case GDB_STOP_EXITED:
		reply(st, "W%02x", (unsigned)s->exit_status & 0xff);
		return;
	case GDB_STOP_INTERRUPT:
		reply(st, "T02thread:%x;", s->cpu + 1);
		return;
	case GDB_STOP_WATCH:
		if (s->watch_type >= GDB_WP_WRITE && s->watch_type <= GDB_WP_ACCESS) {
			reply(st, "T05thread:%x;%s:%llx;", s->cpu + 1,
			      watch_names[s->watch_type], (unsigned long long)s->addr);
			return;
		}
		break;
	case GDB_STOP_HISTORY:
		reply(st, "T05thread:%x;replaylog:begin;", s->cpu + 1);
		return;
	case GDB_STOP_TRAP:
		break;
	}
	reply(st, "T05thread:%x;", s->cpu + 1);
}

/* ---- threads ------------------------------------------------------------ */

static unsigned nr_cpus(struct gdb_stub *st)
{
	unsigned n = st->ops->nr_cpus ? st->ops->nr_cpus(st->t) : 1;

	return n ? n : 1;
}

/* A thread id: -1 (all) and 0 (any) pick cur; k > 0 is vCPU k - 1. */
static bool parse_thread(struct gdb_stub *st, const char **p, unsigned cur,
			 unsigned *cpu)
{
	uint64_t id;

	if (gdb_skip(p, '-')) {
		if (!gdb_skip(p, '1'))
			return false;
		*cpu = cur;
		return true;
	}
	if (!gdb_parse_hex(p, &id))
		return false;
	if (id == 0) {
		*cpu = cur;
		return true;
	}
	if (id > nr_cpus(st))
		return false;
	*cpu = (unsigned)(id - 1);
	return true;
}

static void h_thread_select(struct gdb_stub *st, const char *p)
{
	char which = *p++;
	unsigned cpu;

	if ((which != 'g' && which != 'c') ||
	    !parse_thread(st, &p, which == 'g' ? st->g_cpu : st->c_cpu, &cpu) || *p) {
		reply_err(st, E_SRCH);
		return;
	}
	if (which == 'g')
		st->g_cpu = cpu;
	else
		st->c_cpu = cpu;
	reply(st, "OK");
}

static void h_thread_alive(struct gdb_stub *st, const char *p)
{
	unsigned cpu;

	if (!parse_thread(st, &p, 0, &cpu) || *p)
		reply_err(st, E_SRCH);
	else
		reply(st, "OK");
}

static void thread_list(struct gdb_stub *st)
{
	size_t o = 0;

	st->reply[o++] = 'm';
	for (unsigned k = 0; k < nr_cpus(st) && o + 12 < sizeof(st->reply); k++)
		o += (size_t)snprintf(st->reply + o, sizeof(st->reply) - o, "%s%x",
				      k ? "," : "", k + 1);
	st->reply_len = o;
}

/* ---- registers ---------------------------------------------------------- */

static bool get_state(struct gdb_stub *st, struct cpu_state *s)
{
	return st->ops->get_state && st->ops->get_state(st->t, st->g_cpu, s);
}

static void h_read_regs(struct gdb_stub *st, const char *p, size_t len)
{
	struct cpu_state s;
	uint8_t v[GDB_REG_MAX_BYTES];
	size_t o = 0;

	if (!get_state(st, &s)) {
		reply_err(st, E_SRCH);
		return;
	}
	for (unsigned i = 0; i < gdb_reg_count(); i++) {
		gdb_reg_get(&s, i, v);
		o += gdb_hex_encode(v, gdb_reg_size(i), st->reply + o);
	}
	st->reply_len = o;
}

static void h_write_regs(struct gdb_stub *st, const char *p, size_t len)
{
	struct cpu_state s;
	uint8_t v[GDB_REG_MAX_BYTES];

	if (len - 1 != 2 * gdb_regs_bytes()) {
		reply_err(st, E_INVAL);
		return;
	}
	if (!get_state(st, &s)) {
		reply_err(st, E_SRCH);
		return;
	}
	p++;
	for (unsigned i = 0; i < gdb_reg_count(); i++) {
		unsigned n = gdb_reg_size(i);

		if (!gdb_hex_decode(p, n, v)) {
			reply_err(st, E_INVAL);
			return;
		}
		gdb_reg_set(&s, i, v);
		p += 2 * n;
	}
	if (!st->ops->set_state || !st->ops->set_state(st->t, st->g_cpu, &s))
		reply_err(st, E_SRCH);
	else
		reply(st, "OK");
}

static void h_read_reg(struct gdb_stub *st, const char *p, size_t len)
{
	struct cpu_state s;
	uint8_t v[GDB_REG_MAX_BYTES];
	uint64_t n;

	p++;
	if (!gdb_parse_hex(&p, &n) || *p || n >= gdb_reg_count()) {
		reply_err(st, E_SRCH);
		return;
	}
	if (!get_state(st, &s)) {
		reply_err(st, E_SRCH);
		return;
	}
	gdb_reg_get(&s, (unsigned)n, v);
	st->reply_len = gdb_hex_encode(v, gdb_reg_size((unsigned)n), st->reply);
}

static void h_write_reg(struct gdb_stub *st, const char *p, size_t len)
{
	struct cpu_state s;
	uint8_t v[GDB_REG_MAX_BYTES];
	uint64_t n;

	p++;
	if (!gdb_parse_hex(&p, &n) || !gdb_skip(&p, '=') || n >= gdb_reg_count() ||
	    strlen(p) != 2 * gdb_reg_size((unsigned)n) ||
	    !gdb_hex_decode(p, gdb_reg_size((unsigned)n), v)) {
		reply_err(st, E_INVAL);
		return;
	}
	if (!get_state(st, &s)) {
		reply_err(st, E_SRCH);
		return;
	}
	gdb_reg_set(&s, (unsigned)n, v);
	if (!st->ops->set_state || !st->ops->set_state(st->t, st->g_cpu, &s))
		reply_err(st, E_SRCH);
	else
		reply(st, "OK");
}

/* ---- memory ------------------------------------------------------------- */

/* "ADDR,LEN" then the separator sep (or the end when sep is 0). */
static bool parse_addr_len(const char **p, char sep, uint64_t *addr,
			   uint64_t *len)
{
	if (!gdb_parse_hex(p, addr) || !gdb_skip(p, ',') || !gdb_parse_hex(p, len))
		return false;
	return sep ? gdb_skip(p, sep) : **p == 0;
}

static void h_read_mem(struct gdb_stub *st, const char *p, size_t len)
{
	uint64_t addr, n;
	size_t got;

	p++;
	if (!parse_addr_len(&p, 0, &addr, &n) || n > MEM_READ_MAX) {
		reply_err(st, E_INVAL);
		return;
	}
	if (n > sizeof(st->scratch))
		n = sizeof(st->scratch);
	got = st->ops->read_mem ? st->ops->read_mem(st->t, st->g_cpu, addr,
						    st->scratch, n) : 0;
	if (!got && n) {
		reply_err(st, E_FAULT);
		return;
	}
	st->reply_len = gdb_hex_encode(st->scratch, got, st->reply);
}

static void write_mem(struct gdb_stub *st, uint64_t addr, size_t n)
{
	size_t done = 0;

	if (n)
		done = st->ops->write_mem ?
			st->ops->write_mem(st->t, st->g_cpu, addr, st->scratch, n) : 0;
	if (done != n)
		reply_err(st, E_FAULT);
	else
		reply(st, "OK");
}

/* M addr,len:hex */
static void h_write_mem_hex(struct gdb_stub *st, const char *p, size_t len)
{
	const char *start = p;
	uint64_t addr, n;

	p++;
	if (!parse_addr_len(&p, ':', &addr, &n) || n > sizeof(st->scratch) ||
	    (size_t)(len - (size_t)(p - start)) != 2 * n ||
	    !gdb_hex_decode(p, n, st->scratch)) {
		reply_err(st, E_INVAL);
		return;
	}
	write_mem(st, addr, n);
}

/* X addr,len:binary (already unescaped by the framing) */
static void h_write_mem_bin(struct gdb_stub *st, const char *p, size_t len)
{
	const char *start = p;
	uint64_t addr, n;

	p++;
	if (!parse_addr_len(&p, ':', &addr, &n) || n > sizeof(st->scratch) ||
	    (size_t)(len - (size_t)(p - start)) != n) {
		reply_err(st, E_INVAL);
		return;
	}
	memcpy(st->scratch, p, n);
	write_mem(st, addr, n);
}

/* ---- breakpoints -------------------------------------------------------- */

static void h_breakpoint(struct gdb_stub *st, const char *p, size_t len)
{
	bool insert = *p++ == 'Z';
	uint64_t type, addr, kind;
	int r;

	/* Z type,addr,kind[;cond...]: conditions are gdb's to evaluate. */
	if (!gdb_parse_hex(&p, &type) || !gdb_skip(&p, ',') ||
	    !gdb_parse_hex(&p, &addr) || !gdb_skip(&p, ',') ||
	    !gdb_parse_hex(&p, &kind) || (*p && *p != ';')) {
		reply_err(st, E_INVAL);
		return;
	}
	if (type > GDB_WP_ACCESS || !st->ops->breakpoint) {
		st->reply_len = 0;
		return;
	}
	r = st->ops->breakpoint(st->t, insert, (enum gdb_bp_type)type, addr, kind);
	if (r > 0)
		st->reply_len = 0;
	else if (r < 0)
		reply_err(st, E_INVAL);
	else
		reply(st, "OK");
}

/* ---- running ------------------------------------------------------------ */

static void resume(struct gdb_stub *st, unsigned cpu, enum gdb_resume how)
{
	if ((how == GDB_RESUME_REV_STEP || how == GDB_RESUME_REV_CONTINUE) &&
	    !(st->ops->can_reverse && st->ops->can_reverse(st->t))) {
		st->reply_len = 0;
		return;
	}
	if (!st->ops->resume || !st->ops->resume(st->t, cpu, how)) {
		reply_err(st, E_BUSY);
		return;
	}
	st->running = true;
	st->reply_len = (size_t)-1;    /* the stop reply comes later */
}

/* c [addr] / s [addr]: resume, at addr when given. */
static void h_cont_step(struct gdb_stub *st, const char *p, size_t len)
{
	enum gdb_resume how = *p++ == 's' ? GDB_RESUME_STEP : GDB_RESUME_CONTINUE;
	struct cpu_state s;
	uint64_t addr;

	if (*p) {
		if (!gdb_parse_hex(&p, &addr) || *p) {
			reply_err(st, E_INVAL);
			return;
		}
		st->g_cpu = st->c_cpu;
		if (!get_state(st, &s)) {
			reply_err(st, E_SRCH);
			return;
		}
		s.rip = addr;
		if (!st->ops->set_state ||
		    !st->ops->set_state(st->t, st->c_cpu, &s)) {
			reply_err(st, E_SRCH);
			return;
		}
	}
	resume(st, st->c_cpu, how);
}

static void h_reverse(struct gdb_stub *st, const char *p, size_t len)
{
	if (!strcmp(p, "bs"))
		resume(st, st->c_cpu, GDB_RESUME_REV_STEP);
	else if (!strcmp(p, "bc"))
		resume(st, st->c_cpu, GDB_RESUME_REV_CONTINUE);
	else
		st->reply_len = 0;
}

/*
 * vCont;ACTION[:TID][;ACTION[:TID]]...: a step action for some thread
 * makes this a step of that vCPU (the others run with it, in the
 * scheduler's order); otherwise everything continues.
 */
static void vcont(struct gdb_stub *st, const char *p)
{
	enum gdb_resume how = GDB_RESUME_CONTINUE;
	unsigned cpu = st->c_cpu, tcpu;
	uint64_t sig;

	while (gdb_skip(&p, ';')) {
		char act = *p++;

		if (act == 'C' || act == 'S') {
			if (!gdb_parse_hex(&p, &sig))
				goto bad;
		} else if (act != 'c' && act != 's') {
			goto bad;
		}
		tcpu = cpu;
		if (gdb_skip(&p, ':') && !parse_thread(st, &p, st->c_cpu, &tcpu))
			goto bad;
		if (act == 's' || act == 'S') {
			how = GDB_RESUME_STEP;
			cpu = tcpu;
		}
	}
	if (*p)
		goto bad;
	resume(st, cpu, how);
	return;
bad:
	reply_err(st, E_INVAL);
}

static void h_v(struct gdb_stub *st, const char *p, size_t len)
{
	if (!strcmp(p, "vCont?"))
		reply(st, "vCont;c;C;s;S");
	else if (!strncmp(p, "vCont;", 6))
		vcont(st, p + 5);
	else
		st->reply_len = 0;    /* vMustReplyEmpty, vRun, vKill, ... */
}

/* ---- queries ------------------------------------------------------------ */

/* qXfer:features:read:target.xml:OFF,LEN */
static void xfer_features(struct gdb_stub *st, const char *p)
{
	const char *xml = gdb_target_xml();
	size_t total = strlen(xml);
	uint64_t off, n;

	if (strncmp(p, "target.xml:", 11)) {
		reply_err(st, 0);
		return;
	}
	p += 11;
	if (!parse_addr_len(&p, 0, &off, &n)) {
		reply_err(st, E_INVAL);
		return;
	}
	if (off >= total) {
		reply(st, "l");
		return;
	}
	if (n > total - off)
		n = total - off;
	if (n > GDB_PACKET_MAX)
		n = GDB_PACKET_MAX;
	st->reply[0] = off + n < total ? 'm' : 'l';
	memcpy(st->reply + 1, xml + off, n);
	st->reply_len = 1 + n;
}

static void monitor_cmd(struct gdb_stub *st, const char *hex)
{
	size_t n = strlen(hex) / 2;
	char cmd[512];
	char *out;

	if (strlen(hex) % 2 || n >= sizeof(cmd) ||
	    !gdb_hex_decode(hex, n, (uint8_t *)cmd)) {
		reply_err(st, E_INVAL);
		return;
	}
	cmd[n] = 0;
	out = calloc(1, MONITOR_OUT_MAX);
	if (!out || !st->ops->monitor) {
		free(out);
		st->reply_len = 0;
		return;
	}
	st->ops->monitor(st->t, cmd, out, MONITOR_OUT_MAX);
	if (!out[0])
		reply(st, "OK");
	else
		st->reply_len = gdb_hex_encode((const uint8_t *)out, strlen(out),
					       st->reply);
	free(out);
}

static void thread_extra(struct gdb_stub *st, const char *p)
{
	char text[32];
	unsigned cpu;

	if (!parse_thread(st, &p, st->g_cpu, &cpu) || *p) {
		reply_err(st, E_SRCH);
		return;
	}
	snprintf(text, sizeof(text), "vCPU %u", cpu);
	st->reply_len = gdb_hex_encode((const uint8_t *)text, strlen(text), st->reply);
}

static void h_query(struct gdb_stub *st, const char *p, size_t len)
{
	bool rev = st->ops->can_reverse && st->ops->can_reverse(st->t);

	if (!strncmp(p, "qSupported", 10))
		reply(st, "PacketSize=%x;qXfer:features:read+;QStartNoAckMode+;"
		      "vContSupported+%s", GDB_PACKET_MAX,
		      rev ? ";ReverseStep+;ReverseContinue+" : "");
	else if (!strncmp(p, "qXfer:features:read:", 20))
		xfer_features(st, p + 20);
	else if (!strcmp(p, "qfThreadInfo"))
		thread_list(st);
	else if (!strcmp(p, "qsThreadInfo"))
		reply(st, "l");
	else if (!strcmp(p, "qC"))
		reply(st, "QC%x", st->g_cpu + 1);
	else if (!strcmp(p, "qAttached"))
		reply(st, "1");
	else if (!strncmp(p, "qRcmd,", 6))
		monitor_cmd(st, p + 6);
	else if (!strncmp(p, "qThreadExtraInfo,", 17))
		thread_extra(st, p + 17);
	else if (!strcmp(p, "qSymbol::"))
		reply(st, "OK");
	else
		st->reply_len = 0;
}

static void h_set(struct gdb_stub *st, const char *p, size_t len)
{
	if (!strcmp(p, "QStartNoAckMode")) {
		reply(st, "OK");
		send_frame(st, st->reply, st->reply_len);
		st->no_ack = true;
		st->reply_len = (size_t)-1;
		return;
	}
	st->reply_len = 0;
}

static void h_status(struct gdb_stub *st, const char *p, size_t len)
{
	stop_reply(st, &st->last);
}

static void h_detach(struct gdb_stub *st, const char *p, size_t len)
{
	if (st->ops->detach)
		st->ops->detach(st->t);
	reply(st, "OK");
}

static void h_kill(struct gdb_stub *st, const char *p, size_t len)
{
	if (st->ops->kill)
		st->ops->kill(st->t);
	st->reply_len = (size_t)-1;   /* k has no reply */
}

static void h_H(struct gdb_stub *st, const char *p, size_t len)
{
	h_thread_select(st, p + 1);
}

static void h_T(struct gdb_stub *st, const char *p, size_t len)
{
	h_thread_alive(st, p + 1);
}

typedef void (*handler_fn)(struct gdb_stub *st, const char *p, size_t len);

static const handler_fn handlers[128] = {
	['?'] = h_status, ['g'] = h_read_regs, ['G'] = h_write_regs,
	['p'] = h_read_reg, ['P'] = h_write_reg, ['m'] = h_read_mem,
	['M'] = h_write_mem_hex, ['X'] = h_write_mem_bin,
	['Z'] = h_breakpoint, ['z'] = h_breakpoint,
	['c'] = h_cont_step, ['s'] = h_cont_step, ['b'] = h_reverse,
	['v'] = h_v, ['q'] = h_query, ['Q'] = h_set, ['H'] = h_H,
	['T'] = h_T, ['D'] = h_detach, ['k'] = h_kill,
};

/* One whole packet (payload NUL-ended at len; X data may hold NULs). */
static void handle_packet(struct gdb_stub *st, const char *p, size_t len)
{
	unsigned char c = (unsigned char)p[0];

	st->reply_len = 0;
	if (st->running && c != 'k') {
		/* All-stop: gdb waits for the stop reply before anything else. */
		reply_err(st, E_BUSY);
	} else if (len && c < 128 && handlers[c]) {
		handlers[c](st, p, len);
	}
	if (st->reply_len != (size_t)-1)
		send_frame(st, st->reply, st->reply_len);
}

/* ---- input -------------------------------------------------------------- */

static void ack(struct gdb_stub *st, char c)
{
	if (!st->no_ack)
		st->send(st->send_opaque, (const uint8_t *)&c, 1);
}

static void rx_event(struct gdb_stub *st, enum gdb_rx_event ev)
{
	switch (ev) {
	case GDB_RX_NONE:
	case GDB_RX_ACK:
		break;
	case GDB_RX_NACK:
		if (!st->no_ack && st->frame_len)
			st->send(st->send_opaque, st->frame, st->frame_len);
		break;
	case GDB_RX_INTERRUPT:
		if (st->running && st->ops->interrupt)
			st->ops->interrupt(st->t);
		break;
	case GDB_RX_BAD_CHECKSUM:
		st->n_bad++;
		ack(st, '-');
		break;
	case GDB_RX_TOO_LONG:
		st->n_bad++;
		ack(st, '+');
		reply_err(st, E_INVAL);
		send_frame(st, st->reply, st->reply_len);
		break;
	case GDB_RX_PACKET:
		st->n_ok++;
		ack(st, '+');
		handle_packet(st, (const char *)st->rx.buf, st->rx.len);
		break;
	}
}

void gdb_stub_input(struct gdb_stub *st, const uint8_t *buf, size_t len)
{
	for (size_t i = 0; i < len; i++)
		rx_event(st, gdb_rx_byte(&st->rx, buf[i]));
}

void gdb_stub_stopped(struct gdb_stub *st, const struct gdb_stop *why)
{
	st->last = *why;
	if (why->kind != GDB_STOP_EXITED) {
		st->g_cpu = why->cpu;
		st->c_cpu = why->cpu;
	}
	if (!st->running)
		return;
	st->running = false;
	stop_reply(st, why);
	send_frame(st, st->reply, st->reply_len);
}

bool gdb_stub_running(const struct gdb_stub *st)
{
	return st->running;
}

void gdb_stub_counts(const struct gdb_stub *st, uint64_t *ok, uint64_t *bad)
{
	*ok = st->n_ok;
	*bad = st->n_bad;
}

struct gdb_stub *gdb_stub_new(const struct gdb_target_ops *ops, void *target,
			      gdb_send_fn send, void *send_opaque)
{
	struct gdb_stub *st = calloc(1, sizeof(*st));

	if (!st)
		return NULL;
	st->ops = ops;
	st->t = target;
	st->send = send;
	st->send_opaque = send_opaque;
	st->last.kind = GDB_STOP_INTERRUPT;
	gdb_rx_init(&st->rx);
	return st;
}

void gdb_stub_free(struct gdb_stub *st)
{
	free(st);
}
