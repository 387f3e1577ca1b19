// SPDX-License-Identifier: MIT
/*
 * Hardware task switches in the 32-bit part of "cpu" (SDM Vol. 3A 8.3,
 * 8.4): JMP and CALL to a TSS, IRET back with EFLAGS.NT, an IDT task gate
 * for INT n and for #DF (error code on the new task's stack), the busy
 * flags, the previous-task link and the register state saved in and
 * loaded from the TSSs; #TS for a TSS below the minimum limit and for an
 * IRET whose link names a TSS that is not busy, #GP for a JMP to a busy
 * TSS.
 */
#include "cpu32.h"

#define STR_(x) #x
#define STR(x) STR_(x)

static struct tss32 tss_b, tss_c, tss_d, tss_short;
static uint8_t stack_b[1024] __attribute__((aligned(16)));
static uint8_t stack_c[1024] __attribute__((aligned(16)));
static uint8_t stack_d[1024] __attribute__((aligned(16)));

/* Recorded by the task snippets: EAX..EDI (ESP as pushed by PUSHAD is
 * the original one), EFLAGS, TR, CS SS DS FS, the busy bytes of A and B
 * (GDT type bytes), and the #DF error code. */
uint32_t c32_tk_regs[8], c32_tk_eflags, c32_tk_tr, c32_tk_seg[4];
uint32_t c32_tk_type_a, c32_tk_type_b, c32_tk_err;

extern char tk_jmp_entry[], tk_call_entry[], tk_df_entry[], tk_back_a[];
extern char tk_call_back_a[], tk_df_recover[];

#define TK_RECORD							\
	"  pushal\n"							\
	"  popl c32_tk_regs+28\n popl c32_tk_regs+24\n"		\
	"  popl c32_tk_regs+20\n popl c32_tk_regs+16\n"		\
	"  popl c32_tk_regs+12\n popl c32_tk_regs+8\n"		\
	"  popl c32_tk_regs+4\n popl c32_tk_regs\n"			\
	"  pushfl\n popl c32_tk_eflags\n"				\
	"  str c32_tk_tr\n"						\
	"  movw %cs, c32_tk_seg\n movw %ss, c32_tk_seg+4\n"		\
	"  movw %ds, c32_tk_seg+8\n movw %fs, c32_tk_seg+12\n"		\
	"  movb c32_gdt+" STR(S_TSS_A) "+5, %al\n movb %al, c32_tk_type_a\n" \
	"  movb c32_gdt+" STR(S_TSS_B) "+5, %al\n movb %al, c32_tk_type_b\n"

__asm__(".text\n"
	"tk_jmp_entry:\n" TK_RECORD
	"  ljmp $" STR(S_TSS_A) ", $0\n"
	"tk_call_entry:\n" TK_RECORD
	"  iret\n"
	/* #DF through the task gate: the error code is on this task's
	 * stack; back to A at tk_df_recover (A's saved EIP is the INT). */
	"tk_df_entry:\n"
	"  popl c32_tk_err\n" TK_RECORD
	"  call c32_task_df_fixup\n"
	"  iret\n"
	"tk_df_recover:\n"
	"  movl $8, t32_vector\n"
	"  movl c32_tk_err, %eax\n"
	"  movl %eax, t32_err\n"
	"  jmp t32_abort\n");

static void init_tss(struct tss32 *t, char *eip, uint8_t *stack, uint32_t n)
{
	uint32_t cr3;

	__asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
	for (unsigned i = 0; i < sizeof(*t); i++)
		((uint8_t *)t)[i] = 0;
	t->cr3 = cr3;
	t->eip = (uint32_t)(uintptr_t)eip;
	t->eflags = 0x46;			/* ZF PF: loaded from here */
	t->eax = 0xb0000001u;
	t->ecx = 0xb0000002u;
	t->edx = 0xb0000003u;
	t->ebx = 0xb0000004u;
	t->esp = (uint32_t)(uintptr_t)(stack + n);
	t->ebp = 0xb0000006u;
	t->esi = 0xb0000007u;
	t->edi = 0xb0000008u;
	t->cs = S_CODE0;
	t->ss = t->ds = t->es = t->gs = S_DATA0;
	t->fs = S_DATA3;
	t->iomap = sizeof(*t);
}

/* The TSS descriptors (called by cpu32.c's setup). */
void c32_task_tables(void)
{
	c32_gdt[S_TSS_B >> 3] = c32_tss_desc(&tss_b, sizeof(tss_b) - 1);
	c32_gdt[S_TSS_C >> 3] = c32_tss_desc(&tss_c, sizeof(tss_c) - 1);
	c32_gdt[S_TSS_D >> 3] = c32_tss_desc(&tss_d, sizeof(tss_d) - 1);
	c32_gdt[S_TSS_SHORT >> 3] = c32_tss_desc(&tss_short, 0x60);
}

void c32_task_df_fixup(void);
void c32_task_df_fixup(void)
{
	c32_set_stub(11, 0xe);
	c32_main_tss()->eip = (uint32_t)(uintptr_t)tk_df_recover;
}

static uint8_t busy(uint16_t sel)
{
	return (uint8_t)(c32_gdt[sel >> 3] >> 41 & 1);
}

