// SPDX-License-Identifier: MIT
/*
 * PCI as a test kernel uses it (configuration mechanism #1 on 0xCF8/0xCFC):
 * a scan of bus 0, the i440FX host bridge, QEMU's pci-testdev found by its
 * IDs, its BARs sized, moved and used with kvm-unit-tests' protocol; then
 * QEMU's pc-testdev ports and iomem.  "pcix" lines are machine-specific
 * (QEMU's PIIX functions, the BIOS's BAR placement).
 */
#include "kernel.h"

#define CFG_ADDR 0xcf8
#define CFG_DATA 0xcfc

/* Where the test moves the pci-testdev's BARs (free on both machines). */
#define NEW_MMIO 0xfe800000u
#define NEW_IO   0xd000u

static uint32_t cfg_addr(unsigned devfn, unsigned reg)
{
	return 0x80000000u | devfn << 8 | (reg & 0xfc);
}

static uint32_t cfg_read32(unsigned devfn, unsigned reg)
{
	outl(CFG_ADDR, cfg_addr(devfn, reg));
	return inl(CFG_DATA);
}

static uint16_t cfg_read16(unsigned devfn, unsigned reg)
{
	outl(CFG_ADDR, cfg_addr(devfn, reg));
	return inw((uint16_t)(CFG_DATA + (reg & 2)));
}

static uint8_t cfg_read8(unsigned devfn, unsigned reg)
{
	outl(CFG_ADDR, cfg_addr(devfn, reg));
	return inb((uint16_t)(CFG_DATA + (reg & 3)));
}

static void cfg_write32(unsigned devfn, unsigned reg, uint32_t v)
{
	outl(CFG_ADDR, cfg_addr(devfn, reg));
	outl(CFG_DATA, v);
}

static void cfg_write16(unsigned devfn, unsigned reg, uint16_t v)
{
	outl(CFG_ADDR, cfg_addr(devfn, reg));
	outw((uint16_t)(CFG_DATA + (reg & 2)), v);
}

static void cfg_write8(unsigned devfn, unsigned reg, uint8_t v)
{
	outl(CFG_ADDR, cfg_addr(devfn, reg));
	outb((uint16_t)(CFG_DATA + (reg & 3)), v);
}

static void put_bdf(unsigned devfn)
{
	kputs(" bdf=00:");
	kputc("0123456789abcdef"[(devfn >> 7) & 1]);
	kputc("0123456789abcdef"[(devfn >> 3) & 15]);
	kputc('.');
	kputc((char)('0' + (devfn & 7)));
}

static void put_id(const char *tag, unsigned devfn)
{
	uint32_t id = cfg_read32(devfn, 0);

	kputs(tag);
	put_bdf(devfn);
	kkv_hex("vendor", id & 0xffff);
	kkv_hex("device", id >> 16);
	kkv_hex("class", cfg_read32(devfn, 8) >> 8);
	kkv_hex("rev", cfg_read8(devfn, 8));
	kkv_hex("subsys", cfg_read32(devfn, 0x2c));
	kkv_hex("header", cfg_read8(devfn, 0x0e));
	kkv_dec("pin", cfg_read8(devfn, 0x3d));
	kputc('\n');
}

/* Every function on bus 0; returns the pci-testdev's devfn or -1. */
static int scan(void)
{
	int testdev = -1;

	for (unsigned slot = 0; slot < 32; slot++) {
		for (unsigned fn = 0; fn < 8; fn++) {
			unsigned devfn = slot << 3 | fn;
			uint32_t id = cfg_read32(devfn, 0);

			if ((id & 0xffff) == 0xffff) {
				if (fn == 0)
					break;
				continue;
			}
			put_id("pcix dev", devfn);
			if (id == 0x00051b36 && testdev < 0)
				testdev = (int)devfn;
			if (fn == 0 && !(cfg_read8(devfn, 0x0e) & 0x80))
				break;
		}
	}
	return testdev;
}

static void config_mechanism(void)
{
	kputs("pci cfg");
	outl(CFG_ADDR, 0x80001234);
	kkv_hex("addr_readback", inl(CFG_ADDR));
	outl(CFG_ADDR, 0x00000000);
	kkv_hex("disabled_read", inl(CFG_DATA));
	kkv_hex("empty_slot", cfg_read32(31 << 3, 0));
	outl(CFG_ADDR, 0x80010000);             /* bus 1: nothing there */
	kkv_hex("bus1", inl(CFG_DATA));
	kkv_hex("host_id_word", cfg_read16(0, 2));
	kputc('\n');
	put_id("pci host", 0);
}

