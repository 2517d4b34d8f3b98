// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_SET_SREGS2 (what QEMU uses), the CR4 gates of XSAVE and PKRU: a CR4
 * with bits this vCPU's CPUID reserves (CR4.PKE without PKU) is refused
 * and recorded as cr4_reserved with the offending bits named; any other
 * refusal is `other` with no bits; an accepted call makes no event.
 * KVM_SET_SREGS never reaches the probed kvm_arch_vcpu_ioctl (kvm_main.c
 * handles it), so it is not watched.
 */
#include "kxp_fixture.h"

#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#define CR4_PKE (1ULL << 22)
#define EFER_LMA (1ULL << 10)

/* Macros, not functions: SKIP must return from the test itself. */
#define NEED_SREGS2(vm) do {						\
	if (ioctl((vm)->vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_SREGS2) <= 0)	\
		SKIP(return, "no KVM_CAP_SREGS2");			\
} while (0)

#define NEED_RSVD_TRAIT() do {						\
	if (kxp_trait("cr4_guest_rsvd_bits") != 1)			\
		SKIP(return, "this kernel keeps no per-vCPU reserved CR4 bits"); \
} while (0)

/* The last set_sregs event, the counters and the vCPU's record of it. */
static void expect_sregs_reject(struct __test_metadata *_metadata,
				struct kxp_vcpu *vcpu, uint64_t before,
				const char *reason, uint64_t cr4,
				uint64_t bits, const char *names)
{
	struct kxp_ev ev;

	EXPECT_EQ(before + 1, kxp_vcpu_u64(vcpu, "rejected_sregs"));
	EXPECT_EQ(cr4, kxp_vcpu_u64(vcpu, "last_rejected_cr4"));
	EXPECT_EQ(bits, kxp_vcpu_u64(vcpu, "last_rejected_cr4_bits"));
	ASSERT_EQ(0, kxp_last_event(vcpu, "set_sregs", NULL, &ev));
	EXPECT_STREQ(reason, ev.reason);
	EXPECT_EQ(-22, ev.ret);
	EXPECT_EQ(cr4, ev.xstate_bv);
	EXPECT_EQ(bits, ev.bits);
	EXPECT_STREQ(names, ev.names);
	EXPECT_EQ(0, kxp_key_u64("stats", "classify_mismatch"));
}

/* The vCPU's special registers as KVM_SET_SREGS2 takes them back. */
static void get_sregs2(struct __test_metadata *_metadata,
		       struct kxp_vcpu *vcpu, struct kvm_sregs2 *s)
{
	ASSERT_EQ(0, kxp_ioctl(vcpu->fd, KVM_GET_SREGS2, s));
	s->flags = 0;		/* no PDPTRs to load */
}

TEST_F(vcpu, pke_without_pku)
{
	uint64_t before = kxp_vcpu_u64(&self->vcpu, "rejected_sregs");
	uint64_t total = kxp_key_u64("stats", "rejected_sregs");
	struct kvm_sregs2 s;

	NEED_SREGS2(&self->vm);
	NEED_RSVD_TRAIT();
	ASSERT_EQ(0, kxp_set_cpuid(&self->vcpu, X_PKRU));
	get_sregs2(_metadata, &self->vcpu, &s);
	s.cr4 |= CR4_PKE;
	ASSERT_EQ(-EINVAL, kxp_ioctl(self->vcpu.fd, KVM_SET_SREGS2, &s));
	expect_sregs_reject(_metadata, &self->vcpu, before, "cr4_reserved",
			    s.cr4, CR4_PKE, "pke");
	EXPECT_EQ(1, kxp_vcpu_u64(&self->vcpu, "set_sregs"));
	EXPECT_EQ(total + 1, kxp_key_u64("stats", "rejected_sregs"));
}

/* EFER.LMA without LME: refused, but not for CR4. */
TEST_F(vcpu, other_refusal)
{
	uint64_t before = kxp_vcpu_u64(&self->vcpu, "rejected_sregs");
	struct kvm_sregs2 s;

	NEED_SREGS2(&self->vm);
	get_sregs2(_metadata, &self->vcpu, &s);
	s.efer |= EFER_LMA;
	ASSERT_EQ(-EINVAL, kxp_ioctl(self->vcpu.fd, KVM_SET_SREGS2, &s));
	expect_sregs_reject(_metadata, &self->vcpu, before, "other", s.cr4, 0,
			    "-");
}

TEST_F(vcpu, accepted_no_event)
{
	struct kvm_sregs2 s;

	NEED_SREGS2(&self->vm);
	if (kxp_key_u64("info", "log_all"))
		SKIP(return, "log_all=1 logs accepted calls too");
	get_sregs2(_metadata, &self->vcpu, &s);
	ASSERT_EQ(0, kxp_ioctl(self->vcpu.fd, KVM_SET_SREGS2, &s));
	EXPECT_EQ(1, kxp_vcpu_u64(&self->vcpu, "set_sregs"));
	EXPECT_EQ(0, kxp_vcpu_u64(&self->vcpu, "rejected_sregs"));
	EXPECT_EQ(0, kxp_count_events(&self->vcpu, "set_sregs", NULL));
}

TEST_HARNESS_MAIN
