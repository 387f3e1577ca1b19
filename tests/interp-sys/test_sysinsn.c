// SPDX-License-Identifier: MIT
/* System instructions through the whole engine: MOV CR #GP rules, RDMSR/
 * WRMSR, CPUID, IN/OUT/INS/OUTS with a device on the port bus and the TSS
 * I/O bitmap, HLT, STI shadow, INT/IRETQ, LGDT/SGDT, VMX opcodes without a
 * VMX layer, SWAPGS, RDTSC. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "sysutil.h"

static struct harness h;
static struct io_bus pio;
static uint8_t dev_regs[8];
static unsigned dev_writes;

static uint64_t dev_read(void *opaque, uint64_t off, unsigned size)
{
	uint64_t v = 0;

	memcpy(&v, dev_regs + off, size);
	return v;
}

static void dev_write(void *opaque, uint64_t off, unsigned size, uint64_t v)
{
	dev_writes++;
	memcpy(dev_regs + off, &v, size);
}

static void setup(void)
{
	struct io_handler dev = { "testdev", dev_read, dev_write, NULL };

	h_init(&h);
	io_bus_init(&pio, "pio");
	ck_assert_int_eq(io_bus_register(&pio, 0x3f0, 8, &dev), 0);
	h.ip->cfg.pio = &pio;
	memset(dev_regs, 0, sizeof(dev_regs));
	dev_writes = 0;
}

static void teardown(void)
{
	h_fini(&h);
}

/* Expect the code's instruction at H_CODE + off to fault with vector. */
static void expect_fault(const void *code, size_t len, uint64_t n, int vector,
			 uint64_t off, bool err)
{
	enum engine_exit_reason r = su_run(&h, code, len, n);

	ck_assert_int_eq(h_fault_vector(&h, r), vector);
	ck_assert_uint_eq(h_fault_rip(&h, r, err), H_CODE + off);
}

static uint64_t fault_err(void)
{
	return h_read64(&h, h.s->gpr[GPR_RSP]);
}

static const uint8_t mov_cr0_rax[] = { 0x0f, 0x22, 0xc0 };
static const uint8_t mov_cr3_rax[] = { 0x0f, 0x22, 0xd8 };
static const uint8_t mov_cr4_rax[] = { 0x0f, 0x22, 0xe0 };
static const uint8_t mov_cr8_rax[] = { 0x44, 0x0f, 0x22, 0xc0 };

START_TEST(mov_cr_gp_rules)
{
	static const uint8_t rd[] = { 0x0f, 0x20, 0xc0, 0x0f, 0x20, 0xe3, 0xf4 };

	/* Clearing CR0.PG in 64-bit mode. */
	G(RAX) = 0x00010033;
	expect_fault(mov_cr0_rax, 3, 5, X86_GP, 0, true);
	ck_assert_uint_eq(fault_err(), 0);
	ck_assert_uint_eq(h.s->cr0, 0x80010033);
	/* PG without PE; NW without CD; bits 63:32. */
	G(RAX) = 0x80010032;
	expect_fault(mov_cr0_rax, 3, 5, X86_GP, 0, true);
	G(RAX) = 0xa0010033;
	expect_fault(mov_cr0_rax, 3, 5, X86_GP, 0, true);
	G(RAX) = 0x180010033ull;
	expect_fault(mov_cr0_rax, 3, 5, X86_GP, 0, true);
	/* CR4: a bit the model does not allow, and PAE off in long mode. */
	G(RAX) = CR4_PAE | (1ull << 23);
	expect_fault(mov_cr4_rax, 3, 5, X86_GP, 0, true);
	G(RAX) = 0;
	expect_fault(mov_cr4_rax, 3, 5, X86_GP, 0, true);
	ck_assert_uint_eq(h.s->cr4, CR4_PAE);
	/* CR3 above MAXPHYADDR; CR8 above 15. */
	G(RAX) = 1ull << CPU_MODEL_MAXPHYADDR_DEFAULT;
	expect_fault(mov_cr3_rax, 3, 5, X86_GP, 0, true);
	G(RAX) = 0x10;
	expect_fault(mov_cr8_rax, 4, 5, X86_GP, 0, true);
	/* Valid writes take effect; reads give the values. */
	G(RAX) = CR4_PAE | CR4_PGE | CR4_VMXE;
	ck_assert_int_eq(su_run(&h, mov_cr4_rax, 3, 1), ENGINE_EXIT_INSN_LIMIT);
	ck_assert_uint_eq(h.s->cr4, CR4_PAE | CR4_PGE | CR4_VMXE);
	ck_assert_uint_eq(h.s->rip, H_CODE + 3);
	ck_assert_int_eq(su_run(&h, rd, sizeof(rd), 3), ENGINE_EXIT_HLT);
	ck_assert_uint_eq(G(RAX), 0x80010033);
	ck_assert_uint_eq(G(RBX), CR4_PAE | CR4_PGE | CR4_VMXE);
	/* VMXE is refused when the model has no VMX. */
	cpu_model_set(&h.ip->cfg.model, X86_FEAT_VMX, false);
	G(RAX) = CR4_PAE | CR4_VMXE;
	expect_fault(mov_cr4_rax, 3, 5, X86_GP, 0, true);
}
END_TEST

