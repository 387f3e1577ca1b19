// SPDX-License-Identifier: MIT
/*
 * String instructions MOVS STOS LODS SCAS CMPS with REP/REPE/REPNE
 * (SDM Vol. 2 "REP/REPE/REPZ/REPNE/REPNZ").  The address size picks
 * SI/ESI/RSI, DI/EDI/RDI and CX/ECX/RCX; DF picks the direction; the
 * source segment may be overridden, ES:rDI may not.
 *
 * Every iteration updates the registers after its memory accesses, so a
 * fault in iteration k leaves the state of k-1 completed iterations and
 * RIP at the instruction, as on hardware.  A long REP is cut at absolute
 * counts (interp_rep_cut(), interp.h): each part counts as an instruction.
 */
#include "engine/interp/core.h"

enum str_op { STR_MOVS, STR_STOS, STR_LODS, STR_SCAS, STR_CMPS };

static void addr_reg_set(struct interp *ip, unsigned gpr, uint64_t v,
			 unsigned asz)
{
	uint64_t *g = &ip->s.gpr[gpr];

	switch (asz) {
	case 64: *g = v; break;
	case 32: *g = (uint32_t)v; break;
	default: *g = (*g & ~0xffffull) | (v & 0xffff); break;
	}
}

static unsigned str_size(const struct insn *in)
{
	switch (in->zi.mnemonic) {
	case ZYDIS_MNEMONIC_MOVSB: case ZYDIS_MNEMONIC_STOSB:
	case ZYDIS_MNEMONIC_LODSB: case ZYDIS_MNEMONIC_SCASB:
	case ZYDIS_MNEMONIC_CMPSB:
		return 1;
	case ZYDIS_MNEMONIC_MOVSW: case ZYDIS_MNEMONIC_STOSW:
	case ZYDIS_MNEMONIC_LODSW: case ZYDIS_MNEMONIC_SCASW:
	case ZYDIS_MNEMONIC_CMPSW:
		return 2;
	case ZYDIS_MNEMONIC_MOVSQ: case ZYDIS_MNEMONIC_STOSQ:
	case ZYDIS_MNEMONIC_LODSQ: case ZYDIS_MNEMONIC_SCASQ:
	case ZYDIS_MNEMONIC_CMPSQ:
		return 8;
	default:
		return 4;
	}
}

/* One iteration; returns false when REPE/REPNE must stop. */
static void str_once(struct interp *ip, const struct insn *in, enum str_op op,
		     unsigned size, unsigned asz, unsigned seg)
{
	uint64_t *g = ip->s.gpr;
	uint64_t am = width_mask(asz);
	uint64_t delta = (ip->s.rflags & RFLAGS_DF) ? (uint64_t)0 - size : size;
	uint64_t si = g[GPR_RSI] & am, di = g[GPR_RDI] & am;
	unsigned bits = size * 8;
	uint64_t a, b;

	switch (op) {
	case STR_MOVS:
		a = mem_read_u(ip, seg, si, size);
		mem_write_u(ip, SEG_ES, di, a, size);
		addr_reg_set(ip, GPR_RSI, si + delta, asz);
		addr_reg_set(ip, GPR_RDI, di + delta, asz);
		break;
	case STR_STOS:
		mem_write_u(ip, SEG_ES, di, g[GPR_RAX], size);
		addr_reg_set(ip, GPR_RDI, di + delta, asz);
		break;
	case STR_LODS:
		a = mem_read_u(ip, seg, si, size);
		if (size == 4)
			g[GPR_RAX] = a;
		else
			g[GPR_RAX] = (g[GPR_RAX] & ~width_mask(bits)) | a;
		addr_reg_set(ip, GPR_RSI, si + delta, asz);
		break;
	case STR_SCAS:
		a = g[GPR_RAX] & width_mask(bits);
		b = mem_read_u(ip, SEG_ES, di, size);
		flags_set(ip, FLAGS_ARITH,
			  flags_sub(a, b, (a - b) & width_mask(bits), bits));
		addr_reg_set(ip, GPR_RDI, di + delta, asz);
		break;
	case STR_CMPS:
		a = mem_read_u(ip, seg, si, size);
		b = mem_read_u(ip, SEG_ES, di, size);
		flags_set(ip, FLAGS_ARITH,
			  flags_sub(a, b, (a - b) & width_mask(bits), bits));
		addr_reg_set(ip, GPR_RSI, si + delta, asz);
		addr_reg_set(ip, GPR_RDI, di + delta, asz);
		break;
	}
}

