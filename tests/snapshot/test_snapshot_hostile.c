// SPDX-License-Identifier: MIT
/*
 * Snapshot library, hostile inputs: empty, truncated and garbage files,
 * wrong versions, magic, types, ranges, unknown/missing/duplicate keys,
 * bad memory runs, inconsistent VMX state, huge lengths - each rejected
 * with its specific error - the optional keys older snapshots lack, and
 * VMCS fields keyed by encoding, not by name.
 * Part of the snapshot test (test_snapshot.c has main()).
 */
#include <cbor.h>
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "snap_test_util.h"
#include "core/cpu_model.h"
#include "snapshot/cbor_out.h"
#include "snapshot/snapshot.h"
#include "vmx/vmx_api.h"

static char err[512];

/* ---- hostile inputs ----------------------------------------------------- */

static uint8_t *good;
static size_t good_len;

static void make_good(void)
{
	struct guest_mem gm;
	struct snapshot_machine *s = make_ram_machine(&gm, 4);

	encode_ok(s, &good, &good_len);
	snapshot_free(s);
	gmem_destroy(&gm);
}

static void expect_bad(const uint8_t *p, size_t len, const char *want)
{
	struct snapshot_machine *s = snapshot_decode(p, len, err, sizeof(err));

	ck_assert_msg(s == NULL, "accepted input that should fail with \"%s\"", want);
	ck_assert_msg(strstr(err, want), "error \"%s\" does not contain \"%s\"",
		      err, want);
}

/* Edit the good snapshot as a libcbor tree, then re-serialize. */
static cbor_item_t *root;

static cbor_item_t *body(void)
{
	cbor_item_t *arr = cbor_tag_item(root);
	cbor_item_t *b = cbor_array_handle(arr)[2];

	cbor_decref(&arr);
	return b;
}

static cbor_item_t **slot(cbor_item_t *map, const char *key)
{
	struct cbor_pair *pairs = cbor_map_handle(map);

	for (size_t i = 0; i < cbor_map_size(map); i++)
		if (cbor_string_length(pairs[i].key) == strlen(key) &&
		    !memcmp(cbor_string_handle(pairs[i].key), key, strlen(key)))
			return &pairs[i].value;
	ck_abort_msg("no key %s", key);
	return NULL;
}

static void replace(cbor_item_t **where, cbor_item_t *with)
{
	cbor_decref(where);
	*where = with;
}

static void load_good(void)
{
	struct cbor_load_result r;

	root = cbor_load(good, good_len, &r);
	ck_assert_ptr_nonnull(root);
}

static void expect_tree_bad(const char *want)
{
	unsigned char *buf;
	size_t size;
	size_t len = cbor_serialize_alloc(root, &buf, &size);

	ck_assert_uint_gt(len, 0);
	expect_bad(buf, len, want);
	free(buf);
	cbor_decref(&root);
}

/* The modified tree must load. */
static void expect_tree_good(void)
{
	unsigned char *buf;
	size_t size;
	size_t len = cbor_serialize_alloc(root, &buf, &size);
	struct snapshot_machine *s = snapshot_decode(buf, len, err, sizeof(err));

	ck_assert_msg(s != NULL, "rejected: %s", err);
	snapshot_free(s);
	free(buf);
	cbor_decref(&root);
}

static cbor_item_t *cpu0(void)
{
	return cbor_array_handle(*slot(body(), "cpus"))[0];
}

START_TEST(rejects_empty_truncated_and_garbage)
{
	make_good();
	expect_bad(good, 0, "empty input");
	expect_bad((const uint8_t *)"hello", 5, "not a vmxbox snapshot");
	/* Every proper prefix is truncated. */
	for (size_t cut = 1; cut < good_len; cut += cut < 200 ? 1 : 997)
		expect_bad(good, cut, "truncated");
	uint8_t *more = malloc(good_len + 1);

	memcpy(more, good, good_len);
	more[good_len] = 0;
	expect_bad(more, good_len + 1, "1 bytes of trailing garbage");
	free(more);
	free(good);
}
END_TEST

