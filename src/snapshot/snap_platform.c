// SPDX-License-Identifier: MIT
/*
 * The PC's firmware interface and power registers as snapshot devices
 * (docs/snapshot.md): "fw_cfg" (the selected item, the read position in
 * it and the DMA address's latched high half; the items themselves come
 * from the machine's config), "power" (0xCF9's reset control register,
 * 0x92, the last POST code and how much of "Shutdown" port 0x8900 has
 * seen) and "acpi_pm" (PM1a status, enable and control).  Each is
 * optional: a snapshot written before it existed leaves the device in
 * its reset state.
 */
#include "snapshot/snap_internal.h"

#include <stdio.h>

#include "devices/acpi_pm.h"
#include "devices/fw_cfg.h"
#include "devices/pc_power.h"

static int bad(char *err, size_t errlen, const char *dev, const char *key)
{
	snprintf(err, errlen, "devices.%s.%s: missing or invalid", dev, key);
	return -1;
}

/* An integer key no larger than max. */
static bool u64_le(const struct snap_device *d, const char *key, uint64_t max,
		   uint64_t *v)
{
	return snap_kv_get_u64(&d->st, key, v) && *v <= max;
}

/* ---- fw_cfg: key, offset, dma_addr --------------------------------------- */

bool snap_fw_cfg_save(struct snapshot_machine *s, const struct fw_cfg *f)
{
	struct snap_device *d = snap_device_add(s, "fw_cfg");

	return d && snap_kv_set_u64(&d->st, "key", f->cur_key) &&
	       snap_kv_set_u64(&d->st, "offset", f->cur_offset) &&
	       snap_kv_set_u64(&d->st, "dma_addr", f->dma_addr);
}

int snap_fw_cfg_load(const struct snapshot_machine *s, struct fw_cfg *f,
		     char *err, size_t errlen)
{
	const struct snap_device *d = snap_device_find(s, "fw_cfg");
	uint64_t key, off, dma;

	if (!d) {
		fw_cfg_select(f, FW_CFG_SIGNATURE);      /* the reset state */
		f->dma_addr = 0;
		return 0;
	}
	/* The selector never keeps the write flag (fw_cfg_select()). */
	if (!u64_le(d, "key", 0xffff, &key) || (key & FW_CFG_WRITE_FLAG))
		return bad(err, errlen, "fw_cfg", "key");
	if (!u64_le(d, "offset", UINT32_MAX, &off))
		return bad(err, errlen, "fw_cfg", "offset");
	/* Only the high half is ever latched (0x514). */
	if (!snap_kv_get_u64(&d->st, "dma_addr", &dma) || (uint32_t)dma)
		return bad(err, errlen, "fw_cfg", "dma_addr");
	f->cur_key = (uint16_t)key;
	f->cur_offset = (uint32_t)off;
	f->dma_addr = dma;
	return 0;
}

/* ---- power: rcr, port_a, post, post_written, shutdown -------------------- */

bool snap_power_save(struct snapshot_machine *s, const struct pc_power *p)
{
	struct snap_device *d = snap_device_add(s, "power");

	return d && snap_kv_set_u64(&d->st, "rcr", p->rcr) &&
	       snap_kv_set_u64(&d->st, "port_a", p->port_a) &&
	       snap_kv_set_u64(&d->st, "post", p->post) &&
	       snap_kv_set_u64(&d->st, "post_written", p->post_written) &&
	       snap_kv_set_u64(&d->st, "shutdown", p->shutdown_index);
}

int snap_power_load(const struct snapshot_machine *s, struct pc_power *p,
		    char *err, size_t errlen)
{
	const struct snap_device *d = snap_device_find(s, "power");
	uint64_t rcr, port_a, post, written, shut;

	if (!d) {
		pc_power_init(p, p->request, p->opaque);
		return 0;
	}
	/* 0xCF9 keeps only SYS_RST; "Shutdown" has 8 bytes, the 8th acts. */
	if (!u64_le(d, "rcr", RCR_SYS_RST, &rcr) || (rcr & ~(uint64_t)RCR_SYS_RST))
		return bad(err, errlen, "power", "rcr");
	if (!u64_le(d, "port_a", 0xff, &port_a))
		return bad(err, errlen, "power", "port_a");
	if (!u64_le(d, "post", 0xff, &post))
		return bad(err, errlen, "power", "post");
	if (!u64_le(d, "post_written", 1, &written))
		return bad(err, errlen, "power", "post_written");
	if (!u64_le(d, "shutdown", 7, &shut))
		return bad(err, errlen, "power", "shutdown");
	p->rcr = (uint8_t)rcr;
	p->port_a = (uint8_t)port_a;
	p->post = (uint8_t)post;
	p->post_written = written;
	p->shutdown_index = (unsigned)shut;
	return 0;
}

/* ---- acpi_pm: sts, en, cnt ----------------------------------------------- */

bool snap_acpi_pm_save(struct snapshot_machine *s, const struct acpi_pm *pm)
{
	struct snap_device *d = snap_device_add(s, "acpi_pm");

	return d && snap_kv_set_u64(&d->st, "sts", pm->sts) &&
	       snap_kv_set_u64(&d->st, "en", pm->en) &&
	       snap_kv_set_u64(&d->st, "cnt", pm->cnt);
}

int snap_acpi_pm_load(const struct snapshot_machine *s, struct acpi_pm *pm,
		      char *err, size_t errlen)
{
	const struct snap_device *d = snap_device_find(s, "acpi_pm");
	uint64_t sts, en, cnt;

	if (!d) {
		acpi_pm_init(pm, pm->request, pm->opaque);
		return 0;
	}
	if (!u64_le(d, "sts", 0xffff, &sts))
		return bad(err, errlen, "acpi_pm", "sts");
	if (!u64_le(d, "en", 0xffff, &en))
		return bad(err, errlen, "acpi_pm", "en");
	/* SCI_EN always reads 1; SLP_EN is never kept (it acts). */
	if (!u64_le(d, "cnt", 0xffff, &cnt) || !(cnt & PM1_CNT_SCI_EN) ||
	    (cnt & PM1_CNT_SLP_EN))
		return bad(err, errlen, "acpi_pm", "cnt");
	pm->sts = (uint16_t)sts;
	pm->en = (uint16_t)en;
	pm->cnt = (uint16_t)cnt;
	return 0;
}
