// SPDX-License-Identifier: MIT
/*
 * Multiboot boot of the PC test kernel (tests/pc/kernel) on vmxbox: the
 * info structure it finds (command line of several KiB, modules with
 * their strings, memory map), for the ELF32, ELF64 and a.out-kludge forms
 * of the same kernel, and the errors for broken images.
 */
#include <check.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fw_run.h"
#include "pc_compare.h"

static char dir[64];
static char mod0[128], mod1[128], spec0[160], spec1[160];
static char *append;
static uint32_t mod0_fnv, mod1_fnv;
static const size_t mod0_size = 5000, mod1_size = 13;

static uint32_t fnv1a(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint32_t h = 0x811c9dc5u;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x01000193u;
	return h;
}

static uint32_t write_file(const char *path, const void *data, size_t n)
{
	FILE *f = fopen(path, "wb");

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(data, 1, n, f), n);
	fclose(f);
	return fnv1a(data, n);
}

static void setup(void)
{
	uint8_t *m = malloc(mod0_size);
	size_t len = 0;

	snprintf(dir, sizeof(dir), "/tmp/pcboot-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	for (size_t i = 0; i < mod0_size; i++)
		m[i] = (uint8_t)(i * 7 + 3);
	snprintf(mod0, sizeof(mod0), "%s/mod0.bin", dir);
	snprintf(mod1, sizeof(mod1), "%s/mod1.txt", dir);
	mod0_fnv = write_file(mod0, m, mod0_size);
	mod1_fnv = write_file(mod1, "hello module\n", mod1_size);
	free(m);
	snprintf(spec0, sizeof(spec0), "%s a=1 b=2", mod0);
	snprintf(spec1, sizeof(spec1), "%s", mod1);
	/* 6000+ bytes of words, then a recognisable tail. */
	append = malloc(8192);
	for (int i = 0; len < 6000; i++)
		len += (size_t)sprintf(append + len, "word%d=%d ", i, i * 3);
	strcpy(append + len, "the-end=1");
}

static void teardown(void)
{
	unlink(mod0);
	unlink(mod1);
	rmdir(dir);
	free(append);
}

static void run_vmxbox(const char *image, const char *const *extra,
		       struct fw_result *r)
{
	const char *argv[24];
	int n = 0;

	argv[n++] = getenv("VMXBOX");
	argv[n++] = "run";
	argv[n++] = "--engine=interp";
	argv[n++] = "--debug-exit=qemu";
	argv[n++] = "--mem=128M";
	for (; extra && *extra; extra++)
		argv[n++] = *extra;
	argv[n++] = image;
	argv[n] = NULL;
	ck_assert_int_eq(fw_run((char *const *)argv, 60, r), 0);
	ck_assert_msg(!r->timed_out, "timed out:\n%s\n%s", r->out, r->err);
}

static void expectf(const struct fw_result *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void expectf(const struct fw_result *r, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	pc_expect_line(r, line);
}

static void check_acpi(const struct fw_result *r);

/* The SMBIOS tables in the F segment as the kernel finds and walks them,
 * and fw_cfg's etc/smbios files holding the same bytes. */
static void check_smbios(const struct fw_result *r, unsigned cpus,
			 unsigned mem_mib, const char *types)
{
	pc_expect_line(r, "smbios eps found=1 version=2.8 len=0x1f sum_ok=1 dmi_anchor=1 dmi_sum_ok=1 bcd=0x28");
	pc_expect_line(r, "smbios table count_ok=1 len_ok=1 max_ok=1 strings_ok=1 ends_with_127=1");
	expectf(r, "smbios hw cpus=%u mem_mib=%u mapped_kib=%u", cpus, mem_mib,
		mem_mib << 10);
	expectf(r, "smbiosx types=%s", types);
	pc_expect_line(r, "smbiosx bios vendor=vmxbox version=vmxbox date=01/01/2025");
	pc_expect_line(r, "smbiosx system vendor=vmxbox product=vmxbox PC");
	pc_expect_line(r, "smbiosx fwcfg anchor_same=1 tables_same=1");
}

/* The whole multiboot handover as the test kernel reports it. */
static void check_handover(const char *env)
{
	const char *image = getenv(env);
	char arg_append[8300], arg_initrd[200], arg_module[200], cmdline[8600];
	const char *extra[] = { arg_append, arg_initrd, arg_module, NULL };
	struct fw_result r;
	size_t n;

	snprintf(arg_append, sizeof(arg_append), "--append=%s", append);
	snprintf(arg_initrd, sizeof(arg_initrd), "--initrd=%s", spec0);
	snprintf(arg_module, sizeof(arg_module), "--module=%s", spec1);
	n = (size_t)snprintf(cmdline, sizeof(cmdline), "%s %s", image, append);
	run_vmxbox(image, extra, &r);
	ck_assert_msg(r.status == 1, "exit status %d (want 1 = QEMU's 0)\n%s\n%s",
		      r.status, r.out, r.err);
	pc_expect_line(&r, "pctest start");
	pc_expect_line(&r, "mb magic=0x2badb002");
	pc_expect_line(&r, "mb info_in_page0=0 info_below_640k=1 has_mem=1 has_cmdline=1 has_mods=1 has_mmap=1 mem_lower=639");
	expectf(&r, "mbx mem_upper=%u", (128u << 10) - 1024);
	expectf(&r, "mb cmdline len=%zu fnv=0x%x head=\"%.48s\" tail=\"%s\"", n,
		fnv1a(cmdline, n), image, cmdline + n - 24);
	pc_expect_line(&r, "mb mods=2");
	expectf(&r, "mb mod0 size=%zu fnv=0x%x page_aligned=1 above_kernel=1 string=\"%s\"",
		mod0_size, mod0_fnv, spec0);
	expectf(&r, "mb mod1 size=%zu fnv=0x%x page_aligned=1 above_kernel=1 string=\"%s\"",
		mod1_size, mod1_fnv, spec1);
	pc_expect_line(&r, "mb mmap base=0x0 len=0x9fc00 type=1");
	pc_expect_line(&r, "mb mmap base=0x9fc00 len=0x400 type=2");
	pc_expect_line(&r, "mb mmap base=0xf0000 len=0x10000 type=2");
	pc_expect_line(&r, "mbx mmap base=0x100000 len=0x7f00000 type=1");
	expectf(&r, "mbx ram_kib=%u", (128u << 10) - 1024 + 639);
	check_smbios(&r, 1, 128, "0,1,3,4,16,17,19,32,127");
	/* vmxbox run has the host bridge but no test devices. */
	pc_expect_line(&r, "pci host bdf=00:00.0 vendor=0x8086 device=0x1237 class=0x60000 rev=0x2 subsys=0x11001af4 header=0x0 pin=0");
	pc_expect_line(&r, "pci testdev found=0");
	pc_expect_line(&r, "pctestdev present=0");
	pc_expect_line(&r, "pctest done");
	fw_result_free(&r);
}

START_TEST(elf32_handover)
{
	check_handover("PCTEST32");
}
END_TEST

START_TEST(elf64_handover)
{
	check_handover("PCTEST64");
}
END_TEST

START_TEST(aout_kludge_handover)
{
	check_handover("PCTEST_AOUT");
}
END_TEST

/* No --append: the command line is the image name and a space, as QEMU
 * gives it; no modules. */
START_TEST(bare_cmdline_no_modules)
{
	const char *image = getenv("PCTEST32");
	char cmdline[512];
	struct fw_result r;
	size_t n = (size_t)snprintf(cmdline, sizeof(cmdline), "%s ", image);

	run_vmxbox(image, NULL, &r);
	ck_assert_int_eq(r.status, 1);
	expectf(&r, "mb cmdline len=%zu fnv=0x%x head=\"%.48s\" tail=\"%s\"", n,
		fnv1a(cmdline, n), image, n > 24 ? cmdline + n - 24 : cmdline);
	pc_expect_line(&r, "mb mods=0");
	fw_result_free(&r);
}
END_TEST

static void expect_error(const char *image, const char *const *extra,
			 int status, const char *msg)
{
	struct fw_result r;

	run_vmxbox(image, extra, &r);
	ck_assert_msg(r.status == status, "status %d, want %d\n%s", r.status,
		      status, r.err);
	ck_assert_msg(strstr(r.err, msg), "stderr lacks \"%s\":\n%s", msg, r.err);
	ck_assert_msg(!strchr(r.err, '\n') || strchr(r.err, '\n')[1] == '\0',
		      "more than one line on stderr:\n%s", r.err);
	fw_result_free(&r);
}

START_TEST(missing_module_is_an_image_error)
{
	const char *extra[] = { "--initrd=/nonexistent/mod", NULL };

	expect_error(getenv("PCTEST32"), extra, 71,
		     "/nonexistent/mod: No such file or directory");
}
END_TEST

/* A header whose a.out-kludge addresses do not fit the file. */
static void write_kludge(const char *path, uint32_t load, uint32_t load_end,
			 uint32_t bss_end, uint32_t entry)
{
	uint32_t h[8] = { 0x1badb002, 0x10000, 0, 0x100000, 0x100000,
			  load_end, bss_end, entry };
	uint8_t file[256] = { 0 };

	h[2] = -(h[0] + h[1]);
	h[4] = load;
	memcpy(file, h, sizeof(h));
	write_file(path, file, sizeof(file));
}

START_TEST(bad_kludge_images)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/bad.bin", dir);
	write_kludge(path, 0x100000, 0x100100, 0x100200, 0x300000);
	expect_error(path, NULL, 71, "entry_addr 0x300000 is outside the image");
	write_kludge(path, 0x100000, 0x200000, 0, 0x100000);
	expect_error(path, NULL, 71, "past the end of the file");
	write_kludge(path, 0x100000, 0x100100, 0x100080, 0x100000);
	expect_error(path, NULL, 71, "bss_end_addr 0x100080 is below");
	write_kludge(path, 0x80000, 0, 0, 0x80000);
	expect_error(path, NULL, 71, "header_addr 0x100000 / load_addr 0x80000");
	unlink(path);
}
END_TEST

/* The same kernel as a bzImage: boot_params as the protocol says. */
static void check_linux(const char *env, int entry)
{
	char arg_initrd[200];
	const char *extra[] = { "--append=console=ttyS0 root=/dev/null quiet",
				arg_initrd, NULL };
	const char *cmd = "console=ttyS0 root=/dev/null quiet";
	struct fw_result r;

	snprintf(arg_initrd, sizeof(arg_initrd), "--initrd=%s", mod0);
	run_vmxbox(getenv(env), extra, &r);
	ck_assert_msg(r.status == 1, "exit status %d\n%s\n%s", r.status, r.out,
		      r.err);
	expectf(&r, "lx entry=%d boot_cs=0x10 boot_ds=0x18 bp_in_page0=0 version=0x20f type_of_loader=0xff loadflags=0x81 heap_end_ptr=0xfc00 vid_mode=0xffff",
		entry);
	expectf(&r, "lx cmdline len=%zu fnv=0x%x", strlen(cmd),
		fnv1a(cmd, strlen(cmd)));
	expectf(&r, "lx initrd size=%zu fnv=0x%x page_aligned=1 above_init_size=1",
		mod0_size, mod0_fnv);
	pc_expect_line(&r, "lx e820_entries=4 alt_mem_k=130048");
	pc_expect_line(&r, "lx e820 base=0x0 len=0x9fc00 type=1");
	pc_expect_line(&r, "lx e820 base=0x9fc00 len=0x400 type=2");
	pc_expect_line(&r, "lx e820 base=0xf0000 len=0x10000 type=2");
	pc_expect_line(&r, "lx e820 base=0x100000 len=0x7f00000 type=1");
	check_acpi(&r);
	check_smbios(&r, 1, 128, "0,1,3,4,16,17,19,32,127");
	pc_expect_line(&r, "pctest done");
	fw_result_free(&r);
}

START_TEST(linux_64bit_entry)
{
	check_linux("PCTEST_BZ64", 64);
}
END_TEST

START_TEST(linux_32bit_entry)
{
	check_linux("PCTEST_BZ32", 32);
}
END_TEST

START_TEST(linux_errors)
{
	char path[128], arg[3000];
	const char *mod[] = { arg, NULL };
	uint8_t *bz;
	size_t len;

	/* A Linux kernel takes no multiboot modules. */
	snprintf(arg, sizeof(arg), "--module=%s", mod1);
	expect_error(getenv("PCTEST_BZ64"), mod, 2, "no further modules");
	/* cmdline_size is 2047 in the test image. */
	memset(arg, 'a', sizeof(arg));
	memcpy(arg, "--append=", 9);
	arg[9 + 2048] = 0;
	expect_error(getenv("PCTEST_BZ64"), mod, 2,
		     "command line too long (2048 bytes, the kernel takes 2047)");
	/* Protocol 2.05 and a zImage are refused. */
	bz = (uint8_t *)fw_read_file(getenv("PCTEST_BZ64"), &len);
	ck_assert_ptr_nonnull(bz);
	snprintf(path, sizeof(path), "%s/old.bzImage", dir);
	bz[0x206] = 0x05;
	write_file(path, bz, len);
	expect_error(path, NULL, 71, "Linux boot protocol 2.05 is too old");
	bz[0x206] = 0x0f;
	bz[0x211] = 0;
	write_file(path, bz, len);
	expect_error(path, NULL, 71, "zImage (kernel loaded low) is not supported");
	bz[0x211] = 1;
	bz[0x262] = 0;
	bz[0x263] = 0x08;	/* init_size 128 MiB: more than RAM above 1 MiB */
	write_file(path, bz, len);
	expect_error(path, NULL, 71, "init_size");
	unlink(path);
	free(bz);
}
END_TEST

/* ---- vmxbox-qemu ---- */

/* The QEMU command line a runner would use, for prog (vmxbox-qemu or
 * qemu-system-x86_64). */
static void qemu_cmdline(const char *prog, const char **argv, char *initrd,
			 size_t len)
{
	int n = 0;

	snprintf(initrd, len, "%s a=1 b=2,%s", mod0, mod1);
	argv[n++] = prog;
	argv[n++] = "-nodefaults";
	argv[n++] = "-display";
	argv[n++] = "none";
	argv[n++] = "-serial";
	argv[n++] = "stdio";
	argv[n++] = "-m";
	argv[n++] = "128M";
	argv[n++] = "-device";
	argv[n++] = "isa-debug-exit,iobase=0xf4,iosize=0x4";
	argv[n++] = "-device";
	argv[n++] = "pc-testdev";
	argv[n++] = "-device";
	argv[n++] = "pci-testdev";
	argv[n++] = "-kernel";
	argv[n++] = getenv("PCTEST32");
	argv[n++] = "-append";
	argv[n++] = append;
	argv[n++] = "-initrd";
	argv[n++] = initrd;
	argv[n] = NULL;
}

/* fw_cfg as the kernel reads it on a 128 MiB PC with VMX advertised. */
static void check_fw_cfg(const struct fw_result *r)
{
	pc_expect_line(r, "fwcfg sig=\"QEMU\" id=0x3");
	pc_expect_line(r, "fwcfg ram_size=0x8000000 nb_cpus=1 max_cpus=1 nographic=0 boot_menu=0 irq0_override=1");
	pc_expect_line(r, "fwcfg uuid_zero=1 unknown_0x1f=0x0 unknown_0x3fff=0x0 unknown_0x8010=0x0 past_end=0x0 sig_with_write_flag=0x554d4551");
	pc_expect_line(r, "fwcfg inb_510=0x51 inw_511=0x0 inl_510=0x0 next=0x45");
	pc_expect_line(r, "fwcfgx file etc/e820 size=20");
	pc_expect_line(r, "fwcfg e820 base=0x0 len=0x8000000 type=1");
	pc_expect_line(r, "fwcfg file etc/boot-fail-wait size=4 value=0xffffffff");
	pc_expect_line(r, "fwcfgx files=5");
	pc_expect_line(r, "fwcfgx msr_feature_control=0x5");
	pc_expect_line(r, "fwcfg dma sig=\"QEMU CFG\" read_ctl=0x0 read=0x554d4551 pad=0x0 untouched=0xaa skip_ctl=0x0 after_skip=0x800 write_ctl=0x1");
}

/* The ACPI tables as the kernel finds and parses them. */
static void check_acpi(const struct fw_result *r)
{
	static const char *const lines[] = {
		"acpi rsdp_found=1",
		"acpix rsdp revision=2 len=36 ext_checksum_ok=1 xsdt_found=1",
		"acpi rsdt sig_ok=1 checksum_ok=1",
		"acpix table FACP checksum_ok=1",
		"acpi fadt sci_int=9 pm1a_evt=0x600 pm1a_cnt=0x604 pm_tmr=0x608 pm1_evt_len=4 pm1_cnt_len=2 pm_tmr_len=4 century=0x32",
		"acpix fadt rev=3 len=244 flags=0x84a5 smi_cmd=0x0 boot_arch=0x1 reset_space=1 reset_port=0xcf9 reset_value=0x6 x_dsdt_same=1",
		"acpi facs sig_ok=1 len=64 aligned64=1",
		"acpi dsdt sig_ok=1 checksum_ok=1",
		"acpix table APIC checksum_ok=1",
		"acpi madt lapic_addr=0xfee00000 flags=0x1",
		"acpi madt lapic uid=0 apic_id=0 flags=0x1",
		"acpi madt ioapic id=0 addr=0xfec00000 gsi_base=0",
		"acpi madt iso bus=0 irq=0 gsi=2 flags=0x0",
		"acpi madt iso bus=0 irq=5 gsi=5 flags=0xd",
		"acpi madt iso bus=0 irq=9 gsi=9 flags=0xd",
		"acpi madt iso bus=0 irq=10 gsi=10 flags=0xd",
		"acpi madt iso bus=0 irq=11 gsi=11 flags=0xd",
		"acpi madt lapic_nmi uid=0xff flags=0x0 lint=1",
		"acpix xsdt checksum_ok=1 entries=2 same_as_rsdt=1",
	};

	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		pc_expect_line(r, lines[i]);
	ck_assert_msg(!strstr(r->out, "bad checksum"), "%s", r->out);
}

/* PCI (-device pci-testdev) and pc-testdev as the kernel uses them. */
static void check_test_devices(const struct fw_result *r)
{
	static const char *const lines[] = {
		"pci cfg addr_readback=0x80001234 disabled_read=0xffffffff empty_slot=0xffffffff bus1=0xffffffff host_id_word=0x1237",
		"pci host bdf=00:00.0 vendor=0x8086 device=0x1237 class=0x60000 rev=0x2 subsys=0x11001af4 header=0x0 pin=0",
		"pci testdev found=1",
		"pci testdev bdf=00:02.0 vendor=0x1b36 device=0x5 class=0xff00 rev=0x0 subsys=0x11001af4 header=0x0 pin=0",
		"pci testdev cfg vendor_after_write=0x1b36 intline=0xb pin_after_write=0x0 cacheline=0x10",
		"pci testdev bars bar0_size=0x1000 bar0_flags=0x0 bar1_size=0x100 bar1_flags=0x1 bar2_size=0x0",
		"pci testdev moved bar0=0xfe800000 bar1=0xd001 io_off=0xff",
		"pci testdev enabled command=0x3",
		"pci testdev mmio test=0 name=mmio-no-eventfd width=1 offset=0x800 data=0xfa count=16",
		"pci testdev mmio test=1 name=mmio-wildcard-eventfd width=1 offset=0x801 data=0xce count=0",
		"pci testdev mmio test=2 name=mmio-datamatch-eventfd width=1 offset=0x802 data=0xfa count=0",
		"pci testdev io test=0 name=portio-no-eventfd width=1 offset=0x83 data=0xfa count=16",
		"pci testdev io test=1 name=portio-wildcard-eventfd width=1 offset=0x84 data=0xce count=0",
		"pci testdev io test=2 name=portio-datamatch-eventfd width=1 offset=0x85 data=0xfa count=0",
		"pci testdev wide mmio_dword_count=1 io_test_via_mmio_count=1 no_test=0x0",
		"pctestdev present=1",
		"pctestdev port dword=0x12345678 byte1=0x56 after_byte=0x12ab5678 alias_e8=0x12ab5678 after_e8_word=0xcdef5678 flush_read=0x0",
		"pctestdev iomem dword=0xdeadbeef byte3=0xde qword_lo=0x89abcdef qword_hi=0x1234567 after_word=0x5555cdef last=0x0",
		"pci testdev kept latch=0x80001010 bar0=0xfe800000 bar1=0xd001 command=0x3 intline=0xb cacheline=0x10 host_cacheline=0x8 test=3 count=3 mmio_count=3",
		"pctestdev kept port=0xcdef5678 iomem0=0xdeadbeef iomem40=0x5555cdef iomem41=0x1234567",
		"power kept rcr=0x2 pm1_en=0x120 fwcfg_next=0x554d",
	};

	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		pc_expect_line(r, lines[i]);
}

START_TEST(qemu_front_end_boots_multiboot)
{
	const char *argv[24];
	char initrd[400];
	struct fw_result r;

	qemu_cmdline(getenv("VMXBOX_QEMU"), argv, initrd, sizeof(initrd));
	pc_run_argv(argv, &r);
	ck_assert_msg(r.status == 1, "status %d\n%s", r.status, r.err);
	pc_expect_line(&r, "mb mods=2");
	expectf(&r, "mb mod0 size=%zu fnv=0x%x page_aligned=1 above_kernel=1 string=\"%s a=1 b=2\"",
		mod0_size, mod0_fnv, mod0);
	expectf(&r, "mb mod1 size=%zu fnv=0x%x page_aligned=1 above_kernel=1 string=\"%s\"",
		mod1_size, mod1_fnv, mod1);
	check_fw_cfg(&r);
	check_acpi(&r);
	check_smbios(&r, 1, 128, "0,1,3,4,16,17,19,32,127");
	check_test_devices(&r);
	pc_expect_line(&r, "pctest done");
	fw_result_free(&r);
}
END_TEST

START_TEST(qemu_front_end_cli)
{
	const char *prog = getenv("VMXBOX_QEMU");
	const char *ver[] = { prog, "--version", NULL };
	const char *dev[] = { prog, "-device", "help", NULL };
	const char *bad[] = { prog, "-kernel", "x", "-bogus", NULL };
	const char *smp[] = { prog, "-smp", "17", "-kernel", "x", NULL };
	const char *nodev[] = { prog, "-device", "e1000", NULL };
	const char *many[] = { prog, "-device", "pci-testdev", "-device", "pci-testdev",
			       "-device", "pci-testdev", "-device", "pci-testdev",
			       "-device", "pci-testdev", "-kernel", "x", NULL };
	/* Without isa-debug-exit the guest's write to 0xf4 goes nowhere
	 * (as on QEMU); the kernel then halts with interrupts off: an error. */
	const char *noexit[] = { prog, "-kernel", getenv("PCTEST32"), NULL };
	struct fw_result r;

	pc_run_argv(ver, &r);
	ck_assert_int_eq(r.status, 0);
	ck_assert_msg(!strncmp(r.out, "QEMU emulator version 7.2.0 (vmxbox ", 36),
		      "%s", r.out);
	fw_result_free(&r);
	pc_run_argv(dev, &r);
	ck_assert_int_eq(r.status, 0);
	pc_expect_line(&r, "name \"isa-debug-exit\", bus ISA, desc \"write v to iobase: exit (v << 1) | 1\"");
	pc_expect_line(&r, "name \"pc-testdev\", bus ISA");
	pc_expect_line(&r, "name \"pci-testdev\", bus PCI, desc \"PCI Test Device\"");
	fw_result_free(&r);
	pc_run_argv(many, &r);
	ck_assert_int_eq(r.status, 1);
	ck_assert_str_eq(r.err, "vmxbox-qemu: -device pci-testdev: at most 4 pci-testdev devices\n");
	fw_result_free(&r);
	pc_run_argv(bad, &r);
	ck_assert_int_eq(r.status, 1);
	ck_assert_str_eq(r.err, "vmxbox-qemu: -bogus: invalid option\n");
	fw_result_free(&r);
	pc_run_argv(smp, &r);
	ck_assert_int_eq(r.status, 1);
	ck_assert_str_eq(r.err, "vmxbox-qemu: -smp 17: vmxbox runs 1 to 16 vCPUs\n");
	fw_result_free(&r);
	pc_run_argv(nodev, &r);
	ck_assert_int_eq(r.status, 1);
	ck_assert_ptr_nonnull(strstr(r.err, "device 'e1000' is not supported"));
	fw_result_free(&r);
	pc_run_argv(noexit, &r);
	ck_assert_int_eq(r.status, 1);
	pc_expect_line(&r, "pctest done");
	ck_assert_ptr_nonnull(strstr(r.err, "halted"));
	fw_result_free(&r);
}
END_TEST

/* -cpu through the CPU model: features off, QEMU model names, features
 * vmxbox lacks (warned about and dropped), unknown ones (an error). */
START_TEST(qemu_front_end_cpu)
{
	const char *prog = getenv("VMXBOX_QEMU"), *k = getenv("PCTEST32");
	const char *off[] = { prog, "-cpu", "max,-vmx,-sse4.2", "-device",
			      "isa-debug-exit,iobase=0xf4,iosize=4", "-kernel", k, NULL };
	const char *named[] = { prog, "-cpu", "Skylake-Server,+vmx,+avx2", "-device",
				"isa-debug-exit,iobase=0xf4,iosize=4", "-kernel", k, NULL };
	const char *bad[] = { prog, "-cpu", "qemu64,+nosuchflag", "-kernel", k, NULL };
	const char *help[] = { prog, "-cpu", "help", NULL };
	struct fw_result r;

	pc_run_argv(off, &r);
	ck_assert_int_eq(r.status, 1);
	pc_expect_line(&r, "cpux vmx=0 sse4_2=0 x2apic=1");
	pc_expect_line(&r, "fwcfgx files=4");          /* no msr_feature_control */
	fw_result_free(&r);
	pc_run_argv(named, &r);
	ck_assert_int_eq(r.status, 1);
	pc_expect_line(&r, "cpux vmx=1 sse4_2=1 x2apic=1");
	ck_assert_str_eq(r.err,
		"vmxbox-qemu: warning: -cpu Skylake-Server: vmxbox has no such model, using max\n"
		"vmxbox-qemu: warning: -cpu Skylake-Server,+vmx,+avx2: CPU feature 'avx2' is not implemented by vmxbox (ignored)\n");
	fw_result_free(&r);
	pc_run_argv(bad, &r);
	ck_assert_int_eq(r.status, 1);
	ck_assert_str_eq(r.err, "vmxbox-qemu: -cpu qemu64,+nosuchflag: unknown CPU feature 'nosuchflag' (see -cpu help)\n");
	fw_result_free(&r);
	pc_run_argv(help, &r);
	ck_assert_int_eq(r.status, 0);
	pc_expect_line(&r, "x86 max                   every feature vmxbox implements (the default)");
	fw_result_free(&r);
}
END_TEST

/* Power-off and reset from the guest: vmxbox run's statuses (docs/cli.md)
 * and QEMU's under vmxbox-qemu (0 for both, as QEMU with -no-reboot). */
START_TEST(power_off_and_reset)
{
	static const struct {
		const char *how;
		int status;             /* vmxbox run */
		const char *err;        /* its stderr */
	} exits[] = {
		{ "exit=shutdown", 0, "" },
		{ "exit=acpi", 0, "" },
		{ "exit=cf9", 77, "vmxbox: guest reset (reset control register 0xcf9) at rip=" },
		{ "exit=port92", 77, "vmxbox: guest reset (fast reset, port 0x92 bit 0) at rip=" },
	};
	const char *prog = getenv("VMXBOX_QEMU"), *k = getenv("PCTEST32");
	char arg[64];
	const char *extra[] = { arg, NULL };
	const char *q[] = { prog, "-no-reboot", "-device", "isa-debug-exit,iobase=0xf4,iosize=4",
			    "-kernel", k, "-append", NULL, NULL };
	struct fw_result r;

	for (size_t i = 0; i < sizeof(exits) / sizeof(exits[0]); i++) {
		snprintf(arg, sizeof(arg), "--append=%s", exits[i].how);
		run_vmxbox(k, extra, &r);
		ck_assert_msg(r.status == exits[i].status, "%s: status %d\n%s",
			      exits[i].how, r.status, r.err);
		ck_assert_msg(!strncmp(r.err, exits[i].err, strlen(exits[i].err)) &&
			      (exits[i].err[0] || !r.err[0]), "%s: %s", exits[i].how, r.err);
		pc_expect_line(&r, "power rcr=0x0 rcr_after=0x2 post_read=0xff pm1_en=0x120");
		pc_expect_line(&r, "powerx port92=0x2 pm1_cnt=0x1 pm1_sts=0x0");
		pc_expect_line(&r, "pctest done");
		fw_result_free(&r);
		q[7] = exits[i].how;
		pc_run_argv(q, &r);
		ck_assert_msg(r.status == 0, "vmxbox-qemu %s: status %d\n%s",
			      exits[i].how, r.status, r.err);
		fw_result_free(&r);
	}
	/* isa-debug-exit exits on a write to any port of its range, as in
	 * QEMU; 0xf5 inside it is no event port under vmxbox-qemu. */
	q[7] = "exit=f7";
	pc_run_argv(q, &r);
	ck_assert_msg(r.status == 5, "status %d\n%s", r.status, r.err);
	fw_result_free(&r);
}
END_TEST

/* 4 GiB of RAM: 3 GiB below the PC hole, 1 GiB from 4 GiB on (QEMU's
 * split), in every map; the local APIC answers in the hole; snapshots
 * keep RAM above 4 GiB. */
START_TEST(pc_hole_4g)
{
	const char *prog = getenv("VMXBOX_QEMU"), *k = getenv("PCTEST32");
	const char *q[] = { prog, "-m", "4G", "-device", "isa-debug-exit,iobase=0xf4,iosize=4",
			    "-kernel", k, NULL };
	char snap[160], sarg[200];
	const char *extra[] = { "--mem=4G", sarg, NULL };
	const char *insp[] = { getenv("VMXBOX"), "inspect", snap, "--mem",
			       "0x100001000", "8", NULL };
	struct fw_result r;

	pc_run_argv(q, &r);
	ck_assert_msg(r.status == 1, "status %d\n%s", r.status, r.err);
	pc_expect_line(&r, "mbx mem_upper=3144704");
	pc_expect_line(&r, "mbx mmap base=0x100000 len=0xbff00000 type=1");
	pc_expect_line(&r, "mbx mmap base=0x100000000 len=0x40000000 type=1");
	pc_expect_line(&r, "himem at_4g=0x1122334455667788 ok=1 lapic_version=0x50014");
	pc_expect_line(&r, "himemx hole=0xffffffff");
	pc_expect_line(&r, "fwcfg ram_size=0x100000000 nb_cpus=1 max_cpus=1 nographic=0 boot_menu=0 irq0_override=1");
	pc_expect_line(&r, "fwcfg e820 base=0x0 len=0xc0000000 type=1");
	pc_expect_line(&r, "fwcfg e820 base=0x100000000 len=0x40000000 type=1");
	/* One memory device, two mapped ranges: below 3 GiB, from 4 GiB. */
	check_smbios(&r, 1, 4096, "0,1,3,4,16,17,19,19,32,127");
	fw_result_free(&r);
	snprintf(snap, sizeof(snap), "%s/hole.cbor", dir);
	snprintf(sarg, sizeof(sarg), "--snapshot=%s", snap);
	run_vmxbox(k, extra, &r);
	ck_assert_int_eq(r.status, 1);
	fw_result_free(&r);
	pc_run_argv(insp, &r);
	ck_assert_msg(r.status == 0, "%s", r.err);
	pc_expect_line(&r, "  0000000100001000  88 77 66 55 44 33 22 11                           |.wfUD3\".|");
	fw_result_free(&r);
	unlink(snap);
}
END_TEST

/* The same QEMU command line on QEMU (TCG) and on vmxbox-qemu: the same
 * kernel must see the same multiboot handover. */
START_TEST(same_answers_as_qemu)
{
	static const char *const marks[] = { "pctest done", NULL };
	const char *argv[24];
	char initrd[400];
	struct fw_result q, v;

	qemu_cmdline(getenv("QEMU"), argv, initrd, sizeof(initrd));
	pc_run_argv(argv, &q);
	qemu_cmdline(getenv("VMXBOX_QEMU"), argv, initrd, sizeof(initrd));
	pc_run_argv(argv, &v);
	pc_same_as_qemu(&q, &v, pc_common_lines, marks);
	fw_result_free(&q);
	fw_result_free(&v);
}
END_TEST

int main(int argc, char **argv)
{
	Suite *s = suite_create("pc_multiboot");
	TCase *tc = tcase_create("boot");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	if (pc_qemu_mode(argc, argv)) {
		tcase_add_test(tc, same_answers_as_qemu);
		goto run;
	}
	tcase_add_test(tc, qemu_front_end_boots_multiboot);
	tcase_add_test(tc, qemu_front_end_cli);
	tcase_add_test(tc, qemu_front_end_cpu);
	tcase_add_test(tc, power_off_and_reset);
	tcase_add_test(tc, pc_hole_4g);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, elf32_handover);
	tcase_add_test(tc, elf64_handover);
	tcase_add_test(tc, aout_kludge_handover);
	tcase_add_test(tc, bare_cmdline_no_modules);
	tcase_add_test(tc, missing_module_is_an_image_error);
	tcase_add_test(tc, bad_kludge_images);
	tcase_add_test(tc, linux_64bit_entry);
	tcase_add_test(tc, linux_32bit_entry);
	tcase_add_test(tc, linux_errors);
run:
	suite_add_tcase(s, tc);
	return pc_run_suite(s);
}