/* Size BAR n: all ones in, the mask out, the old value back. */
static uint32_t bar_size(unsigned devfn, unsigned n, uint32_t *flags)
{
	unsigned reg = 0x10 + 4 * n;
	uint32_t old = cfg_read32(devfn, reg), m;

	cfg_write32(devfn, reg, 0xffffffff);
	m = cfg_read32(devfn, reg);
	cfg_write32(devfn, reg, old);
	*flags = m & (m & 1 ? 0x3 : 0xf);
	m &= m & 1 ? 0xfffffffc : 0xfffffff0;
	return m ? ~m + 1 : 0;
}

static void header_rules(unsigned d)
{
	kputs("pci testdev cfg");
	cfg_write16(d, 0, 0xffff);               /* vendor ID is read-only */
	kkv_hex("vendor_after_write", cfg_read16(d, 0));
	cfg_write8(d, 0x3c, 0x0b);               /* interrupt line: writable */
	kkv_hex("intline", cfg_read8(d, 0x3c));
	cfg_write8(d, 0x3d, 0x01);               /* interrupt pin: read-only */
	kkv_hex("pin_after_write", cfg_read8(d, 0x3d));
	cfg_write8(d, 0x0c, 0x10);
	kkv_hex("cacheline", cfg_read8(d, 0x0c));
	kputc('\n');
}

/* kvm-unit-tests' pci_testdev_one(): the test's header, 16 writes of
 * its data at its offset, the count. */
static void run_test(bool mmio, uintptr_t base, unsigned nr)
{
	volatile uint8_t *m = (volatile uint8_t *)base;
	uint16_t p = (uint16_t)base;
	uint32_t off = 0, count;
	uint8_t width, data;
	char name[40];

	if (mmio) {
		m[0] = (uint8_t)nr;
		width = m[1];
		data = m[8];
		for (int i = 0; i < 4; i++)
			off |= (uint32_t)m[4 + i] << (8 * i);
	} else {
		outb(p, (uint8_t)nr);
		width = inb((uint16_t)(p + 1));
		data = inb((uint16_t)(p + 8));
		off = inl((uint16_t)(p + 4));
	}
	for (int i = 0; i < 16; i++) {
		if (mmio)
			m[off] = data;
		else
			outb((uint16_t)(p + off), data);
	}
	count = mmio ? *(volatile uint32_t *)(base + 12) : inl((uint16_t)(p + 12));
	for (unsigned i = 0; i + 1 < sizeof(name); i++) {
		name[i] = (char)(mmio ? m[16 + i] : inb((uint16_t)(p + 16 + i)));
		name[i + 1] = 0;
		if (!name[i])
			break;
	}
	kputs(mmio ? "pci testdev mmio" : "pci testdev io");
	kkv_dec("test", nr);
	kputs(" name=");
	kputs(name);
	kkv_dec("width", width);
	kkv_hex("offset", off);
	kkv_hex("data", data);
	kkv_dec("count", count);
	kputc('\n');
}

static void use_bars(unsigned d)
{
	volatile uint32_t *mm = (volatile uint32_t *)(uintptr_t)NEW_MMIO;
	uint32_t f0, f1, s0 = bar_size(d, 0, &f0), s1 = bar_size(d, 1, &f1), f2;

	kputs("pci testdev bars");
	kkv_hex("bar0_size", s0);
	kkv_hex("bar0_flags", f0);
	kkv_hex("bar1_size", s1);
	kkv_hex("bar1_flags", f1);
	kkv_hex("bar2_size", bar_size(d, 2, &f2));
	kputc('\n');
	kputs("pcix testdev firmware");
	kkv_hex("bar0", cfg_read32(d, 0x10));
	kkv_hex("bar1", cfg_read32(d, 0x14));
	kkv_hex("command", cfg_read16(d, 4));
	kputc('\n');
	/* Move both BARs with decoding off; nothing answers there yet. */
	cfg_write16(d, 4, 0);
	cfg_write32(d, 0x10, NEW_MMIO);
	cfg_write32(d, 0x14, NEW_IO);
	kputs("pci testdev moved");
	kkv_hex("bar0", cfg_read32(d, 0x10));
	kkv_hex("bar1", cfg_read32(d, 0x14));
	kkv_hex("io_off", inb(NEW_IO + 1));
	kputc('\n');
	kputs("pcix testdev moved");
	kkv_hex("mmio_off", mm[0]);
	kputc('\n');
	cfg_write16(d, 4, 0x3);
	kputs("pci testdev enabled");
	kkv_hex("command", cfg_read16(d, 4));
	kputc('\n');
	for (unsigned t = 0; t < 3; t++)
		run_test(true, NEW_MMIO, t);
	for (unsigned t = 0; t < 3; t++)
		run_test(false, NEW_IO, t);
	/* A wider write reaches the device as bytes: one count. */
	*(volatile uint8_t *)(uintptr_t)NEW_MMIO = 0;
	mm[0x800 / 4] = 0xfa;
	kputs("pci testdev wide");
	kkv_dec("mmio_dword_count", mm[3]);
	/* The selected test, not the BAR, decides: an MMIO write at the port
	 * test's offset counts too. */
	outb(NEW_IO, 0);                  /* portio-no-eventfd, offset 0x83 */
	((volatile uint8_t *)(uintptr_t)NEW_MMIO)[0x83] = 0xfa;
	kkv_dec("io_test_via_mmio_count", inl(NEW_IO + 12));
	outb(NEW_IO, 7);                  /* no such test: reads 0 */
	kkv_hex("no_test", inl(NEW_IO + 12));
	kputc('\n');
}

