// SPDX-License-Identifier: GPL-2.0
/*
 * The event ring: a fixed array, overwritten oldest first. Every overwrite
 * is counted in events_dropped and leaves a gap in seq, so a reader can
 * always tell that, and how much, it missed.
 */
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <linux/vmalloc.h>

#include "kxp.h"

#define CREATE_TRACE_POINTS
#include "kxp_trace.h"

static DEFINE_RAW_SPINLOCK(kxp_ring_lock);
static struct kxp_event *kxp_ring;
static u64 kxp_seq;		/* next seq; never reset */
static u64 kxp_head;		/* events written since the last reset */
static u64 kxp_total, kxp_dropped;

int kxp_events_init(void)
{
	kxp_ring = vzalloc(array_size(kxp_ring_size, sizeof(*kxp_ring)));
	return kxp_ring ? 0 : -ENOMEM;
}

void kxp_events_exit(void)
{
	vfree(kxp_ring);
	kxp_ring = NULL;
}

/* comm may hold spaces or '=': keep event lines and `vcpus` splittable. */
static void kxp_sanitize_comm(char *comm, const char *from)
{
	char *s;

	strscpy_pad(comm, from, TASK_COMM_LEN);
	for (s = comm; *s; s++)
		if (*s <= ' ' || *s > '~' || *s == '=')
			*s = '?';
}

void kxp_current_comm(char *comm)
{
	/* Our own comm needs no task_lock; newer kernels (7.2) lack __get_task_comm. */
	kxp_sanitize_comm(comm, current->comm);
}

void kxp_current_process_comm(char *comm)
{
	/*
	 * The leader outlives none of its threads' syscalls; a concurrent
	 * rename can only give a mix of two names, never an unterminated one.
	 */
	kxp_sanitize_comm(comm, current->group_leader->comm);
}

void kxp_event_emit(int vcpu_id, const char *vm, unsigned int ioctl,
		    enum kxp_op op, int ret, enum kxp_reason reason,
		    u64 xstate_bv, u64 mask, u64 bits, u8 flags,
		    const u64 *requested_xcr0)
{
	struct kxp_event ev = {
		.ts_ns = ktime_get_ns(),
		.xstate_bv = xstate_bv,
		.mask = mask,
		.bits = bits,
		/* Changed only inside this vCPU's ioctls, like this one. */
		.requested_xcr0 = requested_xcr0 ? *requested_xcr0 : 0,
		.have_requested_xcr0 = requested_xcr0,
		.pid = task_tgid_nr(current),
		.tid = task_pid_nr(current),
		.vcpu_id = vcpu_id,
		.ret = ret,
		.ioctl = ioctl,
		.flags = flags,
		.op = op,
		.reason = reason,
	};

	kxp_current_process_comm(ev.comm);
	kxp_current_comm(ev.thread_comm);
	strscpy(ev.vm, vm, sizeof(ev.vm));

	raw_spin_lock(&kxp_ring_lock);
	ev.seq = kxp_seq++;
	if (kxp_head >= kxp_ring_size)
		kxp_dropped++;
	kxp_ring[kxp_head % kxp_ring_size] = ev;
	kxp_head++;
	kxp_total++;
	raw_spin_unlock(&kxp_ring_lock);

	switch (op) {
	case KXP_OP_SET_XSAVE:
		trace_kxp_set_xsave(&ev);
		break;
	case KXP_OP_GET_XSAVE:
	case KXP_OP_GET_XSAVE2:
		trace_kxp_get_xsave(&ev);
		break;
	case KXP_OP_SET_XCRS:
		trace_kxp_set_xcrs(&ev);
		break;
	case KXP_OP_SET_SREGS:
		trace_kxp_set_sregs(&ev);
		break;
	default:
		trace_kxp_set_cpuid(&ev);
		break;
	}
}

void kxp_events_reset(void)
{
	raw_spin_lock(&kxp_ring_lock);
	kxp_head = 0;
	kxp_total = 0;
	kxp_dropped = 0;
	raw_spin_unlock(&kxp_ring_lock);
}

unsigned int kxp_events_snapshot(struct kxp_event **out)
{
	struct kxp_event *snap;
	unsigned int n, first, i;

	/* Sized for a full ring so that the copy never has to retry. */
	snap = kvmalloc_array(kxp_ring_size, sizeof(*snap), GFP_KERNEL);
	*out = snap;
	if (!snap)
		return 0;
	raw_spin_lock(&kxp_ring_lock);
	n = min_t(u64, kxp_head, kxp_ring_size);
	first = (kxp_head - n) % kxp_ring_size;
	for (i = 0; i < n; i++)
		snap[i] = kxp_ring[(first + i) % kxp_ring_size];
	raw_spin_unlock(&kxp_ring_lock);
	return n;
}

void kxp_events_stats(struct kxp_ring_stats *rs)
{
	raw_spin_lock(&kxp_ring_lock);
	rs->total = kxp_total;
	rs->dropped = kxp_dropped;
	rs->buffered = min_t(u64, kxp_head, kxp_ring_size);
	rs->seq_next = kxp_seq;
	raw_spin_unlock(&kxp_ring_lock);
}

size_t kxp_events_memory(void)
{
	return array_size(kxp_ring_size, sizeof(struct kxp_event));
}
