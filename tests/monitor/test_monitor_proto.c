// SPDX-License-Identifier: MIT
/*
 * Monitor socket and protocol: a real server on a libev loop, a real client
 * socket.  The loop is pumped with EVRUN_NOWAIT while the client waits.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "monitor/client.h"
#include "monitor/monitor.h"
#include "monitor/proto.h"

static unsigned echo_calls;

static cbor_item_t *cmd_echo(void *opaque, struct monitor_client *c,
			     const cbor_item_t *args, char *err, size_t errlen)
{
	echo_calls++;
	if (cbor_array_size(args) != 1) {
		snprintf(err, errlen, "needs 1 argument");
		return NULL;
	}
	return cbor_copy(cbor_array_handle(args)[0]);
}

static cbor_item_t *cmd_trace(void *opaque, struct monitor_client *c,
			      const cbor_item_t *args, char *err, size_t errlen)
{
	uint64_t reasons[2] = { 1ull << 10, 0 };   /* only reason 10 (CPUID) */

	monitor_client_set_trace(c, true, reasons);
	return cbor_build_bool(true);
}

/* The length of a byte-string argument (big requests, small replies). */
static cbor_item_t *cmd_size(void *opaque, struct monitor_client *c,
			     const cbor_item_t *args, char *err, size_t errlen)
{
	if (cbor_array_size(args) != 1 ||
	    !cbor_isa_bytestring(cbor_array_handle(args)[0])) {
		snprintf(err, errlen, "needs 1 byte string");
		return NULL;
	}
	return cbor_build_uint64(cbor_bytestring_length(cbor_array_handle(args)[0]));
}

static const struct monitor_cmd cmds[] = {
	{ "echo", "VALUE", "returns its argument", cmd_echo },
	{ "trace", "", "subscribe to reason 10", cmd_trace },
	{ "size", "BYTES", "length of its argument", cmd_size },
};

static struct ev_loop *loop;
static struct monitor *mon;
static char sock_path[108];

static void setup(void)
{
	char err[256] = "";
	struct monitor_config cfg = {
		.path = sock_path, .cmds = cmds, .nr_cmds = 3,
	};

	snprintf(sock_path, sizeof(sock_path), "/tmp/vmxbox-test-mon-%d.sock", getpid());
	unlink(sock_path);
	loop = ev_loop_new(EVFLAG_AUTO);
	cfg.loop = loop;
	ck_assert_msg(monitor_open(&mon, &cfg, err, sizeof(err)) == 0, "%s", err);
}

static void teardown(void)
{
	monitor_close(mon);
	ev_loop_destroy(loop);
	ck_assert_int_eq(access(sock_path, F_OK), -1); /* socket removed */
}

static void pump(void)
{
	for (int i = 0; i < 20; i++)
		ev_run(loop, EVRUN_NOWAIT);
}

static cbor_item_t *roundtrip(int fd)
{
	char err[256];

	for (int i = 0; i < 200; i++) {
		pump();
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll(&p, 1, 5) == 1)
			break;
	}
	cbor_item_t *r = mon_client_recv(fd, 1000, err, sizeof(err));
	ck_assert_msg(r != NULL, "%s", err);
	return r;
}

static int connect_client(void)
{
	char err[256];
	int fd = mon_client_connect(sock_path, err, sizeof(err));

	ck_assert_msg(fd >= 0, "%s", err);
	pump();
	return fd;
}

static void assert_error_contains(cbor_item_t *resp, const char *needle)
{
	char msg[256];

	ck_assert(cbor_is_bool(mon_map_get(resp, "ok")));
	ck_assert(!cbor_get_bool(mon_map_get(resp, "ok")));
	ck_assert(mon_item_str(mon_map_get(resp, "error"), msg, sizeof(msg)));
	ck_assert_msg(strstr(msg, needle), "error '%s' lacks '%s'", msg, needle);
}

