// SPDX-License-Identifier: MIT
/*
 * The CPU model (src/core/cpu_model.c, cpu_features.c): the max model's
 * CPUID, the --cpu / -cpu parser (models, +/-/=on|off items, aliases,
 * prerequisites, errors), the cache/topology leaves agreeing with each
 * other, and CR4/EFER/XCR0 reserved bits following the features.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cpu_model.h"
#include "core/cpu_state.h"

static const char *doc_path;   /* docs/cpu-model.md, argv[1] */
static struct cpu_model m;
static char err[256];

static uint32_t reg(uint32_t leaf, uint32_t sub, unsigned r)
{
	uint32_t out[4];

	cpu_model_cpuid(&m, leaf, sub, out);
	return out[r];
}

enum { EAX, EBX, ECX, EDX };

static void parse_ok(const char *spec)
{
	err[0] = '\0';
	ck_assert_msg(cpu_model_parse(&m, spec, err, sizeof(err)) == 0,
		      "'%s': %s", spec, err);
}

static void parse_fails(const char *spec, const char *why)
{
	ck_assert_int_eq(cpu_model_parse(&m, spec, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, why), "'%s': '%s' not in '%s'", spec, why, err);
}

START_TEST(max_is_default_and_family6_intel)
{
	struct cpu_model d;
	char vendor[13] = { 0 };
	uint32_t out[4];

	cpu_model_default(&d);
	parse_ok("max");
	ck_assert_mem_eq(&d, &m, sizeof(m));
	parse_ok("host");
	ck_assert_mem_eq(&d, &m, sizeof(m));
	cpu_model_cpuid(&m, 0, 0, out);
	memcpy(vendor, &out[1], 4);
	memcpy(vendor + 4, &out[3], 4);
	memcpy(vendor + 8, &out[2], 4);
	ck_assert_str_eq(vendor, "GenuineIntel");
	ck_assert_uint_eq(out[0], 0xd);
	/* Family 6 (extended family 0), display model 3CH. */
	ck_assert_uint_eq((reg(1, 0, EAX) >> 8) & 0xf, 6);
	ck_assert_uint_eq((reg(1, 0, EAX) >> 20) & 0xff, 0);
	ck_assert_uint_eq(((reg(1, 0, EAX) >> 12) & 0xf0) |
			  ((reg(1, 0, EAX) >> 4) & 0xf), 0x3c);
	/* CLFLUSH line 64 bytes, one logical processor. */
	ck_assert_uint_eq((reg(1, 0, EBX) >> 8) & 0xff, 8);
	ck_assert_uint_eq((reg(1, 0, EBX) >> 16) & 0xff, 1);
}
END_TEST

/* Every implemented feature, and nothing else, is in max's CPUID. */
START_TEST(max_advertises_exactly_the_implemented_rows)
{
	static const struct { uint32_t leaf, sub; unsigned r; enum cpuid_word w; } map[] = {
		{ 1, 0, EDX, CPUID_1_EDX }, { 1, 0, ECX, CPUID_1_ECX },
		{ 7, 0, EBX, CPUID_7_0_EBX }, { 7, 0, ECX, CPUID_7_0_ECX },
		{ 7, 0, EDX, CPUID_7_0_EDX },
		{ 0x80000001u, 0, EDX, CPUID_80000001_EDX },
		{ 0x80000001u, 0, ECX, CPUID_80000001_ECX },
		{ 0x80000007u, 0, EDX, CPUID_80000007_EDX },
	};
	uint32_t want[CPUID_WORDS] = { 0 };

	cpu_model_default(&m);
	for (size_t i = 0; i < cpu_feature_count; i++) {
		const struct cpu_feature_info *r = &cpu_feature_table[i];

		if (r->implemented)
			want[r->feat / 32] |= 1u << (r->feat % 32);
		ck_assert_int_eq(cpu_has(&m, r->feat), r->implemented);
	}
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		ck_assert_msg(reg(map[i].leaf, map[i].sub, map[i].r) == want[map[i].w],
			      "leaf %#x reg %u: %#x, want %#x", map[i].leaf, map[i].r,
			      reg(map[i].leaf, map[i].sub, map[i].r), want[map[i].w]);
	/* Today's rows: VMX, PAE, LM and NX are there, AVX is not. */
	ck_assert(reg(1, 0, ECX) & (1u << 5));
	ck_assert(reg(1, 0, EDX) & (1u << 6));
	ck_assert(reg(0x80000001u, 0, EDX) & (1u << 29));
	ck_assert(!(reg(1, 0, ECX) & (1u << 28)));
	/* OSXSAVE is never the model's: it mirrors CR4 (the engine adds it). */
	cpu_model_set(&m, X86_FEAT_OSXSAVE, true);
	ck_assert(!(reg(1, 0, ECX) & (1u << 27)));
}
END_TEST

