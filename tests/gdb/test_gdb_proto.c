// SPDX-License-Identifier: MIT
/*
 * The GDB stub's protocol side against a fake target: framing, checksums,
 * escapes, no-ack mode, size limits, malformed and unknown packets, and
 * each packet's effect on the target (registers, memory, breakpoints,
 * resumes, stop replies).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gdb/gdb_packet.h"
#include "gdb/gdb_regs.h"
#include "gdb/gdb_stub.h"

#define FAKE_MEM 4096

struct fake {
	struct cpu_state s[2];
	uint8_t mem[FAKE_MEM];
	int bp_calls;
	bool bp_insert;
	enum gdb_bp_type bp_type;
	uint64_t bp_addr, bp_len;
	int resumes;
	unsigned resume_cpu;
	enum gdb_resume resume_how;
	int interrupts;
	char monitor_cmd[128];
	bool reverse;
	/* Everything the stub sent. */
	char out[1 << 17];
	size_t out_len;
};

static struct fake fk;
static struct gdb_stub *st;

static unsigned f_nr(void *t) { return 2; }

static bool f_get(void *t, unsigned cpu, struct cpu_state *s)
{
	*s = fk.s[cpu];
	return true;
}

static bool f_set(void *t, unsigned cpu, const struct cpu_state *s)
{
	fk.s[cpu] = *s;
	return true;
}

/* Memory at [0x1000, 0x2000): anything else is unmapped. */
static size_t f_read(void *t, unsigned cpu, uint64_t a, uint8_t *b, size_t n)
{
	size_t k = 0;

	for (; k < n && a + k >= 0x1000 && a + k < 0x1000 + FAKE_MEM; k++)
		b[k] = fk.mem[a + k - 0x1000];
	return k;
}

static size_t f_write(void *t, unsigned cpu, uint64_t a, const uint8_t *b, size_t n)
{
	size_t k = 0;

	for (; k < n && a + k >= 0x1000 && a + k < 0x1000 + FAKE_MEM; k++)
		fk.mem[a + k - 0x1000] = b[k];
	return k;
}

static int f_bp(void *t, bool insert, enum gdb_bp_type type, uint64_t addr,
		uint64_t len)
{
	fk.bp_calls++;
	fk.bp_insert = insert;
	fk.bp_type = type;
	fk.bp_addr = addr;
	fk.bp_len = len;
	return type == GDB_WP_READ ? 1 : addr == 0xbad ? -1 : 0;
}

static bool f_resume(void *t, unsigned cpu, enum gdb_resume how)
{
	fk.resumes++;
	fk.resume_cpu = cpu;
	fk.resume_how = how;
	return true;
}

static void f_interrupt(void *t) { fk.interrupts++; }

static void f_monitor(void *t, const char *cmd, char *out, size_t len)
{
	snprintf(fk.monitor_cmd, sizeof(fk.monitor_cmd), "%s", cmd);
	snprintf(out, len, "ran %s\n", cmd);
}

static bool f_can_reverse(void *t) { return fk.reverse; }

static const struct gdb_target_ops ops = {
	.nr_cpus = f_nr, .get_state = f_get, .set_state = f_set,
	.read_mem = f_read, .write_mem = f_write, .breakpoint = f_bp,
	.resume = f_resume, .interrupt = f_interrupt, .monitor = f_monitor,
	.can_reverse = f_can_reverse,
};

static void f_send(void *opaque, const uint8_t *buf, size_t len)
{
	ck_assert_uint_le(fk.out_len + len, sizeof(fk.out) - 1);
	memcpy(fk.out + fk.out_len, buf, len);
	fk.out_len += len;
	fk.out[fk.out_len] = 0;
}

static void setup(void)
{
	memset(&fk, 0, sizeof(fk));
	for (unsigned i = 0; i < FAKE_MEM; i++)
		fk.mem[i] = (uint8_t)i;
	fk.s[0].rip = 0x1234;
	fk.s[0].gpr[GPR_RAX] = 0x1122334455667788ull;
	fk.s[1].rip = 0x5678;
	st = gdb_stub_new(&ops, NULL, f_send, NULL);
	ck_assert_ptr_nonnull(st);
}

static void teardown(void)
{
	gdb_stub_free(st);
}

static void feed(const char *s)
{
	fk.out_len = 0;
	fk.out[0] = 0;
	gdb_stub_input(st, (const uint8_t *)s, strlen(s));
}

