// SPDX-License-Identifier: MIT
/*
 * vmxbox inspect / diff on snapshots built here: text and JSON output,
 * VMCS decoding, memory dump, disassembly through page tables, diff
 * output and exit statuses, bad files and bad usage.  $VMXBOX is the
 * executable (set by meson).
 */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "snap_test_util.h"
#include "snapshot/snapshot.h"
#include "vmx/vmcs_fields.h"

struct result {
	int status;
	char out[1 << 17];
	char err[8192];
};

static struct result r;
static char dir[] = "/tmp/snapcli.XXXXXX";
static char file_a[64], file_b[64], file_bad[64], file_v2[64];

static void slurp(FILE *f, char *buf, size_t len)
{
	size_t n;

	rewind(f);
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
}

static void run(const char *first, ...)
{
	const char *args[32] = { getenv("VMXBOX"), first };
	FILE *out = tmpfile(), *err = tmpfile();
	unsigned n = 2;
	va_list ap;
	int ws;

	ck_assert_ptr_nonnull(args[0]);
	va_start(ap, first);
	while (n < 31 && (args[n] = va_arg(ap, const char *)))
		n++;
	va_end(ap);
	args[n] = NULL;
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		dup2(fileno(out), 1);
		dup2(fileno(err), 2);
		execv(args[0], (char **)args);
		_exit(127);
	}
	ck_assert_int_eq(waitpid(pid, &ws, 0), pid);
	r.status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
	slurp(out, r.out, sizeof(r.out));
	slurp(err, r.err, sizeof(r.err));
}

#define assert_has(hay, needle) \
	ck_assert_msg(strstr(hay, needle), "'%s' not in:\n%s", needle, hay)

/*
 * A long-mode machine: linear 0x40000000 maps (PML4[0] -> PDPT[1] -> a 2 MiB
 * PD entry) to physical 0x200000, which holds mov rbp,rsp; vmlaunch; hlt.
 */
static struct snapshot_machine *long_mode_machine(struct guest_mem *gm)
{
	static const uint8_t code[] = { 0x48, 0x89, 0xe5, 0x0f, 0x01, 0xc2, 0xf4 };
	struct snapshot_machine *s;
	struct cpu_state *c;

	ck_assert_int_eq(gmem_init(gm, 4ull << 20), 0);
	ck_assert(gmem_write_u64(gm, 0x1000, 0x2000 | 3));        /* PML4[0] */
	ck_assert(gmem_write_u64(gm, 0x2000 + 8, 0x3000 | 3));    /* PDPT[1] */
	ck_assert(gmem_write_u64(gm, 0x3000, 0x200000 | 0x83));   /* PD[0]: 2M */
	ck_assert(gmem_write(gm, 0x200000, code, sizeof(code)));
	s = make_machine(gm, 1);
	c = &s->cpus[0];
	cpu_state_reset(c);
	c->cr0 = CR0_PE | CR0_PG | CR0_ET | CR0_NE;
	c->cr3 = 0x1000;
	c->cr4 = CR4_PAE | CR4_VMXE;
	c->efer = EFER_LME | EFER_LMA;
	c->seg[SEG_CS].ar = SEG_AR_P | SEG_AR_S | SEG_AR_L | 0xb;
	c->rip = 0x40000003;
	c->gpr[GPR_RAX] = 0x1234;
	s->vmx.n_fields = 3;
	s->vmx.fields[0] = (struct snap_vmcs_field){ VMCS_PIN_BASED_VM_EXEC_CONTROL,
		PIN_EXT_INTR_EXITING | PIN_NMI_EXITING, "PIN_BASED_VM_EXEC_CONTROL" };
	s->vmx.fields[1] = (struct snap_vmcs_field){ VMCS_VM_EXIT_REASON,
		EXIT_REASON_FAILED_VMENTRY | EXIT_REASON_INVALID_STATE, "VM_EXIT_REASON" };
	s->vmx.fields[2] = (struct snap_vmcs_field){ VMCS_GUEST_RIP, 0x7000, "GUEST_RIP" };
	ck_assert_int_eq(snap_mem_capture(&s->mem, gm), 0);
	return s;
}

