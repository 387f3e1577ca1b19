// SPDX-License-Identifier: MIT
/*
 * The 64-bit-mode memory fast paths (src/engine/interp/htlb.h, core.h
 * op_read_mem/op_write_mem, mem.c mem_read_u/mem_write_u, operand.c
 * interp_push/interp_pop): a hit on the host-pointer TLB skips
 * seg_linear, align_check and the TLB, so each test first lets an access
 * fill the entry, then checks that what the skipped code did still
 * happens: #AC at CPL 3, #GP/#SS for non-canonical addresses, FS bases,
 * page-crossing accesses, self-modifying code and page-table writes.
 * REP MOVS/STOS runs (exec_string.c): a #PF in the next page, overlap,
 * DF = 1, the cut points, watched pages.
 */
#include <check.h>
#include <stdlib.h>

#include "sysutil.h"

static struct harness h;

static void setup(void) { h_init(&h); }
static void teardown(void) { h_fini(&h); }

static void expect_fault(const void *code, size_t len, uint64_t n, int vector,
			 uint64_t off, bool err)
{
	enum engine_exit_reason r = su_run(&h, code, len, n);

	ck_assert_int_eq(h_fault_vector(&h, r), vector);
	ck_assert_uint_eq(h_fault_rip(&h, r, err), H_CODE + off);
}

/* An aligned access at CPL 3 with CR0.AM and RFLAGS.AC fills nothing
 * the next access could hit: the misaligned one after it on the same
 * page is still #AC(0) (SDM 6.15), loads and stores, 32 and 64 bits. */
START_TEST(ac_after_an_aligned_access)
{
	static const uint8_t st32[] = { 0x89, 0x03, 0x89, 0x43, 0x02, 0xf4 };
	static const uint8_t ld64[] = { 0x48, 0x8b, 0x03, 0x48, 0x8b, 0x43, 0x04,
					0xf4 };
	static const uint8_t st64[] = { 0x48, 0x89, 0x03, 0x48, 0x89, 0x43, 0x04,
					0xf4 };
	const uint8_t *code[] = { st32, ld64, st64 };
	const size_t len[] = { sizeof(st32), sizeof(ld64), sizeof(st64) };
	const uint64_t off[] = { 2, 3, 3 };
	const uint64_t left[] = { 0x55667788, 0, 0x1122334455667788ull };
	struct seg_reg cs0 = h.s->seg[SEG_CS], ss0 = h.s->seg[SEG_SS];

	for (unsigned i = 0; i < 3; i++) {
		h.s->seg[SEG_CS] = cs0;
		h.s->seg[SEG_SS] = ss0;
		h.s->cr0 |= CR0_AM;
		su_cpl3(&h);
		h.s->rflags |= RFLAGS_AC;
		G(RBX) = H_DATA + 0x100;
		G(RAX) = 0x1122334455667788ull;
		h_write64(&h, H_DATA + 0x100, 0);
		expect_fault(code[i], len[i], 5, X86_AC, off[i], true);
		/* The faulting store wrote nothing. */
		ck_assert_uint_eq(h_read64(&h, H_DATA + 0x100), left[i]);
	}
}
END_TEST

/* The canonical check is the htlb's tag compare: after a hit on H_DATA,
 * the same address with bit 47 flipped (non-canonical, same htlb index)
 * is #GP(0) through DS and #SS(0) through SS (RBP base). */
