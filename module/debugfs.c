// SPDX-License-Identifier: GPL-2.0
/*
 * debugfs files and directories; docs/debugfs.md is their contract. Every
 * read works on a snapshot taken under the locks, then formats it with
 * seq_file, so reads of any size and offset see one consistent state.
 *
 * Footprint: each debugfs entry is an inode and a dentry, about 0.9 KiB of
 * slab, more than a record. By default a vCPU gets none: its VM has one
 * directory with one file, `summary`, for all its vCPUs. The per-vCPU
 * directories with one file per value come only with vcpu_files=1.
 */
#include <linux/debugfs.h>
#include <linux/mm.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/utsname.h>
#include <asm/processor.h>

#include "compat.h"
#include "kxp.h"

static char *kxp_decode_bits(char *buf, size_t len, u64 mask, char sep,
			     bool cr4)
{
	size_t pos = 0;
	unsigned int bit;

	if (!mask) {
		strscpy(buf, "-", len);
		return buf;
	}
	buf[0] = '\0';
	for (bit = 0; bit < 64; bit++) {
		if (!(mask & BIT_ULL(bit)))
			continue;
		if (pos)
			pos += scnprintf(buf + pos, len - pos, "%c", sep);
		if (!cr4 && kxp_xfeature_is_named(bit))
			pos += scnprintf(buf + pos, len - pos, "%s",
					 kxp_xfeature_names[bit]);
		else if (cr4 && kxp_cr4_is_named(bit))
			pos += scnprintf(buf + pos, len - pos, "%s",
					 kxp_cr4_names[bit]);
		else
			pos += scnprintf(buf + pos, len - pos, "bit%u", bit);
	}
	return buf;
}

char *kxp_decode_mask(char *buf, size_t len, u64 mask, char sep)
{
	return kxp_decode_bits(buf, len, mask, sep, false);
}

char *kxp_decode_cr4(char *buf, size_t len, u64 cr4, char sep)
{
	return kxp_decode_bits(buf, len, cr4, sep, true);
}

static const char *kxp_reason_name(u32 reason)
{
	return reason < KXP_NR_REASONS ? kxp_reason_names[reason] : "-";
}

static const char *kxp_op_name(u32 op)
{
	return op < KXP_NR_OPS ? kxp_op_names[op] : "-";
}

/*
 * The failed calls of a vCPU, per op and reason: "op:reason:count:0xbits"
 * joined by ';', then "+N" for failures of pairs beyond the slots; "-"
 * when there were none.
 */
static void kxp_failures(char *buf, size_t len,
			 const struct kxp_vcpu_stats *st)
{
	const struct kxp_fail_slot *f;
	size_t pos = 0;

	buf[0] = '\0';
	for (f = st->fails; f < st->fails + KXP_NR_FAIL_SLOTS; f++)
		if (f->count)
			pos += scnprintf(buf + pos, len - pos, "%s%s:%s:%u:0x%llx",
					 pos ? ";" : "", kxp_op_name(f->op),
					 kxp_reason_name(f->reason), f->count,
					 f->bits);
	if (st->fail_overflow)
		pos += scnprintf(buf + pos, len - pos, "%s+%u", pos ? ";" : "",
				 st->fail_overflow);
	if (!pos)
		strscpy(buf, "-", len);
}

static const char *const kxp_seen_names[] = {
	[KXP_SEEN_UNKNOWN] = "unknown",
	[KXP_SEEN_NO] = "no",
	[KXP_SEEN_YES] = "yes",
};

/*
 * KVM's contract on this kernel, for the reader's verdicts: from the
 * target's headers where a change left a mark there, else as measured.
 */
#ifdef KXP_HAVE_PROTECTED_STATE_VM
#define KXP_PROTECTED_REFUSED "yes"
#else
#define KXP_PROTECTED_REFUSED "no"
#endif

