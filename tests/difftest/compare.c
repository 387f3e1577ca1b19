// SPDX-License-Identifier: MIT
/* Comparison and human-readable reports (Zydis formatter, Intel syntax). */
#include "compare.h"

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
