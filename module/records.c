// SPDX-License-Identifier: GPL-2.0
/*
 * Per-vCPU and per-VM records.
 *
 * Probe handlers run in atomic context, from int3 where kprobes are not
 * ftrace-based, which is like NMI: they never allocate or free. They look
 * records up under RCU and take new ones from a pool that a work item of
 * its own fills with GFP_KERNEL; an irq_work (NMI-safe) queues it. Another
 * work item has debugfs.c make and remove the directories, and frees
 * records after debugfs_remove() of their directory, which waits for
 * readers inside the files (an open file can never reach a freed record),
 * and after an RCU grace period (no probe still holds one).
 */
#include <linux/hashtable.h>
#include <linux/irq_work.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/workqueue.h>

#include "compat.h"
#include "kxp.h"

static DEFINE_HASHTABLE(kxp_vcpu_hash, 10);
/* Protects the hash writers, the lists, the counts and kxp_vm refs. */
static DEFINE_RAW_SPINLOCK(kxp_lock);
static LIST_HEAD(kxp_vms);
static LIST_HEAD(kxp_new);
static LIST_HEAD(kxp_dead);
static unsigned int kxp_nr_vcpus, kxp_nr_vms;
/* Out of the pools, live or dead, not freed yet: for memory_bytes. */
static unsigned int kxp_nr_records, kxp_nr_vm_records;
static bool kxp_stopping;
/* A cache of its own: a record would round up to kmalloc-1k. */
static struct kmem_cache *kxp_vcpu_cache;

/*
 * Records and VMs ready for the probes, kxp_lock: pool_size records and a
 * quarter as many VMs. A burst of vCPU creation faster than the refill
 * takes the pool down to empty: those calls are counted in pool_empty, and
 * the vCPU is tracked on a later ioctl.
 */
static unsigned int kxp_pool_size = 64;
module_param_named(pool_size, kxp_pool_size, uint, 0444);
MODULE_PARM_DESC(pool_size,
		 "vCPU records kept ready for the probes (0..4096, default 64)");
static LIST_HEAD(kxp_pool_vcpus);
static LIST_HEAD(kxp_pool_vms);
static unsigned int kxp_pool_nr_vcpus, kxp_pool_nr_vms;
/*
 * Records the refill aims at: pool_size, doubled after each time the pool
 * ran empty, up to 16 times pool_size (a host creating VMs in bursts gets
 * a deeper pool; it never shrinks, and memory_bytes counts it).
 */
static unsigned int kxp_pool_target;
static bool kxp_pool_ran_empty;

static void kxp_dir_work_fn(struct work_struct *work);
static DECLARE_WORK(kxp_dir_work, kxp_dir_work_fn);
static void kxp_refill_work_fn(struct work_struct *work);
static DECLARE_WORK(kxp_refill_work, kxp_refill_work_fn);

/*
 * queue_work() is not NMI-safe; irq_work_queue() is. The refill has a
 * work item of its own on an unbound workqueue: it runs on any idle CPU,
 * never behind the debugfs work, while a VMM creates vCPUs in a loop.
 */
static void kxp_kick_fn(struct irq_work *w)
{
	queue_work(kxp_unbound_wq, &kxp_refill_work);
	schedule_work(&kxp_dir_work);
}

static DEFINE_IRQ_WORK(kxp_kick, kxp_kick_fn);

struct kxp_vcpu *kxp_vcpu_find(const void *vcpu)
{
	struct kxp_vcpu *rec, *found = NULL;

	rcu_read_lock();
	hash_for_each_possible_rcu(kxp_vcpu_hash, rec, hnode,
				   (unsigned long)vcpu) {
		if (rec->key == vcpu) {
			found = rec;
			break;
		}
	}
	rcu_read_unlock();
	/* The caller runs inside an ioctl of this vCPU: it cannot die now. */
	return found;
}

static struct kxp_vm *kxp_vm_find_locked(const void *kvm)
{
	struct kxp_vm *vm;

	list_for_each_entry(vm, &kxp_vms, node)
		if (vm->kvm == kvm)
			return vm;
	return NULL;
}