static void setup(void)
{
	struct guest_mem gm;
	struct snapshot_machine *s;
	char err[512];
	uint8_t *buf;
	size_t len;
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(file_a, sizeof(file_a), "%s/a.snap", dir);
	snprintf(file_b, sizeof(file_b), "%s/b.snap", dir);
	snprintf(file_bad, sizeof(file_bad), "%s/bad.snap", dir);
	snprintf(file_v2, sizeof(file_v2), "%s/v2.snap", dir);
	s = long_mode_machine(&gm);
	ck_assert_int_eq(snapshot_write_file(s, file_a, err, sizeof(err)), 0);
	/* B: rax and one byte of the page at 0x200000 differ. */
	s->cpus[0].gpr[GPR_RAX] = 0x5678;
	ck_assert(gmem_write_u8(&gm, 0x200010, 0x90));
	ck_assert_int_eq(snap_mem_capture(&s->mem, &gm), 0);
	ck_assert_int_eq(snapshot_write_file(s, file_b, err, sizeof(err)), 0);
	ck_assert_int_eq(snapshot_encode(s, &buf, &len, err, sizeof(err)), 0);
	f = fopen(file_bad, "wb");
	fwrite(buf, 1, len / 2, f);
	fclose(f);
	buf[4 + 16] = 7;   /* format version */
	f = fopen(file_v2, "wb");
	fwrite(buf, 1, len, f);
	fclose(f);
	free(buf);
	snapshot_free(s);
	gmem_destroy(&gm);
}

static void teardown(void)
{
	unlink(file_a);
	unlink(file_b);
	unlink(file_bad);
	unlink(file_v2);
	rmdir(dir);
}

START_TEST(inspect_text_shows_everything)
{
	char want[128];

	run("inspect", file_a, NULL);
	ck_assert_int_eq(r.status, 0);
	assert_has(r.out, "snapshot format 1, written by vmxbox");
	assert_has(r.out, "trigger insns:1234");
	assert_has(r.out, "ram        4 MiB");
	assert_has(r.out, "option     max-insns=1000000");
	assert_has(r.out, "cpu0: 64-bit mode, CPL 0");
	assert_has(r.out, "rax  0000000000001234");
	assert_has(r.out, "rip  0000000040000003");
	assert_has(r.out, "cr0  0000000080000031 [PE ET NE PG]");
	assert_has(r.out, "efer 0000000000000500 [LME LMA]");
	assert_has(r.out, "cs   sel f000 base 00000000ffff0000 limit 0000ffff ar 0209b (type 11 S DPL 0 P L)");
	assert_has(r.out, "IA32_PAT               00000277 = 0007040600070406");
	assert_has(r.out, "vmx: VMX non-root operation (an L2 is running)");
	assert_has(r.out, "VMCS region     0x12000 launched (current)");
	assert_has(r.out, "control fields:\n    PIN_BASED_VM_EXEC_CONTROL          4000 0000000000000009  [0:external-interrupt exiting] [3:NMI exiting]");
	snprintf(want, sizeof(want), "VM_EXIT_REASON                     4402 0000000080000021  %s VM-entry failure",
		 vmx_exit_reason_name(EXIT_REASON_INVALID_STATE));
	assert_has(r.out, want);
	assert_has(r.out, "guest-state area:\n    GUEST_RIP                          681e 0000000000007000");
	assert_has(r.out, "uart0      buf=<40 bytes> lcr=0x3 bytes_out=0x2b");
	ck_assert_str_eq(r.err, "");

	run("inspect", file_a, "--regs", NULL);
	ck_assert_int_eq(r.status, 0);
	assert_has(r.out, "rip  0000000040000003");
	ck_assert_ptr_null(strstr(r.out, "VM_EXIT_REASON"));
	ck_assert_ptr_null(strstr(r.out, "config:"));
}
END_TEST

START_TEST(inspect_json)
{
	int depth = 0;

	run("inspect", "--json", file_a, NULL);
	ck_assert_int_eq(r.status, 0);
	assert_has(r.out, "\"format\":1,");
	assert_has(r.out, "\"rax\":\"0x1234\"");
	assert_has(r.out, "\"rip\":\"0x40000003\"");
	assert_has(r.out, "\"cs.ar\":\"0x209b\"");
	assert_has(r.out, "\"nmi_pending\":");
	assert_has(r.out, "\"IA32_PAT\":\"0x7040600070406\"");
	assert_has(r.out, "\"non_root\":true");
	assert_has(r.out, "{\"name\":\"PIN_BASED_VM_EXEC_CONTROL\",\"encoding\":\"0x4000\",\"group\":\"control\",\"value\":\"0x9\",\"decoded\":\"[0:external-interrupt exiting] [3:NMI exiting]\"}");
	assert_has(r.out, "\"buf\":\"0100030205040706");
	for (const char *p = r.out; *p; p++) {
		depth += *p == '{' || *p == '[';
		depth -= *p == '}' || *p == ']';
		ck_assert_int_ge(depth, 0);
	}
	ck_assert_int_eq(depth, 0);
	ck_assert_int_eq(r.out[strlen(r.out) - 1], '\n');
}
END_TEST

