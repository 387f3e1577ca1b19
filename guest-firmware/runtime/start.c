// SPDX-License-Identifier: MIT
/* C side of the entry: bring up the runtime, run main(), exit. */
#include "fw.h"

struct vmxbox_boot_info boot_info;

void fw_start(const struct vmxbox_boot_info *bi) __attribute__((noreturn));

void fw_exit(int status)
{
	/* docs/boot.md: the value written to the debug-exit port is the
	 * exit status. */
	outl(DEBUG_EXIT_PORT, (uint32_t)status);
	for (;;)
		hlt();
}

void fw_start(const struct vmxbox_boot_info *bi)
{
	if (bi && bi->magic == BOOT_INFO_MAGIC)
		memcpy(&boot_info, bi, sizeof(boot_info));
	desc_init();
	paging_init();
	fw_exit(main());
}
