/* SPDX-License-Identifier: MIT */
/*
 * Reverse execution's checkpoints (docs/gdb.md): whole-machine snapshots
 * (snap_machine_capture) kept in memory with their RAM copied, taken while
 * the vCPUs are parked for gdb, at most one per `interval` instructions,
 * oldest dropped beyond `budget` bytes.  Going back = restoring the
 * latest checkpoint before the target and re-running the interpreter,
 * which is deterministic, up to the target instruction count.
 */
#ifndef VMXBOX_MACHINE_GDB_HISTORY_H
#define VMXBOX_MACHINE_GDB_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct machine;
struct gdb_history;

#define GDB_HISTORY_INTERVAL_DEFAULT 10000000ull    /* instructions */
#define GDB_HISTORY_BUDGET_DEFAULT (256ull << 20)   /* bytes */

struct gdb_history *gdb_history_new(uint64_t interval, uint64_t budget);
void gdb_history_free(struct gdb_history *h);
/* Parked: add a checkpoint here unless one is within `interval` before
 * (force: unless one is exactly here).  0, or -1 with err. */
int gdb_history_checkpoint(struct gdb_history *h, struct machine *m,
			   bool force, char *err, size_t errlen);
unsigned gdb_history_len(const struct gdb_history *h);
/* Checkpoint k's instruction count (0 = the oldest). */
uint64_t gdb_history_insns(const struct gdb_history *h, unsigned k);
/* The newest checkpoint at or before (strictly: before) n; -1: none. */
int gdb_history_find(const struct gdb_history *h, uint64_t n, bool strictly);
/* Put checkpoint k back into the parked machine.  0, or -1 with err. */
int gdb_history_restore(struct gdb_history *h, struct machine *m, unsigned k,
			char *err, size_t errlen);
/* Bytes held. */
uint64_t gdb_history_bytes(const struct gdb_history *h);

#endif
