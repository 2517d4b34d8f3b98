// SPDX-License-Identifier: GPL-2.0
/*
 * Coverage-guided fuzzer (libFuzzer) for the module's pure classification
 * code, module/kxp_classify.h, compiled for userspace with ASan and UBSan.
 *
 * Each input is one KVM_SET_XSAVE header with its limits, or one
 * KVM_SET_XCRS request, taken from the fuzzer's bytes. The answer of
 * kxp_classify_load()/kxp_classify_xcrs() must equal a reference written
 * here as a list of KVM's checks in the order the kernel runs them (6.1.192:
 * fpu_copy_uabi_to_guest_fpstate, validate_user_xstate_header,
 * copy_uabi_to_xstate's MXCSR check; kvm_vcpu_ioctl_x86_set_xcrs,
 * __kvm_set_xcr), with the reported bits and mask. A mismatch prints the
 * input and aborts: libFuzzer saves it as a crash file.
 *
 * The differential test against KVM itself is tests/reliability/fuzz_test.c;
 * this one explores the decision order, fast and without a guest.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint8_t u8;
typedef uint32_t u32;
typedef uint64_t u64;

#include "../../module/kxp_names.h"
#include "../../module/kxp_classify.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Bytes of the input, zero past its end. */
struct input {
	const u8 *data;
	size_t size, pos;
};

static u64 take(struct input *in, unsigned int bytes)
{
	u64 v = 0;
	unsigned int i;

	for (i = 0; i < bytes; i++, in->pos++)
		if (in->pos < in->size)
			v |= (u64)in->data[in->pos] << (8 * i);
	return v;
}

/*
 * Mostly the masks that matter (x87..PKRU, AVX-512, AMX), sometimes any
 * 64 bits: a selector byte picks.
 */
static u64 take_mask(struct input *in)
{
	u64 sel = take(in, 1), v = take(in, 8);

	return (sel & 3) ? v & 0x607ffULL : v;
}

/* One of KVM's load checks: does it fail, and with which bits and mask. */
struct load_check {
	enum kxp_reason reason;
	int (*fails)(const struct kxp_xsave_hdr *h, u32 mxcsr,
		     const struct kxp_load_limits *l, u64 *bits, u64 *mask);
};

static int outside_kvm_mask(const struct kxp_xsave_hdr *h, u32 mxcsr,
			    const struct kxp_load_limits *l, u64 *bits,
			    u64 *mask)
{
	*bits = h->xstate_bv & ~l->mask;
	*mask = l->mask;
	return *bits != 0;
}

static int outside_user_xfeatures(const struct kxp_xsave_hdr *h, u32 mxcsr,
				  const struct kxp_load_limits *l, u64 *bits,
				  u64 *mask)
{
	*bits = h->xstate_bv & ~l->user_xfeatures;
	*mask = l->user_xfeatures;
	return *bits != 0;
}

static int compacted(const struct kxp_xsave_hdr *h, u32 mxcsr,
		     const struct kxp_load_limits *l, u64 *bits, u64 *mask)
{
	*bits = h->xcomp_bv;
	*mask = l->mask;
	return *bits != 0;
}

static int reserved_header(const struct kxp_xsave_hdr *h, u32 mxcsr,
			   const struct kxp_load_limits *l, u64 *bits,
			   u64 *mask)
{
	static const u64 zero[6];

	*bits = 0;
	*mask = l->mask;
	return memcmp(h->reserved, zero, sizeof(zero)) != 0;
}

static int mxcsr_reserved(const struct kxp_xsave_hdr *h, u32 mxcsr,
			  const struct kxp_load_limits *l, u64 *bits, u64 *mask)
{
	/* Checked only when x87, SSE or YMM state is loaded. */
	int used = (h->xstate_bv & 0x7) != 0;

	*bits = used ? mxcsr & ~l->mxcsr_feature_mask : 0;
	*mask = l->mask;
	return *bits != 0;
}

