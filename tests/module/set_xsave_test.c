// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_SET_XSAVE: every rejection reason this host can produce, provoked
 * through the real ioctl, must show in the vCPU's files and the event log
 * with the offending bits.
 */
#include <string.h>
#include <sys/mman.h>

#include "kxp_fixture.h"

/* Load @buf, expect @err, then check the record and the event. */
static void expect_reject(struct __test_metadata *_metadata,
			  struct kxp_vcpu *vcpu, const uint8_t *buf, int err,
			  const char *reason, uint64_t bits, const char *names)
{
	struct kxp_ev ev;
	char s[64];

	ASSERT_EQ(err, kxp_set_xsave(vcpu, buf));
	EXPECT_EQ(1, kxp_vcpu_u64(vcpu, "set_xsave"));
	EXPECT_EQ(1, kxp_vcpu_u64(vcpu, "rejected_loads"));
	ASSERT_EQ(0, kxp_vcpu_str(vcpu, "last_reject_reason", s, sizeof(s)));
	EXPECT_STREQ(reason, s);
	EXPECT_EQ(bits, kxp_vcpu_u64(vcpu, "last_rejected_bits"));
	ASSERT_EQ(0, kxp_last_event(vcpu, "set_xsave", reason, &ev));
	EXPECT_EQ(err, ev.ret);
	EXPECT_EQ(bits, ev.bits);
	EXPECT_STREQ(names, ev.names);
	EXPECT_EQ(getpid(), ev.pid);
	EXPECT_EQ(0, kxp_key_u64("stats", "classify_mismatch"));
}

TEST_F(vcpu, accepted_load_is_counted_not_logged)
{
	kxp_xsave_fill(self->buf, X_FP | X_SSE | X_YMM);
	ASSERT_EQ(0, kxp_set_xsave(&self->vcpu, self->buf));
	EXPECT_EQ(1, kxp_vcpu_u64(&self->vcpu, "set_xsave"));
	EXPECT_EQ(0, kxp_vcpu_u64(&self->vcpu, "rejected_loads"));
	EXPECT_EQ(X_FP | X_SSE | X_YMM,
		  kxp_vcpu_u64(&self->vcpu, "last_loaded_xstate_bv"));
	EXPECT_EQ(0, kxp_count_events(&self->vcpu, "set_xsave", NULL));
}

TEST_F(vcpu, unsupported_avx512)
{
	uint64_t kvm_xcr0 = kxp_supported_xcr0(&self->vm);
	struct kxp_ev ev;

	if (kvm_xcr0 & X_AVX512)
		SKIP(return, "this host's KVM supports AVX-512");
	kxp_xsave_fill(self->buf, X_FP | X_SSE | X_YMM | X_AVX512);
	expect_reject(_metadata, &self->vcpu, self->buf, -EINVAL,
		      "unsupported", X_AVX512, "opmask,zmm_hi256,hi16_zmm");
	EXPECT_EQ(X_FP | X_SSE | X_YMM | X_AVX512,
		  kxp_vcpu_u64(&self->vcpu, "last_rejected_xstate_bv"));
	/* The mask in the event and in info is KVM's own supported XCR0. */
	ASSERT_EQ(0, kxp_last_event(&self->vcpu, "set_xsave", NULL, &ev));
	EXPECT_EQ(kvm_xcr0, ev.mask);
	EXPECT_EQ(X_FP | X_SSE | X_YMM | X_AVX512, ev.xstate_bv);
	EXPECT_EQ(kvm_xcr0, kxp_key_u64("info", "kvm_supported_xcr0"));
}

TEST_F(vcpu, compacted_format)
{
	kxp_xsave_fill(self->buf, X_FP | X_SSE);
	*(uint64_t *)(self->buf + 520) = (1ULL << 63) | X_FP | X_SSE;
	expect_reject(_metadata, &self->vcpu, self->buf, -EINVAL,
		      "compacted", (1ULL << 63) | X_FP | X_SSE, "-");
}

TEST_F(vcpu, reserved_header_bytes)
{
	kxp_xsave_fill(self->buf, X_FP | X_SSE);
	self->buf[560] = 1;
	expect_reject(_metadata, &self->vcpu, self->buf, -EINVAL,
		      "reserved_header", 0, "-");
}