START_TEST(rejects_wrong_version_and_magic)
{
	uint8_t *p;

	make_good();
	p = malloc(good_len);
	memcpy(p, good, good_len);
	/* d9 d9 f7 83 6f "vmxbox-snapshot" <version> */
	ck_assert_uint_eq(p[4 + 16], SNAP_FORMAT_VERSION);
	p[4 + 16] = 2;
	expect_bad(p, good_len, "unsupported snapshot format version 2");
	memcpy(p, good, good_len);
	p[5] = 'V';
	expect_bad(p, good_len, "bad magic");
	memcpy(p, good, good_len);
	p[2] = 0xf8;
	expect_bad(p, good_len, "not a vmxbox snapshot (tag");
	free(p);
	free(good);
}
END_TEST

START_TEST(rejects_wrong_types_and_ranges)
{
	make_good();

	load_good();
	replace(slot(cpu0(), "rax"), cbor_build_string("zero"));
	expect_tree_bad("cpus[0].rax: expected unsigned integer, got text string");

	load_good();
	replace(slot(cpu0(), "cs.sel"), cbor_build_uint32(0x10000));
	expect_tree_bad("cpus[0].cs.sel: value 0x10000 out of range (max 0xffff)");

	load_good();
	replace(slot(cpu0(), "nmi_pending"), cbor_build_uint8(1));
	expect_tree_bad("cpus[0].nmi_pending: expected boolean");

	load_good();
	replace(slot(cpu0(), "activity"), cbor_build_uint8(9));
	expect_tree_bad("invalid activity state 9");

	load_good();
	replace(slot(body(), "cpus"), cbor_build_string("x"));
	expect_tree_bad("cpus: expected array, got text string");

	load_good();
	replace(slot(*slot(body(), "config"), "ram"), cbor_build_uint32(12345));
	expect_tree_bad("config.ram: RAM size 12345 invalid");

	load_good();
	replace(slot(*slot(body(), "config"), "firmware_sha256"),
		cbor_build_bytestring((const unsigned char *)"abc", 3));
	expect_tree_bad("SHA-256 must be 32 bytes, not 3");

	load_good();
	replace(slot(body(), "trigger"), cbor_build_negint8(3));
	expect_tree_bad("trigger: expected text string, got negative integer");
	free(good);
}
END_TEST

START_TEST(rejects_unknown_missing_duplicate_keys)
{
	make_good();

	load_good();
	cbor_decref(&cbor_map_handle(body())[6].key);
	cbor_map_handle(body())[6].key = cbor_build_string("trigga");
	expect_tree_bad("unknown key \"trigga\"");

	load_good();
	/* Rename "vmxbox" to "trigger": a duplicate. */
	cbor_decref(&cbor_map_handle(body())[4].key);
	cbor_map_handle(body())[4].key = cbor_build_string("trigger");
	expect_tree_bad("duplicate key \"trigger\"");

	load_good();
	cbor_decref(&cbor_map_handle(cpu0())[0].key);
	cbor_map_handle(cpu0())[0].key = cbor_build_string("r16");
	expect_tree_bad("unknown CPU field \"r16\"");

	load_good();
	replace(slot(cpu0(), "msrs"), cbor_new_definite_map(0));
	expect_tree_bad("cpus[0].msrs: 0 MSRs present");
	free(good);
}
END_TEST

/* cpus[0] without the keys that start with `prefix`. */
static void drop_cpu0_keys(const char *prefix)
{
	cbor_item_t *old = cpu0();
	struct cbor_pair *pairs = cbor_map_handle(old);
	size_t n = 0;

	for (size_t i = 0; i < cbor_map_size(old); i++)
		n += strncmp((const char *)cbor_string_handle(pairs[i].key),
			     prefix, strlen(prefix)) != 0;
	cbor_item_t *m = cbor_new_definite_map(n);

	for (size_t i = 0; i < cbor_map_size(old); i++)
		if (strncmp((const char *)cbor_string_handle(pairs[i].key),
			    prefix, strlen(prefix)))
			ck_assert(cbor_map_add(m, pairs[i]));
	replace(&cbor_array_handle(*slot(body(), "cpus"))[0], m);
}

