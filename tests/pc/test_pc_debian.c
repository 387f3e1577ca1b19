// SPDX-License-Identifier: MIT
/*
 * Debian's stock kernel (the image linux-image-amd64 points at) boots on
 * vmxbox through the Linux boot protocol, within a bounded instruction
 * count.  fetch-debian-kernel.sh puts it into a cache (never committed);
 * the test skips, with the reason, when it cannot be fetched.
 *
 *   test_pc_debian FETCH_SCRIPT [decompressor]
 *
 * With "decompressor" (the sanitizer build: the whole boot is billions of
 * interpreted instructions) only the decompressor's part is checked.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fw_run.h"

/*
 * cryptomgr.notests: the crypto API's self-tests (crypto_algapi_init(),
 * a late initcall) are 0.73 of the 1.24 billion instructions the kernel
 * itself runs before the root mount fails, and assert nothing of the PC
 * platform; linux_kvm_hello (tests/linux) boots the same kernel with
 * them and fails on their WARNING.
 */
#define CMDLINE "console=ttyS0 earlyprintk=serial,ttyS0,115200 nokaslr cryptomgr.notests"
/* The whole boot takes 4.86 billion instructions with Debian's
 * 6.1.0-57 (4.49 of them in the xz decompressor): a bound with some
 * room. */
#define KERNEL_INSNS "6000000000"
/* Wall time: 80 s of CPU on the build host, much more on a loaded one. */
#define TIMEOUT_S 1700

static char vmlinuz[4096];

/* The last 2000 bytes of s: check's messages are limited to 4 KiB. */
static const char *tail(const char *s)
{
	size_t n = strlen(s);

	return n > 2000 ? s + n - 2000 : s;
}

static void boot(const char *max_insns, const char *append_more,
		 int status, struct fw_result *r)
{
	char insns[64], append[256];
	const char *argv[] = { getenv("VMXBOX"), "run", "--engine=interp",
			       "--mem=512M", append, insns, vmlinuz, NULL };

	snprintf(insns, sizeof(insns), "--max-insns=%s", max_insns);
	snprintf(append, sizeof(append), "--append=%s%s", CMDLINE, append_more);
	ck_assert_int_eq(fw_run((char *const *)argv, TIMEOUT_S, r), 0);
	ck_assert_msg(!r->timed_out, "timed out:\n%s\n%s", tail(r->out),
		      r->err);
	/* 74: stopped by the instruction limit; 77: the guest reset. */
	ck_assert_msg(r->status == status, "status %d\nstdout:\n%s\nstderr:\n%s",
		      r->status, tail(r->out), r->err);
}

/* Each of parts[] appears in out, in order (the kernel's lines carry a
 * timestamp and a version that changes with Debian's updates). */
static void expect_in_order(const struct fw_result *r, const char *const *parts)
{
	const char *at = r->out;

	for (; *parts; parts++) {
		const char *hit = strstr(at, *parts);

		ck_assert_msg(hit, "missing \"%s\"\nafter:\n%s\nstderr:\n%s",
			      *parts, tail(at), r->err);
		at = hit + strlen(*parts);
	}
}

/* startup_64 of the bzImage (64-bit entry, xloadflags bit 0) relocates
 * the decompressor, builds its page tables, reads boot_params' command
 * line and warns about nokaslr on the serial port before decompressing:
 * that is all it prints in its first 2 million instructions. */
START_TEST(decompressor_reads_the_command_line)
{
	struct fw_result r;

	boot("2000000", "", 74, &r);
	ck_assert_str_eq(r.out, "\r\n\r\nKASLR disabled: 'nokaslr' on cmdline.\r\n\r\n");
	fw_result_free(&r);
}
END_TEST

/* The whole boot, up to the missing root file system: the early console
 * replays the banner, the command line from boot_params and the e820
 * table the loader wrote (docs/boot.md); the kernel finds the SMBIOS
 * entry point in the F segment and names the machine; it parses vmxbox's ACPI
 * tables (MADT, overrides), routes the PIT through IOAPIC pin 2 (its
 * check_timer() test of timer interrupts), finds the i440FX on the PCI
 * bus and the host bridge windows of the DSDT's _CRS, the RTC and COM1
 * as PNP devices (Linux's PNP list skips the PIC and PIT entries), takes
 * the PM timer as a clocksource, the 16550A and the RTC's date, the
 * microcode revision (TSC-deadline timer kept: no erratum); then it
 * panics for want of a root and, with panic=-1, resets through the
 * FADT's reset register: vmxbox run's status 77.  The run ends right
 * after the last line asserted here (the panic's stack dump, then the
 * reset), so nothing is booted that the test does not look at. */