START_TEST(cpl3_privileged_instructions)
{
	static const uint8_t rdmsr[] = { 0x0f, 0x32 };
	static const uint8_t hlt[] = { 0xf4 };
	static const uint8_t cli[] = { 0xfa };

	su_cpl3(&h);
	expect_fault(mov_cr0_rax, 3, 5, X86_GP, 0, true);
	ck_assert_uint_eq(fault_err(), 0);
	ck_assert_uint_eq(h.s->gpr[GPR_RSP], RSP0 - 48);   /* ring 0 stack */
	su_cpl3(&h);
	expect_fault(rdmsr, 2, 5, X86_GP, 0, true);
	su_cpl3(&h);
	expect_fault(hlt, 1, 5, X86_GP, 0, true);
	su_cpl3(&h);
	expect_fault(cli, 1, 5, X86_GP, 0, true);   /* IOPL 0 < CPL 3 */
	su_cpl3(&h);
	h.s->rflags |= RFLAGS_IOPL;
	ck_assert_int_eq(su_run(&h, cli, 1, 1), ENGINE_EXIT_INSN_LIMIT);
}
END_TEST

/* #AC (SDM 6.15): CPL 3, CR0.AM and RFLAGS.AC, a misaligned data access;
 * error code 0.  Any one condition missing: no check.  Implicit
 * supervisor accesses (here a descriptor read from a misaligned GDT) are
 * never checked. */
/* #AC (SDM 6.15): CPL 3, CR0.AM and RFLAGS.AC, a misaligned data access;
 * error code 0.  Any one condition missing: no check.  Implicit
 * supervisor accesses (here a descriptor read from a misaligned GDT) are
 * never checked.  At CPL 3 the HLT after a completed access is #GP. */
static void ac_case(bool am, bool ac, bool cpl3)
{
	h.s->cr0 = am ? h.s->cr0 | CR0_AM : h.s->cr0 & ~CR0_AM;
	if (cpl3)
		su_cpl3(&h);
	h.s->rflags = ac ? h.s->rflags | RFLAGS_AC : h.s->rflags & ~RFLAGS_AC;
}

