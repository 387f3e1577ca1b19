// SPDX-License-Identifier: MIT
/*
 * The snapshot document (docs/snapshot.cddl):
 *
 *   55799([ "vmxbox-snapshot", version, body ])
 *
 * The self-describe tag and the magic string identify the file, the
 * version is checked before the body is looked at, and the body is one map
 * whose keys every encoder writes in canonical order.
 */
#include "snapshot/snap_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snapshot/snap_version.h"

struct snapshot_machine *snapshot_new(void)
{
	struct snapshot_machine *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->format_version = SNAP_FORMAT_VERSION;
	snprintf(s->vmxbox_version, sizeof(s->vmxbox_version), "%s",
		 VMXBOX_VERSION);
	s->vmx.current_vmcs = SNAP_NO_VMCS;
	return s;
}

void snapshot_free(struct snapshot_machine *s)
{
	if (!s)
		return;
	for (unsigned i = 0; i < s->n_devices; i++)
		snap_kvset_clear(&s->devices[i].st);
	snap_kvset_clear(&s->vmx.extra);
	snap_smp_free(s);
	free(s->mem.runs);
	if (s->map)
		snapshot_unmap_(s->map, s->map_len);
	free(s);
}

/* ---- encode ------------------------------------------------------------- */

static void encode_config(struct cout *o, const struct snap_config *c)
{
	const char *keys[SNAP_MAX_OPTIONS];
	unsigned order[SNAP_MAX_OPTIONS];

	cout_map(o, 5);
	cout_text(o, "ram");
	cout_uint(o, c->ram_size);
	cout_text(o, "engine");
	cout_text(o, c->engine);
	cout_text(o, "options");
	for (unsigned i = 0; i < c->n_options; i++)
		keys[i] = c->options[i].key;
	snap_sort_keys(keys, c->n_options, order);
	cout_map(o, c->n_options);
	for (unsigned i = 0; i < c->n_options; i++) {
		cout_text(o, c->options[order[i]].key);
		cout_text(o, c->options[order[i]].value);
	}
	cout_text(o, "firmware");
	cout_text(o, c->firmware);
	cout_text(o, "firmware_sha256");
	cout_bytes(o, c->firmware_sha256, sizeof(c->firmware_sha256));
}

static void encode_devices(struct cout *o, const struct snapshot_machine *s)
{
	const char *keys[SNAP_MAX_DEVICES];
	unsigned order[SNAP_MAX_DEVICES];

	for (unsigned i = 0; i < s->n_devices; i++)
		keys[i] = s->devices[i].name;
	snap_sort_keys(keys, s->n_devices, order);
	cout_map(o, s->n_devices);
	for (unsigned i = 0; i < s->n_devices; i++) {
		cout_text(o, s->devices[order[i]].name);
		snap_kvset_encode(o, &s->devices[order[i]].st);
	}
}

static void encode_all(struct cout *o, const struct snapshot_machine *s)
{
	cout_tag(o, SNAP_CBOR_SELF_DESCRIBE);
	cout_array(o, 3);
	cout_text(o, SNAP_MAGIC);
	cout_uint(o, SNAP_FORMAT_VERSION);
	/* Body keys in canonical order (RFC 8949 4.2.1); "smp" only with
	 * several vCPUs, so one-vCPU snapshots are as they always were. */
	cout_map(o, s->n_cpus > 1 ? 8 : 7);
	if (s->n_cpus > 1) {
		cout_text(o, "smp");
		snap_smp_encode(o, s);
	}
	cout_text(o, "vmx");
	snap_vmx_encode(o, &s->vmx);
	cout_text(o, "cpus");
	cout_array(o, s->n_cpus);
	for (unsigned i = 0; i < s->n_cpus; i++)
		snap_cpu_encode(o, &s->cpus[i]);
	cout_text(o, "config");
	encode_config(o, &s->config);
	cout_text(o, "memory");
	snap_mem_encode(o, &s->mem);
	cout_text(o, "vmxbox");
	cout_text(o, s->vmxbox_version);
	cout_text(o, "devices");
	encode_devices(o, s);
	cout_text(o, "trigger");
	cout_text(o, s->trigger);
}