static int testdev = -1;

/*
 * What the rest of the run must find again (a snapshot restored in
 * between must bring it back): the host bridge's cache line size, test
 * portio-no-eventfd selected with a count of 3, and CONFIG_ADDRESS left
 * pointing at the test device's BAR0.
 */
static void leave_state(unsigned d)
{
	cfg_write8(0, 0x0c, 0x08);
	outb(NEW_IO, 0);
	for (int i = 0; i < 3; i++)
		outb(NEW_IO + 0x83, 0xfa);
	outl(CFG_ADDR, cfg_addr(d, 0x10));
}

/* At the end of the run: the state leave_state() and the tests left. */
void test_pci_kept(void)
{
	unsigned d = (unsigned)testdev;

	if (testdev < 0)
		return;
	kputs("pci testdev kept");
	kkv_hex("latch", inl(CFG_ADDR));
	kkv_hex("bar0", inl(CFG_DATA));
	kkv_hex("bar1", cfg_read32(d, 0x14));
	kkv_hex("command", cfg_read16(d, 4));
	kkv_hex("intline", cfg_read8(d, 0x3c));
	kkv_hex("cacheline", cfg_read8(d, 0x0c));
	kkv_hex("host_cacheline", cfg_read8(0, 0x0c));
	kkv_dec("test", inb(NEW_IO));
	kkv_dec("count", inl(NEW_IO + 12));
	kkv_dec("mmio_count", *(volatile uint32_t *)(uintptr_t)(NEW_MMIO + 12));
	kputc('\n');
}

static bool pc_testdev_present;

static void test_pc_testdev(void)
{
	volatile uint32_t *iomem = (volatile uint32_t *)0xff000000ull;
	volatile uint64_t *iomem64 = (volatile uint64_t *)0xff000100ull;

	kputs("pctestdev port");
	outl(0xe0, 0x12345678);
	kkv_hex("dword", inl(0xe0));
	kkv_hex("byte1", inb(0xe1));
	outb(0xe2, 0xab);
	kkv_hex("after_byte", inl(0xe0));
	kkv_hex("alias_e8", inl(0xe8));
	outw(0xea, 0xcdef);
	kkv_hex("after_e8_word", inl(0xe0));
	kkv_hex("flush_read", inl(0xe4));
	outl(0xe4, 0x200000);
	kputc('\n');
	kputs("pctestdev iomem");
	iomem[0] = 0xdeadbeef;
	kkv_hex("dword", iomem[0]);
	kkv_hex("byte3", ((volatile uint8_t *)iomem)[3]);
	*iomem64 = 0x0123456789abcdefull;
	kkv_hex("qword_lo", iomem[0x40]);
	kkv_hex("qword_hi", iomem[0x41]);
	((volatile uint16_t *)iomem)[0x81] = 0x5555;
	kkv_hex("after_word", iomem[0x40]);
	kkv_hex("last", ((volatile uint32_t *)0xff00fffcull)[0]);
	kputc('\n');
}

/* At the end of the run: the scratch register and iomem still hold what
 * test_pc_testdev() left (a snapshot restored in between must bring
 * them back). */
void test_pc_testdev_kept(void)
{
	volatile uint32_t *iomem = (volatile uint32_t *)0xff000000ull;

	if (!pc_testdev_present)
		return;
	kputs("pctestdev kept");
	kkv_hex("port", inl(0xe0));
	kkv_hex("iomem0", iomem[0]);
	kkv_hex("iomem40", iomem[0x40]);
	kkv_hex("iomem41", iomem[0x41]);
	kputc('\n');
}

void test_pci(void)
{
	int d;

	config_mechanism();
	d = scan();
	kputs("pci testdev");
	kkv_dec("found", d >= 0);
	kputc('\n');
	if (d >= 0) {
		put_id("pci testdev", (unsigned)d);
		header_rules((unsigned)d);
		use_bars((unsigned)d);
		leave_state((unsigned)d);
		testdev = d;
	}
	/* pc-testdev is there when its scratch register keeps a value. */
	outl(0xe0, 0x5a5a5a5a);
	kputs("pctestdev");
	kkv_dec("present", inl(0xe0) == 0x5a5a5a5a);
	kputc('\n');
	pc_testdev_present = inl(0xe0) == 0x5a5a5a5a;
	if (pc_testdev_present)
		test_pc_testdev();
}
