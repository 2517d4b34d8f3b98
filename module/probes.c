// SPDX-License-Identifier: GPL-2.0
/*
 * The probes on KVM's FPU uABI paths.
 *
 *   kvm_arch_vcpu_ioctl (kretprobe)      which ioctl, the raw user header,
 *                                        the header returned to userspace,
 *                                        the CR4 of KVM_SET_SREGS2,
 *                                        the final return value
 *   fpu_copy_uabi_to_guest_fpstate (kp)  what KVM_SET_XSAVE really loads
 *   fpu_copy_guest_fpstate_to_uabi (kp)  what KVM_GET_XSAVE{2} exports
 *   kvm_arch_vcpu_create (kretprobe)     a record per successful vCPU
 *   kvm_arch_vcpu_destroy (kprobe)       ... gone with its vCPU
 *
 * The FPU probes park what they saw in the vCPU record; the ioctl return
 * handler, which KVM serializes per vCPU with vcpu->mutex, turns it into
 * counters and events. The FPU probes are entry probes because the ioctl
 * return sees their results too: a kretprobe costs a return hook more
 * (docs/performance.md). Handlers run in atomic context: no sleeping, user
 * memory only through copy_from_user_nofault().
 *
 * kvm.ko can come and go while this module stays: a module notifier arms
 * its probes when kvm becomes live and drops them when it goes.
 */
#include <linux/kprobes.h>
#include <linux/kvm_host.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/uaccess.h>
#include <asm/fpu/api.h>
#include <asm/fpu/xcr.h>

#include "compat.h"
#include "kxp.h"

static unsigned int kxp_maxactive = 128;
module_param_named(maxactive, kxp_maxactive, uint, 0444);
MODULE_PARM_DESC(maxactive,
		 "Concurrent ioctls each kretprobe can follow (default 128)");

/* Per-call data of the kvm_arch_vcpu_ioctl kretprobe. */
struct kxp_ioctl_ctx {
	struct kvm_vcpu *vcpu;
	struct kxp_vcpu *rec;
	void __user *argp;
	unsigned int ioctl;
	bool raw_ok;
	u32 raw_mxcsr;			/* untracked KVM_SET_XSAVE only */
	struct kxp_xsave_hdr raw;	/* KVM_SET_XSAVE, as userspace sent */
	struct kxp_xcrs_req xcrs;	/* KVM_SET_XCRS */
	u64 old_gs_xcr0;		/* guest-supported XCR0 at entry */
	bool req_ok;			/* KVM_SET_CPUID{,2}: req_xcr0 read */
	u64 req_xcr0;
	u64 cr4;			/* KVM_SET_SREGS2: requested CR4 */
	u64 cr4_rsvd;			/* ... and the vCPU's reserved bits */
};

static const char *kxp_vm_name(struct kvm *kvm, char *buf, size_t len)
{
	/* KVM names its directory "<pid>-<fd>"; reuse that name. */
	if (!IS_ERR_OR_NULL(kvm->debugfs_dentry))
		snprintf(buf, len, "%pd", kvm->debugfs_dentry);
	else
		snprintf(buf, len, "%d-nodebugfs", kvm->userspace_pid);
	return buf;
}

static struct kxp_vcpu *kxp_track(struct kvm_vcpu *vcpu)
{
	char name[KXP_VM_NAME_LEN];
	struct kxp_vcpu *rec = kxp_vcpu_find(vcpu);

	if (rec)
		return rec;
	return kxp_vcpu_get(vcpu, vcpu->vcpu_id, vcpu->kvm,
			    kxp_vm_name(vcpu->kvm, name, sizeof(name)));
}

static bool kxp_ioctl_watched(unsigned int ioctl)
{
	switch (ioctl) {
	case KVM_SET_XSAVE:
	case KVM_GET_XSAVE:
	case KVM_GET_XSAVE2:
	case KVM_SET_XCRS:
	case KVM_SET_CPUID:
	case KVM_SET_CPUID2:
	/*
	 * KVM_SET_SREGS is handled in kvm_vcpu_ioctl() (kvm_main.c) and
	 * never reaches here; QEMU uses KVM_SET_SREGS2 where KVM has it.
	 */
	case KVM_SET_SREGS2:
		return true;
	}
	return false;
}

/* The requested CR4: one copy of 8 bytes from the user's struct. */
static void kxp_read_sregs_cr4(struct kxp_ioctl_ctx *c, struct kvm_vcpu *vcpu,
			       const void __user *argp)
{
	BUILD_BUG_ON(sizeof_field(struct kvm_sregs2, cr4) != sizeof(u64));
	/* struct kvm_sregs starts alike: the offset is uABI. */
	BUILD_BUG_ON(offsetof(struct kvm_sregs2, cr4) !=
		     offsetof(struct kvm_sregs, cr4));
	c->raw_ok = !copy_from_user_nofault(&c->cr4, argp +
					    offsetof(struct kvm_sregs2, cr4),
					    sizeof(c->cr4));
	c->cr4_rsvd = kxp_cr4_guest_rsvd_bits(vcpu);
}

