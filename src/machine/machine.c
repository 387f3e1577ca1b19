// SPDX-License-Identifier: MIT
#include "machine/machine.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cpu_model.h"
#include "machine/pc_platform.h"
#include "machine/pc_serial.h"
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
	for (unsigned k = 0; k < 3; k++)
		c->com_fd[k] = -1;
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
	if (m->n_cpus > 1) {
		/* The scheduler looks at kicked between turns; the engine
		 * in run() now is asked to stop (smp.c). */
		struct machine_vcpu *v = m->cpu[atomic_load(&m->sched.running)];

		atomic_store(&m->sched.kicked, true);
		if (v && v->eng && m->ops->request_stop)
			m->ops->request_stop(v->eng);
	} else if (m->eng && m->ops->request_stop) {
		m->ops->request_stop(m->eng);
	}
	pc_serial_kick(m);
}

/* --vmx-check=fatal: stop right after the instruction that was reported
 * (reports come from inside it, on the vCPU thread), not at the end of
 * the engine's batch: where the run stops must not depend on where a
 * batch happens to end. */
static void stop_after_report(struct machine *m)
{
	struct engine *e = m->n_cpus > 1 ?
		m->cpu[atomic_load(&m->sched.running)]->eng : m->eng;

	machine_request_stop(m, STOP_VMX_CHECK);
	if (e && m->ops->stop_after_insn)
		m->ops->stop_after_insn(e);
}

/* --vmx-check: one line on stderr per report; fatal stops the run. */
static void on_vmx_check(void *opaque, const char *line)
{
	struct machine *m = opaque;
	if (m->cfg.msg_fd >= 0)
		dprintf(m->cfg.msg_fd, "vmxbox: vmx-check: %s\n", line);
	if (m->cfg.vmx_check == 2)
		stop_after_report(m);
}

enum engine_exit_reason machine_run_vcpus(struct machine *m)
{
	if (m->n_cpus > 1)
		return smp_run(m);
	return m->ops->run(m->eng, &m->exit);
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
	struct machine_vcpu *v = opaque;

	v->m->sched.signalled = true;
	if (v->eng && v->m->ops->raise_event)
		v->m->ops->raise_event(v->eng, sig, vector);
}

/* vCPU k's parts: the BSP's are the machine's own fields; an AP's local
 * APIC has its window on the AP's own MMIO view (smp.h). */
static int attach_vcpu(struct machine *m, unsigned k)
{
	struct machine_vcpu *v = calloc(1, sizeof(*v));
	struct lapic_config lc = {
		.id = k,
		.bsp = k == 0,
		.maxphyaddr = cpu_model_maxphyaddr(&m->model),
		.x2apic = cpu_has(&m->model, X86_FEAT_X2APIC),
		.tsc_deadline = cpu_has(&m->model, X86_FEAT_TSC_DEADLINE),
		.absent = !cpu_has(&m->model, X86_FEAT_APIC),
	};
	struct io_bus *mmio = &m->mmio;

	if (!v)
		return -1;
	m->cpu[k] = v;
	v->m = m;
	v->index = k;
	v->lapic = k ? &v->ap_lapic : &m->lapic;
	v->watch = k ? &v->ap_watch : &m->watch;
	if (k) {
		io_bus_init(&v->mmio, "mmio");
		v->mmio.fallback = &m->mmio;
		mmio = &v->mmio;
	}
	return lapic_init(v->lapic, &lc, &m->clock, &m->apic_bus, mmio,
			  on_cpu_signal, v);
}

static int attach_apic(struct machine *m)
{
	apic_bus_init(&m->apic_bus);
	for (unsigned k = 0; k < m->n_cpus; k++)
		if (attach_vcpu(m, k))
			return -1;
	return 0;
}