START_TEST(socket_is_private)
{
	struct stat st;

	ck_assert_int_eq(stat(sock_path, &st), 0);
	ck_assert(S_ISSOCK(st.st_mode));
	ck_assert_int_eq(st.st_mode & 0777, 0600);
}
END_TEST

START_TEST(command_round_trip_with_id)
{
	int fd = connect_client();
	char *argv[] = { "0x1234" };
	cbor_item_t *req = mon_client_build_request("echo", 1, argv);
	uint64_t v;

	mon_map_put_u64(req, "id", 77);
	ck_assert_int_eq(mon_client_send(fd, req), 0);
	cbor_decref(&req);
	cbor_item_t *resp = roundtrip(fd);
	ck_assert(cbor_get_bool(mon_map_get(resp, "ok")));
	ck_assert(mon_item_u64(mon_map_get(resp, "result"), &v));
	ck_assert_uint_eq(v, 0x1234);
	ck_assert(mon_item_u64(mon_map_get(resp, "id"), &v));
	ck_assert_uint_eq(v, 77);
	cbor_decref(&resp);
	close(fd);
}
END_TEST

START_TEST(bad_requests_keep_connection)
{
	int fd = connect_client();
	cbor_item_t *resp;

	/* Not CBOR at all (0xff is a lone "break"). */
	const uint8_t garbage[] = { 0, 0, 0, 3, 0xff, 0xff, 0xff };
	ck_assert_int_eq(mon_client_send_raw(fd, garbage, sizeof(garbage)), 0);
	resp = roundtrip(fd);
	assert_error_contains(resp, "bad request");
	cbor_decref(&resp);

	/* A map whose cmd is a number. */
	const uint8_t wrong_type[] = { 0, 0, 0, 6, 0xa1, 0x63, 'c', 'm', 'd', 0x05 };
	ck_assert_int_eq(mon_client_send_raw(fd, wrong_type, sizeof(wrong_type)), 0);
	resp = roundtrip(fd);
	assert_error_contains(resp, "cmd");
	cbor_decref(&resp);

	/* An array claiming 2^32 elements in 5 bytes. */
	const uint8_t huge_array[] = { 0, 0, 0, 5, 0x9a, 0xff, 0xff, 0xff, 0xff };
	ck_assert_int_eq(mon_client_send_raw(fd, huge_array, sizeof(huge_array)), 0);
	resp = roundtrip(fd);
	assert_error_contains(resp, "well-formed");
	cbor_decref(&resp);

	/* 40 levels of nesting. */
	uint8_t deep[4 + 41];
	deep[0] = deep[1] = deep[2] = 0;
	deep[3] = 41;
	memset(deep + 4, 0x81, 40);
	deep[44] = 0x00;
	ck_assert_int_eq(mon_client_send_raw(fd, deep, sizeof(deep)), 0);
	resp = roundtrip(fd);
	assert_error_contains(resp, "well-formed");
	cbor_decref(&resp);

	/* Unknown command and wrong argument count. */
	cbor_item_t *req = mon_client_build_request("frobnicate", 0, NULL);
	mon_client_send(fd, req);
	cbor_decref(&req);
	resp = roundtrip(fd);
	assert_error_contains(resp, "unknown command 'frobnicate'");
	cbor_decref(&resp);
	req = mon_client_build_request("echo", 0, NULL);
	mon_client_send(fd, req);
	cbor_decref(&req);
	resp = roundtrip(fd);
	assert_error_contains(resp, "needs 1 argument");
	cbor_decref(&resp);

	/* Huge length prefix: error reply, the announced bytes are skipped,
	 * and a good request after them still works. */
	const uint8_t huge_len[] = { 0x00, 0x20, 0x00, 0x00 };  /* 2 MiB */
	ck_assert_int_eq(mon_client_send_raw(fd, huge_len, 4), 0);
	resp = roundtrip(fd);
	assert_error_contains(resp, "frame length");
	cbor_decref(&resp);
	static uint8_t filler[2u << 20];
	ck_assert_int_eq(mon_client_send_raw(fd, filler, 0), 0);
	/* Send the 2 MiB the prefix announced, pumping the loop as we go. */
	size_t sent = 0;
	fcntl(fd, F_SETFL, O_NONBLOCK);
	while (sent < sizeof(filler)) {
		ssize_t w = send(fd, filler + sent, sizeof(filler) - sent, MSG_NOSIGNAL);
		if (w > 0)
			sent += w;
		pump();
	}
	fcntl(fd, F_SETFL, 0);
	char *argv[] = { "still-alive" };
	req = mon_client_build_request("echo", 1, argv);
	mon_client_send(fd, req);
	cbor_decref(&req);
	resp = roundtrip(fd);
	char s[32];
	ck_assert(cbor_get_bool(mon_map_get(resp, "ok")));
	ck_assert(mon_item_str(mon_map_get(resp, "result"), s, sizeof(s)));
	ck_assert_str_eq(s, "still-alive");
	cbor_decref(&resp);
	close(fd);
}
END_TEST