/* Send payload as a well-formed packet; return the reply payload (the
 * ack checked and stripped, checksum checked). */
static const char *cmd(const char *payload)
{
	static char reply[1 << 17];
	uint8_t frame[1 << 15];
	size_t n = gdb_frame((const uint8_t *)payload, strlen(payload), frame,
			     sizeof(frame) - 1);
	struct gdb_rx *rx = malloc(sizeof(*rx));
	enum gdb_rx_event ev = GDB_RX_NONE;
	size_t i = 0;

	ck_assert_uint_gt(n, 0);
	frame[n] = 0;
	feed((const char *)frame);
	if (fk.out[0] == '+')
		i = 1;
	gdb_rx_init(rx);
	for (; i < fk.out_len && ev != GDB_RX_PACKET; i++)
		ev = gdb_rx_byte(rx, (uint8_t)fk.out[i]);
	if (ev != GDB_RX_PACKET) {
		free(rx);
		return NULL;            /* no reply (yet) */
	}
	memcpy(reply, rx->buf, rx->len + 1);
	free(rx);
	return reply;
}

/* ---- framing ------------------------------------------------------------ */

START_TEST(frame_checksum)
{
	uint8_t out[32];
	size_t n = gdb_frame((const uint8_t *)"OK", 2, out, sizeof(out));

	ck_assert_uint_eq(n, 6);
	ck_assert_mem_eq(out, "$OK#9a", 6);
	/* '$', '#', '}' and '*' are escaped (XOR 0x20), the sum is over
	 * the bytes sent. */
	n = gdb_frame((const uint8_t *)"a#b", 3, out, sizeof(out));
	ck_assert_mem_eq(out, "$a}\x03" "b#", 6);
	ck_assert_uint_eq(n, 8);
	ck_assert_uint_eq(gdb_frame((const uint8_t *)"OK", 2, out, 5), 0);
}
END_TEST

START_TEST(rx_cut_anywhere_and_escapes)
{
	struct gdb_rx *rx = malloc(sizeof(*rx));
	const char *in = "junk+$m}]00,4#xx";
	uint8_t frame[32];
	size_t n = gdb_frame((const uint8_t *)"m}00,4", 6, frame, sizeof(frame));
	int packets = 0;

	gdb_rx_init(rx);
	for (size_t i = 0; i < n; i++)
		if (gdb_rx_byte(rx, frame[i]) == GDB_RX_PACKET)
			packets++;
	ck_assert_int_eq(packets, 1);
	ck_assert_str_eq((const char *)rx->buf, "m}00,4");
	/* Garbage before, an ack, then a bad checksum digit. */
	gdb_rx_init(rx);
	for (size_t i = 0; in[i]; i++) {
		enum gdb_rx_event ev = gdb_rx_byte(rx, (uint8_t)in[i]);

		if (in[i] == '+')
			ck_assert_int_eq(ev, GDB_RX_ACK);
		else if (i == strlen(in) - 1)
			ck_assert_int_eq(ev, GDB_RX_BAD_CHECKSUM);
		else
			ck_assert_int_eq(ev, GDB_RX_NONE);
	}
	ck_assert_int_eq(gdb_rx_byte(rx, 0x03), GDB_RX_INTERRUPT);
	ck_assert_int_eq(gdb_rx_byte(rx, '-'), GDB_RX_NACK);
	free(rx);
}
END_TEST

START_TEST(hex_numbers)
{
	const char *p = "ffffffffffffffff,";
	uint64_t v;

	ck_assert(gdb_parse_hex(&p, &v));
	ck_assert_uint_eq(v, UINT64_MAX);
	ck_assert_str_eq(p, ",");
	p = "10000000000000000";
	ck_assert(!gdb_parse_hex(&p, &v));
	ck_assert_str_eq(p, "10000000000000000");
	p = "xyz";
	ck_assert(!gdb_parse_hex(&p, &v));
}
END_TEST

/* ---- packets ------------------------------------------------------------ */

START_TEST(bad_checksum_is_nacked_and_ignored)
{
	feed("$g#00");
	ck_assert_str_eq(fk.out, "-");
	feed("$g#zz");
	ck_assert_str_eq(fk.out, "-");
	/* A '-' from gdb resends the last frame. */
	ck_assert_str_eq(cmd("qC"), "QC1");
	feed("-");
	ck_assert_str_eq(fk.out, "$QC1#c5");
}
END_TEST

