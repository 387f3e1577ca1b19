// SPDX-License-Identifier: MIT
/*
 * Property: every state a run can reach can be saved, every file vmxbox
 * saves loads again, and the restored machine is the same machine.
 *
 * Random VMX programs (VMXON / VMCLEAR / VMPTRLD with pointers inside RAM,
 * at its end, beyond it and anywhere below MAXPHYADDR, VMWRITE / VMREAD,
 * VM entries, intercepted instructions and events, memory writes) run
 * against the real VMX core through the fake engine of tests/vmx.  At a
 * random step the machine (CPU, VMX core, memory) is saved to CBOR; the
 * bytes must decode (the loader's validation accepts every reachable
 * state), restore into a fresh VMX core, and save again to the same
 * bytes; then the original and the restored machine run the rest of the
 * program and must end in byte-identical snapshots.
 *
 *   test_snap_property [programs [seed]]     (meson: a few thousand)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_ctx.h"
#include "vmxb_fixture.h"
#include "snapshot/snapshot.h"
#include "vmx/vmcs_fields.h"
#include "vmx/vmx.h"
#include "vmx/vmx_api.h"

#define RAM (8ull << 20)   /* the fixture's addresses fit */
#define PROG_MAX 768

struct world {
	struct fake_cpu F;
	struct vmx_vcpu *V;
};

struct input {
	const uint8_t *p;
	size_t n;
};

static uint64_t take(struct input *in, unsigned bytes)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < bytes && in->n; i++, in->p++, in->n--)
		v |= (uint64_t)*in->p << (8 * i);
	return v;
}

static const uint64_t pages[] = { 0x1000, 0x2000, 0x3000, 0x4000 };

static uint64_t pointer(struct input *in)
{
	uint8_t k = (uint8_t)take(in, 1);

	switch (k & 7) {
	case 0: case 1: case 2:
		return pages[(k >> 3) & 3];
	case 3:
		return RAM - 0x1000;                           /* last page */
	case 4:
		return RAM + 0x1000 * (take(in, 2) & 0xff);    /* beyond RAM */
	case 5:
		return (take(in, 8) & ((1ull << 39) - 1)) & ~0xfffull;
	case 6:
		return take(in, 4) % RAM;                      /* unaligned */
	default:
		return take(in, 8);                            /* anything */
	}
}

static enum icpt_result run(struct world *w, struct x86_intercept *ic)
{
	enum icpt_result r = vmx_intercept_ops.intercept(w->V, &w->F.ctx, ic);

	w->F.s.pending_exception.valid = false;
	return r;
}

#define SCRATCH 0x800ull
static void vmx_mem(struct world *w, enum vmx_insn_id id, uint64_t val,
		    uint8_t reg2)
{
	struct x86_intercept ic;

	gmem_write_u64(&w->F.mem, SCRATCH, val);
	ic = fake_vmx_mem(id, SCRATCH, 0, reg2);
	run(w, &ic);
}

static void vmx_reg(struct world *w, enum vmx_insn_id id, uint8_t rm,
		    uint8_t reg2)
{
	struct x86_intercept ic = fake_vmx_reg(id, rm & 15, reg2 & 15);

	run(w, &ic);
}

static void intercepted(struct world *w, struct input *in)
{
	static const uint8_t sizes[] = { 1, 2, 4, 4 };
	struct x86_intercept ic = { .insn_len = 2, .rip = w->F.s.rip };
	uint8_t k = (uint8_t)take(in, 1);

	switch (k % 6) {
	case 0: ic.kind = ICPT_CPUID; ic.u.cpuid.leaf = k >> 3; break;
	case 1: ic.kind = ICPT_HLT; break;
	case 2: ic.kind = ICPT_RDTSC; break;
	case 3:
		ic.kind = ICPT_IO;
		ic.u.io.port = (uint16_t)take(in, 2);
		ic.u.io.size = sizes[k >> 6];
		break;
	case 4:
		ic.kind = ICPT_EXCEPTION;
		ic.u.exc.vector = take(in, 1) & 31;
		ic.u.exc.type = EVT_HW_EXCEPTION;
		break;
	default: ic.kind = ICPT_PAUSE; break;
	}
	run(w, &ic);
}