static void in_task_line(const char *name, uint8_t *stack)
{
	c32_line(name);
	kkv_hex("tr", c32_tk_tr & 0xffff);
	kkv_hex("eax", c32_tk_regs[0]);
	kkv_hex("ecx", c32_tk_regs[1]);
	kkv_hex("edx", c32_tk_regs[2]);
	kkv_hex("ebx", c32_tk_regs[3]);
	kkv_hex("esp_off", (uint32_t)(uintptr_t)(stack + 1024) - c32_tk_regs[4]);
	kkv_hex("ebp", c32_tk_regs[5]);
	kkv_hex("esi", c32_tk_regs[6]);
	kkv_hex("edi", c32_tk_regs[7]);
	kkv_hex("eflags", c32_tk_eflags);
	kkv_hex("cs", c32_tk_seg[0] & 0xffff);
	kkv_hex("ss", c32_tk_seg[1] & 0xffff);
	kkv_hex("ds", c32_tk_seg[2] & 0xffff);
	kkv_hex("fs", c32_tk_seg[3] & 0xffff);
	kkv_hex("a_busy", c32_tk_type_a >> 1 & 1);
	kkv_hex("b_busy", c32_tk_type_b >> 1 & 1);
	c32_end();
}

/* Switch with distinct values in every GPR; the TSS of A keeps them. */
#define SWITCH(fn, insn, label)						\
	static void fn(void)						\
	{								\
		__asm__ volatile("pushl %%ebp\n"			\
				 "movl $0xa0000001, %%eax\n"		\
				 "movl $0xa0000002, %%ecx\n"		\
				 "movl $0xa0000003, %%edx\n"		\
				 "movl $0xa0000004, %%ebx\n"		\
				 "movl $0xa0000006, %%ebp\n"		\
				 "movl $0xa0000007, %%esi\n"		\
				 "movl $0xa0000008, %%edi\n"		\
				 insn "\n"				\
				 ".globl " label "\n" label ":\n"	\
				 "popl %%ebp\n"				\
				 ::: "eax", "ecx", "edx", "ebx", "esi",	\
				 "edi", "memory");			\
	}

SWITCH(f_jmp_b, "ljmp $" STR(S_TSS_B) ", $0", "tk_back_a")
SWITCH(f_call_b, "lcall $" STR(S_TSS_B) ", $0", "tk_call_back_a")

static void saved_a_line(const char *name, char *label)
{
	struct tss32 *a = c32_main_tss();

	c32_line(name);
	kkv_hex("eip_off", a->eip - (uint32_t)(uintptr_t)label);
	kkv_hex("eax", a->eax);
	kkv_hex("ecx", a->ecx);
	kkv_hex("ebx", a->ebx);
	kkv_hex("ebp", a->ebp);
	kkv_hex("edi", a->edi);
	kkv_hex("eflags", a->eflags);
	kkv_hex("b_busy", busy(S_TSS_B));
	kkv_hex("b_link", tss_b.link);
	kkv_hex("b_eflags", tss_b.eflags);
	kkv_hex("b_eax", tss_b.eax);
	c32_end();
}

static void f_int_gate(void) { __asm__ volatile("int $0x42" ::: "memory"); }
static void f_df(void) { __asm__ volatile("int $0x45" ::: "memory"); }
static void f_jmp_short(void) { __asm__ volatile("ljmp $" STR(S_TSS_SHORT) ", $0"); }
static void f_jmp_busy(void) { __asm__ volatile("ljmp $" STR(S_TSS_A) ", $0"); }

static void f_iret_nt(void)
{
	c32_main_tss()->link = S_TSS_B;		/* available: not a return */
	__asm__ volatile("pushfl; orl $0x4000, (%%esp); popfl; iret"
			 ::: "memory");
}

static void test_jmp_call(void)
{
	init_tss(&tss_b, tk_jmp_entry, stack_b, sizeof(stack_b));
	c32_trap_line("task_jmp", f_jmp_b);
	c32_end();
	in_task_line("task_jmp_in_b", stack_b);
	saved_a_line("task_jmp_back", tk_back_a);
	init_tss(&tss_b, tk_call_entry, stack_b, sizeof(stack_b));
	c32_trap_line("task_call", f_call_b);
	c32_end();
	in_task_line("task_call_in_b", stack_b);
	saved_a_line("task_call_back", tk_call_back_a);
}

static void test_gates(void)
{
	init_tss(&tss_c, tk_call_entry, stack_c, sizeof(stack_c));
	c32_set_gate(0x42, 0x05, S_TSS_C, 0);
	c32_trap_line("task_gate_int", f_int_gate);
	c32_end();
	in_task_line("task_gate_in_c", stack_c);
	c32_line("task_gate_back");
	kkv_hex("c_busy", busy(S_TSS_C));
	kkv_hex("c_link", tss_c.link);
	c32_end();

	init_tss(&tss_d, tk_df_entry, stack_d, sizeof(stack_d));
	c32_set_gate(8, 0x05, S_TSS_D, 0);
	c32_set_stub(0x45, 0xe);
	c32_idt[0x45] &= ~(1ull << 47);		/* #NP ... */
	c32_idt[11] &= ~(1ull << 47);		/* ... during #NP: #DF */
	c32_tk_err = 0xffff;
	c32_trap_line("task_gate_df", f_df);
	kkv_hex("df_err", c32_tk_err);
	c32_end();
	in_task_line("task_df_in_d", stack_d);
	c32_set_stub(8, 0xe);
	c32_set_stub(0x45, 0xe);
}

static void test_faults(void)
{
	c32_trap_line("task_ts_short_limit", f_jmp_short);
	c32_end();
	c32_trap_line("task_jmp_busy", f_jmp_busy);
	c32_end();
	c32_trap_line("task_iret_link_not_busy", f_iret_nt);
	c32_end();
	c32_main_tss()->link = 0;
}

void c32_test_task(void)
{
	uint32_t cr3;

	__asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
	c32_main_tss()->cr3 = cr3;	/* loaded when A is switched back to */
	test_jmp_call();
	test_gates();
	test_faults();
}
