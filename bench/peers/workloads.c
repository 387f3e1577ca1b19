// SPDX-License-Identifier: MIT
/*
 * The side-by-side benchmark's guest (bench/peers/README.md): one firmware
 * image with every workload, run unchanged on vmxbox (as an ELF64 image)
 * and on Bochs and QEMU (from bench/peers' floppy).  The command line picks
 * the workload and its iteration count: "w=NAME n=COUNT".  The harness runs
 * each workload at two counts and divides the difference of the times by
 * the difference of the counts, so boot and set-up cost cancel out.
 *
 * Each workload prints "bench: NAME n=COUNT check=VALUE" (the value proves
 * the work was done and is the same on every emulator) and exits 0.
 */
#include "fw.h"
#include "vmx.h"

#define MIB		(1ULL << 20)
#define BIG_BUF		(64 * MIB)	/* mem64m's buffer, at 64 MiB */
#define FAULT_BASE	(128 * MIB)	/* eptfault's region, 64 MiB */
#define FAULT_PAGES	16384
#define SORT_LEN	1024

/* ---- command line ------------------------------------------------------ */
static const char *arg(const char *key)
{
	const char *s = boot_info.cmdline;
	size_t kl = strlen(key);

	while (*s) {
		while (*s == ' ')
			s++;
		if (!memcmp(s, key, kl) && s[kl] == '=')
			return s + kl + 1;
		while (*s && *s != ' ')
			s++;
	}
	return "";
}

static uint64_t arg_u64(const char *key)
{
	uint64_t v = 0;

	for (const char *s = arg(key); *s >= '0' && *s <= '9'; s++)
		v = v * 10 + (uint64_t)(*s - '0');
	return v;
}

static bool arg_is(const char *key, const char *want)
{
	const char *v = arg(key);
	size_t n = strlen(want);

	return !memcmp(v, want, n) && (v[n] == ' ' || v[n] == '\0');
}

/* ---- plain CPU workloads ---------------------------------------------- */
/* 4 instructions per iteration. */
static uint64_t work_alu(uint64_t n)
{
	uint64_t a = 1, b = 2, c = n;

	if (!n)
		return 0;
	asm volatile("1: add %0, %1\n\t"
		     "xor %1, %0\n\t"
		     "dec %2\n\t"
		     "jnz 1b"
		     : "+r"(a), "+r"(b), "+r"(c));
	return a ^ b;
}

/* 7 instructions per iteration: one load and one store, the index stepping
 * through a buffer of mask + 1 bytes by stride. */
static uint64_t mem_loop(uint8_t *buf, uint64_t mask, uint64_t stride,
			 uint64_t n)
{
	uint64_t i = 0, v = 0, c = n;

	if (!n)
		return 0;
	asm volatile("1: mov (%[b],%[i]), %[v]\n\t"
		     "add $1, %[v]\n\t"
		     "mov %[v], (%[b],%[i])\n\t"
		     "add %[s], %[i]\n\t"
		     "and %[m], %[i]\n\t"
		     "dec %[c]\n\t"
		     "jnz 1b"
		     : [i] "+r"(i), [v] "+r"(v), [c] "+r"(c)
		     : [b] "r"(buf), [m] "r"(mask), [s] "r"(stride)
		     : "memory");
	return v;
}

static uint8_t small_buf[64 * 1024] __attribute__((aligned(4096)));

static uint64_t work_mem64k(uint64_t n)
{
	return mem_loop(small_buf, sizeof(small_buf) - 1, 8, n);
}

/* 64 MiB through the 2 MiB identity map, a new 4 KiB page every step. */
static uint64_t work_mem64m(uint64_t n)
{
	if (boot_info.mem_size < BIG_BUF * 2) {
		printf("bench: mem64m needs %lu MiB of RAM\n", (unsigned long)(2 * BIG_BUF / MIB));
		fw_exit(3);
	}
	return mem_loop((uint8_t *)BIG_BUF, BIG_BUF - 1, 4096 + 64, n);
}

/* Call-heavy compiled C: a recursive quicksort of pseudo-random keys. */
static uint32_t keys[SORT_LEN];

static void __attribute__((noinline)) swap_keys(uint32_t *a, uint32_t *b)
{
	uint32_t t = *a;

	*a = *b;
	*b = t;
}