static const struct load_check load_checks[] = {
	{ KXP_REASON_UNSUPPORTED, outside_kvm_mask },
	{ KXP_REASON_NOT_PERMITTED, outside_user_xfeatures },
	{ KXP_REASON_COMPACTED, compacted },
	{ KXP_REASON_RESERVED_HEADER, reserved_header },
	{ KXP_REASON_MXCSR, mxcsr_reserved },
};

/* A disagreement: say which, print the input, and let libFuzzer keep it. */
static void expect(int agreed, const char *what, const struct input *in)
{
	size_t i;

	if (agreed)
		return;
	fprintf(stderr, "classify_fuzz: %s; input:", what);
	for (i = 0; i < in->size; i++)
		fprintf(stderr, " %02x", in->data[i]);
	fprintf(stderr, "\n");
	abort();
}

static void check_load(struct input *in)
{
	struct kxp_xsave_hdr h;
	struct kxp_load_limits l;
	enum kxp_reason want = KXP_REASON_OK, got;
	u64 want_bits = 0, want_mask, bits, mask, b, m;
	u32 mxcsr;
	size_t i;

	l.mask = take_mask(in);
	l.user_xfeatures = take_mask(in);
	l.mxcsr_feature_mask = take(in, 4);
	h.xstate_bv = take_mask(in);
	h.xcomp_bv = take(in, 1) & 1 ? take(in, 8) : 0;
	for (i = 0; i < 6; i++)
		h.reserved[i] = take(in, 1) == 0xff ? take(in, 8) : 0;
	mxcsr = take(in, 4);

	want_mask = l.mask;
	for (i = 0; i < ARRAY_SIZE(load_checks); i++) {
		if (load_checks[i].fails(&h, mxcsr, &l, &b, &m)) {
			want = load_checks[i].reason;
			want_bits = b;
			want_mask = m;
			break;
		}
	}
	got = kxp_classify_load(&h, mxcsr, &l, &bits, &mask);
	expect(got == want, "load: another reason than KVM's first failing check",
	       in);
	expect(bits == want_bits, "load: other bits than the failing check's",
	       in);
	expect(mask == want_mask, "load: another mask than the failing check's",
	       in);
}

static void check_xcrs(struct input *in)
{
	struct kxp_xcrs_req r;
	enum kxp_reason want, got;
	u64 gs, valid, x, want_bits = 0, bits;
	int consistent;

	r.nr_xcrs = take(in, 1) & 0x1f;
	r.flags = take(in, 1) & 1 ? take(in, 4) : 0;
	r.has_xcr0 = take(in, 1) & 1;
	r.xcr0 = take_mask(in);
	gs = take_mask(in);
	valid = gs | KXP_X_FP;
	x = r.xcr0;

	/*
	 * __kvm_set_xcr's rules: x87 always; YMM needs SSE; BNDREGS and
	 * BNDCSR together; AVX-512 needs YMM and all three of its parts; the
	 * two AMX parts together.
	 */
	consistent = (x & 1) && (!(x & 4) || (x & 2)) &&
		     !(x & 8) == !(x & 16) &&
		     (!(x & 0xe0) || ((x & 4) && (x & 0xe0) == 0xe0)) &&
		     (!(x & 0x60000) || (x & 0x60000) == 0x60000);

	if (r.nr_xcrs > KXP_MAX_XCRS || r.flags)
		want = KXP_REASON_XCRS_FORMAT;
	else if (!r.has_xcr0)
		want = KXP_REASON_OK;
	else if (!(x & 1) || ((x & 4) && !(x & 2)))
		want = KXP_REASON_XCR0_INVALID;
	else if (x & ~valid) {
		want = KXP_REASON_XCR0_UNSUPPORTED;
		want_bits = x & ~valid;
	} else if (!consistent)
		want = KXP_REASON_XCR0_INVALID;
	else
		want = KXP_REASON_OK;

	got = kxp_classify_xcrs(&r, gs, &bits);
	expect(got == want, "xcrs: another reason than __kvm_set_xcr's", in);
	expect(bits == want_bits, "xcrs: other bits than the unsupported ones",
	       in);
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct input in = { data, size, 0 };

	if (take(&in, 1) & 1)
		check_xcrs(&in);
	else
		check_load(&in);
	return 0;
}