static void kxp_vcpu_init(struct kxp_vcpu *rec, const void *vcpu,
			  int vcpu_id, struct kxp_vm *vm)
{
	unsigned int i;

	rec->key = vcpu;
	rec->vcpu_id = vcpu_id;
	rec->vm = vm;
	rec->state = KXP_VCPU_NEW;
	rec->want_files = READ_ONCE(kxp_vcpu_files);
	raw_spin_lock_init(&rec->lock);
	rec->st.last_reject_reason = KXP_NR_REASONS;
	rec->st.last_xcrs_reason = KXP_NR_REASONS;
	rec->st.last_sregs_reason = KXP_NR_REASONS;
	for (i = 0; i < KXP_NR_VCPU_FILES; i++)
		rec->ids[i] = i;
}

/* Take a pooled record and VM (NULL when empty), kxp_lock held. */
static struct kxp_vcpu *kxp_pool_take_vcpu(void)
{
	struct kxp_vcpu *rec;

	rec = list_first_entry_or_null(&kxp_pool_vcpus, struct kxp_vcpu,
				       work_node);
	if (rec) {
		list_del_init(&rec->work_node);
		kxp_pool_nr_vcpus--;
	}
	return rec;
}

static struct kxp_vm *kxp_pool_take_vm(void)
{
	struct kxp_vm *vm;

	vm = list_first_entry_or_null(&kxp_pool_vms, struct kxp_vm, node);
	if (vm) {
		list_del_init(&vm->node);
		kxp_pool_nr_vms--;
	}
	return vm;
}

/*
 * vCPUs whose record request found the pool empty, kxp_lock: the refill
 * tracks them as soon as it has records, so that a burst of vCPU creation
 * is tracked without waiting for each vCPU's next ioctl. Bounded (256
 * slots, 14 KiB, in memory_bytes): a vCPU beyond them, still counted in
 * pool_empty, is tracked at its next ioctl. kxp_vcpu_forget() takes a
 * destroyed vCPU out before its address can be reused.
 */
#define KXP_NR_MISSED 256

static struct kxp_missed {
	const void *vcpu;	/* NULL: free slot */
	const void *kvm;
	int vcpu_id;
	char vm_name[KXP_VM_NAME_LEN];
} kxp_missed[KXP_NR_MISSED];
static unsigned int kxp_nr_missed;

static void kxp_missed_add_locked(const void *vcpu, int vcpu_id,
				  const void *kvm, const char *vm_name)
{
	struct kxp_missed *m, *free = NULL;

	for (m = kxp_missed; m < kxp_missed + KXP_NR_MISSED; m++) {
		if (m->vcpu == vcpu)
			return;
		if (!m->vcpu && !free)
			free = m;
	}
	if (!free)
		return;
	free->vcpu = vcpu;
	free->kvm = kvm;
	free->vcpu_id = vcpu_id;
	strscpy(free->vm_name, vm_name, sizeof(free->vm_name));
	kxp_nr_missed++;
}

static void kxp_missed_del_locked(const void *vcpu)
{
	struct kxp_missed *m;

	for (m = kxp_missed; kxp_nr_missed && m < kxp_missed + KXP_NR_MISSED;
	     m++)
		if (m->vcpu == vcpu) {
			m->vcpu = NULL;
			kxp_nr_missed--;
		}
}

/*
 * Start the record of @vcpu from the pools, kxp_lock held; NULL when they
 * are empty (the caller counts that).
 */
