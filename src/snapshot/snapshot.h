/* SPDX-License-Identifier: MIT */
/*
 * Snapshots: the whole machine (config, vCPUs, VMX state, devices, sparse
 * guest memory) as one CBOR document.  Schema: docs/snapshot.cddl; prose:
 * docs/snapshot.md.
 *
 * struct snapshot_machine is the in-memory form.  The machine fills it
 * (snapshot_capture_*), snapshot_encode()/snapshot_write_file() turn it into
 * canonical CBOR bytes (same state -> same bytes), snapshot_decode()/
 * snapshot_read_file() turn untrusted bytes back into it, validating every
 * value, and inspect/diff/restore work from it.
 *
 * Memory runs never own their bytes: after capture they point into guest
 * RAM, after decode into the input buffer (or the file mapping, which the
 * snapshot keeps until snapshot_free()).
 */
#ifndef VMXBOX_SNAPSHOT_SNAPSHOT_H
#define VMXBOX_SNAPSHOT_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/cpu_state.h"
#include "memory/guest_mem.h"

#define SNAP_MAGIC "vmxbox-snapshot"
#define SNAP_FORMAT_VERSION 1
#define SNAP_CBOR_SELF_DESCRIBE 55799ull    /* RFC 8949 3.4.6: d9 d9 f7 */

#define SNAP_MAX_CPUS 16
#define SNAP_NAME_MAX 48           /* names and keys, including the NUL */
#define SNAP_TEXT_MAX 256          /* option values, trigger, engine, ... */
#define SNAP_PATH_MAX 1024
#define SNAP_MAX_OPTIONS 32
#define SNAP_MAX_DEVICES 24
#define SNAP_KV_MAX 64             /* entries per device / vmx "extra" */
#define SNAP_KV_BYTES_MAX 65536    /* largest byte-string value in a kv */
#define SNAP_VMX_MAX_REGIONS 64
#define SNAP_VMCS_MAX_FIELDS 512
#define SNAP_NO_VMCS UINT64_MAX    /* current-VMCS pointer "invalid" (SDM 24.1) */

struct snap_option {
	char key[SNAP_NAME_MAX];
	char value[SNAP_TEXT_MAX];
};

struct snap_config {
	uint64_t ram_size;
	char engine[SNAP_NAME_MAX];
	char firmware[SNAP_PATH_MAX];
	uint8_t firmware_sha256[32];
	unsigned n_options;
	struct snap_option options[SNAP_MAX_OPTIONS];
};

/* A small typed key/value set: device state and implementation-specific
 * VMX state.  Encoded as a CBOR map with keys in canonical order, so the
 * order of insertion does not matter. */
enum snap_val_kind { SNAP_VAL_UINT, SNAP_VAL_BYTES };

struct snap_kv {
	char key[SNAP_NAME_MAX];
	enum snap_val_kind kind;
	uint64_t u;
	size_t len;
	uint8_t *bytes;            /* malloc'd copy, SNAP_VAL_BYTES only */
};

struct snap_kvset {
	unsigned n;
	struct snap_kv kv[SNAP_KV_MAX];
};

struct snap_device {
	char name[SNAP_NAME_MAX];
	struct snap_kvset st;
};

/* VMCS launch state (SDM 24.1): "clear" after VMCLEAR, "launched" after a
 * successful VMLAUNCH. */
enum snap_launch_state { SNAP_VMCS_CLEAR = 0, SNAP_VMCS_LAUNCHED = 1 };

struct snap_vmcs_region {
	uint64_t addr;
	uint8_t launch_state;      /* enum snap_launch_state */
};

struct snap_vmcs_field {
	uint32_t encoding;         /* SDM Appendix B */
	uint64_t value;
	char name[SNAP_NAME_MAX];  /* from the VMCS field table */
};

struct snap_vmx {
	bool present;              /* false: machine has no VMX layer */
	bool vmxon;                /* in VMX operation */
	bool non_root;             /* an L2 is running (VMX non-root) */
	uint64_t vmxon_ptr;
	uint64_t current_vmcs;     /* SNAP_NO_VMCS when none */
	unsigned n_regions;        /* sorted by addr, unique */
	struct snap_vmcs_region regions[SNAP_VMX_MAX_REGIONS];
	unsigned n_fields;         /* cached current VMCS, sorted by encoding */
	struct snap_vmcs_field fields[SNAP_VMCS_MAX_FIELDS];
	struct snap_kvset extra;   /* VMX-core internals needed for exact resume */
};

