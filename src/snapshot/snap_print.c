// SPDX-License-Identifier: MIT
/* `vmxbox inspect`: the snapshot for people (text) and scripts (JSON). */
#include "snapshot/snap_print.h"

#include <inttypes.h>
#include <string.h>

#include "snapshot/sha256.h"
#include "core/cpu_names.h"
#include "vmx/vmcs_decode.h"
#include "vmx/vmcs_fields.h"

static void bits(FILE *f, const struct cpu_bit_name *t, uint64_t v)
{
	const char *sp = "";

	fputs(" [", f);
	for (; t->name; t++)
		if (v & t->mask) {
			fprintf(f, "%s%s", sp, t->name);
			sp = " ";
		}
	fputs("]", f);
}

void snap_fput_esc(FILE *f, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '\\')
			fputs("\\\\", f);
		else if (*p < 0x20 || *p >= 0x7f)
			fprintf(f, "\\x%02x", *p);
		else
			fputc(*p, f);
	}
}

/* "  NAME      key=value ..." */
static void print_kv_line(FILE *f, const char *name, const struct snap_kvset *st)
{
	fputs("  ", f);
	snap_fput_esc(f, name);
	fprintf(f, "%*s", strlen(name) < 10 ? (int)(10 - strlen(name)) : 0, "");
	for (unsigned k = 0; k < st->n; k++) {
		const struct snap_kv *kv = &st->kv[k];

		fputc(' ', f);
		snap_fput_esc(f, kv->key);
		if (kv->kind == SNAP_VAL_UINT)
			fprintf(f, "=%#" PRIx64, kv->u);
		else
			fprintf(f, "=<%zu bytes>", kv->len);
	}
	fputc('\n', f);
}

static void print_summary(FILE *f, const struct snapshot_machine *s)
{
	const struct snap_config *c = &s->config;
	char hex[65];
	uint64_t stored = snap_mem_stored_bytes(&s->mem);

	sha256_hex(c->firmware_sha256, hex);
	fprintf(f, "snapshot format %u, written by vmxbox ", s->format_version);
	snap_fput_esc(f, s->vmxbox_version);
	if (s->trigger[0]) {
		fputs(", trigger ", f);
		snap_fput_esc(f, s->trigger);
	}
	fprintf(f, "\nconfig:\n  ram        %" PRIu64 " MiB (%#" PRIx64 " bytes)\n"
		   "  engine     ", c->ram_size >> 20, c->ram_size);
	snap_fput_esc(f, c->engine);
	fputs("\n  firmware   ", f);
	snap_fput_esc(f, c->firmware);
	fprintf(f, "\n  sha256     %s\n", hex);
	for (unsigned i = 0; i < c->n_options; i++) {
		fputs("  option     ", f);
		snap_fput_esc(f, c->options[i].key);
		fputc('=', f);
		snap_fput_esc(f, c->options[i].value);
		fputc('\n', f);
	}
	fprintf(f, "memory: %zu run%s, %" PRIu64 " non-zero pages (%" PRIu64
		   " KiB) stored of %" PRIu64 " pages\n",
		s->mem.n_runs, s->mem.n_runs == 1 ? "" : "s",
		(uint64_t)(stored / GUEST_PAGE_SIZE), stored >> 10,
		(uint64_t)(c->ram_size / GUEST_PAGE_SIZE));
	for (size_t i = 0; i < s->mem.n_runs && i < 16; i++)
		fprintf(f, "  [%#010" PRIx64 ", %#010" PRIx64 ")\n",
			s->mem.runs[i].gpa, s->mem.runs[i].gpa + s->mem.runs[i].len);
	if (s->mem.n_runs > 16)
		fprintf(f, "  ... %zu more\n", s->mem.n_runs - 16);
	fprintf(f, "devices:\n");
	for (unsigned i = 0; i < s->n_devices; i++)
		print_kv_line(f, s->devices[i].name, &s->devices[i].st);
	if (s->n_cpus == 1)
		return;
	/* Several vCPUs: the scheduler and the APs' local APICs. */
	fprintf(f, "smp: %u vCPUs\n", s->n_cpus);
	print_kv_line(f, "sched", &s->sched);
	for (unsigned k = 1; k < s->n_cpus; k++) {
		char name[32];

		snprintf(name, sizeof(name), "lapic%u", k);
		print_kv_line(f, name, &s->aps[k - 1].lapic);
	}
}