START_TEST(inspect_mem_and_disasm)
{
	run("inspect", file_a, "--mem", "0x200000", "8", NULL);
	ck_assert_int_eq(r.status, 0);
	assert_has(r.out, "memory [0x200000, 0x200008):\n  0000000000200000  48 89 e5 0f 01 c2 f4 00");
	ck_assert_ptr_null(strstr(r.out, "cpu0:"));

	run("inspect", file_a, "--disasm", "0x40000000", "3", NULL);
	ck_assert_int_eq(r.status, 0);
	assert_has(r.out, "disassembly at 0x40000000 (64-bit code):");
	assert_has(r.out, "0000000040000000  48 89 e5");
	assert_has(r.out, "mov rbp, rsp\n");
	assert_has(r.out, "0000000040000003  0f 01 c2");
	assert_has(r.out, "vmlaunch\n");
	assert_has(r.out, "0000000040000006  f4");
	assert_has(r.out, "hlt\n");

	run("inspect", file_a, "--disasm", "rip", "1", "--json", NULL);
	ck_assert_int_eq(r.status, 0);
	ck_assert_str_eq(r.out, "{\"disasm\":[{\"addr\":\"0x40000003\",\"bytes\":\"0f01c2\",\"text\":\"vmlaunch\"}]}\n");

	/* Not mapped: linear 0x80000000 has no PDPT entry. */
	run("inspect", file_a, "--disasm", "0x80000000", "2", NULL);
	ck_assert_int_eq(r.status, 0);
	assert_has(r.out, "0000000080000000  <not mapped>");
}
END_TEST

START_TEST(diff_reports_differences)
{
	run("diff", file_a, file_a, NULL);
	ck_assert_int_eq(r.status, 0);
	ck_assert_str_eq(r.out, "");

	run("diff", file_a, file_b, NULL);
	ck_assert_int_eq(r.status, 1);
	ck_assert_str_eq(r.out,
		"cpu0.rax: 0x1234 -> 0x5678\n"
		"memory [0x200000, 0x201000): 1 page differs\n"
		"2 differences\n");
}
END_TEST

/* Strings from the file (trigger, firmware path, option, device names)
 * cannot drive the terminal: plain inspect and diff print no control
 * character but \n, and show them escaped. */
START_TEST(inspect_escapes_control_characters)
{
	struct guest_mem gm;
	struct snapshot_machine *s = long_mode_machine(&gm);
	char err[512], evil[64], b[64];

	snprintf(evil, sizeof(evil), "%s/evil.snap", dir);
	snprintf(b, sizeof(b), "%s/evil2.snap", dir);
	snprintf(s->trigger, sizeof(s->trigger), "x\x1b]0;pwned\x07\x9b");
	snprintf(s->config.firmware, sizeof(s->config.firmware),
		 "/tmp/\x1b[2J\\fw.elf");
	ck_assert_int_eq(snapshot_write_file(s, evil, err, sizeof(err)), 0);
	snprintf(s->config.firmware, sizeof(s->config.firmware), "\x1b[31mred");
	ck_assert_int_eq(snapshot_write_file(s, b, err, sizeof(err)), 0);
	run("inspect", evil, NULL);
	ck_assert_int_eq(r.status, 0);
	assert_has(r.out, "trigger x\\x1b]0;pwned\\x07\\x9b");
	assert_has(r.out, "firmware   /tmp/\\x1b[2J\\\\fw.elf");
	for (const char *p = r.out; *p; p++)
		ck_assert_msg(*p == '\n' || ((unsigned char)*p >= 0x20 &&
					      (unsigned char)*p < 0x7f),
			      "raw byte %#x in inspect output", (unsigned char)*p);
	run("diff", evil, b, NULL);
	assert_has(r.out, "\\x1b[31mred");
	for (const char *p = r.out; *p; p++)
		ck_assert_msg(*p == '\n' || (unsigned char)*p >= 0x20,
			      "raw byte %#x in diff output", (unsigned char)*p);
	unlink(evil);
	unlink(b);
	snapshot_free(s);
	gmem_destroy(&gm);
}
END_TEST

