/* SPDX-License-Identifier: MIT */
/* Host wall time for run statistics and the monitor's uptime (never guest
 * time: the guest's clock is the engine's deterministic TSC). */
#ifndef VMXBOX_MACHINE_HOST_CLOCK_H
#define VMXBOX_MACHINE_HOST_CLOCK_H

#include <time.h>

static inline double host_monotonic_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#endif