static struct snapshot_machine *decode_tree(void)
{
	unsigned char *buf;
	size_t size;
	size_t len = cbor_serialize_alloc(root, &buf, &size);
	struct snapshot_machine *d = snapshot_decode(buf, len, err, sizeof(err));

	free(buf);
	cbor_decref(&root);
	return d;
}

/*
 * The PAE PDPTE registers (cpu_state.pdpte[], pdpte_valid) round-trip; a
 * snapshot written before they existed (no such keys) still loads and
 * leaves them not loaded (0, false: the interp reloads them from CR3).
 */
START_TEST(pdpte_registers_round_trip_and_optional)
{
	struct guest_mem gm;
	struct snapshot_machine *s = make_ram_machine(&gm, 9), *d;
	uint8_t *a;
	size_t alen;

	s->cpus[0].pdpte[0] = 0x12345001;
	s->cpus[0].pdpte[3] = 0xfedcb001;
	s->cpus[0].pdpte_valid = true;
	encode_ok(s, &a, &alen);
	d = snapshot_decode(a, alen, err, sizeof(err));
	ck_assert_msg(d != NULL, "decode: %s", err);
	ck_assert_uint_eq(d->cpus[0].pdpte[0], 0x12345001);
	ck_assert_uint_eq(d->cpus[0].pdpte[3], 0xfedcb001);
	ck_assert(d->cpus[0].pdpte_valid);
	ck_assert_mem_eq(&d->cpus[0], &s->cpus[0], sizeof(struct cpu_state));
	snapshot_free(d);

	good = a;
	good_len = alen;
	load_good();
	drop_cpu0_keys("pdpte");
	d = decode_tree();
	ck_assert_msg(d != NULL, "without pdpte keys: %s", err);
	ck_assert_uint_eq(d->cpus[0].pdpte[0], 0);
	ck_assert_uint_eq(d->cpus[0].pdpte[3], 0);
	ck_assert(!d->cpus[0].pdpte_valid);
	ck_assert_uint_eq(d->cpus[0].cr3, s->cpus[0].cr3);
	ck_assert_uint_eq(d->cpus[0].rip, s->cpus[0].rip);
	snapshot_free(d);
	free(good);
	snapshot_free(s);
	gmem_destroy(&gm);
}
END_TEST

/*
 * MONITOR/MWAIT state (cpu_state.monitor_*, mwait) round-trips, so a vCPU
 * saved while MWAIT waits waits again after restore; snapshots written
 * before these keys load with the monitor unarmed and no wait; invalid
 * wait states and unaligned lines are refused naming the key.
 */
START_TEST(mwait_state_round_trip_and_optional)
{
	struct guest_mem gm;
	struct snapshot_machine *s = make_ram_machine(&gm, 9), *d;
	uint8_t *a;
	size_t alen;

	s->cpus[0].monitor_armed = false;
	s->cpus[0].monitor_gpa = 0x12340;
	for (unsigned i = 0; i < CPU_MONITOR_LINE; i++)
		s->cpus[0].monitor_line[i] = (uint8_t)(i * 7 + 1);
	s->cpus[0].mwait = MWAIT_WAITING | MWAIT_INTR_BREAK;
	encode_ok(s, &a, &alen);
	d = snapshot_decode(a, alen, err, sizeof(err));
	ck_assert_msg(d != NULL, "decode: %s", err);
	ck_assert_uint_eq(d->cpus[0].mwait, MWAIT_WAITING | MWAIT_INTR_BREAK);
	ck_assert_uint_eq(d->cpus[0].monitor_gpa, 0x12340);
	ck_assert_uint_eq(d->cpus[0].monitor_line[63], (uint8_t)(63 * 7 + 1));
	ck_assert_mem_eq(&d->cpus[0], &s->cpus[0], sizeof(struct cpu_state));
	snapshot_free(d);

	good = a;
	good_len = alen;
	load_good();
	drop_cpu0_keys("monitor");
	drop_cpu0_keys("mwait");
	d = decode_tree();
	ck_assert_msg(d != NULL, "without monitor keys: %s", err);
	ck_assert_uint_eq(d->cpus[0].mwait, 0);
	ck_assert(!d->cpus[0].monitor_armed);
	ck_assert_uint_eq(d->cpus[0].monitor_gpa, 0);
	ck_assert_uint_eq(d->cpus[0].rip, s->cpus[0].rip);
	snapshot_free(d);

	load_good();
	replace(slot(cpu0(), "mwait"), cbor_build_uint8(2));
	expect_tree_bad("mwait: invalid wait state 2");
	load_good();
	replace(slot(cpu0(), "mwait"), cbor_build_uint8(5));
	expect_tree_bad("mwait: invalid wait state 5");
	load_good();
	replace(slot(cpu0(), "monitor_gpa"), cbor_build_uint32(0x12344));
	expect_tree_bad("monitor_gpa: not line aligned (0x12344)");
	free(good);
	snapshot_free(s);
	gmem_destroy(&gm);
}
END_TEST