static void print_event(FILE *f, const char *what, const struct x86_event *e)
{
	fprintf(f, "    %-18s", what);
	if (!e->valid) {
		fputs("none\n", f);
		return;
	}
	fprintf(f, "%s vector %u", vmx_event_type_name(e->type), e->vector);
	if (e->has_error_code)
		fprintf(f, " error code %#x", e->error_code);
	if (e->insn_len)
		fprintf(f, " insn len %u", e->insn_len);
	fputc('\n', f);
}

static void print_cpu(FILE *f, unsigned n, const struct cpu_state *c)
{
	fprintf(f, "cpu%u: %s mode, CPL %u, %" PRIu64 " instructions, tsc %#" PRIx64 "\n",
		n, cpu_64bit_mode(c) ? "64-bit" : cpu_long_mode(c) ? "compatibility"
		: (c->cr0 & CR0_PE) ? (c->rflags & RFLAGS_VM ? "virtual-8086" : "protected")
		: "real", cpu_cpl(c), c->insn_count, c->tsc);
	for (int i = 0; i < GPR_COUNT; i++)
		fprintf(f, "  %-4s %016" PRIx64 "%s", cpu_gpr_name(i), c->gpr[i],
			i % 4 == 3 ? "\n" : "");
	fprintf(f, "  rip  %016" PRIx64 "  rflags %016" PRIx64, c->rip, c->rflags);
	bits(f, cpu_rflags_bits, c->rflags);
	fprintf(f, " IOPL=%u\n", (unsigned)((c->rflags & RFLAGS_IOPL) >> RFLAGS_IOPL_SHIFT));
	fprintf(f, "  cr0  %016" PRIx64, c->cr0);
	bits(f, cpu_cr0_bits, c->cr0);
	fprintf(f, "\n  cr2  %016" PRIx64 "  cr3 %016" PRIx64 "  cr8 %" PRIx64 "\n",
		c->cr2, c->cr3, c->cr8);
	fprintf(f, "  cr4  %016" PRIx64, c->cr4);
	bits(f, cpu_cr4_bits, c->cr4);
	fprintf(f, "\n  efer %016" PRIx64, c->efer);
	bits(f, cpu_efer_bits, c->efer);
	fprintf(f, "  xcr0 %" PRIx64 "\n", c->xcr0);
	for (int i = 0; i < 8; i++)
		fprintf(f, "  dr%d  %016" PRIx64 "%s", i, c->dr[i], i % 4 == 3 ? "\n" : "");
	for (int i = 0; i < SEG_COUNT; i++) {
		const struct seg_reg *sr = &c->seg[i];

		fprintf(f, "  %-4s sel %04x base %016" PRIx64 " limit %08x ar %05x",
			cpu_seg_name(i), sr->sel, sr->base, sr->limit, sr->ar);
		if (sr->ar & SEG_AR_UNUSABLE) {
			fputs(" (unusable)\n", f);
			continue;
		}
		fprintf(f, " (type %u%s DPL %u%s%s%s%s)\n", sr->ar & SEG_AR_TYPE_MASK,
			sr->ar & SEG_AR_S ? " S" : "",
			(sr->ar & SEG_AR_DPL_MASK) >> SEG_AR_DPL_SHIFT,
			sr->ar & SEG_AR_P ? " P" : "", sr->ar & SEG_AR_L ? " L" : "",
			sr->ar & SEG_AR_DB ? " DB" : "", sr->ar & SEG_AR_G ? " G" : "");
	}
	fprintf(f, "  gdtr base %016" PRIx64 " limit %04x\n  idtr base %016" PRIx64
		   " limit %04x\n", c->gdtr.base, c->gdtr.limit, c->idtr.base,
		c->idtr.limit);
	fprintf(f, "  events:\n");
	print_event(f, "pending exception", &c->pending_exception);
	print_event(f, "injected", &c->injected);
	fprintf(f, "    %-18s%s\n", "NMI pending", c->nmi_pending ? "yes" : "no");
	fprintf(f, "    %-18s%s\n", "INIT pending", c->init_pending ? "yes" : "no");
	fprintf(f, "    %-18s%#x", "interruptibility", c->interruptibility);
	bits(f, cpu_intr_block_bits, c->interruptibility);
	fprintf(f, "\n    %-18s%s\n", "activity", c->activity < 4 ? vmx_activity_name(c->activity) : "invalid");
	fprintf(f, "    %-18s%#" PRIx64 "\n", "pending debug", c->pending_dbg);
	fprintf(f, "  msrs:\n");
	for (size_t i = 0; i < cpu_msr_table_len; i++) {
		uint64_t v = 0;

		cpu_msr_get(c, cpu_msr_table[i].index, &v);
		fprintf(f, "    %-22s %08x = %016" PRIx64 "\n", cpu_msr_table[i].name,
			cpu_msr_table[i].index, v);
	}
}

