// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_SET_CPUID2 decides guest-supported XCR0. Every change is logged
 * with the bits that changed, and the vcpus table names the masks; a
 * refused CPUID (after KVM_RUN) is logged too, and a vCPU that has run a
 * guest keeps reporting correctly.
 */
#include "kxp_fixture.h"
#include "kxp_names.h"

TEST_F(vcpu, cpuid_change_is_logged)
{
	uint64_t full = kxp_supported_xcr0(&self->vm);
	struct kxp_ev ev;

	/* The fixture set the full CPUID: that was the first change. */
	EXPECT_EQ(full, kxp_vcpu_u64(&self->vcpu, "guest_supported_xcr0"));
	ASSERT_EQ(0, kxp_last_event(&self->vcpu, "set_cpuid", "changed", &ev));
	EXPECT_EQ(full, ev.xstate_bv);

	ASSERT_EQ(0, kxp_set_cpuid(&self->vcpu, X_YMM));
	EXPECT_EQ(full & ~X_YMM,
		  kxp_vcpu_u64(&self->vcpu, "guest_supported_xcr0"));
	ASSERT_EQ(0, kxp_last_event(&self->vcpu, "set_cpuid", "changed", &ev));
	EXPECT_EQ(full & ~X_YMM, ev.xstate_bv);
	EXPECT_EQ(full, ev.mask);
	EXPECT_EQ(X_YMM, ev.bits);
	EXPECT_STREQ("ymm", ev.names);

	/* The same CPUID again changes nothing and logs nothing. */
	ASSERT_EQ(0, kxp_set_cpuid(&self->vcpu, X_YMM));
	EXPECT_EQ(2, kxp_count_events(&self->vcpu, "set_cpuid", NULL));
}

/* MASK as the vcpus table's *_names columns spell it. */
static const char *names_of(uint64_t mask, char *buf, size_t len)
{
	size_t pos = 0;
	unsigned int bit;

	buf[0] = '\0';
	for (bit = 0; bit < 64; bit++) {
		if (!(mask & (1ULL << bit)))
			continue;
		if (kxp_xfeature_is_named(bit))
			pos += snprintf(buf + pos, len - pos, "%s%s",
					pos ? "+" : "", kxp_xfeature_names[bit]);
		else
			pos += snprintf(buf + pos, len - pos, "%sbit%u",
					pos ? "+" : "", bit);
	}
	return pos ? buf : "-";
}

TEST_F(vcpu, vcpus_table_names_the_masks)
{
	uint64_t gs = kxp_supported_xcr0(&self->vm) & ~X_YMM;
	static char table[1 << 16];
	char row[1024], names[512];

	ASSERT_EQ(0, kxp_set_cpuid(&self->vcpu, X_YMM));
	ASSERT_LT(0, kxp_read_file(KXP_DEBUGFS "/vcpus", table, sizeof(table)));
	static const char head[] = "vm vcpu pid comm guest_supported_xcr0 guest_supported_names xcr0 xcr0_names user_xfeatures user_xfeatures_names xfd xfd_names ";
	EXPECT_EQ(0, strncmp(table, head, strlen(head)));
	snprintf(row, sizeof(row), "\n%s %d %d ", self->vm.name,
		 self->vcpu.id, getpid());
	ASSERT_NE(NULL, strstr(table, row));
	snprintf(row + strlen(row), sizeof(row) - strlen(row), "%.15s 0x%llx %s ",
		 program_invocation_short_name, (unsigned long long)gs,
		 names_of(gs, names, sizeof(names)));
	EXPECT_NE(NULL, strstr(table, row)) {
		TH_LOG("no '%s' in:\n%s", row + 1, table);
	}
}

TEST_F(vcpu, vcpu_that_ran_still_reports)
{
	uint64_t full = kxp_supported_xcr0(&self->vm);
	struct kxp_ev ev;

	ASSERT_EQ(KVM_EXIT_HLT, kxp_run_hlt(&self->vcpu));

	/* CPUID may not change after KVM_RUN: refused and logged. */
	ASSERT_EQ(-EINVAL, kxp_set_cpuid(&self->vcpu, X_YMM));
	ASSERT_EQ(0, kxp_last_event(&self->vcpu, "set_cpuid", "rejected",
				    &ev));
	EXPECT_EQ(-22, ev.ret);
	EXPECT_EQ(full, kxp_vcpu_u64(&self->vcpu, "guest_supported_xcr0"));

	/* XSAVE paths after the run: a reject and a GET are both seen. */
	kxp_xsave_fill(self->buf, X_FP | X_SSE | (1ULL << 60));
	ASSERT_EQ(-EINVAL, kxp_set_xsave(&self->vcpu, self->buf));
	ASSERT_EQ(0, kxp_last_event(&self->vcpu, "set_xsave", "unsupported",
				    &ev));
	EXPECT_EQ(1ULL << 60, ev.bits);
	EXPECT_STREQ("bit60", ev.names);
	ASSERT_EQ(0, kxp_get_xsave(&self->vcpu, self->buf, true));
	EXPECT_EQ(1, kxp_vcpu_u64(&self->vcpu, "get_xsave"));
	EXPECT_EQ(*kxp_xstate_bv(self->buf),
		  kxp_vcpu_u64(&self->vcpu, "last_returned_xstate_bv"));
}

TEST_HARNESS_MAIN