START_TEST(alignment_check)
{
	static const uint8_t store[] = { 0x89, 0x03, 0xf4 };     /* mov [rbx],eax */
	static const uint8_t load64[] = { 0x48, 0x8b, 0x03, 0xf4 };
	static const uint8_t push[] = { 0x50, 0xf4 };           /* push rax */
	static const uint8_t mov_ds[] = { 0x8e, 0xd9, 0xf4 };   /* mov ds,ecx */
	struct seg_reg cs0 = h.s->seg[SEG_CS], ss0 = h.s->seg[SEG_SS];

	G(RAX) = 0x11223344;
	ac_case(true, true, true);
	G(RBX) = H_DATA + 0x102;
	expect_fault(store, 3, 5, X86_AC, 0, true);
	ck_assert_uint_eq(fault_err(), 0);
	ck_assert_uint_eq(h_read64(&h, H_DATA + 0x100), 0);
	ac_case(true, true, true);
	G(RBX) = H_DATA + 0x104;                 /* dword aligned */
	expect_fault(store, 3, 5, X86_GP, 2, true);
	ac_case(true, true, true);
	expect_fault(load64, 4, 5, X86_AC, 0, true);   /* qword at +4 */
	ac_case(true, true, true);
	h.s->gpr[GPR_RSP] = H_DATA + 0x804;      /* push of 8 at +4 */
	expect_fault(push, 2, 5, X86_AC, 0, true);
	/* RFLAGS.AC clear, CR0.AM clear: the store completes. */
	ac_case(true, false, true);
	G(RBX) = H_DATA + 0x102;
	expect_fault(store, 3, 5, X86_GP, 2, true);
	ck_assert_uint_eq(h_read64(&h, H_DATA + 0x100), 0x1122112233440000ull);
	ac_case(false, true, true);
	G(RBX) = H_DATA + 0x202;
	expect_fault(store, 3, 5, X86_GP, 2, true);
	/* CPL 0: no check either. */
	h.s->seg[SEG_CS] = cs0;
	h.s->seg[SEG_SS] = ss0;
	ac_case(true, true, false);
	G(RBX) = H_DATA + 0x302;
	ck_assert_int_eq(su_run(&h, store, sizeof(store), 5), ENGINE_EXIT_HLT);
	ck_assert_uint_eq(h.s->rip, H_CODE + 3);
	/* A descriptor read from a misaligned GDT at CPL 3: no #AC. */
	ac_case(true, true, true);
	for (unsigned i = 0; i < 7; i++)
		h_write64(&h, 0x6002 + 8 * i, h_read64(&h, 0x7000 + 8 * i));
	h.s->gdtr.base = 0x6002;
	G(RCX) = U_DS;
	expect_fault(mov_ds, 3, 5, X86_GP, 2, true);
	ck_assert_uint_eq(h.s->seg[SEG_DS].sel, U_DS);
}
END_TEST

START_TEST(rdmsr_wrmsr)
{
	static const uint8_t rdmsr[] = { 0x0f, 0x32, 0xf4 };
	static const uint8_t wrmsr[] = { 0x0f, 0x30, 0xf4 };

	G(RCX) = 0x12345678;   /* no such MSR */
	expect_fault(rdmsr, 3, 5, X86_GP, 0, true);
	ck_assert_uint_eq(fault_err(), 0);
	G(RCX) = 0xc0000080;
	ck_assert_int_eq(su_run(&h, rdmsr, 3, 5), ENGINE_EXIT_HLT);
	ck_assert_uint_eq(G(RAX), EFER_LME | EFER_LMA | EFER_NXE);
	ck_assert_uint_eq(G(RDX), 0);
	/* EFER: reserved bit 1 -> #GP; LME change while paging -> #GP. */
	G(RAX) = EFER_LME | EFER_LMA | EFER_NXE | 2;
	expect_fault(wrmsr, 3, 5, X86_GP, 0, true);
	G(RCX) = 0xc0000080;
	G(RAX) = EFER_NXE;
	expect_fault(wrmsr, 3, 5, X86_GP, 0, true);
	/* SCE may be set; LMA is read-only and stays. */
	G(RCX) = 0xc0000080;
	G(RAX) = EFER_LME | EFER_NXE | EFER_SCE;
	G(RDX) = 0;
	ck_assert_int_eq(su_run(&h, wrmsr, 3, 5), ENGINE_EXIT_HLT);
	ck_assert_uint_eq(h.s->efer, EFER_LME | EFER_LMA | EFER_NXE | EFER_SCE);
	/* LSTAR round trip and its canonical check. */
	G(RCX) = 0xc0000082;
	G(RDX) = 0xffff8000;
	G(RAX) = 0x12345678;
	ck_assert_int_eq(su_run(&h, wrmsr, 3, 5), ENGINE_EXIT_HLT);
	ck_assert_uint_eq(h.s->msr.lstar, 0xffff800012345678ull);
	G(RCX) = 0xc0000082;
	G(RDX) = 0x00008000;
	expect_fault(wrmsr, 3, 5, X86_GP, 0, true);
	/* TSC MSR (0x10) reads the time stamp counter. */
	G(RCX) = 0x10;
	h.s->tsc = 0x1122334455ull;
	ck_assert_int_eq(su_run(&h, rdmsr, 3, 5), ENGINE_EXIT_HLT);
	ck_assert_uint_eq((G(RDX) << 32) | G(RAX), 0x1122334455ull);
	/* IA32_BIOS_SIGN_ID (0x8b): writable, reads update revision 0x28
	 * in bits 63:32 (Linux keeps TSC_DEADLINE from 0x22 on). */
	G(RCX) = 0x8b;
	G(RDX) = 0;
	G(RAX) = 0;
	ck_assert_int_eq(h_fault_vector(&h, su_run(&h, wrmsr, 3, 5)), -1);
	G(RCX) = 0x8b;
	G(RDX) = 0x55;
	G(RAX) = 0x66;
	ck_assert_int_eq(h_fault_vector(&h, su_run(&h, rdmsr, 3, 5)), -1);
	ck_assert_uint_eq((G(RDX) << 32) | G(RAX), 0x28ull << 32);
	/* IA32_MISC_ENABLE: fast strings on from reset. */
	G(RCX) = 0x1a0;
	ck_assert_int_eq(h_fault_vector(&h, su_run(&h, rdmsr, 3, 5)), -1);
	ck_assert_uint_eq((G(RDX) << 32) | G(RAX), 1);
	/* IA32_PLATFORM_ID (0x17): platform 0, read-only. */
	G(RCX) = 0x17;
	G(RDX) = 0x55;
	G(RAX) = 0x66;
	ck_assert_int_eq(h_fault_vector(&h, su_run(&h, rdmsr, 3, 5)), -1);
	ck_assert_uint_eq((G(RDX) << 32) | G(RAX), 0);
	G(RCX) = 0x17;
	expect_fault(wrmsr, 3, 5, X86_GP, 0, true);
	/* MSR_POWER_CTL (0x1fc): writable, reads 0 (no C1E promotion). */
	G(RCX) = 0x1fc;
	G(RDX) = 0;
	G(RAX) = 2;
	ck_assert_int_eq(h_fault_vector(&h, su_run(&h, wrmsr, 3, 5)), -1);
	G(RCX) = 0x1fc;
	G(RDX) = 0x55;
	G(RAX) = 0x66;
	ck_assert_int_eq(h_fault_vector(&h, su_run(&h, rdmsr, 3, 5)), -1);
	ck_assert_uint_eq((G(RDX) << 32) | G(RAX), 0);
}
END_TEST

