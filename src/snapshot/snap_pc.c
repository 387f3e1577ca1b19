// SPDX-License-Identifier: MIT
/*
 * The PC platform's optional devices as snapshot devices
 * (docs/snapshot.md): "pc_testdev", QEMU's ISA test device (its scratch
 * register and 64 KiB of iomem).  A snapshot of a machine without it has
 * no such device, so `vmxbox restore` creates the device exactly when
 * the snapshot holds it.  The same for COM2-COM4 ("uart1"-"uart3", the
 * keys of COM1's "uart0").
 */
#include "snapshot/snap_internal.h"

#include <stdio.h>
#include <string.h>

#include "devices/pc_testdev.h"
#include "devices/uart16550.h"

static int bad(char *err, size_t errlen, const char *dev, const char *key)
{
	snprintf(err, errlen, "devices.%s.%s: missing or invalid", dev, key);
	return -1;
}

bool snap_pc_testdev_save(struct snapshot_machine *s, const struct pc_testdev *t)
{
	struct snap_device *d = snap_device_add(s, "pc_testdev");

	return d && snap_kv_set_u64(&d->st, "ioport", t->ioport_data) &&
	       snap_kv_set_bytes(&d->st, "iomem", t->iomem, sizeof(t->iomem));
}

int snap_pc_testdev_load(const struct snapshot_machine *s, struct pc_testdev *t,
			 char *err, size_t errlen)
{
	const struct snap_device *d = snap_device_find(s, "pc_testdev");
	const struct snap_kv *mem;
	uint64_t port;

	if (!t) {
		if (!d)
			return 0;
		snprintf(err, errlen, "devices.pc_testdev: the snapshot has a pc-testdev, this machine has none");
		return -1;
	}
	if (!d) {                    /* the machine that wrote it had none */
		t->ioport_data = 0;
		memset(t->iomem, 0, sizeof(t->iomem));
		return 0;
	}
	if (!snap_kv_get_u64(&d->st, "ioport", &port) || port > UINT32_MAX)
		return bad(err, errlen, "pc_testdev", "ioport");
	mem = snap_kv_find(&d->st, "iomem");
	if (!mem || mem->kind != SNAP_VAL_BYTES || mem->len != sizeof(t->iomem))
		return bad(err, errlen, "pc_testdev", "iomem");
	t->ioport_data = (uint32_t)port;
	memcpy(t->iomem, mem->bytes, sizeof(t->iomem));
	return 0;
}

bool snap_com_save(struct snapshot_machine *s, const struct uart16550 *u,
		   unsigned k)
{
	char name[8];

	snprintf(name, sizeof(name), "uart%u", k);
	return snap_uart_save_as(s, u, name);
}

int snap_com_load(const struct snapshot_machine *s, struct uart16550 *u,
		  unsigned k, char *err, size_t errlen)
{
	const struct snap_device *d;
	char name[8];

	snprintf(name, sizeof(name), "uart%u", k);
	d = snap_device_find(s, name);
	if (!d && !u)
		return 0;
	if (!d || !u) {
		snprintf(err, errlen, "devices.%s: COM%u is %s the snapshot but %s this machine",
			 name, k + 1, d ? "in" : "not in", u ? "in" : "not in");
		return -1;
	}
	return snap_uart_load_from(d, u, name, err, errlen);
}