int snapshot_encode_to_(struct cout *o, const struct snapshot_machine *s,
			char *err, size_t errlen)
{
	if (s->n_cpus < 1 || s->n_cpus > SNAP_MAX_CPUS ||
	    (s->n_cpus > 1 && !s->aps)) {
		snprintf(err, errlen, "snapshot has %u vCPUs (1..%u allowed)",
			 s->n_cpus, SNAP_MAX_CPUS);
		return -EINVAL;
	}
	encode_all(o, s);
	int rc = cout_finish(o);

	if (rc)
		snprintf(err, errlen, "encoding snapshot: %s", strerror(-rc));
	return rc;
}

int snapshot_encode(const struct snapshot_machine *s, uint8_t **out,
		    size_t *out_len, char *err, size_t errlen)
{
	struct cout o;

	cout_init_mem(&o);
	int rc = snapshot_encode_to_(&o, s, err, errlen);

	if (rc) {
		cout_free(&o);
		return rc;
	}
	*out = o.buf;
	*out_len = o.len;
	return 0;
}

/* ---- decode ------------------------------------------------------------- */

static bool dec_ram(struct cin *in, void *ctx)
{
	struct snap_config *c = ctx;

	if (!cin_uint(in, &c->ram_size))
		return false;
	if (c->ram_size < GUEST_MEM_MIN || c->ram_size > GUEST_MEM_MAX ||
	    (c->ram_size & (GUEST_PAGE_SIZE - 1)))
		return cin_fail(in, "RAM size %llu invalid (%llu..%llu bytes, whole pages)",
				(unsigned long long)c->ram_size,
				(unsigned long long)GUEST_MEM_MIN,
				(unsigned long long)GUEST_MEM_MAX);
	return true;
}

static bool dec_engine(struct cin *in, void *ctx)
{
	struct snap_config *c = ctx;

	return cin_text_copy(in, c->engine, sizeof(c->engine));
}

static bool dec_firmware(struct cin *in, void *ctx)
{
	struct snap_config *c = ctx;

	return cin_text_copy(in, c->firmware, sizeof(c->firmware));
}

static bool dec_sha(struct cin *in, void *ctx)
{
	struct snap_config *c = ctx;
	const uint8_t *p;
	size_t len;

	if (!cin_bytes(in, &p, &len))
		return false;
	if (len != sizeof(c->firmware_sha256))
		return cin_fail(in, "SHA-256 must be 32 bytes, not %zu", len);
	memcpy(c->firmware_sha256, p, len);
	return true;
}

static bool dec_options(struct cin *in, void *ctx)
{
	struct snap_config *c = ctx;
	uint64_t n;

	if (!cin_map(in, SNAP_MAX_OPTIONS, &n))
		return false;
	for (uint64_t i = 0; i < n; i++) {
		struct snap_option *o = &c->options[i];

		if (!cin_text_copy(in, o->key, sizeof(o->key)))
			return false;
		if (!o->key[0])
			return cin_fail(in, "empty option name");
		for (uint64_t j = 0; j < i; j++)
			if (!strcmp(c->options[j].key, o->key))
				return cin_fail(in, "duplicate option \"%s\"", o->key);
		size_t old = cin_push(in, ".%s", o->key);

		if (!cin_text_copy(in, o->value, sizeof(o->value)))
			return false;
		cin_pop(in, old);
		c->n_options = (unsigned)i + 1;
	}
	return true;
}

static const struct cin_key config_keys[] = {
	{ "ram", true, dec_ram },
	{ "engine", true, dec_engine },
	{ "options", true, dec_options },
	{ "firmware", true, dec_firmware },
	{ "firmware_sha256", true, dec_sha },
};

static bool dec_config(struct cin *in, void *ctx)
{
	struct snapshot_machine *s = ctx;

	return cin_map_table(in, config_keys, 5, &s->config);
}

static bool dec_cpus(struct cin *in, void *ctx)
{
	struct snapshot_machine *s = ctx;
	uint64_t n;

	if (!cin_array(in, SNAP_MAX_CPUS, &n))
		return false;
	if (!n)
		return cin_fail(in, "no vCPUs");
	for (uint64_t i = 0; i < n; i++) {
		size_t old = cin_push(in, "[%llu]", (unsigned long long)i);

		if (!snap_cpu_decode(in, &s->cpus[i]))
			return false;
		cin_pop(in, old);
	}
	s->n_cpus = (unsigned)n;
	return true;
}

static bool dec_vmx(struct cin *in, void *ctx)
{
	return snap_vmx_decode(in, &((struct snapshot_machine *)ctx)->vmx);
}

