// SPDX-License-Identifier: MIT
#include "gdb/gdb_regs.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* How a register maps onto struct cpu_state. */
enum reg_kind {
	RK_FIELD,      /* little-endian field at off, fsize bytes */
	RK_FTAG,       /* x87 tag word from the abridged one */
};

enum reg_feature { F_CORE, F_SSE, F_SEGMENTS, F_SYS, F_COUNT };

struct reg_desc {
	const char *name;
	unsigned bits;
	const char *type;
	enum reg_feature feature;
	enum reg_kind kind;
	size_t off;
	unsigned fsize;
};

#define FLD(n, b, t, f, field) \
	{ n, b, t, f, RK_FIELD, offsetof(struct cpu_state, field), \
	  sizeof(((struct cpu_state *)0)->field) }
#define GPR(n, i) FLD(n, 64, "int64", F_CORE, gpr[i])
#define SEL(n, i) FLD(n, 32, "int32", F_CORE, seg[i].sel)
#define ST(i) FLD("st" #i, 80, "i387_ext", F_CORE, fpu.st[i])
#define XMM(i) FLD("xmm" #i, 128, "vec128", F_SSE, fpu.xmm[i])
#define BASE(n, i) FLD(n, 64, "data_ptr", F_SYS, seg[i].base)

static const struct reg_desc regs[] = {
	GPR("rax", GPR_RAX), GPR("rbx", GPR_RBX), GPR("rcx", GPR_RCX),
	GPR("rdx", GPR_RDX), GPR("rsi", GPR_RSI), GPR("rdi", GPR_RDI),
	FLD("rbp", 64, "data_ptr", F_CORE, gpr[GPR_RBP]),
	FLD("rsp", 64, "data_ptr", F_CORE, gpr[GPR_RSP]),
	GPR("r8", GPR_R8), GPR("r9", GPR_R9), GPR("r10", GPR_R10),
	GPR("r11", GPR_R11), GPR("r12", GPR_R12), GPR("r13", GPR_R13),
	GPR("r14", GPR_R14), GPR("r15", GPR_R15),
	FLD("rip", 64, "code_ptr", F_CORE, rip),
	FLD("eflags", 32, "i386_eflags", F_CORE, rflags),
	SEL("cs", SEG_CS), SEL("ss", SEG_SS), SEL("ds", SEG_DS),
	SEL("es", SEG_ES), SEL("fs", SEG_FS), SEL("gs", SEG_GS),
	ST(0), ST(1), ST(2), ST(3), ST(4), ST(5), ST(6), ST(7),
	FLD("fctrl", 32, "int", F_CORE, fpu.fcw),
	FLD("fstat", 32, "int", F_CORE, fpu.fsw),
	{ "ftag", 32, "int", F_CORE, RK_FTAG, 0, 0 },
	FLD("fiseg", 32, "int", F_CORE, fpu.fcs),
	FLD("fioff", 32, "int", F_CORE, fpu.fip),
	FLD("foseg", 32, "int", F_CORE, fpu.fds),
	FLD("fooff", 32, "int", F_CORE, fpu.fdp),
	FLD("fop", 32, "int", F_CORE, fpu.fop),
	XMM(0), XMM(1), XMM(2), XMM(3), XMM(4), XMM(5), XMM(6), XMM(7),
	XMM(8), XMM(9), XMM(10), XMM(11), XMM(12), XMM(13), XMM(14), XMM(15),
	FLD("mxcsr", 32, "i386_mxcsr", F_SSE, fpu.mxcsr),
	FLD("fs_base", 64, "int", F_SEGMENTS, seg[SEG_FS].base),
	FLD("gs_base", 64, "int", F_SEGMENTS, seg[SEG_GS].base),
	FLD("cr0", 64, "int", F_SYS, cr0),
	FLD("cr2", 64, "int", F_SYS, cr2),
	FLD("cr3", 64, "int", F_SYS, cr3),
	FLD("cr4", 64, "int", F_SYS, cr4),
	FLD("cr8", 64, "int", F_SYS, cr8),
	FLD("efer", 64, "int", F_SYS, efer),
	BASE("es_base", SEG_ES), BASE("cs_base", SEG_CS),
	BASE("ss_base", SEG_SS), BASE("ds_base", SEG_DS),
	FLD("ldtr", 32, "int32", F_SYS, seg[SEG_LDTR].sel),
	FLD("tr", 32, "int32", F_SYS, seg[SEG_TR].sel),
	BASE("tr_base", SEG_TR),
	FLD("gdtr_base", 64, "data_ptr", F_SYS, gdtr.base),
	FLD("gdtr_limit", 32, "int32", F_SYS, gdtr.limit),
	FLD("idtr_base", 64, "data_ptr", F_SYS, idtr.base),
	FLD("idtr_limit", 32, "int32", F_SYS, idtr.limit),
	FLD("k_gs_base", 64, "int", F_SYS, msr.kernel_gs_base),
};