static void kxp_show_contract(struct seq_file *m)
{
	/* 18164f66e6c5 + 8647c52e9504: the exported mask argument. */
	seq_printf(m, "contract.get_trims_to_cpuid: %s\n",
		   KXP_UABI_XFEATURES_ARG ? "yes" : "no");
	seq_printf(m, "contract.protected_state_refused: %s\n",
		   KXP_PROTECTED_REFUSED);
	seq_printf(m, "contract.set_strips_xfd: %s\n",
		   kxp_seen_names[READ_ONCE(kxp_host.set_strips_xfd)]);
}

/* ---- info ---- */

static void kxp_show_xfeatures(struct seq_file *m)
{
	u64 all = kxp_host.xcr0 | kxp_host.xss;
	unsigned int bit, eax, ebx, ecx, edx;
	char name[16];

	for (bit = 2; bit < 64; bit++) {
		if (!(all & BIT_ULL(bit)))
			continue;
		cpuid_count(0xd, bit, &eax, &ebx, &ecx, &edx);
		if (kxp_xfeature_is_named(bit))
			strscpy(name, kxp_xfeature_names[bit], sizeof(name));
		else
			snprintf(name, sizeof(name), "bit%u", bit);
		seq_printf(m, "xfeature.%s: size=%u offset=%u\n", name, eax,
			   ebx);
	}
}

