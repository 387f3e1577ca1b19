// SPDX-License-Identifier: MIT
/* The guest firmware's field and exit-reason lists, as tables. */
#include "fw_transcription.h"
#include "../../guest-firmware/runtime/vmx_exits.h"
#include "../../guest-firmware/runtime/vmx_fields.h"

const struct fw_entry fw_fields[] = {
#define FW_FIELD(name, enc) { #name, enc },
	VMCS_FIELDS(FW_FIELD)
#undef FW_FIELD
};
const unsigned fw_field_count = sizeof(fw_fields) / sizeof(fw_fields[0]);

const struct fw_entry fw_exits[] = {
#define FW_EXIT(name, nr, text) { #name, nr },
	VMX_EXIT_REASONS(FW_EXIT)
#undef FW_EXIT
};
const unsigned fw_exit_count = sizeof(fw_exits) / sizeof(fw_exits[0]);