START_TEST(non_canonical_after_a_hit)
{
	static const uint8_t ld_ds[] = { 0x48, 0x8b, 0x03, 0x48, 0x8b, 0x03, 0xf4 };
	static const uint8_t ld_ss[] = { 0x48, 0x8b, 0x45, 0x00, 0x48, 0x8b, 0x45,
					 0x00, 0xf4 };
	static const uint8_t st_ds[] = { 0x48, 0x89, 0x03, 0x48, 0x89, 0x03, 0xf4 };

	h_write64(&h, H_DATA, 0x42);
	G(RBX) = H_DATA;
	ck_assert_int_eq(su_run(&h, ld_ds, 3, 1), ENGINE_EXIT_INSN_LIMIT);
	ck_assert_uint_eq(G(RAX), 0x42);
	G(RBX) = H_DATA | 1ull << 47;
	expect_fault(ld_ds + 3, 4, 5, X86_GP, 0, true);
	G(RBX) = H_DATA;
	ck_assert_int_eq(su_run(&h, st_ds, 3, 1), ENGINE_EXIT_INSN_LIMIT);
	G(RBX) = H_DATA | 1ull << 47;
	expect_fault(st_ds + 3, 4, 5, X86_GP, 0, true);
	G(RBP) = H_DATA;
	ck_assert_int_eq(su_run(&h, ld_ss, 4, 1), ENGINE_EXIT_INSN_LIMIT);
	G(RBP) = H_DATA | 1ull << 47;
	expect_fault(ld_ss + 4, 5, 5, X86_SS, 0, true);
}
END_TEST

/* FS adds its base in 64-bit mode (and the sum is checked), DS and SS
 * bases are ignored. */
START_TEST(segment_bases_in_64bit_mode)
{
	static const uint8_t code[] = {
		0x64, 0x48, 0x8b, 0x03,         /* mov rax,fs:[rbx] */
		0x64, 0x48, 0x8b, 0x0b,         /* mov rcx,fs:[rbx] */
		0x48, 0x8b, 0x13,               /* mov rdx,[rbx] */
		0x48, 0x8b, 0x33,               /* mov rsi,[rbx] */
		0xf4,
	};

	h_write64(&h, H_DATA + 0x10, 0xf5);
	h_write64(&h, H_DATA + 0x3010, 0xd5);
	h.s->seg[SEG_DS].base = 0x3000;     /* ignored in 64-bit mode */
	G(RBX) = H_DATA + 0x10;
	h.s->seg[SEG_FS].base = 0x3000;
	ck_assert_int_eq(su_run(&h, code, sizeof(code), 5), ENGINE_EXIT_HLT);
	ck_assert_uint_eq(G(RAX), 0xd5);
	ck_assert_uint_eq(G(RCX), 0xd5);
	ck_assert_uint_eq(G(RDX), 0xf5);
	ck_assert_uint_eq(G(RSI), 0xf5);
	/* A base that makes the address non-canonical: #GP(0). */
	h.s->seg[SEG_FS].base = (1ull << 47) - 0x10;
	G(RBX) = 0x10 + H_DATA;
	expect_fault(code, 4, 5, X86_GP, 0, true);
}
END_TEST

/* Accesses that cross a page go the slow way, twice in a row, both
 * halves read and written. */
START_TEST(page_crossing)
{
	static const uint8_t code[] = {
		0x48, 0x89, 0x03,               /* mov [rbx],rax */
		0x48, 0x8b, 0x0b,               /* mov rcx,[rbx] */
		0x48, 0x89, 0x43, 0x08,         /* mov [rbx+8],rax: next page */
		0x48, 0x89, 0x03,               /* mov [rbx],rax */
		0x48, 0x8b, 0x13,               /* mov rdx,[rbx] */
		0xf4,
	};

	G(RBX) = H_DATA + 0xffc;
	G(RAX) = 0x1122334455667788ull;
	ck_assert_int_eq(su_run(&h, code, sizeof(code), 6), ENGINE_EXIT_HLT);
	ck_assert_uint_eq(G(RCX), G(RAX));
	ck_assert_uint_eq(G(RDX), G(RAX));
	ck_assert_uint_eq(h_read64(&h, H_DATA + 0xff8), 0x5566778800000000ull);
	ck_assert_uint_eq(h_read64(&h, H_DATA + 0x1000), 0x5566778811223344ull);
	ck_assert_uint_eq(h_read64(&h, H_DATA + 0x1004), G(RAX));
}
END_TEST

/* Self-modifying code through the fast path: each pass stores CL into
 * the immediate of "mov eax, imm32"; the first store fills the htlb, the
 * second hits it and must still reach the decode cache (EAX = 2, not 3). */
