// SPDX-License-Identifier: GPL-2.0
/*
 * kvm-xsave: --vm, --pid and --problems, for status and events (text and
 * JSON alike). A vCPU is kept when it passes every filter given; an event
 * when its VM and process pass and, with --problems, its vCPU has one.
 */
#include <stdlib.h>
#include <string.h>

#include "kxp.h"

/*
 * Guest names already read: a filter asks once per process, not per row.
 * Emptied at each filtering, so that `events -f` sees a reused pid afresh.
 */
#define NR_CACHED 16

static struct {
	long pid;
	int have;
	char name[128];
} cache[NR_CACHED];
static unsigned int nr_cached;

static const char *guest_of(long pid)
{
	unsigned int i;

	for (i = 0; i < nr_cached && i < NR_CACHED; i++)
		if (cache[i].pid == pid)
			return cache[i].have ? cache[i].name : NULL;
	i = nr_cached++ % NR_CACHED;
	cache[i].pid = pid;
	cache[i].have = !kxp_guest_name(pid, cache[i].name,
					sizeof(cache[i].name));
	return cache[i].have ? cache[i].name : NULL;
}

/*
 * Does @vm, a VM as the module names it, answer to @name? KVM's own
 * "<pid>-<fd>", or the guest name of its VMM process @pid (-name
 * guest=NAME, as the guest column shows it).
 */
int kxp_vm_matches(const char *name, const char *vm, long pid)
{
	const char *guest;

	if (!strcmp(name, vm))
		return 1;
	guest = pid > 0 ? guest_of(pid) : NULL;
	return guest && !strcmp(name, guest);
}

int kxp_filter_active(const struct kxp_filter *f)
{
	return f->vm || f->have_pid || f->problems;
}

int kxp_filter_vcpu(const struct kxp_filter *f, const struct kxp_vcpu *v)
{
	if (f->vm && !kxp_vm_matches(f->vm, v->vm,
				     v->have & (1U << KXP_VC_PID) ? v->pid : 0))
		return 0;
	if (f->have_pid && (!(v->have & (1U << KXP_VC_PID)) ||
			    v->pid != f->pid))
		return 0;
	return !f->problems || kxp_vcpu_has_problem(v);
}

void kxp_filter_vcpus(const struct kxp_filter *f, struct kxp_vcpus *vs)
{
	size_t i, kept = 0;

	nr_cached = 0;
	for (i = 0; i < vs->n; i++) {
		if (kxp_filter_vcpu(f, &vs->v[i]))
			vs->v[kept++] = vs->v[i];
		else
			free(vs->v[i].problems);
	}
	vs->filtered_out += vs->n - kept;
	vs->n = kept;
}

static int event_has_problem(const struct kxp_event *e,
			     const struct kxp_vcpus *vs)
{
	size_t i;

	for (i = 0; i < vs->n; i++)
		if (!strcmp(vs->v[i].vm, e->vm) && e->vcpu >= 0 &&
		    vs->v[i].vcpu == (unsigned long)e->vcpu)
			return kxp_vcpu_has_problem(&vs->v[i]);
	return 0;
}

/*
 * An event filtered out stays as a seq-only placeholder, as a malformed
 * line does, so that it shows as neither an event nor a gap.
 */
int kxp_filter_events(const struct kxp_filter *f, struct kxp_events *evs,
		      struct kxp_err *e)
{
	struct kxp_vcpus vs = { 0 };
	size_t i;

	if (!kxp_filter_active(f))
		return 0;
	nr_cached = 0;
	if (f->problems && kxp_read_vcpus(&vs, e))
		return -1;
	for (i = 0; i < evs->n; i++) {
		struct kxp_event *ev = &evs->v[i];

		if ((f->vm && !kxp_vm_matches(f->vm, ev->vm, ev->pid)) ||
		    (f->have_pid && ev->pid != f->pid) ||
		    (f->problems && !event_has_problem(ev, &vs)))
			ev->malformed = 1;
	}
	kxp_vcpus_free(&vs);
	return 0;
}

void kxp_filter_json(struct jw *w, const struct kxp_filter *f)
{
	jw_obj(w, "filter");
	jw_str(w, "vm", f->vm);
	if (f->have_pid)
		jw_s64(w, "pid", f->pid);
	else
		jw_null(w, "pid");
	jw_bool(w, "problems", f->problems);
	jw_obj_end(w);
}
