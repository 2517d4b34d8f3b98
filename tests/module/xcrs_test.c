// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_SET_XCRS: an accepted XCR0 shows in `xcr0`; each way KVM refuses one
 * is classified with the requested value and the offending bits.
 */
#include "kxp_fixture.h"

/* Column @n (0-based, blank-separated) of @line into @out. */
static bool column(const char *line, int n, char *out, size_t len)
{
	size_t w;

	for (;;) {
		line += strspn(line, " ");
		w = strcspn(line, " \n");
		if (!w)
			return false;
		if (!n--)
			break;
		line += w;
	}
	if (w >= len)
		return false;
	memcpy(out, line, w);
	out[w] = '\0';
	return true;
}

/*
 * The vCPU's row of `vcpus` holds @reason in its last_xcrs_reason column,
 * found by the header's names as a reader does (columns are appended).
 */
static bool vcpus_row_has_reason(struct kxp_vcpu *vcpu, const char *reason)
{
	static char table[1 << 16];
	char row[64], name[64], *line;
	int col;

	if (kxp_read_file(KXP_DEBUGFS "/vcpus", table, sizeof(table)) <= 0)
		return false;
	for (col = 0; column(table, col, name, sizeof(name)); col++)
		if (!strcmp(name, "last_xcrs_reason"))
			break;
	if (strcmp(name, "last_xcrs_reason"))
		return false;
	snprintf(row, sizeof(row), "\n%s %d ", vcpu->vm->name, vcpu->id);
	line = strstr(table, row);
	return line && column(line + 1, col, name, sizeof(name)) &&
	       !strcmp(name, reason);
}

static void expect_xcrs_reject(struct __test_metadata *_metadata,
			       struct kxp_vcpu *vcpu, struct kvm_xcrs *xcrs,
			       const char *reason, uint64_t xcr0,
			       uint64_t bits)
{
	uint64_t before = kxp_vcpu_u64(vcpu, "rejected_xcrs");
	char summary[4096], want[64];
	struct kxp_ev ev;

	ASSERT_EQ(-EINVAL, kxp_ioctl(vcpu->fd, KVM_SET_XCRS, xcrs));
	EXPECT_EQ(before + 1, kxp_vcpu_u64(vcpu, "rejected_xcrs"));
	EXPECT_EQ(xcr0, kxp_vcpu_u64(vcpu, "last_rejected_xcr0"));
	ASSERT_EQ(0, kxp_last_event(vcpu, "set_xcrs", NULL, &ev));
	EXPECT_STREQ(reason, ev.reason);
	EXPECT_EQ(-22, ev.ret);
	EXPECT_EQ(xcr0, ev.xstate_bv);
	EXPECT_EQ(bits, ev.bits);
	EXPECT_EQ(0, kxp_key_u64("stats", "classify_mismatch"));
	/* The reason is kept per vCPU: the vcpus table and the summary. */
	EXPECT_TRUE(vcpus_row_has_reason(vcpu, reason));
	ASSERT_EQ(0, kxp_vcpu_str(vcpu, "summary", summary, sizeof(summary)));
	snprintf(want, sizeof(want), "\nlast_xcrs_reason: %s", reason);
	EXPECT_NE(NULL, strstr(summary, want));
}

static struct kvm_xcrs one_xcr0(uint64_t value)
{
	struct kvm_xcrs x = { .nr_xcrs = 1, .xcrs[0] = { 0, 0, value } };

	return x;
}

TEST_F(vcpu, accepted_xcr0_shows)
{
	ASSERT_EQ(0, kxp_set_xcr0(&self->vcpu, X_FP | X_SSE | X_YMM));
	EXPECT_EQ(X_FP | X_SSE | X_YMM, kxp_vcpu_u64(&self->vcpu, "xcr0"));
	EXPECT_EQ(1, kxp_vcpu_u64(&self->vcpu, "set_xcrs"));
	EXPECT_EQ(0, kxp_vcpu_u64(&self->vcpu, "rejected_xcrs"));
	EXPECT_EQ(0, kxp_count_events(&self->vcpu, "set_xcrs", NULL));
}

TEST_F(vcpu, xcr0_outside_guest_cpuid)
{
	struct kvm_xcrs x = one_xcr0(X_FP | X_SSE | X_YMM);

	/* YMM is host-supported but not in this vCPU's CPUID. */
	ASSERT_EQ(0, kxp_set_cpuid(&self->vcpu, X_YMM));
	expect_xcrs_reject(_metadata, &self->vcpu, &x, "xcr0_unsupported",
			   X_FP | X_SSE | X_YMM, X_YMM);
	EXPECT_EQ(X_FP, kxp_vcpu_u64(&self->vcpu, "xcr0"));
}

TEST_F(vcpu, xcr0_avx512)
{
	struct kvm_xcrs x = one_xcr0(X_FP | X_SSE | X_YMM | X_AVX512);

	if (kxp_supported_xcr0(&self->vm) & X_AVX512)
		SKIP(return, "this host's KVM supports AVX-512");
	expect_xcrs_reject(_metadata, &self->vcpu, &x, "xcr0_unsupported",
			   X_FP | X_SSE | X_YMM | X_AVX512, X_AVX512);
}

TEST_F(vcpu, xcr0_ymm_without_sse)
{
	struct kvm_xcrs x = one_xcr0(X_FP | X_YMM);

	expect_xcrs_reject(_metadata, &self->vcpu, &x, "xcr0_invalid",
			   X_FP | X_YMM, 0);
}

TEST_F(vcpu, xcr0_without_fp)
{
	struct kvm_xcrs x = one_xcr0(X_SSE);

	expect_xcrs_reject(_metadata, &self->vcpu, &x, "xcr0_invalid", X_SSE,
			   0);
}

TEST_F(vcpu, xcrs_flags)
{
	struct kvm_xcrs x = one_xcr0(X_FP | X_SSE);

	x.flags = 1;
	expect_xcrs_reject(_metadata, &self->vcpu, &x, "xcrs_format",
			   X_FP | X_SSE, 0);
}

TEST_F(vcpu, xcrs_too_many)
{
	struct kvm_xcrs x = one_xcr0(X_FP | X_SSE);

	x.nr_xcrs = KVM_MAX_XCRS + 1;
	/* Too many entries: the module does not read any of them. */
	expect_xcrs_reject(_metadata, &self->vcpu, &x, "xcrs_format", 0, 0);
}

TEST_HARNESS_MAIN