#define NR_REGS (sizeof(regs) / sizeof(regs[0]))

unsigned gdb_reg_count(void)
{
	return NR_REGS;
}

size_t gdb_regs_bytes(void)
{
	size_t n = 0;

	for (unsigned i = 0; i < NR_REGS; i++)
		n += regs[i].bits / 8;
	return n;
}

const char *gdb_reg_name(unsigned n)
{
	return n < NR_REGS ? regs[n].name : NULL;
}

unsigned gdb_reg_size(unsigned n)
{
	return n < NR_REGS ? regs[n].bits / 8 : 0;
}

int gdb_reg_find(const char *name)
{
	for (unsigned i = 0; i < NR_REGS; i++)
		if (!strcmp(regs[i].name, name))
			return (int)i;
	return -1;
}

/* The full x87 tag word (SDM Vol. 1 8.1.7) from the abridged one: 00
 * valid for every non-empty register (gdb only tells empty from not). */
static uint16_t full_tag(uint8_t ftw)
{
	uint16_t t = 0;

	for (unsigned i = 0; i < 8; i++)
		if (!(ftw & (1u << i)))
			t |= (uint16_t)(3u << (2 * i));
	return t;
}

static uint8_t abridged_tag(uint16_t tag)
{
	uint8_t ftw = 0;

	for (unsigned i = 0; i < 8; i++)
		if (((tag >> (2 * i)) & 3) != 3)
			ftw |= (uint8_t)(1u << i);
	return ftw;
}

bool gdb_reg_get(const struct cpu_state *s, unsigned n, uint8_t *out)
{
	const struct reg_desc *r;
	unsigned size;

	if (n >= NR_REGS)
		return false;
	r = &regs[n];
	size = r->bits / 8;
	memset(out, 0, size);
	if (r->kind == RK_FTAG) {
		uint16_t t = full_tag(s->fpu.ftw);

		memcpy(out, &t, sizeof(t));
		return true;
	}
	memcpy(out, (const uint8_t *)s + r->off, r->fsize < size ? r->fsize : size);
	return true;
}

bool gdb_reg_set(struct cpu_state *s, unsigned n, const uint8_t *in)
{
	const struct reg_desc *r;
	unsigned size;

	if (n >= NR_REGS)
		return false;
	r = &regs[n];
	size = r->bits / 8;
	if (r->kind == RK_FTAG) {
		uint16_t t;

		memcpy(&t, in, sizeof(t));
		s->fpu.ftw = abridged_tag(t);
		return true;
	}
	memcpy((uint8_t *)s + r->off, in, r->fsize < size ? r->fsize : size);
	return true;
}

/* ---- target.xml --------------------------------------------------------- */

static const char *const feature_names[F_COUNT] = {
	[F_CORE] = "org.gnu.gdb.i386.core",
	[F_SSE] = "org.gnu.gdb.i386.sse",
	[F_SEGMENTS] = "org.gnu.gdb.i386.segments",
	[F_SYS] = "org.vmxbox.i386.sys",
};