static void __attribute__((noinline)) quicksort(uint32_t *v, int lo, int hi)
{
	uint32_t pivot;
	int i;

	if (lo >= hi)
		return;
	pivot = v[hi];
	i = lo;
	for (int j = lo; j < hi; j++)
		if (v[j] < pivot)
			swap_keys(&v[i++], &v[j]);
	swap_keys(&v[i], &v[hi]);
	quicksort(v, lo, i - 1);
	quicksort(v, i + 1, hi);
}

static uint64_t work_calls(uint64_t n)
{
	uint32_t x = 12345;
	uint64_t sum = 0;

	for (uint64_t k = 0; k < n; k++) {
		for (unsigned i = 0; i < SORT_LEN; i++) {
			x = x * 1103515245u + 12345u;
			keys[i] = x >> 8;
		}
		quicksort(keys, 0, SORT_LEN - 1);
		sum += keys[k % SORT_LEN];
	}
	return sum;
}

/* SSE and x87 loops are in workloads_asm.S (the firmware's C is built
 * without SSE/x87 code generation). */
uint64_t bench_sse_loop(const uint32_t *in, uint32_t *out, uint64_t n);
uint64_t bench_x87_loop(const uint64_t *k, uint64_t *acc, uint64_t n);

/* CR0.EM=0 MP=1 TS=0; CR4.OSFXSR and OSXMMEXCPT for SSE. */
static void fpu_on(void)
{
	write_cr0((read_cr0() & ~((1ULL << 2) | (1ULL << 3))) | (1ULL << 1));
	write_cr4(read_cr4() | (1ULL << 9) | (1ULL << 10));
}

/* 7 instructions per iteration (MOVAPS, MULPS, ADDPS, PADDD, PSHUFD). */
static uint64_t work_sse(uint64_t n)
{
	/* 1.0 1.5 2.0 2.5, 0.999 1.001 0.5 0.25 as IEEE single bits */
	static const uint32_t in[8] __attribute__((aligned(16))) = {
		0x3f800000, 0x3fc00000, 0x40000000, 0x40200000,
		0x3f7fbe77, 0x3f8020c5, 0x3f000000, 0x3e800000 };
	static uint32_t out[4] __attribute__((aligned(16)));

	fpu_on();
	if (n)
		bench_sse_loop(in, out, n);
	return out[0] ^ out[1] ^ out[2] ^ out[3];
}

/* 7 instructions per iteration (FLD m64, FMULP, FLD ST(0), FSQRT, FSTP). */
static uint64_t work_x87(uint64_t n)
{
	static const uint64_t k = 0x3ff000001ad7f29bULL;	/* 1.0000001 */
	static uint64_t acc;

	fpu_on();
	if (n)
		bench_x87_loop(&k, &acc, n);
	return acc;
}

/* ---- VMX workloads ----------------------------------------------------- */
/* L2 code (workloads_asm.S), its counters in the GPRs L1 gives it:
 *   l2_alu    RBX iterations of 4 instructions, then VMCALL
 *   l2_cpuid  RBP CPUIDs (each exits to L1), then VMCALL
 *   l2_touch  a byte store to each of RBX pages from RDI up, then VMCALL */
void l2_alu(void);
void l2_cpuid(void);
void l2_touch(void);

static struct vmx_vm vm;
static struct ept ept;

static void vmx_up(void)
{
	if (vmx_enable() != VMX_SUCCEED) {
		printf("bench: VMX unavailable\n");
		fw_exit(4);
	}
}

static void vm_with_ept(void (*rip)(void))
{
	vmx_vm_init(&vm, rip, vmx_guest_stack());
	ept_init(&ept, false);
	ept_identity_map(&ept, 1ULL << 32, EPT_RWX);
	vmcs_write(EPT_POINTER, ept.eptp);
	if (!vmx_set_ctl(SECONDARY_VM_EXEC_CONTROL, SEC_ENABLE_EPT, 0)) {
		printf("bench: no EPT\n");
		fw_exit(4);
	}
}

static uint32_t run_until_vmcall(void)
{
	for (;;) {
		if (vmx_vm_run(&vm) != VMX_SUCCEED) {
			printf("bench: VM entry failed, error %u\n",
			       vm.last_error);
			fw_exit(5);
		}
		switch (EXIT_REASON_BASIC(vm.exit_reason)) {
		case EXIT_REASON_VMCALL:
			return 0;
		case EXIT_REASON_CPUID:
			vmx_skip_insn();
			break;
		case EXIT_REASON_EPT_VIOLATION: {
			uint64_t gpa = vm.guest_phys & ~0xfffULL;

			ept_map_4k(&ept, gpa, gpa, EPT_RWX);
			break;
		}
		default:
			printf("bench: unexpected exit %u\n", vm.exit_reason);
			fw_exit(6);
		}
	}
}