static void kxp_read_xcrs(struct kxp_ioctl_ctx *c, const void __user *argp)
{
	const struct kvm_xcrs __user *u = argp;
	struct kvm_xcr xcr;
	u32 head[2];	/* nr_xcrs, flags: one copy, not two */
	u32 i;

	BUILD_BUG_ON(offsetof(struct kvm_xcrs, flags) != sizeof(u32));
	c->raw_ok = !copy_from_user_nofault(head, u, sizeof(head));
	if (!c->raw_ok)
		return;
	c->xcrs.nr_xcrs = head[0];
	c->xcrs.flags = head[1];
	if (c->xcrs.nr_xcrs > KVM_MAX_XCRS)
		return;
	for (i = 0; i < c->xcrs.nr_xcrs; i++) {
		if (copy_from_user_nofault(&xcr, &u->xcrs[i], sizeof(xcr))) {
			c->raw_ok = false;
			return;
		}
		if (xcr.xcr == XCR_XFEATURE_ENABLED_MASK) {
			c->xcrs.has_xcr0 = 1;
			c->xcrs.xcr0 = xcr.value;
			return;
		}
	}
}

/*
 * KVM_SET_CPUID{,2}: CPUID.(0xD,0) EDX:EAX as the VMM wrote it, before KVM
 * masks it with what it supports. KVM derives the guest's XCR0 from this
 * leaf alone (cpuid_get_supported_xcr0()), and finds it as
 * cpuid_entry2_find() does: the first 0xD entry whose index is 0 or not
 * significant. No leaf 0xD at all asks for nothing beyond x87 and SSE.
 */
static void kxp_read_cpuid(struct kxp_ioctl_ctx *c, const void __user *argp)
{
	const struct kvm_cpuid2 __user *u2 = argp;
	const struct kvm_cpuid __user *u1 = argp;
	struct kvm_cpuid_entry2 e2;
	struct kvm_cpuid_entry e1;
	u32 nent, i;

	BUILD_BUG_ON(offsetof(struct kvm_cpuid2, nent) != 0);
	BUILD_BUG_ON(offsetof(struct kvm_cpuid, nent) != 0);
	if (copy_from_user_nofault(&nent, argp, sizeof(nent)) ||
	    nent > KVM_MAX_CPUID_ENTRIES)
		return;		/* KVM refuses too many entries (-E2BIG) */
	for (i = 0; i < nent; i++) {
		if (c->ioctl == KVM_SET_CPUID2) {
			if (copy_from_user_nofault(&e2, &u2->entries[i],
						   sizeof(e2)))
				return;
		} else {
			/* KVM turns these into entries of index 0. */
			if (copy_from_user_nofault(&e1, &u1->entries[i],
						   sizeof(e1)))
				return;
			e2.function = e1.function;
			e2.index = 0;
			e2.flags = 0;
			e2.eax = e1.eax;
			e2.edx = e1.edx;
		}
		if (e2.function != 0xd ||
		    ((e2.flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) && e2.index))
			continue;
		c->req_xcr0 = (u64)e2.edx << 32 | e2.eax;
		break;
	}
	c->req_ok = true;
}

/*
 * SEV-ES, SNP and TDX vCPUs: KVM keeps their FPU state out of reach. Since
 * the protected VM types (kvm->arch.has_protected_state) their XSAVE and
 * XCRS ioctls fail with -EINVAL before any xfeature check; before, SET
 * returned 0 without loading and GET returned a zeroed buffer.
 */
static bool kxp_vcpu_protected(struct kvm_vcpu *vcpu)
{
	return vcpu->arch.guest_state_protected ||
	       fpstate_is_confidential(&vcpu->arch.guest_fpu);
}

/* Under rec->lock: one more failed call of this op for this reason. */
static void kxp_note_failure(struct kxp_vcpu_stats *st, enum kxp_op op,
			     enum kxp_reason reason, u64 bits)
{
	struct kxp_fail_slot *s, *free = NULL;

	for (s = st->fails; s < st->fails + KXP_NR_FAIL_SLOTS; s++) {
		if (!s->count) {
			if (!free)
				free = s;
		} else if (s->op == op && s->reason == reason) {
			if (s->count != U32_MAX)
				s->count++;
			s->bits |= bits;
			return;
		}
	}
	if (!free) {
		st->fail_overflow++;
		return;
	}
	free->op = op;
	free->reason = reason;
	free->count = 1;
	free->bits = bits;
}

static int kxp_ioctl_entry(struct kretprobe_instance *ri,
			   struct pt_regs *regs)
{
	struct kxp_ioctl_ctx *c = (struct kxp_ioctl_ctx *)ri->data;
	unsigned int ioctl = regs_get_kernel_argument(regs, 1);
	void __user *argp;
	struct file *filp;

	/* The cheap filter: every other vCPU ioctl leaves at once. */
	if (!kxp_ioctl_watched(ioctl))
		return 1;

	filp = (struct file *)regs_get_kernel_argument(regs, 0);
	argp = (void __user *)regs_get_kernel_argument(regs, 2);
	memset(c, 0, sizeof(*c));
	c->vcpu = filp->private_data;
	c->argp = argp;
	c->ioctl = ioctl;
	c->old_gs_xcr0 = c->vcpu->arch.guest_supported_xcr0;
	c->rec = kxp_track(c->vcpu);
	if (c->rec)
		memset(&c->rec->pend, 0, sizeof(c->rec->pend));