/* tag: "vmx", or "vmx (vCPU K)" with several vCPUs. */
static void print_vmx(FILE *f, const struct snap_vmx *v, const char *tag)
{
	if (!v->present) {
		fprintf(f, "%s: no VMX layer\n", tag);
		return;
	}
	if (!v->vmxon) {
		fprintf(f, "%s: not in VMX operation\n", tag);
	} else {
		fprintf(f, "%s: VMX %s operation%s\n", tag, v->non_root ? "non-root" : "root",
			v->non_root ? " (an L2 is running)" : "");
		fprintf(f, "  VMXON pointer   %#" PRIx64 "\n", v->vmxon_ptr);
		if (v->current_vmcs == SNAP_NO_VMCS)
			fputs("  current VMCS    none\n", f);
		else
			fprintf(f, "  current VMCS    %#" PRIx64 "\n", v->current_vmcs);
	}
	for (unsigned i = 0; i < v->n_regions; i++)
		fprintf(f, "  VMCS region     %#" PRIx64 " %s%s\n", v->regions[i].addr,
			v->regions[i].launch_state == SNAP_VMCS_LAUNCHED ? "launched" : "clear",
			v->regions[i].addr == v->current_vmcs ? " (current)" : "");
	for (unsigned k = 0; k < v->extra.n; k++)
		if (v->extra.kv[k].kind == SNAP_VAL_UINT) {
			size_t n = strlen(v->extra.kv[k].key);

			fputs("  ", f);
			snap_fput_esc(f, v->extra.kv[k].key);
			fprintf(f, "%*s %#" PRIx64 "\n", n < 15 ? (int)(15 - n) : 0,
				"", v->extra.kv[k].u);
		}
}

static bool snap_field(void *opaque, uint32_t enc, uint64_t *val)
{
	const struct snap_vmx *v = opaque;

	for (unsigned i = 0; i < v->n_fields; i++)
		if (v->fields[i].encoding == enc) {
			*val = v->fields[i].value;
			return true;
		}
	return false;
}

/* The decode context of the snapshot's own exit reason and information. */
static struct vmcs_decode_ctx snap_decode_ctx(const struct snap_vmx *v)
{
	struct vmcs_decode_ctx ctx = { UINT32_MAX, 0 };
	uint64_t x;

	if (snap_field((void *)v, VMCS_VM_EXIT_REASON, &x))
		ctx.exit_reason = (uint32_t)x;
	if (snap_field((void *)v, VMCS_VM_EXIT_INTR_INFO, &x))
		ctx.exit_intr_info = (uint32_t)x;
	return ctx;
}

static void print_vmcs(FILE *f, const struct snap_vmx *v, const char *tag)
{
	if (!v->present || v->current_vmcs == SNAP_NO_VMCS) {
		fprintf(f, "%s: no current VMCS\n", tag);
		return;
	}
	fprintf(f, "%s %#" PRIx64 " (%u fields cached):\n", tag, v->current_vmcs,
		v->n_fields);
	vmcs_print(f, snap_field, (void *)v, "  ");
}

