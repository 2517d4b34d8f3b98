// SPDX-License-Identifier: GPL-2.0
/*
 * Differential fuzzing against KVM itself. Random and structured
 * KVM_SET_XSAVE buffers (XSTATE_BV, XCOMP_BV, reserved header bytes, MXCSR,
 * short buffers) and every XCR0 over the architectural bits for
 * KVM_SET_XCRS: for each call the module's recorded outcome and reason
 * must agree with what KVM actually returned, every time. A disagreement
 * prints the input and fails.
 *
 * KXP_FUZZ_ITERS sets the number of KVM_SET_XSAVE buffers (default 20000;
 * `make fuzz` runs 100000).
 */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "kxp_test.h"

static const char *const reasons[] = {
	"ok", "unsupported", "not_permitted", "compacted", "reserved_header",
	"mxcsr", "fault",
};

struct probe_files {
	int rejected;
	int reason;
	int mismatch;
	int rejected_xcrs;
	int summary;
};

static uint64_t pread_u64(int fd)
{
	char buf[64];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	if (n <= 0)
		return ~0ULL;
	buf[n] = '\0';
	return strtoull(buf, NULL, 0);
}

static void pread_str(int fd, char *buf, size_t len)
{
	ssize_t n = pread(fd, buf, len - 1, 0);

	buf[n > 0 ? n : 0] = '\0';
	if (n > 0 && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
}

static int open_in(const char *dir, const char *file)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	return open(path, O_RDONLY);
}

/*
 * Why __kvm_set_xcr() refused a KVM_SET_XCRS that KVM rejected, written
 * from KVM's order (format, FP, YMM needs SSE, guest-supported mask, the
 * other dependency rules), apart from the module's classifier.
 */
static const char *model_xcrs_reason(const struct kvm_xcrs *x,
				     uint64_t guest_supported)
{
	uint64_t xcr0 = x->xcrs[0].value;

	if (x->flags || x->nr_xcrs > KVM_MAX_XCRS)
		return "xcrs_format";
	if (!(xcr0 & X_FP) || ((xcr0 & X_YMM) && !(xcr0 & X_SSE)))
		return "xcr0_invalid";
	if (xcr0 & ~(guest_supported | X_FP))
		return "xcr0_unsupported";
	return "xcr0_invalid";
}

/* The last_xcrs_reason line of a vCPU's summary. */
static void summary_xcrs_reason(int fd, char *out, size_t len)
{
	static char buf[8192];
	char *p;

	pread_str(fd, buf, sizeof(buf));
	p = strstr(buf, "\nlast_xcrs_reason: ");
	snprintf(out, len, "%s", p ? p + 19 : "(none)");
	out[strcspn(out, "\n")] = '\0';
}

/* KVM's checks on a load, written from the FPU code's order. */
static const char *model_reason(const uint8_t *buf, uint64_t kvm_xcr0,
				uint64_t user, uint32_t mxcsr_mask)
{
	uint64_t bv, xcomp, res = 0;
	uint32_t mxcsr;
	int i;

	memcpy(&bv, buf + 512, 8);
	memcpy(&xcomp, buf + 520, 8);
	for (i = 528; i < 576; i++)
		res |= buf[i];
	memcpy(&mxcsr, buf + 24, 4);
	if (bv & ~kvm_xcr0)
		return "unsupported";
	if (bv & ~user)
		return "not_permitted";
	if (xcomp)
		return "compacted";
	if (res)
		return "reserved_header";
	if ((bv & (X_FP | X_SSE | X_YMM)) && (mxcsr & ~mxcsr_mask))
		return "mxcsr";
	return "ok";
}

static uint64_t rnd64(void)
{
	return (uint64_t)random() << 33 ^ (uint64_t)random() << 11 ^
	       (uint64_t)random();
}

/* One buffer: mostly plausible, with one or two things wrong. */
static void make_buffer(uint8_t *buf, uint64_t kvm_xcr0)
{
	uint32_t mxcsr = 0x1f80;
	uint64_t bv;
	int kind = random() % 8;

	bv = rnd64() & kvm_xcr0;		/* what KVM can load */
	if (kind == 0)
		bv = rnd64();			/* anything at all */
	if (kind == 1)
		bv |= 1ULL << (random() % 64);
	kxp_xsave_fill(buf, bv);
	if (kind == 2 || random() % 16 == 0)
		memcpy(buf + 520, &(uint64_t){ rnd64() & -(random() % 2) },
		       8);
	if (kind == 3 || random() % 16 == 0)
		buf[528 + random() % 48] = random();
	if (kind == 4 || random() % 16 == 0)
		mxcsr = random() % 2 ? (uint32_t)random() :
				       mxcsr | 1u << (16 + random() % 16);
	memcpy(buf + 24, &mxcsr, sizeof(mxcsr));
}