	if (ioctl == KVM_SET_XSAVE) {
		c->raw_ok = !copy_from_user_nofault(&c->raw,
						    argp + KXP_XSAVE_HDR_OFFSET,
						    sizeof(c->raw));
		/* Without a record the FPU probe parks nothing: classify here. */
		if (!c->rec && c->raw_ok)
			c->raw_ok = !copy_from_user_nofault(&c->raw_mxcsr,
							    argp + KXP_MXCSR_OFFSET,
							    sizeof(u32));
	} else if (ioctl == KVM_SET_XCRS) {
		kxp_read_xcrs(c, argp);
	} else if (ioctl == KVM_SET_CPUID || ioctl == KVM_SET_CPUID2) {
		kxp_read_cpuid(c, argp);
	} else if (ioctl == KVM_SET_SREGS2) {
		kxp_read_sregs_cr4(c, c->vcpu, argp);
	}
	return 0;
}

NOKPROBE_SYMBOL(kxp_ioctl_entry);

static enum kxp_op kxp_op_of(unsigned int ioctl)
{
	switch (ioctl) {
	case KVM_SET_XSAVE:
		return KXP_OP_SET_XSAVE;
	case KVM_GET_XSAVE:
		return KXP_OP_GET_XSAVE;
	case KVM_GET_XSAVE2:
		return KXP_OP_GET_XSAVE2;
	case KVM_SET_XCRS:
		return KXP_OP_SET_XCRS;
	case KVM_SET_SREGS2:
		return KXP_OP_SET_SREGS;
	default:
		return KXP_OP_SET_CPUID;
	}
}

static void kxp_note_mismatch(enum kxp_reason *reason)
{
	kxp_count(CLASSIFY_MISMATCH);
	*reason = KXP_REASON_OTHER;
}

u64 kxp_vcpu_exits(const void *vcpu)
{
	return kxp_vcpu_stat_exits((const struct kvm_vcpu *)vcpu);
}

/*
 * A refused load of @op is remembered until one of the same kind is
 * accepted, with the exit count then: if the count grows afterwards, the
 * VMM ran the vCPU without the state it tried to give it. Under rec->lock.
 */
static void kxp_note_load(struct kxp_vcpu *rec, struct kvm_vcpu *vcpu,
			  enum kxp_op op, int ret)
{
	if (ret) {
		rec->st.failed_loads |= 1U << op;
		rec->st.exits_at_failed_load = kxp_vcpu_stat_exits(vcpu);
	} else {
		u64 exits = kxp_vcpu_stat_exits(vcpu);

		/* It ran between the refusal and this accepted load. */
		if ((rec->st.failed_loads & (1U << op)) &&
		    exits > rec->st.exits_at_failed_load) {
			rec->st.ran_after_loads |= 1U << op;
			rec->st.ran_exits = max(rec->st.ran_exits,
						exits - rec->st.exits_at_failed_load);
		}
		rec->st.failed_loads &= ~(1U << op);
	}
}

/* The vCPU and VM an event names, with or without a record. */
static void kxp_emit(struct kxp_ioctl_ctx *c, struct kxp_vcpu *rec,
		     enum kxp_op op, int ret, enum kxp_reason reason,
		     u64 xstate_bv, u64 mask, u64 bits, bool have_hdr)
{
	char name[KXP_VM_NAME_LEN];
	const char *vm = rec ? rec->vm->name :
			 kxp_vm_name(c->vcpu->kvm, name, sizeof(name));
	const u64 *req = NULL;

	/* Changed only inside this vCPU's ioctls, like this one. */
	if (rec && rec->st.have_requested_xcr0)
		req = &rec->st.requested_xcr0;
	else if (!rec && op == KXP_OP_SET_CPUID && !ret && c->req_ok)
		req = &c->req_xcr0;	/* what this very call set */
	kxp_event_emit(c->vcpu->vcpu_id, vm, c->ioctl, op, ret, reason,
		       xstate_bv, mask, bits, have_hdr ? 0 : KXP_EV_NO_HEADER,
		       req);
}

/*
 * An untracked vCPU's KVM_SET_XSAVE, classified from the raw header against
 * the limits as KVM left them. Not all kernels strip XFD bits: no strip is
 * assumed, so none is reported.
 */
static void kxp_untracked_set(struct kxp_ioctl_ctx *c, struct kxp_pending *p)
{
	struct fpstate *fps = c->vcpu->arch.guest_fpu.fpstate;
	struct kxp_load_limits lim = {
		.mask = READ_ONCE(kxp_host.kvm_supported_xcr0),
		.user_xfeatures = fps->user_xfeatures,
		.mxcsr_feature_mask = kxp_host.mxcsr_feature_mask,
	};

	if (!c->raw_ok || !lim.mask)
		return;
	p->set_hdr = c->raw;
	p->set_xfd = fps->xfd;
	p->set_reason = kxp_classify_load(&p->set_hdr, c->raw_mxcsr, &lim,
					  &p->set_bits, &p->set_mask);
	p->set_seen = true;
}

/*
 * An untracked vCPU's successful GET: KVM still holds vcpu->mutex, so the
 * state is what the copy read; the mask is the one KVM passes.
 */
static void kxp_untracked_get(struct kxp_ioctl_ctx *c, struct kxp_pending *p,
			      int ret)
{
	struct fpstate *fps = c->vcpu->arch.guest_fpu.fpstate;

	if (ret)
		return;

	p->get_state_bv = fps->regs.xsave.header.xfeatures &
			  fps->user_xfeatures;
	p->get_mask = c->vcpu->arch.guest_supported_xcr0 | KXP_X_FP |
		      KXP_X_SSE;
	p->get_seen = true;
}