static int attach_devices(struct machine *m, char *err, size_t errlen)
{
	int ret;

	io_bus_init(&m->pio, "pio");
	io_bus_init(&m->mmio, "mmio");
	vclock_init(&m->clock, m->cfg.clock);
	uart16550_init(&m->uart, m->cfg.serial_fd);
	uart16550_set_irq(&m->uart, &m->isa.irq, UART_COM1_IRQ);
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
	ret = pc_serial_create(m, err, errlen);
	if (ret)
		return ret;
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
	/* auto with several vCPUs: the fastest engine that runs them. */
	if (m->ops && m->n_cpus > 1 && !m->ops->idle_until &&
	    (!m->cfg.engine || !strcmp(m->cfg.engine, "auto"))) {
		m->ops = &interp_engine_ops;
		snprintf(m->engine_why, sizeof(m->engine_why),
			 "--smp=%u: interp is the engine that runs several vCPUs",
			 m->n_cpus);
	}
	if (m->ops)
		return 0;
	snprintf(err, errlen, "--engine=%s: %s", m->cfg.engine, m->engine_why);
	return VMXBOX_EXIT_NO_ENGINE;
}

static int create_vcpu_engine(struct machine *m, struct machine_vcpu *v,
			      char *err, size_t errlen)
{
	struct engine_config ec = {
		.mem = &m->mem,
		.pio = &m->pio,
		.mmio = v->index ? &v->mmio : &m->mmio,
		/* SMP: the scheduler keeps the limit on the total. */
		.max_insns = m->n_cpus > 1 ? 0 : m->cfg.max_insns,
		.smp = m->n_cpus > 1,
		.ap = v->index > 0,
		.tlb_flush_always = m->cfg.tlb_flush_always,
		.tlb_check = m->cfg.vmx_check != 0,
	};
	char why[200] = "";

	ec.model = m->model;
	ec.model.nr_cpus = m->n_cpus;
	ec.model.apic_id = v->index;
	ec.intc = (struct cpu_intc){ &lapic_intc_ops, v->lapic };
	ec.clock = &m->clock;
	if (m->n_cpus > 1) {
		ec.peers_time = smp_peers_time;
		ec.peers_time_opaque = v;
	}
	ec.fpu_error = isa_irq_ferr;      /* FERR# -> IRQ 13 (pc_isa.h) */
	ec.fpu_error_opaque = &m->isa.irq;
	/* The VMX layer (src/vmx/) sees every interceptable event when VMX
	 * is advertised; without it VMX instructions #UD in the engine. */
	if (m->cfg.vmx) {
		v->vmx = vmx_vcpu_create(&ec.model);
		if (!v->vmx) {
			snprintf(err, errlen, "out of memory");
			return VMXBOX_EXIT_INTERNAL;
		}
		/* Through the watcher, so traces, counters and snapshot
		 * triggers see every VM entry and exit. */
		vmx_watch_init(v->watch, v->vmx);
		v->watch->cpu = v->index;
		v->watch->offload = m->cfg.verbose;
		if (m->cfg.vmx_check && m->cfg.tlb_flush_always && !v->index &&
		    m->cfg.msg_fd >= 0)
			/* Not a report: nothing broke, but say what is off. */
			dprintf(m->cfg.msg_fd, "vmxbox: vmx-check: note: "
				"--tlb=flush-always keeps no translation across "
				"a VM entry or exit, so no stale translation can "
				"be seen (use --tlb=exact); the other checks "
				"run\n");
		if (m->cfg.vmx_check) {
			v->watch->check = on_vmx_check;
			v->watch->check_opaque = m;
			vmx_set_shared_vmcs_hook(v->vmx, vmx_check_shared,
						 v->watch);
		}
		if (!v->index)
			m->vmx = v->vmx;
		if (m->cfg.snap)
			snap_machine_watch(m, v->watch);
		ec.icpt = &vmx_watch_ops;
		ec.icpt_opaque = v->watch;
		if (m->cfg.no_vmx_watch) {
			/* Benchmark baseline only (bench/monitor_overhead.sh). */
			ec.icpt = &vmx_intercept_ops;
			ec.icpt_opaque = v->vmx;
		}
	}
	v->eng = m->ops->create(&ec, why, sizeof(why));
	if (!v->eng) {
		snprintf(err, errlen, "cannot start the %s engine: %s",
			 m->ops->name, why);
		return VMXBOX_EXIT_NO_ENGINE;
	}
	if (!v->index)
		m->eng = v->eng;
	smp_save_clock_hooks(m, v);
	return 0;
}

