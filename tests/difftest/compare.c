// SPDX-License-Identifier: MIT
/* Comparison and human-readable reports (Zydis formatter, Intel syntax). */
#include "compare.h"
#include "gen.h"

#include <inttypes.h>
#include <string.h>

#include <Zydis/Zydis.h>

static const char *const gpr_names[16] = {
	"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
	"r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
};

uint64_t dt_flags_mask(const struct dt_case *c)
{
	return ~(uint64_t)DT_STATUS_FLAGS | c->defined_flags;
}

static bool cmp_mem(const char *name, uint64_t base, const uint8_t *a,
		    const uint8_t *b, size_t n, char *what, size_t len)
{
	for (size_t i = 0; i < n; i++) {
		if (a[i] != b[i]) {
			snprintf(what, len, "%s byte at %#" PRIx64 ": unicorn %02x "
				 "interp %02x", name, base + i, a[i], b[i]);
			return false;
		}
	}
	return true;
}

/* Unicorn 2.0.1 never sets MXCSR's exception flags (docs/difftest.md):
 * only the control bits are compared. */
#define DT_MXCSR_CONTROL 0xffc0u

static bool nan32(uint32_t v)
{
	return (v & 0x7f800000u) == 0x7f800000u && (v & 0x7fffff);
}

static bool nan64(uint64_t v)
{
	return (v & 0x7ff0000000000000ull) == 0x7ff0000000000000ull &&
	       (v & 0xfffffffffffffull);
}

/*
 * Unicorn 2.0.1 chooses between two NaN operands by the x87 rule (the
 * larger significand) where SSE returns the first source operand's NaN
 * (SDM Vol. 1 Table 4-7), so a NaN in one engine against a NaN in the
 * other is accepted: as doubles, or as two pairs of singles.  Which NaN
 * comes out is checked by tests/interp/test_sse_fp.c.  Only while
 * dt_nan_tolerant is set: the stepped replay (step.c) uses it to copy
 * Unicorn's NaN into the interpreter and go on, so the two-NaN choice
 * never leaks into later results.
 */
bool dt_nan_tolerant;

static bool same_or_nans(uint64_t x, uint64_t y)
{
	if (x == y)
		return true;
	if (!dt_nan_tolerant)
		return false;
	if (nan64(x) && nan64(y))
		return true;
	for (int h = 0; h < 64; h += 32) {
		uint32_t a = (uint32_t)(x >> h), b = (uint32_t)(y >> h);

		if (a != b && !(nan32(a) && nan32(b)))
			return false;
	}
	return true;
}

static bool cmp_simd(const struct dt_simd *a, const struct dt_simd *b,
		     char *what, size_t len)
{
	for (int i = 0; i < 16; i++) {
		uint64_t x[2], y[2];

		memcpy(x, a->xmm[i], 16);
		memcpy(y, b->xmm[i], 16);
		if (!same_or_nans(x[0], y[0]) || !same_or_nans(x[1], y[1])) {
			snprintf(what, len, "xmm%d: unicorn %016" PRIx64 "%016"
				 PRIx64 " interp %016" PRIx64 "%016" PRIx64, i,
				 x[1], x[0], y[1], y[0]);
			return false;
		}
	}
	for (int i = 0; i < 8; i++) {
		if (a->mm[i] != b->mm[i] ||
		    (gen_x87 && a->fpse[i] != b->fpse[i])) {
			snprintf(what, len, "mm%d/fp%d: unicorn %04x:%016" PRIx64
				 " interp %04x:%016" PRIx64, i, i, a->fpse[i],
				 a->mm[i], b->fpse[i], b->mm[i]);
			return false;
		}
	}
	if ((a->mxcsr ^ b->mxcsr) & DT_MXCSR_CONTROL) {
		snprintf(what, len, "mxcsr: unicorn %#x interp %#x", a->mxcsr,
			 b->mxcsr);
		return false;
	}
	return true;
}

bool dt_compare(const struct dt_case *c, const struct dt_state *ref,
		const struct dt_state *got, char *what, size_t len)
{
	uint64_t fm = dt_flags_mask(c);

	for (int i = 0; i < 16; i++) {
		if (ref->gpr[i] != got->gpr[i]) {
			snprintf(what, len, "%s: unicorn %#018" PRIx64 " interp %#018"
				 PRIx64, gpr_names[i], ref->gpr[i], got->gpr[i]);
			return false;
		}
	}
	if (ref->rip != got->rip) {
		snprintf(what, len, "rip: unicorn %#" PRIx64 " interp %#" PRIx64,
			 ref->rip, got->rip);
		return false;
	}
	if ((ref->rflags & fm) != (got->rflags & fm)) {
		snprintf(what, len, "rflags (mask %#" PRIx64 "): unicorn %#" PRIx64
			 " interp %#" PRIx64 " differ in %#" PRIx64, fm,
			 ref->rflags, got->rflags,
			 (ref->rflags ^ got->rflags) & fm);
		return false;
	}
	if (!cmp_simd(&ref->simd, &got->simd, what, len))
		return false;
	return cmp_mem("data", DT_DATA_BASE, ref->data, got->data,
		       DT_DATA_SIZE, what, len) &&
	       cmp_mem("stack", DT_STACK_BASE, ref->stack, got->stack,
		       DT_STACK_SIZE, what, len);
}

