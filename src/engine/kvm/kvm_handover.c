// SPDX-License-Identifier: MIT
/*
 * The hand-over: KVM runs the guest until it starts to use VMX, and the
 * interpreter goes on from exactly there.  Every correct hypervisor reads
 * IA32_VMX_BASIC (the VMCS revision identifier, SDM 25.2) before VMXON and
 * most read IA32_FEATURE_CONTROL (SDM 24.7) first; KVM's MSR filter
 * (kvm_vm.c) makes those accesses exit to user space with RIP still at the
 * RDMSR/WRMSR, so the interpreter carries the instruction out.  A guest
 * that sets CR4.VMXE first gets the #GP KVM raises (no nested VMX); when
 * that #GP ends in a triple fault the MOV to CR4 is recognised and the
 * interpreter runs it instead (kvm_run.c: shutdown_exit).
 *
 * An instruction KVM cannot carry out itself (an emulation failure: this
 * software KVM cannot deliver INT3 or INT n, for one) is lent to the
 * interpreter for that one instruction, and the vCPU goes back to KVM.
 */
#include "engine/kvm/kvm_eng.h"

#include <stdio.h>

bool kvm_handover_msr(uint32_t index)
{
	return index == MSR_FEATURE_CONTROL ||
	       (index >= MSR_VMX_FIRST && index <= MSR_VMX_LAST);
}

/*
 * The guest wrote memory through KVM, which bypasses guest_mem's tracking
 * of the pages the interpreter caches decoded instructions from: drop all.
 */
static void interp_forget_code(struct kvm_eng *k)
{
	gmem_note_write_slow(k->cfg.mem, 0, k->cfg.mem->size);
}

enum engine_exit_reason kvm_hand_over(struct kvm_eng *k, const char *why,
				      struct engine_exit *out)
{
	struct cpu_state s;

	/* No KVM_RUN to complete the exit: the instruction is the
	 * interpreter's to execute. */
	kvm_store_state(k, &s);
	kvm_arm_timer(k, 0);
	k->need_completion = false;
	snprintf(k->handover_why, sizeof(k->handover_why), "%s", why);
	k->handover_count = s.insn_count;
	interp_forget_code(k);
	k->interp->ops->set_state(k->interp, &s);
	k->interp->ops->set_max_insns(k->interp, k->max_insns);
	kvm_clock_detach(k);
	atomic_store(&k->on_interp, true);
	if (atomic_exchange(&k->stop, false)) {
		if (out)
			out->reason = ENGINE_EXIT_STOP;
		return ENGINE_EXIT_STOP;
	}
	return k->interp->ops->run(k->interp, out);
}

enum engine_exit_reason kvm_interp_one(struct kvm_eng *k, const char *why,
				       struct engine_exit *out)
{
	const struct engine_ops *io = k->interp->ops;
	enum engine_exit_reason r;
	struct cpu_state s;
	char err[160];
	uint64_t before;

	kvm_store_state(k, &s);
	before = s.insn_count;
	interp_forget_code(k);
	io->set_state(k->interp, &s);
	io->set_max_insns(k->interp, before + 1);
	kvm_clock_detach(k);
	r = io->run(k->interp, out);
	io->set_max_insns(k->interp, k->max_insns);
	io->get_state(k->interp, &s);
	k->n.lent++;
	k->n.steps += s.insn_count - before;
	if (r == ENGINE_EXIT_SHUTDOWN || r == ENGINE_EXIT_ERROR) {
		/* The run ends here; the state to report is the interpreter's. */
		snprintf(k->handover_why, sizeof(k->handover_why),
			 "%s; it ended the run there", why);
		k->handover_count = before;
		atomic_store(&k->on_interp, true);
		return r;
	}
	kvm_clock_attach(k);
	s.insn_count = kvm_count(k);
	k->shadow = s;
	k->halted = s.activity == ACTIVITY_HLT;
	if ((s.cr4 & CR4_VMXE) || kvm_load_state(k, &s, err, sizeof(err))) {
		/* Not KVM's to run any more: stay on the interpreter. */
		snprintf(k->handover_why, sizeof(k->handover_why), "%s", why);
		k->handover_count = before;
		kvm_clock_detach(k);
		atomic_store(&k->on_interp, true);
		return r == ENGINE_EXIT_INSN_LIMIT ? ENGINE_EXIT_NONE : r;
	}
	if (r == ENGINE_EXIT_INSN_LIMIT || r == ENGINE_EXIT_HLT)
		r = ENGINE_EXIT_NONE;   /* the KVM loop decides about both */
	if (out)
		out->reason = r;
	return r;
}
