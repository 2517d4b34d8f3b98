// SPDX-License-Identifier: GPL-2.0
/*
 * Several VMs and vCPUs at once, one thread per vCPU: every counter, per
 * vCPU and global, must equal exactly what the threads did.
 */
#include <pthread.h>

#include "kselftest_harness.h"
#include "kxp_test.h"

#define NR_VMS 3
#define NR_VCPUS 2
#define ROUNDS 50
#define XCRS_ROUNDS 20

struct worker {
	struct kxp_vcpu vcpu;
	int errors;
};

static void *work(void *arg)
{
	struct worker *w = arg;
	uint8_t good[KXP_XSAVE_SIZE], bad[KXP_XSAVE_SIZE];
	int i;

	kxp_xsave_fill(good, X_FP | X_SSE);
	kxp_xsave_fill(bad, X_FP | X_SSE | (1ULL << 60));
	for (i = 0; i < ROUNDS; i++) {
		w->errors += kxp_set_xsave(&w->vcpu, bad) != -EINVAL;
		w->errors += kxp_set_xsave(&w->vcpu, good) != 0;
		w->errors += kxp_get_xsave(&w->vcpu, good, true) != 0;
	}
	for (i = 0; i < XCRS_ROUNDS; i++)
		w->errors += kxp_set_xcr0(&w->vcpu, X_SSE) != -EINVAL;
	return NULL;
}

TEST(parallel_counts_are_exact)
{
	struct worker w[NR_VMS * NR_VCPUS];
	pthread_t th[NR_VMS * NR_VCPUS];
	struct kxp_vm vm[NR_VMS];
	int i, n = NR_VMS * NR_VCPUS;

	if (!kxp_path_exists("/dev/kvm"))
		SKIP(return, "no /dev/kvm in this machine");
	if (!kxp_module_loaded())
		SKIP(return, "kvm_xsave_probe is not loaded");
	for (i = 0; i < NR_VMS; i++)
		ASSERT_EQ(0, kxp_vm_create(&vm[i]));
	for (i = 0; i < n; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		ASSERT_EQ(0, kxp_vcpu_create(&vm[i / NR_VCPUS], &w[i].vcpu,
					     i % NR_VCPUS));
	}
	ASSERT_EQ(0, kxp_reset());
	for (i = 0; i < n; i++)
		ASSERT_EQ(0, pthread_create(&th[i], NULL, work, &w[i]));
	for (i = 0; i < n; i++) {
		pthread_join(th[i], NULL);
		EXPECT_EQ(0, w[i].errors);
	}

	for (i = 0; i < n; i++) {
		struct kxp_vcpu *v = &w[i].vcpu;

		ASSERT_TRUE(kxp_vcpu_wait_ready(v, 5000));
		EXPECT_EQ(2 * ROUNDS, kxp_vcpu_u64(v, "set_xsave"));
		EXPECT_EQ(ROUNDS, kxp_vcpu_u64(v, "rejected_loads"));
		EXPECT_EQ(ROUNDS, kxp_vcpu_u64(v, "get_xsave"));
		EXPECT_EQ(XCRS_ROUNDS, kxp_vcpu_u64(v, "set_xcrs"));
		EXPECT_EQ(XCRS_ROUNDS, kxp_vcpu_u64(v, "rejected_xcrs"));
		EXPECT_EQ(ROUNDS, kxp_count_events(v, "set_xsave", NULL));
		EXPECT_EQ(XCRS_ROUNDS, kxp_count_events(v, "set_xcrs", NULL));
	}
	EXPECT_EQ(2 * ROUNDS * n, kxp_key_u64("stats", "set_xsave"));
	EXPECT_EQ(ROUNDS * n, kxp_key_u64("stats", "rejected_loads"));
	EXPECT_EQ(ROUNDS * n, kxp_key_u64("stats", "get_xsave"));
	EXPECT_EQ(XCRS_ROUNDS * n, kxp_key_u64("stats", "rejected_xcrs"));
	EXPECT_EQ((ROUNDS + XCRS_ROUNDS) * n,
		  kxp_key_u64("stats", "events_total"));
	EXPECT_EQ(0, kxp_key_u64("stats", "events_dropped"));
	EXPECT_EQ(0, kxp_key_u64("stats", "probe_missed"));
	EXPECT_EQ(0, kxp_key_u64("stats", "classify_mismatch"));
	EXPECT_EQ(n, kxp_key_u64("stats", "vcpus_tracked"));
	EXPECT_EQ(NR_VMS, kxp_key_u64("stats", "vms_tracked"));

	for (i = 0; i < n; i++)
		kxp_vcpu_destroy(&w[i].vcpu);
	for (i = 0; i < NR_VMS; i++)
		kxp_vm_destroy(&vm[i]);
}

TEST_HARNESS_MAIN