static void init_zydis(ZydisDecoder *d, ZydisFormatter *f)
{
	ZydisDecoderInit(d, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
	ZydisFormatterInit(f, ZYDIS_FORMATTER_STYLE_INTEL);
}

/* Raw (hand-written) cases have no instruction list: decode linearly. */
static void list_linear(struct dt_case *c)
{
	ZydisDecoder d;
	ZydisDecodedInstruction zi;
	uint32_t off = 0;

	ZydisDecoderInit(&d, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
	c->ninsns = 0;
	while (off < c->code_len && c->ninsns < DT_MAX_INSNS) {
		c->mask_before[c->ninsns] = (uint16_t)c->defined_flags;
		c->insn_off[c->ninsns++] = (uint16_t)off;
		if (!ZYAN_SUCCESS(ZydisDecoderDecodeInstruction(&d, NULL,
				c->code + off, c->code_len - off, &zi)))
			break;
		off += zi.length;
	}
}

bool dt_verify_case(struct dt_case *c, char *what, size_t len)
{
	ZydisDecoder d;
	ZydisDecodedInstruction zi;

	if (!c->ninsns)
		list_linear(c);
	ZydisDecoderInit(&d, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
	for (uint32_t i = 0; i < c->ninsns; i++) {
		uint32_t off = c->insn_off[i];
		uint32_t end = i + 1 < c->ninsns ? c->insn_off[i + 1] : c->code_len;

		if (!ZYAN_SUCCESS(ZydisDecoderDecodeInstruction(&d, NULL,
				c->code + off, c->code_len - off, &zi))) {
			snprintf(what, len, "undecodable bytes at +%#x", off);
			return false;
		}
		if (zi.length != end - off) {
			snprintf(what, len, "instruction at +%#x decodes to %u "
				 "bytes, generator emitted %u", off, zi.length,
				 end - off);
			return false;
		}
	}
	if (c->code[c->hlt_off] != 0xf4) {
		snprintf(what, len, "no final HLT");
		return false;
	}
	return true;
}

void dt_print_listing(FILE *f, const struct dt_case *c)
{
	ZydisDecoder d;
	ZydisFormatter fm;
	ZydisDecodedInstruction zi;
	ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
	char text[128];

	init_zydis(&d, &fm);
	for (uint32_t i = 0; i < c->ninsns; i++) {
		uint32_t off = c->insn_off[i];
		uint64_t addr = DT_CODE_BASE + off;

		fprintf(f, "  %08" PRIx64 "  ", addr);
		if (!ZYAN_SUCCESS(ZydisDecoderDecodeFull(&d, c->code + off,
				c->code_len - off, &zi, ops))) {
			fprintf(f, "(bad) %02x\n", c->code[off]);
			continue;
		}
		for (unsigned b = 0; b < 15; b++)
			if (b < zi.length)
				fprintf(f, "%02x", c->code[off + b]);
			else
				fprintf(f, "  ");
		ZydisFormatterFormatInstruction(&fm, &zi, ops,
			zi.operand_count_visible, text, sizeof(text), addr, NULL);
		fprintf(f, " %s\n", text);
	}
}

/* XMM/MM/MXCSR, when the case has SIMD state (difftest --simd). */
static void print_simd(FILE *f, const struct dt_simd *s)
{
	static const struct dt_simd zero;

	if (!memcmp(s, &zero, sizeof(zero)))
		return;
	for (int i = 0; i < 16; i++) {
		uint64_t x[2];

		memcpy(x, s->xmm[i], 16);
		fprintf(f, "    xmm%-2d %016" PRIx64 "%016" PRIx64 "%s", i, x[1],
			x[0], i & 1 ? "\n" : "  ");
	}
	for (int i = 0; i < 8; i++)
		if (gen_x87)
			fprintf(f, "    fp%d %04x:%016" PRIx64 "%s", i, s->fpse[i],
				s->mm[i], (i & 3) == 3 ? "\n" : "");
		else
			fprintf(f, "    mm%d %016" PRIx64 "%s", i, s->mm[i],
				(i & 3) == 3 ? "\n" : "");
	fprintf(f, "    mxcsr %08x\n", s->mxcsr);
}

void dt_print_state(FILE *f, const char *name, const struct dt_state *st)
{
	fprintf(f, "  %s:\n", name);
	for (int i = 0; i < 16; i += 4)
		fprintf(f, "    %-3s %016" PRIx64 "  %-3s %016" PRIx64
			"  %-3s %016" PRIx64 "  %-3s %016" PRIx64 "\n",
			gpr_names[i], st->gpr[i], gpr_names[i + 1], st->gpr[i + 1],
			gpr_names[i + 2], st->gpr[i + 2], gpr_names[i + 3],
			st->gpr[i + 3]);
	fprintf(f, "    rip %016" PRIx64 "  rflags %08" PRIx64 "\n", st->rip,
		st->rflags);
	print_simd(f, &st->simd);
}

void dt_report(FILE *f, const struct dt_case *c, const struct dt_result *ref,
	       const struct dt_result *got, const char *what)
{
	fprintf(f, "MISMATCH seed=%" PRIu64 ": %s\n", c->seed, what);
	fprintf(f, "  reproduce: difftest --seed=%" PRIu64 " --len=%u --count=1 "
		"--verbose\n", c->seed, c->len);
	fprintf(f, "  code (defined status flags at end: %#x):\n",
		c->defined_flags);
	dt_print_listing(f, c);
	dt_print_state(f, "initial", &c->init);
	if (ref)
		dt_print_state(f, ref->ok ? "unicorn" : "unicorn (failed)",
			       &ref->st);
	if (got)
		dt_print_state(f, got->ok ? "interp" : "interp (failed)",
			       &got->st);
}
