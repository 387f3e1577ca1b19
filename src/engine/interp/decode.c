// SPDX-License-Identifier: MIT
/*
 * Instruction decoding (Zydis) and the decoded-instruction cache.
 *
 * The cache is direct-mapped and keyed by the guest-physical address of
 * the instruction's first byte plus the code size it was decoded for.  A
 * hit costs one translation of the code page (itself cached across
 * instructions, see fetch_valid) and one tag compare; no Zydis call.
 *
 * Self-modifying code: every page holding a cached decode is marked in
 * guest_mem's code_pages bitmap; guest_mem calls every vCPU's cache back
 * on any write to such a page (by any vCPU or device) and each drops the
 * decodes whose bytes may overlap the write.
 * Instructions that cross a page boundary are cached under their own
 * tag (dc_cross_tag) with the bytes on the second page: their two halves
 * may live in unrelated physical pages, so every use fetches the tail
 * again (cross_hit) and the decode serves only while those bytes are
 * the same.  Code outside RAM is never cached.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "engine/interp/core.h"

#define MAX_INSN_LEN 15

static const struct exec_entry *exec_by_mnemonic[ZYDIS_MNEMONIC_MAX_VALUE + 1];
static bool exec_lazy[ZYDIS_MNEMONIC_MAX_VALUE + 1];
static bool exec_simple[ZYDIS_MNEMONIC_MAX_VALUE + 1];
static pthread_once_t exec_once = PTHREAD_ONCE_INIT;

static void exec_tables_init(void)
{
	static const struct exec_entry *const tables[] = {
		exec_alu_table, exec_shift_table, exec_muldiv_table,
		exec_bit_table, exec_mov_table, exec_string_table,
		exec_control_table, exec_stack_table, exec_flags_table,
		exec_bcd_table, exec_x87_table, exec_misc_table,
		exec_vmx_table,
	};

	for (unsigned t = 0; t < sizeof(tables) / sizeof(tables[0]); t++)
		for (const struct exec_entry *e = tables[t]; e->fn; e++)
			exec_by_mnemonic[e->mnemonic] = e;
	for (const ZydisMnemonic *m = exec_lazy_mnemonics; *m; m++)
		exec_lazy[*m] = true;
	for (const ZydisMnemonic *m = exec_simple_mnemonics; *m; m++)
		exec_simple[*m] = true;
}

void exec_system_or_ud(struct interp *ip, const struct insn *in)
{
	/* Lazy-aware handlers get here for their system forms (far
	 * branches, MOV to CRn...): the system side sees exact RFLAGS. */
	interp_flags_sync(ip);
	if (!interp_exec_system(ip, in))
		interp_raise(ip, X86_UD);
	/* It may have changed paging, CPL, the mode or interruptibility. */
	interp_fetch_drop(ip);
	ip->batch_break = true;
}


static void dcache_code_write(void *opaque, uint64_t gpa, uint64_t len)
{
	interp_dcache_invalidate(opaque, gpa, len);
}

int interp_decode_init(struct interp *ip)
{
	static const struct { ZydisMachineMode mm; ZydisStackWidth sw; } m[3] = {
		{ ZYDIS_MACHINE_MODE_LEGACY_16, ZYDIS_STACK_WIDTH_16 },
		{ ZYDIS_MACHINE_MODE_LEGACY_32, ZYDIS_STACK_WIDTH_32 },
		{ ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64 },
	};
	ZydisDecoder *d[3] = { &ip->dec16, &ip->dec32, &ip->dec64 };

	pthread_once(&exec_once, exec_tables_init);
	for (int i = 0; i < 3; i++) {
		if (ZYAN_FAILED(ZydisDecoderInit(d[i], m[i].mm, m[i].sw)))
			return -1;
		/* Without LZCNT/BMI1 in CPUID, F3 0F BD/BC execute as BSR/BSF. */
		ZydisDecoderEnableMode(d[i], ZYDIS_DECODER_MODE_LZCNT, ip->has_lzcnt);
		ZydisDecoderEnableMode(d[i], ZYDIS_DECODER_MODE_TZCNT, ip->has_bmi1);
	}
	/* mmap, not calloc: untouched zero pages (calloc memsets the whole
	 * ~19 MB under MALLOC_PERTURB_, which delays startup by 100s of ms). */
	ip->dcache = mmap(NULL, sizeof(*ip->dcache), PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ip->dcache == MAP_FAILED)
		ip->dcache = NULL;
	if (!ip->dcache)
		return -1;
	if (gmem_add_code_listener(ip->cfg.mem, dcache_code_write, ip)) {
		munmap(ip->dcache, sizeof(*ip->dcache));
		ip->dcache = NULL;
		return -1;
	}
	return 0;
}