START_TEST(cpuid_model)
{
	static const uint8_t cpuid[] = { 0x0f, 0xa2, 0xf4 };
	char vendor[13] = { 0 };

	G(RAX) = 0;
	ck_assert_int_eq(su_run(&h, cpuid, 3, 5), ENGINE_EXIT_HLT);
	memcpy(vendor, &G(RBX), 4);
	memcpy(vendor + 4, &G(RDX), 4);
	memcpy(vendor + 8, &G(RCX), 4);
	ck_assert_str_eq(vendor, "GenuineIntel");
	ck_assert_uint_ge(G(RAX), 7);
	G(RAX) = 1;
	ck_assert_int_eq(su_run(&h, cpuid, 3, 5), ENGINE_EXIT_HLT);
	ck_assert_uint_eq((G(RAX) >> 8) & 0xf, 6);         /* family 6 */
	ck_assert(G(RCX) & (1u << 5));                     /* VMX */
	ck_assert(G(RDX) & (1u << 25));                    /* SSE */
	ck_assert(G(RDX) & (1u << 26));                    /* SSE2 */
	ck_assert(G(RDX) & (1u << 23));                    /* MMX */
	ck_assert_uint_eq(G(RCX) & 0x180201, 0x180201);    /* SSE3..SSE4.2 */
	ck_assert(G(RDX) & (1u << 0));                     /* x87 FPU */
	ck_assert(G(RDX) & (1u << 6));                     /* PAE */
	G(RAX) = 0x80000001;
	ck_assert_int_eq(su_run(&h, cpuid, 3, 5), ENGINE_EXIT_HLT);
	ck_assert(G(RDX) & (1u << 29));                    /* LM */
	ck_assert(G(RDX) & (1u << 20));                    /* NX */
	ck_assert(G(RDX) & (1u << 11));                    /* SYSCALL */
	G(RAX) = 0x80000008;
	ck_assert_int_eq(su_run(&h, cpuid, 3, 5), ENGINE_EXIT_HLT);
	ck_assert_uint_eq(G(RAX) & 0xff, 46);
	/* VMX off in the model: the bit goes away. */
	cpu_model_set(&h.ip->cfg.model, X86_FEAT_VMX, false);
	G(RAX) = 1;
	ck_assert_int_eq(su_run(&h, cpuid, 3, 5), ENGINE_EXIT_HLT);
	ck_assert(!(G(RCX) & (1u << 5)));
}
END_TEST