void snap_print_text(FILE *f, const struct snapshot_machine *s, unsigned what)
{
	if (what & SNAP_SHOW_SUMMARY)
		print_summary(f, s);
	if (what & SNAP_SHOW_REGS)
		for (unsigned i = 0; i < s->n_cpus; i++)
			print_cpu(f, i, &s->cpus[i]);
	for (unsigned k = 0; k < s->n_cpus; k++) {
		char vmx[32] = "vmx", vmcs[32] = "vmcs";

		if (s->n_cpus > 1) {
			snprintf(vmx, sizeof(vmx), "vmx (vCPU %u)", k);
			snprintf(vmcs, sizeof(vmcs), "vmcs (vCPU %u)", k);
		}
		if (what & SNAP_SHOW_VMX)
			print_vmx(f, snap_cpu_vmx(s, k), vmx);
		if (what & SNAP_SHOW_VMCS)
			print_vmcs(f, snap_cpu_vmx(s, k), vmcs);
	}
}

/* ---- JSON ------------------------------------------------------------- */

static void json_kvset(struct jout *j, const struct snap_kvset *set)
{
	jw_obj(j);
	for (unsigned k = 0; k < set->n; k++) {
		const struct snap_kv *kv = &set->kv[k];

		jw_key(j, kv->key);
		if (kv->kind == SNAP_VAL_UINT) {
			jw_hex(j, kv->u);
		} else {
			jw_bytes_hex(j, kv->bytes, kv->len);
		}
	}
	jw_end_obj(j);
}

static void json_summary(struct jout *j, const struct snapshot_machine *s)
{
	char hex[65];

	jw_key(j, "format"); jw_uint(j, s->format_version);
	jw_key(j, "vmxbox"); jw_str(j, s->vmxbox_version);
	jw_key(j, "trigger"); jw_str(j, s->trigger);
	jw_key(j, "config");
	jw_obj(j);
	jw_key(j, "ram"); jw_uint(j, s->config.ram_size);
	jw_key(j, "engine"); jw_str(j, s->config.engine);
	jw_key(j, "firmware"); jw_str(j, s->config.firmware);
	sha256_hex(s->config.firmware_sha256, hex);
	jw_key(j, "firmware_sha256"); jw_str(j, hex);
	jw_key(j, "options");
	jw_obj(j);
	for (unsigned i = 0; i < s->config.n_options; i++) {
		jw_key(j, s->config.options[i].key);
		jw_str(j, s->config.options[i].value);
	}
	jw_end_obj(j);
	jw_end_obj(j);
	jw_key(j, "memory");
	jw_obj(j);
	jw_key(j, "stored_bytes"); jw_uint(j, snap_mem_stored_bytes(&s->mem));
	jw_key(j, "runs");
	jw_arr(j);
	for (size_t i = 0; i < s->mem.n_runs; i++) {
		jw_obj(j);
		jw_key(j, "gpa"); jw_hex(j, s->mem.runs[i].gpa);
		jw_key(j, "len"); jw_uint(j, s->mem.runs[i].len);
		jw_end_obj(j);
	}
	jw_end_arr(j);
	jw_end_obj(j);
	jw_key(j, "devices");
	jw_obj(j);
	for (unsigned i = 0; i < s->n_devices; i++) {
		jw_key(j, s->devices[i].name);
		json_kvset(j, &s->devices[i].st);
	}
	jw_end_obj(j);
}

static void json_cpus(struct jout *j, const struct snapshot_machine *s)
{
	jw_key(j, "cpus");
	jw_arr(j);
	for (unsigned n = 0; n < s->n_cpus; n++) {
		const struct cpu_state *c = &s->cpus[n];

		jw_obj(j);
		for (size_t i = 0; i < snap_cpu_fields_len; i++) {
			const struct snap_cpu_field *fl = &snap_cpu_fields[i];
			uint64_t v = snap_cpu_field_get(c, fl);

			jw_key(j, fl->name);
			if (fl->kind == SNAP_F_BOOL)
				jw_bool(j, v);
			else
				jw_hex(j, v);
		}
		jw_key(j, "msrs");
		jw_obj(j);
		for (size_t i = 0; i < cpu_msr_table_len; i++) {
			uint64_t v = 0;

			cpu_msr_get(c, cpu_msr_table[i].index, &v);
			jw_key(j, cpu_msr_table[i].name);
			jw_hex(j, v);
		}
		jw_end_obj(j);
		jw_end_obj(j);
	}
	jw_end_arr(j);
}