static struct kxp_vcpu *kxp_track_locked(const void *vcpu, int vcpu_id,
					 const void *kvm, const char *vm_name)
{
	struct kxp_vcpu *rec;
	struct kxp_vm *vm = kxp_vm_find_locked(kvm);

	/*
	 * Another name at this struct kvm address: a new VM, the old one's
	 * vCPU destroys went unseen. Its records stay until their addresses
	 * come back; the new VM gets a record of its own.
	 */
	if (vm && strcmp(vm->name, vm_name)) {
		list_del_init(&vm->node);
		kxp_nr_vms--;
		kxp_count(STALE_VMS);
		vm = NULL;
	}
	if (list_empty(&kxp_pool_vcpus) || (!vm && list_empty(&kxp_pool_vms)))
		return NULL;
	if (!vm) {
		vm = kxp_pool_take_vm();
		kxp_nr_vm_records++;
		vm->kvm = kvm;
		strscpy(vm->name, vm_name, sizeof(vm->name));
		list_add_tail(&vm->node, &kxp_vms);
		kxp_nr_vms++;
	}
	vm->live_vcpus++;
	vm->refs++;

	rec = kxp_pool_take_vcpu();
	kxp_nr_records++;
	kxp_vcpu_init(rec, vcpu, vcpu_id, vm);
	hash_add_rcu(kxp_vcpu_hash, &rec->hnode, (unsigned long)vcpu);
	list_add_tail(&rec->work_node, &kxp_new);
	kxp_nr_vcpus++;
	return rec;
}

/*
 * Find the record of @vcpu, taking one from the pool on first sight.
 * Returns NULL when the vCPU cannot be tracked; that is counted.
 */
struct kxp_vcpu *kxp_vcpu_find_or_track(const void *vcpu, int vcpu_id,
					const void *kvm, const char *vm_name)
{
	struct kxp_vcpu *rec;
	bool kick = false;

	rec = kxp_vcpu_find(vcpu);
	if (rec)
		return rec;

	raw_spin_lock(&kxp_lock);
	rec = kxp_vcpu_find(vcpu);
	if (rec || kxp_stopping)
		goto unlock;
	if (kxp_nr_vcpus >= kxp_max_vcpus) {
		kxp_count(TRACK_FAILURES);
		goto unlock;
	}
	rec = kxp_track_locked(vcpu, vcpu_id, kvm, vm_name);
	if (!rec) {
		kxp_count(TRACK_FAILURES);
		kxp_count(POOL_EMPTY);
		kxp_pool_ran_empty = true;
		kxp_missed_add_locked(vcpu, vcpu_id, kvm, vm_name);
	}
	kick = true;
unlock:
	raw_spin_unlock(&kxp_lock);
	if (kick)
		irq_work_queue(&kxp_kick);
	return rec;
}

/* The refill has records again: track the vCPUs that found none. */
static void kxp_track_missed(void)
{
	struct kxp_missed *m;
	bool made = false, again = false;

	raw_spin_lock(&kxp_lock);
	for (m = kxp_missed; kxp_nr_missed && m < kxp_missed + KXP_NR_MISSED;
	     m++) {
		if (!m->vcpu || kxp_stopping)
			continue;
		/* Tracked meanwhile by an ioctl of its own, or no room. */
		if (!kxp_vcpu_find(m->vcpu) && kxp_nr_vcpus < kxp_max_vcpus) {
			if (!kxp_track_locked(m->vcpu, m->vcpu_id, m->kvm,
					      m->vm_name)) {
				/*
				 * Empty again: another round with a deeper
				 * pool while it can grow (at most 4 rounds).
				 */
				kxp_pool_ran_empty = true;
				again = kxp_pool_target < kxp_pool_size * 16;
				break;
			}
			made = true;
		}
		m->vcpu = NULL;
		kxp_nr_missed--;
	}
	raw_spin_unlock(&kxp_lock);
	if (made)
		schedule_work(&kxp_dir_work);
	if (again)
		queue_work(kxp_unbound_wq, &kxp_refill_work);
}