static void step(struct world *w, struct input *in)
{
	unsigned op = (unsigned)take(in, 1) % 20;
	uint8_t r = (uint8_t)take(in, 1);

	switch (op) {
	case 0: case 1: vmx_mem(w, VMXI_VMXON, pointer(in), 0); break;
	case 2: case 3: vmx_mem(w, VMXI_VMCLEAR, pointer(in), 0); break;
	case 4: case 5: vmx_mem(w, VMXI_VMPTRLD, pointer(in), 0); break;
	case 6: vmx_reg(w, VMXI_VMXOFF, 0, 0); break;
	case 7: case 8: case 9:
		w->F.s.gpr[r & 7] = vmcs_field_table[take(in, 2) % VMCS_FIELD_COUNT].encoding;
		w->F.s.gpr[8 + (r >> 5)] = take(in, 8);
		vmx_reg(w, VMXI_VMWRITE, 8 + (r >> 5), r & 7);
		break;
	case 10:
		w->F.s.gpr[r & 7] = vmcs_field_table[take(in, 2) % VMCS_FIELD_COUNT].encoding;
		vmx_reg(w, VMXI_VMREAD, 8, r & 7);
		break;
	case 11: vmx_reg(w, VMXI_VMLAUNCH, 0, 0); break;
	case 12: vmx_reg(w, VMXI_VMRESUME, 0, 0); break;
	case 13: vmx_mem(w, VMXI_VMPTRST, 0, 0); break;
	case 14: case 15: intercepted(w, in); break;
	case 16: vmx_intercept_ops.boundary(w->V, &w->F.ctx); break;
	case 17:
		gmem_write_u64(&w->F.mem, pointer(in) % (RAM - 8), take(in, 8));
		break;
	case 18:
		gmem_write_u32(&w->F.mem, pages[r & 3], VMX_REVISION_ID);
		break;
	default:
		w->F.s.tsc += take(in, 2);
		break;
	}
}

/* A third of the programs get a fully valid VMCS (tests/vmx's fixture
 * baseline: 64-bit guest and host) and a VMLAUNCH up front, so their
 * saved states include VMX non-root operation, pending events and exits. */
static void poke_baseline(struct world *w)
{
	static struct fix fx;
	static bool have;

	if (!have) {
		fix_init(&fx, false);
		fix_baseline(&fx);
		have = true;
	}
	for (unsigned i = 0; i < VMCS_FIELD_COUNT; i++) {
		uint32_t enc = vmcs_field_table[i].encoding;

		vmcs_write(w->V, enc, vmcs_read(fx.v, enc));
	}
	w->F.s = fx.cpu;
	vmx_reg(w, VMXI_VMLAUNCH, 0, 0);
}

static int world_init(struct world *w)
{
	struct cpu_model m;

	memset(w, 0, sizeof(*w));
	if (fake_init(&w->F, RAM))
		return -1;
	cpu_model_default(&m);
	w->V = vmx_vcpu_create(&m);
	if (!w->V)
		return -1;
	for (unsigned i = 0; i < 4; i++)
		gmem_write_u32(&w->F.mem, pages[i], VMX_REVISION_ID);
	return 0;
}

static void world_fini(struct world *w)
{
	vmx_vcpu_destroy(w->V);
	fake_destroy(&w->F);
}

/* The machine as a snapshot file's bytes (malloc'd). */
static uint8_t *save(struct world *w, size_t *len, char *err, size_t errlen)
{
	struct snapshot_machine *s = snapshot_new();
	uint8_t *buf = NULL;

	s->config.ram_size = RAM;
	strcpy(s->config.engine, "interp");
	strcpy(s->config.firmware, "property");
	s->n_cpus = 1;
	s->cpus[0] = w->F.s;
	snap_vmx_capture(&s->vmx, w->V, &w->F.mem);
	if (snap_mem_capture(&s->mem, &w->F.mem) ||
	    snapshot_encode(s, &buf, len, err, errlen))
		buf = NULL;
	snapshot_free(s);
	return buf;
}

static int load(struct world *w, const uint8_t *buf, size_t len, char *err,
		size_t errlen)
{
	struct snapshot_machine *s = snapshot_decode(buf, len, err, errlen);
	int rc;

	if (!s)
		return -1;
	rc = snap_mem_restore(&s->mem, &w->F.mem, err, errlen);
	if (!rc) {
		w->F.s = s->cpus[0];
		rc = snap_vmx_restore(w->V, &s->vmx, err, errlen);
	}
	snapshot_free(s);
	return rc;
}

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static unsigned long failures, saved_beyond_ram, saved_non_root, launched;

#define FAIL(...) do { fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); \
		       failures++; goto out; } while (0)

