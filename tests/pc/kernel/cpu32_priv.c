// SPDX-License-Identifier: MIT
/*
 * Privilege changes in the 32-bit part of "cpu" (SDM Vol. 3A 5.8, 6.12):
 * a far CALL from ring 3 through a call gate to ring 0 with two
 * parameters copied to the inner stack from the TSS, RET FAR 8 back; JMP
 * through a call gate; a conforming code segment; INT n from ring 3
 * through an interrupt gate and a trap gate (IF), a DPL 0 gate (#GP) and
 * a not-present gate (#NP); IRET to ring 3 with the outer SS:ESP and the
 * data segment registers nulled; SYSENTER/SYSEXIT (SDM Vol. 2 SYSENTER).
 */
#include "cpu32.h"

#define STR_(x) #x
#define STR(x) STR_(x)

uint8_t c32_user_stack[1024] __attribute__((aligned(16)));
#define USTACK_TOP ((uint32_t)(uintptr_t)(c32_user_stack + sizeof(c32_user_stack)))
static uint8_t sysenter_stack[1024] __attribute__((aligned(16)));

/* What the ring-0 and ring-3 snippets record (by name, from asm). */
uint32_t c32_cg_frame[6], c32_cg_esp, c32_cg_cs, c32_cg_ss;
uint32_t c32_u_esp0, c32_u_esp1, c32_u_cs, c32_u_ss, c32_u_ds, c32_u_es;
uint32_t c32_u_eflags, c32_conf_cs, c32_jg_cs, c32_jg_esp, c32_jg_esp0;
uint32_t c32_se_eflags, c32_se_cs, c32_se_ss, c32_se_esp;

extern char u_callgate[], u_callgate_ret[], cg_entry[], jg_entry[];
extern char u_jmp_gate_nc[], u_call_gate0[], u_call_direct[];
extern char u_conform[], conf_entry[], u_int40[], u_int41[], u_int43[];
extern char u_int44[], u_read_ds[], u_sysenter[], se_entry[];
extern char u_sysexit_cpl3[];
void c32_iret_ds_kept(uint32_t eip, uint32_t esp);

__asm__(".text\n"
	/* ring 3: two parameters, CALL FAR through the DPL 3 gate */
	"u_callgate:\n"
	"  pushl $0x11111111\n"
	"  pushl $0x22222222\n"
	"  movl %esp, c32_u_esp0\n"
	"  lcall $" STR(S_GATE3) "+3, $0\n"
	"u_callgate_ret:\n"
	"  movl %esp, c32_u_esp1\n"
	"  movw %cs, c32_u_cs\n"
	"  ud2\n"
	/* ring 0, through the gate: the inner stack as the CPU built it */
	"cg_entry:\n"
	"  movl %esp, c32_cg_esp\n"
	"  movw %cs, c32_cg_cs\n"
	"  movw %ss, c32_cg_ss\n"
	"  movl 0(%esp), %eax\n movl %eax, c32_cg_frame\n"
	"  movl 4(%esp), %eax\n movl %eax, c32_cg_frame+4\n"
	"  movl 8(%esp), %eax\n movl %eax, c32_cg_frame+8\n"
	"  movl 12(%esp), %eax\n movl %eax, c32_cg_frame+12\n"
	"  movl 16(%esp), %eax\n movl %eax, c32_cg_frame+16\n"
	"  movl 20(%esp), %eax\n movl %eax, c32_cg_frame+20\n"
	"  lret $8\n"
	/* JMP through the DPL 0 gate, at CPL 0 */
	"jg_entry:\n"
	"  movw %cs, c32_jg_cs\n"
	"  movl %esp, c32_jg_esp\n"
	"  movl $0x200, t32_vector\n"
	"  jmp t32_abort\n"
	"u_jmp_gate_nc:\n  ljmp $" STR(S_GATE3) "+3, $0\n"
	"u_call_gate0:\n  lcall $" STR(S_GATE0) "+3, $0\n"
	"u_call_direct:\n  lcall $" STR(S_CODE0) ", $cg_entry\n"
	/* a conforming segment: CPL stays 3 */
	"u_conform:\n"
	"  lcall $" STR(S_CONFORM) ", $conf_entry\n"
	"  movw %cs, c32_u_cs\n"
	"  ud2\n"
	"conf_entry:\n"
	"  movw %cs, c32_conf_cs\n"
	"  lret\n"
	"u_int40:\n  int $0x40\n"
	"u_int41:\n  int $0x41\n"
	"u_int43:\n  int $0x43\n"
	"u_int44:\n  int $0x44\n"
	/* DS and ES after IRET to ring 3 from DS = ES = 0x10 */
	"u_read_ds:\n"
	"  movw %ds, %ss:c32_u_ds\n"
	"  movw %es, %ss:c32_u_es\n"
	"  ud2\n"
	"c32_iret_ds_kept:\n"
	"  movl 4(%esp), %eax\n"
	"  movl 8(%esp), %ecx\n"
	"  pushl $" STR(S_DATA3) "\n"
	"  pushl %ecx\n"
	"  pushl $2\n"
	"  pushl $" STR(S_CODE3) "\n"
	"  pushl %eax\n"
	"  iret\n"
	/* SYSENTER from ring 3 and SYSEXIT back */
	"u_sysenter:\n"
	"  movl %esp, %ecx\n"
	"  movl $1f, %edx\n"
	"  sysenter\n"
	"1:pushfl\n"
	"  popl c32_u_eflags\n"
	"  movw %cs, c32_u_cs\n"
	"  movw %ss, c32_u_ss\n"
	"  movl %esp, c32_u_esp1\n"
	"  ud2\n"
	"se_entry:\n"
	"  pushfl\n"
	"  popl c32_se_eflags\n"
	"  movw %cs, c32_se_cs\n"
	"  movw %ss, c32_se_ss\n"
	"  movl %esp, c32_se_esp\n"
	"  sysexit\n"
	"u_sysexit_cpl3:\n  sysexit\n");