struct snap_mem_run {
	uint64_t gpa;              /* page aligned */
	uint64_t len;              /* multiple of the page size, > 0 */
	const uint8_t *data;       /* not owned */
};

struct snap_memory {
	size_t n_runs;             /* sorted by gpa, non-overlapping */
	struct snap_mem_run *runs; /* malloc'd array */
	size_t cap;
};

/* A multiprocessor snapshot's application processor (vCPU k >= 1; body
 * key "smp"): what the machine keeps per vCPU besides struct cpu_state.
 * vCPU 0's parts are the body's "vmx" and device "lapic", as with one. */
struct snap_ap {
	struct snap_vmx vmx;
	struct snap_kvset lapic;   /* the keys of device "lapic" */
};

struct snapshot_machine {
	unsigned format_version;
	char vmxbox_version[SNAP_NAME_MAX];
	char trigger[SNAP_TEXT_MAX];   /* what took it ("insns:1000"), may be "" */
	struct snap_config config;
	unsigned n_cpus;
	struct cpu_state cpus[SNAP_MAX_CPUS];
	struct snap_vmx vmx;
	unsigned n_devices;        /* sorted by name when encoded */
	struct snap_device devices[SNAP_MAX_DEVICES];
	struct snap_memory mem;
	/* n_cpus > 1 only: aps[k - 1] is vCPU k (malloc'd), sched the
	 * scheduler's position and clock (machine/smp.h). */
	struct snap_ap *aps;
	unsigned n_aps;            /* = n_cpus - 1 */
	struct snap_kvset sched;

	/* Backing storage of decoded memory runs (file mapping). */
	void *map;
	size_t map_len;
};

/* Allocate an empty snapshot (calloc'd; format/vmxbox version filled). */
struct snapshot_machine *snapshot_new(void);
void snapshot_free(struct snapshot_machine *s);
/* Room for vCPUs 1..n-1 (s->aps); sets n_cpus.  false: out of memory or
 * n outside 1..SNAP_MAX_CPUS. */
bool snapshot_set_cpus(struct snapshot_machine *s, unsigned n);
/* vCPU k's VMX section (k < n_cpus). */
const struct snap_vmx *snap_cpu_vmx(const struct snapshot_machine *s,
				    unsigned k);

/* ---- encoding ---------------------------------------------------------- */

/* Canonical CBOR into a malloc'd buffer.  0, or -errno with err set. */
int snapshot_encode(const struct snapshot_machine *s, uint8_t **out,
		    size_t *out_len, char *err, size_t errlen);

/*
 * Atomic write: a temporary file in the destination's directory, write,
 * fsync, rename over path, fsync the directory.  On any failure the
 * temporary file is removed and an existing file at path is untouched.
 * Returns 0, or -errno with err set.
 */
int snapshot_write_file(const struct snapshot_machine *s, const char *path,
			char *err, size_t errlen);

/* Test seam: replace the system calls used by snapshot_write_file(). */
struct snap_io_ops {
	ssize_t (*write)(int fd, const void *buf, size_t len);
	int (*fsync)(int fd);
	int (*rename)(const char *from, const char *to);
};
void snapshot_set_io_ops(const struct snap_io_ops *ops);  /* NULL: libc */

/* ---- decoding ---------------------------------------------------------- */

/*
 * Decode and validate untrusted bytes.  Memory runs point into buf, which
 * must outlive the snapshot.  Returns NULL with err set ("cpus[0].cr0:
 * expected unsigned integer, got text string") on any problem.
 */
struct snapshot_machine *snapshot_decode(const uint8_t *buf, size_t len,
					 char *err, size_t errlen);
/* Map the file read-only and decode it. */
struct snapshot_machine *snapshot_read_file(const char *path, char *err,
					    size_t errlen);

/* ---- building blocks used by the machine and the tools ------------------ */

/* Non-zero 4 KiB pages of gm as runs of adjacent pages (into gm->host). */
int snap_mem_capture(struct snap_memory *m, const struct guest_mem *gm);
/* Make gm hold exactly the snapshot's memory (gm->size must equal the
 * snapshot's RAM size).  Pages outside the runs become zero. */
