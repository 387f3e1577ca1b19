// SPDX-License-Identifier: MIT
/* VM exits over time as an SVG picture (exit_chart.h). */
#include "monitor/exit_chart.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "vmx/vmcs_fields.h"

#define W 960            /* picture width */
#define LEFT 90          /* room for the axis labels */
#define PANEL_H 110
#define PANEL_GAP 40
#define TOP 50

/* Twelve well-separated colours, then they repeat. */
static const char *const palette[] = {
	"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948",
	"#b07aa1", "#ff9da7", "#9c755f", "#bab0ac", "#1f77b4", "#8c564b",
};

void exit_chart_init(struct exit_chart *c)
{
	memset(c, 0, sizeof(*c));
}

void exit_chart_free(struct exit_chart *c)
{
	free(c->exits);
	memset(c, 0, sizeof(*c));
}

static int vmcs_index(struct exit_chart *c, uint64_t vmcs)
{
	for (unsigned i = 0; i < c->n_vmcs; i++)
		if (c->vmcs[i] == vmcs)
			return (int)i;
	if (c->n_vmcs == EXIT_CHART_MAX_VMCS)
		return -1;
	c->vmcs[c->n_vmcs] = vmcs;
	return (int)c->n_vmcs++;
}

int exit_chart_add(struct exit_chart *c, uint64_t vmcs, unsigned reason,
		   double t)
{
	int v = vmcs_index(c, vmcs);

	if (v < 0 || reason >= EXIT_CHART_MAX_REASONS) {
		c->dropped++;
		return 0;
	}
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 1024;
		struct exit_chart_exit *e = realloc(c->exits, cap * sizeof(*e));

		if (!e)
			return -1;
		c->exits = e;
		c->cap = cap;
	}
	c->exits[c->n++] = (struct exit_chart_exit){ t, (uint8_t)v, (uint8_t)reason };
	if (t > c->t_end)
		c->t_end = t;
	return 0;
}

static const char *reason_name(unsigned r)
{
	const char *n = vmx_exit_reason_name(r);

	return n ? n : "?";
}

/* counts[v][b][r]: exits of VMCS v, reason r in time slice b. */
typedef uint64_t counts_t[EXIT_CHART_BUCKETS][EXIT_CHART_MAX_REASONS];

static void panel(FILE *f, const struct exit_chart *c, unsigned v,
		  const counts_t *k, const int *colour)
{
	double y0 = TOP + v * (PANEL_H + PANEL_GAP), bw;
	uint64_t max = 1;

	for (unsigned b = 0; b < EXIT_CHART_BUCKETS; b++) {
		uint64_t sum = 0;

		for (unsigned r = 0; r < EXIT_CHART_MAX_REASONS; r++)
			sum += k[v][b][r];
		if (sum > max)
			max = sum;
	}
	bw = (double)(W - LEFT - 20) / EXIT_CHART_BUCKETS;
	fprintf(f, "<text x=\"%d\" y=\"%.0f\" class=\"t\">VMCS 0x%" PRIx64
		"</text>\n", LEFT, y0 - 8, c->vmcs[v]);
	fprintf(f, "<text x=\"%d\" y=\"%.0f\" class=\"a\" text-anchor=\"end\">%"
		PRIu64 "</text>\n", LEFT - 6, y0 + 10, max);
	fprintf(f, "<text x=\"%d\" y=\"%.0f\" class=\"a\" text-anchor=\"end\">0</text>\n",
		LEFT - 6, y0 + PANEL_H);
	fprintf(f, "<rect x=\"%d\" y=\"%.0f\" width=\"%d\" height=\"%d\" class=\"f\"/>\n",
		LEFT, y0, W - LEFT - 20, PANEL_H);
	for (unsigned b = 0; b < EXIT_CHART_BUCKETS; b++) {
		double y = y0 + PANEL_H;

		for (unsigned r = 0; r < EXIT_CHART_MAX_REASONS; r++) {
			double h = (double)k[v][b][r] * PANEL_H / (double)max;

			if (!k[v][b][r])
				continue;
			y -= h;
			fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
				"fill=\"%s\"><title>%s: %" PRIu64 "</title></rect>\n",
				LEFT + b * bw + 0.5, y, bw - 1, h,
				palette[colour[r] % 12], reason_name(r), k[v][b][r]);
		}
	}
}

static void legend(FILE *f, const struct exit_chart *c, const uint64_t *total,
		   const int *colour)
{
	double y = TOP + c->n_vmcs * (PANEL_H + PANEL_GAP);
	unsigned col = 0;

	fprintf(f, "<text x=\"%d\" y=\"%.0f\" class=\"a\">virtual time: 0 .. %.0f "
		"guest instructions, %d slices</text>\n", LEFT, y - 18, c->t_end,
		EXIT_CHART_BUCKETS);
	for (unsigned r = 0; r < EXIT_CHART_MAX_REASONS; r++) {
		if (!total[r])
			continue;
		fprintf(f, "<rect x=\"%u\" y=\"%.0f\" width=\"12\" height=\"12\" fill=\"%s\"/>"
			"<text x=\"%u\" y=\"%.0f\" class=\"a\">%s (%" PRIu64 ")</text>\n",
			LEFT + col % 3 * 290, y + col / 3 * 20, palette[colour[r] % 12],
			LEFT + col % 3 * 290 + 18, y + 10 + col / 3 * 20,
			reason_name(r), total[r]);
		col++;
	}
}

void exit_chart_write_svg(const struct exit_chart *c, FILE *f, const char *title)
{
	counts_t *k = calloc(c->n_vmcs ? c->n_vmcs : 1, sizeof(*k));
	uint64_t total[EXIT_CHART_MAX_REASONS] = { 0 };
	int colour[EXIT_CHART_MAX_REASONS];
	int next = 0;
	unsigned h;

	if (!k)
		return;
	for (size_t i = 0; i < c->n; i++) {
		const struct exit_chart_exit *e = &c->exits[i];
		unsigned b = c->t_end > 0 ? (unsigned)(e->t / c->t_end *
						     (EXIT_CHART_BUCKETS - 1) + 0.5) : 0;

		k[e->vmcs][b][e->reason]++;
		total[e->reason]++;
	}
	for (unsigned r = 0; r < EXIT_CHART_MAX_REASONS; r++)
		colour[r] = total[r] ? next++ : 0;
	h = TOP + c->n_vmcs * (PANEL_H + PANEL_GAP) + 20 * ((unsigned)next / 3 + 2);
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%u\" "
		"viewBox=\"0 0 %d %u\">\n<style>.t{font:bold 14px sans-serif}"
		".a{font:12px sans-serif}.f{fill:none;stroke:#888}</style>\n"
		"<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
		"<text x=\"%d\" y=\"24\" class=\"t\">", W, h, W, h, LEFT);
	for (const char *p = title; *p; p++)   /* XML-escape the title */
		fputs(*p == '<' ? "&lt;" : *p == '>' ? "&gt;" : *p == '&' ? "&amp;" :
		      (char[2]){ (unsigned char)*p >= 0x20 ? *p : '?', 0 }, f);
	fputs("</text>\n", f);
	for (unsigned v = 0; v < c->n_vmcs; v++)
		panel(f, c, v, k, colour);
	legend(f, c, total, colour);
	if (c->dropped)
		fprintf(f, "<text x=\"%d\" y=\"%u\" class=\"a\">%" PRIu64
			" exits of further VMCSs not shown</text>\n", LEFT, h - 6,
			c->dropped);
	fputs("</svg>\n", f);
	free(k);
}