/* MAXPHYADDR is one model setting: CPUID, MOV to CR3 and the page walk
 * follow a non-default value too (the VMX side: vmx_insn). */
START_TEST(maxphyaddr_is_a_model_setting)
{
	static const uint8_t cpuid[] = { 0x0f, 0xa2, 0xf4 };

	h.ip->cfg.model.maxphyaddr = 40;
	G(RAX) = 0x80000008;
	ck_assert_int_eq(su_run(&h, cpuid, 3, 5), ENGINE_EXIT_HLT);
	ck_assert_uint_eq(G(RAX) & 0xff, 40);
	G(RAX) = h.s->cr3 | (1ull << 40);
	expect_fault(mov_cr3_rax, 3, 5, X86_GP, 0, true);
	G(RAX) = h.s->cr3 | (1ull << 39);
	ck_assert_int_eq(su_run(&h, mov_cr3_rax, 3, 1), ENGINE_EXIT_INSN_LIMIT);
	ck_assert_uint_eq(h.s->cr3 >> 39, 1);
}
END_TEST

START_TEST(in_out_and_strings)
{
	static const uint8_t code[] = {
		0xb0, 0x5a,                     /* mov al,0x5a */
		0xe6, 0xf2,                     /* out 0xf2... */
	};
	static const uint8_t io[] = {
		0x66, 0xba, 0xf0, 0x03,         /* mov dx,0x3f0 */
		0x66, 0xb8, 0x34, 0x12,         /* mov ax,0x1234 */
		0x66, 0xef,                     /* out dx,ax */
		0x31, 0xc0,                     /* xor eax,eax */
		0xec,                           /* in al,dx */
		0xf4,
	};
	static const uint8_t strio[] = {
		0xba, 0xf4, 0x03, 0x00, 0x00,   /* mov edx,0x3f4 */
		0xb9, 0x04, 0x00, 0x00, 0x00,   /* mov ecx,4 */
		0xbe, 0x00, 0x00, 0x20, 0x00,   /* mov esi,0x200000 */
		0xf3, 0x6e,                     /* rep outsb */
		0xb9, 0x03, 0x00, 0x00, 0x00,   /* mov ecx,3 */
		0xbf, 0x10, 0x00, 0x20, 0x00,   /* mov edi,0x200010 */
		0xf3, 0x6c,                     /* rep insb */
		0xf4,
	};
	uint8_t buf[4];

	(void)code;
	ck_assert_int_eq(su_run(&h, io, sizeof(io), 10), ENGINE_EXIT_HLT);
	ck_assert_uint_eq(dev_regs[0], 0x34);
	ck_assert_uint_eq(dev_regs[1], 0x12);
	ck_assert_uint_eq(G(RAX), 0x34);
	ck_assert(gmem_write(&h.mem, H_DATA, "abcd", 4));
	ck_assert_int_eq(su_run(&h, strio, sizeof(strio), 10), ENGINE_EXIT_HLT);
	/* Four byte writes to port 0x3f4: the last one stays. */
	ck_assert_uint_eq(dev_writes, 1 + 4);
	ck_assert_uint_eq(dev_regs[4], 'd');
	ck_assert_uint_eq(G(RSI), H_DATA + 4);
	ck_assert_uint_eq(G(RCX), 0);
	ck_assert_uint_eq(G(RDI), H_DATA + 0x13);
	ck_assert(gmem_read(&h.mem, H_DATA + 0x10, buf, 3));
	ck_assert_mem_eq(buf, "ddd", 3);
}
END_TEST