START_TEST(several_clients_and_trace_filter)
{
	int a = connect_client(), b = connect_client();
	cbor_item_t *req = mon_client_build_request("trace", 0, NULL);

	ck_assert_uint_eq(monitor_nr_clients(mon), 2);
	ck_assert(!monitor_tracing(mon));
	mon_client_send(a, req);
	cbor_decref(&req);
	cbor_item_t *resp = roundtrip(a);
	cbor_decref(&resp);
	ck_assert(monitor_tracing(mon));

	cbor_item_t *ev = mon_new_map();
	mon_map_put_str(ev, "event", "vmexit");
	mon_map_put_u64(ev, "reason", 12);
	monitor_broadcast_trace(mon, 12, ev);   /* filtered out */
	ev = mon_new_map();
	mon_map_put_str(ev, "event", "vmexit");
	mon_map_put_u64(ev, "reason", 10);
	monitor_broadcast_trace(mon, 10, ev);
	resp = roundtrip(a);
	uint64_t reason;
	ck_assert(mon_item_u64(mon_map_get(resp, "reason"), &reason));
	ck_assert_uint_eq(reason, 10);
	cbor_decref(&resp);
	/* b never subscribed: nothing for it. */
	pump();
	struct pollfd p = { .fd = b, .events = POLLIN };
	ck_assert_int_eq(poll(&p, 1, 20), 0);
	close(a);
	close(b);
	pump();
	ck_assert_uint_eq(monitor_nr_clients(mon), 0);
	ck_assert(!monitor_tracing(mon));   /* the tracer closed */
}
END_TEST

START_TEST(refuses_live_socket_and_files)
{
	char err[256] = "";
	struct monitor *m2;
	struct monitor_config cfg = { .path = sock_path, .loop = loop,
				      .cmds = cmds, .nr_cmds = 3 };

	ck_assert_int_eq(monitor_open(&m2, &cfg, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "in use"), "%s", err);

	char file[128];
	snprintf(file, sizeof(file), "/tmp/vmxbox-test-file-%d", getpid());
	int fd = open(file, O_CREAT | O_WRONLY | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);
	cfg.path = file;
	err[0] = '\0';
	ck_assert_int_eq(monitor_open(&m2, &cfg, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "not a socket"), "%s", err);
	ck_assert_int_eq(access(file, F_OK), 0);  /* left alone */
	unlink(file);
}
END_TEST

START_TEST(reclaims_stale_socket)
{
	char path[108], err[256] = "";
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct monitor *m2;

	snprintf(path, sizeof(path), "/tmp/vmxbox-test-stale-%d.sock", getpid());
	unlink(path);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);   /* bound but never listening: stale */
	struct monitor_config cfg = { .path = path, .loop = loop,
				      .cmds = cmds, .nr_cmds = 2 };
	ck_assert_msg(monitor_open(&m2, &cfg, err, sizeof(err)) == 0, "%s", err);
	monitor_close(m2);
}
END_TEST

