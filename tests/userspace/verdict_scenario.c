// SPDX-License-Identifier: GPL-2.0
/*
 * The KVM calls behind verdict_test.sh: one per verdict that a TCG host
 * without PKRU (-cpu max,-pku) can reach, on real vCPUs, held alive until
 * standard input closes so that the test reads the module while they live.
 *
 *   VM A  vcpu 4  created and given its CPUID before the module is loaded
 *                 (the test loads it when this prints phase=load_module and
 *                 answers with a line); then KVM_SET_XSAVE with PKRU
 *                 -> host_lacks_feature_cpuid_unknown
 *         vcpu 0  CPUID whose leaf 0xD asks for PKRU, KVM_SET_XSAVE with PKRU
 *                 -> host_lacks_requested_feature
 *         vcpu 1  the host's CPUID, KVM_SET_XSAVE with PKRU
 *                 -> state_for_unexposed_feature
 *         vcpu 2  CPUID without AVX, KVM_SET_XSAVE of YMM state, GET_XSAVE2
 *                 -> trimmed_by_contract (before the 2023 fix the load is
 *                 refused: known_regression_not_permitted)
 *         vcpu 3  KVM_SET_XSAVE with XCOMP_BV set -> malformed_buffer
 *         vcpu 5  CPUID without AVX, KVM_SET_XCRS with XCR0 = FP|SSE|YMM
 *                 -> xcr0_outside_cpuid
 *   VM B  vcpu 0  KVM_RUN, then another CPUID -> cpuid_refused
 *
 * Prints "vm=<A> vm_b=<B>", "step=<name> vcpu=<id> ret=<ret>" per call and
 * "done". Exit 0 when every call returned what its step expects, 1 if not,
 * 4 when there is no /dev/kvm or this host's KVM can load PKRU.
 */
#include <errno.h>
#include <stdio.h>

#include "kxp_test.h"

static uint8_t buf[KXP_XSAVE_SIZE];
static int failed;

static void step(const char *name, int vcpu, int ret, int want)
{
	printf("step=%s vcpu=%d ret=%d\n", name, vcpu, ret);
	fflush(stdout);
	if (ret != want) {
		fprintf(stderr, "verdict_scenario: %s on vcpu %d returned %d, expected %d\n",
			name, vcpu, ret, want);
		failed = 1;
	}
}

static int load(struct kxp_vcpu *vcpu, uint64_t bv)
{
	kxp_xsave_fill(buf, bv);
	return kxp_set_xsave(vcpu, buf);
}

int main(void)
{
	struct kxp_vm a, b;
	struct kxp_vcpu v[6], bv;
	char line[16];
	int i, ret;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (kxp_vm_create(&a))
		return 4;
	if (kxp_supported_xcr0(&a) & X_PKRU) {
		fprintf(stderr, "verdict_scenario: this host's KVM loads PKRU\n");
		return 4;
	}
	if (kxp_vm_create(&b))
		return 1;
	printf("vm=%s vm_b=%s\n", a.name, b.name);
	if (kxp_vcpu_create(&a, &v[4], 4) || kxp_set_cpuid(&v[4], 0))
		return 1;
	printf("phase=load_module\n");
	if (!fgets(line, sizeof(line), stdin))
		return 1;
	for (i = 0; i < 6; i++)
		if (i != 4 && kxp_vcpu_create(&a, &v[i], i))
			return 1;

	step("cpuid_unknown", 4, load(&v[4], X_FP | X_SSE | X_YMM | X_PKRU),
	     -EINVAL);
	step("requested_cpuid", 0, kxp_set_cpuid_xcr0(&v[0], X_PKRU, 0), 0);
	step("requested", 0, load(&v[0], X_FP | X_SSE | X_YMM | X_PKRU),
	     -EINVAL);
	step("unexposed_cpuid", 1, kxp_set_cpuid(&v[1], 0), 0);
	step("unexposed", 1, load(&v[1], X_FP | X_SSE | X_YMM | X_PKRU),
	     -EINVAL);
	step("trim_cpuid", 2, kxp_set_cpuid(&v[2], X_YMM), 0);
	/*
	 * Without the 2023 fix KVM refuses YMM state its CPUID hides: the
	 * test tells which by the module's contract.get_trims_to_cpuid.
	 */
	ret = load(&v[2], X_FP | X_SSE | X_YMM);
	step("trim_load", 2, ret, ret == -EINVAL ? -EINVAL : 0);
	step("trim_get", 2, kxp_get_xsave(&v[2], buf, true), 0);
	step("compacted_cpuid", 3, kxp_set_cpuid(&v[3], 0), 0);
	kxp_xsave_fill(buf, X_FP | X_SSE);
	*(kxp_xstate_bv(buf) + 1) = (1ULL << 63) | X_FP | X_SSE;
	step("compacted", 3, kxp_set_xsave(&v[3], buf), -EINVAL);
	step("xcr0_cpuid", 5, kxp_set_cpuid(&v[5], X_YMM), 0);
	step("xcr0", 5, kxp_set_xcr0(&v[5], X_FP | X_SSE | X_YMM), -EINVAL);

	if (kxp_vcpu_create(&b, &bv, 0))
		return 1;
	step("run_cpuid", 0, kxp_set_cpuid(&bv, 0), 0);
	step("run", 0, kxp_run_hlt(&bv), KVM_EXIT_HLT);
	step("cpuid_after_run", 0, kxp_set_cpuid(&bv, X_YMM), -EINVAL);
	printf("done\n");

	/* Hold the VMs (and the module's records of them) until told. */
	while (fgets(line, sizeof(line), stdin))
		;
	return failed;
}
