// SPDX-License-Identifier: MIT
#include "engine/host_caps.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#define NESTED_PARAM "/sys/module/kvm_intel/parameters/nested"

const char *host_kvm_path(void)
{
	const char *p = getenv("VMXBOX_KVM_DEVICE");

	return p && *p ? p : KVM_DEVICE_DEFAULT;
}

static void probe_kvm(struct host_caps *c)
{
	struct stat st;
	int fd;

	c->kvm_path = host_kvm_path();
	c->kvm_api_version = -1;
	if (stat(c->kvm_path, &st) < 0) {
		c->kvm_errno = errno;
		return;
	}
	c->kvm_present = true;
	fd = open(c->kvm_path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		c->kvm_errno = errno;
		return;
	}
	c->kvm_api_version = ioctl(fd, KVM_GET_API_VERSION, 0);
	if (c->kvm_api_version < 0) {
		c->kvm_errno = errno;
		c->kvm_api_version = -1;
	} else {
		c->kvm_usable = c->kvm_api_version == KVM_API_VERSION;
		if (!c->kvm_usable)
			c->kvm_errno = EPROTO;
	}
	close(fd);
}

/* True when the "flags" line of /proc/cpuinfo lists vmx. */
static bool cpu_has_vmx(void)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[8192];
	bool found = false;

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		if (strncmp(line, "flags", 5))
			continue;
		for (char *t = strtok(line, " \t\n"); t; t = strtok(NULL, " \t\n"))
			if (!strcmp(t, "vmx"))
				found = true;
		break;
	}
	fclose(f);
	return found;
}

static int read_nested_param(void)
{
	FILE *f = fopen(NESTED_PARAM, "r");
	char buf[16] = "";

	if (!f)
		return -1;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	return buf[0] == 'Y' || buf[0] == 'y' || buf[0] == '1';
}

void host_caps_probe(struct host_caps *c)
{
	memset(c, 0, sizeof(*c));
	probe_kvm(c);
	c->cpu_vmx = cpu_has_vmx();
	c->kvm_intel_nested = read_nested_param();
}

bool host_caps_nested_vmx(const struct host_caps *c)
{
	return c->kvm_usable && c->cpu_vmx && c->kvm_intel_nested == 1;
}