static bool dec_memory(struct cin *in, void *ctx)
{
	return snap_mem_decode(in, &((struct snapshot_machine *)ctx)->mem);
}

static bool dec_version(struct cin *in, void *ctx)
{
	struct snapshot_machine *s = ctx;

	return cin_text_copy(in, s->vmxbox_version, sizeof(s->vmxbox_version));
}

static bool dec_trigger(struct cin *in, void *ctx)
{
	struct snapshot_machine *s = ctx;

	return cin_text_copy(in, s->trigger, sizeof(s->trigger));
}

static bool dec_devices(struct cin *in, void *ctx)
{
	struct snapshot_machine *s = ctx;
	uint64_t n;

	if (!cin_map(in, SNAP_MAX_DEVICES, &n))
		return false;
	for (uint64_t i = 0; i < n; i++) {
		char name[SNAP_NAME_MAX];

		if (!cin_text_copy(in, name, sizeof(name)))
			return false;
		if (!name[0])
			return cin_fail(in, "empty device name");
		if (snap_device_find(s, name))
			return cin_fail(in, "duplicate device \"%s\"", name);
		struct snap_device *d = snap_device_add(s, name);
		size_t old = cin_push(in, ".%s", name);

		if (!d || !snap_kvset_decode(in, &d->st))
			return d ? false : cin_fail(in, "too many devices");
		cin_pop(in, old);
	}
	return true;
}

static bool dec_smp(struct cin *in, void *ctx)
{
	return snap_smp_decode(in, ctx);
}

static const struct cin_key body_keys[] = {
	{ "smp", false, dec_smp },
	{ "vmx", true, dec_vmx },
	{ "cpus", true, dec_cpus },
	{ "config", true, dec_config },
	{ "memory", true, dec_memory },
	{ "vmxbox", true, dec_version },
	{ "devices", true, dec_devices },
	{ "trigger", true, dec_trigger },
};

static bool decode_header(struct cin *in, struct snapshot_machine *s)
{
	const uint8_t *magic;
	size_t mlen;
	uint64_t tag, n, version;

	if (in->len >= 1 && in->p[0] != 0xd9)
		return cin_fail(in, "not a vmxbox snapshot (no CBOR self-describe tag)");
	if (!cin_tag(in, &tag))
		return false;
	if (tag != SNAP_CBOR_SELF_DESCRIBE)
		return cin_fail(in, "not a vmxbox snapshot (tag %llu)",
				(unsigned long long)tag);
	if (!cin_array(in, 3, &n))
		return false;
	if (n != 3)
		return cin_fail(in, "not a vmxbox snapshot (header has %llu items)",
				(unsigned long long)n);
	if (!cin_text(in, &magic, &mlen))
		return false;
	if (mlen != strlen(SNAP_MAGIC) || memcmp(magic, SNAP_MAGIC, mlen))
		return cin_fail(in, "not a vmxbox snapshot (bad magic)");
	if (!cin_uint(in, &version))
		return false;
	if (version != SNAP_FORMAT_VERSION)
		return cin_fail(in, "unsupported snapshot format version %llu (this vmxbox reads version %u)",
				(unsigned long long)version, SNAP_FORMAT_VERSION);
	s->format_version = (unsigned)version;
	return true;
}

static bool decode_all(struct cin *in, struct snapshot_machine *s)
{
	if (!decode_header(in, s))
		return false;
	if (!cin_map_table(in, body_keys, sizeof(body_keys) / sizeof(body_keys[0]),
			   s))
		return false;
	if (in->off != in->len)
		return cin_fail(in, "%zu bytes of trailing garbage after the snapshot",
				in->len - in->off);
	size_t old = cin_push(in, "memory");

	if (!snap_mem_validate(in, &s->mem, s->config.ram_size))
		return false;
	cin_pop(in, old);
	old = cin_push(in, "vmx");
	if (!snap_vmx_validate(in, &s->vmx))
		return false;
	cin_pop(in, old);
	return snap_smp_validate(in, s);
}

struct snapshot_machine *snapshot_decode(const uint8_t *buf, size_t len,
					 char *err, size_t errlen)
{
	struct snapshot_machine *s = snapshot_new();
	struct cin in;

	if (!s) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->vmxbox_version[0] = '\0';
	cin_init(&in, buf, len, err, errlen);
	if (!len) {
		cin_fail(&in, "empty input");
	} else if (decode_all(&in, s)) {
		return s;
	}
	snapshot_free(s);
	return NULL;
}
