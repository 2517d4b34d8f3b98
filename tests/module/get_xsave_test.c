// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_GET_XSAVE{,2} trims the state to what the guest's CPUID allows. Put
 * YMM state into a vCPU whose CPUID lacks AVX (accepted since the 2023
 * fix), read it back, and check the module names the trimmed YMM exactly.
 */
#include "kxp_fixture.h"

/* Before the 2023 fix the load below is refused (set_xsave_test checks). */
static bool before_fix(void)
{
	return kxp_trait("uabi_xfeatures_arg") == 0;
}

#define BEFORE_FIX "kernel without the 2023 KVM_SET_XSAVE ABI fix " \
	"(trait.uabi_xfeatures_arg: no): YMM cannot be loaded into a vCPU " \
	"whose CPUID lacks AVX, so there is nothing to trim"

static void load_ymm_into_no_avx_vcpu(struct __test_metadata *_metadata,
				      FIXTURE_DATA(vcpu) *self)
{
	uint64_t gs;

	ASSERT_EQ(0, kxp_set_cpuid(&self->vcpu, X_YMM));
	gs = kxp_vcpu_u64(&self->vcpu, "guest_supported_xcr0");
	ASSERT_EQ(0, gs & X_YMM);
	kxp_xsave_fill(self->buf, X_FP | X_SSE | X_YMM);
	ASSERT_EQ(0, kxp_set_xsave(&self->vcpu, self->buf));
}

static void check_trim(struct __test_metadata *_metadata,
		       FIXTURE_DATA(vcpu) *self, bool xsave2)
{
	const char *op = xsave2 ? "get_xsave2" : "get_xsave";
	uint64_t returned;
	struct kxp_ev ev;

	ASSERT_EQ(0, kxp_get_xsave(&self->vcpu, self->buf, xsave2));
	returned = *kxp_xstate_bv(self->buf);
	ASSERT_EQ(0, returned & X_YMM);
	EXPECT_EQ(1, kxp_vcpu_u64(&self->vcpu, "get_xsave"));
	EXPECT_EQ(1, kxp_vcpu_u64(&self->vcpu, "trimmed_gets"));
	EXPECT_EQ(X_YMM, kxp_vcpu_u64(&self->vcpu, "trimmed_bits"));
	EXPECT_EQ(X_YMM, kxp_vcpu_u64(&self->vcpu, "last_trimmed_bits"));
	EXPECT_EQ(returned,
		  kxp_vcpu_u64(&self->vcpu, "last_returned_xstate_bv"));
	ASSERT_EQ(0, kxp_last_event(&self->vcpu, op, "trimmed", &ev));
	EXPECT_EQ(0, ev.ret);
	EXPECT_EQ(X_YMM, ev.bits);
	EXPECT_STREQ("ymm", ev.names);
	EXPECT_EQ(returned, ev.xstate_bv);
	/* The mask KVM passed: guest-supported XCR0 | FP | SSE. */
	EXPECT_EQ(kxp_vcpu_u64(&self->vcpu, "guest_supported_xcr0") |
		  X_FP | X_SSE, ev.mask);
}

TEST_F(vcpu, get_xsave_trims_ymm)
{
	if (before_fix())
		SKIP(return, BEFORE_FIX);
	load_ymm_into_no_avx_vcpu(_metadata, self);
	check_trim(_metadata, self, false);
}

TEST_F(vcpu, get_xsave2_trims_ymm)
{
	if (before_fix())
		SKIP(return, BEFORE_FIX);
	load_ymm_into_no_avx_vcpu(_metadata, self);
	check_trim(_metadata, self, true);
}

TEST_F(vcpu, untrimmed_get_is_counted_not_logged)
{
	kxp_xsave_fill(self->buf, X_FP | X_SSE | X_YMM);
	ASSERT_EQ(0, kxp_set_xsave(&self->vcpu, self->buf));
	ASSERT_EQ(0, kxp_get_xsave(&self->vcpu, self->buf, true));
	EXPECT_NE(0, *kxp_xstate_bv(self->buf) & X_YMM);
	EXPECT_EQ(1, kxp_vcpu_u64(&self->vcpu, "get_xsave"));
	EXPECT_EQ(0, kxp_vcpu_u64(&self->vcpu, "trimmed_gets"));
	EXPECT_EQ(0, kxp_count_events(&self->vcpu, "get_xsave2", NULL));
}

TEST_F(vcpu, get_into_unwritable_buffer_faults)
{
	ASSERT_EQ(-EFAULT, kxp_get_xsave(&self->vcpu, (void *)8, false));
	EXPECT_EQ(1, kxp_count_events(&self->vcpu, "get_xsave", "fault"));
}

TEST_HARNESS_MAIN
