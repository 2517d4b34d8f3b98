// SPDX-License-Identifier: GPL-2.0
/*
 * The probe registry: which symbol gets which handlers (probes.c), arming
 * and disarming them, and their state for `info`.
 *
 * kvm.ko can come and go while this module stays: a module notifier arms
 * its probes when kvm becomes live and drops them when it goes.
 */
#include <linux/cpumask.h>
#include <linux/kprobes.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>

#include "kxp.h"
#include "probes.h"

/*
 * Instances each kretprobe holds: one per call in flight, a call that
 * finds none is missed (nmissed). A migration issues KVM_GET_XSAVE2 on
 * every vCPU thread at once, so 0 sizes it as the kernel does by default
 * (register_kretprobe(): 2 per possible CPU), never below 128.
 */
#define KXP_MAXACTIVE_FLOOR 128
#define KXP_MAXACTIVE_MAX 65536

static unsigned int kxp_maxactive_param;
module_param_named(maxactive, kxp_maxactive_param, uint, 0444);
MODULE_PARM_DESC(maxactive,
		 "Concurrent calls each kretprobe can follow (0: max(128, 2 * possible CPUs), the default; at most 65536)");

/* What the kretprobes use: the parameter, or its default when 0. */
static unsigned int kxp_maxactive;

enum kxp_probe_state {
	KXP_PROBE_WAITING,	/* its module is not loaded */
	KXP_PROBE_ARMED,
	KXP_PROBE_GONE,		/* its module was unloaded */
	KXP_PROBE_FAILED,
};

struct kxp_probe {
	bool in_kvm;		/* the symbol lives in kvm.ko */
	bool is_ret;
	struct kprobe kp;
	struct kretprobe rp;
	enum kxp_probe_state state;
	int err;
	unsigned long missed_before;	/* nmissed of earlier arms */
};

#define KXP_KRETPROBE(sym, kvm, entry, ret, size) {			\
	.in_kvm = kvm, .is_ret = true,					\
	.rp = { .kp.symbol_name = #sym, .entry_handler = entry,		\
		.handler = ret, .data_size = size },			\
}

#define KXP_KPROBE(sym, kvm, pre) {					\
	.in_kvm = kvm,							\
	.kp = { .symbol_name = #sym, .pre_handler = pre },		\
}

/*
 * Armed in this order. The destroy probe comes first: a record made by
 * any other probe then always has its destroy seen, even for a vCPU that
 * dies while the others are being armed.
 */
static struct kxp_probe kxp_probes[] = {
	KXP_KPROBE(kvm_arch_vcpu_destroy, true, kxp_destroy_pre),
	KXP_KRETPROBE(kvm_arch_vcpu_ioctl, true, kxp_ioctl_entry,
		      kxp_ioctl_return, sizeof(struct kxp_ioctl_ctx)),
	KXP_KPROBE(fpu_copy_uabi_to_guest_fpstate, false, kxp_set_fpu_pre),
	KXP_KPROBE(fpu_copy_guest_fpstate_to_uabi, false, kxp_get_fpu_pre),
	KXP_KRETPROBE(kvm_arch_vcpu_create, true, kxp_create_entry,
		      kxp_create_return, sizeof(struct kvm_vcpu *)),
};

/* Serializes arming against the module notifier. */
static DEFINE_MUTEX(kxp_probe_mutex);

static const char *kxp_probe_name(const struct kxp_probe *p)
{
	return p->is_ret ? p->rp.kp.symbol_name : p->kp.symbol_name;
}

static unsigned long kxp_probe_nmissed(const struct kxp_probe *p)
{
	if (p->state != KXP_PROBE_ARMED)
		return p->missed_before;
	if (p->is_ret)
		return p->missed_before + p->rp.nmissed + p->rp.kp.nmissed;
	return p->missed_before + p->kp.nmissed;
}

static void kxp_arm(struct kxp_probe *p)
{
	const char *sym = kxp_probe_name(p);
	int err;

	if (p->state == KXP_PROBE_ARMED)
		return;
	/* register_*probe() writes into the struct: start clean. */
	if (p->is_ret) {
		struct kretprobe rp = {
			.kp.symbol_name = sym,
			.entry_handler = p->rp.entry_handler,
			.handler = p->rp.handler,
			.data_size = p->rp.data_size,
			.maxactive = kxp_maxactive,
		};

		p->rp = rp;
		err = register_kretprobe(&p->rp);
	} else {
		struct kprobe kp = {
			.symbol_name = sym,
			.pre_handler = p->kp.pre_handler,
		};

		p->kp = kp;
		err = register_kprobe(&p->kp);
	}
	p->err = err;
	if (!err)
		p->state = KXP_PROBE_ARMED;
	else if (p->in_kvm && err == -ENOENT)
		p->state = KXP_PROBE_WAITING;
	else
		p->state = KXP_PROBE_FAILED;
	if (err && p->state == KXP_PROBE_FAILED)
		pr_err("cannot probe %s: %d\n", sym, err);
}

static void kxp_disarm(struct kxp_probe *p, enum kxp_probe_state to)
{
	if (p->state != KXP_PROBE_ARMED)
		return;
	p->missed_before = kxp_probe_nmissed(p);
	if (p->is_ret)
		unregister_kretprobe(&p->rp);
	else
		unregister_kprobe(&p->kp);
	p->state = to;
}

/*
 * A kvm.ko symbol that is missing while kvm is loaded will never appear:
 * failed(-ENOENT), not waiting. kvm is loaded when the notifier says so,
 * or when another of its probes armed (find_module() is not exported).
 */