START_TEST(io_permission_bitmap)
{
	static const uint8_t out[] = { 0xe6, 0x80, 0xf4 };   /* out 0x80,al */
	static const uint8_t outf0[] = { 0xe6, 0xf0, 0xf4 }; /* out 0xf0,al */

	/* CPL 3, IOPL 0: the TSS bitmap decides.  TSS at 0x5000. */
	su_cpl3(&h);
	ck_assert(gmem_write_u64(&h.mem, 0x5004, RSP0));
	h.s->seg[SEG_TR].base = 0x5000;
	h.s->seg[SEG_TR].limit = 0x68 + 0x20;
	ck_assert(gmem_write_u16(&h.mem, 0x5066, 0x68));
	ck_assert(gmem_fill(&h.mem, 0x5068, 0xff, 0x20));
	ck_assert(gmem_write_u8(&h.mem, 0x5068 + 0x80 / 8, 0xfe)); /* 0x80 ok */
	ck_assert_int_eq(su_run(&h, out, sizeof(out), 1), ENGINE_EXIT_INSN_LIMIT);
	ck_assert_uint_eq(h.s->rip, H_CODE + 2);
	expect_fault(outf0, sizeof(outf0), 5, X86_GP, 0, true);
	/* Beyond the TSS limit: #GP too. */
	su_cpl3(&h);
	h.s->seg[SEG_TR].limit = 0x68 + 0x0f;
	ck_assert(gmem_write_u8(&h.mem, 0x5068 + 0xf0 / 8, 0));
	expect_fault(outf0, sizeof(outf0), 5, X86_GP, 0, true);
}
END_TEST

START_TEST(hlt_exit)
{
	static const uint8_t code[] = { 0x90, 0xf4, 0x90 };

	ck_assert_int_eq(su_run(&h, code, sizeof(code), 10), ENGINE_EXIT_HLT);
	ck_assert_uint_eq(h.s->rip, H_CODE + 2);
	ck_assert_uint_eq(h.s->activity, ACTIVITY_HLT);
	ck_assert_uint_eq(h.s->insn_count, 2);
	/* Halted with no interrupt: stays halted. */
	ck_assert_int_eq(h_run(&h, 10), ENGINE_EXIT_HLT);
	ck_assert_uint_eq(h.s->insn_count, 2);
	/* An interrupt wakes it: handler (HLT) runs, return RIP after HLT. */
	h.s->rflags |= RFLAGS_IF;
	h_apic(&h);
	h_irq(&h, 0x41);
	ck_assert_int_eq(h_run(&h, 10), ENGINE_EXIT_HLT);
	ck_assert_uint_eq(h_fault_vector(&h, ENGINE_EXIT_HLT), 0x41);
	ck_assert_uint_eq(h_fault_rip(&h, ENGINE_EXIT_HLT, false), H_CODE + 2);
}
END_TEST

START_TEST(sti_shadow)
{
	static const uint8_t code[] = {
		0xfb,           /* sti */
		0x90,           /* nop: still in the STI shadow */
		0x90,           /* nop */
		0xf4,
	};
	enum engine_exit_reason r;

	h_apic(&h);
	h_irq(&h, 0x40);
	r = su_run(&h, code, sizeof(code), 10);
	ck_assert_int_eq(h_fault_vector(&h, r), 0x40);
	/* Taken after the instruction that follows STI. */
	ck_assert_uint_eq(h_fault_rip(&h, r, false), H_CODE + 2);
	/* MOV SS blocks interrupts for one instruction too. */
	{
		static const uint8_t movss[] = { 0x8e, 0xd0, 0x90 };  /* mov ss,eax */

		G(RAX) = 0x10;
		ck_assert_int_eq(su_run(&h, movss, sizeof(movss), 1),
				 ENGINE_EXIT_INSN_LIMIT);
		ck_assert_uint_eq(h.s->interruptibility, INTR_BLOCK_MOV_SS);
		ck_assert_int_eq(h_run(&h, 1), ENGINE_EXIT_INSN_LIMIT);
		ck_assert_uint_eq(h.s->interruptibility, 0);
	}
}
END_TEST

