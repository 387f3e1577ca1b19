/* SPDX-License-Identifier: MIT */
/* Printing CBOR items for people (ctl's default) and scripts (--json). */
#ifndef VMXBOX_MONITOR_CBOR_PRINT_H
#define VMXBOX_MONITOR_CBOR_PRINT_H

#include <stdio.h>

#include <cbor.h>

/* JSON: byte strings become hex strings, unsigned integers stay numbers. */
void cbor_print_json(FILE *f, const cbor_item_t *item);
/* Indented "key: value" lines; integers >= 256 in hex; byte strings as a
 * hexdump with offsets. */
void cbor_print_human(FILE *f, const cbor_item_t *item, unsigned indent);

#endif