START_TEST(huge_packet_is_refused)
{
	size_t n = GDB_PACKET_MAX * 3;
	char *big = malloc(n + 8);

	big[0] = '$';
	big[1] = 'M';
	memset(big + 2, 'a', n - 2);
	memcpy(big + n, "#00", 4);
	feed(big);
	ck_assert_str_eq(fk.out, "+$E16#ac");
	free(big);
	/* The stub still works. */
	ck_assert_str_eq(cmd("qC"), "QC1");
}
END_TEST

START_TEST(unknown_packets_reply_empty)
{
	static const char *const unknown[] = {
		"!", "vMustReplyEmpty", "qTStatus", "Qfoo", "y", "\x7f", "vFile:open:",
		"bx", "Z9,1000,1",
	};

	for (unsigned i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++)
		ck_assert_str_eq(cmd(unknown[i]), "");
	/* Bytes over 127 and an empty packet too. */
	feed("$\xff#ff");
	ck_assert_str_eq(fk.out, "+$#00");
	feed("$#00");
	ck_assert_str_eq(fk.out, "+$#00");
}
END_TEST

START_TEST(malformed_packets_are_errors)
{
	static const char *const bad[] = {
		"m", "m1000", "m1000,", "mzz,4", "m1000,4x", "m1000,ffffffffffffffff",
		"M1000,2:zz", "M1000,2:0", "M1000,3:0011", "X1000,4:ab",
		"p", "pzz", "p999", "P0=12", "P999=00", "G00", "Z0", "Z0,1000",
		"Z0,1000,1x", "Hx", "Hg99", "Hg-2", "T5", "c12q", "vCont;x",
		"vCont;s:99", "qXfer:features:read:target.xml:0", "qRcmd,6",
		"qRcmd,zz",
	};

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *r = cmd(bad[i]);

		ck_assert_msg(r && r[0] == 'E', "%s -> %s", bad[i], r ? r : "(none)");
	}
	ck_assert_int_eq(fk.resumes, 0);
}
END_TEST

START_TEST(registers)
{
	const char *r = cmd("g");
	int rip = gdb_reg_find("rip");
	char p[32];

	ck_assert_uint_eq(strlen(r), 2 * gdb_regs_bytes());
	ck_assert_mem_eq(r, "8877665544332211", 16);     /* rax first */
	snprintf(p, sizeof(p), "p%x", rip);
	ck_assert_str_eq(cmd(p), "3412000000000000");
	snprintf(p, sizeof(p), "P%x=efbeadde00000000", rip);
	ck_assert_str_eq(cmd(p), "OK");
	ck_assert_uint_eq(fk.s[0].rip, 0xdeadbeef);
	/* Thread 2 = vCPU 1. */
	ck_assert_str_eq(cmd("Hg2"), "OK");
	snprintf(p, sizeof(p), "p%x", rip);
	ck_assert_str_eq(cmd(p), "7856000000000000");
	/* G writes back what g read, changed. */
	ck_assert_str_eq(cmd("Hg1"), "OK");
	char *g = strdup(cmd("g"));
	memcpy(g, "0100000000000000", 16);
	char *G = malloc(strlen(g) + 2);
	sprintf(G, "G%s", g);
	ck_assert_str_eq(cmd(G), "OK");
	ck_assert_uint_eq(fk.s[0].gpr[GPR_RAX], 1);
	ck_assert_uint_eq(fk.s[0].rip, 0xdeadbeef);
	free(g);
	free(G);
	ck_assert_int_ge(gdb_reg_find("cr3"), 0);
	ck_assert_int_ge(gdb_reg_find("efer"), 0);
	ck_assert_int_ge(gdb_reg_find("xmm15"), 0);
	ck_assert_int_eq(gdb_reg_find("nope"), -1);
}
END_TEST

