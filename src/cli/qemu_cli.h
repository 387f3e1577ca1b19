/* SPDX-License-Identifier: MIT */
/*
 * vmxbox-qemu: QEMU command lines (qemu-system-x86_64 -kernel ... ) mapped
 * onto a vmxbox machine, with QEMU's exit-status convention
 * (docs/qemu-compat.md).
 */
#ifndef VMXBOX_CLI_QEMU_CLI_H
#define VMXBOX_CLI_QEMU_CLI_H

#define QEMU_COMPAT_VERSION "7.2.0"

/* The whole program: returns the process exit status. */
int qemu_main(int argc, char **argv);

#endif
