/* SPDX-License-Identifier: MIT */
/* Printing CBOR items for people (ctl's default) and scripts (--json). */
#ifndef VMXBOX_MONITOR_CBOR_PRINT_H
#define VMXBOX_MONITOR_CBOR_PRINT_H

#include <stdio.h>

#include <cbor.h>

/* JSON: byte strings become hex strings, unsigned integers stay numbers. */
void cbor_print_json(FILE *f, const cbor_item_t *item);
/* Indented "key: value" lines; counts and times (keys such as insns,
 * uptime_ms, entries, the values of an "exits" map) in decimal, every
 * other integer (addresses, registers, VMCS values) in 0x-hex; byte
 * strings as a hexdump with offsets. */
void cbor_print_human(FILE *f, const cbor_item_t *item, unsigned indent);

#endif
