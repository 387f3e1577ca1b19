// SPDX-License-Identifier: MIT
/*
 * The PC's interrupt controllers and timers as a multiboot test kernel
 * sees them (tests/pc/kernel/irq.c, timers.c; command-line word "irq"),
 * started through vmxbox-qemu with a QEMU command line: 8259 and I/O
 * APIC routing of pc-testdev's IRQ lines (edge, level with remote IRR),
 * PIT IRQ 0 through both, FERR# on IRQ 13, the RTC's date and its
 * interrupts, CMOS RAM, the PM timer, and the local APIC: a self-IPI and
 * its timer in one-shot, periodic and TSC-deadline mode waking HLT
 * (tests/pc/kernel/apic.c).  vmxbox's virtual clock makes
 * every duration exact, so the "irqx" lines are asserted too; with
 * "qemu" as argument the same command line runs on QEMU (TCG) and the
 * machine-independent lines must be the same.
 */
#include <check.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fw_run.h"
#include "pc_compare.h"
#include "snapshot/snapshot.h"

#define RTC_BASE "2024-06-15T12:34:00"

/* Every line the kernel prints on both machines. */
static const char *const common[] = {
	"irq pic edge count=1 isr_in_handler=0x20 isr_after=0x0 irr_after=0x0",
	"irq pic masked count=0 irr=0x8 after_unmask=1 imr=0xd7",
	"irq pic priority order=0x23,0x24,0x26",
	"irq pic slave count=1 isr_master=0x4 isr_slave=0x4",
	"irq pic level count=3 elcr=0x4",
	"irq pic aeoi count=2 isr_in_handler=0x0",
	"irq ioapic ver=0x170020 pin0=0x10000",
	"irq ioapic edge count=2 after_masked_edge=2",
	"irq ioapic level count=2 remote_irr_in_handler=1 remote_irr_after=0",
	"irq ioapic level_masked while_masked=0 after_unmask=1",
	"irq pit irq0 ticks=5 status=0x34",
	"irq ioapic irq0 pin2=1 pin0=0",
	"irq pit out2 low_after_count=1 rose=1 gate=1",
	"irq rtc date=2024-06-15T12:34 wday=7 a=0x26 b=0x2 d=0x80",
	"irq rtc periodic count=4 c=0xc0",
	"irq rtc update c=0x90",
	"irq rtc alarm c=0xa0 sec_is_alarm=1",
	"irq rtc set year=30 month=12 mday=31 hour=23 sec=59",
	"irq rtc rollover date=2031-01-01T00:00 wday=4",
	"irq cmos ram=0x55 base_kib=640 ext_kib=65535 ext2_kib=65535 above16m_64k=1792 above4g_64k=0",
	"irq pmtmr monotonic=1 moved=1 high_zero=1",
	"irq apic self_ipi irr_before_sti=1 count=1 delivs=0 irr_after=0",
	"irq apic oneshot count=1 current_after=0",
	"irq apic periodic count=3 lvt=0x30038 tdcr=0x3",
};

/* vmxbox's own: edge-detecting I/O APIC, FERR#.  The PIT's periods
 * (pit_periods_pm_ticks()) and the one-shot OUT2 (pit_out2_pm_ticks())
 * are exact virtual times up to the PM timer's phase. */
static const char *const exact[] = {
	"irqx firmware elcr=0x0 lint0=0x700 spiv=0xff",
	"irqx ioapic raise_twice extra=0",
	"irqx ferr irq13=1 es_after=0x0",
	"irqx rtc sec=0x0",
	"irqx apic tsc_deadline cpuid=1 count=1 msr_after=0x0",
};

