/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvm_xsave_probe: shared definitions of the module's parts.
 *
 * Data flow: probes.c sees KVM's ioctls and FPU calls (registry.c arms its
 * probes), records.c keeps one
 * record per vCPU (looked up by the struct kvm_vcpu address, which is never
 * shown), events.c keeps the bounded event ring, debugfs.c shows it all
 * and owns the per-VM and per-vCPU directories.
 */
#ifndef KXP_H
#define KXP_H

#include <linux/types.h>
#include <linux/list.h>
#include <linux/percpu.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/spinlock.h>

#include "kxp_names.h"
#include "kxp_classify.h"

#define KXP_VM_NAME_LEN 32

struct dentry;
struct seq_file;

/*
 * Failed calls of one (op, reason): how many, and the union of their
 * offending bits. A vCPU rarely fails for more than two or three reasons;
 * a pair beyond the slots is counted in fail_overflow, never lost.
 */
#define KXP_NR_FAIL_SLOTS 6

struct kxp_fail_slot {
	u8 op;
	u8 reason;
	u32 count;	/* 0: the slot is free */
	u64 bits;
};

/* Per-vCPU values shown in debugfs; copied out whole under the lock. */
struct kxp_vcpu_stats {
	u64 guest_supported_xcr0;
	u64 xcr0;
	u64 user_xfeatures;
	u64 xfd;
	u64 state_xstate_bv;
	u64 last_loaded_xstate_bv;
	u64 last_returned_xstate_bv;
	u64 set_xsave;
	u64 rejected_loads;
	u64 last_rejected_xstate_bv;
	u64 last_rejected_bits;
	u64 get_xsave;
	u64 trimmed_gets;
	u64 trimmed_bits;
	u64 last_trimmed_bits;
	u64 stripped_bits;
	u64 set_xcrs;
	u64 rejected_xcrs;
	u64 last_rejected_xcr0;
	u64 set_sregs;			/* KVM_SET_SREGS2 */
	u64 rejected_sregs;
	u64 last_rejected_cr4;		/* the CR4 the VMM asked for */
	u64 last_rejected_cr4_bits;	/* ... & this vCPU's reserved CR4 */
	u32 last_reject_reason;		/* KXP_NR_REASONS: none yet */
	u32 last_xcrs_reason;
	/*
	 * CPUID.(0xD,0) EDX:EAX of the VMM's last accepted KVM_SET_CPUID{,2},
	 * before KVM masks it with what it supports: the XCR0 the guest's
	 * CPU model asks for. Unknown until this module sees that call.
	 */
	bool have_requested_xcr0;
	u64 requested_xcr0;
	u32 fail_overflow;
	struct kxp_fail_slot fails[KXP_NR_FAIL_SLOTS];
	u32 last_sregs_reason;
	/*
	 * Loads (1 << KXP_OP_SET_XSAVE, _SET_XCRS, _SET_SREGS) refused with
	 * no accepted one of the same kind since, and the vCPU's VM exit
	 * count at the last such refusal; exits_now is filled when read.
	 */
	u32 failed_loads;
	u64 exits_at_failed_load;
	u64 exits_now;
	/*
	 * Loads after whose refusal the vCPU ran before one of the same kind
	 * was accepted, and its VM exits in between: kept until `reset`, so
	 * that a later accepted load (a reset's, a register dump's) does not
	 * hide that the guest ran without its state.
	 */
	u32 ran_after_loads;
	u64 ran_exits;
	pid_t pid;			/* tgid of the last caller */
	char comm[TASK_COMM_LEN];	/* its process: the leader's comm */
	pid_t tid;			/* the calling thread ... */
	char thread_comm[TASK_COMM_LEN];	/* ... and its comm */
};

/*
 * What the FPU probes saw during the ioctl in flight. Written and consumed
 * only inside one vCPU ioctl, which KVM serializes with vcpu->mutex.
 */
struct kxp_pending {
	bool set_seen;
	bool get_seen;
	struct kxp_xsave_hdr set_hdr;	/* the header the FPU code loaded */
	u64 set_xfd;
	enum kxp_reason set_reason;	/* kxp_classify_load()'s prediction */
	u64 set_bits;
	u64 set_mask;
	u64 get_state_bv;		/* in-kernel XSTATE_BV & user_xfeatures */
	u64 get_returned_bv;		/* from the user buffer, at return */
	u64 get_mask;
};

enum kxp_vcpu_state {
	KXP_VCPU_NEW,		/* waiting for its debugfs directory */
	KXP_VCPU_LIVE,
	KXP_VCPU_DEAD,		/* vCPU destroyed, waiting to be freed */
};

