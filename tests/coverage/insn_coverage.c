// SPDX-License-Identifier: MIT
/*
 * Instruction coverage of real x86-64 binaries: decode every executable
 * section of each ELF64 file given (Debian's vmlinux and busybox-static,
 * fetched by fetch-binaries.sh) with Zydis, linearly, and list the
 * mnemonics the interpreter does not execute although the CPU model
 * advertises their ISA extension.  Exit 0 when that list is empty, 1
 * when not, 77 (skipped) when no binary was given.
 *
 *   insn_coverage [-v] FILE...
 * -v also lists the mnemonics of extensions the model does not advertise
 * (AVX, ...): those stay #UD by design.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../interp/harness.h"

/* <elf.h> after harness.h: its PF_* program-header flags would clash
 * with the interpreter's page-fault error-code bits. */
#undef PF_W
#undef PF_R
#undef PF_X
#include <elf.h>

#define NEVER (-1)
#define ALWAYS (-2)

/* Zydis ISA extension -> the CPU model feature that advertises it. */
static int ext_feature(ZydisISAExt e)
{
	static const struct { ZydisISAExt ext; int feat; } map[] = {
		{ ZYDIS_ISA_EXT_BASE, ALWAYS }, { ZYDIS_ISA_EXT_LONGMODE, ALWAYS },
		{ ZYDIS_ISA_EXT_PAUSE, ALWAYS },
		{ ZYDIS_ISA_EXT_X87, X86_FEAT_FPU }, { ZYDIS_ISA_EXT_MMX, X86_FEAT_MMX },
		{ ZYDIS_ISA_EXT_SSE, X86_FEAT_SSE }, { ZYDIS_ISA_EXT_SSE2, X86_FEAT_SSE2 },
		{ ZYDIS_ISA_EXT_SSE3, X86_FEAT_SSE3 }, { ZYDIS_ISA_EXT_SSSE3, X86_FEAT_SSSE3 },
		{ ZYDIS_ISA_EXT_SSE4, X86_FEAT_SSE4_1 }, { ZYDIS_ISA_EXT_AES, X86_FEAT_AES },
		{ ZYDIS_ISA_EXT_PCLMULQDQ, X86_FEAT_PCLMULQDQ },
		{ ZYDIS_ISA_EXT_AVX, X86_FEAT_AVX }, { ZYDIS_ISA_EXT_AVX2, X86_FEAT_AVX2 },
		{ ZYDIS_ISA_EXT_AVXAES, X86_FEAT_AVX }, { ZYDIS_ISA_EXT_F16C, X86_FEAT_F16C },
		{ ZYDIS_ISA_EXT_FMA, X86_FEAT_FMA }, { ZYDIS_ISA_EXT_BMI1, X86_FEAT_BMI1 },
		{ ZYDIS_ISA_EXT_BMI2, X86_FEAT_BMI2 }, { ZYDIS_ISA_EXT_ADOX_ADCX, X86_FEAT_ADX },
		{ ZYDIS_ISA_EXT_LZCNT, X86_FEAT_ABM }, { ZYDIS_ISA_EXT_MOVBE, X86_FEAT_MOVBE },
		{ ZYDIS_ISA_EXT_CLFSH, X86_FEAT_CLFLUSH },
		{ ZYDIS_ISA_EXT_CLFLUSHOPT, X86_FEAT_CLFLUSHOPT },
		{ ZYDIS_ISA_EXT_MONITOR, X86_FEAT_MONITOR }, { ZYDIS_ISA_EXT_PKU, X86_FEAT_PKU },
		{ ZYDIS_ISA_EXT_RDPID, X86_FEAT_RDPID }, { ZYDIS_ISA_EXT_RDRAND, X86_FEAT_RDRAND },
		{ ZYDIS_ISA_EXT_RDSEED, X86_FEAT_RDSEED }, { ZYDIS_ISA_EXT_RDTSCP, X86_FEAT_RDTSCP },
		{ ZYDIS_ISA_EXT_RDWRFSGS, X86_FEAT_FSGSBASE }, { ZYDIS_ISA_EXT_SMAP, X86_FEAT_SMAP },
		{ ZYDIS_ISA_EXT_SMX, X86_FEAT_SMX }, { ZYDIS_ISA_EXT_VTX, X86_FEAT_VMX },
		{ ZYDIS_ISA_EXT_VMFUNC, X86_FEAT_VMX }, { ZYDIS_ISA_EXT_XSAVE, X86_FEAT_XSAVE },
		{ ZYDIS_ISA_EXT_XSAVEC, X86_FEAT_XSAVEC },
		{ ZYDIS_ISA_EXT_XSAVEOPT, X86_FEAT_XSAVEOPT },
		{ ZYDIS_ISA_EXT_XSAVES, X86_FEAT_XSAVES }, { ZYDIS_ISA_EXT_INVPCID, X86_FEAT_INVPCID },
		{ ZYDIS_ISA_EXT_AMD3DNOW_PREFETCH, X86_FEAT_PREFETCHW },
		{ ZYDIS_ISA_EXT_SVM, X86_FEAT_SVM }, { ZYDIS_ISA_EXT_SHA, X86_FEAT_SHA_NI },
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (map[i].ext == e)
			return map[i].feat;
	return NEVER;
}

struct tally {
	unsigned long missing[ZYDIS_MNEMONIC_MAX_VALUE + 1];
	unsigned long unadvertised[ZYDIS_MNEMONIC_MAX_VALUE + 1];
	ZydisISAExt ext[ZYDIS_MNEMONIC_MAX_VALUE + 1];
	unsigned long insns;
};

static struct harness h;
static struct tally t;

/* CET is not advertised, but ENDBR32/64 and RDSSP live in the hint-NOP
 * space and execute as NOPs without it (the rest of CET #UDs). */
static bool cet_hint(ZydisMnemonic m)
{
	return m == ZYDIS_MNEMONIC_ENDBR32 || m == ZYDIS_MNEMONIC_ENDBR64 ||
	       m == ZYDIS_MNEMONIC_RDSSPD || m == ZYDIS_MNEMONIC_RDSSPQ;
}

static bool advertised(const ZydisDecodedInstruction *zi)
{
	int f = ext_feature(zi->meta.isa_ext);

	if (zi->meta.isa_ext == ZYDIS_ISA_EXT_CET)
		return cet_hint(zi->mnemonic);
	return f == ALWAYS || (f != NEVER && cpu_has(&h.ip->cfg.model, f));
}

static void scan(const uint8_t *code, size_t len)
{
	ZydisDecoder dec;
	ZydisDecodedInstruction zi;
	size_t off = 0;

	ZydisDecoderInit(&dec, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
	while (off < len) {
		if (ZYAN_FAILED(ZydisDecoderDecodeInstruction(&dec, NULL, code + off,
							      len - off, &zi))) {
			off++;
			continue;
		}
		t.insns++;
		if (!interp_executes(h.ip, code + off, zi.length, 64)) {
			if (advertised(&zi))
				t.missing[zi.mnemonic]++;
			else
				t.unadvertised[zi.mnemonic]++;
			t.ext[zi.mnemonic] = zi.meta.isa_ext;
		}
		off += zi.length;
	}
}

/* Every SHF_EXECINSTR section of an ELF64 file; -1 if it is not one. */
static int scan_elf(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long size;
	const Elf64_Ehdr *eh;

	if (!f)
		return -1;
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	rewind(f);
	buf = malloc(size > 0 ? (size_t)size : 1);
	if (!buf || size < (long)sizeof(Elf64_Ehdr) ||
	    fread(buf, 1, (size_t)size, f) != (size_t)size) {
		fclose(f);
		free(buf);
		return -1;
	}
	fclose(f);
	eh = (const Elf64_Ehdr *)buf;
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_shoff + (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr) > (uint64_t)size) {
		free(buf);
		return -1;
	}
	for (unsigned i = 0; i < eh->e_shnum; i++) {
		const Elf64_Shdr *sh = (const Elf64_Shdr *)(buf + eh->e_shoff) + i;

		if (sh->sh_type == SHT_PROGBITS && (sh->sh_flags & SHF_EXECINSTR) &&
		    sh->sh_offset + sh->sh_size <= (uint64_t)size)
			scan(buf + sh->sh_offset, sh->sh_size);
	}
	free(buf);
	return 0;
}

static unsigned report(const unsigned long *count, const char *what)
{
	unsigned n = 0;

	for (unsigned m = 0; m <= ZYDIS_MNEMONIC_MAX_VALUE; m++) {
		if (!count[m])
			continue;
		printf("%s %-14s %8lu  (%s)\n", what, ZydisMnemonicGetString(m),
		       count[m], ZydisISAExtGetString(t.ext[m]));
		n++;
	}
	return n;
}

int main(int argc, char **argv)
{
	bool verbose = argc > 1 && !strcmp(argv[1], "-v");
	unsigned files = 0, missing;

	h_init(&h);
	for (int i = verbose ? 2 : 1; i < argc; i++) {
		if (scan_elf(argv[i])) {
			fprintf(stderr, "insn_coverage: %s: not a readable ELF64 file\n",
				argv[i]);
			return 2;
		}
		files++;
	}
	if (!files) {
		fprintf(stderr, "insn_coverage: no binaries (fetch-binaries.sh could not fetch them)\n");
		return 77;
	}
	missing = report(t.missing, "missing");
	if (verbose)
		report(t.unadvertised, "not-advertised");
	printf("%lu instructions decoded in %u files; %u mnemonics of advertised "
	       "extensions not executed\n", t.insns, files, missing);
	h_fini(&h);
	return missing ? 1 : 0;
}
