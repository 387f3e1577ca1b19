// SPDX-License-Identifier: MIT
/*
 * Key/value sets (device state, VMX-core extras), devices and options.
 * A device saves itself as a few named integers and byte strings; keys are
 * sorted canonically when encoded, so the device code need not care.
 */
#include "snapshot/snap_internal.h"

#include <stdlib.h>
#include <string.h>

static bool key_ok(const char *key)
{
	size_t n = strlen(key);

	return n > 0 && n < SNAP_NAME_MAX;
}

static struct snap_kv *kv_slot(struct snap_kvset *set, const char *key)
{
	for (unsigned i = 0; i < set->n; i++)
		if (!strcmp(set->kv[i].key, key))
			return &set->kv[i];
	if (set->n >= SNAP_KV_MAX || !key_ok(key))
		return NULL;
	struct snap_kv *kv = &set->kv[set->n++];

	memset(kv, 0, sizeof(*kv));
	strcpy(kv->key, key);
	return kv;
}

bool snap_kv_set_u64(struct snap_kvset *set, const char *key, uint64_t v)
{
	struct snap_kv *kv = kv_slot(set, key);

	if (!kv)
		return false;
	free(kv->bytes);
	kv->bytes = NULL;
	kv->len = 0;
	kv->kind = SNAP_VAL_UINT;
	kv->u = v;
	return true;
}

bool snap_kv_set_bytes(struct snap_kvset *set, const char *key,
		       const void *p, size_t len)
{
	if (len > SNAP_KV_BYTES_MAX)
		return false;
	uint8_t *copy = malloc(len ? len : 1);

	if (!copy)
		return false;
	struct snap_kv *kv = kv_slot(set, key);

	if (!kv) {
		free(copy);
		return false;
	}
	if (len)
		memcpy(copy, p, len);
	free(kv->bytes);
	kv->kind = SNAP_VAL_BYTES;
	kv->bytes = copy;
	kv->len = len;
	kv->u = 0;
	return true;
}

const struct snap_kv *snap_kv_find(const struct snap_kvset *set,
				   const char *key)
{
	for (unsigned i = 0; i < set->n; i++)
		if (!strcmp(set->kv[i].key, key))
			return &set->kv[i];
	return NULL;
}

bool snap_kv_get_u64(const struct snap_kvset *set, const char *key,
		     uint64_t *v)
{
	const struct snap_kv *kv = snap_kv_find(set, key);

	if (!kv || kv->kind != SNAP_VAL_UINT)
		return false;
	*v = kv->u;
	return true;
}

void snap_kvset_clear(struct snap_kvset *set)
{
	for (unsigned i = 0; i < set->n; i++)
		free(set->kv[i].bytes);
	memset(set, 0, sizeof(*set));
}

void snap_kvset_encode(struct cout *o, const struct snap_kvset *set)
{
	const char *keys[SNAP_KV_MAX];
	unsigned order[SNAP_KV_MAX];

	for (unsigned i = 0; i < set->n; i++)
		keys[i] = set->kv[i].key;
	snap_sort_keys(keys, set->n, order);
	cout_map(o, set->n);
	for (unsigned k = 0; k < set->n; k++) {
		const struct snap_kv *kv = &set->kv[order[k]];

		cout_text(o, kv->key);
		if (kv->kind == SNAP_VAL_BYTES)
			cout_bytes(o, kv->bytes, kv->len);
		else
			cout_uint(o, kv->u);
	}
}

bool snap_kvset_decode(struct cin *in, struct snap_kvset *set)
{
	uint64_t n;

	if (!cin_map(in, SNAP_KV_MAX, &n))
		return false;
	for (uint64_t k = 0; k < n; k++) {
		char key[SNAP_NAME_MAX];
		struct citem it;

		if (!cin_text_copy(in, key, sizeof(key)))
			return false;
		if (!key[0])
			return cin_fail(in, "empty key");
		if (snap_kv_find(set, key))
			return cin_fail(in, "duplicate key \"%s\"", key);
		size_t old = cin_push(in, ".%s", key);

		if (!cin_next(in, &it))
			return false;
		bool ok;

		if (it.type == CIN_UINT) {
			ok = snap_kv_set_u64(set, key, it.u);
		} else if (it.type == CIN_BYTES) {
			if (it.len > SNAP_KV_BYTES_MAX)
				return cin_fail(in, "byte string of %zu bytes is too long (max %u)",
						it.len, SNAP_KV_BYTES_MAX);
			ok = snap_kv_set_bytes(set, key, it.data, it.len);
		} else {
			return cin_fail(in, "expected unsigned integer or byte string, got %s",
					cin_type_name(it.type));
		}
		if (!ok)
			return cin_fail(in, "out of memory");
		cin_pop(in, old);
	}
	return true;
}

struct snap_device *snap_device_add(struct snapshot_machine *s,
				    const char *name)
{
	for (unsigned i = 0; i < s->n_devices; i++)
		if (!strcmp(s->devices[i].name, name))
			return &s->devices[i];
	if (s->n_devices >= SNAP_MAX_DEVICES || !key_ok(name))
		return NULL;
	struct snap_device *d = &s->devices[s->n_devices++];

	memset(d, 0, sizeof(*d));
	strcpy(d->name, name);
	return d;
}

const struct snap_device *snap_device_find(const struct snapshot_machine *s,
					   const char *name)
{
	for (unsigned i = 0; i < s->n_devices; i++)
		if (!strcmp(s->devices[i].name, name))
			return &s->devices[i];
	return NULL;
}

bool snap_config_set_option(struct snap_config *c, const char *key,
			    const char *value)
{
	struct snap_option *o = NULL;

	if (!key_ok(key) || strlen(value) >= SNAP_TEXT_MAX)
		return false;
	for (unsigned i = 0; i < c->n_options && !o; i++)
		if (!strcmp(c->options[i].key, key))
			o = &c->options[i];
	if (!o) {
		if (c->n_options >= SNAP_MAX_OPTIONS)
			return false;
		o = &c->options[c->n_options++];
		strcpy(o->key, key);
	}
	strcpy(o->value, value);
	return true;
}

const char *snap_config_option(const struct snap_config *c, const char *key)
{
	for (unsigned i = 0; i < c->n_options; i++)
		if (!strcmp(c->options[i].key, key))
			return c->options[i].value;
	return NULL;
}