/* Whole elements of size bytes from lin on, towards lower addresses
 * when down, that lie in lin's page (0: the first one crosses it). */
static uint64_t page_room(uint64_t lin, unsigned size, bool down)
{
	uint64_t off = lin & (GUEST_PAGE_SIZE - 1);

	if (off + size > GUEST_PAGE_SIZE)
		return 0;
	return down ? off / size + 1 : (GUEST_PAGE_SIZE - off) / size;
}

/*
 * REP MOVS/STOS with a 64-bit address size: up to count iterations at
 * once while the destination (and source) stay within pages the
 * host-pointer TLB holds (so no fault, no MMIO, A/D set, no #AC: htlb.h),
 * the destination page is not watched (code or paging structures: those
 * go one by one, gmem_note_write per store), and the count does not pass
 * a cut (interp_rep_cut's multiples of INTERP_REP_CHUNK, where events are
 * taken).  Element by element, so overlapping MOVS repeats as on
 * hardware.  Updates RSI, RDI and RCX; returns the iterations done, 0
 * when the next one must take the full path (str_once).
 */
static uint64_t rep_run(struct interp *ip, enum str_op op, unsigned size,
			unsigned seg, uint64_t count)
{
	uint64_t *g = ip->s.gpr;
	bool down = ip->s.rflags & RFLAGS_DF;
	int64_t step = down ? -(int64_t)size : (int64_t)size;
	uint64_t di = g[GPR_RDI], si = g[GPR_RSI], dgpa, sgpa;
	uint64_t n = count & (INTERP_REP_CHUNK - 1);
	uint8_t *dst, *src = NULL;

	if (!n)
		n = INTERP_REP_CHUNK;
	if (n > count)
		n = count;
	n = n < page_room(di, size, down) ? n : page_room(di, size, down);
	if (op == STR_MOVS) {
		uint64_t sl = si;

		if (seg == SEG_FS || seg == SEG_GS)
			sl += ip->s.seg[seg].base;
		n = n < page_room(sl, size, down) ? n : page_room(sl, size, down);
		if (n)
			src = htlb_page(ip, ip->htlb.r, sl, &sgpa);
		if (!src)
			return 0;
		src += sl & (GUEST_PAGE_SIZE - 1);
	}
	dst = n ? htlb_page(ip, ip->htlb.w, di, &dgpa) : NULL;
	if (!dst || gmem_page_bit(ip->cfg.mem->watch_pages, dgpa))
		return 0;
	dst += di & (GUEST_PAGE_SIZE - 1);
	for (uint64_t i = 0; i < n; i++) {
		uint64_t v = src ? htlb_load_n(src + (int64_t)i * step, size)
				 : g[GPR_RAX];

		htlb_store_n(dst + (int64_t)i * step, v, size);
	}
	ip->tlb.hits += src ? 2 * n : n;
	g[GPR_RDI] = di + (uint64_t)step * n;
	if (src)
		g[GPR_RSI] = si + (uint64_t)step * n;
	g[GPR_RCX] = count - n;
	return n;
}

