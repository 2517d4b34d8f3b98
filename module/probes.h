/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The probe handlers (probes.c), for the table that registers them
 * (registry.c).
 */
#ifndef KXP_PROBES_H
#define KXP_PROBES_H

#include <linux/kprobes.h>

#include "kxp.h"

struct kvm_vcpu;

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

/* kvm_arch_vcpu_ioctl: data is a struct kxp_ioctl_ctx. */
int kxp_ioctl_entry(struct kretprobe_instance *ri, struct pt_regs *regs);
int kxp_ioctl_return(struct kretprobe_instance *ri, struct pt_regs *regs);
/* fpu_copy_uabi_to_guest_fpstate, fpu_copy_guest_fpstate_to_uabi */
int kxp_set_fpu_pre(struct kprobe *kp, struct pt_regs *regs);
int kxp_get_fpu_pre(struct kprobe *kp, struct pt_regs *regs);
/* kvm_arch_vcpu_create: data is the struct kvm_vcpu pointer. */
int kxp_create_entry(struct kretprobe_instance *ri, struct pt_regs *regs);
int kxp_create_return(struct kretprobe_instance *ri, struct pt_regs *regs);
int kxp_destroy_pre(struct kprobe *kp, struct pt_regs *regs);

#endif /* KXP_PROBES_H */