/* L2 computes under EPT: 4 instructions per iteration. */
static uint64_t work_l2alu(uint64_t n)
{
	vmx_up();
	vm_with_ept(l2_alu);
	vm.regs.rbx = n ? n : 1;
	vm.regs.rax = 1;
	vm.regs.rsi = 2;
	run_until_vmcall();
	return vm.regs.rax ^ vm.regs.rsi;
}

/* The runtime's handler: vmx_vm_run (saves/loads every GPR, reads the
 * exit information fields) and vmx_skip_insn per exit. */
static uint64_t work_cpuid(uint64_t n)
{
	vmx_up();
	vm_with_ept(l2_cpuid);
	vm.regs.rbp = n ? n : 1;
	run_until_vmcall();
	return vm.exits[EXIT_REASON_CPUID];
}

/* A minimal assembly handler (bench_asm_run in workloads_asm.S): 11
 * instructions from the exit to VMRESUME. */
uint64_t bench_asm_run(uint64_t n);

static uint64_t work_cpuid_asm(uint64_t n)
{
	vmx_up();
	vm_with_ept(l2_cpuid);
	return bench_asm_run(n ? n : 1);
}

/* VMREAD + VMWRITE of the current VMCS in L1: 4 instructions/iteration. */
static uint64_t work_vmrw(uint64_t n)
{
	uint64_t field = GUEST_RIP, v = 0, c = n;

	vmx_up();
	vmx_vm_init(&vm, l2_cpuid, vmx_guest_stack());
	if (!n)
		return 0;
	asm volatile("1: vmread %[f], %[v]\n\t"
		     "vmwrite %[v], %[f]\n\t"
		     "dec %[c]\n\t"
		     "jnz 1b"
		     : [v] "+r"(v), [c] "+r"(c) : [f] "r"(field) : "cc");
	return v == (uint64_t)l2_cpuid;
}

/* L2 touches n pages that L1's EPT lacks; L1 maps each on its violation. */
static uint64_t work_eptfault(uint64_t n)
{
	if (n > FAULT_PAGES || boot_info.mem_size < FAULT_BASE + FAULT_PAGES * 4096) {
		printf("bench: eptfault: at most %u pages and 192 MiB of RAM\n",
		       FAULT_PAGES);
		fw_exit(3);
	}
	vmx_up();
	vm_with_ept(l2_touch);
	for (uint64_t a = FAULT_BASE; a < FAULT_BASE + FAULT_PAGES * 4096;
	     a += 2 * MIB)
		ept_map_4k(&ept, a, a, 0);	/* split, then not present */
	for (uint64_t a = FAULT_BASE; a < FAULT_BASE + FAULT_PAGES * 4096;
	     a += 4096)
		*ept_entry(&ept, a) = 0;
	vm.regs.rdi = FAULT_BASE;
	vm.regs.rbx = n ? n : 1;
	run_until_vmcall();
	return vm.exits[EXIT_REASON_EPT_VIOLATION];
}

static const struct workload {
	const char *name;
	uint64_t (*run)(uint64_t n);
} workloads[] = {
	{ "null", NULL },
	{ "alu", work_alu },
	{ "mem64k", work_mem64k },
	{ "mem64m", work_mem64m },
	{ "calls", work_calls },
	{ "sse", work_sse },
	{ "x87", work_x87 },
	{ "l2alu", work_l2alu },
	{ "cpuid", work_cpuid },
	{ "cpuid_asm", work_cpuid_asm },
	{ "vmrw", work_vmrw },
	{ "eptfault", work_eptfault },
};

int main(void)
{
	uint64_t n = arg_u64("n");

	for (unsigned i = 0; i < ARRAY_SIZE(workloads); i++) {
		const struct workload *w = &workloads[i];

		if (!arg_is("w", w->name))
			continue;
		printf("bench: %s n=%lu check=%lx\n", w->name, n,
		       w->run ? w->run(n) : 0);
		return 0;
	}
	printf("bench: unknown workload '%s' (w=NAME n=COUNT)\n", arg("w"));
	return 2;
}