static void dump(const uint8_t *buf)
{
	int i;

	fprintf(stderr, "# buffer: mxcsr=0x%08x header:",
		*(const uint32_t *)(buf + 24));
	for (i = 512; i < 576; i += 8)
		fprintf(stderr, " %016llx",
			(unsigned long long)*(const uint64_t *)(buf + i));
	fprintf(stderr, "\n");
}

KXP_REQUIRE(KXP_NEED_KVM | KXP_NEED_MODULE);

FIXTURE(fuzz) {
	struct kxp_vm vm;
	struct kxp_vcpu vcpu[2];
	struct probe_files f[2];
	uint64_t kvm_xcr0;
	uint64_t user[2];
	uint32_t mxcsr_mask;
};

FIXTURE_SETUP(fuzz)
{
	int i;

	ASSERT_EQ(0, kxp_vm_create(&self->vm));
	self->kvm_xcr0 = kxp_supported_xcr0(&self->vm);
	/*
	 * The per-vCPU value files, kept open and re-read at offset 0: one
	 * short read per call, not a parse of the VM's summary.
	 */
	ASSERT_LE(0, kxp_set_vcpu_files(true));
	for (i = 0; i < 2; i++) {
		struct kxp_vcpu *v = &self->vcpu[i];

		ASSERT_EQ(0, kxp_vcpu_create(&self->vm, v, i));
		/* vCPU 1's CPUID lacks AVX: guest-supported differs. */
		ASSERT_EQ(0, kxp_set_cpuid(v, i ? X_YMM : 0));
		ASSERT_TRUE(kxp_vcpu_wait_ready(v, 2000));
		self->f[i].rejected = open_in(v->dir, "rejected_loads");
		self->f[i].reason = open_in(v->dir, "last_reject_reason");
		self->f[i].rejected_xcrs = open_in(v->dir, "rejected_xcrs");
		self->f[i].summary = open_in(v->dir, "summary");
		ASSERT_LE(0, self->f[i].summary);
		ASSERT_LE(0, self->f[i].rejected);
		ASSERT_LE(0, self->f[i].reason);
		ASSERT_LE(0, self->f[i].rejected_xcrs);
		self->user[i] = kxp_vcpu_u64(v, "user_xfeatures");
	}
	kxp_set_vcpu_files(false);
	self->mxcsr_mask = kxp_key_u64("info", "mxcsr_feature_mask");
}

FIXTURE_TEARDOWN(fuzz)
{
	kxp_set_vcpu_files(false);	/* if the setup stopped half-way */
}