/* Fill the pools back up, in process context. */
static void kxp_refill_work_fn(struct work_struct *work)
{
	struct kxp_vcpu *rec;
	struct kxp_vm *vm;

	raw_spin_lock(&kxp_lock);
	if (kxp_pool_ran_empty)
		kxp_pool_target = min(kxp_pool_target * 2, kxp_pool_size * 16);
	kxp_pool_ran_empty = false;
	raw_spin_unlock(&kxp_lock);
	for (;;) {
		raw_spin_lock(&kxp_lock);
		if (kxp_stopping || kxp_pool_nr_vcpus >= kxp_pool_target) {
			raw_spin_unlock(&kxp_lock);
			break;
		}
		raw_spin_unlock(&kxp_lock);
		rec = kmem_cache_zalloc(kxp_vcpu_cache, GFP_KERNEL);
		if (!rec)
			break;
		INIT_LIST_HEAD(&rec->work_node);
		raw_spin_lock(&kxp_lock);
		list_add(&rec->work_node, &kxp_pool_vcpus);
		kxp_pool_nr_vcpus++;
		raw_spin_unlock(&kxp_lock);
	}
	for (;;) {
		raw_spin_lock(&kxp_lock);
		if (kxp_stopping ||
		    kxp_pool_nr_vms >= DIV_ROUND_UP(kxp_pool_size, 4)) {
			raw_spin_unlock(&kxp_lock);
			break;
		}
		raw_spin_unlock(&kxp_lock);
		vm = kzalloc(sizeof(*vm), GFP_KERNEL);
		if (!vm)
			break;
		raw_spin_lock(&kxp_lock);
		list_add(&vm->node, &kxp_pool_vms);
		kxp_pool_nr_vms++;
		raw_spin_unlock(&kxp_lock);
	}
	kxp_track_missed();
}

/* @vcpu is being destroyed: stop updates now, free the record later. */
bool kxp_vcpu_forget(const void *vcpu)
{
	struct kxp_vcpu *rec;
	bool queued = false;

	raw_spin_lock(&kxp_lock);
	kxp_missed_del_locked(vcpu);
	rec = kxp_vcpu_find(vcpu);
	if (rec) {
		hash_del_rcu(&rec->hnode);
		/* Off the new list if its directory was never made. */
		list_move_tail(&rec->work_node, &kxp_dead);
		rec->state = KXP_VCPU_DEAD;
		kxp_nr_vcpus--;
		/*
		 * A new VM may reuse the struct kvm address: unlink now,
		 * unless kxp_vcpu_find_or_track() found it stale and did.
		 */
		if (--rec->vm->live_vcpus == 0 &&
		    !list_empty(&rec->vm->node)) {
			list_del_init(&rec->vm->node);
			kxp_nr_vms--;
		}
		queued = !kxp_stopping;
	}
	raw_spin_unlock(&kxp_lock);
	if (queued)
		irq_work_queue(&kxp_kick);
	return rec;
}

/* A dead record lets go of its VM; the last one frees the VM. */
static void kxp_vm_put(struct kxp_vm *vm)
{
	bool last;

	raw_spin_lock(&kxp_lock);
	kxp_nr_records--;
	last = --vm->refs == 0;
	if (last)
		kxp_nr_vm_records--;
	raw_spin_unlock(&kxp_lock);
	if (last) {
		kxp_debugfs_vm_remove(vm);
		kfree(vm);
	}
}

/*
 * Make the directories of new records, free dead ones: their files are
 * gone first, then one grace period covers a probe that still looked one
 * up. No RCU callback of ours outlives the module.
 */
static void kxp_dir_work_fn(struct work_struct *work)
{
	struct kxp_vcpu *rec, *tmp;
	LIST_HEAD(freed);
	bool dead;

	for (;;) {
		raw_spin_lock(&kxp_lock);
		rec = list_first_entry_or_null(&kxp_dead, struct kxp_vcpu,
					       work_node);
		dead = rec;
		if (!rec)
			rec = list_first_entry_or_null(&kxp_new,
						       struct kxp_vcpu,
						       work_node);
		if (rec) {
			list_del_init(&rec->work_node);
			if (!dead)
				rec->state = KXP_VCPU_LIVE;
		}
		raw_spin_unlock(&kxp_lock);
		if (!rec)
			break;
		/* A record destroyed meanwhile is back on kxp_dead. */
		if (dead) {
			kxp_debugfs_vcpu_remove(rec);
			list_add_tail(&rec->work_node, &freed);
		} else {
			kxp_debugfs_vcpu_add(rec);
		}
	}
	if (list_empty(&freed))
		return;
	synchronize_rcu();
	list_for_each_entry_safe(rec, tmp, &freed, work_node) {
		kxp_vm_put(rec->vm);
		kmem_cache_free(kxp_vcpu_cache, rec);
	}
}

#define KXP_USER_OFFSET offsetof(struct kxp_vcpu, pend.get_returned_bv)
#define KXP_USER_SIZE sizeof_field(struct kxp_vcpu, pend.get_returned_bv)