START_TEST(code_write_through_a_hit)
{
	static const uint8_t code[] = {
		0xb9, 0x03, 0x00, 0x00, 0x00,   /* 0: mov ecx,3 */
		0xb8, 0x01, 0x00, 0x00, 0x00,   /* 5: mov eax,1 */
		0x88, 0x0d, 0xf6, 0xff, 0xff, 0xff, /* 10: mov [rip-10],cl -> 6 */
		0xff, 0xc9,                     /* 16: dec ecx */
		0x75, 0xf1,                     /* 18: jnz 5 */
		0xf4,
	};

	ck_assert_int_eq(su_run(&h, code, sizeof(code), 20), ENGINE_EXIT_HLT);
	ck_assert_uint_eq(G(RAX), 2);
	ck_assert_uint_eq(h_read64(&h, H_CODE + 6) & 0xff, 1);
}
END_TEST

/* Writes to a paging-structure page through the fast path are counted
 * (guest_mem pt_writes: the VMX side's page watchers rely on it). */
START_TEST(page_table_writes_through_a_hit)
{
	static const uint8_t code[] = {
		0x48, 0x89, 0x03, 0x48, 0x89, 0x03, 0x48, 0x89, 0x03, 0xf4,
	};
	uint64_t before;

	G(RBX) = 0x1000 + 100 * 8;   /* an unused PML4 entry */
	G(RAX) = 0;
	ck_assert_int_eq(su_run(&h, code, 3, 1), ENGINE_EXIT_INSN_LIMIT);
	gmem_mark_pt_page(&h.mem, 0x1000);
	before = h.mem.pt_writes;
	ck_assert_int_eq(su_run(&h, code, sizeof(code), 5), ENGINE_EXIT_HLT);
	ck_assert_uint_eq(h.mem.pt_writes - before, 3);
}
END_TEST

/* PUSH, POP, CALL and RET in 64-bit mode through the htlb, twice each
 * (fill, then hit). */
START_TEST(stack_fast_path)
{
	static const uint8_t code[] = {
		0x50,                           /* 0: push rax */
		0x53,                           /* 1: push rbx */
		0x59,                           /* 2: pop rcx */
		0x5a,                           /* 3: pop rdx */
	};
	static const uint8_t rets[] = {
		0xe8, 0x06, 0x00, 0x00, 0x00,   /* 0: call 11 */
		0xe8, 0x01, 0x00, 0x00, 0x00,   /* 5: call 11 */
		0xf4,                           /* 10: hlt */
		0x48, 0xff, 0xc6,               /* 11: inc rsi */
		0xc3,                           /* 14: ret */
	};
	uint64_t sp = h.s->gpr[GPR_RSP];

	G(RAX) = 0xaaaa;
	G(RBX) = 0xbbbb;
	ck_assert_int_eq(su_run(&h, code, sizeof(code), 4), ENGINE_EXIT_INSN_LIMIT);
	ck_assert_uint_eq(G(RCX), 0xbbbb);
	ck_assert_uint_eq(G(RDX), 0xaaaa);
	ck_assert_uint_eq(G(RSP), sp);
	ck_assert_uint_eq(h_read64(&h, sp - 8), 0xaaaa);
	ck_assert_uint_eq(h_read64(&h, sp - 16), 0xbbbb);
	G(RSI) = 0;
	ck_assert_int_eq(su_run(&h, rets, sizeof(rets), 20), ENGINE_EXIT_HLT);
	ck_assert_uint_eq(G(RSI), 2);
	ck_assert_uint_eq(G(RSP), sp);
	ck_assert_uint_eq(h_read64(&h, sp - 8), H_CODE + 10);
}
END_TEST

/* RET's 64-bit form (exec_control.c exec_ret64) reads the return
 * address through a hit; a non-canonical one is still #GP(0) at the RET
 * with RSP unchanged (SDM RET): the first RET fills the entry, the
 * second hits it and finds PUSH RAX's non-canonical address. */
