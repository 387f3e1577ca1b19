// SPDX-License-Identifier: MIT
/*
 * `vmxbox inspect --mem` / `--disasm`: memory of a snapshot as a hex dump
 * and as instructions (Zydis), read through vCPU 0's page tables.
 */
#include "snapshot/snap_print.h"

#include "core/page_walk.h"

#include <Zydis/Zydis.h>
#include <ctype.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static bool read_table(void *opaque, uint64_t gpa, void *buf, unsigned len)
{
	return snap_mem_read(opaque, gpa, buf, len);
}

/* Through vCPU 0's paging (core/page_walk.h). */
bool snap_translate(const struct snapshot_machine *s, uint64_t lin,
		    uint64_t *gpa)
{
	return page_walk(&s->cpus[0], lin, read_table, (void *)s, gpa);
}

/* Read linear bytes page by page; returns how many could be read. */
static size_t read_lin(const struct snapshot_machine *s, uint64_t lin,
		       uint8_t *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		uint64_t a = lin + done, gpa;
		size_t n = GUEST_PAGE_SIZE - (a & (GUEST_PAGE_SIZE - 1));

		if (n > len - done)
			n = len - done;
		if (!snap_translate(s, a, &gpa) || !snap_mem_read(s, gpa, buf + done, n))
			break;
		done += n;
	}
	return done;
}

#define MEM_DUMP_MAX (16ull << 20)

int snap_print_mem(FILE *f, struct jout *j, const struct snapshot_machine *s,
		   uint64_t addr, uint64_t len, char *err, size_t errlen)
{
	if (len > MEM_DUMP_MAX) {
		snprintf(err, errlen, "--mem: at most %llu bytes at a time",
			 (unsigned long long)MEM_DUMP_MAX);
		return -1;
	}
	uint8_t *buf = malloc(len ? len : 1);

	if (!buf || !snap_mem_read(s, addr, buf, len)) {
		snprintf(err, errlen, "--mem: [%#" PRIx64 ", +%#" PRIx64
			 ") is outside guest RAM (%#" PRIx64 " bytes)",
			 addr, len, s->config.ram_size);
		free(buf);
		return -1;
	}
	if (j) {
		jw_key(j, "mem");
		jw_obj(j);
		jw_key(j, "addr"); jw_hex(j, addr);
		jw_key(j, "len"); jw_uint(j, len);
		jw_key(j, "hex"); jw_bytes_hex(j, buf, len);
		jw_end_obj(j);
		free(buf);
		return 0;
	}
	fprintf(f, "memory [%#" PRIx64 ", %#" PRIx64 "):\n", addr, addr + len);
	for (uint64_t off = 0; off < len; off += 16) {
		uint64_t n = len - off < 16 ? len - off : 16;

		fprintf(f, "  %016" PRIx64 " ", addr + off);
		for (uint64_t i = 0; i < 16; i++) {
			if (i < n)
				fprintf(f, " %02x", buf[off + i]);
			else
				fputs("   ", f);
			if (i == 7)
				fputc(' ', f);
		}
		fputs("  |", f);
		for (uint64_t i = 0; i < n; i++)
			fputc(isprint(buf[off + i]) ? buf[off + i] : '.', f);
		fputs("|\n", f);
	}
	free(buf);
	return 0;
}

#define DISASM_MAX 10000

int snap_print_disasm(FILE *f, struct jout *j, const struct snapshot_machine *s,
		      uint64_t addr, bool use_rip, unsigned n, char *err,
		      size_t errlen)
{
	const struct cpu_state *c = &s->cpus[0];
	ZydisDecoder dec;
	ZydisFormatter fmt;
	ZydisMachineMode mode = ZYDIS_MACHINE_MODE_LEGACY_16;
	ZydisStackWidth sw = ZYDIS_STACK_WIDTH_16;
	unsigned bits = 16;

	if (n > DISASM_MAX) {
		snprintf(err, errlen, "--disasm: at most %u instructions", DISASM_MAX);
		return -1;
	}
	if (cpu_64bit_mode(c)) {
		mode = ZYDIS_MACHINE_MODE_LONG_64;
		sw = ZYDIS_STACK_WIDTH_64;
		bits = 64;
	} else if ((c->cr0 & CR0_PE) && (c->seg[SEG_CS].ar & SEG_AR_DB)) {
		mode = cpu_long_mode(c) ? ZYDIS_MACHINE_MODE_LONG_COMPAT_32
					: ZYDIS_MACHINE_MODE_LEGACY_32;
		sw = ZYDIS_STACK_WIDTH_32;
		bits = 32;
	}
	if (use_rip)
		addr = bits == 64 ? c->rip : (c->seg[SEG_CS].base + c->rip) & 0xffffffffull;
	if (ZYAN_FAILED(ZydisDecoderInit(&dec, mode, sw)) ||
	    ZYAN_FAILED(ZydisFormatterInit(&fmt, ZYDIS_FORMATTER_STYLE_INTEL))) {
		snprintf(err, errlen, "--disasm: Zydis initialisation failed");
		return -1;
	}
	if (j) {
		jw_key(j, "disasm");
		jw_arr(j);
	} else {
		fprintf(f, "disassembly at %#" PRIx64 " (%u-bit code):\n", addr, bits);
	}
	for (unsigned i = 0; i < n; i++) {
		uint8_t buf[ZYDIS_MAX_INSTRUCTION_LENGTH];
		size_t got = read_lin(s, addr, buf, sizeof(buf));
		ZydisDecodedInstruction in;
		ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
		char text[256];
		unsigned len = 1;

		if (!got) {
			if (!j)
				fprintf(f, "  %016" PRIx64 "  <not mapped>\n", addr);
			break;
		}
		if (ZYAN_SUCCESS(ZydisDecoderDecodeFull(&dec, buf, got, &in, ops)) &&
		    ZYAN_SUCCESS(ZydisFormatterFormatInstruction(&fmt, &in, ops,
				in.operand_count_visible, text, sizeof(text),
				addr, ZYAN_NULL)))
			len = in.length;
		else
			snprintf(text, sizeof(text), "(bad)");
		if (j) {
			jw_obj(j);
			jw_key(j, "addr"); jw_hex(j, addr);
			jw_key(j, "bytes"); jw_bytes_hex(j, buf, len);
			jw_key(j, "text"); jw_str(j, text);
			jw_end_obj(j);
		} else {
			fprintf(f, "  %016" PRIx64 "  ", addr);
			for (unsigned b = 0; b < 10; b++)
				if (b < len)
					fprintf(f, "%02x ", buf[b]);
				else
					fputs("   ", f);
			fprintf(f, " %s\n", text);
		}
		addr += len;
		if (bits != 64)
			addr &= 0xffffffffull;
	}
	if (j)
		jw_end_arr(j);
	return 0;
}
