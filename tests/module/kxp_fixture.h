/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The fixture most tests share: one fresh VM with one vCPU whose CPUID is
 * what KVM supports minus the variant's dropped XCR0 bits.
 */
#ifndef KXP_FIXTURE_H
#define KXP_FIXTURE_H

#include "kselftest_harness.h"
#include "kxp_test.h"

KXP_REQUIRE(KXP_NEED_KVM | KXP_NEED_MODULE);

FIXTURE(vcpu) {
	struct kxp_vm vm;
	struct kxp_vcpu vcpu;
	uint8_t buf[KXP_XSAVE_SIZE];
};

FIXTURE_SETUP(vcpu)
{
	ASSERT_EQ(0, kxp_vm_create(&self->vm));
	ASSERT_EQ(0, kxp_vcpu_create(&self->vm, &self->vcpu, 0));
	ASSERT_EQ(0, kxp_set_cpuid(&self->vcpu, 0));
	ASSERT_TRUE(kxp_vcpu_wait_ready(&self->vcpu, 2000));
}

FIXTURE_TEARDOWN(vcpu)
{
	if (self->vcpu.fd > 0)
		kxp_vcpu_destroy(&self->vcpu);
	if (self->vm.vm_fd > 0)
		kxp_vm_destroy(&self->vm);
}


#endif /* KXP_FIXTURE_H */