START_TEST(bad_files_and_usage)
{
	run("inspect", "/nonexistent.snap", NULL);
	ck_assert_int_eq(r.status, 1);
	assert_has(r.err, "vmxbox inspect: cannot open /nonexistent.snap: No such file or directory");

	run("inspect", file_bad, NULL);
	ck_assert_int_eq(r.status, 1);
	assert_has(r.err, "truncated");
	ck_assert_str_eq(r.out, "");

	run("inspect", file_v2, NULL);
	ck_assert_int_eq(r.status, 1);
	assert_has(r.err, "unsupported snapshot format version 7 (this vmxbox reads version 1)");

	run("inspect", "/etc/passwd", NULL);
	ck_assert_int_eq(r.status, 1);
	assert_has(r.err, "not a vmxbox snapshot");

	run("inspect", NULL);
	ck_assert_int_eq(r.status, 2);
	assert_has(r.err, "no snapshot file given");
	run("inspect", file_a, file_b, NULL);
	ck_assert_int_eq(r.status, 2);
	run("inspect", file_a, "--mem", "0x3ffff0", "0x20", NULL);
	ck_assert_int_eq(r.status, 2);
	assert_has(r.err, "is outside guest RAM");
	run("inspect", file_a, "--mem", "12", NULL);
	ck_assert_int_eq(r.status, 2);
	assert_has(r.err, "--mem needs ADDR LEN");
	run("inspect", file_a, "--disasm", "pc", "3", NULL);
	ck_assert_int_eq(r.status, 2);
	run("inspect", file_a, "--frob", NULL);
	ck_assert_int_eq(r.status, 2);

	run("diff", file_a, NULL);
	ck_assert_int_eq(r.status, 2);
	run("diff", file_a, file_bad, NULL);
	ck_assert_int_eq(r.status, 2);
	assert_has(r.err, "truncated");
}
END_TEST

START_TEST(restore_and_trigger_usage)
{
	run("restore", "--help", NULL);
	ck_assert_int_eq(r.status, 0);
	assert_has(r.out, "Usage: vmxbox restore [OPTIONS] FILE");
	run("restore", NULL);
	ck_assert_int_eq(r.status, 2);
	assert_has(r.err, "vmxbox restore: no snapshot file given");
	run("restore", file_bad, NULL);
	ck_assert_int_eq(r.status, 1);
	assert_has(r.err, "truncated");
	run("restore", file_v2, NULL);
	ck_assert_int_eq(r.status, 1);
	assert_has(r.err, "unsupported snapshot format version 7");
	run("restore", "--max-insns=-3", file_a, NULL);
	ck_assert_int_eq(r.status, 2);
	run("restore", "--engine=qemu", file_a, NULL);
	ck_assert_int_eq(r.status, 2);
	assert_has(r.err, "--engine=qemu: expected auto, interp or kvm");

	run("run", "--snapshot-on=exit", "x.elf", NULL);
	ck_assert_int_eq(r.status, 2);
	assert_has(r.err, "--snapshot-on needs --snapshot=PATH");
	run("run", "--snapshot=/tmp/x.snap", "--snapshot-on=vmexit:NOPE", "x.elf", NULL);
	ck_assert_int_eq(r.status, 2);
	assert_has(r.err, "unknown VM-exit reason 'NOPE'");
	run("run", "--snapshot=/tmp/x.snap", "--snapshot-on=insns:", "x.elf", NULL);
	ck_assert_int_eq(r.status, 2);
	assert_has(r.err, "expected exit, insns:N, vmexit:REASON[:K], vmentry-fail, triple-fault or signal");
	run("run", "--help", NULL);
	assert_has(r.out, "--snapshot-on=EVENT");
}
END_TEST

/* restore --pause-on: run's parser and events; restore has no monitor,
 * so it needs --gdb. */
START_TEST(restore_pause_on_usage)
{
	run("restore", "--help", NULL);
	assert_has(r.out, "--pause-on=EVENT");
	run("restore", "--pause-on=vmexit:CPUID", file_a, NULL);
	ck_assert_int_eq(r.status, 2);
	assert_has(r.err, "vmxbox restore: --pause-on needs --gdb (nothing could resume it)");
	run("restore", "--pause-on=insns:100", "--gdb=tcp::1", file_a, NULL);
	ck_assert_int_eq(r.status, 2);
	run("restore", "--pause-on=vmexit:NOSUCH", "--gdb=tcp::1", file_a, NULL);
	ck_assert_int_eq(r.status, 2);
	assert_has(r.err, "NOSUCH");
	run("restore", "--pause-on=vmexit:CPUID:0", "--gdb=tcp::1", file_a, NULL);
	ck_assert_int_eq(r.status, 2);
	run("run", "--pause-on=vmexit:CPUID", "x.elf", NULL);
	ck_assert_int_eq(r.status, 2);
	assert_has(r.err, "--pause-on needs --monitor=PATH or --gdb");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("snapshot_cli");
	TCase *t = tcase_create("cli");
	SRunner *sr;
	int failed;

	tcase_add_unchecked_fixture(t, setup, teardown);
	tcase_set_timeout(t, 60);
	tcase_add_test(t, inspect_text_shows_everything);
	tcase_add_test(t, inspect_json);
	tcase_add_test(t, inspect_mem_and_disasm);
	tcase_add_test(t, diff_reports_differences);
	tcase_add_test(t, inspect_escapes_control_characters);
	tcase_add_test(t, bad_files_and_usage);
	tcase_add_test(t, restore_and_trigger_usage);
	tcase_add_test(t, restore_pause_on_usage);
	suite_add_tcase(s, t);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
