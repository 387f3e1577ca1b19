// SPDX-License-Identifier: MIT
#include "machine/gdb_history.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "machine/machine.h"
#include "machine/snap_machine.h"

#define HISTORY_MAX 4096

struct checkpoint {
	uint64_t insns;
	struct snapshot_machine *snap;
	uint8_t *ram;             /* the memory runs' data (owned) */
	uint64_t bytes;
};

struct gdb_history {
	uint64_t interval, budget, bytes;
	unsigned n;
	struct checkpoint cp[HISTORY_MAX];
};

struct gdb_history *gdb_history_new(uint64_t interval, uint64_t budget)
{
	struct gdb_history *h = calloc(1, sizeof(*h));

	if (h) {
		h->interval = interval ? interval : GDB_HISTORY_INTERVAL_DEFAULT;
		h->budget = budget ? budget : GDB_HISTORY_BUDGET_DEFAULT;
	}
	return h;
}

static void cp_free(struct checkpoint *c)
{
	snapshot_free(c->snap);
	free(c->ram);
	memset(c, 0, sizeof(*c));
}

void gdb_history_free(struct gdb_history *h)
{
	if (!h)
		return;
	for (unsigned k = 0; k < h->n; k++)
		cp_free(&h->cp[k]);
	free(h);
}

/* A capture's memory runs point into live guest RAM: copy them. */
static int own_ram(struct checkpoint *c)
{
	struct snap_memory *mem = &c->snap->mem;
	uint64_t total = snap_mem_stored_bytes(mem), off = 0;

	c->ram = malloc(total ? total : 1);
	if (!c->ram)
		return -1;
	for (size_t i = 0; i < mem->n_runs; i++) {
		memcpy(c->ram + off, mem->runs[i].data, mem->runs[i].len);
		mem->runs[i].data = c->ram + off;
		off += mem->runs[i].len;
	}
	c->bytes = total + sizeof(*c->snap);
	return 0;
}

static void drop_oldest(struct gdb_history *h)
{
	h->bytes -= h->cp[0].bytes;
	cp_free(&h->cp[0]);
	memmove(&h->cp[0], &h->cp[1], (h->n - 1) * sizeof(h->cp[0]));
	memset(&h->cp[--h->n], 0, sizeof(h->cp[0]));
}

int gdb_history_checkpoint(struct gdb_history *h, struct machine *m,
			   bool force, char *err, size_t errlen)
{
	uint64_t now = machine_insn_count(m);
	struct checkpoint c = { .insns = now };
	int k = gdb_history_find(h, now, false);

	if (k >= 0 && (h->cp[k].insns == now ||
		       (!force && now - h->cp[k].insns < h->interval)))
		return 0;
	/* Later checkpoints belong to a future that was undone. */
	while (h->n && h->cp[h->n - 1].insns > now) {
		h->bytes -= h->cp[h->n - 1].bytes;
		cp_free(&h->cp[--h->n]);
	}
	c.snap = snap_machine_capture(m, "gdb-checkpoint", err, errlen);
	if (!c.snap)
		return -1;
	if (own_ram(&c)) {
		cp_free(&c);
		snprintf(err, errlen, "out of memory for a checkpoint");
		return -1;
	}
	if (h->n == HISTORY_MAX)
		drop_oldest(h);
	h->cp[h->n++] = c;
	h->bytes += c.bytes;
	while (h->n > 1 && h->bytes > h->budget)
		drop_oldest(h);
	return 0;
}

unsigned gdb_history_len(const struct gdb_history *h)
{
	return h->n;
}

uint64_t gdb_history_insns(const struct gdb_history *h, unsigned k)
{
	return k < h->n ? h->cp[k].insns : 0;
}

int gdb_history_find(const struct gdb_history *h, uint64_t n, bool strictly)
{
	for (int k = (int)h->n - 1; k >= 0; k--)
		if (strictly ? h->cp[k].insns < n : h->cp[k].insns <= n)
			return k;
	return -1;
}

int gdb_history_restore(struct gdb_history *h, struct machine *m, unsigned k,
			char *err, size_t errlen)
{
	if (k >= h->n) {
		snprintf(err, errlen, "no checkpoint %u", k);
		return -1;
	}
	return snap_machine_restore(m, h->cp[k].snap, err, errlen);
}

uint64_t gdb_history_bytes(const struct gdb_history *h)
{
	return h->bytes;
}
