// SPDX-License-Identifier: MIT
/*
 * Snapshot library: round trip, determinism, sparse memory, atomic writes,
 * the machine's parts; hostile inputs, each rejected with its specific
 * error, are in test_snapshot_hostile.c (the same test).
 */
#include <cbor.h>
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "snap_test_util.h"
#include "core/cpu_model.h"
#include "snapshot/cbor_out.h"
#include "snapshot/sha256.h"
#include "snapshot/snapshot.h"
#include "devices/debug_exit.h"
#include "devices/uart16550.h"
#include "vmx/vmx_api.h"

static char err[512];

/* ---- SHA-256 (FIPS 180-2 appendix B vectors) ---------------------------- */

static void check_sha(const void *msg, size_t len, const char *hex)
{
	uint8_t d[32];
	char h[65];

	sha256(msg, len, d);
	sha256_hex(d, h);
	ck_assert_str_eq(h, hex);
}

START_TEST(sha256_vectors)
{
	static char million[1000000];

	check_sha("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	check_sha("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	check_sha("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56,
		  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	memset(million, 'a', sizeof(million));
	check_sha(million, sizeof(million),
		  "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}
END_TEST

/* ---- the CPU table covers struct cpu_state ------------------------------ */

static void mark(uint8_t *cov, size_t off, size_t size)
{
	for (size_t i = off; i < off + size; i++) {
		ck_assert_msg(!cov[i], "byte %zu of cpu_state covered twice", i);
		cov[i] = 1;
	}
}

START_TEST(cpu_table_covers_every_field)
{
	uint8_t cov[sizeof(struct cpu_state)] = { 0 };
	uint8_t align_at[sizeof(struct cpu_state) + 1] = { 0 };

	for (size_t i = 0; i < snap_cpu_fields_len; i++) {
		const struct snap_cpu_field *f = &snap_cpu_fields[i];

		ck_assert(f->size == 1 || f->size == 2 || f->size == 4 || f->size == 8);
		mark(cov, f->offset, f->size);
		align_at[f->offset] = f->size;
	}
	for (size_t i = 0; i < cpu_msr_table_len; i++) {
		if (snap_msr_is_field(&cpu_msr_table[i]))
			continue;
		mark(cov, cpu_msr_table[i].offset, 8);
		align_at[cpu_msr_table[i].offset] = 8;
	}
	/* Documented as unused in cpu_state.h (FS base lives in seg[]). */
	mark(cov, offsetof(struct cpu_state, msr.fs_base_unused), 8);
	align_at[offsetof(struct cpu_state, msr.fs_base_unused)] = 8;
	align_at[sizeof(struct cpu_state)] = _Alignof(struct cpu_state);

	/* Every uncovered byte must be padding: a gap shorter than the next
	 * field's alignment that ends exactly where that field is aligned. */
	for (size_t i = 0; i < sizeof(cov);) {
		if (cov[i]) {
			i++;
			continue;
		}
		size_t j = i;

		while (j < sizeof(cov) && !cov[j])
			j++;
		size_t a = align_at[j];

		ck_assert_msg(a > 1 && ((i + a - 1) / a) * a == j,
			      "bytes [%zu,%zu) of struct cpu_state are not in the snapshot table",
			      i, j);
		i = j;
	}
}
END_TEST

/* ---- round trip and determinism ---------------------------------------- */

START_TEST(round_trip_is_byte_identical)
{
	struct guest_mem gm;
	struct snapshot_machine *s = make_ram_machine(&gm, 5), *d;
	uint8_t *a, *b;
	size_t alen, blen;

	encode_ok(s, &a, &alen);
	d = snapshot_decode(a, alen, err, sizeof(err));
	ck_assert_msg(d != NULL, "decode: %s", err);

	ck_assert_uint_eq(d->format_version, SNAP_FORMAT_VERSION);
	ck_assert_str_eq(d->vmxbox_version, s->vmxbox_version);
	ck_assert_str_eq(d->trigger, "insns:1234");
	ck_assert_uint_eq(d->config.ram_size, SNAP_TEST_RAM);
	ck_assert_str_eq(d->config.engine, "interp");
	ck_assert_str_eq(d->config.firmware, "/tmp/fw.elf");
	ck_assert_mem_eq(d->config.firmware_sha256, s->config.firmware_sha256, 32);
	ck_assert_str_eq(snap_config_option(&d->config, "max-insns"), "1000000");
	ck_assert_uint_eq(d->n_cpus, 1);
	ck_assert_mem_eq(&d->cpus[0], &s->cpus[0], sizeof(struct cpu_state));

	ck_assert(d->vmx.present && d->vmx.vmxon && d->vmx.non_root);
	ck_assert_uint_eq(d->vmx.vmxon_ptr, 0x10000);
	ck_assert_uint_eq(d->vmx.current_vmcs, 0x12000);
	ck_assert_uint_eq(d->vmx.n_regions, 2);
	ck_assert_uint_eq(d->vmx.regions[1].launch_state, SNAP_VMCS_LAUNCHED);
	ck_assert_uint_eq(d->vmx.n_fields, 3);
	ck_assert_str_eq(d->vmx.fields[2].name, "GUEST_RIP");
	ck_assert_uint_eq(d->vmx.fields[2].value, 0xffffffff80001000ull);
	uint64_t v = 0;

	ck_assert(snap_kv_get_u64(&d->vmx.extra, "preemption_timer", &v));
	ck_assert_uint_eq(v, 77);

	const struct snap_device *u = snap_device_find(d, "uart0");

	ck_assert_ptr_nonnull(u);
	ck_assert(snap_kv_get_u64(&u->st, "bytes_out", &v));
	ck_assert_uint_eq(v, 47);
	const struct snap_kv *kv = snap_kv_find(&u->st, "buf");

	ck_assert_ptr_nonnull(kv);
	ck_assert_uint_eq(kv->len, 40);
	ck_assert_uint_eq(kv->bytes[39], 39 ^ 5);

	ck_assert_uint_eq(d->mem.n_runs, 2);
	ck_assert_uint_eq(d->mem.runs[0].gpa, 0x10000);
	ck_assert_uint_eq(d->mem.runs[0].len, 0x2000);
	ck_assert_uint_eq(d->mem.runs[1].gpa, 0x200000);
	ck_assert_uint_eq(d->mem.runs[1].len, 0x1000);

	encode_ok(d, &b, &blen);
	ck_assert_uint_eq(alen, blen);
	ck_assert_mem_eq(a, b, alen);

	free(a);
	free(b);
	snapshot_free(d);
	snapshot_free(s);
	gmem_destroy(&gm);
}
END_TEST

START_TEST(encoding_is_deterministic)
{
	struct guest_mem g1, g2;
	struct snapshot_machine *s1 = make_ram_machine(&g1, 9), *s2;
	uint8_t *a, *b;
	size_t alen, blen;

	/* Same state built in another order: devices, keys and options
	 * inserted the other way round. */
	ck_assert_int_eq(gmem_init(&g2, SNAP_TEST_RAM), 0);
	touch_pages(&g2);
	s2 = snapshot_new();
	s2->config = s1->config;
	s2->config.n_options = 0;
	snap_config_set_option(&s2->config, "exit-mode", "plain");
	snap_config_set_option(&s2->config, "max-insns", "1000000");
	strcpy(s2->trigger, s1->trigger);
	s2->n_cpus = 1;
	s2->cpus[0] = s1->cpus[0];
	s2->vmx = s1->vmx;
	memset(&s2->vmx.extra, 0, sizeof(s2->vmx.extra));
	snap_kv_set_u64(&s2->vmx.extra, "preemption_timer", 77);
	struct snap_device *d = snap_device_add(s2, "debug_exit");

	snap_kv_set_u64(&d->st, "fired", 0);
	d = snap_device_add(s2, "uart0");
	const struct snap_kv *buf = snap_kv_find(&snap_device_find(s1, "uart0")->st, "buf");

	snap_kv_set_bytes(&d->st, "buf", buf->bytes, buf->len);
	snap_kv_set_u64(&d->st, "bytes_out", 42 + 9);
	snap_kv_set_u64(&d->st, "lcr", 3);
	ck_assert_int_eq(snap_mem_capture(&s2->mem, &g2), 0);

	encode_ok(s1, &a, &alen);
	encode_ok(s2, &b, &blen);
	ck_assert_uint_eq(alen, blen);
	ck_assert_mem_eq(a, b, alen);
	free(b);
	/* And the same object twice. */
	encode_ok(s1, &b, &blen);
	ck_assert_mem_eq(a, b, alen);
	free(a);
	free(b);
	snapshot_free(s1);
	snapshot_free(s2);
	gmem_destroy(&g1);
	gmem_destroy(&g2);
}
END_TEST

/* Walk any CBOR item checking RFC 8949 4.2.1: map keys in bytewise order
 * of their encodings, shortest heads, definite lengths. */
static size_t walk(const uint8_t *p, size_t len);

static size_t head(const uint8_t *p, size_t len, uint64_t *arg)
{
	unsigned ai = p[0] & 31;

	ck_assert_msg(ai < 28, "indefinite or reserved head %#x", p[0]);
	if (ai < 24) {
		*arg = ai;
		return 1;
	}
	size_t n = 1u << (ai - 24);

	ck_assert(len > n);
	*arg = 0;
	for (size_t i = 0; i < n; i++)
		*arg = *arg << 8 | p[1 + i];
	uint64_t min = n == 1 ? 24 : n == 2 ? 0x100 : n == 4 ? 0x10000 : 0x100000000ull;

	ck_assert_msg(*arg >= min, "non-shortest head");
	return 1 + n;
}

static size_t walk(const uint8_t *p, size_t len)
{
	uint64_t arg;
	size_t h = head(p, len, &arg), off = h;

	switch (p[0] >> 5) {
	case 2: case 3:
		return h + arg;
	case 4:
		for (uint64_t i = 0; i < arg; i++)
			off += walk(p + off, len - off);
		return off;
	case 5: {
		const uint8_t *pk = NULL;
		size_t pklen = 0;

		for (uint64_t i = 0; i < arg; i++) {
			const uint8_t *k = p + off;
			size_t klen = walk(k, len - off);

			if (pk) {
				size_t m = pklen < klen ? pklen : klen;
				int c = memcmp(pk, k, m);

				ck_assert_msg(c < 0 || (c == 0 && pklen < klen),
					      "map keys out of canonical order at byte %td",
					      k - p);
			}
			pk = k;
			pklen = klen;
			off += klen;
			off += walk(p + off, len - off);
		}
		return off;
	}
	case 6:
		return off + walk(p + off, len - off);
	default:
		return h;
	}
}

START_TEST(encoding_is_canonical_cbor)
{
	struct guest_mem gm;
	struct snapshot_machine *s = make_ram_machine(&gm, 1);
	uint8_t *a;
	size_t alen;

	encode_ok(s, &a, &alen);
	ck_assert_uint_eq(a[0], 0xd9);
	ck_assert_uint_eq(a[1], 0xd9);
	ck_assert_uint_eq(a[2], 0xf7);
	ck_assert_uint_eq(walk(a, alen), alen);
	free(a);
	snapshot_free(s);
	gmem_destroy(&gm);
}
END_TEST

/* ---- sparse memory ------------------------------------------------------ */

START_TEST(memory_is_sparse_and_restores)
{
	struct guest_mem gm, back;
	struct snapshot_machine *s = make_ram_machine(&gm, 2), *d;
	uint8_t *a;
	size_t alen;

	ck_assert_uint_eq(snap_mem_stored_bytes(&s->mem), 3 * 4096);
	encode_ok(s, &a, &alen);
	/* 3 pages plus a small fixed overhead, for 4 MiB of RAM. */
	ck_assert_uint_gt(alen, 3 * 4096);
	ck_assert_uint_lt(alen, 3 * 4096 + 4096);

	d = snapshot_decode(a, alen, err, sizeof(err));
	ck_assert_msg(d != NULL, "%s", err);
	/* Restore into RAM with stale contents: they must be wiped. */
	ck_assert_int_eq(gmem_init(&back, SNAP_TEST_RAM), 0);
	ck_assert(gmem_write_u64(&back, 0x300000, 0x5555));
	ck_assert(gmem_write_u64(&back, 0x10000, 0x7777));
	ck_assert_int_eq(snap_mem_restore(&d->mem, &back, err, sizeof(err)), 0);
	ck_assert_mem_eq(back.host, gm.host, SNAP_TEST_RAM);

	uint8_t buf[16];

	ck_assert(snap_mem_read(d, 0x10008, buf, 8));
	ck_assert_uint_eq(buf[0], 0x88);
	ck_assert(snap_mem_read(d, 0x3ffff0, buf, 16));
	ck_assert(!snap_mem_read(d, 0x3ffff8, buf, 16));

	/* RAM of the wrong size is refused. */
	struct guest_mem small;

	ck_assert_int_eq(gmem_init(&small, 2ull << 20), 0);
	ck_assert_int_eq(snap_mem_restore(&d->mem, &small, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "does not fit"));
	gmem_destroy(&small);

	free(a);
	snapshot_free(d);
	snapshot_free(s);
	gmem_destroy(&gm);
	gmem_destroy(&back);
}
END_TEST

/* ---- atomic writes ------------------------------------------------------ */

static size_t fail_after;   /* bytes the fake write accepts */
static size_t written;

static ssize_t enospc_write(int fd, const void *buf, size_t len)
{
	if (written >= fail_after) {
		errno = ENOSPC;
		return -1;
	}
	size_t n = fail_after - written < len ? fail_after - written : len;
	ssize_t r = write(fd, buf, n);

	if (r > 0)
		written += (size_t)r;
	return r;
}

static int failing_fsync(int fd)
{
	errno = EIO;
	return -1;
}

static int failing_rename(const char *a, const char *b)
{
	errno = EXDEV;
	return -1;
}

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");

	ck_assert_ptr_nonnull(f);
	fseek(f, 0, SEEK_END);
	*len = (size_t)ftell(f);
	rewind(f);
	uint8_t *p = malloc(*len + 1);

	ck_assert_uint_eq(fread(p, 1, *len, f), *len);
	fclose(f);
	return p;
}

static unsigned count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	unsigned n = 0;

	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

START_TEST(failed_write_keeps_old_file)
{
	char dir[] = "/tmp/snaptest.XXXXXX", path[64];
	struct guest_mem gm;
	struct snapshot_machine *s = make_ram_machine(&gm, 3);
	uint8_t *old, *now;
	size_t oldlen, nowlen;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/a.snap", dir);
	ck_assert_int_eq(snapshot_write_file(s, path, err, sizeof(err)), 0);
	old = slurp(path, &oldlen);
	s->cpus[0].rip ^= 0x1000;   /* new state, different bytes */

	struct snap_io_ops enospc = { enospc_write, fsync, rename };
	struct snap_io_ops badsync = { NULL, failing_fsync, rename };
	struct snap_io_ops badrename = { NULL, fsync, failing_rename };
	const struct { struct snap_io_ops *ops; int rc; const char *msg; } cases[] = {
		{ &enospc, -ENOSPC, "No space left on device" },
		{ &badsync, -EIO, "fsync" },
		{ &badrename, -EXDEV, "rename" },
	};

	for (unsigned i = 0; i < 3; i++) {
		if (!cases[i].ops->write)
			cases[i].ops->write = enospc_write;
		written = 0;
		fail_after = i == 0 ? 5000 : SIZE_MAX;
		snapshot_set_io_ops(cases[i].ops);
		int rc = snapshot_write_file(s, path, err, sizeof(err));

		snapshot_set_io_ops(NULL);
		ck_assert_int_eq(rc, cases[i].rc);
		ck_assert_msg(strstr(err, cases[i].msg), "error: %s", err);
		now = slurp(path, &nowlen);
		ck_assert_uint_eq(nowlen, oldlen);
		ck_assert_mem_eq(now, old, oldlen);
		free(now);
		ck_assert_uint_eq(count_entries(dir), 1);  /* no temp file left */
	}

	/* A successful write replaces it, and the file reads back. */
	ck_assert_int_eq(snapshot_write_file(s, path, err, sizeof(err)), 0);
	struct snapshot_machine *d = snapshot_read_file(path, err, sizeof(err));

	ck_assert_msg(d != NULL, "%s", err);
	ck_assert_uint_eq(d->cpus[0].rip, s->cpus[0].rip);
	ck_assert_uint_eq(count_entries(dir), 1);
	snapshot_free(d);

	unlink(path);
	rmdir(dir);
	free(old);
	snapshot_free(s);
	gmem_destroy(&gm);
}
END_TEST

/* The final rename() would replace anything: only regular files (also
 * through a link) are replaced; a socket, FIFO or directory is refused with
 * a clear error and left as it was. */
START_TEST(write_refuses_non_regular_targets)
{
	char dir[] = "/tmp/snaptest.XXXXXX", sock[64], fifo[64], sub[64];
	char reg[64], link_[64];
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct guest_mem gm;
	struct snapshot_machine *s = make_ram_machine(&gm, 1);
	struct stat st;
	int fd;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(sock, sizeof(sock), "%s/mon.sock", dir);
	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	snprintf(sub, sizeof(sub), "%s/sub", dir);
	snprintf(reg, sizeof(reg), "%s/a.snap", dir);
	snprintf(link_, sizeof(link_), "%s/link.snap", dir);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	ck_assert_int_eq(mkdir(sub, 0700), 0);

	ck_assert_int_eq(snapshot_write_file(s, sock, err, sizeof(err)), -EEXIST);
	ck_assert_msg(strstr(err, "is a socket: refusing"), "%s", err);
	ck_assert_int_eq(lstat(sock, &st), 0);
	ck_assert(S_ISSOCK(st.st_mode));
	ck_assert_int_eq(snapshot_write_file(s, fifo, err, sizeof(err)), -EEXIST);
	ck_assert_msg(strstr(err, "FIFO"), "%s", err);
	ck_assert_int_eq(snapshot_write_file(s, sub, err, sizeof(err)), -EEXIST);
	ck_assert_msg(strstr(err, "directory"), "%s", err);
	ck_assert_uint_eq(count_entries(dir), 3);   /* no temp file left */

	/* A link to a regular file, and the file itself: written. */
	ck_assert_int_eq(snapshot_write_file(s, reg, err, sizeof(err)), 0);
	ck_assert_int_eq(symlink(reg, link_), 0);
	ck_assert_int_eq(snapshot_write_file(s, link_, err, sizeof(err)), 0);

	close(fd);
	unlink(link_);
	unlink(reg);
	unlink(sock);
	unlink(fifo);
	rmdir(sub);
	rmdir(dir);
	snapshot_free(s);
	gmem_destroy(&gm);
}
END_TEST

START_TEST(read_file_errors)
{
	char dir[] = "/tmp/snaptest.XXXXXX", path[64];

	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_ptr_null(snapshot_read_file("/nonexistent/x.snap", err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "No such file"));
	ck_assert_ptr_null(snapshot_read_file(dir, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "not a regular file"));
	snprintf(path, sizeof(path), "%s/empty", dir);
	close(open(path, O_CREAT | O_WRONLY, 0600));
	ck_assert_ptr_null(snapshot_read_file(path, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "empty file"));
	unlink(path);
	rmdir(dir);
}
END_TEST

/* ---- machine parts: VMX core and devices -------------------------------- */

/*
 * The VMX section through the core's public export/import API: a state
 * set up by import, captured, encoded, decoded and restored, exports the
 * same struct vmx_state (tests/vmx/test_vmx_state.c checks that the
 * export covers struct vmx_vcpu).
 */
static void same_vmx_state(const struct vmx_state *a, const struct vmx_state *b)
{
	ck_assert(a->vmxon == b->vmxon && a->non_root == b->non_root);
	ck_assert_uint_eq(a->vmxon_ptr, b->vmxon_ptr);
	ck_assert_uint_eq(a->current_vmcs, b->current_vmcs);
	ck_assert_uint_eq(a->n_regions, b->n_regions);
	ck_assert_mem_eq(a->regions, b->regions, sizeof(a->regions[0]) * a->n_regions);
	ck_assert_mem_eq(a->vmcs, b->vmcs, sizeof(a->vmcs));
	ck_assert_uint_eq(a->n_scalars, b->n_scalars);
	for (unsigned i = 0; i < a->n_scalars; i++) {
		ck_assert_str_eq(a->scalars[i].name, b->scalars[i].name);
		ck_assert_uint_eq(a->scalars[i].value, b->scalars[i].value);
	}
}

static void set_scalar(struct vmx_state *st, const char *name, uint64_t val)
{
	for (unsigned i = 0; i < st->n_scalars; i++)
		if (!strcmp(st->scalars[i].name, name)) {
			st->scalars[i].value = val;
			return;
		}
	ck_abort_msg("no VMX scalar %s", name);
}

START_TEST(vmx_state_round_trip)
{
	static struct vmx_state want, got;
	struct guest_mem gm;
	struct cpu_model model;
	struct vmx_vcpu *v, *w;
	struct snapshot_machine *s, *d;
	uint8_t *a;
	size_t alen;

	cpu_model_default(&model);
	cpu_model_set(&model, X86_FEAT_VMX, true);
	v = vmx_vcpu_create(&model);
	w = vmx_vcpu_create(&model);
	s = make_ram_machine(&gm, 6);
	/* Start from the reset state's export: every scalar is named. */
	vmx_state_export(v, &gm, &want);
	want.vmxon = want.non_root = true;
	want.vmxon_ptr = 0x20000;
	want.current_vmcs = 0x22000;
	want.n_regions = 2;
	want.regions[0] = (struct vmx_state_region){ .gpa = 0x21000, .slot = 7 };
	want.regions[1] = (struct vmx_state_region){ .gpa = 0x22000, .launched = true,
						     .slot = 3, .entries = 5 };
	want.vmcs[VMCS_IDX_GUEST_RIP] = 0x401000;
	want.vmcs[vmcs_field_index(VMCS_EPT_POINTER, NULL)] = 0x305e;
	set_scalar(&want, "region_victim", 9);
	set_scalar(&want, "preempt_armed", 1);
	set_scalar(&want, "preempt_deadline", 123456789);
	set_scalar(&want, "vnmi_blocked", 1);
	set_scalar(&want, "tpr_exit_pending", 1);
	set_scalar(&want, "last_exit_reason", EXIT_REASON_CPUID);
	set_scalar(&want, "exit_count", 17);
	ck_assert_int_eq(vmx_state_import(v, &want, err, sizeof(err)), 0);

	snap_vmx_capture(&s->vmx, v, &gm);
	ck_assert_uint_eq(s->vmx.n_fields, VMCS_FIELD_COUNT);
	ck_assert_uint_eq(s->vmx.n_regions, 2);
	ck_assert_uint_eq(s->vmx.regions[0].addr, 0x21000);
	/* The capture wrote the cached VMCS back to its region. */
	{
		uint64_t rip = 0;

		ck_assert(vmx_vmcs_peek(w, &gm, 0x22000, VMCS_GUEST_RIP, &rip));
		ck_assert_uint_eq(rip, 0x401000);
	}

	ck_assert_int_eq(snap_mem_capture(&s->mem, &gm), 0);
	encode_ok(s, &a, &alen);
	d = snapshot_decode(a, alen, err, sizeof(err));
	ck_assert_msg(d != NULL, "%s", err);
	ck_assert_int_eq(snap_vmx_restore(w, &d->vmx, err, sizeof(err)), 0);
	vmx_state_export(w, &gm, &got);
	same_vmx_state(&want, &got);
	ck_assert_uint_eq(vmx_current_field(w, VMCS_EPT_POINTER), 0x305e);

	/* Outside VMX operation nothing but the reset state comes back. */
	vmx_vcpu_reset(v);
	snap_vmx_capture(&s->vmx, v, &gm);
	ck_assert(s->vmx.present && !s->vmx.vmxon);
	ck_assert_uint_eq(s->vmx.n_fields, 0);
	ck_assert_int_eq(snap_vmx_restore(w, &s->vmx, err, sizeof(err)), 0);
	ck_assert(!vmx_in_operation(w));
	ck_assert_uint_eq(vmx_vmxon_pointer(w), VMCS_PTR_NONE);
	ck_assert_uint_eq(vmx_current_vmcs(w), VMCS_PTR_NONE);

	free(a);
	snapshot_free(d);
	snapshot_free(s);
	vmx_vcpu_destroy(v);
	vmx_vcpu_destroy(w);
	gmem_destroy(&gm);
}
END_TEST

START_TEST(devices_round_trip)
{
	struct snapshot_machine *s = snapshot_new(), *d;
	struct uart16550 u, u2;
	struct debug_exit x, x2;
	struct guest_mem gm;
	uint8_t *a;
	size_t alen;

	ck_assert_int_eq(gmem_init(&gm, SNAP_TEST_RAM), 0);
	s->config.ram_size = SNAP_TEST_RAM;
	s->n_cpus = 1;
	cpu_state_reset(&s->cpus[0]);
	uart16550_init(&u, -1);
	u.lcr = 0x83; u.dll = 1; u.dlm = 0; u.ier = 0; u.scr = 0x5a;
	u.fcr = 0xc7; u.mcr = 0x0b; u.bytes_out = 1234;
	debug_exit_init(&x, DEBUG_EXIT_QEMU, NULL, NULL);
	x.fired = true;
	x.value = 0x10;
	ck_assert(snap_uart_save(s, &u));
	ck_assert(snap_debug_exit_save(s, &x));
	ck_assert_int_eq(snap_mem_capture(&s->mem, &gm), 0);
	encode_ok(s, &a, &alen);
	d = snapshot_decode(a, alen, err, sizeof(err));
	ck_assert_msg(d != NULL, "%s", err);

	uart16550_init(&u2, -1);
	debug_exit_init(&x2, DEBUG_EXIT_PLAIN, NULL, NULL);
	ck_assert_int_eq(snap_uart_load(d, &u2, err, sizeof(err)), 0);
	ck_assert_int_eq(snap_debug_exit_load(d, &x2, err, sizeof(err)), 0);
	ck_assert_uint_eq(u2.lcr, 0x83);
	ck_assert_uint_eq(u2.scr, 0x5a);
	ck_assert_uint_eq(u2.fcr, 0xc7);
	ck_assert_uint_eq(u2.mcr, 0x0b);
	ck_assert_uint_eq(u2.bytes_out, 1234);
	ck_assert(x2.fired);
	ck_assert_int_eq(x2.mode, DEBUG_EXIT_QEMU);
	ck_assert_int_eq(x2.status, 0x21);   /* (0x10 << 1) | 1 */

	/* A register value that does not fit is refused. */
	snap_kv_set_u64(&snap_device_add(d, "uart0")->st, "lcr", 0x100);
	ck_assert_int_ne(snap_uart_load(d, &u2, err, sizeof(err)), 0);
	ck_assert_str_eq(err, "devices.uart0.lcr: missing or invalid");

	uart16550_destroy(&u);
	uart16550_destroy(&u2);
	free(a);
	snapshot_free(s);
	snapshot_free(d);
	gmem_destroy(&gm);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("snapshot");
	TCase *t = tcase_create("core");

	tcase_set_timeout(t, 60);
	tcase_add_test(t, sha256_vectors);
	tcase_add_test(t, cpu_table_covers_every_field);
	tcase_add_test(t, round_trip_is_byte_identical);
	tcase_add_test(t, encoding_is_deterministic);
	tcase_add_test(t, encoding_is_canonical_cbor);
	tcase_add_test(t, memory_is_sparse_and_restores);
	tcase_add_test(t, failed_write_keeps_old_file);
	tcase_add_test(t, write_refuses_non_regular_targets);
	tcase_add_test(t, read_file_errors);
	suite_add_tcase(s, t);
	suite_add_tcase(s, snapshot_hostile_tcase());
	t = tcase_create("parts");
	tcase_add_test(t, vmx_state_round_trip);
	tcase_add_test(t, devices_round_trip);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	SRunner *r = srunner_create(suite());

	srunner_run_all(r, CK_NORMAL);
	int failed = srunner_ntests_failed(r);

	srunner_free(r);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