static int kxp_info_show(struct seq_file *m, void *unused)
{
	u64 kvm_xcr0 = READ_ONCE(kxp_host.kvm_supported_xcr0);
	char names[KXP_NAMES_LEN];
	unsigned int i;

	seq_printf(m, "version: %s\n", KXP_VERSION);
	seq_printf(m, "format: %d\n", KXP_FORMAT_VERSION);
	seq_printf(m, "kernel: %s\n", init_utsname()->release);
	kxp_probes_show(m);
	for (i = 0; i < ARRAY_SIZE(kxp_compat_traits); i++)
		seq_printf(m, "trait.%s: %s\n", kxp_compat_traits[i].name,
			   kxp_compat_traits[i].present ? "yes" : "no");
	kxp_show_contract(m);
	seq_printf(m, "host_xcr0: 0x%llx %s\n", kxp_host.xcr0,
		   kxp_decode_mask(names, sizeof(names), kxp_host.xcr0, ','));
	seq_printf(m, "host_xss: 0x%llx\n", kxp_host.xss);
	if (kvm_xcr0)
		seq_printf(m, "kvm_supported_xcr0: 0x%llx %s\n", kvm_xcr0,
			   kxp_decode_mask(names, sizeof(names), kvm_xcr0,
					   ','));
	else
		seq_puts(m, "kvm_supported_xcr0: unknown\n");
	seq_printf(m, "mxcsr_feature_mask: 0x%x\n",
		   kxp_host.mxcsr_feature_mask);
	kxp_show_xfeatures(m);
	seq_printf(m, "ring_size: %u\n", kxp_ring_size);
	seq_printf(m, "log_all: %d\n", READ_ONCE(kxp_log_all) ? 1 : 0);
	seq_printf(m, "vcpu_files: %d\n", READ_ONCE(kxp_vcpu_files) ? 1 : 0);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(kxp_info);

/* ---- stats ---- */

static const char *const kxp_counter_names[KXP_NR_COUNTERS] = {
	[KXP_CTR_TRACK_FAILURES] = "track_failures",
	[KXP_CTR_UNTRACKED_IOCTLS] = "untracked_ioctls",
	[KXP_CTR_SET_XSAVE] = "set_xsave",
	[KXP_CTR_REJECTED_LOADS] = "rejected_loads",
	[KXP_CTR_STRIPPED_LOADS] = "stripped_loads",
	[KXP_CTR_GET_XSAVE] = "get_xsave",
	[KXP_CTR_TRIMMED_GETS] = "trimmed_gets",
	[KXP_CTR_SET_XCRS] = "set_xcrs",
	[KXP_CTR_REJECTED_XCRS] = "rejected_xcrs",
	[KXP_CTR_SET_CPUID] = "set_cpuid",
	[KXP_CTR_REJECTED_CPUID] = "rejected_cpuid",
	[KXP_CTR_CPUID_CHANGES] = "cpuid_changes",
	[KXP_CTR_RAW_HEADER_UNAVAILABLE] = "raw_header_unavailable",
	[KXP_CTR_CLASSIFY_MISMATCH] = "classify_mismatch",
	[KXP_CTR_POOL_EMPTY] = "pool_empty",
	[KXP_CTR_DEBUGFS_FAILURES] = "debugfs_failures",
	[KXP_CTR_SET_SREGS] = "set_sregs",
	[KXP_CTR_REJECTED_SREGS] = "rejected_sregs",
	[KXP_CTR_DUPLICATE_VCPU_IDS] = "duplicate_vcpu_ids",
	[KXP_CTR_STALE_RECORDS] = "stale_records",
	[KXP_CTR_STALE_VMS] = "stale_vms",
};

static int kxp_stats_show(struct seq_file *m, void *unused)
{
	struct kxp_ring_stats rs;
	unsigned int i, vms, vcpus = kxp_vcpus_tracked(&vms);
	u64 ctr[KXP_NR_COUNTERS], resets = kxp_counters_read(ctr);

	kxp_events_stats(&rs);
	seq_printf(m, "events_total: %llu\n", rs.total);
	seq_printf(m, "events_dropped: %llu\n", rs.dropped);
	seq_printf(m, "events_buffered: %llu\n", rs.buffered);
	seq_printf(m, "ring_size: %u\n", kxp_ring_size);
	seq_printf(m, "seq_next: %llu\n", rs.seq_next);
	seq_printf(m, "vcpus_tracked: %u\n", vcpus);
	seq_printf(m, "vms_tracked: %u\n", vms);
	seq_printf(m, "vcpus_max: %u\n", kxp_max_vcpus);
	for (i = 0; i < KXP_NR_COUNTERS; i++)
		seq_printf(m, "%s: %llu\n", kxp_counter_names[i], ctr[i]);
	seq_printf(m, "probe_missed: %llu\n", kxp_probes_missed());
	seq_printf(m, "memory_bytes: %zu\n",
		   kxp_records_memory() + kxp_events_memory() +
		   kxp_counters_memory());
	seq_printf(m, "debugfs_entries: %lu\n", kxp_debugfs_entries());
	seq_printf(m, "resets: %llu\n", resets);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(kxp_stats);

/* ---- snapshot-backed seq_files: vcpus and events ---- */

struct kxp_snap {
	void *items;
	unsigned int n;
	size_t size;		/* bytes per item */
	bool header;		/* a header line comes first */
};

static void *kxp_snap_start(struct seq_file *m, loff_t *pos)
{
	struct kxp_snap *s = m->private;
	loff_t idx = *pos;

	if (s->header) {
		if (idx == 0)
			return SEQ_START_TOKEN;
		idx--;
	}
	return idx < s->n ? s->items + idx * s->size : NULL;
}

static void *kxp_snap_next(struct seq_file *m, void *v, loff_t *pos)
{
	++*pos;
	return kxp_snap_start(m, pos);
}

static void kxp_snap_stop(struct seq_file *m, void *v)
{
}

static int kxp_snap_release(struct inode *inode, struct file *file)
{
	struct kxp_snap *s = ((struct seq_file *)file->private_data)->private;

	kvfree(s->items);
	return seq_release_private(inode, file);
}

static void kxp_problems(char *buf, size_t len,
			 const struct kxp_vcpu_stats *st)
{
	char names[KXP_NAMES_LEN];
	size_t pos = 0;

	buf[0] = '\0';
	if (st->rejected_loads) {
		if (st->last_rejected_bits &&
		    st->last_reject_reason != KXP_REASON_MXCSR &&
		    st->last_reject_reason != KXP_REASON_COMPACTED)
			kxp_decode_mask(names, sizeof(names),
					st->last_rejected_bits, '+');
		else
			strscpy(names, kxp_reason_name(st->last_reject_reason),
				sizeof(names));
		pos += scnprintf(buf + pos, len - pos, "rejected=%s", names);
	}
	if (st->trimmed_bits)
		pos += scnprintf(buf + pos, len - pos, "%strimmed=%s",
				 pos ? ";" : "",
				 kxp_decode_mask(names, sizeof(names),
						 st->trimmed_bits, '+'));
	if (st->stripped_bits)
		pos += scnprintf(buf + pos, len - pos, "%sstripped=%s",
				 pos ? ";" : "",
				 kxp_decode_mask(names, sizeof(names),
						 st->stripped_bits, '+'));
	if (st->rejected_xcrs)
		pos += scnprintf(buf + pos, len - pos, "%sxcr0=%s",
				 pos ? ";" : "",
				 kxp_decode_mask(names, sizeof(names),
						 st->last_rejected_xcr0, '+'));
	if (st->rejected_sregs) {
		if (st->last_sregs_reason == KXP_REASON_CR4_RESERVED)
			kxp_decode_cr4(names, sizeof(names),
				       st->last_rejected_cr4_bits, '+');
		else
			strscpy(names, kxp_reason_name(st->last_sregs_reason),
				sizeof(names));
		pos += scnprintf(buf + pos, len - pos, "%scr4=%s",
				 pos ? ";" : "", names);
	}
	if (!pos)
		strscpy(buf, "-", len);
}

/* The ops of failed_loads, "+"-joined, "-" when none. */
static char *kxp_decode_ops(char *buf, size_t len, u32 ops)
{
	size_t pos = 0;
	unsigned int op;

	strscpy(buf, "-", len);
	for (op = 0; op < KXP_NR_OPS; op++)
		if (ops & (1U << op))
			pos += scnprintf(buf + pos, len - pos, "%s%s",
					 pos ? "+" : "", kxp_op_names[op]);
	return buf;
}

/* A mask column and its names column ("+"-joined, "-" when empty). */
static void kxp_seq_mask(struct seq_file *m, u64 mask, char *names)
{
	seq_printf(m, " 0x%llx %s", mask,
		   kxp_decode_mask(names, KXP_NAMES_LEN, mask, '+'));
}

static int kxp_vcpus_seq_show(struct seq_file *m, void *v)
{
	const struct kxp_vcpu_row *r = v;
	const struct kxp_vcpu_stats *st;
	char names[KXP_NAMES_LEN];

	if (v == SEQ_START_TOKEN) {
		seq_puts(m, "vm vcpu pid comm guest_supported_xcr0 guest_supported_names xcr0 xcr0_names user_xfeatures user_xfeatures_names xfd xfd_names set_xsave rejected_loads get_xsave trimmed_gets stripped_bits set_xcrs rejected_xcrs problems requested_xcr0 requested_xcr0_names failures last_returned_xstate_bv last_xcrs_reason set_sregs rejected_sregs failed_loads exits_after_failed_load tid thread_comm\n");
		return 0;
	}
	st = &r->st;
	seq_printf(m, "%s %d %d %s", r->vm, r->vcpu_id, st->pid,
		   st->comm[0] ? st->comm : "-");
	kxp_seq_mask(m, st->guest_supported_xcr0, names);
	kxp_seq_mask(m, st->xcr0, names);
	kxp_seq_mask(m, st->user_xfeatures, names);
	kxp_seq_mask(m, st->xfd, names);
	kxp_problems(names, sizeof(names), st);
	seq_printf(m, " %llu %llu %llu %llu 0x%llx %llu %llu %s",
		   st->set_xsave, st->rejected_loads, st->get_xsave,
		   st->trimmed_gets, st->stripped_bits, st->set_xcrs,
		   st->rejected_xcrs, names);
	if (st->have_requested_xcr0)
		kxp_seq_mask(m, st->requested_xcr0, names);
	else
		seq_puts(m, " unknown unknown");
	kxp_failures(names, sizeof(names), st);
	seq_printf(m, " %s 0x%llx %s", names, st->last_returned_xstate_bv,
		   kxp_reason_name(st->last_xcrs_reason));
	seq_printf(m, " %llu %llu %s %llu %d %s\n", st->set_sregs,
		   st->rejected_sregs,
		   kxp_decode_ops(names, sizeof(names),
				  st->failed_loads | st->ran_after_loads),
		   kxp_exits_after_failed_load(st), st->tid,
		   st->thread_comm[0] ? st->thread_comm : "-");
	return 0;
}

static const struct seq_operations kxp_vcpus_seq_ops = {
	.start = kxp_snap_start,
	.next = kxp_snap_next,
	.stop = kxp_snap_stop,
	.show = kxp_vcpus_seq_show,
};

/*
 * A snapshot of the rows of @vm's vCPUs (all vCPUs: NULL). Never short:
 * when vCPUs appeared since the count, copy again into room for all of
 * them. Records never exceed max_vcpus, so this ends.
 */
static int kxp_rows_open(struct file *file,
			 const struct seq_operations *ops,
			 const struct kxp_vm *vm)
{
	unsigned int cap = kxp_vcpus_tracked(NULL) + 64, total;
	struct kxp_snap *s;

	s = __seq_open_private(file, ops, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->size = sizeof(struct kxp_vcpu_row);
	s->header = !vm;
	for (;;) {
		cap = min(cap, kxp_max_vcpus);
		s->items = kvmalloc_array(max(cap, 1U), s->size, GFP_KERNEL);
		if (!s->items) {
			seq_release_private(file_inode(file), file);
			return -ENOMEM;
		}
		total = kxp_vcpus_snapshot(s->items, cap, &s->n, vm);
		if (total <= cap)
			return 0;
		kvfree(s->items);
		cap = total + 64;
	}
}

static int kxp_vcpus_open(struct inode *inode, struct file *file)
{
	return kxp_rows_open(file, &kxp_vcpus_seq_ops, NULL);
}

static const struct file_operations kxp_vcpus_fops = {
	.owner = THIS_MODULE,
	.open = kxp_vcpus_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = kxp_snap_release,
};

static int kxp_events_seq_show(struct seq_file *m, void *v)
{
	const struct kxp_event *e = v;
	char names[KXP_NAMES_LEN];
	bool feature_bits = e->reason != KXP_REASON_MXCSR &&
			    e->reason != KXP_REASON_COMPACTED;

	if (e->op == KXP_OP_SET_SREGS)
		kxp_decode_cr4(names, sizeof(names), e->bits, ',');
	else if (feature_bits)
		kxp_decode_mask(names, sizeof(names), e->bits, ',');
	else
		strscpy(names, "-", sizeof(names));
	seq_printf(m, "seq=%llu ts=%llu.%09llu pid=%d tid=%d comm=%s vm=%s vcpu=%d op=%s ret=%d reason=%s ",
		   e->seq, e->ts_ns / NSEC_PER_SEC, e->ts_ns % NSEC_PER_SEC,
		   e->pid, e->tid, e->comm, e->vm, e->vcpu_id,
		   kxp_op_name(e->op), e->ret, kxp_reason_name(e->reason));
	/* "-": no header could be read, so there is no XSTATE_BV to show. */
	if (e->flags & KXP_EV_NO_HEADER)
		seq_puts(m, "xstate_bv=-");
	else
		seq_printf(m, "xstate_bv=0x%llx", e->xstate_bv);
	seq_printf(m, " mask=0x%llx bits=0x%llx names=%s", e->mask, e->bits,
		   names);
	if (e->have_requested_xcr0)
		seq_printf(m, " requested_xcr0=0x%llx", e->requested_xcr0);
	else
		seq_puts(m, " requested_xcr0=unknown");
	seq_printf(m, " thread_comm=%s\n", e->thread_comm);
	return 0;
}

static const struct seq_operations kxp_events_seq_ops = {
	.start = kxp_snap_start,
	.next = kxp_snap_next,
	.stop = kxp_snap_stop,
	.show = kxp_events_seq_show,
};

static int kxp_events_open(struct inode *inode, struct file *file)
{
	struct kxp_event *events;
	struct kxp_snap *s;

	s = __seq_open_private(file, &kxp_events_seq_ops, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->size = sizeof(struct kxp_event);
	s->n = kxp_events_snapshot(&events);
	s->items = events;
	if (!events) {
		seq_release_private(inode, file);
		return -ENOMEM;
	}
	return 0;
}

static const struct file_operations kxp_events_fops = {
	.owner = THIS_MODULE,
	.open = kxp_events_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = kxp_snap_release,
};

/* ---- reset ---- */

static ssize_t kxp_reset_write(struct file *file, const char __user *ubuf,
			       size_t count, loff_t *ppos)
{
	char buf[4] = {};

	/* Exactly "1" or "1\n" at offset 0; anything else changes nothing. */
	if (*ppos != 0 || count == 0 || count > 2)
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	if (buf[0] != '1' || (count == 2 && buf[1] != '\n'))
		return -EINVAL;
	kxp_records_reset();
	kxp_events_reset();
	kxp_counters_reset();
	kxp_probes_missed_reset();
	*ppos += count;
	return count;
}

static const struct file_operations kxp_reset_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = kxp_reset_write,
	/* No .llseek: unseekable; 6.1 defines no_llseek as NULL anyway. */
};

/* ---- per-vCPU files ---- */

enum kxp_field_kind { KXP_HEX, KXP_CR4, KXP_DEC, KXP_REASON, KXP_SUMMARY };

#define KXP_FIELD(f, kind) { #f, offsetof(struct kxp_vcpu_stats, f), kind }

static const struct kxp_field {
	const char *name;
	unsigned short off;
	enum kxp_field_kind kind;
} kxp_fields[] = {
	KXP_FIELD(guest_supported_xcr0, KXP_HEX),
	KXP_FIELD(xcr0, KXP_HEX),
	KXP_FIELD(user_xfeatures, KXP_HEX),
	KXP_FIELD(xfd, KXP_HEX),
	KXP_FIELD(state_xstate_bv, KXP_HEX),
	KXP_FIELD(last_loaded_xstate_bv, KXP_HEX),
	KXP_FIELD(last_returned_xstate_bv, KXP_HEX),
	KXP_FIELD(set_xsave, KXP_DEC),
	KXP_FIELD(rejected_loads, KXP_DEC),
	KXP_FIELD(last_rejected_xstate_bv, KXP_HEX),
	KXP_FIELD(last_rejected_bits, KXP_HEX),
	KXP_FIELD(last_reject_reason, KXP_REASON),
	KXP_FIELD(get_xsave, KXP_DEC),
	KXP_FIELD(trimmed_gets, KXP_DEC),
	KXP_FIELD(trimmed_bits, KXP_HEX),
	KXP_FIELD(last_trimmed_bits, KXP_HEX),
	KXP_FIELD(stripped_bits, KXP_HEX),
	KXP_FIELD(set_xcrs, KXP_DEC),
	KXP_FIELD(rejected_xcrs, KXP_DEC),
	KXP_FIELD(last_rejected_xcr0, KXP_HEX),
	KXP_FIELD(set_sregs, KXP_DEC),
	KXP_FIELD(rejected_sregs, KXP_DEC),
	KXP_FIELD(last_rejected_cr4, KXP_CR4),
	KXP_FIELD(last_rejected_cr4_bits, KXP_CR4),
	KXP_FIELD(last_sregs_reason, KXP_REASON),
	{ "summary", 0, KXP_SUMMARY },
};

static_assert(ARRAY_SIZE(kxp_fields) <= KXP_NR_VCPU_FILES);

static void kxp_show_field(struct seq_file *m, const struct kxp_field *f,
			   const struct kxp_vcpu_stats *st, bool labelled)
{
	const void *p = (const u8 *)st + f->off;
	char names[KXP_NAMES_LEN];
	u64 v = 0;

	if (f->kind != KXP_REASON)
		v = *(const u64 *)p;
	if (labelled)
		seq_printf(m, "%s: ", f->name);
	switch (f->kind) {
	case KXP_HEX:
		seq_printf(m, "0x%llx", v);
		if (labelled && v)
			seq_printf(m, " %s", kxp_decode_mask(names,
							     sizeof(names),
							     v, ','));
		break;
	case KXP_CR4:
		seq_printf(m, "0x%llx", v);
		if (labelled && v)
			seq_printf(m, " %s", kxp_decode_cr4(names,
							    sizeof(names),
							    v, ','));
		break;
	case KXP_DEC:
		seq_printf(m, "%llu", v);
		break;
	default:
		seq_puts(m, kxp_reason_name(*(const u32 *)p));
		break;
	}
	seq_putc(m, '\n');
}

/* One vCPU's `key: value` lines: its summary file, or its VM's. */
static void kxp_show_summary(struct seq_file *m, const char *vm, int vcpu_id,
			     const struct kxp_vcpu_stats *st)
{
	char names[KXP_NAMES_LEN];
	unsigned int i;

	seq_printf(m, "vm: %s\nvcpu: %d\npid: %d\ncomm: %s\ntid: %d\nthread_comm: %s\n",
		   vm, vcpu_id, st->pid, st->comm[0] ? st->comm : "-",
		   st->tid, st->thread_comm[0] ? st->thread_comm : "-");
	for (i = 0; i < ARRAY_SIZE(kxp_fields) - 1; i++)
		kxp_show_field(m, &kxp_fields[i], st, true);
	/* In the summary only: no file of its own (footprint). */
	seq_printf(m, "last_xcrs_reason: %s\n",
		   kxp_reason_name(st->last_xcrs_reason));
	if (st->have_requested_xcr0)
		seq_printf(m, "requested_xcr0: 0x%llx %s\n", st->requested_xcr0,
			   kxp_decode_mask(names, sizeof(names),
					   st->requested_xcr0, ','));
	else
		seq_puts(m, "requested_xcr0: unknown\n");
	kxp_failures(names, sizeof(names), st);
	seq_printf(m, "failures: %s\n", names);
	seq_printf(m, "failed_loads: %s\nexits_after_failed_load: %llu\n",
		   kxp_decode_ops(names, sizeof(names),
				  st->failed_loads | st->ran_after_loads),
		   kxp_exits_after_failed_load(st));
}

static int kxp_vcpu_file_show(struct seq_file *m, void *unused)
{
	const u8 *id = m->private;
	struct kxp_vcpu *rec = container_of(id - *id, struct kxp_vcpu, ids[0]);
	const struct kxp_field *f = &kxp_fields[*id];
	struct kxp_vcpu_stats st;

	kxp_vcpu_read_stats(rec, &st);
	if (f->kind == KXP_SUMMARY)
		kxp_show_summary(m, rec->vm->name, rec->vcpu_id, &st);
	else
		kxp_show_field(m, f, &st, false);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(kxp_vcpu_file);

/* <vm>/summary: the summaries of the VM's vCPUs, by id, a blank line between. */
static int kxp_vm_summary_seq_show(struct seq_file *m, void *v)
{
	const struct kxp_vcpu_row *r = v;
	const struct kxp_snap *s = m->private;

	if (r != s->items)
		seq_putc(m, '\n');
	kxp_show_summary(m, r->vm, r->vcpu_id, &r->st);
	return 0;
}

static const struct seq_operations kxp_vm_summary_seq_ops = {
	.start = kxp_snap_start,
	.next = kxp_snap_next,
	.stop = kxp_snap_stop,
	.show = kxp_vm_summary_seq_show,
};

/* debugfs_remove() of the VM's directory waits for us: @vm is alive. */
static int kxp_vm_summary_open(struct inode *inode, struct file *file)
{
	return kxp_rows_open(file, &kxp_vm_summary_seq_ops, inode->i_private);
}

static const struct file_operations kxp_vm_summary_fops = {
	.owner = THIS_MODULE,
	.open = kxp_vm_summary_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = kxp_snap_release,
};

/* ---- the directories of VMs and vCPUs (records.c's work item) ---- */

static struct dentry *kxp_root;
/* Written by the work item only; read by stats. */
static unsigned long kxp_nr_entries;

static void kxp_entries_add(long n)
{
	WRITE_ONCE(kxp_nr_entries, kxp_nr_entries + n);
}

unsigned long kxp_debugfs_entries(void)
{
	return READ_ONCE(kxp_nr_entries);
}

/* Returns how many files it made. */
static unsigned int kxp_vcpu_files_create(struct kxp_vcpu *rec)
{
	unsigned int i, n = 0;

	for (i = 0; i < ARRAY_SIZE(kxp_fields); i++)
		if (!IS_ERR(debugfs_create_file(kxp_fields[i].name, 0400,
						rec->dir, &rec->ids[i],
						&kxp_vcpu_file_fops)))
			n++;
		else
			kxp_count(DEBUGFS_FAILURES);
	return n;
}

/* A dying VM of the same name may still have its directory: add ~N. */
static struct dentry *kxp_create_vm_dir(const char *name)
{
	char alt[KXP_VM_NAME_LEN + 8];
	struct dentry *old;
	int i;

	strscpy(alt, name, sizeof(alt));
	for (i = 2; i <= 10; i++) {
		/* Look first: debugfs complains loudly about duplicates. */
		old = debugfs_lookup(alt, kxp_root);
		if (!old) {
			old = debugfs_create_dir(alt, kxp_root);
			return IS_ERR(old) ? NULL : old;
		}
		dput(old);
		snprintf(alt, sizeof(alt), "%s~%d", name, i);
	}
	return NULL;
}

static bool kxp_vm_dir(struct kxp_vm *vm)
{
	if (vm->dir)
		return true;
	vm->dir = kxp_create_vm_dir(vm->name);
	if (!vm->dir) {
		kxp_count(DEBUGFS_FAILURES);
		return false;
	}
	vm->nr_entries = 1;
	if (IS_ERR(debugfs_create_file("summary", 0400, vm->dir, vm,
				       &kxp_vm_summary_fops)))
		kxp_count(DEBUGFS_FAILURES);
	else
		vm->nr_entries++;
	kxp_entries_add(vm->nr_entries);
	return true;
}

void kxp_debugfs_vcpu_add(struct kxp_vcpu *rec)
{
	char name[24];

	if (!kxp_vm_dir(rec->vm) || !rec->want_files)
		return;
	snprintf(name, sizeof(name), "vcpu%d", rec->vcpu_id);
	rec->dir = debugfs_create_dir(name, rec->vm->dir);
	if (IS_ERR(rec->dir)) {
		kxp_count(DEBUGFS_FAILURES);
		rec->dir = NULL;
		return;
	}
	rec->nr_entries = 1 + kxp_vcpu_files_create(rec);
	kxp_entries_add(rec->nr_entries);
}

/* Waits for readers inside the files: then nothing reaches @rec. */
void kxp_debugfs_vcpu_remove(struct kxp_vcpu *rec)
{
	debugfs_remove(rec->dir);
	rec->dir = NULL;
	kxp_entries_add(-(long)rec->nr_entries);
	rec->nr_entries = 0;
}

void kxp_debugfs_vm_remove(struct kxp_vm *vm)
{
	debugfs_remove(vm->dir);
	vm->dir = NULL;
	kxp_entries_add(-(long)vm->nr_entries);
	vm->nr_entries = 0;
}

int kxp_debugfs_init(void)
{
	struct dentry *root = debugfs_create_dir("kvm_xsave_probe", NULL);

	if (IS_ERR(root))
		return PTR_ERR(root);
	kxp_root = root;
	debugfs_create_file("info", 0400, root, NULL, &kxp_info_fops);
	debugfs_create_file("stats", 0400, root, NULL, &kxp_stats_fops);
	debugfs_create_file("vcpus", 0400, root, NULL, &kxp_vcpus_fops);
	debugfs_create_file("events", 0400, root, NULL, &kxp_events_fops);
	debugfs_create_file("reset", 0200, root, NULL, &kxp_reset_fops);
	return 0;
}

/* Waits for readers inside any file; the tree goes in one piece. */
void kxp_debugfs_exit(void)
{
	debugfs_remove(kxp_root);
	kxp_root = NULL;
	kxp_nr_entries = 0;
}