START_TEST(ret_non_canonical_after_a_hit)
{
	static const uint8_t code[] = {
		0xe8, 0x01, 0x00, 0x00, 0x00,   /* 0: call 6 */
		0x50,                           /* 5: push rax */
		0xc3,                           /* 6: ret */
	};
	uint64_t sp = h.s->gpr[GPR_RSP];
	enum engine_exit_reason r;

	G(RAX) = 1ull << 47;
	r = su_run(&h, code, sizeof(code), 10);
	ck_assert_int_eq(h_fault_vector(&h, r), X86_GP);
	ck_assert_uint_eq(h_fault_rip(&h, r, true), H_CODE + 6);
	ck_assert_uint_eq(h_read64(&h, G(RSP)), 0);            /* error code */
	ck_assert_uint_eq(h_read64(&h, G(RSP) + 32), sp - 8);  /* frame RSP */
	ck_assert_uint_eq(h_program_insns(&h, r), 3);
	ck_assert_uint_gt(h.ip->tlb.hits, 0);
}
END_TEST

/* A block body with memory forms (exec_body.c) tests the privilege key
 * of its start: a supervisor-only page that CPL 0 filled, read again by
 * the same body at CPL 3, is #PF (P, U; SDM 4.6), not a hit. */
START_TEST(body_key_is_the_current_privilege)
{
	static const uint8_t code[] = {
		0x48, 0x8b, 0x03,               /* 0: mov rax,[rbx] */
		0x48, 0x83, 0xc1, 0x01,         /* 3: add rcx,1 */
		0x48, 0x8b, 0x13,               /* 7: mov rdx,[rbx] */
		0xf4,                           /* 10: hlt */
	};
	enum engine_exit_reason r;

	/* 0x600000-0x7fffff: a 2 MiB page without U. */
	h_write64(&h, 0x3000 + 3 * 8, 0x600000 | 0x83);
	h_write64(&h, 0x600000, 0x77);
	G(RBX) = 0x600000;
	for (int pass = 0; pass < 2; pass++)
		ck_assert_int_eq(su_run(&h, code, sizeof(code), 3),
				 ENGINE_EXIT_INSN_LIMIT);
	ck_assert_uint_eq(G(RDX), 0x77);
	su_cpl3(&h);
	G(RAX) = 0;
	r = su_run(&h, code, sizeof(code), 3);
	ck_assert_int_eq(h_fault_vector(&h, r), X86_PF);
	ck_assert_uint_eq(h_fault_rip(&h, r, true), H_CODE);
	ck_assert_uint_eq(h.s->cr2, 0x600000);
	ck_assert_uint_eq(G(RAX), 0);
}
END_TEST

/* A CALL at the end of a block without memory forms (block.h
 * block_stack_term) pushes with the key of the current privilege, not
 * with the one the last body with memory forms worked out: the stack
 * page, supervisor-only, filled by CPL 0, is #PF (P, W, U) for the same
 * CALL at CPL 3. */
START_TEST(block_call_key_is_the_current_privilege)
{
	static const uint8_t code[] = {
		0x48, 0x83, 0xc1, 0x01,         /* 0: add rcx,1 */
		0xe8, 0x01, 0x00, 0x00, 0x00,   /* 4: call 0xa */
		0xf4,                           /* 9: hlt */
		0x48, 0x8b, 0x03,               /* a: mov rax,[rbx] */
		0xf4,                           /* d: hlt */
	};
	enum engine_exit_reason r;

	h_write64(&h, 0x3000 + 3 * 8, 0x600000 | 0x83);
	G(RBX) = H_DATA;
	h_load(&h, H_CODE, code, sizeof(code));
	/* The code is not loaded again: its blocks stay built. */
	for (int pass = 0; pass < 3; pass++) {
		h.s->rip = H_CODE;
		h.s->activity = ACTIVITY_ACTIVE;
		G(RSP) = 0x600100;
		ck_assert_int_eq(h_run(&h, 10), ENGINE_EXIT_HLT);
		ck_assert_uint_eq(G(RSP), 0x6000f8);
	}
	ck_assert_uint_gt(h.ip->tlb.hits, 0);
	su_cpl3(&h);
	h.s->rip = H_CODE;
	h.s->activity = ACTIVITY_ACTIVE;
	G(RSP) = 0x600100;
	G(RCX) = 0;
	r = h_run(&h, 10);
	ck_assert_int_eq(h_fault_vector(&h, r), X86_PF);
	ck_assert_uint_eq(h_fault_rip(&h, r, true), H_CODE + 4);
	ck_assert_uint_eq(h_read64(&h, G(RSP)), PF_P | PF_W | PF_U);
	ck_assert_uint_eq(h.s->cr2, 0x6000f8);
	ck_assert_uint_eq(G(RCX), 1);
}
END_TEST

