// SPDX-License-Identifier: GPL-2.0
/*
 * Global counters, one set per CPU: during a migration every vCPU thread
 * calls KVM_GET_XSAVE2 at once, and shared atomics would make them fight
 * over one cache line. A reset moves a base instead of writing other CPUs'
 * counters, so no increment is ever lost to it.
 */
#include <linux/mutex.h>
#include <linux/percpu.h>

#include "kxp.h"

DEFINE_PER_CPU(struct kxp_counters, kxp_counters);

static DEFINE_MUTEX(kxp_counters_mutex);
static u64 kxp_counter_base[KXP_NR_COUNTERS];
static u64 kxp_resets;

static u64 kxp_counter_sum(enum kxp_counter ctr)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += READ_ONCE(per_cpu(kxp_counters, cpu).c[ctr]);
	return sum;
}

/* Every counter since load or the last reset, and the number of resets. */
u64 kxp_counters_read(u64 out[KXP_NR_COUNTERS])
{
	unsigned int i;
	u64 resets;

	mutex_lock(&kxp_counters_mutex);
	for (i = 0; i < KXP_NR_COUNTERS; i++)
		out[i] = kxp_counter_sum(i) - kxp_counter_base[i];
	resets = kxp_resets;
	mutex_unlock(&kxp_counters_mutex);
	return resets;
}

void kxp_counters_reset(void)
{
	unsigned int i;

	mutex_lock(&kxp_counters_mutex);
	for (i = 0; i < KXP_NR_COUNTERS; i++)
		kxp_counter_base[i] = kxp_counter_sum(i);
	kxp_resets++;
	mutex_unlock(&kxp_counters_mutex);
}

size_t kxp_counters_memory(void)
{
	return num_possible_cpus() * sizeof(struct kxp_counters);
}