/* A runner's QEMU command line for prog, kernel command line append. */
static void qemu_cmdline(const char *prog, const char *append,
			 const char **argv)
{
	int n = 0;

	argv[n++] = prog;
	argv[n++] = "-nodefaults";
	argv[n++] = "-display";
	argv[n++] = "none";
	argv[n++] = "-serial";
	argv[n++] = "stdio";
	argv[n++] = "-m";
	argv[n++] = "128M";
	argv[n++] = "-no-reboot";
	argv[n++] = "-device";
	argv[n++] = "isa-debug-exit,iobase=0xf4,iosize=0x4";
	argv[n++] = "-device";
	argv[n++] = "pc-testdev";
	argv[n++] = "-rtc";
	argv[n++] = "base=" RTC_BASE ",clock=vm";
	argv[n++] = "-kernel";
	argv[n++] = getenv("PCTEST32");
	argv[n++] = "-append";
	argv[n++] = append;
	argv[n] = NULL;
}

/*
 * "irqx pit out2 pm=N": the kernel gates a 1193-tick one-shot on and polls
 * OUT2, reading the PM timer before and after.  Both reads fall at some
 * phase of the PM timer's 279 ns tick, which depends on everything the
 * guest ran before (any change of instruction counts earlier moves it), so
 * N is 3579 or 3580; anything else is a wrong PIT or PM timer rate.
 */
static void pit_out2_pm_ticks(const struct fw_result *r)
{
	const char *p = strstr(r->out, "irqx pit out2 pm=");
	unsigned long n;

	ck_assert_msg(p != NULL, "no \"irqx pit out2\" line:\n%s", r->out);
	n = strtoul(p + strlen("irqx pit out2 pm="), NULL, 10);
	ck_assert_msg(n == 3579 || n == 3580,
		      "OUT2 rose after %lu PM timer ticks, not 3579 (+1)", n);
}

/*
 * "irqx pit period_pm=N x4 latch1=11932 latch2=11932": four periods of
 * mode 2 with count 11932 measured with the PM timer.  11932 PIT ticks are
 * 35795.9 PM timer ticks, so each difference of two reads is 35795 or
 * 35796 by the reads' phase, which moves with every change of what ran
 * before (even the length of the kernel's path in the multiboot command
 * line).
 */
static void pit_periods_pm_ticks(const struct fw_result *r)
{
	const char *key = "irqx pit ", *p = strstr(r->out, key);
	unsigned long n, latch1, latch2;
	int used;

	ck_assert_msg(p != NULL, "no \"irqx pit period_pm\" line:\n%s", r->out);
	p += strlen(key);
	for (unsigned i = 0; i < 4; i++) {
		ck_assert_msg(sscanf(p, "period_pm=%lu %n", &n, &used) == 1,
			      "period %u missing: %.200s", i, p);
		ck_assert_msg(n == 35795 || n == 35796,
			      "PIT period %u took %lu PM timer ticks, not 35796 (-1)", i, n);
		p += used;
	}
	ck_assert_msg(sscanf(p, "latch1=%lu latch2=%lu", &latch1, &latch2) == 2,
		      "no latches: %.200s", p);
	ck_assert_uint_eq(latch1, 11932);
	ck_assert_uint_eq(latch2, 11932);
}

START_TEST(interrupts_and_timers)
{
	const char *argv[24];
	struct fw_result r, again;

	qemu_cmdline(getenv("VMXBOX_QEMU"), "irq", argv);
	pc_run_argv(argv, &r);
	ck_assert_msg(r.status == 1, "status %d\n%s\n%s", r.status, r.out, r.err);
	for (size_t i = 0; i < sizeof(common) / sizeof(common[0]); i++)
		pc_expect_line(&r, common[i]);
	for (size_t i = 0; i < sizeof(exact) / sizeof(exact[0]); i++)
		pc_expect_line(&r, exact[i]);
	pit_periods_pm_ticks(&r);
	pit_out2_pm_ticks(&r);
	pc_expect_line(&r, "pctest done");
	/* Deterministic: the same run prints the same bytes. */
	pc_run_argv(argv, &again);
	ck_assert_str_eq(again.out, r.out);
	fw_result_free(&again);
	fw_result_free(&r);
}
END_TEST