static void kxp_arm_all(bool kvm_only, bool kvm_live)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(kxp_probes); i++)
		if (!kvm_only || kxp_probes[i].in_kvm)
			kxp_arm(&kxp_probes[i]);
	for (i = 0; i < ARRAY_SIZE(kxp_probes); i++)
		kvm_live |= kxp_probes[i].in_kvm &&
			    kxp_probes[i].state == KXP_PROBE_ARMED;
	for (i = 0; kvm_live && i < ARRAY_SIZE(kxp_probes); i++) {
		struct kxp_probe *p = &kxp_probes[i];

		if (p->state != KXP_PROBE_WAITING || p->err != -ENOENT)
			continue;
		p->state = KXP_PROBE_FAILED;
		pr_err("cannot probe %s: kvm is loaded without it (%d)\n",
		       kxp_probe_name(p), p->err);
	}
}

static int kxp_module_notify(struct notifier_block *nb, unsigned long action,
			     void *data)
{
	struct module *mod = data;
	unsigned int i;

	if (strcmp(mod->name, "kvm"))
		return NOTIFY_DONE;
	mutex_lock(&kxp_probe_mutex);
	if (action == MODULE_STATE_LIVE) {
		kxp_arm_all(true, true);
		pr_info("kvm loaded: probes armed\n");
	} else if (action == MODULE_STATE_GOING) {
		for (i = 0; i < ARRAY_SIZE(kxp_probes); i++)
			if (kxp_probes[i].in_kvm)
				kxp_disarm(&kxp_probes[i], KXP_PROBE_GONE);
		pr_info("kvm unloading: its probes are gone\n");
	}
	mutex_unlock(&kxp_probe_mutex);
	return NOTIFY_OK;
}

static struct notifier_block kxp_module_nb = {
	.notifier_call = kxp_module_notify,
};

int kxp_probes_init(void)
{
	unsigned int i;
	int err;

	if (kxp_maxactive_param > KXP_MAXACTIVE_MAX) {
		pr_err("maxactive=%u is above %u\n", kxp_maxactive_param,
		       KXP_MAXACTIVE_MAX);
		return -EINVAL;
	}
	kxp_maxactive = kxp_maxactive_param;
	if (!kxp_maxactive)
		kxp_maxactive = clamp_t(unsigned int, 2 * num_possible_cpus(),
					KXP_MAXACTIVE_FLOOR,
					KXP_MAXACTIVE_MAX);
	err = register_module_notifier(&kxp_module_nb);
	if (err)
		return err;
	mutex_lock(&kxp_probe_mutex);
	kxp_arm_all(false, false);
	for (i = 0; i < ARRAY_SIZE(kxp_probes); i++)
		if (kxp_probes[i].state == KXP_PROBE_FAILED)
			err = kxp_probes[i].err;
	mutex_unlock(&kxp_probe_mutex);
	if (err) {
		kxp_probes_exit();
		return err;
	}
	if (kxp_probes[0].state == KXP_PROBE_WAITING)
		pr_info("kvm is not loaded: its probes arm when it is\n");
	return 0;
}

void kxp_probes_exit(void)
{
	unsigned int i;

	unregister_module_notifier(&kxp_module_nb);
	mutex_lock(&kxp_probe_mutex);
	for (i = 0; i < ARRAY_SIZE(kxp_probes); i++) {
		struct kxp_probe *p = &kxp_probes[i];

		kxp_disarm(p, KXP_PROBE_WAITING);
		if (p->missed_before)
			pr_info("%s missed %lu calls (maxactive=%u)\n",
				kxp_probe_name(p), p->missed_before,
				kxp_maxactive);
	}
	mutex_unlock(&kxp_probe_mutex);
}

void kxp_probes_show(struct seq_file *m)
{
	static const char *const states[] = {
		"waiting", "armed", "gone", "failed",
	};
	unsigned int i;

	mutex_lock(&kxp_probe_mutex);
	for (i = 0; i < ARRAY_SIZE(kxp_probes); i++) {
		const struct kxp_probe *p = &kxp_probes[i];

		if (p->state == KXP_PROBE_FAILED)
			seq_printf(m, "probe.%s: failed(%d) nmissed=%lu\n",
				   kxp_probe_name(p), p->err,
				   kxp_probe_nmissed(p));
		else
			seq_printf(m, "probe.%s: %s nmissed=%lu\n",
				   kxp_probe_name(p), states[p->state],
				   kxp_probe_nmissed(p));
	}
	mutex_unlock(&kxp_probe_mutex);
	seq_printf(m, "maxactive: %u\n", kxp_maxactive);
}

/* Set by `reset`: probe_missed counts from there, like the counters. */
static u64 kxp_missed_base;

static u64 kxp_probes_missed_locked(void)
{
	unsigned int i;
	u64 sum = 0;

	for (i = 0; i < ARRAY_SIZE(kxp_probes); i++)
		sum += kxp_probe_nmissed(&kxp_probes[i]);
	return sum;
}

u64 kxp_probes_missed(void)
{
	u64 sum;

	mutex_lock(&kxp_probe_mutex);
	sum = kxp_probes_missed_locked() - kxp_missed_base;
	mutex_unlock(&kxp_probe_mutex);
	return sum;
}

void kxp_probes_missed_reset(void)
{
	mutex_lock(&kxp_probe_mutex);
	kxp_missed_base = kxp_probes_missed_locked();
	mutex_unlock(&kxp_probe_mutex);
}