/* Types the standard features use, described in the XML itself. */
static const char *const feature_types[F_COUNT] = {
	[F_CORE] =
	"<flags id=\"i386_eflags\" size=\"4\">"
	"<field name=\"CF\" start=\"0\" end=\"0\"/><field name=\"\" start=\"1\" end=\"1\"/>"
	"<field name=\"PF\" start=\"2\" end=\"2\"/><field name=\"AF\" start=\"4\" end=\"4\"/>"
	"<field name=\"ZF\" start=\"6\" end=\"6\"/><field name=\"SF\" start=\"7\" end=\"7\"/>"
	"<field name=\"TF\" start=\"8\" end=\"8\"/><field name=\"IF\" start=\"9\" end=\"9\"/>"
	"<field name=\"DF\" start=\"10\" end=\"10\"/><field name=\"OF\" start=\"11\" end=\"11\"/>"
	"<field name=\"NT\" start=\"14\" end=\"14\"/><field name=\"RF\" start=\"16\" end=\"16\"/>"
	"<field name=\"VM\" start=\"17\" end=\"17\"/><field name=\"AC\" start=\"18\" end=\"18\"/>"
	"<field name=\"VIF\" start=\"19\" end=\"19\"/><field name=\"VIP\" start=\"20\" end=\"20\"/>"
	"<field name=\"ID\" start=\"21\" end=\"21\"/></flags>",
	[F_SSE] =
	"<vector id=\"v4f\" type=\"ieee_single\" count=\"4\"/>"
	"<vector id=\"v2d\" type=\"ieee_double\" count=\"2\"/>"
	"<vector id=\"v16i8\" type=\"int8\" count=\"16\"/>"
	"<vector id=\"v8i16\" type=\"int16\" count=\"8\"/>"
	"<vector id=\"v4i32\" type=\"int32\" count=\"4\"/>"
	"<vector id=\"v2i64\" type=\"int64\" count=\"2\"/>"
	"<union id=\"vec128\"><field name=\"v4_float\" type=\"v4f\"/>"
	"<field name=\"v2_double\" type=\"v2d\"/><field name=\"v16_int8\" type=\"v16i8\"/>"
	"<field name=\"v8_int16\" type=\"v8i16\"/><field name=\"v4_int32\" type=\"v4i32\"/>"
	"<field name=\"v2_int64\" type=\"v2i64\"/><field name=\"uint128\" type=\"uint128\"/></union>"
	"<flags id=\"i386_mxcsr\" size=\"4\">"
	"<field name=\"IE\" start=\"0\" end=\"0\"/><field name=\"DE\" start=\"1\" end=\"1\"/>"
	"<field name=\"ZE\" start=\"2\" end=\"2\"/><field name=\"OE\" start=\"3\" end=\"3\"/>"
	"<field name=\"UE\" start=\"4\" end=\"4\"/><field name=\"PE\" start=\"5\" end=\"5\"/>"
	"<field name=\"DAZ\" start=\"6\" end=\"6\"/><field name=\"IM\" start=\"7\" end=\"7\"/>"
	"<field name=\"DM\" start=\"8\" end=\"8\"/><field name=\"ZM\" start=\"9\" end=\"9\"/>"
	"<field name=\"OM\" start=\"10\" end=\"10\"/><field name=\"UM\" start=\"11\" end=\"11\"/>"
	"<field name=\"PM\" start=\"12\" end=\"12\"/><field name=\"FZ\" start=\"15\" end=\"15\"/>"
	"</flags>",
};

static char xml[16384];
static pthread_once_t xml_once = PTHREAD_ONCE_INIT;

static size_t put(size_t o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o >= sizeof(xml))
		return o;
	va_start(ap, fmt);
	n = vsnprintf(xml + o, sizeof(xml) - o, fmt, ap);
	va_end(ap);
	return n < 0 ? o : o + (size_t)n;
}

/* Registers in table order, which is also feature order: the regnum of
 * each is its index, the number p/P use. */
static void build_xml(void)
{
	size_t o = 0;

	o = put(o, "<?xml version=\"1.0\"?><!DOCTYPE target SYSTEM \"gdb-target.dtd\">"
		"<target version=\"1.0\"><architecture>i386:x86-64</architecture>");
	for (unsigned f = 0; f < F_COUNT; f++) {
		o = put(o, "<feature name=\"%s\">%s", feature_names[f],
			feature_types[f] ? feature_types[f] : "");
		for (unsigned i = 0; i < NR_REGS; i++)
			if (regs[i].feature == f)
				o = put(o, "<reg name=\"%s\" bitsize=\"%u\" type=\"%s\" regnum=\"%u\"/>",
					regs[i].name, regs[i].bits, regs[i].type, i);
		o = put(o, "</feature>");
	}
	put(o, "</target>");
}

const char *gdb_target_xml(void)
{
	pthread_once(&xml_once, build_xml);
	return xml;
}