/* vmxbox run: the RTC starts at --rtc-base, by default 2025-01-01. */
START_TEST(rtc_base_option)
{
	const char *k = getenv("PCTEST32"), *prog = getenv("VMXBOX");
	const char *dflt[] = { prog, "run", "--engine=interp", "--debug-exit=qemu",
			       "--append=irq", k, NULL };
	const char *set[] = { prog, "run", "--engine=interp", "--debug-exit=qemu",
			      "--rtc-base=1999-12-31T23:58:00", "--append=irq", k, NULL };
	const char *bad[] = { prog, "run", "--rtc-base=2025-02-30", k, NULL };
	const char *qbad[] = { getenv("VMXBOX_QEMU"), "-rtc", "base=yesterday",
			       "-kernel", k, NULL };
	struct fw_result r;

	pc_run_argv(dflt, &r);
	ck_assert_msg(r.status == 1, "status %d\n%s", r.status, r.err);
	pc_expect_line(&r, "irq rtc date=2025-01-01T00:00 wday=4 a=0x26 b=0x2 d=0x80");
	fw_result_free(&r);
	pc_run_argv(set, &r);
	ck_assert_msg(r.status == 1, "status %d\n%s", r.status, r.err);
	pc_expect_line(&r, "irq rtc date=1999-12-31T23:58 wday=6 a=0x26 b=0x2 d=0x80");
	fw_result_free(&r);
	pc_run_argv(bad, &r);
	ck_assert_int_eq(r.status, 2);
	ck_assert_str_eq(r.err, "vmxbox run: --rtc-base=2025-02-30: expected YYYY-MM-DD[THH:MM:SS] (UTC) or now\n");
	fw_result_free(&r);
	pc_run_argv(qbad, &r);
	ck_assert_int_eq(r.status, 1);
	ck_assert_str_eq(r.err, "vmxbox-qemu: -rtc base=yesterday: invalid date format (YYYY-MM-DDTHH:MM:SS or YYYY-MM-DD)\n");
	fw_result_free(&r);
}
END_TEST

/* ---- snapshots ---------------------------------------------------------- */

/* What a snapshot holds of the timers: PIT channel 0 counting, an RTC
 * interrupt enabled; of pc-testdev: the value its test wrote to iomem;
 * of the pci-testdev: its BAR0 where the kernel moved it. */
static void snapshot_timers(const char *file, uint64_t *bytes, bool *pit,
			    bool *rtc, bool *iomem, bool *moved)
{
	char err[256];
	struct snapshot_machine *s = snapshot_read_file(file, err, sizeof(err));
	const struct snap_kv *ch0, *cmos, *mem, *cfg;

	ck_assert_msg(s, "%s: %s", file, err);
	ck_assert(snap_kv_get_u64(&snap_device_find(s, "uart0")->st, "bytes_out", bytes));
	ch0 = snap_kv_find(&snap_device_find(s, "pit")->st, "ch0");
	cmos = snap_kv_find(&snap_device_find(s, "rtc")->st, "cmos");
	ck_assert(ch0 && ch0->len == 32 && cmos && cmos->len == 128);
	*pit = ch0->bytes[4] == 2 && (ch0->bytes[14] & 2);
	*rtc = cmos->bytes[0x0b] & 0x70;
	/* pc-testdev's iomem after the PCI section wrote it. */
	mem = snap_kv_find(&snap_device_find(s, "pc_testdev")->st, "iomem");
	ck_assert(mem && mem->len == 0x10000);
	*iomem = mem->bytes[3] == 0xde;
	cfg = snap_kv_find(&snap_device_find(s, "pci_testdev0")->st, "config");
	ck_assert(cfg && cfg->len == 256);
	*moved = cfg->bytes[0x13] == 0xfe && cfg->bytes[0x12] == 0x80;
	snapshot_free(s);
}

/* A snapshot whose pci-testdevs do not fit a machine (pci_testdev1
 * without pci_testdev0): restore refuses it, naming the device. */
