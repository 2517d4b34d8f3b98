/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one place where kernel differences are absorbed. The KXP_HAVE_*
 * answers come from module/gen-compat.sh; nothing here tests a version.
 */
#ifndef KXP_COMPAT_H
#define KXP_COMPAT_H

#include <linux/kvm_host.h>
#include <asm/fpu/api.h>

#include "kxp_compat_gen.h"

#ifdef KXP_HAVE_CPUID_API_H
#include <asm/cpuid/api.h>	/* cpuid_count(); asm/processor.h before */
#endif

#ifdef KXP_HAVE_SYSTEM_DFL_WQ
#define kxp_unbound_wq system_dfl_wq
#else
#define kxp_unbound_wq system_unbound_wq
#endif

#ifdef KXP_HAVE_RDMSRQ
#define kxp_rdmsr_safe(msr, val) rdmsrq_safe(msr, val)
#else
#define kxp_rdmsr_safe(msr, val) rdmsrl_safe(msr, val)
#endif

/*
 * Every probed function's prototype, pinned: the handlers read its
 * arguments from registers, so a kernel with another layout must fail to
 * build rather than read the wrong one. All are declared in the headers.
 */
#define kxp_pin(fn, type) static_assert(__same_type(&(fn), type))
kxp_pin(kvm_arch_vcpu_ioctl, long (*)(struct file *, unsigned int,
				      unsigned long));
kxp_pin(kvm_arch_vcpu_create, int (*)(struct kvm_vcpu *));
kxp_pin(kvm_arch_vcpu_destroy, void (*)(struct kvm_vcpu *));
kxp_pin(fpu_copy_uabi_to_guest_fpstate,
	int (*)(struct fpu_guest *, const void *, u64, u32 *));

/*
 * The 2023 KVM_SET_XSAVE ABI fix (6.1.60, 6.6) put the exported mask in
 * front of PKRU: (gfpu, buf, size, u64 xfeatures, u32 pkru). Before it:
 * (gfpu, buf, size, u32 pkru). Which one is a compile-time constant.
 */
#define KXP_UABI_XFEATURES_ARG						\
	__same_type(&fpu_copy_guest_fpstate_to_uabi,			\
		    void (*)(struct fpu_guest *, void *, unsigned int, u64,	\
			     u32))
static_assert(KXP_UABI_XFEATURES_ARG ||
	      __same_type(&fpu_copy_guest_fpstate_to_uabi,
			  void (*)(struct fpu_guest *, void *, unsigned int,
				   u32)));

/* CR4 bits this vCPU's CPUID reserves; 0 (unknown) without the field. */
#ifdef KXP_HAVE_CR4_GUEST_RSVD_BITS
#define kxp_cr4_guest_rsvd_bits(vcpu) ((u64)(vcpu)->arch.cr4_guest_rsvd_bits)
#else
#define kxp_cr4_guest_rsvd_bits(vcpu) 0ULL
#endif

/* VM exits of this vCPU so far; 0 (never ran, as far as we know) without. */
#ifdef KXP_HAVE_VCPU_STAT_EXITS
#define kxp_vcpu_stat_exits(vcpu) READ_ONCE((vcpu)->stat.exits)
#else
#define kxp_vcpu_stat_exits(vcpu) 0ULL
#endif

/* What the feature tests found, for `info`. */
static const struct {
	const char *name;
	bool present;
} kxp_compat_traits[] = {
	{ "uabi_xfeatures_arg", KXP_UABI_XFEATURES_ARG },
#ifdef KXP_HAVE_VCPU_STAT_EXITS
	{ "vcpu_stat_exits", true },
#else
	{ "vcpu_stat_exits", false },
#endif
#ifdef KXP_HAVE_CR4_GUEST_RSVD_BITS
	{ "cr4_guest_rsvd_bits", true },
#else
	{ "cr4_guest_rsvd_bits", false },
#endif
};

#endif /* KXP_COMPAT_H */
