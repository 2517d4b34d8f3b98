// SPDX-License-Identifier: GPL-2.0
/*
 * The event ring overflowing: with ring_size=16 and 40 events, exactly 24
 * are dropped, counted, and visible as the seq gap; the 16 newest remain
 * in order. Reloads the module with ring_size=16, then restores it.
 */
#include <stdlib.h>

#include "kselftest_harness.h"
#include "kxp_test.h"

#define RING 16
#define EVENTS 40

TEST(ring_overflow_counts_every_drop)
{
	static char buf[1 << 16];
	uint8_t xs[KXP_XSAVE_SIZE];
	struct kxp_vcpu vcpu;
	struct kxp_vm vm;
	unsigned long long first_seq = 0, prev = 0;
	char *line, *save;
	struct kxp_ev ev;
	int i, lines = 0;

	if (!kxp_path_exists("/dev/kvm"))
		SKIP(return, "no /dev/kvm in this machine");
	if (!getenv("KXP_MODULE"))
		SKIP(return, "KXP_MODULE does not name kvm_xsave_probe.ko");
	if (kxp_module_loaded())
		ASSERT_EQ(0, kxp_module_unload());
	ASSERT_EQ(0, kxp_module_load("ring_size=16"));
	EXPECT_EQ(RING, kxp_key_u64("stats", "ring_size"));

	ASSERT_EQ(0, kxp_vm_create(&vm));
	ASSERT_EQ(0, kxp_vcpu_create(&vm, &vcpu, 0));
	kxp_xsave_fill(xs, X_FP | X_SSE | (1ULL << 60));
	for (i = 0; i < EVENTS; i++)
		ASSERT_EQ(-EINVAL, kxp_set_xsave(&vcpu, xs));

	EXPECT_EQ(EVENTS, kxp_key_u64("stats", "events_total"));
	EXPECT_EQ(EVENTS - RING, kxp_key_u64("stats", "events_dropped"));
	EXPECT_EQ(RING, kxp_key_u64("stats", "events_buffered"));
	EXPECT_EQ(EVENTS, kxp_key_u64("stats", "seq_next"));

	ASSERT_LT(0, kxp_read_file(KXP_DEBUGFS "/events", buf, sizeof(buf)));
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		ASSERT_EQ(0, kxp_parse_event(line, &ev));
		if (!lines)
			first_seq = ev.seq;
		else
			EXPECT_EQ(prev + 1, ev.seq);
		prev = ev.seq;
		lines++;
	}
	EXPECT_EQ(RING, lines);
	/* The gap before the first line is exactly what was dropped. */
	EXPECT_EQ(EVENTS - RING, first_seq);
	EXPECT_EQ(EVENTS - 1, prev);

	kxp_vcpu_destroy(&vcpu);
	kxp_vm_destroy(&vm);
	ASSERT_EQ(0, kxp_module_unload());
	ASSERT_EQ(0, kxp_module_load(NULL));
}

TEST(bad_ring_size_is_refused)
{
	if (!getenv("KXP_MODULE"))
		SKIP(return, "KXP_MODULE does not name kvm_xsave_probe.ko");
	if (kxp_module_loaded())
		ASSERT_EQ(0, kxp_module_unload());
	EXPECT_EQ(-EINVAL, kxp_module_load("ring_size=8"));
	EXPECT_EQ(-EINVAL, kxp_module_load("ring_size=1000000"));
	ASSERT_EQ(0, kxp_module_load(NULL));
}

TEST_HARNESS_MAIN