static void restore_other_testdevs(const char *file, const char *dir)
{
	char err[256], bad[80];
	struct snapshot_machine *s = snapshot_read_file(file, err, sizeof(err));
	const char *argv[] = { getenv("VMXBOX"), "restore", bad, NULL };
	struct snap_device *d;
	struct fw_result r;

	ck_assert_msg(s, "%s", err);
	d = (struct snap_device *)snap_device_find(s, "pci_testdev0");
	ck_assert_ptr_nonnull(d);
	strcpy(d->name, "pci_testdev1");
	snprintf(bad, sizeof(bad), "%s/bad", dir);
	ck_assert_msg(!snapshot_write_file(s, bad, err, sizeof(err)), "%s", err);
	snapshot_free(s);
	pc_run_argv(argv, &r);
	ck_assert_int_eq(r.status, 1);
	ck_assert_msg(strstr(r.err, "devices.pci_testdev1: pci-testdev 1 is in the snapshot but not in this machine"),
		      "%s", r.err);
	fw_result_free(&r);
	unlink(bad);
}

/*
 * --clock=host paces virtual time to the host clock (docs/platform.md):
 * the kernel's "irq" section waits for RTC update and alarm interrupts
 * and PIT/APIC timers, about four seconds of guest time that the virtual
 * clock skips through in a fraction of a second of CPU; paced, the run
 * takes at least three seconds of wall time and the guest sees the same
 * interrupts.  (A loaded machine can only make the run slower, never
 * make it pass without pacing on an idle one.)
 */
START_TEST(clock_host_paces_to_wall_time)
{
	const char *k = getenv("PCTEST32");
	const char *args[] = { getenv("VMXBOX"), "run", "--engine=interp",
			       "--debug-exit=qemu", "--device=pc-testdev",
			       "--clock=host", "--append=irq", k, NULL };
	struct timespec t0, t1;
	struct fw_result r;
	double wall;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	pc_run_argv(args, &r);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	wall = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	ck_assert_msg(r.status == 1, "status %d\n%s", r.status, r.err);
	pc_expect_line(&r, "irq rtc update c=0x90\n"
		       "irq rtc alarm c=0xa0 sec_is_alarm=1\n"
		       "irq pmtmr monotonic=1 moved=1 high_zero=1\n"
		       "pctest done");
	ck_assert_msg(wall >= 3.0, "--clock=host run took %.2f s of wall time", wall);
	fw_result_free(&r);
}
END_TEST

/* Snapshots taken all along the interrupt and timer tests (PIT and RTC
 * timers armed, interrupts in service, pc-testdev's IRQ lines driving the
 * 8259 and the I/O APIC, its scratch register and iomem written, the
 * pci-testdev's BARs moved, a test selected and counted, CONFIG_ADDRESS
 * latched, 0xCF9 and PM1_EN written, fw_cfg's signature half read) restore and finish exactly: the same remaining output, exit
 * status and instruction count. */
