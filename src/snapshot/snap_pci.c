// SPDX-License-Identifier: MIT
/*
 * The PCI bus as snapshot devices (docs/snapshot.md): "pci" (the
 * CONFIG_ADDRESS latch at 0xCF8 and the host bridge's header) and one
 * "pci_testdevK" per QEMU pci-testdev K (its header with the BARs where
 * the guest put them, which BARs are on the buses, the selected test and
 * the tests' counts).  A snapshot has pci_testdev0..N-1 exactly when its
 * machine had N of them; `vmxbox restore` creates as many.  A snapshot
 * written before these devices existed leaves the bus in its reset state
 * and has no test devices.
 */
#include "snapshot/snap_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices/pci_testdev.h"

#define TESTDEV_PREFIX "pci_testdev"
#define COUNTS_LEN (4 * PCI_TESTDEV_TESTS)
#define MAX_TESTDEVS 32           /* one per slot at most */

static int bad(char *err, size_t errlen, const char *dev, const char *key)
{
	snprintf(err, errlen, "devices.%s.%s: missing or invalid", dev, key);
	return -1;
}

/* A byte-string key of exactly len bytes, or NULL. */
static const uint8_t *bytes_of(const struct snap_device *d, const char *key,
			       size_t len)
{
	const struct snap_kv *kv = snap_kv_find(&d->st, key);

	return kv && kv->kind == SNAP_VAL_BYTES && kv->len == len ? kv->bytes : NULL;
}

/* K of a device named "pci_testdevK" (decimal, no leading zero), or -1. */
static int testdev_index(const char *name)
{
	const char *p = name + strlen(TESTDEV_PREFIX);
	char *end;
	long k;

	if (strncmp(name, TESTDEV_PREFIX, strlen(TESTDEV_PREFIX)) ||
	    *p < '0' || *p > '9' || (*p == '0' && p[1]))
		return -1;
	k = strtol(p, &end, 10);
	return *end || k > 255 ? -1 : (int)k;
}

unsigned snap_pci_testdevs(const struct snapshot_machine *s, unsigned max)
{
	unsigned n = 0;
	char name[SNAP_NAME_MAX];

	for (; n < max; n++) {
		snprintf(name, sizeof(name), TESTDEV_PREFIX "%u", n);
		if (!snap_device_find(s, name))
			break;
	}
	return n;
}

/* ---- save --------------------------------------------------------------- */

static bool testdev_save(struct snapshot_machine *s, const struct pci_testdev *t,
			 unsigned k)
{
	uint8_t counts[COUNTS_LEN];
	char name[SNAP_NAME_MAX];
	struct snap_device *d;

	snprintf(name, sizeof(name), TESTDEV_PREFIX "%u", k);
	d = snap_device_add(s, name);
	for (unsigned i = 0; i < PCI_TESTDEV_TESTS; i++)
		for (unsigned b = 0; b < 4; b++)
			counts[4 * i + b] = (uint8_t)(t->count[i] >> (8 * b));
	return d && snap_kv_set_bytes(&d->st, "config", t->pci.config, PCI_CONFIG_SPACE) &&
	       snap_kv_set_u64(&d->st, "bars", pci_bars_mapped(&t->pci)) &&
	       snap_kv_set_u64(&d->st, "test", (uint64_t)(t->current + 1)) &&
	       snap_kv_set_bytes(&d->st, "counts", counts, sizeof(counts));
}

bool snap_pci_save(struct snapshot_machine *s, const struct pci_bus *bus,
		   const struct pci_device *host, const struct pci_testdev *t,
		   unsigned n)
{
	struct snap_device *d = snap_device_add(s, "pci");

	if (!d || !snap_kv_set_u64(&d->st, "address", bus->config_address) ||
	    !snap_kv_set_bytes(&d->st, "host_bridge", host->config, PCI_CONFIG_SPACE))
		return false;
	for (unsigned k = 0; k < n; k++)
		if (!testdev_save(s, &t[k], k))
			return false;
	return true;
}

/* ---- load --------------------------------------------------------------- */