/* ---- REP MOVS/STOS (exec_string.c rep_run) ---- */

/* Map 0x400000-0x5fffff with 4 KiB pages (a page table at 0x7f0000),
 * page 0x401000 not present. */
static void map_hole_at_401000(void)
{
	for (uint64_t i = 0; i < 512; i++)
		h_write64(&h, 0x7f0000 + i * 8,
			  i == 1 ? 0 : (0x400000 + (i << 12)) | 0x7);
	h_write64(&h, 0x3000 + 2 * 8, 0x7f0000 | 0x7);
}

/* The stores before the missing page are done, the fault leaves RCX and
 * RDI of the completed iterations and RIP at REP STOSQ (SDM 6.15). */
START_TEST(rep_stos_faults_in_the_second_page)
{
	static const uint8_t code[] = { 0xf3, 0x48, 0xab, 0xf4 };  /* rep stosq */
	enum engine_exit_reason r;

	map_hole_at_401000();
	h_write64(&h, 0x400fe8, 0x77);
	G(RDI) = 0x400fe8;
	G(RCX) = 5;
	G(RAX) = 0x1122334455667788ull;
	r = su_run(&h, code, sizeof(code), 5);
	ck_assert_int_eq(h_fault_vector(&h, r), X86_PF);
	ck_assert_uint_eq(h_fault_rip(&h, r, true), H_CODE);
	ck_assert_uint_eq(h.s->cr2, 0x401000);
	ck_assert_uint_eq(G(RCX), 2);
	ck_assert_uint_eq(G(RDI), 0x401000);
	ck_assert_uint_eq(h_read64(&h, 0x400fe8), G(RAX));
	ck_assert_uint_eq(h_read64(&h, 0x400ff8), G(RAX));
}
END_TEST

/* Overlapping REP MOVSB forwards repeats the first byte (element by
 * element, not memmove); with DF = 1 REP STOSD walks down. */
START_TEST(rep_movs_overlap_and_df)
{
	static const uint8_t movs[] = { 0xf3, 0xa4, 0xf4 };        /* rep movsb */
	static const uint8_t stos[] = { 0xfd, 0xf3, 0xab, 0xfc, 0xf4 };
					/* std; rep stosd; cld */

	h_write64(&h, H_DATA, 0xab);
	h_write64(&h, H_DATA + 8, 0x0102030405060708ull);
	h_write64(&h, H_DATA + 16, 0x1112131415161718ull);
	G(RSI) = H_DATA;
	G(RDI) = H_DATA + 1;
	G(RCX) = 16;
	ck_assert_int_eq(su_run(&h, movs, sizeof(movs), 5), ENGINE_EXIT_HLT);
	ck_assert_uint_eq(h_read64(&h, H_DATA), 0xababababababababull);
	ck_assert_uint_eq(h_read64(&h, H_DATA + 9), 0xababababababababull);
	ck_assert_uint_eq(h_read64(&h, H_DATA + 16) >> 8, 0x11121314151617ull);
	ck_assert_uint_eq(G(RSI), H_DATA + 16);
	ck_assert_uint_eq(G(RDI), H_DATA + 17);
	ck_assert_uint_eq(G(RCX), 0);

	h_write64(&h, H_DATA + 0x100, 0);
	h_write64(&h, H_DATA + 0xf0, 0);
	G(RDI) = H_DATA + 0x104;
	G(RCX) = 4;
	G(RAX) = 0xc0ffee00;
	ck_assert_int_eq(su_run(&h, stos, sizeof(stos), 5), ENGINE_EXIT_HLT);
	ck_assert_uint_eq(h_read64(&h, H_DATA + 0x100), 0xc0ffee00c0ffee00ull);
	ck_assert_uint_eq(h_read64(&h, H_DATA + 0xf8), 0xc0ffee00c0ffee00ull);
	ck_assert_uint_eq(h_read64(&h, H_DATA + 0xf0), 0);
	ck_assert_uint_eq(h_read64(&h, H_DATA + 0x108), 0);
	ck_assert_uint_eq(G(RDI), H_DATA + 0xf4);
}
END_TEST