void interp_decode_fini(struct interp *ip)
{
	struct guest_mem *gm = ip->cfg.mem;

	if (gm && ip->dcache)
		gmem_remove_code_listener(gm, dcache_code_write, ip);
	if (ip->dcache)
		munmap(ip->dcache, sizeof(*ip->dcache));
	ip->dcache = NULL;
}

/* A slot was filled or emptied: links and blocks that may lead to it
 * are checked again. */
static void dcache_changed(struct interp *ip)
{
	ip->link_gen++;
	ip->code_gen++;
}

void interp_dcache_flush(struct interp *ip)
{
	dcache_changed(ip);
	memset(ip->dcache->tag, 0, sizeof(ip->dcache->tag));
}

/* Empty slot i if it holds a decode starting in [start, end). */
static bool dcache_drop(struct decode_cache *dc, unsigned i, uint64_t start,
			uint64_t end)
{
	uint64_t a = dc->tag[i] >> 2;

	if (!dc->tag[i] || a < start || a >= end)
		return false;
	dc->tag[i] = 0;
	return true;
}

void interp_dcache_invalidate(struct interp *ip, uint64_t gpa, uint64_t len)
{
	struct decode_cache *dc = ip->dcache;
	uint64_t start = gpa >= MAX_INSN_LEN - 1 ? gpa - (MAX_INSN_LEN - 1) : 0;
	uint64_t end = gpa + len;
	bool dropped = false;

	/* A write next to code but into no cached decode's bytes (data
	 * on a code page) changes nothing: links and blocks stay. */
	if (end - start >= DCACHE_SIZE) {
		for (unsigned i = 0; i < DCACHE_SIZE; i++)
			dropped |= dcache_drop(dc, i, start, end);
	} else {
		for (uint64_t a = start; a < end; a++)
			dropped |= dcache_drop(dc, dc_slot(a), a, a + 1);
	}
	if (dropped)
		dcache_changed(ip);
}

static unsigned cc_of(const ZydisDecodedInstruction *zi)
{
	return zi->opcode & 0xf;
}

/*
 * Handlers chosen by operand form once the operands are known: register
 * and immediate forms of the ALU instructions and 64-bit Jcc skip the
 * tests the general handlers make on every execution.  simple (interp.h)
 * only for register-only forms of the mnemonics exec_simple_mnemonics
 * lists (they cannot fault nor reach memory, RIP or a device), LEA
 * without RIP, and the memory forms of exec_body.c (their body handler
 * only hits the host-pointer TLB).
 */
static void pick_form(struct insn *in, ZydisMnemonic mn)
{
	insn_exec_fn fn = NULL;

	in->simple = false;
	in->mem_body = false;
	in->jcc64 = false;
	in->branch64 = BR64_NONE;
	in->body = in->exec;
	if (in->exec == exec_system_or_ud || !in->lazy)
		return;
	if (in->regs_only)
		fn = exec_alu_form(in);
	if (!fn)
		fn = exec_mov_form(in);
	if (!fn) {
		fn = exec_jcc_form(in);
		in->jcc64 = fn != NULL;
	}
	if (!fn && (fn = exec_branch_form(in)))
		in->branch64 = in->zi.mnemonic == ZYDIS_MNEMONIC_CALL ?
			       BR64_CALL : BR64_RET;
	if (fn)
		in->exec = fn;
	in->body = in->exec;
	in->simple = in->mode == 64 && in->regs_only && in->lazy &&
		     exec_simple[mn];
	if (!in->simple && exec_body_lea(in))
		in->simple = true;
	if (!in->simple && (fn = exec_body_form(in))) {
		in->simple = in->mem_body = true;
		in->body = fn;
	}
}

static void decode_fill(struct interp *ip, struct insn *in, unsigned mode)
{
	ZydisMnemonic mn = in->zi.mnemonic;
	const struct exec_entry *e = NULL;
	insn_exec_fn fn = NULL;
	bool lazy = false;

	in->len = in->zi.length;
	in->mode = (uint8_t)mode;
	in->ipmask = width_mask(mode);
	in->cc = (uint8_t)cc_of(&in->zi);
	if ((unsigned)mn <= ZYDIS_MNEMONIC_MAX_VALUE)
		e = exec_by_mnemonic[mn];
	fn = simd_decode(ip, in);
	if (fn)
		lazy = exec_lazy[mn];   /* the SIMD forms of lflags.c's list */
	if (!fn && e) {
		unsigned sz = in->zi.operand_count ? in->ops[0].size : 0;
		int k = sz == 8 ? 0 : sz == 16 ? 1 : sz == 32 ? 2 : sz == 64 ? 3 : -1;

		fn = k >= 0 && e->sized[k] ? e->sized[k] : e->fn;
		lazy = exec_lazy[mn];
	}
	/* Only legacy-encoded general-purpose forms are ours; the same
	 * mnemonic with VEX/EVEX or SSE (MOVSD/CMPSD) goes elsewhere. */
	if (in->zi.encoding != ZYDIS_INSTRUCTION_ENCODING_LEGACY)
		fn = NULL;
	in->exec = fn ? fn : exec_system_or_ud;
	in->lazy = fn && lazy;
	memset(in->link_gen, 0, sizeof(in->link_gen));   /* no links yet */
	in->blk_gen = 0;                                 /* no block yet */
	insn_predecode_operands(in);
	pick_form(in, mn);
}

