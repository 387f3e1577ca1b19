/* SPDX-License-Identifier: MIT */
/*
 * KVM_SET_CPUID2 entries from the CPU model (core/cpu_model.h), so a guest
 * sees the same CPUID on kvm as on the interpreter.  Pure; unit-tested.
 */
#ifndef VMXBOX_ENGINE_KVM_KVM_CPUID_H
#define VMXBOX_ENGINE_KVM_KVM_CPUID_H

#include <linux/kvm.h>
#include <stddef.h>

#include "core/cpu_model.h"

#define KVM_CPUID_MAX_ENTRIES 256

/* Every leaf 0..max basic and 0x80000000..max extended leaf, with the
 * subleaves of indexed leaves; returns the number of entries (<= max). */
size_t kvm_cpuid_from_model(const struct cpu_model *m,
			    struct kvm_cpuid_entry2 *ents, size_t max);

#endif
