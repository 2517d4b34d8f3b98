// SPDX-License-Identifier: GPL-2.0
/*
 * kvm_xsave_probe: shows which XSAVE features KVM rejected, trimmed or
 * stripped on the KVM_{GET,SET}_XSAVE{,2}, KVM_SET_XCRS and KVM_SET_CPUID2
 * paths, per vCPU, through debugfs and tracepoints. Built for live
 * migrations that fail with a bare "Invalid argument".
 *
 * Usage: modprobe kvm_xsave_probe [ring_size=N] [log_all=1] [max_vcpus=N]
 *                                 [pool_size=N] [vcpu_files=1]
 *        cat /sys/kernel/debug/kvm_xsave_probe/{info,stats,vcpus,events}
 */
#include <linux/debugfs.h>
#include <linux/module.h>
#include <asm/fpu/api.h>
#include <asm/fpu/xcr.h>
#include <asm/msr.h>

#include "compat.h"
#include "kxp.h"

unsigned int kxp_ring_size = 1024;
module_param_named(ring_size, kxp_ring_size, uint, 0444);
MODULE_PARM_DESC(ring_size, "Events kept in the ring (16..65536, default 1024)");

unsigned int kxp_max_vcpus = 16384;
module_param_named(max_vcpus, kxp_max_vcpus, uint, 0444);
MODULE_PARM_DESC(max_vcpus, "vCPUs tracked at most (default 16384)");

/* Read when a vCPU is tracked: it applies to vCPUs tracked afterwards. */
bool kxp_vcpu_files;
module_param_named(vcpu_files, kxp_vcpu_files, bool, 0644);
MODULE_PARM_DESC(vcpu_files,
		 "A debugfs directory with one file per value for each vCPU (default N; ~24 KiB of inodes and dentries each)");

bool kxp_log_all;
module_param_named(log_all, kxp_log_all, bool, 0644);
MODULE_PARM_DESC(log_all, "Log successful calls too, not only problems");

struct kxp_host kxp_host;

static struct fxregs_state kxp_fx __initdata;

/* What this host's FPU allows, read once; none of it changes later. */
static void __init kxp_read_host(void)
{
	u32 mask;

	if (boot_cpu_has(X86_FEATURE_OSXSAVE))
		kxp_host.xcr0 = xgetbv(XCR_XFEATURE_ENABLED_MASK);
	if (boot_cpu_has(X86_FEATURE_XSAVES))
		kxp_rdmsr_safe(MSR_IA32_XSS, &kxp_host.xss);

	/* MXCSR_MASK as the FPU code derives mxcsr_feature_mask. */
	kernel_fpu_begin();
	asm volatile("fxsaveq %0" : "=m" (kxp_fx));
	kernel_fpu_end();
	mask = kxp_fx.mxcsr_mask;
	kxp_host.mxcsr_feature_mask = mask ? mask : 0x0000ffbf;
}

static int __init kxp_init(void)
{
	int err;

	if (!boot_cpu_has(X86_FEATURE_XSAVE)) {
		pr_err("this CPU has no XSAVE: nothing to watch\n");
		return -ENODEV;
	}
	if (kxp_ring_size < 16 || kxp_ring_size > 65536) {
		pr_err("ring_size=%u is outside 16..65536\n", kxp_ring_size);
		return -EINVAL;
	}
	kxp_read_host();

	err = kxp_events_init();
	if (err)
		return err;
	err = kxp_debugfs_init();
	if (err)
		goto out_events;
	err = kxp_records_init();
	if (err)
		goto out_records;
	err = kxp_probes_init();
	if (err)
		goto out_records;
	pr_info("version %s loaded\n", KXP_VERSION);
	return 0;

out_records:
	kxp_records_stop();
	kxp_debugfs_exit();
	kxp_records_exit();
out_events:
	kxp_events_exit();
	return err;
}

static void __exit kxp_exit(void)
{
	kxp_probes_exit();
	kxp_records_stop();
	kxp_debugfs_exit();
	kxp_records_exit();
	kxp_events_exit();
}

module_init(kxp_init);
module_exit(kxp_exit);
MODULE_DESCRIPTION("Show what KVM's XSAVE uABI paths reject, trim and strip");
MODULE_LICENSE("GPL");
MODULE_VERSION(KXP_VERSION);