static const ZydisDecoder *decoder_for(struct interp *ip, unsigned mode)
{
	return mode == 64 ? &ip->dec64 : mode == 32 ? &ip->dec32 : &ip->dec16;
}

bool interp_executes(struct interp *ip, const uint8_t *bytes, unsigned len,
		     unsigned mode)
{
	struct insn tmp;

	if (ZYAN_FAILED(ZydisDecoderDecodeFull(decoder_for(ip, mode), bytes, len,
					       &tmp.zi, tmp.ops)))
		return false;
	decode_fill(ip, &tmp, mode);
	if (tmp.exec == exec_system_or_ud)
		return interp_sys_known(&tmp);
	return !simd_is_ud(tmp.exec);
}

/*
 * The fetch state now maps lin's page to gpa's (code size mode): links
 * are checked again (link_gen).  Blocks are valid only at the RIP they
 * were built for (their Jcc's targets are RIPs), and the same decodes
 * are reached at another RIP only through another linear page mapping
 * the same guest-physical one: so a code page fetched through another
 * linear page than the last time moves code_gen too.  Fetched through
 * the same one (after a VM entry or exit, a system instruction, a
 * branch to another page and back) it keeps its blocks.
 */
static void fetch_set(struct interp *ip, uint64_t lin, uint64_t gpa,
		      unsigned mode)
{
	uint64_t lp = lin >> GUEST_PAGE_SHIFT, gp = gpa >> GUEST_PAGE_SHIFT;
	struct fetch_alias *a = &ip->fetch_alias[gp % FETCH_ALIAS_SIZE];

	ip->fetch_lin_page = lp;
	ip->fetch_gpa_page = gp << GUEST_PAGE_SHIFT;
	ip->fetch_mode = (uint8_t)mode;
	ip->fetch_valid = true;
	ip->link_gen++;
	if (a->lin_page != lp || a->gpa_page != gp) {
		a->lin_page = lp;
		a->gpa_page = gp;
		ip->code_gen++;
	}
}

/*
 * The fetch position of rip as mem_fetch() computes it: the linear
 * address and how many bytes it fetches (up to the CS limit outside
 * 64-bit mode).
 */
static uint64_t fetch_lin(struct interp *ip, uint64_t rip, unsigned *len)
{
	const struct seg_reg *cs = &ip->s.seg[SEG_CS];

	*len = MAX_INSN_LEN;
	if (cpu_64bit_mode(&ip->s))
		return rip;
	if (*len > cs->limit - rip + 1)
		*len = (unsigned)(cs->limit - rip + 1);
	return (cs->base + rip) & 0xffffffffull;
}

/*
 * A cached page-crossing decode, in, at rip (its first page translated,
 * its bytes there watched): fetch its tail as mem_fetch() would - the
 * same translation of the next page with its faults (#PF with CR2 there,
 * EPT exits) and accessed flags, the same physical read - and use in if
 * the bytes are the ones it was decoded from.  That is exact whatever
 * happened to the second page (remapped, written, another CR3 or EPT)
 * without watching it.  False also when the CS limit ends on the first
 * page: decode_miss() then raises its fault.  On a hit the fetch state
 * moves to the second page.
 */
static bool cross_hit(struct interp *ip, const struct insn *in, uint64_t rip)
{
	uint8_t tail[MAX_INSN_LEN];
	unsigned len, head;
	uint64_t lin = fetch_lin(ip, rip, &len), gpa2;

	head = GUEST_PAGE_SIZE - (unsigned)(lin & (GUEST_PAGE_SIZE - 1));
	if (len < head + in->cross_n)
		return false;
	lin += head;
	if (!cpu_long_mode(&ip->s))
		lin &= 0xffffffffull;
	mmu_translate(ip, lin, ACC_FETCH, false, &gpa2);
	phys_read(ip, gpa2, tail, len - head);
	if (memcmp(tail, in->cross_tail, in->cross_n))
		return false;
	/* The next instruction is most likely on that page: make its
	 * translation the fetch state's (interp_decode's, same access). */
	fetch_set(ip, lin, gpa2, in->mode);
	return true;
}

