/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Pure classification of KVM_SET_XSAVE and KVM_SET_XCRS outcomes, in the
 * order KVM and the x86 FPU code run their checks, so that the first check
 * that fails names the reason. No kernel dependencies: the userspace
 * fuzzer (tests/fuzz/classify_fuzz.c) compiles this file too. Include
 * kxp_names.h and provide u8/u32/u64 before including it.
 *
 * Sources of truth (6.1.192): fpu_copy_uabi_to_guest_fpstate() and
 * copy_uabi_to_xstate()/validate_user_xstate_header() in
 * arch/x86/kernel/fpu/, kvm_vcpu_ioctl_x86_set_xcrs() and __kvm_set_xcr()
 * in arch/x86/kvm/x86.c.
 */
#ifndef KXP_CLASSIFY_H
#define KXP_CLASSIFY_H

#define KXP_XSAVE_HDR_OFFSET	512	/* XSTATE_BV in the uabi buffer */
#define KXP_XSAVE_HDR_SIZE	64
#define KXP_MXCSR_OFFSET	24

#ifndef BIT_ULL
#define BIT_ULL(nr)	(1ULL << (nr))
#endif

#define KXP_X_FP	BIT_ULL(0)
#define KXP_X_SSE	BIT_ULL(1)
#define KXP_X_YMM	BIT_ULL(2)
#define KXP_X_BNDREGS	BIT_ULL(3)
#define KXP_X_BNDCSR	BIT_ULL(4)
#define KXP_X_AVX512	(0x7ULL << 5)
#define KXP_X_PKRU	BIT_ULL(9)
#define KXP_X_XTILE	(0x3ULL << 17)

/* The XSAVE header as KVM's uabi buffer carries it. */
struct kxp_xsave_hdr {
	u64 xstate_bv;
	u64 xcomp_bv;
	u64 reserved[6];
};

/* What the FPU code checks a load against. */
struct kxp_load_limits {
	u64 mask;		/* mask argument: KVM-supported XCR0 */
	u64 user_xfeatures;	/* fpstate->user_xfeatures */
	u32 mxcsr_feature_mask;
};

/*
 * Predict fpu_copy_uabi_to_guest_fpstate() on an XSAVE host. Returns the
 * reason (KXP_REASON_OK when the load is accepted); *bits and *mask_used
 * say which bits were at fault and against which mask.
 */
static inline enum kxp_reason
kxp_classify_load(const struct kxp_xsave_hdr *hdr, u32 mxcsr,
		  const struct kxp_load_limits *lim, u64 *bits, u64 *mask_used)
{
	const u64 mxcsr_users = KXP_X_FP | KXP_X_SSE | KXP_X_YMM;
	unsigned int i;

	*bits = 0;
	*mask_used = lim->mask;
	if (hdr->xstate_bv & ~lim->mask) {
		*bits = hdr->xstate_bv & ~lim->mask;
		return KXP_REASON_UNSUPPORTED;
	}
	if (hdr->xstate_bv & ~lim->user_xfeatures) {
		*bits = hdr->xstate_bv & ~lim->user_xfeatures;
		*mask_used = lim->user_xfeatures;
		return KXP_REASON_NOT_PERMITTED;
	}
	if (hdr->xcomp_bv) {
		*bits = hdr->xcomp_bv;
		return KXP_REASON_COMPACTED;
	}
	for (i = 0; i < 6; i++)
		if (hdr->reserved[i])
			return KXP_REASON_RESERVED_HEADER;
	if ((hdr->xstate_bv & mxcsr_users) &&
	    (mxcsr & ~lim->mxcsr_feature_mask)) {
		*bits = mxcsr & ~lim->mxcsr_feature_mask;
		return KXP_REASON_MXCSR;
	}
	return KXP_REASON_OK;
}

/* __kvm_set_xcr()'s dependency rules, without the guest-supported check. */
static inline int kxp_xcr0_consistent(u64 xcr0)
{
	if (!(xcr0 & KXP_X_FP))
		return 0;
	if ((xcr0 & KXP_X_YMM) && !(xcr0 & KXP_X_SSE))
		return 0;
	if (!(xcr0 & KXP_X_BNDREGS) != !(xcr0 & KXP_X_BNDCSR))
		return 0;
	if ((xcr0 & KXP_X_AVX512) &&
	    (!(xcr0 & KXP_X_YMM) || (xcr0 & KXP_X_AVX512) != KXP_X_AVX512))
		return 0;
	if ((xcr0 & KXP_X_XTILE) && (xcr0 & KXP_X_XTILE) != KXP_X_XTILE)
		return 0;
	return 1;
}

/* The parts of struct kvm_xcrs that KVM_SET_XCRS looks at. */
struct kxp_xcrs_req {
	u32 nr_xcrs;
	u32 flags;
	u32 has_xcr0;		/* an entry with xcr == 0 among nr_xcrs */
	u64 xcr0;		/* the first such entry's value */
};

#define KXP_MAX_XCRS 16

/*
 * Predict kvm_vcpu_ioctl_x86_set_xcrs() on an XSAVE host. *bits gets the
 * requested bits outside guest-supported XCR0 | FP.
 */
static inline enum kxp_reason
kxp_classify_xcrs(const struct kxp_xcrs_req *req, u64 guest_supported,
		  u64 *bits)
{
	u64 valid = guest_supported | KXP_X_FP;

	*bits = 0;
	if (req->nr_xcrs > KXP_MAX_XCRS || req->flags)
		return KXP_REASON_XCRS_FORMAT;
	if (!req->has_xcr0)
		return KXP_REASON_OK;
	/* __kvm_set_xcr checks FP and YMM-needs-SSE before the mask. */
	if (!(req->xcr0 & KXP_X_FP) ||
	    ((req->xcr0 & KXP_X_YMM) && !(req->xcr0 & KXP_X_SSE)))
		return KXP_REASON_XCR0_INVALID;
	if (req->xcr0 & ~valid) {
		*bits = req->xcr0 & ~valid;
		return KXP_REASON_XCR0_UNSUPPORTED;
	}
	if (!kxp_xcr0_consistent(req->xcr0))
		return KXP_REASON_XCR0_INVALID;
	return KXP_REASON_OK;
}

#endif /* KXP_CLASSIFY_H */
