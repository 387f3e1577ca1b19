/* SPDX-License-Identifier: MIT */
/*
 * What the host offers for virtualization: /dev/kvm (present, usable, API
 * version) and nested VMX (host CPU vmx flag, kvm_intel's nested parameter).
 * Feeds `vmxbox caps` and engine selection.
 */
#ifndef VMXBOX_ENGINE_HOST_CAPS_H
#define VMXBOX_ENGINE_HOST_CAPS_H

#include <stdbool.h>

#define KVM_DEVICE_DEFAULT "/dev/kvm"

struct host_caps {
	const char *kvm_path;    /* $VMXBOX_KVM_DEVICE or /dev/kvm */
	bool kvm_present;
	bool kvm_usable;         /* opened read-write and API version read */
	int kvm_errno;           /* why not present / not usable (0 if usable) */
	int kvm_api_version;     /* KVM_GET_API_VERSION, -1 if unknown */
	bool cpu_vmx;            /* "vmx" in /proc/cpuinfo flags */
	int kvm_intel_nested;    /* -1: kvm_intel not loaded, 0: off, 1: on */
};

void host_caps_probe(struct host_caps *c);
/* Hardware nested VMX usable through KVM. */
bool host_caps_nested_vmx(const struct host_caps *c);
/* The KVM device path vmxbox uses ($VMXBOX_KVM_DEVICE overrides, for tests). */
const char *host_kvm_path(void);

#endif
