/* SPDX-License-Identifier: MIT */
/* The DSDT's definition block (loader/acpi_dsdt.c; docs/platform.md). */
#ifndef VMXBOX_LOADER_ACPI_DSDT_H
#define VMXBOX_LOADER_ACPI_DSDT_H

#include "loader/acpi.h"
#include "loader/aml.h"

/* Append the DSDT's AML (after its 36-byte header) to a. */
void acpi_dsdt_aml(struct aml *a, const struct acpi_config *c);

#endif