START_TEST(memory)
{
	ck_assert_str_eq(cmd("m1000,4"), "00010203");
	/* Partly mapped: what could be read. */
	ck_assert_str_eq(cmd("m1ffe,4"), "feff");
	ck_assert_str_eq(cmd("m0,4"), "E0e");
	ck_assert_str_eq(cmd("M1000,2:abcd"), "OK");
	ck_assert_uint_eq(fk.mem[0], 0xab);
	ck_assert_uint_eq(fk.mem[1], 0xcd);
	ck_assert_str_eq(cmd("M0,1:00"), "E0e");
	/* X: binary with bytes the framing escapes, and a NUL. */
	{
		const uint8_t data[] = "X1010,5:\x00$#}*";
		uint8_t frame[64];
		size_t n = gdb_frame(data, sizeof(data) - 1, frame, sizeof(frame));

		fk.out_len = 0;
		gdb_stub_input(st, frame, n);
		ck_assert_str_eq(fk.out, "+$OK#9a");
		ck_assert_mem_eq(fk.mem + 0x10, "\x00$#}*", 5);
	}
	ck_assert_str_eq(cmd("X1000,0:"), "OK");
}
END_TEST

START_TEST(breakpoints)
{
	ck_assert_str_eq(cmd("Z0,1000,1"), "OK");
	ck_assert(fk.bp_insert);
	ck_assert_int_eq(fk.bp_type, GDB_BP_SW);
	ck_assert_uint_eq(fk.bp_addr, 0x1000);
	ck_assert_str_eq(cmd("z2,2000,8"), "OK");
	ck_assert(!fk.bp_insert);
	ck_assert_int_eq(fk.bp_type, GDB_WP_WRITE);
	ck_assert_uint_eq(fk.bp_len, 8);
	ck_assert_str_eq(cmd("Z3,1000,4"), "");       /* not supported */
	ck_assert_str_eq(cmd("Z1,bad,1"), "E16");     /* refused */
	ck_assert_str_eq(cmd("Z0,1000,1;X1,0"), "OK");  /* condition ignored */
}
END_TEST

START_TEST(resume_and_stop_replies)
{
	struct gdb_stop stop = { .kind = GDB_STOP_TRAP, .cpu = 1 };

	ck_assert_ptr_null(cmd("c"));
	ck_assert_int_eq(fk.resumes, 1);
	ck_assert_int_eq(fk.resume_how, GDB_RESUME_CONTINUE);
	ck_assert(gdb_stub_running(st));
	/* While running only ^C counts; a packet is answered busy. */
	feed("\x03");
	ck_assert_int_eq(fk.interrupts, 1);
	ck_assert_str_eq(cmd("g"), "E10");
	fk.out_len = 0;
	gdb_stub_stopped(st, &stop);
	ck_assert_str_eq(fk.out, "$T05thread:2;#d8");
	ck_assert(!gdb_stub_running(st));
	/* The stopped thread is the one g reads. */
	ck_assert_str_eq(cmd("qC"), "QC2");
	ck_assert_str_eq(cmd("?"), "T05thread:2;");
	/* s at an address, on thread 1. */
	ck_assert_str_eq(cmd("Hc1"), "OK");
	ck_assert_ptr_null(cmd("s2000"));
	ck_assert_int_eq(fk.resume_how, GDB_RESUME_STEP);
	ck_assert_uint_eq(fk.resume_cpu, 0);
	ck_assert_uint_eq(fk.s[0].rip, 0x2000);
	stop = (struct gdb_stop){ .kind = GDB_STOP_WATCH, .cpu = 0,
				  .watch_type = GDB_WP_WRITE, .addr = 0x1008 };
	fk.out_len = 0;
	gdb_stub_stopped(st, &stop);
	ck_assert_str_eq(fk.out, "$T05thread:1;watch:1008;#2c");
	/* vCont: a step action wins; thread 2 = vCPU 1. */
	ck_assert_str_eq(cmd("vCont?"), "vCont;c;C;s;S");
	ck_assert_ptr_null(cmd("vCont;s:2;c"));
	ck_assert_int_eq(fk.resume_how, GDB_RESUME_STEP);
	ck_assert_uint_eq(fk.resume_cpu, 1);
	stop = (struct gdb_stop){ .kind = GDB_STOP_EXITED, .exit_status = 3 };
	fk.out_len = 0;
	gdb_stub_stopped(st, &stop);
	ck_assert_str_eq(fk.out, "$W03#ba");
	/* No reverse execution unless the target has it. */
	ck_assert_str_eq(cmd("bs"), "");
	fk.reverse = true;
	ck_assert_ptr_null(cmd("bc"));
	ck_assert_int_eq(fk.resume_how, GDB_RESUME_REV_CONTINUE);
}
END_TEST