/* cpus[0].msrs without the MSRs for which keep(index) is false. */
static size_t keep_cpu0_msrs(bool (*keep)(uint64_t index))
{
	cbor_item_t *old = *slot(cpu0(), "msrs");
	struct cbor_pair *pairs = cbor_map_handle(old);
	size_t n = 0, dropped = 0;

	for (size_t i = 0; i < cbor_map_size(old); i++)
		n += keep(cbor_get_int(pairs[i].key));
	cbor_item_t *m = cbor_new_definite_map(n);

	for (size_t i = 0; i < cbor_map_size(old); i++) {
		if (keep(cbor_get_int(pairs[i].key)))
			ck_assert(cbor_map_add(m, pairs[i]));
		else
			dropped++;
	}
	cbor_incref(old);
	replace(slot(cpu0(), "msrs"), m);
	cbor_decref(&old);
	return dropped;
}

static bool not_mtrr(uint64_t index)
{
	return !cpu_msr_is_mtrr((uint32_t)index);
}

static bool not_pat(uint64_t index)
{
	return index != 0x277;
}

/*
 * The MTRRs came after the first format-1 writers: a snapshot without
 * them loads (they stay 0: reset, MTRRs disabled); any other MSR missing
 * is still refused.
 */
START_TEST(mtrr_msrs_optional_on_read)
{
	struct snapshot_machine *d;

	make_good();
	load_good();
	ck_assert_uint_eq(keep_cpu0_msrs(not_mtrr), 1 + 11 + 16);
	d = decode_tree();
	ck_assert_msg(d != NULL, "without the MTRRs: %s", err);
	ck_assert_uint_eq(d->cpus[0].msr.mtrr_def_type, 0);
	ck_assert_uint_eq(d->cpus[0].msr.mtrr_var[15], 0);
	ck_assert_uint_ne(d->cpus[0].msr.pat, 0);
	snapshot_free(d);

	load_good();
	ck_assert_uint_eq(keep_cpu0_msrs(not_pat), 1);
	expect_tree_bad("MSRs present");
	free(good);
}
END_TEST

static bool not_xss(uint64_t index)
{
	return index != MSR_IA32_XSS;
}

/* IA32_XSS (XSAVES, issue 17) is in every snapshot since; older ones
 * without it load with IA32_XSS = 0, its only value. */
START_TEST(xss_msr_saved_and_optional_on_read)
{
	struct snapshot_machine *d;

	make_good();
	load_good();
	ck_assert_uint_eq(keep_cpu0_msrs(not_xss), 1);
	d = decode_tree();
	ck_assert_msg(d != NULL, "without IA32_XSS: %s", err);
	ck_assert_uint_eq(d->cpus[0].msr.xss, 0);
	snapshot_free(d);
	free(good);
}
END_TEST

static cbor_item_t *run_item(uint64_t gpa, size_t pages)
{
	cbor_item_t *a = cbor_new_definite_array(2);
	unsigned char *buf = calloc(pages, 4096);

	buf[0] = 1;
	cbor_array_push(a, cbor_move(cbor_build_uint64(gpa)));
	cbor_array_push(a, cbor_move(cbor_build_bytestring(buf, pages * 4096)));
	free(buf);
	return a;
}