START_TEST(parse_items)
{
	parse_ok("max,-smep,smap=off,-vmx");
	ck_assert(!cpu_has(&m, X86_FEAT_SMEP));
	ck_assert(!cpu_has(&m, X86_FEAT_SMAP));
	ck_assert(!cpu_has(&m, X86_FEAT_VMX));
	ck_assert(cpu_has(&m, X86_FEAT_PAE));
	ck_assert(!(reg(7, 0, EBX) & (1u << 7)));
	ck_assert(!(reg(1, 0, ECX) & (1u << 5)));
	/* Turning back on, bare names, =on, a leading feature starts at max. */
	parse_ok("-smep,+smep,SMAP=On,vmx");
	ck_assert(cpu_has(&m, X86_FEAT_SMEP));
	ck_assert(cpu_has(&m, X86_FEAT_SMAP));
	ck_assert(cpu_has(&m, X86_FEAT_VMX));
	ck_assert(cpu_has(&m, X86_FEAT_LM));
	/* QEMU spellings: '-', '.' and '_' are one; aliases. */
	parse_ok("max,-lahf-lm,-lzcnt,xd=off");
	ck_assert(!cpu_has(&m, X86_FEAT_LAHF_LM));
	ck_assert(!cpu_has(&m, X86_FEAT_ABM));
	ck_assert(!cpu_has(&m, X86_FEAT_NX));
	/* Disabling what is not implemented is accepted (QEMU command lines). */
	parse_ok("max,-avx,-sse4.2,avx2=off,-x2apic");
}
END_TEST

START_TEST(parse_errors)
{
	parse_fails("max,+frobnicate", "unknown CPU feature 'frobnicate'");
	parse_fails("frob", "unknown CPU feature 'frob'");
	parse_fails("max,+avx", "CPU feature 'avx' is not implemented by vmxbox");
	parse_fails("max,svm=on", "'svm' is not implemented");
	parse_fails("max,vmx=maybe", "expected on or off");
	parse_fails("max,,-vmx", "empty item");
	parse_fails("max,", "empty item");
	parse_fails("", "empty CPU specification");
	/* A model name is only a model in the first place. */
	parse_fails("max,base", "unknown CPU feature 'base'");
}
END_TEST

/* Turning a feature off turns off what needs it, transitively. */
START_TEST(prerequisites)
{
	parse_ok("max,-lm");
	ck_assert(!cpu_has(&m, X86_FEAT_LM));
	ck_assert(!cpu_has(&m, X86_FEAT_PDPE1GB));
	ck_assert(!(reg(0x80000001u, 0, EDX) & (1u << 26)));
	parse_ok("max,-pse");
	ck_assert(!cpu_has(&m, X86_FEAT_PSE36));
	/* A later +feature cannot bring back a child of a missing parent. */
	parse_ok("max,-lm,+pdpe1gb");
	ck_assert(!cpu_has(&m, X86_FEAT_PDPE1GB));
	/* The table's prerequisites are known features (no dangling rows). */
	for (size_t i = 0; i < cpu_feature_count; i++)
		ck_assert_ptr_nonnull(cpu_feature_name(cpu_feature_table[i].needs));
}
END_TEST

