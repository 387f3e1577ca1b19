/* SPDX-License-Identifier: MIT */
/* Section encoders/decoders shared by the snapshot files. */
#ifndef VMXBOX_SNAPSHOT_SNAP_INTERNAL_H
#define VMXBOX_SNAPSHOT_SNAP_INTERNAL_H

#include "snapshot/cbor_in.h"
#include "snapshot/cbor_out.h"
#include "snapshot/snapshot.h"

void snap_cpu_encode(struct cout *o, const struct cpu_state *c);
bool snap_cpu_decode(struct cin *in, struct cpu_state *c);

void snap_kvset_encode(struct cout *o, const struct snap_kvset *set);
bool snap_kvset_decode(struct cin *in, struct snap_kvset *set);

void snap_vmx_encode(struct cout *o, const struct snap_vmx *v);
bool snap_vmx_decode(struct cin *in, struct snap_vmx *v);
/* Consistency of the VMX section (pointers, current VMCS, launch states). */
bool snap_vmx_validate(struct cin *in, const struct snap_vmx *v);

void snap_mem_encode(struct cout *o, const struct snap_memory *m);
bool snap_mem_decode(struct cin *in, struct snap_memory *m);
bool snap_mem_validate(struct cin *in, const struct snap_memory *m,
		       uint64_t ram_size);

/* The "smp" section (snap_smp.c). */
void snap_smp_encode(struct cout *o, const struct snapshot_machine *s);
bool snap_smp_decode(struct cin *in, struct snapshot_machine *s);
bool snap_smp_validate(struct cin *in, const struct snapshot_machine *s);
void snap_smp_free(struct snapshot_machine *s);

int snapshot_encode_to_(struct cout *o, const struct snapshot_machine *s,
			char *err, size_t errlen);
void snapshot_unmap_(void *map, size_t len);

/* Canonical order of n text keys: fills idx[0..n) (n <= 256). */
void snap_sort_keys(const char *const *keys, size_t n, unsigned *idx);

#endif