static void kxp_done_set_xsave(struct kxp_ioctl_ctx *c, struct kxp_vcpu *rec,
			       struct kxp_pending *p, int ret)
{
	enum kxp_reason reason = KXP_REASON_OK;
	u64 raw_bv, bits = 0, mask = kxp_host.kvm_supported_xcr0;
	u64 stripped = 0;

	kxp_count(SET_XSAVE);
	if (!c->raw_ok)
		kxp_count(RAW_HEADER_UNAVAILABLE);
	raw_bv = c->raw_ok ? c->raw.xstate_bv : p->set_hdr.xstate_bv;

	if (p->set_seen) {
		/*
		 * KVM's XFD strip ran between our two views of the header.
		 * Only XFD bits count: a VMM thread rewriting its buffer in
		 * between is not a strip.
		 */
		if (c->raw_ok)
			stripped = raw_bv & ~p->set_hdr.xstate_bv & p->set_xfd;
		bits = p->set_bits;
		mask = p->set_mask;
		if (ret == -EFAULT)
			reason = KXP_REASON_FAULT;
		else if (ret && p->set_reason == KXP_REASON_OK)
			kxp_note_mismatch(&reason);
		else if (!ret && p->set_reason != KXP_REASON_OK)
			kxp_note_mismatch(&reason);
		else
			reason = p->set_reason;
		/* Could a load of XFD-armed state tell whether KVM strips? */
		if (c->raw_ok && (raw_bv & p->set_xfd))
			WRITE_ONCE(kxp_host.set_strips_xfd,
				   stripped ? KXP_SEEN_YES : KXP_SEEN_NO);
	} else if (ret == -EFAULT) {
		reason = KXP_REASON_FAULT;	/* memdup_user() */
	} else if ((!ret || ret == -EINVAL) && kxp_vcpu_protected(c->vcpu)) {
		reason = KXP_REASON_PROTECTED_STATE;	/* nothing loaded */
	} else if (ret) {
		reason = KXP_REASON_OTHER;
	}

	if (rec) {
		struct kxp_vcpu_stats *st = &rec->st;

		raw_spin_lock(&rec->lock);
		st->set_xsave++;
		if (ret) {
			st->rejected_loads++;
			st->last_rejected_xstate_bv = raw_bv;
			st->last_rejected_bits = bits;
			st->last_reject_reason = reason;
			kxp_note_failure(st, KXP_OP_SET_XSAVE, reason, bits);
		} else if (p->set_seen) {
			st->last_loaded_xstate_bv = p->set_hdr.xstate_bv;
			st->state_xstate_bv = p->set_hdr.xstate_bv;
		}
		st->stripped_bits |= stripped;
		kxp_note_load(rec, c->vcpu, KXP_OP_SET_XSAVE, ret);
		raw_spin_unlock(&rec->lock);
	}

	if (ret)
		kxp_count(REJECTED_LOADS);
	if (ret || reason != KXP_REASON_OK || kxp_log_all)
		kxp_emit(c, rec, KXP_OP_SET_XSAVE, ret, reason, raw_bv, mask,
			 bits, c->raw_ok || p->set_seen);
	if (stripped) {
		kxp_count(STRIPPED_LOADS);
		kxp_emit(c, rec, KXP_OP_SET_XSAVE, ret, KXP_REASON_XFD_STRIPPED,
			 raw_bv, p->set_xfd, stripped, true);
	}
}

static void kxp_done_get_xsave(struct kxp_ioctl_ctx *c, struct kxp_vcpu *rec,
			       struct kxp_pending *p, int ret)
{
	enum kxp_op op = kxp_op_of(c->ioctl);
	enum kxp_reason reason = KXP_REASON_OK;
	u64 trimmed = 0;

	kxp_count(GET_XSAVE);
	if (p->get_seen && !ret) {
		/* The header exactly as userspace received it. */
		if (copy_from_user_nofault(&p->get_returned_bv,
					   c->argp + KXP_XSAVE_HDR_OFFSET,
					   sizeof(u64))) {
			kxp_count(RAW_HEADER_UNAVAILABLE);
			p->get_seen = false;
		} else {
			trimmed = p->get_state_bv & ~p->get_returned_bv;
		}
	}
	if (ret == -EFAULT)
		reason = KXP_REASON_FAULT;
	else if ((!ret || ret == -EINVAL) && !p->get_seen &&
		 kxp_vcpu_protected(c->vcpu))
		reason = KXP_REASON_PROTECTED_STATE;	/* nothing exported */
	else if (ret == -EINVAL && !p->get_seen && op == KXP_OP_GET_XSAVE &&
		 c->vcpu->arch.guest_fpu.uabi_size > sizeof(struct kvm_xsave))
		reason = KXP_REASON_SIZE;	/* AMX needs KVM_GET_XSAVE2 */
	else if (ret)
		reason = KXP_REASON_OTHER;
	else if (trimmed)
		reason = KXP_REASON_TRIMMED;

