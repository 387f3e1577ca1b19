// SPDX-License-Identifier: MIT
/* The smallest useful firmware: proves boot, serial and debug-exit work. */
#include "fw.h"

int main(void)
{
	printf("hello from vmxbox guest firmware\n");
	printf("boot info: mem %lu MiB, image 0x%lx-0x%lx, vmx %s\n",
	       boot_info.mem_size >> 20, boot_info.image_start,
	       boot_info.image_end,
	       (boot_info.flags & BOOT_FLAG_VMX) ? "on" : "off");
	return 0;
}