int kxp_records_init(void)
{
	if (kxp_pool_size > 4096) {
		pr_err("pool_size=%u is outside 0..4096\n", kxp_pool_size);
		return -EINVAL;
	}
	/*
	 * Hardened usercopy refuses user copies into a slab object outside
	 * its cache's whitelist: the GET probe reads the returned XSTATE_BV
	 * straight into pend.get_returned_bv (kmalloc caches allow all).
	 */
	kxp_vcpu_cache =
		kmem_cache_create_usercopy("kxp_vcpu", sizeof(struct kxp_vcpu),
					   __alignof__(struct kxp_vcpu), 0,
					   KXP_USER_OFFSET, KXP_USER_SIZE, NULL);
	if (!kxp_vcpu_cache)
		return -ENOMEM;
	kxp_pool_target = kxp_pool_size;
	kxp_refill_work_fn(NULL);
	return 0;
}

/* Called after the probes are gone: no new record, no work item. */
void kxp_records_stop(void)
{
	raw_spin_lock(&kxp_lock);
	kxp_stopping = true;
	raw_spin_unlock(&kxp_lock);
	irq_work_sync(&kxp_kick);
	cancel_work_sync(&kxp_refill_work);
	cancel_work_sync(&kxp_dir_work);
}

/*
 * After kxp_records_stop() and the removal of the whole debugfs tree:
 * nothing can reach a record any more. Unregistering the probes waited
 * for every handler, so no grace period is needed here.
 */
void kxp_records_exit(void)
{
	struct kxp_vcpu *rec, *tmp;
	struct hlist_node *hn;
	struct kxp_vm *vm, *vtmp;
	int bkt;

	hash_for_each_safe(kxp_vcpu_hash, bkt, hn, rec, hnode) {
		hash_del(&rec->hnode);
		list_move_tail(&rec->work_node, &kxp_dead);
	}
	list_splice_init(&kxp_new, &kxp_dead);
	list_for_each_entry_safe(rec, tmp, &kxp_dead, work_node) {
		list_del(&rec->work_node);
		vm = rec->vm;
		if (--vm->refs == 0) {
			/* Live VMs are still on kxp_vms; dead ones are not. */
			if (!list_empty(&vm->node))
				list_del(&vm->node);
			kfree(vm);
		}
		kmem_cache_free(kxp_vcpu_cache, rec);
	}
	list_for_each_entry_safe(vm, vtmp, &kxp_vms, node) {
		list_del(&vm->node);
		kfree(vm);
	}
	list_for_each_entry_safe(rec, tmp, &kxp_pool_vcpus, work_node)
		kmem_cache_free(kxp_vcpu_cache, rec);
	list_for_each_entry_safe(vm, vtmp, &kxp_pool_vms, node)
		kfree(vm);
	INIT_LIST_HEAD(&kxp_pool_vcpus);
	INIT_LIST_HEAD(&kxp_pool_vms);
	kxp_pool_nr_vcpus = 0;
	kxp_pool_nr_vms = 0;
	kxp_nr_vcpus = 0;
	kxp_nr_vms = 0;
	kxp_nr_records = 0;
	kxp_nr_vm_records = 0;
	memset(kxp_missed, 0, sizeof(kxp_missed));
	kxp_nr_missed = 0;
	kmem_cache_destroy(kxp_vcpu_cache);
	kxp_vcpu_cache = NULL;
}

void kxp_vcpu_read_stats(struct kxp_vcpu *rec, struct kxp_vcpu_stats *out)
{
	raw_spin_lock(&rec->lock);
	*out = rec->st;
	raw_spin_unlock(&rec->lock);
	/* kxp_vcpu_forget() marks it dead under kxp_lock before the free. */
	raw_spin_lock(&kxp_lock);
	if (rec->state != KXP_VCPU_DEAD)
		out->exits_now = kxp_vcpu_exits(rec->key);
	raw_spin_unlock(&kxp_lock);
}

