// SPDX-License-Identifier: GPL-2.0
/*
 * The KVM workload the bpftrace scripts are tested against. It issues real
 * ioctls on one VM with three vCPUs and prints, one line per step, what it
 * did and what KVM returned, so that the test can hold the scripts' output
 * (and the module's event log) against it:
 *
 *   vcpu 0  KVM_SET_XSAVE with AVX-512 bits (0xe0)       rejected
 *           KVM_SET_XSAVE with bit 60                     rejected
 *           KVM_SET_XSAVE with every XSTATE_BV bit set    rejected (names
 *                                                         past one printf)
 *           KVM_GET_XSAVE                                 nothing trimmed
 *   vcpu 1  CPUID without YMM, KVM_SET_XSAVE of FP|SSE|YMM (accepted),
 *           KVM_GET_XSAVE2                                YMM trimmed
 *           (on a kernel without the 2023 ABI fix, as the module's
 *           trait.uabi_xfeatures_arg tells: that load is rejected,
 *           not_permitted, and the GET trims nothing; without the module
 *           KVM's answer decides, and the scripts must report it)
 *   vcpu 2  full CPUID, KVM_SET_XCRS with XCR0 = FP|SSE|YMM|AVX-512
 *                                                         rejected
 *
 * Output (stdout), all values hex unless decimal by nature:
 *   scenario pid=<tgid> comm=<comm> vm=<pid>-<fd> supported_xcr0=<mask>
 *   step=<name> vcpu=<id> op=<op> ret=<ret> xstate_bv=<bv> mask=<m> bits=<b>
 *   calls set_xsave=<n> get_xsave=<n> get_xsave2=<n> set_xcrs=<n>
 *   done
 * xstate_bv, mask and bits mean what they mean in the module's `events`
 * (docs/debugfs.md). Exit status 0 when every ioctl returned what the step
 * expects, 1 otherwise (the reason goes to stderr), 4 when there is no
 * /dev/kvm or the host supports AVX-512 (the first step would be accepted).
 *
 * Usage: bpftrace_scenario [--delay-ms N]
 *   --delay-ms N  sleep N ms before the first ioctl and after the last, so
 *                 that a tracer started at the same time sees them all.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/prctl.h>

#include "kxp_test.h"

#define BIT60 (1ULL << 60)

static unsigned int n_set_xsave, n_get_xsave, n_get_xsave2, n_set_xcrs;
static uint8_t buf[KXP_XSAVE_SIZE];

static void step(const char *name, int vcpu, const char *op, int ret,
		 uint64_t bv, uint64_t mask, uint64_t bits)
{
	printf("step=%s vcpu=%d op=%s ret=%d xstate_bv=0x%llx mask=0x%llx bits=0x%llx\n",
	       name, vcpu, op, ret, (unsigned long long)bv,
	       (unsigned long long)mask, (unsigned long long)bits);
	fflush(stdout);
}

static int fail(const char *what, int got, int want)
{
	fprintf(stderr, "bpftrace_scenario: %s returned %d (%s), expected %d\n",
		what, got, got < 0 ? strerror(-got) : "ok", want);
	return 1;
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static int set_xsave(struct kxp_vcpu *v, uint64_t bv)
{
	kxp_xsave_fill(buf, bv);
	n_set_xsave++;
	return kxp_set_xsave(v, buf);
}

int main(int argc, char **argv)
{
	struct kxp_vcpu v0, v1, v2;
	uint64_t supported, bv, gs1;
	int uabi_xfeatures_arg = kxp_trait("uabi_xfeatures_arg");
	bool before_fix;
	unsigned int delay = 0;
	struct kxp_vm vm;
	char comm[17] = "";
	int r;

	if (argc == 3 && !strcmp(argv[1], "--delay-ms")) {
		delay = strtoul(argv[2], NULL, 10);
	} else if (argc != 1) {
		fprintf(stderr, "usage: %s [--delay-ms N]\n", argv[0]);
		return 2;
	}
	if (access("/dev/kvm", R_OK | W_OK)) {
		fprintf(stderr, "bpftrace_scenario: no usable /dev/kvm\n");
		return 4;
	}
	r = kxp_vm_create(&vm);
	if (r)
		return fail("KVM_CREATE_VM", r, 0);
	supported = kxp_supported_xcr0(&vm);
	if (supported & X_AVX512) {
		fprintf(stderr, "bpftrace_scenario: KVM supports AVX-512 (xcr0 0x%llx); the reject step needs a host without it\n",
			(unsigned long long)supported);
		return 4;
	}
	prctl(PR_GET_NAME, comm);
	printf("scenario pid=%d comm=%s vm=%s supported_xcr0=0x%llx\n",
	       getpid(), comm, vm.name, (unsigned long long)supported);
	fflush(stdout);

	if (kxp_vcpu_create(&vm, &v0, 0) || kxp_vcpu_create(&vm, &v1, 1) ||
	    kxp_vcpu_create(&vm, &v2, 2))
		return fail("KVM_CREATE_VCPU", -errno, 0);
	/* CPUID first: these are events too (set_cpuid changed). */
	r = kxp_set_cpuid(&v1, X_YMM);
	if (r)
		return fail("KVM_SET_CPUID2 (vcpu 1, no YMM)", r, 0);
	r = kxp_set_cpuid(&v2, 0);
	if (r)
		return fail("KVM_SET_CPUID2 (vcpu 2)", r, 0);
	gs1 = supported & ~X_YMM;

	sleep_ms(delay);

	/* 1. AVX-512 state: outside KVM-supported XCR0 under TCG. */
	bv = supported | X_AVX512;
	r = set_xsave(&v0, bv);
	step("reject_avx512", 0, "set_xsave", r, bv, supported,
	     bv & ~supported);
	if (r != -EINVAL)
		return fail("KVM_SET_XSAVE (AVX-512)", r, -EINVAL);

	/* 2. Bit 60: no such feature anywhere. */
	bv = X_FP | X_SSE | BIT60;
	r = set_xsave(&v0, bv);
	step("reject_bit60", 0, "set_xsave", r, bv, supported, BIT60);
	if (r != -EINVAL)
		return fail("KVM_SET_XSAVE (bit 60)", r, -EINVAL);

	/* 3. Every bit: more names than a script prints in one go. */
	bv = ~0ULL;
	r = set_xsave(&v0, bv);
	step("reject_all_bits", 0, "set_xsave", r, bv, supported,
	     bv & ~supported);
	if (r != -EINVAL)
		return fail("KVM_SET_XSAVE (all bits)", r, -EINVAL);

	/* A GET of nothing special: counted by the latency script only. */
	n_get_xsave++;
	r = kxp_get_xsave(&v0, buf, false);
	if (r)
		return fail("KVM_GET_XSAVE (vcpu 0)", r, 0);

	/*
	 * 4. YMM state into a vCPU whose CPUID lacks YMM, then read back.
	 * Before the fix KVM_SET_CPUID2 made user_xfeatures the guest's XCR0
	 * (| FP | SSE): the load is refused, the GET has nothing to trim.
	 */
	bv = X_FP | X_SSE | X_YMM;
	r = set_xsave(&v1, bv);
	/* -1: no module to ask; then the scripts follow KVM's answer. */
	before_fix = uabi_xfeatures_arg == 0 ||
		     (uabi_xfeatures_arg < 0 && r == -EINVAL);
	if (before_fix) {
		step("reject_ymm", 1, "set_xsave", r, bv, gs1 | X_FP | X_SSE,
		     X_YMM);
		if (r != -EINVAL)
			return fail("KVM_SET_XSAVE (YMM into vcpu 1, before the fix)",
				    r, -EINVAL);
		n_get_xsave2++;
		r = kxp_get_xsave(&v1, buf, true);
		if (r)
			return fail("KVM_GET_XSAVE2 (vcpu 1)", r, 0);
		goto xcrs;
	}
	if (r)
		return fail("KVM_SET_XSAVE (YMM into vcpu 1)", r, 0);
	n_get_xsave2++;
	r = kxp_get_xsave(&v1, buf, true);
	bv = *kxp_xstate_bv(buf);
	step("trim_ymm", 1, "get_xsave2", r, bv, gs1 | X_FP | X_SSE,
	     (X_FP | X_SSE | X_YMM) & ~bv);
	if (r)
		return fail("KVM_GET_XSAVE2 (vcpu 1)", r, 0);
	if (bv & X_YMM)
		return fail("KVM_GET_XSAVE2 returning YMM", 1, 0);

xcrs:
	/* 5. XCR0 with AVX-512: outside guest-supported XCR0. */
	bv = X_FP | X_SSE | X_YMM | X_AVX512;
	n_set_xcrs++;
	r = kxp_set_xcr0(&v2, bv);
	step("reject_xcrs", 2, "set_xcrs", r, bv, supported | X_FP,
	     bv & ~(supported | X_FP));
	if (r != -EINVAL)
		return fail("KVM_SET_XCRS (AVX-512)", r, -EINVAL);

	printf("calls set_xsave=%u get_xsave=%u get_xsave2=%u set_xcrs=%u\n",
	       n_set_xsave, n_get_xsave, n_get_xsave2, n_set_xcrs);
	fflush(stdout);
	sleep_ms(delay);

	kxp_vcpu_destroy(&v2);
	kxp_vcpu_destroy(&v1);
	kxp_vcpu_destroy(&v0);
	kxp_vm_destroy(&vm);
	printf("done\n");
	return 0;
}