static void set_runs(cbor_item_t *r1, cbor_item_t *r2)
{
	cbor_item_t *runs = cbor_new_definite_array(2);

	cbor_array_push(runs, cbor_move(r1));
	cbor_array_push(runs, cbor_move(r2));
	replace(slot(*slot(body(), "memory"), "runs"), runs);
}

START_TEST(rejects_bad_memory_runs)
{
	make_good();

	load_good();
	set_runs(run_item(0x1000, 1), run_item(SNAP_TEST_RAM, 1));
	expect_tree_bad("memory.runs[1]: run [0x400000, 0x401000) outside RAM");

	load_good();
	set_runs(run_item(0x1000, 2), run_item(0x2000, 1));
	expect_tree_bad("memory.runs[1]: run at 0x2000 overlaps the run at 0x1000");

	load_good();
	set_runs(run_item(0x5000, 1), run_item(0x2000, 1));
	expect_tree_bad("runs not sorted by address");

	load_good();
	set_runs(run_item(0x1800, 1), run_item(0x5000, 1));
	expect_tree_bad("run address 0x1800 not page aligned");

	load_good();
	set_runs(run_item(0xfffffffffffff000ull, 1), run_item(0x5000, 1));
	expect_tree_bad("wraps around");
	free(good);
}
END_TEST

START_TEST(rejects_inconsistent_vmx)
{
	make_good();

	load_good();
	replace(slot(*slot(body(), "vmx"), "vmxon"), cbor_build_bool(false));
	expect_tree_bad("vmx: VMX non-root operation outside VMX operation");

	load_good();
	replace(slot(*slot(body(), "vmx"), "current_vmcs"), cbor_build_uint64(0x13000));
	expect_tree_bad("current VMCS 0x13000 is not a known VMCS region");

	load_good();
	replace(slot(*slot(body(), "vmx"), "vmxon_ptr"), cbor_build_uint64(SNAP_TEST_RAM + 0x10));
	expect_tree_bad("VMXON pointer 0x400010 is not a 4-KiB aligned address below 2^52");

	/* Beyond RAM is legal (VMCLEAR of such a page): it loads. */
	load_good();
	replace(slot(*slot(body(), "vmx"), "vmxon_ptr"), cbor_build_uint64(SNAP_TEST_RAM));
	expect_tree_good();

	load_good();
	replace(slot(*slot(body(), "vmx"), "vmxon_ptr"), cbor_build_uint64(1ull << 52));
	expect_tree_bad("VMXON pointer 0x10000000000000 is not a 4-KiB aligned address below 2^52");

	load_good();
	replace(slot(*slot(body(), "vmx"), "current_vmcs"), cbor_build_uint64(0x11000));
	expect_tree_bad("VMX non-root operation with a clear current VMCS");

	load_good();
	{
		cbor_item_t *f = cbor_array_handle(*slot(*slot(body(), "vmx"), "fields"))[0];

		replace(&cbor_array_handle(f)[2], cbor_build_uint32(0x10000));
	}
	expect_tree_bad("VMCS field GUEST_ES_SELECTOR value 0x10000 too wide");

	load_good();
	{
		cbor_item_t *f = cbor_array_handle(*slot(*slot(body(), "vmx"), "fields"))[1];

		replace(&cbor_array_handle(f)[0], cbor_build_uint16(0x0801));
	}
	expect_tree_bad("invalid VMCS field encoding 0x801");

	load_good();
	{
		cbor_item_t *f = cbor_array_handle(*slot(*slot(body(), "vmx"), "regions"))[0];

		replace(&cbor_array_handle(f)[1], cbor_build_string("active"));
	}
	expect_tree_bad("launch state \"active\" is neither");
	free(good);
}
END_TEST

/* Raw inputs whose heads claim absurd sizes: no allocation, clean error. */
static void header(struct cout *o)
{
	cout_tag(o, SNAP_CBOR_SELF_DESCRIBE);
	cout_array(o, 3);
	cout_text(o, SNAP_MAGIC);
	cout_uint(o, SNAP_FORMAT_VERSION);
}