/* Slow path: fetch bytes through the system side, decode, maybe cache. */
static const struct insn *decode_miss(struct interp *ip, uint64_t rip,
				      uint64_t lin, uint64_t gpa, unsigned mode)
{
	uint8_t buf[MAX_INSN_LEN];
	uint64_t fgpa, dummy;
	unsigned n = mem_fetch(ip, rip, buf, MAX_INSN_LEN, &fgpa);
	struct insn tmp;
	ZyanStatus st;

	st = ZydisDecoderDecodeFull(decoder_for(ip, mode), buf, n, &tmp.zi, tmp.ops);
	if (st == ZYDIS_STATUS_NO_MORE_DATA && n < MAX_INSN_LEN) {
		/* The instruction continues on the next page: fetch it (this
		 * raises the #PF if that page is not mapped). */
		n += mem_fetch(ip, rip + n, buf + n, MAX_INSN_LEN - n, &dummy);
		st = ZydisDecoderDecodeFull(decoder_for(ip, mode), buf, n,
					    &tmp.zi, tmp.ops);
	}
	if (ZYAN_FAILED(st)) {
		if (st == ZYDIS_STATUS_INSTRUCTION_TOO_LONG)
			interp_raise_err(ip, X86_GP, 0);
		interp_raise(ip, X86_UD);
	}
	ip->decode_misses++;
	decode_fill(ip, &tmp, mode);

	unsigned head = GUEST_PAGE_SIZE - (unsigned)(lin & (GUEST_PAGE_SIZE - 1));
	unsigned i = dc_slot(gpa);

	tmp.cross_n = 0;
	if (tmp.len > head) {
		/* Checked on every use (cross_hit): neither a block head
		 * nor body, nor linked. */
		tmp.simple = false;
		tmp.cross_n = (uint8_t)(tmp.len - head);
		memcpy(tmp.cross_tail, buf + head, tmp.cross_n);
	}
	if (fgpa != gpa || !gmem_range_ok(ip->cfg.mem, gpa, tmp.len - tmp.cross_n)) {
		/* Not a block head nor body: the scratch decode changes
		 * without link_gen moving. */
		tmp.simple = false;
		ip->scratch = tmp;
		return &ip->scratch;
	}
	ip->dcache->e[i] = tmp;
	ip->dcache->tag[i] = tmp.cross_n ? dc_cross_tag(gpa) : dc_tag(gpa, mode);
	dcache_changed(ip);
	gmem_mark_code_page(ip->cfg.mem, gpa);
	return &ip->dcache->e[i];
}

const struct insn *interp_decode(struct interp *ip)
{
	const struct insn *in = interp_decode_fast(ip);
	unsigned mode;
	uint64_t rip = ip->s.rip;
	uint64_t lin, gpa;

	if (in)
		return in;
	mode = interp_code_bits(ip);
	if (mode == 64) {
		lin = rip;
	} else {
		/* CS limit (SDM 5.3): the first byte must be inside. */
		if (rip > ip->s.seg[SEG_CS].limit)
			interp_raise_err(ip, X86_GP, 0);
		lin = (ip->s.seg[SEG_CS].base + rip) & 0xffffffffull;
		if (!(ip->s.cr0 & CR0_PE))
			lin = ip->s.seg[SEG_CS].base + rip;
	}
	if (ip->fetch_valid && ip->fetch_mode == mode &&
	    (lin >> GUEST_PAGE_SHIFT) == ip->fetch_lin_page) {
		gpa = ip->fetch_gpa_page | (lin & (GUEST_PAGE_SIZE - 1));
	} else {
		mmu_translate(ip, lin, ACC_FETCH, false, &gpa);
		fetch_set(ip, lin, gpa, mode);
	}

	unsigned i = dc_slot(gpa);
	const struct insn *e = &ip->dcache->e[i];

	if (__builtin_expect(ip->dcache->tag[i] == dc_tag(gpa, mode), 1))
		in = e;
	else if (ip->dcache->tag[i] == dc_cross_tag(gpa) && e->mode == mode &&
		 cross_hit(ip, e, rip))
		in = e;
	else
		in = decode_miss(ip, rip, lin, gpa, mode);
	if (mode != 64 && rip + in->len - 1 > ip->s.seg[SEG_CS].limit)
		interp_raise_err(ip, X86_GP, 0);
	return in;
}