START_TEST(bounded_walker)
{
	const uint8_t ok_map[] = { 0xa1, 0x61, 'a', 0x01 };
	const uint8_t trailing[] = { 0x01, 0x02 };
	const uint8_t short_str[] = { 0x65, 'a', 'b' };
	const uint8_t indef_ok[] = { 0x9f, 0x01, 0x02, 0xff };
	const uint8_t indef_open[] = { 0x9f, 0x01 };
	const uint8_t big_map[] = { 0xbb, 0, 0, 0, 1, 0, 0, 0, 0 };

	ck_assert(cbor_bounded_well_formed(ok_map, sizeof(ok_map), 4));
	ck_assert(!cbor_bounded_well_formed(trailing, sizeof(trailing), 4));
	ck_assert(!cbor_bounded_well_formed(short_str, sizeof(short_str), 4));
	ck_assert(cbor_bounded_well_formed(indef_ok, sizeof(indef_ok), 4));
	ck_assert(!cbor_bounded_well_formed(indef_open, sizeof(indef_open), 4));
	ck_assert(!cbor_bounded_well_formed(big_map, sizeof(big_map), 4));
	ck_assert(!cbor_bounded_well_formed(ok_map, 0, 4));
}
END_TEST

/* At exit the monitor removes its socket only if the path still is that
 * socket: a later run's socket (or any file) put there is left alone. */
START_TEST(close_leaves_a_replaced_socket)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat before, after;
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	ck_assert_int_eq(unlink(sock_path), 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock_path);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(lstat(sock_path, &before), 0);
	monitor_close(mon);
	mon = NULL;
	ck_assert_int_eq(lstat(sock_path, &after), 0);
	ck_assert_uint_eq(after.st_ino, before.st_ino);
	close(fd);
	unlink(sock_path);
}
END_TEST

/* ---- framing at and around every limit ---------------------------------- */

/* Append a frame whose payload is exactly n bytes (n >= 25): {"cmd":
 * "size", "args": [bstr]} with the byte string filling the rest; the
 * reply is the string's length, n - 25. */
#define SIZE_OVERHEAD 25u
static size_t put_size_frame(uint8_t *out, uint32_t n)
{
	static const uint8_t head[] = {
		0xa2, 0x63, 'c', 'm', 'd', 0x64, 's', 'i', 'z', 'e',
		0x64, 'a', 'r', 'g', 's', 0x81, 0x5b,
	};
	uint64_t k = n - SIZE_OVERHEAD;
	size_t o = 0;

	out[o++] = (uint8_t)(n >> 24);
	out[o++] = (uint8_t)(n >> 16);
	out[o++] = (uint8_t)(n >> 8);
	out[o++] = (uint8_t)n;
	memcpy(out + o, head, sizeof(head));
	o += sizeof(head);
	for (int i = 7; i >= 0; i--)
		out[o++] = (uint8_t)(k >> (8 * i));
	memset(out + o, 0x5a, k);
	return o + k;
}

static size_t put_echo_frame(uint8_t *out, const char *word)
{
	char *argv[] = { (char *)word };
	cbor_item_t *req = mon_client_build_request("echo", 1, argv);
	uint8_t *buf;
	size_t len;

	ck_assert(mon_encode_frame(req, &buf, &len));
	cbor_decref(&req);
	memcpy(out, buf, len);
	free(buf);
	return len;
}

/* Write everything (in one go as far as the socket takes it), pumping the
 * server meanwhile. */
static void send_pumping(int fd, const uint8_t *buf, size_t len)
{
	size_t sent = 0;

	fcntl(fd, F_SETFL, O_NONBLOCK);
	while (sent < len) {
		ssize_t w = send(fd, buf + sent, len - sent, MSG_NOSIGNAL);

		ck_assert_msg(w > 0 || errno == EAGAIN, "send: %s", strerror(errno));
		if (w > 0)
			sent += (size_t)w;
		pump();
	}
	fcntl(fd, F_SETFL, 0);
}

