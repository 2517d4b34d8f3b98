// SPDX-License-Identifier: GPL-2.0
/*
 * The ground the other tests stand on: a real /dev/kvm in this machine,
 * KVM_CREATE_VM working, and the module loaded with every probe armed.
 */
#include "kselftest_harness.h"
#include "kxp_test.h"

TEST(dev_kvm_creates_a_vm)
{
	struct kxp_vm vm;

	ASSERT_TRUE(kxp_path_exists("/dev/kvm"));
	ASSERT_EQ(0, kxp_vm_create(&vm));
	EXPECT_NE(0, kxp_supported_xcr0(&vm) & X_FP);
	kxp_vm_destroy(&vm);
}

TEST(module_loaded_with_probes_armed)
{
	static const char *const probes[] = {
		"kvm_arch_vcpu_ioctl", "fpu_copy_uabi_to_guest_fpstate",
		"fpu_copy_guest_fpstate_to_uabi", "kvm_arch_vcpu_create",
		"kvm_arch_vcpu_destroy",
	};
	char info[8192], want[128];
	unsigned int i;

	if (!kxp_module_loaded())
		SKIP(return, "kvm_xsave_probe is not loaded");
	ASSERT_LT(0, kxp_read_file(KXP_DEBUGFS "/info", info, sizeof(info)));
	for (i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
		snprintf(want, sizeof(want), "probe.%s: armed nmissed=0\n",
			 probes[i]);
		EXPECT_NE(NULL, strstr(info, want)) TH_LOG("%s", want);
	}
	EXPECT_NE(NULL, strstr(info, "format: 1\n"));
}

TEST_HARNESS_MAIN
