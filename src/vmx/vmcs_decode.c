// SPDX-License-Identifier: MIT
/*
 * VMCS values decoded for people, by the SDM's own tables: the one decoder
 * behind `vmxbox inspect --vmcs`, `vmxbox ctl vmcs`, traces and reports.
 *   - control words bit by bit from the controls table (caps.c), default1
 *     bits marked (SDM 25.6-25.8, A.2);
 *   - exit reason and its flag bits (25.9.1, Appendix C);
 *   - exit qualification by exit reason (28.2.1, Tables 28-1 to 28-7);
 *   - VM-exit instruction information by exit reason (28.2.5, Tables
 *     28-8 to 28-14);
 *   - interruption-information formats (25.8.3, 25.9.2, 25.9.3),
 *     interruptibility and activity state (25.4.2), pending debug
 *     exceptions, segment access rights (25.4.1), CR0/CR4/RFLAGS/EFER bits,
 *     VM-instruction errors (31.4).
 */
#include "vmx/vmcs_decode.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/cpu_names.h"
#include "core/cpu_state.h"

/* Space-separated words appended to a caller's buffer. */
struct words {
	char *buf;
	size_t len;
};

static void add(struct words *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void add(struct words *w, const char *fmt, ...)
{
	size_t n = strlen(w->buf);
	va_list ap;

	if (n + 2 >= w->len)
		return;
	if (n)
		w->buf[n++] = ' ', w->buf[n] = '\0';
	va_start(ap, fmt);
	vsnprintf(w->buf + n, w->len - n, fmt, ap);
	va_end(ap);
}

#define bit_name cpu_bit_name   /* core/cpu_names.h */

/* Named bits that are set, then what is left as +0x... */
static void add_bits(struct words *w, const struct bit_name *t, uint64_t v)
{
	uint64_t known = 0;

	for (; t->name; t++) {
		known |= t->mask;
		if ((v & t->mask) == t->mask)
			add(w, "%s", t->name);
	}
	if (v & ~known)
		add(w, "+%#" PRIx64, v & ~known);
}

static const char *const gpr_names[16] = {
	"RAX", "RCX", "RDX", "RBX", "RSP", "RBP", "RSI", "RDI",
	"R8", "R9", "R10", "R11", "R12", "R13", "R14", "R15",
};

static const char *const seg_names[8] = {
	"ES", "CS", "SS", "DS", "FS", "GS", "seg6?", "seg7?",
};

static const char *const event_types[8] = {
	"external interrupt", "reserved type 1", "NMI", "hardware exception",
	"software interrupt", "privileged software exception",
	"software exception", "other event",
};

/* ---- control words ------------------------------------------------------ */

static const uint32_t ctl_word_field[VMX_CTL_WORDS] = {
	[VMX_CTL_PIN] = VMCS_PIN_BASED_VM_EXEC_CONTROL,
	[VMX_CTL_PROC] = VMCS_CPU_BASED_VM_EXEC_CONTROL,
	[VMX_CTL_PROC2] = VMCS_SECONDARY_VM_EXEC_CONTROL,
	[VMX_CTL_EXIT] = VMCS_VM_EXIT_CONTROLS,
	[VMX_CTL_ENTRY] = VMCS_VM_ENTRY_CONTROLS,
	[VMX_CTL_PROC3] = VMCS_TERTIARY_VM_EXEC_CONTROL,
};

static int ctl_word_of(uint32_t enc)
{
	for (int w = 0; w < VMX_CTL_WORDS; w++)
		if (ctl_word_field[w] == enc)
			return w;
	return -1;
}

static const char *ctl_bit_name(unsigned word, unsigned bit, bool *d1)
{
	unsigned w, b;
	const char *name;

	for (size_t i = 0; vmx_ctl_row(i, &w, &b, &name); i++)
		if (w == word && b == bit) {
			*d1 = vmx_ctl_row_default1(i);
			return name;
		}
	*d1 = false;
	return NULL;
}

static void add_controls(struct words *w, unsigned word, uint64_t v)
{
	for (unsigned bit = 0; bit < 32; bit++) {
		bool d1;
		const char *name;

		if (!(v & (1ull << bit)))
			continue;
		name = ctl_bit_name(word, bit, &d1);
		if (!name)
			add(w, "[%u:reserved]", bit);
		else if (d1 && !strncmp(name, "reserved", 8))
			add(w, "[%u:default1]", bit);
		else
			add(w, "[%u:%s%s]", bit, name, d1 ? " (default1)" : "");
	}
	if (v >> 32)
		add(w, "+%#" PRIx64, v & ~(uint64_t)0xffffffff);
}

/* ---- exit qualification (SDM 28.2.1) ------------------------------------ */

static void qual_debug(struct words *w, uint64_t q)
{
	static const struct bit_name t[] = {
		{ 1u << 0, "B0" }, { 1u << 1, "B1" }, { 1u << 2, "B2" },
		{ 1u << 3, "B3" }, { 1u << 13, "BD" }, { 1u << 14, "BS" },
		{ 1u << 16, "RTM" }, { 0, NULL },
	};

	add_bits(w, t, q);   /* Table 28-1 */
}

static void qual_task_switch(struct words *w, uint64_t q)
{
	static const char *const src[4] = {
		"CALL", "IRET", "JMP", "task gate in IDT",
	};

	add(w, "selector %#x, source %s", (unsigned)(q & 0xffff),
	    src[(q >> 30) & 3]);   /* Table 28-2 */
}

static void qual_cr(struct words *w, uint64_t q)
{
	static const char *const type[4] = {
		"MOV to CR", "MOV from CR", "CLTS", "LMSW",
	};
	unsigned t = (q >> 4) & 3;

	add(w, "%s, CR%u", type[t], (unsigned)(q & 0xf));   /* Table 28-3 */
	if (t < 2)
		add(w, "GPR %s", gpr_names[(q >> 8) & 0xf]);
	if (t == 3)
		add(w, "%s operand, source %#x", (q >> 6) & 1 ? "memory" : "register",
		    (unsigned)((q >> 16) & 0xffff));
}

static void qual_dr(struct words *w, uint64_t q)
{
	add(w, "MOV %s DR%u, GPR %s", (q >> 4) & 1 ? "from" : "to",
	    (unsigned)(q & 7), gpr_names[(q >> 8) & 0xf]);   /* Table 28-4 */
}

static void qual_io(struct words *w, uint64_t q)
{
	add(w, "%s port %#x, size %u%s%s%s", (q >> 3) & 1 ? "IN" : "OUT",
	    (unsigned)((q >> 16) & 0xffff), (unsigned)(q & 7) + 1,
	    (q >> 4) & 1 ? ", string" : "", (q >> 5) & 1 ? ", REP" : "",
	    (q >> 6) & 1 ? ", immediate" : ", DX");   /* Table 28-5 */
}

static void qual_apic_access(struct words *w, uint64_t q)
{
	static const char *const type[16] = {
		[0] = "linear read", [1] = "linear write",
		[2] = "linear fetch", [3] = "linear during event delivery",
		[10] = "guest-physical during event delivery",
		[15] = "guest-physical fetch or access",
	};
	unsigned t = (q >> 12) & 0xf;

	add(w, "offset %#x, %s", (unsigned)(q & 0xfff),
	    type[t] ? type[t] : "reserved type");   /* Table 28-6 */
}

static void qual_ept_violation(struct words *w, uint64_t q)
{
	static const struct bit_name t[] = {
		{ 1u << 0, "read" }, { 1u << 1, "write" }, { 1u << 2, "fetch" },
		{ 1u << 3, "readable" }, { 1u << 4, "writable" },
		{ 1u << 5, "executable" }, { 1u << 6, "user-executable" },
		{ 1u << 7, "GLA-valid" }, { 1u << 8, "translation" },
		{ 1u << 9, "user-mode" }, { 1u << 10, "read/write-page" },
		{ 1u << 11, "no-execute-page" }, { 1u << 12, "NMI-unblocked-by-IRET" },
		{ 0, NULL },
	};

	add_bits(w, t, q);   /* Table 28-7 */
	if ((q & (1u << 7)) && !(q & (1u << 8)))
		add(w, "(access to a guest paging structure)");
}

static void qual_entry_failure(struct words *w, uint64_t q)
{
	static const char *const why[5] = {
		"default", "reserved", "PDPTE loading", "NMI injection",
		"invalid VMCS link pointer",
	};

	add(w, "%s", q < 5 ? why[q] : "reserved");   /* SDM 27.8 */
}

void vmx_exit_qual_decode(char *buf, size_t len, uint32_t reason,
			  uint32_t intr_info, uint64_t q)
{
	struct words w = { buf, len };
	unsigned basic = reason & EXIT_REASON_BASIC_MASK;

	buf[0] = '\0';
	if (reason & EXIT_REASON_FAILED_VMENTRY) {
		if (basic == EXIT_REASON_MSR_LOAD_FAIL)
			add(&w, "MSR-load entry %" PRIu64, q);
		else
			qual_entry_failure(&w, q);
		return;
	}
	switch (basic) {
	case EXIT_REASON_EXCEPTION_NMI:
		if ((intr_info & INTR_INFO_VECTOR_MASK) == 1)
			qual_debug(&w, q);
		else if ((intr_info & INTR_INFO_VECTOR_MASK) == 14)
			add(&w, "linear address %#" PRIx64, q);
		break;
	case EXIT_REASON_SIPI:
		add(&w, "vector %#x", (unsigned)(q & 0xff));
		break;
	case EXIT_REASON_TASK_SWITCH: qual_task_switch(&w, q); break;
	case EXIT_REASON_INVLPG: add(&w, "linear address %#" PRIx64, q); break;
	case EXIT_REASON_CR_ACCESS: qual_cr(&w, q); break;
	case EXIT_REASON_DR_ACCESS: qual_dr(&w, q); break;
	case EXIT_REASON_IO_INSTRUCTION: qual_io(&w, q); break;
	case EXIT_REASON_APIC_ACCESS: qual_apic_access(&w, q); break;
	case EXIT_REASON_EPT_VIOLATION: qual_ept_violation(&w, q); break;
	case EXIT_REASON_PML_FULL:      /* SDM 28.2.1: only bit 12 defined */
		if (q & (1u << 12))
			add(&w, "NMI-unblocked-by-IRET");
		break;
	case EXIT_REASON_MONITOR_TRAP_FLAG:
	case EXIT_REASON_PREEMPTION_TIMER:
		break;
	case EXIT_REASON_EOI_INDUCED:   /* SDM 28.2.1: the vector */
		add(&w, "vector %#x", (unsigned)(q & 0xff));
		break;
	case EXIT_REASON_APIC_WRITE:    /* the virtual-APIC page offset */
		add(&w, "offset %#x", (unsigned)(q & 0xfff));
		break;
	case EXIT_REASON_GDTR_IDTR: case EXIT_REASON_LDTR_TR:
	case EXIT_REASON_INVEPT: case EXIT_REASON_INVVPID:
	case EXIT_REASON_INVPCID: case EXIT_REASON_VMCLEAR:
	case EXIT_REASON_VMPTRLD: case EXIT_REASON_VMPTRST:
	case EXIT_REASON_VMREAD: case EXIT_REASON_VMWRITE:
	case EXIT_REASON_VMXON: case EXIT_REASON_XSAVES:
	case EXIT_REASON_XRSTORS:
		add(&w, "displacement %#" PRIx64, q);
		break;
	default:
		break;
	}
}

/* ---- VM-exit instruction information (SDM 28.2.5) ----------------------- */

enum info_form {
	INFO_NONE, INFO_INS_OUTS, INFO_MEM, INFO_MEM_REG, INFO_DESC,
	INFO_RDRAND,
};

static enum info_form info_form(unsigned basic)
{
	switch (basic) {
	case EXIT_REASON_IO_INSTRUCTION: return INFO_INS_OUTS;  /* 28-8 */
	case EXIT_REASON_INVEPT: case EXIT_REASON_INVVPID:
	case EXIT_REASON_INVPCID:                               /* 28-9 */
	case EXIT_REASON_VMCLEAR: case EXIT_REASON_VMPTRLD:
	case EXIT_REASON_VMPTRST: case EXIT_REASON_VMXON:
	case EXIT_REASON_XSAVES: case EXIT_REASON_XRSTORS:      /* 28-13 */
		return INFO_MEM;
	case EXIT_REASON_VMREAD: case EXIT_REASON_VMWRITE:      /* 28-14 */
	case EXIT_REASON_LDTR_TR:                               /* 28-11 */
		return INFO_MEM_REG;
	case EXIT_REASON_GDTR_IDTR: return INFO_DESC;           /* 28-10 */
	case EXIT_REASON_RDRAND: case EXIT_REASON_RDSEED:       /* 28-12 */
		return INFO_RDRAND;
	default: return INFO_NONE;
	}
}

static const char *addr_size(uint64_t i)
{
	static const char *const sz[4] = { "addr16", "addr32", "addr64", "addr?" };

	return sz[(i >> 7) & 7 & 3];
}

/* Memory operand: SEG:[base+index*scale+disp]. */
static void add_mem_operand(struct words *w, uint64_t i)
{
	char ea[64] = "";
	size_t n = 0;

	if (!((i >> 27) & 1))
		n += (size_t)snprintf(ea + n, sizeof(ea) - n, "%s+",
				      gpr_names[(i >> 23) & 0xf]);
	if (!((i >> 22) & 1))
		snprintf(ea + n, sizeof(ea) - n, "%s*%u+",
			 gpr_names[(i >> 18) & 0xf], 1u << (i & 3));
	add(w, "%s %s:[%sdisp]", addr_size(i), seg_names[(i >> 15) & 7], ea);
}

static void info_mem_reg(struct words *w, uint64_t i, unsigned basic)
{
	if (basic == EXIT_REASON_LDTR_TR) {
		static const char *const id[4] = { "SLDT", "STR", "LLDT", "LTR" };

		add(w, "%s", id[(i >> 28) & 3]);
	} else {
		add(w, "reg2 %s", gpr_names[(i >> 28) & 0xf]);
	}
	if ((i >> 10) & 1)
		add(w, "register operand %s", gpr_names[(i >> 3) & 0xf]);
	else
		add_mem_operand(w, i);
}

void vmx_exit_insn_info_decode(char *buf, size_t len, uint32_t reason,
			       uint64_t i)
{
	struct words w = { buf, len };
	unsigned basic = reason & EXIT_REASON_BASIC_MASK;
	static const char *const desc_id[4] = { "SGDT", "SIDT", "LGDT", "LIDT" };

	buf[0] = '\0';
	switch (info_form(basic)) {
	case INFO_INS_OUTS:
		add(&w, "%s %s", addr_size(i), seg_names[(i >> 15) & 7]);
		break;
	case INFO_MEM:
		if (basic == EXIT_REASON_INVEPT || basic == EXIT_REASON_INVVPID ||
		    basic == EXIT_REASON_INVPCID)
			add(&w, "type in %s", gpr_names[(i >> 28) & 0xf]);
		add_mem_operand(&w, i);
		break;
	case INFO_MEM_REG:
		info_mem_reg(&w, i, basic);
		break;
	case INFO_DESC:
		add(&w, "%s, operand size %s", desc_id[(i >> 28) & 3],
		    (i >> 11) & 1 ? "32" : "16");
		add_mem_operand(&w, i);
		break;
	case INFO_RDRAND:
		add(&w, "destination %s, operand size %u",
		    gpr_names[(i >> 3) & 0xf], 16u << ((i >> 11) & 3));
		break;
	case INFO_NONE:
		break;
	}
}

/* ---- other formats ------------------------------------------------------ */

static void add_intr_info(struct words *w, uint64_t v)
{
	if (!(v & INTR_INFO_VALID)) {
		add(w, "not valid");
		return;
	}
	add(w, "valid, %s, vector %u%s%s",
	    event_types[(v & INTR_INFO_TYPE_MASK) >> INTR_INFO_TYPE_SHIFT],
	    (unsigned)(v & INTR_INFO_VECTOR_MASK),
	    v & INTR_INFO_DELIVER_CODE ? ", error code" : "",
	    v & INTR_INFO_NMI_UNBLOCKED_IRET ? ", NMI unblocked by IRET" : "");
}

static void add_exit_reason(struct words *w, uint64_t v)
{
	const char *name = vmx_exit_reason_name((unsigned)(v & EXIT_REASON_BASIC_MASK));

	if (name)
		add(w, "%s", name);
	else
		add(w, "reason %u", (unsigned)(v & EXIT_REASON_BASIC_MASK));
	if (v & EXIT_REASON_FAILED_VMENTRY)
		add(w, "VM-entry failure");
	if (v & EXIT_REASON_FROM_ROOT)
		add(w, "from VMX root");
	if (v & EXIT_REASON_PENDING_MTF)
		add(w, "pending MTF");
	if (v & EXIT_REASON_ENCLAVE)
		add(w, "in enclave");
}

static const char *const insn_errors[29] = {
	[1] = "VMCALL executed in VMX root operation",
	[2] = "VMCLEAR with invalid physical address",
	[3] = "VMCLEAR with VMXON pointer",
	[4] = "VMLAUNCH with non-clear VMCS",
	[5] = "VMRESUME with non-launched VMCS",
	[6] = "VMRESUME after VMXOFF",
	[7] = "VM entry with invalid control field(s)",
	[8] = "VM entry with invalid host-state field(s)",
	[9] = "VMPTRLD with invalid physical address",
	[10] = "VMPTRLD with VMXON pointer",
	[11] = "VMPTRLD with incorrect VMCS revision identifier",
	[12] = "VMREAD/VMWRITE from/to unsupported VMCS component",
	[13] = "VMWRITE to read-only VMCS component",
	[15] = "VMXON executed in VMX root operation",
	[16] = "VM entry with invalid executive-VMCS pointer",
	[17] = "VM entry with non-launched executive VMCS",
	[18] = "VM entry with executive-VMCS pointer not VMXON pointer",
	[19] = "VMCALL with non-clear VMCS",
	[20] = "VMCALL with invalid VM-exit control fields",
	[22] = "VMCALL with incorrect MSEG revision identifier",
	[23] = "VMXOFF under dual-monitor treatment of SMIs and SMM",
	[24] = "VMCALL with invalid SMM-monitor features",
	[25] = "VM entry with invalid VM-execution control fields in executive VMCS",
	[26] = "VM entry with events blocked by MOV SS",
	[28] = "invalid operand to INVEPT/INVVPID",
};

const char *vmx_insn_error_name(uint64_t err)
{
	return err < sizeof(insn_errors) / sizeof(insn_errors[0]) ? insn_errors[err]
								  : NULL;
}

static const char *const activity_names[4] = {
	"active", "HLT", "shutdown", "wait-for-SIPI",
};

const char *vmx_activity_name(uint64_t a)
{
	return a < 4 ? activity_names[a] : NULL;
}

const char *vmx_event_type_name(unsigned type)
{
	return event_types[type & 7];
}

static void add_access_rights(struct words *w, uint64_t ar)
{
	if (ar & SEG_AR_UNUSABLE) {
		add(w, "unusable");
		return;
	}
	add(w, "type %u%s DPL %u%s%s%s%s", (unsigned)(ar & SEG_AR_TYPE_MASK),
	    ar & SEG_AR_S ? " code/data" : " system",
	    (unsigned)((ar & SEG_AR_DPL_MASK) >> SEG_AR_DPL_SHIFT),
	    ar & SEG_AR_P ? " P" : " not-present", ar & SEG_AR_L ? " L" : "",
	    ar & SEG_AR_DB ? " D/B" : "", ar & SEG_AR_G ? " G" : "");
}

/* The VMX names of the interruptibility bits (SDM Table 25-3). */
static const struct bit_name intr_block_bits[] = {
	{ INTR_BLOCK_STI, "blocking-by-STI" },
	{ INTR_BLOCK_MOV_SS, "blocking-by-MOV-SS" },
	{ INTR_BLOCK_SMI, "blocking-by-SMI" },
	{ INTR_BLOCK_NMI, "blocking-by-NMI" },
	{ 1u << 4, "enclave-interruption" }, { 0, NULL },
};

static const struct bit_name pending_dbg_bits[] = {
	{ 1u << 0, "B0" }, { 1u << 1, "B1" }, { 1u << 2, "B2" },
	{ 1u << 3, "B3" }, { 1u << 12, "enabled-breakpoint" },
	{ 1u << 14, "BS" }, { 1u << 16, "RTM" }, { 0, NULL },
};

/* Fields decoded by a bit table, whatever their group. */
static const struct {
	uint32_t enc;
	const struct bit_name *bits;
} bit_fields[] = {
	{ VMCS_GUEST_CR0, cpu_cr0_bits }, { VMCS_HOST_CR0, cpu_cr0_bits },
	{ VMCS_CR0_GUEST_HOST_MASK, cpu_cr0_bits },
	{ VMCS_CR0_READ_SHADOW, cpu_cr0_bits },
	{ VMCS_GUEST_CR4, cpu_cr4_bits }, { VMCS_HOST_CR4, cpu_cr4_bits },
	{ VMCS_CR4_GUEST_HOST_MASK, cpu_cr4_bits },
	{ VMCS_CR4_READ_SHADOW, cpu_cr4_bits },
	{ VMCS_GUEST_IA32_EFER, cpu_efer_bits }, { VMCS_HOST_IA32_EFER, cpu_efer_bits },
	{ VMCS_GUEST_INTERRUPTIBILITY_INFO, intr_block_bits },
	{ VMCS_GUEST_PENDING_DBG_EXCEPTIONS, pending_dbg_bits },
};

static bool is_access_rights(uint32_t enc)
{
	return enc >= VMCS_GUEST_ES_AR_BYTES && enc <= VMCS_GUEST_TR_AR_BYTES &&
	       !(enc & 1);
}

static void add_named(struct words *w, const char *name)
{
	if (name)
		add(w, "%s", name);
}

void vmcs_decode_value(char *buf, size_t len, uint32_t enc, uint64_t v,
		       const struct vmcs_decode_ctx *ctx)
{
	struct words w = { buf, len };
	int word = ctl_word_of(enc);

	buf[0] = '\0';
	if (word >= 0) {
		add_controls(&w, (unsigned)word, v);
		return;
	}
	for (size_t i = 0; i < sizeof(bit_fields) / sizeof(bit_fields[0]); i++)
		if (bit_fields[i].enc == enc) {
			add_bits(&w, bit_fields[i].bits, v);
			return;
		}
	if (enc == VMCS_GUEST_RFLAGS) {
		add_bits(&w, cpu_rflags_bits, v & ~RFLAGS_FIXED1);
		return;
	}
	if (is_access_rights(enc)) {
		add_access_rights(&w, v);
		return;
	}
	switch (enc) {
	case VMCS_VM_EXIT_REASON:
		add_exit_reason(&w, v);
		break;
	case VMCS_EXIT_QUALIFICATION:
		if (ctx)
			vmx_exit_qual_decode(buf, len, ctx->exit_reason,
					     ctx->exit_intr_info, v);
		break;
	case VMCS_VMX_INSTRUCTION_INFO:
		if (ctx)
			vmx_exit_insn_info_decode(buf, len, ctx->exit_reason, v);
		break;
	case VMCS_VM_INSTRUCTION_ERROR:
		if (v)
			add_named(&w, vmx_insn_error_name(v));
		break;
	case VMCS_VM_ENTRY_INTR_INFO_FIELD:
	case VMCS_VM_EXIT_INTR_INFO:
	case VMCS_IDT_VECTORING_INFO_FIELD:
		add_intr_info(&w, v);
		break;
	case VMCS_GUEST_ACTIVITY_STATE:
		add_named(&w, vmx_activity_name(v));
		break;
	case VMCS_GUEST_INTR_STATUS:    /* SDM 25.4.2: RVI 7:0, SVI 15:8 */
		add(&w, "RVI %#x SVI %#x", (unsigned)(v & 0xff),
		    (unsigned)((v >> 8) & 0xff));
		break;
	default:
		break;
	}
}

/* ---- the grouped listing ------------------------------------------------ */

void vmcs_print(FILE *f, vmcs_get_fn get, void *opaque, const char *indent)
{
	static const char *const titles[4] = {
		"control fields", "VM-exit information fields (read-only)",
		"guest-state area", "host-state area",
	};
	struct vmcs_decode_ctx ctx = { UINT32_MAX, 0 };
	uint64_t v;
	char dec[512];

	if (get(opaque, VMCS_VM_EXIT_REASON, &v))
		ctx.exit_reason = (uint32_t)v;
	if (get(opaque, VMCS_VM_EXIT_INTR_INFO, &v))
		ctx.exit_intr_info = (uint32_t)v;
	for (unsigned g = 0; g < 4; g++) {
		fprintf(f, "%s%s:\n", indent, titles[g]);
		for (unsigned i = 0; i < VMCS_FIELD_COUNT; i++) {
			const struct vmcs_field *fl = &vmcs_field_table[i];

			if (fl->group != g || !get(opaque, fl->encoding, &v))
				continue;
			vmcs_decode_value(dec, sizeof(dec), fl->encoding, v, &ctx);
			fprintf(f, "%s  %-34s %04x %016" PRIx64 "%s%s\n", indent,
				fl->name, fl->encoding, v, dec[0] ? "  " : "", dec);
		}
	}
}
