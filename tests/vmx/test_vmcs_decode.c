// SPDX-License-Identifier: MIT
/*
 * The one VMCS decoder (src/vmx/vmcs_decode.c) against the SDM's tables:
 * exit qualifications (28.2.1), VM-exit instruction information (28.2.5),
 * control words (25.6-25.8) and the other formatted fields.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "vmx/vmcs_decode.h"

static char buf[512];

static const char *qual(uint32_t reason, uint32_t intr, uint64_t q)
{
	vmx_exit_qual_decode(buf, sizeof(buf), reason, intr, q);
	return buf;
}

static const char *info(uint32_t reason, uint64_t i)
{
	vmx_exit_insn_info_decode(buf, sizeof(buf), reason, i);
	return buf;
}

static const char *field(uint32_t enc, uint64_t v)
{
	vmcs_decode_value(buf, sizeof(buf), enc, v, NULL);
	return buf;
}

START_TEST(exit_qualifications)
{
	/* Table 28-7: read|write|fetch, permissions, GLA valid, translation. */
	ck_assert_str_eq(qual(EXIT_REASON_EPT_VIOLATION, 0, 0x182),
			 "write GLA-valid translation");
	ck_assert_str_eq(qual(EXIT_REASON_EPT_VIOLATION, 0, 0x81),
			 "read GLA-valid (access to a guest paging structure)");
	ck_assert_str_eq(qual(EXIT_REASON_EPT_VIOLATION, 0, 0x1000 | 0x0c),
			 "fetch readable NMI-unblocked-by-IRET");
	/* Table 28-5: OUT DX, size 1; IN imm port 0x60, 4 bytes, REP string. */
	ck_assert_str_eq(qual(EXIT_REASON_IO_INSTRUCTION, 0, 0x3f80000),
			 "OUT port 0x3f8, size 1, DX");
	ck_assert_str_eq(qual(EXIT_REASON_IO_INSTRUCTION, 0, 0x600000 | 0x7b),
			 "IN port 0x60, size 4, string, REP, immediate");
	/* Table 28-3: MOV to CR3 from RBX; LMSW from memory; CLTS. */
	ck_assert_str_eq(qual(EXIT_REASON_CR_ACCESS, 0, 0x303), "MOV to CR, CR3 GPR RBX");
	ck_assert_str_eq(qual(EXIT_REASON_CR_ACCESS, 0, 0x10), "MOV from CR, CR0 GPR RAX");
	ck_assert_str_eq(qual(EXIT_REASON_CR_ACCESS, 0, 0x20), "CLTS, CR0");
	ck_assert_str_eq(qual(EXIT_REASON_CR_ACCESS, 0, 0x000b0070),
			 "LMSW, CR0 memory operand, source 0xb");
	/* Table 28-4, 28-2, 28-1, #PF. */
	ck_assert_str_eq(qual(EXIT_REASON_DR_ACCESS, 0, 0x517), "MOV from DR7, GPR RBP");
	ck_assert_str_eq(qual(EXIT_REASON_TASK_SWITCH, 0, 0xc0000028),
			 "selector 0x28, source task gate in IDT");
	ck_assert_str_eq(qual(EXIT_REASON_EXCEPTION_NMI, 0x80000301, 0x4001), "B0 BS");
	ck_assert_str_eq(qual(EXIT_REASON_EXCEPTION_NMI, 0x80000301, 0x4), "B2");
	ck_assert_str_eq(qual(EXIT_REASON_EXCEPTION_NMI, 0x80000301, 0xa), "B1 B3");
	ck_assert_str_eq(qual(EXIT_REASON_EXCEPTION_NMI, 0x80000b0e, 0x1234),
			 "linear address 0x1234");
	/* Table 28-6 and failed VM entries (SDM 27.8). */
	ck_assert_str_eq(qual(EXIT_REASON_APIC_ACCESS, 0, 0x1080),
			 "offset 0x80, linear write");
	ck_assert_str_eq(qual(EXIT_REASON_INVALID_STATE | EXIT_REASON_FAILED_VMENTRY, 0, 2),
			 "PDPTE loading");
	ck_assert_str_eq(qual(EXIT_REASON_MSR_LOAD_FAIL | EXIT_REASON_FAILED_VMENTRY, 0, 3),
			 "MSR-load entry 3");
	ck_assert_str_eq(qual(EXIT_REASON_PML_FULL, 0, 0x1000),
			 "NMI-unblocked-by-IRET");
	ck_assert_str_eq(qual(EXIT_REASON_PML_FULL, 0, 0), "");
	/* Virtualized EOI: the vector; APIC write: the page offset. */
	ck_assert_str_eq(qual(EXIT_REASON_EOI_INDUCED, 0, 0xc5), "vector 0xc5");
	ck_assert_str_eq(qual(EXIT_REASON_APIC_WRITE, 0, 0x3f0), "offset 0x3f0");
	ck_assert_str_eq(qual(EXIT_REASON_VMREAD, 0, 0x10), "displacement 0x10");
	ck_assert_str_eq(qual(EXIT_REASON_CPUID, 0, 0), "");
}
END_TEST