	if (rec) {
		struct kxp_vcpu_stats *st = &rec->st;

		raw_spin_lock(&rec->lock);
		st->get_xsave++;
		if (p->get_seen) {
			st->state_xstate_bv = p->get_state_bv;
			if (!ret)
				st->last_returned_xstate_bv = p->get_returned_bv;
		}
		if (trimmed) {
			st->trimmed_gets++;
			st->trimmed_bits |= trimmed;
			st->last_trimmed_bits = trimmed;
		}
		if (ret)
			kxp_note_failure(st, op, reason, 0);
		raw_spin_unlock(&rec->lock);
	}

	if (trimmed)
		kxp_count(TRIMMED_GETS);
	if (reason != KXP_REASON_OK || kxp_log_all)
		kxp_emit(c, rec, op, ret, reason, p->get_returned_bv,
			 p->get_mask, trimmed, p->get_seen && !ret);
}

static void kxp_done_set_xcrs(struct kxp_ioctl_ctx *c, struct kxp_vcpu *rec,
			      int ret)
{
	enum kxp_reason reason = KXP_REASON_OK, predicted = KXP_REASON_OTHER;
	u64 bits = 0, mask = c->old_gs_xcr0 | KXP_X_FP;

	kxp_count(SET_XCRS);
	if (c->raw_ok)
		predicted = kxp_classify_xcrs(&c->xcrs, c->old_gs_xcr0, &bits);
	if (ret == -EFAULT)
		reason = KXP_REASON_FAULT;
	else if (ret == -EINVAL && kxp_vcpu_protected(c->vcpu))
		reason = KXP_REASON_PROTECTED_STATE;
	else if (c->raw_ok && !ret != (predicted == KXP_REASON_OK))
		kxp_note_mismatch(&reason);
	else if (ret)
		reason = predicted;

	if (rec) {
		raw_spin_lock(&rec->lock);
		rec->st.set_xcrs++;
		if (ret) {
			rec->st.rejected_xcrs++;
			rec->st.last_rejected_xcr0 = c->xcrs.xcr0;
			rec->st.last_xcrs_reason = reason;
			kxp_note_failure(&rec->st, KXP_OP_SET_XCRS, reason,
					 bits);
		}
		kxp_note_load(rec, c->vcpu, KXP_OP_SET_XCRS, ret);
		raw_spin_unlock(&rec->lock);
	}

	if (ret)
		kxp_count(REJECTED_XCRS);
	if (ret || reason != KXP_REASON_OK || kxp_log_all)
		kxp_emit(c, rec, KXP_OP_SET_XCRS, ret, reason, c->xcrs.xcr0,
			 mask, bits, true);
}

static void kxp_done_set_cpuid(struct kxp_ioctl_ctx *c, struct kxp_vcpu *rec,
			       int ret)
{
	u64 now = c->vcpu->arch.guest_supported_xcr0;
	u64 changed = now ^ c->old_gs_xcr0;
	enum kxp_reason reason = KXP_REASON_OK;

	kxp_count(SET_CPUID);
	if (ret) {
		kxp_count(REJECTED_CPUID);
		reason = KXP_REASON_REJECTED;
	} else if (changed) {
		kxp_count(CPUID_CHANGES);
		reason = KXP_REASON_CHANGED;
	}
	if (rec) {
		raw_spin_lock(&rec->lock);
		if (ret) {
			kxp_note_failure(&rec->st, KXP_OP_SET_CPUID, reason, 0);
		} else if (c->req_ok) {
			rec->st.requested_xcr0 = c->req_xcr0;
			rec->st.have_requested_xcr0 = true;
		}
		raw_spin_unlock(&rec->lock);
	}
	if (reason != KXP_REASON_OK || kxp_log_all)
		kxp_emit(c, rec, KXP_OP_SET_CPUID, ret, reason, now,
			 c->old_gs_xcr0, changed, true);
}

/*
 * KVM_SET_SREGS2: a failure is cr4_reserved when the requested CR4 has
 * bits this vCPU's CPUID reserves (KVM refuses such a CR4 whatever else
 * the call holds), else other. No prediction for accepted calls: nothing
 * to compare, so no classify_mismatch noise.
 */
static void kxp_done_set_sregs(struct kxp_ioctl_ctx *c, struct kxp_vcpu *rec,
			       int ret)
{
	enum kxp_reason reason = KXP_REASON_OK;
	u64 bits = 0;

	kxp_count(SET_SREGS);
	if (ret) {
		bits = c->raw_ok ? c->cr4 & c->cr4_rsvd : 0;
		if (ret == -EFAULT)
			reason = KXP_REASON_FAULT;
		else if (bits)
			reason = KXP_REASON_CR4_RESERVED;
		else
			reason = KXP_REASON_OTHER;
		kxp_count(REJECTED_SREGS);
	}

	if (rec) {
		raw_spin_lock(&rec->lock);
		rec->st.set_sregs++;
		if (ret) {
			rec->st.rejected_sregs++;
			rec->st.last_rejected_cr4 = c->cr4;
			rec->st.last_rejected_cr4_bits = bits;
			rec->st.last_sregs_reason = reason;
			kxp_note_failure(&rec->st, KXP_OP_SET_SREGS, reason,
					 bits);
		}
		kxp_note_load(rec, c->vcpu, KXP_OP_SET_SREGS, ret);
		raw_spin_unlock(&rec->lock);
	}

	if (ret || kxp_log_all)
		kxp_emit(c, rec, KXP_OP_SET_SREGS, ret, reason, c->cr4,
			 c->cr4_rsvd, bits, c->raw_ok);
}