START_TEST(snapshots_restore_exactly)
{
	const char *prog = getenv("VMXBOX"), *k = getenv("PCTEST32");
	const char *ref_args[] = { prog, "run", "--engine=interp", "-v",
				   "--debug-exit=qemu", "--device=pc-testdev",
				   "--device=pci-testdev", "--append=irq", k, NULL };
	char dir[] = "/tmp/pcirq-snap.XXXXXX", snaparg[64], onarg[400], file[80];
	const char *snap_args[] = { prog, "run", "--engine=interp", "-v",
				    "--debug-exit=qemu", "--device=pc-testdev",
				    "--device=pci-testdev", "--append=irq", snaparg,
				    onarg, k, NULL };
	struct fw_result ref, r;
	uint64_t n, bytes;
	unsigned pit = 0, rtc = 0, iomem = 0, moved = 0;
	const unsigned points = 16;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	pc_run_argv(ref_args, &ref);
	n = pc_insns_of(ref.err);
	ck_assert_msg(ref.status == 1 && n > 1000, "status %d\n%s", ref.status, ref.err);
	/* The pc-testdev sections ran: IRQ lines through the 8259 and the
	 * I/O APIC, and its state at the end. */
	pc_expect_line(&ref, common[0]);
	pc_expect_line(&ref, "irq ioapic level count=2 remote_irr_in_handler=1 remote_irr_after=0");
	pc_expect_line(&ref, "pci testdev kept latch=0x80001010 bar0=0xfe800000 bar1=0xd001 command=0x3 intline=0xb cacheline=0x10 host_cacheline=0x8 test=3 count=3 mmio_count=3");
	pc_expect_line(&ref, "pctestdev kept port=0xcdef5678 iomem0=0xdeadbeef iomem40=0x5555cdef iomem41=0x1234567");
	pc_expect_line(&ref, "power kept rcr=0x2 pm1_en=0x120 fwcfg_next=0x554d");
	snprintf(snaparg, sizeof(snaparg), "--snapshot=%s/s", dir);
	strcpy(onarg, "--snapshot-on=");
	for (unsigned i = 1; i <= points; i++)
		snprintf(onarg + strlen(onarg), sizeof(onarg) - strlen(onarg),
			 "%sinsns:%" PRIu64, i > 1 ? "," : "", n * i / (points + 1));
	pc_run_argv(snap_args, &r);
	ck_assert_int_eq(r.status, ref.status);
	ck_assert_str_eq(r.out, ref.out);
	fw_result_free(&r);
	for (unsigned i = 1; i <= points; i++) {
		const char *res_args[] = { prog, "restore", "-v", file, NULL };
		bool p, t, io, mv;

		snprintf(file, sizeof(file), "%s/s.%u", dir, i);
		snapshot_timers(file, &bytes, &p, &t, &io, &mv);
		pit += p;
		rtc += t;
		iomem += io;
		moved += mv;
		pc_run_argv(res_args, &r);
		ck_assert_msg(r.status == ref.status, "%s: status %d\n%s", file,
			      r.status, r.err);
		ck_assert_uint_eq(pc_insns_of(r.err), n);
		ck_assert_uint_le(bytes, strlen(ref.out));
		ck_assert_msg(!strcmp(r.out, ref.out + bytes),
			      "%s: the restored output is not the rest of the run's", file);
		fw_result_free(&r);
		if (i == points)
			restore_other_testdevs(file, dir);
		unlink(file);
	}
	rmdir(dir);
	ck_assert_msg(pit >= 1 && rtc >= 1 && iomem >= 1 && moved >= 1,
		      "snapshots with the PIT armed: %u, an RTC interrupt enabled: %u, pc-testdev's iomem written: %u, the pci-testdev moved: %u",
		      pit, rtc, iomem, moved);
	fw_result_free(&ref);
}
END_TEST

/* The same command line on QEMU (TCG) and on vmxbox-qemu.  "noferr":
 * QEMU 7.2's TCG aborts when the x87 raises FERR#. */
START_TEST(same_answers_as_qemu)
{
	static const char *const marks[] = { "irq pmtmr", NULL };
	const char *argv[24];
	struct fw_result q, v;

	qemu_cmdline(getenv("QEMU"), "irq noferr", argv);
	pc_run_argv(argv, &q);
	qemu_cmdline(getenv("VMXBOX_QEMU"), "irq noferr", argv);
	pc_run_argv(argv, &v);
	pc_same_as_qemu(&q, &v, pc_common_lines, marks);
	fw_result_free(&q);
	fw_result_free(&v);
}
END_TEST

int main(int argc, char **argv)
{
	Suite *s = suite_create("pc_irq");
	TCase *tc = tcase_create("irq");

	tcase_set_timeout(tc, 90);
	if (pc_qemu_mode(argc, argv)) {
		tcase_add_test(tc, same_answers_as_qemu);
	} else {
		tcase_add_test(tc, interrupts_and_timers);
		tcase_add_test(tc, rtc_base_option);
		tcase_add_test(tc, clock_host_paces_to_wall_time);
		tcase_add_test(tc, snapshots_restore_exactly);
	}
	suite_add_tcase(s, tc);
	return pc_run_suite(s);
}