static uint64_t call_gate(uint16_t sel, uint32_t off, unsigned dpl,
			  unsigned params)
{
	return (off & 0xffff) | (uint64_t)sel << 16 |
	       (uint64_t)params << 32 | (uint64_t)(0x8c | dpl << 5) << 40 |
	       (uint64_t)(off >> 16) << 48;
}

/* The gates (called by cpu32.c's setup, before the LAR table). */
void c32_priv_tables(void)
{
	c32_gdt[S_GATE3 >> 3] = call_gate(S_CODE0, (uint32_t)(uintptr_t)cg_entry, 3, 2);
	c32_gdt[S_GATE0 >> 3] = call_gate(S_CODE0, (uint32_t)(uintptr_t)jg_entry, 0, 0);
	c32_set_stub(0x40, 0x6e);	/* interrupt gate, DPL 3 */
	c32_set_stub(0x41, 0x6f);	/* trap gate, DPL 3 */
	c32_set_stub(0x44, 0x6e);
	c32_idt[0x44] &= ~(1ull << 47);	/* not present */
}

static uint32_t u_entry, u_eflags;

static void f_user(void)
{
	c32_to_user(u_entry, USTACK_TOP, u_eflags);
}

static int32_t user_run(const char *name, char *entry, uint32_t eflags)
{
	int32_t v;

	u_entry = (uint32_t)(uintptr_t)entry;
	u_eflags = eflags;
	v = c32_trap_line(name, f_user);
	kkv_hex("cs", t32_cs & 0xffff);
	kkv_hex("eip_off", t32_eip - u_entry);
	return v;
}

static void test_call_gate(void)
{
	struct tss32 *t = c32_main_tss();

	user_run("callgate_call", u_callgate, 2);
	kkv_hex("gate_cs", c32_cg_cs & 0xffff);
	kkv_hex("gate_ss", c32_cg_ss & 0xffff);
	kkv_hex("inner_depth", t->esp0 - c32_cg_esp);
	kkv_hex("ret_eip_off", c32_cg_frame[0] - (uint32_t)(uintptr_t)u_callgate);
	kkv_hex("ret_cs", c32_cg_frame[1] & 0xffff);
	kkv_hex("param0", c32_cg_frame[2]);
	kkv_hex("param1", c32_cg_frame[3]);
	kkv_hex("outer_esp_off", USTACK_TOP - c32_cg_frame[4]);
	kkv_hex("outer_ss", c32_cg_frame[5] & 0xffff);
	c32_end();
	c32_line("callgate_ret_far");
	kkv_hex("esp_popped", c32_u_esp1 - c32_u_esp0);
	kkv_hex("cs", c32_u_cs & 0xffff);
	c32_end();
	user_run("callgate_jmp_nonconforming", u_jmp_gate_nc, 2);
	c32_end();
	user_run("callgate_dpl0_from_ring3", u_call_gate0, 2);
	c32_end();
	user_run("call_far_ring0_from_ring3", u_call_direct, 2);
	c32_end();
}

