/* SPDX-License-Identifier: MIT */
/*
 * A small encoder for the ACPI Machine Language the DSDT needs (ACPI 6.5,
 * chapter 20 for the AML grammar, 6.4 for resource descriptors): scopes,
 * devices, names with integers, EISA IDs and resource-template buffers.
 * Packages are opened and closed like brackets; closing one writes its
 * PkgLength (20.2.4) in as few bytes as it needs.
 */
#ifndef VMXBOX_LOADER_AML_H
#define VMXBOX_LOADER_AML_H

#include <stddef.h>
#include <stdint.h>

#define AML_MAX 8192

struct aml {
	uint8_t b[AML_MAX];
	size_t len;
	int overflow;           /* set when something did not fit */
};

void aml_bytes(struct aml *a, const void *p, size_t n);

/* Open a package after its opcode bytes (Scope 10h, Device 5Bh 82h,
 * Buffer 11h); returns the mark aml_close() takes. */
size_t aml_open(struct aml *a, const uint8_t *op, size_t oplen);
void aml_close(struct aml *a, size_t mark);

size_t aml_scope(struct aml *a, const char *name);      /* "\\_SB_" */
size_t aml_device(struct aml *a, const char *seg);      /* 4 chars */

/* Name (seg, value) with the shortest integer encoding (20.2.3). */
void aml_name_int(struct aml *a, const char *seg, uint64_t v);
/* Name (seg, EisaId ("PNP0A03")): the compressed 32-bit EISA ID. */
void aml_name_eisaid(struct aml *a, const char *seg, const char *id);
uint32_t aml_eisaid(const char *id);

/* Name (_CRS, ResourceTemplate () { ... }): open the buffer, add the
 * descriptors, close with aml_crs_end() (end tag, then the package). */
struct aml_crs {
	size_t buf_mark, size_at, body;
};
void aml_crs_begin(struct aml *a, struct aml_crs *c);
void aml_crs_end(struct aml *a, struct aml_crs *c);

/* Resource descriptors (6.4.2, 6.4.3). */
void aml_res_io(struct aml *a, uint16_t base, uint8_t len);
void aml_res_irq(struct aml *a, unsigned irq);
void aml_res_bus(struct aml *a, uint16_t min, uint16_t max);
void aml_res_word_io(struct aml *a, uint16_t min, uint16_t max);
void aml_res_dword_mem(struct aml *a, int cacheable, uint32_t min,
		       uint32_t max);
void aml_res_qword_mem(struct aml *a, uint64_t min, uint64_t max);

#endif