static void kxp_clear_counters(struct kxp_vcpu_stats *st)
{
	st->last_loaded_xstate_bv = 0;
	st->last_returned_xstate_bv = 0;
	st->set_xsave = 0;
	st->rejected_loads = 0;
	st->last_rejected_xstate_bv = 0;
	st->last_rejected_bits = 0;
	st->get_xsave = 0;
	st->trimmed_gets = 0;
	st->trimmed_bits = 0;
	st->last_trimmed_bits = 0;
	st->stripped_bits = 0;
	st->set_xcrs = 0;
	st->rejected_xcrs = 0;
	st->last_rejected_xcr0 = 0;
	st->set_sregs = 0;
	st->rejected_sregs = 0;
	st->last_rejected_cr4 = 0;
	st->last_rejected_cr4_bits = 0;
	st->last_reject_reason = KXP_NR_REASONS;
	st->last_xcrs_reason = KXP_NR_REASONS;
	st->fail_overflow = 0;
	memset(st->fails, 0, sizeof(st->fails));
	st->last_sregs_reason = KXP_NR_REASONS;
	st->ran_after_loads = 0;
	st->ran_exits = 0;
}

/* Clear every vCPU's counters; the masks describe live state and stay. */
void kxp_records_reset(void)
{
	struct kxp_vcpu *rec;
	int bkt;

	raw_spin_lock(&kxp_lock);
	hash_for_each(kxp_vcpu_hash, bkt, rec, hnode) {
		raw_spin_lock(&rec->lock);
		kxp_clear_counters(&rec->st);
		raw_spin_unlock(&rec->lock);
	}
	raw_spin_unlock(&kxp_lock);
}

unsigned int kxp_vcpus_tracked(unsigned int *nr_vms)
{
	unsigned int n;

	raw_spin_lock(&kxp_lock);
	n = kxp_nr_vcpus;
	if (nr_vms)
		*nr_vms = kxp_nr_vms;
	raw_spin_unlock(&kxp_lock);
	return n;
}

/*
 * Every record the module holds: live, pooled, and dead ones waiting to
 * be freed (they still hold their VM, so refs counts those VMs too).
 */
size_t kxp_records_memory(void)
{
	unsigned int vms, vcpus;

	raw_spin_lock(&kxp_lock);
	vcpus = kxp_nr_records + kxp_pool_nr_vcpus;
	vms = kxp_nr_vm_records + kxp_pool_nr_vms;
	raw_spin_unlock(&kxp_lock);
	/* No cache yet: stats is read while the module is loading. */
	return (kxp_vcpu_cache ? vcpus * kmem_cache_size(kxp_vcpu_cache) : 0) +
	       vms * kmalloc_size_roundup(sizeof(struct kxp_vm)) +
	       sizeof(kxp_missed);
}

static int kxp_row_cmp(const void *a, const void *b)
{
	const struct kxp_vcpu_row *ra = a, *rb = b;
	int c = strcmp(ra->vm, rb->vm);

	if (c)
		return c;
	return ra->vcpu_id - rb->vcpu_id;
}

unsigned int kxp_vcpus_snapshot(struct kxp_vcpu_row *out, unsigned int max,
				unsigned int *copied, const struct kxp_vm *vm)
{
	struct kxp_vcpu *rec;
	unsigned int n = 0, total;
	int bkt;

	raw_spin_lock(&kxp_lock);
	/* A VM's live_vcpus are its records in the hash. */
	total = vm ? vm->live_vcpus : kxp_nr_vcpus;
	hash_for_each(kxp_vcpu_hash, bkt, rec, hnode) {
		if (n == max)
			break;
		if (vm && rec->vm != vm)
			continue;
		strscpy(out[n].vm, rec->vm->name, sizeof(out[n].vm));
		out[n].vcpu_id = rec->vcpu_id;
		raw_spin_lock(&rec->lock);
		out[n].st = rec->st;
		raw_spin_unlock(&rec->lock);
		/* In the hash under kxp_lock: the vCPU is not destroyed yet. */
		out[n].st.exits_now = kxp_vcpu_exits(rec->key);
		n++;
	}
	raw_spin_unlock(&kxp_lock);
	sort(out, n, sizeof(*out), kxp_row_cmp, NULL);
	*copied = n;
	return total;
}