/* Who called: copied and cleaned up only when the calling thread changes. */
static void kxp_note_caller(struct kxp_vcpu *rec)
{
	pid_t tid = task_pid_nr(current);

	if (likely(rec->caller_tid == tid &&
		   !memcmp(rec->caller_comm, current->comm, TASK_COMM_LEN)))
		return;
	rec->caller_tid = tid;
	memcpy(rec->caller_comm, current->comm, TASK_COMM_LEN);
	rec->st.pid = task_tgid_nr(current);
	kxp_current_process_comm(rec->st.comm);
	rec->st.tid = tid;
	kxp_current_comm(rec->st.thread_comm);
}

static int kxp_ioctl_return(struct kretprobe_instance *ri,
			    struct pt_regs *regs)
{
	struct kxp_ioctl_ctx *c = (struct kxp_ioctl_ctx *)ri->data;
	int ret = (int)regs_return_value(regs);
	struct kvm_vcpu *vcpu = c->vcpu;
	struct kxp_vcpu *rec = c->rec;
	struct kxp_pending untracked = {}, *p = &untracked;

	/* Without a record: still counted and logged, like any other. */
	if (!rec) {
		kxp_count(UNTRACKED_IOCTLS);
		if (c->ioctl == KVM_SET_XSAVE)
			kxp_untracked_set(c, p);
		else if (c->ioctl == KVM_GET_XSAVE ||
			 c->ioctl == KVM_GET_XSAVE2)
			kxp_untracked_get(c, p, ret);
	} else {
		p = &rec->pend;
		/* The vCPU's masks as KVM left them after this ioctl. */
		raw_spin_lock(&rec->lock);
		rec->st.guest_supported_xcr0 = vcpu->arch.guest_supported_xcr0;
		rec->st.xcr0 = vcpu->arch.xcr0;
		rec->st.user_xfeatures =
			vcpu->arch.guest_fpu.fpstate->user_xfeatures;
		rec->st.xfd = vcpu->arch.guest_fpu.fpstate->xfd;
		kxp_note_caller(rec);
		raw_spin_unlock(&rec->lock);
	}

	switch (c->ioctl) {
	case KVM_SET_XSAVE:
		kxp_done_set_xsave(c, rec, p, ret);
		break;
	case KVM_GET_XSAVE:
	case KVM_GET_XSAVE2:
		kxp_done_get_xsave(c, rec, p, ret);
		break;
	case KVM_SET_XCRS:
		kxp_done_set_xcrs(c, rec, ret);
		break;
	case KVM_SET_SREGS2:
		kxp_done_set_sregs(c, rec, ret);
		break;
	default:
		kxp_done_set_cpuid(c, rec, ret);
		break;
	}
	return 0;
}

NOKPROBE_SYMBOL(kxp_ioctl_return);

static struct kxp_vcpu *kxp_rec_of_gfpu(struct fpu_guest *gfpu)
{
	return kxp_track(container_of(gfpu, struct kvm_vcpu, arch.guest_fpu));
}

/* An entry probe is enough: the ioctl's return value is the helper's. */
static int kxp_set_fpu_pre(struct kprobe *kp, struct pt_regs *regs)
{
	struct fpu_guest *gfpu = (void *)regs_get_kernel_argument(regs, 0);
	const u8 *buf = (const void *)regs_get_kernel_argument(regs, 1);
	struct kxp_load_limits lim = {
		.mask = regs_get_kernel_argument(regs, 2),
		.user_xfeatures = gfpu->fpstate->user_xfeatures,
		.mxcsr_feature_mask = kxp_host.mxcsr_feature_mask,
	};
	struct kxp_vcpu *rec = kxp_rec_of_gfpu(gfpu);
	struct kxp_pending *p;
	u32 mxcsr;

	/* Learned with or without a record: untracked loads need it too. */
	WRITE_ONCE(kxp_host.kvm_supported_xcr0, lim.mask);
	if (!rec)
		return 0;
	p = &rec->pend;
	/* @buf is KVM's kernel copy of the user buffer. */
	memcpy(&p->set_hdr, buf + KXP_XSAVE_HDR_OFFSET, sizeof(p->set_hdr));
	memcpy(&mxcsr, buf + KXP_MXCSR_OFFSET, sizeof(mxcsr));
	p->set_xfd = gfpu->fpstate->xfd;
	p->set_reason = kxp_classify_load(&p->set_hdr, mxcsr, &lim,
					  &p->set_bits, &p->set_mask);
	p->set_seen = true;
	return 0;
}

NOKPROBE_SYMBOL(kxp_set_fpu_pre);

/*
 * What GET may export: the in-kernel XSTATE_BV and the mask. The ioctl
 * return compares it with the header userspace received.
 */