/* An application processor at power-on: reset state, waiting for a
 * SIPI (SDM Vol. 3A 9.4.1). */
static void ap_reset_state(struct cpu_state *s)
{
	cpu_state_reset(s);
	s->activity = ACTIVITY_WAIT_SIPI;
}

static int create_engine(struct machine *m, char *err, size_t errlen)
{
	struct cpu_state ap;
	int ret;

	for (unsigned k = 0; k < m->n_cpus; k++) {
		ret = create_vcpu_engine(m, m->cpu[k], err, errlen);
		if (ret)
			return ret;
	}
	/* The VMX layers know each other: a VMCS active on two vCPUs. */
	if (m->cfg.vmx) {
		for (unsigned k = 0; k < m->n_cpus; k++)
			m->sched.vmx[k] = m->cpu[k]->vmx;
		vmx_vcpu_link(m->sched.vmx, m->n_cpus);
		for (unsigned k = 0; m->n_cpus > 1 && k < m->n_cpus; k++)
			m->cpu[k]->watch->vmx_check.next =
				m->cpu[(k + 1) % m->n_cpus]->watch;
	}
	/* Outside a run the clock reads the BSP's time. */
	smp_use_clock(m, m->cpu[0]);
	m->ops->set_state(m->eng, &m->boot_state);
	ap_reset_state(&ap);
	for (unsigned k = 1; k < m->n_cpus; k++)
		m->ops->set_state(m->cpu[k]->eng, &ap);
	m->sched.quantum = m->cfg.smp_quantum ? m->cfg.smp_quantum
					      : SMP_QUANTUM_DEFAULT;
	m->sched.round_end = m->sched.quantum;
	m->sched.limit = m->cfg.max_insns;
	return 0;
}

/* What --smp needs from the rest of the configuration. */
static int check_smp(struct machine *m, char *err, size_t errlen)
{
	if (m->n_cpus > MACHINE_MAX_CPUS) {
		snprintf(err, errlen, "--smp=%u: at most %u vCPUs", m->n_cpus,
			 MACHINE_MAX_CPUS);
		return VMXBOX_EXIT_USAGE;
	}
	if (m->n_cpus == 1)
		return 0;
	if (!m->ops->idle_until) {
		snprintf(err, errlen, "--smp=%u: the %s engine runs one vCPU (use --engine=interp)",
			 m->n_cpus, m->ops->name);
		return VMXBOX_EXIT_USAGE;
	}
	if (m->cfg.clock == VCLOCK_HOST) {
		snprintf(err, errlen, "--smp=%u: --clock=host is for one vCPU (the SMP scheduler keeps virtual time)",
			 m->n_cpus);
		return VMXBOX_EXIT_USAGE;
	}
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
	m->n_cpus = m->cfg.smp ? m->cfg.smp : 1;
	ret = resolve_cpu(m, err, errlen);
	if (!ret)
		ret = select_engine(m, err, errlen);
	if (!ret)
		ret = check_smp(m, err, errlen);
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
	smp_destroy(m);
	pc_isa_destroy(m);
	lapic_destroy(&m->lapic);
	vmx_vcpu_destroy(m->vmx);
	pc_platform_destroy(m);
	pc_serial_destroy(m);
	uart16550_destroy(&m->uart);
	gmem_destroy(&m->mem);
	vcpu_ctl_destroy(&m->ctl);
	free(m);
}