struct kxp_vm {
	struct list_head node;		/* kxp_vms while live */
	const void *kvm;		/* lookup key only, never dereferenced */
	char name[KXP_VM_NAME_LEN];	/* "<pid>-<fd>" as in KVM's debugfs */
	unsigned int live_vcpus;	/* under kxp_lock */
	unsigned int refs;		/* records pointing here, kxp_lock */
	struct dentry *dir;		/* dir work only */
	unsigned int nr_entries;	/* dir + summary, dir work only */
};

#define KXP_NR_VCPU_FILES 28

struct kxp_vcpu {
	struct hlist_node hnode;	/* kxp_vcpu_hash, RCU */
	struct list_head work_node;	/* new or dead list, kxp_lock */
	const void *key;		/* struct kvm_vcpu *, never shown */
	struct kxp_vm *vm;
	int vcpu_id;
	enum kxp_vcpu_state state;	/* kxp_lock */
	raw_spinlock_t lock;		/* protects st */
	struct kxp_vcpu_stats st;
	struct kxp_pending pend;
	pid_t caller_tid;		/* st.pid/comm are of this thread... */
	char caller_comm[TASK_COMM_LEN];	/* ... named this, raw */
	bool want_files;		/* vcpu_files when it was tracked */
	struct dentry *dir;		/* dir work only */
	unsigned int nr_entries;	/* dir + files, dir work only */
	/* file i_private points at ids[i] == i: field and record in one */
	u8 ids[KXP_NR_VCPU_FILES];
};

/* Global counters (counters.c), in the order `stats` prints them. */
enum kxp_counter {
	KXP_CTR_TRACK_FAILURES,
	KXP_CTR_UNTRACKED_IOCTLS,
	KXP_CTR_SET_XSAVE,
	KXP_CTR_REJECTED_LOADS,
	KXP_CTR_STRIPPED_LOADS,
	KXP_CTR_GET_XSAVE,
	KXP_CTR_TRIMMED_GETS,
	KXP_CTR_SET_XCRS,
	KXP_CTR_REJECTED_XCRS,
	KXP_CTR_SET_CPUID,
	KXP_CTR_REJECTED_CPUID,
	KXP_CTR_CPUID_CHANGES,
	KXP_CTR_RAW_HEADER_UNAVAILABLE,
	KXP_CTR_CLASSIFY_MISMATCH,
	KXP_CTR_POOL_EMPTY,
	KXP_CTR_DEBUGFS_FAILURES,
	KXP_CTR_SET_SREGS,
	KXP_CTR_REJECTED_SREGS,
	KXP_CTR_DUPLICATE_VCPU_IDS,
	KXP_CTR_STALE_RECORDS,
	KXP_CTR_STALE_VMS,
	KXP_NR_COUNTERS
};

struct kxp_counters {
	u64 c[KXP_NR_COUNTERS];
};

DECLARE_PER_CPU(struct kxp_counters, kxp_counters);

/* From any context: one instruction on x86, no lock, no shared line. */
#define kxp_count(ctr) this_cpu_inc(kxp_counters.c[KXP_CTR_##ctr])

/* What a measurement showed about KVM's contract: not seen, no, yes. */
enum kxp_seen { KXP_SEEN_UNKNOWN, KXP_SEEN_NO, KXP_SEEN_YES };

struct kxp_host {
	u64 xcr0;
	u64 xss;
	u32 mxcsr_feature_mask;
	u64 kvm_supported_xcr0;		/* 0 until learned */
	/* Did a KVM_SET_XSAVE with XSTATE_BV bits armed in XFD drop them? */
	enum kxp_seen set_strips_xfd;
};

/* No header could be read: xstate_bv is not data. */
#define KXP_EV_NO_HEADER 0x1

/* One event; printed by debugfs.c, mirrored to the tracepoints. */
struct kxp_event {
	u64 seq;
	u64 ts_ns;
	u64 xstate_bv;
	u64 mask;
	u64 bits;
	u64 requested_xcr0;	/* the vCPU's, when the event was made */
	bool have_requested_xcr0;
	pid_t pid;
	pid_t tid;
	int vcpu_id;
	int ret;
	u32 ioctl;	/* the ioctl's number, for the tracepoints */
	u8 flags;	/* KXP_EV_* */
	u8 op;
	u8 reason;
	char comm[TASK_COMM_LEN];	/* the process (thread group leader) */
	char vm[KXP_VM_NAME_LEN];
	char thread_comm[TASK_COMM_LEN];	/* the thread that called */
};