static int kxp_get_fpu_pre(struct kprobe *kp, struct pt_regs *regs)
{
	struct fpu_guest *gfpu = (void *)regs_get_kernel_argument(regs, 0);
	struct fpstate *fps = gfpu->fpstate;
	struct kxp_vcpu *rec = kxp_rec_of_gfpu(gfpu);
	struct kxp_pending *p;

	if (!rec || regs_get_kernel_argument(regs, 2) <
		    KXP_XSAVE_HDR_OFFSET + sizeof(u64))
		return 0;
	p = &rec->pend;
	p->get_state_bv = fps->regs.xsave.header.xfeatures &
			  fps->user_xfeatures;
	/* Before the 2023 fix GET exported everything user_xfeatures held. */
	p->get_mask = KXP_UABI_XFEATURES_ARG ?
		      regs_get_kernel_argument(regs, 3) : fps->user_xfeatures;
	p->get_seen = true;
	return 0;
}

NOKPROBE_SYMBOL(kxp_get_fpu_pre);

static int kxp_create_entry(struct kretprobe_instance *ri,
			    struct pt_regs *regs)
{
	*(struct kvm_vcpu **)ri->data =
		(struct kvm_vcpu *)regs_get_kernel_argument(regs, 0);
	return 0;
}

NOKPROBE_SYMBOL(kxp_create_entry);

static int kxp_create_return(struct kretprobe_instance *ri,
			     struct pt_regs *regs)
{
	/* A failed create frees the vCPU without kvm_arch_vcpu_destroy. */
	if (regs_return_value(regs) == 0)
		kxp_track(*(struct kvm_vcpu **)ri->data);
	return 0;
}

NOKPROBE_SYMBOL(kxp_create_return);

static int kxp_destroy_pre(struct kprobe *kp, struct pt_regs *regs)
{
	kxp_vcpu_forget((void *)regs_get_kernel_argument(regs, 0));
	return 0;
}

NOKPROBE_SYMBOL(kxp_destroy_pre);

enum kxp_probe_state {
	KXP_PROBE_WAITING,	/* its module is not loaded */
	KXP_PROBE_ARMED,
	KXP_PROBE_GONE,		/* its module was unloaded */
	KXP_PROBE_FAILED,
};

struct kxp_probe {
	bool in_kvm;		/* the symbol lives in kvm.ko */
	bool is_ret;
	struct kprobe kp;
	struct kretprobe rp;
	enum kxp_probe_state state;
	int err;
	unsigned long missed_before;	/* nmissed of earlier arms */
};

#define KXP_KRETPROBE(sym, kvm, entry, ret, size) {			\
	.in_kvm = kvm, .is_ret = true,					\
	.rp = { .kp.symbol_name = #sym, .entry_handler = entry,		\
		.handler = ret, .data_size = size },			\
}

#define KXP_KPROBE(sym, kvm, pre) {					\
	.in_kvm = kvm,							\
	.kp = { .symbol_name = #sym, .pre_handler = pre },		\
}

static struct kxp_probe kxp_probes[] = {
	/*
	 * Armed first: a vCPU tracked by the probes below while this one
	 * was not armed yet could be destroyed unseen, its record stale.
	 */
	KXP_KPROBE(kvm_arch_vcpu_destroy, true, kxp_destroy_pre),
	KXP_KRETPROBE(kvm_arch_vcpu_ioctl, true, kxp_ioctl_entry,
		      kxp_ioctl_return, sizeof(struct kxp_ioctl_ctx)),
	KXP_KPROBE(fpu_copy_uabi_to_guest_fpstate, false, kxp_set_fpu_pre),
	KXP_KPROBE(fpu_copy_guest_fpstate_to_uabi, false, kxp_get_fpu_pre),
	KXP_KRETPROBE(kvm_arch_vcpu_create, true, kxp_create_entry,
		      kxp_create_return, sizeof(struct kvm_vcpu *)),
};

/* Serializes arming against the module notifier. */
static DEFINE_MUTEX(kxp_probe_mutex);

static const char *kxp_probe_name(const struct kxp_probe *p)
{
	return p->is_ret ? p->rp.kp.symbol_name : p->kp.symbol_name;
}

static unsigned long kxp_probe_nmissed(const struct kxp_probe *p)
{
	if (p->state != KXP_PROBE_ARMED)
		return p->missed_before;
	if (p->is_ret)
		return p->missed_before + p->rp.nmissed + p->rp.kp.nmissed;
	return p->missed_before + p->kp.nmissed;
}

static void kxp_arm(struct kxp_probe *p)
{
	const char *sym = kxp_probe_name(p);
	int err;

	if (p->state == KXP_PROBE_ARMED)
		return;
	/* register_*probe() writes into the struct: start clean. */
	if (p->is_ret) {
		struct kretprobe rp = {
			.kp.symbol_name = sym,
			.entry_handler = p->rp.entry_handler,
			.handler = p->rp.handler,
			.data_size = p->rp.data_size,
			.maxactive = kxp_maxactive,
		};

		p->rp = rp;
		err = register_kretprobe(&p->rp);
	} else {
		struct kprobe kp = {
			.symbol_name = sym,
			.pre_handler = p->kp.pre_handler,
		};

		p->kp = kp;
		err = register_kprobe(&p->kp);
	}
	p->err = err;
	if (!err)
		p->state = KXP_PROBE_ARMED;
	else if (p->in_kvm && err == -ENOENT)
		p->state = KXP_PROBE_WAITING;
	else
		p->state = KXP_PROBE_FAILED;
	if (err && p->state == KXP_PROBE_FAILED)
		pr_err("cannot probe %s: %d\n", sym, err);
}