START_TEST(rejects_huge_lengths)
{
	struct cout o;

	cout_init_mem(&o);
	header(&o);
	cout_map(&o, 1);
	cout_text(&o, "trigger");
	cout_raw(&o, "\x7b\x7f\xff\xff\xff\xff\xff\xff\xff", 9);  /* text of 2^63 */
	expect_bad(o.buf, o.len, "trigger: truncated");
	cout_free(&o);

	cout_init_mem(&o);
	header(&o);
	cout_map(&o, 1);
	cout_text(&o, "memory");
	cout_map(&o, 1);
	cout_text(&o, "runs");
	cout_raw(&o, "\x9b\x10\x00\x00\x00\x00\x00\x00\x00", 9);  /* 2^60 runs */
	expect_bad(o.buf, o.len, "memory.runs: array of 1152921504606846976 entries is too large (max 16777216)");
	cout_free(&o);

	cout_init_mem(&o);
	header(&o);
	cout_raw(&o, "\xbb\xff\xff\xff\xff\xff\xff\xff\xff", 9);  /* huge map */
	expect_bad(o.buf, o.len, "map of 18446744073709551615 entries is too large");
	cout_free(&o);

	cout_init_mem(&o);
	header(&o);
	cout_raw(&o, "\xbf", 1);  /* indefinite map */
	expect_bad(o.buf, o.len, "unsupported CBOR item (indefinite-length map)");
	cout_free(&o);

	cout_init_mem(&o);
	header(&o);
	cout_map(&o, 1);
	cout_text(&o, "cpus");
	cout_array(&o, 1000);
	expect_bad(o.buf, o.len, "cpus: array of 1000 entries is too large (max 16)");
	cout_free(&o);
}
END_TEST

/*
 * VMCS fields are keyed by encoding; the name beside it is for people, so
 * a field renamed in a later vmxbox still loads from an older file.
 */
START_TEST(vmcs_fields_keyed_by_encoding)
{
	struct snapshot_machine *d;

	make_good();
	load_good();
	{
		cbor_item_t *f = cbor_array_handle(*slot(*slot(body(), "vmx"), "fields"))[1];

		ck_assert_uint_eq(cbor_get_int(cbor_array_handle(f)[0]), VMCS_VM_EXIT_REASON);
		replace(&cbor_array_handle(f)[1], cbor_build_string("OLD_NAME_OF_EXIT_REASON"));
	}
	d = decode_tree();
	ck_assert_uint_eq(d->vmx.fields[1].encoding, VMCS_VM_EXIT_REASON);
	ck_assert_str_eq(d->vmx.fields[1].name, "OLD_NAME_OF_EXIT_REASON");
	snapshot_free(d);
	load_good();
	{
		cbor_item_t *f = cbor_array_handle(*slot(*slot(body(), "vmx"), "fields"))[1];

		replace(&cbor_array_handle(f)[0], cbor_build_uint16(0x4470));
	}
	expect_tree_bad("unknown VMCS field encoding 0x4470");
	free(good);
}
END_TEST

TCase *snapshot_hostile_tcase(void)
{
	TCase *t = tcase_create("hostile");

	tcase_set_timeout(t, 60);
	tcase_add_test(t, rejects_empty_truncated_and_garbage);
	tcase_add_test(t, rejects_wrong_version_and_magic);
	tcase_add_test(t, rejects_wrong_types_and_ranges);
	tcase_add_test(t, rejects_unknown_missing_duplicate_keys);
	tcase_add_test(t, pdpte_registers_round_trip_and_optional);
	tcase_add_test(t, mwait_state_round_trip_and_optional);
	tcase_add_test(t, mtrr_msrs_optional_on_read);
	tcase_add_test(t, xss_msr_saved_and_optional_on_read);
	tcase_add_test(t, rejects_bad_memory_runs);
	tcase_add_test(t, rejects_inconsistent_vmx);
	tcase_add_test(t, rejects_huge_lengths);
	tcase_add_test(t, vmcs_fields_keyed_by_encoding);
	return t;
}