static void string_op(struct interp *ip, const struct insn *in, enum str_op op)
{
	unsigned size = str_size(in);
	unsigned asz = in->zi.address_width;
	unsigned seg = insn_data_seg(in);
	uint64_t attr = in->zi.attributes;
	bool cond = op == STR_SCAS || op == STR_CMPS;
	bool rep = attr & (ZYDIS_ATTRIB_HAS_REP | ZYDIS_ATTRIB_HAS_REPE |
			   ZYDIS_ATTRIB_HAS_REPNE);
	bool repne = attr & ZYDIS_ATTRIB_HAS_REPNE;
	uint64_t am = width_mask(asz);
	bool fast = asz == 64 && (op == STR_MOVS || op == STR_STOS);

	if (in->zi.opcode_map != ZYDIS_OPCODE_MAP_DEFAULT) {
		exec_system_or_ud(ip, in);   /* SSE MOVSD/CMPSD */
		return;
	}
	if (!rep) {
		str_once(ip, in, op, size, asz, seg);
		return;
	}
	for (uint64_t count = ip->s.gpr[GPR_RCX] & am; count; ) {
		uint64_t done = 0;

		if (fast)
			done = rep_run(ip, op, size, seg, count);
		if (done) {
			count -= done;
		} else {
			str_once(ip, in, op, size, asz, seg);
			count = (count - 1) & am;
			addr_reg_set(ip, GPR_RCX, count, asz);
		}
		if (cond && !(ip->s.rflags & RFLAGS_ZF) != repne)
			return;
		if (interp_rep_cut(ip, count))
			return;
	}
}

bool interp_rep_cut(struct interp *ip, uint64_t count)
{
	if (!count || (count & (INTERP_REP_CHUNK - 1)))
		return false;
	ip->s.rip = ip->insn_rip;
	ip->batch_break = true;
	return true;
}

/* The run loop counts the instruction and a TSC tick after exec returns:
 * cancel both, it has not retired. */
void interp_insn_retry(struct interp *ip)
{
	ip->s.rip = ip->insn_rip;
	ip->s.insn_count--;
	ip->s.tsc--;
	ip->batch_break = true;
}

static void exec_movs(struct interp *ip, const struct insn *in) { string_op(ip, in, STR_MOVS); }
static void exec_stos(struct interp *ip, const struct insn *in) { string_op(ip, in, STR_STOS); }
static void exec_lods(struct interp *ip, const struct insn *in) { string_op(ip, in, STR_LODS); }
static void exec_scas(struct interp *ip, const struct insn *in) { string_op(ip, in, STR_SCAS); }
static void exec_cmps(struct interp *ip, const struct insn *in) { string_op(ip, in, STR_CMPS); }

const struct exec_entry exec_string_table[] = {
	{ ZYDIS_MNEMONIC_MOVSB, exec_movs, { NULL } }, { ZYDIS_MNEMONIC_MOVSW, exec_movs, { NULL } },
	{ ZYDIS_MNEMONIC_MOVSD, exec_movs, { NULL } }, { ZYDIS_MNEMONIC_MOVSQ, exec_movs, { NULL } },
	{ ZYDIS_MNEMONIC_STOSB, exec_stos, { NULL } }, { ZYDIS_MNEMONIC_STOSW, exec_stos, { NULL } },
	{ ZYDIS_MNEMONIC_STOSD, exec_stos, { NULL } }, { ZYDIS_MNEMONIC_STOSQ, exec_stos, { NULL } },
	{ ZYDIS_MNEMONIC_LODSB, exec_lods, { NULL } }, { ZYDIS_MNEMONIC_LODSW, exec_lods, { NULL } },
	{ ZYDIS_MNEMONIC_LODSD, exec_lods, { NULL } }, { ZYDIS_MNEMONIC_LODSQ, exec_lods, { NULL } },
	{ ZYDIS_MNEMONIC_SCASB, exec_scas, { NULL } }, { ZYDIS_MNEMONIC_SCASW, exec_scas, { NULL } },
	{ ZYDIS_MNEMONIC_SCASD, exec_scas, { NULL } }, { ZYDIS_MNEMONIC_SCASQ, exec_scas, { NULL } },
	{ ZYDIS_MNEMONIC_CMPSB, exec_cmps, { NULL } }, { ZYDIS_MNEMONIC_CMPSW, exec_cmps, { NULL } },
	{ ZYDIS_MNEMONIC_CMPSD, exec_cmps, { NULL } }, { ZYDIS_MNEMONIC_CMPSQ, exec_cmps, { NULL } },
	{ 0, NULL, { NULL } },
};