static void json_vmx(struct jout *j, const struct snap_vmx *v, unsigned what)
{
	char dec[512];
	struct vmcs_decode_ctx ctx = snap_decode_ctx(v);

	jw_key(j, "vmx");
	if (!v->present) {
		jw_null(j);
		return;
	}
	jw_obj(j);
	jw_key(j, "vmxon"); jw_bool(j, v->vmxon);
	jw_key(j, "non_root"); jw_bool(j, v->non_root);
	jw_key(j, "vmxon_ptr"); jw_hex(j, v->vmxon_ptr);
	jw_key(j, "current_vmcs");
	if (v->current_vmcs == SNAP_NO_VMCS)
		jw_null(j);
	else
		jw_hex(j, v->current_vmcs);
	jw_key(j, "regions");
	jw_arr(j);
	for (unsigned i = 0; i < v->n_regions; i++) {
		jw_obj(j);
		jw_key(j, "addr"); jw_hex(j, v->regions[i].addr);
		jw_key(j, "launch_state");
		jw_str(j, v->regions[i].launch_state == SNAP_VMCS_LAUNCHED ? "launched" : "clear");
		jw_end_obj(j);
	}
	jw_end_arr(j);
	jw_key(j, "extra");
	json_kvset(j, &v->extra);
	if (what & SNAP_SHOW_VMCS) {
		jw_key(j, "vmcs");
		jw_arr(j);
		for (unsigned i = 0; i < v->n_fields; i++) {
			const struct snap_vmcs_field *fl = &v->fields[i];

			jw_obj(j);
			jw_key(j, "name"); jw_str(j, vmcs_field_name(fl->encoding));
			jw_key(j, "encoding"); jw_hex(j, fl->encoding);
			jw_key(j, "group"); jw_str(j, vmcs_group_name(VMCS_ENC_TYPE(fl->encoding)));
			jw_key(j, "value"); jw_hex(j, fl->value);
			vmcs_decode_value(dec, sizeof(dec), fl->encoding, fl->value, &ctx);
			if (dec[0]) {
				jw_key(j, "decoded");
				jw_str(j, dec);
			}
			jw_end_obj(j);
		}
		jw_end_arr(j);
	}
	jw_end_obj(j);
}

/* "smp": the scheduler and, per AP, its "vmx" and "lapic". */
static void json_smp(struct jout *j, const struct snapshot_machine *s,
		     unsigned what)
{
	jw_key(j, "smp");
	jw_obj(j);
	jw_key(j, "sched");
	json_kvset(j, &s->sched);
	jw_key(j, "aps");
	jw_arr(j);
	for (unsigned k = 1; k < s->n_cpus; k++) {
		jw_obj(j);
		if (what & (SNAP_SHOW_VMX | SNAP_SHOW_VMCS))
			json_vmx(j, &s->aps[k - 1].vmx, what);
		if (what & SNAP_SHOW_SUMMARY) {
			jw_key(j, "lapic");
			json_kvset(j, &s->aps[k - 1].lapic);
		}
		jw_end_obj(j);
	}
	jw_end_arr(j);
	jw_end_obj(j);
}

void snap_print_json(struct jout *j, const struct snapshot_machine *s,
		     unsigned what)
{
	if (what & SNAP_SHOW_SUMMARY)
		json_summary(j, s);
	if (what & SNAP_SHOW_REGS)
		json_cpus(j, s);
	if (what & (SNAP_SHOW_VMX | SNAP_SHOW_VMCS))
		json_vmx(j, &s->vmx, what);
	if (s->n_cpus > 1)
		json_smp(j, s, what);
}