static void kxp_disarm(struct kxp_probe *p, enum kxp_probe_state to)
{
	if (p->state != KXP_PROBE_ARMED)
		return;
	p->missed_before = kxp_probe_nmissed(p);
	if (p->is_ret)
		unregister_kretprobe(&p->rp);
	else
		unregister_kprobe(&p->kp);
	p->state = to;
}

/*
 * A kvm.ko symbol that is missing while kvm is loaded will never appear:
 * failed(-ENOENT), not waiting. kvm is loaded when the notifier says so,
 * or when another of its probes armed (find_module() is not exported).
 */
static void kxp_arm_all(bool kvm_only, bool kvm_live)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(kxp_probes); i++)
		if (!kvm_only || kxp_probes[i].in_kvm)
			kxp_arm(&kxp_probes[i]);
	for (i = 0; i < ARRAY_SIZE(kxp_probes); i++)
		kvm_live |= kxp_probes[i].in_kvm &&
			    kxp_probes[i].state == KXP_PROBE_ARMED;
	for (i = 0; kvm_live && i < ARRAY_SIZE(kxp_probes); i++) {
		struct kxp_probe *p = &kxp_probes[i];

		if (p->state != KXP_PROBE_WAITING || p->err != -ENOENT)
			continue;
		p->state = KXP_PROBE_FAILED;
		pr_err("cannot probe %s: kvm is loaded without it (%d)\n",
		       kxp_probe_name(p), p->err);
	}
}

static int kxp_module_notify(struct notifier_block *nb, unsigned long action,
			     void *data)
{
	struct module *mod = data;
	unsigned int i;

	if (strcmp(mod->name, "kvm"))
		return NOTIFY_DONE;
	mutex_lock(&kxp_probe_mutex);
	if (action == MODULE_STATE_LIVE) {
		kxp_arm_all(true, true);
		pr_info("kvm loaded: probes armed\n");
	} else if (action == MODULE_STATE_GOING) {
		for (i = 0; i < ARRAY_SIZE(kxp_probes); i++)
			if (kxp_probes[i].in_kvm)
				kxp_disarm(&kxp_probes[i], KXP_PROBE_GONE);
		pr_info("kvm unloading: its probes are gone\n");
	}
	mutex_unlock(&kxp_probe_mutex);
	return NOTIFY_OK;
}

static struct notifier_block kxp_module_nb = {
	.notifier_call = kxp_module_notify,
};

int kxp_probes_init(void)
{
	unsigned int i;
	int err;

	err = register_module_notifier(&kxp_module_nb);
	if (err)
		return err;
	mutex_lock(&kxp_probe_mutex);
	kxp_arm_all(false, false);
	for (i = 0; i < ARRAY_SIZE(kxp_probes); i++)
		if (kxp_probes[i].state == KXP_PROBE_FAILED)
			err = kxp_probes[i].err;
	mutex_unlock(&kxp_probe_mutex);
	if (err) {
		kxp_probes_exit();
		return err;
	}
	if (kxp_probes[0].state == KXP_PROBE_WAITING)
		pr_info("kvm is not loaded: its probes arm when it is\n");
	return 0;
}

void kxp_probes_exit(void)
{
	unsigned int i;

	unregister_module_notifier(&kxp_module_nb);
	mutex_lock(&kxp_probe_mutex);
	for (i = 0; i < ARRAY_SIZE(kxp_probes); i++) {
		struct kxp_probe *p = &kxp_probes[i];

		kxp_disarm(p, KXP_PROBE_WAITING);
		if (p->missed_before)
			pr_info("%s missed %lu calls (maxactive=%u)\n",
				kxp_probe_name(p), p->missed_before,
				kxp_maxactive);
	}
	mutex_unlock(&kxp_probe_mutex);
}

void kxp_probes_show(struct seq_file *m)
{
	static const char *const states[] = {
		"waiting", "armed", "gone", "failed",
	};
	unsigned int i;

	mutex_lock(&kxp_probe_mutex);
	for (i = 0; i < ARRAY_SIZE(kxp_probes); i++) {
		const struct kxp_probe *p = &kxp_probes[i];

		if (p->state == KXP_PROBE_FAILED)
			seq_printf(m, "probe.%s: failed(%d) nmissed=%lu\n",
				   kxp_probe_name(p), p->err,
				   kxp_probe_nmissed(p));
		else
			seq_printf(m, "probe.%s: %s nmissed=%lu\n",
				   kxp_probe_name(p), states[p->state],
				   kxp_probe_nmissed(p));
	}
	mutex_unlock(&kxp_probe_mutex);
}

/* Set by `reset`: probe_missed counts from there, like the counters. */
static u64 kxp_missed_base;

static u64 kxp_probes_missed_locked(void)
{
	unsigned int i;
	u64 sum = 0;

	for (i = 0; i < ARRAY_SIZE(kxp_probes); i++)
		sum += kxp_probe_nmissed(&kxp_probes[i]);
	return sum;
}

u64 kxp_probes_missed(void)
{
	u64 sum;

	mutex_lock(&kxp_probe_mutex);
	sum = kxp_probes_missed_locked() - kxp_missed_base;
	mutex_unlock(&kxp_probe_mutex);
	return sum;
}

void kxp_probes_missed_reset(void)
{
	mutex_lock(&kxp_probe_mutex);
	kxp_missed_base = kxp_probes_missed_locked();
	mutex_unlock(&kxp_probe_mutex);
}