static void expect_size(int fd, uint64_t want)
{
	cbor_item_t *r = roundtrip(fd);
	uint64_t v = 0;

	ck_assert_msg(cbor_get_bool(mon_map_get(r, "ok")), "size request failed");
	ck_assert(mon_item_u64(mon_map_get(r, "result"), &v));
	ck_assert_uint_eq(v, want);
	cbor_decref(&r);
}

static void expect_echo(int fd, const char *word)
{
	cbor_item_t *r = roundtrip(fd);
	char s[64];

	ck_assert_msg(cbor_get_bool(mon_map_get(r, "ok")), "echo failed");
	ck_assert(mon_item_str(mon_map_get(r, "result"), s, sizeof(s)));
	ck_assert_str_eq(s, word);
	cbor_decref(&r);
}

/* Payloads of MAX-1, MAX and MAX+1 bytes, each followed in the same write
 * by a small request: the legal ones are answered and so is the one
 * after; the oversized one gets an error and the stream stays in sync. */
START_TEST(frames_around_the_limit_then_another)
{
	static uint8_t buf[MON_FRAME_MAX + 4096];
	static const int64_t delta[] = { -1, 0, 1 };
	int fd = connect_client();

	for (unsigned i = 0; i < 3; i++) {
		uint32_t n = (uint32_t)(MON_FRAME_MAX + delta[i]);
		size_t len;

		if (delta[i] <= 0) {
			len = put_size_frame(buf, n);
		} else {
			/* announced too long: the bytes follow but are skipped */
			len = put_size_frame(buf, n - 1);
			buf[0] = (uint8_t)(n >> 24); buf[1] = (uint8_t)(n >> 16);
			buf[2] = (uint8_t)(n >> 8); buf[3] = (uint8_t)n;
			buf[len++] = 0;
		}
		len += put_echo_frame(buf + len, "after");
		send_pumping(fd, buf, len);
		if (delta[i] <= 0) {
			expect_size(fd, n - SIZE_OVERHEAD);
		} else {
			cbor_item_t *r = roundtrip(fd);

			assert_error_contains(r, "frame length");
			cbor_decref(&r);
		}
		expect_echo(fd, "after");
	}
	close(fd);
}
END_TEST

/* The header and payload cut at every byte: one byte per write. */
START_TEST(frame_split_at_every_byte)
{
	uint8_t buf[128];
	size_t len = put_echo_frame(buf, "split");
	int fd = connect_client();

	for (size_t i = 0; i < len; i++) {
		ck_assert_int_eq(mon_client_send_raw(fd, buf + i, 1), 0);
		pump();
	}
	expect_echo(fd, "split");
	close(fd);
}
END_TEST

/* Many small frames in one write: every one is answered, in order. */
START_TEST(many_frames_in_one_write)
{
	static uint8_t buf[2000 * 32];
	size_t len = 0;
	int fd = connect_client();

	for (unsigned i = 0; i < 2000; i++) {
		char w[16];

		snprintf(w, sizeof(w), "w%u", i);
		len += put_echo_frame(buf + len, w);
	}
	send_pumping(fd, buf, len);
	for (unsigned i = 0; i < 2000; i++) {
		char w[16];

		snprintf(w, sizeof(w), "w%u", i);
		expect_echo(fd, w);
	}
	close(fd);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("monitor_proto");
	TCase *tc = tcase_create("server");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, socket_is_private);
	tcase_add_test(tc, command_round_trip_with_id);
	tcase_add_test(tc, bad_requests_keep_connection);
	tcase_add_test(tc, several_clients_and_trace_filter);
	tcase_add_test(tc, refuses_live_socket_and_files);
	tcase_add_test(tc, reclaims_stale_socket);
	tcase_add_test(tc, bounded_walker);
	tcase_add_test(tc, close_leaves_a_replaced_socket);
	tcase_add_test(tc, frames_around_the_limit_then_another);
	tcase_add_test(tc, frame_split_at_every_byte);
	tcase_add_test(tc, many_frames_in_one_write);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