/* The machine's n test devices and the snapshot's must be the same set. */
static int same_testdevs(const struct snapshot_machine *s, unsigned n,
			 char *err, size_t errlen)
{
	unsigned have = snap_pci_testdevs(s, n);

	if (have < n) {
		snprintf(err, errlen, "devices." TESTDEV_PREFIX "%u: pci-testdev %u is in this machine but not in the snapshot",
			 have, have);
		return -1;
	}
	for (unsigned i = 0; i < s->n_devices; i++) {
		int k = testdev_index(s->devices[i].name);

		if (k >= (int)n) {
			snprintf(err, errlen, "devices.%s: pci-testdev %d is in the snapshot but not in this machine",
				 s->devices[i].name, k);
			return -1;
		}
	}
	return 0;
}

/* Every value of test device k's section, checked against t (nothing is
 * changed); its header and BAR set into config/mapped. */
static int testdev_check(const struct snap_device *d, const struct pci_testdev *t,
			 const uint8_t **config, unsigned *mapped, char *err,
			 size_t errlen)
{
	uint64_t bars, test;

	*config = bytes_of(d, "config", PCI_CONFIG_SPACE);
	if (!*config || !pci_config_fits(&t->pci, *config, 0))
		return bad(err, errlen, d->name, "config");
	if (!snap_kv_get_u64(&d->st, "bars", &bars) || bars >> PCI_NUM_BARS ||
	    !pci_config_fits(&t->pci, *config, (unsigned)bars))
		return bad(err, errlen, d->name, "bars");
	if (!snap_kv_get_u64(&d->st, "test", &test) || test > PCI_TESTDEV_TESTS)
		return bad(err, errlen, d->name, "test");
	if (!bytes_of(d, "counts", COUNTS_LEN))
		return bad(err, errlen, d->name, "counts");
	*mapped = (unsigned)bars;
	return 0;
}

static void testdev_set(const struct snap_device *d, struct pci_testdev *t)
{
	const uint8_t *counts = bytes_of(d, "counts", COUNTS_LEN);
	uint64_t test = 0;

	snap_kv_get_u64(&d->st, "test", &test);
	t->current = (int)test - 1;
	for (unsigned i = 0; i < PCI_TESTDEV_TESTS; i++)
		t->count[i] = (uint32_t)(counts[4 * i] | counts[4 * i + 1] << 8 |
					 counts[4 * i + 2] << 16 |
					 (uint32_t)counts[4 * i + 3] << 24);
}

/* The bus's own state; a snapshot without it: the reset state. */
static int bus_load(const struct snapshot_machine *s, struct pci_bus *bus,
		    struct pci_device *host, char *err, size_t errlen)
{
	const struct snap_device *d = snap_device_find(s, "pci");
	const uint8_t *config;
	uint64_t addr;

	if (!d) {
		bus->config_address = 0;
		for (unsigned i = 0; i < PCI_CONFIG_SPACE; i++)
			host->config[i] &= (uint8_t)~host->wmask[i];
		return 0;
	}
	if (!snap_kv_get_u64(&d->st, "address", &addr) || addr > UINT32_MAX)
		return bad(err, errlen, "pci", "address");
	config = bytes_of(d, "host_bridge", PCI_CONFIG_SPACE);
	if (!config || pci_device_load(host, config, 0))
		return bad(err, errlen, "pci", "host_bridge");
	bus->config_address = (uint32_t)addr;
	return 0;
}

int snap_pci_load(const struct snapshot_machine *s, struct pci_bus *bus,
		  struct pci_device *host, struct pci_testdev *t, unsigned n,
		  char *err, size_t errlen)
{
	const struct snap_device *d[MAX_TESTDEVS];
	const uint8_t *config[MAX_TESTDEVS];
	unsigned mapped[MAX_TESTDEVS];
	char name[SNAP_NAME_MAX];

	if (n > MAX_TESTDEVS || same_testdevs(s, n, err, errlen))
		return -1;
	/* Check all before changing any. */
	for (unsigned k = 0; k < n; k++) {
		snprintf(name, sizeof(name), TESTDEV_PREFIX "%u", k);
		d[k] = snap_device_find(s, name);
		if (testdev_check(d[k], &t[k], &config[k], &mapped[k], err, errlen))
			return -1;
	}
	if (bus_load(s, bus, host, err, errlen))
		return -1;
	for (unsigned k = 0; k < n; k++)
		pci_device_unmap(&t[k].pci);
	for (unsigned k = 0; k < n; k++) {
		if (pci_device_load(&t[k].pci, config[k], mapped[k]))
			return bad(err, errlen, d[k]->name, "bars");
		testdev_set(d[k], &t[k]);
	}
	return 0;
}
