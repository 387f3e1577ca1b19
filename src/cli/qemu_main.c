// SPDX-License-Identifier: MIT
/* vmxbox-qemu's main(): everything is in qemu_cli.c. */
#include "cli/qemu_cli.h"

int main(int argc, char **argv)
{
	return qemu_main(argc, argv);
}