static bool beyond_ram(const uint8_t *buf, size_t len)
{
	struct snapshot_machine *s = snapshot_decode(buf, len, NULL, 0);
	bool b = false;

	if (!s)
		return false;
	for (unsigned i = 0; i < s->vmx.n_regions; i++)
		b |= s->vmx.regions[i].addr >= RAM;
	b |= s->vmx.vmxon && s->vmx.vmxon_ptr >= RAM;
	snapshot_free(s);
	return b;
}

static void one_program(unsigned long it, const uint8_t *prog, size_t plen,
			size_t cut, bool valid_vmcs)
{
	struct world a, b;
	struct input in = { prog, plen }, rest;
	uint8_t *s1 = NULL, *s2 = NULL, *e1 = NULL, *e2 = NULL;
	size_t l1, l2, m1, m2;
	char err[256] = "";

	if (world_init(&a) || world_init(&b)) {
		fprintf(stderr, "out of memory\n");
		exit(2);
	}
	if (valid_vmcs) {
		for (unsigned i = 0; i < 3; i++)   /* VMXON, VMCLEAR, VMPTRLD */
			step(&a, &in);
		poke_baseline(&a);
		launched += vmx_in_nonroot(a.V);
	}
	while (in.n > plen - cut)
		step(&a, &in);
	s1 = save(&a, &l1, err, sizeof(err));
	if (!s1)
		FAIL("program %lu: state at byte %zu cannot be saved: %s", it, cut, err);
	if (load(&b, s1, l1, err, sizeof(err)))
		FAIL("program %lu: saved state at byte %zu does not load: %s",
		     it, cut, err);
	s2 = save(&b, &l2, err, sizeof(err));
	if (!s2 || l2 != l1 || memcmp(s1, s2, l1))
		FAIL("program %lu: restored state at byte %zu saves differently", it, cut);
	saved_beyond_ram += beyond_ram(s1, l1);
	saved_non_root += vmx_in_nonroot(a.V);
	rest = in;
	while (in.n)
		step(&a, &in);
	while (rest.n)
		step(&b, &rest);
	e1 = save(&a, &m1, err, sizeof(err));
	e2 = save(&b, &m2, err, sizeof(err));
	if (!e1 || !e2 || m1 != m2 || memcmp(e1, e2, m1))
		FAIL("program %lu: the restored machine ends differently (cut at %zu)",
		     it, cut);
out:
	free(s1);
	free(s2);
	free(e1);
	free(e2);
	world_fini(&a);
	world_fini(&b);
}

static unsigned long n_programs = 2000;
static uint64_t seed0 = 0x5eed5eedull;

/* Inside a check test: the fixture's baseline uses check's assertions. */
START_TEST(every_reachable_state_saves_loads_and_restores)
{
	static uint8_t prog[PROG_MAX];
	uint64_t seed = seed0;

	printf("snap_property: %lu programs, seed %#llx\n", n_programs,
	       (unsigned long long)seed);
	for (unsigned long it = 0; it < n_programs; it++) {
		size_t len = 64 + xorshift(&seed) % (PROG_MAX - 64);

		for (size_t i = 0; i < len; i++)
			prog[i] = (uint8_t)xorshift(&seed);
		/* Most programs start in VMX operation with a current VMCS. */
		if (it % 4) {
			static const uint8_t prologue[] = {
				0, 0, 0,  2, 0, 0x09,  4, 0, 0x09,
			};
			memcpy(prog, prologue, sizeof(prologue));
		}
		/* Launched programs are cut early, while the L2 may still run. */
		one_program(it, prog, len, 9 + xorshift(&seed) %
			    (it % 4 == 1 ? 24 : len - 9), it % 4 == 1);
		if (failures > 10)
			break;
	}
	printf("snap_property: %lu failures; %lu programs launched an L2; %lu "
	       "saved states had VMX regions beyond RAM, %lu were in VMX "
	       "non-root operation\n", failures, launched, saved_beyond_ram,
	       saved_non_root);
	ck_assert_uint_eq(failures, 0);
	/* The property must have been exercised where it matters. */
	if (n_programs >= 100) {
		ck_assert_msg(saved_beyond_ram > 0, "no state with a region beyond RAM");
		ck_assert_msg(saved_non_root > 0, "no state in VMX non-root operation");
	}
}
END_TEST

int main(int argc, char **argv)
{
	Suite *s = suite_create("snap_property");
	TCase *tc = tcase_create("property");
	SRunner *sr;
	int failed;

	if (argc > 1)
		n_programs = strtoul(argv[1], NULL, 0);
	if (argc > 2)
		seed0 = strtoull(argv[2], NULL, 0);
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, every_reachable_state_saves_loads_and_restores);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