START_TEST(queries)
{
	const char *r = cmd("qSupported:multiprocess+;swbreak+;xmlRegisters=i386");
	char *xml = calloc(1, 65536);
	size_t off = 0;

	ck_assert_ptr_nonnull(strstr(r, "PacketSize=4000"));
	ck_assert_ptr_nonnull(strstr(r, "qXfer:features:read+"));
	ck_assert_ptr_null(strstr(r, "ReverseStep"));
	/* target.xml in 100-byte pieces: m...m...l */
	for (;;) {
		char q[64];

		snprintf(q, sizeof(q), "qXfer:features:read:target.xml:%zx,64", off);
		r = cmd(q);
		ck_assert(r[0] == 'm' || r[0] == 'l');
		memcpy(xml + off, r + 1, strlen(r + 1));
		off += strlen(r + 1);
		if (r[0] == 'l')
			break;
	}
	ck_assert_str_eq(xml, gdb_target_xml());
	ck_assert_ptr_nonnull(strstr(xml, "<reg name=\"rip\" bitsize=\"64\" type=\"code_ptr\""));
	ck_assert_ptr_nonnull(strstr(xml, "org.gnu.gdb.i386.sse"));
	ck_assert_ptr_nonnull(strstr(xml, "</target>"));
	free(xml);
	ck_assert_str_eq(cmd("qXfer:features:read:other.xml:0,10"), "E00");
	ck_assert_str_eq(cmd("qfThreadInfo"), "m1,2");
	ck_assert_str_eq(cmd("qsThreadInfo"), "l");
	ck_assert_str_eq(cmd("T2"), "OK");
	ck_assert_str_eq(cmd("T3"), "E03");
	ck_assert_str_eq(cmd("qAttached"), "1");
	/* monitor status = qRcmd,hex("status"): the output comes back hex. */
	ck_assert_str_eq(cmd("qRcmd,737461747573"), "72616e207374617475730a");
	ck_assert_str_eq(fk.monitor_cmd, "status");
	fk.reverse = true;
	ck_assert_ptr_nonnull(strstr(cmd("qSupported"), "ReverseStep+"));
}
END_TEST

START_TEST(no_ack_mode)
{
	feed("$QStartNoAckMode#b0");
	ck_assert_str_eq(fk.out, "+$OK#9a");
	feed("+$qC#b4");
	ck_assert_str_eq(fk.out, "$QC1#c5");
	/* Bad checksums are dropped silently now. */
	feed("$qC#00");
	ck_assert_str_eq(fk.out, "");
}
END_TEST

/* Random bytes and mutated packets never crash the stub, never make it
 * send an invalid frame. */
START_TEST(random_input_is_survived)
{
	static const char *const seeds[] = {
		"$g#67", "$m1000,4#fd", "$X1000,2:ab#00", "$qSupported#37",
		"$Z0,1000,1#00", "$vCont;c#a8", "\x03", "$}#00",
	};
	uint64_t x = 0x9e3779b97f4a7c15ull;
	uint8_t buf[256];

	for (int round = 0; round < 20000; round++) {
		const char *s = seeds[round % 8];
		size_t n = strlen(s);

		memcpy(buf, s, n);
		for (int k = 0; k < 3; k++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			buf[x % n] = (uint8_t)(x >> 32);
		}
		fk.out_len = 0;
		gdb_stub_input(st, buf, n);
		if (gdb_stub_running(st)) {
			struct gdb_stop stop = { .kind = GDB_STOP_TRAP };

			gdb_stub_stopped(st, &stop);
		}
	}
	ck_assert_str_eq(cmd("qC")[0] == 'Q' ? "ok" : "bad", "ok");
}
END_TEST

static Suite *gdb_suite(void)
{
	Suite *s = suite_create("gdb_proto");
	TCase *tc = tcase_create("proto");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, frame_checksum);
	tcase_add_test(tc, rx_cut_anywhere_and_escapes);
	tcase_add_test(tc, hex_numbers);
	tcase_add_test(tc, bad_checksum_is_nacked_and_ignored);
	tcase_add_test(tc, huge_packet_is_refused);
	tcase_add_test(tc, unknown_packets_reply_empty);
	tcase_add_test(tc, malformed_packets_are_errors);
	tcase_add_test(tc, registers);
	tcase_add_test(tc, memory);
	tcase_add_test(tc, breakpoints);
	tcase_add_test(tc, resume_and_stop_replies);
	tcase_add_test(tc, queries);
	tcase_add_test(tc, no_ack_mode);
	tcase_add_test(tc, random_input_is_survived);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(gdb_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
