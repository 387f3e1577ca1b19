/* SPDX-License-Identifier: MIT */
/* The firmware's SDM transcription as data (fw_transcription_fw.c), kept in
 * its own translation unit: the firmware and vmxbox headers both define
 * VMCS_* and EXIT_REASON_* names. */
#ifndef VMXBOX_TESTS_FW_TRANSCRIPTION_H
#define VMXBOX_TESTS_FW_TRANSCRIPTION_H

#include <stdint.h>

struct fw_entry {
	const char *name;
	uint32_t value;
};

extern const struct fw_entry fw_fields[];
extern const unsigned fw_field_count;
extern const struct fw_entry fw_exits[];
extern const unsigned fw_exit_count;

#endif