/* A long REP is cut at the same counts as one by one: RCX a multiple of
 * INTERP_REP_CHUNK, RIP still at the instruction, one instruction
 * counted per part. */
START_TEST(rep_cut_points)
{
	static const uint8_t code[] = { 0xf3, 0xaa, 0xf4 };        /* rep stosb */
	uint64_t n0 = h.s->insn_count;

	G(RDI) = H_DATA;
	G(RCX) = INTERP_REP_CHUNK + 10;
	G(RAX) = 0x5a;
	ck_assert_int_eq(su_run(&h, code, sizeof(code), 1), ENGINE_EXIT_INSN_LIMIT);
	ck_assert_uint_eq(G(RCX), INTERP_REP_CHUNK);
	ck_assert_uint_eq(G(RDI), H_DATA + 10);
	ck_assert_uint_eq(h.s->rip, H_CODE);
	ck_assert_uint_eq(h.s->insn_count - n0, 1);
	ck_assert_int_eq(h_run(&h, 1), ENGINE_EXIT_INSN_LIMIT);
	ck_assert_uint_eq(G(RCX), 0);
	ck_assert_uint_eq(G(RDI), H_DATA + INTERP_REP_CHUNK + 10);
	ck_assert_uint_eq(h.s->rip, H_CODE + 2);
	ck_assert_uint_eq(h_read64(&h, H_DATA + INTERP_REP_CHUNK + 2),
			  0x5a5a5a5a5a5a5a5aull);
	ck_assert_uint_eq(h_read64(&h, H_DATA + INTERP_REP_CHUNK + 10) & 0xff, 0);
}
END_TEST

static unsigned code_writes;

static void count_code_write(void *opaque, uint64_t gpa, uint64_t len)
{
	(void)opaque;
	ck_assert_uint_eq(gpa, H_DATA + 8 * code_writes);
	ck_assert_uint_eq(len, 8);
	code_writes++;
}

/* Stores into a watched page (code here) go one by one: the decode
 * cache's listeners hear of each (a run would tell them once or never). */
START_TEST(rep_stos_into_a_code_page)
{
	static const uint8_t code[] = { 0xf3, 0x48, 0xab, 0xf4 };  /* rep stosq */

	ck_assert_int_eq(gmem_add_code_listener(&h.mem, count_code_write, NULL), 0);
	gmem_mark_code_page(&h.mem, H_DATA);
	code_writes = 0;
	G(RDI) = H_DATA;
	G(RCX) = 4;
	G(RAX) = 0;
	ck_assert_int_eq(su_run(&h, code, sizeof(code), 5), ENGINE_EXIT_HLT);
	ck_assert_uint_eq(code_writes, 4);
	ck_assert_uint_eq(G(RDI), H_DATA + 32);
	gmem_remove_code_listener(&h.mem, count_code_write, NULL);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("memfast");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, ac_after_an_aligned_access);
	tcase_add_test(tc, non_canonical_after_a_hit);
	tcase_add_test(tc, segment_bases_in_64bit_mode);
	tcase_add_test(tc, page_crossing);
	tcase_add_test(tc, code_write_through_a_hit);
	tcase_add_test(tc, page_table_writes_through_a_hit);
	tcase_add_test(tc, stack_fast_path);
	tcase_add_test(tc, ret_non_canonical_after_a_hit);
	tcase_add_test(tc, body_key_is_the_current_privilege);
	tcase_add_test(tc, block_call_key_is_the_current_privilege);
	tcase_add_test(tc, rep_stos_faults_in_the_second_page);
	tcase_add_test(tc, rep_movs_overlap_and_df);
	tcase_add_test(tc, rep_cut_points);
	tcase_add_test(tc, rep_stos_into_a_code_page);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return h_run_suite(suite()) ? EXIT_FAILURE : EXIT_SUCCESS;
}