START_TEST(base_model)
{
	parse_ok("base");
	ck_assert(cpu_has(&m, X86_FEAT_PAE));
	ck_assert(cpu_has(&m, X86_FEAT_LM));
	ck_assert(cpu_has(&m, X86_FEAT_VMX));
	ck_assert(cpu_has(&m, X86_FEAT_CX16));
	ck_assert(!cpu_has(&m, X86_FEAT_SMEP));
	ck_assert(!cpu_has(&m, X86_FEAT_POPCNT));
	ck_assert(!cpu_has(&m, X86_FEAT_RDTSCP));
	ck_assert(!cpu_has(&m, X86_FEAT_UMIP));
	parse_ok("qemu64,+popcnt,-vmx");
	ck_assert(cpu_has(&m, X86_FEAT_POPCNT));
	ck_assert(!cpu_has(&m, X86_FEAT_VMX));
}
END_TEST

/* Leaf 4 and leaf 80000006H describe the same L2; leaf 4 ends with a
 * null entry; leaf 2 defers to leaf 4; leaf 0BH describes one thread. */
START_TEST(cache_and_topology_leaves_agree)
{
	unsigned n = 0, l2_kib = 0;

	cpu_model_default(&m);
	ck_assert_uint_eq(reg(2, 0, EAX) & 0xff, 1);
	ck_assert_uint_eq((reg(2, 0, EAX) >> 16) & 0xff, 0xff);
	for (uint32_t i = 0; i < 16; i++) {
		uint32_t a = reg(4, i, EAX), b = reg(4, i, EBX), c = reg(4, i, ECX);
		unsigned size;

		if ((a & 0x1f) == 0)
			break;
		n++;
		size = ((b >> 22) + 1) * (((b >> 12) & 0x3ff) + 1) *
		       ((b & 0xfff) + 1) * (c + 1);
		ck_assert_uint_eq((b & 0xfff) + 1, 64);
		ck_assert_uint_eq((a >> 14) & 0xfff, 0);   /* one thread */
		if (((a >> 5) & 7) == 2)
			l2_kib = size / 1024;
	}
	ck_assert_uint_eq(n, 4);
	ck_assert_uint_eq(l2_kib, reg(0x80000006u, 0, ECX) >> 16);
	ck_assert_uint_eq(reg(0x80000006u, 0, ECX) & 0xff, 64);
	ck_assert_uint_eq(reg(0xb, 0, EBX), 1);
	ck_assert_uint_eq((reg(0xb, 0, ECX) >> 8) & 0xff, 1);
	ck_assert_uint_eq((reg(0xb, 1, ECX) >> 8) & 0xff, 2);
	ck_assert_uint_eq(reg(0xb, 2, EBX), 0);
	ck_assert_uint_eq((reg(0xb, 2, ECX) >> 8) & 0xff, 0);
	/* Above the maximum basic leaf: the highest basic leaf's data. */
	for (unsigned r = 0; r < 4; r++) {
		ck_assert_uint_eq(reg(0x20, 0, r), reg(0xd, 0, r));
		ck_assert_uint_eq(reg(0x80000009u, 0, r), reg(0xd, 0, r));
	}
	ck_assert_uint_eq(reg(0x80000000u, 0, EAX), 0x80000008u);
	ck_assert_uint_eq(reg(0x80000008u, 0, EAX) & 0xff, m.maxphyaddr);
}
END_TEST

START_TEST(brand_string)
{
	char brand[49] = { 0 };

	cpu_model_default(&m);
	for (unsigned i = 0; i < 3; i++)
		for (unsigned r = 0; r < 4; r++) {
			uint32_t v = reg(0x80000002u + i, 0, r);

			memcpy(brand + i * 16 + r * 4, &v, 4);
		}
	ck_assert_str_eq(brand, "vmxbox virtual x86-64 CPU");
}
END_TEST