START_TEST(instruction_information)
{
	/* Table 28-14: VMREAD, register operand RCX, reg2 RDX. */
	ck_assert_str_eq(info(EXIT_REASON_VMREAD, 0x20000408 | (1u << 10)),
			 "reg2 RDX register operand RCX");
	/* Memory operand DS:[RBX + RSI*8], 64-bit addressing, reg2 RAX. */
	ck_assert_str_eq(info(EXIT_REASON_VMWRITE,
			      3 | (2u << 7) | (3u << 15) | (6u << 18) | (3u << 23)),
			 "reg2 RAX addr64 DS:[RBX+RSI*8+disp]");
	/* Table 28-10: LIDT, 32-bit operand, no base, no index. */
	ck_assert_str_eq(info(EXIT_REASON_GDTR_IDTR,
			      (3u << 28) | (1u << 11) | (1u << 7) | (1u << 22) | (1u << 27)),
			 "LIDT, operand size 32 addr32 ES:[disp]");
	/* Table 28-11, 28-8, 28-12, 28-9. */
	ck_assert_str_eq(info(EXIT_REASON_LDTR_TR, (3u << 28) | (1u << 10) | (5u << 3)),
			 "LTR register operand RBP");
	ck_assert_str_eq(info(EXIT_REASON_IO_INSTRUCTION, (1u << 7) | (3u << 15)),
			 "addr32 DS");
	ck_assert_str_eq(info(EXIT_REASON_RDRAND, (9u << 3) | (2u << 11)),
			 "destination R9, operand size 64");
	ck_assert_str_eq(info(EXIT_REASON_INVEPT,
			      (2u << 7) | (1u << 22) | (7u << 23) | (4u << 28)),
			 "type in RSP addr64 ES:[RDI+disp]");
	ck_assert_str_eq(info(EXIT_REASON_CPUID, 0x1234), "");
}
END_TEST