START_TEST(kernel_boots_to_the_root_mount)
{
	static const char *const lines[] = {
		"KASLR disabled: 'nokaslr' on cmdline.\r\n",
		"] Linux version 6.",
		"] Command line: " CMDLINE " panic=-1\r\n",
		"] BIOS-provided physical RAM map:\r\n",
		"] BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable\r\n",
		"] BIOS-e820: [mem 0x000000000009fc00-0x000000000009ffff] reserved\r\n",
		"] BIOS-e820: [mem 0x00000000000f0000-0x00000000000fffff] reserved\r\n",
		"] BIOS-e820: [mem 0x0000000000100000-0x000000001fffffff] usable\r\n",
		"] printk: bootconsole [earlyser0] enabled\r\n",
		"] SMBIOS 2.8 present.\r\n",
		"] DMI: vmxbox vmxbox PC, BIOS vmxbox 01/01/2025\r\n",
		"] ACPI: RSDP 0x00000000000F0000 000024 (v02 VMXBOX)\r\n",
		"] IOAPIC[0]: apic_id 0, version 32, address 0xfec00000, GSI 0-23\r\n",
		"] ACPI: INT_SRC_OVR (bus 0 bus_irq 0 global_irq 2 dfl dfl)\r\n",
		"] ACPI: INT_SRC_OVR (bus 0 bus_irq 9 global_irq 9 high level)\r\n",
		"] printk: console [ttyS0] enabled\r\n",
		"] ..TIMER: vector=0x30 apic1=0 pin1=2 apic2=-1 pin2=-1\r\n",
		"] smpboot: CPU0: Intel vmxbox virtual x86-64 CPU (family: 0x6, model: 0x3c, stepping: 0x3)\r\n",
		"] pci_bus 0000:00: root bus resource [io  0x0000-0x0cf7 window]\r\n",
		"] pci_bus 0000:00: root bus resource [io  0x0d00-0xffff window]\r\n",
		"] pci_bus 0000:00: root bus resource [mem 0x000a0000-0x000bffff window]\r\n",
		"] pci_bus 0000:00: root bus resource [mem 0x20000000-0xfebfffff window]\r\n",
		"] pci_bus 0000:00: root bus resource [mem 0x100000000-0x17fffffff window]\r\n",
		"] pci_bus 0000:00: root bus resource [bus 00-ff]\r\n",
		"] pci 0000:00:00.0: [8086:1237] type 00 class 0x060000\r\n",
		"] pnp: PnP ACPI: found 2 devices\r\n",
		"] clocksource: acpi_pm: mask: 0xffffff ",
		"] 00:01: ttyS0 at I/O 0x3f8 (irq = 4, base_baud = 115200) is a 16550A\r\n",
		"] rtc_cmos 00:00: setting system clock to 2025-01-01T00:00:",
		"] microcode: sig=0x306c3, pf=0x1, revision=0x28\r\n",
		"] Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)",
		NULL
	};
	static const char *const bad[] = { "WARNING:", "BUG:",
					   "unchecked MSR access", "[Firmware Bug]",
					   "Disabled fast string", "DMI not present", NULL };
	struct fw_result r;

	boot(KERNEL_INSNS, " panic=-1", 77, &r);
	expect_in_order(&r, lines);
	/* No kernel warning, bug or refused MSR on the way. */
	for (const char *const *w = bad; *w; w++) {
		const char *at = strstr(r.out, *w);

		ck_assert_msg(!at, "%.1500s", at);
	}
	fw_result_free(&r);
}
END_TEST

int main(int argc, char **argv)
{
	Suite *s = suite_create("pc_debian");
	TCase *tc = tcase_create("boot");
	char cmd[4200];
	SRunner *sr;
	FILE *p;
	int failed;

	if (argc < 2) {
		fprintf(stderr, "usage: %s FETCH_SCRIPT [decompressor]\n", argv[0]);
		return 2;
	}
	snprintf(cmd, sizeof(cmd), "'%s'", argv[1]);
	p = popen(cmd, "r");
	if (p && !fgets(vmlinuz, sizeof(vmlinuz), p))
		vmlinuz[0] = 0;
	if (!p || pclose(p) != 0 || !vmlinuz[0]) {
		printf("SKIP: Debian's kernel could not be fetched (%s; needs apt-get download of linux-image-amd64)\n",
		       argv[1]);
		return 77;
	}
	vmlinuz[strcspn(vmlinuz, "\n")] = 0;
	tcase_set_timeout(tc, TIMEOUT_S + 60);
	tcase_add_test(tc, decompressor_reads_the_command_line);
	if (argc < 3 || strcmp(argv[2], "decompressor")) {
		tcase_set_timeout(tc, TIMEOUT_S + 60);
		tcase_add_test(tc, kernel_boots_to_the_root_mount);
	}
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
