// SPDX-License-Identifier: MIT
/*
 * vCPU section: struct cpu_state by field name, driven by snap_cpu_fields,
 * plus "msrs" (index -> value) for everything cpu_msr_table keeps in
 * struct cpu_msrs.  tests/snapshot checks that the table covers every byte
 * of struct cpu_state that is not padding, so a field added to the struct
 * without a row here fails the tests.
 */
#include "snapshot/snap_internal.h"
#include "core/cpu_model.h"

#include <pthread.h>
#include <string.h>

#define F(nm, fld, k) { nm, offsetof(struct cpu_state, fld), \
	sizeof(((struct cpu_state *)0)->fld), k, false }
/* A field added after the first format-1 writers: optional on read. */
#define LATER(nm, fld, k) { nm, offsetof(struct cpu_state, fld), \
	sizeof(((struct cpu_state *)0)->fld), k, true }
#define U(nm, fld) F(nm, fld, SNAP_F_UINT)
/* A slice of a byte array as an unsigned integer (little endian). */
#define SLICE(nm, fld, off, sz) { nm, offsetof(struct cpu_state, fld) + (off), \
	sz, SNAP_F_UINT, true }
/* x87 register Ri: significand and sign+exponent (struct fpu_state). */
#define ST(i) SLICE("fpu.st" #i ".mant", fpu.st[i], 0, 8), \
	SLICE("fpu.st" #i ".sexp", fpu.st[i], 8, 2)
#define XMM(i) SLICE("fpu.xmm" #i ".lo", fpu.xmm[i], 0, 8), \
	SLICE("fpu.xmm" #i ".hi", fpu.xmm[i], 8, 8)
/* Bytes 8i..8i+7 of the monitored line's contents at MONITOR. */
#define MLINE(i) SLICE("monitor.line" #i, monitor_line, (i) * 8, 8)
#define B(nm, fld) F(nm, fld, SNAP_F_BOOL)
#define SEG(s, i) U(s ".sel", seg[i].sel), U(s ".base", seg[i].base), \
	U(s ".limit", seg[i].limit), U(s ".ar", seg[i].ar)
#define EVT(e) B(#e ".valid", e.valid), U(#e ".type", e.type), \
	U(#e ".vector", e.vector), B(#e ".has_error_code", e.has_error_code), \
	U(#e ".error_code", e.error_code), U(#e ".insn_len", e.insn_len)

const struct snap_cpu_field snap_cpu_fields[] = {
	U("rax", gpr[GPR_RAX]), U("rcx", gpr[GPR_RCX]), U("rdx", gpr[GPR_RDX]),
	U("rbx", gpr[GPR_RBX]), U("rsp", gpr[GPR_RSP]), U("rbp", gpr[GPR_RBP]),
	U("rsi", gpr[GPR_RSI]), U("rdi", gpr[GPR_RDI]), U("r8", gpr[GPR_R8]),
	U("r9", gpr[GPR_R9]), U("r10", gpr[GPR_R10]), U("r11", gpr[GPR_R11]),
	U("r12", gpr[GPR_R12]), U("r13", gpr[GPR_R13]), U("r14", gpr[GPR_R14]),
	U("r15", gpr[GPR_R15]),
	U("rip", rip), U("rflags", rflags),
	U("cr0", cr0), U("cr2", cr2), U("cr3", cr3), U("cr4", cr4),
	U("cr8", cr8), U("xcr0", xcr0),
	U("dr0", dr[0]), U("dr1", dr[1]), U("dr2", dr[2]), U("dr3", dr[3]),
	U("dr4", dr[4]), U("dr5", dr[5]), U("dr6", dr[6]), U("dr7", dr[7]),
	U("efer", efer),
	SEG("es", SEG_ES), SEG("cs", SEG_CS), SEG("ss", SEG_SS),
	SEG("ds", SEG_DS), SEG("fs", SEG_FS), SEG("gs", SEG_GS),
	SEG("ldtr", SEG_LDTR), SEG("tr", SEG_TR),
	U("gdtr.base", gdtr.base), U("gdtr.limit", gdtr.limit),
	U("idtr.base", idtr.base), U("idtr.limit", idtr.limit),
	U("tsc", tsc), U("insn_count", insn_count),
	EVT(pending_exception), EVT(injected),
	B("nmi_pending", nmi_pending),
	LATER("init_pending", init_pending, SNAP_F_BOOL),
	U("interruptibility", interruptibility), U("activity", activity),
	U("pending_dbg", pending_dbg),
	/* PAE PDPTE registers (SDM 4.4.1); absent in older snapshots: then
	 * not loaded, the interp reloads them from CR3. */
	LATER("pdpte0", pdpte[0], SNAP_F_UINT),
	LATER("pdpte1", pdpte[1], SNAP_F_UINT),
	LATER("pdpte2", pdpte[2], SNAP_F_UINT),
	LATER("pdpte3", pdpte[3], SNAP_F_UINT),
	LATER("pdpte_valid", pdpte_valid, SNAP_F_BOOL),
	/* x87/SSE state (struct fpu_state); absent in older snapshots: then
	 * the reset values of a state made by cpu_state_reset() stay. */
	LATER("fpu.fcw", fpu.fcw, SNAP_F_UINT), LATER("fpu.fsw", fpu.fsw, SNAP_F_UINT),
	LATER("fpu.ftw", fpu.ftw, SNAP_F_UINT), LATER("fpu.fop", fpu.fop, SNAP_F_UINT),
	LATER("fpu.fip", fpu.fip, SNAP_F_UINT), LATER("fpu.fdp", fpu.fdp, SNAP_F_UINT),
	LATER("fpu.fcs", fpu.fcs, SNAP_F_UINT), LATER("fpu.fds", fpu.fds, SNAP_F_UINT),
	LATER("fpu.mxcsr", fpu.mxcsr, SNAP_F_UINT),
	ST(0), ST(1), ST(2), ST(3), ST(4), ST(5), ST(6), ST(7),
	XMM(0), XMM(1), XMM(2), XMM(3), XMM(4), XMM(5), XMM(6), XMM(7),
	XMM(8), XMM(9), XMM(10), XMM(11), XMM(12), XMM(13), XMM(14), XMM(15),
	/* MONITOR/MWAIT (cpu_state.h); absent in older snapshots: then the
	 * monitor is unarmed and no MWAIT waits. */
	LATER("monitor_armed", monitor_armed, SNAP_F_BOOL),
	LATER("monitor_gpa", monitor_gpa, SNAP_F_UINT),
	MLINE(0), MLINE(1), MLINE(2), MLINE(3),
	MLINE(4), MLINE(5), MLINE(6), MLINE(7),
	LATER("mwait", mwait, SNAP_F_UINT),
};

const size_t snap_cpu_fields_len =
	sizeof(snap_cpu_fields) / sizeof(snap_cpu_fields[0]);

#define N_FIELDS (sizeof(snap_cpu_fields) / sizeof(snap_cpu_fields[0]))

/*
 * Keys older snapshots have and this version no longer keeps: read and
 * dropped.  ext_intr_pending/ext_intr_vector were the one latched
 * interrupt of the machines before the local APIC; interrupts now wait
 * in the APIC's IRR (device "lapic"), so a latched one is lost.
 */
static const struct {
	const char *name;
	enum snap_field_kind kind;
} retired_keys[] = {
	{ "ext_intr_pending", SNAP_F_BOOL },
	{ "ext_intr_vector", SNAP_F_UINT },
};
#define N_RETIRED (sizeof(retired_keys) / sizeof(retired_keys[0]))

static bool skip_retired(struct cin *in, const uint8_t *key, size_t klen,
			 bool *done)
{
	for (size_t i = 0; i < N_RETIRED; i++) {
		uint64_t u;
		bool b;

		if (strlen(retired_keys[i].name) != klen ||
		    memcmp(retired_keys[i].name, key, klen))
			continue;
		*done = true;
		return retired_keys[i].kind == SNAP_F_BOOL ? cin_bool(in, &b)
							   : cin_uint(in, &u);
	}
	*done = false;
	return true;
}

uint64_t snap_cpu_field_get(const struct cpu_state *c,
			    const struct snap_cpu_field *f)
{
	const uint8_t *p = (const uint8_t *)c + f->offset;
	uint8_t v8; uint16_t v16; uint32_t v32; uint64_t v64 = 0;

	if (f->kind == SNAP_F_BOOL) {
		bool b;

		memcpy(&b, p, sizeof(b));
		return b;
	}
	switch (f->size) {
	case 1: memcpy(&v8, p, 1); return v8;
	case 2: memcpy(&v16, p, 2); return v16;
	case 4: memcpy(&v32, p, 4); return v32;
	default: memcpy(&v64, p, 8); return v64;
	}
}

void snap_cpu_field_set(struct cpu_state *c, const struct snap_cpu_field *f,
			uint64_t v)
{
	uint8_t *p = (uint8_t *)c + f->offset;
	uint8_t v8 = (uint8_t)v; uint16_t v16 = (uint16_t)v;
	uint32_t v32 = (uint32_t)v;

	if (f->kind == SNAP_F_BOOL) {
		bool b = v != 0;

		memcpy(p, &b, sizeof(b));
		return;
	}
	switch (f->size) {
	case 1: memcpy(p, &v8, 1); break;
	case 2: memcpy(p, &v16, 2); break;
	case 4: memcpy(p, &v32, 4); break;
	default: memcpy(p, &v, 8); break;
	}
}

bool snap_msr_is_field(const struct msr_desc *d)
{
	size_t lo = offsetof(struct cpu_state, msr);

	return d->offset < lo || d->offset >= lo + sizeof(struct cpu_msrs);
}

/* ---- canonical key order, computed once -------------------------------- */

static int cmp_keys_ctx(const char *const *keys, unsigned a, unsigned b)
{
	return cbor_text_key_cmp(keys[a], keys[b]);
}

void snap_sort_keys(const char *const *keys, size_t n, unsigned *idx)
{
	/* Insertion sort: n is small and this keeps it reentrant. */
	for (size_t i = 0; i < n; i++) {
		size_t j = i;

		idx[i] = (unsigned)i;
		while (j > 0 && cmp_keys_ctx(keys, idx[j - 1], idx[j]) > 0) {
			unsigned t = idx[j - 1];

			idx[j - 1] = idx[j];
			idx[j] = t;
			j--;
		}
	}
}

/* CPU map keys: every field plus "msrs". */
#define N_CPU_KEYS (N_FIELDS + 1)
static const char *cpu_keys[N_CPU_KEYS];
static unsigned cpu_order[N_CPU_KEYS];
static pthread_once_t cpu_once = PTHREAD_ONCE_INIT;

static void cpu_order_init(void)
{
	for (size_t i = 0; i < N_FIELDS; i++)
		cpu_keys[i] = snap_cpu_fields[i].name;
	cpu_keys[N_FIELDS] = "msrs";
	snap_sort_keys(cpu_keys, N_CPU_KEYS, cpu_order);
}

static size_t n_saved_msrs(void)
{
	size_t n = 0;

	for (size_t i = 0; i < cpu_msr_table_len; i++)
		n += !snap_msr_is_field(&cpu_msr_table[i]);
	return n;
}

static void encode_msrs(struct cout *o, const struct cpu_state *c)
{
	/* Integer keys: canonical order is numeric order. */
	uint32_t last = 0;
	size_t n = n_saved_msrs();

	cout_map(o, n);
	for (size_t k = 0; k < n; k++) {
		const struct msr_desc *best = NULL;

		for (size_t i = 0; i < cpu_msr_table_len; i++) {
			const struct msr_desc *d = &cpu_msr_table[i];

			if (snap_msr_is_field(d) || (k && d->index <= last))
				continue;
			if (!best || d->index < best->index)
				best = d;
		}
		uint64_t v = 0;

		cpu_msr_get(c, best->index, &v);
		cout_uint(o, best->index);
		cout_uint(o, v);
		last = best->index;
	}
}

void snap_cpu_encode(struct cout *o, const struct cpu_state *c)
{
	pthread_once(&cpu_once, cpu_order_init);
	cout_map(o, N_CPU_KEYS);
	for (size_t k = 0; k < N_CPU_KEYS; k++) {
		unsigned i = cpu_order[k];

		cout_text(o, cpu_keys[i]);
		if (i == N_FIELDS) {
			encode_msrs(o, c);
			continue;
		}
		const struct snap_cpu_field *f = &snap_cpu_fields[i];
		uint64_t v = snap_cpu_field_get(c, f);

		if (f->kind == SNAP_F_BOOL)
			cout_bool(o, v != 0);
		else
			cout_uint(o, v);
	}
}

/* MSRs added to cpu_msr_table after the first format-1 writers: a
 * snapshot without them loads, they keep their reset value 0. */
static bool msr_optional(const struct msr_desc *d)
{
	return cpu_msr_is_mtrr(d->index) || d->index == MSR_IA32_XSS;
}

static size_t n_required_msrs(void)
{
	size_t n = 0;

	for (size_t i = 0; i < cpu_msr_table_len; i++)
		n += !snap_msr_is_field(&cpu_msr_table[i]) &&
		     !msr_optional(&cpu_msr_table[i]);
	return n;
}

static bool decode_msrs(struct cin *in, struct cpu_state *c)
{
	size_t want = n_saved_msrs(), required = 0;
	bool seen[256] = { false };
	uint64_t n;

	if (!cin_map(in, want, &n))
		return false;
	for (uint64_t k = 0; k < n; k++) {
		uint64_t idx, v;

		if (!cin_uint_max(in, UINT32_MAX, &idx))
			return false;
		const struct msr_desc *d = cpu_msr_lookup((uint32_t)idx);

		if (!d || snap_msr_is_field(d))
			return cin_fail(in, "unknown MSR %#llx",
					(unsigned long long)idx);
		size_t row = (size_t)(d - cpu_msr_table);

		if (row < 256 && seen[row])
			return cin_fail(in, "duplicate MSR %#llx",
					(unsigned long long)idx);
		if (row < 256)
			seen[row] = true;
		required += !msr_optional(d);
		size_t old = cin_push(in, ".%s", d->name);

		if (!cin_uint(in, &v))
			return false;
		cin_pop(in, old);
		cpu_msr_set(c, d->index, v);
	}
	if (required != n_required_msrs())
		return cin_fail(in, "%llu MSRs present, %zu expected",
				(unsigned long long)n, want);
	return true;
}

static bool decode_field(struct cin *in, struct cpu_state *c,
			 const struct snap_cpu_field *f)
{
	uint64_t v;

	if (f->kind == SNAP_F_BOOL) {
		bool b;

		if (!cin_bool(in, &b))
			return false;
		snap_cpu_field_set(c, f, b);
		return true;
	}
	uint64_t max = f->size == 8 ? UINT64_MAX : (1ull << (f->size * 8)) - 1;

	if (!cin_uint_max(in, max, &v))
		return false;
	snap_cpu_field_set(c, f, v);
	return true;
}

/* Architectural sanity beyond widths: values the engines index with. */
static bool check_cpu(struct cin *in, const struct cpu_state *c)
{
	static const uint8_t ok_types = 1u << EVT_EXT_INTR | 1u << EVT_NMI |
		1u << EVT_HW_EXCEPTION | 1u << EVT_SW_INTR |
		1u << EVT_PRIV_SW_EXCEPTION | 1u << EVT_SW_EXCEPTION |
		1u << EVT_OTHER;

	if (c->activity > ACTIVITY_WAIT_SIPI)
		return cin_fail(in, "activity: invalid activity state %u",
				c->activity);
	if (c->interruptibility & ~0x1fu)
		return cin_fail(in, "interruptibility: reserved bits set (%#x)",
				c->interruptibility);
	if (c->pending_exception.type > 7 ||
	    !(ok_types & (1u << c->pending_exception.type)))
		return cin_fail(in, "pending_exception.type: invalid event type %u",
				c->pending_exception.type);
	if (c->injected.type > 7 || !(ok_types & (1u << c->injected.type)))
		return cin_fail(in, "injected.type: invalid event type %u",
				c->injected.type);
	if (c->pending_exception.insn_len > 15 || c->injected.insn_len > 15)
		return cin_fail(in, "event instruction length above 15");
	if (c->mwait & ~(MWAIT_WAITING | MWAIT_INTR_BREAK) ||
	    (c->mwait && !(c->mwait & MWAIT_WAITING)))
		return cin_fail(in, "mwait: invalid wait state %u", c->mwait);
	if (c->monitor_gpa & (CPU_MONITOR_LINE - 1))
		return cin_fail(in, "monitor_gpa: not line aligned (%#llx)",
				(unsigned long long)c->monitor_gpa);
	return true;
}

bool snap_cpu_decode(struct cin *in, struct cpu_state *c)
{
	bool seen[N_CPU_KEYS] = { false };
	uint64_t n;

	pthread_once(&cpu_once, cpu_order_init);
	memset(c, 0, sizeof(*c));
	if (!cin_map(in, N_CPU_KEYS + N_RETIRED, &n))
		return false;
	for (uint64_t k = 0; k < n; k++) {
		const uint8_t *key;
		size_t klen, i;
		bool retired;

		if (!cin_text(in, &key, &klen))
			return false;
		if (!skip_retired(in, key, klen, &retired))
			return false;
		if (retired)
			continue;
		for (i = 0; i < N_CPU_KEYS; i++)
			if (strlen(cpu_keys[i]) == klen &&
			    !memcmp(cpu_keys[i], key, klen))
				break;
		if (i == N_CPU_KEYS) {
			char shown[41];

			cin_shown(shown, sizeof(shown), key, klen);
			return cin_fail(in, "unknown CPU field \"%s\"", shown);
		}
		if (seen[i])
			return cin_fail(in, "duplicate CPU field \"%s\"",
					cpu_keys[i]);
		seen[i] = true;
		size_t old = cin_push(in, ".%s", cpu_keys[i]);
		bool ok = i == N_FIELDS ? decode_msrs(in, c)
			: decode_field(in, c, &snap_cpu_fields[i]);

		if (!ok)
			return false;
		cin_pop(in, old);
	}
	for (size_t i = 0; i < N_CPU_KEYS; i++)
		if (!seen[i] && !(i < N_FIELDS && snap_cpu_fields[i].optional))
			return cin_fail(in, "missing CPU field \"%s\"", cpu_keys[i]);
	return check_cpu(in, c);
}