START_TEST(int_and_iretq)
{
	static const uint8_t code[] = {
		0xcd, 0x33,                     /* int 0x33 */
	};
	static const uint8_t iret[] = { 0x48, 0xcf };   /* iretq */
	uint64_t sp;
	enum engine_exit_reason r;

	h.s->rflags = RFLAGS_FIXED1 | RFLAGS_IF | RFLAGS_CF;
	r = su_run(&h, code, sizeof(code), 10);
	ck_assert_int_eq(h_fault_vector(&h, r), 0x33);
	sp = h.s->gpr[GPR_RSP];
	ck_assert_uint_eq(h_read64(&h, sp), H_CODE + 2);
	ck_assert_uint_eq(h_read64(&h, sp + 8), 0x08);
	ck_assert_uint_eq(h_read64(&h, sp + 16), RFLAGS_FIXED1 | RFLAGS_IF | RFLAGS_CF);
	ck_assert_uint_eq(h_read64(&h, sp + 24), H_STACK);
	/* IRETQ from the handler's stack returns to after INT. */
	h_load(&h, H_DATA, iret, sizeof(iret));
	h.s->activity = ACTIVITY_ACTIVE;
	h.s->rip = H_DATA;
	ck_assert_int_eq(h_run(&h, 1), ENGINE_EXIT_INSN_LIMIT);
	ck_assert_uint_eq(h.s->rip, H_CODE + 2);
	ck_assert_uint_eq(h.s->gpr[GPR_RSP], H_STACK);
	ck_assert_uint_eq(h.s->rflags, RFLAGS_FIXED1 | RFLAGS_IF | RFLAGS_CF);
	ck_assert_uint_eq(h.s->seg[SEG_CS].sel, 0x08);
}
END_TEST

START_TEST(iretq_to_user_mode)
{
	static const uint8_t iret[] = { 0x48, 0xcf };
	uint64_t sp = H_STACK - 40;

	su_user_segments(&h);
	h_write64(&h, sp, H_CODE + 0x100);
	h_write64(&h, sp + 8, U_CS);
	h_write64(&h, sp + 16, RFLAGS_FIXED1 | RFLAGS_IF | RFLAGS_IOPL);
	h_write64(&h, sp + 24, 0x60000);
	h_write64(&h, sp + 32, U_DS);
	h.s->gpr[GPR_RSP] = sp;
	ck_assert_int_eq(su_run(&h, iret, sizeof(iret), 1), ENGINE_EXIT_INSN_LIMIT);
	ck_assert_uint_eq(cpu_cpl(h.s), 3);
	ck_assert_uint_eq(h.s->rip, H_CODE + 0x100);
	ck_assert_uint_eq(h.s->gpr[GPR_RSP], 0x60000);
	ck_assert_uint_eq(h.s->seg[SEG_SS].sel, U_DS);
	/* IOPL changes only at CPL 0: it was 0 -> allowed to become 3. */
	ck_assert_uint_eq(h.s->rflags & RFLAGS_IOPL, RFLAGS_IOPL);
	/* Returning to a CS with RPL < CPL is #GP(selector). */
	sp = 0x60000 - 40;
	h_write64(&h, sp, H_CODE);
	h_write64(&h, sp + 8, 0x08);
	h_write64(&h, sp + 16, RFLAGS_FIXED1);
	h_write64(&h, sp + 24, 0x60000);
	h_write64(&h, sp + 32, 0x10);
	h.s->gpr[GPR_RSP] = sp;
	expect_fault(iret, sizeof(iret), 5, X86_GP, 0, true);
	ck_assert_uint_eq(fault_err(), 0x08);
}
END_TEST

START_TEST(lgdt_sgdt_lidt)
{
	static const uint8_t code[] = {
		0x0f, 0x01, 0x10,               /* lgdt [rax] */
		0x0f, 0x01, 0x03,               /* sgdt [rbx] */
		0x0f, 0x01, 0x0b,               /* sidt [rbx+0] -> rbx */
		0xf4,
	};
	uint8_t d[10] = { 0x27, 0x00, 0x00, 0x70, 0, 0, 0, 0, 0, 0 };
	uint8_t out[10];

	ck_assert(gmem_write(&h.mem, H_DATA, d, sizeof(d)));
	G(RAX) = H_DATA;
	G(RBX) = H_DATA + 0x100;
	ck_assert_int_eq(su_run(&h, code, 6, 2), ENGINE_EXIT_INSN_LIMIT);
	ck_assert_uint_eq(h.s->gdtr.base, 0x7000);
	ck_assert_uint_eq(h.s->gdtr.limit, 0x27);
	ck_assert(gmem_read(&h.mem, H_DATA + 0x100, out, 10));
	ck_assert_mem_eq(out, d, 10);
	/* Non-canonical base -> #GP(0). */
	d[9] = 0x80;
	ck_assert(gmem_write(&h.mem, H_DATA, d, sizeof(d)));
	expect_fault(code, 3, 5, X86_GP, 0, true);
}
END_TEST

