/* SPDX-License-Identifier: MIT */
/*
 * A picture of VM exits over time (`vmxbox report`): one panel per VMCS,
 * a stacked bar per slice of virtual time, one colour per exit reason, as
 * a self-contained SVG file.
 */
#ifndef VMXBOX_MONITOR_EXIT_CHART_H
#define VMXBOX_MONITOR_EXIT_CHART_H

#include <stdint.h>
#include <stdio.h>

#define EXIT_CHART_MAX_VMCS 16
#define EXIT_CHART_BUCKETS 60
#define EXIT_CHART_MAX_REASONS 80

struct exit_chart_exit {
	double t;                  /* virtual time of the exit (instructions) */
	uint8_t vmcs;              /* index into vmcs[] */
	uint8_t reason;            /* basic exit reason */
};

struct exit_chart {
	unsigned n_vmcs;
	uint64_t vmcs[EXIT_CHART_MAX_VMCS];
	size_t n, cap;
	struct exit_chart_exit *exits;
	uint64_t dropped;          /* more VMCSs or reasons than a chart shows */
	double t_end;
};

void exit_chart_init(struct exit_chart *c);
void exit_chart_free(struct exit_chart *c);
/* 0, or -1 when out of memory. */
int exit_chart_add(struct exit_chart *c, uint64_t vmcs, unsigned reason,
		   double t);
void exit_chart_write_svg(const struct exit_chart *c, FILE *f,
			  const char *title);

#endif