int snap_mem_restore(const struct snap_memory *m, struct guest_mem *gm,
		     char *err, size_t errlen);
/* Read [gpa, gpa+len) of the snapshot's memory image (zeros between
 * runs).  False if outside RAM. */
bool snap_mem_read(const struct snapshot_machine *s, uint64_t gpa, void *buf,
		   uint64_t len);
uint64_t snap_mem_stored_bytes(const struct snap_memory *m);

/* Key/value helpers for device and VMX-extra state.  Setting an existing
 * key replaces it.  Return false when full / too long. */
bool snap_kv_set_u64(struct snap_kvset *set, const char *key, uint64_t v);
bool snap_kv_set_bytes(struct snap_kvset *set, const char *key,
		       const void *p, size_t len);
const struct snap_kv *snap_kv_find(const struct snap_kvset *set,
				   const char *key);
bool snap_kv_get_u64(const struct snap_kvset *set, const char *key,
		     uint64_t *v);
void snap_kvset_clear(struct snap_kvset *set);

struct snap_device *snap_device_add(struct snapshot_machine *s,
				    const char *name);
const struct snap_device *snap_device_find(const struct snapshot_machine *s,
					   const char *name);
bool snap_config_set_option(struct snap_config *c, const char *key,
			    const char *value);
const char *snap_config_option(const struct snap_config *c, const char *key);

/*
 * The CPU field table: every field of struct cpu_state except the MSRs that
 * live in struct cpu_msrs (those are saved through cpu_msr_table, keyed by
 * MSR index).
 */
enum snap_field_kind { SNAP_F_UINT, SNAP_F_BOOL };

struct snap_cpu_field {
	const char *name;
	size_t offset;
	uint8_t size;              /* 1, 2, 4 or 8 */
	uint8_t kind;              /* enum snap_field_kind */
	/* Added to format 1 later: a reader accepts snapshots without it
	 * (the field then keeps its zero value), so files saved by older
	 * vmxbox builds still load. */
	bool optional;
};

extern const struct snap_cpu_field snap_cpu_fields[];
extern const size_t snap_cpu_fields_len;
uint64_t snap_cpu_field_get(const struct cpu_state *c,
			    const struct snap_cpu_field *f);
void snap_cpu_field_set(struct cpu_state *c, const struct snap_cpu_field *f,
			uint64_t v);
/* True if the MSR's storage is outside struct cpu_msrs (EFER, FS/GS base):
 * those are saved as CPU fields, not in the "msrs" map. */
bool snap_msr_is_field(const struct msr_desc *d);

/* ---- the machine's parts <-> snapshot sections (snap_state.c) ----------- */
struct vmx_vcpu;
struct uart16550;
struct debug_exit;

/* VMX state of one vCPU.  Flushes the cached current VMCS to its region in
 * gm first (so memory, captured after this, holds it too). */
void snap_vmx_capture(struct snap_vmx *out, struct vmx_vcpu *v,
		      struct guest_mem *gm);
/* Put a decoded VMX section into v (created for the same CPU model). */
int snap_vmx_restore(struct vmx_vcpu *v, const struct snap_vmx *in,
		     char *err, size_t errlen);

/* Devices: save into a named device of the snapshot / load from it. */
bool snap_uart_save(struct snapshot_machine *s, const struct uart16550 *u);
int snap_uart_load(const struct snapshot_machine *s, struct uart16550 *u,
		   char *err, size_t errlen);
/* The same keys under another device name (COM2-COM4: snap_pc.c). */
bool snap_uart_save_as(struct snapshot_machine *s, const struct uart16550 *u,
		       const char *name);
struct snap_device;
int snap_uart_load_from(const struct snap_device *d, struct uart16550 *u,
			const char *name, char *err, size_t errlen);
bool snap_debug_exit_save(struct snapshot_machine *s, const struct debug_exit *d);
struct lapic;
bool snap_lapic_save(struct snapshot_machine *s, const struct lapic *l);
/* The same keys into / from any set (an AP's; from NULL: the APIC as an
 * older snapshot without it leaves it).  what names it in errors. */
bool snap_lapic_save_kv(struct snap_kvset *set, const struct lapic *l);
int snap_lapic_load_kv(const struct snap_kvset *set, struct lapic *l,
		       const char *what, char *err, size_t errlen);
