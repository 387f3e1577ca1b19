// SPDX-License-Identifier: MIT
/* C side of the entry: bring up the runtime, run main(), exit. */
#include "fw.h"

struct vmxbox_boot_info boot_info;

void fw_start(const struct vmxbox_boot_info *bi) __attribute__((noreturn));

void fw_exit(int status)
{
	/* docs/boot.md: the value written to the debug-exit port is the
	 * exit status.  A peer booted from bench/peers' floppy has no
	 * debug-exit port but a shutdown port (status lost: the caller
	 * reports success on the serial port). */
	serial_flush();
	if (boot_info.flags & BOOT_FLAG_SHUTDOWN_PORT)
		for (const char *s = "Shutdown"; *s; s++)
			outb(SHUTDOWN_PORT, (uint8_t)*s);
	outl(DEBUG_EXIT_PORT, (uint32_t)status);
	for (;;)
		hlt();
}

void fw_start(const struct vmxbox_boot_info *bi)
{
	if (bi && bi->magic == BOOT_INFO_MAGIC)
		memcpy(&boot_info, bi, sizeof(boot_info));
	serial_init();
	desc_init();
	paging_init();
	fw_exit(main());
}