START_TEST(reserved_bits_follow_features)
{
	cpu_model_default(&m);
	ck_assert(cpu_model_cr4_valid_bits(&m) & CR4_SMEP);
	ck_assert(cpu_model_cr4_valid_bits(&m) & CR4_VMXE);
	ck_assert(cpu_model_cr4_valid_bits(&m) & CR4_PGE);
	ck_assert(!(cpu_model_cr4_valid_bits(&m) & CR4_SMXE));
	ck_assert(cpu_model_efer_valid_bits(&m) & EFER_NXE);
	parse_ok("max,-smep,-vmx,-pge,-nx,-syscall");
	ck_assert(!(cpu_model_cr4_valid_bits(&m) & CR4_SMEP));
	ck_assert(!(cpu_model_cr4_valid_bits(&m) & CR4_VMXE));
	ck_assert(!(cpu_model_cr4_valid_bits(&m) & CR4_PGE));
	ck_assert(cpu_model_cr4_valid_bits(&m) & CR4_PAE);
	ck_assert_uint_eq(cpu_model_efer_valid_bits(&m), EFER_LME | EFER_LMA);
}
END_TEST

/* The cells of a markdown table row, trimmed; returns how many. */
static unsigned split_row(char *line, char col[6][128])
{
	unsigned n = 0;
	char *p = line, *bar;

	if (*p++ != '|')
		return 0;
	while (n < 6 && (bar = strchr(p, '|'))) {
		while (p < bar && *p == ' ')
			p++;
		size_t len = (size_t)(bar - p);

		while (len && p[len - 1] == ' ')
			len--;
		snprintf(col[n++], 128, "%.*s", (int)len, p);
		p = bar + 1;
	}
	return n;
}

/* docs/cpu-model.md's feature table says what the code says: one row per
 * feature with its alias, CPUID bit, implemented yes/no and prerequisite. */
START_TEST(doc_table_matches_code)
{
	static const char *const words[CPUID_WORDS] = {
		"1 EDX", "1 ECX", "7.0 EBX", "7.0 ECX", "7.0 EDX", "0DH.1 EAX",
		"80000001H EDX", "80000001H ECX", "80000007H EDX",
	};
	FILE *f = fopen(doc_path, "r");
	char line[512];
	size_t rows = 0;

	ck_assert_msg(f != NULL, "cannot open %s", doc_path);
	while (fgets(line, sizeof(line), f)) {
		char col[6][128];
		const struct cpu_feature_info *r = NULL;
		char want[64];

		if (split_row(line, col) < 5)
			continue;
		for (size_t i = 0; i < cpu_feature_count; i++)
			if (!strcmp(cpu_feature_table[i].name, col[0]))
				r = &cpu_feature_table[i];
		if (!r)
			continue;   /* a row of another table */
		rows++;
		ck_assert_str_eq(col[1], r->alias ? r->alias : "");
		snprintf(want, sizeof(want), "%s[%u]", words[r->feat / 32],
			 r->feat % 32);
		ck_assert_msg(!strcmp(col[2], want), "%s: bit '%s', code says %s",
			      col[0], col[2], want);
		ck_assert_msg(!strcmp(col[3], r->implemented ? "yes" : "no"),
			      "%s: doc says implemented=%s", col[0], col[3]);
		ck_assert_str_eq(col[4], r->needs == r->feat ? "" :
				 cpu_feature_name(r->needs));
	}
	fclose(f);
	ck_assert_uint_eq(rows, cpu_feature_count);
}
END_TEST

int main(int argc, char **argv)
{
	Suite *s = suite_create("cpu_model");
	TCase *tc = tcase_create("model");
	SRunner *sr;
	int failed;

	doc_path = argc > 1 ? argv[1] : "docs/cpu-model.md";
	tcase_add_test(tc, max_is_default_and_family6_intel);
	tcase_add_test(tc, max_advertises_exactly_the_implemented_rows);
	tcase_add_test(tc, parse_items);
	tcase_add_test(tc, parse_errors);
	tcase_add_test(tc, prerequisites);
	tcase_add_test(tc, base_model);
	tcase_add_test(tc, cache_and_topology_leaves_agree);
	tcase_add_test(tc, brand_string);
	tcase_add_test(tc, reserved_bits_follow_features);
	tcase_add_test(tc, doc_table_matches_code);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
