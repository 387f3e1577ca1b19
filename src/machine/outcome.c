// SPDX-License-Identifier: MIT
/* Turning how a run ended into an exit status and a one-line reason. */
#include "machine/machine.h"
#include "machine/pc_platform.h"

#include <stdio.h>

static int stop_outcome(const struct machine *m, int cause, char *r, size_t len)
{
	const struct cpu_state *s = &m->final_state;

	switch (cause) {
	case STOP_DEBUG_EXIT:
		r[0] = '\0';             /* the guest chose its status */
		return m->dbg.status;
	case STOP_SIGINT:
		snprintf(r, len, "interrupted by SIGINT at rip=0x%llx",
			 (unsigned long long)s->rip);
		return VMXBOX_EXIT_SIGINT;
	case STOP_SIGTERM:
		snprintf(r, len, "terminated by SIGTERM at rip=0x%llx",
			 (unsigned long long)s->rip);
		return VMXBOX_EXIT_SIGTERM;
	case STOP_TIMEOUT:
		snprintf(r, len, "timeout: guest still running after %g s (rip=0x%llx)",
			 m->cfg.timeout, (unsigned long long)s->rip);
		return VMXBOX_EXIT_TIMEOUT;
	case STOP_POWEROFF:
		r[0] = '\0';             /* the guest's own clean end */
		return VMXBOX_EXIT_OK;
	case STOP_RESET:
		snprintf(r, len, "guest reset (%s) at rip=0x%llx: vmxbox does not reboot",
			 m->pc && m->pc->stop_source ? m->pc->stop_source : "?",
			 (unsigned long long)s->rip);
		return VMXBOX_EXIT_RESET;
	case STOP_VMX_CHECK:
		snprintf(r, len, "--vmx-check=fatal: stopped at the first report (rip=0x%llx)",
			 (unsigned long long)s->rip);
		return VMXBOX_EXIT_VMX_CHECK;
	case STOP_MONITOR_QUIT:
		snprintf(r, len, "stopped by the monitor's quit command at rip=0x%llx",
			 (unsigned long long)s->rip);
		return VMXBOX_EXIT_OK;
	default:
		snprintf(r, len, "engine stopped without a reason at rip=0x%llx",
			 (unsigned long long)s->rip);
		return VMXBOX_EXIT_INTERNAL;
	}
}

/*
 * HLT ends the run when nothing can wake the vCPU: with RFLAGS.IF clear
 * only NMI/SMI/INIT could (SDM Vol. 2A, HLT), and no device raises those
 * or any interrupt yet.
 */
static int halt_outcome(const struct machine *m, char *r, size_t len)
{
	const struct cpu_state *s = &m->final_state;

	snprintf(r, len, "guest halted at rip=0x%llx with %s and no wake source",
		 (unsigned long long)s->rip,
		 s->rflags & RFLAGS_IF ? "interrupts enabled"
				       : "interrupts disabled");
	return VMXBOX_EXIT_HALTED;
}

int machine_outcome(const struct machine *m, char *r, size_t len)
{
	const struct cpu_state *s = &m->final_state;
	int cause = atomic_load(&((struct machine *)m)->stop_cause);

	if (cause != STOP_NONE)
		return stop_outcome(m, cause, r, len);
	switch (m->reason) {
	case ENGINE_EXIT_HLT:
		return halt_outcome(m, r, len);
	case ENGINE_EXIT_SHUTDOWN:
		snprintf(r, len, "guest shutdown (triple fault) at rip=0x%llx%s%s",
			 (unsigned long long)s->rip, m->exit.msg[0] ? ": " : "",
			 m->exit.msg);
		return VMXBOX_EXIT_SHUTDOWN;
	case ENGINE_EXIT_INSN_LIMIT:
		snprintf(r, len, "instruction limit reached after %llu instructions (rip=0x%llx)",
			 (unsigned long long)m->insns, (unsigned long long)s->rip);
		return VMXBOX_EXIT_INSN_LIMIT;
	case ENGINE_EXIT_ERROR:
		snprintf(r, len, "engine error at rip=0x%llx: %s",
			 (unsigned long long)s->rip,
			 m->exit.msg[0] ? m->exit.msg : "unknown");
		return VMXBOX_EXIT_INTERNAL;
	default:
		return stop_outcome(m, STOP_NONE, r, len);
	}
}