/* Restores into an APIC of the restored machine; call after the vCPU
 * state (its TSC is the clock the timers are re-armed on). */
int snap_lapic_load(const struct snapshot_machine *s, struct lapic *l,
		    char *err, size_t errlen);
int snap_debug_exit_load(const struct snapshot_machine *s, struct debug_exit *d,
			 char *err, size_t errlen);

/* The PC's interrupt controllers and timers (snap_isa.c).  Each load
 * resets its device first and leaves it so when the snapshot predates
 * it; the timers' loads come after the vCPU state (their clock). */
struct ioapic;
struct i8259;
struct i8254;
struct mc146818;
struct isa_irq;
bool snap_ioapic_save(struct snapshot_machine *s, const struct ioapic *io);
int snap_ioapic_load(const struct snapshot_machine *s, struct ioapic *io,
		     char *err, size_t errlen);
bool snap_pic_save(struct snapshot_machine *s, const struct i8259 *p);
int snap_pic_load(const struct snapshot_machine *s, struct i8259 *p,
		  char *err, size_t errlen);
bool snap_pit_save(struct snapshot_machine *s, const struct i8254 *p);
int snap_pit_load(const struct snapshot_machine *s, struct i8254 *p,
		  char *err, size_t errlen);
bool snap_rtc_save(struct snapshot_machine *s, const struct mc146818 *r);
int snap_rtc_load(const struct snapshot_machine *s, struct mc146818 *r,
		  char *err, size_t errlen);
bool snap_isa_save(struct snapshot_machine *s, const struct isa_irq *b);
int snap_isa_load(const struct snapshot_machine *s, struct isa_irq *b,
		  char *err, size_t errlen);

/* QEMU's pc-testdev (snap_pc.c), optional.  Load into NULL (the machine
 * has none) fails when the snapshot has one; a snapshot without one
 * clears the device's state. */
struct pc_testdev;
bool snap_pc_testdev_save(struct snapshot_machine *s, const struct pc_testdev *t);
int snap_pc_testdev_load(const struct snapshot_machine *s, struct pc_testdev *t,
			 char *err, size_t errlen);
/* fw_cfg's selector, read position and latched DMA address high half;
 * the power and reset registers; the ACPI PM1a registers
 * (snap_platform.c).  Each optional: a snapshot without one resets the
 * device. */
struct fw_cfg;
struct pc_power;
struct acpi_pm;
bool snap_fw_cfg_save(struct snapshot_machine *s, const struct fw_cfg *f);
int snap_fw_cfg_load(const struct snapshot_machine *s, struct fw_cfg *f,
		     char *err, size_t errlen);
bool snap_power_save(struct snapshot_machine *s, const struct pc_power *p);
int snap_power_load(const struct snapshot_machine *s, struct pc_power *p,
		    char *err, size_t errlen);
bool snap_acpi_pm_save(struct snapshot_machine *s, const struct acpi_pm *pm);
int snap_acpi_pm_load(const struct snapshot_machine *s, struct acpi_pm *pm,
		      char *err, size_t errlen);
/* The PCI bus (snap_pci.c): device "pci" (CONFIG_ADDRESS, the host
 * bridge's header) and "pci_testdevK" for each of the n pci-testdevs t[],
 * which must be the snapshot's (same count; refused naming the key
 * otherwise).  A snapshot without "pci" resets the bus's state. */
struct pci_bus;
struct pci_device;
struct pci_testdev;
bool snap_pci_save(struct snapshot_machine *s, const struct pci_bus *bus,
		   const struct pci_device *host, const struct pci_testdev *t,
		   unsigned n);
int snap_pci_load(const struct snapshot_machine *s, struct pci_bus *bus,
		  struct pci_device *host, struct pci_testdev *t, unsigned n,
		  char *err, size_t errlen);
/* How many pci-testdevs (at most max) the snapshot's machine had:
 * pci_testdev0, 1, ... up to the first missing one. */
unsigned snap_pci_testdevs(const struct snapshot_machine *s, unsigned max);
/* COMk+1 (k = 1..3) as device "uartK", optional the same way: a snapshot
 * has it exactly when the machine had the port. */
bool snap_com_save(struct snapshot_machine *s, const struct uart16550 *u,
		   unsigned k);
int snap_com_load(const struct snapshot_machine *s, struct uart16550 *u,
		  unsigned k, char *err, size_t errlen);

#endif