START_TEST(vmx_opcodes_without_vmx_layer)
{
	static const uint8_t vmxon[] = { 0xf3, 0x0f, 0xc7, 0x30 };  /* vmxon [rax] */
	static const uint8_t vmcall[] = { 0x0f, 0x01, 0xc1 };
	static const uint8_t vmread[] = { 0x0f, 0x78, 0xc3 };       /* vmread rbx,rax */

	G(RAX) = H_DATA;
	expect_fault(vmxon, sizeof(vmxon), 5, X86_UD, 0, false);
	expect_fault(vmcall, sizeof(vmcall), 5, X86_UD, 0, false);
	expect_fault(vmread, sizeof(vmread), 5, X86_UD, 0, false);
}
END_TEST

START_TEST(swapgs_rdtsc_syscall)
{
	static const uint8_t code[] = {
		0x0f, 0x01, 0xf8,               /* swapgs */
		0x0f, 0x31,                     /* rdtsc */
		0xf4,
	};
	static const uint8_t sc[] = { 0x0f, 0x05 };   /* syscall */

	h.s->seg[SEG_GS].base = 0x1111;
	h.s->msr.kernel_gs_base = 0x2222;
	ck_assert_int_eq(su_run(&h, code, sizeof(code), 10), ENGINE_EXIT_HLT);
	ck_assert_uint_eq(h.s->seg[SEG_GS].base, 0x2222);
	ck_assert_uint_eq(h.s->msr.kernel_gs_base, 0x1111);
	/* The TSC counts retired instructions: 1 before RDTSC. */
	ck_assert_uint_eq((G(RDX) << 32) | G(RAX), 1);
	/* SYSCALL with SCE=0 is #UD; with SCE it goes to LSTAR. */
	expect_fault(sc, sizeof(sc), 5, X86_UD, 0, false);
	h.s->efer |= EFER_SCE;
	h.s->msr.lstar = H_CODE + 0x200;
	h.s->msr.star = 0x0008ull << 32;
	h.s->msr.sfmask = RFLAGS_IF;
	h.s->rflags = RFLAGS_FIXED1 | RFLAGS_IF;
	ck_assert_int_eq(su_run(&h, sc, sizeof(sc), 1), ENGINE_EXIT_INSN_LIMIT);
	ck_assert_uint_eq(h.s->rip, H_CODE + 0x200);
	ck_assert_uint_eq(G(RCX), H_CODE + 2);
	ck_assert_uint_eq(G(R11), RFLAGS_FIXED1 | RFLAGS_IF);
	ck_assert(!(h.s->rflags & RFLAGS_IF));
	ck_assert_uint_eq(h.s->seg[SEG_SS].sel, 0x10);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("sysinsn");
	TCase *tc = tcase_create("sysinsn");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, mov_cr_gp_rules);
	tcase_add_test(tc, maxphyaddr_is_a_model_setting);
	tcase_add_test(tc, cpl3_privileged_instructions);
	tcase_add_test(tc, alignment_check);
	tcase_add_test(tc, rdmsr_wrmsr);
	tcase_add_test(tc, cpuid_model);
	tcase_add_test(tc, in_out_and_strings);
	tcase_add_test(tc, io_permission_bitmap);
	tcase_add_test(tc, hlt_exit);
	tcase_add_test(tc, sti_shadow);
	tcase_add_test(tc, int_and_iretq);
	tcase_add_test(tc, iretq_to_user_mode);
	tcase_add_test(tc, lgdt_sgdt_lidt);
	tcase_add_test(tc, vmx_opcodes_without_vmx_layer);
	tcase_add_test(tc, swapgs_rdtsc_syscall);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
