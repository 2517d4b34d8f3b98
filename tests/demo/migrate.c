// SPDX-License-Identifier: GPL-2.0
/*
 * The `make demo-ioctl` scenario: a live migration between two different
 * hosts, played with real KVM ioctls.
 *
 *   migrate source FILE       on -cpu max: a guest whose CPUID lacks AVX
 *                             has YMM state (KVM_GET_XSAVE2 trims it), and
 *                             a guest with PKRU in use is saved to FILE;
 *                             on a kernel without the 2023 KVM_SET_XSAVE
 *                             ABI fix (the module's
 *                             trait.uabi_xfeatures_arg: no) KVM refuses
 *                             that YMM state already (not_permitted)
 *   migrate destination FILE  on -cpu max,-pku: KVM_SET_XSAVE of FILE is
 *                             refused, as a real migration would be
 *
 * A command after `--` runs while the VMs still exist, so that it can show
 * them (their records go with their vCPUs).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "kxp_test.h"

#define PKRU_OFFSET 2688

static int fail(const char *what, int err)
{
	fprintf(stderr, "migrate: %s: %s\n", what, strerror(-err));
	return 1;
}

static int source(const char *path)
{
	static uint8_t buf[KXP_XSAVE_SIZE];
	struct kxp_vcpu no_avx, vcpu;
	struct kxp_vm vm;
	uint32_t pkru = 0x55555554;
	int r, fd;

	r = kxp_vm_create(&vm);
	if (r)
		return fail("KVM_CREATE_VM", r);
	r = kxp_vcpu_create(&vm, &vcpu, 0);
	if (!r)
		r = kxp_vcpu_create(&vm, &no_avx, 1);
	if (r)
		return fail("KVM_CREATE_VCPU", r);

	/* vCPU 1: YMM state in a guest whose CPUID hides AVX. */
	r = kxp_set_cpuid(&no_avx, X_YMM);
	if (r)
		return fail("KVM_SET_CPUID2", r);
	kxp_xsave_fill(buf, X_FP | X_SSE | X_YMM);
	r = kxp_set_xsave(&no_avx, buf);
	if (r == -EINVAL && kxp_trait("uabi_xfeatures_arg") == 0) {
		printf("source: vCPU 1 (no AVX in CPUID): KVM_SET_XSAVE of YMM state refused (kernel without the 2023 ABI fix)\n");
	} else {
		if (!r)
			r = kxp_get_xsave(&no_avx, buf, true);
		if (r)
			return fail("vCPU 1 KVM_{SET,GET}_XSAVE", r);
		printf("source: vCPU 1 (no AVX in CPUID) had YMM state; KVM_GET_XSAVE2 returned XSTATE_BV 0x%llx\n",
		       (unsigned long long)*kxp_xstate_bv(buf));
	}

	/* vCPU 0: PKRU in use, saved for the destination. */
	r = kxp_set_cpuid(&vcpu, 0);
	if (r)
		return fail("KVM_SET_CPUID2", r);
	kxp_xsave_fill(buf, X_FP | X_SSE | X_YMM | X_PKRU);
	memcpy(buf + PKRU_OFFSET, &pkru, sizeof(pkru));
	r = kxp_set_xsave(&vcpu, buf);
	if (!r)
		r = kxp_get_xsave(&vcpu, buf, true);
	if (r)
		return fail("vCPU 0 KVM_{SET,GET}_XSAVE", r);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, buf, sizeof(buf)) != sizeof(buf))
		return fail(path, -errno);
	close(fd);
	printf("source: vCPU 0 saved with XSTATE_BV 0x%llx (PKRU in use) to %s\n",
	       (unsigned long long)*kxp_xstate_bv(buf), path);
	/* Keep the VM alive: the reader shows it next. */
	return 0;
}

static int destination(const char *path)
{
	static uint8_t buf[KXP_XSAVE_SIZE];
	struct kxp_vcpu vcpu;
	struct kxp_vm vm;
	int r, fd;

	fd = open(path, O_RDONLY);
	if (fd < 0 || read(fd, buf, sizeof(buf)) != sizeof(buf))
		return fail(path, fd < 0 ? -errno : -EIO);
	close(fd);
	r = kxp_vm_create(&vm);
	if (!r)
		r = kxp_vcpu_create(&vm, &vcpu, 0);
	if (!r)
		r = kxp_set_cpuid(&vcpu, 0);
	if (r)
		return fail("creating the destination vCPU", r);
	r = kxp_set_xsave(&vcpu, buf);
	printf("destination: KVM_SET_XSAVE of the saved state: %s\n",
	       r ? strerror(-r) : "accepted");
	return 0;
}

static int run_while_alive(char **cmd)
{
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		execvp(cmd[0], cmd);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		return 1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

int main(int argc, char **argv)
{
	int r = 2;

	if (argc >= 3 && !strcmp(argv[1], "source"))
		r = source(argv[2]);
	else if (argc >= 3 && !strcmp(argv[1], "destination"))
		r = destination(argv[2]);
	else
		fprintf(stderr, "usage: migrate source|destination FILE [-- CMD...]\n");
	if (!r && argc > 4 && !strcmp(argv[3], "--"))
		r = run_while_alive(argv + 4);
	return r;
}