TEST_F(vcpu, reserved_mxcsr_bits)
{
	uint32_t mxcsr = 0xffff0000 | 0x1f80;
	uint32_t mask = kxp_key_u64("info", "mxcsr_feature_mask");

	kxp_xsave_fill(self->buf, X_FP | X_SSE);
	memcpy(self->buf + 24, &mxcsr, sizeof(mxcsr));
	expect_reject(_metadata, &self->vcpu, self->buf, -EINVAL, "mxcsr",
		      mxcsr & ~mask, "-");
}

TEST_F(vcpu, fault_on_unreadable_buffer)
{
	void *p = mmap(NULL, KXP_XSAVE_SIZE, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint64_t unavailable = kxp_key_u64("stats", "raw_header_unavailable");
	static char events[1 << 20];

	ASSERT_NE(MAP_FAILED, p);
	expect_reject(_metadata, &self->vcpu, p, -EFAULT, "fault", 0, "-");
	/* The raw header could not be read either, and that is counted. */
	EXPECT_EQ(unavailable + 1,
		  kxp_key_u64("stats", "raw_header_unavailable"));
	/* No header at all: the event says so instead of a 0 as data. */
	ASSERT_LT(0, kxp_read_file(KXP_DEBUGFS "/events", events,
				   sizeof(events)));
	EXPECT_NE(NULL, strstr(events, " reason=fault xstate_bv=- mask="));
	munmap(p, KXP_XSAVE_SIZE);
}

/*
 * Bits KVM supports but the vCPU's fpstate may not load (user_xfeatures).
 * Since the 2023 ABI fix only a dynamic feature without permission (AMX)
 * is such a bit. Before it (trait.uabi_xfeatures_arg: no), KVM_SET_CPUID2
 * narrowed user_xfeatures to the guest-supported XCR0, so state of a
 * feature the host has but the CPUID hides (AVX here) was refused: the
 * migration failure the fix was for.
 */
TEST_F(vcpu, not_permitted)
{
	int fixed = kxp_trait("uabi_xfeatures_arg");
	uint64_t kvm_xcr0, user, bits;
	struct kxp_ev ev;
	char s[64];

	ASSERT_LE(0, fixed);
	if (!fixed)
		ASSERT_EQ(0, kxp_set_cpuid(&self->vcpu, X_YMM));
	kxp_xsave_fill(self->buf, X_FP | X_SSE);
	ASSERT_EQ(0, kxp_set_xsave(&self->vcpu, self->buf));
	kvm_xcr0 = kxp_supported_xcr0(&self->vm);
	user = kxp_vcpu_u64(&self->vcpu, "user_xfeatures");
	bits = kvm_xcr0 & ~user;
	if (!bits)
		SKIP(return,
		     "KVM-supported XCR0 0x%llx is within user_xfeatures 0x%llx: no dynamic feature (AMX) on this host",
		     (unsigned long long)kvm_xcr0, (unsigned long long)user);
	if (!fixed)
		ASSERT_EQ(X_YMM, bits);
	kxp_xsave_fill(self->buf, X_FP | X_SSE | bits);
	ASSERT_EQ(-EINVAL, kxp_set_xsave(&self->vcpu, self->buf));
	EXPECT_EQ(1, kxp_vcpu_u64(&self->vcpu, "rejected_loads"));
	ASSERT_EQ(0, kxp_vcpu_str(&self->vcpu, "last_reject_reason", s,
				  sizeof(s)));
	EXPECT_STREQ("not_permitted", s);
	EXPECT_EQ(bits, kxp_vcpu_u64(&self->vcpu, "last_rejected_bits"));
	ASSERT_EQ(0, kxp_last_event(&self->vcpu, "set_xsave", "not_permitted",
				    &ev));
	EXPECT_EQ(-EINVAL, ev.ret);
	EXPECT_EQ(bits, ev.bits);
	if (!fixed)
		EXPECT_STREQ("ymm", ev.names);
	EXPECT_EQ(0, kxp_key_u64("stats", "classify_mismatch"));
}

TEST_F(vcpu, first_failing_check_names_the_reason)
{
	/* Unsupported bits and a compacted header: KVM checks bits first. */
	kxp_xsave_fill(self->buf, X_FP | X_SSE | X_AVX512);
	*(uint64_t *)(self->buf + 520) = 1ULL << 63;
	self->buf[560] = 1;
	if (kxp_supported_xcr0(&self->vm) & X_AVX512)
		SKIP(return, "this host's KVM supports AVX-512");
	expect_reject(_metadata, &self->vcpu, self->buf, -EINVAL,
		      "unsupported", X_AVX512, "opmask,zmm_hi256,hi16_zmm");
}

TEST_HARNESS_MAIN
