// SPDX-License-Identifier: MIT
#include "machine/machine.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cpu_model.h"
#include "machine/pc_platform.h"
#include "machine/snap_machine.h"
#include "vmx/vmx_api.h"

void machine_config_default(struct machine_config *c)
{
	memset(c, 0, sizeof(*c));
	c->engine = "auto";
	c->mem_size = GUEST_MEM_DEFAULT;
	c->debug_exit = DEBUG_EXIT_PLAIN;
	c->debug_exit_port = DEBUG_EXIT_PORT;
	c->debug_exit_len = 1;
	c->vmx = true;
	c->event_port = true;
	c->serial_fd = 1;
	c->msg_fd = 2;
}

void machine_request_stop(struct machine *m, enum machine_stop_cause cause)
{
	int none = STOP_NONE;

	atomic_compare_exchange_strong(&m->stop_cause, &none, (int)cause);
	machine_kick_vcpu(m);
	vcpu_ctl_kick(m);   /* a paused vCPU must notice the stop */
}

void machine_kick_vcpu(struct machine *m)
{
	if (m->eng && m->ops->request_stop)
		m->ops->request_stop(m->eng);
	uart16550_kick(&m->uart);
}

/* --vmx-check: one line on stderr per report; fatal stops the run. */
static void on_vmx_check(void *opaque, const char *line)
{
	struct machine *m = opaque;
	if (m->cfg.msg_fd >= 0)
		dprintf(m->cfg.msg_fd, "vmxbox: vmx-check: %s\n", line);
	if (m->cfg.vmx_check == 2)
		machine_request_stop(m, STOP_VMX_CHECK);
}

/* debug-exit callback: runs on the vCPU thread inside engine run(). */
static void on_debug_exit(void *opaque, int status)
{
	machine_request_stop(opaque, STOP_DEBUG_EXIT);
}

/* The local APIC's signals into the processor: on the vCPU thread (inside
 * engine run(), or while the vCPU is parked). */
static void on_cpu_signal(void *opaque, enum cpu_signal sig, uint8_t vector)
{
	struct machine *m = opaque;

	if (m->eng && m->ops->raise_event)
		m->ops->raise_event(m->eng, sig, vector);
}

static int attach_apic(struct machine *m)
{
	struct lapic_config lc = {
		.id = 0,
		.bsp = true,
		.maxphyaddr = cpu_model_maxphyaddr(&m->model),
		.x2apic = cpu_has(&m->model, X86_FEAT_X2APIC),
		.tsc_deadline = cpu_has(&m->model, X86_FEAT_TSC_DEADLINE),
		.absent = !cpu_has(&m->model, X86_FEAT_APIC),
	};

	apic_bus_init(&m->apic_bus);
	return lapic_init(&m->lapic, &lc, &m->clock, &m->apic_bus, &m->mmio,
			  on_cpu_signal, m);
}

static int attach_devices(struct machine *m, char *err, size_t errlen)
{
	io_bus_init(&m->pio, "pio");
	io_bus_init(&m->mmio, "mmio");
	vclock_init(&m->clock, m->cfg.clock);
	uart16550_init(&m->uart, m->cfg.serial_fd);
	debug_exit_init(&m->dbg, m->cfg.debug_exit, on_debug_exit, m);
	event_port_init(&m->events, &m->apic_bus);
	if (attach_apic(m) || pc_isa_attach(m) ||
	    uart16550_attach(&m->uart, &m->pio, UART_COM1_BASE) ||
	    (m->cfg.debug_exit_port >= 0 &&
	     debug_exit_attach(&m->dbg, &m->pio, (uint16_t)m->cfg.debug_exit_port,
			       m->cfg.debug_exit_len))) {
		snprintf(err, errlen, "cannot register devices on the I/O bus (debug-exit at 0x%x)",
			 m->cfg.debug_exit_port);
		return VMXBOX_EXIT_INTERNAL;
	}
	/* The event port is vmxbox's own protocol (docs/boot.md): vmxbox
	 * run has it, vmxbox-qemu not (QEMU has none, and its usual
	 * isa-debug-exit,iobase=0xf4,iosize=4 covers 0xf5). */
	if (m->cfg.event_port &&
	    event_port_attach(&m->events, &m->pio, EVENT_PORT)) {
		snprintf(err, errlen, "the event port 0x%x overlaps debug-exit at 0x%x (%u ports)",
			 EVENT_PORT, m->cfg.debug_exit_port, m->cfg.debug_exit_len);
		return VMXBOX_EXIT_USAGE;
	}
	return 0;
}

static int load_firmware(struct machine *m, char *err, size_t errlen)
{
	struct image_request rq = {
		.path = m->cfg.firmware, .append = m->cfg.append,
		.initrd = m->cfg.initrd, .modules = m->cfg.modules,
		.nr_modules = m->cfg.nr_modules, .vmx = m->cfg.vmx,
	};
	char why[600];
	int ret;

	ret = image_load(&m->mem, &rq, &m->boot_state, &m->img, &m->img_kind,
			 why, sizeof(why));
	if (!ret) {
		/* The ELF64 boot protocol hands over a software-enabled local
		 * APIC (docs/boot.md), so the event port's interrupts are
		 * accepted; multiboot and Linux find it as after reset. */
		if (m->img_kind == IMAGE_VMXBOX_ELF64)
			lapic_reg_write(&m->lapic, APIC_SPIV,
					APIC_SPIV_ENABLE | 0xff);
		return pc_platform_boot(m, err, errlen);
	}
	snprintf(err, errlen, "cannot load firmware %s", why);
	return ret == -E2BIG ? VMXBOX_EXIT_USAGE : VMXBOX_EXIT_FIRMWARE;
}