extern struct kxp_host kxp_host;
extern unsigned int kxp_ring_size;
extern unsigned int kxp_max_vcpus;
extern bool kxp_log_all;
extern bool kxp_vcpu_files;

/* counters.c */
u64 kxp_counters_read(u64 out[KXP_NR_COUNTERS]);
void kxp_counters_reset(void);
size_t kxp_counters_memory(void);

/* records.c */
int kxp_records_init(void);
/* Stop the work items; then the debugfs tree goes, then the records. */
void kxp_records_stop(void);
void kxp_records_exit(void);
struct kxp_vcpu *kxp_vcpu_find_or_track(const void *vcpu, int vcpu_id,
					const void *kvm, const char *vm_name);
struct kxp_vcpu *kxp_vcpu_find(const void *vcpu);
/* Returns whether @vcpu had a record. */
bool kxp_vcpu_forget(const void *vcpu);
void kxp_records_reset(void);
unsigned int kxp_vcpus_tracked(unsigned int *nr_vms);
size_t kxp_records_memory(void);
/* Copy up to @max records' stats into @out (with vm names), for `vcpus`. */
struct kxp_vcpu_row {
	char vm[KXP_VM_NAME_LEN];
	int vcpu_id;
	struct kxp_vcpu_stats st;
};

/*
 * Copies at most @max rows, of @vm's vCPUs or all (@vm NULL), sorted;
 * returns how many records there were.
 */
unsigned int kxp_vcpus_snapshot(struct kxp_vcpu_row *out, unsigned int max,
				unsigned int *copied, const struct kxp_vm *vm);
void kxp_vcpu_read_stats(struct kxp_vcpu *rec, struct kxp_vcpu_stats *out);

/* events.c */
int kxp_events_init(void);
/* @comm has TASK_COMM_LEN bytes: the calling thread's, sanitized. */
void kxp_current_comm(char *comm);
/* The same for the calling process (its thread group leader). */
void kxp_current_process_comm(char *comm);
void kxp_events_exit(void);
/* @vm is the VM's name: an event needs no vCPU record. */
/* @requested_xcr0: the vCPU's, NULL when unknown. */
void kxp_event_emit(int vcpu_id, const char *vm, unsigned int ioctl,
		    enum kxp_op op, int ret, enum kxp_reason reason,
		    u64 xstate_bv, u64 mask, u64 bits, u8 flags,
		    const u64 *requested_xcr0);
void kxp_events_reset(void);
/* Snapshot of the ring, oldest first; returns the count, kvfree() it. */
unsigned int kxp_events_snapshot(struct kxp_event **out);
struct kxp_ring_stats {
	u64 total;
	u64 dropped;
	u64 buffered;
	u64 seq_next;
};

void kxp_events_stats(struct kxp_ring_stats *rs);
size_t kxp_events_memory(void);

/* registry.c */
int kxp_probes_init(void);
void kxp_probes_exit(void);
/* The probe.* and maxactive lines of `info`. */
void kxp_probes_show(struct seq_file *m);
u64 kxp_probes_missed(void);
void kxp_probes_missed_reset(void);

/* probes.c */
/* The VM exits of a live vCPU (@vcpu: a record key), for `vcpus`. */
u64 kxp_vcpu_exits(const void *vcpu);
/* Guest entries since the last unanswered failed load: 0 when none. */
static inline u64 kxp_exits_after_failed_load(const struct kxp_vcpu_stats *st)
{
	u64 now = 0;

	if (st->failed_loads && st->exits_now > st->exits_at_failed_load)
		now = st->exits_now - st->exits_at_failed_load;
	return max(now, st->ran_exits);
}

/* debugfs.c */
int kxp_debugfs_init(void);
void kxp_debugfs_exit(void);
/*
 * The directories of VMs and vCPUs, from records.c's work item only: a new
 * record gets its VM's directory (and its own with vcpu_files), a dead
 * one loses its own, the VM's last one the VM's.
 */
void kxp_debugfs_vcpu_add(struct kxp_vcpu *rec);
void kxp_debugfs_vcpu_remove(struct kxp_vcpu *rec);
void kxp_debugfs_vm_remove(struct kxp_vm *vm);
/* debugfs directories and files made for VMs and vCPUs, now. */
unsigned long kxp_debugfs_entries(void);
/* Decode @mask into @buf as "fp,sse,..." (or "-"), joined by @sep. */
char *kxp_decode_mask(char *buf, size_t len, u64 mask, char sep);
/* The same for CR4 bits, with the X86_CR4_* names. */
char *kxp_decode_cr4(char *buf, size_t len, u64 cr4, char sep);
#define KXP_NAMES_LEN 512

#endif /* KXP_H */