START_TEST(fields)
{
	/* Control words: every bit by the controls table, default1 marked. */
	ck_assert_str_eq(field(VMCS_PIN_BASED_VM_EXEC_CONTROL, 0x1f),
			 "[0:external-interrupt exiting] [1:default1] [2:default1] [3:NMI exiting] [4:default1]");
	ck_assert_str_eq(field(VMCS_CPU_BASED_VM_EXEC_CONTROL, (1u << 15) | (1u << 18)),
			 "[15:CR3-load exiting (default1)] [18:reserved]");
	ck_assert_str_eq(field(VMCS_SECONDARY_VM_EXEC_CONTROL, 0x82),
			 "[1:enable EPT] [7:unrestricted guest]");
	/* The 64-bit tertiary controls; bits 63:32 are reserved. */
	ck_assert_str_eq(field(VMCS_TERTIARY_VM_EXEC_CONTROL, 0x30ull | 1ull << 40),
			 "[4:IPI virtualization] [5:reserved] +0x10000000000");
	/* A field that is no control word keeps its plain value. */
	ck_assert_str_eq(field(VMCS_VIRTUAL_PROCESSOR_ID, 0x10), "");
	ck_assert_str_eq(field(VMCS_VM_EXIT_REASON, EXIT_REASON_INVALID_STATE |
			       EXIT_REASON_FAILED_VMENTRY),
			 "INVALID_STATE VM-entry failure");
	ck_assert_str_eq(field(VMCS_VM_INSTRUCTION_ERROR, 7),
			 "VM entry with invalid control field(s)");
	ck_assert_str_eq(field(VMCS_IDT_VECTORING_INFO_FIELD, 0x80000b0d),
			 "valid, hardware exception, vector 13, error code");
	ck_assert_str_eq(field(VMCS_GUEST_ACTIVITY_STATE, 1), "HLT");
	ck_assert_str_eq(field(VMCS_GUEST_INTR_STATUS, 0x3122), "RVI 0x22 SVI 0x31");
	ck_assert_str_eq(field(VMCS_GUEST_INTERRUPTIBILITY_INFO, 9),
			 "blocking-by-STI blocking-by-NMI");
	ck_assert_str_eq(field(VMCS_GUEST_PENDING_DBG_EXCEPTIONS, 0x4000), "BS");
	/* Every named bit of Table 25-3 on its own place. */
	ck_assert_str_eq(field(VMCS_GUEST_PENDING_DBG_EXCEPTIONS, 0x4),
			 "B2");
	ck_assert_str_eq(field(VMCS_GUEST_PENDING_DBG_EXCEPTIONS, 0x1100b),
			 "B0 B1 B3 enabled-breakpoint RTM");
	ck_assert_str_eq(field(VMCS_GUEST_CS_AR_BYTES, 0xa09b),
			 "type 11 code/data DPL 0 P L G");
	ck_assert_str_eq(field(VMCS_GUEST_LDTR_AR_BYTES, 0x10000), "unusable");
	ck_assert_str_eq(field(VMCS_GUEST_CR0, 0x80000031), "PE ET NE PG");
	ck_assert_str_eq(field(VMCS_GUEST_CR4, 0x2020 | (1ull << 40)), "PAE VMXE +0x10000000000");
	ck_assert_str_eq(field(VMCS_GUEST_RIP, 0x1000), "");
}
END_TEST

static bool get_fixture(void *opaque, uint32_t enc, uint64_t *val)
{
	switch (enc) {
	case VMCS_VM_EXIT_REASON: *val = EXIT_REASON_IO_INSTRUCTION; return true;
	case VMCS_EXIT_QUALIFICATION: *val = 0x3f80000; return true;
	case VMCS_GUEST_RIP: *val = 0x401000; return true;
	default: return false;
	}
}

/* The grouped listing decodes the qualification by the same VMCS's reason. */
START_TEST(grouped_listing)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	vmcs_print(f, get_fixture, NULL, "");
	fclose(f);
	ck_assert_ptr_nonnull(strstr(out,
		"VM-exit information fields (read-only):\n"
		"  VM_EXIT_REASON                     4402 000000000000001e  IO_INSTRUCTION\n"
		"  EXIT_QUALIFICATION                 6400 0000000003f80000  OUT port 0x3f8, size 1, DX\n"
		"guest-state area:\n"
		"  GUEST_RIP                          681e 0000000000401000\n"
		"host-state area:\n"));
	free(out);
}
END_TEST

static bool get_no_intr_info(void *opaque, uint32_t enc, uint64_t *val)
{
	switch (enc) {
	case VMCS_VM_EXIT_REASON: *val = EXIT_REASON_EXCEPTION_NMI; return true;
	case VMCS_EXIT_QUALIFICATION: *val = 0x4001; return true;
	default: return false;
	}
}

/* An exception exit whose VMCS view has no exit interruption information
 * (a partial dump): the vector is unknown, so the qualification is not
 * decoded as a #DB's (B0 BS) nor a #PF's. */
START_TEST(listing_without_intr_info)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	vmcs_print(f, get_no_intr_info, NULL, "");
	fclose(f);
	ck_assert_ptr_nonnull(strstr(out,
		"  EXIT_QUALIFICATION                 6400 0000000000004001\n"));
	free(out);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("vmcs_decode");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, exit_qualifications);
	tcase_add_test(tc, instruction_information);
	tcase_add_test(tc, fields);
	tcase_add_test(tc, grouped_listing);
	tcase_add_test(tc, listing_without_intr_info);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