TEST_F(fuzz, set_xsave_agrees_with_kvm)
{
	static uint8_t buf[KXP_XSAVE_SIZE];
	long iters = getenv("KXP_FUZZ_ITERS") ?
		     atol(getenv("KXP_FUZZ_ITERS")) : 20000;
	long i, agree = 0, rejected = 0, by_reason[7] = { 0 };
	uint8_t *edge;
	char reason[32];

	srandom(getenv("KXP_FUZZ_SEED") ? atoi(getenv("KXP_FUZZ_SEED")) :
					  1);
	/* A buffer whose end runs into an unmapped page: -EFAULT. */
	edge = mmap(NULL, 2 * KXP_XSAVE_SIZE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, edge);
	ASSERT_EQ(0, mprotect(edge + KXP_XSAVE_SIZE, KXP_XSAVE_SIZE,
			      PROT_NONE));

	for (i = 0; i < iters; i++) {
		int v = i % 2, ret, r;
		const char *want;
		uint64_t before, after;
		uint8_t *p = buf;

		make_buffer(buf, self->kvm_xcr0);
		want = model_reason(buf, self->kvm_xcr0, self->user[v],
				    self->mxcsr_mask);
		if (i % 997 == 0) {
			/* Short buffer: the tail of a page before a hole. */
			p = edge + KXP_XSAVE_SIZE - 1024;
			memcpy(p, buf, 1024);
			want = "fault";
		}
		before = pread_u64(self->f[v].rejected);
		ret = kxp_set_xsave(&self->vcpu[v], p);
		after = pread_u64(self->f[v].rejected);
		pread_str(self->f[v].reason, reason, sizeof(reason));

		/* KVM's answer against the model, then against the module. */
		if (!strcmp(want, "ok") != !ret ||
		    (ret && after != before + 1) || (!ret && after != before) ||
		    (ret && strcmp(reason, want))) {
			dump(buf);
			ASSERT_TRUE(0) TH_LOG("iteration %ld vcpu %d: KVM returned %d, model says %s, module recorded %s (rejected %llu -> %llu)",
					      i, v, ret, want, reason,
					      (unsigned long long)before,
					      (unsigned long long)after);
		}
		agree++;
		if (ret)
			rejected++;
		for (r = 0; r < 7; r++)
			if (!strcmp(want, reasons[r]))
				by_reason[r]++;
	}
	EXPECT_EQ(0, kxp_key_u64("stats", "classify_mismatch"));
	EXPECT_EQ(0, kxp_key_u64("stats", "probe_missed"));
	printf("# set_xsave: %ld buffers, %ld agreements, %ld rejected:", iters,
	       agree, rejected);
	for (i = 0; i < 7; i++)
		printf(" %s=%ld", reasons[i], by_reason[i]);
	printf("\n");
	fflush(stdout);	/* the harness ends each test with _exit() */
	munmap(edge, 2 * KXP_XSAVE_SIZE);
}

TEST_F(fuzz, set_xcrs_agrees_with_kvm)
{
	/* Every combination of the architectural XCR0 bits 0..9 and 17..18,
	 * on a vCPU with and without AVX in its CPUID, plus bad formats. KVM
	 * says whether it refused; the module's count and reason must match
	 * KVM's answer and the reference's reason.
	 */
	long n = 0, rejected = 0;
	uint64_t gs[2];
	uint32_t combo;
	char reason[32];

	gs[0] = kxp_vcpu_u64(&self->vcpu[0], "guest_supported_xcr0");
	gs[1] = kxp_vcpu_u64(&self->vcpu[1], "guest_supported_xcr0");

	for (combo = 0; combo < (1u << 12); combo++) {
		uint64_t xcr0 = (combo & 0x3ff) | (uint64_t)(combo >> 10) << 17;
		int v;

		for (v = 0; v < 2; v++) {
			struct kxp_vcpu *vc = &self->vcpu[v];
			/* pread of an open file: fast enough for KASAN too */
			uint64_t before = pread_u64(self->f[v].rejected_xcrs);
			struct kvm_xcrs x = {
				.nr_xcrs = 1 + combo % 3,
				.xcrs = { { 0, 0, xcr0 } },
			};
			int ret;

			if (combo % 97 == 0)
				x.flags = 1;
			if (combo % 89 == 0)
				x.nr_xcrs = KVM_MAX_XCRS + 1;
			ret = kxp_ioctl(vc->fd, KVM_SET_XCRS, &x);
			if (pread_u64(self->f[v].rejected_xcrs) != before + !!ret) {
				ASSERT_TRUE(0) TH_LOG("xcr0 0x%llx nr %u flags %u vcpu %d: KVM %d but the module counted otherwise",
						      (unsigned long long)xcr0,
						      x.nr_xcrs, x.flags, v,
						      ret);
			}
			n++;
			rejected += !!ret;
			if (!ret)
				continue;
			summary_xcrs_reason(self->f[v].summary, reason,
					    sizeof(reason));
			if (strcmp(reason, model_xcrs_reason(&x, gs[v]))) {
				ASSERT_TRUE(0) TH_LOG("xcr0 0x%llx nr %u flags %u vcpu %d: KVM %d, module says %s, reference %s",
						      (unsigned long long)xcr0,
						      x.nr_xcrs, x.flags, v,
						      ret, reason,
						      model_xcrs_reason(&x,
									gs[v]));
			}
		}
	}
	EXPECT_EQ(0, kxp_key_u64("stats", "classify_mismatch"));
	printf("# set_xcrs: %ld calls, %ld rejected, all agreed on count and reason\n",
	       n, rejected);
	fflush(stdout);
}

TEST_HARNESS_MAIN