/* The CPU model: --cpu, then --vmx=off on top; the VMX layer exists
 * exactly when the model advertises VMX. */
static int resolve_cpu(struct machine *m, char *err, size_t errlen)
{
	char why[200];

	if (cpu_model_parse(&m->model, m->cfg.cpu ? m->cfg.cpu : "max", why,
			    sizeof(why))) {
		snprintf(err, errlen, "--cpu=%s: %s", m->cfg.cpu, why);
		return VMXBOX_EXIT_USAGE;
	}
	if (!m->cfg.vmx)
		cpu_model_set(&m->model, X86_FEAT_VMX, false);
	m->cfg.vmx = cpu_has(&m->model, X86_FEAT_VMX);
	return 0;
}

/* Pick the engine first, so --engine=kvm without KVM fails fast. */
static int select_engine(struct machine *m, char *err, size_t errlen)
{
	m->ops = m->cfg.engine_ops;
	if (m->ops) {
		snprintf(m->engine_why, sizeof(m->engine_why), "given by caller");
		return 0;
	}
	m->ops = engine_select(m->cfg.engine ? m->cfg.engine : "auto",
			       m->engine_why, sizeof(m->engine_why));
	if (m->ops)
		return 0;
	snprintf(err, errlen, "--engine=%s: %s", m->cfg.engine, m->engine_why);
	return VMXBOX_EXIT_NO_ENGINE;
}

static int create_engine(struct machine *m, char *err, size_t errlen)
{
	struct engine_config ec = {
		.mem = &m->mem,
		.pio = &m->pio,
		.mmio = &m->mmio,
		.max_insns = m->cfg.max_insns,
		.tlb_flush_always = m->cfg.tlb_flush_always,
		.tlb_check = m->cfg.vmx_check != 0,
	};
	char why[200] = "";

	ec.model = m->model;
	ec.intc = (struct cpu_intc){ &lapic_intc_ops, &m->lapic };
	ec.clock = &m->clock;
	ec.fpu_error = isa_irq_ferr;      /* FERR# -> IRQ 13 (pc_isa.h) */
	ec.fpu_error_opaque = &m->isa.irq;
	/* The VMX layer (src/vmx/) sees every interceptable event when VMX
	 * is advertised; without it VMX instructions #UD in the engine. */
	if (m->cfg.vmx) {
		m->vmx = vmx_vcpu_create(&ec.model);
		if (!m->vmx) {
			snprintf(err, errlen, "out of memory");
			return VMXBOX_EXIT_INTERNAL;
		}
		/* Through the watcher, so traces, counters and snapshot
		 * triggers see every VM entry and exit. */
		vmx_watch_init(&m->watch, m->vmx);
		if (m->cfg.vmx_check) {
			m->watch.check = on_vmx_check;
			m->watch.check_opaque = m;
		}
		if (m->cfg.snap)
			snap_machine_watch(m);
		ec.icpt = &vmx_watch_ops;
		ec.icpt_opaque = &m->watch;
		if (m->cfg.no_vmx_watch) {
			/* Benchmark baseline only (bench/monitor_overhead.sh). */
			ec.icpt = &vmx_intercept_ops;
			ec.icpt_opaque = m->vmx;
		}
	}
	m->eng = m->ops->create(&ec, why, sizeof(why));
	if (!m->eng) {
		snprintf(err, errlen, "cannot start the %s engine: %s",
			 m->ops->name, why);
		return VMXBOX_EXIT_NO_ENGINE;
	}
	m->ops->set_state(m->eng, &m->boot_state);
	return 0;
}

int machine_create(const struct machine_config *cfg, struct machine **out,
		   char *err, size_t errlen)
{
	struct machine *m = calloc(1, sizeof(*m));
	int ret;

	*out = NULL;
	if (!m) {
		snprintf(err, errlen, "out of memory");
		return VMXBOX_EXIT_INTERNAL;
	}
	m->cfg = *cfg;
	if (!m->cfg.mem_size)
		m->cfg.mem_size = GUEST_MEM_DEFAULT;
	atomic_init(&m->stop_cause, STOP_NONE);
	vcpu_ctl_init(&m->ctl, m->cfg.max_insns, m->cfg.paused);
	ret = resolve_cpu(m, err, errlen);
	if (!ret)
		ret = select_engine(m, err, errlen);
	if (ret) {
		vcpu_ctl_destroy(&m->ctl);
		free(m);
		return ret;
	}
	ret = gmem_init(&m->mem, m->cfg.mem_size);
	if (ret) {
		snprintf(err, errlen, "cannot allocate %llu bytes of guest RAM: %s",
			 (unsigned long long)m->cfg.mem_size, strerror(-ret));
		free(m);
		return ret == -EINVAL ? VMXBOX_EXIT_USAGE : VMXBOX_EXIT_INTERNAL;
	}
	ret = attach_devices(m, err, errlen);
	if (!ret)
		ret = pc_platform_create(m, err, errlen);
	/* No firmware: the caller fills RAM and state (vmxbox restore). */
	if (!ret && m->cfg.firmware)
		ret = load_firmware(m, err, errlen);
	if (!ret)
		ret = create_engine(m, err, errlen);
	if (ret) {
		machine_destroy(m);
		return ret;
	}
	*out = m;
	return 0;
}

void machine_destroy(struct machine *m)
{
	if (!m)
		return;
	if (m->eng)
		m->ops->destroy(m->eng);
	pc_isa_destroy(m);
	lapic_destroy(&m->lapic);
	vmx_vcpu_destroy(m->vmx);
	pc_platform_destroy(m);
	uart16550_destroy(&m->uart);
	gmem_destroy(&m->mem);
	vcpu_ctl_destroy(&m->ctl);
	free(m);
}