static void f_jmp_gate(void)
{
	__asm__ volatile("movl %%esp, c32_jg_esp0; ljmp $" STR(S_GATE0) ", $0"
			 ::: "memory");
}

static void test_jmp_gate_conforming(void)
{
	c32_trap_line("callgate_jmp_ring0", f_jmp_gate);
	kkv_hex("cs", c32_jg_cs & 0xffff);
	kkv_hex("esp_moved", c32_jg_esp0 - c32_jg_esp);
	c32_end();
	c32_conf_cs = 0;
	user_run("conforming_call", u_conform, 2);
	kkv_hex("conf_cs", c32_conf_cs & 0xffff);
	kkv_hex("cs_after", c32_u_cs & 0xffff);
	c32_end();
}

static void int_line(const char *name, char *entry)
{
	if (user_run(name, entry, 0x202) < 0x40) {
		c32_end();
		return;
	}
	kkv_hex("eflags", t32_eflags);
	kkv_hex("handler_if", t32_hflags & EFL_IF);
	kkv_hex("ss", t32_ss & 0xffff);
	kkv_hex("esp_off", USTACK_TOP - t32_esp);
	c32_end();
}

static uint32_t iret_eip;

static void f_iret_ds(void)
{
	c32_iret_ds_kept(iret_eip, USTACK_TOP);
}

static void test_int(void)
{
	int_line("int_gate_from_ring3", u_int40);
	int_line("trap_gate_from_ring3", u_int41);
	int_line("int_dpl0_from_ring3", u_int43);
	int_line("int_not_present", u_int44);
	iret_eip = (uint32_t)(uintptr_t)u_read_ds;
	c32_u_ds = c32_u_es = 0xffff;
	c32_trap_line("iret_to_ring3_nulls_ds", f_iret_ds);
	kkv_hex("ds", c32_u_ds & 0xffff);
	kkv_hex("es", c32_u_es & 0xffff);
	kkv_hex("ss", t32_ss & 0xffff);
	kkv_hex("esp_off", USTACK_TOP - t32_esp);
	c32_end();
}

static void f_sysexit_cs0(void)
{
	__asm__ volatile("sysexit" : : "c"(USTACK_TOP), "d"(0));
}

static void test_sysenter(void)
{
	c32_wrmsr(0x174, S_CODE0);
	c32_wrmsr(0x175, (uint32_t)(uintptr_t)(sysenter_stack + sizeof(sysenter_stack)));
	c32_wrmsr(0x176, (uint32_t)(uintptr_t)se_entry);
	user_run("sysenter_sysexit", u_sysenter, 0x202);
	kkv_hex("se_cs", c32_se_cs & 0xffff);
	kkv_hex("se_ss", c32_se_ss & 0xffff);
	kkv_hex("se_esp_off", (uint32_t)(uintptr_t)(sysenter_stack +
		sizeof(sysenter_stack)) - c32_se_esp);
	kkv_hex("se_eflags", c32_se_eflags);
	kkv_hex("user_cs", c32_u_cs & 0xffff);
	kkv_hex("user_ss", c32_u_ss & 0xffff);
	kkv_hex("user_esp_off", USTACK_TOP - c32_u_esp1);
	kkv_hex("user_eflags", c32_u_eflags);
	c32_end();
	user_run("sysexit_at_cpl3", u_sysexit_cpl3, 2);
	c32_end();
	c32_wrmsr(0x174, 0);
	user_run("sysenter_cs0", u_sysenter, 2);
	c32_end();
	c32_trap_line("sysexit_cs0", f_sysexit_cs0);
	c32_end();
}

void c32_test_priv(void)
{
	test_call_gate();
	test_jmp_gate_conforming();
	test_int();
	test_sysenter();
}
