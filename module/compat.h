/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one place where kernel differences are absorbed. The KXP_HAVE_*
 * answers come from module/gen-compat.sh; nothing here tests a version.
 */
#ifndef KXP_COMPAT_H
#define KXP_COMPAT_H

#include "kxp_compat_gen.h"

#ifdef KXP_HAVE_CPUID_API_H
#include <asm/cpuid/api.h>	/* cpuid_count(); asm/processor.h before */
#endif

#ifdef KXP_HAVE_RDMSRQ
#define kxp_rdmsr_safe(msr, val) rdmsrq_safe(msr, val)
#else
#define kxp_rdmsr_safe(msr, val) rdmsrl_safe(msr, val)
#endif

/* Since 6.12 a NULL .llseek is what no_llseek was: unseekable. */
#ifndef KXP_HAVE_NO_LLSEEK
#define no_llseek NULL
#endif

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
#ifdef KXP_HAVE_UABI_XFEATURES_ARG
	{ "uabi_xfeatures_arg", true },
#else
	{ "uabi_xfeatures_arg", false },
#endif
#ifdef KXP_HAVE_FPU_GUEST_PERM
	{ "fpu_guest_perm", true },
#else
	{ "fpu_guest_perm", false },
#endif
#ifdef KXP_HAVE_UNLOCKED_IOCTL_HOOK
	{ "unlocked_ioctl_hook", true },
#else
	{ "unlocked_ioctl_hook", false },
#endif
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
