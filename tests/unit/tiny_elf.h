/* SPDX-License-Identifier: MIT */
/*
 * Test helper: build small ELF64 images in memory (and in temp files), and
 * a hand-assembled "hello" firmware that prints a line on the UART and
 * exits through the debug-exit port.
 */
#ifndef VMXBOX_TESTS_TINY_ELF_H
#define VMXBOX_TESTS_TINY_ELF_H

#include <elf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct tiny_seg {
	uint64_t paddr;
	const void *data;
	uint64_t filesz;
	uint64_t memsz;
};

struct tiny_elf_opts {
	uint8_t cls;        /* ELFCLASS64 unless set */
	uint16_t machine;   /* EM_X86_64 unless set */
	uint16_t type;      /* ET_EXEC unless set */
};

/* Header, program headers, then each segment's bytes.  Returns the size
 * (the buffer is malloc'ed into *out). */
static inline size_t tiny_elf_build(uint8_t **out, uint64_t entry,
				    const struct tiny_seg *segs, unsigned n,
				    const struct tiny_elf_opts *o)
{
	size_t off = sizeof(Elf64_Ehdr) + n * sizeof(Elf64_Phdr), total = off;
	Elf64_Ehdr eh = { 0 };
	uint8_t *buf;

	for (unsigned i = 0; i < n; i++)
		total += segs[i].filesz;
	buf = calloc(1, total);
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = o && o->cls ? o->cls : ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_type = o && o->type ? o->type : ET_EXEC;
	eh.e_machine = o && o->machine ? o->machine : EM_X86_64;
	eh.e_version = EV_CURRENT;
	eh.e_entry = entry;
	eh.e_phoff = sizeof(Elf64_Ehdr);
	eh.e_ehsize = sizeof(Elf64_Ehdr);
	eh.e_phentsize = sizeof(Elf64_Phdr);
	eh.e_phnum = (uint16_t)n;
	memcpy(buf, &eh, sizeof(eh));
	for (unsigned i = 0; i < n; i++) {
		Elf64_Phdr ph = {
			.p_type = PT_LOAD, .p_flags = PF_R | PF_W | PF_X,
			.p_offset = off, .p_vaddr = segs[i].paddr,
			.p_paddr = segs[i].paddr, .p_filesz = segs[i].filesz,
			.p_memsz = segs[i].memsz, .p_align = 0x1000,
		};
		memcpy(buf + sizeof(eh) + i * sizeof(ph), &ph, sizeof(ph));
		if (segs[i].filesz)
			memcpy(buf + off, segs[i].data, segs[i].filesz);
		off += segs[i].filesz;
	}
	*out = buf;
	return total;
}

/* Write len bytes to a new temp file; returns its malloc'ed path. */
static inline char *tiny_write_temp(const void *buf, size_t len)
{
	char *path = strdup("/tmp/vmxbox-test-XXXXXX");
	int fd = mkstemp(path);

	if (fd < 0 || write(fd, buf, len) != (ssize_t)len) {
		perror("tiny_write_temp");
		abort();
	}
	close(fd);
	return path;
}

#define TINY_HELLO_LOAD 0x100000ull
#define TINY_HELLO_TEXT "hello from vmxbox\n"
#define TINY_HELLO_STATUS 42

/*
 * 64-bit code at 1 MiB:
 *   mov dx, 0x3f8 ; lea rsi, [rip + msg]
 * l: mov al, [rsi] ; test al, al ; jz done ; out dx, al ; inc rsi ; jmp l
 * done: mov al, 42 ; out 0xf4, al ; hlt
 * msg: "hello from vmxbox\n", 0
 */
static inline size_t tiny_hello_code(uint8_t *code)
{
	static const uint8_t insns[] = {
		0x66, 0xba, 0xf8, 0x03,             /* mov dx, 0x3f8 */
		0x48, 0x8d, 0x35, 0x11, 0, 0, 0,    /* lea rsi, [rip+17] */
		0x8a, 0x06,                         /* l: mov al, [rsi] */
		0x84, 0xc0,                         /* test al, al */
		0x74, 0x06,                         /* jz done */
		0xee,                               /* out dx, al */
		0x48, 0xff, 0xc6,                   /* inc rsi */
		0xeb, 0xf4,                         /* jmp l */
		0xb0, TINY_HELLO_STATUS,            /* done: mov al, 42 */
		0xe6, 0xf4,                         /* out 0xf4, al */
		0xf4,                               /* hlt */
	};
	memcpy(code, insns, sizeof(insns));
	memcpy(code + sizeof(insns), TINY_HELLO_TEXT, sizeof(TINY_HELLO_TEXT));
	return sizeof(insns) + sizeof(TINY_HELLO_TEXT);
}

/* Raw code loaded and entered at 1 MiB, as a temp ELF (malloc'ed path). */
static inline char *tiny_code_file(const void *code, size_t n)
{
	struct tiny_seg seg = { TINY_HELLO_LOAD, code, n, 0x2000 };
	uint8_t *elf;
	size_t len = tiny_elf_build(&elf, TINY_HELLO_LOAD, &seg, 1, NULL);
	char *path = tiny_write_temp(elf, len);

	free(elf);
	return path;
}

/* The hello firmware as a temp file (malloc'ed path). */
static inline char *tiny_hello_file(void)
{
	uint8_t code[128];

	return tiny_code_file(code, tiny_hello_code(code));
}

#endif
